/*
 * distill — cmds.h: what the cmd-*.c files share: their exec functions
 * (listed in the table in cmd.c) and small argument helpers. Private to
 * ui/; front ends use cmd.h.
 */
#ifndef DISTILL_CMDS_H
#define DISTILL_CMDS_H

#include <stdbool.h>

#include "cmd.h"
#include "session.h"

struct out;

/* An --option of a command: with an argument (value) or a flag. */
/*
 * load's options in usage order, with each one's argument: the one list
 * behind load's usage line (cmd.c) and its parser (cmd-data.c), whose
 * words land in the struct load_args field named last. save writes them
 * back through it too (load_words_of turns the typed load_opts into
 * those fields).
 */
#define LOAD_OPTIONS(X)                                                  \
	X("--format", "auto|ml100k|ml1m|csv|tsv|adj", format)            \
	X("--items", "FILE", items)                                      \
	X("--test", "FILE", test)                                        \
	X("--valid", "FILE", valid)                                      \
	X("--user", "COL", user)                                         \
	X("--item", "COL", item)                                         \
	X("--rating", "COL", rating)                                     \
	X("--time", "COL", time)                                         \
	X("--delim", "C", delim)                                         \
	X("--sample-users", "F", sample_users)                           \
	X("--sample-seed", "S", sample_seed)                             \
	X("--crc", "HEX", crc)
#define LOAD_USAGE_OPT(name, arg, field) " [" name " " arg "]"
#define LOAD_ARGS_FIELD(name, arg, field) const char *field;
struct load_args {
	LOAD_OPTIONS(LOAD_ARGS_FIELD)
};

struct cmd_opt {
	const char *name;       /* "--items" */
	const char **value;     /* set to the following word, or NULL */
	bool *flag;             /* set to true, or NULL */
};

/*
 * Split argv[1..] into options (from opts, NULL-name terminated) and
 * positional words (at most maxpos, stored in pos[]). An unknown option, a
 * missing option value or too many words is reported (with the command's
 * usage) and gives -1.
 */
int cmd_parse_opts(struct session *s, int argc, char **argv,
    const struct cmd_opt *opts, const char **pos, int maxpos, int *npos);
/* Report "usage: NAME ARGS" for argv[0]'s command; returns -1. */
int cmd_usage(struct session *s, const char *name);
/* Parse an integer argument in [lo, hi]; reports and returns -1. */
int cmd_parse_int(struct session *s, const char *what, const char *text,
    long lo, long hi, long *out);
int cmd_parse_real(struct session *s, const char *what, const char *text,
    double *out);
/* A stage name, reported when unknown (with the list). */
int cmd_parse_stage(struct session *s, const char *text);

/* Apply a parameter change through apply(s, ctx) (which reports its own
 * errors and returns -1) and show it as set does: the changed parameters
 * and the headline deltas of the stages re-run (cmd-param.c). With show,
 * its sections (tune's trail) open the same output block, so a command
 * prints one document. */
int cmd_param_change(struct session *s, const char *cmd,
    int (*apply)(struct session *, void *), void *ctx);
int cmd_param_change_shown(struct session *s, const char *cmd,
    int (*apply)(struct session *, void *), void *ctx,
    void (*show)(struct out *, void *));

/* "[lo, hi]" or "a|b|c" for a parameter (cmd-param.c). */
void param_range_text(const struct param_def *d, char *buf, size_t size);

/* Open the table that eval_rows fills: a "method" column when method,
 * then "k" and every metric of metric_defs (cmd-stats.c). */
void metric_table(struct out *o, const char *title, bool method);
/* Evaluation rows (one per k), prefixed by a method column when method
 * is not NULL (cmd-stats.c). */
void eval_rows(struct out *o, const char *method,
    const struct eval_result *ev);
/* eval_rows led by a parameter's value (sweep): a JSON number, as set
 * and tune write parameter values. */
void eval_rows_param(struct out *o, int param, const char *value,
    const struct eval_result *ev);

/* cmd-data.c */
int cmd_load(struct session *, int, char **);
int cmd_users(struct session *, int, char **);
int cmd_items(struct session *, int, char **);
int cmd_save(struct session *, int, char **);
int cmd_source(struct session *, int, char **);
int cmd_format(struct session *, int, char **);
int cmd_echo(struct session *, int, char **);
int cmd_quit(struct session *, int, char **);
/* cmd-param.c */
int cmd_set(struct session *, int, char **);
int cmd_get(struct session *, int, char **);
int cmd_params(struct session *, int, char **);
int cmd_undo(struct session *, int, char **);
int cmd_redo(struct session *, int, char **);
/* cmd-stats.c */
int cmd_run(struct session *, int, char **);
int cmd_step(struct session *, int, char **);
int cmd_stats(struct session *, int, char **);
/* cmd-rec.c */
int cmd_rec(struct session *, int, char **);
int cmd_why(struct session *, int, char **);
int cmd_whynot(struct session *, int, char **);
int cmd_profile(struct session *, int, char **);
int cmd_user(struct session *, int, char **);
int cmd_item(struct session *, int, char **);
int cmd_community(struct session *, int, char **);
/* cmd-eval.c */
int cmd_eval(struct session *, int, char **);
int cmd_compare(struct session *, int, char **);
int cmd_tune(struct session *, int, char **);
int cmd_pin(struct session *, int, char **);
int cmd_diff(struct session *, int, char **);
int cmd_history(struct session *, int, char **);
int cmd_sweep(struct session *, int, char **);
int cmd_export(struct session *, int, char **);
/* cmd-help.c */
int cmd_help(struct session *, int, char **);

/* Headline statistics of the stages with results (cmd-stats.c), for the
 * before → after deltas printed by set/undo/redo. */
#define HEADLINE_MAX 48
struct headline {
	int n;
	enum stage stage[HEADLINE_MAX];
	char name[HEADLINE_MAX][32];
	double value[HEADLINE_MAX];
};
/* The headline numbers of the fresh stages; with `insight` also those
 * that are insight (components, communities, modularity, reach loss),
 * which must then have been computed (pipeline_insight). */
void headline_collect(const struct pipeline *pl, bool insight,
    struct headline *h);
/* Append the accuracy metrics of one evaluation row (precision@K …,
 * coverage, novelty, gini) to h. */
void headline_eval(struct headline *h, const struct eval_row *r);

/* A community's label: the title (or id) of its most central item
 * (community_central), NULL without communities (cmd-stats.c). */
const char *community_label(const struct pipeline *pl, uint32_t c);

/* Metric formulas for help metric NAME (cmd-help.c). */
const char *help_metric_text(const char *name);

#endif
