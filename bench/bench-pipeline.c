/*
 * distill — bench-pipeline.c: time the whole pipeline with evaluation on a
 * loaded dataset, and the re-evaluation after a change of
 * abstract.threshold and of filter.alpha (what the TUI does on a key
 * press). Prints each figure, the per-stage times, NDCG@10, the peak RSS
 * and the core count.
 *
 *   bench-pipeline [-s name=value]... [-t TEST] [-v VALID] [--tune] TRAIN
 *
 * --tune: grid-search RP3β (abstract.alpha, beta, topk) and item-kNN
 * (topk, shrink) on the validation split, then report the best settings'
 * test NDCG@10 through eval_test (fit on all of train).
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

int main(int argc, char **argv)
{
	struct load_opts lo = { 0 };
	struct pipeline pl;
	struct err e;
	const char *sets[64];
	int nsets = 0, dotune = 0, c;
	while ((c = getopt(argc, argv, "s:t:v:T")) != -1) {
		if (c == 's' && nsets < 64)
			sets[nsets++] = optarg;
		else if (c == 't')
			lo.test_path = optarg;
		else if (c == 'v')
			lo.valid_path = optarg;
		else if (c == 'T')
			dotune = 1;
		else
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: bench-pipeline [-s name=value]... "
		    "[-t TEST] [-v VALID] [-T] TRAIN\n");
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
	char buf[64];
	params_format(&pl.params, P_ABSTRACT_THRESHOLD, buf, sizeof buf);
	double th = atof(buf);
	snprintf(buf, sizeof buf, "%g", th + 1e-5);
	set(&pl, "abstract.threshold", buf);
	double cth = run(&pl);
	printf("change abstract.threshold -> %s + re-evaluation: %.1f ms "
	    "(NDCG@10 %.4f)\n", buf, cth, ndcg10(&pl.rec.ev));
	stages(&pl);
	params_format(&pl.params, P_FILTER_ALPHA, buf, sizeof buf);
	snprintf(buf, sizeof buf, "%g", atof(buf) * 0.9);
	set(&pl, "filter.alpha", buf);
	double cfa = run(&pl);
	printf("change filter.alpha -> %s + re-evaluation: %.1f ms "
	    "(NDCG@10 %.4f)\n", buf, cfa, ndcg10(&pl.rec.ev));
	stages(&pl);
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
