/*
 * distill — tui.c: the full-screen interface's event loop.
 *
 * One loop: tick the background run (tui-run.c), draw once if anything
 * changed, wait at most 50 ms for a key (timeout(50)), dispatch it —
 * overlays and prompts first, then the focused pane's view, then the
 * global key binding table. Keys never draw; they return KH_* bits.
 * ncurses turns SIGWINCH into KEY_RESIZE; SIGTERM/SIGHUP only set a flag
 * that the loop checks. The terminal is restored on every way out: normal
 * return, exit() (atexit), allocation failure (util fatal hook) and a
 * second termination signal (raw escape sequences, async-signal-safe).
 */
#include <curses.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <readline/history.h>

#include "cmd.h"
#include "complete.h"
#include "out.h"
#include "repl.h"
#include "tui-int.h"
#include "tui.h"

static volatile sig_atomic_t tui_term_sig;
static volatile sig_atomic_t *tui_cancel_flag;  /* the session's cancel */
static volatile sig_atomic_t tui_active;

/* Leave curses; safe to call twice (atexit and the fatal hook). */
static void tui_restore(void)
{
	if (!tui_active)
		return;
	tui_active = 0;
	endwin();
}

/* First signal: ask the loop to leave. Second: restore raw and die. */
static void tui_on_term(int sig)
{
	static const char seq[] = "\033[?1049l\033[?25h\033[0m\r\n";
	if (tui_term_sig) {
		if (tui_active) {
			ssize_t rc = write(STDOUT_FILENO, seq, sizeof seq - 1);
			(void)rc;
		}
		_exit(128 + sig);
	}
	int saved = errno;
	tui_term_sig = sig;
	if (tui_cancel_flag)	/* stop a running ':' command too */
		flag_set(tui_cancel_flag, 1);
	errno = saved;
}

static void tui_signals(bool install)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = install ? tui_on_term : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
}

/* ------------------------------------------------------ key bindings */

enum tui_action {
	ACT_PANE, ACT_QUIT, ACT_HELP, ACT_CMD, ACT_NEXT, ACT_PREV, ACT_TAB,
	ACT_BTAB, ACT_UNDO, ACT_REDO, ACT_REDRAW, ACT_INC, ACT_DEC, ACT_EDIT, ACT_SEARCH,
	ACT_UNEXT, ACT_UPREV, ACT_WHYNOT, ACT_CANCEL, ACT_RERUN, ACT_SUSPEND,
	ACT_PIN, ACT_TRAIL, ACT_ITEMV, ACT_COMMV, ACT_USERV
};

struct binding {
	int key;
	const char *name;
	enum tui_action act;
	const char *help;
};

static const struct binding bindings[] = {
	{ 'n', "n", ACT_NEXT, "next stage" },
	{ 'p', "p", ACT_PREV, "previous stage" },
	{ '\t', "Tab", ACT_TAB, "next pane: stage, user, why" },
	{ KEY_BTAB, "S-Tab", ACT_BTAB, "previous pane" },
	{ KEY_RIGHT, "Right + l", ACT_INC, "step the parameter up" },
	{ '+', NULL, ACT_INC, NULL },
	{ 'l', NULL, ACT_INC, NULL },
	{ KEY_LEFT, "Left - h", ACT_DEC, "step the parameter down" },
	{ '-', NULL, ACT_DEC, NULL },
	{ 'h', NULL, ACT_DEC, NULL },
	{ 0, "Up Dn j k", ACT_PANE, "pick parameter / item" },
	{ 0, "PgUp PgDn", ACT_PANE, "move by 5 items" },
	{ 0, "g G", ACT_PANE, "first / last (Home End)" },
	{ 0, "mouse", ACT_PANE, "click: focus, pick; wheel" },
	{ 0, "Enter", ACT_PANE, "type value / explain item" },
	{ '=', "=", ACT_EDIT, "type a parameter value" },
	{ 'u', "u", ACT_UNDO, "undo parameter change" },
	{ 'U', "U ^R", ACT_REDO, "redo parameter change" },
	{ 18, NULL, ACT_REDO, NULL },
	{ 'r', "r", ACT_RERUN, "run stale stages now" },
	{ 3, "^C", ACT_CANCEL, "cancel the running work" },
	{ '/', "/", ACT_SEARCH, "pick a user by id" },
	{ '>', "> <", ACT_UNEXT, "next / previous user" },
	{ '<', NULL, ACT_UPREV, NULL },
	{ 'w', "w", ACT_WHYNOT, "whynot for any item id" },
	{ 'i', "i", ACT_ITEMV, "item view: its row, column" },
	{ 'c', "c", ACT_COMMV, "the item's community" },
	{ 'v', "v", ACT_USERV, "user view: train/valid/test" },
	{ 'P', "P", ACT_PIN, "pin to compare; again: unpin" },
	{ 't', "t", ACT_TRAIL, "trail of configurations" },
	{ ':', ":", ACT_CMD, "command line, readline keys" },
	{ 12, "^L", ACT_REDRAW, "redraw the screen" },
	{ '?', "? F1", ACT_HELP, "help; any key closes it" },
	{ KEY_F(1), NULL, ACT_HELP, NULL },
	{ 26, "^Z", ACT_SUSPEND, "suspend (fg resumes)" },
	{ 'q', "q", ACT_QUIT, "quit" },
};
#define NBINDINGS (sizeof bindings / sizeof *bindings)

static const struct tui_view *const views[PANE__COUNT] = {
	&tui_view_stage, &tui_view_user, &tui_view_explain,
};

/* ------------------------------------------------------------ prompt */

enum prompt_kind { PR_NONE, PR_CMD, PR_PARAM, PR_SEARCH, PR_WHYNOT };

struct prompt {
	enum prompt_kind kind;
	char label[96];
	char buf[512];
	size_t len;
	size_t cur;             /* the cursor, a byte offset in buf */
	int hpos;
	int param;
	/* the value '=' starts from is selected: typing replaces it,
	 * Backspace or Delete clears it, any other key keeps it to edit */
	bool selected;
};

