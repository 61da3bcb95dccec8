/* Seeded random streams: one GSL generator per entity, seeded from
 * (workload seed, stable entity name), so adding a process does not perturb
 * the streams of the others. */
#ifndef CFQSIM_RNG_H
#define CFQSIM_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

/* A new mt19937 generator for `entity` under `seed`.  Free with gsl_rng_free. */
gsl_rng *sim_rng_new(uint64_t seed, const char *entity);
/* The derived 64-bit seed itself (stable across platforms and runs). */
uint64_t sim_rng_derive(uint64_t seed, const char *entity);

/* The generators of many entities: a Mersenne Twister's state is 5 KB, and
 * thousands of processes with one allocation each made a page fault and a
 * malloc consolidation apiece.  The pool carves the states from big blocks
 * (bigmem.h) and keeps the ones given back for the next taker. */
typedef struct sim_rng_pool sim_rng_pool;
sim_rng_pool *sim_rng_pool_new(void);
/* Frees every generator taken from the pool, given back or not. */
void sim_rng_pool_free(sim_rng_pool *pool);
/* The generator sim_rng_new(seed, entity) would return (the same stream),
 * in the pool's memory: give it back, never gsl_rng_free it. */
gsl_rng *sim_rng_pool_take(sim_rng_pool *pool, uint64_t seed,
                           const char *entity);
void sim_rng_pool_give(sim_rng_pool *pool, gsl_rng *r);
/* Start fetching what the next draw of `r` reads (prefetch.h). */
void sim_rng_prefetch(const gsl_rng *r);

#endif
