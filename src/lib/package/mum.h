/* SPDX-License-Identifier: MIT */
#ifndef SXS_PACKAGE_MUM_H
#define SXS_PACKAGE_MUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manifest/identity.h"
#include "util/status.h"
#include "util/strbuf.h"

/*
 * Package manifests (servicing\Packages\<identity>.mum, packages.md §2.3):
 * the parts the package checks need.  Read through manifest/'s XML reader
 * (manifest/xml.h); elements are matched by namespace (asm.v3, or the
 * root's namespace) and local name, unknown elements are ignored.
 *
 * Limits (exceeding one fails the parse with -SXS_ELIMIT):
 */
#define SXS_MAX_MUM_UPDATES 100000 /* <update> elements */
#define SXS_MAX_MUM_REFS 200000    /* child packages + components + parents */

/* Which part of an <update> names a reference. */
enum sxs_mum_ref_kind {
	SXS_MUM_REF_PACKAGE,    /* update/package/assemblyIdentity: a child package */
	SXS_MUM_REF_COMPONENT,  /* update/component/assemblyIdentity: a deployment */
	SXS_MUM_REF_DRIVER,     /* update/driver/assemblyIdentity */
};

struct sxs_mum_ref {
	enum sxs_mum_ref_kind kind;
	struct sxs_identity id;
	size_t update;           /* index into sxs_mum.updates */
	bool contained_false;    /* <package contained="false">: shipped separately */
};

struct sxs_mum_update {
	char *name;              /* update/@name ("" when missing) */
	bool applicable;         /* has an <applicable> child: installs only if it applies */
	bool selectable;         /* has a <selectable> child: an optional feature */
};

struct sxs_mum {
	struct sxs_identity id;  /* assembly/assemblyIdentity */
	char *identity;          /* id as a package identity string (sxs_package_identity) */
	bool has_package;        /* an assembly/package element was present */
	char *identifier;        /* package/@identifier ("KB4528069"), or NULL */
	char *release_type;      /* package/@releaseType, or NULL */
	char *restart;           /* package/@restart, or NULL */
	bool permanent;          /* package/@permanence="permanent" */
	struct sxs_identity *parents; /* package/parent/assemblyIdentity */
	size_t nparents;
	struct sxs_mum_update *updates;
	size_t nupdates;
	struct sxs_mum_ref *refs;     /* in document order */
	size_t nrefs;
};

/*
 * Parse a .mum.  Returns 0, -SXS_EFORMAT (not well-formed XML: "package
 * manifest: line L: ..."; root is not an <assembly>; no assemblyIdentity or
 * a second one; name, version or processorArchitecture missing; no
 * <package> element), -SXS_ELIMIT or -SXS_ENOMEM.  CheckSUR reports the
 * -SXS_EFORMAT cases as "CBS MUM Corrupt" (packages.md §6.1).
 */
int sxs_mum_parse(const uint8_t *xml, size_t len, struct sxs_mum **ret, struct sxs_diag *diag);
void sxs_mum_free(struct sxs_mum *m);

/* True when the update installs whatever it applies to (no applicable/selectable). */
bool sxs_mum_update_unconditional(const struct sxs_mum_update *u);

/*
 * Append the package identity string (packages.md §2.2):
 * name~publicKeyToken~processorArchitecture~culture~version, the culture
 * empty when neutral (absent, "", "neutral", "none").  Case kept as in the
 * manifest.  -SXS_EFORMAT when name, version or arch is missing or a field
 * contains '~', a path separator or a control character; out left as it was.
 */
int sxs_package_identity(const struct sxs_identity *id, struct sxs_strbuf *out);

/* An identity string split into its five fields (pointers into buf). */
struct sxs_package_name {
	char *name, *pkt, *arch, *culture, *version;
	char buf[512];
};
/*
 * Split "name~pkt~arch~culture~version".  -SXS_EFORMAT unless there are
 * exactly five fields, name, arch and version are not empty and the
 * version has four numeric parts; -SXS_ELIMIT when longer than buf.
 */
int sxs_package_name_split(const char *s, struct sxs_package_name *ret);

/* Package families whose top-level packages are cumulative updates (packages.md §2.5). */
bool sxs_package_is_rollup(const char *identity);

#endif
