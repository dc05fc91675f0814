/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "fuzz.h"

uint8_t *fuzz_take(struct fuzz_input *in, size_t n, size_t *len_ret)
{
	if (n > in->left)
		n = in->left;
	uint8_t *p = malloc(n ? n : 1);
	if (!p)
		abort();
	if (n)
		memcpy(p, in->p, n);
	in->p += n;
	in->left -= n;
	*len_ret = n;
	return p;
}

char *fuzz_string(struct fuzz_input *in)
{
	const uint8_t *nul = in->left ? memchr(in->p, 0, in->left) : NULL;
	size_t n = nul ? (size_t)(nul - in->p) : in->left;
	char *s = malloc(n + 1);
	if (!s)
		abort();
	if (n)
		memcpy(s, in->p, n);
	s[n] = '\0';
	in->p += n;
	in->left -= n;
	if (nul) {
		in->p++;
		in->left--;
	}
	return s;
}
