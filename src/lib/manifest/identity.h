/* SPDX-License-Identifier: MIT */
#ifndef SXS_MANIFEST_IDENTITY_H
#define SXS_MANIFEST_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"
#include "util/strbuf.h"

/*
 * A component identity (the <assemblyIdentity> of a manifest), and the
 * names Windows derives from it: key forms (formats.md §1.3, §1.4), the
 * canonical appid string (§6.2) and f! value names (§6.3).
 *
 * All strings are UTF-8 and owned by the struct (sxs_malloc'd); NULL or ""
 * means the attribute is absent.
 */
struct sxs_identity {
	char *name;
	char *culture;          /* XML attribute "language"; NULL, "" or "neutral" = neutral */
	char *type;
	char *version;
	char *public_key_token;
	char *arch;             /* processorArchitecture */
	char *version_scope;
	char *build_type;       /* kept for display; never hashed nor in the appid */
};

/* Free the strings and zero the struct.  NULL is a no-op. */
void sxs_identity_release(struct sxs_identity *id);

/* Deep copy src into *ret (which is overwritten, not released). */
int sxs_identity_copy(struct sxs_identity *ret, const struct sxs_identity *src);

/* True when the culture is absent, "", "neutral" or "none" (any case). */
bool sxs_identity_culture_is_neutral(const struct sxs_identity *id);

/*
 * The string hash H(s) of formats.md §1.4: s is decoded from UTF-8 to
 * UTF-16, each code unit is lower-cased (ASCII, Latin-1, Latin Extended-A,
 * basic Greek and Cyrillic) and fed to four 65599-multiplier lanes which
 * are combined with powers of P = 0x1FFFFFFF7.  Each byte of an invalid
 * UTF-8 sequence counts as one U+FFFD code unit.
 */
uint64_t sxs_keyform_hash_string(const char *utf8, size_t len);

/*
 * The pseudo-key K(identity) (the last 16 hex digits of a key form).
 * winners: leave the version out (the version-less Winners form).
 */
uint64_t sxs_identity_pseudokey(const struct sxs_identity *id, bool winners);

enum sxs_keyform_kind {
	SXS_KEYFORM_FULL,    /* arch_name(40)_pkt_version_culture(8)_hash */
	SXS_KEYFORM_WINNERS, /* arch_name(40)_pkt_culture(8)_hash, hash without version */
	SXS_KEYFORM_SHORT,   /* name(24)_pkt_version_hash (deployments, c! values) */
};

#define SXS_KEYFORM_NAME_MAX 40
#define SXS_KEYFORM_CULTURE_MAX 8
#define SXS_KEYFORM_SHORT_NAME_MAX 24
#define SXS_KEYFORM_ARCH_MAX 16
#define SXS_KEYFORM_VERSION_MAX 23 /* 4 x 5 digits + 3 dots */

/*
 * Append the key form of id to out (lower case).  Requires name and arch,
 * and version unless kind is SXS_KEYFORM_WINNERS; an absent public key
 * token is written as "none" (an assumption: no real example is known).
 * Returns 0, -SXS_EFORMAT (a required attribute is missing), -SXS_EINVAL
 * or -SXS_ENOMEM; on error out is left as it was.
 */
int sxs_identity_keyform(const struct sxs_identity *id, enum sxs_keyform_kind kind,
                         struct sxs_strbuf *out);

/*
 * Append one key-form field: lower-cased, reduced to [a-z0-9._-] (other
 * characters are dropped), and when longer than limit shortened to its
 * first limit/2-1 and last limit/2-1 characters joined by "..".
 * limit 0 = no shortening.
 */
void sxs_keyform_field(const char *s, size_t limit, struct sxs_strbuf *out);

/*
 * Append the canonical appid string as COMPONENTS stores it (§6.2):
 *   "Name, Culture=neutral, [Type=t, ]Version=v, PublicKeyToken=p,
 *    ProcessorArchitecture=a[, versionScope=NonSxS]"
 * An absent culture becomes "neutral", a "nonSxS" scope (any case) is
 * written "NonSxS", buildType is never written.  An absent public key token
 * leaves the PublicKeyToken field out (an assumption).  -SXS_EFORMAT when
 * name, version or arch is missing or a value contains ',', '=' or a
 * control character; on error out is left as it was.
 */
int sxs_identity_canonical(const struct sxs_identity *id, struct sxs_strbuf *out);

#define SXS_MAX_IDENTITY_STRING 4096

/*
 * Parse an appid string (not necessarily NUL-terminated) back into *ret:
 * the name first, then Attr=value pairs in any order, attribute names in
 * any case ("Language" is accepted for Culture, "BuildType" is kept),
 * spaces around names and values ignored.  Name, Version and
 * ProcessorArchitecture are required.  Values are kept as written
 * (Culture=neutral stays "neutral").  -SXS_EFORMAT with a diag for
 * anything else (unknown or repeated attributes, empty fields, control
 * characters); -SXS_ELIMIT above SXS_MAX_IDENTITY_STRING bytes.
 */
int sxs_identity_parse(const char *s, size_t len, struct sxs_identity *ret,
                       struct sxs_diag *diag);

/* A key form split into its fields (all lower-cased copies). */
struct sxs_keyform_parts {
	enum sxs_keyform_kind kind;
	char arch[SXS_KEYFORM_ARCH_MAX + 1];        /* "" in the short form */
	char name[SXS_KEYFORM_NAME_MAX + 1];        /* possibly shortened with ".." */
	char pkt[17];                               /* 16 hex digits or "none" */
	char version[SXS_KEYFORM_VERSION_MAX + 1];  /* "" in the Winners form */
	char culture[SXS_KEYFORM_CULTURE_MAX + 1];  /* "none" = neutral; "" in the short form */
	uint64_t hash;
};

/*
 * Split a key form of any kind and validate its shape: arch [a-z0-9] of at
 * most 16, name of 1..40 (24 in the short form), pkt 16 hex digits or
 * "none", version four decimal parts of 1..5 digits, culture of 1..8
 * characters, hash 16 hex digits; letters in either case.  The kind is
 * told apart by which fields look like a version.  0 or -SXS_EFORMAT.
 */
int sxs_keyform_split(const char *kf, struct sxs_keyform_parts *ret);

#define SXS_FILE_VALUE_NAME_MAX 25

/*
 * Append the f! value name of a payload file (§6.3): "f!" + the lower-cased
 * name when it has at most 25 UTF-16 code units and no '_'; otherwise "f!"
 * + its first 25 lower-cased code units + '_' + 16 hex digits of H(name).
 * A surrogate pair cut by the limit leaves U+FFFD.  -SXS_EINVAL for an
 * empty name, -SXS_ENOMEM; on error out is left as it was.
 */
int sxs_file_value_name(const char *file_name, struct sxs_strbuf *out);

/*
 * Compare dotted versions numerically, part by part (missing parts are 0):
 * -1, 0 or 1.  Parts that are not plain numbers compare by their leading
 * digits and then bytewise, so the order is total and deterministic.
 */
int sxs_version_compare(const char *a, const char *b);

/*
 * Write the band "a.b" of version "a.b.c.d" into buf (NUL-terminated).
 * -SXS_EFORMAT unless the version starts with two decimal parts,
 * -SXS_ELIMIT when buf is too small.
 */
int sxs_version_band(const char *v, char *buf, size_t bufsz);

#endif
