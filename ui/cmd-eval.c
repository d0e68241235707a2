/*
 * distill — cmd-eval.c: evaluation and tuning commands: eval, compare
 * (against the baselines), sweep (table and terminal plot) and export.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "explain.h"
#include "out.h"
#include "plot.h"

#define SWEEP_MAX_POINTS 1000
#define PLOT_WIDTH 72

static const char *target_name(enum eval_target t)
{
	return t == TARGET_TEST ? "test" : "validation";
}

/* Metrics of nobody are dashes: say why, and what scores someone. */
static void empty_note(struct out *o, const struct eval_result *ev)
{
	if (ev->n_users > 0)
		return;
	if (ev->target == TARGET_TEST)
		out_note(o, "no user has test items (split.test_fraction, "
		    "or load --test FILE): nothing to score");
	else
		out_note(o, "no user has validation items (split.validation "
		    "0?): eval --test scores the test split, or set "
		    "eval.target test");
}

int cmd_eval(struct session *s, int argc, char **argv)
{
	bool test = false;
	const char *pos[1];
	int npos;
	struct eval_result ev;
	struct err e;
	struct out o;
	const struct cmd_opt opts[] = { { "--test", NULL, &test },
	    { NULL, NULL, NULL } };

	if (cmd_parse_opts(s, argc, argv, opts, pos, 0, &npos) < 0)
		return -1;
	if (session_ensure(s, STAGE_RECOMMEND) < 0)
		return -1;
	ev = s->pl.rec.ev;
	err_clear(&e);
	if (test && eval_test(&s->pl, &ev, &e) < 0)
		return session_err(s, &e);
	out_begin(&o, s, "eval");
	out_record(&o, "eval");
	out_kv_str(&o, "target", target_name(ev.target));
	out_kv_str(&o, "fitted_on", ev.target == TARGET_TEST ? "train" :
	    "train minus validation");
	out_kv_int(&o, "users_evaluated", ev.n_users);
	out_kv_real(&o, "ms", ev.ms);
	metric_table(&o, "metrics", true);
	eval_rows(&o, "distill", &ev);
	empty_note(&o, &ev);
	out_end(&o);
	return 0;
}

/* compare --filters: every filter side by side on the same split. */
static int compare_filter_table(struct session *s)
{
	static const char *const cols[] = { "filter", "auc", "kept", "k",
	    "precision", "recall", "ndcg", "map", "mrr", "hitrate",
	    "coverage", "note", NULL };
	struct filter_cmp fc[FILTER_CMP_N];
	struct err e;
	struct out o;
	err_clear(&e);
	flag_set(&s->cancel, 0);
	if (compare_filters(&s->pl, fc, &e) < 0)
		return session_err(s, &e);
	out_begin(&o, s, "compare");
	out_record(&o, "compare");
	out_kv_str(&o, "target", target_name(s->pl.rec.ev.target));
	out_kv_int(&o, "users_evaluated", s->pl.rec.ev.n_users);
	out_table(&o, "filters", cols);
	for (int k = 0; k < FILTER_CMP_N; k++) {
		const struct filter_cmp *c = &fc[k];
		const struct eval_row *r = c->ok && c->ev.nk ? &c->ev.row[0] :
		    NULL;
		out_str(&o, c->name);
		out_real(&o, c->auc);
		if (c->ok)
			out_int(&o, (int64_t)c->kept);
		else
			out_null(&o);
		if (r) {
			out_int(&o, r->k);
			out_real(&o, r->precision);
			out_real(&o, r->recall);
			out_real(&o, r->ndcg);
			out_real(&o, r->map);
			out_real(&o, r->mrr);
			out_real(&o, r->hitrate);
			out_real(&o, r->coverage);
		} else {
			for (int q = 0; q < 8; q++)
				out_null(&o);
		}
		out_str(&o, c->ok ? "" : c->why);
	}
	empty_note(&o, &s->pl.rec.ev);
	out_end(&o);
	return 0;
}

