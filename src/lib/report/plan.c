/* SPDX-License-Identifier: MIT */
#include "report/plan.h"

#include <json-c/json.h>
#include <string.h>

#include "report/json_util.h"
#include "report/report.h"
#include "util/hex.h"
#include "util/status.h"
#include "util/version.h"

static const char *sev_name(enum sxs_severity s)
{
	return sxs_severity_name(s);
}

/* ---- text ------------------------------------------------------------- */

static void esc(struct sxs_strbuf *out, const char *s)
{
	sxs_report_text_escape(out, s);
}

static void side_line(struct sxs_strbuf *out, const char *title, const char *path,
                      const char *what, const char *product, const char *build)
{
	sxs_strbuf_adds(out, title);
	esc(out, path);
	sxs_strbuf_adds(out, " (");
	if (what) {
		sxs_strbuf_adds(out, what);
		sxs_strbuf_adds(out, "; ");
	}
	esc(out, product ? product : "Windows");
	sxs_strbuf_adds(out, ", build ");
	esc(out, build ? build : "unknown");
	sxs_strbuf_adds(out, ")\n");
}

static void versions_text(struct sxs_strbuf *out, const struct sxs_version *v, size_t n)
{
	char buf[SXS_VERSION_STR_MAX];
	for (size_t i = 0; i < n; i++) {
		sxs_strbuf_adds(out, i ? ", " : "");
		sxs_strbuf_adds(out, sxs_version_format(&v[i], buf));
	}
}

/* A parsed version as text (it holds digits and dots only). */
static void ver(struct sxs_strbuf *out, const struct sxs_version *v)
{
	char buf[SXS_VERSION_STR_MAX];
	sxs_strbuf_adds(out, sxs_version_format(v, buf));
}

static void action_text(struct sxs_strbuf *out, size_t step, const struct sxs_action *a)
{
	sxs_strbuf_addf(out, "  %zu. ", step);
	switch (a->kind) {
	case SXS_ACT_RESTORE_MANIFEST:
		sxs_strbuf_adds(out, "Restore manifest WinSxS\\Manifests\\");
		esc(out, a->component);
		sxs_strbuf_adds(out, ".manifest from the golden source\n");
		break;
	case SXS_ACT_REPLACE_FOLDER: {
		size_t ndiff = 0, nkeep = 0;
		for (size_t i = 0; i < a->nfiles; i++) {
			ndiff += a->files[i].differs;
			nkeep += a->files[i].keep;
		}
		sxs_strbuf_adds(out, "Replace folder WinSxS\\");
		esc(out, a->component);
		sxs_strbuf_adds(out, " from the golden source\n");
		sxs_strbuf_addf(out, "     %zu file(s), %zu differ%s:\n", a->nfiles - nkeep, ndiff,
		                a->folder_exists ? "" : " (the folder is missing here)");
		for (size_t i = 0; i < a->nfiles; i++) {
			const struct sxs_plan_file *f = &a->files[i];
			sxs_strbuf_adds(out, f->differs ? "       * " : "         ");
			esc(out, f->name);
			if (f->keep)
				sxs_strbuf_adds(out, "  (systemData: kept as it is here)\n");
			else if (f->delta)
				sxs_strbuf_adds(out, "  (differential: checked against the golden copy)\n");
			else
				sxs_strbuf_addf(out, "  %s %s\n", sxs_digest_name(f->alg), f->hex);
		}
		break;
	}
	case SXS_ACT_CREATE_WINNERS_KEY:
		sxs_strbuf_adds(out, "Create Winners key ");
		esc(out, a->winners_key);
		sxs_strbuf_adds(out, "\n     default band ");
		ver(out, &a->band);
		sxs_strbuf_adds(out, ", band ");
		ver(out, &a->band);
		sxs_strbuf_adds(out, " winner ");
		ver(out, &a->winner);
		sxs_strbuf_addf(out, ", %zu version value(s): ", a->nversions);
		versions_text(out, a->versions, a->nversions);
		sxs_strbuf_addc(out, '\n');
		break;
	case SXS_ACT_SET_WINNER:
		sxs_strbuf_adds(out, "Set the winner of Winners key ");
		esc(out, a->winners_key);
		sxs_strbuf_adds(out, "\n     ");
		if (a->set_default_band) {
			sxs_strbuf_adds(out, "default band ");
			ver(out, &a->band);
			sxs_strbuf_adds(out, ", ");
		}
		sxs_strbuf_adds(out, "band ");
		ver(out, &a->band);
		sxs_strbuf_adds(out, " winner ");
		ver(out, &a->winner);
		if (a->nversions) {
			sxs_strbuf_addf(out, ", add %zu version value(s): ", a->nversions);
			versions_text(out, a->versions, a->nversions);
		}
		sxs_strbuf_addc(out, '\n');
		break;
	case SXS_ACT_ADD_WINNERS_VERSION:
		sxs_strbuf_adds(out, "Add version values to Winners key ");
		esc(out, a->winners_key);
		sxs_strbuf_adds(out, "\n     band ");
		ver(out, &a->band);
		sxs_strbuf_adds(out, ": ");
		versions_text(out, a->versions, a->nversions);
		sxs_strbuf_addc(out, '\n');
		break;
	case SXS_ACT_RESTORE_PACKAGE: {
		char mh[65], ch[65];
		sxs_hex_encode(a->mum_sha256, 32, mh);
		sxs_hex_encode(a->cat_sha256, 32, ch);
		sxs_strbuf_adds(out, "Restore package files servicing\\Packages\\");
		esc(out, a->package);
		sxs_strbuf_adds(out, ".mum and .cat from the golden source\n");
		sxs_strbuf_addf(out, "       %s.mum  sha256 %s\n", a->mum_exists ? "*" : "+", mh);
		sxs_strbuf_addf(out, "       %s.cat  sha256 %s\n", a->cat_exists ? "*" : "+", ch);
		break;
	}
	case SXS_ACT_COUNT:
		break;
	}
	sxs_strbuf_adds(out, "     why: ");
	esc(out, a->reason);
	sxs_strbuf_addc(out, '\n');
}

