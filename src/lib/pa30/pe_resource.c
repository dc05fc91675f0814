/* SPDX-License-Identifier: MIT */
/*
 * PE resource lookup (formats.md §3.3): type -> id -> first language ->
 * data entry -> file offset through the section table.  Every structure is
 * read through rva_span(), which checks it lies inside one section's raw
 * data and inside the buffer.
 */
#include "pa30/pa30.h"
#include "util/bytes.h"

#define PE_DOS_LFANEW 0x3C
#define PE_COFF_SIZE 20
#define PE_SECTION_SIZE 40
#define PE_MAX_SECTIONS 96
#define PE_OPT_MAGIC_PE32 0x10B
#define PE_OPT_MAGIC_PE32PLUS 0x20B
#define PE_DIR_RESOURCE 2
#define RES_DIR_SIZE 16
#define RES_ENTRY_SIZE 8
#define RES_DATA_ENTRY_SIZE 16
#define RES_HIGH_BIT 0x80000000u

struct pe {
	const uint8_t *data;
	size_t len;
	const uint8_t *sections; /* section table */
	unsigned nsections;
	uint32_t rsrc_rva;
};

/* Map [rva, rva + size) to a pointer; fails unless one section holds it all. */
static const uint8_t *rva_span(const struct pe *pe, uint32_t rva, size_t size)
{
	for (unsigned i = 0; i < pe->nsections; i++) {
		const uint8_t *s = pe->sections + (size_t)i * PE_SECTION_SIZE;
		uint32_t va = sxs_le32(s + 12), raw_size = sxs_le32(s + 16);
		uint32_t raw_off = sxs_le32(s + 20);
		if (rva < va || rva - va >= raw_size)
			continue;
		size_t rel = rva - va;
		if (size > raw_size - rel)
			return NULL;
		size_t off = (size_t)raw_off + rel;
		if (off > pe->len || size > pe->len - off)
			return NULL;
		return pe->data + off;
	}
	return NULL;
}

static int parse_headers(struct pe *pe, const uint8_t *data, size_t len,
                         struct sxs_diag *diag)
{
	struct sxs_reader r;
	const uint8_t *p;
	uint32_t lfanew, nrva;
	uint16_t magic, nsections, optsize;
	size_t dir_off;

	pe->data = data;
	pe->len = len;
	sxs_reader_init(&r, data, len);
	if (sxs_reader_bytes(&r, 2, &p) < 0 || p[0] != 'M' || p[1] != 'Z')
		return sxs_diag_set(diag, SXS_EFORMAT, "pe: no MZ signature");
	if (sxs_reader_seek(&r, PE_DOS_LFANEW) < 0 || sxs_reader_u32(&r, &lfanew) < 0 ||
	    sxs_reader_seek(&r, lfanew) < 0 || sxs_reader_bytes(&r, 4, &p) < 0)
		return sxs_diag_set(diag, SXS_ETRUNC, "pe: truncated dos header");
	if (p[0] != 'P' || p[1] != 'E' || p[2] != 0 || p[3] != 0)
		return sxs_diag_set(diag, SXS_EFORMAT, "pe: no PE signature");
	/* COFF header: Machine, NumberOfSections, ..., SizeOfOptionalHeader */
	if (sxs_reader_bytes(&r, PE_COFF_SIZE, &p) < 0)
		return sxs_diag_set(diag, SXS_ETRUNC, "pe: truncated coff header");
	nsections = sxs_le16(p + 2);
	optsize = sxs_le16(p + 16);
	if (nsections > PE_MAX_SECTIONS)
		return sxs_diag_set(diag, SXS_EFORMAT, "pe: %u sections", nsections);
	const uint8_t *opt = r.cur;
	if (sxs_reader_skip(&r, optsize) < 0 || optsize < 2)
		return sxs_diag_set(diag, SXS_ETRUNC, "pe: truncated optional header");
	magic = sxs_le16(opt);
	if (magic == PE_OPT_MAGIC_PE32)
		dir_off = 92;
	else if (magic == PE_OPT_MAGIC_PE32PLUS)
		dir_off = 108;
	else
		return sxs_diag_set(diag, SXS_EFORMAT, "pe: optional header magic 0x%x", magic);
	/* NumberOfRvaAndSizes, then the data directories */
	if (dir_off + 4 > optsize)
		return sxs_diag_set(diag, SXS_ETRUNC, "pe: truncated optional header");
	nrva = sxs_le32(opt + dir_off);
	if (nrva <= PE_DIR_RESOURCE || dir_off + 4 + 8 * (PE_DIR_RESOURCE + 1) > optsize)
		return sxs_diag_set(diag, SXS_ENOENT, "pe: no resource directory");
	pe->rsrc_rva = sxs_le32(opt + dir_off + 4 + 8 * PE_DIR_RESOURCE);
	if (pe->rsrc_rva == 0)
		return sxs_diag_set(diag, SXS_ENOENT, "pe: no resource directory");
	/* section table right after the optional header */
	if (sxs_reader_bytes(&r, (size_t)nsections * PE_SECTION_SIZE, &pe->sections) < 0)
		return sxs_diag_set(diag, SXS_ETRUNC, "pe: truncated section table");
	pe->nsections = nsections;
	return 0;
}

