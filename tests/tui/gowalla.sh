#!/bin/sh
# distill — tests/tui/gowalla.sh: the TUI stays live on a real log (issue
# 10). On the Gowalla benchmark split (810k training interactions) the
# first result shows while its statistics are still being computed in the
# background; stage keys, a threshold step and moving through the list are
# each answered within a second while work runs; the step's new metrics
# come with before→after; the statistics (communities) follow. Skipped
# (77) when ../shared/data/gowalla is absent (DISTILL_DATA overrides).
. "$top_srcdir/tests/tui/lib.sh"

data=${DISTILL_DATA:-$top_srcdir/../shared/data}
g=$data/gowalla
if [ ! -r "$g/train.txt" ] || [ ! -r "$g/test.txt" ]; then
	echo "SKIP: $g/train.txt, test.txt absent" >&2
	exit 77
fi
g=$(cd "$g" && pwd)
mkdir -p "$TT_TMP"
cat >"$TT_TMP/gowalla.distill" <<EOS
load $g/train.txt --test $g/test.txt
set split.validation 0
set eval.target test
set abstract.metric p3
set abstract.topk 200
set eval.k 20
EOS

tt_start 120 36 samples/teach.tsv
tt_wait 'valid@' 30 || exit 1
tt_send ":source $TT_TMP/gowalla.distill" Enter
tt_wait 'test@20 P' 120 || exit 1
tt_send Escape
# the result is on screen; its statistics are computed behind it
tt_wait 'stats: |computing statistics' 5 ||
    echo "note: the statistics finished before the first look" >&2

# stage keys answer at once while the statistics run
tt_send n n
tt_wait '3/6 abstract' 1 || exit 1
# statistics not computed yet show as pending, not as zeros
if tt_capture | grep -q 'abstract · computing statistics'; then
	tt_capture | grep -q 'communities 0 ' &&
	    tt_fail "pending statistics shown as zeros"
	tt_capture | grep -q 'communities …' ||
	    tt_fail "pending statistics not marked"
fi

# a threshold step: the parameter bar answers at once, the run follows
tt_send Down Down Down Down Down
tt_wait '\[threshold=0\]' 1 || exit 1
tt_send Right
tt_wait '\[threshold=[0-9.e-]+[1-9]' 1 || exit 1
# the list answers while the run and then the statistics work
tt_send Tab Down Down Down
tt_wait '\[user [0-9]+\]' 1 || exit 1
tt_wait 'ran in [0-9]+ ms' 60 || exit 1
tt_wait 'test@20 .*→' 5 || exit 1
# a key moves the selection within a second: the explanation pane's
# title names the newly selected item
why_title() { tt_capture | grep -o '─ why [^─]*' | head -1; }
moved() {
	local before i
	before=$(why_title)
	tt_send "$1"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ "$before" != "$(why_title)" ] && return 0
		sleep 0.1
	done
	tt_fail "$1 did not move the selection within a second ($before)"
}
moved Down
moved Up

# the statistics of the new S follow in the background (Leiden on the
# new S: seconds here, minutes under ThreadSanitizer without OpenMP;
# until then the pane says 'communities …', which this does not match)
tt_send BTab BTab
tt_wait 'communities [0-9]+' 400 || exit 1
tt_capture | grep -q 'EXIT=' && { tt_fail "the program exited"; exit 1; }
tt_send q
tt_wait 'EXIT=0' 10 || exit 1
exit "$TT_FAIL"
