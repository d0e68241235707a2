#!/bin/sh
# distill — bench/load.sh: time the loader (not a test).
#
#   bench/load.sh [BUILD_DIR]      (default: the current directory)
#
# Runs BUILD_DIR/bench/bench-load (make bench/bench-load first) on the
# Gowalla train file, the ML-1M pairs and a generated 20M-interaction file
# (samples/distill-gen when built, else awk), printing MB/s,
# interactions/s and peak RSS in bytes per interaction. Targets (issue 2):
# >= 150 MB/s, Gowalla train < 0.1 s, 20M interactions < 4 s, <= 40 B/int.
set -eu
build=${1:-.}
top=$(cd "$(dirname "$0")/.." && pwd)
data=${DISTILL_DATA:-$top/../shared/data}
bl=$build/bench/bench-load
[ -x "$bl" ] || { echo "load.sh: $bl not built (make bench/bench-load)" >&2; exit 1; }
echo "cores: $(nproc)   load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for f in gowalla/train.txt ml-1m-pairs/ratings_pairs.tsv; do
	if [ -r "$data/$f" ]; then
		echo "== $f"
		"$bl" -n 5 "$data/$f"
	else
		echo "== $f: skipped ($data/$f not found)"
	fi
done
big=${TMPDIR:-/tmp}/distill-bench-20m.tsv
if [ ! -s "$big" ]; then
	if [ -x "$build/samples/distill-gen" ]; then
		"$build/samples/distill-gen" --users 140000 --items 27000 \
		    --interactions 20000000 --seed 1 --out "$big"
	else
		awk 'BEGIN { srand(1); for (k = 0; k < 20000000; k++) {
			u = int(140000 * rand()^2); i = int(27000 * rand()^3)
			printf "%d\t%d\t%d\t%d\n", u, i, 1 + int(5 * rand()),
			    900000000 + int(100000000 * rand()) } }' > "$big"
	fi
fi
echo "== generated 20M ($big)"
"$bl" -n 1 "$big"
