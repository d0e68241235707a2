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
/* Their names, in enum order, NULL-terminated: the one list that --format,
 * `format` and completion read. */
extern const char *const out_format_names[];
/* The format called `name`, or -1. */
int out_format_lookup(const char *name);

struct session {
	struct pipeline pl;
	enum out_format fmt;
	bool color;          /* ANSI colour allowed on `out` */
	bool utf8;           /* locale is UTF-8 (Unicode blocks in plots) */
	bool interactive;    /* a person is typing (REPL or TUI) */
	bool keep_going;     /* batch -k: continue after errors */
	bool strict;         /* source --strict: a changed input (CRC-32)
	                        is an error, not a warning */
	FILE *out;           /* command results (stdout, or a TUI buffer) */
	FILE *err;           /* diagnostics (stderr, or a TUI buffer) */
	volatile sig_atomic_t cancel; /* set by SIGINT / a TUI key */
	const char *source_file; /* file being replayed by `source`, or NULL */
	long source_line;
	void *priv;          /* ui-private state (undo stacks etc.), owned by
	                        session.c */
	bool quit;           /* set by quit/exit: the front end should stop */
	int out_fd;          /* the descriptor `out` ends in (stdout's, also
	                        through a progress wrapper), -1 for a buffer:
	                        tables fit its width when it is a terminal */
	bool csv_begun;      /* a CSV section was printed on `out`: the next
	                        one, of any command, follows a blank line */
	/* pin: a configuration kept to compare against (diff, set's
	 * "pinned" table, the TUI's metrics line), with its metrics */
	bool pinned;
	struct params pin;
	bool pin_have_ev;
	struct eval_result pin_ev;
	/* the best point of the last sweep (the TUI's "apply best") */
	bool have_best;
	struct params best;
	char best_what[160];  /* "abstract.topk 170" */
};

/* Process exit statuses of distill(1) (documented in the man page). */
enum exit_status {
	EXIT_STATUS_OK = 0,          /* every command succeeded */
	EXIT_STATUS_COMMAND = 1,     /* a command failed (batch mode) */
	EXIT_STATUS_USAGE = 2,       /* bad command-line option */
	EXIT_STATUS_INPUT = 3,       /* a script or dataset could not be read */
	EXIT_STATUS_INTERRUPTED = 130 /* stopped by SIGINT */
};

void session_init(struct session *s);
void session_destroy(struct session *s);

/* Print "error: msg" on s->err, prefixed by "FILE:LINE: " while a script
 * is being replayed. Always returns -1. */
int session_error(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Same for an engine error. */
int session_err(struct session *s, const struct err *e);
/* Print "warning: msg" on s->err. */
void session_warn(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Run the pipeline up to `upto`, reporting a failure on s->err. */
int session_ensure(struct session *s, enum stage upto);
/* Compute the insight of stage st (every fresh stage when st < 0) before
 * printing it (DESIGN §2.1); -1 after reporting. */
int session_insight(struct session *s, int st);

/* Report a name that is no parameter, with "did you mean"; -1. */
int param_unknown(struct session *s, const char *name);
/* Resolve a user id / an item id or exact title; -1 after reporting. */
int64_t session_user(struct session *s, const char *arg);
int64_t session_item(struct session *s, const char *arg);

/* Set a parameter, recording the previous values for undo. */
int session_set(struct session *s, const char *name, const char *value);
/* Restore the parameters before the last set / undo; -1 when none. */
int session_undo(struct session *s);
int session_redo(struct session *s);
/*
 * The trail (issue: tuning aids): every configuration the session
 * evaluated — after any command or TUI change that left fresh results,
 * and every point of sweep and tune — with its metrics, oldest first,
 * each configuration once (where first evaluated), the last TRAIL_MAX
 * kept. `history` lists it and re-applies an entry.
 */
#define TRAIL_MAX 10000
struct trail_entry {
	struct params p;
	struct eval_result ev;
	char origin[24];     /* the command (set, sweep, tune, tui, …) */
};
void session_trail_add(struct session *s, const struct params *p,
    const struct eval_result *ev, const char *origin);
/* Add the pipeline's current configuration when it has fresh results. */
void session_trail_note(struct session *s, const char *origin);
size_t session_trail(const struct session *s, const struct trail_entry **t);

/*
 * The pin's metrics when they compare with those of `cur`: something is
 * pinned, its metrics were taken, and both use the same split and
 * evaluation settings (split.*, eval.*, rec.n); NULL otherwise.
 */
const struct eval_result *session_pin_ev(const struct session *s,
    const struct params *cur);

/* Drop the undo/redo history, the trail, the pin and the sweep's best
 * (a new dataset was loaded). */
void session_history_clear(struct session *s);
/*
 * The one history behind every front end (the REPL's and ':' undo/redo
 * and the TUI's keys): record the parameters before a change (the redo
 * side is dropped); take the state to go back or forward to from `cur`
 * (which goes on the other side) into *out, false when there is none.
 * The TUI applies *out itself, when its worker is idle. n_undo/n_redo
 * may be NULL.
 */
void session_history_push(struct session *s, const struct params *before);
bool session_history_back(struct session *s, const struct params *cur,
    struct params *out);
bool session_history_forward(struct session *s, const struct params *cur,
    struct params *out);
void session_history_depth(const struct session *s, size_t *n_undo,
    size_t *n_redo);
/* The history as it is, and back to it: a change that failed is no step
 * to undo (the entries above the mark are still in place, nothing is
 * pushed in between). */
struct history_mark {
	size_t nundo, nredo;
};
void session_history_mark(const struct session *s, struct history_mark *m);
void session_history_reset(struct session *s, const struct history_mark *m);

#endif
