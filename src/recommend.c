/*
 * distill — recommend.c: the recommend stage (DESIGN §1.5–1.6). For every
 * user with training items it scores R_uj = Σ_i A_ui·B_ij for j ∉ N(u),
 * weights D_uj = R_uj·iw(j), keeps the best L = max(rec.n, max eval.k)
 * candidates with D > 0 (users who reach fewer items get shorter lists),
 * ties broken by ascending item index, optionally re-ranks them by the
 * greedy calibration of Steck (2018) over the best 5L, and evaluates the
 * lists (src/eval.c).
 *
 * Parallel over users with OpenMP: each thread owns a struct rec_ws (dense
 * accumulator plus touched list) allocated before the loop, so nothing is
 * allocated per user. Users are processed in blocks; between blocks the
 * calling thread reports progress and checks for cancellation.
 */
#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "topk.h"

void rec_ws_init(struct rec_ws *ws, uint32_t n_items, uint32_t n_comm,
    uint32_t cap)
{
	memset(ws, 0, sizeof *ws);
	ws->n_items = n_items;
	ws->n_comm = n_comm;
	ws->cap = cap;
	ws->acc = xcalloc((size_t)n_items + 1, sizeof *ws->acc);
	ws->mark = xcalloc((size_t)n_items + 1, 1);
	ws->touched = xmalloc(((size_t)n_items + 1) * sizeof *ws->touched);
	ws->seen = xmalloc(((size_t)n_items + 1) * sizeof *ws->seen);
	ws->sel = xmalloc(((size_t)cap + 1) * sizeof *ws->sel);
	ws->sels = xmalloc(((size_t)cap + 1) * sizeof *ws->sels);
	ws->used = xmalloc((size_t)cap + 1);
	ws->pi = xcalloc((size_t)n_comm + 1, sizeof *ws->pi);
	ws->cnt = xcalloc((size_t)n_comm + 1, sizeof *ws->cnt);
	ws->supp = xmalloc(((size_t)n_comm + 1) * sizeof *ws->supp);
}

void rec_ws_destroy(struct rec_ws *ws)
{
	xfree(ws->acc);
	xfree(ws->mark);
	xfree(ws->touched);
	xfree(ws->seen);
	xfree(ws->sel);
	xfree(ws->sels);
	xfree(ws->used);
	xfree(ws->pi);
	xfree(ws->cnt);
	xfree(ws->supp);
	xfree(ws->cand);
	xfree(ws->lrcand);
	xfree(ws->lrj);
	xfree(ws->lrt);
	xfree(ws->lrrow);
	memset(ws, 0, sizeof *ws);
}

void rec_ws_score(struct rec_ws *ws, const struct csr *A, const struct csr *B,
    uint32_t u)
{
	/* locals with restrict: the stores into acc/mark/touched cannot
	 * alias the matrices, so nothing is reloaded in the inner loop */
	double *restrict acc = ws->acc;
	uint8_t *restrict mark = ws->mark;
	uint32_t *restrict touched = ws->touched;
	const uint32_t *restrict bidx = B->idx;
	const float *restrict bval = B->val;
	uint32_t nt = 0;

	ws->ntouched = ws->nseen = 0;
	if (u >= A->nrows)
		return;
	for (uint64_t k = A->ptr[u]; k < A->ptr[u + 1]; k++) {
		ws->seen[ws->nseen++] = A->idx[k];
		mark[A->idx[k]] = 2;
	}
	for (uint64_t k = A->ptr[u]; k < A->ptr[u + 1]; k++) {
		uint32_t i = A->idx[k];
		double a = A->val[k];
		if (i >= B->nrows)
			continue;
		/* B does not fit in the cache on real data (Gowalla: 96 MB):
		 * fetch the start of the next row while this one is summed,
		 * the hardware prefetcher follows it from there */
		if (k + 1 < A->ptr[u + 1] && A->idx[k + 1] < B->nrows) {
			uint64_t nb = B->ptr[A->idx[k + 1]];
			uint64_t ne = B->ptr[A->idx[k + 1] + 1];
			for (uint64_t l = nb; l < ne && l < nb + 256; l += 16) {
				__builtin_prefetch(bidx + l);
				__builtin_prefetch(bval + l);
			}
		}
		uint64_t end = B->ptr[i + 1];
		/* seen items accumulate too (mark 2, never in touched,
		 * cleared by rec_ws_reset). The touched list is appended
		 * without a branch: j is always written at touched[nt] and
		 * kept only when new (a data-dependent branch here was
		 * mispredicted on about every other entry) */
		for (uint64_t e = B->ptr[i]; e < end; e++) {
			uint32_t j = bidx[e];
			uint8_t m = mark[j];
			touched[nt] = j;
			nt += m == 0;
			mark[j] = m | 1;
			acc[j] += a * bval[e];
		}
	}
	ws->ntouched = nt;
}

void rec_ws_score_pl(struct rec_ws *ws, const struct pipeline *pl,
    uint32_t u)
{
	rec_ws_score(ws, &pl->dist.A, &pl->filt.B, u);
	rec_ws_add_lowrank(ws, pl, u);
}

