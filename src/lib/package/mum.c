/* SPDX-License-Identifier: MIT */
#include "package/mum.h"

#include <string.h>
#include <strings.h>

#include "manifest/xml.h"
#include "util/alloc.h"

#define URI_ASM_V3 "urn:schemas-microsoft-com:asm.v3"
#define URI_ASM_V1 "urn:schemas-microsoft-com:asm.v1"
#define URI_ASM_V2 "urn:schemas-microsoft-com:asm.v2"

/* What an open element is (packages.md §2.3); only these are looked into. */
enum mum_elem {
	E_OTHER,
	E_ASSEMBLY,
	E_IDENTITY,       /* assembly/assemblyIdentity */
	E_PACKAGE,        /* assembly/package */
	E_PARENT,         /* package/parent */
	E_PARENT_ID,      /* package/parent/assemblyIdentity */
	E_UPDATE,         /* package/update */
	E_UPD_PACKAGE,    /* update/package */
	E_UPD_COMPONENT,  /* update/component */
	E_UPD_DRIVER,     /* update/driver */
	E_REF_ID,         /* update/{package,component,driver}/assemblyIdentity */
};

struct mum_parse {
	struct sxs_mum *m;
	const char *root_uri; /* NULL = no namespace; points into root_uri_buf */
	char *root_uri_buf;
	bool seen_identity;
	size_t updates_cap, refs_cap, parents_cap;
	unsigned char stack[SXS_MAX_XML_DEPTH];
	bool ref_contained_false; /* of the open update/package */
	enum sxs_mum_ref_kind ref_kind;
};

static bool uri_is(const char *uri, const char *want)
{
	if (!uri || !want)
		return uri == want;
	return strcmp(uri, want) == 0;
}

/* Elements of the package manifest: the root's namespace or asm.v3 (the mum2: prefix). */
static bool in_ns(const struct mum_parse *st, const char *uri)
{
	return uri_is(uri, st->root_uri) || uri_is(uri, URI_ASM_V3);
}

static int copy_attr(const struct sxs_xml_elem *e, const char *name, char **dst)
{
	const char *v = sxs_xml_attr(e, name);
	if (!v)
		return 0;
	*dst = sxs_strdup(v);
	return *dst ? 0 : -SXS_ENOMEM;
}

static int read_identity(const struct sxs_xml_elem *e, struct sxs_identity *id)
{
	int err;
	if ((err = copy_attr(e, "name", &id->name)) ||
	    (err = copy_attr(e, "language", &id->culture)) ||
	    (err = copy_attr(e, "type", &id->type)) ||
	    (err = copy_attr(e, "version", &id->version)) ||
	    (err = copy_attr(e, "publicKeyToken", &id->public_key_token)) ||
	    (err = copy_attr(e, "processorArchitecture", &id->arch)) ||
	    (err = copy_attr(e, "versionScope", &id->version_scope)) ||
	    (err = copy_attr(e, "buildType", &id->build_type)))
		return err;
	return 0;
}

static int grow(void **arr, size_t n, size_t *cap, size_t elsize)
{
	if (n < *cap)
		return 0;
	size_t newcap = *cap ? *cap * 2 : 8;
	void *p = sxs_reallocarray(*arr, newcap, elsize);
	if (!p)
		return -SXS_ENOMEM;
	*arr = p;
	*cap = newcap;
	return 0;
}

static enum mum_elem classify(struct mum_parse *st, enum mum_elem parent,
                              const struct sxs_xml_elem *e)
{
	if (!in_ns(st, e->uri))
		return E_OTHER;
	const char *l = e->local;
	switch (parent) {
	case E_ASSEMBLY:
		if (!strcmp(l, "assemblyIdentity"))
			return E_IDENTITY;
		if (!strcmp(l, "package"))
			return E_PACKAGE;
		return E_OTHER;
	case E_PACKAGE:
		if (!strcmp(l, "parent"))
			return E_PARENT;
		if (!strcmp(l, "update"))
			return E_UPDATE;
		return E_OTHER;
	case E_PARENT:
		return !strcmp(l, "assemblyIdentity") ? E_PARENT_ID : E_OTHER;
	case E_UPDATE:
		if (!strcmp(l, "package"))
			return E_UPD_PACKAGE;
		if (!strcmp(l, "component"))
			return E_UPD_COMPONENT;
		if (!strcmp(l, "driver"))
			return E_UPD_DRIVER;
		if (!strcmp(l, "applicable") && st->m->nupdates)
			st->m->updates[st->m->nupdates - 1].applicable = true;
		if (!strcmp(l, "selectable") && st->m->nupdates)
			st->m->updates[st->m->nupdates - 1].selectable = true;
		return E_OTHER;
	case E_UPD_PACKAGE:
	case E_UPD_COMPONENT:
	case E_UPD_DRIVER:
		return !strcmp(l, "assemblyIdentity") ? E_REF_ID : E_OTHER;
	default:
		return E_OTHER;
	}
}