static void prompt_open(struct prompt *p, enum prompt_kind k,
    const char *label, const char *init)
{
	p->kind = k;
	snprintf(p->label, sizeof p->label, "%s", label);
	snprintf(p->buf, sizeof p->buf, "%s", init ? init : "");
	p->len = p->cur = strlen(p->buf);
	p->hpos = -1;
	p->selected = k == PR_PARAM && p->len > 0;
}

/* The start of the UTF-8 character before byte offset at, or of the one
 * at it (next). */
static size_t prev_char(const char *s, size_t at)
{
	while (at > 0 && ((unsigned char)s[--at] & 0xC0) == 0x80)
		;
	return at;
}

static size_t next_char(const char *s, size_t len, size_t at)
{
	while (at < len && ((unsigned char)s[++at] & 0xC0) == 0x80)
		;
	return at;
}

/* Remove bytes [a, b) of the line; the cursor goes to a. */
static void prompt_cut(struct prompt *p, size_t a, size_t b)
{
	memmove(p->buf + a, p->buf + b, p->len - b + 1);
	p->len -= b - a;
	p->cur = a;
}

/* Insert n bytes at the cursor, when they fit. */
static void prompt_insert(struct prompt *p, const char *s, size_t n)
{
	if (p->len + n >= sizeof p->buf)
		return;
	memmove(p->buf + p->cur + n, p->buf + p->cur, p->len - p->cur + 1);
	memcpy(p->buf + p->cur, s, n);
	p->len += n;
	p->cur += n;
}

/*
 * Tab on a prompt line: the REPL's completion (complete_line) for the
 * word before the cursor, as if the line followed `lead` (the ':' line:
 * nothing; '/': "rec ", a user; 'w': "why x ", an item id or title);
 * insert the candidates' longest common prefix and list them on the
 * status line when there are several.
 */
static void complete_word(struct tui *t, struct prompt *p, const char *lead)
{
	struct completion c;
	char line[sizeof p->buf + 16];
	int nl = snprintf(line, sizeof line, "%s%.*s", lead, (int)p->cur,
	    p->buf);
	complete_line(t->s, line, nl, &c);
	if (c.n == 0 || c.start < (int)strlen(lead)) {
		completion_free(&c);
		return;
	}
	c.start -= (int)strlen(lead);
	/* the text after the cursor stays after the completed word */
	char tail[sizeof p->buf];
	snprintf(tail, sizeof tail, "%s", p->buf + p->cur);
	p->len = p->cur;
	p->buf[p->len] = '\0';
	size_t common = strlen(c.v[0]);
	for (size_t k = 1; k < c.n; k++) {
		size_t i = 0;
		while (i < common && c.v[k][i] == c.v[0][i])
			i++;
		common = i;
	}
	size_t typed = p->len - (size_t)c.start;
	if (common >= typed || c.replace) {
		int n = snprintf(p->buf + c.start, sizeof p->buf -
		    (size_t)c.start, "%.*s%s", (int)common, c.v[0],
		    c.n == 1 && !(c.files && common && c.v[0][common - 1] ==
		    '/') ? " " : "");
		if (n > 0 && (size_t)c.start + (size_t)n < sizeof p->buf)
			p->len = (size_t)c.start + (size_t)n;
		p->buf[p->len] = '\0';
	}
	p->cur = p->len;
	if (p->len + strlen(tail) < sizeof p->buf) {
		memcpy(p->buf + p->len, tail, strlen(tail) + 1);
		p->len += strlen(tail);
	}
	if (c.n > 1) {
		char list[512] = "";
		size_t ll = 0;
		for (size_t k = 0; k < c.n && ll + 2 < sizeof list; k++)
			ll += (size_t)snprintf(list + ll, sizeof list - ll,
			    "%s ", c.v[k]);
		tui_set_status(t, false, "%s", list);
	}
	completion_free(&c);
}

/* Up/Down on the ':' line: through the history the REPL keeps too. */
static void history_move(struct prompt *p, int dir)
{
	if (p->kind != PR_CMD || history_length == 0)
		return;
	int h = p->hpos < 0 ? history_length : p->hpos;
	h += dir;
	if (h < 0)
		h = 0;
	HIST_ENTRY *e = h < history_length ? history_get(history_base + h) :
	    NULL;
	if (!e) {
		p->hpos = -1;
		p->buf[0] = '\0';
	} else {
		p->hpos = h;
		snprintf(p->buf, sizeof p->buf, "%s", e->line);
	}
	p->len = p->cur = strlen(p->buf);
}

/*
 * Edit the prompt line as readline's emacs keys do: Left/Right and
 * Ctrl-B/F move, Home/End and Ctrl-A/E jump, Backspace and Delete/Ctrl-D
 * delete, Ctrl-W the word before the cursor, Ctrl-U to the start, Ctrl-K
 * to the end; Up/Down walk the history, Tab completes at the cursor.
 * Returns 1 on Enter, -1 on Esc (or Ctrl-C, Ctrl-G), 0 otherwise.
 */
static int prompt_key(struct tui *t, struct prompt *p, int ch, bool is_key)
{
	if (is_key)
		switch (ch) {
		case KEY_BACKSPACE: ch = 127; break;
		case KEY_ENTER: return 1;
		case KEY_UP: case KEY_DOWN:
			history_move(p, ch == KEY_UP ? -1 : 1);
			return 0;
		case KEY_LEFT: ch = 2; break;
		case KEY_RIGHT: ch = 6; break;
		case KEY_HOME: ch = 1; break;
		case KEY_END: ch = 5; break;
		case KEY_DC: ch = 4; break;
		default: return 0;
		}
	if (p->selected) {
		p->selected = false;
		bool del = ch == 127 || ch == 8 || ch == 4;
		if (del || (ch >= 32 && ch != 127)) {
			p->len = p->cur = 0;    /* replaced */
			p->buf[0] = '\0';
			if (del)
				return 0;
		}
	}
	switch (ch) {
	case '\n': case '\r': return 1;
	case 27: case 3: case 7: return -1;
	case '\t':
		if (p->kind == PR_CMD)
			complete_word(t, p, "");
		else if (p->kind == PR_SEARCH)
			complete_word(t, p, "rec ");
		else if (p->kind == PR_WHYNOT)
			complete_word(t, p, "why x ");
		return 0;
	case 1: p->cur = 0; return 0;
	case 5: p->cur = p->len; return 0;
	case 2: p->cur = prev_char(p->buf, p->cur); return 0;
	case 6: p->cur = next_char(p->buf, p->len, p->cur); return 0;
	case 21: prompt_cut(p, 0, p->cur); return 0;
	case 11: prompt_cut(p, p->cur, p->len); return 0;
	case 4:
		if (p->cur < p->len)
			prompt_cut(p, p->cur, next_char(p->buf, p->len,
			    p->cur));
		return 0;
	case 23: {
		size_t a = p->cur;
		while (a > 0 && p->buf[a - 1] == ' ')
			a--;
		while (a > 0 && p->buf[a - 1] != ' ')
			a--;
		prompt_cut(p, a, p->cur);
		return 0;
	}
	case 127: case 8:
		if (p->cur > 0)
			prompt_cut(p, prev_char(p->buf, p->cur), p->cur);
		return 0;
	}
	if (ch < 32)
		return 0;
	char mb[MB_LEN_MAX];
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t n = wcrtomb(mb, (wchar_t)ch, &st);
	if (n != (size_t)-1)
		prompt_insert(p, mb, n);
	return 0;
}

