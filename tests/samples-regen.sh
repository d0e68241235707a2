#!/bin/sh
# distill — samples-regen.sh: the bundled sample is the generator's output.
#
# Reruns the command line recorded in samples/README.md (the line that
# starts with "samples/distill-gen --users") into a temporary directory and
# compares the result byte for byte with samples/sample.csv and
# samples/sample-items.csv. It then checks the generator's promises on a
# small TSV run: exact interaction count, no duplicate (user, item) pair,
# ratings 1-5, timestamps increasing per user, same seed same bytes.
set -eu

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
gen="$top_builddir/samples/distill-gen"
readme="$top_srcdir/samples/README.md"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "samples-regen: $*" >&2; exit 1; }

[ -x "$gen" ] || fail "generator not built: $gen"
line=$(grep '^samples/distill-gen --users' "$readme" | head -n 1)
[ -n "$line" ] || fail "no generating command line in $readme"
args=$(echo "$line" | sed -e 's|^samples/distill-gen ||' \
    -e 's|samples/sample.csv|@OUT@|' -e 's|samples/sample-items.csv|@ITEMS@|')
case "$args" in *@OUT@*@ITEMS@*) ;; *) fail "unexpected line: $line" ;; esac
args=$(echo "$args" | sed -e "s|@OUT@|$tmp/sample.csv|" \
    -e "s|@ITEMS@|$tmp/sample-items.csv|")
# shellcheck disable=SC2086
"$gen" $args || fail "generator failed: $line"
cmp "$tmp/sample.csv" "$top_srcdir/samples/sample.csv" ||
	fail "samples/sample.csv differs from: $line"
cmp "$tmp/sample-items.csv" "$top_srcdir/samples/sample-items.csv" ||
	fail "samples/sample-items.csv differs from: $line"

# Invariants on a small run in TSV.
small="--users 300 --items 200 --interactions 9000 --genres 5 --seed 7"
# shellcheck disable=SC2086
"$gen" $small --format tsv --out "$tmp/a.tsv" --items-out "$tmp/a-items.csv"
# shellcheck disable=SC2086
"$gen" $small --format tsv --out "$tmp/b.tsv"
cmp "$tmp/a.tsv" "$tmp/b.tsv" || fail "same seed gave different output"
awk -F '\t' '
	NF != 4 { print "line " NR ": " NF " fields"; bad = 1 }
	$3 !~ /^[1-5]$/ { print "line " NR ": rating " $3; bad = 1 }
	seen[$1 SUBSEP $2]++ { print "line " NR ": duplicate pair"; bad = 1 }
	$1 == pu && $4 <= pt { print "line " NR ": time not increasing"; bad = 1 }
	{ pu = $1; pt = $4; users[$1] = 1 }
	END {
		n = 0; for (u in users) n++
		if (NR != 9000) { print NR " interactions, wanted 9000"; bad = 1 }
		if (n != 300) { print n " users, wanted 300"; bad = 1 }
		exit bad
	}' "$tmp/a.tsv" || fail "invariants broken in the TSV run"
[ "$(head -n 1 "$tmp/a-items.csv")" = "itemId,title,genres" ] ||
	fail "items header"
[ "$(wc -l < "$tmp/a-items.csv")" -eq 201 ] || fail "items count"
"$gen" --users 300 --items 200 --interactions 9000 --genres 5 --seed 8 \
    --format tsv --out "$tmp/c.tsv"
if cmp -s "$tmp/a.tsv" "$tmp/c.tsv"; then fail "seed is ignored"; fi
# Bad options are refused with a message and status 2.
if "$gen" --users 0 --out "$tmp/x" 2>"$tmp/err"; then fail "--users 0 accepted"; fi
grep -q -- '--users' "$tmp/err" || fail "no message for --users 0"
echo "samples-regen: sample.csv and sample-items.csv regenerate exactly"
