/* SPDX-License-Identifier: MIT */
/*
 * Identity strings and key forms.  The input is parsed as an appid string
 * (sxs_identity_parse) and, NUL-terminated, as a key form
 * (sxs_keyform_split); its NUL-separated parts feed the version helpers.
 * Properties:
 *   - a parsed identity that has a canonical string re-parses, and the
 *     re-parsed identity has the same canonical string and the same key
 *     forms (full, Winners, short) and pseudo-keys (round trip);
 *   - the last field of every key form is the pseudo-key in 16 hex digits,
 *     and a key form of a plainly spelled identity splits back into the
 *     kind it was made as;
 *   - sxs_version_compare is antisymmetric and reflexive;
 *   - f! value names start with "f!" and stay within 2 + 25*4 + 17 bytes.
 */
#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "manifest/identity.h"
#include "util/alloc.h"
#include "util/strbuf.h"

static bool plain(const char *s, const char *extra, size_t min, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c && strchr(extra, c))))
			return false;
	}
	return true;
}

static bool plain_version(const char *v)
{
	int parts = 0, digits = 0;
	for (const char *p = v; ; p++) {
		if (*p >= '0' && *p <= '9') {
			if (++digits > 5)
				return false;
		} else if (*p == '.' || *p == '\0') {
			if (!digits)
				return false;
			parts++;
			digits = 0;
			if (!*p)
				break;
		} else {
			return false;
		}
	}
	return parts == 4;
}

static bool is_hex16(const char *s)
{
	if (strlen(s) != 16)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789abcdefABCDEF", *s))
			return false;
	return true;
}

/* Key form of id, or NULL when it has none; checks the hash field. */
static char *keyform(const struct sxs_identity *id, enum sxs_keyform_kind kind, bool plain_id)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	int err = sxs_identity_keyform(id, kind, &sb);
	if (err) {
		FUZZ_CHECK(err == -SXS_EFORMAT || err == -SXS_ENOMEM, "keyform: %d", err);
		FUZZ_CHECK(sb.len == 0, "keyform left output behind on error");
		sxs_strbuf_release(&sb);
		return NULL;
	}
	char *kf = sxs_strbuf_detach(&sb, NULL);
	FUZZ_CHECK(kf != NULL, "detach");
	uint64_t k = sxs_identity_pseudokey(id, kind == SXS_KEYFORM_WINNERS);
	char want[24];
	snprintf(want, sizeof(want), "_%016" PRIx64, k);
	size_t n = strlen(kf);
	FUZZ_CHECK(n > 17 && !strcmp(kf + n - 17, want), "key form '%s' does not end in %s", kf, want);
	struct sxs_keyform_parts parts;
	int serr = sxs_keyform_split(kf, &parts);
	if (!serr)
		FUZZ_CHECK(parts.hash == k, "split hash %016" PRIx64 " != %016" PRIx64, parts.hash, k);
	if (plain_id) {
		FUZZ_CHECK(serr == 0, "key form '%s' of a plain identity does not split", kf);
		FUZZ_CHECK(parts.kind == kind, "key form '%s' made as kind %d splits as %d", kf,
		           (int)kind, (int)parts.kind);
	}
	return kf;
}