/* ------------------------------------------------------------ commands */

/* Split captured output into overlay lines (tabs to spaces). */
static void output_set(struct tui *t, const char *a, const char *b)
{
	for (size_t k = 0; k < t->nout; k++)
		free(t->out_lines[k]);
	free(t->out_lines);
	t->out_lines = NULL;
	t->nout = 0;
	t->out_top = 0;
	t->out_left = 0;
	t->out_widest = 0;
	t->out_sel = -1;
	const char *parts[2] = { a, b };
	for (int i = 0; i < 2; i++) {
		const char *s = parts[i];
		while (s && *s) {
			const char *e = strchr(s, '\n');
			size_t n = e ? (size_t)(e - s) : strlen(s);
			char *line = xstrndup(s, n);
			for (char *c = line; *c; c++)
				if (*c == '\t' || *c == '\033')
					*c = ' ';
			t->out_lines = xreallocarray(t->out_lines, t->nout + 1,
			    sizeof *t->out_lines);
			t->out_lines[t->nout++] = line;
			int w = tui_strwidth(line);
			t->out_widest = w > t->out_widest ? w : t->out_widest;
			s = e ? e + 1 : s + n;
		}
	}
}

/* Skip `cols` display columns of s (a cut wide character is skipped
 * whole). */
static const char *skip_cols(const char *s, int cols)
{
	int w;
	while (*s && cols > 0) {
		s += out_char(s, &w);
		cols -= w;
	}
	return s;
}

/* An output line that a pick list can select: a table row whose first
 * cell is a number (the trail's "#"). */
static bool pickable(const char *line)
{
	while (*line == ' ')
		line++;
	return *line >= '0' && *line <= '9';
}

/* The next pickable line from `from` in direction dir (+1/-1), or -1. */
static int pick_next(const struct tui *t, int from, int dir)
{
	for (int k = from; k >= 0 && k < (int)t->nout; k += dir)
		if (pickable(t->out_lines[k]))
			return k;
	return -1;
}

/*
 * A ':' command runs on the worker thread with its output captured, so
 * keys stay live: Ctrl-C or Esc cancel it (it fails with "interrupted"
 * and the pipeline keeps its previous results), and the header shows its
 * progress. command_done() shows the output once it has finished.
 */
static int run_command(struct tui *t, const char *line)
{
	struct session *s = t->s;
	if (strcmp(line, "q") == 0 || strcmp(line, "quit") == 0 ||
	    strcmp(line, "exit") == 0)
		return KH_QUIT;
	/* one at a time: a key that is not a binding (the overlay's 'a',
	 * say) must not start a second one over the first */
	if (t->cmd_running || t->cmd_done) {
		tui_set_status(t, false, "a command is running (Ctrl-C "
		    "cancels it)");
		return KH_REDRAW;
	}
	tui_run_stop(t);
	t->cmd_line = xstrdup(line);
	t->cmd_ob = t->cmd_eb = NULL;
	t->cmd_of = open_memstream(&t->cmd_ob, &t->cmd_on);
	t->cmd_ef = open_memstream(&t->cmd_eb, &t->cmd_en);
	t->cmd_oo = s->out;
	t->cmd_oe = s->err;
	t->cmd_oc = s->color;
	t->cmd_ods = s->pl.ds;
	t->cmd_before = t->want;
	s->out = t->cmd_of;
	s->out_fd = -1;         /* the overlay scrolls; no terminal fitting */
	s->err = t->cmd_ef;
	s->color = false;
	if (!tui_cmd_start(t)) {
		t->cmd_done = true;
		t->cmd_rc = -1;
		return KH_REDRAW;
	}
	tui_set_status(t, false, "running: %s  (Ctrl-C cancels)", line);
	return KH_REDRAW;
}

/* Give the session its streams back; the captured text stays in
 * cmd_ob/cmd_eb. */
static void command_restore(struct tui *t)
{
	struct session *s = t->s;
	fclose(t->cmd_of);
	fclose(t->cmd_ef);
	s->out = t->cmd_oo;
	s->out_fd = STDOUT_FILENO;
	s->err = t->cmd_oe;
	s->color = t->cmd_oc;
	flag_set(&s->cancel, 0);
	t->cmd_done = false;
	t->cmd_running = t->cmd_waiting = false;
}

/* The worker finished a command (or it was stopped): show its output and
 * take the pipeline's new state. */
