/*
 * distill — stats.c: summaries (min/median/mean/max, Gini, head shares)
 * and histograms.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sum of the largest ceil(frac*n) values of sorted-ascending x. */
static double head_sum(const double *x, size_t n, double frac)
{
	size_t k = (size_t)ceil(frac * (double)n);
	double s = 0;
	for (size_t i = 0; i < k && i < n; i++)
		s += x[n - 1 - i];
	return s;
}

static void summarize_sorted(double *x, size_t n, struct dist_summary *o)
{
	memset(o, 0, sizeof *o);
	o->n = n;
	if (n == 0)
		return;
	double sum = 0, weighted = 0;
	for (size_t i = 0; i < n; i++) {
		sum += x[i];
		weighted += (double)(i + 1) * x[i];
	}
	o->min = x[0];
	o->max = x[n - 1];
	o->mean = sum / (double)n;
	o->median = n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
	/* Gini for sorted values: (2 Σ i x_i)/(n Σ x) − (n+1)/n. */
	o->gini = sum > 0 ? 2 * weighted / ((double)n * sum) -
	    ((double)n + 1) / (double)n : 0;
	o->top1_share = sum > 0 ? head_sum(x, n, 0.01) / sum : 0;
	o->top20_share = sum > 0 ? head_sum(x, n, 0.20) / sum : 0;
}

void stats_summarize(const double *x, size_t n, struct dist_summary *out)
{
	double *c = xmalloc((n ? n : 1) * sizeof *c);
	if (n)
		memcpy(c, x, n * sizeof *c);
	qsort(c, n, sizeof *c, cmp_double);
	summarize_sorted(c, n, out);
	xfree(c);
}

void stats_summarize_u32(const uint32_t *x, size_t n,
    struct dist_summary *out)
{
	/* Counting sort would be faster, but degrees are at most a few
	 * hundred thousand values and this runs once per stage. */
	double *c = xmalloc((n ? n : 1) * sizeof *c);
	for (size_t i = 0; i < n; i++)
		c[i] = x[i];
	qsort(c, n, sizeof *c, cmp_double);
	summarize_sorted(c, n, out);
	xfree(c);
}

void stats_hist_log2(const uint32_t *x, size_t n, struct histogram *h)
{
	memset(h, 0, sizeof *h);
	h->log_bins = true;
	h->marker = NAN;
	uint32_t mx = 0;
	bool zero = false;
	for (size_t i = 0; i < n; i++) {
		if (x[i] > mx)
			mx = x[i];
		zero |= x[i] == 0;
	}
	int off = zero ? 1 : 0;
	int nb = off;
	while (nb - off < 32 && (1ULL << (nb - off)) <= mx)
		nb++;
	if (nb == 0)
		nb = 1;
	h->nbins = nb > HIST_MAX ? HIST_MAX : nb;
	if (zero)
		h->edge[0] = 0;
	for (int b = off; b <= h->nbins; b++)
		h->edge[b] = (double)(1ULL << (b - off));
	for (size_t i = 0; i < n; i++) {
		int b = x[i] == 0 ? 0 : off + (31 - __builtin_clz(x[i]));
		if (b >= h->nbins)
			b = h->nbins - 1;
		h->count[b]++;
	}
}

void stats_hist_linear(const float *x, size_t n, double lo, double hi,
    int nbins, struct histogram *h)
{
	memset(h, 0, sizeof *h);
	h->marker = NAN;
	if (nbins < 1)
		nbins = 1;
	if (nbins > HIST_MAX)
		nbins = HIST_MAX;
	if (!(hi > lo))
		hi = lo + 1;
	h->nbins = nbins;
	double w = (hi - lo) / nbins;
	for (int b = 0; b <= nbins; b++)
		h->edge[b] = lo + w * b;
	for (size_t i = 0; i < n; i++) {
		int b = (int)((x[i] - lo) / w);
		if (b < 0)
			b = 0;
		if (b >= nbins)
			b = nbins - 1;
		h->count[b]++;
	}
}