static bool refs_full(const struct sxs_mum *m)
{
	return m->nrefs + m->nparents >= SXS_MAX_MUM_REFS;
}

static int on_start(void *ctx, struct sxs_xml_reader *r, const struct sxs_xml_elem *e)
{
	struct mum_parse *st = ctx;
	struct sxs_mum *m = st->m;
	enum mum_elem kind;
	int err = 0;

	if (e->depth == 0) {
		if (strcmp(e->local, "assembly") != 0 ||
		    !(e->uri == NULL || uri_is(e->uri, URI_ASM_V3) || uri_is(e->uri, URI_ASM_V1) ||
		      uri_is(e->uri, URI_ASM_V2)))
			return sxs_xml_fail(r, SXS_EFORMAT, "package manifest: root element is not an assembly");
		if (e->uri && !(st->root_uri_buf = sxs_strdup(e->uri)))
			return -SXS_ENOMEM;
		st->root_uri = st->root_uri_buf;
		kind = E_ASSEMBLY;
	} else {
		kind = classify(st, (enum mum_elem)st->stack[e->depth - 1], e);
	}
	st->stack[e->depth] = (unsigned char)kind;

	switch (kind) {
	case E_IDENTITY:
		if (st->seen_identity)
			return sxs_xml_fail(r, SXS_EFORMAT, "package manifest: line %lu: second assemblyIdentity",
			                    e->line);
		st->seen_identity = true;
		return read_identity(e, &m->id);
	case E_PACKAGE:
		if (m->has_package) {
			st->stack[e->depth] = E_OTHER; /* only the first <package> is read */
			return 0;
		}
		m->has_package = true;
		if ((err = copy_attr(e, "identifier", &m->identifier)) ||
		    (err = copy_attr(e, "releaseType", &m->release_type)) ||
		    (err = copy_attr(e, "restart", &m->restart)))
			return err;
		const char *perm = sxs_xml_attr(e, "permanence");
		m->permanent = perm && !strcasecmp(perm, "permanent");
		return 0;
	case E_PARENT_ID:
		if (refs_full(m))
			return sxs_xml_fail(r, SXS_ELIMIT, "package manifest: more than %d references",
			                    SXS_MAX_MUM_REFS);
		if ((err = grow((void **)&m->parents, m->nparents, &st->parents_cap, sizeof(*m->parents))))
			return err;
		memset(&m->parents[m->nparents], 0, sizeof(*m->parents));
		m->nparents++;
		return read_identity(e, &m->parents[m->nparents - 1]);
	case E_UPDATE: {
		if (m->nupdates >= SXS_MAX_MUM_UPDATES)
			return sxs_xml_fail(r, SXS_ELIMIT, "package manifest: more than %d updates",
			                    SXS_MAX_MUM_UPDATES);
		if ((err = grow((void **)&m->updates, m->nupdates, &st->updates_cap, sizeof(*m->updates))))
			return err;
		struct sxs_mum_update *u = &m->updates[m->nupdates++];
		memset(u, 0, sizeof(*u));
		const char *name = sxs_xml_attr(e, "name");
		u->name = sxs_strdup(name ? name : "");
		return u->name ? 0 : -SXS_ENOMEM;
	}
	case E_UPD_PACKAGE: {
		const char *c = sxs_xml_attr(e, "contained");
		st->ref_contained_false = c && !strcasecmp(c, "false");
		st->ref_kind = SXS_MUM_REF_PACKAGE;
		return 0;
	}
	case E_UPD_COMPONENT:
		st->ref_contained_false = false;
		st->ref_kind = SXS_MUM_REF_COMPONENT;
		return 0;
	case E_UPD_DRIVER:
		st->ref_contained_false = false;
		st->ref_kind = SXS_MUM_REF_DRIVER;
		return 0;
	case E_REF_ID: {
		if (refs_full(m))
			return sxs_xml_fail(r, SXS_ELIMIT, "package manifest: more than %d references",
			                    SXS_MAX_MUM_REFS);
		if ((err = grow((void **)&m->refs, m->nrefs, &st->refs_cap, sizeof(*m->refs))))
			return err;
		struct sxs_mum_ref *ref = &m->refs[m->nrefs++];
		memset(ref, 0, sizeof(*ref));
		ref->kind = st->ref_kind;
		ref->update = m->nupdates - 1; /* an E_UPDATE is open */
		ref->contained_false = st->ref_contained_false;
		return read_identity(e, &ref->id);
	}
	default:
		return 0;
	}
}

bool sxs_mum_update_unconditional(const struct sxs_mum_update *u)
{
	return !u->applicable && !u->selectable;
}

