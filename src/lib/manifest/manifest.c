/* SPDX-License-Identifier: MIT */
#include "manifest/manifest.h"

#include "manifest/xml_int.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

#define NS_SEP SXS_XML_NS_SEP /* see manifest/xml_int.h */

#define URI_ASM_V1 "urn:schemas-microsoft-com:asm.v1"
#define URI_ASM_V2 "urn:schemas-microsoft-com:asm.v2"
#define URI_ASM_V3 "urn:schemas-microsoft-com:asm.v3"
#define URI_DSIG "http://www.w3.org/2000/09/xmldsig#"

#define ALG_IDENTITY "urn:schemas-microsoft-com:HashTransforms.Identity"
#define ALG_SHA256 URI_DSIG "sha256"
#define ALG_SHA1 URI_DSIG "sha1"

enum xml_ns {
	NS_NONE,
	NS_ASM_V1,
	NS_ASM_V2,
	NS_ASM_V3,
	NS_DSIG,
	NS_OTHER,
};

/* What an open element is, given where it sits. */
enum elem {
	EL_OTHER,        /* anything we do not look into */
	EL_ASSEMBLY,     /* the root */
	EL_IDENTITY,     /* assembly/assemblyIdentity */
	EL_DEPENDENCY,   /* assembly/dependency */
	EL_DEP_ASSEMBLY, /* assembly/dependency/dependentAssembly */
	EL_DEP_IDENTITY, /* .../dependentAssembly/assemblyIdentity */
	EL_FILE,         /* assembly/file */
	EL_HASH,         /* assembly/file/hash (the first one) */
	EL_TRANSFORMS,   /* .../hash/Transforms */
	EL_TRANSFORM,    /* .../hash/Transforms/Transform */
	EL_DIGEST_METHOD,
	EL_DIGEST_VALUE, /* the first DigestValue of the hash */
	EL_DEPLOYMENT,   /* assembly/deployment */
};

struct parse_state {
	XML_Parser parser;
	struct sxs_manifest *m;
	struct sxs_diag *diag;
	int err; /* first failure (negative), 0 while all is well */

	unsigned depth; /* open elements */
	unsigned char stack[SXS_MAX_XML_DEPTH];
	enum xml_ns root_ns;
	bool seen_identity;
	size_t files_cap, deps_cap, deps_install_cap;
	bool dep_install; /* the open dependentAssembly has dependencyType="install" */

	/* the <hash> being read (of m->files[m->nfiles - 1]) */
	enum xml_ns hash_ns;
	char *method_uri; /* first DigestMethod@Algorithm */
	bool seen_method;
	bool seen_value;
	bool text_overflow;
	size_t text_len;
	char text[SXS_MAX_XML_TEXT]; /* DigestValue */
};

static void fail(struct parse_state *st, int err, const char *fmt, ...) SXS_PRINTF(3, 4);

/* Record the first failure and stop the parser (handlers may still run). */
static void fail(struct parse_state *st, int err, const char *fmt, ...)
{
	char msg[SXS_DIAG_MAX];
	va_list ap;

	if (st->err)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	st->err = sxs_diag_set(st->diag, err, "%s", msg);
	XML_StopParser(st->parser, XML_FALSE);
}

static void fail_nomem(struct parse_state *st)
{
	if (st->err)
		return;
	st->err = -SXS_ENOMEM;
	XML_StopParser(st->parser, XML_FALSE);
}

static unsigned long line_of(const struct parse_state *st)
{
	return (unsigned long)XML_GetCurrentLineNumber(st->parser);
}

/* ---- names and attributes --------------------------------------------- */

static enum xml_ns classify_ns(const char *uri, size_t len)
{
	static const struct {
		const char *uri;
		enum xml_ns ns;
	} known[] = {
		{URI_ASM_V1, NS_ASM_V1},
		{URI_ASM_V2, NS_ASM_V2},
		{URI_ASM_V3, NS_ASM_V3},
		{URI_DSIG, NS_DSIG},
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i].uri) == len && memcmp(known[i].uri, uri, len) == 0)
			return known[i].ns;
	return NS_OTHER;
}

