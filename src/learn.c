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
 * positives would push every score below filter.min_score. Every model
 * comes from a well-kept library (DESIGN §1.4), none is written here:
 *   logistic  liblinear, L2-regularised logistic regression (primal trust
 *             region Newton; C = 1/(λ·n), λ = 1e-4 per unit of weight);
 *   svm       liblinear, L2-regularised L2-loss linear SVM (primal);
 *   forest    XGBoost, a random forest: one round of filter.trees trees,
 *             rows and features (per node) subsampled, depth filter.depth
 *             (learning rate 1, as XGBoost's random forests);
 *   boost     XGBoost, filter.rounds rounds of gradient-boosted trees,
 *             learning rate filter.learning_rate, depth filter.depth.
 * XGBoost runs on a fixed two threads (not the OpenMP count) with
 * filter.seed: the kept edges are the same on every run and whatever
 * OMP_NUM_THREADS says (tested; at one thread they are the same too). A model's margin m
 * (w·z + b, or the trees' sum) is mapped to a score by 1/(1+e^−m), and
 * splits into per-feature contributions that sum to it: w_f·z_f (+ b)
 * for the linear models, TreeSHAP for trees (XGBoost's pred_contribs,
 * computed here from per-leaf tables checked against it: below).
 * The model then scores every edge of S (built on all fit data).
 */
#include <jansson.h>
#include <linear.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "abstract.h"

#define NF FILTER_NFEATURES
#define NW (FILTER_NFEATURES + 1)
#define LEARN_MAX 1000000
#define HOLDOUT 0.2

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

/* The features of S's edge e (row i), given C_ij and σ_i. */
static void features(const struct csr *S, const struct csr *iu,
    const uint32_t *comm, uint32_t i, uint64_t e, double cooc, double sigma,
    double *x)
{
	uint32_t j = S->idx[e];
	double di = (double)csr_row_len(iu, i);
	double dj = (double)csr_row_len(iu, j);
	x[0] = S->val[e];
	x[1] = log(cooc > 1e-30 ? cooc : 1e-30);
	x[2] = log(di > 1 ? di : 1);
	x[3] = log(dj > 1 ? dj : 1);
	x[4] = (double)(e - S->ptr[i] + 1);
	x[5] = comm && comm[i] == comm[j];
	x[6] = disparity_neglog(S->val[e], sigma, csr_row_len(S, i));
}

static void edge_features(const struct featsrc *f, uint32_t i, uint64_t e,
    double *x)
{
	features(f->S, f->iu, f->comm, i, e, f->cooc[e], f->sigma[i], x);
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
	xfree(isval);
	xfree(perm);
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
		xfree(mark);
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
	xfree(s->X);
	xfree(s->y);
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
		xfree(f.sigma);
		xfree(lab);
	}
	xfree(cooc);
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

static void liblinear_quiet(const char *msg)
{
	(void)msg;
}

/* liblinear: a linear model on the standardised features, class weights
 * cw; the margin is oriented so that it grows with the positive class. */
static int fit_linear(int model, const struct learn_set *s,
    const double *cw, struct learn_model *m, struct err *err)
{
	size_t n = s->n;
	struct feature_node *nodes = xmalloc(n * (NF + 2) * sizeof *nodes);
	struct feature_node **rows = xmalloc(n * sizeof *rows);
	double *y = xmalloc(n * sizeof *y);
	for (size_t r = 0; r < n; r++) {
		struct feature_node *x = nodes + r * (NF + 2);
		for (int f = 0; f < NF; f++)
			x[f] = (struct feature_node){ f + 1,
			    (s->X[r * NF + f] - m->mean[f]) / m->sd[f] };
		x[NF] = (struct feature_node){ NF + 1, 1 };   /* bias */
		x[NF + 1] = (struct feature_node){ -1, 0 };
		rows[r] = x;
		y[r] = s->y[r] ? 1 : -1;
	}
	struct problem prob = { (int)n, NF + 1, y, rows, -1 };
	int labels[2] = { -1, 1 };
	double weights[2] = { cw[0], cw[1] };
	struct parameter par = { 0 };
	/* primal trust-region Newton for both: millions of rows, eight
	 * features (the dual solvers took seconds where this takes ms) */
	par.solver_type = model == MODEL_SVM ? L2R_L2LOSS_SVC : L2R_LR;
	par.eps = 1e-4;    /* the objective to ~1e-7 relative (test) */
	par.C = 1 / (LEARN_LAMBDA * (double)n);
	par.nr_weight = 2;
	par.weight_label = labels;
	par.weight = weights;
	par.p = 0.1;
	int rc = 0;
	const char *bad = check_parameter(&prob, &par);
	if (bad) {
		rc = err_set(err, ERR_INVAL, "learned filter: liblinear: %s",
		    bad);
	} else {
		set_print_string_function(liblinear_quiet);
		struct model *lm = train(&prob, &par);
		/* w is for label[0]: flip it when that is the negative */
		double sign = lm->label[0] == 1 ? 1 : -1;
		for (int f = 0; f <= NF; f++)
			m->w[f] = sign * lm->w[f];
		free_and_destroy_model(&lm);
	}
	xfree(nodes);
	xfree(rows);
	xfree(y);
	return rc;
}

static int xgb_err(struct err *err, const char *what)
{
	return err_set(err, ERR_INVAL, "learned filter: XGBoost %s: %s", what,
	    XGBGetLastError());
}

/*
 * The booster's trees as flat arrays, to score S's edges.
 *
 * XGBoost's predictor walks each tree with a branch per level; on
 * Gowalla's 8M edges × 100 trees that was 5 of the 13 s of the forest's
 * filter stage, most of it mispredicted branches. The model XGBoost
 * itself saves (its JSON format, which it reads back exactly) is read
 * here into one node array, and a block of rows walks each tree together
 * without branches. It is XGBoost's own rule, XGBoost's own numbers:
 *   node n: next = x[f] missing ? default child : left + !(x[f] < cond)
 * (XGBoost allocates a node's children side by side, right = left + 1,
 * and GetNextNode relies on it the same way), a leaf's value added in
 * float in tree order onto the base margin, as PredictByAllTrees does.
 * A leaf points at itself, so every row takes the tree's depth in steps.
 * learn_trees_check compares the result with XGBoost's predictor; a model
 * this reader does not know (categorical splits, several groups) is left
 * to XGBoost.
 */
struct tnode {
	int32_t left, dflt;     /* a leaf: both itself */
	uint32_t feat;
	float cond;             /* a leaf: NaN, so that x >= cond is false */
};

/* TreeSHAP tables of a tree model (below). */
struct shap_tab {
	uint32_t *split_at, *leaf_at;   /* per tree (ntrees + 1) into ... */
	uint32_t *split, *leafn;        /* ... its split nodes, its leaves */
	uint8_t *pos;                   /* per node: a split's bit, a
	                                   leaf's d */
	uint32_t *off;                  /* per node: a leaf's first row */
	float *val;                     /* rows of SHAP_W values */
	size_t nsplit, nleaf, nval;
	double bias;                    /* base + each tree's mean leaf */
};

struct learn_trees {
	uint32_t ntrees;
	size_t nnodes;
	uint32_t *root;
	uint8_t *depth;
	struct tnode *node;
	float *leaf;            /* per node; 0 for a split */
	float base;             /* the base margin */
	float *cover;           /* per node: XGBoost's sum_hessian */
	struct shap_tab *shap;  /* NULL: XGBoost's TreeSHAP */
};

static void shap_free(struct shap_tab *s)
{
	if (!s)
		return;
	xfree(s->split_at);
	xfree(s->leaf_at);
	xfree(s->split);
	xfree(s->leafn);
	xfree(s->pos);
	xfree(s->off);
	xfree(s->val);
	xfree(s);
}

static void *dup_of(const void *p, size_t size)
{
	void *c = xmalloc(size ? size : 1);
	memcpy(c, p, size);
	return c;
}

static struct shap_tab *shap_dup(const struct shap_tab *s, uint32_t ntrees,
    size_t nnodes)
{
	if (!s)
		return NULL;
	struct shap_tab *c = xcalloc(1, sizeof *c);
	*c = *s;
	/* in the ledger: a failed copy's blocks go with the scope */
	c->split_at = dup_of(s->split_at, (ntrees + 1) * sizeof *c->split_at);
	c->leaf_at = dup_of(s->leaf_at, (ntrees + 1) * sizeof *c->leaf_at);
	c->split = dup_of(s->split, s->nsplit * sizeof *c->split);
	c->leafn = dup_of(s->leafn, s->nleaf * sizeof *c->leafn);
	c->pos = dup_of(s->pos, nnodes);
	c->off = dup_of(s->off, nnodes * sizeof *c->off);
	c->val = dup_of(s->val, s->nval * sizeof *c->val);
	return c;
}

static void learn_trees_free(struct learn_trees *t)
{
	if (!t)
		return;
	xfree(t->root);
	xfree(t->depth);
	xfree(t->node);
	xfree(t->leaf);
	xfree(t->cover);
	shap_free(t->shap);
	xfree(t);
}

/* A copy of t (NULL for NULL): the same nodes, no second reading. */
static struct learn_trees *learn_trees_dup(const struct learn_trees *t)
{
	if (!t)
		return NULL;
	struct learn_trees *c = xcalloc(1, sizeof *c);
	*c = *t;
	c->root = dup_of(t->root, (t->ntrees + 1) * sizeof *c->root);
	c->depth = dup_of(t->depth, t->ntrees + 1);
	c->node = dup_of(t->node, t->nnodes * sizeof *c->node);
	c->leaf = dup_of(t->leaf, t->nnodes * sizeof *c->leaf);
	c->cover = dup_of(t->cover, t->nnodes * sizeof *c->cover);
	c->shap = shap_dup(t->shap, t->ntrees, t->nnodes);
	return c;
}

static void json_decref_cb(void *p)
{
	json_decref(p);
}

static double jnum(const json_t *a, size_t k)
{
	const json_t *x = json_array_get(a, k);
	return json_is_true(x) ? 1 : json_is_false(x) ? 0 : json_number_value(x);
}

/* Depth of the subtree at n (leaves: 0); the tree is checked acyclic by
 * the caller's bound on the number of steps. */
static int tree_depth(const struct tnode *nd, int32_t n, int lim)
{
	if (lim < 0)
		return 1000;
	if (nd[n].left == n)
		return 0;
	int a = tree_depth(nd, nd[n].left, lim - 1);
	int b = tree_depth(nd, nd[n].left + 1, lim - 1);
	return 1 + (a > b ? a : b);
}

/* The trees of booster b, or NULL when its model is not one this reader
 * knows (then XGBoost predicts). */
static struct learn_trees *learn_trees_read(BoosterHandle b)
{
	bst_ulong len = 0;
	const char *buf = NULL;
	if (XGBoosterSaveModelToBuffer(b, "{\"format\": \"json\"}", &len,
	    &buf) != 0)
		return NULL;
	json_t *root = json_loadb(buf, len, 0, NULL);
	if (!root)
		return NULL;
	/* jansson's blocks are not in the ledger: let go if one fails */
	struct mem_defer df;
	mem_defer_push(&df, json_decref_cb, root);
	struct learn_trees *t = xcalloc(1, sizeof *t);
	bool ok = false;
	json_t *lr = json_object_get(root, "learner");
	json_t *mp = json_object_get(lr, "learner_model_param");
	json_t *obj = json_object_get(json_object_get(lr, "objective"), "name");
	json_t *trees = json_object_get(json_object_get(json_object_get(lr,
	    "gradient_booster"), "model"), "trees");
	const char *bs = json_string_value(json_object_get(mp, "base_score"));
	const char *nc = json_string_value(json_object_get(mp, "num_class"));
	if (!bs || !json_is_array(trees) || !json_is_string(obj) ||
	    strcmp(json_string_value(obj), "binary:logistic") != 0 ||
	    (nc && strcmp(nc, "0") != 0 && strcmp(nc, "1") != 0))
		goto out;
	/* XGBoost's ProbToMargin for binary:logistic, in float */
	float p = strtof(bs, NULL);
	t->base = -logf(1.0f / p - 1.0f);
	t->ntrees = (uint32_t)json_array_size(trees);
	t->root = xcalloc(t->ntrees + 1, sizeof *t->root);
	t->depth = xcalloc(t->ntrees + 1, 1);
	size_t total = 0;
	for (uint32_t k = 0; k < t->ntrees; k++)
		total += json_array_size(json_object_get(json_array_get(trees,
		    k), "left_children"));
	if (total == 0 || total > INT32_MAX)
		goto out;
	t->nnodes = total;
	t->node = xmalloc(total * sizeof *t->node);
	t->leaf = xcalloc(total, sizeof *t->leaf);
	t->cover = xcalloc(total, sizeof *t->cover);
	size_t at = 0;
	for (uint32_t k = 0; k < t->ntrees; k++) {
		json_t *tr = json_array_get(trees, k);
		json_t *lc = json_object_get(tr, "left_children");
		json_t *rc = json_object_get(tr, "right_children");
		json_t *si = json_object_get(tr, "split_indices");
		json_t *sc = json_object_get(tr, "split_conditions");
		json_t *dl = json_object_get(tr, "default_left");
		json_t *st = json_object_get(tr, "split_type");
		json_t *sh = json_object_get(tr, "sum_hessian");
		size_t n = json_array_size(lc);
		if (n == 0 || json_array_size(rc) != n ||
		    json_array_size(si) != n || json_array_size(sc) != n ||
		    json_array_size(dl) != n || json_array_size(sh) != n)
			goto out;
		t->root[k] = (uint32_t)at;
		for (size_t q = 0; q < n; q++) {
			struct tnode *d = &t->node[at + q];
			double l = jnum(lc, q), r = jnum(rc, q);
			t->cover[at + q] = (float)jnum(sh, q);
			double f = jnum(si, q);
			if (json_array_size(st) == n && jnum(st, q) != 0)
				goto out;           /* a categorical split */
			if (l == -1) {
				d->left = d->dflt = (int32_t)(at + q);
				d->feat = 0;
				d->cond = NAN;
				t->leaf[at + q] = (float)jnum(sc, q);
				continue;
			}
			if (!(l > (double)q && l < (double)n && r == l + 1 &&
			    f >= 0 && f < NF))
				goto out;
			d->left = (int32_t)(at + (size_t)l);
			d->dflt = jnum(dl, q) != 0 ? d->left : d->left + 1;
			d->feat = (uint32_t)f;
			d->cond = (float)jnum(sc, q);
		}
		/* children after their parent: every walk ends in a leaf */
		int dep = tree_depth(t->node, (int32_t)at, 64);
		if (dep > 64)
			goto out;
		t->depth[k] = (uint8_t)dep;
		at += n;
	}
	ok = true;
out:
	mem_defer_pop(&df);
	json_decref(root);
	if (!ok) {
		learn_trees_free(t);
		t = NULL;
	}
	return t;
}

/* The flat trees give XGBoost's margins, bit for bit, on the first
 * CHECK_ROWS rows of X (n rows): −1 if not. */
#define CHECK_ROWS 4096
static int learn_trees_check(const struct learn_model *m, const float *X,
    size_t n);

#define WALK 64   /* rows that walk a tree together */

/* Margins of rows [0, n) of X (n ≤ WALK). */
static void trees_walk(const struct learn_trees *t, const float *X, size_t n,
    double *margin)
{
	float acc[WALK];
	int32_t at[WALK];
	for (size_t r = 0; r < n; r++)
		acc[r] = t->base;
	bool missing = false;
	for (size_t q = 0; q < n * NF; q++)
		missing |= isnan(X[q]);
	for (uint32_t k = 0; k < t->ntrees; k++) {
		for (size_t r = 0; r < n; r++)
			at[r] = (int32_t)t->root[k];
		for (int d = 0; d < t->depth[k]; d++) {
			if (missing) {
				for (size_t r = 0; r < n; r++) {
					const struct tnode *nd = &t->node[at[r]];
					float v = X[r * NF + nd->feat];
					int32_t next = nd->left + (v >= nd->cond);
					at[r] = v == v ? next : nd->dflt;
				}
				continue;
			}
			/* v >= NaN (a leaf) is false: it stays */
			for (size_t r = 0; r < n; r++) {
				const struct tnode *nd = &t->node[at[r]];
				at[r] = nd->left + (X[r * NF + nd->feat] >=
				    nd->cond);
			}
		}
		for (size_t r = 0; r < n; r++)
			acc[r] += t->leaf[at[r]];
	}
	for (size_t r = 0; r < n; r++)
		margin[r] = acc[r];
}

static void trees_predict(const struct learn_trees *t, const float *X,
    size_t n, double *margin)
{
	#pragma omp parallel for schedule(static)
	for (int64_t lo = 0; lo < (int64_t)n; lo += WALK) {
		size_t m = n - (size_t)lo < WALK ? n - (size_t)lo : WALK;
		trees_walk(t, X + (size_t)lo * NF, m, margin + lo);
	}
}

static int learn_trees_check(const struct learn_model *m, const float *X,
    size_t n)
{
	DMatrixHandle d = NULL;
	bst_ulong len = 0;
	const float *res = NULL;
	size_t k = n < CHECK_ROWS ? n : CHECK_ROWS;
	int rc = -1;
	if (k == 0)
		return -1;
	/* allocated before the DMatrix, which is not in the ledger */
	double *mg = xmalloc(k * sizeof *mg);
	trees_predict(m->trees, X, k, mg);
	if (XGDMatrixCreateFromMat(X, k, NF, NAN, &d) == 0) {
		if (XGBoosterPredict(m->booster, d, 1, 0, 0, &len, &res) == 0
		    && len == k) {
			rc = 0;
			for (size_t r = 0; r < k; r++)
				if ((float)mg[r] != res[r])
					rc = -1;
		}
		XGDMatrixFree(d);
	}
	xfree(mg);
	return rc;
}

/*
 * TreeSHAP by tables. XGBoost's TreeSHAP (Lundberg et al. 2020, its
 * prediction type "contribs") costs O(L·D²) per row and tree; a why on
 * a Gowalla user with 800 items asks it for 800 edges: 180 ms under a
 * 100-tree forest. The values it computes are, per leaf l, the Shapley
 * values of the game v(S) = v_l · Π_{g ∈ P_l} (g ∈ S ? o_g : z_g) over
 * the distinct features P_l on l's path (d = |P_l| ≤ NF), where z_g is
 * the product of the cover ratios child/parent at g's splits on the path
 * and o_g is 1 when the row follows the path at every split on g, else
 * 0. A row enters only through the d bits o, so each leaf's values for
 * all 2^d of them are computed once per model (Yang's Fast TreeSHAP v2,
 * 2021):
 *   φ_u(o) = v_l (o_u − z_u) Σ_k e_k(o, z; P_l∖u) · k!(d−1−k)!/d!
 * e_k being the sum over the k-subsets T of P_l∖u of Π_T o · Π_rest z.
 * A row then costs one pass over each tree and one table row per leaf:
 * the heaviest Gowalla why (600 edges) 6–8 ms instead of 180.
 * The bias is the base margin plus each tree's cover-weighted mean leaf,
 * as XGBoost's. Every model checks the tables against XGBoost's TreeSHAP
 * on its first training rows (XGBoost works in float: to 1e-4 of the
 * row's scale) and leaves the contributions to XGBoost if they differ,
 * if a cover is not positive, or if the tables would exceed SHAP_MAX.
 */
#define SHAP_MAX (16u << 20)       /* table values (floats, 64 MB) */
#define SHAP_TREE_NODES 4096       /* nodes of one tree (depth ≤ 11) */
#define SHAP_CHECK_ROWS 32
#define SHAP_W 8                   /* a table row: NF values, padded */
_Static_assert(NF <= SHAP_W && NF <= 8, "a feature mask is one byte");

struct shap_step {
	uint8_t feat;
	double z;
};

/* q = p / (z + o·t): p of degree d, q of degree d − 1 (o = 1: by
 * synthetic division from the top; o = 0: by z, which shap_paths made
 * sure is positive). */
static void unfactor(const double *p, int d, double z, int o, double *q)
{
	if (o) {
		q[d - 1] = p[d];
		for (int k = d - 1; k > 0; k--)
			q[k - 1] = p[k] - z * q[k];
		q[d] = 0;
		return;
	}
	for (int k = 0; k < d; k++)
		q[k] = p[k] / z;
	q[d] = 0;
}

/* One leaf's table, 2^d rows of SHAP_W: f its distinct features in the
 * order of first appearance on its path, z their zero fractions. Bit u
 * of a row's index is o_u. */
static void shap_leaf_table(float v, const uint8_t *f, const double *z,
    int d, float *tab)
{
	/* poly[m]: Π_g (z_g + o_g t) over all d features for the bits m,
	 * each from the one without its top bit */
	double poly[1u << NF][NF + 1];
	poly[0][0] = 1;
	for (int q = 1; q <= d; q++)
		poly[0][q] = 0;
	for (int g = 0; g < d; g++)
		poly[0][0] *= z[g];
	double wk[NF];          /* k!(d−1−k)!/d! = 1 / (d · C(d−1, k)) */
	double binom = 1;
	for (int k = 0; k < d; k++) {
		wk[k] = 1 / (d * binom);
		binom = binom * (d - 1 - k) / (k + 1);
	}
	for (uint32_t m = 0; m < (1u << d); m++) {
		if (m) {
			int g = 31 - __builtin_clz(m);
			const double *p = poly[m & ~(1u << g)];
			/* g's factor z_g becomes z_g + t: p · (1 + t / z_g) */
			poly[m][0] = p[0];
			for (int k = 1; k <= d; k++)
				poly[m][k] = p[k] + p[k - 1] / z[g];
		}
		float *row = tab + (size_t)m * SHAP_W;
		for (int c = 0; c < SHAP_W; c++)
			row[c] = 0;
		for (int u = 0; u < d; u++) {
			int o = (m >> u) & 1;
			double q[NF + 1];
			unfactor(poly[m], d, z[u], o, q);
			double sum = 0;
			for (int k = 0; k < d; k++)
				sum += q[k] * wk[k];
			row[f[u]] = (float)((double)v * (o - z[u]) * sum);
		}
	}
}

/* Per-leaf path data while the tables are made. */
struct shap_leafinfo {
	uint8_t f[NF];
	double z[NF];
};

/* Walk the tree from node n with the path's distinct features so far
 * (f, z, d); record each split's bit (the position of its feature among
 * them), each leaf's features and zero fractions, and add its
 * cover-weighted value to *mean. False on a non-positive cover. */
static bool shap_paths(struct learn_trees *t, struct shap_tab *s,
    struct shap_leafinfo *li, int32_t n, const uint8_t *f, const double *z,
    int d, double w, double *mean)
{
	const struct tnode *nd = &t->node[n];
	if (nd->left == n) {
		s->pos[n] = (uint8_t)d;
		memcpy(li[n].f, f, (size_t)d);
		memcpy(li[n].z, z, (size_t)d * sizeof *z);
		*mean += w * t->leaf[n];
		return true;
	}
	double cn = t->cover[n];
	if (!(cn > 0) || !(t->cover[nd->left] > 0) ||
	    !(t->cover[nd->left + 1] > 0))
		return false;
	int u = 0;
	while (u < d && f[u] != nd->feat)
		u++;
	s->pos[n] = (uint8_t)u;
	for (int side = 0; side < 2; side++) {
		int32_t ch = nd->left + side;
		double r = t->cover[ch] / cn;
		uint8_t f2[NF];
		double z2[NF];
		memcpy(f2, f, (size_t)d);
		memcpy(z2, z, (size_t)d * sizeof *z);
		if (u == d) {
			f2[u] = (uint8_t)nd->feat;
			z2[u] = 1;
		}
		z2[u] *= r;
		if (!shap_paths(t, s, li, ch, f2, z2, u == d ? d + 1 : d,
		    w * r, mean))
			return false;
	}
	return true;
}

/* The tables of t, or none (t->shap NULL): a cover that is not
 * positive, a tree of more than SHAP_TREE_NODES nodes, tables of more
 * than SHAP_MAX values. */
static void shap_build(struct learn_trees *t)
{
	for (uint32_t k = 0; k < t->ntrees; k++)
		if ((k + 1 < t->ntrees ? t->root[k + 1] : t->nnodes) -
		    t->root[k] > SHAP_TREE_NODES)
			return;
	struct shap_tab *s = xcalloc(1, sizeof *s);
	s->split_at = xcalloc(t->ntrees + 1, sizeof *s->split_at);
	s->leaf_at = xcalloc(t->ntrees + 1, sizeof *s->leaf_at);
	s->pos = xcalloc(t->nnodes, 1);
	s->off = xcalloc(t->nnodes, sizeof *s->off);
	struct shap_leafinfo *li = xmalloc(t->nnodes * sizeof *li);
	double mean = 0;
	bool ok = true;
	uint8_t f0[NF] = { 0 };     /* an empty path (memcpy takes no NULL) */
	double z0[NF] = { 0 };
	for (uint32_t k = 0; k < t->ntrees && ok; k++)
		ok = shap_paths(t, s, li, (int32_t)t->root[k], f0, z0, 0, 1,
		    &mean);
	for (size_t n = 0; ok && n < t->nnodes; n++) {
		if (t->node[n].left != (int32_t)n) {
			s->nsplit++;
			continue;
		}
		s->off[n] = (uint32_t)s->nval;
		s->nval += ((size_t)1 << s->pos[n]) * SHAP_W;
		s->nleaf++;
		ok = s->nval <= SHAP_MAX;
	}
	if (ok) {
		s->split = xmalloc((s->nsplit + 1) * sizeof *s->split);
		s->leafn = xmalloc((s->nleaf + 1) * sizeof *s->leafn);
		s->val = xmalloc((s->nval + 1) * sizeof *s->val);
		s->bias = (double)t->base + mean;
		size_t ns = 0, nl = 0;
		for (uint32_t k = 0; k < t->ntrees; k++) {
			size_t end = k + 1 < t->ntrees ? t->root[k + 1] :
			    t->nnodes;
			s->split_at[k] = (uint32_t)ns;
			s->leaf_at[k] = (uint32_t)nl;
			for (size_t n = t->root[k]; n < end; n++)
				if (t->node[n].left == (int32_t)n)
					s->leafn[nl++] = (uint32_t)n;
				else
					s->split[ns++] = (uint32_t)n;
		}
		s->split_at[t->ntrees] = (uint32_t)ns;
		s->leaf_at[t->ntrees] = (uint32_t)nl;
		#pragma omp parallel for schedule(dynamic, 64)
		for (int64_t q = 0; q < (int64_t)s->nleaf; q++) {
			uint32_t n = s->leafn[q];
			shap_leaf_table(t->leaf[n], li[n].f, li[n].z, s->pos[n],
			    s->val + s->off[n]);
		}
		t->shap = s;
	} else {
		shap_free(s);
	}
	xfree(li);
}

/* Tree k's contributions to one row, added to acc. A pass over the
 * tree's splits in node order (a parent before its children) marks where
 * the row leaves each path (dis: the bits of the splits it does not
 * follow); each leaf then adds its table's row ~dis. */
static void shap_tree(const struct learn_trees *t, uint32_t k,
    const float *x, double *acc)
{
	const struct shap_tab *s = t->shap;
	uint8_t dis[SHAP_TREE_NODES];
	uint32_t r0 = t->root[k];
	dis[0] = 0;
	for (uint32_t q = s->split_at[k]; q < s->split_at[k + 1]; q++) {
		uint32_t n = s->split[q];
		const struct tnode *nd = &t->node[n];
		float v = x[nd->feat];
		int32_t hot = v == v ? nd->left + (v >= nd->cond) : nd->dflt;
		uint8_t b = (uint8_t)(1u << s->pos[n]), d0 = dis[n - r0];
		uint8_t right = (uint8_t)(hot != nd->left);
		dis[(uint32_t)nd->left - r0] = (uint8_t)(d0 | (b &
		    (uint8_t)-right));
		dis[(uint32_t)nd->left + 1 - r0] = (uint8_t)(d0 | (b &
		    (uint8_t)(right - 1)));
	}
	/* two sums in turn, in registers: a leaf's adds do not wait for
	 * the last leaf's */
	float p0[SHAP_W] = { 0 }, p1[SHAP_W] = { 0 };
	uint32_t q = s->leaf_at[k], end = s->leaf_at[k + 1];
#define LEAF_ROW(q) (s->val + s->off[s->leafn[q]] + (size_t)(~(uint32_t) \
	dis[s->leafn[q] - r0] & ((1u << s->pos[s->leafn[q]]) - 1)) * SHAP_W)
	for (; q + 1 < end; q += 2) {
		const float *a = LEAF_ROW(q), *b = LEAF_ROW(q + 1);
		for (int f = 0; f < SHAP_W; f++)
			p0[f] += a[f];
		for (int f = 0; f < SHAP_W; f++)
			p1[f] += b[f];
	}
	if (q < end) {
		const float *a = LEAF_ROW(q);
		for (int f = 0; f < SHAP_W; f++)
			p0[f] += a[f];
	}
#undef LEAF_ROW
	for (int f = 0; f < SHAP_W; f++)
		acc[f] += (double)p0[f] + p1[f];
}

