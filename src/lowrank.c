/*
 * distill — lowrank.c: compression in the filter stage (DESIGN §1.4),
 * filter.rank = k > 0. The relations gain the projection on the top k
 * right singular directions V of the normalised fit matrix
 *
 *     X̃ = D_U^{-ε} X D_I^{-ε}     (users × items, ε = filter.lowrank_norm,
 *                                 GF-CF's 1/2 by default),
 *
 * an ideal low-pass graph filter (GF-CF, Shen et al. 2021), weighted by
 * γ = filter.lowrank_weight:  B ← B + γ·D_I^{-ε} V W Vᵀ D_I^{ε}, with
 * W = diag((σ_c/σ_1)^p), p = filter.lowrank_power (0: W = I, the ideal
 * filter; p > 0 rolls the spectrum off smoothly and ε ≠ 1/2 moves the
 * normalisation, as SGFCF's generalized filter, Peng et al. KDD 2024).
 * It is never formed: the filter keeps  in_i = d_i^{-ε} V_i  and
 * out_j = d_j^{ε} V_j W  (items × k each) and a user's scores gain
 * γ (Σ_i A_ui in_i) · out_j, a k-vector against every item.
 *
 * V comes from a seeded randomized SVD (Halko, Martinsson, Tropp 2011):
 * a Gaussian test matrix of k + 10 columns, two power iterations with
 * re-orthonormalisation (CholeskyQR2 through BLAS dsyrk/dtrsm and LAPACK
 * dpotrf, Householder QR where it fails: orth), then the SVD of the thin
 * items × (k+10) matrix X̃ᵀQ through its R factor (thin_svd). The sparse
 * products run over the CSR rows in parallel; the dense algebra is
 * LAPACK/BLAS. Gowalla at k = 256: 5.3 s with Householder QR and dgesdd
 * on the tall matrices, 2.8 s so.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
#include <string.h>

#include "abstract.h"

#define OVERSAMPLE 10
#define POWER_ITERS 2

/* Standard normal (Box–Muller). */
static double gauss(struct rng *r)
{
	double u = rng_double(r), v = rng_double(r);
	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* out (rows of m, l columns, row-major) = M·in, M = diag(dr) S diag(dc)
 * for the CSR S (rows of m over columns of in); in row-major too. */
static void spmm(const struct csr *S, const double *dr, const double *dc,
    const double *in, size_t l, double *out)
{
	#pragma omp parallel for schedule(dynamic, 256)
	for (int64_t r = 0; r < (int64_t)S->nrows; r++) {
		double *o = out + (size_t)r * l;
		memset(o, 0, l * sizeof *o);
		for (uint64_t e = S->ptr[r]; e < S->ptr[r + 1]; e++) {
			double w = dr[r] * S->val[e] * dc[S->idx[e]];
			const double *x = in + (size_t)S->idx[e] * l;
			for (size_t c = 0; c < l; c++)
				o[c] += w * x[c];
		}
	}
}

/* Orthonormalise the columns of the m × l row-major matrix a in place
 * by Householder QR (LAPACK dgeqrf/dorgqr): the fallback of orth. */
static int orth_householder(double *a, size_t m, size_t l)
{
	double *tau = xmalloc(l * sizeof *tau);
	lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)m,
	    (lapack_int)l, a, (lapack_int)l, tau);
	if (info == 0)
		info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)m,
		    (lapack_int)l, (lapack_int)l, a, (lapack_int)l, tau);
	xfree(tau);
	return info == 0 ? 0 : -1;
}

/* One CholeskyQR pass: a ← a R⁻¹ with AᵀA = RᵀR, R upper triangular
 * (row-major l × l in r). -1 when AᵀA is not numerically positive
 * definite, or (check) when a was not already close to orthonormal:
 * the second pass of CholeskyQR2 sees a Gram matrix within 0.1 of I. */
