/* SPDX-License-Identifier: MIT */
/*
 * PE source transforms over the data directories (psfx.md §5.5): Unbind
 * (0x2000), Imports (0x4), Exports (0x8), Resources (0x10).  Each maps the
 * RVAs a structure holds from the source layout to the target layout
 * through the used rift (MapRva), so that LZ copies of these structures
 * read target values, and marks the bytes it owns.
 *
 * Structures are read from the image as it is at that point of the
 * pipeline (an earlier transform's writes included); anything out of the
 * buffer or unmappable is skipped, never an error.
 */
#include "pa30/pe/pe.h"

#include <string.h>

#include "util/alloc.h"
#include "util/bytes.h"

#define IMPORT_DESC_SIZE 20
#define MAX_IMPORT_DESCRIPTORS 4096 /* psfx.md §5.5 row 2 */
#define EXPORT_DIR_SIZE 40
#define RES_DIR_SIZE 16
#define RES_ENTRY_SIZE 8
#define RES_DATA_SIZE 16
#define RES_HIGH 0x80000000u
#define RES_MASK 0x7FFFFFFFu

/* Map the 4-byte RVA at fo (when non-zero) and mark it. */
static void map_rva_field(struct pe_xform *x, size_t fo, uint64_t flag)
{
	uint32_t v;

	if (!pe_fits(x->len, fo, 4))
		return;
	v = sxs_le32(x->buf + fo);
	if (v != 0)
		pe_store32(x, fo, (uint32_t)pe_map_rva(x, v), flag);
	pe_mark(x, fo, 4);
}

/* ------------------------------------------------------------------ unbind */

void pe_unbind(struct pe_xform *x)
{
	const struct pe_image *pe = x->pe;
	const size_t ptr = pe->is64 ? 8 : 4;
	size_t desc0;

	if (pe->dir[PE_DIR_IMPORT].rva != 0 && pe_rva_to_fo(pe, pe->dir[PE_DIR_IMPORT].rva, &desc0)) {
		for (size_t di = 0; di < MAX_IMPORT_DESCRIPTORS; di++) {
			size_t dfo = desc0 + di * IMPORT_DESC_SIZE, ilt, iat;
			if (!pe_fits(x->len, dfo, IMPORT_DESC_SIZE))
				break;
			const uint8_t *d = x->buf + dfo;
			uint32_t oft = sxs_le32(d), tds = sxs_le32(d + 4), name = sxs_le32(d + 12),
			         ft = sxs_le32(d + 16);
			if (oft == 0 && name == 0 && ft == 0)
				break; /* the terminating descriptor */
			if (tds == 0)
				continue; /* not bound */
			/* TimeDateStamp and ForwarderChain := 0 */
			pe_store32(x, dfo + 4, 0, PE_FLAG_UNBIND);
			pe_store32(x, dfo + 8, 0, PE_FLAG_UNBIND);
			if (!pe_rva_to_fo(pe, oft, &ilt) || !pe_rva_to_fo(pe, ft, &iat))
				continue;
			/* the unbound thunks (ILT) over the bound ones (IAT) */
			for (size_t k = 0; pe_spend(x, 1); k++) {
				size_t s = ilt + k * ptr, t = iat + k * ptr;
				if (!pe_fits(x->len, s, ptr) || !pe_fits(x->len, t, ptr))
					break;
				uint64_t thunk = ptr == 8 ? sxs_le64(x->buf + s) : sxs_le32(x->buf + s);
				if (thunk == 0)
					break;
				if (memcmp(x->buf + t, x->buf + s, ptr) != 0) {
					memmove(x->buf + t, x->buf + s, ptr);
					x->changed |= PE_FLAG_UNBIND;
				}
			}
		}
	}
	/* the .idata section becomes readable and writable */
	for (size_t i = 0; i < pe->nsec; i++) {
		size_t off = pe->sec_table + i * 40 + 36;
		if (strcmp(pe->sec[i].name, ".idata") != 0 || !pe_fits(x->len, off, 4))
			continue;
		pe_store32(x, off, sxs_le32(x->buf + off) | 0xC0000000u, PE_FLAG_UNBIND);
	}
}

/* ----------------------------------------------------------------- imports */

