/*
 * distill — pipeline.h: the engine's public interface. The UI includes
 * this header (and the headers it includes) and nothing else from src/.
 *
 * A struct pipeline owns the loaded dataset, the parameters, and the cached
 * output of every stage:
 *
 *   load ─▶ graph ─▶ abstract ─▶ filter ─▶ distill ─▶ recommend
 *
 * Each stage is one file with one entry point `<stage>_run(pl, out, err)`
 * that reads the outputs of earlier stages from `pl` and writes a fresh
 * caller-initialised `out`. pipeline_run() computes stale stages into
 * temporaries and publishes each only when it succeeded, so a failed or
 * cancelled stage leaves its previous result (marked stale) in place.
 * Changing a parameter marks its owning stage and every later stage stale,
 * never an earlier one.
 *
 * No function here prints; results are plain structs that the UI renders.
 */
#ifndef DISTILL_PIPELINE_H
#define DISTILL_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csr.h"
#include "dataset.h"
#include "params.h"
#include "stats.h"
#include "util.h"

#define NO_ITEM UINT32_MAX

/* ---------------------------------------------------------------- load */

/* The split of the loaded interactions (output of the load stage). */
struct split_out {
	uint8_t *part;          /* ds->n entries, enum part */
	uint64_t n_train, n_valid, n_test;
	uint32_t users_with_test, users_with_valid;
};

/* --------------------------------------------------------------- graph */

struct graph_stats {
	uint32_t n_users, n_items;   /* with at least one fit positive */
	uint64_t n_edges;            /* fit positives */
	double density;              /* n_edges / (n_users * n_items) */
	struct dist_summary user_deg, item_deg;
	struct histogram user_hist, item_hist;
	uint32_t n_components;       /* weakly connected, isolated excluded */
	uint32_t largest_component;  /* vertices (users + items) */
	uint64_t n_negative;         /* fit interactions below min_rating */
	uint32_t kcore_users_removed, kcore_items_removed;
	uint32_t capped_users;       /* above graph.max_user_degree */
	/* the co-occurrence kernel's work, sum over users of deg(u)^2 */
	double cooc_work;
	uint32_t heaviest_user;      /* its largest term */
	uint64_t n_truth;            /* held-out positives of the target */
	uint32_t n_truth_users;      /* users with at least one */
};

struct graph_out {
	/* users x items over all dataset ids; fit positives with weight
	 * w_ui; columns ascending. "fit" is train minus validation when
	 * eval.target = valid, all of train when eval.target = test. */
	struct csr ui;
	struct csr iu;          /* transpose: items x users */
	/* users x items: held-out positives of the target split (validation
	 * or test), value 1; only users/items that survive in `ui`. */
	struct csr truth;
	uint64_t gen;           /* distinct for every graph built */
	/* result: n_users, n_items, n_edges, density, n_negative, the
	 * k-core counts, n_truth*; insight (pipeline_insight): the degree
	 * summaries and histograms, components */
	struct graph_stats st;
};

/* ------------------------------------------------------------ abstract */

/* What the candidate similarities depend on: the graph stage's output
 * (graph_out.gen) and the metric's parameters, not threshold or top-k. */
struct simk_key {
	uint64_t graph_gen;
	int metric;
	double shrink, asym_alpha, alpha, beta;
};

/* Result: the candidate/kept/cut counts and the similarity histogram
 * (free by-products of the kernel). Insight (pipeline_insight): degrees,
 * components, clustering, communities, modularity. */
struct abstract_stats {
	uint64_t candidate_pairs;   /* ordered pairs i≠j with C_ij > 0 */
	uint64_t kept_edges;        /* edges of S */
	uint64_t cut_threshold;     /* candidates with s_ij < threshold */
	uint64_t cut_topk;          /* candidates beyond top-k */
	struct histogram sim_hist;  /* of candidate similarities, marker =
	                               threshold */
	struct dist_summary out_deg, in_deg;
	uint32_t n_components, largest_component;
	double clustering;          /* global transitivity of symmetrised S */
	uint32_t n_communities;
	double modularity;
	struct dist_summary comm_size;
};

