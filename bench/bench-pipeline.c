/*
 * distill — bench-pipeline.c: time the whole pipeline with evaluation on a
 * loaded dataset, the insight computed after it (statistics, components,
 * communities), the re-evaluation after a change of each parameter given
 * with -c (default: abstract.threshold, abstract.topk, filter.alpha,
 * distill.beta: what the TUI does on a key press; -r runs of each, min,
 * median, max), why on -w users and whynot on up to 10 of them (the
 * item at the end of their list, outside the top-N). Prints each figure,
 * the per-stage times, NDCG@10, the peak RSS and the core count.
 *
 *   bench-pipeline [-s name=value]... [-c name[=value]]... [-r REPS]
 *                  [-w WHYS] [-t TEST] [-v VALID] [-T] [-I] [-F] TRAIN
 *
 * -I skips the insight (after the full run, and after each change: the
 * background work the TUI starts once the new metrics are on screen).
 * -T (tune): grid-search RP3β (abstract.alpha, beta, topk) and item-kNN
 * (topk, shrink) on the validation split, then report the best settings'
 * test NDCG@10 through eval_test (fit on all of train).
 * -F (floor): after the full run, the bare arithmetic of its two kernels
 * on the pipeline's own matrices, as a lower bound for the stages that
 * run them: the co-occurrence's Σ_u deg(u)² multiply-adds (abstract),
 * and A×B's (recommend) alone and with one read of every score. No
 * metric, threshold, selection, touched list or evaluation: what those
 * stages cannot go below with these matrices on this machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "explain.h"

static void die(const char *what, const struct err *e)
{
	fprintf(stderr, "bench-pipeline: %s: %s\n", what, e->msg);
	exit(1);
}

static void set(struct pipeline *pl, const char *name, const char *value)
{
	struct err e;
	if (pipeline_set(pl, name, value, &e) < 0)
		die(name, &e);
}

static double run(struct pipeline *pl)
{
	struct err e;
	double t0 = util_now_ms();
	if (pipeline_run(pl, STAGE_RECOMMEND, &e) < 0)
		die("run", &e);
	return util_now_ms() - t0;
}

static double ndcg10(const struct eval_result *ev)
{
	for (int q = 0; q < ev->nk; q++)
		if (ev->row[q].k == 10)
			return ev->row[q].ndcg;
	return ev->nk ? ev->row[0].ndcg : 0;
}

static void stages(const struct pipeline *pl)
{
	printf("  stages:");
	for (int s = 0; s < STAGE__COUNT; s++)
		printf(" %s %.1f ms%s", stage_name(s), pl->ms[s],
		    s + 1 < STAGE__COUNT ? "," : "\n");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Read and clear acc at the columns of M's rows rows[lo .. hi) (rows
 * past M's skipped), as a selection would read them; their largest. */
static double take_rows(double *acc, const struct csr *M,
    const uint32_t *rows, uint64_t lo, uint64_t hi)
{
	double m = 0;
	for (uint64_t x = lo; x < hi; x++) {
		uint32_t r = rows[x];
		if (r >= M->nrows)
			continue;
		for (uint64_t e = M->ptr[r]; e < M->ptr[r + 1]; e++) {
			double v = acc[M->idx[e]];
			m = v > m ? v : m;
			acc[M->idx[e]] = 0;
		}
	}
	return m;
}

