/*
 * distill — cmd-param.c: set, get, params, undo, redo. A parameter change
 * prints what changed; when the pipeline had results it re-runs the stages
 * that went stale and prints the headline statistics before → after.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmds.h"
#include "explain.h"
#include "out.h"

/* The last stage with a fresh result, or -1. */
static int furthest_fresh(const struct pipeline *pl)
{
	int had = -1;
	for (int st = 0; st < STAGE__COUNT; st++)
		if (pl->fresh[st])
			had = st;
		else
			break;
	return had;
}

/* The rows "parameter, a's value, b's value, stage" of every parameter
 * where a and b differ (the table is open); how many. */
static int param_rows(struct out *o, const struct params *a,
    const struct params *b)
{
	char x[256], y[256];
	int n = 0;
	for (int id = 0; id < P__COUNT; id++) {
		params_format(a, id, x, sizeof x);
		params_format(b, id, y, sizeof y);
		if (strcmp(x, y) == 0)
			continue;
		out_str(o, params_def(id)->name);
		out_param(o, id, x);
		out_param(o, id, y);
		out_str(o, stage_name(params_def(id)->stage));
		n++;
	}
	return n;
}

static void print_changes(struct out *o, const struct params *a,
    const struct params *b)
{
	static const char *const cols[] = { "parameter", "before", "after",
	    "stage", NULL };
	char x[256], y[256];
	out_table(o, "changed", cols);
	param_rows(o, a, b);
	for (int id = 0; id < P__COUNT; id++) {
		params_format(a, id, x, sizeof x);
		params_format(b, id, y, sizeof y);
		if (strcmp(x, y) != 0 && !params_active(b, id) &&
		    o->fmt == OUT_TABLE)
			out_note(o, "%s has no effect under the current "
			    "settings (%s): nothing re-runs",
			    params_def(id)->name, params_inactive_why(id));
	}
}

/* The headline statistics that the re-run changed (same stage order in
 * both collections), or a note that none did. */
static void print_deltas(struct out *o, const struct headline *a,
    const struct headline *b, enum stage from)
{
	static const char *const cols[] = { "stage", "statistic", "before",
	    "after", "delta", NULL };
	int shown = 0;
	out_table(o, "effect", cols);
	for (int k = 0; k < a->n && k < b->n; k++) {
		if (a->stage[k] < from || strcmp(a->name[k], b->name[k]) != 0 ||
		    a->value[k] == b->value[k] ||
		    (isnan(a->value[k]) && isnan(b->value[k])))
			continue;
		out_str(o, stage_name(a->stage[k]));
		out_str(o, a->name[k]);
		out_number(o, a->value[k]);
		out_number(o, b->value[k]);
		out_number(o, b->value[k] - a->value[k]);
		shown++;
	}
	if (shown == 0 && o->fmt == OUT_TABLE) {
		out_drop(o);
		out_note(o, "re-ran from %s: no headline statistic changed",
		    stage_name(from));
	}
}

/* The accuracy metrics against the pin's, all of them, when the current
 * configuration has fresh ones that compare (same evaluation settings). */
static void print_pinned(struct out *o, struct session *s)
{
	static const char *const cols[] = { "statistic", "pinned", "now",
	    "delta", NULL };
	const struct eval_result *pe = session_pin_ev(s, &s->pl.params);
	const struct pipeline *pl = &s->pl;
	if (!pe || !pl->fresh[STAGE_RECOMMEND] || pl->rec.ev.nk < 1 ||
	    pe->nk < 1)
		return;
	struct headline a = { 0 }, b = { 0 };
	headline_eval(&a, &pe->row[0]);
	headline_eval(&b, &pl->rec.ev.row[0]);
	out_table(o, "pinned", cols);
	for (int k = 0; k < a.n && k < b.n; k++) {
		out_str(o, a.name[k]);
		out_number(o, a.value[k]);
		out_number(o, b.value[k]);
		out_number(o, b.value[k] - a.value[k]);
	}
}

/*
 * Apply a parameter change (`apply` returns -1 after reporting) and show
 * its effect: the changed parameters and, when there were results, the
 * headline deltas of the stages that were re-run.
 */
