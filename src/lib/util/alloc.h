/* SPDX-License-Identifier: MIT */
#ifndef SXS_UTIL_ALLOC_H
#define SXS_UTIL_ALLOC_H

#include <stddef.h>

/*
 * Every allocation in the library goes through these, so tests can make
 * the n-th allocation fail (fault injection) and check that each failure
 * ends in a clean -SXS_ENOMEM.
 */
void *sxs_malloc(size_t size);
void *sxs_calloc(size_t nmemb, size_t size);
void *sxs_realloc(void *ptr, size_t size);
/* realloc of nmemb * size with overflow check */
void *sxs_reallocarray(void *ptr, size_t nmemb, size_t size);
void sxs_free(void *ptr);
char *sxs_strdup(const char *s);
char *sxs_strndup(const char *s, size_t n);
/* Free the n strings of v, then v (NULL with n = 0 is fine). */
void sxs_strv_free(char **v, size_t n);

/*
 * Testing hook: fail the allocation that comes after `n` more successful
 * ones (n = 0: the next one fails); n < 0 disables.  Returns the number of
 * allocations made since the last call.
 */
long sxs_alloc_fail_after(long n);

#endif
