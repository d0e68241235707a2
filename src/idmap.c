/*
 * distill — idmap.c: string interning (external id <-> dense index) and
 * the loader's id table, which adds a direct array for canonical decimal
 * ids ("0", "17", not "017") so that numeric files skip hashing.
 *
 * The idmap is an open-addressing hash table of id+1 (0 = empty) with
 * linear probing, kept at most half full. Strings live in arena blocks of
 * 64 KiB (or larger for long strings) chained through their first word,
 * so interning allocates nothing per string.
 */
#include <string.h>

#include "dataset.h"
#include "load.h"

#define ARENA_BLOCK 65536

struct block {
	struct block *next;
	char data[];
};

void idmap_init(struct idmap *m)
{
	memset(m, 0, sizeof *m);
}

void idmap_destroy(struct idmap *m)
{
	struct block *b = m->blocks, *next;
	for (; b; b = next) {
		next = b->next;
		xfree(b);
	}
	xfree(m->names);
	xfree(m->slots);
	memset(m, 0, sizeof *m);
}

/* FNV-1a, then a multiply-xorshift finaliser for better low bits. */
static uint32_t idmap_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h ^ (h >> 32));
}

/* Copy s into the arena, NUL-terminated. */
static char *idmap_store(struct idmap *m, const char *s, size_t len)
{
	if (m->arena_used + len + 1 > m->arena_cap) {
		size_t sz = len + 1 > ARENA_BLOCK ? len + 1 : ARENA_BLOCK;
		struct block *b = xmalloc(sizeof *b + sz);
		b->next = m->blocks;
		m->blocks = b;
		m->arena = b->data;
		m->arena_used = 0;
		m->arena_cap = sz;
	}
	char *p = m->arena + m->arena_used;
	memcpy(p, s, len);
	p[len] = '\0';
	m->arena_used += len + 1;
	return p;
}

/* Double the slot table and re-insert every id. */
static void idmap_grow(struct idmap *m)
{
	uint32_t n = m->nslots ? m->nslots * 2 : 1024;
	uint32_t *slots = xcalloc(n, sizeof *slots);
	for (uint32_t id = 0; id < m->n; id++) {
		const char *s = m->names[id];
		uint32_t h = idmap_hash(s, strlen(s)) & (n - 1);
		while (slots[h])
			h = (h + 1) & (n - 1);
		slots[h] = id + 1;
	}
	xfree(m->slots);
	m->slots = slots;
	m->nslots = n;
}

/* The slot holding name, or the empty slot where it would go. */
static uint32_t idmap_probe(const struct idmap *m, const char *s, size_t len)
{
	uint32_t mask = m->nslots - 1, h = idmap_hash(s, len) & mask;
	for (;; h = (h + 1) & mask) {
		uint32_t v = m->slots[h];
		if (v == 0)
			return h;
		const char *t = m->names[v - 1];
		if (strncmp(t, s, len) == 0 && t[len] == '\0')
			return h;
	}
}

uint32_t idmap_intern(struct idmap *m, const char *s, size_t len)
{
	if ((uint64_t)(m->n + 1) * 2 > m->nslots)
		idmap_grow(m);
	uint32_t h = idmap_probe(m, s, len);
	if (m->slots[h])
		return m->slots[h] - 1;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 1024;
		m->names = xreallocarray(m->names, m->cap, sizeof *m->names);
	}
	m->names[m->n] = idmap_store(m, s, len);
	m->slots[h] = ++m->n;
	return m->n - 1;
}

int64_t idmap_find(const struct idmap *m, const char *s, size_t len)
{
	if (m->nslots == 0)
		return -1;
	uint32_t v = m->slots[idmap_probe(m, s, len)];
	return v ? (int64_t)v - 1 : -1;
}

void idtab_init(struct idtab *t)
{
	memset(t, 0, sizeof *t);
	idmap_init(&t->map);
}

void idtab_free_table(struct idtab *t)
{
	xfree(t->num);
	t->num = NULL;
	t->nnum = 0;
}

/* Value of a canonical decimal id, or -1. */
static int64_t idtab_decimal(const char *s, size_t len)
{
	if (len == 0 || len > 8 || (s[0] == '0' && len > 1))
		return -1;
	int64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v < IDTAB_NUM_MAX ? v : -1;
}

int idtab_get_slow(struct idtab *t, const char *s, size_t len,
    uint32_t *id, const char **why)
{
	if (len == 0) {
		*why = "empty";
		return -1;
	}
	if (len > LOAD_ID_MAX) {
		*why = "too long";
		return -1;
	}
	int64_t v = idtab_decimal(s, len);
	if (v < 0) {
		for (size_t i = 0; i < len; i++) {
			if ((unsigned char)s[i] >= 0x80) {
				if (idmap_find(&t->map, s, len) < 0 &&
				    utf8_check(s, len) != len) {
					*why = "utf8";
					return -1;
				}
				break;
			}
		}
		*id = idmap_intern(&t->map, s, len);
		return 0;
	}
	if ((size_t)v >= t->nnum) {
		size_t n = t->nnum ? t->nnum : 1024;
		while (n <= (size_t)v)
			n *= 2;
		t->num = xreallocarray(t->num, n, sizeof *t->num);
		memset(t->num + t->nnum, 0, (n - t->nnum) * sizeof *t->num);
		t->nnum = n;
	}
	*id = idmap_intern(&t->map, s, len);
	t->num[v] = *id + 1;
	return 0;
}

size_t utf8_check(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1; cp = c & 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2; cp = c & 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3; cp = c & 0x07; min = 0x10000;
		} else
			return i;
		if (i + n >= len)
			return i;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

char *latin1_to_utf8(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	char *out = xmalloc(2 * len + 1), *p = out;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x80) {
			*p++ = (char)s[i];
		} else {
			*p++ = (char)(0xc0 | (s[i] >> 6));
			*p++ = (char)(0x80 | (s[i] & 0x3f));
		}
	}
	*p = '\0';
	return out;
}
