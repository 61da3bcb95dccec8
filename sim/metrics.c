/* Run statistics.  Observers feed completions in; nothing here steers the
 * simulation.  Percentiles and means come from GSL over a sorted copy of
 * the per-process latency samples. */
#include "sim/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

typedef struct proc_stats {
  uint64_t bytes;
  uint64_t ios;
  GArray *lat; /* int64_t ns, one per completed I/O, in completion order */
  uint64_t read_bytes, write_bytes, reads, cache_hits, fsyncs;
  GArray *fsync_lat;
} proc_stats;

/* The device view of one submitter. */
typedef struct submitter_stats {
  uint64_t bytes;
  uint64_t ios;
  GArray *lat;
} submitter_stats;

typedef struct dev_stats {
  uint64_t bytes;
  uint64_t ios;
  uint64_t commands;
  sim_time busy;
} dev_stats;

/* One cell of the timeseries: one process in the open window. */
typedef struct win_cell {
  uint64_t bytes;
  int64_t lat_sum;
  uint64_t lat_count;
} win_cell;

struct metrics {
  guint n_procs, n_devices;
  sim_time window;
  proc_stats *procs;
  dev_stats *devs;
  GArray *subs; /* submitter_stats: the processes, then the flushers */
  /* Only the open window is held: completions come in time order, so a
   * window is final once one lands past it, and it is handed to the sink
   * and forgotten. */
  win_cell *cells; /* n_procs, of window `open` */
  guint open;      /* the first window not yet closed */
  guint n_seen;    /* windows up to the last completion's */
  bool finished;
  double jain_sum, jain_min;
  guint jain_windows; /* windows where some I/O completed */
  metrics_window_fn sink;
  void *sink_ctx;
};

metrics *metrics_new(guint n_procs, guint n_devices, sim_time window) {
  g_return_val_if_fail(window > 0, NULL);
  metrics *m = g_new0(metrics, 1);
  m->n_procs = n_procs;
  m->n_devices = n_devices;
  m->window = window;
  m->procs = g_new0(proc_stats, n_procs);
  for (guint i = 0; i < n_procs; i++) {
    m->procs[i].lat = g_array_new(FALSE, FALSE, sizeof(int64_t));
    m->procs[i].fsync_lat = g_array_new(FALSE, FALSE, sizeof(int64_t));
  }
  m->subs = g_array_new(FALSE, TRUE, sizeof(submitter_stats));
  metrics_add_submitters(m, n_procs);
  m->devs = g_new0(dev_stats, n_devices);
  m->cells = g_new0(win_cell, MAX(n_procs, 1));
  m->jain_min = 1.0;
  return m;
}

void metrics_free(metrics *m) {
  if (!m)
    return;
  for (guint i = 0; i < m->n_procs; i++) {
    g_array_unref(m->procs[i].lat);
    g_array_unref(m->procs[i].fsync_lat);
  }
  for (guint i = 0; i < m->subs->len; i++)
    g_array_unref(g_array_index(m->subs, submitter_stats, i).lat);
  g_array_unref(m->subs);
  g_free(m->procs);
  g_free(m->devs);
  g_free(m->cells);
  g_free(m);
}

void metrics_set_window_sink(metrics *m, metrics_window_fn fn, void *ctx) {
  g_return_if_fail(m != NULL);
  m->sink = fn;
  m->sink_ctx = ctx;
}

/* Jain's index of the open window over all processes; < 0 when nothing
 * moved. */
static double open_window_jain(const metrics *m) {
  double sum = 0, sq = 0;
  for (guint i = 0; i < m->n_procs; i++) {
    double x = (double)m->cells[i].bytes;
    sum += x;
    sq += x * x;
  }
  if (m->n_procs < 2)
    return 1.0;
  return sq > 0 ? sum * sum / ((double)m->n_procs * sq) : -1.0;
}

double metrics_window_jain(const metrics *m, guint k) {
  g_return_val_if_fail(m != NULL && k == m->open, -1.0);
  return open_window_jain(m);
}

/* Closes windows until `until` is the open one. */
static void close_windows(metrics *m, guint until) {
  while (m->open < until) {
    double j = open_window_jain(m);
    if (j >= 0) {
      m->jain_sum += j;
      m->jain_min = MIN(m->jain_min, j);
      m->jain_windows++;
    }
    if (m->sink)
      m->sink(m->sink_ctx, m, m->open);
    memset(m->cells, 0, sizeof *m->cells * m->n_procs);
    m->open++;
  }
}

void metrics_finish(metrics *m, sim_time end) {
  g_return_if_fail(m != NULL && !m->finished);
  guint n = m->n_seen;
  if (end > 0) {
    sim_time span = (end + m->window - 1) / m->window;
    if (span > (sim_time)n)
      n = (guint)span;
  }
  close_windows(m, n);
  m->finished = true;
}

