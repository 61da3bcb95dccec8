/* A rotating disk of 2011: one actuator, a seek curve fitted through three
 * datasheet points, a platter whose angle follows the virtual clock, zoned
 * recording, NCQ choosing the command whose transfer can start first with
 * an age limit, a buffer cut into read segments with read-ahead, a write
 * cache destaged when the mechanism is otherwise idle (or full), FLUSH
 * CACHE, and the SATA link for what the buffer serves.  Formulas, defaults
 * and their sources: docs/disks.md. */
#include "models/disk_hdd.h"

#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

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
    {"ncq", PARAM_BOOL, offsetof(disk_hdd_cfg, ncq), "true", PARAM_NO_RANGE,
     NULL, "native command queueing: accept ncq_depth commands, serve SPTF"},
    {"ncq_depth", PARAM_INT, offsetof(disk_hdd_cfg, ncq_depth), "31", 1, 32,
     NULL, "commands accepted at once when ncq is on (AHCI/libata: 31)"},
    {"ncq_max_age", PARAM_TIME, offsetof(disk_hdd_cfg, ncq_max_age), "500ms", 0,
     1e10, NULL,
     "a queued command passed over this long is served next; 0: no limit"},
    {"ncq_window", PARAM_INT, offsetof(disk_hdd_cfg, ncq_window), "5", 0, 32,
     NULL, "the oldest queued commands the drive reorders among; 0: all"},
    {"cache_size", PARAM_SIZE, offsetof(disk_hdd_cfg, cache_size), "16m", 0,
     1073741824.0, NULL, "drive buffer, bytes (16 MB: 2011 desktop drive)"},
    {"cache_segments", PARAM_INT, offsetof(disk_hdd_cfg, cache_segments), "16",
     1, 256, NULL, "read segments the buffer is cut into"},
    {"read_ahead", PARAM_BOOL, offsetof(disk_hdd_cfg, read_ahead), "true",
     PARAM_NO_RANGE, NULL,
     "after a read, keep reading into its segment while idle"},
    {"write_cache", PARAM_BOOL, offsetof(disk_hdd_cfg, write_cache), "true",
     PARAM_NO_RANGE, NULL,
     "acknowledge writes from the buffer and destage them later (WCE)"},
    {"destage_window", PARAM_INT, offsetof(disk_hdd_cfg, destage_window), "8",
     0, 1048576, NULL,
     "the oldest dirty extents the drive picks the next destage from; 0: all"},
    {"link_gbps", PARAM_DOUBLE, offsetof(disk_hdd_cfg, link_gbps), "3", 1, 24,
     NULL, "SATA line rate, Gbit/s (1.5, 3 or 6)"},
    {"link_efficiency", PARAM_DOUBLE, offsetof(disk_hdd_cfg, link_efficiency),
     "0.9", 0.5, 1, NULL,
     "share of the 8b/10b payload rate left after framing"},
    {NULL, 0, 0, NULL, PARAM_NO_RANGE, NULL, NULL},
};

typedef struct segment {
  int64_t start, end; /* buffered sectors [start, end) */
  int64_t host_end;   /* end of the last host read it served */
  uint64_t used;      /* last use, for least-recently-used replacement */
} segment;

/* Dirty data in the write cache; `cyl` is the cylinder of `start`, `seq`
 * the arrival order of its oldest write. */
typedef struct extent {
  int64_t start, end, cyl;
  uint64_t seq;
} extent;

typedef enum {
  MECH_IDLE,    /* nothing to do */
  MECH_STREAM,  /* reading ahead: stops the moment the mechanism is needed */
  MECH_CMD,     /* a host command on the media */
  MECH_DESTAGE, /* writing dirty data back */
} mech_state;

typedef struct hdd hdd;

/* Cylinder cyl: its sectors [start, end) and sectors per revolution
 * (cyl -1: an empty entry). */
typedef struct cyl_memo {
  int64_t cyl, start, end;
  double spt;
} cyl_memo;
#define CYL_MEMO 8

/* A positioning time worked out (sector -1: an empty entry). */
typedef struct pos_memo {
  int64_t head_cyl, sector;
  sim_time t;
  double ns;
} pos_memo;
#define POS_MEMO 256

/* A command answered without the mechanism (from the buffer, or a flush),
 * awaiting its completion event. */
typedef struct hdd_slot {
  hdd *h;
  disk_cmd *cmd;
  sim_time at;
} hdd_slot;

#define NO_HIT (-1)
#define HIT_DIRTY (-2)

struct hdd {
  disk_hdd_cfg cfg;
  sim_engine *e;
  double period; /* ns per revolution */
  double seek_a, seek_b, seek_c;
  int64_t ncyl;
  int64_t nsectors;
  double total_rate;   /* sum of the cylinders' media rates */
  double link_rate;    /* payload bytes/s */
  int64_t seg_sectors; /* sectors per segment; 0: no buffer */
  /* The cylinders looked up lately: a run's commands, and those of every
   * run after a reset (which keeps them), fall on a few (a memo: every
   * value is the formula's). */
  struct cyl_memo *cyls; /* [CYL_MEMO] */
  unsigned cyl_next;     /* the entry replaced next */
  unsigned cyl_last;     /* the entry found last */
  /* Positioning times by head cylinder, target sector and start time (a
   * memo, kept across resets: the explorer's runs replay the same
   * commands at the same instants over and over). */
  struct pos_memo *pos; /* [POS_MEMO] */
  int64_t dirty_max;    /* sectors of dirty data the buffer takes */

  /* the mechanism */
  mech_state mech;
  int64_t cur_cyl;
  int64_t last_end;       /* the head was at this sector ... */
  sim_time last_end_time; /* ... at this time (-1: nowhere yet) */
  disk_cmd *cur;          /* MECH_CMD */
  int cur_seg;            /* the segment cur reads into, or NO_HIT */
  extent destage;         /* MECH_DESTAGE */
  bool last_was_destage;
  /* MECH_STREAM: reading from stream_s0 at stream_t0 on, up to
   * stream_limit, into segment stream_seg (NO_HIT: none) */
  int stream_seg;
  int64_t stream_s0, stream_limit;
  sim_time stream_t0;
  int64_t stream_c0;      /* the cylinder of stream_s0 */
  sim_time stream_tend;   /* when it reaches stream_limit */
  sim_timer stream_timer; /* the stream's end, armed when work waits */

