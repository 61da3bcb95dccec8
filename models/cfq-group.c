/* CFQ service trees, groups, prio trees and the slice arithmetic; in prose
 * in docs/model.md, from "Slice length" to "Workload slice". */
#include "models/cfq-group.h"

#include <string.h>

/* ---------------------------------------------------------------------
 * Slice arithmetic
 * --------------------------------------------------------------------- */

/* The base slice of a level (docs/model.md, "Slice length"): the inner
 * division by CFQ_SLICE_SCALE happens before the product, so a small base
 * gives every level the same slice. */
int64_t cfq_prio_slice(const struct cfq_data *cfqd, bool sync, int prio) {
  g_assert(prio >= 0 && prio < IOPRIO_BE_NR); /* levels are 0..7 */
  int64_t base = cfqd->cfq_slice[sync ? 1 : 0];
  return base + (base / CFQ_SLICE_SCALE) * (4 - prio);
}

int64_t cfq_prio_to_slice(const struct cfq_data *cfqd,
                          const struct cfq_queue *cfqq) {
  return cfq_prio_slice(cfqd, cfqq->sync, cfqq->ioprio);
}

/* How many requests an async queue may dispatch in one slice while others
 * wait (docs/model.md, "Async request budget"). */
int64_t cfq_prio_to_maxrq(const struct cfq_data *cfqd,
                          const struct cfq_queue *cfqq) {
  g_assert(cfqq->ioprio >= 0 && cfqq->ioprio < IOPRIO_BE_NR);
  return 2 * cfqd->cfq_slice_async_rq * (IOPRIO_BE_NR - cfqq->ioprio);
}

unsigned cfq_group_busy_queues_wl(int wl, const struct cfq_group *cfqg) {
  if (wl == IDLE_WORKLOAD)
    return cfqg->service_tree_idle.count;
  return cfqg->service_trees[wl][ASYNC_WORKLOAD].count +
         cfqg->service_trees[wl][SYNC_NOIDLE_WORKLOAD].count +
         cfqg->service_trees[wl][SYNC_WORKLOAD].count;
}

unsigned cfqg_busy_async_queues(const struct cfq_group *cfqg) {
  return cfqg->service_trees[RT_WORKLOAD][ASYNC_WORKLOAD].count +
         cfqg->service_trees[BE_WORKLOAD][ASYNC_WORKLOAD].count;
}

/* The group's share of the target latency, by weight (docs/model.md,
 * "Group scheduling"). */
static int64_t cfq_group_slice(const struct cfq_data *cfqd,
                               const struct cfq_group *cfqg) {
  unsigned total = cfqd->grp_service_tree.total_weight;
  if (total == 0)
    total = cfqg->weight; /* not on the tree: it alone */
  return cfqd->cfq_target_latency * (int64_t)cfqg->weight / (int64_t)total;
}

/* The smoothed busy-queue count (docs/model.md, "Latency scaling"): it
 * rises at once and decays slowly, and every cfq_scaled_cfqq_slice updates
 * it. */
static unsigned cfq_group_get_avg_queues(struct cfq_group *cfqg, bool rt) {
  unsigned busy =
      cfq_group_busy_queues_wl(rt ? RT_WORKLOAD : BE_WORKLOAD, cfqg);
  unsigned avg = cfqg->busy_queues_avg[rt];
  unsigned lo = MIN(avg, busy), hi = MAX(avg, busy);
  cfqg->busy_queues_avg[rt] =
      ((CFQ_HIST_DIVISOR - 1) * hi + lo + CFQ_HIST_DIVISOR / 2) /
      CFQ_HIST_DIVISOR;
  return cfqg->busy_queues_avg[rt];
}

/* With low_latency, slices shrink so that every busy queue of the group's
 * class gets a turn within the group's share of the target latency, down
 * to a floor (docs/model.md, "Latency scaling"). */
