/* Parameter sweeps (README, "Sweeps"): a sweep file names a base workload,
 * a grid of `--set` overrides (cartesian product, plus `zip` groups that
 * advance together), a number of seed replicates and the metrics to
 * tabulate.  Points run in parallel on a thread pool; results.csv is
 * assembled in point order, so it does not depend on -j, and a sweep can be
 * split into shards (--shard K/N) whose results merge back byte for byte.
 *
 * Sweep file:
 *   base: ../seq-readers.yaml            # relative to the sweep file
 *   seed: 1                              # optional; default: the base's seed
 *   set: {duration: 1s}                  # optional; every point, no column
 *   grid: {devices.sda.scheduler.slice_idle: [0, 8ms],
 *          processes.reader.numjobs: [1, 2, 4]}
 *   zip: [{kernel.cic_link: [buggy, fixed], name: [b, f]}]
 *   replicates: 3                        # seeds seed .. seed+2
 *   metrics: [throughput_bps, jain, p99_latency_ns, processes.A.throughput_bps]
 *
 * Axes (grid keys and zip groups) take their file order, the first varying
 * slowest.  Errors are "file:line:col: message". */
#ifndef CFQSIM_SWEEP_H
#define CFQSIM_SWEEP_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct sweep sweep;

sweep *sweep_load(const char *path, GError **err);
void sweep_free(sweep *s);

/* The base workload's path, resolved against the sweep file's directory. */
const char *sweep_base(const sweep *s);
guint sweep_n_points(const sweep *s);
guint sweep_replicates(const sweep *s);
uint64_t sweep_seed(const sweep *s, guint replicate);
/* Swept parameters (dotted workload paths), in column order. */
guint sweep_n_params(const sweep *s);
const char *sweep_param(const sweep *s, guint i);
/* The value of parameter `param` at point `point` (as written). */
const char *sweep_value(const sweep *s, guint point, guint param);
/* NULL-terminated "path=value" strings for workload_load(): the `set:`
 * overrides, then the point's swept values. */
char **sweep_point_sets(const sweep *s, guint point);
/* Load every point's workload (of shard K of N when N > 0) without running
 * it.  The first invalid point's error is positioned at the sweep file's
 * value that makes it invalid (file:line:col: point P (path=value): the
 * workload's message) and says how many points are invalid. */
gboolean sweep_check(const sweep *s, guint shard_k, guint shard_n,
                     GError **err);
guint sweep_n_metrics(const sweep *s);
const char *sweep_metric(const sweep *s, guint i);

/* One metric out of a run's metrics.json text, as a CSV-ready string
 * (numbers locale-independent); "" if the run has no such value.
 * Short names: outcome, hung (count), seed, sim_time_ns, events, jain,
 * throughput_bps, iops (summed over devices), mean/p50/p95/p99/max_latency_ns
 * (pooled over processes); anything else is a dotted path into metrics.json
 * where list items are addressed by name (processes.A.throughput_bps,
 * devices.sda.utilisation); `X_latency_ns` also finds latency_ns.X. */
char *sweep_metric_value(const char *metric, const char *metrics_json);

typedef struct sweep_options {
  const char *out_dir;    /* the sweep directory */
  guint jobs;             /* threads; 0: one per processor; never more
                              than there are runs */
  guint shard_k, shard_n; /* 1-based shard K of N; N = 0: all points */
  bool collect;           /* do not run: read DIR/points/ written by --list */
  bool progress;          /* "points done/total" line on stderr */
} sweep_options;

/* Run (or collect) the points and write DIR/results.csv; a shard also
 * writes DIR/shard.txt so that sweep_merge() can check completeness.
 * DIR must be missing, empty or a previous sweep (sim/outdir.h).  Every
 * point is checked (sweep_check) before the first runs.  A run that still
 * fails does not stop the others: results.csv gets an `error` column (only
 * then, so that a sweep without failures keeps its bytes) with the reason
 * in that run's row and empty metrics, and sweep_run returns FALSE with a
 * SWEEP_ERROR_RUN error after writing it. */
gboolean sweep_run(const sweep *s, const sweep_options *o, GError **err);
/* The number of threads sweep_run uses for `runs` runs. */
guint sweep_threads(const sweep_options *o, guint runs);
#define SWEEP_ERROR_COLUMN "error"
/* One self-contained `cfqsim run` command line per point and replicate (of
 * the shard when shard_n > 0), each ending in a newline. */
char *sweep_list(const sweep *s, const char *program, const char *out_dir,
                 guint shard_k, guint shard_n);
/* Merge the results of shard directories into OUT/results.csv; fails
 * unless the shards cover every point of one sweep exactly once.  OUT obeys
 * sweep_run's rule.  Shards with failed runs give the merge an `error`
 * column; it is then written, and SWEEP_ERROR_RUN returned. */
gboolean sweep_merge(char **dirs, const char *out_dir, GError **err);

/* The directory name of one point's run: "<point>-<seed>". */
char *sweep_point_dir(guint point, uint64_t seed);

GQuark sweep_error_quark(void);
#define SWEEP_ERROR (sweep_error_quark())
enum {
  SWEEP_ERROR_PARSE = 1,
  SWEEP_ERROR_INVALID,
  SWEEP_ERROR_IO,
  SWEEP_ERROR_RUN
};

#endif
