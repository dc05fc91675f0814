#!/bin/sh
# SPDX-License-Identifier: MIT
# WOF (CompactOS) payloads on a real NTFS volume: ntfs-3g without the
# system-compression plugin shows such files as symbolic links it cannot
# read.  sxscheck must call them unverifiable (never missing, corrupt or a
# refused link: calibration.md §1.1), count them as reparse points in the
# census, and still refuse a real NTFS symbolic link.  Exit 77 only where
# FUSE cannot be used (see tests/ntfs/ntfs.sh).
#
# usage: wof-ntfs.sh SRCROOT SXSCHECK JSONCHECK
set -u
srcroot=$1 sxscheck=$2 jsoncheck=$3
# shellcheck source=tests/ntfs/ntfs.sh
. "$srcroot/tests/ntfs/ntfs.sh"
ntfs_init
failures=0
fail() {
	echo "FAIL $*" >&2
	failures=$((failures + 1))
}

ntfs_image "$srcroot/testdata/images/golden-pc"
ntfs_mount "$NTFS_VOL" "$NTFS_TMP/mnt" rw
sxs="$NTFS_TMP/mnt/Windows/WinSxS"
np=$(ls -d "$sxs"/amd64_microsoft-windows-notepad_*)
ci=$(ls -d "$sxs"/amd64_microsoft-windows-codeintegrity_*)
# REPARSE_DATA_BUFFER: tag IO_REPARSE_TAG_WOF 0x80000017, 16 data bytes:
# WOF_EXTERNAL_INFO (version 1, provider 2 = file) + FILE_PROVIDER_EXTERNAL_INFO_V1 (version 1, LZX)
setfattr -n system.ntfs_reparse_data -v 0x170000801000000001000000020000000100000001000000 \
	"$np/notepad.exe" || fail "setfattr WOF"
# IO_REPARSE_TAG_SYMLINK 0xA000000C: a real symbolic link, relative, to "x"
setfattr -n system.ntfs_reparse_data \
	-v 0x0c0000a01000000000000200020002000100000078007800 \
	"$ci/driver.stl" 2>/dev/null || fail "setfattr symlink"
ntfs_umount "$NTFS_TMP/mnt"
ntfs_mount "$NTFS_VOL" "$NTFS_TMP/mnt" ro

out="$NTFS_TMP/scan.json"
"$sxscheck" scan --format=json "$NTFS_TMP/mnt" >"$out" 2>"$NTFS_TMP/err"
i=0 wof=no link=no
while id=$("$jsoncheck" "findings.$i.id" <"$out"); do
	file=$("$jsoncheck" "findings.$i.file" <"$out" 2>/dev/null)
	msg=$("$jsoncheck" "findings.$i.message" <"$out")
	case "$id:$file" in
	payload-unverifiable:notepad.exe)
		case "$msg" in *WOF-compressed*) wof=yes ;; esac ;;
	link-refused:driver.stl) link=yes ;;
	*:notepad.exe) fail "notepad.exe reported as $id: $msg" ;;
	esac
	i=$((i + 1))
done
[ $wof = yes ] || fail "the WOF payload is not reported as unverifiable (WOF)"
[ $link = yes ] || fail "the NTFS symbolic link is not refused"
"$sxscheck" census --format=json "$NTFS_TMP/mnt" >"$NTFS_TMP/census.json" || fail "census"
reparse=$("$jsoncheck" "f_flags.by_value.0.reparse" <"$NTFS_TMP/census.json")
[ "$reparse" = 1 ] || fail "census counts $reparse reparse points, not 1"
ntfs_umount "$NTFS_TMP/mnt"
[ $failures = 0 ] && echo "ok   wof-ntfs"
[ $failures = 0 ]