void metrics_add_submitters(metrics *m, guint n) {
  g_return_if_fail(m != NULL);
  for (guint i = 0; i < n; i++) {
    submitter_stats s = {0, 0, g_array_new(FALSE, FALSE, sizeof(int64_t))};
    g_array_append_val(m->subs, s);
  }
}

guint metrics_n_submitters(const metrics *m) { return m->subs->len; }

static void app_done(metrics *m, guint proc, sim_time submitted,
                     sim_time completed, uint64_t bytes);

static void device_done(metrics *m, guint submitter, guint device,
                        sim_time submitted, sim_time completed,
                        uint64_t bytes) {
  int64_t lat = completed - submitted;
  submitter_stats *s = &g_array_index(m->subs, submitter_stats, submitter);
  s->bytes += bytes;
  s->ios++;
  g_array_append_val(s->lat, lat);
  m->devs[device].bytes += bytes;
  m->devs[device].ios++;
}

void metrics_io_done(metrics *m, guint proc, guint device, sim_time submitted,
                     sim_time completed, uint64_t bytes) {
  g_return_if_fail(m != NULL);
  g_return_if_fail(proc < m->n_procs);
  g_return_if_fail(device < m->n_devices);
  g_return_if_fail(completed >= submitted && submitted >= 0);
  device_done(m, proc, device, submitted, completed, bytes);
  app_done(m, proc, submitted, completed, bytes);
}

void metrics_bio_done(metrics *m, guint submitter, guint device,
                      sim_time submitted, sim_time completed, uint64_t bytes) {
  g_return_if_fail(m != NULL);
  g_return_if_fail(submitter < m->subs->len);
  g_return_if_fail(device < m->n_devices);
  g_return_if_fail(completed >= submitted && submitted >= 0);
  device_done(m, submitter, device, submitted, completed, bytes);
}

void metrics_call_done(metrics *m, guint proc, metrics_call op, sim_time start,
                       sim_time end, uint64_t bytes, bool cache_hit) {
  g_return_if_fail(m != NULL);
  g_return_if_fail(proc < m->n_procs);
  g_return_if_fail(end >= start && start >= 0);
  proc_stats *p = &m->procs[proc];
  if (op == METRICS_CALL_FSYNC) {
    int64_t lat = end - start;
    p->fsyncs++;
    g_array_append_val(p->fsync_lat, lat);
    return;
  }
  if (op == METRICS_CALL_READ) {
    p->read_bytes += bytes;
    p->reads++;
    p->cache_hits += cache_hit;
  } else {
    p->write_bytes += bytes;
  }
  app_done(m, proc, start, end, bytes);
}

static void app_done(metrics *m, guint proc, sim_time submitted,
                     sim_time completed, uint64_t bytes) {
  int64_t lat = completed - submitted;
  proc_stats *p = &m->procs[proc];
  p->bytes += bytes;
  p->ios++;
  g_array_append_val(p->lat, lat);

  /* An I/O belongs to the window in which it completed. */
  guint k = (guint)(completed / m->window);
  g_return_if_fail(k >= m->open && !m->finished);
  m->n_seen = MAX(m->n_seen, k + 1);
  close_windows(m, k);
  win_cell *c = &m->cells[proc];
  c->bytes += bytes;
  c->lat_sum += lat;
  c->lat_count++;
}

void metrics_set_device_busy(metrics *m, guint device, sim_time busy) {
  g_return_if_fail(m != NULL && device < m->n_devices);
  m->devs[device].busy = busy;
}

void metrics_set_device_commands(metrics *m, guint device, uint64_t n) {
  g_return_if_fail(m != NULL && device < m->n_devices);
  m->devs[device].commands = n;
}

uint64_t metrics_device_commands(const metrics *m, guint device) {
  g_return_val_if_fail(m != NULL && device < m->n_devices, 0);
  return m->devs[device].commands;
}

uint64_t metrics_proc_bytes(const metrics *m, guint proc) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs, 0);
  return m->procs[proc].bytes;
}

uint64_t metrics_proc_ios(const metrics *m, guint proc) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs, 0);
  return m->procs[proc].ios;
}

static int64_t quantile(const double *sorted, size_t n, double f) {
  return (int64_t)llround(gsl_stats_quantile_from_sorted_data(sorted, 1, n, f));
}

latency_summary metrics_latency_summarize(const int64_t *v, guint n) {
  latency_summary s = {0};
  if (n == 0)
    return s;
  double *d = g_new(double, n);
  for (guint i = 0; i < n; i++)
    d[i] = (double)v[i];
  gsl_sort(d, 1, n);
  s.mean = gsl_stats_mean(d, 1, n);
  s.p50 = quantile(d, n, 0.50);
  s.p95 = quantile(d, n, 0.95);
  s.p99 = quantile(d, n, 0.99);
  s.max = (int64_t)d[n - 1];
  g_free(d);
  return s;
}

