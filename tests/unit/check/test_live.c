/* SPDX-License-Identifier: MIT */
/*
 * Severities from evidence (calibration.md §6-§7) on models built by hand:
 * every liveness-dependent rule in its live, dormant and unknown cases,
 * and the gate of a pending transaction or dirty hive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <strings.h>

#include "check/scan.h"
#include "store/census.h"
#include "store/deploy.h"
#include "store/live.h"
#include "util/alloc.h"

#define CAP 16
#define PKG_INSTALLED "Package_for_RollupFix~31bf3856ad364e35~amd64~~17763.1613.1.5"
#define PKG_STAGED "Microsoft-Windows-Foo-FoD-Package~31bf3856ad364e35~amd64~~10.0.17763.1"

/* Package states for sxs_model_liveness: one Installed, one Staged. */
static int states(const void *ctx, const char *identity, uint32_t *state_ret)
{
	(void)ctx;
	if (!strcasecmp(identity, PKG_INSTALLED)) {
		*state_ret = 0x70;
		return 0;
	}
	if (!strcasecmp(identity, PKG_STAGED)) {
		*state_ret = 0x40;
		return 0;
	}
	return -SXS_ENOENT;
}

struct fixture {
	struct sxs_model m;
	struct sxs_findings f;
};

static void setup_model(struct fixture *x)
{
	sxs_model_init(&x->m);
	sxs_findings_init(&x->f);
	x->m.have_components_hive = true;
	x->m.have_software_hive = true;
	x->m.payloads_checked = true;
	x->m.comps = sxs_calloc(CAP, sizeof(*x->m.comps));
	x->m.deployments = sxs_calloc(CAP, sizeof(*x->m.deployments));
	assert_non_null(x->m.comps);
	assert_non_null(x->m.deployments);
}

static void teardown_model(struct fixture *x)
{
	sxs_findings_release(&x->f);
	sxs_model_release(&x->m);
}

/* A component of family `fam` with one payload file (nfiles 0: none). */
static struct sxs_component *comp(struct fixture *x, const char *kf, const char *name,
                                  const char *version, const char *fam, size_t nfiles)
{
	assert_true(x->m.ncomps < CAP);
	struct sxs_component *c = &x->m.comps[x->m.ncomps++];
	c->keyform = sxs_strdup(kf);
	c->manifest_ondisk = sxs_strdup(kf);
	c->winners_key = sxs_strdup(fam);
	c->id.name = sxs_strdup(name);
	c->id.version = sxs_strdup(version);
	c->id.arch = sxs_strdup("amd64");
	c->has_identity = true;
	c->in_hive = true;
	if (nfiles) {
		c->files = sxs_calloc(nfiles, sizeof(*c->files));
		c->nfiles = nfiles;
		for (size_t i = 0; i < nfiles; i++) {
			c->files[i].name = sxs_strdup("a.dll");
			c->files[i].state = SXS_PAYLOAD_MISSING;
		}
	}
	return c;
}

static void add_link(struct sxs_component *c, const char *deployment)
{
	c->clinks = sxs_reallocarray(c->clinks, c->nclinks + 1, sizeof(*c->clinks));
	c->clinks[c->nclinks++] = sxs_strdup(deployment);
}

/* A deployment key with one mark of `kind` for package.update. */
static struct sxs_deployment *deployment(struct fixture *x, const char *name, char kind,
                                         const char *package)
{
	struct sxs_deployment *d = &x->m.deployments[x->m.ndeployments++];
	d->name = sxs_strdup(name);
	if (kind) {
		struct sxs_strbuf s = SXS_STRBUF_INIT, nm = SXS_STRBUF_INIT;
		sxs_strbuf_addf(&s, "%s.update-1", package);
		sxs_mark_name(kind, s.buf, s.len, &nm);
		uint8_t data[512];
		uint32_t len = (uint32_t)s.len;
		memcpy(data, &len, 4);
		memset(data + 4, 0, 4);
		memcpy(data + 8, s.buf, s.len);
		d->marks = sxs_calloc(1, sizeof(*d->marks));
		assert_int_equal(sxs_mark_parse(nm.buf, data, 8 + s.len, &d->marks[0]), 0);
		assert_true(d->marks[0].name_ok);
		d->nmarks = 1;
		sxs_strbuf_release(&s);
		sxs_strbuf_release(&nm);
	}
	x->m.have_deployment_data = true;
	return d;
}

