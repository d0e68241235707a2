/*
 * distill — unit tests of the abstract stage: co-occurrence, the five
 * metrics, threshold/top-k with ties, row order, statistics, communities,
 * user entropy, abstract_pair, cancellation and empty results. Every
 * expected number is computed by hand in the comments (graph in tiny.h).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <string.h>

#include "tiny.h"
#include "topk.h"

#define EPS 1e-6

static struct pipeline pl;

static void teardown(void)
{
	pipeline_destroy(&pl);
}

static void tiny_with(const char *metric)
{
	tiny_graph(&pl, 4, 5, TINY, sizeof TINY / sizeof TINY[0]);
	tiny_set(&pl, "abstract.metric", metric);
	tiny_set(&pl, "abstract.topk", "0");
}

Test(abstract, cooccurrence_and_cosine, .fini = teardown)
{
	tiny_with("cosine");
	tiny_abstract(&pl);
	/* ‖w_0‖ = √(1+4) = √5, ‖w_1‖ = √3, ‖w_2‖ = ‖w_3‖ = √2, ‖w_4‖ = 2.
	 * s01 = 3/√15 = 0.774597, s02 = 1/√10 = 0.316228,
	 * s12 = 2/√6 = 0.816497, s13 = 1/√6 = 0.408248, s23 = 1/2,
	 * s34 = 2/(√2·2) = 0.707107; symmetric. */
	const struct csr *S = &pl.abs.S;
	cr_assert_float_eq(tiny_s(S, 0, 1), 0.774597, EPS);
	cr_assert_float_eq(tiny_s(S, 1, 0), 0.774597, EPS);
	cr_assert_float_eq(tiny_s(S, 0, 2), 0.316228, EPS);
	cr_assert_float_eq(tiny_s(S, 1, 2), 0.816497, EPS);
	cr_assert_float_eq(tiny_s(S, 3, 1), 0.408248, EPS);
	cr_assert_float_eq(tiny_s(S, 2, 3), 0.5, EPS);
	cr_assert_float_eq(tiny_s(S, 4, 3), 0.707107, EPS);
	cr_assert(isnan(tiny_s(S, 0, 3)), "C03 = 0: no edge");
	cr_assert(isnan(tiny_s(S, 0, 0)), "no self edge");
	cr_assert_eq(pl.abs.st.candidate_pairs, 12);
	cr_assert_eq(pl.abs.st.kept_edges, 12);
	/* row 1: s12 .816 > s10 .775 > s13 .408 */
	cr_assert_eq(S->ptr[2] - S->ptr[1], 3);
	cr_assert_eq(S->idx[S->ptr[1]], 2);
	cr_assert_eq(S->idx[S->ptr[1] + 1], 0);
	cr_assert_eq(S->idx[S->ptr[1] + 2], 3);
	double c, s;
	int rank;
	enum cut_reason r;
	cr_assert_eq(abstract_pair(&pl, 0, 1, &c, &s, &rank, &r), 0);
	cr_assert_float_eq(c, 3, EPS);
	cr_assert_float_eq(s, 0.774597, EPS);
	abstract_pair(&pl, 4, 3, &c, NULL, NULL, NULL);
	cr_assert_float_eq(c, 2, EPS);
}

Test(abstract, cosine_shrink, .fini = teardown)
{
	tiny_with("cosine");
	tiny_set(&pl, "abstract.shrink", "1");
	tiny_abstract(&pl);
	/* s01 = 3/(√15 + 1) = 3/4.872983 = 0.615639 */
	cr_assert_float_eq(tiny_s(&pl.abs.S, 0, 1), 0.615639, EPS);
}

Test(abstract, jaccard_counts_not_weights, .fini = teardown)
{
	tiny_with("jaccard");
	tiny_abstract(&pl);
	/* |N(0)∩N(1)| = 2, |N(0)∪N(1)| = 3 → 2/3 (u1's weight 2 ignored);
	 * 0-2: 1/3; 1-2: 2/3; 1-3: 1/(3+2−1) = 1/4; 2-3: 1/3; 3-4: 1/2. */
	const struct csr *S = &pl.abs.S;
	cr_assert_float_eq(tiny_s(S, 0, 1), 2.0 / 3, EPS);
	cr_assert_float_eq(tiny_s(S, 2, 0), 1.0 / 3, EPS);
	cr_assert_float_eq(tiny_s(S, 1, 2), 2.0 / 3, EPS);
	cr_assert_float_eq(tiny_s(S, 1, 3), 0.25, EPS);
	cr_assert_float_eq(tiny_s(S, 3, 2), 1.0 / 3, EPS);
	cr_assert_float_eq(tiny_s(S, 3, 4), 0.5, EPS);
}

