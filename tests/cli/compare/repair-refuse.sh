#!/bin/sh
# SPDX-License-Identifier: MIT
# What the sh repair script refuses (issue 12 defects 4, 6 and 7), each on a
# fresh copy of the demo's branch-pc with the demo plan:
#
#   repair-refuse.sh SRCROOT SXSCHECK MKHIVE
#
#  - defect 7: every pending-servicing sign (WinSxS\pending.xml, COMPONENTS
#    PendingXmlIdentifier, CBS RebootPending / RebootInProgress /
#    PackagesPending / SessionsPending, WinSxS\Temp\PendingRenames /
#    PendingDeletes, SYSTEM PendingFileRenameOperations), a dirty hive, a
#    hibernated volume and another build are refused (exit 3, one line
#    saying why) by the dry run and by --apply, with nothing changed;
#    --force overrides the build only; the harmless look-alikes (empty
#    Pending folders, SessionsPending at 0, hiberfil.sys not hibernated) are
#    not refused;
#  - defect 6: a Winners value that changed since the plan is noticed
#    before anything is changed ("make a new plan");
#  - defect 4: Winners value names that are not versions (the old
#    here-document delimiter, a program on PATH) are winner-malformed in
#    scan, never reach a plan or a script, and nothing runs.
set -u
srcroot=$1 sxscheck=$2 mkhive=$3
cd "$srcroot" || exit 99
command -v hivexsh >/dev/null 2>&1 || { echo 'hivexsh not installed (libhivex-bin)' >&2; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
b=testdata/images/branch-pc g=testdata/images/golden-pc
status=0
fail() { echo "repair-refuse: $*" >&2; status=1; }

"$sxscheck" compare "$b" --golden "$g" --script=sh -o "$tmp/repair.sh" >/dev/null
cbs='\Microsoft\Windows\CurrentVersion\Component Based Servicing'
soft=Windows/system32/config/SOFTWARE
comp=Windows/system32/config/COMPONENTS
sxs=Windows/winsxs

fresh() { rm -rf "$tmp/img" && cp -a "$b" "$tmp/img"; }
state() { (cd "$tmp/img" && find . -exec sh -c 'for p; do if [ -f "$p" ]; then printf "%s %s\n" "$p" "$(sha256sum <"$p")"; else printf "%s\n" "$p"; fi; done' sh {} + | LC_ALL=C sort); }
# hx HIVE LINE...: edit a hive of the image copy with hivexsh
hx() { h=$1; shift; printf '%s\n' "$@" commit | hivexsh -w "$tmp/img/$h" || fail "test set-up: hivexsh on $h"; }

# refused WHAT WORD [ARGS...]: both modes exit 3 naming WORD, nothing changes
refused() {
	what=$1 word=$2
	shift 2
	state >"$tmp/before"
	for m in --dry-run --apply; do
		sh "$tmp/repair.sh" "$m" "$@" "$tmp/img" "$g" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		[ $rc = 3 ] || { cat "$tmp/out" "$tmp/err" >&2; fail "$what: $m exit $rc, not 3 (refused)"; }
		grep -q "refused, nothing was changed: .*$word" "$tmp/err" || { cat "$tmp/err" >&2; fail "$what: $m gave no reason naming $word"; }
		[ "$(wc -l <"$tmp/err")" = 1 ] || fail "$what: $m: the reason is not one line"
	done
	state >"$tmp/after"
	cmp -s "$tmp/before" "$tmp/after" || fail "$what: the refused run changed the image"
}
# accepted WHAT [ARGS...]: a dry run goes through
accepted() {
	what=$1
	shift
	sh "$tmp/repair.sh" --dry-run "$@" "$tmp/img" "$g" >"$tmp/out" 2>&1 || { cat "$tmp/out" >&2; fail "$what: refused, but it is no reason to refuse"; }
}

fresh
accepted 'the demo image'

# ---- defect 7: pending servicing ----------------------------------------------
fresh; : >"$tmp/img/$sxs/pending.xml"
refused 'pending.xml' pending.xml
refused 'pending.xml with --force' pending.xml --force

fresh; hx "$comp" 'cd \' 'setval 1' PendingXmlIdentifier 'hex:3:41,00,42,00,00,00'
refused 'COMPONENTS PendingXmlIdentifier' PendingXmlIdentifier

for k in RebootPending RebootInProgress; do
	fresh; hx "$soft" "cd $cbs" "add $k"
	refused "CBS $k" "$k"
done

fresh; hx "$soft" "cd $cbs" \
	'add PackagesPending' 'cd PackagesPending' 'add Package_for_KB4586793~31bf3856ad364e35~amd64~~17763.1613.1.8'
refused 'CBS PackagesPending' PackagesPending

fresh; hx "$soft" "cd $cbs" \
	'add SessionsPending' 'cd SessionsPending' 'setval 2' Exclusive 'dword:0x0' TotalSessionPhases 'dword:0x1'
refused 'CBS SessionsPending' SessionsPending
fresh; hx "$soft" "cd $cbs" \
	'add SessionsPending' 'cd SessionsPending' 'setval 2' Exclusive 'dword:0x0' TotalSessionPhases 'dword:0x0'
accepted 'CBS SessionsPending at 0'

for d in PendingRenames PendingDeletes; do
	fresh; mkdir -p "$tmp/img/$sxs/Temp/$d"
	accepted "empty WinSxS/Temp/$d"
	: >"$tmp/img/$sxs/Temp/$d/00000001.ren"
	refused "WinSxS/Temp/$d" "$d"
done

cat >"$tmp/system.txt" <<'EOF'
[Select]
Current = dword:1
[ControlSet001\Control\Session Manager]
BootExecute = multi-sz:"autocheck autochk *"
EOF
fresh; "$mkhive" "$tmp/system.txt" "$tmp/img/Windows/system32/config/SYSTEM" || fail 'mkhive SYSTEM'
accepted 'a SYSTEM hive without PendingFileRenameOperations'
for v in PendingFileRenameOperations PendingFileRenameOperations2; do
	{ cat "$tmp/system.txt"; printf '%s = multi-sz:"%s"\n' "$v" '\\??\\C:\\Windows\\WinSxS\\Temp\\x.dll'; } >"$tmp/system2.txt"
	fresh; "$mkhive" "$tmp/system2.txt" "$tmp/img/Windows/system32/config/SYSTEM" || fail 'mkhive SYSTEM'
	refused "SYSTEM $v" "$v"
done

# ---- volume and hive state ------------------------------------------------------
fresh; printf 'HIBR' >"$tmp/img/hiberfil.sys"; head -c 4092 /dev/zero >>"$tmp/img/hiberfil.sys"
refused 'hibernated (Fast Startup)' hibernated
fresh; printf 'RSTR' >"$tmp/img/hiberfil.sys"; head -c 4092 /dev/zero >>"$tmp/img/hiberfil.sys"
refused 'a resume that did not finish' hibernated
fresh; printf 'zzzz' >"$tmp/img/hiberfil.sys"; head -c 4092 /dev/zero >>"$tmp/img/hiberfil.sys"
refused 'an unknown hiberfil.sys header' 'not one of a Windows that was shut down'
fresh; head -c 4096 /dev/zero >"$tmp/img/hiberfil.sys"
accepted 'hiberfil.sys of a clean shutdown'
fresh; printf 'wake' >"$tmp/img/hiberfil.sys"; head -c 4092 /dev/zero >>"$tmp/img/hiberfil.sys"
accepted 'hiberfil.sys that was resumed from'

fresh; printf '\002' | dd of="$tmp/img/$soft" bs=1 seek=4 conv=notrunc 2>/dev/null
refused 'a dirty SOFTWARE hive' dirty

# ---- the build: refused, and --force overrides it (and only it) -------------------
fresh; hx "$soft" 'cd \Microsoft\Windows NT\CurrentVersion' 'setval 5' ProductName 'string:Windows 10 Enterprise LTSC 2019' \
	CurrentBuild 'string:17763' UBR 'dword:0x0000064e' CurrentMajorVersionNumber 'dword:0x0000000a' CurrentMinorVersionNumber 'dword:0x00000000'
refused 'another build' 'build 10.0.17763.1614'
accepted 'another build with --force' --force
grep -q 'WARNING: the image is build 10.0.17763.1614' "$tmp/out" || fail '--force: no warning about the build'

# ---- defect 6: the Winners values are re-checked against what the plan saw --------
w='\Microsoft\Windows\CurrentVersion\SideBySide\Winners\amd64_microsoft-windows-codeintegrity_31bf3856ad364e35_none_6a638b6807934aca'
fresh; hx "$soft" "cd $w\\10.0" 'setval 3' @ 'string:10.0.17763.1490' 10.0.17763.1554 'hex:3:01' 10.0.17763.1613 'hex:3:01'
refused_stale() {
	state >"$tmp/before"
	sh "$tmp/repair.sh" --apply "$tmp/img" "$g" >"$tmp/out" 2>"$tmp/err" && fail "$1: --apply did not notice"
	grep -q 'make a new plan' "$tmp/err" || { cat "$tmp/err" >&2; fail "$1: no reason given"; }
	state >"$tmp/after"
	cmp -s "$tmp/before" "$tmp/after" || fail "$1: the run changed the image before it noticed"
}
refused_stale 'a winner changed since the plan'
fresh; hx "$soft" "cd $w\\10.0" 'setval 4' @ 'string:10.0.17763.1554' 10.0.17763.1554 'hex:3:01' 10.0.17763.1613 'hex:3:01' 10.0.17763.1490 'hex:3:01'
refused_stale 'a version value added since the plan'
fresh; hx "$soft" "cd $w" 'setval 1' @ 'string:6.1'
refused_stale 'the winning band changed since the plan'

# ---- defect 4: Winners names that are not versions never reach a script -----------
mkdir "$tmp/bin"
for p in 'hex:3:01' pwned-cmd SXSCHECK_HIVEX; do
	printf '#!/bin/sh\n: >"%s/pwned"\n' "$tmp" >"$tmp/bin/$p"
	chmod +x "$tmp/bin/$p"
done
fresh
# (the old writer's here-document ended at SXSCHECK_HIVEX; the data line after
# it, hex:3:01, then ran as a command: a program of that name is on PATH)
hx "$soft" "cd $w\\10.0" 'setval 4' @ 'string:10.0.17763.1554' SXSCHECK_HIVEX 'hex:3:01' \
	10.0.17763.1554 'hex:3:01' pwned-cmd 'hex:3:01'
"$sxscheck" scan "$tmp/img" >"$tmp/scan" 2>&1
grep -q 'winner-malformed.*codeintegrity' "$tmp/scan" || { cat "$tmp/scan" >&2; fail 'scan: no winner-malformed for value names that are not versions'; }
for s in sh ps1; do
	"$sxscheck" compare "$tmp/img" --golden "$g" --script=$s -o "$tmp/hostile.$s" >"$tmp/cmp.txt"
	if grep -v '^[[:space:]]*#' "$tmp/hostile.$s" | grep -q -e SXSCHECK_HIVEX -e pwned-cmd; then
		fail "$s: a Winners name that is not a version is in the script outside a comment"
	fi
done
grep -q 'Cannot fix' "$tmp/cmp.txt" && grep -q 'winner-malformed' "$tmp/cmp.txt" ||
	{ cat "$tmp/cmp.txt" >&2; fail 'compare: the malformed Winners key is not among what it cannot fix'; }
if grep -v '^[[:space:]]*#' "$tmp/hostile.sh" | grep -q '<<'; then
	fail 'the sh script has a here-document'
fi
for m in --dry-run --apply; do
	PATH=$tmp/bin:$PATH sh "$tmp/hostile.sh" "$m" "$tmp/img" "$g" >"$tmp/out" 2>&1
	[ -e "$tmp/pwned" ] && { cat "$tmp/out" >&2; fail "$m: a Winners value name ran as a command"; rm -f "$tmp/pwned"; }
done
exit $status
