#!/bin/sh
# distill — tests/cluster.sh: cluster/distill-abstract (Dask) against distill
# in process (DESIGN §2.2, issue 15). On ML-100K's u1.base/u1.test, for
# every metric with a non-zero shrink, threshold and top-k, the job's
# neighbour lists, loaded with `load DIR`, equal the in-process S edge for
# edge (the exported csv byte for byte) and `eval` prints identical
# metrics; the same for split.method hash on u.data and on an adjacency
# list with tabs, CRs and an id holding a no-break space; a 10 % user sample is
# the same set both ways; the job runs against a real dask-scheduler with
# two dask-worker processes over TCP; bad input fails cleanly with no
# OUTDIR left. Skips (77) without Dask or without ../shared/data.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${DISTILL:-./distill}
[ -x "$bin" ] || bin="$top/distill"
job="$top/cluster/distill-abstract"
data=${DISTILL_DATA:-$top/../shared/data}
ml="$data/ml-100k"

if ! /usr/bin/python3 -c 'import dask, distributed, pandas, numpy, scipy' \
    2>/dev/null; then
	echo "SKIP: Dask is not installed (apt-get install python3-dask" \
	    "python3-distributed python3-pandas python3-numpy python3-scipy)"
	exit 77
fi
if [ ! -r "$ml/u1.base" ]; then
	echo "SKIP: $ml/u1.base not found (set DISTILL_DATA)"
	exit 77
fi

