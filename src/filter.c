/*
 * distill — filter.c: the filter stage (DESIGN §1.4), pruning the
 * similarity graph S into the relation graph B.
 *
 *   none      B = S.
 *   backbone  the disparity filter (Serrano, Boguñá, Vespignani 2009):
 *             α_ij = (1 − s_ij/σ_i)^(k_i−1); keep iff α_ij < filter.alpha;
 *             a row with a single edge keeps it.
 *   learned   a classifier scores every edge (learn.c); keep iff
 *             score ≥ filter.min_score.
 *   ridge     every relation re-weighted by a ridge regression per item
 *             (ridge.c); B_ij exists iff j → i is in S, and may be
 *             negative. Nothing is cut, so α, kept[] and the reach loss
 *             do not apply.
 *
 * For `none` the stage does nothing: B shares S's arrays. Otherwise α is
 * computed for every edge of S (why/whynot show it; the learned filter
 * reads it as a feature). The reach loss is insight (filter_insight, on
 * demand; DESIGN §2.1). An empty B is not an error here; the stages after
 * it report it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "abstract.h"
#include "topk.h"

const char *const filter_feature_names[FILTER_NFEATURES] = {
	"s_ij", "log C_ij", "log deg i", "log deg j", "rank", "same community",
	"-log alpha" };

const char *cut_reason_name(enum cut_reason r)
{
	switch (r) {
	case CUT_NONE: return "kept";
	case CUT_THRESHOLD: return "below abstract.threshold";
	case CUT_TOPK: return "outside abstract.topk";
	case CUT_BACKBONE: return "removed by the disparity filter "
	    "(filter.alpha)";
	case CUT_LEARNED: return "removed by the learned filter "
	    "(filter.min_score)";
	case CUT_SELF: return "same item";
	}
	return "?";
}

double disparity_neglog(double s, double sigma, uint64_t k)
{
	if (k <= 1 || !(sigma > 0))
		return 0;
	double q = 1 - s / sigma;
	if (q < 1e-300)
		q = 1e-300;
	return -(double)(k - 1) * log(q);
}

void disparity_alpha(const struct csr *S, float *out)
{
	#pragma omp parallel for schedule(dynamic, 256)
	for (int64_t i = 0; i < (int64_t)S->nrows; i++) {
		uint64_t k = csr_row_len(S, i);
		double sigma = 0;
		for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++)
			sigma += S->val[e];
		for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++) {
			double a = k <= 1 || !(sigma > 0) ? 1.0 :
			    pow(1 - S->val[e] / sigma, (double)(k - 1));
			out[e] = (float)a;
		}
	}
}

/* B = the kept edges of S, rows in S's order. */
static void build_b(const struct csr *S, const uint8_t *kept, struct csr *B)
{
	uint64_t nnz = 0;
	for (uint64_t e = 0; e < S->nnz; e++)
		nnz += kept[e];
	csr_alloc(B, S->nrows, S->ncols, nnz);
	uint64_t at = 0;
	for (uint32_t i = 0; i < S->nrows; i++) {
		for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++)
			if (kept[e]) {
				B->idx[at] = S->idx[e];
				B->val[at] = S->val[e];
				at++;
			}
		B->ptr[i + 1] = at;
	}
}

enum { R_SEEN = 1, R_S = 2, R_B = 4 };

/* Share of u's candidates (unseen items reachable through S from N(u))
 * that B no longer reaches; -1 when u has no candidate. B is the kept
 * edges of S, so one pass over S with kept[] sees both. */
static double user_reach_loss(const struct csr *ui, const struct csr *S,
    const uint8_t *kept, uint32_t u, uint8_t *flag, uint32_t *list)
{
	uint32_t nl = 0;
	for (uint64_t a = ui->ptr[u]; a < ui->ptr[u + 1]; a++)
		flag[ui->idx[a]] = R_SEEN;
	for (uint64_t a = ui->ptr[u]; a < ui->ptr[u + 1]; a++) {
		uint32_t i = ui->idx[a];
		for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++) {
			uint32_t j = S->idx[e];
			uint8_t f = flag[j];
			if (f & R_SEEN)
				continue;
			if (!f)
				list[nl++] = j;
			flag[j] = (uint8_t)(f | R_S | (kept[e] ? R_B : 0));
		}
	}
	uint64_t lost = 0;
	for (uint32_t x = 0; x < nl; x++) {
		lost += !(flag[list[x]] & R_B);
		flag[list[x]] = 0;
	}
	for (uint64_t a = ui->ptr[u]; a < ui->ptr[u + 1]; a++)
		flag[ui->idx[a]] = 0;
	return nl ? (double)lost / (double)nl : -1;
}

