/*
 * distill — session.h: the state of one interactive or batch session: the
 * engine pipeline plus everything the front ends add around it (output
 * format, colour, undo history, where output goes).
 *
 * State lives here and is passed explicitly; there are no globals besides
 * the signal flag that the SIGINT handler sets (`cancel`).
 */
#ifndef DISTILL_SESSION_H
#define DISTILL_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "pipeline.h"

enum out_format { OUT_TABLE, OUT_CSV, OUT_JSON };

struct session {
	struct pipeline pl;
	enum out_format fmt;
	bool color;          /* ANSI colour allowed on `out` */
	bool utf8;           /* locale is UTF-8 (Unicode blocks in plots) */
	bool interactive;    /* a person is typing (REPL or TUI) */
	bool keep_going;     /* batch -k: continue after errors */
	FILE *out;           /* command results (stdout, or a TUI buffer) */
	FILE *err;           /* diagnostics (stderr, or a TUI buffer) */
	volatile sig_atomic_t cancel; /* set by SIGINT / a TUI key */
	const char *source_file; /* file being replayed by `source`, or NULL */
	long source_line;
	void *priv;          /* ui-private state (undo stacks etc.), owned by
	                        session.c */
};

void session_init(struct session *s);
void session_destroy(struct session *s);

#endif
