/*
 * distill — test-cmd.c: the command layer without a terminal: tokenizer,
 * command lookup and suggestions, output rendering (widths, CSV quoting,
 * JSON), terminal plots, undo/redo. Links ui/ files that use neither
 * curses nor readline.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "out.h"
#include "plot.h"
#include "session.h"
#include "usage.h"

Test(cmd, split_quotes_and_escapes)
{
	int argc;
	char **argv, why[128];
	cr_assert_eq(cmd_split("why alice \"Blade Runner (1982)\" 'a b'\\ c",
	    &argc, &argv, why, sizeof why), 0);
	cr_assert_eq(argc, 4);
	cr_assert_str_eq(argv[0], "why");
	cr_assert_str_eq(argv[2], "Blade Runner (1982)");
	cr_assert_str_eq(argv[3], "a b c");   /* adjacent parts join */
	cr_assert_null(argv[4]);
	cmd_free_words(argc, argv);

	cr_assert_eq(cmd_split("get x # comment", &argc, &argv, why,
	    sizeof why), 0);
	cr_assert_eq(argc, 2);
	cmd_free_words(argc, argv);

	cr_assert_eq(cmd_split("say \"open", &argc, &argv, why, sizeof why),
	    -1);
	cr_assert_str_eq(why, "unterminated double quote");
}

/* One lexer (cmd_lex) behind cmd_split, the ';' split and completion:
 * the word being completed decodes as the finished word would. */
Test(cmd, one_lexer_for_split_and_completion)
{
	int argc;
	char **argv, why[128];
	cr_assert_eq(cmd_split("why bob \"N\\x41\" x", &argc, &argv, why,
	    sizeof why), 0);
	cr_assert_eq(argc, 4);
	cr_assert_str_eq(argv[2], "NA");
	cmd_free_words(argc, argv);
	/* a command ends at an unquoted ';' */
	cr_assert_eq(cmd_split("set a 1; set b 2", &argc, &argv, why,
	    sizeof why), 0);
	cr_assert_eq(argc, 3);
	cr_assert_str_eq(argv[2], "1");
	cmd_free_words(argc, argv);

	struct usage_words ws;
	const char *line = "why bob \"N\\x41";
	usage_split(line, (int)strlen(line), &ws);
	cr_assert_eq(ws.n, 2);
	cr_assert_str_eq(ws.cur, "NA");
	cr_assert_eq(ws.cur_start, 8);
	usage_words_free(&ws);
	line = "rec 1; set abstract.to";
	usage_split(line, (int)strlen(line), &ws);
	cr_assert_eq(ws.n, 1);
	cr_assert_str_eq(ws.w[0], "set");
	cr_assert_str_eq(ws.cur, "abstract.to");
	cr_assert_eq(ws.cur_start, 11);
	usage_words_free(&ws);
	line = "set ";
	usage_split(line, (int)strlen(line), &ws);
	cr_assert_eq(ws.n, 1);
	cr_assert_str_eq(ws.cur, "");
	cr_assert_eq(ws.cur_start, 4);
	usage_words_free(&ws);
}

Test(cmd, find_exact_alias_prefix_and_suggestion)
{
	char why[256];
	cr_assert_str_eq(cmd_find("load", why, sizeof why)->name, "load");
	cr_assert_str_eq(cmd_find("exit", why, sizeof why)->name, "quit");
	cr_assert_str_eq(cmd_find("whyn", why, sizeof why)->name, "whynot");
	/* "why" is a command and a prefix of whynot: exact wins */
	cr_assert_str_eq(cmd_find("why", why, sizeof why)->name, "why");
	cr_assert_null(cmd_find("st", why, sizeof why));
	cr_assert_str_eq(why, "ambiguous command 'st': could be step, stats");
	cr_assert_null(cmd_find("lod", why, sizeof why));
	cr_assert_str_eq(why, "unknown command 'lod' (did you mean 'load'?)");
	cr_assert_null(cmd_find("xyzzy", why, sizeof why));
	cr_assert_str_eq(why, "unknown command 'xyzzy' (type 'help' for the "
	    "list)");
}

/* Run `line` on a session writing into memory; returns stdout text. */
static char *run_capture(struct session *s, const char *line, int *rc)
{
	char *buf = NULL, *ebuf = NULL;
	size_t len = 0, elen = 0;
	s->out = open_memstream(&buf, &len);
	s->err = open_memstream(&ebuf, &elen);
	*rc = cmd_run_line(s, line);
	fclose(s->out);
	fclose(s->err);
	free(ebuf);
	s->out = stdout;
	s->err = stderr;
	return buf;
}