int cmd_compare(struct session *s, int argc, char **argv)
{
	struct eval_result ev[BASE__COUNT];
	bool have[BASE__COUNT];
	char skipped[ERR_MSG_MAX] = "";
	const char *lam_text = NULL, *pos[1];
	int npos;
	struct err e;
	struct out o;
	bool filters = false;
	const struct cmd_opt opts[] = { { "--ease-lambda", &lam_text, NULL },
	    { "--filters", NULL, &filters }, { NULL, NULL, NULL } };

	if (cmd_parse_opts(s, argc, argv, opts, pos, 0, &npos) < 0)
		return -1;
	if (filters) {
		if (session_ensure(s, STAGE_RECOMMEND) < 0)
			return -1;
		return compare_filter_table(s);
	}
	double lambda = params_real(&s->pl.params, P_FILTER_LAMBDA);
	if (lam_text && cmd_parse_real(s, "compare: --ease-lambda", lam_text,
	    &lambda) < 0)
		return -1;
	if (session_ensure(s, STAGE_RECOMMEND) < 0)
		return -1;
	for (int b = 0; b < BASE__COUNT; b++) {
		err_clear(&e);
		int rc = b == BASE_EASE ? eval_ease(&s->pl, lambda, &ev[b], &e) :
		    eval_baseline(&s->pl, b, &ev[b], &e);
		have[b] = rc == 0;
		/* a log too large for the dense model skips it, saying so */
		if (rc < 0 && b == BASE_EASE && e.code == ERR_LIMIT) {
			snprintf(skipped, sizeof skipped, "%s", e.msg);
			continue;
		}
		if (rc < 0)
			return session_err(s, &e);
	}
	out_begin(&o, s, "compare");
	out_record(&o, "compare");
	out_kv_str(&o, "target", target_name(s->pl.rec.ev.target));
	out_kv_int(&o, "users_evaluated", s->pl.rec.ev.n_users);
	if (have[BASE_EASE])    /* not when it was skipped */
		out_kv_real(&o, "ease_lambda", lambda);
	metric_table(&o, "metrics", true);
	eval_rows(&o, "distill", &s->pl.rec.ev);
	for (int b = 0; b < BASE__COUNT; b++)
		if (have[b])
			eval_rows(&o, baseline_name(b), &ev[b]);
	empty_note(&o, &s->pl.rec.ev);
	out_end(&o);
	if (*skipped)
		session_warn(s, "%s: skipped", skipped);
	return 0;
}

/* ------------------------------------------------------------ sweep */

/* The row of cut-off k (the first when k is 0); NULL when absent. */
static const struct eval_row *row_at(const struct eval_result *ev, int k)
{
	for (int q = 0; q < ev->nk; q++)
		if (k == 0 || ev->row[q].k == k)
			return &ev->row[q];
	return NULL;
}

/* METRIC or METRIC@K (K one of eval.k; 0 when not given) for command
 * cmd. */
static int metric_at(struct session *s, const char *cmd, const char *m,
    char *metric, size_t mn, int *mk)
{
	const char *at = strchr(m, '@');
	snprintf(metric, mn, "%.*s", at ? (int)(at - m) : (int)strlen(m), m);
	*mk = 0;
	if (metric_lookup(metric) < 0) {
		char list[256] = "";
		for (int q = 0; q < METRIC__COUNT; q++) {
			size_t n = strlen(list);
			snprintf(list + n, sizeof list - n, "%s%s", q ? ", " :
			    "", metric_defs[q].name);
		}
		return session_error(s, "%s: unknown metric '%s' (expected "
		    "one of %s, optionally @K)", cmd, metric, list);
	}
	if (at) {
		long k;
		char what[64];
		snprintf(what, sizeof what, "%s: K of METRIC@K", cmd);
		if (cmd_parse_int(s, what, at + 1, 1, 1000, &k) < 0)
			return -1;
		const struct param_value *ks = &s->pl.params.v[P_EVAL_K];
		bool found = false;
		for (int q = 0; q < ks->nlist; q++)
			found = found || ks->list[q] == k;
		if (!found) {
			char cur[64];
			params_format(&s->pl.params, P_EVAL_K, cur, sizeof cur);
			return session_error(s, "%s: %s@%ld: eval.k is %s; "
			    "set eval.k %s,%ld to evaluate at %ld too", cmd,
			    metric, k, cur, cur, k, k);
		}
		*mk = (int)k;
	}
	return 0;
}

