/* SPDX-License-Identifier: MIT */
#ifndef MKHIVE_SOURCE_H
#define MKHIVE_SOURCE_H

/* The mkhive text source (see README.md), parsed into keys and values. */

#include <stddef.h>
#include <stdint.h>

struct src_value {
	char *name; /* "" for the (default) value */
	uint32_t type;
	uint8_t *data;
	size_t len;
	unsigned line;
};

struct src_key {
	char *path; /* backslash separated, "" for the root key */
	unsigned line;
	struct src_value *values;
	size_t n_values;
};

struct src_file {
	struct src_key *keys;
	size_t n_keys;
};

/*
 * Parse `text` (`len` bytes, from file `filename`).  sha256-of-file paths
 * are opened relative to `base_dirfd`.  On error prints "FILE:LINE: why"
 * to stderr and returns -1.
 */
int src_parse(const char *filename, const char *text, size_t len, int base_dirfd,
              struct src_file *out);
void src_free(struct src_file *f);

#endif
