#!/bin/sh
# distill — tests/writes.sh: every file distill writes (save, export,
# rec --all --out) goes to a temporary file renamed into place:
#
#   - a write into a missing directory is a clear error naming the path;
#   - a successful write replaces the file by a new inode (rename, not an
#     in-place rewrite) and leaves no temporary file behind;
#   - a write that fails half-way (file size limit, EFBIG) leaves the old
#     file byte for byte and no temporary file;
#   - the file keeps its mode (0600 stays 0600); a new file honours the
#     umask (077 gives 0600);
#   - a symlink is followed: its target is rewritten, the link stays;
#   - a FIFO and /dev/null are written through, never replaced by a
#     regular file;
#   - a file the session read (the dataset) is never overwritten;
#   - killed mid-write, no temporary is left; a stale temporary of ours
#     is swept by the next write;
#   - writing over a read-only file is a clear error and leaves it alone
#     (checked as user nobody through setpriv; skipped when unavailable,
#     since root may write anything).
set -u

: "${DISTILL:?DISTILL must name the distill binary}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
TEACH=$top_srcdir/samples/teach.tsv
T=$(mktemp -d "${TMPDIR:-/tmp}/distill-writes.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
fail=0

ok() { echo "ok: $*"; }
# Loops run in pipeline subshells: failures are recorded in a file.
bad() {
	echo "FAIL: $*"
	sed 's/^/  | /' "$T/err" 2>/dev/null | head -5
	touch "$T/fail"
}

# The three writers, each as "LABEL|COMMAND with @ for the path".
WRITERS="save|save @
export|export graph @ --format csv
rec --out|rec --all --out @"

# Run the commands after loading the teaching set; status in $rc.
run() {
	"$DISTILL" -c "load $TEACH; $1" >/dev/null 2>"$T/err"
	rc=$?
}

# No temporary file may be left in dir $1.
no_temp() {
	[ "$(ls -A "$1" | grep -c 'tmp')" -eq 0 ]
}

# Results that cannot reach standard output fail the run (issue 13).
if [ -w /dev/full ]; then
	"$DISTILL" -c "load $TEACH; users" >/dev/full 2>"$T/err"
	rc=$?
	if [ $rc -ne 0 ] && grep -q "standard output" "$T/err"
	then ok "stdout on a full device: exit $rc: $(cat "$T/err")"
	else bad "stdout on a full device: exit $rc, no error"; fi
else
	echo "skip: /dev/full not writable"
fi
# The reader of a pipe goes away with SIGPIPE ignored: the writes fail with
# EPIPE, and the lost output is an error, not exit 0.
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "echo %0100d\n", i }' \
    >"$T/many.distill"
(trap '' PIPE; "$DISTILL" -f "$T/many.distill" 2>"$T/err"; echo $? >"$T/rc") |
    head -c 10 >/dev/null
rc=$(cat "$T/rc")
if [ "$rc" -ne 0 ] && grep -q "standard output" "$T/err"
then ok "stdout to a closed pipe, SIGPIPE ignored: exit $rc"
else bad "stdout to a closed pipe, SIGPIPE ignored: exit $rc, no error"; fi

echo "$WRITERS" | while IFS='|' read -r label cmd; do
	# missing directory
	run "$(echo "$cmd" | sed "s|@|$T/missing/out.txt|")"
	if [ $rc -eq 1 ] && grep -q "^error: .*$T/missing/out.txt" "$T/err"
	then ok "$label: missing directory: $(cat "$T/err")"
	else bad "$label: missing directory: exit $rc"; fi

	# a good write: new inode, no temporary file
	d=$T/$(echo "$label" | tr -c 'a-z\n' _)
	mkdir -p "$d"
	echo old >"$d/out.txt"
	before=$(ls -i "$d/out.txt" | cut -d' ' -f1)
	run "$(echo "$cmd" | sed "s|@|$d/out.txt|")"
	after=$(ls -i "$d/out.txt" | cut -d' ' -f1)
	if [ $rc -eq 0 ] && [ "$before" != "$after" ] && no_temp "$d" &&
	    ! grep -qx old "$d/out.txt"
	then ok "$label: written by rename (inode $before -> $after)"
	else bad "$label: exit $rc, inode $before -> $after, $(ls "$d")"; fi
done

echo "$WRITERS" | while IFS='|' read -r label cmd; do
	d=$T/mode_$(echo "$label" | tr -c 'a-z\n' _)
	mkdir -p "$d"
	w() { echo "$cmd" | sed "s|@|$1|"; }
	# mode kept, umask honoured
	echo old >"$d/out.txt"
	chmod 600 "$d/out.txt"
	run "$(w "$d/out.txt")"
	m=$(stat -c %a "$d/out.txt")
	if [ $rc -eq 0 ] && [ "$m" = 600 ]; then ok "$label: mode 600 kept"
	else bad "$label: mode 600 became $m (exit $rc)"; fi
	(umask 077; run "$(w "$d/new.txt")"; exit $rc)
	m=$(stat -c %a "$d/new.txt" 2>/dev/null)
	if [ "$m" = 600 ]; then ok "$label: umask 077 gives 600"
	else bad "$label: umask 077 gave mode '$m'"; fi
	# a symlink: the target is written, the link stays a link
	echo old >"$d/target.txt"
	ln -s target.txt "$d/link.txt"
	run "$(w "$d/link.txt")"
	if [ $rc -eq 0 ] && [ -L "$d/link.txt" ] &&
	    ! grep -qx old "$d/target.txt" && no_temp "$d"
	then ok "$label: symlink followed, link kept"
	else bad "$label: symlink: exit $rc, $(ls -l "$d")"; fi
	# a FIFO is written through
	mkfifo "$d/fifo"
	cat "$d/fifo" >"$d/fifo.out" &
	run "$(w "$d/fifo")"
	wait
	if [ $rc -eq 0 ] && [ -p "$d/fifo" ] && [ -s "$d/fifo.out" ]
	then ok "$label: FIFO written through"
	else bad "$label: FIFO: exit $rc, $(ls -l "$d")"; fi
	# the character device stays one (as root rename would replace it)
	run "$(w /dev/null)"
	if [ $rc -eq 0 ] && [ -c /dev/null ]; then ok "$label: /dev/null"
	else bad "$label: /dev/null: exit $rc, $(ls -l /dev/null)"; fi
	# the dataset itself is refused
	cp "$TEACH" "$d/data.tsv"
	"$DISTILL" -c "load $d/data.tsv; $(w "$d/data.tsv")" >/dev/null \
	    2>"$T/err"
	rc=$?
	if [ $rc -eq 1 ] && cmp -s "$TEACH" "$d/data.tsv" &&
	    grep -q "refusing to overwrite" "$T/err"
	then ok "$label: the loaded dataset is refused: $(cat "$T/err")"
	else bad "$label: loaded dataset: exit $rc"; fi
