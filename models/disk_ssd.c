/* A 2011-class SATA MLC SSD: a controller that takes a fixed time per
 * command, flash dies behind shared channels, pages striped across dies by
 * page number, a DRAM write buffer, and one SATA link.  Every resource
 * keeps a timeline of the intervals it is reserved for; a page operation
 * takes the earliest gap that is long enough after its data is ready, so
 * work on different dies and channels overlaps and an idle link carries
 * whichever data is ready first.  A read completes when its last page has
 * crossed the link; a write when its data is in the buffer (or, without
 * room for it there, when programmed).  Formulas and defaults:
 * docs/disks.md. */
#include "models/disk_ssd.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#define SECTOR 512

typedef struct ssd_cfg {
  int64_t capacity; /* bytes */
  int64_t channels;
  int64_t dies_per_channel;
  int64_t page_size;        /* bytes */
  int64_t read_time;        /* ns, tR */
  int64_t program_time;     /* ns, tPROG */
  double channel_rate;      /* bytes/s on one flash channel */
  double link_gbps;         /* SATA line rate, Gbit/s */
  double link_efficiency;   /* share of the 8b/10b payload rate for data */
  int64_t command_overhead; /* ns of controller time per command */
  int64_t ncq_depth;
  int64_t write_buffer; /* bytes; 0: writes complete when programmed */
} ssd_cfg;

static const param_desc ssd_params[] = {
    {"capacity", PARAM_SIZE, offsetof(ssd_cfg, capacity), "160g", 1048576.0,
     1125899906842624.0, NULL, "bytes (160 GB: Intel 320 class)"},
    {"channels", PARAM_INT, offsetof(ssd_cfg, channels), "8", 1, 64, NULL,
     "flash channels (8: Crucial m4 class controller)"},
    {"dies_per_channel", PARAM_INT, offsetof(ssd_cfg, dies_per_channel), "4", 1,
     64, NULL, "dies sharing one channel (assumption)"},
    {"page_size", PARAM_SIZE, offsetof(ssd_cfg, page_size), "4k", 512, 1048576,
     NULL, "bytes per page and striping unit (assumption)"},
    {"read_time", PARAM_TIME, offsetof(ssd_cfg, read_time), "50us", 1, 1e8,
     NULL, "tR: array-to-register page read (MLC NAND datasheet class)"},
    {"program_time", PARAM_TIME, offsetof(ssd_cfg, program_time), "900us", 1,
     1e8, NULL, "tPROG: page program (MLC NAND datasheet class)"},
    {"channel_rate", PARAM_RATE, offsetof(ssd_cfg, channel_rate), "200MB/s",
     1e6, 1e11, NULL, "flash bus of one channel (ONFI 2.x, 200 MT/s x 8 bit)"},
    {"link_gbps", PARAM_DOUBLE, offsetof(ssd_cfg, link_gbps), "3", 1, 24, NULL,
     "SATA line rate, Gbit/s (1.5, 3 or 6)"},
    {"link_efficiency", PARAM_DOUBLE, offsetof(ssd_cfg, link_efficiency), "0.9",
     0.5, 1, NULL, "share of the 8b/10b payload rate left after framing"},
    {"command_overhead", PARAM_TIME, offsetof(ssd_cfg, command_overhead),
     "20us", 0, 1e8, NULL,
     "controller time per command, one command at a time (assumption)"},
    {"ncq_depth", PARAM_INT, offsetof(ssd_cfg, ncq_depth), "31", 1, 32, NULL,
     "commands accepted at once (SATA NCQ)"},
    {"write_buffer", PARAM_SIZE, offsetof(ssd_cfg, write_buffer), "4m", 0,
     1073741824.0, NULL,
     "DRAM buffer for written data not yet programmed, bytes; 0: none"},
    {NULL, 0, 0, NULL, PARAM_NO_RANGE, NULL, NULL},
};

typedef disk_ssd_span span;
typedef disk_ssd_timeline timeline;

/* One accepted command awaiting its completion event. */
typedef struct ssd ssd;
typedef struct ssd_slot {
  ssd *s;
  disk_cmd *cmd;
  sim_time at;
  GList link; /* in s->slots */
} ssd_slot;

/* Buffered write data until its page is programmed. */
typedef struct buffered {
  sim_time free_at;
  int64_t bytes;
} buffered;

