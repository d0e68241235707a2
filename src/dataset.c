/* STUB — replaced by the loader implementation. */
#include <stdlib.h>
#include <string.h>
#include "dataset.h"
#include "params.h"
void idmap_init(struct idmap *m) { memset(m, 0, sizeof *m); }
void idmap_destroy(struct idmap *m) { memset(m, 0, sizeof *m); }
uint32_t idmap_intern(struct idmap *m, const char *s, size_t n) { abort(); }
int64_t idmap_find(const struct idmap *m, const char *s, size_t n) { return -1; }
const char *format_name(enum format f) { return "?"; }
int format_lookup(const char *name) { return -1; }
int dataset_load(struct dataset *ds, const char *path, const struct load_opts *o,
    const struct hooks *h, struct err *err)
{ return err_set(err, ERR_STATE, "load: not implemented"); }
void dataset_destroy(struct dataset *ds) { }
const char *dataset_item_title(const struct dataset *ds, uint32_t item) { return ""; }
