/* Metrics: latency percentiles, per-device counters, Jain's index and the
 * timeseries windows. */
#include <glib.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

#include "sim/metrics.h"

static void test_percentiles(void) {
  metrics *m = metrics_new(2, 1, 100 * SIM_MS);
  /* Latencies 0..100 ns fed out of order (stride 37 is coprime with 101),
   * so sorting is exercised and each quantile lands on a sample. */
  for (int i = 0; i < 101; i++) {
    int v = (i * 37) % 101;
    metrics_io_done(m, 0, 0, 1000, 1000 + v, 512);
  }
  latency_summary l = metrics_proc_latency(m, 0);
  g_assert_cmpfloat_with_epsilon(l.mean, 50.0, 1e-9);
  g_assert_cmpint(l.p50, ==, 50);
  g_assert_cmpint(l.p95, ==, 95);
  g_assert_cmpint(l.p99, ==, 99);
  g_assert_cmpint(l.max, ==, 100);
  g_assert_cmpuint(metrics_proc_ios(m, 0), ==, 101);
  g_assert_cmpuint(metrics_proc_bytes(m, 0), ==, 101 * 512);

  /* A process with no I/O reports zeros rather than garbage. */
  l = metrics_proc_latency(m, 1);
  g_assert_cmpfloat(l.mean, ==, 0.0);
  g_assert_cmpint(l.p50, ==, 0);
  g_assert_cmpint(l.max, ==, 0);
  metrics_free(m);
}

static void test_percentile_interpolation(void) {
  metrics *m = metrics_new(1, 1, SIM_S);
  const int64_t lat[] = {40 * SIM_MS, 10 * SIM_MS, 30 * SIM_MS, 20 * SIM_MS};
  for (guint i = 0; i < G_N_ELEMENTS(lat); i++)
    metrics_io_done(m, 0, 0, 0, lat[i], 4096);
  latency_summary l = metrics_proc_latency(m, 0);
  /* Between-sample quantiles interpolate linearly: median of 10,20,30,40
   * is 25; p99 lies at index 0.99*3 = 2.97 -> 30 + 0.97*10 = 39.7 ms; up
   * to the histogram's relative error. */
  const double e = METRICS_HIST_RELATIVE_ERROR;
  g_assert_cmpfloat(fabs((double)l.p50 - 25 * SIM_MS), <=, e * 25 * SIM_MS);
  g_assert_cmpfloat(fabs((double)l.p99 - 39700 * SIM_US), <=,
                    e * 39700 * SIM_US);
  g_assert_cmpint(l.max, ==, 40 * SIM_MS);
  g_assert_cmpfloat_with_epsilon(l.mean, 25.0 * SIM_MS, 1e-3);
  metrics_free(m);
}

