/*
 * distill — bench-load.c: time dataset_load() on one file.
 *
 *   bench-load [-n RUNS] [-f FORMAT] [-t TEST] FILE
 *
 * Loads FILE RUNS times (default 3) and prints the best and mean wall
 * time, MB/s and interactions/s of the best run, the counts, and the peak
 * resident set size (getrusage ru_maxrss) in bytes per interaction. The
 * peak includes the process baseline (a few MB), so it is an upper bound.
 * It also prints the best CPU time (CLOCK_PROCESS_CPUTIME_ID): on a busy
 * machine wall time includes waiting for a core, CPU time does not.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "dataset.h"

/* CPU time of the process in milliseconds. */
static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct load_opts o = { 0 };
	int runs = 3, c;
	util_huge_heap(argv);   /* as distill does */
	util_tune_malloc();
	while ((c = getopt(argc, argv, "n:f:t:")) != -1) {
		switch (c) {
		case 'n': runs = atoi(optarg); break;
		case 'f': o.format = (enum format)format_lookup(optarg); break;
		case 't': o.test_path = optarg; break;
		default:
			fprintf(stderr, "usage: bench-load [-n RUNS] "
			    "[-f FORMAT] [-t TEST] FILE\n");
			return 2;
		}
	}
	if (optind != argc - 1 || runs < 1 || (int)o.format < 0) {
		fprintf(stderr, "usage: bench-load [-n RUNS] [-f FORMAT] "
		    "[-t TEST] FILE\n");
		return 2;
	}
	const char *path = argv[optind];
	double best = 1e300, sum = 0, cbest = 1e300;
	struct dataset ds;
	struct err err;
	for (int r = 0; r < runs; r++) {
		double t0 = util_now_ms(), c0 = cpu_ms();
		if (dataset_load(&ds, path, &o, NULL, &err) < 0) {
			fprintf(stderr, "bench-load: %s\n", err.msg);
			return 1;
		}
		double ms = util_now_ms() - t0, cms = cpu_ms() - c0;
		if (cms < cbest)
			cbest = cms;
		sum += ms;
		if (ms < best)
			best = ms;
		if (r + 1 < runs)
			dataset_destroy(&ds);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double peak = (double)ru.ru_maxrss * 1024;
	printf("file         %s (%s)\n", path, format_name(ds.format));
	printf("cores        %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
	printf("bytes        %zu\n", ds.bytes);
	printf("users/items  %u / %u\n", ds.users.n, ds.items.n);
	printf("interactions %zu (duplicates merged: %zu)\n", ds.n,
	    ds.n_duplicates);
	printf("time         best %.1f ms, mean %.1f ms over %d runs\n", best,
	    sum / runs, runs);
	printf("speed        %.0f MB/s, %.2f M interactions/s\n",
	    ds.bytes / 1e6 / (best / 1e3), ds.n / 1e6 / (best / 1e3));
	printf("cpu time     best %.1f ms = %.0f MB/s\n", cbest,
	    ds.bytes / 1e6 / (cbest / 1e3));
	printf("peak RSS     %.1f MB = %.1f bytes/interaction\n", peak / 1e6,
	    ds.n ? peak / ds.n : 0);
	dataset_destroy(&ds);
	return 0;
}
