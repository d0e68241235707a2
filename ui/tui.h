/*
 * distill — tui.h: the full-screen ncurses interface.
 */
#ifndef DISTILL_TUI_H
#define DISTILL_TUI_H

struct session;

/* Run the TUI on an already set-up session until the user quits. Returns
 * the process exit status. Restores the terminal on every exit path. */
int tui_run(struct session *s);

#endif
