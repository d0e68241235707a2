/*
 * distill — session.c: the state one front end works on: the pipeline,
 * the undo/redo history of parameter changes, error reporting with the
 * script position, and id/title resolution shared by every command.
 */
#include "session.h"
#include "out.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

/* Undo/redo: stacks of whole parameter sets (small, fixed-size structs). */
struct history {
	struct params *undo, *redo;
	size_t nundo, nredo, capundo, capredo;
	struct trail_entry *trail;
	size_t ntrail, captrail;
	/* the configuration session_trail_note saw last: a command that
	 * leaves it as it was (help, rec, why …) does not scan the trail */
	struct params noted;
	bool have_noted;
};

void session_init(struct session *s)
{
	memset(s, 0, sizeof *s);
	pipeline_init(&s->pl);
	s->pl.hooks.cancel = &s->cancel;
	s->fmt = OUT_TABLE;
	s->out = stdout;
	s->out_fd = STDOUT_FILENO;
	s->err = stderr;
	s->priv = xcalloc(1, sizeof(struct history));
}

void session_destroy(struct session *s)
{
	struct history *h = s->priv;
	pipeline_destroy(&s->pl);
	if (h) {
		free(h->undo);
		free(h->redo);
		free(h->trail);
		free(h);
	}
	s->priv = NULL;
}

/* ------------------------------------------------------------ messages */

static void report(struct session *s, const char *kind, const char *fmt,
    va_list ap)
{
	fflush(s->out);
	if (s->source_file)
		fprintf(s->err, "%s:%ld: ", s->source_file, s->source_line);
	fprintf(s->err, "%s: ", kind);
	/* a message may quote input (a command, an id): never raw control
	 * bytes on the terminal */
	char buf[2048];
	vsnprintf(buf, sizeof buf, fmt, ap);
	char *v = out_visible(buf);
	fputs(v, s->err);
	free(v);
	fputc('\n', s->err);
	fflush(s->err);
}

int session_error(struct session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(s, "error", fmt, ap);
	va_end(ap);
	return -1;
}

int session_err(struct session *s, const struct err *e)
{
	return session_error(s, "%s", e->msg[0] ? e->msg :
	    err_code_name(e->code));
}

void session_warn(struct session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(s, "warning", fmt, ap);
	va_end(ap);
}

int session_ensure(struct session *s, enum stage upto)
{
	struct err e;
	err_clear(&e);
	flag_set(&s->cancel, 0);
	if (pipeline_run(&s->pl, upto, &e) < 0)
		return session_err(s, &e);
	return 0;
}

int session_insight(struct session *s, int st)
{
	struct err e;
	err_clear(&e);
	flag_set(&s->cancel, 0);
	if ((st < 0 ? pipeline_insight_all(&s->pl, &e) :
	    pipeline_insight(&s->pl, (enum stage)st, &e)) < 0)
		return session_err(s, &e);
	return 0;
}

/* ------------------------------------------------------------ lookups */

int param_unknown(struct session *s, const char *name)
{
	struct err e;
	params_unknown(name, &e);
	return session_err(s, &e);
}

int64_t session_user(struct session *s, const char *arg)
{
	struct err e;
	int64_t u = pipeline_user(&s->pl, arg, &e);
	return u >= 0 ? u : session_err(s, &e);
}

int64_t session_item(struct session *s, const char *arg)
{
	struct err e;
	int64_t i = pipeline_item(&s->pl, arg, &e);
	return i >= 0 ? i : session_err(s, &e);
}

/* ------------------------------------------------------------ undo */

static void push(struct params **stk, size_t *n, size_t *cap,
    const struct params *p)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*stk = xreallocarray(*stk, *cap, sizeof **stk);
	}
	(*stk)[(*n)++] = *p;
}

void session_history_mark(const struct session *s, struct history_mark *m)
{
	const struct history *h = s->priv;
	m->nundo = h->nundo;
	m->nredo = h->nredo;
}

void session_history_reset(struct session *s, const struct history_mark *m)
{
	struct history *h = s->priv;
	h->nundo = m->nundo;
	h->nredo = m->nredo;
}

int session_set(struct session *s, const char *name, const char *value)
{
	struct params before = s->pl.params;
	struct err e;
	if (pipeline_set(&s->pl, name, value, &e) < 0)
		return session_err(s, &e);
	if (memcmp(&before, &s->pl.params, sizeof before) != 0)
		session_history_push(s, &before);
	return 0;
}

