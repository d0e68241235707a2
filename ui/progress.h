/*
 * distill — progress.h: a one-line progress display on stderr for long
 * commands ("abstract  42%  1.3s"), fed by the engine's progress hook.
 *
 * Shown only when the stream is a terminal, only after a command has run
 * for a moment (quick commands never flash a line), and redrawn at most
 * every PROGRESS_INTERVAL_MS or when the stage changes. progress_done()
 * erases the line so that results print on a clean screen.
 */
#ifndef DISTILL_PROGRESS_H
#define DISTILL_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

#define PROGRESS_DELAY_MS 300     /* silent for this long */
#define PROGRESS_INTERVAL_MS 100  /* then at most one redraw per interval */

struct progress {
	FILE *f;
	bool enabled;        /* f is a terminal and TERM is not dumb */
	bool color;
	bool shown;          /* a line is on screen */
	double t0, last;     /* start and last redraw (ms) */
	char what[64];
};

/* Set up for stream f (normally stderr); colour only when allowed. */
void progress_init(struct progress *p, FILE *f, bool color);
/* A command starts: reset the clock. */
void progress_start(struct progress *p);
/* The engine's hooks.progress callback; ud is a struct progress. */
void progress_hook(void *ud, const char *what, double fraction);
/* The command ended: erase the line if one was drawn. */
void progress_done(struct progress *p);
/* Erase the line now (it comes back at the next redraw). */
void progress_clear(struct progress *p);
/*
 * A stream that writes to `real`, erasing the progress line first, so
 * that results and errors printed during a command never land on the
 * end of the progress line. Close it with fclose() before p goes away
 * (`real` stays open).
 */
FILE *progress_wrap(struct progress *p, FILE *real);

#endif
