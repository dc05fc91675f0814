/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "manifest/identity.h"

static void keyform_usage(FILE *f)
{
	fputs("usage: sxscheck keyform 'Name, Culture=neutral, Version=..., PublicKeyToken=...,\n"
	      "                          ProcessorArchitecture=amd64, versionScope=NonSxS'\n"
	      "\n"
	      "Print the WinSxS key form (component folder and manifest name), the\n"
	      "SideBySide\\Winners key form and the deployment short form of an identity.\n", f);
}

int cmd_keyform(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		keyform_usage(stdout);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		keyform_usage(stderr);
		return EXIT_USAGE;
	}
	struct sxs_identity id;
	struct sxs_diag diag = {{0}};
	int err = sxs_identity_parse(argv[1], strlen(argv[1]), &id, &diag);
	if (err)
		return cli_error(EXIT_USAGE, "keyform: %s", sxs_diag_msg(&diag, err));
	struct sxs_strbuf full = SXS_STRBUF_INIT, win = SXS_STRBUF_INIT, shrt = SXS_STRBUF_INIT,
	                  canon = SXS_STRBUF_INIT;
	err = sxs_identity_keyform(&id, SXS_KEYFORM_FULL, &full);
	if (!err)
		err = sxs_identity_keyform(&id, SXS_KEYFORM_WINNERS, &win);
	if (!err)
		err = sxs_identity_keyform(&id, SXS_KEYFORM_SHORT, &shrt);
	if (!err)
		err = sxs_identity_canonical(&id, &canon);
	int rc = 0;
	if (err)
		rc = cli_error(EXIT_TROUBLE, "keyform: %s", sxs_strerror(err));
	else
		printf("identity: %s\nkeyform:  %s\nwinners:  %s\nshort:    %s\n", sxs_strbuf_str(&canon),
		       sxs_strbuf_str(&full), sxs_strbuf_str(&win), sxs_strbuf_str(&shrt));
	sxs_strbuf_release(&full);
	sxs_strbuf_release(&win);
	sxs_strbuf_release(&shrt);
	sxs_strbuf_release(&canon);
	sxs_identity_release(&id);
	return rc;
}
