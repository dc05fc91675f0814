/* SPDX-License-Identifier: MIT */
/*
 * mkpeseeds DIR: write the seed corpus of the `pe` fuzz target
 * (tests/fuzz/corpus/pe/): self-made sources and deltas in the target's
 * input format (u32 LE source length, source, delta), built with the test
 * writers.  They cover the PE pipeline's paths: a caller-rift relayout,
 * every i386 and amd64 transform on an image that has what they read, E8,
 * a CLI delta, a PA31 PE delta, a RAW delta with its own patch rift.
 */
#include <stdio.h>
#include <string.h>

#include "pewriter.h"
#include "util/alloc.h"
#include "util/bytes.h"

static int write_seed(const char *dir, const char *name, const uint8_t *src, size_t slen,
                      const uint8_t *d, size_t dl)
{
	char path[4096];
	uint8_t len[4];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	sxs_put_le32(len, (uint32_t)slen);
	fwrite(len, 1, 4, f);
	fwrite(src, 1, slen, f);
	fwrite(d, 1, dl, f);
	return fclose(f) ? -1 : 0;
}

/* An image with code, relocations, imports, exports, resources and .pdata. */
static uint8_t *image(int pe32plus, size_t *len)
{
	static const struct pew_section sec[] = {
		{".text", 0x1000, 0x200, 0x200, 0x200, PEW_SCN_CODE},
		{".rdata", 0x2000, 0x400, 0x400, 0x400, PEW_SCN_RDATA},
		{".reloc", 0x3000, 0x10, 0x800, 0x200, PEW_SCN_RDATA},
	};
	struct pew_image im;
	uint8_t *b;

	memset(&im, 0, sizeof(im));
	im.pe32plus = pe32plus;
	im.machine = pe32plus ? 0x8664 : 0x14C;
	im.image_base = pe32plus ? 0x140000000ull : 0x400000;
	im.timestamp = 0x12345678;
	im.size_of_image = 0x4000;
	im.sec = sec;
	im.nsec = 3;
	im.file_len = 0xA00;
	im.dir[0][0] = 0x2300; /* exports */
	im.dir[0][1] = 40;
	im.dir[1][0] = 0x2000; /* imports */
	im.dir[1][1] = 40;
	im.dir[2][0] = 0x2200; /* resources */
	im.dir[2][1] = 0x40;
	im.dir[3][0] = 0x2100; /* .pdata */
	im.dir[3][1] = 12;
	im.dir[5][0] = 0x3000;
	im.dir[5][1] = 12;
	im.dir[6][0] = 0x2380; /* debug */
	im.dir[6][1] = 28;
	if (pew_build_image(&im, &b))
		return NULL;
	/* code: mov rax,[rip+d]; call; jmp near; jz near; ret */
	static const uint8_t code[] = {0x48, 0x8B, 0x05, 0xF9, 0x0F, 0, 0, 0xE8, 0x40, 0, 0, 0,
	                               0xE9, 0x90, 0, 0, 0, 0x0F, 0x84, 0x88, 0, 0, 0, 0xC3};
	memcpy(b + 0x200, code, sizeof(code));
	/* imports: one descriptor, bound, ILT + IAT */
	sxs_put_le32(b + 0x400, 0x2040);
	sxs_put_le32(b + 0x404, 1);
	sxs_put_le32(b + 0x40C, 0x2060);
	sxs_put_le32(b + 0x410, 0x2050);
	sxs_put_le32(b + 0x440, 0x2070);
	sxs_put_le32(b + 0x450, (uint32_t)im.image_base + 0x2070);
	/* .pdata: the function at 0x1000 */
	sxs_put_le32(b + 0x500, 0x1000);
	sxs_put_le32(b + 0x504, 0x1018);
	sxs_put_le32(b + 0x508, 0x2180);
	b[0x580] = 0x09;
	sxs_put_le32(b + 0x588, 0x1010);
	/* resources: a root with one data entry */
	sxs_put_le16(b + 0x600 + 14, 1);
	sxs_put_le32(b + 0x610, 1);
	sxs_put_le32(b + 0x614, 0x20);
	sxs_put_le32(b + 0x620, 0x2230);
	/* exports */
	sxs_put_le32(b + 0x700 + 20, 1);
	sxs_put_le32(b + 0x700 + 28, 0x2340);
	sxs_put_le32(b + 0x740, 0x1000);
	/* debug entry with the header timestamp */
	sxs_put_le32(b + 0x784, 0x12345678);
	/* relocations: one site in .rdata */
	sxs_put_le32(b + 0x800, 0x2000);
	sxs_put_le32(b + 0x804, 12);
	sxs_put_le16(b + 0x808, pe32plus ? 0xA3C0 : 0x33C0);
	*len = 0xA00;
	return b;
}

