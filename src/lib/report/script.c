/* SPDX-License-Identifier: MIT */
#include "report/script.h"

#include <string.h>

#include "digest/digest.h"
#include "util/alloc.h"
#include "util/hex.h"
#include "util/utf8.h"

/*
 * Both writers emit fixed script text plus data.  Data from the images
 * (key forms, file names, reasons) only ever appears
 *   - inside a quoted literal (sxs_script_ps_quote / sxs_script_sh_quote),
 *     and only after sxs_script_name_ok accepted it, or
 *   - in a '#' comment line, escaped with sxs_utf8_escape_text so that it
 *     can hold no newline or control character.
 * Registry data (Winners key forms, bands, versions) is restricted to
 * [A-Za-z0-9._-] and is also quoted.
 */

#define WINNERS_PS "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\SideBySide\\Winners"
#define WINNERS_HIVE "\\Microsoft\\Windows\\CurrentVersion\\SideBySide\\Winners"

bool sxs_script_name_ok(const char *s)
{
	size_t len = s ? strlen(s) : 0;
	if (len == 0 || len > 255 || !sxs_utf8_valid(s, len))
		return false;
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || strchr("<>:\"/\\|?*", c))
			return false;
	}
	/* Windows drops a trailing dot or space: the name would not round-trip */
	return s[len - 1] != '.' && s[len - 1] != ' ';
}

/* Registry names and values we write: key forms, bands and versions. */
static bool reg_token_ok(const char *s)
{
	size_t len = s ? strlen(s) : 0;
	if (len == 0 || len > 255)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

void sxs_script_ps_quote(struct sxs_strbuf *out, const char *s)
{
	sxs_strbuf_addc(out, '\'');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		/* ' and U+2018..U+201B all end a PowerShell single-quoted string: double them */
		if (*p == '\'') {
			sxs_strbuf_adds(out, "''");
		} else if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x98 && p[2] <= 0x9b) {
			sxs_strbuf_add(out, p, 3);
			sxs_strbuf_add(out, p, 3);
			p += 2;
		} else {
			sxs_strbuf_addc(out, (char)*p);
		}
	}
	sxs_strbuf_addc(out, '\'');
}

void sxs_script_sh_quote(struct sxs_strbuf *out, const char *s)
{
	sxs_strbuf_addc(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			sxs_strbuf_adds(out, "'\\''");
		else
			sxs_strbuf_addc(out, *p);
	}
	sxs_strbuf_addc(out, '\'');
}

/* "<prefix><text>\n" as a comment line; text escaped so it stays on this line. */
static void comment(struct sxs_strbuf *out, const char *prefix, const char *text)
{
	sxs_strbuf_adds(out, prefix);
	if (text)
		sxs_utf8_escape_text(out, text, strlen(text));
	sxs_strbuf_addc(out, '\n');
}

static bool is_winners_action(enum sxs_action_kind k)
{
	return k == SXS_ACT_CREATE_WINNERS_KEY || k == SXS_ACT_SET_WINNER ||
	       k == SXS_ACT_ADD_WINNERS_VERSION;
}

/* A differential "r\\name" (or "r/name"): f, r or n, a separator, a file name. */
static bool delta_name_ok(const char *s)
{
	return (s[0] == 'f' || s[0] == 'r' || s[0] == 'n') && (s[1] == '\\' || s[1] == '/') &&
	       sxs_script_name_ok(s + 2);
}

/* Why the action cannot be written, or NULL when it can. */
static const char *action_unsafe(const struct sxs_action *a)
{
	if (is_winners_action(a->kind)) {
		if (!reg_token_ok(a->winners_key) || !reg_token_ok(a->band) ||
		    (a->winner && !reg_token_ok(a->winner)))
			return "the Winners key, band or version has characters a registry step does not accept";
		for (size_t i = 0; i < a->nversions; i++)
			if (!reg_token_ok(a->versions[i]))
				return "a version value name has unexpected characters";
		for (size_t i = 0; i < a->nkeep_versions; i++)
			if (!reg_token_ok(a->keep_versions[i]))
				return "an existing version value name has unexpected characters";
		return NULL;
	}
	if (a->kind == SXS_ACT_RESTORE_PACKAGE)
		return sxs_script_name_ok(a->package) ? NULL
		       : "the package name cannot be a Windows file name (control characters, invalid UTF-8 or <>:\"/\\|?*)";
	if (!sxs_script_name_ok(a->component))
		return "the component key form cannot be a Windows file name (control characters, invalid UTF-8 or <>:\"/\\|?*)";
	for (size_t i = 0; i < a->nfiles; i++) {
		const char *n = a->files[i].name;
		bool ok = a->files[i].delta ? delta_name_ok(n) : sxs_script_name_ok(n);
		if (!ok)
			return "a file name cannot be a Windows file name (control characters, invalid UTF-8 or <>:\"/\\|?*)";
	}
	return NULL;
}

static const char *alg_upper(enum sxs_digest_alg alg)
{
	switch (alg) {
	case SXS_DIGEST_MD5: return "MD5";
	case SXS_DIGEST_SHA1: return "SHA1";
	default: return "SHA256";
	}
}

static const char *action_title(const struct sxs_action *a)
{
	switch (a->kind) {
	case SXS_ACT_RESTORE_MANIFEST: return "restore the manifest";
	case SXS_ACT_REPLACE_FOLDER: return "replace the component folder";
	case SXS_ACT_CREATE_WINNERS_KEY: return "create the Winners key";
	case SXS_ACT_SET_WINNER: return "set the Winners band and winner";
	case SXS_ACT_ADD_WINNERS_VERSION: return "add Winners version values";
	case SXS_ACT_RESTORE_PACKAGE: return "restore the package's .mum and .cat";
	default: return "?";
	}
}

static void step_comment(struct sxs_strbuf *out, size_t step, const struct sxs_action *a,
                         const char *indent)
{
	sxs_strbuf_addf(out, "%s# Step %zu: %s ", indent, step, action_title(a));
	const char *what = a->component ? a->component : a->package ? a->package : a->winners_key;
	if (what)
		sxs_utf8_escape_text(out, what, strlen(what));
	sxs_strbuf_addc(out, '\n');
	sxs_strbuf_adds(out, indent);
	comment(out, "#   why: ", a->reason);
}

static void unfixable_comments(struct sxs_strbuf *out, const struct sxs_comparison *c)
{
	if (!c->nunfixable)
		return;
	sxs_strbuf_addf(out, "#\n# Not fixed by this script (%zu):\n", c->nunfixable);
	for (size_t i = 0; i < c->nunfixable; i++) {
		const struct sxs_unfixable *u = &c->unfixable[i];
		comment(out, "#   - ", u->component ? u->component : u->package ? u->package : u->winners_key);
		comment(out, "#     ", u->reason);
		if (u->needed)
			comment(out, "#     needed: ", u->needed);
	}
}

/* ---- PowerShell ------------------------------------------------------- */

static const char ps_head[] =
	"#Requires -Version 5.1\n"
	"#Requires -RunAsAdministrator\n"
	"<#\n"
	".SYNOPSIS\n"
	"    Repair this PC's component store (WinSxS) from a healthy golden PC.\n"
	"\n"
	".DESCRIPTION\n"
	"    Replaces damaged component folders and manifests with copies from the\n"
	"    golden source that are verified against the hashes in this plan, and\n"
	"    writes the SideBySide\\Winners values the golden PC has.  Before it\n"
	"    touches a folder, file or registry key it backs it up (with its ACL) to\n"
	"    -BackupRoot; every step is logged there (repair.log).  The Windows Update\n"
	"    services are stopped while it runs and started again afterwards.\n"
	"\n"
	"    Run it with -WhatIf first.  It asks before each step unless -Confirm:$false.\n"
	"\n"
	".PARAMETER Source\n"
	"    The golden PC's Windows\\WinSxS folder: a UNC path such as\n"
	"    \\\\GOLDEN-PC\\C$\\Windows\\WinSxS, or a copy of it.\n"
	"\n"
	".PARAMETER BackupRoot\n"
	"    Folder for backups and the log (default: $env:SystemDrive\\sxscheck-backup-<date>).\n"
	"\n"
	".PARAMETER Force\n"
	"    Run even though this PC's build differs from the build the plan was made for.\n"
	"\n"
	".EXAMPLE\n"
	"    .\\repair.ps1 -Source '\\\\GOLDEN-PC\\C$\\Windows\\WinSxS' -WhatIf\n"
	"\n"
	".NOTES\n"
	"    Afterwards run DISM /Online /Cleanup-Image /RestoreHealth and then\n"
	"    sfc /scannow; this script does not run them.\n"
	"#>\n";

