#!/bin/sh
# distill — tests/tui/cancel.sh: whynot's fix search runs in the
# background and its answer shows in the explanation pane; a long ':'
# command (a 1000-point sweep on
# the bundled sample) runs in the background: its progress shows, keys
# still move between stages, a parameter step waits for it, Ctrl-C
# cancels it and the session keeps its results; then SIGTERM in the
# middle of another one ends the program at once (status 143) with the
# terminal restored.
. "$top_srcdir/tests/tui/lib.sh"

tt_start 80 24 samples/sample.csv
tt_wait 'valid@' 60 || exit 1
tt_settle

# whynot searches its fix on the worker too, then shows it
tt_send w
tt_send 50 Enter
tt_wait 'whynot: outranked' 20 || exit 1
tt_wait 'fix: set (distill.beta|rec.n) ' 5 || exit 1

tt_send ':sweep abstract.topk 1 1000 1' Enter
tt_wait 'running: .*Ctrl-C cancels' 20 || exit 1
# keys stay live: n moves to the next stage while the sweep runs
stage=$(tt_capture | grep -o '[0-9]/6 [a-z]*' | head -1)
tt_send n
tt_wait "$(( ${stage%%/*} % 6 + 1 ))/6 " 3 || exit 1
tt_capture | grep -q 'error: sweep' && { tt_fail "the sweep ended already"; exit 1; }
# nobody interrupted anything yet (a why stopped for the sweep waits)
tt_capture | grep -q 'interrupted' &&
    { tt_fail "'interrupted' before Ctrl-C"; exit 1; }
# a parameter step waits for the command instead of cancelling it
tt_send Right
tt_wait 'a command is running' 3 || exit 1
tt_send C-c
# the sweep's own note: an explanation stopped for the sweep said
# "interrupted" in its pane while the sweep still ran, and CI typed ':'
# into the running sweep then
tt_wait 'interrupted: the [0-9]+ values' 10 || exit 1
# the pipeline still has its results: a rec from the command line works
tt_send ':get abstract.topk' Enter
tt_wait '^100 *$|100$' 10 || exit 1
tt_capture | grep -q 'EXIT=' && { tt_fail "exited after Ctrl-C"; exit 1; }

tt_send ':sweep abstract.topk 1 1000 1' Enter
tt_wait 'running: ' 20 || exit 1
pid=$(pgrep -P "$(tt display -p '#{pane_pid}')" -x distill ||
    pgrep -P "$(tt display -p '#{pane_pid}')")
kill -TERM $pid
tt_wait 'EXIT=143' 3 || exit 1
[ "$(tt display -p '#{alternate_on}')" = 0 ] ||
    tt_fail "still on the alternate screen after SIGTERM"
exit $TT_FAIL
