/*
 * distill — csr.h: compressed sparse row matrices, the numeric currency of
 * the pipeline (user→item A, item→item S and B, and their transposes).
 *
 * Row r holds columns idx[ptr[r] .. ptr[r+1]) with values val[…]. Unless a
 * producer documents otherwise, columns within a row are in ascending
 * order. The struct owns its arrays.
 */
#ifndef DISTILL_CSR_H
#define DISTILL_CSR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct csr {
	uint32_t nrows, ncols;
	uint64_t nnz;
	uint64_t *ptr;  /* nrows + 1 */
	uint32_t *idx;  /* nnz */
	float *val;     /* nnz */
};

void csr_init(struct csr *m);
void csr_destroy(struct csr *m);
/* Allocate for nrows x ncols with room for nnz entries (ptr zeroed). */
void csr_alloc(struct csr *m, uint32_t nrows, uint32_t ncols, uint64_t nnz);
/* out = an n x n CSR whose row rows[x] holds the len[x] entries of
 * idx/val from off[x], every other row empty (rows distinct; one >= n
 * is left out). */
void csr_from_rows(struct csr *out, uint32_t n, const uint32_t *rows,
    size_t nrows, const uint64_t *off, const uint32_t *len,
    const uint32_t *idx, const float *val);
/* out = transpose of m; columns of out rows ascending. */
void csr_transpose(const struct csr *m, struct csr *out);
/* Weak components of the graph of m (rows and columns the same vertices,
 * or with `bipartite` rows 0..R-1 and columns R..R+C-1) by union–find:
 * the count of components with an edge (two vertices or more) and the
 * vertices of the largest. */
void csr_components(const struct csr *m, bool bipartite, uint32_t *count,
    uint32_t *largest);
/* Swap contents (used to publish a freshly computed result). */
void csr_swap(struct csr *a, struct csr *b);
static inline uint64_t csr_row_len(const struct csr *m, uint32_t r)
{
	return m->ptr[r + 1] - m->ptr[r];
}
/* Position of entry (r, j), or -1 (also for r past the rows). A scan of
 * the row: rows of S and B are in value order, not by column. */
static inline int64_t csr_find(const struct csr *m, uint32_t r, uint32_t j)
{
	if (r >= m->nrows)
		return -1;
	for (uint64_t k = m->ptr[r]; k < m->ptr[r + 1]; k++)
		if (m->idx[k] == j)
			return (int64_t)k;
	return -1;
}

#endif
