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

static const char *const metric_cols[] = { "method", "k", "precision",
    "recall", "ndcg", "map", "mrr", "hitrate", "coverage", "novelty", "arp",
    "gini", "ile", NULL };

static const char *target_name(enum eval_target t)
{
	return t == TARGET_TEST ? "test" : "validation";
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
	out_table(&o, "metrics", metric_cols);
	eval_rows(&o, "distill", &ev);
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
	const struct cmd_opt opts[] = { { "--ease-lambda", &lam_text, NULL },
	    { NULL, NULL, NULL } };

	if (cmd_parse_opts(s, argc, argv, opts, pos, 0, &npos) < 0)
		return -1;
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
	out_kv_real(&o, "ease_lambda", lambda);
	out_table(&o, "metrics", metric_cols);
	eval_rows(&o, "distill", &s->pl.rec.ev);
	for (int b = 0; b < BASE__COUNT; b++)
		if (have[b])
			eval_rows(&o, baseline_name(b), &ev[b]);
	out_end(&o);
	if (*skipped)
		session_warn(s, "%s: skipped", skipped);
	return 0;
}

/* ------------------------------------------------------------ sweep */

/* The value of metric `name` in row r, NAN when unknown. */
static double row_metric(const struct eval_row *r, const char *name)
{
#define F(f) if (strcmp(name, #f) == 0) return r->f
	F(precision); F(recall); F(ndcg); F(map); F(mrr); F(hitrate);
	F(coverage); F(novelty); F(arp); F(gini); F(ile);
#undef F
	return NAN;
}

/* The row of cut-off k (the first when k is 0); NULL when absent. */
static const struct eval_row *row_at(const struct eval_result *ev, int k)
{
	for (int q = 0; q < ev->nk; q++)
		if (k == 0 || ev->row[q].k == k)
			return &ev->row[q];
	return NULL;
}

static int sweep_args(struct session *s, char **argv, int argc,
    double v[3], char *metric, size_t mn, int *mk)
{
	static const char *const what[3] = { "sweep: FROM", "sweep: TO",
	    "sweep: STEP" };
	struct eval_row probe = { 0 };
	if (params_lookup(argv[1]) < 0)
		return session_error(s, "unknown parameter '%s' (see params)",
		    argv[1]);
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
	/* METRIC or METRIC@K, K one of eval.k */
	const char *m = argc > 5 ? argv[5] : "ndcg";
	const char *at = strchr(m, '@');
	snprintf(metric, mn, "%.*s", at ? (int)(at - m) : (int)strlen(m), m);
	*mk = 0;
	if (isnan(row_metric(&probe, metric)))
		return session_error(s, "sweep: unknown metric '%s' (expected "
		    "precision, recall, ndcg, map, mrr, hitrate, coverage, "
		    "novelty, arp, gini or ile, optionally @K)", metric);
	if (at) {
		long k;
		if (cmd_parse_int(s, "sweep: K of METRIC@K", at + 1, 1, 1000,
		    &k) < 0)
			return -1;
		const struct param_value *ks = &s->pl.params.v[P_EVAL_K];
		bool found = false;
		for (int q = 0; q < ks->nlist; q++)
			found = found || ks->list[q] == k;
		if (!found) {
			char cur[64];
			params_format(&s->pl.params, P_EVAL_K, cur, sizeof cur);
			return session_error(s, "sweep: %s@%ld: eval.k is %s; "
			    "set eval.k %s,%ld to evaluate at %ld too", metric,
			    k, cur, cur, k, k);
		}
		*mk = (int)k;
	}
	return 0;
}

static void sweep_plot(struct out *o, const struct sweep_out *sw,
    const char *metric, int mk)
{
	const char **labels = xcalloc(sw->n + 1, sizeof *labels);
	double *vals = xcalloc(sw->n + 1, sizeof *vals);
	struct plot_lines pl;
	char title[128];
	const struct eval_row *r0 = sw->n ? row_at(&sw->pt[0].ev, mk) : NULL;
	for (size_t k = 0; k < sw->n; k++) {
		const struct eval_row *r = row_at(&sw->pt[k].ev, mk);
		labels[k] = sw->pt[k].value;
		vals[k] = r ? row_metric(r, metric) : NAN;
	}
	snprintf(title, sizeof title, "%s@%d by %s", metric, r0 ? r0->k : 0,
	    sw->param);
	plot_lines_init(&pl);
	plot_bars(labels, vals, sw->n, PLOT_WIDTH, o->s->utf8, &pl);
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
	out_begin(&o, s, "sweep");
	out_table(&o, "sweep", metric_cols);
	free(o.cols[0]);
	o.cols[0] = xstrdup(sw.param);
	for (size_t k = 0; k < sw.n; k++)
		eval_rows(&o, sw.pt[k].value, &sw.pt[k].ev);
	if (o.fmt == OUT_TABLE)
		sweep_plot(&o, &sw, metric, mk);
	out_end(&o);
	sweep_out_destroy(&sw);
	return 0;
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
	if (s->fmt == OUT_TABLE && s->interactive)
		fprintf(s->out, "wrote %s\n", pos[1]);
	return 0;
}
