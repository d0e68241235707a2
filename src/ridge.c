/*
 * distill — ridge.c: filter.method ridge (DESIGN §1.4), the learned
 * relation weights of the linear item-to-item autoencoders (EASE, Steck
 * 2019; with filter.dropout its emphasized-denoising variant, Steck 2020),
 * restricted to the relations the abstract stage kept.
 *
 * For every item j with kept neighbours N(j) = row j of S, solve
 *
 *     (G_NN + Λ_N) b = G_Nj,    Λ = λI + p/(1−p)·diag(G),
 *
 * with the Gram G = XᵀX of the fit user–item weights, and set B_ij = b_i
 * for i ∈ N(j). So the relation i → j of B exists iff j → i is in S.
 *
 * The (|N|+1)² block of G that item j needs is counted from the users of
 * N(j) ∪ {j}: each item's user list is walked once and the entries are
 * grouped by user (a counting sort into a per-thread buffer); a user who
 * has m of the items adds their m(m−1)/2 products. That costs the sum of
 * the items' degrees plus the co-occurrences inside the block, far below
 * the Cholesky factorisation (|N|³/3), which LAPACK does (dpotrf, dpotrs;
 * DESIGN: no hand-written elimination).
 */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "abstract.h"

#ifdef _OPENMP
#include <omp.h>
#define THREAD_NUM() omp_get_thread_num()
#else
#define THREAD_NUM() 0
#endif

/* Per-thread workspace. */
struct ridge_ws {
	uint32_t *ustamp;     /* per user: stamp of the item it was last
	                         seen for */
	uint32_t *ucount;     /* per user: entries, then the fill offset */
	uint32_t *users;      /* distinct users of the block */
	uint32_t *epos;       /* grouped entries: position in the block */
	double *ew;           /* and weight w_ui */
	size_t ecap;
	double *G;            /* m × m, column-major lower = row-major upper */
	size_t gcap;
	uint32_t stamp;
};

static void ws_init(struct ridge_ws *w, uint32_t n_users)
{
	memset(w, 0, sizeof *w);
	size_t n = (size_t)n_users + 1;
	w->ustamp = xcalloc(n, sizeof *w->ustamp);
	w->ucount = xmalloc(n * sizeof *w->ucount);
	w->users = xmalloc(n * sizeof *w->users);
}

static void ws_destroy(struct ridge_ws *w)
{
	xfree(w->ustamp);
	xfree(w->ucount);
	xfree(w->users);
	xfree(w->epos);
	xfree(w->ew);
	xfree(w->G);
	memset(w, 0, sizeof *w);
}

/*
 * The Gram block of items[0..m) into w->G (m × m, upper triangle in
 * row-major order, i.e. G[p*m + q] for p ≤ q): G_pq = Σ_u w_up·w_uq over
 * the columns `iu` (items × users, weights).
 */
static void gram_block(const struct csr *iu, const uint32_t *items,
    uint32_t m, struct ridge_ws *w)
{
	if (++w->stamp == 0) {      /* wrapped: forget every stamp */
		memset(w->ustamp, 0, (iu->ncols + 1) * sizeof *w->ustamp);
		w->stamp = 1;
	}
	uint32_t nu = 0;
	size_t ne = 0;
	for (uint32_t p = 0; p < m; p++) {
		uint32_t a = items[p];
		for (uint64_t k = iu->ptr[a]; k < iu->ptr[a + 1]; k++) {
			uint32_t u = iu->idx[k];
			if (w->ustamp[u] != w->stamp) {
				w->ustamp[u] = w->stamp;
				w->ucount[u] = 0;
				w->users[nu++] = u;
			}
			w->ucount[u]++;
		}
		ne += csr_row_len(iu, a);
	}
	if (ne > w->ecap) {
		w->ecap = ne + ne / 2;
		xfree(w->epos);
		xfree(w->ew);
		w->epos = xmalloc(w->ecap * sizeof *w->epos);
		w->ew = xmalloc(w->ecap * sizeof *w->ew);
	}
	size_t gsz = (size_t)m * m;
	if (gsz > w->gcap) {
		w->gcap = gsz + gsz / 2;
		xfree(w->G);
		w->G = xmalloc(w->gcap * sizeof *w->G);
	}
	memset(w->G, 0, gsz * sizeof *w->G);
	/* counts → start offsets, in the order users were met */
	uint32_t at = 0;
	for (uint32_t x = 0; x < nu; x++) {
		uint32_t u = w->users[x], c = w->ucount[u];
		w->ucount[u] = at;
		at += c;
	}
	for (uint32_t p = 0; p < m; p++) {
		uint32_t a = items[p];
		for (uint64_t k = iu->ptr[a]; k < iu->ptr[a + 1]; k++) {
			uint32_t slot = w->ucount[iu->idx[k]]++;
			w->epos[slot] = p;
			w->ew[slot] = iu->val[k];
		}
	}
	/* each user's entries: positions ascending (filled in p order) */
	uint32_t lo = 0;
	for (uint32_t x = 0; x < nu; x++) {
		uint32_t hi = w->ucount[w->users[x]];
		for (uint32_t s = lo; s < hi; s++) {
			double *row = w->G + (size_t)w->epos[s] * m;
			double ws = w->ew[s];
			for (uint32_t t = s; t < hi; t++)
				row[w->epos[t]] += ws * w->ew[t];
		}
		lo = hi;
	}
}

