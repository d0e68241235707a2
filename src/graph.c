/* STUB (being written) */
#include <string.h>
#include "pipeline.h"
int graph_run(struct pipeline *pl, struct graph_out *out, struct err *err)
{ return err_set(err, ERR_STATE, "graph: not implemented"); }
void graph_out_destroy(struct graph_out *o) { memset(o, 0, sizeof *o); }