/* Item rows as bitsets of W words: bit j of row i set iff M has i → j
 * (for B: the kept edges of S). */
static uint64_t *row_bits(const struct csr *S, const uint8_t *kept,
    size_t W)
{
	uint64_t *b = xcalloc((size_t)S->nrows * W + 1, sizeof *b);
	for (uint32_t i = 0; i < S->nrows; i++)
		for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++)
			if (!kept || kept[e])
				b[(size_t)i * W + S->idx[e] / 64] |=
				    UINT64_C(1) << (S->idx[e] % 64);
	return b;
}

/* user_reach_loss with bitsets: OR the user's S and B rows, drop the
 * seen items, count. Cheaper than the edge walk when W words are fewer
 * than a row's edges (ML-100K: 27 words against ~80 edges). */
static double user_reach_loss_bits(const struct csr *ui, const uint64_t *bs,
    const uint64_t *bb, size_t W, uint32_t u, uint64_t *rs, uint64_t *rb)
{
	memset(rs, 0, W * sizeof *rs);
	memset(rb, 0, W * sizeof *rb);
	for (uint64_t a = ui->ptr[u]; a < ui->ptr[u + 1]; a++) {
		const uint64_t *s = bs + (size_t)ui->idx[a] * W;
		const uint64_t *b = bb + (size_t)ui->idx[a] * W;
		for (size_t w = 0; w < W; w++) {
			rs[w] |= s[w];
			rb[w] |= b[w];
		}
	}
	for (uint64_t a = ui->ptr[u]; a < ui->ptr[u + 1]; a++) {
		uint32_t i = ui->idx[a];
		rs[i / 64] &= ~(UINT64_C(1) << (i % 64));
	}
	uint64_t reach = 0, lost = 0;
	for (size_t w = 0; w < W; w++) {
		reach += (uint64_t)__builtin_popcountll(rs[w]);
		lost += (uint64_t)__builtin_popcountll(rs[w] & ~rb[w]);
	}
	return reach ? (double)lost / (double)reach : -1;
}

/*
 * The reach loss visits, per user, the S rows of all their items: about
 * |E| x topk steps, minutes on a 20M log. It is a summary statistic, so
 * above REACH_SAMPLE users it is the mean over a systematic sample (every
 * ceil(n/REACH_SAMPLE)-th user; deterministic), and the stats say so.
 */
int filter_reach_mode;

#ifndef REACH_SAMPLE
#define REACH_SAMPLE 10000
#endif

static int reach_loss(const struct pipeline *pl, const struct hooks *h,
    const uint8_t *kept, struct filter_stats *st, struct err *err)
{
	const struct csr *ui = &pl->graph.ui, *S = &pl->abs.S;
	uint32_t nu = ui->nrows;
	uint32_t stride = nu > REACH_SAMPLE ?
	    (nu + REACH_SAMPLE - 1) / REACH_SAMPLE : 1;
	uint32_t ns = nu ? (nu - 1) / stride + 1 : 0;
	double *loss = xmalloc((ns ? ns : 1) * sizeof *loss);
	size_t W = ((size_t)S->ncols + 63) / 64;
	bool bits = filter_reach_mode ? filter_reach_mode == REACH_BITS :
	    W <= 2048 && W * S->nrows < (size_t)S->nnz;
	uint64_t *bs = bits ? row_bits(S, NULL, W) : NULL;
	uint64_t *bb = bits ? row_bits(S, kept, W) : NULL;
	int stop = 0;
	#pragma omp parallel
	{
		uint8_t *flag = bits ? NULL : xcalloc(S->nrows ? S->nrows : 1,
		    1);
		uint32_t *list = bits ? NULL : xmalloc((S->nrows ? S->nrows :
		    1) * sizeof *list);
		uint64_t *rs = bits ? xmalloc(2 * W * sizeof *rs) : NULL;
		#pragma omp for schedule(dynamic, 64)
		for (int64_t x = 0; x < (int64_t)ns; x++) {
			uint32_t u = (uint32_t)x * stride;
			if ((x & 255) == 0 && hooks_cancelled(h))
				__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
			if (__atomic_load_n(&stop, __ATOMIC_RELAXED))
				loss[x] = -1;
			else if (bits)
				loss[x] = user_reach_loss_bits(ui, bs, bb, W, u,
				    rs, rs + W);
			else
				loss[x] = user_reach_loss(ui, S, kept, u, flag,
				    list);
		}
		xfree(flag);
		xfree(list);
		xfree(rs);
	}
	xfree(bs);
	xfree(bb);
	double sum = 0, mx = 0;
	uint32_t n = 0;
	for (uint32_t x = 0; x < ns; x++)
		if (loss[x] >= 0) {
			sum += loss[x];
			mx = loss[x] > mx ? loss[x] : mx;
			n++;
		}
	xfree(loss);
	if (stop)
		return err_set(err, ERR_INTERRUPTED, "reach loss: interrupted");
	st->mean_reach_loss = n ? sum / n : 0;
	st->max_reach_loss = mx;
	st->reach_users = ns;
	return 0;
}

