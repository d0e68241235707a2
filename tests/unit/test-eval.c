/*
 * distill — unit tests of the evaluation metrics and the pop/random
 * baselines, on lists written by hand.
 *
 * Fit graph (degrees for novelty and popularity): 3 users, 6 items
 *   u0: {0}   u1: {1,2,3}   u2: {0,4,5}    |E| = 7
 *   deg: item0 2, items 1-5 1;  I = log2(7/2) = 1.807355 or log2 7 =
 *   2.807355. Communities: items 0,1 → 0; items 2-5 → 1.
 * Lists and held-out items:
 *   u0: [5, 1, 3, 2]   T = {1, 2, 4}   hits at ranks 2 and 4
 *   u1: [0]            T = {3}         no hit
 *   u2: [4]            T = {}          not evaluated
 * k = 4 (u0): P = 2/4, R = 2/3, DCG = 1/log2 3 + 1/log2 5 = .6309298 +
 *   .4306766 = 1.0616063, IDCG (min(4,3) = 3 positions) = 1 + .6309298 +
 *   .5 = 2.1309298, NDCG = .4981893; AP = (1/2 + 2/4)/3 = 1/3; RR = 1/2.
 * k = 2 (u0): P = 1/2, R = 1/3, NDCG = .6309298/1.6309298 = .3868528
 *   (ideal=all: .6309298/2.1309298 = .2960819), AP = (1/2)/2 = .25.
 * Averages over the 2 evaluated users halve u0's numbers.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "explain.h"
#include "hand.h"
#include "topk.h"

static const float W[3 * 6] = {
	1, 0, 0, 0, 0, 0,
	0, 1, 1, 1, 0, 0,
	1, 0, 0, 0, 1, 1,
};
static const float T[3 * 6] = {
	0, 1, 1, 0, 1, 0,
	0, 0, 0, 1, 0, 0,
	0, 0, 0, 0, 0, 0,
};
static const float B0[6 * 6] = { 0 };
static const uint32_t C[6] = { 0, 0, 1, 1, 1, 1 };

static const uint32_t LISTS[3 * 4] = {
	5, 1, 3, 2,
	0, NO_ITEM, NO_ITEM, NO_ITEM,
	4, NO_ITEM, NO_ITEM, NO_ITEM,
};
static const uint32_t LEN[3] = { 4, 1, 1 };

static void eval_hand(const char *ideal, struct eval_result *ev)
{
	struct pipeline pl;
	hand_pipeline(&pl, 3, 6, W, T, B0, C, 2);
	params_set(&pl.params, "eval.k", "4,2", NULL);
	params_set(&pl.params, "eval.ndcg_ideal", ideal, NULL);
	params_set(&pl.params, "eval.ile", "on", NULL);
	struct rec_lists rl = { 3, 4, LISTS, LEN };
	eval_lists(&pl, &rl, ev);
	pipeline_destroy(&pl);
}

Test(eval, accuracy_at_two_cutoffs)
{
	struct eval_result ev;
	eval_hand("min", &ev);
	cr_assert_eq(ev.n_users, 2);
	cr_assert_eq(ev.nk, 2);
	const struct eval_row *a = &ev.row[0], *b = &ev.row[1];
	cr_assert_eq(a->k, 4);
	cr_assert_float_eq(a->precision, .25, 1e-12);
	cr_assert_float_eq(a->recall, 1.0 / 3, 1e-12);
	cr_assert_float_eq(a->ndcg, .4981893 / 2, 1e-7);
	cr_assert_float_eq(a->map, 1.0 / 6, 1e-12);
	cr_assert_float_eq(a->mrr, .25, 1e-12);
	cr_assert_float_eq(a->hitrate, .5, 1e-12);
	cr_assert_eq(b->k, 2);
	cr_assert_float_eq(b->precision, .25, 1e-12);
	cr_assert_float_eq(b->recall, 1.0 / 6, 1e-12);
	cr_assert_float_eq(b->ndcg, .3868528 / 2, 1e-7);
	cr_assert_float_eq(b->map, .125, 1e-12);
	cr_assert_float_eq(b->mrr, .25, 1e-12);
}

Test(eval, ndcg_ideal_all)
{
	struct eval_result ev;
	eval_hand("all", &ev);
	/* k = 4: |T| = 3 < 4, same IDCG; k = 2: IDCG over all 3 */
	cr_assert_float_eq(ev.row[0].ndcg, .4981893 / 2, 1e-7);
	cr_assert_float_eq(ev.row[1].ndcg, .2960819 / 2, 1e-7);
}

