/*
 * distill — unit tests of filter.method ridge (DESIGN §1.4): a single
 * regression computed by hand on TINY, and the equality with the dense
 * EASE closed form B = I − P·diag(1/diag P), P = (XᵀX + Λ)⁻¹ on a graph
 * where every pair of items co-occurs (with and without the denoising
 * dropout term), and filter.rank's randomized SVD against the true
 * spectrum and the projection property. The references are a plain
 * Gauss–Jordan inverse and a Jacobi eigensolver in double, independent of
 * the LAPACK paths under test.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "explain.h"
#include "tiny.h"
#include "topk.h"

static struct pipeline pl;

static void teardown(void)
{
	pipeline_destroy(&pl);
}

static float b_of(const struct csr *B, uint32_t i, uint32_t j)
{
	return tiny_s(B, i, j);
}

/* TINY: item 4's only co-occurring item is 3 (C_34 = 1·2 = 2) and
 * G_33 = 1² + 1² = 2, so with λ = 1 its regression is the scalar
 * b = G_34 / (G_33 + λ) = 2/3; with dropout p = 0.5 the penalty gains
 * p/(1−p)·G_33 = 2: b = 2/5. Item 0 has N(0) = {1, 2}:
 * G_11 = 3, G_22 = 2, G_12 = 2, G_10 = 3, G_20 = 1; with λ = 1
 * [4 2; 2 3] b = [3; 1] gives b = (7/8, −1/4): a negative relation. */
Test(ridge, hand_computed_tiny, .fini = teardown)
{
	struct err e;
	tiny_graph(&pl, 4, 5, TINY, sizeof TINY / sizeof TINY[0]);
	tiny_set(&pl, "abstract.metric", "p3");
	tiny_set(&pl, "abstract.topk", "0");
	tiny_set(&pl, "filter.method", "ridge");
	tiny_set(&pl, "filter.lambda", "1");
	tiny_abstract(&pl);
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
	const struct csr *B = &pl.filt.B;
	/* B_ij exists iff j → i is in S: the same 12 relations, reversed */
	cr_assert_eq(B->nnz, 12);
	cr_assert_float_eq(b_of(B, 3, 4), 2.0f / 3, 1e-6);
	cr_assert_float_eq(b_of(B, 1, 0), 7.0f / 8, 1e-6);
	cr_assert_float_eq(b_of(B, 2, 0), -1.0f / 4, 1e-6);
	cr_assert(isnan(b_of(B, 4, 0)));    /* 0 → 4 not in S */
	uint64_t neg = 0;
	for (uint64_t x = 0; x < B->nnz; x++)
		neg += B->val[x] < 0;
	cr_assert_eq(pl.filt.st.ridge_negative, neg);
	cr_assert_geq(neg, 1);
	cr_assert_eq(pl.filt.st.removed, 0);
	cr_assert_null(pl.filt.kept);

	double b[1];
	uint32_t nbr[1] = { 3 };
	cr_assert_eq(ridge_column(&pl.graph.iu, nbr, 1, 4, 1, 0.5, b), 0);
	cr_assert_float_eq(b[0], 2.0 / 5, 1e-12);
}

/* In-place inverse of the n × n row-major matrix a (Gauss–Jordan with
 * partial pivoting). */
static void gj_inverse(double *a, int n)
{
	double *m = calloc((size_t)n * 2 * n, sizeof *m);
	for (int r = 0; r < n; r++) {
		for (int c = 0; c < n; c++)
			m[r * 2 * n + c] = a[r * n + c];
		m[r * 2 * n + n + r] = 1;
	}
	for (int c = 0; c < n; c++) {
		int piv = c;
		for (int r = c + 1; r < n; r++)
			if (fabs(m[r * 2 * n + c]) > fabs(m[piv * 2 * n + c]))
				piv = r;
		for (int k = 0; k < 2 * n; k++) {
			double t = m[c * 2 * n + k];
			m[c * 2 * n + k] = m[piv * 2 * n + k];
			m[piv * 2 * n + k] = t;
		}
		double d = m[c * 2 * n + c];
		for (int k = 0; k < 2 * n; k++)
			m[c * 2 * n + k] /= d;
		for (int r = 0; r < n; r++) {
			if (r == c)
				continue;
			double f = m[r * 2 * n + c];
			for (int k = 0; k < 2 * n; k++)
				m[r * 2 * n + k] -= f * m[c * 2 * n + k];
		}
	}
	for (int r = 0; r < n; r++)
		for (int c = 0; c < n; c++)
			a[r * n + c] = m[r * 2 * n + n + c];
	free(m);
}