static double rcand_kth(struct rcand *c, uint32_t n, uint32_t k);

/* a strided sample of scores for a first bound (rcache_keep, refine) */
#define RCACHE_SAMPLE 128

/*
 * A block's low-rank rows are single precision (lowrank_rows): at item
 * j the row is within e_j = scale·‖out_j‖₂ of the exact term, and acc
 * within e_j plus its own double rounding. Whatever reads acc next
 * takes at most ws->cap items with R > 0 by R or by D = R·iw (iw > 0):
 * a list, the calibration pool, the candidate cache's M + 1. So the
 * items that can be among those get their exact term: each whose upper
 * bound (R + e, or (R + e)·iw) reaches the cap-th largest lower bound
 * (R − e, or so by D) and is > 0. Every other item is below cap items
 * (or ≤ 0) both before and after, so each selection and its scores are
 * those of exact rows. The candidates come through a bound from a
 * sample (as in rcache_keep); when it lets fewer than cap lower bounds
 * through, through none (all items with an upper bound > 0).
 * Gowalla, k = 256, lists of 20: 100 to 150 exact terms per user, each
 * a k-long dot product.
 */
static void lowrank_add_block(struct rec_ws *ws, const struct pipeline *pl,
    uint32_t u, const float *row, double scale, double absE)
{
	const struct lowrank *lr = &pl->filt.lr;
	const float *iw = pl->dist.iw;
	const double *on = lr->onorm;
	if (!ws->lrcand) {
		ws->lrcand = xmalloc(((size_t)ws->n_items + 1) *
		    sizeof *ws->lrcand);
		ws->lrj = xmalloc(((size_t)ws->n_items + 1) *
		    sizeof *ws->lrj);
	}
	struct rcand *lo = ws->lrcand;
	uint32_t *restrict cd = ws->lrj;
	double *restrict acc = ws->acc;
	uint8_t *restrict mark = ws->mark;
	uint32_t *restrict touched = ws->touched;
	uint32_t nt = ws->ntouched, P = ws->cap, N = lr->n < ws->n_items ?
	    lr->n : ws->n_items;
	if (P == 0)
		P = 1;
	double *restrict sp = ws->lrrow;    /* the sparse part, kept */
	/* one bound E ≥ e_j for every item: |acc| is at most the sparse
	 * part's largest plus the row's, |γ|·‖t‖·max ‖out_j‖ (rounded up) */
	double smax = 0;
	for (uint32_t t = 0; t < nt; t++)
		smax = fmax(smax, fabs(acc[touched[t]]));
	double rmax = scale / ((lr->k + 8.0) * 0x1p-24) * lr->onorm_max;
	double E = scale * lr->onorm_max * 1.01 + absE + 0x1p-50 *
	    (smax + rmax);
#define LR_ERR(a, j) (scale * on[j] + absE + 0x1p-50 * fabs(a))
#define LR_W(j) (iw ? (double)iw[j] : 1.0)
	double bR = -INFINITY, bD = -INFINITY;
	if (N > 4 * ((uint64_t)P + 1)) {
		struct rcand sr[RCACHE_SAMPLE], sd[RCACHE_SAMPLE];
		for (uint32_t x = 0; x < RCACHE_SAMPLE; x++) {
			uint32_t j = (uint32_t)((uint64_t)x * N / RCACHE_SAMPLE);
			double a = acc[j] + row[j], l = a - E;
			sr[x] = (struct rcand){ l, j };
			sd[x] = (struct rcand){ l * LR_W(j), j };
		}
		uint64_t q = 2 * ((uint64_t)P + 1) * RCACHE_SAMPLE / N + 2;
		if (q < RCACHE_SAMPLE) {
			bR = rcand_kth(sr, RCACHE_SAMPLE, (uint32_t)q);
			bD = rcand_kth(sd, RCACHE_SAMPLE, (uint32_t)q);
		}
	}
	/* the sum, and the eligible items (not seen) whose upper bound
	 * can reach a bound: a + E ≥ bR, or (a + E)·iw ≥ bD, so at least
	 * a + E ≥ bD / max iw; and a + E > 0 */
	double wmax = iw ? (double)pl->dist.iw_max : 1;
	double thr = fmin(bR, bD > 0 ? bD / wmax : -INFINITY) - E;
	uint32_t n = 0;
	for (uint32_t j = 0; j < N; j++) {
		uint8_t m = mark[j];
		touched[nt] = j;
		nt += m == 0;
		mark[j] = m | 1;
		double a = acc[j] + row[j];
		sp[j] = acc[j];
		acc[j] = a;
		cd[n] = j;
		n += !(m & 2) & (a >= thr) & (a + E > 0);
	}
	ws->ntouched = nt;
	/* enough lower bounds above both, or (an unlucky sample) again
	 * without them */
	uint32_t aboveR = 0, aboveD = 0;
	for (uint32_t x = 0; x < n; x++) {
		uint32_t j = cd[x];
		double l = acc[j] - LR_ERR(acc[j], j);
		aboveR += l >= bR;
		aboveD += l * LR_W(j) >= bD;
	}
	if ((aboveR < P || aboveD < P) && (bR > -INFINITY ||
	    bD > -INFINITY)) {
		n = 0;
		for (uint32_t t = 0; t < nt; t++) {
			uint32_t j = touched[t];
			cd[n] = j;
			n += (j < N) & (acc[j] + E > 0);
		}
	}
	/* the cap-th largest lower bound among them, by R and by D */
	double tR = -INFINITY, tD = -INFINITY;
	if (n > P) {
		for (uint32_t x = 0; x < n; x++)
			lo[x] = (struct rcand){ acc[cd[x]] - LR_ERR(acc[cd[x]],
			    cd[x]), cd[x] };
		tR = rcand_kth(lo, n, P - 1);
		for (uint32_t x = 0; x < n; x++)
			lo[x] = (struct rcand){ (acc[cd[x]] -
			    LR_ERR(acc[cd[x]], cd[x])) * LR_W(cd[x]), cd[x] };
		tD = rcand_kth(lo, n, P - 1);
	}
	for (uint32_t x = 0; x < n; x++) {
		uint32_t j = cd[x];
		double a = acc[j], up = a + LR_ERR(a, j);
		if (up <= 0 || (up < tR && up * LR_W(j) < tD))
			continue;
		acc[j] = sp[j] + lowrank_term(lr, ws->lrt, j);
	}
#undef LR_ERR
#undef LR_W
}

