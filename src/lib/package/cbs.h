/* SPDX-License-Identifier: MIT */
#ifndef SXS_PACKAGE_CBS_H
#define SXS_PACKAGE_CBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/map.h"
#include "util/status.h"

/*
 * The CBS registry model (packages.md §4): SOFTWARE\Microsoft\Windows\
 * CurrentVersion\Component Based Servicing, read through hive/ (which owns
 * hivex).  Facts only, copied out while the hive is open.
 */
#define SXS_CBS_PATH "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing"
#define SXS_MAX_CBS_PACKAGES (1u << 20)

/* CurrentState codes (packages.md §4.2: TIP, Winter's CbsState). */
enum sxs_cbs_state {
	SXS_CBS_ABSENT = 0x0,
	SXS_CBS_UNINSTALL_PENDING = 0x5,
	SXS_CBS_RESOLVING = 0x10,
	SXS_CBS_RESOLVED = 0x20,
	SXS_CBS_STAGING = 0x30,
	SXS_CBS_STAGED = 0x40,
	SXS_CBS_SUPERSEDED = 0x50,
	SXS_CBS_INSTALL_PENDING = 0x60,
	SXS_CBS_PARTIALLY_INSTALLED = 0x65,
	SXS_CBS_INSTALLED = 0x70,
	SXS_CBS_PERMANENT = 0x80,
	/* the API's "… but broken" codes as a DWORD */
	SXS_CBS_RESOLVED_INVALID = 0xFFFFFFE0u,   /* -32 */
	SXS_CBS_STAGED_INVALID = 0xFFFFFFC0u,     /* -64 */
	SXS_CBS_INSTALLED_INVALID = 0xFFFFFF90u,  /* -112 */
	SXS_CBS_PERMANENT_INVALID = 0xFFFFFF80u,  /* -128 */
};

enum sxs_cbs_state_class {
	SXS_CBS_STATE_KNOWN,   /* one of the codes of §4.2 */
	SXS_CBS_STATE_BROKEN,  /* one of the four negative "Invalid" codes */
	SXS_CBS_STATE_UNKNOWN, /* anything else (0xFFFFFFFF included: no source names it) */
};

/* "Installed", "Install Pending", ... (TIP's names); NULL for an unknown code. */
const char *sxs_cbs_state_name(uint32_t state);
enum sxs_cbs_state_class sxs_cbs_state_class(uint32_t state);
/* Installed (0x70) or Permanent (0x80). */
bool sxs_cbs_state_installed(uint32_t state);

/* One Packages\<identity> key. */
struct sxs_cbs_package {
	char *name;              /* key name as in the hive */
	bool has_state;
	uint32_t state;          /* CurrentState */
	char *install_name;      /* InstallName, or NULL */
	char *install_client;    /* InstallClient, or NULL */
	char *install_location;  /* InstallLocation, or NULL */
	bool has_visibility;
	uint32_t visibility;     /* 1 visible, 2 hidden */
	bool has_defvis;         /* DefVis: written by unhide tools, not by Windows */
	bool has_install_time;
	uint64_t install_time;   /* FILETIME from InstallTimeHigh/Low */
	bool has_owners;         /* an Owners subkey exists */
	size_t nowners;          /* its values */
	bool owned_by_self;      /* one of them names the package itself */
	bool state_unreadable;   /* CurrentState present but not a DWORD */
};

struct sxs_cbs {
	bool present;            /* the Component Based Servicing key exists */
	bool have_packages;      /* ...and its Packages subkey */
	struct sxs_cbs_package *packages; /* sorted by name (ASCII case-insensitive) */
	size_t npackages;
	struct sxs_map by_name;  /* folded name -> struct sxs_cbs_package * */

	char **pending;          /* PackagesPending\<identity> subkeys */
	size_t npending;
	bool reboot_pending;     /* RebootPending key */
	bool reboot_in_progress; /* RebootInProgress key */
	bool has_sessions_pending;
	bool has_exclusive;
	uint32_t exclusive;      /* SessionsPending\Exclusive */
	bool has_total_phases;
	uint32_t total_phases;   /* SessionsPending\TotalSessionPhases */

	bool has_version_key;    /* Version */
	char **version_names;    /* its value names (servicing stack versions) */
	char **version_paths;    /* their data (%SystemRoot%\WinSxS\<keyform>), NULL if not a string */
	size_t nversions;

	char *poqexec_cmdline;   /* SideBySide\Configuration\PoqexecCmdline (first string), or NULL */
	char *problem;           /* why (part of) the key could not be read, or NULL */
};

struct sxs_hive;

void sxs_cbs_init(struct sxs_cbs *c);
void sxs_cbs_release(struct sxs_cbs *c);
/*
 * Read the CBS key from an open SOFTWARE hive.  Absent keys are facts
 * (present/have_packages false), a damaged key is recorded in ->problem;
 * the only errors are -SXS_ENOMEM and -SXS_ELIMIT.
 */
int sxs_cbs_read(struct sxs_hive *software, struct sxs_cbs *ret);
const struct sxs_cbs_package *sxs_cbs_find(const struct sxs_cbs *c, const char *name);

#endif
