/* SPDX-License-Identifier: MIT */
#include "util/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/status.h"

struct pool {
	size_t n;
	atomic_size_t next;
	atomic_uint running;
	void (*fn)(void *ctx, size_t i, unsigned worker);
	void *ctx;
};

struct worker {
	struct pool *pool;
	unsigned id;
	pthread_t thread;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->n)
			break;
		p->fn(p->ctx, i, w->id);
	}
	atomic_fetch_sub(&p->running, 1);
	return NULL;
}

unsigned sxs_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

int sxs_parallel_for(size_t n, unsigned jobs, void (*fn)(void *ctx, size_t i, unsigned worker),
                     void (*tick)(void *ctx), unsigned tick_ms, void *ctx)
{
	struct pool p = {.n = n, .fn = fn, .ctx = ctx};
	if (jobs == 0)
		jobs = 1;
	if (jobs > 256)
		jobs = 256;
	if ((size_t)jobs > n && n > 0)
		jobs = (unsigned)n;
	if (n == 0)
		return 0;
	if (jobs == 1 && !tick) {
		for (size_t i = 0; i < n; i++)
			fn(ctx, i, 0);
		return 0;
	}
	struct worker *w = sxs_calloc(jobs, sizeof(*w));
	if (!w)
		return -SXS_ENOMEM;
	atomic_init(&p.next, 0);
	atomic_init(&p.running, jobs);
	unsigned started = 0;
	for (; started < jobs; started++) {
		w[started].pool = &p;
		w[started].id = started;
		if (pthread_create(&w[started].thread, NULL, worker_main, &w[started]) != 0)
			break;
	}
	if (started < jobs)
		atomic_fetch_sub(&p.running, jobs - started);
	if (started == 0) {
		sxs_free(w);
		/* no thread at all: do the work here */
		for (size_t i = 0; i < n; i++)
			fn(ctx, i, 0);
		return 0;
	}
	if (tick) {
		/* poll often so a short run is not held up, tick at the asked rate */
		const struct timespec ts = {.tv_sec = 0, .tv_nsec = 5 * 1000000L};
		unsigned slept = 0;
		while (atomic_load(&p.running) > 0) {
			nanosleep(&ts, NULL);
			slept += 5;
			if (slept >= tick_ms) {
				slept = 0;
				tick(ctx);
			}
		}
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	sxs_free(w);
	return 0;
}
