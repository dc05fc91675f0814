#!/bin/sh
# SPDX-License-Identifier: MIT
# What the demo's repair.ps1 does, read from its code (comments and the help
# block left out); Windows PowerShell cannot run here, so these are checks of
# the script text against issue 12:
#  - defect 2: every robocopy runs in backup mode (/B), and the copies into
#    WinSxS take /IS /IT (a corrupt file of the golden size and time is
#    copied too); only the files the plan marks as differing are copied;
#  - defect 3: no takeown (its /D answer is localized), no icacls: no
#    ownership or ACL change at all, so nothing is done to the WinSxS root;
#  - defect 6: a pre-flight pass opens every target for write before any
#    change and names a step that cannot be done online ("needs offline
#    repair: use the sh script from a rescue system"), checks every Winners
#    key for write and against what the plan saw, and that -Source has
#    Manifests; each Winners step re-checks its values before it writes;
#    undo.ps1 is written next to the backups as the repair goes;
#  - defect 7: every pending-servicing sign is looked for, and -Force
#    overrides the build check only.
set -u
srcroot=$1 sxscheck=$2
cd "$srcroot" || exit 99
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "ps1-plan: $*" >&2; status=1; }

"$sxscheck" compare testdata/images/branch-pc --golden testdata/images/golden-pc --script=ps1 \
	-o "$tmp/repair.ps1" >/dev/null
# code only: no CR, no <# help #>, no # comment lines, not the undo.ps1 template
tr -d '\r' <"$tmp/repair.ps1" | sed '/^<#/,/^#>/d; /^[[:space:]]*#/d; /^\$UndoTemplate = @(/,/^)/d' >"$tmp/code"
has() { grep -q -e "$1" "$tmp/code"; }
line_of() { grep -n -e "$1" "$tmp/code" | head -n 1 | cut -d: -f1; }

# defect 3 (and the WinSxS root): no ownership or ACL surgery
if grep -q -i -w -e takeown -e icacls -e Set-Acl "$tmp/code"; then
	fail 'the ps1 changes ownership or ACLs (takeown, icacls or Set-Acl)'
fi
# defect 2: robocopy in backup mode, /IS /IT for the copies into WinSxS
grep -e 'Invoke-Native robocopy' -e '& robocopy' -e '^ *\$copy = @(' "$tmp/code" | grep -v 'Invoke-Native robocopy \$copy' >"$tmp/robocopy"
[ -s "$tmp/robocopy" ] || fail 'no robocopy call'
while IFS= read -r l; do
	case $l in *"'/B'"* | *" /B "*) ;; *) fail "robocopy without /B: $l" ;; esac
done <"$tmp/robocopy"
sed -n '/^function Copy-Files/,/^}/p' "$tmp/code" >"$tmp/copy"
grep -q "'/IS', '/IT'" "$tmp/copy" || fail 'the copies into WinSxS do not take /IS /IT'
grep -q 'Where-Object { $_.Differs' "$tmp/code" || fail 'the folder step does not copy only the differing files'
# defect 6: pre-flight before the first change, Winners re-check, undo.ps1
first_change=$(line_of '^    if (-not $WhatIfPreference) { Start-Undo }')
preflight=$(line_of '\[SxsBackupIo\]::TestWrite(\$t)')
[ -n "$first_change" ] && [ -n "$preflight" ] && [ "$preflight" -lt "$first_change" ] ||
	fail 'no write test of the targets before the first change'
has 'needs offline repair: use the sh script from a rescue system' || fail 'no "needs offline repair" for a file in use'
has 'Get-WinnersAccess \$step' || fail 'the pre-flight does not check the Winners keys for write'
has "Join-Path \$Source 'Manifests'" || fail '-Source is not checked for Manifests'
sed -n '/^function Set-Winners/,/^}/p' "$tmp/code" | grep -q 'Get-WinnersDrift \$Step' ||
	fail 'a Winners step does not re-check what the plan saw before it writes'
grep -q "'Undo-File'" "$tmp/code" && grep -q "'Undo-NewItem'" "$tmp/code" && grep -q "'Undo-Value'" "$tmp/code" ||
	fail 'undo.ps1 is not written for files, new items and values'
grep -q '^    .*Undo-File' "$tmp/repair.ps1" && grep -q 'function Undo-File' "$tmp/repair.ps1" ||
	fail 'the undo.ps1 template is not in the script'
# defect 7: every pending sign, -Force only for the build
for sign in pending.xml PendingXmlIdentifier RebootPending RebootInProgress PackagesPending SessionsPending \
	PendingRenames PendingDeletes PendingFileRenameOperations; do
	has "$sign" || fail "no check for $sign"
done
pend=$(line_of '^\$pending = Get-PendingReason')
[ -n "$pend" ] && [ "$pend" -lt "$first_change" ] || fail 'pending servicing is not checked before the first change'
[ "$(grep -c '\$Force' "$tmp/code")" = 2 ] && grep -q '^    \[switch\] \$Force' "$tmp/code" &&
	grep -q 'if (-not \$Force)' "$tmp/code" ||
	fail '-Force is used for more than the build check'
# the BOM and the ASCII body (the parse test reads it under three code pages)
[ "$(head -c 3 "$tmp/repair.ps1" | od -An -tx1 | tr -d ' ')" = efbbbf ] || fail 'no UTF-8 BOM'
exit $status
