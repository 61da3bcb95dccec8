/* `cfqsim sweep SWEEP.yaml`: run a parameter grid (sim/sweep.h).  Every
 * failure exits 2; hung runs are results (the `hung` metric), not failures.
 * A run that fails after every point was checked still exits 2, but only
 * once results.csv holds the other runs and that run's error.
 *   cfqsim sweep SWEEP.yaml [-j N] [-o DIR] [--list] [--shard K/N] [--collect]
 *   cfqsim sweep --merge DIR... -o OUT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cmd_sweep.h"
#include "sim/commands.h"
#include "sim/outdir.h"
#include "sim/sweep.h"

static gboolean parse_shard(const char *text, guint *k, guint *n, GError **err) {
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
  g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
              "--shard must be K/N with 1 <= K <= N, not '%s'", text);
  return FALSE;
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

static char *default_dir(const char *file) {
  char *base = g_path_get_basename(file);
  char *dot = strrchr(base, '.');
  if (dot && dot != base)
    *dot = '\0';
  char *dir = g_build_filename("results", "sweeps", base, NULL);
  g_free(base);
  return dir;
}

int cmd_sweep(int argc, char **argv) {
  char *out_dir = NULL, *shard = NULL, *jobs_text = NULL;
  char **args = NULL;
  guint64 jobs = 0;
  gboolean list = FALSE, merge = FALSE, collect = FALSE;
  GOptionEntry entries[] = {
      {"jobs", 'j', 0, G_OPTION_ARG_STRING, &jobs_text,
       "Run N points at once (default: one per processor; never more than "
       "there are runs)", "N"},
      {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
       "Sweep directory (default: results/sweeps/<sweep name>)", "DIR"},
      {"list", 0, 0, G_OPTION_ARG_NONE, &list,
       "Print one `cfqsim run` command per point instead of running", NULL},
      {"shard", 0, 0, G_OPTION_ARG_STRING, &shard,
       "Run only the points with index % N == K-1", "K/N"},
      {"collect", 0, 0, G_OPTION_ARG_NONE, &collect,
       "Do not run: build results.csv from DIR/points (after --list)", NULL},
      {"merge", 0, 0, G_OPTION_ARG_NONE, &merge,
       "Merge the shard directories given as arguments into -o OUT", NULL},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL,
       NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("SWEEP.yaml | --merge DIR... -o OUT");
  g_option_context_set_summary(
      ctx, "Run a parameter grid over a workload; results.csv in point order.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *err = NULL;
  int status = EXIT_USAGE;
  sweep *s = NULL;
  guint k = 0, n = 0;
  const char *argv0 = argv[0];

  if (!g_option_context_parse(ctx, &argc, &argv, &err) ||
      !parse_shard(shard, &k, &n, &err))
    goto fail;
  if (jobs_text &&
      !g_ascii_string_to_unsigned(jobs_text, 10, 1, G_MAXUINT, &jobs, NULL)) {
    g_set_error(&err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "-j must be a whole number of runs at once, at least 1, not '%s'",
                jobs_text);
    goto fail;
  }
  if (merge) {
    if (!args || !args[0] || !out_dir) {
      g_set_error(&err, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                  "--merge needs shard directories and -o OUT");
      goto fail;
    }
    if (!sweep_merge(args, out_dir, &err))
      goto fail;
    char *res = g_build_filename(out_dir, "results.csv", NULL);
    printf("%s\n", res);
    g_free(res);
    status = EXIT_OK;
    goto out;
  }
  if (!args || !args[0] || args[1]) {
    g_set_error(&err, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                "expected exactly one sweep file (see --help)");
    goto fail;
  }
  s = sweep_load(args[0], &err);
  if (!s)
    goto fail;
  if (!out_dir)
    out_dir = default_dir(args[0]);
  if (list) {
    /* The listed runs write into DIR/points: refuse now, not after them. */
    if (!outdir_may_replace(out_dir, OUTDIR_SWEEP, &err) ||
        !sweep_check(s, k, n, &err))
      goto fail;
    char *prog = program_path(argv0);
    char *text = sweep_list(s, prog, out_dir, k, n);
    fputs(text, stdout);
    g_free(text);
    g_free(prog);
    status = EXIT_OK;
    goto out;
  }
  sweep_options o = {.out_dir = out_dir, .jobs = (guint)jobs, .shard_k = k,
                     .shard_n = n, .collect = collect,
                     .progress = isatty(2)};
  /* Hangs are results (the `hung` metric), not failures. */
  if (!sweep_run(s, &o, &err))
    goto fail;
  char *res = g_build_filename(out_dir, "results.csv", NULL);
  printf("%s\n", res);
  g_free(res);
  status = EXIT_OK;
  goto out;

fail:
  report_error("sweep", err);
out:
  g_clear_error(&err);
  sweep_free(s);
  g_option_context_free(ctx);
  g_free(out_dir);
  g_free(shard);
  g_free(jobs_text);
  g_strfreev(args);
  return status;
}
