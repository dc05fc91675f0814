/* SPDX-License-Identifier: MIT */
/*
 * Fault injection over a whole scan, in-process: sxs_image_open,
 * sxs_model_load, sxs_check_model and both report writers, on the demo
 * images.
 *
 *  - Every sxs_* allocation is made to fail in turn (sxs_alloc_fail_after(k)
 *    for k = 0, 1, 2, ... until a run makes no more than k allocations).
 *    A run whose allocation failed must end in -SXS_ENOMEM, or complete
 *    with exactly the reports of the undisturbed run: running out of memory
 *    is never reported as a problem of the image.  Leaks are caught by
 *    LeakSanitizer in the sanitizer leg (tests/sanitize.sh) and by the
 *    valgrind test setup.  expat, hivex, json-c and OpenSSL allocate on their
 *    own and are not injected.
 *  - Files listed and then gone before they are read (deleted between
 *    sxs_image_open and sxs_model_load) are findings, not errors.
 *  - Files deleted while the payloads are being hashed (a racing thread):
 *    whatever the interleaving, the scan completes and every payload is
 *    ok, missing or unreadable with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check/scan.h"
#include "report/report.h"
#include "store/model.h"
#include "store/store.h"
#include "util/alloc.h"

#ifndef TESTDATA_DIR
#error "TESTDATA_DIR must be defined"
#endif

/*
 * --strict: an allocation failure that the scan absorbs must leave the
 * reports exactly as they were.  Without it such runs are only listed (they
 * are known bugs, see meson.build); the other properties always hold.
 */
static bool strict;

struct result {
	int err;
	char *text, *json;
	size_t nfindings;
};

static void result_release(struct result *r)
{
	free(r->text);
	free(r->json);
	memset(r, 0, sizeof(*r));
}

