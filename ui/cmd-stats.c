/*
 * distill — cmd-stats.c: run, step and stats: running the pipeline and
 * showing each stage's statistics (DESIGN §1.2–§1.6) with terminal
 * histograms; also the headline numbers that set/undo/redo compare.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "out.h"
#include "plot.h"

#define PLOT_WIDTH 72
#define COMM_SHOWN 10       /* communities listed by stats abstract */
#define COMM_CENTRAL_SHOWN 3 /* central items listed per community */

/* ------------------------------------------------------------ headline */

static void hl_add(struct headline *h, enum stage st, const char *name,
    double v)
{
	if (h->n == HEADLINE_MAX)
		return;
	h->stage[h->n] = st;
	snprintf(h->name[h->n], sizeof h->name[h->n], "%s", name);
	h->value[h->n++] = v;
}

void headline_eval(struct headline *h, const struct eval_row *r)
{
	char n[32];
#define M(field) do { snprintf(n, sizeof n, #field "@%d", r->k); \
		hl_add(h, STAGE_RECOMMEND, n, r->field); } while (0)
	M(precision); M(recall); M(ndcg); M(map); M(mrr); M(hitrate);
#undef M
	hl_add(h, STAGE_RECOMMEND, "coverage", r->coverage);
	hl_add(h, STAGE_RECOMMEND, "novelty", r->novelty);
	hl_add(h, STAGE_RECOMMEND, "gini", r->gini);
}

void headline_collect(const struct pipeline *pl, bool insight,
    struct headline *h)
{
	h->n = 0;
	if (pl->fresh[STAGE_LOAD]) {
		hl_add(h, STAGE_LOAD, "train", pl->split.n_train);
		hl_add(h, STAGE_LOAD, "validation", pl->split.n_valid);
		hl_add(h, STAGE_LOAD, "test", pl->split.n_test);
	}
	if (pl->fresh[STAGE_GRAPH]) {
		const struct graph_stats *g = &pl->graph.st;
		hl_add(h, STAGE_GRAPH, "users", g->n_users);
		hl_add(h, STAGE_GRAPH, "items", g->n_items);
		hl_add(h, STAGE_GRAPH, "edges", (double)g->n_edges);
		hl_add(h, STAGE_GRAPH, "density", g->density);
		if (insight)
			hl_add(h, STAGE_GRAPH, "components", g->n_components);
	}
	if (pl->fresh[STAGE_ABSTRACT]) {
		const struct abstract_stats *a = &pl->abs.st;
		hl_add(h, STAGE_ABSTRACT, "kept_edges", (double)a->kept_edges);
		if (insight) {
			hl_add(h, STAGE_ABSTRACT, "communities",
			    a->n_communities);
			hl_add(h, STAGE_ABSTRACT, "modularity", a->modularity);
		}
	}
	if (pl->fresh[STAGE_FILTER]) {
		const struct filter_stats *f = &pl->filt.st;
		hl_add(h, STAGE_FILTER, "kept", (double)f->kept);
		hl_add(h, STAGE_FILTER, "removed", (double)f->removed);
		if (insight)
			hl_add(h, STAGE_FILTER, "mean_reach_loss",
			    f->mean_reach_loss);
	}
	if (pl->fresh[STAGE_DISTILL])
		hl_add(h, STAGE_DISTILL, "mean_info_weight",
		    pl->dist.iw_sum.mean);
	if (pl->fresh[STAGE_RECOMMEND] && pl->rec.ev.nk > 0)
		headline_eval(h, &pl->rec.ev.row[0]);
}

/* ------------------------------------------------------------ helpers */

/* A histogram: a plot in table format, bins as a table otherwise. */
static void emit_hist(struct out *o, const char *key, const char *title,
    const struct histogram *h, const char *marker_name)
{
	static const char *const cols[] = { "lo", "hi", "count", NULL };
	if (o->fmt == OUT_TABLE) {
		struct plot_lines pl;
		plot_lines_init(&pl);
		plot_histogram(h, PLOT_WIDTH, o->s->utf8, marker_name, &pl);
		out_text(o, title, pl.line, pl.n);
		plot_lines_destroy(&pl);
		return;
	}
	out_table(o, key, cols);
	for (int b = 0; b < h->nbins; b++) {
		out_real(o, h->edge[b]);
		out_real(o, h->edge[b + 1]);
		out_int(o, (int64_t)h->count[b]);
	}
}

