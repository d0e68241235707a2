/*
 * distill — main.c: command-line options and the choice of front end.
 *
 *   distill [DATASET]            full-screen TUI on a terminal (the bundled
 *                                sample when no DATASET is given)
 *   distill --repl [DATASET]     the readline prompt
 *   distill -c 'cmd; cmd' | -f SCRIPT | < SCRIPT
 *                                batch mode: no prompts, results on stdout,
 *                                errors on stderr, stop at the first error
 *                                (exit status 1) unless -k
 *
 * Exit statuses are enum exit_status (session.h), documented in distill(1).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "params.h"
#include "repl.h"
#include "progress.h"
#include "session.h"
#include "tui.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/distill"
#endif
#ifndef SRCDIR
#define SRCDIR "."
#endif

struct options {
	const char **cmds;      /* -c, in order */
	int ncmds;
	const char *script;     /* -f */
	const char *dataset;
	bool repl, no_init, no_color, keep_going;
	int fmt;                /* -1: default */
};

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: distill [options] [DATASET]\n"
	    "  --repl             line prompt instead of the full-screen UI\n"
	    "  -c 'CMD; CMD'      run commands (batch mode)\n"
	    "  -f SCRIPT          run a script ('-' for stdin)\n"
	    "  -k                 batch: keep going after an error\n"
	    "  --format FORMAT    table, csv or json: JSON Lines, one document per\n"
	    "                     command (--json, --json-lines, --csv)\n"
	    "  --no-color         no ANSI colour (also NO_COLOR)\n"
	    "  --no-init          do not read the init file\n"
	    "  --version, --help\n"
	    "Commands are documented by 'help' and in distill(1).\n");
}

/* Hidden options for tests/man-check.sh: the names the man page must
 * document, derived from the command table and the parameter registry. */
static void list_commands(void)
{
	for (size_t k = 0; k < cmd_count; k++)
		printf("%s\n", cmd_table[k].name);
}

static void list_params(void)
{
	for (int k = 0; k < P__COUNT; k++)
		printf("%s\n", params_def(k)->name);
}

