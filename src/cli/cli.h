/* SPDX-License-Identifier: MIT */
#ifndef SXS_CLI_H
#define SXS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "progress.h"
#include "store/model.h"
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
int cmd_census(int argc, char **argv);
int cmd_cbs(int argc, char **argv);
int cmd_hive(int argc, char **argv);

/* "sxscheck: <msg>" on stderr; returns code. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write a whole strbuf to stdout (or a file); 0 or EXIT_TROUBLE. */
int cli_write(const struct sxs_strbuf *sb, const char *path);

enum cli_format { FORMAT_TEXT, FORMAT_JSON };

/*
 * Options every command that loads an image takes (--jobs, --base-manifest,
 * --progress), as getopt_long values.
 */
enum { CLI_OPT_JOBS = 'j', CLI_OPT_BASE_MANIFEST = 0x100, CLI_OPT_PROGRESS, CLI_OPT_CATALOG_ROOTS, CLI_OPT_DELTAS };
#define CLI_MODEL_LONG_OPTIONS                                             \
	{"jobs", required_argument, NULL, CLI_OPT_JOBS},                   \
	{"base-manifest", required_argument, NULL, CLI_OPT_BASE_MANIFEST}, \
	{"progress", required_argument, NULL, CLI_OPT_PROGRESS},           \
	{"catalog-roots", required_argument, NULL, CLI_OPT_CATALOG_ROOTS}, \
	{"deltas", required_argument, NULL, CLI_OPT_DELTAS}

/* Handle one of those: 0 done, EXIT_USAGE (message printed), -1 not ours. */
int cli_model_option(const char *cmd, int opt, const char *arg, struct sxs_model_options *mopt,
                     enum progress_mode *pmode);
/* Open ROOT and load its model with a progress line; 0 or EXIT_TROUBLE (printed). */
int cli_load_image(const char *cmd, const char *root, const struct sxs_model_options *opt,
                   enum progress_mode pmode, struct sxs_model *m);
bool cli_parse_format(const char *s, enum cli_format *ret);
int cli_parse_jobs(const char *s, unsigned *ret);

#endif
