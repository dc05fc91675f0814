/* SPDX-License-Identifier: MIT */
/*
 * Hive transaction log replay (hive/replay.c).  Input: u32 LE primary
 * length, u32 LE .LOG1 length, then the primary, .LOG1, and the rest as
 * .LOG2; each is a heap copy of exactly its size.  Bit 31 of the primary
 * length asks for the HvLE entries of both logs to get correct Marvin32
 * hashes before the replay, so mutations reach the page references and
 * the applying code instead of stopping at the hash check.
 * Properties:
 *   - only -SXS_ENOMEM, -SXS_EFORMAT or -SXS_EUNSUPPORTED are errors; a
 *     hostile log is a FAILED state with a reason, never an error;
 *   - CLEAN and FAILED give no data; FAILED has a reason and names no
 *     applied log;
 *   - DONE gives at least the primary's size and 4096 + the hive bins size
 *     it declares, a clean primary base block (type 0, equal sequence
 *     numbers == seq_after, valid checksum), one or two distinct logs
 *     applied, each with a format and (new format) at least one entry;
 *   - the inputs are not modified; replay is deterministic; replaying the
 *     result again finds it clean; the description is one non-empty line.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "hive/replay.h"
#include "util/alloc.h"
#include "util/bytes.h"

static uint32_t checksum(const uint8_t *b)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < 508; i += 4)
		sum ^= sxs_le32(b + i);
	if (sum == 0)
		sum = 1;
	else if (sum == 0xffffffffu)
		sum = 0xfffffffeu;
	return sum;
}

/* Give every HvLE entry that fits in the log the hashes it should have. */
static void fix_hashes(uint8_t *log, size_t len)
{
	for (size_t off = 512; len - off >= 40 && off < len && !memcmp(log + off, "HvLE", 4);) {
		uint32_t size = sxs_le32(log + off + 4);
		if (size < 512 || size % 512 || size > len - off)
			break;
		sxs_put_le64(log + off + 24,
		             sxs_marvin32(log + off + 40, size - 40, SXS_HVLE_MARVIN_SEED));
		sxs_put_le64(log + off + 32, sxs_marvin32(log + off, 32, SXS_HVLE_MARVIN_SEED));
		off += size;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	uint32_t plen = fuzz_u32(&in), l1len = fuzz_u32(&in);
	bool fix = plen & 0x80000000u;
	size_t n0, n1, n2;
	uint8_t *p = fuzz_take(&in, plen & 0x7fffffffu, &n0);
	uint8_t *l1 = fuzz_take(&in, l1len, &n1);
	uint8_t *l2 = fuzz_take(&in, in.left, &n2);
	if (fix) {
		fix_hashes(l1, n1);
		fix_hashes(l2, n2);
	}
	uint8_t *copy = malloc(n0 + n1 + n2 + 1);
	FUZZ_CHECK(copy != NULL, "out of memory");
	memcpy(copy, p, n0);
	memcpy(copy + n0, l1, n1);
	memcpy(copy + n0 + n1, l2, n2);

	struct sxs_replay r, again;
	struct sxs_diag d = {{0}};
	int err = sxs_replay_run(p, n0, n1 ? l1 : NULL, n1, n2 ? l2 : NULL, n2, &r, &d);
	FUZZ_CHECK(err == 0 || err == -SXS_ENOMEM || err == -SXS_EFORMAT ||
	                   err == -SXS_EUNSUPPORTED,
	           "unexpected error %d", err);
	if (err) {
		FUZZ_CHECK(d.msg[0] != '\0', "error %d without a reason", err);
		FUZZ_CHECK(r.data == NULL, "data after an error");
		goto out;
	}
	if (r.state != SXS_REPLAY_DONE) {
		FUZZ_CHECK(r.data == NULL && r.len == 0, "data without a replay");
		if (r.state == SXS_REPLAY_FAILED) {
			FUZZ_CHECK(r.reason[0] != '\0', "FAILED without a reason");
			FUZZ_CHECK(!r.log[0].applied && !r.log[1].applied, "FAILED but a log applied");
		}
	} else {
		FUZZ_CHECK(r.data != NULL && r.len >= n0 && r.len >= 4096, "short result");
		uint32_t bins = sxs_le32(r.data + 40);
		FUZZ_CHECK(r.len - 4096 >= bins, "result shorter than its bins (%u)", bins);
		FUZZ_CHECK(memcmp(r.data, "regf", 4) == 0, "lost the signature");
		FUZZ_CHECK(sxs_le32(r.data + 28) == 0, "result is not a primary file");
		FUZZ_CHECK(sxs_le32(r.data + 4) == r.seq_after && sxs_le32(r.data + 8) == r.seq_after,
		           "sequence numbers");
		FUZZ_CHECK(sxs_le32(r.data + 508) == checksum(r.data), "checksum");
		FUZZ_CHECK(r.n_order >= 1 && r.n_order <= 2, "n_order %u", r.n_order);
		FUZZ_CHECK(r.n_order == 1 || r.order[0] != r.order[1], "a log applied twice");
		for (unsigned i = 0; i < r.n_order; i++) {
			const struct sxs_replay_log *l = &r.log[r.order[i]];
			FUZZ_CHECK(l->applied && l->format == r.format, "applied log %u", r.order[i]);
			FUZZ_CHECK(r.format == SXS_LOG_OLD || l->entries > 0, "no entry applied");
			FUZZ_CHECK(l->pages > 0, "no page applied");
		}
		/* deterministic, and the result needs no more replay */
		err = sxs_replay_run(p, n0, n1 ? l1 : NULL, n1, n2 ? l2 : NULL, n2, &again, NULL);
		FUZZ_CHECK(err == 0 && again.state == SXS_REPLAY_DONE && again.len == r.len &&
		                   memcmp(again.data, r.data, r.len) == 0,
		           "replay is not deterministic");
		sxs_replay_release(&again);
		err = sxs_replay_run(r.data, r.len, NULL, 0, NULL, 0, &again, NULL);
		FUZZ_CHECK(err == 0 && again.state == SXS_REPLAY_CLEAN, "result is not clean");
		sxs_replay_release(&again);
	}
	char *s = NULL;
	err = sxs_replay_describe(&r, "H", &s);
	FUZZ_CHECK(err == 0 || err == -SXS_ENOMEM, "describe %d", err);
	if (s) {
		FUZZ_CHECK(s[0] != '\0' && strchr(s, '\n') == NULL, "description is not one line");
		sxs_free(s);
	}
	sxs_replay_release(&r);
out:
	FUZZ_CHECK(memcmp(copy, p, n0) == 0 && memcmp(copy + n0, l1, n1) == 0 &&
	                   memcmp(copy + n0 + n1, l2, n2) == 0,
	           "an input was modified");
	free(copy);
	free(p);
	free(l1);
	free(l2);
	return 0;
}
