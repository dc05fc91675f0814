/* SPDX-License-Identifier: MIT */
/*
 * Triage of one log (../shared/docs/cbslog.md §8, §10): the corrupt items,
 * the outcome, the kinds with the primary one first, the decisive HRESULTs
 * (results of failed operations with their origin lines, inner installer
 * codes, DISM AddSource failures, hydration statuses), failing packages and
 * KBs (only from failing operations, §0.8), remedies, and the codes that
 * appeared without deciding anything (benign).
 */
#include <stdio.h>
#include <string.h>

#include "cbslog/cbslog.h"
#include "cbslog/internal.h"
#include "util/alloc.h"
#include "util/map.h"
#include "util/strbuf.h"

static const char *const outcome_names[] = {"no-failure", "repaired", "corruption-unrepaired", "failed"};

const char *sxs_cbs_outcome_name(enum sxs_cbs_outcome o)
{
	return (unsigned)o < 4 ? outcome_names[o] : "unknown";
}

const char *sxs_cbs_op_type_name(const struct sxs_cbs_op *op)
{
	switch (op->type) {
	case SXS_OP_PACKAGE:
		if (op->action && !strcmp(op->action, "uninstall"))
			return "package-uninstall";
		if (op->action && !strcmp(op->action, "stage"))
			return "package-stage";
		return op->action ? "package-install" : "package-operation";
	case SXS_OP_RESTOREHEALTH:
		return "dism-restorehealth";
	case SXS_OP_SCANHEALTH:
		return "dism-scanhealth";
	case SXS_OP_CORRUPTION:
		return "store-corruption-check";
	case SXS_OP_SFC:
		return "sfc";
	case SXS_OP_STARTUP:
		return "boot-time-startup";
	case SXS_OP_MAINTENANCE:
		return "component-cleanup-maintenance";
	case SXS_OP_SESSION:
		return "session";
	case SXS_OP_DISM_COMMAND:
		return "dism-command";
	default:
		return "unknown";
	}
}

int sxs_cbs_primary_kind(const struct sxs_cbs_log *log)
{
	return log->nkinds ? (int)log->kinds[0].kind : -1;
}

/* ---- helpers ---- */

static int strv_push(char ***v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return 0;
	char **p = sxs_reallocarray(*v, *n + 1, sizeof(char *));
	if (!p)
		return -SXS_ENOMEM;
	*v = p;
	if (!(p[*n] = sxs_strdup(s)))
		return -SXS_ENOMEM;
	(*n)++;
	return 0;
}

static char **strv_copy(char **v, size_t n)
{
	if (!n)
		return NULL;
	char **c = sxs_calloc(n, sizeof(char *));
	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++)
		c[i] = sxs_strdup(v[i]);
	return c;
}

static bool has_flag(const struct sxs_cbs_pline *pl, const char *f)
{
	for (size_t i = 0; i < pl->nflags; i++)
		if (!strcmp(pl->flags[i], f))
			return true;
	return false;
}

static void corrupt_free_one(struct sxs_cbs_corrupt *c)
{
	sxs_free(c->type);
	sxs_free(c->keyform);
	sxs_free(c->file);
	sxs_free(c->package);
	sxs_free(c->component);
	sxs_free(c->version);
	sxs_free(c->arch);
	sxs_free(c->path);
	for (size_t i = 0; i < c->nflags; i++)
		sxs_free(c->flags[i]);
	sxs_free(c->flags);
}

static struct sxs_cbs_corrupt *corrupt_add(struct sxs_cbs_log *log)
{
	struct sxs_cbs_corrupt *p = sxs_reallocarray(log->corrupt, log->ncorrupt + 1, sizeof(*p));
	if (!p)
		return NULL;
	log->corrupt = p;
	memset(&p[log->ncorrupt], 0, sizeof(*p));
	return &p[log->ncorrupt++];
}

static bool is_payload_type(const char *t)
{
	return t && strstr(t, "Payload");
}

static bool is_manifest_type(const char *t)
{
	return t && (strstr(t, "MUM") || strstr(t, "Catalog") || strstr(t, "Manifest") || strstr(t, "CAT"));
}

/* ---- corrupt items (cbslog.md §0.9, §6) ---- */

static int key(struct sxs_strbuf *k, const char *tag, const char *a, const char *b, const char *c)
{
	sxs_strbuf_reset(k);
	sxs_strbuf_adds(k, tag);
	sxs_strbuf_addc(k, '\x1f');
	sxs_strbuf_adds(k, a ? a : "");
	sxs_strbuf_addc(k, '\x1f');
	sxs_strbuf_adds(k, b ? b : "");
	sxs_strbuf_addc(k, '\x1f');
	sxs_strbuf_adds(k, c ? c : "");
	return sxs_strbuf_error(k);
}