/* Contributions of n rows (NF + 1 values each, the bias last), a block
 * of rows through one tree at a time: the tables of all trees (13 MB for
 * 100 trees of depth 6) do not stay in cache, one tree's do. */
#define SHAP_BLOCK 32
static void shap_rows(const struct learn_trees *t, const float *X,
    size_t n, double *contrib)
{
	#pragma omp parallel for schedule(dynamic, 1)
	for (int64_t lo = 0; lo < (int64_t)n; lo += SHAP_BLOCK) {
		size_t m = n - (size_t)lo < SHAP_BLOCK ? n - (size_t)lo :
		    SHAP_BLOCK;
		double acc[SHAP_BLOCK][SHAP_W] = { { 0 } };
		const float *x = X + (size_t)lo * NF;
		for (uint32_t k = 0; k < t->ntrees; k++)
			for (size_t r = 0; r < m; r++)
				shap_tree(t, k, x + r * NF, acc[r]);
		for (size_t r = 0; r < m; r++) {
			double *c = contrib + ((size_t)lo + r) * NW;
			for (int f = 0; f < NF; f++)
				c[f] = acc[r][f];
			c[NF] = t->shap->bias;
		}
	}
}

/* The tables give XGBoost's contributions on the first rows of X. */
static int shap_check(const struct learn_model *m, const float *X, size_t n)
{
	DMatrixHandle d = NULL;
	bst_ulong len = 0;
	const float *res = NULL;
	size_t k = n < SHAP_CHECK_ROWS ? n : SHAP_CHECK_ROWS;
	int rc = -1;
	if (k == 0)
		return -1;
	double *c = xmalloc(k * NW * sizeof *c);
	shap_rows(m->trees, X, k, c);
	if (XGDMatrixCreateFromMat(X, k, NF, NAN, &d) == 0) {
		if (XGBoosterPredict(m->booster, d, 4, 0, 0, &len, &res) == 0
		    && len == k * NW) {
			rc = 0;
			for (size_t r = 0; r < k; r++) {
				double scale = 1;
				for (int f = 0; f < NW; f++)
					scale += fabs(res[r * NW + f]);
				for (int f = 0; f < NW; f++)
					if (!(fabs(c[r * NW + f] - res[r * NW + f])
					    <= 1e-4 * scale))
						rc = -1;
			}
		}
		XGDMatrixFree(d);
	}
	xfree(c);
	return rc;
}

