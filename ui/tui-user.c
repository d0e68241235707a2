/*
 * distill — tui-user.c: the user pane (training items, community profile,
 * top-N with rank changes and held-out hits) and the explanation pane (the
 * paths u → i → j of `why` as contribution bars that add up to the score,
 * the relations that were cut, and `whynot` for any item).
 *
 * Both draw from struct tui_user, which tui-run.c fills while the worker
 * is idle. Item titles come from the dataset, which the worker never
 * changes (only a `load` command does, on the main thread).
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui-int.h"

/* A ':' command on the worker may replace the dataset (load) while the
 * main thread draws: nothing reads it then. */
static bool dataset_busy(const struct tui *t)
{
	return t->cmd_running && !t->cmd_waiting;
}

const char *tui_item_label(struct tui *t, uint32_t item)
{
	if (dataset_busy(t))
		return "…";
	const struct dataset *ds = t->s->pl.ds;
	if (!ds || item >= ds->items.n)
		return "?";
	const char *l = dataset_item_title(ds, item);
	return l && *l ? l : idmap_name(&ds->items, item);
}

const char *tui_user_label(struct tui *t, uint32_t user)
{
	if (dataset_busy(t))
		return "…";
	const struct dataset *ds = t->s->pl.ds;
	if (!ds || user >= ds->users.n)
		return "?";
	return idmap_name(&ds->users, user);
}

/* A score in 8 columns: 0.0884, or 2.34e-04 when tiny. */
static const char *fmt_score(char *buf, size_t n, double v)
{
	snprintf(buf, n, v != 0 && fabs(v) < 0.001 ? "%.2e" : "%.4f", v);
	return buf;
}

/* The community profile as one segmented bar plus a legend. */
static void draw_profile(struct tui *t, const struct rect *r, int y)
{
	const struct tui_user *u = &t->u;
	static const char *glyph_u[] = { "█", "▓", "▒", "░" };
	static const char *glyph_a[] = { "#", "=", "+", "-" };
	/* a third for the bar, the rest for the legend's labels */
	int w = r->w / 3 < 12 ? 12 : r->w / 3;
	int x = tui_put(r, y, 0, -1, ROLE_LABEL, "profile ");
	double cum = 0;
	int drawn = 0;
	for (size_t k = 0; k < u->nprof && drawn < w; k++) {
		cum += u->prof[k].share;
		int end = (int)lround(cum * w);
		if (k + 1 == u->nprof || end > w)
			end = w;
		attrset(tui_attr(ROLE_C1 + (int)(k % 6)));
		for (; drawn < end; drawn++)
			mvaddstr(r->y + y, r->x + x + drawn, tui_utf8 ?
			    glyph_u[k % 4] : glyph_a[k % 4]);
	}
	attrset(A_NORMAL);
	x += w + 1;
	/* the legend: each community by its label (its most central
	 * item), all cut to one width, so that all or none are titles */
	int nl = u->nprof < 3 ? (int)u->nprof : 3;
	int lw = nl ? (r->w - x) / nl - 6 : 0;
	for (size_t k = 0; k < u->nprof && k < 3 && x < r->w; k++) {
		x += tui_putf(r, y, x, -1, ROLE_C1 + (int)(k % 6),
		    "%.0f%% ", u->prof[k].share * 100);
		/* an item id as a label reads as a number: ids only say c<id> */
		if (u->prof_label && u->prof_label[k][0] && lw > 4 &&
		    t->snap.has_titles)
			x += tui_put(r, y, x, lw, ROLE_C1 + (int)(k % 6),
			    u->prof_label[k]) + 1;
		else
			x += tui_putf(r, y, x, -1, ROLE_C1 + (int)(k % 6),
			    "c%u ", u->prof[k].comm);
	}
}

/* Training items as a comma list over `rows` rows. */
static int draw_train(struct tui *t, const struct rect *r, int y, int rows)
{
	const struct tui_user *u = &t->u;
	int x = tui_putf(r, y, 0, -1, ROLE_LABEL, "train %zu: ", u->ntrain);
	int row = 0;
	/* room kept on the last row for "+N more" so that it never lands
	 * on a title (issue 12) */
	char more[32];
	int mw = snprintf(more, sizeof more, "+%zu more", u->ntrain);
	for (size_t k = 0; k < u->ntrain; k++) {
		const char *l = tui_item_label(t, u->train[k]);
		bool last = k + 1 == u->ntrain;
		int lw = tui_strwidth(l) + (last ? 0 : 2);
		if (x + lw + (row + 1 == rows && !last ? mw : 0) > r->w &&
		    x > 2 && row + 1 < rows) {
			row++;
			x = 2;
		}
		bool final = row + 1 == rows;
		if (final && !last && x + lw + mw > r->w) {
			/* the last row: what fits of this title, then the
			 * count of the rest */
			int avail = r->w - x - mw - 2;
			size_t rest = u->ntrain - k;
			if (avail >= 8) {
				x += tui_putf(r, y + row, x, avail, ROLE_NORMAL,
				    "%s", l);
				x += tui_put(r, y + row, x, -1, ROLE_NORMAL,
				    ", ");
				rest--;
			}
			tui_putf(r, y + row, x, r->w - x, ROLE_DIM,
			    "+%zu more", rest);
			break;
		}
		x += tui_putf(r, y + row, x, r->w - x, ROLE_NORMAL, "%s%s", l,
		    last ? "" : ", ");
	}
	return row + 1;
}

