/* Disk models: the rotating disk's seek curve, rotation, zones, NCQ and its
 * age limit, read-ahead, write cache and flush; the SSD's parallelism, link
 * and write buffer; driven through the ops table and the engine with no
 * actors (events run to completion). */
#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>

#include "models/disk.h"
#include "models/disk_hdd.h"
#include "models/disk_ssd.h"

#define KIB 1024
#define SECT(bytes) ((int64_t)(bytes) / 512)

/* ---- a closed-loop driver: keeps `depth` commands in the disk ---- */

typedef struct driver driver;
typedef void (*next_fn)(driver *dr, disk_cmd *cmd);

struct driver {
  sim_engine *e;
  const disk_ops *ops;
  void *disk;
  int depth;
  int total; /* commands to issue */
  int issued;
  int done;
  next_fn next; /* fills sector/nr_sectors/write of the next command */
  gsl_rng *rng;
  int64_t cursor; /* for sequential streams */
  uint32_t len;   /* sectors per command */
  bool write;
  disk_cmd *cmds; /* [total], kept for inspection */
};

static void drv_issue(driver *dr);

static void drv_done(disk_cmd *cmd) {
  driver *dr = cmd->owner;
  dr->done++;
  g_assert_cmpint(cmd->completed, >=, cmd->started);
  g_assert_cmpint(cmd->started, >=, cmd->issued);
  g_assert_cmpint(cmd->completed, ==, sim_now(dr->e));
  drv_issue(dr);
}

static void drv_issue(driver *dr) {
  while (dr->issued < dr->total && dr->issued - dr->done < dr->depth) {
    disk_cmd *cmd = &dr->cmds[dr->issued++];
    *cmd = (disk_cmd){.done = drv_done, .owner = dr, .write = dr->write};
    dr->next(dr, cmd);
    dr->ops->submit(dr->disk, cmd);
  }
}

static void next_random(driver *dr, disk_cmd *cmd) {
  int64_t slots = dr->ops->capacity(dr->disk) / dr->len;
  cmd->sector =
      (int64_t)gsl_rng_uniform_int(dr->rng, (unsigned long)slots) * dr->len;
  cmd->nr_sectors = dr->len;
}

static void next_seq(driver *dr, disk_cmd *cmd) {
  cmd->sector = dr->cursor;
  cmd->nr_sectors = dr->len;
  dr->cursor += dr->len;
}

static driver *drv_new(const disk_ops *ops, const char *const *sets, int depth,
                       int total, next_fn next, uint32_t len) {
  driver *dr = g_new0(driver, 1);
  dr->e = sim_engine_new();
  dr->ops = ops;
  void *cfg = params_defaults(ops->params, ops->cfg_size);
  for (int i = 0; sets && sets[i]; i += 2) {
    GError *err = NULL;
    const param_desc *p = params_find(ops->params, sets[i]);
    g_assert_nonnull(p);
    g_assert_true(params_set(p, cfg, sets[i + 1], &err));
    g_assert_no_error(err);
  }
  GError *err = NULL;
  dr->disk = ops->init(cfg, dr->e, &err);
  g_assert_no_error(err);
  g_free(cfg);
  dr->depth = depth;
  dr->total = total;
  dr->next = next;
  dr->len = len;
  dr->rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(dr->rng, 42);
  dr->cmds = g_new0(disk_cmd, total);
  return dr;
}