void rec_ws_add_lowrank(struct rec_ws *ws, const struct pipeline *pl,
    uint32_t u)
{
	const struct lowrank *lr = &pl->filt.lr;
	if (lr->k == 0 || u >= pl->dist.A.nrows)
		return;
	if (!ws->lrt) {
		ws->lrt = xmalloc((lr->k + 1) * sizeof *ws->lrt);
		ws->lrrow = xmalloc(((size_t)ws->n_items + 1) *
		    sizeof *ws->lrrow);
	}
	double *restrict acc = ws->acc;
	uint8_t *restrict mark = ws->mark;
	uint32_t *restrict touched = ws->touched;
	uint32_t nt = ws->ntouched, n = lr->n < ws->n_items ? lr->n :
	    ws->n_items;
	lowrank_user(lr, &pl->dist.A, u, ws->lrt);
	if (ws->lr_row && ws->lr_user == u) {
		double absE, scale = lowrank_round_scale(lr, ws->lrt, &absE);
		if (isfinite(scale)) {
			lowrank_add_block(ws, pl, u, ws->lr_row, scale, absE);
			return;
		}
	}
	lowrank_scores(lr, ws->lrt, ws->lrrow);
	const double *row = ws->lrrow;
	for (uint32_t j = 0; j < n; j++) {
		uint8_t m = mark[j];
		touched[nt] = j;
		nt += m == 0;
		mark[j] = m | 1;
		acc[j] += row[j];
	}
	ws->ntouched = nt;
}

void rec_ws_reset(struct rec_ws *ws)
{
	for (uint32_t t = 0; t < ws->ntouched; t++) {
		ws->acc[ws->touched[t]] = 0;
		ws->mark[ws->touched[t]] = 0;
	}
	for (uint32_t t = 0; t < ws->nseen; t++) {
		ws->acc[ws->seen[t]] = 0;
		ws->mark[ws->seen[t]] = 0;
	}
	ws->ntouched = ws->nseen = 0;
}

/* Sift down in a heap whose root is the worst kept candidate. */
static void heap_down(uint32_t *hi, double *hs, uint32_t n, uint32_t at)
{
	for (;;) {
		uint32_t l = 2 * at + 1, r = l + 1, w = at;
		if (l < n && rank_before(hs[w], hi[w], hs[l], hi[l]))
			w = l;
		if (r < n && rank_before(hs[w], hi[w], hs[r], hi[r]))
			w = r;
		if (w == at)
			return;
		uint32_t ti = hi[at]; hi[at] = hi[w]; hi[w] = ti;
		double ts = hs[at]; hs[at] = hs[w]; hs[w] = ts;
		at = w;
	}
}

/* Sort sel/sels best first (insertion sort: K is small). */
static void sel_sort(uint32_t *hi, double *hs, uint32_t n)
{
	for (uint32_t a = 1; a < n; a++) {
		uint32_t ti = hi[a];
		double ts = hs[a];
		uint32_t b = a;
		for (; b > 0 && rank_before(ts, ti, hs[b - 1], hi[b - 1]); b--) {
			hi[b] = hi[b - 1];
			hs[b] = hs[b - 1];
		}
		hi[b] = ti;
		hs[b] = ts;
	}
}

/* The selection of rec_ws_select; with `clear`, each touched entry of
 * acc and mark is reset as it is read (rec_ws_reset without a second
 * pass over the touched items). */
