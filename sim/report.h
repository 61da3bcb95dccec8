/* What a run writes: summary.txt (also on stdout unless quiet),
 * metrics.json, processes.csv, timeseries.csv,
 * fairness.csv, latencies.csv and kernel.log (always, maybe empty).
 * Files are written into a temporary directory beside `dir` and renamed
 * into place, so a failed run never leaves half-written output. */
#ifndef CFQSIM_REPORT_H
#define CFQSIM_REPORT_H

#include <glib.h>
#include <stdio.h>

#include "sim/core/engine.h"
#include "sim/metrics.h"
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
  char *hang_report; /* multi-line text, NULL unless a hang */
  char *kernel_log;  /* dmesg-style lines, NULL or "" when none */
  /* CFQ devices only (NULL otherwise): */
  int64_t *disk_time_ns; /* per process, then per flusher: its share
                                 of its queues' slices */
  char *slices_csv;      /* the slice timeline, for the Gantt chart */
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
char *report_processes_csv(const run_result *r);
char *report_timeseries_csv(const run_result *r);
/* fairness.csv: Jain's index per timeseries window over all processes
 * (empty where no I/O completed).  latencies.csv: every completed I/O's
 * latency per process (process,latency_ns), for latency CDFs.
 * metrics.json also carries pooled latency_ns and, under fairness, each
 * process's throughput share against its ideal share (see report.c). */
char *report_fairness_csv(const run_result *r);
char *report_latencies_csv(const run_result *r);

/* Write all of them (plus extra files: name -> contents, may be NULL) into
 * `dir` atomically, as a result of kind "run"; print the summary to `out`
 * unless it is NULL. */
gboolean report_write(const run_result *r, const char *dir,
                      GHashTable *extra_files, FILE *out, GError **err);

/* Append one CSV field, quoted (RFC 4180) when it needs to be. */
void report_csv_field(GString *s, const char *f);

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
gboolean report_write_bin(const run_result *r, const char *dir,
                          GHashTable *extra_files, GHashTable *binary_files,
                          FILE *out, GError **err);

#endif
