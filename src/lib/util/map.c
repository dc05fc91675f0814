/* SPDX-License-Identifier: MIT */
#include "util/map.h"

#include <string.h>

#include "util/alloc.h"
#include "util/status.h"

static unsigned char fold(unsigned char c, bool fold_case)
{
	if (fold_case && c >= 'A' && c <= 'Z')
		return (unsigned char)(c + 32);
	return c;
}

static uint64_t hash_key(const char *key, size_t len, bool fold_case)
{
	/* FNV-1a, 64 bit */
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= fold((unsigned char)key[i], fold_case);
		h *= 0x100000001b3ull;
	}
	return h;
}

static bool key_eq(const struct sxs_map *m, const struct sxs_map_slot *s, uint64_t h,
                   const char *key, size_t len)
{
	if (s->hash != h || s->keylen != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (fold((unsigned char)s->key[i], m->fold_case) !=
		    fold((unsigned char)key[i], m->fold_case))
			return false;
	return true;
}

void sxs_map_init(struct sxs_map *m, bool fold_case)
{
	m->slots = NULL;
	m->cap = m->count = 0;
	m->fold_case = fold_case;
	m->borrowed = false;
}

void sxs_map_init_borrowed(struct sxs_map *m, bool fold_case)
{
	sxs_map_init(m, fold_case);
	m->borrowed = true;
}

void sxs_map_release(struct sxs_map *m)
{
	bool borrowed = m->borrowed;
	for (size_t i = 0; i < m->cap && !borrowed; i++)
		sxs_free(m->slots[i].key);
	sxs_free(m->slots);
	sxs_map_init(m, m->fold_case);
	m->borrowed = borrowed;
}

static struct sxs_map_slot *find(const struct sxs_map *m, const char *key, size_t len,
                                 uint64_t h)
{
	if (!m->cap)
		return NULL;
	size_t mask = m->cap - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct sxs_map_slot *s = &m->slots[i];
		if (!s->key || key_eq(m, s, h, key, len))
			return s;
	}
}

static int grow(struct sxs_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct sxs_map_slot *slots = sxs_calloc(cap, sizeof(*slots));
	if (!slots)
		return -SXS_ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		struct sxs_map_slot *s = &m->slots[i];
		if (!s->key)
			continue;
		size_t j = (size_t)s->hash & (cap - 1);
		while (slots[j].key)
			j = (j + 1) & (cap - 1);
		slots[j] = *s;
	}
	sxs_free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

int sxs_map_put(struct sxs_map *m, const char *key, size_t keylen, void *value)
{
	uint64_t h = hash_key(key, keylen, m->fold_case);
	if ((m->count + 1) * 4 > m->cap * 3) {
		int err = grow(m);
		if (err)
			return err;
	}
	struct sxs_map_slot *s = find(m, key, keylen, h);
	if (s->key) {
		s->value = value;
		return 0;
	}
	s->key = m->borrowed ? (char *)key : sxs_strndup(key, keylen);
	if (!s->key)
		return -SXS_ENOMEM;
	s->keylen = keylen;
	s->hash = h;
	s->value = value;
	m->count++;
	return 0;
}

void *sxs_map_get(const struct sxs_map *m, const char *key, size_t keylen)
{
	struct sxs_map_slot *s = find(m, key, keylen, hash_key(key, keylen, m->fold_case));
	return s && s->key ? s->value : NULL;
}

bool sxs_map_has(const struct sxs_map *m, const char *key, size_t keylen)
{
	struct sxs_map_slot *s = find(m, key, keylen, hash_key(key, keylen, m->fold_case));
	return s && s->key;
}

bool sxs_map_next(const struct sxs_map *m, size_t *iter, const struct sxs_map_slot **slot_ret)
{
	while (*iter < m->cap) {
		const struct sxs_map_slot *s = &m->slots[(*iter)++];
		if (s->key) {
			*slot_ret = s;
			return true;
		}
	}
	return false;
}