static int build_corrupt(struct sxs_cbs_log *log, bool *store_plines)
{
	struct sxs_map idx; /* key -> index + 1 into log->corrupt */
	struct sxs_strbuf k = SXS_STRBUF_INIT;
	sxs_map_init(&idx, false);
	*store_plines = false;
	for (size_t i = 0; i < log->nplines; i++) {
		const struct sxs_cbs_pline *pl = &log->plines[i];
		if (!pl->item || !*pl->item)
			continue;
		if (pl->fix) {
			/* CheckSUR "(fix)": the item of an earlier "(f)" line was replaced */
			for (size_t j = 0; j < log->ncorrupt; j++) {
				struct sxs_cbs_corrupt *c = &log->corrupt[j];
				const char *it = c->package ? c->package : c->keyform;
				const char *base = it ? strrchr(it, '\\') : NULL;
				base = base ? base + 1 : it; /* "(f) ... servicing\Packages\X.mum", "(fix) ... X.mum from Cabinet" */
				if (base && *base && strstr(pl->item, base)) {
					c->repaired = true;
					c->repaired_from = "local-source";
				}
			}
			continue;
		}
		bool payload = is_payload_type(pl->type);
		const char *bs = strchr(pl->item, '\\');
		struct sxs_cbs_corrupt *c = NULL;
		/* one entry per item; a later report of the same item updates it (a hash set: linear) */
		if (key(&k, "p", pl->type, pl->item, NULL))
			goto oom;
		uintptr_t at = (uintptr_t)sxs_map_get(&idx, k.buf, k.len);
		if (at) {
			c = &log->corrupt[at - 1];
			for (size_t f = 0; f < c->nflags; f++)
				sxs_free(c->flags[f]);
			sxs_free(c->flags);
			c->flags = NULL;
			c->nflags = 0;
		}
		if (!c) {
			if (!(c = corrupt_add(log)) || sxs_map_put(&idx, k.buf, k.len, (void *)(uintptr_t)log->ncorrupt))
				goto oom;
			c->where = SXS_CBS_STORE;
			c->type = sxs_strdup(pl->type);
			if (payload && bs) {
				c->keyform = sxs_strndup(pl->item, (size_t)(bs - pl->item));
				c->file = sxs_strdup(bs + 1);
			} else if (payload || (pl->type && strstr(pl->type, "CSI"))) {
				c->keyform = sxs_strdup(pl->item);
			} else {
				c->package = sxs_strdup(pl->item);
			}
		}
		if (payload)
			*store_plines = true;
		c->line = pl->line;
		c->repaired = has_flag(pl, "(Fixed)") || has_flag(pl, "(fixed)");
		c->repaired_from = c->repaired ? (has_flag(pl, "(w)") ? "windows-update" : "local-source") : NULL;
		c->flags = strv_copy(pl->flags, pl->nflags);
		c->nflags = c->flags ? pl->nflags : 0;
	}
	/* SFC: projected copies restored from the store are kept apart from store corruption */
	for (size_t s = 0; s < log->nsfc; s++) {
		const struct sxs_cbs_sfc *r = &log->sfc[s];
		for (size_t i = 0; i < r->nrepaired_projected; i++) {
			if (key(&k, "P", r->repaired_projected[i], NULL, NULL))
				goto oom;
			if (sxs_map_has(&idx, k.buf, k.len))
				continue;
			struct sxs_cbs_corrupt *c = corrupt_add(log);
			if (!c || sxs_map_put(&idx, k.buf, k.len, (void *)(uintptr_t)log->ncorrupt))
				goto oom;
			c->where = SXS_CBS_PROJECTED;
			c->path = sxs_strdup(r->repaired_projected[i]);
			c->repaired = true;
			c->repaired_from = "store";
			c->line = r->end_line;
		}
		/* SFC's driver pass: driver binaries found corrupt (left bad unless a repair line
		   follows: sfc /verifyonly repairs nothing), restored from the driver store */
		for (int pass = 0; pass < 3; pass++) {
			char **v = pass == 0 ? r->pnp_repaired : pass == 1 ? r->pnp_failed : r->pnp_corrupt;
			size_t nv = pass == 0 ? r->npnp_repaired : pass == 1 ? r->npnp_failed : r->npnp_corrupt;
			for (size_t i = 0; i < nv; i++) {
				if (key(&k, "P", v[i], NULL, NULL))
					goto oom;
				uintptr_t at = (uintptr_t)sxs_map_get(&idx, k.buf, k.len);
				struct sxs_cbs_corrupt *c = at ? &log->corrupt[at - 1] : NULL;
				if (!c) {
					if (!(c = corrupt_add(log)) || sxs_map_put(&idx, k.buf, k.len, (void *)(uintptr_t)log->ncorrupt))
						goto oom;
					c->where = SXS_CBS_PROJECTED;
					c->path = sxs_strdup(v[i]);
					c->line = r->end_line;
				} else if (pass && c->repaired) {
					continue; /* repaired in another run of this log */
				}
				c->repaired = !pass;
				c->repaired_from = pass ? NULL : "driver-store";
			}
		}
	}
	/* SFC's store findings when no (p) line lists the store's corrupt payloads */
	if (!*store_plines) {
		for (size_t s = 0; s < log->nsfc; s++) {
			const struct sxs_cbs_sfc *r = &log->sfc[s];
			for (size_t i = 0; i < r->ncannot_repair; i++) {
				const struct sxs_cbs_item *it = &r->cannot_repair[i];
				if (key(&k, "S", it->component, it->file, NULL))
					goto oom;
				if (sxs_map_has(&idx, k.buf, k.len))
					continue;
				struct sxs_cbs_corrupt *c = corrupt_add(log);
				if (!c || sxs_map_put(&idx, k.buf, k.len, (void *)(uintptr_t)log->ncorrupt))
					goto oom;
				c->where = SXS_CBS_STORE;
				c->type = sxs_strdup("SFC cannot repair");
				c->component = it->component ? sxs_strdup(it->component) : NULL;
				c->version = it->version ? sxs_strdup(it->version) : NULL;
				c->arch = it->arch ? sxs_strdup(it->arch) : NULL;
				c->file = it->file ? sxs_strdup(it->file) : NULL;
				c->line = it->line;
			}
		}
	}
	sxs_map_release(&idx);
	sxs_strbuf_release(&k);
	return 0;
oom:
	sxs_map_release(&idx);
	sxs_strbuf_release(&k);
	return -SXS_ENOMEM;
}

