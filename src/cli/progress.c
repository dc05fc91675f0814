/* SPDX-License-Identifier: MIT */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int progress_parse_mode(const char *s, enum progress_mode *ret)
{
	if (!strcmp(s, "auto"))
		*ret = PROGRESS_AUTO;
	else if (!strcmp(s, "always"))
		*ret = PROGRESS_ALWAYS;
	else if (!strcmp(s, "never"))
		*ret = PROGRESS_NEVER;
	else
		return -1;
	return 0;
}

void progress_init(struct progress *p, enum progress_mode mode, const char *label)
{
	p->tty = isatty(STDERR_FILENO);
	p->enabled = mode == PROGRESS_ALWAYS || (mode == PROGRESS_AUTO && p->tty);
	p->drawn = false;
	p->label = label;
}

static void human(char *buf, size_t n, double v)
{
	static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	size_t i = 0;
	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, n, "%.1f %s", v, u[i]);
}

void progress_update(void *ctx, const struct sxs_progress *pr)
{
	struct progress *p = ctx;
	char done[32], total[32], rate[32], eta[32] = "";
	double r = pr->elapsed > 0 ? (double)pr->bytes_done / pr->elapsed : 0;
	human(done, sizeof(done), (double)pr->bytes_done);
	human(total, sizeof(total), (double)pr->bytes_total);
	human(rate, sizeof(rate), r);
	if (r > 0 && pr->bytes_total > pr->bytes_done) {
		double s = (double)(pr->bytes_total - pr->bytes_done) / r;
		snprintf(eta, sizeof(eta), ", ETA %d:%02d", (int)(s / 60), (int)s % 60);
	}
	/* on a terminal redraw in place; otherwise one line per update */
	fprintf(stderr, "%s%s: %llu/%llu files, %s/%s, %s/s%s%s", p->tty ? "\r\033[K" : "", p->label,
	        (unsigned long long)pr->files_done, (unsigned long long)pr->files_total, done, total,
	        rate, eta, p->tty ? "" : "\n");
	fflush(stderr);
	p->drawn = true;
}

void progress_done(struct progress *p)
{
	if (p->drawn && p->tty)
		fputs("\r\033[K", stderr);
	p->drawn = false;
}
