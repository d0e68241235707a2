/*
 * distill — distill-gen.c: a seeded generator of realistic interaction logs.
 *
 * Written for the distill project; released under CC0 1.0 (public domain
 * dedication), like the data it produces.
 *
 * The model has G planted genres.
 * - Items: each item belongs to one genre, sometimes two. Genre sizes follow
 *   a Zipf law. Within a genre, item popularity follows a Zipf law with
 *   exponent --zipf over a shuffled rank, so popularity is not tied to the id.
 * - Users: each user is interested in 1-3 genres, chosen by genre popularity,
 *   with Dirichlet(1) weights. A user's activity (number of interactions) is
 *   log-normal, scaled so that the counts add up to --interactions exactly.
 * - Interactions: each one picks a genre by the user's weights. With
 *   probability --explore it picks one by global popularity instead. It then
 *   picks an item of that genre by popularity. A (user, item) pair is never
 *   repeated.
 * - Ratings: 1-5, higher when the item's genre matches the user's interests,
 *   with user and item biases and noise.
 * - Timestamps: increase within each user, from a per-user start after
 *   --epoch, in sessions (short gaps) separated by days.
 *
 * Output streams user by user, so memory is O(users + items): the per-user
 * dedupe set is one stamp per item. Ids are numeric but not dense (user
 * 1000+k, item 1+7k), so that the loader's id mapping is exercised. The
 * items file has generated pronounceable titles with a year. Some titles
 * contain commas, quotes or non-ASCII UTF-8, to exercise CSV quoting and
 * display width.
 *
 * This program is standalone: it does not link the distill engine.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define MAX_GENRES 255
#define NO_GENRE 255

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static const char *progname = "distill-gen";

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", progname);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (p == NULL)
		die("out of memory%s", "");
	return p;
}

/* Walker/Vose alias table: O(1) sampling from fixed weights. */
struct alias {
	uint32_t n;
	double *prob;
	uint32_t *alias;
};

/* Build an alias table over w[0..n) (n > 0, weights > 0). */
static void alias_build(struct alias *a, const double *w, uint32_t n)
{
	uint32_t *small = xcalloc(n, sizeof *small), *large = xcalloc(n,
	    sizeof *large), ns = 0, nl = 0;
	double sum = 0;

	a->n = n;
	a->prob = xcalloc(n, sizeof *a->prob);
	a->alias = xcalloc(n, sizeof *a->alias);
	for (uint32_t i = 0; i < n; i++)
		sum += w[i];
	for (uint32_t i = 0; i < n; i++) {
		a->prob[i] = w[i] * n / sum;
		a->alias[i] = i;
		if (a->prob[i] < 1)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns > 0 && nl > 0) {
		uint32_t s = small[--ns], l = large[nl - 1];
		a->alias[s] = l;
		a->prob[l] -= 1 - a->prob[s];
		if (a->prob[l] < 1) {
			nl--;
			small[ns++] = l;
		}
	}
	while (nl > 0)
		a->prob[large[--nl]] = 1;
	while (ns > 0)
		a->prob[small[--ns]] = 1;
	free(small);
	free(large);
}

static inline uint32_t alias_sample(const struct alias *a, struct rng *r)
{
	uint32_t k = rng_below(r, a->n);
	return rng_unif(r) < a->prob[k] ? k : a->alias[k];
}

static void alias_free(struct alias *a)
{
	free(a->prob);
	free(a->alias);
}

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

struct opts {
	uint32_t users, items, genres, min_per_user;
	uint64_t interactions, seed;
	int64_t epoch;
	double zipf, genre_zipf, sigma, explore, two_genre;
	const char *out, *items_out;
	int tsv;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: %s [options]\n"
"  --users N          users (default 1000)\n"
"  --items N          items (default 500)\n"
"  --interactions N   exact number of interactions (default 50000)\n"
"  --genres G         planted genres, 1..255 (default 8)\n"
"  --seed S           random seed (default 1)\n"
"  --out FILE         interactions file (default: standard output)\n"
"  --items-out FILE   items file: itemId,title,genres (default: none)\n"
"  --format csv|tsv   csv with header userId,itemId,rating,timestamp\n"
"                     or tsv without header (default csv)\n"
"  --zipf S           item popularity exponent (default 1.4)\n"
"  --genre-zipf S     genre size/popularity exponent (default 0.8)\n"
"  --activity-sigma S log-normal sigma of user activity (default 1.0)\n"
"  --min-per-user N   fewest interactions per user (default 5)\n"
"  --explore P        chance of an out-of-interest pick (default 0.1)\n"
"  --two-genre P      chance that an item has a second genre (default 0.2)\n"
"  --epoch T          earliest timestamp, Unix seconds (default 978307200)\n",
	    progname);
}

