/* Dirty pages as Linux 3.2 counts and throttles them: the vm.dirty_*
 * sysctls, one backing_dev_info (bdi) per device with its dirty and
 * writeback counts, the estimate of its write bandwidth and of the rate
 * each dirtier may have (dirty_ratelimit), and the IO-less
 * balance_dirty_pages that makes a dirtier sleep instead of write. */
#ifndef CFQSIM_PAGE_WRITEBACK_H
#define CFQSIM_PAGE_WRITEBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "models/blk.h"
#include "models/pagecache.h"
#include "sim/core/fingerprint.h"

/* /proc/sys/vm: a _bytes setting, when not 0, takes the place of its
 * _ratio twin (writing one zeroes the other in the kernel). */
struct vm_dirty_cfg {
  int64_t dirty_background_ratio;    /* 10 (percent of dirtyable memory) */
  int64_t dirty_background_bytes;    /* 0 */
  int64_t dirty_ratio;               /* 20 */
  int64_t dirty_bytes;               /* 0 */
  int64_t dirty_expire_centisecs;    /* 3000 */
  int64_t dirty_writeback_centisecs; /* 500 */
};

struct backing_dev_info {
  char *name; /* "8:0", as the flusher is named after it */
  struct pagecache *pc;
  const struct vm_dirty_cfg *vm;
  struct request_queue *q; /* jiffies, read congestion */
  int64_t ra_pages;        /* read_ahead_kb / 4 */
  /* page counts: BDI_RECLAIMABLE, BDI_WRITEBACK, BDI_DIRTIED, BDI_WRITTEN */
  int64_t reclaimable, writeback, dirtied, written;
  /* estimates, updated at most every 200 ms; rates in pages per second */
  int64_t bw_time_stamp; /* jiffies */
  int64_t dirtied_stamp, written_stamp;
  int64_t write_bandwidth, avg_write_bandwidth;
  int64_t dirty_ratelimit, balanced_dirty_ratelimit;
  bool dirty_exceeded;
  bool writeback_running; /* BDI_writeback_running: the flusher is at work */
  /* The flusher's side (fs-writeback): wake it for background writeback,
   * and tell it when the last page under writeback is done. */
  void (*start_background_writeback)(void *ctx);
  void (*writeback_done)(void *ctx);
  void *wb_ctx;
};

/* A dirtier's throttle state (task_struct's nr_dirtied, nr_dirtied_pause)
 * and where it is in balance_dirty_pages' loop across its sleeps. */
struct dirty_throttle {
  int64_t nr_dirtied, nr_dirtied_pause;
  bool in_loop;
  int64_t pages_dirtied, start_time; /* of the current loop */
  int64_t pause, max_pause, task_ratelimit;
  /* what the sleepless exit of the loop needs */
  int64_t nr_dirty, nr_reclaimable, thresh, bg, dirty_ratelimit;
  bool dirty_exceeded;
  /* statistics */
  uint64_t pauses;
  int64_t paused_jiffies;
};

struct backing_dev_info *bdi_new(const char *name, struct pagecache *pc,
                                 const struct vm_dirty_cfg *vm,
                                 struct request_queue *q, int64_t ra_pages);
void bdi_free(struct backing_dev_info *bdi);
void bdi_fingerprint(const struct backing_dev_info *bdi, fingerprint *fp);
int64_t bdi_jiffies(const struct backing_dev_info *bdi);
/* bdi_read_congested: the device's read request list is congested. */
bool bdi_read_congested(const struct backing_dev_info *bdi);

void dirty_throttle_init(struct dirty_throttle *t);

/* global_dirty_limits: the background and the throttle thresholds, in
 * pages of dirtyable memory; dirty_freerun_ceiling and the setpoint. */
void global_dirty_limits(const struct backing_dev_info *bdi, int64_t *bg,
                         int64_t *thresh);
int64_t dirty_freerun_ceiling(int64_t thresh, int64_t bg);
/* over_bground_thresh: dirty pages (not those under writeback) above the
 * background threshold, globally or on this device. */
bool over_bground_thresh(const struct backing_dev_info *bdi);
/* bdi_position_ratio, 1024 being 1.0. */
int64_t bdi_position_ratio(const struct backing_dev_info *bdi, int64_t thresh,
                           int64_t bg, int64_t dirty, int64_t bdi_thresh,
                           int64_t bdi_dirty);
/* __bdi_update_bandwidth: the write bandwidth and, when `thresh` is not
 * 0 (a dirtier calls), the dirty rate limit; at most every 200 ms. */
void bdi_update_bandwidth(struct backing_dev_info *bdi, int64_t thresh,
                          int64_t bg, int64_t dirty, int64_t bdi_thresh,
                          int64_t bdi_dirty, int64_t start_time);

/* set_page_dirty: TRUE when the page was clean (account_page_dirtied ran;
 * the caller then marks the inode dirty). */
bool set_page_dirty(struct page *page);
/* clear_page_dirty_for_io + set_page_writeback: the page goes to disk. */
void page_start_writeback(struct page *page);
/* end_page_writeback: its write completed. */
void end_page_writeback(struct page *page);

/* balance_dirty_pages_ratelimited_nr: `nr` pages were just written into
 * the cache by the task.  Returns jiffies to sleep (0: carry on); after
 * sleeping them the task calls balance_dirty_pages_resume, which may ask
 * for another sleep, until it returns 0. */
int64_t balance_dirty_pages_ratelimited(struct backing_dev_info *bdi,
                                        struct dirty_throttle *t, int64_t nr);
int64_t balance_dirty_pages_resume(struct backing_dev_info *bdi,
                                   struct dirty_throttle *t);

#endif
