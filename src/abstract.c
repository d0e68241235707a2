/*
 * distill — abstract.c: the abstract stage (DESIGN §1.3). Its result is the
 * item similarity graph S, built from the fit graph with the kernels of
 * cooc.c. Its insight (DESIGN §2.1) — degree summaries, components,
 * clustering coefficient, communities (community.c) and the users'
 * community entropies — is computed on demand: abstract_insight() and
 * pipeline_communities().
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "abstract.h"

/* Out- and in-degree summaries of S. */
static void degree_stats(const struct csr *S, struct abstract_stats *st)
{
	uint32_t n = S->nrows;
	uint32_t *od = xmalloc((n ? n : 1) * sizeof *od);
	uint32_t *id = xcalloc(n ? n : 1, sizeof *id);
	for (uint32_t i = 0; i < n; i++) {
		od[i] = (uint32_t)csr_row_len(S, i);
		for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++)
			id[S->idx[e]]++;
	}
	stats_summarize_u32(od, n, &st->out_deg);
	stats_summarize_u32(id, n, &st->in_deg);
	xfree(od);
	xfree(id);
}

/* ERR_EMPTY naming the parameter to relax. */
static int empty_error(const struct pipeline *pl, const struct simk_tally *t,
    struct err *err)
{
	if (t->candidates == 0)
		return err_set(err, ERR_EMPTY, "no two items share a user in "
		    "the fit graph (no co-occurrence): relax graph.min_rating, "
		    "graph.min_user_degree, graph.min_item_degree or "
		    "graph.max_user_degree");
	return err_set(err, ERR_EMPTY, "abstract.threshold=%g cuts all %llu "
	    "candidate pairs (the largest similarity is %.6g): lower "
	    "abstract.threshold",
	    params_real(&pl->params, P_ABSTRACT_THRESHOLD),
	    (unsigned long long)t->candidates, t->max_sim);
}

/*
 * A tighter selection of the same candidates: a threshold not lower and
 * a top-k not larger (any, when the earlier S had none). Rows of S are
 * sorted by (s desc, j asc), so the new row is a prefix of the old one:
 * its entries with s >= threshold, at most top-k of them. Exact without
 * the candidates, which a log too large for the candidate cache (the 20M
 * log) would otherwise recompute.
 */
static bool covers(const struct simk_key *key, double bthr, long btopk,
    const struct simk_key *k, double thr, long topk)
{
	return simk_key_equal(key, k) && thr >= bthr &&
	    (btopk == 0 || (topk > 0 && topk <= btopk));
}

static bool can_derive(const struct abstract_out *a, const struct simk_key *k,
    double thr, long topk)
{
	return a->S.ptr && covers(&a->key, a->threshold, a->topk, k, thr, topk);
}

void sbase_free(struct sbase *b)
{
	if (!b)
		return;
	if (!b->shared)
		csr_destroy(&b->S);
	xfree(b);
}

void sbase_release(struct pipeline *pl, struct abstract_out *o,
    bool publish)
{
	struct sbase *b = pl->sbase;
	/* a borrowed pipeline's base is its owner's, read-only */
	if (pl->borrowed || !b || !b->shared || !o->S.idx ||
	    b->S.idx != o->S.idx)
		return;
	if (publish) {
		b->shared = false;
		csr_init(&o->S);
	} else {
		sbase_free(b);
		pl->sbase = NULL;
	}
}

/* Make S the pipeline's derivation base: moved in, or shared when
 * `share` (S is the stage's output: struct sbase). */
static void sbase_set(struct pipeline *pl, const struct simk_key *key,
    double thr, long topk, struct csr *S, const struct simk_tally *t,
    bool share)
{
	struct sbase *b = try_calloc(1, sizeof *b);
	if (!b)
		return;
	b->S = *S;
	b->shared = share;
	if (!share)
		csr_init(S);
	b->key = *key;
	b->threshold = thr;
	b->topk = topk;
	b->candidates = t->candidates;
	b->max_sim = t->max_sim;
	b->hist = t->hist;
	/* in place before the old one goes: a failure later in the stage
	 * then finds either the old base or a new one of its own scope */
	struct sbase *old = pl->sbase;
	pl->sbase = b;
	sbase_free(old);
}

