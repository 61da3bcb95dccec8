/* CFQ (Linux 3.2) behind the elevator ops table: tunables, set-up, the
 * submission side (cfq_set_request, may_queue, merges, insertion,
 * preemption), completion, NCQ detection, queue allocation, merging and
 * splitting, request freeing.  Dispatch is in cfq-dispatch.c, a queue's
 * request order and cooperators in cfq-queue.c, groups and service trees
 * in cfq-group.c.  What it does, in prose: docs/model.md, "CFQ".
 *
 * Simplifications (docs/model.md, "Simplifications"): io_context and group
 * lifetime references are not modelled (cfqq.ref and allocated[] are, for
 * queue merging), the oom queue, dead cics, ioprio/cgroup change
 * notifications and elevator switching are omitted; prio trees keep stale
 * keys (see cfq-group.c). */
#include "models/cfq-dispatch.h"
#include "models/cfq-fingerprint.h"
#include "models/cfq-group.h"
#include "models/cfq-priv.h"
#include "models/cfq-queue.h"
#include "models/cfq.h"
#include "models/iosched.h"

#include <stddef.h>

#include "sim/core/prefetch.h"

/* ---------------------------------------------------------------------
 * Tunables (docs/model.md, "CFQ tunables")
 * --------------------------------------------------------------------- */

#define CFQ_OFF(f) offsetof(struct cfq_config, f)
#define MS(x) ((double)(x)*1e6)
#define MAX_MS MS(3600000) /* our cap: one hour */

const param_desc cfq_params[] = {
    {"quantum", PARAM_INT, CFQ_OFF(quantum), "8", 1, 4294967295.0, NULL,
     "requests: dispatch depth of a queue (half of it before 'slice used soon'); cfq_quantum"},
    {"fifo_expire_sync", PARAM_TIME, CFQ_OFF(fifo_expire_sync), "125ms", MS(1),
     MAX_MS, NULL,
     "time a sync request waits before its FIFO may overrule sector order; HZ/8"},
    {"fifo_expire_async", PARAM_TIME, CFQ_OFF(fifo_expire_async), "250ms",
     MS(1), MAX_MS, NULL, "same for async requests; HZ/4"},
    {"back_seek_max", PARAM_INT, CFQ_OFF(back_seek_max), "16384", 0,
     4294967295.0, NULL,
     "KiB: how far behind the head a request is still chosen (with penalty)"},
    {"back_seek_penalty", PARAM_INT, CFQ_OFF(back_seek_penalty), "2", 1,
     4294967295.0, NULL,
     "factor: a backward seek counts this many times its distance"},
    {"slice_sync", PARAM_TIME, CFQ_OFF(slice_sync), "100ms", MS(1), MAX_MS,
     NULL, "base time slice of a sync queue (level 4); HZ/10"},
    {"slice_async", PARAM_TIME, CFQ_OFF(slice_async), "40ms", MS(1), MAX_MS,
     NULL, "base time slice of an async queue (level 4); HZ/25"},
    {"slice_async_rq", PARAM_INT, CFQ_OFF(slice_async_rq), "2", 1, 4294967295.0,
     NULL, "requests: async dispatch budget per slice is 2*this*(8-level)"},
    {"slice_idle", PARAM_TIME, CFQ_OFF(slice_idle), "8ms", 0, MAX_MS, NULL,
     "how long to wait for a queue's next request before switching; 0 disables; HZ/125"},
    {"group_idle", PARAM_TIME, CFQ_OFF(group_idle), "8ms", 0, MAX_MS, NULL,
     "how long to wait for a group's next request; 0 disables; HZ/125"},
    {"low_latency", PARAM_BOOL, CFQ_OFF(low_latency), "true", PARAM_NO_RANGE,
     NULL,
     "scale slices towards the 300 ms target latency and ramp async depth"},
    {NULL, 0, 0, NULL, PARAM_NO_RANGE, NULL, NULL},
};

/* The HZ=1000 defaults of the table, in ns, to recognise "left at default". */
#define DEF_FIFO_SYNC MS(125)
#define DEF_FIFO_ASYNC MS(250)
#define DEF_SLICE_SYNC MS(100)
#define DEF_SLICE_ASYNC MS(40)
#define DEF_SLICE_IDLE MS(8)

static int64_t tun_time(const struct request_queue *q, int64_t ns,
                        double def_ns, int64_t kernel_default) {
  if (ns == (int64_t)def_ns)
    return kernel_default;
  return blk_ns_to_jiffies(q, ns);
}

static int64_t at_least_1(int64_t v) { return v ? v : 1; }

/* The table's defaults as a struct, for an elevator attached without a
 * configuration (tests compare the two). */
const struct cfq_config cfq_default_config = {
    .quantum = 8,
    .fifo_expire_sync = (int64_t)DEF_FIFO_SYNC,
    .fifo_expire_async = (int64_t)DEF_FIFO_ASYNC,
    .back_seek_max = 16384,
    .back_seek_penalty = 2,
    .slice_sync = (int64_t)DEF_SLICE_SYNC,
    .slice_async = (int64_t)DEF_SLICE_ASYNC,
    .slice_async_rq = 2,
    .slice_idle = (int64_t)DEF_SLICE_IDLE,
    .group_idle = (int64_t)DEF_SLICE_IDLE,
    .low_latency = true,
};

/* ---------------------------------------------------------------------
 * Small helpers
 * --------------------------------------------------------------------- */

static struct cfq_io_context *cfq_cic_of(struct cfq_data *cfqd,
                                         const struct task *tsk) {
  if (!tsk || !tsk->ioc)
    return NULL;
  struct cfq_io_context *cic = cfq_cic_lookup(tsk->ioc, cfqd->queue->cic_index);
  if (cic && cic->key != cfqd)
    return NULL;
  return cic;
}

/* ---------------------------------------------------------------------
 * Priorities (docs/model.md, "Priorities")
 * --------------------------------------------------------------------- */

