/*
 * distill — repl.c: the interactive prompt.
 *
 * Lines are read with readline's callback interface inside a pselect()
 * loop, so that signals are handled in one place and never inside
 * readline: Ctrl-C at the prompt clears the line, Ctrl-C during a command
 * sets s->cancel (the engine polls it and stops with ERR_INTERRUPTED,
 * keeping the previous results), a third Ctrl-C during one command forces
 * an exit, SIGWINCH resizes. Every command goes through cmd_run_line().
 *
 * Around readline this file adds the prompt (dataset and first stale
 * stage), redis-cli style hints drawn dimmed after the cursor by a custom
 * redisplay function, persistent history under $XDG_STATE_HOME and the
 * init file under $XDG_CONFIG_HOME.
 */
#include "config.h"
#include "repl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cmd.h"
#include "complete.h"
#include "progress.h"
#include "session.h"

#define HISTORY_MAX 2000
#define FORCE_QUIT_SIGINTS 3

/* Set by the signal handlers; the loop does the work. */
static volatile sig_atomic_t repl_sigint, repl_sigwinch, repl_busy;
static volatile sig_atomic_t *repl_cancel;

struct repl {
	struct session *s;
	bool stale_told;         /* the [stage*] marker was explained */
	struct progress prog;
	char *history;           /* history file, or NULL */
	char *line;              /* line accepted by readline */
	bool got_line, eof;
	bool hints;              /* draw hints (the prompt is on a tty) */
	bool hint_shown;         /* a hint is on screen after the cursor */
	bool hint_off;           /* the line is being accepted */
	int prompt_width;        /* visible columns of the prompt */
	char prompt[512];
	rl_completion_func_t *complete;
	struct sigaction old_int, old_winch;
};

/* Readline's callbacks carry no user pointer. */
static struct repl *repl_cur;

/* ---------------------------------------------------------------- paths */

/* $ENV/distill/FILE, or $HOME/FALLBACK/distill/FILE; NULL without both. */
static char *repl_xdg_path(const char *env, const char *fallback,
    const char *file)
{
	const char *base = getenv(env), *home = getenv("HOME");

	if (base && base[0] == '/')
		return xasprintf("%s/distill/%s", base, file);
	if (home && home[0])
		return xasprintf("%s/%s/distill/%s", home, fallback, file);
	return NULL;
}

char *repl_init_path(void)
{
	return repl_xdg_path("XDG_CONFIG_HOME", ".config", "distillrc");
}

char *repl_history_path(void)
{
	return repl_xdg_path("XDG_STATE_HOME", ".local/state", "history");
}

/* mkdir -p of the directory part of path (mode 0700, as XDG asks). */
static void repl_make_dirs(const char *path)
{
	char *p = xstrdup(path);

	for (char *q = strchr(p + 1, '/'); q; q = strchr(q + 1, '/')) {
		*q = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			break;
		*q = '/';
	}
	free(p);
}

int repl_source_init(struct session *s)
{
	char *path = repl_init_path();
	const struct cmd_entry *c = cmd_find("source", NULL, 0);
	int rc = 0;

	if (path && c && access(path, F_OK) == 0) {
		char *argv[] = { (char *)"source", path, NULL };
		/* quietly: its set lines would print their tables at every
		 * start (issue 12); errors still reach stderr */
		FILE *out = s->out, *null = fopen("/dev/null", "w");
		if (null)
			s->out = null;
		rc = c->exec(s, 2, argv) < 0 ? -1 : 0;
		s->out = out;
		if (null)
			fclose(null);
	}
	free(path);
	return rc;
}

/* -------------------------------------------------------------- history */

char *cmd_history_open(void)
{
	int fd;
	char *path;

	using_history();
	stifle_history(HISTORY_MAX);
	if ((path = repl_history_path()) == NULL)
		return NULL;
	repl_make_dirs(path);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd < 0) {
		fprintf(stderr, "distill: history %s: %s (not saved)\n",
		    path, strerror(errno));
		free(path);
		return NULL;
	}
	close(fd);
	read_history(path);
	return path;
}

/* Remember a line (not blank, not a repeat, not starting with a space;
 * trailing blanks that completion left are dropped), appending it to the
 * file at once so that a crash loses nothing. */
void cmd_history_add(const char *path, const char *line)
{
	HIST_ENTRY *last = history_length > 0 ?
	    history_get(history_base + history_length - 1) : NULL;
	size_t n = strlen(line);
	char *t;

	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (n == 0 || line[0] == ' ')
		return;
	t = xstrndup(line, n);
	if (!last || strcmp(last->line, t) != 0) {
		add_history(t);
		if (path)
			append_history(1, path);
	}
	free(t);
}