/* why's pair kernel (abstract.h, pairk_use): made on first use, kept
 * with the S it explains. */
struct pairk;
struct pairk_slot {
	struct pairk *pk;
};

struct abstract_out {
	/* items x items: kept similarities. Rows sorted by descending s_ij,
	 * ties by ascending j, so position in the row is the rank. */
	struct csr S;
	/* Communities of S: NULL until someone needs them (insight, the
	 * calibration, the learned filter, eval.ile), then computed once
	 * by pipeline_communities() from S and the parameters alone. */
	/* what S was selected with: a tighter threshold or smaller top-k
	 * keeps a prefix of each row (abstract.c) */
	struct simk_key key;
	double threshold;
	long topk;
	uint64_t gen;               /* distinct for every S published */
	double max_sim;             /* the largest candidate similarity */
	/* S was derived from an earlier S: candidate_pairs, sim_hist and
	 * max_sim are exact, the cut_threshold / cut_topk split is insight
	 * (abstract_insight runs the kernel for it) */
	bool tally_pending;
	/* S's arrays are the imported lists' (load DIR, every row kept
	 * whole): not freed with S */
	bool s_shared;
	uint32_t *community;        /* per item (every item has one) */
	uint32_t n_comm;
	uint32_t *comm_size;        /* n_comm */
	uint32_t *comm_order;       /* communities by descending size */
	uint32_t *comm_central;     /* n_comm * COMM_CENTRAL: each one's
	                               most central items (community_central) */
	float *user_entropy;        /* per user: H(u) in bits */
	struct abstract_stats st;
	/* allocated with the output, so that filling it later (a why on
	 * the worker) writes no field of the pipeline another thread may
	 * be copying */
	struct pairk_slot *pairs;
};

/* -------------------------------------------------------------- filter */

enum cut_reason {
	CUT_NONE = 0,     /* kept */
	CUT_THRESHOLD,    /* abstract.threshold */
	CUT_TOPK,         /* abstract.topk */
	CUT_BACKBONE,     /* filter.alpha (disparity filter) */
	CUT_LEARNED,      /* filter.min_score (classifier) */
	CUT_SELF          /* j = i */
};
const char *cut_reason_name(enum cut_reason r);

#define FILTER_NFEATURES 7

/* A fitted classifier of the learned filter (learn.c). Linear models
 * (logistic, svm): margin = w·z + w[NF] with z = (x − mean)/sd (sd = 1 for
 * a constant feature); trees (forest, boost): an XGBoost booster on the
 * raw features, whose trees are also read into flat arrays (learn.c) to
 * score many rows. score = 1/(1+e^−margin). */
struct learn_trees;
struct learn_model {
	int kind;                           /* enum filter_model */
	double w[FILTER_NFEATURES + 1];
	double mean[FILTER_NFEATURES], sd[FILTER_NFEATURES];
	void *booster;                      /* XGBoost BoosterHandle */
	struct learn_trees *trees;          /* the booster's trees, flat */
};

/* Labelled edges of the learned filter: n rows of FILTER_NFEATURES raw
 * features (X, row-major) and 0/1 labels. */
struct learn_set {
	float *X;
	uint8_t *y;
	size_t n, cap;
};

struct filter_stats {
	uint64_t kept, removed;
	uint64_t removed_backbone, removed_learned;
	double mean_reach_loss;     /* mean over users of the share of
	                               candidates reachable via S but not B */
	double max_reach_loss;
	uint32_t reach_users;       /* users it is taken over: all, or a
	                               systematic sample of 10,000 */
	/* ridge only: negative weights, the largest system solved */
	uint64_t ridge_negative;
	uint32_t ridge_max_neighbours;
	uint32_t ridge_solved;      /* regressions solved by this run: the
	                               others were the last run's rows */
	/* learned only */
	uint64_t n_train_edges, n_train_pos;
	/* insight (filter_insight), on the held-out edges: the validation
	 * AUC (NAN otherwise), the confusion at filter.min_score and each
	 * feature's mean |contribution| to the margin (last: bias) */
	double auc;
	uint64_t tp, fp, tn, fn;
	double importance[FILTER_NFEATURES + 1];
};