/* The filter's parameters that select from the per-edge values (α_ij,
 * the classifier's scores) without changing them: the two cuts, and the
 * low-rank part, which lowrank_fit makes after them. */
static bool selects_only(int id)
{
	return id == P_FILTER_ALPHA || id == P_FILTER_MIN_SCORE ||
	    id == P_FILTER_RANK || id == P_FILTER_LOWRANK_WEIGHT ||
	    id == P_FILTER_LOWRANK_POWER || id == P_FILTER_LOWRANK_NORM;
}

/* Whether the previous result's alpha and score are this run's: the same
 * S, method and parameters but for those that only select. The learned
 * model then needs no fit and no scoring (Gowalla: ~8 s), the backbone
 * no pow per edge (~90 ms); a live filter.min_score or filter.alpha
 * change costs the selection and B. */
static bool values_hold(const struct pipeline *pl)
{
	const struct filter_out *f = &pl->filt;
	if (!f->alpha || !pl->abs.gen || f->s_gen != pl->abs.gen)
		return false;
	for (int i = 0; i < P__COUNT; i++)
		if (params_def(i)->stage == STAGE_FILTER && !selects_only(i) &&
		    params_differs(&f->made, &pl->params, i))
			return false;
	return true;
}

/* Copy f's per-edge values (nnz of them) and learned model into out. */
static int values_copy(const struct filter_out *f, uint64_t nnz,
    struct filter_out *out, struct err *err)
{
	memcpy(out->alpha, f->alpha, nnz * sizeof *out->alpha);
	if (!out->score)
		return 0;
	memcpy(out->score, f->score, nnz * sizeof *out->score);
	if (learn_model_copy(&f->model, &out->model, err) < 0)
		return err_prefix(err, "learned filter");
	out->has_model = f->has_model;
	learn_set_copy(&f->holdout, &out->holdout);
	out->st.n_train_edges = f->st.n_train_edges;
	out->st.n_train_pos = f->st.n_train_pos;
	return 0;
}

/* The backbone's rule for an edge of a row of `len` edges. */
static inline bool backbone_keeps(uint64_t len, float a, double alpha)
{
	return len == 1 || (double)a < alpha;
}

void backbone_of(const struct csr *S, double alpha, struct csr *B)
{
	size_t m = S->nnz ? S->nnz : 1;
	float *a = xmalloc(m * sizeof *a);
	uint8_t *kept = xmalloc(m);
	disparity_alpha(S, a);
	for (uint32_t i = 0; i < S->nrows; i++)
		for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++)
			kept[e] = backbone_keeps(csr_row_len(S, i), a[e], alpha);
	csr_init(B);
	build_b(S, kept, B);
	xfree(a);
	xfree(kept);
}

/* Decide kept[] by the configured method from alpha[] and score[]. */
static void filter_decide(const struct pipeline *pl, struct filter_out *out)
{
	const struct csr *S = &pl->abs.S;
	const struct params *p = &pl->params;
	int method = params_enum(p, P_FILTER_METHOD);
	double alpha = params_real(p, P_FILTER_ALPHA);
	double min_score = params_real(p, P_FILTER_MIN_SCORE);
	for (uint32_t i = 0; i < S->nrows; i++)
		for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++) {
			bool keep = true;
			if (method == FILTER_BACKBONE)
				keep = backbone_keeps(csr_row_len(S, i),
				    out->alpha[e], alpha);
			else if (method == FILTER_LEARNED)
				keep = (double)out->score[e] >= min_score;
			out->kept[e] = keep;
			out->st.kept += keep;
			out->st.removed += !keep;
		}
	if (method == FILTER_BACKBONE)
		out->st.removed_backbone = out->st.removed;
	else if (method == FILTER_LEARNED)
		out->st.removed_learned = out->st.removed;
}

