/* The block layer of one device: request allocation and its sleeps and
 * wake-ups, merging, the dispatch list, a SCSI-like driver, completions.
 * Elevator hooks go through the elevator_ops table.  See docs/model.md,
 * "The block layer". */
#include "models/blk.h"

#include <stdarg.h>
#include <string.h>

#include "models/elevator.h"
#include "sim/core/prefetch.h"

#define BLK_BATCH_REQ 32

static const char *const rw_class_name[2] = {"ASYNC", "SYNC"};

static int flags_sync(unsigned flags) {
  return (!(flags & REQ_WRITE) || (flags & REQ_SYNC)) ? BLK_RW_SYNC
                                                      : BLK_RW_ASYNC;
}

static const struct elevator_ops *elv(const struct request_queue *q) {
  return &q->elevator->ops;
}

/* Observers get the line only with the engine trace on: callers (CFQ)
 * skip formatting their arguments when it is off, so that is the one rule
 * under which every message reaches both. */
void blk_trace_printf(struct request_queue *q, const char *fmt, ...) {
  if (!sim_tracing(q->engine))
    return;
  va_list ap;
  va_start(ap, fmt);
  char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  sim_trace(q->engine, q->name, "%s", text);
  if (q->observer && q->observer->message)
    q->observer->message(q->observer_ctx, q, text);
  g_free(text);
}

void blk_set_observer(struct request_queue *q, const struct blk_observer *obs,
                      void *ctx) {
  q->observer = obs;
  q->observer_ctx = ctx;
}

static inline void blk_observe(const struct request_queue *q, blk_action a,
                               int64_t sector, uint32_t nr_sectors, unsigned rw,
                               const struct task *t) {
  if (q->observer && q->observer->action)
    q->observer->action(q->observer_ctx, q, a, sector, nr_sectors * 512u,
                        rw & (REQ_WRITE | REQ_SYNC | REQ_FLUSH | REQ_FUA), t);
}

static inline void blk_observe_rq(const struct request_queue *q, blk_action a,
                                  const struct request *rq) {
  blk_observe(q, a, rq->sector, rq->nr_sectors, rq->cmd_flags, rq->task);
}

static inline void blk_observe_bio(const struct request_queue *q, blk_action a,
                                   const struct bio *bio) {
  blk_observe(q, a, bio->sector, bio->nr_sectors, bio->rw, bio->task);
}

/* ---- set-up ---- */

static void blk_set_nr_requests(struct request_queue *q, int64_t nr) {
  q->nr_requests = nr;
  q->nr_congestion_on = nr - nr / 8 + 1;
  if (q->nr_congestion_on > nr)
    q->nr_congestion_on = nr;
  q->nr_congestion_off = nr - nr / 8 - nr / 16 - 1;
  if (q->nr_congestion_off < 1)
    q->nr_congestion_off = 1;
}

/* q's fields as a new queue's, in q's memory (zeroed, but for the name,
 * the hash buckets and the reuse list a reset keeps). */
static void blk_queue_init(struct request_queue *q, sim_engine *e,
                           const struct kernel_cfg *kernel,
                           const disk_ops *dops, void *disk, int depth,
                           uint32_t max_sectors, int nomerges, int cic_index) {
  q->engine = e;
  q->kernel = kernel;
  q->tick_ns = SIM_S / kernel->hz;
  blk_set_nr_requests(q, kernel->nr_requests);
  q->nr_batching = BLK_BATCH_REQ;
  g_queue_init(&q->rl.wait[0]);
  g_queue_init(&q->rl.wait[1]);
  g_queue_init(&q->queue_head);
  /* enough buckets for every request the lists allow to be short */
  unsigned bits = 6;
  while ((INT64_C(1) << bits) < 4 * q->nr_requests && bits < 20)
    bits++;
  if (q->hash && bits != q->hash_bits)
    g_clear_pointer(&q->hash, g_free);
  q->hash_bits = bits;
  /* A kept table is empty: blk_queue_release unhashed what it held. */
  if (!q->hash)
    q->hash = g_new0(struct request *, (gsize)1 << q->hash_bits);
  q->max_sectors = max_sectors;
  q->nomerges = nomerges;
  q->disk_ops = dops;
  q->disk = disk;
  q->nonrot = dops->nonrot;
  q->depth = depth;
  q->cic_index = cic_index;
  /* sd reports a write-back cache; libata sends no FUA (libata.fua=0) */
  if (dops->write_cache && dops->write_cache(disk))
    q->flush_flags = REQ_FLUSH;
  g_queue_init(&q->flush_queue[0]);
  g_queue_init(&q->flush_queue[1]);
  g_queue_init(&q->flush_data_in_flight);
  q->last_freed[0] = q->last_freed[1] = -1; /* never (a free at 0 ns is real) */
}

struct request_queue *blk_queue_new(sim_engine *e, const char *name,
                                    const struct kernel_cfg *kernel,
                                    const disk_ops *dops, void *disk, int depth,
                                    uint32_t max_sectors, int nomerges,
                                    int cic_index) {
  struct request_queue *q = g_new0(struct request_queue, 1);
  q->name = g_strdup(name);
  blk_queue_init(q, e, kernel, dops, disk, depth, max_sectors, nomerges,
                 cic_index);
  return q;
}

gboolean blk_queue_set_elevator(struct request_queue *q,
                                const struct elevator_type *e, const void *cfg,
                                GError **err) {
  q->elevator = e;
  q->elevator_data = e->ops.elevator_init_fn(q, cfg, err);
  return q->elevator_data != NULL;
}

static void hash_unlink(struct request *rq);

/* Everything q holds but its own memory, its name, its hash buckets and
 * its reuse list: the elevator (reset instead where it can be, for
 * `reset`), the live requests and their bios (to the reuse list), the
 * sleepers' links. */