Test(abstract, asym, .fini = teardown)
{
	tiny_with("asym");
	tiny_set(&pl, "abstract.asym_alpha", "0.25");
	tiny_abstract(&pl);
	/* Σw² : 0→5, 1→3, 3→2, 4→4. s_ij = C/(Σw²_i^0.25 · Σw²_j^0.75):
	 * s01 = 3/(5^.25·3^.75) = 3/(1.495349·2.279507) = 0.880112,
	 * s10 = 3/(3^.25·5^.75) = 3/(1.316074·3.343702) = 0.681732,
	 * s34 = 2/(2^.25·4^.75) = 2/(1.189207·2.828427) = 0.594604,
	 * s43 = 2/(4^.25·2^.75) = 2/(1.414214·1.681793) = 0.840896. */
	const struct csr *S = &pl.abs.S;
	cr_assert_float_eq(tiny_s(S, 0, 1), 0.880112, EPS);
	cr_assert_float_eq(tiny_s(S, 1, 0), 0.681732, EPS);
	cr_assert_float_eq(tiny_s(S, 3, 4), 0.594604, EPS);
	cr_assert_float_eq(tiny_s(S, 4, 3), 0.840896, EPS);
}

Test(abstract, p3_alpha_1_and_2, .fini = teardown)
{
	tiny_with("p3");
	tiny_set(&pl, "abstract.alpha", "1");
	tiny_abstract(&pl);
	/* item sums: 3,3,2,2,2; user sums: 3,3,3,3.
	 * p01 = P0,u0·Pu0,1 + P0,u1·Pu1,1 = (1/3)(1/3) + (2/3)(1/3) = 1/3
	 * p12 = (1/3)(1/3) + (1/3)(1/3) = 2/9;  p21 = (1/2)(1/3)·2 = 1/3
	 * p34 = P3,u3·Pu3,4 = (1/2)(2/3) = 1/3; p43 = 1·(1/3) = 1/3
	 * p02 = (1/3)(1/3) = 1/9 */
	const struct csr *S = &pl.abs.S;
	cr_assert_float_eq(tiny_s(S, 0, 1), 1.0 / 3, EPS);
	cr_assert_float_eq(tiny_s(S, 1, 2), 2.0 / 9, EPS);
	cr_assert_float_eq(tiny_s(S, 2, 1), 1.0 / 3, EPS);
	cr_assert_float_eq(tiny_s(S, 3, 4), 1.0 / 3, EPS);
	cr_assert_float_eq(tiny_s(S, 4, 3), 1.0 / 3, EPS);
	cr_assert_float_eq(tiny_s(S, 0, 2), 1.0 / 9, EPS);
	abstract_out_destroy(&pl.abs);
	tiny_set(&pl, "abstract.alpha", "2");
	tiny_abstract(&pl);
	/* p01 = (1/3)²(1/3)² + (2/3)²(1/3)² = 1/81 + 4/81 = 5/81 */
	cr_assert_float_eq(tiny_s(&pl.abs.S, 0, 1), 5.0 / 81, EPS);
}

Test(abstract, rp3, .fini = teardown)
{
	tiny_with("rp3");
	tiny_set(&pl, "abstract.beta", "0.5");
	tiny_abstract(&pl);
	/* deg: 2,3,2,2,1. rp01 = (1/3)/√3 = 0.192450,
	 * rp10 = (1/3)/√2 = 0.235702, rp34 = (1/3)/1 = 1/3 */
	const struct csr *S = &pl.abs.S;
	cr_assert_float_eq(tiny_s(S, 0, 1), 0.192450, EPS);
	cr_assert_float_eq(tiny_s(S, 1, 0), 0.235702, EPS);
	cr_assert_float_eq(tiny_s(S, 3, 4), 1.0 / 3, EPS);
}

Test(abstract, topk_ties_by_item_index, .fini = teardown)
{
	tiny_with("p3");
	tiny_set(&pl, "abstract.topk", "2");
	tiny_abstract(&pl);
	/* p3 rows: 0: {1:1/3, 2:1/9}; 1: {0:1/3, 2:2/9, 3:1/9};
	 * 2: {1:1/3, 0:1/6, 3:1/6}; 3: {4:1/3, 1:1/6, 2:1/6}; 4: {3:1/3}.
	 * top-2 cuts 1→3, 2→3 (tie with 2→0, larger index loses) and 3→2
	 * (tie with 3→1): cut_topk = 3, kept = 12 − 3 = 9. */
	const struct csr *S = &pl.abs.S;
	cr_assert_eq(pl.abs.st.cut_topk, 3);
	cr_assert_eq(pl.abs.st.cut_threshold, 0);
	cr_assert_eq(pl.abs.st.kept_edges, 9);
	cr_assert_eq(S->nnz, 9);
	cr_assert_eq(S->idx[S->ptr[2]], 1);
	cr_assert_eq(S->idx[S->ptr[2] + 1], 0);
	cr_assert_eq(S->idx[S->ptr[3]], 4);
	cr_assert_eq(S->idx[S->ptr[3] + 1], 1);
	cr_assert(isnan(tiny_s(S, 2, 3)));
	cr_assert(isnan(tiny_s(S, 3, 2)));
	/* abstract_pair: 2→3 is third in row 2 (tie broken by index) */
	double c, s;
	int rank;
	enum cut_reason r;
	abstract_pair(&pl, 2, 3, &c, &s, &rank, &r);
	cr_assert_float_eq(c, 1, EPS);
	cr_assert_float_eq(s, 1.0 / 6, EPS);
	cr_assert_eq(rank, 3);
	cr_assert_eq(r, CUT_TOPK);
	abstract_pair(&pl, 2, 0, NULL, NULL, &rank, &r);
	cr_assert_eq(rank, 2);
	cr_assert_eq(r, CUT_NONE);
	abstract_pair(&pl, 0, 3, &c, &s, &rank, &r);
	cr_assert_eq(c, 0);
	cr_assert_eq(rank, 0, "never co-occur: not a candidate");
	cr_assert_eq(r, CUT_NONE);
	abstract_pair(&pl, 1, 1, NULL, NULL, &rank, &r);
	cr_assert_eq(r, CUT_SELF);
	cr_assert_eq(abstract_pair(&pl, 1, 5, NULL, NULL, NULL, NULL), -1);
}