void cmd_history_close(char *path)
{
	if (path)
		history_truncate_file(path, HISTORY_MAX);
	free(path);
	clear_history();
}

/* --------------------------------------------------------------- prompt */

/* "distill ml-100k [filter*]> ": the dataset and the first stale stage;
 * colour escapes wrapped in \001..\002 for readline. */
static void repl_prompt(struct repl *r)
{
	const struct pipeline *pl = &r->s->pl;
	bool c = r->s->color;
	const char *on = c ? "\001\033[1m\002" : "", *off = c ?
	    "\001\033[0m\002" : "";
	const char *cy = c ? "\001\033[36m\002" : "", *ye = c ?
	    "\001\033[33m\002" : "";
	enum stage st = pipeline_first_stale(pl);
	char stale[40] = "", name[160] = "";

	if (pl->ds) {
		snprintf(name, sizeof name, " %s%s%s", cy, pl->ds->name, off);
		if (st < STAGE__COUNT)
			snprintf(stale, sizeof stale, " %s[%s*]%s", ye,
			    stage_name(st), off);
	}
	snprintf(r->prompt, sizeof r->prompt, "%sdistill%s%s%s> ", on, off,
	    name, stale);
	r->prompt_width = (int)strlen("distill> ") + (pl->ds ?
	    1 + (int)strlen(pl->ds->name) : 0) + (stale[0] ? 4 +
	    (int)strlen(stage_name(st)) : 0);
}

/* ---------------------------------------------------------------- hints */

/* Columns of UTF-8 text (one per code point; hints are plain text). */
static int repl_columns(const char *s, size_t n)
{
	int w = 0;

	for (size_t i = 0; i < n && s[i]; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

/* Erase a hint drawn after the cursor (the cursor is still there). */
static void repl_hint_erase(struct repl *r)
{
	if (r->hint_shown) {
		fputs("\033[K", rl_outstream);
		fflush(rl_outstream);
		r->hint_shown = false;
	}
}

/* Draw the hint for the current line after the cursor, cut to what fits
 * on the cursor's row, then put the cursor back. */
static void repl_hint_draw(struct repl *r)
{
	int rows, cols, used, avail, w;
	size_t n;
	char *h;

	if (!r->hints || r->hint_off || rl_point != rl_end || rl_end == 0)
		return;
	if ((h = complete_hint(r->s, rl_line_buffer)) == NULL)
		return;
	rl_get_screen_size(&rows, &cols);
	used = (r->prompt_width + repl_columns(rl_line_buffer, rl_end)) %
	    (cols > 0 ? cols : 80);
	avail = (cols > 0 ? cols : 80) - used - 1;
	n = strlen(h);
	while (n > 0 && repl_columns(h, n) > avail)
		n--;
	while (n > 0 && ((unsigned char)h[n] & 0xc0) == 0x80)
		n--;
	if (avail >= 4 && n > 0) {
		w = repl_columns(h, n);
		fprintf(rl_outstream, "\033[2m%.*s\033[0m\033[%dD", (int)n, h,
		    w);
		fflush(rl_outstream);
		r->hint_shown = true;
	}
	free(h);
}

/* rl_redisplay_function: readline's redisplay plus the hint. */
static void repl_redisplay(void)
{
	repl_hint_erase(repl_cur);
	rl_redisplay();
	repl_hint_draw(repl_cur);
}

/* Enter: erase the hint before readline moves to the next line. */
static int repl_accept(int count, int key)
{
	repl_cur->hint_off = true;
	repl_redisplay();
	return rl_newline(count, key);
}

/* Completion lists print below the line: erase the hint first. */
static char **repl_complete(const char *text, int start, int end)
{
	repl_hint_erase(repl_cur);
	return repl_cur->complete(text, start, end);
}

/* -------------------------------------------------------------- signals */

static void repl_on_sigint(int sig)
{
	static const char msg[] = "\r\ndistill: interrupted three times, "
	    "quitting\r\n";

	(void)sig;
	repl_sigint++;
	if (repl_cancel)
		flag_set(repl_cancel, 1);
	if (repl_busy && repl_sigint >= FORCE_QUIT_SIGINTS) {
		if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0)
			_exit(EXIT_STATUS_INTERRUPTED);
		_exit(EXIT_STATUS_INTERRUPTED);
	}
}

static void repl_on_sigwinch(int sig)
{
	(void)sig;
	repl_sigwinch = 1;
}

/* Install our handlers without SA_RESTART, so pselect() wakes up. */
static void repl_signals_install(struct repl *r)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = repl_on_sigint;
	sigaction(SIGINT, &sa, &r->old_int);
	sa.sa_handler = repl_on_sigwinch;
	sigaction(SIGWINCH, &sa, &r->old_winch);
	repl_cancel = &r->s->cancel;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
}