/* Parse an unsigned integer option value in [lo, hi] or die. */
static uint64_t parse_uint(const char *name, const char *s, uint64_t lo,
    uint64_t hi)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < lo || v > hi) {
		fprintf(stderr, "%s: --%s: expected an integer in [%" PRIu64
		    ", %" PRIu64 "], got '%s'\n", progname, name, lo, hi, s);
		exit(2);
	}
	return v;
}

/* Parse a real option value in [lo, hi] or die. */
static double parse_real(const char *name, const char *s, double lo,
    double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "%s: --%s: expected a number in [%g, %g], "
		    "got '%s'\n", progname, name, lo, hi, s);
		exit(2);
	}
	return v;
}

static const struct option long_opts[] = {
	{ "users", 1, 0, 'u' }, { "items", 1, 0, 'i' },
	{ "interactions", 1, 0, 'n' }, { "genres", 1, 0, 'g' },
	{ "seed", 1, 0, 's' }, { "out", 1, 0, 'o' },
	{ "items-out", 1, 0, 'I' }, { "format", 1, 0, 'f' },
	{ "zipf", 1, 0, 'z' }, { "genre-zipf", 1, 0, 'Z' },
	{ "activity-sigma", 1, 0, 'a' }, { "min-per-user", 1, 0, 'm' },
	{ "explore", 1, 0, 'x' }, { "two-genre", 1, 0, 't' },
	{ "epoch", 1, 0, 'e' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 }
};

/* Apply one parsed option to o. */
static void opts_set(struct opts *o, int c, const char *v, const char *name)
{
	switch (c) {
	case 'u': o->users = parse_uint(name, v, 1, 100000000); break;
	case 'i': o->items = parse_uint(name, v, 2, 100000000); break;
	case 'n': o->interactions = parse_uint(name, v, 0, 4000000000ULL);
		break;
	case 'g': o->genres = parse_uint(name, v, 1, MAX_GENRES - 1); break;
	case 's': o->seed = parse_uint(name, v, 0, UINT64_MAX); break;
	case 'o': o->out = v; break;
	case 'I': o->items_out = v; break;
	case 'z': o->zipf = parse_real(name, v, 0, 5); break;
	case 'Z': o->genre_zipf = parse_real(name, v, 0, 5); break;
	case 'a': o->sigma = parse_real(name, v, 0, 4); break;
	case 'm': o->min_per_user = parse_uint(name, v, 1, 100000000); break;
	case 'x': o->explore = parse_real(name, v, 0, 1); break;
	case 't': o->two_genre = parse_real(name, v, 0, 1); break;
	case 'e': o->epoch = parse_uint(name, v, 0, 4000000000ULL); break;
	case 'f':
		if (strcmp(v, "csv") != 0 && strcmp(v, "tsv") != 0) {
			fprintf(stderr, "%s: --format: expected csv or tsv, "
			    "got '%s'\n", progname, v);
			exit(2);
		}
		o->tsv = v[0] == 't';
		break;
	}
}

static void opts_parse(struct opts *o, int argc, char **argv)
{
	int c, idx;

	*o = (struct opts){ .users = 1000, .items = 500, .genres = 8,
	    .min_per_user = 5, .interactions = 50000, .seed = 1,
	    .epoch = 978307200, .zipf = 1.4, .genre_zipf = 0.8, .sigma = 1.0,
	    .explore = 0.1, .two_genre = 0.2 };
	while ((c = getopt_long(argc, argv, "h", long_opts, &idx)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == '?') {
			usage(stderr);
			exit(2);
		}
		opts_set(o, c, optarg, long_opts[idx].name);
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", progname,
		    argv[optind]);
		exit(2);
	}
}

/* ------------------------------------------------------------------ */
/* The item catalog                                                    */
/* ------------------------------------------------------------------ */

