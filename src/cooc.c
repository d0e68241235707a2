/*
 * distill — cooc.c: the co-occurrence kernel of the abstract stage.
 *
 * For item i: for u in N(i), for j in N(u): acc[j] += f(w_ui, w_uj), with
 * f = w_ui·w_uj (cosine, asym: C_ij), 1 (jaccard: |N(i)∩N(j)|) or
 * P_iu·P_uj (p3, rp3). The accumulator is dense and per thread; a row's
 * entries go on a touched list (new while their sum is 0 when every
 * weight is positive and the row starts from zeros, else by a row stamp)
 * and are cleared through it, so the inner loop never allocates. Rows
 * run in parallel (OpenMP, dynamic schedule); each thread
 * appends its kept edges to its own buffer and the rows are stitched
 * together at the end. Summation order within a row is fixed (ascending
 * u, then ascending j), so results do not depend on the thread count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "abstract.h"

#define FINE_BINS 2560   /* fine histogram bins (a multiple of HIST_MAX) */


/* A fine histogram over [0, range) whose range doubles (merging bin
 * pairs) when a larger value arrives, so one pass gives exact counts for
 * bins that are unions of fine bins over [0, ~max]. */
struct fineh {
	double range, scale;       /* scale = FINE_BINS / range */
	uint64_t bin[FINE_BINS];
};

/* Per-thread workspace. */
struct ws {
	double *acc, *acc2;        /* metric accumulator, C_ij (optional) */
	uint32_t *mark;            /* row stamp (i + 1) of acc[j] */
	uint32_t *touched;
	uint32_t nt;
	uint64_t *cand;            /* cand_t keys (below) */
	/* kept edges of this thread's rows */
	uint32_t *oj;
	float *os, *oc;
	size_t on, ocap;
	bool want_oc;              /* also store C_ij of kept edges */
	struct fineh fh;
	uint64_t candidates, cut_thr, cut_topk;
	double max;
	size_t oom;                /* bytes of an allocation that failed */
};

/*
 * Every candidate similarity (j != i, s_ij before threshold and top-k) of
 * one configuration of the kernel, kept by the pipeline: when only
 * abstract.threshold or abstract.topk change, S is re-selected from it
 * instead of recomputing the co-occurrence. A row starts with its best
 * rd[i] candidates, sorted, the rest in any order; the selection orders
 * by (s desc, j asc) exactly as a fresh build does, and
 * the histogram and counts do not depend on the threshold, so a selection
 * equals a rebuild.
 */
struct simcache {
	struct simk_key key;
	uint32_t *cj;              /* candidates' j ... */
	float *cs;                 /* ... and s, in one buffer */
	uint64_t *ro;              /* row i: offset, length */
	uint32_t *rl;
	uint32_t *rd;              /* row i's first rd[i] are its best,
	                              sorted (the rest in any order) */
	uint64_t nnz;
	double max;
	struct fineh fh;
};

/*
 * Cache at most this many candidate slots (8 bytes each; the slots are
 * the per-row bound below, of which the candidates fill 2/3 on Gowalla).
 * The cache is one buffer sized up front and written in place: the
 * earlier per-thread buffers grew by doubling, and their copies and fresh
 * pages made Gowalla's first build 0.5 s slower, so it was skipped there.
 * Gowalla (62M slots, 42M candidates) fits; the 20M log does not.
 *
 * Writing the cache still costs its pages: on Gowalla 336 MB, a fifth of
 * a one-shot `eval` (1.04 s against 0.86 s) and 0.45 GB of its peak. So
 * a first build caches up to SIMCACHE_EAGER slots (ML-100K's 1.4M,
 * ML-1M's); more only with SIMCACHE_ANY, which the abstract stage asks
 * for when it builds the same candidates a second time.
 */
#define SIMCACHE_MAX (64u << 20)
/* At most this many slots (8 bytes each, 12 with C_ij) for rows written
 * in place (build()). */
#define SLOTS_MAX ((uint64_t)128 << 20)
#define SIMCACHE_EAGER (16u << 20)

/* Per-row slots for the cache: the two-hop walks of row i, at most
 * n - 1, as offsets (off[i] .. off[i+1]); returns the total, or
 * SIMCACHE_MAX + 1 as soon as it is exceeded. O(nnz). */
static uint64_t cand_offsets(const struct simk *k, uint64_t *off)
{
	const struct csr *ui = k->ui, *iu = k->iu;
	uint64_t total = 0;
	off[0] = 0;
	for (uint32_t i = 0; i < iu->nrows; i++) {
		uint64_t b = 0;
		for (uint64_t a = iu->ptr[i]; a < iu->ptr[i + 1] &&
		    b < iu->nrows; a++)
			b += csr_row_len(ui, iu->idx[a]);
		total += b < iu->nrows ? b : iu->nrows - 1;
		off[i + 1] = total;
		if (total > SIMCACHE_MAX)
			return SIMCACHE_MAX + 1;
	}
	return total;
}

enum acc_kind { ACC_C, ACC_COUNT, ACC_P3 };

static int thread_count(void)
{
#ifdef _OPENMP
	return omp_get_max_threads();
#else
	return 1;
#endif
}

static int thread_id(void)
{
#ifdef _OPENMP
	return omp_get_thread_num();
#else
	return 0;
#endif
}

static enum acc_kind kind_of(int metric)
{
	switch (metric) {
	case METRIC_JACCARD: return ACC_COUNT;
	case METRIC_P3:
	case METRIC_RP3: return ACC_P3;
	default: return ACC_C;
	}
}

/* Σ_u w_ui² and Σ_u w_ui, and the user sums Σ_k w_uk. */
static void item_sums(const struct csr *iu, double *sq, double *sum)
{
	for (uint32_t i = 0; i < iu->nrows; i++) {
		double a = 0, b = 0;
		for (uint64_t e = iu->ptr[i]; e < iu->ptr[i + 1]; e++) {
			a += (double)iu->val[e] * iu->val[e];
			b += iu->val[e];
		}
		sq[i] = a;
		sum[i] = b;
	}
}

/* Random-walk transition probabilities raised to α (p3, rp3). */
static void simk_init_p3(struct simk *k, const double *isum, double alpha)
{
	const struct csr *ui = k->ui, *iu = k->iu;
	k->piu = xmalloc((iu->nnz ? iu->nnz : 1) * sizeof *k->piu);
	k->puj = xmalloc((ui->nnz ? ui->nnz : 1) * sizeof *k->puj);
	/* pow(x, 1) is x: skip the call for the default alpha (it was a
	 * tenth of a threshold change on ML-100K) */
	bool one = alpha == 1;
	for (uint32_t i = 0; i < iu->nrows; i++)
		for (uint64_t e = iu->ptr[i]; e < iu->ptr[i + 1]; e++) {
			double x = iu->val[e] / isum[i];
			k->piu[e] = one ? x : pow(x, alpha);
		}
	for (uint32_t u = 0; u < ui->nrows; u++) {
		double s = 0;
		for (uint64_t e = ui->ptr[u]; e < ui->ptr[u + 1]; e++)
			s += ui->val[e];
		for (uint64_t e = ui->ptr[u]; e < ui->ptr[u + 1]; e++) {
			double x = ui->val[e] / s;
			k->puj[e] = one ? x : pow(x, alpha);
		}
	}
}