static void diff_text(struct sxs_strbuf *out, const struct sxs_diff *d)
{
	sxs_strbuf_addf(out, "  %-7s %-24s ", sev_name(d->severity), sxs_diff_kind_name(d->kind));
	const char *where = d->component ? d->component : d->winners_key;
	if (where) {
		esc(out, where);
		if (d->component && d->file) {
			sxs_strbuf_addc(out, '\\');
			esc(out, d->file);
		}
		sxs_strbuf_adds(out, ": ");
	}
	esc(out, d->message);
	if (d->kind == SXS_DIFF_PAYLOAD || d->kind == SXS_DIFF_MANIFEST ||
	    d->kind == SXS_DIFF_REGISTRY || d->kind == SXS_DIFF_PAYLOAD_MISSING) {
		if (d->here || d->golden) {
			sxs_strbuf_adds(out, " (here ");
			esc(out, d->here ? d->here : "-");
			sxs_strbuf_adds(out, ", golden ");
			esc(out, d->golden ? d->golden : "-");
			sxs_strbuf_addc(out, ')');
		}
	}
	sxs_strbuf_addc(out, '\n');
}

int sxs_report_compare_text(struct sxs_strbuf *out, const struct sxs_comparison *c)
{
	size_t sev[3] = {0};
	for (size_t i = 0; i < c->ndiffs; i++)
		sev[c->diffs[i].severity]++;

	sxs_strbuf_adds(out, "sxscheck compare\n");
	side_line(out, "Image:  ", c->image, NULL, c->image_product, c->image_build);
	if (c->golden_is_reference) {
		struct sxs_strbuf what = SXS_STRBUF_INIT;
		sxs_strbuf_adds(&what, "reference of ");
		sxs_report_text_escape(&what, c->golden_label ? c->golden_label : "?");
		side_line(out, "Golden: ", c->golden, sxs_strbuf_str(&what), c->golden_product,
		          c->golden_build);
		if (sxs_strbuf_error(&what))
			out->oom = true;
		sxs_strbuf_release(&what);
	} else {
		side_line(out, "Golden: ", c->golden, "live image", c->golden_product, c->golden_build);
	}
	if (c->build_mismatch) {
		sxs_strbuf_adds(out, "\nWARNING: THE TWO SIDES RUN DIFFERENT BUILDS (");
		esc(out, c->image_build ? c->image_build : "unknown");
		sxs_strbuf_adds(out, " here, ");
		esc(out, c->golden_build ? c->golden_build : "unknown");
		sxs_strbuf_adds(out, " golden).\n"
		                     "WARNING: files and Winners values from another build can leave the store\n"
		                     "WARNING: inconsistent; use a golden PC at exactly the same build and update level.\n");
	} else if (c->build_unknown) {
		sxs_strbuf_adds(out, "\nNOTE: the build of ");
		sxs_strbuf_adds(out, !c->image_build && !c->golden_build ? "either side"
		                     : !c->image_build ? "this image" : "the golden side");
		sxs_strbuf_adds(out, " could not be read, so sxscheck cannot tell whether the two sides\n"
		                     "NOTE: run the same build; check it by hand before copying anything.\n");
	}

	sxs_strbuf_addf(out, "\nDifferences (%zu):\n", c->ndiffs);
	for (size_t i = 0; i < c->ndiffs; i++)
		diff_text(out, &c->diffs[i]);
	if (!c->ndiffs)
		sxs_strbuf_adds(out, "  none: the image matches the golden side\n");

	if (c->nactions) {
		sxs_strbuf_addf(out, "\nReplace plan (%zu step%s, in this order):\n", c->nactions,
		                c->nactions == 1 ? "" : "s");
		for (size_t i = 0; i < c->nactions; i++)
			action_text(out, i + 1, &c->actions[i]);
	}
	if (c->nunfixable) {
		sxs_strbuf_addf(out, "\nCannot fix (%zu):\n", c->nunfixable);
		for (size_t i = 0; i < c->nunfixable; i++) {
			const struct sxs_unfixable *u = &c->unfixable[i];
			sxs_strbuf_adds(out, "  - ");
			esc(out, u->component ? u->component : u->package ? u->package : u->winners_key);
			sxs_strbuf_adds(out, ": ");
			esc(out, u->reason);
			sxs_strbuf_addc(out, '\n');
			if (u->needed) {
				sxs_strbuf_adds(out, "    needed: ");
				esc(out, u->needed);
				sxs_strbuf_addc(out, '\n');
			}
		}
	}
	sxs_strbuf_addf(out, "\nSummary: %zu difference(s) (%zu error(s), %zu warning(s), %zu note(s)), "
	                     "%zu plan step(s), %zu unfixable\n",
	                c->ndiffs, sev[SXS_SEV_ERROR], sev[SXS_SEV_WARNING], sev[SXS_SEV_INFO],
	                c->nactions, c->nunfixable);
	if (c->nactions)
		sxs_strbuf_adds(out,
		                "Next: write the plan as a script with --script=ps1 (run on the broken PC) or\n"
		                "--script=sh (offline, on the mounted image), read it, run it with -WhatIf or\n"
		                "--dry-run first; afterwards run DISM /Online /Cleanup-Image /RestoreHealth\n"
		                "and sfc /scannow on the repaired PC.\n");
	return sxs_strbuf_error(out);
}

