/*
 * distill — tui-views.c: the header (dataset and the pipeline row), the
 * metrics line, the parameter bar and the stage pane with each stage's
 * statistics and plots. Everything here draws from t->snap and t->want.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui-int.h"

/* ------------------------------------------------------------- header */

/* The running work and its percentage in at most `max` columns: the
 * label is cut, never the number. */
static void progress_text(char *buf, size_t n, const char *lead,
    const char *prog, int max)
{
	const char *pct = strrchr(prog, ' ');
	int pl = pct ? (int)strlen(pct) : 0;
	int room = max - (int)strlen(lead) - pl - 3;
	if (room < 4)
		room = 4;
	int wl = pct ? (int)(pct - prog) : (int)strlen(prog);
	if (wl > room)
		snprintf(buf, n, " %s %.*s…%s ", lead, room - 1, prog,
		    pct ? pct : "");
	else
		snprintf(buf, n, " %s %s ", lead, prog);
}

static void header_title(struct tui *t, const struct rect *r)
{
	const struct tui_snap *sn = &t->snap;
	char u[16], i[16], n[16], right[128], left[256];
	attrset(tui_attr(ROLE_HEADER));
	mvhline(r->y, r->x, ' ', r->w);
	/* the right end first: the work in progress keeps its percentage
	 * at any width (issue 12), the dataset line gives way */
	char ip[64], prog[64];
	tui_insight_progress(t, ip, sizeof ip);
	int max = r->w / 2;
	if (t->running && !(t->why_running && !t->job_whynot)) {
		pthread_mutex_lock(&t->mu);
		snprintf(prog, sizeof prog, "%s", t->progress);
		pthread_mutex_unlock(&t->mu);
		progress_text(right, sizeof right, "running", prog, max);
	} else if (ip[0]) {
		progress_text(right, sizeof right, "stats:", ip, max);
	} else {
		snprintf(right, sizeof right, " ? help ");
	}
	int rw = tui_strwidth(right);
	int x = tui_put(r, 0, 0, -1, ROLE_HEADER, " distill ");
	int room = r->w - x - rw - 1;
	if (!sn->have_ds) {
		tui_put(r, 0, x, room, ROLE_HEADER,
		    " no dataset: type :load FILE");
	} else {
		tui_fmt_count(u, sizeof u, sn->n_users);
		tui_fmt_count(i, sizeof i, sn->n_items);
		tui_fmt_count(n, sizeof n, (double)sn->n_inter);
		snprintf(left, sizeof left, " %s  %s users · %s items · %s "
		    "interactions · seed %ld", sn->dsname, u, i, n,
		    params_int(&t->want, P_SPLIT_SEED));
		if (tui_strwidth(left) > room)
			snprintf(left, sizeof left, " %s  %su · %si · %s · "
			    "seed %ld", sn->dsname, u, i, n,
			    params_int(&t->want, P_SPLIT_SEED));
		tui_put(r, 0, x, room, ROLE_HEADER, left);
	}
	if (rw < r->w)
		tui_put(r, 0, r->w - rw, rw, ROLE_HEADER, right);
}

/* One stage of the pipeline row: "graph 12ms", stale "graph*", running
 * "graph…". Returns its width (draws only when `draw`). */
static int stage_seg(struct tui *t, const struct rect *r, int x, int s,
    bool draw)
{
	const struct tui_snap *sn = &t->snap;
	char buf[48], tm[16];
	tui_fmt_ms(tm, sizeof tm, sn->ms[s]);
	const char *name = s == STAGE_ABSTRACT && sn->imported ?
	    "abstract(imported)" : stage_name(s);
	if (sn->fresh[s])
		snprintf(buf, sizeof buf, "%s %s", name, tm);
	else if (sn->have[s])
		snprintf(buf, sizeof buf, "%s* %s", name, tm);
	else
		snprintf(buf, sizeof buf, "%s*", name);
	if (!draw)
		return tui_strwidth(buf);
	enum tui_role role = s == (int)t->stage ? ROLE_CURSTAGE :
	    sn->fresh[s] ? ROLE_STAGE : ROLE_STALE;
	return tui_put(r, 0, x, -1, role, buf);
}

static void header_pipeline(struct tui *t, const struct rect *r)
{
	const char *arrow = tui_utf8 ? "→" : ">";
	int total = 0;
	for (int s = 0; s < STAGE__COUNT; s++)
		total += stage_seg(t, r, 0, s, false);
	int sep = total + 5 * 3 + 2 <= r->w ? 3 : 1;
	attrset(tui_attr(ROLE_STAGE));
	mvhline(r->y, r->x, ' ', r->w);
	int x = r->w - total - 5 * sep >= 2 ? 1 : 0;
	for (int s = 0; s < STAGE__COUNT; s++) {
		if (s)
			x += tui_putf(r, 0, x, sep, ROLE_STAGE, sep == 3 ?
			    " %s " : "%s", arrow);
		x += stage_seg(t, r, x, s, true);
	}
}