static int task_ioprio_class(const struct io_context *ioc) {
  int c = IOPRIO_PRIO_CLASS(ioc->ioprio);
  return c != IOPRIO_CLASS_NONE ? c : IOPRIO_CLASS_BE;
}

static int task_ioprio(const struct io_context *ioc) {
  if (IOPRIO_PRIO_CLASS(ioc->ioprio) != IOPRIO_CLASS_NONE)
    return MIN(IOPRIO_PRIO_DATA(ioc->ioprio), IOPRIO_BE_NR - 1);
  return IOPRIO_NORM;
}

static void cfq_init_prio_data(struct cfq_queue *cfqq,
                               const struct io_context *ioc,
                               const struct task *tsk) {
  if (!cfqq->prio_changed)
    return;
  switch (IOPRIO_PRIO_CLASS(ioc->ioprio)) {
  case IOPRIO_CLASS_RT:
    cfqq->ioprio = task_ioprio(ioc);
    cfqq->ioprio_class = IOPRIO_CLASS_RT;
    break;
  case IOPRIO_CLASS_BE:
    cfqq->ioprio = task_ioprio(ioc);
    cfqq->ioprio_class = IOPRIO_CLASS_BE;
    break;
  case IOPRIO_CLASS_IDLE:
    cfqq->ioprio_class = IOPRIO_CLASS_IDLE;
    cfqq->ioprio = 7;
    cfqq->idle_window = false;
    break;
  default: { /* NONE: from the current task's nice value and policy */
    int nice = tsk ? CLAMP(tsk->nice, -20, 19) : 0;
    cfqq->ioprio = (nice + 20) / 5;
    if (tsk && tsk->sched_idle)
      cfqq->ioprio_class = IOPRIO_CLASS_IDLE;
    else if (tsk && tsk->sched_rt)
      cfqq->ioprio_class = IOPRIO_CLASS_RT;
    else
      cfqq->ioprio_class = IOPRIO_CLASS_BE;
    break;
  }
  }
  cfqq->org_ioprio = cfqq->ioprio;
  cfqq->org_ioprio_class = cfqq->ioprio_class;
  cfqq->prio_changed = false;
}

/* ---------------------------------------------------------------------
 * Queue allocation and release
 * (docs/model.md, "Attaching a request to a queue", "CFQ objects")
 * --------------------------------------------------------------------- */

/* Zeroed memory of `size`, a spare's if a reset left one. */
static void *spare_or_new0(GPtrArray *spare, size_t size) {
  if (!spare->len)
    return g_malloc0(size);
  return memset(g_ptr_array_steal_index(spare, spare->len - 1), 0, size);
}

static struct cfq_queue *cfq_queue_new(struct cfq_data *cfqd, bool is_sync,
                                       struct cfq_io_context *cic,
                                       const struct task *tsk,
                                       struct cfq_group *cfqg) {
  struct cfq_queue *cfqq = spare_or_new0(cfqd->spare_queues, sizeof *cfqq);
  cfqq->id = cfqd->next_queue_id++;
  cfqq->cfqd = cfqd;
  rbtree_init(&cfqq->sort_list);
  g_queue_init(&cfqq->fifo);
  cfqq->link.data = cfqq;
  g_queue_push_tail_link(&cfqd->queues, &cfqq->link);
  cfqq->prio_changed = true;
  if (is_sync) {
    cfqq->idle_window =
        true; /* cfq_init_prio_data clears it for the IDLE class */
    cfqq->sync = true;
  }
  cfqq->pid = tsk ? tsk->pid : 0;
  cfq_init_prio_data(cfqq, cic->ioc, tsk);
  cfqq->cfqg = is_sync ? cfqg : cfqd->root_group; /* async: always root */

  struct cfq_queue_stats *st = spare_or_new0(cfqd->spare_stats, sizeof *st);
  st->queue_id = cfqq->id;
  st->pid = cfqq->pid;
  st->sync = cfqq->sync;
  st->ioprio_class = cfqq->ioprio_class;
  st->ioprio = cfqq->ioprio;
  st->cgroup = cfqq->cfqg->name;
  g_ptr_array_add(cfqd->stats, st);
  cfqq->stats = st;
  cfq_log_cfqq(cfqd, cfqq, "alloced");
  return cfqq;
}

/* Its memory is kept for the next queue, but under AddressSanitizer
 * (where a use after free must stay visible). */
static void cfq_queue_free(struct cfq_data *cfqd, struct cfq_queue *cfqq) {
  cfq_prio_tree_del(cfqq);
  g_queue_unlink(&cfqd->queues, &cfqq->link);
#ifdef __SANITIZE_ADDRESS__
  g_free(cfqq);
#else
  g_ptr_array_add(cfqd->spare_queues, cfqq);
#endif
}

static void cfq_put_queue(struct cfq_queue *cfqq) {
  struct cfq_data *cfqd = cfqq->cfqd;
  g_assert(cfqq->ref > 0);
  cfqq->ref--;
  if (cfqq->ref)
    return;
  cfq_log_cfqq(cfqd, cfqq, "put_queue");
  /* every allocated request holds a reference: the last put finds none */
  g_assert(cfqq_empty(cfqq));
  g_assert(cfqq->allocated[READ] + cfqq->allocated[WRITE] == 0);
  /* freed while active (its cic moved on to a merged or a new queue and
   * its last request is gone): end its slice, let another queue run */
  if (cfqd->active_queue == cfqq) {
    __cfq_slice_expired(cfqd, cfqq, false);
    cfq_schedule_dispatch(cfqd);
  }
  g_assert(!cfqq->on_rr); /* an empty queue leaves its tree at expiry */
  cfq_queue_free(cfqd, cfqq);
}

