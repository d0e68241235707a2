/*
 * distill — util.c: the allocation wrappers (never NULL; fatal hook then
 * abort), struct err helpers, a monotonic clock and the seeded PRNG every
 * randomised step uses (so results are reproducible from the seed).
 */
#include "util.h"

#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

static void (*fatal_hook)(void);

/*
 * Blocks this large are the CSR arrays, candidate caches and workspaces
 * of the kernels; each is written once, right after it is allocated.
 * Asking the kernel for transparent huge pages on them turns 512 page
 * faults into one: on Gowalla the faults were 22 % of a full run
 * (perf), and the run went from 2.3 s to 1.1 s. Only a hint: where the
 * kernel has THP off, or the block is on the heap between two others,
 * nothing changes but the cost of one madvise call.
 */
#define HUGE_HINT_MIN (8u << 20)

static void hint_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	if (n < HUGE_HINT_MIN)
		return;
	uintptr_t pg = 4096;
	uintptr_t a = ((uintptr_t)p + pg - 1) & ~(pg - 1);
	uintptr_t e = ((uintptr_t)p + n) & ~(pg - 1);
	if (e > a)
		(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
}

/*
 * Every change re-runs stages whose arrays are tens of MB (Gowalla's S:
 * 66 MB), allocated fresh and freed when the next result replaces them.
 * glibc serves blocks over 32 MB with mmap and unmaps them on free, so
 * each change paid for its arrays again in page faults: zeroed by the
 * kernel, and costly under a hypervisor (perf: clear_page_erms and
 * pvm_irq_enable, ~20 % of a change; a top-k change's abstract stage
 * took 140 ms, of which the selection itself is 35). From the heap,
 * freed arrays are reused by the next ones. Free memory up to
 * TRIM_KEEP at the top of the heap stays with the process; beyond that
 * it goes back to the system.
 */
#define TRIM_KEEP (1024ul << 20)

/*
 * Huge pages for every heap block, igraph's too. The hint above covers
 * the engine's own arrays; igraph's (the graph's edge indices, Leiden's
 * work vectors) come from its own malloc calls, and their random
 * accesses miss the TLB on 4 KB pages. glibc backs its heap with huge
 * pages when the tunable glibc.malloc.hugetlb=1 is set, and tunables
 * are read only when a program starts: so the program starts once more
 * with it set. Measured on Gowalla, five runs each: communities 5.5 s ->
 * 3.8 s, a one-shot eval 0.82 -> 0.66 s, the same peak memory. Not
 * when the kernel gives huge pages to all memory already (or never),
 * under valgrind (it would not follow the exec), when the tunable is
 * set, or with DISTILL_HUGEPAGES=0.
 */
void util_huge_heap(char **argv)
{
#ifdef __linux__
	const char *off = getenv("DISTILL_HUGEPAGES");
	const char *t = getenv("GLIBC_TUNABLES");
	if ((off && strcmp(off, "0") == 0) ||
	    (t && strstr(t, "glibc.malloc.hugetlb")))
		return;
	/* under valgrind /proc/self/exe is valgrind's tool, which will not
	 * run by itself: its preload library says so without its header */
	const char *pre = getenv("LD_PRELOAD");
	if (pre && strstr(pre, "vgpreload"))
		return;
#ifdef RUNNING_ON_VALGRIND
	if (RUNNING_ON_VALGRIND)
		return;
#endif
	char mode[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f)
		return;
	bool madv = fgets(mode, sizeof mode, f) &&
	    strstr(mode, "[madvise]") != NULL;
	fclose(f);
	if (!madv)
		return;
	char *v = xasprintf("%s%sglibc.malloc.hugetlb=1", t ? t : "",
	    t && *t ? ":" : "");
	if (setenv("GLIBC_TUNABLES", v, 1) == 0)
		execv("/proc/self/exe", argv);
	/* it could not: go on as started */
	if (t)
		setenv("GLIBC_TUNABLES", t, 1);
	else
		unsetenv("GLIBC_TUNABLES");
	free(v);
#else
	(void)argv;
#endif
}

void util_tune_malloc(void)
{
#ifdef M_MMAP_MAX
	mallopt(M_MMAP_MAX, 0);
	mallopt(M_TRIM_THRESHOLD, (int)(TRIM_KEEP > INT_MAX ? INT_MAX :
	    TRIM_KEEP));
#endif
}