static const char ps_params[] =
	"[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]\n"
	"param(\n"
	"    [Parameter(Mandatory = $true)]\n"
	"    [string] $Source,\n"
	"\n"
	"    [string] $BackupRoot = (Join-Path $env:SystemDrive ('sxscheck-backup-' + (Get-Date -Format 'yyyyMMdd-HHmmss'))),\n"
	"\n"
	"    [switch] $Force\n"
	")\n"
	"\n"
	"Set-StrictMode -Version 3.0\n"
	"$ErrorActionPreference = 'Stop'\n"
	"\n";

static const char ps_body[] =
	"# ---- fixed part ---------------------------------------------------------\n"
	"\n"
	"$WinSxS = Join-Path $env:SystemRoot 'WinSxS'\n"
	"$WinnersRoot = '" WINNERS_PS "'\n"
	"$UpdateServices = @('wuauserv', 'TrustedInstaller', 'UsoSvc', 'bits')\n"
	"# BUILTIN\\Administrators by SID, so the grant works on localized Windows too\n"
	"$AdminGrant = '*S-1-5-32-544:F'\n"
	"$Owner = 'NT SERVICE\\TrustedInstaller'\n"
	"$ScriptCmdlet = $PSCmdlet\n"
	"\n"
	"function Write-Log {\n"
	"    param([string] $Message)\n"
	"    Write-Host ('{0:yyyy-MM-dd HH:mm:ss}  {1}' -f (Get-Date), $Message)\n"
	"}\n"
	"\n"
	"# Run a native tool, log it and its output, stop on a failing exit code.\n"
	"function Invoke-Native {\n"
	"    param([string] $FilePath, [string[]] $ArgumentList, [int] $MaxExitCode = 0)\n"
	"    Write-Log ('  > {0} {1}' -f $FilePath, ($ArgumentList -join ' '))\n"
	"    $ErrorActionPreference = 'Continue'   # native stderr is not a terminating error\n"
	"    & $FilePath @ArgumentList 2>&1 | ForEach-Object { Write-Log ('    ' + $_) }\n"
	"    $code = $LASTEXITCODE\n"
	"    $ErrorActionPreference = 'Stop'\n"
	"    if ($code -gt $MaxExitCode) {\n"
	"        throw ('{0} failed with exit code {1}' -f $FilePath, $code)\n"
	"    }\n"
	"}\n"
	"\n"
	"function Test-FileHashIs {\n"
	"    param([string] $Path, [string] $Algorithm, [string] $Expected)\n"
	"    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { return $false }\n"
	"    return (Get-FileHash -LiteralPath $Path -Algorithm $Algorithm).Hash -eq $Expected\n"
	"}\n"
	"\n"
	"# Save the ACL of $Path, take ownership and grant Administrators full control.\n"
	"function Unlock-Item {\n"
	"    param([string] $Path, [string] $AclFile, [switch] $Recurse)\n"
	"    if ($Recurse) {\n"
	"        Invoke-Native icacls @($Path, '/save', $AclFile, '/T', '/C')\n"
	"        Invoke-Native takeown @('/F', $Path, '/R', '/D', 'Y')   # 'Y': answer of an English Windows\n"
	"        Invoke-Native icacls @($Path, '/grant', $AdminGrant, '/T', '/C')\n"
	"    } else {\n"
	"        Invoke-Native icacls @($Path, '/save', $AclFile, '/C')\n"
	"        Invoke-Native takeown @('/F', $Path)\n"
	"        Invoke-Native icacls @($Path, '/grant', $AdminGrant, '/C')\n"
	"    }\n"
	"}\n"
	"\n"
	"# Put the saved ACL back and give the item back to TrustedInstaller.\n"
	"function Lock-Item {\n"
	"    param([string] $Path, [string] $AclFile, [switch] $Recurse)\n"
	"    Invoke-Native icacls @((Split-Path -Parent $Path), '/restore', $AclFile, '/C')\n"
	"    if ($Recurse) {\n"
	"        Invoke-Native icacls @($Path, '/setowner', $Owner, '/T', '/C')\n"
	"    } else {\n"
	"        Invoke-Native icacls @($Path, '/setowner', $Owner, '/C')\n"
	"    }\n"
	"}\n"
	"\n"
	"function Restore-Manifest {\n"
	"    param($Step)\n"
	"    $name = $Step.Component + '.manifest'\n"
	"    $src = Join-Path (Join-Path $Source 'Manifests') $name\n"
	"    $dir = Join-Path $WinSxS 'Manifests'\n"
	"    $dst = Join-Path $dir $name\n"
	"    if (-not $ScriptCmdlet.ShouldProcess($dst, 'Restore manifest from ' + $src)) { return }\n"
	"    $acl = Join-Path $BackupRoot ('step{0}-acl.txt' -f $Step.Step)\n"
	"    $srcHash = (Get-FileHash -LiteralPath $src -Algorithm SHA256).Hash\n"
	"    $target = $dir\n"
	"    if (Test-Path -LiteralPath $dst) {\n"
	"        $target = $dst\n"
	"        $saved = Join-Path $BackupRoot 'Manifests'\n"
	"        New-Item -ItemType Directory -Force -Path $saved | Out-Null\n"
	"        Copy-Item -LiteralPath $dst -Destination $saved\n"
	"        Write-Log ('  backed up {0} to {1}' -f $dst, $saved)\n"
	"    }\n"
	"    Unlock-Item -Path $target -AclFile $acl\n"
	"    try {\n"
	"        Invoke-Native robocopy @((Split-Path -Parent $src), $dir, $name, '/COPY:DAT', '/R:1', '/W:1', '/NP') -MaxExitCode 7\n"
	"        if (-not (Test-FileHashIs $dst 'SHA256' $srcHash)) {\n"
	"            throw ('{0}: the copy differs from {1}' -f $dst, $src)\n"
	"        }\n"
	"        Write-Log ('  verified {0}' -f $dst)\n"
	"    } finally {\n"
	"        Lock-Item -Path $target -AclFile $acl\n"
	"        if ($target -ne $dst -and (Test-Path -LiteralPath $dst)) {\n"
	"            Invoke-Native icacls @($dst, '/setowner', $Owner, '/C')\n"
	"        }\n"
	"    }\n"
	"}\n"
	"\n"
	"function Restore-ComponentFolder {\n"
	"    param($Step)\n"
	"    $src = Join-Path $Source $Step.Component\n"
	"    $dst = Join-Path $WinSxS $Step.Component\n"
	"    if (-not $ScriptCmdlet.ShouldProcess($dst, 'Replace component folder from ' + $src)) { return }\n"
	"    $acl = Join-Path $BackupRoot ('step{0}-acl.txt' -f $Step.Step)\n"
	"    $existed = Test-Path -LiteralPath $dst\n"
	"    if ($existed) {\n"
	"        $saved = Join-Path (Join-Path $BackupRoot 'WinSxS') $Step.Component\n"
	"        Invoke-Native robocopy @($dst, $saved, '/E', '/COPY:DAT', '/R:1', '/W:1', '/NP') -MaxExitCode 7\n"
	"        Unlock-Item -Path $dst -AclFile $acl -Recurse\n"
	"    } else {\n"
	"        Unlock-Item -Path $WinSxS -AclFile $acl   # to create the folder\n"
	"    }\n"
	"    try {\n"
	"        $copy = @($src, $dst, '/E', '/COPY:DAT', '/R:1', '/W:1', '/NP')\n"
	"        if ($Step.Keep.Count -gt 0) { $copy += @('/XF') + $Step.Keep }   # systemData files stay as they are\n"
	"        Invoke-Native robocopy $copy -MaxExitCode 7\n"
	"        foreach ($f in $Step.Files) {\n"
	"            $path = Join-Path $dst $f.Name\n"
	"            $want = $f.Hash\n"
	"            if (-not $want) {   # a differential: must equal the golden file\n"
	"                $want = (Get-FileHash -LiteralPath (Join-Path $src $f.Name) -Algorithm SHA256).Hash\n"
	"            }\n"
	"            if (-not (Test-FileHashIs $path $f.Algorithm $want)) {\n"
	"                throw ('{0}: {1} is not {2} after the copy; the backup is in {3}' -f $path, $f.Algorithm, $want, $BackupRoot)\n"
	"            }\n"
	"            Write-Log ('  verified {0}' -f $path)\n"
	"        }\n"
	"    } finally {\n"
	"        if ($existed) {\n"
	"            Lock-Item -Path $dst -AclFile $acl -Recurse\n"
	"        } else {\n"
	"            Lock-Item -Path $WinSxS -AclFile $acl\n"
	"            if (Test-Path -LiteralPath $dst) {\n"
	"                Invoke-Native icacls @($dst, '/setowner', $Owner, '/T', '/C')\n"
	"            }\n"
	"        }\n"
	"    }\n"
	"}\n"
	"\n"
	"# servicing\\Packages of this PC and of the golden PC (the folder next to its WinSxS)\n"
	"function Restore-PackagePair {\n"
	"    param($Step)\n"
	"    $srcDir = Join-Path (Split-Path -Parent $Source.TrimEnd('\\', '/')) 'servicing\\Packages'\n"
	"    $dir = Join-Path $env:SystemRoot 'servicing\\Packages'\n"
	"    $names = @(($Step.Package + '.mum'), ($Step.Package + '.cat'))\n"
	"    $hashes = @($Step.MumHash, $Step.CatHash)\n"
	"    if (-not $ScriptCmdlet.ShouldProcess($dir, 'Restore ' + ($names -join ' and ') + ' from ' + $srcDir)) { return }\n"
	"    $acl = Join-Path $BackupRoot ('step{0}-acl.txt' -f $Step.Step)\n"
	"    $saved = Join-Path $BackupRoot 'Packages'\n"
	"    foreach ($n in $names) {\n"
	"        $dst = Join-Path $dir $n\n"
	"        if (Test-Path -LiteralPath $dst) {\n"
	"            New-Item -ItemType Directory -Force -Path $saved | Out-Null\n"
	"            Copy-Item -LiteralPath $dst -Destination $saved\n"
	"            Write-Log ('  backed up {0} to {1}' -f $dst, $saved)\n"
	"        }\n"
	"    }\n"
	"    Unlock-Item -Path $dir -AclFile $acl\n"
	"    try {\n"
	"        Invoke-Native robocopy (@($srcDir, $dir) + $names + @('/COPY:DAT', '/R:1', '/W:1', '/NP')) -MaxExitCode 7\n"
	"        for ($i = 0; $i -lt 2; $i++) {\n"
	"            $dst = Join-Path $dir $names[$i]\n"
	"            if (-not (Test-FileHashIs $dst 'SHA256' $hashes[$i])) {\n"
	"                throw ('{0}: SHA256 is not {1} after the copy; the backup is in {2}' -f $dst, $hashes[$i], $BackupRoot)\n"
	"            }\n"
	"            Write-Log ('  verified {0}' -f $dst)\n"
	"        }\n"
	"    } finally {\n"
	"        Lock-Item -Path $dir -AclFile $acl\n"
	"        foreach ($n in $names) {\n"
	"            $dst = Join-Path $dir $n\n"
	"            if (Test-Path -LiteralPath $dst) { Invoke-Native icacls @($dst, '/setowner', $Owner, '/C') }\n"
	"        }\n"
	"    }\n"
	"}\n"
	"\n"
	"function Set-Winners {\n"
	"    param($Step)\n"
	"    $key = $WinnersRoot + '\\' + $Step.Key\n"
	"    $band = $key + '\\' + $Step.Band\n"
	"    if (-not $ScriptCmdlet.ShouldProcess($key, $Step.Title)) { return }\n"
	"    if (Test-Path -LiteralPath ('Registry::' + $key)) {\n"
	"        $saved = Join-Path $BackupRoot ('step{0}-winners.reg' -f $Step.Step)\n"
	"        Invoke-Native reg @('export', $key, $saved, '/y')\n"
	"    } else {\n"
	"        Write-Log ('  {0} does not exist yet; to undo, delete it (reg delete ...  /f)' -f $key)\n"
	"    }\n"
	"    if ($Step.SetDefaultBand) {\n"
	"        Invoke-Native reg @('add', $key, '/ve', '/t', 'REG_SZ', '/d', $Step.Band, '/f')\n"
	"    }\n"
	"    if ($Step.Winner) {\n"
	"        Invoke-Native reg @('add', $band, '/ve', '/t', 'REG_SZ', '/d', $Step.Winner, '/f')\n"
	"    }\n"
	"    foreach ($v in $Step.AddVersions) {\n"
	"        Invoke-Native reg @('add', $band, '/v', $v, '/t', 'REG_BINARY', '/d', '01', '/f')\n"
	"    }\n"
	"}\n"
	"\n"
	"# ---- checks before anything is changed -----------------------------------\n"
	"\n"
	"$principal = New-Object Security.Principal.WindowsPrincipal ([Security.Principal.WindowsIdentity]::GetCurrent())\n"
	"if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {\n"
	"    throw 'Run this script from an elevated PowerShell (Run as administrator).'\n"
	"}\n"
	"$cv = Get-ItemProperty -LiteralPath 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'\n"
	"$ThisBuild = '{0}.{1}.{2}.{3}' -f $cv.CurrentMajorVersionNumber, $cv.CurrentMinorVersionNumber, $cv.CurrentBuild, $cv.UBR\n"
	"if ($ThisBuild -ne $PlanBuild) {\n"
	"    if (-not $Force) {\n"
	"        throw ('This PC is build {0}, the plan was made for build {1}. Make a new plan, or use -Force.' -f $ThisBuild, $PlanBuild)\n"
	"    }\n"
	"    Write-Warning ('This PC is build {0}, the plan was made for build {1} (-Force).' -f $ThisBuild, $PlanBuild)\n"
	"}\n"
	"if (-not (Test-Path -LiteralPath $Source -PathType Container)) {\n"
	"    throw ('{0}: not a folder (expected the golden PC''s Windows\\WinSxS)' -f $Source)\n"
	"}\n"
	"if ((Resolve-Path -LiteralPath $Source).ProviderPath.TrimEnd('\\') -eq $WinSxS) {\n"
	"    throw '-Source is this PC''s own WinSxS folder'\n"
	"}\n"
	"\n"
	"if ($WhatIfPreference) {\n"
	"    $LogFile = Join-Path $env:TEMP ('sxscheck-repair-whatif-{0:yyyyMMdd-HHmmss}.log' -f (Get-Date))\n"
	"} else {\n"
	"    New-Item -ItemType Directory -Force -Path $BackupRoot | Out-Null\n"
	"    $LogFile = Join-Path $BackupRoot 'repair.log'\n"
	"}\n"
	"Start-Transcript -LiteralPath $LogFile -WhatIf:$false -Confirm:$false | Out-Null\n"
	"Write-Log ('sxscheck repair plan: {0} step(s); source {1}; backups in {2}' -f $Plan.Count, $Source, $BackupRoot)\n"
	"\n"
	"# Every golden copy must match the plan before anything is touched.\n"
	"$bad = @()\n"
	"foreach ($step in $Plan) {\n"
	"    if ($step.Action -eq 'RestoreManifest') {\n"
	"        $m = Join-Path (Join-Path $Source 'Manifests') ($step.Component + '.manifest')\n"
	"        if (-not (Test-Path -LiteralPath $m -PathType Leaf)) { $bad += $m }\n"
	"    } elseif ($step.Action -eq 'RestorePackage') {\n"
	"        $pk = Join-Path (Split-Path -Parent $Source.TrimEnd('\\', '/')) 'servicing\\Packages'\n"
	"        $m = Join-Path $pk ($step.Package + '.mum')\n"
	"        $c = Join-Path $pk ($step.Package + '.cat')\n"
	"        if (-not (Test-FileHashIs $m 'SHA256' $step.MumHash)) { $bad += $m }\n"
	"        if (-not (Test-FileHashIs $c 'SHA256' $step.CatHash)) { $bad += $c }\n"
	"    } elseif ($step.Action -eq 'ReplaceFolder') {\n"
	"        foreach ($f in $step.Files) {\n"
	"            $p = Join-Path (Join-Path $Source $step.Component) $f.Name\n"
	"            if ($f.Hash) {\n"
	"                if (-not (Test-FileHashIs $p $f.Algorithm $f.Hash)) { $bad += $p }\n"
	"            } elseif (-not (Test-Path -LiteralPath $p -PathType Leaf)) {\n"
	"                $bad += $p\n"
	"            }\n"
	"        }\n"
	"    }\n"
	"}\n"
	"if ($bad.Count -gt 0) {\n"
	"    $bad | ForEach-Object { Write-Log ('  source missing or not as planned: ' + $_) }\n"
	"    Stop-Transcript | Out-Null\n"
	"    throw 'The golden source does not match the plan; nothing was changed.'\n"
	"}\n"
	"Write-Log 'golden source verified'\n"
	"\n"
	"# ---- the repair ------------------------------------------------------------\n"
	"\n"
	"$stopped = @()\n"
	"try {\n"
	"    foreach ($name in $UpdateServices) {\n"
	"        $svc = Get-Service -Name $name -ErrorAction SilentlyContinue\n"
	"        if ($svc -and $svc.Status -ne 'Stopped' -and $ScriptCmdlet.ShouldProcess($name, 'Stop service')) {\n"
	"            Write-Log ('stopping service {0}' -f $name)\n"
	"            Stop-Service -Name $name -Force\n"
	"            $stopped += $name\n"
	"        }\n"
	"    }\n"
	"    foreach ($step in $Plan) {\n"
	"        Write-Log ('Step {0}: {1}' -f $step.Step, $step.Title)\n"
	"        Write-Log ('  why: {0}' -f $step.Reason)\n"
	"        switch ($step.Action) {\n"
	"            'RestoreManifest' { Restore-Manifest $step }\n"
	"            'ReplaceFolder'   { Restore-ComponentFolder $step }\n"
	"            'RestorePackage'  { Restore-PackagePair $step }\n"
	"            default           { Set-Winners $step }\n"
	"        }\n"
	"    }\n"
	"    Write-Log 'All steps done.'\n"
	"    Write-Log 'Next (not run by this script): DISM /Online /Cleanup-Image /RestoreHealth, then sfc /scannow.'\n"
	"} catch {\n"
	"    Write-Log ('FAILED: {0}' -f $_)\n"
	"    Write-Log ('Backups of everything touched so far are in {0}' -f $BackupRoot)\n"
	"    throw\n"
	"} finally {\n"
	"    foreach ($name in $stopped) {\n"
	"        Write-Log ('starting service {0} again' -f $name)\n"
	"        Start-Service -Name $name -ErrorAction Continue\n"
	"    }\n"
	"    Stop-Transcript | Out-Null\n"
	"}\n";