void simk_init_select(struct simk *k, const struct csr *ui,
    const struct csr *iu, const struct params *p, uint64_t graph_gen)
{
	memset(k, 0, sizeof *k);
	k->ui = ui;
	k->iu = iu;
	k->metric = params_enum(p, P_ABSTRACT_METRIC);
	k->shrink = params_real(p, P_ABSTRACT_SHRINK);
	k->key.graph_gen = graph_gen;
	k->key.metric = k->metric;
	/* only what the metric reads: a change of an inactive parameter
	 * (abstract.beta under cosine) keeps the candidate cache */
#define KEYED(id) (params_active(p, id) ? params_real(p, id) : 0)
	k->key.shrink = KEYED(P_ABSTRACT_SHRINK);
	k->key.asym_alpha = KEYED(P_ABSTRACT_ASYM_ALPHA);
	k->key.alpha = KEYED(P_ABSTRACT_ALPHA);
	k->key.beta = KEYED(P_ABSTRACT_BETA);
#undef KEYED
	k->threshold = params_real(p, P_ABSTRACT_THRESHOLD);
	k->topk = params_int(p, P_ABSTRACT_TOPK);
}

/* Per user, the one value of v's entries in its row when they all have
 * it, else NAN. */
static double *uniform_per_user(const struct csr *ui, const double *pv)
{
	double *uv = xmalloc(((size_t)ui->nrows + 1) * sizeof *uv);
	for (uint32_t u = 0; u < ui->nrows; u++) {
		uint64_t a = ui->ptr[u], e = ui->ptr[u + 1];
		double v0 = a < e ? (pv ? pv[a] : (double)ui->val[a]) : NAN;
		for (uint64_t b = a + 1; b < e && v0 == v0; b++)
			if ((pv ? pv[b] : (double)ui->val[b]) != v0)
				v0 = NAN;
		uv[u] = v0;
	}
	return uv;
}

void simk_init(struct simk *k, const struct csr *ui, const struct csr *iu,
    const struct params *p)
{
	simk_init_select(k, ui, iu, p, 0);
	uint32_t n = iu->nrows;
	double a = k->key.asym_alpha, beta = k->key.beta;
	double *sq = xmalloc((n ? n : 1) * sizeof *sq);
	double *sum = xmalloc((n ? n : 1) * sizeof *sum);
	item_sums(iu, sq, sum);
	k->rowf = xmalloc((n ? n : 1) * sizeof *k->rowf);
	k->colf = xmalloc((n ? n : 1) * sizeof *k->colf);
	for (uint32_t i = 0; i < n; i++) {
		double deg = (double)csr_row_len(iu, i);
		switch (k->metric) {
		case METRIC_COSINE:
			k->rowf[i] = k->colf[i] = sqrt(sq[i]);
			break;
		case METRIC_ASYM:
			k->rowf[i] = pow(sq[i], a);
			k->colf[i] = pow(sq[i], 1 - a);
			break;
		case METRIC_JACCARD:
			k->rowf[i] = k->colf[i] = deg;
			break;
		default:
			k->rowf[i] = 1;
			k->colf[i] = k->metric == METRIC_RP3 ?
			    pow(deg, beta) : 1;
			break;
		}
	}
	if (kind_of(k->metric) == ACC_P3)
		simk_init_p3(k, sum, k->key.alpha);
	/* both: a p3/rp3 kernel also counts C_ij (simk_cooc_of, the
	 * learned filter's features), which must not read puj's value */
	k->uval = uniform_per_user(ui, NULL);
	k->upv = k->puj ? uniform_per_user(ui, k->puj) : NULL;
	xfree(sq);
	xfree(sum);
}

void simk_destroy(struct simk *k)
{
	xfree(k->uval);
	xfree(k->upv);
	xfree(k->rowf);
	xfree(k->colf);
	xfree(k->piu);
	xfree(k->puj);
	memset(k, 0, sizeof *k);
}

/* The workspace of one thread. Runs inside parallel regions, where a
 * failed allocation cannot unwind: it sets w->oom (the caller unwinds
 * once the region is over) and returns false. */
static bool ws_init(struct ws *w, uint32_t n, bool want_c)
{
	memset(w, 0, sizeof *w);
	size_t m = n ? n : 1;
	w->acc = try_calloc(m, sizeof *w->acc);   /* dense rows need zeros */
	w->acc2 = want_c ? try_malloc(m * sizeof *w->acc2) : NULL;
	w->mark = try_calloc(m, sizeof *w->mark);
	/* +1: the branch-free append writes one past a full list */
	w->touched = try_malloc((m + 1) * sizeof *w->touched);
	w->cand = try_malloc(m * sizeof *w->cand);
	w->want_oc = want_c;
	w->fh.range = 0x1p-40;
	w->fh.scale = FINE_BINS / w->fh.range;
	if (!w->acc || (want_c && !w->acc2) || !w->mark || !w->touched ||
	    !w->cand) {
		w->oom = m * (sizeof *w->acc + sizeof *w->mark +
		    sizeof *w->touched + sizeof *w->cand);
		return false;
	}
	return true;
}

/* A worker's buffers into the calling thread's memory scope. */
static void ws_adopt(struct ws *w)
{
	mem_adopt(w->acc);
	mem_adopt(w->acc2);
	mem_adopt(w->mark);
	mem_adopt(w->touched);
	mem_adopt(w->cand);
	mem_adopt(w->oj);
	mem_adopt(w->os);
	mem_adopt(w->oc);
}

static void ws_destroy(struct ws *w)
{
	xfree(w->acc);
	xfree(w->acc2);
	xfree(w->mark);
	xfree(w->touched);
	xfree(w->cand);
	xfree(w->oj);
	xfree(w->os);
	xfree(w->oc);
}

/* The inner loop for one kind; `c2` also accumulates C_ij into acc2.
 * Inlined with constant arguments so each kind gets its own loop. */
static inline __attribute__((always_inline)) void row_loop(
    const struct simk *k, uint32_t i, struct ws *w, enum acc_kind kind,
    bool c2, bool zs)
{
	const struct csr *ui = k->ui, *iu = k->iu;
	uint32_t stamp = i + 1, nt = 0;
	double *acc = w->acc, *acc2 = w->acc2;
	uint32_t *mark = w->mark, *touched = w->touched;
	for (uint64_t a = iu->ptr[i]; a < iu->ptr[i + 1]; a++) {
		uint32_t u = iu->idx[a];
		double wi = iu->val[a];
		double pi = kind == ACC_P3 ? k->piu[a] : 0;
		/* One value in u's row: one product, no per-entry load of
		 * it (see row_loop_dense); the test is the same for the
		 * whole row, so it predicts. No branch on whether j is new
		 * to the row (it was mispredicted on a good share of the
		 * entries): j is always written at touched[nt] and kept
		 * only when new, and a new j starts from 0 by a select. */
		double uv = kind == ACC_COUNT ? 1.0 : kind == ACC_P3 ?
		    k->upv[u] : k->uval[u];
		bool uni = !c2 && uv == uv;
		double vu = kind == ACC_P3 ? pi * uv : kind == ACC_COUNT ? 1.0 :
		    wi * uv;
		for (uint64_t b = ui->ptr[u]; b < ui->ptr[u + 1]; b++) {
			uint32_t j = ui->idx[b];
			double a0 = acc[j];
			bool fresh = zs ? a0 == 0 : mark[j] != stamp;
			if (!zs)
				mark[j] = stamp;
			touched[nt] = j;
			nt += fresh;
			double v = uni ? vu : kind == ACC_P3 ? pi * k->puj[b] :
			    kind == ACC_COUNT ? 1.0 : wi * ui->val[b];
			acc[j] = (fresh && !zs ? 0.0 : a0) + v;
			if (c2) {
				double c0 = acc2[j];
				acc2[j] = (fresh ? 0.0 : c0) + wi * ui->val[b];
			}
		}
	}
	w->nt = nt;
}

