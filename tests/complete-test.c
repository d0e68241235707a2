/*
 * distill — tests/complete-test.c: REPL completion and hints, called
 * directly (no terminal). Candidates must come from the command table's
 * usage strings, the parameter registry, the stage names and the loaded
 * dataset; the expected lists below are written out by hand from
 * src/params.c, ui/cmd.c and samples/teach.tsv (10 users alice..judy,
 * 12 items i01..i12, i03 = "The Matrix (1999)").
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "cmds.h"
#include "complete.h"
#include "session.h"

static struct session S;

static void setup_empty(void)
{
	session_init(&S);
}

/* The teaching set with its titles. */
static void setup_teach(void)
{
	struct load_opts lo = { .items_path = SAMPLES "/teach-items.csv" };
	struct err e;

	session_init(&S);
	cr_assert_eq(pipeline_load(&S.pl, SAMPLES "/teach.tsv", &lo, &e), 0,
	    "%s", e.msg);
}

static void teardown(void)
{
	session_destroy(&S);
}

/* Complete at the end of line. */
static void comp(const char *line, struct completion *c)
{
	complete_line(&S, line, (int)strlen(line), c);
}

static bool has(const struct completion *c, const char *v)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i], v) == 0)
			return true;
	return false;
}

/* The candidates joined by spaces, for exact comparisons. */
static const char *joined(const struct completion *c)
{
	static char buf[4096];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->n && len < sizeof buf - 1; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
		    i ? " " : "", c->v[i]);
	return buf;
}

/* Exact candidate list of line, in order. */
static void expect(const char *line, const char *want)
{
	struct completion c;

	comp(line, &c);
	cr_expect_str_eq(joined(&c), want, "completing '%s'", line);
	completion_free(&c);
}

TestSuite(complete, .init = setup_empty, .fini = teardown);

Test(complete, command_names_come_from_the_table)
{
	struct completion c;

	comp("", &c);
	cr_expect_eq(c.n, cmd_count);     /* every command, no alias */
	cr_expect(has(&c, "load") && has(&c, "help") && has(&c, "quit"));
	completion_free(&c);
	expect("se", "set");
	expect("st", "step stats");       /* the two `st` commands */
	expect("why", "why whynot");
	expect("ex", "export");           /* not the alias exit */
	expect("exi", "exit");            /* the alias when nothing else */
	expect("frob", "");
}

Test(complete, parameter_names_and_the_part_after_the_dot)
{
	struct completion c;

	expect("set abstract.th", "abstract.threshold");
	expect("get split.", "split.method split.test_fraction "
	    "split.validation split.seed");
	/* "metric" is no prefix; abstract.metric ends in it */
	comp("set metric", &c);
	cr_expect_str_eq(joined(&c), "abstract.metric");
	cr_expect(c.replace);
	completion_free(&c);
	comp("set distill.", &c);
	cr_expect_eq(c.n, 3);             /* alpha, beta, calibrate */
	cr_expect(!c.replace);
	completion_free(&c);
}

Test(complete, enumerated_values_after_set_name)
{
	expect("set abstract.metric ", "cosine jaccard asym p3 rp3");
	expect("set abstract.metric r", "rp3");
	expect("set graph.weighting ", "binary rating log");
	expect("set split.validation g", "given");
	expect("set abstract.topk ", "");     /* numbers: no guessing */
	/* several commands on a line: only the last counts */
	expect("get rec.n; set filter.method b", "backbone");
	/* the value, not another name, after a complete name */
	expect("set rec.n 1", "");
}

Test(complete, stages_options_and_literal_choices)
{
	expect("run ", "load graph abstract filter distill recommend");
	expect("stats ab", "abstract");
	expect("params f", "filter");
	expect("eval --", "--test");
	expect("load data.csv --f", "--format");
	expect("load data.csv --format ", "auto ml100k ml1m csv tsv adj");
	expect("load data.csv --format m", "ml100k ml1m");
	expect("export graph out.dot --format g", "graphml");
	expect("format j", "json");
	expect("rec --all --o", "--out");
}

Test(complete, help_topics_and_metrics)
{
	struct completion c;

	expect("help param abstract.me", "abstract.metric");
	expect("help metric nd", "ndcg");
	expect("help metric co", "coverage cosine");
	expect("sweep abstract.topk 10 100 10 nd", "ndcg");
	comp("help ", &c);                 /* commands and the three topics */
	cr_expect(has(&c, "param") && has(&c, "metric") && has(&c, "load") &&
	    has(&c, "command"));
	completion_free(&c);
	expect("help command tu", "tune");
	/* every metric offered is one that help explains */
	comp("help metric ", &c);
	cr_expect_eq(c.n, 16);             /* 11 evaluation + 5 similarity */
	for (size_t i = 0; i < c.n; i++)
		cr_expect_not_null(help_metric_text(c.v[i]), "%s", c.v[i]);
	completion_free(&c);
}

