/*
 * distill — learn.c: the learned filter (DESIGN §1.4).
 *
 * Each user's fit interactions are split again (filter.val_fraction,
 * seeded by filter.seed; a user with fewer than 2 keeps all in fit;
 * round(fraction·n) clamped to [1, n−1] go to validation). S_fit is built
 * from the fit part with the abstract parameters, and edge i→j of S_fit is
 * labelled 1 iff some user has i in fit and j in validation. Each edge has
 * seven features (filter_feature_names): s_ij, log C_ij, log deg i,
 * log deg j, rank of j in row i, same community (communities of the main
 * abstract stage), −log α_ij. At most LEARN_MAX labelled edges are used
 * (a seeded sample); HOLDOUT of them are held out for the validation AUC.
 *
 * Features are standardised with the training mean and sd. Both classes
 * get the same total weight (class-balanced loss), so a score of 0.5 means
 * "as likely valid as not, at equal priors" — without it the rare
 * positives would push every score below filter.min_score.
 *   logistic  L2-regularised (λ = 1e-4 per unit of sample weight, bias not
 *             penalised), Newton's method with backtracking; deterministic
 *             (sums over fixed chunks, added in order).
 *   svm       linear, hinge loss, Pegasos (λ = 1e-4, bias as a constant
 *             feature, projection step, averaged second half of the
 *             iterates), samples drawn with the seeded PRNG. Its margin m
 *             is mapped to a score in [0,1] by the logistic 1/(1+e^−m).
 * The model then scores every edge of S (built on all fit data).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "abstract.h"

#define NF FILTER_NFEATURES
#define NW (FILTER_NFEATURES + 1)
#define LEARN_MAX 1000000
#define HOLDOUT 0.2
#define NCHUNK 64
#define LAMBDA 1e-4

/* Feature inputs for the edges of one S. */
struct featsrc {
	const struct csr *S, *iu;
	const float *cooc;
	const uint32_t *comm;
	double *sigma;     /* per row Σ_j s_ij */
};

static void featsrc_init(struct featsrc *f, const struct csr *S,
    const struct csr *iu, const float *cooc, const uint32_t *comm)
{
	f->S = S;
	f->iu = iu;
	f->cooc = cooc;
	f->comm = comm;
	f->sigma = xcalloc(S->nrows ? S->nrows : 1, sizeof *f->sigma);
	for (uint32_t i = 0; i < S->nrows; i++)
		for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++)
			f->sigma[i] += S->val[e];
}

static void edge_features(const struct featsrc *f, uint32_t i, uint64_t e,
    double *x)
{
	const struct csr *S = f->S;
	uint32_t j = S->idx[e];
	double di = (double)csr_row_len(f->iu, i);
	double dj = (double)csr_row_len(f->iu, j);
	x[0] = S->val[e];
	x[1] = log(f->cooc[e] > 1e-30f ? f->cooc[e] : 1e-30);
	x[2] = log(di > 1 ? di : 1);
	x[3] = log(dj > 1 ? dj : 1);
	x[4] = (double)(e - S->ptr[i] + 1);
	x[5] = f->comm && f->comm[i] == f->comm[j];
	x[6] = disparity_neglog(S->val[e], f->sigma[i], csr_row_len(S, i));
}

