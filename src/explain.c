/*
 * distill — explain.c: per-user queries over a fresh pipeline: `rec`
 * (lists with the top contributing items), `rec --all` output, `why`
 * (every path u → i → j with its contribution, and every relation that was
 * cut with the reason and what it would have added), `whynot` (the reason,
 * and the smallest single change of abstract.threshold, abstract.topk or
 * filter.alpha that brings the item in, found on a scratch copy) and the
 * user's community profile.
 *
 * Contributions are A_ui·B_ij·iw(j), summed in the same order as the
 * recommend stage sums R_uj, so they add up to the score `rec` prints.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abstract.h"
#include "explain.h"
#include "topk.h"

int need_fresh(const struct pipeline *pl, enum stage upto, struct err *err)
{
	if (!pl->ds)
		return err_set(err, ERR_STATE, "no dataset loaded: use "
		    "load FILE first");
	for (int s = 0; s <= (int)upto; s++)
		if (!pl->fresh[s])
			return err_set(err, ERR_STATE, "the %s stage is not "
			    "up to date: run it first", stage_name(s));
	return 0;
}

static int check_user(const struct pipeline *pl, uint32_t user,
    struct err *err)
{
	if (user >= pl->graph.ui.nrows)
		return err_set(err, ERR_NOTFOUND, "unknown user index %u",
		    user);
	return 0;
}

static int check_item(const struct pipeline *pl, uint32_t item,
    struct err *err)
{
	if (item >= pl->graph.ui.ncols)
		return err_set(err, ERR_NOTFOUND, "unknown item index %u",
		    item);
	return 0;
}


/* ------------------------------------------------------------------ rec */

/* Fill via[] of each entry: the largest A_ui·B_ij·iw(j) over i ∈ N(u). */
static void rec_fill_via(const struct pipeline *pl, uint32_t u,
    struct rec_list *l)
{
	const struct csr *A = &pl->dist.A, *B = &pl->filt.B;
	int32_t *pos = xmalloc(((size_t)A->ncols + 1) * sizeof *pos);
	memset(pos, 0xff, ((size_t)A->ncols + 1) * sizeof *pos);
	for (size_t e = 0; e < l->n; e++)
		pos[l->e[e].item] = (int32_t)e;
	for (uint64_t k = A->ptr[u]; k < A->ptr[u + 1]; k++) {
		uint32_t i = A->idx[k];
		for (uint64_t b = B->ptr[i]; b < B->ptr[i + 1]; b++) {
			if (pos[B->idx[b]] < 0)
				continue;
			struct rec_entry *r = &l->e[pos[B->idx[b]]];
			double c = (double)A->val[k] * B->val[b] *
			    pl->dist.iw[B->idx[b]];
			int at = REC_TOP_VIA;
			while (at > 0 && (r->via[at - 1] == NO_ITEM ||
			    c > r->via_contrib[at - 1]))
				at--;
			if (at == REC_TOP_VIA)
				continue;
			for (int m = REC_TOP_VIA - 1; m > at; m--) {
				r->via[m] = r->via[m - 1];
				r->via_contrib[m] = r->via_contrib[m - 1];
			}
			r->via[at] = i;
			r->via_contrib[at] = c;
		}
	}
	xfree(pos);
}

/* A calibrated list is re-ranked from the best 5L by D: where each of
 * its items stood in that order (one user's paths). */
static void rec_score_ranks(const struct pipeline *pl, uint32_t user,
    struct rec_list *out)
{
	struct rec_ws ws;
	uint32_t L = pl->rec.L;
	rec_ws_init(&ws, pl->dist.A.ncols, 0, 5 * L);
	rec_ws_score_pl(&ws, pl, user);
	uint32_t pool = rec_ws_select(&ws, pl->dist.iw, 5 * L);
	for (size_t k = 0; k < out->n; k++)
		for (uint32_t p = 0; p < pool; p++)
			if (ws.sel[p] == out->e[k].item)
				out->e[k].score_rank = (int)p + 1;
	out->calibrated = true;
	rec_ws_destroy(&ws);
}

int rec_user(struct pipeline *pl, uint32_t user, int n, struct rec_list *out,
    struct err *err)
{
	memset(out, 0, sizeof *out);
	if (need_fresh(pl, STAGE_RECOMMEND, err) < 0 ||
	    check_user(pl, user, err) < 0)
		return -1;
	if (n <= 0 || (uint32_t)n > pl->rec.L)
		return err_set(err, ERR_INVAL, "list length %d: expected 1 to "
		    "%u (raise rec.n or eval.k for longer lists)", n,
		    pl->rec.L);
	const struct rec_out *r = &pl->rec;
	size_t len = r->len[user] < (uint32_t)n ? r->len[user] : (size_t)n;
	out->user = user;
	out->n = len;
	out->e = xcalloc(len + 1, sizeof *out->e);
	for (size_t k = 0; k < len; k++) {
		struct rec_entry *e = &out->e[k];
		e->item = r->items[(size_t)user * r->L + k];
		e->rank = (int)k + 1;
		e->score = r->scores[(size_t)user * r->L + k];
		e->hit = csr_find(&pl->graph.truth, user, e->item) >= 0;
		for (int v = 0; v < REC_TOP_VIA; v++)
			e->via[v] = NO_ITEM;
	}
	rec_fill_via(pl, user, out);
	if (params_real(&pl->params, P_DISTILL_CALIBRATE) > 0 &&
	    pl->abs.community)
		rec_score_ranks(pl, user, out);
	return 0;
}

void rec_list_destroy(struct rec_list *l)
{
	xfree(l->e);
	memset(l, 0, sizeof *l);
}

static const char *item_title(const struct pipeline *pl, uint32_t j)
{
	return pl->ds->title && pl->ds->title[j] ? pl->ds->title[j] : "";
}

static void rec_write_user(FILE *f, const struct pipeline *pl, uint32_t u,
    bool json, bool *first)
{
	const struct rec_out *r = &pl->rec;
	const char *uid = idmap_name(&pl->ds->users, u);
	uint32_t n = r->len[u] < (uint32_t)params_int(&pl->params, P_REC_N) ?
	    r->len[u] : (uint32_t)params_int(&pl->params, P_REC_N);
	if (json) {
		fprintf(f, "%s\n{\"user\":", *first ? "" : ",");
		put_json(f, uid);
		fputs(",\"items\":[", f);
	}
	*first = false;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t j = r->items[(size_t)u * r->L + k];
		float s = r->scores[(size_t)u * r->L + k];
		if (json) {
			fprintf(f, "%s{\"rank\":%u,\"item\":", k ? "," : "",
			    k + 1);
			put_json(f, idmap_name(&pl->ds->items, j));
			fprintf(f, ",\"score\":%.9g,\"title\":", s);
			put_json(f, item_title(pl, j));
			fputc('}', f);
			continue;
		}
		put_csv(f, uid);
		fprintf(f, ",%u,", k + 1);
		put_csv(f, idmap_name(&pl->ds->items, j));
		fprintf(f, ",%.9g,", s);
		put_csv(f, item_title(pl, j));
		fputc('\n', f);
	}
	if (json)
		fputs("]}", f);
}

