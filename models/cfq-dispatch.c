/* CFQ dispatch, slices and idling; in prose in docs/model.md, "Choosing a
 * queue", "Dispatching a request", "Slice start and expiry", "Idling". */
#include "models/cfq-dispatch.h"

#include "models/cfq-group.h"
#include "models/cfq-queue.h"

void cfq_schedule_dispatch(struct cfq_data *cfqd) {
  if (cfqd->busy_queues) {
    cfq_log(cfqd, "schedule dispatch");
    kblockd_schedule_work(cfqd->queue);
  }
}

static void cfq_notify_slice(struct cfq_data *cfqd, struct cfq_queue *cfqq,
                             cfq_slice_event_kind kind, bool timed_out,
                             int64_t used, int64_t charge) {
  if (kind == CFQ_SLICE_EXPIRE)
    cfqq->stats->disk_time += used;
  if (!cfqd->observer)
    return;
  cfq_slice_event ev =
      cfq_slice_event_of(cfqd, cfqq, kind, timed_out, used, charge);
  cfqd->observer(cfqd->observer_ctx, &ev);
}

/* ---------------------------------------------------------------------
 * Slices
 * --------------------------------------------------------------------- */

bool cfq_slice_used(const struct cfq_data *cfqd, const struct cfq_queue *cfqq) {
  if (cfqq->slice_new)
    return false;
  if (cfq_jiffies(cfqd) < cfqq->slice_end)
    return false;
  return true;
}

/* The slice clock starts at the queue's first completion, not at its
 * activation, so that the time its first request waited behind other
 * queues' requests in the driver is not charged to it (docs/model.md,
 * "Slice start and expiry"). */
void cfq_set_prio_slice(struct cfq_data *cfqd, struct cfq_queue *cfqq) {
  int64_t slice = cfq_scaled_cfqq_slice(cfqd, cfqq);
  int64_t now = cfq_jiffies(cfqd);
  cfqq->slice_start = now;
  cfqq->slice_end = now + slice;
  cfqq->allocated_slice = slice;
  cfq_log_cfqq(cfqd, cfqq, "set_slice=%lu",
               (unsigned long)(cfqq->slice_end - now));
}

void cfq_del_timer(struct cfq_data *cfqd, struct cfq_queue *cfqq) {
  (void)cfqq;
  sim_timer_del(&cfqd->idle_slice_timer);
}

void __cfq_slice_expired(struct cfq_data *cfqd, struct cfq_queue *cfqq,
                         bool timed_out) {
  int64_t now = cfq_jiffies(cfqd);
  cfq_log_cfqq(cfqd, cfqq, "slice expired t=%d", timed_out ? 1 : 0);
  if (cfqq->wait_request)
    cfq_del_timer(cfqd, cfqq);
  cfqq->wait_request = false;
  cfqq->wait_busy = false;
  if (cfqq->coop && cfqq_seeky(cfqq))
    cfqq->split_coop = true;

  /* Only timed-out expiries carry the remainder into the next key. */
  if (timed_out) {
    if (cfqq->slice_new)
      cfqq->slice_resid = cfq_scaled_cfqq_slice(cfqd, cfqq);
    else
      cfqq->slice_resid = cfqq->slice_end - now;
    cfq_log_cfqq(cfqd, cfqq, "resid=%ld", (long)cfqq->slice_resid);
  }

  int64_t used = 0, charge = 0;
  cfq_group_served(cfqd, cfqq->cfqg, cfqq, &used, &charge);
  cfq_notify_slice(cfqd, cfqq, CFQ_SLICE_EXPIRE, timed_out, used, charge);

  if (cfqq->on_rr && cfqq_empty(cfqq))
    cfq_del_cfqq_rr(cfqd, cfqq);
  cfq_resort_rr_list(cfqd, cfqq);

  if (cfqq == cfqd->active_queue)
    cfqd->active_queue = NULL;
  cfqd->active_cic = NULL; /* no ioc reference: lifetimes not modelled */
}

void cfq_slice_expired(struct cfq_data *cfqd, bool timed_out) {
  if (cfqd->active_queue)
    __cfq_slice_expired(cfqd, cfqd->active_queue, timed_out);
}

/* ---------------------------------------------------------------------
 * Idling (docs/model.md, "Idling")
 * --------------------------------------------------------------------- */

