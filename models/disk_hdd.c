/* A rotating disk: one actuator, a seek curve fitted through three
 * datasheet points, a platter whose angle follows the virtual clock, zoned
 * recording, per-command overhead and optional NCQ with shortest-access-
 * time-first selection.  Formulas and defaults: docs/disks.md. */
#include "models/disk_hdd.h"

#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stddef.h>

#define SECTOR 512

static const param_desc hdd_params[] = {
    {"rpm", PARAM_INT, offsetof(disk_hdd_cfg, rpm), "7200", 1000, 30000, NULL,
     "spindle speed, revolutions per minute (7200: desktop SATA drive)"},
    {"capacity", PARAM_SIZE, offsetof(disk_hdd_cfg, capacity), "500g",
     1048576.0, 1125899906842624.0, NULL,
     "bytes (500 GB class desktop drive of 2011)"},
    {"cylinders", PARAM_INT, offsetof(disk_hdd_cfg, cylinders), "100000", 16,
     4000000, NULL,
     "number of seek positions across the stroke (model assumption)"},
    {"track_to_track", PARAM_TIME, offsetof(disk_hdd_cfg, track_to_track),
     "1ms", 1000, 1e9, NULL, "seek over one cylinder (datasheet class figure)"},
    {"avg_seek", PARAM_TIME, offsetof(disk_hdd_cfg, avg_seek), "8.5ms", 1000,
     1e9, NULL, "seek over one third of the stroke (datasheet average seek)"},
    {"full_stroke", PARAM_TIME, offsetof(disk_hdd_cfg, full_stroke), "17ms",
     1000, 1e9, NULL, "seek over the whole stroke (datasheet class figure)"},
    {"outer_rate", PARAM_RATE, offsetof(disk_hdd_cfg, outer_rate), "125MB/s",
     1e5, 1e10, NULL, "media transfer rate at cylinder 0 (outer edge)"},
    {"inner_rate", PARAM_RATE, offsetof(disk_hdd_cfg, inner_rate), "65MB/s",
     1e5, 1e10, NULL, "media transfer rate at the last cylinder (inner edge)"},
    {"command_overhead", PARAM_TIME, offsetof(disk_hdd_cfg, command_overhead),
     "100us", 0, 1e8, NULL,
     "controller time per command before the mechanism moves (assumption)"},
    {"ncq", PARAM_BOOL, offsetof(disk_hdd_cfg, ncq), "false", PARAM_NO_RANGE,
     NULL, "native command queueing: accept ncq_depth commands, serve SATF"},
    {"ncq_depth", PARAM_INT, offsetof(disk_hdd_cfg, ncq_depth), "31", 1, 32,
     NULL, "commands accepted at once when ncq is on (SATA NCQ: 31 usable)"},
    {NULL, 0, 0, NULL, PARAM_NO_RANGE, NULL, NULL},
};

typedef struct hdd {
  disk_hdd_cfg cfg;
  sim_engine *e;
  double period;         /* ns per revolution */
  double seek_a, seek_b, seek_c;
  int64_t ncyl;
  int64_t nsectors;
  double total_rate;     /* sum of the cylinders' media rates */
  /* mechanism state */
  int64_t cur_cyl;
  int64_t last_end;      /* sector after the last one transferred; -1: none */
  GQueue pending;        /* accepted, not started, in arrival order */
  disk_cmd *cur;         /* being serviced */
  int inflight;          /* accepted and not completed */
  sim_time busy_since;
  sim_time busy;
} hdd;

static double cyl_rate(const hdd *h, int64_t c) {
  if (h->ncyl == 1)
    return h->cfg.outer_rate;
  return h->cfg.outer_rate - (h->cfg.outer_rate - h->cfg.inner_rate) *
                                 (double)c / (double)(h->ncyl - 1);
}

