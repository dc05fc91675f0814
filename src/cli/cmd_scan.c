/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/logs.h"
#include "check/scan.h"
#include "cli.h"
#include "report/cbs.h"
#include "report/report.h"
#include "store/model.h"
#include "store/store.h"

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
	      "  --no-logs              do not read Windows/Logs/CBS/CBS.log and DISM/dism.log\n"
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
		{"no-logs", no_argument, NULL, 'L'},
		{"no-registry", no_argument, NULL, 'R'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum cli_format format = FORMAT_TEXT;
	struct sxs_model_options mopt = {0};
	const char *output = NULL;
	bool logs_wanted = true;
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
		case 'L':
			logs_wanted = false;
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
	struct sxs_cbs_log **logs = NULL;
	size_t nlogs = 0;
	struct sxs_log_context lctx;
	int rc = EXIT_TROUBLE, err;

	sxs_log_context_init(&lctx);

	sxs_model_init(&model);
	sxs_findings_init(&findings);
	if (cli_load_image("scan", root, &mopt, pmode, &model))
		goto out;
	err = sxs_check_model(&model, &findings);
	/*
	 * The image's live servicing logs (CBS.log, dism.log; issue 13): the last
	 * failure becomes a finding, the corrupt items they name are tied to this
	 * scan.  Only the live logs, so reading them never dominates a scan.
	 */
	if (!err && logs_wanted) {
		struct sxs_image *img = NULL;
		if (sxs_image_open(root, &img, NULL) == 0) {
			err = sxs_logs_read_image(img, true, &logs, &nlogs);
			sxs_image_free(img);
		}
		if (!err && nlogs) {
			sxs_logs_scan_findings(logs, nlogs, &findings);
			err = sxs_findings_error(&findings);
			if (!err)
				err = sxs_logs_tie(&lctx, logs, nlogs, &model, &findings);
		}
	}
	if (!err && format == FORMAT_JSON) {
		struct json_object *sv = logs_wanted ? sxs_report_servicing_json(logs, nlogs, &lctx) : NULL;
		if (logs_wanted && !sv)
			err = -SXS_ENOMEM;
		else
			err = sxs_report_scan_json_extra(&out, &model, &findings, logs_wanted ? "servicing" : NULL, sv);
	} else if (!err) {
		err = sxs_report_scan_text(&out, &model, &findings);
		if (!err && nlogs)
			err = sxs_report_servicing_text(&out, logs, nlogs, &lctx);
	}
	if (err) {
		cli_error(EXIT_TROUBLE, "%s: %s", root, sxs_strerror(err));
		goto out;
	}
	if (cli_write(&out, output))
		goto out;
	rc = sxs_findings_count(&findings, SXS_SEV_WARNING) ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	sxs_strbuf_release(&out);
	sxs_cbs_logs_free(logs, nlogs);
	sxs_log_context_release(&lctx);
	sxs_findings_release(&findings);
	sxs_model_release(&model);
	return rc;
}