static void ps_string_array(struct sxs_strbuf *out, char *const *v, size_t n)
{
	sxs_strbuf_adds(out, "@(");
	for (size_t i = 0; i < n; i++) {
		if (i)
			sxs_strbuf_adds(out, ", ");
		sxs_script_ps_quote(out, v[i]);
	}
	sxs_strbuf_addc(out, ')');
}

static void ps_step(struct sxs_strbuf *out, size_t step, const struct sxs_action *a)
{
	step_comment(out, step, a, "    ");
	sxs_strbuf_addf(out, "    @{\n        Step           = %zu\n", step);
	switch (a->kind) {
	case SXS_ACT_RESTORE_MANIFEST:
		sxs_strbuf_adds(out, "        Action         = 'RestoreManifest'\n");
		break;
	case SXS_ACT_REPLACE_FOLDER:
		sxs_strbuf_adds(out, "        Action         = 'ReplaceFolder'\n");
		break;
	case SXS_ACT_CREATE_WINNERS_KEY:
		sxs_strbuf_adds(out, "        Action         = 'CreateWinnersKey'\n");
		break;
	case SXS_ACT_SET_WINNER:
		sxs_strbuf_adds(out, "        Action         = 'SetWinner'\n");
		break;
	case SXS_ACT_RESTORE_PACKAGE:
		sxs_strbuf_adds(out, "        Action         = 'RestorePackage'\n");
		break;
	default:
		sxs_strbuf_adds(out, "        Action         = 'AddWinnersVersion'\n");
		break;
	}
	sxs_strbuf_addf(out, "        Title          = '%s'\n", action_title(a));
	sxs_strbuf_adds(out, "        Reason         = ");
	/* the reason is prose that can quote values from the image: escape
	 * control characters as in the text report, then quote */
	struct sxs_strbuf why = SXS_STRBUF_INIT;
	if (a->reason)
		sxs_utf8_escape_text(&why, a->reason, strlen(a->reason));
	sxs_script_ps_quote(out, sxs_strbuf_str(&why));
	if (sxs_strbuf_error(&why))
		out->oom = true;
	sxs_strbuf_release(&why);
	sxs_strbuf_addc(out, '\n');
	if (is_winners_action(a->kind)) {
		sxs_strbuf_adds(out, "        Key            = ");
		sxs_script_ps_quote(out, a->winners_key);
		sxs_strbuf_adds(out, "\n        Band           = ");
		sxs_script_ps_quote(out, a->band);
		sxs_strbuf_adds(out, "\n        SetDefaultBand = ");
		sxs_strbuf_adds(out, a->set_default_band ? "$true" : "$false");
		sxs_strbuf_adds(out, "\n        Winner         = ");
		if (a->kind != SXS_ACT_ADD_WINNERS_VERSION && a->winner)
			sxs_script_ps_quote(out, a->winner);
		else
			sxs_strbuf_adds(out, "$null");
		sxs_strbuf_adds(out, "\n        AddVersions    = ");
		ps_string_array(out, a->versions, a->nversions);
		sxs_strbuf_addc(out, '\n');
	} else if (a->kind == SXS_ACT_RESTORE_PACKAGE) {
		char mh[65], ch[65];
		sxs_hex_encode(a->mum_sha256, 32, mh);
		sxs_hex_encode(a->cat_sha256, 32, ch);
		for (char *q = mh; *q; q++)
			*q = (*q >= 'a' && *q <= 'f') ? (char)(*q - 32) : *q;
		for (char *q = ch; *q; q++)
			*q = (*q >= 'a' && *q <= 'f') ? (char)(*q - 32) : *q;
		sxs_strbuf_adds(out, "        Package        = ");
		sxs_script_ps_quote(out, a->package);
		sxs_strbuf_addf(out, "\n        MumHash        = '%s'\n        CatHash        = '%s'\n", mh, ch);
	} else {
		sxs_strbuf_adds(out, "        Component      = ");
		sxs_script_ps_quote(out, a->component);
		sxs_strbuf_addc(out, '\n');
	}
	if (a->kind == SXS_ACT_REPLACE_FOLDER) {
		sxs_strbuf_adds(out, "        Keep           = @(");
		const char *sep = "";
		for (size_t i = 0; i < a->nfiles; i++)
			if (a->files[i].keep) {
				sxs_strbuf_adds(out, sep);
				sxs_script_ps_quote(out, a->files[i].name);
				sep = ", ";
			}
		sxs_strbuf_adds(out, ")\n        Files          = @(\n");
		for (size_t i = 0; i < a->nfiles; i++) {
			const struct sxs_plan_file *f = &a->files[i];
			if (f->keep)
				continue;
			if (f->delta) {
				/* no digest in the manifest: the copy must equal the golden file */
				struct sxs_strbuf path = SXS_STRBUF_INIT;
				sxs_strbuf_addc(&path, f->name[0]);
				sxs_strbuf_addc(&path, '\\');
				sxs_strbuf_adds(&path, f->name + 2);
				sxs_strbuf_adds(out, "            @{ Name = ");
				sxs_script_ps_quote(out, sxs_strbuf_str(&path));
				sxs_strbuf_addf(out, "; Algorithm = 'SHA256'; Hash = $null }   # differential%s\n",
				                f->differs ? "; differs" : "");
				if (sxs_strbuf_error(&path))
					out->oom = true;
				sxs_strbuf_release(&path);
				continue;
			}
			char hex[sizeof(f->hex)];
			size_t n = strlen(f->hex);
			for (size_t k = 0; k <= n; k++)
				hex[k] = (f->hex[k] >= 'a' && f->hex[k] <= 'f') ? (char)(f->hex[k] - 32) : f->hex[k];
			sxs_strbuf_adds(out, "            @{ Name = ");
			sxs_script_ps_quote(out, f->name);
			sxs_strbuf_addf(out, "; Algorithm = '%s'; Hash = '%s' }%s\n", alg_upper(f->alg), hex,
			                f->differs ? "   # differs" : "");
		}
		sxs_strbuf_adds(out, "        )\n");
	}
	if (a->kind == SXS_ACT_RESTORE_MANIFEST) {
		char hex[65];
		sxs_hex_encode(a->manifest_sha256, 32, hex);
		sxs_strbuf_addf(out, "        # decoded manifest SHA-256 (S256H): %s\n", hex);
	}
	sxs_strbuf_adds(out, "    }\n");
}

