/*
 * distill — insight.c: the insight path (DESIGN §2.1). A stage's result is
 * what later stages and the scores read; its insight is what a person
 * reads about it — degree summaries, components, clustering coefficient,
 * communities and modularity, reach loss. Insight is computed here on
 * demand, for the stage's current result only, and cached until the stage
 * publishes a new result (pipeline.c clears pl->insight[s] then).
 */
#include <string.h>

#include "abstract.h"

bool pipeline_needs_communities(const struct params *p)
{
	return params_real(p, P_DISTILL_CALIBRATE) > 0 ||
	    params_enum(p, P_FILTER_METHOD) == FILTER_LEARNED ||
	    params_enum(p, P_EVAL_ILE) == 1;
}

static int insight_run(const struct pipeline *pl, enum stage s,
    const struct hooks *h, struct insight_out *o, struct err *err)
{
	if ((unsigned)s >= STAGE__COUNT)
		return err_set(err, ERR_INVAL, "no such stage");
	if (!pl->fresh[s])
		return err_set(err, ERR_STATE, "%s is stale: run it first",
		    stage_name(s));
	if (pl->insight[s] || o->done[s])
		return 0;
	if (hooks_cancelled(h))
		return err_set(err, ERR_INTERRUPTED, "interrupted before the "
		    "%s statistics", stage_name(s));
	int rc = 0;
	switch (s) {
	case STAGE_GRAPH:
		graph_insight(&pl->graph, &o->graph);
		break;
	case STAGE_ABSTRACT:
		rc = abstract_insight(pl, h, &o->abs, err);
		break;
	case STAGE_FILTER:
		rc = filter_insight(pl, h, &o->filt, err);
		break;
	default:        /* load, distill, recommend: all in the result */
		break;
	}
	if (rc < 0)
		return err_prefix(err, "%s", stage_name(s));
	o->done[s] = true;
	return 0;
}

/* In a memory scope: the stage's insight fails without the memory, its
 * result stays. */
int insight_compute(const struct pipeline *pl, enum stage s,
    const struct hooks *h, struct insight_out *o, struct err *err)
{
	struct mem_scope sc;
	struct insight_out keep = *o;
	mem_scope_open(&sc);
	if (setjmp(sc.jb) != 0) {
		/* what it had before this call is not the scope's */
		*o = keep;
		return mem_scope_error(&sc, err, stage_name(s));
	}
	int rc = insight_run(pl, s, h, o, err);
	mem_scope_close(&sc);
	return rc;
}

void insight_publish(struct pipeline *pl, struct insight_out *o)
{
	for (int s = 0; s < STAGE__COUNT; s++) {
		if (!o->done[s] || !pl->fresh[s] || pl->insight[s])
			continue;
		switch (s) {
		case STAGE_GRAPH: pl->graph.st = o->graph; break;
		case STAGE_ABSTRACT:
			abstract_insight_publish(&pl->abs, &o->abs);
			break;
		case STAGE_FILTER: pl->filt.st = o->filt; break;
		default: break;
		}
		pl->insight[s] = true;
	}
	insight_out_destroy(o);
}

void insight_out_destroy(struct insight_out *o)
{
	abstract_out_destroy(&o->abs);   /* what was not published */
	memset(o, 0, sizeof *o);
}

bool pipeline_insight_missing(const struct pipeline *pl)
{
	for (int s = 0; s < STAGE__COUNT; s++)
		if (pl->fresh[s] && !pl->insight[s])
			return true;
	return false;
}

int pipeline_insight(struct pipeline *pl, enum stage s, struct err *err)
{
	struct insight_out o;
	memset(&o, 0, sizeof o);
	if (insight_compute(pl, s, &pl->hooks, &o, err) < 0) {
		insight_out_destroy(&o);
		return -1;
	}
	insight_publish(pl, &o);
	return 0;
}

int pipeline_insight_all(struct pipeline *pl, struct err *err)
{
	for (int s = 0; s < STAGE__COUNT; s++)
		if (pl->fresh[s] && pipeline_insight(pl, s, err) < 0)
			return -1;
	return 0;
}
