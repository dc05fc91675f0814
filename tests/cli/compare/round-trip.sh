#!/bin/sh
# SPDX-License-Identifier: MIT
# snapshot golden-pc, then: compare --reference SNAPSHOT == compare --golden
# golden-pc, except for the line / object naming the golden source.
set -u
srcroot=$1 sxscheck=$2 jsoncheck=$3
cd "$srcroot" || exit 99
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
b=testdata/images/branch-pc g=testdata/images/golden-pc
"$sxscheck" snapshot "$g" -o "$tmp/ref" 2>/dev/null || exit 1
status=0
for f in text json; do
	"$sxscheck" compare --format=$f "$b" --golden "$g" >"$tmp/live.$f"
	[ $? = 1 ] || { echo "compare --golden: unexpected exit" >&2; status=1; }
	"$sxscheck" compare --format=$f "$b" --reference "$tmp/ref" >"$tmp/ref.$f"
	[ $? = 1 ] || { echo "compare --reference: unexpected exit" >&2; status=1; }
done
grep -v '^Golden: ' "$tmp/live.text" >"$tmp/a"
grep -v '^Golden: ' "$tmp/ref.text" >"$tmp/b"
diff -u "$tmp/a" "$tmp/b" || status=1
# JSON: everything but the "golden" object
for s in live ref; do
	for k in differences plan unfixable summary build_mismatch image; do
		"$jsoncheck" "$k" <"$tmp/$s.json" >>"$tmp/$s.parts" || status=1
	done
done
diff -u "$tmp/live.parts" "$tmp/ref.parts" || status=1
[ "$("$jsoncheck" golden.kind <"$tmp/ref.json")" = reference ] || status=1
[ "$("$jsoncheck" golden.captured_from <"$tmp/ref.json")" = golden-pc ] || status=1
# the scripts too, but for their "# Golden:" comment
for s in sh ps1; do
	"$sxscheck" compare "$b" --golden "$g" --script=$s -o "$tmp/live.$s" >/dev/null
	"$sxscheck" compare "$b" --reference "$tmp/ref" --script=$s -o "$tmp/ref.$s" >/dev/null
	grep -v '^# Golden: ' "$tmp/live.$s" >"$tmp/a"
	grep -v '^# Golden: ' "$tmp/ref.$s" >"$tmp/b"
	diff -u "$tmp/a" "$tmp/b" || status=1
done
exit $status