static void winners(struct fixture *x, const char *fam, const char *band, const char *winner)
{
	x->m.families = sxs_reallocarray(x->m.families, x->m.nfamilies + 1, sizeof(*x->m.families));
	struct sxs_winner_family *f = &x->m.families[x->m.nfamilies++];
	memset(f, 0, sizeof(*f));
	f->key = sxs_strdup(fam);
	f->band = sxs_strdup(band);
	f->bands = sxs_calloc(1, sizeof(*f->bands));
	f->nbands = 1;
	f->bands[0].band = sxs_strdup(band);
	f->bands[0].winner = sxs_strdup(winner);
}

/* Index, compute liveness (with package states unless `unknown`), check. */
static void run(struct fixture *x, bool packages)
{
	assert_int_equal(sxs_model_index(&x->m), 0);
	assert_int_equal(sxs_deploy_link(&x->m), 0);
	sxs_model_liveness(&x->m, packages, states, NULL);
	assert_int_equal(sxs_check_model(&x->m, &x->f), 0);
}

static const struct sxs_finding *only(const struct fixture *x, enum sxs_finding_kind kind)
{
	const struct sxs_finding *r = NULL;
	for (size_t i = 0; i < x->f.n; i++)
		if (x->f.v[i].kind == kind) {
			assert_null(r); /* exactly one */
			r = &x->f.v[i];
		}
	assert_non_null(r);
	return r;
}

static bool none(const struct fixture *x, enum sxs_finding_kind kind)
{
	for (size_t i = 0; i < x->f.n; i++)
		if (x->f.v[i].kind == kind)
			return false;
	return true;
}

/* ---- payload-missing ------------------------------------------------------- */

static void payload_missing_live_winner_is_error(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	comp(&x, "k1", "Foo", "10.0.17763.1613", "fam", 1);
	winners(&x, "fam", "10.0", "10.0.17763.1613");
	deployment(&x, "unrelated", 'i', PKG_INSTALLED);
	run(&x, true);
	const struct sxs_finding *fd = only(&x, SXS_F_PAYLOAD_MISSING);
	assert_int_equal(fd->severity, SXS_SEV_ERROR);
	assert_non_null(strstr(fd->message, "Winners default"));
	teardown_model(&x);
}

static void payload_missing_live_by_deployment_is_error(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_component *c = comp(&x, "k1", "Foo", "10.0.17763.1", "fam", 1);
	winners(&x, "fam", "10.0", "10.0.17763.1613"); /* not the default */
	add_link(c, "foo-deployment_1");
	deployment(&x, "foo-deployment_1", 'i', PKG_INSTALLED);
	run(&x, true);
	assert_int_equal(c->live, SXS_LIVE_LIVE);
	assert_true(c->live_why & SXS_LIVE_WHY_DEPLOYMENT);
	assert_int_equal(only(&x, SXS_F_PAYLOAD_MISSING)->severity, SXS_SEV_ERROR);
	teardown_model(&x);
}

/* An older servicing stack: its Installed SSU package's deployment claims it, but it is a scavenge candidate. */
static void payload_missing_older_servicing_stack_is_info(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_component *old = comp(&x, "k1", "Microsoft-Windows-ServicingStack", "10.0.17763.164", "ssu", 1);
	struct sxs_component *cur = comp(&x, "k2", "Microsoft-Windows-ServicingStack", "10.0.17763.1613", "ssu", 1);
	winners(&x, "ssu", "10.0", "10.0.17763.1613");
	add_link(old, "ssu-deployment_1");
	deployment(&x, "ssu-deployment_1", 'i', PKG_INSTALLED);
	run(&x, true);
	assert_int_equal(old->live, SXS_LIVE_LIVE);
	size_t info = 0, err = 0;
	for (size_t i = 0; i < x.f.n; i++) {
		const struct sxs_finding *f = &x.f.v[i];
		if (f->kind != SXS_F_PAYLOAD_MISSING)
			continue;
		if (!strcmp(f->component, old->keyform)) {
			assert_int_equal(f->severity, SXS_SEV_INFO);
			info++;
		} else if (!strcmp(f->component, cur->keyform)) {
			assert_int_equal(f->severity, SXS_SEV_ERROR); /* the Winners default */
			err++;
		}
	}
	assert_int_equal(info, 1);
	assert_int_equal(err, 1);
	teardown_model(&x);
}

