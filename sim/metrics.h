/* Statistics of one run, fed by observers (completion callbacks); they never
 * steer the simulation.
 *
 * Two views.  The application view is per process: what its I/O calls
 * moved and how long each took (a direct job's I/O is one read or write
 * of bs, however many bios it took, from its submission to the end of its
 * last bio; a buffered job's is a read() or write() call, cache hits and
 * throttling included; fsync calls are counted apart).  The device view
 * is per submitter, the processes and then the flushers: the bios each
 * handed the block layer and their latency; the devices' totals are the
 * sums of the device view.  For a direct job the two views are one. */
#ifndef CFQSIM_METRICS_H
#define CFQSIM_METRICS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/core/engine.h"

typedef struct metrics metrics;

typedef struct latency_summary {
  double mean;
  int64_t p50, p95, p99, max; /* ns */
} latency_summary;

/* Latencies in a log-linear histogram of fixed resolution (GSL): its
 * memory depends on how widely the values spread, not on how many there
 * are.  A percentile is within METRICS_HIST_RELATIVE_ERROR of the exact
 * one (GSL's quantile of the sorted values: linear between the two around
 * rank p*(n-1)); the mean and the maximum are exact. */
#define METRICS_HIST_RELATIVE_ERROR (1.0 / 128)
typedef struct metrics_hist metrics_hist;
metrics_hist *metrics_hist_new(void);
void metrics_hist_free(metrics_hist *h);
void metrics_hist_add(metrics_hist *h, int64_t ns);
/* Adds every value of `src` to `dst` (pooling). */
void metrics_hist_merge(metrics_hist *dst, const metrics_hist *src);
uint64_t metrics_hist_count(const metrics_hist *h);
/* Mean and percentiles (all 0 without values). */
latency_summary metrics_hist_summary(const metrics_hist *h);
/* The p-quantile, 0 <= p <= 1 (0 without values). */
int64_t metrics_hist_quantile(const metrics_hist *h, double p);
/* The memory its buckets take. */
gsize metrics_hist_bytes(const metrics_hist *h);

/* `window` is the timeseries window in ns. */
metrics *metrics_new(guint n_procs, guint n_devices, sim_time window);
void metrics_free(metrics *m);
/* Submitters of the device view beyond the processes (the flushers, as
 * numbers n_procs, n_procs + 1, ...). */
void metrics_add_submitters(metrics *m, guint n);
guint metrics_n_submitters(const metrics *m);

/* A direct job's bio ended: both views. */
void metrics_io_done(metrics *m, guint proc, guint device, sim_time submitted,
                     sim_time completed, uint64_t bytes);
/* A buffered job's call ended (application view only). */
typedef enum {
  METRICS_CALL_READ,
  METRICS_CALL_WRITE,
  METRICS_CALL_FSYNC
} metrics_call;
void metrics_call_done(metrics *m, guint proc, metrics_call op, sim_time start,
                       sim_time end, uint64_t bytes, bool cache_hit);
/* A bio submitted for the page cache ended (device view only). */
void metrics_bio_done(metrics *m, guint submitter, guint device,
                      sim_time submitted, sim_time completed, uint64_t bytes);
/* Set once at the end of the run. */
void metrics_set_device_busy(metrics *m, guint device, sim_time busy);
/* Commands the device completed (requests, flushes included): an
 * application I/O larger than max_sectors_kb is several, I/Os merged into
 * one request share one.  Set once at the end of the run. */
void metrics_set_device_commands(metrics *m, guint device, uint64_t n);

/* Application view. */
uint64_t metrics_proc_bytes(const metrics *m, guint proc);
uint64_t metrics_proc_ios(const metrics *m, guint proc);
latency_summary metrics_proc_latency(const metrics *m, guint proc);
uint64_t metrics_proc_read_bytes(const metrics *m, guint proc);
uint64_t metrics_proc_write_bytes(const metrics *m, guint proc);
/* read() calls, and those served from the cache without waiting for the
 * device */
uint64_t metrics_proc_reads(const metrics *m, guint proc);
uint64_t metrics_proc_cache_hits(const metrics *m, guint proc);
uint64_t metrics_proc_fsyncs(const metrics *m, guint proc);
latency_summary metrics_proc_fsync_latency(const metrics *m, guint proc);
/* Device view of a submitter. */
uint64_t metrics_submitter_bytes(const metrics *m, guint submitter);
uint64_t metrics_submitter_ios(const metrics *m, guint submitter);
latency_summary metrics_submitter_latency(const metrics *m, guint submitter);
uint64_t metrics_device_bytes(const metrics *m, guint device);
uint64_t metrics_device_ios(const metrics *m,
                            guint device); /* application I/Os */
uint64_t metrics_device_commands(const metrics *m, guint device);
sim_time metrics_device_busy(const metrics *m, guint device);
/* A process's application-view latencies. */
const metrics_hist *metrics_proc_hist(const metrics *m, guint proc);
/* Every application I/O's latency as it completes (latencies.csv), in
 * completion order; none is kept. */
typedef void (*metrics_latency_fn)(void *ctx, guint proc, int64_t ns);
void metrics_set_latency_sink(metrics *m, metrics_latency_fn fn, void *ctx);
/* The memory the statistics hold: it depends on the numbers of processes,
 * devices and histogram buckets, not on the length of the run. */
gsize metrics_bytes_held(const metrics *m);
/* Jain's fairness index over the processes' throughputs (1.0 if < 2). */
double metrics_jain(const metrics *m);

/* Timeseries: windows [k*window, (k+1)*window); an I/O counts in the
 * window where it completed.  Completions come in time order, so only the
 * open window is held: when a completion lands past it, or at
 * metrics_finish, it closes, the sink (if any) sees it, and it is gone.
 * Windows close in order, empty ones too, so that a row exists for every
 * window up to the end of the run. */
typedef void (*metrics_window_fn)(void *ctx, const metrics *m, guint k);
void metrics_set_window_sink(metrics *m, metrics_window_fn fn, void *ctx);
/* The end of the run at `end`: closes every window up to the last
 * completion's and up to `end` (the empty windows after a hang are the
 * point of the plot).  No completion may come after. */
void metrics_finish(metrics *m, sim_time end);
sim_time metrics_window(const metrics *m);
/* Windows closed so far (all of them after metrics_finish). */
guint metrics_n_windows(const metrics *m);
/* Of window k while it closes (in the sink). */
uint64_t metrics_window_bytes(const metrics *m, guint proc, guint k);
double metrics_window_mean_latency(const metrics *m, guint proc,
                                   guint k); /* ns, 0 if none */
/* While a window closes (in the sink): the first process from `from` on
 * with a completion in it, n_procs if none (the others' rows are zeros). */
guint metrics_window_next_active(const metrics *m, guint from);
/* Jain's index of window k over all processes while it closes (1 with
 * fewer than two processes), < 0 if no I/O completed in it. */
double metrics_window_jain(const metrics *m, guint k);
/* Mean and minimum of that index over the closed windows where some I/O
 * completed (1 if none). */
double metrics_window_jain_mean(const metrics *m);
double metrics_window_jain_min(const metrics *m);

#endif
