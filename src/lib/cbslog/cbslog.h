/* SPDX-License-Identifier: MIT */
#ifndef SXS_CBSLOG_CBSLOG_H
#define SXS_CBSLOG_CBSLOG_H

/*
 * What a servicing log says (../shared/docs/cbslog.md): its build evidence,
 * every servicing operation with its result and the line the failure came
 * from, the DISM/SFC/CheckSUR summary blocks, (p) lines, corrupt items,
 * hydration failures, and the triage (outcome, kinds with the primary one
 * first, decisive HRESULTs, remedies).
 *
 * The module reads logs without an image: it never includes store/.
 * check/logs.c ties what it found to a scan of the image.
 *
 *   reader.c   records (encodings, continuation lines)
 *   session.c  operations, sessions, summaries, (p), [SR], hydration, DISM commands
 *   triage.c   outcome, kinds, decisive HRESULTs, remedies
 *   tables.c   HRESULT names, noise, kinds and remedies (data, with sources)
 *   cab.c      CbsPersist_*.cab through libmspack (the only libmspack user)
 *   log.c      one file (plain or cab) -> logs; file names and chain order
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbslog/reader.h"
#include "util/status.h"
#include "util/strbuf.h"

#define SXS_CBSLOG_SCHEMA_VERSION 1

enum sxs_cbs_outcome {
	SXS_CBS_NO_FAILURE,            /* nothing failed and nothing was found corrupt */
	SXS_CBS_REPAIRED,              /* problems were found and all were reported repaired */
	SXS_CBS_CORRUPTION_UNREPAIRED, /* scans reported corruption that was not repaired */
	SXS_CBS_FAILED,                /* a servicing operation ended with a failure HRESULT */
};
/* (an operation cut off by a TrustedInstaller restart has no HRESULT: it gives the kind
   "interrupted", not the outcome "failed"; sxscheck cbs still exits 1 for it) */

/*
 * The kinds of cbslog.md §10 (the vocabulary of expected.json).  The order
 * is the order of precedence for the primary kind among the kinds still
 * active (unrepaired corruption, failing operations): what blocks servicing
 * comes first, states that follow from it (pending reboot, interruption)
 * last; resolved kinds (corruption reported repaired, SFC's projected-file
 * repairs) follow all active ones.
 */
enum sxs_cbs_kind {
	SXS_KIND_STORE_CORRUPTION_MISSING_PACKAGE,
	SXS_KIND_COMPONENT_STORE_CORRUPT,
	SXS_KIND_PAYLOAD_CORRUPT,
	SXS_KIND_MANIFEST_CORRUPT,
	SXS_KIND_PSFX_DELTA,
	SXS_KIND_ADVANCED_INSTALLER,
	SXS_KIND_ACCESS_DENIED,
	SXS_KIND_SHARING_VIOLATION,
	SXS_KIND_DELETE_PENDING,
	SXS_KIND_CLIENT_ABORT_TIMEOUT,
	SXS_KIND_DOWNLOAD_FAILED,
	SXS_KIND_SOURCE_MISSING,
	SXS_KIND_CANCELLED,
	SXS_KIND_NOT_APPLICABLE,
	SXS_KIND_PENDING_REBOOT,
	SXS_KIND_INTERRUPTED,
	SXS_KIND_PROJECTED_FILE_REPAIRED,
	SXS_KIND_COUNT
};

enum sxs_cbs_op_type {
	SXS_OP_PACKAGE,        /* Exec: Processing started ... Package: P */
	SXS_OP_RESTOREHEALTH,  /* corruption session, "Corruption Repairing" */
	SXS_OP_SCANHEALTH,     /* corruption session, "Corruption Detecting" */
	SXS_OP_CORRUPTION,     /* corruption session whose kind the log did not say */
	SXS_OP_SFC,            /* [SR] verify and repair run */
	SXS_OP_STARTUP,        /* boot-time processing after a reboot (Startup: ...) */
	SXS_OP_MAINTENANCE,    /* CbsTask / Maint: component cleanup */
	SXS_OP_SESSION,        /* a session that failed outside any of the above */
	SXS_OP_DISM_COMMAND,   /* dism.log: one DISM.EXE command line */
	SXS_OP_TYPE_COUNT
};

/* A quoted log line. */
struct sxs_cbs_line {
	uint64_t line;
	char *text; /* the record's first physical line from the message on, cut at 512 bytes */
};

