/* SPDX-License-Identifier: MIT */
/* What scan, snapshot and compare share: model options and loading an image. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"
#include "store/store.h"
#include "util/alloc.h"

#define CATALOG_ROOTS_MAX (16u << 20) /* a PEM bundle of root certificates */

/* --catalog-roots=FILE: read when the image is loaded, freed right after */
static const char *catalog_roots_path;

int cli_model_option(const char *cmd, int opt, const char *arg, struct sxs_model_options *mopt,
                     enum progress_mode *pmode)
{
	switch (opt) {
	case CLI_OPT_JOBS:
		if (cli_parse_jobs(arg, &mopt->jobs))
			return cli_error(EXIT_USAGE, "%s: --jobs takes a number from 1 to %d, not '%s'", cmd,
			                 SXS_MAX_JOBS, arg);
		return 0;
	case CLI_OPT_BASE_MANIFEST:
		mopt->base_manifest_path = arg;
		return 0;
	case CLI_OPT_CATALOG_ROOTS:
		catalog_roots_path = arg;
		return 0;
	case CLI_OPT_PROGRESS:
		if (progress_parse_mode(arg, pmode))
			return cli_error(EXIT_USAGE, "%s: --progress takes auto, always or never, not '%s'", cmd, arg);
		return 0;
	default:
		return -1;
	}
}

int cli_load_image(const char *cmd, const char *root, const struct sxs_model_options *opt,
                   enum progress_mode pmode, struct sxs_model *m)
{
	struct sxs_diag diag = {{0}};
	struct sxs_image *img = NULL;
	struct sxs_model_options o = *opt;
	struct progress prog;
	uint8_t *roots = NULL;
	int err;
	if (catalog_roots_path) {
		size_t len = 0;
		int fd = open(catalog_roots_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cli_error(EXIT_TROUBLE, "%s: --catalog-roots: cannot open the file",
			                 catalog_roots_path);
		err = sxs_read_fd(fd, CATALOG_ROOTS_MAX, &roots, &len, &diag, catalog_roots_path);
		close(fd);
		if (err)
			return cli_error(EXIT_TROUBLE, "%s", sxs_diag_msg(&diag, err));
		o.catalog_roots_pem = roots;
		o.catalog_roots_pem_len = len;
	}
	err = sxs_image_open(root, &img, &diag);
	if (err) {
		sxs_free(roots);
		return cli_error(EXIT_TROUBLE, "%s", sxs_diag_msg(&diag, err));
	}
	progress_init(&prog, pmode, "scanning");
	if (prog.enabled) {
		o.progress = progress_update;
		o.progress_ctx = &prog;
	}
	err = sxs_model_load(img, &o, m, &diag);
	progress_done(&prog);
	sxs_image_free(img);
	sxs_free(roots);
	if (err)
		return cli_error(EXIT_TROUBLE, "%s: %s failed: %s", root, cmd, sxs_diag_msg(&diag, err));
	return 0;
}
