/*
 * distill — equivalence tests: with abstract.metric=rp3, filter.method=none,
 * distill.alpha=1, distill.beta=0, distill.calibrate=0 the pipeline's top-N
 * lists equal a straightforward RP3β written here with dense matrices and
 * no shared code; with metric=cosine they equal a straightforward
 * item-kNN. On a small random weighted dataset (always) and on ML-100K
 * (when ../shared/data is present).
 *
 * Reference (double precision, dense):
 *   rp3:    W_ij = Σ_u (w_ui/Σ_v w_vi)^α (w_uj/Σ_k w_uk)^α / deg(j)^β
 *   cosine: W_ij = C_ij / (‖w_i‖ ‖w_j‖)
 * rounded to float (the documented precision of S, so that values equal
 * in float tie the same way), then per row i: drop i, keep the topk
 * largest (ties by index);
 * score_uj = Σ_i (w_ui/Σ_k w_uk) W_ij for unseen j, keep score > 0.
 * Lists are compared position by position; where the items differ the
 * reference scores of the two must agree to 1e-5 (a float near-tie).
 */
#include <criterion/criterion.h>
#include <math.h>

#include "hand.h"
#include "testutil.h"

struct dense {
	uint32_t U, I;
	double *w;   /* U x I */
};

static int cmp_desc(const void *a, const void *b, void *ctx)
{
	const double *row = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (row[x] != row[y])
		return row[x] > row[y] ? -1 : 1;
	return x < y ? -1 : 1;
}

static double *ref_sim(const struct dense *d, bool rp3, double alpha,
    double beta, int topk)
{
	uint32_t U = d->U, I = d->I;
	double *W = calloc((size_t)I * I, sizeof *W);
	double *rs = calloc(U, sizeof *rs), *cs = calloc(I, sizeof *cs);
	double *nrm = calloc(I, sizeof *nrm), *deg = calloc(I, sizeof *deg);
	for (uint32_t u = 0; u < U; u++)
		for (uint32_t i = 0; i < I; i++) {
			double x = d->w[(size_t)u * I + i];
			rs[u] += x;
			cs[i] += x;
			nrm[i] += x * x;
			deg[i] += x != 0;
		}
	for (uint32_t u = 0; u < U; u++)
		for (uint32_t i = 0; i < I; i++) {
			double wi = d->w[(size_t)u * I + i];
			if (wi == 0)
				continue;
			for (uint32_t j = 0; j < I; j++) {
				double wj = d->w[(size_t)u * I + j];
				if (wj == 0 || i == j)
					continue;
				W[(size_t)i * I + j] += rp3 ?
				    pow(wi / cs[i], alpha) *
				    pow(wj / rs[u], alpha) : wi * wj;
			}
		}
	for (uint32_t i = 0; i < I; i++)
		for (uint32_t j = 0; j < I; j++) {
			double *x = &W[(size_t)i * I + j];
			if (*x != 0)
				*x = (float)(rp3 ? *x / pow(deg[j], beta) :
				    *x / (sqrt(nrm[i]) * sqrt(nrm[j])));
		}
	/* top-k per row: zero everything after the k-th (ties by index) */
	uint32_t *ord = malloc(I * sizeof *ord);
	for (uint32_t i = 0; topk > 0 && i < I; i++) {
		double *row = &W[(size_t)i * I];
		for (uint32_t j = 0; j < I; j++)
			ord[j] = j;
		qsort_r(ord, I, sizeof *ord, cmp_desc, row);
		for (uint32_t r = (uint32_t)topk; r < I; r++)
			row[ord[r]] = 0;
	}
	free(ord);
	free(rs); free(cs); free(nrm); free(deg);
	return W;
}

/* Compare every user's list with the reference scores. */
static void compare(struct pipeline *pl, const struct dense *d,
    const double *W)
{
	uint32_t I = d->I, L = pl->rec.L;
	double *s = malloc(I * sizeof *s);
	int diff = 0;
	for (uint32_t u = 0; u < d->U; u++) {
		double rs = 0;
		for (uint32_t i = 0; i < I; i++)
			rs += d->w[(size_t)u * I + i];
		for (uint32_t j = 0; j < I; j++) {
			s[j] = 0;
			if (d->w[(size_t)u * I + j] != 0)
				continue;
			for (uint32_t i = 0; i < I; i++)
				if (d->w[(size_t)u * I + i] != 0)
					s[j] += d->w[(size_t)u * I + i] / rs *
					    W[(size_t)i * I + j];
		}
		for (uint32_t k = 0; k < L; k++) {
			uint32_t best = NO_ITEM;
			for (uint32_t j = 0; j < I; j++) {
				bool taken = false;
				for (uint32_t m = 0; m < k; m++)
					taken |= LIST(pl, u, m) == j;
				if (s[j] > 0 && !taken && (best == NO_ITEM ||
				    s[j] > s[best]))
					best = j;
			}
			uint32_t got = LIST(pl, u, k);
			if (best == NO_ITEM) {
				cr_assert_eq(got, NO_ITEM, "user %u pos %u", u, k);
				break;
			}
			cr_assert_neq(got, NO_ITEM, "user %u pos %u", u, k);
			if (got != best) {
				diff++;
				cr_assert_float_eq(s[got], s[best],
				    1e-5 * s[best], "user %u pos %u: %u (%.9g) "
				    "vs %u (%.9g)", u, k, got, s[got], best,
				    s[best]);
			}
		}
	}
	cr_assert_lt(diff, (int)(d->U * L / 100 + 2), "%d near-ties", diff);
	free(s);
}