/* The dense variant for long rows: acc starts all zero and every
 * contribution is positive, so no stamp or touched list is kept per
 * entry; one scan of acc afterwards lists the touched j (ascending). */
static inline __attribute__((always_inline)) void row_loop_dense(
    const struct simk *k, uint32_t i, struct ws *w, enum acc_kind kind)
{
	const struct csr *ui = k->ui, *iu = k->iu;
	double *restrict acc = w->acc;
	for (uint64_t a = iu->ptr[i]; a < iu->ptr[i + 1]; a++) {
		uint32_t u = iu->idx[a];
		double wi = iu->val[a];
		double pi = kind == ACC_P3 ? k->piu[a] : 0;
		const uint32_t *restrict jx = ui->idx;
		/* a user whose row has one value (binary weights): the
		 * same product for every entry, and only the column
		 * indices to stream (the rows are the memory traffic) */
		double uv = kind == ACC_COUNT ? 1.0 : kind == ACC_P3 ?
		    k->upv[u] : k->uval[u];
		if (uv == uv) {
			double v = kind == ACC_P3 ? pi * uv :
			    kind == ACC_COUNT ? 1.0 : wi * uv;
			for (uint64_t b = ui->ptr[u]; b < ui->ptr[u + 1]; b++)
				acc[jx[b]] += v;
			continue;
		}
		for (uint64_t b = ui->ptr[u]; b < ui->ptr[u + 1]; b++)
			acc[jx[b]] += kind == ACC_P3 ? pi * k->puj[b] :
			    kind == ACC_COUNT ? 1.0 : wi * ui->val[b];
	}
	uint32_t n = iu->nrows, nt = 0;
	uint32_t *restrict touched = w->touched;
	for (uint32_t j = 0; j < n; j++) {
		touched[nt] = j;
		nt += acc[j] != 0;
	}
	w->nt = nt;
}

/* Two-hop visits of row i: Σ_{u ∈ N(i)} deg(u). */
static uint64_t row_visits(const struct simk *k, uint32_t i)
{
	uint64_t v = 0;
	for (uint64_t a = k->iu->ptr[i]; a < k->iu->ptr[i + 1]; a++)
		v += csr_row_len(k->ui, k->iu->idx[a]);
	return v;
}

/* Accumulate row i into w->acc (and C_ij into w->acc2 when present). */
static void row_accumulate(const struct simk *k, uint32_t i, struct ws *w,
    enum acc_kind kind)
{
	bool c2 = w->acc2 != NULL;
	if (kind == ACC_C && !c2)
		row_loop(k, i, w, ACC_C, false, false);
	else if (kind == ACC_COUNT && !c2)
		row_loop(k, i, w, ACC_COUNT, false, false);
	else if (kind == ACC_P3 && !c2)
		row_loop(k, i, w, ACC_P3, false, false);
	else if (kind == ACC_C)
		row_loop(k, i, w, ACC_C, true, false);
	else if (kind == ACC_COUNT)
		row_loop(k, i, w, ACC_COUNT, true, false);
	else
		row_loop(k, i, w, ACC_P3, true, false);
}

/* row_accumulate for build's rows when acc is all zero at the start of
 * every row and every contribution is positive (build's dense_ok): an
 * entry is new to the row while its sum is 0, so no stamp is loaded or
 * stored per entry (a fifth of Gowalla's abstract stage). The sums are
 * row_accumulate's (0 + v is v). mark is not kept. */
static void row_accumulate_zs(const struct simk *k, uint32_t i,
    struct ws *w, enum acc_kind kind)
{
	if (kind == ACC_C)
		row_loop(k, i, w, ACC_C, false, true);
	else if (kind == ACC_COUNT)
		row_loop(k, i, w, ACC_COUNT, false, true);
	else
		row_loop(k, i, w, ACC_P3, false, true);
}

/* s_ij from the accumulated value, rounded to float (see abstract.h).
 * Inlined with a constant metric in the row loops (sim_value_m), so the
 * per-candidate work has no call and no switch. */
static inline __attribute__((always_inline)) float sim_value_m(
    const struct simk *k, int metric, uint32_t i, uint32_t j, double acc)
{
	switch (metric) {
	case METRIC_COSINE:
	case METRIC_ASYM:
		return (float)(acc / (k->rowf[i] * k->colf[j] + k->shrink));
	case METRIC_JACCARD:
		return (float)(acc / (k->rowf[i] + k->colf[j] - acc));
	case METRIC_RP3:
		return (float)(acc / k->colf[j]);
	default:
		return (float)acc;
	}
}

static float sim_value(const struct simk *k, uint32_t i, uint32_t j,
    double acc)
{
	return sim_value_m(k, k->metric, i, j, acc);
}

static void fine_double(struct fineh *f)
{
	for (int b = 0; b < FINE_BINS / 2; b++)
		f->bin[b] = f->bin[2 * b] + f->bin[2 * b + 1];
	memset(f->bin + FINE_BINS / 2, 0, FINE_BINS / 2 * sizeof f->bin[0]);
	f->range *= 2;
	f->scale = FINE_BINS / f->range;
}

/* v's bin: v·scale is v / range · FINE_BINS exactly (range is a power of
 * two, so both are one rounding of the same product), without a
 * division per candidate. */
static inline void fine_add(struct fineh *f, double v)
{
	if (!isfinite(v))
		return;
	if (v < 0)
		v = 0;
	while (v >= f->range)
		fine_double(f);
	size_t b = (size_t)(v * f->scale);
	f->bin[b < FINE_BINS ? b : FINE_BINS - 1]++;
}

/* Merge the threads' fine histograms and cut them into at most HIST_MAX
 * bins over [0, ~max] (each output bin a union of fine bins). */
static void fine_to_hist(struct ws *W, int nth, double max, double marker,
    struct histogram *h)
{
	struct fineh *f = &W[0].fh;
	for (int t = 1; t < nth; t++)
		while (f->range < W[t].fh.range)
			fine_double(f);
	for (int t = 1; t < nth; t++) {
		while (W[t].fh.range < f->range)
			fine_double(&W[t].fh);
		for (int b = 0; b < FINE_BINS; b++)
			f->bin[b] += W[t].fh.bin[b];
	}
	memset(h, 0, sizeof *h);
	h->marker = marker;
	double w = f->range / FINE_BINS;
	size_t m = (size_t)ceil(max / (HIST_MAX * w));
	if (m < 1)
		m = 1;
	size_t top = (size_t)(max / w);
	if (top >= FINE_BINS)
		top = FINE_BINS - 1;
	int nb = (int)(top / m + 1);
	h->nbins = nb > HIST_MAX ? HIST_MAX : nb;
	for (int b = 0; b <= h->nbins; b++)
		h->edge[b] = (double)b * (double)m * w;
	for (size_t b = 0; b < FINE_BINS; b++) {
		size_t o = b / m;
		h->count[o < (size_t)h->nbins ? o : (size_t)h->nbins - 1] +=
		    f->bin[b];
	}
}

/*
 * A candidate as one 64-bit key whose integer order is the rank order:
 * the similarity's float bits made monotonic in the high half, ~j in the
 * low half, so a larger key ranks before (larger s, then smaller j).
 * Selection and sorting then compare integers, without branches on the
 * float and the tie. -0 is folded into +0 first (they compare equal as
 * floats and must tie by j).
 */