static void summary_row(struct out *o, const char *what,
    const struct dist_summary *d)
{
	out_str(o, what);
	out_int(o, (int64_t)d->n);
	out_real(o, d->min);
	out_real(o, d->median);
	out_real(o, d->mean);
	out_real(o, d->max);
	out_real(o, d->gini);
	out_real(o, d->top1_share);
	out_real(o, d->top20_share);
}

static const char *const summary_cols[] = { "of", "n", "min", "median",
    "mean", "max", "gini", "top1%_share", "top20%_share", NULL };

/* ------------------------------------------------------------ stages */

static void stats_load(struct out *o, const struct pipeline *pl)
{
	const struct split_out *sp = &pl->split;
	char v[64];
	out_record(o, "split");
	params_format(&pl->params, P_SPLIT_METHOD, v, sizeof v);
	out_kv_str(o, "method", v);
	out_kv_int(o, "interactions", (int64_t)pl->ds->n);
	out_kv_int(o, "train", (int64_t)sp->n_train);
	out_kv_int(o, "validation", (int64_t)sp->n_valid);
	out_kv_int(o, "test", (int64_t)sp->n_test);
	out_kv_int(o, "users_with_validation", sp->users_with_valid);
	out_kv_int(o, "users_with_test", sp->users_with_test);
	out_kv_int(o, "duplicates_merged", (int64_t)pl->ds->n_duplicates);
}

static void stats_graph(struct out *o, const struct pipeline *pl)
{
	const struct graph_stats *g = &pl->graph.st;
	out_record(o, "graph");
	out_kv_int(o, "users", g->n_users);
	out_kv_int(o, "items", g->n_items);
	out_kv_int(o, "edges", (int64_t)g->n_edges);
	out_kv_real(o, "density", g->density);
	out_kv_int(o, "negatives_dropped", (int64_t)g->n_negative);
	out_kv_int(o, "kcore_users_removed", g->kcore_users_removed);
	out_kv_int(o, "kcore_items_removed", g->kcore_items_removed);
	out_kv_int(o, "capped_users", g->capped_users);
	out_kv_int(o, "cooccurrence_work", (int64_t)g->cooc_work);
	out_kv_int(o, "components", g->n_components);
	out_kv_int(o, "largest_component", g->largest_component);
	out_kv_int(o, "heldout_positives", (int64_t)g->n_truth);
	out_kv_int(o, "heldout_users", g->n_truth_users);
	out_table(o, "degrees", summary_cols);
	summary_row(o, "users", &g->user_deg);
	summary_row(o, "items", &g->item_deg);
	emit_hist(o, "user_degree_hist", "user degree", &g->user_hist, NULL);
	emit_hist(o, "item_degree_hist", "item degree", &g->item_hist, NULL);
}

/* Label for an item: "id Title" via the dataset. */
static const char *item_label(const struct pipeline *pl, uint32_t i)
{
	return dataset_item_title(pl->ds, i);
}

const char *community_label(const struct pipeline *pl, uint32_t c)
{
	const uint32_t *central = community_central(pl, c);
	if (!central || central[0] == NO_ITEM || !pl->ds)
		return NULL;
	uint32_t i = central[0];
	return pl->ds->title && pl->ds->title[i] && pl->ds->title[i][0] ?
	    pl->ds->title[i] : idmap_name(&pl->ds->items, i);
}

static void stats_communities(struct out *o, const struct pipeline *pl)
{
	static const char *const cols[] = { "community", "size", "label",
	    "central_items", NULL };
	char buf[512];
	const struct abstract_out *a = &pl->abs;
	if (!a->community || a->n_comm == 0)
		return;
	out_table(o, "communities", cols);
	for (uint32_t k = 0; k < a->n_comm && k < COMM_SHOWN; k++) {
		uint32_t c = a->comm_order ? a->comm_order[k] : k;
		const uint32_t *central = community_central(pl, c);
		buf[0] = '\0';
		for (int q = 0; central && q < COMM_CENTRAL_SHOWN; q++) {
			size_t n = strlen(buf);
			if (central[q] != NO_ITEM)
				snprintf(buf + n, sizeof buf - n, "%s%s",
				    q ? "; " : "", item_label(pl, central[q]));
		}
		out_int(o, c);
		out_int(o, a->comm_size ? a->comm_size[c] : 0);
		out_str(o, community_label(pl, c));
		out_str(o, buf);
	}
}

