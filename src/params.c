/*
 * distill — params.c: the parameter table (the one place parameters are
 * listed), parsing with range checks, formatting and stage ownership.
 */
#include "params.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const stage_names[STAGE__COUNT] = {
	"load", "graph", "abstract", "filter", "distill", "recommend",
};

const char *stage_name(enum stage s)
{
	return (unsigned)s < STAGE__COUNT ? stage_names[s] : "?";
}

int stage_lookup(const char *name)
{
	for (int s = 0; s < STAGE__COUNT; s++)
		if (strcmp(name, stage_names[s]) == 0)
			return s;
	return -1;
}

static const char *const c_split[] = {
	"random", "temporal", "leave-last", "given", "none", "hash", NULL };
static const char *const c_weight[] = { "binary", "rating", "log", NULL };
static const char *const c_metric[] = {
	"cosine", "jaccard", "asym", "p3", "rp3", NULL };
static const char *const c_cluster[] = { "leiden", "louvain", "none", NULL };
static const char *const c_filter[] = {
	"none", "backbone", "learned", "ridge", NULL };
static const char *const c_model[] = { "logistic", "svm", "forest", "boost",
	NULL };
static const char *const c_ideal[] = { "min", "all", NULL };
static const char *const c_onoff[] = { "off", "on", NULL };
static const char *const c_target[] = { "valid", "test", NULL };

#define BIG 1e9

