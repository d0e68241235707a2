/*
 * distill — unit tests of the memory scopes (src/util.c) and of every
 * stage under allocation failure: the n-th allocation that could unwind
 * fails, for every n a run makes. The stage must fail with ERR_LIMIT
 * "out of memory", keep the previous results bit for bit, and the next
 * run without failures must give them again. Under ASan (the CI leg) a
 * block the unwinding forgot is a leak report and fails the test.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "abstract.h"
#include "explain.h"
#include "pipeline.h"
#include "testutil.h"

/* ------------------------------------------------------------ scopes */

static int defer_ran;

static void defer_fn(void *arg)
{
	defer_ran = *(int *)arg;
}

/* Three blocks, a defer, and a realloc of a block from outside the
 * scope; the injection fails allocation number `fail`. */
static int scoped_work(uint64_t fail, char **outside, struct err *err)
{
	struct mem_scope sc;
	struct mem_defer d;
	static int seven = 7;
	mem_scope_open(&sc);
	if (setjmp(sc.jb) != 0)
		return mem_scope_error(&sc, err, "work");
	mem_defer_push(&d, defer_fn, &seven);
	mem_fail_at(fail);
	char *a = xmalloc(100);
	char *b = xcalloc(10, 10);
	/* a block of the caller's, grown here: it stays the caller's */
	*outside = xrealloc(*outside, 4096);
	char *c = xstrdup("abc");
	mem_fail_at(0);
	mem_defer_pop(&d);
	xfree(a);
	xfree(b);
	xfree(c);
	mem_scope_close(&sc);
	return 0;
}

Test(nomem, scope_unwinds_each_allocation)
{
	for (uint64_t n = 1; n <= 5; n++) {
		struct err e;
		err_clear(&e);
		defer_ran = 0;
		char *outside = xmalloc(16);
		strcpy(outside, "kept");
		int rc = scoped_work(n, &outside, &e);
		if (n <= 4) {
			cr_assert_eq(rc, -1, "allocation %llu did not fail",
			    (unsigned long long)n);
			cr_assert_eq(e.code, ERR_LIMIT);
			cr_assert(strstr(e.msg, "work: out of memory"), "%s",
			    e.msg);
			cr_assert_eq(defer_ran, 7, "the defer did not run");
		} else {
			cr_assert_eq(rc, 0);
			cr_assert_eq(defer_ran, 0);
		}
		/* the caller's block is alive and its own (ASan: no double
		 * free, no use after free) */
		cr_assert_str_eq(outside, "kept");
		xfree(outside);
	}
}

/* A closed inner scope hands its blocks to the outer one, which frees
 * them when it unwinds (a leak under ASan otherwise). */
static int nested(char **keep, struct err *err)
{
	struct mem_scope outer;
	mem_scope_open(&outer);
	if (setjmp(outer.jb) != 0)
		return mem_scope_error(&outer, err, NULL);
	struct mem_scope inner;
	mem_scope_open(&inner);
	if (setjmp(inner.jb) != 0)
		cr_assert_fail("the inner scope unwound");
	*keep = xmalloc(64);
	mem_scope_close(&inner);
	mem_fail(12345);
}

Test(nomem, nested_scopes)
{
	struct err e;
	char *keep = NULL;
	err_clear(&e);
	cr_assert_eq(nested(&keep, &e), -1);
	cr_assert(strstr(e.msg, "out of memory"), "%s", e.msg);
	cr_assert_eq(strncmp(e.msg, "out of memory", 13), 0, "%s", e.msg);
}

/* ---------------------------------------------------------- pipeline */

struct snap {
	size_t n;
	uint32_t *items;
	float *scores;
	uint32_t *len;
};

