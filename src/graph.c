/*
 * distill — graph.c: the graph stage. Turns the split interactions into
 * the user–item relation graph: positives (rating >= graph.min_rating) of
 * the fit part, an optional iterative k-core, edge weights, the CSR pair
 * (ui, iu) the numeric stages read, the held-out positives they are
 * evaluated against, and the counts of DESIGN §1.2. Degree summaries and
 * components are insight (graph_insight, on demand; DESIGN §2.1): no
 * igraph graph is built here.
 */
#include "pipeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Which parts are fitted on and which one is held out for evaluation. */
static void graph_parts(const struct params *p, bool *fit, enum part *held)
{
	bool test = params_enum(p, P_EVAL_TARGET) == TARGET_TEST;
	fit[PART_TRAIN] = true;
	fit[PART_VALID] = test;
	fit[PART_TEST] = false;
	*held = test ? PART_TEST : PART_VALID;
}

static float edge_weight(int weighting, double r)
{
	switch (weighting) {
	case WEIGHT_RATING: return (float)r;
	case WEIGHT_LOG: return (float)(1 + log(r > 0 ? r : 1));
	default: return 1.0f;
	}
}

/* Positive-degree of every user and item over the marked interactions. */
static void graph_degrees(const struct dataset *ds, const uint8_t *keep,
    uint32_t *du, uint32_t *di)
{
	memset(du, 0, ds->users.n * sizeof *du);
	memset(di, 0, ds->items.n * sizeof *di);
	for (size_t k = 0; k < ds->n; k++)
		if (keep[k]) {
			du[ds->user[k]]++;
			di[ds->item[k]]++;
		}
}

/*
 * Iterative k-core on the fit positives marked in `keep`: drop users with
 * fewer than ku and items with fewer than ki positives until stable.
 * Counts the users and items that had positives and lost them all.
 */
static void graph_kcore(const struct dataset *ds, uint8_t *keep, long ku,
    long ki, struct graph_stats *st)
{
	uint32_t *du = xcalloc(ds->users.n + 1, sizeof *du);
	uint32_t *di = xcalloc(ds->items.n + 1, sizeof *di);
	uint8_t *had_u = xcalloc(ds->users.n + 1, 1);
	uint8_t *had_i = xcalloc(ds->items.n + 1, 1);

	graph_degrees(ds, keep, du, di);
	for (uint32_t u = 0; u < ds->users.n; u++)
		had_u[u] = du[u] > 0;
	for (uint32_t i = 0; i < ds->items.n; i++)
		had_i[i] = di[i] > 0;
	for (bool changed = ku > 1 || ki > 1; changed;) {
		changed = false;
		for (size_t k = 0; k < ds->n; k++)
			if (keep[k] && (du[ds->user[k]] < ku ||
			    di[ds->item[k]] < ki)) {
				keep[k] = 0;
				changed = true;
			}
		graph_degrees(ds, keep, du, di);
	}
	for (uint32_t u = 0; u < ds->users.n; u++)
		st->kcore_users_removed += had_u[u] && du[u] == 0;
	for (uint32_t i = 0; i < ds->items.n; i++)
		st->kcore_items_removed += had_i[i] && di[i] == 0;
	xfree(du);
	xfree(di);
	xfree(had_u);
	xfree(had_i);
}

/* Leave users with more than `cap` fit positives out of the fit (0: no
 * cap). Applied once before the k-core: dropping users only lowers the
 * other degrees, so no user rises above the cap later. */
static void graph_cap_users(const struct dataset *ds, uint8_t *keep, long cap,
    struct graph_stats *st)
{
	if (cap <= 0)
		return;
	uint32_t *du = xcalloc(ds->users.n + 1, sizeof *du);
	for (size_t k = 0; k < ds->n; k++)
		du[ds->user[k]] += keep[k];
	for (uint32_t u = 0; u < ds->users.n; u++)
		st->capped_users += du[u] > (unsigned long)cap;
	for (size_t k = 0; k < ds->n; k++)
		if (du[ds->user[k]] > (unsigned long)cap)
			keep[k] = 0;
	xfree(du);
}

/* Build a users x items CSR from the interactions marked in `sel`, columns
 * ascending (counting sort by user, then two transposes order columns). */
static void graph_build_csr(const struct dataset *ds, const uint8_t *sel,
    int weighting, struct csr *ui, struct csr *iu)
{
	struct csr raw;
	uint64_t nnz = 0;
	csr_init(&raw);
	for (size_t k = 0; k < ds->n; k++)
		nnz += sel[k];
	csr_alloc(&raw, ds->users.n, ds->items.n, nnz);
	for (size_t k = 0; k < ds->n; k++)
		if (sel[k])
			raw.ptr[ds->user[k] + 1]++;
	for (uint32_t u = 0; u < ds->users.n; u++)
		raw.ptr[u + 1] += raw.ptr[u];
	uint64_t *fill = xmalloc(((size_t)ds->users.n + 1) * sizeof *fill);
	memcpy(fill, raw.ptr, ((size_t)ds->users.n + 1) * sizeof *fill);
	for (size_t k = 0; k < ds->n; k++) {
		if (!sel[k])
			continue;
		uint64_t at = fill[ds->user[k]]++;
		raw.idx[at] = ds->item[k];
		raw.val[at] = edge_weight(weighting,
		    ds->rating ? ds->rating[k] : 1.0);
	}
	xfree(fill);
	csr_transpose(&raw, iu);
	csr_destroy(&raw);
	csr_transpose(iu, ui);
}

