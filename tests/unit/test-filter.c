/*
 * distill — unit tests of the filter stage: none, the disparity filter
 * (α by hand, k = 1 rows, kept edges, reach loss), the learned filter's
 * relabelling, the classifiers and AUC, and empty results.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "tiny.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#define EPS 1e-6

static struct pipeline pl;

static void teardown(void)
{
	pipeline_destroy(&pl);
}

/* TINY with p3 (α = 1), all candidates kept. Rows (see test-abstract):
 * 0: {1:1/3, 2:1/9}; 1: {0:1/3, 2:2/9, 3:1/9}; 2: {1:1/3, 0:1/6, 3:1/6};
 * 3: {4:1/3, 1:1/6, 2:1/6}; 4: {3:1/3}. */
static void tiny_p3(const char *method)
{
	tiny_graph(&pl, 4, 5, TINY, sizeof TINY / sizeof TINY[0]);
	tiny_set(&pl, "abstract.metric", "p3");
	tiny_set(&pl, "abstract.topk", "0");
	tiny_set(&pl, "filter.method", method);
	tiny_abstract(&pl);
}

static float alpha_of(uint32_t i, uint32_t j)
{
	const struct csr *S = &pl.abs.S;
	for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++)
		if (S->idx[e] == j)
			return pl.filt.alpha[e];
	return NAN;
}

Test(filter, none_keeps_everything, .fini = teardown)
{
	struct err e;
	tiny_p3("none");
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
	cr_assert_eq(pl.filt.B.nnz, 12);
	cr_assert_eq(pl.filt.st.kept, 12);
	cr_assert_eq(pl.filt.st.removed, 0);
	tiny_filter_insight(&pl);
	cr_assert_eq(pl.filt.st.mean_reach_loss, 0);
	cr_assert(isnan(pl.filt.st.auc));
	cr_assert_not(pl.filt.has_model);
	/* none does nothing at all: B is S, nothing computed per edge */
	cr_assert(pl.filt.b_is_s);
	cr_assert_eq(pl.filt.B.idx, pl.abs.S.idx);
	cr_assert_null(pl.filt.alpha);
	cr_assert_null(pl.filt.score);
}

Test(filter, backbone_alpha_and_kept_edges, .fini = teardown)
{
	struct err e;
	tiny_p3("backbone");
	tiny_set(&pl, "filter.alpha", "0.3");
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
	/* row 0: σ = 4/9, p = 3/4, 1/4, k = 2: α = 1/4, 3/4
	 * row 1: σ = 2/3, p = 1/2, 1/3, 1/6, k = 3: α = 1/4, 4/9, 25/36
	 * row 2: σ = 2/3, p = 1/2, 1/4, 1/4: α = 1/4, 9/16, 9/16
	 * row 3: same as row 2; row 4: k = 1, α = 1 but kept. */
	cr_assert_float_eq(alpha_of(0, 1), 0.25, EPS);
	cr_assert_float_eq(alpha_of(0, 2), 0.75, EPS);
	cr_assert_float_eq(alpha_of(1, 0), 0.25, EPS);
	cr_assert_float_eq(alpha_of(1, 2), 4.0 / 9, EPS);
	cr_assert_float_eq(alpha_of(1, 3), 25.0 / 36, EPS);
	cr_assert_float_eq(alpha_of(2, 0), 9.0 / 16, EPS);
	/* α < 0.3 keeps 0→1, 1→0, 2→1, 3→4, and 4→3 (k = 1): 5 of 12 */
	const struct csr *B = &pl.filt.B;
	cr_assert_eq(B->nnz, 5);
	cr_assert_eq(pl.filt.st.kept, 5);
	cr_assert_eq(pl.filt.st.removed, 7);
	cr_assert_eq(pl.filt.st.removed_backbone, 7);
	cr_assert_float_eq(tiny_s(B, 4, 3), 1.0 / 3, EPS);
	cr_assert_float_eq(tiny_s(B, 2, 1), 1.0 / 3, EPS);
	cr_assert(isnan(tiny_s(B, 2, 0)));
	/* reach loss (unseen items reachable from N(u)):
	 * u0 {0,1,2}: S → {3}, B → {}: 1;  u1 {0,1}: S → {2,3}, B → {}: 1
	 * u2 {1,2,3}: S → {0,4}, B → {0,4}: 0;  u3 {3,4}: S → {1,2}, B → {}: 1
	 * mean 3/4, max 1 */
	tiny_filter_insight(&pl);
	cr_assert_float_eq(pl.filt.st.mean_reach_loss, 0.75, EPS);
	cr_assert_float_eq(pl.filt.st.max_reach_loss, 1, EPS);
	cr_assert_eq(pl.filt.st.reach_users, 4, "all users, no sample");
	/* both ways of computing it (edge walk, bitsets) agree */
	for (int mode = REACH_EDGES; mode <= REACH_BITS; mode++) {
		filter_reach_mode = mode;
		filter_out_destroy(&pl.filt);
		cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
		tiny_filter_insight(&pl);
		filter_reach_mode = REACH_AUTO;
		cr_assert_float_eq(pl.filt.st.mean_reach_loss, 0.75, EPS,
		    "mode %d", mode);
		cr_assert_float_eq(pl.filt.st.max_reach_loss, 1, EPS);
	}
}