void tui_draw_header(struct tui *t, const struct rect *r)
{
	struct rect a = { r->y, r->x, 1, r->w };
	struct rect b = { r->y + 1, r->x, 1, r->w };
	header_title(t, &a);
	header_pipeline(t, &b);
}

/* ------------------------------------------------------------- metrics */

static void fmt3(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else if (v >= 0 && v < 0.9995)
		snprintf(buf, n, ".%03.0f", v * 1000);
	else
		snprintf(buf, n, "%.2f", v);
}

static const char *fmt3_len(char *buf, size_t n, double v)
{
	fmt3(buf, n, v);
	return buf;
}

/* "nDCG .211" or "nDCG .211→.245", or compact "nDCG .245↑" when the
 * line is short (80 columns: abbreviate, never drop a metric). Returns
 * the width used; with draw false it only measures. */
static int metric_item(const struct rect *r, int x, const char *name,
    double now, double before, bool have_before, bool higher_better,
    bool compact, bool draw)
{
	char a[16], b[16];
	fmt3(b, sizeof b, now);
	/* changed as shown: .8692 after .8687 is not ".869→.869" */
	bool changed = have_before &&
	    strcmp(fmt3_len(a, sizeof a, before), b) != 0;
	int w = (int)strlen(name) + 1 + (int)strlen(b) + 2;
	if (changed)
		w += compact ? 1 : (int)strlen(fmt3_len(a, sizeof a, before)) + 1;
	if (!draw)
		return w;
	int c = tui_putf(r, 0, x, -1, ROLE_LABEL, "%s ", name);
	if (changed) {
		bool better = (now > before) == higher_better;
		enum tui_role role = better ? ROLE_UP : ROLE_DOWN;
		if (compact) {
			c += tui_put(r, 0, x + c, -1, role, b);
			tui_put(r, 0, x + c, -1, role, now > before ?
			    (tui_utf8 ? "↑" : "+") : (tui_utf8 ? "↓" : "-"));
		} else {
			c += tui_putf(r, 0, x + c, -1, ROLE_DIM, "%s%s", a,
			    tui_utf8 ? "→" : ">");
			tui_put(r, 0, x + c, -1, role, b);
		}
	} else {
		tui_put(r, 0, x + c, -1, ROLE_VALUE, b);
	}
	return w;
}

void tui_draw_metrics(struct tui *t, const struct rect *r)
{
	const struct tui_snap *sn = &t->snap;
	attrset(A_NORMAL);
	mvhline(r->y, r->x, ' ', r->w);
	if (!sn->have_ev || sn->ev.nk < 1) {
		tui_put(r, 0, 1, -1, ROLE_DIM, "no metrics yet (the recommend "
		    "stage has not run)");
		return;
	}
	const struct eval_row *e = &sn->ev.row[0], *p = &sn->prev_ev.row[0];
	bool hp = sn->have_prev_ev && sn->prev_ev.nk >= 1;
	int x = 1;
	/* pinned: before is the pin's, whatever the last step was */
	bool vs_pin = sn->have_pin_ev && sn->pin_ev.nk >= 1 &&
	    sn->pin_ev.row[0].k == e->k;
	if (vs_pin) {
		p = &sn->pin_ev.row[0];
		hp = true;
	}
	/* scoring the test split is said loudly: tuning there is
	 * tuning on test */
	if (sn->ev.target == TARGET_TEST)
		x += tui_putf(r, 0, x, -1, ROLE_ERROR, "TEST") + 1;
	x += tui_putf(r, 0, x, -1, ROLE_TITLE, "%s@%d%s ",
	    sn->ev.target == TARGET_TEST ? "test" : "valid", e->k,
	    sn->fresh[STAGE_RECOMMEND] ? "" : "*");
	if (vs_pin)
		x += tui_put(r, 0, x, -1, ROLE_KEY, "pin") + 1;
	else if (sn->pinned)   /* other split or eval settings */
		x += tui_put(r, 0, x, -1, ROLE_DIM, "pin?") + 1;
	/* everything, with before→after when it fits; the after values
	 * with an arrow when it does not; only then drop from the end */
	static const char *const shown[] = { "precision", "recall", "ndcg",
		"coverage", "map", "hitrate", "gini" };
	struct { const char *name; double now, before; bool hb; }
	    m[sizeof shown / sizeof *shown];
	int nm = (int)(sizeof m / sizeof *m), need = x;
	for (int k = 0; k < nm; k++) {
		int id = metric_lookup(shown[k]);
		m[k].name = metric_defs[id].label;
		m[k].now = metric_of(e, id);
		m[k].before = metric_of(p, id);
		m[k].hb = metric_defs[id].higher_better;
	}
	bool compact[sizeof m / sizeof *m] = { false };
	for (int k = 0; k < nm; k++)
		need += metric_item(r, 0, m[k].name, m[k].now, m[k].before,
		    hp, m[k].hb, false, false);
	/* abbreviate from the end until the line fits */
	for (int k = nm - 1; k >= 0 && need - 2 > r->w; k--) {
		compact[k] = true;
		need -= metric_item(r, 0, m[k].name, m[k].now, m[k].before,
		    hp, m[k].hb, false, false) - metric_item(r, 0, m[k].name,
		    m[k].now, m[k].before, hp, m[k].hb, true, false);
	}
	for (int k = 0; k < nm; k++) {
		int w = metric_item(r, 0, m[k].name, m[k].now, m[k].before,
		    hp, m[k].hb, compact[k], false);
		if (k > 3 && x + w - 2 > r->w)
			break;
		x += metric_item(r, x, m[k].name, m[k].now, m[k].before, hp,
		    m[k].hb, compact[k], true);
	}
}