struct ssd {
  ssd_cfg cfg;
  sim_engine *e;
  int64_t nsectors;
  int64_t ndies;
  double link_rate;     /* payload bytes/s */
  sim_time page_bus;    /* one page over a channel */
  sim_time page_link;   /* one whole page over the link */
  GArray *buffer;       /* buffered, sorted by free_at */
  sim_time flush_until; /* commands wait for a FLUSH CACHE to end */
  timeline ctrl;        /* span timelines */
  timeline link;
  timeline *channel; /* [channels] */
  timeline *die;     /* [ndies] */
  int inflight;
  sim_time busy_since;
  sim_time busy;
  GQueue slots;         /* ssd_slot *, commands awaiting completion */
  ssd_slot *free_slots; /* delivered slots kept for reuse (via link.next) */
};

static inline span *tl_at(const timeline *tl, guint i) {
  return &tl->v[tl->head + i];
}

/* Drops the spans that ended by `now`.  A submission prunes only the
 * timelines it reserves on: a span that ended can delay nothing, and every
 * reservation prunes first, so a timeline pruned late holds what one
 * pruned at every submission would. */
static inline void tl_prune(timeline *tl, sim_time now) {
  if (!tl->len || tl->v[tl->head].end > now)
    return; /* the common case: nothing ended since */
  do {
    tl->head++;
    tl->len--;
  } while (tl->len && tl->v[tl->head].end <= now);
  if (!tl->len) /* only pruning empties a timeline */
    tl->head = 0;
}

static void tl_make_room(timeline *tl) {
  if (tl->head > tl->cap / 2) {
    memmove(tl->v, tl->v + tl->head, tl->len * sizeof(span));
    tl->head = 0;
  } else {
    tl->cap = tl->cap ? 2 * tl->cap : 16;
    tl->v = g_renew(span, tl->v, tl->cap);
  }
}

/* Room for one more span after v[head + len - 1]. */
static inline void tl_grow(timeline *tl) {
  if (G_UNLIKELY(tl->head + tl->len == tl->cap))
    tl_make_room(tl);
}

static void tl_insert(timeline *tl, guint i, span s) {
  tl_grow(tl);
  span *at = tl_at(tl, i);
  memmove(at + 1, at, (tl->len - i) * sizeof(span));
  *at = s;
  tl->len++;
}

static void tl_remove(timeline *tl, guint i) {
  span *at = tl_at(tl, i);
  memmove(at, at + 1, (tl->len - i - 1) * sizeof(span));
  tl->len--;
}

/* First fit among the gaps, for a `ready` before the last span's end. */
static G_ALWAYS_INLINE inline sim_time
tl_reserve_between(timeline *tl, sim_time ready, sim_time dur) {
  /* The first span ending after ready, from the back: a timeline holds
   * a few spans and a request mostly falls behind the last one or two. */
  guint i = tl->len - 1;
  while (i > 0 && tl_at(tl, i - 1)->end > ready)
    i--;
  sim_time t = ready;
  while (i < tl->len && tl_at(tl, i)->start < t + dur) {
    t = MAX(t, tl_at(tl, i)->end);
    i++;
  }
  if (dur == 0)
    return t;
  span s = {t, t + dur};
  /* merge with the neighbours it touches */
  bool prev = i > 0 && tl_at(tl, i - 1)->end == s.start;
  bool next = i < tl->len && tl_at(tl, i)->start == s.end;
  if (prev && next) {
    tl_at(tl, i - 1)->end = tl_at(tl, i)->end;
    tl_remove(tl, i);
  } else if (prev) {
    tl_at(tl, i - 1)->end = s.end;
  } else if (next) {
    tl_at(tl, i)->start = s.start;
  } else {
    tl_insert(tl, i, s);
  }
  return t;
}

/* Most reservations land after everything already reserved on the
 * resource (an idle one, or a queue that only grows at its end): those
 * extend the last span or append one without a search or a move. */
static G_ALWAYS_INLINE inline sim_time
tl_reserve(timeline *tl, sim_time now, sim_time ready, sim_time dur) {
  tl_prune(tl, now);
  if (tl->len && tl_at(tl, tl->len - 1)->end > ready)
    return tl_reserve_between(tl, ready, dur);
  if (dur == 0)
    return ready;
  if (tl->len && tl_at(tl, tl->len - 1)->end == ready) {
    tl_at(tl, tl->len - 1)->end = ready + dur;
    return ready;
  }
  tl_grow(tl);
  *tl_at(tl, tl->len) = (span){ready, ready + dur};
  tl->len++;
  return ready;
}

