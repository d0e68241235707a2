/*
 * distill — complete.c: completion and argument hints for the REPL.
 *
 * Everything is derived from data that other modules own: usage.c reads
 * a command's usage string in cmd_table[] as a grammar and says which
 * kinds may come next (USER, ITEM, PARAM, VALUE, STAGE, FILE, ...); this
 * file expands each kind from the parameter registry, the stage names,
 * the engine's name tables and the loaded dataset. Adding a command or a parameter
 * therefore needs no change here.
 *
 * The readline glue at the end is the only part that touches readline
 * state; it keeps the one session pointer readline's callbacks need.
 */
#include "complete.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <readline/readline.h>

#include "cmd.h"
#include "explain.h"
#include "pipeline.h"
#include "session.h"
#include "usage.h"

#define MAX_CANDIDATES 5000

/* ------------------------------------------------------------ candidates */

/* Append v without looking for duplicates (ids are unique). */
static void cand_push(struct completion *c, const char *v)
{
	if (c->n >= MAX_CANDIDATES)
		return;
	if (c->n + 2 > c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = xreallocarray(c->v, c->cap, sizeof *c->v);
	}
	c->v[c->n++] = xstrdup(v);
	c->v[c->n] = NULL;
}

static void cand_add(struct completion *c, const char *v)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i], v) == 0)
			return;
	cand_push(c, v);
}

/* Add an id when it starts with the typed prefix. */
static void cand_id(struct completion *c, const char *prefix, size_t len,
    const char *id)
{
	if (strncmp(id, prefix, len) == 0)
		cand_push(c, id);
}

/* Add v when it starts with the typed prefix. */
static void cand_prefix(struct completion *c, const char *prefix,
    const char *v)
{
	if (v && strncmp(v, prefix, strlen(prefix)) == 0)
		cand_add(c, v);
}

