/* Statistics of one run, fed by observers (completion callbacks); they never
 * steer the simulation.  An "I/O" is an application I/O (one read or write
 * of a job, however many bios it took); latency = its submission -> the end
 * of its last bio, per process. */
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

/* `window` is the timeseries window in ns. */
metrics *metrics_new(guint n_procs, guint n_devices, sim_time window);
void metrics_free(metrics *m);

void metrics_io_done(metrics *m, guint proc, guint device, sim_time submitted,
                     sim_time completed, uint64_t bytes);
/* Set once at the end of the run. */
void metrics_set_device_busy(metrics *m, guint device, sim_time busy);
/* Commands the device completed (requests, flushes included): an
 * application I/O larger than max_sectors_kb is several, I/Os merged into
 * one request share one.  Set once at the end of the run. */
void metrics_set_device_commands(metrics *m, guint device, uint64_t n);

uint64_t metrics_proc_bytes(const metrics *m, guint proc);
uint64_t metrics_proc_ios(const metrics *m, guint proc);
latency_summary metrics_proc_latency(const metrics *m, guint proc);
uint64_t metrics_device_bytes(const metrics *m, guint device);
uint64_t metrics_device_ios(const metrics *m, guint device); /* application I/Os */
uint64_t metrics_device_commands(const metrics *m, guint device);
sim_time metrics_device_busy(const metrics *m, guint device);
/* Every completed I/O's latency (ns), in completion order. */
const int64_t *metrics_proc_samples(const metrics *m, guint proc, guint *n);
/* Mean and percentiles of any latency sample (n may be 0). */
latency_summary metrics_latency_summarize(const int64_t *v, guint n);
/* Jain's fairness index over the processes' throughputs (1.0 if < 2). */
double metrics_jain(const metrics *m);

/* Timeseries: windows [k*window, (k+1)*window); an I/O counts in the
 * window where it completed. */
sim_time metrics_window(const metrics *m);
guint metrics_n_windows(const metrics *m);
uint64_t metrics_window_bytes(const metrics *m, guint proc, guint k);
double metrics_window_mean_latency(const metrics *m, guint proc, guint k); /* ns, 0 if none */

#endif