/* Without a Winners key the newest servicing stack is still judged as live. */
static void payload_missing_newest_servicing_stack_without_winners_is_error(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_component *old = comp(&x, "k1", "Microsoft-Windows-ServicingStack", "10.0.17763.164", "ssu", 1);
	struct sxs_component *cur = comp(&x, "k2", "Microsoft-Windows-ServicingStack", "10.0.17763.1613", "ssu", 1);
	add_link(old, "ssu-deployment_1");
	add_link(cur, "ssu-deployment_1");
	deployment(&x, "ssu-deployment_1", 'i', PKG_INSTALLED);
	run(&x, true);
	size_t n = 0;
	for (size_t i = 0; i < x.f.n; i++) {
		const struct sxs_finding *f = &x.f.v[i];
		if (f->kind != SXS_F_PAYLOAD_MISSING)
			continue;
		n++;
		assert_int_equal(f->severity,
		                 !strcmp(f->component, cur->keyform) ? SXS_SEV_ERROR : SXS_SEV_INFO);
	}
	assert_int_equal(n, 2);
	teardown_model(&x);
}

static void payload_missing_dormant_is_warning(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_component *c = comp(&x, "k1", "Foo", "10.0.17763.1", "fam", 1);
	winners(&x, "fam", "10.0", "10.0.17763.1613");
	comp(&x, "k2", "Foo", "10.0.17763.1613", "fam", 0);
	/* only staged by a Staged package: dormant */
	add_link(c, "foo-deployment_1");
	deployment(&x, "foo-deployment_1", 'i', PKG_STAGED);
	run(&x, true);
	assert_int_equal(c->live, SXS_LIVE_DORMANT);
	assert_int_equal(only(&x, SXS_F_PAYLOAD_MISSING)->severity, SXS_SEV_WARNING);
	teardown_model(&x);
}

static void payload_missing_dormant_with_cf_or_deltas_is_info(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_component *a = comp(&x, "k1", "Foo", "10.0.17763.1", "fam", 1);
	struct sxs_component *b = comp(&x, "k2", "Foo", "10.0.17763.1490", "fam", 1);
	comp(&x, "k3", "Foo", "10.0.17763.1613", "fam", 0);
	winners(&x, "fam", "10.0", "10.0.17763.1613");
	deployment(&x, "unrelated", 'i', PKG_INSTALLED);
	a->has_cf = true;
	a->cf = 0x40;
	b->files[0].forms = SXS_FORM_LCU_F | SXS_FORM_LCU_R;
	run(&x, true);
	size_t n = 0;
	for (size_t i = 0; i < x.f.n; i++)
		if (x.f.v[i].kind == SXS_F_PAYLOAD_MISSING) {
			assert_int_equal(x.f.v[i].severity, SXS_SEV_INFO);
			n++;
		}
	assert_int_equal(n, 2);
	teardown_model(&x);
}

static void payload_missing_live_with_only_deltas_is_error(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_component *c = comp(&x, "k1", "Foo", "10.0.17763.1613", "fam", 1);
	winners(&x, "fam", "10.0", "10.0.17763.1613");
	deployment(&x, "unrelated", 'i', PKG_INSTALLED);
	c->files[0].forms = SXS_FORM_F | SXS_FORM_R;
	c->has_cf = true;
	c->cf = 0x80;
	run(&x, true);
	const struct sxs_finding *fd = only(&x, SXS_F_PAYLOAD_MISSING);
	/* calibration.md §7 (b): the hydration base of a live component */
	assert_int_equal(fd->severity, SXS_SEV_ERROR);
	assert_non_null(strstr(fd->message, "only differentials exist"));
	teardown_model(&x);
}

static void payload_missing_unknown_is_capped_at_warning(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	comp(&x, "k1", "Foo", "10.0.17763.1613", "fam", 1);
	winners(&x, "fam", "10.0", "10.0.17763.1613");
	run(&x, true); /* no deployment data */
	assert_false(x.m.liveness_known);
	const struct sxs_finding *fd = only(&x, SXS_F_PAYLOAD_MISSING);
	assert_int_equal(fd->severity, SXS_SEV_WARNING);
	assert_non_null(strstr(fd->message, "liveness unknown"));
	teardown_model(&x);
}