int ridge_solve(double *G, uint32_t m, double lambda, double dropout,
    double *b)
{
	uint32_t k = m - 1;
	if (k == 0)
		return 0;
	double emph = dropout > 0 ? dropout / (1 - dropout) : 0;
	for (uint32_t p = 0; p < k; p++) {
		double *d = &G[(size_t)p * m + p];
		*d += emph * *d + lambda;
		b[p] = G[(size_t)p * m + k];
	}
	/* row-major upper = column-major lower, leading dimension m */
	blas_lock();
	lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L',
	    (lapack_int)k, G, (lapack_int)m);
	if (info == 0)
		info = LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', (lapack_int)k,
		    1, G, (lapack_int)m, b, (lapack_int)k);
	blas_unlock();
	return info == 0 ? 0 : -1;
}

int ridge_column(const struct csr *iu, const uint32_t *nbr, uint32_t k,
    uint32_t j, double lambda, double dropout, double *b)
{
	struct ridge_ws w;
	uint32_t *items = xmalloc(((size_t)k + 1) * sizeof *items);
	memcpy(items, nbr, (size_t)k * sizeof *items);
	items[k] = j;
	ws_init(&w, iu->ncols);
	gram_block(iu, items, k + 1, &w);
	int rc = ridge_solve(w.G, k + 1, lambda, dropout, b);
	ws_destroy(&w);
	xfree(items);
	return rc;
}

/*
 * Solve the regressions of rows rows[0..nr) of S (every row when rows is
 * NULL), in parallel: bs[e] = (float)b for each edge e of those rows. A
 * row that is not positive definite sets *bad_row (the lowest such) and
 * returns -1; a cancellation (polled every 64 rows) returns -2. Progress
 * under `what` when not NULL.
 */
int ridge_rows(const struct csr *iu, const struct csr *S,
    const uint32_t *rows, size_t nr, double lambda, double dropout,
    float *bs, const struct hooks *h, const char *what, uint32_t *bad_row)
{
	size_t total = rows ? nr : S->nrows;
	uint32_t maxk = 0;
	for (size_t x = 0; x < total; x++) {
		uint64_t len = csr_row_len(S, rows ? rows[x] : (uint32_t)x);
		maxk = len > maxk ? (uint32_t)len : maxk;
	}
	int stop = 0, bad = 0;
	uint32_t bad_item = 0;
	uint32_t done = 0;
	if (what)
		hooks_progress(h, what, 0);
	/* the systems are small, one per OpenMP thread: the Gram blocks are
	 * built in parallel, the solves go through blas_lock (the serial
	 * OpenBLAS is not thread-safe: abstract.h) */
	#pragma omp parallel if (total > 1)
	{
		struct ridge_ws w;
		uint32_t *items = xmalloc(((size_t)maxk + 1) * sizeof *items);
		double *b = xmalloc(((size_t)maxk + 1) * sizeof *b);
		ws_init(&w, iu->ncols);
		#pragma omp for schedule(dynamic, 16)
		for (int64_t x = 0; x < (int64_t)total; x++) {
			uint32_t j = rows ? rows[x] : (uint32_t)x;
			if ((x & 63) == 0 && hooks_cancelled(h))
				__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
			if (__atomic_load_n(&stop, __ATOMIC_RELAXED))
				continue;
			uint32_t k = (uint32_t)csr_row_len(S, j);
			if (k == 0)
				continue;
			memcpy(items, S->idx + S->ptr[j], k * sizeof *items);
			items[k] = j;
			gram_block(iu, items, k + 1, &w);
			if (ridge_solve(w.G, k + 1, lambda, dropout, b) < 0) {
				#pragma omp critical(ridge_bad)
				if (!bad || j < bad_item) {
					bad = 1;
					bad_item = j;
				}
				continue;
			}
			for (uint32_t p = 0; p < k; p++)
				bs[S->ptr[j] + p] = (float)b[p];
			uint32_t d = __atomic_add_fetch(&done, 1,
			    __ATOMIC_RELAXED);
			/* the calling thread reports (util.h) */
			if (what && (d & 1023) == 0 && THREAD_NUM() == 0)
				hooks_progress(h, what, (double)d / total);
		}
		xfree(items);
		xfree(b);
		ws_destroy(&w);
	}
	if (stop)
		return -2;
	if (bad) {
		*bad_row = bad_item;
		return -1;
	}
	if (what)
		hooks_progress(h, what, 1);
	return 0;
}

