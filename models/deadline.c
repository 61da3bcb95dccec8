/* deadline (Linux 3.2; docs/model.md, "deadline"): per direction a
 * sector-sorted tree and a FIFO of expiry times; batches of up to
 * fifo_batch requests go in sector order, reads are preferred over waiting
 * writes at most writes_starved times in a row, and an expired FIFO head
 * interrupts the sector sweep at the next batch boundary.
 *
 * Simplification: when several queued requests start at the bio's end
 * sector, the front-merge lookup takes the earliest inserted one (the
 * kernel takes whichever its rb-tree walk meets first). */
#include "models/blk.h"
#include "models/iosched.h"

#include <stddef.h>

struct deadline_config {
  int64_t read_expire;  /* ns */
  int64_t write_expire; /* ns */
  int64_t writes_starved;
  int64_t fifo_batch;
  bool front_merges;
};

struct deadline_data {
  struct request_queue *q;
  /* Of struct request, ordered by (sector, insertion sequence): equal
   * sectors keep arrival order, as the kernel's tree puts equal keys to
   * the right.  rq->elv_node is the request's iterator. */
  GSequence *sort_list[2];
  GQueue fifo_list[2]; /* linked through rq->queuelist */
  uint64_t seq;        /* next insertion sequence number */

  struct request *next_rq[2];
  int64_t batching;
  int64_t starved;
  int64_t last_sector;

  int64_t fifo_expire[2]; /* jiffies */
  int64_t writes_starved;
  int64_t fifo_batch;
  bool front_merges;
};

#define DL_OFF(f) offsetof(struct deadline_config, f)
#define MS(x) ((double)(x)*1e6)
#define MAX_MS MS(3600000) /* our cap: one hour */

static const param_desc deadline_params[] = {
    {"read_expire", PARAM_TIME, DL_OFF(read_expire), "500ms", MS(1), MAX_MS,
     NULL,
     "how long a read may wait before its FIFO overrules sector order; HZ/2"},
    {"write_expire", PARAM_TIME, DL_OFF(write_expire), "5s", MS(1), MAX_MS,
     NULL, "same for writes; 5*HZ"},
    {"writes_starved", PARAM_INT, DL_OFF(writes_starved), "2", 0, 4294967295.0,
     NULL,
     "times reads may be preferred over waiting writes before writes get a batch"},
    {"fifo_batch", PARAM_INT, DL_OFF(fifo_batch), "16", 1, 4294967295.0, NULL,
     "requests: length of a sector-ordered batch before the FIFOs are checked"},
    {"front_merges", PARAM_BOOL, DL_OFF(front_merges), "true", PARAM_NO_RANGE,
     NULL, "look for a request starting where a new bio ends (front merge)"},
    {NULL, 0, 0, NULL, PARAM_NO_RANGE, NULL, NULL},
};

static struct deadline_data *dd_of(struct request_queue *q) {
  return q->elevator_data;
}

/* The insertion sequence lives in elv_priv[0]: deadline requests carry no
 * cic, so the slot is free. */
static uint64_t rq_seq(const struct request *rq) {
  return (uint64_t)GPOINTER_TO_SIZE(rq->elv_priv[0]);
}

static int sort_cmp(gconstpointer a, gconstpointer b, gpointer unused) {
  (void)unused;
  const struct request *ra = a, *rb = b;
  if (ra->sector != rb->sector)
    return ra->sector < rb->sector ? -1 : 1;
  uint64_t sa = rq_seq(ra), sb = rq_seq(rb);
  return sa < sb ? -1 : sa > sb;
}

/* ---- the sort tree ---- */

static void deadline_add_rq_rb(struct deadline_data *dd, struct request *rq) {
  rq->elv_priv[0] = GSIZE_TO_POINTER((gsize)dd->seq++);
  rq->elv_node = g_sequence_insert_sorted(dd->sort_list[rq_data_dir(rq)], rq,
                                          sort_cmp, NULL);
}

static void elv_rb_del(struct request *rq) {
  g_sequence_remove(rq->elv_node);
  rq->elv_node = NULL;
}

static struct request *deadline_latter_request(struct request_queue *q,
                                               struct request *rq) {
  (void)q;
  if (!rq->elv_node)
    return NULL;
  GSequenceIter *it = g_sequence_iter_next(rq->elv_node);
  return g_sequence_iter_is_end(it) ? NULL : g_sequence_get(it);
}

static struct request *deadline_former_request(struct request_queue *q,
                                               struct request *rq) {
  (void)q;
  if (!rq->elv_node || g_sequence_iter_is_begin(rq->elv_node))
    return NULL;
  return g_sequence_get(g_sequence_iter_prev(rq->elv_node));
}

/* Leaving the tree: a request that was next in line hands that role to its
 * successor. */
static void deadline_del_rq_rb(struct deadline_data *dd, struct request *rq) {
  int dir = rq_data_dir(rq);
  if (dd->next_rq[dir] == rq)
    dd->next_rq[dir] = deadline_latter_request(dd->q, rq);
  elv_rb_del(rq);
}

