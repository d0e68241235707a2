/*
 * distill — tui-draw.c: colour roles and the small drawing widgets of the
 * TUI (clipped text measured by display width, bars, histograms, compact
 * number formats). Everything draws on stdscr inside a struct rect and
 * never past its edges, so panes cannot overlap.
 */
#include <curses.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "out.h"
#include "tui-int.h"

bool tui_utf8;

static int role_attr[ROLE__COUNT];

static const struct {
	short fg, bg;
	int cattr, mattr;
} role_def[ROLE__COUNT] = {
#define TUI_ROLE_DEF(name, fg, bg, ca, ma) { fg, bg, ca, ma },
	TUI_ROLES(TUI_ROLE_DEF)
#undef TUI_ROLE_DEF
};

/* Set up colour pairs for the roles, or attribute-only fallbacks. */
void tui_colors_init(bool color)
{
	bool use = color && has_colors() && start_color() == OK;
	if (use)
		use_default_colors();
	for (int r = 0; r < ROLE__COUNT; r++) {
		if (!use) {
			role_attr[r] = role_def[r].mattr;
			continue;
		}
		if (role_def[r].fg == -1 && role_def[r].bg == -1) {
			role_attr[r] = role_def[r].cattr;
			continue;
		}
		init_pair((short)(r + 1), role_def[r].fg, role_def[r].bg);
		role_attr[r] = (int)COLOR_PAIR(r + 1) | role_def[r].cattr;
	}
}

int tui_attr(enum tui_role r)
{
	return (unsigned)r < ROLE__COUNT ? role_attr[r] : (int)A_NORMAL;
}

int tui_strwidth(const char *s)
{
	return out_width(s);
}

/* Bytes of s that fit in `cols` columns; *used gets their width. */
static size_t fit_bytes(const char *s, int cols, int *used)
{
	size_t b = 0;
	int u = 0, w;
	while (s[b]) {
		int n = out_char(s + b, &w);
		if (u + w > cols)
			break;
		u += w;
		b += (size_t)n;
	}
	*used = u;
	return b;
}

int tui_put(const struct rect *r, int y, int x, int maxw, enum tui_role role,
    const char *s)
{
	if (y < 0 || y >= r->h || x < 0 || x >= r->w)
		return 0;
	if (maxw < 0 || x + maxw > r->w)
		maxw = r->w - x;
	int used;
	size_t b = fit_bytes(s, maxw, &used);
	bool cut = s[b] != '\0';
	if (cut && maxw > 0) {
		b = fit_bytes(s, maxw - 1, &used);
	}
	attrset(tui_attr(role));
	mvaddnstr(r->y + y, r->x + x, s, (int)b);
	if (cut && maxw > 0) {
		addstr(tui_utf8 ? "…" : "~");
		used++;
	}
	attrset(A_NORMAL);
	return used;
}

int tui_putf(const struct rect *r, int y, int x, int maxw,
    enum tui_role role, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return tui_put(r, y, x, maxw, role, buf);
}

int tui_put_right(const struct rect *r, int y, int x, int maxw,
    enum tui_role role, const char *s)
{
	int w = tui_strwidth(s);
	if (w > maxw)
		return tui_put(r, y, x, maxw, role, s);
	return tui_put(r, y, x + maxw - w, w, role, s);
}

void tui_clear(const struct rect *r)
{
	attrset(A_NORMAL);
	for (int y = 0; y < r->h; y++) {
		move(r->y + y, r->x);
		for (int x = 0; x < r->w; x++)
			addch(' ');
	}
}

void tui_bar(const struct rect *r, int y, int x, int w, double frac,
    enum tui_role role)
{
	static const char *eighth[] = { "", "▏", "▎", "▍", "▌", "▋", "▊",
		"▉" };
	if (y < 0 || y >= r->h || x >= r->w || w <= 0)
		return;
	if (x + w > r->w)
		w = r->w - x;
	if (!(frac > 0))
		frac = 0;
	if (frac > 1)
		frac = 1;
	int units = (int)lround(frac * w * 8);
	attrset(tui_attr(role));
	move(r->y + y, r->x + x);
	for (int i = 0; i < units / 8; i++)
		addstr(tui_utf8 ? "█" : "#");
	if (units % 8 && units / 8 < w)
		addstr(tui_utf8 ? eighth[units % 8] : "+");
	attrset(A_NORMAL);
}

