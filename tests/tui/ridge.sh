#!/bin/sh
# distill — tests/tui/ridge.sh: the learned and compressed filter in the
# TUI (issue 11): the filter stage's bar carries filter.lambda, dropout,
# rank, lowrank_weight, lowrank_power and lowrank_norm; its pane plots the singular values of the
# low-rank part and says that ridge cuts nothing (no "nan%" reach loss);
# a parameter of the bar changes with Left/Right like any other.
. "$top_srcdir/tests/tui/lib.sh"

tt_start 120 40 samples/sample.csv
tt_wait 'valid@' 30 || exit 1
tt_settle
tt_send ':set filter.method ridge' Enter
tt_wait 'filter.method +none +ridge' 20 || exit 1
tt_send Escape
tt_send ':set filter.rank 8' Enter
tt_wait 'filter.rank +0 +8' 20 || exit 1
tt_send Escape
tt_send n n n
tt_wait '\[4/6 filter\]' 5 || exit 1
tt_wait 'filter: \[method=ridge\].* lambda=100 .*rank=8 ' 5 || exit 1
tt_wait 'singular values \(rank 8' 20 || exit 1
tt_wait '^ #1 .* 1 *│' 5 || exit 1
tt_wait '^ #8 ' 5 || exit 1
tt_wait 'reach loss -  \(ridge re-weights S, cuts nothing\)' 20 || exit 1
tt_settle
tt_capture | grep -q 'nan' && tt_fail "a nan on the screen"
# Down to filter.lambda on the bar, Right steps it up and Left down
# along 1, 2, 5 (a log step: 100 -> 200 -> 100 -> 50)
tt_send Down
tt_wait 'filter: +method=ridge +\[alpha=' 5 || exit 1
tt_send Down
tt_wait '\[lambda=100\]' 5 || exit 1
tt_send Right
tt_wait '\[lambda=200\]' 5 || exit 1
tt_send Left Left
tt_wait '\[lambda=50\]' 5 || exit 1
# on along the bar, which scrolls: the spectrum's shape (power, then
# norm) steps like the rest
tt_send Down Down Down Down
tt_wait '\[lowrank_power=0\]' 5 || exit 1
tt_send Right
tt_wait '\[lowrank_power=0.1\]' 20 || exit 1
tt_send Down
tt_wait '\[lowrank_norm=0.5\]' 5 || exit 1
tt_send Left
tt_wait '\[lowrank_norm=0.45\]' 20 || exit 1
tt_wait 'singular values \(rank 8' 20 || exit 1
tt_send ':q' Enter
tt_wait 'EXIT=0' 10 || exit 1
exit $TT_FAIL
