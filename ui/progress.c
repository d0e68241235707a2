/*
 * distill — progress.c: the throttled progress line for long commands
 * (see progress.h). It writes "\r" + the line + erase-to-end, so each
 * redraw overwrites the last; nothing is written unless stderr is a
 * terminal.
 */
#include "progress.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void progress_init(struct progress *p, FILE *f, bool color)
{
	const char *term = getenv("TERM");

	memset(p, 0, sizeof *p);
	p->f = f;
	p->enabled = isatty(fileno(f)) && !(term && strcmp(term, "dumb") == 0);
	p->color = color && p->enabled;
}

void progress_start(struct progress *p)
{
	p->t0 = util_now_ms();
	p->last = 0;
	p->what[0] = '\0';
	p->shown = false;
}

/* Draw "  stage  [#####     ]  42%  1.3s" over the current line. */
static void progress_draw(struct progress *p, double fraction, double now)
{
	char bar[21];
	int fill;

	if (fraction < 0 || fraction != fraction)
		fraction = 0;
	if (fraction > 1)
		fraction = 1;
	fill = (int)(fraction * 20 + 0.5);
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, ' ', (size_t)(20 - fill));
	bar[20] = '\0';
	fprintf(p->f, "\r%s%-12s%s [%s] %3d%%  %.1fs  (Ctrl-C cancels)\033[K",
	    p->color ? "\033[1m" : "", p->what, p->color ? "\033[0m" : "",
	    bar, (int)(fraction * 100), (now - p->t0) / 1000);
	fflush(p->f);
	p->shown = true;
	p->last = now;
}

void progress_hook(void *ud, const char *what, double fraction)
{
	struct progress *p = ud;
	double now;
	bool changed;

	if (!p || !p->enabled)
		return;
	now = util_now_ms();
	if (p->t0 == 0)
		p->t0 = now;
	changed = what && strncmp(p->what, what, sizeof p->what - 1) != 0;
	if (changed)
		snprintf(p->what, sizeof p->what, "%s", what);
	if (now - p->t0 < PROGRESS_DELAY_MS)
		return;
	if (!changed && now - p->last < PROGRESS_INTERVAL_MS)
		return;
	progress_draw(p, fraction, now);
}

void progress_clear(struct progress *p)
{
	if (p->enabled && p->shown) {
		fputs("\r\033[K", p->f);
		fflush(p->f);
	}
	p->shown = false;
}

void progress_done(struct progress *p)
{
	progress_clear(p);
	p->t0 = 0;
}

/* The cookie of a wrapped stream. */
struct progress_stream {
	struct progress *p;
	FILE *real;
};

static ssize_t progress_write(void *cookie, const char *buf, size_t n)
{
	struct progress_stream *ps = cookie;
	size_t w;

	progress_clear(ps->p);
	w = fwrite(buf, 1, n, ps->real);
	fflush(ps->real);
	return w == 0 && n > 0 ? -1 : (ssize_t)w;
}

static int progress_close(void *cookie)
{
	free(cookie);
	return 0;
}

FILE *progress_wrap(struct progress *p, FILE *real)
{
	cookie_io_functions_t io = { .write = progress_write,
	    .close = progress_close };
	struct progress_stream *ps = xmalloc(sizeof *ps);
	FILE *f;

	ps->p = p;
	ps->real = real;
	if ((f = fopencookie(ps, "w", io)) == NULL) {
		free(ps);
		return real;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}