  segment *segs; /* [cache_segments] when seg_sectors > 0 */
  int segs_used; /* segments from this one on are all zero (never used) */
  uint64_t lru_clock;
  GArray *dirty;         /* extent: sorted, disjoint, never touching */
  uint64_t dirty_seq;    /* writes taken into the cache so far */
  int64_t dirty_sectors; /* buffer taken: the extents and the destage */
  GQueue wait_space;     /* writes waiting for buffer space, in order; these
                        three queues link commands through cmd->link */
  disk_cmd *flush;       /* FLUSH CACHE in progress */
  bool flush_posted;     /* its completion is posted */
  GQueue held;           /* commands that came during the flush */

  GQueue pending; /* for the mechanism, in arrival order */
  GQueue slots;   /* hdd_slot *: answered without the mechanism */
  sim_time link_free;
  int inflight; /* accepted and not completed */
  sim_time busy_since;
  sim_time busy;
  const struct hdd *fresh; /* the disk as init made it (hdd_reset) */
  /* the parameters' hash, fed into every fingerprint so that runs of
   * differently set disks never meet: worked out once, not per state */
  uint64_t cfg_key;
};

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
  return (double)c * h->cfg.outer_rate -
         step * (double)c * (double)(c - 1) / 2.0;
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

static int64_t cylinder_solve(const hdd *h, int64_t sector);

/* The memo's entry for cylinder c, NULL if it has none. */
static const cyl_memo *cyl_find(const hdd *h, int64_t c) {
  for (int i = 0; i < CYL_MEMO; i++)
    if (h->cyls[i].cyl == c)
      return &h->cyls[i];
  return NULL;
}

/* The memo's entry for the cylinder of `sector`, made if missing. */
static const cyl_memo *cyl_of(const hdd *h, int64_t sector) {
  g_assert(sector >= 0 && sector < h->nsectors);
  hdd *m = (hdd *)h; /* only the memo changes */
  const cyl_memo *last = &h->cyls[h->cyl_last];
  if (sector >= last->start && sector < last->end)
    return last;
  for (unsigned i = 0; i < CYL_MEMO; i++)
    if (sector >= h->cyls[i].start && sector < h->cyls[i].end) {
      m->cyl_last = i;
      return &h->cyls[i];
    }
  int64_t c = cylinder_solve(h, sector);
  m->cyl_last = m->cyl_next++ % CYL_MEMO;
  cyl_memo *e = &m->cyls[m->cyl_last];
  *e = (cyl_memo){c, cyl_start(h, c), cyl_start(h, c + 1), cyl_spt(h, c)};
  return e;
}

int64_t disk_hdd_cylinder_of(const void *d, int64_t sector) {
  return cyl_of(d, sector)->cyl;
}

/* The first sector of the cylinder after c. */
static int64_t cyl_end(const hdd *h, int64_t c) {
  const cyl_memo *e = cyl_find(h, c);
  return e ? e->end : cyl_start(h, c + 1);
}

/* cyl_spt, from the memo where it is. */
static double spt_of(const hdd *h, int64_t c) {
  const cyl_memo *e = cyl_find(h, c);
  return e ? e->spt : cyl_spt(h, c);
}

static int64_t cylinder_solve(const hdd *h, int64_t sector) {
  /* The last cylinder whose start is <= sector.  The cumulative rate is
   * quadratic in the cylinder, so solving it for the sector lands within a
   * step or two of the answer; the walk corrects the rounding. */
  double x = ((double)sector + 0.5) * h->total_rate / (double)h->nsectors;
  double r0 = h->cfg.outer_rate;
  double step =
      h->ncyl > 1 ? (r0 - h->cfg.inner_rate) / (double)(h->ncyl - 1) : 0.0;
  double est;
  if (step > 0) {
    double b = r0 + step / 2.0;
    est = (b - sqrt(MAX(b * b - 2.0 * step * x, 0.0))) / step;
  } else {
    est = x / r0;
  }
  int64_t c = (int64_t)floor(est);
  c = CLAMP(c, 0, h->ncyl - 1);
  while (c > 0 && cyl_start(h, c) > sector)
    c--;
  while (c + 1 < h->ncyl && cyl_start(h, c + 1) <= sector)
    c++;
  return c;
}

/* Angular position of a sector as a fraction of a revolution.  Within a
 * cylinder, sectors follow one another around the platter and the tracks of
 * a cylinder continue where the previous one ended (head switches are
 * free), so consecutive sectors are also consecutive in angle. */
static double angle_in(int64_t sector, int64_t start, double spt) {
  return fmod((double)(sector - start), spt) / spt;
}

static double sector_angle(const hdd *h, int64_t sector, int64_t cyl) {
  const cyl_memo *e = cyl_find(h, cyl);
  return e ? angle_in(sector, e->start, e->spt)
           : angle_in(sector, cyl_start(h, cyl), cyl_spt(h, cyl));
}

static double platter_angle(const hdd *h, double t) {
  return fmod(t, h->period) / h->period;
}

/* Media time to read or write [sector, sector + n), cylinder by cylinder. */
static double transfer_ns(const hdd *h, int64_t sector, int64_t n) {
  double t = 0.0;
  if (n <= 0)
    return 0.0;
  int64_t c = disk_hdd_cylinder_of(h, sector);
  while (n > 0) {
    int64_t piece = MIN(n, cyl_end(h, c) - sector);
    t += (double)piece / spt_of(h, c) * h->period;
    sector += piece;
    n -= piece;
    c++;
  }
  return t;
}

/* ---- where the head is ---- */

