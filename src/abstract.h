/*
 * distill — abstract.h: the item–item similarity kernels of the abstract
 * stage (DESIGN §1.3), exposed so that the learned filter can rebuild S on
 * another user–item graph and why/whynot can recompute a single pair.
 *
 * A struct simk binds a user×item CSR `ui` (weights w_ui, columns
 * ascending), its transpose `iu`, and the abstract.* parameters. The
 * caller keeps ui/iu alive while the kernel is in use. simk_build() runs
 * the co-occurrence row by row (OpenMP over item rows, a dense per-thread
 * accumulator, no allocation in the inner loop) and returns S with rows
 * sorted by descending s, ties by ascending j. Similarities are rounded to
 * float before any comparison (threshold, top-k, rank), so the order seen
 * in S is exactly the order the decisions were taken in.
 */
#ifndef DISTILL_ABSTRACT_H
#define DISTILL_ABSTRACT_H

#include <stdint.h>

#include "pipeline.h"

struct simk {
	struct simk_key key;       /* graph_gen: set by the caller */
	const struct csr *ui, *iu;
	int metric;                /* enum metric */
	double shrink, threshold;
	long topk;                 /* 0 = all */
	bool count_only;           /* tally the cuts, keep no edge (S empty) */
	double *rowf;  /* per item, row factor: cosine ‖w_i‖, asym
	                  (Σw²)^a, jaccard deg, p3/rp3 unused */
	double *colf;  /* per item, column factor: cosine ‖w_j‖, asym
	                  (Σw²)^(1−a), jaccard deg, rp3 deg^β, p3 1 */
	double *piu;   /* p3/rp3, per iu entry: (w_ui/Σ_v w_vi)^α */
	double *puj;   /* p3/rp3, per ui entry: (w_uj/Σ_k w_uk)^α */
	double *uval;  /* per user: the one w_uj of its row when all its
	                  entries share it, else NAN (the C_ij kernel) */
	double *upv;   /* p3/rp3, per user: the same for puj (the walk
	                  kernel); NULL for the other metrics */
};

/* Counts and histogram gathered while building S. */
struct simk_tally {
	uint64_t candidates, kept, cut_threshold, cut_topk;
	double max_sim;
	struct histogram hist;     /* candidates over [0, ~max], marker =
	                              threshold */
};

/*
 * The derivation base: the last S the kernel built in full for the
 * abstract stage (never a derived one), kept beside the published S by
 * the pipeline (pl->sbase). A threshold or top-k change it covers (the
 * same key, a threshold not lower, a top-k not larger) is a prefix of its
 * rows, whatever S is published then: a threshold raised and lowered
 * again needs no kernel. A bounded S (top-k > 0) is built at threshold 0
 * for it, so every threshold is covered. A base that is the S the stage
 * publishes is not copied (a one-shot run would pay for the copy, 64 MB
 * of fresh pages on Gowalla): it shares S's arrays, and keeps them when
 * the next run replaces S. Once the candidates are cached
 * (at once when few, else when a change the base does not cover builds
 * them again), S is selected from the cache and no new base is kept.
 */
struct sbase {
	struct simk_key key;
	double threshold;
	long topk;                 /* 0 = all */
	struct csr S;
	uint64_t candidates;       /* what the kernel counted: exact for */
	double max_sim;            /* any threshold */
	struct histogram hist;
	bool shared;               /* S is the published S's arrays: */
};                                 /* taken over when S is replaced */
void sbase_free(struct sbase *b);
/* The abstract stage's output o is being replaced (publish) or dropped
 * (a failed run, !publish): a base sharing o's S takes its arrays over,
 * or goes with them. */
void sbase_release(struct pipeline *pl, struct abstract_out *o,
    bool publish);

/* The rows of S cut to s >= thr and at most topk (0: all) entries: a
 * prefix of each row, since rows are sorted (s desc, j asc). */
void abstract_derive_prefix(const struct csr *S, double thr, long topk,
    struct csr *out);
/* The abstract stage of an imported directory (import.c). */
int import_abstract(struct pipeline *pl, struct abstract_out *out,
    struct err *err);

/* Bind ui/iu and the abstract parameters of p; precompute the norms. */
void simk_init(struct simk *k, const struct csr *ui, const struct csr *iu,
    const struct params *p);
void simk_destroy(struct simk *k);
/* Only what selecting S from a simcache needs (key, threshold, top-k):
 * no norms, no walk probabilities. */
void simk_init_select(struct simk *k, const struct csr *ui,
    const struct csr *iu, const struct params *p, uint64_t graph_gen);

