/* SPDX-License-Identifier: MIT */
#include "manifest/xml.h"

#include <stdio.h>
#include <string.h>

#include "manifest/manifest.h"
#include "manifest/xml_int.h"
#include "util/alloc.h"

#define NS_SEP SXS_XML_NS_SEP

struct sxs_xml_reader {
	XML_Parser parser;
	const struct sxs_xml_handler *h;
	void *ctx;
	struct sxs_diag *diag;
	const char *what;
	int err;      /* first failure (negative), 0 while all is well */
	bool stopped; /* a callback asked to stop (positive return) */
	unsigned depth;
	/* copies of the split names of one start tag (ns URIs need a NUL) */
	struct sxs_xml_attr attrs[SXS_MAX_XML_ATTRS];
	char *names; /* scratch for URIs, grown as needed */
	size_t names_cap;
};

int sxs_xml_fail(struct sxs_xml_reader *r, int err, const char *fmt, ...)
{
	char msg[SXS_DIAG_MAX];
	va_list ap;

	if (err < 0)
		err = -err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sxs_diag_set(r->diag, err, "%s", msg);
}

unsigned long sxs_xml_line(const struct sxs_xml_reader *r)
{
	return (unsigned long)XML_GetCurrentLineNumber(r->parser);
}

const char *sxs_xml_attr(const struct sxs_xml_elem *e, const char *local)
{
	for (size_t i = 0; i < e->nattrs; i++)
		if (!e->attrs[i].uri && strcmp(e->attrs[i].local, local) == 0)
			return e->attrs[i].value;
	return NULL;
}

/* Stop the parse with err (negative) or, for err > 0, as "seen enough". */
static void stop(struct sxs_xml_reader *r, int err)
{
	if (r->err || r->stopped)
		return;
	if (err < 0)
		r->err = err;
	else
		r->stopped = true;
	XML_StopParser(r->parser, XML_FALSE);
}

static bool active(const struct sxs_xml_reader *r)
{
	return !r->err && !r->stopped;
}

/*
 * Split "URI<sep>local" names.  The URIs are copied into r->names (each
 * NUL-terminated) so callers get plain C strings; *total is the space the
 * copies need.
 */
static size_t uri_len(const char *name)
{
	const char *sep = strrchr(name, NS_SEP);
	return sep ? (size_t)(sep - name) : 0;
}

static bool reserve_names(struct sxs_xml_reader *r, size_t need)
{
	if (need <= r->names_cap)
		return true;
	char *p = sxs_realloc(r->names, need);
	if (!p) {
		stop(r, -SXS_ENOMEM);
		return false;
	}
	r->names = p;
	r->names_cap = need;
	return true;
}