static void blk_queue_release(struct request_queue *q, bool reset) {
  const struct elevator_ops *ops = q->elevator ? &q->elevator->ops : NULL;
  if (ops && reset && ops->elevator_reset_fn)
    ops->elevator_reset_fn(q->elevator_data);
  else if (ops && ops->elevator_exit_fn)
    ops->elevator_exit_fn(q->elevator_data);
  for (GList *l = q->live_requests.head, *next; l; l = next) {
    struct request *rq = l->data;
    next = l->next;
    /* Only live requests are hashed: unhashing them empties the buckets
     * a reset keeps, cheaper than clearing every bucket. */
    if (rq->hash_pprev)
      hash_unlink(rq);
    for (struct bio *b = rq->bio, *bn; b; b = bn) {
      bn = b->bi_next;
      g_free(b);
    }
#ifdef __SANITIZE_ADDRESS__
    g_free(rq);
#else
    rq->hash_next = q->free_rqs;
    q->free_rqs = rq;
#endif
  }
  g_queue_init(&q->live_requests);
  /* the wait queues link their tasks through the tasks themselves */
  for (int s = 0; s < 2; s++)
    for (GList *l = q->rl.wait[s].head; l; l = l->next)
      ((struct task *)l->data)->rl_wait = NULL;
}

void blk_queue_reset(struct request_queue *q, void *disk) {
  blk_queue_release(q, true);
  struct request_queue keep = *q;
  memset(q, 0, sizeof *q);
  q->name = keep.name;
  q->hash = keep.hash;
  q->hash_bits = keep.hash_bits;
  q->free_rqs = keep.free_rqs;
  q->free_bios = keep.free_bios;
  if (keep.elevator && keep.elevator->ops.elevator_reset_fn) {
    q->elevator = keep.elevator;
    q->elevator_data = keep.elevator_data;
  }
  blk_queue_init(q, keep.engine, keep.kernel, keep.disk_ops, disk, keep.depth,
                 keep.max_sectors, keep.nomerges, keep.cic_index);
}

void blk_queue_free(struct request_queue *q) {
  if (!q)
    return;
  blk_queue_release(q, false);
  g_free(q->hash);
  for (struct request *rq = q->free_rqs, *next; rq; rq = next) {
    next = rq->hash_next;
    g_free(rq);
  }
  for (struct bio *b = q->free_bios, *next; b; b = next) {
    next = b->bi_next;
    g_free(b);
  }
  g_free(q->name);
  g_free(q);
}

bool blk_uses_cic(const struct request_queue *q) {
  return elv(q)->elevator_set_req_fn != NULL;
}

bool blk_bio_uses_elevator(const struct bio *bio) {
  return !(bio->rw & (REQ_FLUSH | REQ_FUA));
}

uint32_t blk_queue_max_sectors(const struct request_queue *q) {
  return q->max_sectors;
}

/* ---- the merge hash: end sector -> requests, newest first ----
 * Intrusive chains (as the kernel's hlist): adding and removing touch the
 * request only; a lookup walks one bucket, skipping other end sectors. */

static struct request **hash_bucket(const struct request_queue *q,
                                    int64_t end) {
  uint64_t h = (uint64_t)end * UINT64_C(0x9E3779B97F4A7C15);
  return &q->hash[h >> (64 - q->hash_bits)];
}

static bool rq_mergeable(const struct request *rq) {
  return !(rq->cmd_flags &
           (REQ_NOMERGE | REQ_STARTED | REQ_FLUSH | REQ_FUA | REQ_FLUSH_SEQ));
}

static void hash_unlink(struct request *rq) {
  *rq->hash_pprev = rq->hash_next;
  if (rq->hash_next)
    rq->hash_next->hash_pprev = rq->hash_pprev;
  rq->hash_next = NULL;
  rq->hash_pprev = NULL;
}

static void elv_rqhash_add(struct request_queue *q, struct request *rq) {
  g_assert(!rq->hash_pprev);
  struct request **b = hash_bucket(q, rq_end_sector(rq));
  rq->hash_end = rq_end_sector(rq);
  rq->hash_next = *b;
  if (*b)
    (*b)->hash_pprev = &rq->hash_next;
  rq->hash_pprev = b;
  *b = rq;
}

/* Unhashes rq if it is hashed under `end`. */
static void hash_remove_at(struct request_queue *q, int64_t end,
                           struct request *rq) {
  (void)q;
  if (rq->hash_pprev && rq->hash_end == end)
    hash_unlink(rq);
}

void elv_rqhash_del(struct request_queue *q, struct request *rq) {
  hash_remove_at(q, rq_end_sector(rq), rq);
  if (q->last_merge == rq)
    q->last_merge = NULL;
}

/* ---- requests ---- */

/* Request memory only.  The ioc reference the request took at `lookup`
 * (get_io_context) is dropped by whoever owns it by then: cfq_put_request
 * for a request that made it into the elevator (__blk_put_request), or the
 * error tail of cfq_get_io_context in `link` for one that failed, so
 * `fail` frees the memory without touching the ioc (docs/model.md,
 * "Reference counts"). */
static void blk_free_request(struct request_queue *q, struct request *rq) {
  g_assert(!rq->hash_pprev);
  g_queue_unlink(&q->live_requests, &rq->live);
#ifdef __SANITIZE_ADDRESS__
  g_free(rq); /* no reuse: a use after free stays visible */
#else
  rq->hash_next = q->free_rqs;
  q->free_rqs = rq;
#endif
}

struct bio *blk_bio_get(struct request_queue *q) {
  struct bio *bio = q->free_bios;
  if (!bio)
    return g_new0(struct bio, 1);
  q->free_bios = bio->bi_next;
  return memset(bio, 0, sizeof *bio);
}