/* ------------------------------------------------------------- params */

int tui_stage_params(enum stage s, int *ids, int max)
{
	int n = 0;
	for (int i = 0; i < P__COUNT && n < max; i++)
		if (params_def(i)->stage == s)
			ids[n++] = i;
	return n;
}

/* Step a real value on the grid of `step`, clamped to the range. */
static void step_real(const struct param_def *d, double v, int dir,
    char *buf, size_t n)
{
	double st = atof(d->step);
	double x = (round(v / st) + dir) * st;
	if (fabs(x - v) < st * 1e-9)
		x += dir * st;
	if (x < d->min)
		x = d->min;
	if (x > d->max)
		x = d->max;
	snprintf(buf, n, "%.10g", round(x / (st * 1e-6)) * (st * 1e-6));
}

/* The 1-2-5 value at or below v > 0 (…, 0.01, 0.02, 0.05, 0.1, …). */
static double grid125_floor(double v)
{
	double dec = pow(10, floor(log10(v)));
	static const double m[] = { 5, 2, 1 };
	for (int k = 0; k < 3; k++)
		if (m[k] * dec <= v * (1 + 1e-9))
			return m[k] * dec;
	return dec / 2;   /* log10 rounded up: v just below a decade */
}

/* The grid value after (dir 1) or before (dir -1) the grid value g. */
static double grid125_next(double g, int dir)
{
	static const double m[] = { 1, 2, 5 };
	int e = (int)floor(log10(g) + 1e-9);
	double r = g / pow(10, e);
	int k = (r < 1.5 ? 0 : r < 3.5 ? 1 : 2) + dir;
	if (k > 2)
		k = 0, e++;
	if (k < 0)
		k = 2, e--;
	return m[k] * pow(10, e);
}

/*
 * Step a parameter whose registry step is "log" along the 1-2-5 grid,
 * clamped to its range: a threshold, a penalty or a significance matters
 * by its order of magnitude, and a linear step (0.01 for a threshold)
 * jumped from 0 past nearly every relation of a log whose similarities
 * are 1e-4 (Gowalla's RP3β: 99.4 % of S cut by the first press). Below
 * `low` the grid ends: down from it is the range's minimum, up from
 * the minimum is `low`.
 */
static void step_log(const struct param_def *d, double v, int dir,
    double low, char *buf, size_t n)
{
	double x;
	low = grid125_floor(low);
	if (dir > 0) {
		x = v < low * (1 - 1e-9) ? low :
		    grid125_next(grid125_floor(v), 1);
	} else if (v <= low * (1 + 1e-9)) {
		x = d->min;
	} else {
		double g = grid125_floor(v);
		x = g < v * (1 - 1e-9) ? g : grid125_next(g, -1);
	}
	if (x < d->min)
		x = d->min;
	if (x > d->max)
		x = d->max;
	snprintf(buf, n, "%.6g", x);
}

/*
 * The grid's low end: the range's minimum when above 0 (filter.alpha),
 * else the tune range's low end (filter.lambda), else, for
 * abstract.threshold, a hundredth of the largest candidate similarity
 * (the candidates do not depend on the threshold, so neither do the
 * steps, however fast the keys come).
 */
static double log_low(const struct tui *t, int id)
{
	const struct param_def *d = params_def(id);
	const struct histogram *h = &t->snap.as.sim_hist;
	if (d->min > 0)
		return d->min;
	if (d->tune && atof(d->tune) > 0)
		return atof(d->tune);
	if (id == P_ABSTRACT_THRESHOLD && h->nbins > 0 &&
	    h->edge[h->nbins] > 0)
		return h->edge[h->nbins] * 1e-2;
	return 1e-6;
}