static const struct param_def defs[P__COUNT] = {
	[P_SPLIT_METHOD] = { "split.method", PT_ENUM, STAGE_LOAD, 0, 0,
	    c_split, "random", NULL,
	    "how test interactions are held out per user (none: every "
	    "interaction trains; hash: by a hash of user, item and seed, "
	    "as cluster/distill-abstract does)" },
	[P_SPLIT_TEST_FRACTION] = { "split.test_fraction", PT_REAL,
	    STAGE_LOAD, 0.01, 0.9, NULL, "0.2", "0.05",
	    "share of each user's interactions held out for test" },
	[P_SPLIT_VALIDATION] = { "split.validation", PT_FRACGIVEN,
	    STAGE_LOAD, 0, 0.9, NULL, "0.1", "0.05",
	    "share of training carved out for validation, or 'given'" },
	[P_SPLIT_SEED] = { "split.seed", PT_INT, STAGE_LOAD, 0, 2147483647,
	    NULL, "42", "1", "seed of the random split" },
	[P_GRAPH_MIN_RATING] = { "graph.min_rating", PT_REAL, STAGE_GRAPH,
	    -BIG, BIG, NULL, "0", "0.5",
	    "interactions rated at least this are positive (implicit: all)" },
	[P_GRAPH_MIN_USER_DEGREE] = { "graph.min_user_degree", PT_INT,
	    STAGE_GRAPH, 0, 1000000, NULL, "0", "1",
	    "k-core: drop users with fewer positives (iterated)" },
	[P_GRAPH_MIN_ITEM_DEGREE] = { "graph.min_item_degree", PT_INT,
	    STAGE_GRAPH, 0, 1000000, NULL, "0", "1",
	    "k-core: drop items with fewer positives (iterated)" },
	[P_GRAPH_MAX_USER_DEGREE] = { "graph.max_user_degree", PT_INT,
	    STAGE_GRAPH, 0, 1000000000, NULL, "0", "100",
	    "leave out users with more positives (0 = no cap): bots, "
	    "crawlers" },
	[P_GRAPH_WEIGHTING] = { "graph.weighting", PT_ENUM, STAGE_GRAPH, 0, 0,
	    c_weight, "binary", NULL,
	    "edge weight w_ui: 1, the rating, or 1 + log(rating)" },
	[P_ABSTRACT_METRIC] = { "abstract.metric", PT_ENUM, STAGE_ABSTRACT,
	    0, 0, c_metric, "rp3", NULL, "item-item similarity" },
	[P_ABSTRACT_SHRINK] = { "abstract.shrink", PT_REAL, STAGE_ABSTRACT,
	    0, BIG, NULL, "0", "5",
	    "shrink term h added to the denominator (cosine, asym)", "0 200" },
	[P_ABSTRACT_ASYM_ALPHA] = { "abstract.asym_alpha", PT_REAL,
	    STAGE_ABSTRACT, 0, 1, NULL, "0.5", "0.05",
	    "asymmetry a of the asym metric", "0 1" },
	[P_ABSTRACT_ALPHA] = { "abstract.alpha", PT_REAL, STAGE_ABSTRACT,
	    0, 5, NULL, "1", "0.1",
	    "exponent alpha on the random-walk probabilities (p3, rp3)",
	    "0.2 1.6" },
	[P_ABSTRACT_BETA] = { "abstract.beta", PT_REAL, STAGE_ABSTRACT,
	    0, 2, NULL, "0.5", "0.05",
	    "popularity penalty beta: divide by deg(j)^beta (rp3)", "0 1" },
	[P_ABSTRACT_THRESHOLD] = { "abstract.threshold", PT_REAL,
	    STAGE_ABSTRACT, 0, BIG, NULL, "0", "log",
	    "keep similarities s_ij >= threshold" },
	[P_ABSTRACT_TOPK] = { "abstract.topk", PT_INT, STAGE_ABSTRACT,
	    0, 1000000, NULL, "100", "10",
	    "keep the k most similar items per item (0 = all)", "10 1000 log" },
	[P_ABSTRACT_CLUSTER] = { "abstract.cluster", PT_ENUM, STAGE_ABSTRACT,
	    0, 0, c_cluster, "leiden", NULL,
	    "community detection on the symmetrised similarity graph" },
	[P_ABSTRACT_RESOLUTION] = { "abstract.resolution", PT_REAL,
	    STAGE_ABSTRACT, 0.01, 100, NULL, "1", "0.1",
	    "modularity resolution gamma of the community detection",
	    "0.25 4 log" },
	[P_ABSTRACT_SEED] = { "abstract.seed", PT_INT, STAGE_ABSTRACT,
	    0, 2147483647, NULL, "42", "1",
	    "seed of the community detection" },
	[P_FILTER_METHOD] = { "filter.method", PT_ENUM, STAGE_FILTER, 0, 0,
	    c_filter, "none", NULL, "how relations are pruned" },
	[P_FILTER_ALPHA] = { "filter.alpha", PT_REAL, STAGE_FILTER,
	    1e-9, 1, NULL, "0.05", "log",
	    "disparity filter: keep edges with significance below alpha",
	    "0.01 1 log" },
	[P_FILTER_LAMBDA] = { "filter.lambda", PT_REAL, STAGE_FILTER,
	    0, BIG, NULL, "100", "log",
	    "ridge: L2 penalty lambda of each item's regression",
	    "1 10000 log" },
	[P_FILTER_DROPOUT] = { "filter.dropout", PT_REAL, STAGE_FILTER,
	    0, 0.95, NULL, "0", "0.05",
	    "ridge: denoising dropout p, adds p/(1-p)*diag(G) to the penalty",
	    "0 0.9" },
	[P_FILTER_RANK] = { "filter.rank", PT_INT, STAGE_FILTER, 0, 4096,
	    NULL, "0", "32",
	    "compression: add the top-k singular directions (0 = off)",
	    "16 512 log" },
	[P_FILTER_LOWRANK_WEIGHT] = { "filter.lowrank_weight", PT_REAL,
	    STAGE_FILTER, 0, 1000, NULL, "1", "0.1",
	    "compression: weight gamma of the low-rank part", "0 2" },
	[P_FILTER_LOWRANK_POWER] = { "filter.lowrank_power", PT_REAL,
	    STAGE_FILTER, 0, 8, NULL, "0", "0.1",
	    "compression: direction c weighs (sigma_c/sigma_1)^power "
	    "(0 = ideal low-pass)", "0 1" },
	[P_FILTER_LOWRANK_NORM] = { "filter.lowrank_norm", PT_REAL,
	    STAGE_FILTER, 0, 1, NULL, "0.5", "0.05",
	    "compression: exponent e of the normalisation D_U^-e X D_I^-e",
	    "0.3 0.6" },
	[P_FILTER_VAL_FRACTION] = { "filter.val_fraction", PT_REAL,
	    STAGE_FILTER, 0.01, 0.9, NULL, "0.2", "0.05",
	    "learned filter: share of each user's training held out for labels",
	    "0.1 0.5" },
	[P_FILTER_MODEL] = { "filter.model", PT_ENUM, STAGE_FILTER, 0, 0,
	    c_model, "logistic", NULL, "learned filter: classifier (liblinear: "
	    "logistic, svm; XGBoost: forest, boost)" },
	[P_FILTER_TREES] = { "filter.trees", PT_INT, STAGE_FILTER, 1, 2000,
	    NULL, "100", "10", "forest: trees in its one round", "10 500 log" },
	[P_FILTER_DEPTH] = { "filter.depth", PT_INT, STAGE_FILTER, 1, 16,
	    NULL, "6", "1", "forest, boost: depth of each tree", "2 10" },
	[P_FILTER_ROUNDS] = { "filter.rounds", PT_INT, STAGE_FILTER, 1, 2000,
	    NULL, "50", "10", "boost: boosting rounds", "10 300 log" },
	[P_FILTER_LEARNING_RATE] = { "filter.learning_rate", PT_REAL,
	    STAGE_FILTER, 0.001, 1, NULL, "0.3", "0.05",
	    "boost: learning rate (shrinkage) of each round", "0.03 1 log" },
	[P_FILTER_MIN_SCORE] = { "filter.min_score", PT_REAL, STAGE_FILTER,
	    0, 1, NULL, "0.5", "0.05",
	    "learned filter: keep edges scored at least this (a change "
	    "re-cuts the scores, no refit)", "0.1 0.9" },
	[P_FILTER_SEED] = { "filter.seed", PT_INT, STAGE_FILTER,
	    0, 2147483647, NULL, "42", "1",
	    "seed of the learned filter's split and SVM, and of the "
	    "randomized SVD (filter.rank)" },
	[P_DISTILL_ALPHA] = { "distill.alpha", PT_REAL, STAGE_DISTILL,
	    0, 5, NULL, "1", "0.1",
	    "exponent on the user's normalised weights A_ui", "0 2" },
	[P_DISTILL_BETA] = { "distill.beta", PT_REAL, STAGE_DISTILL,
	    -1, 2, NULL, "0", "0.05",
	    "information weight: multiply by 2^(beta*I(j)) = p(j)^-beta",
	    "-0.3 0.6" },
	[P_DISTILL_CALIBRATE] = { "distill.calibrate", PT_REAL, STAGE_DISTILL,
	    0, 1, NULL, "0", "0.05",
	    "calibration lambda: trade score for community coverage (KL)",
	    "0 0.5" },
	[P_REC_N] = { "rec.n", PT_INT, STAGE_RECOMMEND, 1, 1000, NULL, "10",
	    "1", "length of the recommendation list shown by rec" },
	[P_EVAL_K] = { "eval.k", PT_INTLIST, STAGE_RECOMMEND, 1, 1000, NULL,
	    "10", NULL, "cut-offs k of the evaluation (comma-separated list)" },
	[P_EVAL_NDCG_IDEAL] = { "eval.ndcg_ideal", PT_ENUM, STAGE_RECOMMEND,
	    0, 0, c_ideal, "min", NULL,
	    "IDCG over min(k,|T_u|) positions or over all of T_u" },
	[P_EVAL_ILE] = { "eval.ile", PT_ENUM, STAGE_RECOMMEND, 0, 0, c_onoff,
	    "off", NULL, "also report ile, the intra-list community entropy "
	    "(detects communities)" },
	[P_EVAL_TARGET] = { "eval.target", PT_ENUM, STAGE_GRAPH, 0, 0,
	    c_target, "valid", NULL,
	    "fit on train minus validation and score validation, or fit on "
	    "train and score test" },
};