typedef uint64_t cand_t;

static inline cand_t cand_make(float s, uint32_t j)
{
	uint32_t u;
	s += 0.0f;
	memcpy(&u, &s, sizeof u);
	u = u & 0x80000000u ? ~u : u | 0x80000000u;
	return (uint64_t)u << 32 | (uint32_t)~j;
}

static inline uint32_t cand_j(cand_t c)
{
	return ~(uint32_t)c;
}

static inline float cand_s(cand_t c)
{
	uint32_t u = (uint32_t)(c >> 32);
	u = u & 0x80000000u ? u & 0x7fffffffu : ~u;
	float s;
	memcpy(&s, &u, sizeof s);
	return s;
}

static inline void cand_swap(cand_t *c, size_t a, size_t b)
{
	cand_t t = c[a];
	c[a] = c[b];
	c[b] = t;
}

/* Move the keys above pv (at least pv with `ge`) to the front of c[0..n)
 * and return their count. Branch-free: the comparison only moves the
 * split point. */
static inline size_t cand_front(cand_t *c, size_t n, cand_t pv, bool ge)
{
	size_t p = 0;
	for (size_t x = 0; x < n; x++) {
		cand_t v = c[x];
		c[x] = c[p];
		c[p] = v;
		p += ge ? v >= pv : v > pv;
	}
	return p;
}

/* Partition c[0..n) (n > 2) around the median of three: returns p with
 * c[0..p) before c[p] and c[p] before c(p..n). */
static size_t cand_partition(cand_t *c, size_t n)
{
	size_t mid = n / 2, last = n - 1;
	if (c[mid] > c[0])
		cand_swap(c, mid, 0);
	if (c[last] > c[0])
		cand_swap(c, last, 0);
	if (c[mid] > c[last])
		cand_swap(c, mid, last);
	size_t p = cand_front(c, last, c[last], false);   /* Lomuto */
	cand_swap(c, p, last);
	return p;
}

/* Sort c[0..n) best first. The order is total (j is unique in a row),
 * so any correct sort gives the same rows. */
static void cand_sort(cand_t *c, size_t n)
{
	while (n > 16) {
		size_t p = cand_partition(c, n);
		/* recurse into the smaller side, loop on the larger */
		if (p < n - p - 1) {
			cand_sort(c, p);
			c += p + 1;
			n -= p + 1;
		} else {
			cand_sort(c + p + 1, n - p - 1);
			n = p;
		}
	}
	for (size_t i = 1; i < n; i++) {
		cand_t v = c[i];
		size_t x = i;
		for (; x > 0 && v > c[x - 1]; x--)
			c[x] = c[x - 1];
		c[x] = v;
	}
}

/* Quickselect: afterwards c[0..k) are the k best (unordered). */
static void cand_quickselect(cand_t *c, size_t n, size_t k)
{
	size_t lo = 0, hi = n;
	while (hi - lo > 16) {
		size_t p = lo + cand_partition(c + lo, hi - lo);
		if (p == k || p + 1 == k)
			return;
		if (p < k)
			lo = p + 1;
		else
			hi = p;
	}
	cand_sort(c + lo, hi - lo);
}

/*
 * Partial selection: afterwards c[0..k) are the k best (unordered). Most
 * candidates of a long row lose (Gowalla: 42M candidates for 8M kept), so
 * a pivot estimated from a sample of 64 sends them away in one
 * branch-free compaction pass; quickselect then runs on the ~k that
 * remain. A pivot that kept fewer than k (a skewed sample) falls back to
 * quickselect on the whole row, which is always exact.
 */
static void cand_select(cand_t *c, size_t n, size_t k)
{
	enum { NS = 64 };
	if (k == 0 || n <= k)
		return;
	if (n >= 4 * k && n >= 4 * NS) {
		cand_t smp[NS];
		for (size_t x = 0; x < NS; x++)
			smp[x] = c[x * (n / NS)];
		cand_sort(smp, NS);
		/* the sample's rank for k, with a margin of 4 */
		size_t r = (size_t)((double)k / (double)n * NS) + 4;
		if (r < NS) {
			size_t p = cand_front(c, n, smp[r], true);
			if (p >= k) {
				cand_quickselect(c, p, k);
				return;
			}
		}
	}
	cand_quickselect(c, n, k);
}

/* Room for `more` kept edges; false (w->oom set) without the memory. */
static bool ws_reserve(struct ws *w, size_t more)
{
	if (w->on + more <= w->ocap)
		return true;
	size_t cap = w->ocap ? w->ocap : 1024;
	while (cap < w->on + more)
		cap *= 2;
	uint32_t *oj = try_realloc(w->oj, cap * sizeof *w->oj);
	if (oj)
		w->oj = oj;
	float *os = oj ? try_realloc(w->os, cap * sizeof *w->os) : NULL;
	if (os)
		w->os = os;
	float *oc = os && w->want_oc ? try_realloc(w->oc, cap *
	    sizeof *w->oc) : NULL;
	if (oc)
		w->oc = oc;
	if (!os || (w->want_oc && !oc)) {
		w->oom = cap * sizeof *w->oj;
		return false;
	}
	w->ocap = cap;
	return true;
}

/* Keep the best topk of the nc threshold-passing candidates in w->cand,
 * ordered, and append them to the thread buffer; returns their count. */
static uint32_t row_finish(const struct simk *k, struct ws *w, size_t nc)
{
	if (k->topk > 0 && nc > (size_t)k->topk) {
		cand_select(w->cand, nc, (size_t)k->topk);
		w->cut_topk += nc - (size_t)k->topk;
		nc = (size_t)k->topk;
	}
	cand_sort(w->cand, nc);
	if (!ws_reserve(w, nc))
		return 0;
	const double *c = w->acc2 ? w->acc2 : w->acc;
	for (size_t x = 0; x < nc; x++) {
		w->oj[w->on + x] = cand_j(w->cand[x]);
		w->os[w->on + x] = cand_s(w->cand[x]);
		if (w->want_oc)
			w->oc[w->on + x] = (float)c[cand_j(w->cand[x])];
	}
	w->on += nc;
	return (uint32_t)nc;
}

/* Turn the accumulated row i into its kept, ordered edges; returns the
 * number appended to the thread buffer. With cj/cs (the row's cache
 * slots) every candidate is also stored there, the kept ones first in
 * their order (*depth of them: the row's best, sorted), then the others;
 * *ncached counts them. */
static inline __attribute__((always_inline)) uint32_t row_emit_m(
    const struct simk *k, int metric, uint32_t i, struct ws *w,
    uint32_t *restrict cj, float *restrict cs, uint32_t *ncached,
    uint32_t *depth)
{
	size_t nc = 0, ncand = 0, nt = w->nt;
	bool fill = cj != NULL;
	const uint32_t *restrict touched = w->touched;
	const double *restrict acc = w->acc;
	cand_t *restrict cand = w->cand;
	double thr = k->threshold;
	float max = (float)w->max;
	for (uint32_t t = 0; t < nt; t++) {
		uint32_t j = touched[t];
		if (j == i)
			continue;
		float s = sim_value_m(k, metric, i, j, acc[j]);
		ncand++;
		fine_add(&w->fh, s);
		max = s > max ? s : max;
		bool pass = (double)s >= thr;
		if (pass)
			cand[nc++] = cand_make(s, j);
		else if (fill)  /* from the back: kept for the cache */
			cand[nt - (ncand - nc)] = cand_make(s, j);
	}
	if (max > w->max)
		w->max = max;
	w->candidates += ncand;
	w->cut_thr += ncand - nc;
	if (k->count_only) {
		/* what row_finish would cut, without selecting */
		if (k->topk > 0 && nc > (size_t)k->topk)
			w->cut_topk += nc - (size_t)k->topk;
		return 0;
	}
	uint32_t kept = row_finish(k, w, nc);
	if (fill) {
		/* cand[0, kept) sorted best first, [kept, nc) passing,
		 * [nt - (ncand - nc), nt) below the threshold */
		size_t o = 0;
		for (size_t x = 0; x < nc; x++, o++) {
			cj[o] = cand_j(w->cand[x]);
			cs[o] = cand_s(w->cand[x]);
		}
		for (size_t x = nt - (ncand - nc); x < nt; x++, o++) {
			cj[o] = cand_j(w->cand[x]);
			cs[o] = cand_s(w->cand[x]);
		}
		*ncached = (uint32_t)ncand;
		*depth = kept;
	}
	return kept;
}