void blk_bio_put(struct request_queue *q, struct bio *bio) {
#ifdef __SANITIZE_ADDRESS__
  (void)q;
  g_free(bio); /* no reuse: a use after free stays visible */
#else
  bio->bi_next = q->free_bios;
  q->free_bios = bio;
#endif
}

void blk_task_prefetch(struct request_queue *q, const struct task *tsk) {
  prefetch_range(tsk, sizeof *tsk);
  prefetch(tsk->actor);
  prefetch_range(tsk->ioc, sizeof *tsk->ioc);
  if (q->elevator && q->elevator->ops.elevator_prefetch_fn)
    q->elevator->ops.elevator_prefetch_fn(q, tsk);
}

/* Zeroed request memory, a freed request's if one is kept. */
static struct request *blk_request_memory(struct request_queue *q) {
  struct request *rq = q->free_rqs;
  if (!rq)
    return g_new0(struct request, 1);
  q->free_rqs = rq->hash_next;
  memset(rq, 0, sizeof(*rq));
  return rq;
}

/* freed_request / __freed_request: the only ordinary wake-ups.
 * Every call looks at rl.wait[s], so it is the last event that could have
 * woken a class-s sleeper (hang reports): also when it comes from a free of
 * the other class while starved[s] is set (docs/model.md,
 * "Sleeping and wake-ups"). */
static void __freed_request(struct request_queue *q, int s) {
  struct request_list *rl = &q->rl;
  q->last_freed[s] = sim_now(q->engine);
  if (rl->count[s] < q->nr_congestion_off)
    q->congested[s] = false;
  if (rl->count[s] + 1 <= q->nr_requests) {
    GList *l = g_queue_pop_head_link(&rl->wait[s]);
    struct task *t = l ? l->data : NULL;
    if (t) {
      t->rl_wait = NULL;
      q->stats.wakeups++;
      blk_trace(q, "freed_request: wake %s from rl->wait[%s]", t->name,
                rw_class_name[s]);
      sim_actor_ready(t->actor);
    }
    q->full[s] = false;
  }
}

static void freed_request(struct request_queue *q, unsigned flags) {
  int s = flags_sync(flags);
  q->rl.count[s]--;
  __freed_request(q, s);
  if (q->rl.starved[s ^ 1])
    __freed_request(q, s ^ 1);
}

/* __blk_put_request for a request that goes away (completed or merged). */
static void __blk_put_request(struct request_queue *q, struct request *rq) {
  unsigned flags = rq->cmd_flags;
  if ((flags & REQ_ELVPRIV) && elv(q)->elevator_put_req_fn)
    elv(q)->elevator_put_req_fn(q, rq);
  if (rq->task)
    ioc_put(rq->task->ioc); /* cfq_put_request: get_io_context's reference */
  blk_free_request(q, rq);
  freed_request(q, flags);
}

/* ---- batching (docs/model.md, "Batching") ---- */

static bool ioc_batching(struct request_queue *q, struct io_context *ioc) {
  if (!ioc)
    return false;
  int64_t batch_time = q->kernel->hz / 50;
  return ioc->nr_batch_requests == q->nr_batching ||
         (ioc->nr_batch_requests > 0 &&
          blk_jiffies(q) < ioc->last_waited + batch_time);
}

static void ioc_set_batching(struct request_queue *q, struct io_context *ioc) {
  if (!ioc || ioc_batching(q, ioc))
    return;
  ioc->nr_batch_requests = (int)q->nr_batching;
  ioc->last_waited = blk_jiffies(q);
}

/* get_request's reservation (docs/model.md, "Request allocation").  On success the bio remembers whether
 * the task's ioc took part (it then spends a batching credit). */
static bool get_request(struct request_queue *q, struct bio *bio) {
  struct request_list *rl = &q->rl;
  int s = bio_is_sync(bio);
  struct io_context *ioc = NULL;
  int may = ELV_MQUEUE_MAY;
  if (elv(q)->elevator_may_queue_fn)
    may = elv(q)->elevator_may_queue_fn(q, bio->task, bio->rw);
  if (rl->count[s] + 1 >= q->nr_congestion_on) {
    if (rl->count[s] + 1 >= q->nr_requests) {
      ioc = bio->task->ioc;
      if (!q->full[s]) {
        ioc_set_batching(q, ioc);
        q->full[s] = true;
      } else if (may != ELV_MQUEUE_MUST && !ioc_batching(q, ioc)) {
        return false;
      }
    }
    q->congested[s] = true;
  }
  if (rl->count[s] >= 3 * q->nr_requests / 2)
    return false;
  rl->count[s]++;
  rl->starved[s] = 0;
  bio->batch_ioc = ioc != NULL;
  return true;
}

/* The failure tail of get_request_wait: queue at the tail, sleep. */
static void get_request_sleep(struct request_queue *q, struct bio *bio) {
  int s = bio_is_sync(bio);
  struct task *t = bio->task;
  g_assert(!t->rl_wait); /* asleep on one wait queue at a time */
  t->rl_link.data = t;
  t->rl_link.prev = t->rl_link.next = NULL;
  g_queue_push_tail_link(&q->rl.wait[s], &t->rl_link);
  t->rl_wait = &q->rl.wait[s];
  q->stats.sleeps++;
  blk_observe_bio(q, BLK_ACT_SLEEPRQ, bio);
  blk_trace(q, "get_request_wait: %s sleeps on rl->wait[%s]", bio->task->name,
            rw_class_name[s]);
  sim_actor_block(bio->task->actor, s ? "rl->wait[SYNC]" : "rl->wait[ASYNC]");
}