/* ---- kinds ---- */

struct kind_acc {
	bool present, active;
	uint64_t line;
	char *subject;
};

static void kind_note(struct kind_acc *k, int kind, bool active, uint64_t line, const char *subject)
{
	if (kind < 0 || kind >= SXS_KIND_COUNT)
		return;
	struct kind_acc *a = &k[kind];
	if (!a->present || (line && line < a->line))
		a->line = line;
	a->present = true;
	a->active |= active;
	if (!a->subject && subject && *subject)
		a->subject = sxs_strdup(subject);
}

/* A kind for a failed operation whose result names none: the codes of its failure records. */
static int kind_from_evidence(const struct sxs_cbs_op *op)
{
	static const int wanted[] = {SXS_KIND_ACCESS_DENIED, SXS_KIND_SHARING_VIOLATION, SXS_KIND_DELETE_PENDING,
	                             SXS_KIND_COMPONENT_STORE_CORRUPT, SXS_KIND_STORE_CORRUPTION_MISSING_PACKAGE};
	for (size_t i = 0; i < op->nevidence; i++) {
		const char *t = op->evidence[i].text;
		if (!t)
			continue;
		struct sxs_cbs_hit h[SXS_CBS_MAX_HITS];
		size_t k = sxs_cbs_extract_codes(t, strlen(t), h);
		for (size_t j = 0; j < k; j++) {
			if (sxs_cbs_is_noise(t, strlen(t), h[j].code))
				continue;
			int kd = sxs_cbs_kind_of_code(h[j].code);
			for (size_t w = 0; w < sizeof(wanted) / sizeof(*wanted); w++)
				if (kd == wanted[w])
					return kd;
		}
	}
	return -1;
}

static const char *op_subject(const struct sxs_cbs_op *op, char *buf, size_t bufsz)
{
	if (op->kb && op->package)
		snprintf(buf, bufsz, "%s (%s)", op->kb, op->package);
	else if (op->package)
		snprintf(buf, bufsz, "%s", op->package);
	else if (op->kb)
		snprintf(buf, bufsz, "%s", op->kb);
	else
		return NULL;
	return buf;
}

/* ---- decisive HRESULTs ---- */

