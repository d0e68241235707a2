/*
 * distill — complete.h: context-aware completion and argument hints for
 * the REPL, derived from the command table (cmd_table[].args), the
 * parameter registry (params_def) and the loaded dataset. Nothing here
 * lists commands or parameters itself.
 *
 * complete_line() and complete_hint() are plain functions over a line of
 * text (tests call them directly); complete_install() wires them into
 * readline.
 */
#ifndef DISTILL_COMPLETE_H
#define DISTILL_COMPLETE_H

#include <stdbool.h>
#include <stddef.h>

struct session;

/* Candidates for the word under the cursor. */
struct completion {
	char **v;          /* n candidates, malloc'd, NULL-terminated */
	size_t n, cap;
	int start;         /* offset of the word being completed in line */
	bool files;        /* candidates are file names (dirs end in '/') */
	bool items;        /* candidates are item ids (shown with titles) */
	bool replace;      /* candidates do not start with the typed word
	                      (an item found by title): replace it whole */
};

/*
 * Complete the word that ends at `point` in `line` (the text after point
 * is ignored). The word's kind comes from the command's usage string:
 * a command name first, then --options, literal words, or the kinds
 * USER, ITEM, PARAM, VALUE, STAGE, FILE, METRIC, COMMAND, FORMAT,
 * BASELINE. `c` is filled from scratch; free with completion_free().
 */
void complete_line(struct session *s, const char *line, int point,
    struct completion *c);
void completion_free(struct completion *c);

/*
 * The redis-cli style hint for `line` with the cursor at its end: the
 * rest of the command's usage ("PARAM VALUE"), or for `set NAME ` the
 * parameter's choices or range and its one-line doc. NULL when there is
 * nothing to show. malloc'd.
 */
char *complete_hint(struct session *s, const char *line);

/* Install completion (and the item display hook) into readline for
 * session s. The session must outlive readline use. */
void complete_install(struct session *s);

#endif
