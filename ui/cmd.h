/*
 * distill — cmd.h: the one command table. The REPL, batch mode (-c, -f,
 * piped stdin) and the TUI's ':' line all run commands through
 * cmd_run_line(); a command is written once, as one cmd_entry with its
 * usage, help and exec function.
 */
#ifndef DISTILL_CMD_H
#define DISTILL_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct session;

/*
 * `args` is the usage string shown in hints, usage errors, help and the man
 * page check, e.g. "USER [N]". Upper-case words name argument kinds that
 * completion understands: USER, ITEM, PARAM, VALUE, STAGE, FILE, METRIC,
 * COMMAND, FORMAT, BASELINE; lower-case words and --options are literal.
 */
struct cmd_entry {
	const char *name;
	const char *alias;   /* or NULL */
	const char *args;    /* usage after the name */
	const char *help;    /* one line */
	const char *detail;  /* longer help for `help COMMAND`, or NULL */
	int min_args, max_args; /* -1 = unlimited */
	int (*exec)(struct session *s, int argc, char **argv);
};

extern const struct cmd_entry cmd_table[];
extern const size_t cmd_count;

/* Exact name, then alias, then unique prefix. NULL when none or
 * ambiguous; `why` (may be NULL) then gets "unknown command 'x' (did you
 * mean 'y'?)" or "ambiguous: could be a, b". */
const struct cmd_entry *cmd_find(const char *name, char *why, size_t size);

/*
 * The one lexer of command lines (cmd_split, the ';' split of
 * cmd_run_line, completion): the next token of *pp before `end` (NULL:
 * the string's end). LEX_WORD: a word copied into buf (room for the rest
 * of the line) with its quotes removed and escapes applied, *n bytes;
 * *open is the quote left open at the end, else 0. LEX_SEMI: an unquoted
 * ';'. LEX_END: the end, or a '#' that starts a word (a comment; *pp is
 * left on it). Quoting is a shell's: '...' literal, "..." with \n, \t,
 * \xNN and \ before any other character, a backslash outside quotes
 * keeps the next character.
 */
enum lex_tok { LEX_END, LEX_WORD, LEX_SEMI };
enum lex_tok cmd_lex(const char **pp, const char *end, char *buf, size_t *n,
    int *open);

/* Split one command into words (up to an unquoted ';' or a comment).
 * Returns 0, or -1 with a message in `why` for an unterminated quote.
 * *argv is a NULL-terminated array freed with cmd_free_words(). */
int cmd_split(const char *line, int *argc, char ***argv, char *why,
    size_t size);
void cmd_free_words(int argc, char **argv);
/* Write one word so that cmd_split() reads it back unchanged (bare when
 * it can be, else quoted). */
void cmd_put_word(FILE *f, const char *w);

/* Run one line (which may hold several commands separated by ';').
 * Results go to s->out, errors to s->err. Returns 0 or -1 (first error;
 * with s->keep_going the remaining commands still run). */
int cmd_run_line(struct session *s, const char *line);

/* Longest script line accepted (a binary or endless input is refused
 * instead of growing without bound). */
#define SCRIPT_LINE_MAX (1 << 20)

/* The next line of a script into *line (newline kept, NUL-terminated):
 * 1, 0 at the end, -1 on a read error, a NUL byte or a line over
 * SCRIPT_LINE_MAX (*why says which). */
int cmd_script_getline(FILE *f, char **line, size_t *cap, const char **why);

/*
 * Run the lines of the script f (named name in messages, numbered in
 * s->source_line) through run(s, line). Stops at the first failing line
 * unless keep_going. Returns 0; -1 when a command failed; -2 when the
 * script itself cannot be read: a directory or read error, a NUL byte,
 * a line longer than SCRIPT_LINE_MAX (reported with FILE:LINE).
 */
int cmd_run_script(struct session *s, FILE *f, const char *name,
    int (*run)(struct session *, const char *), bool keep_going);

#endif
