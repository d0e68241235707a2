/*
 * distill — ease.c: the dense EASE model (Steck, WWW 2019), the strongest
 * simple baseline `compare` shows beside the pipeline (DESIGN §1.6):
 *
 *     P = (XᵀX + λI)⁻¹,   B = I − P·diag(1/diag P)   (B_jj = 0),
 *
 * with X the fit user–item weights. The Gram is counted from the users'
 * rows (Σ_u deg(u)² products) into the lower triangle of a dense matrix;
 * the inverse is LAPACK's Cholesky (dpotrf, dpotri) on the serial
 * OpenBLAS: n³ flops, a second at 2,000 items, minutes near the bound.
 * B is n × n doubles, so the item count is bounded (EASE_MAX_ITEMS) and
 * anything larger is refused up front with the memory it would take,
 * never attempted.
 */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "abstract.h"
#include "explain.h"

int ease_fit(const struct csr *ui, double lambda, double **out,
    struct err *err)
{
	uint32_t n = ui->ncols;
	*out = NULL;
	if (n > EASE_MAX_ITEMS)
		return err_set(err, ERR_LIMIT, "ease: %u items need a dense "
		    "%u x %u matrix (%.1f GB); it is computed up to %d items",
		    n, n, n, (double)n * n * 8 / 1e9, EASE_MAX_ITEMS);
	if (n == 0)
		return err_set(err, ERR_EMPTY, "ease: no items");
	if (blas_ready(err) < 0)
		return err_prefix(err, "ease");
	if (!(lambda > 0))
		return err_set(err, ERR_INVAL, "ease: lambda must be > 0 "
		    "(got %g)", lambda);
	double *P = try_calloc((size_t)n * n, sizeof *P);
	double *diag = try_malloc((size_t)n * sizeof *diag);
	if (!P || !diag) {
		xfree(P);
		xfree(diag);
		return err_set(err, ERR_LIMIT, "ease: out of memory for a "
		    "%u x %u matrix", n, n);
	}
	/* lower triangle, column-major: P[c*n + r] with r ≥ c. A row's
	 * columns ascend, so for a ≤ b the entry (b, a) is P[a*n + b]. */
	for (uint32_t u = 0; u < ui->nrows; u++)
		for (uint64_t x = ui->ptr[u]; x < ui->ptr[u + 1]; x++) {
			double wx = ui->val[x];
			double *col = P + (size_t)ui->idx[x] * n;
			for (uint64_t y = x; y < ui->ptr[u + 1]; y++)
				col[ui->idx[y]] += wx * ui->val[y];
		}
	for (uint32_t i = 0; i < n; i++)
		P[(size_t)i * n + i] += lambda;
	blas_lock();
	lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L',
	    (lapack_int)n, P, (lapack_int)n);
	if (info == 0)
		info = LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'L',
		    (lapack_int)n, P, (lapack_int)n);
	blas_unlock();
	if (info != 0) {
		xfree(P);
		xfree(diag);
		return err_set(err, ERR_INVAL, "ease: XᵀX + λI is not positive "
		    "definite (LAPACK info %d); raise the lambda", (int)info);
	}
	/* mirror the lower triangle, then B_ij = −P_ij / P_jj, row-major */
	for (uint32_t c = 0; c < n; c++)
		for (uint32_t r = c + 1; r < n; r++)
			P[(size_t)r * n + c] = P[(size_t)c * n + r];
	for (uint32_t j = 0; j < n; j++)
		diag[j] = P[(size_t)j * n + j];
	for (uint32_t i = 0; i < n; i++) {
		double *row = P + (size_t)i * n;
		for (uint32_t j = 0; j < n; j++)
			row[j] = i == j ? 0 : -row[j] / diag[j];
	}
	xfree(diag);
	*out = P;
	return 0;
}