/* The kernels' bare arithmetic (-F), each reps times; prints medians. */
static void floor_kernels(const struct pipeline *pl, int reps)
{
	const struct csr *ui = &pl->graph.ui, *iu = &pl->graph.iu;
	const struct csr *A = &pl->dist.A, *B = &pl->filt.B;
	uint32_t n = iu->nrows;
	double t[3][64], sink = 0;
	uint64_t cooc = 0, prod = 0;
	if (reps > 64)
		reps = 64;
	for (uint32_t u = 0; u < ui->nrows; u++) {
		uint64_t d = ui->ptr[u + 1] - ui->ptr[u];
		cooc += d * d;
		if (u < A->nrows)
			for (uint64_t k = A->ptr[u]; k < A->ptr[u + 1]; k++)
				if (A->idx[k] < B->nrows)
					prod += B->ptr[A->idx[k] + 1] -
					    B->ptr[A->idx[k]];
	}
	for (int r = 0; r < reps; r++) {
		/* co-occurrence: row i's sums, then clearing what they
		 * touched (the row's walks once more) */
		double t0 = util_now_ms();
		#pragma omp parallel reduction(+:sink)
		{
			double *acc = xcalloc(n ? n : 1, sizeof *acc);
			#pragma omp for schedule(dynamic, 64)
			for (int64_t i = 0; i < (int64_t)n; i++) {
				for (uint64_t a = iu->ptr[i]; a < iu->ptr[i + 1];
				    a++) {
					uint32_t u = iu->idx[a];
					double v = iu->val[a];
					for (uint64_t b = ui->ptr[u];
					    b < ui->ptr[u + 1]; b++)
						acc[ui->idx[b]] += v *
						    ui->val[b];
				}
				sink += take_rows(acc, ui, iu->idx, iu->ptr[i],
				    iu->ptr[i + 1]);
			}
			xfree(acc);
		}
		/* scoring: A_u×B with rec_ws_score's prefetch, then (t[2])
		 * one read and clear of every score through B's rows */
		for (int rd = 0; rd < 2; rd++) {
			double t1 = util_now_ms();
			#pragma omp parallel reduction(+:sink)
			{
				double *acc = xcalloc(n ? n : 1, sizeof *acc);
				#pragma omp for schedule(dynamic, 64)
				for (int64_t u = 0; u < (int64_t)A->nrows; u++) {
					uint64_t ke = A->ptr[u + 1];
					for (uint64_t k = A->ptr[u]; k < ke; k++) {
						uint32_t i = A->idx[k];
						double a = A->val[k];
						if (i >= B->nrows)
							continue;
						if (k + 1 < ke &&
						    A->idx[k + 1] < B->nrows) {
							uint64_t nb = B->ptr[
							    A->idx[k + 1]];
							uint64_t nl = B->ptr[
							    A->idx[k + 1] + 1] - nb;
							for (uint64_t l = 0; l < nl &&
							    l < 256; l += 16) {
								__builtin_prefetch(
								    B->idx + nb + l);
								__builtin_prefetch(
								    B->val + nb + l);
							}
						}
						for (uint64_t e = B->ptr[i];
						    e < B->ptr[i + 1]; e++)
							acc[B->idx[e]] += a *
							    B->val[e];
					}
					if (rd)
						sink += take_rows(acc, B, A->idx,
						    A->ptr[u], ke);
				}
				xfree(acc);
			}
			t[1 + rd][r] = util_now_ms() - t1;
		}
		t[0][r] = util_now_ms() - t0 - t[1][r] - t[2][r];
	}
	for (int q = 0; q < 3; q++)
		qsort(t[q], (size_t)reps, sizeof t[q][0], cmp_double);
	printf("floor (bare kernels on these matrices, median of %d; %s):\n"
	    "  co-occurrence %.1f ms (%.3g multiply-adds, then clearing)\n"
	    "  scoring A x B %.1f ms (%.3g multiply-adds), with one read of "
	    "every score %.1f ms\n", reps, sink != 0 ? "run" : "empty",
	    t[0][reps / 2], (double)cooc, t[1][reps / 2], (double)prod,
	    t[2][reps / 2]);
}

