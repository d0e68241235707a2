/*
 * distill — cmd.c: the one command table and the machinery around it:
 * lookup (exact, alias, unique prefix, nearest-name suggestion), the
 * shell-like tokenizer, arity checks and cmd_run_line() which the REPL,
 * batch mode and the TUI's ':' line all call. Command bodies live in
 * cmd-*.c, one exec function per command.
 */
#include "cmd.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"

/* ------------------------------------------------------------ the table */

const struct cmd_entry cmd_table[] = {
	{ "load", NULL, "FILE|DIR" LOAD_OPTIONS(LOAD_USAGE_OPT),
	  "load an interaction log (and metadata, given splits)",
	  "Reads FILE (format detected unless --format), optional item "
	  "metadata (--items), a given test split (--test) and validation "
	  "split (--valid). CSV columns are found by name or given with "
	  "--user/--item/--rating/--time; --delim forces the delimiter. "
	  "--crc (written by save) warns when the file's CRC-32 differs. "
	  "--sample-users F keeps the users whose label hash (seeded by "
	  "--sample-seed) falls below F, the same users the cluster job "
	  "samples. DIR is the output of cluster/distill-abstract: its "
	  "manifest and every file are checked, the sampled users and the "
	  "neighbour lists are loaded, and the abstract stage is imported "
	  "(a higher abstract.threshold or smaller abstract.topk stays live; "
	  "other abstract changes print the job command that recomputes "
	  "them). A failed load keeps the previous dataset.",
	  1, -1, cmd_load },
	{ "set", NULL, "PARAM VALUE", "change a parameter",
	  "Invalidates the parameter's stage and every later one. When the "
	  "pipeline had results, the stale stages are re-run and the headline "
	  "statistics and metrics are printed before -> after.",
	  2, 2, cmd_set },
	{ "get", NULL, "PARAM", "show a parameter's value", NULL,
	  1, 1, cmd_get },
	{ "params", NULL, "[STAGE]",
	  "list parameters: value, default, range, stage, doc", NULL,
	  0, 1, cmd_params },
	{ "undo", NULL, "", "undo the last parameter change", NULL,
	  0, 0, cmd_undo },
	{ "redo", NULL, "", "redo an undone parameter change", NULL,
	  0, 0, cmd_redo },
	{ "run", NULL, "[STAGE]", "run the stale stages (up to STAGE)",
	  NULL, 0, 1, cmd_run },
	{ "step", NULL, "", "run the next stale stage and show its statistics",
	  NULL, 0, 0, cmd_step },
	{ "stats", NULL, "[STAGE]",
	  "statistics of a stage (all stages' headlines without STAGE)",
	  "graph: counts, density, degree distributions, components. "
	  "abstract: candidate and kept pairs, similarity histogram with the "
	  "threshold marked, communities and their most central items. "
	  "filter: kept/removed by reason, reach loss, model. distill: "
	  "information weights. recommend: evaluation metrics. These are "
	  "insight: computed now for the current result (communities take "
	  "seconds on a large graph), cached until the stage runs again.",
	  0, 1, cmd_stats },
	{ "rec", NULL, "USER [N] | --all --out FILE",
	  "top-N recommendations of a user (or every user into a file)",
	  "Shows rank, item, title, score D_uj, whether the item is held out "
	  "for the user (hit) and the items that contributed most. With "
	  "distill.calibrate > 0 the list is not in score order; by_score "
	  "gives each item's rank by D_uj alone.",
	  1, 3, cmd_rec },
	{ "why", NULL, "USER ITEM",
	  "every path user -> item -> ITEM and the relations that were cut",
	  NULL, 2, 2, cmd_why },
	{ "whynot", NULL, "USER ITEM",
	  "why ITEM is not in USER's top-N, and what would bring it in",
	  "The reason (seen, no path, paths cut, outranked, calibrated "
	  "out) and the smallest single change that brings the item in, "
	  "checked by ranking it with that change: the threshold, top-k or "
	  "filter.alpha restoring a cut relation, a distill.beta step, a "
	  "longer rec.n, distill.calibrate 0. Without calibration most are "
	  "ranked from the user's own rows (under filter.method ridge from "
	  "the regressions the change alters), not a re-run; Ctrl-C stops "
	  "the search.",
	  2, 2, cmd_whynot },
	{ "profile", NULL, "USER",
	  "a user's community profile and its entropy", NULL,
	  1, 1, cmd_profile },
	{ "user", NULL, "USER",
	  "a user's interactions: train, validation and test items",
	  "One row per interaction: the item, its title, the split part, "
	  "the rating and time when the log has them, and whether it is a "
	  "positive (rating >= graph.min_rating); train first, then "
	  "validation, then test, each in the order of the log.",
	  1, 1, cmd_user },
	{ "item", NULL, "ITEM [N]",
	  "an item's neighbourhood: its row and column of S, B's weights",
	  "The item's fit degree and community, then its N "
	  "(default 10) most similar items (row of S: s_ij and B_ij, '-' when "
	  "the filter cut the relation, and why: the backbone's alpha or the "
	  "classifier's score against its bound) and the N items most "
	  "similar to it (column of S).", 1, 2, cmd_item },
	{ "community", NULL, "C | --of ITEM",
	  "a community of S: its label, size and most central items",
	  "Community C (a number from stats abstract), or the one ITEM is "
	  "in. Its label is its most central item: the one its other items "
	  "point to most (the similarity it receives from them). Computes "
	  "the communities when they are not yet (insight).",
	  1, 2, cmd_community },
	{ "eval", NULL, "[--test]",
	  "evaluate on the validation split (--test: refit, test split)",
	  "Every metric of help metric at each eval.k. ile needs the "
	  "communities: it is reported with set eval.ile on (or when the "
	  "calibration or the learned filter detect them), '-' otherwise.",
	  0, 1, cmd_eval },
	{ "compare", NULL, "[--ease-lambda L] [--filters]",
	  "the pipeline beside the pop, random, itemknn, rp3 and ease "
	  "baselines",
	  "Every baseline runs on the same split and target. ease is the "
	  "dense EASE model B = I - P diag(1/diag P), P = (X'X + L I)^-1, "
	  "with L = filter.lambda unless --ease-lambda is given; it needs an "
	  "items x items matrix of doubles, so above 20000 items it is "
	  "skipped with a warning saying why. --filters instead re-runs "
	  "from the filter stage under every filter (none, backbone, ridge, "
	  "learned with each filter.model) and shows the validation AUC, "
	  "the edges kept and the accuracy at the first eval.k side by side.",
	  0, 2, cmd_compare },
	{ "sweep", NULL, "PARAM FROM TO STEP [METRIC[@K]]",
	  "re-run from PARAM's stage for each value; table and plot",
	  "The plot shows METRIC (default ndcg) at K, one of eval.k (the "
	  "first when no @K is given), e.g. sweep abstract.topk 50 300 50 "
	  "recall@20. The parameter is restored; a last line names the best "
	  "value (in the TUI, 'a' applies it). Ctrl-C keeps the rows "
	  "computed.",
	  4, 5, cmd_sweep },
	{ "history", NULL, "[--apply N]",
	  "every configuration evaluated in this session, with its metrics",
	  "Lists the trail: each configuration that had fresh results after "
	  "a command or a TUI change, and every point of sweep and tune, "
	  "with the metrics at the first eval.k and the parameters where it "
	  "differs from the current one. --apply N makes entry N current "
	  "(one change: undo takes it back). A new dataset starts a new "
	  "trail.",
	  0, 2, cmd_history },
	{ "pin", NULL, "[--clear]",
	  "keep the current configuration and its metrics to compare with",
	  "While pinned, set, undo and redo add a 'pinned' table (every "
	  "accuracy metric pinned, now, delta) and the TUI's metrics line "
	  "compares with the pin; diff with no argument shows what changed "
	  "since. Runs the pipeline when it has no metrics. --clear forgets "
	  "it; loading a dataset too.",
	  0, 1, cmd_pin },
	{ "diff", NULL, "[A [B]]",
	  "two configurations parameter by parameter, with their metrics",
	  "A and B are current, pinned or a session file written by save "
	  "(its set lines over the defaults); by default pinned and "
	  "current. Both are evaluated on the loaded data and the current "
	  "target.",
	  0, 2, cmd_diff },
	{ "tune", NULL, "PARAM[=LO:HI[:log]]... [--budget N] [--metric "
	  "METRIC[@K]] [--seed S]",
	  "search several parameters on the validation split, apply the best",
	  "A seeded search (default budget 30 points, metric ndcg at the "
	  "first eval.k, seed 42): the current setting, then a Latin "
	  "hypercube over the ranges (a third of the budget), then "
	  "coordinate refinement around the best (steps of a quarter of a "
	  "range, halved when a round brings nothing). Ranges default to the "
	  "registry's (help param NAME); give PARAM=LO:HI or LO:HI:log to "
	  "change one; enums try every choice. Only abstract, filter and "
	  "distill parameters are tuned. Prints the trail of every point, "
	  "then applies the best as one change (undo restores all of it). "
	  "Ctrl-C stops the search and applies the best so far. It never "
	  "reads the test split: with eval.target test it refuses; score "
	  "the result once with eval --test.",
	  1, -1, cmd_tune },
	{ "export", NULL, "STAGE FILE [--format graphml|dot|csv|json]",
	  "write a stage's graph to a file", NULL, 2, 4, cmd_export },
	{ "save", NULL, "FILE",
	  "write a replayable script: load, seeds, every non-default set",
	  "Input paths are written absolute, so the script replays from any "
	  "directory.", 1, 1, cmd_save },
	{ "source", NULL, "[--strict] FILE", "run the commands of a script",
	  "A relative path on a load line is read from the working "
	  "directory, else from the script's own directory. With --strict, "
	  "a load whose inputs changed since the script was saved (their "
	  "CRC-32 differ from its --crc) is an error that stops the script; "
	  "otherwise a warning.",
	  1, 2, cmd_source },
	{ "format", NULL, "FORMAT", "output format: table, csv or json", NULL,
	  1, 1, cmd_format },
	{ "echo", NULL, "[TEXT...]", "print TEXT (narration in scripts)",
	  "Prints its words joined by spaces on standard output (an empty "
	  "line without any); quote TEXT to keep ';' or '#' in it. In JSON "
	  "output: {\"command\":\"echo\",\"text\":...}. Scripts such as "
	  "samples/tour.distill use it to explain what the next command "
	  "shows.",
	  0, -1, cmd_echo },
	{ "users", NULL, "[PATTERN]",
	  "list users (id containing PATTERN) with their interactions", NULL,
	  0, 1, cmd_users },
	{ "items", NULL, "[PATTERN]",
	  "list items (id or title containing PATTERN) with degrees", NULL,
	  0, 1, cmd_items },
	{ "help", "?", "[COMMAND | command COMMAND | param PARAM | "
	  "metric METRIC]",
	  "list commands, or explain a command, parameter or metric", NULL,
	  0, 2, cmd_help },
	{ "quit", "exit", "", "leave distill", NULL, 0, 0, cmd_quit },
};
const size_t cmd_count = sizeof cmd_table / sizeof cmd_table[0];

