/* SPDX-License-Identifier: MIT */
#ifndef SXS_STORE_PACKAGES_H
#define SXS_STORE_PACKAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "package/catalog.h"
#include "package/cbs.h"
#include "package/mum.h"
#include "util/map.h"
#include "util/status.h"

/*
 * The package layer of an image, as facts (judged in check/packages.c):
 * every package the image knows of, from the CBS Packages registry key
 * and from Windows\servicing\Packages (the union of both, one entry per
 * identity, compared ignoring case), with what was found for each.
 */

enum sxs_pkg_file_state {
	SXS_PKG_FILE_ABSENT,     /* not in servicing\Packages */
	SXS_PKG_FILE_OK,         /* read and parsed */
	SXS_PKG_FILE_CORRUPT,    /* read, but not a valid .mum / .cat: detail says why */
	SXS_PKG_FILE_UNREADABLE, /* I/O error, too big, not a regular file */
	SXS_PKG_FILE_LINK,       /* a symbolic link: not followed */
};

enum sxs_pkg_membership {
	SXS_PKG_MEMBER_UNKNOWN,  /* .mum or .cat absent or unusable */
	SXS_PKG_MEMBER_YES,      /* the .mum's hash is a member of its .cat */
	SXS_PKG_MEMBER_NO,
};

struct sxs_package {
	char *name;              /* the registry key name, else the .mum base name */

	/* CBS registry (Packages\<name>); NULL when the key is absent */
	const struct sxs_cbs_package *reg; /* points into sxs_packages.cbs */
	bool pending;            /* listed under PackagesPending */

	/* servicing\Packages\<name>.mum */
	enum sxs_pkg_file_state mum_state;
	char *mum_ondisk;        /* file name as on disk */
	char *mum_detail;        /* why CORRUPT / UNREADABLE */
	struct sxs_mum *mum;     /* parsed, when OK */
	bool mum_name_ok;        /* OK and its identity is the file's base name (any case) */
	uint8_t mum_sha256[32];  /* of the raw bytes, when read */

	/* servicing\Packages\<name>.cat */
	enum sxs_pkg_file_state cat_state;
	char *cat_ondisk;
	char *cat_detail;
	uint8_t cat_sha256[32];  /* of the whole file, when read and parsed */
	enum sxs_cat_signature cat_signature; /* when OK */
	enum sxs_cat_chain cat_chain;
	char *cat_signature_detail;

	enum sxs_pkg_membership mum_in_cat;
	/* both files read, the catalog's signature valid, the .mum a member, identity = name */
	bool pair_verified;
};

/* One value of CBS\Version (packages.md §4.3), checked against WinSxS. */
struct sxs_pkg_ssv {
	const char *name;        /* value name (a version); points into cbs */
	const char *path;        /* its data, or NULL when not a string; points into cbs */
	char *folder;            /* last path component when the path is %SystemRoot%\WinSxS\<x>, else NULL */
	bool folder_exists;      /* WinSxS\<folder> is a directory of the image */
	char *folder_version;    /* version field of <folder> read as a key form, or NULL */
};

struct sxs_packages {
	bool have_registry;      /* SOFTWARE read and its CBS Packages key present */
	bool have_listing;       /* Windows\servicing\Packages listed */
	char *listing_problem;   /* why servicing\Packages could not be listed, or NULL */
	struct sxs_cbs cbs;      /* the registry facts (sibling keys included) */
	struct sxs_package *v;   /* sorted by name (ASCII case-insensitive) */
	size_t n, vcap;
	struct sxs_map by_name;  /* folded name -> struct sxs_package * */
	char *wcp_version;       /* COMPONENTS LastWCPVersionToAccessStore, or NULL */
	bool pending_xml;        /* WinSxS\pending.xml exists */
	char *pending_xml_id;    /* its PendingTransaction/@Identifier, or NULL */
	char *pending_xml_problem; /* why pending.xml could not be read, or NULL */
	bool pending_hive;       /* COMPONENTS PendingXmlIdentifier exists */
	char *pending_hive_id;   /* its value (UTF-16LE decoded), or NULL */
	bool catalog_roots;      /* chains were checked against given roots */
	struct sxs_pkg_ssv *ssv; /* one per CBS\Version value */
	size_t nssv;
	size_t mums_read, cats_read; /* statistics */
};

struct sxs_model;
struct sxs_image;
struct sxs_hive;

struct sxs_packages *sxs_packages_new(void);
void sxs_packages_free(struct sxs_packages *p);

/*
 * Called by store/registry.c while SOFTWARE is open: copy the CBS key into
 * m->packages (created on first use).  0, -SXS_ENOMEM or -SXS_ELIMIT.
 */
int sxs_packages_read_software(struct sxs_model *m, struct sxs_hive *software);
/* Called while COMPONENTS is open: PendingXmlIdentifier's value. */
int sxs_packages_read_components(struct sxs_model *m, struct sxs_hive *components);

/*
 * After the WinSxS listing: list Windows\servicing\Packages, read and parse
 * every .mum and .cat, join them with the registry.  Problems with single
 * files are recorded per package; an error means the scan cannot go on
 * (-SXS_ENOMEM).  roots_pem may be NULL (chains not checked).  The pairs
 * are read on up to `jobs` threads (1: in this thread only, fixed order).
 */
int sxs_packages_load(struct sxs_image *img, struct sxs_model *m, const char *wcp_version,
                      const uint8_t *roots_pem, size_t roots_pem_len, unsigned jobs,
                      struct sxs_diag *diag);

/* The package entry for an identity (case-insensitive), or NULL. */
const struct sxs_package *sxs_packages_find(const struct sxs_packages *p, const char *identity);

/*
 * CurrentState of a package from the registry: 0 and *state_ret, or
 * -SXS_ENOENT when there is no package data, no such key or no readable
 * CurrentState.  p may be NULL.
 */
int sxs_packages_state(const struct sxs_packages *p, const char *identity, uint32_t *state_ret);
/* Installed (0x70) or Permanent (0x80) according to the registry; false when unknown. */
bool sxs_packages_installed(const struct sxs_packages *p, const char *identity);

const char *sxs_pkg_file_state_name(enum sxs_pkg_file_state s);

/*
 * For the reference reader: add a package whose pair was verified on the
 * golden side (names must come in ascending case-insensitive order, no
 * duplicates).  p->have_listing is set.  0, -SXS_EFORMAT (order), -SXS_ENOMEM.
 */
int sxs_packages_add_verified(struct sxs_packages *p, const char *name, const uint8_t mum_sha256[32],
                              const uint8_t cat_sha256[32]);

#endif
