/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pa30/pa30.h"
#include "store/registry.h"
#include "store/store.h"
#include "util/alloc.h"

static void manifest_usage(FILE *f)
{
	fputs("usage: sxscheck manifest [--base-manifest=FILE | --root=ROOT] FILE\n"
	      "\n"
	      "Print a WinSxS manifest as XML. A DCM-compressed manifest is decoded with\n"
	      "the base manifest in FILE, or with the one in the servicing stack's\n"
	      "wcp.dll of the image at ROOT. A plain XML manifest is printed as is.\n"
	      "\n"
	      "  -b, --base-manifest=FILE  DCM base manifest (9,066 bytes on Windows 10/11)\n"
	      "  -r, --root=ROOT           take the base manifest from this image\n"
	      "  -o, --output=FILE         write the XML to FILE instead of stdout\n"
	      "  -h, --help                show this help\n", f);
}

static int read_path(const char *path, size_t max, uint8_t **data_ret, size_t *len_ret)
{
	struct sxs_diag diag = {{0}};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cli_error(EXIT_TROUBLE, "%s: cannot open: %s", path, strerror(errno));
	int err = sxs_read_fd(fd, max, data_ret, len_ret, &diag, path);
	close(fd);
	if (err)
		return cli_error(EXIT_TROUBLE, "%s", sxs_diag_msg(&diag, err));
	return 0;
}

/* The base manifest of the image at root, through the same code scan uses. */
static int base_from_root(const char *root, uint8_t **base_ret, size_t *len_ret)
{
	struct sxs_diag diag = {{0}};
	struct sxs_image *img = NULL;
	struct sxs_registry *reg = NULL;
	struct sxs_model m;
	char *problem = NULL;
	int rc = EXIT_TROUBLE, err;

	sxs_model_init(&m);
	err = sxs_image_open(root, &img, &diag);
	if (!err)
		err = sxs_image_list(img, &diag);
	if (!err)
		err = sxs_registry_open(img, &m, &reg, &diag);
	if (!err)
		err = sxs_base_manifest_load(img, &m, sxs_registry_wcp_version(reg), NULL, base_ret,
		                             len_ret, &problem, &diag);
	if (err) {
		cli_error(EXIT_TROUBLE, "%s", sxs_diag_msg(&diag, err));
	} else if (!*base_ret) {
		cli_error(EXIT_TROUBLE, "%s: %s", root, problem ? problem : "no base manifest");
	} else {
		fprintf(stderr, "sxscheck: base manifest: %s%s\n", m.base_manifest_source,
		        m.base_manifest_known ? "" : " (not Microsoft's known base)");
		rc = 0;
	}
	sxs_free(problem);
	sxs_registry_free(reg);
	sxs_model_release(&m);
	sxs_image_free(img);
	return rc;
}

int cmd_manifest(int argc, char **argv)
{
	static const struct option opts[] = {
		{"base-manifest", required_argument, NULL, 'b'},
		{"root", required_argument, NULL, 'r'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *base_path = NULL, *root = NULL, *output = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+b:r:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			base_path = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			manifest_usage(stdout);
			return 0;
		default:
			return cli_error(EXIT_USAGE, "manifest: unknown option '%s' (see 'sxscheck manifest --help')",
			                 argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_error(EXIT_USAGE, "manifest: expected one FILE argument");
	if (base_path && root)
		return cli_error(EXIT_USAGE, "manifest: give --base-manifest or --root, not both");
	const char *path = argv[optind];

	uint8_t *raw = NULL, *base = NULL, *xml = NULL;
	size_t rawlen = 0, baselen = 0, xmllen = 0;
	struct sxs_diag diag = {{0}};
	int rc = read_path(path, SXS_MAX_MANIFEST_SIZE, &raw, &rawlen);
	if (rc)
		return rc;
	enum sxs_container type = sxs_container_detect(raw, rawlen);
	if (type == SXS_CONTAINER_DCM) {
		if (base_path)
			rc = read_path(base_path, SXS_MAX_MANIFEST_SIZE, &base, &baselen);
		else if (root)
			rc = base_from_root(root, &base, &baselen);
		else
			rc = cli_error(EXIT_USAGE, "%s: DCM-compressed manifest: give --base-manifest=FILE or --root=ROOT",
			               path);
		if (rc)
			goto out;
	}
	if (type == SXS_CONTAINER_NONE) {
		xml = raw;
		xmllen = rawlen;
		raw = NULL;
	} else {
		int err = sxs_container_decode(raw, rawlen, base, baselen, &xml, &xmllen, &diag);
		if (err) {
			rc = cli_error(EXIT_TROUBLE, "%s: %s", path, sxs_diag_msg(&diag, err));
			goto out;
		}
	}
	struct sxs_strbuf sb = {(char *)xml, xmllen, xmllen, false};
	rc = cli_write(&sb, output);
out:
	sxs_free(raw);
	sxs_free(base);
	sxs_free(xml);
	return rc;
}