static void drv_run(driver *dr) {
  drv_issue(dr);
  g_assert_cmpint(sim_engine_run(dr->e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpint(dr->done, ==, dr->total);
}

static void drv_free(driver *dr) {
  dr->ops->free(dr->disk);
  sim_engine_free(dr->e);
  gsl_rng_free(dr->rng);
  g_free(dr->cmds);
  g_free(dr);
}

static double mean_latency_ms(const driver *dr) {
  double *v = g_new(double, dr->total);
  for (int i = 0; i < dr->total; i++)
    v[i] = (double)(dr->cmds[i].completed - dr->cmds[i].issued) / 1e6;
  double m = gsl_stats_mean(v, 1, dr->total);
  g_free(v);
  return m;
}

/* Bytes per second between the first and the last completion, so the first
 * command's positioning does not count. */
static double stream_rate(const driver *dr) {
  sim_time t0 = dr->cmds[0].completed, t1 = dr->cmds[dr->total - 1].completed;
  double bytes = (double)(dr->total - 1) * dr->len * 512;
  return bytes / ((double)(t1 - t0) / 1e9);
}

/* ---- registry ---- */

static void test_registry(void) {
  g_assert_true(disk_ops_find("hdd") == &disk_hdd_ops);
  g_assert_true(disk_ops_find("ssd") == &disk_ssd_ops);
  g_assert_null(disk_ops_find("floppy"));
  g_assert_null(disk_ops_find(NULL));
  int n = 0;
  for (; disk_model_names[n]; n++)
    g_assert_nonnull(disk_ops_find(disk_model_names[n]));
  g_assert_cmpint(n, ==, 2);
  g_assert_false(disk_hdd_ops.nonrot);
  g_assert_true(disk_ssd_ops.nonrot);
  /* every parameter has a default that parses, and a help line */
  const disk_ops *all[] = {&disk_hdd_ops, &disk_ssd_ops};
  for (int i = 0; i < 2; i++)
    for (const param_desc *p = all[i]->params; p->name; p++) {
      g_assert_nonnull(p->def);
      g_assert_nonnull(p->help);
    }
}

/* ---- hdd ---- */

static void test_hdd_seek_curve(void) {
  driver *dr = drv_new(&disk_hdd_ops, NULL, 1, 0, next_random, 8);
  int64_t d = disk_hdd_cylinders(dr->disk) - 1; /* full stroke */
  g_assert_cmpint(d % 3, ==, 0);
  g_assert_cmpfloat(disk_hdd_seek_ns(dr->disk, 0), ==, 0.0);
  g_assert_cmpfloat_with_epsilon(disk_hdd_seek_ns(dr->disk, 1), 1e6, 1.0);
  g_assert_cmpfloat_with_epsilon(disk_hdd_seek_ns(dr->disk, d / 3), 8.5e6, 1.0);
  g_assert_cmpfloat_with_epsilon(disk_hdd_seek_ns(dr->disk, d), 17e6, 1.0);
  g_assert_cmpfloat(disk_hdd_seek_ns(dr->disk, -d), ==,
                    disk_hdd_seek_ns(dr->disk, d));
  double prev = 0.0;
  for (int64_t x = 1; x <= d; x += 997) {
    double s = disk_hdd_seek_ns(dr->disk, x);
    g_assert_cmpfloat(s, >=, prev);
    prev = s;
  }
  drv_free(dr);

  /* The points come from the parameters. */
  const char *sets[] = {"avg_seek", "10ms", "cylinders", "3001", NULL};
  dr = drv_new(&disk_hdd_ops, sets, 1, 0, next_random, 8);
  g_assert_cmpfloat_with_epsilon(disk_hdd_seek_ns(dr->disk, 1000), 10e6, 1.0);
  g_assert_cmpfloat_with_epsilon(disk_hdd_seek_ns(dr->disk, 3000), 17e6, 1.0);
  drv_free(dr);
}

/* A full-stroke move really costs the full-stroke seek, and at most one
 * revolution more. */
static void next_edges(driver *dr, disk_cmd *cmd) {
  cmd->nr_sectors = 8;
  cmd->sector = dr->issued == 1 ? 0 : dr->ops->capacity(dr->disk) - 8;
}

static void test_hdd_full_stroke_service(void) {
  driver *dr = drv_new(&disk_hdd_ops, NULL, 1, 2, next_edges, 8);
  drv_run(dr);
  disk_cmd *c = &dr->cmds[1];
  double svc = (double)(c->completed - c->started);
  double rot = disk_hdd_rotation_ns(dr->disk);
  g_assert_cmpfloat(svc, >=, 0.1e6 + 17e6);
  g_assert_cmpfloat(svc, <=, 0.1e6 + 17e6 + rot + 0.1e6);
  drv_free(dr);
}

static void test_hdd_random_read_qd1(void) {
  driver *dr =
      drv_new(&disk_hdd_ops, NULL, 1, 2000, next_random, SECT(4 * KIB));
  drv_run(dr);
  double expect = 8.5 + 60e3 / 7200 / 2 + 4096 / 125e6 * 1e3 + 0.1;
  double mean = mean_latency_ms(dr);
  g_test_message("hdd random 4k read qd1: mean %.3f ms (expected ~%.3f)", mean,
                 expect);
  g_assert_cmpfloat(fabs(mean - expect) / expect, <, 0.15);
  /* busy the whole time: depth 1, back to back */
  g_assert_cmpint(disk_hdd_ops.busy_time(dr->disk), ==,
                  dr->cmds[dr->total - 1].completed);
  drv_free(dr);
}

static void test_hdd_sequential_outer(void) {
  driver *dr = drv_new(&disk_hdd_ops, NULL, 1, 200, next_seq, SECT(128 * KIB));
  drv_run(dr);
  double rate = stream_rate(dr);
  g_test_message("hdd sequential 128k reads at the outer edge: %.1f MB/s",
                 rate / 1e6);
  g_assert_cmpfloat(fabs(rate - 125e6) / 125e6, <, 0.10);
  /* sequential commands after the first pay no positioning */
  for (int i = 1; i < dr->total; i++) {
    sim_time svc = dr->cmds[i].completed - dr->cmds[i].started;
    g_assert_cmpint(svc, <, 100 * SIM_US + 131072 * 1e9 / 124e6);
  }
  drv_free(dr);
}

static void test_hdd_sequential_inner(void) {
  driver *dr = drv_new(&disk_hdd_ops, NULL, 1, 200, next_seq, SECT(128 * KIB));
  dr->cursor = disk_hdd_ops.capacity(dr->disk) - 200 * dr->len;
  drv_run(dr);
  double rate = stream_rate(dr);
  g_test_message("hdd sequential 128k reads at the inner edge: %.1f MB/s",
                 rate / 1e6);
  g_assert_cmpfloat(fabs(rate - 65e6) / 65e6, <, 0.10);
  drv_free(dr);
}

static void test_hdd_zones(void) {
  driver *dr = drv_new(&disk_hdd_ops, NULL, 1, 0, next_random, 8);
  void *d = dr->disk;
  int64_t n = disk_hdd_cylinders(d);
  int64_t outer = disk_hdd_cylinder_start(d, 1) - disk_hdd_cylinder_start(d, 0);
  int64_t inner =
      disk_hdd_cylinder_start(d, n) - disk_hdd_cylinder_start(d, n - 1);
  g_assert_cmpfloat(fabs((double)outer / inner - 125.0 / 65.0), <, 0.01);
  g_assert_cmpint(disk_hdd_cylinder_start(d, n), ==, disk_hdd_ops.capacity(d));
  g_assert_cmpint(disk_hdd_ops.capacity(d), ==,
                  500LL * 1024 * 1024 * 1024 / 512);
  /* the mapping is consistent both ways */
  for (int64_t c = 0; c < n; c += 4999) {
    int64_t s = disk_hdd_cylinder_start(d, c);
    g_assert_cmpint(disk_hdd_cylinder_of(d, s), ==, c);
    if (c > 0)
      g_assert_cmpint(disk_hdd_cylinder_of(d, s - 1), ==, c - 1);
  }
  drv_free(dr);

  /* every cylinder of smaller disks, steep and flat zoning alike (the
   * lookup solves the zoning for the cylinder, then corrects rounding) */
  const char *small[][7] = {
      {"cylinders", "3001", "capacity", "3g", "inner_rate", "20MB/s", NULL},
      {"cylinders", "777", "capacity", "1g", "inner_rate", "125MB/s", NULL},
  };
  for (guint k = 0; k < G_N_ELEMENTS(small); k++) {
    dr = drv_new(&disk_hdd_ops, small[k], 1, 0, next_random, 8);
    d = dr->disk;
    n = disk_hdd_cylinders(d);
    for (int64_t c = 0; c < n; c++) {
      int64_t s = disk_hdd_cylinder_start(d, c);
      g_assert_cmpint(disk_hdd_cylinder_of(d, s), ==, c);
      int64_t e = disk_hdd_cylinder_start(d, c + 1) - 1;
      g_assert_cmpint(disk_hdd_cylinder_of(d, e), ==, c);
    }
    drv_free(dr);
  }
}

/* The cylinder of a sector by bisection over the cylinder starts: what
 * the lookup (a formula, a correction walk and a memo of the last
 * cylinder) must return, whatever order the sectors come in. */
static int64_t cylinder_by_bisection(void *d, int64_t sector) {
  int64_t lo = 0, hi = disk_hdd_cylinders(d) - 1;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo + 1) / 2;
    if (disk_hdd_cylinder_start(d, mid) <= sector)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

static void test_hdd_cylinder_lookup_random(void) {
  const char *shapes[][7] = {
      {NULL},
      {"cylinders", "3001", "capacity", "3g", "inner_rate", "20MB/s", NULL},
      {"cylinders", "100000", "capacity", "2t", "inner_rate", "124MB/s", NULL},
  };
  GRand *r = g_rand_new_with_seed(99);
  for (guint k = 0; k < G_N_ELEMENTS(shapes); k++) {
    driver *dr = drv_new(&disk_hdd_ops, shapes[k][0] ? shapes[k] : NULL, 1, 0,
                         next_random, 8);
    void *d = dr->disk;
    int64_t cap = disk_hdd_ops.capacity(d);
    int64_t s = 0;
    for (int i = 0; i < 200000; i++) {
      switch (g_rand_int_range(r, 0, 4)) {
      case 0: /* anywhere */
        s = (int64_t)(g_rand_double(r) * (double)cap);
        break;
      case 1: /* on from the last one, as sequential I/O goes */
        s += g_rand_int_range(r, 1, 4096);
        break;
      case 2: /* back a little */ s -= g_rand_int_range(r, 1, 4096); break;
      default: { /* a cylinder's edge, either side */
        int64_t c = (int64_t)(g_rand_double(r) * disk_hdd_cylinders(d));
        s = disk_hdd_cylinder_start(d, c) - g_rand_int_range(r, 0, 2);
      }
      }
      s = CLAMP(s, 0, cap - 1);
      g_assert_cmpint(disk_hdd_cylinder_of(d, s), ==,
                      cylinder_by_bisection(d, s));
    }
    drv_free(dr);
  }
  g_rand_free(r);
}

/* Reading the same 4 KiB twice costs exactly one revolution the second
 * time: no seek, and the sector has just passed under the head. */
static void next_same(driver *dr, disk_cmd *cmd) {
  cmd->sector = 123456 * 8;
  cmd->nr_sectors = 8;
  (void)dr;
}

/* The geometry alone: no buffer to answer a repeated read from. */
static const char *const no_buffer[] = {"cache_size", "0", "write_cache",
                                        "false", NULL};

static void test_hdd_rotation_computed(void) {
  driver *dr = drv_new(&disk_hdd_ops, no_buffer, 1, 3, next_same, 8);
  drv_run(dr);
  double rot = disk_hdd_rotation_ns(dr->disk);
  for (int i = 1; i < 3; i++) {
    double svc = (double)(dr->cmds[i].completed - dr->cmds[i].started);
    g_assert_cmpfloat(fabs(svc - rot), <=, 2.0);
  }
  drv_free(dr);

  /* The same random sequence twice gives the same times. */
  driver *a = drv_new(&disk_hdd_ops, NULL, 1, 300, next_random, 8);
  driver *b = drv_new(&disk_hdd_ops, NULL, 1, 300, next_random, 8);
  drv_run(a);
  drv_run(b);
  bool all_equal_wait = true;
  for (int i = 0; i < 300; i++) {
    g_assert_cmpint(a->cmds[i].sector, ==, b->cmds[i].sector);
    g_assert_cmpint(a->cmds[i].completed, ==, b->cmds[i].completed);
    if (i > 0 && a->cmds[i].completed - a->cmds[i].started !=
                     a->cmds[1].completed - a->cmds[1].started)
      all_equal_wait = false;
  }
  g_assert_false(all_equal_wait);
  drv_free(a);
  drv_free(b);
}

static double iops(const driver *dr) {
  return dr->total / ((double)dr->cmds[dr->total - 1].completed / 1e9);
}

static void test_hdd_ncq(void) {
  const char *no_ncq[] = {"ncq", "false", NULL};
  driver *q1 = drv_new(&disk_hdd_ops, no_ncq, 1, 2000, next_random, 8);
  driver *q31 = drv_new(&disk_hdd_ops, NULL, 31, 2000, next_random, 8);
  g_assert_cmpint(disk_hdd_ops.queue_depth(q1->disk), ==, 1);
  g_assert_cmpint(disk_hdd_ops.queue_depth(q31->disk), ==, 31);
  drv_run(q1);
  drv_run(q31);
  g_test_message("hdd random 4k reads: %.0f IOPS at depth 1, %.0f with NCQ 31",
                 iops(q1), iops(q31));
  g_assert_cmpfloat(iops(q31), >, 1.5 * iops(q1));
  /* SATF serves out of arrival order */
  bool reordered = false;
  for (int i = 1; i < q31->total; i++)
    if (q31->cmds[i].completed < q31->cmds[i - 1].completed)
      reordered = true;
  g_assert_true(reordered);
  drv_free(q1);
  drv_free(q31);

  const char *d8[] = {"ncq", "on", "ncq_depth", "8", NULL};
  driver *q8 = drv_new(&disk_hdd_ops, d8, 8, 1, next_random, 8);
  g_assert_cmpint(disk_hdd_ops.queue_depth(q8->disk), ==, 8);
  drv_free(q8);
}

/* Idle time between commands is not busy time. */
static void late_submit(void *arg) {
  driver *dr = arg;
  dr->total = 2;
  drv_issue(dr);
}

static void test_hdd_busy_time(void) {
  driver *dr = drv_new(&disk_hdd_ops, NULL, 1, 2, next_random, 8);
  dr->total = 1; /* the second command comes 100 ms later, from an event */
  drv_issue(dr);
  sim_post(dr->e, 100 * SIM_MS, "late", late_submit, dr);
  g_assert_cmpint(sim_engine_run(dr->e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpint(dr->done, ==, 2);
  sim_time svc = 0;
  for (int i = 0; i < 2; i++)
    svc += dr->cmds[i].completed - dr->cmds[i].issued;
  g_assert_cmpint(dr->cmds[1].issued, ==, 100 * SIM_MS);
  g_assert_cmpint(disk_hdd_ops.busy_time(dr->disk), ==, svc);
  drv_free(dr);
}

static void test_hdd_bad_params(void) {
  const char *const bad[][5] = {
      {"inner_rate", "200MB/s", NULL},
      {"track_to_track", "9ms", NULL},
      {"avg_seek", "16.9ms", NULL}, /* no increasing curve */
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    void *cfg = params_defaults(disk_hdd_ops.params, disk_hdd_ops.cfg_size);
    const param_desc *p = params_find(disk_hdd_ops.params, bad[i][0]);
    g_assert_true(params_set(p, cfg, bad[i][1], NULL));
    GError *err = NULL;
    sim_engine *e = sim_engine_new();
    g_assert_null(disk_hdd_ops.init(cfg, e, &err));
    g_assert_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE);
    g_error_free(err);
    sim_engine_free(e);
    g_free(cfg);
  }
}

/* ---- ssd ---- */

static void test_ssd_random_read(void) {
  driver *s = drv_new(&disk_ssd_ops, NULL, 1, 2000, next_random, 8);
  driver *h = drv_new(&disk_hdd_ops, NULL, 1, 2000, next_random, 8);
  drv_run(s);
  drv_run(h);
  double ms = mean_latency_ms(s), mh = mean_latency_ms(h);
  g_test_message("random 4k read qd1: ssd %.3f ms, hdd %.3f ms", ms, mh);
  g_assert_cmpfloat(ms * 50, <, mh);
  g_assert_cmpint(disk_ssd_ops.queue_depth(s->disk), ==, 31);
  drv_free(s);
  drv_free(h);
}

static void test_ssd_sequential_link_bound(void) {
  driver *dr = drv_new(&disk_ssd_ops, NULL, 1, 50, next_seq, SECT(1024 * KIB));
  drv_run(dr);
  double rate = stream_rate(dr);
  g_test_message("ssd sequential 1 MiB reads: %.1f MB/s", rate / 1e6);
  /* 3 Gb/s, 8b/10b: 300 MB/s on the wire, 90 % of it left for data */
  double payload = 3e9 / 10 * 0.9;
  g_assert_cmpfloat(rate, <=, payload);
  g_assert_cmpfloat(rate, >, 0.9 * payload);
  /* dd on SATA 3 Gb/s SSDs of the time: 243-287 MB/s; Intel 320: 270 */
  g_assert_cmpfloat(rate, >=, 250e6);
  g_assert_cmpfloat(rate, <=, 270e6);
  drv_free(dr);

  /* a faster link moves the limit */
  const char *fast[] = {"link_gbps", "6", NULL};
  dr = drv_new(&disk_ssd_ops, fast, 1, 50, next_seq, SECT(1024 * KIB));
  drv_run(dr);
  g_assert_cmpfloat(stream_rate(dr), >, 1.5 * payload);
  drv_free(dr);
}

/* Without the write buffer a write waits for its pages' programs.  (The
 * link pinned at its 8b/10b ceiling: this is about flash, not framing.) */
static void test_ssd_writes_slower(void) {
  const char *unbuffered[] = {"write_buffer", "0", "link_efficiency", "1",
                              NULL};
  for (int len = 8; len <= SECT(1024 * KIB); len *= 256) {
    driver *r = drv_new(&disk_ssd_ops, unbuffered, 1, 200, next_random, len);
    driver *w = drv_new(&disk_ssd_ops, unbuffered, 1, 200, next_random, len);
    w->write = true;
    drv_run(r);
    drv_run(w);
    g_test_message("ssd %d-sector qd1: read %.3f ms, write %.3f ms", len,
                   mean_latency_ms(r), mean_latency_ms(w));
    g_assert_cmpfloat(mean_latency_ms(w), >, 2 * mean_latency_ms(r));
    drv_free(r);
    drv_free(w);
  }
}

/* Two 4 KiB reads at once: on different dies they overlap, on the same die
 * the second waits for the first's array read. */
static void next_pages(driver *dr, disk_cmd *cmd) {
  int64_t stride = (int64_t)(intptr_t)dr->cursor;
  cmd->sector = (dr->issued - 1) * stride * 8;
  cmd->nr_sectors = 8;
}

static void test_ssd_dies_overlap(void) {
  driver *one = drv_new(&disk_ssd_ops, NULL, 1, 1, next_pages, 8);
  drv_run(one);
  sim_time alone = one->cmds[0].completed;
  drv_free(one);

  driver *diff = drv_new(&disk_ssd_ops, NULL, 2, 2, next_pages, 8);
  diff->cursor = 1; /* pages 0 and 1: dies 0 and 1 */
  drv_run(diff);
  driver *same = drv_new(&disk_ssd_ops, NULL, 2, 2, next_pages, 8);
  same->cursor = 32; /* pages 0 and 32: both on die 0 */
  drv_run(same);
  sim_time t_diff = diff->cmds[1].completed, t_same = same->cmds[1].completed;
  g_test_message("two 4k reads: alone %.1f us, different dies %.1f us, same "
                 "die %.1f us",
                 alone / 1e3, t_diff / 1e3, t_same / 1e3);
  g_assert_cmpint(t_diff, <, alone + alone / 2);
  g_assert_cmpint(t_same, >=, alone + 50 * SIM_US - 20 * SIM_US);
  g_assert_cmpint(t_same, >, t_diff);
  /* busy time counts overlapping commands once */
  g_assert_cmpint(disk_ssd_ops.busy_time(diff->disk), ==, t_diff);
  drv_free(diff);
  drv_free(same);
}

static void test_ssd_ncq_throughput(void) {
  driver *q1 = drv_new(&disk_ssd_ops, NULL, 1, 3000, next_random, 8);
  driver *q31 = drv_new(&disk_ssd_ops, NULL, 31, 3000, next_random, 8);
  drv_run(q1);
  drv_run(q31);
  g_test_message("ssd random 4k reads: %.0f IOPS at depth 1, %.0f at 31",
                 iops(q1), iops(q31));
  g_assert_cmpfloat(iops(q31), >, 3 * iops(q1));
  drv_free(q1);
  drv_free(q31);
}

/* ---- scripted commands: each submitted when the script says ---- */

#define RIG_MAX 4096

typedef struct rig rig;
typedef void (*rig_step_fn)(rig *r, disk_cmd *done);

struct rig {
  sim_engine *e;
  const disk_ops *ops;
  void *disk;
  disk_cmd cmds[RIG_MAX];
  int n; /* commands made */
  int done;
  rig_step_fn on_done; /* called at each completion */
  int64_t a, b;        /* the script's own state */
};

static rig *rig_new(const disk_ops *ops, const char *const *sets) {
  rig *r = g_new0(rig, 1);
  r->e = sim_engine_new();
  r->ops = ops;
  void *cfg = params_defaults(ops->params, ops->cfg_size);
  for (int i = 0; sets && sets[i]; i += 2) {
    const param_desc *p = params_find(ops->params, sets[i]);
    g_assert_nonnull(p);
    g_assert_true(params_set(p, cfg, sets[i + 1], NULL));
  }
  GError *err = NULL;
  r->disk = ops->init(cfg, r->e, &err);
  g_assert_no_error(err);
  g_free(cfg);
  return r;
}

static void rig_free(rig *r) {
  r->ops->free(r->disk);
  sim_engine_free(r->e);
  g_free(r);
}

static void rig_cmd_done(disk_cmd *cmd) {
  rig *r = cmd->owner;
  r->done++;
  g_assert_cmpint(cmd->completed, ==, sim_now(r->e));
  if (r->on_done)
    r->on_done(r, cmd);
}

/* Submit a command now; returns it. */
static disk_cmd *rig_submit(rig *r, int64_t sector, uint32_t n, bool write) {
  g_assert_cmpint(r->n, <, RIG_MAX);
  disk_cmd *c = &r->cmds[r->n++];
  *c = (disk_cmd){.sector = sector,
                  .nr_sectors = n,
                  .write = write,
                  .done = rig_cmd_done,
                  .owner = r};
  r->ops->submit(r->disk, c);
  return c;
}

static disk_cmd *rig_flush(rig *r) {
  disk_cmd *c = &r->cmds[r->n++];
  *c = (disk_cmd){
      .flush = true, .write = true, .done = rig_cmd_done, .owner = r};
  r->ops->submit(r->disk, c);
  return c;
}

typedef struct later {
  rig *r;
  int64_t sector;
  uint32_t n;
  bool write, flush;
} later;

static void later_fn(void *arg) {
  later *l = arg;
  if (l->flush)
    rig_flush(l->r);
  else
    rig_submit(l->r, l->sector, l->n, l->write);
  g_free(l);
}

/* Submit a command at time `at`. */
static void rig_at(rig *r, sim_time at, int64_t sector, uint32_t n, bool write,
                   bool flush) {
  later *l = g_new(later, 1);
  *l = (later){r, sector, n, write, flush};
  sim_post(r->e, at, "submit", later_fn, l);
}

static void rig_run(rig *r) {
  g_assert_cmpint(sim_engine_run(r->e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpint(r->done, ==, r->n);
}

static sim_time latency(const disk_cmd *c) { return c->completed - c->issued; }

/* ---- hdd: NCQ age limit ---- */

/* A far random read queued behind the first command of a dense sequential
 * stream: every later stream command continues where the head is and can
 * start at once, so shortest positioning first alone never picks the far
 * read. */
static void next_far_then_seq(driver *dr, disk_cmd *cmd) {
  if (dr->issued == 2) {
    cmd->sector = dr->ops->capacity(dr->disk) - 8;
    cmd->nr_sectors = 8;
  } else {
    next_seq(dr, cmd);
  }
}

static void test_hdd_ncq_age_limit(void) {
  /* 2000 reads of 128 KiB: a stream of about two seconds */
  driver *dr =
      drv_new(&disk_hdd_ops, NULL, 5, 2001, next_far_then_seq, SECT(128 * KIB));
  drv_run(dr);
  sim_time waited = latency(&dr->cmds[1]);
  sim_time stream_end = dr->cmds[dr->total - 1].completed;
  g_test_message("far read behind a stream: %.1f ms (stream %.0f ms)",
                 waited / 1e6, stream_end / 1e6);
  /* served once it had waited 500 ms, after at most the stream command in
   * progress (1.1 ms) and its own full-stroke access */
  g_assert_cmpint(waited, >=, 500 * SIM_MS);
  g_assert_cmpint(waited, <=,
                  500 * SIM_MS + 2 * SIM_MS + 17 * SIM_MS + 9 * SIM_MS);
  g_assert_cmpint(stream_end, >, 2 * SIM_S);
  drv_free(dr);

  /* without the limit the stream owns the drive to its end */
  const char *no_limit[] = {"ncq_max_age", "0", NULL};
  dr = drv_new(&disk_hdd_ops, no_limit, 5, 2001, next_far_then_seq,
               SECT(128 * KIB));
  drv_run(dr);
  g_assert_cmpint(dr->cmds[1].completed, >,
                  dr->cmds[dr->total - 2].completed - 30 * SIM_MS);
  drv_free(dr);
}

/* ---- hdd: read-ahead ---- */

#define RA_SECTOR (1000 * 2048) /* 1000 MiB in: outer zone */

/* Read 4 KiB, then `gap` after it completes read the next 4 KiB. */
static void ra_next(rig *r, disk_cmd *done) {
  if (r->done == 1)
    rig_at(r, sim_now(r->e) + r->a, done->sector + 8, 8, false, false);
}

static void test_hdd_readahead_hit(void) {
  const char *off[] = {"read_ahead", "false", NULL};
  sim_time lat[2];
  for (int i = 0; i < 2; i++) {
    rig *r = rig_new(&disk_hdd_ops, i ? off : NULL);
    r->a = 2 * SIM_MS;
    r->on_done = ra_next;
    rig_submit(r, RA_SECTOR, 8, false);
    rig_run(r);
    lat[i] = latency(&r->cmds[1]);
    if (i == 0) /* nothing had to move: the drive started it on arrival */
      g_assert_cmpint(r->cmds[1].started, ==, r->cmds[1].issued);
    rig_free(r);
  }
  g_test_message("next 4 KiB 2 ms later: %.3f ms with read-ahead, %.3f ms "
                 "without",
                 lat[0] / 1e6, lat[1] / 1e6);
  /* a hit costs the command overhead and 4 KiB over the link: no seek, no
   * rotation */
  double link = 4096 / (3e9 / 10 * 0.9) * 1e9;
  g_assert_cmpint(lat[0], <=, 100 * SIM_US + (sim_time)ceil(link));
  /* without it the sector has passed: most of a revolution */
  g_assert_cmpint(lat[1], >, 5 * SIM_MS);
}

/* Read 4 KiB; `a` ns after it, a far read; after that one, probe `b`
 * sectors past the first read. */
static void abort_script(rig *r, disk_cmd *done) {
  (void)done;
  if (r->done == 1 && r->a > 0)
    rig_at(r, sim_now(r->e) + r->a, 900000000, 8, false, false);
  else if (r->done == (r->a > 0 ? 2 : 1))
    rig_at(r, sim_now(r->e) + 30 * SIM_MS, RA_SECTOR + r->b, 8, false, false);
}

static sim_time probe(int64_t far_after, int64_t sectors_on,
                      bool *far_at_once) {
  rig *r = rig_new(&disk_hdd_ops, NULL);
  r->a = far_after;
  r->b = sectors_on;
  r->on_done = abort_script;
  rig_submit(r, RA_SECTOR, 8, false);
  rig_run(r);
  if (far_at_once)
    *far_at_once = r->cmds[1].started == r->cmds[1].issued;
  sim_time l = latency(&r->cmds[r->n - 1]);
  rig_free(r);
  return l;
}

static void test_hdd_readahead_aborted(void) {
  /* In 1 ms the outer zone passes ~245 sectors under the head. */
  bool at_once = false;
  sim_time near = probe(1 * SIM_MS, 8 + 100, &at_once);
  sim_time beyond = probe(1 * SIM_MS, 8 + 1000, NULL);
  sim_time kept_on = probe(0, 8 + 1000, NULL);
  g_test_message("after an abort at 1 ms: +100 %.3f ms, +1000 %.3f ms; "
                 "not aborted: +1000 %.3f ms",
                 near / 1e6, beyond / 1e6, kept_on / 1e6);
  g_assert_true(at_once); /* the far read did not wait for the read-ahead */
  g_assert_cmpint(near, <, 200 * SIM_US);    /* read before the abort */
  g_assert_cmpint(beyond, >, 1 * SIM_MS);    /* never read */
  g_assert_cmpint(kept_on, <, 200 * SIM_US); /* read by an idle drive */
}

/* ---- hdd: write cache and flush ---- */

static void test_hdd_write_cache_latency(void) {
  const char *wt[] = {"write_cache", "false", NULL};
  driver *wb = drv_new(&disk_hdd_ops, NULL, 1, 200, next_random, 8);
  driver *th = drv_new(&disk_hdd_ops, wt, 1, 200, next_random, 8);
  wb->write = th->write = true;
  g_assert_true(disk_hdd_ops.write_cache(wb->disk));
  g_assert_false(disk_hdd_ops.write_cache(th->disk));
  drv_run(wb);
  drv_run(th);
  sim_time worst = 0;
  for (int i = 0; i < wb->total; i++)
    worst = MAX(worst, latency(&wb->cmds[i]));
  g_test_message("4 KiB random writes qd1: write-back worst %.3f ms, "
                 "write-through mean %.3f ms",
                 worst / 1e6, mean_latency_ms(th));
  /* 800 KiB fit in the cache: each is acknowledged after the link */
  g_assert_cmpint(worst, <, 300 * SIM_US);
  /* through to the media, a write costs what a read does */
  g_assert_cmpfloat(mean_latency_ms(th), >, 8.0);
  drv_free(wb);
  drv_free(th);
}

/* Once the cache is full, random writes go at the pace of destaging. */
static void test_hdd_write_cache_full(void) {
  driver *dr = drv_new(&disk_hdd_ops, NULL, 1, 4000, next_random, 8);
  dr->write = true;
  drv_run(dr);
  int tail = 1000;
  sim_time span = dr->cmds[dr->total - 1].completed -
                  dr->cmds[dr->total - 1 - tail].completed;
  double rate = tail / (span / 1e9);
  g_test_message("4 KiB random writes after the cache filled: %.0f IOPS", rate);
  /* a measured consumer 7200 rpm drive: 124 IOPS; full reordering would
   * give ~200 */
  g_assert_cmpfloat(rate, >, 80);
  g_assert_cmpfloat(rate, <, 180);
  drv_free(dr);
}

/* 64 scattered writes, a flush once the last is acknowledged, a read
 * during the flush, and a second flush once that read is done (a
 * non-queued command waits for an idle device). */
static void flush_script(rig *r, disk_cmd *done) {
  if (!done->flush && done->write && r->done < 64) {
    rig_submit(r, (int64_t)(r->done * 7919 % 1000) * 1000000, 8, true);
  } else if (!done->flush && done->write) {
    rig_flush(r);
    rig_at(r, sim_now(r->e) + SIM_MS, RA_SECTOR, 8, false, false);
  } else if (!done->write) {
    rig_flush(r);
  }
}

static void test_hdd_flush_waits_for_destage(void) {
  rig *r = rig_new(&disk_hdd_ops, NULL);
  r->on_done = flush_script;
  rig_submit(r, 0, 8, true);
  rig_run(r);
  disk_cmd *flush = &r->cmds[64], *read = &r->cmds[65], *again = &r->cmds[66];
  g_assert_true(flush->flush && again->flush && !read->write);
  sim_time took = latency(flush);
  g_test_message("flush after 64 scattered writes: %.1f ms", took / 1e6);
  /* measured on a consumer drive: 28 + 9.4 ms per write; full reordering
   * would need ~4 ms per write */
  g_assert_cmpint(took, >, 64 * 4 * SIM_MS);
  g_assert_cmpint(took, <, 650 * SIM_MS);
  /* FLUSH CACHE is not queued: the read waited for it */
  g_assert_cmpint(read->completed, >, flush->completed);
  /* nothing was left dirty */
  g_assert_cmpint(latency(again), <=, 100 * SIM_US);
  rig_free(r);

  /* without a write cache there is nothing to wait for */
  const char *wt[] = {"write_cache", "false", NULL};
  r = rig_new(&disk_hdd_ops, wt);
  rig_submit(r, 123456, 8, true);
  rig_run(r);
  disk_cmd *f = rig_flush(r);
  rig_run(r);
  g_assert_cmpint(latency(f), <=, 100 * SIM_US);
  rig_free(r);
}

/* ---- ssd: write buffer and flush ---- */

/* 4 KiB writes all on die 0: the buffer fills at the pace of one die. */
static void next_die0(driver *dr, disk_cmd *cmd) {
  cmd->sector = (int64_t)(dr->issued - 1) * 32 * 8;
  cmd->nr_sectors = 8;
}

/* The plain first fit the timeline must agree with: drop what ended by
 * `now`, walk every span in order past the ones the request overlaps,
 * then add the span and merge all touching neighbours afresh. */
static sim_time ref_reserve(GArray *spans, sim_time now, sim_time ready,
                            sim_time dur) {
  guint k = 0;
  while (k < spans->len && g_array_index(spans, disk_ssd_span, k).end <= now)
    k++;
  g_array_remove_range(spans, 0, k);
  sim_time t = ready;
  for (guint i = 0; i < spans->len; i++) {
    const disk_ssd_span *sp = &g_array_index(spans, disk_ssd_span, i);
    if (sp->end <= t)
      continue;
    if (sp->start >= t + dur)
      break;
    t = sp->end;
  }
  if (dur == 0)
    return t;
  disk_ssd_span add = {t, t + dur};
  guint at = 0;
  while (at < spans->len && g_array_index(spans, disk_ssd_span, at).start < t)
    at++;
  g_array_insert_val(spans, at, add);
  for (guint i = 0; i + 1 < spans->len;) {
    disk_ssd_span *a = &g_array_index(spans, disk_ssd_span, i);
    const disk_ssd_span *b = &g_array_index(spans, disk_ssd_span, i + 1);
    g_assert_cmpint(a->end, <=, b->start); /* a reservation never overlaps */
    if (a->end == b->start) {
      a->end = b->end;
      g_array_remove_index(spans, i + 1);
    } else {
      i++;
    }
  }
  return t;
}

/* Random reservations, mostly short and close together so that gaps get
 * filled exactly, spans touch on either side, and requests land both
 * behind and after everything reserved: the start returned and the spans
 * kept must match the reference after every one. */
static void test_ssd_timeline_random(void) {
  for (guint32 seed = 1; seed <= 40; seed++) {
    GRand *r = g_rand_new_with_seed(seed);
    GArray *ref = g_array_new(FALSE, FALSE, sizeof(disk_ssd_span));
    disk_ssd_timeline tl = {0};
    sim_time now = 0;
    gint32 spread = g_rand_int_range(r, 1, 60);
    for (int n = 0; n < 3000; n++) {
      if (g_rand_int_range(r, 0, 4) == 0)
        now += g_rand_int_range(r, 0, spread);
      sim_time ready = now + g_rand_int_range(r, 0, 3 * spread);
      sim_time dur = g_rand_int_range(r, 0, 8) == 0
                         ? 0
                         : g_rand_int_range(r, 1, spread + 1);
      sim_time want = ref_reserve(ref, now, ready, dur);
      sim_time got = disk_ssd_timeline_reserve(&tl, now, ready, dur);
      g_assert_cmpint(got, ==, want);
      g_assert_cmpuint(tl.len, ==, ref->len);
      for (guint i = 0; i < ref->len; i++) {
        const disk_ssd_span *a = &tl.v[tl.head + i];
        const disk_ssd_span *b = &g_array_index(ref, disk_ssd_span, i);
        g_assert_cmpint(a->start, ==, b->start);
        g_assert_cmpint(a->end, ==, b->end);
      }
    }
    g_free(tl.v);
    g_array_free(ref, TRUE);
    g_rand_free(r);
  }
}

static void test_ssd_write_buffer(void) {
  driver *dr = drv_new(&disk_ssd_ops, NULL, 1, 2000, next_die0, 8);
  dr->write = true;
  drv_run(dr);
  sim_time first = 0, last = 0;
  for (int i = 0; i < 500; i++)
    first = MAX(first, latency(&dr->cmds[i]));
  for (int i = dr->total - 100; i < dr->total; i++)
    last += latency(&dr->cmds[i]);
  last /= 100;
  g_test_message("ssd 4 KiB writes to one die: worst of the first 500 %.1f "
                 "us, mean of the last 100 %.1f us",
                 first / 1e3, last / 1e3);
  /* acknowledged from the buffer: controller and link, tens of us */
  g_assert_cmpint(first, <, 50 * SIM_US);
  /* then each waits for a program (900 us) to free room */
  g_assert_cmpint(last, >, 800 * SIM_US);
  drv_free(dr);
}

static void test_ssd_flush_waits_for_programs(void) {
  for (int buffered = 1; buffered >= 0; buffered--) {
    const char *sets[] = {"write_buffer", buffered ? "4m" : "0", NULL};
    rig *r = rig_new(&disk_ssd_ops, sets);
    g_assert_true(disk_ssd_ops.write_cache(r->disk) == (buffered == 1));
    for (int i = 0; i < 16; i++) /* one after the other on die 0 */
      rig_submit(r, (int64_t)i * 32 * 8, 8, true);
    rig_run(r);
    disk_cmd *f = rig_flush(r);
    rig_run(r);
    g_test_message("ssd flush after 16 writes to one die (buffer %s): %.3f ms",
                   sets[1], latency(f) / 1e6);
    if (buffered) /* 16 programs of one die, one after the other */
      g_assert_cmpint(latency(f), >, 10 * SIM_MS);
    else
      g_assert_cmpint(latency(f), <=, 20 * SIM_US);
    rig_free(r);
  }
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/disk/registry", test_registry);
  g_test_add_func("/disk/hdd/seek-curve", test_hdd_seek_curve);
  g_test_add_func("/disk/hdd/full-stroke-service",
                  test_hdd_full_stroke_service);
  g_test_add_func("/disk/hdd/random-read-qd1", test_hdd_random_read_qd1);
  g_test_add_func("/disk/hdd/sequential-outer", test_hdd_sequential_outer);
  g_test_add_func("/disk/hdd/sequential-inner", test_hdd_sequential_inner);
  g_test_add_func("/disk/hdd/zones", test_hdd_zones);
  g_test_add_func("/disk/hdd/cylinder-lookup-random",
                  test_hdd_cylinder_lookup_random);
  g_test_add_func("/disk/hdd/rotation-computed", test_hdd_rotation_computed);
  g_test_add_func("/disk/hdd/ncq-satf", test_hdd_ncq);
  g_test_add_func("/disk/hdd/ncq-age-limit", test_hdd_ncq_age_limit);
  g_test_add_func("/disk/hdd/readahead-hit", test_hdd_readahead_hit);
  g_test_add_func("/disk/hdd/readahead-aborted", test_hdd_readahead_aborted);
  g_test_add_func("/disk/hdd/write-cache-latency",
                  test_hdd_write_cache_latency);
  g_test_add_func("/disk/hdd/write-cache-full", test_hdd_write_cache_full);
  g_test_add_func("/disk/hdd/flush-waits-for-destage",
                  test_hdd_flush_waits_for_destage);
  g_test_add_func("/disk/hdd/busy-time", test_hdd_busy_time);
  g_test_add_func("/disk/hdd/bad-params", test_hdd_bad_params);
  g_test_add_func("/disk/ssd/random-read-vs-hdd", test_ssd_random_read);
  g_test_add_func("/disk/ssd/sequential-link-bound",
                  test_ssd_sequential_link_bound);
  g_test_add_func("/disk/ssd/writes-slower", test_ssd_writes_slower);
  g_test_add_func("/disk/ssd/dies-overlap", test_ssd_dies_overlap);
  g_test_add_func("/disk/ssd/ncq-throughput", test_ssd_ncq_throughput);
  g_test_add_func("/disk/ssd/write-buffer", test_ssd_write_buffer);
  g_test_add_func("/disk/ssd/timeline-random", test_ssd_timeline_random);
  g_test_add_func("/disk/ssd/flush-waits-for-programs",
                  test_ssd_flush_waits_for_programs);
  return g_test_run();
}