static inline __attribute__((always_inline)) uint32_t select_top(
    struct rec_ws *ws, const float *iw, uint32_t K, bool clear)
{
	uint32_t n = 0;
	if (K > ws->cap)
		K = ws->cap;
	if (K == 0)
		return 0;
	/* locals: the stores into acc and mark cannot alias ws or the
	 * heap, so nothing is reloaded per candidate; the heap's root (the
	 * worst kept) is held in registers while the heap is full */
	double *restrict acc = ws->acc;
	uint8_t *restrict mark = ws->mark;
	const uint32_t *restrict touched = ws->touched;
	uint32_t *restrict hi = ws->sel;
	double *restrict hs = ws->sels;
	uint32_t nt = ws->ntouched, t = 0;
	for (; t < nt && n < K; t++) {
		uint32_t j = touched[t];
		double d = acc[j] * (iw ? (double)iw[j] : 1.0);
		if (clear) {
			acc[j] = 0;
			mark[j] = 0;
		}
		if (!(d > 0))
			continue;
		hi[n] = j;
		hs[n++] = d;
	}
	if (n == K)  /* heapify: root = worst */
		for (uint32_t h = K / 2 + 1; h-- > 0;)
			heap_down(hi, hs, K, h);
	double ws0 = n == K ? hs[0] : 0;
	uint32_t wj0 = n == K ? hi[0] : 0;
	for (; t < nt; t++) {
		uint32_t j = touched[t];
		double d = acc[j] * (iw ? (double)iw[j] : 1.0);
		if (clear) {
			acc[j] = 0;
			mark[j] = 0;
		}
		if (rank_before(d, j, ws0, wj0)) {
			hi[0] = j;
			hs[0] = d;
			heap_down(hi, hs, K, 0);
			ws0 = hs[0];
			wj0 = hi[0];
		}
	}
	sel_sort(ws->sel, ws->sels, n);
	return n;
}

uint32_t rec_ws_select(struct rec_ws *ws, const float *iw, uint32_t K)
{
	return select_top(ws, iw, K, false);
}

uint32_t rec_ws_select_reset(struct rec_ws *ws, const float *iw, uint32_t K)
{
	uint32_t n = select_top(ws, iw, K, true);
	for (uint32_t t = 0; t < ws->nseen; t++) {
		ws->acc[ws->seen[t]] = 0;
		ws->mark[ws->seen[t]] = 0;
	}
	ws->ntouched = ws->nseen = 0;
	return n;
}

uint32_t rec_list_len(const struct params *p)
{
	long L = params_int(p, P_REC_N);
	const struct param_value *k = &p->v[P_EVAL_K];
	for (int i = 0; i < k->nlist; i++)
		if (k->list[i] > L)
			L = k->list[i];
	return (uint32_t)L;
}

/* KL(π ‖ 0.99·q + 0.01·π) in bits over the user's communities, where q
 * counts cnt[] over a list of m items. */
static double calib_kl(const struct rec_ws *ws, double m)
{
	double kl = 0;
	for (uint32_t s = 0; s < ws->nsupp; s++) {
		uint32_t c = ws->supp[s];
		double q = m > 0 ? ws->cnt[c] / m : 0;
		double qt = 0.99 * q + 0.01 * ws->pi[c];
		kl += ws->pi[c] * log2(ws->pi[c] / qt);
	}
	return kl;
}

/* π_u(c): share of u's training weight in community c. */
static void calib_profile(struct rec_ws *ws, const struct csr *ui, uint32_t u,
    const uint32_t *comm)
{
	double tot = 0;
	ws->nsupp = 0;
	for (uint64_t k = ui->ptr[u]; k < ui->ptr[u + 1]; k++) {
		uint32_t c = comm[ui->idx[k]];
		if (ws->pi[c] == 0)
			ws->supp[ws->nsupp++] = c;
		ws->pi[c] += ui->val[k];
		tot += ui->val[k];
	}
	for (uint32_t s = 0; s < ws->nsupp; s++)
		ws->pi[ws->supp[s]] /= tot > 0 ? tot : 1;
}

uint32_t rec_ws_calibrate(struct rec_ws *ws, uint32_t npool, uint32_t n,
    double lambda, const struct csr *ui, uint32_t u, const uint32_t *comm,
    uint32_t *out_items, float *out_scores)
{
	double sum = 0;
	uint32_t m = 0;
	calib_profile(ws, ui, u, comm);
	memset(ws->used, 0, npool);
	for (; m < n && m < npool; m++) {
		uint32_t best = UINT32_MAX;
		double bestv = -INFINITY;
		for (uint32_t p = 0; p < npool; p++) {
			if (ws->used[p])
				continue;
			uint32_t c = comm[ws->sel[p]];
			ws->cnt[c]++;
			double v = (1 - lambda) * (sum + ws->sels[p]) -
			    lambda * calib_kl(ws, m + 1);
			ws->cnt[c]--;
			if (v > bestv) {  /* ties: earlier in pool order */
				bestv = v;
				best = p;
			}
		}
		ws->used[best] = 1;
		ws->cnt[comm[ws->sel[best]]]++;
		sum += ws->sels[best];
		out_items[m] = ws->sel[best];
		out_scores[m] = (float)ws->sels[best];
	}
	for (uint32_t k = 0; k < m; k++)
		ws->cnt[comm[out_items[k]]] = 0;
	for (uint32_t s = 0; s < ws->nsupp; s++)
		ws->pi[ws->supp[s]] = 0;
	return m;
}

