/* SPDX-License-Identifier: MIT */
#include "util/hex.h"

#include "util/status.h"

void sxs_hex_encode(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = '\0';
}

int sxs_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sxs_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t outlen)
{
	if (hexlen != 2 * outlen)
		return -SXS_EFORMAT;
	for (size_t i = 0; i < outlen; i++) {
		int hi = sxs_hex_digit(hex[2 * i]), lo = sxs_hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -SXS_EFORMAT;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
