/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "check/findings.h"
#include "cli.h"

/*
 * `sxscheck findings` lists the registry; `--scdoc` prints the body of
 * sxscheck-findings(7) (the build generates the man page from it).
 */
int cmd_findings(int argc, char **argv)
{
	bool scdoc = argc == 2 && !strcmp(argv[1], "--scdoc");
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: sxscheck findings [--scdoc]\n\nList every finding id with its severity and meaning.");
		return 0;
	}
	if (argc > 1 && !scdoc)
		return cli_error(EXIT_USAGE, "findings: unknown argument '%s'", argv[1]);
	for (int k = 0; k < SXS_F_COUNT; k++) {
		const struct sxs_finding_info *i = sxs_finding_info((enum sxs_finding_kind)k);
		const char *dism = sxs_cbs_class_name(i->cbs);
		if (scdoc)
			printf("*%s* (%s%s%s)\n\n\t%s.\n\n\t_What to do:_ %s.\n\n", i->id,
			       sxs_severity_name(i->severity), dism ? "; an error counts as " : "",
			       dism ? dism : "", i->doc, i->advice);
		else
			printf("%-32s %-8s %s\n", i->id, sxs_severity_name(i->severity), i->doc);
	}
	return 0;
}
