/* Buffered read(), write() and fsync() through whole runs, against what
 * Linux 3.2 does:
 *  - a 4 KiB sequential reader's readahead ramp (16, 32, 64, then 128 KiB
 *    reads, the next window queued before the reader needs it) in the
 *    blktrace, and its rate against a direct 512 KiB reader;
 *  - 4 KiB random buffered reads stay 4 KiB requests;
 *  - an fsync writes the file's dirty pages itself, as sync writes, and
 *    its latency includes writing them. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/blktrace.h"
#include "sim/metrics.h"
#include "sim/run.h"
#include "sim/workload.h"
#include "tests/blktrace_records.h"

static uint32_t code(const rec *x) { return x->action & 0xffff; }

typedef struct run {
  workload *w;
  sim_run *r;
  FILE *trace;
  char *trace_text;
  size_t trace_len;
} run;

/* The run is heap-allocated: the trace's memstream keeps pointers into
 * it. */
static run *run_yaml(const char *yaml, bool traced) {
  GError *err = NULL;
  run *x = g_new0(run, 1);
  x->w = workload_parse("t.yaml", yaml, strlen(yaml), NULL, &err);
  g_assert_no_error(err);
  run_options o = RUN_OPTIONS_INIT;
  if (traced) {
    x->trace = open_memstream(&x->trace_text, &x->trace_len);
    o.trace = x->trace;
  }
  x->r = sim_run_new(x->w, &o, &err);
  g_assert_no_error(err);
  sim_outcome out = sim_run_go(x->r, &err);
  g_assert_no_error(err);
  g_assert_true(out == SIM_COMPLETED || out == SIM_TIME_LIMIT);
  if (x->trace)
    fflush(x->trace);
  return x;
}

static void run_free(run *x) {
  sim_run_free(x->r);
  workload_free(x->w);
  if (x->trace)
    fclose(x->trace);
  free(x->trace_text);
  g_free(x);
}

static const metrics *M(run *x) { return sim_run_result(x->r)->m; }

/* A cold cache, a 4 KiB reader from the file's start, the default 128 KiB
 * read_ahead_kb: 16, 32, 64, then 128 KiB reads, all sync and the
 * reader's own; each window from the third on is queued before the one
 * before it has completed, so it is in flight before the reader gets to
 * it (the kernel's async readahead at the marker). */
static void test_ramp_in_blktrace(void) {
  run *x = run_yaml(
      "duration: 1s\n"
      "processes:\n"
      "  - {name: reader, rw: read, bs: 4k, size: 1g, runtime: 20ms}\n",
      true);
  /* --trace names each window as readahead sets it up */
  static const char *const windows[] = {
      "reader      sync readahead: pages 0+4 (window 0+4, async 3)",
      "reader      async readahead: pages 4+8 (window 4+8, async 8)",
      "reader      async readahead: pages 12+16 (window 12+16, async 16)",
      "reader      async readahead: pages 28+32 (window 28+32, async 32)",
      "reader      async readahead: pages 60+32 (window 60+32, async 32)"};
  for (gsize i = 0; i < G_N_ELEMENTS(windows); i++)
    g_assert_nonnull(strstr(x->trace_text, windows[i]));
  GArray *a = blktrace_records(x->r, 0, 0);
  GArray *queued = g_array_new(FALSE, FALSE, sizeof(rec));
  GArray *completed = g_array_new(FALSE, FALSE, sizeof(rec));
  for (guint i = 0; i < a->len; i++) {
    const rec *e = &g_array_index(a, rec, i);
    if (code(e) == BLK_TA_CODE_QUEUE)
      g_array_append_val(queued, *e);
    else if (code(e) == BLK_TA_CODE_COMPLETE)
      g_array_append_val(completed, *e);
  }
  g_assert_cmpuint(queued->len, >, 10);
  int64_t next_sector = 0;
  for (guint k = 0; k < queued->len; k++) {
    const rec *q = &g_array_index(queued, rec, k);
    uint32_t want = k < 3 ? (16u << 10) << k : 128u << 10;
    g_assert_cmpuint(q->bytes, ==, want);
    g_assert_cmpuint(q->sector, ==, next_sector); /* window after window */
    next_sector += q->bytes / 512;
    g_assert_cmpuint(q->pid, ==, 100);
    g_assert_true((q->action >> 16) & BLK_TC_READ);
    if (k >= 2 && k - 1 < completed->len)
      g_assert_cmpuint(q->time, <, g_array_index(completed, rec, k - 1).time);
  }
  g_array_free(queued, TRUE);
  g_array_free(completed, TRUE);
  g_array_free(a, TRUE);
  run_free(x);
}

