/*
 * distill — plot.c: histograms and bar charts as lines of text (see
 * plot.h). Widths are display columns; bars are drawn in eighths of a cell
 * with U+2588…U+258F, or whole '#' cells in ASCII.
 */
#include "plot.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define PLOT_MAX_BINS 20    /* more bins are merged for display */

void plot_lines_init(struct plot_lines *p)
{
	memset(p, 0, sizeof *p);
}

void plot_lines_destroy(struct plot_lines *p)
{
	for (size_t k = 0; k < p->n; k++)
		free(p->line[k]);
	free(p->line);
	memset(p, 0, sizeof *p);
}

void plot_lines_add(struct plot_lines *p, const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = xstrdup("");
	va_end(ap);
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->line = xreallocarray(p->line, p->cap, sizeof *p->line);
	}
	p->line[p->n++] = s;
}

void plot_bar(char *buf, size_t size, int eighths, bool utf8)
{
	static const char *const part[8] = { "", "\u258f", "\u258e", "\u258d",
	    "\u258c", "\u258b", "\u258a", "\u2589" };
	size_t len = strlen(buf);
	if (!utf8) {
		for (int k = 0; k < (eighths + 4) / 8 && len + 1 < size; k++)
			buf[len++] = '#';
		buf[len] = '\0';
		return;
	}
	for (int k = 0; k < eighths / 8 && len + 4 < size; k++) {
		memcpy(buf + len, "\u2588", 3);
		len += 3;
	}
	buf[len] = '\0';
	if (len + 4 < size)
		strcat(buf, part[eighths % 8]);
}

/* Bin label: integers "4-7" for log bins, "[lo, hi)" for linear ones. */
static void bin_label(const struct histogram *h, int b, char *buf,
    size_t size)
{
	if (h->log_bins) {
		long lo = (long)h->edge[b], hi = (long)h->edge[b + 1] - 1;
		if (b == HIST_MAX - 1 && hi > lo)
			snprintf(buf, size, "%ld+", lo);
		else if (hi <= lo)
			snprintf(buf, size, "%ld", lo);
		else
			snprintf(buf, size, "%ld-%ld", lo, hi);
	} else
		snprintf(buf, size, "%.3g-%.3g", h->edge[b], h->edge[b + 1]);
}

/* Index of the bin that holds the marker, -1 below, nbins above. */
static int marker_bin(const struct histogram *h)
{
	if (h->marker < h->edge[0])
		return -1;
	for (int b = 0; b < h->nbins; b++)
		if (h->marker < h->edge[b + 1])
			return b;
	return h->marker == h->edge[h->nbins] ? h->nbins - 1 : h->nbins;
}

/* Merge groups of adjacent bins so that at most PLOT_MAX_BINS remain. */
static void hist_merge(const struct histogram *h, struct histogram *m)
{
	int g = (h->nbins + PLOT_MAX_BINS - 1) / PLOT_MAX_BINS;
	*m = *h;
	if (g <= 1)
		return;
	m->nbins = (h->nbins + g - 1) / g;
	for (int b = 0; b < m->nbins; b++) {
		int last = (b + 1) * g < h->nbins ? (b + 1) * g : h->nbins;
		m->edge[b] = h->edge[b * g];
		m->count[b] = 0;
		for (int k = b * g; k < last; k++)
			m->count[b] += h->count[k];
		m->edge[b + 1] = h->edge[last];
	}
}