int rec_write_all(struct pipeline *pl, const char *path, struct err *err)
{
	struct outfile o;
	const char *in[PIPELINE_INPUTS_MAX];
	size_t pn = strlen(path);
	bool json = pn >= 5 && strcmp(path + pn - 5, ".json") == 0, first = 1;
	if (need_fresh(pl, STAGE_RECOMMEND, err) < 0 ||
	    outfile_open(&o, path, pipeline_inputs(pl, in), err) < 0)
		return -1;
	fputs(json ? "[" : "user,rank,item,score,title\n", o.f);
	for (uint32_t u = 0; u < pl->rec.n_users; u++)
		if (pl->rec.len[u])
			rec_write_user(o.f, pl, u, json, &first);
	if (json)
		fputs("\n]\n", o.f);
	return outfile_commit(&o, err);
}

/* ------------------------------------------------------------------ why */

static int cmp_path(const void *a, const void *b)
{
	const struct why_path *x = a, *y = b;
	if (x->contrib != y->contrib)
		return x->contrib > y->contrib ? -1 : 1;
	return x->via < y->via ? -1 : x->via > y->via;
}

static int cmp_cut(const void *a, const void *b)
{
	const struct why_cut *x = a, *y = b;
	bool xn = isnan(x->would_add), yn = isnan(y->would_add);
	if (xn != yn)
		return xn ? 1 : -1;
	if (xn && x->sim != y->sim)        /* ridge: by similarity */
		return x->sim > y->sim ? -1 : 1;
	if (!xn && x->would_add != y->would_add)
		return x->would_add > y->would_add ? -1 : 1;
	return x->via < y->via ? -1 : x->via > y->via;
}

void explain_drivers(const double *contrib, int n, char *buf, size_t size)
{
	bool used[FILTER_NFEATURES] = { false };
	size_t at = 0;
	buf[0] = '\0';
	for (int k = 0; k < n && k < FILTER_NFEATURES; k++) {
		int best = -1;
		for (int f = 0; f < FILTER_NFEATURES; f++)
			if (!used[f] && (best < 0 || fabs(contrib[f]) >
			    fabs(contrib[best])))
				best = f;
		used[best] = true;
		int w = snprintf(buf + at, size - at, "%s%s %+.3g",
		    k ? ", " : "", filter_feature_names[best], contrib[best]);
		if (w < 0 || (size_t)w >= size - at)
			break;
		at += (size_t)w;
	}
}

/* The learned decisions whose drivers one why shows: asked for while
 * the paths are walked, computed in one batch after (learn.c). */
struct drivers_todo {
	size_t n;
	uint32_t *row;
	uint64_t *edge;
	char **buf;           /* each DRIVERS_SIZE bytes */
};
#define DRIVERS_SIZE sizeof(((struct why_path *)0)->drivers)
_Static_assert(sizeof(((struct why_cut *)0)->drivers) == DRIVERS_SIZE,
    "a path's and a cut's drivers share one size");

/* The drivers of the learned decision on S's edge e (row i), into buf
 * once drivers_fill runs. */
static void learned_drivers(const struct pipeline *pl,
    struct drivers_todo *t, uint32_t i, uint64_t e, char *buf)
{
	buf[0] = '\0';
	if (!pl->filt.has_model)
		return;
	t->row[t->n] = i;
	t->edge[t->n] = e;
	t->buf[t->n++] = buf;
}

static void drivers_fill(const struct pipeline *pl, struct drivers_todo *t)
{
	struct err err;
	double *c = t->n ? xmalloc(t->n * (FILTER_NFEATURES + 1) *
	    sizeof *c) : NULL;
	if (t->n && learn_edges_contrib(pl, t->n, t->row, t->edge, c, NULL,
	    &err) == 0)
		for (size_t k = 0; k < t->n; k++)
			explain_drivers(c + k * (FILTER_NFEATURES + 1), 3,
			    t->buf[k], DRIVERS_SIZE);
	xfree(c);
	xfree(t->row);
	xfree(t->edge);
	xfree(t->buf);
}

/* The relation i → j (no path in B): why it was cut, or false if it
 * never existed. Under filter.method ridge B_ij is learned from S's
 * j → i, so that is the relation asked about, and what it would have
 * added is unknown without solving again (NAN). */
static bool why_cut_of(const struct pipeline *pl, struct pairk **pk,
    bool *own, struct drivers_todo *t, uint32_t i, uint32_t j, double a,
    double iw, struct why_cut *c)
{
	double cooc = 0, sim = 0;
	int rank = 0;
	enum cut_reason cut = CUT_NONE;
	bool ridge = params_enum(&pl->params, P_FILTER_METHOD) ==
	    FILTER_RIDGE;
	uint32_t from = ridge ? j : i, to = ridge ? i : j;
	int64_t e = csr_find(&pl->abs.S, from, to);
	if (e >= 0 && !pl->imp) {
		/* kept by the abstract stage (cut by the filter): S has s_ij
		 * and its rank, row i is not needed (abstract.h) */
		cooc = pair_cooc(&pl->graph.iu, from, to);
		sim = pl->abs.S.val[e];
		rank = (int)(e - (int64_t)pl->abs.S.ptr[from]) + 1;
	} else {
		if (!*pk)
			*pk = pairk_use(pl, own);   /* on the first cut */
		if (!*pk || pairk_query(*pk, from, to, &cooc, &sim, &rank,
		    &cut) < 0)
			return false;
	}
	if (!(cooc > 0))
		return false;
	memset(c, 0, sizeof *c);
	c->via = i;
	c->reason = cut;
	c->cooc = cooc;
	c->sim = sim;
	c->row_rank = rank;
	c->alpha = c->score = NAN;
	c->would_add = ridge ? NAN : a * sim * iw;
	if (e >= 0 && !ridge) {
		c->alpha = pl->filt.alpha ? pl->filt.alpha[e] : NAN;
		c->score = pl->filt.score ? pl->filt.score[e] : NAN;
		if (cut == CUT_NONE)
			c->reason = params_enum(&pl->params, P_FILTER_METHOD) ==
			    FILTER_LEARNED ? CUT_LEARNED : CUT_BACKBONE;
		if (c->reason == CUT_LEARNED)
			learned_drivers(pl, t, from, (uint64_t)e, c->drivers);
	}
	return c->reason != CUT_NONE;
}

