#!/bin/sh
# distill — fuzz/run.sh: build and run the libFuzzer targets.
#
#   fuzz/run.sh TARGET SECONDS    build, then fuzz one target
#   fuzz/run.sh all SECONDS       each target in turn for SECONDS
#   fuzz/run.sh build             only build every target
#   fuzz/run.sh list              the target names
#
# Targets: ml100k ml1m csv tsv adj gz (one loader format each), meta (the
# item metadata readers), cmdline (cmd_split, cmd_find, cmd_run_line on a
# session with the teaching set), source (a fuzzed script through
# `source`), roundtrip (commands, then save and source into a fresh
# session: the same parameters and metrics), tui (terminal bytes through
# the TUI's event loop on a pipe, the screen drawn to /dev/null),
# manifest (load DIR with a fuzzed manifest.json), pipeline
# (four bytes of settings and a small log through every stage, why,
# whynot, the export writers and the parameter texts). Built with
# clang -fsanitize=fuzzer,address,undefined into
# fuzz/build/ (gitignored), not by the autotools build.
#
# Each run: -max_total_time=SECONDS -timeout=10 -rss_limit_mb=2048, leak
# detection on, -len_control=0 (inputs up to -max_len from the start: the
# seeds are real-sized files, and a short run would otherwise stay below
# a hundred bytes). Seeds: the test fixtures and samples (copied into
# fuzz/build/seed/TARGET) plus fuzz/corpus/TARGET (committed: hand-made
# seeds and the inputs that found bugs). Paths are absolute: the command
# targets chdir into their sandbox. New inputs go to
# fuzz/build/corpus/TARGET; a crash, leak or timeout leaves its input in
# fuzz/build/artifacts/ and makes this script exit non-zero.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=fuzz/build
CC=${FUZZ_CC:-clang}
TARGETS="ml100k ml1m csv tsv adj gz meta cmdline source roundtrip tui manifest pipeline"

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-g -O1 -fno-omit-frame-pointer $SAN -std=c11 -D_GNU_SOURCE \
	-Wall -Wno-unused-parameter -Wno-unknown-pragmas \
	-Isrc -Iui -Ifuzz -Ifuzz/build/inc $(pkg-config --cflags igraph zlib lapacke openblas \
	xgboost jansson)"
LIBS="$(pkg-config --libs igraph zlib lapacke openblas xgboost jansson) -llinear -lm"
WRAP="-Wl,--wrap=fopen,--wrap=open,--wrap=rename,--wrap=unlink"
WRAP="$WRAP,--wrap=remove,--wrap=mkstemp,--wrap=mkostemp"

LOADER="src/util.c src/dataset.c src/loadread.c src/loadparse.c \
	src/idmap.c src/meta.c"
UI="ui/cmd.c ui/cmd-*.c ui/out.c ui/session.c ui/plot.c ui/progress.c \
	ui/usage.c"

die() { echo "fuzz/run.sh: $*" >&2; exit 2; }

# Compile one source into $B/obj (fuzzer-instrumented), when out of date.
obj() {
	o=$B/obj/$(echo "$1" | tr / _ | sed 's/\.c$/.o/')
	if [ ! -f "$o" ] || [ "$1" -nt "$o" ] || [ "$B/hdr.stamp" -nt "$o" ]
	then
		$CC $CFLAGS -fsanitize=fuzzer-no-link -c "$1" -o "$o" ||
			{ echo "fuzz/run.sh: cannot compile $1" >&2; return 1; }
	fi
	echo "$o"
}

# Objects for a list of sources; a file that fails to compile is skipped
# (reported) so that the other targets still build.
objs() {
	for f in "$@"; do
		[ -f "$f" ] || continue
		obj "$f" || true
	done
}

