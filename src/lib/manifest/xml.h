/* SPDX-License-Identifier: MIT */
#ifndef SXS_MANIFEST_XML_H
#define SXS_MANIFEST_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manifest/manifest.h" /* the limits: SXS_MAX_XML_DEPTH, ... */
#include "util/status.h"

/*
 * A small, safe, generic XML reader over expat for the other modules
 * (package manifests, pending.xml): manifest/ stays the only place that
 * includes expat.  Namespaces are resolved: each element comes with its
 * namespace URI (NULL when it has none) and its local name, so callers
 * match by URI + local name, never by prefix.
 *
 * The input is hostile.  The same rules as sxs_manifest_parse() apply:
 * DOCTYPE and entity declarations are refused, elements nest at most
 * SXS_MAX_XML_DEPTH deep and carry at most SXS_MAX_XML_ATTRS attributes,
 * the document is at most SXS_MAX_MANIFEST_XML_SIZE bytes, and a failed
 * allocation inside expat is reported as -SXS_ENOMEM, never as malformed
 * XML.  Text is handed over in pieces as expat produces it.
 */

struct sxs_xml_attr {
	const char *uri;   /* namespace URI, NULL for an unqualified attribute */
	const char *local;
	const char *value;
};

struct sxs_xml_elem {
	const char *uri;   /* namespace URI, NULL when none */
	const char *local;
	const struct sxs_xml_attr *attrs;
	size_t nattrs;
	unsigned depth;    /* 0 for the root element */
	unsigned long line;
};

struct sxs_xml_reader; /* opaque: the parse in progress */

/*
 * Callbacks return 0 to go on, a positive number to stop the parse early
 * (sxs_xml_parse then returns 0: "seen enough"), or a negative -SXS_E* code
 * to abort with it (set the reason with sxs_xml_fail() first).
 * Any callback may be NULL.
 */
struct sxs_xml_handler {
	int (*start)(void *ctx, struct sxs_xml_reader *r, const struct sxs_xml_elem *e);
	int (*end)(void *ctx, struct sxs_xml_reader *r, const char *uri, const char *local,
	           unsigned depth);
	int (*text)(void *ctx, struct sxs_xml_reader *r, const char *s, size_t len);
};

/*
 * Parse `len` bytes of XML (UTF-8 or anything expat detects; BOM allowed).
 * `what` names the document in messages ("package manifest").  Returns 0,
 * -SXS_EFORMAT ("<what>: line L: <expat message>", DOCTYPE, no root),
 * -SXS_ELIMIT, -SXS_ENOMEM, or the negative code a callback returned.
 */
int sxs_xml_parse(const uint8_t *xml, size_t len, const char *what,
                  const struct sxs_xml_handler *h, void *ctx, struct sxs_diag *diag);

/* For callbacks: set the diag (first reason wins) and return -err. */
int sxs_xml_fail(struct sxs_xml_reader *r, int err, const char *fmt, ...) SXS_PRINTF(3, 4);
/* Current line, for messages. */
unsigned long sxs_xml_line(const struct sxs_xml_reader *r);

/* Value of the unqualified attribute `local` of e (exact case), or NULL. */
const char *sxs_xml_attr(const struct sxs_xml_elem *e, const char *local);

#endif
