#!/bin/sh
# distill — bench/cluster.sh: the figures of issue 15 (DESIGN §2.2) on this
# machine: cluster/distill-abstract on a Dask LocalCluster of 1 and 2
# workers, then `load DIR` in distill, beside the in-process run.
#
#   Gowalla (given split, P3alpha alpha=1, top-200, eval.k 20):
#     job time on 1 and 2 workers and the single-process scipy reference
#     of bench/vs-scipy.sh, alternating, RUNS runs each (min, median,
#     max; target: 2 workers no slower than scipy, and >= 1.5x faster
#     than 1 worker), each worker's peak RSS (the manifest's
#     worker_peak_mib); load DIR time (<= 1.5 s), a
#     threshold change after it, Recall@20 in process and imported (0.1859)
#   generated 20M log (140k users x 27k items), split.method hash:
#     in-process peak RSS and threshold change; the job with
#     --sample-users 0.05 on 1 and 2 workers; load DIR peak RSS (target
#     <= 1/10 of in process) and threshold change (<= 0.3 s)
#
#   bench/cluster.sh [BUILDDIR]      (default: the current directory)
#
# Not a test. The machine is noisy: compare figures of one run. On a
# 2-core machine the client and the scheduler share the cores with the
# workers. DISTILL_DATA overrides ../shared/data; BENCH_SKIP_20M=1 skips
# the big log; RUNS sets the repetitions of each change (default 3).
set -eu
b=${1:-.}
here=$(cd "$(dirname "$0")/.." && pwd)
data=${DISTILL_DATA:-$here/../shared/data}
runs=${RUNS:-3}
job="$here/cluster/distill-abstract"
d="$b/distill"
bp="$b/bench/bench-pipeline"
gen="$b/samples/distill-gen"
py=/usr/bin/python3
[ -x "$bp" ] || { echo "cluster.sh: build $bp first (make bench/bench-pipeline)" >&2; exit 1; }
[ -x "$d" ] || { echo "cluster.sh: build $d first" >&2; exit 1; }
if ! "$py" -c 'import dask, distributed, pandas, numpy, scipy' 2>/dev/null
then
	echo "cluster.sh: skipped (apt-get install python3-dask python3-distributed python3-pandas python3-numpy python3-scipy)"
	exit 0
fi
export DISTILL="$d"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "cores: $(nproc), runs: $runs"

# job NAME SESSION WORKERS [ARGS]: time the job, print its worker peaks
job() {
	name=$1 s=$2 w=$3
	shift 3
	/usr/bin/time -f %e -o "$tmp/t" "$py" "$job" "$s" "$tmp/$name.out" \
	    --workers "$w" --quiet "$@"
	"$py" - "$tmp/$name.out/manifest.json" "$(cat "$tmp/t")" "$w" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
c = m["counts"]
print("job, %s worker%s: %s s wall; worker peak RSS %s MiB; %d neighbour "
      "rows, %d of %d users sampled" % (
          sys.argv[3], "" if sys.argv[3] == "1" else "s", sys.argv[2],
          " / ".join("%.0f" % x for x in m["worker_peak_mib"]),
          c["neighbour_rows"], c["sampled_users"], c["users"]))
EOF
}

# the live figures of a load (bench-pipeline: load, full run, a change)
live() {
	"$bp" -r "$runs" -w 0 "$@" 2>&1 | grep -E '^(dataset|full|change abstract.threshold 0|peak)'
}

g="$data/gowalla"
if [ -r "$g/train.txt" ] && [ -r "$g/test.txt" ]; then
	echo "== Gowalla: P3alpha alpha=1, top-200, given split"
	"$d" -c "load $g/train.txt --test $g/test.txt; set split.validation 0;
	    set eval.target test; set abstract.metric p3; set abstract.topk 200;
	    set eval.k 20; set abstract.cluster none; save $tmp/gw.distill" \
	    >/dev/null
	echo "-- in process"
	live -t "$g/test.txt" -s split.validation=0 -s eval.target=test \
	    -s abstract.metric=p3 -s abstract.topk=200 -s eval.k=20 \
	    -c abstract.threshold "$g/train.txt"
	"$d" -c "source $tmp/gw.distill; eval" | grep -E '^distill +20 ' |
	    awk '{print "Recall@20 in process " $4}'
	echo "-- the single-process scipy reference (bench/p3_ref.py) and" \
	    "the job on 1 and 2 workers, alternating, $runs runs each"
	: >"$tmp/t.scipy"
	: >"$tmp/t.gw1"
	: >"$tmp/t.gw2"
	i=0
	while [ "$i" -lt "$runs" ]; do
		/usr/bin/time -f %e -o "$tmp/t" "$py" "$here/bench/p3_ref.py" \
		    "$g/train.txt" "$g/test.txt" --topk 200 --k 20 \
		    >"$tmp/scipy.txt" 2>&1
		cat "$tmp/t" >>"$tmp/t.scipy"
		job gw1 "$tmp/gw.distill" 1 >"$tmp/gw1.txt"
		cat "$tmp/t" >>"$tmp/t.gw1"
		job gw2 "$tmp/gw.distill" 2 >"$tmp/gw2.txt"
		cat "$tmp/t" >>"$tmp/t.gw2"
		i=$((i + 1))
	done
	grep recall "$tmp/scipy.txt"
	for x in "scipy:scipy reference" "gw1:job, 1 worker" \
	    "gw2:job, 2 workers"; do
		sort -n "$tmp/t.${x%%:*}" | awk -v n="${x#*:}:" \
		    -v out="$tmp/m.${x%%:*}" '{ v[NR] = $1 } END {
			if (NR % 2) m = v[(NR + 1) / 2]
			else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%-16s min %.2f median %.2f max %.2f s wall\n",
			    n, v[1], m, v[NR]
			print m > out }'
	done
	echo "(last run) $(cat "$tmp/gw1.txt")"
	echo "(last run) $(cat "$tmp/gw2.txt")"
	awk '{ print }' "$tmp/m.scipy" "$tmp/m.gw1" "$tmp/m.gw2" | tr '\n' ' ' |
	    awk '{ printf "medians: scipy / 2 workers %.2fx (target >= 1); " \
	        "1 worker / 2 workers %.2fx (target >= 1.5)\n", $1 / $3,
	        $2 / $3 }'
	echo "-- load DIR"
	live -s eval.k=20 -c abstract.threshold "$tmp/gw2.out"
	"$d" -c "load $tmp/gw2.out; eval" | grep -E '^distill +20 ' |
	    awk '{print "Recall@20 imported " $4}'
else
	echo "Gowalla: skipped ($g absent)"
fi

if [ "${BENCH_SKIP_20M:-0}" != 1 ] && [ -x "$gen" ]; then
	echo "== generated log: 140k users, 27k items, 20M interactions"
	"$gen" --users 140000 --items 27000 --interactions 20000000 --seed 1 \
	    --out "$tmp/gen.csv" --items-out "$tmp/gen-items.csv" >/dev/null
	"$d" -c "load $tmp/gen.csv; set split.method hash;
	    set abstract.cluster none; save $tmp/gen.distill" >/dev/null
	echo "-- in process"
	live -r 1 -s split.method=hash -c abstract.threshold "$tmp/gen.csv"
	echo "-- the job, --sample-users 0.05"
	job gen1 "$tmp/gen.distill" 1 --sample-users 0.05
	job gen2 "$tmp/gen.distill" 2 --sample-users 0.05
	echo "-- load DIR (5 % of users)"
	live -c abstract.threshold "$tmp/gen2.out"
fi
