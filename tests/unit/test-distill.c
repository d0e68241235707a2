/*
 * distill — unit tests of the distill and recommend stages on graphs small
 * enough to score by hand.
 *
 * The main example: 3 users, 4 items, binary weights
 *   u0: {0,1}   u1: {1,2}   u2: {0,2,3}        |E| = 7
 *   deg: item0 2, item1 2, item2 2, item3 1
 * and the filtered relation B (rows by descending value):
 *   0→1 .5, 0→2 .25 | 1→2 .4, 1→3 .2 | 2→3 .6, 2→0 .1 | 3→0 .3
 * With distill.alpha = 1: A_u0 = {.5,.5}, A_u1 = {.5,.5}, A_u2 = 1/3 each.
 *   R_u0,2 = .5·.25 + .5·.4 = .325     R_u0,3 = .5·.2 = .1
 *   R_u1,3 = .5·.2 + .5·.6 = .4        R_u1,0 = .5·.1 = .05
 *   R_u2,1 = (1/3)·.5 = .166667
 * I(j) = log2(7/deg): items 0-2: log2 3.5 = 1.807355, item3: log2 7 =
 * 2.807355, so iw = 3.5^β and 7^β.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "hand.h"
#include "topk.h"

static const float W3[3 * 4] = {
	1, 1, 0, 0,
	0, 1, 1, 0,
	1, 0, 1, 1,
};
static const float T3[3 * 4] = {
	0, 0, 0, 1,
	1, 0, 0, 0,
	0, 0, 0, 0,
};
static const float B3[4 * 4] = {
	0, .5f, .25f, 0,
	0, 0, .4f, .2f,
	.1f, 0, 0, .6f,
	.3f, 0, 0, 0,
};

static void setup3(struct pipeline *pl, const char *alpha, const char *beta)
{
	struct err e;
	hand_pipeline(pl, 3, 4, W3, T3, B3, NULL, 0);
	params_set(&pl->params, "distill.alpha", alpha, NULL);
	params_set(&pl->params, "distill.beta", beta, NULL);
	cr_assert_eq(hand_run(pl, &e), 0, "%s", e.msg);
}

Test(distill, a_matrix_and_information)
{
	struct pipeline pl;
	setup3(&pl, "1", "1");
	const struct csr *A = &pl.dist.A;
	cr_assert_eq(A->nnz, 7);
	/* u2 has three items: 1/3 each */
	for (uint64_t k = A->ptr[2]; k < A->ptr[3]; k++)
		cr_assert_float_eq(A->val[k], 1.0 / 3, 1e-7);
	cr_assert_float_eq(pl.dist.info[0], 1.807355, 1e-6);
	cr_assert_float_eq(pl.dist.info[3], 2.807355, 1e-6);
	cr_assert_float_eq(pl.dist.iw[1], 3.5, 1e-5);   /* 2^(1·log2 3.5) */
	cr_assert_float_eq(pl.dist.iw[3], 7.0, 1e-5);
	cr_assert_eq(pl.dist.iw_sum.n, 4);
	cr_assert_float_eq(pl.dist.iw_sum.max, 7.0, 1e-5);
	pipeline_destroy(&pl);
}

Test(distill, alpha_sharpens_a)
{
	struct pipeline pl;
	setup3(&pl, "2", "0");
	/* (1/2)^2 = .25 for u0, (1/3)^2 = .111111 for u2 */
	cr_assert_float_eq(pl.dist.A.val[0], .25, 1e-7);
	cr_assert_float_eq(pl.dist.A.val[pl.dist.A.ptr[2]], 1.0 / 9, 1e-7);
	cr_assert_float_eq(pl.dist.iw[3], 1.0, 1e-7);   /* β = 0 */
	pipeline_destroy(&pl);
}

