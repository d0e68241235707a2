/* STUB */
#include <string.h>
#include "pipeline.h"
const char *const filter_feature_names[FILTER_NFEATURES] = {
	"s_ij", "log C_ij", "log deg i", "log deg j", "rank", "same community",
	"-log alpha" };
const char *cut_reason_name(enum cut_reason r) { return "?"; }
int filter_run(struct pipeline *pl, struct filter_out *out, struct err *err)
{ return err_set(err, ERR_STATE, "filter: not implemented"); }
void filter_out_destroy(struct filter_out *o) { memset(o, 0, sizeof *o); }
