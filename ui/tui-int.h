/*
 * distill — tui-int.h: state and helpers shared by the TUI files.
 *
 * The TUI is one event loop (tui.c) over a few views behind a small vtable
 * (tui-views.c: stage, user, explanation panes) plus fixed widgets (header,
 * metrics line, parameter bar, status line) and overlays (help, command
 * output). The pipeline runs in one worker thread (tui-run.c); the screen
 * is drawn only from TUI-owned copies (struct tui_snap, struct tui_user)
 * that the main thread refreshes while the worker is idle, so drawing never
 * reads an engine result the worker is replacing. Curses is only called
 * from the main thread.
 */
#ifndef DISTILL_TUI_INT_H
#define DISTILL_TUI_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "explain.h"
#include "pipeline.h"
#include "session.h"

/* ------------------------------------------------------------- colours */

/* Semantic colour roles: name, foreground, background (-1 = terminal
 * default), attribute with colours, attribute without colours. */
#define TUI_ROLES(X)                                                      \
	X(NORMAL,  -1,            -1, A_NORMAL, A_NORMAL)                 \
	X(TITLE,   COLOR_CYAN,    -1, A_BOLD,   A_BOLD)                   \
	X(HEADER,  COLOR_WHITE,   COLOR_BLUE, A_BOLD, A_REVERSE)          \
	X(STAGE,   COLOR_WHITE,   COLOR_BLUE, A_NORMAL, A_REVERSE)        \
	X(CURSTAGE, COLOR_BLACK,  COLOR_YELLOW, A_BOLD, A_BOLD | A_UNDERLINE) \
	X(STALE,   COLOR_RED,     COLOR_BLUE, A_BOLD, A_REVERSE | A_DIM)  \
	X(RULE,    COLOR_CYAN,    -1, A_NORMAL, A_NORMAL)                 \
	X(FOCUS,   COLOR_YELLOW,  -1, A_BOLD,   A_BOLD | A_UNDERLINE)     \
	X(SEL,     COLOR_BLACK,   COLOR_CYAN, A_NORMAL, A_REVERSE)        \
	X(DIM,     COLOR_BLUE,    -1, A_BOLD,   A_DIM)                    \
	X(LABEL,   COLOR_CYAN,    -1, A_NORMAL, A_NORMAL)                 \
	X(VALUE,   -1,            -1, A_BOLD,   A_BOLD)                   \
	X(BAR,     COLOR_GREEN,   -1, A_NORMAL, A_NORMAL)                 \
	X(BAR2,    COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL)                 \
	X(MARKER,  COLOR_RED,     -1, A_BOLD,   A_BOLD)                   \
	X(SCORE,   COLOR_YELLOW,  -1, A_NORMAL, A_NORMAL)                 \
	X(HIT,     COLOR_GREEN,   -1, A_BOLD,   A_BOLD)                   \
	X(UP,      COLOR_GREEN,   -1, A_BOLD,   A_BOLD)                   \
	X(DOWN,    COLOR_RED,     -1, A_BOLD,   A_BOLD)                   \
	X(CUT,     COLOR_RED,     -1, A_NORMAL, A_DIM)                    \
	X(ERROR,   COLOR_WHITE,   COLOR_RED, A_BOLD, A_REVERSE | A_BOLD)  \
	X(OK,      COLOR_GREEN,   -1, A_NORMAL, A_NORMAL)                 \
	X(PARAM,   -1,            -1, A_NORMAL, A_NORMAL)                 \
	X(PARAMSEL, COLOR_BLACK,  COLOR_YELLOW, A_BOLD, A_REVERSE)        \
	X(OVERLAY, -1,            -1, A_NORMAL, A_NORMAL)                 \
	X(KEY,     COLOR_YELLOW,  -1, A_BOLD,   A_BOLD)                   \
	X(C1,      COLOR_GREEN,   -1, A_NORMAL, A_NORMAL)                 \
	X(C2,      COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL)                 \
	X(C3,      COLOR_CYAN,    -1, A_NORMAL, A_NORMAL)                 \
	X(C4,      COLOR_YELLOW,  -1, A_NORMAL, A_NORMAL)                 \
	X(C5,      COLOR_BLUE,    -1, A_NORMAL, A_NORMAL)                 \
	X(C6,      COLOR_RED,     -1, A_NORMAL, A_NORMAL)

