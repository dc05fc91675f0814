/* SPDX-License-Identifier: MIT */
/*
 * sxscheck hive recover HIVE [-o OUT] [--format=text|json]
 *
 * Replay HIVE's .LOG1/.LOG2 (next to it) in memory as Windows does when it
 * loads a dirty hive, say what was replayed, check that the result opens
 * as a hive, and with -o write it to OUT.  HIVE and its logs are only
 * read.  argv[0] is "hive".
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "hive/hive.h"
#include "hive/replay.h"
#include "report/hive.h"
#include "util/alloc.h"

static void hive_usage(FILE *f)
{
	fputs("usage: sxscheck hive recover [options] HIVE\n"
	      "\n"
	      "Replay the transaction logs HIVE.LOG1 and HIVE.LOG2 (found next to HIVE,\n"
	      "any case) as Windows does when it loads a dirty hive, in memory, and say\n"
	      "which logs, entries and pages were applied.  HIVE and its logs are only\n"
	      "read; with -o the recovered hive is written to OUT.\n"
	      "\n"
	      "options:\n"
	      "  -o, --output=OUT       write the recovered hive (a clean hive is copied)\n"
	      "  --format=text|json     report format (default text)\n"
	      "  -h, --help             show this help\n"
	      "\n"
	      "Exit status: 0 clean or recovered, 1 dirty and the logs cannot recover it,\n"
	      "2 usage error, 3 HIVE cannot be read or OUT cannot be written.\n", f);
}

/* Refuse to write over the hive or its logs: same path or same inode. */
static bool is_input(const char *out, const char *hive)
{
	struct stat so, si;
	if (stat(out, &so) < 0)
		return false;
	if (stat(hive, &si) == 0 && so.st_dev == si.st_dev && so.st_ino == si.st_ino)
		return true;
	for (int i = 1; i <= 2; i++) {
		char log[4096];
		snprintf(log, sizeof(log), "%s.LOG%d", hive, i);
		if (stat(log, &si) == 0 && so.st_dev == si.st_dev && so.st_ino == si.st_ino)
			return true;
		snprintf(log, sizeof(log), "%s.log%d", hive, i);
		if (stat(log, &si) == 0 && so.st_dev == si.st_dev && so.st_ino == si.st_ino)
			return true;
	}
	return false;
}

/* Write data to path through path.tmp + rename: OUT is whole or absent. */
static int write_out(const char *path, const uint8_t *data, size_t len)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.sxscheck-tmp", path) >= sizeof(tmp))
		return cli_error(EXIT_USAGE, "%s: path too long", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return cli_error(EXIT_TROUBLE, "%s: cannot write: %s", tmp, strerror(errno));
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;
			close(fd);
			unlink(tmp);
			return cli_error(EXIT_TROUBLE, "%s: write error: %s", tmp, strerror(e));
		}
		done += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return cli_error(EXIT_TROUBLE, "%s: cannot write: %s", path, strerror(e));
	}
	return 0;
}

static int count_key(struct sxs_hive *h, sxs_hnode node, unsigned depth, void *ctx)
{
	(void)h;
	(void)node;
	(void)depth;
	(*(long *)ctx)++;
	return 0;
}

/*
 * Open `file` in `dir` as scan would (replaying if dirty) and walk every
 * key.  *keys_ret is the count, or *problem_ret (sxs_free) says why not.
 */
static int check_result(const char *dir, const char *file, long *keys_ret, char **problem_ret)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct sxs_hive *h = NULL;
	struct sxs_diag d = {{0}};
	int err;
	*keys_ret = -1;
	*problem_ret = NULL;
	if (dfd < 0)
		return cli_error(EXIT_TROUBLE, "%s: %s", dir, strerror(errno));
	err = sxs_hive_open(dfd, file, file, &h, &d);
	if (!err) {
		long keys = 0;
		err = sxs_hive_walk(h, sxs_hive_root(h), count_key, &keys);
		if (err)
			snprintf(d.msg, sizeof(d.msg), "%s", sxs_hive_error(h));
		else if (sxs_hive_recovery(h) == SXS_HIVE_UNREPLAYED)
			snprintf(d.msg, sizeof(d.msg), "%s", sxs_hive_recovery_note(h));
		else
			*keys_ret = keys;
	}
	sxs_hive_free(h);
	close(dfd);
	if (err == -SXS_ENOMEM)
		return cli_error(EXIT_TROUBLE, "out of memory");
	if (*keys_ret < 0 && !(*problem_ret = sxs_strdup(d.msg[0] ? d.msg : sxs_strerror(err))))
		return cli_error(EXIT_TROUBLE, "out of memory");
	return 0;
}

