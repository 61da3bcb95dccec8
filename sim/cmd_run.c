/* `cfqsim run WORKLOAD.yaml`: one simulation, its report and outputs. */
#include <stdio.h>
#include <stdlib.h>

#include "sim/cmd_run.h"
#include "sim/commands.h"
#include "sim/run.h"

/* The report and result files in DIR; with `trace_log` (--trace) also
 * trace.log and each device's blktrace stream. */
static gboolean write_results(const cmd_common *c, const workload *w,
                              sim_run *r, char *trace_log, GError **err) {
  char *dir = cmd_output_dir(c, w->name);
  GHashTable *extra = g_hash_table_new(g_str_hash, g_str_equal);
  /* blkparse -i DIR/sda reads sda.blktrace.0 (one stream, "CPU 0"). */
  GHashTable *binary = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify)g_bytes_unref);
  if (trace_log) {
    g_hash_table_insert(extra, "trace.log", trace_log);
    for (guint i = 0; i < w->devices->len; i++) {
      const wl_device *d = g_ptr_array_index(w->devices, i);
      GBytes *b = sim_run_blktrace(r, i);
      if (b)
        g_hash_table_insert(binary, g_strdup_printf("%s.blktrace.0", d->name),
                            b);
    }
  }
  gboolean ok = report_write_bin(sim_run_result(r), dir, extra, binary,
                                 c->quiet ? NULL : stdout, err);
  g_hash_table_destroy(extra);
  g_hash_table_destroy(binary);
  g_free(dir);
  return ok;
}

static int run_workload(const cmd_common *c, gboolean trace, const workload *w,
                        GError **err) {
  run_options o = RUN_OPTIONS_INIT;
  o.variant = c->variant;
  /* A scripted interleaving is narrated on stdout, step by step. */
  bool narrate = w->policy == INTERLEAVE_SCRIPT && !c->quiet;
  char *trace_buf = NULL;
  size_t trace_len = 0;
  FILE *trace_file = NULL;
  if (trace || narrate)
    o.trace = trace_file = open_memstream(&trace_buf, &trace_len);
  sim_run *r = sim_run_new(w, &o, err);
  sim_outcome outcome = r ? sim_run_go(r, err) : SIM_ERROR;
  if (trace_file)
    fclose(trace_file);
  int status = CMD_FAILED;
  if (outcome != SIM_ERROR) {
    if (narrate)
      fwrite(trace_buf, 1, trace_len, stdout);
    if (write_results(c, w, r, trace ? trace_buf : NULL, err))
      status = outcome == SIM_HANG ? EXIT_HANG : EXIT_OK;
  }
  free(trace_buf);
  sim_run_free(r);
  return status;
}

int cmd_run(int argc, char **argv) {
  cmd_common c = CMD_COMMON_INIT("run");
  gboolean trace = FALSE;
  GOptionEntry entries[] = {
      cmd_opt_output(&c,
                     "Write results to DIR (default: results/<workload name>)"),
      cmd_opt_seed(&c),
      cmd_opt_variant(&c, FALSE,
                      "Kernel variant of the cic link: buggy or fixed"),
      cmd_opt_set(&c, "Override a workload key, e.g. "
                      "devices.sda.scheduler.slice_idle=0"),
      {"trace", 0, 0, G_OPTION_ARG_NONE, &trace,
       "Write trace.log (every step and event with kernel names) and "
       "<dev>.blktrace.0 for blkparse",
       NULL},
      cmd_opt_quiet(&c, "Do not print the summary"),
      cmd_opt_args(&c),
      CMD_OPT_END};
  GError *err = NULL;
  workload *w = NULL;
  int status = CMD_FAILED;
  if (cmd_parse(&c, entries, "WORKLOAD.yaml",
                "Simulate one workload and write its results.", argc, argv,
                &err) &&
      (w = cmd_load_workload(&c, &err)))
    status = run_workload(&c, trace, w, &err);
  workload_free(w);
  return cmd_finish(&c, status, err);
}