static void cfq_put_cooperator(struct cfq_queue *cfqq) {
  struct cfq_queue *q = cfqq->new_cfqq;
  while (q) {
    /* cfq_setup_merge only links a queue with no merge of its own, so a
     * chain never leads back; the kernel warns if one does */
    g_assert(q != cfqq);
    struct cfq_queue *next = q->new_cfqq;
    cfq_put_queue(q);
    q = next;
  }
}

static struct cfq_queue **cfq_async_queue_prio(struct cfq_data *cfqd,
                                               int ioprio_class, int ioprio) {
  switch (ioprio_class) {
  case IOPRIO_CLASS_RT: return &cfqd->async_cfqq[0][ioprio];
  case IOPRIO_CLASS_IDLE: return &cfqd->async_idle_cfqq;
  default: /* task_ioprio_class maps "none" to BE */
    g_assert(ioprio_class == IOPRIO_CLASS_BE);
    return &cfqd->async_cfqq[1][ioprio];
  }
}

static struct cfq_queue *cfq_find_alloc_queue(struct cfq_data *cfqd,
                                              bool is_sync,
                                              struct cfq_io_context *cic,
                                              const struct task *tsk) {
  struct cfq_group *cfqg = cfq_get_cfqg(cfqd, tsk);
  struct cfq_queue *cfqq = cic->cfqq[is_sync];
  if (!cfqq)
    cfqq = cfq_queue_new(cfqd, is_sync, cic, tsk, cfqg);
  return cfqq;
}

static struct cfq_queue *cfq_get_queue(struct cfq_data *cfqd, bool is_sync,
                                       struct cfq_io_context *cic,
                                       const struct task *tsk) {
  struct cfq_queue **slot = NULL, *cfqq = NULL;
  if (!is_sync) {
    slot = cfq_async_queue_prio(cfqd, task_ioprio_class(cic->ioc),
                                task_ioprio(cic->ioc));
    cfqq = *slot;
  }
  if (!cfqq)
    cfqq = cfq_find_alloc_queue(cfqd, is_sync, cic, tsk);
  if (!is_sync && !*slot) {
    cfqq->ref++; /* the slot's permanent pin */
    *slot = cfqq;
  }
  cfqq->ref++; /* the cic's */
  return cfqq;
}

/* A scheduled merge takes effect: the cic moves to the target queue
 * (docs/model.md, "Cooperating queues"). */
static struct cfq_queue *cfq_merge_cfqqs(struct cfq_data *cfqd,
                                         struct cfq_io_context *cic,
                                         struct cfq_queue *cfqq) {
  struct cfq_queue *target = cfqq->new_cfqq;
  cfq_log_cfqq(cfqd, cfqq, "queue merge with cfq%d", target->pid);
  cic->cfqq[1] = target;
  target->coop = true;
  cfq_put_queue(cfqq);
  return target;
}

/* A merged queue that turned seeky: keep it if one process is left,
 * otherwise the cic gives it up and gets a queue of its own. */
static struct cfq_queue *split_cfqq(struct cfq_io_context *cic,
                                    struct cfq_queue *cfqq,
                                    const struct task *tsk) {
  cfq_log_cfqq(cfqq->cfqd, cfqq, "queue split");
  if (cfqq_process_refs(cfqq) == 1) {
    cfqq->pid = tsk ? tsk->pid : cfqq->pid;
    cfqq->coop = false;
    cfqq->split_coop = false;
    return cfqq;
  }
  cic->cfqq[1] = NULL;
  cfq_put_cooperator(cfqq);
  cfq_put_queue(cfqq);
  return NULL;
}

/* ---------------------------------------------------------------------
 * Hooks: request allocation and freeing
 * --------------------------------------------------------------------- */

static void cfq_note_cic(struct cfq_data *cfqd, struct cfq_io_context *cic) {
  if (!cic->noted) {
    cic->noted = true;
    g_ptr_array_add(cfqd->cics, cic);
  }
}

/* The success path of cfq_set_request
 * (docs/model.md, "Attaching a request to a queue"). */
static int cfq_set_request(struct request_queue *q, struct request *rq,
                           struct task *tsk, struct cfq_io_context *cic) {
  struct cfq_data *cfqd = q_cfqd(q);
  bool is_sync = rq_is_sync(rq);
  int dir = rq_data_dir(rq);
  struct cfq_queue *cfqq;
  cfq_note_cic(cfqd, cic);

new_queue:
  cfqq = cic->cfqq[is_sync];
  if (!cfqq) {
    cfqq = cfq_get_queue(cfqd, is_sync, cic, tsk);
    cic->cfqq[is_sync] = cfqq;
  } else {
    /* a merged queue that turned seeky is broken apart again */
    if (cfqq->coop && cfqq->split_coop) {
      cfqq = split_cfqq(cic, cfqq, tsk);
      if (!cfqq)
        goto new_queue;
    }
    if (cfqq->new_cfqq)
      cfqq = cfq_merge_cfqqs(cfqd, cic, cfqq);
  }
  cfqq->allocated[dir]++;
  cfqq->ref++;
  rq->elv_priv[0] = cic;
  rq->elv_priv[1] = cfqq;
  rq->elv_priv[2] = cfqq->cfqg;
  return 0;
}

static void cfq_put_request(struct request_queue *q, struct request *rq) {
  (void)q;
  struct cfq_queue *cfqq = RQ_CFQQ(rq);
  if (!cfqq)
    return;
  int dir = rq_data_dir(rq);
  g_assert(cfqq->allocated[dir] > 0);
  cfqq->allocated[dir]--;
  rq->elv_priv[0] = rq->elv_priv[1] = rq->elv_priv[2] = NULL;
  cfq_put_queue(cfqq);
}

static void cfq_set_req_failed(struct request_queue *q) {
  cfq_schedule_dispatch(q_cfqd(q));
}

/* The task's cic, through its ioc's hint (the radix would cost lines of
 * its own), both its queues and their totals: a request reads them all. */
