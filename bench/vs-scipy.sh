#!/bin/sh
# distill — bench/vs-scipy.sh: time distill against a plain numpy/scipy
# implementation of the same recommenders (bench/p3_ref.py) on Gowalla:
# P3α and RP3β item-kNN (abstract.topk 200, fitted on all of train, scored
# on test, Recall@20). Each run is a whole process, load included; the two
# alternate, RUNS times each. Prints min/median/max wall seconds and the
# Recall@20 of both and the ratio of the medians (scipy / distill). Not a
# test; distill uses every core (OpenMP), scipy.sparse one.
#
#   bench/vs-scipy.sh [BUILDDIR]      (default: the current directory)
#
# Fails when the two Recall@20 differ by more than 0.0005: the models then
# differ and the ratio means nothing. Skips (exit 0) without python3-scipy
# (PYTHON, else python3, else /usr/bin/python3, the Debian package's) or
# without ../shared/data/gowalla (DISTILL_DATA overrides ../shared/data).
# RUNS (default 5) sets the runs per implementation.
set -eu
b=${1:-.}
here=$(cd "$(dirname "$0")/.." && pwd)
data=${DISTILL_DATA:-$here/../shared/data}
runs=${RUNS:-5}
d="$b/distill"
ref="$here/bench/p3_ref.py"
[ -x "$d" ] || { echo "vs-scipy.sh: $d not built (make distill)" >&2; exit 1; }

py=
for p in ${PYTHON:-} python3 /usr/bin/python3; do
	if "$p" -c 'import numpy, scipy.sparse' 2>/dev/null; then
		py=$p
		break
	fi
done
if [ -z "$py" ]; then
	echo "vs-scipy.sh: skipped (python3-scipy absent: apt-get install python3-scipy)"
	exit 0
fi
tr=$data/gowalla/train.txt
te=$data/gowalla/test.txt
if [ ! -r "$tr" ] || [ ! -r "$te" ]; then
	echo "vs-scipy.sh: skipped ($data/gowalla/train.txt, test.txt absent)"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "cores: $(nproc)   $("$py" -c 'import sys, numpy, scipy
print("python", sys.version.split()[0], " numpy", numpy.__version__,
      " scipy", scipy.__version__)')"

now() { date +%s.%N; }

# stats FILE: min, median and max of the numbers in FILE, one a line.
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%s %s %s\n", v[1], m, v[NR] }'
}

# bench NAME METRIC: RUNS alternating runs of distill and p3_ref.py.
bench() {
	name=$1 metric=$2
	cmd="load $tr --test $te; set split.validation 0; set eval.target test"
	cmd="$cmd; set abstract.metric $metric; set abstract.topk 200"
	cmd="$cmd; set eval.k 20; eval"
	: >"$tmp/t.distill"
	: >"$tmp/t.scipy"
	i=0
	while [ "$i" -lt "$runs" ]; do
		t0=$(now)
		"$d" --no-init --csv -c "$cmd" >"$tmp/o.distill"
		t1=$(now)
		"$py" "$ref" "$tr" "$te" --metric "$metric" --alpha 1 \
		    --beta 0.5 --topk 200 --k 20 >"$tmp/o.scipy" 2>"$tmp/e.scipy"
		t2=$(now)
		echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }' >>"$tmp/t.distill"
		echo "$t1 $t2" | awk '{ printf "%.3f\n", $2 - $1 }' >>"$tmp/t.scipy"
		i=$((i + 1))
	done
	# recall of the metrics table: the row after the header "method,..."
	rd=$(awk -F, '$1 == "method" { for (c = 1; c <= NF; c++)
		if ($c == "recall") col = c; getline; print $col; exit }' \
	    "$tmp/o.distill")
	rs=$(awk '$1 == "recall@20" { print $2 }' "$tmp/o.scipy")
	[ -n "$rd" ] || { echo "vs-scipy.sh: no recall in distill's output" >&2; exit 1; }
	[ -n "$rs" ] || { echo "vs-scipy.sh: no recall from p3_ref.py" >&2; cat "$tmp/e.scipy" >&2; exit 1; }
	read -r dmin dmed dmax <<-EOF
	$(stats "$tmp/t.distill")
	EOF
	read -r smin smed smax <<-EOF
	$(stats "$tmp/t.scipy")
	EOF
	echo "== Gowalla $name (abstract.metric $metric, topk 200), $runs runs each, wall s incl. load"
	printf '%-8s %8s %8s %8s %10s\n' "" min median max recall@20
	printf '%-8s %8.3f %8.3f %8.3f %10.4f\n' distill "$dmin" "$dmed" "$dmax" "$rd"
	printf '%-8s %8.3f %8.3f %8.3f %10.4f\n' scipy "$smin" "$smed" "$smax" "$rs"
	echo "$smed $dmed" | awk '{ printf "ratio scipy/distill (median): %.2f\n", $1 / $2 }'
	echo "p3_ref.py phases, last run:"
	sed 's/^/    /' "$tmp/e.scipy"
	if echo "$rd $rs" | awk '{ d = $1 - $2; exit !(d > 0.0005 || d < -0.0005) }'
	then
		echo "vs-scipy.sh: $name Recall@20 differs (distill $rd, scipy $rs): the models are not the same, the ratio means nothing" >&2
		exit 1
	fi
}

bench "P3alpha" p3
bench "RP3beta" rp3
