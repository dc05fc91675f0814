/* SPDX-License-Identifier: MIT */
#ifndef SXS_UTIL_MAP_H
#define SXS_UTIL_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * String-keyed hash map (open addressing, linear probing).  Keys are
 * copied, or with sxs_map_init_borrowed only pointed at (the caller keeps
 * them alive and unchanged while they are in the map); with `fold_case`
 * they compare ASCII-case-insensitively, the way
 * Windows compares file and key names.  Values are opaque pointers owned
 * by the caller.
 */
struct sxs_map_slot {
	char *key;
	size_t keylen;
	uint64_t hash;
	void *value;
};

struct sxs_map {
	struct sxs_map_slot *slots;
	size_t cap;   /* power of two, or 0 */
	size_t count;
	bool fold_case;
	bool borrowed; /* keys are the caller's */
};

void sxs_map_init(struct sxs_map *m, bool fold_case);
void sxs_map_init_borrowed(struct sxs_map *m, bool fold_case);
void sxs_map_release(struct sxs_map *m);
/* Insert or replace; 0 or -SXS_ENOMEM.  *old_ret (may be NULL) gets a replaced value. */
int sxs_map_put(struct sxs_map *m, const char *key, size_t keylen, void *value);
/* NULL when absent. */
void *sxs_map_get(const struct sxs_map *m, const char *key, size_t keylen);
bool sxs_map_has(const struct sxs_map *m, const char *key, size_t keylen);

/* Iterate: for (size_t i = 0; sxs_map_next(m, &i, &slot);) */
bool sxs_map_next(const struct sxs_map *m, size_t *iter, const struct sxs_map_slot **slot_ret);

#endif
