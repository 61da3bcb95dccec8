/* Engine throughput on a fixed workload: events processed, events per
 * wall-clock second and simulated seconds per wall-clock second.  Wall time
 * is measured here only; it never reaches a simulation result.
 *   bench_run [WORKLOAD.yaml] [REPEATS] */
#include <stdio.h>
#include <stdlib.h>

#include "sim/run.h"

int main(int argc, char **argv) {
  const char *path =
      argc > 1 ? argv[1] : CFQSIM_SOURCE_DIR "/workloads/default.yaml";
  int repeats = argc > 2 ? atoi(argv[2]) : 5;
  GError *err = NULL;
  workload *w = workload_load(path, NULL, &err);
  if (!w) {
    fprintf(stderr, "%s\n", err->message);
    return 2;
  }
  uint64_t events = 0;
  sim_time simulated = 0;
  double best = 1e300;
  for (int i = 0; i < repeats; i++) {
    sim_run *r = sim_run_new(w, NULL, &err);
    if (!r) {
      fprintf(stderr, "%s\n", err->message);
      return 2;
    }
    gint64 t0 = g_get_monotonic_time();
    sim_run_go(r, NULL);
    double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
    if (wall < best)
      best = wall;
    events = sim_run_result(r)->events;
    simulated = sim_run_result(r)->sim_time;
    sim_run_free(r);
  }
  printf("workload            %s\n", w->name);
  printf("events processed    %" G_GUINT64_FORMAT "\n", events);
  printf("simulated time      %.3f s\n", (double)simulated / SIM_S);
  printf("wall time (best of %d) %.4f s\n", repeats, best);
  printf("events per wall s   %.0f\n", events / best);
  printf("simulated s per wall s  %.1f\n", (double)simulated / SIM_S / best);
  workload_free(w);
  return 0;
}