/* The next block's low-rank rows, computed beside a block's scoring:
 * those of users[lo .. lo+n) (users NULL: lo .. lo+n). */
struct lr_next {
	const struct lowrank *lr;
	const struct csr *A;
	const uint32_t *users;
	uint32_t lo, n;
	double *T;
	float *Tf, *rows;
};

/* Score users[lo .. hi) (users NULL: lo .. hi) on every thread, a
 * block's low-rank rows in rows (NULL: none); with next, one thread
 * first computes the next block's low-rank rows (one BLAS call: the
 * BLAS is called by one thread at a time) and then joins the scoring,
 * so the product of a block and the scoring of the one before run side
 * by side (Gowalla, filter.rank 256: the products take ~5 s on one core
 * in single precision, ~10 in double; the scoring ~5 s of CPU). */
static void rec_block(rec_fill_fn fill, void *ctx, struct rec_ws *ws,
    struct rec_out *out, const uint32_t *users, uint32_t lo, uint32_t hi,
    const float *rows, uint32_t n_items, const struct lr_next *next)
{
	uint32_t L = out->L;
#pragma omp parallel
	{
#pragma omp single nowait
		if (next)
			lowrank_rows(next->lr, next->A, next->users, next->lo,
			    next->n, next->T, next->Tf, next->rows);
#pragma omp for schedule(dynamic, 64)
		for (uint32_t x = lo; x < hi; x++) {
			int t = 0;
#ifdef _OPENMP
			t = omp_get_thread_num();
#endif
			uint32_t u = users ? users[x] : x;
			if (rows) {
				ws[t].lr_row = rows + (size_t)(x - lo) *
				    n_items;
				ws[t].lr_user = u;
			}
			out->len[u] = fill(ctx, &ws[t], u, out->items +
			    (size_t)u * L, out->scores + (size_t)u * L, L);
		}
	}
}

/* Users per low-rank block: the block's rows are LR_BLOCK × items
 * floats (Gowalla: 42 MB), twice (the block scored, the next one). */
#define LR_BLOCK 256

int rec_build(const struct pipeline *pl, rec_fill_fn fill, rec_try_fn try,
    void *ctx, uint32_t n_comm, uint32_t cap, const struct lowrank *lr,
    struct rec_out *out, struct err *err)
{
	uint32_t U = pl->graph.ui.nrows, I = pl->graph.ui.ncols;
	uint32_t L = rec_list_len(&pl->params);
	int nt = 1;
#ifdef _OPENMP
	nt = omp_get_max_threads();
#endif
	out->n_users = U;
	out->L = L;
	out->items = xmalloc(((size_t)U * L + 1) * sizeof *out->items);
	out->scores = xmalloc(((size_t)U * L + 1) * sizeof *out->scores);
	out->len = xcalloc((size_t)U + 1, sizeof *out->len);
	for (size_t k = 0; k < (size_t)U * L; k++) {
		out->items[k] = NO_ITEM;
		out->scores[k] = 0;
	}
	struct rec_ws *ws = xcalloc(nt, sizeof *ws);
	for (int t = 0; t < nt; t++)
		rec_ws_init(&ws[t], I, n_comm, cap);
	/* the users try answers first; fill scores the others, in blocks */
	uint32_t *users = NULL, count = U;
	if (try) {
		uint8_t *done = xcalloc((size_t)U + 1, 1);
		#pragma omp parallel for schedule(dynamic, 256)
		for (uint32_t u = 0; u < U; u++) {
			int t = 0;
#ifdef _OPENMP
			t = omp_get_thread_num();
#endif
			uint32_t n;
			if (try(ctx, &ws[t], u, out->items + (size_t)u * L,
			    out->scores + (size_t)u * L, L, &n)) {
				out->len[u] = n;
				done[u] = 1;
			}
		}
		users = xmalloc(((size_t)U + 1) * sizeof *users);
		count = 0;
		for (uint32_t u = 0; u < U; u++)
			if (!done[u])
				users[count++] = u;
		xfree(done);
	}
	int rc = 0;
	bool blocks = lr && lr->k > 0 && count > 0;
	uint32_t step = blocks ? LR_BLOCK : 8192;
	double *T = blocks ? xmalloc((size_t)LR_BLOCK * lr->k * sizeof *T) :
	    NULL;
	float *Tf = blocks ? xmalloc((size_t)LR_BLOCK * lr->k * sizeof *Tf) :
	    NULL;
	float *rows[2] = { NULL, NULL };
	if (blocks) {
		for (int b = 0; b < 2; b++)
			rows[b] = xmalloc((size_t)LR_BLOCK * lr->n *
			    sizeof *rows[b]);
		lowrank_rows(lr, &pl->dist.A, users, 0, count < step ? count :
		    step, T, Tf, rows[0]);
	}
	for (uint32_t lo = 0, b = 0; lo < count; lo += step, b ^= 1) {
		uint32_t hi = lo + step < count ? lo + step : count;
		if (hooks_cancelled(&pl->hooks)) {
			rc = err_set(err, ERR_INTERRUPTED, "interrupted while "
			    "scoring users (%u of %u done)", U - count + lo, U);
			break;
		}
		if (!blocks || lo % 8192 == 0)
			hooks_progress(&pl->hooks, "scoring users",
			    (double)(U - count + lo) / U);
		struct lr_next next = { lr, &pl->dist.A, users, hi,
			hi + step < count ? step : count - hi, T, Tf,
			rows[b ^ 1] };
		rec_block(fill, ctx, ws, out, users, lo, hi, rows[b], I,
		    blocks && hi < count ? &next : NULL);
		/* the workers' low-rank rows and cache selection, allocated
		 * on first use */
		for (int t = 0; t < nt; t++) {
			mem_adopt(ws[t].lrt);
			mem_adopt(ws[t].lrrow);
			mem_adopt(ws[t].cand);
			mem_adopt(ws[t].lrcand);
			mem_adopt(ws[t].lrj);
		}
	}
	xfree(users);
	xfree(T);
	xfree(Tf);
	xfree(rows[0]);
	xfree(rows[1]);
	for (int t = 0; t < nt; t++)
		rec_ws_destroy(&ws[t]);
	xfree(ws);
	return rc;
}

