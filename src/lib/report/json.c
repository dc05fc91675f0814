/* SPDX-License-Identifier: MIT */
#include <json-c/json.h>
#include <string.h>

#include "report/json_util.h"
#include "sxs_config.h"
#include "report/report.h"
#include "store/packages.h"
#include "util/utf8.h"

struct json_object *sxs_json_string(const char *s)
{
	if (!s)
		return NULL;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_utf8_sanitize(&sb, s, strlen(s));
	struct json_object *o = NULL;
	if (!sxs_strbuf_error(&sb))
		o = json_object_new_string_len(sxs_strbuf_str(&sb), (int)sb.len);
	sxs_strbuf_release(&sb);
	return o;
}

int sxs_json_add_string(struct json_object *obj, const char *key, const char *s)
{
	if (!s)
		return 0;
	struct json_object *v = sxs_json_string(s);
	if (!v || json_object_object_add(obj, key, v)) {
		json_object_put(v);
		return -SXS_ENOMEM;
	}
	return 0;
}

int sxs_json_add(struct json_object *obj, const char *key, struct json_object *v)
{
	if (!v || json_object_object_add(obj, key, v)) {
		json_object_put(v);
		return -SXS_ENOMEM;
	}
	return 0;
}

int sxs_json_finish(struct sxs_strbuf *out, struct json_object *doc)
{
	const char *s = json_object_to_json_string_ext(
		doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		return -SXS_ENOMEM;
	sxs_strbuf_adds(out, s);
	sxs_strbuf_addc(out, '\n');
	return sxs_strbuf_error(out);
}

static struct json_object *finding_json(const struct sxs_finding *fd)
{
	const struct sxs_finding_info *info = sxs_finding_info(fd->kind);
	struct json_object *o = json_object_new_object();
	int err = 0;
	if (!o)
		return NULL;
	err |= sxs_json_add_string(o, "id", info->id);
	char fp[17];
	sxs_finding_fingerprint(fd, fp);
	err |= sxs_json_add_string(o, "severity", sxs_severity_name(fd->severity));
	err |= sxs_json_add_string(o, "fingerprint", fp);
	err |= sxs_json_add_string(o, "message", fd->message);
	/* DISM's summary class of the kind (counted only for errors), when it has one */
	err |= sxs_json_add_string(o, "category", sxs_cbs_class_name(info->cbs));
	err |= sxs_json_add_string(o, "component", fd->component);
	err |= sxs_json_add_string(o, "file", fd->file);
	err |= sxs_json_add_string(o, "algorithm", fd->algorithm);
	err |= sxs_json_add_string(o, "expected", fd->expected);
	err |= sxs_json_add_string(o, "actual", fd->actual);
	err |= sxs_json_add_string(o, "winners_key", fd->winners_key);
	err |= sxs_json_add_string(o, "tentative", fd->tentative);
	if (fd->nversions) {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; a && i < fd->nversions && !err; i++) {
			struct json_object *v = sxs_json_string(fd->versions[i]);
			if (!v || json_object_array_add(a, v)) {
				json_object_put(v);
				err = -1;
			}
		}
		err |= sxs_json_add(o, "versions", a);
	}
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* {"read": "clean"|"replayed"|"stale", "note", "logs", "entries", "pages"}, or NULL */
static struct json_object *hive_json(bool have, const struct sxs_hive_fact *fact)
{
	static const char *const names[] = {
		[SXS_HIVE_READ_CLEAN] = "clean",
		[SXS_HIVE_READ_REPLAYED] = "replayed",
		[SXS_HIVE_READ_UNREPLAYED] = "stale",
	};
	struct json_object *o = json_object_new_object();
	int err = 0;
	if (!o)
		return NULL;
	err |= sxs_json_add(o, "read", json_object_new_boolean(have));
	if (have) {
		err |= sxs_json_add_string(o, "state", names[fact->read]);
		err |= sxs_json_add_string(o, "note", fact->note);
		if (fact->read == SXS_HIVE_READ_REPLAYED) {
			struct json_object *a = json_object_new_array();
			/* fact->logs is "X.LOG1, X.LOG2" */
			const char *p = fact->logs ? fact->logs : "";
			while (a && *p && !err) {
				size_t n = strcspn(p, ",");
				struct json_object *v = json_object_new_string_len(p, (int)n);
				if (!v || json_object_array_add(a, v)) {
					json_object_put(v);
					err = -1;
				}
				p += n;
				while (*p == ',' || *p == ' ')
					p++;
			}
			err |= sxs_json_add(o, "logs", a);
			err |= sxs_json_add(o, "format", json_object_new_string(fact->old_format ? "old" : "new"));
			err |= sxs_json_add(o, "entries", json_object_new_int64(fact->entries));
			err |= sxs_json_add(o, "pages", json_object_new_int64(fact->pages));
		}
	}
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int sxs_report_scan_json(struct sxs_strbuf *out, const struct sxs_model *m,
                         const struct sxs_findings *f)
{
	return sxs_report_scan_json_extra(out, m, f, NULL, NULL);
}

int sxs_report_scan_json_extra(struct sxs_strbuf *out, const struct sxs_model *m,
                               const struct sxs_findings *f, const char *key, struct json_object *extra)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	struct json_object *stats = json_object_new_object();
	struct json_object *summary = json_object_new_object();
	struct json_object *bykind = json_object_new_object();
	size_t counts[SXS_F_COUNT] = {0}, sev[3] = {0}, cbs[SXS_CBS_CLASS_COUNT] = {0};
	int err = 0;

	if (!doc || !arr || !stats || !summary || !bykind) {
		err = -SXS_ENOMEM;
		json_object_put(arr);
		json_object_put(stats);
		json_object_put(summary);
		json_object_put(bykind);
		goto out;
	}
	for (size_t i = 0; i < f->n; i++) {
		counts[f->v[i].kind]++;
		sev[f->v[i].severity]++;
		if (f->v[i].severity == SXS_SEV_ERROR)
			cbs[sxs_finding_info(f->v[i].kind)->cbs]++;
		struct json_object *o = finding_json(&f->v[i]);
		if (!o || json_object_array_add(arr, o)) {
			json_object_put(o);
			err = -SXS_ENOMEM;
		}
	}
	size_t comps = 0, deltas = 0;
	for (size_t i = 0; i < m->ncomps; i++) {
		if (m->comps[i].mstate != SXS_MANIFEST_ABSENT)
			comps++;
		deltas += m->comps[i].ndeltas;
	}
	err |= sxs_json_add(stats, "components", json_object_new_int64((int64_t)comps));
	err |= sxs_json_add(stats, "manifests", json_object_new_int64((int64_t)m->manifests_read));
	err |= sxs_json_add(stats, "files_hashed", json_object_new_int64((int64_t)m->files_hashed));
	err |= sxs_json_add(stats, "bytes_hashed", json_object_new_int64((int64_t)m->bytes_hashed));
	err |= sxs_json_add(stats, "differentials", json_object_new_int64((int64_t)deltas));
	err |= sxs_json_add(stats, "elapsed_seconds", json_object_new_double(m->elapsed));
	if (m->packages && (m->packages->have_registry || m->packages->have_listing)) {
		const struct sxs_packages *pk = m->packages;
		size_t verified = 0;
		for (size_t i = 0; i < pk->n; i++)
			verified += pk->v[i].pair_verified;
		err |= sxs_json_add(stats, "packages_registry", json_object_new_int64((int64_t)pk->cbs.npackages));
		err |= sxs_json_add(stats, "package_mums_read", json_object_new_int64((int64_t)pk->mums_read));
		err |= sxs_json_add(stats, "package_cats_read", json_object_new_int64((int64_t)pk->cats_read));
		err |= sxs_json_add(stats, "package_pairs_verified", json_object_new_int64((int64_t)verified));
	}
	for (int k = 0; k < SXS_F_COUNT; k++)
		if (counts[k])
			err |= sxs_json_add(bykind, sxs_finding_info((enum sxs_finding_kind)k)->id,
			                    json_object_new_int64((int64_t)counts[k]));
	err |= sxs_json_add(summary, "errors", json_object_new_int64((int64_t)sev[SXS_SEV_ERROR]));
	err |= sxs_json_add(summary, "warnings", json_object_new_int64((int64_t)sev[SXS_SEV_WARNING]));
	err |= sxs_json_add(summary, "info", json_object_new_int64((int64_t)sev[SXS_SEV_INFO]));
	err |= sxs_json_add(summary, "by_kind", bykind);
	/* DISM's corruption summary (errors only), package layer included */
	static const struct {
		const char *key;
		enum sxs_cbs_class cls;
	} classes[] = {
		{"cbs_manifest_corruption", SXS_CBS_CBS_MANIFEST},
		{"cbs_metadata_corruption", SXS_CBS_CBS_METADATA},
		{"csi_manifest_corruption", SXS_CBS_MANIFEST},
		{"csi_metadata_corruption", SXS_CBS_METADATA},
		{"csi_payload_corruption", SXS_CBS_PAYLOAD},
	};
	size_t total = 0;
	for (size_t k = 0; k < sizeof(classes) / sizeof(*classes); k++) {
		total += cbs[classes[k].cls];
		err |= sxs_json_add(summary, classes[k].key, json_object_new_int64((int64_t)cbs[classes[k].cls]));
	}
	err |= sxs_json_add(summary, "total_detected_corruption", json_object_new_int64((int64_t)total));

	/* schema 2: per-finding severity and fingerprint, tool version, liveness */
	err |= sxs_json_add(doc, "schema_version", json_object_new_int(SXS_JSON_SCHEMA_VERSION));
	err |= sxs_json_add_string(doc, "tool", "sxscheck");
	err |= sxs_json_add_string(doc, "tool_version", SXS_VERSION);
	err |= sxs_json_add_string(doc, "image", m->image);
	err |= sxs_json_add_string(doc, "build", m->build);
	err |= sxs_json_add_string(doc, "product", m->product);
	err |= sxs_json_add_string(doc, "base_manifest", m->base_manifest_source);
	err |= sxs_json_add(doc, "components_hive", json_object_new_boolean(m->have_components_hive));
	err |= sxs_json_add_string(doc, "liveness", m->liveness_known ? "known" : "unknown");
	err |= sxs_json_add(doc, "software_hive", json_object_new_boolean(m->have_software_hive));
	struct json_object *hives = json_object_new_object();
	if (hives) {
		err |= sxs_json_add(hives, "COMPONENTS", hive_json(m->have_components_hive, &m->components_log));
		err |= sxs_json_add(hives, "SOFTWARE", hive_json(m->have_software_hive, &m->software_log));
	}
	err |= sxs_json_add(doc, "hives", hives);
	if (m->registry_skipped)
		err |= sxs_json_add(doc, "registry_skipped", json_object_new_boolean(true));
	struct json_object *hib = json_object_new_object();
	if (hib) {
		err |= sxs_json_add_string(hib, "state", sxs_hiber_state_name(m->hibernation));
		if (m->hiber_signature[0])
			err |= sxs_json_add_string(hib, "signature", m->hiber_signature);
	}
	err |= sxs_json_add(doc, "hibernation", hib);
	err |= sxs_json_add(doc, "findings", arr);
	err |= sxs_json_add(doc, "summary", summary);
	err |= sxs_json_add(doc, "stats", stats);
	if (key) {
		err |= sxs_json_add(doc, key, extra);
		extra = NULL;
	}
	if (!err)
		err = sxs_json_finish(out, doc);
out:
	json_object_put(doc);
	json_object_put(extra);
	return err ? -SXS_ENOMEM : 0;
}
