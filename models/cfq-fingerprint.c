/* CFQ's part of an exploration fingerprint: everything of cfqd, its
 * groups, queues and cics that can change the future, by ids and by what
 * requests are, never by address.  Kept out of the scheduling path. */
#include "models/cfq-fingerprint.h"

#include <string.h>

#include "models/cfq-priv.h"

static int64_t qid(const struct cfq_queue *q) { return q ? q->id : -1; }
/* A cic by its io_context (one per device): allocation order says nothing. */
static void fp_cic(fingerprint *fp, const struct cfq_io_context *cic) {
  const char *name = cic && cic->ioc ? cic->ioc->name : "";
  fingerprint_str(fp, name);
}

static void fp_ttime(fingerprint *fp, const struct cfq_ttime *t) {
  fingerprint_i64(fp, t->last_end_request);
  fingerprint_i64(fp, (int64_t)t->ttime_total);
  fingerprint_i64(fp, (int64_t)t->ttime_samples);
  fingerprint_i64(fp, (int64_t)t->ttime_mean);
}

static void fp_tree(fingerprint *fp, struct cfq_rb_root *st) {
  fingerprint_i64(fp, st->count);
  fp_ttime(fp, &st->ttime);
  for (rbtree_node *n = rbtree_first(&st->rb); n; n = rbtree_next(n)) {
    struct cfq_queue *q = rbtree_entry(n, struct cfq_queue, rb_node);
    fingerprint_i64(fp, q->id);
    fingerprint_i64(fp, q->rb_key);
  }
}

static gint cic_by_ioc(gconstpointer a, gconstpointer b) {
  const struct cfq_io_context *x = *(struct cfq_io_context *const *)a;
  const struct cfq_io_context *y = *(struct cfq_io_context *const *)b;
  return strcmp(x->ioc->name, y->ioc->name);
}