/* 7 users × 6 items, weights 1..3; every pair of items co-occurs. */
#define NU 7
#define NI 6
static const float DENSE[NU][NI] = {
	{ 1, 2, 0, 1, 3, 1 },
	{ 2, 1, 1, 0, 1, 2 },
	{ 0, 1, 3, 2, 0, 1 },
	{ 1, 0, 2, 1, 2, 0 },
	{ 3, 1, 1, 1, 1, 1 },
	{ 1, 1, 0, 2, 1, 3 },
	{ 2, 0, 1, 1, 0, 2 },
};

/* The graph of the NU × NI weights m (zero: no edge). */
static void matrix_graph(struct pipeline *p, const float m[NU][NI])
{
	struct trip t[NU * NI];
	size_t n = 0;
	for (uint32_t u = 0; u < NU; u++)
		for (uint32_t i = 0; i < NI; i++)
			if (m[u][i] > 0)
				t[n++] = (struct trip){ u, i, m[u][i] };
	tiny_graph(p, NU, NI, t, n);
}

static void dense_graph_of(struct pipeline *p)
{
	matrix_graph(p, DENSE);
}

static void dense_graph(void)
{
	dense_graph_of(&pl);
}

/* The EASE closed form with Λ = λI + p/(1−p)·diag(G). */
static void ease_dense(double lambda, double p, double Bd[NI][NI])
{
	double P[NI * NI];
	for (int i = 0; i < NI; i++)
		for (int j = 0; j < NI; j++) {
			double g = 0;
			for (int u = 0; u < NU; u++)
				g += (double)DENSE[u][i] * DENSE[u][j];
			P[i * NI + j] = g;
		}
	for (int i = 0; i < NI; i++)
		P[i * NI + i] += lambda + p / (1 - p) * P[i * NI + i];
	gj_inverse(P, NI);
	for (int i = 0; i < NI; i++)
		for (int j = 0; j < NI; j++)
			Bd[i][j] = i == j ? 0 : -P[i * NI + j] / P[j * NI + j];
}

static void check_equals_ease(double lambda, double p)
{
	struct err e;
	char lv[32], pv[32];
	snprintf(lv, sizeof lv, "%.17g", lambda);
	snprintf(pv, sizeof pv, "%.17g", p);
	dense_graph();
	tiny_set(&pl, "abstract.metric", "cosine");
	tiny_set(&pl, "abstract.topk", "0");
	tiny_set(&pl, "abstract.threshold", "0");
	tiny_set(&pl, "filter.method", "ridge");
	tiny_set(&pl, "filter.lambda", lv);
	tiny_set(&pl, "filter.dropout", pv);
	tiny_abstract(&pl);
	cr_assert_eq(pl.abs.S.nnz, NI * (NI - 1), "every pair co-occurs");
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
	double Bd[NI][NI];
	ease_dense(lambda, p, Bd);
	/* double precision: each column's regression to 1e-9 */
	for (uint32_t j = 0; j < NI; j++) {
		const struct csr *S = &pl.abs.S;
		uint32_t k = (uint32_t)csr_row_len(S, j);
		double b[NI];
		cr_assert_eq(k, NI - 1);
		cr_assert_eq(ridge_column(&pl.graph.iu, S->idx + S->ptr[j], k,
		    j, lambda, p, b), 0);
		for (uint32_t x = 0; x < k; x++) {
			uint32_t i = S->idx[S->ptr[j] + x];
			cr_assert(fabs(b[x] - Bd[i][j]) <= 1e-9,
			    "b_%u%u = %.12g, EASE %.12g", i, j, b[x], Bd[i][j]);
		}
	}
	/* the stage's B (float): every off-diagonal entry, to float
	 * rounding */
	for (uint32_t i = 0; i < NI; i++)
		for (uint32_t j = 0; j < NI; j++) {
			float v = b_of(&pl.filt.B, i, j);
			if (i == j) {
				cr_assert(isnan(v));
				continue;
			}
			cr_assert(fabs(v - Bd[i][j]) <= 1e-6 * (1 +
			    fabs(Bd[i][j])), "B_%u%u = %.9g, EASE %.9g", i, j,
			    v, Bd[i][j]);
		}
	pipeline_destroy(&pl);
}

Test(ridge, equals_dense_ease)
{
	check_equals_ease(1, 0);
	check_equals_ease(10, 0);
	check_equals_ease(0.5, 0);
}

Test(ridge, equals_dense_edlae_with_dropout)
{
	check_equals_ease(1, 0.25);
	check_equals_ease(0, 0.5);   /* dropout alone keeps it definite */
}

