/*
 * distill — unit tests of the graph stage on a dataset built by hand (no
 * loader involved), every number computed in the comments.
 *
 * Interactions (user item rating part):
 *   u0 i0 5 T   u0 i1 4 T   u0 i2 2 T
 *   u1 i0 4 T   u1 i1 5 T   u1 i3 5 V
 *   u2 i1 3 T   u2 i3 4 T   u2 i4 5 X(test)
 *   u3 i4 1 T
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "pipeline.h"

static const uint32_t U[] = { 0, 0, 0, 1, 1, 1, 2, 2, 2, 3 };
static const uint32_t I[] = { 0, 1, 2, 0, 1, 3, 1, 3, 4, 4 };
static const float R[] = { 5, 4, 2, 4, 5, 5, 3, 4, 5, 1 };
static const uint8_t P[] = { 0, 0, 0, 0, 0, 1, 0, 0, 2, 0 };

static struct pipeline pl;
static struct dataset ds;

static void setup(void)
{
	memset(&ds, 0, sizeof ds);
	ds.n = 10;
	ds.users.n = 4;
	ds.items.n = 5;
	ds.user = (uint32_t *)U;
	ds.item = (uint32_t *)I;
	ds.rating = (float *)R;
	pipeline_init(&pl);
	pl.ds = &ds;
	pl.split.part = xmalloc(10);
	memcpy(pl.split.part, P, 10);
	pl.fresh[STAGE_LOAD] = pl.have[STAGE_LOAD] = true;
	params_set(&pl.params, "graph.min_rating", "4", NULL);
}

static void teardown(void)
{
	pl.ds = NULL; /* borrowed */
	pipeline_destroy(&pl);
}

TestSuite(graph, .init = setup, .fini = teardown);

Test(graph, fit_on_train_scores_validation)
{
	struct err e;
	cr_assert_eq(pipeline_run(&pl, STAGE_GRAPH, &e), 0, "%s", e.msg);
	cr_assert_eq(pipeline_insight(&pl, STAGE_GRAPH, &e), 0, "%s", e.msg);
	const struct graph_stats *st = &pl.graph.st;
	/* positives in train: u0{i0,i1} u1{i0,i1} u2{i3}; negatives in the
	 * fit: u0-i2, u2-i1, u3-i4 */
	cr_assert_eq(st->n_edges, 5);
	cr_assert_eq(st->n_negative, 3);
	cr_assert_eq(st->n_users, 3);
	cr_assert_eq(st->n_items, 3);
	cr_assert_float_eq(st->density, 5.0 / 9.0, 1e-12);
	/* user degrees 2,2,1: median 2, mean 5/3; Gini of (1,2,2) =
	 * 2·(1+4+6)/(3·5) − 4/3 = 2/15 */
	cr_assert_float_eq(st->user_deg.median, 2, 1e-12);
	cr_assert_float_eq(st->user_deg.mean, 5.0 / 3, 1e-12);
	cr_assert_float_eq(st->item_deg.gini, 2.0 / 15, 1e-12);
	/* components: {u0,u1,i0,i1} and {u2,i3} */
	cr_assert_eq(st->n_components, 2);
	cr_assert_eq(st->largest_component, 4);
	/* held out: u1-i3 (validation, positive, both in the fit) */
	cr_assert_eq(st->n_truth, 1);
	cr_assert_eq(st->n_truth_users, 1);
	cr_assert_eq(pl.graph.truth.idx[pl.graph.truth.ptr[1]], 3);
	/* CSR columns ascending, transpose consistent */
	cr_assert_eq(csr_row_len(&pl.graph.ui, 0), 2);
	cr_assert_eq(pl.graph.ui.idx[0], 0);
	cr_assert_eq(pl.graph.ui.idx[1], 1);
	cr_assert_eq(csr_row_len(&pl.graph.iu, 3), 1);
	cr_assert_float_eq(pl.graph.ui.val[0], 1.0f, 0);
}

Test(graph, target_test_refits_on_validation_too)
{
	struct err e;
	cr_assert_eq(pipeline_set(&pl, "eval.target", "test", &e), 0);
	cr_assert_eq(pipeline_run(&pl, STAGE_GRAPH, &e), 0, "%s", e.msg);
	/* u1-i3 joins the fit; the test pair u2-i4 is dropped because i4
	 * has no fit positive (u3 rated it 1) */
	cr_assert_eq(pl.graph.st.n_edges, 6);
	cr_assert_eq(pl.graph.st.n_truth, 0);
}