struct request *blk_alloc_request(struct request_queue *q, struct bio *bio) {
  struct request *rq = blk_request_memory(q);
  rq->id = ++q->next_rq_id;
  rq->q = q;
  rq->task = bio->task;
  rq->cmd_flags = bio->rw & (REQ_WRITE | REQ_SYNC | REQ_META | REQ_PRIO |
                             REQ_NOIDLE | REQ_FLUSH | REQ_FUA);
  if (blk_bio_uses_elevator(bio))
    rq->cmd_flags |= REQ_ELVPRIV;
  rq->start_time = blk_jiffies(q);
  rq->sector = bio->sector;
  rq->nr_sectors = bio->nr_sectors;
  rq->bio = rq->biotail = bio;
  rq->queuelist.data = rq;
  rq->live.data = rq;
  g_queue_push_tail_link(&q->live_requests, &rq->live);
  ioc_get(bio->task->ioc);
  q->stats.requests_allocated++;
  return rq;
}

/* ---- merging (docs/model.md, "Merging") ---- */

static bool elv_rq_merge_ok(struct request_queue *q, struct task *tsk,
                            struct request *rq, struct bio *bio) {
  if (!rq_mergeable(rq) || !(rq->cmd_flags & REQ_SORTED))
    return false;
  if (rq_data_dir(rq) != ((bio->rw & REQ_WRITE) ? WRITE : READ))
    return false;
  if (elv(q)->elevator_allow_merge_fn &&
      !elv(q)->elevator_allow_merge_fn(q, tsk, rq, bio))
    return false;
  return true;
}

static int elv_try_merge(struct request_queue *q, struct request *rq,
                         struct bio *bio) {
  if (!elv_rq_merge_ok(q, bio->task, rq, bio))
    return ELEVATOR_NO_MERGE;
  if (rq_end_sector(rq) == bio->sector)
    return ELEVATOR_BACK_MERGE;
  if (rq->sector - bio->nr_sectors == bio->sector)
    return ELEVATOR_FRONT_MERGE;
  return ELEVATOR_NO_MERGE;
}

static struct request *elv_rqhash_find(struct request_queue *q, int64_t end) {
  for (struct request *rq = *hash_bucket(q, end), *next; rq; rq = next) {
    next = rq->hash_next;
    if (rq->hash_end != end)
      continue;
    if (rq_mergeable(rq))
      return rq;
    hash_unlink(rq); /* no longer mergeable: drop it */
  }
  return NULL;
}

static int elv_merge(struct request_queue *q, struct request **out,
                     struct bio *bio) {
  if (q->nomerges == 2)
    return ELEVATOR_NO_MERGE;
  if (q->last_merge) {
    int kind = elv_try_merge(q, q->last_merge, bio);
    if (kind != ELEVATOR_NO_MERGE) {
      *out = q->last_merge;
      return kind;
    }
  }
  if (q->nomerges == 1)
    return ELEVATOR_NO_MERGE;
  struct request *rq = elv_rqhash_find(q, bio->sector);
  if (rq && elv_rq_merge_ok(q, bio->task, rq, bio)) {
    *out = rq;
    return ELEVATOR_BACK_MERGE;
  }
  if (elv(q)->elevator_merge_fn)
    return elv(q)->elevator_merge_fn(q, bio->task, out, bio);
  return ELEVATOR_NO_MERGE;
}

static bool bio_attempt_merge(struct request_queue *q, struct request *rq,
                              struct bio *bio, bool front) {
  if (rq->nr_sectors + bio->nr_sectors > q->max_sectors) {
    rq->cmd_flags |= REQ_NOMERGE;
    if (q->last_merge == rq)
      q->last_merge = NULL;
    return false;
  }
  if (front) {
    bio->bi_next = rq->bio;
    rq->bio = bio;
    rq->sector = bio->sector;
  } else {
    rq->biotail->bi_next = bio;
    rq->biotail = bio;
  }
  rq->nr_sectors += bio->nr_sectors;
  q->stats.bio_merges++;
  return true;
}

/* Glue `next` onto the end of `req` (attempt_merge). */
static bool attempt_merge(struct request_queue *q, struct request *req,
                          struct request *next) {
  if (!req || !next || !rq_mergeable(req) || !rq_mergeable(next))
    return false;
  if (rq_end_sector(req) != next->sector ||
      rq_data_dir(req) != rq_data_dir(next))
    return false;
  if (req->nr_sectors + next->nr_sectors > q->max_sectors)
    return false;
  if (next->start_time < req->start_time)
    req->start_time = next->start_time;
  int64_t old_end = rq_end_sector(req);
  req->biotail->bi_next = next->bio;
  req->biotail = next->biotail;
  req->nr_sectors += next->nr_sectors;
  next->bio = next->biotail = NULL;
  /* elv_merge_requests */
  if ((next->cmd_flags & REQ_SORTED) && elv(q)->elevator_merge_req_fn)
    elv(q)->elevator_merge_req_fn(q, req, next);
  hash_remove_at(q, old_end, req);
  elv_rqhash_add(q, req);
  if (next->cmd_flags & REQ_SORTED) {
    elv_rqhash_del(q, next);
    q->nr_sorted--;
  }
  q->last_merge = req;
  blk_trace(q,
            "merge: request %" G_GUINT64_FORMAT " absorbs %" G_GUINT64_FORMAT,
            req->id, next->id);
  q->stats.requests_merged_away++;
  __blk_put_request(q, next);
  return true;
}

static void elv_merged_request(struct request_queue *q, struct request *rq,
                               int kind) {
  if (elv(q)->elevator_merged_fn)
    elv(q)->elevator_merged_fn(q, rq, kind);
  q->last_merge = rq;
}

