/* Dirty accounting, bandwidth estimation and the IO-less dirty throttle.
 * The arithmetic is 3.2's, in integers with its shifts (1024 is 1.0 for a
 * ratio); memory is constant, so the hard dirty limit is the threshold
 * and each device may use all of it (one disk's share is all of it). */
#include "models/page-writeback.h"

#define RATELIMIT_CALC_SHIFT 10
/* 100 MB/s in pages: the estimates' starting point */
#define INIT_BW ((100 << 20) / PAGE_SIZE)

static int64_t hz(const struct backing_dev_info *bdi) {
  return bdi->q->kernel->hz;
}

/* BANDWIDTH_INTERVAL and MAX_PAUSE: 200 ms */
static int64_t bandwidth_interval(const struct backing_dev_info *bdi) {
  return MAX(hz(bdi) / 5, 1);
}

static int ilog2(int64_t v) {
  return v > 0 ? 63 - __builtin_clzll((unsigned long long)v) : 0;
}

int64_t bdi_jiffies(const struct backing_dev_info *bdi) {
  return blk_jiffies(bdi->q);
}

bool bdi_read_congested(const struct backing_dev_info *bdi) {
  return bdi->q->congested[BLK_RW_SYNC];
}

struct backing_dev_info *bdi_new(const char *name, struct pagecache *pc,
                                 const struct vm_dirty_cfg *vm,
                                 struct request_queue *q, int64_t ra_pages) {
  struct backing_dev_info *bdi = g_new0(struct backing_dev_info, 1);
  bdi->name = g_strdup(name);
  bdi->pc = pc;
  bdi->vm = vm;
  bdi->q = q;
  bdi->ra_pages = ra_pages;
  bdi->bw_time_stamp = bdi_jiffies(bdi);
  bdi->write_bandwidth = bdi->avg_write_bandwidth = INIT_BW;
  bdi->dirty_ratelimit = bdi->balanced_dirty_ratelimit = INIT_BW;
  return bdi;
}

void bdi_free(struct backing_dev_info *bdi) {
  if (!bdi)
    return;
  g_free(bdi->name);
  g_free(bdi);
}

void bdi_fingerprint(const struct backing_dev_info *bdi, fingerprint *fp) {
  int64_t v[] = {bdi->reclaimable,
                 bdi->writeback,
                 bdi->dirtied,
                 bdi->written,
                 bdi->bw_time_stamp,
                 bdi->dirtied_stamp,
                 bdi->written_stamp,
                 bdi->write_bandwidth,
                 bdi->avg_write_bandwidth,
                 bdi->dirty_ratelimit,
                 bdi->balanced_dirty_ratelimit,
                 bdi->dirty_exceeded,
                 bdi->writeback_running};
  fingerprint_bytes(fp, v, sizeof v);
}

void dirty_throttle_init(struct dirty_throttle *t) {
  /* a new task may dirty 128 KiB before its first look at the limits */
  *t = (struct dirty_throttle){.nr_dirtied_pause = 128 >> (PAGE_SHIFT - 10)};
}

/* ---- thresholds ---- */

void global_dirty_limits(const struct backing_dev_info *bdi, int64_t *bg,
                         int64_t *thresh) {
  const struct vm_dirty_cfg *vm = bdi->vm;
  /* all memory is free or page cache here: all of it is dirtyable */
  int64_t dirtyable = bdi->pc->totalram_pages + 1;
  int64_t t = vm->dirty_bytes ? (vm->dirty_bytes + PAGE_SIZE - 1) / PAGE_SIZE
                              : vm->dirty_ratio * dirtyable / 100;
  int64_t b = vm->dirty_background_bytes
                  ? (vm->dirty_background_bytes + PAGE_SIZE - 1) / PAGE_SIZE
                  : vm->dirty_background_ratio * dirtyable / 100;
  if (b >= t)
    b = t / 2;
  *bg = b;
  *thresh = t;
}

int64_t dirty_freerun_ceiling(int64_t thresh, int64_t bg) {
  return (thresh + bg) / 2;
}

bool over_bground_thresh(const struct backing_dev_info *bdi) {
  int64_t bg, thresh;
  global_dirty_limits(bdi, &bg, &thresh);
  return bdi->pc->nr_dirty > bg || bdi->reclaimable > bg;
}