static void deadline_remove_request(struct deadline_data *dd,
                                    struct request *rq) {
  g_queue_unlink(&dd->fifo_list[rq_data_dir(rq)], &rq->queuelist);
  deadline_del_rq_rb(dd, rq);
}

/* ---- insertion and merging ---- */

static void deadline_add_request(struct request_queue *q, struct request *rq) {
  struct deadline_data *dd = dd_of(q);
  int dir = rq_data_dir(rq);
  deadline_add_rq_rb(dd, rq);
  rq->fifo_time = blk_jiffies(q) + dd->fifo_expire[dir];
  rq->queuelist.data = rq;
  g_queue_push_tail_link(&dd->fifo_list[dir], &rq->queuelist);
}

static int deadline_merge(struct request_queue *q, struct task *tsk,
                          struct request **out, struct bio *bio) {
  (void)tsk;
  struct deadline_data *dd = dd_of(q);
  if (!dd->front_merges)
    return ELEVATOR_NO_MERGE;
  int dir = (bio->rw & REQ_WRITE) ? WRITE : READ;
  int64_t end = bio->sector + bio->nr_sectors;
  /* A probe that sorts before every real request at `end` (sequence 0). */
  struct request probe = {.sector = end};
  GSequenceIter *it =
      g_sequence_search(dd->sort_list[dir], &probe, sort_cmp, NULL);
  if (g_sequence_iter_is_end(it))
    return ELEVATOR_NO_MERGE;
  struct request *rq = g_sequence_get(it);
  if (rq->sector != end)
    return ELEVATOR_NO_MERGE;
  /* elv_rq_merge_ok: the tree holds only sorted, unstarted requests of
   * this direction, so what is left to check is NOMERGE. */
  if (rq->cmd_flags & (REQ_NOMERGE | REQ_STARTED))
    return ELEVATOR_NO_MERGE;
  *out = rq;
  return ELEVATOR_FRONT_MERGE;
}

/* A front merge moved the request's start: put it back in sector order.
 * next_rq is deliberately left alone (the kernel re-sorts without the
 * next_rq hand-over). */
static void deadline_merged_request(struct request_queue *q, struct request *rq,
                                    int kind) {
  if (kind != ELEVATOR_FRONT_MERGE)
    return;
  struct deadline_data *dd = dd_of(q);
  elv_rb_del(rq);
  deadline_add_rq_rb(dd, rq);
}

/* `next` is glued onto `rq`: rq inherits next's FIFO place and deadline if
 * those were earlier, so merging never postpones the older request. */
static void deadline_merged_requests(struct request_queue *q,
                                     struct request *rq, struct request *next) {
  struct deadline_data *dd = dd_of(q);
  int dir = rq_data_dir(rq);
  GQueue *fifo = &dd->fifo_list[rq_data_dir(next)];
  if (rq->elv_node && next->elv_node && next->fifo_time < rq->fifo_time) {
    g_queue_unlink(&dd->fifo_list[dir], &rq->queuelist);
    g_queue_insert_after_link(fifo, &next->queuelist, &rq->queuelist);
    rq->fifo_time = next->fifo_time;
  }
  deadline_remove_request(dd, next);
}

/* ---- dispatch ---- */

static void deadline_move_request(struct deadline_data *dd,
                                  struct request *rq) {
  int dir = rq_data_dir(rq);
  dd->next_rq[READ] = dd->next_rq[WRITE] = NULL;
  dd->next_rq[dir] = deadline_latter_request(dd->q, rq);
  dd->last_sector = rq_end_sector(rq);
  deadline_remove_request(dd, rq);
  elv_dispatch_add_tail(dd->q, rq);
}

/* The FIFO head's deadline has passed: strictly after (time_after), where
 * CFQ's test is "not before". */
static bool deadline_check_fifo(struct deadline_data *dd, int dir) {
  const struct request *head = dd->fifo_list[dir].head->data;
  return blk_jiffies(dd->q) > head->fifo_time;
}

