/*
 * distill — eval.c: evaluation of top-N lists against the held-out
 * positives of the target split (DESIGN §1.6).
 *
 * Every user with at least one item in pl->graph.truth is evaluated (a
 * user whose list is empty scores 0). For a list L cut at k and test set T:
 *   Precision = |L∩T| / k            Recall = |L∩T| / |T|
 *   NDCG = DCG / IDCG, binary gain, discount 1/log2(rank+1); IDCG over the
 *          first min(k,|T|) positions (eval.ndcg_ideal=min) or all |T|
 *   MAP: AP = Σ_{hit at rank r} precision@r / min(k,|T|)
 *   MRR = 1/(rank of the first hit), 0 without one; HitRate = [hit]
 * all averaged over evaluated users. Beyond accuracy, over the same lists:
 *   coverage = distinct recommended items / items with deg > 0
 *   novelty  = mean over users of the mean I(j) = −log2(deg(j)/|E|)
 *   ARP      = mean over users of the mean deg(j) of their list
 *   Gini of the exposure counts over items with deg > 0
 *   ILE      = mean over users of the entropy (bits) of the communities of
 *              their list (NAN without communities, and under
 *              abstract.cluster none: singletons are no communities)
 * novelty, ARP and ILE average over evaluated users with a non-empty list.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "topk.h"

enum { M_P, M_R, M_NDCG, M_MAP, M_MRR, M_HIT, M_NOV, M_ARP, M_ILE, M__N };

#define METRIC(f, label, hb, text) \
	{ #f, label, text, offsetof(struct eval_row, f), hb }
const struct metric_def metric_defs[METRIC__COUNT] = {
	METRIC(precision, "P", true, "precision@k = |L ∩ T_u| / k, where L "
	    "is the top-k list of user u and T_u the user's held-out items; "
	    "averaged over users with |T_u| > 0."),
	METRIC(recall, "R", true, "recall@k = |L ∩ T_u| / |T_u|; averaged "
	    "over users with |T_u| > 0."),
	METRIC(ndcg, "nDCG", true, "ndcg@k = DCG / IDCG with binary gain: "
	    "DCG = Σ_{r=1..k} [L_r ∈ T_u] / log2(r + 1); IDCG = Σ_{r=1..m} "
	    "1 / log2(r + 1) with m = min(k, |T_u|) (eval.ndcg_ideal=min, the "
	    "default) or m = |T_u| (eval.ndcg_ideal=all, the convention of "
	    "some papers)."),
	METRIC(map, "MAP", true, "map@k = mean over users of AP@k = "
	    "(Σ_{r=1..k} precision@r · [L_r ∈ T_u]) / min(k, |T_u|)."),
	METRIC(mrr, "MRR", true, "mrr@k = mean over users of 1 / (rank of "
	    "the first held-out item in L), 0 when none is in the top k."),
	METRIC(hitrate, "HR", true, "hitrate@k = share of users with at "
	    "least one held-out item in the top k."),
	METRIC(coverage, "cov", true, "coverage@k = distinct items "
	    "recommended in any top-k list / number of items."),
	METRIC(novelty, "novelty", true, "novelty@k = mean of I(j) = "
	    "-log2(deg(j) / |E|) over every recommended item j (deg from "
	    "the training graph, in bits)."),
	METRIC(arp, "ARP", false, "arp@k = average recommendation "
	    "popularity: mean deg(j) over every recommended item j."),
	METRIC(gini, "gini", false, "gini@k = Gini coefficient of the "
	    "exposure counts (how many lists contain each item) over all "
	    "items; 0 = equal exposure, 1 = one item gets everything."),
	METRIC(ile, "ILE", true, "ile@k = mean over users of the entropy "
	    "(bits) of the community distribution of their top-k list: "
	    "intra-list community entropy. 0 = every list inside one "
	    "community, log2(k) = k communities in a list of k. Needs "
	    "communities: reported with eval.ile on (or calibration / the "
	    "learned filter), and never under abstract.cluster none, whose "
	    "singleton 'communities' would make it log2 of the list length."),
};
#undef METRIC

int metric_lookup(const char *name)
{
	for (int m = 0; m < METRIC__COUNT; m++)
		if (strcmp(name, metric_defs[m].name) == 0)
			return m;
	return -1;
}

double metric_of(const struct eval_row *r, int m)
{
	return *(const double *)((const char *)r + metric_defs[m].offset);
}

static bool truth_has(const struct csr *t, uint32_t u, uint32_t j)
{
	uint64_t lo = t->ptr[u], hi = t->ptr[u + 1];
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (t->idx[mid] == j)
			return true;
		if (t->idx[mid] < j)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Entropy (bits) of the communities of items[0..n), n <= 1000. */
