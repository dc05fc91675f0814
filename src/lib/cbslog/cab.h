/* SPDX-License-Identifier: MIT */
#ifndef SXS_CBSLOG_CAB_H
#define SXS_CBSLOG_CAB_H

#include <stdint.h>

#include "cbslog/cbslog.h"

/*
 * Read a cabinet from fd (mem NULL) or from mem: one log per member,
 * appended to *logs.  A cab that cannot be read gives one log with
 * err/error set.  Returns 0 or -SXS_ENOMEM.
 */
int sxs_cbs_cab_read(int fd, const void *mem, uint64_t size, const char *name, struct sxs_cbs_log ***logs,
                     size_t *nlogs);

#endif