/* Parse argv; returns -1 to exit with *status. */
static int parse_args(int argc, char **argv, struct options *o, int *status)
{
	enum { O_REPL = 256, O_FORMAT, O_JSON, O_CSV, O_NOCOLOR, O_NOINIT,
	    O_VERSION, O_LISTCMD, O_LISTPARAM };
	static const struct option lopts[] = {
		{ "repl", no_argument, NULL, O_REPL },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "json", no_argument, NULL, O_JSON },
		{ "json-lines", no_argument, NULL, O_JSON },
		{ "csv", no_argument, NULL, O_CSV },
		{ "no-color", no_argument, NULL, O_NOCOLOR },
		{ "no-init", no_argument, NULL, O_NOINIT },
		{ "version", no_argument, NULL, O_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ "list-commands", no_argument, NULL, O_LISTCMD },
		{ "list-params", no_argument, NULL, O_LISTPARAM },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	o->cmds = xcalloc(argc + 1, sizeof *o->cmds);
	o->fmt = -1;
	*status = EXIT_STATUS_OK;
	while ((ch = getopt_long(argc, argv, "c:f:khV", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->cmds[o->ncmds++] = optarg; break;
		case 'f': o->script = optarg; break;
		case 'k': o->keep_going = true; break;
		case O_REPL: o->repl = true; break;
		case O_NOCOLOR: o->no_color = true; break;
		case O_NOINIT: o->no_init = true; break;
		case O_JSON: o->fmt = OUT_JSON; break;
		case O_CSV: o->fmt = OUT_CSV; break;
		case O_FORMAT:
			if ((o->fmt = out_format_lookup(optarg)) < 0) {
				fprintf(stderr, "distill: --format: '%s' is not "
				    "table, csv or json\n", optarg);
				*status = EXIT_STATUS_USAGE;
				return -1;
			}
			break;
		case 'h': usage(stdout); return -1;
		case 'V': case O_VERSION:
			printf("distill %s\n", PACKAGE_VERSION);
			return -1;
		case O_LISTCMD: list_commands(); return -1;
		case O_LISTPARAM: list_params(); return -1;
		default:
			usage(stderr);
			*status = EXIT_STATUS_USAGE;
			return -1;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "distill: more than one DATASET given\n");
		usage(stderr);
		*status = EXIT_STATUS_USAGE;
		return -1;
	}
	o->dataset = optind < argc ? argv[optind] : NULL;
	return 0;
}

/* ------------------------------------------------------------ batch */

/* The progress line of batch mode: on stderr when it is a terminal, for
 * commands that run longer than PROGRESS_DELAY_MS; NULL otherwise. */
static struct progress *batch_prog;

static int batch_line(struct session *s, const char *line)
{
	if (batch_prog)
		progress_start(batch_prog);
	int rc = cmd_run_line(s, line);
	if (batch_prog)
		progress_done(batch_prog);
	return rc;
}

/* Run every line of f; lines are numbered for error messages. -1 when
 * a command failed, -2 when the script cannot be read. */
static int batch_stream(struct session *s, FILE *f, const char *name)
{
	return cmd_run_script(s, f, name, batch_line, s->keep_going);
}

/* Load DATASET given on the command line as `load DATASET` would. */
static int load_dataset(struct session *s, const char *path)
{
	char *argv[] = { (char *)"load", (char *)path, NULL };
	const struct cmd_entry *c = cmd_find("load", NULL, 0);
	return c->exec(s, 2, argv);
}

static int batch_run_cmds(struct session *s, const struct options *o)
{
	int status = 0;

	if (o->dataset && load_dataset(s, o->dataset) < 0)
		return EXIT_STATUS_INPUT;
	for (int k = 0; k < o->ncmds && !s->quit; k++)
		if (batch_line(s, o->cmds[k]) < 0) {
			status = -1;
			if (!s->keep_going)
				return EXIT_STATUS_COMMAND;
		}
	if (o->script && !s->quit) {
		FILE *f = strcmp(o->script, "-") ? fopen(o->script, "r") :
		    stdin;
		if (!f) {
			fprintf(stderr, "distill: %s: cannot open: %m\n",
			    o->script);
			return EXIT_STATUS_INPUT;
		}
		int r = batch_stream(s, f, o->script);
		if (f != stdin)
			fclose(f);
		if (r == -2)
			return EXIT_STATUS_INPUT;
		if (r < 0)
			status = -1;
	} else if (o->ncmds == 0 && !s->quit) {
		int r = batch_stream(s, stdin, "stdin");
		if (r == -2)
			return EXIT_STATUS_INPUT;
		if (r < 0)
			status = -1;
	}
	return status < 0 ? EXIT_STATUS_COMMAND : EXIT_STATUS_OK;
}

/* Batch mode: a fatal signal while a file is written removes its
 * temporary, then the signal takes its default course (exit status
 * 128 + N, as the shell expects). */
static void batch_fatal(int sig)
{
	outfile_signal_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int batch_run(struct session *s, const struct options *o)
{
	static const int fatal[] = { SIGINT, SIGTERM, SIGHUP, SIGXFSZ };
	for (size_t k = 0; k < sizeof fatal / sizeof *fatal; k++) {
		/* a signal ignored by whoever started us stays ignored */
		struct sigaction old;
		if (sigaction(fatal[k], NULL, &old) == 0 &&
		    old.sa_handler != SIG_IGN)
			signal(fatal[k], batch_fatal);
	}
	struct progress prog;
	FILE *out = s->out, *err = s->err;
	progress_init(&prog, stderr, s->color);
	if (prog.enabled) {
		batch_prog = &prog;
		s->pl.hooks.progress = progress_hook;
		s->pl.hooks.ud = &prog;
		s->out = progress_wrap(&prog, out);
		s->err = progress_wrap(&prog, err);
	}
	int status = batch_run_cmds(s, o);
	if (prog.enabled) {
		fclose(s->out);
		fclose(s->err);
		s->out = out;
		s->err = err;
		s->pl.hooks.progress = NULL;
		s->pl.hooks.ud = NULL;
		batch_prog = NULL;
	}
	return status;
}

/* ------------------------------------------------------------ TUI */

static bool file_exists(const char *path)
{
	return access(path, R_OK) == 0;
}

/* The bundled sample: $DISTILL_SAMPLES, the installed data directory,
 * then the source tree. Returns a malloc'd directory or NULL. */
char *main_samples_dir(void)
{
	const char *env = getenv("DISTILL_SAMPLES");
	const char *dirs[] = { env, PKGDATADIR, SRCDIR "/samples" };
	for (size_t k = 0; k < sizeof dirs / sizeof dirs[0]; k++) {
		if (!dirs[k] || !dirs[k][0])
			continue;
		char *p = xasprintf("%s/sample.csv", dirs[k]);
		bool ok = file_exists(p);
		free(p);
		if (ok)
			return xstrdup(dirs[k]);
	}
	return NULL;
}

/* Load the dataset for the TUI (the bundled sample with its metadata
 * when none is given). */
int main_load_sample(struct session *s, struct err *e)
{
	struct load_opts lo = { 0 };
	char *dir = main_samples_dir();
	if (!dir)
		return err_set(e, ERR_NOTFOUND, "the bundled sample was not "
		    "found (set DISTILL_SAMPLES or give a DATASET)");
	char *path = xasprintf("%s/sample.csv", dir);
	char *items = xasprintf("%s/sample-items.csv", dir);
	if (file_exists(items))
		lo.items_path = items;
	int rc = pipeline_load(&s->pl, path, &lo, e);
	free(dir);
	free(path);
	free(items);
	return rc;
}

static int tui_load(struct session *s, const char *dataset)
{
	struct load_opts lo = { 0 };
	struct err e;
	err_clear(&e);
	int rc = dataset ? pipeline_load(&s->pl, dataset, &lo, &e) :
	    main_load_sample(s, &e);
	if (rc < 0)
		fprintf(stderr, "distill: %s\n", e.msg);
	return rc;
}

/* ------------------------------------------------------------ main */

static void fatal_hook(void)
{
	fputs("distill: out of memory\n", stderr);
}

static void session_setup(struct session *s, const struct options *o,
    bool interactive)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	s->interactive = interactive;
	s->keep_going = o->keep_going;
	s->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	s->color = isatty(STDOUT_FILENO) && !o->no_color &&
	    !(nc && nc[0]) && !(term && strcmp(term, "dumb") == 0);
	if (o->fmt >= 0)
		s->fmt = o->fmt;
	engine_igraph_set_cancel(&s->cancel);
}

/* Results that never reached standard output (a full disk, /dev/full, a
 * closed pipe with SIGPIPE ignored) fail the run, as coreutils'
 * close_stdout does (issue 13). */
static int check_stdout(int status)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return status;
	if (errno)
		fprintf(stderr, "distill: standard output: %s\n",
		    strerror(errno));
	else
		fprintf(stderr, "distill: standard output: write error "
		    "(results were lost)\n");
	return status ? status : EXIT_STATUS_COMMAND;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct session s;
	int status;

	util_huge_heap(argv);
	util_tune_malloc();
	util_start_threads();
	setlocale(LC_ALL, "");
	util_set_fatal_hook(fatal_hook);
	engine_igraph_init();
	if (parse_args(argc, argv, &o, &status) < 0) {
		free(o.cmds);
		return status;
	}
	bool batch = o.ncmds > 0 || o.script ||
	    (!isatty(STDIN_FILENO) && !o.repl);
	session_init(&s);
	session_setup(&s, &o, !batch);
	if (batch)
		status = batch_run(&s, &o);
	else if (o.repl || !isatty(STDOUT_FILENO)) {
		if (!o.no_init)
			repl_source_init(&s);
		status = repl_run(&s, o.dataset);
	} else if (tui_load(&s, o.dataset) < 0)
		status = EXIT_STATUS_INPUT;
	else
		status = tui_run(&s);
	session_destroy(&s);
	free(o.cmds);
	return check_stdout(status);
}