prepare() {
	mkdir -p $B/obj $B/artifacts $B/corpus $B/seed $B/inc
	# ui/repl.c reads VERSION from configure's config.h, which a
	# distcleaned tree does not have
	[ -f $B/inc/config.h ] ||
		echo '#define VERSION "fuzz"' >$B/inc/config.h
	# Rebuild everything when any header changed.
	newest=$(ls -t src/*.h ui/*.h fuzz/*.h | head -1)
	[ -f $B/hdr.stamp ] && [ ! "$newest" -nt $B/hdr.stamp ] ||
		touch $B/hdr.stamp
}

# The binary of a target.
build() {
	t=$1
	out=$B/fuzz-$t
	common=$(objs fuzz/fuzz-util.c)
	case $t in
	ml100k|ml1m|csv|tsv|adj|gz)
		fmt=$(echo "$t" | tr a-z A-Z)
		def="-DFUZZ_FORMAT=FMT_$fmt"
		[ "$t" = gz ] && def="-DFUZZ_FORMAT=FMT_AUTO -DFUZZ_GZ"
		# shellcheck disable=SC2046
		$CC $CFLAGS -fsanitize=fuzzer $def fuzz/load.c $common \
			$(objs $LOADER) $LIBS -o "$out" ;;
	meta)
		$CC $CFLAGS -fsanitize=fuzzer fuzz/meta.c $common \
			$(objs $LOADER) $LIBS -o "$out" ;;
	cmdline|source|roundtrip)
		def=""
		[ "$t" = source ] && def=-DFUZZ_SOURCE
		[ "$t" = roundtrip ] && def=-DFUZZ_ROUNDTRIP
		# shellcheck disable=SC2046,SC2086
		$CC $CFLAGS -fsanitize=fuzzer $def -DFUZZ_SRCDIR="\"$top\"" \
			fuzz/cmdline.c $common $(objs fuzz/sandbox.c \
			fuzz/stubs.c src/*.c $UI) $WRAP $LIBS -lrt -o "$out" ;;
	tui)
		# shellcheck disable=SC2046,SC2086
		$CC $CFLAGS -fsanitize=fuzzer -DFUZZ_SRCDIR="\"$top\"" \
			fuzz/tui.c $common $(objs fuzz/sandbox.c fuzz/stubs.c \
			src/*.c $UI ui/tui*.c ui/repl.c ui/complete.c) $WRAP \
			$LIBS -lncursesw -lreadline -lpthread -lrt -o "$out" ;;
	manifest|pipeline)
		# shellcheck disable=SC2046
		$CC $CFLAGS -fsanitize=fuzzer -DFUZZ_SRCDIR="\"$top\"" \
			fuzz/$t.c $common $(objs src/*.c) $LIBS \
			-lpthread -o "$out" ;;
	*) die "unknown target '$t' (expected: $TARGETS)" ;;
	esac
}

# Seed files of a target from the fixtures and samples.
seeds() {
	F=tests/fixtures/load
	case $1 in
	ml100k) echo $F/ml-100k/u.data $F/ml-100k/u1.base $F/ml-100k/u1.test \
		$F/rated.tsv $F/bad/* samples/teach.tsv ;;
	ml1m) echo $F/ml-1m/ratings.dat $F/bad/* ;;
	csv) echo $F/*.csv $F/ml-latest/ratings.csv $F/bad/*.csv \
		samples/teach-items.csv ;;
	tsv) echo $F/*.tsv $F/dups.tsv $F/bad/*.tsv samples/teach.tsv ;;
	adj) echo $F/adj/*.txt $F/dups.adj $F/bad/garbage.bin ;;
	gz) echo $F/*.gz ;;
	meta) echo $F/ml-100k/u.item $F/ml-1m/movies.dat \
		$F/ml-latest/movies.csv $F/movies-badutf8.csv \
		$F/items-plain-items.csv samples/teach-items.csv ;;
	cmdline|source|roundtrip) echo samples/teach.md ;;
	tui) ls fuzz/corpus/tui/* 2>/dev/null ;;
	manifest) echo tests/fixtures/import/tiny/manifest.json ;;
	esac
}

# Options for the dictionary: command and parameter names.
dict() {
	d=$top/$B/distill.dict
	{
		sed -n 's/^	{ "\([a-z]*\)", .*/"\1"/p' ui/cmd.c
		sed -n 's/.*= { "\([a-z_]*\.[a-z_]*\)".*/"\1"/p' src/params.c
		for w in graph abstract filter distill recommend load --all \
			--out --test --format --items teach.tsv script ';' \
			"'" '\"' '#' alice bob i01 i12 json csv table; do
			printf '"%s"\n' "$w" | sed 's/\\"/\\\\"/'
		done
	} >$d
	echo "-dict=$d"
}

run() {
	t=$1 secs=$2
	build "$t"
	mkdir -p $B/corpus/$t $B/seed/$t fuzz/corpus/$t
	for f in $(seeds "$t"); do
		[ -f "$f" ] && cp "$f" $B/seed/$t/ 2>/dev/null || true
	done
	maxlen=8192 extra=""
	case $t in cmdline|source) maxlen=1024 extra=$(dict) ;; esac
	log=$B/$t.log
	echo "== fuzz $t for ${secs}s (log: $log)"
	set +e
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-} \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$B/fuzz-$t -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=$maxlen -len_control=0 -print_final_stats=1 $extra \
		-artifact_prefix="$top/$B/artifacts/$t-" "$top/$B/corpus/$t" \
		"$top/$B/seed/$t" "$top/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	echo "   $t: rc=$rc executions=${execs:-?} corpus=$(ls $B/corpus/$t |
		wc -l) files"
	if [ $rc -ne 0 ]; then
		grep -E 'ERROR|SUMMARY|Test unit written|runtime error' "$log" |
			head -8 >&2
		return 1
	fi
}

[ $# -ge 1 ] || die "usage: fuzz/run.sh TARGET|all|build|list [SECONDS]"
prepare
case $1 in
list) echo $TARGETS ;;
build) for t in $TARGETS; do build "$t"; done ;;
all)
	status=0
	for t in $TARGETS; do run "$t" "${2:-60}" || status=1; done
	exit $status ;;
*) run "$1" "${2:-60}" ;;
esac