int cmd_param_change(struct session *s, const char *cmd,
    int (*apply)(struct session *, void *), void *ctx)
{
	return cmd_param_change_shown(s, cmd, apply, ctx, NULL);
}

int cmd_param_change_shown(struct session *s, const char *cmd,
    int (*apply)(struct session *, void *), void *ctx,
    void (*show)(struct out *, void *))
{
	struct params before = s->pl.params;
	struct headline h0, h1;
	int had = furthest_fresh(&s->pl);
	struct out o;
	bool fresh0[STAGE__COUNT];
	struct history_mark hm;

	memcpy(fresh0, s->pl.fresh, sizeof fresh0);
	session_history_mark(s, &hm);
	headline_collect(&s->pl, false, &h0);
	if (apply(s, ctx) < 0)
		return -1;
	enum stage from = pipeline_first_stale(&s->pl);
	if (had >= 0 && (int)from <= had &&
	    session_ensure(s, (enum stage)had) < 0) {
		/* a command that fails changes nothing: the parameters,
		 * the results they made and the history stay as they were
		 * (stages the failed run replaced are stale again) */
		pipeline_take_back(&s->pl, &before, fresh0);
		session_history_reset(s, &hm);
		return -1;
	}
	out_begin(&o, s, cmd);
	if (show)
		show(&o, ctx);
	if (memcmp(&before, &s->pl.params, sizeof before) == 0) {
		out_note(&o, "no change");
		out_end(&o);
		return 0;
	}
	print_changes(&o, &before, &s->pl.params);
	if (had >= 0 && (int)from <= had) {
		headline_collect(&s->pl, false, &h1);
		print_deltas(&o, &h0, &h1, from);
	}
	print_pinned(&o, s);
	out_end(&o);
	return 0;
}

static int apply_set(struct session *s, void *ctx)
{
	char **argv = ctx;
	return session_set(s, argv[1], argv[2]);
}

static int apply_undo(struct session *s, void *ctx)
{
	if (session_undo(s) < 0)
		return session_error(s, "undo: nothing to undo");
	return 0;
}

static int apply_redo(struct session *s, void *ctx)
{
	if (session_redo(s) < 0)
		return session_error(s, "redo: nothing to redo");
	return 0;
}

int cmd_set(struct session *s, int argc, char **argv)
{
	return cmd_param_change(s, "set", apply_set, argv);
}

int cmd_undo(struct session *s, int argc, char **argv)
{
	return cmd_param_change(s, "undo", apply_undo, NULL);
}

int cmd_redo(struct session *s, int argc, char **argv)
{
	return cmd_param_change(s, "redo", apply_redo, NULL);
}

int cmd_get(struct session *s, int argc, char **argv)
{
	char v[256];
	struct out o;
	int id = params_lookup(argv[1]);
	if (id < 0)
		return param_unknown(s, argv[1]);
	params_format(&s->pl.params, id, v, sizeof v);
	if (s->fmt == OUT_TABLE) {
		fprintf(s->out, "%s\n", v);
		return 0;
	}
	out_begin(&o, s, "get");
	out_record(&o, "parameter");
	out_kv_str(&o, "name", params_def(id)->name);
	out_kv_param(&o, "value", id, v);
	out_end(&o);
	return 0;
}

/* "[lo, hi]" or "a|b|c" for a parameter. */
void param_range_text(const struct param_def *d, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	if (d->type == PT_ENUM) {
		for (int c = 0; d->choices[c] && n < size; c++)
			n += snprintf(buf + n, size - n, "%s%s", c ? "|" : "",
			    d->choices[c]);
		return;
	}
	snprintf(buf, size, "[%.10g, %.10g]%s%s", d->min, d->max,
	    d->type == PT_FRACGIVEN ? " or given" : "",
	    d->type == PT_INTLIST ? " list" : "");
}

