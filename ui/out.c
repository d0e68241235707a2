/*
 * distill — out.c: typed result documents rendered as aligned terminal
 * tables, RFC 4180 CSV, or one-line JSON (see out.h for the model).
 *
 * Cells are kept until their section ends because a table's column widths
 * depend on every row; JSON is accumulated for the whole document so that
 * one command prints exactly one line.
 */
#include "out.h"

#include <math.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define CELL_MAX_WIDTH 48   /* table format: longer strings are cut */

/* ------------------------------------------------------------ helpers */

/* Decode one UTF-8 sequence at s; returns its length (1 on bad bytes). */
static int utf8_decode(const unsigned char *s, unsigned *cp)
{
	int n = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2 : (s[0] >> 4) == 14 ?
	    3 : (s[0] >> 3) == 30 ? 4 : 1;
	unsigned c = n == 1 ? s[0] : s[0] & (0x7f >> n);
	for (int k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80) {
			*cp = '?';
			return 1;
		}
		c = c << 6 | (s[k] & 0x3f);
	}
	*cp = c;
	return n;
}

int out_char(const char *s, int *width)
{
	unsigned cp;
	int n = utf8_decode((const unsigned char *)s, &cp);
	int w = cp < 0x80 ? (cp >= 0x20 && cp != 0x7f) : wcwidth((wchar_t)cp);
	*width = w < 0 ? 1 : w;
	return n;
}

int out_width(const char *s)
{
	int w = 0, cw;
	while (*s) {
		s += out_char(s, &cw);
		w += cw;
	}
	return w;
}

/* Copy at most `maxw` display columns of s, ending with an ellipsis when
 * it had to cut. Returns a new string. */
static char *truncate_width(const char *s, int maxw, bool utf8)
{
	if (out_width(s) <= maxw)
		return xstrdup(s);
	const char *ell = utf8 ? "\u2026" : "...";
	int ellw = utf8 ? 1 : 3, w = 0, cw;
	const char *p = s;
	while (*p) {
		int n = out_char(p, &cw);
		if (w + cw > maxw - ellw)
			break;
		w += cw;
		p += n;
	}
	return xasprintf("%.*s%s", (int)(p - s), s, ell);
}

void out_format_real(char *buf, size_t size, double v, int prec)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else if (isinf(v))
		snprintf(buf, size, v > 0 ? "inf" : "-inf");
	else if (prec >= 0)
		snprintf(buf, size, "%.*f", prec, v);
	else if (v == 0)
		snprintf(buf, size, "0");
	else if (fabs(v) >= 1e-2 && fabs(v) < 1e7)
		snprintf(buf, size, "%.4f", v);
	else if (fabs(v) >= 1e-6 && fabs(v) < 1e-2)
		snprintf(buf, size, "%.6f", v);
	else
		snprintf(buf, size, "%.3e", v);
}

/* Text of a cell for table (table = true) or CSV output. */
static void cell_text(const struct cell *c, bool table, char *buf,
    size_t size)
{
	switch (c->type) {
	case CELL_NULL:
		snprintf(buf, size, "%s", table ? "-" : "");
		break;
	case CELL_INT:
		snprintf(buf, size, "%lld", (long long)c->i);
		break;
	case CELL_BOOL:
		snprintf(buf, size, "%s", c->i ? "yes" : "no");
		if (!table)
			snprintf(buf, size, "%s", c->i ? "true" : "false");
		break;
	case CELL_REAL:
		if (table)
			out_format_real(buf, size, c->r, c->prec);
		else if (isfinite(c->r))
			snprintf(buf, size, "%.10g", c->r);
		else
			buf[0] = '\0';
		break;
	case CELL_STR:
	case CELL_NUM:
		snprintf(buf, size, "%s", c->s ? c->s : "");
		break;
	}
}

/* ------------------------------------------------------------ JSON */