Test(filter, backbone_can_empty_b_without_failing, .fini = teardown)
{
	struct err e;
	cliques_graph(&pl);
	tiny_set(&pl, "abstract.metric", "cosine");
	tiny_set(&pl, "filter.method", "backbone");
	tiny_set(&pl, "filter.alpha", "1e-9");
	tiny_abstract(&pl);
	/* every row has k ≥ 4 near-equal edges: α ≈ (1 − 1/k)^(k−1) ≫ 1e-9 */
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
	cr_assert_eq(pl.filt.B.nnz, 0);
	cr_assert_eq(pl.filt.st.kept, 0);
	tiny_filter_insight(&pl);
	cr_assert_float_eq(pl.filt.st.mean_reach_loss, 1, EPS);
}

Test(filter, refit_split_and_labels)
{
	/* 3 users: u0 has 5 items, u1 has 2, u2 has 1.
	 * fraction 0.2: u0 → round(1.0) = 1 in val, u1 → round(0.4) = 0
	 * clamped to 1, u2 keeps its only item in fit. */
	struct pipeline p;
	static const struct trip t[] = {
		{ 0, 0, 1 }, { 0, 1, 1 }, { 0, 2, 1 }, { 0, 3, 1 }, { 0, 4, 1 },
		{ 1, 0, 1 }, { 1, 1, 1 }, { 2, 2, 1 } };
	tiny_graph(&p, 3, 5, t, 8);
	struct csr fit, val;
	csr_init(&fit);
	csr_init(&val);
	learn_refit_split(&p.graph.ui, 0.2, 42, &fit, &val);
	cr_assert_eq(csr_row_len(&val, 0), 1);
	cr_assert_eq(csr_row_len(&fit, 0), 4);
	cr_assert_eq(csr_row_len(&val, 1), 1);
	cr_assert_eq(csr_row_len(&val, 2), 0);
	cr_assert_eq(csr_row_len(&fit, 2), 1);
	for (uint64_t e = fit.ptr[0] + 1; e < fit.ptr[1]; e++)
		cr_assert_lt(fit.idx[e - 1], fit.idx[e], "columns ascending");
	csr_destroy(&fit);
	csr_destroy(&val);
	pipeline_destroy(&p);

	/* labels: fit u0 {0,1}, val u0 {2}; fit u1 {1,2}, val u1 {0}.
	 * S_fit edges 0→1, 1→0, 1→2, 2→1:
	 * 0→1: users with 0 in fit = {u0}, their val {2}: 1 ∉ → 0
	 * 1→0: {u0,u1}, val {2,0}: 0 ∈ → 1;  1→2: 2 ∈ → 1
	 * 2→1: {u1}, val {0}: → 0 */
	static const struct trip ft[] = {
		{ 0, 0, 1 }, { 0, 1, 1 }, { 1, 1, 1 }, { 1, 2, 1 } };
	static const struct trip vt[] = { { 0, 2, 1 }, { 1, 0, 1 } };
	static const struct trip st[] = {
		{ 0, 1, 1 }, { 1, 0, 1 }, { 1, 2, 1 }, { 2, 1, 1 } };
	struct pipeline a, b, c;
	tiny_graph(&a, 2, 3, ft, 4);
	tiny_graph(&b, 2, 3, vt, 2);
	tiny_graph(&c, 3, 3, st, 4);   /* rows = items i, cols = j */
	uint8_t *lab = learn_labels(&c.graph.ui, &a.graph.iu, &b.graph.ui);
	uint8_t want[4] = { 0, 1, 1, 0 };
	cr_assert_arr_eq(lab, want, 4);
	free(lab);
	pipeline_destroy(&a);
	pipeline_destroy(&b);
	pipeline_destroy(&c);
}