/* filter.rank k > 0 (lowrank.c): B gains γ·D^{-ε} V W Vᵀ D^{ε}, kept
 * as two items × k factors; k = 0 when off. */
struct lowrank {
	uint32_t k, n;       /* rank, items */
	double gamma;        /* filter.lowrank_weight, applied with out */
	double power;        /* filter.lowrank_power p, folded into out */
	double *in;          /* n × k: d_i^{-ε} V_i */
	double *out;         /* n × k: d_j^{ε} V_jc (σ_c/σ_1)^p */
	/* out in single precision for the block product of every user's
	 * scores (rec_build), and ‖out_j‖₂, which bounds its rounding */
	float *outf;         /* n × k */
	double *onorm;       /* n */
	double onorm_max;
	double *sigma;       /* k singular values of X̃, descending */
	double energy;       /* Σσ² / ‖X̃‖²_F: the spectrum captured */
	/* what V was computed from: a later filter run with the same graph,
	 * rank, seed and ε copies it (a weight, power or cut change: no
	 * SVD) */
	uint64_t graph_gen, seed;
	double eps;          /* ε = filter.lowrank_norm */
};

struct filter_out {
	struct csr B;        /* kept edges of S, same row order as S */
	bool b_is_s;         /* filter.method none: B's arrays are S's own
	                        (not freed here; dropped with S) */
	/* per edge of abstract.S (S.nnz entries); NULL for method none: */
	float *alpha;        /* disparity significance α_ij */
	float *score;        /* classifier score; NULL unless learned */
	uint8_t *kept;       /* 1 if in B */
	/* learned only: the fitted classifier (why explains a cut with its
	 * per-feature contributions) */
	struct learn_model model;
	bool has_model;
	/* the held-out labelled edges: the filter's insight scores them
	 * (AUC, confusion, importance), the result does not read them */
	struct learn_set holdout;
	struct lowrank lr;   /* filter.rank: the low-rank part of B */
	/* filter.method ridge: the weights in S's edge order and S's row
	 * offsets, kept for the next ridge run. On an S of the same kernel
	 * key every row is a prefix of the same sorted row, so a row as
	 * long as it was is the same row: with the same λ and dropout its
	 * regression is copied, not solved (ridge.c) */
	float *ridge_b;
	uint64_t *ridge_ptr;
	uint32_t ridge_n;
	struct simk_key ridge_key;
	double ridge_lambda, ridge_dropout;
	struct filter_stats st;
	/* what alpha and score were computed for: S (abstract_out.gen) and
	 * the parameters. A change of filter.alpha or filter.min_score
	 * alone re-selects from them: B again, not α_ij (a pow per edge) or
	 * the classifier (fit and score). `reselected` says it did. */
	uint64_t s_gen;
	struct params made;
	bool reselected;
	uint64_t gen;        /* distinct for every filter result */
};

extern const char *const filter_feature_names[FILTER_NFEATURES];

/* ------------------------------------------------------------- distill */

struct distill_out {
	struct csr A;        /* users x items: A_ui = (w_ui/Σ w_uk)^alpha */
	uint64_t a_gen;      /* the graph A was built from, and its alpha: */
	double a_alpha;      /* a distill.beta change copies A */
	float *info;         /* per item: I(j) = -log2 p(j), NAN if deg 0 */
	float *iw;           /* per item: 2^(beta*I(j)) */
	float iw_max;        /* the largest iw, over every item */
	struct histogram info_hist;   /* of I(j) over items with deg > 0 */
	struct dist_summary iw_sum;
};

/* ----------------------------------------------------------- recommend */