Test(abstract, threshold_and_histogram, .fini = teardown)
{
	tiny_with("p3");
	tiny_set(&pl, "abstract.threshold", "0.2");
	tiny_abstract(&pl);
	/* s ≥ 0.2: row0 {1}, row1 {0, 2 (2/9 = .222)}, row2 {1}, row3 {4},
	 * row4 {3}: kept 6 of 12, cut_threshold = 6. */
	const struct abstract_stats *st = &pl.abs.st;
	cr_assert_eq(st->kept_edges, 6);
	cr_assert_eq(st->cut_threshold, 6);
	cr_assert_eq(st->cut_topk, 0);
	cr_assert_float_eq(tiny_s(&pl.abs.S, 1, 2), 2.0 / 9, EPS);
	enum cut_reason r;
	abstract_pair(&pl, 1, 3, NULL, NULL, NULL, &r);
	cr_assert_eq(r, CUT_THRESHOLD);
	/* every candidate lands in a bin; range covers [0, max = 1/3] */
	const struct histogram *h = &st->sim_hist;
	uint64_t tot = 0;
	for (int b = 0; b < h->nbins; b++)
		tot += h->count[b];
	cr_assert_eq(tot, 12);
	cr_assert_float_eq(h->marker, 0.2, 1e-12);
	cr_assert_geq(h->edge[h->nbins], 1.0 / 3);
	cr_assert_leq(h->edge[h->nbins], 1.0 / 3 * 1.05);
	/* the 6 values ≥ 0.2 are 2/9 and five 1/3: all in bins above 0.2 */
	uint64_t above = 0;
	for (int b = 0; b < h->nbins; b++)
		if (h->edge[b] >= 0.2)
			above += h->count[b];
	cr_assert_eq(above, 6);
}

Test(abstract, degrees_components, .fini = teardown)
{
	tiny_with("cosine");
	tiny_abstract(&pl);
	tiny_abstract_insight(&pl);
	/* out-degrees 2,3,3,3,1 (max 3, min 1); all 5 items connected */
	const struct abstract_stats *st = &pl.abs.st;
	cr_assert_eq(st->out_deg.max, 3);
	cr_assert_eq(st->out_deg.min, 1);
	cr_assert_eq(st->n_components, 1);
	cr_assert_eq(st->largest_component, 5);
	/* symmetrised edges 01 02 12 13 23 34: triangles {012},{123};
	 * connected triples Σ C(d,2) with d = 2,3,3,3,1: 1+3+3+3+0 = 10;
	 * transitivity = 3·2/10 = 0.6 */
	cr_assert_float_eq(st->clustering, 0.6, EPS);
}

Test(abstract, communities_found_and_deterministic, .fini = teardown)
{
	cliques_graph(&pl);
	tiny_set(&pl, "abstract.metric", "cosine");
	tiny_set(&pl, "abstract.seed", "7");
	tiny_abstract(&pl);
	cr_assert_null(pl.abs.community, "the result path detects nothing");
	tiny_abstract_insight(&pl);
	const struct abstract_out *a = &pl.abs;
	cr_assert_eq(a->n_comm, 2);
	for (int i = 1; i < 5; i++) {
		cr_assert_eq(a->community[i], a->community[0]);
		cr_assert_eq(a->community[5 + i], a->community[5]);
	}
	cr_assert_neq(a->community[0], a->community[5]);
	cr_assert_eq(a->comm_size[0] + a->comm_size[1], 10);
	cr_assert_gt(a->st.modularity, 0.3);
	/* user 0 lives in one community: H = 0; user 12 splits 1/2–1/2:
	 * H = −2·(1/2)log2(1/2) = 1 bit */
	cr_assert_float_eq(a->user_entropy[0], 0, EPS);
	cr_assert_float_eq(a->user_entropy[12], 1, EPS);
	/* central items: by in-degree from the same community (self
	 * loops not counted), then in-strength, then the smaller index;
	 * drawn from that community; the slots past a 5-item community's
	 * size stay empty */
	cr_assert_null(community_central(&pl, 2), "no community 2");
	for (uint32_t c = 0; c < 2; c++) {
		const uint32_t *central = community_central(&pl, c);
		cr_assert_not_null(central);
		double pdeg = INFINITY, pin = INFINITY;
		for (int q = 0; q < 5; q++) {
			uint32_t i = central[q];
			cr_assert_neq(i, NO_ITEM);
			cr_assert_eq(a->community[i], c);
			double in = 0, deg = 0;
			for (uint32_t r = 0; r < a->S.nrows; r++)
				for (uint64_t e = a->S.ptr[r]; e < a->S.ptr[r + 1];
				    e++)
					if (a->S.idx[e] == i && r != i &&
					    a->community[r] == c) {
						in += a->S.val[e];
						deg++;
					}
			cr_assert(deg < pdeg || (deg == pdeg && in <= pin));
			pdeg = deg;
			pin = in;
		}
		for (int q = 5; q < COMM_CENTRAL; q++)
			cr_assert_eq(central[q], NO_ITEM);
	}
	uint32_t first[10];
	memcpy(first, a->community, sizeof first);
	double q = a->st.modularity;
	for (int run = 0; run < 3; run++) {
		abstract_out_destroy(&pl.abs);
		tiny_abstract(&pl);
		tiny_abstract_insight(&pl);
		cr_assert_arr_eq(pl.abs.community, first, sizeof first);
		cr_assert_eq(pl.abs.st.modularity, q);
	}
}