/* Split an expat name into namespace and local name. */
static const char *split_name(const XML_Char *name, enum xml_ns *ns_ret)
{
	const char *sep = strrchr(name, NS_SEP);
	if (!sep) {
		*ns_ret = NS_NONE;
		return name;
	}
	*ns_ret = classify_ns(name, (size_t)(sep - name));
	return sep + 1;
}

/* Value of the unqualified attribute `name`, or NULL. */
static const char *find_attr(const XML_Char **atts, const char *name)
{
	for (size_t i = 0; atts[i]; i += 2)
		if (strcmp(atts[i], name) == 0)
			return atts[i + 1];
	return NULL;
}

static bool ascii_ieq(const char *a, const char *b)
{
	for (;; a++, b++) {
		char ca = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
		char cb = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
		if (ca != cb)
			return false;
		if (!ca)
			return true;
	}
}

/* *dst = copy of the attribute (NULL stays NULL); false after failing. */
static bool copy_attr(struct parse_state *st, char **dst, const XML_Char **atts,
                      const char *name)
{
	const char *v = find_attr(atts, name);
	if (!v)
		return true;
	*dst = sxs_strdup(v);
	if (!*dst) {
		fail_nomem(st);
		return false;
	}
	return true;
}

static void read_identity(struct parse_state *st, struct sxs_identity *id,
                          const XML_Char **atts)
{
	(void)(copy_attr(st, &id->name, atts, "name") &&
	       copy_attr(st, &id->culture, atts, "language") &&
	       copy_attr(st, &id->type, atts, "type") &&
	       copy_attr(st, &id->version, atts, "version") &&
	       copy_attr(st, &id->public_key_token, atts, "publicKeyToken") &&
	       copy_attr(st, &id->arch, atts, "processorArchitecture") &&
	       copy_attr(st, &id->version_scope, atts, "versionScope") &&
	       copy_attr(st, &id->build_type, atts, "buildType"));
}

/* ---- model building --------------------------------------------------- */

/* Make room for one more element in *arr (of *n used, *cap allocated). */
static bool grow_array(struct parse_state *st, void **arr, size_t n, size_t *cap,
                       size_t elsize)
{
	if (n < *cap)
		return true;
	size_t newcap = *cap ? *cap * 2 : 16;
	void *p = sxs_reallocarray(*arr, newcap, elsize);
	if (!p) {
		fail_nomem(st);
		return false;
	}
	*arr = p;
	*cap = newcap;
	return true;
}

static void start_file(struct parse_state *st, const XML_Char **atts)
{
	struct sxs_manifest *m = st->m;

	if (m->nfiles >= SXS_MAX_MANIFEST_FILES) {
		fail(st, SXS_ELIMIT, "manifest: line %lu: more than %d files", line_of(st),
		     SXS_MAX_MANIFEST_FILES);
		return;
	}
	if (!grow_array(st, (void **)&m->files, m->nfiles, &st->files_cap, sizeof(*m->files)))
		return;
	struct sxs_manifest_file *f = &m->files[m->nfiles++];
	memset(f, 0, sizeof(*f));

	const char *name = find_attr(atts, "name");
	f->name = sxs_strdup(name ? name : "");
	if (!f->name) {
		fail_nomem(st);
		return;
	}
	f->unsafe_name = !sxs_manifest_name_is_safe(f->name);
	const char *wt = find_attr(atts, "writeableType");
	f->system_data = wt && ascii_ieq(wt, "systemData");
	(void)(copy_attr(st, &f->destination_path, atts, "destinationPath") &&
	       copy_attr(st, &f->source_name, atts, "sourceName"));
}

static void start_dependency_identity(struct parse_state *st, const XML_Char **atts)
{
	struct sxs_manifest *m = st->m;

	if (m->ndeps >= SXS_MAX_MANIFEST_DEPS) {
		fail(st, SXS_ELIMIT, "manifest: line %lu: more than %d dependencies",
		     line_of(st), SXS_MAX_MANIFEST_DEPS);
		return;
	}
	if (!grow_array(st, (void **)&m->deps, m->ndeps, &st->deps_cap, sizeof(*m->deps)) ||
	    !grow_array(st, (void **)&m->deps_install, m->ndeps, &st->deps_install_cap,
	                sizeof(*m->deps_install)))
		return;
	m->deps_install[m->ndeps] = st->dep_install;
	struct sxs_identity *id = &m->deps[m->ndeps++];
	memset(id, 0, sizeof(*id));
	read_identity(st, id, atts);
}

