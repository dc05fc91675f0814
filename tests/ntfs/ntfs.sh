# SPDX-License-Identifier: MIT
# shellcheck shell=sh
#
# tests/ntfs/ntfs.sh: a POSIX sh library for tests that need a real NTFS
# volume.  It makes an NTFS file system in a sparse file (mkntfs), mounts it
# with ntfs-3g (FUSE), lays a demo image out on it with its WinSxS payloads
# hard-linked into System32 as Windows has them, and unmounts and removes
# everything on every exit path.  Source it, never run it:
#
#   . "$srcroot/tests/ntfs/ntfs.sh"
#   ntfs_init                        # scratch dir + exit trap; FUSE check
#   ntfs_volume "$NTFS_TMP/vol" 256M # sparse file + mkntfs
#   ntfs_mount "$NTFS_TMP/vol" "$NTFS_TMP/mnt" rw
#   ntfs_layout "$srcroot/testdata/images/golden-pc" "$NTFS_TMP/mnt"
#   ntfs_umount "$NTFS_TMP/mnt"
#   ntfs_mount "$NTFS_TMP/vol" "$NTFS_TMP/mnt" ro
#   ... run sxscheck on "$NTFS_TMP/mnt" ...
#   (the exit trap unmounts whatever is still mounted and removes NTFS_TMP)
#
# Or in one call: ntfs_image SRC [SIZE] makes $NTFS_TMP/vol holding SRC's
# image, unmounted (NTFS_VOL names it).
#
# Exit status: a caller exits 77 (meson's "skipped") only where FUSE cannot
# be used: no /dev/fuse, no permission to open it, or ntfs-3g refused by
# the kernel/FUSE layer.  Missing tools (mkntfs, ntfs-3g: Debian package
# ntfs-3g, listed in tests/setup.sh) are a test failure (exit 1), not a
# skip: CI must not pass by skipping silently.
#
# The projection rule (which WinSxS files appear in System32), documented
# in tests/ntfs/README.md: for every component folder named
# ARCH_NAME_PKT_VERSION_LANG_HASH, the folder with the highest VERSION of
# each ARCH_NAME_PKT_LANG family projects every regular file directly in
# it (not f/, r/, n/) as a hard link: amd64 and msil into
# Windows/System32, wow64 and x86 into Windows/SysWOW64.  A name already
# present there (compared ignoring case) is not linked twice.
#
# Functions (all return non-zero with a message on stderr on failure; the
# ones marked "exits" leave the calling test with 77 or 1 themselves):
#   ntfs_init                   exits: 77 without FUSE, 1 without tools.
#                               Sets NTFS_TMP (mktemp -d), traps EXIT, INT,
#                               TERM, HUP.
#   ntfs_volume FILE SIZE       sparse FILE of SIZE (truncate syntax), mkntfs
#   ntfs_mount FILE DIR MODE    MODE ro or rw (rw is mounted noatime, so a
#                               read-only scan changes nothing).  exits 77
#                               when the mount fails for want of FUSE.
#   ntfs_umount DIR             unmount and wait until ntfs-3g has written
#                               everything and exited
#   ntfs_layout SRC DEST        copy image SRC (its Windows/ tree) to DEST,
#                               then ntfs_project DEST; works on any file
#                               system (use it for the ext4 twin too)
#   ntfs_project DEST           hard-link DEST's payloads into System32 and
#                               SysWOW64 by the rule above
#   ntfs_image SRC [SIZE]       volume (default 256M) + layout, unmounted;
#                               sets NTFS_VOL
#   ntfs_sum FILE               SHA-256 of the whole volume file (every
#                               block, holes included)
#   ntfs_cleanup                what the trap runs (idempotent)

NTFS_TMP=
NTFS_VOL=
ntfs_mounts=  # mount points, newline-separated
ntfs_pids=    # ntfs-3g processes we started, "MOUNTPOINT PID" lines

ntfs_log() {
	echo "ntfs.sh: $*" >&2
}

ntfs_skip() {
	echo "SKIP: $* (FUSE cannot be used here)" >&2
	exit 77
}

# ntfs_fuse_usable: 0 when /dev/fuse exists and this process may open it
# (root opens it directly; others go through the setuid fusermount, but
# ntfs-3g itself must then be setuid root, which Debian does not ship).
# SXS_NTFS_FUSE_DEV names another device, to try the skip path.
ntfs_fuse_usable() {
	fuse=${SXS_NTFS_FUSE_DEV:-/dev/fuse}
	if [ ! -c "$fuse" ]; then
		ntfs_why="no $fuse"
		return 1
	fi
	if ! { : <>"$fuse"; } 2>/dev/null; then
		ntfs_why="cannot open $fuse (permission denied)"
		return 1
	fi
	return 0
}