/*
 * Three groups of nine items, interleaved (item i in group i % 3), each
 * bought whole by its own six users, and one user across two groups.
 * Every row of S has eight relations or more, so Leiden starts from the
 * communities of each item's five strongest and works on S with the
 * items renamed in the order of that start: the communities must still
 * be the groups, item for item, and the same on every run.
 */
Test(abstract, leiden_start_finds_interleaved_groups, .fini = teardown)
{
	struct trip t[192];
	size_t n = 0;
	for (uint32_t u = 0; u < 18; u++)
		for (uint32_t k = 0; k < 9; k++)
			t[n++] = (struct trip){ u, 3 * k + u % 3, 1 };
	t[n++] = (struct trip){ 18, 0, 1 };
	t[n++] = (struct trip){ 18, 1, 1 };
	tiny_graph(&pl, 19, 27, t, n);
	tiny_set(&pl, "abstract.metric", "cosine");
	tiny_abstract(&pl);
	for (uint32_t i = 0; i < 27; i++)
		cr_assert_gt(csr_row_len(&pl.abs.S, i), 5);
	tiny_abstract_insight(&pl);
	const struct abstract_out *a = &pl.abs;
	cr_assert_eq(a->n_comm, 3);
	for (uint32_t i = 0; i < 27; i++)
		cr_assert_eq(a->community[i], a->community[i % 3], "item %u",
		    i);
	cr_assert_neq(a->community[0], a->community[1]);
	cr_assert_neq(a->community[0], a->community[2]);
	cr_assert_neq(a->community[1], a->community[2]);
	cr_assert_gt(a->st.modularity, 0.6);
}

Test(abstract, louvain_and_none, .fini = teardown)
{
	cliques_graph(&pl);
	tiny_set(&pl, "abstract.metric", "cosine");
	tiny_set(&pl, "abstract.cluster", "louvain");
	tiny_abstract(&pl);
	tiny_abstract_insight(&pl);
	cr_assert_eq(pl.abs.n_comm, 2);
	cr_assert_neq(pl.abs.community[0], pl.abs.community[9]);
	abstract_out_destroy(&pl.abs);
	tiny_set(&pl, "abstract.cluster", "none");
	tiny_abstract(&pl);
	tiny_abstract_insight(&pl);
	/* none: every item its own community; user 0 spreads over 5
	 * singletons equally: H = log2 5 = 2.321928 */
	cr_assert_eq(pl.abs.n_comm, 10);
	cr_assert_float_eq(pl.abs.user_entropy[0], 2.321928, EPS);
	cr_assert_eq(pl.abs.comm_size[pl.abs.comm_order[0]], 1);
}

Test(abstract, cancellation, .fini = teardown)
{
	tiny_with("rp3");
	volatile sig_atomic_t flag = 1;
	pl.hooks.cancel = &flag;
	struct err e;
	cr_assert_eq(abstract_run(&pl, &pl.abs, &e), -1);
	cr_assert_eq(e.code, ERR_INTERRUPTED, "%s", e.msg);
}

Test(abstract, empty_results_name_the_parameter, .fini = teardown)
{
	struct err e;
	tiny_with("cosine");
	tiny_set(&pl, "abstract.threshold", "5");
	cr_assert_eq(abstract_run(&pl, &pl.abs, &e), -1);
	cr_assert_eq(e.code, ERR_EMPTY);
	cr_assert(strstr(e.msg, "abstract.threshold"), "%s", e.msg);
	abstract_out_destroy(&pl.abs);
	pipeline_destroy(&pl);
	/* every user has one item: no co-occurrence at all */
	static const struct trip lone[] = { { 0, 0, 1 }, { 1, 1, 1 } };
	tiny_graph(&pl, 2, 2, lone, 2);
	cr_assert_eq(abstract_run(&pl, &pl.abs, &e), -1);
	cr_assert_eq(e.code, ERR_EMPTY);
	cr_assert(strstr(e.msg, "graph.min_rating"), "%s", e.msg);
}

