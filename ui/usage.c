/*
 * distill — usage.c: parse command usage strings into a grammar and match
 * typed words against it (see usage.h). A continuation-passing matcher
 * walks the grammar and collects the tokens that may follow the words
 * typed so far; kinds with a closed set of names (STAGE, PARAM, COMMAND)
 * only match valid names, so alternatives resolve by what was typed.
 */
#include "usage.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "params.h"
#include "util.h"

#define MAX_KIDS 32
#define MAX_WALK 20000

/* ----------------------------------------------------------------- words */

static void usage_words_push(struct usage_words *ws, const char *buf, size_t len)
{
	if (ws->n + 1 >= ws->cap) {
		ws->cap = ws->cap ? ws->cap * 2 : 8;
		ws->w = xreallocarray(ws->w, ws->cap, sizeof *ws->w);
	}
	ws->w[ws->n++] = xstrndup(buf, len);
}

void usage_words_free(struct usage_words *ws)
{
	for (int i = 0; i < ws->n; i++)
		free(ws->w[i]);
	free(ws->w);
	free(ws->cur);
	memset(ws, 0, sizeof *ws);
}

/* Split line[0..point) with cmd_lex, tolerating an open quote and
 * starting afresh after each unquoted ';'. The word that reaches the
 * cursor is the one being typed (ws->cur, from ws->cur_start). */
void usage_split(const char *line, int point, struct usage_words *ws)
{
	char *buf = xmalloc((size_t)point + 1);
	const char *p = line, *end = line + point;
	size_t n;
	int open;
	enum lex_tok t;

	memset(ws, 0, sizeof *ws);
	ws->cur_start = point;
	for (;;) {
		const char *start = p;
		while (start < end && *start && strchr(" \t\r\n", *start))
			start++;
		if ((t = cmd_lex(&p, end, buf, &n, &open)) == LEX_END)
			break;
		if (t == LEX_SEMI) {
			while (ws->n > 0)
				free(ws->w[--ws->n]);
			continue;
		}
		if (p >= end || !*p) {
			ws->cur_start = (int)(start - line);
			ws->cur = xstrndup(buf, n);
			break;
		}
		usage_words_push(ws, buf, n);
	}
	if (!ws->cur)
		ws->cur = xstrdup("");
	free(buf);
}

/* ------------------------------------------------------- usage grammar */

enum gkind { G_TOK, G_SEQ, G_ALT, G_OPT, G_REP, G_STAR };

struct gnode {
	enum gkind k;
	char *tok;             /* G_TOK: literal, --option or KIND */
	char *optarg;          /* --option's argument kind, or NULL */
	struct gnode *kid[MAX_KIDS];
	int nkid;
	struct gnode *star;    /* G_REP: zero-or-more continuation */
	const char *src;       /* span in the usage string */
	size_t len;
};

enum ltype { L_END, L_WORD, L_OPEN, L_CLOSE, L_BAR, L_DOTS };

struct lex {
	const char *p;
	enum ltype t;
	const char *s;         /* token start */
	size_t n;              /* token length */
};

static bool is_dots(const char *p)
{
	return strncmp(p, "...", 3) == 0 || strncmp(p, "\xe2\x80\xa6", 3) == 0;
}

/* Read the next token of a usage string. */
static void lex_next(struct lex *lx)
{
	while (*lx->p == ' ' || *lx->p == '\t')
		lx->p++;
	lx->s = lx->p;
	lx->n = 1;
	if (*lx->p == '\0') {
		lx->t = L_END;
		lx->n = 0;
		return;
	}
	if (is_dots(lx->p)) {
		lx->t = L_DOTS;
		lx->n = 3;
	} else if (strchr("[({", *lx->p))
		lx->t = L_OPEN;
	else if (strchr("])}", *lx->p))
		lx->t = L_CLOSE;
	else if (*lx->p == '|')
		lx->t = L_BAR;
	else {
		const char *e = lx->p;
		while (*e && !strchr(" \t[](){}|", *e) && !is_dots(e))
			e++;
		lx->t = L_WORD;
		lx->n = (size_t)(e - lx->p);
	}
	lx->p += lx->n;
}

static struct gnode *gnode_new(enum gkind k, const char *src)
{
	struct gnode *g = xcalloc(1, sizeof *g);
	g->k = k;
	g->src = src;
	return g;
}