/* libgomp starts a master thread's pool at its first parallel region
 * and ends the process when it cannot (gomp_fatal): under a memory
 * limit that first region may come when the stacks no longer fit. */
void util_start_threads(void)
{
#ifdef _OPENMP
	#pragma omp parallel
	{
		__asm__ volatile("" ::: "memory");
	}
#endif
}

void util_set_fatal_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

/* ------------------------------------------------------ memory scopes */

/*
 * The ledger: one open-addressing table of (block, scope) for the whole
 * process, under a mutex (a block may be freed on another thread than
 * the one that allocated it). Empty while no scope is open, and then
 * never touched: xfree costs one atomic load.
 */
struct mem_slot {
	void *p;
	struct mem_scope *sc;
};
#define SLOT_FREE NULL
static char slot_dead;
#define SLOT_DEAD ((void *)&slot_dead)

static pthread_mutex_t mem_mu = PTHREAD_MUTEX_INITIALIZER;
static struct mem_slot *mem_tab;
static size_t mem_cap, mem_used;      /* used: live and dead slots */
static int mem_open;                  /* scopes open in the process */
static _Thread_local struct mem_scope *mem_top;
static _Thread_local int mem_nothrow;
static uint64_t fail_at, fail_seen;   /* fault injection, under mem_mu */

static size_t slot_of(const void *p, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 20) & (cap - 1);
}

/* Grow (or clean) the table; false when even that cannot be had. */
static bool tab_grow(void)
{
	size_t live = 0;
	for (size_t k = 0; k < mem_cap; k++)
		live += mem_tab[k].p != SLOT_FREE && mem_tab[k].p != SLOT_DEAD;
	size_t cap = 1024;
	while (cap < 4 * (live + 1))
		cap *= 2;
	struct mem_slot *t = calloc(cap, sizeof *t);
	if (!t)
		return false;
	for (size_t k = 0; k < mem_cap; k++) {
		void *p = mem_tab[k].p;
		if (p == SLOT_FREE || p == SLOT_DEAD)
			continue;
		size_t h = slot_of(p, cap);
		while (t[h].p)
			h = (h + 1) & (cap - 1);
		t[h] = mem_tab[k];
	}
	free(mem_tab);
	mem_tab = t;
	mem_cap = cap;
	mem_used = live;
	return true;
}

static void tab_add(void *p, struct mem_scope *sc)
{
	if ((mem_used + 1) * 2 > mem_cap && !tab_grow()) {
		fprintf(stderr, "distill: out of memory for the allocation "
		    "ledger\n");
		abort();
	}
	size_t h = slot_of(p, mem_cap);
	while (mem_tab[h].p != SLOT_FREE && mem_tab[h].p != SLOT_DEAD)
		h = (h + 1) & (mem_cap - 1);
	mem_used += mem_tab[h].p == SLOT_FREE;
	mem_tab[h].p = p;
	mem_tab[h].sc = sc;
}

/* Take p out of the ledger; the scope it was in, or NULL. */
static struct mem_scope *tab_remove(uintptr_t p)
{
	if (!mem_cap)
		return NULL;
	for (size_t h = slot_of((void *)p, mem_cap); mem_tab[h].p != SLOT_FREE;
	    h = (h + 1) & (mem_cap - 1))
		if ((uintptr_t)mem_tab[h].p == p) {
			mem_tab[h].p = SLOT_DEAD;
			return mem_tab[h].sc;
		}
	return NULL;
}

/* Can a failure on this thread unwind its scope? */
static bool can_throw(void)
{
	if (!mem_top || mem_nothrow)
		return false;
#ifdef _OPENMP
	if (omp_in_parallel())
		return false;
#endif
	return true;
}

static bool scopes_open(void)
{
	return __atomic_load_n(&mem_open, __ATOMIC_ACQUIRE) > 0;
}

/* Take p out of the ledger: the scope it was in, or NULL. */
static struct mem_scope *untrack(void *p)
{
	if (!p || !scopes_open())
		return NULL;
	pthread_mutex_lock(&mem_mu);
	struct mem_scope *sc = tab_remove((uintptr_t)p);
	pthread_mutex_unlock(&mem_mu);
	return sc;
}

/* Put block p in the ledger: in scope sc, else the thread's own. */
static void track(void *p, struct mem_scope *sc)
{
	if (!scopes_open())
		return;
	pthread_mutex_lock(&mem_mu);
	if (!sc)
		sc = mem_top;
	if (sc)
		tab_add(p, sc);
	pthread_mutex_unlock(&mem_mu);
}

