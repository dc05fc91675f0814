/* SPDX-License-Identifier: MIT */
/* cbslog/: the record grammar (cbslog.md §2, §3), code forms (§3.1), tables, triage rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cbslog/cbslog.h"
#include "cbslog/internal.h"
#include "util/alloc.h"

#define R(ts, level, src, msg) ts ", " level src msg

struct got {
	struct sxs_cbslog_record r[16];
	char msg[16][256];
	size_t n;
};

static int collect(void *ctx, const struct sxs_cbslog_record *rec)
{
	struct got *g = ctx;
	if (g->n < 16) {
		g->r[g->n] = *rec;
		snprintf(g->msg[g->n], sizeof(g->msg[0]), "%s", rec->msg);
		g->r[g->n].msg = g->msg[g->n];
		g->n++;
	}
	return 0;
}

static void read_all(const void *data, size_t len, size_t piece, struct got *g,
                     struct sxs_cbslog_stats *st)
{
	struct sxs_cbslog_reader *r;
	memset(g, 0, sizeof(*g));
	assert_int_equal(sxs_cbslog_reader_new(collect, g, &r), 0);
	for (size_t off = 0; off < len;) {
		size_t k = piece && piece < len - off ? piece : len - off;
		assert_int_equal(sxs_cbslog_reader_feed(r, (const char *)data + off, k), 0);
		off += k;
	}
	assert_int_equal(sxs_cbslog_reader_end(r), 0);
	*st = *sxs_cbslog_reader_stats(r);
	sxs_cbslog_reader_free(r);
}

/* columns: level from 21 padded to 22, source padded to 7, message at 50 */
static void reader_splits_columns_and_empty_source(void **state)
{
	(void)state;
	static const char log[] =
		"\xEF\xBB\xBF"
		"2019-07-29 22:34:35, Info                  CBS    Session: 1_2 initialized by client X\r\n"
		"2024-07-24 02:54:53, Info                         Feature: Rsat enabled\r\n"
		"2024-07-24 02:54:53, Warning                      WatsonHelper: File already set\r\n"
		"2019-07-29 22:34:35, Info                  CBS    \tCSI Payload Corruption:\t9\r\n"
		"2019-07-29 22:34:36, error                 DEPLOY Deploy failed\r\n";
	struct got g;
	struct sxs_cbslog_stats st;
	read_all(log, sizeof(log) - 1, 0, &g, &st);
	assert_int_equal(g.n, 5);
	assert_string_equal(g.r[0].source, "CBS");
	assert_string_equal(g.r[0].msg, "Session: 1_2 initialized by client X");
	assert_string_equal(g.r[1].source, "");
	assert_string_equal(g.r[1].msg, "Feature: Rsat enabled");
	assert_int_equal(g.r[2].level, SXS_CBSLOG_WARNING);
	assert_string_equal(g.r[2].msg, "WatsonHelper: File already set");
	assert_string_equal(g.r[3].msg, "\tCSI Payload Corruption:\t9");
	assert_int_equal(g.r[4].level, SXS_CBSLOG_ERROR); /* level matched case-insensitively */
	assert_string_equal(g.r[4].source, "DEPLOY");
	assert_true(st.bom);
	assert_string_equal(sxs_cbslog_eol_name(&st), "crlf");
	assert_string_equal(st.first_ts, "2019-07-29 22:34:35");
	assert_int_equal(st.ts_inversions, 1);
}

