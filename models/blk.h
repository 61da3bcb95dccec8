/* The block layer of one device (docs/model.md, "The block layer"):
 * request allocation with nr_requests per class, sleeping in
 * get_request_wait, wake-ups from freed_request, merging, the dispatch list,
 * the SCSI-like driver and the completion path.
 *
 * The structs are public to the models (as in the kernel, elevators reach
 * into requests and the queue); programs use the functions. */
#ifndef CFQSIM_BLK_H
#define CFQSIM_BLK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "models/disk.h"
#include "models/ioc.h"
#include "sim/core/engine.h"
#include "sim/core/fingerprint.h"
#include "sim/core/rbtree.h"

struct request_queue;
struct elevator_type;
struct task;

/* What the block layer reports to its observer (blktrace's actions). */
typedef enum {
  BLK_ACT_QUEUE,      /* Q: a bio is submitted */
  BLK_ACT_BACKMERGE,  /* M: the bio joined the end of a queued request */
  BLK_ACT_FRONTMERGE, /* F: the bio joined the front of a queued request */
  BLK_ACT_GETRQ,      /* G: the request is allocated (elevator data too) */
  BLK_ACT_SLEEPRQ,    /* S: get_request_wait puts the task to sleep */
  BLK_ACT_INSERT,     /* I: the request goes into the elevator */
  BLK_ACT_ISSUE,      /* D: the driver sends the request to the device */
  BLK_ACT_COMPLETE    /* C: the device completed the request */
} blk_action;

/* An optional observer of one queue (blktrace).  It only watches: it must
 * not change the queue.  `t` is the submitting task (for completions the
 * request's allocator); `rw` holds REQ_WRITE, REQ_SYNC, REQ_FLUSH and
 * REQ_FUA.  `message` gets every blk_trace line (CFQ's and the block
 * layer's), and only while the engine trace is on, because nothing is
 * formatted otherwise. */
struct blk_observer {
  void (*action)(void *ctx, const struct request_queue *q, blk_action a,
                 int64_t sector, uint32_t bytes, unsigned rw,
                 const struct task *t);
  void (*message)(void *ctx, const struct request_queue *q, const char *text);
};

/* A simulated task as the kernel sees it (`current`). */
struct task {
  /* what each of its I/Os reads first (tasks are cold at every I/O when
   * there are thousands) */
  struct io_context *ioc;
  sim_actor *actor;
  char *name;
  int pid;
  int nice;           /* -20..19; gives the level of class NONE */
  bool sched_idle;    /* SCHED_IDLE: class NONE maps to IDLE */
  bool sched_rt;      /* SCHED_FIFO/RR: class NONE maps to RT */
  const char *cgroup; /* blkio cgroup name, NULL for the root */
  int cgroup_weight;  /* 10..1000 (cgroup's blkio.weight) */
  /* asleep in get_request_wait: its link in rl_wait, one request list's
   * wait queue (NULL: on none) */
  GList rl_link;
  GQueue *rl_wait;
};

/* Indices: 0 async, 1 sync (BLK_RW_ASYNC, BLK_RW_SYNC). */
#define BLK_RW_ASYNC 0
#define BLK_RW_SYNC 1
#define READ 0
#define WRITE 1

/* cmd_flags */
#define REQ_WRITE (1u << 0)
#define REQ_SYNC (1u << 1)
#define REQ_META (1u << 2)
#define REQ_PRIO (1u << 3)
#define REQ_NOIDLE (1u << 4)
#define REQ_STARTED (1u << 5)
#define REQ_SORTED (1u << 6)
#define REQ_NOMERGE (1u << 7)
#define REQ_ELVPRIV (1u << 8)
#define REQ_FLUSH (1u << 9) /* empty the device's write cache first */
#define REQ_FUA (1u << 10)  /* the data must be on the media on completion */
#define REQ_FLUSH_SEQ (1u << 11) /* going through the flush sequence */

#define ELEVATOR_NO_MERGE 0
#define ELEVATOR_FRONT_MERGE 1
#define ELEVATOR_BACK_MERGE 2

#define ELV_MQUEUE_MAY 0
#define ELV_MQUEUE_NO 1
#define ELV_MQUEUE_MUST 2

struct bio;
typedef void (*bio_end_fn)(struct bio *bio);

