/* SPDX-License-Identifier: MIT */
#include "util/parallel.h"

#include <unistd.h>

unsigned sxs_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}