static void cfq_prefetch(struct request_queue *q, const struct task *tsk) {
  (void)q;
  const struct cfq_io_context *cic = tsk->ioc ? tsk->ioc->ioc_data : NULL;
  if (!cic)
    return;
  prefetch_range(cic, sizeof *cic);
  for (int sync = 0; sync < 2; sync++) {
    const struct cfq_queue *cfqq = cic->cfqq[sync];
    if (cfqq) {
      prefetch_range(cfqq, sizeof *cfqq);
      prefetch(cfqq->stats);
    }
  }
}

/* A queue being idled on may allocate past a full request list once per
 * slice, so the request CFQ waits for is not refused (docs/model.md,
 * "Request allocation"). */
static int cfq_may_queue(struct request_queue *q, struct task *tsk,
                         unsigned rw_flags) {
  struct cfq_data *cfqd = q_cfqd(q);
  struct cfq_io_context *cic = cfq_cic_of(cfqd, tsk);
  if (!cic)
    return ELV_MQUEUE_MAY;
  bool sync = !(rw_flags & REQ_WRITE) || (rw_flags & REQ_SYNC);
  struct cfq_queue *cfqq = cic->cfqq[sync];
  if (!cfqq)
    return ELV_MQUEUE_MAY;
  cfq_init_prio_data(cfqq, cic->ioc, tsk);
  /* one guaranteed allocation per slice for a queue being idled on */
  if (cfqq->wait_request && !cfqq->must_alloc_slice) {
    cfqq->must_alloc_slice = true;
    return ELV_MQUEUE_MUST;
  }
  return ELV_MQUEUE_MAY;
}

/* ---------------------------------------------------------------------
 * Sort list and insertion (docs/model.md, "Insertion")
 * --------------------------------------------------------------------- */

static bool rq_sort_less(const struct request *x, const struct request *y) {
  if (x->elv_pos != y->elv_pos)
    return x->elv_pos < y->elv_pos;
  return x->elv_seq < y->elv_seq;
}

static struct request *sort_rq(rbtree_node *n) {
  return n ? rbtree_entry(n, struct request, rb_node) : NULL;
}

static void cfq_add_rq_rb(struct request *rq) {
  struct cfq_queue *cfqq = RQ_CFQQ(rq);
  struct cfq_data *cfqd = cfqq->cfqd;
  cfqq->queued[rq_is_sync(rq)]++;
  rq->elv_pos = blk_rq_pos(rq);
  rq->elv_seq = cfqd->next_seq++; /* equal positions: newer to the right */
  rbtree_node **link = &cfqq->sort_list.root, *parent = NULL;
  bool leftmost = true;
  while (*link) {
    parent = *link;
    if (rq_sort_less(rq, sort_rq(parent))) {
      link = &parent->left;
    } else {
      link = &parent->right;
      leftmost = false;
    }
  }
  rbtree_link(&cfqq->sort_list, &rq->rb_node, parent, link, leftmost);
  rq->elv_node = &rq->rb_node;

  if (!cfqq->on_rr)
    cfq_add_cfqq_rr(cfqd, cfqq);

  struct request *prev = cfqq->next_rq;
  cfqq->next_rq = cfq_choose_req(cfqd, cfqq->next_rq, rq, cfqd->last_position);
  if (prev != cfqq->next_rq)
    cfq_prio_tree_add(cfqd, cfqq);
  g_assert(cfqq->next_rq);
}

/* A decaying average of the time between a completion and the next
 * request (docs/model.md, "Think time"). */
static void __cfq_update_io_thinktime(struct cfq_ttime *tt, int64_t now,
                                      int64_t cap_base) {
  uint64_t elapsed = (uint64_t)(now - tt->last_end_request);
  uint64_t ttime = MIN(elapsed, (uint64_t)(2 * cap_base));
  tt->ttime_samples = (7 * tt->ttime_samples + 256) / 8;
  tt->ttime_total = (7 * tt->ttime_total + 256 * ttime) / 8;
  tt->ttime_mean = (tt->ttime_total + 128) / tt->ttime_samples;
}

static void cfq_update_io_thinktime(struct cfq_data *cfqd,
                                    struct cfq_queue *cfqq,
                                    struct cfq_io_context *cic) {
  int64_t now = cfq_jiffies(cfqd);
  if (cfqq->sync) {
    __cfq_update_io_thinktime(&cic->ttime, now, cfqd->cfq_slice_idle);
    __cfq_update_io_thinktime(&cfqq->service_tree->ttime, now,
                              cfqd->cfq_slice_idle);
  }
  if (cfqd->queue->kernel->group_iosched)
    __cfq_update_io_thinktime(&cfqq->cfqg->ttime, now, cfqd->cfq_group_idle);
}

/* One seeky bit per request: a long seek on a rotating disk, a small
 * request on a non-rotating one (docs/model.md, "Seekiness"). */
static void cfq_update_io_seektime(struct cfq_data *cfqd,
                                   struct cfq_queue *cfqq, struct request *rq) {
  int64_t sdist = 0;
  if (cfqq->last_request_pos) {
    sdist = cfqq->last_request_pos < blk_rq_pos(rq)
                ? blk_rq_pos(rq) - cfqq->last_request_pos
                : cfqq->last_request_pos - blk_rq_pos(rq);
  }
  cfqq->seek_history <<= 1;
  if (cfqd->queue->nonrot)
    cfqq->seek_history |= (blk_rq_sectors(rq) < CFQQ_SECT_THR_NONROT);
  else
    cfqq->seek_history |= (sdist > CFQQ_SEEK_THR);
}