Test(abstract, needs_graph, .fini = teardown)
{
	struct err e;
	pipeline_init(&pl);
	cr_assert_eq(abstract_run(&pl, &pl.abs, &e), -1);
	cr_assert_eq(e.code, ERR_STATE);
}

/* The same S, bit for bit. */
static void same_s(const struct csr *a, const struct csr *b,
    const char *what)
{
	cr_assert_eq(a->nnz, b->nnz, "%s: nnz", what);
	cr_assert_eq(memcmp(a->ptr, b->ptr, (a->nrows + 1) * sizeof *a->ptr),
	    0, "%s: row pointers", what);
	cr_assert_eq(memcmp(a->idx, b->idx, a->nnz * sizeof *a->idx), 0,
	    "%s: columns", what);
	cr_assert_eq(memcmp(a->val, b->val, a->nnz * sizeof *a->val), 0,
	    "%s: values", what);
}

/* S and its statistics from the candidate cache (a threshold or top-k
 * change on a pipeline that has run) equal a fresh build. */
static void same_abstract(const struct abstract_out *a,
    const struct abstract_out *b, const char *what)
{
	same_s(&a->S, &b->S, what);
	cr_assert_eq(a->st.candidate_pairs, b->st.candidate_pairs);
	cr_assert_eq(a->st.cut_threshold, b->st.cut_threshold, "%s", what);
	cr_assert_eq(a->st.cut_topk, b->st.cut_topk, "%s", what);
	cr_assert_eq(memcmp(&a->st.sim_hist, &b->st.sim_hist,
	    sizeof a->st.sim_hist), 0, "%s: histogram", what);
	cr_assert_eq(a->n_comm, b->n_comm, "%s: communities", what);
	/* the communities are S's, whatever changes led to it (DESIGN
	 * §2.1: Leiden's start comes from S, not from the history) */
	cr_assert_eq(!a->community, !b->community, "%s", what);
	if (a->community)
		cr_assert_arr_eq(a->community, b->community, a->S.nrows *
		    sizeof *a->community, "%s: membership", what);
	cr_assert_eq(a->st.modularity, b->st.modularity, "%s", what);
}

/* got (and, with `insight`, its tallies after the insight; without,
 * only S when `s_only`) against a fresh pipeline on the sample with
 * parameters p, never cached before. */
static void fresh_equals(const struct params *p,
    const struct abstract_out *got, bool insight, bool s_only,
    const char *what)
{
	struct pipeline b;
	struct err e;
	pipeline_init(&b);
	cr_assert_eq(pipeline_load(&b, SAMPLES "/sample.csv", NULL, &e), 0);
	pipeline_set_all(&b, p, NULL);
	cr_assert_eq(pipeline_run(&b, STAGE_ABSTRACT, &e), 0);
	if (insight)
		cr_assert_eq(pipeline_insight(&b, STAGE_ABSTRACT, &e), 0);
	if (s_only)
		same_s(&got->S, &b.abs.S, what);
	else
		same_abstract(got, &b.abs, what);
	pipeline_destroy(&b);
}

static void same_as_fresh(struct pipeline *a, bool insight, const char *what)
{
	struct err e;
	if (insight)
		cr_assert_eq(pipeline_insight(a, STAGE_ABSTRACT, &e), 0, "%s",
		    e.msg);
	fresh_equals(&a->params, &a->abs, insight, false, what);
}

/* The sample loaded into a (initialised, its test flags set) and its
 * abstract stage run. */
static void sample_abstract(struct pipeline *a)
{
	struct err e;
	cr_assert_eq(pipeline_load(a, SAMPLES "/sample.csv", NULL, &e), 0,
	    "%s", e.msg);
	cr_assert_eq(pipeline_run(a, STAGE_ABSTRACT, &e), 0, "%s", e.msg);
}

Test(abstract, candidate_cache_equals_a_fresh_build)
{
	static const char *const change[][2] = {
		{ "abstract.threshold", "0.002" }, { "abstract.topk", "7" },
		{ "abstract.threshold", "0" }, { "abstract.topk", "0" },
	};
	struct pipeline a;
	struct err e;
	pipeline_init(&a);
	sample_abstract(&a);
	cr_assert(simcache_size(a.simcache) > 0, "the sample is cached");
	for (size_t k = 0; k < sizeof change / sizeof *change; k++) {
		cr_assert_eq(pipeline_set(&a, change[k][0], change[k][1], &e),
		    0);
		cr_assert_eq(pipeline_run(&a, STAGE_ABSTRACT, &e), 0, "%s",
		    e.msg);
		same_as_fresh(&a, false, change[k][0]);
	}
	/* a metric parameter changes the key: rebuilt, not reused */
	cr_assert_eq(pipeline_set(&a, "abstract.beta", "0.3", &e), 0);
	cr_assert_eq(pipeline_run(&a, STAGE_ABSTRACT, &e), 0);
	same_as_fresh(&a, false, "abstract.beta");
	pipeline_destroy(&a);
}

