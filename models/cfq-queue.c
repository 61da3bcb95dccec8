/* Inside one cfq_queue: the order of its requests (sort list, next_rq)
 * and the search for a cooperating queue to merge with. */
#include "models/cfq-queue.h"

#include "models/cfq-group.h"

int cfqq_process_refs(const struct cfq_queue *cfqq) {
  int r = cfqq->ref - cfqq->allocated[READ] - cfqq->allocated[WRITE];
  g_assert(r >= 0);
  return r;
}

/* ---------------------------------------------------------------------
 * Request order inside a queue
 * --------------------------------------------------------------------- */

static struct request *node_rq(rbtree_node *n) {
  return n ? rbtree_entry(n, struct request, rb_node) : NULL;
}

/* The better of two requests for a head at `last`: sync first, then
 * REQ_PRIO, then the shorter seek with backward seeks penalised
 * (docs/model.md, "Request order in a queue"). */
struct request *cfq_choose_req(struct cfq_data *cfqd, struct request *rq1,
                               struct request *rq2, int64_t last) {
  if (rq1 == NULL || rq1 == rq2)
    return rq2;
  if (rq2 == NULL)
    return rq1;
  if (rq_is_sync(rq1) != rq_is_sync(rq2))
    return rq_is_sync(rq1) ? rq1 : rq2;
  if ((rq1->cmd_flags ^ rq2->cmd_flags) & REQ_PRIO)
    return (rq1->cmd_flags & REQ_PRIO) ? rq1 : rq2;

  int64_t s1 = blk_rq_pos(rq1), s2 = blk_rq_pos(rq2);
  int64_t back_max = cfqd->cfq_back_max * 2; /* KiB -> sectors */
  int64_t d1 = 0, d2 = 0;
  bool wrap1 = false, wrap2 = false;
  if (s1 >= last)
    d1 = s1 - last;
  else if (s1 + back_max >= last)
    d1 = (last - s1) * cfqd->cfq_back_penalty;
  else
    wrap1 = true;
  if (s2 >= last)
    d2 = s2 - last;
  else if (s2 + back_max >= last)
    d2 = (last - s2) * cfqd->cfq_back_penalty;
  else
    wrap2 = true;

  if (!wrap1 && !wrap2) {
    if (d1 < d2)
      return rq1;
    if (d2 < d1)
      return rq2;
    return s1 >= s2 ? rq1 : rq2;
  }
  if (wrap2 && !wrap1)
    return rq1;
  if (wrap1 && !wrap2)
    return rq2;
  /* both behind beyond back_max: the one furthest back, one long seek */
  return s1 <= s2 ? rq1 : rq2;
}

/* Candidates are the sort-order neighbours of `last`; distances are
 * measured from pos(last), not its end, as in the kernel. */
struct request *cfq_find_next_rq(struct cfq_data *cfqd, struct cfq_queue *cfqq,
                                 struct request *last) {
  g_assert(last->elv_node);
  rbtree_node *it = &last->rb_node;
  struct request *prev = node_rq(rbtree_prev(it));
  struct request *next = node_rq(rbtree_next(it));
  if (!next) {
    rbtree_node *first = rbtree_first(&cfqq->sort_list);
    if (first != it)
      next = node_rq(first);
  }
  return cfq_choose_req(cfqd, next, prev, blk_rq_pos(last));
}

static void cfq_del_rq_rb(struct request *rq) {
  struct cfq_queue *cfqq = RQ_CFQQ(rq);
  int sync = rq_is_sync(rq);
  g_assert(cfqq->queued[sync] > 0);
  cfqq->queued[sync]--;
  rbtree_erase(&cfqq->sort_list, &rq->rb_node);
  rq->elv_node = NULL;
  if (cfqq->on_rr && cfqq_empty(cfqq))
    cfq_prio_tree_del(cfqq);
}

void cfq_remove_request(struct request *rq) {
  struct cfq_queue *cfqq = RQ_CFQQ(rq);
  struct cfq_data *cfqd = cfqq->cfqd;
  if (cfqq->next_rq == rq)
    cfqq->next_rq = cfq_find_next_rq(cfqd, cfqq, rq);
  g_queue_unlink(&cfqq->fifo, &rq->queuelist);
  cfq_del_rq_rb(rq);
  cfqd->rq_queued--;
  if (rq->cmd_flags & REQ_PRIO) {
    g_assert(cfqq->prio_pending > 0);
    cfqq->prio_pending--;
  }
}

/* ---------------------------------------------------------------------
 * Cooperators (docs/model.md, "Cooperating queues")
 * --------------------------------------------------------------------- */

struct cfq_queue *cfq_close_cooperator(struct cfq_data *cfqd,
                                       struct cfq_queue *cur) {
  if (cfq_class_idle(cur) || !cur->sync || cfqq_seeky(cur))
    return NULL;
  if (cur->cfqg->nr_cfqq == 1)
    return NULL;
  struct cfq_queue *cfqq = cfqq_close(cfqd, cur);
  if (!cfqq || cfqq == cur)
    return NULL;
  if (cfqq->cfqg != cur->cfqg)
    return NULL;
  if (!cfqq->sync || cfqq_seeky(cfqq))
    return NULL;
  if (cfq_class_rt(cfqq) != cfq_class_rt(cur))
    return NULL;
  return cfqq;
}

void cfq_setup_merge(struct cfq_queue *cfqq, struct cfq_queue *new_cfqq) {
  if (cfqq_process_refs(new_cfqq) == 0)
    return;
  /* follow the chain; a cycle back to cfqq means nothing to do */
  struct cfq_queue *q;
  while ((q = new_cfqq->new_cfqq)) {
    if (q == cfqq)
      return;
    new_cfqq = q;
  }
  int pr = cfqq_process_refs(cfqq), npr = cfqq_process_refs(new_cfqq);
  if (pr == 0 || npr == 0)
    return;
  if (npr >= pr) {
    cfqq->new_cfqq = new_cfqq;
    new_cfqq->ref += pr;
  } else {
    new_cfqq->new_cfqq = cfqq;
    cfqq->ref += npr;
  }
  cfq_log_cfqq(cfqq->cfqd, cfqq, "scheduling merge with queue %d",
               new_cfqq->pid);
}