static void cfq_update_idle_window(struct cfq_data *cfqd,
                                   struct cfq_queue *cfqq,
                                   struct cfq_io_context *cic) {
  if (!cfqq->sync || cfq_class_idle(cfqq))
    return;
  bool old_idle = cfqq->idle_window, enable_idle = old_idle;
  if (cfqq->queued[0] + cfqq->queued[1] >= 4)
    cfqq->deep = true;
  /* looks at next_rq, which need not be the new request */
  if (cfqq->next_rq && (cfqq->next_rq->cmd_flags & REQ_NOIDLE))
    enable_idle = false;
  else if (cic->ioc->nr_tasks == 0 || !cfqd->cfq_slice_idle ||
           (!cfqq->deep && cfqq_seeky(cfqq)))
    enable_idle = false;
  else if (sample_valid(cic->ttime.ttime_samples))
    enable_idle = cic->ttime.ttime_mean <= (uint64_t)cfqd->cfq_slice_idle;
  if (old_idle != enable_idle) {
    cfq_log_cfqq(cfqd, cfqq, "idle=%d", enable_idle ? 1 : 0);
    cfqq->idle_window = enable_idle;
  }
}

/* The first rule that applies decides, in the order of the numbered list
 * in docs/model.md, "Preemption". */
static bool cfq_should_preempt(struct cfq_data *cfqd,
                               struct cfq_queue *new_cfqq, struct request *rq) {
  struct cfq_queue *cfqq = cfqd->active_queue;
  if (!cfqq)
    return false; /* nothing to take over from */
  /* the idle class never preempts, and anything preempts it */
  if (cfq_class_idle(new_cfqq))
    return false;
  if (cfq_class_idle(cfqq))
    return true;
  /* only RT preempts RT */
  if (cfq_class_rt(cfqq) && !cfq_class_rt(new_cfqq))
    return false;
  /* a task waits for its sync request; async writes can wait */
  if (rq_is_sync(rq) && !cfqq->sync)
    return true;
  /* between groups vdisktime decides, not preemption */
  if (new_cfqq->cfqg != cfqq->cfqg)
    return false;
  /* the active queue's slice is over anyway */
  if (cfq_slice_used(cfqd, cfqq))
    return true;
  /* two seeky readers on the sync-noidle tree take turns without idling */
  if (cfqd->serving_type == SYNC_NOIDLE_WORKLOAD &&
      cfqq_type(new_cfqq) == SYNC_NOIDLE_WORKLOAD && new_cfqq->service_tree &&
      new_cfqq->service_tree->count == 2 && cfqq_empty(cfqq))
    return true;
  /* metadata (REQ_PRIO) first: other I/O waits on it */
  if ((rq->cmd_flags & REQ_PRIO) && !cfqq->prio_pending)
    return true;
  if (cfq_class_rt(new_cfqq) && !cfq_class_rt(cfqq))
    return true;
  /* the active queue has nothing to send and is not worth waiting for */
  if (cfqq_empty(cfqq) && !cfq_should_idle(cfqd, cfqq))
    return true;
  /* CFQ is not waiting on the active queue: it goes on being served */
  if (!cfqd->active_cic || !cfqq->wait_request)
    return false;
  /* CFQ is idling, and the new request is near the head: serving it
   * costs little */
  cfqd->queue->stats.position_decisions++;
  int64_t d = blk_rq_pos(rq) - cfqd->last_position;
  if (d < 0)
    d = -d;
  if (d <= CFQQ_CLOSE_THR)
    return true;
  return false;
}

/* Preemption only re-orders: the next cfq_select_queue decides. */
static void cfq_preempt_queue(struct cfq_data *cfqd, struct cfq_queue *cfqq) {
  struct cfq_queue *old = cfqd->active_queue;
  int old_type = cfqq_type(old);
  cfq_log_cfqq(cfqd, cfqq, "preempt");
  old->stats->preempted++;
  cfq_slice_expired(cfqd, true);
  if (old_type != cfqq_type(cfqq))
    cfqq->cfqg->saved_workload_slice = 0;
  g_assert(cfqq->on_rr);
  cfq_service_tree_add(cfqd, cfqq, true);
  cfqq->slice_end = 0;
  cfqq->slice_new = true;
}

static void cfq_rq_enqueued(struct cfq_data *cfqd, struct cfq_queue *cfqq,
                            struct request *rq) {
  struct cfq_io_context *cic = RQ_CIC(rq);
  cfqd->rq_queued++;
  if (rq->cmd_flags & REQ_PRIO)
    cfqq->prio_pending++;
  cfq_update_io_thinktime(cfqd, cfqq, cic);
  cfq_update_io_seektime(cfqd, cfqq, rq);
  cfq_update_idle_window(cfqd, cfqq, cic);
  cfqq->last_request_pos = rq_end_sector(rq);

  if (cfqq == cfqd->active_queue) {
    if (cfqq->wait_request) {
      /* the request we idled for: go unless it is tiny and nobody waits */
      if (blk_rq_bytes(rq) > CFQ_PAGE_SIZE || cfqd->busy_queues > 1) {
        cfq_del_timer(cfqd, cfqq);
        cfqq->wait_request = false;
        __blk_run_queue(cfqd->queue);
      } else {
        cfqq->must_dispatch = true;
      }
    }
  } else if (cfq_should_preempt(cfqd, cfqq, rq)) {
    cfq_preempt_queue(cfqd, cfqq);
    __blk_run_queue(cfqd->queue);
  }
}

static void cfq_insert_request(struct request_queue *q, struct request *rq) {
  struct cfq_data *cfqd = q_cfqd(q);
  struct cfq_queue *cfqq = RQ_CFQQ(rq);
  g_assert(cfqq);
  cfq_log_cfqq(cfqd, cfqq, "insert_request");
  cfq_init_prio_data(cfqq, RQ_CIC(rq)->ioc, rq->task);
  rq->fifo_time = cfq_jiffies(cfqd) + cfqd->cfq_fifo_expire[rq_is_sync(rq)];
  rq->queuelist.data = rq;
  g_queue_push_tail_link(&cfqq->fifo, &rq->queuelist);
  cfq_add_rq_rb(rq);
  cfq_rq_enqueued(cfqd, cfqq, rq);
}