tmp=$(mktemp -d)
pids=
cleanup() {
	# a dask-worker whose scheduler is gone waits to reconnect: TERM,
	# then KILL what is left
	for p in $pids; do kill "$p" 2>/dev/null; done
	[ -n "$pids" ] && sleep 1
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	umount "$tmp/full" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
export DISTILL="$bin"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# the metrics row of eval (timings differ)
metrics() { grep -E '^distill +[0-9]+ +[0-9.]+ ' "$1"; }

# compare: NAME LOAD_ARGS SETTINGS [JOB_ARGS]: save a session, export S
# and eval in process; run the job; load DIR, export and eval; compare.
compare() {
	name=$1 load=$2 sets=$3 jobargs=${4:---workers 2}
	s="$tmp/$name.distill" out="$tmp/$name.out"
	"$bin" -c "load $load; $sets; save $s" >/dev/null ||
		{ bad "$name: cannot save the session"; return; }
	"$bin" -c "source $s; run; export abstract $tmp/$name-in.csv \
	    --format csv; eval; stats abstract" > "$tmp/$name-in.txt" 2>&1 ||
		{ bad "$name: in process"; cat "$tmp/$name-in.txt"; return; }
	# shellcheck disable=SC2086
	/usr/bin/python3 "$job" "$s" "$out" $jobargs --quiet \
	    2> "$tmp/$name-job.err" ||
		{ bad "$name: the job failed"; cat "$tmp/$name-job.err";
		  return; }
	"$bin" -c "load $out; run; export abstract $tmp/$name-dir.csv \
	    --format csv; eval; stats abstract" > "$tmp/$name-dir.txt" 2>&1 ||
		{ bad "$name: load DIR"; cat "$tmp/$name-dir.txt"; return; }
	if ! cmp -s "$tmp/$name-in.csv" "$tmp/$name-dir.csv"; then
		bad "$name: imported S differs from the in-process S"
		diff "$tmp/$name-in.csv" "$tmp/$name-dir.csv" | head -5
	fi
	# the cut counts of stats abstract: the job's and the import's
	a=$(grep -E '^  (candidate_pairs|kept_edges|cut_by_)' \
	    "$tmp/$name-in.txt") b=$(grep -E \
	    '^  (candidate_pairs|kept_edges|cut_by_)' "$tmp/$name-dir.txt")
	[ -n "$a" ] && [ "$a" = "$b" ] ||
		bad "$name: stats abstract counts differ: $a / $b"
	a=$(metrics "$tmp/$name-in.txt") b=$(metrics "$tmp/$name-dir.txt")
	if [ -z "$a" ] || [ "$a" != "$b" ]; then
		bad "$name: metrics differ"
		echo "  in process: $a"
		echo "  imported:   $b"
	else
		echo "ok: $name: $(wc -l < "$tmp/$name-in.csv") edges," \
		    "$(echo "$a" | awk '{print "P@" $2 " " $3 ", NDCG " $5}')"
	fi
}

given="$ml/u1.base --test $ml/u1.test"
base="set split.validation 0; set eval.target test"
# (the inputs through --data as file:// URLs, as a cluster would read them)
compare cosine "$given" "$base; set abstract.metric cosine;
    set abstract.shrink 10; set abstract.threshold 0.05;
    set abstract.topk 30" "--workers 2 --data $ml/u1.base=file://$ml/u1.base
    --data $ml/u1.test=file://$ml/u1.test"
# (users with more than 300 fit positives left out: graph.max_user_degree)
# (these two with the factors kept per partition and the partial sums
# shuffled, as for factors over --broadcast-mb; the others broadcast)
compare jaccard "$given" "$base; set abstract.metric jaccard;
    set abstract.threshold 0.02; set abstract.topk 40;
    set graph.max_user_degree 300" "--workers 2 --broadcast-mb 0"
compare asym "$given" "$base; set abstract.metric asym;
    set abstract.asym_alpha 0.3; set abstract.shrink 5;
    set abstract.threshold 0.01; set abstract.topk 25;
    set graph.weighting rating" "--workers 2 --broadcast-mb 0"
compare p3 "$given" "$base; set abstract.metric p3; set abstract.alpha 0.8;
    set abstract.threshold 0.001; set abstract.topk 60; set distill.beta 0.2"
compare rp3 "$given" "$base; set abstract.metric rp3; set abstract.alpha 1;
    set abstract.beta 0.6; set abstract.threshold 0.0001;
    set abstract.topk 50; set graph.min_rating 3" "--workers 1"
# the hash split, validation carved by hash too, scored on validation
compare hash "$ml/u.data" "set split.method hash; set split.validation 0.1;
    set abstract.metric rp3; set abstract.shrink 2; set abstract.topk 80;
    set abstract.threshold 0.0005"

# an adjacency list read as distill reads it: words split on runs of
# spaces and tabs only (an id with a no-break space inside is one id), a
# line's final CR dropped, blank and one-word lines skipped
awk -F'\t' '$3 >= 3 { l[$1] = l[$1] ($2 == 50 ? " 5\302\2400" : " " $2) }
    END { for (u in l) { n++; sep = n % 3 ? "" : "\t  ";
          print u sep l[u] (n % 4 ? "" : "\r"); if (n % 50 == 0)
          print (n % 100 ? "" : u "x") } }' "$ml/u1.base" > "$tmp/adj.txt"
grep -q "$(printf '5\302\2400')" "$tmp/adj.txt" ||
	bad "adj: the test file lacks its no-break-space id"
compare adj "$tmp/adj.txt --format adj" "set split.method hash;
    set split.validation 0.1; set abstract.metric p3;
    set abstract.topk 40"

# the user ids of a `users` table
user_ids() { awk '/^users$/ {on = 1; next} on && NF == 2 && $2 ~ /^[0-9]+$/ {print $1}'; }

# Gowalla, P3alpha alpha=1 top-200: the job's 8M neighbour lists equal the
# in-process ones and Recall@20 is 0.1859 both ways
g="$data/gowalla"
if [ -r "$g/train.txt" ] && [ -r "$g/test.txt" ]; then
	compare gowalla "$g/train.txt --test $g/test.txt" "$base;
	    set abstract.metric p3; set abstract.topk 200; set eval.k 20;
	    set abstract.cluster none"
	r=$(metrics "$tmp/gowalla-dir.txt" | awk '{print $4}')
	[ "$r" = "0.1859" ] || bad "gowalla: Recall@20 $r imported, not 0.1859"
else
	echo "skip: gowalla ($g absent)"
fi

# a 10 % sample of users: the same set in process and from the job
"$bin" -c "load $ml/u.data --sample-users 0.1 --sample-seed 7; users" |
    user_ids | sort > "$tmp/users-in"
# (the job takes the sample from the session's load line)
"$bin" -c "load $ml/u.data --sample-users 0.1 --sample-seed 7;
    set split.method hash; save $tmp/smp.distill" >/dev/null
/usr/bin/python3 "$job" "$tmp/smp.distill" "$tmp/smp.out" --workers 2 \
    --quiet || bad "sample: job failed"
"$bin" -c "load $tmp/smp.out; users" | user_ids |
    sort > "$tmp/users-dir"
n=$(wc -l < "$tmp/users-in")
if [ "$n" -lt 50 ] || [ "$n" -gt 150 ] ||
    ! cmp -s "$tmp/users-in" "$tmp/users-dir"; then
	bad "sample: $n users in process, $(wc -l < "$tmp/users-dir") from" \
	    "the job, or not the same set"
else
	echo "ok: sample: the same $n of 943 users"
fi

# refused and allowed changes after load DIR
o=$("$bin" -c "load $tmp/p3.out; set abstract.topk 20; set abstract.threshold 0.01; set abstract.metric cosine" 2>&1)
echo "$o" | grep -q "abstract.metric: the abstract stage is imported" ||
	bad "an abstract.metric change is not refused: $o"
echo "$o" | grep -q "distill-abstract .* --set abstract.metric=cosine" ||
	bad "the refusal does not give the job's command: $o"
o=$("$bin" -c "load $tmp/p3.out; set abstract.topk 61" 2>&1)
echo "$o" | grep -q "a larger top-k needs the job again" ||
	bad "a larger top-k is not refused: $o"

# save after load DIR replays: the baseline of save is what load DIR sets
# (distill.beta 0.2 from the job's session), so a change back to the
# default must be written
"$bin" -c "load $tmp/p3.out; set distill.beta 0; set abstract.topk 30; eval;
    save $tmp/p3-again.distill" > "$tmp/again1.txt" 2>&1
"$bin" -c "source $tmp/p3-again.distill; eval" > "$tmp/again2.txt" 2>&1
a=$(metrics "$tmp/again1.txt") b=$(metrics "$tmp/again2.txt")
if [ -z "$a" ] || [ "$a" != "$b" ]; then
	bad "save after load DIR does not replay: '$a' vs '$b'"
	cat "$tmp/p3-again.distill"
else
	echo "ok: save after load DIR replays ($a)"
fi

# a real scheduler and two workers over TCP
port=$((20000 + $$ % 20000))
dask-scheduler --host 127.0.0.1 --port "$port" --no-dashboard \
    > "$tmp/sched.log" 2>&1 &
pids="$pids $!"
for w in 1 2; do
	dask-worker "tcp://127.0.0.1:$port" --nworkers 1 --nthreads 1 \
	    --no-dashboard --local-directory "$tmp/w$w" \
	    > "$tmp/worker$w.log" 2>&1 &
	pids="$pids $!"
done
ready=0
for _ in $(seq 60); do
	if /usr/bin/python3 -c "
from dask.distributed import Client
c = Client('tcp://127.0.0.1:$port', timeout=2)
raise SystemExit(0 if len(c.scheduler_info()['workers']) == 2 else 1)" \
	    2>/dev/null; then
		ready=1
		break
	fi
	sleep 1
done
if [ "$ready" = 1 ]; then
	compare scheduler "$given" "$base; set abstract.metric p3;
	    set abstract.alpha 0.8; set abstract.threshold 0.001;
	    set abstract.topk 60; set distill.beta 0.2" \
	    "--scheduler tcp://127.0.0.1:$port"
	cmp -s "$tmp/p3-dir.csv" "$tmp/scheduler-dir.csv" ||
		bad "scheduler: S differs from the LocalCluster run"
else
	bad "the dask-scheduler on port $port did not get two workers"
	tail -5 "$tmp/sched.log"
fi

# a relative load path is read beside the session file, as source does
mkdir -p "$tmp/rel"
cp "$top/samples/teach.tsv" "$tmp/rel/t.tsv"
printf 'load t.tsv\nset split.method hash\n' > "$tmp/rel/rel.distill"
if (cd / && /usr/bin/python3 "$job" "$tmp/rel/rel.distill" "$tmp/rel/out" \
    --workers 1 --quiet) > "$tmp/rel.log" 2>&1 &&
    "$bin" -c "load $tmp/rel/out; stats load" 2>&1 |
    grep -q 'interactions *42'; then
	echo "ok: a relative load path is read beside the session file"
else
	bad "relative load path: $(tail -2 "$tmp/rel.log")"
fi

# same_eval NAME "FILE [LOAD OPTIONS]" WHAT [JOB OPTIONS]: the job's eval
# equals distill's on FILE (split.method hash, top-20)
same_eval() {
	n=$1 f=$2 what=$3
	shift 3
	printf 'load %s\nset split.method hash\nset abstract.topk 20\n' \
	    "$f" > "$tmp/$n.distill"
	a=$("$bin" -c "load $f; set split.method hash; set abstract.topk 20;
	    eval" 2>&1 | grep -E "^distill +[0-9]")
	if /usr/bin/python3 "$job" "$tmp/$n.distill" "$tmp/$n.out" \
	    --workers 1 --quiet "$@" > "$tmp/$n.log" 2>&1; then
		b=$("$bin" -c "load $tmp/$n.out; eval" 2>&1 |
		    grep -E "^distill +[0-9]")
		[ -n "$a" ] && [ "$a" = "$b" ] || bad "$n: '$a' vs '$b'"
		echo "ok: $n: $what"
	else
		bad "$n: the job failed: $(cat "$tmp/$n.log")"
	fi
}

# what distill takes the job takes: a timestamp with a fraction (dropped),
# a rating in strtod's hexadecimal or with leading blanks
awk 'BEGIN { OFS = "\t" } { r = $3 }
    NR % 3 == 0 { r = "0x1p2" } NR % 3 == 1 { r = " " $3 }
    { print $1, $2, r, $4 ".5" }' "$ml/u1.test" > "$tmp/odd.tsv"
same_eval odd "$tmp/odd.tsv" \
    "fractional timestamps, hex and blank-led ratings"

# a header as distill reads it: quoted names on a tab-separated line (a
# csv header, not a user "user"), the delimiter counted outside quotes
{ printf '"user"\t"item"\n'; cut -f1,2 "$ml/u1.test"; } > "$tmp/qhead.tsv"
{ printf '"u,i,d";item;stars\n'; awk -F'\t' '{ print $1 ";" $2 ";" $3 }' \
    "$ml/u1.test"; } > "$tmp/semi.csv"
same_eval qhead "$tmp/qhead.tsv" "a quoted header on a tab-separated line"
same_eval semi "$tmp/semi.csv --user u,i,d" \
    "the delimiter counted outside quotes"
# a quoted field holding line ends, in blocks of 4 KiB: a block starts
# after a line end outside quotes, where distill's reader ends a record
awk -F'\t' 'BEGIN { print "user,item,rating,note" }
    { printf "%s,%s,%s,\"line one\nline, \"\"two\"\"\"\n", $1, $2, $3 }' \
    "$ml/u1.test" > "$tmp/multi.csv"
same_eval multi "$tmp/multi.csv" "quoted line ends across blocks" \
    --blocksize 4096
# a byte-order mark before a quoted header; an empty field in a column
# distill does not read
awk -F'\t' 'BEGIN { printf "\357\273\277\"user\",\"item\",\"rating\"\n" }
    { print $1 "," $2 "," $3 }' "$ml/u1.test" > "$tmp/bom.csv"
same_eval bom "$tmp/bom.csv" "a byte-order mark before a quoted header"
awk -F'\t' 'BEGIN { print "user,item,note,rating" }
    { print $1 "," $2 ",," $3 }' "$ml/u1.test" > "$tmp/unused.csv"
same_eval unused "$tmp/unused.csv" "an empty field in a column not read"
{ printf '\n\r\nuser,item,rating\n'; awk -F'\t' '{ print $1 "," $2 "," $3 }' \
    "$ml/u1.test"; } > "$tmp/blankhead.csv"
same_eval blankhead "$tmp/blankhead.csv --format csv" \
    "empty lines before the header"

# an input changed since save: distill's warning, naming the file
mkdir -p "$tmp/crc"
cp "$top/samples/teach.tsv" "$tmp/crc/t.tsv"
"$bin" -c "load $tmp/crc/t.tsv; set split.method hash;
    save $tmp/crc/s.distill" > /dev/null
grep -q -- "--crc" "$tmp/crc/s.distill" || bad "save wrote no --crc"
head -n 5 "$top/samples/teach.tsv" >> "$tmp/crc/t.tsv"
if /usr/bin/python3 "$job" "$tmp/crc/s.distill" "$tmp/crc/out" \
    --workers 1 --quiet > "$tmp/crc.log" 2>&1 &&
    grep -q "t.tsv: the data changed since the session was saved" \
    "$tmp/crc.log"; then
	echo "ok: a changed input: $(head -1 "$tmp/crc.log")"
else
	bad "a changed input is not named: $(cat "$tmp/crc.log")"
fi

# bad input: one clear error, non-zero exit, no OUTDIR left behind
expect_fail() {
	what=$1 want=$2
	shift 2
	rm -rf "$tmp/bad.out" "$tmp/bad.out.tmp"
	if /usr/bin/python3 "$job" "$@" "$tmp/bad.out" --quiet \
	    > "$tmp/bad.log" 2>&1; then
		bad "$what: the job succeeded"
	elif ! grep -qF -- "$want" "$tmp/bad.log"; then
		bad "$what: expected '$want' in: $(cat "$tmp/bad.log")"
	elif [ -e "$tmp/bad.out" ] || [ -e "$tmp/bad.out.tmp" ]; then
		bad "$what: left an output directory behind"
	else
		echo "ok: $what: $(head -1 "$tmp/bad.log")"
	fi
}
expect_fail "a --data path the session does not read" "no such file" \
    "$tmp/p3.distill" --data /nonexistent/x.tsv=file:///x.tsv
expect_fail "unreachable scheduler" "tcp://127.0.0.1:9" \
    "$tmp/p3.distill" --scheduler tcp://127.0.0.1:9 --timeout 3
printf 'load %s\nfrobnicate 3\n' "$ml/u1.base" > "$tmp/unknown.distill"
expect_fail "unknown session line" "unknown.distill:2: unexpected session line" \
    "$tmp/unknown.distill"
printf 'load %s/missing.tsv\nset split.method hash\n' "$tmp" \
    > "$tmp/missing.distill"
expect_fail "missing input" "missing.tsv" "$tmp/missing.distill"
printf '1\t2\t5\t1\n1\t3\tfive\t2\n' > "$tmp/badrating.tsv"
printf 'load %s\nset split.method hash\n' "$tmp/badrating.tsv" \
    > "$tmp/badrating.distill"
expect_fail "malformed rating" "badrating.tsv:2:5: expected a rating" \
    "$tmp/badrating.distill"
# an id that is not UTF-8: distill's own message (file:line:column)
printf 'u1 i1 i2\nu2 i\377\063 i1\n' > "$tmp/badutf8.txt"
printf 'load %s --format adj\nset split.method hash\n' \
    "$tmp/badutf8.txt" > "$tmp/badutf8.distill"
want=$("$bin" -c "load $tmp/badutf8.txt --format adj" 2>&1 |
    sed 's/^error: //')
expect_fail "adjacency id not UTF-8" "$want" "$tmp/badutf8.distill"
printf '1\t2\t5\t1\n\3771\t3\t4\t2\n' > "$tmp/badutf8.tsv"
printf 'load %s\nset split.method hash\n' "$tmp/badutf8.tsv" \
    > "$tmp/badutf8t.distill"
want=$("$bin" -c "load $tmp/badutf8.tsv" 2>&1 | sed 's/^error: //')
expect_fail "tsv user id not UTF-8" "$want" "$tmp/badutf8t.distill"
# ids longer than distill takes (256 bytes), an adjacency item and a
# quoted csv user: refused up front, not by load DIR after the whole job
long=$(printf '%0300d' 7)
printf 'u1 i1 i2\nu2 %s i1\n' "$long" > "$tmp/longid.txt"
printf 'load %s --format adj\nset split.method hash\n' \
    "$tmp/longid.txt" > "$tmp/longid.distill"
want=$("$bin" -c "load $tmp/longid.txt --format adj" 2>&1 |
    sed 's/^error: //')
expect_fail "adjacency id too long" "$want" "$tmp/longid.distill"
printf 'user,item\nu1,i1\n"%s",i2\n' "$long" > "$tmp/longid.csv"
printf 'load %s\nset split.method hash\n' "$tmp/longid.csv" \
    > "$tmp/longidc.distill"
want=$("$bin" -c "load $tmp/longid.csv" 2>&1 | sed 's/^error: //')
expect_fail "quoted csv id too long" "$want" "$tmp/longidc.distill"
# ratings as distill reads them: inf is refused with its message
printf '1\t2\t5\t1\n2\t3\tinf\t2\n' > "$tmp/inf.tsv"
printf 'load %s\nset split.method hash\n' "$tmp/inf.tsv" \
    > "$tmp/inf.distill"
want=$("$bin" -c "load $tmp/inf.tsv" 2>&1 | sed 's/^error: //')
expect_fail "a rating of inf" "$want" "$tmp/inf.distill"
# a header whose fields are not numbers as distill reads a rating (inf):
# a header without a user column, distill's message
{ echo 'a,b,inf'; echo '1,2,3'; } > "$tmp/infhead.csv"
printf 'load %s\nset split.method hash\n' "$tmp/infhead.csv" \
    > "$tmp/infhead.distill"
want=$("$bin" -c "load $tmp/infhead.csv" 2>&1 | sed 's/^error: //')
expect_fail "a header of a, b, inf" "$want" "$tmp/infhead.distill"
# lines distill refuses, refused by the job with distill's message (its
# column too): timestamps pandas' integer reader takes, quotes its csv
# reader takes, a space as one separator, fields named as distill names
# them. refused NAME FILE 'LOAD OPTIONS' FORMAT [ARG...]: printf's lines
refused() {
	n=$1 f=$tmp/$2 lo=$3
	shift 3
	# shellcheck disable=SC2059
	printf "$@" > "$f"
	printf 'load %s %s\nset split.method hash\n' "$f" "$lo" \
	    > "$tmp/$n.distill"
	# shellcheck disable=SC2086
	want=$("$bin" -c "load $f $lo" 2>&1 | sed 's/^error: //')
	case $want in
	"$f:"*) expect_fail "$n" "$want" "$tmp/$n.distill" ;;
	*) bad "$n: distill takes the file: $want" ;;
	esac
}
refused "timestamp +5" ts1.tsv '' '1\t2\t5\t1\n2\t3\t4\t+5\n'
refused "timestamp 1e3" ts2.tsv '' '1\t2\t5\t1\n2\t3\t4\t1e3\n'
refused "timestamp with a blank" ts3.csv '' 'user,item,rating,time\n1,2,5,1\n2,3,4,5 \n'
refused "quote inside a field" q1.csv '' 'user,item,rating\n1,2,5\n2,3"x,4\n'
refused "text after a closing quote" q2.csv '' 'user,item,rating\n"1","2",5\n2,"3"x,4\n'
refused "a quoted rating" q3.csv '' 'user,item,rating\n1,2,5\n"2,x",3,"five"\n'
refused "an empty item id" e1.tsv '' '1\t2\t5\n1\t\t4\n'
refused "two spaces, --format tsv" sp.tsv '--format tsv' '1 2 5\n1  3 4\n'
refused "a line of blanks" bl.csv '' 'user,item,rating\n1,2,5\n  \n2,3,4\n'
refused "a lone carriage return" cr.csv '' 'user,item,rating\n1,2,5\r2,3,4\n'
refused "a carriage return in a quoted record" crq.csv '' \
    'user,item,note,rating\r\n1,2,"a\r\nb",x\r\n'
