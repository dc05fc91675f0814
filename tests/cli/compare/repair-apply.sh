#!/bin/sh
# SPDX-License-Identifier: MIT
# repair.sh --apply on a copy of the demo's branch-pc laid out as Windows
# does (System32 payloads are hard links of the WinSxS files, tests/ntfs),
# on ext4 (the scratch folder) or on a real NTFS volume mounted with ntfs-3g:
#
#   repair-apply.sh SRCROOT SXSCHECK ext4|ntfs
#
#  - issue 12 defect 1: every file is written in place: the System32 copy is
#    healed through its hard link, inode and link count stay, and on NTFS the
#    security descriptor (system.ntfs_acl) too; the SOFTWARE hive is written
#    in place (same inode) after it was backed up;
#  - a payload and a differential folder that did not exist are created; on
#    NTFS they get the golden copy's security descriptor, not ntfs-3g's; a
#    differential the golden side keeps in servicing\LCU goes there too;
#  - a rescan is clean and compare finds nothing to do;
#  - defect 6: undo.sh in the backup folder puts the image back exactly
#    (names, bytes, inodes, link counts, security descriptors) and then
#    removes the backup folder;
#  - the dry run changes nothing, and neither does a run refused for a
#    pending servicing transaction (defect 7).
# Skipped (77) only on NTFS where FUSE cannot be used.
set -u
srcroot=$1 sxscheck=$2 fs=$3
# shellcheck source=tests/ntfs/ntfs.sh
. "$srcroot/tests/ntfs/ntfs.sh"
status=0
fail() { echo "repair-apply ($fs): $*" >&2; status=1; }
# left_by_plan SCAN COMPARE: after the repair, scan has no error and no warning
# but a package state compare lists under "Cannot fix" (copying files cannot
# change it), and compare has nothing left to plan
left_by_plan() {
	grep -q '^  Errors: 0, ' "$1" || return 1
	grep -E '^warning ' "$1" | grep -v '^warning package-pending-stale ' | grep -q . && return 1
	grep -q ', 0 plan step(s), ' "$2" || return 1
	grep -q 'copying files cannot change a CBS package state' "$2" || ! grep -q '^warning ' "$1"
}

if [ "$fs" = ntfs ]; then
	ntfs_init
	top=$NTFS_TMP
	ntfs_volume "$top/vol" 128M || exit 1
	mkdir "$top/mnt"
	ntfs_mount "$top/vol" "$top/mnt" rw
	work=$top/mnt
else
	top=$(mktemp -d) || exit 99
	trap 'rm -rf "$top"' EXIT
	work=$top/fs
	mkdir "$work"
fi
img=$work/image
gold=$work/golden
ntfs_layout "$srcroot/testdata/images/branch-pc" "$img" || exit 1
ntfs_layout "$srcroot/testdata/images/golden-pc" "$gold" || exit 1

sxs=$(ntfs_ci_find "$img/Windows" WinSxS)
gsxs=$(ntfs_ci_find "$gold/Windows" WinSxS)
ci_kf=amd64_microsoft-windows-codeintegrity_31bf3856ad364e35_10.0.17763.1613_none_ede540f8d6a77dfa
np_kf=amd64_microsoft-windows-notepad_31bf3856ad364e35_10.0.17763.1_none_5fe07760c829276f
k32_kf=wow64_microsoft-windows-kernel32_31bf3856ad364e35_10.0.17763.1613_none_eb7fdf4e5c93e45d
s32=$(ntfs_ci_find "$img/Windows" System32)
drv=$sxs/$ci_kf/driver.stl
[ -f "$s32/driver.stl" ] || { echo "no System32/driver.stl: the layout did not project" >&2; exit 1; }

# a payload and a differential folder missing here: the plan creates them
rm -f "$sxs/$np_kf/notepad.exe" "$s32/notepad.exe"
rm -rf "${sxs:?}/$k32_kf/r"
# and a differential the golden side keeps under servicing\LCU (psfx): the
# plan carries its place, the scripts write it there, not into WinSxS
lcu_pkg='Package_for_RollupFix~31bf3856ad364e35~amd64~~17763.1613.1.7'
mkdir -p "$gold/Windows/servicing/LCU/$lcu_pkg/$k32_kf/r" "$img/Windows/servicing/LCU"
cp "$gsxs/$k32_kf/r/kernel32.dll" "$gold/Windows/servicing/LCU/$lcu_pkg/$k32_kf/r/kernel32.dll"

acl() { getfattr -h --absolute-names -e hex -n system.ntfs_acl -- "$1" 2>/dev/null | sed -n 's/^system\.ntfs_acl=//p'; }
if [ "$fs" = ntfs ]; then
	# a security descriptor ntfs-3g would never give a new file (read and
	# execute for Everyone), on the golden copies of what will be created
	golden_acl=0x0100048014000000240000000000000034000000010200000000000520000000200200000102000000000005200000002002000002001c000100000000031400a9001200010100000000000100000000
	setfattr -h -n system.ntfs_acl -v "$golden_acl" -- "$gsxs/$np_kf/notepad.exe" || fail 'cannot set an ACL on the golden copy'
	setfattr -h -n system.ntfs_acl -v "$golden_acl" -- "$gsxs/$k32_kf/r/kernel32.dll" || fail 'cannot set an ACL on the golden copy'
	[ "$(acl "$drv")" != "$golden_acl" ] || fail 'test set-up: the image file already has the golden ACL'
fi

