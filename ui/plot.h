/*
 * distill — plot.h: terminal charts rendered into lines of text, so that
 * the REPL/batch output (out_text) and the TUI panes draw the same thing.
 * Bars use Unicode eighth blocks when the locale is UTF-8 and '#' with
 * ASCII otherwise. Nothing here prints.
 */
#ifndef DISTILL_PLOT_H
#define DISTILL_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "stats.h"

/* A growable list of owned, NUL-terminated lines. */
struct plot_lines {
	char **line;
	size_t n, cap;
};

void plot_lines_init(struct plot_lines *p);
void plot_lines_destroy(struct plot_lines *p);
void plot_lines_add(struct plot_lines *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * One line per bin: "label │bar… count", at most `width` display columns.
 * When h->marker is a number, the bin holding it is flagged with
 * "◀ marker_name = value" (ASCII "<-"); a marker outside the bins gets a
 * line of its own. Lines are appended to out.
 */
void plot_histogram(const struct histogram *h, int width, bool utf8,
    const char *marker_name, struct plot_lines *out);

/* Horizontal bars: one line per value, "label │bar value". Bars are
 * scaled from min(0, min value) to the max value. */
void plot_bars(const char *const *labels, const double *values, size_t n,
    int width, bool utf8, struct plot_lines *out);

/* A sweep's bars: scaled from a little below the smallest value (the
 * axis start is printed under them), the best and the current value
 * marked (index, or -1). */
void plot_sweep(const char *const *labels, const double *values, size_t n,
    int width, bool utf8, long best, long current, struct plot_lines *out);

/* Append a bar of `cells` eighths of a character cell to buf. */
void plot_bar(char *buf, size_t size, int eighths, bool utf8);

#endif
