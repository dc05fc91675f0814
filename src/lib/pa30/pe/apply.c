/* SPDX-License-Identifier: MIT */
/*
 * The forward PE delta pipeline (psfx.md §5.0): transform the source into
 * T(source) the way msdelta's PreProcessPEForApply does, build the caller
 * rift that tells the LZ decoder where each target offset comes from in the
 * source, decode, then fix timestamps (the E8 post-filter is delta.c's).
 */
#include "pa30/pe/pe.h"

#include <string.h>

#include "pa30/internal.h"
#include "pa30/lz.h"
#include "util/alloc.h"
#include "util/bytes.h"

/* --- helpers shared by the transforms ------------------------------------ */

void pe_mark(struct pe_xform *x, size_t fo, size_t n)
{
	for (size_t k = 0; k < n && fo < x->len && k < x->len - fo; k++)
		x->marker[fo + k] |= 1;
}

bool pe_marked(const struct pe_xform *x, size_t fo)
{
	return fo < x->len && (x->marker[fo] & 1);
}

void pe_store32(struct pe_xform *x, size_t fo, uint32_t v, uint64_t flag)
{
	if (!pe_fits(x->len, fo, 4) || sxs_le32(x->buf + fo) == v)
		return;
	sxs_put_le32(x->buf + fo, v);
	x->changed |= flag;
}

void pe_store64(struct pe_xform *x, size_t fo, uint64_t v, uint64_t flag)
{
	if (!pe_fits(x->len, fo, 8) || sxs_le64(x->buf + fo) == v)
		return;
	sxs_put_le64(x->buf + fo, v);
	x->changed |= flag;
}

/* --- T(source) ------------------------------------------------------------- */

/*
 * psfx.md §5.5, in msdelta's order: Unbind, the target TimeDateStamp, the
 * flagged transforms whose layer fits the source machine ("pe" any, "x86"
 * i386 only, "x64" amd64 only), the target ImageBase last.
 */
static int build_t_source(struct pe_xform *x, const struct pe_preprocess *pp, uint64_t flags,
                          struct sxs_diag *diag)
{
	const struct pe_image *pe = x->pe;
	const bool x86 = pe->machine == PE_MACHINE_I386, x64 = pe->machine == PE_MACHINE_AMD64;
	int err;

	if (flags & PE_FLAG_UNBIND)
		pe_unbind(x);
	if (pe_fits(x->len, pe->ts_off, 4))
		sxs_put_le32(x->buf + pe->ts_off, pp->timestamp);
	if ((flags & PE_FLAG_MARK) && x86)
		pe_mark_non_exe(x);
	if (flags & PE_FLAG_IMPORTS)
		pe_transform_imports(x);
	if (flags & PE_FLAG_EXPORTS)
		pe_transform_exports(x);
	if (flags & PE_FLAG_RESOURCES)
		pe_transform_resources(x);
	if (flags & PE_FLAG_RELOCS) {
		err = pe_transform_relocs(x, diag);
		if (err)
			return err;
	}
	if ((flags & PE_FLAG_JMPS) && x86)
		pe_transform_jmps(x);
	if ((flags & PE_FLAG_CALLS) && x86)
		pe_transform_calls(x);
	if ((flags & PE_FLAG_DISASM) && x64)
		pe_transform_disasm_x64(x);
	if ((flags & PE_FLAG_PDATA) && x64)
		pe_transform_pdata_x64(x);
	if (pe->is64 && pe_fits(x->len, pe->image_base_off, 8))
		sxs_put_le64(x->buf + pe->image_base_off, pp->image_base);
	else if (!pe->is64 && pe_fits(x->len, pe->image_base_off, 4))
		sxs_put_le32(x->buf + pe->image_base_off, (uint32_t)pp->image_base);
	return 0;
}

/* --- the caller rift (psfx.md §5.3) ---------------------------------------- */