/*
 * Walk one thunk array (pointer-sized entries up to a zero one).  A bound
 * IAT holds virtual addresses: rebased to the target image base and mapped
 * like a relocation.  Otherwise a by-name entry holds the RVA of its
 * IMAGE_IMPORT_BY_NAME (the low 32 bits, also in PE32+), and a by-ordinal
 * entry (top bit) is only marked.
 */
static void walk_thunks(struct pe_xform *x, uint32_t arr_rva, bool bound)
{
	const struct pe_image *pe = x->pe;
	const size_t ptr = pe->is64 ? 8 : 4;
	const uint64_t ordinal = pe->is64 ? (uint64_t)1 << 63 : (uint64_t)1 << 31;
	size_t base;

	if (arr_rva == 0 || !pe_rva_to_fo(pe, arr_rva, &base))
		return;
	for (size_t k = 0; pe_spend(x, 1); k++) {
		size_t fo = base + k * ptr;
		if (!pe_fits(x->len, fo, ptr))
			break;
		uint64_t v = ptr == 8 ? sxs_le64(x->buf + fo) : sxs_le32(x->buf + fo);
		if (v == 0)
			break;
		if (bound) {
			int64_t r = (int64_t)(v - pe->image_base);
			uint64_t nv = x->target_base + (uint64_t)r +
			              (uint64_t)pa30_riftmap_offset(x->rift, r);
			if (ptr == 8)
				pe_store64(x, fo, nv, PE_FLAG_IMPORTS);
			else
				pe_store32(x, fo, (uint32_t)nv, PE_FLAG_IMPORTS);
			pe_mark(x, fo, ptr);
		} else if (!(v & ordinal)) {
			map_rva_field(x, fo, PE_FLAG_IMPORTS);
			if (ptr == 8)
				pe_mark(x, fo + 4, 4);
		} else {
			pe_mark(x, fo, ptr);
		}
	}
}

void pe_transform_imports(struct pe_xform *x)
{
	const struct pe_image *pe = x->pe;
	size_t desc0;

	if (pe->dir[PE_DIR_IMPORT].rva == 0 || !pe_rva_to_fo(pe, pe->dir[PE_DIR_IMPORT].rva, &desc0))
		return;
	for (size_t di = 0; di < MAX_IMPORT_DESCRIPTORS && !x->over; di++) {
		size_t dfo = desc0 + di * IMPORT_DESC_SIZE;
		if (!pe_fits(x->len, dfo, IMPORT_DESC_SIZE))
			break;
		const uint8_t *d = x->buf + dfo;
		uint32_t oft = sxs_le32(d), tds = sxs_le32(d + 4), name = sxs_le32(d + 12),
		         ft = sxs_le32(d + 16);
		if (oft == 0 && name == 0 && ft == 0)
			break;
		walk_thunks(x, oft, false);
		walk_thunks(x, ft, tds != 0);
		map_rva_field(x, dfo + 12, PE_FLAG_IMPORTS); /* Name */
		map_rva_field(x, dfo + 0, PE_FLAG_IMPORTS);  /* OriginalFirstThunk */
		map_rva_field(x, dfo + 16, PE_FLAG_IMPORTS); /* FirstThunk */
	}
}

/* ----------------------------------------------------------------- exports */

void pe_transform_exports(struct pe_xform *x)
{
	const struct pe_image *pe = x->pe;
	size_t dfo;

	if (pe->dir[PE_DIR_EXPORT].rva == 0 || !pe_rva_to_fo(pe, pe->dir[PE_DIR_EXPORT].rva, &dfo) ||
	    !pe_fits(x->len, dfo, EXPORT_DIR_SIZE))
		return;
	/* AddressOfFunctions[NumberOfFunctions], AddressOfNames[NumberOfNames] */
	const struct { size_t arr, count; } arrays[] = {{28, 20}, {32, 24}};
	for (size_t a = 0; a < 2; a++) {
		uint32_t arr = sxs_le32(x->buf + dfo + arrays[a].arr);
		uint32_t count = sxs_le32(x->buf + dfo + arrays[a].count);
		size_t base;
		if (arr == 0 || !pe_rva_to_fo(pe, arr, &base))
			continue;
		for (uint32_t i = 0; i < count; i++) {
			size_t fo = base + (size_t)i * 4;
			if (!pe_fits(x->len, fo, 4))
				break;
			map_rva_field(x, fo, PE_FLAG_EXPORTS);
		}
	}
	/* Name, AddressOfFunctions, AddressOfNames, AddressOfNameOrdinals */
	map_rva_field(x, dfo + 12, PE_FLAG_EXPORTS);
	map_rva_field(x, dfo + 28, PE_FLAG_EXPORTS);
	map_rva_field(x, dfo + 32, PE_FLAG_EXPORTS);
	map_rva_field(x, dfo + 36, PE_FLAG_EXPORTS);
}