/* λ = 0 and no dropout on a rank-deficient block: a clear error. */
Test(ridge, singular_system_is_an_error, .fini = teardown)
{
	static const struct trip two[] = {
		{ 0, 0, 1 }, { 0, 1, 1 }, { 0, 2, 1 },
	};
	struct err e;
	tiny_graph(&pl, 1, 3, two, sizeof two / sizeof two[0]);
	tiny_set(&pl, "abstract.metric", "cosine");
	tiny_set(&pl, "abstract.topk", "0");
	tiny_set(&pl, "filter.method", "ridge");
	tiny_set(&pl, "filter.lambda", "0");
	tiny_abstract(&pl);
	/* one user: every neighbour block is [1 1; 1 1], singular, and
	 * exactly so in floating point (the second pivot is 1 − 1·1) */
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), -1);
	cr_assert_eq(e.code, ERR_INVAL);
	cr_assert(strstr(e.msg, "filter.lambda"), "%s", e.msg);
}

/* The dense EASE baseline (ease.c) against the same reference, and the
 * ridge filter's B with every pair kept against it. */
Test(ridge, ease_baseline_equals_closed_form, .fini = teardown)
{
	struct err e;
	double Bd[NI][NI], *B = NULL;
	dense_graph();
	ease_dense(7, 0, Bd);
	cr_assert_eq(ease_fit(&pl.graph.ui, 7, &B, &e), 0, "%s", e.msg);
	for (int i = 0; i < NI; i++)
		for (int j = 0; j < NI; j++)
			cr_assert(fabs(B[i * NI + j] - Bd[i][j]) <= 1e-9,
			    "B_%d%d = %.12g, closed form %.12g", i, j,
			    B[i * NI + j], Bd[i][j]);
	tiny_set(&pl, "abstract.metric", "cosine");
	tiny_set(&pl, "abstract.topk", "0");
	tiny_set(&pl, "filter.method", "ridge");
	tiny_set(&pl, "filter.lambda", "7");
	tiny_abstract(&pl);
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
	for (uint32_t i = 0; i < NI; i++)
		for (uint32_t j = 0; j < NI; j++)
			if (i != j)
				cr_assert(fabs(b_of(&pl.filt.B, i, j) -
				    B[i * NI + j]) <= 1e-6 * (1 +
				    fabs(B[i * NI + j])));
	free(B);
}

/* Too many items for a dense matrix: refused up front, saying why. */
Test(ridge, ease_refuses_above_the_item_bound)
{
	struct csr ui = { 0 };
	struct err e;
	double *B = (double *)&ui;
	csr_alloc(&ui, 1, EASE_MAX_ITEMS + 1, 0);
	cr_assert_eq(ease_fit(&ui, 100, &B, &e), -1);
	cr_assert_eq(e.code, ERR_LIMIT);
	cr_assert_null(B);
	cr_assert(strstr(e.msg, "20001 items"), "%s", e.msg);
	csr_destroy(&ui);
}

/* ------------------------------------------------------ filter.rank */

/* Eigenvalues of the symmetric n × n matrix a (cyclic Jacobi), in e. */
static void jacobi_eigen(double *a, int n, double *e)
{
	for (int sweep = 0; sweep < 100; sweep++) {
		double off = 0;
		for (int p = 0; p < n; p++)
			for (int q = p + 1; q < n; q++)
				off += a[p * n + q] * a[p * n + q];
		if (off < 1e-30)
			break;
		for (int p = 0; p < n; p++)
			for (int q = p + 1; q < n; q++) {
				double apq = a[p * n + q];
				if (fabs(apq) < 1e-300)
					continue;
				double th = (a[q * n + q] - a[p * n + p]) /
				    (2 * apq);
				double t = (th >= 0 ? 1 : -1) / (fabs(th) +
				    sqrt(th * th + 1));
				double c = 1 / sqrt(t * t + 1), s = t * c;
				for (int k = 0; k < n; k++) {
					double akp = a[k * n + p];
					double akq = a[k * n + q];
					a[k * n + p] = c * akp - s * akq;
					a[k * n + q] = s * akp + c * akq;
				}
				for (int k = 0; k < n; k++) {
					double apk = a[p * n + k];
					double aqk = a[q * n + k];
					a[p * n + k] = c * apk - s * aqk;
					a[q * n + k] = s * apk + c * aqk;
				}
			}
	}
	for (int k = 0; k < n; k++)
		e[k] = a[k * n + k];
}

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* X̃ = D_U^{-ε} X D_I^{-ε} of the weights m, row-major NU × NI; di the
 * items' weight sums. */
static void normalised_eps(const float m[NU][NI], double eps,
    double xt[NU][NI], double di[NI])
{
	double du[NU];
	for (int u = 0; u < NU; u++) {
		du[u] = 0;
		for (int i = 0; i < NI; i++)
			du[u] += m[u][i];
	}
	for (int i = 0; i < NI; i++) {
		di[i] = 0;
		for (int u = 0; u < NU; u++)
			di[i] += m[u][i];
	}
	for (int u = 0; u < NU; u++)
		for (int i = 0; i < NI; i++)
			xt[u][i] = m[u][i] * pow(du[u], -eps) *
			    pow(di[i], -eps);
}