static double list_entropy(const uint32_t *items, uint32_t n,
    const uint32_t *comm)
{
	uint32_t c[1000];
	double h = 0;
	if (n == 0)
		return 0;
	for (uint32_t k = 0; k < n; k++)
		c[k] = comm[items[k]];
	qsort(c, n, sizeof *c, cmp_u32);
	for (uint32_t a = 0, b; a < n; a = b) {
		for (b = a; b < n && c[b] == c[a]; b++)
			;
		double p = (double)(b - a) / n;
		h -= p * log2(p);
	}
	return h;
}

/* Accuracy metrics of one user's list cut at k into m[]. */
static void eval_user_k(const struct csr *truth, uint32_t u,
    const uint32_t *items, uint32_t len, int k, bool ideal_all, double *m)
{
	uint32_t T = (uint32_t)csr_row_len(truth, u);
	uint32_t n = len < (uint32_t)k ? len : (uint32_t)k;
	uint32_t hits = 0, ni = ideal_all ? T : (T < (uint32_t)k ? T :
	    (uint32_t)k), na = T < (uint32_t)k ? T : (uint32_t)k;
	double dcg = 0, idcg = 0, ap = 0, rr = 0;
	for (uint32_t r = 0; r < n; r++) {
		if (!truth_has(truth, u, items[r]))
			continue;
		hits++;
		dcg += 1 / log2(r + 2.0);
		ap += (double)hits / (r + 1);
		if (rr == 0)
			rr = 1.0 / (r + 1);
	}
	for (uint32_t r = 0; r < ni; r++)
		idcg += 1 / log2(r + 2.0);
	m[M_P] += (double)hits / k;
	m[M_R] += (double)hits / T;
	m[M_NDCG] += idcg > 0 ? dcg / idcg : 0;
	m[M_MAP] += na ? ap / na : 0;
	m[M_MRR] += rr;
	m[M_HIT] += hits > 0;
}

/* Beyond-accuracy per-user means of a list cut at k into m[]. */
static void eval_user_beyond(const struct pipeline *pl, const uint32_t *items,
    uint32_t n, const uint32_t *comm, double *m)
{
	const struct csr *iu = &pl->graph.iu;
	double E = (double)pl->graph.ui.nnz, nov = 0, arp = 0;
	for (uint32_t r = 0; r < n; r++) {
		double deg = (double)csr_row_len(iu, items[r]);
		nov += deg > 0 ? -log2(deg / E) : 0;
		arp += deg;
	}
	m[M_NOV] += nov / n;
	m[M_ARP] += arp / n;
	if (comm)
		m[M_ILE] += list_entropy(items, n, comm);
}

/* Coverage and Gini of exposure of the lists cut at k. */
static void eval_exposure(const struct pipeline *pl, const struct rec_lists *rl,
    int k, uint32_t *count, double *x, struct eval_row *row)
{
	const struct csr *t = &pl->graph.truth, *iu = &pl->graph.iu;
	uint32_t I = pl->graph.ui.ncols, ncat = 0, distinct = 0;
	memset(count, 0, (size_t)I * sizeof *count);
	for (uint32_t u = 0; u < rl->n_users && u < t->nrows; u++) {
		if (csr_row_len(t, u) == 0)
			continue;
		uint32_t n = rl->len[u] < (uint32_t)k ? rl->len[u] : (uint32_t)k;
		for (uint32_t r = 0; r < n; r++)
			count[rl->items[(size_t)u * rl->L + r]]++;
	}
	for (uint32_t j = 0; j < I; j++) {
		if (j >= iu->nrows || csr_row_len(iu, j) == 0)
			continue;
		x[ncat++] = count[j];
		distinct += count[j] > 0;
	}
	struct dist_summary s;
	stats_summarize(x, ncat, &s);
	row->coverage = ncat ? (double)distinct / ncat : 0;
	row->gini = s.gini;
}

