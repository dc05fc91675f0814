/* SPDX-License-Identifier: MIT */
#ifndef SXS_UTIL_PARALLEL_H
#define SXS_UTIL_PARALLEL_H

/* Number of online CPUs (at least 1). */
unsigned sxs_online_cpus(void);

#endif
