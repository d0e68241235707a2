#!/bin/sh
# distill — man-check.sh: every command of the command table and every
# parameter of the registry is documented in man/distill.1. The names come
# from the binary itself (hidden --list-commands / --list-params), so the
# table and the registry stay the single source of truth.
set -u
: "${DISTILL:?DISTILL must name the binary}"
: "${top_srcdir:=.}"
man="$top_srcdir/man/distill.1"
fail=0
for c in $("$DISTILL" --list-commands); do
	# a command is documented as ".It Ic NAME" in the COMMANDS list
	grep -q "^\.It Ic $c\( \|$\)" "$man" ||
	    { echo "man/distill.1: command '$c' is not documented" >&2; fail=1; }
done
for p in $("$DISTILL" --list-params); do
	grep -q "^\.It Cm $p\( \|$\)" "$man" ||
	    { echo "man/distill.1: parameter '$p' is not documented" >&2; fail=1; }
done
[ "$("$DISTILL" --list-commands | wc -l)" -gt 10 ] ||
    { echo "distill --list-commands printed too little" >&2; fail=1; }
exit $fail
