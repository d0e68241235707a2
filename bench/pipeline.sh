#!/bin/sh
# distill — bench/pipeline.sh: time the full pipeline with evaluation and
# the re-evaluation after a change of abstract.threshold / filter.alpha on
# ML-100K, Gowalla and a generated 20M-interaction log; prints each figure,
# the per-stage times, peak RSS and the core count. Not a test.
#
#   bench/pipeline.sh [BUILDDIR]      (default: the current directory)
#
# Targets (issue 3, 2 cores): ML-100K full <= 0.15 s, change <= 50 ms;
# Gowalla full <= 5 s, change <= 1 s; 20M log full <= 60 s, <= 4 GB.
# DISTILL_DATA overrides ../shared/data; BENCH_SKIP_20M=1 skips the big one.
set -eu
b=${1:-.}
here=$(cd "$(dirname "$0")/.." && pwd)
data=${DISTILL_DATA:-$here/../shared/data}
bp="$b/bench/bench-pipeline"
gen="$b/samples/distill-gen"
[ -x "$bp" ] || { echo "pipeline.sh: build $bp first (make bench/bench-pipeline)" >&2; exit 1; }
echo "cores: $(nproc)"

if [ -r "$data/ml-100k/u.data" ]; then
	echo "== ML-100K (ratings >= 4, random 80/20 split)"
	"$bp" -s graph.min_rating=4 -s filter.method=backbone -s filter.alpha=0.5 \
	    "$data/ml-100k/u.data"
	[ "${BENCH_TUNE:-0}" = 1 ] && "$bp" -T -s graph.min_rating=4 \
	    "$data/ml-100k/u.data" | grep -E '^tuned'
else
	echo "ML-100K: skipped ($data/ml-100k absent)"
fi

if [ -r "$data/gowalla/train.txt" ]; then
	echo "== Gowalla (given test split, fit = all of train)"
	"$bp" -t "$data/gowalla/test.txt" -s split.validation=0 \
	    -s eval.target=test -s filter.method=backbone -s filter.alpha=0.5 \
	    "$data/gowalla/train.txt"
else
	echo "Gowalla: skipped ($data/gowalla absent)"
fi

if [ "${BENCH_SKIP_20M:-0}" != 1 ] && [ -x "$gen" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	echo "== generated log: 140k users, 27k items, 20M interactions"
	"$gen" --users 140000 --items 27000 --interactions 20000000 --seed 1 \
	    --out "$tmp/gen.csv" --items-out "$tmp/gen-items.csv" >/dev/null
	/usr/bin/time -f "max RSS %M kB, wall %e s (including load)" "$bp" \
	    -s split.validation=0 -s eval.target=test \
	    -s filter.method=backbone -s filter.alpha=0.5 "$tmp/gen.csv"
fi