void abstract_derive_prefix(const struct csr *S, double thr, long topk,
    struct csr *out)
{
	uint32_t n = S->nrows;
	uint32_t *len = xmalloc((n ? n : 1) * sizeof *len);
	uint64_t nnz = 0;
	#pragma omp parallel for schedule(static) reduction(+:nnz)
	for (int64_t i = 0; i < (int64_t)n; i++) {
		uint64_t a = S->ptr[i], e = S->ptr[i + 1], l = 0;
		while (a + l < e && (topk == 0 || l < (uint64_t)topk) &&
		    (double)S->val[a + l] >= thr)
			l++;
		len[i] = (uint32_t)l;
		nnz += l;
	}
	csr_alloc(out, n, S->ncols, nnz);
	for (uint32_t i = 0; i < n; i++)
		out->ptr[i + 1] = out->ptr[i] + len[i];
	#pragma omp parallel for schedule(static)
	for (int64_t i = 0; i < (int64_t)n; i++) {
		if (len[i] == 0)
			continue;   /* an empty S may have no arrays */
		memcpy(out->idx + out->ptr[i], S->idx + S->ptr[i],
		    len[i] * sizeof *out->idx);
		memcpy(out->val + out->ptr[i], S->val + S->ptr[i],
		    len[i] * sizeof *out->val);
	}
	xfree(len);
}

static int cmp_desc_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x < y) - (x > y);
}

/* ERR_LIMIT for a fit graph whose co-occurrence is over the bound, with
 * the largest graph.max_user_degree that brings it under. */
static int work_error(const struct pipeline *pl, struct err *err)
{
	const struct graph_out *g = &pl->graph;
	uint32_t U = g->ui.nrows, n = 0;
	uint32_t *d = xmalloc(((size_t)U + 1) * sizeof *d);
	for (uint32_t u = 0; u < U; u++)
		if (csr_row_len(&g->ui, u))
			d[n++] = (uint32_t)csr_row_len(&g->ui, u);
	qsort(d, n, sizeof *d, cmp_desc_u32);
	double rest = g->st.cooc_work;
	uint32_t cap = 0, drop = 0;
	for (uint32_t m = 0; m < n; m++) {
		if ((m == 0 || d[m] < d[m - 1]) && rest <= ABSTRACT_WORK_MAX) {
			cap = d[m];
			drop = m;
			break;
		}
		rest -= (double)d[m] * d[m];
	}
	xfree(d);
	uint32_t h = g->st.heaviest_user;
	double dh = (double)csr_row_len(&g->ui, h);
	return err_set(err, ERR_LIMIT, "the co-occurrence would take %.3g "
	    "steps (the sum over users of deg(u)^2; user '%s' alone has %.0f "
	    "fit items: %.3g), over the in-process bound of %.3g: leave the "
	    "heaviest users out with 'set graph.max_user_degree %u' (%u "
	    "user%s), sample users (load --sample-users), or compute S on a "
	    "cluster (cluster/distill-abstract)", g->st.cooc_work,
	    pl->ds ? idmap_name(&pl->ds->users, h) : "?", dh, dh * dh,
	    ABSTRACT_WORK_MAX, cap, drop, drop == 1 ? "" : "s");
}

int abstract_cache_candidates(struct pipeline *pl, const struct params *np,
    struct err *err)
{
	const struct graph_out *g = &pl->graph;
	const struct sbase *b = pl->sbase;
	if (pl->borrowed || pl->no_simcache || pl->imp || !b || !g->ui.ptr ||
	    !pl->fresh[STAGE_GRAPH] ||
	    params_stage_differs(&pl->params, np, STAGE_LOAD) ||
	    params_stage_differs(&pl->params, np, STAGE_GRAPH))
		return 0;   /* np's S is not built from pl's graph */
	struct simk k;
	simk_init_select(&k, &g->ui, &g->iu, np, g->gen);
	bool again = simk_key_equal(&b->key, &k.key) &&
	    !simcache_holds(pl->simcache, &k.key) && !covers(&b->key,
	    b->threshold, b->topk, &k.key, k.threshold, k.topk);
	simk_destroy(&k);
	if (!again)
		return 0;
	/* the cache is pl's: its blocks leave the ledger once made, and
	 * without the memory the caller gets an error, pl its old cache */
	struct mem_scope sc;
	mem_scope_open(&sc);
	if (setjmp(sc.jb) != 0)
		return mem_scope_error(&sc, err, "abstract: candidate cache");
	simk_init(&k, &g->ui, &g->iu, np);
	k.key.graph_gen = g->gen;
	struct csr S;
	csr_init(&S);
	int rc = simk_build_cached(&k, &pl->simcache, SIMCACHE_ANY, &S, NULL,
	    &pl->hooks, err);
	csr_destroy(&S);
	simk_destroy(&k);
	mem_scope_keep(&sc);
	return rc;
}