/* ------------------------------------------------------------ lookup */

/* The command whose name or alias is nearest to `name`, or NULL. */
static const struct cmd_entry *cmd_nearest(const char *name)
{
	const struct cmd_entry *best = NULL;
	int bd = NEAR_START;
	for (size_t k = 0; k < cmd_count; k++)
		if (util_closer(name, cmd_table[k].name, &bd) ||
		    (cmd_table[k].alias &&
		    util_closer(name, cmd_table[k].alias, &bd)))
			best = &cmd_table[k];
	return best;
}

const struct cmd_entry *cmd_find(const char *name, char *why, size_t size)
{
	const struct cmd_entry *hit = NULL;
	char list[256] = "";
	int nhit = 0;

	for (size_t k = 0; k < cmd_count; k++)
		if (strcmp(cmd_table[k].name, name) == 0)
			return &cmd_table[k];
	for (size_t k = 0; k < cmd_count; k++)
		if (cmd_table[k].alias && strcmp(cmd_table[k].alias, name) == 0)
			return &cmd_table[k];
	for (size_t k = 0; k < cmd_count && name[0]; k++) {
		if (strncmp(cmd_table[k].name, name, strlen(name)) != 0)
			continue;
		hit = &cmd_table[k];
		size_t len = strlen(list);
		snprintf(list + len, sizeof list - len, "%s%s",
		    nhit++ ? ", " : "", hit->name);
	}
	if (nhit == 1)
		return hit;
	if (why && nhit > 1)
		snprintf(why, size, "ambiguous command '%s': could be %s",
		    name, list);
	else if (why) {
		const struct cmd_entry *near = cmd_nearest(name);
		if (near)
			snprintf(why, size, "unknown command '%s' (did you "
			    "mean '%s'?)", name, near->name);
		else
			snprintf(why, size, "unknown command '%s' (type 'help' "
			    "for the list)", name);
	}
	return NULL;
}