/* x0 separates the classes (≥ +1 vs ≤ −1); the rest is noise. */
static void toy_set(struct learn_set *s, size_t n, uint64_t seed)
{
	struct rng g;
	rng_seed(&g, seed);
	for (size_t r = 0; r < n; r++) {
		double x[FILTER_NFEATURES];
		uint8_t y = r % 3 == 0;
		for (int f = 0; f < FILTER_NFEATURES; f++)
			x[f] = rng_double(&g) * 10;
		x[0] = y ? 1 + rng_double(&g) : -1 - rng_double(&g);
		learn_set_push(s, x, y);
	}
}

static const struct learn_opts TOY_OPTS = { 42, 20, 3, 20, 0.3 };

/* AUC on a fresh toy set of a model fitted on another; each model's
 * contributions sum to its margin (linear: w_f·z_f + b; trees: TreeSHAP)
 * and a refit gives the same margins. */
static double toy_auc(int model)
{
	struct learn_set tr = { 0 }, te = { 0 };
	struct learn_model m, m2;
	struct err e;
	toy_set(&tr, 300, 1);
	toy_set(&te, 200, 2);
	cr_assert_eq(learn_fit(model, &tr, &TOY_OPTS, &m, &e), 0, "%s",
	    e.msg);
	cr_assert_eq(learn_fit(model, &tr, &TOY_OPTS, &m2, &e), 0);
	double mg[200], mg2[200], c[200 * (FILTER_NFEATURES + 1)], sc[200];
	cr_assert_eq(learn_predict(&m, te.X, te.n, mg, c, &e), 0, "%s",
	    e.msg);
	cr_assert_eq(learn_predict(&m2, te.X, te.n, mg2, NULL, &e), 0);
	for (size_t r = 0; r < te.n; r++) {
		double sum = 0;
		for (int f = 0; f <= FILTER_NFEATURES; f++)
			sum += c[r * (FILTER_NFEATURES + 1) + f];
		cr_assert_float_eq(sum, mg[r], 1e-5 * (1 + fabs(mg[r])),
		    "model %d row %zu: contributions %g, margin %g", model, r,
		    sum, mg[r]);
		cr_assert_eq(mg[r], mg2[r], "a refit differs");
		sc[r] = learn_score_of(mg[r]);
		cr_assert(sc[r] >= 0 && sc[r] <= 1);
	}
	double auc = learn_auc(sc, te.y, te.n);
	if (model == MODEL_LOGISTIC || model == MODEL_SVM)
		cr_assert_gt(m.w[0], 0, "the separating feature gets a "
		    "positive weight");
	/* the separating feature drives the decisions */
	double imp[FILTER_NFEATURES] = { 0 };
	for (size_t r = 0; r < te.n; r++)
		for (int f = 0; f < FILTER_NFEATURES; f++)
			imp[f] += fabs(c[r * (FILTER_NFEATURES + 1) + f]);
	for (int f = 1; f < FILTER_NFEATURES; f++)
		cr_assert_gt(imp[0], imp[f], "model %d: feature %d", model, f);
	learn_model_free(&m);
	learn_model_free(&m2);
	learn_set_destroy(&tr);
	learn_set_destroy(&te);
	return auc;
}

Test(filter, classifiers_separate_a_separable_set)
{
	cr_assert_eq(toy_auc(MODEL_LOGISTIC), 1.0);
	cr_assert_eq(toy_auc(MODEL_SVM), 1.0);
	cr_assert_eq(toy_auc(MODEL_FOREST), 1.0);
	cr_assert_eq(toy_auc(MODEL_BOOST), 1.0);
}

/* Small-integer features: test rows sit on the trees' thresholds (the
 * cut points of integer data are integers), where < and >= part. */
static void int_set(struct learn_set *s, size_t n, uint64_t seed)
{
	struct rng g;
	rng_seed(&g, seed);
	for (size_t r = 0; r < n; r++) {
		double x[FILTER_NFEATURES];
		for (int f = 0; f < FILTER_NFEATURES; f++)
			x[f] = (double)rng_below(&g, 8);
		uint8_t y = x[0] + x[1] + rng_below(&g, 6) > 9;
		learn_set_push(s, x, y);
	}
}

/* The flat trees (learn.c) score as XGBoost's own predictor does, bit for
 * bit: on rows at the thresholds, with missing values (the default
 * child), and for a copied model. */
