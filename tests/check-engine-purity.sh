#!/bin/sh
# The engine (src/) must not use curses, readline or print to the terminal:
# it returns data and the UI renders it (DESIGN §2).
cd "${top_srcdir:-.}" || exit 1
bad=$(grep -nE '#include *<(n?curses|ncursesw/|readline/)|\b(printf|puts|putchar)\(|fprintf\((stdout|stderr)' src/*.c src/*.h |
	grep -v 'src/util.c:.*out of memory')
if [ -n "$bad" ]; then
	echo "engine purity violated:" >&2
	echo "$bad" >&2
	exit 1
fi
exit 0