/*
 * The candidate cache by R. A list is the top L (or a calibration pool
 * of 5L) by D_uj = R_uj·iw(j); a change of distill.beta moves iw, not R.
 * So the cache keeps, per user, the M best candidates by R (R > 0) and
 * rest, the largest R it left out (0: none). Selected from those with
 * the same code as from a full scoring, the top K by D is exact when
 * rest = 0, or when the K-th D exceeds rest·max_j iw(j): an item left
 * out has D ≤ rest·max iw (rounding keeps the order), so it can neither
 * enter nor tie. Otherwise the user is scored in full. On Gowalla
 * (M = 200) the bound holds for every user for β in [−0.05, 0.1] and for
 * most at −0.2; the cache takes U·M·12 bytes (72 MB), at most
 * RCACHE_BYTES.
 */
struct rcache {
	struct rkey key;
	bool live;            /* false: its R is gone, only memory */
	uint32_t M, U;
	uint32_t *n;          /* per user: held */
	uint32_t *item;       /* U × M, in any order */
	double *r;            /* U × M */
	double *rest;         /* per user */
};

#define RCACHE_BYTES ((size_t)128 << 20)

void rcache_free(struct rcache *c)
{
	if (!c)
		return;
	xfree(c->n);
	xfree(c->item);
	xfree(c->r);
	xfree(c->rest);
	xfree(c);
}

bool rcache_live(const struct rcache *c)
{
	return c && c->live;
}

static bool rkey_equal(const struct rkey *a, const struct rkey *b)
{
	return a->filt_gen == b->filt_gen && a->graph_gen == b->graph_gen &&
	    a->alpha == b->alpha;
}

/* A cache to fill for key when this is the second run on that R (the
 * previous lists were selected from it) and it fits RCACHE_BYTES with
 * M = 10L (at least 2L); NULL otherwise. A dead cache of the same size
 * in *spare is taken instead of new memory: the run that fills a cache
 * paid more for its fresh pages (72 MB on Gowalla, page faults in this
 * VM) than for the selection; one of another size is freed. */
static struct rcache *rcache_new(const struct pipeline *pl, struct rkey key,
    uint32_t L, struct rcache **spare)
{
	uint32_t U = pl->graph.ui.nrows;
	if (!key.filt_gen || !key.graph_gen || !pl->rec.items ||
	    !rkey_equal(&pl->rec.rkey, &key) || U == 0)
		return NULL;
	size_t fit = RCACHE_BYTES / (U * (sizeof(uint32_t) + sizeof(double)));
	size_t M = 10 * (size_t)L < fit ? 10 * (size_t)L : fit;
	if (M < 2 * (size_t)L)
		return NULL;
	struct rcache *c = *spare;
	*spare = NULL;
	if (c && (c->U != U || c->M != M)) {
		rcache_free(c);
		c = NULL;
	}
	if (!c) {
		c = xcalloc(1, sizeof *c);
		c->M = (uint32_t)M;
		c->U = U;
		c->n = xcalloc(U, sizeof *c->n);
		c->rest = xcalloc(U, sizeof *c->rest);
		c->item = xmalloc(U * M * sizeof *c->item);
		c->r = xmalloc(U * M * sizeof *c->r);
	}
	c->key = key;
	c->live = false;        /* until every user is in it */
	return c;
}

struct rec_ctx {
	const struct pipeline *pl;
	double lambda;
	const uint32_t *comm;
	const struct rcache *use;   /* select from it where exact */
	struct rcache *make;        /* or fill it while scoring */
	uint32_t *hits;             /* users served by use */
};

static void rcand_swap(struct rcand *c, uint32_t a, uint32_t b)
{
	struct rcand t = c[a];
	c[a] = c[b];
	c[b] = t;
}