struct sxs_cbs_op {
	enum sxs_cbs_op_type type;
	const char *action;     /* SXS_OP_PACKAGE: "install", "uninstall", "stage" or NULL */
	char *client, *session, *package, *identifier, *kb;
	char *command;          /* SXS_OP_DISM_COMMAND */
	char *repair_source;    /* corruption sessions: "Windows Update", "local source only" */
	char start_ts[20];
	uint64_t start_line, end_line;
	bool has_result;
	uint32_t result;
	uint64_t result_line;
	bool failed;
	bool unfinished;        /* no result before the end of the file */
	bool interrupted;       /* cut off by a TrustedInstaller restart */
	bool parsed;            /* DISM: false when the command line failed validation */
	bool ended;             /* DISM: "Ending Dism.exe session" seen */
	struct sxs_cbs_line origin;        /* first record of the operation with the result code */
	struct sxs_cbs_line *evidence;     /* failure records just before the result */
	size_t nevidence;
	char *installer;        /* advanced installer that failed, e.g. "SppInstaller" */
	uint32_t installer_hr;
	uint64_t installer_line;
	uint32_t download_hr;   /* "Session: S finalized. Download error: X" / "CheckSur: ... download Result: X" */
	uint64_t download_line;
	uint32_t addsource[8];  /* DISM: CBS AddSource failures */
	size_t naddsource;
	uint64_t summary_line;
	uint64_t boot_critical_line; /* SFC: "Cannot commit interactively ..." */
	char *subject_file;     /* a file named by the failure records (access denied, delete pending, ...) */
	/* private to session.c: first line of each code while the operation is open */
	void *priv;
};

/* Counters of a DISM/CheckSUR summary block; -1 when the line was absent. */
struct sxs_cbs_summary {
	uint64_t line;                /* "Summary:" */
	char *operation;              /* "Detect and Repair", "Detect only" */
	bool has_result;
	uint32_t result;
	uint64_t result_line;         /* "Operation result:" */
	char *last_successful_step;
	int64_t total_detected, cbs_manifest, cbs_metadata, csi_manifest, csi_metadata, csi_payload;
	int64_t total_repaired, cbs_manifest_repaired, csi_manifest_repaired, csi_payload_repaired;
	int csi_store_metadata_refreshed; /* 1 True, 0 False, -1 absent */
	/* 24H2 and later: "CSI FileFlags Corrupt:", "CSI FileFlags Repaired:", "CSI Registry Metadata refreshed:" */
	int64_t csi_fileflags, csi_fileflags_repaired;
	int csi_registry_metadata_refreshed;
	int64_t cbs_staged_packages, cbs_staged_packages_removed;
	int64_t total_operation_time_s;
	bool complete;                /* ended with Total Operation Time */
};

struct sxs_cbs_pline {
	uint64_t line;
	char *type;    /* "CSI Payload Corrupt", "CBS Catalog Corrupt", ... */
	char **flags;  /* "(w)", "(Fixed)", "(n)", "(b)" ... */
	size_t nflags;
	char *item;    /* keyform\file or a package name */
	bool fix;      /* CheckSUR "(fix)" line */
};

enum sxs_cbs_where { SXS_CBS_STORE, SXS_CBS_PROJECTED };

struct sxs_cbs_corrupt {
	enum sxs_cbs_where where;
	char *type;       /* (p) type, or "SFC cannot repair" */
	char *keyform;    /* store items from (p) lines */
	char *file;       /* relative to the component folder (may hold f\, r\, CBS\ ...) */
	char *package;    /* CBS MUM/catalog items */
	char *component, *version, *arch; /* SFC items (identity, no key form) */
	char *path;       /* projected items: the path as the log printed it */
	bool repaired;
	const char *repaired_from; /* "windows-update", "local-source", "store", or NULL */
	char **flags;
	size_t nflags;
	uint64_t line;
};

struct sxs_cbs_item {
	char *component, *version, *arch, *file;
	uint64_t line;
};

struct sxs_cbs_sfc {
	uint64_t start_line, end_line;
	uint64_t components_verified;
	uint32_t *repairing;   /* N of every "[SR] Repairing N components" */
	size_t nrepairing;
	struct sxs_cbs_item *cannot_repair;
	size_t ncannot_repair;
	char **repaired_backup, **repaired_projected, **could_not_reproject;
	size_t nrepaired_backup, nrepaired_projected, ncould_not_reproject;
	/* SFC's driver pass (DEPLOY "[Pnp] Corrupt file: P", "[Pnp] Repaired file: P",
	   "[Pnp] Failed repairing file: P:"): driver files outside WinSxS, restored from
	   the driver store; /verifyonly reports them corrupt and repairs nothing */
	char **pnp_corrupt, **pnp_repaired, **pnp_failed;
	size_t npnp_corrupt, npnp_repaired, npnp_failed;
	uint64_t boot_critical_line;
	bool completed;
};