int64_t bdi_position_ratio(const struct backing_dev_info *bdi, int64_t thresh,
                           int64_t bg, int64_t dirty, int64_t bdi_thresh,
                           int64_t bdi_dirty) {
  int64_t write_bw = bdi->avg_write_bandwidth;
  int64_t freerun = dirty_freerun_ceiling(thresh, bg);
  int64_t limit = thresh;
  int64_t setpoint = (freerun + limit) / 2;
  if (dirty >= limit)
    return 0;
  /* the global control line: a cubic through 2.0 at freerun, 1.0 at the
   * setpoint and 0 at the limit */
  int64_t x =
      (setpoint - dirty) * (1 << RATELIMIT_CALC_SHIFT) / (limit - setpoint + 1);
  int64_t pos_ratio = x;
  pos_ratio = pos_ratio * x >> RATELIMIT_CALC_SHIFT;
  pos_ratio = pos_ratio * x >> RATELIMIT_CALC_SHIFT;
  pos_ratio += 1 << RATELIMIT_CALC_SHIFT;

  /* the device's line: falls from 1.0 at its setpoint to 1/4 over about
   * eight times its write bandwidth */
  bdi_thresh = MIN(bdi_thresh, thresh);
  bdi_thresh = MAX(bdi_thresh, (limit - dirty) / 8);
  uint64_t w = ((uint64_t)bdi_thresh << 16) / (uint64_t)(thresh + 1);
  int64_t bdi_setpoint = (int64_t)((uint64_t)setpoint * w >> 16);
  int64_t span =
      (int64_t)((uint64_t)(thresh - bdi_thresh + 8 * write_bw) * w >> 16);
  int64_t x_intercept = bdi_setpoint + span;
  if (bdi_dirty < x_intercept - span / 4)
    pos_ratio = pos_ratio * (x_intercept - bdi_dirty) /
                (x_intercept - bdi_setpoint + 1);
  else
    pos_ratio /= 4;

  /* a device with few dirty pages is let through faster, so that it
   * keeps enough to write in large chunks */
  x_intercept = bdi_thresh / 2;
  if (bdi_dirty < x_intercept) {
    if (bdi_dirty > x_intercept / 8)
      pos_ratio = pos_ratio * x_intercept / bdi_dirty;
    else
      pos_ratio *= 8;
  }
  return pos_ratio;
}

/* ---- estimates ---- */

static void bdi_update_write_bandwidth(struct backing_dev_info *bdi,
                                       int64_t elapsed, int64_t written) {
  int64_t period = 1;
  while (period < 3 * hz(bdi))
    period <<= 1;
  int64_t avg = bdi->avg_write_bandwidth;
  int64_t old = bdi->write_bandwidth;
  int64_t bw = (written - bdi->written_stamp) * hz(bdi);
  if (elapsed > period) {
    bw /= elapsed;
    avg = bw;
  } else {
    /* exponential smoothing over about three seconds */
    bw += old * (period - elapsed);
    bw >>= ilog2(period);
    /* the average follows only a trend both estimates agree on */
    if (avg > old && old >= bw)
      avg -= (avg - old) >> 3;
    if (avg < old && old <= bw)
      avg += (old - avg) >> 3;
  }
  bdi->write_bandwidth = bw;
  bdi->avg_write_bandwidth = avg;
}

static void bdi_update_dirty_ratelimit(struct backing_dev_info *bdi,
                                       int64_t thresh, int64_t bg,
                                       int64_t dirty, int64_t bdi_thresh,
                                       int64_t bdi_dirty, int64_t dirtied,
                                       int64_t elapsed) {
  int64_t freerun = dirty_freerun_ceiling(thresh, bg);
  int64_t setpoint = (freerun + thresh) / 2;
  int64_t dirty_ratelimit = bdi->dirty_ratelimit;
  int64_t write_bw = bdi->avg_write_bandwidth;
  int64_t dirty_rate = (dirtied - bdi->dirtied_stamp) * hz(bdi) / elapsed;
  int64_t pos_ratio =
      bdi_position_ratio(bdi, thresh, bg, dirty, bdi_thresh, bdi_dirty);
  int64_t task_ratelimit =
      (int64_t)((uint64_t)dirty_ratelimit * (uint64_t)pos_ratio >>
                RATELIMIT_CALC_SHIFT) +
      1;
  /* what each dirtier should get for the device's bandwidth to match the
   * dirtying: about write_bw / N with N dirtiers */
  int64_t balanced = (int64_t)((uint64_t)task_ratelimit * (uint64_t)write_bw /
                               (uint64_t)(dirty_rate | 1));
  int64_t step = 0, x;
  if (dirty < setpoint) {
    x = MIN(bdi->balanced_dirty_ratelimit, MIN(balanced, task_ratelimit));
    if (dirty_ratelimit < x)
      step = x - dirty_ratelimit;
  } else {
    x = MAX(bdi->balanced_dirty_ratelimit, MAX(balanced, task_ratelimit));
    if (dirty_ratelimit > x)
      step = dirty_ratelimit - x;
  }
  /* small steps near the target, and at most an eighth at a time */
  int64_t shift = dirty_ratelimit / (2 * step + 1);
  step = shift >= 63 ? 0 : step >> shift;
  step = (step + 7) / 8;
  if (dirty_ratelimit < balanced)
    dirty_ratelimit += step;
  else
    dirty_ratelimit -= step;
  bdi->dirty_ratelimit = MAX(dirty_ratelimit, 1);
  bdi->balanced_dirty_ratelimit = balanced;
}

