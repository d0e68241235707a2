/*
 * distill — fuzz/pipeline.c: the six stages, explanations and the export
 * writers on a fuzzed small log.
 *
 * Input: four control bytes, then the log as tab-separated text (user,
 * item, optional rating and time). The control bytes pick the settings:
 *   c0: abstract.metric (bits 0-2), filter.method (bits 3-4), cluster
 *       none or leiden (bit 5), graph.weighting rating (bit 6);
 *   c1: abstract.topk 0..15 (bits 0-3), abstract.threshold 0..0.07
 *       (bits 4-6);
 *   c2: distill.beta -1..1 (bits 0-3), distill.calibrate 0..0.3
 *       (bits 4-5);
 *   c3: split.method (bits 0-1), graph.min_rating 0..3 (bits 2-3).
 *
 * On a run that succeeds the results must hold what the design promises,
 * else abort():
 *   - every row of S is in (s desc, j asc) order, at most topk long, at
 *     or above the threshold, finite, no self-loop;
 *   - every list has distinct items the user did not train on, with
 *     finite scores in descending order unless calibrated;
 *   - accuracy metrics, coverage and hit rate lie in [0, 1] (or are NaN);
 *   - why on each listed item: the paths' contributions sum to its score;
 *   - whynot runs on an item outside the list;
 *   - export of every stage with a graph writes JSON that parses
 *     (Jansson) and a CSV of one header plus one line per edge;
 *   - every parameter's text reads back as the same value.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explain.h"
#include "fuzz.h"
#include "pipeline.h"

static char dir[64];

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void set(struct pipeline *pl, const char *name, const char *v)
{
	struct err e;
	check(pipeline_set(pl, name, v, &e) == 0);
}

static void configure(struct pipeline *pl, const uint8_t *c)
{
	static const char *const metric[8] = { "cosine", "jaccard", "asym",
		"p3", "rp3", "rp3", "p3", "cosine" };
	static const char *const filter[4] = { "none", "backbone", "ridge",
		"none" };
	static const char *const split[4] = { "random", "none",
		"leave-last", "temporal" };
	char v[32];
	set(pl, "abstract.metric", metric[c[0] & 7]);
	set(pl, "filter.method", filter[(c[0] >> 3) & 3]);
	set(pl, "abstract.cluster", c[0] & 32 ? "leiden" : "none");
	if (c[0] & 64)
		set(pl, "graph.weighting", "rating");
	snprintf(v, sizeof v, "%d", c[1] & 15);
	set(pl, "abstract.topk", v);
	snprintf(v, sizeof v, "%g", ((c[1] >> 4) & 7) * 0.01);
	set(pl, "abstract.threshold", v);
	snprintf(v, sizeof v, "%g", ((c[2] & 15) - 8) * 0.125);
	set(pl, "distill.beta", v);
	snprintf(v, sizeof v, "%g", ((c[2] >> 4) & 3) * 0.1);
	set(pl, "distill.calibrate", v);
	set(pl, "split.method", split[c[3] & 3]);
	snprintf(v, sizeof v, "%d", (c[3] >> 2) & 3);
	set(pl, "graph.min_rating", v);
	set(pl, "split.validation", "0.2");
}

static void check_S(const struct pipeline *pl)
{
	const struct csr *S = &pl->abs.S;
	long topk = params_int(&pl->params, P_ABSTRACT_TOPK);
	double thr = params_real(&pl->params, P_ABSTRACT_THRESHOLD);
	for (uint32_t i = 0; i < S->nrows; i++) {
		uint64_t a = S->ptr[i], b = S->ptr[i + 1];
		check(topk == 0 || b - a <= (uint64_t)topk);
		for (uint64_t e = a; e < b; e++) {
			check(S->idx[e] < S->ncols && S->idx[e] != i);
			check(isfinite(S->val[e]) && S->val[e] >= thr);
			check(e == a || S->val[e - 1] > S->val[e] ||
			    (S->val[e - 1] == S->val[e] &&
			    S->idx[e - 1] < S->idx[e]));
		}
	}
}

static bool trained(const struct csr *ui, uint32_t u, uint32_t j)
{
	for (uint64_t e = ui->ptr[u]; e < ui->ptr[u + 1]; e++)
		if (ui->idx[e] == j)
			return true;
	return false;
}

static void check_lists(struct pipeline *pl)
{
	const struct rec_out *r = &pl->rec;
	bool calibrated = params_real(&pl->params, P_DISTILL_CALIBRATE) > 0;
	int whys = 0;
	for (uint32_t u = 0; u < r->n_users; u++) {
		const uint32_t *it = r->items + (size_t)u * r->L;
		const float *sc = r->scores + (size_t)u * r->L;
		check(r->len[u] <= r->L);
		for (uint32_t k = 0; k < r->len[u]; k++) {
			check(it[k] < pl->ds->items.n && isfinite(sc[k]));
			check(!trained(&pl->graph.ui, u, it[k]));
			for (uint32_t q = 0; q < k; q++)
				check(it[q] != it[k]);
			check(calibrated || k == 0 || sc[k - 1] >= sc[k]);
		}
		if (r->len[u] == 0 || whys >= 3)
			continue;
		/* why: the paths sum to the score */
		struct why_out w;
		struct err e;
		whys++;
		if (explain_why(pl, u, it[0], &w, &e) == 0) {
			double sum = 0;
			for (size_t p = 0; p < w.npaths; p++)
				sum += w.paths[p].contrib;
			check(fabs(sum - w.score) <=
			    1e-6 * fmax(1, fabs(w.score)));
			why_out_destroy(&w);
		}
		/* whynot on an item outside the list */
		struct whynot_out wn;
		uint32_t j = (it[0] + 1) % pl->ds->items.n;
		if (explain_whynot(pl, u, j, &wn, &e) == 0)
			whynot_out_destroy(&wn);
	}
	const struct eval_result *ev = &r->ev;
	for (int q = 0; q < ev->nk; q++)
		for (int m = 0; m < METRIC__COUNT; m++) {
			const char *n = metric_defs[m].name;
			double v = metric_of(&ev->row[q], m);
			bool unit = strcmp(n, "novelty") && strcmp(n, "arp") &&
			    strcmp(n, "ile");
			check(isnan(v) || (v >= 0 && (!unit || v <= 1 + 1e-12)));
		}
}

