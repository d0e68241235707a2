/*
 * distill — baseline.c: scratch copies of the pipeline and what is computed
 * on them: the baselines of `compare` (pop, random, itemknn, rp3) on the
 * same split and target, and `eval --test` (refit on all of train).
 *
 * A scratch copy is a shallow copy of struct pipeline with changed
 * parameters; the stages from the first one whose parameters differ run
 * into locals owned by the scratch, earlier stages are borrowed. The real
 * pipeline is never written to, so its cache survives every query.
 *
 * Baseline definitions (same list length L and target as the pipeline):
 *   pop      items by descending training degree, ties by index, unseen
 *   random   uniform unseen items, seeded by split.seed and the user
 *   itemknn  abstract.metric=cosine (current shrink and top-k, threshold
 *            0), filter none, distill.alpha=1, beta=0, calibrate=0
 *   rp3      abstract.metric=rp3 with the current abstract.alpha/beta,
 *            same top-k, threshold 0, filter none, alpha=1, beta=0, λ=0
 *   ease     dense EASE (ease.c) with λ = filter.lambda (or the λ given
 *            to eval_ease), scores x_u·B over every unseen item
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "abstract.h"
#include "explain.h"
#include "topk.h"

/* Run stage s of the scratch into its local and publish it there. */
static int scratch_stage(struct scratch *sc, enum stage s, struct err *err)
{
	struct pipeline *p = &sc->pl;
	const struct stage_ops *op = &stage_ops[s];
	int rc = op->run(p, &sc->out[s], err);
	if (rc == 0)
		memcpy((char *)p + op->out, &sc->out[s], op->size);
	sc->own[s] = true;  /* partial output is freed by scratch_destroy */
	if (rc == 0) {
		p->fresh[s] = true;
		p->insight[s] = false;
	}
	return rc;
}

int scratch_run(struct scratch *sc, struct pipeline *pl,
    const struct params *np, enum stage from, enum stage upto,
    struct err *err)
{
	memset(sc, 0, sizeof *sc);
	sc->pl = *pl;
	sc->pl.params = *np;
	sc->pl.borrowed = true;   /* reads pl's candidate cache, never frees */
	int s = 0;
	while (s < (int)from && pl->fresh[s] &&
	    !params_stage_differs(&pl->params, np, s))
		s++;
	/* a borrowed S gets its communities in pl, where they are cached
	 * for the parameters that made S (it would leak in the copy) */
	if (s > STAGE_ABSTRACT && s <= (int)upto && !pl->abs.community &&
	    pipeline_needs_communities(np)) {
		if (pipeline_communities(pl, err) < 0)
			return -1;
		sc->pl.abs = pl->abs;
	}
	for (; s <= (int)upto; s++)
		if (scratch_stage(sc, s, err) < 0)
			return -1;
	return 0;
}

int scratch_run_owner(struct scratch *sc, struct pipeline *pl,
    const struct params *np, enum stage from, enum stage upto,
    struct err *err)
{
	memset(sc, 0, sizeof *sc);   /* scratch_destroy may follow a failure */
	if (abstract_cache_candidates(pl, np, err) < 0)
		return -1;
	return scratch_run(sc, pl, np, from, upto, err);
}

void scratch_destroy(struct scratch *sc)
{
	for (int s = STAGE__COUNT - 1; s >= 0; s--) {
		if (!sc->own[s])
			continue;
		/* what was published lives on in the scratch's pipeline
		 * (communities computed on its own S, say): free that copy
		 * when it is still this output's */
		void *pub = (char *)&sc->pl + stage_ops[s].out;
		bool published = s == STAGE_ABSTRACT &&
		    sc->pl.abs.S.idx == sc->out[s].abs.S.idx;
		stage_ops[s].destroy(published ? pub : &sc->out[s]);
	}
	memset(sc, 0, sizeof *sc);
}

static const char *const base_names[BASE__COUNT] = {
	"pop", "random", "itemknn", "rp3", "ease",
};

const char *baseline_name(enum baseline b)
{
	return (unsigned)b < BASE__COUNT ? base_names[b] : "?";
}

