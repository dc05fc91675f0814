/* SPDX-License-Identifier: MIT */
#ifndef SXS_STORE_FORMS_H
#define SXS_STORE_FORMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/model.h"
#include "store/store.h"

/*
 * Where and in which forms the payload files of a component exist
 * (calibration.md §1, §6.3): the full file (plain, DC? container or reparse
 * point) in WinSxS\<kf>, differentials in WinSxS\<kf>\{f,r,n} and in any
 * servicing\LCU\<package>\<kf>\{f,r,n} (SB17763b: older LCUs keep their
 * deltas there; several LCU folders can coexist, DS).  Facts only:
 * check/scan.c decides what an absence means.
 */

/* The servicing\LCU package folders, listed once. */
struct sxs_lcu_index;

/* List Windows\servicing\LCU\* (absent: an empty index); names go to m->lcu_dirs. */
int sxs_lcu_index_load(struct sxs_image *img, struct sxs_model *m, struct sxs_lcu_index **ret,
                       struct sxs_diag *diag);
void sxs_lcu_index_free(struct sxs_lcu_index *ix);

/*
 * Check the differentials of c under every LCU folder that has a <kf>
 * subfolder; the entries are appended to c->deltas with lcu set.
 * 0 or -SXS_ENOMEM (a folder that cannot be read becomes an entry with err).
 */
int sxs_forms_lcu_deltas(const struct sxs_lcu_index *ix, struct sxs_component *c);

/* Set SXS_FORM_{F,R,N,LCU_*} on c's payloads from c->deltas (by file name). */
void sxs_forms_from_deltas(struct sxs_component *c);

/*
 * Give each payload its COMPONENTS f! value (the value name is derived from
 * the file name, formats.md §6.3) and mark the f! values that belong to a
 * file.  0 or -SXS_ENOMEM.
 */
int sxs_forms_match_fflags(struct sxs_component *c);

/*
 * The reparse tag NTFS records for a file, from the extended attributes the
 * Linux NTFS drivers expose: ntfs-3g's "system.ntfs_reparse_data" (the
 * reparse buffer: tag first, little endian) or ntfs3's "system.ntfs_attrib"
 * (FILE_ATTRIBUTE_REPARSE_POINT 0x400; the tag is then unknown, 0).
 * Decoders of those attribute values, exposed for the tests:
 */
bool sxs_reparse_from_data(const uint8_t *buf, size_t len, uint32_t *tag_ret);
bool sxs_reparse_from_attrib(const uint8_t *buf, size_t len);
/* By fd (an open file) or by dirfd + name (a file that could not be opened or read). */
bool sxs_reparse_probe_fd(int fd, uint32_t *tag_ret);
bool sxs_reparse_probe_at(int dirfd, const char *relpath, uint32_t *tag_ret);

/*
 * List WinSxS\Fusion\<Winners key>\<band>\<version> (calibration.md §4)
 * into m->fusion as "key\band\version".
 */
int sxs_fusion_list(struct sxs_image *img, struct sxs_model *m);
/* Whether WinSxS\Fusion\<key>\<band>\<version> exists. */
bool sxs_model_has_fusion(const struct sxs_model *m, const char *key, const char *band,
                          const char *version);

#endif