/* ---- JSON ----------------------------------------------------------------- */

static struct json_object *versions_json(const struct sxs_version *v, size_t n, int *err)
{
	struct json_object *a = json_object_new_array();
	char buf[SXS_VERSION_STR_MAX];
	if (!a) {
		*err = -1;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_new_string(sxs_version_format(&v[i], buf));
		if (!s || json_object_array_add(a, s)) {
			json_object_put(s);
			*err = -1;
		}
	}
	return a;
}

static struct json_object *action_json(size_t step, const struct sxs_action *a)
{
	struct json_object *o = json_object_new_object();
	int err = 0;
	if (!o)
		return NULL;
	err |= sxs_json_add(o, "step", json_object_new_int64((int64_t)step));
	err |= sxs_json_add_string(o, "action", sxs_action_kind_name(a->kind));
	err |= sxs_json_add_string(o, "component", a->component);
	err |= sxs_json_add_string(o, "winners_key", a->winners_key);
	err |= sxs_json_add_string(o, "reason", a->reason);
	switch (a->kind) {
	case SXS_ACT_RESTORE_MANIFEST: {
		char hex[65];
		sxs_hex_encode(a->manifest_sha256, 32, hex);
		err |= sxs_json_add_string(o, "manifest_sha256", hex);
		err |= sxs_json_add(o, "manifest_exists", json_object_new_boolean(a->manifest_exists));
		break;
	}
	case SXS_ACT_REPLACE_FOLDER: {
		struct json_object *files = json_object_new_array();
		err |= sxs_json_add(o, "folder_exists", json_object_new_boolean(a->folder_exists));
		for (size_t i = 0; files && i < a->nfiles; i++) {
			const struct sxs_plan_file *f = &a->files[i];
			struct json_object *fo = json_object_new_object();
			if (!fo) {
				err = -1;
				break;
			}
			err |= sxs_json_add_string(fo, "name", f->name);
			if (f->delta)
				err |= sxs_json_add(fo, "differential", json_object_new_boolean(true));
			else if (!f->keep) {
				err |= sxs_json_add_string(fo, "algorithm", sxs_digest_name(f->alg));
				err |= sxs_json_add_string(fo, "digest", f->hex);
				err |= sxs_json_add(fo, "size", json_object_new_int64((int64_t)f->size));
			}
			err |= sxs_json_add(fo, "differs", json_object_new_boolean(f->differs));
			err |= sxs_json_add(fo, "keep", json_object_new_boolean(f->keep));
			if (json_object_array_add(files, fo)) {
				json_object_put(fo);
				err = -1;
			}
		}
		err |= sxs_json_add(o, "files", files);
		break;
	}
	case SXS_ACT_CREATE_WINNERS_KEY:
	case SXS_ACT_SET_WINNER:
	case SXS_ACT_ADD_WINNERS_VERSION:
	{
		char b[SXS_VERSION_STR_MAX], w[SXS_VERSION_STR_MAX];
		err |= sxs_json_add_string(o, "band", sxs_version_format(&a->band, b));
		err |= sxs_json_add_string(o, "winner", sxs_version_format(&a->winner, w));
		err |= sxs_json_add(o, "set_default_band", json_object_new_boolean(a->set_default_band));
		err |= sxs_json_add(o, "add_versions", versions_json(a->versions, a->nversions, &err));
		err |= sxs_json_add(o, "kept_versions", versions_json(a->keep_versions, a->nkeep_versions, &err));
		break;
	}
	case SXS_ACT_RESTORE_PACKAGE: {
		char mh[65], ch[65];
		sxs_hex_encode(a->mum_sha256, 32, mh);
		sxs_hex_encode(a->cat_sha256, 32, ch);
		err |= sxs_json_add_string(o, "package", a->package);
		err |= sxs_json_add_string(o, "mum_sha256", mh);
		err |= sxs_json_add_string(o, "cat_sha256", ch);
		err |= sxs_json_add(o, "mum_exists", json_object_new_boolean(a->mum_exists));
		err |= sxs_json_add(o, "cat_exists", json_object_new_boolean(a->cat_exists));
		break;
	}
	case SXS_ACT_COUNT:
		break;
	}
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *diff_json(const struct sxs_diff *d)
{
	struct json_object *o = json_object_new_object();
	int err = 0;
	if (!o)
		return NULL;
	err |= sxs_json_add_string(o, "kind", sxs_diff_kind_name(d->kind));
	err |= sxs_json_add_string(o, "severity", sev_name(d->severity));
	err |= sxs_json_add_string(o, "component", d->component);
	err |= sxs_json_add_string(o, "file", d->file);
	err |= sxs_json_add_string(o, "winners_key", d->winners_key);
	err |= sxs_json_add_string(o, "message", d->message);
	err |= sxs_json_add_string(o, "here", d->here);
	err |= sxs_json_add_string(o, "golden", d->golden);
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *unfixable_json(const struct sxs_unfixable *u)
{
	struct json_object *o = json_object_new_object();
	int err = 0;
	if (!o)
		return NULL;
	err |= sxs_json_add_string(o, "component", u->component);
	err |= sxs_json_add_string(o, "winners_key", u->winners_key);
	err |= sxs_json_add_string(o, "package", u->package);
	err |= sxs_json_add_string(o, "needed", u->needed);
	err |= sxs_json_add_string(o, "reason", u->reason);
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int add_all(struct json_object *arr, struct json_object *o)
{
	if (!o || json_object_array_add(arr, o)) {
		json_object_put(o);
		return -1;
	}
	return 0;
}

int sxs_report_compare_json(struct sxs_strbuf *out, const struct sxs_comparison *c)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *image = json_object_new_object();
	struct json_object *golden = json_object_new_object();
	struct json_object *warnings = json_object_new_array();
	struct json_object *diffs = json_object_new_array();
	struct json_object *plan = json_object_new_array();
	struct json_object *unfix = json_object_new_array();
	struct json_object *summary = json_object_new_object();
	size_t sev[3] = {0};
	int err = 0;

	if (!doc || !image || !golden || !warnings || !diffs || !plan || !unfix || !summary) {
		json_object_put(image);
		json_object_put(golden);
		json_object_put(warnings);
		json_object_put(diffs);
		json_object_put(plan);
		json_object_put(unfix);
		json_object_put(summary);
		err = -1;
		goto out;
	}
	err |= sxs_json_add_string(image, "path", c->image);
	err |= sxs_json_add_string(image, "build", c->image_build);
	err |= sxs_json_add_string(image, "product", c->image_product);
	err |= sxs_json_add_string(golden, "source", c->golden);
	err |= sxs_json_add_string(golden, "kind", c->golden_is_reference ? "reference" : "image");
	err |= sxs_json_add_string(golden, "captured_from", c->golden_label);
	err |= sxs_json_add_string(golden, "build", c->golden_build);
	err |= sxs_json_add_string(golden, "product", c->golden_product);
	if (c->build_mismatch)
		err |= add_all(warnings, sxs_json_string("the two sides run different builds; use a golden PC at exactly the same build"));
	else if (c->build_unknown)
		err |= add_all(warnings, sxs_json_string("a build could not be read; check by hand that both sides run the same build"));
	for (size_t i = 0; i < c->ndiffs; i++) {
		sev[c->diffs[i].severity]++;
		err |= add_all(diffs, diff_json(&c->diffs[i]));
	}
	for (size_t i = 0; i < c->nactions; i++)
		err |= add_all(plan, action_json(i + 1, &c->actions[i]));
	for (size_t i = 0; i < c->nunfixable; i++)
		err |= add_all(unfix, unfixable_json(&c->unfixable[i]));
	err |= sxs_json_add(summary, "differences", json_object_new_int64((int64_t)c->ndiffs));
	err |= sxs_json_add(summary, "errors", json_object_new_int64((int64_t)sev[SXS_SEV_ERROR]));
	err |= sxs_json_add(summary, "warnings", json_object_new_int64((int64_t)sev[SXS_SEV_WARNING]));
	err |= sxs_json_add(summary, "info", json_object_new_int64((int64_t)sev[SXS_SEV_INFO]));
	err |= sxs_json_add(summary, "plan_steps", json_object_new_int64((int64_t)c->nactions));
	err |= sxs_json_add(summary, "unfixable", json_object_new_int64((int64_t)c->nunfixable));

	err |= sxs_json_add(doc, "image", image);
	err |= sxs_json_add(doc, "golden", golden);
	err |= sxs_json_add(doc, "build_mismatch", json_object_new_boolean(c->build_mismatch));
	err |= sxs_json_add(doc, "build_unknown", json_object_new_boolean(c->build_unknown));
	err |= sxs_json_add(doc, "warnings", warnings);
	err |= sxs_json_add(doc, "differences", diffs);
	err |= sxs_json_add(doc, "plan", plan);
	err |= sxs_json_add(doc, "unfixable", unfix);
	err |= sxs_json_add(doc, "summary", summary);
	if (!err)
		err = sxs_json_finish(out, doc);
out:
	json_object_put(doc);
	return err ? -SXS_ENOMEM : 0;
}