Test(filter, flat_trees_give_xgboosts_margins)
{
	static const int models[] = { MODEL_FOREST, MODEL_BOOST };
	static const struct learn_opts opts[] = {
		{ 42, 20, 3, 20, 0.3 }, { 7, 50, 6, 60, 0.1 } };
	for (size_t mi = 0; mi < 2; mi++)
		for (size_t oi = 0; oi < 2; oi++) {
			struct learn_set tr = { 0 }, te = { 0 };
			struct learn_model m, cp;
			struct err e;
			int_set(&tr, 2000, 1);
			int_set(&te, 1000, 2);
			for (size_t r = 0; r < te.n; r += 7)   /* missing */
				te.X[r * FILTER_NFEATURES + r % FILTER_NFEATURES] =
				    NAN;
			cr_assert_eq(learn_fit(models[mi], &tr, &opts[oi], &m,
			    &e), 0, "%s", e.msg);
			cr_assert_not_null(m.trees, "the trees were not read");
			cr_assert_eq(learn_model_copy(&m, &cp, &e), 0);
			cr_assert_not_null(cp.trees);
			DMatrixHandle d;
			bst_ulong len;
			const float *res;
			cr_assert_eq(XGDMatrixCreateFromMat(te.X, te.n,
			    FILTER_NFEATURES, NAN, &d), 0);
			cr_assert_eq(XGBoosterPredict(m.booster, d, 1, 0, 0, &len,
			    &res), 0);
			cr_assert_eq(len, te.n);
			double mg[1000], mc[1000];
			static double c[1000 * (FILTER_NFEATURES + 1)];
			cr_assert_eq(learn_predict(&m, te.X, te.n, mg, NULL, &e),
			    0);
			/* the contributions from the TreeSHAP tables are
			 * XGBoost's TreeSHAP (which works in float) */
			cr_assert(learn_shap_tabled(&m), "no TreeSHAP tables");
			cr_assert(learn_shap_tabled(&cp));
			cr_assert_eq(learn_predict(&cp, te.X, te.n, NULL, c, &e),
			    0);
			const float *xc;
			cr_assert_eq(XGBoosterPredict(m.booster, d, 4, 0, 0, &len,
			    &xc), 0);
			cr_assert_eq(len, te.n * (FILTER_NFEATURES + 1));
			for (size_t q = 0; q < len; q++)
				cr_assert_float_eq(c[q], xc[q], 2e-5 * (1 +
				    fabs(xc[q])), "model %d opts %zu row %zu "
				    "feature %zu: %.9g, XGBoost %.9g", models[mi],
				    oi, q / (FILTER_NFEATURES + 1),
				    q % (FILTER_NFEATURES + 1), c[q],
				    (double)xc[q]);
			/* XGBoost's margins again: the buffer is reused */
			cr_assert_eq(XGBoosterPredict(m.booster, d, 1, 0, 0, &len,
			    &res), 0);
			cr_assert_eq(learn_predict(&cp, te.X, te.n, mc, NULL, &e),
			    0);
			size_t differ = 0;
			for (size_t r = 0; r < te.n; r++) {
				cr_assert_eq((float)mg[r], res[r], "model %d opts "
				    "%zu row %zu: %.9g, XGBoost %.9g", models[mi],
				    oi, r, mg[r], (double)res[r]);
				cr_assert_eq(mc[r], mg[r]);
				differ += mg[r] != mg[0];
			}
			cr_assert_gt(differ, 0, "every margin the same");
			XGDMatrixFree(d);
			learn_model_free(&m);
			learn_model_free(&cp);
			learn_set_destroy(&tr);
			learn_set_destroy(&te);
		}
}

/* The objective liblinear minimises for the logistic model, on the
 * standardised features with the bias as a (penalised) feature:
 * ½‖w‖² + C Σ c_y log(1 + e^(−y w·z)). */
static double logit_objective(const struct learn_set *s,
    const struct learn_model *m, const double *w)
{
	size_t npos = 0;
	for (size_t r = 0; r < s->n; r++)
		npos += s->y[r];
	double cw[2] = { s->n / (2.0 * (s->n - npos)), s->n / (2.0 * npos) };
	double C = 1 / (LEARN_LAMBDA * (double)s->n), f = 0;
	for (int k = 0; k <= FILTER_NFEATURES; k++)
		f += 0.5 * w[k] * w[k];
	for (size_t r = 0; r < s->n; r++) {
		double mg = w[FILTER_NFEATURES];
		for (int k = 0; k < FILTER_NFEATURES; k++)
			mg += w[k] * (s->X[r * FILTER_NFEATURES + k] - m->mean[k]) /
			    m->sd[k];
		double ym = (s->y[r] ? 1 : -1) * mg;
		f += C * cw[s->y[r]] * (ym > 0 ? log1p(exp(-ym)) :
		    -ym + log1p(exp(ym)));
	}
	return f;
}