struct sxs_cbs_hydration {
	char *component, *version, *arch, *file;
	uint32_t ntstatus;
	char *delta_type;  /* "Reverse Delta", "Forward Delta", "1" ... */
	uint64_t line;
};

struct sxs_cbs_build_evidence {
	uint64_t line;
	const char *what;  /* "servicing stack", "build", "wcp.dll", "WcpVersion", "target image", "host" */
	char *value;
};

struct sxs_cbs_decisive {
	uint32_t code;
	char *name;               /* as Windows printed it, else from the table, else NULL */
	const char *name_source;  /* "log" or the table's source key */
	uint64_t line;            /* origin line */
	char *text;
	unsigned count;           /* operations (or DISM commands) it decided */
	const char *role;         /* "result", "origin", "installer", "addsource", "hydration" */
};

struct sxs_cbs_kind_entry {
	enum sxs_cbs_kind kind;
	bool active;              /* still a problem at the end of the log */
	uint64_t line;            /* first evidence line */
	char *subject;            /* package, KB, file or component it is about */
};

struct sxs_cbs_remedy {
	enum sxs_cbs_kind kind;
	char *text;               /* the admin's remedy, naming package/KB/file */
	const char *next_step;    /* sxscheck's own next step, or NULL */
	const char *source;       /* where the remedy comes from (cbslog.md §14 key) */
};

struct sxs_cbs_benign {
	uint32_t code;
	unsigned count;
};

struct sxs_cbs_log {
	char *name;               /* display name of the file */
	char *member;             /* file inside a cab, or NULL */
	const char *file_kind;    /* "cbs", "dism", "sfc-extract", "panther", "checksur" */
	int err;                  /* non-zero: could not be read (error says why) */
	char *error;
	struct sxs_cbslog_stats stats;

	char *build;              /* "10.0.19041", or NULL */
	char *build_full;         /* with UBR when a line gave it, or NULL */
	struct sxs_cbs_build_evidence *build_ev;
	size_t nbuild_ev;

	struct sxs_cbs_op *ops;
	size_t nops;
	uint64_t ops_dropped;
	uint64_t sessions_initialized;
	uint64_t dismapi_sessions;
	uint64_t ti_starts;
	uint64_t crash_marker_line; /* "TI: It looks like TI crashed or was interrupted" */
	char *missing_package;    /* 0x800f0831: the package whose manifest is missing */
	bool checksur_text;       /* the CheckSUR banner in untimestamped text */

	struct sxs_cbs_summary *summaries;
	size_t nsummaries;
	struct sxs_cbs_pline *plines;
	size_t nplines;
	struct sxs_cbs_corrupt *corrupt;
	size_t ncorrupt;
	struct sxs_cbs_sfc *sfc;
	size_t nsfc;
	struct sxs_cbs_hydration *hydration;
	size_t nhydration;

	/* triage */
	enum sxs_cbs_outcome outcome;
	struct sxs_cbs_kind_entry *kinds; /* primary first */
	size_t nkinds;
	struct sxs_cbs_decisive *decisive;
	size_t ndecisive;
	char **failing_packages, **kbs;
	size_t nfailing_packages, nkbs;
	struct sxs_cbs_remedy *remedies;
	size_t nremedies;
	struct sxs_cbs_benign *benign;
	size_t nbenign;
	size_t last_failure;      /* index into ops of the last failed operation, or (size_t)-1 */

	/* names printed in the log, by code (private to session.c/triage.c) */
	void *names;
};

/* ---- log.c: reading ---- */

/* Limits on what a cab may expand to (a CbsPersist cab holds one 19-23 MB log). */
#define SXS_MAX_CAB_MEMBERS 64
#define SXS_MAX_CAB_OUTPUT ((uint64_t)4 << 30)

/*
 * Read one file from an open fd (regular file, read-only): a plain log, or
 * a cabinet ("MSCF") whose members are each one log.  *logs_ret gets one
 * sxs_cbs_log per log (a cab's members in order); a file that cannot be
 * read at all still gives one log whose err/error say why.  Returns 0 or
 * -SXS_ENOMEM.  `name` is the display name.
 */