/* X̃ = D_U^{-1/2} X D_I^{-1/2}, GF-CF's (the default ε). */
static void normalised(const float m[NU][NI], double xt[NU][NI],
    double di[NI])
{
	normalised_eps(m, 0.5, xt, di);
}

/* The squared singular values of xt, descending: the eigenvalues of
 * X̃ᵀX̃ by Jacobi. */
static void true_squares(double xt[NU][NI], double ev[NI])
{
	double g[NI * NI];
	for (int i = 0; i < NI; i++)
		for (int j = 0; j < NI; j++) {
			g[i * NI + j] = 0;
			for (int u = 0; u < NU; u++)
				g[i * NI + j] += xt[u][i] * xt[u][j];
		}
	jacobi_eigen(g, NI, ev);
	qsort(ev, NI, sizeof *ev, cmp_desc);
}

/* At full rank V Vᵀ projects onto the row space of X̃, so every user's
 * normalised row passes unchanged: Σ_i x̃_ui d_i^{1/2} M_ij equals
 * γ x̃_uj d_j^{1/2} for M_ij = in_i·out_j = γ d_i^{-1/2} (VVᵀ)_ij d_j^{1/2}. */
static void check_projection(double xt[NU][NI], const double di[NI],
    double gamma)
{
	for (int u = 0; u < NU; u++)
		for (int j = 0; j < NI; j++) {
			double s = 0;
			for (int i = 0; i < NI; i++)
				s += xt[u][i] * sqrt(di[i]) *
				    lowrank_pair(&pl.filt.lr, i, j);
			cr_assert_float_eq(s, gamma * xt[u][j] * sqrt(di[j]),
			    1e-9, "user %d item %d", u, j);
		}
}

static void lowrank_run(const char *rank, const char *gamma)
{
	struct err e;
	dense_graph();
	tiny_set(&pl, "abstract.metric", "cosine");
	tiny_set(&pl, "filter.rank", rank);
	tiny_set(&pl, "filter.lowrank_weight", gamma);
	tiny_abstract(&pl);
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
}

/* The randomized SVD finds the true top singular values (the square
 * roots of the eigenvalues of X̃ᵀX̃, by Jacobi here); the first is 1 for
 * this normalisation. */
Test(lowrank, singular_values_are_the_true_ones, .fini = teardown)
{
	double xt[NU][NI], di[NI], ev[NI];
	normalised(DENSE, xt, di);
	true_squares(xt, ev);
	lowrank_run("3", "1");
	cr_assert_eq(pl.filt.lr.k, 3);
	cr_assert_float_eq(pl.filt.lr.sigma[0], 1, 1e-9);
	double cap = 0, tot = 0;
	for (int c = 0; c < NI; c++)
		tot += ev[c];
	for (int c = 0; c < 3; c++) {
		cr_assert_float_eq(pl.filt.lr.sigma[c], sqrt(ev[c]), 1e-9,
		    "sigma_%d = %.12g, expected %.12g", c,
		    pl.filt.lr.sigma[c], sqrt(ev[c]));
		cap += ev[c];
	}
	cr_assert_float_eq(pl.filt.lr.energy, cap / tot, 1e-9);
}

/* At full rank the projection keeps every row (check_projection). */
Test(lowrank, full_rank_projection_keeps_every_row, .fini = teardown)
{
	double xt[NU][NI], di[NI];
	normalised(DENSE, xt, di);
	lowrank_run("6", "0.5");
	check_projection(xt, di, 0.5);
}

/* filter.lowrank_norm ε: X̃ = D_U^{-ε} X D_I^{-ε}. The singular values
 * are X̃'s (Jacobi on X̃ᵀX̃), and at full rank M_ij = γ d_i^{-ε} (VVᵀ)_ij
 * d_j^{ε} keeps every normalised row: Σ_i x̃_ui d_i^ε M_ij = γ x̃_uj d_j^ε. */