/* One I/O of a process.  Completion calls bi_end_io. */
struct bio {
  int64_t sector;
  uint32_t nr_sectors;
  unsigned rw;        /* REQ_WRITE, REQ_SYNC, REQ_PRIO, ... */
  struct task *task;  /* submitter */
  sim_time submitted; /* virtual time of `submit` */
  bio_end_fn bi_end_io;
  void *private;  /* the submitter's */
  bool batch_ioc; /* its reservation consulted the ioc (batching) */
  struct bio *bi_next;
};

static inline bool bio_is_sync(const struct bio *b) {
  return !(b->rw & REQ_WRITE) || (b->rw & REQ_SYNC);
}

struct request {
  uint64_t id; /* allocation order; for traces and tie-breaks */
  struct request_queue *q;
  unsigned cmd_flags;
  int64_t sector;      /* __sector */
  uint32_t nr_sectors; /* __data_len / 512 */
  int64_t start_time;  /* jiffies at allocation */
  int64_t fifo_time;   /* jiffies: rq_fifo_time */
  struct bio *bio, *biotail;
  struct task *task; /* allocating task */
  void *elv_priv[3]; /* CFQ: cic, cfqq, cfqg */
  void *elv_node;    /* the elevator's handle: non-NULL while sorted */
  /* the merge hash: a bucket's chain, newest first, and the end sector
   * the request was hashed under (hash_pprev NULL: not hashed) */
  struct request *hash_next, **hash_pprev;
  int64_t hash_end;
  /* CFQ's sort list: the node, and the key it was sorted by (the
   * position is kept apart so that a front merge, which moves the start
   * sector, cannot break the order until the request is re-sorted) */
  rbtree_node rb_node;
  int64_t elv_pos;
  uint64_t elv_seq;
  GList queuelist;        /* link in the FIFO / dispatch list (GQueue) */
  GList live;             /* link in q->live_requests */
  disk_cmd cmd;           /* the command sent to the device */
  sim_time dispatched_at; /* put on the dispatch list */
  /* flush sequencing (REQ_FLUSH_SEQ): the device's completion goes to
   * end_io instead of ending the bios */
  void (*end_io)(struct request *rq);
  unsigned flush_seq; /* the steps done (preflush, data, postflush) */
  GList flush_node;   /* in one of the queue's flush lists */
  GQueue *flush_list; /* which one; NULL: none */
};

static inline bool rq_is_sync(const struct request *rq) {
  return !(rq->cmd_flags & REQ_WRITE) || (rq->cmd_flags & REQ_SYNC);
}
static inline int rq_data_dir(const struct request *rq) {
  return (rq->cmd_flags & REQ_WRITE) ? WRITE : READ;
}
static inline int64_t blk_rq_pos(const struct request *rq) {
  return rq->sector;
}
static inline uint32_t blk_rq_sectors(const struct request *rq) {
  return rq->nr_sectors;
}
static inline int64_t rq_end_sector(const struct request *rq) {
  return rq->sector + rq->nr_sectors;
}
static inline uint64_t blk_rq_bytes(const struct request *rq) {
  return (uint64_t)rq->nr_sectors * 512;
}

struct request_list {
  int count[2];
  int starved[2];
  GQueue wait[2]; /* of struct task * (their rl_link): exclusive FIFO */
};

/* Kernel-wide settings (workload `kernel:`). */
struct kernel_cfg {
  int hz;              /* 1000 by default */
  int64_t nr_requests; /* 128 */
  cic_link_variant cic_link;
  bool group_iosched; /* CONFIG_CFQ_GROUP_IOSCHED */
};

#define JIFFIES_BASE 1000000

/* Per-device block-layer statistics, kept by blk.c for reports. */
struct blk_stats {
  uint64_t requests_allocated, requests_merged_away, bio_merges;
  uint64_t completed, bytes_completed; /* device commands, flushes included */
  uint64_t flushes;                    /* of them, cache flushes */
  uint64_t sleeps, wakeups;
  struct cic_stats cic; /* kept by the cic path (ioc.c) */
  /* Moments where the elevator could order requests by position or
   * measure a distance to the head: a request sorted in while others wait,
   * CFQ's closeness tests.  Exploration's symmetry reduction is exact only
   * while none happens (docs/model.md, "Symmetry reduction"). */
  uint64_t position_decisions;
};

