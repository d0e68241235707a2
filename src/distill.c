/* STUB */
#include <string.h>
#include "pipeline.h"
int distill_run(struct pipeline *pl, struct distill_out *out, struct err *err)
{ return err_set(err, ERR_STATE, "distill: not implemented"); }
void distill_out_destroy(struct distill_out *o) { memset(o, 0, sizeof *o); }
