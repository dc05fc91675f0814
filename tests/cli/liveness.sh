#!/bin/sh
# SPDX-License-Identifier: MIT
# Severities from evidence (calibration.md §6-§7) on mutated copies of the
# healthy image healthy-17763: each rule's live and dormant (and unknown)
# cases, the "may be transient" gate, deployments, marks and catalogs.
# The healthy image itself must scan with no error and no warning.
#
# usage: liveness.sh SRCROOT SXSCHECK MKHIVE JSONCHECK
set -u
srcroot=$1 sxscheck=$2 mkhive=$3 jsoncheck=$4
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
src="$srcroot/testdata/images/healthy-17763"
sources="$srcroot/testdata/images/sources/healthy-17763"
[ -d "$src" ] || { echo "no $src" >&2; exit 1; }
failures=0

fresh() {
	rm -rf "$tmp/img"
	cp -a "$src" "$tmp/img"
	sxs="$tmp/img/Windows/WinSxS"
	cfg="$tmp/img/Windows/System32/config"
	cp "$sources/COMPONENTS.txt" "$tmp/c.txt"
	cp "$sources/SOFTWARE.txt" "$tmp/s.txt"
}

# rebuild a hive from its (edited) source
hive() {
	"$mkhive" "$tmp/$2" "$cfg/$1" || exit 99
}

# the folder / manifest of a component, by a unique part of its key form
kf() {
	(cd "$sxs/Manifests" && find . -name "*$1*.manifest") | sed -n 's|^\./\(.*\)\.manifest$|\1|p' |
		head -n 1
}

# expect NAME EXIT "id:severity ..."  — the findings of severity warning or
# error must be exactly those (sorted, unique); info findings are ignored
expect() {
	name=$1 want=$2 pairs=$3
	"$sxscheck" scan --format=json "$tmp/img" >"$tmp/out.json" 2>"$tmp/err"
	got=$?
	have=$(i=0; while id=$("$jsoncheck" "findings.$i.id" <"$tmp/out.json"); do
		sev=$("$jsoncheck" "findings.$i.severity" <"$tmp/out.json")
		[ "$sev" = info ] || echo "$id:$sev"
		i=$((i + 1)); done | sort -u | tr '\n' ' ')
	wantsorted=$(for p in $pairs; do echo "$p"; done | sort -u | tr '\n' ' ')
	if [ "$got" != "$want" ] || [ "$have" != "$wantsorted" ] || [ -s "$tmp/err" ]; then
		echo "FAIL $name: exit $got (want $want), findings '$have' (want '$wantsorted')" >&2
		cat "$tmp/err" >&2
		failures=$((failures + 1))
	else
		echo "ok   $name"
	fi
}

# has NAME TEXT: the text report contains TEXT
has() {
	if "$sxscheck" scan "$tmp/img" 2>&1 | grep -qF -- "$2"; then
		echo "ok   $1"
	else
		echo "FAIL $1: no '$2' in the report" >&2
		failures=$((failures + 1))
	fi
}

fresh
expect healthy 0 ""
has healthy-liveness-known "Errors: 0, warnings: 0"

# ---- payload-missing --------------------------------------------------------
fresh
k=$(kf commandprompt_31bf3856ad364e35_10.0.17763.1613)
rm "$sxs/$k/cmd.exe"
expect payload-missing-live 1 "payload-missing:error"
has payload-missing-live-why "the component is live: it is the Winners default of its family"

fresh
k=$(kf htmlhelp_)
rm -r "${sxs:?}/$k"
expect payload-missing-live-no-folder 1 "payload-missing:error"

fresh
k=$(kf mmc_31bf3856ad364e35_10.0.17763.1577)
rm -r "${sxs:?}/$k"
expect payload-missing-dormant 1 "payload-missing:warning"

fresh
k=$(kf lxss-bash_31bf3856ad364e35_10.0.17763.1_)
rm "$sxs/$k/bash.exe"
expect payload-missing-disabled-feature 1 "payload-missing:warning"

fresh
k=$(kf commandprompt_31bf3856ad364e35_10.0.17763.1613)
rm "$sxs/$k/cmd.exe"
: >"$sxs/pending.xml"
# (an empty pending.xml has no Identifier: pkg's pending-transaction-mismatch)
expect payload-missing-pending 1 \
	"payload-missing:warning pending-transaction-mismatch:warning"
has payload-missing-pending-why "may be transient: a servicing transaction is pending"

fresh
k=$(kf commandprompt_31bf3856ad364e35_10.0.17763.1613)
printf 'XXXX' | dd of="$sxs/$k/cmd.exe" bs=1 seek=300 conv=notrunc 2>/dev/null
: >"$sxs/pending.xml"
expect hash-mismatch-stays-error 1 \
	"payload-hash-mismatch:error pending-transaction-mismatch:warning"