void bdi_update_bandwidth(struct backing_dev_info *bdi, int64_t thresh,
                          int64_t bg, int64_t dirty, int64_t bdi_thresh,
                          int64_t bdi_dirty, int64_t start_time) {
  int64_t now = bdi_jiffies(bdi);
  int64_t elapsed = now - bdi->bw_time_stamp;
  if (elapsed < bandwidth_interval(bdi))
    return;
  /* After a quiet second, only take the new stamps: the idle time would
   * read as a slow device. */
  if (!(elapsed > hz(bdi) && bdi->bw_time_stamp < start_time)) {
    if (thresh)
      bdi_update_dirty_ratelimit(bdi, thresh, bg, dirty, bdi_thresh, bdi_dirty,
                                 bdi->dirtied, elapsed);
    bdi_update_write_bandwidth(bdi, elapsed, bdi->written);
  }
  bdi->dirtied_stamp = bdi->dirtied;
  bdi->written_stamp = bdi->written;
  bdi->bw_time_stamp = now;
}

/* ---- page state ---- */

bool set_page_dirty(struct page *page) {
  if (page->flags & PG_dirty)
    return false;
  struct address_space *m = page->mapping;
  struct backing_dev_info *bdi = m->backing_dev_info;
  page->flags |= PG_dirty;
  page_tag(page, PAGECACHE_TAG_DIRTY, true);
  m->nr_dirty++;
  m->pc->nr_dirty++;
  bdi->reclaimable++;
  bdi->dirtied++;
  return true;
}

void page_start_writeback(struct page *page) {
  struct address_space *m = page->mapping;
  struct backing_dev_info *bdi = m->backing_dev_info;
  g_assert(!(page->flags & PG_writeback));
  if (page->flags & PG_dirty) {
    page->flags &= ~PG_dirty;
    page_tag(page, PAGECACHE_TAG_DIRTY, false);
    m->nr_dirty--;
    m->pc->nr_dirty--;
    bdi->reclaimable--;
  }
  page->flags = (page->flags | PG_writeback) & ~PG_towrite;
  page_tag(page, PAGECACHE_TAG_WRITEBACK, true);
  m->nr_writeback++;
  m->pc->nr_writeback++;
  bdi->writeback++;
}

void end_page_writeback(struct page *page) {
  struct address_space *m = page->mapping;
  struct backing_dev_info *bdi = m->backing_dev_info;
  g_assert(page->flags & PG_writeback);
  page->flags &= ~PG_writeback;
  page_tag(page, PAGECACHE_TAG_WRITEBACK, false);
  m->nr_writeback--;
  m->pc->nr_writeback--;
  bdi->writeback--;
  bdi->written++;
  wake_up_page(page);
  if (bdi->writeback == 0 && bdi->writeback_done)
    bdi->writeback_done(bdi->wb_ctx);
}

/* ---- balance_dirty_pages ---- */

static void start_background_writeback(struct backing_dev_info *bdi) {
  if (bdi->start_background_writeback)
    bdi->start_background_writeback(bdi->wb_ctx);
}

static int64_t bdi_max_pause(const struct backing_dev_info *bdi,
                             int64_t bdi_dirty) {
  int64_t bw = bdi->avg_write_bandwidth;
  int hi = ilog2(bw), lo = ilog2(bdi->dirty_ratelimit);
  int64_t t = hz(bdi) / 50;
  /* longer pauses with more dirtiers (dirty_ratelimit ~ write_bw / N) */
  if (hi > lo)
    t += (hi - lo) * (20 * hz(bdi)) / 1024;
  /* but not so long that the device runs out of dirty pages to write */
  t = MIN(t, bdi_dirty * hz(bdi) / (8 * bw + 1));
  return CLAMP(t, 4, bandwidth_interval(bdi));
}

static int64_t dirty_poll_interval(int64_t dirty, int64_t thresh) {
  if (thresh > dirty)
    return (int64_t)1 << (ilog2(thresh - dirty) >> 1);
  return 1;
}

