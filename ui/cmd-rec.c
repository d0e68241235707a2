/*
 * distill — cmd-rec.c: per-user queries: rec, why, whynot, profile. They
 * resolve USER/ITEM from external ids (items also by title), make
 * the pipeline fresh, and render the engine's explain structs.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "explain.h"
#include "out.h"

static const char *title_of(const struct pipeline *pl, uint32_t i)
{
	return pl->ds->title ? pl->ds->title[i] : NULL;
}

static const char *item_id(const struct pipeline *pl, uint32_t i)
{
	return idmap_name(&pl->ds->items, i);
}

/* "id (Title)" labels of the top contributing items, "; "-separated. */
static void via_text(const struct pipeline *pl, const struct rec_entry *e,
    char *buf, size_t size)
{
	buf[0] = '\0';
	for (int k = 0; k < REC_TOP_VIA && e->via[k] != NO_ITEM; k++) {
		size_t n = strlen(buf);
		snprintf(buf + n, size - n, "%s%s", k ? "; " : "",
		    dataset_item_title(pl->ds, e->via[k]));
	}
}

static int rec_all(struct session *s, int argc, char **argv)
{
	const char *file = NULL, *pos[1];
	bool all = false;
	int npos;
	struct err e;
	const struct cmd_opt opts[] = { { "--all", NULL, &all },
	    { "--out", &file, NULL }, { NULL, NULL, NULL } };

	if (cmd_parse_opts(s, argc, argv, opts, pos, 0, &npos) < 0)
		return -1;
	if (!file)
		return cmd_usage(s, "rec");
	if (session_ensure(s, STAGE_RECOMMEND) < 0)
		return -1;
	err_clear(&e);
	if (rec_write_all(&s->pl, file, &e) < 0)
		return session_err(s, &e);
	/* the users with a list: one with no training item in the graph
	 * (graph.min_rating, the split) has none, and no line */
	uint32_t with = 0, U = s->pl.rec.n_users;
	for (uint32_t u = 0; u < U; u++)
		with += s->pl.rec.len[u] > 0;
	if (s->fmt == OUT_JSON) {
		struct out o;
		out_begin(&o, s, "rec");
		out_record(&o, "wrote");
		out_kv_str(&o, "file", file);
		out_kv_int(&o, "users", with);
		out_kv_int(&o, "users_without_list", U - with);
		out_end(&o);
	} else if (s->fmt == OUT_TABLE && s->interactive) {
		fprintf(s->out, "wrote %u users' lists to %s\n", with, file);
	}
	if (with < U)
		session_warn(s, "rec: %u of %u users have no list (no training "
		    "item in the graph, or nothing reachable): see rec USER",
		    U - with, U);
	return 0;
}

/* Why a list is empty: the user has no training item in the graph, or
 * none of the items reachable from them scores. */
static void rec_empty_note(struct out *o, const struct pipeline *pl,
    uint32_t u, const char *user)
{
	const struct csr *a = &pl->graph.ui;
	uint64_t deg = u < a->nrows ? csr_row_len(a, u) : 0;
	if (deg == 0)
		out_note(o, "%s has no training item in the graph "
		    "(graph.min_rating %g, the split, the degree bounds): "
		    "nothing to recommend from", user,
		    params_real(&pl->params, P_GRAPH_MIN_RATING));
	else
		out_note(o, "no unseen item scores above 0 from %s's %llu "
		    "training items", user, (unsigned long long)deg);
}

