/* SPDX-License-Identifier: MIT */
#ifndef SXS_STORE_MODEL_H
#define SXS_STORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "digest/digest.h"
#include "manifest/identity.h"
#include "pa30/pa30.h"
#include "store/power.h"
#include "store/store.h"
#include "util/map.h"
#include "util/status.h"

/*
 * What sxscheck learned about one image: its components (one per manifest
 * file), their payloads with the hashes found on disk, and the registry
 * view (COMPONENTS and SideBySide\Winners).  Built by sxs_model_load from
 * a mounted image or by the reference reader from a snapshot; checked by
 * check/, diffed by compare, written by snapshot.
 */

enum sxs_payload_state {
	SXS_PAYLOAD_UNCHECKED,   /* --no-payload, or not yet hashed */
	SXS_PAYLOAD_OK,
	SXS_PAYLOAD_MISMATCH,
	SXS_PAYLOAD_MISSING,     /* no file of that name in the component folder, or no folder:
	                            a fact, not a verdict (forms and liveness decide, check/) */
	SXS_PAYLOAD_UNREADABLE,  /* open/read error, not a regular file */
	SXS_PAYLOAD_LINK,        /* a symbolic link: not followed */
	SXS_PAYLOAD_UNSAFE,      /* name would leave the folder: not opened */
	SXS_PAYLOAD_SYSTEMDATA,  /* writeableType="systemData": not compared */
	SXS_PAYLOAD_NODIGEST,    /* no digest in the manifest: hashed, not compared */
	SXS_PAYLOAD_UNVERIFIABLE /* unsupported transform / container */
};

/*
 * The forms in which a payload file was found on disk (facts; store/forms.c).
 * check/ decides from them, the COMPONENTS flags and liveness whether an
 * absent full file is a problem (calibration.md §6).
 */
enum {
	SXS_FORM_FULL = 1u << 0,      /* WinSxS\<kf>\<file> exists (any content) */
	SXS_FORM_CONTAINER = 1u << 1, /* ... and its content is a DC? container (.container) */
	SXS_FORM_REPARSE = 1u << 2,   /* ... and it is a reparse point (.reparse_tag) */
	SXS_FORM_F = 1u << 3,         /* WinSxS\<kf>\f\<file> */
	SXS_FORM_R = 1u << 4,
	SXS_FORM_N = 1u << 5,
	SXS_FORM_LCU_F = 1u << 6,     /* servicing\LCU\<any package>\<kf>\f\<file> */
	SXS_FORM_LCU_R = 1u << 7,
	SXS_FORM_LCU_N = 1u << 8,
};
#define SXS_FORM_LOCAL_DELTAS (SXS_FORM_F | SXS_FORM_R | SXS_FORM_N)
#define SXS_FORM_LCU_DELTAS (SXS_FORM_LCU_F | SXS_FORM_LCU_R | SXS_FORM_LCU_N)
#define SXS_FORM_DELTAS (SXS_FORM_LOCAL_DELTAS | SXS_FORM_LCU_DELTAS)
#define SXS_REPARSE_TAG_WOF 0x80000017u /* IO_REPARSE_TAG_WOF (CompactOS) */

struct sxs_payload {
	char *name;                   /* from the manifest */
	unsigned forms;               /* SXS_FORM_* found on disk */
	enum sxs_container container; /* with SXS_FORM_CONTAINER */
	uint32_t reparse_tag;         /* with SXS_FORM_REPARSE; 0 = tag unknown */
	bool has_fflag;               /* COMPONENTS f!<file> value, as read */
	uint32_t fflag;
	char *ondisk;                 /* as spelled on disk, NULL when missing */
	enum sxs_digest_alg alg;      /* manifest digest algorithm, NONE if none */
	uint8_t expected[SXS_DIGEST_MAX];
	uint8_t actual[SXS_DIGEST_MAX]; /* same algorithm (SHA-256 when NONE) */
	size_t digest_len;
	uint64_t size;
	ino_t ino;
	enum sxs_payload_state state;
	int err;                      /* -SXS_E* for UNREADABLE */
	char *detail;                 /* reason for UNREADABLE/UNVERIFIABLE */
};

enum sxs_manifest_state {
	SXS_MANIFEST_OK,
	SXS_MANIFEST_UNREADABLE,   /* read/decode/parse failed: detail says why */
	SXS_MANIFEST_UNSUPPORTED,  /* container we cannot decode */
	SXS_MANIFEST_ABSENT,       /* known from COMPONENTS or a reference only */
	SXS_MANIFEST_LINK,
	SXS_MANIFEST_UNSAFE,
};

/*
 * What applying a differential showed (issue 14, psfx.md §2.4; set by
 * store/psfx.c in the hash workers, judged by check/deltas.c).
 */