static uint32_t row_emit(const struct simk *k, uint32_t i, struct ws *w,
    uint32_t *restrict cj, float *restrict cs, uint32_t *ncached,
    uint32_t *depth)
{
	switch (k->metric) {
	case METRIC_COSINE:
	case METRIC_ASYM:
		return row_emit_m(k, METRIC_COSINE, i, w, cj, cs, ncached,
		    depth);
	case METRIC_JACCARD:
		return row_emit_m(k, METRIC_JACCARD, i, w, cj, cs, ncached,
		    depth);
	case METRIC_RP3:
		return row_emit_m(k, METRIC_RP3, i, w, cj, cs, ncached, depth);
	default:
		return row_emit_m(k, METRIC_P3, i, w, cj, cs, ncached, depth);
	}
}

/*
 * Row i from the cache: the candidates passing the threshold, then the
 * same top-k and order as row_emit. The cached row starts with its best
 * rd[i] candidates, sorted: when the new row needs no more than those, it
 * is their prefix (the ones passing any threshold are a prefix of a
 * sorted list), and only the count of passing candidates needs a pass
 * over the row. Otherwise the row is selected again.
 */
static uint32_t row_select(const struct simk *k, const struct simcache *c,
    uint32_t i, struct ws *w)
{
	size_t nc = 0, ncand = c->rl[i];
	const uint32_t *cj = c->cj + c->ro[i];
	const float *cs = c->cs + c->ro[i];
	double thr = k->threshold;
	size_t npass = 0;
	for (size_t e = 0; e < ncand; e++)
		npass += (double)cs[e] >= thr;
	size_t want = k->topk > 0 && npass > (size_t)k->topk ?
	    (size_t)k->topk : npass;
	if (want <= c->rd[i]) {
		w->candidates += ncand;
		w->cut_thr += ncand - npass;
		w->cut_topk += npass - want;
		if (want == 0 || !ws_reserve(w, want))
			return 0;   /* w->oj may not exist yet */
		memcpy(w->oj + w->on, cj, want * sizeof *cj);
		memcpy(w->os + w->on, cs, want * sizeof *cs);
		w->on += want;
		return (uint32_t)want;
	}
	for (size_t e = 0; e < ncand; e++)
		if ((double)cs[e] >= k->threshold)
			w->cand[nc++] = cand_make(cs[e], cj[e]);
	w->candidates += ncand;
	w->cut_thr += ncand - nc;
	return row_finish(k, w, nc);
}

/* Concatenate the threads' row buffers into S (and cooc). */
static void stitch(struct ws *W, uint32_t n, const uint16_t *rt,
    const uint64_t *ro, const uint32_t *rl, struct csr *S, float **cooc)
{
	uint64_t nnz = 0;
	for (uint32_t i = 0; i < n; i++)
		nnz += rl[i];
	csr_alloc(S, n, n, nnz);
	for (uint32_t i = 0; i < n; i++)
		S->ptr[i + 1] = S->ptr[i] + rl[i];
	float *c = cooc ? xmalloc((nnz ? nnz : 1) * sizeof *c) : NULL;
	#pragma omp parallel for schedule(dynamic, 256)
	for (int64_t i = 0; i < (int64_t)n; i++) {
		if (rl[i] == 0)
			continue; /* empty row: its buffer may be NULL */
		const struct ws *w = &W[rt[i]];
		uint64_t at = S->ptr[i];
		memcpy(S->idx + at, w->oj + ro[i], rl[i] * sizeof *S->idx);
		memcpy(S->val + at, w->os + ro[i], rl[i] * sizeof *S->val);
		if (c)
			memcpy(c + at, w->oc + ro[i], rl[i] * sizeof *c);
	}
	if (cooc)
		*cooc = c;
}

/*
 * The rows written at their slots ro[i] into T (and tc), rl[i] edges
 * each, closed up into S (and cooc): a row moves left onto the free
 * space before it, in row order, so no row is overwritten before it
 * moves; then the tail is given back.
 */
static void close_up(struct csr *T, const uint64_t *ro, const uint32_t *rl,
    struct csr *S, float **tc, float **cooc)
{
	uint32_t n = T->nrows;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t at = T->ptr[i], from = ro[i];
		T->ptr[i + 1] = at + rl[i];
		if (at == from || rl[i] == 0)
			continue;
		memmove(T->idx + at, T->idx + from, rl[i] * sizeof *T->idx);
		memmove(T->val + at, T->val + from, rl[i] * sizeof *T->val);
		if (*tc)
			memmove(*tc + at, *tc + from, rl[i] * sizeof **tc);
	}
	uint64_t nnz = T->ptr[n];
	size_t m = nnz ? nnz : 1;
	/* smaller: realloc cannot fail to keep the block (it may move) */
	T->idx = xrealloc(T->idx, m * sizeof *T->idx);
	T->val = xrealloc(T->val, m * sizeof *T->val);
	T->nnz = nnz;
	csr_destroy(S);
	*S = *T;
	csr_init(T);
	if (cooc) {
		*cooc = xrealloc(*tc, m * sizeof **tc);
		*tc = NULL;
	}
}

static void tally_fill(struct ws *W, int nth, double threshold,
    uint64_t kept, struct simk_tally *t)
{
	memset(t, 0, sizeof *t);
	for (int x = 0; x < nth; x++) {
		t->candidates += W[x].candidates;
		t->cut_threshold += W[x].cut_thr;
		t->cut_topk += W[x].cut_topk;
		if (W[x].max > t->max_sim)
			t->max_sim = W[x].max;
	}
	t->kept = kept;
	fine_to_hist(W, nth, t->max_sim, threshold, &t->hist);
}

/* The cache takes over the candidate buffer and the per-row (offset,
 * length) arrays: no copy. */
static struct simcache *cache_make(const struct simk *k, struct ws *W,
    uint32_t n, uint32_t *cj, float *cs, uint64_t *ro, uint32_t *rl,
    uint32_t *rd, double max)
{
	struct simcache *c = xcalloc(1, sizeof *c);
	c->key = k->key;
	c->cj = cj;
	c->cs = cs;
	for (uint32_t i = 0; i < n; i++)
		c->nnz += rl[i];
	c->ro = ro;
	c->rl = rl;
	c->rd = rd;
	c->max = max;
	c->fh = W[0].fh;    /* merged by tally_fill */
	return c;
}

void simcache_free(struct simcache *c)
{
	if (!c)
		return;
	xfree(c->cj);
	xfree(c->cs);
	xfree(c->ro);
	xfree(c->rl);
	xfree(c->rd);
	xfree(c);
}

