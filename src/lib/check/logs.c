/* SPDX-License-Identifier: MIT */
/*
 * Where the servicing logs meet the image (check/logs.h).  The logs are
 * evidence of the past; the scan is the state now.  A corrupt payload the
 * log names is "confirmed" only when the scan finds the same key form and
 * file broken; when the scan verifies it, the log reported a problem that
 * is gone ("the store is healthy now"); when the component is not in the
 * store, nothing can be said about it (never cry wolf: the log alone is not
 * a finding about this store).
 */
#include "check/logs.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "util/map.h"
#include "util/strbuf.h"

void sxs_log_context_init(struct sxs_log_context *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
}

void sxs_log_context_release(struct sxs_log_context *ctx)
{
	for (size_t i = 0; i < ctx->nties; i++) {
		sxs_free(ctx->ties[i].keyform);
		sxs_free(ctx->ties[i].file);
		sxs_free(ctx->ties[i].detail);
	}
	sxs_free(ctx->ties);
	sxs_free(ctx->filters);
	if (ctx->have_facts)
		sxs_servicing_facts_release(&ctx->facts);
	memset(ctx, 0, sizeof(*ctx));
}

unsigned sxs_logs_facts_needed(struct sxs_cbs_log *const *logs, size_t n)
{
	unsigned need = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < logs[i]->nkinds; k++) {
			switch (logs[i]->kinds[k].kind) {
			case SXS_KIND_ACCESS_DENIED:
			case SXS_KIND_SHARING_VIOLATION:
				need |= SXS_FACTS_SYSTEM;
				break;
			case SXS_KIND_CLIENT_ABORT_TIMEOUT:
				need |= SXS_FACTS_SOFTWARE;
				break;
			case SXS_KIND_PENDING_REBOOT:
			case SXS_KIND_DELETE_PENDING:
				need |= SXS_FACTS_SOFTWARE | SXS_FACTS_WINSXS | SXS_FACTS_SYSTEM;
				break;
			default:
				break;
			}
		}
	}
	return need;
}

/*
 * Microsoft's own file system minifilters, by service name.  Source: the
 * "Allocated filter altitudes" page of the Windows driver documentation
 * (learn.microsoft.com/windows-hardware/drivers/ifs/allocated-altitudes,
 * rows whose company is Microsoft; the driver file name without .sys is the
 * service name), and the default `fltmc filters` listing of Windows 10/11
 * (bindflt, UCPD, WdFilter, storqosflt, wcifs, CldFlt, bfs, FileCrypt, luafv,
 * UnionFS, npsvctrig, Wof, FileInfo).  A filter absent here is reported as
 * third-party: the admin checks it, sxscheck does not accuse it.
 */
static const char *const microsoft_filters[] = {
	"applockerfltr", "bfs", "bindflt", "cldflt", "csvflt", "csvnsflt", "Dedup", "dfs", "DfsrRo",
	"FileCrypt", "FileInfo", "fsdepends", "iorate", "ioqos", "luafv", "MpFilter", "MsSecFlt",
	"npsvctrig", "PrjFlt", "sftredir", "storqosflt", "SysmonDrv", "UCPD", "UnionFS", "wcifs",
	"wcnfs", "WdFilter", "WinSetupMon", "Wof", "WimMount", "FsDepends", "gameflt", "Ndu",
};

bool sxs_minifilter_is_microsoft(const char *name)
{
	for (size_t i = 0; i < sizeof(microsoft_filters) / sizeof(*microsoft_filters); i++)
		if (!strcasecmp(name, microsoft_filters[i]))
			return true;
	return false;
}

int sxs_logs_set_facts(struct sxs_log_context *ctx, struct sxs_servicing_facts *facts)
{
	ctx->facts = *facts;
	memset(facts, 0, sizeof(*facts));
	ctx->have_facts = true;
	if (!ctx->facts.nfilters)
		return 0;
	ctx->filters = sxs_calloc(ctx->facts.nfilters, sizeof(*ctx->filters));
	if (!ctx->filters)
		return -SXS_ENOMEM;
	/* third-party filters first: they are what the admin looks at */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ctx->facts.nfilters; i++) {
			const struct sxs_filter_driver *d = &ctx->facts.filters[i];
			bool ms = d->name && sxs_minifilter_is_microsoft(d->name);
			if (ms != (pass == 1))
				continue;
			struct sxs_minifilter *m = &ctx->filters[ctx->nfilters++];
			m->drv = d;
			m->microsoft = ms;
		}
	}
	return 0;
}