blk_submit_result blk_step_submit(struct request_queue *q, struct bio *bio) {
  struct request *rq = NULL;
  blk_observe_bio(q, BLK_ACT_QUEUE, bio);
  /* generic_make_request_checks: a device without a volatile cache needs
   * no flush, so the flags go and an empty flush is done at once */
  if ((bio->rw & (REQ_FLUSH | REQ_FUA)) && !q->flush_flags) {
    bio->rw &= ~(REQ_FLUSH | REQ_FUA);
    if (bio->nr_sectors == 0) {
      blk_trace(q, "%s: flush ends at once: no write cache", bio->task->name);
      bio->bi_end_io(bio);
      return BLK_SUBMIT_ENDED;
    }
  }
  /* Flush and FUA bios never merge (they go the flush way). */
  int kind =
      blk_bio_uses_elevator(bio) ? elv_merge(q, &rq, bio) : ELEVATOR_NO_MERGE;
  if (kind == ELEVATOR_BACK_MERGE) {
    int64_t old_end = rq_end_sector(rq);
    if (bio_attempt_merge(q, rq, bio, false)) {
      hash_remove_at(q, old_end, rq); /* re-hash under the new end */
      elv_rqhash_add(q, rq);
      blk_observe_bio(q, BLK_ACT_BACKMERGE, bio);
      blk_trace(q, "%s: bio back-merged into request %" G_GUINT64_FORMAT,
                bio->task->name, rq->id);
      struct request *next = elv(q)->elevator_latter_req_fn
                                 ? elv(q)->elevator_latter_req_fn(q, rq)
                                 : NULL;
      if (!attempt_merge(q, rq, next))
        elv_merged_request(q, rq, kind);
      return BLK_SUBMIT_MERGED;
    }
  } else if (kind == ELEVATOR_FRONT_MERGE) {
    if (bio_attempt_merge(q, rq, bio, true)) {
      blk_observe_bio(q, BLK_ACT_FRONTMERGE, bio);
      blk_trace(q, "%s: bio front-merged into request %" G_GUINT64_FORMAT,
                bio->task->name, rq->id);
      struct request *prev = elv(q)->elevator_former_req_fn
                                 ? elv(q)->elevator_former_req_fn(q, rq)
                                 : NULL;
      if (!attempt_merge(q, prev, rq))
        elv_merged_request(q, rq, kind);
      return BLK_SUBMIT_MERGED;
    }
  }
  if (get_request(q, bio)) {
    blk_trace(q, "%s: get_request reserved rl->count[%s]=%d", bio->task->name,
              rw_class_name[bio_is_sync(bio)], q->rl.count[bio_is_sync(bio)]);
    return BLK_SUBMIT_RESERVED;
  }
  get_request_sleep(q, bio);
  return BLK_SUBMIT_SLEEP;
}

blk_submit_result blk_step_retry(struct request_queue *q, struct bio *bio) {
  ioc_set_batching(q, bio->task->ioc);
  /* still queued if something other than freed_request woke it */
  struct task *t = bio->task;
  if (t->rl_wait == &q->rl.wait[bio_is_sync(bio)]) {
    g_queue_unlink(t->rl_wait, &t->rl_link);
    t->rl_wait = NULL;
  }
  if (get_request(q, bio)) {
    blk_trace(q, "%s: get_request (retry) reserved rl->count[%s]=%d",
              bio->task->name, rw_class_name[bio_is_sync(bio)],
              q->rl.count[bio_is_sync(bio)]);
    return BLK_SUBMIT_RESERVED;
  }
  get_request_sleep(q, bio);
  return BLK_SUBMIT_SLEEP;
}

static void blk_insert_flush(struct request_queue *q, struct request *rq);

void blk_step_queue(struct request_queue *q, struct request *rq,
                    struct cfq_io_context *cic) {
  if ((rq->cmd_flags & REQ_ELVPRIV) && elv(q)->elevator_set_req_fn) {
    int ret = elv(q)->elevator_set_req_fn(q, rq, rq->task, cic);
    g_assert(ret == 0); /* with a cic in hand, cfq_set_request cannot fail */
  } else {
    rq->cmd_flags &= ~REQ_ELVPRIV;
  }
  /* Only now is the request allocated (the elevator's set_request is part
   * of the allocation): a reservation that `fail` gives back shows in the
   * trace as Q then S, with no G. */
  blk_observe_bio(q, BLK_ACT_GETRQ, rq->bio);
  if (rq->bio->batch_ioc && ioc_batching(q, rq->task->ioc))
    rq->task->ioc->nr_batch_requests--;
  if (rq->cmd_flags & (REQ_FLUSH | REQ_FUA)) {
    blk_observe_rq(q, BLK_ACT_INSERT, rq);
    blk_trace(q,
              "%s: insert request %" G_GUINT64_FORMAT " %c %" G_GINT64_FORMAT
              "+%u for the flush sequence",
              rq->task->name, rq->id, rq_data_dir(rq) == WRITE ? 'W' : 'R',
              rq->sector, rq->nr_sectors);
    blk_insert_flush(q, rq);
    __blk_run_queue(q);
    return;
  }
  /* __elv_add_request(ELEVATOR_INSERT_SORT) */
  if (q->nr_sorted || q->queue_head.length)
    q->stats.position_decisions++;
  rq->cmd_flags |= REQ_SORTED;
  q->nr_sorted++;
  if (rq_mergeable(rq)) {
    elv_rqhash_add(q, rq);
    if (!q->last_merge)
      q->last_merge = rq;
  }
  blk_observe_rq(q, BLK_ACT_INSERT, rq);
  blk_trace(
      q, "%s: insert request %" G_GUINT64_FORMAT " %c %" G_GINT64_FORMAT "+%u",
      rq->task->name, rq->id, rq_data_dir(rq) == WRITE ? 'W' : 'R', rq->sector,
      rq->nr_sectors);
  elv(q)->elevator_add_req_fn(q, rq);
  __blk_run_queue(q);
}

