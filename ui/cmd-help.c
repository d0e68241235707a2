/*
 * distill — cmd-help.c: help, help COMMAND, help param NAME and help
 * metric NAME. Everything is derived from the command table and the
 * parameter registry, except the metric formulas, which are written out
 * here once (DESIGN §1.3 and §1.6).
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "out.h"

struct metric_help {
	const char *name;
	const char *text;
};

/* The similarity metrics (the choices of abstract.metric); the
 * evaluation metrics' formulas are metric_defs' (src/eval.c). */
static const struct metric_help metrics[] = {
	{ "cosine", "cosine: s_ij = C_ij / (‖w_i‖·‖w_j‖ + h), C_ij = Σ_u "
	  "w_ui·w_uj, h = abstract.shrink." },
	{ "jaccard", "jaccard: s_ij = |N(i) ∩ N(j)| / |N(i) ∪ N(j)|." },
	{ "asym", "asym: s_ij = C_ij / (‖w_i‖^(2a)·‖w_j‖^(2(1−a)) + h), "
	  "a = abstract.asym_alpha, h = abstract.shrink." },
	{ "p3", "p3: s_ij = Σ_u P_iu·P_uj with P_iu = (w_ui / Σ_v w_vi)^α and "
	  "P_uj = (w_uj / Σ_k w_uk)^α, α = abstract.alpha." },
	{ "rp3", "rp3: s_ij = p3_ij / deg(j)^β, β = abstract.beta (RP3β, "
	  "Paudel et al. 2016)." },
};

#define NMETRICS (sizeof metrics / sizeof metrics[0])

const char *help_metric_text(const char *name)
{
	int m = metric_lookup(name);
	if (m >= 0)
		return metric_defs[m].formula;
	for (size_t k = 0; k < NMETRICS; k++)
		if (strcmp(metrics[k].name, name) == 0)
			return metrics[k].text;
	return NULL;
}

static int help_list(struct session *s)
{
	static const char *const cols[] = { "command", "arguments", "help",
	    NULL };
	struct out o;
	out_begin(&o, s, "help");
	out_table(&o, "commands", cols);
	for (size_t k = 0; k < cmd_count; k++) {
		out_str(&o, cmd_table[k].name);
		out_str(&o, cmd_table[k].args);
		out_str(&o, cmd_table[k].help);
	}
	out_note(&o, "help COMMAND (or help command COMMAND), "
	    "help param NAME (see params), help metric NAME");
	out_end(&o);
	return 0;
}

static int help_command(struct session *s, const char *name)
{
	char why[256], use[512];
	struct out o;
	const struct cmd_entry *c = cmd_find(name, why, sizeof why);
	if (!c)
		return session_error(s, "%s", why);
	snprintf(use, sizeof use, "%s%s%s", c->name, c->args[0] ? " " : "",
	    c->args);
	out_begin(&o, s, "help");
	out_record(&o, c->name);
	out_kv_str(&o, "usage", use);
	if (c->alias)
		out_kv_str(&o, "alias", c->alias);
	out_kv_str(&o, "help", c->help);
	if (c->detail)
		out_kv_str(&o, "detail", c->detail);
	out_end(&o);
	return 0;
}

static int help_param(struct session *s, const char *name)
{
	char r[256], v[256];
	struct out o;
	int id = params_lookup(name);
	if (id < 0)
		return param_unknown(s, name);
	const struct param_def *d = params_def(id);
	param_range_text(d, r, sizeof r);
	params_format(&s->pl.params, id, v, sizeof v);
	out_begin(&o, s, "help");
	out_record(&o, d->name);
	out_kv_str(&o, "doc", d->doc);
	out_kv_str(&o, "value", v);
	out_kv_str(&o, "default", d->def);
	out_kv_str(&o, "range", r);
	out_kv_str(&o, "stage", stage_name(d->stage));
	out_kv_str(&o, "tune_range", d->tune ? d->tune : d->type == PT_ENUM &&
	    (d->stage == STAGE_ABSTRACT || d->stage == STAGE_FILTER ||
	    d->stage == STAGE_DISTILL) ? "every choice" : "-");
	/* what the TUI's Left/Right do to it */
	out_kv_str(&o, "tui_step", id == P_EVAL_TARGET ? "- (typed)" :
	    d->type == PT_ENUM ? "next choice" :
	    params_step_log(d) ? "1, 2, 5, 10, 20, ... (log)" :
	    d->step ? d->step : "-");
	out_end(&o);
	return 0;
}

static int help_metric(struct session *s, const char *name)
{
	struct out o;
	const char *t = help_metric_text(name);
	if (!t) {
		char list[512] = "";
		for (int m = 0; m < METRIC__COUNT; m++) {
			size_t n = strlen(list);
			snprintf(list + n, sizeof list - n, "%s%s", m ? ", " :
			    "", metric_defs[m].name);
		}
		for (size_t k = 0; k < NMETRICS; k++) {
			size_t n = strlen(list);
			snprintf(list + n, sizeof list - n, ", %s",
			    metrics[k].name);
		}
		return session_error(s, "unknown metric '%s' (expected one of "
		    "%s)", name, list);
	}
	out_begin(&o, s, "help");
	out_record(&o, name);
	out_kv_str(&o, "formula", t);
	out_end(&o);
	return 0;
}

int cmd_help(struct session *s, int argc, char **argv)
{
	if (argc == 1)
		return help_list(s);
	if (argc == 3 && strcmp(argv[1], "param") == 0)
		return help_param(s, argv[2]);
	if (argc == 3 && strcmp(argv[1], "metric") == 0)
		return help_metric(s, argv[2]);
	if (argc == 3 && strcmp(argv[1], "command") == 0)
		return help_command(s, argv[2]);
	if (argc == 2 && strcmp(argv[1], "param") != 0 &&
	    strcmp(argv[1], "metric") != 0 && strcmp(argv[1], "command") != 0)
		return help_command(s, argv[1]);
	return cmd_usage(s, "help");
}