static void json_putn(struct out *o, const char *s, size_t n)
{
	if (o->jlen + n + 1 > o->jcap) {
		o->jcap = (o->jlen + n + 1) * 2;
		o->json = xrealloc(o->json, o->jcap);
	}
	memcpy(o->json + o->jlen, s, n);
	o->jlen += n;
	o->json[o->jlen] = '\0';
}

static void json_puts(struct out *o, const char *s)
{
	json_putn(o, s, strlen(s));
}

static void json_put(void *o, const char *s, size_t n)
{
	json_putn(o, s, n);
}

static void json_string(struct out *o, const char *s)
{
	json_quote(s, json_put, o);
}

static void json_cell(struct out *o, const struct cell *c)
{
	char buf[64];
	switch (c->type) {
	case CELL_STR:
		json_string(o, c->s ? c->s : "");
		return;
	case CELL_NUM:
		json_puts(o, c->s);
		return;
	case CELL_BOOL:
		json_puts(o, c->i ? "true" : "false");
		return;
	case CELL_REAL:
		if (!isfinite(c->r)) {
			json_puts(o, "null");
			return;
		}
		/* FALLTHROUGH */
	case CELL_INT:
		cell_text(c, false, buf, sizeof buf);
		json_puts(o, buf);
		return;
	case CELL_NULL:
		json_puts(o, "null");
		return;
	}
}

/* Append the finished section to the JSON document. */
static void json_section(struct out *o)
{
	json_puts(o, ",");
	json_string(o, o->title);
	json_puts(o, ":");
	if (o->kind == SEC_RECORD) {
		json_puts(o, "{");
		for (size_t k = 0; k < o->ncells; k++) {
			json_puts(o, k ? "," : "");
			json_string(o, o->cols[k]);
			json_puts(o, ":");
			json_cell(o, &o->cells[k]);
		}
		json_puts(o, "}");
		return;
	}
	json_puts(o, "[");
	size_t nrows = o->ncols ? o->ncells / o->ncols : 0;
	for (size_t r = 0; r < nrows; r++) {
		json_puts(o, r ? ",{" : "{");
		for (int c = 0; c < o->ncols; c++) {
			json_puts(o, c ? "," : "");
			json_string(o, o->cols[c]);
			json_puts(o, ":");
			json_cell(o, &o->cells[r * o->ncols + c]);
		}
		json_puts(o, "}");
	}
	json_puts(o, "]");
}

/* ------------------------------------------------------------ CSV */

static void csv_section(struct out *o)
{
	FILE *f = o->s->out;
	char buf[4096];
	int ncols = o->kind == SEC_RECORD ? (int)o->ncells : o->ncols;
	size_t nrows = o->kind == SEC_RECORD ? 1 :
	    (o->ncols ? o->ncells / o->ncols : 0);

	/* sections are separated by an empty line, within a command and
	 * from one command to the next (so a reader splits on blank lines) */
	if (o->any_text || o->s->csv_begun)
		fputc('\n', f);
	o->any_text = true;
	o->s->csv_begun = true;
	for (int c = 0; c < ncols; c++) {
		fputs(c ? "," : "", f);
		put_csv(f, o->cols[c]);
	}
	fputc('\n', f);
	for (size_t r = 0; r < nrows; r++) {
		for (int c = 0; c < ncols; c++) {
			cell_text(&o->cells[r * ncols + c], false, buf,
			    sizeof buf);
			fputs(c ? "," : "", f);
			put_csv(f, buf);
		}
		fputc('\n', f);
	}
}

/* ------------------------------------------------------------ tables */

static void put_padded(FILE *f, const char *s, int width, bool right)
{
	int pad = width - out_width(s);
	if (right)
		fprintf(f, "%*s%s", pad > 0 ? pad : 0, "", s);
	else
		fprintf(f, "%s%*s", s, pad > 0 ? pad : 0, "");
}