sim_time disk_ssd_timeline_reserve(disk_ssd_timeline *tl, sim_time now,
                                   sim_time ready, sim_time dur) {
  return tl_reserve(tl, now, ready, dur);
}

/* The spans still ahead of `now`: past ones can no longer delay anything. */
static void fp_timeline(fingerprint *fp, const timeline *tl, sim_time now) {
  for (guint i = 0; i < tl->len; i++) {
    const span *sp = tl_at(tl, i);
    if (sp->end > now) {
      fingerprint_i64(fp, sp->start);
      fingerprint_i64(fp, sp->end);
    }
  }
  fingerprint_i64(fp, -1);
}

/* A command's pages pick their die (and so their channel) by page number
 * modulo the dies; nothing else looks at where it is. */
static int64_t ssd_position_period(const void *d) {
  const ssd *s = d;
  return s->cfg.page_size / SECTOR * s->ndies;
}

static void ssd_fingerprint(const void *d, fingerprint *fp) {
  const ssd *s = d;
  sim_time now = sim_now(s->e);
  fingerprint_i64(fp, s->inflight);
  fingerprint_i64(fp, s->busy);
  fingerprint_i64(fp, s->busy_since);
  fp_timeline(fp, &s->ctrl, now);
  fp_timeline(fp, &s->link, now);
  for (int64_t c = 0; c < s->cfg.channels; c++)
    fp_timeline(fp, &s->channel[c], now);
  for (int64_t k = 0; k < s->ndies; k++)
    fp_timeline(fp, &s->die[k], now);
  for (GList *l = s->slots.head; l; l = l->next)
    disk_fp_cmd(fp, ((const ssd_slot *)l->data)->cmd);
  for (guint i = 0; i < s->buffer->len; i++) {
    const buffered *b = &g_array_index(s->buffer, buffered, i);
    if (b->free_at > now) {
      fingerprint_i64(fp, b->free_at);
      fingerprint_i64(fp, b->bytes);
    }
  }
  fingerprint_i64(fp, s->flush_until > now ? s->flush_until : -1);
  /* the parameters that are not visible in the timelines */
  int64_t cv[] = {s->cfg.write_buffer,
                  (int64_t)llround(s->link_rate),
                  s->cfg.command_overhead,
                  s->cfg.read_time,
                  s->cfg.program_time,
                  s->cfg.page_size,
                  s->ndies};
  fingerprint_bytes(fp, cv, sizeof cv);
}

static sim_time xfer_ns(int64_t bytes, double rate) {
  return (sim_time)ceil((double)bytes * 1e9 / rate);
}

static void ssd_deliver(void *arg) {
  ssd_slot *slot = arg;
  ssd *s = slot->s;
  disk_cmd *cmd = slot->cmd;
  g_queue_unlink(&s->slots, &slot->link);
#ifdef __SANITIZE_ADDRESS__
  g_free(slot); /* no reuse: a use after free stays visible */
#else
  slot->link.next = (GList *)s->free_slots;
  s->free_slots = slot;
#endif
  sim_time now = sim_now(s->e);
  cmd->completed = now;
  if (--s->inflight == 0)
    s->busy += now - s->busy_since;
  cmd->done(cmd);
}

static void buffer_prune(ssd *s, sim_time now) {
  guint k = 0;
  while (k < s->buffer->len &&
         g_array_index(s->buffer, buffered, k).free_at <= now)
    k++;
  if (k)
    g_array_remove_range(s->buffer, 0, k);
}

/* The earliest time at or after `ready` when `bytes` more fit in the write
 * buffer; data stays in it until its page is programmed. */
static sim_time buffer_room(const ssd *s, sim_time ready, int64_t bytes) {
  int64_t held = 0;
  for (guint i = 0; i < s->buffer->len; i++) {
    const buffered *b = &g_array_index(s->buffer, buffered, i);
    if (b->free_at > ready)
      held += b->bytes;
  }
  sim_time t = ready;
  for (guint i = 0; i < s->buffer->len && held + bytes > s->cfg.write_buffer;
       i++) {
    const buffered *b = &g_array_index(s->buffer, buffered, i);
    if (b->free_at > ready) {
      held -= b->bytes;
      t = b->free_at;
    }
  }
  return t;
}