/* liblinear's logistic reaches the optimum of its objective: a plain
 * Newton iteration here (the reference, 8 unknowns), started from
 * liblinear's answer, lowers the objective by less than 1e-6 relative. */
Test(filter, liblinear_logistic_reaches_the_optimum)
{
	struct learn_set tr = { 0 };
	struct learn_model m;
	struct err e;
	toy_set(&tr, 400, 7);
	/* overlap the classes so that the optimum is finite */
	for (size_t r = 0; r < tr.n; r += 5)
		tr.y[r] = !tr.y[r];
	cr_assert_eq(learn_fit(MODEL_LOGISTIC, &tr, &TOY_OPTS, &m, &e), 0);
	enum { N = FILTER_NFEATURES + 1 };
	double w[N], f0 = logit_objective(&tr, &m, m.w);
	memcpy(w, m.w, sizeof w);
	size_t npos = 0;
	for (size_t r = 0; r < tr.n; r++)
		npos += tr.y[r];
	double cw[2] = { tr.n / (2.0 * (tr.n - npos)), tr.n / (2.0 * npos) };
	double C = 1 / (LEARN_LAMBDA * (double)tr.n);
	for (int it = 0; it < 30; it++) {
		double g[N], H[N][N], z[N];
		for (int a = 0; a < N; a++) {
			g[a] = w[a];
			for (int b = 0; b < N; b++)
				H[a][b] = a == b;
		}
		for (size_t r = 0; r < tr.n; r++) {
			double mg = 0;
			for (int k = 0; k < FILTER_NFEATURES; k++)
				z[k] = (tr.X[r * FILTER_NFEATURES + k] -
				    m.mean[k]) / m.sd[k];
			z[FILTER_NFEATURES] = 1;
			for (int k = 0; k < N; k++)
				mg += w[k] * z[k];
			double y = tr.y[r] ? 1 : -1;
			double sg = 1 / (1 + exp(y * mg));
			double c = C * cw[tr.y[r]];
			for (int a = 0; a < N; a++) {
				g[a] -= c * y * sg * z[a];
				for (int b = 0; b < N; b++)
					H[a][b] += c * sg * (1 - sg) * z[a] *
					    z[b];
			}
		}
		/* solve H d = g (Gauss–Jordan) and step */
		double A[N][N + 1];
		for (int a = 0; a < N; a++) {
			memcpy(A[a], H[a], sizeof H[a]);
			A[a][N] = g[a];
		}
		for (int c = 0; c < N; c++) {
			int p = c;
			for (int r = c + 1; r < N; r++)
				if (fabs(A[r][c]) > fabs(A[p][c]))
					p = r;
			for (int k = 0; k <= N; k++) {
				double t = A[c][k];
				A[c][k] = A[p][k];
				A[p][k] = t;
			}
			for (int r = 0; r < N; r++) {
				if (r == c)
					continue;
				double fct = A[r][c] / A[c][c];
				for (int k = c; k <= N; k++)
					A[r][k] -= fct * A[c][k];
			}
		}
		for (int a = 0; a < N; a++)
			w[a] -= A[a][N] / A[a][a];
	}
	double f1 = logit_objective(&tr, &m, w);
	cr_assert_leq(f1, f0 * (1 + 1e-12));
	cr_assert((f0 - f1) <= 1e-6 * f1, "liblinear %.12g, optimum %.12g",
	    f0, f1);
	learn_set_destroy(&tr);
}

Test(filter, auc_ties_averaged)
{
	/* scores .1 .4 .4 .8, labels 0 1 0 1: ranks 1, 2.5, 2.5, 4;
	 * positives' rank sum 6.5; AUC = (6.5 − 2·3/2)/(2·2) = 0.875 */
	double s[4] = { 0.1, 0.4, 0.4, 0.8 };
	uint8_t y[4] = { 0, 1, 0, 1 };
	cr_assert_float_eq(learn_auc(s, y, 4), 0.875, 1e-12);
	uint8_t none[4] = { 0 };
	cr_assert(isnan(learn_auc(s, none, 4)));
}

