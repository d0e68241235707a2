/*
 * distill — params.h: the single registry of tunable parameters.
 *
 * Every parameter has one entry in the table in params.c: name, type,
 * default, range or choices, the pipeline stage that owns it and a one-line
 * doc. `set`, `get`, `params`, completion, help, the TUI parameter bar,
 * session files and the man-page check all read this table; nothing else
 * lists parameters.
 */
#ifndef DISTILL_PARAMS_H
#define DISTILL_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

enum stage {
	STAGE_LOAD,
	STAGE_GRAPH,
	STAGE_ABSTRACT,
	STAGE_FILTER,
	STAGE_DISTILL,
	STAGE_RECOMMEND,
	STAGE__COUNT
};

const char *stage_name(enum stage s);
/* Returns the stage for a name ("load" … "recommend"), or -1. */
int stage_lookup(const char *name);

enum param_id {
	P_SPLIT_METHOD,
	P_SPLIT_TEST_FRACTION,
	P_SPLIT_VALIDATION,
	P_SPLIT_SEED,
	P_GRAPH_MIN_RATING,
	P_GRAPH_MIN_USER_DEGREE,
	P_GRAPH_MIN_ITEM_DEGREE,
	P_GRAPH_MAX_USER_DEGREE,
	P_GRAPH_WEIGHTING,
	P_ABSTRACT_METRIC,
	P_ABSTRACT_SHRINK,
	P_ABSTRACT_ASYM_ALPHA,
	P_ABSTRACT_ALPHA,
	P_ABSTRACT_BETA,
	P_ABSTRACT_THRESHOLD,
	P_ABSTRACT_TOPK,
	P_ABSTRACT_CLUSTER,
	P_ABSTRACT_RESOLUTION,
	P_ABSTRACT_SEED,
	P_FILTER_METHOD,
	P_FILTER_ALPHA,
	P_FILTER_LAMBDA,
	P_FILTER_DROPOUT,
	P_FILTER_RANK,
	P_FILTER_LOWRANK_WEIGHT,
	P_FILTER_LOWRANK_POWER,
	P_FILTER_LOWRANK_NORM,
	P_FILTER_VAL_FRACTION,
	P_FILTER_MODEL,
	P_FILTER_TREES,
	P_FILTER_DEPTH,
	P_FILTER_ROUNDS,
	P_FILTER_LEARNING_RATE,
	P_FILTER_MIN_SCORE,
	P_FILTER_SEED,
	P_DISTILL_ALPHA,
	P_DISTILL_BETA,
	P_DISTILL_CALIBRATE,
	P_REC_N,
	P_EVAL_K,
	P_EVAL_NDCG_IDEAL,
	P_EVAL_ILE,
	P_EVAL_TARGET,
	P__COUNT
};

enum param_type {
	PT_INT,     /* integer in [min, max] */
	PT_REAL,    /* double in [min, max] */
	PT_ENUM,    /* one of choices[] */
	PT_INTLIST, /* comma-separated integers in [min, max], 1..PARAM_LIST_MAX */
	PT_FRACGIVEN /* a real in [min, max] or the word "given" (stored as -1) */
};

/* Enumerated values, in the order of each parameter's choices[]. */
enum split_method { SPLIT_RANDOM, SPLIT_TEMPORAL, SPLIT_LEAVE_LAST, SPLIT_GIVEN,
	SPLIT_NONE, SPLIT_HASH };
enum weighting { WEIGHT_BINARY, WEIGHT_RATING, WEIGHT_LOG };
enum metric { METRIC_COSINE, METRIC_JACCARD, METRIC_ASYM, METRIC_P3, METRIC_RP3 };
enum cluster { CLUSTER_LEIDEN, CLUSTER_LOUVAIN, CLUSTER_NONE };
enum filter_method { FILTER_NONE, FILTER_BACKBONE, FILTER_LEARNED,
	FILTER_RIDGE };
enum filter_model { MODEL_LOGISTIC, MODEL_SVM, MODEL_FOREST, MODEL_BOOST };
enum ndcg_ideal { IDEAL_MIN, IDEAL_ALL };
enum eval_target { TARGET_VALID, TARGET_TEST };

#define PARAM_LIST_MAX 8

struct param_def {
	const char *name;
	enum param_type type;
	enum stage stage;
	double min, max;
	const char *const *choices; /* PT_ENUM: NULL-terminated */
	const char *def;            /* default, as text */
	const char *step;           /* the TUI's increment for ←/→, as text;
	                               "log": along 1, 2, 5, 10, 20, … */
	const char *doc;            /* one line */
	/* tune's default search range, "LO HI" or "LO HI log" (searched on
	 * a log scale); NULL: tune needs a range given (PARAM=LO:HI), or
	 * for an enum searches every choice */
	const char *tune;
};

struct param_value {
	double real;   /* PT_REAL, PT_FRACGIVEN (-1 = given) */
	long integer;  /* PT_INT */
	int choice;    /* PT_ENUM */
	int list[PARAM_LIST_MAX]; /* PT_INTLIST */
	int nlist;
};

struct params {
	struct param_value v[P__COUNT];
};

const struct param_def *params_def(enum param_id id);
/* Does the TUI step d along 1, 2, 5, 10, … (its step is "log")? */
bool params_step_log(const struct param_def *d);
/* Returns the id for a full name, or -1. */
int params_lookup(const char *name);

void params_init(struct params *p);
/*
 * Parse `text` for parameter `name` and store it. On any error (unknown
 * name, bad syntax, out of range, not a choice) nothing changes and err
 * names the parameter, the value and what was expected.
 */
/* ERR_NOTFOUND for a name that is no parameter, with the nearest one
 * ("did you mean") or the parameter it is the suffix of ("topk"). */
int params_unknown(const char *name, struct err *err);
int params_set(struct params *p, const char *name, const char *text,
    struct err *err);
/* Same, by id. */
int params_set_id(struct params *p, enum param_id id, const char *text,
    struct err *err);
/* Render the current value as text into buf (always NUL-terminated). */
void params_format(const struct params *p, enum param_id id, char *buf,
    size_t size);
bool params_is_default(const struct params *p, enum param_id id);
/* True when the two parameter sets differ on any parameter of stage s. */
/* Whether the results read parameter id under p's other settings
 * (abstract.beta only for rp3, filter.alpha only for the backbone, the
 * learned filter's settings only for it, …). */
bool params_active(const struct params *p, enum param_id id);
/* The setting that makes id inactive, in words (NULL: always active);
 * beside params_active so the two cannot drift. */
const char *params_inactive_why(enum param_id id);
/* Whether parameter id differs between a and b, ignoring it when it is
 * inactive in both (its change re-runs nothing). */
bool params_differs(const struct params *a, const struct params *b,
    enum param_id id);
/* Whether any of stage s's parameters differs (params_differs). */
bool params_stage_differs(const struct params *a, const struct params *b,
    enum stage s);

static inline double params_real(const struct params *p, enum param_id id)
{
	return p->v[id].real;
}
static inline long params_int(const struct params *p, enum param_id id)
{
	return p->v[id].integer;
}
static inline int params_enum(const struct params *p, enum param_id id)
{
	return p->v[id].choice;
}

#endif