enum sxs_psfx_verdict {
	SXS_DV_UNCHECKED,     /* --deltas=crc, --no-payload, or the CRC/header tier failed */
	SXS_DV_OK,            /* applied, and a hash proved the result */
	SXS_DV_DECODED,       /* applied, nothing to compare it with (no TargetHash, no f\) */
	SXS_DV_FAILED,        /* applied to the end and a hash (or the bytes) did not match */
	SXS_DV_OTHER_VERSION, /* f\ TargetHash differs from the manifest's digest of the file */
	SXS_DV_UNVERIFIABLE,  /* decoder limit, unsupported type or flags, cap, unusable base */
};

/*
 * A PSFX delta file in the component's f/, r/ or n/ folder, or in
 * servicing\LCU\<package>\<kf>\{f,r,n} (lcu = that package folder's name).
 */
struct sxs_delta_file {
	char *path;  /* "r\\ci.dll" */
	char *lcu;   /* NULL: in WinSxS\<kf>; else the servicing\LCU child it is in */
	int err;     /* CRC-32 prefix and header tier: 0 ok, else -SXS_E* */
	char *detail;
	/* issue 14: the delta tier (store/psfx.c) */
	char *ondisk;                  /* as on disk: "r/kernel32.dll" below the component folder,
	                                  or (lcu) "servicing/LCU/<pkg>/<kf>/r/kernel32.dll"
	                                  below the Windows folder */
	char kind;                     /* 'f', 'r' or 'n' (from the path) */
	bool have_header;              /* the header parsed (err == 0) */
	bool is_reverse;               /* FileTypeSet & 0x100 */
	uint64_t file_type, flags, target_size, hash_alg_id;
	uint8_t target_hash[32];
	size_t target_hash_len;
	size_t owner;                  /* index of the payload it belongs to, or SIZE_MAX */
	enum sxs_psfx_verdict verdict;
	char *vdetail;                 /* why (FAILED, UNVERIFIABLE, OTHER_VERSION, DECODED) */
	/* FAILED / OTHER_VERSION: the two digests compared (lower-case hex), or NULL */
	const char *algorithm;         /* "sha256", "sha1", ... (static) */
	char *expected, *actual;
};

/* The differential is damaged as far as sxscheck can prove (CRC, header or a hash). */
static inline bool sxs_delta_damaged(const struct sxs_delta_file *d)
{
	return d->err != 0 || d->verdict == SXS_DV_FAILED || d->verdict == SXS_DV_OTHER_VERSION;
}

const char *sxs_psfx_verdict_name(enum sxs_psfx_verdict v);

/* An f!<name> value of a COMPONENTS key (name without "f!", as stored). */
struct sxs_fflag {
	char *name;
	uint32_t value;
	bool matched;  /* belongs to a <file> of the manifest */
};

/*
 * Whether a component is needed by what is installed (calibration.md §6.2):
 * LIVE: the Winners default of its family, or owned (c!) by a deployment
 * with an i! mark of an Installed (0x70) or Permanent (0x80) package;
 * DORMANT: neither (superseded, staged, disabled feature); UNKNOWN: the
 * image has no deployment data, so nothing can be said.
 */
enum sxs_liveness { SXS_LIVE_UNKNOWN, SXS_LIVE_LIVE, SXS_LIVE_DORMANT };
enum {
	SXS_LIVE_WHY_WINNER = 1u << 0,     /* Winners band default = its version */
	SXS_LIVE_WHY_DEPLOYMENT = 1u << 1, /* c! -> deployment with i! of an installed package */
	SXS_LIVE_WHY_IS_DEPLOYMENT = 1u << 2, /* itself a deployment with such an i! mark */
	SXS_LIVE_WHY_DEPENDENCY = 1u << 3, /* install dependency of such a deployment */
};

struct sxs_component {
	char *keyform;             /* the manifest's file stem, lower-cased */
	char *manifest_ondisk;     /* file name as on disk */
	enum sxs_manifest_state mstate;
	char *mdetail;
	enum sxs_container container;
	uint8_t manifest_sha256[32];
	bool has_manifest_sha256;
	uint64_t manifest_size;    /* decoded */

	bool has_identity;
	struct sxs_identity id;
	char *canonical;           /* identity string as COMPONENTS stores it */
	char *computed_keyform;    /* key form recomputed from the identity */
	char *winners_key;         /* family (version-less) key form */
	bool is_deployment;

	char *folder;              /* WinSxS folder as on disk, NULL when absent */
	struct sxs_payload *files;
	size_t nfiles;
	struct sxs_delta_file *deltas;
	size_t ndeltas;

