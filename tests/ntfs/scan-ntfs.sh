#!/bin/sh
# SPDX-License-Identifier: MIT
# A scan on a real NTFS volume (mkntfs in a sparse file, mounted with
# ntfs-3g) gives the same report as on the ext4 copy of the same image,
# names that differ only in case included, and leaves the volume unchanged
# block for block, mounted read-only or read-write.  Exit 77 only where
# FUSE cannot be used (see ntfs.sh).
#
# A third image is golden-pc whose COMPONENTS holds its newest state only in
# its .LOG1/.LOG2 (mkhive + mklog): replayed in memory the same way on NTFS.
#
# usage: scan-ntfs.sh SRCROOT SXSCHECK [MKHIVE MKLOG]
set -u
srcroot=$1 sxscheck=$2 mkhive=${3:-} mklog=${4:-}
# shellcheck source=tests/ntfs/ntfs.sh
. "$srcroot/tests/ntfs/ntfs.sh"
ntfs_init
failures=0

fail() {
	echo "FAIL $*" >&2
	failures=$((failures + 1))
}

# report DIR NAME: text and JSON reports of DIR (scanned as ".", so the
# root path reads the same), timing blanked, exit status kept
report() {
	for f in text json; do
		(cd "$1" && "$sxscheck" scan --jobs=2 --format=$f .) >"$NTFS_TMP/$2.$f" \
			2>"$NTFS_TMP/$2.$f.err"
		echo "exit $?" >>"$NTFS_TMP/$2.$f"
		sed -i -e 's/ in [0-9][0-9]*\.[0-9][0-9] s$/ in N s/' \
		    -e 's/"elapsed_seconds": [0-9.e+-]*/"elapsed_seconds": N/' "$NTFS_TMP/$2.$f"
	done
}

# case twins: a second spelling of a payload and of a manifest next to the
# one Windows wrote (possible in NTFS's POSIX namespace, as on ext4); the
# scan must take the exact spelling and ignore the twin on both
add_twins() {
	win="$1/Windows"
	[ -d "$win" ] || win=$(ntfs_ci_find "$1" Windows)
	sxs=$(ntfs_ci_find "$win" WinSxS)
	np=$(cd "$sxs" && find . -maxdepth 1 -name 'amd64_microsoft-windows-notepad_*' |
		sed 's|^\./||' | head -n 1)
	printf 'not notepad\n' >"$sxs/$np/NOTEPAD.EXE"
	md=$(ntfs_ci_find "$sxs" Manifests)
	m=$(cd "$md" && find . -maxdepth 1 -iname 'amd64_microsoft-windows-notepad_*' |
		sed 's|^\./||' | head -n 1)
	# the twin differs in case only, and is garbage
	tw=$(printf '%s' "$m" | tr 'a-zA-Z' 'A-Za-z')
	printf 'garbage\n' >"$md/$tw"
}

images="golden-pc branch-pc"
if [ -n "$mkhive" ] && [ -n "$mklog" ]; then
	# golden-pc, its COMPONENTS stale (no notepad key) with the rest in its logs
	dirty="$NTFS_TMP/src-dirty-pc"
	cp -a "$srcroot/testdata/images/golden-pc" "$dirty"
	cfg="$dirty/Windows/System32/config"
	awk '/^\[/ { skip = ($0 ~ /notepad_31bf/) } !skip' \
		"$srcroot/testdata/images/sources/golden-pc/COMPONENTS.txt" >"$NTFS_TMP/stale.txt"
	"$mkhive" "$NTFS_TMP/stale.txt" "$NTFS_TMP/stale.hive" >/dev/null || exit 1
	"$mklog" --entries 2 --split 1 "$NTFS_TMP/stale.hive" "$cfg/COMPONENTS" "$NTFS_TMP/c" || exit 1
	cp "$NTFS_TMP/c" "$cfg/COMPONENTS"
	cp "$NTFS_TMP/c.LOG1" "$cfg/COMPONENTS.LOG1"
	cp "$NTFS_TMP/c.LOG2" "$cfg/COMPONENTS.LOG2"
	images="$images dirty-pc"
fi

