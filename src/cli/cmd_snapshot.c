/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/scan.h"
#include "cli.h"
#include "progress.h"
#include "report/reference.h"
#include "store/model.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/strbuf.h"

static void snapshot_usage(FILE *f)
{
	fputs("usage: sxscheck snapshot [options] ROOT [-o FILE]\n"
	      "\n"
	      "Capture a reference manifest of a healthy image: every component's key\n"
	      "form, identity, manifest SHA-256 and payload hashes, and every Winners\n"
	      "family (sxscheck-reference(5)).  'sxscheck compare --reference FILE' uses it\n"
	      "in place of the live golden image.\n"
	      "\n"
	      "  -o, --output=FILE      write the reference to FILE (default stdout); the\n"
	      "                         file is written under a temporary name and renamed\n"
	      "  --label=NAME           name of the image recorded in the file\n"
	      "                         (default: the last component of ROOT)\n"
	      "  --jobs=N               N hashing threads beside the walk (default: online CPUs)\n"
	      "  --deltas=full|crc      PSFX f\\ r\\ n\\ differentials: apply them (full, default)\n"
	      "                         or check their CRC-32, header and f\\ TargetHash (crc)\n"
	      "  --base-manifest=FILE   DCM base manifest instead of the image's wcp.dll\n"
	      "  --catalog-roots=FILE   PEM roots: also check package catalogs' certificate chains\n"
	      "  --progress=auto|always|never  progress line on stderr (auto: when a TTY)\n"
	      "  -h, --help             show this help\n"
	      "\n"
	      "Exit status: 0 written and the image is clean, 1 written but the image has\n"
	      "findings (see 'sxscheck scan'; damaged parts are recorded as such and never\n"
	      "used as a repair source), 2 usage error, 3 could not complete.\n", f);
}

/* Last path component of root, without trailing slashes. */
static char *default_label(const char *root)
{
	size_t len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		len--;
	size_t start = len;
	while (start > 0 && root[start - 1] != '/')
		start--;
	if (start == len)
		return sxs_strdup(root);
	return sxs_strndup(root + start, len - start);
}

int cmd_snapshot(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"label", required_argument, NULL, 'l'},
		CLI_MODEL_LONG_OPTIONS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sxs_model_options mopt = {0};
	const char *output = NULL, *label_opt = NULL;
	enum progress_mode pmode = PROGRESS_AUTO;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'l':
			label_opt = optarg;
			break;
		case 'h':
			snapshot_usage(stdout);
			return 0;
		default: {
			int r = cli_model_option("snapshot", c, optarg, &mopt, &pmode);
			if (r >= 0) {
				if (r)
					return r;
				break;
			}
			return cli_error(EXIT_USAGE, "snapshot: unknown option or missing argument '%s' (see 'sxscheck snapshot --help')",
			                 argv[optind - 1]);
		}
		}
	}
	if (optind != argc - 1)
		return cli_error(EXIT_USAGE, "snapshot: expected one ROOT argument (see 'sxscheck snapshot --help')");
	const char *root = argv[optind];

	struct sxs_diag diag = {{0}};
	struct sxs_model model;
	struct sxs_findings findings;
	struct sxs_reference_stats stats;
	struct sxs_strbuf tmp = SXS_STRBUF_INIT;
	char *label = NULL;
	int rc = EXIT_TROUBLE, err, fd = -1;
	bool to_stdout = !output || !strcmp(output, "-");

	sxs_model_init(&model);
	sxs_findings_init(&findings);
	label = label_opt ? sxs_strdup(label_opt) : default_label(root);
	if (!label) {
		cli_error(EXIT_TROUBLE, "out of memory");
		goto out;
	}
	if (cli_load_image("snapshot", root, &mopt, pmode, &model))
		goto out;
	if ((err = sxs_check_model(&model, &findings))) {
		cli_error(EXIT_TROUBLE, "%s: %s", root, sxs_strerror(err));
		goto out;
	}

	if (to_stdout) {
		fd = STDOUT_FILENO;
	} else {
		sxs_strbuf_addf(&tmp, "%s.tmp", output);
		if (sxs_strbuf_error(&tmp)) {
			cli_error(EXIT_TROUBLE, "out of memory");
			goto out;
		}
		fd = open(sxs_strbuf_str(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			cli_error(EXIT_TROUBLE, "%s: cannot write: %s", sxs_strbuf_str(&tmp), strerror(errno));
			goto out;
		}
	}
	err = sxs_reference_write(fd, &model, label, &stats, &diag);
	if (!err && !to_stdout && fsync(fd) != 0)
		err = sxs_diag_set(&diag, SXS_EIO, "write error: %s", strerror(errno));
	if (!to_stdout) {
		if (close(fd) != 0 && !err)
			err = sxs_diag_set(&diag, SXS_EIO, "write error: %s", strerror(errno));
		fd = -1;
		if (!err && rename(sxs_strbuf_str(&tmp), output) != 0)
			err = sxs_diag_set(&diag, SXS_EIO, "cannot rename to %s: %s", output, strerror(errno));
		if (err)
			unlink(sxs_strbuf_str(&tmp));
	}
	if (err) {
		cli_error(EXIT_TROUBLE, "%s: %s", to_stdout ? "stdout" : output, sxs_diag_msg(&diag, err));
		goto out;
	}
	if (stats.skipped)
		fprintf(stderr, "sxscheck: warning: %s: %zu record(s) with names a reference cannot hold were left out\n",
		        root, stats.skipped);
	size_t bad = sxs_findings_count(&findings, SXS_SEV_WARNING);
	if (bad) {
		fprintf(stderr, "sxscheck: warning: %s has %zu finding(s) (see 'sxscheck scan'); the reference records them and compare will not copy damaged parts\n",
		        root, bad);
		rc = EXIT_FINDINGS;
	} else {
		rc = EXIT_CLEAN;
	}
	if (!to_stdout)
		fprintf(stderr, "sxscheck: %s: %zu components, %zu files, %zu Winners families\n", output,
		        stats.components, stats.files, stats.families);
out:
	sxs_strbuf_release(&tmp);
	sxs_free(label);
	sxs_findings_release(&findings);
	sxs_model_release(&model);
	return rc;
}