int64_t cfq_scaled_cfqq_slice(struct cfq_data *cfqd, struct cfq_queue *cfqq) {
  int64_t slice = cfq_prio_to_slice(cfqd, cfqq);
  if (cfqd->cfq_latency) {
    int64_t iq = cfq_group_get_avg_queues(cfqq->cfqg, cfq_class_rt(cfqq));
    int64_t sync_slice = cfqd->cfq_slice[1];
    int64_t expect_latency = sync_slice * iq;
    int64_t group_slice = cfq_group_slice(cfqd, cfqq->cfqg);
    if (expect_latency > group_slice) {
      int64_t base_low_slice = 2 * cfqd->cfq_slice_idle;
      int64_t low_slice = MIN(slice, base_low_slice * slice / sync_slice);
      slice = MAX(slice * group_slice / expect_latency, low_slice);
    }
  }
  return slice;
}

/* ---------------------------------------------------------------------
 * Trees
 * --------------------------------------------------------------------- */

/* Queue trees: (rb_key, insertion seq); an equal key inserted later goes
 * to the right, as in the kernel's red-black tree. */
static bool cfqq_rb_less(const struct cfq_queue *x, const struct cfq_queue *y) {
  if (x->rb_key != y->rb_key)
    return x->rb_key < y->rb_key;
  return x->rb_seq < y->rb_seq;
}

/* Group tree: signed (vdisktime - min_vdisktime), then insertion seq.
 * The common offset cancels, so comparing the signed difference of the
 * two vdisktimes gives the same order. */
static bool cfqg_rb_less(const struct cfq_rb_root *st,
                         const struct cfq_group *x, const struct cfq_group *y) {
  int64_t kx = (int64_t)(x->vdisktime - st->min_vdisktime);
  int64_t ky = (int64_t)(y->vdisktime - st->min_vdisktime);
  if (kx != ky)
    return kx < ky;
  return x->rb_seq < y->rb_seq;
}

static struct cfq_queue *st_cfqq(rbtree_node *n) {
  return n ? rbtree_entry(n, struct cfq_queue, rb_node) : NULL;
}

static void st_insert_cfqq(struct cfq_rb_root *st, struct cfq_queue *cfqq) {
  rbtree_node **link = &st->rb.root, *parent = NULL;
  bool leftmost = true;
  while (*link) {
    parent = *link;
    if (cfqq_rb_less(cfqq, st_cfqq(parent))) {
      link = &parent->left;
    } else {
      link = &parent->right;
      leftmost = false;
    }
  }
  rbtree_link(&st->rb, &cfqq->rb_node, parent, link, leftmost);
}

void cfq_rb_root_init(struct cfq_rb_root *st) { memset(st, 0, sizeof(*st)); }

void cfq_rb_root_destroy(struct cfq_rb_root *st) { rbtree_init(&st->rb); }

struct cfq_rb_root *service_tree_for(struct cfq_group *cfqg, int prio,
                                     int type) {
  if (!cfqg)
    return NULL;
  if (prio == IDLE_WORKLOAD)
    return &cfqg->service_tree_idle;
  return &cfqg->service_trees[prio][type];
}

struct cfq_queue *cfq_rb_first(struct cfq_rb_root *st) {
  return st_cfqq(rbtree_first(&st->rb));
}

/* ---------------------------------------------------------------------
 * Groups
 * --------------------------------------------------------------------- */

struct cfq_group *cfq_group_new(struct cfq_data *cfqd, const char *name,
                                unsigned weight) {
  struct cfq_group *cfqg = g_new0(struct cfq_group, 1);
  cfqg->id = (int)cfqd->groups->len;
  cfqg->name = g_strdup(name);
  cfqg->path = g_strconcat("/", name, NULL);
  cfqg->weight = cfqg->new_weight = weight;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      cfq_rb_root_init(&cfqg->service_trees[i][j]);
  cfq_rb_root_init(&cfqg->service_tree_idle);
  int64_t now = cfq_jiffies(cfqd);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      cfqg->service_trees[i][j].ttime.last_end_request = now;
  cfqg->service_tree_idle.ttime.last_end_request = now;
  cfqg->ttime.last_end_request = now;
  g_ptr_array_add(cfqd->groups, cfqg);
  if (name)
    g_hash_table_insert(cfqd->group_by_name, cfqg->name, cfqg);
  return cfqg;
}