void tui_param_step(struct tui *t, int dir)
{
	int ids[P__COUNT];
	int n = tui_stage_params(t->stage, ids, P__COUNT);
	if (n == 0) {
		tui_set_status(t, false, "the %s stage has no parameters",
		    stage_name(t->stage));
		return;
	}
	int id = ids[t->psel % n];
	const struct param_def *d = params_def(id);
	const struct param_value *v = &t->want.v[id];
	char buf[64];
	struct err e;
	struct params before = t->want;
	if (id == P_EVAL_TARGET) {
		/* never a neighbouring arrow press: it moves tuning onto
		 * the test split */
		tui_set_status(t, false, "eval.target chooses the split that "
		    "is scored: press Enter and type valid or test");
		return;
	}
	switch (d->type) {
	case PT_ENUM: {
		int nc = 0;
		while (d->choices[nc])
			nc++;
		snprintf(buf, sizeof buf, "%s",
		    d->choices[(v->choice + dir + nc) % nc]);
		break;
	}
	case PT_INT:
		snprintf(buf, sizeof buf, "%ld", v->integer + dir *
		    atol(d->step ? d->step : "1"));
		if (v->integer + dir * atol(d->step ? d->step : "1") < d->min)
			snprintf(buf, sizeof buf, "%.0f", d->min);
		break;
	case PT_REAL:
	case PT_FRACGIVEN:
		if (v->real < 0 && d->type == PT_FRACGIVEN) {
			tui_set_status(t, false, "%s is 'given'; press Enter "
			    "to type a value", d->name);
			return;
		}
		if (params_step_log(d))
			step_log(d, v->real, dir, log_low(t, id), buf,
			    sizeof buf);
		else
			step_real(d, v->real, dir, buf, sizeof buf);
		break;
	default:
		tui_set_status(t, false, "%s is a list: press Enter to type "
		    "it", d->name);
		return;
	}
	err_clear(&e);
	if (params_set_id(&t->want, id, buf, &e) < 0 ||
	    (t->snap.imported && import_check(&t->snap.imp, &t->want,
	    &e) < 0)) {
		t->want = before;
		tui_set_status(t, true, "%s", e.msg);
		return;
	}
	tui_param_changed(t, &before);
	params_format(&t->want, id, buf, sizeof buf);
	tui_set_status(t, false, "%s = %s", d->name, buf);
}

void tui_draw_params(struct tui *t, const struct rect *r)
{
	int ids[P__COUNT];
	int n = tui_stage_params(t->stage, ids, P__COUNT);
	attrset(A_NORMAL);
	mvhline(r->y, r->x, ' ', r->w);
	int x = tui_putf(r, 0, 0, -1, ROLE_TITLE, "%s:", stage_name(t->stage));
	if (n == 0) {
		tui_put(r, 0, x + 1, -1, ROLE_DIM, "(no parameters)");
		return;
	}
	int sel = t->psel % n, first = 0, widths[P__COUNT];
	char text[P__COUNT][96];
	for (int k = 0; k < n; k++) {
		char v[64];
		const char *name = params_def(ids[k])->name;
		const char *dot = strchr(name, '.');
		params_format(&t->want, ids[k], v, sizeof v);
		bool pending = params_stage_differs(&t->want, &t->snap.params,
		    t->stage) && memcmp(&t->want.v[ids[k]],
		    &t->snap.params.v[ids[k]], sizeof(struct param_value));
		snprintf(text[k], sizeof text[k], "%s=%s%s", dot ? dot + 1 :
		    name, v, pending ? "*" : "");
		widths[k] = tui_strwidth(text[k]) + 2;
	}
	/* scroll so that the selected parameter is visible */
	for (;;) {
		int w = x + 2;
		for (int k = first; k <= sel; k++)
			w += widths[k];
		if (w <= r->w || first == sel)
			break;
		first++;
	}
	x++;
	if (first > 0)
		x += tui_put(r, 0, x, -1, ROLE_DIM, tui_utf8 ? "‹" : "<");
	for (int k = first; k < n && x < r->w; k++) {
		bool last_fits = x + widths[k] <= r->w - (k + 1 < n ? 1 : 0);
		if (!last_fits && k != sel) {
			tui_put(r, 0, r->w - 1, 1, ROLE_DIM, tui_utf8 ? "›" :
			    ">");
			break;
		}
		/* a parameter nothing reads under the other settings is
		 * greyed (and changing it re-runs nothing) */
		/* so is one an imported abstract stage fixes */
		bool fixed = t->snap.imported && import_fixed(ids[k]);
		x += tui_putf(r, 0, x, -1, k == sel ? ROLE_PARAMSEL :
		    params_active(&t->want, ids[k]) && !fixed ? ROLE_PARAM :
		    ROLE_DIM,
		    k == sel ? "[%s]" : " %s ", text[k]);
	}
}

/* ---------------------------------------------------------- stage pane */