static char *code_name(const struct sxs_cbs_log *log, uint32_t code, const char **source_ret)
{
	const char *printed = sxs_cbs_printed_name(log, code);
	char buf[160];
	if (printed) {
		*source_ret = "log";
		return sxs_strdup(printed);
	}
	const struct sxs_hresult_info *hi = sxs_hresult_lookup(code);
	if (hi) {
		*source_ret = hi->source;
		return sxs_strdup(hi->name);
	}
	/* NTSTATUS_FROM_WIN32 and HRESULT_FROM_NT forms of table names */
	if ((code & 0xFFFF0000u) == 0xC0070000u && (hi = sxs_hresult_lookup(0x80070000u | (code & 0xFFFF))) &&
	    !strncmp(hi->name, "ERROR_", 6)) {
		snprintf(buf, sizeof(buf), "NTSTATUS_FROM_WIN32(%s)", hi->name);
		*source_ret = hi->source;
		return sxs_strdup(buf);
	}
	if ((code & 0xF0000000u) == 0xD0000000u && (hi = sxs_hresult_lookup(code & ~0x10000000u))) {
		snprintf(buf, sizeof(buf), "HRESULT_FROM_NT(%s)", hi->name);
		*source_ret = hi->source;
		return sxs_strdup(buf);
	}
	*source_ret = NULL;
	return NULL;
}

static int decisive_add(struct sxs_cbs_log *log, uint32_t code, uint64_t line, const char *text,
                        const char *role)
{
	if (!sxs_cbs_is_failure(code))
		return 0;
	for (size_t i = 0; i < log->ndecisive; i++) {
		struct sxs_cbs_decisive *d = &log->decisive[i];
		if (d->code == code) {
			d->count++;
			if (line && (!d->line || line < d->line)) {
				d->line = line;
				sxs_free(d->text);
				d->text = text ? sxs_strdup(text) : NULL;
			}
			return 0;
		}
	}
	struct sxs_cbs_decisive *p = sxs_reallocarray(log->decisive, log->ndecisive + 1, sizeof(*p));
	if (!p)
		return -SXS_ENOMEM;
	log->decisive = p;
	struct sxs_cbs_decisive *d = &p[log->ndecisive++];
	memset(d, 0, sizeof(*d));
	d->code = code;
	d->line = line;
	d->text = text ? sxs_strdup(text) : NULL;
	d->count = 1;
	d->role = role;
	d->name = code_name(log, code, &d->name_source);
	return 0;
}

/* ---- remedies ---- */