void tui_rule(const struct rect *r, int y, const char *title, bool focus)
{
	attrset(tui_attr(ROLE_RULE));
	move(r->y + y, r->x);
	for (int x = 0; x < r->w; x++)
		addstr(tui_utf8 ? "─" : "-");
	tui_putf(r, y, 1, r->w - 2, focus ? ROLE_FOCUS : ROLE_TITLE,
	    focus ? "[%s]" : " %s ", title);
}

/* Height of one column in eighths for a bin count. */
static int vhist_units(uint64_t c, uint64_t max, bool logc, int rows)
{
	if (c == 0 || max == 0)
		return 0;
	double f = logc ? log1p((double)c) / log1p((double)max) :
	    (double)c / (double)max;
	int u = (int)lround(f * rows * 8);
	return u < 1 ? 1 : u;
}

/* Draw the column of one bin, bottom-up, from row `base` upwards. */
static void vhist_column(const struct rect *a, int x, int cw, int base,
    int units)
{
	static const char *blk[] = { " ", "▁", "▂", "▃", "▄", "▅", "▆", "▇",
		"█" };
	for (int row = 0; units > 0 && row <= base; row++, units -= 8) {
		int u = units > 8 ? 8 : units;
		for (int k = 0; k < cw; k++) {
			move(a->y + base - row, a->x + x + k);
			addstr(tui_utf8 ? blk[u] : (u >= 4 ? "#" : "."));
		}
	}
}

void tui_vhist(const struct rect *a, const struct histogram *h, bool logc,
    const char *fmt)
{
	if (h->nbins <= 0 || a->h < 3 || a->w < 8) {
		tui_put(a, 0, 0, -1, ROLE_DIM, "(no data)");
		return;
	}
	uint64_t max = 0;
	for (int b = 0; b < h->nbins; b++)
		if (h->count[b] > max)
			max = h->count[b];
	int cw = a->w / h->nbins;
	if (cw < 1)
		cw = 1;
	int nb = h->nbins < a->w ? h->nbins : a->w;
	bool has_marker = !isnan(h->marker);
	int rows = a->h - (has_marker ? 2 : 1), mcol = -1;
	attrset(tui_attr(ROLE_BAR));
	for (int b = 0; b < nb; b++)
		vhist_column(a, b * cw, cw, rows - 1,
		    vhist_units(h->count[b], max, logc, rows));
	attrset(A_NORMAL);
	if (has_marker)
		for (int b = 0; b < nb; b++)
			if (h->marker >= h->edge[b] &&
			    (h->marker < h->edge[b + 1] || b == nb - 1))
				mcol = b * cw;
	char lo[32], hi[32], mx[32];
	snprintf(lo, sizeof lo, fmt, h->edge[0]);
	snprintf(hi, sizeof hi, fmt, h->edge[nb]);
	tui_fmt_count(mx, sizeof mx, (double)max);
	tui_put(a, rows, 0, -1, ROLE_DIM, lo);
	tui_put_right(a, rows, 0, nb * cw, ROLE_DIM, hi);
	tui_putf(a, 0, nb * cw + 1, -1, ROLE_DIM, "%s", mx);
	if (mcol >= 0) {
		char m[48];
		snprintf(m, sizeof m, fmt, h->marker);
		tui_put(a, rows, mcol, 1, ROLE_MARKER, "^");
		int lx = mcol + 2 + tui_strwidth(m) > a->w ? a->w -
		    tui_strwidth(m) - 2 : mcol;
		tui_putf(a, rows + 1, lx < 0 ? 0 : lx, -1, ROLE_MARKER,
		    "^%s", m);
	}
}

void tui_fmt_count(char *buf, size_t n, double v)
{
	if (v < 10000)
		snprintf(buf, n, "%.0f", v);
	else if (v < 1e6)
		snprintf(buf, n, "%.1fk", v / 1e3);
	else if (v < 1e9)
		snprintf(buf, n, "%.1fM", v / 1e6);
	else
		snprintf(buf, n, "%.1fG", v / 1e9);
}

void tui_fmt_ms(char *buf, size_t n, double ms)
{
	if (ms < 99.5)
		snprintf(buf, n, "%.0fms", ms);
	else if (ms < 9950)
		snprintf(buf, n, "%.1fs", ms / 1000);
	else
		snprintf(buf, n, "%.0fs", ms / 1000);
}

void tui_fmt_metric(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else if (fabs(v) < 1 && v >= 0)
		snprintf(buf, n, ".%04.0f", v * 10000 >= 9999.5 ? 9999 :
		    v * 10000);
	else if (fabs(v) < 10)
		snprintf(buf, n, "%.3f", v);
	else if (fabs(v) < 100)
		snprintf(buf, n, "%.2f", v);
	else
		snprintf(buf, n, "%.0f", v);
}