/* Paths through B and cut relations of (u, j); raw = R_uj summed in the
 * order of rec_ws_score. */
static void why_paths(const struct pipeline *pl, uint32_t u, uint32_t j,
    struct why_out *w)
{
	const struct csr *A = &pl->dist.A, *B = &pl->filt.B;
	size_t n = csr_row_len(A, u);
	struct pairk *pk = NULL;
	bool own = false;
	w->paths = xcalloc(n + 1, sizeof *w->paths);
	w->cuts = xcalloc(n + 1, sizeof *w->cuts);
	/* at most one path and one cut per item of u */
	struct drivers_todo todo = { 0, xmalloc(2 * (n + 1) * sizeof
	    *todo.row), xmalloc(2 * (n + 1) * sizeof *todo.edge),
	    xmalloc(2 * (n + 1) * sizeof *todo.buf) };
	const struct lowrank *lr = &pl->filt.lr;
	double raw_lr = 0;
	for (uint64_t k = A->ptr[u]; k < A->ptr[u + 1]; k++) {
		uint32_t i = A->idx[k];
		double a = A->val[k];
		bool found = false;
		for (uint64_t e = B->ptr[i]; e < B->ptr[i + 1]; e++) {
			if (B->idx[e] != j)
				continue;
			struct why_path *p = &w->paths[w->npaths++];
			p->via = i;
			p->a = a;
			p->b = B->val[e];
			w->raw += a * B->val[e];
			found = true;
			if (pl->filt.has_model) {
				int64_t se = csr_find(&pl->abs.S, i, j);
				if (se >= 0)
					learned_drivers(pl, &todo, i,
					    (uint64_t)se, p->drivers);
			}
		}
		if (!found && why_cut_of(pl, &pk, &own, &todo, i, j, a, w->iw,
		    &w->cuts[w->ncuts]))
			w->ncuts++;
		if (lr->k == 0)
			continue;
		/* with filter.rank every i ∈ N(u) relates to j through the
		 * low-rank part; added after the sparse sum, as the scorer
		 * does */
		struct why_path *p = found ? &w->paths[w->npaths - 1] :
		    &w->paths[w->npaths++];
		p->via = i;
		p->a = a;
		p->lr = lowrank_pair(lr, i, j);
		raw_lr += a * p->lr;
	}
	w->raw += raw_lr;
	if (own)
		pairk_free(pk);
	drivers_fill(pl, &todo);
}

/* Rank of j among u's candidates by D alone (1-based), 0 if none. */
static int rank_by_score(const struct pipeline *pl, uint32_t u, uint32_t j)
{
	struct rec_ws ws;
	int rank = 0;
	rec_ws_init(&ws, pl->dist.A.ncols, 0, 1);
	rec_ws_score_pl(&ws, pl, u);
	double dj = ws.acc[j] * pl->dist.iw[j];
	if (ws.mark[j] == 1 && dj > 0) {
		rank = 1;
		for (uint32_t t = 0; t < ws.ntouched; t++) {
			uint32_t x = ws.touched[t];
			if (rank_before(ws.acc[x] * pl->dist.iw[x], x, dj, j))
				rank++;
		}
	}
	rec_ws_destroy(&ws);
	return rank;
}

static int list_rank(const struct rec_out *r, uint32_t u, uint32_t j)
{
	for (uint32_t k = 0; k < r->len[u]; k++)
		if (r->items[(size_t)u * r->L + k] == j)
			return (int)k + 1;
	return 0;
}

/* why without the freshness checks (also used on scratch copies). */
static void why_compute(const struct pipeline *pl, uint32_t user,
    uint32_t item, struct why_out *out, int *rank_full)
{
	memset(out, 0, sizeof *out);
	out->user = user;
	out->item = item;
	out->seen = csr_find(&pl->graph.ui, user, item) >= 0;
	out->info = pl->dist.info[item];
	out->iw = pl->dist.iw[item];
	*rank_full = 0;
	if (out->seen)
		return;
	why_paths(pl, user, item, out);
	out->score = out->raw * out->iw;
	for (size_t p = 0; p < out->npaths; p++) {
		struct why_path *w = &out->paths[p];
		w->contrib = w->a * (w->b + w->lr) * out->iw;
		w->share = out->score > 0 ? w->contrib / out->score : 0;
	}
	qsort(out->paths, out->npaths, sizeof *out->paths, cmp_path);
	qsort(out->cuts, out->ncuts, sizeof *out->cuts, cmp_cut);
	out->rank = list_rank(&pl->rec, user, item);
	*rank_full = out->npaths ? rank_by_score(pl, user, item) : 0;
	uint32_t pool = 5 * pl->rec.L;
	out->rank_uncalibrated = *rank_full <= (int)pool ? *rank_full : 0;
	if (params_real(&pl->params, P_DISTILL_CALIBRATE) > 0 && out->rank &&
	    out->rank_uncalibrated)
		out->calib_effect = out->rank_uncalibrated - out->rank;
}

static int why_run(struct pipeline *pl, uint32_t user, uint32_t item,
    struct why_out *out, struct err *err)
{
	int rank_full;
	memset(out, 0, sizeof *out);
	if (need_fresh(pl, STAGE_RECOMMEND, err) < 0 ||
	    check_user(pl, user, err) < 0 || check_item(pl, item, err) < 0)
		return -1;
	why_compute(pl, user, item, out, &rank_full);
	return 0;
}

/* In a memory scope: without the memory the explanation fails, and
 * nothing else does. */
int explain_why(struct pipeline *pl, uint32_t user, uint32_t item,
    struct why_out *out, struct err *err)
{
	struct mem_scope sc;
	mem_scope_open(&sc);
	if (setjmp(sc.jb) != 0) {
		memset(out, 0, sizeof *out);
		return mem_scope_error(&sc, err, "why");
	}
	int rc = why_run(pl, user, item, out, err);
	mem_scope_close(&sc);
	return rc;
}

void why_out_destroy(struct why_out *w)
{
	xfree(w->paths);
	xfree(w->cuts);
	memset(w, 0, sizeof *w);
}

/* --------------------------------------------------------------- whynot */