/* ---------------------------------------------------------------------
 * Merging (docs/model.md, "Merging")
 * --------------------------------------------------------------------- */

static bool cfq_allow_merge(struct request_queue *q, struct task *tsk,
                            struct request *rq, struct bio *bio) {
  struct cfq_data *cfqd = q_cfqd(q);
  bool sync = bio_is_sync(bio);
  if (sync && !rq_is_sync(rq))
    return false;
  struct cfq_io_context *cic = cfq_cic_of(cfqd, tsk);
  if (!cic)
    return false;
  return cic->cfqq[sync] == RQ_CFQQ(rq);
}

static int cfq_merge(struct request_queue *q, struct task *tsk,
                     struct request **req, struct bio *bio) {
  struct cfq_data *cfqd = q_cfqd(q);
  struct cfq_io_context *cic = cfq_cic_of(cfqd, tsk);
  if (!cic)
    return ELEVATOR_NO_MERGE;
  struct cfq_queue *cfqq = cic->cfqq[bio_is_sync(bio)];
  if (!cfqq || cfqq_empty(cfqq))
    return ELEVATOR_NO_MERGE;
  /* the first request sorted at or after the bio's end */
  int64_t end = bio->sector + bio->nr_sectors;
  rbtree_node *n = cfqq->sort_list.root, *found = NULL;
  while (n) {
    if (sort_rq(n)->elv_pos < end) {
      n = n->right;
    } else {
      found = n;
      n = n->left;
    }
  }
  struct request *rq = sort_rq(found);
  if (!rq || rq->elv_pos != end)
    return ELEVATOR_NO_MERGE;
  /* elv_rq_merge_ok, as far as the elevator can judge it */
  if (rq->cmd_flags & (REQ_NOMERGE | REQ_STARTED))
    return ELEVATOR_NO_MERGE;
  if ((rq->cmd_flags & REQ_WRITE) != (bio->rw & REQ_WRITE))
    return ELEVATOR_NO_MERGE;
  if (!cfq_allow_merge(q, tsk, rq, bio))
    return ELEVATOR_NO_MERGE;
  *req = rq;
  return ELEVATOR_FRONT_MERGE;
}

static void cfq_merged_request(struct request_queue *q, struct request *rq,
                               int kind) {
  (void)q;
  if (kind != ELEVATOR_FRONT_MERGE || !rq->elv_node)
    return;
  /* cfq_reposition_rq_rb: the start sector moved */
  struct cfq_queue *cfqq = RQ_CFQQ(rq);
  rbtree_erase(&cfqq->sort_list, &rq->rb_node);
  rq->elv_node = NULL;
  cfqq->queued[rq_is_sync(rq)]--;
  cfq_add_rq_rb(rq);
}

static void cfq_merged_requests(struct request_queue *q, struct request *rq,
                                struct request *next) {
  struct cfq_data *cfqd = q_cfqd(q);
  struct cfq_queue *cfqq = RQ_CFQQ(rq);
  if (!next->elv_node || !RQ_CFQQ(next))
    return; /* next is not in CFQ */
  /* The survivor takes an older FIFO position.  When the two requests
   * belong to different queues (a hash merge at insertion) the kernel
   * would move rq into the other queue's FIFO list; we leave it in its
   * own queue's FIFO instead. */
  if (rq->elv_node && RQ_CFQQ(next) == cfqq &&
      next->fifo_time < rq->fifo_time) {
    g_queue_unlink(&cfqq->fifo, &rq->queuelist);
    g_queue_insert_before_link(&cfqq->fifo, &next->queuelist, &rq->queuelist);
    rq->fifo_time = next->fifo_time;
  }
  if (cfqq && cfqq->next_rq == next)
    cfqq->next_rq = rq;
  cfq_remove_request(next);
  struct cfq_queue *nq = RQ_CFQQ(next);
  if (nq->on_rr && cfqq_empty(nq) && nq != cfqd->active_queue)
    cfq_del_cfqq_rr(cfqd, nq);
}

static struct request *cfq_neighbour(struct request *rq, bool latter) {
  if (!rq->elv_node)
    return NULL;
  return sort_rq(latter ? rbtree_next(&rq->rb_node)
                        : rbtree_prev(&rq->rb_node));
}

static struct request *cfq_former_request(struct request_queue *q,
                                          struct request *rq) {
  (void)q;
  return cfq_neighbour(rq, false);
}

static struct request *cfq_latter_request(struct request_queue *q,
                                          struct request *rq) {
  (void)q;
  return cfq_neighbour(rq, true);
}

/* ---------------------------------------------------------------------
 * Driver side: activation, completion
 * (docs/model.md, "The driver", "CFQ completion")
 * --------------------------------------------------------------------- */

static void cfq_activate_request(struct request_queue *q, struct request *rq) {
  struct cfq_data *cfqd = q_cfqd(q);
  cfqd->rq_in_driver++;
  cfqd->last_position = rq_end_sector(rq);
  if (cfq_tracing(cfqd) && RQ_CFQQ(rq))
    cfq_log_cfqq(cfqd, RQ_CFQQ(rq), "activate rq, drv=%d", cfqd->rq_in_driver);
}

/* Guess whether the device queues commands
 * (docs/model.md, "NCQ detection"). */
static void cfq_update_hw_tag(struct cfq_data *cfqd) {
  struct cfq_queue *cfqq = cfqd->active_queue;
  if (cfqd->rq_in_driver > cfqd->hw_tag_est_depth)
    cfqd->hw_tag_est_depth = cfqd->rq_in_driver;
  if (cfqd->hw_tag == 1)
    return;
  if (cfqd->rq_queued <= CFQ_HW_QUEUE_MIN &&
      cfqd->rq_in_driver <= CFQ_HW_QUEUE_MIN)
    return;
  /* a queue being idled on keeps the depth low by itself */
  if (cfqq && cfqq->idle_window &&
      cfqq->dispatched + cfqq->queued[0] + cfqq->queued[1] < CFQ_HW_QUEUE_MIN &&
      cfqd->rq_in_driver < CFQ_HW_QUEUE_MIN)
    return;
  if (cfqd->hw_tag_samples++ < 50)
    return;
  cfqd->hw_tag = cfqd->hw_tag_est_depth >= CFQ_HW_QUEUE_MIN ? 1 : 0;
}

