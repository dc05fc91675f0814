/* SPDX-License-Identifier: MIT */
#ifndef SXS_CLI_H
#define SXS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "util/strbuf.h"

/* Exit codes (sxscheck(1)). */
enum {
	EXIT_CLEAN = 0,    /* nothing of severity warning or above */
	EXIT_FINDINGS = 1, /* findings / differences / a plan */
	EXIT_USAGE = 2,
	EXIT_TROUBLE = 3,  /* could not complete */
};

int cmd_scan(int argc, char **argv);
int cmd_keyform(int argc, char **argv);
int cmd_delta(int argc, char **argv);
int cmd_manifest(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_findings(int argc, char **argv);

/* "sxscheck: <msg>" on stderr; returns code. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write a whole strbuf to stdout (or a file); 0 or EXIT_TROUBLE. */
int cli_write(const struct sxs_strbuf *sb, const char *path);

enum cli_format { FORMAT_TEXT, FORMAT_JSON };
bool cli_parse_format(const char *s, enum cli_format *ret);
int cli_parse_jobs(const char *s, unsigned *ret);

#endif