void blk_step_fail(struct request_queue *q, struct request *rq) {
  struct bio *bio = rq->bio;
  unsigned flags = rq->cmd_flags;
  int s = flags_sync(flags);
  if (elv(q)->elevator_set_req_failed_fn)
    elv(q)->elevator_set_req_failed_fn(q);
  blk_free_request(q, rq);
  /* Undo the reservation: may wake another sleeper, never this task (it is
   * not on the wait queue yet), so for this task's hang report the undo is
   * not a missed wake-up: keep the times of the frees before it. */
  sim_time before[2] = {q->last_freed[0], q->last_freed[1]};
  freed_request(q, flags);
  q->last_freed[0] = before[0];
  q->last_freed[1] = before[1];
  if (q->rl.count[s] == 0)
    q->rl.starved[s] = 1;
  get_request_sleep(q, bio);
}

/* ---- cache flushes (blk-flush) ----
 *
 * A request carrying REQ_FLUSH and/or REQ_FUA goes through up to three
 * steps: a flush before its data (REQ_FLUSH), its data, and a flush after
 * (REQ_FUA on a device without native FUA, the libata default).  Flush
 * steps of many requests share one flush: the requests wait on the pending
 * list until none is at the device, and a pending flush is not issued
 * while data of such requests is in flight unless it has waited
 * FLUSH_PENDING_TIMEOUT.  Neither the flush nor the data of a sequence
 * goes through the elevator. */

#define FSEQ_PREFLUSH (1u << 0)
#define FSEQ_DATA (1u << 1)
#define FSEQ_POSTFLUSH (1u << 2)
#define FSEQ_DONE (1u << 3)
#define FSEQ_ACTIONS (FSEQ_PREFLUSH | FSEQ_DATA | FSEQ_POSTFLUSH)
#define FLUSH_PENDING_TIMEOUT_S 5

static unsigned flush_policy(const struct request_queue *q,
                             const struct request *rq) {
  unsigned policy = 0;
  if (rq->nr_sectors)
    policy |= FSEQ_DATA;
  if (q->flush_flags & REQ_FLUSH) {
    if (rq->cmd_flags & REQ_FLUSH)
      policy |= FSEQ_PREFLUSH;
    if (!(q->flush_flags & REQ_FUA) && (rq->cmd_flags & REQ_FUA))
      policy |= FSEQ_POSTFLUSH;
  }
  return policy;
}

static unsigned flush_next_step(const struct request *rq) {
  static const unsigned order[] = {FSEQ_PREFLUSH, FSEQ_DATA, FSEQ_POSTFLUSH};
  for (guint i = 0; i < G_N_ELEMENTS(order); i++)
    if (!(rq->flush_seq & order[i]))
      return order[i];
  return FSEQ_DONE;
}

static void flush_list_move(struct request *rq, GQueue *to) {
  if (rq->flush_list)
    g_queue_unlink(rq->flush_list, &rq->flush_node);
  rq->flush_list = to;
  if (to)
    g_queue_push_tail_link(to, &rq->flush_node);
}

static void flush_end_io(struct request *flush_rq);

/* Issue the pending flush if it may go; true if it was put on the
 * dispatch list. */
static bool flush_kick(struct request_queue *q) {
  GQueue *pending = &q->flush_queue[q->flush_pending_idx];
  if (q->flush_pending_idx != q->flush_running_idx || g_queue_is_empty(pending))
    return false;
  if (!g_queue_is_empty(&q->flush_data_in_flight) &&
      blk_jiffies(q) < q->flush_pending_since +
                           (int64_t)FLUSH_PENDING_TIMEOUT_S * q->kernel->hz)
    return false;
  const struct request *first = pending->head->data;
  struct request *f = &q->flush_rq;
  *f = (struct request){
      .id = ++q->next_rq_id,
      .q = q,
      .cmd_flags =
          REQ_WRITE | REQ_SYNC | REQ_NOIDLE | REQ_FLUSH | REQ_FLUSH_SEQ,
      .start_time = blk_jiffies(q),
      .task = first->task,
      .end_io = flush_end_io,
      .dispatched_at = sim_now(q->engine),
  };
  f->queuelist.data = f;
  q->flush_pending_idx ^= 1;
  blk_trace(q, "flush: request %" G_GUINT64_FORMAT " for %u waiting", f->id,
            pending->length);
  g_queue_push_tail_link(&q->queue_head, &f->queuelist);
  return true;
}

static void blk_end_request_all(struct request_queue *q, struct request *rq);

/* Record `seq` as done and move rq on to its next step; true if that put
 * something on the dispatch list (the queue must be run). */
static bool flush_complete_seq(struct request_queue *q, struct request *rq,
                               unsigned seq) {
  bool queued = false;
  rq->flush_seq |= seq;
  switch (flush_next_step(rq)) {
  case FSEQ_PREFLUSH:
  case FSEQ_POSTFLUSH: {
    GQueue *pending = &q->flush_queue[q->flush_pending_idx];
    if (g_queue_is_empty(pending))
      q->flush_pending_since = blk_jiffies(q);
    flush_list_move(rq, pending);
    break;
  }
  case FSEQ_DATA:
    flush_list_move(rq, &q->flush_data_in_flight);
    rq->dispatched_at = sim_now(q->engine);
    g_queue_push_head_link(&q->queue_head, &rq->queuelist);
    queued = true;
    break;
  default:
    flush_list_move(rq, NULL);
    rq->cmd_flags &= ~REQ_FLUSH_SEQ;
    rq->end_io = NULL;
    blk_end_request_all(q, rq);
    break;
  }
  bool kicked = flush_kick(q);
  return kicked || queued;
}

