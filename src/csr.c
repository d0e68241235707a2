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
	xfree(m->ptr);
	xfree(m->idx);
	xfree(m->val);
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
	xfree(fill);
}

static uint32_t uf_find(uint32_t *p, uint32_t x)
{
	while (p[x] != x) {
		p[x] = p[p[x]];
		x = p[x];
	}
	return x;
}

void csr_components(const struct csr *m, bool bipartite, uint32_t *count,
    uint32_t *largest)
{
	uint32_t off = bipartite ? m->nrows : 0;
	uint32_t n = bipartite ? m->nrows + m->ncols : m->nrows;
	uint32_t *p = xmalloc(((size_t)n + 1) * sizeof *p);
	uint32_t *size = xcalloc((size_t)n + 1, sizeof *size);
	for (uint32_t v = 0; v < n; v++)
		p[v] = v;
	for (uint32_t r = 0; r < m->nrows; r++)
		for (uint64_t k = m->ptr[r]; k < m->ptr[r + 1]; k++) {
			uint32_t a = uf_find(p, r), b = uf_find(p, off +
			    m->idx[k]);
			if (a != b)
				p[a < b ? b : a] = a < b ? a : b;
		}
	for (uint32_t v = 0; v < n; v++)
		size[uf_find(p, v)]++;
	*count = *largest = 0;
	for (uint32_t v = 0; v < n; v++) {
		if (size[v] < 2)
			continue;   /* an isolated vertex: no edge */
		(*count)++;
		if (size[v] > *largest)
			*largest = size[v];
	}
	xfree(p);
	xfree(size);
}

void csr_swap(struct csr *a, struct csr *b)
{
	struct csr t = *a;
	*a = *b;
	*b = t;
}
