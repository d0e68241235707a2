#!/bin/sh
# distill — tests/tui/takeback.sh: a parameter change whose run fails is
# taken back, as set's is at the prompt: the value, the results and the
# undo history return to what they were, and the status line says so.
# On the teaching set the largest similarity is 0.35: a threshold of 0.5
# cuts every pair.
. "$top_srcdir/tests/tui/lib.sh"

tt_start 100 30 samples/teach.tsv
tt_wait 'valid@' 30 || exit 1
tt_settle

# the abstract stage's threshold, one step up (a change that runs)
tt_send n n Down Down Down Down Down
tt_wait '\[threshold=0\]' 5 || exit 1
tt_send Right
tt_wait '\[threshold=0\.002\]' 5 || exit 1
tt_wait 'ran in' 10 || exit 1
# typed past every similarity (the line starts with 0.002 selected:
# typing replaces it): taken back to 0.002, not kept at 0.5
tt_send = 0.5 Enter
tt_wait 'taken back: abstract: abstract.threshold=0.5 cuts all' 10 ||
    exit 1
tt_wait '\[threshold=0\.002\]' 5 || exit 1
tt_capture | grep -q 'abstract\*' &&
    tt_fail "the abstract stage was left stale"
# one step to undo (0.002 -> 0), not two
tt_send u
tt_wait '\[threshold=0\]' 10 || exit 1
tt_wait 'undone \(0 to undo, 1 to redo\)' 10 || exit 1
tt_send q
tt_wait 'EXIT=0' 10 || exit 1
exit $TT_FAIL
