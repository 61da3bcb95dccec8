/* Per-entity random streams. */
#include "sim/core/rng.h"

#include <glib.h>
#include <gsl/gsl_randist.h>

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

/* The 32-bit-state mt19937 draws GSL's mt19937 numbers: raw, uniform,
 * integer and exponential draws, past several renewals of the state, with
 * two streams interleaved (they share the thread's GSL generator), in
 * half the memory. */
static void test_compact_is_gsl(void) {
  const unsigned long seeds[] = {0, 1, 4357, 0xffffffffUL};
  for (guint k = 0; k < G_N_ELEMENTS(seeds); k++) {
    gsl_rng *want[2], *got[2];
    for (int j = 0; j < 2; j++) {
      want[j] = gsl_rng_alloc(gsl_rng_mt19937);
      got[j] = gsl_rng_alloc(sim_rng_mt19937());
      gsl_rng_set(want[j], seeds[k] + (unsigned long)j);
      gsl_rng_set(got[j], seeds[k] + (unsigned long)j);
    }
    for (int i = 0; i < 3000; i++) {
      int j = i % 3 == 0;
      switch (i % 4) {
      case 0:
        g_assert_cmpuint(gsl_rng_get(got[j]), ==, gsl_rng_get(want[j]));
        break;
      case 1:
        g_assert_cmpfloat(gsl_rng_uniform(got[j]), ==,
                          gsl_rng_uniform(want[j]));
        break;
      case 2:
        g_assert_cmpuint(gsl_rng_uniform_int(got[j], 1000003), ==,
                         gsl_rng_uniform_int(want[j], 1000003));
        break;
      default:
        g_assert_cmpfloat(gsl_ran_exponential(got[j], 1e9), ==,
                          gsl_ran_exponential(want[j], 1e9));
      }
    }
    g_assert_cmpuint(gsl_rng_max(got[0]), ==, gsl_rng_max(want[0]));
    g_assert_cmpuint(gsl_rng_min(got[0]), ==, gsl_rng_min(want[0]));
    g_assert_cmpuint(gsl_rng_size(got[0]), <=, gsl_rng_size(want[0]) / 2 + 16);
    for (int j = 0; j < 2; j++) {
      gsl_rng_free(want[j]);
      gsl_rng_free(got[j]);
    }
  }
  /* a process's stream is one of those */
  gsl_rng *r = sim_rng_new(42, "proc.A");
  g_assert_true(r->type == sim_rng_mt19937());
  gsl_rng_free(r);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rng/derive", test_derive_stable_and_distinct);
  g_test_add_func("/rng/streams", test_streams_reproducible);
  g_test_add_func("/rng/compact-is-gsl", test_compact_is_gsl);
  return g_test_run();
}
