/* Run statistics.  Observers feed completions in; nothing here steers the
 * simulation.  What is held does not grow with the run: counters, one
 * latency histogram per process and view, the open timeseries window.
 *
 * Latency histograms are GSL histograms over one grid of log-linear
 * buckets: every value below 128 ns has a bucket of its own, each octave
 * above is cut into 64 equal buckets.  A bucket [lo, hi) above 128 ns is
 * at most lo/64 wide, so any value in it is within lo/128 of the integer
 * in the middle of it: that is the relative error of a percentile (a
 * bucket below 128 ns is exact).  A histogram holds only the stretch of
 * the grid its values have reached, whole octaves at a time, so a process
 * whose latencies span three decades holds some 640 buckets, however long
 * it runs.  Percentiles are GSL's quantiles of sorted data (between the
 * two values around rank p*(n-1), linearly) over those estimates; the
 * smallest and largest values, and the mean, are exact. */
#include "sim/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_histogram.h>

/* 128 exact buckets, then 64 per octave from 2^7 to 2^63. */
#define EXACT 128u
#define SUB 64u
#define SUB_BITS 6
#define GRID (EXACT + (63u - 7u) * SUB)

/* The grid bucket of a value (>= 0). */
static guint grid_index(int64_t v) {
  if (v < (int64_t)EXACT)
    return (guint)v;
  int e = 63 - __builtin_clzll((unsigned long long)v); /* 2^e <= v */
  guint sub = (guint)((uint64_t)v >> (e - SUB_BITS)) - SUB;
  return EXACT + (guint)(e - 7) * SUB + sub;
}

/* The lowest value of grid bucket i (i <= GRID: GRID is the end). */
static double grid_low(guint i) {
  if (i < EXACT)
    return (double)i;
  guint e = 7 + (i - EXACT) / SUB, sub = (i - EXACT) % SUB;
  return ldexp((double)(SUB + sub), (int)e - SUB_BITS);
}

/* Every grid boundary, 0..GRID.  The histograms' ranges point into it:
 * a range array of their own was half of each histogram's memory, which
 * with thousands of processes was tens of megabytes of identical values. */
static const double *grid_ranges(void) {
  static double *ranges;
  if (g_once_init_enter(&ranges)) {
    double *r = g_new(double, GRID + 1);
    for (guint i = 0; i <= GRID; i++)
      r[i] = grid_low(i);
    g_once_init_leave(&ranges, r);
  }
  return ranges;
}

/* A gsl_histogram over grid buckets first..first + n - 1 whose range is
 * the shared grid's (so it is freed with hist_free, never
 * gsl_histogram_free). */
static gsl_histogram *hist_alloc(guint first, size_t n) {
  gsl_histogram *h = g_new(gsl_histogram, 1);
  h->n = n;
  h->range = (double *)grid_ranges() + first;
  h->bin = g_new0(double, n);
  return h;
}

static void hist_free(gsl_histogram *h) {
  g_free(h->bin);
  g_free(h);
}

struct metrics_hist {
  gsl_histogram *h; /* NULL until a value; grid buckets first.. */
  guint first;
  uint64_t n;
  double sum; /* exact integers up to 2^53 ns of summed latency */
  int64_t min, max;
};

metrics_hist *metrics_hist_new(void) { return g_new0(metrics_hist, 1); }

static void hist_clear(metrics_hist *x) {
  if (x->h)
    hist_free(x->h);
  memset(x, 0, sizeof *x);
}

void metrics_hist_free(metrics_hist *x) {
  if (!x)
    return;
  hist_clear(x);
  g_free(x);
}

/* Makes the histogram cover grid buckets [lo, hi], widened to whole
 * octaves so that it grows a few times at most. */
static void hist_cover(metrics_hist *x, guint lo, guint hi) {
  guint first = x->h ? MIN(x->first, lo) : lo;
  guint end = x->h ? MAX(x->first + (guint)x->h->n, hi + 1) : hi + 1;
  if (x->h && first == x->first && end == x->first + x->h->n)
    return;
  if (first >= EXACT)
    first = EXACT + (first - EXACT) / SUB * SUB;
  else
    first = 0;
  if (end > EXACT)
    end = MIN(EXACT + (end - EXACT + SUB - 1) / SUB * SUB, GRID);
  else
    end = EXACT;
  if (x->h && first == x->first && end == x->first + x->h->n)
    return;
  gsl_histogram *h = hist_alloc(first, end - first);
  if (x->h) {
    memcpy(h->bin + (x->first - first), x->h->bin, x->h->n * sizeof *h->bin);
    hist_free(x->h);
  }
  x->h = h;
  x->first = first;
}

