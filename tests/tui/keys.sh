#!/bin/sh
# distill — tests/tui/keys.sh: the keys a terminal user expects (issue
# 12.12): h/l step a parameter like Left/Right; g/G and Home/End jump in
# the lists; F1 opens the help; a mouse click focuses a pane and picks a
# recommendation (the xterm X10 encoding tmux passes on), the wheel moves
# the selection; Ctrl-Z suspends with the terminal restored and SIGCONT
# brings the screen back.
. "$top_srcdir/tests/tui/lib.sh"

tt_start 80 24
tt_wait 'valid@' 30 || exit 1
tt_settle

# l / h: the selected parameter of the load stage steps up and back
tt_send l
tt_wait 'test_fraction|method=temporal' 5 || exit 1
tt_send u
tt_settle

# F1: the help overlay
tt_send F1
tt_wait 'any key closes it' 3 || exit 1
tt_send Escape
tt_settle

# mouse: X10 "ESC [ M b x y", each +32, 1-based
mouse() {
	tt_send -l "$(printf '\033[M%s%s%s' "$1" \
	    "$(printf "\\$(printf '%03o' $((32 + $2)))")" \
	    "$(printf "\\$(printf '%03o' $((32 + $3)))")")"
}
# the id on row R of the list of recommendations
row_id() { tt_capture | grep "│ *$1 [ =▲▼a-z0-9]* [0-9]" | head -1 |
    sed 's/.*│ *[0-9]* [^ ]* *\([0-9]*\) .*/\1/'; }
y=$(tt_capture | grep -n '│  2 ' | head -1 | cut -d: -f1)
[ -n "$y" ] || { tt_fail "no second recommendation on screen"; exit 1; }
id2=$(row_id 2) id3=$(row_id 3) id1=$(row_id 1)
[ -n "$id1" ] && [ -n "$id2" ] && [ -n "$id3" ] ||
    { tt_fail "no ids on rows 1-3: '$id1' '$id2' '$id3'"; exit 1; }
mouse ' ' 60 "$y"; mouse '#' 60 "$y"       # press, release: a click
tt_wait '\[user ' 3 || exit 1             # the user pane has the focus
tt_send Enter
tt_wait "why $id2 " 5 || exit 1
# the wheel over the list moves the selection down (a = button 5)
mouse 'a' 60 "$y"
tt_send Enter
tt_wait "why $id3 " 5 || exit 1
# G / g: last and first of the list
# (the id of row 10 is read once the list has scrolled to it: a slow
# build, e.g. under ThreadSanitizer, draws after the keys are sent)
tt_send Tab Tab G
tt_wait '│ *10 [ =▲▼a-z0-9]* [0-9]' 5 || exit 1
id10=$(row_id 10)
[ -n "$id10" ] || { tt_fail "no id on row 10"; exit 1; }
tt_send Enter
tt_wait "why $id10 " 5 || exit 1
tt_send Tab Tab g Enter
tt_wait "why $id1 " 5 || exit 1
# the explanation (focused after Enter): G shows the last paths and says
# which ("12 paths ... 5-12"); it scrolls no further
tt_send G
tt_wait ' paths u→i→j \(sum = score\) [0-9]+-[0-9]+' 3 || exit 1
n=$(tt_capture | sed -n 's/.* \([0-9]*\) paths u→i→j (sum = score) [0-9]*-\([0-9]*\).*/\1 \2/p')
set -- $n
[ "$1" = "$2" ] || tt_fail "G shows paths up to $2 of $1"
range() { tt_capture | sed -n 's/.*(sum = score) \([0-9]*-[0-9]*\).*/\1/p'; }
at_end=$(range)
tt_send j j
tt_settle
[ "$(range)" = "$at_end" ] || tt_fail "scrolled past the end: $(range)"

tt_send q
tt_wait 'EXIT=0' 10 || exit 1

# Ctrl-Z under a shell with job control (bash -i in its own tmux
# session): stopped with the terminal given back, fg brings the screen
tt kill-server
sleep 0.2
tt new-session -d -s job -x 80 -y 24 "env -i PATH='$PATH' \
    HOME='$TT_TMP/home' XDG_STATE_HOME='$TT_TMP/state' \
    XDG_CONFIG_HOME='$TT_TMP/config' TERM=screen LC_ALL=C.UTF-8 \
    NO_COLOR=1 PS1='job\$ ' bash --norc --noprofile -i" || exit 99
jcap() { tt capture-pane -p -t job; }
jwait() {
	n=0
	until jcap | grep -Eq -- "$1"; do
		[ $n -ge 100 ] && { tt_fail "job: timed out waiting for /$1/";
		    jcap; exit 1; }
		sleep 0.1
		n=$((n + 1))
	done
}
jwait '^job\$'
tt send-keys -t job "cd '$top_srcdir' && '$DISTILL'" Enter
jwait 'valid@'
tt send-keys -t job C-z
jwait 'Stopped'
jcap | grep -q 'valid@' && tt_fail "the screen was not given back"
tt send-keys -t job fg Enter
jwait 'valid@'
tt send-keys -t job q
jwait '^job\$ *$'
exit $TT_FAIL