static void table_caption(struct out *o)
{
	FILE *f = o->s->out;
	if (o->any_text)
		fputc('\n', f);
	o->any_text = true;
	if (o->title[0] == '\0')
		return;
	if (o->s->color)
		fprintf(f, "\033[1m%s\033[0m\n", o->title);
	else
		fprintf(f, "%s\n", o->title);
}

/* The display width to fit tables into: the terminal's when `out` is one
 * (REPL, or batch on a terminal), else 0 (files and pipes get every
 * column whole). */
static int out_term_width(const struct out *o)
{
	struct winsize ws;
	int fd = o->s->out_fd;
	if (fd < 0 || !isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) < 0 ||
	    ws.ws_col < 20)
		return 0;
	return ws.ws_col;
}

/* Print v at column `indent`, wrapped at spaces to `width` (0: one line);
 * continuation lines start at `indent`. */
static void put_wrapped(FILE *f, const char *v, int indent, int width)
{
	int room = width - indent;
	while (width > 0 && room >= 20 && out_width(v) > room) {
		/* the last space that keeps the line within room */
		const char *cut = NULL;
		for (const char *p = v; *p; p++) {
			if (*p == ' ') {
				char *head = xstrndup(v, (size_t)(p - v));
				bool fits = out_width(head) <= room;
				free(head);
				if (!fits)
					break;
				cut = p;
			}
		}
		if (!cut)
			break;
		fprintf(f, "%.*s\n%*s", (int)(cut - v), v, indent, "");
		v = cut + 1;
	}
	fprintf(f, "%s\n", v);
}

static void record_render(struct out *o)
{
	char buf[4096];
	int kw = 0, width = out_term_width(o);
	table_caption(o);
	for (size_t k = 0; k < o->ncells; k++)
		if (out_width(o->cols[k]) > kw)
			kw = out_width(o->cols[k]);
	for (size_t k = 0; k < o->ncells; k++) {
		cell_text(&o->cells[k], true, buf, sizeof buf);
		fprintf(o->s->out, "  ");
		put_padded(o->s->out, o->cols[k], kw, false);
		fputs("  ", o->s->out);
		put_wrapped(o->s->out, buf, kw + 4, width);
	}
}

/* Narrow the text columns (left-aligned; the widest by one column at a
 * time, so the widest end up equal; never below 8 or their name; the
 * first column only when no other can) until the row fits `width`; cut
 * their cells to fit. */
static void fit_columns(struct out *o, char **text, int *w, const bool *right,
    int width)
{
	int nc = o->ncols, total = 2 * (nc - 1);
	for (int c = 0; c < nc; c++)
		total += w[c];
	while (width > 0 && total > width) {
		/* the first column names the row: it narrows last */
		int widest = -1;
		for (int pass = 0; pass < 2 && widest < 0; pass++)
			for (int c = pass ? 0 : 1; c < (pass ? 1 : nc); c++) {
				int floor = out_width(o->cols[c]) > 8 ?
				    out_width(o->cols[c]) : 8;
				if (!right[c] && w[c] > floor &&
				    (widest < 0 || w[c] > w[widest]))
					widest = c;
			}
		if (widest < 0)
			break;
		w[widest]--;
		total--;
	}
	for (size_t k = 0; k < o->ncells; k++) {
		int c = (int)(k % nc);
		if (out_width(text[k]) > w[c]) {
			char *t = truncate_width(text[k], w[c], o->s->utf8);
			free(text[k]);
			text[k] = t;
		}
	}
}

/* Column names and the rule under them. */
static void table_header(struct out *o, const int *w, const bool *right)
{
	FILE *f = o->s->out;
	int nc = o->ncols;
	for (int c = 0; c < nc; c++) {
		fputs(c ? "  " : "", f);
		put_padded(f, o->cols[c], c == nc - 1 && !right[c] ? 0 : w[c],
		    right[c]);
	}
	fputc('\n', f);
	for (int c = 0; c < nc; c++) {
		fputs(c ? "  " : "", f);
		for (int x = 0; x < w[c]; x++)
			fputs(o->s->utf8 ? "\u2500" : "-", f);
	}
	fputc('\n', f);
}