static gint cmp_i64(gconstpointer a, gconstpointer b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* On random latencies spread over twelve decades (log-uniform, 1 ns to
 * 1000 s) and in a narrow cluster, every percentile the histogram gives is
 * within its stated relative error of the exact one (GSL's, of the sorted
 * values), and pooling two histograms is the histogram of the pooled
 * values. */
static void test_histogram_accuracy(void) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 12);
  const double ps[] = {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999};
  for (int shape = 0; shape < 2; shape++) {
    enum { N = 20000 };
    int64_t *v = g_new(int64_t, N);
    metrics_hist *a = metrics_hist_new(), *b = metrics_hist_new();
    for (guint i = 0; i < N; i++) {
      v[i] = shape == 0 ? (int64_t)exp(gsl_rng_uniform(rng) * log(1e12))
                        : 250000 + (int64_t)gsl_ran_exponential(rng, 30000);
      metrics_hist_add(i % 3 ? a : b, v[i]);
    }
    metrics_hist_merge(a, b);
    g_assert_cmpuint(metrics_hist_count(a), ==, N);
    qsort(v, N, sizeof *v, cmp_i64);
    double sum = 0, *d = g_new(double, N);
    for (guint i = 0; i < N; i++) {
      sum += (double)v[i];
      d[i] = (double)v[i];
    }
    latency_summary l = metrics_hist_summary(a);
    g_assert_cmpint(l.max, ==, v[N - 1]);
    g_assert_cmpfloat(fabs(l.mean - sum / N), <=, 1e-9 * sum / N);
    /* the same estimator as the summary's, at many more ranks */
    for (guint k = 0; k < G_N_ELEMENTS(ps); k++) {
      double exact = gsl_stats_quantile_from_sorted_data(d, 1, N, ps[k]);
      int64_t got = metrics_hist_quantile(a, ps[k]);
      /* (+0.5: the result is rounded to whole nanoseconds) */
      g_assert_cmpfloat(fabs((double)got - exact), <=,
                        METRICS_HIST_RELATIVE_ERROR * exact + 0.5);
    }
    double exact99 = gsl_stats_quantile_from_sorted_data(d, 1, N, 0.99);
    g_assert_cmpfloat(fabs((double)l.p99 - exact99), <=,
                      METRICS_HIST_RELATIVE_ERROR * exact99 + 0.5);
    g_free(d);
    /* The bound is tight enough to mean something: at 1 %, not 10 %. */
    g_assert_cmpfloat(METRICS_HIST_RELATIVE_ERROR, <=, 0.01);
    metrics_hist_free(a);
    metrics_hist_free(b);
    g_free(v);
  }
  gsl_rng_free(rng);
}

/* The grid bucket of v, as docs/model.md states it: one per value below
 * 128 ns, 64 per octave above; [*lo, *hi). */
static void ref_bucket(int64_t v, double *lo, double *hi) {
  if (v < 128) {
    *lo = (double)v;
    *hi = (double)v + 1;
    return;
  }
  int e = 63 - __builtin_clzll((unsigned long long)v);
  uint64_t w = (uint64_t)1 << (e - 6);
  *lo = (double)((uint64_t)v & ~(w - 1));
  *hi = *lo + (double)w;
}

/* The percentile an eager histogram gives: the order statistics of the
 * sorted values are the middles of their buckets (the smallest and the
 * largest exact), interpolated as GSL's quantile of sorted data. */
static int64_t ref_quantile(const int64_t *sorted, guint n, double p) {
  double pos = p * (double)(n - 1);
  guint k = (guint)floor(pos);
  double delta = pos - k, st[2];
  for (guint j = 0; j < 2; j++) {
    guint r = MIN(k + j, n - 1);
    double lo, hi;
    ref_bucket(sorted[r], &lo, &hi);
    double mid = lo + floor((hi - 1 - lo) / 2);
    st[j] = r == 0       ? (double)sorted[0]
            : r + 1 >= n ? (double)sorted[n - 1]
                         : CLAMP(mid, (double)sorted[0], (double)sorted[n - 1]);
  }
  double v = delta > 0 ? st[0] + delta * (st[1] - st[0]) : st[0];
  return v >= (double)sorted[n - 1] ? sorted[n - 1] : (int64_t)llround(v);
}

/* A histogram keeps its first values as they are and puts them into
 * buckets past 64: on either side of that, and pooled from parts on
 * either side, its percentiles are the eager histogram's. */
