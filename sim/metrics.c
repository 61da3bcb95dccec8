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

/* A histogram holds few values as they are: a process with a dozen I/Os
 * then takes a hundred bytes, not the kilobytes of the buckets its values
 * span (thousands of such processes each touching their own buckets were
 * most of a run's memory traffic).  Past FEW values they go into the
 * buckets.  Either way the percentiles are those of the buckets: a value
 * kept as it is stands for the middle of its bucket. */
#define FEW 64u

/* 48 bytes: a process's counters and histogram share one cache line. */
struct metrics_hist {
  union {
    gsl_histogram *h; /* bucketed: grid buckets first.. */
    int64_t *few;     /* else nfew values in no order, room for cap */
  };
  uint64_t n;
  double sum; /* exact integers up to 2^53 ns of summed latency */
  int64_t min, max;
  guint16 first;
  guint8 nfew, cap;
  bool bucketed;
};

metrics_hist *metrics_hist_new(void) { return g_new0(metrics_hist, 1); }

static void hist_clear(metrics_hist *x) {
  if (x->bucketed)
    hist_free(x->h);
  else
    g_free(x->few);
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
  g_assert(x->bucketed || !x->few);
  guint first = x->bucketed ? MIN(x->first, lo) : lo;
  guint end = x->bucketed ? MAX(x->first + (guint)x->h->n, hi + 1) : hi + 1;
  if (x->bucketed && first == x->first && end == x->first + x->h->n)
    return;
  if (first >= EXACT)
    first = EXACT + (first - EXACT) / SUB * SUB;
  else
    first = 0;
  if (end > EXACT)
    end = MIN(EXACT + (end - EXACT + SUB - 1) / SUB * SUB, GRID);
  else
    end = EXACT;
  if (x->bucketed && first == x->first && end == x->first + x->h->n)
    return;
  gsl_histogram *h = hist_alloc(first, end - first);
  if (x->bucketed) {
    memcpy(h->bin + (x->first - first), x->h->bin, x->h->n * sizeof *h->bin);
    hist_free(x->h);
  }
  x->h = h;
  x->first = (guint16)first; /* GRID < 2^16 */
  x->bucketed = true;
}

static void bucket_add(metrics_hist *x, guint i, double count) {
  if (!x->bucketed || i < x->first || i >= x->first + x->h->n)
    hist_cover(x, i, i);
  /* The grid gives the bucket directly: no search over the ranges. */
  x->h->bin[i - x->first] += count;
}

/* The values kept as they are go into the buckets. */
static void spill(metrics_hist *x) {
  if (x->bucketed)
    return;
  int64_t *few = x->few;
  guint nfew = x->nfew;
  x->few = NULL;
  x->nfew = x->cap = 0;
  if (!nfew) {
    g_free(few);
    return;
  }
  int64_t lo = few[0], hi = few[0];
  for (guint j = 1; j < nfew; j++) {
    lo = MIN(lo, few[j]);
    hi = MAX(hi, few[j]);
  }
  hist_cover(x, grid_index(lo), grid_index(hi)); /* allocated once */
  for (guint j = 0; j < nfew; j++)
    bucket_add(x, grid_index(few[j]), 1);
  g_free(few);
}

/* One more value in the buckets or among the few (no statistics). */
static void store(metrics_hist *x, int64_t v) {
  if (!x->bucketed && x->nfew < FEW) {
    if (x->nfew == x->cap) {
      x->cap = x->cap ? (guint8)(2 * x->cap) : 4;
      x->few = g_renew(int64_t, x->few, x->cap);
    }
    x->few[x->nfew++] = v;
    return;
  }
  spill(x);
  bucket_add(x, grid_index(v), 1);
}

void metrics_hist_add(metrics_hist *x, int64_t v) {
  g_return_if_fail(x != NULL && v >= 0);
  store(x, v);
  x->min = x->n ? MIN(x->min, v) : v;
  x->max = x->n ? MAX(x->max, v) : v;
  x->n++;
  x->sum += (double)v;
}

