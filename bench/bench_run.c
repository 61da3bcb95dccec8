/* Engine speed on the issue-12 set: default, 10r-seq, 5r5w-seq and
 * ssd-mixed, each stretched to SECONDS of simulated time (every job's
 * runtime and the workload's duration set to it), each in a child process
 * of its own so that its peak RSS is its own.  Per workload: ns of wall
 * time per application I/O, engine events per wall second, simulated
 * seconds per wall second, peak RSS, and the simulate phase and the whole
 * run (load, simulate, report written to a scratch directory) timed apart.
 * A bare binary-heap event loop (events of (time, seq), nothing else) is
 * timed in the same run as the reference: compare ratios, not seconds.
 * Wall time is measured here only; it never reaches a simulation result.
 *   bench_run [SECONDS [WORKLOAD...]]   (default 300, the four above) */
#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "sim/run.h"

static const char *const default_workloads[] = {"default", "10r-seq",
                                                "5r5w-seq", "ssd-mixed", NULL};

/* The reference loop: a binary min-heap of (time, seq) events kept at
 * `live` entries; each pop schedules one successor a pseudo-random delay
 * later, the way a simulation's events beget events. */
typedef struct heap_ev {
  uint64_t time, seq;
} heap_ev;

static bool ev_less(const heap_ev *a, const heap_ev *b) {
  return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void heap_push(heap_ev *h, guint *n, heap_ev e) {
  guint i = (*n)++;
  while (i > 0) {
    guint p = (i - 1) / 2;
    if (!ev_less(&e, &h[p]))
      break;
    h[i] = h[p];
    i = p;
  }
  h[i] = e;
}

static heap_ev heap_pop(heap_ev *h, guint *n) {
  heap_ev top = h[0], last = h[--*n];
  guint i = 0;
  for (;;) {
    guint c = 2 * i + 1;
    if (c >= *n)
      break;
    if (c + 1 < *n && ev_less(&h[c + 1], &h[c]))
      c++;
    if (!ev_less(&h[c], &last))
      break;
    h[i] = h[c];
    i = c;
  }
  h[i] = last;
  return top;
}

/* Events per wall second of the bare loop, best of `repeats`. */
static double bare_heap_rate(guint live, uint64_t events, int repeats) {
  heap_ev *h = g_new(heap_ev, live);
  double best = 0;
  uint64_t sink = 0;
  for (int r = 0; r < repeats; r++) {
    guint n = 0;
    uint64_t seq = 0, x = 88172645463325252ull;
    for (guint i = 0; i < live; i++)
      heap_push(h, &n, (heap_ev){i * 1000, seq++});
    gint64 t0 = g_get_monotonic_time();
    for (uint64_t k = 0; k < events; k++) {
      heap_ev e = heap_pop(h, &n);
      x ^= x << 13; /* xorshift64: a cheap delay, not a fixed order */
      x ^= x >> 7;
      x ^= x << 17;
      sink += e.seq;
      heap_push(h, &n, (heap_ev){e.time + 1 + (x & 0xfffff), seq++});
    }
    double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
    if (wall > 0 && events / wall > best)
      best = events / wall;
  }
  g_free(h);
  if (sink == 42) /* keeps the loop from being optimised away */
    printf(" ");
  return best;
}

/* One workload, stretched; prints its row.  Runs in a child. */
static int bench_one(const char *name, int seconds, double heap_rate) {
  GError *err = NULL;
  g_autofree char *path =
      strchr(name, '/')
          ? g_strdup(name)
          : g_strdup_printf("%s/workloads/%s.yaml", CFQSIM_SOURCE_DIR, name);
  gint64 t0 = g_get_monotonic_time();
  workload *w = workload_load(path, NULL, &err);
  if (!w) {
    fprintf(stderr, "%s\n", err->message);
    return 2;
  }
  /* every job of the file by its name (a job's clones share it) */
  GPtrArray *sets = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(sets, g_strdup_printf("duration=%ds", seconds));
  for (guint p = 0; p < w->processes->len; p++) {
    const wl_process *wp = g_ptr_array_index(w->processes, p);
    g_autofree char *job = g_strdup(wp->name);
    char *dot = strrchr(job, '.');
    if (dot && g_ascii_isdigit(dot[1]))
      *dot = '\0';
    g_autofree char *s =
        g_strdup_printf("processes.%s.runtime=%ds", job, seconds);
    gboolean seen = FALSE;
    for (guint k = 0; k < sets->len; k++)
      seen |= g_strcmp0(g_ptr_array_index(sets, k), s) == 0;
    if (!seen)
      g_ptr_array_add(sets, g_strdup(s));
  }
  workload_free(w);
  g_ptr_array_add(sets, NULL);
  w = workload_load(path, (char **)sets->pdata, &err);
  g_ptr_array_unref(sets);
  /* The results stream into a scratch directory as the run goes. */
  g_autofree char *scratch = g_dir_make_tmp("cfqsim-bench-XXXXXX", &err);
  g_autofree char *out =
      scratch ? g_build_filename(scratch, "out", NULL) : NULL;
  run_options o = RUN_OPTIONS_INIT;
  o.out_dir = out;
  sim_run *r = w && scratch ? sim_run_new(w, &o, &err) : NULL;
  if (!r) {
    fprintf(stderr, "%s\n", err->message);
    if (scratch)
      bench_rm_scratch(scratch);
    return 2;
  }
  gint64 t1 = g_get_monotonic_time();
  sim_outcome outcome = sim_run_go(r, &err);
  gint64 t2 = g_get_monotonic_time();
  if (outcome == SIM_ERROR) {
    fprintf(stderr, "%s: %s\n", name, err->message);
    return 2;
  }
  const run_result *res = sim_run_result(r);
  if (!sim_run_write(r, NULL, NULL, &err)) {
    fprintf(stderr, "%s\n", err->message);
    bench_rm_scratch(scratch);
    return 2;
  }
  gint64 t3 = g_get_monotonic_time();
  bench_rm_scratch(scratch);
  uint64_t ios = 0;
  for (guint p = 0; p < w->processes->len; p++)
    ios += metrics_proc_ios(res->m, p);
  double sim_s = (double)(t2 - t1) / 1e6, whole_s = (double)(t3 - t0) / 1e6;
  double ev_rate = sim_s > 0 ? res->events / sim_s : 0;
  printf("%-10s %7.1f %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
         " %8.0f %10.0f %9.1f %7.1f %8.2f %8.2f %7.1f\n",
         w->name, (double)res->sim_time / SIM_S, ios, res->events,
         ios ? (t2 - t1) * 1e3 / ios : 0, ev_rate,
         sim_s > 0 ? (double)res->sim_time / SIM_S / sim_s : 0,
         bench_peak_rss_kib() / 1024.0, sim_s, whole_s,
         ev_rate > 0 ? heap_rate / ev_rate : 0);
  fflush(stdout);
  sim_run_free(r);
  workload_free(w);
  return 0;
}

int main(int argc, char **argv) {
  int seconds = argc > 1 ? atoi(argv[1]) : 300;
  if (seconds <= 0) {
    fprintf(stderr, "usage: bench_run [SECONDS [WORKLOAD...]]\n");
    return 2;
  }
  const char *const *names =
      argc > 2 ? (const char *const *)argv + 2 : default_workloads;
  /* 64 live events: the order of a run's pending timers and completions */
  double heap_rate = bare_heap_rate(64, 20000000, 3);
  printf("bare binary-heap loop: %.0f events per wall s (64 live events)\n",
         heap_rate);
  printf("each workload stretched to %d s of simulated time, one child "
         "process each\n",
         seconds);
  printf("%-10s %7s %10s %10s %8s %10s %9s %7s %8s %8s %7s\n", "workload",
         "sim s", "app I/Os", "events", "ns/I/O", "events/s", "sim s/s",
         "RSS MiB", "simul s", "whole s", "heap/x");
  fflush(stdout);
  int rc = 0;
  for (int i = 0; names[i]; i++) {
    pid_t pid = fork();
    if (pid < 0) {
      fprintf(stderr, "fork: %s\n", g_strerror(errno));
      return 2;
    }
    if (pid == 0)
      _exit(bench_one(names[i], seconds, heap_rate));
    if (!bench_wait(pid))
      rc = 2;
  }
  printf("ns/I/O, events/s and sim s/s are of the simulate phase; whole s "
         "is load + simulate + report\nwritten; RSS is the child's peak "
         "(VmHWM); heap/x: the bare loop's events/s over the run's\n");
  return rc;
}
