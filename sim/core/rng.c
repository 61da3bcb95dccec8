/* Per-entity random streams.  The entity name is hashed (FNV-1a, stable
 * across platforms) and mixed with the workload seed through splitmix64, so
 * each entity's stream depends only on (seed, its own name). */
#include "sim/core/rng.h"

static uint64_t splitmix64(uint64_t x) {
  x += UINT64_C(0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
  return x ^ (x >> 31);
}

static uint64_t fnv1a64(const char *s) {
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

uint64_t sim_rng_derive(uint64_t seed, const char *entity) {
  return splitmix64(splitmix64(seed) ^ fnv1a64(entity ? entity : ""));
}

gsl_rng *sim_rng_new(uint64_t seed, const char *entity) {
  uint64_t d = sim_rng_derive(seed, entity);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  /* mt19937 takes 32 bits of seed (and maps 0 to its default); fold the
   * 64-bit value so both halves matter and the result is the same whatever
   * the width of unsigned long. */
  gsl_rng_set(r, (unsigned long)((d ^ (d >> 32)) & UINT64_C(0xffffffff)));
  return r;
}