int cmd_params(struct session *s, int argc, char **argv)
{
	static const char *const cols[] = { "name", "value", "default",
	    "range", "stage", "doc", NULL };
	int only = -1;
	char v[256], r[256];
	struct out o;

	if (argc > 1 && (only = cmd_parse_stage(s, argv[1])) < 0)
		return -1;
	out_begin(&o, s, "params");
	out_table(&o, "params", cols);
	for (int id = 0; id < P__COUNT; id++) {
		const struct param_def *d = params_def(id);
		if (only >= 0 && (int)d->stage != only)
			continue;
		params_format(&s->pl.params, id, v, sizeof v);
		param_range_text(d, r, sizeof r);
		out_str(&o, d->name);
		out_param(&o, id, v);
		out_param(&o, id, d->def);
		out_str(&o, r);
		out_str(&o, stage_name(d->stage));
		out_str(&o, d->doc);
	}
	out_end(&o);
	return 0;
}

/* ------------------------------------------------------------ pin, diff */

/* pin's JSON document (a table says it only at a prompt). */
static void pin_doc(struct session *s)
{
	struct out o;
	out_begin(&o, s, "pin");
	out_record(&o, "pin");
	out_kv_bool(&o, "pinned", s->pinned);
	out_end(&o);
}

int cmd_pin(struct session *s, int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--clear") == 0) {
		s->pinned = s->pin_have_ev = false;
		if (s->fmt == OUT_JSON)
			pin_doc(s);
		else if (s->fmt == OUT_TABLE && s->interactive)
			fprintf(s->out, "pin cleared\n");
		return 0;
	}
	if (argc > 1)
		return cmd_usage(s, "pin");
	/* its metrics are what the later changes compare with */
	if (s->pl.ds && session_ensure(s, STAGE_RECOMMEND) < 0)
		return -1;
	s->pin = s->pl.params;
	s->pinned = true;
	s->pin_have_ev = s->pl.fresh[STAGE_RECOMMEND];
	if (s->pin_have_ev)
		s->pin_ev = s->pl.rec.ev;
	if (s->fmt == OUT_JSON)
		pin_doc(s);
	else if (s->fmt == OUT_TABLE && s->interactive)
		fprintf(s->out, "pinned the current configuration: set, undo "
		    "and redo compare with it, diff shows it\n");
	return 0;
}

/* A configuration named on diff's command line: current, pinned, or a
 * session file written by save (its set lines over the defaults). */
static int diff_side(struct session *s, const char *what, struct params *p,
    char *label, size_t lsize)
{
	if (strcmp(what, "current") == 0) {
		*p = s->pl.params;
		snprintf(label, lsize, "current");
		return 0;
	}
	if (strcmp(what, "pinned") == 0) {
		if (!s->pinned)
			return session_error(s, "diff: nothing is pinned (pin "
			    "keeps the current configuration)");
		*p = s->pin;
		snprintf(label, lsize, "pinned");
		return 0;
	}
	FILE *f = fopen(what, "r");
	if (!f)
		return session_error(s, "diff: '%s' is neither current, pinned "
		    "nor a readable session file: %s", what, strerror(errno));
	params_init(p);
	char *line = NULL;
	size_t cap = 0;
	long no = 0;
	int rc = 0, r;
	const char *bad = NULL;
	/* the bounded reader of source: /dev/zero or a binary is refused */
	while (rc == 0 &&
	    (r = cmd_script_getline(f, &line, &cap, &bad)) != 0) {
		int argc;
		char **argv, why[128];
		no++;
		if (r < 0) {
			rc = session_error(s, "diff: %s:%ld: cannot read the "
			    "script: %s", what, no, bad);
			break;
		}
		if (cmd_split(line, &argc, &argv, why, sizeof why) < 0) {
			rc = session_error(s, "diff: %s:%ld: %s", what, no, why);
			break;
		}
		struct err e;
		if (argc == 3 && strcmp(argv[0], "set") == 0 &&
		    params_set(p, argv[1], argv[2], &e) < 0)
			rc = session_error(s, "diff: %s:%ld: %s", what, no,
			    e.msg);
		cmd_free_words(argc, argv);
	}
	free(line);
	fclose(f);
	snprintf(label, lsize, "%s", what);
	return rc;
}

