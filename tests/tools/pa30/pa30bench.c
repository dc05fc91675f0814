/* SPDX-License-Identifier: MIT */
/*
 * pa30bench: decode throughput.
 *   pa30bench ITERATIONS SOURCE DELTA [SOURCE DELTA ...]
 * SOURCE is the basis ("-" for an empty one); DELTA is a raw PA30 delta or a
 * DCM/DCN container.  Prints one line per pair and a total, in MB/s of
 * decoded output (1 MB = 10^6 bytes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filebuf.h"
#include "pa30/pa30.h"
#include "util/alloc.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int decode(const uint8_t *src, size_t src_len, const uint8_t *d, size_t d_len,
                  uint8_t **out, size_t *out_len, struct sxs_diag *diag)
{
	if (sxs_container_detect(d, d_len) != SXS_CONTAINER_NONE)
		return sxs_container_decode(d, d_len, src, src_len, out, out_len, diag);
	return sxs_pa30_apply(src, src_len, d, d_len, out, out_len, diag);
}

int main(int argc, char **argv)
{
	double total_bytes = 0, total_time = 0;
	long iters;

	if (argc < 4 || (argc - 2) % 2 != 0 || (iters = strtol(argv[1], NULL, 10)) <= 0) {
		fputs("usage: pa30bench ITERATIONS SOURCE DELTA [SOURCE DELTA ...]\n", stderr);
		return 2;
	}
	printf("%-40s %10s %8s %10s %10s\n", "delta", "out bytes", "iters", "us/decode", "MB/s");
	for (int i = 2; i + 1 < argc; i += 2) {
		uint8_t *src = NULL, *d = NULL;
		size_t src_len = 0, d_len = 0, out_len = 0;
		struct sxs_diag diag = {{0}};
		int err = 0;
		if (strcmp(argv[i], "-") != 0)
			err = pa30t_read_file(argv[i], &src, &src_len);
		if (!err)
			err = pa30t_read_file(argv[i + 1], &d, &d_len);
		if (err) {
			fprintf(stderr, "pa30bench: cannot read %s or %s\n", argv[i], argv[i + 1]);
			return 1;
		}
		double t0 = now();
		for (long n = 0; n < iters; n++) {
			uint8_t *out;
			err = decode(src, src_len, d, d_len, &out, &out_len, &diag);
			if (err) {
				fprintf(stderr, "pa30bench: %s: %s\n", argv[i + 1], sxs_diag_msg(&diag, err));
				return 1;
			}
			sxs_free(out);
		}
		double dt = now() - t0;
		const char *name = strrchr(argv[i + 1], '/');
		name = name ? name + 1 : argv[i + 1];
		printf("%-40.40s %10zu %8ld %10.2f %10.1f\n", name, out_len, iters,
		       dt / (double)iters * 1e6, (double)out_len * (double)iters / dt / 1e6);
		total_bytes += (double)out_len * (double)iters;
		total_time += dt;
		sxs_free(src);
		sxs_free(d);
	}
	printf("%-40s %10s %8s %10s %10.1f\n", "total", "", "", "", total_bytes / total_time / 1e6);
	return 0;
}