static int cholqr_pass(double *a, size_t m, size_t l, double *r, bool check)
{
	/* the upper triangle of the row-major Gram matrix is the lower one
	 * of the column-major: dpotrf 'L' leaves L there, which read
	 * row-major is R = Lᵀ */
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)l, (int)m, 1,
	    a, (int)l, 0, r, (int)l);
	for (size_t c = 0; check && c < l; c++)
		if (!(fabs(r[c * l + c] - 1) < 0.1))
			return -1;
	if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)l, r,
	    (lapack_int)l) != 0)
		return -1;
	for (size_t c = 0; c < l; c++)
		if (!(r[c * l + c] > 0) || !isfinite(r[c * l + c]))
			return -1;
	cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans,
	    CblasNonUnit, (int)m, (int)l, 1, r, (int)l, a, (int)l);
	return 0;
}

/*
 * Orthonormalise the columns of the m × l row-major matrix a in place,
 * a = Q R; R (row-major l × l, upper) into r when r is not NULL.
 * CholeskyQR2 (Fukaya et al. 2014): twice a ← a R⁻¹ with R from the
 * Cholesky factor of the Gram matrix, so the work is a rank-l update
 * and a triangular solve, the two fastest level-3 routines, and the
 * second pass restores the orthogonality the first loses to the
 * squared condition number. A power iteration's block (not exact)
 * needs a basis of its span, not an exact one: when the first factor's
 * diagonal spans less than 100 (a condition number of that order, an
 * orthogonality error near 1e-12) one pass is kept. The last one, the
 * Q of the final SVD, is exact. A rank-deficient block (more columns
 * than the data's rank) fails the factorisation or the check: a power
 * iteration's goes through Householder QR instead, thin_svd's back to
 * its caller whole (saved), -2. Gowalla, 29,858 × 266: 0.70 s with
 * dgeqrf/dorgqr alone.
 */
static int orth(double *a, size_t m, size_t l, double *r, bool exact)
{
	double *r1 = xmalloc((l * l + 1) * sizeof *r1);
	double *r2 = xmalloc((l * l + 1) * sizeof *r2);
	double *save = NULL;
	if (r) {
		save = xmalloc((m * l + 1) * sizeof *save);
		memcpy(save, a, m * l * sizeof *a);
	}
	int rc = 0;
	blas_lock();
	if (cholqr_pass(a, m, l, r1, false) < 0) {
		rc = r ? -2 : orth_householder(a, m, l);
		goto out;
	}
	if (!r && !exact) {
		double lo = r1[0], hi = r1[0];
		for (size_t c = 1; c < l; c++) {
			lo = fmin(lo, r1[c * l + c]);
			hi = fmax(hi, r1[c * l + c]);
		}
		if (hi < 100 * lo)
			goto out;
	}
	if (cholqr_pass(a, m, l, r2, true) < 0) {
		if (r)
			memcpy(a, save, m * l * sizeof *a);
		rc = r ? -2 : orth_householder(a, m, l);
	} else if (r) {
		/* R = R2 R1: dtrmm reads R2's upper triangle only, and takes
		 * R1 whole, whose lower triangle dsyrk left unset */
		for (size_t i = 0; i < l; i++)
			for (size_t j = 0; j < i; j++)
				r1[i * l + j] = 0;
		cblas_dtrmm(CblasRowMajor, CblasLeft, CblasUpper,
		    CblasNoTrans, CblasNonUnit, (int)l, (int)l, 1, r2,
		    (int)l, r1, (int)l);
		memcpy(r, r1, l * l * sizeof *r);
	}
out:
	blas_unlock();
	xfree(save);
	xfree(r2);
	xfree(r1);
	return rc;
}

/* The thin SVD of the n × l row-major z, z = U diag(s) Vᵀ: U (n × l,
 * row-major) and s. Through z = Q R (orth) and the SVD of the small R:
 * U = Q U_R, where dgesdd on the tall z took 1.25 s on Gowalla (41k ×
 * 266). z is overwritten; a z that orth cannot factor (rank-deficient)
 * goes to dgesdd whole. */
