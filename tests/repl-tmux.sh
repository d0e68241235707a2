#!/bin/sh
# distill — tests/repl-tmux.sh: drive the real REPL inside a private tmux
# server (a fixed 100x30 terminal) and check what a person would see: the
# init file ran, Tab completes a parameter name and an enumerated value,
# a hint follows the command name, Ctrl-C clears the line at the prompt,
# Ctrl-C during a long sweep returns to the prompt with the session
# intact, history is written under $XDG_STATE_HOME, Ctrl-D exits 0.
# HOME and the XDG directories point into a temporary directory, so the
# user's own files are never read or written. Exit 77 without tmux.
set -u

if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: tmux is not installed"
	exit 77
fi
DISTILL=${DISTILL:-$(pwd)/distill}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
SAMPLES=$top_srcdir/samples

tmp=$(mktemp -d)
sock=distill-test$$
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	tmux -L "${sock%b}" kill-server 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

T() { tmux -L "$sock" "$@"; }
screen() { T capture-pane -p -t repl; }
fail() {
	echo "FAIL: $*"
	echo "--- screen ---"
	screen
	exit 1
}
# wait_for PATTERN [TENTHS]: poll the screen until it matches (grep -E).
wait_for() {
	n=0
	while [ "$n" -lt "${2:-50}" ]; do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
		n=$((n + 1))
	done
	fail "timed out waiting for /$1/"
}
# The line the cursor is on.
cursor_line() {
	y=$(T display-message -p -t repl '#{cursor_y}')
	screen | sed -n "$((y + 1))p"
}
# wait_line PATTERN: poll the cursor's line until it matches.
wait_line() {
	n=0
	while [ "$n" -lt "${2:-50}" ]; do
		cursor_line | grep -Eq -- "$1" && return 0
		sleep 0.1
		n=$((n + 1))
	done
	fail "timed out waiting for the cursor line to match /$1/"
}
# type TEXT: send literal keys (no Enter).
type_keys() { T send-keys -t repl -l "$1"; }

# An init file that changes one parameter, checked below.
mkdir -p "$tmp/config/distill"
echo "set rec.n 7" >"$tmp/config/distill/distillrc"

T -f /dev/null new-session -d -s repl -x 100 -y 30 \
    "env HOME='$tmp' XDG_STATE_HOME='$tmp/state' \
    XDG_CONFIG_HOME='$tmp/config' TERM=screen LC_ALL=C.UTF-8 NO_COLOR=1 \
    PAGER=cat '$DISTILL' --repl '$SAMPLES/sample.csv'; \
    echo \"exit status \$?\"; sleep 30" || fail "tmux did not start"

wait_for '^distill sample \[[a-z]+\*\]> ?$' 100
# One greeting line says what is loaded and where help is; the init
# file's set ran quietly (no table at every start).
wait_for '^distill [0-9.]+ · sample: 400 users, 300 items · help lists the commands$'
screen | grep -q '^rec.n ' && fail "the init file printed its set table"
# The stale marker of the prompt is explained the first time it shows.
wait_for '^\[[a-z]+\*\]: [a-z]+ onward is stale; run '
# Switching datasets says which settings carried over (the init file's).
type_keys "load $SAMPLES/teach.tsv"; T send-keys -t repl Enter
wait_for '^settings kept from before: rec.n=7 '
type_keys "load $SAMPLES/sample.csv"; T send-keys -t repl Enter
wait_for '^distill sample \[[a-z]+\*\]> ?$' 100

# The init file ran before the prompt.
type_keys 'get rec.n'; T send-keys -t repl Enter
wait_for '^7$'

# Tab completes a parameter name ...
type_keys 'set abstract.thr'; T send-keys -t repl Tab
wait_line '> set abstract\.threshold( |$)'
# ... and an enumerated value (after `set NAME `).
T send-keys -t repl C-u
type_keys 'set abstract.metric ja'; T send-keys -t repl Tab
wait_line '> set abstract\.metric jaccard( |$)'
T send-keys -t repl Enter
type_keys 'get abstract.metric'; T send-keys -t repl Enter
wait_for '^jaccard$'

