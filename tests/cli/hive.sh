#!/bin/sh
# SPDX-License-Identifier: MIT
# Dirty hives through the CLI, on self-made fixtures (mkhive + mklog, never
# the vectors):
#  - `sxscheck hive recover` replays, writes OUT whole, leaves the hive and
#    its logs unchanged, refuses to overwrite them, says why when it cannot;
#  - `sxscheck scan` of golden-pc whose COMPONENTS holds its newest state
#    only in its logs reports what golden-pc reports plus a hive-replayed
#    note; without the logs the stale COMPONENTS gives a hive-dirty warning
#    and the findings resting on it say they are tentative.
#
# usage: hive.sh SRCROOT SXSCHECK MKHIVE MKLOG JSONCHECK
set -u
srcroot=$1 sxscheck=$2 mkhive=$3 mklog=$4 jsoncheck=$5
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL $*" >&2
	failures=$((failures + 1))
}

ok() {
	echo "ok   $*"
}

# --- hive recover ------------------------------------------------------
src="$srcroot/testdata/hives"
"$mkhive" "$src/replay-old.txt" "$tmp/old.hive" || exit 99
"$mkhive" "$src/replay-new.txt" "$tmp/new.hive" || exit 99
mkdir "$tmp/h"
"$mklog" --entries 3 --split 1 "$tmp/old.hive" "$tmp/new.hive" "$tmp/h/SOFTWARE" || exit 99
sums() { (cd "$tmp/h" && sha256sum SOFTWARE SOFTWARE.LOG1 SOFTWARE.LOG2); }
before=$(sums)

"$sxscheck" hive recover -o "$tmp/out" "$tmp/h/SOFTWARE" >"$tmp/r.txt" 2>"$tmp/r.err"
rc=$?
bins=$(od -An -tu4 -j40 -N4 "$tmp/new.hive" | tr -d ' ')
if [ $rc -ne 0 ] || [ -s "$tmp/r.err" ]; then
	fail "recover: exit $rc"; cat "$tmp/r.err" >&2
elif ! cmp -s -n "$bins" -i 4096:4096 "$tmp/out" "$tmp/new.hive"; then
	fail "recover: the hive bins differ from the state the logs hold"
elif ! grep -q "^  replayed from SOFTWARE.LOG1 (1 entry, [0-9]* pages\?) then SOFTWARE.LOG2 (2 entries, [0-9]* pages\?), sequence numbers 1 to 3$" "$tmp/r.txt" ||
	! grep -q "^  the result opens as a hive: [0-9]* keys$" "$tmp/r.txt" ||
	! grep -q "^  wrote .*/out ([0-9]* bytes)$" "$tmp/r.txt"; then
	fail "recover: report"; cat "$tmp/r.txt" >&2
else
	ok "hive recover writes the state the logs hold"
fi
[ "$before" = "$(sums)" ] || fail "recover: the hive or its logs changed"

"$sxscheck" hive recover --format=json "$tmp/h/SOFTWARE" >"$tmp/r.json"
if [ $? -ne 0 ] || ! "$jsoncheck" <"$tmp/r.json" ||
	[ "$("$jsoncheck" state <"$tmp/r.json")" != replayed ] ||
	[ "$("$jsoncheck" logs.1.entries <"$tmp/r.json")" != 2 ] ||
	[ -n "$("$jsoncheck" output <"$tmp/r.json" 2>/dev/null)" ]; then
	fail "recover --format=json"; cat "$tmp/r.json" >&2
else
	ok "hive recover --format=json without -o writes nothing"
fi

for target in "$tmp/h/SOFTWARE" "$tmp/h/SOFTWARE.LOG2"; do
	"$sxscheck" hive recover -o "$target" "$tmp/h/SOFTWARE" >/dev/null 2>"$tmp/e"
	rc=$?
	if [ $rc -ne 2 ] || ! grep -q "refusing to overwrite" "$tmp/e"; then
		fail "recover -o ${target##*/}: exit $rc"
	fi
done
[ "$before" = "$(sums)" ] || fail "recover: an input was overwritten"
ok "hive recover refuses to write over the hive or its logs"

# a torn first entry: no recovery, a reason, no output
mkdir "$tmp/b"
"$mklog" --entries 2 --bad-hash 0 "$tmp/old.hive" "$tmp/new.hive" "$tmp/b/SOFTWARE" || exit 99
"$sxscheck" hive recover -o "$tmp/b.out" "$tmp/b/SOFTWARE" >"$tmp/b.txt" 2>&1
rc=$?
if [ $rc -ne 1 ] || [ -e "$tmp/b.out" ] ||
	! grep -q "SOFTWARE.LOG1: replay stopped: entry at 0x200 (sequence 1) fails its Marvin32 hash check" "$tmp/b.txt"; then
	fail "recover of a torn log: exit $rc"; cat "$tmp/b.txt" >&2
else
	ok "hive recover refuses a torn log with its reason"
fi

# single-logging scheme: <hive>.LOG alone (old format); beside .LOG1/.LOG2
# a .LOG is setup's dummy and is ignored
mkdir "$tmp/s"
"$mklog" --old-format "$tmp/old.hive" "$tmp/new.hive" "$tmp/s/SYSTEM" || exit 99
mv "$tmp/s/SYSTEM.LOG1" "$tmp/s/system.log"
rm "$tmp/s/SYSTEM.LOG2"
"$sxscheck" hive recover -o "$tmp/s.out" "$tmp/s/SYSTEM" >"$tmp/s.txt" 2>&1
rc=$?
if [ $rc -ne 0 ] || ! grep -q "^  replayed from SYSTEM.LOG (old format, [0-9]* pages of 512 bytes)$" "$tmp/s.txt" ||
	! cmp -s -n "$bins" -i 4096:4096 "$tmp/s.out" "$tmp/new.hive"; then
	fail "recover from a single .LOG: exit $rc"; cat "$tmp/s.txt" >&2