# state DIR: every name below DIR (backups left out) with its type, bytes,
# inode, link count and (NTFS) security descriptor
state() {
	(cd "$1" && find . -path ./sxscheck-backup-\* -prune -o -print | LC_ALL=C sort | while IFS= read -r p; do
		if [ -f "$p" ]; then
			printf '%s f %s %s %s\n' "$p" "$(sha256sum <"$p" | cut -c1-64)" "$(stat -c '%i %h' -- "$p")" "$(acl "$p" | cksum)"
		else
			printf '%s d %s\n' "$p" "$(acl "$p" | cksum)"
		fi
	done)
}

"$sxscheck" compare "$img" --golden "$gold" --script=sh -o "$top/repair.sh" >"$top/plan.txt"
[ $? = 1 ] || fail 'compare: unexpected exit'
grep -q "$np_kf" "$top/repair.sh" || fail 'the plan does not create the missing payload'
state "$img" >"$top/before"
drv_ino=$(stat -c %i "$drv")
drv_acl=$(acl "$drv")
sw=$(ntfs_ci_find "$(ntfs_ci_find "$s32" config)" SOFTWARE)
sw_ino=$(stat -c %i "$sw")

sh "$top/repair.sh" "$img" "$gold" >"$top/dry.log" 2>&1 || { cat "$top/dry.log" >&2; fail 'dry run failed'; }
state "$img" >"$top/after-dry"
cmp -s "$top/before" "$top/after-dry" || fail 'the dry run changed the image'

# defect 7 on this file system too: a pending transaction is refused, nothing changes
: >"$sxs/pending.xml"
state "$img" >"$top/pending-before"
sh "$top/repair.sh" --apply "$img" "$gold" >"$top/pending.log" 2>&1
[ $? = 3 ] || { cat "$top/pending.log" >&2; fail '--apply with pending.xml was not refused'; }
state "$img" >"$top/pending-after"
cmp -s "$top/pending-before" "$top/pending-after" || fail 'the refused run changed the image'
rm -f "$sxs/pending.xml"

if ! sh "$top/repair.sh" --apply "$img" "$gold" >"$top/apply.log" 2>&1; then
	cat "$top/apply.log" >&2
	fail "--apply failed"
fi

# what Windows will see: the volume as written, not what this mount caches
# (FUSE keeps the pages of each name of a hard-linked file apart)
remount() {
	if [ "$fs" = ntfs ]; then
		ntfs_umount "$top/mnt" || fail 'unmount failed'
		ntfs_mount "$top/vol" "$top/mnt" rw
	fi
}
remount

# defect 1: the System32 name sees the golden bytes through the same inode
golden_drv=$(sha256sum <"$gsxs/$ci_kf/driver.stl" | cut -c1-64)
[ "$(sha256sum <"$s32/driver.stl" | cut -c1-64)" = "$golden_drv" ] || fail 'System32/driver.stl still holds the corrupt bytes'
[ "$(stat -c %i "$drv")" = "$drv_ino" ] || fail 'WinSxS driver.stl is a new file (inode changed)'
[ "$(stat -c %i "$s32/driver.stl")" = "$drv_ino" ] || fail 'System32/driver.stl is no longer the same file as the WinSxS copy'
[ "$(stat -c %h "$drv")" = 2 ] || fail "driver.stl has $(stat -c %h "$drv") link(s), not 2"
[ "$(stat -c %i "$sw")" = "$sw_ino" ] || fail 'the SOFTWARE hive was replaced, not written in place'
ls "$img"/sxscheck-backup-*/files/* >/dev/null 2>&1 || fail 'no backups'
if [ "$fs" = ntfs ]; then
	[ "$(acl "$drv")" = "$drv_acl" ] || fail 'driver.stl lost its security descriptor'
	[ "$(acl "$sxs/$np_kf/notepad.exe")" = "$golden_acl" ] || fail 'the created notepad.exe does not have the golden copy'"'"'s security descriptor'
	[ "$(acl "$sxs/$k32_kf/r/kernel32.dll")" = "$golden_acl" ] || fail 'the created r/kernel32.dll does not have the golden copy'"'"'s security descriptor'
fi
cmp -s "$gold/Windows/servicing/LCU/$lcu_pkg/$k32_kf/r/kernel32.dll" \
	"$img/Windows/servicing/LCU/$lcu_pkg/$k32_kf/r/kernel32.dll" || fail 'the LCU differential is not in servicing/LCU'
"$sxscheck" scan "$img" >"$top/scan" 2>&1
"$sxscheck" compare "$img" --golden "$gold" >"$top/cmp" 2>&1
left_by_plan "$top/scan" "$top/cmp" || { cat "$top/scan" "$top/cmp" >&2; fail 'scan or compare after the repair is not clean'; }

# defect 6: undo.sh puts every name, byte, inode and descriptor back
undo=$(ls "$img"/sxscheck-backup-*/undo.sh 2>/dev/null)
if [ -z "$undo" ]; then
	fail 'no undo.sh next to the backups'
else
	sh -n "$undo" || fail 'undo.sh does not parse'
	if ! sh "$undo" >"$top/undo.log" 2>&1; then
		cat "$top/undo.log" >&2
		fail 'undo.sh failed'
	fi
	remount
	state "$img" >"$top/after-undo"
	diff -u "$top/before" "$top/after-undo" >&2 || fail 'undo.sh did not restore the image exactly'
	# names too: the backup folder goes once everything is back
	ls -d "$img"/sxscheck-backup-* >/dev/null 2>&1 && fail 'the backup folder is still in the image after undo.sh'
fi

if [ "$fs" = ntfs ]; then
	ntfs_umount "$top/mnt" || fail 'unmount failed'
fi
exit $status