static void test_histogram_few(void) {
  GRand *rnd = g_rand_new_with_seed(31);
  const double ps[] = {0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1};
  for (guint n = 1; n <= 200; n++) {
    int64_t *v = g_new(int64_t, n);
    metrics_hist *one = metrics_hist_new(), *a = metrics_hist_new(),
                 *b = metrics_hist_new();
    guint split = g_rand_int_range(rnd, 0, (gint32)n + 1);
    for (guint i = 0; i < n; i++) {
      /* log-uniform over 1 ns .. 10 s: many buckets, some exact ones */
      v[i] = (int64_t)exp(g_rand_double(rnd) * log(1e10));
      metrics_hist_add(one, v[i]);
      metrics_hist_add(i < split ? a : b, v[i]);
    }
    metrics_hist_merge(a, b);
    qsort(v, n, sizeof *v, cmp_i64);
    for (guint j = 0; j < G_N_ELEMENTS(ps); j++) {
      int64_t want = ref_quantile(v, n, ps[j]);
      g_assert_cmpint(metrics_hist_quantile(one, ps[j]), ==, want);
      g_assert_cmpint(metrics_hist_quantile(a, ps[j]), ==, want);
    }
    latency_summary l = metrics_hist_summary(one);
    g_assert_cmpint(l.p50, ==, ref_quantile(v, n, 0.5));
    g_assert_cmpint(l.p95, ==, ref_quantile(v, n, 0.95));
    g_assert_cmpint(l.p99, ==, ref_quantile(v, n, 0.99));
    g_assert_cmpint(l.max, ==, v[n - 1]);
    metrics_hist_free(one);
    metrics_hist_free(a);
    metrics_hist_free(b);
    g_free(v);
  }
  g_rand_free(rnd);
}

/* A process with a dozen I/Os over five decades holds their values, not
 * the buckets between them: thousands of light processes stay small. */
static void test_histogram_few_memory(void) {
  metrics_hist *h = metrics_hist_new();
  for (int i = 0; i < 12; i++)
    metrics_hist_add(h, (int64_t)pow(10, 2 + i % 6));
  g_assert_cmpuint(metrics_hist_bytes(h), <=, 16 * sizeof(int64_t));
  metrics_hist_free(h);

  enum { N = 10000 };
  metrics *m = metrics_new(N, 1, SIM_S);
  for (int i = 0; i < 12; i++)
    for (guint p = 0; p < N; p++)
      metrics_io_done(m, p, 0, 0, (int64_t)pow(10, 2 + (i + p) % 6), 4096);
  g_assert_cmpuint(metrics_bytes_held(m) / N, <, 512);
  metrics_free(m);
}

/* Values at the ends of the grid: 0 and the largest int64_t. */
static void test_histogram_extremes(void) {
  metrics_hist *h = metrics_hist_new();
  metrics_hist_add(h, 0);
  metrics_hist_add(h, G_MAXINT64);
  metrics_hist_add(h, G_MAXINT64 - 1);
  latency_summary l = metrics_hist_summary(h);
  g_assert_cmpint(l.max, ==, G_MAXINT64);
  g_assert_cmpfloat(fabs((double)l.p50 - (double)G_MAXINT64), <=,
                    METRICS_HIST_RELATIVE_ERROR * (double)G_MAXINT64);
  g_assert_cmpint(metrics_hist_quantile(h, 0), ==, 0);
  metrics_hist_free(h);
}

/* Below 128 ns every value has a bucket of its own, so every order
 * statistic is exact: each one, the low ones (found from the bottom) and
 * the high ones (found from the top), is the sorted sample's, also with
 * many repeated values and empty buckets between them. */
static void test_histogram_order_stats(void) {
  enum { N = 1001 };
  static const int spreads[] = {128, 40, 3};
  for (size_t s = 0; s < G_N_ELEMENTS(spreads); s++) {
    GRand *rnd = g_rand_new_with_seed(7 + (guint32)s);
    metrics_hist *h = metrics_hist_new();
    double d[N];
    for (int i = 0; i < N; i++) {
      /* every other value even: empty buckets between the full ones */
      int64_t v = g_rand_int_range(rnd, 0, spreads[s]) & ~(int64_t)1;
      d[i] = (double)v;
      metrics_hist_add(h, v);
    }
    gsl_sort(d, 1, N);
    for (int k = 0; k < N; k++) {
      double p = (double)k / (N - 1);
      g_assert_cmpint(metrics_hist_quantile(h, p), ==, (int64_t)d[k]);
    }
    metrics_hist_free(h);
    g_rand_free(rnd);
  }
}

