/*
 * distill — repl.h: the interactive line prompt (GNU readline).
 *
 * The REPL reads lines with readline, runs each through cmd_run_line()
 * (the one command table), keeps persistent history and shows progress of
 * long commands on stderr. Ctrl-C cancels the running command (the
 * previous results stay) or clears the line at the prompt; Ctrl-D exits.
 *
 * Order of calls in main.c for `--repl` or a terminal stdin:
 *
 *	session_init(&s);             (s.interactive, s.color set by main)
 *	if (!no_init)
 *		repl_source_init(&s); (the user's distillrc, if any)
 *	status = repl_run(&s, dataset);
 *	session_destroy(&s);
 */
#ifndef DISTILL_REPL_H
#define DISTILL_REPL_H

struct session;

/*
 * Run the prompt until Ctrl-D, `quit` or `exit`. `dataset` (may be NULL)
 * is loaded first, as if the user had typed `load DATASET`. Installs
 * SIGINT/SIGWINCH handlers and the engine's cancel/progress hooks for the
 * duration and restores them before returning. Returns the process exit
 * status (EXIT_STATUS_OK, or EXIT_STATUS_INPUT when the dataset given on
 * the command line could not be loaded and the user then quit).
 */
int repl_run(struct session *s, const char *dataset);
struct err;
/* Load the bundled sample with its titles (main.c); -1 with e set. */
int main_load_sample(struct session *s, struct err *e);

/*
 * Replay the init file $XDG_CONFIG_HOME/distill/distillrc (fallback
 * ~/.config/distill/distillrc) when it exists, as `source FILE` would.
 * A missing file is not an error. Returns 0, or -1 when a line failed
 * (reported on s->err as FILE:LINE; the session stays usable).
 */
int repl_source_init(struct session *s);

/* The path of the init file or the history file (malloc'd; the caller
 * frees), following the XDG base-directory rules. */
char *repl_init_path(void);
char *repl_history_path(void);

/*
 * The command history that the REPL and the TUI's ':' line share:
 * readline's history list, kept in repl_history_path() (at most
 * HISTORY_MAX lines). open reads it and returns the path (NULL: not
 * saved, said on stderr); add appends a line (not blank, not a repeat,
 * not starting with a space) to the list and the file at once; close
 * trims the file and frees the path and the list.
 */
char *cmd_history_open(void);
void cmd_history_add(const char *path, const char *line);
void cmd_history_close(char *path);

#endif
