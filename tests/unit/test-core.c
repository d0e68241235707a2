/*
 * distill — unit tests of the parameter registry, stats and CSR helpers.
 */
#include <criterion/criterion.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <math.h>

#include "csr.h"
#include "params.h"
#include "pipeline.h"
#include "stats.h"

Test(params, defaults_and_lookup)
{
	struct params p;
	params_init(&p);
	cr_assert_eq(params_enum(&p, P_ABSTRACT_METRIC), METRIC_RP3);
	cr_assert_eq(params_int(&p, P_ABSTRACT_TOPK), 100);
	cr_assert_eq(params_lookup("filter.alpha"), P_FILTER_ALPHA);
	cr_assert_eq(params_lookup("filter.nope"), -1);
	for (int i = 0; i < P__COUNT; i++)
		cr_assert(params_is_default(&p, i), "%s", params_def(i)->name);
}

Test(params, rejects_bad_values_and_keeps_old)
{
	struct params p;
	struct err e;
	params_init(&p);
	cr_assert_eq(params_set(&p, "abstract.topk", "-3", &e), -1);
	cr_assert_eq(e.code, ERR_INVAL);
	cr_assert(strstr(e.msg, "abstract.topk"));
	cr_assert_eq(params_int(&p, P_ABSTRACT_TOPK), 100);
	cr_assert_eq(params_set(&p, "abstract.metric", "cosin", &e), -1);
	cr_assert(strstr(e.msg, "cosine"), "%s", e.msg);
	cr_assert_eq(params_set(&p, "filter.alpha", "0.1x", &e), -1);
	cr_assert_eq(params_set(&p, "nope", "1", &e), -1);
	cr_assert_eq(e.code, ERR_NOTFOUND);
	cr_assert_eq(params_set(&p, "eval.k", "5,10,x", &e), -1);
	cr_assert_eq(p.v[P_EVAL_K].nlist, 1);
	cr_assert_eq(params_set(&p, "eval.k", "5,10,20", &e), 0);
	char buf[64];
	params_format(&p, P_EVAL_K, buf, sizeof buf);
	cr_assert_str_eq(buf, "5,10,20");
	cr_assert_eq(params_set(&p, "split.validation", "given", &e), 0);
	params_format(&p, P_SPLIT_VALIDATION, buf, sizeof buf);
	cr_assert_str_eq(buf, "given");
}

Test(params, stage_differs)
{
	struct params a, b;
	params_init(&a);
	params_set(&a, "filter.method", "backbone", NULL);
	b = a;
	params_set(&b, "filter.alpha", "0.2", NULL);
	cr_assert(params_stage_differs(&a, &b, STAGE_FILTER));
	cr_assert_not(params_stage_differs(&a, &b, STAGE_ABSTRACT));
	/* filter.alpha is read only by the backbone: under none it
	 * changes nothing; neither does abstract.beta outside rp3 */
	params_set(&a, "filter.method", "none", NULL);
	params_set(&b, "filter.method", "none", NULL);
	cr_assert_not(params_active(&b, P_FILTER_ALPHA));
	cr_assert_not(params_stage_differs(&a, &b, STAGE_FILTER));
	params_set(&b, "abstract.metric", "cosine", NULL);
	params_set(&a, "abstract.metric", "cosine", NULL);
	params_set(&b, "abstract.beta", "0.9", NULL);
	cr_assert_not(params_stage_differs(&a, &b, STAGE_ABSTRACT));
	params_set(&b, "abstract.shrink", "5", NULL);
	cr_assert(params_stage_differs(&a, &b, STAGE_ABSTRACT));
	/* switching the method makes its parameters count again */
	params_set(&b, "filter.method", "backbone", NULL);
	cr_assert(params_stage_differs(&a, &b, STAGE_FILTER));
}

Test(pipeline, set_invalidates_only_later_stages)
{
	struct pipeline pl;
	struct err e;
	pipeline_init(&pl);
	params_set(&pl.params, "filter.method", "backbone", NULL);
	for (int s = 0; s < STAGE__COUNT; s++)
		pl.fresh[s] = true;
	cr_assert_eq(pipeline_set(&pl, "filter.alpha", "0.2", &e), 0);
	cr_assert(pl.fresh[STAGE_ABSTRACT]);
	cr_assert_not(pl.fresh[STAGE_FILTER]);
	cr_assert_not(pl.fresh[STAGE_RECOMMEND]);
	cr_assert_eq(pipeline_first_stale(&pl), STAGE_FILTER);
	/* same value again: nothing more becomes stale */
	for (int s = 0; s < STAGE__COUNT; s++)
		pl.fresh[s] = true;
	cr_assert_eq(pipeline_set(&pl, "filter.alpha", "0.2", &e), 0);
	cr_assert_eq(pipeline_first_stale(&pl), STAGE__COUNT);
	cr_assert_eq(pipeline_set(&pl, "split.method", "given", &e), -1);
	cr_assert_eq(pipeline_first_stale(&pl), STAGE__COUNT);
	cr_assert_eq(pipeline_run(&pl, STAGE_GRAPH, &e), -1);
	cr_assert_eq(e.code, ERR_STATE);
	pipeline_destroy(&pl);
}