static void command_done(struct tui *t)
{
	struct session *s = t->s;
	int rc = t->cmd_rc;
	command_restore(t);
	t->want = s->pl.params;
	/* the command took back its own failed change (set, undo): the
	 * next key starts a new take-back point */
	t->have_good = t->have_mark = false;
	/* the command recorded its own changes in the session's history */
	if (memcmp(&t->cmd_before, &t->want, sizeof t->want) != 0)
		tui_param_rerun(t);
	t->deadline = 0;
	t->autorun = true;
	tui_snap_take(t);
	/* the command's results are the "after" of its before (taken when
	 * it started); the next change takes a new before */
	t->before_locked = false;
	/* another dataset's metrics and lists are no before either (a
	 * load showed the sample's P .132 -> Gowalla's .024, and every
	 * item of user 0 as new) */
	bool new_data = s->pl.ds != t->cmd_ods;
	if (new_data || params_enum(&t->cmd_before, P_EVAL_TARGET) !=
	    params_enum(&s->pl.params, P_EVAL_TARGET))
		t->snap.have_prev_ev = false;
	if (new_data)   /* its lists and ranks; the index stays */
		tui_user_free(&t->u);
	tui_user_select(t, new_data ? (s->pl.ds ? 0 : -1) : t->u.user);
	output_set(t, t->cmd_ob, t->cmd_eb);
	/* `history` is a pick list (Enter applies a row); after a sweep,
	 * 'a' applies its best point */
	char *w0 = xstrndup(t->cmd_line, strcspn(t->cmd_line, " \t;"));
	const struct cmd_entry *ce = rc == 0 && !strchr(t->cmd_line, ';') ?
	    cmd_find(w0, NULL, 0) : NULL;
	free(w0);
	t->out_pick[0] = '\0';
	t->out_best = ce && strcmp(ce->name, "sweep") == 0 && s->have_best;
	if (ce && strcmp(ce->name, "history") == 0 &&
	    !strstr(t->cmd_line, "--apply")) {
		snprintf(t->out_pick, sizeof t->out_pick, "history --apply");
		t->out_sel = pick_next(t, (int)t->nout - 1, -1);
	}
	if (t->nout == 1) {
		tui_set_status(t, rc < 0, "%s", t->out_lines[0]);
	} else if (t->nout > 1) {
		t->out_shown = true;
		tui_set_status(t, rc < 0, "%s", rc < 0 ? "command failed" :
		    "");
	} else {
		tui_set_status(t, rc < 0, "%s", rc < 0 ? "command failed" :
		    "ok");
	}
	free(t->cmd_ob);
	free(t->cmd_eb);
	free(t->cmd_line);
	t->cmd_ob = t->cmd_eb = t->cmd_line = NULL;
	/* the command may have made new results (set, undo, source ran
	 * the stages itself): the tick computes their statistics */
	t->insight_held = false;
}

/* Apply a finished prompt. */
static int prompt_done(struct tui *t, struct prompt *p)
{
	struct err e;
	err_clear(&e);
	/* a completed id ends with a space; an earlier message (an error
	 * of the last lookup, say) does not outlive this one */
	if (p->kind == PR_SEARCH || p->kind == PR_WHYNOT) {
		while (p->len > 0 && p->buf[p->len - 1] == ' ')
			p->buf[--p->len] = '\0';
		tui_set_status(t, false, "%s", "");
	}
	switch (p->kind) {
	case PR_CMD:
		cmd_history_add(t->hist_path, p->buf);
		return run_command(t, p->buf);
	case PR_PARAM: {
		struct params before = t->want;
		if (params_set_id(&t->want, p->param, p->buf, &e) < 0)
			tui_set_status(t, true, "%s", e.msg);
		else {
			tui_param_changed(t, &before);
			tui_set_status(t, false, "%s = %s",
			    params_def(p->param)->name, p->buf);
		}
		break;
	}
	case PR_SEARCH: {
		int64_t u = pipeline_user(&t->s->pl, p->buf, &e);
		if (u < 0)
			tui_set_status(t, true, "%s", e.msg);
		else
			tui_user_select(t, u);
		break;
	}
	case PR_WHYNOT: {
		int64_t i = pipeline_item(&t->s->pl, p->buf, &e);
		if (i < 0)
			tui_set_status(t, true, "%s", e.msg);
		else {
			tui_why_item(t, (uint32_t)i, true);
			t->focus = PANE_EXPLAIN;
		}
		break;
	}
	default:
		break;
	}
	return KH_REDRAW;
}

/* ------------------------------------------------------------ drawing */

static void draw_status(struct tui *t, const struct prompt *p,
    const struct rect *r)
{
	attrset(A_NORMAL);
	mvhline(r->y, r->x, ' ', r->w);
	if (p->kind != PR_NONE) {
		int x = tui_put(r, 0, 0, -1, ROLE_KEY, p->label);
		int room = r->w - x - 1;
		/* from the first character that keeps the cursor in view */
		char head[sizeof p->buf];
		size_t from = 0;
		snprintf(head, sizeof head, "%.*s", (int)p->cur, p->buf);
		while (tui_strwidth(head + from) > room && head[from])
			from = next_char(head, p->cur, from);
		int cx = x + tui_strwidth(head + from);
		tui_put(r, 0, x, room, p->selected ? ROLE_SEL : ROLE_NORMAL,
		    p->buf + from);
		move(r->y, r->x + (cx < r->w ? cx : r->w - 1));
		return;
	}
	if (t->status[0])
		tui_put(r, 0, 0, -1, t->status_err ? ROLE_ERROR : ROLE_OK,
		    t->status);
	else
		tui_put(r, 0, 0, -1, ROLE_DIM, "n/p stage  Tab pane  "
		    "Left/Right change  u undo  : command  ? help  q quit");
}

static void draw_box(const struct rect *r, const char *title)
{
	tui_clear(r);
	attrset(tui_attr(ROLE_RULE));
	/* the panes' rules: box drawing where the terminal has UTF-8 */
	static const char *const ascii[] = { "+", "+", "+", "+", "-", "|" },
	    *const utf8[] = { "┌", "┐", "└", "┘", "─", "│" };
	const char *const *g = tui_utf8 ? utf8 : ascii;
	for (int y = 0; y < r->h; y++) {
		bool top = y == 0, bottom = y == r->h - 1;
		for (int x = 0; x < r->w; x++) {
			bool left = x == 0, right = x == r->w - 1;
			const char *c = top && left ? g[0] : top && right ? g[1] :
			    bottom && left ? g[2] : bottom && right ? g[3] :
			    top || bottom ? g[4] : left || right ? g[5] : NULL;
			if (c)
				mvaddstr(r->y + y, r->x + x, c);
		}
	}
	attrset(A_NORMAL);
	tui_putf(r, 0, 2, r->w - 4, ROLE_TITLE, " %s ", title);
}