static int thin_svd(double *z, size_t n, size_t l, double *s, double *U)
{
	double *r = xmalloc((l * l + 1) * sizeof *r);
	double *ur = xmalloc((l * l + 1) * sizeof *ur);
	double *vt = xmalloc((l * l + 1) * sizeof *vt);
	int rc = orth(z, n, l, r, true);
	lapack_int info;
	if (rc == 0) {
		info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (lapack_int)l,
		    (lapack_int)l, r, (lapack_int)l, s, ur, (lapack_int)l, vt,
		    (lapack_int)l);
		if (info == 0) {
			blas_lock();
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
			    (int)n, (int)l, (int)l, 1, z, (int)l, ur, (int)l,
			    0, U, (int)l);
			blas_unlock();
		}
	} else {
		info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (lapack_int)n,
		    (lapack_int)l, z, (lapack_int)l, s, U, (lapack_int)l, vt,
		    (lapack_int)l);
	}
	xfree(vt);
	xfree(ur);
	xfree(r);
	return info == 0 ? 0 : -1;
}

/*
 * out (and its float copy and row norms) from in: out_j = d_j^{2ε} in_j
 * = d_j^ε V_j, each direction c weighed by (σ_c/σ_1)^p, p =
 * filter.lowrank_power (1 at p = 0: the ideal low-pass filter). ds holds
 * the d_j^{2ε} (sum_pows). A fresh fit and a reuse both make out here,
 * so the two agree bit for bit.
 */
static void lowrank_outputs(struct lowrank *lr, const double *ds)
{
	size_t k = lr->k;
	double *w = xmalloc((k + 1) * sizeof *w);
	for (size_t c = 0; c < k; c++)
		w[c] = lr->power == 0 || !(lr->sigma[0] > 0) ? 1 :
		    pow(lr->sigma[c] / lr->sigma[0], lr->power);
	lr->onorm_max = 0;
	for (size_t i = 0; i < lr->n; i++) {
		double sq = 0;
		for (size_t c = 0; c < k; c++) {
			double o = ds[i] * lr->in[i * k + c] * w[c];
			lr->out[i * k + c] = o;
			lr->outf[i * k + c] = (float)o;
			sq += o * o;
		}
		lr->onorm[i] = sqrt(sq);
		lr->onorm_max = fmax(lr->onorm_max, lr->onorm[i]);
	}
	xfree(w);
}

/* s^x for a weight sum s (0 when s is not positive: a row or column
 * without weight is zero in X̃), exact at the default ε: s^1 and
 * s^-1/2. */
static double sum_pow(double s, double x)
{
	return !(s > 0) ? 0 : x == 1 ? s : x == -0.5 ? 1 / sqrt(s) :
	    pow(s, x);
}

/* Each row's weight sum of the CSR m, raised to x (sum_pow): the users'
 * d_u^{-ε} over ui, the items' d_i^{-ε} and d_i^{2ε} (out_j / in_j) over
 * iu. */
static double *sum_pows(const struct csr *m, double x)
{
	double *r = xmalloc(((size_t)m->nrows + 1) * sizeof *r);
	for (size_t i = 0; i < m->nrows; i++) {
		double s = 0;
		for (uint64_t e = m->ptr[i]; e < m->ptr[i + 1]; e++)
			s += m->val[e];
		r[i] = sum_pow(s, x);
	}
	return r;
}

/* The previous result's factors when they are this run's (the same
 * graph, rank and seed): copied, with this run's weight and power (out
 * made again when the power differs). Not when the caller runs into
 * pl->filt itself, or on a graph of unknown origin. */
static bool lowrank_reuse(const struct pipeline *pl, struct filter_out *out,
    uint32_t k, uint64_t seed, double eps, double gamma, double power)
{
	const struct lowrank *p = &pl->filt.lr;
	if (out == &pl->filt || !pl->graph.gen || p->k != k ||
	    p->graph_gen != pl->graph.gen || p->seed != seed || p->eps != eps ||
	    p->n != pl->graph.ui.ncols)
		return false;
	struct lowrank *lr = &out->lr;
	size_t nk = (size_t)p->n * k;
	*lr = *p;
	lr->gamma = gamma;
	lr->power = power;
	lr->in = xmalloc((nk + 1) * sizeof *lr->in);
	lr->out = xmalloc((nk + 1) * sizeof *lr->out);
	lr->sigma = xmalloc(((size_t)k + 1) * sizeof *lr->sigma);
	lr->outf = xmalloc((nk + 1) * sizeof *lr->outf);
	lr->onorm = xmalloc(((size_t)p->n + 1) * sizeof *lr->onorm);
	memcpy(lr->in, p->in, nk * sizeof *lr->in);
	memcpy(lr->sigma, p->sigma, k * sizeof *lr->sigma);
	if (power == p->power) {
		memcpy(lr->out, p->out, nk * sizeof *lr->out);
		memcpy(lr->outf, p->outf, nk * sizeof *lr->outf);
		memcpy(lr->onorm, p->onorm, p->n * sizeof *lr->onorm);
	} else {
		double *ds = sum_pows(&pl->graph.iu, 2 * eps);
		lowrank_outputs(lr, ds);
		xfree(ds);
	}
	return true;
}

