/*
 * distill — csr.c: allocation, transpose and swap of struct csr.
 */
#include "csr.h"

#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

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

void csr_from_rows(struct csr *out, uint32_t n, const uint32_t *rows,
    size_t nrows, const uint64_t *off, const uint32_t *len,
    const uint32_t *idx, const float *val)
{
	uint64_t nnz = 0;
	for (size_t x = 0; x < nrows; x++)
		nnz += rows[x] < n ? len[x] : 0;
	csr_init(out);
	csr_alloc(out, n, n, nnz);
	for (size_t x = 0; x < nrows; x++)
		if (rows[x] < n)
			out->ptr[rows[x] + 1] = len[x];
	for (uint32_t i = 0; i < n; i++)
		out->ptr[i + 1] += out->ptr[i];
	for (size_t x = 0; x < nrows; x++) {
		if (rows[x] >= n || len[x] == 0)
			continue;
		uint64_t at = out->ptr[rows[x]];
		memcpy(out->idx + at, idx + off[x], len[x] * sizeof *idx);
		memcpy(out->val + at, val + off[x], len[x] * sizeof *val);
	}
}

/*
 * A counting sort by column. With T threads each takes a contiguous range
 * of rows (balanced by entries), counts its columns, and scatters its
 * entries behind those of the ranges before it: the same output as one
 * thread (each column's rows ascending), for T × ncols counters.
 */
void csr_transpose(const struct csr *m, struct csr *out)
{
	csr_alloc(out, m->ncols, m->nrows, m->nnz);
	int T = 1;
#ifdef _OPENMP
	if (m->nnz >= (1u << 20))
		T = omp_get_max_threads();
#endif
	/* at: T rows of ncols + 1 counters, then T + 1 row bounds */
	size_t w = (size_t)m->ncols + 1;
	uint64_t *at = xcalloc((size_t)T * w + (size_t)T + 1, sizeof *at);
	uint64_t *lo = at + (size_t)T * w;
	uint64_t row = 0;
	for (int t = 0; t <= T; t++) {
		uint64_t want = m->nnz * (uint64_t)t / (uint64_t)T;
		while (row < m->nrows && m->ptr[row] < want)
			row++;
		lo[t] = t == T ? m->nrows : row;
	}
	#pragma omp parallel for num_threads(T) schedule(static, 1)
	for (int t = 0; t < T; t++) {
		uint64_t *c = at + (size_t)t * w;
		for (uint64_t k = m->ptr[lo[t]]; k < m->ptr[lo[t + 1]]; k++)
			c[m->idx[k]]++;
	}
	/* column c of thread t starts after column c of threads < t */
	uint64_t sum = 0;
	for (uint32_t c = 0; c < m->ncols; c++) {
		out->ptr[c] = sum;
		for (int t = 0; t < T; t++) {
			uint64_t n = at[(size_t)t * w + c];
			at[(size_t)t * w + c] = sum;
			sum += n;
		}
	}
	out->ptr[m->ncols] = sum;
	#pragma omp parallel for num_threads(T) schedule(static, 1)
	for (int t = 0; t < T; t++) {
		uint64_t *fill = at + (size_t)t * w;
		for (uint64_t r = lo[t]; r < lo[t + 1]; r++)
			for (uint64_t k = m->ptr[r]; k < m->ptr[r + 1]; k++) {
				uint64_t to = fill[m->idx[k]]++;
				out->idx[to] = (uint32_t)r;
				out->val[to] = m->val[k];
			}
	}
	xfree(at);
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
