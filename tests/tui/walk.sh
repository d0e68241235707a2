#!/bin/sh
# distill — tests/tui/walk.sh: open the TUI on the teaching set at 80x24,
# step through every stage, change abstract.threshold and check that the
# metrics line changes, check that the why contributions add up to the
# score, resize to 100x30 and back, open the help, quit and check that the
# terminal left the alternate screen. Screens: tests/tui/expected/walk-*.
. "$top_srcdir/tests/tui/lib.sh"

tt_start 80 24 samples/teach.tsv
tt_wait 'ran in' 20 || exit 1
tt_check walk-load

for s in graph abstract filter distill recommend; do
	tt_send n
	tt_wait "/6 $s" || exit 1
	tt_check "walk-$s"
done

# back to abstract, select threshold (6th parameter), step it up 5 times
# along the 1-2-5 grid from a hundredth of the largest similarity
tt_send p p p
tt_wait '3/6 abstract' || exit 1
before=$(tt_capture | sed -n 3p)
tt_send Down Down Down Down Down
tt_wait '\[threshold=0\]' || exit 1
tt_send Right Right Right Right Right
tt_wait '\[threshold=0.05\]' || exit 1
tt_settle
after=$(tt_capture | sed -n 3p)
echo "metrics before: $before"
echo "metrics after:  $after"
[ "$before" != "$after" ] || tt_fail "metrics line did not change"
# at 80 columns the changed metrics show their new value and an arrow
# (before→after where it fits); every metric stays on the line
echo "$after" | grep -qE '→|↑|↓' || tt_fail "no before → after delta shown"
echo "$after" | grep -q 'gini' || tt_fail "a metric was dropped at 80 columns"
tt_check walk-threshold

# why on the first recommended item: the contributions sum to the score
tt_send Tab Enter
tt_wait '\[why ' || exit 1
tt_settle
tt_capture >"$TT_TMP/why.txt"
tt_check walk-why
awk -F'│' '
	/score [0-9.e+-]+  rank/ { match($2, /score [0-9.e+-]+/);
		score = substr($2, RSTART + 6, RLENGTH - 6) + 0 }
	$2 ~ /[0-9]\.[0-9][0-9e+-]+ +[0-9]+%$/ { n = split($2, f, " ");
		sum += f[n - 1]; pct += f[n] + 0; paths++ }
	END {
		printf "why: score %.4f, %d paths summing to %.4f (%d%%)\n",
		    score, paths, sum, pct
		d = sum - score; if (d < 0) d = -d
		exit !(paths > 0 && d <= 0.0001 * paths && pct >= 98 && pct <= 102)
	}' "$TT_TMP/why.txt" || tt_fail "why contributions do not sum to the score"

tt_resize 100 30
tt_wait 'HR ' || exit 1
tt_check walk-100x30
tt_resize 80 24
tt_check walk-why

tt_resize 70 20
tt_wait 'terminal too small' || exit 1
tt_resize 80 24
tt_wait 'valid@' || exit 1

tt_send '?'
tt_wait 'keys' || exit 1
tt_check walk-help
tt_send x
tt_send q
tt_wait 'EXIT=0' || exit 1
[ "$(tt display -p '#{alternate_on}')" = 0 ] || tt_fail "still on the alternate screen"
exit $TT_FAIL
