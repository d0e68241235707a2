/*
 * distill — dataset.c: dataset_load(), the loader's entry point. Opens the
 * interaction file(s), detects their format, parses them into one set of
 * arrays with shared ids, merges duplicate (user, item) pairs, shrinks the
 * arrays, loads item metadata and names the dataset. Builds everything in
 * a local struct and copies it into the caller's only on success.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "load.h"

static const char *const format_names[] = { "auto", "ml100k", "ml1m",
	"csv", "tsv", "adj" };

const char *format_name(enum format f)
{
	if ((unsigned)f >= sizeof format_names / sizeof *format_names)
		return "?";
	return format_names[f];
}

int format_lookup(const char *name)
{
	for (size_t f = 0; f < sizeof format_names / sizeof *format_names; f++)
		if (strcmp(name, format_names[f]) == 0)
			return (int)f;
	return -1;
}

/* Parse one interaction file into st; *fmt is in/out (FMT_AUTO: detect). */
static int dataset_read_file(struct loadstate *st, const char *path,
    uint8_t origin, const struct load_opts *o, const struct hooks *hooks,
    enum format *fmt, uint32_t *crc, struct err *err)
{
	struct reader r;
	const char *s;
	if (reader_open(&r, path, LOAD_ADJ_MAX, hooks, err) < 0)
		return -1;
	size_t n = reader_peek(&r, &s, 65536, err);
	int rows = -1;
	if (n == (size_t)-1)
		goto out;
	if (n == 0) {
		load_error(err, ERR_PARSE, path, 0, 0, "empty file, expected "
		    "interactions");
		goto out;
	}
	if (*fmt == FMT_AUTO)
		*fmt = load_detect(path, s, n);
	r.max_line = *fmt == FMT_ADJ ? LOAD_ADJ_MAX : LOAD_LINE_MAX;
	st->origin = origin;
	/* an uncompressed file's size bounds its interactions: at least 2
	 * bytes per adjacency entry, 4 per delimited row ("1 2\n"); reserve
	 * a typical count (5 and 12 bytes: Gowalla, ML-100K) at once
	 * instead of growing and copying */
	if (!r.gz && r.size)
		ls_reserve(st, st->ds->n + r.size / (*fmt == FMT_ADJ ? 5 : 12));
	rows = load_parse(st, &r, *fmt, o, err);
	if (rows == 0) {
		load_error(err, ERR_PARSE, path, r.next_line, 0, "expected "
		    "interactions (%s format), got none", format_name(*fmt));
		rows = -1;
	}
	st->ds->bytes += r.bytes;
	*crc = r.crc;
out:
	reader_close(&r);
	return rows < 0 ? -1 : 0;
}

/* Files without ratings among rated ones get the highest rating seen
 * (they count as positives); timestamps are dropped unless all have them. */
static void dataset_fill_missing(struct loadstate *st)
{
	struct dataset *ds = st->ds;
	float max = 1;
	bool any = false, all_time = true;
	for (int f = 0; f < st->nfile; f++) {
		size_t to = f + 1 < st->nfile ? st->file[f + 1].from : ds->n;
		all_time &= st->file[f].time;
		for (size_t k = st->file[f].from; st->file[f].rating && k < to;
		    k++)
			if (!any || ds->rating[k] > max)
				max = ds->rating[k], any = true;
	}
	for (int f = 0; ds->rating && f < st->nfile; f++) {
		size_t to = f + 1 < st->nfile ? st->file[f + 1].from : ds->n;
		for (size_t k = st->file[f].from; !st->file[f].rating && k < to;
		    k++)
			ds->rating[k] = max;
	}
	if (!all_time) {
		xfree(ds->time);
		ds->time = NULL;
	}
}

/* Merge k into keep: last rating and origin win, latest time, counts add. */
static void dataset_merge_pair(struct dataset *ds, uint32_t *count,
    size_t keep, size_t k)
{
	/* implicit counts add in an integer: a float stops at 2^24 */
	if (count)
		count[keep] = count[keep] > UINT32_MAX - count[k] ?
		    UINT32_MAX : count[keep] + count[k];
	else if (ds->rating)
		ds->rating[keep] = ds->rating[k];
	if (ds->time && ds->time[k] > ds->time[keep])
		ds->time[keep] = ds->time[k];
	ds->origin[keep] = ds->origin[k];
	ds->origin[k] = 0xff;
}