/* One row of the top-N: rank, change, title, score, hit mark. */
static void draw_rec_row(struct tui *t, const struct rect *r, int y, int k,
    bool sel)
{
	const struct tui_rec *e = &t->u.rec[k];
	char d[16], sc[16];
	enum tui_role dr = ROLE_DIM;
	if (!t->u.have_prev)
		snprintf(d, sizeof d, " ");
	else if (e->is_new)
		snprintf(d, sizeof d, "new"), dr = ROLE_UP;
	else if (e->delta > 0)
		snprintf(d, sizeof d, "%s%d", tui_utf8 ? "▲" : "+", e->delta),
		    dr = ROLE_UP;
	else if (e->delta < 0)
		snprintf(d, sizeof d, "%s%d", tui_utf8 ? "▼" : "-", -e->delta),
		    dr = ROLE_DOWN;
	else
		snprintf(d, sizeof d, "=");
	fmt_score(sc, sizeof sc, e->score);
	if (sel) {
		attrset(tui_attr(ROLE_SEL));
		mvhline(r->y + y, r->x, ' ', r->w);
	}
	enum tui_role base = sel ? ROLE_SEL : ROLE_NORMAL;
	tui_putf(r, y, 0, 3, base, "%2d", k + 1);
	tui_put(r, y, 3, 4, sel ? ROLE_SEL : dr, d);
	int tw = r->w - 7 - 11;    /* a blank before the score */
	tui_put(r, y, 7, tw, base, tui_item_label(t, e->item));
	tui_put_right(r, y, r->w - 10, 8, sel ? ROLE_SEL : ROLE_SCORE, sc);
	if (e->hit)
		tui_put(r, y, r->w - 1, 1, sel ? ROLE_SEL : ROLE_HIT,
		    tui_utf8 ? "✓" : "*");
}

static void user_draw(struct tui *t, const struct rect *r, bool focus)
{
	struct tui_user *u = &t->u;
	char title[128];
	snprintf(title, sizeof title, "user %s", u->user >= 0 ?
	    tui_user_label(t, (uint32_t)u->user) : "-");
	tui_rule(r, 0, title, focus);
	struct rect c = { r->y + 1, r->x + 1, r->h - 1, r->w - 1 };
	if (u->user < 0) {
		tui_put(&c, 0, 0, -1, ROLE_DIM, "no user: press / to pick one");
		return;
	}
	int y = draw_train(t, &c, 0, c.h > 12 ? 3 : c.h > 8 ? 2 : 1);
	bool run = t->running && !t->why_running;
	if (u->nprof)
		draw_profile(t, &c, y++);
	else if (t->irunning && u->valid)
		tui_put(&c, y++, 0, -1, ROLE_DIM, "profile: computing the "
		    "communities…");
	if (u->err[0] && !u->nrec) {
		tui_put(&c, y, 0, -1, run ? ROLE_DIM : ROLE_CUT,
		    run ? "updating…" : u->err);
		return;
	}
	tui_put(&c, y, 0, -1, ROLE_LABEL, " #     recommended");
	tui_put_right(&c, y++, c.w - 10, 8, ROLE_LABEL, run ?
	    "score…" : "score");
	int rows = c.h - y;
	if (rows < 1)
		return;
	if (u->sel < u->top)
		u->top = u->sel;
	if (u->sel >= u->top + rows)
		u->top = u->sel - rows + 1;
	u->list_y = c.y + y;
	for (int k = u->top; k < (int)u->nrec && k < u->top + rows; k++)
		draw_rec_row(t, &c, y + k - u->top, k, k == u->sel);
}

static int user_key(struct tui *t, int ch)
{
	struct tui_user *u = &t->u;
	int n = (int)u->nrec, old = u->sel;
	switch (ch) {
	case KEY_DOWN: case 'j': u->sel++; break;
	case KEY_UP: case 'k': u->sel--; break;
	case KEY_NPAGE: u->sel += 5; break;
	case KEY_PPAGE: u->sel -= 5; break;
	case KEY_HOME: case 'g': u->sel = 0; break;
	case KEY_END: case 'G': u->sel = n - 1; break;
	case '\n': case KEY_ENTER:
		if (n) {
			tui_why_item(t, u->rec[u->sel].item, false);
			t->focus = PANE_EXPLAIN;
		}
		return KH_HANDLED | KH_REDRAW;
	default: return 0;
	}
	if (u->sel >= n)
		u->sel = n - 1;
	if (u->sel < 0)
		u->sel = 0;
	if (n && u->sel != old)
		tui_why_item(t, u->rec[u->sel].item, false);
	return KH_HANDLED | KH_REDRAW;
}

