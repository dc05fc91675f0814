/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/scan.h"
#include "cli.h"
#include "report/report.h"
#include "store/model.h"

static void scan_usage(FILE *f)
{
	fputs("usage: sxscheck scan [options] ROOT\n"
	      "\n"
	      "Check the component store of a mounted Windows image. ROOT is the root of\n"
	      "the volume (it contains Windows/) or the Windows directory itself.\n"
	      "\n"
	      "  --format=text|json     report format (default text)\n"
	      "  --jobs=N               N hashing threads beside the walk (default: online CPUs)\n"
	      "  --no-payload           check manifests and registry only\n"
	      "  --no-registry          files only: do not read COMPONENTS and SOFTWARE\n"
	      "                         (without it, an image with neither hive is a warning)\n"
	      "  --base-manifest=FILE   DCM base manifest instead of the image's wcp.dll\n"
	      "  --catalog-roots=FILE   PEM roots: also check package catalogs' certificate chains\n"
	      "  --progress=auto|always|never  progress line on stderr (auto: when a TTY)\n"
	      "  -o, --output=FILE      write the report to FILE instead of stdout\n"
	      "  -h, --help             show this help\n"
	      "\n"
	      "Exit status: 0 no warnings or errors, 1 findings, 2 usage error,\n"
	      "3 the scan could not complete.\n", f);
}

int cli_parse_jobs(const char *s, unsigned *ret)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || v == 0 || v > SXS_MAX_JOBS)
		return -1;
	*ret = (unsigned)v;
	return 0;
}

int cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		CLI_MODEL_LONG_OPTIONS,
		{"no-payload", no_argument, NULL, 'P'},
		{"no-registry", no_argument, NULL, 'R'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum cli_format format = FORMAT_TEXT;
	struct sxs_model_options mopt = {0};
	const char *output = NULL;
	enum progress_mode pmode = PROGRESS_AUTO;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+j:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!cli_parse_format(optarg, &format))
				return cli_error(EXIT_USAGE, "scan: unknown format '%s' (text or json)", optarg);
			break;
		case 'P':
			mopt.no_payload = true;
			break;
		case 'R':
			mopt.no_registry = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			scan_usage(stdout);
			return 0;
		default: {
			int r = cli_model_option("scan", c, optarg, &mopt, &pmode);
			if (r >= 0) {
				if (r)
					return r;
				break;
			}
			return cli_error(EXIT_USAGE, "scan: unknown option '%s' (see 'sxscheck scan --help')",
			                 argv[optind - 1]);
		}
		}
	}
	if (optind != argc - 1)
		return cli_error(EXIT_USAGE, "scan: expected one ROOT argument (see 'sxscheck scan --help')");
	const char *root = argv[optind];

	struct sxs_model model;
	struct sxs_findings findings;
	struct sxs_strbuf out = SXS_STRBUF_INIT;
	int rc = EXIT_TROUBLE, err;

	sxs_model_init(&model);
	sxs_findings_init(&findings);
	if (cli_load_image("scan", root, &mopt, pmode, &model))
		goto out;
	err = sxs_check_model(&model, &findings);
	if (!err)
		err = format == FORMAT_JSON ? sxs_report_scan_json(&out, &model, &findings)
		                            : sxs_report_scan_text(&out, &model, &findings);
	if (err) {
		cli_error(EXIT_TROUBLE, "%s: %s", root, sxs_strerror(err));
		goto out;
	}
	if (cli_write(&out, output))
		goto out;
	rc = sxs_findings_count(&findings, SXS_SEV_WARNING) ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	sxs_strbuf_release(&out);
	sxs_findings_release(&findings);
	sxs_model_release(&model);
	return rc;
}
