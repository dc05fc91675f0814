/* SPDX-License-Identifier: MIT */
#ifndef SXS_CHECK_COMPARE_H
#define SXS_CHECK_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check/findings.h"
#include "digest/digest.h"
#include "store/model.h"
#include "util/version.h"

/*
 * Golden-PC comparison: diff the model of a broken image against the model
 * of a healthy one (a live image or a reference file, see report/reference.h)
 * and derive a replace plan.
 *
 * The plan only ever proposes to copy what the golden side holds in a
 * verified healthy state (payload hashes match its own manifests, manifest
 * matches its own S256H); anything else that differs and that the plan
 * cannot repair goes to the "unfixable" list with the exact key form or
 * version that would be needed.
 */

enum sxs_diff_kind {
	SXS_DIFF_BUILD,                /* the two sides run different builds */
	SXS_DIFF_WINNER,               /* band or winning version differs */
	SXS_DIFF_WINNERS_KEY_MISSING,  /* Winners key only on the golden side */
	SXS_DIFF_WINNERS_VERSION,      /* a version value listed only on the golden side */
	SXS_DIFF_VERSION_MISSING,      /* version installed on the golden side only */
	SXS_DIFF_VERSION_EXTRA,        /* version installed on this side only */
	SXS_DIFF_MANIFEST,             /* manifest differs or is missing/unreadable here */
	SXS_DIFF_REGISTRY,             /* COMPONENTS key or S256H differs */
	SXS_DIFF_PAYLOAD,              /* payload hash differs from the golden copy */
	SXS_DIFF_PAYLOAD_MISSING,      /* payload missing here */
	SXS_DIFF_GOLDEN_UNHEALTHY,     /* the golden side's own copy is damaged */
	SXS_DIFF_BUILD_UNKNOWN,        /* a side's build could not be read (not "different") */
	SXS_DIFF_PACKAGE,              /* a package's .mum/.cat pair is missing or damaged here */
	SXS_DIFF_COUNT
};

/* Stable kebab-case name ("payload-differs"). */
const char *sxs_diff_kind_name(enum sxs_diff_kind k);

struct sxs_diff {
	enum sxs_diff_kind kind;
	enum sxs_severity severity;
	char *component;    /* full key form, or NULL */
	char *file;         /* payload name, or NULL */
	char *winners_key;  /* family, or NULL */
	char *message;      /* one line, lower case */
	char *here;         /* value on the compared image (hex digest, version...), or NULL */
	char *golden;       /* value on the golden side, or NULL */
};

enum sxs_action_kind {
	SXS_ACT_RESTORE_MANIFEST,    /* copy WinSxS\Manifests\<kf>.manifest */
	SXS_ACT_REPLACE_FOLDER,      /* copy WinSxS\<kf>\ */
	SXS_ACT_CREATE_WINNERS_KEY,  /* Winners\<key>: default band, band winner, versions */
	SXS_ACT_SET_WINNER,          /* Winners\<key>: default band and band winner */
	SXS_ACT_ADD_WINNERS_VERSION, /* Winners\<key>\<band>: "<version>" = 01 */
	SXS_ACT_RESTORE_PACKAGE,     /* copy servicing\Packages\<package>.mum and .cat */
	SXS_ACT_COUNT
};

/* Stable kebab-case name ("replace-folder"). */
const char *sxs_action_kind_name(enum sxs_action_kind k);

/* One payload of a folder to replace, as the golden side has it. */
struct sxs_plan_file {
	char *name;
	enum sxs_digest_alg alg;    /* algorithm of hex (the manifest's, SHA-256 when none) */
	char hex[2 * SXS_DIGEST_MAX + 1];
	uint64_t size;
	bool differs;               /* differs from (or is missing on) this side */
	bool keep;                  /* writeableType="systemData": never copied over */
	bool delta;                 /* a PSFX differential "r/name" (f/, r/, n/): no digest in
	                               the manifest, the copy is checked against the golden file */
	char *lcu;                  /* a differential in servicing\LCU\<lcu>\<kf>\ instead of the
	                               component folder (sxs_delta_file.lcu), or NULL */
};

struct sxs_action {
	enum sxs_action_kind kind;
	char *component;            /* key form (manifest, folder), or NULL */
	char *winners_key;          /* family (Winners actions), or NULL */
	char *reason;               /* one line */
	/* SXS_ACT_REPLACE_FOLDER */
	struct sxs_plan_file *files;
	size_t nfiles;
	bool folder_exists;         /* the folder is present on this side */
	/* SXS_ACT_RESTORE_MANIFEST */
	uint8_t manifest_sha256[32]; /* of the decoded manifest the copy must hold */
	bool manifest_exists;       /* a manifest file is present on this side */
	/*
	 * Winners actions.  Bands and versions are parsed values (util/version.h),
	 * never text from the image: a script formats them itself.
	 */
	struct sxs_version band;    /* band subkey written */
	struct sxs_version winner;  /* band default (winning version) written */
	bool set_default_band;      /* also set Winners\<key> (default) = band */
	bool band_exists;           /* the band subkey exists on this side */
	struct sxs_version *versions; /* version values to add (0x01) */
	size_t nversions;
	struct sxs_version *keep_versions; /* version values already there (kept) */
	size_t nkeep_versions;
	/* SXS_ACT_RESTORE_PACKAGE: the golden pair, verified (catalog signature, .mum a member) */
	char *package;              /* package identity = the files' base name */
	uint8_t mum_sha256[32];     /* of the golden .mum */
	uint8_t cat_sha256[32];     /* of the golden .cat */
	bool mum_exists, cat_exists; /* present on this side */
	/* what the plan saw here (re-checked by the scripts before they write) */
	bool saw_default_band;      /* Winners\<key> had a default band */
	struct sxs_version seen_default_band;
	bool saw_winner;            /* the band subkey had a default */
	struct sxs_version seen_winner;
};

/* Something that differs and that the plan cannot repair. */
struct sxs_unfixable {
	char *component;   /* or NULL */
	char *winners_key; /* or NULL */
	char *package;     /* or NULL */
	char *needed;      /* exact key form or version that would be needed, or NULL */
	char *reason;      /* one line */
};

struct sxs_comparison {
	char *image;          /* the compared (broken) image */
	char *image_build, *image_product;
	char *golden;         /* golden image path or reference file */
	char *golden_label;   /* what the reference says it was captured from, or NULL */
	char *golden_build, *golden_product;
	bool golden_is_reference;
	bool build_mismatch;   /* both builds read, and they differ */
	bool build_unknown;    /* a side's build could not be read: nobody can say they differ */
	bool image_hibernated;  /* hiberfil.sys said hibernated or resuming (store/power.c) */

	struct sxs_diff *diffs;
	size_t ndiffs;
	struct sxs_action *actions; /* in execution order */
	size_t nactions;
	struct sxs_unfixable *unfixable;
	size_t nunfixable;
};

struct sxs_compare_options {
	const char *golden_source; /* display name of the golden side */
	bool golden_is_reference;
};

void sxs_comparison_init(struct sxs_comparison *c);
void sxs_comparison_release(struct sxs_comparison *c);

/*
 * Compare `here` (the image to repair) with `golden`.  Fills *out
 * (initialized by the caller).  Returns 0 or -SXS_ENOMEM; everything that
 * differs is data, not an error.
 */
int sxs_compare_models(const struct sxs_model *here, const struct sxs_model *golden,
                       const struct sxs_compare_options *opt, struct sxs_comparison *out);

/* Differences of severity >= warning. */
size_t sxs_comparison_count(const struct sxs_comparison *c, enum sxs_severity min);

#endif