static const char *const whynot_names[] = {
	"in list", "seen", "no path", "paths cut", "outranked", "calibrated",
};

const char *whynot_reason_name(enum whynot_reason r)
{
	return (unsigned)r < sizeof whynot_names / sizeof *whynot_names ?
	    whynot_names[r] : "?";
}

/* 1-based position of j among the m items of a list, 0 if absent. */
static int rank_in(const uint32_t *items, uint32_t m, uint32_t j)
{
	for (uint32_t k = 0; k < m; k++)
		if (items[k] == j)
			return (int)k + 1;
	return 0;
}

/* Rank of j in u's top-n list on a scratch pipeline (0 if absent). */
static int scratch_rank(const struct pipeline *sp, uint32_t u, uint32_t j,
    uint32_t n)
{
	struct rec_ws ws;
	double lambda = params_real(&sp->params, P_DISTILL_CALIBRATE);
	uint32_t L = rec_list_len(&sp->params), m;
	/* the calibrated list is L long (the longest eval.k may exceed
	 * rec.n = n) */
	size_t cap = (size_t)(L > n ? L : n) + 1;
	uint32_t *items = xmalloc(cap * sizeof *items);
	float *scores = xmalloc(cap * sizeof *scores);
	int rank = 0;

	rec_ws_init(&ws, sp->dist.A.ncols, sp->abs.community ? sp->abs.n_comm :
	    0, 5 * L);
	rec_ws_score_pl(&ws, sp, u);
	if (lambda > 0 && sp->abs.community) {
		uint32_t pool = rec_ws_select(&ws, sp->dist.iw, 5 * L);
		m = rec_ws_calibrate(&ws, pool, L, lambda, &sp->graph.ui, u,
		    sp->abs.community, items, scores);
	} else {
		m = rec_ws_select(&ws, sp->dist.iw, n);
		memcpy(items, ws.sel, m * sizeof *items);
	}
	rank = rank_in(items, m < n ? m : n, j);
	rec_ws_destroy(&ws);
	xfree(items);
	xfree(scores);
	return rank;
}

struct fix_cand {
	enum param_id id;
	char value[64];
	double change;   /* relative change of the parameter */
};

static int cmp_fix(const void *a, const void *b)
{
	const struct fix_cand *x = a, *y = b;
	return x->change < y->change ? -1 : x->change > y->change;
}

/* Candidate single changes that would restore a cut relation. */
static size_t fix_candidates(const struct pipeline *pl,
    const struct why_out *w, struct fix_cand *c, size_t max)
{
	const struct params *p = &pl->params;
	double th = params_real(p, P_ABSTRACT_THRESHOLD);
	double fa = params_real(p, P_FILTER_ALPHA);
	long tk = params_int(p, P_ABSTRACT_TOPK);
	size_t n = 0;
	for (size_t k = 0; k < w->ncuts && n < max; k++) {
		const struct why_cut *x = &w->cuts[k];
		struct fix_cand *f = &c[n];
		if (x->reason == CUT_THRESHOLD) {
			f->id = P_ABSTRACT_THRESHOLD;
			snprintf(f->value, sizeof f->value, "%.17g",
			    (double)(float)x->sim);
			f->change = (th - x->sim) / (th > 0 ? th : 1);
		} else if (x->reason == CUT_TOPK && x->row_rank > 0 &&
		    x->row_rank <= 4 * tk) {
			/* (a top-k beyond 4x would make S, and the re-run, 4x
			 * larger: not a small change) */
			f->id = P_ABSTRACT_TOPK;
			snprintf(f->value, sizeof f->value, "%d", x->row_rank);
			f->change = (double)(x->row_rank - tk) / (tk ? tk : 1);
		} else if (x->reason == CUT_BACKBONE && isfinite(x->alpha) &&
		    nextafter(x->alpha, 2) <= 1) {
			double v = nextafterf((float)x->alpha, 2.0f);
			f->id = P_FILTER_ALPHA;
			snprintf(f->value, sizeof f->value, "%.9g", v);
			f->change = (v - fa) / fa;
		} else {
			continue;
		}
		n++;
	}
	qsort(c, n, sizeof *c, cmp_fix);
	return n;
}

/*
 * Candidates for an item that has paths but ranks below the list: a
 * different information weight (distill.beta up or down, scored by the
 * size of the step). whynot_fix falls back on a longer list.
 */
static size_t outranked_candidates(const struct pipeline *pl,
    struct fix_cand *c, size_t max)
{
	static const double step[] = { 0.1, 0.25, 0.5, 1.0 };
	const struct param_def *d = params_def(P_DISTILL_BETA);
	double beta = params_real(&pl->params, P_DISTILL_BETA);
	size_t k = 0;
	for (size_t x = 0; x < sizeof step / sizeof *step; x++)
		for (int sign = 1; sign >= -1; sign -= 2) {
			double v = beta + sign * step[x];
			if (k == max || v < d->min - 1e-12 || v > d->max + 1e-12)
				continue;
			c[k].id = P_DISTILL_BETA;
			snprintf(c[k].value, sizeof c[k].value, "%g", v);
			c[k++].change = step[x];
		}
	return k;
}

/*
 * Every abstract.topk candidate asks for more neighbours than S has, so
 * each would run the similarity kernel again (0.3 s on Gowalla, eight of
 * them for one whynot). One build at the largest of them, kept as the
 * derivation base of a copy of pl (abstract.h, struct sbase), makes every
 * other a prefix of its rows: the same S, by the same rule.
 */
struct topk_base {
	bool tried, made;
	struct scratch big;     /* owns the S the base points to */
	struct sbase base;
	struct pipeline via;    /* pl with that base */
};

static int topk_base_make(struct topk_base *tb, struct pipeline *pl,
    const struct fix_cand *c, size_t n, struct err *err)
{
	long top = 0;
	tb->tried = true;
	for (size_t k = 0; k < n; k++) {
		long v = strtol(c[k].value, NULL, 10);
		if (c[k].id == P_ABSTRACT_TOPK && v > top)
			top = v;
	}
	struct params np = pl->params;
	char v[32];
	snprintf(v, sizeof v, "%ld", top);
	if (top == 0 || params_set_id(&np, P_ABSTRACT_TOPK, v, NULL) < 0)
		return 0;
	if (scratch_run(&tb->big, pl, &np, STAGE_ABSTRACT, STAGE_ABSTRACT,
	    err) < 0) {
		scratch_destroy(&tb->big);
		return err && err->code == ERR_INTERRUPTED ? -1 : 0;
	}
	const struct abstract_out *a = &tb->big.pl.abs;
	tb->base = (struct sbase){
		.key = a->key, .threshold = a->threshold, .topk = a->topk,
		.S = a->S, .candidates = a->st.candidate_pairs,
		.max_sim = a->max_sim, .hist = a->st.sim_hist,
	};
	tb->via = *pl;
	tb->via.sbase = &tb->base;
	tb->made = true;
	return 0;
}