/* ---- ties ---- */

static const struct sxs_finding *finding_for(const struct sxs_findings *f, const char *keyform, const char *file)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct sxs_finding *fd = &f->v[i];
		if (!fd->component || strcasecmp(fd->component, keyform))
			continue;
		if (fd->severity < SXS_SEV_WARNING)
			continue;
		if (!file || !fd->file)
			return fd;
		/* payload findings name the file; delta findings name "r\file" */
		const char *a = fd->file, *b = file;
		size_t la = strlen(a), lb = strlen(b);
		if (!strcasecmp(a, b))
			return fd;
		if (la > lb && (a[la - lb - 1] == '\\' || a[la - lb - 1] == '/') && !strcasecmp(a + la - lb, b))
			return fd;
		if (lb > la && (b[lb - la - 1] == '\\' || b[lb - la - 1] == '/') && !strcasecmp(b + lb - la, a))
			return fd;
	}
	return NULL;
}

static const struct sxs_payload *payload_of(const struct sxs_component *c, const char *file)
{
	for (size_t i = 0; i < c->nfiles; i++)
		if (c->files[i].name && !strcasecmp(c->files[i].name, file))
			return &c->files[i];
	return NULL;
}

/* name \x1f version \x1f arch, the key of the identity index (names compare case-insensitively) */
static int ident_key(struct sxs_strbuf *k, const char *name, const char *version, const char *arch)
{
	sxs_strbuf_reset(k);
	sxs_strbuf_adds(k, name);
	sxs_strbuf_addc(k, '\x1f');
	sxs_strbuf_adds(k, version);
	sxs_strbuf_addc(k, '\x1f');
	/* CSI prints a wow64 component's arch as "Host= amd64 Guest= x86" */
	sxs_strbuf_adds(k, arch && strstr(arch, "Guest= x86") ? "wow64" : arch ? arch : "");
	return sxs_strbuf_error(k);
}

/* The model component of an identity printed by CSI (name, version, arch). */
static const struct sxs_component *component_by_identity(const struct sxs_map *ix, struct sxs_strbuf *k,
                                                         const char *name, const char *version, const char *arch)
{
	if (!name || !version || ident_key(k, name, version, arch))
		return NULL;
	return sxs_map_get(ix, k->buf, k->len);
}

static int add_tie(struct sxs_log_context *ctx, size_t log, const char *what, const char *keyform,
                   const char *file, uint64_t line, enum sxs_tie_state st, const char *fid, const char *detail)
{
	struct sxs_log_tie *p = sxs_reallocarray(ctx->ties, ctx->nties + 1, sizeof(*p));
	if (!p)
		return -SXS_ENOMEM;
	ctx->ties = p;
	struct sxs_log_tie *t = &p[ctx->nties++];
	memset(t, 0, sizeof(*t));
	t->log = log;
	t->what = what;
	t->keyform = keyform ? sxs_strdup(keyform) : NULL;
	t->file = file ? sxs_strdup(file) : NULL;
	t->line = line;
	t->state = st;
	t->finding_id = fid;
	t->detail = sxs_strdup(detail);
	return t->detail ? 0 : -SXS_ENOMEM;
}