Test(lowrank, another_normalisation_exponent, .fini = teardown)
{
	const double eps = 0.3;
	double xt[NU][NI], di[NI], ev[NI];
	struct err e;
	normalised_eps(DENSE, eps, xt, di);
	true_squares(xt, ev);
	for (int pass = 0; pass < 2; pass++) {
		dense_graph();
		tiny_set(&pl, "abstract.metric", "cosine");
		tiny_set(&pl, "filter.rank", pass ? "6" : "3");
		tiny_set(&pl, "filter.lowrank_weight", "0.5");
		tiny_set(&pl, "filter.lowrank_norm", "0.3");
		tiny_abstract(&pl);
		cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
		for (int c = 0; c < (pass ? NI : 3); c++)
			cr_assert_float_eq(pl.filt.lr.sigma[c], sqrt(ev[c]),
			    1e-9, "sigma_%d", c);
		if (!pass) {
			pipeline_destroy(&pl);
			continue;
		}
		for (int u = 0; u < NU; u++)
			for (int j = 0; j < NI; j++) {
				double s = 0;
				for (int i = 0; i < NI; i++)
					s += xt[u][i] * pow(di[i], eps) *
					    lowrank_pair(&pl.filt.lr, i, j);
				cr_assert_float_eq(s, 0.5 * xt[u][j] *
				    pow(di[j], eps), 1e-9, "user %d item %d",
				    u, j);
			}
	}
}

/*
 * filter.lowrank_power p weighs direction c by (σ_c/σ_1)^p. At full rank
 * the weighted projection is a function of X̃ᵀX̃ = V diag(σ²) Vᵀ: with
 * P = D_I^{1/2} M D_I^{-1/2} / γ = V diag((σ/σ_1)^p) Vᵀ (M_ij = in_i·out_j
 * as lowrank_pair gives it), p = 2 makes P = X̃ᵀX̃ / σ_1², and p = 1 its
 * square root: P·P = X̃ᵀX̃ / σ_1².
 */
static void check_power(const char *power, double gamma)
{
	double xt[NU][NI], di[NI], ev[NI], g[NI][NI], P[NI][NI];
	char gs[32];
	struct err e;
	normalised(DENSE, xt, di);
	true_squares(xt, ev);
	dense_graph();
	snprintf(gs, sizeof gs, "%.17g", gamma);
	tiny_set(&pl, "abstract.metric", "cosine");
	tiny_set(&pl, "filter.rank", "6");
	tiny_set(&pl, "filter.lowrank_weight", gs);
	tiny_set(&pl, "filter.lowrank_power", power);
	tiny_abstract(&pl);
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
	for (int i = 0; i < NI; i++)
		for (int j = 0; j < NI; j++) {
			g[i][j] = 0;
			for (int u = 0; u < NU; u++)
				g[i][j] += xt[u][i] * xt[u][j] / ev[0];
			P[i][j] = sqrt(di[i]) * lowrank_pair(&pl.filt.lr, i, j) /
			    sqrt(di[j]) / gamma;
		}
	for (int i = 0; i < NI; i++)
		for (int j = 0; j < NI; j++) {
			double want = g[i][j], got = P[i][j];
			if (strcmp(power, "1") == 0) {
				got = 0;
				for (int x = 0; x < NI; x++)
					got += P[i][x] * P[x][j];
			}
			cr_assert_float_eq(got, want, 1e-9, "power %s: (%d, %d) "
			    "%.12g, expected %.12g", power, i, j, got, want);
		}
}

Test(lowrank, power_two_gives_the_gram_matrix, .fini = teardown)
{
	check_power("2", 0.5);
}

Test(lowrank, power_one_gives_its_square_root, .fini = teardown)
{
	check_power("1", 2);
}

/* The factors depend on the graph, the rank and the seed alone: a later
 * filter run with the same ones (a weight change here) copies them, and
 * its result is a fresh run's bit for bit; another seed computes them
 * again. The graph gets a generation, as a built one has (0 opts out). */
Test(lowrank, a_weight_change_reuses_the_factors, .fini = teardown)
{
	static const struct { const char *p, *v; } change[] = {
		{ "filter.lowrank_weight", "0.25" },
		{ "filter.seed", "9" },
		{ "filter.lowrank_weight", "1" },
		{ "filter.lowrank_power", "0.5" },
		{ "filter.lowrank_power", "0" },
		{ "filter.lowrank_norm", "0.4" },
	};
	dense_graph();
	pl.graph.gen = 7;
	tiny_set(&pl, "abstract.metric", "cosine");
	tiny_set(&pl, "filter.rank", "3");
	tiny_set(&pl, "filter.lowrank_weight", "0.5");
	tiny_run_abstract(&pl);
	tiny_run_filter(&pl);
	for (size_t x = 0; x < sizeof change / sizeof *change; x++) {
		double before = lowrank_pair(&pl.filt.lr, 0, 1);
		double g0 = pl.filt.lr.gamma;
		tiny_set(&pl, change[x].p, change[x].v);
		tiny_run_filter(&pl);
		const struct lowrank *a = &pl.filt.lr;
		if (x == 0)   /* the same factors, the new weight */
			cr_assert_eq(lowrank_pair(a, 0, 1) * g0,
			    before * a->gamma);
		struct pipeline b;
		dense_graph_of(&b);
		b.graph.gen = 7;
		b.params = pl.params;
		tiny_run_abstract(&b);
		tiny_run_filter(&b);
		const struct lowrank *f = &b.filt.lr;
		size_t nk = (size_t)a->n * a->k;
		cr_assert_eq(a->k, f->k);
		cr_assert_eq(a->gamma, f->gamma);
		cr_assert_eq(memcmp(a->in, f->in, nk * sizeof *a->in), 0,
		    "%s: in", change[x].p);
		cr_assert_eq(memcmp(a->out, f->out, nk * sizeof *a->out), 0,
		    "%s: out", change[x].p);
		cr_assert_eq(memcmp(a->sigma, f->sigma, a->k * sizeof *a->sigma),
		    0, "%s: sigma", change[x].p);
		cr_assert_eq(a->energy, f->energy);
		pipeline_destroy(&b);
	}
}

