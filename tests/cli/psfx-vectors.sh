#!/bin/sh
# SPDX-License-Identifier: MIT
# The whole f\ chain on real Microsoft forward deltas (../shared/vectors/pe,
# never committed; exit 77 without them).  For each vector: a one-component
# image whose file is the delta's target (made with `sxscheck delta apply`,
# checked against the expected SHA-256), whose manifest has that digest,
# whose r\ is our PRSM reversal data back to the delta's source (SHA-1) and
# whose f\ is the real delta with its CRC-32 prefix.  A native PE delta must
# prove both differentials (scan rebuilds the source with r\, then f\ gives
# the file back byte for byte); a CLI (.NET) one is payload-unverifiable,
# never an error.
#
# usage: psfx-vectors.sh VECTORS SXSCHECK MKPSFX
set -u
vectors=$1 sxscheck=$2 mkpsfx=$3
list=$vectors/pe/vectors.txt
[ -f "$list" ] || { echo "no $list: skipped"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0 n=0

b64() { python3 -c 'import base64,sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())' "$1"; }

while read -r src delta want kind; do
	case "$src" in '#'* | '') continue ;; esac
	n=$((n + 1))
	img=$tmp/img$n
	name=Microsoft-Windows-Vector$n
	id="$name, Culture=neutral, Version=10.0.17763.1613, PublicKeyToken=31bf3856ad364e35, ProcessorArchitecture=amd64, versionScope=NonSxS"
	kf=$("$sxscheck" keyform "$id" | sed -n 's/^keyform: *//p')
	dir=$img/Windows/WinSxS/$kf
	mkdir -p "$dir/f" "$dir/r" "$img/Windows/WinSxS/Manifests" "$img/Windows/System32"
	if ! "$sxscheck" delta apply "$vectors/pe/$src" "$vectors/pe/$delta" -o "$tmp/target$n" \
		2>"$tmp/err"; then
		# the decoder refuses it (CLI): the file is then the expected one we cannot make;
		# use the source as the file, so that only f\ is in question
		case "$kind" in cli-*) cp "$vectors/pe/$src" "$tmp/target$n" ;; *)
			echo "FAIL $delta: delta apply: $(cat "$tmp/err")" >&2
			failures=$((failures + 1)); continue ;; esac
	elif [ "$(sha256sum <"$tmp/target$n" | cut -d' ' -f1)" != "$want" ]; then
		echo "FAIL $delta: delta apply gives another file" >&2
		failures=$((failures + 1))
		continue
	fi
	cp "$tmp/target$n" "$dir/file.bin"
	digest=$(b64 "$(sha256sum <"$dir/file.bin" | cut -d' ' -f1)")
	"$mkpsfx" reverse "$dir/file.bin" "$vectors/pe/$src" "$dir/r/file.bin" || exit 99
	"$mkpsfx" wrap "$vectors/pe/$delta" "$dir/f/file.bin" || exit 99
	cat >"$img/Windows/WinSxS/Manifests/$kf.manifest" <<EOM
<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<assembly xmlns="urn:schemas-microsoft-com:asm.v3" manifestVersion="1.0">
  <assemblyIdentity name="$name" version="10.0.17763.1613" processorArchitecture="amd64" language="neutral" buildType="release" publicKeyToken="31bf3856ad364e35" versionScope="nonSxS" />
  <file name="file.bin" destinationPath="\$(runtime.system32)\\" sourceName="file.bin">
    <asmv2:hash xmlns:asmv2="urn:schemas-microsoft-com:asm.v2" xmlns:dsig="http://www.w3.org/2000/09/xmldsig#">
      <dsig:Transforms><dsig:Transform Algorithm="urn:schemas-microsoft-com:HashTransforms.Identity" /></dsig:Transforms>
      <dsig:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha256" />
      <dsig:DigestValue>$digest</dsig:DigestValue>
    </asmv2:hash>
  </file>
</assembly>
EOM
	"$sxscheck" scan --no-registry "$img" >"$tmp/out" 2>&1
	rc=$?
	case "$kind" in
	pe-*)
		if [ "$rc" != 0 ] || ! grep -q 'Differentials: 2 of 2 proven by applying them' "$tmp/out"; then
			echo "FAIL $delta ($kind): exit $rc" >&2
			grep -E '^(error|warning|info) |Differentials' "$tmp/out" >&2
			failures=$((failures + 1))
		else
			echo "ok   $delta ($kind): r\\ then the real f\\ give the file back"
		fi
		# the file changed since (last byte), its manifest and r\ made to match it:
		# f\ no longer gives it back (caught by the TargetHash when it has one)
		python3 -c 'import sys; d=bytearray(open(sys.argv[1],"rb").read()); d[-1]^=1; open(sys.argv[1],"wb").write(d)' "$dir/file.bin"
		old=$digest
		digest=$(b64 "$(sha256sum <"$dir/file.bin" | cut -d' ' -f1)")
		sed -i "s|$old|$digest|" "$img/Windows/WinSxS/Manifests/$kf.manifest"
		"$mkpsfx" reverse "$dir/file.bin" "$vectors/pe/$src" "$dir/r/file.bin" || exit 99
		"$sxscheck" scan --no-registry "$img" >"$tmp/out" 2>&1
		rc=$?
		if [ "$rc" != 1 ] || ! grep -Eq '^error +delta-forward-(failed|other-version) ' "$tmp/out" ||
			[ "$(grep -c '^error' "$tmp/out")" != 1 ]; then
			echo "FAIL $delta ($kind), file changed: exit $rc" >&2
			grep -E '^(error|warning|info) |Differentials' "$tmp/out" >&2
			failures=$((failures + 1))
		else
			echo "ok   $delta ($kind), file changed: $(grep -Eo 'delta-forward-[a-z-]+' "$tmp/out" | head -1)"
		fi ;;
	*)
		if [ "$rc" != 0 ] || grep -q '^error' "$tmp/out" ||
			! grep -q "differential 'f.file.bin' not verified" "$tmp/out"; then
			echo "FAIL $delta ($kind): exit $rc" >&2
			grep -E '^(error|warning|info) |Differentials' "$tmp/out" >&2
			failures=$((failures + 1))
		else
			echo "ok   $delta ($kind): f\\ unverifiable, not an error"
		fi ;;
	esac
done <"$list"
[ "$n" -gt 0 ] || exit 77
[ "$failures" = 0 ]