void cfq_group_free(struct cfq_group *cfqg) {
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      cfq_rb_root_destroy(&cfqg->service_trees[i][j]);
  cfq_rb_root_destroy(&cfqg->service_tree_idle);
  g_free(cfqg->name);
  g_free(cfqg->path);
  g_free(cfqg);
}

/* The group of the task's blkio cgroup on this device, created on first
 * use.  A weight change is staged and applied at the next (re)insertion in
 * the group tree, as the kernel does. */
struct cfq_group *cfq_get_cfqg(struct cfq_data *cfqd, const struct task *tsk) {
  if (!cfqd->queue->kernel->group_iosched || !tsk || !tsk->cgroup)
    return cfqd->root_group;
  unsigned w = tsk->cgroup_weight > 0 ? (unsigned)tsk->cgroup_weight
                                      : BLKIO_WEIGHT_DEFAULT;
  w = CLAMP(w, 10u, 1000u);
  struct cfq_group *cfqg =
      g_hash_table_lookup(cfqd->group_by_name, tsk->cgroup);
  if (!cfqg)
    return cfq_group_new(cfqd, tsk->cgroup, w);
  if (w != (cfqg->needs_update ? cfqg->new_weight : cfqg->weight)) {
    cfqg->new_weight = w;
    cfqg->needs_update = true;
  }
  return cfqg;
}

static struct cfq_group *st_cfqg(rbtree_node *n) {
  return n ? rbtree_entry(n, struct cfq_group, rb_node) : NULL;
}

static void cfq_group_service_tree_add(struct cfq_data *cfqd,
                                       struct cfq_group *cfqg) {
  struct cfq_rb_root *st = &cfqd->grp_service_tree;
  g_assert(!cfqg->on_st); /* its key may only change off the tree */
  if (cfqg->needs_update) {
    cfqg->weight = cfqg->new_weight;
    cfqg->needs_update = false;
  }
  cfqg->rb_seq = cfqd->next_seq++;
  rbtree_node **link = &st->rb.root, *parent = NULL;
  bool leftmost = true;
  while (*link) {
    parent = *link;
    if (cfqg_rb_less(st, cfqg, st_cfqg(parent))) {
      link = &parent->left;
    } else {
      link = &parent->right;
      leftmost = false;
    }
  }
  rbtree_link(&st->rb, &cfqg->rb_node, parent, link, leftmost);
  cfqg->on_st = true;
  st->count++;
  st->total_weight += cfqg->weight;
}

static void cfq_group_service_tree_del(struct cfq_data *cfqd,
                                       struct cfq_group *cfqg) {
  struct cfq_rb_root *st = &cfqd->grp_service_tree;
  if (!cfqg->on_st)
    return;
  rbtree_erase(&st->rb, &cfqg->rb_node);
  cfqg->on_st = false;
  st->count--;
  st->total_weight -= cfqg->weight;
}

static void cfq_group_notify_queue_add(struct cfq_data *cfqd,
                                       struct cfq_group *cfqg) {
  struct cfq_rb_root *st = &cfqd->grp_service_tree;
  cfqg->nr_cfqq++;
  if (cfqg->on_st)
    return;
  /* A newly backlogged group goes to the end, CFQ_IDLE_DELAY (unscaled)
   * behind the last one. */
  struct cfq_group *last = st_cfqg(rbtree_last(&st->rb));
  if (last)
    cfqg->vdisktime = last->vdisktime + (uint64_t)cfqd->cfq_idle_delay;
  else
    cfqg->vdisktime = st->min_vdisktime;
  cfq_group_service_tree_add(cfqd, cfqg);
}