/* After the loop: how soon the task looks again. */
static void bdp_finish(struct backing_dev_info *bdi, struct dirty_throttle *t) {
  if (!t->dirty_exceeded && bdi->dirty_exceeded)
    bdi->dirty_exceeded = false;
  int64_t pages_dirtied = t->pages_dirtied;
  int64_t pause = t->pause, max_pause = t->max_pause;
  t->in_loop = false;
  t->nr_dirtied = 0;
  int64_t want = t->dirty_ratelimit * (max_pause / 2) / hz(bdi);
  if (pause == 0) {
    t->nr_dirtied_pause = dirty_poll_interval(t->nr_dirty, t->thresh);
  } else if (pause <= max_pause / 4 && pages_dirtied >= t->nr_dirtied_pause) {
    t->nr_dirtied_pause =
        CLAMP(want, pages_dirtied + pages_dirtied / 8, pages_dirtied * 4);
  } else if (pause >= max_pause) {
    t->nr_dirtied_pause =
        1 | CLAMP(want, pages_dirtied / 4, pages_dirtied - pages_dirtied / 8);
  }
  if (bdi->writeback_running)
    return;
  if (t->nr_reclaimable > t->bg)
    start_background_writeback(bdi);
}

/* One pass of balance_dirty_pages' loop: the sleep it asks for, or 0
 * after leaving the loop without one. */
static int64_t bdp_pass(struct backing_dev_info *bdi,
                        struct dirty_throttle *t) {
  struct pagecache *pc = bdi->pc;
  int64_t nr_reclaimable = pc->nr_dirty;
  int64_t nr_dirty = nr_reclaimable + pc->nr_writeback;
  int64_t bg, thresh;
  global_dirty_limits(bdi, &bg, &thresh);
  t->nr_dirty = nr_dirty;
  t->nr_reclaimable = nr_reclaimable;
  t->thresh = thresh;
  t->bg = bg;
  /* below the freerun point a dirtier is never held back */
  if (nr_dirty <= dirty_freerun_ceiling(thresh, bg)) {
    bdp_finish(bdi, t);
    return 0;
  }
  if (!bdi->writeback_running)
    start_background_writeback(bdi);
  int64_t bdi_thresh = thresh;
  int64_t bdi_dirty = bdi->reclaimable + bdi->writeback;
  t->dirty_exceeded = bdi_dirty > bdi_thresh || nr_dirty > thresh;
  if (t->dirty_exceeded)
    bdi->dirty_exceeded = true;
  bdi_update_bandwidth(bdi, thresh, bg, nr_dirty, bdi_thresh, bdi_dirty,
                       t->start_time);
  int64_t max_pause = bdi_max_pause(bdi, bdi_dirty);
  t->max_pause = max_pause;
  t->dirty_ratelimit = bdi->dirty_ratelimit;
  int64_t pos_ratio =
      bdi_position_ratio(bdi, thresh, bg, nr_dirty, bdi_thresh, bdi_dirty);
  t->task_ratelimit =
      (int64_t)((uint64_t)bdi->dirty_ratelimit * (uint64_t)pos_ratio >>
                RATELIMIT_CALC_SHIFT);
  int64_t pause;
  if (t->task_ratelimit == 0) {
    pause = max_pause; /* at the hard limit: sleep and look again */
  } else {
    pause = hz(bdi) * t->pages_dirtied / t->task_ratelimit;
    if (pause <= 0) {
      t->pause = 1;
      bdp_finish(bdi, t);
      return 0;
    }
    pause = MIN(pause, max_pause);
  }
  t->pause = pause;
  t->pauses++;
  t->paused_jiffies += pause;
  return pause;
}

int64_t balance_dirty_pages_ratelimited(struct backing_dev_info *bdi,
                                        struct dirty_throttle *t, int64_t nr) {
  int64_t ratelimit = t->nr_dirtied_pause;
  if (bdi->dirty_exceeded)
    ratelimit = MIN(ratelimit, 32 >> (PAGE_SHIFT - 10));
  t->nr_dirtied += nr;
  if (t->nr_dirtied < ratelimit)
    return 0;
  t->in_loop = true;
  t->pages_dirtied = t->nr_dirtied;
  t->start_time = bdi_jiffies(bdi);
  t->pause = 0;
  t->dirty_exceeded = false;
  return bdp_pass(bdi, t);
}

int64_t balance_dirty_pages_resume(struct backing_dev_info *bdi,
                                   struct dirty_throttle *t) {
  g_assert(t->in_loop);
  /* one sleep per call, unless over the hard limit */
  if (t->task_ratelimit || bdi->reclaimable + bdi->writeback == 0) {
    bdp_finish(bdi, t);
    return 0;
  }
  return bdp_pass(bdi, t);
}
