/*
 * distill — cmd-data.c: commands about the data and the session as a
 * whole: load, users, items, save, source, format, quit.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmds.h"
#include "out.h"

#define SOURCE_DEPTH_MAX 16

/* ------------------------------------------------------------ load */

/* --delim: one character, or "tab" / "\t". */
static int parse_delim(struct session *s, const char *text, char *out)
{
	if (strcmp(text, "tab") == 0 || strcmp(text, "\\t") == 0)
		*out = '\t';
	else if (strlen(text) == 1)
		*out = text[0];
	else
		return session_error(s, "load: --delim: '%s' is not a single "
		    "character (or 'tab')", text);
	return 0;
}

static bool set_by_load(const struct pipeline *pl, int id);

/* "name=value, …" of the parameters that are not at their default (the
 * seeds and what load itself sets aside), into buf; how many. */
static int non_defaults(const struct pipeline *pl, char *buf, size_t size)
{
	const struct params *p = &pl->params;
	size_t at = 0;
	int n = 0;
	buf[0] = '\0';
	for (int id = 0; id < P__COUNT; id++) {
		const char *name = params_def(id)->name;
		if (params_is_default(p, id) || strstr(name, ".seed") ||
		    set_by_load(pl, id))
			continue;
		char v[256];
		params_format(p, id, v, sizeof v);
		int w = snprintf(buf + at, size - at, "%s%s=%s", n ? ", " : "",
		    name, v);
		if (w < 0 || (size_t)w >= size - at)
			break;
		at += (size_t)w;
		n++;
	}
	return n;
}

static void load_summary(struct session *s, const struct dataset *ds,
    double ms, bool switched)
{
	struct out o;
	const struct split_out *sp = &s->pl.split;
	size_t titles = 0;
	char crc[16];

	for (uint32_t i = 0; ds->title && i < ds->items.n; i++)
		titles += ds->title[i] != NULL;
	snprintf(crc, sizeof crc, "%08x", ds->crc);
	out_begin(&o, s, "load");
	out_record(&o, "dataset");
	out_kv_str(&o, "name", ds->name);
	out_kv_str(&o, "path", ds->path);
	out_kv_str(&o, "format", format_name(ds->format));
	out_kv_int(&o, "users", ds->users.n);
	out_kv_int(&o, "items", ds->items.n);
	out_kv_int(&o, "interactions", (int64_t)ds->n);
	out_kv_int(&o, "duplicates_merged", (int64_t)ds->n_duplicates);
	out_kv_bool(&o, "ratings", ds->rating != NULL);
	out_kv_bool(&o, "timestamps", ds->time != NULL);
	out_kv_int(&o, "titles", (int64_t)titles);
	out_kv_int(&o, "train", (int64_t)sp->n_train);
	out_kv_int(&o, "validation", (int64_t)sp->n_valid);
	out_kv_int(&o, "test", (int64_t)sp->n_test);
	out_kv_str(&o, "crc32", crc);
	const struct import *im = s->pl.imp;
	if (im) {
		/* load DIR: what the cluster job computed, for whom */
		out_kv_str(&o, "abstract", "imported");
		out_kv_int(&o, "neighbour_rows", (int64_t)im->S.nnz);
		out_kv_int(&o, "all_users", (int64_t)im->users_all);
		out_kv_int(&o, "all_interactions",
		    (int64_t)im->interactions_all);
		out_kv_real(&o, "sample_users", im->sample);
		out_kv_int(&o, "sample_seed", (int64_t)im->sample_seed);
		out_kv_str(&o, "job", im->command);
	} else if (s->pl.lopts.sample_users > 0 &&
	    s->pl.lopts.sample_users < 1) {
		out_kv_real(&o, "sample_users", s->pl.lopts.sample_users);
		out_kv_int(&o, "sample_seed",
		    (int64_t)s->pl.lopts.sample_seed);
	}
	out_kv_real(&o, "ms", ms);
	/* another dataset was loaded before: say what settings it left */
	char kept[1024];
	if (switched && o.fmt == OUT_TABLE && !s->pl.imp &&
	    non_defaults(&s->pl, kept, sizeof kept) > 0)
		out_note(&o, "settings kept from before: %s (params lists "
		    "them all)", kept);
	out_end(&o);
}

