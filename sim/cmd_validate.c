/* `cfqsim validate [EXPERIMENT|DIR]...`: every published measurement in
 * workloads/validation/ (or the files and directories given), run in
 * parallel and compared; the tables and a graph per experiment go to
 * results/validation/ (or -o DIR).  Exit status: 0 when every experiment
 * is within tolerance or a known gap, 1 when one is not, 2 bad input. */
#include <stdio.h>
#include <unistd.h>

#include "sim/cmd_validate.h"
#include "sim/commands.h"
#include "sim/validate.h"

#define DEFAULT_EXPERIMENTS "workloads/validation"

typedef struct validate_args {
  char *jobs_text;
  gboolean quick, no_plots;
  guint64 jobs;
} validate_args;

static int validate_all(const cmd_common *c, const validate_args *a,
                        GError **err) {
  char *defaults[] = {DEFAULT_EXPERIMENTS, NULL};
  GPtrArray *exps =
      validate_load_all(c->args && c->args[0] ? c->args : defaults, err);
  if (!exps)
    return CMD_FAILED;
  validate_options o = {
      .quick = a->quick, .jobs = (guint)a->jobs, .progress = isatty(2)};
  char *dir = cmd_output_dir(c, "validation");
  int status = CMD_FAILED;
  if (validate_run(exps, &o, err) &&
      validate_write(exps, dir, a->quick, !a->no_plots, err)) {
    for (guint i = 0; i < exps->len; i++) {
      const validate_exp *e = g_ptr_array_index(exps, i);
      if (!c->quiet)
        printf("%-28s %-9s %s\n", validate_exp_id(e),
               validate_status_name(validate_exp_status(e)),
               validate_exp_reason(e));
    }
    guint bad = validate_count(exps, VALIDATE_FAIL) +
                validate_count(exps, VALIDATE_ERROR);
    printf("%u experiments: %u pass, %u known gaps, %u fail, %u errors; "
           "tables in %s/\n",
           exps->len, validate_count(exps, VALIDATE_PASS),
           validate_count(exps, VALIDATE_GAP),
           validate_count(exps, VALIDATE_FAIL),
           validate_count(exps, VALIDATE_ERROR), dir);
    status = bad ? EXIT_HANG : EXIT_OK;
  }
  g_free(dir);
  g_ptr_array_unref(exps);
  return status;
}

int cmd_validate(int argc, char **argv) {
  cmd_common c = CMD_COMMON_INIT("validate");
  validate_args a = {0};
  GOptionEntry entries[] = {
      {"jobs", 'j', 0, G_OPTION_ARG_STRING, &a.jobs_text,
       "Run N simulations at once (default: one per processor)", "N"},
      {"quick", 0, 0, G_OPTION_ARG_NONE, &a.quick,
       "Short runs (each experiment's `quick:` overrides), as CTest does",
       NULL},
      {"no-plots", 0, 0, G_OPTION_ARG_NONE, &a.no_plots,
       "Write the tables only (no gnuplot)", NULL},
      cmd_opt_output(&c, "Where the tables and graphs go (default: "
                         "results/validation)"),
      cmd_opt_quiet(&c, "Print only the closing count"),
      cmd_opt_args(&c),
      CMD_OPT_END};
  GError *err = NULL;
  int status = CMD_FAILED;
  if (cmd_parse(&c, entries, "[EXPERIMENT.yaml|DIR]...",
                "Run the validation experiments (default: " DEFAULT_EXPERIMENTS
                "/) and compare cfqsim with the published measurements.\n"
                "Exit status: 0 every experiment within tolerance or a known "
                "gap, 1 some experiment outside tolerance (or a run failed), "
                "2 bad input.",
                argc, argv, &err) &&
      cmd_parse_jobs(a.jobs_text, &a.jobs, &err))
    status = validate_all(&c, &a, &err);
  g_free(a.jobs_text);
  return cmd_finish(&c, status, err);
}