/*
 * One format per column of automatic reals (issue 12: fixed decimals
 * showed small scores with one or two significant digits and mixed
 * formats in one column): integers when every value is one, else the
 * decimals that give the smallest non-zero value three significant
 * digits (at least 4), or scientific when that needs more than 8 or the
 * values reach 10^7. Returns -1 (no automatic reals), the decimals, or
 * COL_SCI.
 */
#define COL_SCI 99

static int column_format(const struct out *o, int c)
{
	int nc = o->ncols;
	bool any = false, ints = true;
	double mn = INFINITY, mx = 0;
	for (size_t k = (size_t)c; k < o->ncells; k += (size_t)nc) {
		const struct cell *cl = &o->cells[k];
		if (cl->type != CELL_REAL || cl->prec >= 0 || !isfinite(cl->r))
			continue;
		double a = fabs(cl->r);
		any = true;
		ints = ints && cl->r == floor(cl->r) && a < 1e15;
		if (a > 0 && a < mn)
			mn = a;
		if (a > mx)
			mx = a;
	}
	if (!any)
		return -1;
	if (ints)
		return 0;
	if (mx >= 1e7)
		return COL_SCI;
	int d = mn < INFINITY ? 2 - (int)floor(log10(mn)) : 4;
	if (d < 4)
		d = 4;
	return d > 8 ? COL_SCI : d;
}

/* Render the rows of a table section with aligned columns; numeric
 * columns (every non-null cell a number) are right-aligned. */
static void table_render(struct out *o)
{
	FILE *f = o->s->out;
	int nc = o->ncols;
	size_t nrows = nc ? o->ncells / nc : 0;
	char **text = xcalloc(o->ncells ? o->ncells : 1, sizeof *text);
	int *w = xcalloc(nc, sizeof *w);
	bool *right = xcalloc(nc, sizeof *right);
	char buf[4096];

	int *fmt = xcalloc(nc ? nc : 1, sizeof *fmt);
	for (int c = 0; c < nc; c++) {
		w[c] = out_width(o->cols[c]);
		right[c] = true;
		fmt[c] = column_format(o, c);
	}
	for (size_t k = 0; k < o->ncells; k++) {
		const struct cell *cl = &o->cells[k];
		int c = (int)(k % nc);
		if (cl->type == CELL_REAL && cl->prec < 0 && fmt[c] >= 0 &&
		    isfinite(cl->r)) {
			if (fmt[c] == COL_SCI)
				snprintf(buf, sizeof buf, cl->r == 0 ? "0" :
				    "%.3e", cl->r);
			else
				snprintf(buf, sizeof buf, "%.*f", fmt[c],
				    cl->r);
		} else {
			cell_text(cl, true, buf, sizeof buf);
		}
		text[k] = c == nc - 1 ? xstrdup(buf) :
		    truncate_width(buf, CELL_MAX_WIDTH, o->s->utf8);
		if (out_width(text[k]) > w[c])
			w[c] = out_width(text[k]);
		if (cl->type == CELL_STR || cl->type == CELL_BOOL)
			right[c] = false;
	}
	fit_columns(o, text, w, right, out_term_width(o));
	table_caption(o);
	table_header(o, w, right);
	if (nrows == 0)
		fputs("(none)\n", f);
	for (size_t r = 0; r < nrows; r++) {
		for (int c = 0; c < nc; c++) {
			fputs(c ? "  " : "", f);
			put_padded(f, text[r * nc + c], c == nc - 1 &&
			    !right[c] ? 0 : w[c], right[c]);
		}
		fputc('\n', f);
	}
	for (size_t k = 0; k < o->ncells; k++)
		free(text[k]);
	free(text);
	free(fmt);
	free(w);
	free(right);
}

