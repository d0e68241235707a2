/*
 * distill — util.c: the allocation wrappers (never NULL; fatal hook then
 * abort), struct err helpers, a monotonic clock and the seeded PRNG every
 * randomised step uses (so results are reproducible from the seed).
 */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

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

void util_set_fatal_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

static void oom(size_t n)
{
	if (fatal_hook)
		fatal_hook();
	fprintf(stderr, "distill: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	hint_huge(p, n);
	return p;
}

void *try_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p)
		hint_huge(p, n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	hint_huge(p, n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	hint_huge(q, n);
	return q;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	return xrealloc(p, n * size);
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
