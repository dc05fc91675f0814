/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check/compare.h"
#include "cli.h"
#include "progress.h"
#include "report/plan.h"
#include "report/reference.h"
#include "report/script.h"
#include "store/model.h"
#include "store/store.h"
#include "sxs_config.h"

static void compare_usage(FILE *f)
{
	fputs("usage: sxscheck compare [options] ROOT --golden=GOLDEN_ROOT\n"
	      "       sxscheck compare [options] ROOT --reference=FILE\n"
	      "\n"
	      "Diff the component store of the image at ROOT against a healthy one (a\n"
	      "mounted golden image, or a reference made by 'sxscheck snapshot') and\n"
	      "print the differences and a replace plan: which component folders and\n"
	      "manifests to copy from the golden side and which Winners values to set.\n"
	      "Only what the golden side holds verified against its own manifests is\n"
	      "ever proposed as a source; what cannot be fixed is named.\n"
	      "\n"
	      "  --golden=ROOT          the golden image (root of its Windows volume)\n"
	      "  --reference=FILE       a reference manifest instead of a golden image\n"
	      "  --format=text|json     report format (default text)\n"
	      "  --script=ps1|sh        write the plan as a repair script to the -o FILE\n"
	      "                         (ps1: run on the broken PC; sh: offline, mounted image);\n"
	      "                         the script is written, never run\n"
	      "  -o, --output=FILE      where the script (with --script) or else the report goes\n"
	      "  --jobs=N               N hashing threads beside the walk (default: online CPUs)\n"
	      "  --deltas=full|crc      PSFX f\\ r\\ n\\ differentials: apply them (full, default)\n"
	      "                         or check their CRC-32, header and f\\ TargetHash (crc)\n"
	      "  --base-manifest=FILE   DCM base manifest instead of each image's wcp.dll\n"
	      "  --catalog-roots=FILE   PEM roots: also check package catalogs' certificate chains\n"
	      "  --progress=auto|always|never  progress line on stderr (auto: when a TTY)\n"
	      "  -h, --help             show this help\n"
	      "\n"
	      "Exit status: 0 nothing differs, 1 differences (a plan was produced or\n"
	      "something cannot be fixed), 2 usage error, 3 could not complete.\n", f);
}

static int load_reference(const char *path, struct sxs_model *m)
{
	struct sxs_diag diag = {{0}};
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return cli_error(EXIT_TROUBLE, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return cli_error(EXIT_TROUBLE, "%s: is a directory, not a reference file", path);
	}
	int err = sxs_reference_read(fd, path, m, &diag);
	close(fd);
	if (err)
		return cli_error(EXIT_TROUBLE, "%s", sxs_diag_msg(&diag, err));
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{"golden", required_argument, NULL, 'g'},
		{"reference", required_argument, NULL, 'r'},
		{"format", required_argument, NULL, 'f'},
		{"script", required_argument, NULL, 's'},
		{"output", required_argument, NULL, 'o'},
		CLI_MODEL_LONG_OPTIONS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum cli_format format = FORMAT_TEXT;
	struct sxs_model_options mopt = {0};
	const char *golden = NULL, *reference = NULL, *output = NULL, *script = NULL;
	enum progress_mode pmode = PROGRESS_AUTO;
	enum sxs_script_kind skind = SXS_SCRIPT_PS1;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			golden = optarg;
			break;
		case 'r':
			reference = optarg;
			break;
		case 'f':
			if (!cli_parse_format(optarg, &format))
				return cli_error(EXIT_USAGE, "compare: unknown format '%s' (text or json)", optarg);
			break;
		case 's':
			script = optarg;
			if (!strcmp(optarg, "ps1"))
				skind = SXS_SCRIPT_PS1;
			else if (!strcmp(optarg, "sh"))
				skind = SXS_SCRIPT_SH;
			else
				return cli_error(EXIT_USAGE, "compare: unknown script kind '%s' (ps1 or sh)", optarg);
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			compare_usage(stdout);
			return 0;
		default: {
			int r = cli_model_option("compare", c, optarg, &mopt, &pmode);
			if (r >= 0) {
				if (r)
					return r;
				break;
			}
			return cli_error(EXIT_USAGE, "compare: unknown option or missing argument '%s' (see 'sxscheck compare --help')",
			                 argv[optind - 1]);
		}
		}
	}
	if (optind != argc - 1)
		return cli_error(EXIT_USAGE, "compare: expected one ROOT argument (see 'sxscheck compare --help')");
	if (!golden == !reference)
		return cli_error(EXIT_USAGE, "compare: give exactly one of --golden=ROOT and --reference=FILE");
	if (script && (!output || !strcmp(output, "-")))
		return cli_error(EXIT_USAGE, "compare: --script needs -o FILE (the report goes to stdout)");
	const char *root = argv[optind];

	struct sxs_model here, gold;
	struct sxs_comparison cmp;
	struct sxs_compare_options copt = {
		.golden_source = golden ? golden : reference,
		.golden_is_reference = reference != NULL,
	};
	struct sxs_strbuf out = SXS_STRBUF_INIT, scr = SXS_STRBUF_INIT;
	int rc = EXIT_TROUBLE, err;

	sxs_model_init(&here);
	sxs_model_init(&gold);
	sxs_comparison_init(&cmp);
	if (cli_load_image("compare", root, &mopt, pmode, &here))
		goto out;
	if (golden ? cli_load_image("compare", golden, &mopt, pmode, &gold) : load_reference(reference, &gold))
		goto out;
	if ((err = sxs_compare_models(&here, &gold, &copt, &cmp))) {
		cli_error(EXIT_TROUBLE, "%s: compare failed: %s", root, sxs_strerror(err));
		goto out;
	}
	if (cmp.build_mismatch)
		fprintf(stderr, "sxscheck: WARNING: %s is build %s but the golden side is build %s; "
		                "a plan across builds is risky\n",
		        root, cmp.image_build ? cmp.image_build : "unknown",
		        cmp.golden_build ? cmp.golden_build : "unknown");
	err = format == FORMAT_JSON ? sxs_report_compare_json(&out, &cmp)
	                            : sxs_report_compare_text(&out, &cmp);
	if (err) {
		cli_error(EXIT_TROUBLE, "%s: %s", root, sxs_strerror(err));
		goto out;
	}
	if (script) {
		struct sxs_script_options sopt = {.generator = "sxscheck " SXS_VERSION};
		size_t skipped = 0;
		if ((err = sxs_script_write(&scr, skind, &cmp, &sopt, &skipped))) {
			cli_error(EXIT_TROUBLE, "%s: %s", output, sxs_strerror(err));
			goto out;
		}
		if (skipped)
			fprintf(stderr, "sxscheck: warning: %s: %zu plan step(s) left out of the script: names that cannot be quoted safely (see the comments in it)\n",
			        output, skipped);
		if (cli_write(&scr, output) || cli_write(&out, NULL))
			goto out;
	} else if (cli_write(&out, output)) {
		goto out;
	}
	rc = cmp.nactions || cmp.nunfixable || sxs_comparison_count(&cmp, SXS_SEV_WARNING)
	             ? EXIT_FINDINGS
	             : EXIT_CLEAN;
out:
	sxs_strbuf_release(&out);
	sxs_strbuf_release(&scr);
	sxs_comparison_release(&cmp);
	sxs_model_release(&here);
	sxs_model_release(&gold);
	return rc;
}