int cmd_rec(struct session *s, int argc, char **argv)
{
	static const char *const cols[] = { "rank", "item", "score", "hit",
	    "title", "because", NULL };
	/* a calibrated list is not in score order: say where each stood */
	static const char *const ccols[] = { "rank", "by_score", "item",
	    "score", "hit", "title", "because", NULL };
	struct rec_list l = { 0 };
	struct err e;
	struct out o;
	long n;
	char via[512];

	if (strcmp(argv[1], "--all") == 0 || strcmp(argv[1], "--out") == 0)
		return rec_all(s, argc, argv);
	if (argc > 3)
		return cmd_usage(s, "rec");
	n = params_int(&s->pl.params, P_REC_N);
	if (argc == 3 && cmd_parse_int(s, "rec: N", argv[2], 1, 1000, &n) < 0)
		return -1;
	if (session_ensure(s, STAGE_RECOMMEND) < 0)
		return -1;
	int64_t u = session_user(s, argv[1]);
	if (u < 0)
		return -1;
	err_clear(&e);
	if (rec_user(&s->pl, (uint32_t)u, (int)n, &l, &e) < 0)
		return session_err(s, &e);
	out_begin(&o, s, "rec");
	if (o.fmt == OUT_JSON) {
		out_record(&o, "rec");
		out_kv_str(&o, "user", argv[1]);
		out_kv_int(&o, "n", n);
	}
	out_table(&o, o.fmt == OUT_JSON ? "items" : argv[1], l.calibrated ?
	    ccols : cols);
	for (size_t k = 0; k < l.n; k++) {
		const struct rec_entry *r = &l.e[k];
		via_text(&s->pl, r, via, sizeof via);
		out_int(&o, r->rank);
		if (l.calibrated)
			out_int(&o, r->score_rank);
		out_str(&o, item_id(&s->pl, r->item));
		out_real(&o, r->score);
		out_bool(&o, r->hit);
		out_str(&o, title_of(&s->pl, r->item));
		out_str(&o, via);
	}
	if (l.n == 0)
		rec_empty_note(&o, &s->pl, (uint32_t)u, argv[1]);
	out_end(&o);
	rec_list_destroy(&l);
	return 0;
}

/* Resolve USER and ITEM and make the pipeline fresh. */
static int user_item(struct session *s, char **argv, uint32_t *u,
    uint32_t *i)
{
	if (session_ensure(s, STAGE_RECOMMEND) < 0)
		return -1;
	int64_t x = session_user(s, argv[1]);
	if (x < 0)
		return -1;
	int64_t y = session_item(s, argv[2]);
	if (y < 0)
		return -1;
	*u = (uint32_t)x;
	*i = (uint32_t)y;
	return 0;
}

static void why_tables(struct out *o, const struct pipeline *pl,
    const struct why_out *w)
{
	static const char *const pcols[] = { "via", "A_ui", "B_ij",
	    "contribution", "share", "effect", "via_title", NULL };
	static const char *const lcols[] = { "via", "A_ui", "B_ij",
	    "B_lowrank", "contribution", "share", "effect", "via_title",
	    NULL };
	bool lr = pl->filt.lr.k > 0;
	static const char *const ccols[] = { "via", "cut_by", "cooc",
	    "similarity", "row_rank", "alpha", "score", "would_add",
	    "via_title", NULL };
	static const char *const dcols[] = { "via", "cut_by", "cooc",
	    "similarity", "row_rank", "alpha", "score", "would_add",
	    "drivers", "via_title", NULL };
	static const char *const pdcols[] = { "via", "A_ui", "B_ij",
	    "contribution", "share", "effect", "drivers", "via_title", NULL };
	/* the learned filter: what drove each kept or cut decision */
	bool learned = pl->filt.has_model;
	out_table(o, "paths", lr ? lcols : learned ? pdcols : pcols);
	for (size_t k = 0; k < w->npaths; k++) {
		const struct why_path *p = &w->paths[k];
		out_str(o, item_id(pl, p->via));
		out_real(o, p->a);
		out_real(o, p->b);
		if (lr)
			out_real(o, p->lr);
		out_real(o, p->contrib);
		out_real(o, p->share);
		/* a negative relation (filter.method ridge) pushes j down */
		out_str(o, p->contrib < 0 ? "down" : "up");
		if (learned && !lr)
			out_str(o, p->drivers);
		out_str(o, title_of(pl, p->via));
	}
	if (w->ncuts == 0)
		return;
	out_table(o, "cut_relations", learned ? dcols : ccols);
	for (size_t k = 0; k < w->ncuts; k++) {
		const struct why_cut *c = &w->cuts[k];
		out_str(o, item_id(pl, c->via));
		out_str(o, cut_reason_name(c->reason));
		out_real(o, c->cooc);
		out_real(o, c->sim);
		out_int(o, c->row_rank);
		out_real(o, c->alpha);
		out_real(o, c->score);
		out_real(o, c->would_add);
		if (learned)
			out_str(o, c->drivers);
		out_str(o, title_of(pl, c->via));
	}
}