static void gnode_free(struct gnode *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->nkid; i++)
		gnode_free(g->kid[i]);
	free(g->star);
	free(g->tok);
	free(g->optarg);
	free(g);
}

bool usage_is_kind(const char *tok)
{
	return isupper((unsigned char)tok[0]);
}

static struct gnode *parse_alt(struct lex *lx);

/* item := WORD | '[' alt ']' | '(' alt ')', optionally followed by "...". */
static struct gnode *parse_item(struct lex *lx)
{
	struct gnode *g;
	const char *start = lx->s;

	if (lx->t == L_WORD) {
		g = gnode_new(G_TOK, start);
		g->tok = xstrndup(lx->s, lx->n);
		lex_next(lx);
	} else if (lx->t == L_OPEN) {
		bool opt = *lx->s == '[';
		lex_next(lx);
		g = parse_alt(lx);
		if (lx->t == L_CLOSE)
			lex_next(lx);
		if (opt) {
			struct gnode *o = gnode_new(G_OPT, start);
			o->kid[o->nkid++] = g;
			g = o;
		}
	} else
		return NULL;
	if (lx->t == L_DOTS) {
		struct gnode *r = gnode_new(G_REP, start);
		r->kid[r->nkid++] = g;
		r->star = gnode_new(G_STAR, start);
		r->star->kid[0] = g;   /* shared, not owned */
		r->star->nkid = 1;
		g = r;
		lex_next(lx);
	}
	g->src = start;
	g->len = (size_t)(lx->s - start);
	while (g->len > 0 && start[g->len - 1] == ' ')
		g->len--;
	return g;
}

/* After an --option: its argument, a KIND or literal choices "a|b|c"
 * (stored as the string "a|b|c"). */
static char *parse_optarg(struct lex *lx)
{
	char *arg = xstrndup(lx->s, lx->n), *t;

	lex_next(lx);
	while (lx->t == L_BAR) {
		lex_next(lx);
		if (lx->t != L_WORD)
			break;
		t = xasprintf("%s|%.*s", arg, (int)lx->n, lx->s);
		free(arg);
		arg = t;
		lex_next(lx);
	}
	return arg;
}

/* seq := item*; an --option followed by a word takes it as argument. */
static struct gnode *parse_seq(struct lex *lx)
{
	struct gnode *g = gnode_new(G_SEQ, lx->s), *it;

	while (g->nkid < MAX_KIDS) {
		struct gnode *prev = g->nkid ? g->kid[g->nkid - 1] : NULL;
		if (prev && prev->k == G_TOK && prev->tok[0] == '-' &&
		    !prev->optarg && lx->t == L_WORD && lx->s[0] != '-') {
			prev->optarg = parse_optarg(lx);
			prev->len = (size_t)(lx->s - prev->src);
			continue;
		}
		if ((it = parse_item(lx)) == NULL)
			break;
		g->kid[g->nkid++] = it;
	}
	g->len = (size_t)(lx->s - g->src);
	while (g->len > 0 && g->src[g->len - 1] == ' ')
		g->len--;
	return g;
}

static struct gnode *parse_alt(struct lex *lx)
{
	struct gnode *first = parse_seq(lx), *g;

	if (lx->t != L_BAR)
		return first;
	g = gnode_new(G_ALT, first->src);
	g->kid[g->nkid++] = first;
	while (lx->t == L_BAR && g->nkid < MAX_KIDS) {
		lex_next(lx);
		g->kid[g->nkid++] = parse_seq(lx);
	}
	g->len = (size_t)(lx->s - g->src);
	return g;
}

/* Parse a whole usage string; always returns a G_SEQ. */
static struct gnode *usage_parse(const char *args)
{
	struct lex lx = { .p = args ? args : "" };
	struct gnode *g;

	lex_next(&lx);
	g = parse_alt(&lx);
	if (g->k != G_SEQ) {        /* "a|b" at top level */
		struct gnode *seq = gnode_new(G_SEQ, g->src);
		seq->kid[seq->nkid++] = g;
		g = seq;
	}
	return g;
}

