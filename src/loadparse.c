/*
 * distill — loadparse.c: format detection and the interaction parsers
 * (ml100k, ml1m, tsv, csv, adj) that append to the arrays of a dataset
 * under construction.
 *
 * The hot path is one memchr per field, a hand-written integer parse per
 * id (direct table lookup for canonical decimals, see idmap.c) and a
 * hand-written decimal parse per rating; arrays grow by 1.5x, which
 * glibc's realloc serves with mremap once they are large, so growth never
 * copies nor doubles the peak.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "load.h"

static const char *const user_names[] = { "userId", "user_id", "user",
	"userid", "uid", NULL };
static const char *const item_names[] = { "movieId", "itemId", "item_id",
	"book_id", "item", "movie_id", "itemid", "iid", "business_id", NULL };
static const char *const rating_names[] = { "rating", "score", "stars",
	NULL };
static const char *const time_names[] = { "timestamp", "time", "ts",
	"date", NULL };

/* Grow one array in place (an absent optional one stays absent); on
 * failure it keeps its old block. */
static bool grow1(void *pp, bool optional, size_t cap, size_t size)
{
	void **p = pp;
	if (optional && !*p)
		return true;
	if (size && cap > SIZE_MAX / size)
		return false;
	void *q = try_realloc(*p, cap * size);
	if (q)
		*p = q;
	return q != NULL;
}

/*
 * Every present array to cap entries. The size comes from the data, so
 * running out of memory here is an input error (a gzip bomb, a file
 * larger than the machine), not a bug: -1 instead of an abort. Arrays
 * that did grow keep their larger block; st->cap only advances when all
 * did.
 */
static int ls_grow_to(struct loadstate *st, size_t cap)
{
	struct dataset *ds = st->ds;
	if (!grow1(&ds->user, false, cap, sizeof *ds->user) ||
	    !grow1(&ds->item, false, cap, sizeof *ds->item) ||
	    !grow1(&ds->origin, false, cap, 1) ||
	    !grow1(&ds->rating, true, cap, sizeof *ds->rating) ||
	    !grow1(&ds->time, true, cap, sizeof *ds->time))
		return -1;
	st->cap = cap;
	return 0;
}

/* Room for at least one more interaction (1.5x), or -1. */
int ls_grow(struct loadstate *st)
{
	return ls_grow_to(st, st->cap < 4096 ? 4096 : st->cap + st->cap / 2);
}

/* Make room for about n interactions in one step, when the memory is
 * there (it is virtual until written); otherwise growth does it. */
void ls_reserve(struct loadstate *st, size_t n)
{
	if (st->cap < n)
		(void)ls_grow_to(st, n);
}

/* The error for a failed ls_push: where, and how much was read. */
static int ls_nomem(struct loadstate *st, struct reader *r,
    struct err *err)
{
	return load_error(err, ERR_LIMIT, r->path, r->line, 0, "out of "
	    "memory after %zu interactions (%.0f MB of input); the data does "
	    "not fit in this machine's memory", st->ds->n,
	    (double)r->bytes / 1e6);
}

/* Start a file: make sure the rating/time arrays exist when needed. */
static void ls_begin_file(struct loadstate *st, bool rating, bool time)
{
	struct dataset *ds = st->ds;
	if (rating && !ds->rating)
		ds->rating = xreallocarray(NULL, st->cap ? st->cap : 1,
		    sizeof *ds->rating);
	if (time && !ds->time)
		ds->time = xreallocarray(NULL, st->cap ? st->cap : 1,
		    sizeof *ds->time);
	struct lsfile *f = &st->file[st->nfile++];
	f->from = ds->n;
	f->rating = rating;
	f->time = time;
	st->cur_rating = rating;
	st->cur_time = time;
}

/* An id failed to intern: say why with the column. */
static int ls_id_error(struct loadstate *st, struct reader *r,
    const struct field *f, const char *what, const char *why,
    struct err *err)
{
	char buf[128];
	const char *a = what[0] == 'i' ? "an" : "a";
	/* the quoted field, or "an empty field" (not in buf) */
	const char *q = load_quote(buf, sizeof buf, f->s, f->len);
	if (strcmp(why, "too long") == 0)
		return load_error(err, ERR_LIMIT, r->path, r->line, f->col,
		    "expected %s %s id of at most %d bytes, got %zu bytes",
		    a, what, LOAD_ID_MAX, f->len);
	if (strcmp(why, "utf8") == 0)
		return load_error(err, ERR_PARSE, r->path, r->line, f->col,
		    "expected %s %s id in UTF-8, got %s", a, what, q);
	return load_error(err, ERR_PARSE, r->path, r->line, f->col,
	    "expected %s %s id, got %s", a, what, q);
}