/* A rift map that could not be built: too many entries, or no memory. */
static int rift_error(int err, struct sxs_diag *diag, const char *what)
{
	if (err == -SXS_ELIMIT)
		return sxs_diag_set(diag, SXS_ELIMIT, "pa30: %s exceeds %zu entries", what,
		                    SXS_MAX_PE_RIFT);
	return sxs_diag_set(diag, SXS_ENOMEM, "pa30: out of memory for the %s", what);
}

/*
 * target file offset -> source file offset, keyed by the target byte's
 * virtual LZ position (source length + target offset):
 *   forward = pe_rift . used_rift . io2rva   (source offset -> target offset)
 *   caller  = forward^-1, shifted by the source length
 * where io2rva maps source file offsets to RVAs section by section.
 */
static int build_caller_rift(const struct pe_image *pe, size_t src_len,
                             const struct pe_preprocess *pp, struct pa30_riftmap *caller,
                             struct sxs_diag *diag)
{
	struct pa30_riftmap io2rva, m1, fwd, t2s;
	int err;

	pa30_riftmap_init(&io2rva);
	pa30_riftmap_init(&m1);
	pa30_riftmap_init(&fwd);
	pa30_riftmap_init(&t2s);
	err = pa30_riftmap_push(&io2rva, 0, 0);
	for (size_t i = 0; !err && i < pe->nsec; i++)
		if (pe->sec[i].va != 0 && pe->sec[i].raw_ptr != 0)
			err = pa30_riftmap_push(&io2rva, pe->sec[i].raw_ptr, pe->sec[i].va);
	if (!err)
		err = pa30_riftmap_sort(&io2rva);
	if (err) {
		err = rift_error(err, diag, "section map");
		goto out;
	}
	if ((err = pa30_riftmap_multiply(&io2rva, &pp->used_rift, &m1, diag)) ||
	    (err = pa30_riftmap_multiply(&m1, &pp->pe_rift, &fwd, diag)) ||
	    (err = pa30_riftmap_reverse(&fwd, &t2s, diag)))
		goto out;
	for (size_t i = 0; i < t2s.n; i++) {
		int64_t key = (int64_t)((uint64_t)src_len + (uint64_t)t2s.v[i].src);
		err = pa30_riftmap_push(caller, key, t2s.v[i].dst);
		if (err) {
			err = rift_error(err, diag, "caller rift");
			goto out;
		}
	}
	err = pa30_riftmap_sort(caller);
	if (err)
		err = rift_error(err, diag, "caller rift");
out:
	pa30_riftmap_release(&io2rva);
	pa30_riftmap_release(&m1);
	pa30_riftmap_release(&fwd);
	pa30_riftmap_release(&t2s);
	return err;
}

/* A source that is not a PE: both preprocess rifts, as they are (JL's fallback). */
static int fallback_rift(const struct pe_preprocess *pp, struct pa30_riftmap *caller,
                         struct sxs_diag *diag)
{
	int err = 0;

	for (size_t i = 0; !err && i < pp->pe_rift.n; i++)
		err = pa30_riftmap_push(caller, pp->pe_rift.v[i].src, pp->pe_rift.v[i].dst);
	for (size_t i = 0; !err && i < pp->used_rift.n; i++)
		err = pa30_riftmap_push(caller, pp->used_rift.v[i].src, pp->used_rift.v[i].dst);
	if (!err)
		err = pa30_riftmap_sort(caller);
	if (err)
		return rift_error(err, diag, "caller rift");
	return 0;
}

/* --- after decoding (psfx.md §5.7) ----------------------------------------- */

#define DEBUG_DIR_SIZE 28

struct offlist {
	size_t *v, n, cap;
};

static int offlist_add(struct offlist *l, size_t off)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		size_t *v = sxs_reallocarray(l->v, cap, sizeof(*v));
		if (!v)
			return -SXS_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = off;
	return 0;
}

/*
 * Where the source timestamp may have been copied into the output, put the
 * target's: the COFF header, the export directory, each debug directory
 * entry, and every 4-byte occurrence of the output's header timestamp in
 * each debug entry's raw data.  The places are all found first, then each
 * one holding the source timestamp is changed.
 */
