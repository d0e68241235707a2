/*
 * distill — topk.h: the scoring kernel shared by the recommend stage, the
 * explanations and the baselines: one user's raw scores R_uj = Σ_i A_ui·B_ij
 * into a dense accumulator, bounded top-K selection with deterministic ties
 * (descending score, then ascending item index), the greedy calibration of
 * Steck (2018) and the evaluation of stored lists (src/eval.c).
 *
 * Internal to the engine: the UI never includes this header.
 */
#ifndef DISTILL_TOPK_H
#define DISTILL_TOPK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pipeline.h"

/* One thread's scratch space for scoring a user; allocated once per
 * thread, never inside the per-user loop. */
struct rec_ws {
	uint32_t n_items, n_comm;
	double *acc;        /* n_items: R_uj, 0 unless touched */
	uint8_t *mark;      /* n_items: 1 touched, 2 seen by the user */
	uint32_t *touched;  /* items touched, in order of first touch */
	uint32_t ntouched;
	uint32_t *seen;     /* the user's training items */
	uint32_t nseen;
	uint32_t cap;       /* capacity of the selection arrays */
	uint32_t *sel;      /* selected items (heap, then sorted) */
	double *sels;       /* their D */
	/* calibration */
	double *pi;         /* n_comm: π_u(c) */
	uint32_t *cnt;      /* n_comm: community counts of the list */
	uint32_t *supp;     /* communities with π_u(c) > 0 */
	uint32_t nsupp;
	uint8_t *used;      /* cap: pool item already in the list */
	/* the candidate cache's selection (recommend.c), on first use */
	struct rcand { double r; uint32_t j; } *cand;  /* n_items */
	/* the items a block's rows may misplace (rec_ws_add_lowrank) */
	uint32_t *lrj;         /* n_items */
	struct rcand *lrcand;  /* n_items */
	/* filter.rank: the user's low-rank term (rec_ws_score_pl) */
	double *lrt;        /* k */
	double *lrrow;      /* n_items */
	/* user lr_user's row of the low-rank term, from the product of a
	 * block of users (rec_build: one sgemm per block), or NULL */
	const float *lr_row;
	uint32_t lr_user;
};

void rec_ws_init(struct rec_ws *ws, uint32_t n_items, uint32_t n_comm,
    uint32_t cap);
void rec_ws_destroy(struct rec_ws *ws);

/* Score user u: acc[j] = R_uj for touched j, seen items marked. A is
 * users x items, B items x items. Summation order: the user's items in
 * ascending index, then the row order of B (explain_why repeats it). */
void rec_ws_score(struct rec_ws *ws, const struct csr *A, const struct csr *B,
    uint32_t u);
/* Clear the accumulator and marks after a user. */
void rec_ws_reset(struct rec_ws *ws);
/* The low-rank term (lowrank.c): t = Σ_i A_ui in_i (k values); row[j] =
 * t·out_j for every item; one relation's low-rank weight in_i·out_j. */
void lowrank_user(const struct lowrank *lr, const struct csr *A, uint32_t u,
    double *t);
void lowrank_scores(const struct lowrank *lr, const double *t, double *row);
double lowrank_pair(const struct lowrank *lr, uint32_t i, uint32_t j);
/* γ t·out_j in double precision: one entry of lowrank_scores' row */
double lowrank_term(const struct lowrank *lr, const double *t, uint32_t j);
/* The rows of users[lo .. lo+nb) (users NULL: lo .. lo+nb) at once:
 * T (nb × k) = their t, rows
 * (nb × items) = T·outᵀ, one matrix product in single precision (Tf:
 * T so). A row differs from lowrank_term by at most
 * scale·lr->onorm[j] + abs at item j, scale = lowrank_round_scale(lr,
 * t, &abs), where that is finite. */
void lowrank_rows(const struct lowrank *lr, const struct csr *A,
    const uint32_t *users, uint32_t lo, uint32_t nb, double *T, float *Tf,
    float *rows);
double lowrank_round_scale(const struct lowrank *lr, const double *t,
    double *abs);
void lowrank_destroy(struct lowrank *lr);

/* rec_ws_score through the pipeline's A and B, plus B's low-rank part
 * (filter.rank) against every item, which then counts as touched. */
void rec_ws_score_pl(struct rec_ws *ws, const struct pipeline *pl,
    uint32_t u);