latency_summary metrics_proc_latency(const metrics *m, guint proc) {
  latency_summary s = {0};
  g_return_val_if_fail(m != NULL && proc < m->n_procs, s);
  const GArray *lat = m->procs[proc].lat;
  return metrics_latency_summarize((const int64_t *)lat->data, lat->len);
}

const int64_t *metrics_proc_samples(const metrics *m, guint proc, guint *n) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs, NULL);
  *n = m->procs[proc].lat->len;
  return (const int64_t *)m->procs[proc].lat->data;
}

uint64_t metrics_proc_read_bytes(const metrics *m, guint proc) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs, 0);
  return m->procs[proc].read_bytes;
}

uint64_t metrics_proc_write_bytes(const metrics *m, guint proc) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs, 0);
  return m->procs[proc].write_bytes;
}

uint64_t metrics_proc_reads(const metrics *m, guint proc) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs, 0);
  return m->procs[proc].reads;
}

uint64_t metrics_proc_cache_hits(const metrics *m, guint proc) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs, 0);
  return m->procs[proc].cache_hits;
}

uint64_t metrics_proc_fsyncs(const metrics *m, guint proc) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs, 0);
  return m->procs[proc].fsyncs;
}

latency_summary metrics_proc_fsync_latency(const metrics *m, guint proc) {
  latency_summary s = {0};
  g_return_val_if_fail(m != NULL && proc < m->n_procs, s);
  const GArray *lat = m->procs[proc].fsync_lat;
  return metrics_latency_summarize((const int64_t *)lat->data, lat->len);
}

uint64_t metrics_submitter_bytes(const metrics *m, guint submitter) {
  g_return_val_if_fail(m != NULL && submitter < m->subs->len, 0);
  return g_array_index(m->subs, submitter_stats, submitter).bytes;
}

uint64_t metrics_submitter_ios(const metrics *m, guint submitter) {
  g_return_val_if_fail(m != NULL && submitter < m->subs->len, 0);
  return g_array_index(m->subs, submitter_stats, submitter).ios;
}

latency_summary metrics_submitter_latency(const metrics *m, guint submitter) {
  latency_summary s = {0};
  g_return_val_if_fail(m != NULL && submitter < m->subs->len, s);
  const GArray *lat = g_array_index(m->subs, submitter_stats, submitter).lat;
  return metrics_latency_summarize((const int64_t *)lat->data, lat->len);
}

uint64_t metrics_device_bytes(const metrics *m, guint device) {
  g_return_val_if_fail(m != NULL && device < m->n_devices, 0);
  return m->devs[device].bytes;
}

uint64_t metrics_device_ios(const metrics *m, guint device) {
  g_return_val_if_fail(m != NULL && device < m->n_devices, 0);
  return m->devs[device].ios;
}

sim_time metrics_device_busy(const metrics *m, guint device) {
  g_return_val_if_fail(m != NULL && device < m->n_devices, 0);
  return m->devs[device].busy;
}

/* Every process ran for the same simulated time, so bytes stand in for
 * throughput: the common divisor cancels out of the index. */
double metrics_jain(const metrics *m) {
  g_return_val_if_fail(m != NULL, 1.0);
  if (m->n_procs < 2)
    return 1.0;
  double sum = 0, sumsq = 0;
  for (guint i = 0; i < m->n_procs; i++) {
    double x = (double)m->procs[i].bytes;
    sum += x;
    sumsq += x * x;
  }
  if (sumsq == 0)
    return 1.0;
  return (sum * sum) / ((double)m->n_procs * sumsq);
}

guint metrics_n_windows(const metrics *m) {
  g_return_val_if_fail(m != NULL, 0);
  return m->open;
}

uint64_t metrics_window_bytes(const metrics *m, guint proc, guint k) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs && k == m->open, 0);
  return m->cells[proc].bytes;
}

double metrics_window_mean_latency(const metrics *m, guint proc, guint k) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs && k == m->open, 0);
  const win_cell *c = &m->cells[proc];
  return c->lat_count ? (double)c->lat_sum / (double)c->lat_count : 0;
}

double metrics_window_jain_mean(const metrics *m) {
  g_return_val_if_fail(m != NULL, 1.0);
  return m->jain_windows ? m->jain_sum / m->jain_windows : 1.0;
}

double metrics_window_jain_min(const metrics *m) {
  g_return_val_if_fail(m != NULL, 1.0);
  return m->jain_windows ? m->jain_min : 1.0;
}

sim_time metrics_window(const metrics *m) {
  g_return_val_if_fail(m != NULL, 0);
  return m->window;
}