static bool nonrot_ncq(const struct cfq_data *cfqd) {
  return cfqd->queue->nonrot && cfqd->hw_tag != 0; /* hw_tag -1 counts as NCQ */
}

bool cfq_should_idle(struct cfq_data *cfqd, struct cfq_queue *cfqq) {
  struct cfq_rb_root *st = cfqq->service_tree;
  /* asked only of the active queue, which stays on its tree until its
   * slice expires */
  g_assert(st && st->count > 0);
  if (!cfqd->cfq_slice_idle)
    return false;
  if (cfqq_prio(cfqq) == IDLE_WORKLOAD)
    return false;
  if (cfqq->idle_window && !nonrot_ncq(cfqd))
    return true;
  /* otherwise only for the last queue of its tree ("tree idling") */
  if (st && st->count == 1 && cfqq->sync &&
      !cfq_io_thinktime_big(cfqd, &st->ttime, false))
    return true;
  cfq_log_cfqq(cfqd, cfqq, "Not idling. st->count:%d", st ? (int)st->count : 0);
  return false;
}

/* Called at a completion of the active queue that left it empty, with
 * slice left: decide whether to wait for its next request (docs/model.md,
 * "Idling"). */
void cfq_arm_slice_timer(struct cfq_data *cfqd) {
  struct cfq_queue *cfqq = cfqd->active_queue;
  int64_t now = cfq_jiffies(cfqd);
  bool group_idle = false;

  /* Only cfq_completed_request calls this, for the active queue, after it
   * found the queue empty and started its slice; the kernel warns when
   * either does not hold. */
  g_assert(cfqq);
  g_assert(cfqq_empty(cfqq));
  g_assert(!cfqq->slice_new);

  /* a non-rotating device that queues commands pays nothing for a seek
   * and keeps itself busy: waiting would only idle it */
  if (nonrot_ncq(cfqd))
    return;
  /* idling is off, or the queue's history says its next request comes
   * late: wait on the group's behalf at most */
  if (!cfq_should_idle(cfqd, cfqq)) {
    if (cfqd->cfq_group_idle)
      group_idle = true;
    else
      return;
  }
  /* requests still in the driver: their completions come back here */
  if (cfqq->dispatched)
    return;
  /* every task of the io_context has exited: nobody will send the next
   * request */
  struct cfq_io_context *cic = cfqd->active_cic;
  if (!cic || cic->ioc->nr_tasks == 0)
    return;
  /* the process would not come back before the slice ends */
  if (sample_valid(cic->ttime.ttime_samples) &&
      (uint64_t)(cfqq->slice_end - now) < cic->ttime.ttime_mean) {
    cfq_log_cfqq(cfqd, cfqq, "Not idling. think_time:%lu",
                 (unsigned long)cic->ttime.ttime_mean);
    return;
  }
  /* other busy queues keep the group on its tree without waiting */
  if (group_idle && cfqq->cfqg->nr_cfqq > 1)
    return;

  cfqq->wait_request = true;
  int64_t sl = group_idle ? cfqd->cfq_group_idle : cfqd->cfq_slice_idle;
  sim_timer_mod(&cfqd->idle_slice_timer,
                blk_jiffies_to_time(cfqd->queue, now + sl));
  cfq_log_cfqq(cfqd, cfqq, "arm_idle: %lu group_idle: %d", (unsigned long)sl,
               group_idle ? 1 : 0);
}

void cfq_idle_slice_timer(void *arg) {
  struct cfq_data *cfqd = arg;
  struct cfq_queue *cfqq = cfqd->active_queue;
  bool timed_out = true;
  cfq_log(cfqd, "idle timer fired");
  if (cfqq) {
    timed_out = false;
    /* a small request came while we waited: let it through */
    if (cfqq->must_dispatch)
      goto out_kick;
    if (cfq_slice_used(cfqd, cfqq))
      goto expire;
    /* nobody else to serve: switching would gain nothing */
    if (!cfqd->busy_queues)
      return;
    /* requests arrived: a queue run dispatches them */
    if (!cfqq_empty(cfqq))
      goto out_kick;
    cfqq->deep = false; /* waiting did not pay off */
  }
expire:
  cfq_slice_expired(cfqd, timed_out);
out_kick:
  /* wait_request survives the kick paths: until the slice ends or a
   * request stops the idling, preemption and cfq_may_queue still see the
   * queue as waited on (docs/model.md, "Idling") */
  cfq_schedule_dispatch(cfqd);
}

