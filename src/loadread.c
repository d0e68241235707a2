/*
 * distill — loadread.c: the loader's streaming reader (plain or gzip,
 * detected by magic bytes), error messages with file:line:column, fast
 * number parsing and the RFC 4180 record splitter.
 *
 * The reader keeps one buffer: a 4 MiB block read at a time, plus the
 * unfinished tail of the previous block moved to the front. A record that
 * does not end within max_line bytes is an ERR_LIMIT error, so memory
 * stays bounded whatever the input. Every byte read goes through zlib's
 * crc32 (the dataset checksum) and a memchr for NUL bytes (binary input).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "load.h"

#define READ_BLOCK (4u << 20)

int load_error(struct err *err, enum err_code code, const char *path,
    uint64_t line, size_t col, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (line == 0)
		return err_set(err, code, "%s: %s", path, msg);
	if (col == 0)
		return err_set(err, code, "%s:%llu: %s", path,
		    (unsigned long long)line, msg);
	return err_set(err, code, "%s:%llu:%zu: %s", path,
	    (unsigned long long)line, col, msg);
}

const char *load_quote(char *buf, size_t size, const char *s, size_t len)
{
	if (len == 0)
		return "an empty field";
	size_t o = 0;
	buf[o++] = '"';
	for (size_t i = 0; i < len && o + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i == 24) {
			o += (size_t)snprintf(buf + o, size - o, "...");
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static void reader_close_cb(void *r)
{
	reader_close(r);
}

int reader_open(struct reader *r, const char *path, size_t max_line,
    const struct hooks *hooks, struct err *err)
{
	memset(r, 0, sizeof *r);
	r->path = path;
	r->max_line = max_line;
	r->hooks = hooks;
	r->next_line = 1;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return err_set(err, ERR_IO, "%s: cannot open: %s", path,
		    strerror(errno));
	struct stat st;
	if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(r->fd);
		return err_set(err, ERR_IO, "%s: is a directory, expected a "
		    "file", path);
	}
	r->size = (uint64_t)st.st_size;
	r->regular = S_ISREG(st.st_mode);
	r->dev = (uint64_t)st.st_dev;
	r->ino = (uint64_t)st.st_ino;
	r->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
	    st.st_mtim.tv_nsec;
	unsigned char magic[2];
	if (pread(r->fd, magic, 2, 0) == 2 && magic[0] == 0x1f &&
	    magic[1] == 0x8b) {
		r->gz = gzdopen(r->fd, "rb");
		if (!r->gz) {
			close(r->fd);
			return err_set(err, ERR_IO, "%s: cannot open gzip "
			    "stream", path);
		}
		gzbuffer(r->gz, 1u << 18);
	}
	/* the file is closed if a memory scope unwinds while it is open */
	mem_defer_push(&r->defer, reader_close_cb, r);
	r->cap = READ_BLOCK;
	r->buf = xmalloc(r->cap);
	return 0;
}

void reader_close(struct reader *r)
{
	mem_defer_pop(&r->defer);
	if (r->gz)
		gzclose(r->gz);
	else if (r->fd >= 0)
		close(r->fd);
	xfree(r->buf);
	r->buf = NULL;
	r->gz = NULL;
	r->fd = -1;
}

/* Read one block more into the buffer (moving the tail to the front). */
static int reader_fill(struct reader *r, struct err *err)
{
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->cap - r->len < READ_BLOCK / 4) {
		r->cap *= 2;
		r->buf = xrealloc(r->buf, r->cap);
	}
	ssize_t got;
	if (r->gz) {
		got = gzread(r->gz, r->buf + r->len, (unsigned)(r->cap - r->len));
		if (got < 0) {
			int e;
			const char *m = gzerror(r->gz, &e);
			/* zlib names a gzdopen'ed stream "<fd:N>: ": the
			 * path is ours to give */
			const char *c = strncmp(m, "<fd:", 4) == 0 ?
			    strstr(m, ": ") : NULL;
			return err_set(err, ERR_IO, "%s: corrupt gzip stream "
			    "(%s) after %llu bytes of text", r->path,
			    c ? c + 2 : m, (unsigned long long)r->bytes);
		}
		/* the end of a truncated stream is not an end of file:
		 * zlib says Z_BUF_ERROR (issue 13: half a file loaded
		 * without a word) */
		int ze = Z_OK;
		if (got == 0)
			gzerror(r->gz, &ze);
		if (ze == Z_BUF_ERROR)
			return err_set(err, ERR_IO, "%s: truncated gzip stream "
			    "(it ends inside compressed data after %llu "
			    "bytes of text)", r->path,
			    (unsigned long long)r->bytes);
	} else {
		do
			got = read(r->fd, r->buf + r->len, r->cap - r->len);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			return err_set(err, ERR_IO, "%s: read: %s", r->path,
			    strerror(errno));
	}
	if (got == 0)
		r->eof = true;
	char *p = r->buf + r->len;
	r->crc = (uint32_t)crc32_z(r->crc, (const Bytef *)p, (size_t)got);
	r->bytes += (uint64_t)got;
	if (!r->has_nul && memchr(p, 0, (size_t)got))
		r->has_nul = true;
	r->len += (size_t)got;
	/* a UTF-8 byte order mark is not part of the first id or header
	 * (issue 13: 3 users instead of 2, a header that did not match);
	 * the CRC above still covers the file's bytes */
	if (r->bytes == (uint64_t)got && r->len >= 3 && r->pos == 0 &&
	    memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
	if (hooks_cancelled(r->hooks))
		return err_set(err, ERR_INTERRUPTED, "%s: interrupted",
		    r->path);
	if (r->size && !r->gz)
		hooks_progress(r->hooks, "load", (double)r->bytes / r->size);
	return 0;
}