static void start_hash(struct parse_state *st, enum xml_ns ns)
{
	st->m->files[st->m->nfiles - 1].has_hash = true;
	st->hash_ns = ns;
	sxs_free(st->method_uri);
	st->method_uri = NULL;
	st->seen_method = false;
	st->seen_value = false;
	st->text_overflow = false;
	st->text_len = 0;
}

static void on_transform(struct parse_state *st, const XML_Char **atts)
{
	struct sxs_manifest_file *f = &st->m->files[st->m->nfiles - 1];
	const char *alg = find_attr(atts, "Algorithm");

	if (alg && strcmp(alg, ALG_IDENTITY) == 0)
		return;
	f->unsupported_transform = true;
	if (!f->transform) {
		f->transform = sxs_strdup(alg ? alg : "");
		if (!f->transform)
			fail_nomem(st);
	}
}

static void on_digest_method(struct parse_state *st, const XML_Char **atts)
{
	const char *alg = find_attr(atts, "Algorithm");

	if (st->seen_method)
		return;
	st->seen_method = true;
	if (alg) {
		st->method_uri = sxs_strdup(alg);
		if (!st->method_uri)
			fail_nomem(st);
	}
}

/* </hash>: settle the algorithm and decode the digest. */
static void end_hash(struct parse_state *st)
{
	struct sxs_manifest_file *f = &st->m->files[st->m->nfiles - 1];
	enum sxs_digest_alg alg = SXS_DIGEST_NONE;
	uint8_t buf[SXS_DIGEST_MAX];
	size_t n;

	if (st->method_uri && strcmp(st->method_uri, ALG_SHA256) == 0) {
		alg = SXS_DIGEST_SHA256;
	} else if (st->method_uri && strcmp(st->method_uri, ALG_SHA1) == 0) {
		alg = SXS_DIGEST_SHA1;
	} else {
		f->unsupported_digest_method = true;
		f->digest_method = st->method_uri; /* NULL when missing */
		st->method_uri = NULL;
	}

	if (!st->seen_value || st->text_overflow ||
	    sxs_base64_decode(st->text, st->text_len, buf, sizeof(buf), &n) != 0 ||
	    (alg != SXS_DIGEST_NONE && n != sxs_digest_size(alg))) {
		f->bad_digest = true;
	} else if (alg != SXS_DIGEST_NONE) {
		f->alg = alg;
		memcpy(f->digest, buf, n);
		f->digest_len = n;
	}
	sxs_free(st->method_uri);
	st->method_uri = NULL;
}

/* ---- expat callbacks -------------------------------------------------- */