static void stats_abstract(struct out *o, const struct pipeline *pl)
{
	const struct abstract_stats *a = &pl->abs.st;
	char m[64];
	params_format(&pl->params, P_ABSTRACT_METRIC, m, sizeof m);
	out_record(o, "abstract");
	out_kv_str(o, "metric", m);
	out_kv_int(o, "candidate_pairs", (int64_t)a->candidate_pairs);
	out_kv_int(o, "kept_edges", (int64_t)a->kept_edges);
	out_kv_int(o, "cut_by_threshold", (int64_t)a->cut_threshold);
	out_kv_int(o, "cut_by_topk", (int64_t)a->cut_topk);
	out_kv_int(o, "components", a->n_components);
	out_kv_int(o, "largest_component", a->largest_component);
	out_kv_real(o, "clustering", a->clustering);
	out_kv_int(o, "communities", a->n_communities);
	out_kv_real(o, "modularity", a->modularity);
	out_table(o, "degrees", summary_cols);
	summary_row(o, "out_degree", &a->out_deg);
	summary_row(o, "in_degree", &a->in_deg);
	summary_row(o, "community_size", &a->comm_size);
	emit_hist(o, "similarity_hist", "similarity of candidate pairs",
	    &a->sim_hist, "threshold");
	stats_communities(o, pl);
}

/* The captured spectrum of filter.rank: singular values 1, 2, 4, …, k
 * (a plot in table format, a table otherwise). */
static void stats_spectrum(struct out *o, const struct lowrank *lr)
{
	static const char *const cols[] = { "index", "singular_value",
	    NULL };
	char lab[24][16];
	const char *labels[24];
	double vals[24];
	size_t n = 0;
	for (uint32_t x = 1; x <= lr->k && n < 24; x *= 2) {
		snprintf(lab[n], sizeof lab[n], "%u", x);
		labels[n] = lab[n];
		vals[n++] = lr->sigma[x - 1];
		if (x < lr->k && x * 2 > lr->k && n < 24) {
			snprintf(lab[n], sizeof lab[n], "%u", lr->k);
			labels[n] = lab[n];
			vals[n++] = lr->sigma[lr->k - 1];
		}
	}
	if (o->fmt == OUT_TABLE) {
		struct plot_lines p;
		plot_lines_init(&p);
		plot_bars(labels, vals, n, PLOT_WIDTH, o->s->utf8, &p);
		out_text(o, "singular values of the normalised fit matrix",
		    p.line, p.n);
		plot_lines_destroy(&p);
		return;
	}
	out_table(o, "singular_values", cols);
	for (uint32_t x = 0; x < lr->k; x++) {
		out_int(o, x + 1);
		out_real(o, lr->sigma[x]);
	}
}