size_t reader_peek(struct reader *r, const char **s, size_t n,
    struct err *err)
{
	while (r->len - r->pos < n && !r->eof)
		if (reader_fill(r, err) < 0)
			return (size_t)-1;
	*s = r->buf + r->pos;
	return r->len - r->pos < n ? r->len - r->pos : n;
}

/* Find the end of a quoted record from offset *scan; toggles *inq. */
static char *reader_scan_quoted(char *p, char *end, bool *inq, uint64_t *nl)
{
	for (; p < end; p++) {
		if (*p == '"')
			*inq = !*inq;
		else if (*p == '\n') {
			if (!*inq)
				return p;
			(*nl)++;
		}
	}
	return NULL;
}

/* Hand out the record [start, end) and advance past its newline. */
static int reader_emit(struct reader *r, char *start, char *end,
    uint64_t embedded, const char **s, size_t *len, struct err *err)
{
	size_t n = (size_t)(end - start);
	r->line = r->next_line;
	r->next_line += 1 + embedded;
	r->pos = (size_t)(end - r->buf) + (end < r->buf + r->len);
	if (n > 0 && start[n - 1] == '\r')
		n--;
	if (r->has_nul) {
		char *z = memchr(start, 0, n);
		if (z)
			return load_error(err, ERR_PARSE, r->path, r->line,
			    (size_t)(z - start) + 1, "expected text, got a "
			    "NUL byte (binary file?)");
	}
	*s = start;
	*len = n;
	return 1;
}

/* At the end of a regular file: is it still the file that was opened,
 * unchanged? (issue 13: 3.86 M of 5 M rows accepted from a file
 * truncated under the reader, and its CRC saved as the data's) */
static int reader_unchanged(const struct reader *r, struct err *err)
{
	struct stat now, path;
	if (!r->regular || fstat(r->fd, &now) != 0)
		return 0;
	int64_t mt = (int64_t)now.st_mtim.tv_sec * 1000000000 +
	    now.st_mtim.tv_nsec;
	bool replaced = stat(r->path, &path) == 0 &&
	    ((uint64_t)path.st_dev != r->dev ||
	    (uint64_t)path.st_ino != r->ino);
	if ((uint64_t)now.st_size == r->size && mt == r->mtime_ns && !replaced)
		return 0;
	return err_set(err, ERR_IO, "%s: file changed while reading (%s; "
	    "%llu bytes when opened, %llu now): load it again once it is "
	    "complete", r->path, replaced ? "replaced by another file" :
	    "rewritten or truncated", (unsigned long long)r->size,
	    (unsigned long long)now.st_size);
}

int reader_next(struct reader *r, bool quoted, const char **s, size_t *len,
    struct err *err)
{
	size_t scan = 0;
	bool inq = false;
	uint64_t embedded = 0;
	for (;;) {
		char *start = r->buf + r->pos, *end = r->buf + r->len, *nl;
		if (quoted)
			nl = reader_scan_quoted(start + scan, end, &inq,
			    &embedded);
		else
			nl = memchr(start + scan, '\n', (size_t)(end - start) -
			    scan);
		if (nl && (size_t)(nl - start) <= r->max_line)
			return reader_emit(r, start, nl, embedded, s, len, err);
		if ((size_t)(end - start) > r->max_line)
			return load_error(err, ERR_LIMIT, r->path,
			    r->next_line, r->max_line + 1, "expected a line "
			    "of at most %zu bytes, got a longer one",
			    r->max_line);
		scan = (size_t)(end - start);
		if (r->eof) {
			if (start == end)
				return reader_unchanged(r, err) < 0 ? -1 : 0;
			return reader_emit(r, start, end, embedded, s, len,
			    err);
		}
		if (reader_fill(r, err) < 0)
			return -1;
	}
}