static void cfq_group_notify_queue_del(struct cfq_data *cfqd,
                                       struct cfq_group *cfqg) {
  g_assert(cfqg->nr_cfqq > 0);
  cfqg->nr_cfqq--;
  if (cfqg->nr_cfqq > 0)
    return;
  cfq_group_service_tree_del(cfqd, cfqg);
  cfqg->saved_workload_slice = 0;
}

/* The disk time a slice used; a slice that never started (or started this
 * jiffy) counts from its activation, at least one jiffy (docs/model.md,
 * "Slice usage and charge"). */
int64_t cfq_cfqq_slice_usage(const struct cfq_data *cfqd,
                             const struct cfq_queue *cfqq) {
  int64_t now = cfq_jiffies(cfqd), used;
  if (cfqq->slice_start == 0 || cfqq->slice_start == now) {
    used = MAX(now - cfqq->dispatch_start, 1);
  } else {
    used = now - cfqq->slice_start;
    if (used > cfqq->allocated_slice)
      used = cfqq->allocated_slice;
  }
  return used;
}

static bool iops_mode(const struct cfq_data *cfqd) {
  /* without idling, time slices mean little on a queueing device: charge
   * requests instead; hw_tag -1 (unknown) counts as queueing
   * (docs/model.md, "IOPS mode") */
  return cfqd->cfq_slice_idle == 0 && cfqd->hw_tag != 0;
}

void cfq_group_served(struct cfq_data *cfqd, struct cfq_group *cfqg,
                      struct cfq_queue *cfqq, int64_t *used_out,
                      int64_t *charge_out) {
  int64_t now = cfq_jiffies(cfqd);
  int nr_sync = cfqg->nr_cfqq - (int)cfqg_busy_async_queues(cfqg) -
                (int)cfqg->service_tree_idle.count;
  g_assert(nr_sync >= 0); /* nr_cfqq counts every queue on the trees */
  int64_t used = cfq_cfqq_slice_usage(cfqd, cfqq);
  int64_t charge = used;
  if (iops_mode(cfqd))
    charge = cfqq->slice_dispatch;
  else if (!cfqq->sync && nr_sync == 0)
    charge = cfqq->allocated_slice;

  /* The key may not change while the group sits in the tree. */
  bool was_on = cfqg->on_st;
  cfq_group_service_tree_del(cfqd, cfqg);
  uint64_t d = ((uint64_t)charge << CFQ_SERVICE_SHIFT) * BLKIO_WEIGHT_DEFAULT;
  cfqg->vdisktime += d / cfqg->weight; /* heavier groups pay less */
  if (was_on)
    cfq_group_service_tree_add(cfqd, cfqg);
  else if (cfqg->needs_update) {
    cfqg->weight = cfqg->new_weight;
    cfqg->needs_update = false;
  }

  /* remember where the workload was, so that the group resumes it with the
   * time it had left on its next turn */
  if (cfqd->workload_expires > now) {
    cfqg->saved_workload_slice = cfqd->workload_expires - now;
    cfqg->saved_workload = cfqd->serving_type;
    cfqg->saved_serving_prio = cfqd->serving_prio;
  } else {
    cfqg->saved_workload_slice = 0;
  }
  cfq_log_cfqg(cfqd, cfqg, "served: vt=%llu min_vt=%llu",
               (unsigned long long)cfqg->vdisktime,
               (unsigned long long)cfqd->grp_service_tree.min_vdisktime);
  cfq_log_cfqq(cfqd, cfqq, "sl_used=%u disp=%u charge=%u iops=%u sect=%lu",
               (unsigned)used, (unsigned)cfqq->slice_dispatch, (unsigned)charge,
               iops_mode(cfqd) ? 1u : 0u, (unsigned long)cfqq->nr_sectors);
  if (used_out)
    *used_out = used;
  if (charge_out)
    *charge_out = charge;
}

