/*
 * distill — abstract.c: the abstract stage (DESIGN §1.3). Builds the item
 * similarity graph S from the fit graph with the kernels of cooc.c, then
 * its statistics, communities (community.c) and the users' community
 * entropies.
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
	free(od);
	free(id);
}

/* ERR_EMPTY naming the parameter to relax. */
static int empty_error(const struct pipeline *pl, const struct simk_tally *t,
    struct err *err)
{
	if (t->candidates == 0)
		return err_set(err, ERR_EMPTY, "no two items share a user in "
		    "the fit graph (no co-occurrence): relax graph.min_rating, "
		    "graph.min_user_degree or graph.min_item_degree");
	return err_set(err, ERR_EMPTY, "abstract.threshold=%g cuts all %llu "
	    "candidate pairs (the largest similarity is %.6g): lower "
	    "abstract.threshold",
	    params_real(&pl->params, P_ABSTRACT_THRESHOLD),
	    (unsigned long long)t->candidates, t->max_sim);
}

int abstract_run(struct pipeline *pl, struct abstract_out *out,
    struct err *err)
{
	const struct graph_out *g = &pl->graph;
	if (!g->ui.ptr || !g->iu.ptr)
		return err_set(err, ERR_STATE, "the graph stage has not run");
	engine_igraph_init();
	struct simk k;
	struct simk_tally t;
	/* a threshold or top-k change selects from the cached candidates:
	 * the kernel's norms and walk probabilities are not needed then */
	simk_init_select(&k, &g->ui, &g->iu, &pl->params, g->gen);
	if (!simcache_holds(pl->simcache, &k.key)) {
		simk_init(&k, &g->ui, &g->iu, &pl->params);
		k.key.graph_gen = g->gen;
	}
	int rc = simk_build_cached(&k, &pl->simcache, !pl->borrowed, &out->S,
	    &t, &pl->hooks, err);
	simk_destroy(&k);
	if (rc < 0)
		return -1;
	if (out->S.nnz == 0)
		return empty_error(pl, &t, err);
	struct abstract_stats *st = &out->st;
	st->candidate_pairs = t.candidates;
	st->kept_edges = t.kept;
	st->cut_threshold = t.cut_threshold;
	st->cut_topk = t.cut_topk;
	st->sim_hist = t.hist;
	degree_stats(&out->S, st);
	if (hooks_cancelled(&pl->hooks))
		return err_set(err, ERR_INTERRUPTED, "interrupted before "
		    "community detection");
	if (pl->light)
		return 0;       /* nothing downstream reads communities */
	hooks_progress(&pl->hooks, "communities", 0);
	if (community_detect(pl, &out->S, out, err) < 0)
		return -1;
	uint32_t nu = g->ui.nrows;
	out->user_entropy = xmalloc((nu ? nu : 1) * sizeof *out->user_entropy);
	community_user_entropy(&g->ui, out->community, out->n_comm,
	    out->user_entropy);
	return 0;
}

void abstract_out_destroy(struct abstract_out *o)
{
	csr_destroy(&o->S);
	free(o->community);
	free(o->comm_size);
	free(o->comm_order);
	free(o->user_entropy);
	memset(o, 0, sizeof *o);
}