static void draw_help(const struct rect *body)
{
	size_t n = 0, wide = 0;
	for (size_t k = 0; k < NBINDINGS; k++)
		if (bindings[k].name) {
			n++;
			if (strlen(bindings[k].help) > wide)
				wide = strlen(bindings[k].help);
		}
	/* a column: the key's 10, the longest text (ASCII), a space */
	int cols = (int)n + 2 > body->h ? 2 : 1;
	int per = ((int)n + cols - 1) / cols, cw = 10 + (int)wide + 1;
	struct rect box = { body->y, body->x, per + 2, cw * cols + 3 };
	if (box.w > body->w || cols == 2)
		box.w = body->w;
	box.x = body->x + (body->w - box.w) / 2;
	draw_box(&box, "keys");
	struct rect in = { box.y + 1, box.x + 2, box.h - 2, box.w - 3 };
	int i = 0;
	for (size_t k = 0; k < NBINDINGS; k++) {
		if (!bindings[k].name)
			continue;
		int y = i % per, x = (i / per) * cw;
		tui_put(&in, y, x, 10, ROLE_KEY, bindings[k].name);
		tui_put(&in, y, x + 10, cw - 11, ROLE_OVERLAY, bindings[k].help);
		i++;
	}
}

static void draw_output(struct tui *t, const struct rect *body)
{
	struct rect box = *body;
	char title[256];
	if (t->out_pick[0])
		snprintf(title, sizeof title, "trail (Up/Down pick, Enter "
		    "applies, Left/Right scroll, Esc closes)");
	else if (t->out_best)
		snprintf(title, sizeof title, "output (a applies the best: "
		    "%s; Left/Right scroll, Esc closes)", t->s->best_what);
	else
		snprintf(title, sizeof title, "output (Up/Down scroll, "
		    "Left/Right, Esc/q closes)");
	draw_box(&box, title);
	struct rect in = { box.y + 1, box.x + 1, box.h - 2, box.w - 2 };
	/* the selection stays in view */
	if (t->out_sel >= 0 && t->out_sel < t->out_top)
		t->out_top = t->out_sel;
	if (t->out_sel >= 0 && t->out_sel >= t->out_top + in.h)
		t->out_top = t->out_sel - in.h + 1;
	if (t->out_top > (int)t->nout - in.h)
		t->out_top = (int)t->nout - in.h;
	if (t->out_top < 0)
		t->out_top = 0;
	int widest = t->out_widest;
	if (t->out_left > widest - in.w)
		t->out_left = widest - in.w;
	if (t->out_left < 0)
		t->out_left = 0;
	for (int y = 0; y < in.h && t->out_top + y < (int)t->nout; y++) {
		int k = t->out_top + y;
		bool sel = k == t->out_sel;
		if (sel) {
			attrset(tui_attr(ROLE_SEL));
			mvhline(in.y + y, in.x, ' ', in.w);
		}
		tui_put(&in, y, 0, -1, sel ? ROLE_SEL : ROLE_OVERLAY,
		    skip_cols(t->out_lines[k], t->out_left));
	}
	attrset(A_NORMAL);
	/* more to the side: say so on the frame */
	if (t->out_left > 0)
		tui_put(&box, box.h - 1, 1, 1, ROLE_KEY, "<");
	if (t->out_left + in.w < widest)
		tui_put(&box, box.h - 1, box.w - 2, 1, ROLE_KEY, ">");
}

static void draw_small(struct tui *t)
{
	char msg[96];
	erase();
	snprintf(msg, sizeof msg, "terminal too small: %dx%d, need 80x24",
	    t->cols, t->rows);
	struct rect all = { 0, 0, t->rows, t->cols };
	int y = t->rows / 2, w = tui_strwidth(msg);
	tui_put(&all, y, w < t->cols ? (t->cols - w) / 2 : 0, -1, ROLE_ERROR,
	    msg);
	tui_put(&all, y + 1, t->cols > 9 ? (t->cols - 9) / 2 : 0, -1,
	    ROLE_DIM, "(q quits)");
}

/* Lay out and draw every part once. */
static void draw_all(struct tui *t, const struct prompt *p)
{
	getmaxyx(stdscr, t->rows, t->cols);
	t->too_small = t->rows < 24 || t->cols < 80;
	curs_set(p->kind != PR_NONE);
	if (t->too_small) {
		draw_small(t);
		refresh();
		return;
	}
	erase();
	struct rect head = { 0, 0, 2, t->cols };
	struct rect met = { 2, 0, 1, t->cols };
	struct rect body = { 3, 0, t->rows - 5, t->cols };
	struct rect par = { t->rows - 2, 0, 1, t->cols };
	struct rect st = { t->rows - 1, 0, 1, t->cols };
	int lw = t->cols >= 120 ? t->cols * 45 / 100 : 40;
	int uh = body.h * 55 / 100;
	struct rect pane[PANE__COUNT] = {
		{ body.y, 0, body.h, lw },
		{ body.y, lw + 1, uh, t->cols - lw - 1 },
		{ body.y + uh, lw + 1, body.h - uh, t->cols - lw - 1 },
	};
	memcpy(t->pane_rect, pane, sizeof pane);
	t->u.list_y = -1;
	tui_draw_header(t, &head);
	tui_draw_metrics(t, &met);
	for (int k = 0; k < PANE__COUNT; k++)
		views[k]->draw(t, &pane[k], t->focus == (enum tui_pane)k);
	attrset(tui_attr(ROLE_RULE));
	for (int y = body.y; y < body.y + body.h; y++)
		mvaddstr(y, lw, y == body.y ? (tui_utf8 ? "┬" : "+") :
		    y == body.y + uh ? (tui_utf8 ? "├" : "+") :
		    (tui_utf8 ? "│" : "|"));
	attrset(A_NORMAL);
	if (t->help)
		draw_help(&body);
	else if (t->out_shown)
		draw_output(t, &body);
	tui_draw_params(t, &par);
	draw_status(t, p, &st);
	refresh();
}

