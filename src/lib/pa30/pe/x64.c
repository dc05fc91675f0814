/* SPDX-License-Identifier: MIT */
/*
 * amd64 source transforms (psfx.md §5.5 rows 8, 9): DisasmX64 (0x200) and
 * PdataX64 (0x400).  Both run only when the used rift is not empty (no
 * relayout, nothing to re-aim).
 *
 * DisasmX64 length-decodes every function that .pdata lists and re-aims
 * each RIP-relative disp32 and rel32 branch at the target's new RVA.  The
 * length decoder measures instructions the way msdelta's does, quirks
 * included (opcodes it does not know end the instruction after the opcode
 * byte; C2/CA take a 16/32-bit immediate by operand size; C8 ENTER takes
 * none; 9E/9F, C4/C5, D4-D6, 0F 38/3A and others are unknown), because the
 * byte position where decoding resumes decides which later fields it
 * rewrites.  The opcode classes below are written from the x86-64 opcode
 * map and psfx.md §5.5, with msdelta's deviations from the map as JL
 * (jlevere/msdelta src/pe/transform.rs, read for facts) documents them.
 */
#include "pa30/pe/pe.h"

#include "util/bytes.h"

/* ModRM / operand classes. */
enum {
	OP_NONE,   /* no ModRM, no operand bytes here */
	OP_STOP,   /* unknown: the instruction ends after the opcode */
	OP_MODRM,  /* a ModRM byte (+ SIB, displacement) */
	OP_MOFFS,  /* A0-A3: an address-size offset (8 bytes, 4 with 0x67) */
	OP_REL8,   /* one displacement byte */
	OP_REL32,  /* a rel32 branch: remapped */
};

/* Immediate classes. */
enum {
	IMM_NONE,
	IMM_8,
	IMM_Z,     /* 16 with 0x66, else 32 */
	IMM_V,     /* MOV r, imm: 64 with REX.W, 16 with 0x66, else 32 */
	IMM_F6,    /* imm8 for /0 and /1 (TEST) only */
	IMM_F7,    /* immZ for /0 and /1 (TEST) only */
};

static unsigned op_class_1b(unsigned op)
{
	if (op < 0x40) {
		unsigned lo = op & 7;
		if (lo < 4)
			return OP_MODRM;  /* ALU r/m forms */
		if (lo < 6)
			return OP_NONE;   /* ALU AL/eAX, imm */
		return OP_STOP;           /* push/pop seg, DAA..., prefixes: invalid */
	}
	if (op < 0x50)
		return OP_STOP;           /* a REX not directly before the opcode */
	if (op < 0x60)
		return OP_NONE;           /* push/pop r */
	if (op < 0x70) {
		switch (op) {
		case 0x63: case 0x69: case 0x6B: return OP_MODRM;
		case 0x68: case 0x6A: case 0x6C: case 0x6D: case 0x6E: case 0x6F:
			return OP_NONE;
		default: return OP_STOP;  /* 60-62, 64-67 */
		}
	}
	if (op < 0x80)
		return OP_REL8;           /* Jcc rel8 */
	if (op < 0x90)
		return op == 0x82 ? OP_STOP : OP_MODRM;
	if (op < 0xA0)
		return (op == 0x9A || op == 0x9E || op == 0x9F) ? OP_STOP : OP_NONE;
	if (op < 0xA4)
		return OP_MOFFS;
	if (op < 0xC0)
		return OP_NONE;
	if (op < 0xE0) {
		switch (op) {
		case 0xC0: case 0xC1: case 0xC6: case 0xC7:
		case 0xD0: case 0xD1: case 0xD2: case 0xD3:
			return OP_MODRM;
		case 0xC4: case 0xC5: case 0xCE: case 0xD4: case 0xD5: case 0xD6:
			return OP_STOP;
		default:
			return op >= 0xD8 ? OP_MODRM : OP_NONE; /* x87: ModRM */
		}
	}
	if (op < 0xE4 || op == 0xEB)
		return OP_REL8;           /* LOOPcc, JrCXZ, JMP short */
	if (op == 0xE8 || op == 0xE9)
		return OP_REL32;
	if (op == 0xEA)
		return OP_STOP;
	if (op == 0xF6 || op == 0xF7 || op == 0xFE || op == 0xFF)
		return OP_MODRM;
	return OP_NONE;
}

static unsigned imm_class_1b(unsigned op)
{
	if (op < 0x40) {
		unsigned lo = op & 7;
		return lo == 4 ? IMM_8 : lo == 5 ? IMM_Z : IMM_NONE;
	}
	switch (op) {
	case 0x68: case 0x69: case 0x81: case 0xA9: case 0xC7: case 0xC2: case 0xCA:
		return IMM_Z;
	case 0x6A: case 0x6B: case 0x80: case 0x82: case 0x83: case 0xA8:
	case 0xC0: case 0xC1: case 0xC6: case 0xCD:
	case 0xE4: case 0xE5: case 0xE6: case 0xE7:
		return IMM_8;
	case 0xF6: return IMM_F6;
	case 0xF7: return IMM_F7;
	default: break;
	}
	if (op >= 0xB0 && op < 0xB8)
		return IMM_8;
	if (op >= 0xB8 && op < 0xC0)
		return IMM_V;
	return IMM_NONE;
}