	/* COMPONENTS\DerivedData\Components\<keyform> */
	bool in_hive;
	bool has_s256h;
	uint8_t s256h[32];
	char *hive_identity;
	bool has_cf;               /* CF, recorded as read (meaning unknown: calibration.md §2.4) */
	uint32_t cf;
	char **clinks;             /* c!<deployment short form> value names, without "c!" */
	size_t nclinks;
	struct sxs_fflag *fflags;  /* every f! value of the key, as read */
	size_t nfflags;

	/* deployments: key forms of the dependencyType="install" identities */
	char **install_deps;
	size_t ninstall_deps;

	/* liveness (store/live.c), computed after packages are known */
	enum sxs_liveness live;
	unsigned live_why;         /* SXS_LIVE_WHY_* */
};

/*
 * SideBySide\Winners.  Every band and version string here was parsed with
 * util/version.h where it was read and is canonical (sxs_band_valid /
 * sxs_version_valid hold); names that did not parse were left out and the
 * family marked malformed.
 */
struct sxs_winner_band {
	char *band;       /* "10.0" */
	char *winner;     /* default value: full version, or NULL */
	char **versions;  /* versions listed with a 0x01 value */
	size_t nversions;
};

struct sxs_winner_family {
	char *key;        /* Winners key form as in the hive */
	char *band;       /* default value: winning band, or NULL */
	struct sxs_winner_band *bands;
	size_t nbands;
	bool malformed;
	char *malformed_detail;
};

/*
 * How a registry hive was read (issue 15, hive/replay.h).  A hive whose
 * newest changes are only in its .LOG1/.LOG2 is replayed in memory as
 * Windows would load it; only where that is impossible does the model rest
 * on the stale primary file.
 */
enum sxs_hive_read {
	SXS_HIVE_READ_CLEAN,      /* not dirty, or not read at all (see have_*_hive) */
	SXS_HIVE_READ_REPLAYED,   /* dirty, logs replayed: the model is current */
	SXS_HIVE_READ_UNREPLAYED, /* dirty, logs absent/damaged/not matching: stale */
};

struct sxs_hive_fact {
	enum sxs_hive_read read;
	char *note;          /* "replayed from COMPONENTS.LOG1 (2 entries, 5 pages) ...",
	                        "not replayed: <why>", or NULL when clean */
	char *logs;          /* REPLAYED: the logs applied, in order ("COMPONENTS.LOG1,
	                        COMPONENTS.LOG2"), else NULL */
	unsigned entries;    /* REPLAYED: new-format log entries applied (0: old format) */
	unsigned pages;      /* REPLAYED: dirty pages written */
	bool old_format;     /* REPLAYED from a Vista/7 (DIRT) log */
};

struct sxs_packages;
/* A p!/s!/i! value of a CanonicalData\Deployments key (packages.md §5.2). */
struct sxs_mark {
	char kind;          /* 'p', 's' or 'i' */
	char *value_name;   /* as stored */
	char *data;         /* the string s = "<package identity>.<update name>", or NULL */
	char *package;      /* identity part of s, or NULL when s does not parse */
	char *update;       /* update name part of s */
	bool data_ok;       /* length field and size agree; s parses */
	bool name_ok;       /* name = kind!CBS_ + lower(s)[0:60] + _ + H(s) */
	char *problem;      /* why not ok, or NULL */
};

/* A COMPONENTS\CanonicalData\Deployments key. */
struct sxs_deployment {
	char *name;         /* short form, as stored (lower-cased) */
	char *appid;        /* appid value, or NULL */
	char *thumbprint;   /* CatalogThumbprint, or NULL */
	struct sxs_mark *marks;
	size_t nmarks;
	struct sxs_component *comp; /* the deployment's own component, or NULL */
	bool installed;     /* an i! mark names an Installed/Permanent package (store/live.c) */
};

/* WinSxS\Catalogs\<name>.cat */
struct sxs_catalog;

struct sxs_catalog_file {
	char *name;         /* file name as on disk */
	uint8_t sha256[32];
	bool hashed;        /* false: unreadable (detail) */
	char *detail;
	struct sxs_catalog *cat; /* parsed (package/catalog.h), NULL when not a catalog */
};

struct sxs_model {
	char *image;              /* root path as given (or the reference's name) */
	char *build;              /* "10.0.17763.1613" from SOFTWARE CurrentVersion, or NULL */
	unsigned windows_major, windows_minor; /* 10.0, 6.1 (Windows 7); 0.0 unknown */
	char *product;            /* ProductName, or NULL */
	struct sxs_component *comps; /* sorted by keyform */
	size_t ncomps;
	struct sxs_map by_keyform; /* keyform -> struct sxs_component * (case-folded) */
	struct sxs_winner_family *families; /* sorted by key */
	size_t nfamilies;

