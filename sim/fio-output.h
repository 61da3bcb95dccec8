/* fio's outputs for a run (README, "fio's outputs"): the report
 * `fio --output-format=normal|json|json+` prints, and the logs of
 * write_lat_log, write_bw_log and write_iops_log in fio 3.33's formats,
 * so that fio's own tools read them.
 *
 * Fed only by the run's I/O observer (sim_run_add_io_observer) and each
 * device's block-layer observer (for disk_util), so it depends on nothing
 * the other reports compute.  Logs are streamed, as the run produces
 * them, into a staging directory beside the results; fio_output_commit()
 * moves them into the results directory once it is in place. */
#ifndef CFQSIM_FIO_OUTPUT_H
#define CFQSIM_FIO_OUTPUT_H

#include <glib.h>

#include "sim/run.h"
#include "sim/workload.h"

typedef enum {
  FIO_OUTPUT_NONE, /* cfqsim's own summary only */
  FIO_OUTPUT_NORMAL,
  FIO_OUTPUT_JSON,
  FIO_OUTPUT_JSON_PLUS
} fio_output_format;

/* What the command line asks for; a job file's own write_*_log= and
 * log_* options add to (and, for its jobs, override) these. */
typedef struct fio_output_request {
  fio_output_format format;
  /* NULL: no such log; "": named after the job (fio's option without a
   * value); else the log's base name. */
  char *lat_log, *bw_log, *iops_log;
  gint64 log_avg_msec; /* 0: one entry per I/O */
  gboolean log_offset;
} fio_output_request;

typedef struct fio_output fio_output;

/* Reads `format` as --output-format does: normal, json or json+. */
gboolean fio_output_parse_format(const char *text, fio_output_format *out,
                                 GError **err);

/* Whether `req`, or the job file `w` was read from, asks for anything. */
gboolean fio_output_wanted(const workload *w, const fio_output_request *req);

/* The outputs of a run of `w`; logs are staged in `staging` (an empty
 * directory the caller made and removes).  Errors in the job file's
 * output options are "file:line:col: ...". */
fio_output *fio_output_new(const workload *w, const fio_output_request *req,
                           const char *staging, GError **err);
/* Watch `r` (before sim_run_go). */
void fio_output_attach(fio_output *fo, sim_run *r);
/* After the run: flush the logs; the report text (NULL without a
 * format), newly allocated, in *text. */
gboolean fio_output_finish(fio_output *fo, sim_run *r, char **text,
                           GError **err);
/* The name the report goes by in the results: fio.json or fio.txt. */
const char *fio_output_report_name(const fio_output *fo);
/* Move the staged logs into `dir`, a run result cfqsim just wrote: its
 * marker names them first, then each is renamed in. */
gboolean fio_output_commit(fio_output *fo, const char *dir, GError **err);
/* Removes the staged logs (those not committed) and the staging dir. */
void fio_output_free(fio_output *fo);

/* fio's latency histogram: 64 buckets in each of 29 groups; values below
 * 128 ns have a bucket each, then each power of two is split in 64. */
#define FIO_OUTPUT_PLAT_BITS 6
#define FIO_OUTPUT_PLAT_VAL (1 << FIO_OUTPUT_PLAT_BITS)
#define FIO_OUTPUT_PLAT_GROUPS 29
#define FIO_OUTPUT_PLAT_NR (FIO_OUTPUT_PLAT_GROUPS * FIO_OUTPUT_PLAT_VAL)
guint fio_output_plat_index(guint64 ns);
/* The value fio reports for a bucket (the middle of its range). */
guint64 fio_output_plat_value(guint index);

GQuark fio_output_error_quark(void);
#define FIO_OUTPUT_ERROR (fio_output_error_quark())
enum { FIO_OUTPUT_ERROR_INVALID = 1, FIO_OUTPUT_ERROR_IO };

#endif
