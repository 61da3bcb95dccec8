/* The elevator ops table, after the kernel's elevator_ops (Linux 3.2):
 * what the block layer calls.  All hooks run "under queue_lock":
 * atomically in the simulation.  The schedulers themselves are listed in
 * models/iosched.h. */
#ifndef CFQSIM_ELEVATOR_H
#define CFQSIM_ELEVATOR_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "sim/core/fingerprint.h"
#include "sim/core/params.h"

struct bio;
struct cfq_io_context;
struct request;
struct request_queue;
struct task;

struct elevator_ops {
  /* Front-merge candidate of the elevator's own (cfq_merge, deadline's
   * front_merges): ELEVATOR_FRONT_MERGE with *rq set, or ELEVATOR_NO_MERGE. */
  int (*elevator_merge_fn)(struct request_queue *q, struct task *tsk,
                           struct request **rq, struct bio *bio);
  /* A bio was merged into rq (kind: FRONT or BACK), no request merge followed. */
  void (*elevator_merged_fn)(struct request_queue *q, struct request *rq,
                             int kind);
  /* `next` was glued onto `rq` and will be freed. */
  void (*elevator_merge_req_fn)(struct request_queue *q, struct request *rq,
                                struct request *next);
  /* May this task's bio go into rq?  NULL: yes. */
  bool (*elevator_allow_merge_fn)(struct request_queue *q, struct task *tsk,
                                  struct request *rq, struct bio *bio);

  /* Move at most one request (non-forced) to the dispatch list; return the
   * number moved. */
  int (*elevator_dispatch_fn)(struct request_queue *q, int force);
  void (*elevator_add_req_fn)(struct request_queue *q, struct request *rq);
  void (*elevator_activate_req_fn)(struct request_queue *q, struct request *rq);
  void (*elevator_completed_req_fn)(struct request_queue *q,
                                    struct request *rq);

  /* Neighbours in the elevator's sort order (for attempt_back/front_merge). */
  struct request *(*elevator_former_req_fn)(struct request_queue *q,
                                            struct request *rq);
  struct request *(*elevator_latter_req_fn)(struct request_queue *q,
                                            struct request *rq);

  /* Per-request private data.  NULL for deadline and noop: their requests
   * carry no cic and skip alloc_cic/link.  `cic` has been looked up (or
   * linked) by the process steps; set_req attaches the queue under
   * queue_lock and returns 0 (cfq_set_request's success path). */
  int (*elevator_set_req_fn)(struct request_queue *q, struct request *rq,
                             struct task *tsk, struct cfq_io_context *cic);
  void (*elevator_put_req_fn)(struct request_queue *q, struct request *rq);
  /* ELV_MQUEUE_MAY or ELV_MQUEUE_MUST.  NULL: MAY. */
  int (*elevator_may_queue_fn)(struct request_queue *q, struct task *tsk,
                               unsigned rw_flags);
  /* get_request's set_request failure path kick (cfq_schedule_dispatch). */
  void (*elevator_set_req_failed_fn)(struct request_queue *q);
  /* Optional, ours: start fetching what the task's next request will
   * read of the elevator's per-task data (prefetch.h). */
  void (*elevator_prefetch_fn)(struct request_queue *q, const struct task *tsk);

  void *(*elevator_init_fn)(struct request_queue *q, const void *cfg,
                            GError **err);
  void (*elevator_exit_fn)(void *elevator_data);
  /* Optional: back to what init returned, in the elevator's own memory
   * (exploration restarts runs from the start); it forgets every request
   * (the queue frees them) and nothing observes it.  NULL: exit and init
   * again. */
  void (*elevator_reset_fn)(void *elevator_data);

  /* Optional: feed everything that can change the future into `fp`
   * (exploration fingerprints). */
  void (*elevator_fingerprint_fn)(struct request_queue *q, fingerprint *fp);
};

struct elevator_type {
  const char *elevator_name; /* "cfq", "deadline", "noop" */
  struct elevator_ops ops;
  const param_desc *params; /* tunables under their sysfs names */
  size_t cfg_size;
};

#endif