/* ------------------------------------------------------------ sections */

static void section_clear(struct out *o)
{
	for (size_t k = 0; k < o->ncells; k++)
		free(o->cells[k].s);
	for (int c = 0; c < o->ncols; c++)
		free(o->cols[c]);
	if (o->kind == SEC_RECORD)
		for (size_t k = 0; k < o->ncells; k++)
			free(o->cols[k]);
	free(o->cols);
	free(o->cells);
	free(o->title);
	o->cols = NULL;
	o->cells = NULL;
	o->title = NULL;
	o->ncols = 0;
	o->ncells = o->cap = 0;
}

void out_flush(struct out *o)
{
	if (!o->title)
		return;
	if (o->fmt == OUT_JSON)
		json_section(o);
	else if (o->fmt == OUT_CSV)
		csv_section(o);
	else if (o->kind == SEC_RECORD)
		record_render(o);
	else
		table_render(o);
	o->nsections++;
	section_clear(o);
}

void out_drop(struct out *o)
{
	section_clear(o);
}

const char *const out_format_names[] = { "table", "csv", "json", NULL };

int out_format_lookup(const char *name)
{
	for (int k = 0; out_format_names[k]; k++)
		if (strcmp(name, out_format_names[k]) == 0)
			return k;
	return -1;
}

void out_begin(struct out *o, struct session *s, const char *cmd)
{
	memset(o, 0, sizeof *o);
	o->s = s;
	o->fmt = s->fmt;
	if (o->fmt == OUT_JSON) {
		json_puts(o, "{\"command\":");
		json_string(o, cmd);
	}
}

void out_end(struct out *o)
{
	out_flush(o);
	if (o->fmt == OUT_JSON) {
		json_puts(o, "}\n");
		fputs(o->json, o->s->out);
	} else if (o->fmt == OUT_TABLE && o->any_text)
		fputc('\n', o->s->out);  /* a blank line ends a result */
	free(o->json);
	fflush(o->s->out);
	memset(o, 0, sizeof *o);
}

static void section_start(struct out *o, enum section_kind kind,
    const char *title)
{
	out_flush(o);
	o->kind = kind;
	o->title = xstrdup(title ? title : "");
}

static struct cell *cell_add(struct out *o)
{
	if (o->ncells == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->cells = xreallocarray(o->cells, o->cap, sizeof *o->cells);
	}
	struct cell *c = &o->cells[o->ncells++];
	memset(c, 0, sizeof *c);
	c->prec = -1;
	return c;
}

void out_record(struct out *o, const char *title)
{
	section_start(o, SEC_RECORD, title);
}

/* Records keep one key per cell in cols[] (grown with the cells). */
static struct cell *kv_add(struct out *o, const char *key)
{
	struct cell *c = cell_add(o);
	o->cols = xreallocarray(o->cols, o->cap, sizeof *o->cols);
	o->cols[o->ncells - 1] = xstrdup(key);
	return c;
}

void out_kv_int(struct out *o, const char *key, int64_t v)
{
	struct cell *c = kv_add(o, key);
	c->type = CELL_INT;
	c->i = v;
}

void out_kv_real(struct out *o, const char *key, double v)
{
	struct cell *c = kv_add(o, key);
	c->type = CELL_REAL;
	c->r = v;
}

void out_kv_str(struct out *o, const char *key, const char *v)
{
	struct cell *c = kv_add(o, key);
	c->type = v ? CELL_STR : CELL_NULL;
	c->s = v ? xstrdup(v) : NULL;
}

/* A parameter's value as JSON types it: integers and reals as numbers,
 * choices, 'given' and lists ("5,10,20") as strings. Tables and CSV keep
 * the parameter's own text, so a column of values of several types reads
 * as each was written (no 100.0000 beside 0.5). */