/* Sectors that pass under the head in `dt` ns reading on from `s` (on
 * cylinder `c`), at most `max` (the inverse of transfer_ns). */
static int64_t sectors_in(const hdd *h, int64_t s, int64_t c, double dt,
                          int64_t max) {
  int64_t got = 0;
  if (max <= 0 || dt <= 0)
    return 0;
  while (got < max) {
    int64_t piece = MIN(max - got, cyl_end(h, c) - (s + got));
    double spt = spt_of(h, c);
    double t = (double)piece / spt * h->period;
    if (t > dt) {
      got += MIN(piece, (int64_t)floor(dt / h->period * spt));
      break;
    }
    dt -= t;
    got += piece;
    c++;
  }
  return got;
}

/* Seek plus rotational wait to `sector` for a head on `head_cyl` that
 * starts positioning at time `t`.  Only a command that starts where the
 * head is at that very instant (the next sector of the one just
 * transferred) needs none. */
static double positioning_ns(const hdd *h, int64_t head_cyl, int64_t sector,
                             sim_time t) {
  if (sector == h->last_end && t == h->last_end_time)
    return 0.0;
  uint64_t k = ((uint64_t)head_cyl * UINT64_C(0x9E3779B97F4A7C15)) ^
               ((uint64_t)sector * UINT64_C(0xC2B2AE3D27D4EB4F)) ^
               ((uint64_t)t * UINT64_C(0x165667B19E3779F9));
  pos_memo *m = &h->pos[(k ^ k >> 29) % POS_MEMO];
  if (m->sector == sector && m->t == t && m->head_cyl == head_cyl)
    return m->ns;
  const cyl_memo *e = cyl_of(h, sector);
  double seek = disk_hdd_seek_ns(h, e->cyl - head_cyl);
  double target = angle_in(sector, e->start, e->spt);
  double wait = target - platter_angle(h, (double)t + seek);
  if (wait < 0)
    wait += 1.0;
  *m = (pos_memo){head_cyl, sector, t, seek + wait * h->period};
  return m->ns;
}

static sim_time link_ns(const hdd *h, int64_t sectors) {
  return (sim_time)ceil((double)(sectors * SECTOR) * 1e9 / h->link_rate);
}

/* ---- read-ahead ---- */

static sim_time stream_end(const hdd *h) { return h->stream_tend; }

/* Read ahead from `s0` at `t0` up to `limit`, into segment `seg`. */
static void stream_start(hdd *h, int seg, int64_t s0, sim_time t0,
                         int64_t limit) {
  h->mech = MECH_STREAM;
  h->stream_seg = seg;
  h->stream_s0 = s0;
  h->stream_t0 = t0;
  h->stream_c0 = s0 < h->nsectors ? disk_hdd_cylinder_of(h, s0) : h->ncyl;
  h->stream_limit = limit;
  h->stream_tend = t0 + (sim_time)llround(transfer_ns(h, s0, limit - s0));
}

static void stream_extend(hdd *h, int64_t limit) {
  h->stream_limit = limit;
  h->stream_tend =
      h->stream_t0 +
      (sim_time)llround(transfer_ns(h, h->stream_s0, limit - h->stream_s0));
}

static int64_t stream_pos(const hdd *h, sim_time t) {
  if (t >= stream_end(h))
    return h->stream_limit;
  return h->stream_s0 + sectors_in(h, h->stream_s0, h->stream_c0,
                                   (double)(t - h->stream_t0),
                                   h->stream_limit - h->stream_s0);
}

/* The buffered sectors of segment i at time t: [*start, *end). */
static void seg_window(const hdd *h, int i, sim_time t, int64_t *start,
                       int64_t *end) {
  const segment *sg = &h->segs[i];
  *end = (h->mech == MECH_STREAM && h->stream_seg == i) ? stream_pos(h, t)
                                                        : sg->end;
  *start = MAX(sg->start, *end - h->seg_sectors);
}

/* Stop reading ahead at `now` (or note that the stream ended by itself):
 * the segment keeps what was read, the head stays where it got to. */
static void stop_stream(hdd *h, sim_time now) {
  g_assert(h->mech == MECH_STREAM);
  sim_time end = stream_end(h);
  int64_t pos = stream_pos(h, now);
  if (h->stream_seg != NO_HIT) {
    segment *sg = &h->segs[h->stream_seg];
    sg->end = pos;
    sg->start = MAX(sg->start, pos - h->seg_sectors);
  }
  h->cur_cyl = disk_hdd_cylinder_of(h, pos - 1);
  h->last_end = pos;
  h->last_end_time = MIN(now, end);
  h->mech = MECH_IDLE;
  sim_timer_del(&h->stream_timer);
  if (sim_tracing(h->e) && pos > h->stream_s0)
    sim_trace(h->e, "hdd",
              "read-ahead %s at sector %" G_GINT64_FORMAT " (+%" G_GINT64_FORMAT
              ")",
              now >= end ? "done" : "stopped", pos, pos - h->stream_s0);
}

/* A stream that reached its limit before `now` is over. */
static void settle(hdd *h, sim_time now) {
  if (h->mech == MECH_STREAM && now > stream_end(h))
    stop_stream(h, now);
}

static bool stream_live(const hdd *h, sim_time now) {
  return h->mech == MECH_STREAM && now <= stream_end(h);
}

/* A read that starts inside what the stream has read so far and ends
 * beyond it is served by reading on: no positioning at all. */
static bool is_continuation(const hdd *h, const disk_cmd *cmd, sim_time now) {
  if (cmd->write || !stream_live(h, now))
    return false;
  int64_t pos = stream_pos(h, now), start = pos;
  if (h->stream_seg != NO_HIT)
    start = MAX(h->segs[h->stream_seg].start, pos - h->seg_sectors);
  return cmd->sector >= start && cmd->sector <= pos &&
         cmd->sector + cmd->nr_sectors > pos;
}