/* The fit/validation split of every user's fit interactions. */
void learn_refit_split(const struct csr *ui, double frac, uint64_t seed,
    struct csr *fit, struct csr *val)
{
	uint8_t *isval = xcalloc(ui->nnz ? ui->nnz : 1, 1);
	uint64_t maxlen = 1, nval = 0;
	for (uint32_t u = 0; u < ui->nrows; u++)
		if (csr_row_len(ui, u) > maxlen)
			maxlen = csr_row_len(ui, u);
	uint64_t *perm = xmalloc(maxlen * sizeof *perm);
	struct rng g;
	rng_seed(&g, seed);
	for (uint32_t u = 0; u < ui->nrows; u++) {
		uint64_t n = csr_row_len(ui, u);
		if (n < 2)
			continue;
		uint64_t nv = (uint64_t)llround(frac * (double)n);
		nv = nv < 1 ? 1 : nv > n - 1 ? n - 1 : nv;
		for (uint64_t x = 0; x < n; x++)
			perm[x] = x;
		for (uint64_t x = 0; x < nv; x++) {
			uint64_t y = x + rng_below(&g, n - x), t = perm[x];
			perm[x] = perm[y];
			perm[y] = t;
			isval[ui->ptr[u] + perm[x]] = 1;
		}
		nval += nv;
	}
	csr_alloc(fit, ui->nrows, ui->ncols, ui->nnz - nval);
	csr_alloc(val, ui->nrows, ui->ncols, nval);
	uint64_t af = 0, av = 0;
	for (uint32_t u = 0; u < ui->nrows; u++) {
		for (uint64_t e = ui->ptr[u]; e < ui->ptr[u + 1]; e++) {
			struct csr *m = isval[e] ? val : fit;
			uint64_t *at = isval[e] ? &av : &af;
			m->idx[*at] = ui->idx[e];
			m->val[*at] = ui->val[e];
			(*at)++;
		}
		fit->ptr[u + 1] = af;
		val->ptr[u + 1] = av;
	}
	free(isval);
	free(perm);
}

/* label[e] = 1 iff some user has i in fit and S_fit.idx[e] in val. */
uint8_t *learn_labels(const struct csr *Sf, const struct csr *fitT,
    const struct csr *val)
{
	uint8_t *lab = xcalloc(Sf->nnz ? Sf->nnz : 1, 1);
	#pragma omp parallel
	{
		uint32_t *mark = xcalloc(Sf->ncols ? Sf->ncols : 1,
		    sizeof *mark);
		#pragma omp for schedule(dynamic, 64)
		for (int64_t i = 0; i < (int64_t)Sf->nrows; i++) {
			uint32_t st = (uint32_t)i + 1;
			for (uint64_t a = fitT->ptr[i]; a < fitT->ptr[i + 1];
			    a++) {
				uint32_t u = fitT->idx[a];
				for (uint64_t b = val->ptr[u];
				    b < val->ptr[u + 1]; b++)
					mark[val->idx[b]] = st;
			}
			for (uint64_t e = Sf->ptr[i]; e < Sf->ptr[i + 1]; e++)
				lab[e] = mark[Sf->idx[e]] == st;
		}
		free(mark);
	}
	return lab;
}

void learn_set_push(struct learn_set *s, const double *x, uint8_t y)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4096;
		s->X = xreallocarray(s->X, s->cap, NF * sizeof *s->X);
		s->y = xreallocarray(s->y, s->cap, sizeof *s->y);
	}
	for (int f = 0; f < NF; f++)
		s->X[s->n * NF + f] = (float)x[f];
	s->y[s->n++] = y;
}

void learn_set_destroy(struct learn_set *s)
{
	free(s->X);
	free(s->y);
	memset(s, 0, sizeof *s);
}

/* Sample the labelled edges of S_fit into train and holdout sets. */
static void sample_edges(const struct featsrc *f, const uint8_t *lab,
    uint64_t seed, struct learn_set *tr, struct learn_set *ho)
{
	const struct csr *S = f->S;
	double keep = S->nnz > LEARN_MAX ? (double)LEARN_MAX / S->nnz : 1;
	struct rng g;
	rng_seed(&g, seed ^ 0x5eed1ea7ULL);
	double x[NF];
	for (uint32_t i = 0; i < S->nrows; i++)
		for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++) {
			if (keep < 1 && rng_double(&g) >= keep)
				continue;
			bool hold = rng_double(&g) < HOLDOUT;
			edge_features(f, i, e, x);
			learn_set_push(hold ? ho : tr, x, lab[e]);
		}
}