void metrics_hist_merge(metrics_hist *dst, const metrics_hist *src) {
  g_return_if_fail(dst != NULL && src != NULL);
  if (!src->n)
    return;
  if (src->bucketed) {
    spill(dst);
    hist_cover(dst, src->first, src->first + (guint)src->h->n - 1);
    for (size_t j = 0; j < src->h->n; j++)
      dst->h->bin[src->first - dst->first + j] += src->h->bin[j];
  } else {
    for (guint j = 0; j < src->nfew; j++)
      store(dst, src->few[j]);
  }
  dst->min = dst->n ? MIN(dst->min, src->min) : src->min;
  dst->max = dst->n ? MAX(dst->max, src->max) : src->max;
  dst->n += src->n;
  dst->sum += src->sum;
}

uint64_t metrics_hist_count(const metrics_hist *x) { return x ? x->n : 0; }

/* The middle of grid bucket i, as the integer it stands for. */
static double bucket_mid(const metrics_hist *x, guint i) {
  const double *r = grid_ranges();
  double lo = r[i], hi = r[i + 1];
  /* in doubles: the top bucket ends at 2^63, past int64_t */
  double mid = lo + floor((hi - 1 - lo) / 2);
  return CLAMP(mid, (double)x->min, (double)x->max);
}

static int cmp_int64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The order statistics ks[] (m of them, counted from 0) into out[], in
 * one pass over the buckets while they ascend: the middle of the bucket that holds each, the
 * smallest and the largest value exact. */
static void order_stats(const metrics_hist *x, const uint64_t *ks, double *out,
                        guint m) {
  int64_t sorted[FEW];
  if (!x->bucketed) {
    memcpy(sorted, x->few, x->nfew * sizeof *sorted);
    qsort(sorted, x->nfew, sizeof *sorted, cmp_int64);
  }
  double seen = 0;
  size_t j = 0;
  for (guint q = 0; q < m; q++) {
    uint64_t k = ks[q];
    if (k == 0) {
      out[q] = (double)x->min;
    } else if (k + 1 >= x->n) {
      out[q] = (double)x->max;
    } else if (!x->bucketed) {
      out[q] = bucket_mid(x, grid_index(sorted[k]));
    } else {
      if (q > 0 && k < ks[q - 1]) {
        seen = 0;
        j = 0;
      }
      while (j < x->h->n && !(seen + x->h->bin[j] > (double)k))
        seen += x->h->bin[j++];
      out[q] =
          j < x->h->n ? bucket_mid(x, x->first + (guint)j) : (double)x->max;
    }
  }
}

/* GSL's quantiles of sorted data (gsl_stats_quantile_from_sorted_data):
 * between the two order statistics around p*(n-1), linearly.  Each is
 * within the relative error, and so is any point between them.  The
 * probabilities ascending, m of them at most 4. */
static void hist_quantiles(const metrics_hist *x, const double *ps,
                           int64_t *out, guint m) {
  uint64_t ks[8];
  double delta[4], st[8];
  for (guint q = 0; q < m; q++) {
    double pos = ps[q] * (double)(x->n - 1);
    ks[2 * q] = (uint64_t)floor(pos);
    ks[2 * q + 1] = ks[2 * q] + 1;
    delta[q] = pos - (double)ks[2 * q];
  }
  order_stats(x, ks, st, 2 * m);
  for (guint q = 0; q < m; q++) {
    double lo = st[2 * q];
    double v = delta[q] > 0 ? lo + delta[q] * (st[2 * q + 1] - lo) : lo;
    /* (double)INT64_MAX is 2^63, past it */
    out[q] = v >= (double)x->max ? x->max : (int64_t)llround(v);
  }
}

int64_t metrics_hist_quantile(const metrics_hist *x, double p) {
  g_return_val_if_fail(x != NULL && p >= 0 && p <= 1, 0);
  int64_t v = 0;
  if (x->n)
    hist_quantiles(x, &p, &v, 1);
  return v;
}