Test(cmd, run_line_stops_at_first_error_unless_keep_going)
{
	struct session s;
	int rc;
	session_init(&s);
	char *o = run_capture(&s, "set rec.n 5; set rec.n 0; set rec.n 7",
	    &rc);
	cr_assert_eq(rc, -1);
	cr_assert_eq(params_int(&s.pl.params, P_REC_N), 5);
	free(o);
	s.keep_going = true;
	o = run_capture(&s, "set rec.n 6; set rec.n 0; set rec.n 7", &rc);
	cr_assert_eq(rc, -1);
	cr_assert_eq(params_int(&s.pl.params, P_REC_N), 7);
	free(o);
	session_destroy(&s);
}

Test(cmd, undo_redo_restore_parameters)
{
	struct session s;
	int rc;
	session_init(&s);
	free(run_capture(&s, "set abstract.topk 5; set abstract.topk 7; "
	    "undo", &rc));
	cr_assert_eq(rc, 0);
	cr_assert_eq(params_int(&s.pl.params, P_ABSTRACT_TOPK), 5);
	free(run_capture(&s, "undo", &rc));
	cr_assert_eq(params_int(&s.pl.params, P_ABSTRACT_TOPK), 100);
	free(run_capture(&s, "undo", &rc));
	cr_assert_eq(rc, -1);   /* nothing left */
	free(run_capture(&s, "redo; redo", &rc));
	cr_assert_eq(params_int(&s.pl.params, P_ABSTRACT_TOPK), 7);
	session_destroy(&s);
}

Test(out, width_counts_display_columns)
{
	cr_assert_eq(out_width("abc"), 3);
	cr_assert_eq(out_width("Am\xc3\xa9lie"), 6);   /* é is one column */
	cr_assert_eq(out_width("\xe2\x94\x80\xe2\x94\x80"), 2);
}

Test(out, csv_quotes_and_json_is_one_line)
{
	static const char *const cols[] = { "item", "title", "score", NULL };
	struct session s;
	struct out o;
	char *buf = NULL;
	size_t len = 0;

	session_init(&s);
	s.fmt = OUT_CSV;
	s.out = open_memstream(&buf, &len);
	out_begin(&o, &s, "t");
	out_table(&o, "t", cols);
	out_str(&o, "i12");
	out_str(&o, "The Good, the \"Bad\"");
	out_real(&o, 0.5);
	out_end(&o);
	fclose(s.out);
	cr_assert_str_eq(buf, "item,title,score\n"
	    "i12,\"The Good, the \"\"Bad\"\"\",0.5\n");
	free(buf);

	s.fmt = OUT_JSON;
	s.out = open_memstream(&buf, &len);
	out_begin(&o, &s, "t");
	out_record(&o, "r");
	out_kv_int(&o, "n", 3);
	out_kv_real(&o, "x", NAN);
	out_kv_str(&o, "s", "a\"b\n");
	out_end(&o);
	fclose(s.out);
	cr_assert_str_eq(buf, "{\"command\":\"t\",\"r\":{\"n\":3,\"x\":null,"
	    "\"s\":\"a\\\"b\\u000a\"}}\n");
	free(buf);
	s.out = stdout;
	session_destroy(&s);
}

Test(plot, histogram_marks_the_threshold_bin)
{
	struct histogram h = { 0 };
	struct plot_lines pl;
	h.nbins = 2;
	h.edge[0] = 0;
	h.edge[1] = 0.5;
	h.edge[2] = 1;
	h.count[0] = 4;
	h.count[1] = 8;
	h.marker = 0.6;
	plot_lines_init(&pl);
	plot_histogram(&h, 40, false, "threshold", &pl);
	cr_assert_eq(pl.n, 2);
	/* width 40: label 5 + count 1 + 3 + marker allowance (9 + 16)
	 * leaves 6 cells; 8 → 6 '#', 4 → 3 '#' */
	cr_assert_str_eq(pl.line[0], "0-0.5 |### 4");
	cr_assert_str_eq(pl.line[1], "0.5-1 |###### 8 <- threshold = 0.6");
	plot_lines_destroy(&pl);
}
