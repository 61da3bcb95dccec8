/* CFQ's private types: the structs of cfqd, its groups, queues and service
 * trees, constants and small inline helpers shared by the cfq-*.c files.
 * No function of those files is declared here: each declares its own in
 * its cfq-*.h, and their includes run one way:
 *   cfq-iosched -> cfq-dispatch -> cfq-queue -> cfq-group.
 * Not for other modules. */
#ifndef CFQSIM_CFQ_PRIV_H
#define CFQSIM_CFQ_PRIV_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "models/blk.h"
#include "models/cfq-event.h"
#include "models/ioc.h"
#include "sim/core/rbtree.h"

/* CFQ's constants (docs/model.md, "CFQ constants"); the HZ-dependent ones
 * are computed per cfqd. */
#define CFQ_SLICE_SCALE 5
#define CFQ_MIN_TT 2
#define CFQ_HW_QUEUE_MIN 5
#define CFQ_SERVICE_SHIFT 12
#define CFQQ_SEEK_THR 800
#define CFQQ_CLOSE_THR 8192
#define CFQQ_SECT_THR_NONROT 64
#define CFQ_HIST_DIVISOR 4
#define BLKIO_WEIGHT_DEFAULT 500
#define CFQ_PAGE_SIZE 4096
#define CFQ_UNLIMITED INT64_MAX

enum wl_prio_t { BE_WORKLOAD = 0, RT_WORKLOAD = 1, IDLE_WORKLOAD = 2 };
enum wl_type_t {
  ASYNC_WORKLOAD = 0,
  SYNC_NOIDLE_WORKLOAD = 1,
  SYNC_WORKLOAD = 2
};

struct cfq_data;
struct cfq_group;

/* A service tree (cfq_rb_root).  Queue trees hold cfqqs ordered by
 * (rb_key, insertion seq); the group tree holds groups ordered by
 * (vdisktime - min_vdisktime, insertion seq). */
struct cfq_rb_root {
  rbtree rb;
  unsigned count;
  unsigned total_weight;  /* group tree only */
  uint64_t min_vdisktime; /* group tree only */
  struct cfq_ttime ttime;
};

/* Per-queue totals for cfq_queue_info; outlive the queue. */
struct cfq_queue_stats {
  int queue_id, pid;
  bool sync;
  int ioprio_class, ioprio;
  const char *cgroup;
  int64_t disk_time;
  uint64_t slices, dispatched, preempted;
};

struct cfq_queue {
  int id;
  int ref;
  struct cfq_data *cfqd;
  struct cfq_group *cfqg;
  GList link; /* in cfqd->queues */

  /* flags (cfq_cfqq_<name>) */
  bool on_rr, wait_request, must_dispatch, must_alloc_slice, fifo_expire;
  bool idle_window, prio_changed, slice_new, sync, coop, split_coop, deep;
  bool wait_busy;

  /* service tree membership */
  int64_t rb_key;
  uint64_t rb_seq;
  struct cfq_rb_root *service_tree; /* NULL: not on a service tree */
  rbtree_node rb_node;

  /* prio tree membership: keyed by pos(next_rq) at insertion, an
   * approximation (docs/model.md, "Simplifications") */
  rbtree *p_root; /* NULL: on none */
  rbtree_node p_node;
  int64_t p_key;

  /* requests by (rq->elv_pos, rq->elv_seq), linked through rq->rb_node */
  rbtree sort_list;
  struct request *next_rq;
  int queued[2];
  int allocated[2];
  GQueue fifo; /* of request, linked through rq->queuelist */

  int64_t dispatch_start;
  int64_t allocated_slice;
  int64_t slice_dispatch;
  int64_t slice_start, slice_end;
  int64_t slice_resid;
  int prio_pending;
  int dispatched;

  int ioprio, org_ioprio;
  int ioprio_class, org_ioprio_class;
  int pid;
  uint32_t seek_history;
  int64_t last_request_pos;
  struct cfq_queue *new_cfqq;
  uint64_t nr_sectors;

