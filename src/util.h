/*
 * distill — util.h: memory allocation, error reporting and small helpers
 * shared by every engine module.
 *
 * Out-of-memory policy: the x*alloc functions never return NULL. Inside a
 * memory scope (below: a stage, a load, an insight or an explanation) a
 * failed allocation unwinds the scope: every block allocated in it is
 * freed and the scope's owner returns an ERR_LIMIT error, the session
 * keeping its previous results. Outside one they call the fatal hook
 * installed with util_set_fatal_hook() (the UI uses it to restore the
 * terminal) and abort. Never write NULL checks after them. Engine code
 * frees with xfree(), which keeps the scopes' ledger right.
 *
 * Recoverable errors: engine functions return 0 on success and -1 on
 * failure, filling a caller-provided struct err with a code and a message
 * that names what went wrong and where (file:line:column, parameter, id).
 */
#ifndef DISTILL_UTIL_H
#define DISTILL_UTIL_H

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum err_code {
	ERR_OK = 0,
	ERR_IO,          /* cannot open/read/write a file */
	ERR_PARSE,       /* malformed input (file:line:col in the message) */
	ERR_INVAL,       /* bad argument or parameter value */
	ERR_NOTFOUND,    /* unknown user, item, parameter, stage */
	ERR_STATE,       /* asked for something not available yet (no data) */
	ERR_EMPTY,       /* a stage produced nothing usable (all pruned) */
	ERR_LIMIT,       /* a resource limit was hit (line too long, ...) */
	ERR_IGRAPH,      /* igraph reported an error */
	ERR_INTERRUPTED  /* cancelled by the user */
};

#define ERR_MSG_MAX 1024

struct err {
	enum err_code code;
	char msg[ERR_MSG_MAX];
};

