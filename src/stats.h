/*
 * distill — stats.h: distribution summaries and histograms used by the
 * statistics of every stage (degrees, similarities, information weights).
 */
#ifndef DISTILL_STATS_H
#define DISTILL_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dist_summary {
	uint64_t n;           /* values summarised */
	double min, median, mean, max;
	double gini;          /* Gini coefficient of the values (0 = equal) */
	double top1_share;    /* share of the total held by the top 1% */
	double top20_share;   /* share of the total held by the top 20% */
};

#define HIST_MAX 40

struct histogram {
	int nbins;
	bool log_bins;              /* edges are powers of two */
	double edge[HIST_MAX + 1];  /* bin b is [edge[b], edge[b+1]) */
	uint64_t count[HIST_MAX];
	double marker;              /* a value to mark (threshold), NAN none */
};

/* Summarise x[0..n) (copied and sorted internally). n may be 0. */
void stats_summarize(const double *x, size_t n, struct dist_summary *out);
/* Same for integer degrees. */
void stats_summarize_u32(const uint32_t *x, size_t n,
    struct dist_summary *out);
/* Log2-binned histogram of positive integers ([1,2), [2,4), …); zeros are
 * counted in bin 0 edge [0,1) when present. */
void stats_hist_log2(const uint32_t *x, size_t n, struct histogram *h);
/* Linear histogram of x over [lo, hi] with nbins bins (<= HIST_MAX). */
void stats_hist_linear(const float *x, size_t n, double lo, double hi,
    int nbins, struct histogram *h);

#endif
