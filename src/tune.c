/*
 * distill — tune.c: `tune PARAM... [--budget N] [--metric METRIC@K]`
 * (DESIGN §1.6), a seeded search over several parameters on the
 * validation split.
 *
 *   1. the current setting is point 0, so the result is never worse than
 *      where the user started;
 *   2. coarse points: a Latin hypercube over the ranges (each parameter's
 *      range cut into as many strata as there are coarse points, one
 *      point per stratum, strata shuffled per parameter; log ranges are
 *      cut on the log scale, enums drawn uniformly);
 *   3. coordinate refinement around the best: each parameter is moved a
 *      step up and down (a quarter of its range first, halved whenever a
 *      whole round brings nothing), enums try every other choice; when
 *      the step is below 1/64 of the range, the refinement restarts from
 *      the best coarse point not yet refined; until the budget is spent
 *      or every coarse point has been refined.
 *
 * Each point runs on a scratch copy (baseline.c) from the first stage
 * whose parameters differ, so the real pipeline, its parameters and its
 * caches are untouched; the caller applies the best point. Points that
 * format to the same values are evaluated once. The test split is never
 * read: tuning with eval.target test is refused. A cancel (Ctrl-C) stops
 * the search and keeps every point evaluated so far.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "topk.h"

static bool tunable_stage(enum stage s)
{
	return s == STAGE_ABSTRACT || s == STAGE_FILTER || s == STAGE_DISTILL;
}

int tune_spec_parse(const char *text, struct tune_spec *sp, struct err *err)
{
	char name[64];
	const char *eq = strchr(text, '=');
	size_t n = eq ? (size_t)(eq - text) : strlen(text);
	memset(sp, 0, sizeof *sp);
	if (n >= sizeof name)
		return err_set(err, ERR_NOTFOUND, "tune: unknown parameter "
		    "'%s'", text);
	memcpy(name, text, n);
	name[n] = '\0';
	int id = params_lookup(name);
	if (id < 0) {
		params_unknown(name, err);
		return err_prefix(err, "tune");
	}
	const struct param_def *d = params_def(id);
	sp->id = id;
	if (!tunable_stage(d->stage))
		return err_set(err, ERR_INVAL, "tune: %s belongs to the %s "
		    "stage, which decides what is evaluated, not the model "
		    "(tune abstract, filter and distill parameters)", d->name,
		    stage_name(d->stage));
	if (d->type == PT_ENUM) {
		int nc = 0;
		while (d->choices[nc])
			nc++;
		sp->lo = 0;
		sp->hi = nc - 1;
		if (eq)
			return err_set(err, ERR_INVAL, "tune: %s is a choice "
			    "(%s…): every choice is tried, it takes no range",
			    d->name, d->choices[0]);
		return 0;
	}
	if (d->type != PT_INT && d->type != PT_REAL)
		return err_set(err, ERR_INVAL, "tune: %s is not numeric",
		    d->name);
	const char *r = eq ? eq + 1 : d->tune;
	if (!r)
		return err_set(err, ERR_INVAL, "tune: %s has no default range; "
		    "give one as %s=LO:HI (or LO:HI:log)", d->name, d->name);
	char logw[8] = "";
	int got = eq ? sscanf(r, "%lf:%lf:%7s", &sp->lo, &sp->hi, logw) :
	    sscanf(r, "%lf %lf %7s", &sp->lo, &sp->hi, logw);
	if (got < 2 || !(sp->lo < sp->hi) || (got == 3 &&
	    strcmp(logw, "log") != 0))
		return err_set(err, ERR_INVAL, "tune: range '%s' of %s: "
		    "expected LO:HI or LO:HI:log with LO < HI", r, d->name);
	sp->log = got == 3;
	if (sp->lo < d->min || sp->hi > d->max)
		return err_set(err, ERR_INVAL, "tune: range %g:%g of %s is "
		    "outside its limits [%g, %g]", sp->lo, sp->hi, d->name,
		    d->min, d->max);
	if (sp->log && !(sp->lo > 0))
		return err_set(err, ERR_INVAL, "tune: a log range of %s needs "
		    "LO > 0", d->name);
	return 0;
}

/* Position u ∈ [0,1] of the range → the parameter's text value. */
static void spec_value(const struct tune_spec *sp, double u, char *buf,
    size_t size)
{
	const struct param_def *d = params_def(sp->id);
	u = u < 0 ? 0 : u > 1 ? 1 : u;
	if (d->type == PT_ENUM) {
		int c = (int)lround(u * sp->hi);
		snprintf(buf, size, "%s", d->choices[c]);
		return;
	}
	double v = sp->log ? exp(log(sp->lo) + u * (log(sp->hi) -
	    log(sp->lo))) : sp->lo + u * (sp->hi - sp->lo);
	if (d->type == PT_INT)
		snprintf(buf, size, "%ld", lround(v));
	else
		snprintf(buf, size, "%.4g", fabs(v) < 1e-12 ? 0 : v);
}