/* Drop the interactions marked origin 0xff, keeping the order. */
static void dataset_compact(struct dataset *ds)
{
	size_t w = 0;
	for (size_t k = 0; k < ds->n; k++) {
		if (ds->origin[k] == 0xff)
			continue;
		ds->user[w] = ds->user[k];
		ds->item[w] = ds->item[k];
		ds->origin[w] = ds->origin[k];
		if (ds->rating)
			ds->rating[w] = ds->rating[k];
		if (ds->time)
			ds->time[w] = ds->time[k];
		w++;
	}
	ds->n = w;
}

/* True when each user's interactions are contiguous (sorted logs). */
static bool dataset_grouped(const struct dataset *ds, uint32_t nu)
{
	uint8_t *seen = xcalloc(nu ? nu : 1, 1);
	bool ok = true;
	for (size_t k = 0; k < ds->n && ok; k++) {
		if (k > 0 && ds->user[k] == ds->user[k - 1])
			continue;
		ok = !seen[ds->user[k]];
		seen[ds->user[k]] = 1;
	}
	xfree(seen);
	return ok;
}

/* Indices grouped by user, stable (counting sort). */
static uint32_t *dataset_by_user(const struct dataset *ds, uint32_t nu)
{
	uint32_t *perm = try_malloc((ds->n ? ds->n : 1) * sizeof *perm);
	if (!perm)
		return NULL;
	uint64_t *off = xcalloc((size_t)nu + 1, sizeof *off);
	for (size_t k = 0; k < ds->n; k++)
		off[ds->user[k] + 1]++;
	for (uint32_t u = 0; u < nu; u++)
		off[u + 1] += off[u];
	for (size_t k = 0; k < ds->n; k++)
		perm[off[ds->user[k]]++] = (uint32_t)k;
	xfree(off);
	return perm;
}

/*
 * Find duplicate (user, item) pairs: visit each user's interactions in
 * file order (directly when the file is grouped by user, else through a
 * stable counting sort) remembering, per item, where this user last saw
 * it (mark = user + 1, pos = index). The n-sized arrays are the largest
 * allocations of a load; like the arrays themselves, they fail with an
 * error (-1) rather than an abort.
 */
static int dataset_dedup(struct dataset *ds, uint32_t nu, uint32_t ni)
{
	uint32_t *perm = NULL;
	if (!dataset_grouped(ds, nu) && !(perm = dataset_by_user(ds, nu)))
		return -1;
	uint32_t *mark = xcalloc(ni ? ni : 1, sizeof *mark);
	uint32_t *pos = xmalloc((ni ? ni : 1) * sizeof *pos);
	bool implicit = ds->rating == NULL;
	uint32_t *count = NULL;
	for (size_t k = 0; k < ds->n; k++) {
		uint32_t j = perm ? perm[k] : (uint32_t)k, i = ds->item[j];
		uint32_t u = ds->user[j];
		if (mark[i] != u + 1) {
			mark[i] = u + 1;
			pos[i] = j;
			continue;
		}
		if (implicit && !count) {
			if (!(count = try_malloc(ds->n * sizeof *count)) ||
			    !(ds->rating = try_malloc(ds->n * sizeof *ds->rating))) {
				xfree(count);
				xfree(perm);
				xfree(mark);
				xfree(pos);
				return -1;
			}
			for (size_t x = 0; x < ds->n; x++)
				count[x] = 1;
		}
		dataset_merge_pair(ds, count, pos[i], j);
		ds->n_duplicates++;
	}
	for (size_t x = 0; count && x < ds->n; x++)
		ds->rating[x] = (float)count[x];
	xfree(count);
	xfree(perm);
	xfree(mark);
	xfree(pos);
	if (ds->n_duplicates)
		dataset_compact(ds);
	return 0;
}

/* Rebuild an idmap with the ids still used (in order of first use) and
 * renumber x[] through it. */