static void identity_props(const struct sxs_identity *id)
{
	bool is_plain = plain(id->name, ".-", 1, 200) && plain(id->arch, "", 1, 16) &&
	                plain_version(id->version) &&
	                (!id->public_key_token || !*id->public_key_token ||
	                 is_hex16(id->public_key_token) || !strcmp(id->public_key_token, "none")) &&
	                (sxs_identity_culture_is_neutral(id) || plain(id->culture, "-", 1, 85));
	char *kf[3];
	for (int k = 0; k < 3; k++)
		kf[k] = keyform(id, (enum sxs_keyform_kind)k, is_plain);

	struct sxs_strbuf canon = SXS_STRBUF_INIT;
	int err = sxs_identity_canonical(id, &canon);
	if (!err) {
		struct sxs_identity id2 = {0};
		struct sxs_diag diag = {{0}};
		int perr = sxs_identity_parse(canon.buf, canon.len, &id2, &diag);
		FUZZ_CHECK(perr == 0 || perr == -SXS_ELIMIT, "canonical '%s' does not re-parse: %s",
		           sxs_strbuf_str(&canon), diag.msg);
		if (!perr) {
			struct sxs_strbuf canon2 = SXS_STRBUF_INIT;
			FUZZ_CHECK(sxs_identity_canonical(&id2, &canon2) == 0, "re-parsed has no canonical");
			FUZZ_CHECK(!strcmp(sxs_strbuf_str(&canon), sxs_strbuf_str(&canon2)),
			           "canonical not stable: '%s' -> '%s'", sxs_strbuf_str(&canon),
			           sxs_strbuf_str(&canon2));
			sxs_strbuf_release(&canon2);
			for (int k = 0; k < 3; k++) {
				char *kf2 = keyform(&id2, (enum sxs_keyform_kind)k, is_plain);
				FUZZ_CHECK((!kf[k] && !kf2) || (kf[k] && kf2 && !strcmp(kf[k], kf2)),
				           "key form %d changed by the canonical round trip: '%s' -> '%s'", k,
				           kf[k] ? kf[k] : "(none)", kf2 ? kf2 : "(none)");
				sxs_free(kf2);
			}
			FUZZ_CHECK(sxs_identity_pseudokey(id, false) == sxs_identity_pseudokey(&id2, false),
			           "pseudo-key changed by the round trip");
		}
		sxs_identity_release(&id2);
	} else {
		FUZZ_CHECK(err == -SXS_EFORMAT, "canonical: %d", err);
		FUZZ_CHECK(canon.len == 0, "canonical left output behind on error");
	}
	sxs_strbuf_release(&canon);

	struct sxs_identity copy;
	if (sxs_identity_copy(&copy, id) == 0) {
		FUZZ_CHECK(sxs_identity_pseudokey(&copy, false) == sxs_identity_pseudokey(id, false),
		           "copy hashes differently");
		sxs_identity_release(&copy);
	}
	for (int k = 0; k < 3; k++)
		sxs_free(kf[k]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sxs_identity id = {0};
	struct sxs_diag diag = {{0}};
	int err = sxs_identity_parse((const char *)data, size, &id, &diag);
	FUZZ_CHECK(err <= 0 && err > -SXS_E_COUNT, "parse returned %d", err);
	if (!err) {
		FUZZ_CHECK(id.name && *id.name && id.version && *id.version && id.arch && *id.arch,
		           "parsed without a required attribute");
		identity_props(&id);
		sxs_identity_release(&id);
	} else {
		FUZZ_CHECK(diag.msg[0] || err == -SXS_ENOMEM || err == -SXS_ELIMIT, "no diag for %d", err);
	}

	/* the whole input, NUL-terminated, as a key form */
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	struct sxs_keyform_parts parts;
	if (sxs_keyform_split(s, &parts) == 0) {
		FUZZ_CHECK(parts.kind == SXS_KEYFORM_FULL || parts.kind == SXS_KEYFORM_WINNERS ||
		           parts.kind == SXS_KEYFORM_SHORT, "kind %d", (int)parts.kind);
		FUZZ_CHECK(strlen(parts.name) >= 1, "empty name from split");
	}
	free(s);

	/* NUL-separated parts: versions and a payload name */
	struct fuzz_input in = {data, size};
	char *a = fuzz_string(&in), *b = fuzz_string(&in);
	int ab = sxs_version_compare(a, b), ba = sxs_version_compare(b, a);
	FUZZ_CHECK(ab == -ba && ab >= -1 && ab <= 1, "compare('%s','%s')=%d but reverse=%d", a, b,
	           ab, ba);
	FUZZ_CHECK(sxs_version_compare(a, a) == 0, "compare('%s', itself) != 0", a);
	char band[16];
	(void)sxs_version_band(a, band, sizeof(band));
	struct sxs_strbuf fv = SXS_STRBUF_INIT;
	err = sxs_file_value_name(b, &fv);
	if (!err) {
		FUZZ_CHECK(!strncmp(sxs_strbuf_str(&fv), "f!", 2), "f! name '%s'", sxs_strbuf_str(&fv));
		FUZZ_CHECK(fv.len <= 2 + 25 * 4 + 17, "f! name of %zu bytes", fv.len);
	} else {
		FUZZ_CHECK(*b == '\0' && err == -SXS_EINVAL, "f! name of '%s': %d", b, err);
	}
	sxs_strbuf_release(&fv);
	(void)sxs_keyform_hash_string(a, strlen(a));
	free(a);
	free(b);
	return 0;
}