/* What the statistics hold does not grow with the number of I/Os: 3,000
 * and 300,000 completions over the same latencies leave the same bytes
 * held. */
static void test_memory_flat(void) {
  gsize held[2];
  for (int run = 0; run < 2; run++) {
    metrics *m = metrics_new(3, 1, 100 * SIM_MS);
    guint n = run ? 300000 : 3000;
    sim_time t = 0;
    for (guint i = 0; i < n; i++) {
      /* each process: latencies 10 us .. 10 ms, all of them in both runs */
      int64_t lat = 10000 + (int64_t)((i / 3 * 7919u) % 1000u) * 9990;
      t += 1000;
      metrics_io_done(m, i % 3, 0, t, t + lat, 4096);
      t += lat;
    }
    metrics_finish(m, t);
    held[run] = metrics_bytes_held(m);
    metrics_free(m);
  }
  g_assert_cmpuint(held[1], ==, held[0]);
  g_assert_cmpuint(held[0], <, 64 * 1024);
}

static metrics *with_bytes(const uint64_t *bytes, guint n) {
  metrics *m = metrics_new(n, 1, SIM_S);
  for (guint i = 0; i < n; i++)
    if (bytes[i])
      metrics_io_done(m, i, 0, 0, SIM_MS, bytes[i]);
  return m;
}

static void test_jain(void) {
  struct {
    uint64_t b[4];
    guint n;
    double want;
  } cases[] = {
      {{4096, 4096, 4096, 4096}, 4, 1.0},
      {{4096, 0, 0, 0}, 4, 0.25},
      {{4096, 8192}, 2, 0.9},
      {{4096}, 1, 1.0},    /* fewer than two processes */
      {{0, 0, 0}, 3, 1.0}, /* nobody moved a byte */
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    metrics *m = with_bytes(cases[i].b, cases[i].n);
    g_assert_cmpfloat_with_epsilon(metrics_jain(m), cases[i].want, 1e-12);
    metrics_free(m);
  }
}

static void test_devices(void) {
  metrics *m = metrics_new(2, 2, SIM_S);
  metrics_io_done(m, 0, 1, 0, 5 * SIM_MS, 4096);
  metrics_io_done(m, 1, 1, 0, 6 * SIM_MS, 8192);
  metrics_io_done(m, 1, 0, 0, 7 * SIM_MS, 512);
  metrics_set_device_busy(m, 1, 11 * SIM_MS);
  g_assert_cmpuint(metrics_device_bytes(m, 0), ==, 512);
  g_assert_cmpuint(metrics_device_ios(m, 0), ==, 1);
  g_assert_cmpuint(metrics_device_bytes(m, 1), ==, 4096 + 8192);
  g_assert_cmpuint(metrics_device_ios(m, 1), ==, 2);
  g_assert_cmpint(metrics_device_busy(m, 0), ==, 0);
  g_assert_cmpint(metrics_device_busy(m, 1), ==, 11 * SIM_MS);
  metrics_free(m);
}

/* What a window sink saw: per closed window, both processes' bytes and
 * mean latencies, and the window's Jain index. */
typedef struct seen_windows {
  GArray *k;
  GArray *bytes; /* uint64_t, 2 per window */
  GArray *lat;   /* double, 2 per window */
  GArray *jain;  /* double */
} seen_windows;

static void on_window(void *ctx, const metrics *m, guint k) {
  seen_windows *s = ctx;
  g_array_append_val(s->k, k);
  for (guint i = 0; i < 2; i++) {
    uint64_t b = metrics_window_bytes(m, i, k);
    double l = metrics_window_mean_latency(m, i, k);
    g_array_append_val(s->bytes, b);
    g_array_append_val(s->lat, l);
  }
  double j = metrics_window_jain(m, k);
  g_array_append_val(s->jain, j);
}

