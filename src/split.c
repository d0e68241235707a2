/*
 * distill — split.c: assign every interaction to train, validation or
 * test (part of the load stage).
 *
 * Test, per user, over all of the user's interactions:
 *   random      h of n chosen uniformly (seeded by split.seed),
 *   temporal    the h latest by timestamp (ties: later in the file),
 *   leave-last  the single latest (h = 1),
 *   given       the interactions that came from the --test file,
 *   none        nothing: every interaction trains, nothing is held out
 *               for test or validation (teaching, inspection; there is
 *               nothing to evaluate),
 *   hash        each interaction whose unit(hash_pair(user, item, seed))
 *               is below the fraction (util.h): a rule on the labels
 *               alone, so a sample of users or a cluster job
 *               (cluster/distill-abstract) splits every user exactly as
 *               the whole log in process does. When it would hold out
 *               all of a user's n >= 2 interactions, the one with the
 *               largest hash stays in training; n < 2 holds out none.
 *               Validation: the same with seed ^ 0x9e3779b97f4a7c15.
 * Validation, per user, over what remains in training: the same rule
 * (random stays random, given test uses random, temporal and leave-last
 * take the latest) with split.validation as the fraction, or `given`: the
 * interactions that came from the --valid file.
 *
 * Count rule: a user with n interactions in the pool holds out
 * h = clamp(round(f * n), 1, n - 1) when n >= 2 (rounding half up), and
 * none when n < 2, so every user keeps at least one training interaction
 * and a user with a single one keeps it in training. Deterministic for a
 * seed: users are visited in id order with one generator for test and
 * another (seed-derived) one for validation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "params.h"

/* How many of n to hold out for fraction f (see the count rule above). */
static size_t split_count(double f, size_t n)
{
	if (n < 2 || f <= 0)
		return 0;
	size_t h = (size_t)floor(f * (double)n + 0.5);
	if (h < 1)
		h = 1;
	if (h > n - 1)
		h = n - 1;
	return h;
}

struct tkey {
	int64_t t;
	uint32_t k;
};