static int write_ps1(struct sxs_strbuf *out, const struct sxs_comparison *c,
                     const struct sxs_script_options *opt, size_t *skipped)
{
	sxs_strbuf_adds(out, ps_head);
	sxs_strbuf_addf(out, "# Generated by %s from 'sxscheck compare'.  Read it before you run it.\n",
	                opt && opt->generator ? opt->generator : "sxscheck");
	comment(out, "# Image:  ", c->image);
	comment(out, "# Golden: ", c->golden);
	if (c->build_mismatch)
		sxs_strbuf_adds(out, "# WARNING: the two sides run different builds; see $PlanBuild below.\n");
	unfixable_comments(out, c);
	sxs_strbuf_addc(out, '\n');
	sxs_strbuf_adds(out, ps_params);
	sxs_strbuf_adds(out, "# ---- the plan (generated) -------------------------------------------------\n\n");
	sxs_strbuf_adds(out, "$PlanBuild = ");
	if (c->image_build && reg_token_ok(c->image_build))
		sxs_script_ps_quote(out, c->image_build);
	else
		sxs_strbuf_adds(out, "'unknown'");
	sxs_strbuf_adds(out, "\n$Plan = @(\n");
	for (size_t i = 0; i < c->nactions; i++) {
		const struct sxs_action *a = &c->actions[i];
		const char *why = action_unsafe(a);
		if (why) {
			(*skipped)++;
			sxs_strbuf_addf(out, "    # Step %zu (%s) left out: ", i + 1, sxs_action_kind_name(a->kind));
			sxs_strbuf_adds(out, why);
			sxs_strbuf_addc(out, '\n');
			comment(out, "    #   ", a->component ? a->component : a->winners_key);
			continue;
		}
		ps_step(out, i + 1, a);
	}
	sxs_strbuf_adds(out, ")\n\n");
	sxs_strbuf_adds(out, ps_body);
	return sxs_strbuf_error(out);
}

