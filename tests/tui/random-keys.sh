#!/bin/sh
# distill — tests/tui/random-keys.sh: 200 seeded random keys (stage and
# pane moves, parameter steps, undo, prompts with junk, Ctrl-C, Ctrl-L,
# help) mixed with resizes, some below 80x24. The program must still be
# alive afterwards, quit on q with status 0 and leave the alternate screen.
. "$top_srcdir/tests/tui/lib.sh"

seed=${TUI_SEED:-20240601}
tt_start 80 24 samples/teach.tsv
tt_wait 'valid@' 20 || exit 1

awk -v seed="$seed" 'BEGIN {
	srand(seed)
	n = split("n p Tab BTab Left Right Up Down Enter PgUp PgDn Home End " \
	    "+ - u r / w = < > ? Escape C-l C-c j k x 1 i0 BSpace", key, " ")
	for (i = 0; i < 200; i++) {
		if (rand() < 0.05) {
			printf "resize %d %d\n", 60 + int(rand() * 100),
			    16 + int(rand() * 40)
			continue
		}
		printf "key %s\n", key[1 + int(rand() * n)]
	}
}' >"$TT_TMP/keys"

while read -r kind a b; do
	if [ "$kind" = resize ]; then
		tt_resize "$a" "$b"
	else
		tt_send "$a"
	fi
done <"$TT_TMP/keys"

tt_resize 80 24
sleep 0.5
tt_capture | grep -q 'EXIT=' && { tt_capture; tt_fail "exited during the keys"; exit 1; }
[ "$(tt display -p '#{alternate_on}')" = 1 ] || tt_fail "not on the alternate screen while running"
# leave any prompt, overlay or help, then quit
tt_send Escape
sleep 0.1
tt_send Escape
sleep 0.1
tt_send q
tt_wait 'EXIT=0' || exit 1
[ "$(tt display -p '#{alternate_on}')" = 0 ] || tt_fail "still on the alternate screen"
exit $TT_FAIL
