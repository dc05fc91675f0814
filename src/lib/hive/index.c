/* SPDX-License-Identifier: MIT */
/*
 * Child lookup by name.  hivex_node_get_child() lists and names every child
 * on each call; DerivedData\Components has ~30,000 children and is asked
 * for each of them, so the first lookup under a parent builds a hash index
 * of all its children's names instead (open addressing, linear probing).
 */
#include "hive/hive_int.h"

#include <string.h>

#include "util/alloc.h"

struct index_slot {
	sxs_hnode node; /* 0: empty slot */
	size_t name_off; /* into names */
	uint32_t hash;
};

struct child_index {
	sxs_hnode parent;
	size_t mask; /* slots - 1; slots is a power of two > 2 * children */
	struct index_slot *slots;
	char *names; /* NUL-terminated names, back to back */
};

static void index_free(struct child_index *ix)
{
	if (!ix)
		return;
	sxs_free(ix->slots);
	sxs_free(ix->names);
	sxs_free(ix);
}

void sxs_hive_index_release(struct sxs_hive *h)
{
	for (size_t i = 0; i < h->indexes_cap; i++)
		index_free(h->indexes[i]);
	sxs_free(h->indexes);
	h->indexes = NULL;
	h->indexes_cap = h->n_indexes = 0;
}

size_t sxs_hive_indexed_parents(const struct sxs_hive *h)
{
	return h->n_indexes;
}

static size_t parent_slot(sxs_hnode parent, size_t mask)
{
	return (size_t)(((uint64_t)parent * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

static struct child_index *find_index(const struct sxs_hive *h, sxs_hnode parent)
{
	if (!h->indexes_cap)
		return NULL;
	size_t mask = h->indexes_cap - 1;
	for (size_t i = parent_slot(parent, mask);; i = (i + 1) & mask) {
		struct child_index *ix = h->indexes[i];
		if (!ix || ix->parent == parent)
			return ix;
	}
}

/* Keep the parent table at most half full. */
static int add_index(struct sxs_hive *h, struct child_index *ix)
{
	if (2 * (h->n_indexes + 1) > h->indexes_cap) {
		size_t cap = h->indexes_cap ? 2 * h->indexes_cap : 16;
		struct child_index **t = sxs_calloc(cap, sizeof(*t));
		if (!t)
			return -SXS_ENOMEM;
		for (size_t i = 0; i < h->indexes_cap; i++) {
			struct child_index *old = h->indexes[i];
			if (!old)
				continue;
			size_t j = parent_slot(old->parent, cap - 1);
			while (t[j])
				j = (j + 1) & (cap - 1);
			t[j] = old;
		}
		sxs_free(h->indexes);
		h->indexes = t;
		h->indexes_cap = cap;
	}
	size_t mask = h->indexes_cap - 1, j = parent_slot(ix->parent, mask);
	while (h->indexes[j])
		j = (j + 1) & mask;
	h->indexes[j] = ix;
	h->n_indexes++;
	return 0;
}

/* Slot holding `name`, or the empty slot where it would go. */
static struct index_slot *probe(const struct child_index *ix, const char *name, uint32_t hash)
{
	for (size_t i = hash & ix->mask;; i = (i + 1) & ix->mask) {
		struct index_slot *s = &ix->slots[i];
		if (s->node == 0 ||
		    (s->hash == hash && sxs_hive_name_eq(ix->names + s->name_off, name)))
			return s;
	}
}

static int build_index(struct sxs_hive *h, sxs_hnode parent, struct child_index **ret,
                       struct sxs_diag *diag)
{
	struct child_index *ix = NULL;
	sxs_hnode *kids = NULL;
	size_t n = 0, used = 0, cap = 0, slots = 16;
	char *name = NULL;
	int err = sxs_hive_get_children(h, parent, &kids, &n, diag);
	if (err < 0)
		return err;

	while (slots <= 2 * n)
		slots *= 2;
	ix = sxs_calloc(1, sizeof(*ix));
	if (!ix)
		goto nomem;
	ix->parent = parent;
	ix->mask = slots - 1;
	ix->slots = sxs_calloc(slots, sizeof(*ix->slots));
	if (!ix->slots)
		goto nomem;

	for (size_t i = 0; i < n; i++) {
		err = sxs_hive_get_name(h, kids[i], &name, diag);
		if (err < 0)
			goto out;
		size_t len = strlen(name) + 1;
		if (len > cap - used) {
			size_t want = cap ? cap : 4096;
			while (want - used < len)
				if (sxs_mul_size(want, 2, &want) < 0)
					goto nomem;
			char *grown = sxs_realloc(ix->names, want);
			if (!grown)
				goto nomem;
			ix->names = grown;
			cap = want;
		}
		memcpy(ix->names + used, name, len);
		uint32_t hash = sxs_hive_name_hash(name);
		struct index_slot *s = probe(ix, name, hash);
		if (s->node == 0) { /* a duplicate name (damaged hive): first one wins */
			s->node = kids[i];
			s->hash = hash;
			s->name_off = used;
			used += len;
		}
		sxs_free(name);
		name = NULL;
	}
	err = add_index(h, ix);
	if (err < 0)
		goto nomem;
	*ret = ix;
	ix = NULL;
	err = 0;
	goto out;
nomem:
	err = sxs_diag_set(diag, SXS_ENOMEM, "%s: out of memory", h->display);
out:
	sxs_free(name);
	sxs_free(kids);
	index_free(ix);
	return err;
}

static int child_lookup(struct sxs_hive *h, sxs_hnode parent, const char *name,
                        sxs_hnode *ret, struct sxs_diag *diag)
{
	if (!name || !name[0] || strchr(name, '\\'))
		return sxs_diag_set(diag, SXS_EINVAL, "%s: bad key name '%s'", h->display,
		                    name ? name : "(null)");
	struct child_index *ix = find_index(h, parent);
	if (!ix) {
		int err = build_index(h, parent, &ix, diag);
		if (err < 0)
			return err;
	}
	struct index_slot *s = probe(ix, name, sxs_hive_name_hash(name));
	if (s->node == 0)
		return -SXS_ENOENT;
	*ret = s->node;
	return 0;
}

int sxs_hive_child(struct sxs_hive *h, sxs_hnode parent, const char *name, sxs_hnode *ret)
{
	sxs_diag_clear(&h->err);
	return child_lookup(h, parent, name, ret, &h->err);
}

int sxs_hive_path(struct sxs_hive *h, sxs_hnode from, const char *path, sxs_hnode *ret)
{
	struct sxs_diag *diag = &h->err;
	sxs_diag_clear(diag);
	char *copy = sxs_strdup(path ? path : "");
	if (!copy)
		return sxs_diag_set(diag, SXS_ENOMEM, "%s: out of memory", h->display);

	sxs_hnode node = from;
	unsigned depth = 0;
	int err = 0;
	char *p = copy;
	while (*p) {
		size_t n = strcspn(p, "\\/");
		if (n == 0) { /* skip empty components */
			p++;
			continue;
		}
		char saved = p[n];
		p[n] = '\0';
		if (++depth > SXS_MAX_HIVE_DEPTH) {
			err = sxs_diag_set(diag, SXS_ELIMIT, "%s: key path deeper than %d levels",
			                   h->display, SXS_MAX_HIVE_DEPTH);
			break;
		}
		err = child_lookup(h, node, p, &node, diag);
		if (err < 0)
			break;
		p += n;
		if (saved)
			p++;
	}
	sxs_free(copy);
	if (err < 0)
		return err;
	*ret = node;
	return 0;
}