/* Find the option `name` anywhere in the grammar. */
static const struct gnode *usage_option(const struct gnode *g,
    const char *name)
{
	if (g->k == G_TOK)
		return g->tok && g->tok[0] == '-' &&
		    strcmp(g->tok, name) == 0 ? g : NULL;
	if (g->k == G_STAR)
		return NULL;
	for (int i = 0; i < g->nkid; i++) {
		const struct gnode *o = usage_option(g->kid[i], name);
		if (o)
			return o;
	}
	return NULL;
}

/* Every option of the grammar that starts with prefix. */
static int gnode_options(const struct gnode *g, const char *prefix,
    const char **v, int n, int max)
{
	if (g->k == G_TOK && g->tok && g->tok[0] == '-' && n < max &&
	    strncmp(g->tok, prefix, strlen(prefix)) == 0)
		v[n++] = g->tok;
	if (g->k == G_STAR)
		return n;
	for (int i = 0; i < g->nkid; i++)
		n = gnode_options(g->kid[i], prefix, v, n, max);
	return n;
}

int usage_options(const struct usage_ctx *cx, const char *prefix,
    const char **v, int max)
{
	return gnode_options(cx->g, prefix, v, 0, max);
}

/* ------------------------------------------------------------- matching */

/* A continuation: what remains to match after the current node. `mark`
 * stops a zero-or-more repetition that consumed nothing. */
struct cont {
	const struct gnode *g;
	const struct cont *next;
	int mark;
};

struct walk {
	char **w;               /* positional words after the command */
	int n;
	struct usage_expect *ex;
	int steps;
};

static void expect_add(struct usage_expect *ex, const char *tok)
{
	for (int i = 0; i < ex->n; i++)
		if (strcmp(ex->tok[i], tok) == 0)
			return;
	if (ex->n < USAGE_MAX_EXPECT)
		ex->tok[ex->n++] = tok;
}

/* Would a typed word fit a kind? Only kinds with a closed set of names
 * are checked, so that alternatives like COMMAND|param NAME resolve. */
static bool kind_accepts(const char *kind, const char *word)
{
	char why[8];

	if (!usage_is_kind(kind))
		return strcmp(kind, word) == 0;
	if (strcmp(kind, "STAGE") == 0)
		return stage_lookup(word) >= 0;
	if (strcmp(kind, "PARAM") == 0)
		return params_lookup(word) >= 0;
	if (strcmp(kind, "COMMAND") == 0)
		return cmd_find(word, why, sizeof why) != NULL;
	return word[0] != '-' || isdigit((unsigned char)word[1]) ||
	    word[1] == '.';
}

static void walk(struct walk *x, const struct cont *k, int i);

static void walk_seq(struct walk *x, const struct gnode *g,
    const struct cont *next, int i)
{
	struct cont c[MAX_KIDS];

	if (g->nkid == 0) {
		walk(x, next, i);
		return;
	}
	for (int j = 0; j < g->nkid; j++) {
		c[j].g = g->kid[j];
		c[j].next = j + 1 < g->nkid ? &c[j + 1] : next;
		c[j].mark = -1;
	}
	walk(x, &c[0], i);
}

/* Match w[i..n) against the continuation k, recording what is expected
 * at position n. Options were stripped from w, so they match nothing. */
static void walk(struct walk *x, const struct cont *k, int i)
{
	struct cont c, st;
	const struct gnode *g;

	if (!k || ++x->steps > MAX_WALK)
		return;
	g = k->g;
	switch (g->k) {
	case G_TOK:
		if (g->tok[0] == '-')
			walk(x, k->next, i);
		else if (i == x->n)
			expect_add(x->ex, g->tok);
		else if (kind_accepts(g->tok, x->w[i]))
			walk(x, k->next, i + 1);
		return;
	case G_SEQ:
		walk_seq(x, g, k->next, i);
		return;
	case G_ALT:
		for (int j = 0; j < g->nkid; j++) {
			c = (struct cont){ g->kid[j], k->next, -1 };
			walk(x, &c, i);
		}
		return;
	case G_OPT:
		walk(x, k->next, i);
		c = (struct cont){ g->kid[0], k->next, -1 };
		walk(x, &c, i);
		return;
	case G_REP:
	case G_STAR:
		if (g->k == G_STAR) {
			walk(x, k->next, i);
			if (k->mark == i)
				return;
		}
		st = (struct cont){ g->k == G_REP ? g->star : g, k->next, i };
		c = (struct cont){ g->kid[0], &st, -1 };
		walk(x, &c, i);
		return;
	}
}