static int sweep_args(struct session *s, char **argv, int argc,
    double v[3], char *metric, size_t mn, int *mk)
{
	static const char *const what[3] = { "sweep: FROM", "sweep: TO",
	    "sweep: STEP" };
	if (params_lookup(argv[1]) < 0)
		return param_unknown(s, argv[1]);
	for (int k = 0; k < 3; k++)
		if (cmd_parse_real(s, what[k], argv[2 + k], &v[k]) < 0)
			return -1;
	if (!(v[2] > 0))
		return session_error(s, "sweep: STEP must be > 0");
	if (v[1] < v[0])
		return session_error(s, "sweep: TO (%g) is below FROM (%g)",
		    v[1], v[0]);
	if ((v[1] - v[0]) / v[2] >= SWEEP_MAX_POINTS)
		return session_error(s, "sweep: more than %d values; use a "
		    "larger STEP", SWEEP_MAX_POINTS);
	return metric_at(s, "sweep", argc > 5 ? argv[5] : "ndcg", metric, mn,
	    mk);
}

/* The point with the best finite value of metric@mk (the first of
 * equals), -1 when none. */
static long sweep_best(const struct sweep_out *sw, const char *metric,
    int mk)
{
	long best = -1;
	double bv = 0;
	for (size_t k = 0; k < sw->n; k++) {
		double v = eval_metric(&sw->pt[k].ev, metric, mk);
		if (isfinite(v) && (best < 0 || v > bv)) {
			best = (long)k;
			bv = v;
		}
	}
	return best;
}

static void sweep_plot(struct out *o, const struct sweep_out *sw,
    const char *metric, int mk)
{
	const char **labels = xcalloc(sw->n + 1, sizeof *labels);
	double *vals = xcalloc(sw->n + 1, sizeof *vals);
	struct plot_lines pl;
	char title[128], cur[64];
	const struct eval_row *r0 = NULL;
	for (size_t k = 0; k < sw->n && !r0; k++)
		r0 = row_at(&sw->pt[k].ev, mk);
	long best = sweep_best(sw, metric, mk), current = -1;
	int id = params_lookup(sw->param);
	params_format(&o->s->pl.params, id, cur, sizeof cur);
	double cv = strtod(cur, NULL);
	for (size_t k = 0; k < sw->n; k++) {
		labels[k] = sw->pt[k].value;
		vals[k] = eval_metric(&sw->pt[k].ev, metric, mk);
		if (fabs(strtod(labels[k], NULL) - cv) <= 1e-9 * (1 + fabs(cv)))
			current = (long)k;
	}
	snprintf(title, sizeof title, "%s@%d by %s", metric, r0 ? r0->k : 0,
	    sw->param);
	plot_lines_init(&pl);
	plot_sweep(labels, vals, sw->n, PLOT_WIDTH, o->s->utf8, best, current,
	    &pl);
	out_text(o, title, pl.line, pl.n);
	plot_lines_destroy(&pl);
	free(labels);
	free(vals);
}

int cmd_sweep(struct session *s, int argc, char **argv)
{
	struct sweep_out sw = { 0 };
	char metric[32];
	int mk = 0;
	double v[3];
	struct err e;
	struct out o;

	if (sweep_args(s, argv, argc, v, metric, sizeof metric, &mk) < 0)
		return -1;
	if (session_ensure(s, STAGE_RECOMMEND) < 0)
		return -1;
	err_clear(&e);
	flag_set(&s->cancel, 0);
	if (pipeline_sweep(&s->pl, argv[1], v[0], v[1], v[2], &sw, &e) < 0)
		return session_err(s, &e);
	for (size_t k = 0; k < sw.n; k++) {
		struct params p = s->pl.params;
		if (!sw.pt[k].failed &&
		    params_set(&p, sw.param, sw.pt[k].value, NULL) == 0)
			session_trail_add(s, &p, &sw.pt[k].ev, "sweep");
	}
	out_begin(&o, s, "sweep");
	/* first, so that a TUI shows it in its status line */
	if (sw.interrupted)
		out_note(&o, "interrupted: the %zu values computed before it",
		    sw.n);
	metric_table(&o, "sweep", true);
	free(o.cols[0]);
	o.cols[0] = xstrdup(sw.param);
	int id = params_lookup(sw.param);
	for (size_t k = 0; k < sw.n; k++)
		eval_rows_param(&o, id, sw.pt[k].value, &sw.pt[k].ev);
	/* a value that failed has no row: a note says why */
	for (size_t k = 0; k < sw.n; k++)
		if (sw.pt[k].failed)
			out_note(&o, "%s = %s failed: %s", sw.param,
			    sw.pt[k].value, sw.pt[k].why);
	if (o.fmt == OUT_TABLE)
		sweep_plot(&o, &sw, metric, mk);
	/* the best point, for the TUI's "apply best" and as a hint */
	long best = sweep_best(&sw, metric, mk);
	s->have_best = best >= 0;
	if (best >= 0) {
		s->best = s->pl.params;
		params_set(&s->best, sw.param, sw.pt[best].value, NULL);
		snprintf(s->best_what, sizeof s->best_what, "%s %s", sw.param,
		    sw.pt[best].value);
		if (o.fmt == OUT_TABLE)
			out_note(&o, "best: %s = %s; 'set %s' applies it",
			    sw.param, sw.pt[best].value, s->best_what);
	}
	out_end(&o);
	/* and last, on stderr, below a long table in a terminal */
	if (sw.interrupted)
		session_warn(s, "sweep interrupted after %zu values: the rows "
		    "above are those computed", sw.n);
	if (sw.nfailed)
		session_warn(s, "sweep: %zu of %zu values failed (noted above)",
		    sw.nfailed, sw.n);
	flag_set(&s->cancel, 0);
	sweep_out_destroy(&sw);
	return 0;
}