/* Position in [0,1] of the parameter's value in p. */
static double spec_pos(const struct tune_spec *sp, const struct params *p)
{
	const struct param_def *d = params_def(sp->id);
	double v;
	if (d->type == PT_ENUM)
		return sp->hi > 0 ? params_enum(p, sp->id) / sp->hi : 0;
	v = d->type == PT_INT ? (double)params_int(p, sp->id) :
	    params_real(p, sp->id);
	double u = sp->log ? (log(v > 0 ? v : sp->lo) - log(sp->lo)) /
	    (log(sp->hi) - log(sp->lo)) : (v - sp->lo) / (sp->hi - sp->lo);
	return u < 0 ? 0 : u > 1 ? 1 : u;
}

/* The metric of a point, NAN when the metric or k is not evaluated. */
double eval_metric(const struct eval_result *ev, const char *name, int k)
{
	for (int q = 0; q < ev->nk; q++) {
		const struct eval_row *r = &ev->row[q];
		if (k != 0 && r->k != k)
			continue;
		int m = metric_lookup(name);
		return m < 0 ? NAN : metric_of(r, m);
	}
	return NAN;
}

struct tune_run {
	struct pipeline *pl;
	struct tune_out *out;
	const struct tune_spec *spec;
	int n;
	size_t budget;
	const char *metric;
	int k;
	enum stage from;
};

static bool same_point(const struct tune_run *t, char v[][64], size_t x)
{
	for (int p = 0; p < t->n; p++)
		if (strcmp(v[p], t->out->pt[x].value[p]) != 0)
			return false;
	return true;
}

/* Evaluate the point v (values per parameter). 1 when evaluated, 0 when
 * it was a duplicate, -1 on error (interrupted: out->interrupted). */
static int tune_eval(struct tune_run *t, char v[][64], struct err *err)
{
	struct tune_out *o = t->out;
	for (size_t x = 0; x < o->n; x++)
		if (same_point(t, v, x))
			return 0;
	struct params np = t->pl->params;
	for (int p = 0; p < t->n; p++)
		if (params_set_id(&np, t->spec[p].id, v[p], err) < 0)
			return -1;
	struct tune_point *pt = &o->pt[o->n];
	struct scratch sc;
	double t0 = util_now_ms();
	hooks_progress(&t->pl->hooks, "tune", (double)o->n / t->budget);
	struct hooks keep = t->pl->hooks;
	t->pl->hooks.progress = NULL;   /* one progress: the tune's */
	int rc = scratch_run_owner(&sc, t->pl, &np, t->from, STAGE_RECOMMEND,
	    err);
	t->pl->hooks = keep;
	if (rc == 0)
		pt->ev = sc.out[STAGE_RECOMMEND].rec.ev;
	scratch_destroy(&sc);
	if (rc < 0) {
		if (err->code == ERR_INTERRUPTED) {
			o->interrupted = true;
			return -1;
		}
		/* a point the pipeline cannot run (e.g. a singular ridge
		 * system, everything pruned) is recorded as failed */
		pt->failed = true;
		snprintf(pt->why, sizeof pt->why, "%.150s", err->msg);
		err_clear(err);
	}
	for (int p = 0; p < t->n; p++)
		memcpy(pt->value[p], v[p], 64);
	pt->ms = util_now_ms() - t0;
	pt->score = pt->failed ? NAN : eval_metric(&pt->ev, t->metric, t->k);
	if (!isnan(pt->score) && (o->best < 0 || pt->score >
	    o->pt[o->best].score))
		o->best = (long)o->n;
	o->n++;
	return 1;
}

void tune_out_destroy(struct tune_out *o)
{
	xfree(o->pt);
	memset(o, 0, sizeof *o);
}

