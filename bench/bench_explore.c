/* Exploration speed on the issue-12 set: race-explore-4 on the SSD, the
 * same on the hdd, and five sharers on the SSD (race-explore-4 with a
 * fifth process E at 801m), each explored under both kernel variants the
 * way `cfqsim explore` does, in a child process of its own so that its
 * peak RSS is its own.  Per case: wall and CPU seconds, peak RSS,
 * distinct states (as reported), states expanded (one per orbit under
 * symmetry reduction), simulations run, and the memo's bytes per stored
 * state.
 * Wall time is measured here only; it never reaches a result.
 * The two variants run as `cfqsim explore -j N` runs them: each search
 * by N workers, both at once with N >= 2 (default: one per processor);
 * with workers the runs vary a little from one time to the next.
 *   bench_explore [--unreduced] [-j N] [CASE...]   (ssd4, hdd4, ssd5) */
#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "sim/cmd_explore.h"

typedef struct bench_case {
  const char *name, *model;
  bool fifth;
} bench_case;

static const bench_case cases[] = {
    {"ssd4", "ssd", false}, {"hdd4", "hdd", false}, {"ssd5", "ssd", true}};

/* race-explore-4, or five sharers: its text with E appended (the process
 * list ends the file), written to a scratch file. */
static workload *load(const bench_case *c, GError **err) {
  const char *path = CFQSIM_SOURCE_DIR "/workloads/race-explore-4.yaml";
  g_autofree char *model = g_strdup_printf("devices.sda.model=%s", c->model);
  char *sets[] = {model, NULL};
  if (!c->fifth)
    return workload_load(path, sets, err);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, err))
    return NULL;
  g_autofree char *five = g_strconcat(
      text,
      "  - {name: E, direct: 1, ioc: shared, rw: read, bs: 4k, offset: 801m, "
      "size: 4k,\n     count: 1}\n",
      NULL);
  g_autofree char *tmp = NULL;
  int fd = g_file_open_tmp("cfqsim-explore-5-XXXXXX.yaml", &tmp, err);
  if (fd < 0)
    return NULL;
  close(fd);
  workload *w = NULL;
  if (g_file_set_contents(tmp, five, -1, err))
    w = workload_load(tmp, sets, err);
  g_unlink(tmp);
  return w;
}

static int bench_one(const bench_case *c, bool unreduced, guint jobs) {
  GError *err = NULL;
  workload *w = load(c, &err);
  if (!w) {
    fprintf(stderr, "%s: %s\n", c->name, err->message);
    return 2;
  }
  gint64 t0 = g_get_monotonic_time();
  double c0 = bench_cpu_seconds();
  const int variants[] = {CIC_LINK_BUGGY, CIC_LINK_FIXED};
  explore_options o = EXPLORE_OPTIONS_INIT;
  o.symmetry = !unreduced;
  explore_result r[2] = {{0}, {0}};
  if (!cmd_explore_variants(w, variants, 2, &o, jobs, false, r, &err)) {
    fprintf(stderr, "%s: %s\n", c->name, err->message);
    return 2;
  }
  double s = (double)(g_get_monotonic_time() - t0) / 1e6;
  double cpu = bench_cpu_seconds() - c0;
  uint64_t states = 0, canonical = 0, runs = 0, bytes = 0;
  for (int v = 0; v < 2; v++) {
    states += r[v].states;
    canonical += r[v].canonical;
    runs += r[v].runs;
    bytes = MAX(bytes, r[v].canonical ? r[v].memo_bytes / r[v].canonical : 0);
    explore_result_clear(&r[v]);
  }
  printf("%-6s %9.2f %8.2f %8.1f %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
         " %10" G_GUINT64_FORMAT " %8" G_GUINT64_FORMAT "\n",
         c->name, s, cpu, bench_peak_rss_kib() / 1024.0, states, canonical,
         runs, bytes);
  fflush(stdout);
  workload_free(w);
  return 0;
}

int main(int argc, char **argv) {
  int first = 1;
  bool unreduced = false;
  guint jobs = g_get_num_processors();
  for (; first < argc && argv[first][0] == '-'; first++) {
    if (strcmp(argv[first], "--unreduced") == 0) {
      unreduced = true;
    } else if (strcmp(argv[first], "-j") == 0 && first + 1 < argc &&
               atoi(argv[first + 1]) > 0) {
      jobs = (guint)atoi(argv[++first]);
    } else {
      fprintf(stderr, "usage: bench_explore [--unreduced] [-j N] [CASE...] "
                      "(ssd4, hdd4, ssd5)\n");
      return 2;
    }
  }
  printf("both kernel variants per case as `cfqsim explore -j %u` runs them "
         "(%s), one child process each%s\n",
         jobs, jobs >= 2 ? "at once" : "one after the other",
         unreduced ? ", without symmetry reduction" : "");
  printf("%-6s %9s %8s %8s %10s %10s %10s %8s\n", "case", "wall s", "CPU s",
         "RSS MiB", "states", "expanded", "runs", "B/state");
  fflush(stdout);
  int rc = 0;
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    bool wanted = first >= argc;
    for (int a = first; a < argc; a++)
      wanted |= strcmp(argv[a], cases[i].name) == 0;
    if (!wanted)
      continue;
    pid_t pid = fork();
    if (pid < 0) {
      fprintf(stderr, "fork: %s\n", g_strerror(errno));
      return 2;
    }
    if (pid == 0)
      _exit(bench_one(&cases[i], unreduced, jobs));
    if (!bench_wait(pid))
      rc = 2;
  }
  printf(
      "CPU: user + system of all its threads; states: distinct states as "
      "reported (the sum\nof both variants); expanded: one per orbit; RSS: "
      "the child's peak (VmHWM);\nB/state: the memo's bytes per stored state "
      "(the larger variant)\n");
  return rc;
}
