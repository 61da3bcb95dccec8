/* The shipped workloads (every .yaml in workloads/) and the CFQ tunables as a user
 * sets them: every file loads and runs to its end without a hang through
 * sim_run (as `cfqsim run` does), and the sysfs-named tunables, with their
 * units, change behaviour when given in YAML or with --set. */
#include <stdio.h>
#include <string.h>

#include "models/cfq.h"
#include "sim/metrics.h"
#include "sim/run.h"

#include "tests/testutil.h"

#define WL_DIR CFQSIM_SOURCE_DIR "/workloads"

/* Loads `file` with `sets`; NULL and the error kept in *err on failure. */
static workload *load(const char *file, char **sets, GError **err) {
  char *path = g_build_filename(WL_DIR, file, NULL);
  workload *w = workload_load(path, sets, err);
  g_free(path);
  return w;
}

static void test_every_workload_runs(void) {
  GDir *d = g_dir_open(WL_DIR, 0, NULL);
  g_assert_nonnull(d);
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  const char *n;
  while ((n = g_dir_read_name(d)))
    if (g_str_has_suffix(n, ".yaml"))
      g_ptr_array_add(names, g_strdup(n));
  g_dir_close(d);
  /* sorted: a stable order of test output */
  g_ptr_array_sort(names, by_name);
  g_assert_cmpuint(names->len, >=, 10);
  for (guint i = 0; i < names->len; i++) {
    const char *file = g_ptr_array_index(names, i);
    /* short: half a second of simulated time is enough to catch a hang */
    char *sets[] = {"duration=500ms", NULL};
    GError *err = NULL;
    workload *w = load(file, sets, &err);
    g_assert_no_error(err);
    run_options o = RUN_OPTIONS_INIT;
    /* race-replay hangs on the buggy kernel by design */
    o.variant = CIC_LINK_FIXED;
    sim_run *r = sim_run_new(w, &o, &err);
    g_assert_no_error(err);
    sim_outcome out = sim_run_go(r, &err);
    g_assert_no_error(err);
    const run_result *res = sim_run_result(r);
    if (g_test_verbose())
      g_printerr("%-24s %-10s %8.1f ms %8lu device bytes\n", file,
                 sim_outcome_name(out), (double)res->sim_time / SIM_MS,
                 (unsigned long)metrics_device_bytes(res->m, 0));
    g_assert_true(out == SIM_COMPLETED || out == SIM_TIME_LIMIT);
    g_assert_cmpuint(metrics_device_bytes(res->m, 0), >, 0);
    sim_run_free(r);
    workload_free(w);
  }
  g_ptr_array_free(names, TRUE);
}

/* Two sequential readers of seq-readers.yaml for 2 s, with `set` applied:
 * bytes read and the number of times CFQ armed its idle timer. */
static void two_readers(const char *set, uint64_t *bytes, int *idle_arms) {
  /* two readers 20 GiB apart (not cooperators) */
  char *sets[] = {"processes.reader.numjobs=2",
                  "processes.reader.offset_increment=20g", "duration=2s",
                  (char *)set, NULL};
  GError *err = NULL;
  workload *w = load("seq-readers.yaml", sets, &err);
  g_assert_no_error(err);
  char *buf = NULL;
  size_t len = 0;
  run_options o = RUN_OPTIONS_INIT;
  o.trace = open_memstream(&buf, &len);
  sim_run *r = sim_run_new(w, &o, &err);
  g_assert_no_error(err);
  sim_run_go(r, &err);
  g_assert_no_error(err);
  fclose(o.trace);
  *bytes = metrics_device_bytes(sim_run_result(r)->m, 0);
  *idle_arms = 0;
  for (const char *x = buf; (x = strstr(x, "arm_idle")); x++)
    (*idle_arms)++;
  free(buf);
  sim_run_free(r);
  workload_free(w);
}

static void test_tunables_settable(void) {
  uint64_t b_yaml, b_zero, b_ms;
  int a_yaml, a_zero, a_ms;
  /* the file says slice_idle: 8ms */
  two_readers(NULL, &b_yaml, &a_yaml);
  two_readers("devices.sda.scheduler.slice_idle=0", &b_zero, &a_zero);
  two_readers("devices.sda.scheduler.slice_idle=8ms", &b_ms, &a_ms);
  if (g_test_verbose())
    g_printerr("2 seq readers: slice_idle 8ms (yaml) %.1f MiB %d idle arms; "
               "=0 %.1f MiB %d arms\n",
               b_yaml / 1048576.0, a_yaml, b_zero / 1048576.0, a_zero);
  /* --set with the file's value changes nothing (deterministic) */
  g_assert_cmpuint(b_ms, ==, b_yaml);
  g_assert_cmpint(a_ms, ==, a_yaml);
  /* slice_idle=0: CFQ never idles, and the disk seeks between readers */
  g_assert_cmpint(a_yaml, >, 10);
  g_assert_cmpint(a_zero, ==, 0);
  g_assert_cmpuint(b_zero * 10, <, b_yaml * 9);

  /* a time tunable needs its unit; an unknown one gets a hint */
  GError *err = NULL;
  char *bad_unit[] = {"devices.sda.scheduler.slice_idle=8", NULL};
  g_assert_null(load("seq-readers.yaml", bad_unit, &err));
  g_assert_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_INVALID);
  g_clear_error(&err);
  char *typo[] = {"devices.sda.scheduler.slice_idel=0", NULL};
  g_assert_null(load("seq-readers.yaml", typo, &err));
  g_assert_nonnull(err);
  g_assert_nonnull(strstr(err->message, "slice_idle"));
  g_clear_error(&err);
  /* every CFQ sysfs tunable name is accepted */
  static const char *const tun[] = {"quantum=4",
                                    "fifo_expire_sync=125ms",
                                    "fifo_expire_async=250ms",
                                    "back_seek_max=16384",
                                    "back_seek_penalty=2",
                                    "slice_sync=100ms",
                                    "slice_async=40ms",
                                    "slice_async_rq=2",
                                    "slice_idle=8ms",
                                    "group_idle=8ms",
                                    "low_latency=0",
                                    NULL};
  for (int i = 0; tun[i]; i++) {
    char *s = g_strdup_printf("devices.sda.scheduler.%s", tun[i]);
    char *sets[] = {s, NULL};
    workload *w = load("seq-readers.yaml", sets, &err);
    g_assert_no_error(err);
    workload_free(w);
    g_free(s);
  }
}

