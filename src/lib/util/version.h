/* SPDX-License-Identifier: MIT */
#ifndef SXS_UTIL_VERSION_H
#define SXS_UTIL_VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A Windows assembly version as data: parsed once where it is read (the
 * registry, a reference file), compared and formatted from the parsed
 * value, never passed on as text that merely "looks like" a version.
 *
 * An assembly version is four 16-bit parts, major.minor.build.revision
 * (ASSEMBLY_VERSION; formats.md 1.3: "version four decimal parts"); a
 * SideBySide\Winners band is its first two parts, "10.0" (formats.md 5).
 * The text form is canonical: decimal digits, no sign, no leading zero
 * (except "0" itself), so sxs_version_format(sxs_version_parse(s)) == s
 * and a name the registry holds is written back byte for byte.
 */

#define SXS_VERSION_MAX_PARTS 4
/* "65535.65535.65535.65535" and its NUL */
#define SXS_VERSION_STR_MAX 24

struct sxs_version {
	uint16_t part[SXS_VERSION_MAX_PARTS];
	uint8_t nparts; /* 2 for a band, 4 for a full version */
};

/*
 * Parse exactly `nparts` (1..4) canonical decimal parts of s[0..len).
 * 0 or -SXS_EFORMAT (anything else: sign, space, empty part, leading
 * zero, a part above 65535, too few or too many parts, a NUL inside).
 * *ret is written only on success.
 */
int sxs_version_parse_parts(const char *s, size_t len, unsigned nparts, struct sxs_version *ret);
/* A full version "a.b.c.d" (NUL-terminated s; NULL is -SXS_EFORMAT). */
int sxs_version_parse(const char *s, struct sxs_version *ret);
/* A band "a.b" (NUL-terminated s; NULL is -SXS_EFORMAT). */
int sxs_band_parse(const char *s, struct sxs_version *ret);

/* True when s is a canonical full version (resp. band). */
bool sxs_version_valid(const char *s);
bool sxs_band_valid(const char *s);

/*
 * Order by parts, numerically; a version with fewer parts sorts before a
 * longer one with the same leading parts ("10.0" < "10.0.0.0").
 * -1, 0 or 1.
 */
int sxs_version_cmp(const struct sxs_version *a, const struct sxs_version *b);

/* The band (first two parts) of v; v must have at least two parts. */
struct sxs_version sxs_version_band_of(const struct sxs_version *v);
/* v (4 parts) is in band b (2 parts). */
bool sxs_version_in_band(const struct sxs_version *v, const struct sxs_version *b);

/* Canonical text into buf (SXS_VERSION_STR_MAX bytes); returns buf. */
char *sxs_version_format(const struct sxs_version *v, char buf[SXS_VERSION_STR_MAX]);

#endif