bool cfq_should_wait_busy(struct cfq_data *cfqd, struct cfq_queue *cfqq) {
  struct cfq_io_context *cic = cfqd->active_cic;
  int64_t now = cfq_jiffies(cfqd);
  if (!cfqq_empty(cfqq))
    return false;
  if (cfqq->cfqg->nr_cfqq > 1)
    return false;
  if (cfq_io_thinktime_big(cfqd, &cfqq->cfqg->ttime, true))
    return false;
  if (cfq_slice_used(cfqd, cfqq))
    return true;
  if (cic && sample_valid(cic->ttime.ttime_samples) &&
      (uint64_t)(cfqq->slice_end - now) < cic->ttime.ttime_mean)
    return true;
  if (cfqq->slice_end - now == 1)
    return true;
  return false;
}

/* ---------------------------------------------------------------------
 * Dispatch (docs/model.md, "Dispatching a request")
 * --------------------------------------------------------------------- */

static void cfq_dispatch_insert(struct request_queue *q, struct request *rq) {
  struct cfq_data *cfqd = q_cfqd(q);
  struct cfq_queue *cfqq = RQ_CFQQ(rq);
  cfq_log_cfqq(cfqd, cfqq, "dispatch_insert");
  cfqq->next_rq = cfq_find_next_rq(cfqd, cfqq, rq);
  cfq_remove_request(rq);
  cfqq->dispatched++;
  RQ_CFQG(rq)->dispatched++;
  cfqq->stats->dispatched++;
  elv_dispatch_sort(q, rq);
  cfqd->rq_in_flight[cfqq->sync]++;
  cfqq->nr_sectors += blk_rq_sectors(rq);
}

static struct request *cfq_check_fifo(struct cfq_data *cfqd,
                                      struct cfq_queue *cfqq) {
  if (cfqq->fifo_expire)
    return NULL;
  cfqq->fifo_expire = true;
  if (g_queue_is_empty(&cfqq->fifo))
    return NULL;
  struct request *rq = g_queue_peek_head(&cfqq->fifo);
  if (cfq_jiffies(cfqd) < rq->fifo_time)
    rq = NULL;
  cfq_log_cfqq(cfqd, cfqq, "fifo=%llu", rq ? (unsigned long long)rq->id : 0ull);
  return rq;
}

static bool cfq_slice_used_soon(struct cfq_data *cfqd, struct cfq_queue *cfqq) {
  if (cfqq->slice_new)
    return true;
  return cfq_jiffies(cfqd) + cfqd->cfq_slice_idle * cfqq->dispatched >
         cfqq->slice_end;
}

static bool cfq_may_dispatch(struct cfq_data *cfqd, struct cfq_queue *cfqq) {
  int64_t max_dispatch;
  /* an idling queue waits for async requests in flight to drain */
  if (cfq_should_idle(cfqd, cfqq) && cfqd->rq_in_flight[BLK_RW_ASYNC])
    return false;
  /* async waits while any sync request is in flight */
  if (cfqd->rq_in_flight[BLK_RW_SYNC] && !cfqq->sync)
    return false;

  max_dispatch = MAX(cfqd->cfq_quantum / 2, 1);
  if (cfq_class_idle(cfqq))
    max_dispatch = 1;

  if (cfqq->dispatched >= max_dispatch) {
    bool promote_sync = false;
    if (cfq_class_idle(cfqq))
      return false;
    if (cfqq->sync && cfqd->busy_sync_queues == 1)
      promote_sync = true;
    if (cfqd->busy_queues > 1 && cfq_slice_used_soon(cfqd, cfqq) &&
        !promote_sync)
      return false;
    if (cfqd->busy_queues == 1 || promote_sync)
      max_dispatch = CFQ_UNLIMITED;
    else
      max_dispatch = cfqd->cfq_quantum;
  }

  /* after a sync request completed late, async depth grows back by one per
   * slice_sync, so that writes cannot flood the driver again at once
   * (docs/model.md, "Async depth ramp") */
  if (!cfqq->sync && cfqd->cfq_latency) {
    int64_t last_sync = cfq_jiffies(cfqd) - cfqd->last_delayed_sync;
    int64_t depth = last_sync / cfqd->cfq_slice[1];
    if (!depth && !cfqq->dispatched)
      depth = 1;
    if (depth < max_dispatch)
      max_dispatch = depth;
  }
  return cfqq->dispatched < max_dispatch;
}