: > "$tmp/empty.tsv"
printf 'load %s\nset split.method hash\n' "$tmp/empty.tsv" \
    > "$tmp/empty.distill"
want=$("$bin" -c "load $tmp/empty.tsv" 2>&1 | sed 's/^error: //')
expect_fail "an empty file" "$want" "$tmp/empty.distill"
printf 'load %s\n' "$ml/u.data" > "$tmp/random.distill"
expect_fail "a split the cluster cannot reproduce" "set split.method hash" \
    "$tmp/random.distill"

# interrupted (SIGTERM, as a batch system's timeout sends) while it writes
# OUTDIR.tmp: nothing left behind
rm -rf "$tmp/term.out" "$tmp/term.out.tmp"
/usr/bin/python3 "$job" "$tmp/p3.distill" "$tmp/term.out" --workers 1 \
    --quiet > "$tmp/term.log" 2>&1 &
jp=$!
for _ in $(seq 600); do
	[ -e "$tmp/term.out.tmp" ] && break
	kill -0 "$jp" 2>/dev/null || break
	sleep 0.05
done
kill -TERM "$jp" 2>/dev/null
wait "$jp" 2>/dev/null
if [ -e "$tmp/term.out" ] && ! grep -q interrupted "$tmp/term.log"; then
	echo "skip: interrupted job (it finished before the signal)"