else
	ok "hive recover uses <hive>.LOG when it is the only log"
fi
printf 'setup dummy' >"$tmp/h/SOFTWARE.LOG"
"$sxscheck" hive recover "$tmp/h/SOFTWARE" >"$tmp/d.txt" 2>&1
grep -q "^  replayed from SOFTWARE.LOG1 (1 entry, [0-9]* pages\?) then SOFTWARE.LOG2" "$tmp/d.txt" ||
	{ fail "a dummy .LOG beside .LOG1/.LOG2 was not ignored"; cat "$tmp/d.txt" >&2; }
rm "$tmp/h/SOFTWARE.LOG"

"$sxscheck" hive recover "$tmp/nonexistent" >/dev/null 2>"$tmp/e"
[ $? -eq 3 ] && grep -q "nonexistent: cannot open" "$tmp/e" || fail "recover of a missing hive"

# --- scan --------------------------------------------------------------
golden="$srcroot/testdata/images/golden-pc"
sources="$srcroot/testdata/images/sources/golden-pc"
# COMPONENTS without the notepad component: what the primary held before
# the last servicing operation was flushed
awk '/^\[/ { skip = ($0 ~ /notepad_31bf/) } !skip' "$sources/COMPONENTS.txt" >"$tmp/stale.txt"
"$mkhive" "$tmp/stale.txt" "$tmp/stale.hive" || exit 99

scan_ids() {
	"$sxscheck" scan --format=json "$1" >"$tmp/s.json" 2>"$tmp/s.err"
	echo "exit $?"
	i=0
	while id=$("$jsoncheck" "findings.$i.id" <"$tmp/s.json" 2>/dev/null); do
		echo "$id $("$jsoncheck" "findings.$i.tentative" <"$tmp/s.json" 2>/dev/null)"
		i=$((i + 1))
	done
}

rm -rf "$tmp/img" && cp -a "$golden" "$tmp/img"
cfg="$tmp/img/Windows/System32/config"
"$mklog" --entries 2 --split 1 "$tmp/stale.hive" "$cfg/COMPONENTS" "$tmp/dirty" || exit 99
cp "$tmp/dirty" "$cfg/COMPONENTS"
cp "$tmp/dirty.LOG1" "$cfg/COMPONENTS.LOG1"
cp "$tmp/dirty.LOG2" "$cfg/COMPONENTS.LOG2"
got=$(scan_ids "$tmp/img" | tr '\n' '|')
want="exit 0|package-cat-chain-unchecked |hive-replayed |"
if [ "$got" != "$want" ] || [ -s "$tmp/s.err" ]; then
	fail "scan with a replayable COMPONENTS: '$got' (want '$want')"
else
	ok "scan replays COMPONENTS from its logs: same as golden-pc plus a note"
fi
[ "$("$jsoncheck" hives.COMPONENTS.state <"$tmp/s.json")" = replayed ] &&
	[ "$("$jsoncheck" hives.COMPONENTS.entries <"$tmp/s.json")" = 2 ] ||
	fail "scan JSON: hives.COMPONENTS"
"$sxscheck" scan "$tmp/img" >"$tmp/s.txt" 2>&1
grep -q "^  Registry: COMPONENTS read after replaying COMPONENTS.LOG1, COMPONENTS.LOG2 (2 entries, [0-9]* pages), SOFTWARE read$" "$tmp/s.txt" ||
	fail "scan text: Registry line"

# logs lost (a copy of the hive alone): stale, tentative
rm "$cfg/COMPONENTS.LOG1" "$cfg/COMPONENTS.LOG2"
got=$(scan_ids "$tmp/img" | tr '\n' '|')
# (the stale hive lost a component's key that an installed deployment needs: state's rule)
want="exit 1|hive-dirty |package-cat-chain-unchecked |manifest-orphan it rests on the COMPONENTS hive, which is dirty and whose logs were not replayed|deployment-component-missing it rests on the COMPONENTS hive, which is dirty and whose logs were not replayed|"
if [ "$got" != "$want" ]; then
	fail "scan with a stale COMPONENTS: '$got' (want '$want')"
else
	ok "scan without the logs: hive-dirty, and the orphan is tentative"
fi
grep -q "no transaction logs next to it" "$tmp/s.json" || fail "scan: hive-dirty reason"

# damaged logs: the reason names the log
cp "$tmp/dirty.LOG1" "$cfg/COMPONENTS.LOG1"
printf 'garbage' | dd of="$cfg/COMPONENTS.LOG1" bs=1 seek=100 conv=notrunc 2>/dev/null
: >"$cfg/COMPONENTS.LOG2"
got=$(scan_ids "$tmp/img" | head -n 2 | tr '\n' '|')
if [ "$got" != "exit 1|hive-dirty |" ] ||
	! grep -q "COMPONENTS.LOG1: its base block checksum is wrong" "$tmp/s.json"; then
	fail "scan with a damaged log: '$got'"
else
	ok "scan with a damaged log: hive-dirty names the log and why"
fi

[ "$failures" -eq 0 ] || exit 1
exit 0