struct base_ctx {
	const struct pipeline *pl;
	const uint32_t *order;  /* pop: items by descending degree */
	uint32_t n;             /* items in order (deg > 0) */
	uint64_t seed;
	const double *B;        /* ease: n_items x n_items, row-major */
};

/* Mark u's training items as seen in ws (mark = 2). */
static void base_mark_seen(struct rec_ws *ws, const struct csr *ui, uint32_t u)
{
	ws->nseen = 0;
	for (uint64_t k = ui->ptr[u]; k < ui->ptr[u + 1]; k++) {
		ws->seen[ws->nseen++] = ui->idx[k];
		ws->mark[ui->idx[k]] = 2;
	}
}

static uint32_t base_fill_pop(void *vc, struct rec_ws *ws, uint32_t u,
    uint32_t *items, float *scores, uint32_t L)
{
	const struct base_ctx *c = vc;
	const struct csr *iu = &c->pl->graph.iu;
	uint32_t n = 0;
	if (csr_row_len(&c->pl->graph.ui, u) == 0)
		return 0;
	base_mark_seen(ws, &c->pl->graph.ui, u);
	for (uint32_t k = 0; k < c->n && n < L; k++) {
		uint32_t j = c->order[k];
		if (ws->mark[j])
			continue;
		items[n] = j;
		scores[n++] = (float)csr_row_len(iu, j);
	}
	rec_ws_reset(ws);
	return n;
}

static uint32_t base_fill_random(void *vc, struct rec_ws *ws, uint32_t u,
    uint32_t *items, float *scores, uint32_t L)
{
	const struct base_ctx *c = vc;
	struct rng r;
	uint32_t n = 0;
	if (csr_row_len(&c->pl->graph.ui, u) == 0)
		return 0;
	base_mark_seen(ws, &c->pl->graph.ui, u);
	uint64_t avail = c->n > ws->nseen ? c->n - ws->nseen : 0;
	rng_seed(&r, c->seed * 0x9E3779B97F4A7C15ull + u + 1);
	while (n < L && n < avail) {
		uint32_t j = c->order[rng_below(&r, c->n)];
		if (ws->mark[j])
			continue;
		ws->mark[j] = 1;
		ws->touched[ws->ntouched++] = j;
		items[n] = j;
		scores[n] = (float)(L - n);
		n++;
	}
	rec_ws_reset(ws);
	return n;
}

/* ease: R_u = x_u·B densely into ws->acc, the best L unseen items (any
 * sign: EASE ranks every item) by insertion into items/scores. */
static uint32_t base_fill_ease(void *vc, struct rec_ws *ws, uint32_t u,
    uint32_t *items, float *scores, uint32_t L)
{
	const struct base_ctx *c = vc;
	const struct csr *ui = &c->pl->graph.ui;
	uint32_t n_items = ui->ncols, n = 0;
	double *acc = ws->acc, *best = ws->sels;
	if (csr_row_len(ui, u) == 0)
		return 0;
	for (uint64_t k = ui->ptr[u]; k < ui->ptr[u + 1]; k++) {
		const double *row = c->B + (size_t)ui->idx[k] * n_items;
		double w = ui->val[k];
		for (uint32_t j = 0; j < n_items; j++)
			acc[j] += w * row[j];
	}
	base_mark_seen(ws, ui, u);
	if (L > ws->cap)
		L = ws->cap;
	for (uint32_t j = 0; j < n_items; j++) {
		double d = acc[j];
		acc[j] = 0;
		if (ws->mark[j] || (n == L && !rank_before(d, j, best[n - 1],
		    items[n - 1])))
			continue;
		uint32_t at = n < L ? n++ : n - 1;
		while (at > 0 && rank_before(d, j, best[at - 1],
		    items[at - 1])) {
			best[at] = best[at - 1];
			items[at] = items[at - 1];
			at--;
		}
		best[at] = d;
		items[at] = j;
	}
	for (uint32_t k = 0; k < n; k++)
		scores[k] = (float)best[k];
	rec_ws_reset(ws);
	return n;
}

