/* STUB */
#include <string.h>
#include "pipeline.h"
int recommend_run(struct pipeline *pl, struct rec_out *out, struct err *err)
{ return err_set(err, ERR_STATE, "recommend: not implemented"); }
void rec_out_destroy(struct rec_out *o) { memset(o, 0, sizeof *o); }