/* Sum of the media rates of cylinders [0, c): the rate falls linearly, so
 * this is an arithmetic series.  Closed forms instead of per-cylinder tables
 * keep set-up O(1): the explorer builds a disk for every re-run. */
static double cum_rate(const hdd *h, int64_t c) {
  if (h->ncyl == 1)
    return (double)c * h->cfg.outer_rate;
  double step = (h->cfg.outer_rate - h->cfg.inner_rate) / (double)(h->ncyl - 1);
  return (double)c * h->cfg.outer_rate - step * (double)c * (double)(c - 1) / 2.0;
}

/* First sector of cylinder c (c == ncyl: one past the last sector).  Each
 * cylinder holds a share of the sectors proportional to its media rate. */
static int64_t cyl_start(const hdd *h, int64_t c) {
  if (c >= h->ncyl)
    return h->nsectors;
  return (int64_t)floor((double)h->nsectors * (cum_rate(h, c) / h->total_rate));
}

/* Sectors passing under the head per revolution on cylinder c. */
static double cyl_spt(const hdd *h, int64_t c) {
  return cyl_rate(h, c) * h->period / 1e9 / SECTOR;
}

double disk_hdd_seek_ns(const void *d, int64_t distance) {
  const hdd *h = d;
  if (distance < 0)
    distance = -distance;
  if (distance == 0)
    return 0.0;
  double x = (double)distance;
  return h->seek_a + h->seek_b * sqrt(x) + h->seek_c * x;
}

double disk_hdd_rotation_ns(const void *d) { return ((const hdd *)d)->period; }
int64_t disk_hdd_cylinders(const void *d) { return ((const hdd *)d)->ncyl; }

int64_t disk_hdd_cylinder_start(const void *d, int64_t cyl) {
  const hdd *h = d;
  g_assert(cyl >= 0 && cyl <= h->ncyl);
  return cyl_start(h, cyl);
}

int64_t disk_hdd_cylinder_of(const void *d, int64_t sector) {
  const hdd *h = d;
  g_assert(sector >= 0 && sector < h->nsectors);
  /* last cylinder whose start is <= sector */
  int64_t lo = 0, hi = h->ncyl - 1;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo + 1) / 2;
    if (cyl_start(h, mid) <= sector)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

/* Angular position of a sector as a fraction of a revolution.  Within a
 * cylinder, sectors follow one another around the platter and the tracks of
 * a cylinder continue where the previous one ended (head switches are
 * free), so consecutive sectors are also consecutive in angle. */
static double sector_angle(const hdd *h, int64_t sector, int64_t cyl) {
  double off = (double)(sector - cyl_start(h, cyl));
  double spt = cyl_spt(h, cyl);
  return fmod(off, spt) / spt;
}

static double platter_angle(const hdd *h, double t) {
  return fmod(t, h->period) / h->period;
}

/* Media time to read or write [sector, sector + n), cylinder by cylinder. */
static double transfer_ns(const hdd *h, int64_t sector, int64_t n) {
  double t = 0.0;
  int64_t c = disk_hdd_cylinder_of(h, sector);
  while (n > 0) {
    int64_t piece = MIN(n, cyl_start(h, c + 1) - sector);
    t += (double)piece / cyl_spt(h, c) * h->period;
    sector += piece;
    n -= piece;
    c++;
  }
  return t;
}

/* Seek plus rotational wait for `cmd` if the mechanism starts positioning at
 * time `t` (after the command overhead).  A command that starts where the
 * previous one ended finds the head already there. */
static double positioning_ns(const hdd *h, const disk_cmd *cmd, double t) {
  if (cmd->sector == h->last_end)
    return 0.0;
  int64_t cyl = disk_hdd_cylinder_of(h, cmd->sector);
  double seek = disk_hdd_seek_ns(h, cyl - h->cur_cyl);
  double target = sector_angle(h, cmd->sector, cyl);
  double wait = target - platter_angle(h, t + seek);
  if (wait < 0)
    wait += 1.0;
  return seek + wait * h->period;
}

