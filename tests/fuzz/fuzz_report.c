/* SPDX-License-Identifier: MIT */
/*
 * Text and JSON scan reports on arbitrary names.  The input is carved into
 * NUL-separated strings that become the image name, build, product, base
 * manifest source and the findings' component, file, message, expected,
 * actual, winners key and versions (kinds from the input too).  Properties:
 *   - the JSON report parses with json-c's strict parser; it has exactly
 *     one finding object per finding, with the right id, and every string
 *     that was valid UTF-8 comes back unchanged;
 *   - the text report is valid UTF-8 with no control characters but '\n'
 *     (no C0, DEL or C1 controls, no line separators or bidi overrides: a
 *     name cannot move the cursor, start a line or read as another name), and after the header each finding is exactly one line
 *     starting with its severity and id (identity-mismatch: plus its two
 *     "manifest:"/"COMPONENTS:" lines).
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>

#include "check/findings.h"
#include "fuzz.h"
#include "report/report.h"
#include "store/model.h"
#include "util/alloc.h"
#include "util/utf8.h"

#define MAX_FINDINGS 16

static char *take_str(struct fuzz_input *in)
{
	char *s = fuzz_string(in);
	char *d = sxs_strdup(s);
	free(s);
	if (!d)
		abort();
	return d;
}

/* NULL sometimes, so optional fields are exercised */
static char *opt_str(struct fuzz_input *in, uint8_t sel, int bit)
{
	return (sel >> bit) & 1 ? take_str(in) : NULL;
}

static void check_json_string(struct json_object *obj, const char *key, const char *want)
{
	struct json_object *v = NULL;
	if (!want) {
		FUZZ_CHECK(!json_object_object_get_ex(obj, key, &v), "\"%s\" present for NULL", key);
		return;
	}
	FUZZ_CHECK(json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_string),
	           "\"%s\" missing", key);
	if (sxs_utf8_valid(want, strlen(want)))
		FUZZ_CHECK(!strcmp(json_object_get_string(v), want), "\"%s\" changed: '%s' -> '%s'",
		           key, want, json_object_get_string(v));
}