/* Lines of a file. */
static long lines(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = 0;
	int ch;
	check(f != NULL);
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

static void check_exports(struct pipeline *pl)
{
	static const enum stage st[] = { STAGE_GRAPH, STAGE_ABSTRACT,
		STAGE_FILTER, STAGE_DISTILL };
	const struct csr *m[] = { &pl->graph.ui, &pl->abs.S, &pl->filt.B,
		&pl->dist.A };
	char path[128];
	struct err e;
	for (size_t k = 0; k < sizeof st / sizeof *st; k++) {
		snprintf(path, sizeof path, "%s/x.json", dir);
		if (export_stage(pl, st[k], path, "json", &e) == 0) {
			json_error_t je;
			json_t *j = json_load_file(path, 0, &je);
			check(j != NULL);
			json_decref(j);
		}
		snprintf(path, sizeof path, "%s/x.csv", dir);
		if (export_stage(pl, st[k], path, "csv", &e) == 0)
			check(lines(path) == 1 + (long)m[k]->nnz);
		snprintf(path, sizeof path, "%s/x.graphml", dir);
		export_stage(pl, st[k], path, "graphml", &e);
	}
}

/* Every parameter's text reads back as the value it came from. */
static void check_params(const struct params *p)
{
	struct params q;
	params_init(&q);
	for (int id = 0; id < P__COUNT; id++) {
		char a[256], b[256];
		struct err e;
		params_format(p, id, a, sizeof a);
		if (strcmp(a, "given") == 0)
			continue;       /* needs a validation file loaded */
		check(params_set_id(&q, id, a, &e) == 0);
		params_format(&q, id, b, sizeof b);
		check(strcmp(a, b) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4 || size > 8192)
		return 0;
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/fuzz-pipeline-XXXXXX");
		check(mkdtemp(dir) != NULL);
	}
	char path[64];
	int fd = fuzz_memfd("log.tsv", data + 4, size - 4, path, sizeof path);
	check(fd >= 0);
	struct pipeline pl;
	struct err e;
	struct load_opts lo = { .format = FMT_TSV };
	bool ran = false;
	pipeline_init(&pl);
	err_clear(&e);
	if (pipeline_load(&pl, path, &lo, &e) == 0) {
		configure(&pl, data);
		check_params(&pl.params);
		if (pipeline_run(&pl, STAGE_RECOMMEND, &e) == 0) {
			check_S(&pl);
			check_lists(&pl);
			check_exports(&pl);
			ran = true;
		} else {
			check(e.msg[0] != '\0');
		}
	} else {
		check(e.msg[0] != '\0');
	}
	/* FUZZ_VERBOSE=1: say how far an input got (to check the seeds) */
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "pipeline: %s: %u users, S %llu edges\n",
		    ran ? "every stage ran" : e.msg,
		    pl.ds ? pl.ds->users.n : 0,
		    (unsigned long long)pl.abs.S.nnz);
	pipeline_destroy(&pl);
	close(fd);
	return 0;
}
