/* SPDX-License-Identifier: MIT */
/*
 * Relocations (flag 0x20, psfx.md §5.5 row 5): every HIGHLOW / DIR64 site
 * gets its operand rebased to the target image base and mapped through the
 * used rift; then the whole base-relocation directory is rewritten from the
 * mapped site RVAs, so that it reads as the target's.
 */
#include "pa30/pe/pe.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/bytes.h"

#define RELOC_ABSOLUTE 0
#define RELOC_HIGH 1
#define RELOC_LOW 2
#define RELOC_HIGHLOW 3
#define RELOC_HIGHADJ 4
#define RELOC_DIR64 10

struct reloc {
	uint32_t rva; /* mapped site RVA */
	uint16_t type, extra;
	size_t order; /* for a stable sort */
};

static int reloc_cmp(const void *pa, const void *pb)
{
	const struct reloc *a = pa, *b = pb;
	if (a->rva != b->rva)
		return a->rva < b->rva ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/*
 * Rewrite the directory at file offset base: blocks per 4 KiB page of the
 * sorted entries, `type << 12 | (rva & 0xFFF)` each (HIGHADJ followed by its
 * extra u16), an odd count padded with a zero u16, SizeOfBlock recomputed;
 * within the raw extent of the .reloc section from base (at least the
 * directory size), which the rebuilt table may outgrow when entries move
 * to a new page.
 */
static size_t rebuild_limit(const struct pe_xform *x, size_t base)
{
	const struct pe_image *pe = x->pe;
	uint32_t dir_rva = pe->dir[PE_DIR_BASERELOC].rva, dir_size = pe->dir[PE_DIR_BASERELOC].size;
	const struct pe_section *s = pe_section_of_rva(pe, dir_rva);
	uint64_t extent = dir_size;

	if (s) {
		uint32_t into = dir_rva - s->va;
		uint64_t raw = s->raw_size > into ? s->raw_size - into : 0;
		if (raw > extent)
			extent = raw;
	}
	extent &= ~(uint64_t)1;
	return extent > x->len - base ? x->len : base + (size_t)extent;
}

static void rebuild(struct pe_xform *x, size_t base, size_t limit, struct reloc *r, size_t n)
{
	size_t out = base, i = 0;

	while (i < n && limit - out >= 8) {
		uint32_t page = r[i].rva & 0xFFFFF000u;
		size_t header = out, body;
		out += 8;
		body = out;
		while (i < n && limit - out >= 2 && (r[i].rva & 0xFFFFF000u) == page) {
			sxs_put_le16(x->buf + out, (uint32_t)(r[i].type << 12) | (r[i].rva & 0xFFFu));
			out += 2;
			if (r[i].type == RELOC_HIGHADJ && limit - out >= 2) {
				sxs_put_le16(x->buf + out, r[i].extra);
				out += 2;
			}
			i++;
		}
		if (((out - body) / 2) % 2 == 1 && limit - out >= 2) {
			sxs_put_le16(x->buf + out, 0);
			out += 2;
		}
		sxs_put_le32(x->buf + header, page);
		sxs_put_le32(x->buf + header + 4, (uint32_t)(out - header));
	}
}

int pe_transform_relocs(struct pe_xform *x, struct sxs_diag *diag)
{
	const struct pe_image *pe = x->pe;
	struct reloc *r = NULL;
	size_t base, end, limit, bo, n = 0, cap;
	uint8_t *before = NULL;
	int err = 0;

	if (pe->dir[PE_DIR_BASERELOC].rva == 0 ||
	    !pe_rva_to_fo(pe, pe->dir[PE_DIR_BASERELOC].rva, &base) || base >= x->len)
		return 0;
	end = x->len - base < pe->dir[PE_DIR_BASERELOC].size ? x->len
	                                                      : base + pe->dir[PE_DIR_BASERELOC].size;
	/* one entry per u16 at most */
	cap = (end - base) / 2 + 1;
	r = sxs_reallocarray(NULL, cap, sizeof(*r));
	if (!r) {
		err = sxs_diag_set(diag, SXS_ENOMEM, "pa30: out of memory for relocations");
		goto out;
	}

	for (bo = base; end - bo >= 8;) {
		int64_t page = sxs_le32(x->buf + bo);
		size_t blk = sxs_le32(x->buf + bo + 4), count;
		if (blk < 8 || blk > end - bo)
			break;
		count = (blk - 8) / 2;
		for (size_t j = 0; j < count; j++) {
			uint16_t e = sxs_le16(x->buf + bo + 8 + 2 * j);
			uint16_t type = e >> 12, kept = type, extra = 0;
			int64_t site = page + (e & 0xFFF);
			size_t fo;
			if (type == RELOC_ABSOLUTE)
				break; /* padding ends the block */
			if (pe_rva_to_fo(pe, (uint64_t)site, &fo)) {
				switch (type) {
				case RELOC_HIGHLOW:
					if (pe_fits(x->len, fo, 4)) {
						/* the operand as a signed 32-bit VA, as msdelta reads it */
						int64_t v = (int32_t)sxs_le32(x->buf + fo);
						int64_t rr = (int64_t)((uint64_t)v - pe->image_base);
						uint64_t nv = x->target_base + (uint64_t)rr +
						              (uint64_t)pa30_riftmap_offset(x->rift, rr);
						pe_store32(x, fo, (uint32_t)nv, PE_FLAG_RELOCS);
					}
					pe_mark(x, fo, 4);
					break;
				case RELOC_DIR64:
					if (pe_fits(x->len, fo, 8)) {
						int64_t rr = (int64_t)(sxs_le64(x->buf + fo) - pe->image_base);
						uint64_t nv = x->target_base + (uint64_t)rr +
						              (uint64_t)pa30_riftmap_offset(x->rift, rr);
						pe_store64(x, fo, nv, PE_FLAG_RELOCS);
					}
					pe_mark(x, fo, 8);
					break;
				case RELOC_HIGH:
				case RELOC_LOW:
					pe_mark(x, fo, 2);
					break;
				case RELOC_HIGHADJ:
					pe_mark(x, fo, 2);
					if (j + 1 < count)
						extra = sxs_le16(x->buf + bo + 8 + 2 * (j + 1));
					j++;
					break;
				default:
					kept = 0;
					break;
				}
			}
			r[n].rva = (uint32_t)pe_map_rva(x, site);
			r[n].type = kept;
			r[n].extra = extra;
			r[n].order = n;
			n++;
		}
		bo += blk;
	}

	qsort(r, n, sizeof(*r), reloc_cmp);
	limit = rebuild_limit(x, base);
	before = sxs_malloc(limit - base + 1);
	if (before)
		memcpy(before, x->buf + base, limit - base);
	rebuild(x, base, limit, r, n);
	if (!before || memcmp(before, x->buf + base, limit - base) != 0)
		x->changed |= PE_FLAG_RELOCS;
out:
	sxs_free(before);
	sxs_free(r);
	return err;
}