static void check_json(const char *doc, size_t len, const struct sxs_model *m,
                       const struct sxs_findings *f)
{
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *root = json_tokener_parse_ex(tok, doc, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	FUZZ_CHECK(root && jerr == json_tokener_success, "invalid JSON: %s",
	           json_tokener_error_desc(jerr));
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
		FUZZ_CHECK(doc[i] == '\n' || doc[i] == ' ', "trailing bytes after the JSON document");
	FUZZ_CHECK(doc[len - 1] == '\n', "no final newline");
	json_tokener_free(tok);

	check_json_string(root, "image", m->image);
	check_json_string(root, "build", m->build);
	check_json_string(root, "product", m->product);
	struct json_object *arr = NULL;
	FUZZ_CHECK(json_object_object_get_ex(root, "findings", &arr) &&
	           json_object_is_type(arr, json_type_array), "no findings array");
	FUZZ_CHECK(json_object_array_length(arr) == f->n, "%zu findings in JSON, %zu made",
	           json_object_array_length(arr), f->n);
	for (size_t i = 0; i < f->n; i++) {
		const struct sxs_finding *fd = &f->v[i];
		struct json_object *o = json_object_array_get_idx(arr, i);
		check_json_string(o, "id", sxs_finding_info(fd->kind)->id);
		check_json_string(o, "message", fd->message);
		check_json_string(o, "component", fd->component);
		check_json_string(o, "file", fd->file);
		check_json_string(o, "expected", fd->expected);
		check_json_string(o, "actual", fd->actual);
		check_json_string(o, "winners_key", fd->winners_key);
		if (fd->nversions) {
			struct json_object *va = NULL;
			FUZZ_CHECK(json_object_object_get_ex(o, "versions", &va) &&
			           json_object_array_length(va) == fd->nversions, "versions");
		}
	}
	json_object_put(root);
}

static void check_text(const char *t, size_t len, const struct sxs_findings *f)
{
	FUZZ_CHECK(strlen(t) == len, "NUL in the text report");
	FUZZ_CHECK(sxs_utf8_valid(t, len), "text report is not valid UTF-8");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];
		FUZZ_CHECK(c == '\n' || (c >= 0x20 && c != 0x7f), "control byte 0x%02x at %zu", c, i);
		/* C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8 */
		FUZZ_CHECK(!(c == 0xc2 && i + 1 < len && (unsigned char)t[i + 1] >= 0x80 &&
		             (unsigned char)t[i + 1] <= 0x9f),
		           "C1 control U+%04X at %zu", (unsigned char)t[i + 1], i);
		/* line separators and bidi controls: U+2028..U+202E, U+2066..U+2069 */
		if (c == 0xe2 && i + 2 < len) {
			unsigned char c1 = (unsigned char)t[i + 1], c2 = (unsigned char)t[i + 2];
			FUZZ_CHECK(!(c1 == 0x80 && c2 >= 0xa8 && c2 <= 0xae) &&
			           !(c1 == 0x81 && c2 >= 0xa6 && c2 <= 0xa9),
			           "line separator or bidi control e2 %02x %02x at %zu", c1, c2, i);
		}
	}
	/* the findings start after the first empty line */
	const char *p = strstr(t, "\n\n");
	FUZZ_CHECK(p != NULL, "no blank line after the header");
	p += 2;
	for (size_t i = 0; i < f->n; i++) {
		const struct sxs_finding_info *info = sxs_finding_info(f->v[i].kind);
		char prefix[64];
		snprintf(prefix, sizeof(prefix), "%-7s %-24s ", sxs_severity_name(f->v[i].severity), info->id);
		FUZZ_CHECK(!strncmp(p, prefix, strlen(prefix)), "finding %zu: line does not start with '%s'", i, prefix);
		int lines = f->v[i].kind == SXS_F_IDENTITY_MISMATCH ? 3 : 1;
		for (int l = 0; l < lines; l++) {
			if (l)
				FUZZ_CHECK(!strncmp(p, "        ", 8), "finding %zu: continuation line %d not indented", i, l);
			p = strchr(p, '\n');
			FUZZ_CHECK(p != NULL, "finding %zu: no end of line", i);
			p++;
		}
	}
	if (f->n == 0)
		FUZZ_CHECK(!strncmp(p, "No problems found.\n", 19), "no 'No problems found.'");
	else
		FUZZ_CHECK(!strncmp(p, "\nSummary:\n", 10), "extra line after the findings: '%.40s'", p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	struct sxs_model m;
	struct sxs_findings f;
	sxs_model_init(&m);
	sxs_findings_init(&f);

	uint8_t sel = fuzz_u8(&in);
	m.image = take_str(&in);
	m.build = opt_str(&in, sel, 0);
	m.product = opt_str(&in, sel, 1);
	m.base_manifest_source = opt_str(&in, sel, 2);
	m.base_manifest_known = (sel >> 3) & 1;
	m.have_components_hive = (sel >> 4) & 1;
	if ((sel >> 5) & 1) {
		/* one DCM component, so the "Compressed manifests" line is written */
		m.comps = sxs_calloc(1, sizeof(*m.comps));
		if (!m.comps)
			abort();
		m.ncomps = 1;
		m.comps[0].keyform = take_str(&in);
		m.comps[0].container = SXS_CONTAINER_DCM;
	}
	unsigned nf = fuzz_u8(&in) % (MAX_FINDINGS + 1);
	for (unsigned i = 0; i < nf && in.left; i++) {
		uint8_t k = fuzz_u8(&in), fsel = fuzz_u8(&in);
		char *comp = opt_str(&in, fsel, 0), *file = opt_str(&in, fsel, 1);
		char *msg = take_str(&in);
		struct sxs_finding *fd = sxs_findings_add(&f, (enum sxs_finding_kind)(k % SXS_F_COUNT),
		                                          comp, file, "%s", msg);
		FUZZ_CHECK(fd != NULL, "findings_add failed");
		char *s;
		if ((fsel >> 2) & 1) {
			FUZZ_CHECK(sxs_finding_set(&fd->expected, s = take_str(&in)) == 0, "set");
			sxs_free(s);
		}
		if ((fsel >> 3) & 1) {
			FUZZ_CHECK(sxs_finding_set(&fd->actual, s = take_str(&in)) == 0, "set");
			sxs_free(s);
		}
		if ((fsel >> 4) & 1) {
			FUZZ_CHECK(sxs_finding_set(&fd->winners_key, s = take_str(&in)) == 0, "set");
			sxs_free(s);
		}
		for (unsigned v = 0; v < ((fsel >> 5) & 3u); v++) {
			FUZZ_CHECK(sxs_finding_add_version(fd, s = take_str(&in)) == 0, "version");
			sxs_free(s);
		}
		sxs_free(comp);
		sxs_free(file);
		sxs_free(msg);
	}

	struct sxs_strbuf text = SXS_STRBUF_INIT, json = SXS_STRBUF_INIT;
	FUZZ_CHECK(sxs_report_scan_text(&text, &m, &f) == 0, "text report failed");
	FUZZ_CHECK(sxs_report_scan_json(&json, &m, &f) == 0, "JSON report failed");
	check_text(sxs_strbuf_str(&text), text.len, &f);
	check_json(sxs_strbuf_str(&json), json.len, &m, &f);

	sxs_strbuf_release(&text);
	sxs_strbuf_release(&json);
	sxs_findings_release(&f);
	sxs_model_release(&m);
	return 0;
}