static int filter_method(struct pipeline *pl, struct filter_out *out,
    struct err *err);

/* The method's B, then (filter.rank > 0) its low-rank part. A learned
 * model's booster is XGBoost's memory: if an allocation fails after it
 * is made (B, the low-rank part), the unwinding frees it with the rest
 * of out, which the ledger holds. */
int filter_run(struct pipeline *pl, struct filter_out *out, struct err *err)
{
	struct mem_defer df;
	mem_defer_push(&df, learn_model_unwind, &out->model);
	int rc = filter_method(pl, out, err);
	if (rc == 0) {
		out->gen = util_next_gen();
		out->s_gen = pl->abs.gen;
		out->made = pl->params;
		rc = lowrank_fit(pl, out, err);
	}
	mem_defer_pop(&df);
	return rc;
}

static int filter_method(struct pipeline *pl, struct filter_out *out,
    struct err *err)
{
	const struct csr *S = &pl->abs.S;
	if (!S->ptr || !pl->graph.ui.ptr)
		return err_set(err, ERR_STATE, "the abstract stage has not run");
	out->st.auc = NAN;
	if (params_enum(&pl->params, P_FILTER_METHOD) == FILTER_RIDGE)
		return ridge_filter(pl, out, err);
	if (params_enum(&pl->params, P_FILTER_METHOD) == FILTER_NONE) {
		out->B = *S;            /* B = S: S's arrays, not copied */
		out->b_is_s = true;
		out->st.kept = S->nnz;
		return 0;
	}
	/* before out is written: a caller may run into pl->filt itself */
	bool hold = out != &pl->filt && values_hold(pl);
	size_t m = S->nnz ? S->nnz : 1;
	bool learned = params_enum(&pl->params, P_FILTER_METHOD) ==
	    FILTER_LEARNED;
	out->alpha = xmalloc(m * sizeof *out->alpha);
	out->kept = xmalloc(m);
	if (learned) {
		out->score = xmalloc(m * sizeof *out->score);
		for (uint64_t e = 0; e < S->nnz; e++)
			out->score[e] = NAN;
	}
	out->reselected = hold;
	if (hold) {
		if (values_copy(&pl->filt, S->nnz, out, err) < 0)
			return -1;
	} else {
		disparity_alpha(S, out->alpha);
		/* the same-community feature reads the communities of S */
		if (learned && (pipeline_communities(pl, err) < 0 ||
		    learn_filter(pl, out, err) < 0))
			return -1;
	}
	filter_decide(pl, out);
	build_b(S, out->kept, &out->B);
	return 0;
}

int filter_insight(const struct pipeline *pl, const struct hooks *h,
    struct filter_stats *st, struct err *err)
{
	const struct filter_out *f = &pl->filt;
	*st = f->st;
	if (f->has_model && learn_holdout_stats(&f->model, &f->holdout,
	    params_real(&pl->params, P_FILTER_MIN_SCORE), true, st, err) < 0)
		return -1;
	if (params_enum(&pl->params, P_FILTER_METHOD) == FILTER_RIDGE) {
		/* B is S reversed and re-weighted: nothing is cut, but the
		 * reach is not S's, so "lost" has no meaning here */
		st->mean_reach_loss = st->max_reach_loss = NAN;
		st->reach_users = 0;
		return 0;
	}
	if (f->st.removed == 0 || !f->kept) {
		st->mean_reach_loss = st->max_reach_loss = 0;
		st->reach_users = pl->graph.ui.nrows;
		return 0;   /* B = S: nothing lost, for every user */
	}
	return reach_loss(pl, h, f->kept, st, err);
}

void filter_out_destroy(struct filter_out *o)
{
	if (!o->b_is_s)
		csr_destroy(&o->B);
	xfree(o->alpha);
	xfree(o->score);
	xfree(o->kept);
	learn_model_free(&o->model);
	learn_set_destroy(&o->holdout);
	lowrank_destroy(&o->lr);
	xfree(o->ridge_b);
	xfree(o->ridge_ptr);
	memset(o, 0, sizeof *o);
}
