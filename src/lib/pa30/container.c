/* SPDX-License-Identifier: MIT */
/* WinSxS "DC?\x01" containers (formats.md §3). */
#include <string.h>

#include "pa30/pa30.h"

/* SHA-256 of the 9,066-byte DCM base manifest in wcp.dll (formats.md §3.3). */
const uint8_t sxs_base_manifest_sha256[32] = {
	0x0a, 0xd8, 0xf1, 0x00, 0xf1, 0xc5, 0x6f, 0x4a, 0x1a, 0xad, 0x99, 0x0d,
	0xef, 0xad, 0xe9, 0x19, 0x1f, 0x7d, 0x5b, 0xe9, 0x29, 0xb9, 0x30, 0xa0,
	0x41, 0x60, 0xeb, 0xbf, 0x99, 0xcd, 0x6b, 0x46,
};

static const struct {
	enum sxs_container type;
	char magic[4];
	const char *name;
} containers[] = {
	{SXS_CONTAINER_DCM, {'D', 'C', 'M', 1}, "DCM"},
	{SXS_CONTAINER_DCN, {'D', 'C', 'N', 1}, "DCN"},
	{SXS_CONTAINER_DCD, {'D', 'C', 'D', 1}, "DCD"},
	{SXS_CONTAINER_DCS, {'D', 'C', 'S', 1}, "DCS"},
	{SXS_CONTAINER_DCH, {'D', 'C', 'H', 1}, "DCH"},
	{SXS_CONTAINER_DCX, {'D', 'C', 'X', 1}, "DCX"},
};

#define NCONTAINERS (sizeof(containers) / sizeof(containers[0]))

enum sxs_container sxs_container_detect(const uint8_t *data, size_t len)
{
	if (!data || len < SXS_CONTAINER_MAGIC_LEN)
		return SXS_CONTAINER_NONE;
	for (size_t i = 0; i < NCONTAINERS; i++)
		if (memcmp(data, containers[i].magic, SXS_CONTAINER_MAGIC_LEN) == 0)
			return containers[i].type;
	return SXS_CONTAINER_NONE;
}

const char *sxs_container_name(enum sxs_container type)
{
	for (size_t i = 0; i < NCONTAINERS; i++)
		if (containers[i].type == type)
			return containers[i].name;
	return "none";
}

int sxs_container_decode(const uint8_t *data, size_t len,
                         const uint8_t *base, size_t base_len,
                         uint8_t **out_ret, size_t *out_len_ret,
                         struct sxs_diag *diag)
{
	enum sxs_container type = sxs_container_detect(data, len);

	switch (type) {
	case SXS_CONTAINER_DCM:
		if (!base)
			return sxs_diag_set(diag, SXS_EINVAL, "dcm: base manifest required");
		return sxs_pa30_apply(base, base_len, data + SXS_CONTAINER_MAGIC_LEN,
		                      len - SXS_CONTAINER_MAGIC_LEN, out_ret, out_len_ret, diag);
	case SXS_CONTAINER_DCN:
		return sxs_pa30_apply(NULL, 0, data + SXS_CONTAINER_MAGIC_LEN,
		                      len - SXS_CONTAINER_MAGIC_LEN, out_ret, out_len_ret, diag);
	case SXS_CONTAINER_DCD:
		return sxs_diag_set(diag, SXS_EUNSUPPORTED,
		                    "dcd: delta against an unknown basis file, not verifiable offline");
	case SXS_CONTAINER_DCS:
		return sxs_diag_set(diag, SXS_EUNSUPPORTED, "dcs: LZMS container not supported");
	case SXS_CONTAINER_DCH:
		return sxs_diag_set(diag, SXS_EUNSUPPORTED, "dch: header-only container has no payload");
	case SXS_CONTAINER_DCX:
		return sxs_diag_set(diag, SXS_EUNSUPPORTED, "dcx: undocumented container not supported");
	case SXS_CONTAINER_NONE:
		break;
	}
	return sxs_diag_set(diag, SXS_EFORMAT, "not a DCM/DCN container");
}