/* --------------------------------------------------------------- resources */

struct res_walk {
	struct pe_xform *x;
	int64_t dirbase, base_map; /* directory RVA and its MapRva */
};

/* A directory-relative offset o becomes MapRva(base + o) - MapRva(base). */
static uint32_t res_remap(const struct res_walk *w, uint32_t o)
{
	return (uint32_t)(pe_map_rva(w->x, w->dirbase + (int64_t)o) - w->base_map);
}

void pe_transform_resources(struct pe_xform *x)
{
	const struct pe_image *pe = x->pe;
	size_t base_fo, end, *stack = NULL, nstack = 0, cap = 0;
	uint8_t *visited = NULL;
	struct res_walk w;

	if (pe->dir[PE_DIR_RESOURCE].rva == 0 ||
	    !pe_rva_to_fo(pe, pe->dir[PE_DIR_RESOURCE].rva, &base_fo) || base_fo >= x->len)
		return;
	end = x->len - base_fo < pe->dir[PE_DIR_RESOURCE].size ? x->len
	                                                       : base_fo + pe->dir[PE_DIR_RESOURCE].size;
	w.x = x;
	w.dirbase = pe->dir[PE_DIR_RESOURCE].rva;
	w.base_map = pe_map_rva(x, w.dirbase);
	/* one bit per file offset in [base_fo, end): directories visited */
	visited = sxs_calloc((end - base_fo) / 8 + 1, 1);
	cap = 64;
	stack = sxs_reallocarray(NULL, cap, sizeof(*stack));
	if (!visited || !stack)
		goto out; /* out of memory: the transform cannot run, bytes stay */
	stack[nstack++] = base_fo;
	while (nstack) {
		size_t dir = stack[--nstack], rel = dir - base_fo, count;
		if (dir < base_fo || dir >= end || visited[rel / 8] & (1u << (rel % 8)))
			continue;
		visited[rel / 8] |= (uint8_t)(1u << (rel % 8));
		if (end - dir < RES_DIR_SIZE)
			continue;
		count = (size_t)sxs_le16(x->buf + dir + 12) + sxs_le16(x->buf + dir + 14);
		if (count > (end - dir - RES_DIR_SIZE) / RES_ENTRY_SIZE)
			count = (end - dir - RES_DIR_SIZE) / RES_ENTRY_SIZE;
		if (!pe_spend(x, count + 1))
			break; /* directories that overlap over and over: hostile */
		for (size_t i = 0; i < count; i++) {
			size_t e = dir + RES_DIR_SIZE + i * RES_ENTRY_SIZE;
			uint32_t name = sxs_le32(x->buf + e), otd = sxs_le32(x->buf + e + 4);
			size_t target = base_fo + (otd & RES_MASK);
			if (otd & RES_HIGH) {
				/* a subdirectory: must lie after its entry, inside the tree */
				if (target > e && target < end && end - target >= RES_DIR_SIZE) {
					if (nstack == cap) {
						size_t *s = sxs_reallocarray(stack, 2 * cap, sizeof(*s));
						if (!s)
							goto out;
						stack = s;
						cap *= 2;
					}
					stack[nstack++] = target;
				}
				pe_store32(x, e + 4, RES_HIGH | (res_remap(&w, otd & RES_MASK) & RES_MASK),
				           PE_FLAG_RESOURCES);
				pe_mark(x, e + 4, 4);
			} else if (target < end && end - target >= RES_DATA_SIZE) {
				/* a data entry: its OffsetToData, read as directory-relative */
				uint32_t data = sxs_le32(x->buf + target);
				pe_store32(x, target, res_remap(&w, data), PE_FLAG_RESOURCES);
				pe_mark(x, target, 4);
			}
			if (name & RES_HIGH) {
				/* a string name */
				pe_store32(x, e, RES_HIGH | (res_remap(&w, name & RES_MASK) & RES_MASK),
				           PE_FLAG_RESOURCES);
				pe_mark(x, e, 4);
			}
		}
	}
out:
	sxs_free(stack);
	sxs_free(visited);
}
