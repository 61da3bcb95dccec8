/* CFQ's part of an exploration fingerprint: everything of cfqd, its
 * groups, queues and cics that can change the future, by ids and by what
 * requests are, never by address.  Kept out of the scheduling path.
 * Fields go in arrays fed whole: fed one by one, each store into the
 * buffer made the compiler load its length and room again. */
#include "models/cfq-fingerprint.h"

#include <string.h>

#include "models/cfq-priv.h"

static int64_t qid(const struct cfq_queue *q) { return q ? q->id : -1; }
/* A cic by its io_context (one per device): allocation order says nothing. */
static void fp_cic(fingerprint *fp, const struct cfq_io_context *cic) {
  const char *name = cic && cic->ioc ? cic->ioc->name : "";
  fingerprint_str(fp, name);
}

static void fp_tree(fingerprint *fp, struct cfq_rb_root *st) {
  const struct cfq_ttime *t = &st->ttime;
  int64_t v[] = {st->count, t->last_end_request, (int64_t)t->ttime_total,
                 (int64_t)t->ttime_samples, (int64_t)t->ttime_mean};
  fingerprint_bytes(fp, v, sizeof v);
  for (rbtree_node *n = rbtree_first(&st->rb); n; n = rbtree_next(n)) {
    struct cfq_queue *q = rbtree_entry(n, struct cfq_queue, rb_node);
    int64_t e[] = {q->id, q->rb_key};
    fingerprint_bytes(fp, e, sizeof e);
  }
}

static gint cic_by_ioc(gconstpointer a, gconstpointer b) {
  const struct cfq_io_context *x = *(struct cfq_io_context *const *)a;
  const struct cfq_io_context *y = *(struct cfq_io_context *const *)b;
  return strcmp(x->ioc->name, y->ioc->name);
}

void cfq_fingerprint(struct request_queue *q, fingerprint *fp) {
  struct cfq_data *cfqd = q_cfqd(q);
  bool idling = sim_timer_pending(&cfqd->idle_slice_timer);
  int64_t hd[] = {cfqd->serving_prio,
                  cfqd->serving_type,
                  cfqd->workload_expires,
                  cfqd->serving_group ? cfqd->serving_group->id : -1,
                  cfqd->busy_queues,
                  cfqd->busy_sync_queues,
                  cfqd->rq_in_driver,
                  cfqd->rq_in_flight[0],
                  cfqd->rq_in_flight[1],
                  cfqd->rq_queued,
                  cfqd->hw_tag,
                  cfqd->hw_tag_est_depth,
                  cfqd->hw_tag_samples,
                  idling,
                  idling ? cfqd->idle_slice_timer.expires : 0,
                  qid(cfqd->active_queue)};
  fingerprint_bytes(fp, hd, sizeof hd);
  fp_cic(fp, cfqd->active_cic);
  int64_t hd2[4 + 2 * IOPRIO_BE_NR + 1] = {
      fingerprint_map_sector(fp, cfqd->last_position), cfqd->last_delayed_sync,
      (int64_t)cfqd->grp_service_tree.min_vdisktime,
      cfqd->grp_service_tree.total_weight};
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < IOPRIO_BE_NR; j++)
      hd2[4 + i * IOPRIO_BE_NR + j] = qid(cfqd->async_cfqq[i][j]);
  hd2[4 + 2 * IOPRIO_BE_NR] = qid(cfqd->async_idle_cfqq);
  fingerprint_bytes(fp, hd2, sizeof hd2);

  /* group tree order, then each group */
  for (rbtree_node *n = rbtree_first(&cfqd->grp_service_tree.rb); n;
       n = rbtree_next(n))
    fingerprint_i64(fp, rbtree_entry(n, struct cfq_group, rb_node)->id);
  for (guint i = 0; i < cfqd->groups->len; i++) {
    struct cfq_group *g = g_ptr_array_index(cfqd->groups, i);
    int64_t gv[] = {g->id,
                    (int64_t)g->vdisktime,
                    g->weight,
                    g->new_weight,
                    g->needs_update,
                    g->nr_cfqq,
                    g->busy_queues_avg[0],
                    g->busy_queues_avg[1],
                    g->busy_queues_avg[2]};
    fingerprint_bytes(fp, gv, sizeof gv);
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 3; b++)
        fp_tree(fp, &g->service_trees[a][b]);
    fp_tree(fp, &g->service_tree_idle);
    const struct cfq_ttime *t = &g->ttime;
    int64_t gt[] = {g->saved_workload_slice,   g->saved_workload,
                    g->saved_serving_prio,     g->dispatched,
                    t->last_end_request,       (int64_t)t->ttime_total,
                    (int64_t)t->ttime_samples, (int64_t)t->ttime_mean};
    fingerprint_bytes(fp, gt, sizeof gt);
  }

  for (int i = 0; i < IOPRIO_BE_NR; i++)
    for (rbtree_node *n = rbtree_first(&cfqd->prio_trees[i]); n;
         n = rbtree_next(n)) {
      struct cfq_queue *pq = rbtree_entry(n, struct cfq_queue, p_node);
      int64_t e[] = {pq->id, fingerprint_map_sector(fp, pq->p_key)};
      fingerprint_bytes(fp, e, sizeof e);
    }

  for (GList *l = cfqd->queues.head; l; l = l->next) {
    struct cfq_queue *c = l->data;
    int64_t flags = c->on_rr | c->wait_request << 1 | c->must_dispatch << 2 |
                    c->must_alloc_slice << 3 | c->fifo_expire << 4 |
                    c->idle_window << 5 | c->prio_changed << 6 |
                    c->slice_new << 7 | c->sync << 8 | c->coop << 9 |
                    c->split_coop << 10 | c->deep << 11 | c->wait_busy << 12;
    int64_t qv[] = {c->id,       c->ref,    flags,
                    c->cfqg->id, c->rb_key, qid(c->new_cfqq)};
    fingerprint_bytes(fp, qv, sizeof qv);
    blk_fingerprint_rq(fp, c->next_rq);
    int64_t qs[] = {c->queued[0],
                    c->queued[1],
                    c->allocated[0],
                    c->allocated[1],
                    c->dispatch_start,
                    c->allocated_slice,
                    c->slice_dispatch,
                    c->slice_start,
                    c->slice_end,
                    c->slice_resid,
                    c->prio_pending,
                    c->dispatched,
                    c->ioprio,
                    c->org_ioprio,
                    c->ioprio_class,
                    c->seek_history,
                    fingerprint_map_sector(fp, c->last_request_pos)};
    fingerprint_bytes(fp, qs, sizeof qs);
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
    const struct cfq_ttime *t = &cic->ttime;
    int64_t cv[] = {qid(cic->cfqq[0]),         qid(cic->cfqq[1]),
                    t->last_end_request,       (int64_t)t->ttime_total,
                    (int64_t)t->ttime_samples, (int64_t)t->ttime_mean};
    fingerprint_bytes(fp, cv, sizeof cv);
  }
}
