/*
 * distill — meta.c: item metadata (titles and genres) for display.
 *
 * Formats, told apart by their first line: ML-100K u.item (`|`, 24
 * fields, 19 genre flags, ISO-8859-1), ML-1M movies.dat (`id::title::
 * genres`, ISO-8859-1) and csv with a header (ML-latest movies.csv, or any
 * `itemId,title,genres`), which must be UTF-8. Latin-1 lines that happen
 * to be valid UTF-8 already are kept as they are. Control characters in
 * titles become spaces so that one title is one display line.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "load.h"

enum meta_fmt { META_UITEM, META_DAT, META_CSV };

static const char *const uitem_genres[19] = { "unknown", "Action",
	"Adventure", "Animation", "Children's", "Comedy", "Crime",
	"Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical",
	"Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western" };

struct meta_cols {
	enum meta_fmt fmt;
	char delim;
	int id, title, genres, ncol;
};

/* Convert one text field to clean UTF-8 (malloc'd), or NULL + error. */
static char *meta_text(const struct reader *r, const struct meta_cols *c,
    const struct field *f, struct err *err)
{
	char *out;
	size_t bad = utf8_check(f->s, f->len);
	if (bad == f->len)
		out = xstrndup(f->s, f->len);
	else if (c->fmt != META_CSV)
		out = latin1_to_utf8(f->s, f->len);
	else {
		load_error(err, ERR_PARSE, r->path, r->line, f->col + bad,
		    "expected UTF-8 text, got byte 0x%02x",
		    (unsigned char)f->s[bad]);
		return NULL;
	}
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return out;
}

/* u.item genres: the names of the flags set to 1, joined by '|'. */
static char *meta_uitem_genres(const struct field *f, int n)
{
	char buf[512];
	size_t o = 0;
	buf[0] = '\0';
	for (int g = 0; g < 19 && 5 + g < n; g++)
		if (f[5 + g].len == 1 && f[5 + g].s[0] == '1')
			o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s",
			    o ? "|" : "", uitem_genres[g]);
	return o ? xstrdup(buf) : NULL;
}

/* Header of a metadata csv: find the id, title and genres columns. */
static int meta_csv_header(const struct reader *r, const struct field *f,
    int n, struct meta_cols *c, struct err *err)
{
	static const char *const ids[] = { "movieId", "itemId", "item_id",
		"book_id", "item", "id", "business_id", "movie_id", NULL };
	static const char *const titles[] = { "title", "name", NULL };
	static const char *const genres[] = { "genres", "genre",
		"categories", "category", NULL };
	const char *const *want[3] = { ids, titles, genres };
	int *col[3] = { &c->id, &c->title, &c->genres };
	if (n > LOAD_FIELDS_MAX)
		return load_error(err, ERR_LIMIT, r->path, r->line, 1,
		    "expected a header of at most %d columns, got %d",
		    LOAD_FIELDS_MAX, n);
	for (int w = 0; w < 3; w++) {
		*col[w] = -1;
		for (const char *const *nm = want[w]; *nm && *col[w] < 0; nm++)
			for (int k = 0; k < n && k < LOAD_FIELDS_MAX; k++)
				if (f[k].len == strlen(*nm) && strncasecmp(
				    f[k].s, *nm, f[k].len) == 0) {
					*col[w] = k;
					break;
				}
	}
	if (c->id < 0 || c->title < 0)
		return load_error(err, ERR_PARSE, r->path, r->line, 1,
		    "expected a header with an item id column (movieId, "
		    "itemId, item_id, ...) and a title column, got %s",
		    c->id < 0 ? "no id column" : "no title column");
	c->ncol = n;
	return 0;
}

/* Pick the metadata format from the first line. */
static void meta_detect(const char *s, size_t len, struct meta_cols *c)
{
	const char *nl = memchr(s, '\n', len);
	size_t n = nl ? (size_t)(nl - s) : len;
	size_t bars = 0;
	for (size_t i = 0; i < n; i++)
		bars += s[i] == '|';
	memset(c, 0, sizeof *c);
	if (memmem(s, n, "::", 2)) {
		c->fmt = META_DAT, c->id = 0, c->title = 1, c->genres = 2;
	} else if (bars >= 20 && n && s[0] >= '0' && s[0] <= '9') {
		c->fmt = META_UITEM, c->delim = '|', c->id = 0, c->title = 1;
		c->genres = -1;
	} else {
		c->fmt = META_CSV;
		c->delim = csv_detect_delim(s, n);
		c->ncol = -1;
	}
}

/* Store title/genres of one record (ignored for unknown items). */
static int meta_record(struct dataset *ds, const struct reader *r,
    const struct meta_cols *c, const struct field *f, int n,
    struct err *err)
{
	int need = c->fmt == META_UITEM ? 24 : c->fmt == META_DAT ? 3 : c->ncol;
	if (n != need)
		return load_error(err, ERR_PARSE, r->path, r->line,
		    n > need ? f[need - 1].col + f[need - 1].len : 1,
		    "expected %d fields, got %d", need, n);
	int64_t id = idmap_find(&ds->items, f[c->id].s, f[c->id].len);
	if (id < 0)
		return 0;
	char *title = meta_text(r, c, &f[c->title], err), *genres = NULL;
	if (!title)
		return -1;
	if (c->fmt == META_UITEM)
		genres = meta_uitem_genres(f, n);
	else if (c->genres >= 0 && f[c->genres].len &&
	    !(genres = meta_text(r, c, &f[c->genres], err))) {
		xfree(title);
		return -1;
	}
	xfree(ds->title[id]);
	xfree(ds->genres[id]);
	xfree(ds->label[id]);
	ds->title[id] = title;
	ds->genres[id] = genres;
	ds->label[id] = xasprintf("%s %s", idmap_name(&ds->items, (uint32_t)id),
	    title);
	return 0;
}