/* Quickselect: afterwards c[0..k) hold k largest r of c[0..n) (ties in
 * any order), k < n. Each round moves the entries above a median of
 * three to the front, then, if k lies past them, those equal to it: two
 * passes without a data-dependent branch (a three-way partition's
 * branches were mispredicted on about every other entry). */
static void rcand_select(struct rcand *c, uint32_t n, uint32_t k)
{
	uint32_t lo = 0, hi = n;
	while (lo < k && k < hi) {
		double x = c[lo].r, y = c[lo + (hi - lo) / 2].r,
		    z = c[hi - 1].r;
		double p = x < y ? (y < z ? y : x < z ? z : x) :
		    (x < z ? x : y < z ? z : y);
		uint32_t a = lo;
		for (uint32_t b = lo; b < hi; b++) {
			struct rcand v = c[b];
			c[b] = c[a];
			c[a] = v;
			a += v.r > p;
		}
		if (k <= a) {
			hi = a;
			continue;
		}
		uint32_t e = a;     /* p is among them: e > a */
		for (uint32_t b = a; b < hi; b++) {
			struct rcand v = c[b];
			c[b] = c[e];
			c[e] = v;
			e += v.r == p;
		}
		if (k <= e)
			return;
		lo = e;
	}
}

/* The k-th largest r of c[0..n) (k < n, from 0), moved to c[k] with
 * the k larger (or equal) before it. */
static double rcand_kth(struct rcand *c, uint32_t n, uint32_t k)
{
	if (k + 1 < n)
		rcand_select(c, n, k + 1);
	uint32_t w = 0;
	for (uint32_t x = 1; x <= k; x++)
		if (c[x].r < c[w].r)
			w = x;
	rcand_swap(c, w, k);
	return c[k].r;
}

/* Keep u's best M candidates by R (R > 0), in any order, and the next
 * one's R from ws, which holds its full scores. Ties at the (M+1)-th may
 * keep either item: a left-out item's R is at most rest either way.
 *
 * A user touches up to thousands of items (Gowalla: 1,900 on average)
 * and keeps M + 1 (201). A heap of M + 1 along the touched list, and
 * then a quickselect over all of them, made the run that fills the
 * cache 0.7-1.0 s against 0.1 s for the others: both take a mispredicted
 * branch per candidate, several times over. So a bound first: from a
 * strided sample of RCACHE_SAMPLE scores, one with about twice M + 1
 * above it; one pass without a branch copies only those (450 on
 * Gowalla), and the quickselect runs on them. When the bound lets fewer
 * than M + 1 through (an unlucky sample), the pass is repeated without
 * it. */
static void rcache_keep(struct rcache *c, struct rec_ws *ws, uint32_t u)
{
	if (!ws->cand)
		ws->cand = xmalloc(((size_t)ws->n_items + 1) *
		    sizeof *ws->cand);
	struct rcand *cd = ws->cand;
	const double *acc = ws->acc;
	const uint32_t *touched = ws->touched;
	uint32_t nt = ws->ntouched, M = c->M, n = 0;
	double bound = 0;
	if (nt > 4 * (M + 1)) {
		struct rcand smp[RCACHE_SAMPLE];
		for (uint32_t x = 0; x < RCACHE_SAMPLE; x++) {
			uint32_t j = touched[(uint64_t)x * nt / RCACHE_SAMPLE];
			smp[x] = (struct rcand){ acc[j], j };
		}
		uint64_t q = 2 * (uint64_t)(M + 1) * RCACHE_SAMPLE / nt + 2;
		if (q < RCACHE_SAMPLE)
			bound = rcand_kth(smp, RCACHE_SAMPLE, (uint32_t)q);
	}
	for (int pass = 0; pass < 2; pass++) {
		n = 0;
		for (uint32_t t = 0; t < nt; t++) {
			uint32_t j = touched[t];
			double r = acc[j];
			cd[n] = (struct rcand){ r, j };
			n += (r > 0) & (r >= bound);
		}
		if (n > M || bound <= 0)
			break;
		bound = 0;          /* too few above it: all of them */
	}
	double rest = 0;
	if (n > M) {            /* the M best before the (M+1)-th */
		rest = rcand_kth(cd, n, M);
		n = M;
	}
	c->n[u] = n;
	c->rest[u] = rest;
	uint32_t *it = c->item + (size_t)u * M;
	double *r = c->r + (size_t)u * M;
	for (uint32_t x = 0; x < n; x++) {
		it[x] = cd[x].j;
		r[x] = cd[x].r;
	}
}

/* Put u's cached candidates into ws as its scores (seen items are never
 * candidates). */
static void rcache_load(const struct rcache *c, struct rec_ws *ws,
    uint32_t u)
{
	const uint32_t *it = c->item + (size_t)u * c->M;
	const double *r = c->r + (size_t)u * c->M;
	for (uint32_t t = 0; t < c->n[u]; t++) {
		ws->touched[t] = it[t];
		ws->acc[it[t]] = r[t];
		ws->mark[it[t]] = 1;
	}
	ws->ntouched = c->n[u];
	ws->nseen = 0;
}