/* Append one interaction from its fields (rating/time may be NULL). */
static int ls_add(struct loadstate *st, struct reader *r,
    const struct field *fu, const struct field *fi, const struct field *fr,
    const struct field *ft, struct err *err)
{
	uint32_t u, i;
	float rv = 1;
	int64_t tv = 0;
	const char *why;
	char q[128];
	if (idtab_get(&st->users, fu->s, fu->len, &u, &why) < 0)
		return ls_id_error(st, r, fu, "user", why, err);
	if (idtab_get(&st->items, fi->s, fi->len, &i, &why) < 0)
		return ls_id_error(st, r, fi, "item", why, err);
	if (fr && load_parse_float(fr->s, fr->len, &rv) < 0)
		return load_error(err, ERR_PARSE, r->path, r->line, fr->col,
		    "expected a rating (a number), got %s",
		    load_quote(q, sizeof q, fr->s, fr->len));
	if (ft && load_parse_time(ft->s, ft->len, &tv) < 0)
		return load_error(err, ERR_PARSE, r->path, r->line, ft->col,
		    "expected a timestamp (an integer), got %s",
		    load_quote(q, sizeof q, ft->s, ft->len));
	if (ls_push(st, u, i, rv, tv) < 0)
		return ls_nomem(st, r, err);
	return 0;
}

/* Split on a 1- or 2-byte separator; returns the field count. */
static int split_sep(const char *s, size_t len, const char *sep,
    size_t seplen, struct field *f, int max)
{
	size_t i = 0;
	int n = 0;
	if (seplen == 1) {
		/* fields are short: a byte loop beats a memchr call each */
		char c = sep[0];
		f[0].s = s;
		f[0].col = 1;
		for (size_t k = 0; k < len; k++) {
			if (s[k] != c)
				continue;
			if (n < max)
				f[n].len = k - i;
			i = k + 1;
			if (++n < max) {
				f[n].s = s + i;
				f[n].col = i + 1;
			}
		}
		if (n < max)
			f[n].len = len - i;
		return n + 1;
	}
	for (;;) {
		const char *e = memchr(s + i, sep[0], len - i);
		while (e && seplen == 2 && (size_t)(e - s) + 1 < len &&
		    e[1] != sep[1])
			e = memchr(e + 1, sep[0], len - (size_t)(e + 1 - s));
		if (e && seplen == 2 && (size_t)(e - s) + 1 >= len)
			e = NULL;
		size_t end = e ? (size_t)(e - s) : len;
		if (n < max) {
			f[n].s = s + i;
			f[n].len = end - i;
			f[n].col = i + 1;
		}
		n++;
		if (!e)
			return n;
		i = end + seplen;
	}
}

static const char *sep_name(const char *sep)
{
	switch (sep[0]) {
	case '\t': return "tab";
	case ' ': return "space";
	case ',': return "','";
	case ';': return "';'";
	case '|': return "'|'";
	default: return "'::'";
	}
}

/*
 * ml100k, ml1m, tsv: `user SEP item [SEP rating [SEP time]]`. The column
 * count is fixed by the first line (ml100k: exactly 4).
 */