static void test_timeseries(void) {
  metrics *m = metrics_new(2, 1, 100 * SIM_MS);
  seen_windows s = {g_array_new(FALSE, FALSE, sizeof(guint)),
                    g_array_new(FALSE, FALSE, sizeof(uint64_t)),
                    g_array_new(FALSE, FALSE, sizeof(double)),
                    g_array_new(FALSE, FALSE, sizeof(double))};
  metrics_set_window_sink(m, on_window, &s);
  g_assert_cmpint(metrics_window(m), ==, 100 * SIM_MS);
  g_assert_cmpuint(metrics_n_windows(m), ==, 0);

  metrics_io_done(m, 0, 0, 40 * SIM_MS, 50 * SIM_MS, 4096); /* window 0 */
  g_assert_cmpuint(s.k->len, ==, 0);                        /* still open */
  /* Exactly on a boundary: the window that starts there. */
  metrics_io_done(m, 1, 0, 90 * SIM_MS, 100 * SIM_MS, 8192); /* window 1 */
  g_assert_cmpuint(metrics_n_windows(m), ==, 1);
  /* The window is the one of completion, not submission. */
  metrics_io_done(m, 0, 0, 250 * SIM_MS, 352 * SIM_MS, 4096); /* window 3 */
  metrics_io_done(m, 0, 0, 390 * SIM_MS, 394 * SIM_MS, 4096); /* window 3 */
  g_assert_cmpuint(metrics_n_windows(m), ==, 3); /* 0, 1 and the empty 2 */
  /* The end of the run closes the rest, empty ones up to it too. */
  metrics_finish(m, 450 * SIM_MS + 1);
  g_assert_cmpuint(metrics_n_windows(m), ==, 5);
  g_assert_cmpuint(s.k->len, ==, 5);
  for (guint k = 0; k < 5; k++)
    g_assert_cmpuint(g_array_index(s.k, guint, k), ==, k);

#define BYTES(p, k) g_array_index(s.bytes, uint64_t, (k)*2 + (p))
#define LAT(p, k) g_array_index(s.lat, double, (k)*2 + (p))
  g_assert_cmpuint(BYTES(0, 0), ==, 4096);
  g_assert_cmpuint(BYTES(1, 0), ==, 0);
  g_assert_cmpuint(BYTES(1, 1), ==, 8192);
  g_assert_cmpuint(BYTES(0, 2), ==, 0);
  g_assert_cmpuint(BYTES(0, 3), ==, 8192);
  g_assert_cmpuint(BYTES(0, 4), ==, 0);
  g_assert_cmpfloat_with_epsilon(LAT(0, 0), 10.0 * SIM_MS, 1e-6);
  g_assert_cmpfloat_with_epsilon(LAT(0, 3), 53.0 * SIM_MS, 1e-6);
  g_assert_cmpfloat(LAT(1, 3), ==, 0.0);
  g_assert_cmpfloat(LAT(0, 2), ==, 0.0);
  /* One of two processes moved bytes: 1/2; nothing moved: no index. */
  g_assert_cmpfloat_with_epsilon(g_array_index(s.jain, double, 0), 0.5, 1e-12);
  g_assert_cmpfloat(g_array_index(s.jain, double, 2), <, 0);
  /* Mean and minimum over the three windows where something moved. */
  g_assert_cmpfloat_with_epsilon(metrics_window_jain_mean(m), 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon(metrics_window_jain_min(m), 0.5, 1e-12);

  /* Windows add up to the totals. */
  uint64_t sum = 0;
  for (guint k = 0; k < 5; k++)
    sum += BYTES(0, k);
  g_assert_cmpuint(sum, ==, metrics_proc_bytes(m, 0));
#undef BYTES
#undef LAT
  metrics_free(m);
  g_array_unref(s.k);
  g_array_unref(s.bytes);
  g_array_unref(s.lat);
  g_array_unref(s.jain);
}

/* What a sink sees of a window among many processes (across words of
 * the active set): the active ones, in order, their cells; the idle ones
 * zeros; the index over all of them. */
typedef struct active_seen {
  GArray *active; /* guint: per window, the active processes, then N */
  double jain[3];
} active_seen;

static void on_active_window(void *ctx, const metrics *m, guint k) {
  active_seen *s = ctx;
  guint n = 200;
  guint next = metrics_window_next_active(m, 0);
  for (guint i = 0; i < n; i++) {
    if (i == next) {
      g_array_append_val(s->active, i);
      g_assert_cmpuint(metrics_window_bytes(m, i, k), ==, 512 * (i + 1));
      g_assert_cmpfloat(metrics_window_mean_latency(m, i, k), ==, i + 1.0);
      next = metrics_window_next_active(m, i + 1);
    } else {
      g_assert_cmpuint(metrics_window_bytes(m, i, k), ==, 0);
      g_assert_cmpfloat(metrics_window_mean_latency(m, i, k), ==, 0);
    }
  }
  g_assert_cmpuint(next, ==, n);
  g_array_append_val(s->active, n);
  s->jain[k] = metrics_window_jain(m, k);
}

static void test_timeseries_active(void) {
  enum { N = 200 };
  metrics *m = metrics_new(N, 1, SIM_S);
  active_seen s = {g_array_new(FALSE, FALSE, sizeof(guint)), {0}};
  metrics_set_window_sink(m, on_active_window, &s);
  /* window 0: processes 0, 63, 64, 130 and 199; window 1: none; window
   * 2: 5 (twice) */
  const guint w0[] = {199, 64, 0, 130, 63};
  for (guint j = 0; j < G_N_ELEMENTS(w0); j++)
    metrics_io_done(m, w0[j], 0, 100, 100 + w0[j] + 1, 512 * (w0[j] + 1));
  metrics_io_done(m, 5, 0, 2 * SIM_S, 2 * SIM_S + 3, 1024);
  metrics_io_done(m, 5, 0, 2 * SIM_S, 2 * SIM_S + 9, 2048);
  metrics_finish(m, 3 * SIM_S);
  const guint want[] = {0, 63, 64, 130, 199, N, N, 5, N};
  g_assert_cmpuint(s.active->len, ==, G_N_ELEMENTS(want));
  for (guint j = 0; j < G_N_ELEMENTS(want); j++)
    g_assert_cmpuint(g_array_index(s.active, guint, j), ==, want[j]);
  double sum = 0, sq = 0;
  for (guint j = 0; j < G_N_ELEMENTS(w0); j++) {
    double x = 512.0 * (w0[j] + 1);
    sum += x;
    sq += x * x;
  }
  g_assert_cmpfloat_with_epsilon(s.jain[0], sum * sum / (N * sq), 1e-12);
  g_assert_cmpfloat(s.jain[1], <, 0);
  g_assert_cmpfloat_with_epsilon(s.jain[2], 1.0 / N, 1e-12);
  metrics_free(m);
  g_array_unref(s.active);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/metrics/percentiles", test_percentiles);
  g_test_add_func("/metrics/percentile-interpolation",
                  test_percentile_interpolation);
  g_test_add_func("/metrics/histogram-accuracy", test_histogram_accuracy);
  g_test_add_func("/metrics/histogram-few", test_histogram_few);
  g_test_add_func("/metrics/histogram-few-memory", test_histogram_few_memory);
  g_test_add_func("/metrics/histogram-extremes", test_histogram_extremes);
  g_test_add_func("/metrics/histogram-order-stats", test_histogram_order_stats);
  g_test_add_func("/metrics/memory-flat", test_memory_flat);
  g_test_add_func("/metrics/jain", test_jain);
  g_test_add_func("/metrics/devices", test_devices);
  g_test_add_func("/metrics/timeseries", test_timeseries);
  g_test_add_func("/metrics/timeseries-active", test_timeseries_active);
  return g_test_run();
}
