/*
 * distill — tui-run.c: the TUI's background runs and its copies of the
 * engine state.
 *
 * One worker thread runs pipeline_run(), ':' commands, why and whynot.
 * While it runs, the main thread touches neither the pipeline nor its
 * outputs: parameter changes go to t->want and are applied when the
 * worker is idle, and a change during a run sets the cancel flag so the
 * run stops early and restarts after the debounce delay. After a run the
 * main thread copies what it shows into struct tui_snap and struct
 * tui_user; drawing reads only those copies.
 *
 * A second thread computes insight (DESIGN §2.1) once the new results are
 * on screen: the statistics and communities of every stage, the stage on
 * screen first, then the baselines when the split or graph changed. It
 * only reads the pipeline (why and whynot jobs read it beside it) and
 * writes its own struct insight_out; before anything writes the pipeline
 * it is cancelled and joined by the tick, which publishes what it
 * finished. Publishing writes the pipeline too, so a finished insight
 * thread waits for a why job to end first (a whynot's scratch copy read
 * the pipeline while the main thread published: ThreadSanitizer, CI).
 * Keys never wait for either thread.
 */
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmds.h"
#include "tui-int.h"

#define DEBOUNCE_MS 150

void tui_set_status(struct tui *t, bool error, const char *fmt, ...)
{
	va_list ap;
	t->status_sticky = false;
	va_start(ap, fmt);
	vsnprintf(t->status, sizeof t->status, fmt, ap);
	va_end(ap);
	t->status_err = error;
}

/* Progress hooks: called on a worker thread, only store text. */
static void store_progress(struct tui *t, char *dst, size_t n,
    const char *what, double fraction)
{
	pthread_mutex_lock(&t->mu);
	snprintf(dst, n, "%s %.0f%%", what ? what : "", fraction * 100);
	pthread_mutex_unlock(&t->mu);
}

static void run_progress(void *ud, const char *what, double fraction)
{
	struct tui *t = ud;
	store_progress(t, t->progress, sizeof t->progress, what, fraction);
}

void tui_run_init(struct tui *t)
{
	pthread_mutex_init(&t->mu, NULL);
	t->want = t->s->pl.params;
	/* the worker reports progress into t->progress */
	t->s->pl.hooks.cancel = &t->s->cancel;
	t->s->pl.hooks.progress = run_progress;
	t->s->pl.hooks.ud = t;
	t->u.user = -1;
	t->autorun = true;
}

void tui_run_destroy(struct tui *t)
{
	/* a why job first: the insight's publication writes the pipeline */
	tui_run_stop(t);
	tui_insight_stop(t);
	tui_user_free(&t->u);
	t->s->pl.hooks.progress = NULL;
	t->s->pl.hooks.ud = NULL;
	pthread_mutex_destroy(&t->mu);
}

/* Baselines depend on the split, the graph and the evaluation settings. */
static bool base_needed(struct tui *t)
{
	const struct params *p = &t->s->pl.params;
	if (!t->base_valid)
		return true;
	for (int s = STAGE_LOAD; s <= STAGE_GRAPH; s++)
		if (params_stage_differs(&t->base_params, p, s))
			return true;
	return params_stage_differs(&t->base_params, p, STAGE_RECOMMEND);
}

/* The worker's last act: publish its status for tui_run_tick. */
static void worker_done(struct tui *t, int rc, double t0)
{
	pthread_mutex_lock(&t->mu);
	t->run_t0 = util_now_ms() - t0;
	t->rc = rc;
	t->done = true;
	pthread_mutex_unlock(&t->mu);
}

static void *run_worker(void *arg)
{
	struct tui *t = arg;
	struct pipeline *pl = &t->s->pl;
	double t0 = util_now_ms();
	int rc = pipeline_run(pl, STAGE_RECOMMEND, &t->werr);
	worker_done(t, rc, t0);
	return NULL;
}

/* Start fn(t) on *th with every signal blocked in it, so SIGWINCH and
 * SIGTERM reach the main thread's getch(); false when it cannot. */
