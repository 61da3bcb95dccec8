/* Memory over simulated time and time over processes, each run in a child
 * process of its own (its peak RSS its own), report included (written to
 * a scratch directory as `cfqsim run` writes it):
 *
 * 1. ssd-mixed stretched to SHORT and LONG seconds of simulated time
 *    (every job's runtime and the duration): peak RSS of each and the
 *    ratio.  Memory flat in simulated time means a ratio near 1.
 * 2. N and 10 N processes with the same load each (4 KiB random reads on
 *    the ssd with an exponential think time of mean 1 s, for 10 s): wall
 *    time of the whole run and of its simulate and report phases, and the
 *    ratio.  Linear in processes means a ratio near 10.  A round runs N
 *    processes ten times (the time of N is a tenth of the total) and 10 N
 *    once, in turns; of REPEAT rounds each size shows its fastest (by CPU
 *    time): on a shared machine the others' load only ever adds.  Ten
 *    runs of N against one of 10 N compare the same work over about the
 *    same stretch of wall time: the fastest of a few short runs alone
 *    would be the luckiest of many more quiet moments.
 *
 * Wall time is measured here only; it never reaches a simulation result.
 *   bench_memory [SHORT LONG [N [REPEAT]]]   (default 60 1000 1000 3) */
#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "sim/run.h"

/* What a child reports back through its pipe. */
typedef struct child_result {
  double peak_mib;
  double whole_s, simulate_s, report_s;
  double cpu_s; /* user + system of the whole run: less noisy than wall */
  uint64_t ios;
  double sim_s;
} child_result;

/* ssd-mixed with every job's runtime and the duration set to `seconds`. */
static workload *stretched_ssd(int seconds, GError **err) {
  g_autofree char *path =
      g_strdup_printf("%s/workloads/ssd-mixed.yaml", CFQSIM_SOURCE_DIR);
  workload *w = workload_load(path, NULL, err);
  if (!w)
    return NULL;
  GPtrArray *sets = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(sets, g_strdup_printf("duration=%ds", seconds));
  for (guint p = 0; p < w->processes->len; p++) {
    const wl_process *wp = g_ptr_array_index(w->processes, p);
    g_ptr_array_add(
        sets, g_strdup_printf("processes.%s.runtime=%ds", wp->name, seconds));
  }
  workload_free(w);
  g_ptr_array_add(sets, NULL);
  w = workload_load(path, (char **)sets->pdata, err);
  g_ptr_array_unref(sets);
  return w;
}

/* `n` processes (a multiple of 1,000: jobs of 1,000 clones each), each
 * the same light reader, so that the device never saturates, and the run
 * ends with their runtime, so that it lasts as long whatever n is (ended
 * by the last one's think time, ten times as many processes would run
 * longer: the largest of n exponential draws grows with n). */
static workload *many_readers(guint n, GError **err) {
  GString *y = g_string_new(NULL);
  g_string_append_printf(y,
                         "name: readers-%u\n"
                         "duration: 10s\n"
                         "devices: [{name: sdb, model: ssd}]\n"
                         "processes:\n",
                         n);
  for (guint k = 0; k < n / 1000; k++)
    g_string_append_printf(y,
                           "  - {name: r%u, numjobs: 1000, direct: 1, "
                           "rw: randread, bs: 4k, size: 1g, runtime: 10s, "
                           "think: {mean: 1s, dist: exp}}\n",
                           k);
  workload *w = workload_parse("readers.yaml", y->str, y->len, NULL, err);
  g_string_free(y, TRUE);
  return w;
}

/* One run, report written; in the child. */
static int measure(workload *(*make)(int, GError **), int arg,
                   child_result *out) {
  GError *err = NULL;
  double c0 = bench_cpu_seconds();
  gint64 t0 = g_get_monotonic_time();
  workload *w = make(arg, &err);
  g_autofree char *scratch =
      w ? g_dir_make_tmp("cfqsim-bench-XXXXXX", &err) : NULL;
  g_autofree char *dir =
      scratch ? g_build_filename(scratch, "out", NULL) : NULL;
  run_options o = RUN_OPTIONS_INIT;
  o.out_dir = dir;
  sim_run *r = dir ? sim_run_new(w, &o, &err) : NULL;
  gint64 t1 = g_get_monotonic_time();
  bool ok = r && sim_run_go(r, &err) != SIM_ERROR;
  gint64 t2 = g_get_monotonic_time();
  ok = ok && sim_run_write(r, NULL, NULL, &err);
  gint64 t3 = g_get_monotonic_time();
  out->cpu_s = bench_cpu_seconds() - c0;
  if (!ok) {
    fprintf(stderr, "bench_memory: %s\n", err ? err->message : "failed");
  } else {
    const run_result *res = sim_run_result(r);
    for (guint p = 0; p < w->processes->len; p++)
      out->ios += metrics_proc_ios(res->m, p);
    out->sim_s = (double)res->sim_time / SIM_S;
  }
  sim_run_free(r);
  workload_free(w);
  if (scratch)
    bench_rm_scratch(scratch);
  out->peak_mib = bench_peak_rss_kib() / 1024.0;
  out->whole_s = (double)(t3 - t0) / 1e6;
  out->simulate_s = (double)(t2 - t1) / 1e6;
  out->report_s = (double)(t3 - t2) / 1e6;
  return ok ? 0 : 2;
}

