#!/bin/sh
# SPDX-License-Identifier: MIT
# The repair ps1 parsed with tree-sitter-powershell (npm) as Windows
# PowerShell 5.1 reads it: see parse.mjs.  Runs on the demo's ps1, on the
# hostile-names ps1 (with the list of names that must stay literals), on the
# templates, and on a control file that must fail (a raw Windows-1252 break).
#
#   ps1check.sh SRCROOT SXSCHECK HOSTILE_SCRIPTS
#
# node comes from Debian (tests/setup.sh installs nodejs and npm); the two
# npm packages are installed into tests/ps1/node_modules from the lock file
# (setup.sh does it; this test does it too when they are missing).  Not a
# skip: without node or the packages the test fails.
set -u
srcroot=$1 sxscheck=$2 hostile=$3
dir=$srcroot/tests/ps1
command -v node >/dev/null 2>&1 || { echo 'ps1check: node not found (sh tests/setup.sh installs nodejs and npm)' >&2; exit 1; }
if [ ! -f "$dir/node_modules/tree-sitter-powershell/package.json" ]; then
	command -v npm >/dev/null 2>&1 || { echo 'ps1check: npm not found (sh tests/setup.sh installs it)' >&2; exit 1; }
	(cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund) >&2 </dev/null ||
		{ echo 'ps1check: npm ci in tests/ps1 failed' >&2; exit 1; }
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
check() { node --no-deprecation "$dir/parse.mjs" "$@"; }
status=0

cd "$srcroot" || exit 99
"$sxscheck" compare testdata/images/branch-pc --golden testdata/images/golden-pc --script=ps1 \
	-o "$tmp/demo.ps1" >/dev/null
check "$tmp/demo.ps1" || status=1
"$hostile" "$tmp/h" >/dev/null || { echo 'ps1check: hostile-scripts failed' >&2; status=1; }
check --names "$tmp/h/names.hex" "$tmp/h/repair.ps1" || status=1
check --template src/lib/report/repair.ps1.in src/lib/report/undo.ps1.in || status=1

# undo.ps1 as repair.ps1 writes it (Start-Undo, Add-Undo): the template with
# the SxsBackupIo here-string in place of its marker, then entries
awk "/^\\\$SxsBackupIoSource = @'\$/,/^'@\$/" src/lib/report/repair.ps1.in >"$tmp/backupio"
[ -s "$tmp/backupio" ] || { echo 'ps1check: no SxsBackupIo here-string in repair.ps1.in' >&2; status=1; }
{
	printf '\357\273\277'
	sed -e "/^# @@SXSCHECK-BACKUPIO@@\$/{r $tmp/backupio" -e 'd;}' src/lib/report/undo.ps1.in
	printf '%s\n' \
		"Undo-File -Path 'C:\\Windows\\WinSxS\\x\\it''s a.dll' -Backup 'C:\\sxscheck-backup-1\\files\\1\\it''s a.dll' -Hash '00AB'" \
		"Undo-NewItem -Path (ConvertFrom-SxsBase64 'YcSSOyB4ID0gJCh0b3VjaCBwd25lZDcpLmRsbA==')" \
		"Undo-NewKey -Key 'SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\SideBySide\\Winners\\k\\10.0'" \
		"Undo-Value -Key 'SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\SideBySide\\Winners\\k' -Name '' -Old '10.0'" \
		"Undo-Value -Key 'SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\SideBySide\\Winners\\k\\10.0' -Name '10.0.17763.1' -Old \$null"
} | sed 's/$/\r/' >"$tmp/undo.ps1"
grep -q 'public static class SxsBackupIo' "$tmp/undo.ps1" || { echo 'ps1check: undo.ps1 has no SxsBackupIo' >&2; status=1; }
check "$tmp/undo.ps1" || status=1

# controls: the checker must catch what issue 12 defect 5 describes
printf '\357\273\277$x = %s\r\n' "'a$(printf '\304\222'); x = \$(calc); y = echo $(printf '\304\222')'" >"$tmp/bad-cp1252.ps1"
if check "$tmp/bad-cp1252.ps1" >"$tmp/out" 2>&1; then
	echo 'ps1check: a literal that Windows-1252 ends early was not caught' >&2
	status=1
fi
grep -q 'Windows-1252' "$tmp/out" || { cat "$tmp/out" >&2; echo 'ps1check: the control failed for another reason' >&2; status=1; }
printf '$x = %s\r\n' "'plain'" >"$tmp/no-bom.ps1"
if check "$tmp/no-bom.ps1" >/dev/null 2>&1; then
	echo 'ps1check: a ps1 without BOM was not caught' >&2
	status=1
fi
printf '\357\273\277$x = %s\r\n' "'$(printf 'tail pwned8 \304\237')'" >"$tmp/bad-cp932.ps1"
if check "$tmp/bad-cp932.ps1" >"$tmp/out" 2>&1; then
	echo 'ps1check: a literal that Shift-JIS ends early was not caught' >&2
	status=1
fi
exit $status