int sxs_cbs_read_fd(int fd, const char *name, struct sxs_cbs_log ***logs_ret, size_t *n_ret);
/* The same from memory (fuzzing, tests). */
int sxs_cbs_read_mem(const void *data, size_t len, const char *name, struct sxs_cbs_log ***logs_ret,
                     size_t *n_ret);
void sxs_cbs_log_free(struct sxs_cbs_log *log);
void sxs_cbs_logs_free(struct sxs_cbs_log **logs, size_t n);

/*
 * Is `name` a servicing log sxscheck reads from a directory (CBS.log,
 * CbsPersist_*.log|.cab, CBS.persist.log, CheckSUR*.log, dism*.log,
 * sfcdetails*.txt; any case)?  A directory's files are read in chain
 * order (sxs_cbs_chain_cmp): the CBS chain (CbsPersist_* by the rotation
 * time in their names, then CBS.persist.log, then CBS.log), then CheckSUR,
 * then dism.log, then SFC extracts.
 */
bool sxs_cbs_is_log_name(const char *name);
int sxs_cbs_chain_cmp(const char *a, const char *b);

/* ---- session.c: analysis (used by log.c and cab.c) ---- */

struct sxs_cbs_analyzer;
int sxs_cbs_analyzer_new(struct sxs_cbs_log *log, struct sxs_cbs_analyzer **ret);
/* The record callback (ctx = the analyzer). */
int sxs_cbs_analyzer_record(void *ctx, const struct sxs_cbslog_record *rec);
/* End of input: close what is open, then triage. */
int sxs_cbs_analyzer_finish(struct sxs_cbs_analyzer *an, const struct sxs_cbslog_stats *st);
void sxs_cbs_analyzer_free(struct sxs_cbs_analyzer *an);

/* Analyse a stream: reader + analyzer in one (plain logs and cab members). */
struct sxs_cbs_stream;
int sxs_cbs_stream_new(struct sxs_cbs_log *log, struct sxs_cbs_stream **ret);
int sxs_cbs_stream_feed(struct sxs_cbs_stream *s, const void *data, size_t len);
/* 0, or the error that stopped the stream (log->err/error are set) */
int sxs_cbs_stream_end(struct sxs_cbs_stream *s);
void sxs_cbs_stream_free(struct sxs_cbs_stream *s);

/* ---- triage.c ---- */

int sxs_cbs_triage(struct sxs_cbs_log *log);
const char *sxs_cbs_outcome_name(enum sxs_cbs_outcome o);
const char *sxs_cbs_op_type_name(const struct sxs_cbs_op *op);
/* The primary kind (kinds[0]) or -1 when there is none. */
int sxs_cbs_primary_kind(const struct sxs_cbs_log *log);
/* The name the log printed for code, else NULL. */
const char *sxs_cbs_printed_name(const struct sxs_cbs_log *log, uint32_t code);
/* A failure HRESULT (not S_OK, not a success code such as ERROR_SUCCESS_REBOOT_REQUIRED). */
bool sxs_cbs_is_failure(uint32_t code);

/* ---- tables.c ---- */

struct sxs_hresult_info {
	uint32_t code;
	const char *name;
	const char *source; /* key of cbslog.md §14 / a header */
};
/* The table entry for code, or NULL. */
const struct sxs_hresult_info *sxs_hresult_lookup(uint32_t code);
/* Code of a symbolic Win32 error (ERROR_INVALID_DATA) or NTSTATUS (STATUS_DELETE_PENDING) name. */
bool sxs_hresult_by_name(const char *name, size_t len, uint32_t *code_ret);

struct sxs_cbs_kind_info {
	const char *id;       /* "payload-corrupt" ... */
	const char *doc;      /* one line */
	const char *remedy;   /* template: %s = subject (package, KB, file) or "" */
	const char *next_step;
	const char *source;
};
const struct sxs_cbs_kind_info *sxs_cbs_kind_info(enum sxs_cbs_kind kind);
int sxs_cbs_kind_lookup(const char *id);
/* "Windows 10 1809 / Server 2019" for "10.0.17763", or NULL. */
const char *sxs_cbs_release_label(const char *build);
/* Kind a failure code points at, or -1. */
int sxs_cbs_kind_of_code(uint32_t code);
/* Is this record a known harmless line (cbslog.md §8.1) for code? */
bool sxs_cbs_is_noise(const char *msg, size_t len, uint32_t code);

#endif