/* Build S_fit on the refit split, label it and sample the sets. */
static int learn_data(struct pipeline *pl, struct learn_set *tr,
    struct learn_set *ho, struct err *err)
{
	const struct params *p = &pl->params;
	uint64_t seed = (uint64_t)params_int(p, P_FILTER_SEED);
	struct csr fit, val, fitT, Sf;
	csr_init(&fit), csr_init(&val), csr_init(&fitT), csr_init(&Sf);
	learn_refit_split(&pl->graph.ui, params_real(p, P_FILTER_VAL_FRACTION),
	    seed, &fit, &val);
	csr_transpose(&fit, &fitT);
	struct simk k;
	float *cooc = NULL;
	simk_init(&k, &fit, &fitT, p);
	int rc = simk_build(&k, &Sf, &cooc, NULL, &pl->hooks, err);
	simk_destroy(&k);
	if (rc == 0) {
		uint8_t *lab = learn_labels(&Sf, &fitT, &val);
		struct featsrc f;
		featsrc_init(&f, &Sf, &fitT, cooc, pl->abs.community);
		sample_edges(&f, lab, seed, tr, ho);
		free(f.sigma);
		free(lab);
	}
	free(cooc);
	csr_destroy(&Sf), csr_destroy(&fitT), csr_destroy(&val);
	csr_destroy(&fit);
	return rc;
}

static void standardise(const struct learn_set *s, double *mean, double *sd)
{
	for (int f = 0; f < NF; f++) {
		double m = 0, v = 0;
		for (size_t r = 0; r < s->n; r++)
			m += s->X[r * NF + f];
		m = s->n ? m / s->n : 0;
		for (size_t r = 0; r < s->n; r++) {
			double d = s->X[r * NF + f] - m;
			v += d * d;
		}
		v = s->n ? sqrt(v / s->n) : 0;
		mean[f] = m;
		sd[f] = v > 1e-12 ? v : 1;
	}
}

static void zrow(const struct learn_model *m, const float *x, double *z)
{
	for (int f = 0; f < NF; f++)
		z[f] = (x[f] - m->mean[f]) / m->sd[f];
	z[NF] = 1;
}

static double dotw(const double *w, const double *z)
{
	double s = 0;
	for (int f = 0; f < NW; f++)
		s += w[f] * z[f];
	return s;
}

static double softplus(double m)
{
	return m > 0 ? m + log1p(exp(-m)) : log1p(exp(m));
}

/* Chunked, ordered sums of the weighted loss, gradient and Hessian. */
static double logit_sums(const struct learn_set *s, const struct learn_model
    *m, const double *w, const double *cw, double *g, double *H)
{
	double part[NCHUNK][1 + NW + NW * NW];
	memset(part, 0, sizeof part);
	#pragma omp parallel for schedule(dynamic, 1)
	for (int c = 0; c < NCHUNK; c++) {
		size_t lo = s->n * c / NCHUNK, hi = s->n * (c + 1) / NCHUNK;
		double z[NW], *P = part[c];
		for (size_t r = lo; r < hi; r++) {
			zrow(m, s->X + r * NF, z);
			double mg = dotw(w, z), y = s->y[r], k = cw[s->y[r]];
			double pr = 1 / (1 + exp(-mg));
			P[0] += k * (softplus(mg) - y * mg);
			if (!g)
				continue;
			for (int a = 0; a < NW; a++) {
				P[1 + a] += k * (pr - y) * z[a];
				for (int b = 0; b < NW; b++)
					P[1 + NW + a * NW + b] +=
					    k * pr * (1 - pr) * z[a] * z[b];
			}
		}
	}
	double loss = 0;
	if (g) {
		memset(g, 0, NW * sizeof *g);
		memset(H, 0, NW * NW * sizeof *H);
	}
	for (int c = 0; c < NCHUNK; c++) {
		loss += part[c][0];
		for (int a = 0; g && a < NW; a++)
			g[a] += part[c][1 + a];
		for (int a = 0; g && a < NW * NW; a++)
			H[a] += part[c][1 + NW + a];
	}
	return loss;
}

/* Solve H d = g (NW x NW) by Gaussian elimination with pivoting. */
static void solve(double *H, double *g, double *d)
{
	for (int c = 0; c < NW; c++) {
		int p = c;
		for (int r = c + 1; r < NW; r++)
			if (fabs(H[r * NW + c]) > fabs(H[p * NW + c]))
				p = r;
		for (int k = 0; k < NW; k++) {
			double t = H[c * NW + k];
			H[c * NW + k] = H[p * NW + k];
			H[p * NW + k] = t;
		}
		double t = g[c];
		g[c] = g[p];
		g[p] = t;
		for (int r = c + 1; r < NW; r++) {
			double q = H[r * NW + c] / H[c * NW + c];
			for (int k = c; k < NW; k++)
				H[r * NW + k] -= q * H[c * NW + k];
			g[r] -= q * g[c];
		}
	}
	for (int c = NW - 1; c >= 0; c--) {
		double s = g[c];
		for (int k = c + 1; k < NW; k++)
			s -= H[c * NW + k] * d[k];
		d[c] = s / H[c * NW + c];
	}
}

