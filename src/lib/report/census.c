/* SPDX-License-Identifier: MIT */
/* `sxscheck census`: counts per shape, as text and JSON. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "report/census.h"
#include "report/json_util.h"
#include "sxs_config.h"

static void header(struct sxs_strbuf *out, const struct sxs_model *m)
{
	sxs_strbuf_adds(out, "sxscheck census of ");
	sxs_report_text_escape(out, m->image);
	sxs_strbuf_addc(out, '\n');
	if (m->build || m->product) {
		sxs_strbuf_adds(out, "Image: ");
		sxs_report_text_escape(out, m->product ? m->product : "Windows");
		if (m->build) {
			sxs_strbuf_adds(out, ", build ");
			sxs_report_text_escape(out, m->build);
		}
		sxs_strbuf_addc(out, '\n');
	}
	sxs_strbuf_adds(out, "Counts per shape, no findings: what a real image says about the rules "
	                     "calibration.md could not settle.\n");
}

static const char *hex_or(char *buf, size_t n, bool absent, uint32_t v, const char *none)
{
	if (absent)
		return none;
	snprintf(buf, n, "0x%x", (unsigned)v);
	return buf;
}

int sxs_report_census_text(struct sxs_strbuf *out, const struct sxs_model *m,
                           const struct sxs_census *c)
{
	char b[16];
	header(out, m);
	sxs_strbuf_addf(out, "\nComponents: %zu (manifests %zu, COMPONENTS keys %zu, deployments %zu, "
	                     "manifests without files %zu, with files %zu)\n",
	                c->components, c->manifests, c->components_keys, c->deployments_components,
	                c->no_file_manifests, c->with_files);
	sxs_strbuf_addf(out, "Liveness: live %zu, dormant %zu, unknown %zu%s\n", c->live, c->dormant,
	                c->unknown,
	                m->liveness_known ? ""
	                : m->have_deployment_data ? " (no package states: liveness unknown)"
	                                          : " (no deployment data: liveness unknown)");

	sxs_strbuf_addf(out, "\nf! values against the forms found on disk (payload files: %zu%s):\n",
	                c->payload_files, c->payloads_listed ? "" : "; folders not listed, --no-payload");
	sxs_strbuf_addf(out, "  %-12s %7s", "f!", "files");
	for (size_t i = 0; i < SXS_CENSUS_FORMS; i++)
		sxs_strbuf_addf(out, " %9s", sxs_census_form_names[i]);
	sxs_strbuf_addc(out, '\n');
	for (size_t r = 0; r < c->nfflags; r++) {
		const struct sxs_census_fflag *f = &c->fflags[r];
		sxs_strbuf_addf(out, "  %-12s %7zu", hex_or(b, sizeof(b), f->absent, f->value, "(none)"),
		                f->files);
		for (size_t i = 0; i < SXS_CENSUS_FORMS; i++)
			sxs_strbuf_addf(out, " %9zu", f->forms[i]);
		sxs_strbuf_addc(out, '\n');
	}
	sxs_strbuf_addf(out, "  f! values naming no file of their manifest: %zu\n", c->fflags_unmatched);

	sxs_strbuf_adds(out, "\nCF against liveness (components):\n");
	sxs_strbuf_addf(out, "  %-12s %7s %7s %7s %9s %9s\n", "CF", "live", "dormant", "unknown",
	                "folder", "no-folder");
	for (size_t r = 0; r < c->ncfs; r++) {
		const struct sxs_census_cf *f = &c->cfs[r];
		sxs_strbuf_addf(out, "  %-12s %7zu %7zu %7zu %9zu %9zu\n",
		                hex_or(b, sizeof(b), f->absent, f->value, "(absent)"), f->live, f->dormant,
		                f->unknown, f->with_folder, f->without_folder);
	}

	const struct sxs_census_nofolder *nf = &c->nofolder;
	sxs_strbuf_addf(out, "\nComponents with files but no WinSxS folder (deployments excluded): %zu\n"
	                     "  live %zu, dormant %zu, unknown %zu; with differentials under "
	                     "servicing\\LCU %zu; with a non-zero CF %zu\n",
	                nf->live + nf->dormant + nf->unknown, nf->live, nf->dormant, nf->unknown,
	                nf->with_lcu_deltas, nf->with_cf);

	const struct sxs_census_families *fa = &c->families;
	sxs_strbuf_addf(out, "\nWinners families: %zu (with a Winners key %zu, without %zu: some version "
	                     "live %zu, none live %zu, unknown %zu)\n",
	                fa->families, fa->with_winners, fa->without_winners, fa->without_any_live,
	                fa->without_none_live, fa->without_unknown);
	sxs_strbuf_addf(out, "  Winners keys: %zu; band defaults installed %zu, not installed %zu "
	                     "(in WinSxS\\Fusion %zu); keys with no version in the store %zu\n",
	                fa->winners_keys, fa->default_installed, fa->default_not_installed,
	                fa->default_in_fusion, fa->keys_without_versions);

	const struct sxs_census_fusion *fu = &c->fusion;
	sxs_strbuf_addf(out, "\nWinSxS\\Fusion versions: %zu (Winners key %zu, band default %zu, "
	                     "a component of that version %zu: manifest %zu, COMPONENTS key %zu)\n",
	                fu->entries, fu->with_winners_key, fu->winners_default, fu->with_component,
	                fu->with_manifest, fu->with_components_key);

	sxs_strbuf_addf(out, "\nDeployments: %zu keys, installed %zu, without their own component %zu; "
	                     "marks %zu (malformed %zu)\n",
	                c->deployment_keys, c->deployments_installed, c->deployments_without_component,
	                c->marks_total, c->marks_malformed);
	if (c->nmarks) {
		sxs_strbuf_adds(out, "  by marks:");
		for (size_t r = 0; r < c->nmarks; r++)
			sxs_strbuf_addf(out, "%s %s %zu", r ? "," : "", c->marks[r].combo,
			                c->marks[r].deployments);
		sxs_strbuf_addc(out, '\n');
	}

	if (!c->have_packages) {
		sxs_strbuf_adds(out, "\nPackages by CurrentState: not read\n");
	} else {
		sxs_strbuf_adds(out, "\nPackages by CurrentState:");
		for (size_t r = 0; r < c->npackages; r++)
			sxs_strbuf_addf(out, "%s %s %zu", r ? "," : "",
			                hex_or(b, sizeof(b), c->packages[r].unknown, c->packages[r].state,
			                       "(none)"),
			                c->packages[r].n);
		sxs_strbuf_addc(out, '\n');
	}
	sxs_strbuf_addf(out, "Catalogs: CanonicalData\\Catalogs keys %zu, WinSxS\\Catalogs files %zu\n",
	                c->catalog_keys, c->catalog_files);
	sxs_strbuf_addf(out, "servicing\\LCU folders: %zu\n", c->lcu_dirs);
	sxs_strbuf_adds(out, "\nPlease send this report (sxscheck census --format=json ROOT) with the "
	                     "build and whether the machine was healthy: see README, \"Help calibrate\".\n");
	return sxs_strbuf_error(out);
}

static struct json_object *jsize(size_t n)
{
	return json_object_new_int64((int64_t)n);
}

static int add_counts(struct json_object *o, const char *const *names, const size_t *v, size_t n)
{
	int err = 0;
	for (size_t i = 0; i < n; i++)
		err |= sxs_json_add(o, names[i], jsize(v[i]));
	return err;
}

int sxs_report_census_json(struct sxs_strbuf *out, const struct sxs_model *m,
                           const struct sxs_census *c)
{
	struct json_object *doc = json_object_new_object();
	char b[16];
	int err = 0;
	if (!doc)
		return -SXS_ENOMEM;
	err |= sxs_json_add(doc, "schema_version", json_object_new_int(SXS_JSON_SCHEMA_VERSION));
	err |= sxs_json_add_string(doc, "tool", "sxscheck");
	err |= sxs_json_add_string(doc, "tool_version", SXS_VERSION);
	err |= sxs_json_add_string(doc, "kind", "census");
	err |= sxs_json_add_string(doc, "image", m->image);
	err |= sxs_json_add_string(doc, "build", m->build);
	err |= sxs_json_add_string(doc, "product", m->product);

	struct json_object *comps = json_object_new_object();
	if (comps) {
		const char *names[] = {"total", "manifests", "components_keys", "deployments",
		                       "manifests_without_files", "with_files", "live", "dormant", "unknown"};
		size_t v[] = {c->components, c->manifests, c->components_keys, c->deployments_components,
		              c->no_file_manifests, c->with_files, c->live, c->dormant, c->unknown};
		err |= add_counts(comps, names, v, sizeof(v) / sizeof(*v));
		err |= sxs_json_add(comps, "liveness_known", json_object_new_boolean(m->liveness_known));
	}
	err |= sxs_json_add(doc, "components", comps);

	struct json_object *ff = json_object_new_array();
	for (size_t r = 0; ff && r < c->nfflags; r++) {
		const struct sxs_census_fflag *f = &c->fflags[r];
		struct json_object *o = json_object_new_object();
		if (!o) {
			err = -1;
			break;
		}
		if (f->absent)
			err |= json_object_object_add(o, "value", NULL) ? -1 : 0; /* JSON null: no f! value */
		else
			err |= sxs_json_add(o, "value", json_object_new_int64(f->value));
		err |= sxs_json_add_string(o, "hex", hex_or(b, sizeof(b), f->absent, f->value, NULL));
		err |= sxs_json_add(o, "files", jsize(f->files));
		err |= add_counts(o, sxs_census_form_names, f->forms, SXS_CENSUS_FORMS);
		err |= json_object_array_add(ff, o) ? -1 : 0;
	}
	struct json_object *fobj = json_object_new_object();
	if (fobj) {
		err |= sxs_json_add(fobj, "payload_files", jsize(c->payload_files));
		err |= sxs_json_add(fobj, "folders_listed", json_object_new_boolean(c->payloads_listed));
		err |= sxs_json_add(fobj, "by_value", ff);
		err |= sxs_json_add(fobj, "values_naming_no_file", jsize(c->fflags_unmatched));
	} else {
		json_object_put(ff);
	}
	err |= sxs_json_add(doc, "f_flags", fobj);

	struct json_object *cf = json_object_new_array();
	for (size_t r = 0; cf && r < c->ncfs; r++) {
		const struct sxs_census_cf *f = &c->cfs[r];
		struct json_object *o = json_object_new_object();
		if (!o) {
			err = -1;
			break;
		}
		err |= sxs_json_add_string(o, "hex", hex_or(b, sizeof(b), f->absent, f->value, NULL));
		const char *names[] = {"live", "dormant", "unknown", "with_folder", "without_folder"};
		size_t v[] = {f->live, f->dormant, f->unknown, f->with_folder, f->without_folder};
		err |= add_counts(o, names, v, 5);
		err |= json_object_array_add(cf, o) ? -1 : 0;
	}
	err |= sxs_json_add(doc, "cf", cf);

	struct json_object *nf = json_object_new_object();
	if (nf) {
		const char *names[] = {"live", "dormant", "unknown", "with_lcu_deltas", "with_cf"};
		size_t v[] = {c->nofolder.live, c->nofolder.dormant, c->nofolder.unknown,
		              c->nofolder.with_lcu_deltas, c->nofolder.with_cf};
		err |= add_counts(nf, names, v, 5);
	}
	err |= sxs_json_add(doc, "no_folder", nf);

	struct json_object *fa = json_object_new_object();
	if (fa) {
		const struct sxs_census_families *x = &c->families;
		const char *names[] = {"families", "with_winners", "without_winners",
		                       "without_winners_some_live", "without_winners_none_live",
		                       "without_winners_unknown", "winners_keys", "default_installed",
		                       "default_not_installed", "default_in_fusion",
		                       "keys_without_versions"};
		size_t v[] = {x->families, x->with_winners, x->without_winners, x->without_any_live,
		              x->without_none_live, x->without_unknown, x->winners_keys,
		              x->default_installed, x->default_not_installed, x->default_in_fusion,
		              x->keys_without_versions};
		err |= add_counts(fa, names, v, sizeof(v) / sizeof(*v));
	}
	err |= sxs_json_add(doc, "winners", fa);

	struct json_object *fu = json_object_new_object();
	if (fu) {
		const struct sxs_census_fusion *x = &c->fusion;
		const char *names[] = {"entries", "with_winners_key", "winners_default", "with_component",
		                       "with_manifest", "with_components_key"};
		size_t v[] = {x->entries, x->with_winners_key, x->winners_default, x->with_component,
		              x->with_manifest, x->with_components_key};
		err |= add_counts(fu, names, v, 6);
	}
	err |= sxs_json_add(doc, "fusion", fu);

	struct json_object *dep = json_object_new_object();
	struct json_object *marks = json_object_new_object();
	if (dep && marks) {
		const char *names[] = {"keys", "installed", "without_component", "marks", "marks_malformed"};
		size_t v[] = {c->deployment_keys, c->deployments_installed,
		              c->deployments_without_component, c->marks_total, c->marks_malformed};
		err |= add_counts(dep, names, v, 5);
		for (size_t r = 0; r < c->nmarks; r++)
			err |= sxs_json_add(marks, c->marks[r].combo, jsize(c->marks[r].deployments));
		err |= sxs_json_add(dep, "by_marks", marks);
	} else {
		json_object_put(marks);
		err = -1;
	}
	err |= sxs_json_add(doc, "deployments", dep);

	struct json_object *pk = json_object_new_object();
	if (pk) {
		err |= sxs_json_add(pk, "read", json_object_new_boolean(c->have_packages));
		struct json_object *by = json_object_new_object();
		for (size_t r = 0; by && r < c->npackages; r++)
			err |= sxs_json_add(by, hex_or(b, sizeof(b), c->packages[r].unknown,
			                              c->packages[r].state, "none"),
			                    jsize(c->packages[r].n));
		err |= sxs_json_add(pk, "by_state", by);
	}
	err |= sxs_json_add(doc, "packages", pk);
	err |= sxs_json_add(doc, "catalog_keys", jsize(c->catalog_keys));
	err |= sxs_json_add(doc, "catalog_files", jsize(c->catalog_files));
	err |= sxs_json_add(doc, "lcu_folders", jsize(c->lcu_dirs));
	if (!err)
		err = sxs_json_finish(out, doc);
	json_object_put(doc);
	return err ? -SXS_ENOMEM : 0;
}