/* Without the candidate cache (a log too large for it), a tighter
 * threshold or a smaller top-k keeps a prefix of each row of the current
 * S: the same S as a fresh build; the cut tallies come with the insight
 * and equal the fresh build's too. A looser one rebuilds. */
Test(abstract, tighter_selection_is_a_prefix_of_s)
{
	static const char *const change[][2] = {
		{ "abstract.threshold", "0.002" }, { "abstract.topk", "7" },
		{ "abstract.threshold", "0.003" }, { "abstract.topk", "50" },
	};
	struct pipeline a;
	struct err e;
	pipeline_init(&a);
	sample_abstract(&a);
	for (size_t k = 0; k < sizeof change / sizeof *change; k++) {
		simcache_free(a.simcache);   /* as if it had not fitted */
		a.simcache = NULL;
		cr_assert_eq(pipeline_set(&a, change[k][0], change[k][1], &e),
		    0);
		cr_assert_eq(pipeline_run(&a, STAGE_ABSTRACT, &e), 0, "%s",
		    e.msg);
		/* the last change loosens top-k: rebuilt, exact at once */
		bool derived = k + 1 < sizeof change / sizeof *change;
		cr_assert_eq(a.abs.tally_pending, derived, "%s", change[k][0]);
		same_as_fresh(&a, true, change[k][0]);
		cr_assert_not(a.abs.tally_pending);
	}
	pipeline_destroy(&a);
}

/* Without the candidate cache, the last S the kernel built is kept as a
 * base: a threshold lowered again, or a top-k raised back, is a prefix
 * of it (no kernel: the cut tallies are pending), the same S and, after
 * the insight, the same tallies as a fresh build. A bounded S built at a
 * threshold is built at 0 for the base. */
Test(abstract, base_covers_a_loosening)
{
	static const struct { const char *p, *v; bool kernel; } change[] = {
		{ "abstract.threshold", "0.002", false },
		{ "abstract.threshold", "0", false },      /* the base */
		{ "abstract.topk", "7", false },
		{ "abstract.threshold", "0.003", false },
		{ "abstract.topk", "100", false },         /* the base */
		{ "abstract.topk", "150", true },          /* built at 0 */
		{ "abstract.threshold", "0.001", false },  /* its base */
		{ "abstract.threshold", "0", false },
		{ "abstract.metric", "cosine", true },     /* a new key */
	};
	struct pipeline a;
	struct err e;
	pipeline_init(&a);
	a.no_simcache = true;
	sample_abstract(&a);
	cr_assert_null(a.simcache);
	cr_assert_not_null(a.sbase);
	for (size_t k = 0; k < sizeof change / sizeof *change; k++) {
		const struct sbase *was = a.sbase;
		cr_assert_eq(pipeline_set(&a, change[k].p, change[k].v, &e),
		    0);
		cr_assert_eq(pipeline_run(&a, STAGE_ABSTRACT, &e), 0, "%s",
		    e.msg);
		cr_assert_eq(a.sbase != was, change[k].kernel, "%s %s: the "
		    "kernel %s", change[k].p, change[k].v, change[k].kernel ?
		    "did not run" : "ran");
		/* S at 0 is the kernel's own, its tallies exact */
		bool at0 = change[k].kernel && a.abs.threshold > 0;
		cr_assert_eq(a.abs.tally_pending, !change[k].kernel || at0,
		    "%s %s", change[k].p, change[k].v);
		/* a base the kernel built at the published threshold is
		 * the published S itself, not a copy */
		cr_assert_eq(a.sbase->shared, change[k].kernel && !at0,
		    "%s %s", change[k].p, change[k].v);
		if (a.sbase->shared)
			cr_assert_eq(a.sbase->S.idx, a.abs.S.idx);
		same_as_fresh(&a, true, change[k].p);
	}
	pipeline_destroy(&a);
}

/* A base that shares the S of a run that then fails (S empty) goes with
 * it; the published S and a later loosening are as before. */
Test(abstract, base_of_a_failed_run_goes_with_it)
{
	struct pipeline a;
	struct err e;
	pipeline_init(&a);
	a.no_simcache = true;
	sample_abstract(&a);
	cr_assert(a.sbase && a.sbase->shared, "the first S is the base");
	cr_assert_eq(pipeline_set(&a, "abstract.topk", "0", &e), 0);
	cr_assert_eq(pipeline_set(&a, "abstract.threshold", "0.999", &e), 0);
	cr_assert_eq(pipeline_set(&a, "abstract.metric", "cosine", &e), 0);
	const uint32_t *pub = a.abs.S.idx;
	cr_assert_neq(pipeline_run(&a, STAGE_ABSTRACT, &e), 0,
	    "an empty S is an error");
	cr_assert_eq(a.abs.S.idx, pub, "the published S was kept");
	cr_assert(!a.sbase || !a.sbase->shared || a.sbase->S.idx == pub,
	    "a base shares a freed S");
	cr_assert_eq(pipeline_set(&a, "abstract.threshold", "0", &e), 0);
	cr_assert_eq(pipeline_run(&a, STAGE_ABSTRACT, &e), 0, "%s", e.msg);
	same_as_fresh(&a, true, "threshold 0 after the failure");
	pipeline_destroy(&a);
}

