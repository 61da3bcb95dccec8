/* noop (Linux 3.2; docs/model.md, "noop"): one FIFO; the dispatch list's own
 * sorting (elv_dispatch_sort) is the only ordering it gets.  Requests carry
 * no private data, so no set_req/may_queue and no front-merge lookup. */
#include "models/blk.h"
#include "models/iosched.h"

struct noop_data {
  GQueue queue; /* of struct request, linked through rq->queuelist */
};

static const param_desc noop_params[] = {
    {NULL, 0, 0, NULL, PARAM_NO_RANGE, NULL, NULL},
};

static struct noop_data *noop_of(struct request_queue *q) {
  return q->elevator_data;
}

static void noop_merged_requests(struct request_queue *q, struct request *rq,
                                 struct request *next) {
  (void)rq;
  g_queue_unlink(&noop_of(q)->queue, &next->queuelist);
}

static int noop_dispatch(struct request_queue *q, int force) {
  (void)force;
  GList *l = g_queue_pop_head_link(&noop_of(q)->queue);
  if (!l)
    return 0;
  elv_dispatch_sort(q, l->data);
  return 1;
}

static void noop_add_request(struct request_queue *q, struct request *rq) {
  rq->queuelist.data = rq;
  g_queue_push_tail_link(&noop_of(q)->queue, &rq->queuelist);
}

/* Neighbours in arrival order: only requests still in the FIFO have them. */
static struct request *noop_former_request(struct request_queue *q,
                                           struct request *rq) {
  (void)q;
  return rq->queuelist.prev ? rq->queuelist.prev->data : NULL;
}

static struct request *noop_latter_request(struct request_queue *q,
                                           struct request *rq) {
  (void)q;
  return rq->queuelist.next ? rq->queuelist.next->data : NULL;
}

static void *noop_init_queue(struct request_queue *q, const void *cfg,
                             GError **err) {
  (void)q;
  (void)cfg;
  (void)err;
  struct noop_data *nd = g_new0(struct noop_data, 1);
  g_queue_init(&nd->queue);
  return nd;
}

/* The requests themselves belong to the queue, which frees them. */
static void noop_exit_queue(void *data) { g_free(data); }

static void noop_fingerprint(struct request_queue *q, fingerprint *fp) {
  for (GList *l = noop_of(q)->queue.head; l; l = l->next) {
    const struct request *rq = l->data;
    fingerprint_i64(fp, (int64_t)rq->id);
  }
}

const struct elevator_type iosched_noop = {
    .elevator_name = "noop",
    .ops =
        {
            .elevator_merge_req_fn = noop_merged_requests,
            .elevator_dispatch_fn = noop_dispatch,
            .elevator_add_req_fn = noop_add_request,
            .elevator_former_req_fn = noop_former_request,
            .elevator_latter_req_fn = noop_latter_request,
            .elevator_init_fn = noop_init_queue,
            .elevator_exit_fn = noop_exit_queue,
            .elevator_fingerprint_fn = noop_fingerprint,
        },
    .params = noop_params,
    .cfg_size = 0,
};