enum tui_role {
#define TUI_ROLE_ENUM(name, fg, bg, ca, ma) ROLE_##name,
	TUI_ROLES(TUI_ROLE_ENUM)
#undef TUI_ROLE_ENUM
	ROLE__COUNT
};

void tui_colors_init(bool color);
/* The curses attribute of a role (colour pair or monochrome fallback). */
int tui_attr(enum tui_role r);

/* ------------------------------------------------------------- drawing */

struct rect {
	int y, x, h, w;
};

/* Display width of a UTF-8 string (wcwidth; invalid bytes count 1). */
int tui_strwidth(const char *s);
/* Draw s at (y, x) within the rect, clipped to `maxw` columns (and to the
 * rect). Returns the columns used. Cut text ends in "…" (or "~"). */
int tui_put(const struct rect *r, int y, int x, int maxw, enum tui_role role,
    const char *s);
int tui_putf(const struct rect *r, int y, int x, int maxw,
    enum tui_role role, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Same, right-aligned so that the text ends at column x + maxw. */
int tui_put_right(const struct rect *r, int y, int x, int maxw,
    enum tui_role role, const char *s);
/* Clear a rect to blanks. */
void tui_clear(const struct rect *r);
/* A horizontal bar of `frac` (0..1) of `w` cells, eighth-blocks in UTF-8. */
void tui_bar(const struct rect *r, int y, int x, int w, double frac,
    enum tui_role role);
/* A pane title rule: "─ title ───" with focus highlighting. */
void tui_rule(const struct rect *r, int y, const char *title, bool focus);
/* A vertical histogram in `area`: one column group per bin, height by
 * count (log scale when `logc`), axis labels beneath and the marker. */
void tui_vhist(const struct rect *area, const struct histogram *h,
    bool logc, const char *fmt);
/* Compact numbers: 1234 → "1234", 12345 → "12.3k", 1.2e6 → "1.2M". */
void tui_fmt_count(char *buf, size_t n, double v);
/* A duration in at most 5 columns: "12ms", "1.2s", "42s". */
void tui_fmt_ms(char *buf, size_t n, double ms);
/* A metric value in at most 5 columns: ".1234" / "1.234" / "12.3". */
void tui_fmt_metric(char *buf, size_t n, double v);

extern bool tui_utf8;

/* ------------------------------------------------------------- state */

enum tui_pane { PANE_STAGE, PANE_USER, PANE_EXPLAIN, PANE__COUNT };

/* Key handler result bits. */
enum {
	KH_HANDLED = 1 << 0,
	KH_REDRAW = 1 << 1,
	KH_RELAYOUT = 1 << 2,
	KH_RECOMPUTE = 1 << 3,
	KH_QUIT = 1 << 4
};

struct tui;

/* A pane: draws itself into a rect, handles the keys routed to it. */
struct tui_view {
	const char *name;
	void (*draw)(struct tui *t, const struct rect *r, bool focus);
	int (*key)(struct tui *t, int ch);
};

extern const struct tui_view tui_view_stage, tui_view_user,
    tui_view_explain;

#define TUI_COMM_TOP 12

/* TUI-owned copy of what the panes show of the pipeline (no pointers into
 * engine memory). Refreshed by the main thread while the worker is idle. */
#define TUI_SIGMA 14

struct tui_snap {
	bool have_ds;
	char dsname[128], dspath[256], format[16];
	/* load DIR: the import's constraints, checked by the UI thread
	 * before a key changes a parameter (import_check on a copy) */
	bool imported;
	struct import imp;          /* params, threshold, topk; dir and
	                               command point at the arrays below */
	char imp_dir[256], imp_cmd[1024];
	uint32_t n_users, n_items;
	size_t n_inter, n_dup;
	bool rated, has_titles;
	bool fresh[STAGE__COUNT], have[STAGE__COUNT];
	double ms[STAGE__COUNT];
	uint64_t n_train, n_valid, n_test;
	uint32_t users_with_test;
	struct graph_stats gs;
	struct abstract_stats as;
	uint32_t comm_top[TUI_COMM_TOP], n_comm_top;  /* sizes */
	uint32_t comm_id[TUI_COMM_TOP];
	char comm_label[TUI_COMM_TOP][48];            /* community_label */
	struct filter_stats fs;
	/* filter.rank: singular values 1, 2, 4, …, k (TUI_SIGMA at most) */
	double sigma[TUI_SIGMA];
	uint32_t sigma_at[TUI_SIGMA], n_sigma;
	double lr_energy;
	struct histogram info_hist;
	struct dist_summary iw_sum;
	struct eval_result ev;
	bool have_ev;
	struct eval_result base[BASE__COUNT];
	bool have_base[BASE__COUNT];
	struct eval_result prev_ev;  /* before the last parameter change */
	bool have_prev_ev;
	/* the session's pin: before→after compares with its metrics when
	 * they are comparable (session_pin_ev) */
	bool pinned, have_pin_ev;
	struct eval_result pin_ev;
	struct params pin;
	struct params params;        /* of the pipeline (t->want: wanted) */
	bool insight[STAGE__COUNT];  /* the stage's statistics are shown */
	bool insight_running;        /* ... and are being computed */
};

struct tui_rec {
	uint32_t item;
	double score;
	bool hit;
	int delta;       /* previous rank - rank; 0 same */
	bool is_new;     /* absent from the previous list */
};

/* The selected user and the explanation, copied out of the engine. */
struct tui_user {
	int64_t user;           /* -1 none */
	uint32_t *train;        /* training item ids */
	size_t ntrain;
	struct profile_entry *prof;
	char (*prof_label)[48];  /* community_label of each */
	size_t nprof;
	double entropy;
	struct tui_rec *rec;
	size_t nrec;
	int sel, top;           /* selected rec row, first shown row */
	int list_y;             /* screen row of the first shown, -1 none */
	char err[ERR_MSG_MAX];
	bool valid;             /* computed from a fresh pipeline */
	uint32_t *prev;         /* ranks before the last change, by item */
	size_t nprev;
	bool have_prev;
	/* explanation pane */
	bool have_why, whynot;
	bool why_pending;       /* why/whynot is being computed on the worker */
	uint32_t why_item;
	struct why_out why;
	struct whynot_out wn;
	char why_err[ERR_MSG_MAX];
	int why_scroll;
};


struct tui {
	struct rect pane_rect[PANE__COUNT]; /* as last drawn (mouse) */
	struct session *s;
	int rows, cols;
	bool too_small;
	enum stage stage;        /* shown in the stage pane */
	enum tui_pane focus;
	int psel;                /* selected parameter of the stage */
	bool help, out_shown;
	char **out_lines;        /* command output overlay */
	size_t nout;
	int out_top;
	int out_left;            /* first column shown (Left/Right) */
	int out_widest;          /* widest line, in columns (output_set) */
	/* a pick list (the trail): rows that start with a number are
	 * selectable, Enter runs "<out_pick> N" */
	char out_pick[32];
	int out_sel;             /* selected line, -1 none */
	bool out_best;           /* the output is a sweep's: 'a' applies
	                            the session's best point */
	char status[512];
	bool status_err;
	struct tui_snap snap;
	struct tui_user u;
	/* parameters wanted by the user; applied to the pipeline when the
	 * worker is idle */
	struct params want;
	/* what the pipeline held before the changes the next run makes: a
	 * run that fails (not cancelled) takes them back to it, as set
	 * does at the prompt (pipeline_take_back) */
	bool have_good, have_mark;
	struct params good;
	bool good_fresh[STAGE__COUNT];
	struct history_mark good_mark;  /* before the first key's step */
	bool status_sticky;      /* an undo/redo message the run keeps */
	bool autorun;
	double deadline;         /* debounce: start not before this */
	bool before_locked;      /* "before" copies taken for this change */
	/* worker */
	pthread_t thread;
	pthread_mutex_t mu;
	bool running, done;      /* done guarded by mu */
	int rc;
	struct err werr;
	char progress[64];       /* guarded by mu */
	double run_t0;           /* worker: duration of the last run */
	struct params base_params;
	bool base_valid;
	struct eval_result wbase[BASE__COUNT];
	bool wbase_ok[BASE__COUNT];
	bool user_dirty;         /* refresh the user pane when idle */
	/* a ':' command running on the worker, its output captured; the
	 * main thread finishes it (command_done) once cmd_done is set */
	bool cmd_running, cmd_done;
	int cmd_rc;              /* its result, taken when it is joined:
	                          * a why job may own t->rc by then */
	char *cmd_line;
	FILE *cmd_of, *cmd_ef, *cmd_oo, *cmd_oe;
	char *cmd_ob, *cmd_eb;
	size_t cmd_on, cmd_en;
	bool cmd_oc;
	struct params cmd_before;
	const struct dataset *cmd_ods;
	/* a ':' command waiting for the insight thread to stop */
	bool cmd_waiting;
	/* a why or whynot (its fix search re-runs stages) on the worker */
	bool why_running, job_whynot;
	int64_t job_user;
	uint32_t job_item;
	struct whynot_out job_wn;
	struct why_out job_why;
	/*
	 * The insight thread (DESIGN §2.1): statistics, communities and the
	 * baselines of the current result, computed after the result is on
	 * screen. It only reads the pipeline, so why and whynot jobs run
	 * beside it; anything that writes the pipeline (a run, a ':'
	 * command, new parameters) first raises icancel and waits for the
	 * tick to join it, and what it finished is published then.
	 */
	pthread_t ithread;
	bool irunning, idone;          /* idone guarded by mu */
	/* the last insight run failed or was cancelled (Ctrl-C): not
	 * started again for the same results */
	bool insight_held;
	volatile sig_atomic_t icancel;
	int irc;
	struct err ierr;
	struct insight_out iout;
	enum stage istage;             /* computed first: the one on screen */
	bool ibase;                    /* also the baselines */
	char iprogress[64];            /* guarded by mu */
	/* tui_run_io: keys from a file, not a person (see tui.h) */
	bool io_test;
	/* the ':' line's history: readline's list, shared with the REPL
	 * and saved in this file (NULL: not saved) */
	char *hist_path;
};

/* tui-run.c */
void tui_run_init(struct tui *t);
void tui_run_destroy(struct tui *t);
/* Called every loop tick: joins a finished worker, applies wanted
 * parameters and starts a run when debounced. Returns true when the
 * screen needs a redraw. */
bool tui_run_tick(struct tui *t);
/* Stop the worker (cancel and join). */
void tui_run_stop(struct tui *t);
/* Stop the insight thread (cancel and join; it may finish an igraph
 * call first) and publish what it finished. */
void tui_insight_stop(struct tui *t);
/* The insight progress for the header ("" when idle). */
void tui_insight_progress(struct tui *t, char *buf, size_t n);
/* Run t->cmd_line on the worker (the caller redirected the session's
 * output); false when the thread could not start. */
bool tui_cmd_start(struct tui *t);
void tui_snap_take(struct tui *t);
void tui_user_select(struct tui *t, int64_t user);
void tui_user_refresh(struct tui *t);
void tui_user_free(struct tui_user *u);
void tui_why_item(struct tui *t, uint32_t item, bool whynot);
/* Record a parameter change (undo + debounce + cancel). */
void tui_param_changed(struct tui *t, const struct params *before);
/* The debounce + cancel part alone (the change is in the history). */
void tui_param_rerun(struct tui *t);
/* Mark the history before the first of a run's changes (a key's step):
 * a failed run resets it there. */
void tui_history_mark(struct tui *t);
void tui_set_status(struct tui *t, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* tui-views.c / tui-user.c */
void tui_draw_header(struct tui *t, const struct rect *r);
void tui_draw_metrics(struct tui *t, const struct rect *r);
void tui_draw_params(struct tui *t, const struct rect *r);
/* Parameters of stage s: ids into `ids`, returns the count. */
int tui_stage_params(enum stage s, int *ids, int max);
/* Step the selected parameter by +1/-1 increments. */
void tui_param_step(struct tui *t, int dir);
const char *tui_item_label(struct tui *t, uint32_t item);
const char *tui_user_label(struct tui *t, uint32_t user);

#endif