done
[ -f "$T/fail" ] && fail=1

# /dev/stdout redirected to a file: written through the process's own
# descriptor, in order, never truncating what was printed before it
"$DISTILL" -c "load $TEACH; echo BEFORE; export graph /dev/stdout \
--format csv; echo AFTER" >"$T/stdout.txt" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && [ "$(tr -d '\000' <"$T/stdout.txt" | wc -c)" -eq \
    "$(wc -c <"$T/stdout.txt")" ] && grep -q '^dataset' "$T/stdout.txt" &&
    [ "$(grep -n -e BEFORE -e '^source,target' -e AFTER "$T/stdout.txt" |
    cut -d: -f2 | tr '\n' ' ')" = "BEFORE source,target,weight AFTER " ]
then ok "export to /dev/stdout: in order, nothing truncated"
else bad "export to /dev/stdout: exit $rc"; head -5 "$T/stdout.txt"; fi
[ -f "$T/fail" ] && fail=1

# A write that fails half-way: a 1 KB file size limit, SIGXFSZ ignored.
d=$T/efbig
mkdir -p "$d"
yes old | head -c 5000 >"$d/recs.csv"
cp "$d/recs.csv" "$d/keep"
(trap '' XFSZ; ulimit -f 1 && exec "$DISTILL" -c \
    "load $TEACH; rec --all --out $d/recs.csv") >/dev/null 2>"$T/err"
rc=$?
if [ $rc -eq 1 ] && cmp -s "$d/recs.csv" "$d/keep" &&
    [ "$(ls "$d" | wc -l)" -eq 2 ] && grep -q "^error: .*recs.csv" "$T/err"
then ok "rec --out: failed write keeps the old file: $(cat "$T/err")"
else bad "rec --out: failed write: exit $rc, files: $(ls "$d")"; fi
[ -f "$T/fail" ] && fail=1

# Killed by a signal mid-write (SIGXFSZ of a 1 KB file size limit, not
# ignored): the temporary goes with it, the old file stays.
d=$T/killed
mkdir -p "$d"
yes old | head -c 5000 >"$d/recs.csv"
cp "$d/recs.csv" "$d/keep"
(ulimit -f 1 && exec "$DISTILL" -c \
    "load $TEACH; rec --all --out $d/recs.csv") >/dev/null 2>&1
rc=$?
if [ $rc -gt 128 ] && cmp -s "$d/recs.csv" "$d/keep" &&
    [ "$(ls "$d" | wc -l)" -eq 2 ]
then ok "killed mid-write (signal $((rc - 128))): no temporary left"
else bad "killed mid-write: exit $rc, files: $(ls "$d")"; fi

# A stale temporary of ours (over ten minutes old) is swept by the next
# write to the same path; a fresh one (a concurrent writer's) is not.
d=$T/stale
mkdir -p "$d"
echo x >"$d/s.distill.tmpABCDEF"
touch -d '2 hours ago' "$d/s.distill.tmpABCDEF"
echo y >"$d/s.distill.tmpGHIJKL"
run "save $d/s.distill"
if [ $rc -eq 0 ] && [ ! -e "$d/s.distill.tmpABCDEF" ] &&
    [ -e "$d/s.distill.tmpGHIJKL" ]
then ok "stale temporary swept, fresh one kept"
else bad "stale temporaries: exit $rc, files: $(ls "$d")"; fi
[ -f "$T/fail" ] && fail=1

# A read-only file, as an unprivileged user.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
    setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null &&
    setpriv --reuid=65534 --regid=65534 --clear-groups \
    test -r "$TEACH" -a -x "$DISTILL"; then
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
elif [ "$(id -u)" -ne 0 ]; then
	AS=""
else
	echo "skip: read-only file cases (root, and cannot drop to nobody)"
	exit $fail
fi
d=$T/ro
mkdir -p "$d"
chmod 711 "$T"
chmod 777 "$d"
echo "$WRITERS" | while IFS='|' read -r label cmd; do
	echo precious >"$d/out.txt"
	chmod 444 "$d/out.txt"
	$AS "$DISTILL" -c "load $TEACH; $(echo "$cmd" |
	    sed "s|@|$d/out.txt|")" >/dev/null 2>"$T/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -qx precious "$d/out.txt" &&
	    grep -q "^error: .*out.txt" "$T/err" && no_temp "$d"
	then ok "$label: read-only file: $(cat "$T/err")"
	else bad "$label: read-only file replaced or no error (exit $rc)"; fi
	rm -f "$d/out.txt"
done
[ -f "$T/fail" ] && fail=1
exit $fail