static void dataset_renumber(struct idmap *m, uint32_t *x, size_t n)
{
	uint32_t *to = xmalloc(((size_t)m->n + 1) * sizeof *to);
	for (uint32_t v = 0; v < m->n; v++)
		to[v] = UINT32_MAX;
	struct idmap nm;
	idmap_init(&nm);
	for (size_t k = 0; k < n; k++) {
		uint32_t v = x[k];
		if (to[v] == UINT32_MAX) {
			const char *name = idmap_name(m, v);
			to[v] = idmap_intern(&nm, name, strlen(name));
		}
		x[k] = to[v];
	}
	xfree(to);
	idmap_destroy(m);
	*m = nm;
}

/* load --sample-users F --sample-seed S: keep the interactions of the
 * users whose label hash falls below F (util.h), then only the users
 * and items they use, in order of first appearance. */
static void dataset_sample(struct dataset *ds, double f, uint64_t seed)
{
	uint8_t *in = xmalloc(ds->users.n ? ds->users.n : 1);
	for (uint32_t u = 0; u < ds->users.n; u++) {
		const char *name = idmap_name(&ds->users, u);
		in[u] = hash_unit(hash_user(name, strlen(name), seed)) < f;
	}
	for (size_t k = 0; k < ds->n; k++)
		if (!in[ds->user[k]])
			ds->origin[k] = 0xff;
	xfree(in);
	dataset_compact(ds);
	dataset_renumber(&ds->users, ds->user, ds->n);
	dataset_renumber(&ds->items, ds->item, ds->n);
}

/* Give the arrays back their unused tail. */
static void dataset_shrink(struct dataset *ds)
{
	size_t n = ds->n ? ds->n : 1;
	ds->user = xreallocarray(ds->user, n, sizeof *ds->user);
	ds->item = xreallocarray(ds->item, n, sizeof *ds->item);
	ds->origin = xreallocarray(ds->origin, n, 1);
	if (ds->rating)
		ds->rating = xreallocarray(ds->rating, n, sizeof *ds->rating);
	if (ds->time)
		ds->time = xreallocarray(ds->time, n, sizeof *ds->time);
}

/* Stems that say nothing about the dataset: use the directory instead. */
static bool generic_stem(const char *stem, size_t len)
{
	static const char *const g[] = { "u", "ua", "ub", "u1", "u2", "u3",
		"u4", "u5", "train", "test", "valid", "train_fit", "data",
		"interactions", NULL };
	if (len >= 7 && strncmp(stem, "ratings", 7) == 0)
		return true;
	for (int k = 0; g[k]; k++)
		if (strlen(g[k]) == len && strncmp(stem, g[k], len) == 0)
			return true;
	return false;
}

/* The directory holding the file at path as written ("a/b/u.data" ->
 * "b"), or NULL when path names none but "." or "..". */
static char *parent_name(const char *path, const char *base)
{
	if (base == path)
		return NULL;
	const char *end = base - 1, *d = end;
	while (d > path && d[-1] != '/')
		d--;
	if (end > d && !(end - d == 1 && *d == '.') &&
	    !(end - d == 2 && d[0] == '.' && d[1] == '.'))
		return xstrndup(d, (size_t)(end - d));
	return NULL;
}

/* "ml-100k" for ml-100k/u.data (and for u.data typed there), "gen" for
 * /tmp/gen.tsv.gz. */
char *dataset_make_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t len = strcspn(base, ".");
	if (len == 0)
		len = strlen(base);
	if (generic_stem(base, len)) {
		char *n = parent_name(path, base);
		if (n)
			return n;
		/* "u.data" typed in its own directory: the name is the
		 * same as from anywhere else */
		char *real = realpath(path, NULL);
		if (real) {
			const char *rb = strrchr(real, '/');
			n = rb ? parent_name(real, rb + 1) : NULL;
			free(real);
			if (n)
				return n;
		}
	}
	return xstrndup(base, len);
}

/* Free everything a (possibly partial) dataset holds. */
void dataset_destroy(struct dataset *ds)
{
	for (uint32_t i = 0; ds->title && i < ds->items.n; i++)
		xfree(ds->title[i]);
	for (uint32_t i = 0; ds->genres && i < ds->items.n; i++)
		xfree(ds->genres[i]);
	for (uint32_t i = 0; ds->label && i < ds->items.n; i++)
		xfree(ds->label[i]);
	xfree(ds->title);
	xfree(ds->genres);
	xfree(ds->label);
	idmap_destroy(&ds->users);
	idmap_destroy(&ds->items);
	xfree(ds->user);
	xfree(ds->item);
	xfree(ds->rating);
	xfree(ds->time);
	xfree(ds->origin);
	xfree(ds->path);
	xfree(ds->meta_path);
	xfree(ds->name);
	memset(ds, 0, sizeof *ds);
}