int ridge_filter(struct pipeline *pl, struct filter_out *out,
    struct err *err)
{
	const struct csr *S = &pl->abs.S, *iu = &pl->graph.iu;
	double lambda = params_real(&pl->params, P_FILTER_LAMBDA);
	double dropout = params_real(&pl->params, P_FILTER_DROPOUT);
	uint32_t n = S->nrows, bad_item = 0;
	struct csr *B = &out->B;
	if (blas_ready(err) < 0)
		return err_prefix(err, "filter.method ridge");
	/* the weights in S's edge order, then B = their transpose: B's row
	 * i holds the j with i ∈ N(j), columns ascending. A row the last
	 * ridge run solved for the same rows (pipeline.h) is copied. */
	const struct filter_out *prev = &pl->filt;
	bool reuse = !pl->imp && prev->ridge_b && prev->ridge_n == n &&
	    simk_key_equal(&prev->ridge_key, &pl->abs.key) &&
	    prev->ridge_lambda == lambda && prev->ridge_dropout == dropout;
	float *bs = xcalloc(S->nnz ? S->nnz : 1, sizeof *bs);
	uint32_t *todo = NULL, nt = n;
	if (reuse) {
		todo = xmalloc(((size_t)n + 1) * sizeof *todo);
		nt = 0;
		for (uint32_t j = 0; j < n; j++) {
			uint64_t len = csr_row_len(S, j);
			if (len == prev->ridge_ptr[j + 1] - prev->ridge_ptr[j])
				memcpy(bs + S->ptr[j], prev->ridge_b +
				    prev->ridge_ptr[j], len * sizeof *bs);
			else
				todo[nt++] = j;
		}
	}
	int rc = ridge_rows(iu, S, todo, nt, lambda, dropout, bs, &pl->hooks,
	    "filter: ridge", &bad_item);
	xfree(todo);
	if (rc < 0) {
		xfree(bs);
		if (rc == -2)
			return err_set(err, ERR_INTERRUPTED,
			    "filter: interrupted");
		return err_set(err, ERR_INVAL, "filter.method ridge: the "
		    "regression of item %s is singular (raise filter.lambda "
		    "above %g or filter.dropout above %g)", pl->ds ?
		    idmap_name(&pl->ds->items, bad_item) : "?", lambda,
		    dropout);
	}
	struct csr W = *S;        /* S's pattern with the weights */
	W.val = bs;
	csr_transpose(&W, B);
	uint32_t maxk = 0;
	for (uint32_t j = 0; j < n; j++)
		if (csr_row_len(S, j) > maxk)
			maxk = (uint32_t)csr_row_len(S, j);
	out->ridge_b = bs;
	out->ridge_ptr = xmalloc(((size_t)n + 1) * sizeof *out->ridge_ptr);
	memcpy(out->ridge_ptr, S->ptr, ((size_t)n + 1) * sizeof *S->ptr);
	out->ridge_n = n;
	out->ridge_key = pl->abs.key;
	out->ridge_lambda = lambda;
	out->ridge_dropout = dropout;
	out->st.ridge_solved = nt;
	uint64_t neg = 0;
	for (uint64_t e = 0; e < B->nnz; e++)
		neg += B->val[e] < 0;
	out->st.kept = B->nnz;
	out->st.ridge_negative = neg;
	out->st.ridge_max_neighbours = maxk;
	return 0;
}