/* ------------------------------------------------------------- tune */

struct tune_ctx {
	int argc;
	char **argv;
	/* the search, kept for the output (tune_show) */
	struct tune_spec spec[TUNE_MAX_PARAMS];
	struct tune_out t;
	char metric[32];
	int k;
	bool have, shown;
};

/* The trail: every point with its values, the metric and the time. */
static void tune_show(struct out *o, void *vctx)
{
	struct tune_ctx *c = vctx;
	const struct tune_out *t = &c->t;
	const struct tune_spec *spec = c->spec;
	if (!c->have)
		return;
	c->shown = true;
	const char **cols = xcalloc((size_t)t->nparam + 5, sizeof *cols);
	char mcol[48];
	int n = 0;
	snprintf(mcol, sizeof mcol, "%s@%d", c->metric, c->k);
	cols[n++] = "point";
	for (int p = 0; p < t->nparam; p++)
		cols[n++] = params_def(spec[p].id)->name;
	cols[n++] = mcol;
	cols[n++] = "ms";
	cols[n++] = "note";
	out_table(o, "trail", cols);
	for (size_t x = 0; x < t->n; x++) {
		const struct tune_point *pt = &t->pt[x];
		out_int(o, (int64_t)x);
		for (int p = 0; p < t->nparam; p++)
			out_param(o, spec[p].id, pt->value[p]);
		out_real(o, pt->score);
		out_real(o, pt->ms);
		out_str(o, pt->failed ? pt->why : (long)x == t->best ? "best" :
		    x == 0 ? "start" : "");
	}
	if (t->interrupted)
		out_note(o, "interrupted after %zu points: the best so far "
		    "is applied", t->n);
	free(cols);
}

