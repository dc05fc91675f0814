/* SPDX-License-Identifier: MIT */
#ifndef SXS_PA30_PE_PE_H
#define SXS_PA30_PE_PE_H

/*
 * Forward PE deltas (psfx.md §5): internal interfaces of src/lib/pa30/pe/.
 *
 *   parse.c      lenient PE header parse, rva_to_fo, header fields
 *   preprocess.c the PreProcess buffer of a PE delta (§5.1)
 *   riftmap.c    rift maps and their algebra (§5.3, riftmap.h)
 *   tables.c     unbind, imports, exports, resources (§5.5 rows 0, 2-4)
 *   reloc.c      base relocations and the .reloc rebuild (§5.5 row 5)
 *   x86.c        MarkNonExe, relative jmps and calls (§5.5 rows 1, 6, 7)
 *   x64.c        DisasmX64 (with its length decoder) and PdataX64 (rows 8, 9)
 *   apply.c      T(source), the caller rift, post-fixups (§5.0, §5.3, §5.7)
 *
 * Nothing here trusts the source image or the delta: every field read from
 * either is bounds-checked, and a transform that meets a structure it
 * cannot read skips it (as msdelta's lenient parse does) instead of failing.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pa30/pe/riftmap.h"
#include "util/status.h"

#define PE_MACHINE_I386 0x14Cu
#define PE_MACHINE_AMD64 0x8664u
#define PE_MACHINE_ARM64 0xAA64u
#define PE_MACHINE_ARMNT 0x1C4u
#define PE_MACHINE_IA64 0x200u

#define PE_SCN_MEM_EXECUTE 0x20000000u

enum pe_dir {
	PE_DIR_EXPORT = 0,
	PE_DIR_IMPORT = 1,
	PE_DIR_RESOURCE = 2,
	PE_DIR_EXCEPTION = 3,
	PE_DIR_BASERELOC = 5,
	PE_DIR_DEBUG = 6,
	PE_DIR_CLR = 14,
	PE_NDIRS = 16,
};

/*
 * Most sections a transformed image may have (the COFF field allows 65535;
 * Windows' own tools make a few dozen): more is -SXS_ELIMIT from pe_parse,
 * which the pipeline reports as unsupported.
 */
#define PE_XFORM_MAX_SECTIONS 1024u

struct pe_section {
	char name[9];
	uint32_t vsize, va, raw_size, raw_ptr, characteristics;
};

struct pe_image {
	size_t coff;            /* file offset of the COFF header (after "PE\0\0") */
	size_t opt;             /* file offset of the optional header */
	uint16_t machine;
	bool is64;              /* PE32+ */
	uint64_t image_base;
	uint32_t size_of_image;
	size_t ts_off;          /* COFF TimeDateStamp */
	size_t checksum_off;    /* optional header CheckSum (may be past the end) */
	size_t image_base_off;  /* optional header ImageBase */
	struct { uint32_t rva, size; } dir[PE_NDIRS]; /* 0 beyond NumberOfRvaAndSizes */
	size_t nsec;
	struct pe_section *sec;
	size_t sec_table;       /* file offset of the section table */
	bool have_first_rva;
	uint32_t first_rva;     /* lowest VirtualAddress of a section with a size */
};

/*
 * Parse the headers of a PE image: "PE\0\0" at e_lfanew, the COFF header,
 * the optional-header magic (PE32 or PE32+), the data directories present
 * and the sections whose headers lie inside the buffer.  -SXS_EFORMAT when
 * buf is not a PE (the caller then decodes without transforms),
 * -SXS_ELIMIT beyond PE_XFORM_MAX_SECTIONS sections, -SXS_ENOMEM.
 */
int pe_parse(const uint8_t *buf, size_t len, struct pe_image *pe);
void pe_release(struct pe_image *pe);

/*
 * File offset of an RVA: the first section with VirtualAddress <= rva <
 * VirtualAddress + max(VirtualSize, SizeOfRawData) maps it if that section
 * has raw data.  The offset may lie beyond the buffer: check before use.
 */
bool pe_rva_to_fo(const struct pe_image *pe, uint64_t rva, size_t *fo_ret);
/* The section containing rva (as above), or NULL. */
const struct pe_section *pe_section_of_rva(const struct pe_image *pe, uint64_t rva);
/* True when the image has a CLR header (data directory 14 with an RVA). */
bool pe_is_managed(const struct pe_image *pe);

/* Little-endian field access with the bounds check folded in. */
static inline bool pe_fits(size_t len, size_t off, size_t n)
{
	return off <= len && n <= len - off;
}

/* --- PreProcess (preprocess.c) ------------------------------------------- */

struct pe_preprocess {
	uint64_t image_base;        /* target ImageBase */
	uint32_t field1;            /* 0 in every genuine delta, unused */
	uint32_t timestamp;         /* target COFF TimeDateStamp */
	struct pa30_riftmap pe_rift;   /* target RVA -> target file offset */
	bool cli_metadata;          /* CLI metadata present (classic .NET) */
	struct pa30_riftmap used_rift; /* source RVA -> target RVA */
	bool cli_map;               /* CLI map present */
};

void pe_preprocess_init(struct pe_preprocess *pp);
void pe_preprocess_release(struct pe_preprocess *pp);
/*
 * Parse a PreProcess buffer.  A CLI metadata record stops the parse with
 * pp->cli_metadata set and returns 0 (the caller refuses the delta as
 * unsupported); so does a CLI map.  Malformed: -SXS_EFORMAT / -SXS_ETRUNC.
 */
