/*
 * distill — hand.h: build a pipeline by hand for the unit tests of the
 * distill, recommend, eval and explain stages: a user×item weight matrix,
 * held-out positives, and the filtered relation B given densely, so every
 * expected number can be computed on paper. Stages up to filter are marked
 * fresh; the tests then call distill_run/recommend_run themselves.
 */
#ifndef DISTILL_HAND_H
#define DISTILL_HAND_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

/* CSR from a dense nr x nc matrix (zeros are absent). by_value sorts each
 * row by descending value, ties by ascending column (the order of S/B). */
static inline void hand_csr(struct csr *m, uint32_t nr, uint32_t nc,
    const float *d, int by_value)
{
	uint64_t nnz = 0;
	for (size_t k = 0; k < (size_t)nr * nc; k++)
		nnz += d[k] != 0;
	csr_init(m);
	csr_alloc(m, nr, nc, nnz ? nnz : 1);
	m->nnz = nnz;
	uint64_t at = 0;
	for (uint32_t r = 0; r < nr; r++) {
		m->ptr[r] = at;
		for (uint32_t c = 0; c < nc; c++) {
			float v = d[(size_t)r * nc + c];
			if (v == 0)
				continue;
			uint64_t p = at++;
			/* insertion: descending value, ties ascending column */
			while (by_value && p > m->ptr[r] && m->val[p - 1] < v) {
				m->val[p] = m->val[p - 1];
				m->idx[p] = m->idx[p - 1];
				p--;
			}
			m->val[p] = v;
			m->idx[p] = c;
		}
	}
	m->ptr[nr] = at;
}

/* pl with U users "u0".., I items "i0".., fit weights w (U x I), truth
 * (U x I, nonzero = held out), B (I x I, also used as S), communities
 * comm (I entries, or NULL). Everything it allocates, pl->ds included,
 * belongs to pl: the test frees it with pipeline_destroy(pl). */
static inline void hand_pipeline(struct pipeline *pl, uint32_t U, uint32_t I,
    const float *w, const float *truth, const float *B, const uint32_t *comm,
    uint32_t n_comm)
{
	char name[32];
	pipeline_init(pl);
	pl->ds = calloc(1, sizeof *pl->ds);
	idmap_init(&pl->ds->users);
	idmap_init(&pl->ds->items);
	for (uint32_t u = 0; u < U; u++) {
		snprintf(name, sizeof name, "u%u", u);
		idmap_intern(&pl->ds->users, name, strlen(name));
	}
	for (uint32_t i = 0; i < I; i++) {
		snprintf(name, sizeof name, "i%u", i);
		idmap_intern(&pl->ds->items, name, strlen(name));
	}
	hand_csr(&pl->graph.ui, U, I, w, 0);
	csr_transpose(&pl->graph.ui, &pl->graph.iu);
	hand_csr(&pl->graph.truth, U, I, truth, 0);
	hand_csr(&pl->abs.S, I, I, B, 1);
	hand_csr(&pl->filt.B, I, I, B, 1);
	pl->filt.kept = calloc(pl->abs.S.nnz + 1, 1);
	pl->filt.alpha = calloc(pl->abs.S.nnz + 1, sizeof(float));
	memset(pl->filt.kept, 1, pl->abs.S.nnz);
	if (comm) {
		pl->abs.community = malloc(I * sizeof *comm);
		memcpy(pl->abs.community, comm, I * sizeof *comm);
		pl->abs.n_comm = n_comm;
	}
	for (int s = STAGE_LOAD; s <= STAGE_FILTER; s++)
		pl->fresh[s] = pl->have[s] = true;
}

/* Run distill and recommend on a hand pipeline; 0 or -1. */
static inline int hand_run(struct pipeline *pl, struct err *e)
{
	distill_out_destroy(&pl->dist);
	rec_out_destroy(&pl->rec);
	if (distill_run(pl, &pl->dist, e) < 0 ||
	    recommend_run(pl, &pl->rec, e) < 0)
		return -1;
	pl->fresh[STAGE_DISTILL] = pl->fresh[STAGE_RECOMMEND] = true;
	pl->have[STAGE_DISTILL] = pl->have[STAGE_RECOMMEND] = true;
	return 0;
}

/* The stored list entry k of user u. */
#define LIST(pl, u, k) ((pl)->rec.items[(size_t)(u) * (pl)->rec.L + (k)])
#define SCORE(pl, u, k) ((pl)->rec.scores[(size_t)(u) * (pl)->rec.L + (k)])

#endif