fresh
k=$(kf commandprompt_31bf3856ad364e35_10.0.17763.1613)
rm "$sxs/$k/cmd.exe"
"$mkhive" --dirty "$tmp/c.txt" "$cfg/COMPONENTS" || exit 99
expect payload-missing-dirty-hive 1 "payload-missing:warning hive-dirty:warning"

fresh
k=$(kf commandprompt_31bf3856ad364e35_10.0.17763.1613)
rm "$sxs/$k/cmd.exe"
sed '/^\[CanonicalData\\Deployments\\/,/^$/d' "$tmp/c.txt" >"$tmp/c2.txt"
hive COMPONENTS c2.txt
expect payload-missing-unknown 1 \
	"payload-missing:warning winner-missing:warning"
has unknown-says-so "Liveness: unknown (the image has no deployment data)"

# ---- manifests and keys -----------------------------------------------------
fresh
k=$(kf commandprompt_31bf3856ad364e35_10.0.17763.1613)
rm "$sxs/Manifests/$k.manifest"
# the Installed cumulative update's deployment installs it: that is missing too
expect manifest-missing-live 1 "manifest-missing:error deployment-component-missing:error"

fresh
k=$(kf lxss-bash_31bf3856ad364e35_10.0.17763.1_)
rm "$sxs/Manifests/$k.manifest"
expect manifest-missing-dormant 0 ""

fresh
k=$(kf commandprompt_31bf3856ad364e35_10.0.17763.1613)
sed "/^\[DerivedData\\\\Components\\\\$k\]/,/^\$/d" "$tmp/c.txt" >"$tmp/c2.txt"
hive COMPONENTS c2.txt
# without S256H the self-made DCM base cannot be confirmed for this manifest
expect manifest-orphan-needed 1 \
	"manifest-orphan:error deployment-component-missing:error base-manifest-unknown:warning"

fresh
k=$(kf lxss-bash_31bf3856ad364e35_10.0.17763.1_)
sed "/^\[DerivedData\\\\Components\\\\$k\]/,/^\$/d" "$tmp/c.txt" >"$tmp/c2.txt"
hive COMPONENTS c2.txt
expect manifest-orphan-dormant 1 "manifest-orphan:warning"

# ---- Winners ----------------------------------------------------------------
fresh
sed '/SideBySide\\Winners\\amd64_microsoft-windows-commandprompt_/,/^$/d' "$tmp/s.txt" >"$tmp/s2.txt"
sed '/SideBySide\\Winners\\amd64_microsoft-windows-commandprompt_/,/^$/d' "$tmp/s2.txt" >"$tmp/s3.txt"
hive SOFTWARE s3.txt
expect winner-missing-live 1 "winner-missing:warning"

fresh
w=$(sed -n 's/^\[.*SideBySide\\Winners\\\(amd64_microsoft-windows-htmlhelp_[^\\]*\)\\10.0\]$/\1/p' "$tmp/s.txt")
sed "/Winners\\\\$w\\\\10.0\]/,/^\$/s/^@ = sz:.*/@ = sz:\"10.0.17763.9999\"/" "$tmp/s.txt" >"$tmp/s2.txt"
hive SOFTWARE s2.txt
expect winner-not-installed 1 "winner-not-installed:warning"
mkdir -p "$sxs/Fusion/$w/10.0/10.0.17763.9999"
expect winner-not-installed-fusion 0 ""
has winner-not-installed-fusion-why "it is in WinSxS\\Fusion"

# ---- deployments, marks, catalogs ---------------------------------------------
fresh
sed '0,/^"i!CBS_package_for_rollupfix~31bf3856ad364e35~amd64~~17763.1613/s/^"i!CBS_\(.*\)_[0-9a-f]\{16\}" =/"i!CBS_\1_0000000000000000" =/' \
	"$tmp/c.txt" >"$tmp/c2.txt"
hive COMPONENTS c2.txt
expect mark-malformed 1 "deployment-mark-malformed:warning"

fresh
k=$(kf commandprompt_31bf3856ad364e35_10.0.17763.1613)
rm -r "${sxs:?}/$k" "$sxs/Manifests/$k.manifest"
sed "/^\[DerivedData\\\\Components\\\\$k\]/,/^\$/d" "$tmp/c.txt" >"$tmp/c2.txt"
hive COMPONENTS c2.txt
expect deployment-component-gone 1 "deployment-component-missing:error winner-not-installed:warning"