static void why_record(struct out *o, const struct pipeline *pl,
    const struct why_out *w, const char *user)
{
	out_kv_str(o, "user", user);
	out_kv_str(o, "item", item_id(pl, w->item));
	out_kv_str(o, "title", title_of(pl, w->item));
	out_kv_bool(o, "seen", w->seen);
	out_kv_real(o, "raw_score", w->raw);
	out_kv_real(o, "information_bits", w->info);
	out_kv_real(o, "information_weight", w->iw);
	out_kv_real(o, "score", w->score);
	/* 0: not in the list (beyond 5N uncalibrated): no rank, '-' */
	if (w->rank > 0)
		out_kv_int(o, "rank", w->rank);
	else
		out_kv_str(o, "rank", NULL);
	if (w->rank_uncalibrated > 0)
		out_kv_int(o, "rank_uncalibrated", w->rank_uncalibrated);
	else
		out_kv_str(o, "rank_uncalibrated", NULL);
	out_kv_real(o, "calibration_effect", w->calib_effect);
}

int cmd_why(struct session *s, int argc, char **argv)
{
	struct why_out w = { 0 };
	struct err e;
	struct out o;
	uint32_t u, i;

	if (user_item(s, argv, &u, &i) < 0)
		return -1;
	err_clear(&e);
	if (explain_why(&s->pl, u, i, &w, &e) < 0)
		return session_err(s, &e);
	out_begin(&o, s, "why");
	out_record(&o, "why");
	why_record(&o, &s->pl, &w, argv[1]);
	why_tables(&o, &s->pl, &w);
	out_end(&o);
	why_out_destroy(&w);
	return 0;
}

int cmd_whynot(struct session *s, int argc, char **argv)
{
	struct whynot_out w;
	struct err e;
	struct out o;
	uint32_t u, i;
	char fix[192] = "";

	memset(&w, 0, sizeof w);
	if (user_item(s, argv, &u, &i) < 0)
		return -1;
	err_clear(&e);
	if (explain_whynot(&s->pl, u, i, &w, &e) < 0)
		return session_err(s, &e);
	if (w.has_fix)
		snprintf(fix, sizeof fix, "set %s %s", w.fix_param,
		    w.fix_value);
	out_begin(&o, s, "whynot");
	out_record(&o, "whynot");
	out_kv_str(&o, "reason", whynot_reason_name(w.reason));
	out_kv_int(&o, "list_length", w.n);
	out_kv_int(&o, "rank_among_all", w.rank_full);
	out_kv_real(&o, "nth_score", w.nth_score);
	out_kv_real(&o, "gap", w.gap);
	out_kv_str(&o, "smallest_fix", w.has_fix ? fix : NULL);
	if (w.has_fix)
		out_kv_int(&o, "rank_after_fix", w.fix_rank);
	why_record(&o, &s->pl, &w.why, argv[1]);
	why_tables(&o, &s->pl, &w.why);
	out_end(&o);
	whynot_out_destroy(&w);
	return 0;
}

int cmd_profile(struct session *s, int argc, char **argv)
{
	static const char *const cols[] = { "community", "label", "share",
	    NULL };
	struct user_profile p = { 0 };
	struct err e;
	struct out o;

	if (session_ensure(s, STAGE_ABSTRACT) < 0)
		return -1;
	int64_t u = session_user(s, argv[1]);
	if (u < 0)
		return -1;
	err_clear(&e);
	if (user_profile(&s->pl, (uint32_t)u, &p, &e) < 0)
		return session_err(s, &e);
	out_begin(&o, s, "profile");
	out_record(&o, "profile");
	out_kv_str(&o, "user", argv[1]);
	out_kv_real(&o, "entropy_bits", p.entropy);
	out_table(&o, "communities", cols);
	for (size_t k = 0; k < p.n; k++) {
		out_int(&o, p.e[k].comm);
		out_str(&o, community_label(&s->pl, p.e[k].comm));
		out_real(&o, p.e[k].share);
	}
	out_end(&o);
	user_profile_destroy(&p);
	return 0;
}