struct eval_row {
	int k;
	double precision, recall, ndcg, map, mrr, hitrate;
	double coverage;     /* distinct recommended items / items */
	double novelty;      /* mean I(j) of recommended items */
	double arp;          /* mean popularity deg(j) of recommended items */
	double gini;         /* Gini of exposure over all items */
	double ile;          /* mean intra-list community entropy (bits) */
};

/*
 * The evaluation metrics, one definition each: the name that commands
 * take (sweep ndcg@10, tune --metric) and tables print, the short label
 * of the TUI, the formula that help prints, and where the value lives.
 * Every list of metrics (eval's columns, completion, help, the TUI's
 * panes, tune's objective) is read from here, in this order.
 */
struct metric_def {
	const char *name;
	const char *label;
	const char *formula;
	size_t offset;          /* of the double in struct eval_row */
	bool higher_better;
};
enum { METRIC__COUNT = 11 };
extern const struct metric_def metric_defs[METRIC__COUNT];
/* The metric called `name`, or -1. */
int metric_lookup(const char *name);
/* Its value in a row. */
double metric_of(const struct eval_row *r, int m);

struct eval_result {
	enum eval_target target;
	uint32_t n_users;    /* users with at least one held-out item */
	int nk;
	struct eval_row row[PARAM_LIST_MAX];
	double ms;
};

/* What R = A·B was computed from: B (the filter result), the graph (A's
 * rows) and distill.alpha (A's weights). */
struct rkey {
	uint64_t filt_gen, graph_gen;
	double alpha;
};

struct rec_out {
	uint32_t n_users, L;  /* L = max(rec.n, max eval.k) */
	uint32_t *items;      /* n_users * L, NO_ITEM past len[u] */
	float *scores;        /* D_uj of items[] */
	uint32_t *len;        /* per user */
	struct eval_result ev;
	struct rkey rkey;     /* the R the lists were selected from */
	uint32_t from_cache;  /* users whose list came from the rcache */
};

/* Each user's best candidates by R (recommend.c), from which a change
 * that leaves R alone (distill.beta, rec.n, eval.k) selects where a bound
 * proves the list exact. */
struct rcache;
void rcache_free(struct rcache *c);
/* Whether c holds candidates (false: the memory of a dead one, kept for
 * the next R's). */
bool rcache_live(const struct rcache *c);

/* -------------------------------------------------------------- import */

/* `load DIR` of a cluster/distill-abstract output (import.c, DESIGN
 * §2.2): the abstract stage's result computed for every user elsewhere. */
struct import {
	char *dir;              /* the directory loaded */
	char *command;          /* the job's command that made it */
	struct params params;   /* what the lists were computed with */
	struct csr S;           /* every imported neighbour list, rows
	                           (s desc, j asc), ties at the k-th kept */
	double threshold;       /* the job's abstract.threshold, topk */
	long topk;
	uint32_t *pop;          /* per item: fit degree over all users */
	uint64_t pop_edges;     /* Σ pop: fit edges of all users */
	uint64_t candidates;    /* the job's candidate pairs */
	uint64_t cut_threshold; /* of them, cut by its threshold
	                           (UINT64_MAX: not recorded) */
	double max_sim;         /* the largest imported similarity */
	struct histogram hist;  /* of the imported similarities */
	uint64_t users_all, interactions_all;
	double sample;          /* the share of users loaded, its seed */
	uint64_t sample_seed;
};

/* --------------------------------------------------------------- pipeline */

struct simcache;
struct sbase;

