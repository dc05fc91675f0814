/* SPDX-License-Identifier: MIT */
/*
 * i386 source transforms (psfx.md §5.5 rows 1, 6, 7): MarkNonExe (0x2),
 * RelativeJmpsX86 (0x80), RelativeCallsX86 (0x100).  The branch passes scan
 * the raw bytes of executable sections for E8 / E9 / 0F 8x with a rel32,
 * and re-aim each plausible one (its bytes and its target not owned by an
 * earlier transform, the target inside the image) at the target's new RVA.
 */
#include "pa30/pe/pe.h"

#include "util/bytes.h"

void pe_mark_non_exe(struct pe_xform *x)
{
	const struct pe_image *pe = x->pe;

	for (size_t i = 0; i < x->len; i++)
		x->marker[i] |= 1;
	for (size_t i = 0; i < pe->nsec; i++) {
		const struct pe_section *s = &pe->sec[i];
		size_t n = s->vsize < s->raw_size ? s->vsize : s->raw_size;
		if (!(s->characteristics & PE_SCN_MEM_EXECUTE) || s->raw_ptr >= x->len)
			continue;
		if (n > x->len - s->raw_ptr)
			n = x->len - s->raw_ptr;
		if (!pe_spend(x, n))
			return;
		for (size_t k = 0; k < n; k++)
			x->marker[s->raw_ptr + k] &= (uint8_t)~1u;
	}
}

/*
 * A branch target the passes may re-aim: non-zero, inside SizeOfImage, and
 * in the headers (below the first section) or in a section.
 */
static bool reachable(const struct pe_image *pe, uint32_t target)
{
	uint32_t first = pe->have_first_rva ? pe->first_rva : 0;
	return target != 0 && target < pe->size_of_image &&
	       (target < first || pe_section_of_rva(pe, target) != NULL);
}

/* Is the byte at the target owned by a transform?  Headers: RVA == offset. */
static bool target_marked(const struct pe_xform *x, uint32_t target)
{
	uint32_t first = x->pe->have_first_rva ? x->pe->first_rva : 0;
	size_t idx = target;

	if (target >= first && !pe_rva_to_fo(x->pe, target, &idx))
		idx = target;
	return idx < x->len && pe_marked(x, idx);
}

static bool any_marked(const struct pe_xform *x, size_t fo, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (pe_marked(x, fo + k))
			return true;
	return false;
}

/* New rel32 of a branch from site_end (RVA after it) to target. */
static int32_t remapped(const struct pe_xform *x, uint32_t site_end, uint32_t target)
{
	return (int32_t)(uint32_t)(pe_map_rva(x, target) - pe_map_rva(x, site_end));
}

/* [start, end) of an executable section's raw bytes, if any. */
static bool exec_range(struct pe_xform *x, const struct pe_section *s, size_t *start,
                       size_t *end)
{
	size_t n = s->vsize < s->raw_size ? s->vsize : s->raw_size;

	if (!(s->characteristics & PE_SCN_MEM_EXECUTE) || s->raw_ptr >= x->len)
		return false;
	*start = s->raw_ptr;
	*end = n > x->len - s->raw_ptr ? x->len : s->raw_ptr + n;
	return *end - *start >= 5 && pe_spend(x, *end - *start);
}

void pe_transform_calls(struct pe_xform *x)
{
	const struct pe_image *pe = x->pe;

	for (size_t si = 0; si < pe->nsec; si++) {
		const struct pe_section *s = &pe->sec[si];
		size_t start, end, i;
		if (!exec_range(x, s, &start, &end))
			continue;
		for (i = start; end - i >= 5;) {
			if (x->buf[i] != 0xE8 || any_marked(x, i, 5)) {
				i++;
				continue;
			}
			uint32_t site_end = s->va + (uint32_t)(i - start) + 5;
			int32_t rel = (int32_t)sxs_le32(x->buf + i + 1);
			uint32_t target = site_end + (uint32_t)rel;
			if (!reachable(pe, target) || target_marked(x, target)) {
				i++;
				continue;
			}
			pe_store32(x, i + 1, (uint32_t)remapped(x, site_end, target), PE_FLAG_CALLS);
			i += 5;
		}
	}
}

void pe_transform_jmps(struct pe_xform *x)
{
	const struct pe_image *pe = x->pe;

	for (size_t si = 0; si < pe->nsec; si++) {
		const struct pe_section *s = &pe->sec[si];
		size_t start, end, i;
		if (!exec_range(x, s, &start, &end))
			continue;
		for (i = start; end - i >= 5;) {
			size_t d; /* the byte before the rel32: E9, or the 8x of 0F 8x */
			bool can_short = true;
			if (x->buf[i] == 0xE9) {
				d = i;
			} else if (x->buf[i] == 0x0F && (x->buf[i + 1] & 0xF0) == 0x80) {
				d = i + 1;
				/* collapsing to 7x rewrites the 0F byte too */
				if (pe_marked(x, i))
					can_short = false;
			} else {
				i++;
				continue;
			}
			if (!pe_fits(x->len, d, 5) || any_marked(x, d, 5)) {
				i++;
				continue;
			}
			int64_t rel = (int32_t)sxs_le32(x->buf + d + 1);
			if (rel >= -128 && rel <= 127) {
				i++; /* already a short displacement: not a relaxed branch */
				continue;
			}
			uint32_t site_end = s->va + (uint32_t)(d - start) + 5;
			uint32_t target = site_end + (uint32_t)rel;
			if (!reachable(pe, target) || target_marked(x, target)) {
				i++;
				continue;
			}
			int32_t nrel = remapped(x, site_end, target);
			if (can_short && nrel >= -128 && nrel <= 127) {
				/* the short form, in place; the other bytes stay */
				if (x->buf[d] == 0xE9) {
					x->buf[d] = 0xEB;
					x->buf[d + 1] = (uint8_t)nrel;
				} else {
					x->buf[d - 1] = (uint8_t)(0x70 | (x->buf[d] & 0x0F));
					x->buf[d] = (uint8_t)nrel;
				}
				x->changed |= PE_FLAG_JMPS;
			} else {
				pe_store32(x, d + 1, (uint32_t)nrel, PE_FLAG_JMPS);
			}
			i = d + 5;
		}
	}
}
