#!/bin/sh
# distill — tests/tour.sh: samples/tour.distill runs in batch mode without
# an error, reaches every stage, and the claims its comments make about
# the numbers still hold (so the tour cannot drift into teaching
# something the program no longer shows):
#   - the default disparity filter keeps under a tenth of the edges;
#   - along the distill.beta sweep, ndcg first rises then falls below its
#     start while coverage rises at every step;
#   - the last command scores the test split.
set -u
DISTILL=${DISTILL:-$(pwd)/distill}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cd "$top_srcdir" || fail "no source tree"
"$DISTILL" -f samples/tour.distill >"$out" 2>"$err" ||
    { cat "$err"; fail "the tour stopped with an error"; }
[ -s "$err" ] && { cat "$err"; fail "the tour wrote diagnostics"; }
# the tour runs from any directory: its load line is read beside it
# (the same output but for timings and the path)
same() { grep -Ev '^ +(ms|path) ' "$1"; }
(cd / && "$DISTILL" -f "$top_srcdir/samples/tour.distill") >"$err" 2>&1 &&
    [ "$(same "$out")" = "$(same "$err")" ] ||
    { head -5 "$err"; fail "the tour run from / differs from the tree's"; }

for section in dataset graph abstract filter distill recommend why whynot \
    profile sweep compare eval; do
	grep -q "^$section\$" "$out" || fail "no '$section' output"
done

# effect table of `set filter.method backbone`: "filter  kept  BEFORE AFTER"
awk '$1 == "filter" && $2 == "kept" { print $3, $4; exit }' "$out" |
    { read -r before after
      awk -v b="$before" -v a="$after" 'BEGIN { exit !(a * 10 < b) }' ||
	  fail "backbone kept $after of $before edges, not under a tenth"; } ||
    exit 1

# the sweep table: rows "BETA k precision recall ndcg map mrr hit coverage"
awk '/^sweep$/ { s = 1; next } s && /^[0-9.]+ +[0-9]+ / { print $5, $9 }
    s && /^$/ && n++ { exit }' "$out" >"$err"
[ "$(wc -l <"$err")" -eq 4 ] || fail "the sweep has not 4 rows"
awk 'NR == 1 { n0 = $1 } NR == 2 { n1 = $1 } NR == 4 { n3 = $1 }
    NR > 1 && $2 <= c { bad = 1 } { c = $2 }
    END { exit !(n1 > n0 && n3 < n0 && !bad) }' "$err" ||
    fail "sweep no longer rises then falls with coverage rising: $(cat "$err")"

awk '/^eval$/ { e = 1 } e && $1 == "target" { print $2; exit }' "$out" |
    grep -qx test || fail "the last eval is not on the test split"
echo "PASS: tour"