static void flush_end_io(struct request *flush_rq) {
  struct request_queue *q = flush_rq->q;
  GQueue *running = &q->flush_queue[q->flush_running_idx];
  q->flush_running_idx ^= 1;
  bool queued = false;
  while (!g_queue_is_empty(running)) {
    struct request *rq = running->head->data;
    queued |= flush_complete_seq(q, rq, flush_next_step(rq));
  }
  if (queued)
    kblockd_schedule_work(q);
}

static void flush_data_end_io(struct request *rq) {
  if (flush_complete_seq(rq->q, rq, FSEQ_DATA))
    kblockd_schedule_work(rq->q);
}

static void blk_insert_flush(struct request_queue *q, struct request *rq) {
  unsigned policy = flush_policy(q, rq);
  /* what the driver sees: no native FUA, and the flush is a step of its own */
  rq->cmd_flags &= ~REQ_FLUSH;
  if (!(q->flush_flags & REQ_FUA))
    rq->cmd_flags &= ~REQ_FUA;
  if (policy == FSEQ_DATA) {
    rq->dispatched_at = sim_now(q->engine);
    g_queue_push_tail_link(&q->queue_head, &rq->queuelist);
    return;
  }
  rq->flush_seq = 0;
  rq->flush_node.data = rq;
  rq->cmd_flags |= REQ_FLUSH_SEQ;
  rq->end_io = flush_data_end_io;
  flush_complete_seq(q, rq, FSEQ_ACTIONS & ~policy);
}

/* ---- the dispatch list and the driver (docs/model.md, "The driver") ---- */

void elv_dispatch_sort(struct request_queue *q, struct request *rq) {
  elv_rqhash_del(q, rq);
  q->nr_sorted--;
  int64_t b = q->end_sector;
  GList *pos = q->queue_head.tail;
  for (; pos; pos = pos->prev) {
    struct request *e = pos->data;
    if (rq_data_dir(e) != rq_data_dir(rq) || (e->cmd_flags & REQ_STARTED))
      break;
    if (rq->sector >= b) {
      if (e->sector < b)
        continue;
    } else if (e->sector >= b) {
      break;
    }
    if (rq->sector >= e->sector)
      break;
  }
  rq->dispatched_at = sim_now(q->engine);
  if (pos)
    g_queue_insert_after_link(&q->queue_head, pos, &rq->queuelist);
  else
    g_queue_push_head_link(&q->queue_head, &rq->queuelist);
}

void elv_dispatch_add_tail(struct request_queue *q, struct request *rq) {
  elv_rqhash_del(q, rq);
  q->nr_sorted--;
  q->end_sector = rq_end_sector(rq);
  q->boundary_rq = rq;
  rq->dispatched_at = sim_now(q->engine);
  g_queue_push_tail_link(&q->queue_head, &rq->queuelist);
}

static struct request *blk_peek_request(struct request_queue *q) {
  for (;;) {
    struct request *rq;
    if (q->queue_head.head) {
      rq = q->queue_head.head->data;
    } else {
      if (elv(q)->elevator_dispatch_fn(q, 0) == 0)
        return NULL;
      continue;
    }
    if (!(rq->cmd_flags & REQ_STARTED)) {
      if ((rq->cmd_flags & REQ_SORTED) && elv(q)->elevator_activate_req_fn)
        elv(q)->elevator_activate_req_fn(q, rq);
      rq->cmd_flags |= REQ_STARTED;
    }
    if (!q->boundary_rq || q->boundary_rq == rq) {
      q->end_sector = rq_end_sector(rq);
      q->boundary_rq = NULL;
    }
    return rq;
  }
}

static void blk_complete_request(disk_cmd *cmd);

static void blk_start_request(struct request_queue *q, struct request *rq) {
  g_queue_unlink(&q->queue_head, &rq->queuelist);
  q->in_flight[rq_is_sync(rq)]++;
  q->dev_in_flight++;
  rq->cmd = (disk_cmd){.sector = rq->sector,
                       .nr_sectors = rq->nr_sectors,
                       .write = rq_data_dir(rq) == WRITE,
                       .flush = (rq->cmd_flags & REQ_FLUSH) != 0,
                       .done = blk_complete_request,
                       .owner = rq,
                       .pid = rq->task ? rq->task->pid : -1};
  if (rq->cmd.flush)
    q->dev_flushing = true;
  blk_observe_rq(q, BLK_ACT_ISSUE, rq);
  blk_trace(
      q,
      "driver: issue request %" G_GUINT64_FORMAT " %c %" G_GINT64_FORMAT "+%u",
      rq->id, rq_data_dir(rq) == WRITE ? 'W' : 'R', rq->sector, rq->nr_sectors);
  q->disk_ops->submit(q->disk, &rq->cmd);
}

/* request_fn of a SCSI-like driver: peek first, then check capacity, so a
 * full device leaves one activated request at the head. */
void __blk_run_queue(struct request_queue *q) {
  for (;;) {
    struct request *rq = blk_peek_request(q);
    if (!rq || q->dev_in_flight >= q->depth)
      break;
    /* libata defers a non-queued command (FLUSH CACHE) until the device
     * has nothing else, and any command while one runs */
    if (q->dev_flushing || ((rq->cmd_flags & REQ_FLUSH) && q->dev_in_flight))
      break;
    blk_start_request(q, rq);
  }
}

static void kblockd_work(void *arg) {
  struct request_queue *q = arg;
  q->kblockd_pending = false;
  blk_trace(q, "kblockd: run queue");
  __blk_run_queue(q);
}

