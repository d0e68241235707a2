/*
 * distill — tui.h: the full-screen ncurses interface.
 */
#ifndef DISTILL_TUI_H
#define DISTILL_TUI_H

#include <stdio.h>

struct session;

/* Run the TUI on an already set-up session until the user quits. Returns
 * the process exit status. Restores the terminal on every exit path. */
int tui_run(struct session *s);

/* The same on a given terminal (newterm with $TERM's terminfo): keys
 * read from `in`, the screen written to `out`; with in NULL, tui_run.
 * For the key-handler fuzz target: the loop also ends once `in` is
 * exhausted and the work the keys started has finished (two seconds at
 * most), a tick waits 5 ms for a key instead of 50, and Ctrl-Z does not
 * suspend the process. */
int tui_run_io(struct session *s, FILE *in, FILE *out);

#endif
