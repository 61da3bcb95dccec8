/* The throughput set (named after the BFQ authors' benchmark suite) under
 * cfq, deadline and noop on the default hdd, twice: as the workloads are
 * written (direct I/O: each process's I/Os go to the disk at bs) and with
 * every process buffered (direct=0: reads through the page cache and its
 * readahead, writes left to the flusher).  One row per workload, one
 * column group per scheduler.  Every number is simulated; no wall-clock
 * time is measured.
 *
 * Direct: aggregate throughput and the 99th percentile of every I/O's
 * latency (all processes pooled); both views are one.  Buffered: the
 * device view's throughput (what the disk moved), the application view's
 * (what the read() and write() calls moved: writes into the cache count
 * when they are made), and the p99 of the calls' latency.
 *   bench_schedulers [WORKLOAD_DIR] */
#include <stdio.h>
#include <stdlib.h>

#include "sim/metrics.h"
#include "sim/run.h"

static const char *const workloads[] = {"1r-seq",   "10r-seq",   "10r-rand",
                                        "5r5w-seq", "5r5w-rand", NULL};
static const char *const schedulers[] = {"cfq", "deadline", "noop", NULL};

typedef struct figures {
  double app_mibs, dev_mibs, p99_ms;
} figures;

/* Runs one workload under one scheduler, buffered or as written; FALSE
 * (and a message) on error. */
static gboolean run_one(const char *path, const char *sched, bool buffered,
                        figures *f) {
  GError *err = NULL;
  char *set = g_strdup_printf("devices.sda.scheduler.name=%s", sched);
  GPtrArray *sets = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(sets, set);
  workload *w = workload_load(path, NULL, &err);
  if (w && buffered) {
    /* every job of the file, by its name (a job's clones share it) */
    for (guint p = 0; p < w->processes->len; p++) {
      const wl_process *wp = g_ptr_array_index(w->processes, p);
      g_autofree char *job = g_strdup(wp->name);
      char *dot = strrchr(job, '.');
      if (dot && g_ascii_isdigit(dot[1]))
        *dot = '\0';
      g_autofree char *s = g_strdup_printf("processes.%s.direct=0", job);
      gboolean seen = FALSE;
      for (guint k = 0; k < sets->len; k++)
        seen |= g_strcmp0(g_ptr_array_index(sets, k), s) == 0;
      if (!seen)
        g_ptr_array_add(sets, g_strdup(s));
    }
  }
  workload_free(w);
  g_ptr_array_add(sets, NULL);
  w = err ? NULL : workload_load(path, (char **)sets->pdata, &err);
  g_ptr_array_unref(sets);
  if (!w) {
    fprintf(stderr, "%s\n", err->message);
    g_error_free(err);
    return FALSE;
  }
  sim_run *r = sim_run_new(w, NULL, &err);
  if (!r) {
    fprintf(stderr, "%s\n", err->message);
    g_error_free(err);
    workload_free(w);
    return FALSE;
  }
  sim_run_go(r, NULL);
  const run_result *res = sim_run_result(r);
  uint64_t bytes = 0;
  metrics_hist *all = metrics_hist_new();
  for (guint p = 0; p < w->processes->len; p++) {
    metrics_hist_merge(all, metrics_proc_hist(res->m, p));
    bytes += metrics_proc_bytes(res->m, p);
  }
  latency_summary s = metrics_hist_summary(all);
  double secs = (double)res->sim_time / SIM_S;
  f->app_mibs = secs > 0 ? (double)bytes / (1 << 20) / secs : 0;
  f->dev_mibs =
      secs > 0 ? (double)metrics_device_bytes(res->m, 0) / (1 << 20) / secs : 0;
  f->p99_ms = (double)s.p99 / SIM_MS;
  metrics_hist_free(all);
  sim_run_free(r);
  workload_free(w);
  return TRUE;
}

static int table(const char *dir, bool buffered, double ratio[2]) {
  printf("%-10s", "workload");
  for (int s = 0; schedulers[s]; s++) {
    if (buffered)
      printf(" | %8s dev MiB/s app MiB/s  p99 ms", schedulers[s]);
    else
      printf(" | %8s MiB/s  p99 ms", schedulers[s]);
  }
  printf("\n");
  for (int i = 0; workloads[i]; i++) {
    char *path = g_strdup_printf("%s/%s.yaml", dir, workloads[i]);
    printf("%-10s", workloads[i]);
    double cfq = 0;
    for (int s = 0; schedulers[s]; s++) {
      figures f;
      if (!run_one(path, schedulers[s], buffered, &f)) {
        g_free(path);
        return 2;
      }
      if (buffered)
        printf(" | %18.2f %9.2f %7.1f", f.dev_mibs, f.app_mibs, f.p99_ms);
      else
        printf(" | %14.2f %7.1f", f.app_mibs, f.p99_ms);
      if (s == 0)
        cfq = f.dev_mibs;
      if (s == 1 && g_strcmp0(workloads[i], "10r-seq") == 0)
        ratio[buffered] = f.dev_mibs > 0 ? cfq / f.dev_mibs : 0;
    }
    printf("\n");
    fflush(stdout);
    g_free(path);
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : CFQSIM_SOURCE_DIR "/workloads";
  double ratio[2] = {0, 0};
  printf("direct I/O, as the workloads are written (one view: each I/O is "
         "the disk's)\n");
  int rc = table(dir, false, ratio);
  if (rc)
    return rc;
  printf("\nbuffered (direct=0): dev = device view, what the disk moved; "
         "app = application view,\nwhat the read()/write() calls moved; p99 "
         "of the calls' latency\n");
  rc = table(dir, true, ratio);
  if (rc)
    return rc;
  printf("\n10r-seq, cfq / deadline throughput (device view): direct %.2fx, "
         "buffered %.2fx\n",
         ratio[0], ratio[1]);
  return 0;
}
