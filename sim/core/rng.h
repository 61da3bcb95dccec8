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

#endif