int cmd_user(struct session *s, int argc, char **argv)
{
	static const char *const cols[] = { "item", "title", "part", "rating",
	    "time", "positive", NULL };
	static const char *const part_name[3] = { "train", "validation",
	    "test" };
	struct out o;

	if (session_ensure(s, STAGE_LOAD) < 0)
		return -1;
	int64_t u = session_user(s, argv[1]);
	if (u < 0)
		return -1;
	const struct dataset *ds = s->pl.ds;
	const uint8_t *part = s->pl.split.part;
	double min_rating = params_real(&s->pl.params, P_GRAPH_MIN_RATING);
	size_t n[3] = { 0 };
	for (size_t k = 0; k < ds->n; k++)
		if (ds->user[k] == (uint32_t)u)
			n[part[k] < 3 ? part[k] : 0]++;
	out_begin(&o, s, "user");
	out_record(&o, "user");
	out_kv_str(&o, "user", argv[1]);
	out_kv_int(&o, "train", (int64_t)n[PART_TRAIN]);
	out_kv_int(&o, "validation", (int64_t)n[PART_VALID]);
	out_kv_int(&o, "test", (int64_t)n[PART_TEST]);
	out_table(&o, "interactions", cols);
	for (int p = 0; p < 3; p++)
		for (size_t k = 0; k < ds->n; k++) {
			if (ds->user[k] != (uint32_t)u || part[k] != p)
				continue;
			out_str(&o, idmap_name(&ds->items, ds->item[k]));
			out_str(&o, ds->title ? ds->title[ds->item[k]] : NULL);
			out_str(&o, part_name[p]);
			if (ds->rating)
				out_number(&o, ds->rating[k]);
			else
				out_null(&o);
			if (ds->time)
				out_int(&o, ds->time[k]);
			else
				out_null(&o);
			out_bool(&o, !ds->rating || ds->rating[k] >= min_rating);
		}
	out_end(&o);
	return 0;
}

/* B_ij of the relation i -> j, NAN (printed '-') when the filter cut
 * it. */
static double b_weight(const struct csr *B, uint32_t i, uint32_t j)
{
	int64_t e = csr_find(B, i, j);
	return e < 0 ? NAN : B->val[e];
}

/* Why the filter cut S's edge e when B does not keep it: "backbone
 * alpha 0.61 >= 0.05" or "learned: score 0.32 < 0.5"; NULL when kept. */
static const char *cut_text(const struct pipeline *pl, uint64_t e,
    double b, char *buf, size_t n)
{
	if (!isnan(b))
		return NULL;
	switch (params_enum(&pl->params, P_FILTER_METHOD)) {
	case FILTER_BACKBONE:
		if (!pl->filt.alpha)
			return "backbone";
		snprintf(buf, n, "backbone: alpha %.3g >= %g", pl->filt.alpha[e],
		    params_real(&pl->params, P_FILTER_ALPHA));
		return buf;
	case FILTER_LEARNED:
		if (!pl->filt.score)
			return "learned";
		snprintf(buf, n, "learned: score %.3g < %g", pl->filt.score[e],
		    params_real(&pl->params, P_FILTER_MIN_SCORE));
		return buf;
	default:
		return "filter";
	}
}

int cmd_item(struct session *s, int argc, char **argv)
{
	static const char *const cols[] = { "item", "title", "s", "B", "cut",
	    NULL };
	char why[96];
	long n = 10;
	struct out o;

	if (argc > 2 && cmd_parse_int(s, "item: N", argv[2], 1, 1000, &n) < 0)
		return -1;
	/* the community is insight: computed on demand, as stats does */
	if (session_ensure(s, STAGE_FILTER) < 0 ||
	    session_insight(s, STAGE_ABSTRACT) < 0)
		return -1;
	int64_t it = session_item(s, argv[1]);
	if (it < 0)
		return -1;
	const struct pipeline *pl = &s->pl;
	const struct dataset *ds = pl->ds;
	const struct csr *S = &pl->abs.S, *B = &pl->filt.B;
	uint32_t i = (uint32_t)it;
	out_begin(&o, s, "item");
	out_record(&o, "item");
	out_kv_str(&o, "item", idmap_name(&ds->items, i));
	out_kv_str(&o, "title", ds->title ? ds->title[i] : NULL);
	out_kv_str(&o, "genres", ds->genres ? ds->genres[i] : NULL);
	out_kv_int(&o, "fit_degree", i < pl->graph.iu.nrows ?
	    (int64_t)csr_row_len(&pl->graph.iu, i) : 0);
	if (pl->abs.community) {
		out_kv_int(&o, "community", pl->abs.community[i]);
		out_kv_str(&o, "community_label", community_label(pl,
		    pl->abs.community[i]));
	} else {
		out_kv_str(&o, "community", NULL);
	}
	out_kv_int(&o, "out_degree", i < S->nrows ?
	    (int64_t)csr_row_len(S, i) : 0);
	/* row i of S, best first (its order) */
	out_table(&o, "similar", cols);
	for (uint64_t e = i < S->nrows ? S->ptr[i] : 0;
	    i < S->nrows && e < S->ptr[i + 1] && e < S->ptr[i] + (uint64_t)n;
	    e++) {
		uint32_t j = S->idx[e];
		out_str(&o, idmap_name(&ds->items, j));
		out_str(&o, ds->title ? ds->title[j] : NULL);
		out_real(&o, S->val[e]);
		double b = b_weight(B, i, j);
		out_real(&o, b);
		out_str(&o, cut_text(pl, e, b, why, sizeof why));
	}
	/* column i of S: the n largest s_ki */
	uint32_t *top = xmalloc((size_t)n * sizeof *top);
	uint64_t *te = xmalloc((size_t)n * sizeof *te);
	double *ts = xmalloc((size_t)n * sizeof *ts);
	long nt = 0;
	for (uint32_t k = 0; k < S->nrows; k++)
		for (uint64_t e = S->ptr[k]; e < S->ptr[k + 1]; e++) {
			if (S->idx[e] != i)
				continue;
			double v = S->val[e];
			long p = nt < n ? nt++ : n;
			while (p > 0 && ts[p - 1] < v) {
				if (p < n) {
					ts[p] = ts[p - 1];
					top[p] = top[p - 1];
					te[p] = te[p - 1];
				}
				p--;
			}
			if (p < n) {
				ts[p] = v;
				top[p] = k;
				te[p] = e;
			}
		}
	out_table(&o, "similar_to_it", cols);
	for (long q = 0; q < nt; q++) {
		out_str(&o, idmap_name(&ds->items, top[q]));
		out_str(&o, ds->title ? ds->title[top[q]] : NULL);
		out_real(&o, ts[q]);
		double b = b_weight(B, top[q], i);
		out_real(&o, b);
		out_str(&o, cut_text(pl, te[q], b, why, sizeof why));
	}
	free(top);
	free(te);
	free(ts);
	out_end(&o);
	return 0;
}

