/*
 * distill — out.h: rendering of command results as aligned tables on a
 * terminal, CSV, or JSON.
 *
 * A command builds one document: out_begin(), then any number of sections
 * (a record of key/value pairs, a table of rows, or free text lines such
 * as a plot), then out_end(). Cells are typed (integer, real, string,
 * null) so that each format renders them properly: tables right-align
 * numbers and pad by display width (UTF-8), CSV quotes per RFC 4180, JSON
 * writes numbers as numbers. With --format json a whole document is ONE
 * line: {"command":"stats","graph":{...},"item_degree":[{...},...]}.
 * Text sections are shown in table format only (JSON/CSV carry the same
 * data as a table section next to them).
 *
 * Everything is buffered until the section (table) or the document (JSON)
 * ends, then written to s->out. The caller owns the struct out; out_end()
 * releases everything it holds.
 */
#ifndef DISTILL_OUT_H
#define DISTILL_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* CELL_NUM: a number kept as its text `s` (a parameter's value, exactly
 * as the registry wrote it): a bare number in JSON, text elsewhere. */
enum cell_type { CELL_NULL, CELL_INT, CELL_REAL, CELL_STR, CELL_BOOL,
	CELL_NUM };

struct cell {
	enum cell_type type;
	int64_t i;
	double r;
	char *s;        /* owned */
	int prec;       /* CELL_REAL: decimals in tables, -1 = automatic */
};

enum section_kind { SEC_RECORD, SEC_TABLE, SEC_TEXT };

struct out {
	struct session *s;
	enum out_format fmt;
	/* the section being built */
	enum section_kind kind;
	char *title;            /* JSON key, table caption */
	int ncols;
	char **cols;
	struct cell *cells;     /* row-major; records: key in cols, 1 row */
	size_t ncells, cap;
	/* JSON document under construction */
	char *json;
	size_t jlen, jcap;
	int nsections;
	bool any_text;          /* table format: a section was printed */
};

/* Start a document for command `cmd`. */
void out_begin(struct out *o, struct session *s, const char *cmd);
/* Finish the document and write it (JSON: one line). */
void out_end(struct out *o);

/* A key/value record; values follow with out_kv_*(). */
void out_record(struct out *o, const char *title);
void out_kv_int(struct out *o, const char *key, int64_t v);
void out_kv_real(struct out *o, const char *key, double v);
void out_kv_str(struct out *o, const char *key, const char *v);
void out_kv_bool(struct out *o, const char *key, bool v);
/* Parameter id's value `text` (params_format): typed in JSON, as text in
 * tables and CSV. */
void out_kv_param(struct out *o, const char *key, int id, const char *text);

/* A table with the given column names (NULL-terminated list); cells are
 * added row-major with out_int()/out_real()/out_str()/out_null(). */
void out_table(struct out *o, const char *title, const char *const *cols);
void out_int(struct out *o, int64_t v);
void out_real(struct out *o, double v);
void out_realp(struct out *o, double v, int decimals);
/* An integer when v is integral (counts), a real otherwise. */
void out_number(struct out *o, double v);
void out_str(struct out *o, const char *v);
void out_param(struct out *o, int id, const char *text);
void out_null(struct out *o);
void out_bool(struct out *o, bool v);

/* Free text lines (plots, notes): written in table format only. */
void out_text(struct out *o, const char *title, char **lines, size_t n);
/* A copy of v with control bytes (< 0x20, 0x7f) written as \xNN, for
 * anything shown on a terminal (caller frees). */
char *out_visible(const char *v);
/* One line of prose (table format only), e.g. "ran graph in 3 ms". */
void out_note(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* End the current section (also done by the next section or out_end). */
void out_flush(struct out *o);
/* Discard the current section unprinted (e.g. an empty table). */
void out_drop(struct out *o);

/* Display width of a UTF-8 string on a terminal. */
int out_width(const char *s);
/* One UTF-8 character of s (not at its end): its length in bytes and, in
 * *width, its display width (wcwidth; an invalid byte is one column, an
 * ASCII control none). The one decoder behind out_width and the TUI. */
int out_char(const char *s, int *width);
/* Format a real for a table cell: fixed decimals, or automatic. */
void out_format_real(char *buf, size_t size, double v, int prec);

#endif