void metrics_hist_add(metrics_hist *x, int64_t v) {
  g_return_if_fail(x != NULL && v >= 0);
  guint i = grid_index(v);
  if (!x->h || i < x->first || i >= x->first + x->h->n)
    hist_cover(x, i, i);
  /* The grid gives the bucket directly: no search over the ranges. */
  x->h->bin[i - x->first] += 1;
  x->min = x->n ? MIN(x->min, v) : v;
  x->max = x->n ? MAX(x->max, v) : v;
  x->n++;
  x->sum += (double)v;
}

void metrics_hist_merge(metrics_hist *dst, const metrics_hist *src) {
  g_return_if_fail(dst != NULL && src != NULL);
  if (!src->n)
    return;
  hist_cover(dst, src->first, src->first + (guint)src->h->n - 1);
  for (size_t j = 0; j < src->h->n; j++)
    dst->h->bin[src->first - dst->first + j] += src->h->bin[j];
  dst->min = dst->n ? MIN(dst->min, src->min) : src->min;
  dst->max = dst->n ? MAX(dst->max, src->max) : src->max;
  dst->n += src->n;
  dst->sum += src->sum;
}

uint64_t metrics_hist_count(const metrics_hist *x) { return x ? x->n : 0; }

/* The k-th smallest value (from 0): the middle of the bucket that holds
 * it, the smallest and the largest exact. */
static double order_stat(const metrics_hist *x, uint64_t k) {
  if (k == 0)
    return (double)x->min;
  if (k + 1 >= x->n)
    return (double)x->max;
  double seen = 0;
  for (size_t j = 0; j < x->h->n; j++) {
    seen += x->h->bin[j];
    if (seen > (double)k) {
      double lo, hi;
      gsl_histogram_get_range(x->h, j, &lo, &hi);
      /* in doubles: the top bucket ends at 2^63, past int64_t */
      double mid = lo + floor((hi - 1 - lo) / 2);
      return CLAMP(mid, (double)x->min, (double)x->max);
    }
  }
  return (double)x->max;
}

/* GSL's quantile of sorted data (gsl_stats_quantile_from_sorted_data):
 * between the two order statistics around p*(n-1), linearly.  Each is
 * within the relative error, and so is any point between them. */
static int64_t hist_quantile(const metrics_hist *x, double p) {
  double pos = p * (double)(x->n - 1);
  uint64_t k = (uint64_t)floor(pos);
  double delta = pos - (double)k;
  double lo = order_stat(x, k);
  double v = delta > 0 ? lo + delta * (order_stat(x, k + 1) - lo) : lo;
  if (v >= (double)x->max) /* (double)INT64_MAX is 2^63, past it */
    return x->max;
  return (int64_t)llround(v);
}

int64_t metrics_hist_quantile(const metrics_hist *x, double p) {
  g_return_val_if_fail(x != NULL && p >= 0 && p <= 1, 0);
  return x->n ? hist_quantile(x, p) : 0;
}

latency_summary metrics_hist_summary(const metrics_hist *x) {
  latency_summary s = {0};
  if (!x || x->n == 0)
    return s;
  s.mean = x->sum / (double)x->n;
  s.p50 = hist_quantile(x, 0.50);
  s.p95 = hist_quantile(x, 0.95);
  s.p99 = hist_quantile(x, 0.99);
  s.max = x->max;
  return s;
}

gsize metrics_hist_bytes(const metrics_hist *x) {
  if (!x || !x->h)
    return 0;
  return sizeof *x->h + x->h->n * sizeof(double); /* ranges shared */
}

typedef struct proc_stats {
  uint64_t bytes;
  uint64_t ios;
  metrics_hist lat; /* the application view's latencies */
  uint64_t read_bytes, write_bytes, reads, cache_hits, fsyncs;
  metrics_hist fsync_lat;
} proc_stats;

/* The device view of one submitter.  A direct job's device view is its
 * application view, I/O for I/O: its latencies are not kept twice. */
typedef struct submitter_stats {
  uint64_t bytes;
  uint64_t ios;
  metrics_hist lat;
  bool mirrors; /* the latencies are those of process `i`'s own view */
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
  metrics_latency_fn lat_sink;
  void *lat_sink_ctx;
};

metrics *metrics_new(guint n_procs, guint n_devices, sim_time window) {
  g_return_val_if_fail(window > 0, NULL);
  metrics *m = g_new0(metrics, 1);
  m->n_procs = n_procs;
  m->n_devices = n_devices;
  m->window = window;
  m->procs = g_new0(proc_stats, n_procs);
  m->subs = g_array_new(FALSE, TRUE, sizeof(submitter_stats));
  metrics_add_submitters(m, n_procs);
  for (guint i = 0; i < n_procs; i++)
    g_array_index(m->subs, submitter_stats, i).mirrors = true;
  m->devs = g_new0(dev_stats, n_devices);
  m->cells = g_new0(win_cell, MAX(n_procs, 1));
  m->jain_min = 1.0;
  return m;
}

