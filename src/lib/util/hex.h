/* SPDX-License-Identifier: MIT */
#ifndef SXS_UTIL_HEX_H
#define SXS_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Lower-case hex of `len` bytes into out (2 * len + 1 bytes). */
void sxs_hex_encode(const uint8_t *data, size_t len, char *out);
/* Value of one hex digit (either case), or -1. */
int sxs_hex_digit(char c);
/* Parse exactly 2 * len hex digits (either case); 0 or -SXS_EFORMAT. */
int sxs_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t outlen);

#endif