static void cfq_completed_request(struct request_queue *q, struct request *rq) {
  struct cfq_data *cfqd = q_cfqd(q);
  struct cfq_queue *cfqq = RQ_CFQQ(rq);
  if (!cfqq)
    return;
  bool sync = rq_is_sync(rq);
  int64_t now = cfq_jiffies(cfqd);
  cfq_log_cfqq(cfqd, cfqq, "complete rqnoidle %d",
               (rq->cmd_flags & REQ_NOIDLE) ? 1 : 0);

  cfq_update_hw_tag(cfqd);
  g_assert(cfqd->rq_in_driver > 0 && cfqq->dispatched > 0); /* it was both */
  cfqd->rq_in_driver--;
  cfqq->dispatched--;
  RQ_CFQG(rq)->dispatched--;
  cfqd->rq_in_flight[cfqq->sync]--;

  if (sync) {
    RQ_CIC(rq)->ttime.last_end_request = now;
    struct cfq_rb_root *st =
        cfqq->on_rr
            ? cfqq->service_tree
            : service_tree_for(cfqq->cfqg, cfqq_prio(cfqq), cfqq_type(cfqq));
    st->ttime.last_end_request = now;
    /* a sync request that took a whole sync FIFO period holds async back */
    if (!(rq->start_time + cfqd->cfq_fifo_expire[1] > now))
      cfqd->last_delayed_sync = now;
  }
  if (cfqd->queue->kernel->group_iosched)
    cfqq->cfqg->ttime.last_end_request = now;

  if (cfqd->active_queue == cfqq) {
    bool empty = cfqq_empty(cfqq);
    if (cfqq->slice_new) {
      cfq_set_prio_slice(cfqd, cfqq); /* the slice starts now */
      cfqq->slice_new = false;
    }
    /* the group's only busy queue ran dry: stretch its slice so that the
     * group keeps its place on the group tree (docs/model.md, "Wait-busy") */
    if (cfq_should_wait_busy(cfqd, cfqq)) {
      int64_t extend =
          cfqd->cfq_slice_idle ? cfqd->cfq_slice_idle : cfqd->cfq_group_idle;
      cfqq->slice_end = now + extend;
      cfqq->wait_busy = true;
      cfq_log_cfqq(cfqd, cfqq, "will busy wait");
    }
    /* an idle-class queue gets one request per turn */
    if (cfq_slice_used(cfqd, cfqq) || cfq_class_idle(cfqq))
      cfq_slice_expired(cfqd, true);
    /* only sync I/O is waited for, and only when nothing else of the queue
     * is queued and no close queue could use the head instead */
    else if (sync && empty && !cfq_close_cooperator(cfqd, cfqq))
      cfq_arm_slice_timer(cfqd);
  }
  /* the driver ran dry: make sure someone dispatches again */
  if (!cfqd->rq_in_driver)
    cfq_schedule_dispatch(cfqd);
}

/* ---------------------------------------------------------------------
 * Set-up and tear-down
 * --------------------------------------------------------------------- */

static void *cfq_init_queue(struct request_queue *q, const void *cfgp,
                            GError **err) {
  const struct cfq_config *cfg = cfgp ? cfgp : &cfq_default_config;

  if (cfg->quantum < 1 || cfg->back_seek_penalty < 1 ||
      cfg->slice_async_rq < 1 || cfg->back_seek_max < 0 ||
      cfg->slice_sync <= 0 || cfg->slice_async <= 0 ||
      cfg->fifo_expire_sync <= 0 || cfg->fifo_expire_async <= 0 ||
      cfg->slice_idle < 0 || cfg->group_idle < 0) {
    g_set_error(
        err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
        "cfq: a tunable is out of range (quantum, back_seek_penalty and "
        "slice_async_rq >= 1; slices and fifo_expire > 0; idle >= 0)");
    return NULL;
  }

  struct cfq_data *cfqd = g_new0(struct cfq_data, 1);
  int64_t hz = q->kernel && q->kernel->hz > 0 ? q->kernel->hz : 1000;
  cfqd->queue = q;
  cfqd->hz = hz;
  cfqd->cfq_target_latency = hz * 3 / 10;
  cfqd->cfq_idle_delay = hz / 5;

  cfqd->cfq_quantum = cfg->quantum;
  cfqd->cfq_fifo_expire[1] =
      tun_time(q, cfg->fifo_expire_sync, DEF_FIFO_SYNC, hz / 8);
  cfqd->cfq_fifo_expire[0] =
      tun_time(q, cfg->fifo_expire_async, DEF_FIFO_ASYNC, hz / 4);
  cfqd->cfq_back_max = cfg->back_seek_max;
  cfqd->cfq_back_penalty = cfg->back_seek_penalty;
  cfqd->cfq_slice[1] =
      at_least_1(tun_time(q, cfg->slice_sync, DEF_SLICE_SYNC, hz / 10));
  cfqd->cfq_slice[0] = at_least_1(
      tun_time(q, cfg->slice_async, DEF_SLICE_ASYNC, at_least_1(hz / 25)));
  cfqd->cfq_slice_async_rq = cfg->slice_async_rq;
  cfqd->cfq_slice_idle =
      tun_time(q, cfg->slice_idle, DEF_SLICE_IDLE, at_least_1(hz / 125));
  cfqd->cfq_group_idle =
      tun_time(q, cfg->group_idle, DEF_SLICE_IDLE, at_least_1(hz / 125));
  if (q->kernel && !q->kernel->group_iosched)
    cfqd->cfq_group_idle = 0;
  cfqd->cfq_fifo_expire[0] = at_least_1(cfqd->cfq_fifo_expire[0]);
  cfqd->cfq_fifo_expire[1] = at_least_1(cfqd->cfq_fifo_expire[1]);
  cfqd->cfq_latency = cfg->low_latency;

  cfq_rb_root_init(&cfqd->grp_service_tree);
  cfqd->groups = g_ptr_array_new();
  cfqd->group_by_name = g_hash_table_new(g_str_hash, g_str_equal);
  cfqd->root_group = cfq_group_new(cfqd, NULL, 2 * BLKIO_WEIGHT_DEFAULT);
  cfqd->serving_prio = BE_WORKLOAD;
  cfqd->serving_type = ASYNC_WORKLOAD;
  cfqd->hw_tag = -1;
  cfqd->last_delayed_sync = cfq_jiffies(cfqd) - hz;
  sim_timer_init(&cfqd->idle_slice_timer, q->engine, "cfq_idle_timer",
                 cfq_idle_slice_timer, cfqd);
  g_queue_init(&cfqd->queues);
  cfqd->stats = g_ptr_array_new_with_free_func(g_free);
  cfqd->cics = g_ptr_array_new();
  cfqd->spare_queues = g_ptr_array_new_with_free_func(g_free);
  cfqd->spare_stats = g_ptr_array_new_with_free_func(g_free);
  cfqd->next_seq = 1;
  cfqd->fresh_root = g_memdup2(cfqd->root_group, sizeof *cfqd->root_group);
  cfqd->fresh = g_memdup2(cfqd, sizeof *cfqd);
  return cfqd;
}

