/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sxs_config.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"scan", cmd_scan, "check a mounted Windows image's component store"},
	{"compare", cmd_compare, "diff an image against a golden image or reference; write a repair plan"},
	{"census", cmd_census, "count the store's shapes (no findings) to calibrate the rules"},
	{"snapshot", cmd_snapshot, "capture a reference manifest of a healthy image"},
	{"manifest", cmd_manifest, "print a (DCM-compressed) manifest as XML"},
	{"delta", cmd_delta, "inspect or apply a PA30 delta"},
	{"cbs", cmd_cbs, "explain servicing failures from CBS.log, CbsPersist, dism.log"},
	{"keyform", cmd_keyform, "print the key forms of an identity string"},
	{"findings", cmd_findings, "list the finding kinds sxscheck reports"},
	{"hive", cmd_hive, "replay a dirty registry hive's logs; write the recovered hive"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sxscheck <command> [options] [ROOT]\n\n"
	           "Check a Windows component store (WinSxS) offline.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'sxscheck <command> --help' describes a command; see sxscheck(1).\n"
	           "Exit status: 0 clean, 1 findings, 2 usage error, 3 could not complete.\n");
}

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("sxscheck: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_write(const struct sxs_strbuf *sb, const char *path)
{
	FILE *f = stdout;
	if (path && strcmp(path, "-") != 0) {
		f = fopen(path, "w");
		if (!f)
			return cli_error(EXIT_TROUBLE, "%s: cannot write: %s", path, strerror(errno));
	}
	size_t n = fwrite(sxs_strbuf_str(sb), 1, sb->len, f);
	int bad = n != sb->len || fflush(f) != 0;
	if (f != stdout)
		bad |= fclose(f) != 0;
	if (bad)
		return cli_error(EXIT_TROUBLE, "%s: write error: %s", path ? path : "stdout",
		                 strerror(errno));
	return 0;
}

bool cli_parse_format(const char *s, enum cli_format *ret)
{
	if (!strcmp(s, "text"))
		*ret = FORMAT_TEXT;
	else if (!strcmp(s, "json"))
		*ret = FORMAT_JSON;
	else
		return false;
	return true;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("sxscheck %s\n", SXS_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	return cli_error(EXIT_USAGE, "unknown command '%s' (see 'sxscheck --help')", argv[1]);
}