/* Many candidates (large_simcache: as if the sample had Gowalla's) are
 * not cached by a first build, whose pages a one-shot run would pay for
 * nothing: the base serves the changes it covers, and the first change it
 * does not (a larger top-k) builds the same candidates again and caches
 * them; later changes select from that cache. A new key starts over. */
Test(abstract, many_candidates_are_cached_on_their_second_build)
{
	static const struct { const char *p, *v; int cache; } change[] = {
		{ "abstract.threshold", "0.002", 0 },   /* a prefix */
		{ "abstract.topk", "150", 1 },          /* built again */
		{ "abstract.threshold", "0", 2 },       /* from the cache */
		{ "abstract.topk", "0", 2 },
		{ "abstract.metric", "cosine", 0 },     /* a new key */
	};
	struct pipeline a;
	struct err e;
	pipeline_init(&a);
	a.large_simcache = true;
	sample_abstract(&a);
	cr_assert_null(a.simcache, "a first build cached many candidates");
	cr_assert_not_null(a.sbase);
	const struct simcache *was = NULL;
	for (size_t k = 0; k < sizeof change / sizeof *change; k++) {
		cr_assert_eq(pipeline_set(&a, change[k].p, change[k].v, &e),
		    0);
		cr_assert_eq(pipeline_run(&a, STAGE_ABSTRACT, &e), 0, "%s",
		    e.msg);
		if (change[k].cache == 0)
			cr_assert(!a.simcache || !simcache_holds(a.simcache,
			    &a.abs.key), "%s %s: cached", change[k].p,
			    change[k].v);
		else
			cr_assert(simcache_holds(a.simcache, &a.abs.key),
			    "%s %s: not cached", change[k].p, change[k].v);
		if (change[k].cache == 2)
			cr_assert_eq(a.simcache, was, "%s %s: the cache was "
			    "rebuilt", change[k].p, change[k].v);
		was = a.simcache;
		same_as_fresh(&a, true, change[k].p);
	}
	pipeline_destroy(&a);
}

/* A scratch run (sweep, tune) cannot fill the cache of the pipeline it
 * borrows from: when its S is a second build of the base's candidates,
 * scratch_run_owner builds them into the pipeline's own cache first,
 * and the scratch S (selected from it) is the fresh one. */
Test(abstract, a_scratch_run_fills_the_owners_cache)
{
	struct pipeline a;
	struct err e;
	pipeline_init(&a);
	a.large_simcache = true;
	sample_abstract(&a);
	cr_assert_null(a.simcache);
	static const char *const topk[] = { "50", "150", "0" };
	for (size_t x = 0; x < sizeof topk / sizeof *topk; x++) {
		struct params np = a.params;
		cr_assert_eq(params_set(&np, "abstract.topk", topk[x], &e), 0);
		struct scratch sc;
		cr_assert_eq(scratch_run_owner(&sc, &a, &np, STAGE_ABSTRACT,
		    STAGE_ABSTRACT, &e), 0, "%s", e.msg);
		/* 50 is a prefix of the base; 150 and all are not */
		cr_assert_eq(a.simcache != NULL, x > 0, "topk %s", topk[x]);
		/* S (its derived tallies are the scratch's insight) */
		fresh_equals(&np, &sc.pl.abs, false, true, topk[x]);
		scratch_destroy(&sc);
	}
	pipeline_destroy(&a);
}

/* The candidate cache is keyed by what the metric reads: abstract.beta
 * under cosine does not rebuild it for the next threshold change. */
Test(abstract, cache_key_ignores_inactive_parameters)
{
	struct pipeline a;
	struct err e;
	pipeline_init(&a);
	cr_assert_eq(pipeline_load(&a, SAMPLES "/sample.csv", NULL, &e), 0,
	    "%s", e.msg);
	cr_assert_eq(pipeline_set(&a, "abstract.metric", "cosine", &e), 0);
	cr_assert_eq(pipeline_run(&a, STAGE_ABSTRACT, &e), 0, "%s", e.msg);
	const struct simcache *c = a.simcache;
	cr_assert_not_null(c);
	cr_assert_eq(pipeline_set(&a, "abstract.beta", "0.9", &e), 0);
	cr_assert_eq(pipeline_set(&a, "abstract.threshold", "0.002", &e), 0);
	cr_assert_eq(pipeline_run(&a, STAGE_ABSTRACT, &e), 0, "%s", e.msg);
	cr_assert_eq(a.simcache, c, "the cache was rebuilt");
	pipeline_destroy(&a);
}