/* bare LF inside a record continues it; wimgapi lines stand alone; leading junk is counted */
static void reader_joins_continuations_not_wimgapi(void **state)
{
	(void)state;
	static const char log[] =
		"*** foreign text\r\n\r\n"
		"2021-06-21 13:35:38, Info                  CSI    00000139 Hashes for file member [l:8]'img0.jpg' do not match.\n"
		" Expected: {l:32 ml:33 b:aa}.\n"
		" Actual: {l:32 b:bb}.\r\n"
		"[1804] [0x80070002] FIOReadFileIntoBuffer:(1381): The system cannot find the file specified.\r\n"
		"2021-06-21 13:35:39, Info                  CBS    next\r\n";
	struct got g;
	struct sxs_cbslog_stats st;
	for (size_t piece = 0; piece < 8; piece++) {
		read_all(log, sizeof(log) - 1, piece, &g, &st);
		assert_int_equal(g.n, 5);
		assert_int_equal(st.leading_junk_lines, 2);
		assert_int_equal(st.records, 2);
		assert_string_equal(g.r[0].source, "text");
		assert_string_equal(g.r[0].msg, "*** foreign text");
		assert_int_equal(g.r[1].line, 2);
		assert_int_equal(g.r[2].line, 3);
		assert_int_equal(g.r[2].nlines, 3);
		assert_non_null(strstr(g.r[2].msg, "do not match.\n Expected: {l:32 ml:33 b:aa}.\n Actual"));
		assert_string_equal(g.r[3].source, "wimgapi");
		assert_int_equal(g.r[3].line, 6);
		assert_int_equal(g.r[4].line, 7);
		assert_string_equal(sxs_cbslog_eol_name(&st), "crlf-with-embedded-lf");
	}
}

static void reader_decodes_utf16_and_cr_only(void **state)
{
	(void)state;
	static const char line1[] = "2021-03-02 09:14:00, Info                  CBS    A \xC3\xA9 B";
	static const char line2[] = "2021-03-02 09:14:01, Info                  CBS    second";
	uint8_t u16[512];
	size_t n = 0;
	u16[n++] = 0xFF;
	u16[n++] = 0xFE;
	const char *lines[2] = {line1, line2};
	for (int l = 0; l < 2; l++) {
		for (const char *p = lines[l]; *p; p++) {
			unsigned c = (unsigned char)*p;
			if (c == 0xC3) { /* é */
				c = 0xE9;
				p++;
			}
			u16[n++] = (uint8_t)c;
			u16[n++] = 0;
		}
		u16[n++] = '\r';
		u16[n++] = 0;
		u16[n++] = '\n';
		u16[n++] = 0;
	}
	struct got g;
	struct sxs_cbslog_stats st;
	for (size_t piece = 0; piece < 6; piece++) {
		read_all(u16, n, piece, &g, &st);
		assert_int_equal(st.encoding, SXS_CBSLOG_UTF16LE);
		assert_int_equal(g.n, 2);
		assert_string_equal(g.r[0].msg, "A \xC3\xA9 B");
		assert_string_equal(g.r[1].msg, "second");
	}
	char cr[256];
	snprintf(cr, sizeof(cr), "%s\r%s\r", line1, line2);
	read_all(cr, strlen(cr), 0, &g, &st);
	assert_true(st.cr_mode);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.r[1].line, 2);
}

static void reader_replaces_nul_and_cuts_huge_records(void **state)
{
	(void)state;
	static const char head[] = "2021-03-02 09:14:00, Info                  CSI    big\n";
	size_t big = SXS_MAX_CBSLOG_RECORD + 4096;
	char *buf = sxs_malloc(sizeof(head) + big + 64);
	assert_non_null(buf);
	memcpy(buf, head, sizeof(head) - 1);
	memset(buf + sizeof(head) - 1, 'x', big);
	buf[sizeof(head) + 10] = '\0';
	size_t n = sizeof(head) - 1 + big;
	n += (size_t)sprintf(buf + n, "\r\n2021-03-02 09:14:01, Info                  CBS    after\r\n");
	struct got g;
	struct sxs_cbslog_stats st;
	read_all(buf, n, 1 << 20, &g, &st);
	sxs_free(buf);
	assert_int_equal(g.n, 2);
	assert_true(g.r[0].truncated);
	assert_int_equal(st.truncated_records, 1);
	assert_int_equal(st.nul_bytes, 1);
	assert_string_equal(g.r[1].msg, "after");
	assert_int_equal(g.r[1].line, 3);
}