/* --crc MAIN[,test=HEX][,valid=HEX][,items=HEX], as save writes it. */
static int parse_crc(struct session *s, const char *text, uint32_t *want,
    bool *given)
{
	static const char *const key[4] = { "", "test", "valid", "items" };
	char *copy = xstrdup(text), *save = NULL;
	int k = 0, rc = 0;
	for (char *t = strtok_r(copy, ",", &save); t && rc == 0;
	    t = strtok_r(NULL, ",", &save), k++) {
		int slot = 0;
		char *hex = t, *eq = strchr(t, '=');
		if (k > 0) {
			slot = -1;
			for (int q = 1; eq && q < 4; q++)
				if ((size_t)(eq - t) == strlen(key[q]) &&
				    strncmp(t, key[q], strlen(key[q])) == 0)
					slot = q;
			hex = eq ? eq + 1 : t;
		} else if (eq) {
			slot = -1;
		}
		if (slot < 0 || given[slot] || strlen(hex) == 0 ||
		    strlen(hex) > 8 || strspn(hex, "0123456789abcdefABCDEF") !=
		    strlen(hex))
			rc = session_error(s, "load: --crc '%s': expected the "
			    "CRC-32 of the file as 1 to 8 hexadecimal digits, "
			    "then test=, valid=, items= ones (as save writes "
			    "it)", text);
		else {
			want[slot] = (uint32_t)strtoul(hex, NULL, 16);
			given[slot] = true;
		}
	}
	if (rc == 0 && !given[0])
		rc = session_error(s, "load: --crc '%s': expected the CRC-32 "
		    "of the file first", text);
	free(copy);
	return rc;
}

/* Compare each input's CRC-32 with the one a saved session recorded: a
 * warning, or under source --strict an error (the dataset stays loaded,
 * the script stops). */
static int check_crc(struct session *s, const uint32_t *want,
    const bool *given)
{
	static const char *const what[4] = { "the data", "the --test file",
		"the --valid file", "the item metadata" };
	const struct dataset *ds = s->pl.ds;
	int bad = 0;
	for (int k = 0; k < 4; k++) {
		if (!given[k])
			continue;
		const char *msg = !ds->has_crc[k] ? "was recorded but is not "
		    "read now" : ds->crc_part[k] != want[k] ? "changed" : NULL;
		if (!msg)
			continue;
		bad++;
		if (s->strict)
			session_error(s, "%s %s since the session was saved "
			    "(CRC-32 %08x, recorded %08x): source --strict "
			    "stops here", what[k], msg, ds->crc_part[k],
			    want[k]);
		else
			session_warn(s, "%s %s since the session was saved "
			    "(CRC-32 %08x, recorded %08x): results may differ",
			    what[k], msg, ds->crc_part[k], want[k]);
	}
	return bad && s->strict ? -1 : 0;
}

/*
 * A relative input path on a script's load line: as given when it exists
 * from the working directory (what every script written so far meant),
 * else relative to the script's own directory, so a script that sits
 * beside its data replays from anywhere. NULL: use the path as given.
 */
static char *script_relative(const struct session *s, const char *p)
{
	const char *sf = s->source_file;
	if (!p || p[0] == '/' || !sf || access(p, F_OK) == 0)
		return NULL;
	const char *slash = strrchr(sf, '/');
	if (!slash)
		return NULL;            /* the script is in the working dir */
	char *q = xasprintf("%.*s/%s", (int)(slash - sf), sf, p);
	if (access(q, F_OK) != 0) {
		free(q);
		return NULL;
	}
	return q;
}

static void resolve_inputs(const struct session *s, const char **path,
    struct load_opts *lo, char *own[4])
{
	const char **slot[4] = { path, &lo->items_path, &lo->test_path,
	    &lo->valid_path };
	for (int k = 0; k < 4; k++)
		if ((own[k] = script_relative(s, *slot[k])) != NULL)
			*slot[k] = own[k];
}

