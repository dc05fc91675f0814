/* SPDX-License-Identifier: MIT */
#ifndef SXS_STORE_DEPLOY_H
#define SXS_STORE_DEPLOY_H

#include <stddef.h>
#include <stdint.h>

#include "hive/hive.h"
#include "store/model.h"
#include "util/strbuf.h"

/*
 * Deployments, their p!/s!/i! marks and catalogs (facts only; the
 * deployment-* and catalog-* rules are in check/deploy.c).
 *
 * COMPONENTS\CanonicalData\Deployments\<short form>: appid,
 * CatalogThumbprint and one mark per (package, update) that planned,
 * staged or installed the deployment (formats.md §6.1, packages.md §5).
 */

/* Longest mark data string accepted (a package identity, '.', an update name). */
#define SXS_MAX_MARK_STRING 4096

/*
 * Read CanonicalData\Deployments and CanonicalData\Catalogs of an open
 * COMPONENTS hive into m (deployments sorted by name).  A missing
 * CanonicalData is not an error: m->have_deployment_data stays false.
 */
int sxs_deploy_read_hive(struct sxs_hive *h, struct sxs_model *m);

/*
 * Parse one mark value (name "p!CBS_...", REG_BINARY data "u32 length,
 * u32 flag, length ASCII bytes, one more byte when flag is 1") and verify
 * the name against the data with the key-form string hash:
 *   name = kind "!CBS_" lower(s)[0:60] "_" %016llx H(s)   (packages.md §5.2)
 * Whether names of strings shorter than 60 characters carry the suffix is
 * open (§5.2), so both spellings are accepted for them.  Fills *ret (its
 * problem says what is wrong when data_ok or name_ok is false).  Returns 0,
 * -SXS_EINVAL when the name is not a mark at all (not p!/s!/i!), or
 * -SXS_ENOMEM.
 */
int sxs_mark_parse(const char *value_name, const uint8_t *data, size_t len, struct sxs_mark *ret);
void sxs_mark_release(struct sxs_mark *mk);

/* Append the mark value name for kind ('p', 's', 'i') and string s. */
void sxs_mark_name(char kind, const char *s, size_t len, struct sxs_strbuf *out);

/*
 * Split "<name>~<pkt>~<arch>~<culture>~<v1.v2.v3.v4>.<update>" into the
 * package identity and the update name (the version is the first four
 * dot-separated numbers after the fourth '~', packages.md §5.2).  -SXS_EFORMAT
 * when s is not of that shape or has bytes outside printable ASCII.
 */
int sxs_mark_split(const char *s, size_t len, char **package_ret, char **update_ret);

/*
 * WinSxS\Catalogs\*.cat with their SHA-256 (the name must be it,
 * packages.md §2.1).  Sets m->have_catalog_dir.
 */
int sxs_deploy_list_catalogs(struct sxs_image *img, struct sxs_model *m);

/*
 * After the manifests are read: tie each deployment to its own component
 * (same short form) and record the install dependencies of deployment
 * manifests as key forms.
 */
int sxs_deploy_link(struct sxs_model *m);

/* Record the key forms of the dependencyType="install" dependencies on c. */
int sxs_deploy_record_deps(struct sxs_component *c, const struct sxs_identity *deps,
                           const bool *install, size_t n);

/* Whether a CanonicalData\Catalogs key / a WinSxS\Catalogs file exists for a thumbprint. */
bool sxs_model_has_catalog_key(const struct sxs_model *m, const char *thumbprint);
const struct sxs_catalog_file *sxs_model_catalog_file(const struct sxs_model *m,
                                                      const char *thumbprint);

#endif