void learn_model_unwind(void *p)
{
	struct learn_model *m = p;
	if (m->booster)
		XGBoosterFree(m->booster);
	m->booster = NULL;
}

/* m's booster read into flat trees, kept if they score the first rows of
 * X (n of them) as XGBoost does. The booster is not in the memory
 * ledger: freed if an allocation here fails. */
static void trees_attach(struct learn_model *m, const float *X, size_t n)
{
	struct mem_defer df;
	mem_defer_push(&df, learn_model_unwind, m);
	m->trees = learn_trees_read(m->booster);
	if (m->trees && learn_trees_check(m, X, n) < 0) {
		learn_trees_free(m->trees);
		m->trees = NULL;
	}
	if (m->trees) {
		shap_build(m->trees);
		if (m->trees->shap && shap_check(m, X, n) < 0) {
			shap_free(m->trees->shap);
			m->trees->shap = NULL;
		}
	}
	mem_defer_pop(&df);
}

/* XGBoost on the raw features (trees need no standardising). */
static int fit_trees(int model, const struct learn_set *s, const double *cw,
    const struct learn_opts *o, struct learn_model *m, struct err *err)
{
	DMatrixHandle d = NULL;
	BoosterHandle b = NULL;
	size_t n = s->n;
	float *lab = xmalloc(n * sizeof *lab), *w = xmalloc(n * sizeof *w);
	for (size_t r = 0; r < n; r++) {
		lab[r] = s->y[r];
		w[r] = (float)cw[s->y[r]];
	}
	char buf[32];
	int rc = 0;
	if (XGDMatrixCreateFromMat(s->X, n, NF, NAN, &d) != 0 ||
	    XGDMatrixSetFloatInfo(d, "label", lab, n) != 0 ||
	    XGDMatrixSetFloatInfo(d, "weight", w, n) != 0 ||
	    XGBoosterCreate(&d, 1, &b) != 0) {
		rc = xgb_err(err, "setup");
		goto out;
	}
#define SET(k, v) if (rc == 0 && XGBoosterSetParam(b, k, v) != 0) \
	rc = xgb_err(err, k)
	SET("objective", "binary:logistic");
	SET("tree_method", "hist");
	SET("nthread", "2");   /* fixed: see the head of this file */
	SET("verbosity", "0");
	snprintf(buf, sizeof buf, "%d", o->depth);
	SET("max_depth", buf);
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)(o->seed &
	    0x7fffffff));
	SET("seed", buf);
	if (model == MODEL_FOREST) {
		snprintf(buf, sizeof buf, "%d", o->trees);
		SET("num_parallel_tree", buf);
		SET("eta", "1");     /* XGBoost's random-forest setting */
		SET("subsample", "0.632");
		SET("colsample_bynode", "0.6");
	} else {
		snprintf(buf, sizeof buf, "%.17g", o->learning_rate);
		SET("eta", buf);
	}
