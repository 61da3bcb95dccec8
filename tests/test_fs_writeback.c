/* The flusher against Linux 3.2 through whole runs (issue 9's writeback
 * validations):
 *  - a writer that dirties less than the background threshold never waits
 *    for the device, and its data goes to disk once it has been dirty for
 *    the expire time (kupdate, looked for every writeback interval);
 *  - above the background threshold the flusher starts at once and stops
 *    below it;
 *  - N dd writers keep >= 85 % of one writer's device throughput (Wu,
 *    3.1/3.2 IO-less throttling, one disk: 10 dd / 1 dd = 0.94 to 0.97),
 *    each getting a fair part;
 *  - a writer's ioprio or cgroup changes nothing in device-level
 *    writeback: the flusher (be/4, root group) writes the same requests
 *    in the same order. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "models/fs-writeback.h"
#include "sim/blktrace.h"
#include "sim/metrics.h"
#include "sim/run.h"
#include "sim/workload.h"
#include "tests/blktrace_records.h"

typedef struct run {
  workload *w;
  sim_run *r;
  FILE *trace;
  sim_outcome outcome;
} run;

static run run_yaml(const char *yaml, bool traced) {
  GError *err = NULL;
  run x = {0};
  x.w = workload_parse("t.yaml", yaml, strlen(yaml), NULL, &err);
  g_assert_no_error(err);
  run_options o = RUN_OPTIONS_INIT;
  if (traced) {
    x.trace = fopen("/dev/null", "w");
    o.trace = x.trace;
  }
  x.r = sim_run_new(x.w, &o, &err);
  g_assert_no_error(err);
  x.outcome = sim_run_go(x.r, &err);
  g_assert_no_error(err);
  return x;
}

static void run_free(run *x) {
  sim_run_free(x->r);
  workload_free(x->w);
  if (x->trace)
    fclose(x->trace);
}

static const metrics *M(run *x) { return sim_run_result(x->r)->m; }

/* 20 MiB into 1 GiB of memory (the background threshold is 10 % of it):
 * every write() returns after its copy, and nothing is written before the
 * data is 30 s old; kupdate, looking every 5 s, takes it then (by 35 s
 * at the latest), all of it, as async writes of the flusher. */
static void test_small_writer_expires(void) {
  run x = run_yaml("memory: 1g\n"
                   "processes:\n"
                   "  - {name: w, rw: write, bs: 1m, size: 1g, count: 20}\n",
                   true);
  g_assert_cmpint(x.outcome, ==, SIM_COMPLETED);
  const metrics *m = M(&x);
  /* copying 1 MiB at the default 4 GB/s: 262 us; no throttling pause */
  g_assert_cmpint(metrics_proc_latency(m, 0).max, <=, 263000);
  GArray *q = blktrace_records(x.r, 0, BLK_TA_CODE_QUEUE);
  uint64_t bytes = 0;
  for (guint i = 0; i < q->len; i++) {
    const rec *e = &g_array_index(q, rec, i);
    g_assert_cmpuint(e->time, >=, 30 * (uint64_t)G_USEC_PER_SEC * 1000);
    g_assert_cmpuint(e->time, <=, 35 * (uint64_t)G_USEC_PER_SEC * 1000);
    g_assert_cmpuint(e->pid, ==, 101); /* flush-8:0, after the process */
    g_assert_true((e->action >> 16) & BLK_TC_WRITE);
    g_assert_false((e->action >> 16) & BLK_TC_SYNC);
    bytes += e->bytes;
  }
  g_assert_cmpuint(bytes, ==, 20u << 20);
  g_assert_cmpuint(metrics_submitter_bytes(m, 1), ==, 20u << 20);
  g_array_free(q, TRUE);
  run_free(&x);
}

/* 120 MiB into 1 GiB: above the background threshold (10 %: 26214 pages,
 * 102.4 MiB), below the point where dirtiers are throttled (15 %).  The
 * flusher is woken at once, not by its 5 s timer, and writes one chunk of
 * the inode before it looks at the threshold again:
 * writeback_chunk_size = (min(avg_write_bandwidth / 2, dirty limit / 8) +
 * 4 MiB) rounded down to 4 MiB = (min(25600 / 2, 52429 / 8) + 1024) pages
 * -> 7168 pages, 28 MiB.  Then it is below the threshold and stops. */
static void test_background_threshold(void) {
  run x = run_yaml("duration: 4s\n"
                   "memory: 1g\n"
                   "processes:\n"
                   "  - {name: w, rw: write, bs: 1m, size: 1g, count: 120}\n",
                   true);
  const metrics *m = M(&x);
  g_assert_cmpint(metrics_proc_latency(m, 0).max, <=, 263000);
  GArray *q = blktrace_records(x.r, 0, BLK_TA_CODE_QUEUE);
  g_assert_cmpuint(q->len, >, 0);
  g_assert_cmpuint(g_array_index(q, rec, 0).time, <, 100000000);
  uint64_t bytes = 0;
  for (guint i = 0; i < q->len; i++)
    bytes += g_array_index(q, rec, i).bytes;
  g_assert_cmpuint(bytes, ==, 28u << 20);
  g_assert_cmpuint(bytes, >=, (120u << 20) - (uint64_t)26214 * 4096);
  g_array_free(q, TRUE);
  run_free(&x);
}