static void repl_signals_restore(struct repl *r)
{
	sigaction(SIGINT, &r->old_int, NULL);
	sigaction(SIGWINCH, &r->old_winch, NULL);
	repl_cancel = NULL;
}

/* ----------------------------------------------------------- line input */

/* readline's line handler: keep the line and leave readline mode, so
 * that the command's output meets a normal terminal. */
static void repl_on_line(char *line)
{
	repl_cur->got_line = true;
	repl_cur->eof = line == NULL;
	repl_cur->line = line;
	rl_callback_handler_remove();
}

/* Ctrl-C at the prompt: drop the line and start a fresh one. */
static void repl_clear_line(struct repl *r)
{
	r->hint_off = true;   /* readline may redisplay while resetting */
	rl_free_line_state();
	rl_callback_sigcleanup();
	rl_replace_line("", 0);
	rl_point = rl_end = 0;
	repl_hint_erase(r);
	fputs("^C", rl_outstream);
	rl_crlf();
	r->hint_off = false;
	rl_on_new_line();
	repl_redisplay();
}

/* Handle what the signal handlers flagged while waiting for input. */
static void repl_poll_signals(struct repl *r)
{
	if (repl_sigint) {
		repl_sigint = 0;
		flag_set(&r->s->cancel, 0);
		repl_clear_line(r);
	}
	if (repl_sigwinch) {
		repl_sigwinch = 0;
		repl_hint_erase(r);
		rl_resize_terminal();
	}
}

/* Read one line; NULL at end of input (Ctrl-D). The caller frees. */
static char *repl_read(struct repl *r)
{
	sigset_t block, wait;
	int fd = fileno(rl_instream);

	repl_prompt(r);
	r->got_line = r->eof = r->hint_off = r->hint_shown = false;
	r->line = NULL;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, &wait);
	rl_callback_handler_install(r->prompt, repl_on_line);
	while (!r->got_line) {
		fd_set fds;
		FD_ZERO(&fds);
		FD_SET(fd, &fds);
		if (pselect(fd + 1, &fds, NULL, NULL, NULL, &wait) < 0) {
			if (errno != EINTR) {
				rl_callback_handler_remove();
				r->eof = true;
				break;
			}
			repl_poll_signals(r);
			continue;
		}
		rl_callback_read_char();
	}
	sigprocmask(SIG_SETMASK, &wait, NULL);
	if (r->eof)
		fputc('\n', rl_outstream);
	return r->eof ? NULL : r->line;
}

/* ------------------------------------------------------------- commands */

/* Rows of the terminal on stdout, 0 when it is not one. */
static int term_rows(void)
{
	struct winsize ws;
	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
		return 0;
	return ws.ws_row;
}

/*
 * Output taller than the terminal goes through $PAGER (default less,
 * with LESS=FRX unless set: quit when it fits, keep colours, leave the
 * text on screen), as git does; the rest is printed as it is.
 */
static void repl_page(FILE *out, const char *buf, size_t len)
{
	int rows = term_rows();
	size_t lines = 0;
	for (size_t k = 0; k < len; k++)
		lines += buf[k] == '\n';
	const char *pager = getenv("PAGER");
	if (!pager || !*pager)
		pager = "less";
	FILE *p = NULL;
	if (rows > 0 && lines >= (size_t)rows && strcmp(pager, "cat") != 0) {
		fflush(out);
		setenv("LESS", getenv("LESS") ? getenv("LESS") : "FRX", 1);
		p = popen(pager, "w");
	}
	if (p) {
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);
		fwrite(buf, 1, len, p);
		pclose(p);      /* the pager quit: what it did not show is
		                   dropped, as with git */
		signal(SIGPIPE, old);
	} else {
		fwrite(buf, 1, len, out);
		fflush(out);
	}
}

/* Run one line with progress and Ctrl-C cancelling it; its output is
 * collected and paged when stdout is a terminal. */
static int repl_exec(struct repl *r, const char *line)
{
	struct session *s = r->s;
	int rc;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = s->out, *mem = term_rows() > 0 ?
	    open_memstream(&buf, &len) : NULL;

	flag_set(&s->cancel, 0);
	repl_sigint = 0;
	repl_busy = 1;
	progress_start(&r->prog);
	if (mem)
		s->out = mem;
	rc = cmd_run_line(s, line);
	if (mem) {
		s->out = out;
		fclose(mem);
		progress_done(&r->prog);
		repl_page(out, buf, len);
		free(buf);
	} else {
		progress_done(&r->prog);
	}
	repl_busy = 0;
	if (s->cancel)
		fprintf(s->err, "interrupted: the previous results are "
		    "kept\n");
	flag_set(&s->cancel, 0);
	repl_sigint = 0;
	return rc;
}

