/* `cfqsim run WORKLOAD.yaml`: one simulation, its report and outputs. */
#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cmd_run.h"
#include "sim/commands.h"
#include "sim/fio-output.h"
#include "sim/outdir.h"
#include "sim/run.h"

/* fio's output options (README, "fio's outputs"): what to write besides
 * cfqsim's own results. */
typedef struct fio_opts {
  char *format;
  fio_output_request req;
  char *avg_text;
} fio_opts;

/* The options being parsed: GOption gives the main group's callbacks no
 * data of their own. */
static fio_opts *parsing;

/* --write_lat_log[=NAME]: without NAME the logs are named after the job. */
static gboolean log_opt(const char *name, const char *value, gpointer data,
                        GError **err) {
  (void)err;
  (void)data;
  fio_opts *f = parsing;
  /* --write-lat-log or fio's --write_lat_log */
  char **slot = g_str_has_prefix(name, "--write-lat") ||
                        g_str_has_prefix(name, "--write_lat")
                    ? &f->req.lat_log
                : g_str_has_prefix(name, "--write-bw") ||
                        g_str_has_prefix(name, "--write_bw")
                    ? &f->req.bw_log
                    : &f->req.iops_log;
  g_free(*slot);
  *slot = g_strdup(value ? value : "");
  return TRUE;
}

static void fio_opts_clear(fio_opts *f) {
  g_free(f->format);
  g_free(f->avg_text);
  g_free(f->req.lat_log);
  g_free(f->req.bw_log);
  g_free(f->req.iops_log);
}

/* The staging directory of the logs, beside the results: made only
 * where the results may go. */
static char *make_staging(const char *dir, GError **err) {
  g_autofree char *target = g_strdup(dir);
  gsize len = strlen(target);
  while (len > 1 && target[len - 1] == '/')
    target[--len] = '\0';
  g_autofree char *parent = g_path_get_dirname(target);
  if (!outdir_may_replace(target, OUTDIR_RUN, err))
    return NULL;
  if (g_mkdir_with_parents(parent, 0777) != 0) {
    g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno),
                "cannot create directory %s: %s", parent, g_strerror(errno));
    return NULL;
  }
  return outdir_make_tmp(target, ".fio-", err);
}

static int run_workload(const cmd_common *c, gboolean trace,
                        const fio_opts *fopts, const workload *w,
                        GError **err) {
  g_autofree char *dir = cmd_output_dir(c, w->name);
  fio_output *fo = NULL;
  g_autofree char *staging = NULL;
  if (fio_output_wanted(w, &fopts->req)) {
    if (!(staging = make_staging(dir, err)) ||
        !(fo = fio_output_new(w, &fopts->req, staging, err))) {
      if (staging)
        g_rmdir(staging);
      return CMD_FAILED;
    }
  }
  run_options o = RUN_OPTIONS_INIT;
  o.variant = c->variant;
  /* The results stream into DIR (by way of a temporary directory) while
   * the run goes; with --trace so do trace.log and the blktrace. */
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
  if (r && fo)
    fio_output_attach(fo, r);
  sim_outcome outcome = r ? sim_run_go(r, err) : SIM_ERROR;
  if (trace_file)
    fclose(trace_file);
  int status = CMD_FAILED;
  char *fio_text = NULL;
  if (outcome != SIM_ERROR &&
      (!fo || fio_output_finish(fo, r, &fio_text, err))) {
    if (narrate)
      fwrite(trace_buf, 1, trace_len, stdout);
    GHashTable *extra = g_hash_table_new(g_str_hash, g_str_equal);
    if (narrate && trace)
      g_hash_table_insert(extra, "trace.log", trace_buf);
    if (fio_text)
      g_hash_table_insert(extra, (gpointer)fio_output_report_name(fo),
                          fio_text);
    /* fio's report takes the summary's place on stdout */
    gboolean ok =
        sim_run_write(r, extra, c->quiet || fio_text ? NULL : stdout, err);
    if (ok && fo)
      ok = fio_output_commit(fo, dir, err);
    if (ok && fio_text && !c->quiet) {
      fputs(fio_text, stdout);
      fflush(stdout);
    }
    if (ok)
      status = outcome == SIM_HANG ? EXIT_HANG : EXIT_OK;
    g_hash_table_destroy(extra);
  }
  g_free(fio_text);
  free(trace_buf);
  sim_run_free(r);
  fio_output_free(fo);
  if (staging)
    g_rmdir(staging);
  return status;
}

int cmd_run(int argc, char **argv) {
  cmd_common c = CMD_COMMON_INIT("run");
  gboolean trace = FALSE;
  fio_opts f = {0};
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
      {"output-format", 0, 0, G_OPTION_ARG_STRING, &f.format,
       "Also write fio's report (fio.json or fio.txt) and print it in place "
       "of the summary: normal, json or json+",
       "FORMAT"},
      {"write-lat-log", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK,
       log_opt,
       "Write fio's latency logs NAME_lat.N.log, NAME_clat.N.log and "
       "NAME_slat.N.log (NAME: the job's, by default)",
       "NAME"},
      {"write-bw-log", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK,
       log_opt, "Write fio's bandwidth logs NAME_bw.N.log", "NAME"},
      {"write-iops-log", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK,
       log_opt, "Write fio's IOPS logs NAME_iops.N.log", "NAME"},
      {"log-avg-msec", 0, 0, G_OPTION_ARG_STRING, &f.avg_text,
       "Average fio's logs over windows of MSEC milliseconds", "MSEC"},
      {"log-offset", 0, 0, G_OPTION_ARG_NONE, &f.req.log_offset,
       "Put each I/O's offset in fio's logs", NULL},
      /* fio's own spellings */
      {"write_lat_log", 0, G_OPTION_FLAG_OPTIONAL_ARG | G_OPTION_FLAG_HIDDEN,
       G_OPTION_ARG_CALLBACK, log_opt, NULL, NULL},
      {"write_bw_log", 0, G_OPTION_FLAG_OPTIONAL_ARG | G_OPTION_FLAG_HIDDEN,
       G_OPTION_ARG_CALLBACK, log_opt, NULL, NULL},
      {"write_iops_log", 0, G_OPTION_FLAG_OPTIONAL_ARG | G_OPTION_FLAG_HIDDEN,
       G_OPTION_ARG_CALLBACK, log_opt, NULL, NULL},
      {"log_avg_msec", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING,
       &f.avg_text, NULL, NULL},
      {"log_offset", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE,
       &f.req.log_offset, NULL, NULL},
      cmd_opt_quiet(&c, "Do not print the summary"),
      cmd_opt_args(&c),
      CMD_OPT_END};
  GError *err = NULL;
  workload *w = NULL;
  int status = CMD_FAILED;
  gint64 avg = 0;
  parsing = &f;
  if (cmd_parse(&c, entries, "WORKLOAD.yaml",
                "Simulate one workload and write its results.", argc, argv,
                &err) &&
      (!f.format || fio_output_parse_format(f.format, &f.req.format, &err)) &&
      (!f.avg_text || cmd_parse_int("--log-avg-msec", f.avg_text, 0, G_MAXINT32,
                                    "0 to 2147483647", &avg, &err)) &&
      (w = cmd_load_workload(&c, &err))) {
    f.req.log_avg_msec = avg;
    status = run_workload(&c, trace, &f, w, &err);
  }
  fio_opts_clear(&f);
  workload_free(w);
  return cmd_finish(&c, status, err);
}