#undef SET
	int rounds = model == MODEL_FOREST ? 1 : o->rounds;
	for (int it = 0; rc == 0 && it < rounds; it++)
		if (XGBoosterUpdateOneIter(b, it, d) != 0)
			rc = xgb_err(err, "training");
	if (rc == 0) {
		m->booster = b;
		b = NULL;
	}
out:
	if (b)
		XGBoosterFree(b);
	if (d)
		XGDMatrixFree(d);
	xfree(lab);
	xfree(w);
	if (rc == 0)
		trees_attach(m, s->X, n);
	return rc;
}

int learn_fit(int model, const struct learn_set *tr,
    const struct learn_opts *o, struct learn_model *m, struct err *err)
{
	size_t npos = 0;
	memset(m, 0, sizeof *m);
	m->kind = model;
	for (size_t r = 0; r < tr->n; r++)
		npos += tr->y[r];
	if (npos == 0 || npos == tr->n)
		return err_set(err, ERR_EMPTY, "learned filter: the %zu "
		    "training edges are all %s: change filter.val_fraction or "
		    "filter.seed", tr->n, npos ? "positive" : "negative");
	standardise(tr, m->mean, m->sd);
	double cw[2] = { tr->n / (2.0 * (tr->n - npos)),
	    tr->n / (2.0 * npos) };
	if (model == MODEL_FOREST || model == MODEL_BOOST)
		return fit_trees(model, tr, cw, o, m, err);
	return fit_linear(model, tr, cw, m, err);
}