Test(filter, one_class_is_an_error)
{
	struct learn_set tr = { 0 };
	struct learn_model m;
	struct err e;
	double x[FILTER_NFEATURES] = { 0 };
	learn_set_push(&tr, x, 0);
	learn_set_push(&tr, x, 0);
	cr_assert_eq(learn_fit(MODEL_LOGISTIC, &tr, &TOY_OPTS, &m, &e), -1);
	cr_assert_eq(e.code, ERR_EMPTY);
	cr_assert(strstr(e.msg, "filter.val_fraction"), "%s", e.msg);
	learn_set_destroy(&tr);
}

/* A denser random graph so that the relabelling finds both classes. */
static void random_graph_of(struct pipeline *p)
{
	struct trip t[600];
	size_t n = 0;
	struct rng g;
	rng_seed(&g, 5);
	for (uint32_t u = 0; u < 60; u++) {
		uint32_t base = u % 2 ? 0 : 10;
		for (uint32_t i = 0; i < 20; i++)
			if (rng_double(&g) < ((i >= base && i < base + 10) ?
			    0.6 : 0.1))
				t[n++] = (struct trip){ u, i, 1 };
	}
	tiny_graph(p, 60, 20, t, n);
}

static void random_graph(void)
{
	random_graph_of(&pl);
}

Test(filter, learned_end_to_end_deterministic, .fini = teardown)
{
	struct err e;
	random_graph();
	tiny_set(&pl, "abstract.metric", "cosine");
	tiny_set(&pl, "filter.method", "learned");
	tiny_abstract(&pl);
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
	const struct filter_out *f = &pl.filt;
	cr_assert(f->has_model);
	cr_assert_gt(f->st.n_train_edges, 0);
	cr_assert_gt(f->st.n_train_pos, 0);
	cr_assert_lt(f->st.n_train_pos, f->st.n_train_edges);
	/* the held-out scores are insight: not computed by the stage */
	cr_assert(isnan(f->st.auc));
	cr_assert_gt(f->holdout.n, 0);
	struct filter_stats fs;
	cr_assert_eq(filter_insight(&pl, NULL, &fs, &e), 0, "%s", e.msg);
	cr_assert(fs.auc >= 0 && fs.auc <= 1, "auc %g", fs.auc);
	cr_assert_eq(fs.tp + fs.fp + fs.tn + fs.fn, f->holdout.n);
	double imp = 0;
	for (int k = 0; k <= FILTER_NFEATURES; k++)
		imp += fs.importance[k];
	cr_assert_gt(imp, 0);
	cr_assert_eq(f->st.kept + f->st.removed, pl.abs.S.nnz);
	cr_assert_eq(f->st.removed_learned, f->st.removed);
	double min_score = params_real(&pl.params, P_FILTER_MIN_SCORE);
	for (uint64_t k = 0; k < pl.abs.S.nnz; k++) {
		cr_assert(f->score[k] >= 0 && f->score[k] <= 1);
		cr_assert_eq(f->kept[k], f->score[k] >= min_score);
	}
	double w[FILTER_NFEATURES + 1];
	memcpy(w, f->model.w, sizeof w);
	filter_out_destroy(&pl.filt);
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
	cr_assert_arr_eq(pl.filt.model.w, w, sizeof w);
	filter_out_destroy(&pl.filt);
	tiny_set(&pl, "filter.model", "svm");
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
	cr_assert(pl.filt.has_model);
}

/* pl's filter result against a fresh pipeline's with the same
 * parameters: the same values, cuts and B, bit for bit. */
static void filter_as_fresh(const char *what)
{
	struct pipeline b;
	random_graph_of(&b);
	b.params = pl.params;
	tiny_run_abstract(&b);
	tiny_run_filter(&b);
	const struct filter_out *x = &pl.filt, *y = &b.filt;
	uint64_t n = pl.abs.S.nnz;
	cr_assert_eq(n, b.abs.S.nnz, "%s", what);
	cr_assert_eq(memcmp(x->alpha, y->alpha, n * sizeof *x->alpha), 0,
	    "%s: alpha", what);
	cr_assert_eq(!x->score, !y->score, "%s", what);
	if (x->score)
		cr_assert_eq(memcmp(x->score, y->score, n * sizeof *x->score),
		    0, "%s: scores", what);
	cr_assert_eq(memcmp(x->kept, y->kept, n), 0, "%s: kept", what);
	cr_assert_eq(x->st.kept, y->st.kept, "%s", what);
	cr_assert_eq(x->st.n_train_edges, y->st.n_train_edges, "%s", what);
	cr_assert_eq(x->holdout.n, y->holdout.n, "%s", what);
	cr_assert_eq(x->B.nnz, y->B.nnz, "%s", what);
	cr_assert_eq(memcmp(x->B.idx, y->B.idx, x->B.nnz * sizeof *x->B.idx),
	    0, "%s: B", what);
	pipeline_destroy(&b);
}