int lowrank_fit(struct pipeline *pl, struct filter_out *out,
    struct err *err)
{
	const struct csr *ui = &pl->graph.ui, *iu = &pl->graph.iu;
	const struct hooks *h = &pl->hooks;
	long k = params_int(&pl->params, P_FILTER_RANK);
	double gamma = params_real(&pl->params, P_FILTER_LOWRANK_WEIGHT);
	double power = params_real(&pl->params, P_FILTER_LOWRANK_POWER);
	double eps = params_real(&pl->params, P_FILTER_LOWRANK_NORM);
	size_t m = ui->nrows, n = ui->ncols;
	size_t rmax = m < n ? m : n;
	if (k <= 0)
		return 0;
	if (blas_ready(err) < 0)
		return err_prefix(err, "filter.rank");
	if ((size_t)k > rmax)
		return err_set(err, ERR_INVAL, "filter.rank %ld: the fit matrix "
		    "has rank at most %zu (users %zu, items %zu)", k, rmax, m, n);
	uint64_t seed = (uint64_t)params_int(&pl->params, P_FILTER_SEED);
	if (lowrank_reuse(pl, out, (uint32_t)k, seed, eps, gamma, power))
		return 0;
	size_t l = (size_t)k + OVERSAMPLE < rmax ? (size_t)k + OVERSAMPLE :
	    rmax;
	double *du = sum_pows(ui, -eps);        /* d_u^{-ε} */
	double *di = sum_pows(iu, -eps);        /* d_i^{-ε} */
	double *ds = sum_pows(iu, 2 * eps);     /* d_i^{2ε}: out_i / in_i */
	double *Y = xmalloc((m * l + 1) * sizeof *Y);    /* users × l */
	double *Z = xmalloc((n * l + 1) * sizeof *Z);    /* items × l */
	struct rng r;
	rng_seed(&r, seed ^ 0x6c6f7772616e6bull);
	for (size_t x = 0; x < n * l; x++)
		Z[x] = gauss(&r);
	int rc = 0;
	hooks_progress(h, "filter: randomized SVD", 0);
	spmm(ui, du, di, Z, l, Y);                       /* Y = X̃ Ω */
	for (int q = 0; q <= POWER_ITERS && rc == 0; q++) {
		if (hooks_cancelled(h)) {
			rc = err_set(err, ERR_INTERRUPTED, "filter: "
			    "interrupted");
			break;
		}
		if (orth(Y, m, l, NULL, q == POWER_ITERS) < 0) {
			rc = -1;
			break;
		}
		spmm(iu, di, du, Y, l, Z);               /* Z = X̃ᵀ Q */
		if (q < POWER_ITERS) {
			if (orth(Z, n, l, NULL, false) < 0) {
				rc = -1;
				break;
			}
			spmm(ui, du, di, Z, l, Y);       /* Y = X̃ Z */
		}
		hooks_progress(h, "filter: randomized SVD",
		    (q + 1.0) / (POWER_ITERS + 2));
	}
	/* X̃ ≈ Q Zᵀ: the right singular vectors of X̃ are the left ones of
	 * Z (items × l) */
	double *s = xmalloc((l + 1) * sizeof *s);
	double *U = rc == 0 ? xmalloc((n * l + 1) * sizeof *U) : NULL;
	if (rc == 0 && thin_svd(Z, n, l, s, U) < 0)
		rc = -1;
	if (rc == -1 && err->code != ERR_INTERRUPTED)
		err_set(err, ERR_INVAL, "filter.rank: LAPACK failed on the "
		    "randomized SVD");
	if (rc == 0) {
		struct lowrank *lr = &out->lr;
		lr->k = (uint32_t)k;
		lr->n = (uint32_t)n;
		lr->gamma = gamma;
		lr->power = power;
		lr->eps = eps;
		lr->graph_gen = pl->graph.gen;
		lr->seed = seed;
		lr->in = xmalloc((n * (size_t)k + 1) * sizeof *lr->in);
		lr->out = xmalloc((n * (size_t)k + 1) * sizeof *lr->out);
		lr->sigma = xmalloc(((size_t)k + 1) * sizeof *lr->sigma);
		lr->outf = xmalloc((n * (size_t)k + 1) * sizeof *lr->outf);
		lr->onorm = xmalloc((n + 1) * sizeof *lr->onorm);
		memcpy(lr->sigma, s, (size_t)k * sizeof *s);
		/* di = d_i^{-ε}; an item without weight has a zero row in
		 * X̃ and gets no relation (di = 0, so in_i = 0) */
		for (size_t i = 0; i < n; i++)
			for (size_t c = 0; c < (size_t)k; c++)
				lr->in[i * k + c] = di[i] * U[i * l + c];
		lowrank_outputs(lr, ds);
		/* share of ‖X̃‖²_F the k directions capture */
		double fro = 0;
		for (size_t u = 0; u < m; u++)
			for (uint64_t e = ui->ptr[u]; e < ui->ptr[u + 1]; e++) {
				double x = du[u] * ui->val[e] *
				    di[ui->idx[e]];
				fro += x * x;
			}
		double cap = 0;
		for (long c = 0; c < k; c++)
			cap += s[c] * s[c];
		lr->energy = fro > 0 ? cap / fro : 0;
		hooks_progress(h, "filter: randomized SVD", 1);
	}
	xfree(U);
	xfree(s);
	xfree(Y);
	xfree(Z);
	xfree(du);
	xfree(di);
	xfree(ds);
	return rc;
}