static int apply_tune(struct session *s, void *vctx)
{
	struct tune_ctx *c = vctx;
	struct tune_spec *spec = c->spec;
	struct tune_out *t = &c->t;
	const char *budget_t = NULL, *metric_t = NULL, *seed_t = NULL;
	const char *pos[TUNE_MAX_PARAMS + 1];
	struct tune_opts opt = { 30, "ndcg", 0, 42 };
	int npos;
	long v;
	struct err e;
	const struct cmd_opt opts[] = { { "--budget", &budget_t, NULL },
	    { "--metric", &metric_t, NULL }, { "--seed", &seed_t, NULL },
	    { NULL, NULL, NULL } };

	if (cmd_parse_opts(s, c->argc, c->argv, opts, pos,
	    TUNE_MAX_PARAMS + 1, &npos) < 0)
		return -1;
	if (npos < 1)
		return cmd_usage(s, "tune");
	if (npos > TUNE_MAX_PARAMS)
		return session_error(s, "tune: at most %d parameters",
		    TUNE_MAX_PARAMS);
	if (budget_t) {
		if (cmd_parse_int(s, "tune: --budget", budget_t, 1,
		    TUNE_MAX_BUDGET, &v) < 0)
			return -1;
		opt.budget = v;
	}
	if (seed_t) {
		if (cmd_parse_int(s, "tune: --seed", seed_t, 0, 2147483647,
		    &v) < 0)
			return -1;
		opt.seed = (uint64_t)v;
	}
	if (metric_at(s, "tune", metric_t ? metric_t : "ndcg", c->metric,
	    sizeof c->metric, &opt.k) < 0)
		return -1;
	opt.metric = c->metric;
	for (int p = 0; p < npos; p++) {
		err_clear(&e);
		if (tune_spec_parse(pos[p], &spec[p], &e) < 0)
			return session_err(s, &e);
	}
	if (session_ensure(s, STAGE_RECOMMEND) < 0)
		return -1;
	if (opt.k == 0)
		opt.k = s->pl.rec.ev.nk ? s->pl.rec.ev.row[0].k : 10;
	err_clear(&e);
	flag_set(&s->cancel, 0);
	if (pipeline_tune(&s->pl, spec, npos, &opt, t, &e) < 0)
		return session_err(s, &e);
	flag_set(&s->cancel, 0);   /* a Ctrl-C stopped the search only */
	c->have = true;             /* shown by cmd_tune, whatever follows */
	c->k = opt.k;
	for (size_t x = 0; x < t->n; x++) {
		struct params p = s->pl.params;
		bool ok = !t->pt[x].failed;
		for (int q = 0; ok && q < npos; q++)
			ok = params_set_id(&p, spec[q].id, t->pt[x].value[q],
			    NULL) == 0;
		if (ok)
			session_trail_add(s, &p, &t->pt[x].ev, "tune");
	}
	/* the best point, as one change (one undo step) */
	struct params before = s->pl.params;
	for (int p = 0; p < npos; p++) {
		err_clear(&e);
		if (pipeline_set(&s->pl, params_def(spec[p].id)->name,
		    t->pt[t->best].value[p], &e) < 0) {
			s->pl.params = before;
			return session_err(s, &e);
		}
	}
	if (memcmp(&before, &s->pl.params, sizeof before) != 0)
		session_history_push(s, &before);
	return 0;
}

/*
 * The trail and the change it applied as one output block (one JSON
 * document). When the change fails after the search (its re-run, say),
 * the trail is still shown, on its own: the points were paid for.
 */
int cmd_tune(struct session *s, int argc, char **argv)
{
	struct tune_ctx c = { .argc = argc, .argv = argv };
	int rc = cmd_param_change_shown(s, "tune", apply_tune, &c, tune_show);
	if (c.have && !c.shown) {
		struct out o;
		out_begin(&o, s, "tune");
		tune_show(&o, &c);
		out_end(&o);
	}
	if (c.have)
		tune_out_destroy(&c.t);
	return rc;
}

/* ------------------------------------------------------------ export */

int cmd_export(struct session *s, int argc, char **argv)
{
	const char *fmt = NULL, *pos[2];
	int npos, st;
	struct err e;
	const struct cmd_opt opts[] = { { "--format", &fmt, NULL },
	    { NULL, NULL, NULL } };

	if (cmd_parse_opts(s, argc, argv, opts, pos, 2, &npos) < 0)
		return -1;
	if (npos != 2)
		return cmd_usage(s, "export");
	if ((st = cmd_parse_stage(s, pos[0])) < 0)
		return -1;
	if (st == STAGE_LOAD || st == STAGE_RECOMMEND)
		return session_error(s, "export: stage '%s' has no graph "
		    "(expected graph, abstract, filter or distill)", pos[0]);
	if (fmt && strcmp(fmt, "graphml") && strcmp(fmt, "dot") &&
	    strcmp(fmt, "csv") && strcmp(fmt, "json"))
		return session_error(s, "export: unknown format '%s' (expected "
		    "graphml, dot, csv or json)", fmt);
	if (session_ensure(s, st) < 0)
		return -1;
	err_clear(&e);
	if (export_stage(&s->pl, st, pos[1], fmt, &e) < 0)
		return session_err(s, &e);
	if (s->fmt == OUT_JSON) {     /* one document per command */
		struct out o;
		out_begin(&o, s, "export");
		out_record(&o, "exported");
		out_kv_str(&o, "stage", stage_name(st));
		out_kv_str(&o, "file", pos[1]);
		out_end(&o);
	} else if (s->fmt == OUT_TABLE && s->interactive) {
		fprintf(s->out, "wrote %s\n", pos[1]);
	}
	return 0;
}