static unsigned op_class_0f(unsigned op)
{
	switch (op >> 4) {
	case 0x0:
		if (op < 4 || op == 0x0D || op == 0x0F)
			return OP_MODRM;
		return (op == 0x0A || op == 0x0C) ? OP_STOP : OP_NONE;
	case 0x1:
		return op <= 0x18 ? OP_MODRM : OP_STOP;
	case 0x2:
		return (op >= 0x24 && op <= 0x27) ? OP_STOP : OP_MODRM;
	case 0x3:
		return op <= 0x33 ? OP_NONE : OP_STOP; /* 0F 38 / 0F 3A unknown */
	case 0x4: case 0x5: case 0x6: case 0x9: case 0xE:
		return OP_MODRM;
	case 0x7:
		if (op == 0x77)
			return OP_NONE;
		return (op >= 0x78 && op <= 0x7D) ? OP_STOP : OP_MODRM;
	case 0x8:
		return OP_REL32;      /* Jcc rel32 */
	case 0xA:
		if (op <= 0xA2 || (op >= 0xA8 && op <= 0xAA))
			return OP_NONE;
		return (op == 0xA6 || op == 0xA7) ? OP_STOP : OP_MODRM;
	case 0xB:
		return op == 0xB8 ? OP_STOP : OP_MODRM;
	case 0xC:
		return op < 0xC8 ? OP_MODRM : OP_NONE;  /* BSWAP: none */
	case 0xD:
		return op == 0xD0 ? OP_STOP : OP_MODRM;
	default: /* 0xF */
		return (op == 0xF0 || op == 0xFF) ? OP_STOP : OP_MODRM;
	}
}

static unsigned imm_class_0f(unsigned op)
{
	switch (op) {
	case 0x0F: /* 3DNow! suffix byte */
	case 0x70: case 0x71: case 0x72: case 0x73:
	case 0xA4: case 0xAC: case 0xBA:
	case 0xC2: case 0xC4: case 0xC5: case 0xC6:
		return IMM_8;
	default:
		return IMM_NONE;
	}
}

unsigned pe_x64_insn_length(const uint8_t *code, size_t avail, int *field_ret)
{
	size_t pos = 0, need;
	bool opsize16 = false, addr32 = false, rex_w = false, test_form = false;
	unsigned opc, immc;

	*field_ret = -1;
	if (avail > 15)
		avail = 15;
	if (avail == 0)
		return 0;
	/* legacy prefixes */
	for (; pos < avail; pos++) {
		uint8_t p = code[pos];
		if (p == 0x66)
			opsize16 = true;
		else if (p == 0x67)
			addr32 = true;
		else if (!(p == 0x26 || p == 0x2E || p == 0x36 || p == 0x3E || p == 0x64 ||
		           p == 0x65 || p == 0xF0 || p == 0xF2 || p == 0xF3))
			break;
	}
	if (pos >= avail)
		return (unsigned)pos;
	/* one REX, directly before the opcode */
	if ((code[pos] & 0xF0) == 0x40) {
		rex_w = (code[pos] & 0x08) != 0;
		if (++pos >= avail || (code[pos] & 0xF0) == 0x40)
			return (unsigned)pos;
	}
	if (code[pos] == 0x0F) {
		if (++pos >= avail)
			return (unsigned)pos;
		opc = op_class_0f(code[pos]);
		immc = imm_class_0f(code[pos]);
	} else {
		opc = op_class_1b(code[pos]);
		immc = imm_class_1b(code[pos]);
	}
	pos++;

	switch (opc) {
	case OP_STOP:
		return (unsigned)pos;
	case OP_MODRM: {
		if (pos >= avail)
			return (unsigned)pos;
		uint8_t modrm = code[pos++];
		unsigned mod = modrm >> 6, rm = modrm & 7, reg = (modrm >> 3) & 7;
		test_form = reg <= 1;
		need = 0;
		if (mod == 3) {
			need = 0;
		} else if (mod == 0 && rm == 5) {
			/* RIP-relative disp32: the field DisasmX64 re-aims */
			if (avail - pos < 4)
				return (unsigned)pos;
			*field_ret = (int)pos;
			pos += 4;
		} else {
			if (rm == 4) {
				if (pos >= avail)
					return (unsigned)pos;
				uint8_t sib = code[pos++];
				if (mod == 0 && (sib & 7) == 5)
					need = 4; /* absolute disp32 */
			}
			if (mod == 1)
				need = 1;
			else if (mod == 2)
				need = 4;
			if (avail - pos < need)
				return (unsigned)pos;
			pos += need;
		}
		break;
	}
	case OP_MOFFS:
		need = addr32 ? 4 : 8;
		if (avail - pos < need)
			return (unsigned)pos;
		pos += need;
		break;
	case OP_REL8:
		if (pos >= avail)
			return (unsigned)pos;
		pos++;
		break;
	case OP_REL32:
		if (avail - pos < 4)
			return (unsigned)pos;
		*field_ret = (int)pos;
		pos += 4;
		break;
	default:
		break;
	}

	switch (immc) {
	case IMM_8:
		need = 1;
		break;
	case IMM_Z:
		need = opsize16 ? 2 : 4;
		break;
	case IMM_V:
		need = rex_w ? 8 : opsize16 ? 2 : 4;
		break;
	case IMM_F6:
		need = test_form ? 1 : 0;
		break;
	case IMM_F7:
		need = test_form ? (opsize16 ? 2 : 4) : 0;
		break;
	default:
		need = 0;
		break;
	}
	if (avail - pos < need) {
		*field_ret = -1; /* cut short: msdelta re-aims nothing */
		return (unsigned)pos;
	}
	return (unsigned)(pos + need);
}