const struct param_def *params_def(enum param_id id)
{
	return (unsigned)id < P__COUNT ? &defs[id] : NULL;
}

bool params_step_log(const struct param_def *d)
{
	return d->step && strcmp(d->step, "log") == 0;
}

int params_lookup(const char *name)
{
	for (int i = 0; i < P__COUNT; i++)
		if (strcmp(defs[i].name, name) == 0)
			return i;
	return -1;
}

void params_init(struct params *p)
{
	memset(p, 0, sizeof *p);
	for (int i = 0; i < P__COUNT; i++) {
		struct err e;
		if (params_set_id(p, i, defs[i].def, &e) < 0)
			abort(); /* a bad default is a programming error */
	}
}

/* Parse a whole string as a finite double. */
static bool parse_real(const char *s, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE || !isfinite(d))
		return false;
	*out = d == 0 ? 0.0 : d;    /* -0 is 0: no change, no '-0' */
	return true;
}

static bool parse_long(const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE)
		return false;
	*out = v;
	return true;
}

static int range_error(const struct param_def *d, const char *text,
    struct err *err)
{
	return err_set(err, ERR_INVAL, "%s: '%s' is out of range, expected "
	    "%s in [%g, %g]", d->name, text,
	    d->type == PT_INT || d->type == PT_INTLIST ? "an integer" :
	    "a number", d->min, d->max);
}