/* True when t is a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool json_number(const char *t)
{
	const char *p = t + (*t == '-');
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return false;
	if (*p == '.') {
		if (!(*++p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p += p[1] == '+' || p[1] == '-' ? 2 : 1;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

static void param_cell(struct out *o, struct cell *c, int id,
    const char *text)
{
	const struct param_def *d = params_def(id);
	bool number = o->fmt == OUT_JSON && (d->type == PT_INT ||
	    d->type == PT_REAL || d->type == PT_FRACGIVEN) &&
	    json_number(text);
	/* the text itself, not a double printed to 10 digits: the value
	 * reads back exactly as the registry holds it */
	c->type = number ? CELL_NUM : CELL_STR;
	c->s = xstrdup(text);
}

void out_param(struct out *o, int id, const char *text)
{
	param_cell(o, cell_add(o), id, text);
}

void out_kv_param(struct out *o, const char *key, int id, const char *text)
{
	param_cell(o, kv_add(o, key), id, text);
}

void out_kv_bool(struct out *o, const char *key, bool v)
{
	struct cell *c = kv_add(o, key);
	c->type = CELL_BOOL;
	c->i = v;
}

void out_table(struct out *o, const char *title, const char *const *cols)
{
	section_start(o, SEC_TABLE, title);
	while (cols[o->ncols])
		o->ncols++;
	o->cols = xcalloc(o->ncols, sizeof *o->cols);
	for (int c = 0; c < o->ncols; c++)
		o->cols[c] = xstrdup(cols[c]);
}

void out_int(struct out *o, int64_t v)
{
	struct cell *c = cell_add(o);
	c->type = CELL_INT;
	c->i = v;
}

void out_real(struct out *o, double v)
{
	out_realp(o, v, -1);
}

void out_realp(struct out *o, double v, int decimals)
{
	struct cell *c = cell_add(o);
	c->type = CELL_REAL;
	c->r = v;
	c->prec = decimals;
}

void out_number(struct out *o, double v)
{
	if (isfinite(v) && v == floor(v) && fabs(v) < 1e15)
		out_int(o, (int64_t)v);
	else
		out_real(o, v);
}

char *out_visible(const char *v)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		n += *p < 0x20 || *p == 0x7f ? 4 : 1;
	char *r = xmalloc(n + 1), *q = r;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			q += sprintf(q, "\\x%02x", *p);
		else
			*q++ = (char)*p;
	*q = '\0';
	return r;
}

void out_str(struct out *o, const char *v)
{
	struct cell *c = cell_add(o);
	c->type = v ? CELL_STR : CELL_NULL;
	/* JSON escapes control bytes itself; a table or CSV shows them as
	 * \xNN so an id with ESC or BEL cannot drive the terminal */
	c->s = !v ? NULL : o->fmt == OUT_JSON ? xstrdup(v) : out_visible(v);
}

void out_null(struct out *o)
{
	cell_add(o)->type = CELL_NULL;
}

void out_bool(struct out *o, bool v)
{
	struct cell *c = cell_add(o);
	c->type = CELL_BOOL;
	c->i = v;
}

void out_text(struct out *o, const char *title, char **lines, size_t n)
{
	out_flush(o);
	if (o->fmt != OUT_TABLE)
		return;
	FILE *f = o->s->out;
	o->title = xstrdup(title ? title : "");
	table_caption(o);
	free(o->title);
	o->title = NULL;
	for (size_t k = 0; k < n; k++)
		fprintf(f, "%s\n", lines[k]);
}

void out_note(struct out *o, const char *fmt, ...)
{
	va_list ap;
	out_flush(o);
	if (o->fmt != OUT_TABLE)
		return;
	if (o->any_text)
		fputc('\n', o->s->out);
	o->any_text = true;
	va_start(ap, fmt);
	vfprintf(o->s->out, fmt, ap);
	va_end(ap);
	fputc('\n', o->s->out);
}
