/* One simulation run: builds engine, devices, block layers, elevators,
 * io_contexts and processes from a workload, runs it, and collects the
 * result.  Used by `cfqsim run`, `compare`, `explore`, `sweep` and tests. */
#ifndef CFQSIM_RUN_H
#define CFQSIM_RUN_H

#include <glib.h>
#include <stdio.h>

#include "sim/core/engine.h"
#include "sim/core/fingerprint.h"
#include "sim/report.h"
#include "sim/workload.h"

typedef struct sim_run sim_run;

typedef struct run_options {
  int variant; /* -1: the workload's kernel.cic_link */
  bool has_seed;
  uint64_t seed;
  FILE *trace;                  /* trace.log lines, NULL: off */
  const sim_policy_ops *policy; /* NULL: the workload's interleaving */
  void *policy_ctx;
  bool random_interleaving; /* the `random` policy, seeded by the run seed */
  /* A run result directory to write while the run goes (NULL: none):
   * timeseries.csv, fairness.csv, latencies.csv and slices.csv are
   * streamed into it, and
   * with out_trace trace.log (unless `trace` is given: the caller writes
   * it) and every device's <dev>.blktrace.0.  The directory is checked
   * when the run is made, the files go to a temporary directory beside
   * it, and only sim_run_write puts the result in place. */
  const char *out_dir;
  bool out_trace;
  /* Measure nothing (exploration, which reports no run): the result's
   * metrics are NULL.  Ignored with out_dir. */
  bool no_metrics;
  /* Keep no kernel log (the result's is empty): nothing formats what the
   * kernel prints (exploration, whose buggy runs print on every failed
   * link). */
  bool no_kernel_log;
} run_options;

#define RUN_OPTIONS_INIT \
  { .variant = -1 }

/* The engine time limit of a run of `w`: its duration, or without one
 * where the timeseries would outgrow WORKLOAD_MAX_TIMESERIES_CELLS (the
 * run then fails, saying so); < 0: none. */
sim_time sim_run_limit(const workload *w);

sim_run *sim_run_new(const workload *w, const run_options *o, GError **err);

/* One I/O as its process saw it (what fio accounts): a direct I/O, or a
 * read, write or fsync call of a buffered process. */
typedef enum { RUN_IO_READ, RUN_IO_WRITE, RUN_IO_SYNC } run_io_dir;
typedef struct run_io {
  guint process; /* index into the workload's processes */
  run_io_dir dir;
  sim_time issued, done;
  uint64_t bytes;
  int64_t offset; /* bytes from the device's start; -1: not known */
} run_io;
typedef void (*run_io_fn)(void *ctx, const run_io *io);
/* Adds an observer of every process's I/Os (before sim_run_go); it only
 * watches.  Observers are called in the order they were added. */
void sim_run_add_io_observer(sim_run *r, run_io_fn fn, void *ctx);
sim_outcome sim_run_go(sim_run *r, GError **err);
/* Valid after sim_run_go; owned by the run. */
const run_result *sim_run_result(sim_run *r);
sim_engine *sim_run_engine(sim_run *r);
struct request_queue *sim_run_queue(sim_run *r, guint device);
/* With out_dir, after sim_run_go: the rest of the result (summary.txt,
 * metrics.json, processes.csv, kernel.log and
 * `extra_files`, name -> text) and the result moved into place; the
 * summary printed to `out` unless NULL. */
gboolean sim_run_write(sim_run *r, GHashTable *extra_files, FILE *out,
                       GError **err);
/* The device's blktrace records (new reference), NULL unless the run was
 * traced (run_options.trace); empty when they were streamed (out_trace). */
GBytes *sim_run_blktrace(sim_run *r, guint device);
/* Everything that can change the future of the run (exploration). */
void sim_run_fingerprint(sim_run *r, fingerprint *fp);
void sim_run_free(sim_run *r);
/* Back to the state sim_run_new returned, with `policy` installed, in the
 * run's own memory (exploration re-runs from the start many times).  Only
 * a run not yet gone (sim_run_go) that writes nothing (no out_dir, no
 * trace, no observers), has no page cache and was given a policy can be
 * reset: FALSE without *err otherwise (free it and make a new one).
 * FALSE with *err if a device could not be made: free it. */
gboolean sim_run_reset(sim_run *r, const sim_policy_ops *policy,
                       void *policy_ctx, GError **err);

#endif