Test(complete, file_names_after_load_source_save)
{
	char dir[] = "/tmp/complete-testXXXXXX", path[256], line[300];
	struct completion c;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/tour one.distill", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fclose(f);
	snprintf(path, sizeof path, "%s/sub", dir);
	cr_assert_eq(mkdir(path, 0700), 0);

	snprintf(line, sizeof line, "source %s/to", dir);
	comp(line, &c);
	cr_expect(c.files);
	cr_expect_eq(c.n, 1);
	snprintf(path, sizeof path, "%s/tour one.distill", dir);
	cr_expect_str_eq(c.v[0], path);
	completion_free(&c);
	/* inside an open quote the space is part of the word */
	snprintf(line, sizeof line, "load \"%s/tour o", dir);
	comp(line, &c);
	cr_expect_eq(c.n, 1);
	completion_free(&c);
	snprintf(line, sizeof line, "save %s/s", dir);
	comp(line, &c);
	snprintf(path, sizeof path, "%s/sub", dir);
	cr_expect_str_eq(joined(&c), path);
	completion_free(&c);

	snprintf(path, sizeof path, "%s/tour one.distill", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

Test(complete, no_dataset_no_ids)
{
	expect("rec a", "");
	expect("why alice i0", "");
}

/* A suite of its own: a test's .init runs after its suite's. */
TestSuite(complete_data, .init = setup_teach, .fini = teardown);

Test(complete_data, user_and_item_ids_and_titles)
{
	struct completion c;

	expect("rec a", "alice");
	expect("profile ", "alice bob carol dave erin frank grace heidi "
	    "ivan judy");
	expect("why alice i0", "i01 i02 i03 i04 i05 i06 i07 i08 i09");
	expect("whynot bob i1", "i10 i11 i12");
	/* part of a title completes to the id, case-insensitively */
	comp("why alice matri", &c);
	cr_expect_str_eq(joined(&c), "i03");
	cr_expect(c.replace && c.items);
	completion_free(&c);
	comp("why alice BLADE", &c);
	cr_expect_str_eq(joined(&c), "i02");
	completion_free(&c);
	/* the word being completed starts after "alice " */
	comp("why alice matri", &c);
	cr_expect_eq(c.start, 10);
	completion_free(&c);
}

Test(complete, hints_follow_the_usage)
{
	char *h;

	cr_expect_str_eq(h = complete_hint(&S, "set"), " PARAM VALUE");
	free(h);
	cr_expect_str_eq(h = complete_hint(&S, "set "), "PARAM VALUE");
	free(h);
	cr_expect_str_eq(h = complete_hint(&S, "why "), "USER ITEM");
	free(h);
	cr_expect_str_eq(h = complete_hint(&S, "why alice "), "ITEM");
	free(h);
	cr_expect_null(complete_hint(&S, "why alice i01 "));
	cr_expect_null(complete_hint(&S, "why ali"));  /* mid-word */
	cr_expect_null(complete_hint(&S, "frob "));
	cr_expect_null(complete_hint(&S, "undo"));     /* no arguments */
	/* rec has two forms: a user picks the first */
	cr_expect_str_eq(h = complete_hint(&S, "rec "),
	    "USER [N] | --all --out FILE");
	free(h);
	cr_expect_str_eq(h = complete_hint(&S, "rec alice "), "[N]");
	free(h);
	cr_expect_str_eq(h = complete_hint(&S, "sweep abstract.topk 1 "),
	    "TO STEP [METRIC[@K]]");
	free(h);
}

Test(complete, value_hints_show_choices_range_and_doc)
{
	char *h;

	h = complete_hint(&S, "set abstract.metric ");
	cr_expect_str_eq(h, "cosine|jaccard|asym|p3|rp3  (now rp3, default "
	    "rp3) item-item similarity");
	free(h);
	struct err e;

	cr_assert_eq(pipeline_set(&S.pl, "abstract.topk", "20", &e), 0);
	h = complete_hint(&S, "set abstract.topk ");
	cr_expect_str_eq(h, "integer 0..1e+06  (now 20, default 100) keep "
	    "the k most similar items per item (0 = all)");
	free(h);
	h = complete_hint(&S, "set split.validation ");
	cr_expect(strncmp(h, "0..0.9 or given  (now 0.1", 25) == 0, "%s", h);
	free(h);
}
