/* `cfqsim run WORKLOAD.yaml`: one simulation, its report and outputs. */
#include <stdio.h>
#include <stdlib.h>

#include "sim/cmd_run.h"
#include "sim/commands.h"
#include "sim/run.h"

static int run_workload(const cmd_common *c, gboolean trace, const workload *w,
                        GError **err) {
  run_options o = RUN_OPTIONS_INIT;
  o.variant = c->variant;
  /* The results stream into DIR (by way of a temporary directory) while
   * the run goes; with --trace so do trace.log and the blktrace. */
  g_autofree char *dir = cmd_output_dir(c, w->name);
  o.out_dir = dir;
  o.out_trace = trace;
  /* A scripted interleaving is narrated on stdout, step by step, after
   * the run; it is short (one step per schedule entry), so its trace is
   * kept in memory and also becomes trace.log with --trace. */
  bool narrate = w->policy == INTERLEAVE_SCRIPT && !c->quiet;
  char *trace_buf = NULL;
  size_t trace_len = 0;
  FILE *trace_file = NULL;
  if (narrate)
    o.trace = trace_file = open_memstream(&trace_buf, &trace_len);
  sim_run *r = sim_run_new(w, &o, err);
  sim_outcome outcome = r ? sim_run_go(r, err) : SIM_ERROR;
  if (trace_file)
    fclose(trace_file);
  int status = CMD_FAILED;
  if (outcome != SIM_ERROR) {
    if (narrate)
      fwrite(trace_buf, 1, trace_len, stdout);
    GHashTable *extra = g_hash_table_new(g_str_hash, g_str_equal);
    if (narrate && trace)
      g_hash_table_insert(extra, "trace.log", trace_buf);
    if (sim_run_write(r, extra, c->quiet ? NULL : stdout, err))
      status = outcome == SIM_HANG ? EXIT_HANG : EXIT_OK;
    g_hash_table_destroy(extra);
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
