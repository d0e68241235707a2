/*
 * distill — fuzz/cmdline.c: the REPL's command line and session scripts.
 *
 * Default build (target `cmdline`): the input is split at newlines and
 * each line goes through cmd_run_line() on a fresh session that has the
 * teaching set loaded, as batch mode does; before that, the whole input
 * goes through cmd_split() (whose words must survive a re-quote and a
 * second split unchanged, as `save` relies on) and every word through
 * cmd_find(). With FUZZ_SOURCE (target `source`) the input is written to
 * a script file and replayed with `source script`. With FUZZ_ROUNDTRIP
 * (target `roundtrip`) the lines run as for cmdline, then the state is
 * saved and sourced into a fresh session, which must hold the same
 * parameters and, when there were metrics, the same metrics bit for bit.
 *
 * The session works in a private directory under /tmp; sandbox.c refuses
 * writes anywhere else and reads of devices and fifos. A command still
 * running after 2 s is cancelled as Ctrl-C would (s->cancel), so only a
 * command that ignores cancellation reaches libFuzzer's -timeout.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "fuzz.h"
#include "sandbox.h"
#include "session.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

static char dir[64];
static FILE *devnull;
static timer_t timer;
static volatile sig_atomic_t *cancel_flag;

static void on_timer(int sig)
{
	(void)sig;
	if (cancel_flag)
		*cancel_flag = 1;
}

/* Copy a sample file into the sandbox directory. */
static void copy_sample(const char *name)
{
	char src[4096], dst[4096];
	snprintf(src, sizeof src, "%s/samples/%s", FUZZ_SRCDIR, name);
	snprintf(dst, sizeof dst, "%s/%s", dir, name);
	fuzz_copy(src, dst);
}

/* Remove the sandbox directory when the fuzzer exits. */
static void cleanup(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Delete what earlier inputs wrote, keeping the samples. */
static void reset_dir(void)
{
	DIR *d = opendir(".");
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && strncmp(e->d_name, "teach", 5))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
}

static void setup(void)
{
	struct sigevent sev = { 0 };
	strcpy(dir, "/tmp/distill-fuzz-XXXXXX");
	if (!mkdtemp(dir) || chdir(dir) != 0)
		abort();
	atexit(cleanup);
	copy_sample("teach.tsv");
	copy_sample("teach-items.csv");
	devnull = fopen("/dev/null", "w");
	signal(SIGRTMIN + 2, on_timer);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN + 2;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0)
		abort();
	sandbox_enter(dir);
}

/* Cancel after `seconds`, then every 50 ms (session_ensure clears the
 * flag before each stage run, so later commands are cancelled too). */
static void arm(int seconds)
{
	struct itimerspec its = { { 0, seconds ? 50000000 : 0 },
		{ seconds, 0 } };
	timer_settime(timer, 0, &its, NULL);
}

#ifndef FUZZ_SOURCE
/* cmd_split: re-quoting the words and splitting again is the identity. */
static void check_split(const char *line)
{
	char why[256], *buf;
	int argc, argc2;
	char **argv, **argv2;
	if (cmd_split(line, &argc, &argv, why, sizeof why) < 0) {
		if (!why[0] || argv || argc)
			abort();
		return;
	}
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f)
		abort();
	for (int k = 0; k < argc; k++) {
		cmd_put_word(f, argv[k]);   /* as save writes them */
		fputc(' ', f);
		cmd_find(argv[k], why, sizeof why);
	}
	fclose(f);
	if (cmd_split(buf, &argc2, &argv2, why, sizeof why) < 0 ||
	    argc2 != argc)
		abort();
	for (int k = 0; k < argc; k++)
		if (strcmp(argv[k], argv2[k]) != 0)
			abort();
	cmd_free_words(argc, argv);
	cmd_free_words(argc2, argv2);
	free(buf);
}

/* Run every line of text (NUL-terminated, modified) in the session. */
static void run_lines(struct session *s, char *text)
{
	for (char *line = text, *nl; line && !s->quit; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		s->source_line++;
		cmd_run_line(s, line);
	}
}

#endif

#ifdef FUZZ_ROUNDTRIP
/*
 * Whatever state the commands left, `save` then `source` in a fresh
 * session gives the same parameters, and when the first session had
 * metrics, the same metrics bit for bit (the promise of save).
 */
static void roundtrip(struct session *s)
{
	if (s->quit || !s->pl.ds || s->pl.imp)
		return;
	bool had = s->pl.fresh[STAGE_RECOMMEND];
	struct eval_result ev = s->pl.rec.ev;
	flag_set(&s->cancel, 0);
	if (cmd_run_line(s, "save rt.distill") != 0)
		return;             /* e.g. no writable state: nothing promised */
	struct session t;
	session_init(&t);
	t.out = devnull;
	t.err = devnull;
	engine_igraph_set_cancel(&t.cancel);
	if (cmd_run_line(&t, "source rt.distill") != 0)
		abort();
	for (int id = 0; id < P__COUNT; id++) {
		char a[256], b[256];
		params_format(&s->pl.params, id, a, sizeof a);
		params_format(&t.pl.params, id, b, sizeof b);
		if (strcmp(a, b) != 0)
			abort();
	}
	if (had) {
		if (session_ensure(&t, STAGE_RECOMMEND) != 0)
			abort();
		const struct eval_result *e2 = &t.pl.rec.ev;
		if (e2->nk != ev.nk || e2->n_users != ev.n_users ||
		    e2->target != ev.target ||
		    memcmp(e2->row, ev.row, (size_t)ev.nk * sizeof *ev.row))
			abort();
	}
	session_destroy(&t);
	engine_igraph_set_cancel(&s->cancel);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session s;
	if (!devnull)
		setup();
	reset_dir();
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	session_init(&s);
	s.out = devnull;
	s.err = devnull;
	s.keep_going = true;
	engine_igraph_set_cancel(&s.cancel);  /* as main.c does */
	if (cmd_run_line(&s, "load teach.tsv") != 0)
		abort();
	cancel_flag = &s.cancel;
	sandbox_active(true);
	arm(2);
#ifdef FUZZ_SOURCE
	if (fuzz_write_file("script", data, size) == 0)
		cmd_run_line(&s, "source script");
#else
	check_split(text);
	s.source_file = "fuzz";
	run_lines(&s, text);
	s.source_file = NULL;
#endif
	arm(0);
#ifdef FUZZ_ROUNDTRIP
	roundtrip(&s);
#endif
	sandbox_active(false);
	cancel_flag = NULL;
	session_destroy(&s);
	engine_igraph_set_cancel(NULL);  /* s is gone: no dangling pointer */
	free(text);
	return 0;
}
