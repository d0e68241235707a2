#!/bin/sh
# distill — tests/incremental.sh: a change made in a live session gives
# what a fresh session with the new value gives, for every parameter of
# the registry, over several base configurations.
#
# The live path keeps each stage's results and caches (the candidate
# cache of the abstract stage, the filter's scores, the walk matrices);
# a `set` reruns only the stages it invalidates. A cache that outlives
# what it was built from shows here as a metric or a score that differs
# from a fresh run. Per base configuration, one session runs every
# change in turn (set, eval, rec, undo, eval); each change is compared
# with a fresh process that sets the same value, bit for bit (csv
# output, 17 significant digits), and each undo with the base. Timing
# columns are left out.
set -u

: "${DISTILL:?DISTILL must name the distill binary}"
: "${top_srcdir:?top_srcdir must name the source tree}"
T=$(mktemp -d "${TMPDIR:-/tmp}/distill-incr.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
S=$top_srcdir/samples/sample.csv
U=1000
fail=0

# PARAM VALUE: each parameter with one or more values unlike its default
# (every value of an enumeration)
cat >"$T/all" <<'EOF'
split.method temporal
split.method leave-last
split.method hash
split.test_fraction 0.3
split.validation 0.2
split.seed 7
graph.min_rating 3
graph.min_user_degree 30
graph.min_item_degree 40
graph.max_user_degree 40
graph.weighting rating
graph.weighting log
abstract.metric cosine
abstract.metric jaccard
abstract.metric asym
abstract.metric p3
abstract.shrink 10
abstract.asym_alpha 0.3
abstract.alpha 0.7
abstract.beta 0.8
abstract.threshold 0.002
abstract.topk 20
abstract.topk 0
abstract.cluster louvain
abstract.cluster none
abstract.resolution 2
abstract.seed 7
filter.method backbone
filter.method learned
filter.method ridge
filter.alpha 0.5
filter.lambda 30
filter.dropout 0.3
filter.rank 8
filter.lowrank_weight 0.5
filter.lowrank_power 0.7
filter.lowrank_norm 0.3
filter.val_fraction 0.3
filter.model svm
filter.model forest
filter.model boost
filter.trees 10
filter.depth 3
filter.rounds 10
filter.learning_rate 0.1
filter.min_score 0.4
filter.seed 7
distill.alpha 0.5
distill.beta 0.5
distill.calibrate 0.5
rec.n 20
eval.k 5
eval.ndcg_ideal all
eval.ile on
eval.target test
EOF

# the comparable lines of a session's output: the metric rows and the
# recommendations (the timing tables are dropped)
keep() { grep -E '^(@@|distill,[0-9]+,|[0-9]+,)' "$1"; }

# same A B WHAT: A and B alike, or a failure of the current base
same() {
	cmp -s "$1" "$2" && return 0
	echo "FAIL: $name: $3:"
	diff "$1" "$2" | sed 's/^/  | /' | head -6
	fail=1 bad=1
}

# base NAME SETTINGS: every change against a fresh run, on one base
base() {
	name=$1 set=$2
	# the changes to make: not those the base makes already (a set to
	# the current value is no change, and its undo would undo the base)
	while read -r p v; do
		case "; $set;" in *"; set $p $v;"*) ;; *) echo "$p $v" ;; esac
	done <"$T/all" >"$T/changes"
	cmd="load $S; $set; eval; rec $U; echo @@base"
	while read -r p v; do
		cmd="$cmd; set $p $v; eval; rec $U; echo @@$p=$v; undo; \
eval; rec $U; echo @@undo"
	done <"$T/changes"
	if ! "$DISTILL" --no-init --format csv -c "$cmd" >"$T/live" \
	    2>"$T/err"; then
		echo "FAIL: $name: the live session failed:"
		sed 's/^/  | /' "$T/err" | tail -5
		fail=1
		return
	fi
	# split into blocks: block N ends at the Nth marker
	keep "$T/live" | awk -v d="$T" '
		/^@@/ { n++; next }
		{ print > (d "/blk." n + 1) }'
	touch "$T/blk.1"
	n=2 bad=0
	while read -r p v; do
		"$DISTILL" --no-init --format csv -c "load $S; $set; \
set $p $v; eval; rec $U" >"$T/fresh.out" 2>"$T/err" || {
			echo "FAIL: $name: fresh run with $p $v failed:"
			sed 's/^/  | /' "$T/err" | tail -3
			fail=1 bad=1
		}
		keep "$T/fresh.out" >"$T/fresh"
		touch "$T/blk.$n" "$T/blk.$((n + 1))"
		same "$T/fresh" "$T/blk.$n" "set $p $v live differs from fresh"
		same "$T/blk.1" "$T/blk.$((n + 1))" \
		    "undo of $p $v differs from the base"
		n=$((n + 2))
	done <"$T/changes"
	[ "$bad" = 0 ] && echo "ok: $name: $(wc -l <"$T/changes") changes"
	rm -f "$T"/blk.*
}

base default "echo"
base backbone "set filter.method backbone; set filter.alpha 0.5"
base learned "set filter.method learned"
base ridge "set abstract.metric p3; set filter.method ridge; \
set filter.rank 8; set distill.beta 0.3"
base calibrated "set abstract.metric cosine; set abstract.shrink 5; \
set distill.calibrate 0.5; set distill.beta 0.5; set eval.ile on"
exit $fail