/* Best validation NDCG@10 over a grid, then its test NDCG@10. */
static void tune(struct pipeline *pl, const char *metric,
    const char *const *pa, const char *const *pb, const char *const *pk,
    const char *na, const char *nb)
{
	struct err e;
	double best = -1;
	char ba[32] = "", bb[32] = "", bk[32] = "";
	set(pl, "abstract.metric", metric);
	for (const char *const *k = pk; *k; k++)
		for (const char *const *a = pa; *a; a++)
			for (const char *const *b = pb; *b; b++) {
				set(pl, "abstract.topk", *k);
				set(pl, na, *a);
				set(pl, nb, *b);
				run(pl);
				double v = ndcg10(&pl->rec.ev);
				if (v > best) {
					best = v;
					snprintf(ba, sizeof ba, "%s", *a);
					snprintf(bb, sizeof bb, "%s", *b);
					snprintf(bk, sizeof bk, "%s", *k);
				}
			}
	set(pl, "abstract.topk", bk);
	set(pl, na, ba);
	set(pl, nb, bb);
	run(pl);
	struct eval_result t;
	if (eval_test(pl, &t, &e) < 0)
		die("eval --test", &e);
	printf("tuned %-7s %s=%s %s=%s topk=%s: valid NDCG@10 %.4f, test "
	    "NDCG@10 %.4f (P %.4f R %.4f)\n", metric, na, ba, nb, bb, bk, best,
	    ndcg10(&t), t.row[0].precision, t.row[0].recall);
}


/* "min X median Y max Z ms" of n samples (sorted in place). */
static void spread(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	printf("min %.1f median %.1f max %.1f ms", v[0], v[n / 2], v[n - 1]);
}

/* The default change of a parameter: a small step from its value. */
static void default_step(const struct pipeline *pl, const char *name,
    char *buf, size_t n)
{
	char cur[64];
	int id = params_lookup(name);
	params_format(&pl->params, id, cur, sizeof cur);
	double v = atof(cur);
	if (strcmp(name, "abstract.threshold") == 0)
		snprintf(buf, n, "%g", v + 1e-5);
	else if (strcmp(name, "abstract.topk") == 0)
		snprintf(buf, n, "%ld", (long)(v * 0.9));
	else if (strcmp(name, "distill.beta") == 0 ||
	    strcmp(name, "distill.calibrate") == 0)
		snprintf(buf, n, "%g", v + 0.05);
	else
		snprintf(buf, n, "%g", v * 0.9);
}

/*
 * A change as the TUI makes it on a key press: set, re-run from the
 * parameter's stage, re-evaluate every user. Alternates between the new
 * and the old value `reps` times (each run starts from a fresh result of
 * the other value) and reports the spread of both directions: for the
 * selection parameters one is a tightening, the other a loosening.
 */
static void measure_change(struct pipeline *pl, const char *spec, int reps,
    bool insight)
{
	char name[64], to[64], from[64];
	const char *eq = strchr(spec, '=');
	snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - spec) :
	    (int)strlen(spec), spec);
	int id = params_lookup(name);
	if (id < 0) {
		fprintf(stderr, "bench-pipeline: unknown parameter %s\n", name);
		exit(2);
	}
	params_format(&pl->params, id, from, sizeof from);
	if (eq)
		snprintf(to, sizeof to, "%s", eq + 1);
	else
		default_step(pl, name, to, sizeof to);
	double t[64], back[64], ins[64], st[STAGE__COUNT][64];
	double nd = 0;
	unsigned nc = 0;
	int n = reps < 64 ? reps : 64, first = STAGE__COUNT;
	for (int r = 0; r < n; r++) {
		set(pl, name, to);
		first = pipeline_first_stale(pl);
		t[r] = run(pl);
		for (int s = first; s < STAGE__COUNT; s++)
			st[s][r] = pl->ms[s];
		nd = ndcg10(&pl->rec.ev);
		double t0 = util_now_ms();
		struct err e;
		if (insight && pipeline_insight_all(pl, &e) < 0)
			die("insight", &e);
		ins[r] = util_now_ms() - t0;
		nc = pl->abs.st.n_communities;
		set(pl, name, from);
		back[r] = run(pl);
	}
	printf("change %s %s -> %s + re-evaluation: ", name, from, to);
	spread(t, n);
	printf(" (NDCG@10 %.4f)\n", nd);
	/* where the time goes: the medians of the stages it re-ran */
	printf("  stages re-run, medians:");
	for (int s = first; s < STAGE__COUNT; s++) {
		qsort(st[s], n, sizeof *st[s], cmp_double);
		printf(" %s %.1f ms%s", stage_name(s), st[s][n / 2],
		    s + 1 < STAGE__COUNT ? "," : "\n");
	}
	if (insight) {
		printf("  insight after it: ");
		spread(ins, n);
		printf(" (%u communities)\n", nc);
	}
	printf("change %s %s -> %s + re-evaluation: ", name, to, from);
	spread(back, n);
	printf("\n");
}

