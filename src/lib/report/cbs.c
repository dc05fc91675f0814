/* SPDX-License-Identifier: MIT */
/* Text and JSON of `sxscheck cbs` (see report/cbs.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report/cbs.h"
#include "report/json_util.h"
#include "report/report.h"
#include "util/utf8.h"

void sxs_cbs_code_str(uint32_t code, char buf[11])
{
	snprintf(buf, 11, "0x%08" PRIx32, code);
}

/* ---- JSON ---- */

struct jb {
	int err;
};

static void jadd(struct jb *b, struct json_object *o, const char *k, struct json_object *v)
{
	if (b->err)
		return (void)json_object_put(v);
	if (!o || json_object_object_add(o, k, v))
		b->err = -SXS_ENOMEM;
}

static void jnull(struct jb *b, struct json_object *o, const char *k)
{
	if (!b->err && (!o || json_object_object_add(o, k, NULL)))
		b->err = -SXS_ENOMEM;
}

static void js(struct jb *b, struct json_object *o, const char *k, const char *v)
{
	if (!v)
		return jnull(b, o, k);
	struct json_object *s = sxs_json_string(v);
	if (!s)
		b->err = -SXS_ENOMEM;
	jadd(b, o, k, s);
}

static void ji(struct jb *b, struct json_object *o, const char *k, int64_t v)
{
	struct json_object *x = json_object_new_int64(v);
	if (!x)
		b->err = -SXS_ENOMEM;
	jadd(b, o, k, x);
}

/* a counter that may be absent (-1) */
static void jio(struct jb *b, struct json_object *o, const char *k, int64_t v)
{
	if (v < 0)
		return;
	ji(b, o, k, v);
}

static void jbool(struct jb *b, struct json_object *o, const char *k, bool v)
{
	struct json_object *x = json_object_new_boolean(v);
	if (!x)
		b->err = -SXS_ENOMEM;
	jadd(b, o, k, x);
}

static void jcode(struct jb *b, struct json_object *o, const char *k, uint32_t code)
{
	char buf[11];
	sxs_cbs_code_str(code, buf);
	js(b, o, k, buf);
}

static struct json_object *jarr(struct jb *b)
{
	struct json_object *a = json_object_new_array();
	if (!a)
		b->err = -SXS_ENOMEM;
	return a;
}

static struct json_object *jobj(struct jb *b)
{
	struct json_object *o = json_object_new_object();
	if (!o)
		b->err = -SXS_ENOMEM;
	return o;
}

static void jpush(struct jb *b, struct json_object *a, struct json_object *v)
{
	if (b->err || !a || !v || json_object_array_add(a, v)) {
		json_object_put(v);
		b->err = b->err ? b->err : -SXS_ENOMEM;
	}
}

static struct json_object *jstrv(struct jb *b, char *const *v, size_t n)
{
	struct json_object *a = jarr(b);
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = sxs_json_string(v[i]);
		if (!s)
			b->err = -SXS_ENOMEM;
		jpush(b, a, s);
	}
	return a;
}

static const char *code_name(const struct sxs_cbs_log *log, uint32_t code, const char **src)
{
	const char *p = sxs_cbs_printed_name(log, code);
	if (p) {
		*src = "log";
		return p;
	}
	const struct sxs_hresult_info *hi = sxs_hresult_lookup(code);
	*src = hi ? hi->source : NULL;
	return hi ? hi->name : NULL;
}

static struct json_object *op_json(struct jb *b, const struct sxs_cbs_log *log, const struct sxs_cbs_op *op)
{
	struct json_object *o = jobj(b);
	const char *src;
	js(b, o, "type", sxs_cbs_op_type_name(op));
	if (op->client)
		js(b, o, "client", op->client);
	if (op->session)
		js(b, o, "session", op->session);
	if (op->package)
		js(b, o, "package", op->package);
	if (op->identifier)
		js(b, o, "identifier", op->identifier);
	if (op->type == SXS_OP_PACKAGE || op->type == SXS_OP_SESSION || op->type == SXS_OP_STARTUP ||
	    op->type == SXS_OP_MAINTENANCE)
		js(b, o, "kb", op->failed ? op->kb : NULL);
	if (op->command)
		js(b, o, "command", op->command);
	if (op->start_ts[0])
		js(b, o, "ts", op->start_ts);
	ji(b, o, "start_line", (int64_t)op->start_line);
	ji(b, o, "end_line", (int64_t)op->end_line);
	if (op->has_result) {
		jcode(b, o, "result", op->result);
		const char *nm = code_name(log, op->result, &src);
		js(b, o, "result_name", nm);
		js(b, o, "result_name_source", src);
		ji(b, o, "result_line", (int64_t)op->result_line);
	} else {
		jnull(b, o, "result");
	}
	jbool(b, o, "failed", op->failed);
	if (op->unfinished)
		jbool(b, o, "unfinished", true);
	if (op->interrupted)
		jbool(b, o, "interrupted", true);
	if (op->type == SXS_OP_DISM_COMMAND) {
		jbool(b, o, "parsed", op->parsed);
		jbool(b, o, "ended", op->ended);
		struct json_object *a = jarr(b);
		for (size_t i = 0; i < op->naddsource; i++) {
			char buf[11];
			sxs_cbs_code_str(op->addsource[i], buf);
			jpush(b, a, sxs_json_string(buf));
		}
		jadd(b, o, "addsource_hr", a);
	}
	if (op->repair_source)
		js(b, o, "repair_source", op->repair_source);
	if (op->summary_line)
		ji(b, o, "summary_line", (int64_t)op->summary_line);
	if (op->boot_critical_line)
		ji(b, o, "pending_boot_critical_repair_line", (int64_t)op->boot_critical_line);
	if (op->origin.line) {
		ji(b, o, "origin_line", (int64_t)op->origin.line);
		js(b, o, "origin_text", op->origin.text);
	}
	if (op->installer) {
		js(b, o, "installer", op->installer);
		if (op->installer_hr)
			jcode(b, o, "installer_hr", op->installer_hr);
		ji(b, o, "installer_line", (int64_t)op->installer_line);
	}
	if (op->subject_file)
		js(b, o, "file", op->subject_file);
	if (op->nevidence) {
		struct json_object *a = jarr(b);
		for (size_t i = 0; i < op->nevidence; i++) {
			struct json_object *e = jobj(b);
			ji(b, e, "line", (int64_t)op->evidence[i].line);
			js(b, e, "text", op->evidence[i].text);
			jpush(b, a, e);
		}
		jadd(b, o, "evidence", a);
	}
	return o;
}

