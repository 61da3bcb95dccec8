/* The table of subcommands. */
#include "sim/commands.h"

#include <stddef.h>
#include <stdio.h>

#include "sim/workload.h"

void cmd_report_error(const char *command, const GError *err) {
  if (err && err->domain == WORKLOAD_ERROR)
    fprintf(stderr, "%s\n", err->message);
  else
    fprintf(stderr, "cfqsim %s: %s\n", command, err ? err->message : "failed");
}

const command commands[] = {
    {"run", cmd_run, "simulate a workload"},
    {"compare", cmd_compare, "buggy and fixed kernels side by side"},
    {"explore", cmd_explore, "every interleaving: hanging schedules per kernel"},
    {"sweep", cmd_sweep, "run a parameter grid"},
    {"plot", cmd_plot, "draw the graphs of a run or sweep directory"},
    {NULL, NULL, NULL},
};
