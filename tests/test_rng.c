/* Per-entity random streams. */
#include "sim/core/rng.h"

#include <glib.h>

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

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rng/derive", test_derive_stable_and_distinct);
  g_test_add_func("/rng/streams", test_streams_reproducible);
  return g_test_run();
}