Test(recommend, scores_and_ranks_beta0)
{
	struct pipeline pl;
	setup3(&pl, "1", "0");
	cr_assert_eq(pl.rec.L, 10);
	cr_assert_eq(pl.rec.len[0], 2);
	cr_assert_eq(LIST(&pl, 0, 0), 2);
	cr_assert_float_eq(SCORE(&pl, 0, 0), .325, 1e-6);
	cr_assert_eq(LIST(&pl, 0, 1), 3);
	cr_assert_float_eq(SCORE(&pl, 0, 1), .1, 1e-6);
	cr_assert_eq(LIST(&pl, 0, 2), NO_ITEM);
	cr_assert_eq(pl.rec.len[1], 2);
	cr_assert_eq(LIST(&pl, 1, 0), 3);
	cr_assert_float_eq(SCORE(&pl, 1, 0), .4, 1e-6);
	cr_assert_eq(LIST(&pl, 1, 1), 0);
	cr_assert_float_eq(SCORE(&pl, 1, 1), .05, 1e-6);
	cr_assert_eq(pl.rec.len[2], 1);  /* only item 1 is unseen */
	cr_assert_float_eq(SCORE(&pl, 2, 0), 1.0 / 6, 1e-6);
	pipeline_destroy(&pl);
}

Test(recommend, information_weight_reorders)
{
	struct pipeline pl;
	/* β = 2: u0 item2 .325·3.5² = 3.98125, item3 .1·7² = 4.9 */
	setup3(&pl, "1", "2");
	cr_assert_eq(LIST(&pl, 0, 0), 3);
	cr_assert_float_eq(SCORE(&pl, 0, 0), 4.9, 1e-5);
	cr_assert_eq(LIST(&pl, 0, 1), 2);
	cr_assert_float_eq(SCORE(&pl, 0, 1), 3.98125, 1e-5);
	pipeline_destroy(&pl);
}

Test(recommend, list_length_and_ties)
{
	/* u0 = {0}; B 0→1, 0→2, 0→3 all .5: a three-way tie, broken by
	 * ascending item index. L = max(rec.n = 2, eval.k = 1) = 2. */
	static const float w[1 * 4] = { 1, 0, 0, 0 };
	static const float t[1 * 4] = { 0, 0, 0, 1 };
	static const float b[4 * 4] = { 0, .5f, .5f, .5f };
	struct pipeline pl;
	struct err e;
	hand_pipeline(&pl, 1, 4, w, t, b, NULL, 0);
	params_set(&pl.params, "rec.n", "2", NULL);
	params_set(&pl.params, "eval.k", "1", NULL);
	cr_assert_eq(hand_run(&pl, &e), 0, "%s", e.msg);
	cr_assert_eq(pl.rec.L, 2);
	cr_assert_eq(pl.rec.len[0], 2);
	cr_assert_eq(LIST(&pl, 0, 0), 1);
	cr_assert_eq(LIST(&pl, 0, 1), 2);
	pipeline_destroy(&pl);
}

/*
 * Calibration: one user with items 0 (community 0) and 1 (community 1), so
 * π = (.5, .5). B: 0→2 2.0, 0→3 1.8, 1→4 1.0; A = .5 each, so
 * D = 1.0 (item 2, c0), .9 (item 3, c0), .5 (item 4, c1). N = 2.
 * λ = 0: [2, 3].
 * λ = .5, step 1: any single item gives q̃ = (.995, .005) or mirrored,
 *   KL = .5·log2(.5/.995) + .5·log2(.5/.005) = 2.825524 for all, so the
 *   best D wins: item 2 (objective .5·1 − .5·2.825524 = −.912762).
 * step 2: item 3 → q = (1, 0): .5·1.9 − .5·2.825524 = −.462762;
 *   item 4 → q = (.5, .5) = π, KL 0: .5·1.5 = .75. Item 4 wins: [2, 4].
 */
static const float WC[1 * 6] = { 1, 1, 0, 0, 0, 0 };
static const float TC[1 * 6] = { 0, 0, 0, 0, 1, 0 };
static const float BC[6 * 6] = {
	0, 0, 2.0f, 1.8f, 0, 0,
	0, 0, 0, 0, 1.0f, 0,
};
static const uint32_t CC[6] = { 0, 1, 0, 0, 1, 1 };

static void setup_calib(struct pipeline *pl, const char *lambda)
{
	struct err e;
	hand_pipeline(pl, 1, 6, WC, TC, BC, CC, 2);
	params_set(&pl->params, "rec.n", "2", NULL);
	params_set(&pl->params, "eval.k", "2", NULL);
	params_set(&pl->params, "distill.calibrate", lambda, NULL);
	params_set(&pl->params, "eval.ile", "on", NULL);
	cr_assert_eq(hand_run(pl, &e), 0, "%s", e.msg);
}