static int pe_seed(const char *dir, const char *name, int pe32plus, uint64_t flags, int pa31,
                   int cli, int e8)
{
	static const struct prsmw_pair pe_rift[] = {{0, 0}, {0x1000, 0x200}, {0x2000, 0x600},
	                                            {0x3000, 0x800}};
	static const struct prsmw_pair used[] = {{0, 0}, {0x1010, 0x1020}, {0x2000, 0x2200}};
	struct pew_preprocess pp = {0x10000000, 0, 0x9ABCDEF0, pe_rift, 4, cli, used, 3, 0};
	struct pa30w_token tok[] = {
		{1, 0, PA30W_SLOT_SRC_SAME, 0, 0x400},
		{0, 'x', PA30W_SLOT_AUTO, 0, 0},
		{1, 0, PA30W_SLOT_SRC14, 0x10, 0x1FF},
		{1, 0, PA30W_SLOT_DIST, 0x300, 0x200},
		{1, 0, PA30W_SLOT_SRC_SAME, 0, 0x400},
	};
	struct pa30w_header h;
	uint8_t *src, *pre = NULL, *patch = NULL, *d = NULL;
	size_t slen, pre_len, patch_len, dl;
	int err = -1;

	src = image(pe32plus, &slen);
	if (!src)
		return -1;
	if (e8)
		src[0x220] = 0xE8;
	if (pew_preprocess(&pp, &pre, &pre_len) ||
	    pew_patch(tok, 5, slen, NULL, 0, &patch, &patch_len))
		goto out;
	pa30w_header_raw(&h, 0xC00);
	h.pa31 = pa31;
	h.file_type_set = 0xF;
	h.file_type = pe32plus ? 8 : 2;
	h.flags = flags;
	h.preprocess = pre;
	h.preprocess_len = pre_len;
	if (pa30w_write_delta(&h, patch, patch_len, &d, &dl))
		goto out;
	err = write_seed(dir, name, src, slen, d, dl);
out:
	sxs_free(src);
	sxs_free(pre);
	sxs_free(patch);
	sxs_free(d);
	return err;
}

/*
 * The relayout of test_pe.c's end-to-end case (.data moved from file 0x400
 * to 0x600), which decodes: timestamp post-fixup and E8 included.
 */
static int relayout_seed(const char *dir, const char *name, uint64_t flags)
{
	static const struct pew_section sec[] = {
		{".text", 0x1000, 0x200, 0x200, 0x200, PEW_SCN_CODE},
		{".data", 0x2000, 0x200, 0x400, 0x200, PEW_SCN_DATA},
	};
	static const struct prsmw_pair pe_rift[] = {{0, 0}, {0x1000, 0x200}, {0x2000, 0x600}};
	struct pew_preprocess pp = {0x10000000, 0, 0x5EED0002, pe_rift, 3, 0, NULL, 0, 0};
	struct pa30w_token tok[] = {
		{1, 0, PA30W_SLOT_SRC_SAME, 0, 0x400},
		{1, 0, PA30W_SLOT_DIST, 0x200, 0x200},
		{1, 0, PA30W_SLOT_SRC_SAME, 0, 0x200},
	};
	struct pew_image im;
	uint8_t *src = NULL, *pre = NULL, *patch = NULL, *d = NULL;
	size_t pre_len, patch_len, dl;
	int err = -1;

	memset(&im, 0, sizeof(im));
	im.machine = 0x14C;
	im.image_base = 0x400000;
	im.timestamp = 0x5EED0001;
	im.size_of_image = 0x3000;
	im.sec = sec;
	im.nsec = 2;
	im.file_len = 0x600;
	im.dir[6][0] = 0x1100;
	im.dir[6][1] = 28;
	if (pew_build_image(&im, &src))
		return -1;
	sxs_put_le32(src + 0x304, 0x5EED0001);
	sxs_put_le32(src + 0x310, 0x20);
	sxs_put_le32(src + 0x318, 0x380);
	sxs_put_le32(src + 0x388, 0x5EED0002);
	src[0x210] = 0xE8;
	sxs_put_le32(src + 0x211, 0x300);
	if (pew_preprocess(&pp, &pre, &pre_len) ||
	    pew_patch(tok, 3, 0x600, NULL, 0, &patch, &patch_len) ||
	    pew_pe_delta(2, flags, NULL, 0x800, 0, pre, pre_len, patch, patch_len, &d, &dl))
		goto out;
	err = write_seed(dir, name, src, 0x600, d, dl);
out:
	sxs_free(src);
	sxs_free(pre);
	sxs_free(patch);
	sxs_free(d);
	return err;
}

static int raw_rift_seed(const char *dir)
{
	static const struct prsmw_pair rift[] = {{12, 0}, {20, 3}};
	struct pa30w_token tok[] = {{1, 0, PA30W_SLOT_SRC_SAME, 0, 16}};
	struct pa30w_header h;
	uint8_t *patch = NULL, *d = NULL;
	size_t plen, dl;
	int err = -1;

	if (pew_patch(tok, 1, 8, rift, 2, &patch, &plen))
		return -1;
	pa30w_header_raw(&h, 16);
	if (!pa30w_write_delta(&h, patch, plen, &d, &dl))
		err = write_seed(dir, "raw-patch-rift", (const uint8_t *)"ABCDEFGH", 8, d, dl);
	sxs_free(patch);
	sxs_free(d);
	return err;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkpeseeds DIR\n");
		return 2;
	}
	const char *dir = argv[1];
	int err = pe_seed(dir, "i386-transforms", 0, 0xE1FE, 0, 0, 0) ||
	          pe_seed(dir, "i386-transforms-e8", 0, 0xE1FF, 0, 0, 1) ||
	          pe_seed(dir, "amd64-transforms", 1, 0xE63E, 0, 0, 0) ||
	          pe_seed(dir, "amd64-pa31", 1, 0x2E63F, 1, 0, 0) ||
	          pe_seed(dir, "i386-cli-metadata", 0, 0xE1FE, 0, 1, 0) ||
	          pe_seed(dir, "amd64-unbind-only", 1, 0x2000, 0, 0, 0) ||
	          relayout_seed(dir, "i386-relayout", 0) ||
	          relayout_seed(dir, "i386-relayout-e8-transforms", 0xE1FF) ||
	          raw_rift_seed(dir);
	if (err) {
		fprintf(stderr, "mkpeseeds: cannot write the seeds\n");
		return 1;
	}
	return 0;
}