static char *dup_or_die(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

/* The CLI's scan, without the CLI.  jobs = 1 keeps the allocation order fixed. */
static void scan(const char *root, bool no_payload, struct result *r)
{
	struct sxs_image *img = NULL;
	struct sxs_model m;
	struct sxs_findings f;
	struct sxs_strbuf text = SXS_STRBUF_INIT, json = SXS_STRBUF_INIT;
	struct sxs_model_options opt = {.jobs = 1, .no_payload = no_payload};
	struct sxs_diag diag = {{0}};
	int err;

	memset(r, 0, sizeof(*r));
	sxs_model_init(&m);
	sxs_findings_init(&f);
	if ((err = sxs_image_open(root, &img, &diag)))
		goto out;
	if ((err = sxs_model_load(img, &opt, &m, &diag)))
		goto out;
	if ((err = sxs_check_model(&m, &f)))
		goto out;
	if ((err = sxs_report_scan_text(&text, &m, &f)))
		goto out;
	if ((err = sxs_report_scan_json(&json, &m, &f)))
		goto out;
	r->text = dup_or_die(sxs_strbuf_str(&text));
	r->json = dup_or_die(sxs_strbuf_str(&json));
	r->nfindings = f.n;
out:
	r->err = err;
	sxs_strbuf_release(&text);
	sxs_strbuf_release(&json);
	sxs_findings_release(&f);
	sxs_model_release(&m);
	sxs_image_free(img);
}

/* timing figures differ between runs: cut them out */
static void cut_after(char *s, const char *key, const char *stops)
{
	char *p = strstr(s, key);
	if (!p)
		return;
	p += strlen(key);
	size_t n = strcspn(p, stops);
	memmove(p, p + n, strlen(p + n) + 1);
}

static void blank_elapsed(char *s)
{
	cut_after(s, "\"elapsed_seconds\":", ",\n}");
	cut_after(s, "differentials, in ", "\n");
}

static void every_allocation_fails_cleanly(const char *image, bool no_payload)
{
	char root[1024];
	struct result ref, r;
	snprintf(root, sizeof(root), "%s/images/%s", TESTDATA_DIR, image);

	sxs_alloc_fail_after(-1);
	scan(root, no_payload, &ref);
	long total = sxs_alloc_fail_after(-1);
	assert_int_equal(ref.err, 0);
	blank_elapsed(ref.text);
	blank_elapsed(ref.json);
	assert_true(total > 10);

	long k, injected = 0, enomem = 0, same = 0, differs = 0, last_k = -2;
	char last_line[256] = "";
	for (k = 0;; k++) {
		sxs_alloc_fail_after(k);
		scan(root, no_payload, &r);
		long made = sxs_alloc_fail_after(-1);
		if (made <= k) {
			/* nothing failed: the run must be the undisturbed one */
			assert_int_equal(r.err, 0);
			result_release(&r);
			break;
		}
		injected++;
		if (r.err) {
			if (r.err != -SXS_ENOMEM)
				fail_msg("%s: allocation %ld failed, the scan returned %s, not ENOMEM",
				         image, k + 1, sxs_strerror(r.err));
			enomem++;
		} else {
			blank_elapsed(r.text);
			blank_elapsed(r.json);
			if (strcmp(r.text, ref.text) || strcmp(r.json, ref.json)) {
				const char *a = ref.text, *b = r.text;
				if (!strcmp(a, b)) {
					a = ref.json;
					b = r.json;
				}
				/* print the first line that differs */
				size_t i = 0, bol = 0;
				for (; a[i] && a[i] == b[i]; i++)
					if (a[i] == '\n')
						bol = i + 1;
				const char *ea = strchr(a + bol, '\n'), *eb = strchr(b + bol, '\n');
				/* one message per run of allocations that change the same line */
				char line[256];
				snprintf(line, sizeof(line), "%.*s", (int)(eb ? eb - (b + bol) : 200), b + bol);
				if (strcmp(line, last_line) || k != last_k + 1)
					print_message("%s: allocation %ld (and maybe the next ones) failed and the "
					              "scan completed with a different report:\n"
					              "    undisturbed: %.*s\n    this run:    %s\n",
					              image, k + 1, (int)(ea ? ea - (a + bol) : 200), a + bol, line);
				snprintf(last_line, sizeof(last_line), "%s", line);
				last_k = k;
				differs++;
			} else {
				same++;
			}
		}
		result_release(&r);
		assert_true(k < 10 * total + 1000); /* the loop ends */
	}
	print_message("%s%s: %ld allocations, %ld injected failures: %ld ENOMEM, %ld absorbed, "
	              "%ld turned into a different report\n",
	              image, no_payload ? " --no-payload" : "", total, injected, enomem, same, differs);
	if (strict && differs)
		fail_msg("%s: %ld allocation failures changed the report instead of failing the scan",
		         image, differs);
	assert_int_equal(injected, total); /* the scan allocates deterministically */
	result_release(&ref);
}

static void scan_survives_every_allocation_failure_golden(void **state)
{
	(void)state;
	every_allocation_fails_cleanly("golden-pc", false);
}

static void scan_survives_every_allocation_failure_branch(void **state)
{
	(void)state;
	every_allocation_fails_cleanly("branch-pc", false);
}

/* ---- files that vanish ------------------------------------------------------ */

static char tmpdir[64];

static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static int copy_image(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sxs-faults-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	sh("cp -a '%s/images/golden-pc' '%s/img'", TESTDATA_DIR, tmpdir);
	return 0;
}

static int remove_image(void **state)
{
	(void)state;
	sh("rm -rf '%s'", tmpdir);
	return 0;
}

static bool has_finding(const struct result *r, const char *id, const char *needle)
{
	/* text lines: "<severity> <id> <component>\<file>: ..." */
	for (const char *p = r->text; (p = strstr(p, id)); p++) {
		const char *eol = strchr(p, '\n');
		const char *n = strstr(p, needle);
		if (n && (!eol || n < eol))
			return true;
	}
	return false;
}

static void files_gone_after_listing_are_findings(void **state)
{
	(void)state;
	char root[128];
	snprintf(root, sizeof(root), "%s/img", tmpdir);
	struct sxs_image *img = NULL;
	struct sxs_diag diag = {{0}};
	assert_int_equal(sxs_image_open(root, &img, &diag), 0);
	/* WinSxS and Manifests are listed now; take things away before they are read */
	sh("cd '%s/Windows/WinSxS' && rm Manifests/amd64_microsoft-windows-notepad_*.manifest && "
	   "rm -r amd64_microsoft-windows-codeintegrity_* && rm amd64_microsoft-windows-kernel32_*/kernel32.dll",
	   root);

	struct sxs_model m;
	struct sxs_findings f;
	struct sxs_strbuf text = SXS_STRBUF_INIT;
	struct sxs_model_options opt = {.jobs = 2};
	sxs_model_init(&m);
	sxs_findings_init(&f);
	int err = sxs_model_load(img, &opt, &m, &diag);
	if (err)
		fail_msg("model_load: %s", sxs_diag_msg(&diag, err));
	assert_int_equal(sxs_check_model(&m, &f), 0);
	assert_int_equal(sxs_report_scan_text(&text, &m, &f), 0);
	struct result r = {.text = (char *)sxs_strbuf_str(&text)};
	print_message("%s", r.text);
	/* the manifest: unreadable or missing, said about notepad */
	assert_true(has_finding(&r, "manifest-", "notepad_"));
	/* the folder's payloads, and the kernel32 payload */
	assert_true(has_finding(&r, "payload-", "codeintegrity"));
	assert_true(has_finding(&r, "payload-missing", "kernel32.dll"));
	sxs_strbuf_release(&text);
	sxs_findings_release(&f);
	sxs_model_release(&m);
	sxs_image_free(img);
}

struct deleter {
	char root[128];
	volatile int go;
};

static void *delete_payloads(void *arg)
{
	struct deleter *d = arg;
	char path[512];
	while (!d->go)
		sched_yield();
	snprintf(path, sizeof(path), "%s/Windows/WinSxS", d->root);
	DIR *w = opendir(path);
	if (!w)
		return NULL;
	struct dirent *e;
	while ((e = readdir(w))) {
		if (strncmp(e->d_name, "amd64_", 6) && strncmp(e->d_name, "wow64_", 6))
			continue;
		char sub[1024];
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		DIR *c = opendir(sub);
		if (!c)
			continue;
		struct dirent *f;
		while ((f = readdir(c))) {
			char file[1400];
			snprintf(file, sizeof(file), "%s/%s", sub, f->d_name);
			struct stat st;
			if (lstat(file, &st) == 0 && S_ISREG(st.st_mode)) {
				unlink(file);
				sched_yield();
			}
		}
		closedir(c);
	}
	closedir(w);
	return NULL;
}

static void files_deleted_while_hashing_never_fail_the_scan(void **state)
{
	(void)state;
	for (int round = 0; round < 10; round++) {
		char root[128];
		snprintf(root, sizeof(root), "%s/img%d", tmpdir, round);
		sh("cp -a '%s/img' '%s'", tmpdir, root);
		struct sxs_image *img = NULL;
		struct sxs_diag diag = {{0}};
		assert_int_equal(sxs_image_open(root, &img, &diag), 0);
		struct deleter d = {.go = 0};
		snprintf(d.root, sizeof(d.root), "%s", root);
		pthread_t t;
		assert_int_equal(pthread_create(&t, NULL, delete_payloads, &d), 0);
		struct sxs_model m;
		struct sxs_model_options opt = {.jobs = 2};
		sxs_model_init(&m);
		d.go = 1;
		int err = sxs_model_load(img, &opt, &m, &diag);
		pthread_join(t, NULL);
		if (err)
			fail_msg("round %d: model_load: %s", round, sxs_diag_msg(&diag, err));
		for (size_t i = 0; i < m.ncomps; i++)
			for (size_t j = 0; j < m.comps[i].nfiles; j++) {
				const struct sxs_payload *p = &m.comps[i].files[j];
				if (p->state == SXS_PAYLOAD_UNREADABLE || p->state == SXS_PAYLOAD_MISSING)
					continue;
				/* hashed before it went: a result, never a half-read file */
				if (p->state != SXS_PAYLOAD_OK && p->state != SXS_PAYLOAD_UNVERIFIABLE &&
				    p->state != SXS_PAYLOAD_SYSTEMDATA && p->state != SXS_PAYLOAD_NODIGEST)
					fail_msg("round %d: payload %s in state %s", round, p->name,
					         sxs_payload_state_name(p->state));
				if (p->state == SXS_PAYLOAD_UNREADABLE)
					assert_non_null(p->detail);
			}
		struct sxs_findings f;
		sxs_findings_init(&f);
		assert_int_equal(sxs_check_model(&m, &f), 0);
		sxs_findings_release(&f);
		sxs_model_release(&m);
		sxs_image_free(img);
		sh("rm -rf '%s'", root);
	}
}

int main(int argc, char **argv)
{
	strict = argc > 1 && !strcmp(argv[1], "--strict");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scan_survives_every_allocation_failure_golden),
		cmocka_unit_test(scan_survives_every_allocation_failure_branch),
		cmocka_unit_test_setup_teardown(files_gone_after_listing_are_findings, copy_image,
		                                remove_image),
		cmocka_unit_test_setup_teardown(files_deleted_while_hashing_never_fail_the_scan,
		                                copy_image, remove_image),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
