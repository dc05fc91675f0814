/* SPDX-License-Identifier: MIT */
#ifndef SXS_REPORT_REFERENCE_H
#define SXS_REPORT_REFERENCE_H

#include <stddef.h>

#include "store/model.h"
#include "util/status.h"

/*
 * Reference manifests ("sxsref" files, sxscheck-reference(5)): a text
 * snapshot of a healthy image's component store that `compare` uses in
 * place of the live golden image.  One record per line, sorted, so two
 * snapshots diff cleanly; the last line carries the SHA-256 of everything
 * before it.  Written and read as a stream, a line at a time.
 */

#define SXS_REFERENCE_VERSION 1

#define SXS_REF_MAX_LINE 4096               /* bytes in one line, without the newline */
#define SXS_REF_MAX_LINES (1u << 23)        /* lines in one file */
#define SXS_REF_MAX_COMPONENTS (1u << 20)
#define SXS_REF_MAX_FILES 100000            /* payloads of one component */
#define SXS_REF_MAX_FAMILIES (1u << 20)
#define SXS_REF_MAX_BANDS 64                /* bands of one Winners family */
#define SXS_REF_MAX_VERSIONS 4096           /* version values of one band */

struct sxs_reference_stats {
	size_t components, files, families; /* written */
	size_t skipped;                     /* records left out: names a reader would refuse */
};

/*
 * Write the reference of m to fd.  label names the image in the file (its
 * "image" line; no path, so snapshots taken from different mount points are
 * identical).  Everything the image has that cannot be written faithfully
 * (a key form that does not parse, a duplicate name) is left out and
 * counted in stats->skipped.  0 or -SXS_EIO / -SXS_ENOMEM with a diag.
 */
int sxs_reference_write(int fd, const struct sxs_model *m, const char *label,
                        struct sxs_reference_stats *stats, struct sxs_diag *diag);

/*
 * Read a reference from fd into *m (initialized by the caller, released on
 * error).  display names the file in messages, which read
 * "<display>:<line>: what is wrong".  Every field is validated; a file that
 * is truncated, longer than the limits above, out of order, or whose
 * trailer digest does not match is refused with -SXS_EFORMAT, -SXS_ELIMIT,
 * -SXS_ETRUNC or -SXS_EHASH.
 */
int sxs_reference_read(int fd, const char *display, struct sxs_model *m, struct sxs_diag *diag);

#endif