/*
 * Rank of j in u's top-n under np, which changes distill.beta alone and
 * no calibration: u's scores as the pipeline makes them (B and any
 * low-rank part are β's), weighted by every item's iw for the new β
 * (distill_weights, the distill stage's own), instead of a copy that
 * re-runs the distill stage for every user.
 */
static int beta_rank(const struct pipeline *pl, uint32_t u, uint32_t j,
    const struct params *np, uint32_t n)
{
	uint32_t ni = pl->graph.ui.ncols;
	float *info = xmalloc(((size_t)ni + 1) * sizeof *info);
	float *iw = xmalloc(((size_t)ni + 1) * sizeof *iw);
	distill_weights(pl, params_real(np, P_DISTILL_BETA), info, iw);
	struct rec_ws ws;
	rec_ws_init(&ws, pl->dist.A.ncols, 0, n);
	rec_ws_score_pl(&ws, pl, u);
	int rank = rank_in(ws.sel, rec_ws_select(&ws, iw, n), j);
	rec_ws_destroy(&ws);
	xfree(info);
	xfree(iw);
	return rank;
}

/*
 * Rank of j in u's top-n under np, which changes abstract.threshold,
 * abstract.topk or filter.alpha alone, from the S rows of u's items:
 * with B = S (filter.method none) or its backbone (row-local: α_ij reads
 * row i alone) and no calibration, u's scores read those rows and
 * nothing else of S (A, the information weight and a low-rank part come
 * from the graph). The rows are the kernel's (pairk_rows, the code of a
 * full build) for a threshold or top-k, S's own for filter.alpha.
 * O(the rows' two-hop walks) where a scratch run builds the whole
 * kernel (Gowalla: ~0.3 s a candidate). -1 when that does not hold.
 */
static int rows_rank(const struct pipeline *pl, struct pairk *pk,
    uint32_t u, uint32_t j, enum param_id id, const struct params *np,
    uint32_t n)
{
	const struct csr *A = &pl->dist.A, *S = &pl->abs.S;
	struct csr R, B;
	if (u >= A->nrows)
		return -1;
	const uint32_t *rows = A->idx + A->ptr[u];
	size_t nr = csr_row_len(A, u);
	csr_init(&R);
	if (id == P_FILTER_ALPHA) {
		/* S unchanged: its rows of u's items */
		uint64_t *off = xcalloc(nr ? nr : 1, sizeof *off);
		uint32_t *len = xcalloc(nr ? nr : 1, sizeof *len);
		for (size_t x = 0; x < nr; x++)
			if (rows[x] < S->nrows) {
				off[x] = S->ptr[rows[x]];
				len[x] = (uint32_t)csr_row_len(S, rows[x]);
			}
		csr_from_rows(&R, S->nrows, rows, nr, off, len, S->idx,
		    S->val);
		xfree(off);
		xfree(len);
	} else if (id != P_ABSTRACT_THRESHOLD && id != P_ABSTRACT_TOPK) {
		return -1;
	} else if (!pk || pairk_rows(pk, rows, nr,
	    params_real(np, P_ABSTRACT_THRESHOLD),
	    params_int(np, P_ABSTRACT_TOPK), &R) < 0) {
		return -1;
	}
	bool backbone = params_enum(np, P_FILTER_METHOD) == FILTER_BACKBONE;
	if (backbone)
		backbone_of(&R, params_real(np, P_FILTER_ALPHA), &B);
	struct rec_ws ws;
	rec_ws_init(&ws, A->ncols, 0, n);
	rec_ws_score(&ws, A, backbone ? &B : &R, u);
	rec_ws_add_lowrank(&ws, pl, u);
	int rank = rank_in(ws.sel, rec_ws_select(&ws, pl->dist.iw, n), j);
	rec_ws_destroy(&ws);
	if (backbone)
		csr_destroy(&B);
	csr_destroy(&R);
	return rank;
}

/*
 * Under filter.method ridge, B_ij is item j's regression over its
 * neighbours N(j) = row j of S (ridge.c), so u's scores read the
 * regressions of every item whose row holds one of u's items: a changed
 * threshold or top-k changes them all on a scratch run (the ridge
 * filter re-solves every item: 6.5 s on Gowalla at top-k 200, a whynot
 * minutes). Only the rows that hold one of u's items and whose neighbour
 * set the change alters need solving again; every other weight u reads
 * is B's. The rows that may hold one of u's items are those of the items
 * co-occurring with them, made once by the kernel at the loosest of the
 * candidates (ridge_base_make); each candidate's rows are their prefixes
 * (rows are sorted, abstract_derive_prefix), and a row whose prefix is
 * as long as S's row is S's row.
 */
struct ridge_base {
	bool tried, made;
	struct csr rows;        /* the co-occurring items' rows (n × n) */
	uint32_t *list;         /* those items, ascending */
	size_t nlist;
	uint32_t *pos;          /* per item: 1 + its place in u's A row */
};

static void ridge_base_destroy(struct ridge_base *rb)
{
	csr_destroy(&rb->rows);
	xfree(rb->list);
	xfree(rb->pos);
	memset(rb, 0, sizeof *rb);
}

