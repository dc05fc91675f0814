/* SPDX-License-Identifier: MIT */
/* sxscheck census ROOT: counts per shape, no findings (calibration.md §8). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report/census.h"
#include "store/census.h"
#include "store/model.h"

static void census_usage(FILE *f)
{
	fputs("usage: sxscheck census [options] ROOT\n"
	      "\n"
	      "Count the shapes of the component store of a mounted Windows image: f!\n"
	      "values against the forms found on disk, CF against live/dormant, folders\n"
	      "missing by kind, families without Winners by liveness, Fusion folders,\n"
	      "packages by state, deployments by marks.  No findings: the counts are\n"
	      "what sxscheck's rules need from real images (please send them, see README).\n"
	      "\n"
	      "  --format=text|json     report format (default text)\n"
	      "  --jobs=N               N threads beside the walk (default: online CPUs)\n"
	      "  --no-payload           do not list component folders (f! and folder counts empty)\n"
	      "  --base-manifest=FILE   DCM base manifest instead of the image's wcp.dll\n"
	      "  --progress=auto|always|never  progress line on stderr (auto: when a TTY)\n"
	      "  --deltas=full|crc      read differentials as scan does (default full)\n"
	      "  --catalog-roots=FILE   PEM roots for the package catalogs' chains, as in scan\n"
	      "  -o, --output=FILE      write the report to FILE instead of stdout\n"
	      "  -h, --help             show this help\n"
	      "\n"
	      "Exit status: 0 counted, 2 usage error, 3 could not complete.\n", f);
}

int cmd_census(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		CLI_MODEL_LONG_OPTIONS,
		{"no-payload", no_argument, NULL, 'P'},
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
				return cli_error(EXIT_USAGE, "census: unknown format '%s' (text or json)", optarg);
			break;
		case 'P':
			mopt.no_payload = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			census_usage(stdout);
			return 0;
		default: {
			int r = cli_model_option("census", c, optarg, &mopt, &pmode);
			if (r >= 0) {
				if (r)
					return r;
				break;
			}
			return cli_error(EXIT_USAGE, "census: unknown option '%s' (see 'sxscheck census --help')",
			                 argv[optind - 1]);
		}
		}
	}
	if (optind != argc - 1)
		return cli_error(EXIT_USAGE, "census: expected one ROOT argument (see 'sxscheck census --help')");
	const char *root = argv[optind];

	struct sxs_model model;
	struct sxs_census census = {0};
	struct sxs_strbuf out = SXS_STRBUF_INIT;
	int rc = EXIT_TROUBLE, err;

	sxs_model_init(&model);
	if (cli_load_image("census", root, &mopt, pmode, &model))
		goto out;
	err = sxs_census_build(&model, &census);
	if (!err)
		err = format == FORMAT_JSON ? sxs_report_census_json(&out, &model, &census)
		                            : sxs_report_census_text(&out, &model, &census);
	if (err) {
		cli_error(EXIT_TROUBLE, "%s: %s", root, sxs_strerror(err));
		goto out;
	}
	if (cli_write(&out, output))
		goto out;
	rc = EXIT_CLEAN;
out:
	sxs_strbuf_release(&out);
	sxs_census_release(&census);
	sxs_model_release(&model);
	return rc;
}
