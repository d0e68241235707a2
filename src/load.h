/*
 * distill — load.h: internals shared by the loader files (dataset.c,
 * loadread.c, loadparse.c, idmap.c, meta.c). Not part of the engine's
 * public interface; only the loader includes it.
 *
 * A `struct reader` streams one file (plain or gzip) through a growable
 * block buffer and hands out lines (or RFC 4180 records that may span
 * lines) without ever holding more than one block plus the longest line,
 * so a 2 GB line fails with ERR_LIMIT after max_line bytes instead of
 * being read into memory.
 */
#ifndef DISTILL_LOAD_H
#define DISTILL_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "util.h"

#define LOAD_LINE_MAX   (1u << 20)  /* delimited rows: 1 MiB */
#define LOAD_ADJ_MAX    (16u << 20) /* adjacency rows: 16 MiB */
#define LOAD_ID_MAX     256         /* bytes of an external id */
#define LOAD_FIELDS_MAX 1024        /* csv columns (more: a clear error) */

struct reader {
	const char *path;
	int fd;
	void *gz;            /* gzFile, or NULL for plain files */
	char *buf;
	size_t cap, len, pos;
	size_t max_line;
	bool eof, has_nul;
	uint64_t line;       /* line number of the current record (1-based) */
	uint64_t next_line;  /* line number where the next record starts */
	uint32_t crc;        /* of the bytes read so far (decompressed) */
	uint64_t bytes;      /* bytes read so far (decompressed) */
	uint64_t size;       /* file size on disk, for progress */
	const struct hooks *hooks;
	/* the file as opened: a regular file that changes while it is read
	 * (rewritten, truncated, replaced) is an error at its end */
	bool regular;
	uint64_t dev, ino;
	int64_t mtime_ns;
	struct mem_defer defer;   /* closes it when a memory scope unwinds */
};

int reader_open(struct reader *r, const char *path, size_t max_line,
    const struct hooks *hooks, struct err *err);
void reader_close(struct reader *r);
/*
 * Next record into *s / *len (without the line end). With `quoted`, a
 * newline inside "..." does not end the record. Returns 1, 0 at end of
 * file, -1 on error (too long, NUL byte, read error, cancelled, or a
 * regular file that changed size, time or identity while it was read).
 */
int reader_next(struct reader *r, bool quoted, const char **s, size_t *len,
    struct err *err);
/* Peek at the first bytes of the file (for detection): up to n bytes. */
size_t reader_peek(struct reader *r, const char **s, size_t n,
    struct err *err);

/* "PATH:LINE:COL: " + fmt into err. col is 1-based (bytes). */
int load_error(struct err *err, enum err_code code, const char *path,
    uint64_t line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Quote s[0..len) for a message: printable, escaped, truncated. */
const char *load_quote(char *buf, size_t size, const char *s, size_t len);

/* Number parsing on (s, len): 0 on success, -1 when not a number. */
int load_parse_float(const char *s, size_t len, float *out);
int load_parse_time(const char *s, size_t len, int64_t *out);

/* UTF-8 helpers: offset of the first invalid byte, or len when valid. */
size_t utf8_check(const char *s, size_t len);
/* Latin-1 (ISO-8859-1) to a new UTF-8 string. */
char *latin1_to_utf8(const char *s, size_t len);

/* A field of a split row. */
struct field {
	const char *s;
	size_t len;
	size_t col;   /* 1-based column of the field's first byte */
};

/*
 * Split a CSV record by delim with RFC 4180 quoting; quoted fields are
 * unescaped into *scratch (grown as needed). Returns the field count
 * (fields beyond max are counted, not stored), or -1 with *bad_col set on
 * bad quoting.
 */
int csv_split(const char *s, size_t len, char delim, struct field *f,
    int max, char **scratch, size_t *scratch_cap, size_t *bad_col);

/* Ids: an idmap plus a direct table for canonical decimal ids. */
struct idtab {
	struct idmap map;
	uint32_t *num;        /* num[v] = id + 1 for the decimal string v */
	size_t nnum;
};

void idtab_init(struct idtab *t);
void idtab_free_table(struct idtab *t);  /* keeps the map */
/* Slow path of idtab_get. 0, or -1 with *why set ("too long", "utf8"). */
int idtab_get_slow(struct idtab *t, const char *s, size_t len,
    uint32_t *id, const char **why);

#define IDTAB_NUM_MAX (1u << 24)

/* The id of s[0..len), interning it. Fast for canonical decimal ids. */
static inline int idtab_get(struct idtab *t, const char *s, size_t len,
    uint32_t *id, const char **why)
{
	if (len - 1 < 8 && (s[0] != '0' || len == 1)) {
		uint32_t v = 0;
		size_t i;
		for (i = 0; i < len; i++) {
			unsigned d = (unsigned char)s[i] - '0';
			if (d > 9)
				break;
			v = v * 10 + d;
		}
		if (i == len && v < t->nnum && t->num[v]) {
			*id = t->num[v] - 1;
			return 0;
		}
	}
	return idtab_get_slow(t, s, len, id, why);
}

/* Metadata: fill ds->title/genres/label from path. */
int meta_load(struct dataset *ds, const char *path, const struct hooks *h,
    struct err *err);
/* A conventional metadata file next to path, or NULL (malloc'd). */
char *meta_discover(const char *path);

/* A dataset under construction: its arrays grow as files are parsed. */
struct lsfile {
	size_t from;          /* first interaction of the file */
	bool rating, time;    /* the file had these columns */
};

struct loadstate {
	struct dataset *ds;   /* user/item/rating/time/origin, n */
	size_t cap;
	struct idtab users, items;
	struct lsfile file[3];
	int nfile;
	uint8_t origin;       /* enum part of the current file */
	bool cur_rating, cur_time;
};

int ls_grow(struct loadstate *st);
void ls_reserve(struct loadstate *st, size_t n);

/* Append one interaction (rating/time ignored when absent); -1 when out
 * of memory. */
static inline int ls_push(struct loadstate *st, uint32_t u, uint32_t i,
    float r, int64_t t)
{
	struct dataset *ds = st->ds;
	if (ds->n == st->cap && ls_grow(st) < 0)
		return -1;
	size_t n = ds->n++;
	ds->user[n] = u;
	ds->item[n] = i;
	ds->origin[n] = st->origin;
	if (ds->rating)
		ds->rating[n] = r;
	if (ds->time)
		ds->time[n] = t;
	return 0;
}

/* Guess the format of a file from its first bytes and its name. */
enum format load_detect(const char *path, const char *s, size_t len);
char csv_detect_delim(const char *s, size_t len);
/* Parse the whole file; returns the number of data rows, or -1. */
int load_parse(struct loadstate *st, struct reader *r, enum format fmt,
    const struct load_opts *o, struct err *err);

/* Short display name for a dataset file (malloc'd). */
char *dataset_make_name(const char *path);

#endif