elif [ -e "$tmp/term.out" ] || [ -e "$tmp/term.out.tmp" ]; then
	bad "interrupted job left $(ls -d "$tmp"/term.out*)"
elif ! grep -q "interrupted; .*term.out not written" "$tmp/term.log"; then
	bad "interrupted job: $(cat "$tmp/term.log")"
else
	echo "ok: interrupted: $(tail -1 "$tmp/term.log")"
fi

# a full disk: one clear error, nothing left behind (needs a small tmpfs)
mkdir "$tmp/full"
if mount -t tmpfs -o size=64k tmpfs "$tmp/full" 2>/dev/null; then
	rm -rf "$tmp/full/x.out"
	if /usr/bin/python3 "$job" "$tmp/p3.distill" "$tmp/full/x.out" \
	    --workers 1 --quiet > "$tmp/full.log" 2>&1; then
		bad "full disk: the job succeeded"
	elif ! grep -q "No space left on device" "$tmp/full.log"; then
		bad "full disk: $(cat "$tmp/full.log")"
	elif [ -n "$(ls -A "$tmp/full")" ]; then
		bad "full disk: left $(ls -A "$tmp/full") behind"
	else
		echo "ok: full disk: $(head -1 "$tmp/full.log")"
	fi
	umount "$tmp/full"
