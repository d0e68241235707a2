/*
 * distill — gen.h: what the sample generator's two files share.
 *
 * Written for the distill project; released under CC0 1.0 (public domain
 * dedication).
 *
 * The generator needs a seeded random number generator (xoshiro256**,
 * seeded through splitmix64) whose output is the same on every platform,
 * so that a seed gives byte-identical files wherever libm rounds exp, log
 * and pow alike (glibc does). The title maker in
 * gen-titles.c draws from it.
 */
#ifndef DISTILL_GEN_H
#define DISTILL_GEN_H

#include <math.h>
#include <stdint.h>

struct rng {
	uint64_t s[4];
	double spare;   /* second normal deviate of the polar method */
	int has_spare;
};

static inline uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	r->has_spare = 0;
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform double in [0, 1). */
static inline double rng_unif(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n), n > 0 (Lemire's multiply, tiny bias ignored). */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Standard normal deviate (Marsaglia's polar method). */
static inline double rng_normal(struct rng *r)
{
	double u, v, s;

	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	do {
		u = 2 * rng_unif(r) - 1;
		v = 2 * rng_unif(r) - 1;
		s = u * u + v * v;
	} while (s >= 1 || s == 0);
	s = sqrt(-2 * log(s) / s);
	r->spare = v * s;
	r->has_spare = 1;
	return u * s;
}

/* Exponential deviate with mean 1. */
static inline double rng_exp(struct rng *r)
{
	return -log(1 - rng_unif(r));
}

/* Write a made-up title with its year, e.g. "The Velvet Harbor (1987)",
 * into buf (at least 256 bytes). Some titles have commas, quotes or
 * non-ASCII UTF-8. */
void title_make(struct rng *r, char *buf);

/* The name of genre g (0 = most popular). tmp holds at least 16 bytes
 * and is used for genres beyond the built-in list. */
const char *genre_name(uint32_t g, char *tmp);

#endif
