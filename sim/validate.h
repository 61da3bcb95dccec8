/* Validation against published measurements.
 *
 * An experiment is a workload file whose `reference:` block (ignored by the
 * simulation) says what was measured where, and which cfqsim metric stands
 * for each published figure:
 *
 *   reference:
 *     source: {author: ..., venue: LKML, date: 2009-09-03, url: ...}
 *     kernel: 2.6.31
 *     hardware: a rotating disk
 *     mode: shape            # ratios to each series' first point; or absolute
 *     tolerance: 15%
 *     known_gap: why cfqsim is expected to miss   # optional
 *     needs:                 # optional: features this build may not have
 *       - {feature: page cache, why: ..., set: {processes.r.buffered: 1}}
 *     x: devices.sda.scheduler.low_latency       # optional swept path
 *     quick: {duration: 3s}  # overrides for --quick
 *     series:
 *       - name: throughput
 *         metric: throughput_bps
 *         unit: KiB/s
 *         stand_in: {...}    # optional: used while a need is missing
 *         points: [{x: false, published: 28093}, {x: true, published: 24393}]
 *
 * Every point is one run of the workload with --set overrides (the needs'
 * or the stand-in's, the series', x, the point's, then quick's); points
 * with the same overrides share a run.  Runs go on a thread pool; results
 * are kept by index, so the tables do not depend on -j.
 *
 * A need is missing when the parser refuses its overrides with "unknown
 * key": the experiment then runs with its series' stand-ins (or as it is)
 * and is reported as a gap, whatever its figures.  An experiment with a
 * known_gap is a gap when outside tolerance, a pass otherwise.  Anything
 * else outside tolerance fails. */
#ifndef CFQSIM_VALIDATE_H
#define CFQSIM_VALIDATE_H

#include <glib.h>
#include <stdbool.h>

typedef enum {
  VALIDATE_PASS,
  VALIDATE_GAP,   /* a missing need, or a known gap outside tolerance */
  VALIDATE_FAIL,  /* outside tolerance, no known gap */
  VALIDATE_ERROR, /* a run failed */
} validate_status;

const char *validate_status_name(validate_status s);

typedef struct validate_exp validate_exp;

/* One experiment file; errors are "file:line:col: message" (the workload
 * itself is checked with every point's overrides by validate_prepare). */
validate_exp *validate_load(const char *path, GError **err);
void validate_exp_free(validate_exp *e);
const char *validate_exp_id(const validate_exp *e);

/* Experiment files: each argument is a file, or a directory whose *.yaml
 * are taken in name order.  NULL-terminated `args`. */
GPtrArray *validate_load_all(char **args, GError **err);

typedef struct validate_options {
  bool quick;    /* apply each experiment's `quick:` overrides */
  guint jobs;    /* threads; 0: one per processor */
  bool progress; /* "runs done/total" on stderr */
} validate_options;

/* Run every experiment (validate_exp *) and judge it.  FALSE only for
 * input errors (an invalid point workload); a run that fails marks its
 * experiment VALIDATE_ERROR. */
gboolean validate_run(GPtrArray *exps, const validate_options *o, GError **err);

validate_status validate_exp_status(const validate_exp *e);
/* Why the status is what it is ("" for a plain pass). */
const char *validate_exp_reason(const validate_exp *e);

/* The tables: a summary per experiment and a row per point. */
char *validate_table_md(GPtrArray *exps, bool quick);
char *validate_table_csv(GPtrArray *exps);
/* One experiment's points for scripts/validation.gp: a block per series
 * of "xpos published published_low published_high cfqsim label" (shape
 * mode: both normalised to the series' first point); `vars` gets the
 * gnuplot variables (names, categorical, ylabel, title). */
char *validate_plot_data(const validate_exp *e, char **vars);

/* The number of experiments with each status. */
guint validate_count(GPtrArray *exps, validate_status s);

/* Write validation.md, validation.csv and, with `plots`, plots/<id>.png
 * (gnuplot, scripts/validation.gp) into `dir`, replacing a previous
 * validation result only (sim/outdir.h). */
gboolean validate_write(GPtrArray *exps, const char *dir, bool quick,
                        bool plots, GError **err);

#define OUTDIR_VALIDATE "validate"

GQuark validate_error_quark(void);
#define VALIDATE_ERROR_DOMAIN (validate_error_quark())
enum { VALIDATE_ERROR_PARSE = 1, VALIDATE_ERROR_INVALID, VALIDATE_ERROR_IO };

#endif