static const double pow10_tab[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9
};

/* strtod on a bounded copy; the whole text must be a finite number. */
static int load_parse_slow(const char *s, size_t len, double *out)
{
	char tmp[64];
	if (len == 0 || len >= sizeof tmp)
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	char *end;
	errno = 0;
	double v = strtod(tmp, &end);
	if (end != tmp + len || !isfinite(v) || errno == ERANGE)
		return -1;
	*out = v;
	return 0;
}

int load_parse_float(const char *s, size_t len, float *out)
{
	size_t i = 0, nd = 0, nf = 0;
	bool neg = false;
	uint64_t m = 0;
	if (len && (s[0] == '-' || s[0] == '+'))
		neg = s[i++] == '-';
	for (; i < len && (unsigned)(s[i] - '0') < 10; i++, nd++)
		m = m * 10 + (unsigned)(s[i] - '0');
	if (i < len && s[i] == '.')
		for (i++; i < len && (unsigned)(s[i] - '0') < 10; i++, nf++)
			m = m * 10 + (unsigned)(s[i] - '0');
	if (i == len && nd + nf > 0 && nd + nf <= 15 && nf <= 9) {
		double v = (double)m / pow10_tab[nf];
		*out = (float)(neg ? -v : v);
		return 0;
	}
	double d;
	if (load_parse_slow(s, len, &d) < 0 || fabs(d) > 3e38)
		return -1;
	*out = (float)d;
	return 0;
}

int load_parse_time(const char *s, size_t len, int64_t *out)
{
	size_t i = 0, nd = 0;
	bool neg = false;
	int64_t v = 0;
	if (len && s[0] == '-')
		neg = true, i++;
	for (; i < len && (unsigned)(s[i] - '0') < 10 && nd < 18; i++, nd++)
		v = v * 10 + (s[i] - '0');
	if (i < len && s[i] == '.' && nd > 0)
		for (i++; i < len && (unsigned)(s[i] - '0') < 10; i++)
			;
	if (i != len || nd == 0)
		return -1;
	*out = neg ? -v : v;
	return 0;
}

/* One quoted field starting at s[*i] == '"'; unescapes into *o. */
static int csv_quoted(const char *s, size_t len, size_t *i, char delim,
    char **o, size_t *bad_col)
{
	size_t start = *i;
	for ((*i)++;; (*i)++) {
		if (*i >= len) {
			*bad_col = start + 1;
			return -1;
		}
		if (s[*i] == '"') {
			if (*i + 1 < len && s[*i + 1] == '"') {
				*(*o)++ = '"';
				(*i)++;
				continue;
			}
			(*i)++;
			break;
		}
		*(*o)++ = s[*i];
	}
	if (*i < len && s[*i] != delim) {
		*bad_col = *i + 1;
		return -1;
	}
	return 0;
}

int csv_split(const char *s, size_t len, char delim, struct field *f,
    int max, char **scratch, size_t *scratch_cap, size_t *bad_col)
{
	bool anyq = memchr(s, '"', len) != NULL;
	if (anyq && *scratch_cap < len + 1) {
		*scratch_cap = len + 1;
		*scratch = xrealloc(*scratch, *scratch_cap);
	}
	char *o = *scratch;
	size_t i = 0;
	int n = 0;
	for (;;) {
		struct field cur = { s + i, 0, i + 1 };
		if (anyq && i < len && s[i] == '"') {
			cur.s = o;
			cur.col = i + 2; /* the first byte inside the quotes */
			if (csv_quoted(s, len, &i, delim, &o, bad_col) < 0)
				return -1;
			cur.len = (size_t)(o - cur.s);
		} else {
			const char *e = memchr(s + i, delim, len - i);
			size_t end = e ? (size_t)(e - s) : len;
			const char *q = anyq ? memchr(s + i, '"', end - i) : NULL;
			if (q) {
				*bad_col = (size_t)(q - s) + 1;
				return -1;
			}
			cur.len = end - i;
			i = end;
		}
		if (n < max)
			f[n] = cur;
		n++;
		if (i >= len)
			return n;
		i++;
	}
}