int abstract_run(struct pipeline *pl, struct abstract_out *out,
    struct err *err)
{
	const struct graph_out *g = &pl->graph;
	out->gen = util_next_gen();
	out->pairs = xcalloc(1, sizeof *out->pairs);
	if (!g->ui.ptr || !g->iu.ptr)
		return err_set(err, ERR_STATE, "the graph stage has not run");
	if (pl->imp)
		return import_abstract(pl, out, err);
	struct simk k;
	struct simk_tally t;
	/* a threshold or top-k change selects from the cached candidates:
	 * the kernel's norms and walk probabilities are not needed then */
	simk_init_select(&k, &g->ui, &g->iu, &pl->params, g->gen);
	out->key = k.key;
	out->threshold = k.threshold;
	out->topk = k.topk;
	int rc = 0;
	bool cached = simcache_holds(pl->simcache, &k.key);
	const struct abstract_out *a = &pl->abs;
	const struct sbase *b = pl->sbase;
	/* a prefix of the published S, else of the base */
	bool pub = !cached && can_derive(a, &k.key, k.threshold, k.topk);
	bool from_base = !cached && !pub && b && covers(&b->key,
	    b->threshold, b->topk, &k.key, k.threshold, k.topk);
	if (pub || from_base) {
		/* the same S, and the same candidates, maximum and
		 * histogram */
		abstract_derive_prefix(pub ? &a->S : &b->S, k.threshold,
		    k.topk, &out->S);
		memset(&t, 0, sizeof t);
		t.candidates = pub ? a->st.candidate_pairs : b->candidates;
		t.kept = out->S.nnz;
		t.max_sim = pub ? a->max_sim : b->max_sim;
		t.hist = pub ? a->st.sim_hist : b->hist;
		t.hist.marker = k.threshold;
		out->tally_pending = true;
		pairk_pass(out->pairs, pl->abs.pairs, &k.key, pl);
		simk_destroy(&k);
	} else {
		if (!cached && g->st.cooc_work > ABSTRACT_WORK_MAX) {
			simk_destroy(&k);
			return work_error(pl, err);
		}
		if (!cached) {
			simk_init(&k, &g->ui, &g->iu, &pl->params);
			k.key.graph_gen = g->gen;
		}
		/* a kernel build: a bounded S is built at threshold 0 and
		 * kept as the base, the published S its prefix */
		double thr = k.threshold;
		bool base = !cached && !pl->borrowed;
		bool at0 = base && thr > 0 && k.topk > 0;
		struct csr S0;
		csr_init(&S0);
		if (at0)
			k.threshold = 0;
		/* many candidates are cached only when they are built a
		 * second time: a one-shot run would pay the cache's pages
		 * for nothing (src/cooc.c, SIMCACHE_EAGER) */
		enum simcache_fill how = b && simk_key_equal(&b->key,
		    &k.key) ? SIMCACHE_ANY : SIMCACHE_SMALL;
		if (pl->borrowed || pl->no_simcache ||
		    (pl->large_simcache && how == SIMCACHE_SMALL))
			how = SIMCACHE_NONE;
		rc = simk_build_cached(&k, &pl->simcache, how,
		    at0 ? &S0 : &out->S, &t, &pl->hooks, err);
		if (rc == 0 && at0 && simcache_holds(pl->simcache, &k.key)) {
			/* the candidates fit the cache after all: S at the
			 * threshold from it, with exact cut counts */
			csr_destroy(&S0);
			k.threshold = thr;
			rc = simk_build_cached(&k, &pl->simcache,
			    SIMCACHE_NONE, &out->S, &t, &pl->hooks, err);
		} else if (rc == 0 && at0) {
			abstract_derive_prefix(&S0, thr, k.topk, &out->S);
			sbase_set(pl, &k.key, 0, k.topk, &S0, &t, false);
			csr_destroy(&S0);   /* when no base took it */
			t.kept = out->S.nnz;
			t.cut_threshold = t.cut_topk = 0;
			t.hist.marker = thr;
			out->tally_pending = true;
		} else if (rc == 0 && base &&
		    !simcache_holds(pl->simcache, &k.key)) {
			sbase_set(pl, &k.key, thr, k.topk, &out->S, &t, true);
		}
		if (rc == 0 && !cached)
			pairk_keep(out->pairs, &k, pl);
		else if (rc == 0)
			pairk_pass(out->pairs, pl->abs.pairs, &k.key, pl);
		simk_destroy(&k);
	}
	if (rc < 0)
		return -1;
	out->max_sim = t.max_sim;
	if (out->S.nnz == 0)
		return empty_error(pl, &t, err);
	if (hooks_cancelled(&pl->hooks))
		return err_set(err, ERR_INTERRUPTED, "interrupted");
	struct abstract_stats *st = &out->st;
	st->candidate_pairs = t.candidates;
	st->kept_edges = t.kept;
	st->cut_threshold = t.cut_threshold;
	st->cut_topk = t.cut_topk;
	st->sim_hist = t.hist;
	return 0;
}