/* ------------------------------------------------------------ keys */

/* The item the drill-down keys are about: the explained one when the
 * why pane has focus, else the one selected in the list; -1 none. */
static int64_t selected_item(const struct tui *t)
{
	const struct tui_user *u = &t->u;
	if (t->focus == PANE_EXPLAIN && (u->have_why || u->why_pending))
		return u->why_item;
	if (u->nrec && u->sel >= 0 && (size_t)u->sel < u->nrec)
		return u->rec[u->sel].item;
	return -1;
}

/* Run "<verb> <word>" as a ':' command, the word quoted as needed. */
static int run_on(struct tui *t, const char *verb, const char *word)
{
	char *line = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&line, &n);
	if (!f)
		return KH_REDRAW;
	fprintf(f, "%s ", verb);
	cmd_put_word(f, word);
	fclose(f);
	int r = run_command(t, line);
	free(line);
	return r;
}

static int do_action(struct tui *t, struct prompt *p, enum tui_action a)
{
	int ids[P__COUNT], n;
	char v[64], label[96];
	switch (a) {
	case ACT_QUIT: return KH_QUIT;
	case ACT_HELP: t->help = true; break;
	case ACT_SUSPEND:
		if (t->io_test)     /* keys from a file: nothing to resume */
			break;
		/* as a shell's Ctrl-Z: the terminal restored, stopped; fg
		 * brings the screen back as it was */
		def_prog_mode();
		endwin();
		signal(SIGTSTP, SIG_DFL);
		kill(getpid(), SIGTSTP);
		reset_prog_mode();
		clearok(curscr, TRUE);
		break;
	case ACT_CMD: prompt_open(p, PR_CMD, ":", NULL); break;
	case ACT_NEXT: case ACT_PREV:
		t->stage = (t->stage + (a == ACT_NEXT ? 1 : STAGE__COUNT - 1)) %
		    STAGE__COUNT;
		t->psel = 0;
		break;
	case ACT_TAB: t->focus = (t->focus + 1) % PANE__COUNT; break;
	case ACT_BTAB:
		t->focus = (t->focus + PANE__COUNT - 1) % PANE__COUNT;
		break;
	case ACT_UNDO: case ACT_REDO: {
		struct params to;
		size_t nu, nr;
		tui_history_mark(t);
		bool ok = a == ACT_UNDO ?
		    session_history_back(t->s, &t->want, &to) :
		    session_history_forward(t->s, &t->want, &to);
		if (!ok) {
			tui_set_status(t, false, a == ACT_UNDO ?
			    "nothing to undo" : "nothing to redo");
			break;
		}
		t->want = to;
		tui_param_rerun(t);
		session_history_depth(t->s, &nu, &nr);
		tui_set_status(t, false, "%s (%zu to undo, %zu to redo)",
		    a == ACT_UNDO ? "undone" : "redone", nu, nr);
		t->status_sticky = true;
		break;
	}
	case ACT_REDRAW: clearok(curscr, TRUE); break;
	case ACT_INC: case ACT_DEC:
		tui_param_step(t, a == ACT_INC ? 1 : -1);
		break;
	case ACT_EDIT:
		n = tui_stage_params(t->stage, ids, P__COUNT);
		if (n == 0)
			break;
		p->param = ids[t->psel % n];
		params_format(&t->want, p->param, v, sizeof v);
		{
			/* an enumerated parameter lists its choices */
			const struct param_def *d = params_def(p->param);
			char ch[64] = "";
			for (int c = 0; d->type == PT_ENUM && d->choices[c];
			    c++)
				snprintf(ch + strlen(ch), sizeof ch - strlen(ch),
				    "%s%s", c ? "|" : " (", d->choices[c]);
			if (ch[0])
				snprintf(ch + strlen(ch), sizeof ch - strlen(ch),
				    ")");
			snprintf(label, sizeof label, "%s%s = ", d->name, ch);
		}
		prompt_open(p, PR_PARAM, label, v);
		break;
	case ACT_SEARCH: prompt_open(p, PR_SEARCH, "user id: ", NULL); break;
	case ACT_WHYNOT: prompt_open(p, PR_WHYNOT, "whynot item: ", NULL); break;
	case ACT_UNEXT: case ACT_UPREV:
		if (t->snap.n_users)
			tui_user_select(t, (t->u.user + (a == ACT_UNEXT ? 1 :
			    (int64_t)t->snap.n_users - 1)) % t->snap.n_users);
		break;
	case ACT_CANCEL:
		if (t->running || t->irunning) {
			flag_set(&t->s->cancel, 1);
			flag_set(&t->icancel, 1);
			tui_set_status(t, false, "cancelling…");
		}
		break;
	case ACT_RERUN:
		t->autorun = true;
		t->deadline = 0;
		break;
	case ACT_PIN:
		/* again on the pinned configuration: unpin */
		return run_command(t, t->snap.pinned && memcmp(&t->snap.pin,
		    &t->want, sizeof t->want) == 0 ? "pin --clear" : "pin") |
		    KH_HANDLED;
	case ACT_TRAIL:
		return run_command(t, "history") | KH_HANDLED;
	case ACT_ITEMV: case ACT_COMMV: {
		int64_t i = selected_item(t);
		const struct dataset *ds = t->s->pl.ds;
		if (i < 0 || !ds) {
			tui_set_status(t, false, "no item selected: pick one in "
			    "the list (Tab, Up/Down)");
			break;
		}
		return run_on(t, a == ACT_ITEMV ? "item" : "community --of",
		    idmap_name(&ds->items, (uint32_t)i)) | KH_HANDLED;
	}
	case ACT_USERV:
		if (t->u.user < 0 || !t->s->pl.ds) {
			tui_set_status(t, false, "no user selected (/ picks one)");
			break;
		}
		return run_on(t, "user", idmap_name(&t->s->pl.ds->users,
		    (uint32_t)t->u.user)) | KH_HANDLED;
	default: break;
	}
	return KH_HANDLED | KH_REDRAW;
}

/* While a ':' command runs: Esc and Ctrl-C cancel it; keys that would
 * change parameters, the user or the pipeline wait (true: handled). */