static struct json_object *summary_json(struct jb *b, const struct sxs_cbs_summary *s)
{
	struct json_object *o = jobj(b);
	ji(b, o, "line", (int64_t)s->line);
	js(b, o, "operation", s->operation);
	if (s->has_result) {
		char buf[16];
		snprintf(buf, sizeof(buf), "0x%" PRIx32, s->result);
		js(b, o, "result", buf);
	} else {
		jnull(b, o, "result");
	}
	js(b, o, "last_successful_step", s->last_successful_step);
	jio(b, o, "total_detected", s->total_detected);
	jio(b, o, "cbs_manifest", s->cbs_manifest);
	jio(b, o, "cbs_metadata", s->cbs_metadata);
	jio(b, o, "csi_manifest", s->csi_manifest);
	jio(b, o, "csi_metadata", s->csi_metadata);
	jio(b, o, "csi_payload", s->csi_payload);
	jio(b, o, "total_repaired", s->total_repaired);
	jio(b, o, "cbs_manifest_repaired", s->cbs_manifest_repaired);
	jio(b, o, "csi_manifest_repaired", s->csi_manifest_repaired);
	jio(b, o, "csi_payload_repaired", s->csi_payload_repaired);
	if (s->csi_store_metadata_refreshed >= 0)
		jbool(b, o, "csi_store_metadata_refreshed", s->csi_store_metadata_refreshed == 1);
	jio(b, o, "csi_fileflags", s->csi_fileflags);
	jio(b, o, "csi_fileflags_repaired", s->csi_fileflags_repaired);
	if (s->csi_registry_metadata_refreshed >= 0)
		jbool(b, o, "csi_registry_metadata_refreshed", s->csi_registry_metadata_refreshed == 1);
	jio(b, o, "cbs_staged_packages", s->cbs_staged_packages);
	jio(b, o, "cbs_staged_packages_removed", s->cbs_staged_packages_removed);
	jio(b, o, "total_operation_time_s", s->total_operation_time_s);
	if (!s->complete)
		jbool(b, o, "complete", false);
	return o;
}

static struct json_object *item_json(struct jb *b, const struct sxs_cbs_item *it)
{
	struct json_object *o = jobj(b);
	js(b, o, "component", it->component);
	js(b, o, "version", it->version);
	js(b, o, "arch", it->arch);
	js(b, o, "file", it->file);
	ji(b, o, "first_line", (int64_t)it->line);
	return o;
}

struct json_object *sxs_cbs_log_json(const struct sxs_cbs_log *log)
{
	struct jb b = {0};
	struct jb *B = &b;
	struct json_object *o = jobj(B), *a, *x;
	const char *src;
	char buf[11];

	js(B, o, "file", log->name);
	if (log->member)
		js(B, o, "member", log->member);
	js(B, o, "kind_of_file", log->file_kind ? log->file_kind : "unknown");
	if (log->error)
		js(B, o, "error", log->error);

	const struct sxs_cbslog_stats *st = &log->stats;
	x = jobj(B);
	ji(B, x, "bytes", (int64_t)st->bytes);
	js(B, x, "encoding", st->encoding == SXS_CBSLOG_UTF8 ? "utf-8"
	                     : st->encoding == SXS_CBSLOG_UTF16LE ? "utf-16le" : "utf-16be");
	jbool(B, x, "bom", st->bom);
	js(B, x, "eol", sxs_cbslog_eol_name(st));
	ji(B, x, "lines", (int64_t)st->lines);
	ji(B, x, "timestamped_lines", (int64_t)st->records);
	js(B, x, "first_ts", st->first_ts[0] ? st->first_ts : NULL);
	js(B, x, "last_ts", st->last_ts[0] ? st->last_ts : NULL);
	if (st->leading_junk_lines)
		ji(B, x, "leading_junk_lines", (int64_t)st->leading_junk_lines);
	if (st->nul_bytes)
		ji(B, x, "nul_bytes", (int64_t)st->nul_bytes);
	if (st->truncated_records)
		ji(B, x, "truncated_records", (int64_t)st->truncated_records);
	if (st->ts_inversions)
		ji(B, x, "timestamp_inversions", (int64_t)st->ts_inversions);
	jadd(B, o, "format", x);

	x = jobj(B);
	js(B, x, "build", log->build);
	js(B, x, "label", sxs_cbs_release_label(log->build));
	if (log->build_full)
		js(B, x, "build_full", log->build_full);
	a = jarr(B);
	for (size_t i = 0; i < log->nbuild_ev; i++) {
		struct json_object *e = jobj(B);
		ji(B, e, "line", (int64_t)log->build_ev[i].line);
		js(B, e, "what", log->build_ev[i].what);
		js(B, e, "value", log->build_ev[i].value);
		jpush(B, a, e);
	}
	jadd(B, x, "evidence", a);
	jadd(B, o, "windows", x);

	bool unread = log->err && !log->stats.records && !log->checksur_text;
	js(B, o, "outcome", unread ? NULL : sxs_cbs_outcome_name(log->outcome)); /* null: not read, no verdict */
	a = jarr(B);
	for (size_t i = 0; i < log->nkinds; i++)
		jpush(B, a, sxs_json_string(sxs_cbs_kind_info(log->kinds[i].kind)->id));
	jadd(B, o, "kinds", a);
	js(B, o, "primary_kind", unread ? NULL : log->nkinds ? sxs_cbs_kind_info(log->kinds[0].kind)->id : "none");
	a = jarr(B);
	for (size_t i = 0; i < log->nkinds; i++) {
		struct json_object *e = jobj(B);
		js(B, e, "kind", sxs_cbs_kind_info(log->kinds[i].kind)->id);
		jbool(B, e, "active", log->kinds[i].active);
		ji(B, e, "line", (int64_t)log->kinds[i].line);
		if (log->kinds[i].subject)
			js(B, e, "subject", log->kinds[i].subject);
		jpush(B, a, e);
	}
	jadd(B, o, "kinds_detail", a);
	jadd(B, o, "failing_packages", jstrv(B, log->failing_packages, log->nfailing_packages));
	jadd(B, o, "kbs", jstrv(B, log->kbs, log->nkbs));

	a = jarr(B);
	for (size_t i = 0; i < log->ndecisive; i++) {
		const struct sxs_cbs_decisive *d = &log->decisive[i];
		struct json_object *e = jobj(B);
		jcode(B, e, "code", d->code);
		js(B, e, "name", d->name);
		js(B, e, "name_source", d->name_source);
		if (d->line)
			ji(B, e, "line", (int64_t)d->line);
		else
			jnull(B, e, "line");
		if (d->text)
			js(B, e, "text", d->text);
		js(B, e, "role", d->role);
		ji(B, e, "count", d->count);
		jpush(B, a, e);
	}
	jadd(B, o, "decisive_hresults", a);