/* Which buffer holds all of [s, s+n): a segment, the dirty data, or none. */
static int find_hit(const hdd *h, int64_t s, int64_t n, sim_time now) {
  /* seg_window's test, with the stream's position worked out once and
   * only for a segment that could hold the range */
  g_assert(n > 0); /* reads carry data; flushes never come here */
  int stream = h->mech == MECH_STREAM ? h->stream_seg : NO_HIT;
  int nseg = h->segs_used; /* the others hold nothing */
  int64_t seg = h->seg_sectors;
  /* [s, s+n) with n > 0 lies in [MAX(start, b - seg), b) */
  for (int i = 0; i < nseg; i++) {
    const segment *sg = &h->segs[i];
    if (s < sg->start)
      continue;
    int64_t b = i == stream ? stream_pos(h, now) : sg->end;
    if (s + n <= b && s >= b - seg)
      return i;
  }
  if (h->mech == MECH_DESTAGE && h->destage.start <= s &&
      s + n <= h->destage.end)
    return HIT_DIRTY;
  guint lo = 0, hi = h->dirty->len; /* first extent ending after s */
  while (lo < hi) {
    guint mid = (lo + hi) / 2;
    if (g_array_index(h->dirty, extent, mid).end <= s)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < h->dirty->len) {
    const extent *x = &g_array_index(h->dirty, extent, lo);
    if (x->start <= s && s + n <= x->end)
      return HIT_DIRTY;
  }
  return NO_HIT;
}

/* Whatever a write replaces is no longer worth keeping for reads. */
static void invalidate(hdd *h, int64_t s, int64_t n, sim_time now) {
  for (int i = 0; i < h->segs_used; i++) {
    int64_t a, b;
    seg_window(h, i, now, &a, &b);
    if (a < b && a < s + n && s < b) {
      if (h->mech == MECH_STREAM && h->stream_seg == i)
        stop_stream(h, now);
      h->segs[i] = (segment){0, 0, 0, 0};
    }
  }
}

static int lru_segment(const hdd *h) {
  if (!h->seg_sectors)
    return NO_HIT;
  /* Those past segs_used are unused (used 0): of them only the first can
   * be the first least recently used. */
  int n = MIN(h->segs_used + 1, (int)h->cfg.cache_segments), best = 0;
  for (int i = 1; i < n; i++)
    if (h->segs[i].used < h->segs[best].used)
      best = i;
  return best;
}

/* ---- the write cache ---- */

static bool wce(const hdd *h) { return h->cfg.write_cache && h->dirty_max > 0; }

/* Add [s, s+n) to the dirty data; returns the sectors newly taken. */
static int64_t dirty_add(hdd *h, int64_t s, int64_t n) {
  GArray *d = h->dirty;
  guint lo = 0, hi = d->len; /* first extent ending at or after s */
  while (lo < hi) {
    guint mid = (lo + hi) / 2;
    if (g_array_index(d, extent, mid).end < s)
      lo = mid + 1;
    else
      hi = mid;
  }
  extent x = {s, s + n, 0, h->dirty_seq++};
  int64_t had = 0;
  guint k = lo;
  while (k < d->len && g_array_index(d, extent, k).start <= x.end) {
    const extent *o = &g_array_index(d, extent, k);
    had += o->end - o->start;
    x.start = MIN(x.start, o->start);
    x.end = MAX(x.end, o->end);
    x.seq = MIN(x.seq, o->seq);
    k++;
  }
  x.cyl = disk_hdd_cylinder_of(h, x.start);
  if (k > lo)
    g_array_remove_range(d, lo, k - lo);
  g_array_insert_val(d, lo, x);
  int64_t added = (x.end - x.start) - had;
  h->dirty_sectors += added;
  return added;
}

/* Destaging waits for an idle mechanism unless the cache is 3/4 full or a
 * write waits for room: then it takes turns with host commands. */
static bool destage_forced(const hdd *h) {
  return h->wait_space.length > 0 || h->dirty_sectors * 4 >= h->dirty_max * 3;
}

/* ---- completions ---- */

static void host_done(hdd *h, disk_cmd *cmd, sim_time now) {
  cmd->completed = now;
  if (--h->inflight == 0)
    h->busy += now - h->busy_since;
}

static void dispatch(hdd *h, disk_cmd *cmd, sim_time now);

static void slot_done(void *arg) {
  hdd_slot *slot = arg;
  hdd *h = slot->h;
  disk_cmd *cmd = slot->cmd;
  g_queue_remove(&h->slots, slot);
  g_free(slot);
  sim_time now = sim_now(h->e);
  host_done(h, cmd, now);
  if (cmd == h->flush) {
    /* What arrived during the flush goes on now, in arrival order. */
    h->flush = NULL;
    h->flush_posted = false;
    while (!g_queue_is_empty(&h->held))
      dispatch(h, g_queue_pop_head_link(&h->held)->data, now);
  }
  cmd->done(cmd);
}

/* Complete `cmd` at `at` without the mechanism. */
static void post_slot(hdd *h, disk_cmd *cmd, sim_time at) {
  hdd_slot *slot = g_new(hdd_slot, 1);
  *slot = (hdd_slot){h, cmd, at};
  g_queue_push_tail(&h->slots, slot);
  sim_post(h->e, at, "complete", slot_done, slot);
}

/* The command's data cross the link after its overhead: a read hit, or a
 * write taken into the cache. */
static void serve_from_buffer(hdd *h, disk_cmd *cmd, int seg, sim_time now) {
  if (seg >= 0) {
    segment *sg = &h->segs[seg];
    int64_t end = cmd->sector + cmd->nr_sectors;
    sg->host_end = MAX(sg->host_end, end);
    sg->used = ++h->lru_clock;
    /* the host reads on: so does the read-ahead */
    if (stream_live(h, now) && h->stream_seg == seg)
      stream_extend(
          h, MAX(h->stream_limit, MIN(h->nsectors, end + h->seg_sectors)));
  }
  sim_time start = MAX(now + h->cfg.command_overhead, h->link_free);
  sim_time done = start + link_ns(h, cmd->nr_sectors);
  h->link_free = done;
  cmd->started = now;
  if (sim_tracing(h->e))
    sim_trace(h->e, "hdd",
              "%s sector %" G_GINT64_FORMAT " +%u from the buffer, done at "
              "%.3f ms",
              cmd->write ? "write" : "read", cmd->sector, cmd->nr_sectors,
              (double)done / 1e6);
  post_slot(h, cmd, done);
}