int learn_model_copy(const struct learn_model *from, struct learn_model *to,
    struct err *err)
{
	*to = *from;
	to->booster = NULL;
	to->trees = NULL;
	if (!from->booster)
		return 0;
	/* the flat trees first: their blocks are in the ledger, the
	 * booster is not */
	struct learn_trees *t = learn_trees_dup(from->trees);
	/* the whole booster, its parameters (threads) with it: the copy
	 * predicts and explains exactly as the original */
	bst_ulong len = 0;
	const char *buf = NULL;
	BoosterHandle b = NULL;
	if (XGBoosterSerializeToBuffer(from->booster, &len, &buf) != 0 ||
	    XGBoosterCreate(NULL, 0, &b) != 0 ||
	    XGBoosterUnserializeFromBuffer(b, buf, len) != 0) {
		if (b)
			XGBoosterFree(b);
		learn_trees_free(t);
		return xgb_err(err, "copy");
	}
	to->booster = b;
	to->trees = t;
	return 0;
}

void learn_set_copy(const struct learn_set *from, struct learn_set *to)
{
	memset(to, 0, sizeof *to);
	if (!from->n)
		return;
	to->X = xreallocarray(NULL, from->n, NF * sizeof *to->X);
	to->y = xmalloc(from->n);
	memcpy(to->X, from->X, from->n * NF * sizeof *to->X);
	memcpy(to->y, from->y, from->n);
	to->n = to->cap = from->n;
}