static int timestamp_fixup(uint8_t *out, size_t len, uint32_t src_ts, uint32_t tgt_ts)
{
	struct pe_image pe;
	struct offlist l = {NULL, 0, 0};
	size_t fo, dbg;
	int err = pe_parse(out, len, &pe);

	if (err)
		return err == -SXS_ENOMEM ? err : 0; /* not a PE (or too many sections): nothing */
	err = offlist_add(&l, pe.ts_off);
	if (!err && pe.dir[PE_DIR_EXPORT].rva != 0 &&
	    pe_rva_to_fo(&pe, pe.dir[PE_DIR_EXPORT].rva, &fo))
		err = offlist_add(&l, fo + 4);
	if (!err && pe.dir[PE_DIR_DEBUG].rva != 0 && pe.dir[PE_DIR_DEBUG].size >= DEBUG_DIR_SIZE &&
	    pe_rva_to_fo(&pe, pe.dir[PE_DIR_DEBUG].rva, &dbg)) {
		size_t n = pe.dir[PE_DIR_DEBUG].size / DEBUG_DIR_SIZE;
		uint8_t ts[4];
		sxs_put_le32(ts, pe_fits(len, pe.ts_off, 4) ? sxs_le32(out + pe.ts_off) : 0);
		uint64_t scan = 4 * (uint64_t)len + PE_WORK_BASE; /* raw data bytes scanned */
		for (size_t i = 0; !err && i < n && pe_fits(len, dbg + i * DEBUG_DIR_SIZE + 4, 4); i++)
			err = offlist_add(&l, dbg + i * DEBUG_DIR_SIZE + 4);
		for (size_t i = 0; !err && i < n; i++) {
			size_t e = dbg + i * DEBUG_DIR_SIZE;
			if (!pe_fits(len, e, DEBUG_DIR_SIZE))
				break;
			size_t size = sxs_le32(out + e + 16), ptr = sxs_le32(out + e + 24);
			if (ptr == 0 || size == 0 || !pe_fits(len, ptr, size))
				continue;
			if (scan < size)
				break; /* hostile: the same raw data named again and again */
			scan -= size;
			for (size_t j = ptr; !err && ptr + size - j >= 4;) {
				if (memcmp(out + j, ts, 4) == 0) {
					err = offlist_add(&l, j);
					j += 4;
				} else {
					j++;
				}
			}
		}
	}
	for (size_t i = 0; !err && i < l.n; i++)
		if (pe_fits(len, l.v[i], 4) && sxs_le32(out + l.v[i]) == src_ts)
			sxs_put_le32(out + l.v[i], tgt_ts);
	sxs_free(l.v);
	pe_release(&pe);
	return err;
}

bool pe_is_i386_native(const uint8_t *buf, size_t len)
{
	struct pe_image pe;
	bool native = false;

	if (pe_parse(buf, len, &pe) != 0)
		return false;
	if (pe.machine != PE_MACHINE_I386 || pe.is64)
		goto out;
	native = true;
	if (pe.dir[PE_DIR_CLR].rva == 0)
		goto out;
	for (size_t i = 0; i < pe.nsec; i++) {
		const struct pe_section *s = &pe.sec[i];
		uint32_t rva = pe.dir[PE_DIR_CLR].rva;
		if (rva >= s->va && rva - s->va < s->vsize) {
			size_t off = (size_t)s->raw_ptr + (rva - s->va);
			if (pe_fits(len, off, 20)) {
				native = !(sxs_le32(buf + off + 16) & 1u); /* COMIMAGE_FLAGS_ILONLY */
				goto out;
			}
		}
	}
out:
	pe_release(&pe);
	return native;
}

/* --- the pipeline ---------------------------------------------------------- */

