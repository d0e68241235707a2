/*
 * distill — distill.c: the distill stage (DESIGN §1.5). Builds the
 * user→item relation A_ui = (w_ui / Σ_k w_uk)^α from the fit graph and the
 * per-item information weights iw(j) = 2^(β·I(j)) with
 * I(j) = −log2(deg(j)/|E|). The product R = A×B and D = R·iw are computed
 * per user by the recommend stage (src/recommend.c), which never
 * materialises R.
 */
#include <math.h>
#include <string.h>

#include "pipeline.h"

/* A: same pattern as the fit graph, rows normalised then raised to α.
 * The values are the previous result's when it was built from the same
 * graph with the same α (a distill.beta change): a copy, not a pow per
 * fit edge (Gowalla: 810k). Not when the caller runs into pl->dist. */
static int distill_build_a(struct pipeline *pl, struct distill_out *out,
    double alpha, struct err *err)
{
	const struct csr *ui = &pl->graph.ui;
	const struct distill_out *d = &pl->dist;
	struct csr *A = &out->A;
	bool same = out != d && d->A.val && pl->graph.gen &&
	    d->a_gen == pl->graph.gen && d->a_alpha == alpha &&
	    d->A.nnz == ui->nnz;
	csr_alloc(A, ui->nrows, ui->ncols, ui->nnz);
	memcpy(A->ptr, ui->ptr, ((size_t)ui->nrows + 1) * sizeof *A->ptr);
	if (ui->nnz)
		memcpy(A->idx, ui->idx, ui->nnz * sizeof *A->idx);
	out->a_gen = pl->graph.gen;
	out->a_alpha = alpha;
	if (same) {
		if (ui->nnz)
			memcpy(A->val, d->A.val, ui->nnz * sizeof *A->val);
		return 0;
	}
	for (uint32_t u = 0; u < ui->nrows; u++) {
		if ((u & 4095) == 0 && hooks_cancelled(&pl->hooks))
			return err_set(err, ERR_INTERRUPTED, "interrupted "
			    "while building A");
		double sum = 0;
		for (uint64_t k = ui->ptr[u]; k < ui->ptr[u + 1]; k++)
			sum += ui->val[k];
		for (uint64_t k = ui->ptr[u]; k < ui->ptr[u + 1]; k++)
			A->val[k] = sum > 0 ?
			    (float)pow(ui->val[k] / sum, alpha) : 0.0f;
	}
	return 0;
}

void distill_weights(const struct pipeline *pl, double beta, float *info,
    float *iw)
{
	const struct csr *iu = &pl->graph.iu;
	uint32_t n = pl->graph.ui.ncols;
	/* imported (load DIR): the popularity of every user's fit edges,
	 * not the sample's */
	const uint32_t *pop = pl->imp ? pl->imp->pop : NULL;
	double E = pop ? (double)pl->imp->pop_edges : (double)pl->graph.ui.nnz;
	for (uint32_t j = 0; j < n; j++) {
		uint64_t deg = pop ? pop[j] : j < iu->nrows ?
		    csr_row_len(iu, j) : 0;
		if (deg == 0 || E <= 0) {
			info[j] = NAN;
			iw[j] = 1.0f;  /* unreachable: no path reaches j */
			continue;
		}
		double I = -log2((double)deg / E);
		info[j] = (float)I;
		iw[j] = (float)exp2(beta * I);
	}
}

/* I(j) and iw(j) per item; summaries over items with deg > 0. */
static void distill_build_info(struct pipeline *pl, struct distill_out *out,
    double beta)
{
	uint32_t n = pl->graph.ui.ncols;
	float *infos = xmalloc(((size_t)n + 1) * sizeof *infos);
	double *iws = xmalloc(((size_t)n + 1) * sizeof *iws);
	size_t m = 0;
	float lo = INFINITY, hi = -INFINITY;

	out->info = xmalloc(((size_t)n + 1) * sizeof *out->info);
	out->iw = xmalloc(((size_t)n + 1) * sizeof *out->iw);
	distill_weights(pl, beta, out->info, out->iw);
	out->iw_max = 0;
	for (uint32_t j = 0; j < n; j++) {
		out->iw_max = fmaxf(out->iw_max, out->iw[j]);
		if (isnan(out->info[j]))
			continue;
		infos[m] = out->info[j];
		iws[m++] = out->iw[j];
		lo = fminf(lo, out->info[j]);
		hi = fmaxf(hi, out->info[j]);
	}
	stats_hist_linear(infos, m, m ? lo : 0, m ? (hi > lo ? hi : lo + 1) : 1,
	    20, &out->info_hist);
	out->info_hist.marker = NAN;
	stats_summarize(iws, m, &out->iw_sum);
	xfree(infos);
	xfree(iws);
}

int distill_run(struct pipeline *pl, struct distill_out *out, struct err *err)
{
	const struct params *p = &pl->params;
	if (!pl->graph.ui.ptr || !pl->graph.iu.ptr)
		return err_set(err, ERR_STATE, "the graph stage has not run");
	csr_init(&out->A);
	if (distill_build_a(pl, out, params_real(p, P_DISTILL_ALPHA),
	    err) < 0)
		return -1;
	distill_build_info(pl, out, params_real(p, P_DISTILL_BETA));
	return 0;
}

void distill_out_destroy(struct distill_out *o)
{
	csr_destroy(&o->A);
	xfree(o->info);
	xfree(o->iw);
	memset(o, 0, sizeof *o);
}