/* Items 4 and 5 repeat items 1 and 0: X̃ has rank 4, so the randomized
 * SVD's blocks (6 columns) are rank-deficient. Their Gram matrices are
 * singular and CholeskyQR gives way to Householder QR and to dgesdd on
 * the whole block (lowrank.c, orth and thin_svd): the top singular
 * values are still the true ones, the rest zero, and at full rank the
 * projection still keeps every row. */
static const float DUP[NU][NI] = {
	{ 1, 2, 0, 1, 2, 1 },
	{ 2, 1, 1, 0, 1, 2 },
	{ 0, 1, 3, 2, 1, 0 },
	{ 1, 0, 2, 1, 0, 1 },
	{ 3, 1, 1, 1, 1, 3 },
	{ 1, 1, 0, 2, 1, 1 },
	{ 2, 0, 1, 1, 0, 2 },
};

Test(lowrank, rank_deficient_blocks, .fini = teardown)
{
	double xt[NU][NI], di[NI], ev[NI];
	normalised(DUP, xt, di);
	true_squares(xt, ev);
	cr_assert_lt(ev[4], 1e-12, "the matrix has rank 4");
	struct err e;
	matrix_graph(&pl, DUP);
	tiny_set(&pl, "abstract.metric", "cosine");
	tiny_set(&pl, "filter.rank", "6");
	tiny_set(&pl, "filter.lowrank_weight", "1");
	tiny_abstract(&pl);
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
	for (int c = 0; c < NI; c++)
		cr_assert_float_eq(pl.filt.lr.sigma[c], sqrt(fmax(ev[c], 0)),
		    1e-7, "sigma_%d = %.12g, expected %.12g", c,
		    pl.filt.lr.sigma[c], sqrt(fmax(ev[c], 0)));
	check_projection(xt, di, 1);
}

/* A rank above min(users, items) is refused; rank 0 leaves nothing. */
Test(lowrank, rank_bounds, .fini = teardown)
{
	struct err e;
	dense_graph();
	tiny_set(&pl, "filter.rank", "8");
	tiny_abstract(&pl);
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), -1);
	cr_assert(strstr(e.msg, "at most 6"), "%s", e.msg);
	filter_out_destroy(&pl.filt);
	tiny_set(&pl, "filter.rank", "0");
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
	cr_assert_eq(pl.filt.lr.k, 0);
	cr_assert_null(pl.filt.lr.in);
}

#ifdef _OPENMP
#include <omp.h>
#endif

/* B does not depend on how many threads solved the regressions. The
 * sequential OpenBLAS took its work buffers without a lock: two threads
 * solving at once got wrong weights (about 1 solve in 2,000 of this size)
 * or an item reported singular at random. 600 users with 60 of 700 items
 * each (an LCG), topk 150: 700 systems of up to 150 unknowns, solved at
 * one thread and then four times at two, compared bit for bit. */