static int recover(const char *path, const char *out_path, enum cli_format format)
{
	char *dcopy = sxs_strdup(path), *bcopy = sxs_strdup(path);
	char *odcopy = out_path ? sxs_strdup(out_path) : NULL, *obcopy = out_path ? sxs_strdup(out_path) : NULL;
	struct sxs_replay r;
	struct sxs_diag d = {{0}};
	char *problem = NULL;
	long keys = -1;
	int rc = EXIT_TROUBLE;
	bool have_r = false;
	uint8_t *copy = NULL;
	size_t copy_len = 0;

	if (!dcopy || !bcopy || (out_path && (!odcopy || !obcopy))) {
		rc = cli_error(EXIT_TROUBLE, "out of memory");
		goto out;
	}
	const char *dir = dirname(dcopy), *base = basename(bcopy);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = cli_error(EXIT_TROUBLE, "%s: %s", dir, strerror(errno));
		goto out;
	}
	int err = sxs_hive_replay_file(dfd, base, path, &r, NULL, &d);
	if (!err && r.state == SXS_REPLAY_CLEAN && out_path) {
		/* a clean hive is copied as it is, so OUT always exists after 0 */
		int fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		struct sxs_diag rd = {{0}};
		err = fd < 0 ? -sxs_errno_status(errno)
		             : sxs_read_fd(fd, SXS_MAX_HIVE_SIZE, &copy, &copy_len, &rd, path);
		if (fd >= 0)
			close(fd);
		if (err)
			snprintf(d.msg, sizeof(d.msg), "%s", sxs_diag_msg(&rd, err));
		else
			have_r = true;
	} else if (!err) {
		have_r = true;
	}
	close(dfd);
	if (err) {
		rc = cli_error(EXIT_TROUBLE, "%s", d.msg[0] ? d.msg : sxs_strerror(err));
		goto out;
	}

	const uint8_t *data = r.state == SXS_REPLAY_DONE ? r.data : copy;
	size_t len = r.state == SXS_REPLAY_DONE ? r.len : copy_len;
	bool wrote = false;
	rc = 0;
	if (out_path && data) {
		if ((rc = write_out(out_path, data, len)))
			goto out;
		wrote = true;
		rc = check_result(dirname(odcopy), basename(obcopy), &keys, &problem);
	} else if (r.state != SXS_REPLAY_FAILED) {
		/* no OUT: open HIVE itself, which replays in memory the same way */
		rc = check_result(dir, base, &keys, &problem);
	}
	if (rc)
		goto out;

	struct sxs_report_hive rep = {
		.path = path, .stem = base, .replay = &r, .output = wrote ? out_path : NULL,
		.output_len = len, .keys = keys, .check_problem = problem,
	};
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	err = format == FORMAT_JSON ? sxs_report_hive_json(&sb, &rep) : sxs_report_hive_text(&sb, &rep);
	if (err) {
		sxs_strbuf_release(&sb);
		rc = cli_error(EXIT_TROUBLE, "out of memory");
		goto out;
	}
	rc = cli_write(&sb, NULL);
	sxs_strbuf_release(&sb);
	if (!rc)
		rc = r.state == SXS_REPLAY_FAILED || problem ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	if (have_r)
		sxs_replay_release(&r);
	sxs_free(copy);
	sxs_free(problem);
	sxs_free(dcopy);
	sxs_free(bcopy);
	sxs_free(odcopy);
	sxs_free(obcopy);
	return rc;
}

int cmd_hive(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *out_path = NULL;
	enum cli_format format = FORMAT_TEXT;
	int c;

	if (argc < 2)
		return cli_error(EXIT_USAGE, "hive: missing subcommand (see 'sxscheck hive --help')");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		hive_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "recover") != 0)
		return cli_error(EXIT_USAGE, "hive: unknown subcommand '%s' (see 'sxscheck hive --help')",
		                 argv[1]);
	/* options before or after HIVE; argv[0] of the parse is "recover" */
	argc--;
	argv++;
	optind = 0; /* a fresh parse (glibc) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out_path = optarg;
			break;
		case 'f':
			if (!cli_parse_format(optarg, &format))
				return cli_error(EXIT_USAGE, "hive: unknown format '%s' (text or json)", optarg);
			break;
		case 'h':
			hive_usage(stdout);
			return 0;
		default:
			return cli_error(EXIT_USAGE, "hive: unknown option '%s' (see 'sxscheck hive --help')",
			                 argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_error(EXIT_USAGE, "hive: usage: sxscheck hive recover [-o OUT] HIVE");
	const char *path = argv[optind];
	if (out_path && (!*out_path || is_input(out_path, path)))
		return cli_error(EXIT_USAGE, "%s: refusing to overwrite the hive or its logs", out_path);
	return recover(path, out_path, format);
}