/* Select fit positives and held-out positives; count fit negatives. */
static void graph_select(struct pipeline *pl, uint8_t *fit_sel,
    uint8_t *held_sel, struct graph_stats *st)
{
	const struct dataset *ds = pl->ds;
	const uint8_t *part = pl->split.part;
	double min_rating = params_real(&pl->params, P_GRAPH_MIN_RATING);
	bool fit[3];
	enum part held;

	graph_parts(&pl->params, fit, &held);
	for (size_t k = 0; k < ds->n; k++) {
		bool pos = !ds->rating || ds->rating[k] >= min_rating;
		fit_sel[k] = fit[part[k]] && pos;
		held_sel[k] = part[k] == held && pos;
		st->n_negative += fit[part[k]] && !pos;
	}
}

/* Degrees of the active side of `m` (rows with at least one entry). */
static uint32_t *graph_active_degrees(const struct csr *m, uint32_t *n)
{
	uint32_t *d = xmalloc(((size_t)m->nrows + 1) * sizeof *d);
	*n = 0;
	for (uint32_t r = 0; r < m->nrows; r++)
		if (csr_row_len(m, r))
			d[(*n)++] = (uint32_t)csr_row_len(m, r);
	return d;
}

/* The result's counts: O(U + I), no allocation. */
static void graph_counts(const struct graph_out *o, struct graph_stats *st)
{
	uint32_t nu = 0, ni = 0, heavy = 0;
	double work = 0;
	for (uint32_t u = 0; u < o->ui.nrows; u++) {
		double d = (double)csr_row_len(&o->ui, u);
		nu += d > 0;
		work += d * d;
		if (d > (double)csr_row_len(&o->ui, heavy))
			heavy = u;
	}
	st->cooc_work = work;
	st->heaviest_user = heavy;
	for (uint32_t i = 0; i < o->iu.nrows; i++)
		ni += csr_row_len(&o->iu, i) > 0;
	st->n_users = nu;
	st->n_items = ni;
	st->n_edges = o->ui.nnz;
	st->density = nu && ni ? (double)o->ui.nnz / ((double)nu * ni) : 0;
}

void graph_insight(const struct graph_out *o, struct graph_stats *st)
{
	uint32_t nu, ni;
	*st = o->st;
	uint32_t *du = graph_active_degrees(&o->ui, &nu);
	uint32_t *di = graph_active_degrees(&o->iu, &ni);
	stats_summarize_u32(du, nu, &st->user_deg);
	stats_summarize_u32(di, ni, &st->item_deg);
	stats_hist_log2(du, nu, &st->user_hist);
	stats_hist_log2(di, ni, &st->item_hist);
	xfree(du);
	xfree(di);
	csr_components(&o->ui, true, &st->n_components,
	    &st->largest_component);
}

/* Held-out positives restricted to users and items present in the fit
 * (an item nobody interacted with in the fit cannot be recommended). */
static void graph_restrict_truth(struct graph_out *o)
{
	struct csr *t = &o->truth;
	uint64_t w = 0;
	for (uint32_t u = 0; u < t->nrows; u++) {
		uint64_t start = t->ptr[u], end = t->ptr[u + 1];
		t->ptr[u] = w;
		bool in_u = csr_row_len(&o->ui, u) > 0;
		for (uint64_t k = start; k < end; k++) {
			uint32_t i = t->idx[k];
			if (!in_u || csr_row_len(&o->iu, i) == 0)
				continue;
			t->idx[w] = i;
			t->val[w++] = 1.0f;
		}
		if (w > t->ptr[u])
			o->st.n_truth_users++;
	}
	t->ptr[t->nrows] = w;
	t->nnz = w;
	o->st.n_truth = w;
}

int graph_run(struct pipeline *pl, struct graph_out *out, struct err *err)
{
	const struct dataset *ds = pl->ds;
	const struct params *p = &pl->params;
	uint8_t *fit_sel = xmalloc(ds->n + 1), *held_sel = xmalloc(ds->n + 1);
	struct csr tmp_t;
	int rc = -1;

	out->gen = util_next_gen();
	graph_select(pl, fit_sel, held_sel, &out->st);
	hooks_progress(&pl->hooks, "graph", 0.1);
	graph_cap_users(ds, fit_sel, params_int(p, P_GRAPH_MAX_USER_DEGREE),
	    &out->st);
	graph_kcore(ds, fit_sel, params_int(p, P_GRAPH_MIN_USER_DEGREE),
	    params_int(p, P_GRAPH_MIN_ITEM_DEGREE), &out->st);
	graph_build_csr(ds, fit_sel, params_enum(p, P_GRAPH_WEIGHTING),
	    &out->ui, &out->iu);
	csr_init(&tmp_t);
	graph_build_csr(ds, held_sel, WEIGHT_BINARY, &out->truth, &tmp_t);
	csr_destroy(&tmp_t);
	graph_restrict_truth(out);
	hooks_progress(&pl->hooks, "graph", 0.6);
	if (out->ui.nnz == 0) {
		err_set(err, ERR_EMPTY, "no positive interactions left to "
		    "fit: lower graph.min_rating or the k-core degrees");
		goto out;
	}
	graph_counts(out, &out->st);
	rc = 0;
out:
	xfree(fit_sel);
	xfree(held_sel);
	return rc;
}

void graph_out_destroy(struct graph_out *o)
{
	csr_destroy(&o->ui);
	csr_destroy(&o->iu);
	csr_destroy(&o->truth);
	memset(o, 0, sizeof *o);
}