static workload *make_ssd(int seconds, GError **err) {
  return stretched_ssd(seconds, err);
}

static workload *make_many(int n, GError **err) {
  return many_readers((guint)n, err);
}

/* Runs `measure` in a child; FALSE if it failed. */
static gboolean in_child(workload *(*make)(int, GError **), int arg,
                         child_result *res) {
  int fd[2];
  if (pipe(fd) != 0)
    return FALSE;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0)
    return FALSE;
  if (pid == 0) {
    close(fd[0]);
    child_result c = {0};
    int rc = measure(make, arg, &c);
    ssize_t wrote = write(fd[1], &c, sizeof c);
    _exit(wrote == (ssize_t)sizeof c ? rc : 2);
  }
  close(fd[1]);
  ssize_t got = read(fd[0], res, sizeof *res);
  close(fd[0]);
  bool ok = bench_wait(pid);
  return got == (ssize_t)sizeof *res && ok;
}

int main(int argc, char **argv) {
  int s_short = argc > 2 ? atoi(argv[1]) : 60;
  int s_long = argc > 2 ? atoi(argv[2]) : 1000;
  int n = argc > 3 ? atoi(argv[3]) : 1000;
  int repeat = argc > 4 ? atoi(argv[4]) : 3;
  if (s_short <= 0 || s_long <= 0 || n < 1000 || n % 1000 || repeat < 1) {
    fprintf(stderr, "usage: bench_memory [SHORT LONG [N [REPEAT]]] (N: a "
                    "multiple of 1000)\n");
    return 2;
  }
  child_result a = {0}, b = {0};
  printf("memory over simulated time: ssd-mixed stretched, report "
         "written, one child each\n");
  printf("%8s %10s %9s %9s %9s\n", "sim s", "app I/Os", "wall s", "CPU s",
         "peak MiB");
  if (!in_child(make_ssd, s_short, &a) || !in_child(make_ssd, s_long, &b))
    return 2;
  printf("%8.1f %10" G_GUINT64_FORMAT " %9.2f %9.2f %9.1f\n", a.sim_s, a.ios,
         a.whole_s, a.cpu_s, a.peak_mib);
  printf("%8.1f %10" G_GUINT64_FORMAT " %9.2f %9.2f %9.1f\n", b.sim_s, b.ios,
         b.whole_s, b.cpu_s, b.peak_mib);
  printf("peak RSS %d s / %d s: %.2f\n\n", s_long, s_short,
         a.peak_mib > 0 ? b.peak_mib / a.peak_mib : 0);

  printf("time over processes: the same reader (4k random reads, think "
         "1 s, 10 s) N times;\n%d processes: ten runs, their total over "
         "ten; %d: one run; the fastest of %d rounds each\n",
         n, 10 * n, repeat);
  printf("%8s %10s %9s %9s %10s %9s %9s\n", "procs", "app I/Os", "wall s",
         "CPU s", "simulate s", "report s", "peak MiB");
  for (int k = 0; k < repeat; k++) {
    child_result x = {0}, y = {0};
    /* in turns, so that neither size always runs after the other */
    if (k % 2 && !in_child(make_many, 10 * n, &y))
      return 2;
    for (int r = 0; r < 10; r++) {
      child_result one = {0};
      if (!in_child(make_many, n, &one))
        return 2;
      x.ios = one.ios;
      x.peak_mib = MAX(x.peak_mib, one.peak_mib);
      x.whole_s += one.whole_s / 10;
      x.simulate_s += one.simulate_s / 10;
      x.report_s += one.report_s / 10;
      x.cpu_s += one.cpu_s / 10;
    }
    if (k % 2 == 0 && !in_child(make_many, 10 * n, &y))
      return 2;
    if (k == 0 || x.cpu_s < a.cpu_s)
      a = x;
    if (k == 0 || y.cpu_s < b.cpu_s)
      b = y;
  }
  printf("%8d %10" G_GUINT64_FORMAT " %9.3f %9.3f %10.3f %9.3f %9.1f\n", n,
         a.ios, a.whole_s, a.cpu_s, a.simulate_s, a.report_s, a.peak_mib);
  printf("%8d %10" G_GUINT64_FORMAT " %9.3f %9.3f %10.3f %9.3f %9.1f\n", 10 * n,
         b.ios, b.whole_s, b.cpu_s, b.simulate_s, b.report_s, b.peak_mib);
  printf("%d / %d processes: CPU time %.2f; wall time %.2f (whole run), "
         "%.2f (simulate), %.2f (report)\n",
         10 * n, n, a.cpu_s > 0 ? b.cpu_s / a.cpu_s : 0,
         a.whole_s > 0 ? b.whole_s / a.whole_s : 0,
         a.simulate_s > 0 ? b.simulate_s / a.simulate_s : 0,
         a.report_s > 0 ? b.report_s / a.report_s : 0);
  printf("wall times are indicative (machine load); the simulate phase "
         "includes the streamed outputs,\nreport is the files written at "
         "the end (summary, metrics.json, processes.csv)\n");
  return 0;
}