static bool command_busy_key(struct tui *t, int ch)
{
	if (ch == 27 || ch == 3) {
		flag_set(&t->s->cancel, 1);
		tui_set_status(t, false, "cancelling…");
		return true;
	}
	for (size_t k = 0; k < NBINDINGS; k++) {
		if (bindings[k].key != ch)
			continue;
		switch (bindings[k].act) {
		case ACT_INC: case ACT_DEC: case ACT_EDIT: case ACT_UNDO:
		case ACT_REDO: case ACT_RERUN: case ACT_SEARCH: case ACT_WHYNOT:
		case ACT_CMD: case ACT_UNEXT: case ACT_UPREV: case ACT_PIN:
		case ACT_TRAIL: case ACT_ITEMV: case ACT_COMMV: case ACT_USERV:
			tui_set_status(t, false, "a command is running "
			    "(Ctrl-C cancels it)");
			return true;
		default:
			return false;
		}
	}
	if (ch == '\n' || ch == KEY_ENTER) {
		tui_set_status(t, false, "a command is running (Ctrl-C "
		    "cancels it)");
		return true;
	}
	return false;
}

/* Overlays take keys first: help closes on any key, output scrolls
 * (both ways); in a pick list Up/Down select and Enter applies; after a
 * sweep 'a' applies its best point. */
static int overlay_key(struct tui *t, int ch)
{
	if (t->help) {
		t->help = false;
		return KH_HANDLED | KH_REDRAW;
	}
	if (!t->out_shown)
		return 0;
	bool pick = t->out_pick[0] && t->out_sel >= 0;
	int to;
	switch (ch) {
	case KEY_DOWN: case 'j':
		if (!pick)
			t->out_top++;
		else if ((to = pick_next(t, t->out_sel + 1, 1)) >= 0)
			t->out_sel = to;
		break;
	case KEY_UP: case 'k':
		if (!pick)
			t->out_top--;
		else if ((to = pick_next(t, t->out_sel - 1, -1)) >= 0)
			t->out_sel = to;
		break;
	case KEY_NPAGE: case ' ': t->out_top += 10; break;
	case KEY_PPAGE: t->out_top -= 10; break;
	case KEY_RIGHT: case 'l': t->out_left += 8; break;
	case KEY_LEFT: case 'h': t->out_left -= 8; break;
	case KEY_HOME: case 'g':
		t->out_left = 0;
		if (pick && (to = pick_next(t, 0, 1)) >= 0)
			t->out_sel = to;
		else
			t->out_top = 0;
		break;
	case KEY_END: case 'G':
		if (pick && (to = pick_next(t, (int)t->nout - 1, -1)) >= 0)
			t->out_sel = to;
		else
			t->out_top = (int)t->nout;
		break;
	case 'a':
		if (!t->out_best || !t->s->have_best)
			return KH_HANDLED;
		{
			char line[sizeof t->s->best_what + 8];
			snprintf(line, sizeof line, "set %s", t->s->best_what);
			t->out_shown = false;
			return run_command(t, line) | KH_HANDLED;
		}
	case '\n':
		if (pick) {
			char line[64];
			snprintf(line, sizeof line, "%s %ld", t->out_pick,
			    strtol(t->out_lines[t->out_sel], NULL, 10));
			t->out_shown = false;
			return run_command(t, line) | KH_HANDLED;
		}
		t->out_shown = false;
		break;
	case 27: case 'q': t->out_shown = false; break;
	default: return 0;
	}
	return KH_HANDLED | KH_REDRAW;
}

/* A click focuses the pane under it (and in the list of
 * recommendations picks the row; a double click explains it); the wheel
 * moves the selection of the pane under it. */
static int mouse_key(struct tui *t)
{
	MEVENT ev;
	if (getmouse(&ev) != OK || t->help || t->out_shown)
		return 0;
	for (int k = 0; k < PANE__COUNT; k++) {
		const struct rect *r = &t->pane_rect[k];
		if (ev.y < r->y || ev.y >= r->y + r->h || ev.x < r->x ||
		    ev.x >= r->x + r->w)
			continue;
		t->focus = (enum tui_pane)k;
		if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
			views[k]->key(t, ev.bstate & BUTTON4_PRESSED ? KEY_UP :
			    KEY_DOWN);
			return KH_HANDLED | KH_REDRAW;
		}
		struct tui_user *u = &t->u;
		int row = ev.y - u->list_y;
		if (k == PANE_USER && u->list_y >= 0 && row >= 0 &&
		    u->top + row < (int)u->nrec) {
			u->sel = u->top + row;
			if (ev.bstate & BUTTON1_DOUBLE_CLICKED)
				views[k]->key(t, '\n');
		}
		return KH_HANDLED | KH_REDRAW;
	}
	return 0;
}

static int handle_key(struct tui *t, struct prompt *p, int ch, bool is_key)
{
	if (p->kind != PR_NONE) {
		int r = prompt_key(t, p, ch, is_key);
		if (r == 0)
			return KH_REDRAW;
		int res = r > 0 ? prompt_done(t, p) : KH_REDRAW;
		p->kind = PR_NONE;
		return res;
	}
	if (t->too_small)
		return ch == 'q' ? KH_QUIT : 0;
	if (is_key && ch == KEY_MOUSE)
		return mouse_key(t);
	if (t->cmd_running && command_busy_key(t, ch))
		return KH_HANDLED | KH_REDRAW;
	int r = overlay_key(t, ch);
	if (r)
		return r;
	if ((r = views[t->focus]->key(t, ch)) != 0)
		return r;
	if (ch == '\n' || ch == KEY_ENTER)
		return do_action(t, p, ACT_EDIT);
	for (size_t k = 0; k < NBINDINGS; k++)
		if (bindings[k].key == ch && bindings[k].act != ACT_PANE)
			return do_action(t, p, bindings[k].act);
	return 0;
}

/* ------------------------------------------------------------ main */

static SCREEN *tui_screen;   /* of tui_run_io (newterm), else NULL */