ntfs_init() {
	for t in mkntfs ntfs-3g sha256sum truncate; do
		if ! command -v "$t" >/dev/null 2>&1; then
			ntfs_log "$t not found (install the ntfs-3g package: sh tests/setup.sh)"
			exit 1
		fi
	done
	ntfs_fuse_usable || ntfs_skip "$ntfs_why"
	NTFS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sxs-ntfs.XXXXXX") || exit 99
	trap ntfs_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

ntfs_volume() {
	rm -f "$1"
	truncate -s "$2" "$1" || return 1
	# -F: a file, not a block device; -f: no zeroing (stays sparse);
	# mkntfs tells at length why a file cannot boot Windows: keep it only
	# on failure
	if ! mkntfs -F -q -f -L sxscheck "$1" >"$1.mkntfs.log" 2>&1; then
		cat "$1.mkntfs.log" >&2
		ntfs_log "mkntfs failed on $1"
		return 1
	fi
	rm -f "$1.mkntfs.log"
}

ntfs_is_mounted() {
	# /proc/self/mounts escapes spaces as \040; our scratch paths have none
	awk -v d="$1" '$2 == d { found = 1 } END { exit !found }' /proc/self/mounts
}

ntfs_mount() {
	vol=$1 dir=$2 mode=$3
	case $mode in
	ro) opts=ro ;;
	rw) opts=rw,noatime ;;
	*) ntfs_log "ntfs_mount: mode must be ro or rw, not '$mode'"; return 1 ;;
	esac
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd -P) || return 1
	# no_detach: ntfs-3g stays our child, so ntfs_umount can wait for it
	# to finish writing the volume and exit (a FUSE unmount returns before
	# that); its debug chatter goes to a log kept for failures
	ntfs-3g -o "$opts,no_detach" "$vol" "$dir" >"$vol.mount.log" 2>&1 &
	pid=$!
	ntfs_pids="$ntfs_pids$dir $pid
"
	i=0
	while ! ntfs_is_mounted "$dir"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			ntfs_forget_pid "$dir"
			if ! ntfs_fuse_usable ||
			    grep -qi -e 'fuse: device not found' -e 'fuse device' \
				-e 'operation not permitted' -e 'permission denied' \
				"$vol.mount.log"; then
				cat "$vol.mount.log" >&2
				ntfs_skip "ntfs-3g could not mount $vol"
			fi
			cat "$vol.mount.log" >&2
			ntfs_log "ntfs-3g failed to mount $vol on $dir"
			return 1
		fi
		i=$((i + 1))
		if [ $i -gt 300 ]; then
			ntfs_log "ntfs-3g did not mount $vol on $dir within 30 s"
			return 1
		fi
		sleep 0.1
	done
	ntfs_mounts="$ntfs_mounts$dir
"
}

ntfs_forget_pid() {
	ntfs_pids=$(printf '%s' "$ntfs_pids" | awk -v d="$1" '$1 != d')
	[ -n "$ntfs_pids" ] && ntfs_pids="$ntfs_pids
"
	return 0
}

ntfs_umount() {
	dir=$(cd "$1" 2>/dev/null && pwd -P) || dir=$1
	rc=0
	if ntfs_is_mounted "$dir"; then
		i=0
		# a scan that just ended may still hold the mount for a moment
		until umount "$dir" 2>/dev/null || fusermount -u "$dir" 2>/dev/null; do
			i=$((i + 1))
			if [ $i -gt 50 ]; then
				ntfs_log "cannot unmount $dir"
				umount -l "$dir" 2>/dev/null || fusermount -u -z "$dir" 2>/dev/null
				rc=1
				break
			fi
			sleep 0.2
		done
	fi
	pid=$(printf '%s' "$ntfs_pids" | awk -v d="$dir" '$1 == d { print $2 }')
	if [ -n "$pid" ]; then
		# ntfs-3g exits once it has synced the volume
		wait "$pid" 2>/dev/null
		ntfs_forget_pid "$dir"
	fi
	ntfs_mounts=$(printf '%s' "$ntfs_mounts" | grep -vxF "$dir")
	[ -n "$ntfs_mounts" ] && ntfs_mounts="$ntfs_mounts
"
	return $rc
}

ntfs_cleanup() {
	st=$?
	trap - EXIT INT TERM HUP
	printf '%s' "$ntfs_mounts" | while IFS= read -r m; do
		[ -n "$m" ] || continue
		umount "$m" 2>/dev/null || fusermount -u "$m" 2>/dev/null ||
			umount -l "$m" 2>/dev/null || fusermount -u -z "$m" 2>/dev/null
	done
	# only the ntfs-3g processes this test started, by their pid
	printf '%s' "$ntfs_pids" | while read -r _m pid; do
		[ -n "$pid" ] || continue
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	ntfs_mounts=''
	ntfs_pids=''
	if [ -n "$NTFS_TMP" ] && [ -d "$NTFS_TMP" ]; then
		rm -rf "$NTFS_TMP"
	fi
	exit $st
}