static int parse_delimited(struct loadstate *st, struct reader *r,
    enum format fmt, struct err *err)
{
	const char *sep = fmt == FMT_ML1M ? "::" : "\t";
	size_t seplen = fmt == FMT_ML1M ? 2 : 1;
	int ncol = 0, rows = 0;
	struct field f[4];
	const char *s;
	size_t len;
	int rc;
	while ((rc = reader_next(r, false, &s, &len, err)) > 0) {
		if (len == 0)
			continue;
		if (ncol == 0 && fmt == FMT_TSV && !memchr(s, '\t', len))
			sep = " ";
		int n = split_sep(s, len, sep, seplen, f, 4);
		if (ncol == 0) {
			ncol = n;
			if (n < 2 || n > 4 || (fmt == FMT_ML100K && n != 4))
				return load_error(err, ERR_PARSE, r->path,
				    r->line, 1, "expected %s fields separated "
				    "by %s (user item rating timestamp), got %d",
				    fmt == FMT_ML100K ? "4" : "2 to 4",
				    sep_name(sep), n);
			ls_begin_file(st, n >= 3, n >= 4);
		} else if (n != ncol) {
			size_t col = n > ncol ? f[ncol - 1].col +
			    f[ncol - 1].len : len + 1;
			return load_error(err, ERR_PARSE, r->path, r->line, col,
			    "expected %d fields separated by %s, got %d",
			    ncol, sep_name(sep), n);
		}
		if (ls_add(st, r, &f[0], &f[1], n >= 3 ? &f[2] : NULL,
		    n >= 4 ? &f[3] : NULL, err) < 0)
			return -1;
		rows++;
	}
	if (rc < 0)
		return -1;
	return rows;
}

/*
 * adj: `user item item ...` separated by runs of spaces or tabs. A user
 * with no item is a line of one field. The format is also what
 * load_detect guesses for any first line without a delimiter, so when it
 * was guessed (`guessed`), a file where most lines are one field (a
 * configuration file, a list of names) is not taken for a log of users
 * without items: it is an error naming the first such line.
 */
static int parse_adj(struct loadstate *st, struct reader *r, bool guessed,
    struct err *err)
{
	const char *s, *why;
	size_t len;
	int rc, rows = 0;
	uint64_t lines = 0, lone = 0, lone_line = 0;
	ls_begin_file(st, false, false);
	while ((rc = reader_next(r, false, &s, &len, err)) > 0) {
		size_t i = 0, k = 0;
		uint32_t u = 0;
		while (i < len) {
			while (i < len && (s[i] == ' ' || s[i] == '\t'))
				i++;
			if (i == len)
				break;
			/* scan the token and read it as a decimal on the way:
			 * a known canonical id needs no second pass */
			size_t b = i;
			uint32_t v = 0;
			unsigned bad = s[i] == '0';
			for (; i < len && s[i] != ' ' && s[i] != '\t'; i++) {
				unsigned d = (unsigned char)s[i] - '0';
				bad |= d > 9;
				v = v * 10 + d;
			}
			struct idtab *t = k ? &st->items : &st->users;
			uint32_t id;
			if (!bad && i - b <= 8 && v < t->nnum && t->num[v]) {
				id = t->num[v] - 1;
			} else if (idtab_get(t, s + b, i - b, &id, &why) < 0) {
				struct field f = { s + b, i - b, b + 1 };
				return ls_id_error(st, r, &f, k ? "item" :
				    "user", why, err);
			}
			if (k == 0)
				u = id;
			else if (ls_push(st, u, id, 1, 0) < 0)
				return ls_nomem(st, r, err);
			k++;
		}
		rows += k > 1;
		lines += k > 0;
		if (k == 1 && lone++ == 0)
			lone_line = r->line;
	}
	if (rc < 0)
		return -1;
	if (guessed && lone * 2 > lines)
		return load_error(err, ERR_PARSE, r->path, lone_line, 1,
		    "expected 'user item item ...' separated by spaces (an "
		    "adjacency list, guessed from the first line: no ',', "
		    "';', tab or '|'), got one field (as %llu of the %llu "
		    "lines have); give --format if it is one of the formats",
		    (unsigned long long)lone, (unsigned long long)lines);
	return rows;
}

/* Index of the header field named like one of names (or exactly want). */
static int csv_column(const struct field *f, int n, const char *want,
    const char *const *names)
{
	for (int k = 0; want && k < n && k < LOAD_FIELDS_MAX; k++)
		if (f[k].len == strlen(want) &&
		    strncasecmp(f[k].s, want, f[k].len) == 0)
			return k;
	if (want)
		return -1;
	for (const char *const *nm = names; *nm; nm++)
		for (int k = 0; k < n && k < LOAD_FIELDS_MAX; k++)
			if (f[k].len == strlen(*nm) &&
			    strncasecmp(f[k].s, *nm, f[k].len) == 0)
				return k;
	return -1;
}