static bool tui_start(struct tui *t, FILE *in, FILE *out)
{
	tui_utf8 = t->s->utf8 || strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (in) {
		tui_screen = newterm(NULL, out, in);
		if (!tui_screen)
			return false;
		set_term(tui_screen);
	} else {
		initscr();
	}
	tui_active = 1;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED |
	    BUTTON5_PRESSED, NULL);
	set_escdelay(25);
	timeout(in ? 5 : 50);
	tui_colors_init(t->s->color && getenv("NO_COLOR") == NULL);
	return true;
}

static void tui_free(struct tui *t)
{
	tui_run_destroy(t);
	/* stopped at exit, or still waiting for the insight thread to
	 * let it start: drop its output */
	if (t->cmd_done || t->cmd_running) {
		command_restore(t);
		free(t->cmd_ob);
		free(t->cmd_eb);
		free(t->cmd_line);
	}
	output_set(t, NULL, NULL);
	cmd_history_close(t->hist_path);
	t->hist_path = NULL;
}

/*
 * Keys from a file reach ncurses through a pipe of our own whose write
 * end stays open and whose read end does not block. At the file's end a
 * read then fails (EAGAIN) instead of returning 0: ncurses 6.4 reads the
 * rest of a mouse report in a loop that stops on -1 only, so a file
 * ending inside one ("ESC [ M" and fewer than three bytes) spun there
 * forever (a fuzz input, CI of 2026-12-05). A terminal that hangs up
 * reads 0 the same way, but the signal ends the program.
 */
struct feed {
	FILE *src;
	int rd, wr;
	bool eof;               /* src read to its end */
	size_t len, off;        /* buf[off..len): not yet in the pipe */
	char buf[4096];
};

static bool feed_open(struct feed *f, FILE *src)
{
	int p[2];
	memset(f, 0, sizeof *f);
	f->src = src;
	f->rd = f->wr = -1;
	if (pipe(p) != 0)
		return false;
	f->rd = p[0];
	f->wr = p[1];
	return fcntl(p[0], F_SETFL, O_NONBLOCK) == 0 &&
	    fcntl(p[1], F_SETFL, O_NONBLOCK) == 0;
}

/* Move what src has into the pipe, as much as it takes. */
static void feed_pump(struct feed *f)
{
	for (;;) {
		if (f->off == f->len) {
			if (f->eof)
				return;
			f->off = 0;
			f->len = fread(f->buf, 1, sizeof f->buf, f->src);
			if (f->len == 0) {
				f->eof = true;
				return;
			}
		}
		ssize_t w = write(f->wr, f->buf + f->off, f->len - f->off);
		if (w <= 0)
			return;         /* full: ncurses reads first */
		f->off += (size_t)w;
	}
}

static void feed_close(struct feed *f)
{
	if (f->wr >= 0)
		close(f->wr);
	f->wr = -1;
}

/* Keys from a file: at its end (read to the end, and every byte taken
 * by ncurses), the loop lets the work the keys started finish, then
 * ends. */
static bool io_done(struct tui *t, struct feed *f, int *idle_ticks)
{
	feed_pump(f);
	struct pollfd pf = { .fd = f->rd, .events = POLLIN };
	if (!f->eof || f->off < f->len || poll(&pf, 1, 0) > 0)
		return false;
	t->deadline = 0;        /* a debounced change starts now */
	bool busy = t->running || t->irunning || t->cmd_running ||
	    t->cmd_done || (t->autorun && t->s->pl.ds &&
	    pipeline_first_stale(&t->s->pl) < STAGE__COUNT);
	return !busy || ++*idle_ticks > 400;
}

int tui_run_io(struct session *s, FILE *in, FILE *out)
{
	static struct tui tui;
	static bool restore_registered;
	struct tui *t = &tui;
	struct prompt p = { .kind = PR_NONE };
	int rc = 0, idle = 0;
	struct feed feed;
	FILE *fin = NULL;
	memset(t, 0, sizeof *t);
	t->s = s;
	t->io_test = in != NULL;
	if (in) {
		if (!feed_open(&feed, in) ||
		    !(fin = fdopen(feed.rd, "r"))) {
			if (feed.rd >= 0)
				close(feed.rd);
			feed_close(&feed);
			fprintf(stderr, "distill: cannot pipe the keys: %s\n",
			    strerror(errno));
			return EXIT_STATUS_USAGE;
		}
		feed_pump(&feed);
	}
	t->hist_path = cmd_history_open();
	if (!restore_registered)
		atexit(tui_restore);
	restore_registered = true;
	util_set_fatal_hook(tui_restore);
	tui_cancel_flag = &s->cancel;
	tui_signals(true);
	if (!tui_start(t, fin, out)) {
		fprintf(stderr, "distill: no terminal description for "
		    "TERM=%s\n", getenv("TERM") ? getenv("TERM") : "");
		tui_signals(false);
		cmd_history_close(t->hist_path);
		if (fin) {
			fclose(fin);
			feed_close(&feed);
		}
		return EXIT_STATUS_USAGE;
	}
	tui_run_init(t);
	tui_snap_take(t);
	if (s->pl.ds)
		tui_user_select(t, 0);
	bool dirty = true;
	for (;;) {
		if (tui_term_sig) {
			rc = 128 + tui_term_sig;
			break;
		}
		if (tui_run_tick(t) || t->running)
			dirty = true;
		if (t->cmd_done)
			command_done(t);
		if (dirty)
			draw_all(t, &p);
		dirty = false;
		wint_t wc;
		int kr = get_wch(&wc);
		if (kr == ERR && fin && io_done(t, &feed, &idle))
			break;
		if (kr == ERR)
			continue;
		dirty = true;
		if (kr == KEY_CODE_YES && wc == KEY_RESIZE)
			continue;
		int ch = (int)wc;
		if (kr == OK && ch == '\r')
			ch = '\n';
		if (handle_key(t, &p, ch, kr == KEY_CODE_YES) & KH_QUIT)
			break;
	}
	tui_free(t);
	tui_restore();
	if (tui_screen) {
		delscreen(tui_screen);
		tui_screen = NULL;
	}
	tui_signals(false);
	tui_cancel_flag = NULL;
	if (fin) {
		fclose(fin);
		feed_close(&feed);
	}
	return rc;
}

int tui_run(struct session *s)
{
	return tui_run_io(s, NULL, NULL);
}