static void buffer_add(ssd *s, sim_time free_at, int64_t bytes) {
  guint lo = 0, hi = s->buffer->len; /* after every entry freed by then */
  while (lo < hi) {
    guint mid = (lo + hi) / 2;
    if (g_array_index(s->buffer, buffered, mid).free_at <= free_at)
      lo = mid + 1;
    else
      hi = mid;
  }
  buffered b = {free_at, bytes};
  if (lo == s->buffer->len) /* pages programmed in order: the usual case */
    g_array_append_val(s->buffer, b);
  else
    g_array_insert_val(s->buffer, lo, b);
}

static void post_slot(ssd *s, disk_cmd *cmd, sim_time at) {
  ssd_slot *slot = s->free_slots;
  if (slot)
    s->free_slots = (ssd_slot *)slot->link.next;
  else
    slot = g_new(ssd_slot, 1);
  *slot = (ssd_slot){s, cmd, at, {slot, NULL, NULL}};
  g_queue_push_tail_link(&s->slots, &slot->link);
  sim_post(s->e, at, "complete", ssd_deliver, slot);
}

/* FLUSH CACHE is not queued: it ends after every command accepted before
 * it and every buffered page is programmed, and holds back what follows. */
static void ssd_flush(ssd *s, disk_cmd *cmd, sim_time now) {
  sim_time t = MAX(now, s->flush_until);
  for (GList *l = s->slots.head; l; l = l->next)
    t = MAX(t, ((const ssd_slot *)l->data)->at);
  if (s->buffer->len)
    t = MAX(t, g_array_index(s->buffer, buffered, s->buffer->len - 1).free_at);
  cmd->started = now;
  s->flush_until = t + s->cfg.command_overhead;
  if (sim_tracing(s->e))
    sim_trace(s->e, "ssd", "accept flush, done at %.3f ms",
              (double)s->flush_until / 1e6);
  post_slot(s, cmd, s->flush_until);
}

static void ssd_submit(void *d, disk_cmd *cmd) {
  ssd *s = d;
  g_assert(cmd->flush ? cmd->nr_sectors == 0
                      : cmd->nr_sectors > 0 && cmd->sector >= 0 &&
                            cmd->sector + cmd->nr_sectors <= s->nsectors);
  sim_time now = sim_now(s->e);
  cmd->issued = now;
  if (s->inflight++ == 0)
    s->busy_since = now;

  buffer_prune(s, now);
  if (cmd->flush) {
    ssd_flush(s, cmd, now);
    return;
  }

  cmd->started = tl_reserve(&s->ctrl, now, MAX(now, s->flush_until),
                            s->cfg.command_overhead);
  sim_time ready = cmd->started + s->cfg.command_overhead;
  sim_time finish = ready;
  int64_t spp = s->cfg.page_size / SECTOR;
  int64_t first = cmd->sector / spp;
  int64_t last = (cmd->sector + cmd->nr_sectors - 1) / spp;
  sim_time page_bus = s->page_bus;
  int64_t bytes = (int64_t)cmd->nr_sectors * SECTOR;
  bool buffered_write = cmd->write && bytes <= s->cfg.write_buffer;
  sim_time in_buffer = 0;
  if (buffered_write) {
    /* The data cross the link once there is room for them; the command is
     * done then, and the pages are programmed from the buffer. */
    sim_time link_ns = xfer_ns(bytes, s->link_rate);
    sim_time room = buffer_room(s, ready, bytes);
    in_buffer = tl_reserve(&s->link, now, room, link_ns) + link_ns;
    finish = in_buffer;
  }
  /* the die and channel advance with the page, wrapping round */
  int64_t g = first % s->ndies;
  int64_t c = g % s->cfg.channels;
  for (int64_t p = first; p <= last; p++, g = g + 1 == s->ndies ? 0 : g + 1,
               c = c + 1 == s->cfg.channels ? 0 : c + 1) {
    /* bytes of this command that fall in page p */
    int64_t lo = MAX(cmd->sector, p * spp);
    int64_t hi = MIN(cmd->sector + (int64_t)cmd->nr_sectors, (p + 1) * spp);
    sim_time link_ns = hi - lo == spp
                           ? s->page_link
                           : xfer_ns((hi - lo) * SECTOR, s->link_rate);
    timeline *ch = &s->channel[c];
    timeline *die = &s->die[g];
    sim_time end;
    if (!cmd->write) {
      sim_time t =
          tl_reserve(die, now, ready, s->cfg.read_time) + s->cfg.read_time;
      t = tl_reserve(ch, now, t, page_bus) + page_bus;
      end = tl_reserve(&s->link, now, t, link_ns) + link_ns;
    } else if (buffered_write) {
      sim_time t = tl_reserve(ch, now, in_buffer, page_bus) + page_bus;
      end = tl_reserve(die, now, t, s->cfg.program_time) + s->cfg.program_time;
      buffer_add(s, end, (hi - lo) * SECTOR);
      continue;
    } else {
      sim_time t = tl_reserve(&s->link, now, ready, link_ns) + link_ns;
      t = tl_reserve(ch, now, t, page_bus) + page_bus;
      end = tl_reserve(die, now, t, s->cfg.program_time) + s->cfg.program_time;
    }
    finish = MAX(finish, end);
  }
  if (sim_tracing(s->e))
    sim_trace(s->e, "ssd",
              "accept %s sector %" G_GINT64_FORMAT " +%u done at %.3f ms",
              cmd->write ? "write" : "read", cmd->sector, cmd->nr_sectors,
              (double)finish / 1e6);
  post_slot(s, cmd, finish);
}

