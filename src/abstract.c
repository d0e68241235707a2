/* STUB */
#include <string.h>
#include "pipeline.h"
int abstract_run(struct pipeline *pl, struct abstract_out *out, struct err *err)
{ return err_set(err, ERR_STATE, "abstract: not implemented"); }
void abstract_out_destroy(struct abstract_out *o) { memset(o, 0, sizeof *o); }