uint64_t simcache_size(const struct simcache *c)
{
	return c ? c->nnz : 0;
}

bool simk_key_equal(const struct simk_key *a, const struct simk_key *b)
{
	return a->graph_gen == b->graph_gen && a->metric == b->metric &&
	    a->shrink == b->shrink && a->asym_alpha == b->asym_alpha &&
	    a->alpha == b->alpha && a->beta == b->beta;
}

bool simcache_holds(const struct simcache *c, const struct simk_key *key)
{
	return c && simk_key_equal(&c->key, key);
}

static bool weights_positive(const struct csr *ui)
{
	for (uint64_t e = 0; e < ui->nnz; e++)
		if (!(ui->val[e] > 0))
			return false;
	return true;
}

/* The kernel over every row, or over the rows with only[i] set (the
 * others left empty: pairk_rows on many rows). */
static int build(const struct simk *k, struct csr *S, float **cooc,
    struct simk_tally *t, const struct hooks *h, struct err *err,
    struct simcache **cache, enum simcache_fill how, const uint8_t *only)
{
	bool fill = how != SIMCACHE_NONE;
	uint32_t n = k->iu->nrows;
	enum acc_kind kind = kind_of(k->metric);
	const struct simcache *use = cache && !cooc &&
	    simcache_holds(*cache, &k->key) ? *cache : NULL;
	fill = fill && cache && !use && !cooc;
	int nth = thread_count();
	struct ws *W = xcalloc((size_t)nth, sizeof *W);
	uint16_t *rt = xcalloc(n ? n : 1, sizeof *rt);
	uint64_t *ro = xcalloc(n ? n : 1, sizeof *ro);
	uint32_t *rl = xcalloc(n ? n : 1, sizeof *rl);
	/* the cache's rows: slots co[i] .. co[i+1], cl[i] of them used */
	uint64_t *co = fill ? xmalloc(((size_t)n + 1) * sizeof *co) : NULL;
	uint32_t *cl = NULL, *cd = NULL, *cj = NULL;
	float *cs = NULL;
	if (fill) {
		uint64_t slots = cand_offsets(k, co);
		if (slots > (how == SIMCACHE_ANY ? SIMCACHE_MAX :
		    SIMCACHE_EAGER)) {
			fill = false;
			xfree(co);
			co = NULL;
		} else {
			/* the cache only saves work on the next threshold or
			 * top-k change: without the memory, go without it */
			cj = try_malloc((slots ? slots : 1) * sizeof *cj);
			cs = cj ? try_malloc((slots ? slots : 1) *
			    sizeof *cs) : NULL;
			if (!cs) {
				xfree(cj);
				xfree(co);
				cj = NULL;
				co = NULL;
				fill = false;
			} else {
				cl = xcalloc(n ? n : 1, sizeof *cl);
				cd = xcalloc(n ? n : 1, sizeof *cd);
			}
		}
	}
	/*
	 * With a top-k and no threshold, row i has exactly min(topk,
	 * candidates) edges, and no more candidates than two-hop walks:
	 * the rows are written straight into S, each at a slot of
	 * min(topk, walks) entries, and closed up afterwards. The threads'
	 * buffers grew by doubling before, and on Gowalla their copies and
	 * fresh pages were a sixth of the build's CPU (perf: realloc under
	 * row_finish), besides the stitch's copy. A threshold can leave rows
	 * far shorter than their slots (and the pages of the slots are
	 * touched anyway, a row starting on most of them): it grows the
	 * buffers as before. The abstract stage's first build of a bounded
	 * S is at threshold 0 (its base).
	 */
	struct csr T;
	csr_init(&T);
	float *tc = NULL;
	uint64_t nslots = 0;    /* row i's slot starts at ro[i] */
	bool slots = k->topk > 0 && !(k->threshold > 0) && !only &&
	    !k->count_only && n > 0;
	if (slots) {
		#pragma omp parallel for schedule(static)
		for (int64_t i = 0; i < (int64_t)n; i++) {
			uint64_t v = row_visits(k, (uint32_t)i);
			ro[i] = v < (uint64_t)k->topk ? v : (uint64_t)k->topk;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint64_t len = ro[i];
			ro[i] = nslots;
			nslots += len;
		}
		uint64_t m = nslots ? nslots : 1;
		slots = nslots <= SLOTS_MAX;
		T.idx = slots ? try_malloc(m * sizeof *T.idx) : NULL;
		T.val = T.idx ? try_malloc(m * sizeof *T.val) : NULL;
		tc = T.val && cooc ? try_malloc(m * sizeof *tc) : NULL;
		if (!T.val || (cooc && !tc)) {
			xfree(tc);    /* the buffers grow instead */
			tc = NULL;
			csr_destroy(&T);
			slots = false;
		} else {
			T.nrows = T.ncols = n;
			T.ptr = xcalloc((size_t)n + 1, sizeof *T.ptr);
			T.nnz = nslots;
		}
	}
	int stop = 0;
	bool want_c = cooc && kind != ACC_C;
	/* dense rows detect touched items by acc != 0: every contribution
	 * must be positive (all weights > 0), and no C_ij on the side */
	bool dense_ok = !want_c && weights_positive(k->ui);
	#pragma omp parallel num_threads(nth)
	{
		int me = thread_id();
		struct ws *w = &W[me];
		if (!ws_init(w, n, want_c))
			__atomic_store_n(&stop, 2, __ATOMIC_RELAXED);
		w->want_oc = cooc != NULL;   /* C = acc for cosine, asym */
		if (slots) {
			w->oj = T.idx;
			w->os = T.val;
			w->oc = tc;
			w->ocap = nslots;
		}
		#pragma omp for schedule(dynamic, 64)
		for (int64_t i = 0; i < (int64_t)n; i++) {
			if (only && !only[i])
				continue;
			if (__atomic_load_n(&stop, __ATOMIC_RELAXED))
				continue;
			if (w->oom) {
				__atomic_store_n(&stop, 2, __ATOMIC_RELAXED);
				continue;
			}
			if ((i & 255) == 0 && hooks_cancelled(h)) {
				__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
				continue;
			}
			if (me == 0 && (i & 4095) == 0)
				hooks_progress(h, "abstract", (double)i / n);
			if (slots)
				w->on = ro[i];
			rt[i] = (uint16_t)me;
			ro[i] = w->on;
			if (use) {
				rl[i] = row_select(k, use, (uint32_t)i, w);
				continue;
			}
			/* a row that visits more entries than a quarter of
			 * the items is summed densely (the 20M log's rows
			 * visit ~10^5 entries over 27k items) */
			bool dense = dense_ok &&
			    row_visits(k, (uint32_t)i) > n / 4;
			if (dense && kind == ACC_P3)
				row_loop_dense(k, (uint32_t)i, w, ACC_P3);
			else if (dense && kind == ACC_COUNT)
				row_loop_dense(k, (uint32_t)i, w, ACC_COUNT);
			else if (dense)
				row_loop_dense(k, (uint32_t)i, w, ACC_C);
			else if (dense_ok)
				row_accumulate_zs(k, (uint32_t)i, w, kind);
			else
				row_accumulate(k, (uint32_t)i, w, kind);
			rl[i] = row_emit(k, (uint32_t)i, w, fill ? cj + co[i] :
			    NULL, fill ? cs + co[i] : NULL, fill ? &cl[i] : NULL,
			    fill ? &cd[i] : NULL);
			/* dense rows need acc all zero at their start */
			if (dense_ok)
				for (uint32_t x = 0; x < w->nt; x++)
					w->acc[w->touched[x]] = 0;
		}
	}
	int rc = 0;
	size_t oom = 0;
	for (int x = 0; x < nth; x++) {
		if (slots)      /* T's, not the thread's */
			W[x].oj = NULL, W[x].os = NULL, W[x].oc = NULL;
		ws_adopt(&W[x]);
		oom = W[x].oom > oom ? W[x].oom : oom;
	}
	if (oom) {
		rc = -1;        /* unwound below, once all is freed */
	} else if (stop) {
		rc = err_set(err, ERR_INTERRUPTED, "similarities: interrupted");
	} else {
		if (slots)
			close_up(&T, ro, rl, S, &tc, cooc);
		else
			stitch(W, n, rt, ro, rl, S, cooc);
		if (use) {
			/* the candidates' histogram and maximum are the
			 * cache's: they do not depend on the threshold */
			for (int x = 0; x < nth; x++) {
				W[x].fh = use->fh;
				W[x].max = use->max;
				if (x > 0)
					memset(W[x].fh.bin, 0,
					    sizeof W[x].fh.bin);
			}
		}
		struct simk_tally tl;
		if (t || fill)
			tally_fill(W, nth, k->threshold, S->nnz, t ? t : &tl);
		if (fill) {
			/* the old cache goes once the new one is made: a
			 * failed allocation leaves *cache as it was */
			struct simcache *nc = cache_make(k, W, n, cj, cs, co,
			    cl, cd, (t ? t : &tl)->max_sim);
			simcache_free(*cache);
			*cache = nc;
			cj = NULL;
			cs = NULL;
			co = NULL;
			cl = NULL;
			cd = NULL;
		}
	}
	for (int x = 0; x < nth; x++)
		ws_destroy(&W[x]);
	csr_destroy(&T);    /* when close_up did not take it */
	xfree(tc);
	xfree(W);
	xfree(rt);
	xfree(ro);
	xfree(rl);
	xfree(co);
	xfree(cl);
	xfree(cd);
	xfree(cj);
	xfree(cs);
	if (oom)
		mem_fail(oom);
	return rc;
}