static void admit_write(hdd *h, disk_cmd *cmd, sim_time now) {
  dirty_add(h, cmd->sector, cmd->nr_sectors);
  serve_from_buffer(h, cmd, NO_HIT, now);
}

/* Writes that waited for room go in, in order, while it lasts. */
static void admit_waiting(hdd *h, sim_time now) {
  while (!g_queue_is_empty(&h->wait_space)) {
    disk_cmd *cmd = g_queue_peek_head(&h->wait_space);
    if (h->dirty_sectors + cmd->nr_sectors > h->dirty_max)
      break;
    g_queue_pop_head_link(&h->wait_space);
    admit_write(h, cmd, now);
  }
}

/* ---- the mechanism ---- */

static void hdd_start_next(hdd *h);

static void cmd_done(void *arg) {
  hdd *h = arg;
  disk_cmd *cmd = h->cur;
  g_assert(cmd && h->mech == MECH_CMD);
  sim_time now = sim_now(h->e);
  int64_t end = cmd->sector + cmd->nr_sectors;
  h->cur = NULL;
  h->mech = MECH_IDLE;
  h->last_was_destage = false;
  if (!cmd->write) {
    if (h->cur_seg != NO_HIT) {
      segment *sg = &h->segs[h->cur_seg];
      sg->end = end;
      sg->start = MAX(cmd->sector, end - h->seg_sectors);
      sg->host_end = end;
      sg->used = ++h->lru_clock;
    }
    /* The head reads on from here; without read-ahead (or a buffer) only
     * a command queued for the very next sector can use that. */
    int64_t limit = end;
    if (h->cfg.read_ahead && h->cur_seg != NO_HIT)
      limit = MIN(h->nsectors, end + h->seg_sectors);
    stream_start(h, h->cur_seg, end, now, limit);
  }
  host_done(h, cmd, now);
  /* The drive moves on at once; the host hears of this completion at the
   * same instant. */
  hdd_start_next(h);
  cmd->done(cmd);
}

static void start_media(hdd *h, disk_cmd *cmd, sim_time now) {
  sim_time done;
  double pos = 0.0;
  int seg;
  if (is_continuation(h, cmd, now)) {
    int64_t p = stream_pos(h, now);
    seg = h->stream_seg;
    sim_time from = MAX(now, h->stream_t0);
    done = from + (sim_time)llround(
                      transfer_ns(h, p, cmd->sector + cmd->nr_sectors - p));
    done = MAX(done, now + h->cfg.command_overhead);
    h->mech = MECH_IDLE;
    sim_timer_del(&h->stream_timer);
  } else {
    if (h->mech == MECH_STREAM)
      stop_stream(h, now);
    seg = cmd->write ? NO_HIT : lru_segment(h);
    if (seg != NO_HIT) { /* nothing valid in it until the read is done */
      h->segs[seg] = (segment){cmd->sector, cmd->sector, 0, ++h->lru_clock};
      h->segs_used = MAX(h->segs_used, seg + 1);
    }
    sim_time ready = MAX(now, cmd->issued + h->cfg.command_overhead);
    pos = positioning_ns(h, h->cur_cyl, cmd->sector, ready);
    done = (sim_time)llround((double)ready + pos +
                             transfer_ns(h, cmd->sector, cmd->nr_sectors));
  }
  cmd->started = now;
  h->mech = MECH_CMD;
  h->cur = cmd;
  h->cur_seg = seg;
  h->last_end = cmd->sector + cmd->nr_sectors;
  h->last_end_time = done;
  h->cur_cyl = disk_hdd_cylinder_of(h, h->last_end - 1);
  if (sim_tracing(h->e))
    sim_trace(h->e, "hdd",
              "start %s sector %" G_GINT64_FORMAT " +%u position %.3f ms",
              cmd->write ? "write" : "read", cmd->sector, cmd->nr_sectors,
              pos / 1e6);
  sim_post(h->e, done, "complete", cmd_done, h);
}

