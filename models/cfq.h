/* CFQ (Linux 3.2), the "cfq" elevator: its tunables and a small read-only
 * view for tests, reports and the timeline graph.  The scheduler itself is
 * reached through iosched_cfq (models/iosched.h). */
#ifndef CFQSIM_CFQ_H
#define CFQSIM_CFQ_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "models/blk.h"
#include "models/cfq-event.h"
#include "sim/core/params.h"

/* The tunables of /sys/block/<dev>/queue/iosched/
 * (docs/model.md, "CFQ tunables"), as written by a user: times in ns
 * (converted to jiffies at init, rounding up like msecs_to_jiffies), counts
 * as integers.  A time left at its HZ=1000 default takes the kernel's
 * HZ-derived default instead (HZ/8, HZ/4, HZ/10, HZ/25, HZ/125, forced to 1
 * jiffy where the kernel does), which differs from rounding the millisecond
 * value only when HZ does not divide evenly. */
struct cfq_config {
  int64_t quantum;
  int64_t fifo_expire_sync;  /* ns */
  int64_t fifo_expire_async; /* ns */
  int64_t back_seek_max;     /* KiB */
  int64_t back_seek_penalty;
  int64_t slice_sync;  /* ns */
  int64_t slice_async; /* ns */
  int64_t slice_async_rq;
  int64_t slice_idle; /* ns */
  int64_t group_idle; /* ns */
  bool low_latency;
};

extern const param_desc cfq_params[];
/* The same defaults as a struct (used when no configuration is given). */
extern const struct cfq_config cfq_default_config;

/* q must run the cfq elevator.  fn NULL removes the observer. */
void cfq_set_slice_observer(struct request_queue *q, cfq_slice_observer fn,
                            void *ctx);

/* The slice still open (the active queue's), as the CFQ_SLICE_EXPIRE event
 * that would end it now: `used` as an expiry would compute it, `charge` 0
 * since nothing is charged.  Reads only: for reports at the end of a run,
 * whose last slice no expiry closes.  FALSE when no queue is active. */
gboolean cfq_open_slice(struct request_queue *q, cfq_slice_event *out);

/* ---- per-queue totals (kept after the queue is freed) ---- */
typedef struct cfq_queue_info {
  int queue_id;
  int pid;
  bool sync;
  int ioprio_class, ioprio;
  const char *cgroup;  /* NULL: root group */
  int64_t disk_time;   /* jiffies: the time its slices used, summed */
  uint64_t slices;     /* times it was made active */
  uint64_t dispatched; /* requests moved to the dispatch list */
  uint64_t preempted;  /* slices ended by preemption */
} cfq_queue_info;

guint cfq_queue_count(struct request_queue *q);
/* FALSE if i is out of range. */
gboolean cfq_queue_get_info(struct request_queue *q, guint i,
                            cfq_queue_info *out);
/* NCQ detection state (-1 unknown, 0, 1; docs/model.md, "NCQ detection"). */
int cfq_hw_tag(struct request_queue *q);

#endif
