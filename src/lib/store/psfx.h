/* SPDX-License-Identifier: MIT */
#ifndef SXS_STORE_PSFX_H
#define SXS_STORE_PSFX_H

/*
 * PSFX differentials of a component (f\, r\, n\; formats.md §1.2,
 * psfx.md §2): facts for check/deltas.c.
 *
 * The walk only lists the f/, r/, n/ folders (sxs_psfx_list) and ties each
 * file to the payload of the same name (sxs_psfx_assign).  The hash workers
 * then read and check them (sxs_psfx_check_group), right after hashing that
 * payload: the CRC-32 prefix and header (every tier), then, with
 * --deltas=full, the delta tier of psfx.md §2.4:
 *   n\  applied to empty input; the result must be the file (manifest digest
 *       and, without one, the bytes of the full file or the TargetHash);
 *   f\  cheap check: its SHA-256 TargetHash against the manifest's SHA-256
 *       digest of the file (a mismatch: a forward delta of another version);
 *   r\  applied to the full file (PRSM reversal data or any PA30 delta),
 *       TargetHash checked when it has one: the RTM base;
 *   f\  applied to that base must give back the full file byte for byte.
 * A verdict is FAILED only when the step ran to the end with every part
 * supported and a hash or the bytes were compared; a decoder limit,
 * unsupported type or flags, the size cap or an unusable full file make it
 * UNVERIFIABLE with the reason (never a guess; issue 14).
 */

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "store/model.h"

/*
 * Memory the delta tier may hold at once across all hash workers: the full
 * file, the rebuilt RTM file and each result count against it.  A worker
 * waits while others hold too much; one job alone always runs (each part
 * is capped by opt->delta_cap).
 */
struct sxs_psfx_budget {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	uint64_t limit, held;
};

struct sxs_psfx_env {
	int winsxs_fd;
	int windows_fd;  /* for differentials under servicing\LCU */
	const struct sxs_model_options *opt;
	struct sxs_psfx_budget *budget; /* NULL: no shared limit */
};

/* A budget of `limit` bytes; release with _destroy. */
void sxs_psfx_budget_init(struct sxs_psfx_budget *b, uint64_t limit);
void sxs_psfx_budget_destroy(struct sxs_psfx_budget *b);

/* List the f/, r/, n/ subfolders of a component folder into c->deltas (no reads). */
int sxs_psfx_list(const struct sxs_dir *folder, struct sxs_component *c);
/*
 * Tie each differential to the payload of its name (owner, at most one of
 * each kind per payload) and sort them by path, case-insensitively.
 */
int sxs_psfx_assign(struct sxs_component *c);
/* Indexes of the differentials payload pi owns (f, n, r order); their count (<= 3). */
size_t sxs_psfx_group(const struct sxs_component *c, size_t pi, size_t idx[3]);
/*
 * Check the group of payload pi (its hash already settled by the caller),
 * or, with pi == SIZE_MAX, the lone differential di.  Only -SXS_ENOMEM is
 * returned; everything else is recorded on the differentials.
 */
int sxs_psfx_check_group(const struct sxs_psfx_env *env, struct sxs_component *c, size_t pi,
                         size_t di);

#endif