static double reg(const double *w, double lam)
{
	double r = 0;
	for (int f = 0; f < NF; f++)
		r += w[f] * w[f];
	return lam / 2 * r;
}

/* L2 logistic regression by Newton's method with backtracking. */
static void fit_logistic(const struct learn_set *s, struct learn_model *m,
    const double *cw, double tot)
{
	double lam = LAMBDA * tot, g[NW], H[NW * NW], d[NW], w2[NW];
	double *w = m->w;
	memset(w, 0, NW * sizeof *w);
	for (int it = 0; it < 50; it++) {
		double loss = logit_sums(s, m, w, cw, g, H) + reg(w, lam);
		for (int f = 0; f < NF; f++) {
			g[f] += lam * w[f];
			H[f * NW + f] += lam;
		}
		H[NF * NW + NF] += 1e-9 * tot;
		solve(H, g, d);
		double t = 1, step = 0;
		for (; t > 1e-8; t /= 2) {
			for (int f = 0; f < NW; f++)
				w2[f] = w[f] - t * d[f];
			if (logit_sums(s, m, w2, cw, NULL, NULL) + reg(w2, lam)
			    <= loss + 1e-12 * tot)
				break;
		}
		for (int f = 0; f < NW; f++) {
			step = fmax(step, fabs(w[f] - w2[f]));
			w[f] = w2[f];
		}
		if (step < 1e-9)
			break;
	}
}

/* Linear SVM by Pegasos (seeded), averaged over the second half. */
static void fit_svm(const struct learn_set *s, struct learn_model *m,
    const double *cw, uint64_t seed)
{
	double w[NW] = { 0 }, avg[NW] = { 0 }, z[NW];
	uint64_t T = 10 * (uint64_t)s->n;
	T = T < 100000 ? 100000 : T > 20000000 ? 20000000 : T;
	struct rng g;
	rng_seed(&g, seed ^ 0x5f3759dfULL);
	for (uint64_t t = 1; t <= T; t++) {
		size_t r = (size_t)rng_below(&g, s->n);
		zrow(m, s->X + r * NF, z);
		double y = s->y[r] ? 1 : -1, eta = 1 / (LAMBDA * (double)t);
		double mg = y * dotw(w, z), nrm = 0;
		for (int f = 0; f < NW; f++) {
			w[f] *= 1 - 1 / (double)t;
			if (mg < 1)
				w[f] += eta * cw[s->y[r]] * y * z[f];
			nrm += w[f] * w[f];
		}
		double lim = 1 / sqrt(LAMBDA);
		if (nrm > lim * lim)
			for (int f = 0; f < NW; f++)
				w[f] *= lim / sqrt(nrm);
		for (int f = 0; t > T / 2 && f < NW; f++)
			avg[f] += w[f];
	}
	for (int f = 0; f < NW; f++)
		m->w[f] = avg[f] / (double)(T - T / 2);
}

int learn_fit(int model, const struct learn_set *tr, uint64_t seed,
    struct learn_model *m, struct err *err)
{
	size_t npos = 0;
	for (size_t r = 0; r < tr->n; r++)
		npos += tr->y[r];
	if (npos == 0 || npos == tr->n)
		return err_set(err, ERR_EMPTY, "learned filter: the %zu "
		    "training edges are all %s: change filter.val_fraction or "
		    "filter.seed", tr->n, npos ? "positive" : "negative");
	standardise(tr, m->mean, m->sd);
	double cw[2] = { tr->n / (2.0 * (tr->n - npos)),
	    tr->n / (2.0 * npos) };
	if (model == MODEL_SVM)
		fit_svm(tr, m, cw, seed);
	else
		fit_logistic(tr, m, cw, (double)tr->n);
	return 0;
}

