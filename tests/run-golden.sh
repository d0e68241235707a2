#!/bin/sh
# distill — run-golden.sh: batch transcripts. Each tests/golden/NAME.cmd is
# run by the real binary in batch mode and its stdout+stderr, followed by
# "exit STATUS", is compared with NAME.out (the truth: checked by eye when
# written). The first line may be "#! ARGS" to replace the default
# arguments "-k -f FILE" (FILE is the script's path; "< FILE" feeds stdin).
# Timings are replaced by '#' because they differ from run to run.
#
# Run from `make check` (DISTILL, top_srcdir set) or by hand:
#   DISTILL=./distill top_srcdir=/path/to/src sh tests/run-golden.sh [NAME…]
# REGEN=1 writes the .out files instead of comparing (then read them!).
set -u
: "${DISTILL:?DISTILL must name the binary}"
: "${top_srcdir:=.}"
golden="$top_srcdir/tests/golden"
LC_ALL=C.UTF-8 NO_COLOR=1
export LC_ALL NO_COLOR
unset DISTILL_SAMPLES XDG_CONFIG_HOME

tmp=$(mktemp -d "${TMPDIR:-/tmp}/distill-golden.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
# Scripts use relative paths: samples/…, golden/…; files they write land
# in the scratch directory, never in the source tree.
ln -s "$(cd "$top_srcdir" && pwd)/samples" "$tmp/samples"
ln -s "$(cd "$golden" && pwd)" "$tmp/golden"

# save writes input paths absolute: the source tree's place is not part
# of the truth
abs_top=$(cd "$top_srcdir" && pwd -P)
normalize() {
	sed -E \
	    -e "s|$abs_top/||g" \
	    -e 's/("ms":)[-0-9.e+]+/\1#/g' \
	    -e 's/^(  ms +)[0-9.]+$/\1#/' \
	    -e 's/^(load|graph|abstract|filter|distill|recommend)( +)[0-9]+\.[0-9]$/\1\2#/' \
	    -e 's/^((load|graph|abstract|filter|distill|recommend) +(fresh|stale) +)[0-9]+\.[0-9]$/\1#/' \
	    -e 's/^(ms,?.*|.*,ms)$/\1/'
}

if [ $# -gt 0 ]; then names="$*"; else
	names=$(cd "$golden" && ls *.cmd | sed 's/\.cmd$//')
fi
fail=0
for name in $names; do
	args="-k -f FILE"
	first=$(head -n 1 "$golden/$name.cmd")
	case "$first" in "#!"*) args=${first#\#!} ;; esac
	args=$(printf '%s' "$args" | sed "s|FILE|golden/$name.cmd|g")
	(cd "$tmp" && eval "\"\$DISTILL\" $args" >"$tmp/raw" 2>&1
	    echo "exit $?" >>"$tmp/raw")
	normalize <"$tmp/raw" >"$tmp/$name.out"
	if [ "${REGEN:-0}" = 1 ]; then
		cp "$tmp/$name.out" "$golden/$name.out"
		echo "wrote $golden/$name.out"
	elif ! diff -u "$golden/$name.out" "$tmp/$name.out"; then
		echo "FAIL: $name" >&2
		fail=1
	else
		echo "ok: $name"
	fi
done
exit $fail