void cfq_fingerprint(struct request_queue *q, fingerprint *fp) {
  struct cfq_data *cfqd = q_cfqd(q);
  fingerprint_i64(fp, cfqd->serving_prio);
  fingerprint_i64(fp, cfqd->serving_type);
  fingerprint_i64(fp, cfqd->workload_expires);
  fingerprint_i64(fp, cfqd->serving_group ? cfqd->serving_group->id : -1);
  fingerprint_i64(fp, cfqd->busy_queues);
  fingerprint_i64(fp, cfqd->busy_sync_queues);
  fingerprint_i64(fp, cfqd->rq_in_driver);
  fingerprint_i64(fp, cfqd->rq_in_flight[0]);
  fingerprint_i64(fp, cfqd->rq_in_flight[1]);
  fingerprint_i64(fp, cfqd->rq_queued);
  fingerprint_i64(fp, cfqd->hw_tag);
  fingerprint_i64(fp, cfqd->hw_tag_est_depth);
  fingerprint_i64(fp, cfqd->hw_tag_samples);
  fingerprint_i64(fp, sim_timer_pending(&cfqd->idle_slice_timer));
  fingerprint_i64(fp, sim_timer_pending(&cfqd->idle_slice_timer)
                          ? cfqd->idle_slice_timer.expires
                          : 0);
  fingerprint_i64(fp, qid(cfqd->active_queue));
  fp_cic(fp, cfqd->active_cic);
  fingerprint_sector(fp, cfqd->last_position);
  fingerprint_i64(fp, cfqd->last_delayed_sync);
  fingerprint_i64(fp, (int64_t)cfqd->grp_service_tree.min_vdisktime);
  fingerprint_i64(fp, cfqd->grp_service_tree.total_weight);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < IOPRIO_BE_NR; j++)
      fingerprint_i64(fp, qid(cfqd->async_cfqq[i][j]));
  fingerprint_i64(fp, qid(cfqd->async_idle_cfqq));

  /* group tree order, then each group */
  for (rbtree_node *n = rbtree_first(&cfqd->grp_service_tree.rb); n;
       n = rbtree_next(n))
    fingerprint_i64(fp, rbtree_entry(n, struct cfq_group, rb_node)->id);
  for (guint i = 0; i < cfqd->groups->len; i++) {
    struct cfq_group *g = g_ptr_array_index(cfqd->groups, i);
    fingerprint_i64(fp, g->id);
    fingerprint_i64(fp, (int64_t)g->vdisktime);
    fingerprint_i64(fp, g->weight);
    fingerprint_i64(fp, g->new_weight);
    fingerprint_i64(fp, g->needs_update);
    fingerprint_i64(fp, g->nr_cfqq);
    for (int k = 0; k < 3; k++)
      fingerprint_i64(fp, g->busy_queues_avg[k]);
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 3; b++)
        fp_tree(fp, &g->service_trees[a][b]);
    fp_tree(fp, &g->service_tree_idle);
    fingerprint_i64(fp, g->saved_workload_slice);
    fingerprint_i64(fp, g->saved_workload);
    fingerprint_i64(fp, g->saved_serving_prio);
    fingerprint_i64(fp, g->dispatched);
    fp_ttime(fp, &g->ttime);
  }

  for (int i = 0; i < IOPRIO_BE_NR; i++)
    for (rbtree_node *n = rbtree_first(&cfqd->prio_trees[i]); n;
         n = rbtree_next(n)) {
      struct cfq_queue *pq = rbtree_entry(n, struct cfq_queue, p_node);
      fingerprint_i64(fp, pq->id);
      fingerprint_sector(fp, pq->p_key);
    }

  for (GList *l = cfqd->queues.head; l; l = l->next) {
    struct cfq_queue *c = l->data;
    int64_t flags = c->on_rr | c->wait_request << 1 | c->must_dispatch << 2 |
                    c->must_alloc_slice << 3 | c->fifo_expire << 4 |
                    c->idle_window << 5 | c->prio_changed << 6 |
                    c->slice_new << 7 | c->sync << 8 | c->coop << 9 |
                    c->split_coop << 10 | c->deep << 11 | c->wait_busy << 12;
    fingerprint_i64(fp, c->id);
    fingerprint_i64(fp, c->ref);
    fingerprint_i64(fp, flags);
    fingerprint_i64(fp, c->cfqg->id);
    fingerprint_i64(fp, c->rb_key);
    fingerprint_i64(fp, qid(c->new_cfqq));
    blk_fingerprint_rq(fp, c->next_rq);
    fingerprint_i64(fp, c->queued[0]);
    fingerprint_i64(fp, c->queued[1]);
    fingerprint_i64(fp, c->allocated[0]);
    fingerprint_i64(fp, c->allocated[1]);
    fingerprint_i64(fp, c->dispatch_start);
    fingerprint_i64(fp, c->allocated_slice);
    fingerprint_i64(fp, c->slice_dispatch);
    fingerprint_i64(fp, c->slice_start);
    fingerprint_i64(fp, c->slice_end);
    fingerprint_i64(fp, c->slice_resid);
    fingerprint_i64(fp, c->prio_pending);
    fingerprint_i64(fp, c->dispatched);
    fingerprint_i64(fp, c->ioprio);
    fingerprint_i64(fp, c->org_ioprio);
    fingerprint_i64(fp, c->ioprio_class);
    fingerprint_i64(fp, c->seek_history);
    fingerprint_sector(fp, c->last_request_pos);
    for (rbtree_node *n = rbtree_first(&c->sort_list); n; n = rbtree_next(n)) {
      struct request *rq = rbtree_entry(n, struct request, rb_node);
      blk_fingerprint_rq(fp, rq);
      fingerprint_sector(fp, rq->elv_pos);
    }
    for (GList *f = c->fifo.head; f; f = f->next) {
      struct request *rq = f->data;
      blk_fingerprint_rq(fp, rq);
    }
  }

  GPtrArray *cics = fingerprint_scratch(fp);
  g_ptr_array_extend(cics, cfqd->cics, NULL, NULL);
  g_ptr_array_sort(cics, cic_by_ioc);
  for (guint i = 0; i < cics->len; i++) {
    struct cfq_io_context *cic = g_ptr_array_index(cics, i);
    fp_cic(fp, cic);
    fingerprint_i64(fp, qid(cic->cfqq[0]));
    fingerprint_i64(fp, qid(cic->cfqq[1]));
    fp_ttime(fp, &cic->ttime);
  }
}
