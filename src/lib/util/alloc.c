/* SPDX-License-Identifier: MIT */
#include "util/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_countdown = -1;
static atomic_long alloc_count;

static int should_fail(void)
{
	atomic_fetch_add(&alloc_count, 1);
	long c = atomic_load(&fail_countdown);
	if (c < 0)
		return 0;
	if (c == 0) {
		atomic_store(&fail_countdown, -1);
		return 1;
	}
	atomic_fetch_sub(&fail_countdown, 1);
	return 0;
}

long sxs_alloc_fail_after(long n)
{
	long made = atomic_exchange(&alloc_count, 0);
	atomic_store(&fail_countdown, n);
	return made;
}

void *sxs_malloc(size_t size)
{
	if (should_fail())
		return NULL;
	return malloc(size ? size : 1);
}

void *sxs_calloc(size_t nmemb, size_t size)
{
	if (should_fail())
		return NULL;
	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	return calloc(nmemb, size);
}

void *sxs_realloc(void *ptr, size_t size)
{
	if (should_fail())
		return NULL;
	return realloc(ptr, size ? size : 1);
}

void *sxs_reallocarray(void *ptr, size_t nmemb, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(nmemb, size, &total))
		return NULL;
	return sxs_realloc(ptr, total);
}

void sxs_free(void *ptr)
{
	free(ptr);
}

void sxs_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sxs_free(v[i]);
	sxs_free(v);
}

char *sxs_strndup(const char *s, size_t n)
{
	char *p = sxs_malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *sxs_strdup(const char *s)
{
	return sxs_strndup(s, strlen(s));
}