static double dd_device_rate(int writers, double *jain) {
  g_autofree char *yaml = g_strdup_printf(
      "duration: 6s\n"
      "memory: 1g\n"
      "processes:\n"
      "  - {name: dd, rw: write, bs: 1m, size: 2g, numjobs: %d,\n"
      "     offset_increment: 2g}\n",
      writers);
  run x = run_yaml(yaml, false);
  double rate = (double)metrics_device_bytes(M(&x), 0);
  *jain = metrics_jain(M(&x));
  run_free(&x);
  return rate;
}

/* Ten dd writers to ten files 2 GiB apart against one, over 6 s of a
 * 1 GiB machine, device bytes (what the disk wrote): >= 85 %; the
 * dirtying rates the writers get are fair (Jain >= 0.99 over what their
 * write() calls moved). */
static void test_dd_writers(void) {
  double j1, j10;
  double one = dd_device_rate(1, &j1);
  double ten = dd_device_rate(10, &j10);
  g_test_message("10 dd / 1 dd device throughput: %.3f (Jain %.4f)", ten / one,
                 j10);
  g_assert_cmpfloat(ten / one, >=, 0.85);
  g_assert_cmpfloat(j10, >=, 0.99);
}

/* Two writers, one with `extra` keys.  The device sees the same write
 * requests in the same order, all the flusher's, whatever the writer's
 * priority or blkio group. */
static GArray *writeback_order(const char *extra) {
  g_autofree char *yaml = g_strdup_printf(
      "duration: 3s\n"
      "memory: 256m\n"
      "cgroups: [{name: slow, weight: 100}]\n"
      "processes:\n"
      "  - {name: a, rw: write, bs: 64k, size: 1g%s}\n"
      "  - {name: b, rw: write, bs: 64k, size: 1g, offset: 10g}\n",
      extra);
  run x = run_yaml(yaml, true);
  GArray *q = blktrace_records(x.r, 0, BLK_TA_CODE_QUEUE);
  g_assert_cmpuint(q->len, >, 100);
  for (guint i = 0; i < q->len; i++)
    g_assert_cmpuint(g_array_index(q, rec, i).pid, ==, 102);
  run_free(&x);
  return q;
}

static void test_ionice_ignored(void) {
  GArray *plain = writeback_order("");
  static const char *const variants[] = {", ioprio: idle", ", ioprio: rt/0",
                                         ", ioprio: idle, cgroup: slow"};
  for (gsize v = 0; v < G_N_ELEMENTS(variants); v++) {
    GArray *other = writeback_order(variants[v]);
    g_assert_cmpuint(other->len, ==, plain->len);
    for (guint i = 0; i < plain->len; i++) {
      const rec *a = &g_array_index(plain, rec, i);
      const rec *b = &g_array_index(other, rec, i);
      g_assert_cmpuint(a->time, ==, b->time);
      g_assert_cmpuint(a->sector, ==, b->sector);
      g_assert_cmpuint(a->bytes, ==, b->bytes);
    }
    g_array_free(other, TRUE);
  }
  g_array_free(plain, TRUE);
}

/* About half a second of the device's bandwidth, at most an eighth of
 * the dirty limit, in 4 MiB steps, at least 4 MiB: with the starting
 * estimate of 25600 pages/s and a limit of 200000 pages, (12800 + 1024)
 * rounded down to 1024 is 13312 pages (52 MiB). */
static void test_chunk_size(void) {
  sim_engine *e = sim_engine_new();
  struct kernel_cfg k = {.hz = 1000};
  struct request_queue q = {.engine = e, .kernel = &k, .tick_ns = SIM_S / 1000};
  struct vm_dirty_cfg vm = {10, 0, 20, 0, 3000, 500};
  struct pagecache *pc = pagecache_new(e, (int64_t)1000000 * PAGE_SIZE, 4e9);
  struct backing_dev_info *bdi = bdi_new("8:0", pc, &vm, &q, 32);
  g_assert_cmpint(writeback_chunk_size(bdi, G_MAXINT64), ==, 13312);
  g_assert_cmpint(writeback_chunk_size(bdi, 100), ==, 1024);
  bdi->avg_write_bandwidth = 100000;
  g_assert_cmpint(writeback_chunk_size(bdi, G_MAXINT64), ==, 25 * 1024);
  bdi_free(bdi);
  pagecache_free(pc);
  sim_engine_free(e);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/fs-writeback/chunk-size", test_chunk_size);
  g_test_add_func("/fs-writeback/small-writer-expires",
                  test_small_writer_expires);
  g_test_add_func("/fs-writeback/background-threshold",
                  test_background_threshold);
  g_test_add_func("/fs-writeback/dd-writers", test_dd_writers);
  g_test_add_func("/fs-writeback/ionice-ignored", test_ionice_ignored);
  return g_test_run();
}