static int remedies(struct sxs_cbs_log *log)
{
	for (size_t i = 0; i < log->nkinds; i++) {
		const struct sxs_cbs_kind_entry *ke = &log->kinds[i];
		const struct sxs_cbs_kind_info *ki = sxs_cbs_kind_info(ke->kind);
		struct sxs_strbuf subj = SXS_STRBUF_INIT, text = SXS_STRBUF_INIT;
		switch (ke->kind) {
		case SXS_KIND_PAYLOAD_CORRUPT: {
			size_t shown = 0, total = 0;
			for (size_t c = 0; c < log->ncorrupt; c++) {
				const struct sxs_cbs_corrupt *co = &log->corrupt[c];
				if (co->where != SXS_CBS_STORE || co->repaired || !co->file)
					continue;
				total++;
				if (shown < 3) {
					sxs_strbuf_adds(&subj, shown ? ", " : "; corrupt: ");
					if (co->keyform)
						sxs_strbuf_addf(&subj, "%s\\%s", co->keyform, co->file);
					else
						sxs_strbuf_addf(&subj, "%s %s (%s) %s", co->component ? co->component : "?",
						                co->version ? co->version : "", co->arch ? co->arch : "", co->file);
					shown++;
				}
			}
			if (total > shown)
				sxs_strbuf_addf(&subj, " and %zu more", total - shown);
			break;
		}
		case SXS_KIND_PSFX_DELTA:
			for (size_t h = 0; h < log->nhydration && h < 3; h++)
				sxs_strbuf_addf(&subj, "%s%s %s\\%s", h ? ", " : " (hydration failed: ",
				                log->hydration[h].component ? log->hydration[h].component : "?",
				                log->hydration[h].version ? log->hydration[h].version : "",
				                log->hydration[h].file ? log->hydration[h].file : "?");
			if (log->nhydration > 3)
				sxs_strbuf_addf(&subj, " and %zu more", log->nhydration - 3);
			if (log->nhydration)
				sxs_strbuf_adds(&subj, ")");
			break;
		case SXS_KIND_STORE_CORRUPTION_MISSING_PACKAGE:
			sxs_strbuf_adds(&subj, log->missing_package ? log->missing_package
			                       : ke->subject ? ke->subject : "the package named in the log");
			break;
		case SXS_KIND_PENDING_REBOOT:
		case SXS_KIND_SOURCE_MISSING:
		case SXS_KIND_INTERRUPTED:
		case SXS_KIND_CANCELLED:
		case SXS_KIND_DOWNLOAD_FAILED:
		case SXS_KIND_COMPONENT_STORE_CORRUPT:
		case SXS_KIND_PROJECTED_FILE_REPAIRED:
			if (ke->subject)
				sxs_strbuf_addf(&subj, " (%s)", ke->subject);
			break;
		default:
			sxs_strbuf_adds(&subj, ke->subject ? ke->subject
			                    : ke->kind == SXS_KIND_CLIENT_ABORT_TIMEOUT ? "the update"
			                    : ke->kind == SXS_KIND_ADVANCED_INSTALLER ? "named in the log"
			                                                               : "the file named above");
		}
		/* the template's one "%s" is the subject */
		const char *pct = strstr(ki->remedy, "%s");
		if (!ke->active && ke->kind != SXS_KIND_PROJECTED_FILE_REPAIRED) {
			/* resolved in this log: say so instead of prescribing a repair */
			sxs_strbuf_adds(&text, "reported repaired in this log; nothing to do unless it comes back");
			if (ke->kind == SXS_KIND_PAYLOAD_CORRUPT)
				sxs_strbuf_adds(&text, " (an offline scan confirms the store's payloads now)");
		} else if (pct) {
			sxs_strbuf_add(&text, ki->remedy, (size_t)(pct - ki->remedy));
			sxs_strbuf_adds(&text, sxs_strbuf_str(&subj));
			sxs_strbuf_adds(&text, pct + 2);
		} else {
			sxs_strbuf_adds(&text, ki->remedy);
		}
		sxs_strbuf_release(&subj);
		if (sxs_strbuf_error(&text)) {
			sxs_strbuf_release(&text);
			return -SXS_ENOMEM;
		}
		struct sxs_cbs_remedy *p = sxs_reallocarray(log->remedies, log->nremedies + 1, sizeof(*p));
		if (!p) {
			sxs_strbuf_release(&text);
			return -SXS_ENOMEM;
		}
		log->remedies = p;
		p[log->nremedies].kind = ke->kind;
		p[log->nremedies].text = sxs_strbuf_detach(&text, NULL);
		p[log->nremedies].next_step = ki->next_step;
		p[log->nremedies].source = ki->source;
		log->nremedies++;
	}
	return 0;
}

/* ---- the triage ---- */

