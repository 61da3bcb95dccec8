/* The read-only view of models/cfq.h: slice events for an observer and
 * per-queue totals, for tests, reports and the timeline graph. */
#include "models/cfq.h"

#include "models/cfq-group.h"
#include "models/cfq-priv.h"
#include "models/iosched.h"

static struct cfq_data *cfqd_of(struct request_queue *q) {
  g_return_val_if_fail(q && q->elevator == &iosched_cfq, NULL);
  return q->elevator_data;
}

void cfq_set_slice_observer(struct request_queue *q, cfq_slice_observer fn,
                            void *ctx) {
  struct cfq_data *cfqd = cfqd_of(q);
  if (!cfqd)
    return;
  cfqd->observer = fn;
  cfqd->observer_ctx = ctx;
}

gboolean cfq_open_slice(struct request_queue *q, cfq_slice_event *out) {
  struct cfq_data *cfqd = cfqd_of(q);
  if (!cfqd || !cfqd->active_queue)
    return FALSE;
  struct cfq_queue *cfqq = cfqd->active_queue;
  *out = cfq_slice_event_of(cfqd, cfqq, CFQ_SLICE_EXPIRE, false,
                            cfq_cfqq_slice_usage(cfqd, cfqq), 0);
  return TRUE;
}

guint cfq_queue_count(struct request_queue *q) {
  struct cfq_data *cfqd = cfqd_of(q);
  return cfqd ? cfqd->stats->len : 0;
}

gboolean cfq_queue_get_info(struct request_queue *q, guint i,
                            cfq_queue_info *out) {
  struct cfq_data *cfqd = cfqd_of(q);
  if (!cfqd || i >= cfqd->stats->len)
    return FALSE;
  const struct cfq_queue_stats *st = g_ptr_array_index(cfqd->stats, i);
  out->queue_id = st->queue_id;
  out->pid = st->pid;
  out->sync = st->sync;
  out->ioprio_class = st->ioprio_class;
  out->ioprio = st->ioprio;
  out->cgroup = st->cgroup;
  out->disk_time = st->disk_time;
  out->slices = st->slices;
  out->dispatched = st->dispatched;
  out->preempted = st->preempted;
  return TRUE;
}

int cfq_hw_tag(struct request_queue *q) {
  struct cfq_data *cfqd = cfqd_of(q);
  return cfqd ? cfqd->hw_tag : -1;
}