static void snap_take(const struct pipeline *pl, struct snap *s)
{
	const struct rec_out *r = &pl->rec;
	s->n = (size_t)r->n_users * r->L;
	s->items = xmalloc((s->n + 1) * sizeof *s->items);
	s->scores = xmalloc((s->n + 1) * sizeof *s->scores);
	s->len = xmalloc(((size_t)r->n_users + 1) * sizeof *s->len);
	memcpy(s->items, r->items, s->n * sizeof *s->items);
	memcpy(s->scores, r->scores, s->n * sizeof *s->scores);
	memcpy(s->len, r->len, r->n_users * sizeof *s->len);
}

static void snap_check(const struct pipeline *pl, const struct snap *s,
    const char *when)
{
	const struct rec_out *r = &pl->rec;
	cr_assert_eq((size_t)r->n_users * r->L, s->n, "%s: list size", when);
	cr_assert(memcmp(r->items, s->items, s->n * sizeof *s->items) == 0,
	    "%s: other items", when);
	cr_assert(memcmp(r->scores, s->scores, s->n * sizeof *s->scores) ==
	    0, "%s: other scores", when);
	cr_assert(memcmp(r->len, s->len, r->n_users * sizeof *s->len) == 0,
	    "%s: other lengths", when);
}

static void snap_free(struct snap *s)
{
	xfree(s->items);
	xfree(s->scores);
	xfree(s->len);
}

static void setup(struct pipeline *pl, const char *filter)
{
	struct err e;
	pipeline_init(pl);
	cr_assert_eq(pipeline_load(pl, SAMPLES "/sample.csv", NULL, &e), 0,
	    "%s", e.msg);
	/* "learned:forest": a learned filter of a few small trees */
	const char *model = strchr(filter, ':');
	char method[32];
	snprintf(method, sizeof method, "%.*s", model ? (int)(model - filter) :
	    (int)strlen(filter), filter);
	cr_assert_eq(pipeline_set(pl, "filter.method", method, &e), 0, "%s",
	    e.msg);
	if (model) {
		cr_assert_eq(pipeline_set(pl, "filter.model", model + 1, &e),
		    0, "%s", e.msg);
		cr_assert_eq(pipeline_set(pl, "filter.trees", "4", &e), 0);
		cr_assert_eq(pipeline_set(pl, "filter.rounds", "4", &e), 0);
		cr_assert_eq(pipeline_set(pl, "filter.depth", "3", &e), 0);
	}
	/* calibration needs the communities: igraph runs in the stage */
	cr_assert_eq(pipeline_set(pl, "distill.calibrate", "0.3", &e), 0,
	    "%s", e.msg);
	cr_assert_eq(pipeline_run(pl, STAGE_RECOMMEND, &e), 0, "%s", e.msg);
}

/* Fail allocation n of a run from the load stage on, for every n. */
static void every_allocation(const char *filter, bool drop_cache)
{
	struct pipeline pl;
	struct snap ref;
	struct err e;
	setup(&pl, filter);
	snap_take(&pl, &ref);
	uint64_t n;
	for (n = 1; n < 100000; n++) {
		if (drop_cache) {   /* the stage fills a new one */
			simcache_free(pl.simcache);
			pl.simcache = NULL;
		}
		pipeline_invalidate(&pl, STAGE_LOAD);
		err_clear(&e);
		mem_fail_at(n);
		int rc = pipeline_run(&pl, STAGE_RECOMMEND, &e);
		uint64_t seen = mem_fail_count();
		mem_fail_at(0);
		if (seen < n) {   /* the run made fewer allocations */
			cr_assert_eq(rc, 0, "%s", e.msg);
			break;
		}
		if (rc == 0) {
			/* a block it can do without (try_malloc: the
			 * candidate cache): the same results without it */
			snap_check(&pl, &ref, "without an optional block");
			continue;
		}
		cr_assert_eq(e.code, ERR_LIMIT, "n=%llu: %s",
		    (unsigned long long)n, e.msg);
		cr_assert(strstr(e.msg, "out of memory"), "n=%llu: %s",
		    (unsigned long long)n, e.msg);
		/* the previous results are all there */
		for (int s = 0; s < STAGE__COUNT; s++)
			cr_assert(pl.have[s], "n=%llu: %s lost",
			    (unsigned long long)n, stage_name(s));
		snap_check(&pl, &ref, "after the failure");
	}
	cr_assert_gt(n, 50, "only %llu allocations: the injection does not "
	    "reach the stages", (unsigned long long)n);
	fprintf(stderr, "filter %s%s: %llu allocations failed one by one\n",
	    filter, drop_cache ? ", new cache" : "", (unsigned long long)n - 1);
	snap_check(&pl, &ref, "after the last run");
	snap_free(&ref);
	pipeline_destroy(&pl);
}