/*
 * Build S (items x items). When cooc is not NULL, *cooc receives C_ij for
 * every edge of S (S.nnz floats, caller frees). t may be NULL. Returns -1
 * with ERR_INTERRUPTED when h's cancel flag is raised.
 */
int simk_build(const struct simk *k, struct csr *S, float **cooc,
    struct simk_tally *t, const struct hooks *h, struct err *err);

/* Which candidates a build may cache (src/cooc.c has the bounds). */
enum simcache_fill {
	SIMCACHE_NONE,
	SIMCACHE_SMALL,   /* up to 16M slots (ML-1M's): a first build */
	SIMCACHE_ANY      /* up to 64M (Gowalla's 62M): a second one */
};

/*
 * simk_build for the abstract stage, with the pipeline's candidate cache
 * (struct simcache, src/cooc.c): when *cache holds the candidates of k's
 * key, S is selected from them (threshold, top-k, order: the same S as a
 * rebuild); otherwise S is built and *cache is replaced by this build's
 * candidates when they fit the bound `how` allows.
 */
int simk_build_cached(const struct simk *k, struct simcache **cache,
    enum simcache_fill how, struct csr *S, struct simk_tally *t,
    const struct hooks *h, struct err *err);
void simcache_free(struct simcache *c);
bool simcache_holds(const struct simcache *c, const struct simk_key *key);
bool simk_key_equal(const struct simk_key *a, const struct simk_key *b);
uint64_t simcache_size(const struct simcache *c);   /* candidates held */

/* C_ij for every edge of an existing S built on the same ui/iu (the same
 * row-wise kernel, used by the learned filter). Returns S.nnz floats. */
int simk_cooc_of(const struct simk *k, const struct csr *S, float **cooc,
    const struct hooks *h, struct err *err);

/*
 * One pair, for why/whynot: C_ij, s_ij (metric applied, before threshold
 * and top-k), the 1-based rank of j among row i's candidates (descending
 * s, ties by ascending j; 0 when j is not a candidate, i.e. C_ij = 0 or
 * j = i) and the abstract decision: CUT_SELF for j = i, CUT_THRESHOLD when
 * s_ij < abstract.threshold, CUT_TOPK when the rank exceeds abstract.topk,
 * CUT_NONE when kept — and also CUT_NONE with cooc = 0 when the pair never
 * co-occurs (no relation to cut). Recomputes row i; needs the graph stage.
 * Any output pointer may be NULL.
 */
int abstract_pair(const struct pipeline *pl, uint32_t i, uint32_t j,
    double *cooc, double *sim, int *row_rank, enum cut_reason *abstract_cut);
/* The same for many pairs: the kernel's norms and walk probabilities
 * are computed once by pairk_new() (NULL before the graph stage), and
 * each pairk_query() costs row i's co-occurrence (reused while i stays
 * the same). why/whynot make one per call: O(their paths). */
struct pairk;
/* C_ij alone, from the two items' user lists: the same double as
 * pairk_query's (the same products added in the same order, by
 * ascending user). With S's s_ij and the edge's position in its row
 * (the rank: rows are sorted as candidates are ranked), a pair S kept
 * needs no row of the kernel. */
double pair_cooc(const struct csr *iu, uint32_t i, uint32_t j);
struct pairk *pairk_new(const struct pipeline *pl);
/* The pipeline's own pair kernel, kept with S (pl->abs.pairs) from one
 * why to the next: its norms and walk probabilities are O(interactions),
 * most of a why on Gowalla. *owned is set when it is a fresh one the
 * caller frees instead (a scratch copy, which must not leave a kernel
 * of its own graph in the slot it shares). NULL before the graph stage. */
struct pairk *pairk_use(const struct pipeline *pl, bool *owned);
/* The abstract stage's own kernel (built for S, with its norms and walk
 * probabilities) kept in its output's slot for why: *k is left empty.
 * Nothing for a scratch copy or an imported S. */
void pairk_keep(struct pairk_slot *slot, struct simk *k,
    const struct pipeline *pl);
/* A new output derived from the last one (the same key) takes over its
 * kernel. */
void pairk_pass(struct pairk_slot *to, struct pairk_slot *from,
    const struct simk_key *key, const struct pipeline *pl);
int pairk_query(struct pairk *p, uint32_t i, uint32_t j, double *cooc,
    double *sim, int *row_rank, enum cut_reason *abstract_cut);
