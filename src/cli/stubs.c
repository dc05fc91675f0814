/* SPDX-License-Identifier: MIT */
/* Commands whose implementation has not landed yet. */
#include "cli.h"

int cmd_compare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_error(EXIT_TROUBLE, "compare: not implemented yet");
}

int cmd_snapshot(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_error(EXIT_TROUBLE, "snapshot: not implemented yet");
}

int cmd_delta(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_error(EXIT_TROUBLE, "delta: not implemented yet");
}