/* What read() returned to a 4 KiB buffered sequential reader against a
 * direct reader of 512 KiB on the same disk, over the same second: at
 * least 90 %.  (The 128 KiB requests pay the hdd's command overhead four
 * times as often: the kernel's own readahead costs about 6 % here.) */
static void test_reader_rate(void) {
  run *buf =
      run_yaml("duration: 2s\n"
               "processes:\n"
               "  - {name: r, rw: read, bs: 4k, size: 1g, runtime: 1s}\n",
               false);
  run *dir =
      run_yaml("duration: 2s\n"
               "processes:\n"
               "  - {name: r, rw: read, bs: 512k, size: 1g, runtime: 1s,\n"
               "     direct: 1}\n",
               false);
  double b = (double)metrics_proc_bytes(M(buf), 0);
  double d = (double)metrics_proc_bytes(M(dir), 0);
  g_test_message("buffered 4k %.1f MiB, direct 512k %.1f MiB: %.3f",
                 b / 1048576, d / 1048576, b / d);
  g_assert_cmpfloat(b / d, >=, 0.90);
  /* read() calls: nearly all served from the cache */
  g_assert_cmpuint(metrics_proc_reads(M(buf), 0), ==,
                   metrics_proc_ios(M(buf), 0));
  g_assert_cmpuint(metrics_proc_cache_hits(M(buf), 0), >=,
                   metrics_proc_reads(M(buf), 0) * 95 / 100);
  run_free(buf);
  run_free(dir);
}

/* Random 4 KiB reads over 1 GiB: no readahead, every request one page. */
static void test_random_reads(void) {
  run *x = run_yaml(
      "duration: 2s\n"
      "processes:\n"
      "  - {name: r, rw: randread, bs: 4k, size: 1g, runtime: 500ms}\n",
      true);
  GArray *a = blktrace_records(x->r, 0, 0);
  guint n = 0;
  for (guint i = 0; i < a->len; i++) {
    const rec *e = &g_array_index(a, rec, i);
    if (code(e) != BLK_TA_CODE_QUEUE)
      continue;
    g_assert_cmpuint(e->bytes, ==, 4096);
    n++;
  }
  g_assert_cmpuint(n, >, 20);
  g_assert_cmpuint(n, ==, metrics_proc_ios(M(x), 0));
  g_array_free(a, TRUE);
  run_free(x);
}

/* 8 MiB written (well below the background threshold and long before the
 * expire time), then fsync: the writer itself sends the 8 MiB as sync
 * writes (WRITE_SYNC), nothing else writes them, and the fsync lasts at
 * least as long as the disk needs for them at its outer media rate. */
static void test_fsync_writes_back(void) {
  run *x = run_yaml("duration: 10s\n"
                    "processes:\n"
                    "  - {name: w, rw: write, bs: 1m, size: 1g, count: 8,\n"
                    "     end_fsync: 1}\n",
                    true);
  const metrics *m = M(x);
  g_assert_cmpuint(metrics_proc_fsyncs(m, 0), ==, 1);
  g_assert_cmpuint(metrics_proc_write_bytes(m, 0), ==, 8u << 20);
  latency_summary l = metrics_proc_fsync_latency(m, 0);
  double floor_ns = 8.0 * 1048576 / 125e6 * 1e9; /* 125 MB/s outer rate */
  g_assert_cmpfloat((double)l.max, >=, floor_ns);
  /* the write() calls returned at memory speed */
  g_assert_cmpint(metrics_proc_latency(m, 0).max, <, 1000000);
  /* the writer's own device view holds the 8 MiB; the flusher none */
  g_assert_cmpuint(metrics_submitter_bytes(m, 0), ==, 8u << 20);
  g_assert_cmpuint(metrics_submitter_bytes(m, 1), ==, 0);
  GArray *a = blktrace_records(x->r, 0, 0);
  uint64_t sync_bytes = 0;
  for (guint i = 0; i < a->len; i++) {
    const rec *e = &g_array_index(a, rec, i);
    if (code(e) != BLK_TA_CODE_QUEUE)
      continue;
    g_assert_cmpuint(e->pid, ==, 100);
    g_assert_true((e->action >> 16) & BLK_TC_WRITE);
    g_assert_true((e->action >> 16) & BLK_TC_SYNC);
    sync_bytes += e->bytes;
  }
  g_assert_cmpuint(sync_bytes, ==, 8u << 20);
  g_array_free(a, TRUE);
  run_free(x);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/filemap/readahead-ramp-in-blktrace", test_ramp_in_blktrace);
  g_test_add_func("/filemap/buffered-reader-rate", test_reader_rate);
  g_test_add_func("/filemap/random-reads-4k", test_random_reads);
  g_test_add_func("/filemap/fsync-writes-back", test_fsync_writes_back);
  return g_test_run();
}