/* Reset to ERR_OK with an empty message. */
void err_clear(struct err *e);
/* Fill e (may be NULL) and return -1, so callers can `return err_set(...)`. */
int err_set(struct err *e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix the existing message: "prefix: old message", unless it already
 * starts with "prefix:" (one stage name, never "abstract: abstract:").
 * Returns -1. */
int err_prefix(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *err_code_name(enum err_code code);

void *xmalloc(size_t n);
/* malloc for a block the caller can do without (a cache): NULL when the
 * memory is not there, where xmalloc would end the process. */
void *try_malloc(size_t n);
/* calloc and realloc that return NULL instead (realloc's p stays valid):
 * for code that cannot unwind, inside an OpenMP parallel region. */
void *try_calloc(size_t n, size_t size);
void *try_realloc(void *p, size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
/* free() that keeps the memory scopes' ledger right: engine code frees
 * with it (a block freed behind the ledger's back would be freed again
 * when its scope unwinds). */
void xfree(void *p);

/*
 * Memory scopes: PostgreSQL's memory contexts with elog's longjmp, in
 * small. Every x*alloc block allocated on a thread while it has a scope
 * open is in the scope's ledger. When one fails, the scope unwinds: the
 * blocks of its ledger still allocated are freed, and control returns to
 * its setjmp with sc.need set to the size that failed. Closing a scope
 * hands its blocks to the enclosing scope (or lets them go). Use:
 *
 *	struct mem_scope sc;
 *	mem_scope_open(&sc);
 *	if (setjmp(sc.jb) != 0)
 *		return mem_scope_error(&sc, err, "abstract");
 *	... work that allocates ...
 *	mem_scope_close(&sc);
 *
 * Between the setjmp and the close, the function reads after a longjmp
 * only its arguments and sc (no local it modified: C11 7.13.2.1).
 * Cannot unwind (and so aborts as before): inside an OpenMP parallel
 * region, between mem_nothrow_begin() and _end() (a mutex held, say), or
 * on a thread with no scope open. Blocks allocated by other threads (the
 * workers of an OpenMP loop) are not in the ledger.
 */
struct mem_defer;
struct mem_scope {
	jmp_buf jb;
	struct mem_scope *prev;  /* the thread's enclosing scope */
	size_t need;             /* the allocation that failed */
	struct mem_defer *defer; /* run when it unwinds, newest first */
};
/* What is not memory (an open file): fn(arg) runs if the scope unwinds
 * before mem_defer_pop(d); d lives where arg does. Without a scope on
 * the thread, nothing is recorded. A scope closed with defers still
 * pushed hands them to the enclosing one. */
struct mem_defer {
	void (*fn)(void *);
	void *arg;
	struct mem_defer *next;
	struct mem_scope *sc;
};
void mem_defer_push(struct mem_defer *d, void (*fn)(void *), void *arg);
void mem_defer_pop(struct mem_defer *d);
void mem_scope_open(struct mem_scope *sc);
void mem_scope_close(struct mem_scope *sc);
/* Close, the blocks leaving the ledger: they went into a structure that
 * outlives every enclosing scope (a cache of the pipeline's). */
void mem_scope_keep(struct mem_scope *sc);
/* ERR_LIMIT "WHAT: out of memory (an allocation of N MB failed)"; no
 * "WHAT: " when what is NULL. */
int mem_scope_error(const struct mem_scope *sc, struct err *err,
    const char *what);
/* Put block p, allocated on a thread with no scope (an OpenMP worker),
 * in the calling thread's scope: after the parallel region, for the
 * workers' buffers that outlive it. */
void mem_adopt(void *p);
void mem_nothrow_begin(void);
void mem_nothrow_end(void);
/* Unwind the thread's scope as if an allocation of n bytes had failed
 * (a kernel whose OpenMP workers could not allocate). Does not return
 * when a scope can unwind; otherwise ends the process as x*alloc would. */
_Noreturn void mem_fail(size_t n);
/* Fault injection for the tests: the n-th allocation from now that could
 * unwind a scope fails (try_malloc's return NULL instead); 0 turns it
 * off. mem_fail_count() is how many such allocations were made since. */
void mem_fail_at(uint64_t n);
uint64_t mem_fail_count(void);

/* Levenshtein distance of a and b (99 when either is over 64 bytes). */
int util_edit_distance(const char *a, const char *b);
/* "Did you mean": true, and *best lowered, when cand is nearer to name
 * than *best (start it at NEAR_START: two edits at most) and within half
 * of name's length. */
#define NEAR_START 3
bool util_closer(const char *name, const char *cand, int *best);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Start the program again with glibc's heap on transparent huge pages
 * (GLIBC_TUNABLES=glibc.malloc.hugetlb=1) where the kernel gives them
 * only on request; returns when it does not (programs call it first,
 * with main's argv). DISTILL_HUGEPAGES=0 turns it off. */
void util_huge_heap(char **argv);
/* Large arrays from the heap, reused from one run to the next, instead
 * of fresh mappings each time (programs call it first thing). */
void util_tune_malloc(void);
/* Start the OpenMP threads of the calling thread now, while the memory
 * for their stacks is there (libgomp exits the process when it is not). */
void util_start_threads(void);

/* Called before abort() on allocation failure (restore the terminal). */
void util_set_fatal_hook(void (*hook)(void));

/* Monotonic clock in milliseconds. */
double util_now_ms(void);

/* A number never returned before in this process, never 0 (thread-safe):
 * the generation stamped on a stage result, so that a later run can tell
 * whether what it would reuse was made from the same input. */
uint64_t util_next_gen(void);

/*
 * Progress and cancellation, installed by the UI into the pipeline.
 * `cancel` points at a flag that a signal handler or key handler sets;
 * heavy loops poll it through hooks_cancelled() every few hundred rows and
 * stop with ERR_INTERRUPTED. `progress` may be NULL; it is called from the
 * calling thread only (never from inside an OpenMP worker) and must be cheap.
 */
struct hooks {
	void (*progress)(void *ud, const char *what, double fraction);
	volatile sig_atomic_t *cancel;
	void *ud;
};

/* The cancel flag is written by key and signal handlers and read by the
 * engine's threads: relaxed atomics (a flag; no data is handed over). */
static inline bool hooks_cancelled(const struct hooks *h)
{
	return h && h->cancel && __atomic_load_n(h->cancel, __ATOMIC_RELAXED);
}

static inline void flag_set(volatile sig_atomic_t *f, int v)
{
	__atomic_store_n(f, v, __ATOMIC_RELAXED);
}

static inline void hooks_progress(const struct hooks *h, const char *what,
    double fraction)
{
	if (h && h->progress)
		h->progress(h->ud, what, fraction);
}

/* Deterministic 64-bit PRNG (splitmix64 seeding + xoshiro256**). */
struct rng {
	uint64_t s[4];
};
void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, 1). */
double rng_double(struct rng *r);
/* Uniform in [0, n). n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);

/*
 * Label hashes (DESIGN §2.2): what picks a sampled user and a hash split,
 * computed identically by cluster/distill-abstract, so the same session
 * makes the same choice in process and on a cluster, whatever the order
 * or the partitioning of the data.
 *
 *   fnv(s)        FNV-1a 64 of the label's bytes
 *   mix(x)        one splitmix64 step: z = x + 0x9e3779b97f4a7c15, then
 *                 z ^= z>>30; z *= 0xbf58476d1ce4e5b9; z ^= z>>27;
 *                 z *= 0x94d049bb133111eb; z ^= z>>31
 *   user(u, s)    mix(fnv(u) ^ mix(s))
 *   pair(u,i,s)   mix(fnv(u) ^ mix(fnv(i) ^ mix(s)))
 *   unit(h)       (h >> 11) · 2^-53, in [0, 1)
 *
 * A user is sampled when unit(user(u, sample_seed)) < F.
 */
uint64_t hash_label(const char *s, size_t len);
uint64_t hash_mix(uint64_t x);
uint64_t hash_user(const char *u, size_t len, uint64_t seed);
uint64_t hash_pair(const char *u, size_t ulen, const char *i, size_t ilen,
    uint64_t seed);
static inline double hash_unit(uint64_t h)
{
	return (double)(h >> 11) * 0x1p-53;
}

/*
 * Output files (src/export.c). A regular file is written to a temporary
 * beside it (fsync'd) and renamed over it (then the directory is
 * fsync'd), so a failed write never leaves a truncated file under the
 * final name; the file keeps its mode, a new one gets 0666 & ~umask. A
 * symlink is followed (its target is written, the link stays). A FIFO,
 * a device, or anything under /dev or /proc (/dev/stdout, /dev/fd/N) is
 * written through, never replaced. `inputs` (NULL-terminated, may be
 * NULL) are files the session read: writing over one is refused. Errors
 * name the path and say whether the directory is missing.
 */
struct outfile {
	FILE *f;
	char *tmp;          /* NULL when writing through */
	char *path;         /* the file written (a symlink's target) */
};
int outfile_open(struct outfile *o, const char *path,
    const char *const *inputs, struct err *err);
int outfile_commit(struct outfile *o, struct err *err);
/* For a fatal signal's handler: remove the temporary being written
 * (async-signal-safe). Temporaries older than ten minutes left by a
 * process that could not are swept by the next write to the same path. */
void outfile_signal_cleanup(void);
/* Quoted strings for CSV (RFC 4180: only when needed), JSON and XML
 * (src/export.c). */
void put_csv(FILE *f, const char *s);
void put_json(FILE *f, const char *s);
/* s as a JSON string, quotes included ('"' and '\\' escaped, control
 * bytes as \u00XX, the rest as it is), through put(ctx, bytes, n): the
 * one JSON escaper of the program (put_json, the JSON output format). */
void json_quote(const char *s, void (*put)(void *, const char *, size_t),
    void *ctx);
void put_xml(FILE *f, const char *s);

#endif
