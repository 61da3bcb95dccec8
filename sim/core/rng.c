/* Per-entity random streams.  The entity name is hashed (FNV-1a, stable
 * across platforms) and mixed with the workload seed through splitmix64, so
 * each entity's stream depends only on (seed, its own name). */
#include "sim/core/rng.h"

#include <glib.h>

#include "sim/core/bigmem.h"
#include "sim/core/prefetch.h"

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

/* mt19937 takes 32 bits of seed (and maps 0 to its default); fold the
 * 64-bit value so both halves matter and the result is the same whatever
 * the width of unsigned long. */
static void seed_for(gsl_rng *r, uint64_t seed, const char *entity) {
  uint64_t d = sim_rng_derive(seed, entity);
  gsl_rng_set(r, (unsigned long)((d ^ (d >> 32)) & UINT64_C(0xffffffff)));
}

gsl_rng *sim_rng_new(uint64_t seed, const char *entity) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  seed_for(r, seed, entity);
  return r;
}

/* ---- the pool ---- */

/* A generator's state and then the generator, one cache-line-aligned
 * slot.  A draw reads the generator, the state's position (the last word
 * of mt19937's state) and the word at that position: with the generator
 * right after the position they share a cache line, so that a draw of a
 * process whose stream went cold costs two misses rather than three. */
#define SLOT_ALIGN 64
#define RNG_OFFSET \
  ((gsl_rng_mt19937->size + sizeof(void *) - 1) / sizeof(void *) * \
   sizeof(void *))

struct sim_rng_pool {
  GPtrArray *blocks; /* bigmem blocks, block i of block_size(i) bytes */
  char *next;        /* the unused rest of the last block */
  size_t left;
  GPtrArray *given; /* gsl_rng * given back, taken again first */
};

static size_t slot_size(void) {
  size_t n = RNG_OFFSET + sizeof(gsl_rng);
  return (n + SLOT_ALIGN - 1) / SLOT_ALIGN * SLOT_ALIGN;
}

/* Blocks double from 8 slots up to one huge page each, so that a run of a
 * few processes holds a few slots, and one of thousands huge pages. */
static size_t block_size(guint i) {
  return MIN(BIGMEM_HUGE, (8 * slot_size()) << MIN(i, 16u));
}

sim_rng_pool *sim_rng_pool_new(void) {
  sim_rng_pool *pool = g_new0(sim_rng_pool, 1);
  pool->blocks = g_ptr_array_new();
  pool->given = g_ptr_array_new();
  return pool;
}

void sim_rng_pool_free(sim_rng_pool *pool) {
  if (!pool)
    return;
  for (guint i = 0; i < pool->blocks->len; i++)
    bigmem_free(g_ptr_array_index(pool->blocks, i), block_size(i));
  g_ptr_array_free(pool->blocks, TRUE);
  g_ptr_array_free(pool->given, TRUE);
  g_free(pool);
}

static void pool_grow(sim_rng_pool *pool) {
  size_t size = block_size(pool->blocks->len);
  char *b = bigmem_alloc0(size);
  g_ptr_array_add(pool->blocks, b);
  pool->next = b;
  pool->left = size;
}

gsl_rng *sim_rng_pool_take(sim_rng_pool *pool, uint64_t seed,
                           const char *entity) {
  gsl_rng *r;
  if (pool->given->len) {
    r = g_ptr_array_steal_index(pool->given, pool->given->len - 1);
  } else {
    size_t slot = slot_size();
    if (pool->left < slot)
      pool_grow(pool);
    /* What gsl_rng_alloc would make (the public struct, the type's state
     * size) in our memory; gsl_rng_set below fills the whole state. */
    r = (gsl_rng *)(void *)(pool->next + RNG_OFFSET);
    r->type = gsl_rng_mt19937;
    r->state = pool->next;
    pool->next += slot;
    pool->left -= slot;
  }
  seed_for(r, seed, entity);
  return r;
}

void sim_rng_pool_give(sim_rng_pool *pool, gsl_rng *r) {
  g_ptr_array_add(pool->given, r);
}

/* The generator, its position (in a pool slot on the same line) and the
 * state's word at that position.  GSL's mt19937 state is its MT_N words,
 * then the position, an int (MT_N: the next draw regenerates them all). */
#define MT_N 624
void sim_rng_prefetch(const gsl_rng *r) {
  prefetch(r);
  if (r->type != gsl_rng_mt19937)
    return;
  const unsigned long *mt = r->state;
  int mti = *(const int *)(const void *)(mt + MT_N);
  if (mti < MT_N)
    prefetch(mt + mti);
}
