/* STUB — replaced by the split implementation. */
#include "dataset.h"
#include "params.h"
int split_assign(const struct dataset *ds, const struct params *p,
    uint8_t *part, struct err *err)
{ return err_set(err, ERR_STATE, "split: not implemented"); }