/* ---- POSIX sh ----------------------------------------------------------- */

static const char sh_head[] =
	"#!/bin/sh\n"
	"# Offline repair of a Windows component store (WinSxS) from a golden source.\n"
	"#\n"
	"# usage: repair.sh [--dry-run | --apply] IMAGE_ROOT GOLDEN_WINSXS\n"
	"#\n"
	"#   IMAGE_ROOT     root of the mounted Windows volume to repair (it holds Windows/);\n"
	"#                  mount it read-write (ntfs-3g) after a clean shutdown of Windows\n"
	"#   GOLDEN_WINSXS  the golden side's Windows/WinSxS folder (a mounted golden\n"
	"#                  image or a copy of that folder)\n"
	"#   --dry-run      the default: check the golden copies against the plan and\n"
	"#                  print what would be done; nothing is changed\n"
	"#   --apply        do it: back up every folder, file and the SOFTWARE hive to\n"
	"#                  IMAGE_ROOT/sxscheck-backup-<date>/, copy with cp -a, verify\n"
	"#                  every copied file's hash, edit SideBySide\\Winners in a copy\n"
	"#                  of the SOFTWARE hive with hivexsh and swap it in\n"
	"#\n"
	"# Needs sha256sum (sha1sum, md5sum), od, and hivexsh (Debian: libhivex-bin)\n"
	"# for the Winners steps.  Afterwards, on the repaired PC, run\n"
	"# DISM /Online /Cleanup-Image /RestoreHealth and then sfc /scannow.\n";