/* The k most central items of each of S's nc communities into out
 * (nc * k entries; see community_central). */
static void central_items(const struct csr *S, const uint32_t *cm,
    uint32_t nc, int k, uint32_t *out)
{
	for (size_t x = 0; x < (size_t)nc * k; x++)
		out[x] = NO_ITEM;
	uint32_t n = S->ncols;
	uint32_t *deg = xcalloc(n ? n : 1, sizeof *deg);
	double *in = xcalloc(n ? n : 1, sizeof *in);
	for (uint32_t i = 0; i < S->nrows; i++)
		for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++)
			if (S->idx[e] != i && cm[S->idx[e]] == cm[i]) {
				deg[S->idx[e]]++;
				in[S->idx[e]] += S->val[e];
			}
	/* insertion into each community's top k, items in index order so
	 * that ties keep the smaller index first */
	for (uint32_t i = 0; i < S->nrows && i < n; i++) {
		uint32_t *top = out + (size_t)cm[i] * k;
		int pos = k;
		while (pos > 0 && (top[pos - 1] == NO_ITEM ||
		    deg[top[pos - 1]] < deg[i] || (deg[top[pos - 1]] ==
		    deg[i] && in[top[pos - 1]] < in[i])))
			pos--;
		if (pos == k)
			continue;
		memmove(top + pos + 1, top + pos, (size_t)(k - pos - 1) *
		    sizeof *top);
		top[pos] = i;
	}
	xfree(deg);
	xfree(in);
}

/* Communities of pl's S into out (its st starts as pl's) and the users'
 * entropies over them; with `structure` also components and clustering. */
static int abstract_communities(const struct pipeline *pl,
    const struct hooks *h, bool structure, const struct side_work *side,
    struct abstract_out *out, struct err *err)
{
	hooks_progress(h, "communities", 0);
	if (community_detect(pl, h, &pl->abs.S, out, structure, side,
	    err) < 0)
		return -1;
	uint32_t nu = pl->graph.ui.nrows;
	out->user_entropy = xmalloc((nu ? nu : 1) *
	    sizeof *out->user_entropy);
	community_user_entropy(&pl->graph.ui, out->community, out->n_comm,
	    out->user_entropy);
	out->comm_central = xmalloc(((size_t)out->n_comm + 1) * COMM_CENTRAL *
	    sizeof *out->comm_central);
	central_items(&pl->abs.S, out->community, out->n_comm, COMM_CENTRAL,
	    out->comm_central);
	hooks_progress(h, "communities", 1);
	return 0;
}

/* Move the community arrays and statistics of `from` into `to`. */
static void take_communities(struct abstract_out *to,
    struct abstract_out *from)
{
	to->community = from->community;
	to->n_comm = from->n_comm;
	to->comm_size = from->comm_size;
	to->comm_order = from->comm_order;
	to->comm_central = from->comm_central;
	to->user_entropy = from->user_entropy;
	to->st.n_communities = from->st.n_communities;
	to->st.modularity = from->st.modularity;
	to->st.comm_size = from->st.comm_size;
	from->community = from->comm_size = from->comm_order = NULL;
	from->comm_central = NULL;
	from->user_entropy = NULL;
}