struct pipeline {
	struct dataset *ds;          /* NULL until a load succeeds */
	struct load_opts lopts;      /* of the current dataset (strings owned) */
	struct params params;
	struct hooks hooks;
	bool fresh[STAGE__COUNT];    /* stage output is up to date */
	bool have[STAGE__COUNT];     /* stage output exists (maybe stale) */
	/* the insight of the stage's current output is computed (DESIGN
	 * §2.1); cleared whenever the stage publishes a new output */
	bool insight[STAGE__COUNT];
	double ms[STAGE__COUNT];     /* time of the last successful run */
	struct split_out split;
	struct graph_out graph;
	struct abstract_out abs;
	struct filter_out filt;
	struct distill_out dist;
	struct rec_out rec;
	/* the abstract stage's candidate similarities (abstract.h); a
	 * scratch copy borrows it read-only */
	struct simcache *simcache;
	/* the abstract stage's derivation base (struct sbase, abstract.h);
	 * borrowed read-only like the cache */
	struct sbase *sbase;
	/* the recommend stage's candidates by R (struct rcache): made by a
	 * run on the same R as the run before it, borrowed like the cache */
	struct rcache *rcache;
	bool borrowed;
	bool no_simcache;   /* fill no candidate cache (tests: a log whose
	                       candidates would not fit it) */
	bool large_simcache;   /* tests: cache no candidates on a first
	                          build, as for a log with many */
	/* the abstract stage is imported (load DIR); NULL otherwise. Shared
	 * read-only by scratch copies, freed by the owner. */
	struct import *imp;
};

void pipeline_init(struct pipeline *pl);
void pipeline_destroy(struct pipeline *pl);

/*
 * Load a dataset. On success the new dataset replaces the old one, the
 * split.method becomes `given` when opts->test_path is set (and
 * split.validation `given` with valid_path), and every stage is stale.
 * On failure the pipeline is unchanged.
 */
int pipeline_load(struct pipeline *pl, const char *path,
    const struct load_opts *opts, struct err *err);

/*
 * load DIR (import.c): check DIR's manifest and every file it lists
 * (sizes, CRC-32s, rows; a missing or truncated file names itself), load
 * the sampled users and the neighbour lists, and make the abstract stage
 * imported; the parameters the lists were computed with become the
 * session's. pipeline_load() calls it for a directory. On failure the
 * pipeline is unchanged.
 */
int pipeline_import(struct pipeline *pl, const char *dir, struct err *err);
bool import_is_dir(const char *path);
void import_free(struct import *im);
/* ERR_INVAL, with the job's command that would recompute the lists, when
 * np changes what the imported lists were computed with (anything but a
 * higher abstract.threshold, a smaller abstract.topk and the community
 * parameters); 0 when im is NULL. */
int import_check(const struct import *im, const struct params *np,
    struct err *err);
/* The parameters an import fixes (the split, graph and abstract kernel
 * ones; not abstract.threshold, topk or the community parameters). */
bool import_fixed(int id);
/* Swap in a loaded dataset (and its import, or NULL): every stage is
 * dropped. Used by pipeline_load and pipeline_import. */
void pipeline_replace(struct pipeline *pl, struct dataset *ds,
    const struct load_opts *opts, struct import *im);

/* Set a parameter by name; invalidates its stage and those after it
 * (only when the value really changed). On error nothing changes. */
int pipeline_set(struct pipeline *pl, const char *name, const char *value,
    struct err *err);
/* Replace all parameters (undo/redo, source); invalidates what differs.
 * -1 (nothing changes) when an imported abstract stage refuses them. */
int pipeline_set_all(struct pipeline *pl, const struct params *p,
    struct err *err);

/* Mark stage s and all later stages stale. */
void pipeline_invalidate(struct pipeline *pl, enum stage s);
/* First stale stage, or STAGE__COUNT when everything is fresh. */
enum stage pipeline_first_stale(const struct pipeline *pl);
/*
 * Take back a parameter change whose run failed (an error or a cancel):
 * the parameters return to *old, the stages to the freshness fresh0 they
 * had under *old, when the failed run replaced no stage the change made
 * stale (it failed at the first of them: a failed stage keeps its
 * previous result, and no later one ran). Otherwise the stages from
 * there stay stale, for a run with *old to make again. Returns the first
 * stale stage.
 */
enum stage pipeline_take_back(struct pipeline *pl, const struct params *old,
    const bool fresh0[STAGE__COUNT]);

