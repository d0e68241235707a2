/*
 * distill — igraph-glue.c: the one place that configures igraph for an
 * interactive program. igraph's default error handler aborts the process,
 * which would kill a session over a bad parameter; we install a handler
 * that records igraph's reason in a thread-local buffer and returns, so
 * igraph calls return an error code that engine code turns into ERR_IGRAPH
 * (with the reason) or ERR_INTERRUPTED. Warnings are recorded silently and
 * igraph's interruption checks read the pipeline's cancel flag.
 *
 * igraph (Debian 0.10.2) is built without thread safety: call it from one
 * thread at a time, never from inside an OpenMP region.
 */
#include <igraph.h>
#include <stdio.h>
#include <string.h>

#include "pipeline.h"

static _Thread_local char igraph_reason[512];
static _Thread_local char igraph_warn_buf[512];
static volatile sig_atomic_t *igraph_cancel;
static bool igraph_ready;

/* Record the first non-empty reason since the last clear, then free
 * igraph's temporaries as its documentation requires. */
static void glue_error_handler(const char *reason, const char *file,
    int line, igraph_error_t code)
{
	if (igraph_reason[0] == '\0' && reason && reason[0] != '\0')
		snprintf(igraph_reason, sizeof igraph_reason, "%s (%s, %s:%d)",
		    reason, igraph_strerror(code), file ? file : "?", line);
	IGRAPH_FINALLY_FREE();
}

static void glue_warning_handler(const char *reason, const char *file,
    int line)
{
	(void)file;
	(void)line;
	snprintf(igraph_warn_buf, sizeof igraph_warn_buf, "%s",
	    reason ? reason : "");
}

static igraph_error_t glue_interruption_handler(void *data)
{
	(void)data;
	return igraph_cancel && *igraph_cancel ? IGRAPH_INTERRUPTED :
	    IGRAPH_SUCCESS;
}

void engine_igraph_init(void)
{
	if (igraph_ready)
		return;
	igraph_set_error_handler(glue_error_handler);
	igraph_set_warning_handler(glue_warning_handler);
	igraph_set_interruption_handler(glue_interruption_handler);
	igraph_ready = true;
}

void engine_igraph_set_cancel(volatile sig_atomic_t *flag)
{
	igraph_cancel = flag;
}

void engine_igraph_clear(void)
{
	igraph_reason[0] = '\0';
	igraph_warn_buf[0] = '\0';
}

const char *engine_igraph_last_warning(void)
{
	return igraph_warn_buf;
}

int engine_igraph_error(struct err *err, int rc, const char *what)
{
	/* An interruption can return without reaching the handler; drop any
	 * temporaries igraph left on its finally stack (ours never use it). */
	IGRAPH_FINALLY_FREE();
	if (rc == IGRAPH_INTERRUPTED)
		return err_set(err, ERR_INTERRUPTED, "%s: interrupted", what);
	int r = err_set(err, ERR_IGRAPH, "%s: igraph: %s", what,
	    igraph_reason[0] ? igraph_reason :
	    igraph_strerror((igraph_error_t)rc));
	igraph_reason[0] = '\0';
	return r;
}
