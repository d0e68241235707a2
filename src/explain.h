/*
 * distill — explain.h: per-user queries over a fresh pipeline: top-N lists,
 * `why`, `whynot`, evaluation against baselines, sweeps and export.
 *
 * All functions need the stages they read to be fresh; they return
 * ERR_STATE otherwise (call pipeline_run first). Outputs are caller-owned
 * structs released with the matching _destroy function.
 */
#ifndef DISTILL_EXPLAIN_H
#define DISTILL_EXPLAIN_H

#include "pipeline.h"

/* One recommended item with its score and top contributing items. */
#define REC_TOP_VIA 3
struct rec_entry {
	uint32_t item;
	int rank;                 /* 1-based */
	double score;             /* D_uj */
	int score_rank;           /* calibrated lists: the rank by D_uj
	                             alone (1-based; 0 beyond the pool) */
	bool hit;                 /* in the user's held-out set */
	uint32_t via[REC_TOP_VIA];/* largest contributing items, NO_ITEM pad */
	double via_contrib[REC_TOP_VIA];
};

struct rec_list {
	uint32_t user;
	size_t n;
	bool calibrated;          /* distill.calibrate > 0: not in score
	                             order; score_rank says where each was */
	struct rec_entry *e;
};

/* Top-n for one user from the recommend stage (n <= rec.L). */
int rec_user(struct pipeline *pl, uint32_t user, int n, struct rec_list *out,
    struct err *err);
void rec_list_destroy(struct rec_list *l);

/* Write every user's list as CSV (user,rank,item,score,title) or JSON
 * (by file extension .json). Written to a temporary file then renamed. */
int rec_write_all(struct pipeline *pl, const char *path, struct err *err);

/* A path u → i → j and its contribution to D_uj. */
struct why_path {
	uint32_t via;             /* i ∈ N(u) */
	double a;                 /* A_ui */
	double b;                 /* B_ij: the sparse relation (0 if none) */
	double lr;                /* its low-rank part (filter.rank), or 0 */
	double contrib;           /* A_ui·(B_ij + lr)·iw(j): sums to score */
	/* kept by the learned filter: the features that drove its margin,
	 * as for a cut (why_cut.drivers) */
	char drivers[96];
	double share;             /* contrib / score */
};

/* A relation i → j (i ∈ N(u)) that was cut somewhere in the pipeline.
 * Under filter.method ridge, B_ij is learned from S's j → i: cooc, sim,
 * row_rank and reason are those of j → i (row j of S), and would_add is
 * NAN (the weight it would get is not known without solving again). */
struct why_cut {
	uint32_t via;
	enum cut_reason reason;
	double cooc;              /* C_ij */
	double sim;               /* s_ij */
	int row_rank;             /* rank of j in row i before top-k (1-based) */
	double alpha;             /* disparity α_ij (backbone) or NAN */
	double score;             /* classifier score (learned) or NAN */
	double would_add;         /* A_ui · s_ij · iw(j), NAN under ridge */
	/* removed by the learned filter: the features that drove its
	 * margin, largest |contribution| first ("rank -1.8, log C_ij
	 * +0.6"); empty otherwise */
	char drivers[96];
};

struct why_out {
	uint32_t user, item;
	bool seen;                /* j ∈ N(u): never recommended */
	double raw;               /* R_uj */
	double info;              /* I(j) bits */
	double iw;                /* 2^(β I(j)) */
	double score;             /* D_uj = raw · iw */
	int rank;                 /* in the final list, 0 when absent */
	int rank_uncalibrated;    /* rank by D alone, 0 when beyond 5N */
	double calib_effect;      /* rank_uncalibrated - rank (0 if λ = 0) */
	size_t npaths;
	struct why_path *paths;   /* by descending contrib */
	size_t ncuts;
	struct why_cut *cuts;     /* by descending would_add */
};

/* "name ±c, name ±c, …": the n largest |contributions| of a learned
 * decision (learn_edge_contrib), into buf. */
void explain_drivers(const double *contrib, int n, char *buf, size_t size);

int explain_why(struct pipeline *pl, uint32_t user, uint32_t item,
    struct why_out *out, struct err *err);
void why_out_destroy(struct why_out *w);

enum whynot_reason {
	WHYNOT_IN_LIST,           /* it is recommended (rank given) */
	WHYNOT_SEEN,              /* in the user's training items */
	WHYNOT_NO_PATH,           /* no co-occurrence with any N(u) item */
	WHYNOT_PATHS_CUT,         /* co-occurs, but every relation was cut */
	WHYNOT_OUTRANKED,         /* has a score, below the N-th */
	WHYNOT_CALIBRATED         /* in the top by score, pushed out by λ */
};
const char *whynot_reason_name(enum whynot_reason r);

struct whynot_out {
	struct why_out why;       /* paths and cuts as for why */
	enum whynot_reason reason;
	int n;                    /* list length considered (rec.n) */
	int rank_full;            /* rank among all candidates, 0 if none */
	double nth_score;         /* score of the N-th recommended item */
	double gap;               /* nth_score - score (> 0 when outranked) */
	/* The smallest single change found that puts the item into the
	 * top-N, re-running on a scratch copy: for cut paths abstract.
	 * threshold, abstract.topk or filter.alpha restoring one; for an
	 * outranked item also distill.beta steps of 0.1 to 1 and, last,
	 * rec.n; for a calibrated-out item distill.calibrate 0. */
	bool has_fix;
	char fix_param[64];
	char fix_value[64];
	int fix_rank;
};

