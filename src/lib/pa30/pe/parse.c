/* SPDX-License-Identifier: MIT */
/*
 * Lenient PE header parse for the PE delta pipeline (psfx.md §5.4): only
 * what the transforms read, every field bounds-checked, fields beyond the
 * buffer read as zero (msdelta has to accept real system DLLs that strict
 * parsers reject; JL had to drop one for that reason).
 */
#include "pa30/pe/pe.h"

#include <string.h>

#include "util/alloc.h"
#include "util/bytes.h"

#define DOS_LFANEW 0x3C
#define COFF_SIZE 20
#define SECTION_SIZE 40
#define OPT_MAGIC_PE32 0x10Bu
#define OPT_MAGIC_PE32P 0x20Bu

static uint32_t rd32z(const uint8_t *buf, size_t len, size_t off)
{
	return pe_fits(len, off, 4) ? sxs_le32(buf + off) : 0;
}

static uint64_t rd64z(const uint8_t *buf, size_t len, size_t off)
{
	return pe_fits(len, off, 8) ? sxs_le64(buf + off) : 0;
}

void pe_release(struct pe_image *pe)
{
	sxs_free(pe->sec);
	pe->sec = NULL;
	pe->nsec = 0;
}

int pe_parse(const uint8_t *buf, size_t len, struct pe_image *pe)
{
	size_t lfanew, opt_size, ndirs_off, dirs_off;
	uint16_t magic;
	uint32_t ndirs;
	unsigned nsec;

	memset(pe, 0, sizeof(*pe));
	if (!pe_fits(len, DOS_LFANEW, 4))
		return -SXS_EFORMAT;
	lfanew = sxs_le32(buf + DOS_LFANEW);
	if (!pe_fits(len, lfanew, 4 + COFF_SIZE + 2) || memcmp(buf + lfanew, "PE\0\0", 4) != 0)
		return -SXS_EFORMAT;
	pe->coff = lfanew + 4;
	pe->opt = pe->coff + COFF_SIZE;
	pe->machine = sxs_le16(buf + pe->coff);
	nsec = sxs_le16(buf + pe->coff + 2);
	pe->ts_off = pe->coff + 4;
	opt_size = sxs_le16(buf + pe->coff + 16);
	magic = sxs_le16(buf + pe->opt);
	if (magic == OPT_MAGIC_PE32)
		pe->is64 = false;
	else if (magic == OPT_MAGIC_PE32P)
		pe->is64 = true;
	else
		return -SXS_EFORMAT;
	ndirs_off = pe->opt + (pe->is64 ? 108 : 92);
	dirs_off = ndirs_off + 4;
	if (!pe_fits(len, ndirs_off, 4))
		return -SXS_EFORMAT;
	pe->image_base_off = pe->opt + (pe->is64 ? 24 : 28);
	pe->image_base = pe->is64 ? rd64z(buf, len, pe->image_base_off)
	                          : rd32z(buf, len, pe->image_base_off);
	pe->size_of_image = rd32z(buf, len, pe->opt + 56);
	pe->checksum_off = pe->opt + 64;
	ndirs = sxs_le32(buf + ndirs_off);
	for (unsigned i = 0; i < PE_NDIRS && i < ndirs; i++) {
		pe->dir[i].rva = rd32z(buf, len, dirs_off + 8 * (size_t)i);
		pe->dir[i].size = rd32z(buf, len, dirs_off + 8 * (size_t)i + 4);
	}

	pe->sec_table = pe->opt + opt_size;
	if (nsec > PE_XFORM_MAX_SECTIONS)
		return -SXS_ELIMIT;
	if (nsec) {
		pe->sec = sxs_calloc(nsec, sizeof(*pe->sec));
		if (!pe->sec)
			return -SXS_ENOMEM;
	}
	for (unsigned i = 0; i < nsec; i++) {
		size_t off = pe->sec_table + (size_t)i * SECTION_SIZE;
		struct pe_section *s = &pe->sec[pe->nsec];
		if (!pe_fits(len, off, SECTION_SIZE))
			break; /* headers past the end of the file: the rest is unknown */
		memcpy(s->name, buf + off, 8);
		s->name[8] = '\0';
		s->vsize = sxs_le32(buf + off + 8);
		s->va = sxs_le32(buf + off + 12);
		s->raw_size = sxs_le32(buf + off + 16);
		s->raw_ptr = sxs_le32(buf + off + 20);
		s->characteristics = sxs_le32(buf + off + 36);
		pe->nsec++;
		uint32_t size = s->vsize > s->raw_size ? s->vsize : s->raw_size;
		if (size != 0 && (uint64_t)s->va + size <= UINT32_MAX + 1ull &&
		    (!pe->have_first_rva || s->va < pe->first_rva)) {
			pe->have_first_rva = true;
			pe->first_rva = s->va;
		}
	}
	return 0;
}

/* Does s contain rva: va <= rva < va + max(vsize, raw_size), no wrap? */
static bool section_has_rva(const struct pe_section *s, uint64_t rva)
{
	uint64_t size = s->vsize > s->raw_size ? s->vsize : s->raw_size;
	if (size == 0 || (uint64_t)s->va + size > UINT32_MAX + 1ull)
		return false; /* an empty range, or one past the 32-bit RVA space */
	return rva >= s->va && rva - s->va < size;
}

const struct pe_section *pe_section_of_rva(const struct pe_image *pe, uint64_t rva)
{
	for (size_t i = 0; i < pe->nsec; i++)
		if (section_has_rva(&pe->sec[i], rva))
			return &pe->sec[i];
	return NULL;
}

bool pe_rva_to_fo(const struct pe_image *pe, uint64_t rva, size_t *fo_ret)
{
	const struct pe_section *s = pe_section_of_rva(pe, rva);

	if (!s || s->raw_size == 0)
		return false;
	*fo_ret = (size_t)s->raw_ptr + (size_t)(rva - s->va);
	return true;
}

bool pe_is_managed(const struct pe_image *pe)
{
	return pe->dir[PE_DIR_CLR].rva != 0;
}
