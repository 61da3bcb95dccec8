/* What a run writes: summary.txt (also on stdout unless quiet),
 * metrics.json, processes.csv, timeseries.csv, fairness.csv, latencies.csv
 * and kernel.log (always, maybe empty), slices.csv on CFQ devices.
 * timeseries.csv, fairness.csv and latencies.csv are streamed while the
 * run goes (report_series), slices.csv too (sim/run.c); the others are
 * written at its end.  Files
 * are written into a temporary directory beside `dir` and renamed into
 * place, so a failed run never leaves half-written output. */
#ifndef CFQSIM_REPORT_H
#define CFQSIM_REPORT_H

#include <glib.h>
#include <stdio.h>

#include "sim/core/engine.h"
#include "sim/metrics.h"
#include "sim/outdir.h"
#include "sim/workload.h"

typedef enum { PROC_DONE, PROC_HUNG, PROC_RUNNING } proc_final_state;

typedef struct run_result {
  const workload *w;
  const char *variant; /* "buggy" | "fixed" */
  uint64_t seed;       /* the one the run used (--seed or the workload's) */
  sim_outcome outcome;
  sim_time sim_time; /* virtual time at the end */
  uint64_t events;
  const metrics *m;
  proc_final_state *proc_state; /* one per w->processes */
  /* Per process: how long its oldest I/O still unfinished at the end had
   * waited by then (ns, 0 if none): a lower bound on that I/O's latency. */
  int64_t *unfinished_wait_ns;
  char *hang_report;        /* multi-line text, NULL unless a hang */
  char *kernel_log;         /* dmesg-style lines, NULL or "" when none */
  uint64_t kernel_log_more; /* lines in kernel.log beyond those above */
  /* CFQ devices only (NULL otherwise): */
  int64_t *disk_time_ns; /* per process, then per flusher: its share
                                 of its queues' slices */
  /* With a page cache (some process buffered) the reports keep two views
   * apart: the application's (its calls) and the device's (the bios each
   * task submitted), flushers included.  Without one they are the same
   * and the reports show one. */
  bool page_cache;
  guint n_flushers;
  char **flusher_names; /* "flush-8:0", ... */
  int *flusher_device;
  proc_final_state *flusher_state;
} run_result;

/* The summary a person reads first. */
char *report_summary(const run_result *r);
/* metrics.json as a string (json-glib, pretty-printed, stable key order). */
char *report_metrics_json(const run_result *r);
/* The same written to `f` as it is generated, never whole in memory;
 * FALSE if `f` has an error. */
gboolean report_metrics_json_to(const run_result *r, FILE *f);
char *report_processes_csv(const run_result *r);
/* metrics.json also carries pooled latency_ns, the percentiles' relative
 * error (latency_histogram) and, under fairness, each process's throughput
 * share against its ideal share (see report.c). */

/* timeseries.csv (per window and process: bytes, mean latency),
 * fairness.csv (Jain's index per window over all processes, empty where
 * no I/O completed) and latencies.csv (every completed I/O's latency,
 * process,latency_ns, in completion order, for latency CDFs), written to
 * the streams (any may be NULL) as the run goes: the headers at once, a
 * window's rows when it closes (metrics_set_window_sink), a latency when
 * its I/O completes (metrics_set_latency_sink; rows are held in chunks:
 * report_series_flush writes what is held, before the streams close).
 * Free after the run. */
typedef struct report_series report_series;
report_series *report_series_new(const workload *w, metrics *m,
                                 FILE *timeseries, FILE *fairness,
                                 FILE *latencies);
void report_series_flush(report_series *s);
void report_series_free(report_series *s);

/* The files written at the end of a run (summary.txt, metrics.json,
 * processes.csv, kernel.log, and extra files: name ->
 * contents, may be NULL) into the staged result `st`, which is then
 * committed; print the summary to `out` unless it is NULL. */
gboolean report_finish(const run_result *r, outdir_stage *st,
                       GHashTable *extra_files, FILE *out, GError **err);
/* The same into `dir`, as a result of kind "run", for a run that
 * streamed nothing (the streamed files are then absent). */
gboolean report_write(const run_result *r, const char *dir,
                      GHashTable *extra_files, FILE *out, GError **err);

/* Append one CSV field, quoted (RFC 4180) when it needs to be. */
void report_csv_field(GString *s, const char *f);

/* The decimal text of `v` (as printf's %" G_GINT64_FORMAT " / %"
 * G_GUINT64_FORMAT " would give it), written so that it ends just before
 * `end`; returns where it starts.  At least REPORT_INT_CHARS bytes before
 * `end` must be writable.  CSV rows counted in millions are put together
 * with these: through printf they dominated the report. */
#define REPORT_INT_CHARS 20
char *report_format_int64(char *end, int64_t v);
char *report_format_uint64(char *end, uint64_t v);

/* Atomic directory write used by every command that writes results:
 * files (name -> contents) and the .cfqsim marker of `kind` (sim/outdir.h)
 * go into DIR.tmp-XXXXXX, which then replaces DIR.  DIR is replaced only
 * if it is missing, empty or a previous result of that kind; otherwise
 * nothing is written and the OUTDIR_ERROR says why. */
gboolean report_write_dir(const char *dir, const char *kind, GHashTable *files,
                          GError **err);

/* The same with binary files too: `binary_files` (may be NULL) maps names
 * to GBytes *, written with their length.  A name may appear only once
 * across both tables. */
gboolean report_write_dir_bin(const char *dir, const char *kind,
                              GHashTable *files, GHashTable *binary_files,
                              GError **err);

#endif