/*
 * Beyond accuracy at k = 2 (lists of the evaluated users u0, u1):
 *   u0 [5, 1], u1 [0]. Coverage {5,1,0} = 3 of 6 items = .5.
 *   Novelty: u0 mean(2.807355, 2.807355), u1 1.807355 → 2.307355.
 *   ARP: u0 (1+1)/2 = 1, u1 2 → 1.5.
 *   Exposure over 6 items (0,0,0,1,1,1): Gini = 2·15/(6·3) − 7/6 = .5.
 *   ILE: u0 communities {1, 0} → 1 bit; u1 one item → 0; mean .5.
 * k = 4: coverage {5,1,3,2,0} = 5/6.
 */
Test(eval, beyond_accuracy)
{
	struct eval_result ev;
	eval_hand("min", &ev);
	const struct eval_row *b = &ev.row[1];
	cr_assert_float_eq(b->coverage, .5, 1e-12);
	cr_assert_float_eq(b->novelty, 2.307355, 1e-6);
	cr_assert_float_eq(b->arp, 1.5, 1e-12);
	cr_assert_float_eq(b->gini, .5, 1e-12);
	cr_assert_float_eq(b->ile, .5, 1e-12);
	cr_assert_float_eq(ev.row[0].coverage, 5.0 / 6, 1e-12);
}

/* Without eval.ile (and no calibration or learned filter) ile is not
 * reported even though the pipeline holds communities: the output never
 * depends on whether an earlier command computed them. */
Test(eval, ile_only_when_asked)
{
	struct pipeline pl;
	struct eval_result ev;
	hand_pipeline(&pl, 3, 6, W, T, B0, C, 2);
	params_set(&pl.params, "eval.k", "4,2", NULL);
	struct rec_lists rl = { 3, 4, LISTS, LEN };
	eval_lists(&pl, &rl, &ev);
	cr_assert(isnan(ev.row[1].ile));
	cr_assert_float_eq(ev.row[1].coverage, .5, 1e-12);
	pipeline_destroy(&pl);
}

/*
 * Baselines on the 3-user graph of test-distill: u0 {0,1}, u1 {1,2},
 * u2 {0,2,3}; deg 2,2,2,1. Popularity order 0,1,2,3 (ties by index):
 * u0 → [2,3], u1 → [0,3], u2 → [1]. Held out: u0 {3}, u1 {0}.
 * k = 1: u0 [2] misses, u1 [0] hits: HitRate = P = .5, NDCG = .5.
 */
static const float W3[3 * 4] = { 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1 };
static const float T3[3 * 4] = { 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0 };
static const float B3[4 * 4] = { 0 };

Test(eval, pop_and_random_baselines)
{
	struct pipeline pl;
	struct err e;
	struct eval_result ev, r1, r2;
	hand_pipeline(&pl, 3, 4, W3, T3, B3, NULL, 0);
	params_set(&pl.params, "eval.k", "1,2", NULL);
	cr_assert_eq(hand_run(&pl, &e), 0, "%s", e.msg);
	cr_assert_eq(eval_baseline(&pl, BASE_POP, &ev, &e), 0, "%s", e.msg);
	cr_assert_eq(ev.n_users, 2);
	cr_assert_float_eq(ev.row[0].hitrate, .5, 1e-12);
	cr_assert_float_eq(ev.row[0].precision, .5, 1e-12);
	cr_assert_float_eq(ev.row[0].ndcg, .5, 1e-12);
	/* k = 2: both hit (u0 at rank 2, u1 at rank 1) */
	cr_assert_float_eq(ev.row[1].hitrate, 1, 1e-12);
	cr_assert_float_eq(ev.row[1].mrr, .75, 1e-12);
	cr_assert_eq(eval_baseline(&pl, BASE_RANDOM, &r1, &e), 0);
	cr_assert_eq(eval_baseline(&pl, BASE_RANDOM, &r2, &e), 0);
	cr_assert_float_eq(r1.row[1].ndcg, r2.row[1].ndcg, 1e-15);
	/* u0 and u1 have exactly two unseen items: k = 2 always hits */
	cr_assert_float_eq(r1.row[1].hitrate, 1, 1e-12);
	cr_assert_str_eq(baseline_name(BASE_ITEMKNN), "itemknn");
	pipeline_destroy(&pl);
}

