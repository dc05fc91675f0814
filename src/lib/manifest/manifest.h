/* SPDX-License-Identifier: MIT */
#ifndef SXS_MANIFEST_MANIFEST_H
#define SXS_MANIFEST_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest/digest.h"
#include "manifest/identity.h"
#include "util/status.h"

/*
 * The parts of an assembly manifest (asm.v3 XML, formats.md §2) that the
 * checks need: the component identity, the payload files with their
 * digests, dependencies and whether it is a deployment.
 *
 * The input is hostile.  Limits, checked before anything is allocated for
 * them; exceeding one fails the parse with -SXS_ELIMIT:
 */
#define SXS_MAX_MANIFEST_XML_SIZE (64u << 20) /* bytes of XML */
#define SXS_MAX_XML_DEPTH 256                 /* element nesting */
#define SXS_MAX_XML_ATTRS 256                 /* attributes on one element */
#define SXS_MAX_MANIFEST_FILES 100000         /* <file> elements */
#define SXS_MAX_MANIFEST_DEPS 100000          /* dependency identities */
/* Text collected from one element (only DigestValue is collected); longer
 * text marks the digest bad instead of failing the parse. */
#define SXS_MAX_XML_TEXT 4096

struct sxs_manifest_file {
	char *name;              /* never NULL; "" when the attribute is missing */
	char *destination_path;  /* NULL when absent (never projected) */
	char *source_name;       /* NULL when absent */
	bool unsafe_name;        /* see sxs_manifest_name_is_safe(); never open it */
	bool system_data;        /* writeableType="systemData": may change after install */

	bool has_hash;           /* a <hash> element was present */
	enum sxs_digest_alg alg; /* SXS_DIGEST_NONE when no usable hash */
	uint8_t digest[SXS_DIGEST_MAX];
	size_t digest_len;       /* 0 unless the digest is usable */
	bool unsupported_transform; /* a Transform other than HashTransforms.Identity */
	char *transform;            /* that Transform's Algorithm URI, else NULL */
	bool unsupported_digest_method; /* DigestMethod missing or not sha1/sha256 */
	char *digest_method;            /* the unsupported DigestMethod URI, else NULL */
	bool bad_digest;         /* DigestValue missing, not base64 or of the wrong length */
};

struct sxs_manifest {
	struct sxs_identity id;          /* the root <assembly>'s own assemblyIdentity */
	struct sxs_manifest_file *files; /* direct <file> children of <assembly> */
	size_t nfiles;
	struct sxs_identity *deps;       /* dependency/dependentAssembly/assemblyIdentity */
	size_t ndeps;
	bool *deps_install;              /* per dep: its dependentAssembly has dependencyType="install" */
	bool is_deployment;              /* a <deployment> child of <assembly> */
	char *manifest_version;          /* <assembly manifestVersion>, NULL when absent */
};

/*
 * Parse a manifest (UTF-8 or anything expat detects, BOM allowed).
 * Elements are matched by namespace URI and local name, never by prefix:
 * <assembly> and its children in asm.v1/v2/v3 or no namespace (children in
 * the root's namespace), <hash> in asm.v2, the root's or no namespace, the
 * dsig elements in xmldsig or the <hash>'s namespace.  DOCTYPE and entity
 * declarations are refused.
 *
 * Returns 0, -SXS_EFORMAT (not well-formed: "manifest: line L: <expat
 * message>"; no root assembly; no or a second assemblyIdentity; missing
 * name, version or processorArchitecture; DOCTYPE), -SXS_ELIMIT or
 * -SXS_ENOMEM.  Problems with single files (unsafe names, bad digests,
 * unsupported algorithms) do not fail the parse; they are flagged.
 */
int sxs_manifest_parse(const uint8_t *xml, size_t len, struct sxs_manifest **ret,
                       struct sxs_diag *diag);

void sxs_manifest_free(struct sxs_manifest *m);

/*
 * True when a payload name from a manifest or hive can be used as one path
 * component: not empty, not "." or "..", and no '/', '\\', ':' (drive
 * letters, absolute paths, NTFS streams) or control characters.
 */
bool sxs_manifest_name_is_safe(const char *name);

#endif
