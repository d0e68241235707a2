#!/bin/sh
# distill — tests/tui/prompt.sh: the ':' line edits like readline (issue
# 12.10): Left/Right, Home/End, Ctrl-A/E, Backspace at the cursor,
# Ctrl-W, Ctrl-U, Ctrl-K; Tab completes the word at the cursor and keeps
# what follows it; the history is the REPL's: a line typed in the REPL
# comes back with Up in the TUI, and a ':' line is saved for the REPL.
. "$top_srcdir/tests/tui/lib.sh"

mkdir -p "$TT_TMP/state/distill"
printf 'echo from the repl\n' >"$TT_TMP/state/distill/history"
tt_start 80 24 samples/teach.tsv
tt_wait 'valid@' 30 || exit 1
tt_settle

# typed at the end, then edited in the middle: "echo hello world" with
# "big " inserted before "world" by Left x5
tt_send ':echo hello world'
tt_send Left Left Left Left Left
tt_send 'big '
tt_wait ':echo hello big world' 3 || exit 1
# Home/Ctrl-A and End/Ctrl-E; Backspace deletes before the cursor
tt_send C-a Right Right Right Right BSpace
tt_wait ':ech hello big world' 3 || exit 1
tt_send C-e BSpace
tt_wait ':ech hello big worl *$' 3 || exit 1
# Ctrl-W: the word before the cursor; Ctrl-K: to the end; Ctrl-U: to
# the start
tt_send C-w
tt_wait ':ech hello big *$' 3 || exit 1
tt_send Home Right Right Right C-k
tt_wait ':ech *$' 3 || exit 1
tt_send 'o x' Left Left C-u
tt_wait '^: x *$' 3 || exit 1
tt_send C-u C-e C-u
# Tab at the cursor keeps the rest of the line: "get abstract.to|p"
tt_send 'get abstract.to 7' Left Left Tab
tt_wait ':get abstract.topk  7' 3 || exit 1
tt_send Escape
# Up brings the REPL's line back; Enter runs it
tt_send ':' Up
tt_wait ':echo from the repl' 3 || exit 1
tt_send Enter
tt_wait 'from the repl' 5 || exit 1
tt_settle
tt_send Escape
tt_send ':echo saved for the repl' Enter
tt_wait 'saved for the repl' 5 || exit 1
tt_settle
tt_send Escape
# '/' completes user ids, 'w' item ids and titles
tt_send / bo Tab
tt_wait '^user id: bob *$' 3 || exit 1
tt_send Enter
tt_wait 'user bob' 3 || exit 1
tt_send w matri Tab
tt_wait '^whynot item: i03 *$' 3 || exit 1
tt_send Enter
tt_wait 'whynot i03' 5 || exit 1
# a title's start is enough; a typo gets "did you mean"
tt_send w 'blade runner' Enter
tt_wait 'whynot i02' 5 || exit 1
tt_send w i5 Enter
tt_wait "did you mean 'i05'" 5 || exit 1
# the error goes with the next lookup that succeeds
tt_send w i05 Enter
tt_wait 'i05 Am' 5 || exit 1
tt_settle
tt_capture | grep -q 'did you mean' && tt_fail "a stale error stays"
tt_send ':q' Enter
tt_wait 'EXIT=0' 10 || exit 1
grep -qx 'echo saved for the repl' "$TT_TMP/state/distill/history" ||
    tt_fail "the ':' line was not saved in the shared history"
exit $TT_FAIL