int pe_preprocess_parse(const uint8_t *data, size_t len, struct pe_preprocess *pp,
                        struct sxs_diag *diag);

/* --- transforms ------------------------------------------------------------ */

/* Shared state of the source transforms on one image. */
struct pe_xform {
	uint8_t *buf;              /* T(source), transformed in place */
	size_t len;
	const struct pe_image *pe; /* parsed from buf before any transform */
	const struct pa30_riftmap *rift; /* used_rift: source RVA -> target RVA */
	uint64_t target_base;
	uint8_t *marker;           /* per file offset: bit 0 = owned by a transform */
	uint64_t changed;          /* flag bits of transforms that changed bytes */
	uint64_t budget;           /* work units left (bytes scanned, entries walked) */
	bool over;                 /* the budget ran out: T(source) is incomplete */
};

/*
 * Work budget of all transforms on one image: real images cost about one
 * unit per byte; hostile ones (overlapping sections, thousands of
 * descriptors over one thunk array) would cost far more and make the
 * pipeline stop with -SXS_ELIMIT instead of running for hours.
 */
#define PE_WORK_PER_BYTE 16u
#define PE_WORK_BASE ((uint64_t)1 << 24)

/* Spend n units; false (and x->over) once the budget is gone. */
static inline bool pe_spend(struct pe_xform *x, uint64_t n)
{
	if (x->budget < n) {
		x->budget = 0;
		x->over = true;
		return false;
	}
	x->budget -= n;
	return true;
}

/* Flag bits (msdelta.h DELTA_FLAG_*, psfx.md §3) of the transforms. */
#define PE_FLAG_E8 0x1u
#define PE_FLAG_MARK 0x2u
#define PE_FLAG_IMPORTS 0x4u
#define PE_FLAG_EXPORTS 0x8u
#define PE_FLAG_RESOURCES 0x10u
#define PE_FLAG_RELOCS 0x20u
#define PE_FLAG_SMASHLOCK 0x40u
#define PE_FLAG_JMPS 0x80u
#define PE_FLAG_CALLS 0x100u
#define PE_FLAG_DISASM 0x200u
#define PE_FLAG_PDATA 0x400u
#define PE_FLAG_UNBIND 0x2000u
#define PE_FLAG_CLI_DISASM 0x4000u
#define PE_FLAG_CLI_METADATA 0x8000u

/* Map an RVA through the used rift (MapRva). */
static inline int64_t pe_map_rva(const struct pe_xform *x, int64_t rva)
{
	return pa30_riftmap_apply(x->rift, rva);
}

void pe_mark(struct pe_xform *x, size_t fo, size_t n);
bool pe_marked(const struct pe_xform *x, size_t fo);
/* Write a 32- or 64-bit value, recording `flag` in x->changed if it differs. */
void pe_store32(struct pe_xform *x, size_t fo, uint32_t v, uint64_t flag);
void pe_store64(struct pe_xform *x, size_t fo, uint64_t v, uint64_t flag);

void pe_unbind(struct pe_xform *x);
void pe_transform_imports(struct pe_xform *x);
void pe_transform_exports(struct pe_xform *x);
void pe_transform_resources(struct pe_xform *x);
int pe_transform_relocs(struct pe_xform *x, struct sxs_diag *diag);
void pe_mark_non_exe(struct pe_xform *x);
void pe_transform_jmps(struct pe_xform *x);
void pe_transform_calls(struct pe_xform *x);
void pe_transform_disasm_x64(struct pe_xform *x);
void pe_transform_pdata_x64(struct pe_xform *x);

/*
 * Apply a forward PE delta (FileType 2 or 8; h, pre and patch from
 * pa30_parse_delta) to src: T(source), the caller rift, the LZ decode and
 * the timestamp post-fixup; the E8 post-filter and the TargetHash are the
 * caller's.  -SXS_EUNSUPPORTED for classic CLI (.NET) deltas.
 * info (filled in whatever the result) says which transforms changed the
 * source and whether the delta or the source is managed code.
 */
struct pe_apply_info {
	uint64_t transforms; /* flag bits whose transform changed the source */
	bool cli;            /* CLI metadata / map in the delta, or a managed source */
};

struct sxs_pa30_header;
int pe_apply(const uint8_t *src, size_t src_len, const struct sxs_pa30_header *h,
             const uint8_t *pre, const uint8_t *patch, uint8_t **out_ret,
             struct pe_apply_info *info, struct sxs_diag *diag);

/*
 * A native i386 image (machine i386, PE32, no CLR header or one without
 * ILONLY): where msdelta runs the E8 post-filter (psfx.md §5.7, R5; JL
 * reads that gate out of ApplyDeltaB).
 */
bool pe_is_i386_native(const uint8_t *buf, size_t len);

/*
 * Length of the amd64 instruction at code[0..avail) (avail <= 15 used) as
 * msdelta's DisasmX64 measures it, and where its one remappable 4-byte field
 * (RIP-relative disp32, rel32 branch) is, if any (*field_ret < 0: none).
 * Returns >= 1 for avail >= 1.
 */
unsigned pe_x64_insn_length(const uint8_t *code, size_t avail, int *field_ret);

#endif