void sxs_mum_free(struct sxs_mum *m)
{
	if (!m)
		return;
	sxs_identity_release(&m->id);
	sxs_free(m->identity);
	sxs_free(m->identifier);
	sxs_free(m->release_type);
	sxs_free(m->restart);
	for (size_t i = 0; i < m->nparents; i++)
		sxs_identity_release(&m->parents[i]);
	sxs_free(m->parents);
	for (size_t i = 0; i < m->nupdates; i++)
		sxs_free(m->updates[i].name);
	sxs_free(m->updates);
	for (size_t i = 0; i < m->nrefs; i++)
		sxs_identity_release(&m->refs[i].id);
	sxs_free(m->refs);
	sxs_free(m);
}

/* A field of an identity string: no '~', no path separators, no control characters. */
static bool field_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '~' || *p == '/' || *p == '\\' || *p == ':')
			return false;
	return true;
}

int sxs_package_identity(const struct sxs_identity *id, struct sxs_strbuf *out)
{
	const char *culture = sxs_identity_culture_is_neutral(id) ? "" : id->culture;
	const char *pkt = id->public_key_token ? id->public_key_token : "";
	if (!id->name || !*id->name || !id->version || !*id->version || !id->arch || !*id->arch)
		return -SXS_EFORMAT;
	if (!field_ok(id->name) || !field_ok(pkt) || !field_ok(id->arch) || !field_ok(culture) ||
	    !field_ok(id->version))
		return -SXS_EFORMAT;
	sxs_strbuf_addf(out, "%s~%s~%s~%s~%s", id->name, pkt, id->arch, culture, id->version);
	return sxs_strbuf_error(out);
}

static bool version4(const char *v)
{
	unsigned parts = 1, digits = 0;
	for (; *v; v++) {
		if (*v == '.') {
			if (!digits)
				return false;
			parts++;
			digits = 0;
		} else if (*v >= '0' && *v <= '9') {
			if (++digits > 5)
				return false;
		} else {
			return false;
		}
	}
	return parts == 4 && digits;
}

int sxs_package_name_split(const char *s, struct sxs_package_name *ret)
{
	size_t len = strlen(s);
	char *f[5];
	size_t nf = 0;

	if (len >= sizeof(ret->buf))
		return -SXS_ELIMIT;
	memcpy(ret->buf, s, len + 1);
	f[nf++] = ret->buf;
	for (char *p = ret->buf; *p; p++)
		if (*p == '~') {
			if (nf == 5)
				return -SXS_EFORMAT;
			*p = '\0';
			f[nf++] = p + 1;
		}
	if (nf != 5 || !*f[0] || !*f[2] || !version4(f[4]))
		return -SXS_EFORMAT;
	ret->name = f[0];
	ret->pkt = f[1];
	ret->arch = f[2];
	ret->culture = f[3];
	ret->version = f[4];
	return 0;
}

bool sxs_package_is_rollup(const char *identity)
{
	static const char prefix[] = "Package_for_RollupFix~";
	return strncasecmp(identity, prefix, sizeof(prefix) - 1) == 0;
}

int sxs_mum_parse(const uint8_t *xml, size_t len, struct sxs_mum **ret, struct sxs_diag *diag)
{
	static const struct sxs_xml_handler h = {.start = on_start};
	struct mum_parse *st;
	int err;

	st = sxs_calloc(1, sizeof(*st));
	if (!st)
		return -SXS_ENOMEM;
	st->m = sxs_calloc(1, sizeof(*st->m));
	if (!st->m) {
		err = -SXS_ENOMEM;
		goto out;
	}
	err = sxs_xml_parse(xml, len, "package manifest", &h, st, diag);
	if (err)
		goto out;
	if (!st->seen_identity) {
		err = sxs_diag_set(diag, SXS_EFORMAT, "package manifest: no assemblyIdentity");
		goto out;
	}
	static const char *const what[] = {"name", "version", "processorArchitecture"};
	const char *const vals[] = {st->m->id.name, st->m->id.version, st->m->id.arch};
	for (size_t i = 0; i < 3; i++)
		if (!vals[i] || !vals[i][0]) {
			err = sxs_diag_set(diag, SXS_EFORMAT, "package manifest: assemblyIdentity has no %s",
			                   what[i]);
			goto out;
		}
	if (!st->m->has_package) {
		err = sxs_diag_set(diag, SXS_EFORMAT, "package manifest: no package element");
		goto out;
	}
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	err = sxs_package_identity(&st->m->id, &sb);
	if (err == -SXS_EFORMAT) {
		sxs_strbuf_release(&sb);
		err = sxs_diag_set(diag, SXS_EFORMAT,
		                   "package manifest: assemblyIdentity has a field with '~', a path separator or a control character");
		goto out;
	}
	if (err || !(st->m->identity = sxs_strbuf_detach(&sb, NULL))) {
		sxs_strbuf_release(&sb);
		err = -SXS_ENOMEM;
		goto out;
	}
	*ret = st->m;
	st->m = NULL;
out:
	sxs_mum_free(st->m);
	sxs_free(st->root_uri_buf);
	sxs_free(st);
	return err;
}