/*
 * Look up one entry in the resource directory at dir_off (relative to the
 * resource root): the ID entry `id`, or the first entry when first is set.
 * Returns the entry's OffsetToData in *ret.
 */
static int dir_lookup(const struct pe *pe, uint32_t dir_off, int first, uint32_t id,
                      uint32_t *ret, struct sxs_diag *diag)
{
	const uint8_t *dir, *entries;
	size_t count;

	if (dir_off > UINT32_MAX - pe->rsrc_rva - RES_DIR_SIZE)
		return sxs_diag_set(diag, SXS_EFORMAT, "pe: resource directory out of range");
	dir = rva_span(pe, pe->rsrc_rva + dir_off, RES_DIR_SIZE);
	if (!dir)
		return sxs_diag_set(diag, SXS_EFORMAT, "pe: resource directory out of range");
	count = (size_t)sxs_le16(dir + 12) + sxs_le16(dir + 14);
	entries = rva_span(pe, pe->rsrc_rva + dir_off + RES_DIR_SIZE, count * RES_ENTRY_SIZE);
	if (!entries)
		return sxs_diag_set(diag, SXS_EFORMAT, "pe: resource entries out of range");
	for (size_t i = 0; i < count; i++) {
		const uint8_t *e = entries + i * RES_ENTRY_SIZE;
		uint32_t name = sxs_le32(e);
		if (first || (!(name & RES_HIGH_BIT) && name == id)) {
			*ret = sxs_le32(e + 4);
			return 0;
		}
	}
	return -SXS_ENOENT;
}

int sxs_pe_find_resource(const uint8_t *data, size_t len, uint32_t type, uint32_t id,
                         const uint8_t **data_ret, size_t *size_ret,
                         struct sxs_diag *diag)
{
	struct pe pe;
	uint32_t type_dir, id_dir, lang, rva, size;
	const uint8_t *entry, *res;
	int err;

	err = parse_headers(&pe, data, len, diag);
	if (err)
		return err;
	/* level 1: type */
	err = dir_lookup(&pe, 0, 0, type, &type_dir, diag);
	if (err == -SXS_ENOENT)
		return sxs_diag_set(diag, SXS_ENOENT, "pe: no resource of type 0x%x", type);
	if (err)
		return err;
	if (!(type_dir & RES_HIGH_BIT))
		return sxs_diag_set(diag, SXS_EFORMAT, "pe: resource type entry is not a directory");
	type_dir &= ~RES_HIGH_BIT;
	if (type_dir == 0)
		return sxs_diag_set(diag, SXS_EFORMAT, "pe: loop in resource directory");
	/* level 2: id */
	err = dir_lookup(&pe, type_dir, 0, id, &id_dir, diag);
	if (err == -SXS_ENOENT)
		return sxs_diag_set(diag, SXS_ENOENT, "pe: no resource 0x%x/%u", type, id);
	if (err)
		return err;
	if (!(id_dir & RES_HIGH_BIT))
		return sxs_diag_set(diag, SXS_EFORMAT, "pe: resource name entry is not a directory");
	id_dir &= ~RES_HIGH_BIT;
	if (id_dir == 0 || id_dir == type_dir)
		return sxs_diag_set(diag, SXS_EFORMAT, "pe: loop in resource directory");
	/* level 3: the first language */
	err = dir_lookup(&pe, id_dir, 1, 0, &lang, diag);
	if (err == -SXS_ENOENT)
		return sxs_diag_set(diag, SXS_ENOENT, "pe: resource 0x%x/%u has no language entry",
		                    type, id);
	if (err)
		return err;
	if (lang & RES_HIGH_BIT)
		return sxs_diag_set(diag, SXS_EFORMAT,
		                    "pe: resource language entry is a directory (loop or corrupt)");
	if (lang > UINT32_MAX - pe.rsrc_rva)
		return sxs_diag_set(diag, SXS_EFORMAT, "pe: resource data entry out of range");
	entry = rva_span(&pe, pe.rsrc_rva + lang, RES_DATA_ENTRY_SIZE);
	if (!entry)
		return sxs_diag_set(diag, SXS_EFORMAT, "pe: resource data entry out of range");
	rva = sxs_le32(entry);
	size = sxs_le32(entry + 4);
	res = rva_span(&pe, rva, size);
	if (!res)
		return sxs_diag_set(diag, SXS_EFORMAT,
		                    "pe: resource data (rva 0x%x, %u bytes) out of range", rva, size);
	*data_ret = res;
	*size_ret = size;
	return 0;
}