static int ridge_base_make(struct ridge_base *rb, const struct pipeline *pl,
    struct pairk *pk, uint32_t u, const struct fix_cand *c, size_t n)
{
	const struct csr *A = &pl->dist.A, *iu = &pl->graph.iu,
	    *ui = &pl->graph.ui;
	double thr = params_real(&pl->params, P_ABSTRACT_THRESHOLD);
	long top = params_int(&pl->params, P_ABSTRACT_TOPK);
	uint32_t ni = pl->abs.S.nrows;
	rb->tried = true;
	for (size_t k = 0; k < n; k++) {
		if (c[k].id == P_ABSTRACT_THRESHOLD) {
			double v = strtod(c[k].value, NULL);
			thr = v < thr ? v : thr;
		} else if (c[k].id == P_ABSTRACT_TOPK) {
			long v = strtol(c[k].value, NULL, 10);
			top = top == 0 || v == 0 ? 0 : v > top ? v : top;
		}
	}
	if (u >= A->nrows || ui->ncols != ni)
		return -1;
	uint8_t *mark = xcalloc((size_t)ni + 1, 1);
	rb->pos = xcalloc((size_t)ni + 1, sizeof *rb->pos);
	rb->list = xmalloc(((size_t)ni + 1) * sizeof *rb->list);
	for (uint64_t a = A->ptr[u]; a < A->ptr[u + 1]; a++) {
		uint32_t i = A->idx[a];
		rb->pos[i] = (uint32_t)(a - A->ptr[u]) + 1;
		for (uint64_t e = iu->ptr[i]; e < iu->ptr[i + 1]; e++) {
			uint32_t v = iu->idx[e];
			for (uint64_t f = ui->ptr[v]; f < ui->ptr[v + 1]; f++)
				mark[ui->idx[f]] = 1;
		}
	}
	for (uint32_t i = 0; i < ni; i++)
		if (mark[i])
			rb->list[rb->nlist++] = i;
	xfree(mark);
	if (pairk_rows(pk, rb->list, rb->nlist, thr, top, &rb->rows) < 0)
		return -1;
	rb->made = true;
	return 0;
}

struct ridge_entry {
	uint32_t j;
	float b;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct ridge_entry *x = a, *y = b;
	return x->j < y->j ? -1 : x->j > y->j;
}

/*
 * u's rows of B under the change: B's weights from the rows that did not
 * change, the solved ones (todo[0..ns), their weights bs in Sp's edge
 * order) beside them, columns ascending; n × n with u's items' rows.
 */
static void ridge_user_rows(const struct pipeline *pl,
    const struct ridge_base *rb, uint32_t u, const uint8_t *changed,
    const struct csr *Sp, const uint32_t *todo, size_t ns, const float *bs,
    struct csr *R)
{
	const struct csr *A = &pl->dist.A, *B = &pl->filt.B;
	size_t nu = csr_row_len(A, u), ne = 0;
	const uint32_t *items = A->idx + A->ptr[u];
	uint32_t *cnt = xcalloc(nu + 1, sizeof *cnt);
	for (size_t x = 0; x < nu; x++)
		for (uint64_t e = B->ptr[items[x]]; e < B->ptr[items[x] + 1];
		    e++)
			cnt[x] += !changed[B->idx[e]];
	for (size_t t = 0; t < ns; t++)
		for (uint64_t e = Sp->ptr[todo[t]]; e < Sp->ptr[todo[t] + 1];
		    e++)
			if (rb->pos[Sp->idx[e]])
				cnt[rb->pos[Sp->idx[e]] - 1]++;
	uint64_t *roff = xmalloc((nu + 1) * sizeof *roff);
	for (size_t x = 0; x < nu; x++) {
		roff[x] = ne;
		ne += cnt[x];
		cnt[x] = 0;
	}
	struct ridge_entry *en = xmalloc((ne + 1) * sizeof *en);
	for (size_t x = 0; x < nu; x++)
		for (uint64_t e = B->ptr[items[x]]; e < B->ptr[items[x] + 1];
		    e++)
			if (!changed[B->idx[e]])
				en[roff[x] + cnt[x]++] = (struct ridge_entry){
					B->idx[e], B->val[e] };
	for (size_t t = 0; t < ns; t++)
		for (uint64_t e = Sp->ptr[todo[t]]; e < Sp->ptr[todo[t] + 1];
		    e++) {
			uint32_t x = rb->pos[Sp->idx[e]];
			if (x--)
				en[roff[x] + cnt[x]++] = (struct ridge_entry){
					todo[t], bs[e] };
		}
	uint32_t *idx = xmalloc((ne + 1) * sizeof *idx);
	float *val = xmalloc((ne + 1) * sizeof *val);
	for (size_t x = 0; x < nu; x++) {
		qsort(en + roff[x], cnt[x], sizeof *en, cmp_entry);
		for (uint32_t k = 0; k < cnt[x]; k++) {
			idx[roff[x] + k] = en[roff[x] + k].j;
			val[roff[x] + k] = en[roff[x] + k].b;
		}
	}
	csr_from_rows(R, Sp->nrows, items, nu, roff, cnt, idx, val);
	xfree(idx);
	xfree(val);
	xfree(en);
	xfree(roff);
	xfree(cnt);
}

/* Known to rank above j (D, ties by item, as rec_ws_select ranks): the
 * items of ws not pending; stops counting at n. */
static uint32_t ridge_above(const struct rec_ws *ws, const float *iw,
    const uint8_t *pending, uint32_t j, uint32_t n)
{
	double dj = ws->acc[j] * (double)iw[j];
	uint32_t c = 0;
	for (uint32_t t = 0; t < ws->ntouched && c < n; t++) {
		uint32_t r = ws->touched[t];
		double d = ws->acc[r] * (double)iw[r];
		c += !pending[r] && d > 0 && rank_before(d, r, dj, j);
	}
	return c;
}

/*
 * Rank of j in u's top-n under np (a threshold or top-k change) with
 * filter.method ridge, from the regressions that change and B: -1 when
 * the base is missing, -2 when cancelled, 0 when j is not in the list
 * or a changed regression is singular (the run would fail: no fix).
 * The changed rows are solved j's first, then in batches by u's present
 * scores, best first; once n items whose scores are final rank above
 * j, it is out of the list and the rest is not solved (most candidates
 * fail so). u's scores of items whose rows are final are a full run's:
 * the same sums in the same order.
 */
/* A changed row and u's present D of its item: solved best first. */
struct solve_order {
	double key;
	uint32_t row;
};

static int cmp_solve_order(const void *a, const void *b)
{
	const struct solve_order *x = a, *y = b;
	return rank_before(x->key, x->row, y->key, y->row) ? -1 :
	    rank_before(y->key, y->row, x->key, x->row);
}