/* Split one record of the detected format. */
static int meta_split(const struct meta_cols *c, const char *s, size_t len,
    struct field *f, char **scratch, size_t *scap, size_t *bad)
{
	if (c->fmt != META_DAT)
		return csv_split(s, len, c->delim, f, LOAD_FIELDS_MAX,
		    scratch, scap, bad);
	int n = 0;
	size_t i = 0;
	for (;;) {
		const char *e = memmem(s + i, len - i, "::", 2);
		size_t end = e ? (size_t)(e - s) : len;
		if (n < LOAD_FIELDS_MAX)
			f[n] = (struct field){ s + i, end - i, i + 1 };
		n++;
		if (!e)
			return n;
		i = end + 2;
	}
}

/* Parse every record of the metadata file into ds. */
static int meta_parse(struct dataset *ds, struct reader *r,
    struct meta_cols *c, struct err *err)
{
	struct field f[LOAD_FIELDS_MAX];
	char *scratch = NULL;
	size_t scap = 0, bad;
	const char *s;
	size_t len;
	int rc;
	bool quoted = c->fmt == META_CSV;
	while ((rc = reader_next(r, quoted, &s, &len, err)) > 0) {
		if (len == 0)
			continue;
		int n;
		if (c->fmt == META_UITEM) {
			/* u.item has no quoting: titles may hold '"'. */
			n = 0;
			for (size_t i = 0;;) {
				const char *e = memchr(s + i, '|', len - i);
				size_t end = e ? (size_t)(e - s) : len;
				if (n < LOAD_FIELDS_MAX)
					f[n] = (struct field){ s + i, end - i,
					    i + 1 };
				n++;
				if (!e)
					break;
				i = end + 1;
			}
		} else
			n = meta_split(c, s, len, f, &scratch, &scap, &bad);
		if (n < 0) {
			rc = load_error(err, ERR_PARSE, r->path, r->line, bad,
			    "expected a properly quoted field (RFC 4180), got "
			    "a stray or unterminated '\"'");
			break;
		}
		if (c->fmt == META_CSV && c->ncol < 0) {
			if ((rc = meta_csv_header(r, f, n, c, err)) < 0)
				break;
			continue;
		}
		if ((rc = meta_record(ds, r, c, f, n, err)) < 0)
			break;
	}
	xfree(scratch);
	return rc < 0 ? -1 : 0;
}

int meta_load(struct dataset *ds, const char *path, const struct hooks *h,
    struct err *err)
{
	struct reader r;
	const char *s;
	struct meta_cols c;
	if (reader_open(&r, path, LOAD_LINE_MAX, h, err) < 0)
		return -1;
	size_t n = reader_peek(&r, &s, 65536, err);
	int rc = -1;
	if (n == (size_t)-1)
		goto out;
	if (n == 0) {
		load_error(err, ERR_PARSE, path, 0, 0, "empty file, expected "
		    "item metadata");
		goto out;
	}
	meta_detect(s, n, &c);
	size_t ni = ds->items.n ? ds->items.n : 1;
	if (!ds->title) {
		ds->title = xcalloc(ni, sizeof *ds->title);
		ds->genres = xcalloc(ni, sizeof *ds->genres);
		ds->label = xcalloc(ni, sizeof *ds->label);
	}
	rc = meta_parse(ds, &r, &c, err);
	if (rc == 0) {
		ds->crc_part[3] = r.crc;
		ds->has_crc[3] = true;
	}
out:
	reader_close(&r);
	return rc;
}

/* dir + "/" + name when that file is readable (malloc'd), else NULL. */
static char *meta_try(const char *dir, size_t dlen, const char *name)
{
	char *p = xasprintf("%.*s%s", (int)dlen, dir, name);
	if (access(p, R_OK) == 0)
		return p;
	xfree(p);
	return NULL;
}

char *meta_discover(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t dlen = (size_t)(base - path), stem = strcspn(base, ".");
	char *p = NULL;
	if (strcmp(base, "u.data") == 0 || (base[0] == 'u' && base[1] &&
	    strchr("12345ab", base[1]) && (strcmp(base + 2, ".base") == 0 ||
	    strcmp(base + 2, ".test") == 0)))
		return meta_try(path, dlen, "u.item");
	if (strncmp(base, "ratings", 7) == 0) {
		bool csv = strstr(base, ".csv") != NULL;
		p = meta_try(path, dlen, csv ? "movies.csv" : "movies.dat");
		if (!p)
			p = meta_try(path, dlen, csv ? "movies.dat" :
			    "movies.csv");
		if (p)
			return p;
	}
	char *name = xasprintf("%.*s-items.csv", (int)stem, base);
	p = meta_try(path, dlen, name);
	xfree(name);
	return p;
}