static int deadline_dispatch_requests(struct request_queue *q, int force) {
  (void)force; /* deadline moves one request per call either way */
  struct deadline_data *dd = dd_of(q);
  bool reads = dd->fifo_list[READ].length > 0;
  bool writes = dd->fifo_list[WRITE].length > 0;
  struct request *rq =
      dd->next_rq[WRITE] ? dd->next_rq[WRITE] : dd->next_rq[READ];
  int dir;

  if (rq && dd->batching < dd->fifo_batch)
    goto dispatch_request;

  if (reads) {
    g_assert(g_sequence_get_length(dd->sort_list[READ]) > 0);
    /* starved counts only the times reads win while writes wait. */
    if (writes && dd->starved++ >= dd->writes_starved)
      goto dispatch_writes;
    dir = READ;
    goto dispatch_find_request;
  }
  if (writes) {
  dispatch_writes:
    g_assert(g_sequence_get_length(dd->sort_list[WRITE]) > 0);
    dd->starved = 0;
    dir = WRITE;
    goto dispatch_find_request;
  }
  return 0;

dispatch_find_request:
  if (deadline_check_fifo(dd, dir) || !dd->next_rq[dir]) {
    rq = dd->fifo_list[dir].head->data;
    if (sim_tracing(q->engine))
      blk_trace(
          q,
          "deadline: new %s batch from the FIFO head, request %" G_GUINT64_FORMAT,
          dir == WRITE ? "write" : "read", rq->id);
  } else {
    rq = dd->next_rq[dir];
    if (sim_tracing(q->engine))
      blk_trace(
          q,
          "deadline: new %s batch in sector order, request %" G_GUINT64_FORMAT,
          dir == WRITE ? "write" : "read", rq->id);
  }
  dd->batching = 0;

dispatch_request:
  dd->batching++;
  if (sim_tracing(q->engine))
    blk_trace(q,
              "deadline: dispatch request %" G_GUINT64_FORMAT
              " %c %" G_GINT64_FORMAT "+%u (batch %" G_GINT64_FORMAT
              ", starved %" G_GINT64_FORMAT ")",
              rq->id, rq_data_dir(rq) == WRITE ? 'W' : 'R', rq->sector,
              rq->nr_sectors, dd->batching, dd->starved);
  deadline_move_request(dd, rq);
  return 1;
}

/* ---- set-up ---- */

static void *deadline_init_queue(struct request_queue *q, const void *cfgp,
                                 GError **err) {
  struct deadline_config *own = NULL;
  const struct deadline_config *cfg = cfgp;
  if (!cfg)
    cfg = own =
        params_defaults(deadline_params, sizeof(struct deadline_config));
  if (cfg->read_expire <= 0 || cfg->write_expire <= 0 || cfg->fifo_batch < 1 ||
      cfg->writes_starved < 0) {
    g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
                "deadline: a tunable is out of range (read_expire and "
                "write_expire > 0, fifo_batch >= 1, writes_starved >= 0)");
    g_free(own);
    return NULL;
  }
  struct deadline_data *dd = g_new0(struct deadline_data, 1);
  dd->q = q;
  dd->seq = 1; /* 0 is the front-merge probe's: before every real request */
  for (int dir = 0; dir < 2; dir++) {
    dd->sort_list[dir] = g_sequence_new(NULL);
    g_queue_init(&dd->fifo_list[dir]);
  }
  /* msecs_to_jiffies rounds up: 500 ms is HZ/2 and 5 s is 5*HZ exactly. */
  dd->fifo_expire[READ] = blk_ns_to_jiffies(q, cfg->read_expire);
  dd->fifo_expire[WRITE] = blk_ns_to_jiffies(q, cfg->write_expire);
  dd->writes_starved = cfg->writes_starved;
  dd->fifo_batch = cfg->fifo_batch;
  dd->front_merges = cfg->front_merges;
  g_free(own);
  return dd;
}

/* The requests belong to the queue, which frees them; only our own
 * structures go here. */
static void deadline_exit_queue(void *data) {
  struct deadline_data *dd = data;
  for (int dir = 0; dir < 2; dir++)
    g_sequence_free(dd->sort_list[dir]);
  g_free(dd);
}

/* Everything that steers future choices, by request id (never pointers). */
static void deadline_fingerprint(struct request_queue *q, fingerprint *fp) {
  struct deadline_data *dd = dd_of(q);
  for (int dir = 0; dir < 2; dir++) {
    fingerprint_i64(fp, dd->next_rq[dir] ? (int64_t)dd->next_rq[dir]->id : -1);
    for (GList *l = dd->fifo_list[dir].head; l; l = l->next) {
      const struct request *rq = l->data;
      fingerprint_i64(fp, (int64_t)rq->id);
      fingerprint_i64(fp, rq->fifo_time);
    }
    GSequenceIter *it = g_sequence_get_begin_iter(dd->sort_list[dir]);
    for (; !g_sequence_iter_is_end(it); it = g_sequence_iter_next(it))
      fingerprint_i64(
          fp, (int64_t)((const struct request *)g_sequence_get(it))->id);
  }
  fingerprint_i64(fp, dd->batching);
  fingerprint_i64(fp, dd->starved);
  fingerprint_i64(fp, dd->last_sector);
}

const struct elevator_type iosched_deadline = {
    .elevator_name = "deadline",
    .ops =
        {
            .elevator_merge_fn = deadline_merge,
            .elevator_merged_fn = deadline_merged_request,
            .elevator_merge_req_fn = deadline_merged_requests,
            .elevator_dispatch_fn = deadline_dispatch_requests,
            .elevator_add_req_fn = deadline_add_request,
            .elevator_former_req_fn = deadline_former_request,
            .elevator_latter_req_fn = deadline_latter_request,
            .elevator_init_fn = deadline_init_queue,
            .elevator_exit_fn = deadline_exit_queue,
            .elevator_fingerprint_fn = deadline_fingerprint,
        },
    .params = deadline_params,
    .cfg_size = sizeof(struct deadline_config),
};