int cmd_load(struct session *s, int argc, char **argv)
{
	const char *pos[1];
	struct load_args a = { 0 };
	struct load_opts lo = { 0 };
	struct err e;
	int npos;
#define LOAD_PARSE_OPT(name, arg, field) { name, &a.field, NULL },
	const struct cmd_opt opts[] = {
		LOAD_OPTIONS(LOAD_PARSE_OPT) { NULL, NULL, NULL }
	};
#undef LOAD_PARSE_OPT
	const char *fmt, *delim, *crc, *sample, *sseed;

	if (cmd_parse_opts(s, argc, argv, opts, pos, 1, &npos) < 0)
		return -1;
	if (npos != 1)
		return cmd_usage(s, "load");
	fmt = a.format;
	delim = a.delim;
	crc = a.crc;
	sample = a.sample_users;
	sseed = a.sample_seed;
	lo.items_path = a.items;
	lo.test_path = a.test;
	lo.valid_path = a.valid;
	lo.user_col = a.user;
	lo.item_col = a.item;
	lo.rating_col = a.rating;
	lo.time_col = a.time;
	if (fmt && (int)(lo.format = format_lookup(fmt)) < 0)
		return session_error(s, "load: unknown format '%s' (expected "
		    "auto, ml100k, ml1m, csv, tsv or adj)", fmt);
	if (delim && parse_delim(s, delim, &lo.delim) < 0)
		return -1;
	if (sample && (cmd_parse_real(s, "load: --sample-users", sample,
	    &lo.sample_users) < 0))
		return -1;
	if (sample && !(lo.sample_users > 0 && lo.sample_users <= 1))
		return session_error(s, "load: --sample-users %s: expected a "
		    "share of users in (0, 1]", sample);
	if (sseed) {
		double v;
		if (cmd_parse_real(s, "load: --sample-seed", sseed, &v) < 0)
			return -1;
		if (v < 0 || v > 2147483647 || v != floor(v))
			return session_error(s, "load: --sample-seed %s: "
			    "expected an integer in [0, 2147483647]", sseed);
		lo.sample_seed = (uint64_t)v;
	} else {
		lo.sample_seed = 42;
	}
	if (import_is_dir(pos[0]) && (fmt || lo.items_path || lo.test_path ||
	    lo.valid_path || lo.user_col || lo.item_col || lo.rating_col ||
	    lo.time_col || delim || sample || sseed))
		return session_error(s, "load %s: a directory (the output of "
		    "cluster/distill-abstract) takes no options: its "
		    "manifest says what to read", pos[0]);
	uint32_t want[4];
	bool given[4] = { false };
	if (crc && parse_crc(s, crc, want, given) < 0)
		return -1;
	const char *path = pos[0];
	char *own[4];
	resolve_inputs(s, &path, &lo, own);
	double t0 = util_now_ms();
	bool switched = s->pl.ds != NULL;
	err_clear(&e);
	int rc = pipeline_load(&s->pl, path, &lo, &e);
	for (int k = 0; k < 4; k++)
		free(own[k]);
	if (rc < 0)
		return session_err(s, &e);
	double ms = util_now_ms() - t0;
	session_history_clear(s);
	if (crc && check_crc(s, want, given) < 0)
		return -1;
	if (session_ensure(s, STAGE_LOAD) < 0)
		return -1;
	load_summary(s, s->pl.ds, ms, switched);
	return 0;
}

/* ------------------------------------------------------------ listings */

static int need_data(struct session *s)
{
	if (!s->pl.ds)
		return session_error(s, "no dataset loaded: use load FILE "
		    "first");
	return 0;
}

/* Interactions per user (side 0) or item (side 1) over every part. */
static uint32_t *count_degrees(const struct dataset *ds, int side)
{
	uint32_t n = side ? ds->items.n : ds->users.n;
	uint32_t *deg = xcalloc(n ? n : 1, sizeof *deg);
	const uint32_t *x = side ? ds->item : ds->user;
	for (size_t k = 0; k < ds->n; k++)
		deg[x[k]]++;
	return deg;
}

int cmd_users(struct session *s, int argc, char **argv)
{
	static const char *const cols[] = { "user", "interactions", NULL };
	const char *pat = argc > 1 ? argv[1] : NULL;
	struct out o;

	if (need_data(s) < 0)
		return -1;
	const struct dataset *ds = s->pl.ds;
	uint32_t *deg = count_degrees(ds, 0);
	out_begin(&o, s, "users");
	out_table(&o, "users", cols);
	for (uint32_t u = 0; u < ds->users.n; u++) {
		const char *id = idmap_name(&ds->users, u);
		if (pat && !strcasestr(id, pat))
			continue;
		out_str(&o, id);
		out_int(&o, deg[u]);
	}
	out_end(&o);
	free(deg);
	return 0;
}

int cmd_items(struct session *s, int argc, char **argv)
{
	static const char *const cols[] = { "item", "interactions", "title",
	    "genres", NULL };
	const char *pat = argc > 1 ? argv[1] : NULL;
	struct out o;

	if (need_data(s) < 0)
		return -1;
	const struct dataset *ds = s->pl.ds;
	uint32_t *deg = count_degrees(ds, 1);
	out_begin(&o, s, "items");
	out_table(&o, "items", cols);
	for (uint32_t i = 0; i < ds->items.n; i++) {
		const char *id = idmap_name(&ds->items, i);
		const char *t = ds->title ? ds->title[i] : NULL;
		if (pat && !strcasestr(id, pat) && !(t && strcasestr(t, pat)))
			continue;
		out_str(&o, id);
		out_int(&o, deg[i]);
		out_str(&o, t);
		out_str(&o, ds->genres ? ds->genres[i] : NULL);
	}
	out_end(&o);
	free(deg);
	return 0;
}