void learn_model_free(struct learn_model *m)
{
	if (m->booster)
		XGBoosterFree(m->booster);
	m->booster = NULL;
	learn_trees_free(m->trees);
	m->trees = NULL;
}

/* Linear contributions of one row: w_f·z_f, then the bias. */
static double linear_contrib(const struct learn_model *m, const float *x,
    double *c)
{
	double s = m->w[NF];
	for (int f = 0; f < NF; f++) {
		double v = m->w[f] * ((x[f] - m->mean[f]) / m->sd[f]);
		if (c)
			c[f] = v;
		s += v;
	}
	if (c)
		c[NF] = m->w[NF];
	return s;
}

int learn_predict(const struct learn_model *m, const float *X, size_t n,
    double *margin, double *contrib, struct err *err)
{
	if (!m->booster) {
		for (size_t r = 0; r < n; r++) {
			double s = linear_contrib(m, X + r * NF, contrib ?
			    contrib + r * (NF + 1) : NULL);
			if (margin)
				margin[r] = s;
		}
		return 0;
	}
	if (m->trees && margin) {
		trees_predict(m->trees, X, n, margin);
		margin = NULL;
	}
	if (m->trees && m->trees->shap && contrib) {
		shap_rows(m->trees, X, n, contrib);
		contrib = NULL;
	}
	if (!margin && !contrib)
		return 0;
	DMatrixHandle d = NULL;
	bst_ulong len = 0;
	const float *res = NULL;
	if (XGDMatrixCreateFromMat(X, n, NF, NAN, &d) != 0)
		return xgb_err(err, "predict");
	int rc = 0;
	if (margin) {
		if (XGBoosterPredict(m->booster, d, 1, 0, 0, &len, &res) != 0 ||
		    len != n)
			rc = xgb_err(err, "predict");
		for (size_t r = 0; rc == 0 && r < n; r++)
			margin[r] = res[r];
	}
	if (rc == 0 && contrib) {
		if (XGBoosterPredict(m->booster, d, 4, 0, 0, &len, &res) != 0 ||
		    len != n * (NF + 1))
			rc = xgb_err(err, "contributions");
		for (size_t r = 0; rc == 0 && r < n * (NF + 1); r++)
			contrib[r] = res[r];
	}
	XGDMatrixFree(d);
	return rc;
}