/* ---------------------------------------------------------------------
 * Queues on service trees (docs/model.md, "Service-tree keys")
 * --------------------------------------------------------------------- */

static int64_t cfq_slice_offset(const struct cfq_data *cfqd,
                                const struct cfq_queue *cfqq) {
  /* nr_cfqq does not count a queue being newly added: the factor can be -1 */
  return (int64_t)(cfqq->cfqg->nr_cfqq - 1) *
         (cfq_prio_slice(cfqd, true, 0) -
          cfq_prio_slice(cfqd, cfqq->sync, cfqq->ioprio));
}

void cfq_service_tree_add(struct cfq_data *cfqd, struct cfq_queue *cfqq,
                          bool add_front) {
  int64_t now = cfq_jiffies(cfqd);
  struct cfq_rb_root *st =
      service_tree_for(cfqq->cfqg, cfqq_prio(cfqq), cfqq_type(cfqq));
  int64_t rb_key;
  if (cfq_class_idle(cfqq)) {
    struct cfq_queue *last = st_cfqq(rbtree_last(&st->rb));
    rb_key =
        cfqd->cfq_idle_delay + ((last && last != cfqq) ? last->rb_key : now);
  } else if (!add_front) {
    rb_key = cfq_slice_offset(cfqd, cfqq) + now;
    rb_key -= cfqq->slice_resid;
    cfqq->slice_resid = 0;
  } else {
    struct cfq_queue *first = cfq_rb_first(st);
    rb_key = -cfqd->hz + (first ? first->rb_key : now);
  }

  bool newly_added = true;
  if (cfqq->service_tree) {
    newly_added = false;
    if (rb_key == cfqq->rb_key && cfqq->service_tree == st)
      return;
    rbtree_erase(&cfqq->service_tree->rb, &cfqq->rb_node);
    cfqq->service_tree->count--;
    cfqq->service_tree = NULL;
  }
  cfqq->rb_key = rb_key;
  cfqq->rb_seq = cfqd->next_seq++;
  st_insert_cfqq(st, cfqq);
  cfqq->service_tree = st;
  st->count++;
  if (add_front || !newly_added)
    return;
  cfq_group_notify_queue_add(cfqd, cfqq->cfqg);
}

void cfq_resort_rr_list(struct cfq_data *cfqd, struct cfq_queue *cfqq) {
  if (cfqq->on_rr) {
    cfq_service_tree_add(cfqd, cfqq, false);
    cfq_prio_tree_add(cfqd, cfqq);
  }
}

void cfq_add_cfqq_rr(struct cfq_data *cfqd, struct cfq_queue *cfqq) {
  g_assert(!cfqq->on_rr);
  cfq_log_cfqq(cfqd, cfqq, "add_to_rr");
  cfqq->on_rr = true;
  cfqd->busy_queues++;
  if (cfqq->sync)
    cfqd->busy_sync_queues++;
  cfq_resort_rr_list(cfqd, cfqq);
}

void cfq_del_cfqq_rr(struct cfq_data *cfqd, struct cfq_queue *cfqq) {
  g_assert(cfqq->on_rr);
  cfq_log_cfqq(cfqd, cfqq, "del_from_rr");
  cfqq->on_rr = false;
  if (cfqq->service_tree) {
    rbtree_erase(&cfqq->service_tree->rb, &cfqq->rb_node);
    cfqq->service_tree->count--;
    cfqq->service_tree = NULL;
  }
  cfq_prio_tree_del(cfqq);
  cfq_group_notify_queue_del(cfqd, cfqq->cfqg);
  g_assert(cfqd->busy_queues > 0);
  cfqd->busy_queues--;
  if (cfqq->sync)
    cfqd->busy_sync_queues--;
}

