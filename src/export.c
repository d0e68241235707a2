/*
 * distill — export.c: `export STAGE FILE` writes the graph of a stage
 * (graph: U–I, abstract: S, filter: B, distill: A as user→item) as
 * GraphML with typed <key> attributes, Graphviz DOT, a CSV edge list with
 * a header, or JSON. Also the temporary-file-then-rename helpers used by
 * every file the engine writes, so a failed write never leaves a truncated
 * file under the final name.
 *
 * Node ids: "u<index>" for users, "i<index>" for items in GraphML/JSON
 * (always valid XML ids); the external id is the `label` attribute. DOT
 * and CSV use the external ids ("u:ID"/"i:ID" in DOT, bare in CSV).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explain.h"
#include "topk.h"

/* The process umask (read by setting and restoring it: the TUI writes
 * files from its worker thread only, so nothing races with this). */
static mode_t current_umask(void)
{
	mode_t m = umask(0);
	umask(m);
	return m;
}

/* The descriptor a path names (/dev/stdout, /dev/stderr, /dev/fd/N,
 * /proc/self/fd/N), or -1. */
static int fd_path(const char *path)
{
	const char *n = NULL;
	if (strcmp(path, "/dev/stdout") == 0)
		return 1;
	if (strcmp(path, "/dev/stderr") == 0)
		return 2;
	if (strncmp(path, "/dev/fd/", 8) == 0)
		n = path + 8;
	else if (strncmp(path, "/proc/self/fd/", 14) == 0)
		n = path + 14;
	if (!n || !*n || strspn(n, "0123456789") != strlen(n) ||
	    strlen(n) > 6)
		return -1;
	return atoi(n);
}

static bool special_path(const char *path)
{
	return strncmp(path, "/dev/", 5) == 0 ||
	    strncmp(path, "/proc/", 6) == 0;
}

/* The temporary being written, for a fatal signal's handler to remove
 * (one write at a time: the engine writes from one thread). */
static char *volatile current_tmp;

void outfile_signal_cleanup(void)
{
	char *t = current_tmp;
	if (t)
		unlink(t);   /* async-signal-safe */
}

/* Remove temporaries of ours left beside path by a process that died
 * before it could (a kill -9, a power cut): PATH.tmpXXXXXX, older than
 * ten minutes so a concurrent writer's is never touched. */
static void sweep_stale(const char *path)
{
	char *d = xstrdup(path), *b = xstrdup(path);
	const char *dir = dirname(d), *base = basename(b);
	size_t bl = strlen(base);
	DIR *dp = opendir(dir);
	struct dirent *de;
	time_t now = time(NULL);
	while (dp && (de = readdir(dp))) {
		const char *n = de->d_name;
		if (strlen(n) != bl + 10 || strncmp(n, base, bl) != 0 ||
		    strncmp(n + bl, ".tmp", 4) != 0)
			continue;
		char *full = xasprintf("%s/%s", dir, n);
		struct stat st;
		if (lstat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    now - st.st_mtime > 600)
			unlink(full);
		xfree(full);
	}
	if (dp)
		closedir(dp);
	xfree(d);
	xfree(b);
}

