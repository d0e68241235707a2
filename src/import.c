/*
 * distill — import.c: `load DIR`, the output of cluster/distill-abstract
 * (DESIGN §2.2). The directory holds the abstract stage's result computed
 * on a cluster for every user (per-item neighbour lists, item popularity)
 * and the interactions of a hash-sampled share of users:
 *
 *   manifest.json        format "distill-abstract", version 2: the
 *                        parameters, the inputs' sizes and CRC-32s,
 *                        counts, and every file's size, CRC-32 and rows
 *   items.tsv            `id degree`: line r is item index r
 *   neighbours-*.bin     records of three little-endian 32-bit fields,
 *                        i j s: item indices and s_ij (a float); every
 *                        tie at the k-th score kept (version 2; version
 *                        1 wrote them as text, neighbours-*.tsv, `i j s`
 *                        lines, still read)
 *   train.tsv, test.tsv, valid.tsv
 *                        the sampled users' interactions (tsv)
 *
 * Every file is checked against the manifest (a missing or truncated one
 * names itself) before anything replaces the session. The abstract stage
 * is then *imported*: abstract_run() selects S from the imported lists
 * (a prefix of each row, exactly as a tighter threshold or top-k does in
 * process), and any change of the parameters the lists were computed
 * with is refused with the job's command that recomputes them. The
 * distill stage reads the imported item popularity (all users, not the
 * sample).
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "abstract.h"
#include "load.h"

#define MANIFEST "manifest.json"

bool import_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void import_free(struct import *im)
{
	if (!im)
		return;
	xfree(im->dir);
	xfree(im->command);
	csr_destroy(&im->S);
	xfree(im->pop);
	xfree(im);
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = xmalloc(n);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* One file the manifest lists. */
struct mfile {
	const char *name;
	uint64_t bytes, rows;
	uint32_t crc;
};

struct manifest {
	json_t *root;
	struct mfile *f;
	size_t nf;
	uint64_t items, candidates, neighbour_rows, users_all;
	uint64_t cut_threshold;     /* UINT64_MAX: not recorded */
	uint64_t interactions_all;
	double sample;
	uint64_t sample_seed;
	const char *command;
};