static bool cfq_dispatch_request(struct cfq_data *cfqd,
                                 struct cfq_queue *cfqq) {
  /* cfq_select_queue returns the active queue only with requests, and a
   * newly active queue comes off a tree, where every queue but the active
   * one has requests */
  g_assert(!cfqq_empty(cfqq));
  if (!cfq_may_dispatch(cfqd, cfqq))
    return false;
  struct request *rq = cfq_check_fifo(cfqd, cfqq);
  if (!rq)
    rq = cfqq->next_rq;
  cfq_dispatch_insert(cfqd->queue, rq);
  if (!cfqd->active_cic) {
    cfqd->active_cic = RQ_CIC(rq);
  }
  return true;
}

static void __cfq_set_active_queue(struct cfq_data *cfqd,
                                   struct cfq_queue *cfqq) {
  if (cfqq) {
    cfq_log_cfqq(cfqd, cfqq, "set_active wl_prio:%d wl_type:%d",
                 cfqd->serving_prio, cfqd->serving_type);
    cfqq->slice_start = 0;
    cfqq->dispatch_start = cfq_jiffies(cfqd);
    cfqq->allocated_slice = 0;
    cfqq->slice_end = 0;
    cfqq->slice_dispatch = 0;
    cfqq->nr_sectors = 0;
    cfqq->wait_request = false;
    cfqq->must_dispatch = false;
    cfqq->must_alloc_slice = false;
    cfqq->fifo_expire = false;
    cfqq->slice_new = true;
    cfq_del_timer(cfqd, cfqq);
    cfqq->stats->slices++;
  }
  cfqd->active_queue = cfqq;
  if (cfqq)
    cfq_notify_slice(cfqd, cfqq, CFQ_SLICE_SET_ACTIVE, false, 0, 0);
}

static struct cfq_queue *cfq_get_next_queue(struct cfq_data *cfqd) {
  if (!cfqd->rq_queued)
    return NULL;
  struct cfq_rb_root *st = service_tree_for(
      cfqd->serving_group, cfqd->serving_prio, cfqd->serving_type);
  if (!st)
    return NULL;
  return cfq_rb_first(st);
}

static struct cfq_queue *cfq_set_active_queue(struct cfq_data *cfqd,
                                              struct cfq_queue *cfqq) {
  if (!cfqq)
    cfqq = cfq_get_next_queue(cfqd);
  __cfq_set_active_queue(cfqd, cfqq);
  return cfqq;
}

/* The kernel's branches in its order (docs/model.md, "Choosing a
 * queue"); NULL keeps the active queue without dispatching. */
static struct cfq_queue *cfq_select_queue(struct cfq_data *cfqd) {
  struct cfq_queue *cfqq = cfqd->active_queue, *new_cfqq = NULL;
  int64_t now = cfq_jiffies(cfqd);

  if (!cfqq)
    goto new_queue;
  /* nothing queued anywhere: nobody to switch to */
  if (!cfqd->rq_queued)
    return NULL;

  /* the queue was kept alive to keep its group busy, and that paid off: a
   * request came, so the group stays on its tree; end the slice */
  if (cfqq->wait_busy && !cfqq_empty(cfqq))
    goto expire;

  /* slice used: wait only for the requests still in flight of a lone queue
   * worth idling on, whose completion may bring its next request */
  if (cfq_slice_used(cfqd, cfqq) && !cfqq->must_dispatch) {
    if (cfqq->cfqg->nr_cfqq == 1 && cfqq_empty(cfqq) && cfqq->dispatched &&
        cfq_should_idle(cfqd, cfqq))
      return NULL;
    goto check_group_idle;
  }

  if (!cfqq_empty(cfqq))
    return cfqq; /* slice left and work to do */

