/* STUB */
#include <string.h>
#include "explain.h"
#define NI(e) return err_set(e, ERR_STATE, "not implemented")
int rec_user(struct pipeline *pl, uint32_t u, int n, struct rec_list *o, struct err *e) { NI(e); }
void rec_list_destroy(struct rec_list *l) {}
int rec_write_all(struct pipeline *pl, const char *p, struct err *e) { NI(e); }
int explain_why(struct pipeline *pl, uint32_t u, uint32_t i, struct why_out *o, struct err *e) { NI(e); }
void why_out_destroy(struct why_out *w) {}
const char *whynot_reason_name(enum whynot_reason r) { return "?"; }
int explain_whynot(struct pipeline *pl, uint32_t u, uint32_t i, struct whynot_out *o, struct err *e) { NI(e); }
void whynot_out_destroy(struct whynot_out *w) {}
const char *baseline_name(enum baseline b) { return "?"; }
int eval_baseline(struct pipeline *pl, enum baseline b, struct eval_result *o, struct err *e) { NI(e); }
int eval_test(struct pipeline *pl, struct eval_result *o, struct err *e) { NI(e); }
int pipeline_sweep(struct pipeline *pl, const char *p, double a, double b, double c, struct sweep_out *o, struct err *e) { NI(e); }
void sweep_out_destroy(struct sweep_out *s) {}
int user_profile(struct pipeline *pl, uint32_t u, struct user_profile *o, struct err *e) { NI(e); }
void user_profile_destroy(struct user_profile *p) {}
int export_stage(struct pipeline *pl, enum stage s, const char *p, const char *f, struct err *e) { NI(e); }