static int mf_error(struct err *err, const char *dir, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int mf_error(struct err *err, const char *dir, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(err, ERR_PARSE, "%s/" MANIFEST ": %s", dir, msg);
}

static int get_u64(json_t *obj, const char *key, uint64_t *v)
{
	json_t *x = json_object_get(obj, key);
	if (!json_is_integer(x) || json_integer_value(x) < 0)
		return -1;
	*v = (uint64_t)json_integer_value(x);
	return 0;
}

static void manifest_free(struct manifest *m)
{
	xfree(m->f);
	if (m->root)
		json_decref(m->root);
	memset(m, 0, sizeof *m);
}

static int manifest_read(const char *dir, struct manifest *m,
    struct err *err)
{
	memset(m, 0, sizeof *m);
	char *path = join(dir, MANIFEST);
	json_error_t je;
	struct stat st;
	if (stat(path, &st) != 0) {
		xfree(path);
		return err_set(err, errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
		    "%s: a directory without " MANIFEST " (load DIR reads the "
		    "output of cluster/distill-abstract): %s", dir,
		    strerror(errno));
	}
	m->root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	xfree(path);
	if (!m->root)
		return err_set(err, ERR_PARSE, "%s/" MANIFEST ":%d:%d: %s", dir,
		    je.line, je.column, je.text);
	json_t *r = m->root;
	const char *fmt = json_string_value(json_object_get(r, "format"));
	if (!fmt || strcmp(fmt, "distill-abstract") != 0)
		return mf_error(err, dir, "expected \"format\": "
		    "\"distill-abstract\"");
	uint64_t ver;
	if (get_u64(r, "version", &ver) < 0 || ver < 1 || ver > 2)
		return mf_error(err, dir, "expected \"version\": 1 or 2 (this "
		    "distill reads versions 1 and 2; re-run the job with this "
		    "distill's cluster/distill-abstract)");
	json_t *c = json_object_get(r, "counts");
	if (get_u64(c, "items", &m->items) < 0 ||
	    get_u64(c, "candidate_pairs", &m->candidates) < 0 ||
	    get_u64(c, "neighbour_rows", &m->neighbour_rows) < 0 ||
	    get_u64(c, "users", &m->users_all) < 0 ||
	    get_u64(c, "interactions", &m->interactions_all) < 0)
		return mf_error(err, dir, "expected \"counts\" with items, "
		    "users, interactions, candidate_pairs and neighbour_rows");
	if (get_u64(c, "cut_threshold", &m->cut_threshold) < 0 ||
	    m->cut_threshold > m->candidates)
		m->cut_threshold = UINT64_MAX;
	if (m->items >= UINT32_MAX)
		return mf_error(err, dir, "%llu items: more than %u",
		    (unsigned long long)m->items, UINT32_MAX - 1);
	json_t *s = json_object_get(r, "sample");
	json_t *su = json_object_get(s, "users");
	m->sample = json_is_number(su) ? json_number_value(su) : 1;
	if (get_u64(s, "seed", &m->sample_seed) < 0)
		m->sample_seed = 0;
	m->command = json_string_value(json_object_get(r, "command"));
	if (!m->command)
		return mf_error(err, dir, "expected \"command\" (a string)");
	json_t *files = json_object_get(r, "files");
	if (!json_is_array(files) || json_array_size(files) == 0)
		return mf_error(err, dir, "expected \"files\" (an array)");
	m->nf = json_array_size(files);
	m->f = xcalloc(m->nf, sizeof *m->f);
	for (size_t k = 0; k < m->nf; k++) {
		json_t *f = json_array_get(files, k);
		struct mfile *x = &m->f[k];
		const char *crc = json_string_value(json_object_get(f,
		    "crc32"));
		char *end;
		x->name = json_string_value(json_object_get(f, "name"));
		if (!x->name || !x->name[0] || strchr(x->name, '/') ||
		    get_u64(f, "bytes", &x->bytes) < 0 ||
		    get_u64(f, "rows", &x->rows) < 0 || !crc)
			return mf_error(err, dir, "files[%zu]: expected name "
			    "(no '/'), bytes, rows and crc32", k);
		unsigned long v = strtoul(crc, &end, 16);
		if (end - crc != 8 || *end)
			return mf_error(err, dir, "files[%zu]: crc32 '%s': "
			    "expected 8 hex digits", k, crc);
		x->crc = (uint32_t)v;
	}
	return 0;
}

static const struct mfile *mf_find(const struct manifest *m,
    const char *name)
{
	for (size_t k = 0; k < m->nf; k++)
		if (strcmp(m->f[k].name, name) == 0)
			return &m->f[k];
	return NULL;
}

/* Every listed file exists with the listed size. */
static int check_sizes(const char *dir, const struct manifest *m,
    struct err *err)
{
	static const char *const need[] = { "items.tsv", "train.tsv" };
	for (size_t k = 0; k < 2; k++)
		if (!mf_find(m, need[k]))
			return mf_error(err, dir, "\"files\" does not list %s",
			    need[k]);
	for (size_t k = 0; k < m->nf; k++) {
		char *p = join(dir, m->f[k].name);
		struct stat st;
		int rc = stat(p, &st);
		int e = errno;
		xfree(p);
		if (rc != 0)
			return err_set(err, e == ENOENT ? ERR_NOTFOUND : ERR_IO,
			    "%s/%s: %s (" MANIFEST " lists it)", dir,
			    m->f[k].name, strerror(e));
		if ((uint64_t)st.st_size != m->f[k].bytes)
			return err_set(err, ERR_PARSE, "%s/%s: %llu bytes, "
			    MANIFEST " says %llu (truncated or changed)", dir,
			    m->f[k].name, (unsigned long long)st.st_size,
			    (unsigned long long)m->f[k].bytes);
		/* a line takes two bytes at least: a row count the file
		 * cannot hold is refused before anything is sized by it */
		if (m->f[k].rows > m->f[k].bytes / 2)
			return mf_error(err, dir, "%s: %llu rows cannot fit in "
			    "%llu bytes", m->f[k].name,
			    (unsigned long long)m->f[k].rows,
			    (unsigned long long)m->f[k].bytes);
	}
	return 0;
}

static int crc_mismatch(struct err *err, const char *dir,
    const struct mfile *f, uint32_t got)
{
	return err_set(err, ERR_PARSE, "%s/%s: CRC-32 %08x, " MANIFEST " says "
	    "%08x (the file changed after the job wrote it)", dir, f->name,
	    got, f->crc);
}

/* items.tsv's second column: every item's fit degree over all users. */
static int read_popularity(const char *dir, const struct mfile *f,
    struct import *im, const struct hooks *h, struct err *err)
{
	char *path = join(dir, f->name);
	struct reader r;
	const char *s;
	size_t len;
	int rc;
	if (reader_open(&r, path, LOAD_LINE_MAX, h, err) < 0) {
		xfree(path);
		return -1;
	}
	im->pop = xcalloc(f->rows ? f->rows : 1, sizeof *im->pop);
	uint64_t n = 0;
	while ((rc = reader_next(&r, false, &s, &len, err)) > 0) {
		const char *tab = memchr(s, '\t', len);
		char *end;
		if (n >= f->rows) {
			rc = load_error(err, ERR_PARSE, path, r.line, 1,
			    "more lines than the %llu in " MANIFEST,
			    (unsigned long long)f->rows);
			break;
		}
		if (!tab) {
			rc = load_error(err, ERR_PARSE, path, r.line, 1,
			    "expected 'id<TAB>degree'");
			break;
		}
		errno = 0;
		unsigned long long d = strtoull(tab + 1, &end, 10);
		if (errno || end != s + len || end == tab + 1 ||
		    d > UINT32_MAX) {
			rc = load_error(err, ERR_PARSE, path, r.line,
			    (size_t)(tab - s) + 2, "expected a degree (an "
			    "integer)");
			break;
		}
		im->pop[n++] = (uint32_t)d;
		im->pop_edges += d;
	}
	if (rc == 0 && n != f->rows)
		rc = load_error(err, ERR_PARSE, path, r.line, 1, "%llu lines, "
		    MANIFEST " says %llu", (unsigned long long)n,
		    (unsigned long long)f->rows);
	if (rc == 0 && r.crc != f->crc)
		rc = crc_mismatch(err, dir, f, r.crc);
	reader_close(&r);
	xfree(path);
	return rc < 0 ? -1 : 0;
}

/*
 * One neighbour file, parsed straight into S: the job writes each file
 * as a contiguous range of rows in ascending order, and the files in row
 * order, so file k's entries go to S at the sum of the rows before it
 * and only the per-row counts are kept aside (rows of different files
 * are disjoint: no two threads count the same row).
 */
struct npart {
	const struct mfile *f;
	uint64_t at;            /* first entry of S it fills */
	uint32_t first, last;   /* its first and last row */
	struct err err;
	int rc;
};

static int parse_u32(const char **p, const char *end, uint32_t *v)
{
	const char *q = *p;
	uint64_t x = 0;
	if (q == end || *q < '0' || *q > '9')
		return -1;
	for (; q < end && *q >= '0' && *q <= '9'; q++)
		if ((x = x * 10 + (uint64_t)(*q - '0')) >= UINT32_MAX)
			return -1;
	*v = (uint32_t)x;
	*p = q;
	return 0;
}

static void read_part(const char *dir, struct npart *np, struct csr *S,
    uint64_t *cnt)
{
	char *path = join(dir, np->f->name);
	struct reader r;
	const char *s;
	size_t len;
	int rc;
	uint64_t n = 0;
	uint32_t nitems = S->nrows;
	err_clear(&np->err);
	if (reader_open(&r, path, LOAD_LINE_MAX, NULL, &np->err) < 0) {
		xfree(path);
		np->rc = -1;
		return;
	}
	while ((rc = reader_next(&r, false, &s, &len, &np->err)) > 0) {
		const char *p = s, *end = s + len;
		uint32_t i, j;
		char *e;
		if (n >= np->f->rows) {
			rc = load_error(&np->err, ERR_PARSE, path, r.line, 1,
			    "more lines than the %llu in " MANIFEST,
			    (unsigned long long)np->f->rows);
			break;
		}
		if (parse_u32(&p, end, &i) < 0 || i >= nitems ||
		    p == end || *p++ != '\t') {
			rc = load_error(&np->err, ERR_PARSE, path, r.line, 1,
			    "expected an item index below %u and a tab",
			    nitems);
			break;
		}
		if (n > 0 && i < np->last) {
			rc = load_error(&np->err, ERR_PARSE, path, r.line, 1,
			    "row %u after row %u: expected the rows in "
			    "ascending order", i, np->last);
			break;
		}
		const char *pj = p;
		if (parse_u32(&p, end, &j) < 0 || j >= nitems || j == i ||
		    p == end || *p++ != '\t') {
			rc = load_error(&np->err, ERR_PARSE, path, r.line,
			    (size_t)(pj - s) + 1, "expected a neighbour index "
			    "below %u (not the item itself) and a tab", nitems);
			break;
		}
		float v = strtof(p, &e);
		if (e != end || !isfinite(v)) {
			rc = load_error(&np->err, ERR_PARSE, path, r.line,
			    (size_t)(p - s) + 1, "expected a finite "
			    "similarity");
			break;
		}
		if (n == 0)
			np->first = i;
		np->last = i;
		S->idx[np->at + n] = j;
		S->val[np->at + n] = v;
		cnt[i]++;
		n++;
	}
	if (rc == 0 && n != np->f->rows)
		rc = load_error(&np->err, ERR_PARSE, path, r.line, 1, "%llu "
		    "lines, " MANIFEST " says %llu", (unsigned long long)n,
		    (unsigned long long)np->f->rows);
	if (rc == 0 && r.crc != np->f->crc)
		rc = crc_mismatch(&np->err, dir, np->f, r.crc);
	reader_close(&r);
	xfree(path);
	np->rc = rc < 0 ? -1 : 0;
}

static bool is_bin(const struct mfile *f)
{
	size_t n = strlen(f->name);
	return n > 4 && strcmp(f->name + n - 4, ".bin") == 0;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/*
 * A binary neighbour file (version 2): records of three little-endian
 * 32-bit fields, item index i, neighbour index j, similarity s (an IEEE
 * float), in the same order and under the same rules as the text lines.
 * Errors name the record (from 1) and its byte offset.
 */
static void read_part_bin(const char *dir, struct npart *np, struct csr *S,
    uint64_t *cnt)
{
	enum { REC = 12, CHUNK = 65536 };
	char *path = join(dir, np->f->name);
	unsigned char *buf = NULL;
	uint32_t nitems = S->nrows, crc = 0;
	uint64_t n = 0;
	int rc = 0;
	err_clear(&np->err);
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		rc = err_set(&np->err, errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
		    "%s: %s", path, strerror(errno));
		goto out;
	}
	if (np->f->rows * REC != np->f->bytes) {
		rc = mf_error(&np->err, dir, "%s: %llu bytes cannot hold %llu "
		    "records of %d bytes", np->f->name,
		    (unsigned long long)np->f->bytes,
		    (unsigned long long)np->f->rows, REC);
		goto out;
	}
	buf = xmalloc((size_t)REC * CHUNK);
	while (n < np->f->rows && rc == 0) {
		uint64_t want = np->f->rows - n;
		if (want > CHUNK)
			want = CHUNK;
		size_t got = fread(buf, REC, (size_t)want, fp);
		if (got != want) {
			rc = err_set(&np->err, ERR_IO, "%s: %s after %llu "
			    "records, " MANIFEST " says %llu", path,
			    ferror(fp) ? strerror(errno) : "ends",
			    (unsigned long long)(n + got),
			    (unsigned long long)np->f->rows);
			break;
		}
		crc = (uint32_t)crc32_z(crc, buf, got * REC);
		for (size_t k = 0; k < got; k++, n++) {
			const unsigned char *p = buf + k * REC;
			uint32_t i = le32(p), j = le32(p + 4), b = le32(p + 8);
			float v;
			memcpy(&v, &b, sizeof v);
			const char *what = NULL;
			if (i >= nitems)
				what = "an item index below %u";
			else if (n > 0 && i < np->last)
				what = "rows in ascending order";
			else if (j >= nitems || j == i)
				what = "a neighbour index below %u (not the "
				    "item itself)";
			else if (!isfinite(v))
				what = "a finite similarity";
			if (what) {
				char w[96];
				snprintf(w, sizeof w, what, nitems);
				rc = err_set(&np->err, ERR_PARSE, "%s: record "
				    "%llu (byte %llu): row %u, neighbour %u: "
				    "expected %s", path,
				    (unsigned long long)n + 1,
				    (unsigned long long)n * REC, i, j, w);
				break;
			}
			if (n == 0)
				np->first = i;
			np->last = i;
			S->idx[np->at + n] = j;
			S->val[np->at + n] = v;
			cnt[i]++;
		}
	}
	if (rc == 0 && crc != np->f->crc)
		rc = crc_mismatch(&np->err, dir, np->f, crc);
out:
	if (fp)
		fclose(fp);
	xfree(buf);
	xfree(path);
	np->rc = rc < 0 ? -1 : 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct { float s; uint32_t j; } *x = a, *y = b;
	if (x->s != y->s)
		return x->s > y->s ? -1 : 1;
	return x->j < y->j ? -1 : x->j > y->j;
}

/* Row i of S in (s desc, j asc) order; a repeated pair is an error. */
static bool sort_row(struct csr *S, uint32_t i)
{
	uint64_t a = S->ptr[i], b = S->ptr[i + 1];
	bool sorted = true;
	for (uint64_t e = a + 1; e < b && sorted; e++)
		sorted = S->val[e - 1] > S->val[e] ||
		    (S->val[e - 1] == S->val[e] && S->idx[e - 1] < S->idx[e]);
	if (!sorted) {
		struct { float s; uint32_t j; } *t = xmalloc((b - a) *
		    sizeof *t);
		for (uint64_t e = a; e < b; e++) {
			t[e - a].s = S->val[e];
			t[e - a].j = S->idx[e];
		}
		qsort(t, b - a, sizeof *t, cmp_entry);
		for (uint64_t e = a; e < b; e++) {
			S->val[e] = t[e - a].s;
			S->idx[e] = t[e - a].j;
		}
		xfree(t);
	}
	for (uint64_t e = a + 1; e < b; e++)
		if (S->idx[e] == S->idx[e - 1])
			return false;
	return true;
}

/* The neighbour files into im->S, rows sorted (s desc, j asc). */
static int read_neighbours(const char *dir, const struct manifest *m,
    struct import *im, uint32_t nitems, const struct hooks *h,
    struct err *err)
{
	size_t np = 0;
	uint64_t nnz = 0;
	for (size_t k = 0; k < m->nf; k++)
		if (strncmp(m->f[k].name, "neighbours-", 11) == 0) {
			np++;
			nnz += m->f[k].rows;
		}
	if (nnz != m->neighbour_rows)
		return mf_error(err, dir, "the neighbour files list %llu rows, "
		    "\"neighbour_rows\" says %llu", (unsigned long long)nnz,
		    (unsigned long long)m->neighbour_rows);
	struct npart *P = xcalloc(np ? np : 1, sizeof *P);
	struct csr *S = &im->S;
	csr_alloc(S, nitems, nitems, nnz);
	uint64_t *cnt = S->ptr + 1;     /* counts, then prefix sums */
	np = 0;
	nnz = 0;
	for (size_t k = 0; k < m->nf; k++)
		if (strncmp(m->f[k].name, "neighbours-", 11) == 0) {
			P[np].f = &m->f[k];
			P[np++].at = nnz;
			nnz += m->f[k].rows;
		}
	#pragma omp parallel for schedule(dynamic)
	for (int64_t k = 0; k < (int64_t)np; k++)
		(is_bin(P[k].f) ? read_part_bin : read_part)(dir, &P[k], S,
		    cnt);
	int rc = 0;
	for (size_t k = 0; k < np && rc == 0; k++) {
		if (P[k].rc < 0) {
			*err = P[k].err;
			rc = -1;
		} else if (k > 0 && P[k].f->rows && P[k - 1].f->rows &&
		    P[k].first <= P[k - 1].last) {
			rc = mf_error(err, dir, "%s starts at row %u, not after "
			    "the last row (%u) of %s: expected the files in "
			    "row order", P[k].f->name, P[k].first,
			    P[k - 1].last, P[k - 1].f->name);
		}
	}
	if (rc == 0 && hooks_cancelled(h))
		rc = err_set(err, ERR_INTERRUPTED, "interrupted");
	if (rc == 0) {
		for (uint32_t i = 0; i < nitems; i++)
			S->ptr[i + 1] += S->ptr[i];
		/* the job writes rows sorted: this only checks, unless
		 * another writer did not */
		int bad = -1;
		#pragma omp parallel for schedule(dynamic, 256)
		for (int64_t i = 0; i < (int64_t)nitems; i++)
			if (!sort_row(S, (uint32_t)i)) {
				#pragma omp critical
				bad = (int)i;
			}
		if (bad >= 0)
			rc = mf_error(err, dir, "the neighbour files list a "
			    "pair of row %d twice", bad);
	}
	if (rc == 0 && im->topk > 0) {
		/* the ties past the k-th score were there for distill's tie
		 * rule, now applied: no top-k up to the job's selects them */
		uint64_t w = 0, a = 0;
		for (uint32_t i = 0; i < nitems; i++) {
			uint64_t b = S->ptr[i + 1], len = b - a;
			if (len > (uint64_t)im->topk)
				len = (uint64_t)im->topk;
			memmove(S->idx + w, S->idx + a, len * sizeof *S->idx);
			memmove(S->val + w, S->val + a, len * sizeof *S->val);
			a = b;
			S->ptr[i + 1] = w += len;
		}
		S->nnz = w;
		S->idx = xreallocarray(S->idx, w ? w : 1, sizeof *S->idx);
		S->val = xreallocarray(S->val, w ? w : 1, sizeof *S->val);
	}
	xfree(P);
	return rc;
}

/* The manifest's parameters over np; the stage parameters it fixes. */
static int manifest_params(const char *dir, const struct manifest *m,
    struct params *np, struct err *err)
{
	json_t *pp = json_object_get(m->root, "params");
	const char *key;
	json_t *v;
	if (!json_is_object(pp))
		return mf_error(err, dir, "expected \"params\" (an object)");
	json_object_foreach(pp, key, v) {
		const char *s = json_string_value(v);
		struct err e;
		err_clear(&e);
		if (!s)
			return mf_error(err, dir, "params.%s: expected a "
			    "string", key);
		int id = params_lookup(key);
		if (id < 0)
			return mf_error(err, dir, "params: unknown parameter "
			    "'%s' (a newer job?)", key);
		if (params_set_id(np, id, s, &e) < 0)
			return mf_error(err, dir, "params.%s: %s", key, e.msg);
	}
	return 0;
}

/* True for the parameters the imported lists were computed with: the
 * load and graph stages, eval.target, and the abstract kernel's. */
bool import_fixed(int id)
{
	enum stage s = params_def(id)->stage;
	if (id == P_ABSTRACT_THRESHOLD || id == P_ABSTRACT_TOPK ||
	    id == P_ABSTRACT_CLUSTER || id == P_ABSTRACT_RESOLUTION ||
	    id == P_ABSTRACT_SEED)
		return false;
	return s == STAGE_LOAD || s == STAGE_GRAPH || s == STAGE_ABSTRACT;
}

int import_check(const struct import *im, const struct params *np,
    struct err *err)
{
	if (!im)
		return 0;
	char want[128], got[128];
	for (int id = 0; id < P__COUNT; id++) {
		if (!import_fixed(id))
			continue;
		if (params_def(id)->stage == STAGE_ABSTRACT &&
		    !params_active(np, id))
			continue;
		params_format(&im->params, id, want, sizeof want);
		params_format(np, id, got, sizeof got);
		if (strcmp(want, got) == 0)
			continue;
		return err_set(err, ERR_INVAL, "%s: the abstract stage is "
		    "imported from %s, computed with %s %s; it stays live "
		    "for a higher abstract.threshold and a smaller "
		    "abstract.topk only. To recompute it with %s %s, run: "
		    "%s --set %s=%s", params_def(id)->name, im->dir,
		    params_def(id)->name, want, params_def(id)->name, got,
		    im->command, params_def(id)->name, got);
	}
	double thr = params_real(np, P_ABSTRACT_THRESHOLD);
	long k = params_int(np, P_ABSTRACT_TOPK);
	if (thr < im->threshold)
		return err_set(err, ERR_INVAL, "abstract.threshold: the "
		    "imported lists of %s hold only similarities >= %g; a "
		    "lower threshold needs the job again: %s --set "
		    "abstract.threshold=%g", im->dir, im->threshold,
		    im->command, thr);
	if (im->topk > 0 && (k == 0 || k > im->topk))
		return err_set(err, ERR_INVAL, "abstract.topk: the imported "
		    "lists of %s hold the best %ld per item; a larger top-k "
		    "needs the job again: %s --set abstract.topk=%ld",
		    im->dir, im->topk, im->command, k);
	return 0;
}

int import_abstract(struct pipeline *pl, struct abstract_out *out,
    struct err *err)
{
	const struct import *im = pl->imp;
	if (import_check(im, &pl->params, err) < 0)
		return -1;
	double thr = params_real(&pl->params, P_ABSTRACT_THRESHOLD);
	long topk = params_int(&pl->params, P_ABSTRACT_TOPK);
	struct simk k;
	simk_init_select(&k, &pl->graph.ui, &pl->graph.iu, &pl->params,
	    pl->graph.gen);
	out->key = k.key;
	simk_destroy(&k);
	out->threshold = thr;
	out->topk = topk;
	/* every imported row kept whole: S is the imported lists (borrowed,
	 * not copied: the copy was the largest allocation after load DIR) */
	bool whole = true;
	for (uint32_t i = 0; i < im->S.nrows && whole; i++) {
		uint64_t a = im->S.ptr[i], b = im->S.ptr[i + 1];
		whole = a == b || ((topk == 0 || b - a <= (uint64_t)topk) &&
		    (double)im->S.val[b - 1] >= thr);
	}
	if (whole) {
		out->S = im->S;
		out->s_shared = true;
	} else {
		abstract_derive_prefix(&im->S, thr, topk, &out->S);
	}
	struct abstract_stats *st = &out->st;
	st->candidate_pairs = im->candidates;
	st->kept_edges = out->S.nnz;
	/* what the imported lists lose to this threshold and top-k; what
	 * the job cut is in candidate_pairs − imported */
	/* rows are sorted (s desc): a binary search per row, not a pass
	 * over every imported relation on every change */
	uint64_t below = 0;
	for (uint32_t i = 0; i < im->S.nrows; i++) {
		uint64_t lo = im->S.ptr[i], hi = im->S.ptr[i + 1];
		uint64_t end = hi;
		while (lo < hi) {
			uint64_t mid = lo + (hi - lo) / 2;
			if ((double)im->S.val[mid] < thr)
				hi = mid;
			else
				lo = mid + 1;
		}
		below += end - lo;
	}
	double max = im->max_sim;
	/* the job's threshold cuts (when the manifest records them) and
	 * the imported relations under this threshold; the rest of what
	 * is not kept fell to a top-k, the job's or this one */
	uint64_t job_thr = im->cut_threshold == UINT64_MAX ? 0 :
	    im->cut_threshold;
	st->cut_threshold = job_thr + below;
	st->cut_topk = im->candidates >= st->cut_threshold + out->S.nnz ?
	    im->candidates - st->cut_threshold - out->S.nnz : 0;
	st->sim_hist = im->hist;      /* of the imported lists, made once */
	st->sim_hist.marker = thr;
	out->max_sim = max;
	if (out->S.nnz == 0)
		return err_set(err, ERR_EMPTY, "abstract.threshold=%g cuts "
		    "every imported relation (the largest is %.6g)", thr,
		    max);
	return 0;
}

int pipeline_import(struct pipeline *pl, const char *dir, struct err *err)
{
	struct manifest m;
	struct import *im = xcalloc(1, sizeof *im);
	struct dataset *ds = xcalloc(1, sizeof *ds);
	struct params np = pl->params;
	char *p_train = NULL, *p_test = NULL, *p_valid = NULL, *p_items = NULL;
	int rc = -1;
	csr_init(&im->S);
	if (manifest_read(dir, &m, err) < 0 || check_sizes(dir, &m, err) < 0)
		goto out;
	if (manifest_params(dir, &m, &np, err) < 0)
		goto out;
	/* the dataset: the sampled users, every item in the job's order */
	struct load_opts lo = { 0 };
	lo.format = FMT_TSV;
	p_train = join(dir, "train.tsv");
	p_items = join(dir, "items.tsv");
	lo.item_order = p_items;
	if (mf_find(&m, "test.tsv"))
		lo.test_path = p_test = join(dir, "test.tsv");
	if (mf_find(&m, "valid.tsv"))
		lo.valid_path = p_valid = join(dir, "valid.tsv");
	json_t *ld = json_object_get(m.root, "load");
	const char *meta = json_string_value(json_object_get(ld, "items"));
	struct stat st;
	if (meta && stat(meta, &st) == 0 && S_ISREG(st.st_mode))
		lo.items_path = meta;
	if (dataset_load(ds, p_train, &lo, &pl->hooks, err) < 0)
		goto out;
	static const char *const part_name[3] = { "train.tsv", "test.tsv",
		"valid.tsv" };
	for (int k = 0; k < 3; k++) {
		const struct mfile *f = mf_find(&m, part_name[k]);
		if (f && ds->crc_part[k] != f->crc) {
			crc_mismatch(err, dir, f, ds->crc_part[k]);
			goto out;
		}
	}
	if (ds->items.n != m.items) {
		err_set(err, ERR_PARSE, "%s: %u items after reading, "
		    MANIFEST " says %llu (an interaction names an item "
		    "items.tsv does not list)", dir, ds->items.n,
		    (unsigned long long)m.items);
		goto out;
	}
	if (read_popularity(dir, mf_find(&m, "items.tsv"), im, &pl->hooks,
	    err) < 0)
		goto out;
	im->threshold = params_real(&np, P_ABSTRACT_THRESHOLD);
	im->topk = params_int(&np, P_ABSTRACT_TOPK);
	if (read_neighbours(dir, &m, im, ds->items.n, &pl->hooks, err) < 0)
		goto out;
	/* the similarity histogram of the imported lists: the same for
	 * every threshold and top-k, so it is made once here */
	for (uint32_t i = 0; i < im->S.nrows; i++)
		if (im->S.ptr[i] < im->S.ptr[i + 1] &&
		    im->S.val[im->S.ptr[i]] > im->max_sim)
			im->max_sim = im->S.val[im->S.ptr[i]];
	stats_hist_linear(im->S.val, im->S.nnz, 0, im->max_sim > 0 ?
	    im->max_sim : 1, HIST_MAX, &im->hist);
	im->dir = xstrdup(dir);
	im->command = xstrdup(m.command);
	im->params = np;
	im->candidates = m.candidates;
	im->cut_threshold = m.cut_threshold;
	im->users_all = m.users_all;
	im->interactions_all = m.interactions_all;
	im->sample = m.sample;
	im->sample_seed = m.sample_seed;
	/* named after the directory itself (its stem may look generic,
	 * "u1.out", and make_name would pick the parent) */
	xfree(ds->name);
	{
		size_t n = strlen(dir);
		while (n > 1 && dir[n - 1] == '/')
			n--;
		const char *b = dir + n;
		while (b > dir && b[-1] != '/')
			b--;
		ds->name = xstrndup(b, (size_t)(dir + n - b));
	}
	xfree(ds->path);
	ds->path = xstrdup(dir);
	pipeline_replace(pl, ds, &lo, im);
	ds = NULL;
	im = NULL;
	/* the job's split: hash (labels) or given (the files) */
	pl->params = np;
	if (pl->ds->has_test)
		params_set_id(&pl->params, P_SPLIT_METHOD, "given", NULL);
	rc = 0;
out:
	if (ds) {
		dataset_destroy(ds);
		xfree(ds);
	}
	import_free(im);
	manifest_free(&m);
	xfree(p_train);
	xfree(p_test);
	xfree(p_valid);
	xfree(p_items);
	return rc;
}