/* Load the dataset named on the command line, as `load DATASET`. */
static int repl_load(struct repl *r, const char *dataset)
{
	const struct cmd_entry *c = cmd_find("load", NULL, 0);
	char *argv[] = { (char *)"load", (char *)dataset, NULL };
	int rc;

	if (!c)
		return -1;
	flag_set(&r->s->cancel, 0);
	repl_busy = 1;
	progress_start(&r->prog);
	rc = c->exec(r->s, 2, argv);
	progress_done(&r->prog);
	repl_busy = 0;
	flag_set(&r->s->cancel, 0);
	return rc;
}

/*
 * First contact at a terminal: with no dataset (none given, none loaded by
 * the init file) open the bundled sample as the full-screen interface
 * does, and say in one line what is loaded and how to go on.
 */
static void repl_greet(struct repl *r, const char *dataset)
{
	struct session *s = r->s;
	if (!isatty(STDIN_FILENO))
		return;
	bool sample = false;
	if (!dataset && !s->pl.ds) {
		struct err e;
		sample = main_load_sample(s, &e) == 0;
	}
	if (s->pl.ds)
		fprintf(stderr, "distill %s · %s%s: %u users, %u items · help "
		    "lists the commands\n", VERSION, s->pl.ds->name ?
		    s->pl.ds->name : "dataset", sample ? " (bundled)" : "",
		    s->pl.ds->users.n, s->pl.ds->items.n);
	else
		fprintf(stderr, "distill %s · no dataset: load FILE · help "
		    "lists the commands\n", VERSION);
}

/* Readline settings: completion, hints, Enter, output stream. */
/* Ctrl-L: clear the screen and redraw the line being typed. readline's
 * clear-screen only redrew the line here (its termcap "cl" is not loaded
 * under the callback interface), so the ANSI sequence is written. */
static int repl_clear_screen(int count, int key)
{
	(void)count;
	(void)key;
	fputs("\033[H\033[2J", rl_outstream);
	fflush(rl_outstream);
	rl_forced_update_display();
	return 0;
}

static void repl_readline_setup(struct repl *r)
{
	const char *term = getenv("TERM");

	rl_instream = stdin;
	rl_outstream = isatty(STDOUT_FILENO) ? stdout : stderr;
	complete_install(r->s);
	r->complete = rl_attempted_completion_function;
	rl_attempted_completion_function = repl_complete;
	r->hints = isatty(fileno(rl_outstream)) &&
	    !(term && strcmp(term, "dumb") == 0);
	rl_redisplay_function = repl_redisplay;
	rl_bind_key('\r', repl_accept);
	rl_bind_key('\n', repl_accept);
	rl_bind_key('\f', repl_clear_screen);
}

int repl_run(struct session *s, const char *dataset)
{
	struct repl r = { .s = s };
	int status = EXIT_STATUS_OK;
	FILE *out, *err;
	char *line;

	repl_cur = &r;
	s->interactive = true;
	progress_init(&r.prog, stderr, s->color);
	s->pl.hooks.progress = progress_hook;
	s->pl.hooks.ud = &r.prog;
	s->pl.hooks.cancel = &s->cancel;
	out = s->out;
	err = s->err;
	s->out = progress_wrap(&r.prog, out);
	s->err = progress_wrap(&r.prog, err);
	repl_signals_install(&r);
	repl_readline_setup(&r);
	r.history = cmd_history_open();
	if (dataset && repl_load(&r, dataset) < 0)
		status = EXIT_STATUS_INPUT;
	repl_greet(&r, dataset);
	for (;;) {
		/* the first time the prompt shows [stage*], one line says
		 * what it means */
		if (!r.stale_told && s->pl.ds &&
		    pipeline_first_stale(&s->pl) < STAGE__COUNT) {
			enum stage st = pipeline_first_stale(&s->pl);
			fprintf(s->out, "[%s*]: %s onward is stale; run (or any "
			    "command that needs it) runs it\n", stage_name(st),
			    stage_name(st));
			fflush(s->out);
			r.stale_told = true;
		}
		if (s->quit || (line = repl_read(&r)) == NULL)
			break;
		cmd_history_add(r.history, line);
		repl_exec(&r, line);
		free(line);
	}
	cmd_history_close(r.history);
	r.history = NULL;
	repl_signals_restore(&r);
	if (s->out != out)
		fclose(s->out);
	if (s->err != err)
		fclose(s->err);
	s->out = out;
	s->err = err;
	s->pl.hooks.progress = NULL;
	s->pl.hooks.ud = NULL;
	rl_redisplay_function = rl_redisplay;
	repl_cur = NULL;
	return status;
}