/* OpenBLAS: 0 sequential, 1 its own threads, 2 OpenMP (cblas.h) */
static pthread_mutex_t blas_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
static bool blas_serial;

static void blas_probe(void)
{
	blas_serial = openblas_get_parallel() == 0;
}

void blas_lock(void)
{
	pthread_once(&blas_once, blas_probe);
	if (blas_serial)
		pthread_mutex_lock(&blas_mu);
}

void blas_unlock(void)
{
	if (blas_serial)
		pthread_mutex_unlock(&blas_mu);
}

/* the buffer OpenBLAS maps at its first call (134,217,728 bytes in
 * strace) and some room for what the stage allocates beside it */
#define BLAS_BUFFER_MB 128
#define BLAS_ROOM_MB 160

int blas_ready(struct err *err)
{
	static int ready;
	if (__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		return 0;
	struct rlimit rl;
	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		unsigned long pages = 0;
		FILE *f = fopen("/proc/self/statm", "r");
		if (f) {
			if (fscanf(f, "%lu", &pages) != 1)
				pages = 0;
			fclose(f);
		}
		double used = (double)pages * (double)sysconf(_SC_PAGESIZE);
		if (used + BLAS_ROOM_MB * 1048576.0 > (double)rl.rlim_cur)
			return err_set(err, ERR_LIMIT, "out of memory (OpenBLAS "
			    "needs a %d MB work buffer; the address-space limit "
			    "is %.0f MB and %.0f MB are in use)", BLAS_BUFFER_MB,
			    (double)rl.rlim_cur / 1048576, used / 1048576);
	}
	double one = 1;
	blas_lock();
	LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', 1, &one, 1);
	blas_unlock();
	__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	return 0;
}

void lowrank_destroy(struct lowrank *lr)
{
	xfree(lr->in);
	xfree(lr->out);
	xfree(lr->outf);
	xfree(lr->onorm);
	xfree(lr->sigma);
	memset(lr, 0, sizeof *lr);
}

void lowrank_user(const struct lowrank *lr, const struct csr *A, uint32_t u,
    double *t)
{
	memset(t, 0, lr->k * sizeof *t);
	for (uint64_t e = A->ptr[u]; e < A->ptr[u + 1]; e++)
		cblas_daxpy((int)lr->k, A->val[e], lr->in + (size_t)A->idx[e] *
		    lr->k, 1, t, 1);
}