const struct tui_view tui_view_user = { "user", user_draw, user_key };

/* ------------------------------------------------------- explanation */

/* Paths as a waterfall: each bar starts where the previous one ended, so
 * together they span the score. Negative relations (filter.method ridge)
 * come last and step back to the left in the cut colour: the positive
 * paths span the full width, the negative ones push the item down to its
 * score. */
static int draw_paths(struct tui *t, const struct rect *r, int y,
    const struct why_out *w, int skip)
{
	/* at 80 columns the pane is ~39 wide: a narrower bar leaves the
	 * titles readable */
	int bw = r->w < 60 ? r->w / 6 : r->w / 3, lw = r->w - bw - 17;
	double cum = 0, pos = 0;
	int row = 0;
	for (size_t k = 0; k < w->npaths; k++)
		pos += w->paths[k].contrib > 0 ? w->paths[k].contrib : 0;
	for (size_t k = 0; k < w->npaths; k++) {
		const struct why_path *p = &w->paths[k];
		double share = w->score > 0 ? p->contrib / w->score : p->share;
		double span = pos > 0 ? p->contrib / pos : 0;
		if ((int)k >= skip && y + row < r->h) {
			tui_put(r, y + row, 0, lw, ROLE_NORMAL,
			    tui_item_label(t, p->via));
			double lo = span < 0 ? cum + span : cum;
			int x0 = lw + 1 + (int)lround(lo * bw);
			int x1 = lw + 1 + (int)lround((lo + fabs(span)) * bw);
			tui_bar(r, y + row, x0, x1 - x0 > 0 ? x1 - x0 : 1,
			    1.0, span < 0 ? ROLE_CUT : ROLE_C1 + (int)(k % 6));
			char cb[24];
			tui_putf(r, y + row, lw + bw + 3, -1, ROLE_SCORE,
			    "%s %3.0f%%", fmt_score(cb, sizeof cb, p->contrib),
			    share * 100);
			row++;
		}
		cum += span;
	}
	return row;
}

/* The reason of a cut in a few columns, for a narrow pane. */
static const char *cut_short(enum cut_reason r)
{
	switch (r) {
	case CUT_THRESHOLD: return "< threshold";
	case CUT_TOPK: return "> topk";
	case CUT_BACKBONE: return "backbone";
	case CUT_LEARNED: return "learned";
	default: return cut_reason_name(r);
	}
}

static int draw_cuts(struct tui *t, const struct rect *r, int y,
    const struct why_out *w)
{
	int row = 0;
	if (w->ncuts && y < r->h)
		tui_putf(r, y + row++, 0, -1, ROLE_LABEL, "cut relations (%zu):",
		    w->ncuts);
	for (size_t k = 0; k < w->ncuts && y + row < r->h; k++) {
		const struct why_cut *c = &w->cuts[k];
		char extra[48] = "";
		if (c->reason == CUT_TOPK)
			snprintf(extra, sizeof extra, " rank %d", c->row_rank);
		else if (c->reason == CUT_BACKBONE && !isnan(c->alpha))
			snprintf(extra, sizeof extra, " a=%.3g", c->alpha);
		else if (c->reason == CUT_LEARNED && !isnan(c->score))
			snprintf(extra, sizeof extra, " p=%.2f", c->score);
		char add[32] = "", ab[24];
		if (!isnan(c->would_add))
			snprintf(add, sizeof add, " +%s", fmt_score(ab,
			    sizeof ab, c->would_add));
		/* narrow pane: the reason, short, on a line of its own, so
		 * neither the title nor the numbers are cut */
		bool two = r->w < 60;
		char why[128];
		snprintf(why, sizeof why, "%s s=%.3g%s%s", two ?
		    cut_short(c->reason) : cut_reason_name(c->reason), c->sim,
		    extra, add);
		int x = tui_put(r, y + row, 0, two ? -1 : r->w - 30, ROLE_CUT,
		    tui_item_label(t, c->via));
		if (two && y + row + 1 < r->h)
			tui_putf(r, y + ++row, 2, -1, ROLE_DIM, "%s", why);
		else if (!two)
			tui_putf(r, y + row, x + 1, -1, ROLE_DIM, "%s", why);
		row++;
	}
	return row;
}