static int g_stats(const struct tui_snap *sn, const struct rect *r)
{
	const struct graph_stats *g = &sn->gs;
	char e[16], n[16], t[16], u[16], i[16], um[16], im[16], lc[16];
	tui_fmt_count(e, sizeof e, (double)g->n_edges);
	tui_fmt_count(n, sizeof n, (double)g->n_negative);
	tui_fmt_count(t, sizeof t, (double)g->n_truth);
	tui_fmt_count(u, sizeof u, g->n_users);
	tui_fmt_count(i, sizeof i, g->n_items);
	tui_fmt_count(um, sizeof um, g->user_deg.max);
	tui_fmt_count(im, sizeof im, g->item_deg.max);
	tui_fmt_count(lc, sizeof lc, g->largest_component);
	tui_putf(r, 0, 0, -1, ROLE_NORMAL, "users %s  items %s  edges %s", u,
	    i, e);
	if (sn->insight[STAGE_GRAPH]) {
		tui_putf(r, 1, 0, -1, ROLE_NORMAL, "density %.4f  comps %u "
		    "(max %s)", g->density, g->n_components, lc);
		tui_putf(r, 2, 0, -1, ROLE_NORMAL, "user deg med %.0f mean "
		    "%.1f max %s", g->user_deg.median, g->user_deg.mean, um);
		tui_putf(r, 3, 0, -1, ROLE_NORMAL, "item deg med %.0f mean "
		    "%.1f max %s", g->item_deg.median, g->item_deg.mean, im);
		tui_putf(r, 4, 0, -1, ROLE_NORMAL, "gini users %.2f  items "
		    "%.2f", g->user_deg.gini, g->item_deg.gini);
	} else {
		/* statistics are insight, not computed yet: no zeros that
		 * read as values */
		tui_putf(r, 1, 0, -1, ROLE_NORMAL, "density %.4f", g->density);
		tui_put(r, 2, 0, -1, ROLE_DIM, "user deg …");
		tui_put(r, 3, 0, -1, ROLE_DIM, "item deg …");
		tui_put(r, 4, 0, -1, ROLE_DIM, "gini …");
	}
	char cap[32] = "";
	if (g->capped_users)
		snprintf(cap, sizeof cap, "  cap -%u", g->capped_users);
	tui_putf(r, 5, 0, -1, ROLE_NORMAL, "negatives %s  k-core -%u/-%u%s", n,
	    g->kcore_users_removed, g->kcore_items_removed, cap);
	tui_putf(r, 6, 0, -1, ROLE_NORMAL, "held-out %s of %u users", t,
	    g->n_truth_users);
	return 7;
}

/* Draw a titled histogram in rows [y, y+h) of r. */
static void hist_block(const struct rect *r, int y, int h, const char *title,
    const struct histogram *hist, bool logc, const char *fmt)
{
	if (h < 4)
		return;
	tui_put(r, y, 0, -1, ROLE_LABEL, title);
	struct rect a = { r->y + y + 1, r->x, h - 1, r->w };
	tui_vhist(&a, hist, logc, fmt);
}

static void draw_graph(struct tui *t, const struct rect *r)
{
	int y = g_stats(&t->snap, r) + 1;
	int left = r->h - y, h = left / 2;
	if (h < 5) {
		hist_block(r, y, left, "item degree (log2 bins, log count)",
		    &t->snap.gs.item_hist, true, "%.0f");
		return;
	}
	hist_block(r, y, h, "item degree (log2 bins, log count)",
	    &t->snap.gs.item_hist, true, "%.0f");
	hist_block(r, y + h, left - h, "user degree (log2 bins, log count)",
	    &t->snap.gs.user_hist, true, "%.0f");
}

/* Horizontal bar list "label ████ 123" of values relative to `total`. */
static void bar_row(const struct rect *r, int y, const char *label,
    double v, double total, enum tui_role role)
{
	char n[16];
	/* counts as 90.1k; a measurement (importance, a singular value) with
	 * its digits, not rounded to "0" */
	if (v == floor(v))
		tui_fmt_count(n, sizeof n, v);
	else   /* the most digits that fit the 6 columns (0.00123: 0.0012) */
		for (int d = 3; d > 0; d--)
			if (snprintf(n, sizeof n, "%.*g", d, v) <= 6)
				break;
	tui_put(r, y, 0, 10, ROLE_LABEL, label);
	int bw = r->w - 10 - 7;
	tui_bar(r, y, 10, bw, total > 0 ? v / total : 0, role);
	tui_put_right(r, y, r->w - 6, 6, ROLE_VALUE, n);
}