static double time_why(struct pipeline *pl, uint32_t u)
{
	struct why_out w;
	struct err e;
	double t0 = util_now_ms();
	if (explain_why(pl, u, pl->rec.items[(size_t)u * pl->rec.L], &w,
	    &e) < 0)
		die("why", &e);
	double t = util_now_ms() - t0;
	why_out_destroy(&w);
	return t;
}

/* why on `n` users spread over the data, each on their first
 * recommendation (the TUI's explanation of the selected row), then on
 * the five users with the longest histories: a why costs O(its paths),
 * so they are its worst case. */
static void measure_why(struct pipeline *pl, int n)
{
	double t[64];
	int k = 0;
	uint32_t U = pl->rec.n_users;
	for (int x = 0; x < n && x < 64; x++) {
		uint32_t u = (uint32_t)((uint64_t)U * (uint64_t)x / (uint64_t)n);
		if (pl->rec.len[u] > 0)
			t[k++] = time_why(pl, u);
	}
	if (k == 0)
		return;
	printf("why on %d users (their first item): ", k);
	spread(t, k);
	printf("\n");
	uint32_t heavy[5] = { 0 };
	int nh = 0;
	const struct csr *A = &pl->dist.A;
	for (uint32_t u = 0; u < U && u < A->nrows; u++) {
		if (pl->rec.len[u] == 0)
			continue;
		uint64_t len = csr_row_len(A, u);
		if (nh == 5 && len <= csr_row_len(A, heavy[4]))
			continue;
		int at = nh < 5 ? nh++ : 4;
		for (; at > 0 && csr_row_len(A, heavy[at - 1]) < len; at--)
			heavy[at] = heavy[at - 1];
		heavy[at] = u;
	}
	for (int x = 0; x < nh; x++)
		t[x] = time_why(pl, heavy[x]);
	printf("why on the %d heaviest users (%llu..%llu items): ", nh,
	    (unsigned long long)csr_row_len(A, heavy[nh - 1]),
	    (unsigned long long)csr_row_len(A, heavy[0]));
	spread(t, nh);
	printf("\n");
}

/* whynot on `n` users spread over the data, each on the last item of
 * their list (rank L): with rec.n below L it ranks outside the top-N, so
 * whynot searches its fixes (distill.beta steps, and a larger top-k for
 * each cut relation), the most it ever does. */