static int set_enum(const struct param_def *d, struct param_value *v,
    const char *text, struct err *err)
{
	char list[256] = "";
	const char *near = NULL;
	int best = NEAR_START;
	for (int c = 0; d->choices[c]; c++) {
		if (strcmp(d->choices[c], text) == 0) {
			v->choice = c;
			return 0;
		}
		snprintf(list + strlen(list), sizeof list - strlen(list),
		    "%s%s", c ? ", " : "", d->choices[c]);
		if (util_closer(text, d->choices[c], &best))
			near = d->choices[c];
	}
	if (near)
		return err_set(err, ERR_INVAL, "%s: '%s' is not a choice (did "
		    "you mean '%s'?), expected one of %s", d->name, text, near,
		    list);
	return err_set(err, ERR_INVAL, "%s: '%s' is not a choice, expected "
	    "one of %s", d->name, text, list);
}

static int set_list(const struct param_def *d, struct param_value *v,
    const char *text, struct err *err)
{
	struct param_value nv = *v;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", text);
	nv.nlist = 0;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		long x;
		if (nv.nlist == PARAM_LIST_MAX)
			return err_set(err, ERR_INVAL, "%s: at most %d values",
			    d->name, PARAM_LIST_MAX);
		if (!parse_long(tok, &x))
			return err_set(err, ERR_INVAL, "%s: '%s' is not an "
			    "integer list like 5,10,20", d->name, text);
		if (x < d->min || x > d->max)
			return range_error(d, tok, err);
		nv.list[nv.nlist++] = (int)x;
	}
	if (nv.nlist == 0)
		return err_set(err, ERR_INVAL, "%s: expected at least one "
		    "integer", d->name);
	*v = nv;
	return 0;
}

int params_set_id(struct params *p, enum param_id id, const char *text,
    struct err *err)
{
	const struct param_def *d = params_def(id);
	struct param_value *v = &p->v[id];
	double r;
	long l;

	switch (d->type) {
	case PT_ENUM:
		return set_enum(d, v, text, err);
	case PT_INTLIST:
		return set_list(d, v, text, err);
	case PT_INT:
		if (!parse_long(text, &l))
			return err_set(err, ERR_INVAL, "%s: '%s' is not an "
			    "integer", d->name, text);
		if (l < d->min || l > d->max)
			return range_error(d, text, err);
		v->integer = l;
		v->real = (double)l;
		return 0;
	case PT_FRACGIVEN:
		if (strcmp(text, "given") == 0) {
			v->real = -1;
			return 0;
		}
		/* FALLTHROUGH */
	case PT_REAL:
		if (!parse_real(text, &r))
			return err_set(err, ERR_INVAL, "%s: '%s' is not a "
			    "number%s", d->name, text, d->type == PT_FRACGIVEN ?
			    " or 'given'" : "");
		if (r < d->min || r > d->max)
			return range_error(d, text, err);
		v->real = r;
		return 0;
	}
	return err_set(err, ERR_INVAL, "%s: bad type", d->name);
}

int params_unknown(const char *name, struct err *err)
{
	/* a typo, or the name without its stage ("topk") */
	const char *near = NULL;
	char all[256] = "";
	int best = NEAR_START, nsuffix = 0;
	for (int id = 0; id < P__COUNT; id++) {
		const char *n = defs[id].name, *dot = strchr(n, '.');
		if (dot && strcmp(dot + 1, name) == 0) {
			size_t l = strlen(all);
			snprintf(all + l, sizeof all - l, "%s%s", l ? ", " : "",
			    n);
			if (nsuffix++ == 0)
				near = n;
		}
		if (!nsuffix && util_closer(name, n, &best))
			near = n;
	}
	if (nsuffix > 1)
		return err_set(err, ERR_NOTFOUND, "unknown parameter '%s' (did "
		    "you mean one of %s?)", name, all);
	if (near)
		return err_set(err, ERR_NOTFOUND, "unknown parameter '%s' (did "
		    "you mean '%s'?)", name, near);
	return err_set(err, ERR_NOTFOUND, "unknown parameter '%s' (see "
	    "params)", name);
}

int params_set(struct params *p, const char *name, const char *text,
    struct err *err)
{
	int id = params_lookup(name);
	if (id < 0)
		return params_unknown(name, err);
	return params_set_id(p, id, text, err);
}

void params_format(const struct params *p, enum param_id id, char *buf,
    size_t size)
{
	const struct param_def *d = params_def(id);
	const struct param_value *v = &p->v[id];
	size_t n = 0;

	buf[0] = '\0';
	switch (d->type) {
	case PT_ENUM:
		snprintf(buf, size, "%s", d->choices[v->choice]);
		break;
	case PT_INT:
		snprintf(buf, size, "%ld", v->integer);
		break;
	case PT_FRACGIVEN:
		if (v->real < 0) {
			snprintf(buf, size, "given");
			break;
		}
		/* FALLTHROUGH */
	case PT_REAL:
		snprintf(buf, size, "%.10g", v->real);
		break;
	case PT_INTLIST:
		for (int i = 0; i < v->nlist && n < size; i++)
			n += snprintf(buf + n, size - n, "%s%d", i ? "," : "",
			    v->list[i]);
		break;
	}
}