/* A bounded build writes its rows in place and closes them up (src/cooc.c,
 * close_up): S equals the unbounded build's rows cut to their top k (a
 * path without it), and the co-occurrence counts it returns beside S
 * equal simk_cooc_of's for S's edges, for every metric. The sample's rows
 * hold 157-299 candidates: with k = 290 short rows come after full ones,
 * and the rows after them move. */
Test(abstract, bounded_rows_closed_up_with_their_counts)
{
	static const char *const metric[] = { "cosine", "asym", "jaccard",
		"p3", "rp3" };
	struct pipeline a;
	struct err e;
	pipeline_init(&a);
	cr_assert_eq(pipeline_load(&a, SAMPLES "/sample.csv", NULL, &e), 0);
	cr_assert_eq(pipeline_run(&a, STAGE_GRAPH, &e), 0, "%s", e.msg);
	const struct csr *ui = &a.graph.ui, *iu = &a.graph.iu;
	for (size_t m = 0; m < sizeof metric / sizeof *metric; m++) {
		cr_assert_eq(pipeline_set(&a, "abstract.metric", metric[m], &e),
		    0);
		cr_assert_eq(pipeline_set(&a, "abstract.shrink", "2", &e), 0);
		struct simk k;
		struct csr S0, P, S, S2;
		float *c = NULL, *c2 = NULL;
		csr_init(&S0), csr_init(&P), csr_init(&S), csr_init(&S2);
		cr_assert_eq(pipeline_set(&a, "abstract.topk", "0", &e), 0);
		simk_init(&k, ui, iu, &a.params);
		cr_assert_eq(simk_build(&k, &S0, NULL, NULL, NULL, &e), 0);
		simk_destroy(&k);
		cr_assert_eq(pipeline_set(&a, "abstract.topk", "290", &e), 0);
		simk_init(&k, ui, iu, &a.params);
		cr_assert_eq(simk_build(&k, &S, &c, NULL, NULL, &e), 0);
		cr_assert_eq(simk_build(&k, &S2, NULL, NULL, NULL, &e), 0);
		cr_assert_eq(simk_cooc_of(&k, &S, &c2, NULL, &e), 0);
		simk_destroy(&k);
		abstract_derive_prefix(&S0, -HUGE_VAL, 290, &P);
		same_s(&S, &P, metric[m]);
		same_s(&S2, &P, metric[m]);
		uint32_t short_rows = 0, full_rows = 0;
		for (uint32_t i = 0; i < S.nrows; i++) {
			short_rows += S.ptr[i + 1] - S.ptr[i] < 290 &&
			    full_rows > 0;
			full_rows += S.ptr[i + 1] - S.ptr[i] == 290;
		}
		cr_assert_gt(short_rows, 0, "%s: a short row after a full one",
		    metric[m]);
		for (uint64_t x = 0; x < S.nnz; x++)
			cr_assert_eq(c[x], c2[x], "%s: C of edge %lu", metric[m],
			    (unsigned long)x);
		xfree(c), xfree(c2);
		csr_destroy(&S0), csr_destroy(&P), csr_destroy(&S);
		csr_destroy(&S2);
	}
	pipeline_destroy(&a);
}

/* community_detect builds igraph's graph itself (src/community.c,
 * sym_graph): every vector of it equals igraph_create's, on the sample's
 * S for asymmetric and symmetric metrics, with a top-k and with a
 * threshold that leaves items without relations (isolated vertices). */
Test(abstract, igraph_graph_equals_igraph_create)
{
	static const char *const set[][2] = {
		{ "abstract.metric", "p3" }, { "abstract.topk", "20" },
		{ "abstract.metric", "cosine" }, { "abstract.topk", "3" },
		{ "abstract.threshold", "0.4" }, { "abstract.topk", "0" },
	};
	struct pipeline a;
	struct err e;
	pipeline_init(&a);
	cr_assert_eq(pipeline_load(&a, SAMPLES "/sample.csv", NULL, &e), 0);
	for (size_t k = 0; k < sizeof set / sizeof *set; k++) {
		cr_assert_eq(pipeline_set(&a, set[k][0], set[k][1], &e), 0);
		cr_assert_eq(pipeline_run(&a, STAGE_ABSTRACT, &e), 0, "%s",
		    e.msg);
		cr_assert_eq(community_graph_check(&a.abs.S, &e), 0,
		    "after %s %s: %s", set[k][0], set[k][1], e.msg);
	}
	uint32_t empty = 0;
	for (uint32_t i = 0; i < a.abs.S.nrows; i++)
		empty += a.abs.S.ptr[i + 1] == a.abs.S.ptr[i];
	cr_assert_gt(empty, 0, "some item without relations");
	pipeline_destroy(&a);
	tiny_graph(&pl, 4, 5, TINY, sizeof TINY / sizeof TINY[0]);
	tiny_abstract(&pl);
	cr_assert_eq(community_graph_check(&pl.abs.S, &e), 0, "%s", e.msg);
	pipeline_destroy(&pl);
}