/* ------------------------------------------------------------ tokenizer */

static void word_add(int *argc, char ***argv, int *cap, char *w)
{
	if (*argc + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*argv = xreallocarray(*argv, *cap, sizeof **argv);
	}
	(*argv)[(*argc)++] = w;
	(*argv)[*argc] = NULL;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The byte a backslash escape inside double quotes stands for, *pp at
 * the character after the backslash (advanced past the escape): \n, \t,
 * \xNN, or any other character itself. */
static char dq_escape(const char **pp)
{
	const char *p = *pp;
	char c = *p++;
	if (c == 'n')
		c = '\n';
	else if (c == 't')
		c = '\t';
	else if (c == 'x' && hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
		c = (char)(hexval(p[0]) * 16 + hexval(p[1]));
		p += 2;
	}
	*pp = p;
	return c;
}

static bool lex_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

enum lex_tok cmd_lex(const char **pp, const char *end, char *buf, size_t *n,
    int *open)
{
	const char *p = *pp;
#define MORE(q) ((q) < end && *(q))
	if (!end)
		end = p + strlen(p);
	*n = 0;
	*open = 0;
	while (MORE(p) && lex_space(*p))
		p++;
	*pp = p;
	if (!MORE(p) || *p == '#')
		return LEX_END;
	if (*p == ';') {
		*pp = p + 1;
		return LEX_SEMI;
	}
	while (MORE(p) && !lex_space(*p) && *p != ';') {
		char q = *p;
		if (q == '\'' || q == '"') {
			for (p++; MORE(p) && *p != q;) {
				if (q == '"' && *p == '\\' && MORE(p + 1)) {
					p++;
					buf[(*n)++] = dq_escape(&p);
				} else {
					buf[(*n)++] = *p++;
				}
			}
			if (!MORE(p)) {
				*open = q;
				break;
			}
			p++;
		} else if (q == '\\' && MORE(p + 1)) {
			buf[(*n)++] = p[1];
			p += 2;
		} else {
			buf[(*n)++] = *p++;
		}
	}
#undef MORE
	*pp = p;
	return LEX_WORD;
}

int cmd_split(const char *line, int *argc, char ***argv, char *why,
    size_t size)
{
	char *buf = xmalloc(strlen(line) + 1);
	const char *p = line;
	int cap = 0, open;
	size_t n;

	*argc = 0;
	*argv = NULL;
	word_add(argc, argv, &cap, NULL);
	*argc = 0;
	while (cmd_lex(&p, NULL, buf, &n, &open) == LEX_WORD) {
		if (open) {
			snprintf(why, size, "unterminated %s quote",
			    open == '"' ? "double" : "single");
			free(buf);
			cmd_free_words(*argc, *argv);
			*argv = NULL;
			*argc = 0;
			return -1;
		}
		word_add(argc, argv, &cap, xstrndup(buf, n));
	}
	free(buf);
	return 0;
}

void cmd_put_word(FILE *f, const char *w)
{
	bool ctrl = false;
	for (const unsigned char *p = (const unsigned char *)w; *p; p++)
		ctrl = ctrl || *p < 0x20 || *p == 0x7f;
	if (ctrl) {
		/* a newline or any control byte: double quotes with \xNN,
		 * so the command stays on one line and round-trips */
		fputc('"', f);
		for (const unsigned char *p = (const unsigned char *)w; *p;
		    p++)
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\x%02x", *p);
			else if (*p == '"' || *p == '\\')
				fprintf(f, "\\%c", *p);
			else
				fputc(*p, f);
		fputc('"', f);
		return;
	}
	if (w[0] && strpbrk(w, " \t'\"\\;#") == NULL) {
		fputs(w, f);
		return;
	}
	fputc('\'', f);
	for (; *w; w++)
		if (*w == '\'')
			fputs("'\\''", f);
		else
			fputc(*w, f);
	fputc('\'', f);
}

void cmd_free_words(int argc, char **argv)
{
	for (int k = 0; k < argc; k++)
		free(argv[k]);
	free(argv);
}

/* Length of the next command in `line`: up to an unquoted ';' or the
 * end (a '#' comment swallows the rest). */
static size_t segment_len(const char *line)
{
	char *buf = xmalloc(strlen(line) + 1);
	const char *p = line;
	size_t n;
	int open;
	enum lex_tok t;
	while ((t = cmd_lex(&p, NULL, buf, &n, &open)) == LEX_WORD && !open)
		;
	free(buf);
	if (t == LEX_SEMI)
		return (size_t)(p - 1 - line);
	return *p == '#' ? strlen(line) : (size_t)(p - line) + strlen(p);
}

/* ------------------------------------------------------------ running */

int cmd_usage(struct session *s, const char *name)
{
	char why[256];
	const struct cmd_entry *c = cmd_find(name, why, sizeof why);
	if (!c)
		return session_error(s, "%s", why);
	return session_error(s, "usage: %s%s%s", c->name,
	    c->args[0] ? " " : "", c->args);
}

/* Run one command given as words. */
static int run_words(struct session *s, int argc, char **argv)
{
	char why[256];
	const struct cmd_entry *c = cmd_find(argv[0], why, sizeof why);
	if (!c)
		return session_error(s, "%s", why);
	int nargs = argc - 1;
	if (nargs < c->min_args || (c->max_args >= 0 && nargs > c->max_args))
		return cmd_usage(s, c->name);
	free(argv[0]);
	argv[0] = xstrdup(c->name);
	int rc = c->exec(s, argc, argv);
	fflush(s->out);
	session_trail_note(s, c->name);
	return rc < 0 ? -1 : 0;
}

int cmd_run_line(struct session *s, const char *line)
{
	int status = 0;
	char why[256];

	while (*line && !s->quit) {
		size_t n = segment_len(line);
		char *seg = xstrndup(line, n);
		int argc;
		char **argv;
		line += n + (line[n] == ';');
		if (cmd_split(seg, &argc, &argv, why, sizeof why) < 0)
			status = session_error(s, "%s", why);
		else if (argc > 0 && run_words(s, argc, argv) < 0)
			status = -1;
		cmd_free_words(argc, argv);
		free(seg);
		if (status < 0 && !s->keep_going)
			break;
	}
	return status;
}

/* ------------------------------------------------------------ helpers */

int cmd_parse_opts(struct session *s, int argc, char **argv,
    const struct cmd_opt *opts, const char **pos, int maxpos, int *npos)
{
	*npos = 0;
	for (int k = 1; k < argc; k++) {
		const struct cmd_opt *o = NULL;
		if (argv[k][0] == '-' && argv[k][1] == '-') {
			for (o = opts; o && o->name; o++)
				if (strcmp(o->name, argv[k]) == 0)
					break;
			if (!o || !o->name) {
				session_error(s, "%s: unknown option '%s'",
				    argv[0], argv[k]);
				return cmd_usage(s, argv[0]);
			}
			if (o->flag) {
				*o->flag = true;
				continue;
			}
			if (k + 1 >= argc) {
				session_error(s, "%s: option %s needs a value",
				    argv[0], o->name);
				return cmd_usage(s, argv[0]);
			}
			*o->value = argv[++k];
			continue;
		}
		if (*npos == maxpos)
			return cmd_usage(s, argv[0]);
		pos[(*npos)++] = argv[k];
	}
	return 0;
}

int cmd_parse_int(struct session *s, const char *what, const char *text,
    long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (end == text || *end || errno)
		return session_error(s, "%s: '%s' is not an integer", what,
		    text);
	if (v < lo || v > hi)
		return session_error(s, "%s: %ld is out of range [%ld, %ld]",
		    what, v, lo, hi);
	*out = v;
	return 0;
}

int cmd_parse_real(struct session *s, const char *what, const char *text,
    double *out)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (end == text || *end || errno || !isfinite(v))
		return session_error(s, "%s: '%s' is not a number", what,
		    text);
	*out = v;
	return 0;
}