	bool have_components_hive, have_software_hive;
	/* dirty AND not replayed: what the model says of that hive may be stale,
	 * findings resting on it are tentative (components_log.read == UNREPLAYED) */
	bool components_dirty, software_dirty;
	struct sxs_hive_fact components_log, software_log; /* how each hive was read */
	/* hiberfil.sys (store/power.c): HIBERNATED or RESUMING means the volume
	 * is older than what Windows holds in memory; repair scripts refuse */
	enum sxs_hiber_state hibernation;
	char hiber_signature[9];
	bool pending_xml, pending_hive;
	char *components_problem, *software_problem; /* why a hive was not read */
	bool components_unreadable, software_unreadable; /* present but not a hive */
	char *base_manifest_source;  /* where the DCM base came from */
	bool base_manifest_known;    /* SHA-256 matched the known base */
	bool payloads_checked;
	bool deltas_applied;          /* the delta tier ran (--deltas=full) */
	bool registry_skipped;       /* --no-registry: the hives were not read on purpose */

	/* the package (CBS) layer: store/packages.h; NULL when not loaded */
	struct sxs_packages *packages;
	/* COMPONENTS\CanonicalData (store/deploy.c) */
	bool have_deployment_data;   /* CanonicalData\Deployments exists with >= 1 key */
	struct sxs_deployment *deployments; /* sorted by name */
	size_t ndeployments;
	char **catalog_keys;         /* CanonicalData\Catalogs subkey names */
	size_t ncatalog_keys;
	struct sxs_catalog_file *catalog_files; /* WinSxS\Catalogs\*.cat */
	size_t ncatalog_files;
	bool have_catalog_dir;
	char **lcu_dirs;             /* servicing\LCU children (package folders) */
	size_t nlcu_dirs;
	char **fusion;               /* WinSxS\Fusion\<key>\<band>\<version>, as "key\band\version" */
	size_t nfusion;
	bool store_dirty;            /* COMPONENTS StoreDirty value present and non-zero */
	bool liveness_known;         /* deployments and package states were both readable */

	/* statistics */
	uint64_t files_hashed, bytes_hashed, files_total, bytes_total;
	size_t manifests_read;
	double elapsed;
};

/*
 * Progress of sxs_model_load.  The walk and the hashing overlap: until
 * manifests_done reaches manifests_total, files_total and bytes_total are
 * what the walk has found so far.
 */
struct sxs_progress {
	size_t manifests_done, manifests_total;
	uint64_t files_done, files_total;
	uint64_t bytes_done, bytes_total;
	double elapsed;
};

#define SXS_MAX_JOBS 256

/* How far PSFX differentials are checked (--deltas). */
enum sxs_delta_tier {
	SXS_DELTAS_FULL, /* CRC-32 and header, then apply them (default) */
	SXS_DELTAS_CRC,  /* CRC-32 prefix and header only */
};

/* Default cap on the declared target size of a differential (and its file). */
#define SXS_DEFAULT_DELTA_CAP ((uint64_t)256 << 20)

struct sxs_model_options {
	unsigned jobs;                  /* hash workers; 0 = online CPUs */
	enum sxs_delta_tier deltas;     /* issue 14 */
	uint64_t delta_cap;             /* 0 = SXS_DEFAULT_DELTA_CAP */
	bool no_payload;                /* manifests and registry only */
	bool no_registry;               /* files only: COMPONENTS and SOFTWARE not read */
	const char *base_manifest_path; /* DCM base override, or NULL */
	void (*progress)(void *ctx, const struct sxs_progress *p);
	void *progress_ctx;
	/* PEM roots for catalog chains (package layer), NULL = chains not checked */
	const uint8_t *catalog_roots_pem;
	size_t catalog_roots_pem_len;
};

void sxs_model_init(struct sxs_model *m);
void sxs_model_release(struct sxs_model *m);
/* Index comps by keyform after filling comps (sorts them). */
int sxs_model_index(struct sxs_model *m);
struct sxs_component *sxs_model_find(const struct sxs_model *m, const char *keyform);
struct sxs_winner_family *sxs_model_family(const struct sxs_model *m, const char *key);
void sxs_component_release(struct sxs_component *c);
void sxs_family_release(struct sxs_winner_family *f);
void sxs_hive_fact_release(struct sxs_hive_fact *f);

/*
 * Examine the image: read COMPONENTS and Winners, read and decode every
 * manifest, list component folders, and hash payloads while the walk goes
 * on (opt->jobs hash workers, reads in inode order within each window).
 * An error means the scan could not run at all; everything wrong with the
 * image is recorded in the model for check/ to report.
 */
int sxs_model_load(struct sxs_image *img, const struct sxs_model_options *opt,
                   struct sxs_model *m, struct sxs_diag *diag);

const char *sxs_payload_state_name(enum sxs_payload_state s);
const char *sxs_liveness_name(enum sxs_liveness l);
struct sxs_deployment *sxs_model_deployment(const struct sxs_model *m, const char *name);
void sxs_deployment_release(struct sxs_deployment *d);

#endif