void metrics_free(metrics *m) {
  if (!m)
    return;
  for (guint i = 0; i < m->n_procs; i++) {
    hist_clear(&m->procs[i].lat);
    hist_clear(&m->procs[i].fsync_lat);
  }
  for (guint i = 0; i < m->subs->len; i++)
    hist_clear(&g_array_index(m->subs, submitter_stats, i).lat);
  g_array_unref(m->subs);
  g_free(m->procs);
  g_free(m->devs);
  g_free(m->cells);
  g_free(m);
}

void metrics_set_latency_sink(metrics *m, metrics_latency_fn fn, void *ctx) {
  g_return_if_fail(m != NULL);
  m->lat_sink = fn;
  m->lat_sink_ctx = ctx;
}

gsize metrics_bytes_held(const metrics *m) {
  g_return_val_if_fail(m != NULL, 0);
  gsize n = sizeof *m + m->n_procs * (sizeof *m->procs + sizeof *m->cells) +
            m->n_devices * sizeof *m->devs +
            m->subs->len * sizeof(submitter_stats);
  for (guint i = 0; i < m->n_procs; i++)
    n += metrics_hist_bytes(&m->procs[i].lat) +
         metrics_hist_bytes(&m->procs[i].fsync_lat);
  for (guint i = 0; i < m->subs->len; i++)
    n += metrics_hist_bytes(&g_array_index(m->subs, submitter_stats, i).lat);
  return n;
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
    submitter_stats s = {0};
    g_array_append_val(m->subs, s);
  }
}

guint metrics_n_submitters(const metrics *m) { return m->subs->len; }

static void app_done(metrics *m, guint proc, sim_time submitted,
                     sim_time completed, uint64_t bytes);

/* Submitter k's device view stops mirroring its application view: what
 * the two shared so far becomes the device view's own. */
static void unmirror(metrics *m, guint k) {
  submitter_stats *s = &g_array_index(m->subs, submitter_stats, k);
  if (!s->mirrors)
    return;
  s->mirrors = false;
  metrics_hist_merge(&s->lat, &m->procs[k].lat);
}

/* `same`: the application view records this very latency. */
static void device_done(metrics *m, guint submitter, guint device,
                        sim_time submitted, sim_time completed, uint64_t bytes,
                        bool same) {
  submitter_stats *s = &g_array_index(m->subs, submitter_stats, submitter);
  if (!same)
    unmirror(m, submitter);
  s->bytes += bytes;
  s->ios++;
  if (!s->mirrors)
    metrics_hist_add(&s->lat, completed - submitted);
  m->devs[device].bytes += bytes;
  m->devs[device].ios++;
}

void metrics_io_done(metrics *m, guint proc, guint device, sim_time submitted,
                     sim_time completed, uint64_t bytes) {
  g_return_if_fail(m != NULL);
  g_return_if_fail(proc < m->n_procs);
  g_return_if_fail(device < m->n_devices);
  g_return_if_fail(completed >= submitted && submitted >= 0);
  device_done(m, proc, device, submitted, completed, bytes, true);
  app_done(m, proc, submitted, completed, bytes);
}

void metrics_bio_done(metrics *m, guint submitter, guint device,
                      sim_time submitted, sim_time completed, uint64_t bytes) {
  g_return_if_fail(m != NULL);
  g_return_if_fail(submitter < m->subs->len);
  g_return_if_fail(device < m->n_devices);
  g_return_if_fail(completed >= submitted && submitted >= 0);
  device_done(m, submitter, device, submitted, completed, bytes, false);
}

void metrics_call_done(metrics *m, guint proc, metrics_call op, sim_time start,
                       sim_time end, uint64_t bytes, bool cache_hit) {
  g_return_if_fail(m != NULL);
  g_return_if_fail(proc < m->n_procs);
  g_return_if_fail(end >= start && start >= 0);
  proc_stats *p = &m->procs[proc];
  if (op == METRICS_CALL_FSYNC) {
    p->fsyncs++;
    metrics_hist_add(&p->fsync_lat, end - start);
    return;
  }
  unmirror(m, proc); /* a call is not an I/O of the device view */
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
  metrics_hist_add(&p->lat, lat);
  if (m->lat_sink)
    m->lat_sink(m->lat_sink_ctx, proc, lat);

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

latency_summary metrics_proc_latency(const metrics *m, guint proc) {
  latency_summary s = {0};
  g_return_val_if_fail(m != NULL && proc < m->n_procs, s);
  return metrics_hist_summary(&m->procs[proc].lat);
}

const metrics_hist *metrics_proc_hist(const metrics *m, guint proc) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs, NULL);
  return &m->procs[proc].lat;
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
  return metrics_hist_summary(&m->procs[proc].fsync_lat);
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
  const submitter_stats *st =
      &g_array_index(m->subs, submitter_stats, submitter);
  return metrics_hist_summary(st->mirrors ? &m->procs[submitter].lat
                                          : &st->lat);
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