for image in $images; do
	failed_before=$failures
	src="$srcroot/testdata/images/$image"
	[ "$image" = dirty-pc ] && src=$dirty
	ext="$NTFS_TMP/ext4-$image"
	ntfs_layout "$src" "$ext" || exit 1
	add_twins "$ext"
	report "$ext" "ext4-$image"

	vol="$NTFS_TMP/$image.vol"
	ntfs_volume "$vol" 64M || exit 1
	ntfs_mount "$vol" "$NTFS_TMP/mnt" rw || exit 1
	ntfs_layout "$src" "$NTFS_TMP/mnt" || exit 1
	add_twins "$NTFS_TMP/mnt"
	# the layout really is Windows': payloads linked into System32
	links=$(find "$NTFS_TMP/mnt/Windows" -type f -links 2 | wc -l)
	[ "$links" -gt 0 ] || fail "$image: no hard-linked payloads on the NTFS volume"
	ntfs_umount "$NTFS_TMP/mnt"
	before=$(ntfs_sum "$vol")

	for mode in ro rw; do
		ntfs_mount "$vol" "$NTFS_TMP/mnt" $mode || exit 1
		report "$NTFS_TMP/mnt" "ntfs-$mode-$image"
		ntfs_umount "$NTFS_TMP/mnt"
		after=$(ntfs_sum "$vol")
		[ "$before" = "$after" ] ||
			fail "$image: the volume changed during a scan on a $mode mount"
		for f in text json; do
			if ! diff -u "$NTFS_TMP/ext4-$image.$f" "$NTFS_TMP/ntfs-$mode-$image.$f"; then
				fail "$image: $f report on NTFS ($mode) differs from ext4"
			fi
			if [ -s "$NTFS_TMP/ntfs-$mode-$image.$f.err" ]; then
				cat "$NTFS_TMP/ntfs-$mode-$image.$f.err" >&2
				fail "$image: diagnostics on stderr on NTFS ($mode)"
			fi
		done
	done
	[ "$failures" -eq "$failed_before" ] &&
		echo "ok   $image: same report on ext4 and NTFS (ro and rw), volume unchanged"
done

# the checksum check can fail: a write on a rw mount changes the volume
vol="$NTFS_TMP/golden-pc.vol"
before=$(ntfs_sum "$vol")
ntfs_mount "$vol" "$NTFS_TMP/mnt" rw || exit 1
: >"$NTFS_TMP/mnt/written"
ntfs_umount "$NTFS_TMP/mnt"
[ "$before" != "$(ntfs_sum "$vol")" ] || fail "control: a write left the volume checksum unchanged"

# the reports are not trivially equal: the image's own findings are there,
# the garbage manifest twin is seen, and the payload twin NOTEPAD.EXE was
# not taken for notepad.exe (the exact spelling wins)
for image in golden-pc branch-pc; do
	r="$NTFS_TMP/ntfs-ro-$image.text"
	grep -q "^error   manifest-unreadable .*notepad.*\.MANIFEST: " "$r" ||
		fail "$image: the manifest twin is not in the NTFS report"
	if grep -q 'notepad.exe: hashes' "$r"; then
		fail "$image: the payload twin NOTEPAD.EXE was hashed for notepad.exe"
	fi
done
grep -q 'payload-hash-mismatch' "$NTFS_TMP/ntfs-ro-branch-pc.text" ||
	fail "branch-pc: the NTFS report lacks the image's known findings"
if [ -n "$mkhive" ]; then
	grep -q '^info    hive-replayed .*replayed from COMPONENTS.LOG1 (1 entry, [0-9]* pages\?) then COMPONENTS.LOG2' \
		"$NTFS_TMP/ntfs-ro-dirty-pc.text" ||
		fail "dirty-pc: COMPONENTS was not replayed from its logs on NTFS"
	# the notepad key is only in the logs: its manifest is no orphan
	grep -q 'manifest-orphan .*\\amd64_microsoft-windows-notepad_.*\.manifest:' "$NTFS_TMP/ntfs-ro-dirty-pc.text" &&
		fail "dirty-pc: the stale COMPONENTS was read on NTFS"
fi

[ -n "${SXS_NTFS_SHOW:-}" ] && cat "$NTFS_TMP/ntfs-ro-$SXS_NTFS_SHOW.text"
[ "$failures" -eq 0 ] || exit 1
exit 0