static int tie_one(struct sxs_log_context *ctx, size_t li, const struct sxs_cbs_log *log, const char *what,
                   const struct sxs_component *c, const char *keyform, const char *file, uint64_t line,
                   const struct sxs_model *m, const struct sxs_findings *f)
{
	char detail[768];
	const char *logname = log->member ? log->member : log->name;
	const char *base = strrchr(logname, '/');
	base = base ? base + 1 : logname;
	if (!c && keyform)
		c = sxs_model_find(m, keyform);
	if (!c) {
		snprintf(detail, sizeof(detail), "not in this store (%s line %" PRIu64 " named it; superseded or removed since)",
		         base, line);
		return add_tie(ctx, li, what, keyform, file, line, SXS_TIE_NOT_IN_STORE, NULL, detail);
	}
	const struct sxs_finding *fd = finding_for(f, c->keyform, file);
	if (fd) {
		snprintf(detail, sizeof(detail), "%s: confirmed by %s line %" PRIu64, sxs_finding_info(fd->kind)->id, base, line);
		return add_tie(ctx, li, what, c->keyform, file, line, SXS_TIE_CONFIRMED, sxs_finding_info(fd->kind)->id,
		               detail);
	}
	const struct sxs_payload *p = file ? payload_of(c, file) : NULL;
	/* f\, r\ and n\ files are deltas: a delta without a finding verified too when deltas were checked */
	bool delta = file && (file[1] == '\\' || file[1] == '/') && strchr("frnFRN", file[0]);
	if ((p && p->state == SXS_PAYLOAD_OK) || (delta && c->ndeltas)) {
		snprintf(detail, sizeof(detail), "%s reported it (line %" PRIu64 "), the store is healthy now", base, line);
		return add_tie(ctx, li, what, c->keyform, file, line, SXS_TIE_HEALTHY_NOW, NULL, detail);
	}
	snprintf(detail, sizeof(detail), "in the store, not verified by this scan (%s)",
	         !m->payloads_checked ? "payloads not checked" : p ? sxs_payload_state_name(p->state)
	                                                            : "no such file in its manifest");
	return add_tie(ctx, li, what, c->keyform, file, line, SXS_TIE_NOT_VERIFIED, NULL, detail);
}

int sxs_logs_tie(struct sxs_log_context *ctx, struct sxs_cbs_log *const *logs, size_t n, const struct sxs_model *m,
                 const struct sxs_findings *f)
{
	int err = 0;
	struct sxs_map ix; /* identity -> component, built once (a log may name thousands) */
	struct sxs_strbuf k = SXS_STRBUF_INIT;
	ctx->have_scan = true;
	sxs_map_init(&ix, true);
	for (size_t i = 0; i < m->ncomps && !err; i++) {
		const struct sxs_component *c = &m->comps[i];
		if (!c->has_identity || !c->id.name || !c->id.version)
			continue;
		if (!(err = ident_key(&k, c->id.name, c->id.version, c->id.arch)) && !sxs_map_has(&ix, k.buf, k.len))
			err = sxs_map_put(&ix, k.buf, k.len, (void *)c);
	}
	for (size_t li = 0; li < n && !err; li++) {
		const struct sxs_cbs_log *log = logs[li];
		for (size_t i = 0; i < log->ncorrupt && !err; i++) {
			const struct sxs_cbs_corrupt *c = &log->corrupt[i];
			if (c->where != SXS_CBS_STORE)
				continue;
			if (c->keyform)
				err = tie_one(ctx, li, log, "corrupt", NULL, c->keyform, c->file, c->line, m, f);
			else if (c->component)
				err = tie_one(ctx, li, log, "corrupt",
				              component_by_identity(&ix, &k, c->component, c->version, c->arch), NULL, c->file,
				              c->line, m, f);
		}
		for (size_t i = 0; i < log->nhydration && !err; i++) {
			const struct sxs_cbs_hydration *h = &log->hydration[i];
			err = tie_one(ctx, li, log, "hydration", component_by_identity(&ix, &k, h->component, h->version, h->arch),
			              NULL, h->file, h->line, m, f);
		}
	}
	sxs_map_release(&ix);
	sxs_strbuf_release(&k);
	return err;
}

/* ---- scan findings ---- */

long sxs_logs_last_failure(struct sxs_cbs_log *const *logs, size_t n)
{
	long last = -1, unrepaired = -1;
	const char *last_ts = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct sxs_cbs_log *log = logs[i];
		if (log->outcome == SXS_CBS_CORRUPTION_UNREPAIRED)
			unrepaired = (long)i;
		if (log->last_failure >= log->nops)
			continue; /* neither a failed nor an interrupted operation */
		/* the failure with the latest time across the chain (local time strings compare in order) */
		const char *ts = log->ops[log->last_failure].start_ts;
		if (last < 0 || !last_ts || strcmp(ts, last_ts) >= 0) {
			last = (long)i;
			last_ts = ts;
		}
	}
	return last >= 0 ? last : unrepaired;
}