static void hdd_complete(void *arg);

/* Pick the next command (shortest positioning time, ties by arrival) and
 * schedule its completion. */
static void hdd_start_next(hdd *h) {
  g_assert(!h->cur);
  if (g_queue_is_empty(&h->pending))
    return;
  sim_time now = sim_now(h->e);
  double t = (double)(now + h->cfg.command_overhead);
  GList *best = NULL;
  double best_pos = 0.0;
  /* Without NCQ a driver that overfills the drive is served in order. */
  GList *stop = h->cfg.ncq ? NULL : h->pending.head->next;
  for (GList *l = h->pending.head; l != stop; l = l->next) {
    double pos = positioning_ns(h, l->data, t);
    if (!best || pos < best_pos) {
      best = l;
      best_pos = pos;
    }
  }
  disk_cmd *cmd = best->data;
  g_queue_delete_link(&h->pending, best);
  double end = t + best_pos + transfer_ns(h, cmd->sector, cmd->nr_sectors);
  sim_time done = (sim_time)llround(end);
  if (done < now)
    done = now;
  cmd->started = now;
  h->cur = cmd;
  h->last_end = cmd->sector + cmd->nr_sectors;
  h->cur_cyl = disk_hdd_cylinder_of(h, h->last_end - 1);
  if (sim_tracing(h->e))
    sim_trace(h->e, "hdd",
              "start %s sector %" G_GINT64_FORMAT " +%u position %.3f ms",
              cmd->write ? "write" : "read", cmd->sector, cmd->nr_sectors,
              best_pos / 1e6);
  sim_post(h->e, done, "complete", hdd_complete, h);
}

static void hdd_complete(void *arg) {
  hdd *h = arg;
  disk_cmd *cmd = h->cur;
  g_assert(cmd);
  sim_time now = sim_now(h->e);
  h->cur = NULL;
  cmd->completed = now;
  if (--h->inflight == 0)
    h->busy += now - h->busy_since;
  /* The drive moves on to its next queued command at once; the host hears
   * of this completion at the same instant. */
  hdd_start_next(h);
  cmd->done(cmd);
}

static void hdd_submit(void *d, disk_cmd *cmd) {
  hdd *h = d;
  g_assert(cmd->nr_sectors > 0 && cmd->sector >= 0 &&
           cmd->sector + cmd->nr_sectors <= h->nsectors);
  sim_time now = sim_now(h->e);
  cmd->issued = now;
  cmd->started = cmd->completed = -1;
  if (h->inflight++ == 0)
    h->busy_since = now;
  g_queue_push_tail(&h->pending, cmd);
  if (!h->cur)
    hdd_start_next(h);
}

/* Fit a + b*sqrt(d) + c*d through (1, t2t), (stroke/3, avg), (stroke, full). */
static gboolean fit_seek(hdd *h, GError **err) {
  double stroke = (double)(h->ncyl - 1);
  double x[3] = {1.0, stroke / 3.0, stroke};
  double y[3] = {(double)h->cfg.track_to_track, (double)h->cfg.avg_seek,
                 (double)h->cfg.full_stroke};
  double m[9], coef[3];
  for (int i = 0; i < 3; i++) {
    m[3 * i] = 1.0;
    m[3 * i + 1] = sqrt(x[i]);
    m[3 * i + 2] = x[i];
  }
  gsl_matrix_view mv = gsl_matrix_view_array(m, 3, 3);
  gsl_vector_view yv = gsl_vector_view_array(y, 3);
  gsl_vector_view cv = gsl_vector_view_array(coef, 3);
  gsl_permutation *p = gsl_permutation_alloc(3);
  int sign;
  gsl_linalg_LU_decomp(&mv.matrix, p, &sign);
  gsl_linalg_LU_solve(&mv.matrix, p, &yv.vector, &cv.vector);
  gsl_permutation_free(p);
  h->seek_a = coef[0];
  h->seek_b = coef[1];
  h->seek_c = coef[2];
  /* The slope b/(2 sqrt d) + c is monotone in d, so checking both ends
   * tells whether seeking farther never takes less time. */
  double s1 = h->seek_b / 2.0 + h->seek_c;
  double s2 = h->seek_b / (2.0 * sqrt(stroke)) + h->seek_c;
  if (s1 < 0 || s2 < 0) {
    g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
                "hdd: no increasing seek curve passes through track_to_track, "
                "avg_seek and full_stroke; bring avg_seek closer to the middle");
    return FALSE;
  }
  return TRUE;
}