/* Copies of cfqd and its root group as made, taken once: the rest (other
 * groups, queues, per-queue stats) is freed, the containers kept, and the
 * memory of queues and stats kept for the next run's. */
static void cfq_reset_queue(void *data) {
  struct cfq_data *cfqd = data;
  sim_timer_del(&cfqd->idle_slice_timer);
  while (!g_queue_is_empty(&cfqd->queues))
    cfq_queue_free(cfqd, g_queue_peek_head(&cfqd->queues));
  for (guint i = 1; i < cfqd->groups->len; i++)
    cfq_group_free(g_ptr_array_index(cfqd->groups, i));
  g_ptr_array_set_size(cfqd->groups, 1);
  g_hash_table_remove_all(cfqd->group_by_name);
  g_ptr_array_set_size(cfqd->cics, 0);
#ifndef __SANITIZE_ADDRESS__
  /* the stats' memory too, as the queues' (what is left is freed) */
  for (guint i = 0; i < cfqd->stats->len; i++) {
    g_ptr_array_add(cfqd->spare_stats, g_ptr_array_index(cfqd->stats, i));
    g_ptr_array_index(cfqd->stats, i) = NULL;
  }
#endif
  g_ptr_array_set_size(cfqd->stats, 0);
  const struct cfq_data *fresh = cfqd->fresh;
  *cfqd->root_group = *cfqd->fresh_root;
  *cfqd = *fresh;
  cfqd->fresh = fresh; /* the copy was taken before it was set */
}

static void cfq_exit_queue(void *data) {
  struct cfq_data *cfqd = data;
  if (!cfqd)
    return;
  sim_timer_del(&cfqd->idle_slice_timer);
  /* Queues still referenced (by cics, async slots or requests) die with
   * the elevator; cics keep dangling pointers that nobody follows. */
  while (!g_queue_is_empty(&cfqd->queues)) {
    struct cfq_queue *cfqq = g_queue_peek_head(&cfqd->queues);
    cfq_queue_free(cfqd, cfqq);
  }
  for (guint i = 0; i < cfqd->groups->len; i++)
    cfq_group_free(g_ptr_array_index(cfqd->groups, i));
  g_ptr_array_free(cfqd->groups, TRUE);
  g_hash_table_destroy(cfqd->group_by_name);
  cfq_rb_root_destroy(&cfqd->grp_service_tree);
  g_ptr_array_free(cfqd->stats, TRUE);
  g_ptr_array_free(cfqd->cics, TRUE);
  g_ptr_array_free(cfqd->spare_queues, TRUE);
  g_ptr_array_free(cfqd->spare_stats, TRUE);
  g_free((void *)cfqd->fresh);
  g_free((void *)cfqd->fresh_root);
  g_free(cfqd);
}

/* ---------------------------------------------------------------------
 * The elevator
 * --------------------------------------------------------------------- */

const struct elevator_type iosched_cfq = {
    .elevator_name = "cfq",
    .ops =
        {
            .elevator_merge_fn = cfq_merge,
            .elevator_merged_fn = cfq_merged_request,
            .elevator_merge_req_fn = cfq_merged_requests,
            .elevator_allow_merge_fn = cfq_allow_merge,
            .elevator_dispatch_fn = cfq_dispatch_requests,
            .elevator_add_req_fn = cfq_insert_request,
            .elevator_activate_req_fn = cfq_activate_request,
            .elevator_completed_req_fn = cfq_completed_request,
            .elevator_former_req_fn = cfq_former_request,
            .elevator_latter_req_fn = cfq_latter_request,
            .elevator_set_req_fn = cfq_set_request,
            .elevator_put_req_fn = cfq_put_request,
            .elevator_may_queue_fn = cfq_may_queue,
            .elevator_set_req_failed_fn = cfq_set_req_failed,
            .elevator_prefetch_fn = cfq_prefetch,
            .elevator_init_fn = cfq_init_queue,
            .elevator_exit_fn = cfq_exit_queue,
            .elevator_reset_fn = cfq_reset_queue,
            .elevator_fingerprint_fn = cfq_fingerprint,
        },
    .params = cfq_params,
    .cfg_size = sizeof(struct cfq_config),
};