/* Only its second half: the low-rank term added to a user scored by
 * rec_ws_score (whynot scores rows of B it made itself). */
void rec_ws_add_lowrank(struct rec_ws *ws, const struct pipeline *pl,
    uint32_t u);

/* Select the K best candidates (unseen, touched, D = acc·iw > 0) into
 * ws->sel/sels sorted by descending D, ties by ascending item; returns
 * the count (<= K <= cap). iw may be NULL (all ones). */
uint32_t rec_ws_select(struct rec_ws *ws, const float *iw, uint32_t K);
/* The same, resetting ws as it goes (then no rec_ws_reset is needed). */
uint32_t rec_ws_select_reset(struct rec_ws *ws, const float *iw, uint32_t K);

/* Greedy calibration over the pool ws->sel[0..npool): writes the best
 * `n` into out_items/out_scores. Objective per step:
 * (1-λ)·Σ_list D − λ·KL(π_u ‖ 0.99·q_list + 0.01·π_u), KL in bits (log2).
 * `w` is the user's row of training weights (ui), `comm` per item. */
uint32_t rec_ws_calibrate(struct rec_ws *ws, uint32_t npool, uint32_t n,
    double lambda, const struct csr *ui, uint32_t u, const uint32_t *comm,
    uint32_t *out_items, float *out_scores);

/* Whether (a, sa) ranks before (b, sb): higher score, then lower index. */
static inline bool rank_before(double sa, uint32_t a, double sb, uint32_t b)
{
	return sa > sb || (sa == sb && a < b);
}

/* Lists of every user (row-major, L per user, NO_ITEM past len[u]). */
struct rec_lists {
	uint32_t n_users, L;
	const uint32_t *items;
	const uint32_t *len;
};

/* Evaluate lists against pl->graph.truth at every eval.k of pl->params;
 * popularity and information from pl->graph.iu, communities from
 * pl->abs.community (NULL: intra-list entropy NAN). */
void eval_lists(const struct pipeline *pl, const struct rec_lists *rl,
    struct eval_result *out);

/* L = max(rec.n, max eval.k). */
uint32_t rec_list_len(const struct params *p);

/* Build lists for every user with a per-user generator (baselines):
 * fill(ctx, ws, u, items, scores, L) returns the length. With try
 * (else NULL), every user is first offered to it (true: *n of the list
 * written), and fill gets only the others. With lr (the pipeline's
 * low-rank part, else NULL) the low-rank rows of the users fill gets are
 * computed a block at a time by one matrix product and handed to fill
 * through ws->lr_row. */
typedef uint32_t (*rec_fill_fn)(void *ctx, struct rec_ws *ws, uint32_t u,
    uint32_t *items, float *scores, uint32_t L);
typedef bool (*rec_try_fn)(void *ctx, struct rec_ws *ws, uint32_t u,
    uint32_t *items, float *scores, uint32_t L, uint32_t *n);
int rec_build(const struct pipeline *pl, rec_fill_fn fill, rec_try_fn try,
    void *ctx, uint32_t n_comm, uint32_t cap, const struct lowrank *lr,
    struct rec_out *out, struct err *err);

/*
 * A scratch copy of the pipeline (src/baseline.c): a shallow copy of *pl
 * with other parameters whose stages from the first one that differs (or
 * `from`, if earlier) up to `upto` are computed into locals owned by the
 * scratch. Earlier stages are borrowed from pl, which is never modified.
 */
struct scratch {
	struct pipeline pl;
	union stage_any out[STAGE__COUNT];  /* what the scratch computed */
	bool own[STAGE__COUNT];
};
int scratch_run(struct scratch *sc, struct pipeline *pl,
    const struct params *np, enum stage from, enum stage upto,
    struct err *err);
/* scratch_run for a caller that has pl to itself (sweep, tune): pl first
 * fills its candidate cache when the copy's S would be a second build of
 * its candidates (abstract_cache_candidates), which a copy cannot. */
int scratch_run_owner(struct scratch *sc, struct pipeline *pl,
    const struct params *np, enum stage from, enum stage upto,
    struct err *err);
void scratch_destroy(struct scratch *sc);

/* ERR_STATE unless every stage up to `upto` is fresh. */
int need_fresh(const struct pipeline *pl, enum stage upto, struct err *err);

#endif