/* Run every stale stage up to and including `upto`. ERR_STATE when no
 * dataset is loaded; ERR_INTERRUPTED when cancelled (earlier stages that
 * finished stay published, the interrupted one keeps its old output). */
int pipeline_run(struct pipeline *pl, enum stage upto, struct err *err);

/*
 * Insight (DESIGN §2.1): what a person reads about a stage's result —
 * statistics, components, clustering, communities — computed on demand
 * and cached until the stage runs again. pipeline_insight() needs stage
 * s fresh (ERR_STATE otherwise) and honours cancellation (the result
 * stays; only the insight is missing). pipeline_insight_all() does every
 * fresh stage. Nothing on the result path calls these.
 */
int pipeline_insight(struct pipeline *pl, enum stage s, struct err *err);
int pipeline_insight_all(struct pipeline *pl, struct err *err);

/*
 * The same in two halves, for a front end that computes insight on a
 * thread of its own while other threads read the pipeline (the TUI):
 * insight_compute() only reads pl (and calls igraph under the engine's
 * igraph lock), honours h's cancel flag and fills o; the owner of the
 * pipeline then calls insight_publish() while nothing else touches it,
 * and before any stage runs again. insight_out_destroy() frees what was
 * not published.
 */
struct insight_out {
	bool done[STAGE__COUNT];
	struct graph_stats graph;
	struct abstract_out abs;    /* st and the community arrays */
	struct filter_stats filt;
};
int insight_compute(const struct pipeline *pl, enum stage s,
    const struct hooks *h, struct insight_out *o, struct err *err);
void insight_publish(struct pipeline *pl, struct insight_out *o);
void insight_out_destroy(struct insight_out *o);
/* Stages whose insight is missing (fresh stages only). */
bool pipeline_insight_missing(const struct pipeline *pl);
/* The communities of the current S (abstract stage fresh), computed once
 * and cached in pl->abs. Reproducible from the parameters alone. */
int pipeline_communities(struct pipeline *pl, struct err *err);
/*
 * The COMM_CENTRAL most central items of community c, most central first,
 * NO_ITEM past its size; NULL when the communities have not been computed
 * (insight) or c is out of range. Central is by how many items of the
 * same community keep the item among their neighbours (in-degree within
 * the community), then by the similarity they give it (in-strength),
 * then by item index. Not by strength alone: RP3β's 1/pop^β and the
 * asymmetric cosine make large similarities towards obscure items, whose
 * few co-occurrences say little about what the community is; what many
 * of its items point to does. Computed with the communities, one pass
 * over S. The first is the community's label in every front end.
 */
#define COMM_CENTRAL 10
const uint32_t *community_central(const struct pipeline *pl, uint32_t c);
/* True when the result path itself reads communities: calibration
 * (distill.calibrate > 0), the learned filter's same-community feature,
 * or eval.ile on. Then eval reports ile; otherwise it does not. */
bool pipeline_needs_communities(const struct params *p);

/* Stage entry points, called by pipeline_run(); each reads earlier stages
 * from pl and fills a zero-initialised out. Exposed for tests. */
int split_run(struct pipeline *pl, struct split_out *out, struct err *err);
int graph_run(struct pipeline *pl, struct graph_out *out, struct err *err);
/*
 * The most work the co-occurrence kernel takes on in process: the sum over
 * users of deg(u)^2 (a user with d fit items adds d^2 pairs). Gowalla is
 * 6e7, the generated 20M log 5e9 (seconds); a 1.4M-item adjacency row alone
 * is 1e12, hours of a quadratic loop. Beyond it abstract_run refuses
 * (ERR_LIMIT) and names the user cap that brings the work under it.
 */
#define ABSTRACT_WORK_MAX 3e11

int abstract_run(struct pipeline *pl, struct abstract_out *out,
    struct err *err);
/* Before a scratch run with np (sweep, tune): when its S would be a
 * second build of the candidates of pl's base (the same graph and key, a
 * selection the base does not cover), build them into pl's candidate
 * cache (SIMCACHE_ANY), which that copy and later ones select from. A
 * copy cannot: it borrows the cache. This writes pl: only for a caller
 * that has it alone (not a why job beside the TUI's insight thread). */