bool learn_shap_tabled(const struct learn_model *m)
{
	return m->trees && m->trees->shap;
}

double learn_score_of(double margin)
{
	return 1 / (1 + exp(-margin));
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
	xfree(v);
	size_t nneg = n - npos;
	if (!npos || !nneg)
		return NAN;
	return (rsum - npos * (npos + 1) / 2.0) / ((double)npos * nneg);
}

#define PREDICT_BLOCK 65536

/* Score every edge of the main S with the model, a block at a time. */
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
	/* the row of every edge, to compute its features out of order */
	uint32_t *row = xmalloc((S->nnz ? S->nnz : 1) * sizeof *row);
	for (uint32_t i = 0; i < S->nrows; i++)
		for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++)
			row[e] = i;
	float *X = xmalloc((size_t)PREDICT_BLOCK * NF * sizeof *X);
	double *mg = xmalloc((size_t)PREDICT_BLOCK * sizeof *mg);
	for (uint64_t lo = 0; rc == 0 && lo < S->nnz; lo += PREDICT_BLOCK) {
		uint64_t hi = lo + PREDICT_BLOCK < S->nnz ? lo + PREDICT_BLOCK :
		    S->nnz;
		if (hooks_cancelled(&pl->hooks)) {
			rc = err_set(err, ERR_INTERRUPTED, "learned filter: "
			    "interrupted");
			break;
		}
		#pragma omp parallel for schedule(static)
		for (int64_t e = (int64_t)lo; e < (int64_t)hi; e++) {
			double x[NF];
			edge_features(&f, row[e], (uint64_t)e, x);
			for (int q = 0; q < NF; q++)
				X[(size_t)(e - (int64_t)lo) * NF + q] =
				    (float)x[q];
		}
		rc = learn_predict(m, X, hi - lo, mg, NULL, err);
		for (uint64_t e = lo; rc == 0 && e < hi; e++)
			score[e] = (float)learn_score_of(mg[e - lo]);
	}
	xfree(X);
	xfree(mg);
	xfree(row);
	xfree(f.sigma);
	xfree(cooc);
	return rc;
}