int outfile_open(struct outfile *o, const char *path,
    const char *const *inputs, struct err *err)
{
	struct stat st, ls;
	memset(o, 0, sizeof *o);
	bool exists = stat(path, &st) == 0;
	for (size_t k = 0; exists && inputs && inputs[k]; k++) {
		struct stat in;
		if (stat(inputs[k], &in) == 0 && in.st_dev == st.st_dev &&
		    in.st_ino == st.st_ino)
			return err_set(err, ERR_IO, "refusing to overwrite '%s': "
			    "the session read it (%s)", path, inputs[k]);
	}
	if ((exists && !S_ISREG(st.st_mode)) || special_path(path)) {
		/* written through: a FIFO, a device, /dev/stdout, … An open
		 * descriptor is duplicated, so the output continues where
		 * the process's own writes are (opening /dev/stdout anew
		 * would truncate a redirected file and write from 0) */
		int fd = fd_path(path);
		o->path = xstrdup(path);
		if (fd >= 0) {
			fflush(NULL);
			int d = dup(fd);
			o->f = d >= 0 ? fdopen(d, "w") : NULL;
			if (!o->f && d >= 0)
				close(d);
		} else {
			int d = open(path, O_WRONLY | O_CLOEXEC);
			o->f = d >= 0 ? fdopen(d, "w") : NULL;
			if (!o->f && d >= 0)
				close(d);
		}
		if (!o->f) {
			err_set(err, ERR_IO, "cannot write '%s': %s", path,
			    strerror(errno));
			xfree(o->path);
			o->path = NULL;
			return -1;
		}
		return 0;
	}
	if (lstat(path, &ls) == 0 && S_ISLNK(ls.st_mode)) {
		char *t = realpath(path, NULL);
		if (!t)
			return err_set(err, ERR_IO, "cannot write '%s': the "
			    "symbolic link points nowhere (%s)", path,
			    strerror(errno));
		o->path = t;
	} else {
		o->path = xstrdup(path);
	}
	/* rename() would silently replace a file the user may not write */
	if (exists && access(o->path, W_OK) != 0) {
		err_set(err, ERR_IO, "cannot write '%s': %s", path,
		    strerror(errno));
		xfree(o->path);
		o->path = NULL;
		return -1;
	}
	sweep_stale(o->path);
	o->tmp = xasprintf("%s.tmpXXXXXX", o->path);
	int fd = mkstemp(o->tmp);
	if (fd < 0) {
		int e = errno;
		char *d = xstrdup(o->path), *dir = dirname(d);
		struct stat ds;
		if (stat(dir, &ds) != 0 || !S_ISDIR(ds.st_mode))
			err_set(err, ERR_IO, "cannot write '%s': directory "
			    "'%s' does not exist", path, dir);
		else
			err_set(err, ERR_IO, "cannot write '%s': %s", path,
			    strerror(e));
		xfree(d);
		xfree(o->tmp);
		xfree(o->path);
		memset(o, 0, sizeof *o);
		return -1;
	}
	current_tmp = o->tmp;
	/* the file keeps its mode; a new one gets what open(2) would give */
	fchmod(fd, exists ? st.st_mode & 07777 : 0666 & ~current_umask());
	o->f = fdopen(fd, "w");
	return 0;
}

/* fsync the directory holding path, so the rename is on disk too. */
static void sync_dir(const char *path)
{
	char *d = xstrdup(path);
	int fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	xfree(d);
}

int outfile_commit(struct outfile *o, struct err *err)
{
	int bad = fflush(o->f) != 0 || ferror(o->f);
	int e = errno;
	/* data on disk before the name points at it (a crash after the
	 * rename must not leave an empty file) */
	if (!bad && o->tmp && fsync(fileno(o->f)) != 0) {
		bad = 1;
		e = errno;
	}
	if (fclose(o->f) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (!bad && o->tmp && rename(o->tmp, o->path) != 0) {
		bad = 1;
		e = errno;
	}
	if (!bad && o->tmp)
		sync_dir(o->path);
	current_tmp = NULL;
	if (bad) {
		if (o->tmp)
			unlink(o->tmp);
		err_set(err, ERR_IO, "cannot write '%s': %s", o->path,
		    strerror(e));
	}
	xfree(o->tmp);
	xfree(o->path);
	memset(o, 0, sizeof *o);
	return bad ? -1 : 0;
}

void put_csv(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void json_quote(const char *s, void (*put)(void *, const char *, size_t),
    void *ctx)
{
	char esc[8];
	const char *run = s;   /* bytes copied as they are, in one put */
	put(ctx, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c != '"' && c != '\\' && c >= 0x20)
			continue;
		if (s > run)
			put(ctx, run, (size_t)(s - run));
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(ctx, esc, 2);
		} else {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			put(ctx, esc, 6);
		}
		run = s + 1;
	}
	if (s > run)
		put(ctx, run, (size_t)(s - run));
	put(ctx, "\"", 1);
}

static void put_file(void *f, const char *b, size_t n)
{
	fwrite(b, 1, n, f);
}

void put_json(FILE *f, const char *s)
{
	json_quote(s, put_file, f);
}

void put_xml(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				fputc(*s, f);
		}
	}
}

enum xfmt { X_GRAPHML, X_DOT, X_CSV, X_JSON };

/* What to write: a matrix whose rows are users or items. */
struct xgraph {
	const struct pipeline *pl;
	const struct csr *m;
	bool rows_users;
	const char *stage;
	uint8_t *urow, *icol;   /* nodes present */
};

static const char *xname(const struct xgraph *g, bool user, uint32_t x)
{
	return idmap_name(user ? &g->pl->ds->users : &g->pl->ds->items, x);
}

static const char *xtitle(const struct xgraph *g, uint32_t j)
{
	char **t = g->pl->ds->title;
	return t && t[j] ? t[j] : NULL;
}