Test(recommend, calibration_changes_the_list)
{
	struct pipeline pl;
	setup_calib(&pl, "0");
	cr_assert_eq(LIST(&pl, 0, 0), 2);
	cr_assert_eq(LIST(&pl, 0, 1), 3);
	cr_assert_float_eq(pl.rec.ev.row[0].hitrate, 0, 1e-12);
	struct pipeline q;
	setup_calib(&q, "0.5");
	cr_assert_eq(LIST(&q, 0, 0), 2);
	cr_assert_eq(LIST(&q, 0, 1), 4);
	cr_assert_float_eq(SCORE(&q, 0, 1), .5, 1e-6);
	/* the calibrated list hits the held-out item 4 at rank 2 */
	cr_assert_float_eq(q.rec.ev.row[0].hitrate, 1, 1e-12);
	cr_assert_float_eq(q.rec.ev.row[0].ndcg, 0.6309298 / 1.0, 1e-6);
	/* list entropy: one item of each community = 1 bit; λ=0: 0 bits */
	cr_assert_float_eq(q.rec.ev.row[0].ile, 1, 1e-12);
	cr_assert_float_eq(pl.rec.ev.row[0].ile, 0, 1e-12);
	pipeline_destroy(&q);
	pipeline_destroy(&pl);
}

Test(recommend, calibration_objective_by_hand)
{
	/* the kernel alone on the same pool, λ = 1: pure KL. Step 1 ties
	 * (all KL 2.825524), earliest in pool order wins (item 2); step 2
	 * takes item 4 (KL 0). */
	struct pipeline pl;
	setup_calib(&pl, "0");
	struct rec_ws ws;
	uint32_t items[2];
	float sc[2];
	rec_ws_init(&ws, 6, 2, 10);
	rec_ws_score(&ws, &pl.dist.A, &pl.filt.B, 0);
	uint32_t pool = rec_ws_select(&ws, pl.dist.iw, 10);
	cr_assert_eq(pool, 3);
	uint32_t n = rec_ws_calibrate(&ws, pool, 2, 1.0, &pl.graph.ui, 0,
	    CC, items, sc);
	cr_assert_eq(n, 2);
	cr_assert_eq(items[0], 2);
	cr_assert_eq(items[1], 4);
	rec_ws_reset(&ws);
	rec_ws_destroy(&ws);
	pipeline_destroy(&pl);
}

Test(recommend, cancelled_run_reports_interrupted)
{
	struct pipeline pl;
	struct err e;
	volatile sig_atomic_t flag = 1;
	hand_pipeline(&pl, 3, 4, W3, T3, B3, NULL, 0);
	pl.hooks.cancel = &flag;
	struct distill_out d;
	memset(&d, 0, sizeof d);
	cr_assert_eq(distill_run(&pl, &d, &e), -1);
	cr_assert_eq(e.code, ERR_INTERRUPTED);
	distill_out_destroy(&d);
	flag = 0;
	cr_assert_eq(distill_run(&pl, &pl.dist, &e), 0);
	flag = 1;
	struct rec_out r;
	memset(&r, 0, sizeof r);
	cr_assert_eq(recommend_run(&pl, &r, &e), -1);
	cr_assert_eq(e.code, ERR_INTERRUPTED);
	rec_out_destroy(&r);
	pipeline_destroy(&pl);
}

Test(recommend, needs_earlier_stages)
{
	struct pipeline pl;
	struct err e;
	struct rec_out r;
	pipeline_init(&pl);
	memset(&r, 0, sizeof r);
	cr_assert_eq(recommend_run(&pl, &r, &e), -1);
	cr_assert_eq(e.code, ERR_STATE);
	struct distill_out d;
	memset(&d, 0, sizeof d);
	cr_assert_eq(distill_run(&pl, &d, &e), -1);
	cr_assert_eq(e.code, ERR_STATE);
	pipeline_destroy(&pl);
}

/* pl's lists against a fresh pipeline's on the sample with its
 * parameters, bit for bit. */