	a = jarr(B);
	for (size_t i = 0; i < log->nops; i++)
		jpush(B, a, op_json(B, log, &log->ops[i]));
	jadd(B, o, "operations", a);

	/* DISM command lines in the shape of expected.json's dism.log entries */
	size_t ndism = 0;
	for (size_t i = 0; i < log->nops; i++)
		ndism += log->ops[i].type == SXS_OP_DISM_COMMAND;
	if (ndism || log->dismapi_sessions) {
		static const char *const lists[] = {"commands", "failed_commands", "unfinished_commands"};
		for (int l = 0; l < 3; l++) {
			a = jarr(B);
			for (size_t i = 0; i < log->nops; i++) {
				const struct sxs_cbs_op *op = &log->ops[i];
				if (op->type != SXS_OP_DISM_COMMAND)
					continue;
				bool hr = op->has_result && sxs_cbs_is_failure(op->result);
				if ((l == 1 && !hr && op->parsed) || (l == 2 && (op->ended || hr)))
					continue;
				struct json_object *e = jobj(B), *as = jarr(B);
				ji(B, e, "line", (int64_t)op->start_line);
				js(B, e, "ts", op->start_ts[0] ? op->start_ts : NULL);
				js(B, e, "command", op->command);
				jbool(B, e, "parsed", op->parsed);
				if (hr)
					jcode(B, e, "hr", op->result);
				else
					jnull(B, e, "hr");
				for (size_t k = 0; k < op->naddsource; k++) {
					sxs_cbs_code_str(op->addsource[k], buf);
					jpush(B, as, sxs_json_string(buf));
				}
				jadd(B, e, "addsource_hr", as);
				jbool(B, e, "ended", op->ended);
				jpush(B, a, e);
			}
			jadd(B, o, lists[l], a);
		}
		ji(B, o, "dismapi_sessions", (int64_t)log->dismapi_sessions);
	}
	if (log->ops_dropped)
		ji(B, o, "operations_dropped", (int64_t)log->ops_dropped);

	a = jarr(B);
	for (size_t i = 0; i < log->nsummaries; i++)
		jpush(B, a, summary_json(B, &log->summaries[i]));
	jadd(B, o, "summaries", a);

	a = jarr(B);
	for (size_t i = 0; i < log->nplines; i++) {
		const struct sxs_cbs_pline *pl = &log->plines[i];
		struct json_object *e = jobj(B);
		ji(B, e, "line", (int64_t)pl->line);
		js(B, e, "type", pl->type);
		jadd(B, e, "flags", jstrv(B, pl->flags, pl->nflags));
		js(B, e, "item", pl->item);
		if (pl->fix)
			jbool(B, e, "fix", true);
		jpush(B, a, e);
	}
	jadd(B, o, "p_lines", a);

	a = jarr(B);
	for (size_t i = 0; i < log->ncorrupt; i++) {
		const struct sxs_cbs_corrupt *c = &log->corrupt[i];
		struct json_object *e = jobj(B);
		js(B, e, "where", c->where == SXS_CBS_STORE ? "store" : "projected");
		if (c->type)
			js(B, e, "type", c->type);
		if (c->keyform)
			js(B, e, "keyform", c->keyform);
		if (c->package)
			js(B, e, "package", c->package);
		if (c->component) {
			js(B, e, "component", c->component);
			js(B, e, "version", c->version);
			js(B, e, "arch", c->arch);
		}
		if (c->file)
			js(B, e, "file", c->file);
		if (c->path)
			js(B, e, "path", c->path);
		jbool(B, e, "repaired", c->repaired);
		if (c->repaired_from)
			js(B, e, "repaired_from", c->repaired_from);
		if (c->where == SXS_CBS_STORE)
			jadd(B, e, "flags", jstrv(B, c->flags, c->nflags));
		ji(B, e, "line", (int64_t)c->line);
		jpush(B, a, e);
	}
	jadd(B, o, "corrupt", a);

	a = jarr(B);
	for (size_t i = 0; i < log->nsfc; i++) {
		const struct sxs_cbs_sfc *r = &log->sfc[i];
		struct json_object *e = jobj(B), *v;
		ji(B, e, "start_line", (int64_t)r->start_line);
		ji(B, e, "end_line", (int64_t)r->end_line);
		js(B, e, "scope", r->components_verified >= 10000 ? "full" : "targeted");
		ji(B, e, "components_verified", (int64_t)r->components_verified);
		v = jarr(B);
		for (size_t k = 0; k < r->nrepairing; k++)
			jpush(B, v, json_object_new_int64(r->repairing[k]));
		jadd(B, e, "repairing_components", v);
		v = jarr(B);
		for (size_t k = 0; k < r->ncannot_repair; k++)
			jpush(B, v, item_json(B, &r->cannot_repair[k]));
		jadd(B, e, "cannot_repair", v);
		jadd(B, e, "repaired_in_store_from_backup", jstrv(B, r->repaired_backup, r->nrepaired_backup));
		jadd(B, e, "repaired_projected_from_store", jstrv(B, r->repaired_projected, r->nrepaired_projected));
		jadd(B, e, "could_not_reproject", jstrv(B, r->could_not_reproject, r->ncould_not_reproject));
		jadd(B, e, "pnp_corrupt", jstrv(B, r->pnp_corrupt, r->npnp_corrupt));
		jadd(B, e, "pnp_repaired", jstrv(B, r->pnp_repaired, r->npnp_repaired));
		jadd(B, e, "pnp_failed", jstrv(B, r->pnp_failed, r->npnp_failed));
		if (r->boot_critical_line)
			ji(B, e, "pending_boot_critical_repair_line", (int64_t)r->boot_critical_line);
		jbool(B, e, "completed", r->completed);
		jpush(B, a, e);
	}
	jadd(B, o, "sfc", a);

	a = jarr(B);
	for (size_t i = 0; i < log->nhydration; i++) {
		const struct sxs_cbs_hydration *h = &log->hydration[i];
		struct json_object *e = jobj(B);
		js(B, e, "component", h->component);
		js(B, e, "version", h->version);
		js(B, e, "arch", h->arch);
		js(B, e, "file", h->file);
		sxs_cbs_code_str(h->ntstatus, buf);
		js(B, e, "ntstatus", buf);
		if (h->delta_type)
			js(B, e, "delta_type", h->delta_type);
		ji(B, e, "first_line", (int64_t)h->line);
		jpush(B, a, e);
	}
	jadd(B, o, "hydration_failed", a);