static const char sh_funcs[] =
	"# Names from the image are single-quoted data on purpose, whatever they hold:\n"
	"# shellcheck disable=SC2016,SC1112\n"
	"set -eu\n"
	"\n"
	"mode=dry-run\n"
	"case ${1-} in\n"
	"--apply) mode=apply; shift ;;\n"
	"--dry-run) shift ;;\n"
	"-h | --help) sed -n '2,/^$/s/^# \\{0,1\\}//p' \"$0\"; exit 0 ;;\n"
	"esac\n"
	"if [ $# -ne 2 ]; then\n"
	"\techo 'usage: repair.sh [--dry-run | --apply] IMAGE_ROOT GOLDEN_WINSXS' >&2\n"
	"\texit 2\n"
	"fi\n"
	"root=$1\n"
	"golden=$2\n"
	"\n"
	"say() { printf '%s\\n' \"$*\"; }\n"
	"die() { printf 'repair.sh: %s\\n' \"$*\" >&2; exit 1; }\n"
	"\n"
	"# run CMD [ARG...]: show it; execute it only with --apply\n"
	"run() {\n"
	"\tif [ \"$mode\" = apply ]; then\n"
	"\t\tsay \"  + $*\"\n"
	"\t\t\"$@\"\n"
	"\telse\n"
	"\t\tsay \"  would run: $*\"\n"
	"\tfi\n"
	"}\n"
	"\n"
	"lower() { printf '%s' \"$1\" | tr '[:upper:]' '[:lower:]'; }\n"
	"\n"
	"# ci DIR NAME: DIR/NAME, NAME matched without regard to case as Windows does\n"
	"# (an NTFS mount on Linux is case-sensitive); DIR/NAME when nothing matches\n"
	"ci() {\n"
	"\tif [ -e \"$1/$2\" ] || [ -L \"$1/$2\" ]; then\n"
	"\t\tprintf '%s\\n' \"$1/$2\"\n"
	"\t\treturn 0\n"
	"\tfi\n"
	"\tci_want=$(lower \"$2\")\n"
	"\tfor ci_e in \"$1\"/* \"$1\"/.[!.]*; do\n"
	"\t\tci_b=${ci_e##*/}\n"
	"\t\t[ ${#ci_b} -eq ${#2} ] || continue\n"
	"\t\tif [ \"$(lower \"$ci_b\")\" = \"$ci_want\" ]; then\n"
	"\t\t\tprintf '%s\\n' \"$ci_e\"\n"
	"\t\t\treturn 0\n"
	"\t\tfi\n"
	"\tdone\n"
	"\tprintf '%s\\n' \"$1/$2\"\n"
	"}\n"
	"\n"
	"# check_hash ALG FILE HEX: the file's ALG digest is HEX\n"
	"check_hash() {\n"
	"\tif [ ! -f \"$2\" ] || [ -L \"$2\" ]; then return 1; fi\n"
	"\tprintf '%s  %s\\n' \"$3\" \"$2\" | \"${1}sum\" -c --quiet --strict - >/dev/null 2>&1\n"
	"}\n"
	"\n"
	"# verify DIR ALG NAME HEX: DIR/NAME has the digest the plan expects\n"
	"verify() {\n"
	"\tv_f=$(ci \"$1\" \"$3\")\n"
	"\tcheck_hash \"$2\" \"$v_f\" \"$4\" || die \"$v_f: missing or its $2 digest is not $4\"\n"
	"\tsay \"  verified $v_f\"\n"
	"}\n"
	"\n"
	"# have_delta SRC DST D NAME: the golden folder has the differential D/NAME\n"
	"have_delta() {\n"
	"\thd_f=$(ci \"$(ci \"$1\" \"$3\")\" \"$4\")\n"
	"\tif [ ! -f \"$hd_f\" ] || [ -L \"$hd_f\" ]; then die \"$hd_f: the golden source has no such differential\"; fi\n"
	"}\n"
	"\n"
	"# same_delta SRC DST D NAME: the copied differential equals the golden one\n"
	"same_delta() {\n"
	"\tsd_s=$(ci \"$(ci \"$1\" \"$3\")\" \"$4\")\n"
	"\tsd_d=$(ci \"$(ci \"$2\" \"$3\")\" \"$4\")\n"
	"\tcmp -s -- \"$sd_s\" \"$sd_d\" || die \"$sd_d: the copy differs from $sd_s\"\n"
	"\tsay \"  verified $sd_d\"\n"
	"}\n"
	"\n"
	"# copy_entries SRC DST [KEEP...]: copy what SRC holds into DST, over the\n"
	"# entries DST has under any case, except the names in KEEP\n"
	"copy_entries() {\n"
	"\tce_src=$1\n"
	"\tce_dst=$2\n"
	"\tshift 2\n"
	"\tfor ce_e in \"$ce_src\"/* \"$ce_src\"/.[!.]*; do\n"
	"\t\t[ -e \"$ce_e\" ] || [ -L \"$ce_e\" ] || continue\n"
	"\t\tce_b=${ce_e##*/}\n"
	"\t\tce_keep=no\n"
	"\t\tfor ce_k in \"$@\"; do\n"
	"\t\t\tif [ \"$(lower \"$ce_b\")\" = \"$(lower \"$ce_k\")\" ]; then ce_keep=yes; fi\n"
	"\t\tdone\n"
	"\t\tif [ $ce_keep = yes ]; then\n"
	"\t\t\tsay \"  keeping $ce_b as it is (systemData)\"\n"
	"\t\t\tcontinue\n"
	"\t\tfi\n"
	"\t\tce_t=$(ci \"$ce_dst\" \"$ce_b\")\n"
	"\t\tif [ -d \"$ce_e\" ] && [ ! -L \"$ce_e\" ]; then\n"
	"\t\t\trun mkdir -p -- \"$ce_t\"\n"
	"\t\t\trun cp -a -- \"$ce_e/.\" \"$ce_t/\"\n"
	"\t\telse\n"
	"\t\t\trun cp -a -- \"$ce_e\" \"$ce_t\"\n"
	"\t\tfi\n"
	"\tdone\n"
	"}\n"
	"\n"
	"# hive_clean FILE: refuse a hive whose latest changes are only in its logs\n"
	"hive_clean() {\n"
	"\t[ \"$(dd if=\"$1\" bs=4 count=1 2>/dev/null)\" = regf ] || die \"$1: not a registry hive\"\n"
	"\thc_1=$(od -An -tu4 -j4 -N4 -- \"$1\" | tr -d ' ')\n"
	"\thc_2=$(od -An -tu4 -j8 -N4 -- \"$1\" | tr -d ' ')\n"
	"\t[ \"$hc_1\" = \"$hc_2\" ] || die \"$1 is dirty (sequence numbers $hc_1 and $hc_2): its latest changes are only in the .LOG1/.LOG2 files; start Windows, shut it down cleanly (no Fast Startup) and run this again\"\n"
	"}\n"
	"\n"
	"# key_is HIVE PATH present|absent: the hive still looks as the plan saw it\n"
	"key_is() {\n"
	"\tif hivexget \"$1\" \"$2\" >/dev/null 2>&1; then ki_now=present; else ki_now=absent; fi\n"
	"\t[ \"$ki_now\" = \"$3\" ] || die \"$2 is $ki_now in $1 but the plan expected it $3; make a new plan\"\n"
	"}\n"
	"\n"
	"[ -d \"$root\" ] || die \"$root: not a folder\"\n"
	"win=$(ci \"$root\" Windows)\n"
	"winsxs=$(ci \"$win\" WinSxS)\n"
	"[ -d \"$winsxs\" ] || die \"$root: no Windows/WinSxS folder (is it the root of the Windows volume?)\"\n"
	"gsxs=$golden\n"
	"if [ ! -d \"$(ci \"$gsxs\" Manifests)\" ] && [ -d \"$(ci \"$golden\" Windows)\" ]; then\n"
	"\tgsxs=$(ci \"$(ci \"$golden\" Windows)\" WinSxS)\n"
	"fi\n"
	"[ -d \"$gsxs\" ] || die \"$golden: not a folder\"\n"
	"[ \"$(cd \"$gsxs\" && pwd -P)\" != \"$(cd \"$winsxs\" && pwd -P)\" ] || die 'the golden source is the WinSxS folder being repaired'\n"
	"backup=$root/sxscheck-backup-$(date +%Y%m%d-%H%M%S)\n"
	"\n";

static void sh_verify_line(struct sxs_strbuf *out, const char *dirvar, const struct sxs_plan_file *f)
{
	if (f->delta) {
		/* a differential: present in the source, and after the copy equal to it */
		sxs_strbuf_addf(out, "\t%s \"$src\" \"$dst\" %c ", !strcmp(dirvar, "src") ? "have_delta" : "same_delta",
		                f->name[0]);
		sxs_script_sh_quote(out, f->name + 2);
		sxs_strbuf_addc(out, '\n');
		return;
	}
	sxs_strbuf_addf(out, "\tverify \"$%s\" %s ", dirvar, sxs_digest_name(f->alg));
	sxs_script_sh_quote(out, f->name);
	sxs_strbuf_addf(out, " %s\n", f->hex);
}