int pipeline_tune(struct pipeline *pl, const struct tune_spec *spec, int n,
    const struct tune_opts *opt, struct tune_out *out, struct err *err)
{
	memset(out, 0, sizeof *out);
	out->best = -1;
	if (n < 1 || n > TUNE_MAX_PARAMS)
		return err_set(err, ERR_INVAL, "tune: 1 to %d parameters, got "
		    "%d", TUNE_MAX_PARAMS, n);
	if (opt->budget < 1 || opt->budget > TUNE_MAX_BUDGET)
		return err_set(err, ERR_INVAL, "tune: --budget %ld: expected 1 "
		    "to %d", opt->budget, TUNE_MAX_BUDGET);
	if (need_fresh(pl, STAGE_RECOMMEND, err) < 0)
		return -1;
	if (params_enum(&pl->params, P_EVAL_TARGET) == TARGET_TEST)
		return err_set(err, ERR_INVAL, "tune: eval.target is test, and "
		    "tuning never reads the test split (set eval.target valid; "
		    "score the result once with eval --test)");
	if (pl->rec.ev.n_users == 0)
		return err_set(err, ERR_EMPTY, "tune: no user has a validation "
		    "item (split.validation 0, or split.method none?)");
	if (isnan(eval_metric(&pl->rec.ev, opt->metric, opt->k)))
		return err_set(err, ERR_INVAL, "tune: %s@%d is not evaluated "
		    "(see eval.k)", opt->metric, opt->k);
	for (int p = 0; p < n; p++)
		for (int q = 0; q < p; q++)
			if (spec[p].id == spec[q].id)
				return err_set(err, ERR_INVAL, "tune: %s given "
				    "twice", params_def(spec[p].id)->name);
	/* each point re-runs from the first stage whose parameters differ
	 * from the pipeline's (scratch_run decides): a point that moves only
	 * distill.beta borrows the pipeline's S and B */
	struct tune_run t = { pl, out, spec, n, (size_t)opt->budget,
		opt->metric, opt->k, STAGE_RECOMMEND };
	out->nparam = n;
	out->pt = xcalloc(t.budget, sizeof *out->pt);
	char v[TUNE_MAX_PARAMS][64];
	int rc = 0;

	/* 1. where the user is */
	for (int p = 0; p < n; p++)
		params_format(&pl->params, spec[p].id, v[p], sizeof v[p]);
	rc = tune_eval(&t, v, err);

	/* 2. a Latin hypercube of a third of the budget */
	size_t nc = t.budget / 3;
	struct rng r;
	rng_seed(&r, opt->seed);
	uint32_t *strata = xmalloc((nc + 1) * TUNE_MAX_PARAMS *
	    sizeof *strata);
	for (int p = 0; p < n; p++) {
		uint32_t *s = strata + (size_t)p * (nc + 1);
		for (size_t x = 0; x < nc; x++)
			s[x] = (uint32_t)x;
		for (size_t x = nc; x > 1; x--) {
			size_t y = rng_below(&r, x);
			uint32_t tmp = s[x - 1];
			s[x - 1] = s[y];
			s[y] = tmp;
		}
	}
	for (size_t x = 0; x < nc && rc >= 0 && out->n < t.budget; x++) {
		for (int p = 0; p < n; p++) {
			double u = (strata[(size_t)p * (nc + 1) + x] +
			    rng_double(&r)) / (double)nc;
			spec_value(&spec[p], u, v[p], sizeof v[p]);
		}
		rc = tune_eval(&t, v, err);
	}
	xfree(strata);

	/* 3. coordinate refinement around a centre: the best point first;
	 * when the step falls below 1/64 of the ranges with budget left, the
	 * best coarse point not yet refined becomes the next centre (a
	 * single descent from one start can stall on a ridge of the metric
	 * while another start does better) */
	bool *refined = xcalloc(t.budget + 1, sizeof *refined);
	long centre = out->best;
	double step = 0.25;
	while (rc >= 0 && out->n < t.budget && centre >= 0) {
		if (step < 1.0 / 64) {
			refined[centre] = true;
			centre = -1;
			for (size_t x = 0; x <= nc && x < out->n; x++)
				if (!refined[x] && !isnan(out->pt[x].score) &&
				    (centre < 0 || out->pt[x].score >
				    out->pt[centre].score))
					centre = (long)x;
			step = 0.25;
			continue;
		}
		bool improved = false;
		for (int p = 0; p < n && rc >= 0 && out->n < t.budget; p++) {
			const struct param_def *d = params_def(spec[p].id);
			struct params bp = pl->params;
			for (int q = 0; q < n; q++)
				params_set_id(&bp, spec[q].id,
				    out->pt[centre].value[q], NULL);
			double u0 = spec_pos(&spec[p], &bp);
			int moves = d->type == PT_ENUM ? (int)spec[p].hi + 1 : 2;
			for (int m = 0; m < moves && rc >= 0 &&
			    out->n < t.budget; m++) {
				for (int q = 0; q < n; q++)
					memcpy(v[q], out->pt[centre].value[q],
					    64);
				double u = d->type == PT_ENUM ? (spec[p].hi > 0 ?
				    m / spec[p].hi : 0) : u0 + (m ? -step : step);
				if (u < -1e-9 || u > 1 + 1e-9)
					continue;
				spec_value(&spec[p], u, v[p], sizeof v[p]);
				size_t at = out->n;
				int e = tune_eval(&t, v, err);
				if (e < 0) {
					rc = -1;
					break;
				}
				if (e == 1 && !isnan(out->pt[at].score) &&
				    out->pt[at].score > out->pt[centre].score) {
					refined[centre] = true;
					centre = (long)at;
					improved = true;
					break;  /* move from the new centre */
				}
			}
		}
		if (!improved)
			step /= 2;
	}
	xfree(refined);
	if (rc < 0 && !out->interrupted) {
		tune_out_destroy(out);
		return -1;
	}
	if (out->interrupted)
		err_clear(err);
	if (out->best < 0) {
		tune_out_destroy(out);
		return err_set(err, ERR_EMPTY, "tune: no point could be "
		    "evaluated");
	}
	return 0;
}