/* The .pdata directory as a file range of whole RUNTIME_FUNCTION records. */
static bool pdata_range(const struct pe_xform *x, size_t *fo_ret, size_t *n_ret)
{
	const struct pe_image *pe = x->pe;
	uint32_t rva = pe->dir[PE_DIR_EXCEPTION].rva, size = pe->dir[PE_DIR_EXCEPTION].size;
	size_t fo;

	if (rva == 0 || size == 0 || !pe_rva_to_fo(pe, rva, &fo) || fo >= x->len)
		return false;
	*fo_ret = fo;
	*n_ret = (size < x->len - fo ? size : x->len - fo) / 12;
	return true;
}

void pe_transform_disasm_x64(struct pe_xform *x)
{
	const struct pe_image *pe = x->pe;
	size_t pfo, n;

	if (x->rift->n == 0 || pe->dir[PE_DIR_EXCEPTION].size < 12 || !pdata_range(x, &pfo, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *rf = x->buf + pfo + 12 * i;
		uint32_t begin = sxs_le32(rf), end = sxs_le32(rf + 4);
		size_t off;
		if (begin == 0 || end <= begin || !pe_rva_to_fo(pe, begin, &off))
			continue;
		for (uint32_t rva = begin; rva < end && off < x->len && pe_spend(x, 1);) {
			size_t window = end - rva;
			int field;
			if (window > x->len - off)
				window = x->len - off;
			unsigned len = pe_x64_insn_length(x->buf + off, window, &field);
			if (field >= 0 && pe_fits(x->len, off + (size_t)field, 4)) {
				size_t f = off + (size_t)field;
				int64_t disp = (int32_t)sxs_le32(x->buf + f);
				int64_t next = (int64_t)rva + len;
				int64_t nd = pe_map_rva(x, next + disp) - pe_map_rva(x, next);
				pe_store32(x, f, (uint32_t)nd, PE_FLAG_DISASM);
			}
			rva += len;
			off += len;
			if (rva < len)
				break; /* wrapped */
		}
	}
}

void pe_transform_pdata_x64(struct pe_xform *x)
{
	const struct pe_image *pe = x->pe;
	size_t pfo, n;
	uint32_t first = pe->have_first_rva ? pe->first_rva : 0;

	if (x->rift->n == 0 || !pdata_range(x, &pfo, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		size_t rec = pfo + 12 * i, ui;
		uint32_t unwind = sxs_le32(x->buf + rec + 8);
		/*
		 * An UNWIND_INFO outside .pdata with handler / chain flags: the
		 * u32 after its unwind codes (handler RVA or chained function)
		 */
		bool have = unwind != 0 && (unwind < first ? (ui = unwind, true)
		                                          : pe_rva_to_fo(pe, unwind, &ui));
		if (have && (ui < pfo || ui - pfo > pe->dir[PE_DIR_EXCEPTION].size) &&
		    pe_fits(x->len, ui, 4) && (x->buf[ui] & 0x38)) {
			size_t slot = ui + 4 + ((size_t)(x->buf[ui + 2] + 1) >> 1) * 4;
			if (pe_fits(x->len, slot, 4)) {
				uint32_t v = sxs_le32(x->buf + slot);
				if (v != 0)
					pe_store32(x, slot, (uint32_t)pe_map_rva(x, v), PE_FLAG_PDATA);
			}
		}
		for (size_t f = 0; f < 3; f++) {
			uint32_t v = sxs_le32(x->buf + rec + 4 * f);
			if (v != 0)
				pe_store32(x, rec + 4 * f, (uint32_t)pe_map_rva(x, v), PE_FLAG_PDATA);
		}
	}
}