static int cmp_pop(const void *a, const void *b, void *ctx)
{
	const struct csr *iu = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t dx = csr_row_len(iu, x), dy = csr_row_len(iu, y);
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* pop and random: lists built directly from the fit graph. */
static int base_simple(struct pipeline *pl, enum baseline b,
    struct eval_result *out, struct err *err)
{
	const struct csr *iu = &pl->graph.iu;
	struct base_ctx c = { pl, NULL, 0,
		(uint64_t)params_int(&pl->params, P_SPLIT_SEED), NULL };
	uint32_t *order = xmalloc(((size_t)iu->nrows + 1) * sizeof *order);
	struct rec_out ro;
	int rc;
	for (uint32_t j = 0; j < iu->nrows; j++)
		if (csr_row_len(iu, j) > 0)
			order[c.n++] = j;
	if (b == BASE_POP)
		qsort_r(order, c.n, sizeof *order, cmp_pop, (void *)iu);
	c.order = order;
	memset(&ro, 0, sizeof ro);
	rc = rec_build(pl, b == BASE_POP ? base_fill_pop : base_fill_random,
	    NULL, &c, 0, 1, NULL, &ro, err);
	if (rc == 0) {
		eval_lists(pl, &(struct rec_lists){ ro.n_users, ro.L, ro.items,
		    ro.len }, out);
	}
	rec_out_destroy(&ro);
	xfree(order);
	return rc;
}

/* itemknn and rp3: the pipeline on a scratch copy with fixed settings. */
static int base_scratch(struct pipeline *pl, enum baseline b,
    struct eval_result *out, struct err *err)
{
	struct params np = pl->params;
	struct scratch sc;
	params_set_id(&np, P_ABSTRACT_METRIC, b == BASE_RP3 ? "rp3" :
	    "cosine", NULL);
	params_set_id(&np, P_ABSTRACT_THRESHOLD, "0", NULL);
	params_set_id(&np, P_FILTER_METHOD, "none", NULL);
	params_set_id(&np, P_DISTILL_ALPHA, "1", NULL);
	params_set_id(&np, P_DISTILL_BETA, "0", NULL);
	params_set_id(&np, P_DISTILL_CALIBRATE, "0", NULL);
	int rc = scratch_run(&sc, pl, &np, STAGE_RECOMMEND, STAGE_RECOMMEND,
	    err);
	if (rc == 0)
		*out = sc.out[STAGE_RECOMMEND].rec.ev;
	scratch_destroy(&sc);
	return rc;
}

static int base_ease(struct pipeline *pl, double lambda,
    struct eval_result *out, struct err *err)
{
	struct base_ctx c = { pl, NULL, 0, 0, NULL };
	double *B = NULL;
	struct rec_out ro;
	hooks_progress(&pl->hooks, "ease: inverting the Gram matrix", 0);
	if (ease_fit(&pl->graph.ui, lambda, &B, err) < 0)
		return -1;
	c.B = B;
	memset(&ro, 0, sizeof ro);
	int rc = rec_build(pl, base_fill_ease, NULL, &c, 0, rec_list_len(
	    &pl->params), NULL, &ro, err);
	if (rc == 0)
		eval_lists(pl, &(struct rec_lists){ ro.n_users, ro.L, ro.items,
		    ro.len }, out);
	rec_out_destroy(&ro);
	xfree(B);
	return rc;
}

int eval_ease(struct pipeline *pl, double lambda, struct eval_result *out,
    struct err *err)
{
	double t0 = util_now_ms();
	memset(out, 0, sizeof *out);
	if (need_fresh(pl, STAGE_RECOMMEND, err) < 0)
		return -1;
	if (base_ease(pl, lambda, out, err) < 0)
		return err_prefix(err, "baseline ease");
	out->ms = util_now_ms() - t0;
	return 0;
}

int eval_baseline(struct pipeline *pl, enum baseline b,
    struct eval_result *out, struct err *err)
{
	double t0 = util_now_ms();
	int rc;
	memset(out, 0, sizeof *out);
	if ((unsigned)b >= BASE__COUNT)
		return err_set(err, ERR_INVAL, "unknown baseline %d", (int)b);
	if (need_fresh(pl, STAGE_RECOMMEND, err) < 0)
		return -1;
	if (b == BASE_EASE)
		return eval_ease(pl, params_real(&pl->params, P_FILTER_LAMBDA),
		    out, err);
	if (b == BASE_POP || b == BASE_RANDOM)
		rc = base_simple(pl, b, out, err);
	else
		rc = base_scratch(pl, b, out, err);
	if (rc < 0)
		return err_prefix(err, "baseline %s", baseline_name(b));
	out->ms = util_now_ms() - t0;
	return 0;
}

int eval_params(struct pipeline *pl, const struct params *np,
    struct eval_result *out, struct err *err)
{
	struct scratch sc;
	memset(out, 0, sizeof *out);
	if (need_fresh(pl, STAGE_RECOMMEND, err) < 0)
		return -1;
	int rc = scratch_run(&sc, pl, np, STAGE_RECOMMEND, STAGE_RECOMMEND,
	    err);
	if (rc == 0)
		*out = sc.out[STAGE_RECOMMEND].rec.ev;
	scratch_destroy(&sc);
	return rc;
}

int eval_test(struct pipeline *pl, struct eval_result *out, struct err *err)
{
	struct params np = pl->params;
	struct scratch sc;
	double t0 = util_now_ms();
	memset(out, 0, sizeof *out);
	if (need_fresh(pl, STAGE_LOAD, err) < 0)
		return -1;
	params_set_id(&np, P_EVAL_TARGET, "test", NULL);
	int rc = scratch_run(&sc, pl, &np, STAGE_RECOMMEND, STAGE_RECOMMEND,
	    err);
	if (rc == 0) {
		*out = sc.out[STAGE_RECOMMEND].rec.ev;
		out->ms = util_now_ms() - t0;
	}
	scratch_destroy(&sc);
	return rc < 0 ? err_prefix(err, "eval --test") : 0;
}

int compare_filters(struct pipeline *pl, struct filter_cmp *out,
    struct err *err)
{
	static const char *const method[FILTER_CMP_N] = { "none", "backbone",
		"ridge", "learned", "learned", "learned", "learned" };
	static const char *const model[FILTER_CMP_N] = { NULL, NULL, NULL,
		"logistic", "svm", "forest", "boost" };
	if (need_fresh(pl, STAGE_RECOMMEND, err) < 0)
		return -1;
	for (int k = 0; k < FILTER_CMP_N; k++) {
		struct filter_cmp *c = &out[k];
		struct params np = pl->params;
		struct scratch sc;
		memset(c, 0, sizeof *c);
		snprintf(c->name, sizeof c->name, "%s%s%s", method[k],
		    model[k] ? ":" : "", model[k] ? model[k] : "");
		params_set_id(&np, P_FILTER_METHOD, method[k], NULL);
		if (model[k])
			params_set_id(&np, P_FILTER_MODEL, model[k], NULL);
		int rc = scratch_run(&sc, pl, &np, STAGE_FILTER,
		    STAGE_RECOMMEND, err);
		if (rc == 0) {
			c->ok = true;
			/* the AUC alone (no importance); without it the
			 * row shows '-' */
			struct filter_stats fs = sc.pl.filt.st;
			c->auc = NAN;
			if (sc.pl.filt.has_model) {
				if (learn_holdout_stats(&sc.pl.filt.model,
				    &sc.pl.filt.holdout, params_real(&np,
				    P_FILTER_MIN_SCORE), false, &fs, err) == 0)
					c->auc = fs.auc;
				else
					err_clear(err);
			}
			c->kept = sc.pl.filt.B.nnz;
			c->ev = sc.pl.rec.ev;
		} else if (err->code == ERR_INTERRUPTED) {
			scratch_destroy(&sc);
			return -1;
		} else {
			/* one filter that cannot run (a singular ridge
			 * system, one class only) does not hide the rest */
			snprintf(c->why, sizeof c->why, "%.150s", err->msg);
			c->auc = NAN;
			err_clear(err);
		}
		scratch_destroy(&sc);
	}
	return 0;
}