	a = jarr(B);
	for (size_t i = 0; i < log->nbenign; i++) {
		struct json_object *e = jobj(B);
		jcode(B, e, "code", log->benign[i].code);
		js(B, e, "name", code_name(log, log->benign[i].code, &src));
		ji(B, e, "count", log->benign[i].count);
		jpush(B, a, e);
	}
	jadd(B, o, "benign_hresults", a);

	a = jarr(B);
	for (size_t i = 0; i < log->nremedies; i++) {
		const struct sxs_cbs_remedy *r = &log->remedies[i];
		struct json_object *e = jobj(B);
		js(B, e, "kind", sxs_cbs_kind_info(r->kind)->id);
		js(B, e, "remedy", r->text);
		js(B, e, "next_step", r->next_step);
		js(B, e, "source", r->source);
		jpush(B, a, e);
	}
	jadd(B, o, "remedies", a);

	x = jobj(B);
	ji(B, x, "trusted_installer_starts", (int64_t)log->ti_starts);
	ji(B, x, "sessions_initialized", (int64_t)log->sessions_initialized);
	ji(B, x, "dismapi_sessions", (int64_t)log->dismapi_sessions);
	if (log->crash_marker_line)
		ji(B, x, "crash_marker_line", (int64_t)log->crash_marker_line);
	jadd(B, o, "counts", x);
	if (log->last_failure != (size_t)-1 && log->last_failure < log->nops)
		ji(B, o, "last_failure_line", (int64_t)(log->ops[log->last_failure].result_line
		                                             ? log->ops[log->last_failure].result_line
		                                             : log->ops[log->last_failure].end_line));
	if (b.err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static const char *tie_state_name(enum sxs_tie_state s)
{
	switch (s) {
	case SXS_TIE_CONFIRMED:
		return "confirmed";
	case SXS_TIE_HEALTHY_NOW:
		return "healthy-now";
	case SXS_TIE_NOT_IN_STORE:
		return "not-in-store";
	default:
		return "not-verified";
	}
}

static struct json_object *context_json(struct jb *b, const struct sxs_log_context *ctx, size_t logi)
{
	struct json_object *o = jobj(b), *a;
	if (ctx->have_scan) {
		a = jarr(b);
		for (size_t i = 0; i < ctx->nties; i++) {
			const struct sxs_log_tie *t = &ctx->ties[i];
			if (t->log != logi)
				continue;
			struct json_object *e = jobj(b);
			js(b, e, "what", t->what);
			js(b, e, "keyform", t->keyform);
			js(b, e, "file", t->file);
			ji(b, e, "line", (int64_t)t->line);
			js(b, e, "state", tie_state_name(t->state));
			if (t->finding_id)
				js(b, e, "finding", t->finding_id);
			js(b, e, "detail", t->detail);
			jpush(b, a, e);
		}
		jadd(b, o, "ties", a);
	}
	return o;
}

static struct json_object *facts_json(struct jb *b, const struct sxs_log_context *ctx)
{
	const struct sxs_servicing_facts *f = &ctx->facts;
	struct json_object *o = jobj(b), *a;
	if (f->read & SXS_FACTS_SYSTEM) {
		if (f->system_problem)
			js(b, o, "system_hive_problem", f->system_problem);
		a = jarr(b);
		for (size_t i = 0; i < ctx->nfilters; i++) {
			const struct sxs_minifilter *m = &ctx->filters[i];
			struct json_object *e = jobj(b);
			js(b, e, "name", m->drv->name);
			js(b, e, "altitude", m->drv->altitude);
			js(b, e, "image_path", m->drv->image_path);
			if (m->drv->start >= 0)
				ji(b, e, "start", m->drv->start);
			else
				jnull(b, e, "start");
			js(b, e, "group", m->drv->group);
			jbool(b, e, "microsoft", m->microsoft);
			jpush(b, a, e);
		}
		jadd(b, o, "minifilters", a);
		if (f->pending_file_renames >= 0)
			ji(b, o, "pending_file_rename_operations", f->pending_file_renames);
	}
	if (f->read & SXS_FACTS_SOFTWARE) {
		if (f->software_problem)
			js(b, o, "software_hive_problem", f->software_problem);
		jbool(b, o, "lus_key", f->lus_key);
		if (f->lus_timeout_set)
			ji(b, o, "installcallbacktimeoutinms", f->lus_timeout_ms);
		else
			jnull(b, o, "installcallbacktimeoutinms");
		jbool(b, o, "reboot_pending", f->reboot_pending);
	}
	if (f->read & SXS_FACTS_WINSXS) {
		jbool(b, o, "pending_xml", f->pending_xml);
		if (f->pending_xml)
			ji(b, o, "pending_xml_bytes", (int64_t)f->pending_xml_size);
		if (f->inflight >= 0)
			ji(b, o, "temp_inflight_entries", f->inflight);
		if (f->pending_renames >= 0)
			ji(b, o, "temp_pending_renames", f->pending_renames);
		if (f->pending_deletes >= 0)
			ji(b, o, "temp_pending_deletes", f->pending_deletes);
	}
	return o;
}

int sxs_report_cbs_json(struct sxs_strbuf *out, struct sxs_cbs_log *const *logs, size_t n,
                        const struct sxs_log_context *ctx, const struct sxs_cbs_report_options *opt)
{
	struct jb b = {0};
	struct json_object *doc = jobj(&b), *a = jarr(&b);
	ji(&b, doc, "schema_version", SXS_CBSLOG_SCHEMA_VERSION);
	if (opt && opt->root)
		js(&b, doc, "image", opt->root);
	for (size_t i = 0; i < n; i++) {
		struct json_object *l = sxs_cbs_log_json(logs[i]);
		if (!l)
			b.err = -SXS_ENOMEM;
		else if (ctx && ctx->have_scan)
			jadd(&b, l, "image", context_json(&b, ctx, i));
		jpush(&b, a, l);
	}
	jadd(&b, doc, "logs", a);
	/* the chain's last failure (logs are in chain order) */
	long last = sxs_logs_last_failure(logs, n);
	if (last >= 0) {
		struct json_object *e = jobj(&b);
		js(&b, e, "file", logs[last]->name);
		js(&b, e, "outcome", sxs_cbs_outcome_name(logs[last]->outcome));
		js(&b, e, "primary_kind", logs[last]->nkinds ? sxs_cbs_kind_info(logs[last]->kinds[0].kind)->id : "none");
		jadd(&b, doc, "last_failure", e);
	} else {
		jnull(&b, doc, "last_failure");
	}
	if (ctx && ctx->have_facts)
		jadd(&b, doc, "image_context", facts_json(&b, ctx));
	if (!b.err)
		b.err = sxs_json_finish(out, doc);
	json_object_put(doc);
	return b.err;
}

/* ---- text ---- */

static void esc(struct sxs_strbuf *out, const char *s)
{
	sxs_report_text_escape(out, s ? s : "");
}

static void name_of(struct sxs_strbuf *out, const struct sxs_cbs_log *log, uint32_t code)
{
	const char *src;
	const char *nm = code_name(log, code, &src);
	sxs_strbuf_addf(out, "0x%08" PRIx32, code);
	if (nm) {
		sxs_strbuf_adds(out, " ");
		esc(out, nm);
		if (src && strcmp(src, "log"))
			sxs_strbuf_addf(out, " (name from %s)", src);
	}
}

static void quote(struct sxs_strbuf *out, uint64_t line, const char *text)
{
	sxs_strbuf_addf(out, "    line %" PRIu64 ": ", line);
	esc(out, text);
	sxs_strbuf_addc(out, '\n');
}

static const char *verdict(const struct sxs_cbs_log *log)
{
	switch (log->outcome) {
	case SXS_CBS_FAILED:
		return "FAILED";
	case SXS_CBS_CORRUPTION_UNREPAIRED:
		return "CORRUPTION NOT REPAIRED";
	case SXS_CBS_REPAIRED:
		return log->last_failure < log->nops ? "repaired, an operation INTERRUPTED" : "repaired";
	default:
		return log->last_failure < log->nops ? "an operation INTERRUPTED" : "no failure";
	}
}

static void text_op(struct sxs_strbuf *out, const struct sxs_cbs_log *log, const struct sxs_cbs_op *op)
{
	sxs_strbuf_addf(out, "  %s", sxs_cbs_op_type_name(op));
	if (op->command) {
		sxs_strbuf_adds(out, " '");
		esc(out, op->command);
		sxs_strbuf_adds(out, "'");
	}
	if (op->client) {
		sxs_strbuf_adds(out, " by ");
		esc(out, op->client);
	}
	if (op->kb) {
		sxs_strbuf_adds(out, " ");
		esc(out, op->kb);
	}
	if (op->package) {
		sxs_strbuf_adds(out, " ");
		esc(out, op->package);
	}
	if (op->session) {
		sxs_strbuf_adds(out, ", session ");
		esc(out, op->session);
	}
	sxs_strbuf_addf(out, ", lines %" PRIu64 "-%" PRIu64, op->start_line, op->end_line);
	if (op->has_result) {
		sxs_strbuf_adds(out, ": ");
		name_of(out, log, op->result);
	} else if (op->type == SXS_OP_DISM_COMMAND && !op->parsed) {
		sxs_strbuf_adds(out, ": the command line failed validation");
	} else if (op->interrupted && op->end_line >= log->stats.lines) {
		sxs_strbuf_adds(out, ": interrupted (no result before the end of the log: the machine went down, or it was still running when the log was copied)");
	} else if (op->interrupted) {
		sxs_strbuf_adds(out, ": interrupted (TrustedInstaller restarted before it completed)");
	} else if (op->unfinished) {
		sxs_strbuf_adds(out, ": no result in this file");
	}
	sxs_strbuf_addc(out, '\n');
	/* the origin and the failure records before the result, in line order */
	const struct sxs_cbs_line *q[1 + 8];
	size_t nq = 0;
	if (op->failed && op->origin.line && op->origin.line != op->result_line)
		q[nq++] = &op->origin;
	for (size_t i = 0; op->failed && i < op->nevidence && nq < sizeof(q) / sizeof(*q); i++)
		if (op->evidence[i].line != op->origin.line && op->evidence[i].line != op->result_line)
			q[nq++] = &op->evidence[i];
	for (size_t i = 1; i < nq; i++)
		for (size_t j = i; j > 0 && q[j - 1]->line > q[j]->line; j--) {
			const struct sxs_cbs_line *t = q[j];
			q[j] = q[j - 1];
			q[j - 1] = t;
		}
	for (size_t i = 0; i < nq; i++) {
		quote(out, q[i]->line, q[i]->text);
		if (q[i] == &op->origin) {
			/* mark where the result code first appeared */
			out->len--;
			sxs_strbuf_adds(out, "   <- first with this code\n");
		}
	}
	if (op->installer) {
		sxs_strbuf_adds(out, "    advanced installer: ");
		esc(out, op->installer);
		if (op->installer_hr) {
			sxs_strbuf_adds(out, " failed with ");
			name_of(out, log, op->installer_hr);
		}
		sxs_strbuf_addf(out, " (line %" PRIu64 ")\n", op->installer_line);
	}
	for (size_t i = 0; i < op->naddsource; i++) {
		sxs_strbuf_adds(out, "    CBS AddSource failed: ");
		name_of(out, log, op->addsource[i]);
		sxs_strbuf_addc(out, '\n');
	}
}

static void text_context_for(struct sxs_strbuf *out, const struct sxs_log_context *ctx,
                             const struct sxs_cbs_log *log)
{
	bool filters = false, lus = false, pending = false;
	for (size_t i = 0; i < log->nkinds; i++) {
		enum sxs_cbs_kind k = log->kinds[i].kind;
		filters |= k == SXS_KIND_ACCESS_DENIED || k == SXS_KIND_SHARING_VIOLATION;
		lus |= k == SXS_KIND_CLIENT_ABORT_TIMEOUT;
		pending |= k == SXS_KIND_PENDING_REBOOT || k == SXS_KIND_DELETE_PENDING;
	}
	const struct sxs_servicing_facts *f = &ctx->facts;
	if (filters && (f->read & SXS_FACTS_SYSTEM)) {
		if (f->system_problem) {
			sxs_strbuf_adds(out, "  minifilters: SYSTEM hive not read: ");
			esc(out, f->system_problem);
			sxs_strbuf_addc(out, '\n');
		} else {
			size_t third = 0;
			for (size_t i = 0; i < ctx->nfilters; i++)
				third += !ctx->filters[i].microsoft;
			sxs_strbuf_addf(out, "  file system minifilters registered in SYSTEM (%s): %zu, %zu not Microsoft's\n",
			                f->control_set ? f->control_set : "?", ctx->nfilters, third);
			for (size_t i = 0; i < ctx->nfilters; i++) {
				const struct sxs_minifilter *m = &ctx->filters[i];
				sxs_strbuf_adds(out, m->microsoft ? "    microsoft   " : "    THIRD-PARTY ");
				esc(out, m->drv->name);
				sxs_strbuf_adds(out, ", altitude ");
				esc(out, m->drv->altitude ? m->drv->altitude : "?");
				if (m->drv->start >= 0)
					sxs_strbuf_addf(out, ", start %" PRId64, m->drv->start);
				if (m->drv->image_path) {
					sxs_strbuf_adds(out, ", ");
					esc(out, m->drv->image_path);
				}
				sxs_strbuf_addc(out, '\n');
			}
		}
	}
	if (lus && (f->read & SXS_FACTS_SOFTWARE)) {
		if (f->software_problem) {
			sxs_strbuf_adds(out, "  USO timeout: SOFTWARE hive not read: ");
			esc(out, f->software_problem);
			sxs_strbuf_addc(out, '\n');
		} else if (f->lus_timeout_set) {
			sxs_strbuf_addf(out, "  WindowsUpdate\\Orchestrator\\Lus installcallbacktimeoutinms = %" PRIu32
			                     " (%.1f minutes)\n", f->lus_timeout_ms, f->lus_timeout_ms / 60000.0);
		} else {
			sxs_strbuf_adds(out, "  WindowsUpdate\\Orchestrator\\Lus installcallbacktimeoutinms is not set"
			                     " (the Update Orchestrator uses its built-in timeout)\n");
		}
	}
	if (pending && (f->read & (SXS_FACTS_SOFTWARE | SXS_FACTS_WINSXS))) {
		sxs_strbuf_adds(out, "  pending in the image:");
		bool any = false;
		if (f->pending_xml) {
			sxs_strbuf_addf(out, " WinSxS\\pending.xml (%" PRIu64 " bytes);", f->pending_xml_size);
			any = true;
		}
		if (f->inflight > 0) {
			sxs_strbuf_addf(out, " WinSxS\\Temp\\InFlight: %ld entries;", f->inflight);
			any = true;
		}
		if (f->pending_renames > 0) {
			sxs_strbuf_addf(out, " WinSxS\\Temp\\PendingRenames: %ld entries;", f->pending_renames);
			any = true;
		}
		if (f->pending_deletes > 0) {
			sxs_strbuf_addf(out, " WinSxS\\Temp\\PendingDeletes: %ld entries;", f->pending_deletes);
			any = true;
		}
		if (f->reboot_pending) {
			sxs_strbuf_adds(out, " Component Based Servicing\\RebootPending;");
			any = true;
		}
		if (f->pending_file_renames > 0) {
			sxs_strbuf_addf(out, " PendingFileRenameOperations: %ld entries;", f->pending_file_renames);
			any = true;
		}
		sxs_strbuf_adds(out, any ? "\n" : " nothing\n");
	}
}

/* a failed operation, or one cut off that should have completed (not SFC, boot-time, cleanup) */
static bool op_counts(const struct sxs_cbs_op *op)
{
	return op->failed || !op->parsed || (op->interrupted && op->type != SXS_OP_SFC && op->type != SXS_OP_STARTUP &&
	                      op->type != SXS_OP_MAINTENANCE);
}

static void text_log(struct sxs_strbuf *out, const struct sxs_cbs_log *log, size_t idx,
                     const struct sxs_log_context *ctx, const struct sxs_cbs_report_options *opt)
{
	esc(out, log->name);
	if (log->member) {
		sxs_strbuf_adds(out, " [");
		esc(out, log->member);
		sxs_strbuf_adds(out, "]");
	}
	if (log->err && !log->stats.records) {
		sxs_strbuf_adds(out, ": could not be read: ");
		esc(out, log->error);
		sxs_strbuf_adds(out, "\n\n");
		return;
	}
	sxs_strbuf_addf(out, ": %s", verdict(log));
	if (log->nkinds) {
		sxs_strbuf_adds(out, ", ");
		sxs_strbuf_adds(out, sxs_cbs_kind_info(log->kinds[0].kind)->id);
		if (log->kinds[0].subject) {
			sxs_strbuf_adds(out, " (");
			esc(out, log->kinds[0].subject);
			sxs_strbuf_adds(out, ")");
		}
	}
	sxs_strbuf_addc(out, '\n');
	if (log->error) {
		sxs_strbuf_adds(out, "  warning: ");
		esc(out, log->error);
		sxs_strbuf_addc(out, '\n');
	}
	sxs_strbuf_addf(out, "  %s log, %" PRIu64 " lines, %s .. %s", log->file_kind ? log->file_kind : "?",
	                log->stats.lines, log->stats.first_ts[0] ? log->stats.first_ts : "?",
	                log->stats.last_ts[0] ? log->stats.last_ts : "?");
	if (log->build) {
		const char *label = sxs_cbs_release_label(log->build);
		sxs_strbuf_adds(out, "; ");
		esc(out, label ? label : "Windows");
		sxs_strbuf_adds(out, " ");
		esc(out, log->build_full ? log->build_full : log->build);
		for (size_t i = 0; i < log->nbuild_ev; i++) {
			sxs_strbuf_addf(out, "%s%s line %" PRIu64, i ? ", " : " (", log->build_ev[i].what,
			                log->build_ev[i].line);
		}
		if (log->nbuild_ev)
			sxs_strbuf_adds(out, ")");
	}
	sxs_strbuf_addc(out, '\n');
	if (log->stats.leading_junk_lines && log->stats.records)
		sxs_strbuf_addf(out, "  %" PRIu64 " line(s) of foreign text before the first record\n",
		                log->stats.leading_junk_lines);
	if (log->nkinds > 1) {
		sxs_strbuf_adds(out, "  kinds:");
		for (size_t i = 0; i < log->nkinds; i++)
			sxs_strbuf_addf(out, " %s%s", sxs_cbs_kind_info(log->kinds[i].kind)->id,
			                log->kinds[i].active ? "" : " (resolved)");
		sxs_strbuf_addc(out, '\n');
	}
	if (log->ndecisive) {
		sxs_strbuf_adds(out, "  decisive:");
		for (size_t i = 0; i < log->ndecisive; i++) {
			sxs_strbuf_adds(out, i ? ", " : " ");
			name_of(out, log, log->decisive[i].code);
			if (log->decisive[i].line)
				sxs_strbuf_addf(out, " (line %" PRIu64 ")", log->decisive[i].line);
		}
		sxs_strbuf_addc(out, '\n');
	}

	/* evidence: failed operations */
	size_t nfailed = 0;
	for (size_t i = 0; i < log->nops; i++)
		nfailed += op_counts(&log->ops[i]);
	if (nfailed || (opt && opt->verbose && log->nops)) {
		sxs_strbuf_addf(out, "\n  %s:\n", opt && opt->verbose ? "operations" : "failed operations");
		for (size_t i = 0; i < log->nops; i++)
			if (op_counts(&log->ops[i]) || (opt && opt->verbose))
				text_op(out, log, &log->ops[i]);
	}
	for (size_t i = 0; i < log->nsummaries; i++) {
		const struct sxs_cbs_summary *s = &log->summaries[i];
		sxs_strbuf_addf(out, "\n  summary (line %" PRIu64 "): ", s->line);
		esc(out, s->operation ? s->operation : "?");
		if (s->has_result)
			sxs_strbuf_addf(out, ", result 0x%" PRIx32, s->result);
		sxs_strbuf_addf(out, ", detected %" PRId64 ", repaired %" PRId64, s->total_detected, s->total_repaired);
		if (s->csi_payload >= 0)
			sxs_strbuf_addf(out, " (CSI payload %" PRId64 "/%" PRId64 ")", s->csi_payload, s->csi_payload_repaired);
		if (s->has_result && sxs_cbs_is_failure(s->result))
			sxs_strbuf_adds(out, " - the operation failed, so these counts are not a health verdict");
		sxs_strbuf_addc(out, '\n');
	}
	size_t nstore = 0, nproj = 0;
	for (size_t i = 0; i < log->ncorrupt; i++) {
		if (log->corrupt[i].where == SXS_CBS_STORE)
			nstore++;
		else
			nproj++;
	}
	if (nstore) {
		sxs_strbuf_addf(out, "\n  corrupt in the store (%zu):\n", nstore);
		for (size_t i = 0; i < log->ncorrupt; i++) {
			const struct sxs_cbs_corrupt *c = &log->corrupt[i];
			if (c->where != SXS_CBS_STORE)
				continue;
			sxs_strbuf_addf(out, "    line %" PRIu64 ": %s ", c->line, c->repaired ? "repaired  " : "NOT REPAIRED");
			if (c->keyform) {
				esc(out, c->keyform);
				if (c->file) {
					sxs_strbuf_adds(out, "\\");
					esc(out, c->file);
				}
			} else if (c->package) {
				esc(out, c->package);
			} else {
				esc(out, c->component);
				sxs_strbuf_adds(out, " ");
				esc(out, c->version);
				sxs_strbuf_adds(out, " ");
				esc(out, c->arch);
				sxs_strbuf_adds(out, " ");
				esc(out, c->file);
			}
			if (c->type) {
				sxs_strbuf_adds(out, " (");
				esc(out, c->type);
				sxs_strbuf_adds(out, ")");
			}
			for (size_t t = 0; ctx && ctx->have_scan && t < ctx->nties; t++) {
				const struct sxs_log_tie *ti = &ctx->ties[t];
				if (ti->log == idx && ti->line == c->line && !strcmp(ti->what, "corrupt")) {
					sxs_strbuf_adds(out, "\n        image: ");
					esc(out, ti->detail);
				}
			}
			sxs_strbuf_addc(out, '\n');
		}
	}
	if (log->nhydration) {
		sxs_strbuf_addf(out, "\n  PSFX hydration failed (%zu):\n", log->nhydration);
		for (size_t i = 0; i < log->nhydration; i++) {
			const struct sxs_cbs_hydration *h = &log->hydration[i];
			sxs_strbuf_addf(out, "    line %" PRIu64 ": ", h->line);
			esc(out, h->component);
			sxs_strbuf_adds(out, " ");
			esc(out, h->version);
			sxs_strbuf_adds(out, " (");
			esc(out, h->arch);
			sxs_strbuf_adds(out, ") file ");
			esc(out, h->file);
			if (h->delta_type) {
				sxs_strbuf_adds(out, ", ");
				esc(out, h->delta_type);
			}
			sxs_strbuf_adds(out, ": ");
			name_of(out, log, h->ntstatus);
			for (size_t t = 0; ctx && ctx->have_scan && t < ctx->nties; t++) {
				const struct sxs_log_tie *ti = &ctx->ties[t];
				if (ti->log == idx && ti->line == h->line && !strcmp(ti->what, "hydration")) {
					sxs_strbuf_adds(out, "\n        image: ");
					esc(out, ti->detail);
				}
			}
			sxs_strbuf_addc(out, '\n');
		}
	}
	for (size_t s = 0; s < log->nsfc; s++) {
		const struct sxs_cbs_sfc *r = &log->sfc[s];
		sxs_strbuf_addf(out, "\n  sfc (lines %" PRIu64 "-%" PRIu64 "): %" PRIu64 " components verified",
		                r->start_line, r->end_line, r->components_verified);
		if (r->ncannot_repair)
			sxs_strbuf_addf(out, ", %zu store file(s) it cannot repair", r->ncannot_repair);
		if (r->nrepaired_projected)
			sxs_strbuf_addf(out, ", %zu projected file(s) restored from the store (harmless)", r->nrepaired_projected);
		if (r->ncould_not_reproject)
			sxs_strbuf_addf(out, ", %zu projected file(s) left bad (store copy corrupt too)", r->ncould_not_reproject);
		if (r->npnp_repaired)
			sxs_strbuf_addf(out, ", %zu driver file(s) restored from the driver store", r->npnp_repaired);
		if (r->npnp_failed)
			sxs_strbuf_addf(out, ", %zu driver file(s) SFC could not repair", r->npnp_failed);
		if (r->boot_critical_line)
			sxs_strbuf_addf(out, "; repair pended to the next boot (line %" PRIu64 "): restart before DISM",
			                r->boot_critical_line);
		sxs_strbuf_addc(out, '\n');
		for (size_t i = 0; i < r->ncannot_repair && i < 20; i++) {
			const struct sxs_cbs_item *it = &r->cannot_repair[i];
			sxs_strbuf_addf(out, "    line %" PRIu64 ": cannot repair ", it->line);
			esc(out, it->file);
			sxs_strbuf_adds(out, " of ");
			esc(out, it->component);
			sxs_strbuf_adds(out, " ");
			esc(out, it->version);
			sxs_strbuf_adds(out, " (");
			esc(out, it->arch);
			sxs_strbuf_adds(out, ")\n");
		}
		for (size_t i = 0; i < r->nrepaired_projected && i < 20; i++) {
			sxs_strbuf_adds(out, "    restored from the store: ");
			esc(out, r->repaired_projected[i]);
			sxs_strbuf_addc(out, '\n');
		}
	}
	if (ctx && ctx->have_facts)
		text_context_for(out, ctx, log);
	if (log->nremedies) {
		sxs_strbuf_adds(out, "\n  what to do:\n");
		for (size_t i = 0; i < log->nremedies; i++) {
			const struct sxs_cbs_remedy *r = &log->remedies[i];
			sxs_strbuf_addf(out, "  %zu. %s: ", i + 1, sxs_cbs_kind_info(r->kind)->id);
			esc(out, r->text);
			sxs_strbuf_addc(out, '\n');
			if (r->next_step) {
				sxs_strbuf_adds(out, "     sxscheck: ");
				sxs_strbuf_adds(out, r->next_step);
				sxs_strbuf_addc(out, '\n');
			}
		}
	}
	sxs_strbuf_addc(out, '\n');
}

static void last_failure_line(struct sxs_strbuf *out, const struct sxs_cbs_log *l)
{
	esc(out, l->name);
	if (l->member) {
		sxs_strbuf_adds(out, " [");
		esc(out, l->member);
		sxs_strbuf_adds(out, "]");
	}
	sxs_strbuf_addf(out, ": %s", sxs_cbs_outcome_name(l->outcome));
	if (l->nkinds)
		sxs_strbuf_addf(out, ", primary kind %s", sxs_cbs_kind_info(l->kinds[0].kind)->id);
	if (l->last_failure < l->nops) {
		const struct sxs_cbs_op *op = &l->ops[l->last_failure];
		sxs_strbuf_addf(out, "; last failure at line %" PRIu64 " (%s): %s",
		                op->result_line ? op->result_line : op->end_line, op->start_ts[0] ? op->start_ts : "?",
		                sxs_cbs_op_type_name(op));
		if (op->kb) {
			sxs_strbuf_adds(out, " ");
			esc(out, op->kb);
		}
		if (op->has_result) {
			sxs_strbuf_adds(out, " ended ");
			name_of(out, l, op->result);
		} else if (op->interrupted) {
			sxs_strbuf_adds(out, " was interrupted");
		} else if (!op->parsed) {
			sxs_strbuf_adds(out, " failed validation");
		}
	}
}

int sxs_report_cbs_text(struct sxs_strbuf *out, struct sxs_cbs_log *const *logs, size_t n,
                        const struct sxs_log_context *ctx, const struct sxs_cbs_report_options *opt)
{
	long last = sxs_logs_last_failure(logs, n);
	if (opt && opt->root) {
		sxs_strbuf_adds(out, "sxscheck cbs of ");
		esc(out, opt->root);
		sxs_strbuf_addc(out, '\n');
	}
	if (last >= 0) {
		sxs_strbuf_adds(out, "Verdict: ");
		last_failure_line(out, logs[last]);
		sxs_strbuf_adds(out, "\n\n");
	} else {
		sxs_strbuf_addf(out, "Verdict: no servicing failure and no unrepaired corruption in %zu log(s)\n\n", n);
	}
	for (size_t i = 0; i < n; i++)
		text_log(out, logs[i], i, ctx, opt);
	return sxs_strbuf_error(out);
}

/* ---- the scan's view of the logs ---- */

int sxs_report_servicing_text(struct sxs_strbuf *out, struct sxs_cbs_log *const *logs, size_t n,
                              const struct sxs_log_context *ctx)
{
	sxs_strbuf_adds(out, "\nServicing logs:");
	for (size_t i = 0; i < n; i++) {
		sxs_strbuf_adds(out, i ? ", " : " ");
		esc(out, logs[i]->name);
	}
	sxs_strbuf_addc(out, '\n');
	long last = sxs_logs_last_failure(logs, n);
	for (size_t i = 0; i < n; i++) {
		if (logs[i]->err && !logs[i]->stats.records) {
			sxs_strbuf_adds(out, "  not read: ");
			esc(out, logs[i]->error ? logs[i]->error : logs[i]->name);
			sxs_strbuf_addc(out, '\n');
		}
	}
	if (last >= 0) {
		sxs_strbuf_adds(out, "  ");
		last_failure_line(out, logs[last]);
		sxs_strbuf_addc(out, '\n');
	} else {
		sxs_strbuf_adds(out, "  no servicing failure and no unrepaired corruption\n");
	}
	for (size_t t = 0; ctx && t < ctx->nties; t++) {
		const struct sxs_log_tie *ti = &ctx->ties[t];
		sxs_strbuf_adds(out, "  ");
		esc(out, ti->keyform ? ti->keyform : "?");
		if (ti->file) {
			sxs_strbuf_adds(out, "\\");
			esc(out, ti->file);
		}
		sxs_strbuf_adds(out, ": ");
		esc(out, ti->detail);
		sxs_strbuf_addc(out, '\n');
	}
	sxs_strbuf_adds(out, "  (sxscheck cbs --root explains every failure; rotated CbsPersist logs are read there)\n");
	return sxs_strbuf_error(out);
}

struct json_object *sxs_report_servicing_json(struct sxs_cbs_log *const *logs, size_t n,
                                              const struct sxs_log_context *ctx)
{
	struct jb b = {0};
	struct json_object *o = jobj(&b), *a = jarr(&b);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = jobj(&b);
		js(&b, e, "file", logs[i]->name);
		if (logs[i]->member)
			js(&b, e, "member", logs[i]->member);
		if (logs[i]->error)
			js(&b, e, "error", logs[i]->error);
		js(&b, e, "outcome", sxs_cbs_outcome_name(logs[i]->outcome));
		js(&b, e, "primary_kind", logs[i]->nkinds ? sxs_cbs_kind_info(logs[i]->kinds[0].kind)->id : "none");
		jpush(&b, a, e);
	}
	jadd(&b, o, "logs", a);
	long last = sxs_logs_last_failure(logs, n);
	if (last >= 0) {
		const struct sxs_cbs_log *l = logs[last];
		struct json_object *e = jobj(&b), *k = jarr(&b);
		js(&b, e, "file", l->name);
		js(&b, e, "outcome", sxs_cbs_outcome_name(l->outcome));
		js(&b, e, "primary_kind", l->nkinds ? sxs_cbs_kind_info(l->kinds[0].kind)->id : "none");
		for (size_t i = 0; i < l->nkinds; i++)
			jpush(&b, k, sxs_json_string(sxs_cbs_kind_info(l->kinds[i].kind)->id));
		jadd(&b, e, "kinds", k);
		if (l->last_failure < l->nops)
			jadd(&b, e, "operation", op_json(&b, l, &l->ops[l->last_failure]));
		jadd(&b, o, "last_failure", e);
	} else {
		jnull(&b, o, "last_failure");
	}
	a = jarr(&b);
	for (size_t t = 0; ctx && t < ctx->nties; t++) {
		const struct sxs_log_tie *ti = &ctx->ties[t];
		struct json_object *e = jobj(&b);
		js(&b, e, "log", logs[ti->log]->name);
		js(&b, e, "what", ti->what);
		js(&b, e, "keyform", ti->keyform);
		js(&b, e, "file", ti->file);
		ji(&b, e, "line", (int64_t)ti->line);
		js(&b, e, "state", tie_state_name(ti->state));
		if (ti->finding_id)
			js(&b, e, "finding", ti->finding_id);
		js(&b, e, "detail", ti->detail);
		jpush(&b, a, e);
	}
	jadd(&b, o, "ties", a);
	if (b.err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