/*
 * Is the first record a header? Yes when a field has a conventional column
 * name, or when it has 3+ fields and none is a number (a rating column
 * would be); "a,x" is data with string ids.
 */
static bool csv_is_header(const struct field *f, int n)
{
	const char *const *lists[4] = { user_names, item_names, rating_names,
		time_names };
	for (int l = 0; l < 4; l++)
		if (csv_column(f, n, NULL, lists[l]) >= 0)
			return true;
	if (n < 3)
		return false;
	for (int k = 0; k < n && k < LOAD_FIELDS_MAX; k++) {
		float v;
		if (load_parse_float(f[k].s, f[k].len, &v) == 0)
			return false;
	}
	return true;
}

/* Map the csv columns from the header (or positions): col[4]. */
static int csv_map(struct reader *r, const struct field *f, int n,
    bool header, const struct load_opts *o, int col[4], struct err *err)
{
	if (!header) {
		if (n < 2)
			return load_error(err, ERR_PARSE, r->path, r->line, 1,
			    "expected at least 2 fields (user, item), got %d",
			    n);
		col[0] = 0, col[1] = 1;
		col[2] = n >= 3 ? 2 : -1;
		col[3] = n >= 4 ? 3 : -1;
		return 0;
	}
	const char *want[4] = { o->user_col, o->item_col, o->rating_col,
		o->time_col };
	const char *const *names[4] = { user_names, item_names, rating_names,
		time_names };
	static const char *const what[4] = { "user", "item", "rating",
		"time" };
	for (int c = 0; c < 4; c++) {
		col[c] = csv_column(f, n, want[c], names[c]);
		if (col[c] >= 0 || (c >= 2 && !want[c]))
			continue;
		/* a first line that is not text: say so, not its bytes */
		for (int k = 0; k < n && k < LOAD_FIELDS_MAX; k++) {
			size_t ok = utf8_check(f[k].s, f[k].len);
			for (size_t b = 0; b < ok; b++)
				if ((unsigned char)f[k].s[b] < 0x20 &&
				    f[k].s[b] != '\t') {
					ok = b;
					break;
				}
			if (ok < f[k].len)
				return load_error(err, ERR_PARSE, r->path,
				    r->line, f[k].col + (int)ok, "expected a "
				    "header of column names or interactions "
				    "in UTF-8 text, got byte 0x%02x (binary "
				    "data?)", (unsigned char)f[k].s[ok]);
		}
		/* say which columns there are and how to pick one */
		char have[200] = "", names_t[120] = "";
		for (int k = 0, at = 0; k < n && k < LOAD_FIELDS_MAX &&
		    at < (int)sizeof have - 1; k++)
			at += snprintf(have + at, sizeof have - (size_t)at,
			    "%s%.*s", k ? ", " : "", (int)(f[k].len < 40 ?
			    f[k].len : 40), f[k].s);
		for (int k = 0, at = 0; names[c][k] &&
		    at < (int)sizeof names_t - 1; k++)
			at += snprintf(names_t + at, sizeof names_t -
			    (size_t)at, "%s%s", k ? ", " : "", names[c][k]);
		if (want[c])
			return load_error(err, ERR_PARSE, r->path, r->line, 1,
			    "expected a %s column named %s in the header, "
			    "got %s", what[c], want[c], have);
		return load_error(err, ERR_PARSE, r->path, r->line, 1,
		    "expected a %s column in the header (one of %s), got %s "
		    "(choose one with --%s COLUMN)", what[c], names_t, have,
		    what[c]);
	}
	return 0;
}

/* Pick the delimiter: the most frequent of , tab ; | on the first line. */
char csv_detect_delim(const char *s, size_t len)
{
	static const char cand[] = ",\t;|";
	int best = 0, cnt[4] = { 0 };
	bool inq = false;
	for (size_t i = 0; i < len && s[i] != '\n'; i++) {
		if (s[i] == '"')
			inq = !inq;
		for (int c = 0; c < 4 && !inq; c++)
			cnt[c] += s[i] == cand[c];
	}
	for (int c = 1; c < 4; c++)
		if (cnt[c] > cnt[best])
			best = c;
	return cand[best];
}

