/* One run at the edges of what a workload may ask: regions past 2^32
 * blocks, times near the end of time, a run without a duration that would
 * outgrow its timeseries.  Each ends cleanly with what the workload says. */
#include <string.h>

#include "sim/metrics.h"
#include "sim/run.h"

typedef struct {
  workload *w;
  sim_run *r;
  sim_outcome out;
  GError *err;
} ran;

static ran run_text(const char *yaml) {
  ran x = {0};
  x.w = workload_parse("edge.yaml", yaml, strlen(yaml), NULL, &x.err);
  g_assert_no_error(x.err);
  x.r = sim_run_new(x.w, NULL, &x.err);
  g_assert_no_error(x.err);
  x.out = sim_run_go(x.r, &x.err);
  return x;
}

static void ran_free(ran *x) {
  g_clear_error(&x->err);
  sim_run_free(x->r);
  workload_free(x->w);
}

static uint64_t ios(const ran *x, guint proc) {
  return metrics_proc_ios(sim_run_result(x->r)->m, proc);
}

/* Random blocks over 2^41 sectors: more than one draw of the generator
 * covers (gsl aborted the process). */
static void test_huge_random_region(void) {
  ran x = run_text("devices: [{name: sda, capacity: 1125899906842624}]\n"
                   "processes:\n"
                   "  - {name: A, rw: randread, bs: 512, count: 20}\n");
  g_assert_no_error(x.err);
  g_assert_cmpint(x.out, ==, SIM_COMPLETED);
  g_assert_cmpuint(ios(&x, 0), ==, 20);
  ran_free(&x);
}

/* A think time that would pass the end of time waits past the duration;
 * wrapped, it fired at once and every I/O ran. */
static void test_think_near_end_of_time(void) {
  ran x = run_text("duration: 2s\n"
                   "processes:\n"
                   "  - {name: A, count: 3, start: 1s, think: 9223372036s}\n"
                   "  - name: B\n"
                   "    count: 3\n"
                   "    start: 1s\n"
                   "    think: {mean: 9223372036s, dist: exp}\n");
  g_assert_no_error(x.err);
  g_assert_cmpint(x.out, ==, SIM_TIME_LIMIT);
  g_assert_cmpuint(ios(&x, 0), ==, 1);
  /* Exponential with that mean: past 2^63 ns more than a third of the
   * time (the cast wrapped), under 1 s once in a billion. */
  g_assert_cmpuint(ios(&x, 1), ==, 1);
  ran_free(&x);
}

/* start + runtime past the end of time is "until the end"; wrapped, it
 * was in the past and the process never issued. */
static void test_runtime_near_end_of_time(void) {
  ran x = run_text("duration: 2s\n"
                   "processes:\n"
                   "  - {name: A, start: 1s, runtime: 9223372036s}\n");
  g_assert_no_error(x.err);
  g_assert_cmpint(x.out, ==, SIM_TIME_LIMIT);
  g_assert_cmpuint(ios(&x, 0), >, 1);
  ran_free(&x);
}

/* Without a duration, a run whose I/O lies far in the future stops at the
 * timeseries bound with an error (it allocated a window per 100 ms up to
 * the completion, 2^37 bytes here, and died). */
static void test_no_duration_far_future(void) {
  ran x = run_text("processes:\n"
                   "  - {name: A, count: 2, think: 1000000s}\n"
                   "  - {name: B, count: 1, start: 9223372036s}\n");
  g_assert_cmpint(x.out, ==, SIM_ERROR);
  g_assert_error(x.err, WORKLOAD_ERROR, WORKLOAD_ERROR_INVALID);
  g_assert_cmpstr(x.err->message, ==,
                  "edge.yaml: still running after 838860.8 s of simulated "
                  "time, as many timeseries windows of 100 ms as 2 processes "
                  "may fill: give the workload a duration, or a wider "
                  "timeseries.window");
  ran_free(&x);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/run/huge-random-region", test_huge_random_region);
  g_test_add_func("/run/think-near-end-of-time", test_think_near_end_of_time);
  g_test_add_func("/run/runtime-near-end-of-time",
                  test_runtime_near_end_of_time);
  g_test_add_func("/run/no-duration-far-future", test_no_duration_far_future);
  return g_test_run();
}