void eval_lists(const struct pipeline *pl, const struct rec_lists *rl,
    struct eval_result *out)
{
	const struct params *p = &pl->params;
	const struct csr *t = &pl->graph.truth;
	int nk = p->v[P_EVAL_K].nlist;
	bool all = params_enum(p, P_EVAL_NDCG_IDEAL) == IDEAL_ALL;
	double acc[PARAM_LIST_MAX * M__N] = { 0 };
	uint64_t nev = 0, nnonempty = 0;
	uint32_t U = rl->n_users < t->nrows ? rl->n_users : t->nrows;
	/* ile only when the result path has communities: whether an
	 * earlier insight computed them must not change the output */
	const uint32_t *comm = pipeline_needs_communities(p) &&
	    params_enum(p, P_ABSTRACT_CLUSTER) != CLUSTER_NONE ?
	    pl->abs.community : NULL;

	memset(out, 0, sizeof *out);
	out->target = params_enum(p, P_EVAL_TARGET);
	out->nk = nk;
	/* Sums of doubles depend on their order: each block of users sums
	 * into its own slot and the slots are added in block order, so
	 * the metrics do not depend on which thread took which block (an
	 * OpenMP reduction over a dynamic schedule changed the 4th digit
	 * of arp from run to run) */
	enum { BLOCK = 256 };
	size_t width = (size_t)nk * M__N, nb = ((size_t)U + BLOCK - 1) / BLOCK;
	double *part = xcalloc((nb ? nb : 1) * width, sizeof *part);
#pragma omp parallel for schedule(dynamic, 1) reduction(+:nev, nnonempty)
	for (size_t b = 0; b < nb; b++) {
		double *sum = part + b * width;
		uint32_t end = (b + 1) * BLOCK < U ? (uint32_t)((b + 1) *
		    BLOCK) : U;
		for (uint32_t u = (uint32_t)(b * BLOCK); u < end; u++) {
			if (csr_row_len(t, u) == 0)
				continue;
			const uint32_t *items = rl->items + (size_t)u * rl->L;
			nev++;
			nnonempty += rl->len[u] > 0;
			for (int q = 0; q < nk; q++) {
				int k = p->v[P_EVAL_K].list[q];
				uint32_t n = rl->len[u] < (uint32_t)k ?
				    rl->len[u] : (uint32_t)k;
				eval_user_k(t, u, items, rl->len[u], k, all,
				    sum + q * M__N);
				if (n)
					eval_user_beyond(pl, items, n, comm,
					    sum + q * M__N);
			}
		}
	}
	for (size_t b = 0; b < nb; b++)
		for (size_t x = 0; x < width; x++)
			acc[x] += part[b * width + x];
	xfree(part);
	out->n_users = (uint32_t)nev;
	uint32_t *count = xmalloc(((size_t)pl->graph.ui.ncols + 1) *
	    sizeof *count);
	double *x = xmalloc(((size_t)pl->graph.ui.ncols + 1) * sizeof *x);
	for (int q = 0; q < nk; q++) {
		struct eval_row *row = &out->row[q];
		double *m = acc + q * M__N, d = nev ? (double)nev : 1,
		    dn = nnonempty ? (double)nnonempty : 1;
		row->k = p->v[P_EVAL_K].list[q];
		row->precision = m[M_P] / d;
		row->recall = m[M_R] / d;
		row->ndcg = m[M_NDCG] / d;
		row->map = m[M_MAP] / d;
		row->mrr = m[M_MRR] / d;
		row->hitrate = m[M_HIT] / d;
		row->novelty = m[M_NOV] / dn;
		row->arp = m[M_ARP] / dn;
		row->ile = comm ? m[M_ILE] / dn : NAN;
		eval_exposure(pl, rl, row->k, count, x, row);
		if (nev == 0) {
			/* nothing held out (split.method none, or no user
			 * left with a held-out item): no metric, not zeros */
			row->precision = row->recall = row->ndcg = NAN;
			row->map = row->mrr = row->hitrate = NAN;
			row->coverage = row->novelty = row->arp = NAN;
			row->gini = row->ile = NAN;
		}
	}
	xfree(count);
	xfree(x);
}
