/* One run at the edges of what a workload may ask: regions past 2^32
 * blocks, times near the end of time, a run without a duration that would
 * outgrow its timeseries.  Each ends cleanly with what the workload says. */
#include <string.h>

#include "sim/metrics.h"
#include "sim/outdir.h"
#include "sim/run.h"

#include "tests/testutil.h"

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

/* The one entry of `base` that is a run's temporary directory. */
static char *staging_dir(const char *base) {
  char *found = NULL;
  GDir *d = g_dir_open(base, 0, NULL);
  const char *n;
  while ((n = g_dir_read_name(d))) {
    g_assert_null(found);
    g_assert_true(g_str_has_prefix(n, "out.tmp-"));
    found = g_build_filename(base, n, NULL);
  }
  g_dir_close(d);
  g_assert_nonnull(found);
  return found;
}

static gint64 size_of(const char *dir, const char *name) {
  g_autofree char *p = g_build_filename(dir, name, NULL);
  GStatBuf st;
  return g_stat(p, &st) == 0 ? (gint64)st.st_size : -1;
}

/* A run with an output directory writes its traces and series while it
 * runs, into a temporary directory whose marker names them from the
 * start; nothing reaches DIR until the result is written, and a run
 * dropped before that leaves nothing behind.  (They were held in memory
 * to the end: a long traced run needed gigabytes.) */
static void test_streams_while_running(void) {
  const char *yaml = "duration: 100ms\n"
                     "devices: [{name: sdb, model: ssd}]\n"
                     "processes:\n"
                     "  - {name: A, rw: randread, bs: 4k, iodepth: 4}\n";
  GError *err = NULL;
  workload *w = workload_parse("s.yaml", yaml, strlen(yaml), NULL, &err);
  g_assert_no_error(err);
  char *base = scratch_dir("stream");
  char *out = g_build_filename(base, "out", NULL);
  for (int keep = 0; keep < 2; keep++) {
    run_options o = RUN_OPTIONS_INIT;
    o.out_dir = out;
    o.out_trace = true;
    sim_run *r = sim_run_new(w, &o, &err);
    g_assert_no_error(err);
    g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
    char *tmp = staging_dir(base);
    g_auto(GStrv) named = outdir_marker_names(tmp, OUTDIR_RUN);
    g_assert_nonnull(named);
    g_assert_true(g_strv_contains((const char *const *)named, "trace.log"));
    g_assert_true(
        g_strv_contains((const char *const *)named, "sdb.blktrace.0"));
    g_assert_true(g_strv_contains((const char *const *)named, "slices.csv"));
    g_assert_true(g_strv_contains((const char *const *)named, "kernel.log"));
    g_assert_cmpint(sim_run_go(r, &err), ==, SIM_TIME_LIMIT);
    /* Thousands of I/Os of trace: most of it is on disk already. */
    g_assert_cmpint(size_of(tmp, "trace.log"), >, 1 << 20);
    g_assert_cmpint(size_of(tmp, "sdb.blktrace.0"), >, 1 << 18);
    GBytes *kept = sim_run_blktrace(r, 0); /* none held in memory */
    g_assert_cmpuint(g_bytes_get_size(kept), ==, 0);
    g_bytes_unref(kept);
    if (keep) {
      g_assert_true(sim_run_write(r, NULL, NULL, &err));
      g_assert_no_error(err);
      g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
      g_autofree char *l = listing(out);
      g_assert_cmpstr(l, ==,
                      ".cfqsim fairness.csv kernel.log latencies.csv "
                      "metrics.json processes.csv sdb.blktrace.0 slices.csv "
                      "summary.txt timeseries.csv trace.log");
    }
    sim_run_free(r);
    if (!keep) {
      g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
      g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
    }
    g_free(tmp);
  }
  rm_rf(base);
  g_free(out);
  g_free(base);
  workload_free(w);
}

/* A run ten times as long, with ten times the I/Os, holds about the same
 * statistics: at most the few more histogram octaves its rarer latencies
 * reach.  Every latency used to be kept until the end (5.5 GB for 1,000 s
 * on the ssd). */
static void test_metrics_flat_in_time(void) {
  gsize held[2];
  for (int k = 0; k < 2; k++) {
    g_autofree char *yaml = g_strdup_printf(
        "duration: %ds\n"
        "devices: [{name: sdb, model: ssd}]\n"
        "processes:\n"
        "  - {name: A, rw: randread, bs: 4k, iodepth: 2, runtime: 1000s}\n"
        "  - {name: B, rw: read, bs: 64k, runtime: 1000s, think: 1ms}\n",
        k ? 20 : 2);
    ran x = run_text(yaml);
    g_assert_cmpint(x.out, ==, SIM_TIME_LIMIT);
    const metrics *m = sim_run_result(x.r)->m;
    g_assert_cmpuint(ios(&x, 0) + ios(&x, 1), >, (k ? 100000 : 10000));
    held[k] = metrics_bytes_held(m);
    ran_free(&x);
  }
  g_assert_cmpuint(held[1], <=, held[0] * 3 / 2);
  g_assert_cmpuint(held[1], <, 64 * 1024);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/run/huge-random-region", test_huge_random_region);
  g_test_add_func("/run/streams-while-running", test_streams_while_running);
  g_test_add_func("/run/metrics-flat-in-time", test_metrics_flat_in_time);
  g_test_add_func("/run/think-near-end-of-time", test_think_near_end_of_time);
  g_test_add_func("/run/runtime-near-end-of-time",
                  test_runtime_near_end_of_time);
  g_test_add_func("/run/no-duration-far-future", test_no_duration_far_future);
  return g_test_run();
}