/* servicing/Packages/<package>.{mum,cat} from the golden Windows folder (the parent of its WinSxS) */
static void sh_step_package(struct sxs_strbuf *out, size_t step, const struct sxs_action *a)
{
	char mh[65], ch[65];
	sxs_hex_encode(a->mum_sha256, 32, mh);
	sxs_hex_encode(a->cat_sha256, 32, ch);
	step_comment(out, step, a, "");
	sxs_strbuf_addf(out, "step_%zu() {\n", step);
	sxs_strbuf_adds(out, "\tpk=");
	sxs_script_sh_quote(out, a->package);
	sxs_strbuf_addc(out, '\n');
	sxs_strbuf_addf(out, "\tsay \"Step %zu: restore servicing/Packages/$pk.mum and .cat\"\n", step);
	sxs_strbuf_adds(out,
		"\tsrc=$(ci \"$(ci \"$(dirname -- \"$gsxs\")\" servicing)\" Packages)\n"
		"\tdst=$(ci \"$(ci \"$win\" servicing)\" Packages)\n"
		"\t[ -d \"$dst\" ] || die \"$dst: no servicing/Packages folder in the image\"\n"
		"\t# the golden copies must match the plan before anything is touched\n");
	sxs_strbuf_addf(out, "\tverify \"$src\" sha256 \"$pk.mum\" %s\n", mh);
	sxs_strbuf_addf(out, "\tverify \"$src\" sha256 \"$pk.cat\" %s\n", ch);
	sxs_strbuf_adds(out,
		"\t[ \"$1\" = check ] && return 0\n"
		"\tfor ext in mum cat; do\n"
		"\t\tt=$(ci \"$dst\" \"$pk.$ext\")\n"
		"\t\tif [ -e \"$t\" ] || [ -L \"$t\" ]; then\n"
		"\t\t\trun mkdir -p -- \"$backup/Packages\"\n"
		"\t\t\trun cp -a -- \"$t\" \"$backup/Packages/\"\n"
		"\t\t\trun rm -f -- \"$t\"\n"
		"\t\tfi\n"
		"\t\trun cp -a -- \"$(ci \"$src\" \"$pk.$ext\")\" \"$dst/$pk.$ext\"\n"
		"\tdone\n"
		"\t[ \"$mode\" = apply ] || return 0\n");
	sxs_strbuf_addf(out, "\tverify \"$dst\" sha256 \"$pk.mum\" %s\n", mh);
	sxs_strbuf_addf(out, "\tverify \"$dst\" sha256 \"$pk.cat\" %s\n", ch);
	sxs_strbuf_adds(out, "}\n\n");
}

static void sh_step_files(struct sxs_strbuf *out, size_t step, const struct sxs_action *a)
{
	if (a->kind == SXS_ACT_RESTORE_PACKAGE) {
		sh_step_package(out, step, a);
		return;
	}
	step_comment(out, step, a, "");
	sxs_strbuf_addf(out, "step_%zu() {\n", step);
	sxs_strbuf_adds(out, "\tkf=");
	sxs_script_sh_quote(out, a->component);
	sxs_strbuf_addc(out, '\n');
	if (a->kind == SXS_ACT_RESTORE_MANIFEST) {
		sxs_strbuf_addf(out, "\tsay \"Step %zu: restore manifest Manifests/$kf.manifest\"\n", step);
		sxs_strbuf_adds(out,
			"\tsrc=$(ci \"$(ci \"$gsxs\" Manifests)\" \"$kf.manifest\")\n"
			"\tdir=$(ci \"$winsxs\" Manifests)\n"
			"\tdst=$(ci \"$dir\" \"$kf.manifest\")\n"
			"\tif [ ! -f \"$src\" ] || [ -L \"$src\" ]; then die \"$src: the golden source has no such manifest\"; fi\n"
			"\t[ \"$1\" = check ] && return 0\n"
			"\tif [ -e \"$dst\" ]; then\n"
			"\t\trun mkdir -p -- \"$backup/Manifests\"\n"
			"\t\trun cp -a -- \"$dst\" \"$backup/Manifests/\"\n"
			"\tfi\n"
			"\trun cp -a -- \"$src\" \"$dst\"\n"
			"\tif [ \"$mode\" = apply ]; then\n"
			"\t\tcmp -s -- \"$src\" \"$dst\" || die \"$dst: the copy differs from $src\"\n"
			"\t\tsay \"  verified $dst\"\n"
			"\tfi\n");
		char hex[65];
		sxs_hex_encode(a->manifest_sha256, 32, hex);
		sxs_strbuf_addf(out, "\t# decoded manifest SHA-256 (S256H): %s\n", hex);
	} else {
		sxs_strbuf_addf(out, "\tsay \"Step %zu: replace folder WinSxS/$kf\"\n", step);
		sxs_strbuf_adds(out,
			"\tsrc=$(ci \"$gsxs\" \"$kf\")\n"
			"\tdst=$(ci \"$winsxs\" \"$kf\")\n"
			"\tif [ ! -d \"$src\" ] || [ -L \"$src\" ]; then die \"$src: the golden source has no such folder\"; fi\n"
			"\t# the golden copies must match the plan before anything is touched\n");
		for (size_t i = 0; i < a->nfiles; i++)
			if (!a->files[i].keep)
				sh_verify_line(out, "src", &a->files[i]);
		sxs_strbuf_adds(out,
			"\t[ \"$1\" = check ] && return 0\n"
			"\tif [ -e \"$dst\" ]; then\n"
			"\t\trun mkdir -p -- \"$backup/WinSxS\"\n"
			"\t\trun cp -a -- \"$dst\" \"$backup/WinSxS/\"\n"
			"\tfi\n"
			"\trun mkdir -p -- \"$dst\"\n"
			"\tcopy_entries \"$src\" \"$dst\"");
		for (size_t i = 0; i < a->nfiles; i++)
			if (a->files[i].keep) {
				sxs_strbuf_addc(out, ' ');
				sxs_script_sh_quote(out, a->files[i].name);
			}
		sxs_strbuf_adds(out, "\n\t[ \"$mode\" = apply ] || return 0\n");
		for (size_t i = 0; i < a->nfiles; i++)
			if (!a->files[i].keep)
				sh_verify_line(out, "dst", &a->files[i]);
	}
	sxs_strbuf_adds(out, "}\n\n");
}

/* UTF-16LE + NUL of an ASCII token, as hivexsh "hex:1:" bytes. */
static void hivex_sz(struct sxs_strbuf *out, const char *s)
{
	sxs_strbuf_adds(out, "hex:1:");
	for (const char *p = s; *p; p++)
		sxs_strbuf_addf(out, "%02x,00,", (unsigned char)*p);
	sxs_strbuf_adds(out, "00,00\n");
}

static void hivex_action(struct sxs_strbuf *out, const struct sxs_action *a)
{
	sxs_strbuf_addf(out, "cd %s\n", WINNERS_HIVE);
	if (a->kind == SXS_ACT_CREATE_WINNERS_KEY)
		sxs_strbuf_addf(out, "add %s\n", a->winners_key);
	sxs_strbuf_addf(out, "cd %s\n", a->winners_key);
	if (a->set_default_band) {
		sxs_strbuf_adds(out, "setval 1\n@\n");
		hivex_sz(out, a->band);
	}
	if (!a->band_exists)
		sxs_strbuf_addf(out, "add %s\n", a->band);
	sxs_strbuf_addf(out, "cd %s\n", a->band);
	/* setval replaces every value of the band: write the kept ones too */
	size_t n = (a->winner ? 1 : 0) + a->nkeep_versions + a->nversions;
	sxs_strbuf_addf(out, "setval %zu\n", n);
	if (a->winner) {
		sxs_strbuf_adds(out, "@\n");
		hivex_sz(out, a->winner);
	}
	for (size_t i = 0; i < a->nkeep_versions; i++)
		sxs_strbuf_addf(out, "%s\nhex:3:01\n", a->keep_versions[i]);
	for (size_t i = 0; i < a->nversions; i++)
		sxs_strbuf_addf(out, "%s\nhex:3:01\n", a->versions[i]);
}