static void destage_done(void *arg) {
  hdd *h = arg;
  g_assert(h->mech == MECH_DESTAGE);
  sim_time now = sim_now(h->e);
  h->dirty_sectors -= h->destage.end - h->destage.start;
  h->mech = MECH_IDLE;
  h->last_was_destage = true;
  admit_waiting(h, now);
  hdd_start_next(h);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* The dirty extents' arrival numbers, sorted. */
static uint64_t *sorted_seqs(const hdd *h) {
  guint n = h->dirty->len;
  uint64_t *v = g_new(uint64_t, MAX(n, 1));
  for (guint i = 0; i < n; i++)
    v[i] = g_array_index(h->dirty, extent, i).seq;
  qsort(v, n, sizeof *v, cmp_u64);
  return v;
}

/* The w-th smallest arrival number of the dirty extents: one pass keeping
 * the w smallest in order (w is small). */
static uint64_t window_limit(const hdd *h, guint w) {
  uint64_t *low = g_new(uint64_t, w);
  guint n = 0;
  for (guint i = 0; i < h->dirty->len; i++) {
    uint64_t v = g_array_index(h->dirty, extent, i).seq;
    if (n == w && v >= low[w - 1])
      continue;
    guint j = n < w ? n++ : w - 1;
    while (j > 0 && low[j - 1] > v) {
      low[j] = low[j - 1];
      j--;
    }
    low[j] = v;
  }
  uint64_t limit = low[n - 1];
  g_free(low);
  return limit;
}

/* Write back the dirty data that can start first, at most a revolution's
 * worth of it. */
static void start_destage(hdd *h, sim_time now) {
  if (h->mech == MECH_STREAM)
    stop_stream(h, now);
  /* With a window, only the extents whose oldest data came in among the
   * first destage_window are candidates. */
  uint64_t seq_limit = UINT64_MAX;
  guint nd = h->dirty->len;
  if (h->cfg.destage_window > 0 && nd > (guint)h->cfg.destage_window)
    seq_limit = window_limit(h, (guint)h->cfg.destage_window);
  guint best = 0;
  double best_pos = -1.0;
  for (guint i = 0; i < nd; i++) {
    const extent *x = &g_array_index(h->dirty, extent, i);
    double pos;
    if (x->seq > seq_limit)
      continue;
    if (x->start == h->last_end && now == h->last_end_time) {
      pos = 0.0;
    } else {
      double seek = disk_hdd_seek_ns(h, x->cyl - h->cur_cyl);
      double wait = sector_angle(h, x->start, x->cyl) -
                    platter_angle(h, (double)now + seek);
      pos = seek + (wait < 0 ? wait + 1.0 : wait) * h->period;
    }
    if (best_pos < 0 || pos < best_pos) {
      best = i;
      best_pos = pos;
    }
  }
  extent *x = &g_array_index(h->dirty, extent, best);
  int64_t n = MIN(x->end - x->start, MAX(1, (int64_t)cyl_spt(h, x->cyl)));
  h->destage = (extent){x->start, x->start + n, x->cyl, x->seq};
  if (x->start + n == x->end) {
    g_array_remove_index(h->dirty, best);
  } else {
    x->start += n;
    x->cyl = disk_hdd_cylinder_of(h, x->start);
  }
  sim_time done = (sim_time)llround((double)now + best_pos +
                                    transfer_ns(h, h->destage.start, n));
  h->mech = MECH_DESTAGE;
  h->last_was_destage = true;
  h->last_end = h->destage.end;
  h->last_end_time = done;
  h->cur_cyl = disk_hdd_cylinder_of(h, h->last_end - 1);
  if (sim_tracing(h->e))
    sim_trace(h->e, "hdd",
              "destage sector %" G_GINT64_FORMAT " +%" G_GINT64_FORMAT
              " position %.3f ms",
              h->destage.start, n, best_pos / 1e6);
  sim_post(h->e, done, "destage", destage_done, h);
}

/* The queued command to serve next: one passed over for ncq_max_age goes
 * first (the oldest), otherwise the one whose transfer can start first. */
static GList *pick(hdd *h, sim_time now) {
  GList *head = h->pending.head;
  if (!h->cfg.ncq)
    return head;
  const disk_cmd *oldest = head->data;
  if (h->cfg.ncq_max_age > 0 && now - oldest->issued >= h->cfg.ncq_max_age)
    return head;
  int64_t head_cyl = h->cur_cyl;
  if (stream_live(h, now))
    head_cyl = disk_hdd_cylinder_of(h, MAX(stream_pos(h, now), 1) - 1);
  GList *best = NULL;
  double best_at = 0.0;
  int64_t looked = 0;
  for (GList *l = head; l; l = l->next) {
    if (h->cfg.ncq_window > 0 && looked++ == h->cfg.ncq_window)
      break;
    const disk_cmd *cmd = l->data;
    double at;
    if (is_continuation(h, cmd, now)) {
      at = (double)now;
    } else {
      sim_time ready = MAX(now, cmd->issued + h->cfg.command_overhead);
      at = (double)ready + positioning_ns(h, head_cyl, cmd->sector, ready);
    }
    if (!best || at < best_at) {
      best = l;
      best_at = at;
    }
  }
  return best;
}

static void stream_timer_fn(void *arg) {
  hdd *h = arg;
  if (h->mech == MECH_STREAM)
    stop_stream(h, sim_now(h->e));
  hdd_start_next(h);
}

/* Called whenever the mechanism may be free: choose its next work. */
static void hdd_start_next(hdd *h) {
  if (h->mech == MECH_CMD || h->mech == MECH_DESTAGE)
    return;
  sim_time now = sim_now(h->e);
  settle(h, now);
  while (!g_queue_is_empty(&h->pending)) {
    if (h->dirty->len && destage_forced(h) && !h->last_was_destage) {
      start_destage(h, now);
      return;
    }
    GList *l = pick(h, now);
    disk_cmd *cmd = l->data;
    g_queue_unlink(&h->pending, l);
    int hit =
        cmd->write ? NO_HIT : find_hit(h, cmd->sector, cmd->nr_sectors, now);
    if (hit != NO_HIT) {
      serve_from_buffer(h, cmd, hit, now);
      continue;
    }
    start_media(h, cmd, now);
    return;
  }
  if (h->dirty->len &&
      (h->mech != MECH_STREAM || destage_forced(h) || h->flush)) {
    start_destage(h, now);
    return;
  }
  if (h->flush && !h->flush_posted && h->dirty_sectors == 0) {
    h->flush_posted = true;
    post_slot(h, h->flush, now + h->cfg.command_overhead);
  }
  /* Dirty data waits for the read-ahead to end. */
  if (h->mech == MECH_STREAM && h->dirty->len)
    sim_timer_mod(&h->stream_timer, stream_end(h));
  else
    sim_timer_del(&h->stream_timer);
}

/* Queues a command through its own link (a command waits in one queue
 * at a time). */
static void cmd_enqueue(GQueue *q, disk_cmd *cmd) {
  cmd->link = (GList){cmd, NULL, NULL};
  g_queue_push_tail_link(q, &cmd->link);
}

/* A command the drive takes now (on arrival, or after a flush). */
static void dispatch(hdd *h, disk_cmd *cmd, sim_time now) {
  settle(h, now);
  if (cmd->flush) {
    if (!wce(h)) {
      post_slot(h, cmd, now + h->cfg.command_overhead);
      return;
    }
    h->flush = cmd;
    h->flush_posted = false;
    hdd_start_next(h);
    return;
  }
  if (!cmd->write) {
    int hit = find_hit(h, cmd->sector, cmd->nr_sectors, now);
    if (hit != NO_HIT) {
      serve_from_buffer(h, cmd, hit, now);
      return;
    }
  } else {
    invalidate(h, cmd->sector, cmd->nr_sectors, now);
    if (wce(h) && cmd->nr_sectors <= h->dirty_max) {
      if (g_queue_is_empty(&h->wait_space) &&
          h->dirty_sectors + cmd->nr_sectors <= h->dirty_max)
        admit_write(h, cmd, now);
      else
        cmd_enqueue(&h->wait_space, cmd);
      hdd_start_next(h);
      return;
    }
  }
  cmd_enqueue(&h->pending, cmd);
  hdd_start_next(h);
}

static void hdd_submit(void *d, disk_cmd *cmd) {
  hdd *h = d;
  g_assert(cmd->flush ? cmd->nr_sectors == 0
                      : cmd->nr_sectors > 0 && cmd->sector >= 0 &&
                            cmd->sector + cmd->nr_sectors <= h->nsectors);
  sim_time now = sim_now(h->e);
  cmd->issued = now;
  cmd->started = cmd->completed = -1;
  if (h->inflight++ == 0)
    h->busy_since = now;
  /* FLUSH CACHE is not queued: what comes after it waits for it. */
  if (h->flush)
    cmd_enqueue(&h->held, cmd);
  else
    dispatch(h, cmd, now);
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
    g_set_error(
        err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
        "hdd: no increasing seek curve passes through track_to_track, "
        "avg_seek and full_stroke; bring avg_seek closer to the middle");
    return FALSE;
  }
  return TRUE;
}