Test(graph, weighting_rating_and_log)
{
	struct err e;
	pipeline_set(&pl, "graph.weighting", "rating", &e);
	cr_assert_eq(pipeline_run(&pl, STAGE_GRAPH, &e), 0, "%s", e.msg);
	cr_assert_float_eq(pl.graph.ui.val[0], 5.0f, 0);   /* u0 i0 */
	cr_assert_float_eq(pl.graph.ui.val[1], 4.0f, 0);   /* u0 i1 */
	pipeline_set(&pl, "graph.weighting", "log", &e);
	cr_assert_eq(pipeline_run(&pl, STAGE_GRAPH, &e), 0, "%s", e.msg);
	cr_assert_float_eq(pl.graph.ui.val[0], 1 + logf(5), 1e-6);
}

Test(graph, kcore_is_iterated)
{
	struct err e;
	/* min item degree 2 drops i3 (deg 1), which empties u2 */
	pipeline_set(&pl, "graph.min_item_degree", "2", &e);
	cr_assert_eq(pipeline_run(&pl, STAGE_GRAPH, &e), 0, "%s", e.msg);
	cr_assert_eq(pl.graph.st.n_edges, 4);
	cr_assert_eq(pl.graph.st.kcore_items_removed, 1);
	cr_assert_eq(pl.graph.st.kcore_users_removed, 1);
	/* the validation pair u1-i3 refers to a removed item */
	cr_assert_eq(pl.graph.st.n_truth, 0);
	/* min user degree 2 then also removes nobody else: u0, u1 keep 2 */
	pipeline_set(&pl, "graph.min_user_degree", "2", &e);
	cr_assert_eq(pipeline_run(&pl, STAGE_GRAPH, &e), 0, "%s", e.msg);
	cr_assert_eq(pl.graph.st.n_edges, 4);
}

/* Fit positives (train, rating >= 4): u0 {i0, i1}, u1 {i0, i1}, u2 {i3}:
 * the co-occurrence work is 2^2 + 2^2 + 1^2 = 9. A cap of 1 leaves u0
 * and u1 out (2 > 1): one edge, work 1, and u1's validation pair u1-i3
 * goes with its user. */
Test(graph, max_user_degree_and_cooccurrence_work)
{
	struct err e;
	cr_assert_eq(pipeline_run(&pl, STAGE_GRAPH, &e), 0, "%s", e.msg);
	cr_assert_eq(pl.graph.st.n_edges, 5);
	cr_assert_float_eq(pl.graph.st.cooc_work, 9, 0);
	cr_assert_eq(pl.graph.st.capped_users, 0);
	cr_assert_eq(pl.graph.st.n_truth, 1);
	pipeline_set(&pl, "graph.max_user_degree", "1", &e);
	cr_assert_eq(pipeline_run(&pl, STAGE_GRAPH, &e), 0, "%s", e.msg);
	cr_assert_eq(pl.graph.st.n_edges, 1);
	cr_assert_eq(pl.graph.st.capped_users, 2);
	cr_assert_float_eq(pl.graph.st.cooc_work, 1, 0);
	cr_assert_eq(pl.graph.st.heaviest_user, 2);
	cr_assert_eq(pl.graph.st.n_truth, 0);
	/* a cap of 2 keeps everyone */
	pipeline_set(&pl, "graph.max_user_degree", "2", &e);
	cr_assert_eq(pipeline_run(&pl, STAGE_GRAPH, &e), 0, "%s", e.msg);
	cr_assert_eq(pl.graph.st.n_edges, 5);
	cr_assert_eq(pl.graph.st.capped_users, 0);
}

Test(graph, empty_graph_is_an_error_and_keeps_previous)
{
	struct err e;
	cr_assert_eq(pipeline_run(&pl, STAGE_GRAPH, &e), 0, "%s", e.msg);
	pipeline_set(&pl, "graph.min_rating", "6", &e);
	cr_assert_eq(pipeline_run(&pl, STAGE_GRAPH, &e), -1);
	cr_assert_eq(e.code, ERR_EMPTY);
	cr_assert(strstr(e.msg, "graph.min_rating"), "%s", e.msg);
	/* the previous output is still there, marked stale */
	cr_assert(pl.have[STAGE_GRAPH]);
	cr_assert_not(pl.fresh[STAGE_GRAPH]);
	cr_assert_eq(pl.graph.st.n_edges, 5);
}

/* Interrupted (the flag igraph's interruption handler reads is up): the
 * stage fails with ERR_INTERRUPTED and publishes nothing. */
Test(graph, interrupted_inside_igraph)
{
	struct err e;
	volatile sig_atomic_t stop = 1;
	engine_igraph_set_cancel(&stop);
	pl.hooks.cancel = &stop;
	int rc = pipeline_run(&pl, STAGE_GRAPH, &e);
	engine_igraph_set_cancel(NULL);
	pl.hooks.cancel = NULL;
	cr_assert_eq(rc, -1);
	cr_assert_eq(e.code, ERR_INTERRUPTED, "%s", e.msg);
	cr_assert_not(pl.have[STAGE_GRAPH]);
}