/* Held-out edges whose contributions the importance averages: TreeSHAP
 * costs trees × leaves × depth² per edge (2,000 edges took 1.7 s of a
 * 2.4 s forest on ML-100K). */
#define IMPORTANCE_ROWS 256

/* On the held-out edges: AUC and the confusion at min_score (all of
 * them) and each feature's mean |contribution| (the first
 * IMPORTANCE_ROWS; they are a seeded sample already). */
int learn_holdout_stats(const struct learn_model *m,
    const struct learn_set *ho, double min_score, bool importance,
    struct filter_stats *st, struct err *err)
{
	size_t n = ho->n, ni = n < IMPORTANCE_ROWS ? n : IMPORTANCE_ROWS;
	st->tp = st->fp = st->tn = st->fn = 0;
	memset(st->importance, 0, sizeof st->importance);
	st->auc = NAN;
	if (!importance)
		ni = 0;
	double *mg = xmalloc((n ? n : 1) * sizeof *mg);
	double *c = xmalloc((ni ? ni : 1) * (NF + 1) * sizeof *c);
	int rc = n ? learn_predict(m, ho->X, n, mg, NULL, err) : 0;
	if (rc == 0 && ni)
		rc = learn_predict(m, ho->X, ni, NULL, c, err);
	if (rc == 0) {
		for (size_t r = 0; r < n; r++) {
			mg[r] = learn_score_of(mg[r]);
			bool keep = mg[r] >= min_score;
			st->tp += keep && ho->y[r];
			st->fp += keep && !ho->y[r];
			st->tn += !keep && !ho->y[r];
			st->fn += !keep && ho->y[r];
		}
		for (size_t r = 0; r < ni; r++)
			for (int f = 0; f <= NF; f++)
				st->importance[f] += fabs(c[r * (NF + 1) + f]);
		for (int f = 0; ni && f <= NF; f++)
			st->importance[f] /= (double)ni;
		st->auc = learn_auc(mg, ho->y, n);
	}
	xfree(mg);
	xfree(c);
	return rc;
}

int learn_edges_contrib(const struct pipeline *pl, size_t n,
    const uint32_t *row, const uint64_t *edge, double *contrib,
    double *margin, struct err *err)
{
	const struct csr *S = &pl->abs.S, *iu = &pl->graph.iu;
	if (!pl->filt.has_model)
		return err_set(err, ERR_STATE, "no learned model");
	float *xf = xmalloc((n ? n : 1) * NF * sizeof *xf);
	for (size_t k = 0; k < n; k++) {
		uint32_t i = row[k];
		uint64_t e = edge[k];
		if (e >= S->nnz || e < S->ptr[i] || e >= S->ptr[i + 1]) {
			xfree(xf);
			return err_set(err, ERR_STATE, "no such relation");
		}
		/* C_ij by merging the two items' user lists (weights w_ui) */
		uint32_t j = S->idx[e];
		double cij = 0;
		uint64_t a = iu->ptr[i], b = iu->ptr[j];
		while (a < iu->ptr[i + 1] && b < iu->ptr[j + 1]) {
			if (iu->idx[a] < iu->idx[b])
				a++;
			else if (iu->idx[a] > iu->idx[b])
				b++;
			else
				cij += (double)iu->val[a++] * iu->val[b++];
		}
		double sigma = 0;
		for (uint64_t x = S->ptr[i]; x < S->ptr[i + 1]; x++)
			sigma += S->val[x];
		double x[NF];
		/* C_ij as the kernel stores it (float) */
		features(S, iu, pl->abs.community, i, e, (float)cij, sigma, x);
		for (int q = 0; q < NF; q++)
			xf[k * NF + q] = (float)x[q];
	}
	/* one call for all of them: XGBoost's fixed cost per call (a
	 * DMatrix, its threads) is most of one edge's TreeSHAP */
	int rc = learn_predict(&pl->filt.model, xf, n, margin, contrib, err);
	xfree(xf);
	return rc;
}

int learn_edge_contrib(const struct pipeline *pl, uint32_t i, uint64_t e,
    double *contrib, double *margin, struct err *err)
{
	return learn_edges_contrib(pl, 1, &i, &e, contrib, margin, err);
}

int learn_filter(struct pipeline *pl, struct filter_out *out,
    struct err *err)
{
	struct learn_set tr = { 0 }, ho = { 0 };
	struct learn_model m;
	const struct params *p = &pl->params;
	struct learn_opts o = {
		(uint64_t)params_int(p, P_FILTER_SEED),
		(int)params_int(p, P_FILTER_TREES),
		(int)params_int(p, P_FILTER_DEPTH),
		(int)params_int(p, P_FILTER_ROUNDS),
		params_real(p, P_FILTER_LEARNING_RATE) };
	memset(&m, 0, sizeof m);
	int rc = learn_data(pl, &tr, &ho, err);
	if (rc == 0 && tr.n == 0)
		rc = err_set(err, ERR_EMPTY, "learned filter: S_fit has no "
		    "edges: lower filter.val_fraction or abstract.threshold");
	if (rc == 0)
		rc = learn_fit(params_enum(p, P_FILTER_MODEL), &tr, &o, &m,
		    err);
	/* until out owns it, m's booster is freed if an allocation fails */
	struct mem_defer df;
	mem_defer_push(&df, learn_model_unwind, &m);
	if (rc == 0)
		rc = score_main(pl, &m, out->score, err);
	mem_defer_pop(&df);
	if (rc == 0) {
		out->model = m;
		out->has_model = true;
		out->holdout = ho;     /* scored by the insight */
		memset(&ho, 0, sizeof ho);
		out->st.n_train_edges = tr.n;
		for (size_t r = 0; r < tr.n; r++)
			out->st.n_train_pos += tr.y[r];
	} else {
		learn_model_free(&m);
	}
	learn_set_destroy(&tr);
	learn_set_destroy(&ho);
	return rc;
}