static void payload_missing_unknown_without_package_states(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	comp(&x, "k1", "Foo", "10.0.17763.1613", "fam", 1);
	winners(&x, "fam", "10.0", "10.0.17763.1613");
	deployment(&x, "unrelated", 'i', PKG_INSTALLED);
	run(&x, false); /* deployments, but no package registry */
	assert_false(x.m.liveness_known);
	assert_int_equal(only(&x, SXS_F_PAYLOAD_MISSING)->severity, SXS_SEV_WARNING);
	teardown_model(&x);
}

static void deployments_never_have_missing_payloads(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_component *c = comp(&x, "k1", "Foo-Deployment", "10.0.17763.1613", "fam", 1);
	c->is_deployment = true;
	deployment(&x, "unrelated", 'i', PKG_INSTALLED);
	run(&x, true);
	assert_true(none(&x, SXS_F_PAYLOAD_MISSING));
	teardown_model(&x);
}

static void pending_transaction_turns_errors_into_warnings(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_component *c = comp(&x, "k1", "Foo", "10.0.17763.1613", "fam", 2);
	winners(&x, "fam", "10.0", "10.0.17763.1613");
	deployment(&x, "unrelated", 'i', PKG_INSTALLED);
	c->files[1].state = SXS_PAYLOAD_MISMATCH;
	c->files[1].alg = SXS_DIGEST_SHA256;
	c->files[1].digest_len = 32;
	x.m.pending_xml = true;
	run(&x, true);
	const struct sxs_finding *fd = only(&x, SXS_F_PAYLOAD_MISSING);
	assert_int_equal(fd->severity, SXS_SEV_WARNING);
	assert_non_null(strstr(fd->message, "may be transient"));
	/* a payload present with the wrong hash stays an error whatever the state */
	assert_int_equal(only(&x, SXS_F_PAYLOAD_HASH_MISMATCH)->severity, SXS_SEV_ERROR);
	teardown_model(&x);
}

static void dirty_hive_turns_errors_into_warnings(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	comp(&x, "k1", "Foo", "10.0.17763.1613", "fam", 1);
	winners(&x, "fam", "10.0", "10.0.17763.1613");
	deployment(&x, "unrelated", 'i', PKG_INSTALLED);
	x.m.components_dirty = true;
	run(&x, true);
	assert_int_equal(only(&x, SXS_F_PAYLOAD_MISSING)->severity, SXS_SEV_WARNING);
	teardown_model(&x);
}

/* ---- manifest-missing / manifest-orphan -------------------------------------- */

static void manifest_missing_by_liveness(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_component *live = comp(&x, "k1", "Foo", "10.0.17763.1613", "fam", 0);
	struct sxs_component *dormant = comp(&x, "k2", "Foo", "10.0.17763.1", "fam", 0);
	struct sxs_component *ssu = comp(&x, "k3", "Microsoft-Windows-ServicingStack", "10.0.17763.1490",
	                                 "ssu", 0);
	comp(&x, "k4", "Microsoft-Windows-ServicingStack", "10.0.17763.1613", "ssu", 0);
	winners(&x, "fam", "10.0", "10.0.17763.1613");
	winners(&x, "ssu", "10.0", "10.0.17763.1613");
	deployment(&x, "unrelated", 'i', PKG_INSTALLED);
	live->mstate = dormant->mstate = ssu->mstate = SXS_MANIFEST_ABSENT;
	run(&x, true);
	for (size_t i = 0; i < x.f.n; i++) {
		const struct sxs_finding *fd = &x.f.v[i];
		if (fd->kind != SXS_F_MANIFEST_MISSING)
			continue;
		if (!strcmp(fd->component, "k1"))
			assert_int_equal(fd->severity, SXS_SEV_ERROR);
		else
			assert_int_equal(fd->severity, SXS_SEV_INFO);
	}
	teardown_model(&x);
}