# ntfs_ci_find DIR NAME: the entry of DIR named NAME ignoring ASCII case
ntfs_ci_find() {
	for e in "$1"/* "$1"/.[!.]*; do
		[ -e "$e" ] || continue
		b=${e##*/}
		# ASCII case folding, as sxscheck's own lookups (store.h)
		if [ "$(printf '%s' "$b" | LC_ALL=C tr '[:upper:]' '[:lower:]')" = \
		    "$(printf '%s' "$2" | LC_ALL=C tr '[:upper:]' '[:lower:]')" ]; then
			printf '%s\n' "$e"
			return 0
		fi
	done
	return 1
}

ntfs_layout() {
	src=$1 dest=$2
	if [ ! -d "$src" ]; then
		ntfs_log "ntfs_layout: no image at $src"
		return 1
	fi
	mkdir -p "$dest" || return 1
	# cp -R: names exactly as in the image (case twins included), regular
	# files and directories only (the demo images hold nothing else)
	(cd "$src" && find . -mindepth 1 -maxdepth 1 -exec cp -R {} "$dest/" \;) || return 1
	ntfs_project "$dest"
}

ntfs_project() {
	dest=$1
	win=$(ntfs_ci_find "$dest" Windows) || { ntfs_log "ntfs_project: no Windows in $dest"; return 1; }
	sxs=$(ntfs_ci_find "$win" WinSxS) || { ntfs_log "ntfs_project: no WinSxS in $win"; return 1; }
	s32=$(ntfs_ci_find "$win" System32) || s32="$win/System32"
	wow=$(ntfs_ci_find "$win" SysWOW64) || wow="$win/SysWOW64"
	list=$(mktemp "${TMPDIR:-/tmp}/sxs-ntfs-proj.XXXXXX") || return 1
	# the component folders: FOLDER per line; key forms never hold '/'
	# or a newline (formats.md 1.3)
	(cd "$sxs" && find . -mindepth 1 -maxdepth 1 -type d) | sed 's|^\./||' >"$list"
	# names already in System32 / SysWOW64, as "DIR<TAB>lower-case name"
	: >"$list.have"
	for d in "$s32" "$wow"; do
		[ -d "$d" ] || continue
		(cd "$d" && find . -mindepth 1 -maxdepth 1) | sed 's|^\./||' |
			awk -v d="$d" '{ print d "\t" tolower($0) }' >>"$list.have"
	done
	# the highest version of each ARCH_NAME_PKT_LANG family:
	# "FAMILY<TAB>VERSIONKEY<TAB>FOLDER<TAB>TARGET DIR", newest first
	awk -F_ -v s32="$s32" -v wow="$wow" 'NF == 6 && $4 ~ /^[0-9]+(\.[0-9]+)*$/ {
		a = tolower($1)
		if (a == "amd64" || a == "msil") t = s32
		else if (a == "wow64" || a == "x86") t = wow
		else next
		split($4, v, ".")
		printf "%s_%s_%s_%s\t%010d%010d%010d%010d\t%s\t%s\n", a, tolower($2),
			tolower($3), tolower($5), v[1], v[2], v[3], v[4], $0, t
	}' "$list" | LC_ALL=C sort -t "$(printf '\t')" -k1,1 -k2,2r |
		awk -F'\t' '$1 != last { print $3 "\t" $4; last = $1 }' >"$list.win"
	rc=0
	# every regular file directly in a winning folder, "DIR<TAB>FOLDER<TAB>NAME"
	: >"$list.files"
	while IFS="$(printf '\t')" read -r b t; do
		(cd "$sxs/$b" && find . -mindepth 1 -maxdepth 1 -type f) | sed 's|^\./||' |
			awk -v b="$b" -v t="$t" '{ print t "\t" b "\t" $0 }' >>"$list.files"
	done <"$list.win"
	# first come (in byte order), first linked; names present already
	# (ignoring case) stay
	LC_ALL=C sort "$list.files" >"$list.files.sorted"
	awk -F'\t' 'FILENAME == ARGV[1] { have[$1 "\t" $2] = 1; next }
		{ k = $1 "\t" tolower($3); if (!(k in have)) { have[k] = 1; print } }' \
		"$list.have" "$list.files.sorted" >"$list.links"
	while IFS="$(printf '\t')" read -r t b name; do
		if ! mkdir -p "$t" || ! ln "$sxs/$b/$name" "$t/$name"; then
			rc=1
			break
		fi
	done <"$list.links"
	rm -f "$list" "$list.have" "$list.win" "$list.files" "$list.files.sorted" "$list.links"
	return $rc
}

ntfs_image() {
	NTFS_VOL=$NTFS_TMP/vol
	ntfs_volume "$NTFS_VOL" "${2:-256M}" || return 1
	ntfs_mount "$NTFS_VOL" "$NTFS_TMP/layout" rw || return 1
	ntfs_layout "$1" "$NTFS_TMP/layout" || { ntfs_umount "$NTFS_TMP/layout"; return 1; }
	ntfs_umount "$NTFS_TMP/layout"
}

ntfs_sum() {
	sha256sum <"$1" | cut -d' ' -f1
}