int cmd_community(struct session *s, int argc, char **argv)
{
	static const char *const cols[] = { "rank", "item", "title",
	    "fit_degree", NULL };
	struct out o;
	long c = -1;

	if (argc == 2 && argv[1][0] == '-')
		return cmd_usage(s, "community");
	if (session_ensure(s, STAGE_ABSTRACT) < 0 ||
	    session_insight(s, STAGE_ABSTRACT) < 0)
		return -1;
	const struct pipeline *pl = &s->pl;
	const struct abstract_out *a = &pl->abs;
	if (!a->community || a->n_comm == 0)
		return session_error(s, "community: no communities (set "
		    "abstract.cluster to leiden or louvain)");
	if (argc == 3) {
		if (strcmp(argv[1], "--of") != 0)
			return cmd_usage(s, "community");
		int64_t it = session_item(s, argv[2]);
		if (it < 0)
			return -1;
		c = a->community[it];
	} else if (cmd_parse_int(s, "community: C", argv[1], 0,
	    (long)a->n_comm - 1, &c) < 0) {
		return -1;
	}
	const struct dataset *ds = pl->ds;
	const uint32_t *central = community_central(pl, (uint32_t)c);
	uint32_t size = a->comm_size ? a->comm_size[c] : 0, rank = 0;
	for (uint32_t k = 0; a->comm_order && k < a->n_comm; k++)
		if (a->comm_order[k] == (uint32_t)c)
			rank = k + 1;
	out_begin(&o, s, "community");
	out_record(&o, "community");
	out_kv_int(&o, "community", c);
	out_kv_str(&o, "label", community_label(pl, (uint32_t)c));
	out_kv_int(&o, "size", size);
	out_kv_real(&o, "share_of_items", ds->items.n ?
	    (double)size / ds->items.n : 0);
	out_kv_int(&o, "size_rank", rank);
	out_kv_int(&o, "communities", a->n_comm);
	out_kv_real(&o, "modularity", a->st.modularity);
	/* the items the community's other items point to most */
	out_table(&o, "central", cols);
	for (int q = 0; central && q < COMM_CENTRAL && central[q] != NO_ITEM;
	    q++) {
		uint32_t i = central[q];
		out_int(&o, q + 1);
		out_str(&o, idmap_name(&ds->items, i));
		out_str(&o, ds->title ? ds->title[i] : NULL);
		out_int(&o, i < pl->graph.iu.nrows ?
		    (int64_t)csr_row_len(&pl->graph.iu, i) : 0);
	}
	out_end(&o);
	return 0;
}