/* Copy the URI part of `name` to *cur; point *uri at it (NULL if none), return the local part. */
static const char *split(const char *name, char **cur, const char **uri)
{
	size_t n = uri_len(name);
	if (!strchr(name, NS_SEP)) {
		*uri = NULL;
		return name;
	}
	memcpy(*cur, name, n);
	(*cur)[n] = '\0';
	*uri = *cur;
	*cur += n + 1;
	return name + n + 1;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct sxs_xml_reader *r = ud;
	size_t nattrs = 0, need = 0;

	if (!active(r))
		return;
	if (r->depth >= SXS_MAX_XML_DEPTH) {
		stop(r, sxs_xml_fail(r, SXS_ELIMIT, "%s: line %lu: elements nested deeper than %d",
		                     r->what, sxs_xml_line(r), SXS_MAX_XML_DEPTH));
		return;
	}
	while (atts[nattrs])
		nattrs++;
	nattrs /= 2;
	if (nattrs > SXS_MAX_XML_ATTRS) {
		stop(r, sxs_xml_fail(r, SXS_ELIMIT, "%s: line %lu: more than %d attributes", r->what,
		                     sxs_xml_line(r), SXS_MAX_XML_ATTRS));
		return;
	}
	/* names are bounded by the document size (<= 64 MiB): no overflow */
	need = uri_len(name) + 1;
	for (size_t i = 0; i < nattrs; i++)
		need += uri_len(atts[2 * i]) + 1;
	if (!reserve_names(r, need))
		return;

	char *cur = r->names;
	struct sxs_xml_elem e = {0};
	e.local = split(name, &cur, &e.uri);
	for (size_t i = 0; i < nattrs; i++) {
		r->attrs[i].local = split(atts[2 * i], &cur, &r->attrs[i].uri);
		r->attrs[i].value = atts[2 * i + 1];
	}
	e.attrs = r->attrs;
	e.nattrs = nattrs;
	e.depth = r->depth;
	e.line = sxs_xml_line(r);
	r->depth++;
	if (r->h->start) {
		int rc = r->h->start(r->ctx, r, &e);
		if (rc)
			stop(r, rc);
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct sxs_xml_reader *r = ud;
	if (!active(r) || r->depth == 0)
		return;
	r->depth--;
	if (!r->h->end)
		return;
	if (!reserve_names(r, uri_len(name) + 1))
		return;
	char *cur = r->names;
	const char *uri;
	const char *local = split(name, &cur, &uri);
	int rc = r->h->end(r->ctx, r, uri, local, r->depth);
	if (rc)
		stop(r, rc);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct sxs_xml_reader *r = ud;
	if (!active(r) || !r->h->text || len <= 0)
		return;
	int rc = r->h->text(r->ctx, r, s, (size_t)len);
	if (rc)
		stop(r, rc);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
	struct sxs_xml_reader *r = ud;
	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	if (active(r))
		stop(r, sxs_xml_fail(r, SXS_EFORMAT, "%s: DOCTYPE not allowed", r->what));
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *entity_name, int is_param,
                                   const XML_Char *value, int value_length,
                                   const XML_Char *base, const XML_Char *system_id,
                                   const XML_Char *public_id, const XML_Char *notation)
{
	struct sxs_xml_reader *r = ud;
	(void)entity_name, (void)is_param, (void)value, (void)value_length, (void)base;
	(void)system_id, (void)public_id, (void)notation;
	if (active(r))
		stop(r, sxs_xml_fail(r, SXS_EFORMAT, "%s: entity declaration not allowed", r->what));
}

_Thread_local bool sxs_xml_alloc_failed;

static void *xml_malloc(size_t size)
{
	void *p = sxs_malloc(size);
	if (!p)
		sxs_xml_alloc_failed = true;
	return p;
}

static void *xml_realloc(void *ptr, size_t size)
{
	void *p = sxs_realloc(ptr, size);
	if (!p)
		sxs_xml_alloc_failed = true;
	return p;
}

XML_Parser sxs_xml_parser_new(void)
{
	static const XML_Memory_Handling_Suite mem = {xml_malloc, xml_realloc, sxs_free};
	static const XML_Char ns_sep[] = {SXS_XML_NS_SEP, '\0'};
	sxs_xml_alloc_failed = false;
	return XML_ParserCreate_MM(NULL, &mem, ns_sep);
}

int sxs_xml_parse(const uint8_t *xml, size_t len, const char *what,
                  const struct sxs_xml_handler *h, void *ctx, struct sxs_diag *diag)
{
	struct sxs_xml_reader *r;
	int err = 0;

	if (!what)
		what = "xml";
	if (len > SXS_MAX_MANIFEST_XML_SIZE)
		return sxs_diag_set(diag, SXS_ELIMIT, "%s: larger than %u bytes", what,
		                    SXS_MAX_MANIFEST_XML_SIZE);
	r = sxs_calloc(1, sizeof(*r));
	if (!r)
		return -SXS_ENOMEM;
	r->h = h;
	r->ctx = ctx;
	r->diag = diag;
	r->what = what;
	r->parser = sxs_xml_parser_new();
	if (!r->parser) {
		err = -SXS_ENOMEM;
		goto out;
	}
	XML_SetUserData(r->parser, r);
	XML_SetElementHandler(r->parser, on_start, on_end);
	XML_SetCharacterDataHandler(r->parser, on_text);
	XML_SetStartDoctypeDeclHandler(r->parser, on_doctype);
	XML_SetEntityDeclHandler(r->parser, on_entity_decl);
	XML_SetParamEntityParsing(r->parser, XML_PARAM_ENTITY_PARSING_NEVER);

	if (XML_Parse(r->parser, (const char *)xml, (int)len, XML_TRUE) != XML_STATUS_OK &&
	    active(r)) {
		enum XML_Error code = XML_GetErrorCode(r->parser);
		const char *msg = XML_ErrorString(code);
		if (code == XML_ERROR_NO_MEMORY || sxs_xml_alloc_failed)
			err = -SXS_ENOMEM;
		else
			err = sxs_diag_set(diag, SXS_EFORMAT, "%s: line %lu: %s", what,
			                   sxs_xml_line(r), msg ? msg : "parse error");
		goto out;
	}
	if (r->err) {
		err = r->err;
		/* a callback's failure caused by expat's own allocation */
		if (sxs_xml_alloc_failed && err != -SXS_ENOMEM)
			err = -SXS_ENOMEM;
	}
out:
	if (r->parser)
		XML_ParserFree(r->parser);
	sxs_free(r->names);
	sxs_free(r);
	return err;
}