/* ---------------------------------------------------------------------
 * Prio trees (cooperator search), approximated (docs/model.md,
 * "Simplifications"): keys are pos(next_rq) when (re)inserted; lookups test
 * current positions.
 * --------------------------------------------------------------------- */

void cfq_prio_tree_del(struct cfq_queue *cfqq) {
  if (cfqq->p_root) {
    rbtree_erase(cfqq->p_root, &cfqq->p_node);
    cfqq->p_root = NULL;
  }
}

static struct cfq_queue *prio_cfqq(rbtree_node *n) {
  return n ? rbtree_entry(n, struct cfq_queue, p_node) : NULL;
}

/* Prio trees: keys are unique (a duplicate is never inserted).  The first
 * queue of `root` keyed at or after `key`, NULL if none. */
static rbtree_node *prio_lower_bound(const rbtree *root, int64_t key) {
  rbtree_node *n = root->root, *found = NULL;
  while (n) {
    if (prio_cfqq(n)->p_key < key) {
      n = n->right;
    } else {
      found = n;
      n = n->left;
    }
  }
  return found;
}

void cfq_prio_tree_add(struct cfq_data *cfqd, struct cfq_queue *cfqq) {
  cfq_prio_tree_del(cfqq);
  if (cfq_class_idle(cfqq) || !cfqq->next_rq)
    return;
  rbtree *root = &cfqd->prio_trees[cfqq->org_ioprio];
  int64_t key = blk_rq_pos(cfqq->next_rq);
  rbtree_node **link = &root->root, *parent = NULL;
  bool leftmost = true;
  while (*link) {
    parent = *link;
    int64_t k = prio_cfqq(parent)->p_key;
    if (k == key)
      return; /* another queue has this key */
    if (key < k) {
      link = &parent->left;
    } else {
      link = &parent->right;
      leftmost = false;
    }
  }
  cfqq->p_key = key;
  rbtree_link(root, &cfqq->p_node, parent, link, leftmost);
  cfqq->p_root = root;
}

static int64_t dist_from_last(const struct cfq_data *cfqd, int64_t pos) {
  if (cfqd->queue)
    cfqd->queue->stats.position_decisions++;
  return pos >= cfqd->last_position ? pos - cfqd->last_position
                                    : cfqd->last_position - pos;
}

static bool queue_close(const struct cfq_data *cfqd,
                        const struct cfq_queue *q) {
  return q && q->next_rq &&
         dist_from_last(cfqd, blk_rq_pos(q->next_rq)) <= CFQQ_CLOSE_THR;
}

struct cfq_queue *cfqq_close(struct cfq_data *cfqd, struct cfq_queue *cur) {
  const rbtree *root = &cfqd->prio_trees[cur->org_ioprio];
  if (rbtree_empty(root))
    return NULL;
  int64_t x = cfqd->last_position;
  rbtree_node *succ_n = prio_lower_bound(root, x);
  struct cfq_queue *succ = prio_cfqq(succ_n);
  if (succ && succ->p_key == x)
    return succ;
  struct cfq_queue *pred =
      prio_cfqq(succ_n ? rbtree_prev(succ_n) : rbtree_last(root));
  /* Nearer current position first; tie: the predecessor. */
  struct cfq_queue *first = pred, *second = succ;
  if (pred && succ && pred->next_rq && succ->next_rq &&
      dist_from_last(cfqd, blk_rq_pos(succ->next_rq)) <
          dist_from_last(cfqd, blk_rq_pos(pred->next_rq))) {
    first = succ;
    second = pred;
  }
  if (queue_close(cfqd, first))
    return first;
  if (queue_close(cfqd, second))
    return second;
  return NULL;
}

/* ---------------------------------------------------------------------
 * Group and workload selection (docs/model.md, "Group scheduling",
 * "Workload slice")
 * --------------------------------------------------------------------- */