void kblockd_schedule_work(struct request_queue *q) {
  if (q->kblockd_pending)
    return;
  q->kblockd_pending = true;
  sim_post(q->engine, sim_now(q->engine), "kblockd", kblockd_work, q);
}

/* Device completion (docs/model.md, "Completion"): end the bios (waking their submitters),
 * the elevator's completion hook, free the request (waking allocators),
 * then the driver runs the queue again. */
static void blk_complete_request(disk_cmd *cmd) {
  struct request *rq = cmd->owner;
  struct request_queue *q = rq->q;
  q->dev_in_flight--;
  if (cmd->flush) {
    q->dev_flushing = false;
    q->stats.flushes++;
  }
  q->stats.completed++;
  q->stats.bytes_completed += blk_rq_bytes(rq);
  blk_observe_rq(q, BLK_ACT_COMPLETE, rq);
  blk_trace(
      q, "complete request %" G_GUINT64_FORMAT " %c %" G_GINT64_FORMAT "+%u",
      rq->id, rq_data_dir(rq) == WRITE ? 'W' : 'R', rq->sector, rq->nr_sectors);
  if (q->on_complete)
    q->on_complete(q->on_complete_ctx, rq);
  q->in_flight[rq_is_sync(rq)]--;
  if (rq->end_io)
    rq->end_io(rq); /* a step of a flush sequence */
  else
    blk_end_request_all(q, rq);
  __blk_run_queue(q);
}

/* End the request's bios (waking their submitters), the elevator's
 * completion hook, and free the request (waking allocators). */
static void blk_end_request_all(struct request_queue *q, struct request *rq) {
  for (struct bio *bio = rq->bio, *next; bio; bio = next) {
    next = bio->bi_next;
    bio->bi_next = NULL;
    bio->bi_end_io(bio);
  }
  rq->bio = rq->biotail = NULL;
  if ((rq->cmd_flags & REQ_SORTED) && elv(q)->elevator_completed_req_fn)
    elv(q)->elevator_completed_req_fn(q, rq);
  __blk_put_request(q, rq);
}

/* ---- exploration fingerprint ---- */

/* A request as it would look in any interleaving that made it. */
void blk_fingerprint_rq(fingerprint *fp, const struct request *rq) {
  if (!rq) {
    fingerprint_i64(fp, -1);
    return;
  }
  /* one array fed whole: a store per field, not a feed */
  int64_t v[] = {fingerprint_map_pid(fp, rq->task ? rq->task->pid : -1),
                 fingerprint_map_sector(fp, rq->sector),
                 rq->nr_sectors,
                 rq->cmd_flags,
                 rq->start_time,
                 rq->fifo_time};
  fingerprint_bytes(fp, v, sizeof v);
}

/* By pid and sector as the fingerprint's map relabels them. */
static gint rq_cmp_stable(gconstpointer a, gconstpointer b, gpointer fpp) {
  const fingerprint *fp = fpp;
  const struct request *x = *(struct request *const *)a;
  const struct request *y = *(struct request *const *)b;
  int64_t px = fingerprint_map_pid(fp, x->task ? x->task->pid : -1),
          py = fingerprint_map_pid(fp, y->task ? y->task->pid : -1);
  if (px != py)
    return px < py ? -1 : 1;
  int64_t sx = fingerprint_map_sector(fp, x->sector),
          sy = fingerprint_map_sector(fp, y->sector);
  if (sx != sy)
    return sx < sy ? -1 : 1;
  return (x->nr_sectors > y->nr_sectors) - (x->nr_sectors < y->nr_sectors);
}

void blk_fingerprint(const struct request_queue *q, fingerprint *fp) {
  for (int s = 0; s < 2; s++) {
    int64_t v[] = {q->rl.count[s],  q->rl.starved[s], q->full[s],
                   q->congested[s], q->in_flight[s],  q->rl.wait[s].length};
    fingerprint_bytes(fp, v, sizeof v);
    for (GList *l = q->rl.wait[s].head; l; l = l->next)
      fingerprint_pid(fp, ((const struct task *)l->data)->pid);
  }
  int64_t v[] = {q->nr_sorted, q->dev_in_flight, q->dev_flushing,
                 q->flush_pending_idx != q->flush_running_idx,
                 q->flush_pending_since};
  fingerprint_bytes(fp, v, sizeof v);
  const GQueue *fl[] = {&q->flush_queue[q->flush_pending_idx],
                        &q->flush_queue[q->flush_running_idx],
                        &q->flush_data_in_flight};
  for (guint i = 0; i < G_N_ELEMENTS(fl); i++) {
    fingerprint_i64(fp, (int64_t)fl[i]->length);
    for (GList *l = fl[i]->head; l; l = l->next)
      blk_fingerprint_rq(fp, l->data);
  }
  fingerprint_i64(fp, q->kblockd_pending);
  fingerprint_sector(fp, q->end_sector);
  blk_fingerprint_rq(fp, q->boundary_rq);
  blk_fingerprint_rq(fp, q->last_merge);
  fingerprint_i64(fp, (int64_t)q->queue_head.length);
  for (GList *l = q->queue_head.head; l; l = l->next)
    blk_fingerprint_rq(fp, l->data);
  GPtrArray *live = fingerprint_scratch(fp);
  for (GList *l = q->live_requests.head; l; l = l->next)
    g_ptr_array_add(live, l->data);
  g_ptr_array_sort_with_data(live, rq_cmp_stable, fp);
  fingerprint_i64(fp, (int64_t)live->len);
  for (guint i = 0; i < live->len; i++)
    blk_fingerprint_rq(fp, g_ptr_array_index(live, i));
}