static void manifest_missing_unknown_is_warning_but_ssu_info(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_component *a = comp(&x, "k1", "Foo", "10.0.17763.1613", "fam", 0);
	struct sxs_component *b = comp(&x, "k2", "Microsoft-Windows-ServicingStack", "10.0.17763.1490",
	                               "ssu", 0);
	a->mstate = b->mstate = SXS_MANIFEST_ABSENT;
	winners(&x, "fam", "10.0", "10.0.17763.1613");
	run(&x, true);
	for (size_t i = 0; i < x.f.n; i++)
		if (x.f.v[i].kind == SXS_F_MANIFEST_MISSING)
			assert_int_equal(x.f.v[i].severity,
			                 !strcmp(x.f.v[i].component, "k1") ? SXS_SEV_WARNING : SXS_SEV_INFO);
	teardown_model(&x);
}

static void manifest_orphan_needed_or_not(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_component *needed = comp(&x, "k1", "Foo", "10.0.17763.1613", "fam", 0);
	struct sxs_component *old = comp(&x, "k2", "Foo", "10.0.17763.1", "fam", 0);
	needed->in_hive = old->in_hive = false;
	winners(&x, "fam", "10.0", "10.0.17763.1613");
	deployment(&x, "unrelated", 'i', PKG_INSTALLED);
	run(&x, true);
	for (size_t i = 0; i < x.f.n; i++)
		if (x.f.v[i].kind == SXS_F_MANIFEST_ORPHAN)
			assert_int_equal(x.f.v[i].severity,
			                 !strcmp(x.f.v[i].component, "k1") ? SXS_SEV_ERROR : SXS_SEV_WARNING);
	teardown_model(&x);
}

/* ---- Winners ---------------------------------------------------------------- */

static void winner_missing_dormant_family_is_info(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	comp(&x, "k1", "HyperV-ComputeLib-Legacy", "10.0.17763.1", "fam", 1)->files[0].state =
		SXS_PAYLOAD_OK;
	comp(&x, "k2", "HyperV-ComputeLib-Legacy", "10.0.17763.1613", "fam", 1)->files[0].state =
		SXS_PAYLOAD_OK;
	deployment(&x, "unrelated", 'i', PKG_INSTALLED);
	run(&x, true);
	const struct sxs_finding *fd = only(&x, SXS_F_WINNER_MISSING);
	assert_int_equal(fd->severity, SXS_SEV_INFO);
	/* CBS.log's N counts the *other* versions */
	assert_non_null(strstr(fd->message, "10.0.17763.1613 does not have a winner but has 1 other"));
	teardown_model(&x);
}

/* A live family with no files (settings only): info, and the message does not call it dormant. */
static void winner_missing_live_fileless_family_is_info(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_component *c = comp(&x, "k1", "Foo-Settings", "10.0.17763.1613", "fam", 0);
	add_link(c, "foo-deployment_1");
	deployment(&x, "foo-deployment_1", 'i', PKG_INSTALLED);
	run(&x, true);
	assert_int_equal(c->live, SXS_LIVE_LIVE);
	const struct sxs_finding *fd = only(&x, SXS_F_WINNER_MISSING);
	assert_int_equal(fd->severity, SXS_SEV_INFO);
	assert_non_null(strstr(fd->message, "a version of it is live, but it has no files"));
	assert_null(strstr(fd->message, "no version of it is live"));
	teardown_model(&x);
}

static void winner_missing_live_family_is_warning(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_component *c = comp(&x, "k1", "Foo", "10.0.17763.1613", "fam", 1);
	c->files[0].state = SXS_PAYLOAD_OK;
	add_link(c, "foo-deployment_1");
	deployment(&x, "foo-deployment_1", 'i', PKG_INSTALLED);
	run(&x, true);
	assert_int_equal(only(&x, SXS_F_WINNER_MISSING)->severity, SXS_SEV_WARNING);
	teardown_model(&x);
}