void session_history_push(struct session *s, const struct params *before)
{
	struct history *h = s->priv;
	push(&h->undo, &h->nundo, &h->capundo, before);
	h->nredo = 0;
}

bool session_history_back(struct session *s, const struct params *cur,
    struct params *out)
{
	struct history *h = s->priv;
	if (h->nundo == 0)
		return false;
	push(&h->redo, &h->nredo, &h->capredo, cur);
	*out = h->undo[--h->nundo];
	return true;
}

bool session_history_forward(struct session *s, const struct params *cur,
    struct params *out)
{
	struct history *h = s->priv;
	if (h->nredo == 0)
		return false;
	push(&h->undo, &h->nundo, &h->capundo, cur);
	*out = h->redo[--h->nredo];
	return true;
}

void session_history_depth(const struct session *s, size_t *n_undo,
    size_t *n_redo)
{
	const struct history *h = s->priv;
	if (n_undo)
		*n_undo = h->nundo;
	if (n_redo)
		*n_redo = h->nredo;
}

int session_undo(struct session *s)
{
	struct params p;
	if (!session_history_back(s, &s->pl.params, &p))
		return -1;
	struct err e;
	err_clear(&e);
	if (pipeline_set_all(&s->pl, &p, &e) < 0)
		return session_err(s, &e);
	return 0;
}

int session_redo(struct session *s)
{
	struct params p;
	if (!session_history_forward(s, &s->pl.params, &p))
		return -1;
	struct err e;
	err_clear(&e);
	if (pipeline_set_all(&s->pl, &p, &e) < 0)
		return session_err(s, &e);
	return 0;
}

void session_history_clear(struct session *s)
{
	struct history *h = s->priv;
	h->nundo = h->nredo = 0;
	h->ntrail = 0;
	h->have_noted = false;
	s->pinned = s->pin_have_ev = false;
	s->have_best = false;
}

/* The parameters that decide what is scored and how. */
static bool eval_setting(int id)
{
	const char *n = params_def(id)->name;
	return strncmp(n, "split.", 6) == 0 || strncmp(n, "eval.", 5) == 0 ||
	    id == P_REC_N;
}

const struct eval_result *session_pin_ev(const struct session *s,
    const struct params *cur)
{
	if (!s->pinned || !s->pin_have_ev)
		return NULL;
	for (int id = 0; id < P__COUNT; id++) {
		char a[256], b[256];
		if (!eval_setting(id))
			continue;
		params_format(&s->pin, id, a, sizeof a);
		params_format(cur, id, b, sizeof b);
		if (strcmp(a, b) != 0)
			return NULL;
	}
	return &s->pin_ev;
}

/* ------------------------------------------------------------ trail */

void session_trail_add(struct session *s, const struct params *p,
    const struct eval_result *ev, const char *origin)
{
	struct history *h = s->priv;
	/* a configuration is listed once, where it was first evaluated */
	for (size_t k = h->ntrail; k-- > 0;)
		if (memcmp(&h->trail[k].p, p, sizeof *p) == 0)
			return;
	if (h->ntrail == TRAIL_MAX) {
		/* the oldest go: a session keeps its last TRAIL_MAX */
		memmove(h->trail, h->trail + 1, (TRAIL_MAX - 1) *
		    sizeof *h->trail);
		h->ntrail--;
	}
	if (h->ntrail == h->captrail) {
		h->captrail = h->captrail ? h->captrail * 2 : 16;
		h->trail = xreallocarray(h->trail, h->captrail,
		    sizeof *h->trail);
	}
	struct trail_entry *t = &h->trail[h->ntrail++];
	t->p = *p;
	t->ev = *ev;
	snprintf(t->origin, sizeof t->origin, "%s", origin);
}

void session_trail_note(struct session *s, const char *origin)
{
	struct history *h = s->priv;
	if (!s->pl.ds || !s->pl.fresh[STAGE_RECOMMEND] || (h->have_noted &&
	    memcmp(&h->noted, &s->pl.params, sizeof h->noted) == 0))
		return;
	h->noted = s->pl.params;
	h->have_noted = true;
	session_trail_add(s, &s->pl.params, &s->pl.rec.ev, origin);
}

size_t session_trail(const struct session *s, const struct trail_entry **t)
{
	const struct history *h = s->priv;
	*t = h->trail;
	return h->ntrail;
}