Test(nomem, every_allocation_of_a_run)
{
	every_allocation("backbone", false);
}

/* XGBoost's booster is not in the ledger: a failure after it is made
 * must free it (LeakSanitizer, in the sanitizer build, says if not). */
Test(nomem, every_allocation_of_a_learned_forest)
{
	every_allocation("learned:forest", false);
}

Test(nomem, every_allocation_filling_the_cache)
{
	every_allocation("none", true);
}

/* sweep and tune fill the pipeline's candidate cache themselves
 * (abstract_cache_candidates): a failed allocation there is an error and
 * leaves no cache, the base as it was; the last attempt makes one. */
Test(nomem, every_allocation_of_a_cache_fill)
{
	struct pipeline pl;
	struct err e;
	pipeline_init(&pl);
	pl.large_simcache = true;     /* a first build caches nothing */
	cr_assert_eq(pipeline_load(&pl, SAMPLES "/sample.csv", NULL, &e), 0,
	    "%s", e.msg);
	cr_assert_eq(pipeline_run(&pl, STAGE_RECOMMEND, &e), 0, "%s", e.msg);
	const struct sbase *base = pl.sbase;
	cr_assert_not_null(base);
	struct params np = pl.params;
	cr_assert_eq(params_set(&np, "abstract.topk", "0", &e), 0);
	uint64_t n;
	for (n = 1; n < 100000; n++) {
		err_clear(&e);
		mem_fail_at(n);
		int rc = abstract_cache_candidates(&pl, &np, &e);
		uint64_t seen = mem_fail_count();
		mem_fail_at(0);
		cr_assert_eq(pl.sbase, base);
		if (seen < n) {
			cr_assert_eq(rc, 0, "%s", e.msg);
			cr_assert_not_null(pl.simcache);
			break;
		}
		if (rc == 0) {   /* the cache's own blocks are optional */
			cr_assert_null(pl.simcache, "n=%llu",
			    (unsigned long long)n);
			continue;
		}
		cr_assert_eq(e.code, ERR_LIMIT, "n=%llu: %s",
		    (unsigned long long)n, e.msg);
		cr_assert_null(pl.simcache, "n=%llu", (unsigned long long)n);
	}
	cr_assert_gt(n, 10, "only %llu allocations", (unsigned long long)n);
	pipeline_destroy(&pl);
}