static void draw_abstract(struct tui *t, const struct rect *r)
{
	const struct abstract_stats *a = &t->snap.as;
	char c[16], k[16], th[16], tk[16];
	tui_fmt_count(c, sizeof c, (double)a->candidate_pairs);
	tui_fmt_count(k, sizeof k, (double)a->kept_edges);
	tui_fmt_count(th, sizeof th, (double)a->cut_threshold);
	tui_fmt_count(tk, sizeof tk, (double)a->cut_topk);
	tui_putf(r, 0, 0, -1, ROLE_NORMAL, "candidates %s  kept %s", c, k);
	tui_putf(r, 1, 0, -1, ROLE_NORMAL, "cut: threshold %s  top-k %s", th,
	    tk);
	if (t->snap.insight[STAGE_ABSTRACT]) {
		tui_putf(r, 2, 0, -1, ROLE_NORMAL, "out-deg med %.0f max %.0f  "
		    "clustering %.2f", a->out_deg.median, a->out_deg.max,
		    a->clustering);
		tui_putf(r, 3, 0, -1, ROLE_NORMAL, "communities %u  modularity "
		    "%.3f", a->n_communities, a->modularity);
	} else {
		/* insight not computed yet: no zeros that read as values */
		tui_put(r, 2, 0, -1, ROLE_DIM, "out-deg …  clustering …");
		tui_put(r, 3, 0, -1, ROLE_DIM, "communities …");
	}
	if (t->snap.imported) {
		/* S came from cluster/distill-abstract: what stays live */
		char lim[32] = "";
		if (t->snap.imp.topk > 0)
			snprintf(lim, sizeof lim, ", topk<=%ld",
			    t->snap.imp.topk);
		tui_putf(r, 4, 0, -1, ROLE_LABEL, "imported; live: "
		    "threshold>=%g%s", t->snap.imp.threshold, lim);
	}
	int left = r->h - 5;
	int nc = (int)t->snap.n_comm_top, ch = nc + 1;
	if (ch > left / 2)
		ch = left / 2;
	hist_block(r, 5, left - ch, "similarity (log count), ^ threshold",
	    &a->sim_hist, true, "%.3g");
	if (ch < 2)
		return;
	int y = 5 + left - ch;
	tui_put(r, y, 0, -1, ROLE_LABEL, "community sizes (largest first)");
	uint32_t mx = nc ? t->snap.comm_top[0] : 0;
	/* c<id>, the size as a bar and a number, the label (its most
	 * central item); the bar gives way to the label on a narrow pane */
	int bw = (r->w - 6 - 7) / 2;
	for (int i = 0; i < nc && i < ch - 1; i++) {
		char l[16], n[16];
		int yy = y + 1 + i;
		snprintf(l, sizeof l, "c%u", t->snap.comm_id[i]);
		tui_fmt_count(n, sizeof n, t->snap.comm_top[i]);
		tui_put(r, yy, 0, 6, ROLE_LABEL, l);
		tui_bar(r, yy, 6, bw, mx ? (double)t->snap.comm_top[i] / mx :
		    0, ROLE_C1 + i % 6);
		tui_put_right(r, yy, 6 + bw, 6, ROLE_VALUE, n);
		tui_put(r, yy, 6 + bw + 7, r->w - 6 - bw - 7, ROLE_NORMAL,
		    t->snap.comm_label[i]);
	}
}