/* Intern the item ids that start the lines of path, in order. */
static int dataset_preintern(struct loadstate *st, const char *path,
    const struct hooks *h, struct err *err)
{
	struct reader r;
	const char *s, *why;
	size_t len;
	int rc;
	if (reader_open(&r, path, LOAD_LINE_MAX, h, err) < 0)
		return -1;
	while ((rc = reader_next(&r, false, &s, &len, err)) > 0) {
		const char *tab = memchr(s, '\t', len);
		struct field f = { s, tab ? (size_t)(tab - s) : len, 1 };
		uint32_t id;
		if (len == 0)
			continue;
		if (idtab_get(&st->items, f.s, f.len, &id, &why) < 0) {
			char q[128];
			rc = load_error(err, ERR_PARSE, path, r.line, 1,
			    "expected an item id, got %s",
			    load_quote(q, sizeof q, f.s, f.len));
			break;
		}
	}
	reader_close(&r);
	return rc < 0 ? -1 : 0;
}

/* Parse the interaction files (main, test, valid) into ds. */
static int dataset_read_all(struct dataset *ds, struct loadstate *st,
    const char *path, const struct load_opts *o, const struct hooks *h,
    struct err *err)
{
	const char *paths[3] = { path, o->test_path, o->valid_path };
	static const uint8_t origin[3] = { PART_TRAIN, PART_TEST, PART_VALID };
	for (int f = 0; f < 3; f++) {
		enum format fmt = o->format;
		uint32_t crc;
		if (!paths[f])
			continue;
		if (dataset_read_file(st, paths[f], origin[f], o, h, &fmt, &crc,
		    err) < 0)
			return -1;
		ds->crc_part[f] = crc;
		ds->has_crc[f] = true;
		if (f == 0) {
			ds->format = fmt;
			ds->crc = crc;
		}
	}
	ds->has_test = o->test_path != NULL;
	ds->has_valid = o->valid_path != NULL;
	return 0;
}

int dataset_load(struct dataset *out, const char *path,
    const struct load_opts *opts, const struct hooks *hooks, struct err *err)
{
	static const struct load_opts none;
	const struct load_opts *o = opts ? opts : &none;
	struct dataset ds;
	struct loadstate st;
	memset(&ds, 0, sizeof ds);
	memset(&st, 0, sizeof st);
	st.ds = &ds;
	idtab_init(&st.users);
	idtab_init(&st.items);
	int rc = o->item_order ? dataset_preintern(&st, o->item_order, hooks,
	    err) : 0;
	if (rc == 0)
		rc = dataset_read_all(&ds, &st, path, o, hooks, err);
	idtab_free_table(&st.users);
	idtab_free_table(&st.items);
	ds.users = st.users.map;
	ds.items = st.items.map;
	if (rc < 0)
		goto fail;
	dataset_fill_missing(&st);
	if (dataset_dedup(&ds, ds.users.n, ds.items.n) < 0) {
		err_set(err, ERR_LIMIT, "%s: out of memory merging the %zu "
		    "interactions read; the data does not fit in this "
		    "machine's memory", path, ds.n);
		goto fail;
	}
	if (o->sample_users > 0 && o->sample_users < 1)
		dataset_sample(&ds, o->sample_users, o->sample_seed);
	dataset_shrink(&ds);
	ds.path = xstrdup(path);
	ds.name = dataset_make_name(path);
	char *meta = o->items_path ? xstrdup(o->items_path) :
	    meta_discover(path);
	rc = meta ? meta_load(&ds, meta, hooks, err) : 0;
	if (rc < 0) {
		xfree(meta);
		goto fail;
	}
	ds.meta_path = meta;
	*out = ds;
	return 0;
fail:
	dataset_destroy(&ds);
	return -1;
}

const char *dataset_item_title(const struct dataset *ds, uint32_t item)
{
	if (ds->label && ds->label[item])
		return ds->label[item];
	return idmap_name(&ds->items, item);
}