int abstract_cache_candidates(struct pipeline *pl, const struct params *np,
    struct err *err);
/* The files the session read (dataset, metadata, given test and
 * validation splits) into in[], NULL-terminated; returns in. Writers
 * refuse to overwrite them (outfile_open). */
#define PIPELINE_INPUTS_MAX 5
const char *const *pipeline_inputs(const struct pipeline *pl,
    const char **in);

int filter_run(struct pipeline *pl, struct filter_out *out, struct err *err);
/* I(j) = −log2 p(j) and iw(j) = 2^(β·I(j)) of every item (NAN and 1
 * where no fit edge reaches it), as the distill stage makes them: for
 * its β, or (whynot) another. */
void distill_weights(const struct pipeline *pl, double beta, float *info,
    float *iw);
int distill_run(struct pipeline *pl, struct distill_out *out,
    struct err *err);
int recommend_run(struct pipeline *pl, struct rec_out *out, struct err *err);

/*
 * The stage table: where each stage's output lives in struct pipeline
 * (and in a scratch run's struct scratch) and the functions that make and
 * free it. pipeline.c and the scratch runs (baseline.c) go through it;
 * the stage order is STAGE_*'s.
 */
union stage_any {
	struct split_out split;
	struct graph_out graph;
	struct abstract_out abs;
	struct filter_out filt;
	struct distill_out dist;
	struct rec_out rec;
};
struct stage_ops {
	size_t out;     /* offsetof(struct pipeline, the output) */
	size_t size;    /* its size */
	int (*run)(struct pipeline *pl, void *out, struct err *err);
	void (*destroy)(void *out);
};
extern const struct stage_ops stage_ops[STAGE__COUNT];

void split_out_destroy(struct split_out *o);
void graph_out_destroy(struct graph_out *o);
void abstract_out_destroy(struct abstract_out *o);
void filter_out_destroy(struct filter_out *o);
void distill_out_destroy(struct distill_out *o);
void rec_out_destroy(struct rec_out *o);
/* The insight halves of the stages (insight.c calls them): each reads
 * the pipeline and writes only its out. */
void graph_insight(const struct graph_out *g, struct graph_stats *st);
int abstract_insight(const struct pipeline *pl, const struct hooks *h,
    struct abstract_out *out, struct err *err);
void abstract_insight_publish(struct abstract_out *a,
    struct abstract_out *from);
int filter_insight(const struct pipeline *pl, const struct hooks *h,
    struct filter_stats *st, struct err *err);

/* igraph glue (igraph-glue.c). engine_igraph_init() installs, once, a
 * non-aborting error handler (igraph's reason is kept for the next
 * engine_igraph_error()), a silent warning recorder and an interruption
 * handler reading the flag given to engine_igraph_set_cancel(). Every
 * stage calls it before its first igraph call. engine_igraph_error() maps
 * an igraph return code to ERR_INTERRUPTED or ERR_IGRAPH ("what: igraph:
 * reason") and returns -1. igraph is not thread-safe here: call it from
 * one thread only. */
void engine_igraph_init(void);
void engine_igraph_set_cancel(volatile sig_atomic_t *flag);
void engine_igraph_clear(void);
const char *engine_igraph_last_warning(void);
int engine_igraph_error(struct err *err, int rc, const char *what);

/* Look up a user by external id; an item by external id, else by exact
 * title, then case-insensitive, then by the start of its title ("star
 * wars" for "Star Wars (1977)"): the first pass that matches decides.
 * -1 with ERR_NOTFOUND when unknown or several items match; the message
 * names them, or says "did you mean" the nearest id or the one title
 * containing the text. */
int64_t pipeline_user(const struct pipeline *pl, const char *id,
    struct err *err);
int64_t pipeline_item(const struct pipeline *pl, const char *id,
    struct err *err);

#endif