/* n CFQ random readers (4 KiB, O_DIRECT) on the default hdd for 10 s, with
 * `set`: I/Os per second, the longest any I/O took or has been waiting,
 * and CFQ's verdict on queueing. */
typedef struct rr_result {
  double iops;
  sim_time max_wait;
  int hw_tag;
} rr_result;

static rr_result random_readers(int n, const char *set) {
  char *yaml = g_strdup_printf(
      "name: rr\nseed: 1\nduration: 10s\n"
      "devices: [{name: sda, model: hdd, scheduler: cfq}]\n"
      "processes:\n"
      "  - {name: r, numjobs: %d, rw: randread, bs: 4k, direct: true}\n",
      n);
  char *sets[] = {(char *)set, NULL};
  GError *err = NULL;
  workload *w = workload_parse("rr.yaml", yaml, strlen(yaml), sets, &err);
  g_assert_no_error(err);
  sim_run *r = sim_run_new(w, NULL, &err);
  g_assert_no_error(err);
  sim_run_go(r, &err);
  g_assert_no_error(err);
  const run_result *res = sim_run_result(r);
  rr_result out = {0};
  uint64_t ios = 0;
  for (int i = 0; i < n; i++) {
    ios += metrics_proc_ios(res->m, (guint)i);
    out.max_wait =
        MAX(out.max_wait, metrics_proc_latency(res->m, (guint)i).max);
    out.max_wait = MAX(out.max_wait, res->unfinished_wait_ns[i]);
  }
  out.iops = (double)ios / ((double)res->sim_time / SIM_S);
  out.hw_tag = cfq_hw_tag(sim_run_queue(r, 0));
  sim_run_free(r);
  workload_free(w);
  g_free(yaml);
  return out;
}

/* The default hdd queues 31 commands with an age limit, as a
 * 2011 SATA disk under AHCI does.  CFQ's hw_tag detection sees the depth;
 * random readers gain from reordering (tiobench on 3.x: about 1.5x from 1
 * to 16 threads) and none of them waits seconds (measured: 0.2-1 s).
 * Without NCQ the throughput stays flat and a reader can wait for most of
 * the run. */
static void test_random_readers_with_ncq(void) {
  rr_result one = random_readers(1, NULL);
  rr_result four = random_readers(4, NULL);
  rr_result sixteen = random_readers(16, NULL);
  rr_result four_off = random_readers(4, "devices.sda.ncq=false");
  rr_result sixteen_off = random_readers(16, "devices.sda.ncq=false");
  if (g_test_verbose())
    g_printerr("random readers: 1 %.1f IOPS; 4 %.2fx max %.0f ms; 16 %.2fx "
               "max %.0f ms; without NCQ 4 max %.0f ms, 16 %.2fx\n",
               one.iops, four.iops / one.iops, four.max_wait / 1e6,
               sixteen.iops / one.iops, sixteen.max_wait / 1e6,
               four_off.max_wait / 1e6, sixteen_off.iops / one.iops);
  g_assert_cmpint(sixteen.hw_tag, ==, 1);
  g_assert_cmpint(sixteen_off.hw_tag, ==, 0);
  g_assert_cmpfloat(sixteen.iops, >, 1.3 * one.iops);
  g_assert_cmpfloat(sixteen.iops, <, 1.8 * one.iops);
  g_assert_cmpfloat(four.iops, >, 1.2 * one.iops);
  g_assert_cmpint(four.max_wait, <, SIM_S);
  g_assert_cmpint(sixteen.max_wait, <, SIM_S);
  /* the old default, for contrast: flat and starving */
  g_assert_cmpfloat(sixteen_off.iops, <, 1.1 * one.iops);
  g_assert_cmpint(four_off.max_wait, >, 5 * SIM_S);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/workload-shipped/every-workload-runs",
                  test_every_workload_runs);
  g_test_add_func("/workload-shipped/cfq-tunables-settable",
                  test_tunables_settable);
  g_test_add_func("/workload-shipped/random-readers-with-ncq",
                  test_random_readers_with_ncq);
  return g_test_run();
}