latency_summary metrics_hist_summary(const metrics_hist *x) {
  latency_summary s = {0};
  if (!x || x->n == 0)
    return s;
  static const double ps[] = {0.50, 0.95, 0.99};
  int64_t v[3];
  hist_quantiles(x, ps, v, 3);
  s.mean = x->sum / (double)x->n;
  s.p50 = v[0];
  s.p95 = v[1];
  s.p99 = v[2];
  s.max = x->max;
  return s;
}

gsize metrics_hist_bytes(const metrics_hist *x) {
  if (!x)
    return 0;
  if (!x->bucketed)
    return x->cap * sizeof *x->few;
  return sizeof *x->h + x->h->n * sizeof(double); /* ranges shared */
}

/* What each I/O of a process updates, in one cache line of its own:
 * with thousands of processes each I/O reaches a process's statistics
 * from cold.  Its I/Os are its latencies' count. */
typedef struct proc_stats {
  _Alignas(64) uint64_t bytes;
  metrics_hist lat; /* the application view's latencies */
  /* Its device view (submitter_stats) is this view, I/O for I/O, as long
   * as it is a direct job's: neither the counters nor the latencies are
   * kept twice, and the I/O does not reach them. */
  bool mirrors;
} proc_stats;

G_STATIC_ASSERT(sizeof(proc_stats) == 64);

/* The rest: buffered calls' counters, fsyncs (their latencies' count). */
typedef struct proc_cold {
  uint64_t read_bytes, write_bytes, reads, cache_hits;
  metrics_hist fsync_lat;
} proc_cold;

/* The device view of one submitter, unless it mirrors (above). */
typedef struct submitter_stats {
  uint64_t bytes;
  uint64_t ios;
  metrics_hist lat;
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
  proc_stats *procs; /* 64-byte aligned */
  proc_cold *cold;
  dev_stats *devs;
  GArray *subs; /* submitter_stats: the processes, then the flushers */
  /* Only the open window is held: completions come in time order, so a
   * window is final once one lands past it, and it is handed to the sink
   * and forgotten. */
  /* The processes with a completion in the open window, a bit each: most
   * of thousands of processes have none, and a window's index, its rows
   * and its reset then cost the active ones only.  Their cells are side
   * by side in the order they became active (`slot` says where each
   * active process's is): an array of every process's cell was a cache
   * miss per I/O. */
  guint64 *active;
  guint n_words;
  guint32 *slot; /* n_procs; an active process's cell */
  GArray *cells; /* win_cell, of window `open`, the active processes' */
  guint open;    /* the first window not yet closed */
  guint n_seen;  /* windows up to the last completion's */
  bool finished;
  /* Once finished, each process's latency summary: the report reads it
   * for several files, and with thousands of processes each computation
   * was a few cache misses. */
  latency_summary *summary;
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
  m->procs = g_aligned_alloc0(MAX(n_procs, 1), sizeof(proc_stats),
                              G_ALIGNOF(proc_stats));
  m->cold = g_new0(proc_cold, MAX(n_procs, 1));
  m->subs = g_array_new(FALSE, TRUE, sizeof(submitter_stats));
  metrics_add_submitters(m, n_procs);
  for (guint i = 0; i < n_procs; i++)
    m->procs[i].mirrors = true;
  m->devs = g_new0(dev_stats, n_devices);
  m->slot = g_new0(guint32, MAX(n_procs, 1));
  m->cells = g_array_new(FALSE, TRUE, sizeof(win_cell));
  m->n_words = (n_procs + 63) / 64;
  m->active = g_new0(guint64, MAX(m->n_words, 1));
  m->jain_min = 1.0;
  return m;
}

void metrics_free(metrics *m) {
  if (!m)
    return;
  for (guint i = 0; i < m->n_procs; i++) {
    hist_clear(&m->procs[i].lat);
    hist_clear(&m->cold[i].fsync_lat);
  }
  for (guint i = 0; i < m->subs->len; i++)
    hist_clear(&g_array_index(m->subs, submitter_stats, i).lat);
  g_array_unref(m->subs);
  g_aligned_free(m->procs);
  g_free(m->summary);
  g_free(m->cold);
  g_free(m->devs);
  g_free(m->slot);
  g_array_unref(m->cells);
  g_free(m->active);
  g_free(m);
}