/* Fault injection: true when this allocation is to fail. */
static bool inject(void)
{
	if (!__atomic_load_n(&fail_at, __ATOMIC_RELAXED) || !can_throw())
		return false;
	pthread_mutex_lock(&mem_mu);
	bool hit = fail_at && ++fail_seen == fail_at;
	if (hit)
		fail_at = 0;
	pthread_mutex_unlock(&mem_mu);
	return hit;
}

void mem_fail_at(uint64_t n)
{
	pthread_mutex_lock(&mem_mu);
	fail_seen = 0;
	__atomic_store_n(&fail_at, n, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&mem_mu);
}

uint64_t mem_fail_count(void)
{
	pthread_mutex_lock(&mem_mu);
	uint64_t n = fail_seen;
	pthread_mutex_unlock(&mem_mu);
	return n;
}

void mem_defer_push(struct mem_defer *d, void (*fn)(void *), void *arg)
{
	d->fn = fn;
	d->arg = arg;
	d->sc = mem_top;
	d->next = NULL;
	if (!mem_top)
		return;
	d->next = mem_top->defer;
	mem_top->defer = d;
}

void mem_defer_pop(struct mem_defer *d)
{
	if (!d->sc)
		return;
	for (struct mem_defer **pp = &d->sc->defer; *pp; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	d->sc = NULL;
}

void mem_scope_open(struct mem_scope *sc)
{
	sc->prev = mem_top;
	sc->need = 0;
	sc->defer = NULL;
	mem_top = sc;
	__atomic_add_fetch(&mem_open, 1, __ATOMIC_ACQ_REL);
}

/* Pop sc; its blocks go to the enclosing scope (or out of the ledger,
 * with keep or when there is none) or, with release, are freed. */
static void scope_end(struct mem_scope *sc, bool release, bool keep)
{
	struct mem_scope *to = keep ? NULL : sc->prev;
	/* the defers first: they may free blocks of the ledger */
	while (sc->defer) {
		struct mem_defer *d = sc->defer;
		sc->defer = d->next;
		if (release) {
			d->sc = NULL;
			d->fn(d->arg);
		} else {
			d->sc = to;
			if (to) {
				d->next = to->defer;
				to->defer = d;
			}
		}
	}
	pthread_mutex_lock(&mem_mu);
	for (size_t k = 0; k < mem_cap; k++) {
		struct mem_slot *e = &mem_tab[k];
		if (e->p == SLOT_FREE || e->p == SLOT_DEAD || e->sc != sc)
			continue;
		if (release)
			free(e->p);
		if (release || !to)
			e->p = SLOT_DEAD;
		else
			e->sc = to;
	}
	mem_top = sc->prev;
	if (__atomic_sub_fetch(&mem_open, 1, __ATOMIC_ACQ_REL) == 0) {
		free(mem_tab);
		mem_tab = NULL;
		mem_cap = mem_used = 0;
	}
	pthread_mutex_unlock(&mem_mu);
}

void mem_scope_close(struct mem_scope *sc)
{
	scope_end(sc, false, false);
}

void mem_scope_keep(struct mem_scope *sc)
{
	scope_end(sc, false, true);
}

int mem_scope_error(const struct mem_scope *sc, struct err *err,
    const char *what)
{
	char size[32];
	if (sc->need >= 1048576)
		snprintf(size, sizeof size, "%.1f MB", sc->need / 1048576.0);
	else
		snprintf(size, sizeof size, "%zu bytes", sc->need);
	return err_set(err, ERR_LIMIT, "%s%sout of memory (an allocation of "
	    "%s failed)", what ? what : "", what ? ": " : "", size);
}

void mem_adopt(void *p)
{
	if (!p || !mem_top)
		return;
	pthread_mutex_lock(&mem_mu);
	struct mem_scope *sc = tab_remove((uintptr_t)p);
	tab_add(p, sc ? sc : mem_top);
	pthread_mutex_unlock(&mem_mu);
}

void mem_nothrow_begin(void)
{
	mem_nothrow++;
}

void mem_nothrow_end(void)
{
	mem_nothrow--;
}

static _Noreturn void oom(size_t n)
{
	if (fatal_hook)
		fatal_hook();
	fprintf(stderr, "distill: out of memory allocating %zu bytes\n", n);
	abort();
}

_Noreturn void mem_fail(size_t n)
{
	if (!can_throw())
		oom(n);
	struct mem_scope *sc = mem_top;
	sc->need = n;
	scope_end(sc, true, false);
	longjmp(sc->jb, 1);
}

void *xmalloc(size_t n)
{
	void *p = inject() ? NULL : malloc(n ? n : 1);
	if (!p)
		mem_fail(n);
	track(p, NULL);
	hint_huge(p, n);
	return p;
}

void *try_malloc(size_t n)
{
	void *p = inject() ? NULL : malloc(n ? n : 1);
	if (p) {
		track(p, NULL);
		hint_huge(p, n);
	}
	return p;
}

void *try_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = inject() ? NULL : calloc(n ? n : 1, size ? size : 1);
	if (p) {
		track(p, NULL);
		hint_huge(p, n * size);
	}
	return p;
}