/* Checks across parameters; `h` needs only cfg, ncyl and nsectors. */
static gboolean hdd_check_geometry(hdd *h, GError **err) {
  const disk_hdd_cfg *c = &h->cfg;
  if (!(c->track_to_track <= c->avg_seek && c->avg_seek <= c->full_stroke)) {
    g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
                "hdd: need track_to_track <= avg_seek <= full_stroke");
    return FALSE;
  }
  if (c->inner_rate > c->outer_rate) {
    g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
                "hdd: inner_rate must not exceed outer_rate");
    return FALSE;
  }
  if (!fit_seek(h, err))
    return FALSE;
  h->total_rate = cum_rate(h, h->ncyl);
  /* The innermost cylinder, the smallest, must hold at least one sector. */
  if ((double)h->nsectors * c->inner_rate / h->total_rate < 1.0) {
    g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
                "hdd: capacity must hold at least one sector per cylinder");
    return FALSE;
  }
  if (c->cache_size > 0 && c->cache_size / c->cache_segments < 4096) {
    g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
                "hdd: cache_size gives each of the %" G_GINT64_FORMAT
                " cache_segments less than 4 KiB; use fewer segments or a "
                "larger cache",
                c->cache_segments);
    return FALSE;
  }
  if (c->write_cache && c->cache_size < 8192) {
    g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
                "hdd: write_cache needs a cache_size of at least 8 KiB "
                "(or write_cache: false)");
    return FALSE;
  }
  return TRUE;
}

static gboolean hdd_check(const void *cfgv, GError **err) {
  hdd h = {.cfg = *(const disk_hdd_cfg *)cfgv};
  h.ncyl = h.cfg.cylinders;
  h.nsectors = h.cfg.capacity / SECTOR;
  return hdd_check_geometry(&h, err);
}

static void hdd_free(void *d) {
  hdd *h = d;
  if (!h)
    return;
  sim_timer_del(&h->stream_timer);
  /* the commands' links are the commands' own */
  g_queue_init(&h->pending);
  g_queue_init(&h->wait_space);
  g_queue_init(&h->held);
  g_queue_clear_full(&h->slots, g_free);
  if (h->dirty)
    g_array_free(h->dirty, TRUE);
  g_free(h->segs);
  g_free(h->cyls); /* the fresh copy's too */
  g_free(h->pos);
  g_free((void *)h->fresh);
  g_free(h);
}

/* A copy of the disk as made keeps the geometry fitted once. */
static void hdd_reset(void *d) {
  hdd *h = d;
  sim_timer_del(&h->stream_timer);
  g_queue_clear_full(&h->slots, g_free);
  GArray *dirty = h->dirty;
  segment *segs = h->segs;
  const hdd *fresh = h->fresh;
  g_array_set_size(dirty, 0);
  if (segs)
    memset(segs, 0, (size_t)h->segs_used * sizeof *segs);
  *h = *fresh;
  h->fresh = fresh;
  h->dirty = dirty;
  h->segs = segs;
}

/* The parameters as fingerprints saw them, hashed. */
static uint64_t hdd_cfg_key(const hdd *h) {
  const disk_hdd_cfg *c = &h->cfg;
  int64_t cv[] = {c->rpm,
                  c->capacity,
                  c->cylinders,
                  c->track_to_track,
                  c->avg_seek,
                  c->full_stroke,
                  (int64_t)c->outer_rate,
                  (int64_t)c->inner_rate,
                  c->command_overhead,
                  c->ncq,
                  c->ncq_depth,
                  c->ncq_max_age,
                  c->ncq_window,
                  c->destage_window,
                  c->cache_size,
                  c->cache_segments,
                  c->read_ahead,
                  c->write_cache,
                  (int64_t)llround(h->link_rate)};
  return fingerprint_hash_bytes(cv, sizeof cv).lo;
}

