/*
 * distill — sweep.c: `sweep PARAM FROM TO STEP`. For each value the
 * pipeline is rerun from the parameter's own stage on a scratch copy
 * (earlier stages are borrowed from the cache), evaluated, and timed. The
 * real pipeline and its parameters are never changed, so "restoring" the
 * parameter is automatic and the cache stays warm.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "explain.h"
#include "topk.h"

#define SWEEP_MAX 1000

/* Number of points from..to by step (inclusive up to rounding). */
static int sweep_count(double from, double to, double step, size_t *n,
    struct err *err)
{
	if (!(step > 0) || !isfinite(from) || !isfinite(to) || to < from)
		return err_set(err, ERR_INVAL, "sweep: expected FROM <= TO and "
		    "STEP > 0, got %g %g %g", from, to, step);
	double c = floor((to - from) / step + 1e-9) + 1;
	if (c > SWEEP_MAX)
		return err_set(err, ERR_INVAL, "sweep: %.0f values, at most %d "
		    "(raise STEP)", c, SWEEP_MAX);
	*n = (size_t)c;
	return 0;
}

static void sweep_value(const struct param_def *d, double v, char *buf,
    size_t size)
{
	if (d->type == PT_INT)
		snprintf(buf, size, "%ld", lround(v));
	else
		snprintf(buf, size, "%.10g", fabs(v) < 1e-12 ? 0 : v);
}

/* Stage progress inside point k of n, reported as the sweep's. */
struct sweep_progress {
	struct hooks outer;
	size_t k, n;
};

static void sweep_progress(void *ud, const char *what, double fraction)
{
	const struct sweep_progress *sp = ud;
	(void)what;
	hooks_progress(&sp->outer, "sweep", ((double)sp->k + fraction) /
	    (double)sp->n);
}

int pipeline_sweep(struct pipeline *pl, const char *param, double from,
    double to, double step, struct sweep_out *out, struct err *err)
{
	memset(out, 0, sizeof *out);
	int id = params_lookup(param);
	if (id < 0) {
		params_unknown(param, err);
		return err_prefix(err, "sweep");
	}
	const struct param_def *d = params_def(id);
	if (d->type != PT_INT && d->type != PT_REAL &&
	    d->type != PT_FRACGIVEN)
		return err_set(err, ERR_INVAL, "sweep: %s is not numeric",
		    param);
	size_t n = 0;
	if (sweep_count(from, to, step, &n, err) < 0 ||
	    need_fresh(pl, STAGE_RECOMMEND, err) < 0)
		return -1;
	snprintf(out->param, sizeof out->param, "%s", param);
	out->pt = xcalloc(n, sizeof *out->pt);
	struct err first;
	err_clear(&first);
	for (size_t k = 0; k < n; k++) {
		struct sweep_point *p = &out->pt[out->n];
		struct params np = pl->params;
		struct scratch sc;
		double t0 = util_now_ms();
		sweep_value(d, from + (double)k * step, p->value,
		    sizeof p->value);
		if (params_set_id(&np, id, p->value, err) < 0) {
			sweep_out_destroy(out);
			return -1;
		}
		struct sweep_progress sp = { pl->hooks, k, n };
		hooks_progress(&pl->hooks, "sweep", (double)k / n);
		pl->hooks.progress = pl->hooks.progress ? sweep_progress : NULL;
		pl->hooks.ud = &sp;
		int rc = scratch_run_owner(&sc, pl, &np, d->stage,
		    STAGE_RECOMMEND, err);
		pl->hooks = sp.outer;
		if (rc == 0)
			p->ev = sc.out[STAGE_RECOMMEND].rec.ev;
		scratch_destroy(&sc);
		if (rc < 0 && err->code == ERR_INTERRUPTED && out->n > 0) {
			/* Ctrl-C keeps the rows already computed */
			out->interrupted = true;
			err_clear(err);
			return 0;
		}
		if (rc < 0 && err->code == ERR_INTERRUPTED) {
			err_prefix(err, "sweep %s=%s", param, p->value);
			sweep_out_destroy(out);
			return -1;
		}
		if (rc < 0) {   /* this value's failure: the next may run */
			p->failed = true;
			snprintf(p->why, sizeof p->why, "%s", err->msg);
			if (out->nfailed++ == 0)
				first = *err;
			err_clear(err);
		}
		p->ms = util_now_ms() - t0;
		out->n++;
	}
	if (out->nfailed == out->n) {
		*err = first;
		err_prefix(err, "sweep %s=%s", param, out->pt[0].value);
		sweep_out_destroy(out);
		return -1;
	}
	return 0;
}

void sweep_out_destroy(struct sweep_out *s)
{
	xfree(s->pt);
	memset(s, 0, sizeof *s);
}