void usage_ctx_free(struct usage_ctx *cx)
{
	gnode_free(cx->g);
	free(cx->pos);
	memset(cx, 0, sizeof *cx);
}

/* Find the command of ws and separate options from positional words.
 * Returns false when the first word is no command. */
bool usage_ctx_build(const struct usage_words *ws, struct usage_ctx *cx)
{
	char why[256];

	memset(cx, 0, sizeof *cx);
	if (ws->n == 0 || (cx->cmd = cmd_find(ws->w[0], why, sizeof why)) ==
	    NULL)
		return false;
	cx->g = usage_parse(cx->cmd->args);
	cx->pos = xcalloc((size_t)ws->n + 1, sizeof *cx->pos);
	for (int i = 1; i < ws->n; i++) {
		const struct gnode *o = NULL;
		if (ws->w[i][0] == '-')
			o = usage_option(cx->g, ws->w[i]);
		if (!o) {
			cx->pos[cx->npos++] = ws->w[i];
			continue;
		}
		if (o->optarg && i + 1 == ws->n)
			cx->optarg_kind = o->optarg;
		else if (o->optarg)
			i++;
	}
	return true;
}

/* Kinds expected at the cursor after the positional words of cx. */
void usage_expect(const struct usage_ctx *cx, struct usage_expect *ex)
{
	struct walk x = { cx->pos, cx->npos, ex, 0 };
	struct cont top = { cx->g, NULL, -1 };

	memset(ex, 0, sizeof *ex);
	if (cx->optarg_kind) {
		expect_add(ex, cx->optarg_kind);
		return;
	}
	walk(&x, &top, 0);
}

/* The option a usage unit like "[--test FILE]" introduces, or NULL. */
static const struct gnode *unit_option(const struct gnode *g)
{
	while (g && (g->k == G_OPT || g->k == G_SEQ) && g->nkid > 0)
		g = g->kid[0];
	return g && g->k == G_TOK && g->tok && g->tok[0] == '-' ? g : NULL;
}

static bool word_used(const struct usage_words *ws, const char *w)
{
	for (int i = 1; i < ws->n; i++)
		if (strcmp(ws->w[i], w) == 0)
			return true;
	return false;
}

/* The first plain token of g (descending into sequences and options). */
static const struct gnode *first_tok(const struct gnode *g)
{
	while (g && g->k != G_TOK && g->nkid > 0)
		g = g->kid[0];
	return g && g->k == G_TOK ? g : NULL;
}

static void append_unit(char **h, const struct gnode *u)
{
	char *t = xasprintf("%s%s%.*s", *h, **h ? " " : "", (int)u->len,
	    u->src);
	free(*h);
	*h = t;
}

/* Append to *h the units of sequence g that the remaining *left
 * positional words do not consume; an alternative is entered by the
 * branch whose first token fits the next word. */
static void remaining_seq(const struct gnode *g, const struct usage_ctx *cx,
    const struct usage_words *ws, int *left, char **h)
{
	for (int i = 0; i < g->nkid; i++) {
		const struct gnode *u = g->kid[i], *o = unit_option(u), *t;
		if (o && word_used(ws, o->tok))
			continue;
		if (!o && *left > 0 && u->k == G_ALT) {
			const char *w = cx->pos[cx->npos - *left];
			int j;
			for (j = 0; j < u->nkid; j++)
				if ((t = first_tok(u->kid[j])) &&
				    t->tok[0] != '-' && kind_accepts(t->tok, w))
					break;
			if (j < u->nkid && u->kid[j]->k == G_SEQ) {
				remaining_seq(u->kid[j], cx, ws, left, h);
				continue;
			}
		}
		if (!o && *left > 0) {
			*left = u->k == G_REP ? 0 : *left - 1;
			continue;
		}
		append_unit(h, u);
	}
}

/* The usage units not yet consumed by the words typed. */
char *usage_remaining(const struct usage_ctx *cx,
    const struct usage_words *ws)
{
	char *h = xstrdup("");
	int left = cx->npos;

	remaining_seq(cx->g, cx, ws, &left, &h);
	if (left > 0 || *h == '\0') {
		free(h);
		return NULL;
	}
	return h;
}