static void draw_whynot_head(struct tui *t, const struct rect *r,
    const struct whynot_out *wn)
{
	tui_putf(r, 0, 0, -1, ROLE_VALUE, "whynot: %s",
	    whynot_reason_name(wn->reason));
	char rk[16] = "-";
	if (wn->rank_full > 0)
		snprintf(rk, sizeof rk, "%d", wn->rank_full);
	char sb[24], gb[24];
	tui_putf(r, 1, 0, -1, ROLE_NORMAL, "score %s  rank %s  gap %s",
	    fmt_score(sb, sizeof sb, wn->why.score), rk,
	    fmt_score(gb, sizeof gb, wn->gap));
	if (wn->has_fix)
		tui_putf(r, 2, 0, -1, ROLE_OK, "fix: set %s %s → rank %d",
		    wn->fix_param, wn->fix_value, wn->fix_rank);
	else
		tui_put(r, 2, 0, -1, ROLE_DIM, "no single-parameter fix found");
}

static void explain_draw(struct tui *t, const struct rect *r, bool focus)
{
	struct tui_user *u = &t->u;
	char title[160];
	snprintf(title, sizeof title, "%s %s", u->whynot ? "whynot" : "why",
	    u->have_why || u->why_err[0] || u->why_pending ?
	    tui_item_label(t, u->why_item) : "");
	tui_rule(r, 0, title, focus);
	struct rect c = { r->y + 1, r->x + 1, r->h - 1, r->w - 1 };
	if (!u->have_why) {
		tui_put(&c, 0, 0, -1, u->why_err[0] ? ROLE_CUT : ROLE_DIM,
		    u->why_err[0] ? u->why_err : u->why_pending ? u->whynot ?
		    "whynot: looking for the smallest fix… (Ctrl-C stops)" :
		    "why: following the paths…" :
		    t->why_running ? "waiting for the previous query…" :
		    "select a recommended item (Enter) or press w for whynot");
		return;
	}
	const struct why_out *w = u->whynot ? &u->wn.why : &u->why;
	int y = 0;
	if (u->whynot) {
		draw_whynot_head(t, &c, &u->wn);
		y = 3;
	} else {
		char sb[24];
		/* an item the user has in training is never a candidate:
		 * say so rather than "not listed" with no paths */
		char rk[24] = "not listed";
		if (w->seen)
			snprintf(rk, sizeof rk, "seen: in training");
		else if (w->rank > 0)
			snprintf(rk, sizeof rk, "rank %d", w->rank);
		int x = tui_putf(&c, y, 0, -1, ROLE_NORMAL, "score %s  %s  "
		    "iw %.3g", fmt_score(sb, sizeof sb, w->score), rk, w->iw);
		/* a calibrated list is not in score order: say so */
		if (w->calib_effect != 0 && w->rank_uncalibrated > 0)
			tui_putf(&c, y, x, -1, ROLE_DIM, "  (%d by score: "
			    "calibration moved it %s)", w->rank_uncalibrated,
			    w->calib_effect > 0 ? "up" : "down");
		y++;
	}
	/* scrolling stops when the last path is on screen; the label says
	 * which paths show when not all do */
	int room = c.h - y - 1;
	int last = (int)w->npaths - (room > 0 ? room : 1);
	if (u->why_scroll > last)
		u->why_scroll = last > 0 ? last : 0;
	int x = tui_putf(&c, y, 0, -1, ROLE_LABEL, "%zu paths u%si%sj (sum = "
	    "score)", w->npaths, tui_utf8 ? "→" : ">", tui_utf8 ? "→" : ">");
	if (room > 0 && (int)w->npaths > room) {
		int to = u->why_scroll + room < (int)w->npaths ?
		    u->why_scroll + room : (int)w->npaths;
		tui_putf(&c, y, x + 1, -1, ROLE_DIM, "%d-%d", u->why_scroll +
		    1, to);
	}
	y++;
	y += draw_paths(t, &c, y, w, u->why_scroll);
	draw_cuts(t, &c, y, w);
}

static int explain_key(struct tui *t, int ch)
{
	struct tui_user *u = &t->u;
	switch (ch) {
	case KEY_DOWN: case 'j': u->why_scroll++; break;
	case KEY_UP: case 'k':
		if (u->why_scroll > 0)
			u->why_scroll--;
		break;
	case KEY_NPAGE: u->why_scroll += 5; break;
	case KEY_PPAGE:
		u->why_scroll = u->why_scroll > 5 ? u->why_scroll - 5 : 0;
		break;
	case KEY_HOME: case 'g': u->why_scroll = 0; break;
	case KEY_END: case 'G': u->why_scroll = 1 << 20; break;
	default: return 0;
	}
	return KH_HANDLED | KH_REDRAW;
}

const struct tui_view tui_view_explain = { "explain", explain_draw,
	explain_key };