/* Rows `rows` (distinct) of the S that the kernel's metric would build
 * with `threshold` and `topk`, into out (n x n; every other row empty):
 * the rows a full build makes, edge for edge, at O(their two-hop walks)
 * instead of the whole kernel. -1 for an imported S (no kernel). whynot
 * ranks an item under a changed threshold or top-k with the rows of the
 * user's items alone. */
int pairk_rows(struct pairk *p, const uint32_t *rows, size_t nrows,
    double threshold, long topk, struct csr *out);
void pairk_free(struct pairk *p);

/* Disparity significance of every edge of S: α_ij = (1 − s_ij/σ_i)^(k_i−1)
 * (1 for a row with one edge). out has S.nnz entries. */
void disparity_alpha(const struct csr *S, float *out);
/* B of filter.method backbone at `alpha` for S: its edges with α_ij <
 * alpha, and every edge of a one-edge row. Row-local, so the rows of an
 * S that holds some rows only are those rows of the backbone (whynot). */
void backbone_of(const struct csr *S, double alpha, struct csr *B);
/* Same as −log α_ij in double precision (a learned feature), clamped so a
 * vanishing α stays finite. */
double disparity_neglog(double s, double sigma, uint64_t k);

/* Work community_detect runs on a second thread while igraph detects
 * the communities on the calling one: fn(arg, err) returns 0, or -1
 * with err. */
struct side_work {
	int (*fn)(void *arg, struct err *err);
	void *arg;
};
/* Communities of S into out (community, comm_size, comm_order,
 * n_communities, modularity, the size summary) by igraph on the calling
 * thread; meanwhile a second thread computes, with `structure`, the
 * components and the clustering coefficient of out->st (on the cores
 * igraph leaves) and runs `side` (or NULL; on every core) (community.c). */
int community_detect(const struct pipeline *pl, const struct hooks *h,
    const struct csr *S, struct abstract_out *out, bool structure,
    const struct side_work *side, struct err *err);
/* Components and clustering coefficient of S alone (no igraph graph;
 * its edge list is an igraph vector): -1 with ERR_LIMIT when that cannot
 * be allocated. */
int community_structure(const struct csr *S, struct abstract_stats *st,
    struct err *err);
/* For the tests: 0 when the igraph graph community_detect builds from S
 * (src/community.c, sym_graph) is igraph_create's, vector for vector;
 * -1 with err naming the first difference. Not for a memory scope that
 * can fail: an allocation failure in it would leave igraph's lock held. */
int community_graph_check(const struct csr *S, struct err *err);
void community_user_entropy(const struct csr *ui, const uint32_t *comm,
    uint32_t n_comm, float *out);

/* The learned filter's second split of ui into fit and val (see learn.c;
 * both outputs initialised by the caller, columns ascending). */
void learn_refit_split(const struct csr *ui, double frac, uint64_t seed,
    struct csr *fit, struct csr *val);
/* Labels of the edges of S_fit: 1 iff some user has i in fit (fitT, items
 * x users) and j in val. Returns Sf->nnz bytes (caller frees). */
uint8_t *learn_labels(const struct csr *Sf, const struct csr *fitT,
    const struct csr *val);

void learn_set_push(struct learn_set *s, const double *x, uint8_t y);
void learn_set_destroy(struct learn_set *s);

/* The linear models' L2 penalty per unit of sample weight: liblinear's
 * C = 1/(LEARN_LAMBDA·n), each class weighted n/(2·its count). */
#define LEARN_LAMBDA 1e-4

/* What fitting reads besides the data (the filter.* parameters). */
struct learn_opts {
	uint64_t seed;
	int trees, depth, rounds;
	double learning_rate;
};
/* Fit model (enum filter_model) on tr; ERR_EMPTY when one class is
 * missing. Deterministic for a given seed and input. */
int learn_fit(int model, const struct learn_set *tr,
    const struct learn_opts *o, struct learn_model *m, struct err *err);
/* Margins of n rows X (n × FILTER_NFEATURES raw features) and, when
 * contrib is not NULL, their per-feature contributions (n × (NF+1), the
 * last one the bias) which sum to the margin. */
int learn_predict(const struct learn_model *m, const float *X, size_t n,
    double *margin, double *contrib, struct err *err);
double learn_score_of(double margin);
/* A tree model's contributions come from its TreeSHAP tables (learn.c),
 * not from XGBoost's TreeSHAP: the tables were made and checked. */
bool learn_shap_tabled(const struct learn_model *m);
/* A model and a labelled set that own their memory (the booster is
 * serialised and read back). */