/* Random dataset: 60 users, 40 items, ~25% density, weights in [1,5]. */
static void random_dense(struct dense *d)
{
	struct rng r;
	d->U = 60;
	d->I = 40;
	d->w = calloc((size_t)d->U * d->I, sizeof *d->w);
	rng_seed(&r, 7);
	for (size_t k = 0; k < (size_t)d->U * d->I; k++)
		if (rng_double(&r) < .25)
			d->w[k] = 1 + 4 * rng_double(&r);
}

/* Run the pipeline's abstract, filter, distill, recommend stages on the
 * dense data (graph given by hand). */
static void run_random(struct pipeline *pl, const struct dense *d,
    const char *const *set)
{
	struct err e;
	float *w = calloc((size_t)d->U * d->I, sizeof *w);
	float *t = calloc((size_t)d->U * d->I, sizeof *t);
	float *b = calloc((size_t)d->I * d->I, sizeof *b);
	for (size_t k = 0; k < (size_t)d->U * d->I; k++)
		w[k] = (float)d->w[k];
	hand_pipeline(pl, d->U, d->I, w, t, b, NULL, 0);
	abstract_out_destroy(&pl->abs);
	filter_out_destroy(&pl->filt);
	params_set(&pl->params, "abstract.cluster", "none", NULL);
	params_set(&pl->params, "filter.method", "none", NULL);
	params_set(&pl->params, "abstract.threshold", "0", NULL);
	for (; *set; set += 2)
		cr_assert_eq(params_set(&pl->params, set[0], set[1], &e), 0);
	cr_assert_eq(abstract_run(pl, &pl->abs, &e), 0, "%s", e.msg);
	cr_assert_eq(filter_run(pl, &pl->filt, &e), 0, "%s", e.msg);
	cr_assert_eq(hand_run(pl, &e), 0, "%s", e.msg);
	free(w); free(t); free(b);
}

Test(equiv, rp3_random)
{
	struct dense d;
	struct pipeline pl;
	static const char *const set[] = { "abstract.metric", "rp3",
		"abstract.alpha", "0.8", "abstract.beta", "0.3",
		"abstract.topk", "15", "rec.n", "10", NULL };
	random_dense(&d);
	run_random(&pl, &d, set);
	double *W = ref_sim(&d, true, 0.8, 0.3, 15);
	compare(&pl, &d, W);
	free(W);
	free(d.w);
	pipeline_destroy(&pl);
}

Test(equiv, cosine_random)
{
	struct dense d;
	struct pipeline pl;
	static const char *const set[] = { "abstract.metric", "cosine",
		"abstract.topk", "0", "rec.n", "10", NULL };
	random_dense(&d);
	run_random(&pl, &d, set);
	double *W = ref_sim(&d, false, 1, 0, 0);
	compare(&pl, &d, W);
	free(W);
	free(d.w);
	pipeline_destroy(&pl);
}

/* ML-100K, ratings >= 4 positive, the pipeline's own fit graph as input. */
static void ml100k(const char *metric, bool rp3, const char *topk)
{
	char buf[512];
	struct err e;
	struct pipeline pl;
	const char *path = shared_data("ml-100k/u.data", buf, sizeof buf);
	if (!path)
		cr_skip_test("ml-100k not present");
	pipeline_init(&pl);
	cr_assert_eq(pipeline_load(&pl, path, NULL, &e), 0, "%s", e.msg);
	const char *set[][2] = { { "graph.min_rating", "4" },
		{ "split.validation", "0" }, { "eval.target", "test" },
		{ "abstract.metric", metric }, { "abstract.alpha", "0.7" },
		{ "abstract.beta", "0.3" }, { "abstract.topk", topk },
		{ "abstract.cluster", "none" } };
	for (size_t k = 0; k < sizeof set / sizeof *set; k++)
		cr_assert_eq(pipeline_set(&pl, set[k][0], set[k][1], &e), 0,
		    "%s", e.msg);
	cr_assert_eq(pipeline_run(&pl, STAGE_RECOMMEND, &e), 0, "%s", e.msg);
	struct dense d = { pl.graph.ui.nrows, pl.graph.ui.ncols, NULL };
	d.w = calloc((size_t)d.U * d.I, sizeof *d.w);
	for (uint32_t u = 0; u < d.U; u++)
		for (uint64_t k = pl.graph.ui.ptr[u]; k < pl.graph.ui.ptr[u + 1];
		    k++)
			d.w[(size_t)u * d.I + pl.graph.ui.idx[k]] =
			    pl.graph.ui.val[k];
	double *W = ref_sim(&d, rp3, 0.7, 0.3, atoi(topk));
	compare(&pl, &d, W);
	free(W);
	free(d.w);
	pipeline_destroy(&pl);
}

Test(equiv, rp3_ml100k, .timeout = 300) { ml100k("rp3", true, "50"); }
Test(equiv, cosine_ml100k, .timeout = 300)
{
	ml100k("cosine", false, "50");
}
Test(equiv, cosine_ml100k_all, .timeout = 300)
{
	ml100k("cosine", false, "0");
}
