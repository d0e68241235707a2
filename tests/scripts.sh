#!/bin/sh
# distill — tests/scripts.sh: what is not a script is refused, bounded,
# with FILE:LINE (issue 13):
#
#   - `source DIR` fails; `-f DIR` exits 3 (the man page's "script could
#     not be read");
#   - `source /dev/zero` (endless, binary) fails at once, memory bounded;
#   - a NUL byte in a script fails at its line instead of silently
#     dropping the rest of the line;
#   - a line over 1 MiB fails; a normal script still runs;
#   - paths (13.16): save writes them absolute, so a session saved in one
#     directory replays from another; a relative load path in a script
#     is read from the working directory first, else beside the script.
set -u

: "${DISTILL:?DISTILL must name the distill binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/distill-scripts.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
fail=0

# expect NAME STATUS PATTERN -- CMD...: exit status and stderr pattern
expect() {
	name=$1 want=$2 pat=$3
	shift 4
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" != "$want" ] || { [ -n "$pat" ] && ! grep -q "$pat" "$T/err"; }
	then
		echo "FAIL: $name: exit $rc (want $want), stderr:"
		sed 's/^/  | /' "$T/err" | head -5
		fail=1
	else
		echo "ok: $name"
	fi
}

mkdir "$T/dir"
expect "source DIR" 1 "$T/dir:1: error: cannot read the script: Is a directory" \
    -- "$DISTILL" -c "source $T/dir"
expect "-f DIR exits 3" 3 "cannot read the script: Is a directory" \
    -- "$DISTILL" -f "$T/dir"
# bounded: under a 200 MB address-space limit when not sanitized
limit=
ldd "$DISTILL" 2>/dev/null | grep -q 'libasan\|libtsan' || limit=204800
expect "source /dev/zero" 1 "/dev/zero:1: error: cannot read the script: a NUL byte" \
    -- sh -c "${limit:+ulimit -v $limit; }exec timeout 20 '$DISTILL' -c 'source /dev/zero'"
printf 'echo one\necho a\000b\necho three\n' >"$T/nul.distill"
expect "NUL byte" 3 "nul.distill:2: error: cannot read the script: a NUL byte" \
    -- "$DISTILL" -f "$T/nul.distill"
grep -qx one "$T/out" && ! grep -q three "$T/out" ||
    { echo "FAIL: NUL byte: line 1 ran, line 3 must not"; fail=1; }
head -c 2000000 /dev/zero | tr '\000' a >"$T/long.distill"
expect "long line" 3 "long.distill:1: error: cannot read the script: a line longer than 1 MiB" \
    -- "$DISTILL" -f "$T/long.distill"
printf 'echo a\necho b' >"$T/ok.distill"    # no final newline
expect "a normal script" 0 "" -- "$DISTILL" -f "$T/ok.distill"
[ "$(cat "$T/out")" = "a
b" ] || { echo "FAIL: a normal script printed:"; cat "$T/out"; fail=1; }
# save quotes any path so that source reads it back: a newline, both
# quotes, a backslash, a tab
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
odd="$T/we ird
di\\r"
mkdir -p "$odd"
cp "$top_srcdir/samples/teach.tsv" "$odd/te\"a'ch	x.tsv"
"$DISTILL" -c "load \"$(printf '%s' "$odd" | sed 's/\\/\\\\/g; s/$/\\n/' |
    tr -d '\n' | sed 's/\\n$//')/te\\\"a'ch\\tx.tsv\"; save $T/odd.distill" \
    >/dev/null 2>"$T/err"
rc=$?
expect "save and source an odd path" 0 "" -- "$DISTILL" -f "$T/odd.distill"
grep -q 'interactions *42' "$T/out" && [ $rc -eq 0 ] ||
    { echo "FAIL: odd path: save exit $rc"; cat "$T/err"; fail=1; }
[ "$(grep -c '^load ' "$T/odd.distill")" -eq 1 ] &&
    grep -q '^load .* --crc ' "$T/odd.distill" ||
    { echo "FAIL: the load line is split"; fail=1; }
# paths: saved in one directory, replayed from another
mkdir -p "$T/a/data" "$T/b"
cp "$top_srcdir/samples/teach.tsv" "$T/a/data/t.tsv"
(cd "$T/a" && "$DISTILL" -c 'load data/t.tsv; set abstract.topk 7;
    save ../s.distill' >/dev/null 2>&1)
grep -q "^load $T/a/data/t.tsv " "$T/s.distill" ||
    { echo "FAIL: save did not write the path absolute:"; cat "$T/s.distill"; fail=1; }
expect "a saved session replays from another directory" 0 "" -- \
    sh -c "cd '$T/b' && '$DISTILL' -f ../s.distill"
grep -q 'interactions *42' "$T/out" ||
    { echo "FAIL: the replayed session did not load the data"; fail=1; }
# a hand-written script beside its data, run from elsewhere
printf 'load t.tsv\nstats load\n' >"$T/a/data/beside.distill"
expect "a relative load path is read beside the script" 0 "" -- \
    sh -c "cd '$T/b' && '$DISTILL' -f ../a/data/beside.distill"
grep -q "path *\.\./a/data/t\.tsv" "$T/out" ||
    { echo "FAIL: not read beside the script:"; grep path "$T/out"; fail=1; }
# ... but the working directory comes first, as it always did
head -20 "$top_srcdir/samples/teach.tsv" >"$T/b/t.tsv"
expect "the working directory comes first" 0 "" -- \
    sh -c "cd '$T/b' && '$DISTILL' -f ../a/data/beside.distill"
grep -q 'interactions *20' "$T/out" ||
    { echo "FAIL: the working directory's t.tsv was not read"; fail=1; }
exit $fail
