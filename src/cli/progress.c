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
	char done[32], total[32], rate[32], eta[32] = "", walk[64] = "";
	double r = pr->elapsed > 0 ? (double)pr->bytes_done / pr->elapsed : 0;
	double bytes_total = (double)pr->bytes_total;
	bool walking = pr->manifests_done < pr->manifests_total;
	if (walking) {
		/* hashing runs behind the walk: extrapolate the byte total */
		snprintf(walk, sizeof(walk), "%zu/%zu manifests, ", pr->manifests_done,
		         pr->manifests_total);
		if (pr->manifests_done > 0)
			bytes_total = bytes_total * (double)pr->manifests_total /
			              (double)pr->manifests_done;
	}
	human(done, sizeof(done), (double)pr->bytes_done);
	human(total, sizeof(total), bytes_total);
	human(rate, sizeof(rate), r);
	if (r > 0 && bytes_total > (double)pr->bytes_done) {
		double s = (bytes_total - (double)pr->bytes_done) / r;
		snprintf(eta, sizeof(eta), ", ETA %d:%02d", (int)(s / 60), (int)s % 60);
	}
	/* on a terminal redraw in place; otherwise one line per update */
	fprintf(stderr, "%s%s: %s%llu/%llu%s files, %s/%s%s, %s/s%s%s", p->tty ? "\r\033[K" : "",
	        p->label, walk, (unsigned long long)pr->files_done,
	        (unsigned long long)pr->files_total, walking ? "+" : "", done,
	        walking ? "~" : "", total, rate, eta, p->tty ? "" : "\n");
	fflush(stderr);
	p->drawn = true;
}

void progress_done(struct progress *p)
{
	if (p->drawn && p->tty)
		fputs("\r\033[K", stderr);
	p->drawn = false;
}