static void draw_filter(struct tui *t, const struct rect *r)
{
	const struct filter_stats *f = &t->snap.fs;
	const struct abstract_stats *a = &t->snap.as;
	char m[64], kept[16], removed[16];
	params_format(&t->snap.params, P_FILTER_METHOD, m, sizeof m);
	/* counts as the other panes show them (8.0M, not 8020886) */
	tui_fmt_count(kept, sizeof kept, (double)f->kept);
	tui_fmt_count(removed, sizeof removed, (double)f->removed);
	tui_putf(r, 0, 0, -1, ROLE_NORMAL, "method %s  kept %s  removed %s",
	    m, kept, removed);
	if (t->snap.insight[STAGE_FILTER] && isnan(f->mean_reach_loss)) {
		/* ridge: B re-weights S and cuts nothing (filter.c) */
		tui_put(r, 1, 0, -1, ROLE_DIM, "reach loss -  (ridge "
		    "re-weights S, cuts nothing)");
	} else if (t->snap.insight[STAGE_FILTER]) {
		tui_putf(r, 1, 0, -1, ROLE_NORMAL, "reach loss mean %.1f%% "
		    "max %.1f%%", f->mean_reach_loss * 100,
		    f->max_reach_loss * 100);
	} else {
		/* insight not computed yet: no zeros that read as values */
		tui_put(r, 1, 0, -1, ROLE_DIM, "reach loss …");
		if (f->n_train_edges)
			tui_put(r, 2, 0, -1, ROLE_DIM, "classifier AUC …");
	}
	if (!isnan(f->auc) && f->n_train_edges)
		tui_putf(r, 2, 0, -1, ROLE_NORMAL, "classifier AUC %.3f on "
		    "%llu edges", f->auc, (unsigned long long)f->n_train_edges);
	tui_put(r, 4, 0, -1, ROLE_LABEL, "relations by fate (of candidates)");
	double tot = (double)a->candidate_pairs;
	bar_row(r, 5, "kept", (double)f->kept, tot, ROLE_HIT);
	bar_row(r, 6, "threshold", (double)a->cut_threshold, tot, ROLE_CUT);
	bar_row(r, 7, "top-k", (double)a->cut_topk, tot, ROLE_CUT);
	bar_row(r, 8, "backbone", (double)f->removed_backbone, tot, ROLE_CUT);
	bar_row(r, 9, "learned", (double)f->removed_learned, tot, ROLE_CUT);
	const struct tui_snap *sn = &t->snap;
	int y = 11;
	if (!isnan(f->auc) && f->n_train_edges && r->h > y + 2) {
		/* the classifier's global importance: mean |contribution| */
		double mx = 0;
		for (int k = 0; k < FILTER_NFEATURES; k++)
			mx = f->importance[k] > mx ? f->importance[k] : mx;
		tui_put(r, y++, 0, -1, ROLE_LABEL, "importance (mean "
		    "|contribution|, held-out edges)");
		for (int k = 0; k < FILTER_NFEATURES && y < r->h; k++)
			bar_row(r, y++, filter_feature_names[k],
			    f->importance[k], mx, ROLE_C1 + k % 6);
		y++;
	}
	if (sn->n_sigma == 0 || r->h < y + 2)
		return;
	tui_putf(r, y, 0, -1, ROLE_LABEL, "singular values (rank %u, %.0f%% "
	    "of the spectrum)", sn->sigma_at[sn->n_sigma - 1],
	    sn->lr_energy * 100);
	y++;
	for (uint32_t x = 0; x < sn->n_sigma && y + (int)x < r->h; x++) {
		char l[16];
		snprintf(l, sizeof l, "#%u", sn->sigma_at[x]);
		bar_row(r, y + (int)x, l, sn->sigma[x], sn->sigma[0],
		    ROLE_C1 + (int)(x % 6));
	}
}

static void draw_distill(struct tui *t, const struct rect *r)
{
	const struct dist_summary *s = &t->snap.iw_sum;
	char a[32], b[32], c[32];
	params_format(&t->snap.params, P_DISTILL_ALPHA, a, sizeof a);
	params_format(&t->snap.params, P_DISTILL_BETA, b, sizeof b);
	params_format(&t->snap.params, P_DISTILL_CALIBRATE, c, sizeof c);
	tui_putf(r, 0, 0, -1, ROLE_NORMAL, "alpha %s  beta %s  calibrate %s",
	    a, b, c);
	tui_putf(r, 1, 0, -1, ROLE_NORMAL, "weight 2^(beta·I): min %.3g med "
	    "%.3g", s->min, s->median);
	tui_putf(r, 2, 0, -1, ROLE_NORMAL, "  mean %.3g max %.3g gini %.2f",
	    s->mean, s->max, s->gini);
	hist_block(r, 4, r->h - 4, "information I(j) in bits (items)",
	    &t->snap.info_hist, false, "%.1f");
}

static void draw_recommend(struct tui *t, const struct rect *r)
{
	const struct tui_snap *sn = &t->snap;
	static const char *const col[] = { "ours", "pop", "rand", "knn",
		"rp3" };
	if (!sn->have_ev) {
		tui_put(r, 0, 0, -1, ROLE_DIM, "(not run yet)");
		return;
	}
	const struct eval_result *ev[5] = { &sn->ev, &sn->base[BASE_POP],
		&sn->base[BASE_RANDOM], &sn->base[BASE_ITEMKNN],
		&sn->base[BASE_RP3] };
	bool ok[5] = { true, sn->have_base[BASE_POP],
		sn->have_base[BASE_RANDOM], sn->have_base[BASE_ITEMKNN],
		sn->have_base[BASE_RP3] };
	tui_putf(r, 0, 0, -1, ROLE_NORMAL, "%s: %u users  k=%d", sn->ev.target
	    == TARGET_TEST ? "test" : "validation", sn->ev.n_users,
	    sn->ev.row[0].k);
	int cw = (r->w - 8) / 5 > 6 ? 6 : (r->w - 8) / 5;
	tui_put(r, 1, 0, -1, ROLE_LABEL, "metric");
	for (int c = 0; c < 5; c++)
		tui_put_right(r, 1, 8 + c * cw, cw, c ? ROLE_LABEL : ROLE_TITLE,
		    col[c]);
	for (int m = 0; m < METRIC__COUNT && m + 2 < r->h; m++) {
		tui_put(r, m + 2, 0, 8, ROLE_LABEL, metric_defs[m].label);
		for (int c = 0; c < 5; c++) {
			char v[16] = "-";
			if (ok[c] && ev[c]->nk >= 1)
				tui_fmt_metric(v, sizeof v,
				    metric_of(&ev[c]->row[0], m));
			tui_put_right(r, m + 2, 8 + c * cw, cw, c ? ROLE_NORMAL :
			    ROLE_VALUE, v);
		}
	}
}