int sxs_cbs_triage(struct sxs_cbs_log *log)
{
	struct kind_acc k[SXS_KIND_COUNT];
	bool store_plines;
	int err;
	char sbuf[600];

	memset(k, 0, sizeof(k));
	log->last_failure = (size_t)-1;
	if ((err = build_corrupt(log, &store_plines)))
		return err;

	/* health findings (§8 step 5); unrepaired items first, so a kind's subject is one still broken */
	for (size_t pass = 0; pass < 2 * log->ncorrupt; pass++) {
		const struct sxs_cbs_corrupt *c = &log->corrupt[pass % log->ncorrupt];
		if (c->repaired != (pass >= log->ncorrupt))
			continue;
		if (c->where == SXS_CBS_PROJECTED && c->repaired)
			kind_note(k, SXS_KIND_PROJECTED_FILE_REPAIRED, false, c->line, NULL);
		else if (c->where == SXS_CBS_PROJECTED)
			/* a system file SFC reported corrupt and could not restore: the copy it
			   restores from is bad too (cbslog.md 4.6, "Could not reproject") */
			kind_note(k, SXS_KIND_PAYLOAD_CORRUPT, true, c->line, c->path);
		else if (is_payload_type(c->type) || (c->type && !strcmp(c->type, "SFC cannot repair")))
			kind_note(k, SXS_KIND_PAYLOAD_CORRUPT, !c->repaired, c->line, NULL);
		else if (is_manifest_type(c->type))
			kind_note(k, SXS_KIND_MANIFEST_CORRUPT, !c->repaired, c->line, c->package ? c->package : c->keyform);
	}
	/* SFC found store payloads it cannot repair (also when a DISM run listed them) */
	for (size_t s = 0; s < log->nsfc; s++) {
		if (log->sfc[s].ncannot_repair)
			kind_note(k, SXS_KIND_PAYLOAD_CORRUPT, !store_plines, log->sfc[s].cannot_repair[0].line, NULL);
		/* a store file SFC restored "by copying from backup" was corrupt and is repaired (cbslog.md 4.6) */
		if (log->sfc[s].nrepaired_backup)
			kind_note(k, SXS_KIND_PAYLOAD_CORRUPT, false, log->sfc[s].start_line, NULL);
	}
	/* summary counters, only from blocks whose operation succeeded (§6 traps) */
	for (size_t s = 0; s < log->nsummaries; s++) {
		const struct sxs_cbs_summary *sm = &log->summaries[s];
		if (!sm->has_result || sxs_cbs_is_failure(sm->result))
			continue;
		if (sm->csi_payload > 0)
			kind_note(k, SXS_KIND_PAYLOAD_CORRUPT, sm->csi_payload > (sm->csi_payload_repaired > 0 ? sm->csi_payload_repaired : 0), sm->line, NULL);
		int64_t man = (sm->cbs_manifest > 0 ? sm->cbs_manifest : 0) + (sm->csi_manifest > 0 ? sm->csi_manifest : 0);
		int64_t manr = (sm->cbs_manifest_repaired > 0 ? sm->cbs_manifest_repaired : 0) +
		               (sm->csi_manifest_repaired > 0 ? sm->csi_manifest_repaired : 0);
		if (man > 0)
			kind_note(k, SXS_KIND_MANIFEST_CORRUPT, man > manr, sm->line, NULL);
	}
	/* a later successful repair that left nothing detected resolves SFC-only findings */
	if (k[SXS_KIND_PAYLOAD_CORRUPT].active && !store_plines) {
		for (size_t s = 0; s < log->nsummaries; s++) {
			const struct sxs_cbs_summary *sm = &log->summaries[s];
			if (sm->line > k[SXS_KIND_PAYLOAD_CORRUPT].line && sm->has_result && !sxs_cbs_is_failure(sm->result) &&
			    sm->total_detected >= 0 && sm->total_detected == (sm->total_repaired > 0 ? sm->total_repaired : 0))
				k[SXS_KIND_PAYLOAD_CORRUPT].active = false;
		}
	}
	for (size_t h = 0; h < log->nhydration; h++)
		kind_note(k, SXS_KIND_PSFX_DELTA, true, log->hydration[h].line, log->hydration[h].file);

	/* failed operations (§8 steps 3-4) */
	bool any_failed = false;
	for (size_t i = 0; i < log->nops; i++) {
		struct sxs_cbs_op *op = &log->ops[i];
		bool counts = op->failed || (op->interrupted && op->type != SXS_OP_SFC && op->type != SXS_OP_MAINTENANCE &&
		                             op->type != SXS_OP_STARTUP);
		if (!counts)
			continue;
		any_failed |= op->failed; /* "failed": ended with a failure HRESULT (expected.json's definition) */
		if (log->last_failure == (size_t)-1 ||
		    (op->result_line ? op->result_line : op->end_line) >=
		        (log->ops[log->last_failure].result_line ? log->ops[log->last_failure].result_line
		                                                 : log->ops[log->last_failure].end_line))
			log->last_failure = i;
		const char *subj = op_subject(op, sbuf, sizeof(sbuf));
		if (!op->failed) {
			kind_note(k, SXS_KIND_INTERRUPTED, true, op->start_line, subj);
			continue;
		}
		if (op->has_result) {
			int kd = sxs_cbs_kind_of_code(op->result);
			if (kd < 0)
				kd = kind_from_evidence(op);
			const char *s = subj;
			if ((kd == SXS_KIND_ACCESS_DENIED || kd == SXS_KIND_SHARING_VIOLATION || kd == SXS_KIND_DELETE_PENDING) &&
			    op->subject_file)
				s = op->subject_file;
			if (kd == SXS_KIND_ADVANCED_INSTALLER && op->installer) {
				const char *in = sxs_cbs_printed_name(log, op->installer_hr);
				const struct sxs_hresult_info *hi = in ? NULL : sxs_hresult_lookup(op->installer_hr);
				if (op->installer_hr)
					snprintf(sbuf, sizeof(sbuf), "%s (0x%08x %s)", op->installer, op->installer_hr,
					         in ? in : hi ? hi->name : "");
				else
					snprintf(sbuf, sizeof(sbuf), "%s", op->installer);
				s = sbuf;
			}
			kind_note(k, kd, true, op->origin.line ? op->origin.line : op->result_line, s);
			if ((err = decisive_add(log, op->result, op->origin.line ? op->origin.line : op->result_line,
			                        op->origin.text, "result")))
				return err;
		}
		if (op->installer_hr && sxs_cbs_is_failure(op->installer_hr) &&
		    (!op->has_result || op->installer_hr != op->result)) {
			if ((err = decisive_add(log, op->installer_hr, op->installer_line, NULL, "installer")))
				return err;
			if (!op->has_result)
				kind_note(k, SXS_KIND_ADVANCED_INSTALLER, true, op->installer_line, op->installer);
		}
		if (op->download_hr && (!op->has_result || op->download_hr != op->result)) {
			/* the content download from Windows Update failed under it (cbslog.md 10, download-failed) */
			int kd = sxs_cbs_kind_of_code(op->download_hr);
			kind_note(k, kd >= 0 ? kd : SXS_KIND_DOWNLOAD_FAILED, true, op->download_line, NULL);
			if ((err = decisive_add(log, op->download_hr, op->download_line, NULL, "download")))
				return err;
		}
		for (size_t a = 0; a < op->naddsource; a++) {
			/* AddSource failures: the /Source given was not usable (§11) */
			kind_note(k, SXS_KIND_SOURCE_MISSING, true, op->start_line, NULL);
			if ((err = decisive_add(log, op->addsource[a], 0, NULL, "addsource")))
				return err;
		}
		if (op->type == SXS_OP_PACKAGE || op->type == SXS_OP_SESSION || op->type == SXS_OP_STARTUP ||
		    op->type == SXS_OP_MAINTENANCE) {
			if (op->package && (err = strv_push(&log->failing_packages, &log->nfailing_packages, op->package)))
				return err;
			if (op->kb && (err = strv_push(&log->kbs, &log->nkbs, op->kb)))
				return err;
		}
	}
	/* hydration statuses (§5) */
	for (size_t h = 0; h < log->nhydration; h++) {
		if (log->hydration[h].ntstatus &&
		    (err = decisive_add(log, log->hydration[h].ntstatus, log->hydration[h].line, NULL, "hydration")))
			return err;
	}
	for (size_t i = 0; i < log->ndecisive; i++) /* counts are per operation; hydration counts files */
		(void)i;

	/* kinds: active ones by precedence, then resolved ones */
	size_t nk = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < SXS_KIND_COUNT; i++)
			nk += k[i].present && (k[i].active == (pass == 0));
	if (nk) {
		log->kinds = sxs_calloc(nk, sizeof(*log->kinds));
		if (!log->kinds)
			err = -SXS_ENOMEM;
	}
	for (int pass = 0; pass < 2 && !err; pass++) {
		for (int i = 0; i < SXS_KIND_COUNT; i++) {
			if (!k[i].present || k[i].active != (pass == 0))
				continue;
			struct sxs_cbs_kind_entry *e = &log->kinds[log->nkinds++];
			e->kind = (enum sxs_cbs_kind)i;
			e->active = k[i].active;
			e->line = k[i].line;
			e->subject = k[i].subject;
			k[i].subject = NULL;
		}
	}
	for (int i = 0; i < SXS_KIND_COUNT; i++)
		sxs_free(k[i].subject);
	if (err)
		return err;

	/* outcome */
	bool active_corruption = false, resolved = false;
	for (size_t i = 0; i < log->nkinds; i++) {
		enum sxs_cbs_kind kd = log->kinds[i].kind;
		bool corruption = kd == SXS_KIND_PAYLOAD_CORRUPT || kd == SXS_KIND_MANIFEST_CORRUPT ||
		                  kd == SXS_KIND_PSFX_DELTA || kd == SXS_KIND_COMPONENT_STORE_CORRUPT ||
		                  kd == SXS_KIND_STORE_CORRUPTION_MISSING_PACKAGE;
		if (log->kinds[i].active && corruption)
			active_corruption = true;
		if (!log->kinds[i].active)
			resolved = true;
	}
	for (size_t s = 0; s < log->nsummaries; s++)
		resolved |= log->summaries[s].total_repaired > 0;
	log->outcome = any_failed ? SXS_CBS_FAILED
	               : active_corruption ? SXS_CBS_CORRUPTION_UNREPAIRED
	               : resolved ? SXS_CBS_REPAIRED
	                          : SXS_CBS_NO_FAILURE;

	/* codes seen that decided nothing */
	struct sxs_cbs_name_count *cc;
	size_t ncc = sxs_cbs_code_counts(log, &cc);
	for (size_t i = 0; i < ncc; i++) {
		bool dec = false;
		for (size_t j = 0; j < log->ndecisive && !dec; j++)
			dec = log->decisive[j].code == cc[i].code;
		if (dec)
			continue;
		struct sxs_cbs_benign *b = sxs_reallocarray(log->benign, log->nbenign + 1, sizeof(*b));
		if (!b) {
			sxs_free(cc);
			return -SXS_ENOMEM;
		}
		log->benign = b;
		b[log->nbenign].code = cc[i].code;
		b[log->nbenign].count = cc[i].count;
		log->nbenign++;
	}
	sxs_free(cc);
	return remedies(log);
}