  struct cfq_queue_stats *stats;
};

struct cfq_group {
  int id;
  char *name; /* blkio cgroup, NULL for the root */
  char *path; /* its cgroup path: "/", "/gold" */
  uint64_t vdisktime;
  unsigned weight, new_weight;
  bool needs_update;
  bool on_st; /* in grp_service_tree */
  rbtree_node rb_node;
  uint64_t rb_seq;
  int nr_cfqq;
  unsigned busy_queues_avg[3];
  struct cfq_rb_root service_trees[2][3];
  struct cfq_rb_root service_tree_idle;
  int64_t saved_workload_slice;
  int saved_workload, saved_serving_prio;
  int dispatched;
  struct cfq_ttime ttime;
};

struct cfq_data {
  struct request_queue *queue;
  struct cfq_rb_root grp_service_tree;
  struct cfq_group *root_group;
  GPtrArray *groups;         /* creation order; [0] = root */
  GHashTable *group_by_name; /* cgroup name -> cfqg (lookups only) */

  int serving_prio, serving_type;
  int64_t workload_expires;
  struct cfq_group *serving_group;

  rbtree prio_trees[IOPRIO_BE_NR];

  int busy_queues, busy_sync_queues;
  int rq_in_driver;
  int rq_in_flight[2];
  int rq_queued;
  int hw_tag;
  int hw_tag_est_depth;
  unsigned hw_tag_samples;

  sim_timer idle_slice_timer;

  struct cfq_queue *active_queue;
  struct cfq_io_context *active_cic;

  struct cfq_queue *async_cfqq[2][IOPRIO_BE_NR];
  struct cfq_queue *async_idle_cfqq;

  int64_t last_position;

  /* tunables, in jiffies where time-valued */
  int64_t cfq_quantum;
  int64_t cfq_fifo_expire[2];
  int64_t cfq_back_penalty;
  int64_t cfq_back_max;
  int64_t cfq_slice[2];
  int64_t cfq_slice_async_rq;
  int64_t cfq_slice_idle;
  int64_t cfq_group_idle;
  bool cfq_latency;

  /* HZ-derived constants */
  int64_t hz;
  int64_t cfq_target_latency; /* HZ*3/10 */
  int64_t cfq_idle_delay;     /* HZ/5 */

  int64_t last_delayed_sync;

  /* bookkeeping of the simulator */
  GQueue queues;    /* every live cfqq, creation order */
  GPtrArray *stats; /* struct cfq_queue_stats *, by queue id */
  GPtrArray *cics;  /* every cic seen by set_request */
  int next_queue_id;
  uint64_t next_seq;
  cfq_slice_observer observer;
  void *observer_ctx;
  /* Queue and stats memory a reset gave back, made use of again (every
   * run of an exploration makes the same queues anew) */
  GPtrArray *spare_queues, *spare_stats;
  /* cfqd and its root group as init made them (cfq_reset_queue) */
  const struct cfq_data *fresh;
  const struct cfq_group *fresh_root;
};

/* ---- small helpers ---- */
static inline struct cfq_data *q_cfqd(struct request_queue *q) {
  return q->elevator_data;
}
static inline int64_t cfq_jiffies(const struct cfq_data *cfqd) {
  return blk_jiffies(cfqd->queue);
}
static inline struct cfq_io_context *RQ_CIC(const struct request *rq) {
  return rq->elv_priv[0];
}
static inline struct cfq_queue *RQ_CFQQ(const struct request *rq) {
  return rq->elv_priv[1];
}
static inline struct cfq_group *RQ_CFQG(const struct request *rq) {
  return rq->elv_priv[2];
}
static inline bool cfq_class_idle(const struct cfq_queue *cfqq) {
  return cfqq->ioprio_class == IOPRIO_CLASS_IDLE;
}
static inline bool cfq_class_rt(const struct cfq_queue *cfqq) {
  return cfqq->ioprio_class == IOPRIO_CLASS_RT;
}
/* Bits set in x; the builtin would be a library call on CPUs of the
 * baseline instruction set. */