static bool spawn(struct tui *t, pthread_t *th, void *(*fn)(void *))
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(th, NULL, fn, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc == 0;
}

/* ------------------------------------------------------------ insight */

static void insight_progress_hook(void *ud, const char *what, double f)
{
	struct tui *t = ud;
	store_progress(t, t->iprogress, sizeof t->iprogress, what, f);
}

static void *insight_worker(void *arg)
{
	struct tui *t = arg;
	const struct pipeline *pl = &t->s->pl;
	struct hooks h = { .cancel = &t->icancel,
		.progress = insight_progress_hook, .ud = t };
	int rc = insight_compute(pl, t->istage, &h, &t->iout, &t->ierr);
	for (int s = 0; s < STAGE__COUNT && rc == 0; s++)
		if (pl->fresh[s])
			rc = insight_compute(pl, s, &h, &t->iout, &t->ierr);
	if (rc == 0 && t->ibase) {
		/* a read-only view whose scratch runs see this thread's
		 * cancel flag and progress */
		struct pipeline view = *pl;
		view.hooks = h;
		view.borrowed = true;
		/* not ease: its dense inverse (minutes at 20,000 items)
		 * cannot be cancelled, and the view has no row for it */
		for (int b = 0; b < BASE_EASE && !hooks_cancelled(&h); b++) {
			struct err e;
			err_clear(&e);
			memset(&t->wbase[b], 0, sizeof t->wbase[b]);
			t->wbase_ok[b] = eval_baseline(&view, b, &t->wbase[b],
			    &e) == 0;
		}
		if (hooks_cancelled(&h))
			rc = err_set(&t->ierr, ERR_INTERRUPTED, "interrupted");
	}
	pthread_mutex_lock(&t->mu);
	t->irc = rc;
	t->idone = true;
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* Start the insight thread when the result lacks insight or baselines. */
static void insight_start(struct tui *t)
{
	struct pipeline *pl = &t->s->pl;
	if (t->irunning || !pl->ds || !pl->fresh[STAGE_RECOMMEND])
		return;
	t->ibase = base_needed(t);
	if (!t->ibase && !pipeline_insight_missing(pl))
		return;
	memset(&t->iout, 0, sizeof t->iout);
	err_clear(&t->ierr);
	flag_set(&t->icancel, 0);
	t->idone = false;
	t->iprogress[0] = '\0';
	t->istage = t->stage;
	if (!spawn(t, &t->ithread, insight_worker)) {
		tui_set_status(t, true, "cannot start the statistics thread");
		return;
	}
	t->irunning = true;
	t->snap.insight_running = true;
}

/* Join the insight thread (finished or cancelled) and publish what it
 * computed: the pipeline has not changed since it started. */
static void insight_join(struct tui *t)
{
	pthread_join(t->ithread, NULL);
	t->irunning = false;
	t->insight_held = t->irc < 0;
	t->snap.insight_running = false;
	insight_publish(&t->s->pl, &t->iout);
	if (t->irc == 0 && t->ibase) {
		for (int b = 0; b < BASE_EASE; b++) {
			t->snap.base[b] = t->wbase[b];
			t->snap.have_base[b] = t->wbase_ok[b];
		}
		t->base_params = t->s->pl.params;
		t->base_valid = true;
	} else if (t->irc < 0 && t->ierr.code != ERR_INTERRUPTED) {
		tui_set_status(t, true, "statistics: %s", t->ierr.msg);
	} else if (t->irc < 0 && strcmp(t->status, "cancelling…") == 0) {
		tui_set_status(t, false, "statistics cancelled");
	}
	flag_set(&t->icancel, 0);
	tui_snap_take(t);
}

void tui_insight_stop(struct tui *t)
{
	if (!t->irunning)
		return;
	flag_set(&t->icancel, 1);
	insight_join(t);
}

/* Raise the insight thread's cancel flag; true while it still runs (the
 * tick joins it once done). */
static bool insight_busy(struct tui *t)
{
	if (!t->irunning)
		return false;
	flag_set(&t->icancel, 1);
	return true;
}

void tui_insight_progress(struct tui *t, char *buf, size_t n)
{
	buf[0] = '\0';
	if (!t->irunning)
		return;
	pthread_mutex_lock(&t->mu);
	snprintf(buf, n, "%s", t->iprogress[0] ? t->iprogress :
	    "statistics");
	pthread_mutex_unlock(&t->mu);
}

/* A ':' command on the worker: the command table does the rest. */
static void *cmd_worker(void *arg)
{
	struct tui *t = arg;
	double t0 = util_now_ms();
	int rc = cmd_run_line(t->s, t->cmd_line);
	worker_done(t, rc, t0);
	return NULL;
}

/* Start fn on the worker (spawn: signals stay with the main thread). */
static bool worker_start(struct tui *t, void *(*fn)(void *))
{
	err_clear(&t->werr);
	flag_set(&t->s->cancel, 0);
	t->done = false;
	t->progress[0] = '\0';
	if (!spawn(t, &t->thread, fn)) {
		tui_set_status(t, true, "cannot start the worker thread");
		return false;
	}
	t->running = true;
	return true;
}

/* why or whynot for (job_user, job_item) into job_why / job_wn: whynot's
 * fix search re-runs stages on scratch copies, seconds on a large
 * dataset; why costs its paths, but no engine call runs on the UI
 * thread. */
static void *whynot_worker(void *arg)
{
	struct tui *t = arg;
	double t0 = util_now_ms();
	int rc = t->job_whynot ? explain_whynot(&t->s->pl,
	    (uint32_t)t->job_user, t->job_item, &t->job_wn, &t->werr) :
	    explain_why(&t->s->pl, (uint32_t)t->job_user, t->job_item,
	    &t->job_why, &t->werr);
	worker_done(t, rc, t0);
	return NULL;
}

static void lock_before(struct tui *t);

/* Start the waiting ':' command on the worker. A parameter change still
 * in its debounce is applied first: the command sees it (a ':pin' right
 * after an arrow press pins the new value, not the one before). */
static bool cmd_begin(struct tui *t)
{
	struct pipeline *pl = &t->s->pl;
	if (memcmp(&t->want, &pl->params, sizeof t->want) != 0) {
		struct err e;
		err_clear(&e);
		if (pipeline_set_all(pl, &t->want, &e) < 0)
			t->want = pl->params;
	}
	return worker_start(t, cmd_worker);
}

bool tui_cmd_start(struct tui *t)
{
	/* the metrics before the command are its "before" (issue 12: the
	 * header compared with the state two changes earlier) */
	lock_before(t);
	t->cmd_running = true;
	if (insight_busy(t)) {
		t->cmd_waiting = true;  /* the tick starts it */
		return true;
	}
	if (!cmd_begin(t)) {
		t->cmd_running = false;
		return false;
	}
	return true;
}

static void run_start(struct tui *t)
{
	worker_start(t, run_worker);
	t->autorun = false;
	t->insight_held = false;
}

/* The changes since the last good state are settled: the next one
 * starts a new take-back point. */
static void good_settled(struct tui *t)
{
	t->have_good = t->have_mark = false;
}

/* Join a finished worker and take the copies. */
static void run_finish(struct tui *t)
{
	pthread_join(t->thread, NULL);
	t->running = false;
	bool cancelled = t->werr.code == ERR_INTERRUPTED || t->s->cancel;
	flag_set(&t->s->cancel, 0);
	if (t->rc < 0 && !cancelled && t->have_good && !t->autorun) {
		/* a change that fails changes nothing (as set at the
		 * prompt): the parameters, results and history go back */
		pipeline_take_back(&t->s->pl, &t->good, t->good_fresh);
		if (t->have_mark)
			session_history_reset(t->s, &t->good_mark);
		t->want = t->s->pl.params;
		good_settled(t);
		tui_set_status(t, true, "taken back: %s", t->werr.msg);
	} else if (t->rc < 0 && !cancelled)
		tui_set_status(t, true, "%s", t->werr.msg);
	else if (t->rc < 0 && !t->autorun)
		tui_set_status(t, false, "cancelled: the previous results "
		    "stay (r runs the stale stages)");
	else if (t->rc == 0 && t->status_sticky) {
		/* keep the undo/redo message: it says where the history is */
		char msg[sizeof t->status];
		snprintf(msg, sizeof msg, "%s", t->status);
		tui_set_status(t, false, "%.400s · ran in %.0f ms", msg,
		    t->run_t0);
		t->before_locked = false;
	} else if (t->rc == 0) {
		tui_set_status(t, false, "ran in %.0f ms", t->run_t0);
		t->before_locked = false;
	}
	if (t->rc == 0) {
		session_trail_note(t->s, "tui");
		if (!t->autorun)    /* no newer change waits */
			good_settled(t);
	}
	/* the refresh may start a why job, whose worker_done writes t->rc */
	bool ok = t->rc == 0;
	tui_snap_take(t);
	tui_user_refresh(t);
	/* the results are on screen: now what a person reads about them */
	if (ok)
		insight_start(t);
}

/* A finished (or stopped) why/whynot: show it if it is still the one
 * asked for, else ask again for the current one. */
static void why_clear(struct tui_user *u);

static void why_join(struct tui *t)
{
	struct tui_user *u = &t->u;
	pthread_join(t->thread, NULL);
	t->running = false;
	t->why_running = false;
	bool cancelled = t->rc < 0 && t->werr.code == ERR_INTERRUPTED;
	flag_set(&t->s->cancel, 0);
	bool same = u->whynot == t->job_whynot && u->user == t->job_user &&
	    u->why_item == t->job_item;
	u->why_pending = false;
	if (same && t->rc == 0) {
		/* an explanation of the same item may have been kept
		 * meanwhile (a refresh asked again): this one replaces it */
		int scroll = u->why_scroll;
		why_clear(u);
		u->why_scroll = scroll;
		if (t->job_whynot)
			u->wn = t->job_wn;
		else
			u->why = t->job_why;
		u->have_why = true;
		return;
	}
	if (t->rc == 0) {
		if (t->job_whynot)
			whynot_out_destroy(&t->job_wn);
		else
			why_out_destroy(&t->job_why);
	}
	/* stopped by the person (Ctrl-C/Esc) or for a run or a ':'
	 * command, after which the pane asks again: only the first is an
	 * interruption (a command's "interrupted" sat in the pane while it
	 * ran, and read as the command's own) */
	bool by_user = cancelled && strcmp(t->status, "cancelling…") == 0;
	if (same)
		snprintf(u->why_err, sizeof u->why_err, "%s", !cancelled ?
		    t->werr.msg : by_user ? "interrupted" :
		    "waiting for the run…");
	if (by_user)
		tui_set_status(t, false, "cancelled");
}

/* A finished command: join; the main loop takes it from there. */
static void cmd_join(struct tui *t)
{
	pthread_join(t->thread, NULL);
	t->running = false;
	t->cmd_running = false;
	t->cmd_done = true;
	t->cmd_rc = t->rc;
}

void tui_run_stop(struct tui *t)
{
	if (!t->running)
		return;
	flag_set(&t->s->cancel, 1);
	/* a why job may run while a ':' command waits for the insight
	 * thread (cmd_running, not yet started): the thread is the why
	 * job's then, and the command still waits. Taking it for the
	 * command's finished the command that never ran, and the tick
	 * started it later with its line already freed. */
	if (t->why_running) {
		why_join(t);
		return;         /* the pipeline did not change */
	}
	if (t->cmd_running) {
		cmd_join(t);
		return;         /* command_done takes the snapshot */
	}
	pthread_join(t->thread, NULL);
	t->running = false;
	flag_set(&t->s->cancel, 0);
	tui_snap_take(t);
}

/* Keep the "before" copies: metrics and the user's ranks. */
static void lock_before(struct tui *t)
{
	if (t->before_locked)
		return;
	t->before_locked = true;
	t->snap.have_prev_ev = t->snap.have_ev;
	t->snap.prev_ev = t->snap.ev;
	struct tui_user *u = &t->u;
	if (u->valid && u->nrec) {
		free(u->prev);
		u->prev = xmalloc(u->nrec * sizeof *u->prev);
		for (size_t k = 0; k < u->nrec; k++)
			u->prev[k] = u->rec[k].item;
		u->nprev = u->nrec;
		u->have_prev = true;
	}
}

bool tui_run_tick(struct tui *t)
{
	struct pipeline *pl = &t->s->pl;
	if (t->irunning && !t->running) {
		bool idone;
		pthread_mutex_lock(&t->mu);
		idone = t->idone;
		pthread_mutex_unlock(&t->mu);
		if (idone) {
			insight_join(t);
			/* the profile needs the communities just published */
			if (t->running || t->cmd_waiting)
				t->user_dirty = true;
			else
				tui_user_refresh(t);
			return true;
		}
	}
	if (t->running) {
		bool done;
		pthread_mutex_lock(&t->mu);
		done = t->done;
		pthread_mutex_unlock(&t->mu);
		if (!done)
			return false;
		/* the why job first: it may be the thread while a ':'
		 * command waits (cmd_running) for the insight thread */
		if (t->why_running) {
			why_join(t);
			/* the selection moved on meanwhile: explain it now */
			if (!t->u.have_why && !t->u.why_err[0] &&
			    t->u.user >= 0 && !t->cmd_waiting)
				tui_why_item(t, t->u.why_item, t->u.whynot);
		} else if (t->cmd_running) {
			cmd_join(t);
		} else {
			run_finish(t);
		}
		if (t->user_dirty && !t->running && !t->cmd_waiting) {
			t->user_dirty = false;
			tui_user_refresh(t);
		}
		return true;
	}
	/* a ':' command waits for the insight thread (and for a why job
	 * started meanwhile) before it may change the pipeline */
	if (t->cmd_waiting) {
		if (t->irunning)
			return false;
		t->cmd_waiting = false;
		if (!cmd_begin(t)) {
			t->cmd_running = false;
			t->cmd_done = true;
			t->cmd_rc = -1;
		}
		return true;
	}
	if (t->cmd_done)
		return true;    /* the main loop finishes the command first */
	bool redraw = false;
	bool change = memcmp(&t->want, &pl->params, sizeof t->want) != 0 ||
	    (t->autorun && pl->ds && pipeline_first_stale(pl) < STAGE__COUNT);
	/* the pipeline is about to change: the insight thread goes first */
	if (change && insight_busy(t))
		return false;
	if (memcmp(&t->want, &pl->params, sizeof t->want) != 0) {
		lock_before(t);
		/* validation and test metrics are not before and after */
		if (params_enum(&t->want, P_EVAL_TARGET) !=
		    params_enum(&pl->params, P_EVAL_TARGET))
			t->snap.have_prev_ev = false;
		struct err e;
		err_clear(&e);
		if (!t->have_good) {   /* the worker is idle: pl is ours */
			t->good = pl->params;
			memcpy(t->good_fresh, pl->fresh, sizeof t->good_fresh);
			t->have_good = true;
		}
		if (pipeline_set_all(pl, &t->want, &e) < 0) {
			/* refused (an imported abstract stage): keep the
			 * pipeline's parameters and say why */
			t->want = pl->params;
			tui_set_status(t, true, "%s", e.msg);
		}
		tui_snap_take(t);
		redraw = true;
	}
	if (t->autorun && pl->ds && pipeline_first_stale(pl) < STAGE__COUNT &&
	    util_now_ms() >= t->deadline) {
		run_start(t);
		redraw = true;
	} else if (!t->running && !t->irunning && !t->insight_held &&
	    pl->ds && pipeline_first_stale(pl) == STAGE__COUNT) {
		/* fresh results whose statistics nobody started: a ':'
		 * command ran the stages itself (set, undo, source) */
		insight_start(t);
		redraw = t->irunning;
	}
	return redraw;
}

void tui_param_changed(struct tui *t, const struct params *before)
{
	if (memcmp(before, &t->want, sizeof *before) == 0)
		return;
	/* the session's one history: ':undo' and 'u' see the same changes
	 * (no ':' command runs while a key changes parameters) */
	tui_history_mark(t);
	session_history_push(t->s, before);
	tui_param_rerun(t);
}

void tui_history_mark(struct tui *t)
{
	if (!t->have_mark) {
		session_history_mark(t->s, &t->good_mark);
		t->have_mark = true;
	}
}

void tui_param_rerun(struct tui *t)
{
	t->autorun = true;
	t->deadline = util_now_ms() + DEBOUNCE_MS;
	if (t->running && !t->why_running)
		flag_set(&t->s->cancel, 1);
	if (t->irunning)
		flag_set(&t->icancel, 1);
}

/* ------------------------------------------------------------ snapshot */

static void snap_comm(struct tui_snap *sn, const struct pipeline *pl)
{
	const struct abstract_out *a = &pl->abs;
	sn->n_comm_top = 0;
	if (!a->comm_size || !a->comm_order)
		return;
	for (uint32_t k = 0; k < a->n_comm && k < TUI_COMM_TOP; k++) {
		uint32_t c = a->comm_order[k];
		const char *l = community_label(pl, c);
		sn->comm_id[sn->n_comm_top] = c;
		snprintf(sn->comm_label[sn->n_comm_top],
		    sizeof sn->comm_label[0], "%s", l ? l : "");
		sn->comm_top[sn->n_comm_top++] = a->comm_size[c];
	}
}

static void snap_dataset(struct tui_snap *sn, const struct dataset *ds)
{
	sn->have_ds = ds != NULL;
	if (!ds)
		return;
	snprintf(sn->dsname, sizeof sn->dsname, "%s", ds->name ? ds->name :
	    ds->path ? ds->path : "?");
	snprintf(sn->dspath, sizeof sn->dspath, "%s", ds->path ? ds->path :
	    "");
	snprintf(sn->format, sizeof sn->format, "%s", format_name(ds->format));
	sn->n_users = ds->users.n;
	sn->n_items = ds->items.n;
	sn->n_inter = ds->n;
	sn->n_dup = ds->n_duplicates;
	sn->rated = ds->rating != NULL;
	sn->has_titles = ds->title != NULL;
}

/* Copy everything the panes show; the worker must be idle. */
void tui_snap_take(struct tui *t)
{
	const struct pipeline *pl = &t->s->pl;
	struct tui_snap *sn = &t->snap;
	snap_dataset(sn, pl->ds);
	sn->imported = pl->imp != NULL;
	if (pl->imp) {
		memset(&sn->imp, 0, sizeof sn->imp);
		sn->imp.params = pl->imp->params;
		sn->imp.threshold = pl->imp->threshold;
		sn->imp.topk = pl->imp->topk;
		snprintf(sn->imp_dir, sizeof sn->imp_dir, "%s", pl->imp->dir);
		snprintf(sn->imp_cmd, sizeof sn->imp_cmd, "%s",
		    pl->imp->command);
		sn->imp.dir = sn->imp_dir;
		sn->imp.command = sn->imp_cmd;
	}
	memcpy(sn->fresh, pl->fresh, sizeof sn->fresh);
	memcpy(sn->have, pl->have, sizeof sn->have);
	memcpy(sn->ms, pl->ms, sizeof sn->ms);
	memcpy(sn->insight, pl->insight, sizeof sn->insight);
	sn->params = pl->params;
	sn->insight_running = t->irunning;
	const struct eval_result *pe = session_pin_ev(t->s, &pl->params);
	sn->pinned = t->s->pinned;
	sn->pin = t->s->pin;
	sn->have_pin_ev = pe != NULL;
	if (pe)
		sn->pin_ev = *pe;
	if (pl->have[STAGE_LOAD]) {
		sn->n_train = pl->split.n_train;
		sn->n_valid = pl->split.n_valid;
		sn->n_test = pl->split.n_test;
		sn->users_with_test = pl->split.users_with_test;
	}
	if (pl->have[STAGE_GRAPH])
		sn->gs = pl->graph.st;
	if (pl->have[STAGE_ABSTRACT]) {
		sn->as = pl->abs.st;
		snap_comm(sn, pl);
	}
	if (pl->have[STAGE_FILTER]) {
		const struct lowrank *lr = &pl->filt.lr;
		sn->fs = pl->filt.st;
		sn->n_sigma = 0;
		sn->lr_energy = lr->energy;
		for (uint32_t x = 1; lr->k && x <= lr->k &&
		    sn->n_sigma < TUI_SIGMA; x = x * 2 <= lr->k || x == lr->k ?
		    x * 2 : lr->k) {
			sn->sigma_at[sn->n_sigma] = x;
			sn->sigma[sn->n_sigma++] = lr->sigma[x - 1];
		}
	}
	if (pl->have[STAGE_DISTILL]) {
		sn->info_hist = pl->dist.info_hist;
		sn->iw_sum = pl->dist.iw_sum;
	}
	sn->have_ev = pl->have[STAGE_RECOMMEND];
	if (sn->have_ev)
		sn->ev = pl->rec.ev;
}

/* ------------------------------------------------------------ the user */

void tui_user_free(struct tui_user *u)
{
	free(u->train);
	free(u->prof);
	free(u->prof_label);
	free(u->rec);
	free(u->prev);
	if (u->have_why) {
		if (u->whynot)
			whynot_out_destroy(&u->wn);
		else
			why_out_destroy(&u->why);
	}
	int64_t user = u->user;
	memset(u, 0, sizeof *u);
	u->user = user;
}

/* Drop the explanation (keeps everything else). */
static void why_clear(struct tui_user *u)
{
	if (u->have_why) {
		if (u->whynot)
			whynot_out_destroy(&u->wn);
		else
			why_out_destroy(&u->why);
	}
	u->have_why = false;
	u->why_err[0] = '\0';
	u->why_scroll = 0;
}

void tui_why_item(struct tui *t, uint32_t item, bool whynot)
{
	struct tui_user *u = &t->u;
	why_clear(u);
	u->why_item = item;
	u->whynot = whynot;
	u->why_pending = false;
	if (t->running || u->user < 0) {
		/* a whynot job in flight is joined by tui_run_tick, which
		 * then asks again for this item */
		if (!t->why_running)
			snprintf(u->why_err, sizeof u->why_err, "%s",
			    t->running ? "waiting for the run…" :
			    "no user selected");
		return;
	}
	t->job_user = u->user;
	t->job_item = item;
	t->job_whynot = whynot;
	memset(&t->job_wn, 0, sizeof t->job_wn);
	memset(&t->job_why, 0, sizeof t->job_why);
	if (worker_start(t, whynot_worker)) {
		t->why_running = true;
		u->why_pending = true;
	} else {
		snprintf(u->why_err, sizeof u->why_err, "cannot start the "
		    "worker thread");
	}
}

/* Training items of the user from the graph stage. */
static void user_train(struct tui *t, struct tui_user *u)
{
	const struct csr *ui = &t->s->pl.graph.ui;
	if (!t->s->pl.have[STAGE_GRAPH] || (uint64_t)u->user >= ui->nrows)
		return;
	uint64_t a = ui->ptr[u->user], b = ui->ptr[u->user + 1];
	u->train = xmalloc((b - a + 1) * sizeof *u->train);
	for (uint64_t k = a; k < b; k++)
		u->train[u->ntrain++] = ui->idx[k];
}

/* Rank change of each entry against the list before the last change. */
static void user_deltas(struct tui_user *u)
{
	for (size_t k = 0; k < u->nrec; k++) {
		u->rec[k].delta = 0;
		u->rec[k].is_new = false;
		if (!u->have_prev)
			continue;
		u->rec[k].is_new = true;
		for (size_t j = 0; j < u->nprev; j++)
			if (u->prev[j] == u->rec[k].item) {
				u->rec[k].delta = (int)j - (int)k;
				u->rec[k].is_new = false;
			}
	}
}

static void user_recs(struct tui *t, struct tui_user *u)
{
	struct rec_list l;
	struct user_profile p;
	struct err e;
	int n = (int)params_int(&t->s->pl.params, P_REC_N);
	err_clear(&e);
	memset(&l, 0, sizeof l);
	if (rec_user(&t->s->pl, (uint32_t)u->user, n, &l, &e) < 0) {
		snprintf(u->err, sizeof u->err, "%s", e.msg);
	} else {
		u->rec = xcalloc(l.n + 1, sizeof *u->rec);
		for (size_t k = 0; k < l.n; k++) {
			u->rec[k].item = l.e[k].item;
			u->rec[k].score = l.e[k].score;
			u->rec[k].hit = l.e[k].hit;
		}
		u->nrec = l.n;
		rec_list_destroy(&l);
		user_deltas(u);
	}
	memset(&p, 0, sizeof p);
	/* the profile reads the communities: insight, shown once the
	 * insight thread has published them (never computed here) */
	if (t->s->pl.abs.community &&
	    user_profile(&t->s->pl, (uint32_t)u->user, &p, &e) == 0) {
		u->prof = xcalloc(p.n + 1, sizeof *u->prof);
		memcpy(u->prof, p.e, p.n * sizeof *p.e);
		u->prof_label = xcalloc(p.n + 1, sizeof *u->prof_label);
		for (size_t k = 0; k < p.n; k++) {
			const char *cl = community_label(&t->s->pl,
			    p.e[k].comm);
			snprintf(u->prof_label[k], sizeof u->prof_label[k],
			    "%s", cl ? cl : "");
		}
		u->nprof = p.n;
		u->entropy = p.entropy;
		user_profile_destroy(&p);
	}
}

/* Recompute the user's copies (worker idle). Keeps the selection and the
 * "before" ranks; re-runs the explanation of the selected item. */
void tui_user_refresh(struct tui *t)
{
	struct tui_user *u = &t->u;
	uint32_t *prev = u->prev;
	size_t nprev = u->nprev;
	bool have_prev = u->have_prev, had_why = u->have_why || u->why_err[0];
	bool whynot = u->whynot;
	uint32_t item = u->why_item;
	int sel = u->sel, top = u->top;
	u->prev = NULL;
	tui_user_free(u);
	u->prev = prev;
	u->nprev = nprev;
	u->have_prev = have_prev;
	u->sel = sel;
	u->top = top;
	if (u->user < 0 || t->running || !t->s->pl.ds)
		return;
	user_train(t, u);
	if (t->s->pl.fresh[STAGE_RECOMMEND])
		user_recs(t, u);
	else
		snprintf(u->err, sizeof u->err, "recommendations are stale");
	u->valid = t->s->pl.fresh[STAGE_RECOMMEND];
	if (u->sel >= (int)u->nrec)
		u->sel = u->nrec ? (int)u->nrec - 1 : 0;
	if (had_why && u->valid)
		tui_why_item(t, item, whynot);
	else if (u->valid && u->nrec)
		tui_why_item(t, u->rec[u->sel].item, false);
}

void tui_user_select(struct tui *t, int64_t user)
{
	struct tui_user *u = &t->u;
	if (user != u->user) {
		tui_user_free(u);
		u->user = user;
	}
	tui_user_refresh(t);
	if (u->nrec && !t->running)
		tui_why_item(t, u->rec[u->sel].item, false);
}