static int ridge_rank(const struct pipeline *pl, const struct ridge_base *rb,
    uint32_t u, uint32_t j, const struct params *np, uint32_t n)
{
	const struct csr *A = &pl->dist.A, *S = &pl->abs.S, *Sb = &rb->rows;
	const float *iw = pl->dist.iw;
	double thr = params_real(np, P_ABSTRACT_THRESHOLD);
	long top = params_int(np, P_ABSTRACT_TOPK);
	uint32_t ni = S->nrows;
	if (!rb->made)
		return -1;
	/* the rows whose neighbours change; those holding one of u's items
	 * are solved again (pending until they are) */
	uint8_t *changed = xcalloc((size_t)ni + 1, 1);
	uint8_t *pending = xcalloc((size_t)ni + 1, 1);
	uint32_t *todo = xmalloc((rb->nlist + 1) * sizeof *todo);
	uint64_t *off = xmalloc((rb->nlist + 1) * sizeof *off);
	uint32_t *len = xmalloc((rb->nlist + 1) * sizeof *len);
	size_t nt = 0;
	for (size_t x = 0; x < rb->nlist; x++) {
		uint32_t r = rb->list[x];
		uint64_t a = Sb->ptr[r], e = Sb->ptr[r + 1], l = 0;
		while (a + l < e && (top == 0 || l < (uint64_t)top) &&
		    (double)Sb->val[a + l] >= thr)
			l++;
		if (l == csr_row_len(S, r))
			continue;
		changed[r] = 1;
		for (uint64_t p = 0; p < l; p++)
			if (rb->pos[Sb->idx[a + p]]) {
				pending[r] = 1;
				todo[nt] = r;
				off[nt] = a;
				len[nt++] = (uint32_t)l;
				break;
			}
	}
	struct csr Sp;
	csr_from_rows(&Sp, ni, todo, nt, off, len, Sb->idx, Sb->val);
	/* solving order: j, then by u's present D */
	struct rec_ws ws;
	rec_ws_init(&ws, A->ncols, 0, n);
	rec_ws_score_pl(&ws, pl, u);
	struct solve_order *ord = xmalloc((nt + 1) * sizeof *ord);
	for (size_t t = 0; t < nt; t++)
		ord[t] = (struct solve_order){ todo[t] == j ? INFINITY :
		    ws.acc[todo[t]] * (double)iw[todo[t]], todo[t] };
	rec_ws_reset(&ws);
	qsort(ord, nt, sizeof *ord, cmp_solve_order);
	for (size_t t = 0; t < nt; t++)
		todo[t] = ord[t].row;
	xfree(ord);
	float *bs = xmalloc((Sp.nnz + 1) * sizeof *bs);
	double lambda = params_real(np, P_FILTER_LAMBDA);
	double dropout = params_real(np, P_FILTER_DROPOUT);
	int rank = 0;
	size_t ns = 0, batch = 2 * (size_t)n + 16;
	for (;;) {
		size_t to = nt - ns < batch ? nt : ns + batch;
		uint32_t bad = 0;
		int rc = ridge_rows(&pl->graph.iu, &Sp, todo + ns, to - ns,
		    lambda, dropout, bs, &pl->hooks, NULL, &bad);
		if (rc < 0) {
			rank = rc == -2 ? -2 : 0;
			break;
		}
		for (; ns < to; ns++)
			pending[todo[ns]] = 0;
		struct csr R;
		ridge_user_rows(pl, rb, u, changed, &Sp, todo, ns, bs, &R);
		rec_ws_score(&ws, A, &R, u);
		rec_ws_add_lowrank(&ws, pl, u);
		csr_destroy(&R);
		if (ns == nt) {
			rank = rank_in(ws.sel, rec_ws_select(&ws, iw, n), j);
			break;
		}
		if (ws.mark[j] == 2 || !(ws.acc[j] * (double)iw[j] > 0) ||
		    ridge_above(&ws, iw, pending, j, n) >= n)
			break;   /* out of the list whatever the rest gives */
		rec_ws_reset(&ws);
		batch *= 2;
	}
	rec_ws_destroy(&ws);
	xfree(bs);
	csr_destroy(&Sp);
	xfree(changed);
	xfree(pending);
	xfree(todo);
	xfree(off);
	xfree(len);
	return rank;
}

/* Can rows_rank (or ridge_rank) answer for pl? */
static bool rows_rank_ok(const struct pipeline *pl)
{
	int m = params_enum(&pl->params, P_FILTER_METHOD);
	return (m == FILTER_NONE || m == FILTER_BACKBONE ||
	    m == FILTER_RIDGE) && !pl->imp &&
	    params_real(&pl->params, P_DISTILL_CALIBRATE) == 0;
}

/* The rank of j under np without a scratch run, -1 when it needs one, -2
 * when cancelled: a distill.beta step without calibration from the
 * user's scores; a threshold, top-k or filter.alpha change from the
 * user's rows when pk (rows_rank_ok) is at hand, under ridge from the
 * changed regressions (rb, made on the first such candidate of c). */
static int quick_rank(const struct pipeline *pl, struct pairk *pk,
    struct ridge_base *rb, const struct fix_cand *c, size_t nc,
    uint32_t u, uint32_t j, enum param_id id, const struct params *np,
    uint32_t n)
{
	if (id == P_DISTILL_BETA)
		return params_real(np, P_DISTILL_CALIBRATE) == 0 &&
		    u < pl->dist.A.nrows ? beta_rank(pl, u, j, np, n) : -1;
	if (!pk)
		return -1;
	if (params_enum(np, P_FILTER_METHOD) != FILTER_RIDGE)
		return rows_rank(pl, pk, u, j, id, np, n);
	if (id != P_ABSTRACT_THRESHOLD && id != P_ABSTRACT_TOPK)
		return -1;
	if (!rb->tried)
		ridge_base_make(rb, pl, pk, u, c, nc);
	return ridge_rank(pl, rb, u, j, np, n);
}

/* Record the fix PARAM VALUE that brings the item in at rank. */
static void fix_set(struct whynot_out *w, const char *param,
    const char *value, int rank)
{
	w->has_fix = true;
	snprintf(w->fix_param, sizeof w->fix_param, "%s", param);
	snprintf(w->fix_value, sizeof w->fix_value, "%s", value);
	w->fix_rank = rank;
}