/* A change of filter.min_score or filter.alpha alone re-selects from the
 * previous result's α_ij and scores (no fit, no scoring) and gives what a
 * fresh run gives; the copied model explains as the first did. Any other
 * filter parameter, or a new S, computes them again. */
Test(filter, a_cut_change_reselects_from_the_values, .fini = teardown)
{
	static const struct { const char *p, *v; bool reselect; } change[] = {
		{ "filter.min_score", "0.6", true },
		{ "filter.min_score", "0.4", true },
		{ "filter.trees", "7", false },
		{ "filter.min_score", "0.55", true },
		{ "filter.model", "logistic", false },
		{ "filter.min_score", "0.5", true },
		{ "filter.method", "backbone", false },
		{ "filter.alpha", "0.2", true },
		{ "abstract.topk", "5", false },     /* a new S */
		{ "filter.alpha", "0.6", true },
	};
	struct err e;
	random_graph();
	tiny_set(&pl, "abstract.metric", "cosine");
	tiny_set(&pl, "filter.method", "learned");
	tiny_set(&pl, "filter.model", "forest");
	tiny_set(&pl, "filter.trees", "10");
	tiny_run_abstract(&pl);
	tiny_run_filter(&pl);
	cr_assert_not(pl.filt.reselected);
	for (size_t k = 0; k < sizeof change / sizeof *change; k++) {
		double c0[FILTER_NFEATURES + 1], c1[FILTER_NFEATURES + 1];
		double m0 = 0, m1 = 0;
		bool learned = pl.filt.has_model;
		if (learned)
			cr_assert_eq(learn_edge_contrib(&pl, 0, 0, c0, &m0, &e),
			    0, "%s", e.msg);
		tiny_set(&pl, change[k].p, change[k].v);
		if (strncmp(change[k].p, "abstract.", 9) == 0)
			tiny_run_abstract(&pl);
		tiny_run_filter(&pl);
		cr_assert_eq(pl.filt.reselected, change[k].reselect, "%s %s",
		    change[k].p, change[k].v);
		if (change[k].reselect && learned) {
			cr_assert_eq(learn_edge_contrib(&pl, 0, 0, c1, &m1, &e),
			    0, "%s", e.msg);
			cr_assert_eq(m0, m1, "%s: the copied model", change[k].p);
			cr_assert_arr_eq(c0, c1, sizeof c0);
		}
		filter_as_fresh(change[k].p);
	}
}

/* Trees from XGBoost keep the same edges on every run and at 1 or 2
 * OpenMP threads; each edge's contributions sum to its margin. */
Test(filter, trees_deterministic_across_threads, .fini = teardown)
{
	struct err e;
	random_graph();
	tiny_set(&pl, "abstract.metric", "cosine");
	tiny_set(&pl, "filter.method", "learned");
	tiny_abstract(&pl);
	static const char *const models[] = { "forest", "boost" };
	for (int k = 0; k < 2; k++) {
		tiny_set(&pl, "filter.model", models[k]);
		uint64_t n = pl.abs.S.nnz;
		uint8_t *kept[2];
		float *score[2];
		for (int t = 0; t < 2; t++) {
#ifdef _OPENMP
			omp_set_num_threads(t + 1);
#endif
			filter_out_destroy(&pl.filt);
			cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s",
			    e.msg);
			kept[t] = malloc(n);
			score[t] = malloc(n * sizeof **score);
			memcpy(kept[t], pl.filt.kept, n);
			memcpy(score[t], pl.filt.score, n * sizeof **score);
		}
		cr_assert_arr_eq(kept[0], kept[1], n, "%s", models[k]);
		cr_assert_arr_eq(score[0], score[1], n * sizeof **score);
		for (uint32_t i = 0; i < pl.abs.S.nrows; i++)
			for (uint64_t x = pl.abs.S.ptr[i];
			    x < pl.abs.S.ptr[i + 1]; x++) {
				double c[FILTER_NFEATURES + 1], m, sum = 0;
				cr_assert_eq(learn_edge_contrib(&pl, i, x, c, &m,
				    &e), 0, "%s", e.msg);
				for (int f = 0; f <= FILTER_NFEATURES; f++)
					sum += c[f];
				cr_assert_float_eq(sum, m, 1e-5 * (1 + fabs(m)));
				cr_assert_float_eq(learn_score_of(m),
				    pl.filt.score[x], 1e-5);
			}
		for (int t = 0; t < 2; t++) {
			free(kept[t]);
			free(score[t]);
		}
	}
}

