/*
 * distill — fuzz/tui.c: the TUI's key handler. The input is a stream of
 * terminal bytes (keys, escape sequences, mouse reports, ':' command
 * lines) fed through a pipe to the real event loop (tui_run_io: newterm
 * on TERM=xterm, the screen drawn to /dev/null) over a session with the
 * teaching set loaded: every key binding, prompt, overlay and pane, the
 * worker and insight threads and the ':' commands they run. The loop
 * ends when the input is exhausted and the work it started is done.
 *
 * As for the cmdline target, the session works in a private directory
 * and sandbox.c keeps writes inside it (a ':save' or ':export' included);
 * HOME and XDG_STATE_HOME point there, so the ':' history file does too.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "repl.h"
#include "fuzz.h"
#include "sandbox.h"
#include "session.h"
#include "tui.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

static char dir[64];
static FILE *devnull;

/* main.c's, for repl.c (linked for the ':' history): never reached */
int main_load_sample(struct session *s, struct err *e)
{
	(void)s;
	return err_set(e, ERR_STATE, "no sample in the fuzzer");
}

/* Copy a sample file into the sandbox directory. */
static void copy_sample(const char *name)
{
	char src[4096], dst[4096];
	snprintf(src, sizeof src, "%s/samples/%s", FUZZ_SRCDIR, name);
	snprintf(dst, sizeof dst, "%s/%s", dir, name);
	fuzz_copy(src, dst);
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char p[4096];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		if (e->d_type == DT_DIR)
			rm_tree(p);
		else
			unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static void cleanup(void)
{
	rm_tree(dir);
}

static void setup(void)
{
	strcpy(dir, "/tmp/distill-fuzz-tui-XXXXXX");
	if (!mkdtemp(dir) || chdir(dir) != 0)
		abort();
	atexit(cleanup);
	copy_sample("teach.tsv");
	copy_sample("teach-items.csv");
	devnull = fopen("/dev/null", "w");
	setenv("TERM", "xterm", 1);
	setenv("HOME", dir, 1);
	setenv("XDG_STATE_HOME", dir, 1);
	setenv("XDG_CONFIG_HOME", dir, 1);
	unsetenv("NO_COLOR");
	sandbox_enter(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds[2];
	if (!devnull)
		setup();
	if (size > 4096)        /* one pipe write, never blocking */
		return 0;
	struct session s;
	session_init(&s);
	s.out = devnull;
	s.err = devnull;
	s.interactive = true;
	s.color = true;
	s.utf8 = true;
	engine_igraph_set_cancel(&s.cancel);
	if (cmd_run_line(&s, "load teach.tsv --items teach-items.csv") != 0)
		abort();
	if (pipe(fds) != 0)
		abort();
	if (size && write(fds[1], data, size) != (ssize_t)size)
		abort();
	close(fds[1]);
	FILE *in = fdopen(fds[0], "r");
	sandbox_active(true);
	tui_run_io(&s, in, devnull);
	sandbox_active(false);
	fclose(in);
	session_destroy(&s);
	engine_igraph_set_cancel(NULL);
	return 0;
}
