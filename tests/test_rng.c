/* Per-entity random streams. */
#include "sim/core/rng.h"

#include <glib.h>
#include <stdbool.h>

static void test_derive_stable_and_distinct(void) {
  g_assert_cmpuint(sim_rng_derive(1, "A"), ==, sim_rng_derive(1, "A"));
  g_assert_cmpuint(sim_rng_derive(1, "A"), !=, sim_rng_derive(1, "B"));
  g_assert_cmpuint(sim_rng_derive(1, "A"), !=, sim_rng_derive(2, "A"));
  /* Names that differ only in a suffix still get distinct streams. */
  g_assert_cmpuint(sim_rng_derive(1, "job1"), !=, sim_rng_derive(1, "job10"));
}

static void test_streams_reproducible(void) {
  gsl_rng *a = sim_rng_new(42, "proc.A"), *b = sim_rng_new(42, "proc.A");
  gsl_rng *c = sim_rng_new(42, "proc.B");
  int same_c = 0;
  for (int i = 0; i < 100; i++) {
    unsigned long x = gsl_rng_get(a), y = gsl_rng_get(b), z = gsl_rng_get(c);
    g_assert_cmpuint(x, ==, y);
    same_c += x == z;
  }
  g_assert_cmpint(same_c, <, 5);
  gsl_rng_free(a);
  gsl_rng_free(b);
  gsl_rng_free(c);
}

/* Whether r draws what a fresh sim_rng_new(seed, entity) draws (more
 * than one mt19937 block of 624 words). */
static bool same_stream(gsl_rng *r, uint64_t seed, const char *entity) {
  gsl_rng *ref = sim_rng_new(seed, entity);
  bool same = true;
  for (int i = 0; i < 1500 && same; i++)
    same = gsl_rng_get(r) == gsl_rng_get(ref);
  gsl_rng_free(ref);
  return same;
}

/* The pool's generators are sim_rng_new's streams: across its blocks,
 * each kept apart from the others, and a slot given back and taken again
 * is the new entity's stream from its start. */
static void test_pool_streams(void) {
  sim_rng_pool *pool = sim_rng_pool_new();
  enum { N = 1200 }; /* more than the first blocks hold */
  gsl_rng *r[N];
  char name[32];
  for (int i = 0; i < N; i++) {
    g_snprintf(name, sizeof name, "proc.%d", i);
    r[i] = sim_rng_pool_take(pool, 7, name);
  }
  /* drawn from last to first: a slot overlapping its neighbour would
   * have been overwritten */
  for (int i = N; i-- > 0;) {
    g_snprintf(name, sizeof name, "proc.%d", i);
    g_assert_true(same_stream(r[i], 7, name));
  }
  sim_rng_pool_give(pool, r[3]);
  gsl_rng *again = sim_rng_pool_take(pool, 8, "other");
  g_assert_true(again == r[3]); /* the slot is reused */
  g_assert_true(same_stream(again, 8, "other"));
  sim_rng_pool_free(pool);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rng/derive", test_derive_stable_and_distinct);
  g_test_add_func("/rng/streams", test_streams_reproducible);
  g_test_add_func("/rng/pool", test_pool_streams);
  return g_test_run();
}