static int tkey_cmp(const void *a, const void *b)
{
	const struct tkey *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* Mark h of the pool's n entries as `to`: random or latest by time. */
static void split_pick(const struct dataset *ds, uint32_t *pool, size_t n,
    size_t h, bool latest, struct rng *rng, struct tkey *tk, uint8_t *part,
    uint8_t to)
{
	if (h == 0)
		return;
	if (!latest) {
		for (size_t j = 0; j < h; j++) {
			size_t r = j + (size_t)rng_below(rng, n - j);
			uint32_t x = pool[j];
			pool[j] = pool[r];
			pool[r] = x;
			part[pool[j]] = to;
		}
		return;
	}
	for (size_t j = 0; j < n; j++)
		tk[j] = (struct tkey){ ds->time[pool[j]], pool[j] };
	qsort(tk, n, sizeof *tk, tkey_cmp);
	for (size_t j = n - h; j < n; j++)
		part[tk[j].k] = to;
}

/* split.method hash: mark pool entries whose pair hash falls below f. */
static void split_hash(const struct dataset *ds, const uint32_t *pool,
    size_t n, double f, uint64_t seed, uint8_t *part, uint8_t to)
{
	if (n < 2 || f <= 0)
		return;
	size_t held = 0, keep = 0;
	uint64_t best = 0;
	for (size_t j = 0; j < n; j++) {
		uint32_t k = pool[j];
		const char *u = idmap_name(&ds->users, ds->user[k]);
		const char *i = idmap_name(&ds->items, ds->item[k]);
		uint64_t h = hash_pair(u, strlen(u), i, strlen(i), seed);
		if (h >= best) {
			best = h;
			keep = j;
		}
		if (hash_unit(h) < f) {
			part[k] = to;
			held++;
		}
	}
	if (held == n)
		part[pool[keep]] = PART_TRAIN;
}

/* Check that the chosen methods have what they need. */
static int split_check(const struct dataset *ds, int method, double valid,
    struct err *err)
{
	static const char *const names[] = { "random", "temporal",
		"leave-last", "given", "none", "hash" };
	if ((method == SPLIT_TEMPORAL || method == SPLIT_LEAVE_LAST) &&
	    !ds->time)
		return err_set(err, ERR_STATE, "split.method=%s needs "
		    "timestamps, and %s has none (use random, or given with "
		    "--test)", names[method], ds->name ? ds->name : "the data");
	if (method == SPLIT_GIVEN && !ds->has_test)
		return err_set(err, ERR_INVAL, "split.method=given needs a "
		    "test file: load TRAIN --test TEST");
	if (valid < 0 && !ds->has_valid && method != SPLIT_NONE)
		return err_set(err, ERR_INVAL, "split.validation=given needs "
		    "a validation file: load TRAIN --valid FILE");
	if (ds->n >= UINT32_MAX)
		return err_set(err, ERR_LIMIT, "split: more than %u "
		    "interactions", UINT32_MAX - 1);
	return 0;
}

/* Group interaction indices by user (stable): perm and offsets. */
static void split_group(const struct dataset *ds, uint32_t *perm,
    size_t *off)
{
	memset(off, 0, (ds->users.n + 1) * sizeof *off);
	for (size_t k = 0; k < ds->n; k++)
		off[ds->user[k] + 1]++;
	for (uint32_t u = 0; u < ds->users.n; u++)
		off[u + 1] += off[u];
	size_t *fill = xmalloc((ds->users.n + 1) * sizeof *fill);
	memcpy(fill, off, (ds->users.n + 1) * sizeof *fill);
	for (size_t k = 0; k < ds->n; k++)
		perm[fill[ds->user[k]]++] = (uint32_t)k;
	xfree(fill);
}

int split_assign(const struct dataset *ds, const struct params *p,
    uint8_t *part, struct err *err)
{
	int method = params_enum(p, P_SPLIT_METHOD);
	double tf = params_real(p, P_SPLIT_TEST_FRACTION);
	double vf = params_real(p, P_SPLIT_VALIDATION);
	uint64_t seed = (uint64_t)params_int(p, P_SPLIT_SEED);
	if (split_check(ds, method, vf, err) < 0)
		return -1;
	if (method == SPLIT_NONE) {
		memset(part, PART_TRAIN, ds->n);
		return 0;
	}
	size_t *off = xmalloc((ds->users.n + 1) * sizeof *off);
	uint32_t *perm = xmalloc((ds->n ? ds->n : 1) * sizeof *perm);
	split_group(ds, perm, off);
	size_t maxdeg = 1;
	for (uint32_t u = 0; u < ds->users.n; u++)
		if (off[u + 1] - off[u] > maxdeg)
			maxdeg = off[u + 1] - off[u];
	uint32_t *pool = xmalloc(maxdeg * sizeof *pool);
	struct tkey *tk = ds->time ? xmalloc(maxdeg * sizeof *tk) : NULL;
	struct rng rt, rv;
	rng_seed(&rt, seed);
	rng_seed(&rv, seed ^ 0x9e3779b97f4a7c15ull);
	bool latest = method == SPLIT_TEMPORAL || method == SPLIT_LEAVE_LAST;
	for (uint32_t u = 0; u < ds->users.n; u++) {
		uint32_t *seg = perm + off[u];
		size_t n = off[u + 1] - off[u], m = 0;
		for (size_t j = 0; j < n; j++)
			part[seg[j]] = method == SPLIT_GIVEN &&
			    ds->origin[seg[j]] == PART_TEST ? PART_TEST :
			    PART_TRAIN;
		if (method == SPLIT_HASH)
			split_hash(ds, seg, n, tf, seed, part, PART_TEST);
		else if (method != SPLIT_GIVEN)
			split_pick(ds, seg, n, method == SPLIT_LEAVE_LAST ?
			    (n >= 2) : split_count(tf, n), latest, &rt, tk,
			    part, PART_TEST);
		for (size_t j = 0; j < n; j++) {
			if (part[seg[j]] != PART_TRAIN)
				continue;
			if (vf < 0 && ds->origin[seg[j]] == PART_VALID)
				part[seg[j]] = PART_VALID;
			else
				pool[m++] = seg[j];
		}
		if (vf > 0 && method == SPLIT_HASH)
			split_hash(ds, pool, m, vf, seed ^ 0x9e3779b97f4a7c15ull,
			    part, PART_VALID);
		else if (vf > 0)
			split_pick(ds, pool, m, split_count(vf, m), latest,
			    &rv, tk, part, PART_VALID);
	}
	xfree(tk);
	xfree(pool);
	xfree(perm);
	xfree(off);
	return 0;
}