static void winner_not_installed_fusion_is_info(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	winners(&x, "x86_microsoft.vc90.crt_1fc8b3b9a1e18e3b_none_ea33c8f0b247cd77", "9.0",
	        "9.0.30729.7523");
	winners(&x, "amd64_third.party_0000000000000000_none_1111111111111111", "1.0", "1.0.0.1");
	x.m.fusion = sxs_calloc(1, sizeof(char *));
	x.m.fusion[0] = sxs_strdup("x86_microsoft.vc90.crt_1fc8b3b9a1e18e3b_none_ea33c8f0b247cd77\\9.0\\9.0.30729.7523");
	x.m.nfusion = 1;
	deployment(&x, "unrelated", 'i', PKG_INSTALLED);
	run(&x, true);
	size_t n = 0;
	for (size_t i = 0; i < x.f.n; i++) {
		if (x.f.v[i].kind != SXS_F_WINNER_NOT_INSTALLED)
			continue;
		n++;
		assert_int_equal(x.f.v[i].severity,
		                 strstr(x.f.v[i].winners_key, "vc90") ? SXS_SEV_INFO : SXS_SEV_WARNING);
	}
	assert_int_equal(n, 2);
	teardown_model(&x);
}

/* ---- deployments ------------------------------------------------------------ */

static void installed_deployment_needs_its_components(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_component *d = comp(&x, "dkf", "Foo-Deployment", "10.0.17763.1613", "dfam", 0);
	d->is_deployment = true;
	d->install_deps = sxs_calloc(2, sizeof(char *));
	d->install_deps[0] = sxs_strdup("present");
	d->install_deps[1] = sxs_strdup("gone");
	d->ninstall_deps = 2;
	comp(&x, "present", "Foo", "10.0.17763.1613", "fam", 0);
	/* the deployment key is named by the deployment's short form */
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	assert_int_equal(sxs_identity_keyform(&d->id, SXS_KEYFORM_SHORT, &sb), 0);
	deployment(&x, sb.buf, 'i', PKG_INSTALLED);
	deployment(&x, "staged-only", 'i', PKG_STAGED);
	sxs_strbuf_release(&sb);
	run(&x, true);
	const struct sxs_finding *fd = only(&x, SXS_F_DEPLOYMENT_COMPONENT_MISSING);
	assert_int_equal(fd->severity, SXS_SEV_ERROR);
	assert_string_equal(fd->file, "gone");
	/* the staged-only deployment has no component at all: not installed, not judged */
	teardown_model(&x);
}

static void malformed_mark_is_warning(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_deployment *d = deployment(&x, "dep", 'i', PKG_INSTALLED);
	d->marks[0].name_ok = false;
	d->marks[0].problem = sxs_strdup("name does not match its data");
	run(&x, true);
	assert_int_equal(only(&x, SXS_F_DEPLOYMENT_MARK_MALFORMED)->severity, SXS_SEV_WARNING);
	teardown_model(&x);
}

static void catalog_missing_by_installed_state(void **state)
{
	(void)state;
	struct fixture x;
	setup_model(&x);
	struct sxs_deployment *a = deployment(&x, "a", 'i', PKG_INSTALLED);
	struct sxs_deployment *b = deployment(&x, "b", 'i', PKG_STAGED);
	a->thumbprint = sxs_strdup("aa00000000000000000000000000000000000000000000000000000000000000");
	b->thumbprint = sxs_strdup("bb00000000000000000000000000000000000000000000000000000000000000");
	run(&x, true);
	for (size_t i = 0; i < x.f.n; i++)
		if (x.f.v[i].kind == SXS_F_CATALOG_MISSING)
			assert_int_equal(x.f.v[i].severity,
			                 !strcmp(x.f.v[i].component, "a") ? SXS_SEV_ERROR : SXS_SEV_WARNING);
	teardown_model(&x);
}

/* ---- census: counts per shape on the same kind of model ----------------------- */

