/* Per-entity random streams.  The entity name is hashed (FNV-1a, stable
 * across platforms) and mixed with the workload seed through splitmix64, so
 * each entity's stream depends only on (seed, its own name). */
#include "sim/core/rng.h"

#include <stdbool.h>

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

/* GSL's mt19937 with its state in 32-bit words.  GSL keeps the 624
 * words of the state in unsigned long, 5 KB a stream, which with
 * thousands of processes was most of a run's memory.  Every number is
 * still computed by GSL's own mt19937: a draw hands the one word it reads
 * (all of them when the state is renewed, every 624 draws) to a GSL
 * generator kept per thread, draws from it, and keeps what changed.
 * That generator's state is GSL's (mt.c): the words, then the index.
 * Seeding is left to the first draw, which renews the whole state anyway:
 * the seeded words never need to be kept. */
#define MT_N 624

typedef struct gsl_mt_state {
  unsigned long mt[MT_N];
  int mti;
} gsl_mt_state;

/* The index first: a draw reads it and the word it points to, which in
 * a stream's first few dozen draws is in the same cache line. */
typedef struct compact_state {
  int mti;            /* < 0: seeded, not drawn from yet */
  unsigned long seed; /* ... with this */
  uint32_t mt[MT_N];
} compact_state;

static GPrivate scratch_key = G_PRIVATE_INIT((GDestroyNotify)gsl_rng_free);
static _Thread_local gsl_rng *scratch_cached; /* the same, found faster */

static gsl_rng *scratch(void) {
  gsl_rng *s = scratch_cached;
  if (G_LIKELY(s))
    return s;
  s = g_private_get(&scratch_key);
  if (!s) {
    s = gsl_rng_alloc(gsl_rng_mt19937);
    g_assert(gsl_rng_size(s) == sizeof(gsl_mt_state));
    g_private_set(&scratch_key, s);
  }
  scratch_cached = s;
  return s;
}

/* The scratch generator, holding what the next draw from `c` reads;
 * whether that draw renews the whole state. */
static gsl_rng *load(const compact_state *c, bool *all) {
  gsl_rng *s = scratch();
  gsl_mt_state *g = gsl_rng_state(s);
  *all = c->mti < 0 || c->mti >= MT_N;
  if (c->mti < 0) {
    gsl_rng_set(s, c->seed);
    return s;
  }
  if (*all)
    for (int i = 0; i < MT_N; i++)
      g->mt[i] = c->mt[i];
  else
    g->mt[c->mti] = c->mt[c->mti];
  g->mti = c->mti;
  return s;
}

static void keep(compact_state *c, const gsl_rng *s, bool all) {
  const gsl_mt_state *g = gsl_rng_state(s);
  if (all)
    for (int i = 0; i < MT_N; i++)
      c->mt[i] = (uint32_t)g->mt[i];
  c->mti = g->mti;
}

static void compact_set(void *state, unsigned long seed) {
  compact_state *c = state;
  c->mti = -1;
  c->seed = seed;
}

static unsigned long compact_get(void *state) {
  bool all;
  gsl_rng *s = load(state, &all);
  unsigned long v = gsl_rng_get(s);
  keep(state, s, all);
  return v;
}

static double compact_get_double(void *state) {
  bool all;
  gsl_rng *s = load(state, &all);
  double v = gsl_rng_uniform(s);
  keep(state, s, all);
  return v;
}

static const gsl_rng_type compact_mt19937 = {
    "mt19937 (32-bit state)", 0xffffffffUL, 0,
    sizeof(compact_state),    compact_set,  compact_get,
    compact_get_double};

const gsl_rng_type *sim_rng_mt19937(void) {
  /* the same range as GSL's, so that its derived draws are the same */
  g_assert(gsl_rng_mt19937->max == compact_mt19937.max &&
           gsl_rng_mt19937->min == compact_mt19937.min);
  return &compact_mt19937;
}

gsl_rng *sim_rng_new(uint64_t seed, const char *entity) {
  uint64_t d = sim_rng_derive(seed, entity);
  gsl_rng *r = gsl_rng_alloc(sim_rng_mt19937());
  /* mt19937 takes 32 bits of seed (and maps 0 to its default); fold the
   * 64-bit value so both halves matter and the result is the same whatever
   * the width of unsigned long. */
  gsl_rng_set(r, (unsigned long)((d ^ (d >> 32)) & UINT64_C(0xffffffff)));
  return r;
}