void metrics_set_latency_sink(metrics *m, metrics_latency_fn fn, void *ctx) {
  g_return_if_fail(m != NULL);
  m->lat_sink = fn;
  m->lat_sink_ctx = ctx;
}

gsize metrics_bytes_held(const metrics *m) {
  g_return_val_if_fail(m != NULL, 0);
  gsize n =
      sizeof *m +
      m->n_procs * (sizeof *m->procs + sizeof *m->cold + sizeof *m->slot) +
      m->cells->len * sizeof(win_cell) + m->n_words * sizeof *m->active +
      m->n_devices * sizeof *m->devs + m->subs->len * sizeof(submitter_stats);
  for (guint i = 0; i < m->n_procs; i++)
    n += metrics_hist_bytes(&m->procs[i].lat) +
         metrics_hist_bytes(&m->cold[i].fsync_lat);
  for (guint i = 0; i < m->subs->len; i++)
    n += metrics_hist_bytes(&g_array_index(m->subs, submitter_stats, i).lat);
  return n;
}

void metrics_set_window_sink(metrics *m, metrics_window_fn fn, void *ctx) {
  g_return_if_fail(m != NULL);
  m->sink = fn;
  m->sink_ctx = ctx;
}

/* The open window's cell of an active process, NULL for another. */
static const win_cell *cell(const metrics *m, guint proc) {
  if (!(m->active[proc / 64] & G_GUINT64_CONSTANT(1) << (proc % 64)))
    return NULL;
  return &g_array_index(m->cells, win_cell, m->slot[proc]);
}

guint metrics_window_next_active(const metrics *m, guint from) {
  for (guint w = from / 64; w < m->n_words; w++) {
    guint64 bits = m->active[w];
    if (w == from / 64)
      bits &= ~G_GUINT64_CONSTANT(0) << (from % 64);
    if (bits)
      return w * 64 + (guint)__builtin_ctzll(bits);
  }
  return m->n_procs;
}

/* Jain's index of the open window over all processes; < 0 when nothing
 * moved.  The idle processes add zeros, which change no sum: the active
 * ones are summed in process order, as all of them were. */