bool cfq_io_thinktime_big(const struct cfq_data *cfqd,
                          const struct cfq_ttime *tt, bool group_idle) {
  if (!sample_valid(tt->ttime_samples))
    return false;
  int64_t slice = group_idle ? cfqd->cfq_group_idle : cfqd->cfq_slice_idle;
  return tt->ttime_mean > (uint64_t)slice;
}

static int cfq_choose_wl(struct cfq_group *cfqg, int prio) {
  int best = SYNC_NOIDLE_WORKLOAD;
  bool found = false;
  int64_t lowest = 0;
  for (int t = ASYNC_WORKLOAD; t <= SYNC_WORKLOAD; t++) {
    struct cfq_queue *q = cfq_rb_first(service_tree_for(cfqg, prio, t));
    if (q && (!found || q->rb_key < lowest)) {
      best = t;
      lowest = q->rb_key;
      found = true;
    }
  }
  return best;
}

static void choose_service_tree(struct cfq_data *cfqd, struct cfq_group *cfqg) {
  int64_t now = cfq_jiffies(cfqd);
  int original = cfqd->serving_prio;

  if (cfq_group_busy_queues_wl(RT_WORKLOAD, cfqg))
    cfqd->serving_prio = RT_WORKLOAD;
  else if (cfq_group_busy_queues_wl(BE_WORKLOAD, cfqg))
    cfqd->serving_prio = BE_WORKLOAD;
  else {
    cfqd->serving_prio = IDLE_WORKLOAD;
    cfqd->workload_expires = now + 1;
    return;
  }

  if (original == cfqd->serving_prio) {
    struct cfq_rb_root *st =
        service_tree_for(cfqg, cfqd->serving_prio, cfqd->serving_type);
    if (st->count > 0 && !(now > cfqd->workload_expires))
      return;
  }

  cfqd->serving_type = cfq_choose_wl(cfqg, cfqd->serving_prio);
  int64_t count =
      service_tree_for(cfqg, cfqd->serving_prio, cfqd->serving_type)->count;
  int64_t group_slice = cfq_group_slice(cfqd, cfqg);
  int64_t div = MAX(cfqg->busy_queues_avg[cfqd->serving_prio],
                    cfq_group_busy_queues_wl(cfqd->serving_prio, cfqg));
  int64_t slice = div > 0 ? group_slice * count / div : 0;
  if (cfqd->serving_type == ASYNC_WORKLOAD) {
    int64_t tmp = cfqd->busy_queues > 0
                      ? cfqd->cfq_target_latency *
                            cfqg_busy_async_queues(cfqg) / cfqd->busy_queues
                      : 0;
    slice = MIN(slice, tmp);
    slice = slice * cfqd->cfq_slice[0] / cfqd->cfq_slice[1];
  } else {
    slice = MAX(slice, 2 * cfqd->cfq_slice_idle);
  }
  slice = MAX(slice, (int64_t)CFQ_MIN_TT);
  cfqd->workload_expires = now + slice;
  if (cfq_tracing(cfqd))
    blk_trace(cfqd->queue, "cfq workload slice:%lld", (long long)slice);
}

void cfq_choose_cfqg(struct cfq_data *cfqd) {
  struct cfq_rb_root *st = &cfqd->grp_service_tree;
  struct cfq_group *cfqg = st_cfqg(rbtree_first(&st->rb));
  if (cfqg) {
    /* the tree's floor only moves forward */
    if ((int64_t)(cfqg->vdisktime - st->min_vdisktime) > 0)
      st->min_vdisktime = cfqg->vdisktime;
  }
  cfqd->serving_group = cfqg;
  if (!cfqg)
    return;
  int64_t now = cfq_jiffies(cfqd);
  if (cfqg->saved_workload_slice) {
    cfqd->workload_expires = now + cfqg->saved_workload_slice;
    cfqd->serving_type = cfqg->saved_workload;
    cfqd->serving_prio = cfqg->saved_serving_prio;
  } else {
    cfqd->workload_expires = now - 1;
  }
  choose_service_tree(cfqd, cfqg);
}