int simk_build(const struct simk *k, struct csr *S, float **cooc,
    struct simk_tally *t, const struct hooks *h, struct err *err)
{
	return build(k, S, cooc, t, h, err, NULL, SIMCACHE_NONE, NULL);
}

int simk_build_cached(const struct simk *k, struct simcache **cache,
    enum simcache_fill how, struct csr *S, struct simk_tally *t,
    const struct hooks *h, struct err *err)
{
	return build(k, S, NULL, t, h, err, cache, how, NULL);
}

int simk_cooc_of(const struct simk *k, const struct csr *S, float **cooc,
    const struct hooks *h, struct err *err)
{
	uint32_t n = k->iu->nrows;
	float *c = xmalloc((S->nnz ? S->nnz : 1) * sizeof *c);
	int stop = 0;
	size_t oom = 0;
	#pragma omp parallel
	{
		struct ws w;
		if (!ws_init(&w, n, false)) {
			__atomic_store_n(&stop, 2, __ATOMIC_RELAXED);
			#pragma omp critical(cooc_oom)
			oom = w.oom;
		}
		#pragma omp for schedule(dynamic, 64)
		for (int64_t i = 0; i < (int64_t)S->nrows; i++) {
			if (__atomic_load_n(&stop, __ATOMIC_RELAXED))
				continue;
			if ((i & 255) == 0 && hooks_cancelled(h)) {
				__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
				continue;
			}
			row_accumulate(k, (uint32_t)i, &w, ACC_C);
			for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++) {
				uint32_t j = S->idx[e];
				c[e] = w.mark[j] == (uint32_t)i + 1 ?
				    (float)w.acc[j] : 0.0f;
			}
		}
		ws_destroy(&w);
	}
	if (oom) {
		xfree(c);
		mem_fail(oom);
	}
	if (stop) {
		xfree(c);
		return err_set(err, ERR_INTERRUPTED, "co-occurrence: "
		    "interrupted");
	}
	*cooc = c;
	return 0;
}

/* Rank (1-based) of j among row i's candidates; needs the row in w. */
static int row_rank_of(const struct simk *k, uint32_t i, uint32_t j,
    const struct ws *w)
{
	cand_t me = cand_make(sim_value(k, i, j, w->acc[j]), j);
	int rank = 1;
	for (uint32_t t = 0; t < w->nt; t++) {
		uint32_t x = w->touched[t];
		if (x == i || x == j)
			continue;
		rank += cand_make(sim_value(k, i, x, w->acc[x]), x) > me;
	}
	return rank;
}

struct pairk {
	struct simk k;
	struct ws w;
	enum acc_kind kind;
	uint32_t row;              /* row accumulated in w, or UINT32_MAX */
	bool ws_ready;             /* w allocated (a kept kernel: lazily) */
	/* load DIR: s_ij and its rank come from the imported lists (all
	 * users), the co-occurrence from the sample's graph */
	const struct import *imp;
};

/* s_ij and its 1-based rank in the imported row i; false when the job
 * did not keep j (beyond its top-k or below its threshold). */
static bool imported_pair(const struct import *im, uint32_t i, uint32_t j,
    float *s, int *rank)
{
	const struct csr *S = &im->S;
	int64_t e = csr_find(S, i, j);
	if (e < 0)
		return false;
	*s = S->val[e];
	*rank = (int)((uint64_t)e - S->ptr[i]) + 1;
	return true;
}

/* Do items i and j share a user? (iu rows ascending: a merge.) */
static bool co_occur(const struct csr *iu, uint32_t i, uint32_t j)
{
	uint64_t a = iu->ptr[i], ae = iu->ptr[i + 1];
	uint64_t b = iu->ptr[j], be = iu->ptr[j + 1];
	while (a < ae && b < be) {
		uint32_t x = iu->idx[a], y = iu->idx[b];
		if (x == y)
			return true;
		a += x < y;
		b += y < x;
	}
	return false;
}

double pair_cooc(const struct csr *iu, uint32_t i, uint32_t j)
{
	uint64_t a = iu->ptr[i], ae = iu->ptr[i + 1];
	uint64_t b = iu->ptr[j], be = iu->ptr[j + 1];
	double c = 0;
	while (a < ae && b < be) {
		uint32_t x = iu->idx[a], y = iu->idx[b];
		if (x == y) {
			double wi = iu->val[a];
			c += wi * iu->val[b];
		}
		a += x <= y;
		b += y <= x;
	}
	return c;
}

/* A pair kernel around k (its arrays are the kernel's now; *k is left
 * empty), without its workspace yet. */
static struct pairk *pairk_wrap(struct simk *k, const struct pipeline *pl)
{
	struct pairk *p = xcalloc(1, sizeof *p);
	p->k = *k;
	memset(k, 0, sizeof *k);
	p->kind = kind_of(p->k.metric);
	p->row = UINT32_MAX;
	p->imp = pl->imp;
	return p;
}

/* p's workspace, if it has none: unwinds the scope without the memory. */
static void pairk_ready(struct pairk *p)
{
	if (p->ws_ready)
		return;
	if (!ws_init(&p->w, p->k.iu->nrows, true)) {
		size_t need = p->w.oom;
		ws_destroy(&p->w);
		memset(&p->w, 0, sizeof p->w);
		mem_fail(need);
	}
	p->ws_ready = true;
}

