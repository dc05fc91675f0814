/* SPDX-License-Identifier: MIT */
#ifndef SXS_STORE_SYSTEM_H
#define SXS_STORE_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/*
 * Servicing context of an image, read for the CBS log triage (issue 13):
 *   - SYSTEM hive: file system minifilters (services with an Instances
 *     key) and Session Manager's PendingFileRenameOperations;
 *   - SOFTWARE hive: WindowsUpdate\Orchestrator\Lus
 *     installcallbacktimeoutinms, Component Based Servicing\RebootPending;
 *   - WinSxS: pending.xml, Temp\InFlight, Temp\PendingRenames,
 *     Temp\PendingDeletes.
 * Facts only; check/logs.c judges them.  A missing or unreadable hive is
 * not an error: *_problem says why it was not read.
 */

struct sxs_filter_driver {
	char *name;        /* service key name, e.g. "TmPreFlt" */
	char *altitude;    /* Instances\<DefaultInstance>\Altitude (or the first instance's) */
	char *instance;    /* the instance the altitude came from */
	char *image_path;  /* ImagePath, or NULL */
	char *group;       /* Group, or NULL */
	char *display_name;
	int64_t start;     /* Start (0 boot .. 4 disabled), -1 absent */
	int64_t type;      /* Type, -1 absent */
};

enum {
	SXS_FACTS_SYSTEM = 1,   /* minifilters, PendingFileRenameOperations */
	SXS_FACTS_SOFTWARE = 2, /* Lus timeout, RebootPending */
	SXS_FACTS_WINSXS = 4,   /* pending.xml, Temp folders */
};

struct sxs_servicing_facts {
	unsigned read;              /* SXS_FACTS_* that were attempted */
	char *system_problem, *software_problem;
	char *control_set;          /* "ControlSet001" */
	struct sxs_filter_driver *filters;
	size_t nfilters;
	long pending_file_renames;  /* entries of PendingFileRenameOperations (source/target pairs), -1 none */
	bool lus_key;               /* ...\WindowsUpdate\Orchestrator\Lus exists */
	bool lus_timeout_set;
	uint32_t lus_timeout_ms;
	bool reboot_pending;        /* Component Based Servicing\RebootPending exists */
	bool pending_xml;
	uint64_t pending_xml_size;
	long inflight, pending_renames, pending_deletes; /* entries of WinSxS\Temp\*, -1 when absent */
};

int sxs_servicing_facts_read(struct sxs_image *img, unsigned what, struct sxs_servicing_facts *ret,
                             struct sxs_diag *diag);
void sxs_servicing_facts_release(struct sxs_servicing_facts *f);

#endif