void sxs_cbs_log_free(struct sxs_cbs_log *log)
{
	if (!log)
		return;
	sxs_free(log->name);
	sxs_free(log->member);
	sxs_free(log->error);
	sxs_free(log->build);
	sxs_free(log->build_full);
	sxs_free(log->missing_package);
	for (size_t i = 0; i < log->nbuild_ev; i++)
		sxs_free(log->build_ev[i].value);
	sxs_free(log->build_ev);
	for (size_t i = 0; i < log->nops; i++)
		sxs_cbs_op_release(&log->ops[i]);
	sxs_free(log->ops);
	for (size_t i = 0; i < log->nsummaries; i++) {
		sxs_free(log->summaries[i].operation);
		sxs_free(log->summaries[i].last_successful_step);
	}
	sxs_free(log->summaries);
	for (size_t i = 0; i < log->nplines; i++) {
		sxs_free(log->plines[i].type);
		sxs_free(log->plines[i].item);
		for (size_t f = 0; f < log->plines[i].nflags; f++)
			sxs_free(log->plines[i].flags[f]);
		sxs_free(log->plines[i].flags);
	}
	sxs_free(log->plines);
	for (size_t i = 0; i < log->ncorrupt; i++)
		corrupt_free_one(&log->corrupt[i]);
	sxs_free(log->corrupt);
	for (size_t i = 0; i < log->nsfc; i++) {
		struct sxs_cbs_sfc *r = &log->sfc[i];
		sxs_free(r->repairing);
		for (size_t j = 0; j < r->ncannot_repair; j++) {
			sxs_free(r->cannot_repair[j].component);
			sxs_free(r->cannot_repair[j].version);
			sxs_free(r->cannot_repair[j].arch);
			sxs_free(r->cannot_repair[j].file);
		}
		sxs_free(r->cannot_repair);
		sxs_strv_free(r->repaired_backup, r->nrepaired_backup);
		sxs_strv_free(r->repaired_projected, r->nrepaired_projected);
		sxs_strv_free(r->could_not_reproject, r->ncould_not_reproject);
		sxs_strv_free(r->pnp_repaired, r->npnp_repaired);
		sxs_strv_free(r->pnp_failed, r->npnp_failed);
		sxs_strv_free(r->pnp_corrupt, r->npnp_corrupt);
	}
	sxs_free(log->sfc);
	for (size_t i = 0; i < log->nhydration; i++) {
		sxs_free(log->hydration[i].component);
		sxs_free(log->hydration[i].version);
		sxs_free(log->hydration[i].arch);
		sxs_free(log->hydration[i].file);
		sxs_free(log->hydration[i].delta_type);
	}
	sxs_free(log->hydration);
	for (size_t i = 0; i < log->nkinds; i++)
		sxs_free(log->kinds[i].subject);
	sxs_free(log->kinds);
	for (size_t i = 0; i < log->ndecisive; i++) {
		sxs_free(log->decisive[i].name);
		sxs_free(log->decisive[i].text);
	}
	sxs_free(log->decisive);
	for (size_t i = 0; i < log->nfailing_packages; i++)
		sxs_free(log->failing_packages[i]);
	sxs_free(log->failing_packages);
	for (size_t i = 0; i < log->nkbs; i++)
		sxs_free(log->kbs[i]);
	sxs_free(log->kbs);
	for (size_t i = 0; i < log->nremedies; i++)
		sxs_free(log->remedies[i].text);
	sxs_free(log->remedies);
	sxs_free(log->benign);
	sxs_cbs_names_free(log);
	sxs_free(log);
}

void sxs_cbs_logs_free(struct sxs_cbs_log **logs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sxs_cbs_log_free(logs[i]);
	sxs_free(logs);
}
