#!/bin/sh
# distill — tests/tui/imported.sh: the TUI on a `load DIR` (the output of
# cluster/distill-abstract, DESIGN §2.2). The header says the abstract
# stage is imported, its pane says what stays live, a key that would
# change what the lists were computed with (abstract.metric) is refused
# with the job's command in the status line and changes nothing, and a
# smaller topk re-runs the later stages. Skips without Dask or ML-100K.
. "$top_srcdir/tests/tui/lib.sh"

ml="${DISTILL_DATA:-$top_srcdir/../shared/data}/ml-100k"
if ! /usr/bin/python3 -c 'import dask, distributed' 2>/dev/null; then
	echo "SKIP: Dask is not installed"
	exit 77
fi
[ -r "$ml/u1.base" ] || { echo "SKIP: $ml/u1.base not found"; exit 77; }

"$DISTILL" -c "load $ml/u1.base --test $ml/u1.test; set split.validation 0;
    set eval.target test; set abstract.metric p3; set abstract.topk 50;
    save $TT_TMP/s.distill" >/dev/null || exit 99
DISTILL="$DISTILL" /usr/bin/python3 "$top_srcdir/cluster/distill-abstract" \
    "$TT_TMP/s.distill" "$TT_TMP/u1.out" --workers 1 --quiet || exit 99

tt_start 100 30 "$TT_TMP/u1.out"
tt_wait 'ran in' 30 || exit 1
tt_send n n
tt_wait '3/6 abstract · imported' || exit 1
tt_wait 'abstract\(imported\)' 2 || exit 1
tt_wait 'imported; live: threshold>=0, topk<=50' 2 || exit 1
before=$(tt_capture | sed -n 3p)

# the selected parameter is abstract.metric: refused, nothing changes
tt_send Right
tt_wait 'abstract.metric: the abstract stage is imported' || exit 1
tt_capture | grep -q '\[metric=p3\]' || tt_fail "metric changed"

# topk (the 7th parameter) down: live
tt_send Down Down Down Down Down Down
tt_wait '\[topk=50\]' || exit 1
tt_send Left
tt_wait '\[topk=4[0-9]\]' || exit 1
tt_settle
after=$(tt_capture | sed -n 3p)
echo "metrics before: $before"
echo "metrics after:  $after"
[ "$before" != "$after" ] || tt_fail "a smaller topk changed no metric"
tt_capture | grep -q 'error' && tt_fail "an error after a live change"

tt_send q
tt_wait 'EXIT=0' || exit 1
exit "$TT_FAIL"
