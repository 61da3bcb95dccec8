/* The throughput set (named after the BFQ authors' benchmark suite) under
 * cfq, deadline and noop on the default hdd: aggregate throughput and the
 * 99th percentile of every I/O's latency (all processes pooled), one row per
 * workload, one column pair per scheduler.  Every number is simulated; no
 * wall-clock time is measured.
 *   bench_schedulers [WORKLOAD_DIR] */
#include <stdio.h>
#include <stdlib.h>

#include "sim/metrics.h"
#include "sim/run.h"

static const char *const workloads[] = {"1r-seq", "10r-seq", "10r-rand",
                                        "5r5w-seq", "5r5w-rand", NULL};
static const char *const schedulers[] = {"cfq", "deadline", "noop", NULL};

/* Runs one workload under one scheduler; FALSE (and a message) on error. */
static gboolean run_one(const char *path, const char *sched, double *mibs,
                        double *p99_ms) {
  GError *err = NULL;
  char *set = g_strdup_printf("devices.sda.scheduler.name=%s", sched);
  char *sets[] = {set, NULL};
  workload *w = workload_load(path, sets, &err);
  g_free(set);
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
  GArray *all = g_array_new(FALSE, FALSE, sizeof(int64_t));
  for (guint p = 0; p < w->processes->len; p++) {
    guint n = 0;
    const int64_t *v = metrics_proc_samples(res->m, p, &n);
    g_array_append_vals(all, v, n);
    bytes += metrics_proc_bytes(res->m, p);
  }
  latency_summary s = metrics_latency_summarize((const int64_t *)(void *)all->data, all->len);
  *mibs = res->sim_time > 0 ? (double)bytes / (1 << 20) /
                                  ((double)res->sim_time / SIM_S)
                            : 0;
  *p99_ms = (double)s.p99 / SIM_MS;
  g_array_free(all, TRUE);
  sim_run_free(r);
  workload_free(w);
  return TRUE;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : CFQSIM_SOURCE_DIR "/workloads";
  printf("%-10s", "workload");
  for (int s = 0; schedulers[s]; s++)
    printf(" | %8s MiB/s  p99 ms", schedulers[s]);
  printf("\n");
  for (int i = 0; workloads[i]; i++) {
    char *path = g_strdup_printf("%s/%s.yaml", dir, workloads[i]);
    printf("%-10s", workloads[i]);
    for (int s = 0; schedulers[s]; s++) {
      double mibs, p99;
      if (!run_one(path, schedulers[s], &mibs, &p99)) {
        g_free(path);
        return 2;
      }
      printf(" | %14.2f %7.1f", mibs, p99);
    }
    printf("\n");
    g_free(path);
  }
  return 0;
}
