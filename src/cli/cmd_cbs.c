/* SPDX-License-Identifier: MIT */
/* sxscheck cbs: why the update failed, from the servicing logs (issue 13). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cbslog/cbslog.h"
#include "check/logs.h"
#include "check/scan.h"
#include "cli.h"
#include "report/cbs.h"
#include "store/store.h"
#include "store/system.h"
#include "util/alloc.h"

static void cbs_usage(FILE *f)
{
	fputs("usage: sxscheck cbs [options] FILE|DIR...\n"
	      "       sxscheck cbs [options] --root ROOT\n"
	      "\n"
	      "Explain why servicing failed, from CBS.log, CbsPersist_*.log|.cab,\n"
	      "dism.log and SFC extracts (sfcdetails.txt). A DIR means every such file\n"
	      "in it, read in chain order. --root reads Windows/Logs/CBS and\n"
	      "Windows/Logs/DISM/dism.log of a mounted image, scans its store and ties\n"
	      "every corrupt item the logs name to the scan.\n"
	      "\n"
	      "  --root=ROOT            the mounted image (volume root or its Windows folder)\n"
	      "  --no-scan              with --root: do not scan the store (no ties)\n"
	      "  --format=text|json     report format (default text)\n"
	      "  -v, --verbose          list every operation, not only the failed ones\n"
	      "  --jobs=N               hashing threads of the scan (default: online CPUs)\n"
	      "  -o, --output=FILE      write the report to FILE instead of stdout\n"
	      "  -h, --help             show this help\n"
	      "\n"
	      "Exit status: 0 nothing failed and nothing is left unrepaired, 1 a failure\n"
	      "or unrepaired corruption, 2 usage error, 3 a log could not be read.\n", f);
}

struct loglist {
	struct sxs_cbs_log **v;
	size_t n;
};

static int append(struct loglist *l, struct sxs_cbs_log **got, size_t n)
{
	struct sxs_cbs_log **p = realloc(l->v, (l->n + n) * sizeof(*p));
	if (!p) {
		sxs_cbs_logs_free(got, n);
		return -SXS_ENOMEM;
	}
	l->v = p;
	memcpy(p + l->n, got, n * sizeof(*got));
	l->n += n;
	sxs_free(got);
	return 0;
}

static int read_path(struct loglist *l, int dirfd, const char *path, const char *display)
{
	struct sxs_cbs_log **got = NULL;
	size_t n = 0;
	int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return cli_error(EXIT_TROUBLE, "%s: %s", display, strerror(errno));
	int err = sxs_cbs_read_fd(fd, display, &got, &n);
	close(fd);
	if (err)
		return cli_error(EXIT_TROUBLE, "%s: %s", display, sxs_strerror(err));
	if (append(l, got, n))
		return cli_error(EXIT_TROUBLE, "%s", sxs_strerror(-SXS_ENOMEM));
	return 0;
}

static int cmp_chain(const void *a, const void *b)
{
	return sxs_cbs_chain_cmp(*(char *const *)a, *(char *const *)b);
}

static int read_dir(struct loglist *l, const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cli_error(EXIT_TROUBLE, "%s: %s", dir, strerror(errno));
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return cli_error(EXIT_TROUBLE, "%s: %s", dir, strerror(errno));
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		if (!sxs_cbs_is_log_name(de->d_name))
			continue;
		char **p = realloc(names, (n + 1) * sizeof(*p));
		if (!p || !(p[n] = strdup(de->d_name))) {
			free(p ? p : names);
			closedir(d);
			return cli_error(EXIT_TROUBLE, "%s", sxs_strerror(-SXS_ENOMEM));
		}
		names = p;
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_chain);
	if (!n)
		rc = cli_error(EXIT_TROUBLE, "%s: no CBS.log, CbsPersist_*, dism*.log or sfcdetails*.txt in this folder", dir);
	for (size_t i = 0; i < n && !rc; i++) {
		size_t len = strlen(dir) + strlen(names[i]) + 2;
		char *disp = malloc(len);
		if (!disp) {
			rc = cli_error(EXIT_TROUBLE, "%s", sxs_strerror(-SXS_ENOMEM));
			break;
		}
		snprintf(disp, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
		rc = read_path(l, dirfd(d), names[i], disp);
		free(disp);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int cmd_cbs(int argc, char **argv)
{
	enum { OPT_ROOT = 0x200, OPT_NO_SCAN };
	static const struct option opts[] = {
		{"root", required_argument, NULL, OPT_ROOT},
		{"no-scan", no_argument, NULL, OPT_NO_SCAN},
		{"format", required_argument, NULL, 'f'},
		{"verbose", no_argument, NULL, 'v'},
		{"jobs", required_argument, NULL, 'j'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum cli_format format = FORMAT_TEXT;
	const char *root = NULL, *output = NULL;
	bool scan = true;
	struct sxs_cbs_report_options ropt = {0};
	struct sxs_model_options mopt = {0};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vj:o:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			root = optarg;
			break;
		case OPT_NO_SCAN:
			scan = false;
			break;
		case 'f':
			if (!cli_parse_format(optarg, &format))
				return cli_error(EXIT_USAGE, "cbs: unknown format '%s' (text or json)", optarg);
			break;
		case 'v':
			ropt.verbose = true;
			break;
		case 'j':
			if (cli_parse_jobs(optarg, &mopt.jobs))
				return cli_error(EXIT_USAGE, "cbs: --jobs takes a number from 1 to %d, not '%s'", SXS_MAX_JOBS,
				                 optarg);
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			cbs_usage(stdout);
			return 0;
		default:
			return cli_error(EXIT_USAGE, "cbs: unknown option '%s' (see 'sxscheck cbs --help')", argv[optind - 1]);
		}
	}
	if (optind == argc && !root)
		return cli_error(EXIT_USAGE, "cbs: name log files or folders, or --root ROOT (see 'sxscheck cbs --help')");
	if (!root && !scan)
		return cli_error(EXIT_USAGE, "cbs: --no-scan goes with --root");

	struct loglist logs = {0};
	struct sxs_log_context ctx;
	struct sxs_strbuf out = SXS_STRBUF_INIT;
	struct sxs_image *img = NULL;
	struct sxs_model model;
	struct sxs_findings findings;
	int rc = EXIT_TROUBLE, err;

	sxs_log_context_init(&ctx);
	sxs_model_init(&model);
	sxs_findings_init(&findings);

	for (int i = optind; i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) != 0) {
			cli_error(EXIT_TROUBLE, "%s: %s", argv[i], strerror(errno));
			goto out;
		}
		if (S_ISDIR(sb.st_mode) ? read_dir(&logs, argv[i]) : read_path(&logs, AT_FDCWD, argv[i], argv[i]))
			goto out;
	}
	if (root) {
		struct sxs_diag diag = {{0}};
		struct sxs_cbs_log **got = NULL;
		size_t n = 0;
		if ((err = sxs_image_open(root, &img, &diag))) {
			cli_error(EXIT_TROUBLE, "%s", sxs_diag_msg(&diag, err));
			goto out;
		}
		if ((err = sxs_logs_read_image(img, false, &got, &n)) || append(&logs, got, n)) {
			cli_error(EXIT_TROUBLE, "%s: %s", root, sxs_strerror(err ? err : -SXS_ENOMEM));
			goto out;
		}
		if (!n) {
			cli_error(EXIT_TROUBLE, "%s: no servicing logs (Windows/Logs/CBS and Windows/Logs/DISM/dism.log are absent or empty)", root);
			goto out;
		}
		ropt.root = root;
		unsigned need = sxs_logs_facts_needed(logs.v, logs.n);
		if (need) {
			struct sxs_servicing_facts facts;
			if ((err = sxs_servicing_facts_read(img, need, &facts, &diag)) ||
			    (err = sxs_logs_set_facts(&ctx, &facts))) {
				cli_error(EXIT_TROUBLE, "%s: %s", root, sxs_strerror(err));
				goto out;
			}
		}
		if (scan) {
			if (cli_load_image("cbs", root, &mopt, PROGRESS_AUTO, &model))
				goto out;
			if ((err = sxs_check_model(&model, &findings)) ||
			    (err = sxs_logs_tie(&ctx, logs.v, logs.n, &model, &findings))) {
				cli_error(EXIT_TROUBLE, "%s: %s", root, sxs_strerror(err));
				goto out;
			}
		}
	}

	err = format == FORMAT_JSON ? sxs_report_cbs_json(&out, logs.v, logs.n, &ctx, &ropt)
	                            : sxs_report_cbs_text(&out, logs.v, logs.n, &ctx, &ropt);
	if (err) {
		cli_error(EXIT_TROUBLE, "cbs: %s", sxs_strerror(err));
		goto out;
	}
	if (cli_write(&out, output))
		goto out;
	bool failed = false, unreadable = false;
	for (size_t i = 0; i < logs.n; i++) {
		failed |= logs.v[i]->outcome == SXS_CBS_FAILED || logs.v[i]->outcome == SXS_CBS_CORRUPTION_UNREPAIRED ||
		          logs.v[i]->last_failure < logs.v[i]->nops; /* an interrupted operation too */
		if (logs.v[i]->err) {
			unreadable = true;
			/* the one-line error, also on stderr (the report has it too) */
			fprintf(stderr, "sxscheck: %s\n", logs.v[i]->error ? logs.v[i]->error : logs.v[i]->name);
		}
	}
	rc = failed ? EXIT_FINDINGS : unreadable ? EXIT_TROUBLE : EXIT_CLEAN;
out:
	sxs_strbuf_release(&out);
	sxs_cbs_logs_free(logs.v, logs.n);
	sxs_log_context_release(&ctx);
	sxs_findings_release(&findings);
	sxs_model_release(&model);
	sxs_image_free(img);
	return rc;
}
