/* SPDX-License-Identifier: MIT */
#include "util/version.h"

#include <stdio.h>
#include <string.h>

#include "util/status.h"

int sxs_version_parse_parts(const char *s, size_t len, unsigned nparts, struct sxs_version *ret)
{
	struct sxs_version v = {{0}, 0};
	size_t i = 0;

	if (!s || nparts < 1 || nparts > SXS_VERSION_MAX_PARTS)
		return -SXS_EFORMAT;
	for (unsigned p = 0; p < nparts; p++) {
		if (p) {
			if (i >= len || s[i] != '.')
				return -SXS_EFORMAT;
			i++;
		}
		size_t start = i;
		uint32_t n = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			n = n * 10 + (uint32_t)(s[i] - '0');
			if (n > UINT16_MAX)
				return -SXS_EFORMAT;
			i++;
		}
		/* one to five digits, and "0" is the only part that starts with 0 */
		if (i == start || (s[start] == '0' && i - start > 1))
			return -SXS_EFORMAT;
		v.part[p] = (uint16_t)n;
	}
	if (i != len)
		return -SXS_EFORMAT;
	v.nparts = (uint8_t)nparts;
	*ret = v;
	return 0;
}

int sxs_version_parse(const char *s, struct sxs_version *ret)
{
	return s ? sxs_version_parse_parts(s, strlen(s), 4, ret) : -SXS_EFORMAT;
}

int sxs_band_parse(const char *s, struct sxs_version *ret)
{
	return s ? sxs_version_parse_parts(s, strlen(s), 2, ret) : -SXS_EFORMAT;
}

bool sxs_version_valid(const char *s)
{
	struct sxs_version v;
	return sxs_version_parse(s, &v) == 0;
}

bool sxs_band_valid(const char *s)
{
	struct sxs_version v;
	return sxs_band_parse(s, &v) == 0;
}

int sxs_version_cmp(const struct sxs_version *a, const struct sxs_version *b)
{
	unsigned n = a->nparts < b->nparts ? a->nparts : b->nparts;
	for (unsigned i = 0; i < n; i++)
		if (a->part[i] != b->part[i])
			return a->part[i] < b->part[i] ? -1 : 1;
	if (a->nparts != b->nparts)
		return a->nparts < b->nparts ? -1 : 1;
	return 0;
}

struct sxs_version sxs_version_band_of(const struct sxs_version *v)
{
	struct sxs_version b = {{v->part[0], v->part[1]}, 2};
	return b;
}

bool sxs_version_in_band(const struct sxs_version *v, const struct sxs_version *b)
{
	return v->nparts >= 2 && b->nparts == 2 && v->part[0] == b->part[0] && v->part[1] == b->part[1];
}

char *sxs_version_format(const struct sxs_version *v, char buf[SXS_VERSION_STR_MAX])
{
	size_t off = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < v->nparts && i < SXS_VERSION_MAX_PARTS; i++) {
		int n = snprintf(buf + off, SXS_VERSION_STR_MAX - off, i ? ".%u" : "%u", (unsigned)v->part[i]);
		if (n < 0 || (size_t)n >= SXS_VERSION_STR_MAX - off)
			break; /* cannot happen: 4 parts of at most 5 digits fit */
		off += (size_t)n;
	}
	return buf;
}