double lowrank_term(const struct lowrank *lr, const double *t, uint32_t j)
{
	return lr->gamma * cblas_ddot((int)lr->k, t, 1, lr->out +
	    (size_t)j * lr->k, 1);
}

void lowrank_scores(const struct lowrank *lr, const double *t, double *row)
{
	/* one lowrank_term per item, not a dgemv: a block's rows make the
	 * items that can reach a list exact with lowrank_term
	 * (rec_ws_add_lowrank), and a user scored alone (rec, why) must
	 * get the same bits, which a gemv's other summation order (and
	 * other kernel for the last rows) does not give; as fast (3.5 ms
	 * against 4.5 ms on Gowalla at k = 256), and without blas_lock */
	for (uint32_t j = 0; j < lr->n; j++)
		row[j] = lowrank_term(lr, t, j);
}

double lowrank_pair(const struct lowrank *lr, uint32_t i, uint32_t j)
{
	return lowrank_term(lr, lr->in + (size_t)i * lr->k, j);
}

/*
 * The bound of lowrank_rows' rounding for a user with term t: its row
 * differs from γ t·out_j by at most  scale·‖out_j‖₂ + *abs. t and out_j
 * are rounded to single precision (a relative 2⁻²⁴ each), the k products
 * are summed in single precision in some order (at most
 * k·2⁻²⁴/(1 − k·2⁻²⁴) of Σ|t_c out_jc|, Higham's γ_k, whatever the
 * order and blocking; each K block's partial sum is added once more), γ
 * is rounded and applied: (k + 8)·2⁻²⁴ with a margin covers them all,
 * and Σ|t_c out_jc| ≤ ‖t‖₂‖out_j‖₂. Subnormal values round with an
 * absolute error up to 2⁻¹⁵⁰ instead: *abs bounds what those add.
 * INFINITY when a product, a sum or γ times one could overflow a float
 * (above 2¹⁰⁰, or NaN): no bound, the user takes the double path.
 */
double lowrank_round_scale(const struct lowrank *lr, const double *t,
    double *abs)
{
	double tt = 0, t1 = 0;
	for (uint32_t c = 0; c < lr->k; c++) {
		tt += t[c] * t[c];
		t1 += fabs(t[c]);
	}
	*abs = 0x1p-148 * (fabs(lr->gamma) * (t1 + sqrt((double)lr->k) *
	    lr->onorm_max + lr->k + 8) + 1);
	if (!(sqrt(tt) * lr->onorm_max * fmax(1, fabs(lr->gamma)) < 0x1p100))
		return INFINITY;
	return 1.01 * fabs(lr->gamma) * (lr->k + 8.0) * 0x1p-24 * sqrt(tt);
}

void lowrank_rows(const struct lowrank *lr, const struct csr *A,
    const uint32_t *users, uint32_t lo, uint32_t nb, double *T, float *Tf,
    float *rows)
{
	/* the threads compute the users' k-vectors (one thread when called
	 * beside the scoring, rec_block), then one product for
	 * the whole block (through blas_lock, abstract.h): GEMM packs the
	 * items × k factor once per call, and on Gowalla at k = 640 that
	 * is 210 MB; in 32-row calls the packing, not the arithmetic, was
	 * the cost (86 s of a full evaluation). In single precision: twice
	 * the products per cycle (Gowalla, k = 256: 9.7 s of products on
	 * one core in double, 5.1 in single); the scoring makes the items
	 * that can reach a list exact (rec_ws_add_lowrank). */
	#pragma omp parallel for schedule(dynamic, 16)
	for (uint32_t x = 0; x < nb; x++) {
		double *t = T + (size_t)x * lr->k;
		lowrank_user(lr, A, users ? users[lo + x] : lo + x, t);
		for (uint32_t c = 0; c < lr->k; c++)
			Tf[(size_t)x * lr->k + c] = (float)t[c];
	}
	blas_lock();
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb,
	    (int)lr->n, (int)lr->k, (float)lr->gamma, Tf, (int)lr->k,
	    lr->outf, (int)lr->k, 0, rows, (int)lr->n);
	blas_unlock();
}