int explain_whynot(struct pipeline *pl, uint32_t user, uint32_t item,
    struct whynot_out *out, struct err *err);
void whynot_out_destroy(struct whynot_out *w);

/* Baselines on the same split and target as the pipeline. ease is the
 * dense EASE model with λ = filter.lambda (eval_ease: any λ); above
 * EASE_MAX_ITEMS items it fails with ERR_LIMIT, saying why. */
enum baseline { BASE_POP, BASE_RANDOM, BASE_ITEMKNN, BASE_RP3, BASE_EASE,
	BASE__COUNT };
const char *baseline_name(enum baseline b);
int eval_baseline(struct pipeline *pl, enum baseline b,
    struct eval_result *out, struct err *err);
int eval_ease(struct pipeline *pl, double lambda, struct eval_result *out,
    struct err *err);

/* compare --filters: the pipeline re-run from the filter stage under
 * every filter (none, backbone, ridge, and learned with each
 * filter.model), the other parameters as they are. */
#define FILTER_CMP_N 7
struct filter_cmp {
	char name[32];            /* "none", …, "learned:boost" */
	bool ok;                  /* ran; else why says why */
	char why[160];
	double auc;               /* learned: validation AUC, else NAN */
	uint64_t kept;            /* edges of B */
	struct eval_result ev;
};
int compare_filters(struct pipeline *pl, struct filter_cmp *out,
    struct err *err);

/* ease.c: B = I − P·diag(1/diag P), P = (XᵀX + λI)⁻¹ of the fit graph ui,
 * into *B (n × n doubles, row-major, caller frees). */
#define EASE_MAX_ITEMS 20000
int ease_fit(const struct csr *ui, double lambda, double **B,
    struct err *err);

/* Refit on all of train and evaluate the test split (eval --test); the
 * pipeline's eval.target is restored afterwards. */
int eval_test(struct pipeline *pl, struct eval_result *out, struct err *err);
/* The evaluation of another configuration np on a scratch copy (the
 * stages whose parameters differ re-run; pl is not changed). */
int eval_params(struct pipeline *pl, const struct params *np,
    struct eval_result *out, struct err *err);

/* sweep PARAM FROM TO STEP: rerun from the parameter's stage per value.
 * The parameter is restored afterwards. */
struct sweep_point {
	char value[64];
	struct eval_result ev;    /* empty when failed */
	double ms;                /* time to rerun and evaluate */
	bool failed;              /* the run failed at this value: why */
	char why[ERR_MSG_MAX];
};
struct sweep_out {
	char param[64];
	size_t n;
	struct sweep_point *pt;
	bool interrupted;         /* cancelled: the n points before it */
	size_t nfailed;           /* points whose run failed */
};
/* A value whose run fails (a threshold that cuts every pair, no memory)
 * is a failed point and the sweep goes on; -1 when every value failed
 * (the first one's error) or on a bad argument. Ctrl-C keeps the points
 * before it (interrupted). */
int pipeline_sweep(struct pipeline *pl, const char *param, double from,
    double to, double step, struct sweep_out *out, struct err *err);
void sweep_out_destroy(struct sweep_out *s);

/* The value of metric NAME (precision … ile) at cut-off k of ev (the
 * first cut-off when k is 0); NAN when not evaluated. */
double eval_metric(const struct eval_result *ev, const char *name, int k);

/* tune PARAM... (tune.c): a seeded search on the validation split. */
#define TUNE_MAX_PARAMS 8
#define TUNE_MAX_BUDGET 1000
struct tune_spec {
	int id;                   /* parameter */
	double lo, hi;            /* range; enums: 0 .. choices − 1 */
	bool log;                 /* searched on a log scale */
};
/* "NAME" (the registry's range, every choice of an enum) or
 * "NAME=LO:HI" / "NAME=LO:HI:log". */
int tune_spec_parse(const char *text, struct tune_spec *sp,
    struct err *err);
struct tune_opts {
	long budget;              /* points evaluated at most */
	const char *metric;       /* maximised */
	int k;                    /* its cut-off (0: the first of eval.k) */
	uint64_t seed;
};
struct tune_point {
	char value[TUNE_MAX_PARAMS][64];
	struct eval_result ev;
	double score;             /* the metric; NAN when failed */
	double ms;
	bool failed;              /* the pipeline could not run it: */
	char why[160];            /* its error */
};
struct tune_out {
	int nparam;
	size_t n;                 /* points evaluated, in order */
	struct tune_point *pt;
	long best;                /* index of the best point */
	bool interrupted;         /* cancelled: the points so far */
};
/* The real pipeline is not changed: the caller applies pt[best]. */
int pipeline_tune(struct pipeline *pl, const struct tune_spec *spec, int n,
    const struct tune_opts *opt, struct tune_out *out, struct err *err);
void tune_out_destroy(struct tune_out *o);

/* Community profile of a user: pi_u(c) for the communities they touch,
 * largest first. */
struct profile_entry {
	uint32_t comm;
	double share;
};
struct user_profile {
	size_t n;
	struct profile_entry *e;
	double entropy;
};
int user_profile(struct pipeline *pl, uint32_t user, struct user_profile *out,
    struct err *err);
void user_profile_destroy(struct user_profile *p);

/* export STAGE FILE: graphml, dot, csv (edge list) or json, by extension
 * or explicit format ("graphml", "dot", "csv", "json"; NULL = extension).
 * Stages with a graph: graph (U–I), abstract (S), filter (B), distill
 * (A as user→item). Temp file + rename. */
int export_stage(struct pipeline *pl, enum stage s, const char *path,
    const char *format, struct err *err);

#endif