struct request_queue {
  char *name; /* "sda" */
  sim_engine *engine;
  const struct kernel_cfg *kernel;
  int64_t tick_ns; /* 1e9 / HZ */

  struct request_list rl;
  int64_t nr_requests, nr_congestion_on, nr_congestion_off, nr_batching;
  bool full[2];
  bool congested[2];

  GQueue queue_head; /* the dispatch list, of struct request (queuelist) */
  int64_t end_sector;
  struct request *boundary_rq;
  struct request *last_merge;
  struct request **hash; /* merge hash buckets, by end sector */
  unsigned hash_bits;    /* 1 << hash_bits buckets */
  int nr_sorted;
  int in_flight[2];
  uint32_t max_sectors; /* limits.max_sectors */
  int nomerges;         /* 0, 1, 2 */
  bool nonrot;          /* QUEUE_FLAG_NONROT */

  const struct elevator_type *elevator;
  void *elevator_data;
  int cic_index; /* this device's key in every ioc's radix */

  const disk_ops *disk_ops;
  void *disk;
  int depth;         /* driver queue depth (commands at the device) */
  int dev_in_flight; /* commands at the device */
  bool dev_flushing; /* a (non-queued) cache flush is at the device */

  /* Flush machinery: flush_flags has REQ_FLUSH when the device has a
   * volatile write cache (no native FUA: libata's default).  Requests
   * waiting for a flush sit on flush_queue[flush_pending_idx]; while a
   * flush is at the device the two indices differ. */
  unsigned flush_flags;
  GQueue flush_queue[2];
  int flush_pending_idx, flush_running_idx;
  int64_t flush_pending_since; /* jiffies */
  GQueue flush_data_in_flight;
  struct request flush_rq;
  bool kblockd_pending; /* unplug_work queued */
  uint64_t next_rq_id;
  GQueue live_requests; /* every allocated request, freed at teardown */
  /* Plain bios given back (blk_bio_put), chained through bi_next: the
   * next submission, by whichever task, takes the last one, still in
   * cache, where a list per task would hand each of thousands its own
   * cold one. */
  struct bio *free_bios;
  struct request *free_rqs; /* freed requests kept for reuse, chained
                               through hash_next */
  sim_time last_freed[2];   /* last __freed_request looking at rl.wait[c],
                                not counting `fail` undos; -1: never (hang
                                reports) */
  struct blk_stats stats;

  /* Observers of completions (metrics); never steer the simulation. */
  void (*on_complete)(void *ctx, struct request *rq);
  void *on_complete_ctx;
  const struct blk_observer *observer; /* NULL: nobody watches */
  void *observer_ctx;
};

static inline int64_t blk_jiffies(const struct request_queue *q) {
  return JIFFIES_BASE + sim_now(q->engine) / q->tick_ns;
}
/* Virtual time at which the jiffies counter becomes `j` (kernel timers). */
static inline sim_time blk_jiffies_to_time(const struct request_queue *q,
                                           int64_t j) {
  return (j - JIFFIES_BASE) * q->tick_ns;
}
/* msecs_to_jiffies rounds up. */
static inline int64_t blk_ns_to_jiffies(const struct request_queue *q,
                                        int64_t ns) {
  return (ns + q->tick_ns - 1) / q->tick_ns;
}

/* ---- set-up ---- */
struct request_queue *blk_queue_new(sim_engine *e, const char *name,
                                    const struct kernel_cfg *kernel,
                                    const disk_ops *dops, void *disk, int depth,
                                    uint32_t max_sectors, int nomerges,
                                    int cic_index);
/* Attach the elevator (calls its init with `cfg`).  At teardown the
 * elevator's exit runs first and must free only its own data; the queue
 * then frees every request still alive, with its bios. */
gboolean blk_queue_set_elevator(struct request_queue *q,
                                const struct elevator_type *e, const void *cfg,
                                GError **err);
void blk_queue_free(struct request_queue *q);
/* Back to what blk_queue_new returned, on `disk` (the queue's device,
 * reset or made again), keeping the queue's memory (exploration restarts
 * runs from the start): the elevator is reset if it can be
 * (elevator_reset_fn), else gone (set it again), requests are freed, and
 * nothing observes.  Before the engine is reset. */
