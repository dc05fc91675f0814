/* SPDX-License-Identifier: MIT */
#ifndef SXS_TESTS_PA30_FILEBUF_H
#define SXS_TESTS_PA30_FILEBUF_H

/* Whole-file helpers for the test tools (not library code). */

#include <stddef.h>
#include <stdint.h>

/* Read a whole file (at most 1 GiB) into an sxs_malloc'd buffer; 0 or -errno. */
int pa30t_read_file(const char *path, uint8_t **data_ret, size_t *len_ret);
/* Write len bytes to path (created or truncated); 0 or -errno. */
int pa30t_write_file(const char *path, const uint8_t *data, size_t len);

#endif