double learn_score(const struct learn_model *m, const double *x)
{
	double z[NW];
	for (int f = 0; f < NF; f++)
		z[f] = (x[f] - m->mean[f]) / m->sd[f];
	z[NF] = 1;
	return 1 / (1 + exp(-dotw(m->w, z)));
}

struct scored {
	double s;
	uint8_t y;
};

static int cmp_scored(const void *a, const void *b)
{
	double x = ((const struct scored *)a)->s;
	double y = ((const struct scored *)b)->s;
	return (x > y) - (x < y);
}

double learn_auc(const double *score, const uint8_t *y, size_t n)
{
	struct scored *v = xmalloc((n ? n : 1) * sizeof *v);
	size_t npos = 0;
	for (size_t r = 0; r < n; r++) {
		v[r] = (struct scored){ score[r], y[r] };
		npos += y[r] != 0;
	}
	qsort(v, n, sizeof *v, cmp_scored);
	double rsum = 0;
	for (size_t a = 0; a < n;) {
		size_t b = a;
		while (b < n && v[b].s == v[a].s)
			b++;
		double avg = (a + 1 + b) / 2.0;   /* mean of ranks a+1..b */
		for (size_t r = a; r < b; r++)
			rsum += v[r].y ? avg : 0;
		a = b;
	}
	free(v);
	size_t nneg = n - npos;
	if (!npos || !nneg)
		return NAN;
	return (rsum - npos * (npos + 1) / 2.0) / ((double)npos * nneg);
}

/* Score every edge of the main S with the model. */
static int score_main(struct pipeline *pl, const struct learn_model *m,
    float *score, struct err *err)
{
	const struct csr *S = &pl->abs.S;
	struct simk k;
	float *cooc = NULL;
	simk_init(&k, &pl->graph.ui, &pl->graph.iu, &pl->params);
	int rc = simk_cooc_of(&k, S, &cooc, &pl->hooks, err);
	simk_destroy(&k);
	if (rc < 0)
		return -1;
	struct featsrc f;
	featsrc_init(&f, S, &pl->graph.iu, cooc, pl->abs.community);
	#pragma omp parallel for schedule(dynamic, 256)
	for (int64_t i = 0; i < (int64_t)S->nrows; i++) {
		double x[NF];
		for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++) {
			edge_features(&f, (uint32_t)i, e, x);
			score[e] = (float)learn_score(m, x);
		}
	}
	free(f.sigma);
	free(cooc);
	return 0;
}

static double holdout_auc(const struct learn_model *m,
    const struct learn_set *ho)
{
	double *sc = xmalloc((ho->n ? ho->n : 1) * sizeof *sc);
	double x[NF];
	for (size_t r = 0; r < ho->n; r++) {
		for (int f = 0; f < NF; f++)
			x[f] = ho->X[r * NF + f];
		sc[r] = learn_score(m, x);
	}
	double auc = learn_auc(sc, ho->y, ho->n);
	free(sc);
	return auc;
}

int learn_filter(struct pipeline *pl, struct filter_out *out,
    struct err *err)
{
	struct learn_set tr = { 0 }, ho = { 0 };
	struct learn_model m;
	const struct params *p = &pl->params;
	int rc = learn_data(pl, &tr, &ho, err);
	if (rc == 0 && tr.n == 0)
		rc = err_set(err, ERR_EMPTY, "learned filter: S_fit has no "
		    "edges: lower filter.val_fraction or abstract.threshold");
	if (rc == 0)
		rc = learn_fit(params_enum(p, P_FILTER_MODEL), &tr,
		    (uint64_t)params_int(p, P_FILTER_SEED), &m, err);
	if (rc == 0)
		rc = score_main(pl, &m, out->score, err);
	if (rc == 0) {
		memcpy(out->weight, m.w, sizeof out->weight);
		memcpy(out->feat_mean, m.mean, sizeof out->feat_mean);
		memcpy(out->feat_sd, m.sd, sizeof out->feat_sd);
		out->has_model = true;
		out->st.n_train_edges = tr.n;
		for (size_t r = 0; r < tr.n; r++)
			out->st.n_train_pos += tr.y[r];
		out->st.auc = holdout_auc(&m, &ho);
	}
	learn_set_destroy(&tr);
	learn_set_destroy(&ho);
	return rc;
}
