/*
 * distill — csr.c: allocation, transpose and swap of struct csr.
 */
#include "csr.h"

#include <string.h>

#include "util.h"

void csr_init(struct csr *m)
{
	memset(m, 0, sizeof *m);
}

void csr_destroy(struct csr *m)
{
	free(m->ptr);
	free(m->idx);
	free(m->val);
	csr_init(m);
}

void csr_alloc(struct csr *m, uint32_t nrows, uint32_t ncols, uint64_t nnz)
{
	csr_destroy(m);
	m->nrows = nrows;
	m->ncols = ncols;
	m->nnz = nnz;
	m->ptr = xcalloc((size_t)nrows + 1, sizeof *m->ptr);
	m->idx = xreallocarray(NULL, nnz, sizeof *m->idx);
	m->val = xreallocarray(NULL, nnz, sizeof *m->val);
}

void csr_transpose(const struct csr *m, struct csr *out)
{
	csr_alloc(out, m->ncols, m->nrows, m->nnz);
	for (uint64_t k = 0; k < m->nnz; k++)
		out->ptr[m->idx[k] + 1]++;
	for (uint32_t c = 0; c < m->ncols; c++)
		out->ptr[c + 1] += out->ptr[c];
	uint64_t *fill = xmalloc(((size_t)m->ncols + 1) * sizeof *fill);
	memcpy(fill, out->ptr, ((size_t)m->ncols + 1) * sizeof *fill);
	for (uint32_t r = 0; r < m->nrows; r++)
		for (uint64_t k = m->ptr[r]; k < m->ptr[r + 1]; k++) {
			uint64_t at = fill[m->idx[k]]++;
			out->idx[at] = r;
			out->val[at] = m->val[k];
		}
	free(fill);
}

void csr_swap(struct csr *a, struct csr *b)
{
	struct csr t = *a;
	*a = *b;
	*b = t;
}