void plot_histogram(const struct histogram *hist, int width, bool utf8,
    const char *marker_name, struct plot_lines *out)
{
	struct histogram merged, *h = &merged;
	hist_merge(hist, &merged);
	char lab[HIST_MAX][48], cnt[32], bar[512];
	const char *sep = utf8 ? "\u2502" : "|";
	const char *arrow = utf8 ? "\u25c0" : "<-";
	int lw = 0, cw = 1, mb = isnan(h->marker) ? -2 : marker_bin(h);
	uint64_t mx = 0;

	for (int b = 0; b < h->nbins; b++) {
		bin_label(h, b, lab[b], sizeof lab[b]);
		if ((int)strlen(lab[b]) > lw)
			lw = (int)strlen(lab[b]);
		int n = snprintf(cnt, sizeof cnt, "%llu",
		    (unsigned long long)h->count[b]);
		cw = n > cw ? n : cw;
		mx = h->count[b] > mx ? h->count[b] : mx;
	}
	int bw = width - lw - cw - 3;
	if (mb != -2)
		bw -= (int)strlen(marker_name ? marker_name : "") + 16;
	if (bw < 4)
		bw = 4;
	if (mb == -1)
		plot_lines_add(out, "%*s %s %s %s = %g", lw, "", sep, arrow,
		    marker_name ? marker_name : "marker", h->marker);
	for (int b = 0; b < h->nbins; b++) {
		bar[0] = '\0';
		plot_bar(bar, sizeof bar, mx ? (int)(h->count[b] * 8 * bw / mx) :
		    0, utf8);
		if (h->count[b] > 0 && bar[0] == '\0')
			plot_bar(bar, sizeof bar, utf8 ? 1 : 8, utf8);
		char mark[96] = "";
		if (b == mb)
			snprintf(mark, sizeof mark, " %s %s = %g", arrow,
			    marker_name ? marker_name : "marker", h->marker);
		plot_lines_add(out, "%*s %s%s %llu%s", lw, lab[b], sep, bar,
		    (unsigned long long)h->count[b], mark);
	}
	if (mb == h->nbins)
		plot_lines_add(out, "%*s %s %s %s = %g", lw, "", sep, arrow,
		    marker_name ? marker_name : "marker", h->marker);
}

/* plot_bars and plot_sweep: bars from 0 (or min below 0), or from a
 * little below the smallest value, with the best/current marks. */
static void bars(const char *const *labels, const double *values, size_t n,
    int width, bool utf8, bool near_data, long best, long current,
    struct plot_lines *out)
{
	const char *sep = utf8 ? "\u2502" : "|";
	double lo = near_data ? INFINITY : 0, hi = near_data ? -INFINITY : 0;
	int lw = 0;
	char bar[512];

	for (size_t k = 0; k < n; k++) {
		if ((int)strlen(labels[k]) > lw)
			lw = (int)strlen(labels[k]);
		if (isfinite(values[k])) {
			lo = values[k] < lo ? values[k] : lo;
			hi = values[k] > hi ? values[k] : hi;
		}
	}
	/* near the data the axis starts a little below the smallest value,
	 * so 0.144 and 0.157 do not look the same; the shortest bar is an
	 * eighth */
	double base = !near_data ? lo : lo - (hi > lo ? (hi - lo) / 16 :
	    fabs(lo) / 16 + 1e-12);
	int bw = width - lw - (near_data ? 24 : 12);
	if (bw < 4)
		bw = 4;
	for (size_t k = 0; k < n; k++) {
		bar[0] = '\0';
		if (isfinite(values[k]) && hi > base)
			plot_bar(bar, sizeof bar, (int)((values[k] - base) /
			    (hi - base) * 8 * bw), utf8);
		const char *mark = (long)k == best && (long)k == current ?
		    "  <- best, current" : (long)k == best ? "  <- best" :
		    (long)k == current ? "  <- current" : "";
		if (!isfinite(values[k]))   /* a failed or missing value */
			plot_lines_add(out, "%*s %s -", lw, labels[k], sep);
		else
			plot_lines_add(out, "%*s %s%s %.4f%s", lw, labels[k],
			    sep, bar, values[k], mark);
	}
	if (near_data && n && isfinite(base))
		plot_lines_add(out, "%*s (bars start at %.4g)", lw, "", base);
}

void plot_bars(const char *const *labels, const double *values, size_t n,
    int width, bool utf8, struct plot_lines *out)
{
	bars(labels, values, n, width, utf8, false, -1, -1, out);
}

void plot_sweep(const char *const *labels, const double *values, size_t n,
    int width, bool utf8, long best, long current, struct plot_lines *out)
{
	bars(labels, values, n, width, utf8, true, best, current, out);
}
