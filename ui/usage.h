/*
 * distill — usage.h: a command's usage string read as a tiny grammar, so
 * that completion and hints know what may come next without any list of
 * their own.
 *
 * The usage strings of cmd_table[] ("USER [N]", "[--test FILE] FILE",
 * "[COMMAND | param NAME]", "FILE...") are parsed into sequences,
 * [optional] parts, a|b alternatives and "..." repetition; an --option
 * followed by a KIND takes that argument. Upper-case words are kinds,
 * lower-case words literals.
 */
#ifndef DISTILL_USAGE_H
#define DISTILL_USAGE_H

#include <stdbool.h>

struct cmd_entry;
struct gnode;

/* The words of the command under the cursor: w[0..n) are complete, cur
 * is the (possibly empty) word being typed, starting at cur_start. */
struct usage_words {
	char **w;
	int n, cap;
	char *cur;
	int cur_start;
};

/* Split line[0..point) like cmd_split() does, tolerating an open quote
 * and starting afresh after each unquoted ';'. */
void usage_split(const char *line, int point, struct usage_words *ws);
void usage_words_free(struct usage_words *ws);

/* A typed command matched against its usage: positional words (options
 * and their arguments removed) point into the usage_words, which must
 * outlive the ctx. */
struct usage_ctx {
	const struct cmd_entry *cmd;
	struct gnode *g;
	char **pos;
	int npos;
	const char *optarg_kind;   /* the cursor is on this option's argument */
};

/* Returns false (nothing to free) when the first word is no command. */
bool usage_ctx_build(const struct usage_words *ws, struct usage_ctx *cx);
void usage_ctx_free(struct usage_ctx *cx);

#define USAGE_MAX_EXPECT 32

/* The kinds or literals that may come at the cursor. The strings belong
 * to cx. */
struct usage_expect {
	const char *tok[USAGE_MAX_EXPECT];
	int n;
};
void usage_expect(const struct usage_ctx *cx, struct usage_expect *ex);

/* The --options of the command that start with prefix; returns how many
 * were stored in v[0..max). The strings belong to cx. */
int usage_options(const struct usage_ctx *cx, const char *prefix,
    const char **v, int max);

/* The usage not yet consumed by the words typed ("VALUE", "[N]"), for a
 * hint; NULL when nothing remains. malloc'd. */
char *usage_remaining(const struct usage_ctx *cx,
    const struct usage_words *ws);

/* Upper-case first letter: a kind such as USER, not a literal. */
bool usage_is_kind(const char *tok);

#endif