static void *hdd_init(const void *cfgv, sim_engine *e, GError **err) {
  disk_hdd_cfg *defaults = NULL;
  if (!cfgv)
    cfgv = defaults = params_defaults(hdd_params, sizeof(disk_hdd_cfg));
  hdd *h = g_new0(hdd, 1);
  h->cfg = *(const disk_hdd_cfg *)cfgv;
  g_free(defaults);
  h->e = e;
  g_queue_init(&h->pending);
  g_queue_init(&h->wait_space);
  g_queue_init(&h->held);
  g_queue_init(&h->slots);
  h->dirty = g_array_new(FALSE, FALSE, sizeof(extent));
  sim_timer_init(&h->stream_timer, e, "read-ahead", stream_timer_fn, h);
  h->ncyl = h->cfg.cylinders;
  h->nsectors = h->cfg.capacity / SECTOR;
  h->period = 60e9 / (double)h->cfg.rpm;
  h->cur_cyl = 0;
  h->cyls = g_new(cyl_memo, CYL_MEMO);
  for (int i = 0; i < CYL_MEMO; i++)
    h->cyls[i] = (cyl_memo){.cyl = -1}; /* no sector in [0, 0) */
  h->pos = g_new(pos_memo, POS_MEMO);
  for (int i = 0; i < POS_MEMO; i++)
    h->pos[i] = (pos_memo){.sector = -1};
  h->last_end = -1;
  h->last_end_time = -1;
  h->cur_seg = h->stream_seg = NO_HIT;
  h->link_rate =
      disk_sata_payload_rate(h->cfg.link_gbps, h->cfg.link_efficiency);
  if (!hdd_check_geometry(h, err)) {
    hdd_free(h);
    return NULL;
  }
  if (h->cfg.cache_size > 0) {
    h->seg_sectors = h->cfg.cache_size / h->cfg.cache_segments / SECTOR;
    h->segs = g_new0(segment, h->cfg.cache_segments);
  }
  /* Half of the buffer may hold data not yet on the media. */
  h->dirty_max = h->cfg.cache_size / 2 / SECTOR;
  h->cfg_key = hdd_cfg_key(h);
  h->fresh = g_memdup2(h, sizeof *h);
  return h;
}

static int hdd_queue_depth(const void *d) {
  const hdd *h = d;
  return h->cfg.ncq ? (int)h->cfg.ncq_depth : 1;
}

static int64_t hdd_capacity(const void *d) {
  return ((const hdd *)d)->nsectors;
}

static bool hdd_write_cache(const void *d) { return wce(d); }

/* An all-zero segment (never used, or invalidated) has rank 0. */
static bool seg_fed(const segment *sg) {
  return sg->used || sg->start || sg->end || sg->host_end;
}

static void hdd_fingerprint(const void *d, fingerprint *fp) {
  const hdd *h = d;
  sim_time now = sim_now(h->e);
  fingerprint_i64(fp, (int64_t)h->cfg_key);
  int64_t v[] = {h->mech,
                 h->cur_cyl,
                 h->last_end,
                 h->last_end_time,
                 h->cur_seg,
                 h->destage.start,
                 h->destage.end,
                 h->last_was_destage,
                 h->dirty_sectors,
                 h->flush_posted,
                 h->link_free > now ? h->link_free : -1,
                 h->inflight,
                 h->busy,
                 h->busy_since};
  fingerprint_bytes(fp, v, sizeof v);
  disk_fp_cmd(fp, h->cur);
  disk_fp_cmd(fp, h->flush);
  if (h->mech == MECH_STREAM) {
    int64_t st[] = {h->stream_seg, h->stream_s0, h->stream_t0, h->stream_limit};
    fingerprint_bytes(fp, st, sizeof st);
  }
  /* Segments, with their use order as ranks (the clock itself only
   * counts), by number and only those not all zero (a run uses few): the
   * others are known from that. */
  int nseg = h->seg_sectors ? (int)h->cfg.cache_segments : 0, nfed = 0;
  for (int i = 0; i < h->segs_used; i++)
    nfed += seg_fed(&h->segs[i]);
  fingerprint_i64(fp, nfed);
  for (int i = 0; i < h->segs_used && nfed; i++) {
    const segment *sg = &h->segs[i];
    if (!seg_fed(sg))
      continue;
    /* those past segs_used are unused: used 0 */
    int64_t rank = sg->used ? nseg - h->segs_used : 0;
    for (int j = 0; j < h->segs_used; j++)
      rank += h->segs[j].used < sg->used;
    int64_t sv[] = {i, sg->start, sg->end, sg->host_end, rank};
    fingerprint_bytes(fp, sv, sizeof sv);
  }
  /* dirty extents, with their arrival order as ranks */
  fingerprint_i64(fp, h->dirty->len);
  if (h->dirty->len) {
    uint64_t *seqs = sorted_seqs(h);
    for (guint i = 0; i < h->dirty->len; i++) {
      const extent *x = &g_array_index(h->dirty, extent, i);
      uint64_t *at =
          bsearch(&x->seq, seqs, h->dirty->len, sizeof *seqs, cmp_u64);
      fingerprint_i64(fp, x->start);
      fingerprint_i64(fp, x->end);
      fingerprint_i64(fp, at - seqs);
    }
    g_free(seqs);
  }
  /* queued commands: what they ask and, as the age limit reads it, when
   * they came */
  const GQueue *queues[] = {&h->pending, &h->wait_space, &h->held};
  for (guint k = 0; k < G_N_ELEMENTS(queues); k++) {
    fingerprint_i64(fp, queues[k]->length);
    for (GList *l = queues[k]->head; l; l = l->next) {
      const disk_cmd *c = l->data;
      disk_fp_cmd(fp, c);
      fingerprint_i64(fp, c->issued);
    }
  }
  fingerprint_i64(fp, h->slots.length);
  for (GList *l = h->slots.head; l; l = l->next) {
    const hdd_slot *sl = l->data;
    disk_fp_cmd(fp, sl->cmd);
    fingerprint_i64(fp, sl->at);
  }
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
    .check = hdd_check,
    .init = hdd_init,
    .free = hdd_free,
    .reset = hdd_reset,
    .queue_depth = hdd_queue_depth,
    .capacity = hdd_capacity,
    .submit = hdd_submit,
    .write_cache = hdd_write_cache,
    .busy_time = hdd_busy_time,
    .fingerprint = hdd_fingerprint,
};
