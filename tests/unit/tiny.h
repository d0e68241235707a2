/*
 * distill — tiny.h: hand-built fit graphs for the abstract and filter unit
 * tests (no loading involved).
 *
 * The 4-user x 5-item graph TINY (w_ui):
 *
 *           i0  i1  i2  i3  i4
 *     u0     1   1   1   .   .
 *     u1     2   1   .   .   .
 *     u2     .   1   1   1   .
 *     u3     .   .   .   1   2
 *
 * N(0)={u0,u1}  N(1)={u0,u1,u2}  N(2)={u0,u2}  N(3)={u2,u3}  N(4)={u3}
 * C01 = 1·1+2·1 = 3, C02 = 1, C12 = 2, C13 = 1, C23 = 1, C34 = 1·2 = 2,
 * other pairs 0: 6 unordered = 12 ordered candidate pairs.
 */
#ifndef DISTILL_TINY_H
#define DISTILL_TINY_H

#include <criterion/criterion.h>
#include <math.h>

#include "abstract.h"
#include "pipeline.h"

struct trip {
	uint32_t u, i;
	float w;
};

static const struct trip TINY[] = {
	{ 0, 0, 1 }, { 0, 1, 1 }, { 0, 2, 1 },
	{ 1, 0, 2 }, { 1, 1, 1 },
	{ 2, 1, 1 }, { 2, 2, 1 }, { 2, 3, 1 },
	{ 3, 3, 1 }, { 3, 4, 2 },
};

/* Fill pl->graph.ui/iu from triples sorted by (u, i). */
static inline void tiny_graph(struct pipeline *pl, uint32_t nu, uint32_t ni,
    const struct trip *t, size_t n)
{
	pipeline_init(pl);
	csr_alloc(&pl->graph.ui, nu, ni, n);
	for (size_t k = 0; k < n; k++) {
		pl->graph.ui.ptr[t[k].u + 1]++;
		pl->graph.ui.idx[k] = t[k].i;
		pl->graph.ui.val[k] = t[k].w;
	}
	for (uint32_t u = 0; u < nu; u++)
		pl->graph.ui.ptr[u + 1] += pl->graph.ui.ptr[u];
	csr_transpose(&pl->graph.ui, &pl->graph.iu);
}

static inline void tiny_set(struct pipeline *pl, const char *name,
    const char *value)
{
	struct err e;
	cr_assert_eq(params_set(&pl->params, name, value, &e), 0, "%s",
	    e.msg);
}

/* s_ij in S, NAN when i→j is not an edge. */
static inline float tiny_s(const struct csr *S, uint32_t i, uint32_t j)
{
	for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++)
		if (S->idx[e] == j)
			return S->val[e];
	return NAN;
}

static inline void tiny_abstract(struct pipeline *pl)
{
	struct err e;
	cr_assert_eq(abstract_run(pl, &pl->abs, &e), 0, "%s", e.msg);
}

/* A stage as the pipeline runs it (not into its own output, as
 * tiny_abstract does): into a new output, the previous result still in
 * place beside it for the run to read, then published. */
static inline void tiny_run_abstract(struct pipeline *pl)
{
	struct err e;
	struct abstract_out tmp;
	memset(&tmp, 0, sizeof tmp);
	cr_assert_eq(abstract_run(pl, &tmp, &e), 0, "%s", e.msg);
	if (pl->filt.b_is_s)          /* B was S's arrays */
		filter_out_destroy(&pl->filt);
	abstract_out_destroy(&pl->abs);
	pl->abs = tmp;
}

static inline void tiny_run_filter(struct pipeline *pl)
{
	struct err e;
	struct filter_out tmp;
	memset(&tmp, 0, sizeof tmp);
	cr_assert_eq(filter_run(pl, &tmp, &e), 0, "%s", e.msg);
	filter_out_destroy(&pl->filt);
	pl->filt = tmp;
}

/* The insight of the abstract stage (degrees, components, clustering,
 * communities) of a tiny pipeline whose stages were run by hand. */
static inline void tiny_abstract_insight(struct pipeline *pl)
{
	struct err e;
	struct abstract_out tmp;
	memset(&tmp, 0, sizeof tmp);
	cr_assert_eq(abstract_insight(pl, &pl->hooks, &tmp, &e), 0, "%s",
	    e.msg);
	abstract_insight_publish(&pl->abs, &tmp);
	abstract_out_destroy(&tmp);
}

/* The filter's reach loss (insight) of a tiny pipeline. */
static inline void tiny_filter_insight(struct pipeline *pl)
{
	struct err e;
	cr_assert_eq(filter_insight(pl, &pl->hooks, &pl->filt.st, &e), 0,
	    "%s", e.msg);
}

/* Two 5-item cliques: users 0-5 hold items 0-4, users 6-11 items 5-9,
 * user 12 holds items 4 and 5 (the only bridge), all weights 1. */
static inline void cliques_graph(struct pipeline *pl)
{
	struct trip t[64];
	size_t n = 0;
	for (uint32_t u = 0; u < 12; u++)
		for (uint32_t i = 0; i < 5; i++)
			t[n++] = (struct trip){ u, (u < 6 ? 0 : 5) + i, 1 };
	t[n++] = (struct trip){ 12, 4, 1 };
	t[n++] = (struct trip){ 12, 5, 1 };
	tiny_graph(pl, 13, 10, t, n);
}

#endif