void *try_realloc(void *p, size_t n)
{
	struct mem_scope *sc = untrack(p);
	void *q = inject() ? NULL : realloc(p, n ? n : 1);
	if (!q) {
		if (sc)
			track(p, sc);
		return NULL;
	}
	if (sc || !p)
		track(q, sc);
	hint_huge(q, n);
	return q;
}

void *xcalloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		mem_fail(SIZE_MAX);
	void *p = inject() ? NULL : calloc(n ? n : 1, size ? size : 1);
	if (!p)
		mem_fail(n * size);
	track(p, NULL);
	hint_huge(p, n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	/* the block keeps its scope (it may be an outer one); a block
	 * outside the ledger stays outside (its owner outlives the scope) */
	struct mem_scope *sc = untrack(p);
	void *q = inject() ? NULL : realloc(p, n ? n : 1);
	if (!q) {
		if (sc)   /* still allocated: back into the ledger */
			track(p, sc);
		mem_fail(n);
	}
	if (sc || !p)
		track(q, sc);
	hint_huge(q, n);
	return q;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		mem_fail(SIZE_MAX);
	return xrealloc(p, n * size);
}

void xfree(void *p)
{
	if (!p)
		return;
	untrack(p);
	free(p);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap, aq;
	va_start(ap, fmt);
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, aq);
	va_end(aq);
	return p;
}

void err_clear(struct err *e)
{
	if (e) {
		e->code = ERR_OK;
		e->msg[0] = '\0';
	}
}

int err_set(struct err *e, enum err_code code, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	e->code = code;
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	char old[ERR_MSG_MAX];
	va_list ap;
	memcpy(old, e->msg, sizeof old);
	va_start(ap, fmt);
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	/* a message that already names it ("abstract: interrupted" from
	 * inside the stage, prefixed again with the stage) keeps one */
	if (n >= 0 && (size_t)n < sizeof old &&
	    strncmp(old, e->msg, (size_t)n) == 0 &&
	    old[n] == ':') {
		memcpy(e->msg, old, sizeof old);
		return -1;
	}
	if (n >= 0 && (size_t)n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s", old);
	return -1;
}

const char *err_code_name(enum err_code code)
{
	static const char *const names[] = {
		"ok", "io", "parse", "invalid", "not found", "state", "empty",
		"limit", "igraph", "interrupted",
	};
	return (unsigned)code < sizeof names / sizeof names[0] ?
	    names[code] : "error";
}

double util_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

uint64_t util_next_gen(void)
{
	static uint64_t gen;
	return __atomic_add_fetch(&gen, 1, __ATOMIC_RELAXED);
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t hash_label(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t k = 0; k < len; k++) {
		h ^= (unsigned char)s[k];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t hash_mix(uint64_t x)
{
	return splitmix64(&x);
}

uint64_t hash_user(const char *u, size_t len, uint64_t seed)
{
	return hash_mix(hash_label(u, len) ^ hash_mix(seed));
}

uint64_t hash_pair(const char *u, size_t ulen, const char *i, size_t ilen,
    uint64_t seed)
{
	return hash_mix(hash_label(u, ulen) ^
	    hash_mix(hash_label(i, ilen) ^ hash_mix(seed)));
}

void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double rng_double(struct rng *r)
{
	return (rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	/* Lemire's nearly-divisionless method would be faster; modulo bias is
	 * below 2^-40 for the sizes we draw, and this stays obviously right. */
	return rng_next(r) % n;
}

int util_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 99;
	int row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

bool util_closer(const char *name, const char *cand, int *best)
{
	int d = util_edit_distance(name, cand);
	if (d < *best && d <= (int)strlen(name) / 2 + 1) {
		*best = d;
		return true;
	}
	return false;
}