static void stats_filter(struct out *o, const struct pipeline *pl)
{
	static const char *const cols[] = { "feature", "weight", "importance",
	    NULL };
	static const char *const tcols[] = { "feature", "importance", NULL };
	const struct filter_stats *f = &pl->filt.st;
	char m[64];
	params_format(&pl->params, P_FILTER_METHOD, m, sizeof m);
	out_record(o, "filter");
	out_kv_str(o, "method", m);
	out_kv_int(o, "kept", (int64_t)f->kept);
	out_kv_int(o, "removed", (int64_t)f->removed);
	out_kv_int(o, "removed_backbone", (int64_t)f->removed_backbone);
	out_kv_int(o, "removed_learned", (int64_t)f->removed_learned);
	out_kv_real(o, "mean_reach_loss", f->mean_reach_loss);
	out_kv_real(o, "max_reach_loss", f->max_reach_loss);
	out_kv_int(o, "reach_loss_users", f->reach_users);
	if (params_enum(&pl->params, P_FILTER_METHOD) == FILTER_RIDGE) {
		out_kv_int(o, "negative_weights", (int64_t)f->ridge_negative);
		out_kv_real(o, "negative_share", f->kept ?
		    (double)f->ridge_negative / (double)f->kept : 0);
		out_kv_int(o, "largest_system", f->ridge_max_neighbours);
		out_kv_int(o, "systems_solved", f->ridge_solved);
	}
	if (pl->filt.lr.k > 0) {
		out_kv_int(o, "rank", pl->filt.lr.k);
		out_kv_real(o, "lowrank_weight", pl->filt.lr.gamma);
		out_kv_real(o, "lowrank_power", pl->filt.lr.power);
		out_kv_real(o, "lowrank_norm", pl->filt.lr.eps);
		out_kv_real(o, "spectrum_captured", pl->filt.lr.energy);
		stats_spectrum(o, &pl->filt.lr);
	}
	if (!pl->filt.has_model)
		return;
	out_kv_int(o, "training_edges", (int64_t)f->n_train_edges);
	out_kv_int(o, "training_positives", (int64_t)f->n_train_pos);
	out_kv_real(o, "validation_auc", f->auc);
	/* the held-out edges at filter.min_score */
	out_kv_int(o, "kept_valid", (int64_t)f->tp);
	out_kv_int(o, "kept_invalid", (int64_t)f->fp);
	out_kv_int(o, "cut_valid", (int64_t)f->fn);
	out_kv_int(o, "cut_invalid", (int64_t)f->tn);
	bool linear = !pl->filt.model.booster;
	out_table(o, "model", linear ? cols : tcols);

	for (int k = 0; k <= FILTER_NFEATURES; k++) {
		out_str(o, k < FILTER_NFEATURES ? filter_feature_names[k] :
		    "bias");
		if (linear)
			out_real(o, pl->filt.model.w[k]);
		out_real(o, f->importance[k]);
	}
	if (o->fmt == OUT_TABLE) {
		const char *labels[FILTER_NFEATURES + 1];
		double v[FILTER_NFEATURES + 1];
		struct plot_lines p;
		for (int k = 0; k <= FILTER_NFEATURES; k++) {
			labels[k] = k < FILTER_NFEATURES ?
			    filter_feature_names[k] : "bias";
			v[k] = f->importance[k];
		}
		plot_lines_init(&p);
		plot_bars(labels, v, FILTER_NFEATURES + 1, PLOT_WIDTH,
		    o->s->utf8, &p);
		out_text(o, "importance: mean |contribution| to the margin on "
		    "held-out edges", p.line, p.n);
		plot_lines_destroy(&p);
	}
}

static void stats_distill(struct out *o, const struct pipeline *pl)
{
	static const char *const cols[] = { "of", "n", "min", "median",
	    "mean", "max", NULL };
	const struct dist_summary *d = &pl->dist.iw_sum;
	out_record(o, "distill");
	out_kv_real(o, "alpha", params_real(&pl->params, P_DISTILL_ALPHA));
	out_kv_real(o, "beta", params_real(&pl->params, P_DISTILL_BETA));
	out_kv_real(o, "calibrate",
	    params_real(&pl->params, P_DISTILL_CALIBRATE));
	out_kv_int(o, "A_entries", (int64_t)pl->dist.A.nnz);
	out_table(o, "information_weight", cols);
	out_str(o, "2^(beta*I(j))");
	out_int(o, (int64_t)d->n);
	out_real(o, d->min);
	out_real(o, d->median);
	out_real(o, d->mean);
	out_real(o, d->max);
	emit_hist(o, "information_hist", "self-information I(j) in bits",
	    &pl->dist.info_hist, NULL);
}

/* The evaluation table: one row per k (used by eval and compare too). */
void metric_table(struct out *o, const char *title, bool method)
{
	const char *cols[METRIC__COUNT + 3];
	int n = 0;
	if (method)
		cols[n++] = "method";
	cols[n++] = "k";
	for (int m = 0; m < METRIC__COUNT; m++)
		cols[n++] = metric_defs[m].name;
	cols[n] = NULL;
	out_table(o, title, cols);
}

/* The rows of ev, each led by method, or by parameter id's value as
 * out_param writes it (param >= 0: a number in JSON), or by nothing. */
static void eval_rows_led(struct out *o, const char *method, int param,
    const struct eval_result *ev)
{
	for (int k = 0; k < ev->nk; k++) {
		const struct eval_row *r = &ev->row[k];
		if (method && param >= 0)
			out_param(o, param, method);
		else if (method)
			out_str(o, method);
		out_int(o, r->k);
		for (int m = 0; m < METRIC__COUNT; m++)
			out_real(o, metric_of(r, m));
	}
}

void eval_rows(struct out *o, const char *method,
    const struct eval_result *ev)
{
	eval_rows_led(o, method, -1, ev);
}

void eval_rows_param(struct out *o, int param, const char *value,
    const struct eval_result *ev)
{
	eval_rows_led(o, value, param, ev);
}