/* Try the candidates, smallest change first; keep the first that works. */
static int whynot_fix(struct pipeline *pl, uint32_t u, uint32_t j,
    struct whynot_out *w, struct err *err)
{
	struct fix_cand c[32];
	struct topk_base tb = { 0 };
	struct ridge_base rb = { 0 };
	size_t n = fix_candidates(pl, &w->why, c, 8);
	if (w->reason == WHYNOT_OUTRANKED) {
		n += outranked_candidates(pl, c + n, 32 - n);
		qsort(c, n, sizeof *c, cmp_fix);
	}
	if (n > 16)
		n = 16;
	int ret = 0;
	bool own = false;
	struct pairk *pk = rows_rank_ok(pl) ? pairk_use(pl, &own) : NULL;
	for (size_t k = 0; k < n; k++) {
		struct params np = pl->params;
		if (params_set_id(&np, c[k].id, c[k].value, NULL) < 0)
			continue;
		if (hooks_cancelled(&pl->hooks)) {
			/* a scratch run says so itself; the rows do not look */
			err_set(err, ERR_INTERRUPTED, "interrupted");
			ret = -1;
			break;
		}
		uint32_t len = (uint32_t)params_int(&np, P_REC_N);
		int r = quick_rank(pl, pk, &rb, c, n, u, j, c[k].id, &np, len);
		if (r == -2) {
			err_set(err, ERR_INTERRUPTED, "interrupted");
			ret = -1;
			break;
		}
		if (r < 0) {
			if (c[k].id == P_ABSTRACT_TOPK && !tb.tried &&
			    topk_base_make(&tb, pl, c, n, err) < 0) {
				ret = -1;
				break;
			}
			struct scratch sc;
			int rc = scratch_run(&sc, c[k].id == P_ABSTRACT_TOPK &&
			    tb.made ? &tb.via : pl, &np,
			    params_def(c[k].id)->stage, STAGE_DISTILL, err);
			/* the lists are calibrated over the communities of
			 * the copy's own S, as a real run computes them
			 * (without them scratch_rank would rank uncalibrated) */
			if (rc == 0 && params_real(&np, P_DISTILL_CALIBRATE) >
			    0 && !sc.pl.abs.community)
				rc = pipeline_communities(&sc.pl, err);
			if (rc == 0)
				r = scratch_rank(&sc.pl, u, j, len);
			scratch_destroy(&sc);
			if (rc < 0 && err && err->code == ERR_INTERRUPTED) {
				ret = -1;
				break;
			}
		}
		if (r > 0) {
			fix_set(w, params_def(c[k].id)->name, c[k].value, r);
			break;
		}
	}
	if (tb.made)
		scratch_destroy(&tb.big);
	ridge_base_destroy(&rb);
	if (own)
		pairk_free(pk);
	if (ret < 0 || w->has_fix)
		return ret;
	/* Nothing re-ranks it: without calibration a list as long as its
	 * rank shows it (calibration re-orders, so only then). */
	if (w->reason == WHYNOT_OUTRANKED && w->rank_full > w->n &&
	    w->rank_full <= params_def(P_REC_N)->max &&
	    params_real(&pl->params, P_DISTILL_CALIBRATE) == 0) {
		char v[16];
		snprintf(v, sizeof v, "%d", w->rank_full);
		fix_set(w, params_def(P_REC_N)->name, v, w->rank_full);
	}
	return 0;
}

static int whynot_run(struct pipeline *pl, uint32_t user, uint32_t item,
    struct whynot_out *out, struct err *err)
{
	memset(out, 0, sizeof *out);
	if (need_fresh(pl, STAGE_RECOMMEND, err) < 0 ||
	    check_user(pl, user, err) < 0 || check_item(pl, item, err) < 0)
		return -1;
	struct why_out *w = &out->why;
	const struct rec_out *r = &pl->rec;
	why_compute(pl, user, item, w, &out->rank_full);
	out->n = (int)params_int(&pl->params, P_REC_N);
	if (r->len[user] >= (uint32_t)out->n)
		out->nth_score = r->scores[(size_t)user * r->L + out->n - 1];
	out->gap = out->nth_score - w->score;
	if (w->seen)
		out->reason = WHYNOT_SEEN;
	else if (w->rank && w->rank <= out->n)
		out->reason = WHYNOT_IN_LIST;
	else if (w->npaths == 0)
		out->reason = w->ncuts ? WHYNOT_PATHS_CUT : WHYNOT_NO_PATH;
	else if (out->rank_full && out->rank_full <= out->n)
		out->reason = WHYNOT_CALIBRATED;
	else
		out->reason = WHYNOT_OUTRANKED;
	if (out->reason == WHYNOT_CALIBRATED) {
		/* without calibration it is in the list, at rank_full */
		fix_set(out, params_def(P_DISTILL_CALIBRATE)->name, "0",
		    out->rank_full);
	}
	if (((out->reason == WHYNOT_PATHS_CUT && w->ncuts) ||
	    out->reason == WHYNOT_OUTRANKED) &&
	    whynot_fix(pl, user, item, out, err) < 0) {
		whynot_out_destroy(out);    /* interrupted: nothing half-made */
		return -1;
	}
	return 0;
}

void whynot_out_destroy(struct whynot_out *w)
{
	why_out_destroy(&w->why);
	memset(w, 0, sizeof *w);
}

/* -------------------------------------------------------------- profile */

static int cmp_profile(const void *a, const void *b)
{
	const struct profile_entry *x = a, *y = b;
	if (x->share != y->share)
		return x->share > y->share ? -1 : 1;
	return x->comm < y->comm ? -1 : x->comm > y->comm;
}

int user_profile(struct pipeline *pl, uint32_t user, struct user_profile *out,
    struct err *err)
{
	memset(out, 0, sizeof *out);
	if (need_fresh(pl, STAGE_ABSTRACT, err) < 0 ||
	    check_user(pl, user, err) < 0)
		return -1;
	if (pipeline_communities(pl, err) < 0)
		return -1;
	const struct csr *ui = &pl->graph.ui;
	double *share = xcalloc((size_t)pl->abs.n_comm + 1, sizeof *share);
	double tot = 0;
	out->e = xcalloc(csr_row_len(ui, user) + 1, sizeof *out->e);
	for (uint64_t k = ui->ptr[user]; k < ui->ptr[user + 1]; k++) {
		uint32_t c = pl->abs.community[ui->idx[k]];
		if (share[c] == 0)
			out->e[out->n++].comm = c;
		share[c] += ui->val[k];
		tot += ui->val[k];
	}
	for (size_t k = 0; k < out->n; k++) {
		double p = share[out->e[k].comm] / tot;
		out->e[k].share = p;
		out->entropy -= p > 0 ? p * log2(p) : 0;
	}
	qsort(out->e, out->n, sizeof *out->e, cmp_profile);
	xfree(share);
	return 0;
}

void user_profile_destroy(struct user_profile *p)
{
	xfree(p->e);
	memset(p, 0, sizeof *p);
}

int explain_whynot(struct pipeline *pl, uint32_t user, uint32_t item,
    struct whynot_out *out, struct err *err)
{
	struct mem_scope sc;
	mem_scope_open(&sc);
	if (setjmp(sc.jb) != 0) {
		memset(out, 0, sizeof *out);
		return mem_scope_error(&sc, err, "whynot");
	}
	int rc = whynot_run(pl, user, item, out, err);
	mem_scope_close(&sc);
	return rc;
}