struct pairk *pairk_new(const struct pipeline *pl)
{
	const struct csr *ui = &pl->graph.ui, *iu = &pl->graph.iu;
	if (!iu->ptr)
		return NULL;
	struct simk k;
	simk_init(&k, ui, iu, &pl->params);
	k.key.graph_gen = pl->graph.gen;
	struct pairk *p = pairk_wrap(&k, pl);
	pairk_ready(p);
	return p;
}

void pairk_keep(struct pairk_slot *slot, struct simk *k,
    const struct pipeline *pl)
{
	if (slot && !pl->borrowed && !pl->imp && !slot->pk)
		slot->pk = pairk_wrap(k, pl);
}

void pairk_pass(struct pairk_slot *to, struct pairk_slot *from,
    const struct simk_key *key, const struct pipeline *pl)
{
	if (!to || !from || to == from || pl->borrowed || to->pk ||
	    !from->pk || !simk_key_equal(&from->pk->k.key, key))
		return;
	to->pk = from->pk;
	from->pk = NULL;
}

void pairk_free(struct pairk *p)
{
	if (!p)
		return;
	if (p->ws_ready)
		ws_destroy(&p->w);
	simk_destroy(&p->k);
	xfree(p);
}

int pairk_query(struct pairk *p, uint32_t i, uint32_t j, double *cooc,
    double *sim, int *row_rank, enum cut_reason *abstract_cut)
{
	const struct simk *k = &p->k;
	struct ws *w = &p->w;
	if (i >= k->iu->nrows || j >= k->iu->nrows)
		return -1;
	if (i != j && p->row != i && !co_occur(k->iu, i, j)) {
		/* no shared user: no relation to cut, row i not needed */
		if (cooc)
			*cooc = 0;
		if (sim)
			*sim = 0;
		if (row_rank)
			*row_rank = 0;
		if (abstract_cut)
			*abstract_cut = CUT_NONE;
		return 0;
	}
	if (p->row != i) {
		/* a row's marks are its stamp (i + 1): a row accumulated
		 * again later (the next why) would take the stamps it left
		 * for entries already counted, so the last row's go */
		if (p->row != UINT32_MAX)
			for (uint32_t t = 0; t < w->nt; t++)
				w->mark[w->touched[t]] = 0;
		row_accumulate(k, i, w, p->kind);
		p->row = i;
	}
	bool cand = i != j && w->mark[j] == i + 1;
	double c = cand ? w->acc2[j] : 0;
	float s = cand ? sim_value(k, i, j, w->acc[j]) : 0.0f;
	int rank = cand ? row_rank_of(k, i, j, w) : 0;
	if (p->imp && cand && !imported_pair(p->imp, i, j, &s, &rank)) {
		/* the job cut it: past its top-k, or under its threshold */
		s = NAN;
		rank = 0;
	}
	enum cut_reason r = CUT_NONE;
	if (i == j)
		r = CUT_SELF;
	else if (cand && p->imp && isnan(s))
		r = p->imp->topk > 0 ? CUT_TOPK : CUT_THRESHOLD;
	else if (cand && (double)s < k->threshold)
		r = CUT_THRESHOLD;
	else if (cand && k->topk > 0 && rank > k->topk)
		r = CUT_TOPK;
	if (cooc)
		*cooc = c;
	if (sim)
		*sim = s;
	if (row_rank)
		*row_rank = rank;
	if (abstract_cut)
		*abstract_cut = r;
	return 0;
}

struct pairk *pairk_use(const struct pipeline *pl, bool *owned)
{
	struct pairk_slot *slot = pl->abs.pairs;
	*owned = pl->borrowed || !slot;
	if (*owned)
		return pairk_new(pl);
	struct simk sel;
	simk_init_select(&sel, &pl->graph.ui, &pl->graph.iu, &pl->params,
	    pl->graph.gen);
	struct pairk *p = slot->pk;
	if (p && (!simk_key_equal(&p->k.key, &sel.key) || p->imp != pl->imp)) {
		pairk_free(p);
		slot->pk = p = NULL;
	}
	if (!p || !p->ws_ready) {
		/* a new kernel, or the workspace of the one the abstract
		 * stage kept: the slot's, beyond the caller's memory scope */
		struct mem_scope sc;
		mem_scope_open(&sc);
		if (setjmp(sc.jb) != 0)
			mem_fail(sc.need);   /* the caller's scope, then */
		if (p)
			pairk_ready(p);
		else
			slot->pk = pairk_new(pl);
		mem_scope_keep(&sc);
		p = slot->pk;
	}
	if (p) {
		p->k.threshold = sel.threshold;
		p->k.topk = sel.topk;
	}
	simk_destroy(&sel);
	return p;
}

/* From this many rows on, pairk_rows runs them through build(). */
#define PAIRK_ROWS_PARALLEL 256

int pairk_rows(struct pairk *p, const uint32_t *rows, size_t nrows,
    double threshold, long topk, struct csr *out)
{
	uint32_t n = p->k.iu->nrows;
	if (p->imp)
		return -1;   /* an imported S has no kernel rows to make */
	/* the kernel with the asked selection: the same norms, walk
	 * probabilities and row code as a build, so the same rows */
	struct simk k = p->k;
	k.threshold = threshold;
	k.topk = topk;
	k.count_only = false;
	pairk_ready(p);
	if (nrows >= PAIRK_ROWS_PARALLEL && thread_count() > 1) {
		/* many rows (whynot under ridge: every item co-occurring
		 * with the user's): the build's own parallel loop over them */
		uint8_t *only = xcalloc((size_t)n + 1, 1);
		for (size_t x = 0; x < nrows; x++)
			if (rows[x] < n)
				only[rows[x]] = 1;
		int rc = build(&k, out, NULL, NULL, NULL, NULL, NULL,
		    SIMCACHE_NONE, only);
		xfree(only);
		return rc;
	}
	struct ws *w = &p->w;
	w->want_oc = false;   /* only s_ij: C_ij stays in acc2 */
	w->on = 0;
	uint64_t *off = xcalloc(nrows ? nrows : 1, sizeof *off);
	uint32_t *len = xcalloc(nrows ? nrows : 1, sizeof *len);
	for (size_t x = 0; x < nrows; x++) {
		uint32_t i = rows[x];
		if (i >= n)
			continue;
		if (p->row != i) {
			/* pairk_query's protocol: the last row's stamps go */
			if (p->row != UINT32_MAX)
				for (uint32_t t = 0; t < w->nt; t++)
					w->mark[w->touched[t]] = 0;
			row_accumulate(&k, i, w, p->kind);
			p->row = i;
		}
		/* reads acc and touched, writes cand and the row buffer:
		 * the row stays accumulated for pairk_query */
		off[x] = w->on;
		len[x] = row_emit(&k, i, w, NULL, NULL, NULL, NULL);
		if (w->oom) {
			size_t need = w->oom;
			w->oom = 0;
			xfree(off);
			xfree(len);
			mem_fail(need);
		}
	}
	csr_from_rows(out, n, rows, nrows, off, len, w->oj, w->os);
	xfree(off);
	xfree(len);
	return 0;
}

int abstract_pair(const struct pipeline *pl, uint32_t i, uint32_t j,
    double *cooc, double *sim, int *row_rank, enum cut_reason *abstract_cut)
{
	struct pairk *p = pairk_new(pl);
	if (!p)
		return -1;
	int rc = pairk_query(p, i, j, cooc, sim, row_rank, abstract_cut);
	pairk_free(p);
	return rc;
}