Test(eval, baseline_needs_fresh_pipeline)
{
	struct pipeline pl;
	struct err e;
	struct eval_result ev;
	pipeline_init(&pl);
	cr_assert_eq(eval_baseline(&pl, BASE_POP, &ev, &e), -1);
	cr_assert_eq(e.code, ERR_STATE);
	pipeline_destroy(&pl);
}

/* Under abstract.cluster none every item is its own "community": ile
 * would be log2 of the list length, so it is not reported. */
Test(eval, ile_not_reported_without_communities)
{
	struct pipeline pl;
	struct eval_result ev;
	hand_pipeline(&pl, 3, 6, W, T, B0, C, 2);
	params_set(&pl.params, "eval.k", "4,2", NULL);
	params_set(&pl.params, "eval.ile", "on", NULL);
	params_set(&pl.params, "abstract.cluster", "none", NULL);
	struct rec_lists rl = { 3, 4, LISTS, LEN };
	eval_lists(&pl, &rl, &ev);
	cr_assert(isnan(ev.row[1].ile));
	pipeline_destroy(&pl);
}

#ifdef _OPENMP
#include <omp.h>
#endif

/* The metrics are sums of doubles over users: they must not depend on how
 * many threads summed them or on which thread took which users (batch
 * output never depends on timing). 3000 users with lists of 1-10 of 40
 * items, drawn by an LCG; every sum compared bit for bit. */
Test(eval, sums_independent_of_threads)
{
	enum { U = 3000, I = 40, L = 10 };
	float *w = calloc((size_t)U * I, sizeof *w);
	float *t = calloc((size_t)U * I, sizeof *t);
	float *b = calloc((size_t)I * I, sizeof *b);
	uint32_t *lists = malloc((size_t)U * L * sizeof *lists);
	uint32_t *len = malloc(U * sizeof *len);
	uint32_t comm[I] = { 0 };
	uint64_t x = 12345;
	for (size_t k = 0; k < (size_t)U * I; k++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		unsigned r = (unsigned)(x >> 33) % 10;
		w[k] = r < 2 ? 1 : 0;
		t[k] = r == 2 ? 1 : 0;
	}
	for (uint32_t u = 0; u < U; u++) {
		len[u] = 1 + u % L;
		for (uint32_t r = 0; r < L; r++)
			lists[(size_t)u * L + r] = r < len[u] ?
			    (u * 7 + r) % I : NO_ITEM;
	}
	struct pipeline pl;
	hand_pipeline(&pl, U, I, w, t, b, comm, 1);
	params_set(&pl.params, "eval.k", "10,3", NULL);
	struct rec_lists rl = { U, L, lists, len };
	struct eval_result one, two;
#ifdef _OPENMP
	int was = omp_get_max_threads();
	omp_set_num_threads(1);
#endif
	eval_lists(&pl, &rl, &one);
	for (int rep = 0; rep < 40; rep++) {
#ifdef _OPENMP
		omp_set_num_threads(2 + rep % 2);
#endif
		eval_lists(&pl, &rl, &two);
		for (int q = 0; q < 2; q++) {
			const struct eval_row *a = &one.row[q], *c = &two.row[q];
			cr_assert(a->precision == c->precision &&
			    a->recall == c->recall && a->ndcg == c->ndcg &&
			    a->map == c->map && a->mrr == c->mrr &&
			    a->hitrate == c->hitrate &&
			    a->novelty == c->novelty && a->arp == c->arp,
			    "k=%d run %d: a sum depends on the threads "
			    "(arp %.17g vs %.17g)", a->k, rep, a->arp, c->arp);
		}
	}
#ifdef _OPENMP
	omp_set_num_threads(was);
#endif
	pipeline_destroy(&pl);
	free(w);
	free(t);
	free(b);
	free(lists);
	free(len);
}