int learn_model_copy(const struct learn_model *from, struct learn_model *to,
    struct err *err);
void learn_set_copy(const struct learn_set *from, struct learn_set *to);
void learn_model_free(struct learn_model *m);
/* For a mem_defer on a model (void * for its callback): free what the
 * memory ledger does not hold, XGBoost's booster; the ledger frees the
 * rest when the scope unwinds. */
void learn_model_unwind(void *m);
/* The contributions of S's edge e (row i) under the pipeline's learned
 * model: its features are recomputed (learn.c). */
int learn_edge_contrib(const struct pipeline *pl, uint32_t i, uint64_t e,
    double *contrib, double *margin, struct err *err);
/* The same for n edges (row[k], edge[k]) in one call: contrib is
 * n × (FILTER_NFEATURES + 1), margin n (either may be NULL). */
int learn_edges_contrib(const struct pipeline *pl, size_t n,
    const uint32_t *row, const uint64_t *edge, double *contrib,
    double *margin, struct err *err);
/* Rank-based (Mann–Whitney) AUC with tied scores given average ranks;
 * NAN when one class is absent. */
double learn_auc(const double *score, const uint8_t *y, size_t n);
/* The learned filter's insight: m scored on the held-out edges ho — AUC,
 * the confusion at min_score and, with importance, each feature's mean
 * |contribution| over the first 256 of them (TreeSHAP is the costly
 * part) — into st's learned fields. */
int learn_holdout_stats(const struct learn_model *m,
    const struct learn_set *ho, double min_score, bool importance,
    struct filter_stats *st, struct err *err);

/* Learned filter (learn.c): fills score[] for every edge of pl->abs.S,
 * weight[], has_model and the learned statistics of out. */
int learn_filter(struct pipeline *pl, struct filter_out *out,
    struct err *err);

/* BLAS/LAPACK calls made from several threads at once go between these
 * (lowrank.c). OpenBLAS's sequential build (libopenblas0-serial, the one
 * configure asks for) takes its work buffers without a lock: concurrent
 * Cholesky solves came back wrong (2 of 4,000 in a test; ridge items
 * reported singular at random and, worse, others solved wrong without a
 * word). On that build the calls are serialised; a thread-safe build
 * (OpenMP or pthreads, openblas_get_parallel() > 0) runs them at once. */
void blas_lock(void);
void blas_unlock(void);
/* Before a stage's first BLAS call: OpenBLAS takes a 128 MB work buffer
 * at its first call and, when the address-space limit (ulimit -v)
 * refuses it, retries forever (0.3.21). ERR_LIMIT when it would not
 * fit; otherwise the buffer is taken now, once per process. */
int blas_ready(struct err *err);

/* filter.method ridge (ridge.c): B from S and the fit graph's Gram. */
int ridge_filter(struct pipeline *pl, struct filter_out *out,
    struct err *err);
/* The regressions of rows rows[0..nr) of S (all rows when rows is NULL),
 * in parallel: bs[e] = (float)b for each edge e of those rows, S's edge
 * order. -1 when a row's system is not positive definite (*bad_row, the
 * lowest), -2 when cancelled. Progress under `what` unless NULL. whynot
 * solves the rows a changed threshold or top-k changes (explain.c). */
int ridge_rows(const struct csr *iu, const struct csr *S,
    const uint32_t *rows, size_t nr, double lambda, double dropout,
    float *bs, const struct hooks *h, const char *what, uint32_t *bad_row);
/* Solve (G_NN + Λ) b = G_Nj in place for one item: G is the m × m Gram
 * block of its k = m − 1 neighbours followed by the item itself, upper
 * triangle in row-major order; b receives k weights. -1 when the system
 * is not positive definite. */
int ridge_solve(double *G, uint32_t m, double lambda, double dropout,
    double *b);
/* The same for item j over neighbours nbr[0..k) of the graph whose
 * items × users transpose is iu, in double precision (tests). */
int ridge_column(const struct csr *iu, const uint32_t *nbr, uint32_t k,
    uint32_t j, double lambda, double dropout, double *b);

/* filter.rank (lowrank.c): fit out->lr from the fit graph; nothing when
 * the rank is 0. */
int lowrank_fit(struct pipeline *pl, struct filter_out *out,
    struct err *err);

/* How the filter's reach loss is computed: REACH_AUTO picks by size,
 * the others force one way (tests compare them). */
enum { REACH_AUTO, REACH_EDGES, REACH_BITS };
extern int filter_reach_mode;

#endif
