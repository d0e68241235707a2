/*
 * distill — fuzz/stubs.c: weak stand-ins for command bodies that are not
 * written yet, so the command fuzzers link while the ui is being built.
 * A real definition in ui/cmd-*.c always wins over these.
 */
#include "cmds.h"

#define STUB(name) \
	__attribute__((weak)) int name(struct session *s, int argc, \
	    char **argv) \
	{ \
		(void)argc; \
		return session_error(s, "%s: not built in the fuzzer", argv[0]); \
	}

STUB(cmd_load) STUB(cmd_users) STUB(cmd_items) STUB(cmd_save)
STUB(cmd_source) STUB(cmd_format) STUB(cmd_quit) STUB(cmd_set)
STUB(cmd_get) STUB(cmd_params) STUB(cmd_undo) STUB(cmd_redo)
STUB(cmd_run) STUB(cmd_step) STUB(cmd_stats) STUB(cmd_rec) STUB(cmd_why)
STUB(cmd_whynot) STUB(cmd_profile) STUB(cmd_eval) STUB(cmd_compare)
STUB(cmd_sweep) STUB(cmd_export) STUB(cmd_help) STUB(cmd_tune)

__attribute__((weak)) void headline_collect(const struct pipeline *pl,
    bool insight, struct headline *h)
{
	(void)pl;
	(void)insight;
	h->n = 0;
}

__attribute__((weak)) const char *help_metric_text(const char *name)
{
	(void)name;
	return NULL;
}