/* ------------------------------------------------------------ save */


/*
 * An input path as the saved session writes it: absolute, so that the
 * session replays from any directory (the first line of the file says
 * so); as loaded when it cannot be resolved any more.
 */
static void put_path(FILE *f, const char *p)
{
	char *abs = realpath(p, NULL);
	cmd_put_word(f, abs ? abs : p);
	free(abs);
}

static void put_opt(FILE *f, const char *name, const char *v)
{
	if (!v)
		return;
	fprintf(f, " %s ", name);
	cmd_put_word(f, v);
}

static void put_path_opt(FILE *f, const char *name, const char *v)
{
	if (!v)
		return;
	fprintf(f, " %s ", name);
	put_path(f, v);
}

/*
 * The typed options of the last load back to its words, field by field
 * of struct load_args: save writes them through LOAD_OPTIONS, the list
 * the usage line and the parser read, so an option added there cannot be
 * forgotten here (its field stays NULL, and the compiler names it).
 */
struct load_words {
	struct load_args a;
	char delim[2], sample[32], seed[24], crc[80];
};

static void load_words_of(const struct pipeline *pl, struct load_words *w)
{
	const struct load_opts *lo = &pl->lopts;
	memset(w, 0, sizeof *w);
	if (lo->format != FMT_AUTO)
		w->a.format = format_name(lo->format);
	w->a.items = lo->items_path;
	w->a.test = lo->test_path;
	w->a.valid = lo->valid_path;
	w->a.user = lo->user_col;
	w->a.item = lo->item_col;
	w->a.rating = lo->rating_col;
	w->a.time = lo->time_col;
	w->delim[0] = lo->delim;
	w->a.delim = lo->delim == '\t' ? "tab" : lo->delim ? w->delim : NULL;
	if (lo->sample_users > 0 && lo->sample_users < 1) {
		/* the shortest text that reads back as the same double */
		snprintf(w->sample, sizeof w->sample, "%.15g", lo->sample_users);
		if (strtod(w->sample, NULL) != lo->sample_users)
			snprintf(w->sample, sizeof w->sample, "%.17g",
			    lo->sample_users);
		snprintf(w->seed, sizeof w->seed, "%llu",
		    (unsigned long long)lo->sample_seed);
		w->a.sample_users = w->sample;
		w->a.sample_seed = w->seed;
	}
	/* every input's CRC-32: main, then the others by name */
	static const char *const key[4] = { NULL, "test", "valid", "items" };
	int n = snprintf(w->crc, sizeof w->crc, "%08x", pl->ds->crc);
	for (int k = 1; k < 4; k++)
		if (pl->ds->has_crc[k])
			n += snprintf(w->crc + n, sizeof w->crc - n, ",%s=%08x",
			    key[k], pl->ds->crc_part[k]);
	w->a.crc = w->crc;
}

static void save_load_line(FILE *f, const struct pipeline *pl)
{
	struct load_words w;
	fputs("load ", f);
	put_path(f, pl->ds->path);
	if (pl->imp) {
		/* the manifest checks every file of the directory */
		fputc('\n', f);
		return;
	}
	load_words_of(pl, &w);
	/* a FILE is written as an absolute path */
#define SAVE_OPT(name, arg, field)                                       \
	if (strcmp(arg, "FILE") == 0)                                    \
		put_path_opt(f, name, w.a.field);                        \
	else                                                             \
		put_opt(f, name, w.a.field);
	LOAD_OPTIONS(SAVE_OPT)
#undef SAVE_OPT
	fputc('\n', f);
}

/* True for parameters that `load` itself sets from its --test/--valid. */
static bool set_by_load(const struct pipeline *pl, int id)
{
	return (id == P_SPLIT_METHOD && pl->ds && pl->ds->has_test) ||
	    (id == P_SPLIT_VALIDATION && pl->ds && pl->ds->has_valid);
}