static void draw_load(struct tui *t, const struct rect *r)
{
	const struct tui_snap *sn = &t->snap;
	char m[32];
	if (!sn->have_ds) {
		tui_put(r, 0, 0, -1, ROLE_DIM, "no dataset: type :load FILE");
		return;
	}
	params_format(&t->snap.params, P_SPLIT_METHOD, m, sizeof m);
	tui_putf(r, 0, 0, -1, ROLE_NORMAL, "file %s (%s)", sn->dspath,
	    sn->format);
	tui_putf(r, 1, 0, -1, ROLE_NORMAL, "users %u  items %u", sn->n_users,
	    sn->n_items);
	tui_putf(r, 2, 0, -1, ROLE_NORMAL, "interactions %zu  (%zu merged)",
	    sn->n_inter, sn->n_dup);
	tui_putf(r, 3, 0, -1, ROLE_NORMAL, "ratings %s  titles %s", sn->rated ?
	    "yes" : "no (implicit)", sn->has_titles ? "yes" : "no");
	if (!sn->have[STAGE_LOAD])
		return;
	tui_putf(r, 5, 0, -1, ROLE_LABEL, "split %s", m);
	double tot = (double)(sn->n_train + sn->n_valid + sn->n_test);
	bar_row(r, 6, "train", (double)sn->n_train, tot, ROLE_BAR);
	bar_row(r, 7, "valid", (double)sn->n_valid, tot, ROLE_BAR2);
	bar_row(r, 8, "test", (double)sn->n_test, tot, ROLE_SCORE);
	tui_putf(r, 9, 0, -1, ROLE_NORMAL, "users with test items %u",
	    sn->users_with_test);
}

static void stage_draw(struct tui *t, const struct rect *r, bool focus)
{
	char title[128], tm[16], imp[16] = "";
	enum stage s = t->stage;
	tui_fmt_ms(tm, sizeof tm, t->snap.ms[s]);
	if (s == STAGE_ABSTRACT && t->snap.imported) {
		/* say where S came from and what stays live */
		snprintf(imp, sizeof imp, " · imported");
	}
	/* statistics are insight: computed in the background, after the
	 * results (DESIGN §2.1) */
	bool pending = t->snap.fresh[s] && !t->snap.insight[s] &&
	    (s == STAGE_GRAPH || s == STAGE_ABSTRACT || s == STAGE_FILTER);
	snprintf(title, sizeof title, "%d/%d %s%s%s%s", s + 1, STAGE__COUNT,
	    stage_name(s), t->snap.fresh[s] ? "" : " (stale)",
	    pending ? t->snap.insight_running ? " · computing statistics…" :
	    " · statistics not computed" : "", imp);
	tui_rule(r, 0, title, focus);
	struct rect c = { r->y + 1, r->x + 1, r->h - 1, r->w - 1 };
	if (!t->snap.have[s] && s != STAGE_LOAD) {
		tui_put(&c, 0, 0, -1, ROLE_DIM, t->running ? "running…" :
		    "not computed yet");
		return;
	}
	switch (s) {
	case STAGE_LOAD: draw_load(t, &c); break;
	case STAGE_GRAPH: draw_graph(t, &c); break;
	case STAGE_ABSTRACT: draw_abstract(t, &c); break;
	case STAGE_FILTER: draw_filter(t, &c); break;
	case STAGE_DISTILL: draw_distill(t, &c); break;
	default: draw_recommend(t, &c); break;
	}
}

/* ↑/↓ choose the parameter of the bar. */
static int stage_key(struct tui *t, int ch)
{
	int ids[P__COUNT];
	int n = tui_stage_params(t->stage, ids, P__COUNT);
	if (n == 0)
		return 0;
	if (ch == KEY_DOWN || ch == 'j') {
		t->psel = (t->psel % n + 1) % n;
		return KH_HANDLED | KH_REDRAW;
	}
	if (ch == KEY_UP || ch == 'k') {
		t->psel = (t->psel % n + n - 1) % n;
		return KH_HANDLED | KH_REDRAW;
	}
	if (ch == KEY_HOME || ch == 'g' || ch == KEY_END || ch == 'G') {
		t->psel = ch == KEY_HOME || ch == 'g' ? 0 : n - 1;
		return KH_HANDLED | KH_REDRAW;
	}
	return 0;
}

const struct tui_view tui_view_stage = { "stage", stage_draw, stage_key };
