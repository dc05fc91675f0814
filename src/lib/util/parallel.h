/* SPDX-License-Identifier: MIT */
#ifndef SXS_UTIL_PARALLEL_H
#define SXS_UTIL_PARALLEL_H

#include <stddef.h>

/*
 * Run fn(ctx, i, worker) for i in [0, n) on `jobs` worker threads
 * (worker = 0 .. jobs-1, for per-worker buffers).  Items are handed out in
 * index order from one shared counter, so a caller that sorted the items
 * (by inode, say) gets them read in roughly that order.  While the workers
 * run, the calling thread calls tick(ctx) every `tick_ms` milliseconds
 * (when tick is non-NULL).  Returns 0, or -SXS_ENOMEM when no thread could
 * be started (then nothing ran).
 */
int sxs_parallel_for(size_t n, unsigned jobs, void (*fn)(void *ctx, size_t i, unsigned worker),
                     void (*tick)(void *ctx), unsigned tick_ms, void *ctx);

/* Number of online CPUs (at least 1). */
unsigned sxs_online_cpus(void);

#endif
