/*
 * distill — pipeline.c: owns the stage order, the per-stage cache and its
 * invalidation, timings, and the load/set entry points. A stage is computed
 * into a temporary and published only on success, so failures and
 * cancellations never destroy the previous result.
 */
#include "pipeline.h"
#include "abstract.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void pipeline_init(struct pipeline *pl)
{
	memset(pl, 0, sizeof *pl);
	params_init(&pl->params);
}

static void free_lopts(struct load_opts *o)
{
	xfree((char *)o->user_col);
	xfree((char *)o->item_col);
	xfree((char *)o->rating_col);
	xfree((char *)o->time_col);
	xfree((char *)o->items_path);
	xfree((char *)o->test_path);
	xfree((char *)o->valid_path);
	xfree((char *)o->item_order);
	memset(o, 0, sizeof *o);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void copy_lopts(struct load_opts *dst, const struct load_opts *src)
{
	dst->format = src->format;
	dst->delim = src->delim;
	dst->user_col = dup_or_null(src->user_col);
	dst->item_col = dup_or_null(src->item_col);
	dst->rating_col = dup_or_null(src->rating_col);
	dst->time_col = dup_or_null(src->time_col);
	dst->items_path = dup_or_null(src->items_path);
	dst->test_path = dup_or_null(src->test_path);
	dst->valid_path = dup_or_null(src->valid_path);
	dst->item_order = dup_or_null(src->item_order);
	dst->sample_users = src->sample_users;
	dst->sample_seed = src->sample_seed;
}

/* The stage table's entries: typed run and destroy functions behind
 * void pointers, through wrappers (a call through a cast function
 * pointer would be undefined). */
#define STAGE_OPS(field, type, run, destroy)                              \
	static int run##_any(struct pipeline *pl, void *o, struct err *e) \
	{ return run(pl, (type *)o, e); }                                 \
	static void destroy##_any(void *o) { destroy((type *)o); }
STAGE_OPS(split, struct split_out, split_run, split_out_destroy)
STAGE_OPS(graph, struct graph_out, graph_run, graph_out_destroy)
STAGE_OPS(abs, struct abstract_out, abstract_run, abstract_out_destroy)
STAGE_OPS(filt, struct filter_out, filter_run, filter_out_destroy)
STAGE_OPS(dist, struct distill_out, distill_run, distill_out_destroy)
STAGE_OPS(rec, struct rec_out, recommend_run, rec_out_destroy)
#undef STAGE_OPS
#define OPS(field, run, destroy) { offsetof(struct pipeline, field),       \
	sizeof(((struct pipeline *)0)->field), run##_any, destroy##_any }
const struct stage_ops stage_ops[STAGE__COUNT] = {
	[STAGE_LOAD] = OPS(split, split_run, split_out_destroy),
	[STAGE_GRAPH] = OPS(graph, graph_run, graph_out_destroy),
	[STAGE_ABSTRACT] = OPS(abs, abstract_run, abstract_out_destroy),
	[STAGE_FILTER] = OPS(filt, filter_run, filter_out_destroy),
	[STAGE_DISTILL] = OPS(dist, distill_run, distill_out_destroy),
	[STAGE_RECOMMEND] = OPS(rec, recommend_run, rec_out_destroy),
};
#undef OPS

/* Free the output of stage s (whether fresh or stale). */
static void drop_stage(struct pipeline *pl, enum stage s)
{
	if ((unsigned)s < STAGE__COUNT)
		stage_ops[s].destroy((char *)pl + stage_ops[s].out);
	pl->have[s] = pl->fresh[s] = pl->insight[s] = false;
}

void pipeline_destroy(struct pipeline *pl)
{
	for (int s = STAGE__COUNT - 1; s >= 0; s--)
		drop_stage(pl, s);
	if (pl->ds) {
		dataset_destroy(pl->ds);
		xfree(pl->ds);
	}
	free_lopts(&pl->lopts);
	if (!pl->borrowed) {
		simcache_free(pl->simcache);
		sbase_free(pl->sbase);
		rcache_free(pl->rcache);
		import_free(pl->imp);
	}
	memset(pl, 0, sizeof *pl);
}

void pipeline_invalidate(struct pipeline *pl, enum stage s)
{
	for (int i = s; i < STAGE__COUNT; i++)
		pl->fresh[i] = false;
}

enum stage pipeline_first_stale(const struct pipeline *pl)
{
	for (int s = 0; s < STAGE__COUNT; s++)
		if (!pl->fresh[s])
			return s;
	return STAGE__COUNT;
}

/* The first stage whose parameters differ between a and b, or
 * STAGE__COUNT. */
static int first_changed(const struct params *a, const struct params *b)
{
	for (int s = 0; s < STAGE__COUNT; s++)
		if (params_stage_differs(a, b, s))
			return s;
	return STAGE__COUNT;
}

enum stage pipeline_take_back(struct pipeline *pl, const struct params *old,
    const bool fresh0[STAGE__COUNT])
{
	enum stage failed = pipeline_first_stale(pl);
	int from = first_changed(old, &pl->params);
	pl->params = *old;
	if ((int)failed <= from)
		for (int s = from; s < STAGE__COUNT; s++)
			pl->fresh[s] = fresh0[s];
	else
		pipeline_invalidate(pl, (enum stage)from);
	return pipeline_first_stale(pl);
}

void pipeline_replace(struct pipeline *pl, struct dataset *ds,
    const struct load_opts *opts, struct import *im)
{
	for (int s = STAGE__COUNT - 1; s >= 0; s--)
		drop_stage(pl, s);
	if (pl->ds) {
		dataset_destroy(pl->ds);
		xfree(pl->ds);
	}
	simcache_free(pl->simcache);   /* of the old data: only memory now */
	pl->simcache = NULL;
	sbase_free(pl->sbase);
	pl->sbase = NULL;
	rcache_free(pl->rcache);
	pl->rcache = NULL;
	import_free(pl->imp);
	pl->imp = im;
	pl->ds = ds;
	free_lopts(&pl->lopts);
	copy_lopts(&pl->lopts, opts);
	pipeline_invalidate(pl, STAGE_LOAD);
}

/* dataset_load in a memory scope: a log that does not fit fails with
 * the size that was asked for, and the session keeps what it had. */
static int load_scoped(struct dataset *ds, const char *path,
    const struct load_opts *opts, const struct hooks *h, struct err *err)
{
	struct mem_scope sc;
	mem_scope_open(&sc);
	if (setjmp(sc.jb) != 0) {
		memset(ds, 0, sizeof *ds);
		return mem_scope_error(&sc, err, path);
	}
	int rc = dataset_load(ds, path, opts, h, err);
	mem_scope_close(&sc);
	return rc;
}

int pipeline_load(struct pipeline *pl, const char *path,
    const struct load_opts *opts, struct err *err)
{
	struct load_opts none = { 0 };
	if (import_is_dir(path))
		return pipeline_import(pl, path, err);
	struct dataset *ds = xcalloc(1, sizeof *ds);
	if (!opts)
		opts = &none;
	if (load_scoped(ds, path, opts, &pl->hooks, err) < 0) {
		xfree(ds);
		return -1;
	}
	pipeline_replace(pl, ds, opts, NULL);
	/* A given test file fixes the split; a given validation file fixes
	 * validation. Without them a previous `given` makes no sense. */
	if (ds->has_test)
		params_set_id(&pl->params, P_SPLIT_METHOD, "given", NULL);
	else if (params_enum(&pl->params, P_SPLIT_METHOD) == SPLIT_GIVEN)
		params_set_id(&pl->params, P_SPLIT_METHOD, "random", NULL);
	if (ds->has_valid)
		params_set_id(&pl->params, P_SPLIT_VALIDATION, "given", NULL);
	else if (params_real(&pl->params, P_SPLIT_VALIDATION) < 0)
		params_set_id(&pl->params, P_SPLIT_VALIDATION, "0.1", NULL);
	return 0;
}

/* Check a parameter value that is only meaningful with the dataset. */
static int check_given(const struct pipeline *pl, const struct params *np,
    struct err *err)
{
	if (params_enum(np, P_SPLIT_METHOD) == SPLIT_GIVEN &&
	    (!pl->ds || !pl->ds->has_test))
		return err_set(err, ERR_INVAL, "split.method: 'given' needs a "
		    "test file: load TRAIN --test TEST");
	if (params_real(np, P_SPLIT_VALIDATION) < 0 &&
	    (!pl->ds || !pl->ds->has_valid))
		return err_set(err, ERR_INVAL, "split.validation: 'given' "
		    "needs a validation file: load TRAIN --valid FILE");
	return 0;
}

/* Invalidate from the earliest stage whose parameters differ. */
static void invalidate_changed(struct pipeline *pl, const struct params *old)
{
	int s = first_changed(old, &pl->params);
	if (s < STAGE__COUNT)
		pipeline_invalidate(pl, (enum stage)s);
}

int pipeline_set(struct pipeline *pl, const char *name, const char *value,
    struct err *err)
{
	struct params np = pl->params;
	if (params_set(&np, name, value, err) < 0)
		return -1;
	if (check_given(pl, &np, err) < 0)
		return -1;
	return pipeline_set_all(pl, &np, err);
}

int pipeline_set_all(struct pipeline *pl, const struct params *p,
    struct err *err)
{
	if (import_check(pl->imp, p, err) < 0)
		return -1;
	struct params old = pl->params;
	pl->params = *p;
	invalidate_changed(pl, &old);
	return 0;
}

/*
 * Stage s into *tmp in a memory scope: when an allocation fails, every
 * block the stage allocated is freed (tmp's among them: it is forgotten,
 * not destroyed) and the stage fails like a cancelled one, the previous
 * results kept. The abstract stage may have replaced the candidate
 * cache or the derivation base: a new one was the stage's and is gone
 * with it (the old one was freed only once the new one was in place).
 */
static int run_scoped(struct pipeline *pl, enum stage s,
    union stage_any *tmp, struct simcache *cache, struct err *err)
{
	struct mem_scope sc;
	struct sbase *base = pl->sbase;
	mem_scope_open(&sc);
	if (setjmp(sc.jb) != 0) {
		memset(tmp, 0, sizeof *tmp);
		if (pl->simcache != cache)
			pl->simcache = NULL;
		if (pl->sbase != base)     /* the same for the base */
			pl->sbase = NULL;
		return mem_scope_error(&sc, err, NULL);
	}
	int rc = stage_ops[s].run(pl, tmp, err);
	mem_scope_close(&sc);
	return rc;
}

/* Run one stage into a temporary; publish on success. */
static int run_stage(struct pipeline *pl, enum stage s, struct err *err)
{
	double t0 = util_now_ms();
	int rc = -1;

	if ((unsigned)s < STAGE__COUNT) {
		const struct stage_ops *op = &stage_ops[s];
		union stage_any tmp;
		memset(&tmp, 0, sizeof tmp);
		rc = run_scoped(pl, s, &tmp, pl->simcache, err);
		if (rc < 0) {
			if (s == STAGE_ABSTRACT)    /* a base sharing its S */
				sbase_release(pl, &tmp.abs, false);
			op->destroy(&tmp);
		} else {
			/* a filter output that shares S's arrays goes with S */
			if (s == STAGE_ABSTRACT && pl->filt.b_is_s)
				drop_stage(pl, STAGE_FILTER);
			/* the old S lives on as the derivation base */
			if (s == STAGE_ABSTRACT)
				sbase_release(pl, &pl->abs, true);
			op->destroy((char *)pl + op->out);
			memcpy((char *)pl + op->out, &tmp, op->size);
		}
	}
	if (rc < 0)
		return err_prefix(err, "%s", stage_name(s));
	pl->ms[s] = util_now_ms() - t0;
	pl->have[s] = pl->fresh[s] = true;
	pl->insight[s] = false;
	return 0;
}

int pipeline_run(struct pipeline *pl, enum stage upto, struct err *err)
{
	if (!pl->ds)
		return err_set(err, ERR_STATE, "no dataset loaded: use "
		    "load FILE first");
	if ((unsigned)upto >= STAGE__COUNT)
		upto = STAGE_RECOMMEND;
	for (int s = 0; s <= (int)upto; s++) {
		if (pl->fresh[s])
			continue;
		if (hooks_cancelled(&pl->hooks))
			return err_set(err, ERR_INTERRUPTED, "interrupted "
			    "before %s", stage_name(s));
		pipeline_invalidate(pl, s);
		if (run_stage(pl, s, err) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ load stage */

int split_run(struct pipeline *pl, struct split_out *out, struct err *err)
{
	const struct dataset *ds = pl->ds;
	out->part = xmalloc(ds->n ? ds->n : 1);
	if (split_assign(ds, &pl->params, out->part, err) < 0)
		return -1;
	uint8_t *seen_t = xcalloc(ds->users.n ? ds->users.n : 1, 1);
	for (size_t k = 0; k < ds->n; k++) {
		uint8_t p = out->part[k];
		out->n_train += p == PART_TRAIN;
		out->n_valid += p == PART_VALID;
		out->n_test += p == PART_TEST;
		seen_t[ds->user[k]] |= (uint8_t)(1u << p);
	}
	for (uint32_t u = 0; u < ds->users.n; u++) {
		out->users_with_test += (seen_t[u] >> PART_TEST) & 1;
		out->users_with_valid += (seen_t[u] >> PART_VALID) & 1;
	}
	xfree(seen_t);
	return 0;
}

void split_out_destroy(struct split_out *o)
{
	xfree(o->part);
	memset(o, 0, sizeof *o);
}

/* --------------------------------------------------------------- lookups */

/* The id of m nearest to arg by edit distance, or NULL (ids are scanned
 * only on this error path). */
static const char *nearest_id(const struct idmap *m, const char *arg)
{
	const char *near = NULL;
	int best = NEAR_START;
	for (uint32_t k = 0; k < m->n; k++)
		if (util_closer(arg, idmap_name(m, k), &best))
			near = idmap_name(m, k);
	return near;
}

int64_t pipeline_user(const struct pipeline *pl, const char *id,
    struct err *err)
{
	if (!pl->ds)
		return err_set(err, ERR_STATE, "no dataset loaded");
	int64_t u = idmap_find(&pl->ds->users, id, strlen(id));
	if (u >= 0)
		return u;
	const char *near = nearest_id(&pl->ds->users, id);
	if (near)
		return err_set(err, ERR_NOTFOUND, "unknown user '%s' (did you "
		    "mean '%s'?)", id, near);
	return err_set(err, ERR_NOTFOUND, "unknown user '%s'", id);
}

/* Does title t match arg in pass p: exactly, case-insensitively, as a
 * case-insensitive prefix? */
static bool title_match(const char *t, const char *arg, int p)
{
	return p == 0 ? strcmp(t, arg) == 0 : p == 1 ? strcasecmp(t, arg) == 0 :
	    strncasecmp(t, arg, strlen(arg)) == 0;
}

int64_t pipeline_item(const struct pipeline *pl, const char *arg,
    struct err *err)
{
	const struct dataset *ds = pl->ds;
	if (!ds)
		return err_set(err, ERR_STATE, "no dataset loaded");
	int64_t found = idmap_find(&ds->items, arg, strlen(arg));
	if (found >= 0)
		return found;
	int nfound = 0;
	char ids[256] = "";
	for (int pass = 0; pass < 3 && nfound == 0 && *arg; pass++)
		for (uint32_t k = 0; ds->title && k < ds->items.n; k++) {
			const char *t = ds->title[k];
			if (!t || !title_match(t, arg, pass))
				continue;
			if (nfound++ == 0)
				found = k;
			size_t len = strlen(ids);
			if (nfound <= 5)
				snprintf(ids + len, sizeof ids - len, "%s%s %s",
				    len ? "; " : "", idmap_name(&ds->items, k),
				    t);
		}
	if (nfound == 1)
		return found;
	if (nfound > 1)
		return err_set(err, ERR_NOTFOUND, "'%s' names %d items: %s%s; "
		    "give the item id", arg, nfound, ids, nfound > 5 ? "; …" :
		    "");
	/* did you mean: the one title containing it, else the nearest id */
	for (uint32_t k = 0; ds->title && k < ds->items.n; k++)
		if (ds->title[k] && strcasestr(ds->title[k], arg) &&
		    nfound++ == 0)
			found = k;
	if (nfound == 1)
		return err_set(err, ERR_NOTFOUND, "unknown item '%s' (did you "
		    "mean %s %s?)", arg, idmap_name(&ds->items,
		    (uint32_t)found), ds->title[found]);
	if (nfound > 1)
		return err_set(err, ERR_NOTFOUND, "unknown item '%s': %d titles "
		    "contain it (list them with: items %s)", arg, nfound, arg);
	const char *near = nearest_id(&ds->items, arg);
	if (near)
		return err_set(err, ERR_NOTFOUND, "unknown item '%s' (did you "
		    "mean '%s'?)", arg, near);
	return err_set(err, ERR_NOTFOUND, "unknown item '%s' (neither an item "
	    "id nor a title; search titles with: items PATTERN)", arg);
}

const char *const *pipeline_inputs(const struct pipeline *pl,
    const char **in)
{
	int n = 0;
	if (pl->ds) {
		in[n++] = pl->ds->path;
		if (pl->ds->meta_path)
			in[n++] = pl->ds->meta_path;
	}
	if (pl->lopts.test_path)
		in[n++] = pl->lopts.test_path;
	if (pl->lopts.valid_path)
		in[n++] = pl->lopts.valid_path;
	in[n] = NULL;
	return in;
}