int cmd_diff(struct session *s, int argc, char **argv)
{
	static const char *const pcols[] = { "parameter", "a", "b", "stage",
	    NULL };
	struct params pa, pb;
	char la[256], lb[256];
	struct err e;
	struct out o;
	const char *a = argc > 1 ? argv[1] : "pinned";
	const char *b = argc > 2 ? argv[2] : "current";
	if (diff_side(s, a, &pa, la, sizeof la) < 0 ||
	    diff_side(s, b, &pb, lb, sizeof lb) < 0)
		return -1;
	if (session_ensure(s, STAGE_RECOMMEND) < 0)
		return -1;
	struct eval_result ea, eb;
	err_clear(&e);
	flag_set(&s->cancel, 0);
	if (eval_params(&s->pl, &pa, &ea, &e) < 0 ||
	    eval_params(&s->pl, &pb, &eb, &e) < 0)
		return session_err(s, &e);
	out_begin(&o, s, "diff");
	out_record(&o, "diff");
	out_kv_str(&o, "a", la);
	out_kv_str(&o, "b", lb);
	out_table(&o, "parameters", pcols);
	if (param_rows(&o, &pa, &pb) == 0 && o.fmt == OUT_TABLE) {
		out_drop(&o);
		out_note(&o, "the two configurations are the same");
	}
	metric_table(&o, "metrics", true);
	eval_rows(&o, "a", &ea);
	eval_rows(&o, "b", &eb);
	out_end(&o);
	return 0;
}

/* ------------------------------------------------------------ history */

/* "name=value …" of the parameters where p differs from q. */
static void params_delta(const struct params *p, const struct params *q,
    char *buf, size_t size)
{
	size_t at = 0;
	buf[0] = '\0';
	for (int id = 0; id < P__COUNT && at < size; id++) {
		char x[256], y[256];
		params_format(p, id, x, sizeof x);
		params_format(q, id, y, sizeof y);
		if (strcmp(x, y) == 0)
			continue;
		int w = snprintf(buf + at, size - at, "%s%s=%s", at ? " " : "",
		    params_def(id)->name, x);
		if (w < 0)
			break;
		at += (size_t)w;
	}
}

static int apply_history(struct session *s, void *ctx)
{
	const struct trail_entry *t;
	size_t n = session_trail(s, &t);
	long k = *(const long *)ctx;
	if (n == 0)
		return session_error(s, "history: no entry %ld: no "
		    "configuration has been evaluated yet", k);
	if (k < 1 || (size_t)k > n)
		return session_error(s, "history: no entry %ld (1 to %zu)", k,
		    n);
	struct params before = s->pl.params;
	struct err e;
	for (int id = 0; id < P__COUNT; id++) {
		char v[256];
		params_format(&t[k - 1].p, id, v, sizeof v);
		if (pipeline_set(&s->pl, params_def(id)->name, v, &e) < 0) {
			s->pl.params = before;
			return session_err(s, &e);
		}
	}
	if (memcmp(&before, &s->pl.params, sizeof before) != 0)
		session_history_push(s, &before);
	return 0;
}

int cmd_history(struct session *s, int argc, char **argv)
{
	static const char *const cols[] = { "#", "origin", "k", "precision",
	    "recall", "ndcg", "differs_from_current", NULL };
	if (argc == 3 && strcmp(argv[1], "--apply") == 0) {
		long k;
		if (cmd_parse_int(s, "history: --apply N", argv[2], 1,
		    TRAIL_MAX, &k) < 0)
			return -1;
		return cmd_param_change(s, "history", apply_history, &k);
	}
	if (argc != 1)
		return cmd_usage(s, "history");
	const struct trail_entry *t;
	size_t n = session_trail(s, &t);
	struct out o;
	char delta[1024];
	out_begin(&o, s, "history");
	out_table(&o, "trail", cols);
	for (size_t x = 0; x < n; x++) {
		const struct eval_row *r = t[x].ev.nk ? &t[x].ev.row[0] : NULL;
		out_int(&o, (int64_t)x + 1);
		out_str(&o, t[x].origin);
		if (r) {
			out_int(&o, r->k);
			out_real(&o, r->precision);
			out_real(&o, r->recall);
			out_real(&o, r->ndcg);
		} else {
			for (int q = 0; q < 4; q++)
				out_null(&o);
		}
		params_delta(&t[x].p, &s->pl.params, delta, sizeof delta);
		out_str(&o, *delta ? delta : "(current)");
	}
	if (n == 0 && o.fmt == OUT_TABLE) {
		out_drop(&o);
		out_note(&o, "no configuration evaluated yet");
	}
	out_end(&o);
	return 0;
}