bool params_is_default(const struct params *p, enum param_id id)
{
	char a[256], b[256];
	struct params d;
	params_format(p, id, a, sizeof a);
	params_set_id(&d, id, defs[id].def, NULL);
	params_format(&d, id, b, sizeof b);
	return strcmp(a, b) == 0;
}

const char *params_inactive_why(enum param_id id)
{
	switch (id) {
	case P_ABSTRACT_SHRINK: return "abstract.metric is not cosine or asym";
	case P_ABSTRACT_ASYM_ALPHA: return "abstract.metric is not asym";
	case P_ABSTRACT_ALPHA: return "abstract.metric is not p3 or rp3";
	case P_ABSTRACT_BETA: return "abstract.metric is not rp3";
	case P_FILTER_ALPHA: return "filter.method is not backbone";
	case P_FILTER_LAMBDA:
	case P_FILTER_DROPOUT: return "filter.method is not ridge";
	case P_FILTER_LOWRANK_WEIGHT:
	case P_FILTER_LOWRANK_POWER:
	case P_FILTER_LOWRANK_NORM: return "filter.rank is 0";
	case P_FILTER_VAL_FRACTION:
	case P_FILTER_MODEL:
	case P_FILTER_MIN_SCORE: return "filter.method is not learned";
	case P_FILTER_TREES: return "filter.model is not forest (or "
	    "filter.method is not learned)";
	case P_FILTER_DEPTH: return "filter.model is not forest or boost (or "
	    "filter.method is not learned)";
	case P_FILTER_ROUNDS:
	case P_FILTER_LEARNING_RATE: return "filter.model is not boost (or "
	    "filter.method is not learned)";
	case P_FILTER_SEED: return "filter.method is not learned and "
	    "filter.rank is 0";
	default: return NULL;
	}
}

bool params_active(const struct params *p, enum param_id id)
{
	int metric = params_enum(p, P_ABSTRACT_METRIC);
	int method = params_enum(p, P_FILTER_METHOD);
	switch (id) {
	case P_ABSTRACT_SHRINK:
		return metric == METRIC_COSINE || metric == METRIC_ASYM;
	case P_ABSTRACT_ASYM_ALPHA:
		return metric == METRIC_ASYM;
	case P_ABSTRACT_ALPHA:
		return metric == METRIC_P3 || metric == METRIC_RP3;
	case P_ABSTRACT_BETA:
		return metric == METRIC_RP3;
	case P_FILTER_ALPHA:
		return method == FILTER_BACKBONE;
	case P_FILTER_LAMBDA:
	case P_FILTER_DROPOUT:
		return method == FILTER_RIDGE;
	case P_FILTER_LOWRANK_WEIGHT:
	case P_FILTER_LOWRANK_POWER:
	case P_FILTER_LOWRANK_NORM:
		return params_int(p, P_FILTER_RANK) > 0;
	case P_FILTER_VAL_FRACTION:
	case P_FILTER_MODEL:
	case P_FILTER_MIN_SCORE:
		return method == FILTER_LEARNED;
	case P_FILTER_TREES:
		return method == FILTER_LEARNED &&
		    params_enum(p, P_FILTER_MODEL) == MODEL_FOREST;
	case P_FILTER_DEPTH:
		return method == FILTER_LEARNED &&
		    params_enum(p, P_FILTER_MODEL) >= MODEL_FOREST;
	case P_FILTER_ROUNDS:
	case P_FILTER_LEARNING_RATE:
		return method == FILTER_LEARNED &&
		    params_enum(p, P_FILTER_MODEL) == MODEL_BOOST;
	case P_FILTER_SEED:
		return method == FILTER_LEARNED ||
		    params_int(p, P_FILTER_RANK) > 0;
	default:
		return true;
	}
}

bool params_differs(const struct params *a, const struct params *b,
    enum param_id id)
{
	char x[256], y[256];
	/* a parameter no result reads under either setting (e.g.
	 * filter.alpha while filter.method is none) changes nothing */
	if (!params_active(a, id) && !params_active(b, id))
		return false;
	params_format(a, id, x, sizeof x);
	params_format(b, id, y, sizeof y);
	return strcmp(x, y) != 0;
}

bool params_stage_differs(const struct params *a, const struct params *b,
    enum stage s)
{
	for (int i = 0; i < P__COUNT; i++)
		if (defs[i].stage == s && params_differs(a, b, i))
			return true;
	return false;
}