void blk_queue_reset(struct request_queue *q, void *disk);
/* A zeroed plain bio (not a larger struct that begins with one), a given
 * back one if any; blk_bio_put gives it back once it has ended. */
struct bio *blk_bio_get(struct request_queue *q);
void blk_bio_put(struct request_queue *q, struct bio *bio);
/* Start fetching what the task's next request on `q` will read: the task,
 * its io_context and the elevator's data for it (prefetch.h). */
void blk_task_prefetch(struct request_queue *q, const struct task *tsk);
/* Register (or with NULL, remove) the queue's observer. */
void blk_set_observer(struct request_queue *q, const struct blk_observer *obs,
                      void *ctx);
/* Feed the queue's future-relevant state into `fp` (exploration): request
 * list counts, flags and sleepers (by pid), every live request (by its
 * task's pid and sectors, never by address or allocation id), the dispatch
 * list order, driver and kblockd state.  Statistics are left out. */
void blk_fingerprint(const struct request_queue *q, fingerprint *fp);
/* A request by what it is (submitter's pid, position, flags, times), never
 * by allocation order or address: states reached through different orders
 * of the same steps must fingerprint alike. */
void blk_fingerprint_rq(fingerprint *fp, const struct request *rq);

/* ---- the submission path, one function per process step ---- */
typedef enum {
  BLK_SUBMIT_ENDED,    /* nothing to do (a flush without a write cache):
                          the bio has ended already */
  BLK_SUBMIT_MERGED,   /* bio joined a queued request: it will end with it */
  BLK_SUBMIT_RESERVED, /* rl.count[sync] reserved: go on to `lookup` */
  BLK_SUBMIT_SLEEP     /* refused: the task is on rl.wait[s], asleep */
} blk_submit_result;

/* `submit`: elv_merge / bio merges, else get_request's reservation. */
blk_submit_result blk_step_submit(struct request_queue *q, struct bio *bio);
/* `lookup` (first time): request memory + blk_rq_init + get_io_context.
 * Returns the new request (not yet carrying elevator data). */
struct request *blk_alloc_request(struct request_queue *q, struct bio *bio);
/* Does the elevator attach per-ioc data (cfq: lookup/alloc_cic/link)? */
bool blk_uses_cic(const struct request_queue *q);
/* Does this bio's request get elevator data?  Flush and FUA requests do
 * not: they bypass the elevator. */
bool blk_bio_uses_elevator(const struct bio *bio);
/* The largest bio the queue takes, in sectors (queue_max_sectors): whoever
 * builds bios (direct I/O) cuts a larger I/O into bios of this size. */
uint32_t blk_queue_max_sectors(const struct request_queue *q);
/* `queue`: elv_set_request with the found cic, init_request_from_bio,
 * __elv_add_request(SORT) and __blk_run_queue. */
void blk_step_queue(struct request_queue *q, struct request *rq,
                    struct cfq_io_context *cic);
/* `fail`: elv_set_request failed (buggy -EEXIST): cfq_schedule_dispatch,
 * free the request, undo the reservation (freed_request, starved), enqueue
 * on rl.wait[s] and sleep.  Frees `rq`. */
void blk_step_fail(struct request_queue *q, struct request *rq);
/* `retry`: after a wake-up: batching, get_request again. */
blk_submit_result blk_step_retry(struct request_queue *q, struct bio *bio);

/* ---- used by elevators ---- */
void elv_dispatch_sort(struct request_queue *q, struct request *rq);
void elv_dispatch_add_tail(struct request_queue *q, struct request *rq);
void __blk_run_queue(struct request_queue *q);
/* Queue a kblockd run (coalescing): an event at the current time. */
void kblockd_schedule_work(struct request_queue *q);
/* Remove rq from the merge hash (and last_merge). */
void elv_rqhash_del(struct request_queue *q, struct request *rq);
void blk_trace_printf(struct request_queue *q, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
/* Nothing is formatted, nor the arguments worked out, unless the engine
 * trace is on. */
#define blk_trace(q, ...) \
  do { \
    if (sim_tracing((q)->engine)) \
      blk_trace_printf((q), __VA_ARGS__); \
  } while (0)

#endif
