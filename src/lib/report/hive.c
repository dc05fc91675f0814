/* SPDX-License-Identifier: MIT */
/* Reports of `sxscheck hive recover` (report/hive.h). */
#include "report/hive.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "report/json_util.h"
#include "report/report.h"
#include "util/alloc.h"

static const char *format_name(enum sxs_log_format f)
{
	switch (f) {
	case SXS_LOG_NEW:
		return "new";
	case SXS_LOG_OLD:
		return "old";
	default:
		return "none";
	}
}

static const char *state_name(enum sxs_replay_state s)
{
	switch (s) {
	case SXS_REPLAY_CLEAN:
		return "clean";
	case SXS_REPLAY_DONE:
		return "replayed";
	default:
		return "not-replayable";
	}
}

int sxs_report_hive_text(struct sxs_strbuf *out, const struct sxs_report_hive *h)
{
	const struct sxs_replay *r = h->replay;
	char *note = NULL;
	int err = sxs_replay_describe(r, h->stem, &note);
	if (err)
		return err;

	sxs_report_text_escape(out, h->path);
	sxs_strbuf_adds(out, ": ");
	if (r->checksum_bad)
		sxs_strbuf_addf(out, "dirty (base block checksum wrong; sequence numbers %u and %u)\n",
		                r->seq1, r->seq2);
	else if (r->seq1 != r->seq2)
		sxs_strbuf_addf(out, "dirty (sequence numbers %u and %u)\n", r->seq1, r->seq2);
	else
		sxs_strbuf_addf(out, "clean (sequence number %u)\n", r->seq1);
	for (unsigned i = 0; i < 2 && r->state != SXS_REPLAY_CLEAN; i++) {
		const struct sxs_replay_log *l = &r->log[i];
		sxs_strbuf_adds(out, "  ");
		sxs_report_text_escape(out, h->stem);
		sxs_strbuf_addf(out, ".%s: ", sxs_replay_log_name(r, i));
		if (!l->present) {
			sxs_strbuf_adds(out, l->note[0] ? l->note : "absent");
		} else if (l->format == SXS_LOG_NONE) {
			if (strcmp(l->note, "empty") != 0)
				sxs_strbuf_adds(out, "unusable: ");
			sxs_report_text_escape(out, l->note);
		} else {
			sxs_strbuf_addf(out, "%s format", format_name(l->format));
			if (l->applied && l->format == SXS_LOG_NEW && l->first_seq == l->last_seq)
				sxs_strbuf_addf(out, ", 1 entry applied (sequence %u), %u %s", l->first_seq,
				                l->pages, l->pages == 1 ? "page" : "pages");
			else if (l->applied && l->format == SXS_LOG_NEW)
				sxs_strbuf_addf(out, ", %u entries applied (sequences %u to %u), %u %s",
				                l->entries, l->first_seq, l->last_seq, l->pages,
				                l->pages == 1 ? "page" : "pages");
			else if (l->applied)
				sxs_strbuf_addf(out, ", applied: %u pages of 512 bytes", l->pages);
			else
				sxs_strbuf_adds(out, ", not applied");
			if (l->note[0]) {
				sxs_strbuf_adds(out, "; ");
				sxs_report_text_escape(out, l->note);
			}
		}
		sxs_strbuf_addc(out, '\n');
	}
	sxs_strbuf_adds(out, "  ");
	sxs_report_text_escape(out, note);
	sxs_strbuf_addc(out, '\n');
	if (h->check_problem) {
		sxs_strbuf_adds(out, "  the result does not open as a hive: ");
		sxs_report_text_escape(out, h->check_problem);
		sxs_strbuf_addc(out, '\n');
	} else if (h->keys >= 0) {
		sxs_strbuf_addf(out, "  the result opens as a hive: %ld keys\n", h->keys);
	}
	if (h->output) {
		sxs_strbuf_adds(out, "  wrote ");
		sxs_report_text_escape(out, h->output);
		sxs_strbuf_addf(out, " (%zu bytes)\n", h->output_len);
	}
	sxs_free(note);
	return sxs_strbuf_error(out);
}

int sxs_report_hive_json(struct sxs_strbuf *out, const struct sxs_report_hive *h)
{
	const struct sxs_replay *r = h->replay;
	struct json_object *doc = json_object_new_object(), *logs = json_object_new_array(),
			   *seqs = json_object_new_array();
	char *note = NULL;
	int err = sxs_replay_describe(r, h->stem, &note);
	if (err || !doc || !logs || !seqs) {
		json_object_put(doc);
		json_object_put(logs);
		json_object_put(seqs);
		sxs_free(note);
		return -SXS_ENOMEM;
	}
	err |= sxs_json_add_string(doc, "hive", h->path);
	err |= sxs_json_add(doc, "dirty", json_object_new_boolean(r->state != SXS_REPLAY_CLEAN));
	err |= sxs_json_add(doc, "checksum_ok", json_object_new_boolean(!r->checksum_bad));
	json_object_array_add(seqs, json_object_new_int64(r->seq1));
	json_object_array_add(seqs, json_object_new_int64(r->seq2));
	err |= sxs_json_add(doc, "sequence_numbers", seqs);
	err |= sxs_json_add_string(doc, "state", state_name(r->state));
	err |= sxs_json_add_string(doc, "note", note);
	if (r->state == SXS_REPLAY_DONE) {
		err |= sxs_json_add_string(doc, "format", format_name(r->format));
		err |= sxs_json_add(doc, "base_block_from_log", json_object_new_boolean(r->base_from_log));
		err |= sxs_json_add(doc, "sequence_after", json_object_new_int64(r->seq_after));
	}
	for (unsigned i = 0; i < 2 && r->state != SXS_REPLAY_CLEAN; i++) {
		const struct sxs_replay_log *l = &r->log[i];
		struct json_object *o = json_object_new_object();
		char name[300];
		snprintf(name, sizeof(name), "%s.%s", h->stem, sxs_replay_log_name(r, i));
		err |= sxs_json_add_string(o, "name", name);
		err |= sxs_json_add(o, "present", json_object_new_boolean(l->present));
		err |= sxs_json_add_string(o, "format", format_name(l->format));
		err |= sxs_json_add(o, "applied", json_object_new_boolean(l->applied));
		err |= sxs_json_add(o, "entries", json_object_new_int64(l->entries));
		err |= sxs_json_add(o, "pages", json_object_new_int64(l->pages));
		if (l->applied && l->format == SXS_LOG_NEW) {
			err |= sxs_json_add(o, "first_sequence", json_object_new_int64(l->first_seq));
			err |= sxs_json_add(o, "last_sequence", json_object_new_int64(l->last_seq));
		}
		if (l->note[0])
			err |= sxs_json_add_string(o, "note", l->note);
		if (!o || json_object_array_add(logs, o)) {
			json_object_put(o);
			err = -1;
		}
	}
	err |= sxs_json_add(doc, "logs", logs);
	err |= sxs_json_add_string(doc, "output", h->output);
	if (h->output)
		err |= sxs_json_add(doc, "output_bytes", json_object_new_int64((int64_t)h->output_len));
	if (h->keys >= 0)
		err |= sxs_json_add(doc, "keys", json_object_new_int64(h->keys));
	err |= sxs_json_add_string(doc, "check_problem", h->check_problem);
	if (!err)
		err = sxs_json_finish(out, doc);
	json_object_put(doc);
	sxs_free(note);
	return err ? -SXS_ENOMEM : 0;
}