static void hdd_free(void *d) {
  hdd *h = d;
  if (!h)
    return;
  g_queue_clear(&h->pending);
  g_free(h);
}

static void *hdd_init(const void *cfgv, sim_engine *e, GError **err) {
  disk_hdd_cfg *defaults = NULL;
  if (!cfgv)
    cfgv = defaults = params_defaults(hdd_params, sizeof(disk_hdd_cfg));
  const disk_hdd_cfg *cfg = cfgv;
  hdd *h = g_new0(hdd, 1);
  h->cfg = *cfg;
  g_free(defaults);
  h->e = e;
  g_queue_init(&h->pending);
  h->ncyl = h->cfg.cylinders;
  h->nsectors = h->cfg.capacity / SECTOR;
  h->period = 60e9 / (double)h->cfg.rpm;
  h->cur_cyl = 0;
  h->last_end = -1;

  if (!(h->cfg.track_to_track <= h->cfg.avg_seek &&
        h->cfg.avg_seek <= h->cfg.full_stroke)) {
    g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
                "hdd: need track_to_track <= avg_seek <= full_stroke");
    goto fail;
  }
  if (h->cfg.inner_rate > h->cfg.outer_rate) {
    g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
                "hdd: inner_rate must not exceed outer_rate");
    goto fail;
  }
  if (!fit_seek(h, err))
    goto fail;
  h->total_rate = cum_rate(h, h->ncyl);
  /* The innermost cylinder, the smallest, must hold at least one sector. */
  if ((double)h->nsectors * h->cfg.inner_rate / h->total_rate < 1.0) {
    g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
                "hdd: capacity must hold at least one sector per cylinder");
    goto fail;
  }
  return h;

fail:
  hdd_free(h);
  return NULL;
}

static int hdd_queue_depth(const void *d) {
  const hdd *h = d;
  return h->cfg.ncq ? (int)h->cfg.ncq_depth : 1;
}

static int64_t hdd_capacity(const void *d) { return ((const hdd *)d)->nsectors; }

static void hdd_fingerprint(const void *d, fingerprint *fp) {
  const hdd *h = d;
  fingerprint_i64(fp, h->cur_cyl);
  fingerprint_i64(fp, h->last_end);
  fingerprint_i64(fp, h->inflight);
  fingerprint_i64(fp, h->busy);
  fingerprint_i64(fp, h->busy_since);
  disk_fp_cmd(fp, h->cur);
  for (GList *l = h->pending.head; l; l = l->next)
    disk_fp_cmd(fp, l->data);
}

static sim_time hdd_busy_time(const void *d) {
  const hdd *h = d;
  return h->busy + (h->inflight ? sim_now(h->e) - h->busy_since : 0);
}

const disk_ops disk_hdd_ops = {
    .name = "hdd",
    .params = hdd_params,
    .cfg_size = sizeof(disk_hdd_cfg),
    .nonrot = false,
    .init = hdd_init,
    .free = hdd_free,
    .queue_depth = hdd_queue_depth,
    .capacity = hdd_capacity,
    .submit = hdd_submit,
    .busy_time = hdd_busy_time,
    .fingerprint = hdd_fingerprint,
};
