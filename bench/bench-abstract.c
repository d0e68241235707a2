/*
 * distill — bench-abstract.c: time the abstract and filter stages on a
 * loaded dataset.
 *
 *   bench-abstract [-n RUNS] [-s name=value]... TRAIN [TEST]
 *
 * Loads TRAIN (and TEST as the given test split), runs the pipeline up to
 * the graph stage with eval.target=test (fit = all of train), then times
 * abstract_run (best of RUNS) and filter_run for each filter.method, and
 * prints the figures and the statistics that explain them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "abstract.h"

static double time_abstract(struct pipeline *pl, int runs)
{
	double best = 1e300;
	struct err e;
	for (int r = 0; r < runs; r++) {
		struct abstract_out o;
		memset(&o, 0, sizeof o);
		double t0 = util_now_ms();
		if (abstract_run(pl, &o, &e) < 0) {
			fprintf(stderr, "abstract: %s\n", e.msg);
			exit(1);
		}
		double t = util_now_ms() - t0;
		best = t < best ? t : best;
		if (r == runs - 1) {
			abstract_out_destroy(&pl->abs);
			pl->abs = o;
		} else {
			abstract_out_destroy(&o);
		}
	}
	return best;
}

static void time_filter(struct pipeline *pl, const char *method)
{
	struct err e;
	struct filter_out f;
	memset(&f, 0, sizeof f);
	pipeline_set(pl, "filter.method", method, &e);
	double t0 = util_now_ms();
	if (filter_run(pl, &f, &e) < 0) {
		fprintf(stderr, "filter %s: %s\n", method, e.msg);
		filter_out_destroy(&f);
		return;
	}
	printf("filter %-8s %8.1f ms  kept %llu removed %llu  reach loss "
	    "mean %.3f max %.3f  auc %.4f train %llu (pos %llu)\n", method,
	    util_now_ms() - t0, (unsigned long long)f.st.kept,
	    (unsigned long long)f.st.removed, f.st.mean_reach_loss,
	    f.st.max_reach_loss, f.st.auc,
	    (unsigned long long)f.st.n_train_edges,
	    (unsigned long long)f.st.n_train_pos);
	filter_out_destroy(&f);
}

int main(int argc, char **argv)
{
	struct pipeline pl;
	struct load_opts o = { 0 };
	struct err e;
	int runs = 3, c, nset = 0;
	char *set[32];
	pipeline_init(&pl);
	while ((c = getopt(argc, argv, "n:s:")) != -1) {
		if (c == 'n')
			runs = atoi(optarg);
		else if (c == 's' && strchr(optarg, '=') && nset < 32)
			set[nset++] = optarg;
		else {
			fprintf(stderr, "usage: bench-abstract [-n RUNS] "
			    "[-s name=value]... TRAIN [TEST]\n");
			return 2;
		}
	}
	if (optind >= argc)
		return 2;
	o.test_path = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (pipeline_load(&pl, argv[optind], &o, &e) < 0)
		return fprintf(stderr, "%s\n", e.msg), 1;
	for (int x = 0; x < nset; x++) {
		char *eq = strchr(set[x], '=');
		*eq = '\0';
		if (pipeline_set(&pl, set[x], eq + 1, &e) < 0)
			return fprintf(stderr, "%s\n", e.msg), 2;
	}
	if (pipeline_set(&pl, "eval.target", "test", &e) < 0 ||
	    pipeline_run(&pl, STAGE_GRAPH, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
#ifdef _OPENMP
	int nth = omp_get_max_threads();
#else
	int nth = 1;
#endif
	printf("threads %d  users %u items %u fit pairs %llu\n", nth,
	    pl.graph.ui.nrows, pl.graph.ui.ncols,
	    (unsigned long long)pl.graph.ui.nnz);
	double t = time_abstract(&pl, runs);
	const struct abstract_stats *st = &pl.abs.st;
	printf("abstract %.1f ms (best of %d)  candidates %llu kept %llu "
	    "communities %u modularity %.3f clustering %.3f\n", t, runs,
	    (unsigned long long)st->candidate_pairs,
	    (unsigned long long)st->kept_edges, st->n_communities,
	    st->modularity, st->clustering);
	time_filter(&pl, "none");
	time_filter(&pl, "backbone");
	time_filter(&pl, "learned");
	pipeline_destroy(&pl);
	return 0;
}
