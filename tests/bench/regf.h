/* SPDX-License-Identifier: MIT */
#ifndef SXS_BENCH_REGF_H
#define SXS_BENCH_REGF_H

/*
 * A write-once registry hive builder for mkstore.  hivex (and so mkhive)
 * re-allocates a key's whole subkey list for every child it adds and never
 * reuses the old cell, so a COMPONENTS with 20,000 components comes out at
 * gigabytes; this writer lays every cell out once, the way a freshly
 * compacted Windows hive looks: 4 KiB bins (bigger only for bigger cells),
 * lh lists of at most 512 entries under an ri list, subkeys sorted by
 * upper-cased name, values in insertion order, one shared sk cell.
 * Names are ASCII (stored compressed); the caller guarantees uniqueness.
 * Out of memory aborts (test tool).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { REGF_SZ = 1, REGF_BINARY = 3, REGF_DWORD = 4 };

struct regf_key;

struct regf_key *regf_new_root(void);
/* Add a child (no lookup: the name must be new under parent). */
struct regf_key *regf_add(struct regf_key *parent, const char *name);
/* Walk or create "A\\B\\C" below parent (linear lookup: for few, short levels). */
struct regf_key *regf_path(struct regf_key *parent, const char *path);
void regf_value(struct regf_key *k, const char *name, uint32_t type, const void *data,
                size_t len);
void regf_value_sz(struct regf_key *k, const char *name, const char *ascii);
void regf_value_dword(struct regf_key *k, const char *name, uint32_t v);
/* Write the hive file; returns 0 or -1 with errno. Keeps the tree. */
int regf_write(struct regf_key *root, const char *path);
/* The same tree as mkhive text (tests/tools/mkhive), for cross-checks. */
void regf_dump_text(const struct regf_key *root, FILE *out);
void regf_free(struct regf_key *root);

#endif