struct catalog {
	uint32_t n, g;
	uint8_t *g1, *g2;       /* genres; g2 = NO_GENRE when single */
	float *bias;            /* rating bias (quality) */
	char **title;
	double *gpop;           /* genre popularity, sums to 1 */
	uint32_t **members;     /* members[g][k] = item */
	uint32_t *nmembers;
	struct alias *in_genre; /* over members[g] by popularity */
	struct alias genres;    /* over genres by popularity */
	struct alias global;    /* over all items by popularity */
	double *pop;            /* global popularity weight per item */
	uint32_t *by_rank;      /* items, most popular first */
};

static void shuffle_u32(struct rng *r, uint32_t *a, uint32_t n)
{
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j = rng_below(r, i), t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* Give each item a primary genre (every genre non-empty) and maybe a
 * second one, with Zipf-distributed genre sizes. */
static void catalog_assign_genres(struct catalog *c, struct rng *r,
    double two_genre)
{
	uint32_t *perm = xcalloc(c->n, sizeof *perm);

	for (uint32_t i = 0; i < c->n; i++)
		perm[i] = i;
	shuffle_u32(r, perm, c->n);
	alias_build(&c->genres, c->gpop, c->g);
	for (uint32_t k = 0; k < c->n; k++) {
		uint32_t it = perm[k];
		c->g1[it] = (uint8_t)(k < c->g ? k : alias_sample(&c->genres,
		    r));
		c->g2[it] = NO_GENRE;
		if (c->g > 1 && rng_unif(r) < two_genre) {
			uint32_t g2;
			do
				g2 = alias_sample(&c->genres, r);
			while (g2 == c->g1[it]);
			c->g2[it] = (uint8_t)g2;
		}
		c->nmembers[c->g1[it]]++;
		if (c->g2[it] != NO_GENRE)
			c->nmembers[c->g2[it]]++;
	}
	free(perm);
}

/* Give items a power-law popularity over a shuffled global rank, so that
 * it holds across genres and, as a subsequence, within each genre. Fill
 * members[g] and build the alias tables. */
static void catalog_rank(struct catalog *c, struct rng *r, double zipf)
{
	uint32_t *fill = xcalloc(c->g, sizeof *fill);
	uint32_t *perm = c->by_rank;
	double *w = xcalloc(c->n, sizeof *w);

	for (uint32_t i = 0; i < c->n; i++)
		perm[i] = i;
	shuffle_u32(r, perm, c->n);
	for (uint32_t k = 0; k < c->n; k++) {
		c->pop[perm[k]] = pow(k + 1.0, -zipf);
		c->bias[perm[k]] += (float)(0.3 * (0.5 - (double)k / c->n));
	}
	for (uint32_t g = 0; g < c->g; g++)
		c->members[g] = xcalloc(c->nmembers[g], sizeof(uint32_t));
	for (uint32_t i = 0; i < c->n; i++) {
		c->members[c->g1[i]][fill[c->g1[i]]++] = i;
		if (c->g2[i] != NO_GENRE)
			c->members[c->g2[i]][fill[c->g2[i]]++] = i;
	}
	for (uint32_t g = 0; g < c->g; g++) {
		for (uint32_t k = 0; k < c->nmembers[g]; k++)
			w[k] = c->pop[c->members[g][k]];
		alias_build(&c->in_genre[g], w, c->nmembers[g]);
	}
	alias_build(&c->global, c->pop, c->n);
	free(w);
	free(fill);
}

static void catalog_make(struct catalog *c, const struct opts *o)
{
	struct rng r;
	char buf[256];
	double sum = 0;

	rng_seed(&r, o->seed, 1);
	c->n = o->items;
	c->g = o->genres;
	c->g1 = xcalloc(c->n, 1);
	c->g2 = xcalloc(c->n, 1);
	c->bias = xcalloc(c->n, sizeof *c->bias);
	c->title = xcalloc(c->n, sizeof *c->title);
	c->pop = xcalloc(c->n, sizeof *c->pop);
	c->by_rank = xcalloc(c->n, sizeof *c->by_rank);
	c->gpop = xcalloc(c->g, sizeof *c->gpop);
	c->members = xcalloc(c->g, sizeof *c->members);
	c->nmembers = xcalloc(c->g, sizeof *c->nmembers);
	c->in_genre = xcalloc(c->g, sizeof *c->in_genre);
	for (uint32_t g = 0; g < c->g; g++)
		sum += c->gpop[g] = pow(g + 1.0, -o->genre_zipf);
	for (uint32_t g = 0; g < c->g; g++)
		c->gpop[g] /= sum;
	catalog_assign_genres(c, &r, o->two_genre);
	for (uint32_t i = 0; i < c->n; i++) {
		c->bias[i] = (float)(0.45 * rng_normal(&r));
		title_make(&r, buf);
		c->title[i] = strdup(buf);
		if (c->title[i] == NULL)
			die("out of memory%s", "");
	}
	catalog_rank(c, &r, o->zipf);
}

static void catalog_free(struct catalog *c)
{
	for (uint32_t g = 0; g < c->g; g++) {
		free(c->members[g]);
		alias_free(&c->in_genre[g]);
	}
	for (uint32_t i = 0; i < c->n; i++)
		free(c->title[i]);
	alias_free(&c->genres);
	alias_free(&c->global);
	free(c->g1);
	free(c->g2);
	free(c->bias);
	free(c->title);
	free(c->pop);
	free(c->by_rank);
	free(c->gpop);
	free(c->members);
	free(c->nmembers);
	free(c->in_genre);
}

/* ------------------------------------------------------------------ */
/* Buffered output                                                     */
/* ------------------------------------------------------------------ */

#define OUT_CAP (1 << 20)

struct out {
	FILE *f;
	const char *path;
	char *buf;
	size_t len;
};

static void out_open(struct out *w, const char *path)
{
	w->path = path ? path : "standard output";
	w->f = path && strcmp(path, "-") != 0 ? fopen(path, "wb") : stdout;
	if (w->f == NULL)
		die("cannot open %s for writing", path);
	w->buf = xcalloc(OUT_CAP, 1);
	w->len = 0;
}

static void out_flush(struct out *w)
{
	if (w->len && fwrite(w->buf, 1, w->len, w->f) != w->len)
		die("write error on %s", w->path);
	w->len = 0;
}

static void out_close(struct out *w)
{
	out_flush(w);
	if ((w->f == stdout ? fflush(w->f) : fclose(w->f)) != 0)
		die("write error on %s", w->path);
	free(w->buf);
}

/* Make room for at least n more bytes. */
static inline void out_reserve(struct out *w, size_t n)
{
	if (w->len + n > OUT_CAP)
		out_flush(w);
}

static inline void out_u64(struct out *w, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		w->buf[w->len++] = tmp[--n];
}

static void out_str(struct out *w, const char *s)
{
	size_t n = strlen(s);

	out_reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/* Write s as one CSV field, quoted per RFC 4180 when it needs to be. */
static void out_csv_field(struct out *w, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		out_str(w, s);
		return;
	}
	out_reserve(w, 2 * strlen(s) + 2);
	w->buf[w->len++] = '"';
	for (; *s; s++) {
		if (*s == '"')
			w->buf[w->len++] = '"';
		w->buf[w->len++] = *s;
	}
	w->buf[w->len++] = '"';
}

#define ITEM_ID(i) (1 + 7 * (uint64_t)(i))
#define USER_ID(u) (1000 + (uint64_t)(u))

static void items_write(const struct catalog *c, const char *path)
{
	struct out w;
	char tmp[32];

	out_open(&w, path);
	out_str(&w, "itemId,title,genres\n");
	for (uint32_t i = 0; i < c->n; i++) {
		out_reserve(&w, 24);
		out_u64(&w, ITEM_ID(i));
		w.buf[w.len++] = ',';
		out_csv_field(&w, c->title[i]);
		out_str(&w, ",");
		out_str(&w, genre_name(c->g1[i], tmp));
		if (c->g2[i] != NO_GENRE) {
			out_str(&w, "|");
			out_str(&w, genre_name(c->g2[i], tmp));
		}
		out_str(&w, "\n");
	}
	out_close(&w);
}

/* ------------------------------------------------------------------ */
/* Users and interactions                                              */
/* ------------------------------------------------------------------ */

static uint64_t counts_total(const double *a, uint32_t n, double s,
    uint32_t lo, uint32_t hi)
{
	uint64_t t = 0;

	for (uint32_t u = 0; u < n; u++) {
		double c = floor(a[u] * s + 0.5);
		t += c < lo ? lo : c > hi ? hi : (uint64_t)c;
	}
	return t;
}

/* Per-user interaction counts: log-normal activity, clamped to
 * [min_per_user, cap], adding up to exactly o->interactions. */
static uint32_t *counts_make(const struct opts *o, uint32_t cap)
{
	struct rng r;
	double *a = xcalloc(o->users, sizeof *a), lo = 0, hi = 1, amin = 1e300;
	uint32_t *cnt = xcalloc(o->users, sizeof *cnt), u;
	uint64_t total;

	rng_seed(&r, o->seed, 2);
	for (u = 0; u < o->users; u++) {
		a[u] = exp(o->sigma * rng_normal(&r));
		amin = a[u] < amin ? a[u] : amin;
	}
	hi = (double)cap / amin + 1;
	for (int it = 0; it < 200; it++) {   /* largest s with total <= n */
		double mid = (lo + hi) / 2;
		if (counts_total(a, o->users, mid, o->min_per_user, cap) <=
		    o->interactions)
			lo = mid;
		else
			hi = mid;
	}
	total = 0;
	for (u = 0; u < o->users; u++) {
		double c = floor(a[u] * lo + 0.5);
		cnt[u] = c < o->min_per_user ? o->min_per_user : c > cap ?
		    cap : (uint32_t)c;
		total += cnt[u];
	}
	for (u = rng_below(&r, o->users); total < o->interactions;
	    u = (u + 7919) % o->users)
		if (cnt[u] < cap) {
			cnt[u]++;
			total++;
		}
	free(a);
	return cnt;
}

/* One user's tastes. */
struct user {
	uint32_t ng;
	uint8_t g[3];
	double w[3];      /* interest weights, sum 1 */
	double wmax;
	double bias;
};

static void user_make(struct user *us, const struct catalog *c,
    struct rng *r)
{
	double p = rng_unif(r), sum = 0;
	uint32_t k;

	us->ng = p < 0.35 ? 1 : p < 0.75 ? 2 : 3;
	if (us->ng > c->g)
		us->ng = c->g;
	for (k = 0; k < us->ng; k++) {
		uint32_t g, j;
		do {    /* distinct genres, by popularity */
			g = alias_sample(&c->genres, r);
			for (j = 0; j < k && us->g[j] != g; j++)
				;
		} while (j < k);
		us->g[k] = (uint8_t)g;
		sum += us->w[k] = rng_exp(r) + 1e-9;   /* Dirichlet(1) */
	}
	us->wmax = 0;
	for (k = 0; k < us->ng; k++) {
		us->w[k] /= sum;
		us->wmax = us->w[k] > us->wmax ? us->w[k] : us->wmax;
	}
	us->bias = 0.35 * rng_normal(r);
}

/* Match in [0, 1] between an item's genres and the user's interests. */
static double user_match(const struct user *us, const struct catalog *c,
    uint32_t it)
{
	double m = 0;

	for (uint32_t k = 0; k < us->ng; k++)
		if (us->g[k] == c->g1[it] || us->g[k] == c->g2[it])
			m = us->w[k] > m ? us->w[k] : m;
	return m / us->wmax;
}

/* Pick a genre: the user's weights, or global popularity when exploring. */
static uint32_t user_genre(const struct user *us, const struct catalog *c,
    struct rng *r, double explore)
{
	double p;
	uint32_t k;

	if (rng_unif(r) < explore)
		return alias_sample(&c->genres, r);
	p = rng_unif(r);
	for (k = 0; k + 1 < us->ng && p >= us->w[k]; k++)
		p -= us->w[k];
	return us->g[k];
}

/* Pick an item the user has not seen (seen[item] == stamp marks seen):
 * by genre, then by global popularity, then the most popular unseen item
 * (*cursor: every item of a better rank is already seen). */
static uint32_t user_pick(const struct user *us, const struct catalog *c,
    struct rng *r, double explore, const uint32_t *seen, uint32_t stamp,
    uint32_t *cursor)
{
	uint32_t it;

	for (int t = 0; t < 12; t++) {
		uint32_t g = user_genre(us, c, r, explore);
		it = c->members[g][alias_sample(&c->in_genre[g], r)];
		if (seen[it] != stamp)
			return it;
	}
	for (int t = 0; t < 12; t++) {
		it = alias_sample(&c->global, r);
		if (seen[it] != stamp)
			return it;
	}
	while (seen[c->by_rank[*cursor]] == stamp)
		(*cursor)++;
	return c->by_rank[*cursor];
}

static int rating_make(const struct user *us, const struct catalog *c,
    struct rng *r, uint32_t it)
{
	double m = 2.6 + 1.5 * user_match(us, c, it) + us->bias + c->bias[it];
	double x = floor(m + 0.85 * rng_normal(r) + 0.5);

	return x < 1 ? 1 : x > 5 ? 5 : (int)x;
}

/* Gap to the next interaction: mostly minutes within a session, sometimes
 * a jump to the next session (sess_gap seconds on average). */
static int64_t gap_make(struct rng *r, double sess_gap)
{
	if (rng_unif(r) < 0.8)
		return 1 + (int64_t)(rng_exp(r) * 150);
	return 600 + (int64_t)(rng_exp(r) * sess_gap);
}

/* A user's first timestamp and mean gap between sessions: an active span
 * of days to years, started so that it ends within ten years of epoch. */
static int64_t span_make(struct rng *r, int64_t epoch, uint32_t n,
    double *sess_gap)
{
	double span = 60 * 86400.0 * exp(rng_normal(r)), ten = 3652 * 86400.0;

	if (span > ten / 2)
		span = ten / 2;
	*sess_gap = span / (1 + 0.2 * n);
	return epoch + (int64_t)(rng_unif(r) * (ten - span));
}

static void interactions_write(const struct catalog *c, const struct opts *o,
    const uint32_t *cnt)
{
	uint32_t *seen = xcalloc(c->n, sizeof *seen);
	struct rng r;
	struct user us;
	struct out w;
	char sep = o->tsv ? '\t' : ',';

	rng_seed(&r, o->seed, 3);
	out_open(&w, o->out);
	if (!o->tsv)
		out_str(&w, "userId,itemId,rating,timestamp\n");
	for (uint32_t u = 0; u < o->users; u++) {
		uint32_t cursor = 0;
		double sess_gap;
		int64_t t = span_make(&r, o->epoch, cnt[u], &sess_gap);

		user_make(&us, c, &r);
		for (uint32_t k = 0; k < cnt[u]; k++) {
			uint32_t it = user_pick(&us, c, &r, o->explore, seen,
			    u + 1, &cursor);
			seen[it] = u + 1;
			out_reserve(&w, 64);
			out_u64(&w, USER_ID(u));
			w.buf[w.len++] = sep;
			out_u64(&w, ITEM_ID(it));
			w.buf[w.len++] = sep;
			w.buf[w.len++] = (char)('0' + rating_make(&us, c, &r,
			    it));
			w.buf[w.len++] = sep;
			out_u64(&w, (uint64_t)t);
			w.buf[w.len++] = '\n';
			t += gap_make(&r, sess_gap);
		}
	}
	out_close(&w);
	free(seen);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct catalog c;
	uint32_t cap, *cnt;

	opts_parse(&o, argc, argv);
	if (o.genres > o.items || o.min_per_user >= o.items) {
		fprintf(stderr, "%s: --genres must not exceed --items and "
		    "--min-per-user must be below it\n", progname);
		return 2;
	}
	cap = o.items / 2 > o.min_per_user ? o.items / 2 : o.min_per_user;
	if (o.interactions < (uint64_t)o.users * o.min_per_user ||
	    o.interactions > (uint64_t)o.users * cap) {
		fprintf(stderr, "%s: --interactions must be between users * "
		    "min-per-user (%" PRIu64 ") and users * items/2 (%" PRIu64
		    ")\n", progname, (uint64_t)o.users * o.min_per_user,
		    (uint64_t)o.users * cap);
		return 2;
	}
	catalog_make(&c, &o);
	if (o.items_out)
		items_write(&c, o.items_out);
	cnt = counts_make(&o, cap);
	interactions_write(&c, &o, cnt);
	free(cnt);
	catalog_free(&c);
	return 0;
}
