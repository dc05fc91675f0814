/* SPDX-License-Identifier: MIT */
/*
 * The PreProcess buffer of a PE delta (psfx.md §5.1): a bitstream of its own
 * (3-bit padding count) holding the target's ImageBase, an unused field,
 * the target's TimeDateStamp, the target RVA -> file offset rift, an
 * optional CLI metadata record, the source RVA -> target RVA ("used") rift,
 * and, when bits remain, an optional CLI map.
 */
#include "pa30/pe/pe.h"

#include "pa30/bits.h"
#include "pa30/rift.h"

#define CLI_FIXED_WORDS 15 /* metadata offset, size, RVA, stream count, ..., 5 streams */

void pe_preprocess_init(struct pe_preprocess *pp)
{
	pp->image_base = 0;
	pp->field1 = 0;
	pp->timestamp = 0;
	pa30_riftmap_init(&pp->pe_rift);
	pa30_riftmap_init(&pp->used_rift);
	pp->cli_metadata = false;
	pp->cli_map = false;
}

void pe_preprocess_release(struct pe_preprocess *pp)
{
	pa30_riftmap_release(&pp->pe_rift);
	pa30_riftmap_release(&pp->used_rift);
}

/* Read a wire rift table into a rift map (entries stay in stream-sorted order). */
static int read_rift(struct pa30_bits *b, struct pa30_riftmap *m, struct sxs_diag *diag,
                     const char *what)
{
	struct pa30_rift r = {NULL, 0};
	int err = pa30_rift_read(b, &r, diag, what);

	if (err)
		return err;
	if (r.n > SXS_MAX_PE_RIFT) {
		err = sxs_diag_set(diag, SXS_ELIMIT, "pa30: %s rift table of %zu entries (limit %zu)",
		                   what, r.n, SXS_MAX_PE_RIFT);
		goto out;
	}
	for (size_t i = 0; i < r.n; i++) {
		err = pa30_riftmap_push(m, r.v[i].source, r.v[i].target);
		if (err) {
			err = sxs_diag_set(diag, -err, "pa30: out of memory for the %s rift", what);
			goto out;
		}
	}
out:
	pa30_rift_release(&r);
	return err;
}

static int truncated(const struct pa30_bits *b, struct sxs_diag *diag, const char *what)
{
	if (pa30_bits_overrun(b))
		return sxs_diag_set(diag, SXS_ETRUNC, "pa30: preprocess ends in the %s", what);
	return 0;
}

int pe_preprocess_parse(const uint8_t *data, size_t len, struct pe_preprocess *pp,
                        struct sxs_diag *diag)
{
	struct pa30_bits b;
	int err;

	err = pa30_bits_init(&b, data, len, diag, "preprocess");
	if (err)
		return err;
	pp->image_base = pa30_bits_read(&b, 32);
	pp->image_base |= (uint64_t)pa30_bits_read(&b, 32) << 32;
	pp->field1 = pa30_bits_read(&b, 32);
	pp->timestamp = pa30_bits_read(&b, 32);
	if ((err = truncated(&b, diag, "target header fields")))
		return err;
	err = read_rift(&b, &pp->pe_rift, diag, "preprocess target");
	if (err)
		return err;

	/* CLI metadata: present bit, then the target metadata layout */
	pp->cli_metadata = pa30_bits_read(&b, 1) != 0;
	if ((err = truncated(&b, diag, "CLI metadata bit")))
		return err;
	if (pp->cli_metadata) {
		uint64_t mask;
		for (unsigned i = 0; i < CLI_FIXED_WORDS; i++)
			pa30_bits_read(&b, 32);
		pa30_bits_read(&b, 3); /* heap index widths */
		mask = pa30_bits_read(&b, 32);
		mask |= (uint64_t)pa30_bits_read(&b, 32) << 32;
		for (int t = __builtin_popcountll(mask); t > 0; t--)
			pa30_bits_read(&b, 32); /* row counts */
		if ((err = truncated(&b, diag, "CLI metadata")))
			return err;
	}
	err = read_rift(&b, &pp->used_rift, diag, "preprocess used");
	if (err)
		return err;
	/* CLI map: only when bits remain */
	if (pa30_bits_consumed(&b) < b.limit) {
		pp->cli_map = pa30_bits_read(&b, 1) != 0;
		if ((err = truncated(&b, diag, "CLI map bit")))
			return err;
	}
	return 0;
}