/* For every metric, the score the stage gave each edge is the one `why`
 * recomputes from the edge's features (C_ij by merging the two items'
 * user lists). The p3/rp3 kernels once counted C_ij of S with the walk
 * probability in place of w_uj: the model, trained on the right C_ij of
 * S_fit, scored S on a wrong one (ML-100K, forest: 98 of 131,892 edges
 * kept, against ~40 % of the held-out edges). */
Test(filter, scores_are_what_why_recomputes_for_every_metric,
    .fini = teardown)
{
	static const char *const metrics[] = { "cosine", "jaccard", "asym",
	    "p3", "rp3" };
	static const char *const models[] = { "logistic", "forest" };
	struct err e;
	random_graph();
	tiny_set(&pl, "filter.method", "learned");
	for (int a = 0; a < 5; a++)
		for (int b = 0; b < 2; b++) {
			tiny_set(&pl, "abstract.metric", metrics[a]);
			tiny_set(&pl, "filter.model", models[b]);
			abstract_out_destroy(&pl.abs);
			tiny_abstract(&pl);
			filter_out_destroy(&pl.filt);
			cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s",
			    e.msg);
			const struct csr *S = &pl.abs.S;
			for (uint32_t i = 0; i < S->nrows; i++)
				for (uint64_t x = S->ptr[i]; x < S->ptr[i + 1];
				    x++) {
					double c[FILTER_NFEATURES + 1], m;
					cr_assert_eq(learn_edge_contrib(&pl, i,
					    x, c, &m, &e), 0, "%s", e.msg);
					cr_assert_float_eq(learn_score_of(m),
					    pl.filt.score[x], 1e-5,
					    "%s %s: edge %u->%u scored %g, "
					    "why says %g", metrics[a],
					    models[b], i, S->idx[x],
					    pl.filt.score[x],
					    learn_score_of(m));
				}
		}
}

Test(filter, reason_names)
{
	for (int r = CUT_NONE; r <= CUT_SELF; r++)
		cr_assert_str_neq(cut_reason_name(r), "?");
	cr_assert(strstr(cut_reason_name(CUT_BACKBONE), "filter.alpha"));
}

Test(filter, needs_abstract)
{
	struct pipeline p;
	struct err e;
	pipeline_init(&p);
	cr_assert_eq(filter_run(&p, &p.filt, &e), -1);
	cr_assert_eq(e.code, ERR_STATE);
	pipeline_destroy(&p);
}

/* The bundled sample (300 items: the bitset way by default): the edge
 * walk and the bitsets give the same reach loss, for a real backbone. */
Test(filter, reach_loss_ways_agree_on_the_sample)
{
	struct pipeline p;
	struct err e;
	double got[2][2];
	pipeline_init(&p);
	cr_assert_eq(pipeline_load(&p, SAMPLES "/sample.csv", NULL, &e), 0,
	    "%s", e.msg);
	cr_assert_eq(pipeline_set(&p, "filter.method", "backbone", &e), 0);
	cr_assert_eq(pipeline_set(&p, "filter.alpha", "0.3", &e), 0);
	for (int mode = REACH_EDGES; mode <= REACH_BITS; mode++) {
		filter_reach_mode = mode;
		cr_assert_eq(pipeline_set(&p, "filter.seed",
		    mode == REACH_EDGES ? "1" : "2", &e), 0);
		cr_assert_eq(pipeline_run(&p, STAGE_FILTER, &e), 0, "%s",
		    e.msg);
		cr_assert_eq(pipeline_insight(&p, STAGE_FILTER, &e), 0);
		got[mode - 1][0] = p.filt.st.mean_reach_loss;
		got[mode - 1][1] = p.filt.st.max_reach_loss;
	}
	filter_reach_mode = REACH_AUTO;
	cr_assert_gt(got[0][0], 0.01, "the backbone cut something");
	cr_assert_float_eq(got[0][0], got[1][0], 1e-12);
	cr_assert_float_eq(got[0][1], got[1][1], 1e-12);
	pipeline_destroy(&p);
}
