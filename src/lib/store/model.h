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
	SXS_PAYLOAD_MISSING,     /* no folder or no file */
	SXS_PAYLOAD_UNREADABLE,  /* open/read error, not a regular file */
	SXS_PAYLOAD_LINK,        /* a symbolic link: not followed */
	SXS_PAYLOAD_UNSAFE,      /* name would leave the folder: not opened */
	SXS_PAYLOAD_SYSTEMDATA,  /* writeableType="systemData": not compared */
	SXS_PAYLOAD_NODIGEST,    /* no digest in the manifest: hashed, not compared */
	SXS_PAYLOAD_UNVERIFIABLE /* unsupported transform / container */
};

struct sxs_payload {
	char *name;                   /* from the manifest */
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

/* A PSFX delta file in the component's f/, r/ or n/ folder. */
struct sxs_delta_file {
	char *path;  /* "r\ci.dll" */
	int err;     /* CRC-32 prefix and header tier: 0 ok, else -SXS_E* */
	char *detail;
	/* issue 14: the delta tier (store/psfx.c) */
	char *ondisk;                  /* "r/kernel32.dll" below the component folder, as on disk */
	char kind;                     /* 'f', 'r' or 'n' (from the path) */
	bool have_header;              /* the header parsed (err == 0) */
	bool is_reverse;               /* FileTypeSet & 0x100 */
	uint64_t file_type, flags, target_size, hash_alg_id;
	uint8_t target_hash[32];
	size_t target_hash_len;
	size_t owner;                  /* index of the payload it belongs to, or SIZE_MAX */
	enum sxs_psfx_verdict verdict;
	char *vdetail;                 /* why (FAILED, UNVERIFIABLE, OTHER_VERSION, DECODED) */
};

/* The differential is damaged as far as sxscheck can prove (CRC, header or a hash). */
static inline bool sxs_delta_damaged(const struct sxs_delta_file *d)
{
	return d->err != 0 || d->verdict == SXS_DV_FAILED || d->verdict == SXS_DV_OTHER_VERSION;
}

const char *sxs_psfx_verdict_name(enum sxs_psfx_verdict v);

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
};

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

struct sxs_model {
	char *image;              /* root path as given (or the reference's name) */
	char *build;              /* "10.0.17763.1613" from SOFTWARE CurrentVersion, or NULL */
	char *product;            /* ProductName, or NULL */
	struct sxs_component *comps; /* sorted by keyform */
	size_t ncomps;
	struct sxs_map by_keyform; /* keyform -> struct sxs_component * (case-folded) */
	struct sxs_winner_family *families; /* sorted by key */
	size_t nfamilies;

	bool have_components_hive, have_software_hive;
	bool components_dirty, software_dirty;
	bool pending_xml, pending_hive;
	char *components_problem, *software_problem; /* why a hive was not read */
	bool components_unreadable, software_unreadable; /* present but not a hive */
	char *base_manifest_source;  /* where the DCM base came from */
	bool base_manifest_known;    /* SHA-256 matched the known base */
	bool payloads_checked;
	bool deltas_applied;          /* the delta tier ran (--deltas=full) */

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
	const char *base_manifest_path; /* DCM base override, or NULL */
	void (*progress)(void *ctx, const struct sxs_progress *p);
	void *progress_ctx;
};

void sxs_model_init(struct sxs_model *m);
void sxs_model_release(struct sxs_model *m);
/* Index comps by keyform after filling comps (sorts them). */
int sxs_model_index(struct sxs_model *m);
struct sxs_component *sxs_model_find(const struct sxs_model *m, const char *keyform);
struct sxs_winner_family *sxs_model_family(const struct sxs_model *m, const char *key);
void sxs_component_release(struct sxs_component *c);
void sxs_family_release(struct sxs_winner_family *f);

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

#endif