/* csv: header (or not), then records with RFC 4180 quoting. */
static int parse_csv(struct loadstate *st, struct reader *r,
    const struct load_opts *o, struct err *err)
{
	struct field f[LOAD_FIELDS_MAX];
	char *scratch = NULL;
	size_t scap = 0, bad;
	int col[4], ncol = -1, rows = 0, rc;
	const char *s;
	size_t len;
	char delim = o->delim;
	while ((rc = reader_next(r, true, &s, &len, err)) > 0) {
		if (len == 0)
			continue;
		if (!delim)
			delim = csv_detect_delim(s, len);
		int n = csv_split(s, len, delim, f, LOAD_FIELDS_MAX, &scratch,
		    &scap, &bad);
		if (n < 0) {
			rc = load_error(err, ERR_PARSE, r->path, r->line, bad,
			    "expected a properly quoted field (RFC 4180), "
			    "got a stray or unterminated '\"'");
			break;
		}
		if (ncol < 0 && n > LOAD_FIELDS_MAX) {
			/* the named columns could be past the ones kept
			 * (issue 13: rating and time silently lost) */
			rc = load_error(err, ERR_LIMIT, r->path, r->line, 1,
			    "expected at most %d columns, got %d",
			    LOAD_FIELDS_MAX, n);
			break;
		}
		if (ncol < 0) {
			bool header = csv_is_header(f, n) || o->user_col;
			if (csv_map(r, f, n, header, o, col, err) < 0) {
				rc = -1;
				break;
			}
			ncol = n;
			ls_begin_file(st, col[2] >= 0, col[3] >= 0);
			if (header)
				continue;
		}
		if (n != ncol) {
			rc = load_error(err, ERR_PARSE, r->path, r->line,
			    n > ncol && ncol <= LOAD_FIELDS_MAX ?
			    f[ncol - 1].col + f[ncol - 1].len : len + 1,
			    "expected %d fields separated by %s, got %d", ncol,
			    sep_name((char[]){ delim, 0 }), n);
			break;
		}
		if (ls_add(st, r, &f[col[0]], &f[col[1]],
		    col[2] >= 0 ? &f[col[2]] : NULL,
		    col[3] >= 0 ? &f[col[3]] : NULL, err) < 0) {
			rc = -1;
			break;
		}
		rows++;
	}
	xfree(scratch);
	if (rc < 0)
		return -1;
	if (ncol < 0)
		ls_begin_file(st, false, false);
	return rows;
}

/* The file name without directories. */
static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/* ML-100K names: u.data, u1.base … u5.test, ua/ub.base/test. */
static bool ml100k_name(const char *path)
{
	const char *b = base_name(path);
	if (strncmp(b, "u.data", 6) == 0)
		return true;
	return b[0] == 'u' && b[1] && strchr("12345ab", b[1]) &&
	    (strncmp(b + 2, ".base", 5) == 0 || strncmp(b + 2, ".test", 5) == 0);
}

/* Guess the format from the first line (and the name). */
enum format load_detect(const char *path, const char *s, size_t len)
{
	const char *nl = memchr(s, '\n', len);
	size_t n = nl ? (size_t)(nl - s) : len;
	struct field f[LOAD_FIELDS_MAX];
	char *scratch = NULL;
	size_t scap = 0, bad;
	if (memmem(s, n, "::", 2))
		return FMT_ML1M;
	char d = csv_detect_delim(s, n);
	bool has_d = memchr(s, d, n) != NULL;
	if (has_d) {
		int k = csv_split(s, n, d, f, LOAD_FIELDS_MAX, &scratch, &scap,
		    &bad);
		bool header = k > 0 && csv_is_header(f, k);
		xfree(scratch);
		if (header || d != '\t')
			return FMT_CSV;
		return ml100k_name(path) ? FMT_ML100K : FMT_TSV;
	}
	return FMT_ADJ;
}

int load_parse(struct loadstate *st, struct reader *r, enum format fmt,
    const struct load_opts *o, struct err *err)
{
	switch (fmt) {
	case FMT_ADJ:
		return parse_adj(st, r, o->format == FMT_AUTO, err);
	case FMT_CSV:
		return parse_csv(st, r, o, err);
	default:
		return parse_delimited(st, r, fmt, err);
	}
}