fresh
for c in "$sxs"/Catalogs/*.cat; do
	rm "$c"
done
expect catalogs-gone 1 "catalog-missing:error catalog-missing:warning"

# ---- healthy shapes found by the issue-11 audit (packages.md §6.2) ------------
pk="$tmp/img/Windows/servicing/Packages"
fod="Microsoft-Windows-DirectX-Graphics-Tools-FoD-Package~31bf3856ad364e35~amd64~~10.0.17763.1"
# a removed Feature on Demand: Absent, its .mum/.cat gone (packages.md §4.2, calibration.md §1.6)
fresh
rm "$pk/$fod.mum" "$pk/$fod.cat"
expect fod-absent-mum-gone 0 ""
has fod-absent-mum-gone-note "an Absent package's key may linger"
# ... and its Packages key gone too: the deployment keeps only a p! mark (§6.2 item 13)
sed "/^\[.*Packages\\\\$fod/,/^\$/d" "$tmp/s.txt" >"$tmp/s2.txt"
hive SOFTWARE s2.txt
expect fod-removed-p-mark-lingers 0 ""
has fod-removed-p-mark-note "(only planned: no s! or i! mark for it)"
# a staged package (p! and s! marks) whose key is gone is still reported
fresh
sed '/^\[.*Packages\\Microsoft-Windows-Client-LanguagePack-Package/,/^$/d' "$tmp/s.txt" >"$tmp/s2.txt"
hive SOFTWARE s2.txt
expect staged-package-key-gone 1 "deployment-mark-orphan:warning package-orphan-mum:warning"

# an older servicing stack whose package stays Installed (§6.2 item 3) has its
# manifest but its folder is gone: Windows runs only the newest stack and
# scavenges the older ones (calibration.md §3, §7 (e)): a note, not an error.
# (The hand-made manifest is in no catalog: manifest-not-in-catalog.)
fresh
k=$(sed -n 's/^\[DerivedData\\Components\\\(.*servicingstack.*10\.0\.17763\.164_.*\)\]$/\1/p' "$tmp/c.txt")
sed 's/Microsoft-Windows-HtmlHelp/Microsoft-Windows-ServicingStack/; s/10\.0\.17763\.1490/10.0.17763.164/; s/hh\.exe/CbsCore.dll/g' \
	"$sxs/Manifests/$(kf htmlhelp_).manifest" >"$sxs/Manifests/$k.manifest"
h=$(sha256sum "$sxs/Manifests/$k.manifest" | cut -c1-64)
sed "/^\[DerivedData\\\\Components\\\\$k\]/,/^\$/s/^S256H = hex:.*/S256H = hex:$h/" "$tmp/c.txt" >"$tmp/c2.txt"
hive COMPONENTS c2.txt
expect older-servicing-stack-payload-gone 1 "manifest-not-in-catalog:warning"
has older-servicing-stack-payload-note "an older servicing stack (Windows runs only the newest"
# the active one (the Winners default) stays an error
fresh
rm "$sxs/$(kf servicingstack_31bf3856ad364e35_10.0.17763.1613)/cbscore.dll"
expect active-servicing-stack-payload-gone 1 "payload-missing:error"

# a consistent pending transaction (pending.xml and PendingXmlIdentifier agree) is
# normal between an update and its reboot (packages.md §6.2 item 12): notes only;
# the gate still turns errors into warnings
pending_ok() {
	id="{0123456789abcdef0123456789abcdef}"
	printf '<?xml version="1.0" encoding="utf-8"?>\n<PendingTransaction Version="3.1" Identifier="%s"><Transactions/></PendingTransaction>\n' \
		"$id" >"$sxs/pending.xml"
	hexid=$(printf '%s\0' "$id" | iconv -t UTF-16LE | od -An -v -tx1 | tr -s ' \n' ',' | sed 's/^,//; s/,$//')
	printf '\n[]\nPendingXmlIdentifier = hex:%s\n\n' "$hexid" >>"$tmp/c.txt"
	hive COMPONENTS c.txt
}
fresh
pending_ok
expect consistent-pending-is-healthy 0 ""
has consistent-pending-note "a servicing transaction is pending"
rm "$sxs/$(kf commandprompt_31bf3856ad364e35_10.0.17763.1613)/cmd.exe"
expect consistent-pending-gates-errors 1 "payload-missing:warning"

# a mark whose name verifies against its string but whose flag field is not the one
# seen so far (packages.md §8 question 3): a note; a wrong name stays a warning
fresh
sed '0,/^"p!CBS_microsoft-windows-foundation-package/s/= hex:5400000001000000/= hex:5400000002000000/' \
	"$tmp/c.txt" >"$tmp/c2.txt"
hive COMPONENTS c2.txt
expect mark-layout-unseen 0 ""
has mark-layout-unseen-note "its name matches its string"

[ $failures = 0 ]