static void ssd_free(void *d) {
  ssd *s = d;
  if (!s)
    return;
  g_free(s->ctrl.v);
  g_free(s->link.v);
  for (int64_t c = 0; s->channel && c < s->cfg.channels; c++)
    g_free(s->channel[c].v);
  for (int64_t g = 0; s->die && g < s->ndies; g++)
    g_free(s->die[g].v);
  g_free(s->channel);
  g_free(s->die);
  GList *l;
  while ((l = g_queue_pop_head_link(&s->slots)))
    g_free(l->data);
  for (ssd_slot *x = s->free_slots, *next; x; x = next) {
    next = (ssd_slot *)x->link.next;
    g_free(x);
  }
  if (s->buffer)
    g_array_free(s->buffer, TRUE);
  g_free(s);
}

static gboolean ssd_check(const void *cfgv, GError **err) {
  const ssd_cfg *c = cfgv;
  if (c->page_size % SECTOR) {
    g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
                "ssd: page_size must be a multiple of 512 bytes");
    return FALSE;
  }
  return TRUE;
}

static void *ssd_init(const void *cfgv, sim_engine *e, GError **err) {
  ssd_cfg *defaults = NULL;
  if (!cfgv)
    cfgv = defaults = params_defaults(ssd_params, sizeof(ssd_cfg));
  ssd *s = g_new0(ssd, 1);
  s->cfg = *(const ssd_cfg *)cfgv;
  g_free(defaults);
  s->e = e;
  if (!ssd_check(&s->cfg, err)) {
    ssd_free(s);
    return NULL;
  }
  s->link_rate =
      disk_sata_payload_rate(s->cfg.link_gbps, s->cfg.link_efficiency);
  s->page_bus = xfer_ns(s->cfg.page_size, s->cfg.channel_rate);
  s->page_link = xfer_ns(s->cfg.page_size, s->link_rate);
  s->buffer = g_array_new(FALSE, FALSE, sizeof(buffered));
  s->nsectors = s->cfg.capacity / SECTOR;
  s->ndies = s->cfg.channels * s->cfg.dies_per_channel;
  g_queue_init(&s->slots);
  s->channel = g_new0(timeline, s->cfg.channels);
  s->die = g_new0(timeline, s->ndies);
  return s;
}

static int ssd_queue_depth(const void *d) {
  return (int)((const ssd *)d)->cfg.ncq_depth;
}

static int64_t ssd_capacity(const void *d) {
  return ((const ssd *)d)->nsectors;
}

static bool ssd_write_cache(const void *d) {
  return ((const ssd *)d)->cfg.write_buffer > 0;
}

static sim_time ssd_busy_time(const void *d) {
  const ssd *s = d;
  return s->busy + (s->inflight ? sim_now(s->e) - s->busy_since : 0);
}

const disk_ops disk_ssd_ops = {
    .name = "ssd",
    .params = ssd_params,
    .cfg_size = sizeof(ssd_cfg),
    .nonrot = true,
    .check = ssd_check,
    .init = ssd_init,
    .free = ssd_free,
    .queue_depth = ssd_queue_depth,
    .capacity = ssd_capacity,
    .submit = ssd_submit,
    .write_cache = ssd_write_cache,
    .busy_time = ssd_busy_time,
    .fingerprint = ssd_fingerprint,
    .position_period = ssd_position_period,
};
