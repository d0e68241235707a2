# distill — tests/tui/lib.sh: drive the TUI in a private tmux server.
#
# Sourced by the tests/tui/*.sh scripts. Starts `$DISTILL ARGS` in a
# detached session of a private server (-L, -f /dev/null) at a fixed size,
# with HOME and the XDG directories in a temporary directory, and offers
# send/capture/wait/compare helpers. Screens are normalised (timings such as
# "12ms" or "1.2s" vary) before they are compared with tests/tui/expected/.
# TUI_REGEN=1 writes the expected screens instead of comparing (look at
# them before committing).

if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: tmux is not installed (the TUI tests drive it)"
	exit 77
fi
: "${DISTILL:?DISTILL must name the distill binary}"
: "${top_srcdir:?top_srcdir must be set}"

TT_SOCK="tuitest$$"
TT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/distill-tui.XXXXXX")
TT_EXP="$top_srcdir/tests/tui/expected"
TT_FAIL=0
tt() { tmux -L "$TT_SOCK" -f /dev/null "$@"; }
# A sanitizer's report goes to a file (the pane would cut it) and into
# the test's log.
tt_cleanup() {
	local f
	tt kill-server >/dev/null 2>&1
	for f in "$TT_TMP"/san.*; do
		[ -f "$f" ] || continue
		echo "sanitizer report $f:" >&2
		cat "$f" >&2
	done
	rm -rf "$TT_TMP"
}
trap tt_cleanup EXIT

# tt_start W H ARGS...: the program runs in $top_srcdir; when it exits the
# pane prints EXIT=<status> and stays (so the status can be read).
tt_start() {
	local w=$1 h=$2
	shift 2
	mkdir -p "$TT_TMP/home" "$TT_TMP/state" "$TT_TMP/config" \
	    "$TT_TMP/data"
	cat >"$TT_TMP/run.sh" <<EOS
cd '$top_srcdir' || exit 1
export HOME='$TT_TMP/home' XDG_STATE_HOME='$TT_TMP/state'
export XDG_CONFIG_HOME='$TT_TMP/config' XDG_DATA_HOME='$TT_TMP/data'
export LC_ALL=C.UTF-8 NO_COLOR=1 TERM=screen
export TSAN_OPTIONS='${TSAN_OPTIONS:+$TSAN_OPTIONS:}log_path=$TT_TMP/san'
export ASAN_OPTIONS='${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$TT_TMP/san'
export UBSAN_OPTIONS='${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$TT_TMP/san'
'$DISTILL' $*
echo "EXIT=\$?"
sleep 600
EOS
	tt new-session -d -x "$w" -y "$h" "sh '$TT_TMP/run.sh'" || exit 99
	tt set -g window-size manual
	tt set -g status off
}

tt_send() { tt send-keys "$@"; }
tt_capture() { tt capture-pane -p; }
tt_resize() { tt resize-window -x "$1" -y "$2"; }

# Normalise timings; the pipeline row's spacing depends on their widths.
tt_norm() {
	sed -E '2s/ *[0-9]+(\.[0-9]+)?m?s\b//g; 2s/ *(→|>) */ → /g;
	    s/[0-9]+(\.[0-9]+)? ?ms\b/Tms/g; s/[ ]+$//'
}

# tt_wait PATTERN [SECONDS]: wait until the screen matches (grep -E).
tt_wait() {
	local i n=$(( ${2:-10} * 10 ))
	for i in $(seq "$n"); do
		tt_capture | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	echo "FAIL: timed out waiting for /$1/; screen:" >&2
	tt_capture >&2
	TT_FAIL=1
	return 1
}

# tt_settle: wait until two captures 0.3 s apart are equal.
tt_settle() {
	local a b i
	a=$(tt_capture)
	for i in $(seq 30); do
		sleep 0.3
		b=$(tt_capture)
		[ "$a" = "$b" ] && return 0
		a=$b
	done
}

# tt_check NAME: compare the normalised screen with expected/NAME.screen.
tt_check() {
	local got="$TT_TMP/$1.screen"
	tt_settle
	tt_capture | tt_norm >"$got"
	if [ -n "$TUI_REGEN" ]; then
		cp "$got" "$TT_EXP/$1.screen"
		echo "wrote $TT_EXP/$1.screen"
		return 0
	fi
	if ! diff -u "$TT_EXP/$1.screen" "$got"; then
		echo "FAIL: screen $1 differs" >&2
		TT_FAIL=1
	fi
}

tt_fail() { echo "FAIL: $*" >&2; TT_FAIL=1; }
