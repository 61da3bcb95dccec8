/* `cfqsim run WORKLOAD.yaml`: one simulation, its report and outputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cmd_run.h"
#include "sim/commands.h"
#include "sim/run.h"

static gboolean parse_variant(const char *text, int *variant, GError **err) {
  if (!text)
    return TRUE;
  if (strcmp(text, "buggy") == 0)
    *variant = CIC_LINK_BUGGY;
  else if (strcmp(text, "fixed") == 0)
    *variant = CIC_LINK_FIXED;
  else {
    g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--variant must be buggy or fixed, not '%s'", text);
    return FALSE;
  }
  return TRUE;
}

int cmd_run(int argc, char **argv) {
  char *out_dir = NULL, *variant = NULL, *seed = NULL;
  char **sets = NULL, **args = NULL;
  gboolean trace = FALSE, quiet = FALSE;
  GOptionEntry entries[] = {
      {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
       "Write results to DIR (default: results/<workload name>)", "DIR"},
      {"seed", 0, 0, G_OPTION_ARG_STRING, &seed, "Override the workload's seed", "N"},
      {"variant", 0, 0, G_OPTION_ARG_STRING, &variant,
       "Kernel variant of the cic link: buggy or fixed", "V"},
      {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets,
       "Override a workload key, e.g. devices.sda.scheduler.slice_idle=0", "KEY=VALUE"},
      {"trace", 0, 0, G_OPTION_ARG_NONE, &trace,
       "Write trace.log (every step and event with kernel names) and "
       "<dev>.blktrace.0 for blkparse", NULL},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Do not print the summary", NULL},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("WORKLOAD.yaml");
  g_option_context_set_summary(ctx, "Simulate one workload and write its results.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *err = NULL;
  int status = EXIT_USAGE;
  workload *w = NULL;
  sim_run *r = NULL;
  char *trace_buf = NULL;
  size_t trace_len = 0;
  FILE *trace_file = NULL;
  run_options o = RUN_OPTIONS_INIT;

  if (!g_option_context_parse(ctx, &argc, &argv, &err) ||
      !parse_variant(variant, &o.variant, &err))
    goto fail;
  if (!args || !args[0] || args[1]) {
    g_set_error(&err, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                "expected exactly one workload file (see --help)");
    goto fail;
  }
  if (seed) {
    /* As the workload's seed: key reads it; g_ascii_strtoull took -1 and
     * anything past 2^64 - 1 as 2^64 - 1. */
    GError *local = NULL;
    if (!workload_parse_seed(seed, &o.seed, &local)) {
      g_set_error(&err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--%s",
                  local->message);
      g_error_free(local);
      goto fail;
    }
    o.has_seed = true;
  }
  w = workload_load(args[0], sets, &err);
  if (!w)
    goto fail;
  /* A scripted interleaving is narrated on stdout, step by step. */
  bool narrate = w->policy == INTERLEAVE_SCRIPT && !quiet;
  if (trace || narrate) {
    trace_file = open_memstream(&trace_buf, &trace_len);
    o.trace = trace_file;
  }
  r = sim_run_new(w, &o, &err);
  if (!r)
    goto fail;
  sim_outcome outcome = sim_run_go(r, &err);
  if (trace_file) {
    fclose(trace_file);
    trace_file = NULL;
  }
  if (outcome == SIM_ERROR)
    goto fail;
  if (narrate)
    fwrite(trace_buf, 1, trace_len, stdout);

  char *dir = out_dir ? g_strdup(out_dir) : g_build_filename("results", w->name, NULL);
  GHashTable *extra = g_hash_table_new(g_str_hash, g_str_equal);
  /* blkparse -i DIR/sda reads sda.blktrace.0 (one stream, "CPU 0"). */
  GHashTable *binary = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify)g_bytes_unref);
  if (trace) {
    g_hash_table_insert(extra, "trace.log", trace_buf);
    for (guint i = 0; i < w->devices->len; i++) {
      const wl_device *d = g_ptr_array_index(w->devices, i);
      GBytes *b = sim_run_blktrace(r, i);
      if (b)
        g_hash_table_insert(binary, g_strdup_printf("%s.blktrace.0", d->name), b);
    }
  }
  gboolean ok = report_write_bin(sim_run_result(r), dir, extra, binary,
                                 quiet ? NULL : stdout, &err);
  g_hash_table_destroy(extra);
  g_hash_table_destroy(binary);
  g_free(dir);
  if (!ok)
    goto fail;
  status = outcome == SIM_HANG ? EXIT_HANG : EXIT_OK;
  goto out;

fail:
  report_error("run", err);
out:
  if (trace_file)
    fclose(trace_file);
  free(trace_buf);
  g_clear_error(&err);
  sim_run_free(r);
  workload_free(w);
  g_option_context_free(ctx);
  g_free(out_dir);
  g_free(variant);
  g_free(seed);
  g_strfreev(sets);
  g_strfreev(args);
  return status;
}
