/* `cfqsim sweep SWEEP.yaml`: run a parameter grid (sim/sweep.h).  Every
 * failure exits 2; hung runs are results (the `hung` metric), not failures.
 * A run that fails after every point was checked still exits 2, but only
 * once results.csv holds the other runs and that run's error.
 *   cfqsim sweep SWEEP.yaml [-j N] [-o DIR] [--list] [--shard K/N] [--collect]
 *   cfqsim sweep --merge DIR... -o OUT */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sim/cmd_sweep.h"
#include "sim/commands.h"
#include "sim/outdir.h"
#include "sim/sweep.h"

static gboolean parse_shard(const char *text, guint *k, guint *n,
                            GError **err) {
  guint64 a, b;
  char *end;
  if (!text)
    return TRUE;
  a = g_ascii_strtoull(text, &end, 10);
  if (end != text && *end == '/') {
    const char *rest = end + 1;
    b = g_ascii_strtoull(rest, &end, 10);
    if (end != rest && !*end && a >= 1 && a <= b && b <= G_MAXUINT) {
      *k = (guint)a;
      *n = (guint)b;
      return TRUE;
    }
  }
  return cmd_usage_error(err, "--shard must be K/N with 1 <= K <= N, not '%s'",
                         text);
}

/* The program as the listed commands should call it: absolute when it was
 * started by a path, so that the lines work from any directory. */
static char *program_path(const char *argv0) {
  char *self = g_file_read_link("/proc/self/exe", NULL);
  if (self)
    return self;
  if (argv0 && strchr(argv0, '/'))
    return g_canonicalize_filename(argv0, NULL);
  return g_strdup("cfqsim");
}

/* -o DIR, else results/sweeps/<the sweep file's name>. */
static char *output_dir(const cmd_common *c, const char *file) {
  char *base = g_path_get_basename(file);
  char *dot = strrchr(base, '.');
  if (dot && dot != base)
    *dot = '\0';
  char *name = g_build_filename("sweeps", base, NULL);
  char *dir = cmd_output_dir(c, name);
  g_free(name);
  g_free(base);
  return dir;
}

static void print_results_path(const char *dir) {
  char *res = g_build_filename(dir, "results.csv", NULL);
  printf("%s\n", res);
  g_free(res);
}

typedef struct sweep_args {
  char *jobs_text, *shard;
  gboolean list, collect, merge;
  guint64 jobs;
  guint k, n; /* --shard K/N; 0/0: every point */
} sweep_args;

static int merge_shards(const cmd_common *c, GError **err) {
  if (!c->args || !c->args[0] || !c->out_dir) {
    cmd_usage_error(err, "--merge needs shard directories and -o OUT");
    return CMD_FAILED;
  }
  if (!sweep_merge(c->args, c->out_dir, err))
    return CMD_FAILED;
  print_results_path(c->out_dir);
  return EXIT_OK;
}

static int list_points(const sweep *s, const sweep_args *a, const char *dir,
                       const char *argv0, GError **err) {
  /* The listed runs write into DIR/points: refuse now, not after them. */
  if (!outdir_may_replace(dir, OUTDIR_SWEEP, err) ||
      !sweep_check(s, a->k, a->n, err))
    return CMD_FAILED;
  char *prog = program_path(argv0);
  char *text = sweep_list(s, prog, dir, a->k, a->n);
  fputs(text, stdout);
  g_free(text);
  g_free(prog);
  return EXIT_OK;
}

static int run_points(const sweep *s, const sweep_args *a, const char *dir,
                      GError **err) {
  sweep_options o = {.out_dir = dir,
                     .jobs = (guint)a->jobs,
                     .shard_k = a->k,
                     .shard_n = a->n,
                     .collect = a->collect,
                     .progress = isatty(2)};
  /* Hangs are results (the `hung` metric), not failures. */
  if (!sweep_run(s, &o, err))
    return CMD_FAILED;
  print_results_path(dir);
  return EXIT_OK;
}

static int sweep_file(const cmd_common *c, const sweep_args *a,
                      const char *argv0, GError **err) {
  if (!cmd_one_arg(c, "sweep file", err))
    return CMD_FAILED;
  sweep *s = sweep_load(c->args[0], err);
  if (!s)
    return CMD_FAILED;
  char *dir = output_dir(c, c->args[0]);
  int status =
      a->list ? list_points(s, a, dir, argv0, err) : run_points(s, a, dir, err);
  g_free(dir);
  sweep_free(s);
  return status;
}

int cmd_sweep(int argc, char **argv) {
  cmd_common c = CMD_COMMON_INIT("sweep");
  sweep_args a = {0};
  GOptionEntry entries[] = {
      {"jobs", 'j', 0, G_OPTION_ARG_STRING, &a.jobs_text,
       "Run N points at once (default: one per processor; never more than "
       "there are runs)",
       "N"},
      cmd_opt_output(&c,
                     "Sweep directory (default: results/sweeps/<sweep name>)"),
      {"list", 0, 0, G_OPTION_ARG_NONE, &a.list,
       "Print one `cfqsim run` command per point instead of running", NULL},
      {"shard", 0, 0, G_OPTION_ARG_STRING, &a.shard,
       "Run only the points with index % N == K-1", "K/N"},
      {"collect", 0, 0, G_OPTION_ARG_NONE, &a.collect,
       "Do not run: build results.csv from DIR/points (after --list)", NULL},
      {"merge", 0, 0, G_OPTION_ARG_NONE, &a.merge,
       "Merge the shard directories given as arguments into -o OUT", NULL},
      cmd_opt_args(&c),
      CMD_OPT_END};
  const char *argv0 = argv[0];
  GError *err = NULL;
  int status = CMD_FAILED;
  if (cmd_parse(&c, entries, "SWEEP.yaml | --merge DIR... -o OUT",
                "Run a parameter grid over a workload; results.csv in point "
                "order.",
                argc, argv, &err) &&
      parse_shard(a.shard, &a.k, &a.n, &err) &&
      cmd_parse_jobs(a.jobs_text, &a.jobs, &err))
    status = a.merge ? merge_shards(&c, &err) : sweep_file(&c, &a, argv0, &err);
  g_free(a.shard);
  g_free(a.jobs_text);
  return cmd_finish(&c, status, err);
}