Test(nomem, load_keeps_the_session)
{
	struct pipeline pl;
	struct err e;
	pipeline_init(&pl);
	cr_assert_eq(pipeline_load(&pl, SAMPLES "/teach.tsv", NULL, &e), 0);
	size_t n_teach = pl.ds->n;
	pipeline_destroy(&pl);
	setup(&pl, "none");
	uint64_t n;
	int fails = 0;
	for (n = 1; n < 100000; n++) {
		const struct dataset *ds = pl.ds;
		size_t n0 = ds->n;
		err_clear(&e);
		mem_fail_at(n);
		int rc = pipeline_load(&pl, SAMPLES "/teach.tsv", NULL, &e);
		uint64_t seen = mem_fail_count();
		mem_fail_at(0);
		if (seen < n) {
			cr_assert_eq(rc, 0, "%s", e.msg);
			break;
		}
		if (rc == 0) {
			/* it did without the block (a smaller growth step):
			 * the data must be whole; then the sample again */
			cr_assert_eq(pl.ds->n, n_teach, "n=%llu: %zu of %zu "
			    "interactions", (unsigned long long)n, pl.ds->n,
			    n_teach);
			pipeline_destroy(&pl);
			setup(&pl, "none");
			continue;
		}
		fails++;
		cr_assert(strstr(e.msg, "teach.tsv: out of memory"), "%s",
		    e.msg);
		cr_assert_eq(pl.ds, ds, "the loaded data was replaced");
		cr_assert_eq(pl.ds->n, n0);
		cr_assert(pl.fresh[STAGE_RECOMMEND], "results dropped");
	}
	cr_assert_gt(fails, 5);
	cr_assert_eq(pl.ds->n, n_teach, "the load did not happen at the end");
	pipeline_destroy(&pl);
}

/* Fail each allocation of the abstract stage's insight in turn, each an
 * "out of memory" error; the first run left with none to fail puts its
 * output in *o (the caller destroys it). Returns the failures. */
static int insight_failing_each(struct pipeline *pl, struct insight_out *o)
{
	struct err e;
	int fails = 0;
	for (uint64_t n = 1; n < 100000; n++) {
		memset(o, 0, sizeof *o);
		err_clear(&e);
		mem_fail_at(n);
		int rc = insight_compute(pl, STAGE_ABSTRACT, NULL, o, &e);
		mem_fail_at(0);
		if (rc == 0)
			return fails;
		insight_out_destroy(o);
		cr_assert(strstr(e.msg, "out of memory"), "%s", e.msg);
		fails++;
	}
	cr_assert_fail("the insight never ran to its end");
	return fails;
}

Test(nomem, why_whynot_and_insight)
{
	struct pipeline pl;
	struct err e;
	setup(&pl, "backbone");
	uint32_t u = 0;
	while (pl.rec.len[u] == 0)
		u++;
	uint32_t item = pl.rec.items[(size_t)u * pl.rec.L];
	int fails = 0;
	for (uint64_t n = 1; n < 100000; n++) {
		struct whynot_out w;
		err_clear(&e);
		mem_fail_at(n);
		int rc = explain_whynot(&pl, u, item, &w, &e);
		mem_fail_at(0);
		if (rc == 0) {
			whynot_out_destroy(&w);
			break;
		}
		cr_assert(strstr(e.msg, "out of memory"), "%s", e.msg);
		fails++;
	}
	cr_assert_gt(fails, 0);
	struct insight_out o;
	cr_assert_gt(insight_failing_each(&pl, &o), 0);
	insight_out_destroy(&o);
	cr_assert(pl.fresh[STAGE_RECOMMEND]);
	/* an S derived from the last one: its insight recounts the cuts
	 * with a kernel pass before the communities */
	pipeline_destroy(&pl);
	pipeline_init(&pl);
	pl.no_simcache = true;   /* as for a log whose candidates are many */
	cr_assert_eq(pipeline_load(&pl, SAMPLES "/sample.csv", NULL, &e), 0,
	    "%s", e.msg);
	cr_assert_eq(pipeline_run(&pl, STAGE_RECOMMEND, &e), 0, "%s", e.msg);
	cr_assert_eq(pipeline_set(&pl, "abstract.threshold", "0.001", &e), 0);
	cr_assert_eq(pipeline_run(&pl, STAGE_RECOMMEND, &e), 0, "%s", e.msg);
	cr_assert(pl.abs.tally_pending);
	cr_assert_gt(insight_failing_each(&pl, &o), 0);
	cr_assert_not(o.abs.tally_pending);
	cr_assert_gt(o.abs.st.cut_threshold, 0);
	insight_out_destroy(&o);
	pipeline_destroy(&pl);
}
