#!/bin/sh
# distill — bench/pipeline.sh: the live-at-scale figures of issue 10 on
# this machine, each as min/median/max over RUNS (default 5) runs:
#
#   Gowalla (given split, abstract.metric p3, topk 200, eval.k 20):
#     - full pipeline + evaluation of every user, process start to exit,
#       load included (target <= 1.5 s);
#     - re-evaluation after a change of abstract.threshold, abstract.topk
#       (<= 300 ms), filter.alpha (<= 200 ms, backbone), distill.beta
#       (<= 150 ms); the insight computed after it (<= 2 s); why (<= 20 ms);
#     - the floor: the bare arithmetic of the co-occurrence and of the
#       scoring on the same matrices (bench-pipeline -F), what the abstract
#       and recommend stages cannot go below on this machine
#   ML-100K (ratings >= 4, backbone): any single parameter change (<= 20 ms)
#   generated 20M log (140k users x 27k items): full pipeline + evaluation
#     (<= 15 s), peak RSS (<= 3 GB), a threshold change (<= 3 s)
#   and the filter stage's targets of issue 11 on Gowalla, process wall
#   with peak RSS: filter.method ridge (<= 10 s) and filter.rank 256
#   (<= 10 s), each on the P3alpha top-200 neighbours above
#
#   bench/pipeline.sh [BUILDDIR]      (default: the current directory)
#
# Not a test. The machine is noisy: compare figures of one run, quote
# medians. DISTILL_DATA overrides ../shared/data; BENCH_SKIP_20M=1 skips
# the big log; RUNS sets the repetitions; BENCH_TUNE=1 also grid-tunes
# RP3beta and item-kNN on ML-100K.
set -eu
b=${1:-.}
here=$(cd "$(dirname "$0")/.." && pwd)
data=${DISTILL_DATA:-$here/../shared/data}
runs=${RUNS:-5}
bp="$b/bench/bench-pipeline"
gen="$b/samples/distill-gen"
d="$b/distill"
[ -x "$bp" ] || { echo "pipeline.sh: build $bp first (make bench/bench-pipeline)" >&2; exit 1; }
[ -x "$d" ] || { echo "pipeline.sh: build $d first" >&2; exit 1; }
echo "cores: $(nproc), runs: $runs"

# wall seconds of a command, whole process
wall() {
	s=$(date +%s.%N)
	"$@" >/dev/null
	e=$(date +%s.%N)
	echo "$s $e" | awk '{ printf "%.3f\n", $2 - $1 }'
}

# min/median/max of the numbers on stdin
spread() {
	sort -n | awk '{ v[NR] = $1 } END {
		printf "min %.3f median %.3f max %.3f s\n", v[1],
		    v[int((NR + 1) / 2)], v[NR] }'
}

if [ -r "$data/gowalla/train.txt" ]; then
	g=$data/gowalla
	set_g="set split.validation 0; set eval.target test; set abstract.metric p3; set abstract.topk 200; set eval.k 20"
	echo "== Gowalla (given test split, fit = all of train; p3, topk 200, k 20)"
	i=0
	while [ $i -lt "$runs" ]; do
		wall "$d" --no-init -c "load $g/train.txt --test $g/test.txt; $set_g; eval"
		i=$((i + 1))
	done | { printf 'full pipeline + evaluation, process wall: '; spread; }
	"$bp" -F -r "$runs" -t "$g/test.txt" -s split.validation=0 \
	    -s eval.target=test -s abstract.metric=p3 -s abstract.topk=200 \
	    -s eval.k=20 -c abstract.threshold -c abstract.topk \
	    -c distill.beta "$g/train.txt"
	echo "-- with filter.method backbone (filter.alpha 0.5)"
	"$bp" -r "$runs" -w 0 -t "$g/test.txt" -s split.validation=0 \
	    -s eval.target=test -s abstract.metric=p3 -s abstract.topk=200 \
	    -s eval.k=20 -s filter.method=backbone -s filter.alpha=0.5 \
	    -c filter.alpha "$g/train.txt" | grep -E '^(full|  stages|change)'
	for f in "filter.method ridge" "filter.rank 256"; do
		i=0
		while [ $i -lt "$runs" ]; do
			/usr/bin/time -f "%e %M" "$d" --no-init -c "load \
$g/train.txt --test $g/test.txt; $set_g; set $f; eval" 2>&1 >/dev/null |
			    tail -1
			i=$((i + 1))
		done > "${TMPDIR:-/tmp}/pipeline.$$"
		printf '%s, process wall: ' "$f"
		spread < "${TMPDIR:-/tmp}/pipeline.$$" | tr -d '\n'
		sort -k2 -n "${TMPDIR:-/tmp}/pipeline.$$" | tail -1 |
		    awk '{ printf ", peak RSS %.0f MB\n", $2 / 1024 }'
		rm -f "${TMPDIR:-/tmp}/pipeline.$$"
	done
else
	echo "Gowalla: skipped ($data/gowalla absent)"
fi

if [ -r "$data/ml-100k/u.data" ]; then
	echo "== ML-100K (ratings >= 4, random 80/20 split, backbone 0.5)"
	"$bp" -r "$runs" -s graph.min_rating=4 -s filter.method=backbone \
	    -s filter.alpha=0.5 -c abstract.threshold -c abstract.topk \
	    -c abstract.alpha -c filter.alpha -c distill.alpha \
	    -c distill.beta -c distill.calibrate -c rec.n=20 \
	    "$data/ml-100k/u.data"
	[ "${BENCH_TUNE:-0}" = 1 ] && "$bp" -T -s graph.min_rating=4 \
	    "$data/ml-100k/u.data" | grep -E '^tuned'
else
	echo "ML-100K: skipped ($data/ml-100k absent)"
fi

if [ "${BENCH_SKIP_20M:-0}" != 1 ] && [ -x "$gen" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	echo "== generated log: 140k users, 27k items, 20M interactions"
	"$gen" --users 140000 --items 27000 --interactions 20000000 --seed 1 \
	    --out "$tmp/gen.csv" --items-out "$tmp/gen-items.csv" >/dev/null
	i=0
	while [ $i -lt "$runs" ]; do
		wall "$d" --no-init -c "load $tmp/gen.csv; \
set split.validation 0; set eval.target test; eval"
		i=$((i + 1))
	done | { printf 'full pipeline + evaluation, process wall: '; spread; }
	/usr/bin/time -f "max RSS %M kB, wall %e s (including load)" "$bp" \
	    -r "$runs" -w 0 -s split.validation=0 -s eval.target=test \
	    -c abstract.threshold "$tmp/gen.csv"
fi