/* Whether the n selected of K wanted are u's exact top K (see above). */
static bool rcache_exact(const struct rec_ctx *c, const struct rec_ws *ws,
    uint32_t u, uint32_t n, uint32_t K)
{
	double rest = c->use->rest[u];
	return rest == 0 || (n == K && ws->sels[K - 1] > rest *
	    (double)c->pl->dist.iw_max);
}

/* One selection of u's list from the scores in ws (the full ones, or
 * with `cached` the cache's): false when a cached selection is not
 * provably exact (ws is reset either way). */
static bool select_list(const struct rec_ctx *c, struct rec_ws *ws,
    uint32_t u, bool cached, uint32_t *items, float *scores, uint32_t L,
    uint32_t *n)
{
	const struct pipeline *pl = c->pl;
	if (c->lambda > 0 && c->comm) {
		uint32_t pool = rec_ws_select(ws, pl->dist.iw, 5 * L);
		if (cached && !rcache_exact(c, ws, u, pool, 5 * L)) {
			rec_ws_reset(ws);
			return false;
		}
		*n = rec_ws_calibrate(ws, pool, L, c->lambda, &pl->graph.ui, u,
		    c->comm, items, scores);
		rec_ws_reset(ws);
		return true;
	}
	*n = rec_ws_select_reset(ws, pl->dist.iw, L);
	if (cached && !rcache_exact(c, ws, u, *n, L))
		return false;
	for (uint32_t k = 0; k < *n; k++) {
		items[k] = ws->sel[k];
		scores[k] = (float)ws->sels[k];
	}
	return true;
}

/* The pipeline's list for one user from the candidate cache, where
 * that is exact (rec_build tries every user so before scoring the
 * others, whose low-rank rows alone it then computes). */
static bool rec_try_pipeline(void *vctx, struct rec_ws *ws, uint32_t u,
    uint32_t *items, float *scores, uint32_t L, uint32_t *n)
{
	const struct rec_ctx *c = vctx;
	rcache_load(c->use, ws, u);
	if (!select_list(c, ws, u, true, items, scores, L, n))
		return false;
	__atomic_add_fetch(c->hits, 1, __ATOMIC_RELAXED);
	return true;
}

/* The pipeline's list for one user scored in full: top L by D, or
 * calibrated from 5L. */
static uint32_t rec_fill_pipeline(void *vctx, struct rec_ws *ws, uint32_t u,
    uint32_t *items, float *scores, uint32_t L)
{
	const struct rec_ctx *c = vctx;
	uint32_t n = 0;
	rec_ws_score_pl(ws, c->pl, u);
	if (c->make)
		rcache_keep(c->make, ws, u);
	select_list(c, ws, u, false, items, scores, L, &n);
	return n;
}

int recommend_run(struct pipeline *pl, struct rec_out *out, struct err *err)
{
	if (!pl->dist.A.ptr || !pl->dist.iw || !pl->filt.B.ptr)
		return err_set(err, ERR_STATE, "the distill and filter stages "
		    "have not run");
	if (pipeline_needs_communities(&pl->params) &&
	    pipeline_communities(pl, err) < 0)
		return -1;
	struct rec_ctx c = { pl, params_real(&pl->params, P_DISTILL_CALIBRATE),
		pl->abs.community, NULL, NULL, &out->from_cache };
	uint32_t L = rec_list_len(&pl->params);
	uint32_t K = c.lambda > 0 && c.comm ? 5 * L : L;
	uint32_t cap = 5 * L;  /* the most a selection takes */
	out->rkey = (struct rkey){ pl->filt.gen, pl->graph.gen,
		params_real(&pl->params, P_DISTILL_ALPHA) };
	struct rcache *rc = pl->rcache;
	if (rc && rc->live && rkey_equal(&rc->key, &out->rkey) && rc->M > K) {
		c.use = rc;
	} else if (!pl->borrowed) {
		/* a cache of another R is dead (its filter result is gone);
		 * its memory may hold the next one */
		if (rc)
			rc->live = false;
		c.make = rcache_new(pl, out->rkey, L, &pl->rcache);
		if (c.make && c.make->M + 1 > cap)
			cap = c.make->M + 1;
	}
	if (rec_build(pl, rec_fill_pipeline, c.use ? rec_try_pipeline : NULL,
	    &c, pl->abs.community ?
	    pl->abs.n_comm : 0, cap, &pl->filt.lr, out, err) < 0) {
		rcache_free(c.make);
		return -1;
	}
	if (c.make) {
		c.make->live = true;
		pl->rcache = c.make;
	}
	double t0 = util_now_ms();
	eval_lists(pl, &(struct rec_lists){ out->n_users, out->L, out->items,
	    out->len }, &out->ev);
	out->ev.ms = util_now_ms() - t0;
	return 0;
}

void rec_out_destroy(struct rec_out *o)
{
	xfree(o->items);
	xfree(o->scores);
	xfree(o->len);
	memset(o, 0, sizeof *o);
}