/* Which kind a child element is, given its parent's kind. */
static enum elem classify_child(struct parse_state *st, enum elem parent, enum xml_ns ns,
                                const char *local)
{
	bool asm_ns = ns == st->root_ns;

	switch (parent) {
	case EL_ASSEMBLY:
		if (!asm_ns)
			return EL_OTHER;
		if (strcmp(local, "assemblyIdentity") == 0)
			return EL_IDENTITY;
		if (strcmp(local, "file") == 0)
			return EL_FILE;
		if (strcmp(local, "dependency") == 0)
			return EL_DEPENDENCY;
		if (strcmp(local, "deployment") == 0)
			return EL_DEPLOYMENT;
		return EL_OTHER;
	case EL_DEPENDENCY:
		return asm_ns && strcmp(local, "dependentAssembly") == 0 ? EL_DEP_ASSEMBLY
		                                                          : EL_OTHER;
	case EL_DEP_ASSEMBLY:
		return asm_ns && strcmp(local, "assemblyIdentity") == 0 ? EL_DEP_IDENTITY
		                                                         : EL_OTHER;
	case EL_FILE:
		if (strcmp(local, "hash") == 0 &&
		    (ns == NS_ASM_V2 || ns == NS_NONE || asm_ns) &&
		    !st->m->files[st->m->nfiles - 1].has_hash)
			return EL_HASH;
		return EL_OTHER;
	case EL_HASH:
		if (ns != NS_DSIG && ns != st->hash_ns)
			return EL_OTHER;
		if (strcmp(local, "Transforms") == 0)
			return EL_TRANSFORMS;
		if (strcmp(local, "DigestMethod") == 0)
			return EL_DIGEST_METHOD;
		if (strcmp(local, "DigestValue") == 0 && !st->seen_value)
			return EL_DIGEST_VALUE;
		return EL_OTHER;
	case EL_TRANSFORMS:
		if ((ns == NS_DSIG || ns == st->hash_ns) && strcmp(local, "Transform") == 0)
			return EL_TRANSFORM;
		return EL_OTHER;
	default:
		return EL_OTHER;
	}
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct parse_state *st = ud;
	enum xml_ns ns;
	enum elem kind;
	size_t nattrs = 0;

	if (st->err)
		return;
	if (st->depth >= SXS_MAX_XML_DEPTH) {
		fail(st, SXS_ELIMIT, "manifest: line %lu: elements nested deeper than %d",
		     line_of(st), SXS_MAX_XML_DEPTH);
		return;
	}
	while (atts[nattrs])
		nattrs++;
	if (nattrs / 2 > SXS_MAX_XML_ATTRS) {
		fail(st, SXS_ELIMIT, "manifest: line %lu: more than %d attributes", line_of(st),
		     SXS_MAX_XML_ATTRS);
		return;
	}

	const char *local = split_name(name, &ns);
	if (st->depth == 0) {
		if (strcmp(local, "assembly") != 0 || ns == NS_DSIG || ns == NS_OTHER) {
			fail(st, SXS_EFORMAT, "manifest: root element is not an assembly");
			return;
		}
		st->root_ns = ns;
		kind = EL_ASSEMBLY;
	} else {
		kind = classify_child(st, (enum elem)st->stack[st->depth - 1], ns, local);
	}
	st->stack[st->depth++] = (unsigned char)kind;

	switch (kind) {
	case EL_ASSEMBLY:
		copy_attr(st, &st->m->manifest_version, atts, "manifestVersion");
		break;
	case EL_IDENTITY:
		if (st->seen_identity) {
			fail(st, SXS_EFORMAT, "manifest: line %lu: second assemblyIdentity",
			     line_of(st));
			return;
		}
		st->seen_identity = true;
		read_identity(st, &st->m->id, atts);
		break;
	case EL_DEP_ASSEMBLY: {
		/* packages.md §5.1: a deployment installs its dependencyType="install" dependencies */
		const char *dt = find_attr(atts, "dependencyType");
		st->dep_install = dt && ascii_ieq(dt, "install");
		break;
	}
	case EL_DEP_IDENTITY:
		start_dependency_identity(st, atts);
		break;
	case EL_FILE:
		start_file(st, atts);
		break;
	case EL_HASH:
		start_hash(st, ns);
		break;
	case EL_TRANSFORM:
		on_transform(st, atts);
		break;
	case EL_DIGEST_METHOD:
		on_digest_method(st, atts);
		break;
	case EL_DIGEST_VALUE:
		st->seen_value = true;
		break;
	case EL_DEPLOYMENT:
		st->m->is_deployment = true;
		break;
	default:
		break;
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct parse_state *st = ud;

	(void)name;
	if (st->err || st->depth == 0)
		return;
	if (st->stack[--st->depth] == EL_HASH)
		end_hash(st);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct parse_state *st = ud;

	if (st->err || st->depth == 0 || st->stack[st->depth - 1] != EL_DIGEST_VALUE || len <= 0)
		return;
	if ((size_t)len > sizeof(st->text) - st->text_len) {
		st->text_overflow = true;
		return;
	}
	memcpy(st->text + st->text_len, s, (size_t)len);
	st->text_len += (size_t)len;
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	fail(ud, SXS_EFORMAT, "manifest: DOCTYPE not allowed");
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *entity_name, int is_param,
                                   const XML_Char *value, int value_length,
                                   const XML_Char *base, const XML_Char *system_id,
                                   const XML_Char *public_id, const XML_Char *notation)
{
	(void)entity_name, (void)is_param, (void)value, (void)value_length, (void)base;
	(void)system_id, (void)public_id, (void)notation;
	fail(ud, SXS_EFORMAT, "manifest: entity declaration not allowed");
}

/* ---- public API ------------------------------------------------------- */

bool sxs_manifest_name_is_safe(const char *name)
{
	if (!name || !name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7F || *p == '/' || *p == '\\' || *p == ':')
			return false;
	return true;
}

void sxs_manifest_free(struct sxs_manifest *m)
{
	if (!m)
		return;
	sxs_identity_release(&m->id);
	for (size_t i = 0; i < m->nfiles; i++) {
		struct sxs_manifest_file *f = &m->files[i];
		sxs_free(f->name);
		sxs_free(f->destination_path);
		sxs_free(f->source_name);
		sxs_free(f->transform);
		sxs_free(f->digest_method);
	}
	sxs_free(m->files);
	for (size_t i = 0; i < m->ndeps; i++)
		sxs_identity_release(&m->deps[i]);
	sxs_free(m->deps);
	sxs_free(m->deps_install);
	sxs_free(m->manifest_version);
	sxs_free(m);
}

static int check_identity(const struct sxs_identity *id, struct sxs_diag *diag)
{
	static const char *const what[] = {"name", "version", "processorArchitecture"};
	const char *const vals[] = {id->name, id->version, id->arch};

	for (size_t i = 0; i < 3; i++)
		if (!vals[i] || !vals[i][0])
			return sxs_diag_set(diag, SXS_EFORMAT, "manifest: assemblyIdentity has no %s",
			                    what[i]);
	return 0;
}

int sxs_manifest_parse(const uint8_t *xml, size_t len, struct sxs_manifest **ret,
                       struct sxs_diag *diag)
{
	struct parse_state *st = NULL;
	XML_Parser parser = NULL;
	int err;

	if (len > SXS_MAX_MANIFEST_XML_SIZE)
		return sxs_diag_set(diag, SXS_ELIMIT, "manifest: larger than %u bytes",
		                    SXS_MAX_MANIFEST_XML_SIZE);

	/* The state holds the DigestValue buffer: keep it off the stack. */
	st = sxs_calloc(1, sizeof(*st));
	if (!st)
		return -SXS_ENOMEM;
	st->diag = diag;
	st->m = sxs_calloc(1, sizeof(*st->m));
	if (!st->m) {
		err = -SXS_ENOMEM;
		goto out;
	}
	parser = sxs_xml_parser_new();
	if (!parser) {
		err = -SXS_ENOMEM;
		goto out;
	}
	st->parser = parser;
	XML_SetUserData(parser, st);
	XML_SetElementHandler(parser, on_start, on_end);
	XML_SetCharacterDataHandler(parser, on_text);
	XML_SetStartDoctypeDeclHandler(parser, on_doctype);
	XML_SetEntityDeclHandler(parser, on_entity_decl);
	XML_SetParamEntityParsing(parser, XML_PARAM_ENTITY_PARSING_NEVER);

	if (XML_Parse(parser, (const char *)xml, (int)len, XML_TRUE) != XML_STATUS_OK &&
	    !st->err) {
		enum XML_Error code = XML_GetErrorCode(parser);
		const char *what = XML_ErrorString(code);
		if (code == XML_ERROR_NO_MEMORY || sxs_xml_alloc_failed)
			err = -SXS_ENOMEM;
		else
			err = sxs_diag_set(diag, SXS_EFORMAT, "manifest: line %lu: %s",
			                   line_of(st), what ? what : "parse error");
		goto out;
	}
	if (st->err) {
		err = st->err;
		goto out;
	}
	if (!st->seen_identity) {
		err = sxs_diag_set(diag, SXS_EFORMAT, "manifest: no assemblyIdentity");
		goto out;
	}
	err = check_identity(&st->m->id, diag);
	if (err)
		goto out;

	*ret = st->m;
	st->m = NULL;
out:
	if (parser)
		XML_ParserFree(parser);
	if (st) {
		sxs_manifest_free(st->m);
		sxs_free(st->method_uri);
		sxs_free(st);
	}
	return err;
}