int pipeline_communities(struct pipeline *pl, struct err *err)
{
	if (!pl->abs.S.ptr)
		return err_set(err, ERR_STATE, "the abstract stage has not "
		    "run");
	if (pl->abs.community)
		return 0;
	/* the communities join the abstract stage's result: their blocks
	 * are not the calling stage's, whose failure must not free them */
	struct abstract_out tmp;
	struct mem_scope sc;
	memset(&tmp, 0, sizeof tmp);
	mem_scope_open(&sc);
	if (setjmp(sc.jb) != 0)
		return mem_scope_error(&sc, err, "abstract: communities");
	tmp.st = pl->abs.st;
	if (abstract_communities(pl, &pl->hooks, false, NULL, &tmp,
	    err) < 0) {
		abstract_out_destroy(&tmp);
		mem_scope_close(&sc);
		return -1;
	}
	take_communities(&pl->abs, &tmp);
	mem_scope_keep(&sc);
	return 0;
}

/* The cut tallies of an S derived from an earlier one: the kernel once
 * more, counting only (no row is selected, no edge kept). */
static int exact_tally(const struct pipeline *pl, const struct hooks *h,
    struct abstract_stats *st, struct err *err)
{
	const struct graph_out *g = &pl->graph;
	struct simk k;
	struct simk_tally t;
	struct csr S;
	csr_init(&S);
	simk_init(&k, &g->ui, &g->iu, &pl->params);
	k.count_only = true;
	hooks_progress(h, "abstract: cut counts", 0);
	int rc = simk_build(&k, &S, NULL, &t, h, err);
	simk_destroy(&k);
	csr_destroy(&S);
	if (rc < 0)
		return -1;
	st->candidate_pairs = t.candidates;
	st->cut_threshold = t.cut_threshold;
	st->cut_topk = t.cut_topk;
	st->sim_hist = t.hist;
	return 0;
}

struct tally_side {
	const struct pipeline *pl;
	const struct hooks *h;
	struct abstract_stats *st;
};

static int tally_side_run(void *arg, struct err *err)
{
	struct tally_side *t = arg;
	return exact_tally(t->pl, t->h, t->st, err);
}

int abstract_insight(const struct pipeline *pl, const struct hooks *h,
    struct abstract_out *out, struct err *err)
{
	const struct abstract_out *a = &pl->abs;
	out->st = a->st;
	out->tally_pending = false;
	degree_stats(&a->S, &out->st);
	if (a->community) {
		if (a->tally_pending && exact_tally(pl, h, &out->st, err) < 0)
			return -1;
		return community_structure(&a->S, &out->st, err);
	}
	/* the cut counts (the kernel once more) while igraph detects the
	 * communities: Gowalla's insight after a threshold change took
	 * 2.3 s with them first */
	struct tally_side ts = { pl, h, &out->st };
	struct side_work side = { tally_side_run, &ts };
	return abstract_communities(pl, h, true, a->tally_pending ? &side :
	    NULL, out, err);
}

void abstract_insight_publish(struct abstract_out *a,
    struct abstract_out *from)
{
	/* from->st is complete: the exact tallies, and the communities'
	 * statistics whether it detected them or copied a's */
	if (!a->community && from->community)
		take_communities(a, from);
	a->st = from->st;
	a->tally_pending = false;
}

void abstract_out_destroy(struct abstract_out *o)
{
	if (!o->s_shared)
		csr_destroy(&o->S);
	xfree(o->community);
	xfree(o->comm_size);
	xfree(o->comm_order);
	xfree(o->comm_central);
	xfree(o->user_entropy);
	if (o->pairs)
		pairk_free(o->pairs->pk);
	xfree(o->pairs);
	memset(o, 0, sizeof *o);
}

const uint32_t *community_central(const struct pipeline *pl, uint32_t c)
{
	const struct abstract_out *a = &pl->abs;
	if (!a->community || !a->comm_central || c >= a->n_comm)
		return NULL;
	return a->comm_central + (size_t)c * COMM_CENTRAL;
}