  /* a queue whose next request is near the head: serve it instead of
   * idling, and merge the two queues at their next allocation */
  new_cfqq = cfq_close_cooperator(cfqd, cfqq);
  if (new_cfqq) {
    if (!cfqq->new_cfqq)
      cfq_setup_merge(cfqq, new_cfqq);
    goto expire;
  }

  /* already idling: the timer or the awaited request decides */
  if (sim_timer_pending(&cfqd->idle_slice_timer))
    return NULL;

  /* a seeky queue that got its requests served quickly: stop idling, the
   * disk serves it faster than it issues.  Unsigned as in the kernel: a
   * slice_end already passed counts as a huge remainder. */
  if (cfqq_seeky(cfqq) && cfqq->idle_window &&
      (cfqq->slice_new || (uint64_t)(cfqq->slice_end - now) >
                              (uint64_t)(now - cfqq->slice_start))) {
    cfqq->deep = false;
    cfqq->idle_window = false;
  }

  /* requests in flight and worth idling on: wait, the idle timer is
   * armed when they complete */
  if (cfqq->dispatched && cfq_should_idle(cfqd, cfqq))
    return NULL;

  /* group idle: keep the group of a lone queue backlogged while the group
   * still has requests in the driver and comes back quickly */
check_group_idle:
  if (cfqd->cfq_group_idle && cfqq->cfqg->nr_cfqq == 1 &&
      cfqq->cfqg->dispatched &&
      !cfq_io_thinktime_big(cfqd, &cfqq->cfqg->ttime, true))
    return NULL;

expire:
  cfq_slice_expired(cfqd, false);
new_queue:
  /* a cooperator becomes active without group/workload selection */
  if (!new_cfqq)
    cfq_choose_cfqg(cfqd);
  return cfq_set_active_queue(cfqd, new_cfqq);
}

/* Forced dispatch, minimal: empty every queue in tree order.  The block
 * layer never asks for it (docs/model.md, "Forced dispatch"). */
static struct cfq_queue *cfq_get_next_queue_forced(struct cfq_data *cfqd) {
  rbtree_node *first = rbtree_first(&cfqd->grp_service_tree.rb);
  if (!first)
    return NULL;
  struct cfq_group *cfqg = rbtree_entry(first, struct cfq_group, rb_node);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) {
      struct cfq_queue *q = cfq_rb_first(&cfqg->service_trees[i][j]);
      if (q)
        return q;
    }
  return cfq_rb_first(&cfqg->service_tree_idle);
}

static int cfq_forced_dispatch(struct cfq_data *cfqd) {
  int dispatched = 0;
  struct cfq_queue *cfqq;
  cfq_slice_expired(cfqd, false);
  while ((cfqq = cfq_get_next_queue_forced(cfqd)) != NULL) {
    __cfq_set_active_queue(cfqd, cfqq);
    while (cfqq->next_rq) {
      cfq_dispatch_insert(cfqd->queue, cfqq->next_rq);
      dispatched++;
    }
    g_assert(
        g_queue_is_empty(&cfqq->fifo)); /* the FIFO holds the same requests */
    __cfq_slice_expired(cfqd, cfqq, false);
  }
  g_assert(!cfqd->busy_queues); /* an emptied queue leaves its tree */
  cfq_log(cfqd, "forced_dispatch=%d", dispatched);
  return dispatched;
}

int cfq_dispatch_requests(struct request_queue *q, int force) {
  struct cfq_data *cfqd = q_cfqd(q);
  if (!cfqd->busy_queues)
    return 0;
  if (force)
    return cfq_forced_dispatch(cfqd);

  struct cfq_queue *cfqq = cfq_select_queue(cfqd);
  if (!cfqq)
    return 0;
  if (!cfq_dispatch_request(cfqd, cfqq))
    return 0;
  cfqq->slice_dispatch++;
  cfqq->must_dispatch = false;

  /* an async queue used its request budget, or an idle-class queue its
   * one request, while others wait */
  if (cfqd->busy_queues > 1 &&
      ((!cfqq->sync && cfqq->slice_dispatch >= cfq_prio_to_maxrq(cfqd, cfqq)) ||
       cfq_class_idle(cfqq))) {
    cfqq->slice_end = cfq_jiffies(cfqd) + 1;
    cfq_slice_expired(cfqd, false);
  }
  cfq_log_cfqq(cfqd, cfqq, "dispatched a request");
  return 1;
}
