/* SPDX-License-Identifier: MIT */
#ifndef SXS_CLI_PROGRESS_H
#define SXS_CLI_PROGRESS_H

#include <stdbool.h>

#include "store/model.h"

enum progress_mode { PROGRESS_AUTO, PROGRESS_ALWAYS, PROGRESS_NEVER };

/* One line on stderr, redrawn in place at most 5 times a second. */
struct progress {
	bool enabled;
	bool tty;
	bool drawn;
	const char *label;
};

int progress_parse_mode(const char *s, enum progress_mode *ret);
void progress_init(struct progress *p, enum progress_mode mode, const char *label);
void progress_update(void *ctx, const struct sxs_progress *pr);
void progress_done(struct progress *p);

#endif
