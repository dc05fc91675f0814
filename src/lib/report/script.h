/* SPDX-License-Identifier: MIT */
#ifndef SXS_REPORT_SCRIPT_H
#define SXS_REPORT_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "check/compare.h"
#include "util/strbuf.h"

/*
 * Repair scripts: the replace plan of a comparison written as a script an
 * administrator reads, dry-runs and then runs.  sxscheck never runs them.
 * The scripts themselves are the template files repair.ps1.in and
 * repair.sh.in next to script.c (with undo.ps1.in / undo.sh.in, the undo
 * scripts they write as they go); this writer fills in the plan as data.
 *
 *   ps1  for the broken PC itself (Windows PowerShell 5.1 or later, elevated),
 *        taking the golden source (\\GOLDEN\C$\Windows\WinSxS or a copied
 *        folder) as -Source; -WhatIf is a dry run.  Written as UTF-8 with a
 *        BOM and CRLF lines, ASCII after the BOM (names outside ASCII as
 *        base64), so it reads the same in any ANSI code page.
 *   sh   for the image mounted on Linux (offline repair); --dry-run is the
 *        default, --apply writes every file in place and edits the SOFTWARE
 *        hive in place after backing it up; undo.sh puts it all back.
 *
 * Both refuse to change anything while a servicing transaction is pending,
 * or when the image's build is not the plan's (--force / -Force overrides
 * the build only).  A step whose names cannot be a Windows file name
 * (control characters, invalid UTF-8, <>:"/\|?*, a trailing dot or space)
 * or whose Winners data is not a version is left out with a comment saying
 * why.
 */

enum sxs_script_kind { SXS_SCRIPT_PS1, SXS_SCRIPT_SH };

struct sxs_script_options {
	const char *generator; /* "sxscheck 0.1.0", written in the header */
};

/* Number of plan steps left out (unsafe names) in *skipped_ret (may be NULL). */
int sxs_script_write(struct sxs_strbuf *out, enum sxs_script_kind kind,
                     const struct sxs_comparison *c, const struct sxs_script_options *opt,
                     size_t *skipped_ret);

/* True when s can be emitted in a script as (part of) a Windows path. */
bool sxs_script_name_ok(const char *s);

/* Append s as a PowerShell single-quoted literal. */
void sxs_script_ps_quote(struct sxs_strbuf *out, const char *s);
/*
 * Append s as a PowerShell expression that is pure ASCII: a single-quoted
 * literal when s is printable ASCII, else (ConvertFrom-SxsBase64 '...') of
 * its UTF-8 bytes (a function the repair script defines).
 */
void sxs_script_ps_name(struct sxs_strbuf *out, const char *s);
/* Append s as a POSIX sh single-quoted word. */
void sxs_script_sh_quote(struct sxs_strbuf *out, const char *s);

#endif