static void measure_whynot(struct pipeline *pl, int n)
{
	double t[64];
	int k = 0;
	uint32_t U = pl->rec.n_users, L = pl->rec.L;
	if (params_int(&pl->params, P_REC_N) >= (long)L)
		return;   /* every listed item is in the top-N */
	for (int x = 0; x < n && x < 64; x++) {
		uint32_t u = (uint32_t)((uint64_t)U * (uint64_t)x / (uint64_t)n);
		if (pl->rec.len[u] < L)
			continue;
		struct whynot_out w;
		struct err e;
		double t0 = util_now_ms();
		if (explain_whynot(pl, u, pl->rec.items[(size_t)u * L + L - 1],
		    &w, &e) < 0)
			die("whynot", &e);
		t[k++] = util_now_ms() - t0;
		whynot_out_destroy(&w);
	}
	if (k == 0)
		return;
	printf("whynot on %d users (their item at rank %u): ", k, L);
	spread(t, k);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct load_opts lo = { 0 };
	struct pipeline pl;
	struct err e;
	const char *sets[64], *changes[64];
	int nsets = 0, nchanges = 0, dotune = 0, reps = 5, nwhy = 20, c;
	bool noinsight = false, dofloor = false;
	util_huge_heap(argv);   /* as distill does */
	util_tune_malloc();
	while ((c = getopt(argc, argv, "s:c:r:w:t:v:TIF")) != -1) {
		if (c == 's' && nsets < 64)
			sets[nsets++] = optarg;
		else if (c == 'c' && nchanges < 64)
			changes[nchanges++] = optarg;
		else if (c == 'r')
			reps = atoi(optarg) > 0 ? atoi(optarg) : 1;
		else if (c == 'w')
			nwhy = atoi(optarg);
		else if (c == 't')
			lo.test_path = optarg;
		else if (c == 'v')
			lo.valid_path = optarg;
		else if (c == 'T')
			dotune = 1;
		else if (c == 'I')
			noinsight = true;
		else if (c == 'F')
			dofloor = true;
		else
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: bench-pipeline [-s name=value]... "
		    "[-c name[=value]]... [-r REPS] [-w WHYS] [-t TEST] "
		    "[-v VALID] [-T] [-I] [-F] TRAIN\n");
		return 2;
	}
	pipeline_init(&pl);
	double t0 = util_now_ms();
	if (pipeline_load(&pl, argv[optind], &lo, &e) < 0)
		die("load", &e);
	printf("dataset %s: %zu interactions, load %.0f ms (not counted)\n",
	    argv[optind], pl.ds->n, util_now_ms() - t0);
	for (int k = 0; k < nsets; k++) {
		char *eq = strchr(sets[k], '=');
		if (!eq)
			return 2;
		*eq = '\0';
		set(&pl, sets[k], eq + 1);
	}
	double full = run(&pl);
	printf("full pipeline + evaluation: %.1f ms (%u users evaluated, "
	    "NDCG@10 %.4f)\n", full, pl.rec.ev.n_users, ndcg10(&pl.rec.ev));
	stages(&pl);
	if (dofloor)
		floor_kernels(&pl, reps);
	/* insight: what the TUI computes in the background afterwards */
	t0 = util_now_ms();
	if (!noinsight && pipeline_insight_all(&pl, &e) < 0)
		die("insight", &e);
	if (!noinsight)
		printf("insight (statistics, components, communities) after "
		    "it: %.1f ms (%u communities)\n", util_now_ms() - t0,
		    pl.abs.st.n_communities);
	static const char *const dflt[] = { "abstract.threshold",
		"abstract.topk", "filter.alpha", "distill.beta" };
	if (nchanges == 0)
		for (size_t k = 0; k < sizeof dflt / sizeof *dflt; k++)
			changes[nchanges++] = dflt[k];
	for (int k = 0; k < nchanges; k++)
		measure_change(&pl, changes[k], reps, !noinsight);
	if (nwhy > 0) {
		measure_why(&pl, nwhy);
		measure_whynot(&pl, nwhy < 10 ? nwhy : 10);
	}
	if (dotune) {
		static const char *const ra[] = { "0.4", "0.6", "0.8", "1", 0 };
		static const char *const rb[] = { "0.1", "0.2", "0.3", "0.4",
			0 };
		static const char *const rk[] = { "50", "100", "200", 0 };
		static const char *const ks[] = { "0", "10", "50", 0 };
		static const char *const kk[] = { "50", "100", "200", "400",
			0 };
		static const char *const one[] = { "1", 0 };
		set(&pl, "filter.method", "none");
		set(&pl, "abstract.threshold", "0");
		tune(&pl, "rp3", ra, rb, rk, "abstract.alpha",
		    "abstract.beta");
		tune(&pl, "cosine", ks, one, kk, "abstract.shrink",
		    "distill.alpha");
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	int cores = 1;
#ifdef _OPENMP
	cores = omp_get_max_threads();
#endif
	printf("peak RSS %.1f MB, cores %ld online, %d OpenMP threads\n",
	    ru.ru_maxrss / 1024.0, sysconf(_SC_NPROCESSORS_ONLN), cores);
	pipeline_destroy(&pl);
	return 0;
}
