/* SPDX-License-Identifier: MIT */
/*
 * hivexrss HIVE: open a hive with hivex and close it again, nothing else.
 * bench.sh runs it under /usr/bin/time -v: its peak RSS is the memory any
 * hivex user pays for that hive (hivex_open maps the whole file and reads
 * every cell header), the floor under the scan's own figure.
 */
#include <errno.h>
#include <hivex.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: hivexrss HIVE\n");
		return 2;
	}
	hive_h *h = hivex_open(argv[1], 0);
	if (!h) {
		fprintf(stderr, "hivexrss: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	hivex_close(h);
	return 0;
}