Test(stats, summary_by_hand)
{
	/* values 1,2,3,4: mean 2.5, median 2.5, Gini = (2*30)/(4*10) - 5/4
	 * = 0.25; top 20% = ceil(0.8) = 1 value = 4/10. */
	double x[] = { 3, 1, 4, 2 };
	struct dist_summary s;
	stats_summarize(x, 4, &s);
	cr_assert_float_eq(s.mean, 2.5, 1e-12);
	cr_assert_float_eq(s.median, 2.5, 1e-12);
	cr_assert_float_eq(s.gini, 0.25, 1e-12);
	cr_assert_float_eq(s.top20_share, 0.4, 1e-12);
	cr_assert_float_eq(s.top1_share, 0.4, 1e-12);
	cr_assert_eq(s.min, 1);
	cr_assert_eq(s.max, 4);
}

Test(stats, log2_histogram)
{
	uint32_t d[] = { 1, 1, 2, 3, 4, 9 };
	struct histogram h;
	stats_hist_log2(d, 6, &h);
	/* bins [1,2) [2,4) [4,8) [8,16) */
	cr_assert_eq(h.nbins, 4);
	cr_assert_eq(h.count[0], 2);
	cr_assert_eq(h.count[1], 2);
	cr_assert_eq(h.count[2], 1);
	cr_assert_eq(h.count[3], 1);
}

Test(csr, transpose)
{
	struct csr m, t;
	csr_init(&m);
	csr_init(&t);
	/* [[0 1 2],[3 0 0]] */
	csr_alloc(&m, 2, 3, 3);
	m.ptr[1] = 2;
	m.ptr[2] = 3;
	uint32_t idx[] = { 1, 2, 0 };
	float val[] = { 1, 2, 3 };
	memcpy(m.idx, idx, sizeof idx);
	memcpy(m.val, val, sizeof val);
	csr_transpose(&m, &t);
	cr_assert_eq(t.nrows, 3);
	cr_assert_eq(csr_row_len(&t, 0), 1);
	cr_assert_eq(t.idx[t.ptr[0]], 1);
	cr_assert_float_eq(t.val[t.ptr[0]], 3, 0);
	cr_assert_float_eq(t.val[t.ptr[2]], 2, 0);
	csr_destroy(&m);
	csr_destroy(&t);
}

/* Large enough for the threaded transpose (2^20 entries and more), with
 * empty rows, long rows and a column no row uses: every thread count
 * gives the serial counting sort's output, entry for entry. */
Test(csr, transpose_threads_equal_one)
{
	struct csr m, want, got;
	csr_init(&m);
	csr_init(&want);
	csr_init(&got);
	uint32_t R = 5000, C = 3001;
	struct rng g;
	rng_seed(&g, 7);
	uint64_t nnz = 0;
	uint32_t *len = malloc(R * sizeof *len);
	for (uint32_t r = 0; r < R; r++) {
		len[r] = r % 7 == 0 ? 0 : (uint32_t)(rng_next(&g) % 800);
		nnz += len[r];
	}
	cr_assert_geq(nnz, 1u << 20);
	csr_alloc(&m, R, C, nnz);
	for (uint32_t r = 0, k = 0; r < R; r++) {
		m.ptr[r + 1] = m.ptr[r] + len[r];
		for (uint32_t x = 0; x < len[r]; x++, k++) {
			uint32_t c = (uint32_t)(rng_next(&g) % (C - 1));
			m.idx[k] = c;
			m.val[k] = (float)k;
		}
	}
	free(len);
	/* the reference: one thread's counting sort */
	csr_alloc(&want, C, R, nnz);
	for (uint64_t k = 0; k < nnz; k++)
		want.ptr[m.idx[k] + 1]++;
	for (uint32_t c = 0; c < C; c++)
		want.ptr[c + 1] += want.ptr[c];
	uint64_t *fill = malloc(((size_t)C + 1) * sizeof *fill);
	memcpy(fill, want.ptr, ((size_t)C + 1) * sizeof *fill);
	for (uint32_t r = 0; r < R; r++)
		for (uint64_t k = m.ptr[r]; k < m.ptr[r + 1]; k++) {
			uint64_t to = fill[m.idx[k]]++;
			want.idx[to] = r;
			want.val[to] = m.val[k];
		}
	free(fill);
	for (int nt = 1; nt <= 3; nt++) {
#ifdef _OPENMP
		omp_set_num_threads(nt);
#endif
		csr_transpose(&m, &got);
		cr_assert_eq(got.nrows, C);
		cr_assert_eq(got.nnz, nnz);
		cr_assert_arr_eq(got.ptr, want.ptr, ((size_t)C + 1) *
		    sizeof *got.ptr, "%d threads", nt);
		cr_assert_arr_eq(got.idx, want.idx, nnz * sizeof *got.idx);
		cr_assert_arr_eq(got.val, want.val, nnz * sizeof *got.val);
	}
	csr_destroy(&m);
	csr_destroy(&want);
	csr_destroy(&got);
}

/* A message prefixed with the stage it already names keeps one name
 * (it read "abstract: abstract: interrupted"). */
Test(err, prefix_once)
{
	struct err e;
	err_set(&e, ERR_INTERRUPTED, "abstract: interrupted");
	err_prefix(&e, "%s", "abstract");
	cr_assert_str_eq(e.msg, "abstract: interrupted");
	err_prefix(&e, "sweep %s", "x=1");
	cr_assert_str_eq(e.msg, "sweep x=1: abstract: interrupted");
	err_set(&e, ERR_INVAL, "abstraction failed");
	err_prefix(&e, "abstract");
	cr_assert_str_eq(e.msg, "abstract: abstraction failed");
}
