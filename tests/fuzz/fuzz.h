/* SPDX-License-Identifier: MIT */
#ifndef SXS_TESTS_FUZZ_H
#define SXS_TESTS_FUZZ_H

/*
 * Shared by the fuzz targets.  Each target defines LLVMFuzzerTestOneInput();
 * with -Dfuzzers=true it is linked against libFuzzer, and it is always also
 * linked with replay.c, a main() that feeds it the files named on the
 * command line (the corpus and testdata/regress/<target>/) in every
 * `meson test` run.
 *
 * FUZZ_CHECK states a property of the code under test.  A violated property
 * aborts, so libFuzzer saves the input and the replay test fails.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                        \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: property violated: %s: ", __FILE__,  \
			        __LINE__, #cond);                                     \
			fprintf(stderr, __VA_ARGS__);                                 \
			fputc('\n', stderr);                                          \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* A cursor that carves fuzz input into parts (never reads past the end). */
struct fuzz_input {
	const uint8_t *p;
	size_t left;
};

static inline uint32_t fuzz_u32(struct fuzz_input *in)
{
	uint32_t v = 0;
	for (int i = 0; i < 4 && in->left; i++, in->p++, in->left--)
		v |= (uint32_t)in->p[0] << (8 * i);
	return v;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

/*
 * Take up to n bytes as a fresh heap copy of exactly that size (so ASan sees
 * any read past the end); *len_ret gets the size.  Never NULL.
 */
uint8_t *fuzz_take(struct fuzz_input *in, size_t n, size_t *len_ret);
/* The next NUL-terminated string (or the rest of the input), heap copy. */
char *fuzz_string(struct fuzz_input *in);

#endif