Test(ridge, same_weights_at_one_and_two_threads, .fini = teardown)
{
	enum { U = 600, I = 700, D = 60 };
	struct trip *t = malloc((size_t)U * D * sizeof *t);
	uint8_t has[I];
	size_t n = 0;
	uint64_t x = 4242;
	for (uint32_t u = 0; u < U; u++) {
		memset(has, 0, sizeof has);
		for (int d = 0; d < D; d++) {
			x = x * 6364136223846793005u + 1442695040888963407u;
			/* skewed: popular items co-occur with many */
			uint32_t i = (uint32_t)(((x >> 33) % I) * ((x >> 20) %
			    I) / I);
			has[i] = 1;
		}
		for (uint32_t i = 0; i < I; i++)
			if (has[i])
				t[n++] = (struct trip){ u, i, 1 };
	}
	struct err e;
	tiny_graph(&pl, U, I, t, n);
	free(t);
	tiny_set(&pl, "abstract.metric", "cosine");
	tiny_set(&pl, "abstract.topk", "150");
	tiny_set(&pl, "filter.method", "ridge");
	tiny_set(&pl, "filter.lambda", "1");
	tiny_abstract(&pl);
#ifdef _OPENMP
	int was = omp_get_max_threads();
	omp_set_num_threads(1);
#endif
	cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "%s", e.msg);
	uint64_t nnz = pl.filt.B.nnz;
	float *one = malloc(nnz * sizeof *one);
	memcpy(one, pl.filt.B.val, nnz * sizeof *one);
	for (int rep = 0; rep < 4; rep++) {
		filter_out_destroy(&pl.filt);
#ifdef _OPENMP
		omp_set_num_threads(2);
#endif
		cr_assert_eq(filter_run(&pl, &pl.filt, &e), 0, "run %d: %s",
		    rep, e.msg);
		cr_assert_eq(pl.filt.B.nnz, nnz);
		for (uint64_t k = 0; k < nnz; k++)
			cr_assert(pl.filt.B.val[k] == one[k], "run %d, weight "
			    "%llu: %.9g at two threads, %.9g at one", rep,
			    (unsigned long long)k, pl.filt.B.val[k], one[k]);
	}
#ifdef _OPENMP
	omp_set_num_threads(was);
#endif
	free(one);
}

/* B of a pipeline on the generated sample with ridge and `set`. */
static void sample_ridge(struct pipeline *p, const char *const *set)
{
	struct err e;
	pipeline_init(p);
	cr_assert_eq(pipeline_load(p, SAMPLES "/sample.csv", NULL, &e), 0,
	    "%s", e.msg);
	cr_assert_eq(pipeline_set(p, "filter.method", "ridge", &e), 0);
	for (; *set; set += 2)
		cr_assert_eq(pipeline_set(p, set[0], set[1], &e), 0, "%s",
		    e.msg);
	cr_assert_eq(pipeline_run(p, STAGE_FILTER, &e), 0, "%s", e.msg);
}

/* A threshold or top-k change re-solves only the rows whose length
 * changed (a row as long as before is the same row: both are prefixes
 * of the kernel's sorted row) and copies the others: B equals, bit for
 * bit, a fresh pipeline's B with the new value; λ changes solve all. */
Test(ridge, a_change_solves_only_the_changed_rows)
{
	static const char *const start[] = { "abstract.topk", "0",
		"abstract.threshold", "0.001", NULL };
	static const char *const step[][2] = {
		{ "abstract.threshold", "0.00105" },
		{ "abstract.topk", "10" },
		{ "abstract.threshold", "0.0008" },
		{ "filter.lambda", "50" },
	};
	struct pipeline live, fresh;
	struct err e;
	sample_ridge(&live, start);
	uint32_t n = live.abs.S.nrows;
	cr_assert_eq(live.filt.st.ridge_solved, n);
	const char *set[16] = { "abstract.topk", "0", "abstract.threshold",
		"0.001" };
	for (size_t s = 0; s < sizeof step / sizeof *step; s++) {
		cr_assert_eq(pipeline_set(&live, step[s][0], step[s][1], &e),
		    0);
		cr_assert_eq(pipeline_run(&live, STAGE_FILTER, &e), 0, "%s",
		    e.msg);
		/* the fresh pipeline gets every step so far */
		size_t k = 4;
		for (size_t t = 0; t <= s; t++) {
			set[k++] = step[t][0];
			set[k++] = step[t][1];
		}
		set[k] = NULL;
		sample_ridge(&fresh, set);
		const struct csr *a = &live.filt.B, *b = &fresh.filt.B;
		cr_assert_eq(a->nnz, b->nnz, "%s", step[s][0]);
		cr_assert_eq(memcmp(a->ptr, b->ptr, (n + 1) * sizeof *a->ptr),
		    0);
		cr_assert_eq(memcmp(a->idx, b->idx, a->nnz * sizeof *a->idx),
		    0);
		cr_assert_eq(memcmp(a->val, b->val, a->nnz * sizeof *a->val),
		    0, "%s %s: weights differ", step[s][0], step[s][1]);
		uint32_t solved = live.filt.st.ridge_solved;
		if (s == 3)
			cr_assert_eq(solved, n, "a new λ solves every row");
		else
			cr_assert(solved > 0 && solved < n, "%s %s: %u of %u "
			    "solved", step[s][0], step[s][1], solved, n);
		pipeline_destroy(&fresh);
	}
	pipeline_destroy(&live);
}

/* u's list through the per-user path: its low-rank row in double
 * precision (lowrank_scores), as rec_user's rank and why score it. */
static uint32_t exact_list(struct pipeline *p, struct rec_ws *ws,
    uint32_t u)
{
	rec_ws_score_pl(ws, p, u);
	return rec_ws_select_reset(ws, p->dist.iw, p->rec.L);
}

