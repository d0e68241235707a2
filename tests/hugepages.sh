#!/bin/sh
# distill — tests/hugepages.sh: where the kernel gives transparent huge
# pages only on request (THP "madvise"), distill starts itself once more
# with glibc's heap on huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1,
# util_huge_heap): the running process has the tunable, a user's own
# tunables are kept, DISTILL_HUGEPAGES=0 turns it off, and the restarted
# program runs the same command line to the same output.
set -u

: "${DISTILL:?DISTILL must name the distill binary}"
: "${top_srcdir:?top_srcdir must name the source tree}"
THP=/sys/kernel/mm/transparent_hugepage/enabled
if ! grep -q '\[madvise\]' "$THP" 2>/dev/null; then
	echo "SKIP: $THP is not [madvise] here: distill does not restart"
	exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/distill-huge.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
fail=0

# ENV...: the environment of a distill started with ENV, once it
# answers a command (so it has passed its start), one variable a line.
# glibc splits GLIBC_TUNABLES in place where it reads it: a second
# tunable shows as a line of its own.
environ() {
	rm -f "$T/in" "$T/out"
	mkfifo "$T/in"
	env "$@" "$DISTILL" --no-init -f - <"$T/in" >"$T/out" 2>&1 &
	pid=$!
	exec 3>"$T/in"
	echo 'help set' >&3
	n=0
	while [ ! -s "$T/out" ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	got=$(tr '\0' '\n' <"/proc/$pid/environ")
	exec 3>&-
	wait "$pid"
	printf '%s\n' "$got"
}

tunables() {
	environ "$@" | sed -n 's/^GLIBC_TUNABLES=//p'
}

check() {   # WHAT GOT WANT
	if [ "$2" = "$3" ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1: GLIBC_TUNABLES is '$2', expected '$3'"
		fail=1
	fi
}

check "restarted with huge pages" "$(tunables)" "glibc.malloc.hugetlb=1"
check "DISTILL_HUGEPAGES=0" "$(tunables DISTILL_HUGEPAGES=0)" ""
env=$(environ GLIBC_TUNABLES=glibc.malloc.arena_max=2)
check "a user's tunables kept" \
	"$(printf '%s\n' "$env" | sed -n 's/^GLIBC_TUNABLES=//p')" \
	"glibc.malloc.arena_max=2"
check "and huge pages added" \
	"$(printf '%s\n' "$env" | grep -x 'glibc.malloc.hugetlb=1')" \
	"glibc.malloc.hugetlb=1"
check "already set: left alone" \
	"$(tunables GLIBC_TUNABLES=glibc.malloc.hugetlb=0)" \
	"glibc.malloc.hugetlb=0"

# the restarted program gets the whole command line
# (but the times it reports)
CMD="load $top_srcdir/samples/teach.tsv; set abstract.topk 3; eval; rec alice 3"
"$DISTILL" --no-init --no-color -c "$CMD" 2>&1 | grep -v '^ *ms ' >"$T/a"
DISTILL_HUGEPAGES=0 "$DISTILL" --no-init --no-color -c "$CMD" 2>&1 |
	grep -v '^ *ms ' >"$T/b"
if cmp -s "$T/a" "$T/b" && [ -s "$T/a" ]; then
	echo "ok: the same output either way"
else
	echo "FAIL: the restarted program's output differs:"
	diff "$T/a" "$T/b"
	fail=1
fi
exit $fail