void completion_free(struct completion *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------- kind expansion */


static void add_list(struct completion *c, const char *text,
    const char *const *v)
{
	for (; *v; v++)
		cand_prefix(c, text, *v);
}

/* Literal choices from the usage: "json" or "graphml|dot|csv|json". */
static void add_choices(struct completion *c, const char *text,
    const char *lit)
{
	for (const char *p = lit; *p; ) {
		size_t n = strcspn(p, "|");
		if (n >= strlen(text) && strncmp(p, text, strlen(text)) == 0) {
			char *w = xstrndup(p, n);
			cand_add(c, w);
			free(w);
		}
		p += n + (p[n] == '|');
	}
}

static void add_commands(struct completion *c, const char *text)
{
	for (size_t i = 0; i < cmd_count; i++)
		cand_prefix(c, text, cmd_table[i].name);
	if (c->n == 0)
		for (size_t i = 0; i < cmd_count; i++)
			cand_prefix(c, text, cmd_table[i].alias);
}

static void add_params(struct completion *c, const char *text)
{
	for (int i = 0; i < P__COUNT; i++)
		cand_prefix(c, text, params_def(i)->name);
	if (c->n > 0 || strchr(text, '.'))
		return;
	/* "metric" finds abstract.metric: match the part after the dot */
	for (int i = 0; i < P__COUNT; i++) {
		const char *dot = strchr(params_def(i)->name, '.');
		if (dot && strncmp(dot + 1, text, strlen(text)) == 0)
			cand_add(c, params_def(i)->name);
	}
	c->replace = c->n > 0;
}

/* Values of the most recent parameter named among the words. */
static void add_values(struct completion *c, const char *text,
    const struct usage_ctx *cx)
{
	const struct param_def *d = NULL;

	for (int i = cx->npos - 1; i >= 0 && !d; i--) {
		int id = params_lookup(cx->pos[i]);
		if (id >= 0)
			d = params_def(id);
	}
	if (!d)
		return;
	if (d->type == PT_ENUM)
		add_list(c, text, d->choices);
	else if (d->type == PT_FRACGIVEN)
		cand_prefix(c, text, "given");
}

static void add_stages(struct completion *c, const char *text)
{
	for (int s = 0; s < STAGE__COUNT; s++)
		cand_prefix(c, text, stage_name(s));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Ids in the order a person expects, not the order of the file. */
static void sort_from(struct completion *c, size_t from)
{
	if (c->n > from)
		qsort(c->v + from, c->n - from, sizeof *c->v, cmp_str);
}

static void add_users(struct session *s, struct completion *c,
    const char *text)
{
	const struct dataset *ds = s ? s->pl.ds : NULL;
	size_t from = c->n;

	if (!ds)
		return;
	for (uint32_t u = 0; u < ds->users.n; u++)
		cand_id(c, text, strlen(text), idmap_name(&ds->users, u));
	sort_from(c, from);
}

/* Item ids by prefix; failing that, items whose title contains the text
 * (case-insensitive), offered as their ids. */
static void add_items(struct session *s, struct completion *c,
    const char *text)
{
	const struct dataset *ds = s ? s->pl.ds : NULL;
	size_t from = c->n;

	if (!ds)
		return;
	c->items = true;
	for (uint32_t j = 0; j < ds->items.n; j++)
		cand_id(c, text, strlen(text), idmap_name(&ds->items, j));
	if (c->n == from && ds->title && text[0] != '\0') {
		for (uint32_t j = 0; j < ds->items.n; j++)
			if (ds->title[j] && strcasestr(ds->title[j], text))
				cand_push(c, idmap_name(&ds->items, j));
		c->replace = c->n > from;
	}
	sort_from(c, from);
}

static void add_files(struct completion *c, const char *text)
{
	char *f;

	c->files = true;
	for (int st = 0; (f = rl_filename_completion_function(text, st));
	    st = 1) {
		cand_add(c, f);
		free(f);
	}
}

/* The kind behind a generic word like NAME: the literal before it
 * ("param NAME" → PARAM, "metric NAME" → METRIC). */
static const char *kind_resolve(const char *kind, const struct usage_ctx *cx)
{
	static const char *const known[] = { "USER", "ITEM", "PARAM",
	    "VALUE", "STAGE", "FILE", "METRIC", "COMMAND", "FORMAT",
	    "BASELINE", NULL };
	char up[32];
	const char *prev;

	for (int i = 0; known[i]; i++)
		if (strcmp(kind, known[i]) == 0)
			return kind;
	if (cx->npos == 0)
		return kind;
	prev = cx->pos[cx->npos - 1];
	for (size_t i = 0; i < sizeof up - 1 && (up[i] = (char)toupper(
	    (unsigned char)prev[i])); i++)
		;
	up[sizeof up - 1] = '\0';
	for (int i = 0; known[i]; i++)
		if (strcmp(up, known[i]) == 0)
			return known[i];
	return kind;
}

/* Expand one expected token into candidates for `text`. */
static void add_kind(struct session *s, struct completion *c,
    const char *tok, const char *text, const struct usage_ctx *cx)
{
	const char *k = kind_resolve(tok, cx);

	if (!usage_is_kind(k))
		add_choices(c, text, k);
	else if (strcmp(k, "COMMAND") == 0)
		add_commands(c, text);
	else if (strcmp(k, "PARAM") == 0)
		add_params(c, text);
	else if (strcmp(k, "VALUE") == 0)
		add_values(c, text, cx);
	else if (strcmp(k, "STAGE") == 0)
		add_stages(c, text);
	else if (strcmp(k, "FILE") == 0)
		add_files(c, text);
	else if (strcmp(k, "USER") == 0)
		add_users(s, c, text);
	else if (strcmp(k, "ITEM") == 0)
		add_items(s, c, text);
	else if (strcmp(k, "METRIC") == 0) {
		for (int m = 0; m < METRIC__COUNT; m++)
			cand_prefix(c, text, metric_defs[m].name);
		if (strcmp(cx->cmd->name, "help") == 0)  /* formulas too */
			add_list(c, text,
			    params_def(P_ABSTRACT_METRIC)->choices);
	}
	else if (strcmp(k, "FORMAT") == 0)
		add_list(c, text, out_format_names);
	else if (strcmp(k, "BASELINE") == 0)
		for (int b = 0; b < BASE__COUNT; b++)
			cand_prefix(c, text, baseline_name(b));
}

static void complete_options(struct completion *c,
    const struct usage_ctx *cx, const char *text)
{
	const char *v[USAGE_MAX_EXPECT];
	int n = usage_options(cx, text, v, USAGE_MAX_EXPECT);

	for (int i = 0; i < n; i++)
		cand_add(c, v[i]);
}

void complete_line(struct session *s, const char *line, int point,
    struct completion *c)
{
	struct usage_words ws;
	struct usage_ctx cx;
	struct usage_expect ex;

	memset(c, 0, sizeof *c);
	usage_split(line, point, &ws);
	c->start = ws.cur_start;
	if (ws.n == 0) {
		add_commands(c, ws.cur);
	} else if (usage_ctx_build(&ws, &cx)) {
		if (ws.cur[0] == '-' && !cx.optarg_kind)
			complete_options(c, &cx, ws.cur);
		else {
			usage_expect(&cx, &ex);
			for (int i = 0; i < ex.n; i++)
				add_kind(s, c, ex.tok[i], ws.cur, &cx);
		}
		usage_ctx_free(&cx);
	}
	usage_words_free(&ws);
}

/* ----------------------------------------------------------------- hints */

/* "0..5", ">= 0" or "any" for a numeric parameter. */
static void hint_range(const struct param_def *d, char *buf, size_t size)
{
	if (d->min <= -1e9 && d->max >= 1e9)
		snprintf(buf, size, "any number");
	else if (d->max >= 1e9)
		snprintf(buf, size, ">= %g", d->min);
	else
		snprintf(buf, size, "%g..%g", d->min, d->max);
}

/* "cosine|jaccard|...  (now rp3, default rp3) item-item similarity". */
static char *hint_param(struct session *s, const struct param_def *d,
    int id)
{
	char vals[256] = "", now[64] = "?";
	size_t len = 0;

	if (d->type == PT_ENUM) {
		for (int i = 0; d->choices[i] && len < sizeof vals - 1; i++)
			len += (size_t)snprintf(vals + len, sizeof vals - len,
			    "%s%s", i ? "|" : "", d->choices[i]);
	} else {
		char r[64];
		hint_range(d, r, sizeof r);
		snprintf(vals, sizeof vals, "%s%s%s",
		    d->type == PT_INT ? "integer " : d->type == PT_INTLIST ?
		    "K,K,... each " : "", r,
		    d->type == PT_FRACGIVEN ? " or given" : "");
	}
	if (s)
		params_format(&s->pl.params, id, now, sizeof now);
	return xasprintf("%s  (now %s, default %s) %s", vals, now, d->def,
	    d->doc);
}

/* Exact command name or alias (no prefixes: a hint must not guess). */
static const struct cmd_entry *cmd_exact(const char *name)
{
	for (size_t i = 0; i < cmd_count; i++)
		if (strcmp(cmd_table[i].name, name) == 0 ||
		    (cmd_table[i].alias && strcmp(cmd_table[i].alias,
		    name) == 0))
			return &cmd_table[i];
	return NULL;
}

char *complete_hint(struct session *s, const char *line)
{
	struct usage_words ws;
	struct usage_ctx cx;
	struct usage_expect ex;
	const struct cmd_entry *e;
	char *h = NULL;

	usage_split(line, (int)strlen(line), &ws);
	if (ws.n == 0) {
		if ((e = cmd_exact(ws.cur)) && e->args && *e->args)
			h = xasprintf(" %s", e->args);
	} else if (ws.cur[0] == '\0' && usage_ctx_build(&ws, &cx)) {
		usage_expect(&cx, &ex);
		for (int i = 0; i < ex.n && !h; i++) {
			int id;
			if (strcmp(ex.tok[i], "VALUE") != 0 || cx.npos == 0)
				continue;
			if ((id = params_lookup(cx.pos[cx.npos - 1])) >= 0)
				h = hint_param(s, params_def(id), id);
		}
		if (!h)
			h = usage_remaining(&cx, &ws);
		usage_ctx_free(&cx);
	}
	usage_words_free(&ws);
	return h;
}

/* -------------------------------------------------------- readline glue */

/* Readline's callbacks carry no user pointer: the session completion
 * reads from, set by complete_install(). */
static struct session *complete_session;

/* The longest common prefix of v[0..n). */
static char *common_prefix(char **v, size_t n)
{
	size_t len = strlen(v[0]);

	for (size_t i = 1; i < n; i++) {
		size_t k = 0;
		while (k < len && v[i][k] == v[0][k])
			k++;
		len = k;
	}
	return xstrndup(v[0], len);
}

/* List item candidates one per line with their titles. */
static void complete_show_items(char **m, int n, int maxlen)
{
	const struct dataset *ds = complete_session->pl.ds;
	int shown = n > 40 ? 40 : n;

	fputc('\n', rl_outstream);
	for (int i = 1; i <= shown; i++) {
		int64_t j = ds ? idmap_find(&ds->items, m[i], strlen(m[i])) :
		    -1;
		const char *t = j >= 0 && ds->title && ds->title[j] ?
		    ds->title[j] : "";
		fprintf(rl_outstream, "  %-*s  %s\n", maxlen, m[i], t);
	}
	if (n >= MAX_CANDIDATES)
		fprintf(rl_outstream, "  ... and more: type more of the id "
		    "or of the title\n");
	else if (n > shown)
		fprintf(rl_outstream, "  ... and %d more\n", n - shown);
	rl_forced_update_display();
}

/* rl_attempted_completion_function: readline's matches array from
 * complete_line(): [0] is the replacement, then the candidates. */
static char **complete_attempt(const char *text, int start, int end)
{
	struct completion c;
	char **m;

	(void)start;
	rl_attempted_completion_over = 1;
	rl_completion_display_matches_hook = NULL;
	complete_line(complete_session, rl_line_buffer, end, &c);
	if (c.n == 0) {
		completion_free(&c);
		return NULL;
	}
	rl_filename_completion_desired = c.files;
	m = xcalloc(c.n + 2, sizeof *m);
	if (c.n == 1) {
		m[0] = c.v[0];
		free(c.v);
		return m;
	}
	m[0] = c.replace ? xstrdup(text) : common_prefix(c.v, c.n);
	memcpy(m + 1, c.v, c.n * sizeof *m);
	if (c.items)
		rl_completion_display_matches_hook = complete_show_items;
	free(c.v);
	return m;
}

void complete_install(struct session *s)
{
	complete_session = s;
	rl_readline_name = "distill";
	rl_attempted_completion_function = complete_attempt;
	rl_completer_word_break_characters = (char *)" \t\n;";
	rl_completer_quote_characters = "'\"";
	rl_filename_quote_characters = " \t\n\"'\\;";
}