int cmd_parse_stage(struct session *s, const char *text)
{
	int st = stage_lookup(text);
	if (st < 0)
		return session_error(s, "unknown stage '%s' (expected load, "
		    "graph, abstract, filter, distill or recommend)", text);
	return st;
}

int cmd_script_getline(FILE *f, char **line, size_t *cap,
    const char **why)
{
	size_t n = 0;
	int c;
	while ((c = getc(f)) != EOF) {
		if (c == '\0') {
			*why = "a NUL byte (is it a binary file?)";
			return -1;
		}
		if (n + 2 > *cap) {
			if (*cap >= SCRIPT_LINE_MAX) {
				*why = "a line longer than 1 MiB (is it a "
				    "script?)";
				return -1;
			}
			*cap = *cap ? *cap * 2 : 256;
			*line = xrealloc(*line, *cap);
		}
		(*line)[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (ferror(f)) {
		*why = strerror(errno);
		return -1;
	}
	if (n == 0)
		return 0;
	(*line)[n] = '\0';
	return 1;
}

int cmd_run_script(struct session *s, FILE *f, const char *name,
    int (*run)(struct session *, const char *), bool keep_going)
{
	char *line = NULL;
	size_t cap = 0;
	const char *why = NULL;
	int status = 0, r;
	const char *prev_file = s->source_file;
	long prev_line = s->source_line;
	s->source_file = name;
	s->source_line = 0;
	errno = 0;
	while (!s->quit &&
	    (r = cmd_script_getline(f, &line, &cap, &why)) != 0) {
		s->source_line++;
		if (r < 0) {
			/* FILE:LINE: comes from the session's position */
			session_error(s, "cannot read the script: %s", why);
			status = -2;
			break;
		}
		if (run(s, line) < 0) {
			status = -1;
			if (!keep_going)
				break;
		}
	}
	free(line);
	s->source_file = prev_file;
	s->source_line = prev_line;
	return status;
}