static void xml_node(FILE *f, const struct xgraph *g, bool user, uint32_t x)
{
	const uint32_t *comm = g->pl->fresh[STAGE_ABSTRACT] ?
	    g->pl->abs.community : NULL;
	fprintf(f, "    <node id=\"%c%u\"><data key=\"type\">%s</data>"
	    "<data key=\"label\">", user ? 'u' : 'i', x, user ? "user" : "item");
	put_xml(f, xname(g, user, x));
	fputs("</data>", f);
	if (!user && xtitle(g, x)) {
		fputs("<data key=\"title\">", f);
		put_xml(f, xtitle(g, x));
		fputs("</data>", f);
	}
	if (!user && comm)
		fprintf(f, "<data key=\"community\">%u</data>", comm[x]);
	fputs("</node>\n", f);
}

static void x_graphml(FILE *f, const struct xgraph *g)
{
	const struct csr *m = g->m;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns="
	    "\"http://graphml.graphdrawing.org/xmlns\">\n"
	    "  <key id=\"type\" for=\"node\" attr.name=\"type\" "
	    "attr.type=\"string\"/>\n"
	    "  <key id=\"label\" for=\"node\" attr.name=\"label\" "
	    "attr.type=\"string\"/>\n"
	    "  <key id=\"title\" for=\"node\" attr.name=\"title\" "
	    "attr.type=\"string\"/>\n"
	    "  <key id=\"community\" for=\"node\" attr.name=\"community\" "
	    "attr.type=\"long\"/>\n"
	    "  <key id=\"weight\" for=\"edge\" attr.name=\"weight\" "
	    "attr.type=\"double\"/>\n", f);
	fprintf(f, "  <graph id=\"%s\" edgedefault=\"directed\">\n", g->stage);
	if (g->rows_users)
		for (uint32_t u = 0; u < m->nrows; u++)
			if (g->urow[u])
				xml_node(f, g, true, u);
	for (uint32_t j = 0; j < m->ncols; j++)
		if (g->icol[j])
			xml_node(f, g, false, j);
	for (uint32_t r = 0; r < m->nrows; r++)
		for (uint64_t k = m->ptr[r]; k < m->ptr[r + 1]; k++)
			fprintf(f, "    <edge source=\"%c%u\" target=\"i%u\">"
			    "<data key=\"weight\">%.9g</data></edge>\n",
			    g->rows_users ? 'u' : 'i', r, m->idx[k], m->val[k]);
	fputs("  </graph>\n</graphml>\n", f);
}

