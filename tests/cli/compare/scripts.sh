#!/bin/sh
# SPDX-License-Identifier: MIT
# The demo's repair scripts (branch-pc against golden-pc):
#  - equal the golden files golden/repair-demo.{sh,ps1} (SXS_UPDATE_GOLDEN=1 rewrites them);
#  - the sh script parses (sh -n, bash -n), its dry run changes nothing, and
#    --apply on a copy of branch-pc gives an image that scan finds clean and
#    that compare finds equal to golden-pc, with its backups and an undo.sh
#    that parses and lints clean; a second --apply notices the plan is stale.
set -u
srcroot=$1 sxscheck=$2 golden=$3
cd "$srcroot" || exit 99
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
b=testdata/images/branch-pc g=testdata/images/golden-pc
status=0
fail() { echo "scripts.sh: $*" >&2; status=1; }
# left_by_plan SCAN COMPARE: after the repair, scan has no error and no warning
# but a package state compare lists under "Cannot fix" (copying files cannot
# change it), and compare has nothing left to plan
left_by_plan() {
	grep -q '^  Errors: 0, ' "$1" || return 1
	grep -E '^warning ' "$1" | grep -v '^warning package-pending-stale ' | grep -q . && return 1
	grep -q ', 0 plan step(s), ' "$2" || return 1
	grep -q 'copying files cannot change a CBS package state' "$2" || ! grep -q '^warning ' "$1"
}

for s in sh ps1; do
	"$sxscheck" compare "$b" --golden "$g" --script=$s -o "$tmp/repair.$s" >/dev/null
	[ $? = 1 ] || fail "compare --script=$s: unexpected exit"
	if [ "${SXS_UPDATE_GOLDEN:-}" = 1 ]; then cp "$tmp/repair.$s" "$golden/repair-demo.$s"; fi
	diff -u "$golden/repair-demo.$s" "$tmp/repair.$s" || fail "repair.$s differs from golden/repair-demo.$s"
done
sh -n "$tmp/repair.sh" || fail 'sh -n failed'
bash -n "$tmp/repair.sh" || fail 'bash -n failed'

if ! command -v hivexsh >/dev/null 2>&1; then
	echo 'hivexsh not installed (libhivex-bin): running the script skipped' >&2
	[ $status = 0 ] && exit 77
	exit $status
fi
cp -a "$b" "$tmp/image"
(cd "$tmp/image" && find . -type f -exec sha256sum {} + | sort) >"$tmp/before"
sh "$tmp/repair.sh" "$tmp/image" "$g/Windows/WinSxS" >"$tmp/dry.log" 2>&1 || { cat "$tmp/dry.log" >&2; fail 'dry run failed'; }
(cd "$tmp/image" && find . -type f -exec sha256sum {} + | sort) >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" || fail 'the dry run changed the image'
grep -q '^Dry run: nothing was changed' "$tmp/dry.log" || fail 'dry run did not say so'

sh "$tmp/repair.sh" --apply "$tmp/image" "$g" >"$tmp/apply.log" 2>&1 || { cat "$tmp/apply.log" >&2; fail '--apply failed'; }
"$sxscheck" scan "$tmp/image" >"$tmp/scan"
"$sxscheck" compare "$tmp/image" --golden "$g" >"$tmp/cmp"
left_by_plan "$tmp/scan" "$tmp/cmp" || { cat "$tmp/scan" "$tmp/cmp" >&2; fail 'scan or compare after the repair is not clean'; }
ls "$tmp/image"/sxscheck-backup-*/files/5 >/dev/null 2>&1 || fail 'no backups (4 files and the hive)'
undo=$(ls "$tmp/image"/sxscheck-backup-*/undo.sh)
sh -n "$undo" || fail 'undo.sh does not parse'
if command -v shellcheck >/dev/null 2>&1; then
	shellcheck -s sh "$undo" || fail 'shellcheck finds something in undo.sh'
fi

# a second run finds the hive changed since the plan and refuses, changing nothing
(cd "$tmp/image" && find . -type f -exec sha256sum {} + | sort) >"$tmp/before2"
if sh "$tmp/repair.sh" --apply "$tmp/image" "$g" >"$tmp/again.log" 2>&1; then
	fail 'a second --apply did not notice the plan is stale'
fi
grep -q 'make a new plan' "$tmp/again.log" || { cat "$tmp/again.log" >&2; fail 'stale plan: no reason given'; }
(cd "$tmp/image" && find . -type f -exec sha256sum {} + | sort) >"$tmp/after2"
cmp -s "$tmp/before2" "$tmp/after2" || fail 'the refused run changed the image'

# undo.sh --keep-backup: the image as before the repair, the backups kept
sh "$undo" --keep-backup >"$tmp/undo.log" 2>&1 || { cat "$tmp/undo.log" >&2; fail 'undo.sh --keep-backup failed'; }
(cd "$tmp/image" && find . -path ./sxscheck-backup-\* -prune -o -type f -exec sha256sum {} + | sort) >"$tmp/undone"
cmp -s "$tmp/before" "$tmp/undone" || fail 'undo.sh did not put the image back'
[ -f "$undo" ] || fail 'undo.sh --keep-backup removed the backups'
exit $status