static void sh_winners(struct sxs_strbuf *out, const struct sxs_comparison *c, const bool *ok)
{
	sxs_strbuf_adds(out, "# SideBySide\\Winners steps, done together in one copy of the SOFTWARE hive\n");
	for (size_t i = 0; i < c->nactions; i++)
		if (ok[i] && is_winners_action(c->actions[i].kind))
			step_comment(out, i + 1, &c->actions[i], "");
	sxs_strbuf_adds(out, "hivex_commands() {\n\tcat <<'SXSCHECK_HIVEX'\n");
	for (size_t i = 0; i < c->nactions; i++)
		if (ok[i] && is_winners_action(c->actions[i].kind))
			hivex_action(out, &c->actions[i]);
	sxs_strbuf_adds(out, "commit\nSXSCHECK_HIVEX\n}\n\n");

	sxs_strbuf_adds(out,
		"winners() {\n"
		"\tsay 'SideBySide\\Winners: edit a copy of the SOFTWARE hive'\n"
		"\tif ! command -v hivexsh >/dev/null 2>&1 || ! command -v hivexget >/dev/null 2>&1; then\n"
		"\t\tdie 'hivexsh and hivexget are needed (Debian: apt-get install libhivex-bin)'\n"
		"\tfi\n"
		"\thive=$(ci \"$(ci \"$(ci \"$win\" System32)\" config)\" SOFTWARE)\n"
		"\tif [ ! -f \"$hive\" ] || [ -L \"$hive\" ]; then die \"$hive: no SOFTWARE hive\"; fi\n"
		"\thive_clean \"$hive\"\n");
	for (size_t i = 0; i < c->nactions; i++) {
		const struct sxs_action *a = &c->actions[i];
		if (!ok[i] || !is_winners_action(a->kind))
			continue;
		sxs_strbuf_adds(out, "\tkey_is \"$hive\" ");
		struct sxs_strbuf p = SXS_STRBUF_INIT;
		sxs_strbuf_addf(&p, "%s\\%s", WINNERS_HIVE, a->winners_key);
		sxs_script_sh_quote(out, sxs_strbuf_str(&p));
		sxs_strbuf_adds(out, a->kind == SXS_ACT_CREATE_WINNERS_KEY ? " absent\n" : " present\n");
		if (a->kind != SXS_ACT_CREATE_WINNERS_KEY) {
			sxs_strbuf_addf(&p, "\\%s", a->band);
			sxs_strbuf_adds(out, "\tkey_is \"$hive\" ");
			sxs_script_sh_quote(out, sxs_strbuf_str(&p));
			sxs_strbuf_adds(out, a->band_exists ? " present\n" : " absent\n");
		}
		if (sxs_strbuf_error(&p))
			out->oom = true;
		sxs_strbuf_release(&p);
	}
	sxs_strbuf_adds(out,
		"\t[ \"$1\" = check ] && return 0\n"
		"\tif [ \"$mode\" != apply ]; then\n"
		"\t\tsay \"  would apply to a copy of $hive with hivexsh -w, then swap it in:\"\n"
		"\t\thivex_commands | sed 's/^/    /'\n"
		"\t\treturn 0\n"
		"\tfi\n"
		"\tnew=$hive.sxscheck-new\n"
		"\trun mkdir -p -- \"$backup/config\"\n"
		"\trun cp -a -- \"$hive\" \"$backup/config/\"\n"
		"\trun cp -- \"$hive\" \"$new\"\n"
		"\tsay \"  + hivexsh -w $new\"\n"
		"\tif ! hivex_commands | hivexsh -w \"$new\"; then\n"
		"\t\trm -f -- \"$new\"\n"
		"\t\tdie 'hivexsh failed; the SOFTWARE hive was not changed'\n"
		"\tfi\n");
	for (size_t i = 0; i < c->nactions; i++) {
		const struct sxs_action *a = &c->actions[i];
		if (!ok[i] || !is_winners_action(a->kind) || !a->winner)
			continue;
		struct sxs_strbuf p = SXS_STRBUF_INIT;
		sxs_strbuf_addf(&p, "%s\\%s\\%s", WINNERS_HIVE, a->winners_key, a->band);
		sxs_strbuf_adds(out, "\t[ \"$(hivexget \"$new\" ");
		sxs_script_sh_quote(out, sxs_strbuf_str(&p));
		sxs_strbuf_adds(out, " @)\" = ");
		sxs_script_sh_quote(out, a->winner);
		sxs_strbuf_adds(out, " ] || die \"$new: the winner was not written; the SOFTWARE hive was not changed\"\n");
		if (sxs_strbuf_error(&p))
			out->oom = true;
		sxs_strbuf_release(&p);
	}
	sxs_strbuf_adds(out,
		"\thive_clean \"$new\"\n"
		"\trun mv -f -- \"$new\" \"$hive\"\n"
		"}\n\n");
}

static int write_sh(struct sxs_strbuf *out, const struct sxs_comparison *c,
                    const struct sxs_script_options *opt, size_t *skipped)
{
	bool *ok = NULL;
	bool any_winners = false;
	size_t nsteps = 0;

	if (c->nactions && !(ok = sxs_calloc(c->nactions, sizeof(*ok))))
		return -SXS_ENOMEM;
	sxs_strbuf_adds(out, sh_head);
	sxs_strbuf_addf(out, "#\n# Generated by %s from 'sxscheck compare'.  Read it before you run it.\n",
	                opt && opt->generator ? opt->generator : "sxscheck");
	comment(out, "# Image:  ", c->image);
	comment(out, "# Golden: ", c->golden);
	comment(out, "# Plan made for build ", c->image_build ? c->image_build : "unknown");
	if (c->build_mismatch)
		sxs_strbuf_adds(out, "# WARNING: the two sides run different builds.\n");
	unfixable_comments(out, c);
	sxs_strbuf_adds(out, "\n");
	sxs_strbuf_adds(out, sh_funcs);

	for (size_t i = 0; i < c->nactions; i++) {
		const struct sxs_action *a = &c->actions[i];
		const char *why = action_unsafe(a);
		if (why) {
			(*skipped)++;
			sxs_strbuf_addf(out, "# Step %zu (%s) left out: %s\n", i + 1,
			                sxs_action_kind_name(a->kind), why);
			comment(out, "#   ", a->component ? a->component : a->winners_key);
			sxs_strbuf_addc(out, '\n');
			continue;
		}
		ok[i] = true;
		nsteps++;
		if (is_winners_action(a->kind))
			any_winners = true;
		else
			sh_step_files(out, i + 1, a);
	}
	if (any_winners)
		sh_winners(out, c, ok);

	sxs_strbuf_addf(out, "say \"sxscheck repair plan: %zu step(s), mode $mode\"\n", nsteps);
	sxs_strbuf_adds(out, "say \"image: $root  golden source: $gsxs\"\n");
	sxs_strbuf_adds(out, "# first check every golden copy and the hive, then change things\n");
	for (int pass = 0; pass < 2; pass++) {
		const char *arg = pass == 0 ? "check" : "change";
		for (size_t i = 0; i < c->nactions; i++)
			if (ok[i] && !is_winners_action(c->actions[i].kind))
				sxs_strbuf_addf(out, "step_%zu %s\n", i + 1, arg);
		if (any_winners)
			sxs_strbuf_addf(out, "winners %s\n", arg);
		if (pass == 0)
			sxs_strbuf_adds(out, "say 'golden source and hive checked'\n");
	}
	sxs_strbuf_adds(out,
		"if [ \"$mode\" = apply ]; then\n"
		"\tsay \"Done; backups are in $backup.\"\n"
		"else\n"
		"\tsay 'Dry run: nothing was changed; run again with --apply to do it.'\n"
		"fi\n"
		"say 'Next, on the repaired PC: DISM /Online /Cleanup-Image /RestoreHealth, then sfc /scannow.'\n");
	sxs_free(ok);
	return sxs_strbuf_error(out);
}

int sxs_script_write(struct sxs_strbuf *out, enum sxs_script_kind kind,
                     const struct sxs_comparison *c, const struct sxs_script_options *opt,
                     size_t *skipped_ret)
{
	size_t skipped = 0;
	int err = kind == SXS_SCRIPT_PS1 ? write_ps1(out, c, opt, &skipped) : write_sh(out, c, opt, &skipped);
	if (!err && skipped_ret)
		*skipped_ret = skipped;
	return err;
}