static void save_script(FILE *f, const struct pipeline *pl)
{
	char v[256];
	fprintf(f, "# distill session: replay with 'source FILE' or "
	    "'distill -f FILE'\n");
	if (pl->ds)
		fprintf(f, "# paths are absolute; a relative one is read "
		    "from the working directory, else beside this file\n");
	if (pl->ds)
		save_load_line(f, pl);
	for (int id = 0; id < P__COUNT; id++) {
		const char *name = params_def(id)->name;
		bool seed = strstr(name, ".seed") != NULL;
		/* after load DIR the baseline is what the load itself sets
		 * (the job's parameters), not the defaults: abstract.topk
		 * back at its default 100 under an import of 200 must be
		 * written */
		bool as_loaded = false;
		params_format(&pl->params, id, v, sizeof v);
		if (pl->imp) {
			char w[256];
			params_format(&pl->imp->params, id, w, sizeof w);
			as_loaded = strcmp(v, w) == 0;
		}
		if ((!seed && (pl->imp ? as_loaded :
		    params_is_default(&pl->params, id))) ||
		    set_by_load(pl, id))
			continue;
		fprintf(f, "set %s ", name);
		cmd_put_word(f, v);
		fputc('\n', f);
	}
}

static int save_commit(struct outfile *o, const struct pipeline *pl,
    struct err *e)
{
	save_script(o->f, pl);
	return outfile_commit(o, e);
}

int cmd_save(struct session *s, int argc, char **argv)
{
	struct outfile o;
	struct err e = { 0 };
	const char *in[PIPELINE_INPUTS_MAX];

	(void)argc;
	if (outfile_open(&o, argv[1], pipeline_inputs(&s->pl, in), &e) < 0 ||
	    save_commit(&o, &s->pl, &e) < 0)
		return session_err(s, &e);
	if (!s->pl.ds)
		session_warn(s, "save: no dataset loaded: %s holds the "
		    "parameters only (no load line)", argv[1]);
	if (s->fmt == OUT_JSON) {     /* one document per command */
		struct out doc;
		out_begin(&doc, s, "save");
		out_record(&doc, "saved");
		out_kv_str(&doc, "file", argv[1]);
		out_end(&doc);
	} else if (s->fmt == OUT_TABLE && s->interactive) {
		fprintf(s->out, "saved %s\n", argv[1]);
	}
	return 0;
}

/* ------------------------------------------------------------ source */

int cmd_source(struct session *s, int argc, char **argv)
{
	static int depth;
	bool strict = false;
	const char *pos[1];
	int npos;
	const struct cmd_opt opts[] = { { "--strict", NULL, &strict },
	    { NULL, NULL, NULL } };

	if (cmd_parse_opts(s, argc, argv, opts, pos, 1, &npos) < 0)
		return -1;
	if (npos != 1)
		return cmd_usage(s, "source");
	const char *path = pos[0];
	if (depth >= SOURCE_DEPTH_MAX)
		return session_error(s, "source: nested more than %d deep",
		    SOURCE_DEPTH_MAX);
	FILE *f = fopen(path, "r");
	if (!f)
		return session_error(s, "source: %s: %s", path,
		    strerror(errno));
	char *name = xstrdup(path);
	bool was = s->strict;
	s->strict = was || strict;
	depth++;
	int rc = cmd_run_script(s, f, name, cmd_run_line, false);
	depth--;
	s->strict = was;
	free(name);
	fclose(f);
	return rc < 0 ? -1 : 0;
}

/* ------------------------------------------------------------ misc */

int cmd_format(struct session *s, int argc, char **argv)
{
	int k = out_format_lookup(argv[1]);
	if (k < 0)
		return session_error(s, "format: '%s' is not table, csv or "
		    "json", argv[1]);
	if (s->fmt == OUT_JSON || k == OUT_JSON) {
		/* a JSON stream gets its document, in or out */
		struct out o;
		s->fmt = OUT_JSON;
		out_begin(&o, s, "format");
		out_record(&o, "format");
		out_kv_str(&o, "name", argv[1]);
		out_end(&o);
	}
	s->fmt = k;
	return 0;
}

int cmd_echo(struct session *s, int argc, char **argv)
{
	size_t len = 1;
	for (int k = 1; k < argc; k++)
		len += strlen(argv[k]) + 1;
	char *text = xmalloc(len), *p = text;
	*p = '\0';
	for (int k = 1; k < argc; k++)
		p += sprintf(p, "%s%s", k > 1 ? " " : "", argv[k]);
	if (s->fmt == OUT_JSON) {
		fputs("{\"command\":\"echo\",\"text\":", s->out);
		put_json(s->out, text);
		fputs("}\n", s->out);
	} else if (s->fmt == OUT_CSV) {
		/* a block of its own, as the tables are (out.c): not a row
		 * of the table before it */
		fprintf(s->out, "%s%s\n", s->csv_begun ? "\n" : "", text);
		s->csv_begun = true;
	} else {
		fprintf(s->out, "%s\n", text);
	}
	free(text);
	return 0;
}

int cmd_quit(struct session *s, int argc, char **argv)
{
	s->quit = true;
	return 0;
}