/* every code form of cbslog.md 3.1, with the printed name where there is one */
static void codes_are_found_in_every_form(void **state)
{
	(void)state;
	static const struct {
		const char *msg;
		uint32_t code;
		const char *name;
	} cases[] = {
		{"Failed [HRESULT = 0x800f081f - CBS_E_SOURCE_MISSING]", 0x800F081F, "CBS_E_SOURCE_MISSING"},
		{"Failed [HRESULT = 0x8024402c - Unknown Error]", 0x8024402C, NULL},
		{"Failed to OpenPackage using worker session [HRESULT = 0x800f0805]", 0x800F0805, NULL},
		{"x - CDISMPackageManager::RestoreHealth(hr:0x800f081f)", 0x800F081F, NULL},
		{"DISM.EXE: ... processed the command line but failed. HRESULT=80070BC9", 0x80070BC9, NULL},
		{"CBS AddSource failed with HRESULT=0x8007010b!", 0x8007010B, NULL},
		{"FC: Download Result = 0x8024402C", 0x8024402C, NULL},
		{"on file cscsvc.dll with NTSTATUS -1073283059. Matching", 0xC007000D, NULL},
		{"(F) Hydration failed with error NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA) . Delta", 0xC007000D,
		 "NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA)"},
		{"with HRESULT HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND).  Failure", 0x80070002, "ERROR_FILE_NOT_FOUND"},
		{"with HRESULT HRESULT_FROM_WIN32(14098).", 0x80073712, NULL},
		{"(F) STATUS_DELETE_PENDING #2331781# from x", 0xC0000056, "STATUS_DELETE_PENDING"},
		{"could not be accessed [ERROR_DIRECTORY]", 0x8007010B, "ERROR_DIRECTORY"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct sxs_cbs_hit h[SXS_CBS_MAX_HITS];
		size_t k = sxs_cbs_extract_codes(cases[i].msg, strlen(cases[i].msg), h);
		bool found = false;
		for (size_t j = 0; j < k; j++) {
			if (h[j].code != cases[i].code)
				continue;
			found = true;
			if (cases[i].name) {
				assert_non_null(h[j].name);
				assert_int_equal(h[j].namelen, strlen(cases[i].name));
				assert_memory_equal(h[j].name, cases[i].name, h[j].namelen);
			} else {
				assert_null(h[j].name);
			}
		}
		if (!found)
			fail_msg("%s: 0x%08x not found", cases[i].msg, cases[i].code);
	}
	/* addresses and sequence numbers are not codes */
	struct sxs_cbs_hit h[SXS_CBS_MAX_HITS];
	const char *m = "pdwDisposition = @0xd7453fe050, handle @0x2fe0, 00000b75 Direct SIL";
	assert_int_equal(sxs_cbs_extract_codes(m, strlen(m), h), 0);
}

static void tables_are_sorted_and_sourced(void **state)
{
	(void)state;
	/* lookups of both ends and the composite forms */
	assert_string_equal(sxs_hresult_lookup(0x800F0922)->name, "CBS_E_INSTALLERS_FAILED");
	assert_string_equal(sxs_hresult_lookup(0x80070BC9)->name, "ERROR_FAIL_REBOOT_REQUIRED");
	assert_string_equal(sxs_hresult_lookup(0x80070005)->name, "E_ACCESSDENIED");
	assert_string_equal(sxs_hresult_lookup(0xC015001A)->name, "STATUS_SXS_COMPONENT_STORE_CORRUPT");
	assert_string_equal(sxs_hresult_lookup(0x800F0985)->name, "PSFX_E_APPLY_REVERSE_DELTA_FAILED");
	assert_string_equal(sxs_hresult_lookup(0x8024402C)->name, "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED");
	/* 0x80240438 sorts before 0x8024402C: the table was once out of order there */
	assert_string_equal(sxs_hresult_lookup(0x80240438)->name, "WU_E_PT_ENDPOINT_UNREACHABLE");
	assert_string_equal(sxs_hresult_lookup(0x8024A10A)->name, "USO_E_SERVICE_SHUTTING_DOWN");
	assert_string_equal(sxs_hresult_lookup(0x800706D9)->name, "EPT_S_NOT_REGISTERED");
	size_t nwu = 0;
	for (uint32_t c = 0x80240000; c <= 0x8024FFFF; c++)
		nwu += sxs_hresult_lookup(c) != NULL;
	assert_true(nwu >= 10); /* every row of the table is found */
	assert_null(sxs_hresult_lookup(0x8007FFFF));
	for (uint32_t c = 0x800F0800; c <= 0x800F0991; c++) {
		const struct sxs_hresult_info *h = sxs_hresult_lookup(c);
		if (h) {
			assert_int_equal(h->code, c);
			assert_non_null(h->source);
		}
	}
	for (int k = 0; k < SXS_KIND_COUNT; k++) {
		const struct sxs_cbs_kind_info *ki = sxs_cbs_kind_info((enum sxs_cbs_kind)k);
		assert_non_null(ki->id);
		assert_non_null(ki->remedy);
		assert_non_null(ki->source);
		assert_int_equal(sxs_cbs_kind_lookup(ki->id), k);
	}
	/* success codes are never failures (cbslog.md 0.6) */
	assert_false(sxs_cbs_is_failure(0));
	assert_false(sxs_cbs_is_failure(0x80070BC2));
	assert_false(sxs_cbs_is_failure(0x800F0833));
	assert_true(sxs_cbs_is_failure(0x80070BC9));
	assert_true(sxs_cbs_is_noise("Failed to internally open package. [HRESULT = 0x800f0805]", 57, 0x800F0805));
	assert_false(sxs_cbs_is_noise("Failed to resolve package 'P'", 29, 0x800F0831));
}

static struct sxs_cbs_log *analyse(const char *text)
{
	struct sxs_cbs_log **logs = NULL;
	size_t n = 0;
	assert_int_equal(sxs_cbs_read_mem(text, strlen(text), "t.log", &logs, &n), 0);
	assert_int_equal(n, 1);
	struct sxs_cbs_log *log = logs[0];
	sxs_free(logs);
	return log;
}

/* the origin skips harmless lines with the same code; the benign code is not a cause */
static void triage_walks_back_past_noise(void **state)
{
	(void)state;
	struct sxs_cbs_log *log = analyse(
		R("2021-03-02 09:14:00", "Info                  ", "CBS    ", "Exec: Processing started.  Client: WindowsUpdateAgent, Session: 1_2, Package: Package_for_KB4592440~31bf3856ad364e35~amd64~~10.0.1.6, Identifier: KB4592440") "\r\n"
		R("2021-03-02 09:14:01", "Info                  ", "CBS    ", "Not able to add poqexec.log to Windows Error Report. [HRESULT = 0x80070002 - ERROR_FILE_NOT_FOUND]") "\r\n"
		R("2021-03-02 09:14:02", "Info                  ", "CBS    ", "Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]") "\r\n"
		R("2021-03-02 09:14:03", "Error                 ", "CBS    ", "Failed to get file C:\\x\\y.dll [HRESULT = 0x80070002 - ERROR_FILE_NOT_FOUND]") "\r\n"
		R("2021-03-02 09:14:04", "Info                  ", "CBS    ", "Exec: Processing complete.  Session: 1_2, Package: Package_for_KB4592440~31bf3856ad364e35~amd64~~10.0.1.6, Identifier: KB4592440 [HRESULT = 0x80070002 - ERROR_FILE_NOT_FOUND]") "\r\n"
		R("2021-03-02 09:14:05", "Info                  ", "CBS    ", "Session: 1_2 finalized. Reboot required: no [HRESULT = 0x80070002 - ERROR_FILE_NOT_FOUND]") "\r\n");
	assert_int_equal(log->outcome, SXS_CBS_FAILED);
	assert_int_equal(log->ndecisive, 1);
	assert_int_equal(log->decisive[0].code, 0x80070002);
	assert_int_equal(log->decisive[0].line, 4);
	assert_string_equal(log->decisive[0].name, "ERROR_FILE_NOT_FOUND");
	assert_int_equal(log->nkbs, 1);
	assert_string_equal(log->kbs[0], "KB4592440");
	assert_int_equal(log->nops, 1);
	assert_int_equal(log->ops[0].end_line, 5);
	bool benign_0805 = false;
	for (size_t i = 0; i < log->nbenign; i++)
		benign_0805 |= log->benign[i].code == 0x800F0805;
	assert_true(benign_0805);
	sxs_cbs_log_free(log);
}

/* a TrustedInstaller restart cuts an open install: interrupted (no HRESULT, so not "failed"); a session that only opens is not */
static void triage_interrupted_and_open_only_sessions(void **state)
{
	(void)state;
	struct sxs_cbs_log *log = analyse(
		R("2021-03-02 09:14:00", "Info                  ", "CBS    ", "Session: 9_9 initialized by client WindowsUpdateAgent.") "\r\n"
		R("2021-03-02 09:14:00", "Info                  ", "CBS    ", "Exec: Processing started.  Client: WindowsUpdateAgent, Session: 1_2, Package: Package_for_RollupFix~31bf3856ad364e35~amd64~~17763.1.1.1, Identifier: KB777777") "\r\n"
		R("2021-03-02 09:20:00", "Info                  ", "CBS    ", "TI: --- Initializing Trusted Installer ---") "\r\n"
		R("2021-03-02 09:20:00", "Info                  ", "CBS    ", "TI: It looks like TI crashed or was interrupted last time it was started") "\r\n");
	assert_int_equal(log->outcome, SXS_CBS_NO_FAILURE);
	assert_int_equal(sxs_cbs_primary_kind(log), SXS_KIND_INTERRUPTED);
	assert_int_equal(log->ops[0].end_line, 2);
	assert_int_equal(log->nkbs, 0); /* KB777777 is a placeholder (cbslog.md 0.8) */
	assert_int_equal(log->ndecisive, 0);
	assert_int_equal(log->crash_marker_line, 4);
	sxs_cbs_log_free(log);
}

/* Server 2016 prints the result without Identifier, and the bracket may wrap onto the next line */
static void triage_reads_wrapped_result_bracket(void **state)
{
	(void)state;
	struct sxs_cbs_log *log = analyse(
		R("2017-03-10 10:20:00", "Info                  ", "CBS    ", "Exec: Processing started.  Client: DISM Package Manager Provider, Session: 30579072_298067563, Package: Microsoft-Windows-Foundation-Package~31bf3856ad364e35~amd64~~10.0.14393.0, Identifier: Windows Foundation") "\r\n"
		R("2017-03-10 10:24:32", "Info                  ", "CBS    ", "Exec: Processing complete.  Session: 30579072_298067563, Package: Microsoft-Windows-Foundation-Package~31bf3856ad364e35~amd64~~10.0.14393.0 [HRESULT =") "\n"
		"0x800f0922 - CBS_E_INSTALLERS_FAILED]\r\n"
		R("2017-03-10 10:24:32", "Error                 ", "CBS    ", "Failed to perform operation.  [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]") "\r\n");
	assert_int_equal(log->outcome, SXS_CBS_FAILED);
	assert_int_equal(log->nops, 1);
	assert_int_equal(log->ops[0].result, 0x800F0922);
	assert_int_equal(sxs_cbs_primary_kind(log), SXS_KIND_ADVANCED_INSTALLER);
	assert_int_equal(log->nkbs, 0); /* "Windows Foundation" is no KB */
	sxs_cbs_log_free(log);
}

static void chain_order_and_names(void **state)
{
	(void)state;
	assert_true(sxs_cbs_is_log_name("CBS.log"));
	assert_true(sxs_cbs_is_log_name("cbs.LOG"));
	assert_true(sxs_cbs_is_log_name("CbsPersist_20251214161635.cab"));
	assert_true(sxs_cbs_is_log_name("dism.log"));
	assert_true(sxs_cbs_is_log_name("sfcdetails.txt"));
	assert_false(sxs_cbs_is_log_name("CbsPersist_1.txt"));
	assert_false(sxs_cbs_is_log_name("setupact.log"));
	assert_true(sxs_cbs_chain_cmp("CbsPersist_20230522191537.cab", "CbsPersist_20230523160236.log") < 0);
	assert_true(sxs_cbs_chain_cmp("CbsPersist_20230523160236.log", "CBS.log") < 0);
	assert_true(sxs_cbs_chain_cmp("CBS.log", "dism.log") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reader_splits_columns_and_empty_source),
		cmocka_unit_test(reader_joins_continuations_not_wimgapi),
		cmocka_unit_test(reader_decodes_utf16_and_cr_only),
		cmocka_unit_test(reader_replaces_nul_and_cuts_huge_records),
		cmocka_unit_test(codes_are_found_in_every_form),
		cmocka_unit_test(tables_are_sorted_and_sourced),
		cmocka_unit_test(triage_walks_back_past_noise),
		cmocka_unit_test(triage_interrupted_and_open_only_sessions),
		cmocka_unit_test(triage_reads_wrapped_result_bracket),
		cmocka_unit_test(chain_order_and_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