static void census_counts_shapes(void **state)
{
	(void)state;
	struct fixture x;
	struct sxs_census c;
	setup_model(&x);
	struct sxs_component *live = comp(&x, "k1", "Foo", "10.0.17763.1613", "fam", 1);
	struct sxs_component *old = comp(&x, "k2", "Foo", "10.0.17763.1", "fam", 1);
	struct sxs_component *staged = comp(&x, "k3", "Bar", "10.0.17763.1", "bar", 1);
	winners(&x, "fam", "10.0", "10.0.17763.1613");
	deployment(&x, "dep", 'i', PKG_INSTALLED);
	struct sxs_deployment *sd = deployment(&x, "staged", 'p', PKG_STAGED);
	live->folder = sxs_strdup("k1");
	live->files[0].forms = SXS_FORM_FULL | SXS_FORM_F | SXS_FORM_R;
	live->files[0].has_fflag = true;
	live->files[0].fflag = 0x41;
	old->has_cf = true;
	old->cf = 0x10;
	old->files[0].forms = SXS_FORM_LCU_F;
	staged->files[0].forms = 0;
	(void)sd;
	run(&x, true);
	assert_int_equal(sxs_census_build(&x.m, &c), 0);
	assert_int_equal(c.components, 3);
	assert_int_equal(c.live, 1);
	assert_int_equal(c.dormant, 2);
	assert_int_equal(c.payload_files, 3);
	/* f!: the (none) row first, then 0x41 */
	assert_int_equal(c.nfflags, 2);
	assert_true(c.fflags[0].absent);
	assert_int_equal(c.fflags[0].files, 2);
	assert_int_equal(c.fflags[0].forms[SXS_CENSUS_FORM_LCU_F], 1);
	assert_int_equal(c.fflags[0].forms[SXS_CENSUS_FORM_NONE], 1);
	assert_int_equal(c.fflags[1].value, 0x41);
	assert_int_equal(c.fflags[1].forms[SXS_CENSUS_FORM_FULL], 1);
	assert_int_equal(c.fflags[1].forms[SXS_CENSUS_FORM_R], 1);
	/* CF: absent (live 1, dormant 1), 0x10 (dormant 1) */
	assert_int_equal(c.ncfs, 2);
	assert_true(c.cfs[0].absent);
	assert_int_equal(c.cfs[0].live, 1);
	assert_int_equal(c.cfs[1].value, 0x10);
	assert_int_equal(c.cfs[1].dormant, 1);
	assert_int_equal(c.cfs[1].without_folder, 1);
	/* no folder: the two dormant ones, one with LCU deltas, one with CF */
	assert_int_equal(c.nofolder.dormant, 2);
	assert_int_equal(c.nofolder.with_lcu_deltas, 1);
	assert_int_equal(c.nofolder.with_cf, 1);
	/* families: fam has Winners, bar has none and no live version */
	assert_int_equal(c.families.families, 2);
	assert_int_equal(c.families.without_winners, 1);
	assert_int_equal(c.families.without_none_live, 1);
	assert_int_equal(c.families.default_installed, 1);
	/* deployments by marks: i 1, p 1 */
	assert_int_equal(c.deployment_keys, 2);
	assert_int_equal(c.deployments_installed, 1);
	assert_int_equal(c.nmarks, 2);
	sxs_census_release(&c);
	teardown_model(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(payload_missing_live_winner_is_error),
		cmocka_unit_test(payload_missing_live_by_deployment_is_error),
		cmocka_unit_test(payload_missing_older_servicing_stack_is_info),
		cmocka_unit_test(payload_missing_newest_servicing_stack_without_winners_is_error),
		cmocka_unit_test(payload_missing_dormant_is_warning),
		cmocka_unit_test(payload_missing_dormant_with_cf_or_deltas_is_info),
		cmocka_unit_test(payload_missing_live_with_only_deltas_is_error),
		cmocka_unit_test(payload_missing_unknown_is_capped_at_warning),
		cmocka_unit_test(payload_missing_unknown_without_package_states),
		cmocka_unit_test(deployments_never_have_missing_payloads),
		cmocka_unit_test(pending_transaction_turns_errors_into_warnings),
		cmocka_unit_test(dirty_hive_turns_errors_into_warnings),
		cmocka_unit_test(manifest_missing_by_liveness),
		cmocka_unit_test(manifest_missing_unknown_is_warning_but_ssu_info),
		cmocka_unit_test(manifest_orphan_needed_or_not),
		cmocka_unit_test(winner_missing_dormant_family_is_info),
		cmocka_unit_test(winner_missing_live_fileless_family_is_info),
		cmocka_unit_test(winner_missing_live_family_is_warning),
		cmocka_unit_test(winner_not_installed_fusion_is_info),
		cmocka_unit_test(installed_deployment_needs_its_components),
		cmocka_unit_test(malformed_mark_is_warning),
		cmocka_unit_test(catalog_missing_by_installed_state),
		cmocka_unit_test(census_counts_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