# A hint after the command name, dimmed after the cursor.
type_keys 'why '
wait_line '> why USER ITEM$'
# A hint for a value: the choices of the parameter.
T send-keys -t repl C-u
type_keys 'set graph.weighting '
wait_line '> set graph\.weighting binary\|rating\|log  \(now binary'
# Ctrl-C at the prompt clears the line and gives a new prompt.
T send-keys -t repl C-c
wait_for '> set graph\.weighting \^C$'
sleep 0.2
cursor_line | grep -Eq '^distill sample( \[[a-z]+\*\])?> ?$' ||
    fail "no fresh prompt after Ctrl-C"

# Ctrl-C during a long sweep: back to the prompt, previous results kept.
# Each point re-runs the co-occurrence kernel (a new abstract.alpha) and,
# for the calibration, Leiden, so the interrupt lands in either: ~9 s for
# the 1,000 points here. (A top-k sweep derives each point from the kept
# base in about a millisecond: it could end before the Ctrl-C.)
type_keys 'set distill.calibrate 0.3'; T send-keys -t repl Enter
wait_line '^distill sample \[[a-z]+\*\]> ?$' 300
type_keys 'run'; T send-keys -t repl Enter
wait_line '^distill sample> ?$' 300
type_keys 'sweep abstract.alpha 0.002 2 0.002'; T send-keys -t repl Enter
sleep 1.5
T send-keys -t repl C-c
# (the output comes at once when the command ends: look in the scrollback)
n=0
until T capture-pane -p -S -5000 -t repl | grep -q 'interrupted'; do
	[ $n -ge 100 ] && fail "timed out waiting for /interrupted/"
	sleep 0.1
	n=$((n + 1))
done
wait_line '^distill sample> ?$'
type_keys 'get abstract.topk'; T send-keys -t repl Enter
wait_for '^100$'
type_keys 'stats graph'; T send-keys -t repl Enter
wait_for '^users +[0-9]+ ' 100
screen | grep -q 'error' && fail "an error after the cancelled sweep"

# Ctrl-D exits with status 0; the history was written.
T send-keys -t repl C-d
wait_for '^exit status 0$'
hist=$tmp/state/distill/history
grep -q '^set abstract.metric jaccard$' "$hist" || {
	cat "$hist"
	fail "history not saved in \$XDG_STATE_HOME/distill/history"
}
# Without a dataset the REPL opens the bundled sample, as the TUI does.
# A server of its own: killing the last session ends the first server,
# and a new-session sent while it exits met it ("server exited
# unexpectedly", seen once under make check -j2).
T kill-session -t repl
sock=${sock}b
T -f /dev/null new-session -d -s repl -x 100 -y 30 \
    "env HOME='$tmp' XDG_STATE_HOME='$tmp/state' \
    XDG_CONFIG_HOME='$tmp/none' TERM=screen LC_ALL=C.UTF-8 NO_COLOR=1 \
    PAGER='sed s/^/P:/' DISTILL_SAMPLES='$SAMPLES' '$DISTILL' --repl; \
    echo \"exit status \$?\"; sleep 30" || fail "tmux did not start"
wait_for '^distill [0-9.]+ · sample \(bundled\): 400 users' 100
wait_for '^distill sample \[[a-z]+\*\]> ?$' 100
# Tables fit the terminal: params (170 columns whole) in 100
type_keys 'params abstract'; T send-keys -t repl Enter
wait_for '^abstract\.seed '
[ "$(screen | LC_ALL=C.UTF-8 wc -L)" -le 100 ] ||
	fail "a line wider than the terminal"
screen | grep -q '^abstract\.asym_alpha .*…$' ||
	fail "the doc column was not cut to fit"
# Output taller than the terminal goes through \$PAGER (here a sed that
# marks its lines)
type_keys 'users'; T send-keys -t repl Enter
wait_for '^P:1399 +[0-9]+$' 100
# Ctrl-L clears the screen and keeps the line being typed
type_keys 'eva'; T send-keys -t repl C-l
wait_for '^distill sample( \[[a-z]+\*\])?> eva$'
[ "$(screen | grep -c .)" -eq 1 ] || fail "Ctrl-L did not clear the screen"
T send-keys -t repl C-u
T send-keys -t repl C-d
wait_for '^exit status 0$'
echo "PASS: repl-tmux"
exit 0
