#!/bin/sh
# distill — tests/regress/run.sh: replay inputs that once crashed or hung
# distill (found by fuzz/run.sh or by hand) through the real binary.
#
# Layout: tests/regress/DIR/FILE, where DIR says how FILE is fed:
#   load-FORMAT/   load FILE --format FORMAT (FORMAT auto detects)
#   meta/          load samples/teach.tsv --items FILE
#   cmdline/       -k -f FILE after loading the teaching set
# The expected outcome is exit status 0 or 1 with, for 1, an
# "error: ..." message on stderr — never a signal, a sanitizer report or a
# hang (each run is limited to 20 s when timeout(1) exists).
set -u

: "${DISTILL:?DISTILL must name the distill binary}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
R=$top_srcdir/tests/regress
TEACH=$top_srcdir/samples/teach.tsv
err=$(mktemp "${TMPDIR:-/tmp}/distill-regress.XXXXXX")
work=$(mktemp -d "${TMPDIR:-/tmp}/distill-regress-dir.XXXXXX")
trap 'rm -rf "$err" "$work"' EXIT INT TERM
TO=""
command -v timeout >/dev/null && TO="timeout -s KILL 20"
fail=0 n=0

for f in "$R"/*/*; do
	[ -f "$f" ] || continue
	dir=$(basename "$(dirname "$f")")
	case $dir in
	load-*) fmt=${dir#load-}
		set -- -c "load '$f' --format $fmt" ;;
	meta) set -- -c "load '$TEACH' --items '$f'" ;;
	cmdline) set -- -k -c "load '$TEACH'" -f "$f" ;;
	*) continue ;;
	esac
	n=$((n + 1))
	# cmdline inputs may write files: run them in a scratch directory.
	(cd "$work" && $TO "$DISTILL" "$@") >/dev/null 2>"$err" </dev/null
	rc=$?
	name=${f#"$R"/}
	if [ $rc -gt 1 ] || grep -q 'Sanitizer\|runtime error' "$err"; then
		echo "FAIL: $name: exit $rc"
		sed 's/^/  | /' "$err" | head -20
		fail=1
	elif [ $rc -eq 1 ] && ! grep -q '^\(.*: \)\?error: ' "$err"; then
		echo "FAIL: $name: exit 1 without an error message"
		fail=1
	else
		echo "ok: $name: exit $rc $(grep -m1 'error: ' "$err")"
	fi
done
echo "$n regression inputs replayed"
exit $fail