/* A block's low-rank rows are single precision (lowrank_rows): each is
 * within lowrank_round_scale's bound of the double term at every item;
 * the items that can reach a selection are made exact, to the bit of
 * the per-user path's scores; and the lists built so are the double
 * per-user path's, item for item: on a first
 * run, on the second run on the same R, which keeps a candidate cache
 * of 10L per user (more items made exact), and on the third, which
 * selects from that cache (block products for the users it cannot
 * answer alone). */
Test(lowrank, single_precision_blocks_give_the_exact_lists,
    .fini = teardown)
{
	static const char *const set[] = { "split.validation", "0",
		"filter.rank", "24", "filter.lowrank_weight", "2",
		"distill.beta", "0.5", NULL };
	struct err e;
	sample_ridge(&pl, set);
	cr_assert_eq(pipeline_run(&pl, STAGE_RECOMMEND, &e), 0, "%s", e.msg);
	const struct lowrank *lr = &pl.filt.lr;
	uint32_t U = pl.graph.ui.nrows, n = lr->n, k = lr->k;
	uint32_t nb = U < 64 ? U : 64;
	double *T = malloc((size_t)nb * k * sizeof *T);
	float *Tf = malloc((size_t)nb * k * sizeof *Tf);
	float *rows = malloc((size_t)nb * n * sizeof *rows);
	lowrank_rows(lr, &pl.dist.A, NULL, 0, nb, T, Tf, rows);
	double worst = 0;
	for (uint32_t x = 0; x < nb; x++) {
		double abs, s = lowrank_round_scale(lr, T + (size_t)x * k,
		    &abs);
		cr_assert(isfinite(s));
		for (uint32_t j = 0; j < n; j++) {
			double d = fabs(rows[(size_t)x * n + j] -
			    lowrank_term(lr, T + (size_t)x * k, j));
			cr_assert_leq(d, s * lr->onorm[j] + abs, "user %u "
			    "item %u", x, j);
			if (s * lr->onorm[j] > 0)
				worst = fmax(worst, d / (s * lr->onorm[j]));
		}
	}
	cr_assert_gt(worst, 0, "single precision rounds somewhere");
	/* the block's users through their rows and alone: the first cap
	 * by D carry the same bits (rec and why score a user alone) */
	struct rec_ws bw, uw;
	rec_ws_init(&bw, pl.graph.ui.ncols, 0, 5 * pl.rec.L);
	rec_ws_init(&uw, pl.graph.ui.ncols, 0, 5 * pl.rec.L);
	for (uint32_t u = 0; u < nb; u++) {
		bw.lr_row = rows + (size_t)u * n;
		bw.lr_user = u;
		rec_ws_score_pl(&bw, &pl, u);
		rec_ws_score_pl(&uw, &pl, u);
		uint32_t a = rec_ws_select_reset(&bw, pl.dist.iw, bw.cap);
		uint32_t b = rec_ws_select_reset(&uw, pl.dist.iw, uw.cap);
		cr_assert_eq(a, b);
		for (uint32_t x = 0; x < a; x++) {
			cr_assert_eq(bw.sel[x], uw.sel[x], "user %u", u);
			cr_assert(bw.sels[x] == uw.sels[x], "user %u rank %u: "
			    "%.17g against %.17g", u, x + 1, bw.sels[x],
			    uw.sels[x]);
		}
	}
	rec_ws_destroy(&bw);
	rec_ws_destroy(&uw);
	free(T);
	free(Tf);
	free(rows);
	struct rec_ws ws;
	rec_ws_init(&ws, pl.graph.ui.ncols, 0, pl.rec.L);
	static const char *const beta[] = { NULL, "0.3", "0.32" };
	for (int run = 0; run < 3; run++) {
		if (run) {
			cr_assert_eq(pipeline_set(&pl, "distill.beta",
			    beta[run], &e), 0);
			cr_assert_eq(pipeline_run(&pl, STAGE_RECOMMEND, &e), 0);
			cr_assert(rcache_live(pl.rcache), "a cache was kept");
		}
		if (run == 2)
			cr_assert_gt(pl.rec.from_cache, 0, "lists from it");
		for (uint32_t u = 0; u < U; u++) {
			uint32_t m = exact_list(&pl, &ws, u);
			cr_assert_eq(m, pl.rec.len[u], "user %u", u);
			for (uint32_t x = 0; x < m; x++) {
				size_t at = (size_t)u * pl.rec.L + x;
				cr_assert_eq(ws.sel[x], pl.rec.items[at],
				    "run %d user %u rank %u", run, u, x + 1);
				cr_assert_eq((float)ws.sels[x],
				    pl.rec.scores[at]);
			}
		}
	}
	rec_ws_destroy(&ws);
}
