#!/bin/sh
# distill — tests/tui/tuning.sh: the tuning aids and drill-down views in
# the TUI (issue 12.16-12.19). P pins the configuration and the metrics
# line then compares every later change with the pin, not with the step
# before; t lists the trail and Enter re-applies a row as one undoable
# change; after a ':sweep' 'a' applies its best point; the output overlay
# scrolls sideways; i, c and v open the item, community and user views of
# the selection.
. "$top_srcdir/tests/tui/lib.sh"

tt_start 160 48
tt_wait 'valid@' 30 || exit 1
tt_settle

# the precision on the metrics line ("P .132" or "P .132→.136")
prec() { tt_capture | sed -n 's/.*valid@10[^P]* P \([.0-9→>]*\).*/\1/p' | head -1; }

tt_send P
tt_wait 'valid@10 pin ' 10 || exit 1
p0=$(prec)
# two changes on the abstract stage (its first parameter, the metric)
tt_send n n Right
tt_wait '\[metric=' 5 || exit 1
tt_settle
p1=$(prec)
tt_send Right
tt_settle
p2=$(prec)
case $p1 in "$p0"→*) ;; *) tt_fail "after one change: P $p1, pinned $p0";; esac
# the before of the second change is still the pin's, not the first's
case $p2 in "$p0"→*) ;; *) tt_fail "after two changes: P $p2, pinned $p0";; esac
[ "${p1#*→}" != "$p0" ] || tt_fail "the first change left P at $p0: the check above proves nothing"
metric_at() { tt_capture | sed -n 's/.*\[metric=\([a-z0-9]*\)\].*/\1/p' | head -1; }
m2=$(metric_at)

# the trail: three configurations, the current one selected; the one
# before it re-applied
tt_send t
tt_wait 'trail \(Up/Down pick' 10 || exit 1
tt_wait '^│3 +tui' 3 || exit 1
tt_send Up Enter
tt_wait '^│changed' 10 || exit 1
tt_send Escape
tt_settle
m1=$(metric_at)
[ "$m1" != "$m2" ] || tt_fail "the trail's row 2 left the metric at $m2"
# one change: u takes it back
tt_send u
tt_wait "\[metric=$m2\]" 10 || exit 1
tt_settle

# a sweep, then 'a' applies its best point
tt_send : 'sweep abstract.topk 10 50 20' Enter
tt_wait 'a applies the best: abstract.topk [0-9]+' 60 || exit 1
best=$(tt_capture | sed -n 's/.*a applies the best: abstract.topk \([0-9]*\).*/\1/p' | head -1)
tt_send a
tt_wait "^│abstract.topk +[0-9]+ +$best " 30 || exit 1
tt_send Escape
tt_settle

# the output overlay scrolls sideways: '>' on its frame while there is
# more to the right, '<' once scrolled
tt_resize 80 24
tt_send : params Enter
tt_wait '^└─+>┘$' 10 || exit 1
tt_send Right
tt_wait '^└<' 3 || exit 1
tt_send Escape
tt_resize 160 48
tt_settle

# drill-down: the selected item, its community, the user
tt_send Tab
tt_wait '\[user ' 3 || exit 1
tt_send i
tt_wait '^│  community_label ' 10 || exit 1
tt_wait '^│similar_to_it' 3 || exit 1
tt_send Escape c
tt_wait '^│  size_rank ' 10 || exit 1
tt_wait '^│central' 3 || exit 1
tt_send Escape v
tt_wait '^│  validation ' 10 || exit 1
tt_send Escape

# unpin: P again on the pinned configuration (after u, the current one
# is not the pinned one: P pins it, P once more clears)
tt_send P
tt_wait 'pinned the current configuration' 10 || exit 1
tt_send P
tt_wait 'pin cleared' 10 || exit 1
tt_capture | grep -q 'valid@10 pin' && tt_fail "still comparing with a cleared pin"

tt_send q
tt_wait 'EXIT=0' 10 || exit 1
exit $TT_FAIL