static double open_window_jain(const metrics *m) {
  double sum = 0, sq = 0;
  for (guint i = metrics_window_next_active(m, 0); i < m->n_procs;
       i = metrics_window_next_active(m, i + 1)) {
    double x = (double)cell(m, i)->bytes;
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
    if (m->cells->len) { /* else no bit is set */
      memset(m->active, 0, m->n_words * sizeof *m->active);
      g_array_set_size(m->cells, 0);
    }
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
  m->summary = g_new(latency_summary, MAX(m->n_procs, 1));
  for (guint i = 0; i < m->n_procs; i++)
    m->summary[i] = metrics_hist_summary(&m->procs[i].lat);
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

static bool mirrors(const metrics *m, guint k) {
  return k < m->n_procs && m->procs[k].mirrors;
}

/* Submitter k's device view stops mirroring its application view: what
 * the two shared so far becomes the device view's own. */
static void unmirror(metrics *m, guint k) {
  if (!mirrors(m, k))
    return;
  proc_stats *p = &m->procs[k];
  submitter_stats *s = &g_array_index(m->subs, submitter_stats, k);
  p->mirrors = false;
  s->bytes = p->bytes;
  s->ios = p->lat.n;
  metrics_hist_merge(&s->lat, &p->lat);
}

/* `same`: the application view records this very I/O. */
static void device_done(metrics *m, guint submitter, guint device,
                        sim_time submitted, sim_time completed, uint64_t bytes,
                        bool same) {
  if (!same)
    unmirror(m, submitter);
  if (!same || !mirrors(m, submitter)) {
    submitter_stats *s = &g_array_index(m->subs, submitter_stats, submitter);
    s->bytes += bytes;
    s->ios++;
    metrics_hist_add(&s->lat, completed - submitted);
  }
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
  proc_cold *p = &m->cold[proc];
  if (op == METRICS_CALL_FSYNC) {
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
  metrics_hist_add(&p->lat, lat);
  if (m->lat_sink)
    m->lat_sink(m->lat_sink_ctx, proc, lat);

  /* An I/O belongs to the window in which it completed. */
  guint k = (guint)(completed / m->window);
  g_return_if_fail(k >= m->open && !m->finished);
  m->n_seen = MAX(m->n_seen, k + 1);
  close_windows(m, k);
  guint64 *word = &m->active[proc / 64], bit = G_GUINT64_CONSTANT(1)
                                               << (proc % 64);
  if (!(*word & bit)) {
    *word |= bit;
    m->slot[proc] = m->cells->len;
    g_array_set_size(m->cells, m->cells->len + 1); /* cleared */
  }
  win_cell *c = &g_array_index(m->cells, win_cell, m->slot[proc]);
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
  return m->procs[proc].lat.n;
}

latency_summary metrics_proc_latency(const metrics *m, guint proc) {
  latency_summary s = {0};
  g_return_val_if_fail(m != NULL && proc < m->n_procs, s);
  if (m->summary)
    return m->summary[proc];
  return metrics_hist_summary(&m->procs[proc].lat);
}

const metrics_hist *metrics_proc_hist(const metrics *m, guint proc) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs, NULL);
  return &m->procs[proc].lat;
}

uint64_t metrics_proc_read_bytes(const metrics *m, guint proc) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs, 0);
  return m->cold[proc].read_bytes;
}

uint64_t metrics_proc_write_bytes(const metrics *m, guint proc) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs, 0);
  return m->cold[proc].write_bytes;
}

uint64_t metrics_proc_reads(const metrics *m, guint proc) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs, 0);
  return m->cold[proc].reads;
}

uint64_t metrics_proc_cache_hits(const metrics *m, guint proc) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs, 0);
  return m->cold[proc].cache_hits;
}

uint64_t metrics_proc_fsyncs(const metrics *m, guint proc) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs, 0);
  return m->cold[proc].fsync_lat.n;
}

latency_summary metrics_proc_fsync_latency(const metrics *m, guint proc) {
  latency_summary s = {0};
  g_return_val_if_fail(m != NULL && proc < m->n_procs, s);
  return metrics_hist_summary(&m->cold[proc].fsync_lat);
}

uint64_t metrics_submitter_bytes(const metrics *m, guint submitter) {
  g_return_val_if_fail(m != NULL && submitter < m->subs->len, 0);
  if (mirrors(m, submitter))
    return m->procs[submitter].bytes;
  return g_array_index(m->subs, submitter_stats, submitter).bytes;
}

uint64_t metrics_submitter_ios(const metrics *m, guint submitter) {
  g_return_val_if_fail(m != NULL && submitter < m->subs->len, 0);
  if (mirrors(m, submitter))
    return m->procs[submitter].lat.n;
  return g_array_index(m->subs, submitter_stats, submitter).ios;
}

latency_summary metrics_submitter_latency(const metrics *m, guint submitter) {
  latency_summary s = {0};
  g_return_val_if_fail(m != NULL && submitter < m->subs->len, s);
  if (mirrors(m, submitter))
    return metrics_proc_latency(m, submitter);
  return metrics_hist_summary(
      &g_array_index(m->subs, submitter_stats, submitter).lat);
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
  const win_cell *c = cell(m, proc);
  return c ? c->bytes : 0;
}

double metrics_window_mean_latency(const metrics *m, guint proc, guint k) {
  g_return_val_if_fail(m != NULL && proc < m->n_procs && k == m->open, 0);
  const win_cell *c = cell(m, proc);
  return c && c->lat_count ? (double)c->lat_sum / (double)c->lat_count : 0;
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