static void dot_id(FILE *f, const struct xgraph *g, bool user, uint32_t x)
{
	const char *s = xname(g, user, x);
	fprintf(f, "\"%s", user ? "u:" : "i:");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void x_dot(FILE *f, const struct xgraph *g)
{
	const struct csr *m = g->m;
	fprintf(f, "digraph \"%s\" {\n", g->stage);
	for (uint32_t j = 0; j < m->ncols; j++) {
		if (!g->icol[j] || !xtitle(g, j))
			continue;
		fputs("  ", f);
		dot_id(f, g, false, j);
		fputs(" [label=\"", f);
		for (const char *s = xtitle(g, j); *s; s++) {
			if (*s == '"' || *s == '\\')
				fputc('\\', f);
			fputc(*s == '\n' ? ' ' : *s, f);
		}
		fputs("\"];\n", f);
	}
	for (uint32_t r = 0; r < m->nrows; r++)
		for (uint64_t k = m->ptr[r]; k < m->ptr[r + 1]; k++) {
			fputs("  ", f);
			dot_id(f, g, g->rows_users, r);
			fputs(" -> ", f);
			dot_id(f, g, false, m->idx[k]);
			fprintf(f, " [weight=%.9g];\n", m->val[k]);
		}
	fputs("}\n", f);
}

static void x_csv(FILE *f, const struct xgraph *g)
{
	const struct csr *m = g->m;
	fputs("source,target,weight\n", f);
	for (uint32_t r = 0; r < m->nrows; r++)
		for (uint64_t k = m->ptr[r]; k < m->ptr[r + 1]; k++) {
			put_csv(f, xname(g, g->rows_users, r));
			fputc(',', f);
			put_csv(f, xname(g, false, m->idx[k]));
			fprintf(f, ",%.9g\n", m->val[k]);
		}
}

static void json_node(FILE *f, const struct xgraph *g, bool user, uint32_t x,
    bool *first)
{
	fprintf(f, "%s\n  {\"id\":\"%c%u\",\"type\":\"%s\",\"label\":",
	    *first ? "" : ",", user ? 'u' : 'i', x, user ? "user" : "item");
	put_json(f, xname(g, user, x));
	if (!user && xtitle(g, x)) {
		fputs(",\"title\":", f);
		put_json(f, xtitle(g, x));
	}
	fputc('}', f);
	*first = false;
}

static void x_json(FILE *f, const struct xgraph *g)
{
	const struct csr *m = g->m;
	bool first = true;
	fprintf(f, "{\"stage\":\"%s\",\"directed\":true,\"nodes\":[", g->stage);
	if (g->rows_users)
		for (uint32_t u = 0; u < m->nrows; u++)
			if (g->urow[u])
				json_node(f, g, true, u, &first);
	for (uint32_t j = 0; j < m->ncols; j++)
		if (g->icol[j])
			json_node(f, g, false, j, &first);
	fputs("\n],\"edges\":[", f);
	first = true;
	for (uint32_t r = 0; r < m->nrows; r++)
		for (uint64_t k = m->ptr[r]; k < m->ptr[r + 1]; k++) {
			fprintf(f, "%s\n  {\"source\":\"%c%u\",\"target\":"
			    "\"i%u\",\"weight\":%.9g}", first ? "" : ",",
			    g->rows_users ? 'u' : 'i', r, m->idx[k], m->val[k]);
			first = false;
		}
	fputs("\n]}\n", f);
}

static int x_format(const char *path, const char *format, enum xfmt *x,
    struct err *err)
{
	static const char *const names[] = { "graphml", "dot", "csv", "json" };
	const char *ext = strrchr(path, '.');
	if (!format) {
		format = ext ? ext + 1 : "";
		if (strcmp(format, "gv") == 0)
			format = "dot";
	}
	for (int k = 0; k < 4; k++)
		if (strcmp(format, names[k]) == 0) {
			*x = k;
			return 0;
		}
	return err_set(err, ERR_INVAL, "export '%s': unknown format '%s', "
	    "expected graphml, dot, csv or json", path, format);
}

/* The matrix of a stage, or an error naming the exportable stages. */
static int x_matrix(const struct pipeline *pl, enum stage s, struct xgraph *g,
    struct err *err)
{
	switch (s) {
	case STAGE_GRAPH: g->m = &pl->graph.ui; g->rows_users = true; break;
	case STAGE_ABSTRACT: g->m = &pl->abs.S; break;
	case STAGE_FILTER: g->m = &pl->filt.B; break;
	case STAGE_DISTILL: g->m = &pl->dist.A; g->rows_users = true; break;
	default:
		return err_set(err, ERR_INVAL, "export: stage '%s' has no graph,"
		    " expected graph, abstract, filter or distill",
		    stage_name(s));
	}
	g->stage = stage_name(s);
	return need_fresh(pl, s, err);
}

int export_stage(struct pipeline *pl, enum stage s, const char *path,
    const char *format, struct err *err)
{
	struct xgraph g = { .pl = pl };
	struct outfile o;
	enum xfmt x = X_GRAPHML;
	if (x_format(path, format, &x, err) < 0 || x_matrix(pl, s, &g, err) < 0)
		return -1;
	/* GraphML carries each item's community (insight, computed now) */
	if (x == X_GRAPHML && pl->fresh[STAGE_ABSTRACT] &&
	    pipeline_communities(pl, err) < 0)
		return -1;
	const struct csr *m = g.m;
	g.urow = xcalloc((size_t)m->nrows + 1, 1);
	g.icol = xcalloc((size_t)m->ncols + 1, 1);
	for (uint32_t r = 0; r < m->nrows; r++)
		for (uint64_t k = m->ptr[r]; k < m->ptr[r + 1]; k++) {
			g.urow[r] = 1;
			g.icol[m->idx[k]] = 1;
			if (!g.rows_users)
				g.icol[r] = 1;
		}
	const char *in[PIPELINE_INPUTS_MAX];
	int rc = outfile_open(&o, path, pipeline_inputs(pl, in), err);
	if (rc == 0) {
		void (*fn[])(FILE *, const struct xgraph *) = { x_graphml,
			x_dot, x_csv, x_json };
		fn[x](o.f, &g);
		rc = outfile_commit(&o, err);
	}
	xfree(g.urow);
	xfree(g.icol);
	return rc;
}