else
	echo "skip: full disk (cannot mount a tmpfs here: not root?)"
fi

# load DIR checks every file against the manifest, and keeps the session
cp -r "$tmp/p3.out" "$tmp/trunc.out"
part=$(ls "$tmp/trunc.out" | grep neighbours | head -1)
head -c 1000 "$tmp/p3.out/$part" > "$tmp/trunc.out/$part"
o=$("$bin" -k -c "load $ml/u1.base; load $tmp/trunc.out; users" 2>&1)
echo "$o" | grep -q "$part: 1000 bytes, manifest.json says" ||
	bad "a truncated part-file is not named: $o"
echo "$o" | grep -q "^users" || bad "a failed load DIR lost the session"
rm "$tmp/trunc.out/$part"
o=$("$bin" -c "load $tmp/trunc.out" 2>&1)
echo "$o" | grep -q "$part: No such file or directory (manifest.json lists it)" ||
	bad "a missing part-file is not named: $o"
cp -r "$tmp/p3.out" "$tmp/flip.out"
# the lowest bit of the first score flipped (bytes 8-11 of the first
# record, little-endian): same size, a valid record, different bytes
/usr/bin/python3 -c "import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[8] ^= 1
open(p, 'wb').write(b)" "$tmp/flip.out/$part"
sz1=$(stat -c %s "$tmp/p3.out/$part") sz2=$(stat -c %s "$tmp/flip.out/$part")
o=$("$bin" -c "load $tmp/flip.out" 2>&1)
if [ "$sz1" != "$sz2" ] ||
    ! echo "$o" | grep -q "$part: CRC-32 .* manifest.json says"; then
	bad "a changed part-file is not caught: $o"
fi
mkdir "$tmp/empty.out"
o=$("$bin" -c "load $tmp/empty.out" 2>&1)
echo "$o" | grep -q "a directory without manifest.json" ||
	bad "a directory without a manifest: $o"

[ "$fail" = 0 ] && echo "cluster: all passed"
exit "$fail"