long sxs_logs_scan_findings(struct sxs_cbs_log *const *logs, size_t n, struct sxs_findings *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct sxs_cbs_log *log = logs[i];
		if (log->err && !log->stats.records) {
			const char *why = log->error ? log->error : "unreadable";
			size_t k = strlen(log->name);
			if (!strncmp(why, log->name, k) && !strncmp(why + k, ": ", 2))
				why += k + 2; /* the finding names the file already */
			sxs_findings_add(out, SXS_F_SERVICING_LOG_UNREADABLE, NULL, log->name, "%s", why);
		}
	}
	long last = sxs_logs_last_failure(logs, n);
	if (last < 0)
		return -1;
	const struct sxs_cbs_log *log = logs[last];
	const char *kind = log->nkinds ? sxs_cbs_kind_info(log->kinds[0].kind)->id : "none";
	struct sxs_strbuf msg = SXS_STRBUF_INIT;
	if (log->last_failure < log->nops) {
		const struct sxs_cbs_op *op = &log->ops[log->last_failure];
		sxs_strbuf_addf(&msg, "last servicing failure: %s", sxs_cbs_op_type_name(op));
		if (op->kb)
			sxs_strbuf_addf(&msg, " %s", op->kb);
		if (op->has_result) {
			const char *nm = sxs_cbs_printed_name(log, op->result);
			const struct sxs_hresult_info *hi = nm ? NULL : sxs_hresult_lookup(op->result);
			sxs_strbuf_addf(&msg, " ended 0x%08" PRIx32 "%s%s", op->result, nm || hi ? " " : "",
			                nm ? nm : hi ? hi->name : "");
		} else if (op->interrupted) {
			sxs_strbuf_adds(&msg, " was interrupted");
		}
		sxs_strbuf_addf(&msg, " at line %" PRIu64 " (%s), primary kind %s; see sxscheck cbs --root",
		                op->result_line ? op->result_line : op->end_line, op->start_ts[0] ? op->start_ts : "?", kind);
	} else {
		sxs_strbuf_addf(&msg, "servicing logs report corruption that was not repaired, primary kind %s; see sxscheck cbs --root",
		                kind);
	}
	struct sxs_finding *fd = sxs_findings_add(out, log->last_failure < log->nops ? SXS_F_SERVICING_FAILED
	                                                                               : SXS_F_SERVICING_CORRUPTION_REPORTED,
	                                          NULL, log->member ? log->member : log->name, "%s", sxs_strbuf_str(&msg));
	(void)fd;
	sxs_strbuf_release(&msg);
	return last;
}

/* ---- the image's logs ---- */

struct named {
	char *name;
};

