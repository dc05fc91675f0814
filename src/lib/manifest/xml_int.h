/* SPDX-License-Identifier: MIT */
#ifndef SXS_MANIFEST_XML_INT_H
#define SXS_MANIFEST_XML_INT_H

/* Shared by manifest.c and xml.c (the expat users); not part of the module's API. */

#include <expat.h>
#include <stdbool.h>

/*
 * Namespace processing is on: expat hands element names over as
 * "URI<SXS_XML_NS_SEP>local" (just "local" without a namespace).  The
 * separator is a character XML 1.0 forbids, so it never occurs in a URI.
 */
#define SXS_XML_NS_SEP '\x01'

/*
 * expat allocates through sxs_malloc & co (so fault injection reaches it),
 * but it does not always report a failed allocation as XML_ERROR_NO_MEMORY
 * (2.5.0 says "unbound prefix" when binding a namespace prefix fails).
 * Reporting that as malformed XML would become a false finding, so a parse
 * notes any failed allocation here and then returns -SXS_ENOMEM.
 */
extern _Thread_local bool sxs_xml_alloc_failed;

/* A namespace-aware parser on sxs_malloc; clears sxs_xml_alloc_failed.  NULL on oom. */
XML_Parser sxs_xml_parser_new(void);

#endif