static void lists_as_fresh(const struct pipeline *pl, const char *what)
{
	struct pipeline b;
	struct err e;
	pipeline_init(&b);
	cr_assert_eq(pipeline_load(&b, SAMPLES "/sample.csv", NULL, &e), 0);
	pipeline_set_all(&b, &pl->params, NULL);
	cr_assert_eq(pipeline_run(&b, STAGE_RECOMMEND, &e), 0, "%s", e.msg);
	const struct rec_out *x = &pl->rec, *y = &b.rec;
	cr_assert_eq(x->n_users, y->n_users);
	cr_assert_eq(x->L, y->L, "%s", what);
	size_t n = (size_t)x->n_users * x->L;
	cr_assert_eq(memcmp(x->len, y->len, x->n_users * sizeof *x->len), 0,
	    "%s: lengths", what);
	cr_assert_eq(memcmp(x->items, y->items, n * sizeof *x->items), 0,
	    "%s: items", what);
	cr_assert_eq(memcmp(x->scores, y->scores, n * sizeof *x->scores), 0,
	    "%s: scores", what);
	cr_assert_eq(b.rec.from_cache, 0);
	pipeline_destroy(&b);
}

/* A second run on the same R (only distill.beta changed) keeps each
 * user's best candidates by R; later changes that leave R alone select
 * from them where the bound proves it exact, and score the others in
 * full: every list equals a fresh run's. A change of R kills the cache;
 * its memory holds the next R's. */
Test(recommend, r_changes_select_from_the_candidate_cache)
{
	static const struct { const char *p, *v; bool cache, hits; } change[] = {
		{ "distill.beta", "0.1", false, false },  /* the second run */
		{ "distill.beta", "0.05", true, true },
		{ "distill.beta", "-0.3", true, true },
		{ "rec.n", "15", true, true },
		{ "distill.calibrate", "0.4", true, true },
		{ "distill.beta", "1.5", true, false },   /* the bound fails */
		{ "distill.beta", "0", true, true },
		{ "rec.n", "10", true, true },            /* M as made */
		{ "distill.alpha", "0.5", false, false }, /* a new R */
		/* the second run on it fills the dead cache's memory (of
		 * the same M: the same lengths; ASan's allocator never hands
		 * a freed block back at once, so a new one fails "rebuilt") */
		{ "distill.beta", "0.2", false, false },
		{ "distill.beta", "0.1", true, true },
	};
	struct pipeline pl;
	struct err e;
	pipeline_init(&pl);
	cr_assert_eq(pipeline_load(&pl, SAMPLES "/sample.csv", NULL, &e), 0,
	    "%s", e.msg);
	cr_assert_eq(pipeline_run(&pl, STAGE_RECOMMEND, &e), 0, "%s", e.msg);
	cr_assert_null(pl.rcache, "made by the first run");
	const struct rcache *made = NULL;
	uint32_t full = 0;
	for (size_t k = 0; k < sizeof change / sizeof *change; k++) {
		cr_assert_eq(pipeline_set(&pl, change[k].p, change[k].v, &e),
		    0, "%s", e.msg);
		cr_assert_eq(pipeline_run(&pl, STAGE_RECOMMEND, &e), 0, "%s",
		    e.msg);
		if (k == 0)
			made = pl.rcache;
		cr_assert_not_null(made);
		if (change[k].cache) {
			cr_assert_eq(pl.rcache, made, "%s %s: rebuilt",
			    change[k].p, change[k].v);
			if (change[k].hits)
				cr_assert_gt(pl.rec.from_cache, 0, "%s %s",
				    change[k].p, change[k].v);
			if (pl.rec.from_cache < pl.rec.n_users)
				full++;
		} else {
			cr_assert_eq(pl.rec.from_cache, 0, "%s %s",
			    change[k].p, change[k].v);
		}
		lists_as_fresh(&pl, change[k].p);
	}
	cr_assert_gt(full, 0, "every user passed the bound every time");
	cr_assert(rcache_live(pl.rcache));
	cr_assert_eq(pipeline_set(&pl, "distill.alpha", "0.7", &e), 0);
	cr_assert_eq(pipeline_run(&pl, STAGE_RECOMMEND, &e), 0, "%s", e.msg);
	cr_assert_eq(pl.rec.from_cache, 0);
	cr_assert(!rcache_live(pl.rcache), "the cache of the old R");
	cr_assert_eq(pl.rcache, made, "its memory is kept for the next");
	pipeline_destroy(&pl);
}