static int cmp_chain(const void *a, const void *b)
{
	return sxs_cbs_chain_cmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

/* scan reads the live logs only up to this size, so they never dominate a scan (Windows 7 can grow CBS.log past 2 GB, cbslog.md 7) */
#define SXS_MAX_SCAN_LOG ((off_t)256 << 20)

static int read_one(int dirfd, const char *ondisk, const char *display, bool for_scan, struct sxs_cbs_log ***logs,
                    size_t *n)
{
	struct sxs_diag diag = {{0}};
	int fd, err = sxs_open_beneath(dirfd, ondisk, &fd, &diag);
	struct sxs_cbs_log **got = NULL;
	size_t ngot = 0;
	struct stat st;
	if (err == -SXS_ENOMEM)
		return err;
	if (!err && for_scan && fstat(fd, &st) == 0 && st.st_size > SXS_MAX_SCAN_LOG) {
		close(fd);
		err = sxs_diag_set(&diag, SXS_ELIMIT, "%lld MiB, more than scan reads (%lld MiB); sxscheck cbs --root reads it",
		                   (long long)(st.st_size >> 20), (long long)(SXS_MAX_SCAN_LOG >> 20));
	}
	if (err) {
		/* a link, a folder, an I/O error: one log that says so */
		struct sxs_cbs_log *log = sxs_calloc(1, sizeof(*log));
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		if (!log)
			return -SXS_ENOMEM;
		log->last_failure = (size_t)-1;
		log->name = sxs_strdup(display);
		log->err = err;
		sxs_strbuf_addf(&sb, "%s: %s", display, sxs_diag_msg(&diag, err));
		log->error = sxs_strbuf_detach(&sb, NULL);
		for (char *p = log->error; p && *p; p++) /* a name from the image: one line */
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		got = sxs_calloc(1, sizeof(*got));
		if (!log->name || !log->error || !got) {
			sxs_cbs_log_free(log);
			sxs_free(got);
			return -SXS_ENOMEM;
		}
		got[0] = log;
		ngot = 1;
	} else {
		err = sxs_cbs_read_fd(fd, display, &got, &ngot);
		close(fd);
		if (err)
			return err;
	}
	struct sxs_cbs_log **p = sxs_reallocarray(*logs, *n + ngot, sizeof(*p));
	if (!p) {
		sxs_cbs_logs_free(got, ngot);
		return -SXS_ENOMEM;
	}
	*logs = p;
	memcpy(p + *n, got, ngot * sizeof(*got));
	*n += ngot;
	sxs_free(got);
	return 0;
}

int sxs_logs_read_image(struct sxs_image *img, bool live_only, struct sxs_cbs_log ***logs_ret, size_t *n_ret)
{
	struct sxs_cbs_log **logs = NULL;
	size_t n = 0;
	int err = 0, fd;
	struct sxs_dir *dir = NULL;
	const char *win = strcmp(img->windows_name, ".") ? img->windows_name : NULL;
	struct sxs_strbuf disp = SXS_STRBUF_INIT;
	char *ondisk = NULL;

	*logs_ret = NULL;
	*n_ret = 0;
	if (sxs_openat_ci(img->windows_fd, "Logs/CBS", O_DIRECTORY, &fd, &ondisk, NULL) == 0) {
		if ((err = sxs_dir_load(fd, &dir, NULL))) {
			sxs_free(ondisk);
			return err == -SXS_ENOMEM ? err : 0;
		}
		struct named *names = sxs_calloc(dir->n ? dir->n : 1, sizeof(*names));
		size_t nn = 0;
		if (!names)
			err = -SXS_ENOMEM;
		for (size_t i = 0; !err && i < dir->n; i++) {
			const struct sxs_dirent *e = &dir->ents[i];
			if (!sxs_cbs_is_log_name(e->name))
				continue;
			if (live_only && strcasecmp(e->name, "CBS.log"))
				continue;
			names[nn++].name = e->name;
		}
		if (!err)
			qsort(names, nn, sizeof(*names), cmp_chain);
		for (size_t i = 0; !err && i < nn; i++) {
			sxs_strbuf_reset(&disp);
			sxs_strbuf_addf(&disp, "%s%s%s/%s", win ? win : "", win ? "/" : "", ondisk, names[i].name);
			if ((err = sxs_strbuf_error(&disp)))
				break;
			err = read_one(dir->fd, names[i].name, sxs_strbuf_str(&disp), live_only, &logs, &n);
		}
		sxs_free(names);
		sxs_dir_free(dir);
		sxs_free(ondisk);
		ondisk = NULL;
	}
	if (!err && sxs_openat_ci(img->windows_fd, "Logs/DISM", O_DIRECTORY, &fd, &ondisk, NULL) == 0) {
		if ((err = sxs_dir_load(fd, &dir, NULL)) == 0) {
			const struct sxs_dirent *e = sxs_dir_find(dir, "dism.log");
			if (e) {
				sxs_strbuf_reset(&disp);
				sxs_strbuf_addf(&disp, "%s%s%s/%s", win ? win : "", win ? "/" : "", ondisk, e->name);
				err = sxs_strbuf_error(&disp);
				if (!err)
					err = read_one(dir->fd, e->name, sxs_strbuf_str(&disp), live_only, &logs, &n);
			}
			sxs_dir_free(dir);
		} else if (err != -SXS_ENOMEM) {
			err = 0;
		}
		sxs_free(ondisk);
	}
	sxs_strbuf_release(&disp);
	if (err) {
		sxs_cbs_logs_free(logs, n);
		return err;
	}
	*logs_ret = logs;
	*n_ret = n;
	return 0;
}
