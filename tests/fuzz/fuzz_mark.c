/* SPDX-License-Identifier: MIT */
/*
 * Deployment marks (store/deploy.c, packages.md §5.2).  The input is a
 * NUL-terminated value name followed by the value's data.  Properties:
 *   - sxs_mark_parse either refuses the name (not p!/s!/i!) or returns a
 *     mark whose kind is the name's first letter, lower-cased;
 *   - data_ok implies a string that splits into a package identity and an
 *     update name, and whose recomputed name is the mark's name when name_ok
 *     and the string is longer than 60 characters;
 *   - a mark built from its own string (sxs_mark_name + the data layout)
 *     parses back with data_ok and name_ok (round trip);
 *   - sxs_mark_split never returns empty parts.
 */
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "store/deploy.h"
#include "util/alloc.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	char *name = fuzz_string(&in);
	size_t len;
	uint8_t *value = fuzz_take(&in, in.left, &len);
	struct sxs_mark mk;
	int err = sxs_mark_parse(name, value, len, &mk);
	char k = (char)(name[0] >= 'A' && name[0] <= 'Z' ? name[0] + 32 : name[0]);
	if (err == -SXS_EINVAL) {
		FUZZ_CHECK(!((k == 'p' || k == 's' || k == 'i') && name[1] == '!'), "mark refused: %s",
		           name);
	} else {
		FUZZ_CHECK(err == 0, "sxs_mark_parse: %d", err);
		FUZZ_CHECK(mk.kind == k, "kind %c for %s", mk.kind, name);
		if (mk.data_ok)
			FUZZ_CHECK(mk.data && mk.package && mk.update && *mk.package && *mk.update,
			           "data_ok without parts");
		if (!mk.data_ok || !mk.name_ok)
			FUZZ_CHECK(mk.problem != NULL, "no problem recorded");
		if (mk.name_ok && mk.data && strlen(mk.data) > 60) {
			struct sxs_strbuf want = SXS_STRBUF_INIT;
			sxs_mark_name(k, mk.data, strlen(mk.data), &want);
			FUZZ_CHECK(!strcasecmp(sxs_strbuf_str(&want), name), "name_ok but %s != %s",
			           sxs_strbuf_str(&want), name);
			sxs_strbuf_release(&want);
		}
		/* round trip from the string found */
		if (mk.data && mk.package) {
			size_t sl = strlen(mk.data);
			uint8_t *d = malloc(8 + sl + 1);
			struct sxs_strbuf nm = SXS_STRBUF_INIT;
			struct sxs_mark back;
			d[0] = (uint8_t)sl;
			d[1] = (uint8_t)(sl >> 8);
			d[2] = (uint8_t)(sl >> 16);
			d[3] = (uint8_t)(sl >> 24);
			d[4] = 1;
			d[5] = d[6] = d[7] = 0;
			memcpy(d + 8, mk.data, sl);
			d[8 + sl] = 0x32;
			sxs_mark_name('i', mk.data, sl, &nm);
			FUZZ_CHECK(sxs_mark_parse(sxs_strbuf_str(&nm), d, 9 + sl, &back) == 0, "round trip");
			FUZZ_CHECK(back.data_ok && back.name_ok, "round trip of '%s': %s", mk.data,
			           back.problem ? back.problem : "?");
			sxs_mark_release(&back);
			sxs_strbuf_release(&nm);
			free(d);
		}
		sxs_mark_release(&mk);
	}
	/* the raw value as a mark string */
	char *p = NULL, *u = NULL;
	if (sxs_mark_split((const char *)value, len, &p, &u) == 0) {
		FUZZ_CHECK(*p && *u, "empty split part");
		sxs_free(p);
		sxs_free(u);
	}
	free(value);
	free(name);
	return 0;
}