static void stats_recommend(struct out *o, const struct pipeline *pl)
{
	const struct eval_result *ev = &pl->rec.ev;
	out_record(o, "recommend");
	out_kv_str(o, "target", ev->target == TARGET_TEST ? "test" :
	    "validation");
	out_kv_int(o, "users_evaluated", ev->n_users);
	out_kv_int(o, "list_length", pl->rec.L);
	metric_table(o, "metrics", false);
	eval_rows(o, NULL, ev);
}

static void stats_stage(struct out *o, const struct pipeline *pl,
    enum stage st)
{
	switch (st) {
	case STAGE_LOAD: stats_load(o, pl); break;
	case STAGE_GRAPH: stats_graph(o, pl); break;
	case STAGE_ABSTRACT: stats_abstract(o, pl); break;
	case STAGE_FILTER: stats_filter(o, pl); break;
	case STAGE_DISTILL: stats_distill(o, pl); break;
	case STAGE_RECOMMEND: stats_recommend(o, pl); break;
	default: break;
	}
}

/* ------------------------------------------------------------ commands */

static void pipeline_table(struct out *o, const struct pipeline *pl)
{
	static const char *const cols[] = { "stage", "status", "ms", NULL };
	out_table(o, "pipeline", cols);
	for (int st = 0; st < STAGE__COUNT; st++) {
		out_str(o, stage_name(st));
		out_str(o, pl->fresh[st] ? "fresh" : pl->have[st] ? "stale" :
		    "not run");
		if (pl->have[st])
			out_realp(o, pl->ms[st], 1);
		else
			out_null(o);
	}
}

static void headline_table(struct out *o, const struct pipeline *pl)
{
	static const char *const cols[] = { "stage", "statistic", "value",
	    NULL };
	struct headline h;
	headline_collect(pl, true, &h);
	out_table(o, "headline", cols);
	for (int k = 0; k < h.n; k++) {
		out_str(o, stage_name(h.stage[k]));
		out_str(o, h.name[k]);
		out_number(o, h.value[k]);
	}
}

int cmd_stats(struct session *s, int argc, char **argv)
{
	struct out o;
	int st = -1;

	if (argc > 1 && (st = cmd_parse_stage(s, argv[1])) < 0)
		return -1;
	if (!s->pl.ds)
		return session_error(s, "no dataset loaded: use load FILE "
		    "first");
	if (st >= 0 && session_ensure(s, st) < 0)
		return -1;
	if (session_insight(s, st) < 0)
		return -1;
	out_begin(&o, s, "stats");
	if (st < 0) {
		pipeline_table(&o, &s->pl);
		headline_table(&o, &s->pl);
	} else
		stats_stage(&o, &s->pl, st);
	out_end(&o);
	return 0;
}

int cmd_run(struct session *s, int argc, char **argv)
{
	static const char *const cols[] = { "stage", "ms", NULL };
	bool was[STAGE__COUNT];
	int st = STAGE_RECOMMEND;
	struct out o;

	if (argc > 1 && (st = cmd_parse_stage(s, argv[1])) < 0)
		return -1;
	memcpy(was, s->pl.fresh, sizeof was);
	if (session_ensure(s, st) < 0)
		return -1;
	out_begin(&o, s, "run");
	out_table(&o, "ran", cols);
	for (int k = 0; k <= st; k++)
		if (!was[k]) {
			out_str(&o, stage_name(k));
			out_realp(&o, s->pl.ms[k], 1);
		}
	out_end(&o);
	return 0;
}

int cmd_step(struct session *s, int argc, char **argv)
{
	struct out o;
	enum stage st = pipeline_first_stale(&s->pl);

	if (!s->pl.ds)
		return session_error(s, "no dataset loaded: use load FILE "
		    "first");
	if (st == STAGE__COUNT) {
		if (s->fmt == OUT_TABLE) {
			fprintf(s->out, "every stage is up to date\n");
		} else if (s->fmt == OUT_JSON) {
			out_begin(&o, s, "step");
			out_record(&o, "step");
			out_kv_str(&o, "stage", NULL);
			out_end(&o);
		}
		return 0;
	}
	if (session_ensure(s, st) < 0 || session_insight(s, st) < 0)
		return -1;
	out_begin(&o, s, "step");
	out_record(&o, "step");
	out_kv_str(&o, "stage", stage_name(st));
	out_kv_real(&o, "ms", s->pl.ms[st]);
	out_kv_str(&o, "next", st + 1 < STAGE__COUNT ?
	    stage_name(st + 1) : NULL);
	stats_stage(&o, &s->pl, st);
	out_end(&o);
	return 0;
}