int pe_apply(const uint8_t *src, size_t src_len, const struct sxs_pa30_header *h,
             const uint8_t *pre, const uint8_t *patch, uint8_t **out_ret,
             struct pe_apply_info *info, struct sxs_diag *diag)
{
	struct pe_preprocess pp;
	struct pe_image pe;
	struct pa30_riftmap caller;
	struct pe_xform x;
	bool is_pe;
	uint8_t *t = NULL, *marker = NULL, *out = NULL;
	uint32_t src_ts = 0;
	int err;

	pe_preprocess_init(&pp);
	pa30_riftmap_init(&caller);
	memset(&pe, 0, sizeof(pe));
	memset(&x, 0, sizeof(x));
	info->transforms = 0;
	info->cli = false;
	err = pe_preprocess_parse(pre, h->preprocess_len, &pp, diag);
	if (err)
		goto out;
	if (pp.cli_metadata || pp.cli_map) {
		info->cli = true;
		err = sxs_diag_set(diag, SXS_EUNSUPPORTED,
		                   "pa30: classic CLI (.NET) delta: CLI metadata transforms not implemented");
		goto out;
	}
	err = pe_parse(src, src_len, &pe);
	if (err == -SXS_ENOMEM) {
		err = sxs_diag_set(diag, SXS_ENOMEM, "pa30: out of memory for the PE sections");
		goto out;
	}
	if (err == -SXS_ELIMIT) {
		err = sxs_diag_set(diag, SXS_EUNSUPPORTED, "pa30: source PE with more than %u sections",
		                   PE_XFORM_MAX_SECTIONS);
		goto out;
	}
	is_pe = err == 0;
	err = 0;
	if (is_pe && pe_is_managed(&pe)) {
		info->cli = true;
		err = sxs_diag_set(diag, SXS_EUNSUPPORTED,
		                   "pa30: classic CLI (.NET) delta: the source is a managed image");
		goto out;
	}

	t = sxs_malloc(src_len ? src_len : 1);
	marker = sxs_calloc(src_len ? src_len : 1, 1);
	if (!t || !marker) {
		err = sxs_diag_set(diag, SXS_ENOMEM, "pa30: out of memory for the %zu-byte source",
		                   src_len);
		goto out;
	}
	if (src_len)
		memcpy(t, src, src_len);
	if (is_pe) {
		src_ts = pe_fits(src_len, pe.ts_off, 4) ? sxs_le32(src + pe.ts_off) : 0;
		/* msdelta zeroes the source's CheckSum before anything else */
		if (pe_fits(src_len, pe.checksum_off, 4))
			sxs_put_le32(t + pe.checksum_off, 0);
		x.buf = t;
		x.len = src_len;
		x.pe = &pe;
		x.rift = &pp.used_rift;
		x.target_base = pp.image_base;
		x.marker = marker;
		x.budget = PE_WORK_PER_BYTE * (uint64_t)src_len + PE_WORK_BASE;
		err = build_t_source(&x, &pp, h->flags, diag);
		if (!err && x.over)
			err = sxs_diag_set(diag, SXS_ELIMIT,
			                   "pa30: the source's PE structures exceed the work limit");
		if (!err)
			err = build_caller_rift(&pe, src_len, &pp, &caller, diag);
	} else {
		err = fallback_rift(&pp, &caller, diag);
	}
	if (err)
		goto out;

	err = pa30_decode_patch(t, src_len, patch, h->patch_len, (size_t)h->target_size, &caller,
	                        &out, diag);
	if (err)
		goto out;
	if (is_pe && src_ts != 0 && src_ts != pp.timestamp) {
		err = timestamp_fixup(out, (size_t)h->target_size, src_ts, pp.timestamp);
		if (err) {
			err = sxs_diag_set(diag, SXS_ENOMEM, "pa30: out of memory");
			goto out;
		}
	}
	*out_ret = out;
	out = NULL;
out:
	info->transforms = x.changed;
	sxs_free(out);
	sxs_free(t);
	sxs_free(marker);
	pe_release(&pe);
	pa30_riftmap_release(&caller);
	pe_preprocess_release(&pp);
	return err;
}