static inline unsigned cfq_bits_set(uint32_t x) {
  x = x - ((x >> 1) & 0x55555555u);
  x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
  x = (x + (x >> 4)) & 0x0f0f0f0fu;
  return (x * 0x01010101u) >> 24;
}
static inline bool cfqq_seeky(const struct cfq_queue *cfqq) {
  return cfq_bits_set(cfqq->seek_history) > 4;
}
static inline bool sample_valid(uint64_t samples) { return samples > 80; }
static inline bool cfqq_empty(const struct cfq_queue *cfqq) {
  return rbtree_empty(&cfqq->sort_list);
}
static inline int cfqq_prio(const struct cfq_queue *cfqq) {
  if (cfq_class_idle(cfqq))
    return IDLE_WORKLOAD;
  if (cfq_class_rt(cfqq))
    return RT_WORKLOAD;
  return BE_WORKLOAD;
}
static inline int cfqq_type(const struct cfq_queue *cfqq) {
  if (!cfqq->sync)
    return ASYNC_WORKLOAD;
  if (!cfqq->idle_window)
    return SYNC_NOIDLE_WORKLOAD;
  return SYNC_WORKLOAD;
}
static inline bool cfq_tracing(const struct cfq_data *cfqd) {
  return sim_tracing(cfqd->queue->engine);
}

/* A slice event of cfqq as of now, for the observer and for reading the
 * slice still open at the end of a run. */
static inline cfq_slice_event cfq_slice_event_of(struct cfq_data *cfqd,
                                                 struct cfq_queue *cfqq,
                                                 cfq_slice_event_kind kind,
                                                 bool timed_out, int64_t used,
                                                 int64_t charge) {
  return (cfq_slice_event){
      .kind = kind,
      .time = sim_now(cfqd->queue->engine),
      .jiffies = cfq_jiffies(cfqd),
      .queue_id = cfqq->id,
      .pid = cfqq->pid,
      .sync = cfqq->sync,
      .ioprio_class = cfqq->ioprio_class,
      .ioprio = cfqq->ioprio,
      .cgroup = cfqq->cfqg->name,
      .timed_out = timed_out,
      .used = used,
      .charge = charge,
      .slice_dispatch = cfqq->slice_dispatch,
  };
}

/* With group scheduling built in, the kernel's CFQ messages name the
 * queue's group by its cgroup path; without it they carry the pid alone
 * and group messages are not emitted.  Nothing is formatted unless
 * tracing is on. */
static inline bool cfq_group_sched(const struct cfq_data *cfqd) {
  return !cfqd->queue->kernel || cfqd->queue->kernel->group_iosched;
}
#define cfq_log_cfqq(cfqd, cfqq, fmt, ...) \
  do { \
    if (!cfq_tracing(cfqd)) \
      break; \
    if (cfq_group_sched(cfqd)) \
      blk_trace((cfqd)->queue, "cfq%d%c %s " fmt, (cfqq)->pid, \
                (cfqq)->sync ? 'S' : 'A', (cfqq)->cfqg->path, ##__VA_ARGS__); \
    else \
      blk_trace((cfqd)->queue, "cfq%d " fmt, (cfqq)->pid, ##__VA_ARGS__); \
  } while (0)
#define cfq_log_cfqg(cfqd, cfqg, fmt, ...) \
  do { \
    if (cfq_tracing(cfqd) && cfq_group_sched(cfqd)) \
      blk_trace((cfqd)->queue, "%s " fmt, (cfqg)->path, ##__VA_ARGS__); \
  } while (0)
#define cfq_log(cfqd, fmt, ...) \
  do { \
    if (cfq_tracing(cfqd)) \
      blk_trace((cfqd)->queue, "cfq " fmt, ##__VA_ARGS__); \
  } while (0)

#endif
