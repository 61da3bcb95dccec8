/* A process issuing I/O as explicit kernel-path steps
 * (docs/model.md, "Kernel-path steps").
 * Each step is atomic; between two steps the engine may run other
 * processes' steps or deliver events. */
#include "models/proc.h"

#include <gsl/gsl_randist.h>

#include "sim/core/rng.h"

typedef enum {
  STEP_SUBMIT, STEP_LOOKUP, STEP_ALLOC_CIC, STEP_LINK, STEP_QUEUE, STEP_FAIL,
  STEP_RETRY, STEP_UNPLUG, STEP_IO_WAIT, STEP_EXIT, STEP_NONE
} proc_step;

static const char *const step_names[] = {
  "submit", "lookup", "alloc_cic", "link", "queue", "fail",
  "retry", "unplug", "io_wait", "exit", "none"};

/* One application I/O.  A bio holds at most the queue's max_sectors, so a
 * larger I/O goes down as several bios, one after the other (as direct
 * I/O builds them), and ends when its last bio ends. */
typedef struct proc_io {
  proc *p;
  int64_t sector;
  uint32_t nr_sectors;
  unsigned rw;
  sim_time submitted;
  uint32_t sent;           /* sectors already in bios */
  int bios;                /* bios submitted and not ended */
} proc_io;

struct proc {
  sim_engine *engine;
  struct task *task;
  proc_job job;
  struct request_queue *q;
  uint64_t seed;
  gsl_rng *rng_;           /* see rng() */
  int64_t draws;           /* rng() calls: with the seed, its whole state */
  proc_io_done_fn done;
  void *done_ctx;

  proc_step next;
  bool first_lookup;       /* the lookup also allocates the request */
  struct bio *bio;         /* the I/O on its way down */
  struct request *rq;
  struct cfq_io_context *cic;

  int64_t issued;          /* I/Os started (submitted) */
  int64_t issued_sectors;
  int64_t seq_pos;         /* next sequential offset within the region */
  int in_flight;
  GArray *in_flight_since; /* sim_time: each unended bio's submit (reports) */
  int completions;         /* ended I/Os not yet seen by io_wait */
  proc_io *io;             /* the I/O whose bios are being submitted */
  GPtrArray *ios;          /* every proc_io not yet ended (teardown) */
  bool finished;
  sim_timer think_timer;
};

static gsl_rng *rng(proc *p) {
  p->draws++;
  if (!p->rng_)
    p->rng_ = sim_rng_new(p->seed, p->task->name);
  return p->rng_;
}

static const char *proc_next_step(void *self) {
  return step_names[((proc *)self)->next];
}

/* The kernel may be preempted or sleep before lookup (first time),
 * alloc_cic, link and queue: docs/model.md, "Delayable steps". */
static bool proc_delayable(void *self) {
  proc *p = self;
  switch (p->next) {
  case STEP_LOOKUP: return p->first_lookup;
  case STEP_ALLOC_CIC:
  case STEP_LINK:
  case STEP_QUEUE: return true;
  default: return false;
  }
}

static bool more_to_issue(const proc *p) {
  const proc_job *j = &p->job;
  if (j->count && p->issued >= j->count)
    return false;
  if (j->io_size && p->issued_sectors >= j->io_size)
    return false;
  /* now >= start here: the difference cannot wrap as the sum could. */
  if (j->runtime && sim_now(p->engine) - j->start >= j->runtime)
    return false;
  return true;
}

static void go(proc *p, proc_step s) {
  p->next = s;
  sim_actor_ready(p->task->actor);
}

static void wait_for(proc *p, proc_step s) {
  p->next = s;
  sim_actor_block(p->task->actor, NULL);
}

static void think_done(void *arg) { go(arg, STEP_SUBMIT); }

static sim_time think_time(proc *p) {
  if (!p->job.think_exp)
    return p->job.think;
  double t = gsl_ran_exponential(rng(p), (double)p->job.think);
  return t < (double)G_MAXINT64 ? (sim_time)t : G_MAXINT64;
}

/* now + d, saturating: a think time near the end of time stays there
 * instead of wrapping into the past. */
static sim_time time_after(sim_time now, sim_time d) {
  return d > G_MAXINT64 - now ? G_MAXINT64 : now + d;
}

/* What a process does once an I/O is on its way (or after io_wait). */
static void after_issue(proc *p) {
  if (p->io) { /* the rest of this I/O goes down at once */
    go(p, STEP_SUBMIT);
    return;
  }
  bool more = more_to_issue(p);
  if (more && p->in_flight < p->job.iodepth && p->job.think == 0) {
    go(p, STEP_SUBMIT);
  } else if (p->in_flight > 0) {
    if (p->completions > 0)
      go(p, STEP_IO_WAIT);
    else
      wait_for(p, STEP_IO_WAIT);
  } else if (more) {
    p->next = STEP_SUBMIT;
    sim_actor_block(p->task->actor, NULL);
    sim_timer_mod(&p->think_timer, time_after(sim_now(p->engine), think_time(p)));
  } else {
    go(p, STEP_EXIT);
  }
}

/* Bios end out of order; at most iodepth are in flight. */
static void forget_in_flight(proc *p, sim_time submitted) {
  GArray *a = p->in_flight_since;
  for (guint i = 0; i < a->len; i++)
    if (g_array_index(a, sim_time, i) == submitted) {
      g_array_remove_index_fast(a, i);
      return;
    }
  g_assert_not_reached();
}

static void bio_end(struct bio *bio) {
  proc_io *io = bio->private;
  proc *p = io->p;
  g_free(bio);
  if (--io->bios > 0 || io->sent < io->nr_sectors)
    return;
  p->in_flight--;
  forget_in_flight(p, io->submitted);
  p->completions++;
  if (p->done) {
    /* observers see the application I/O as one bio spanning it */
    struct bio whole = {.sector = io->sector, .nr_sectors = io->nr_sectors,
                        .rw = io->rw, .task = p->task,
                        .submitted = io->submitted};
    p->done(p->done_ctx, p, &whole);
  }
  g_ptr_array_remove_fast(p->ios, io); /* frees it */
  if (p->next == STEP_IO_WAIT &&
      sim_actor_get_state(p->task->actor) == SIM_ACTOR_BLOCKED)
    sim_actor_ready(p->task->actor);
}

/* A block in [0, blocks), every one equally likely.  One draw covers
 * gsl_rng_uniform_int's range (2^32 - 1 with mt19937: 16 TiB of 4 KiB
 * blocks); beyond it two draws make 64 bits, the excess rejected. */
static int64_t uniform_block(gsl_rng *r, int64_t blocks) {
  unsigned long range = gsl_rng_max(r) - gsl_rng_min(r);
  if ((uint64_t)blocks <= range)
    return (int64_t)gsl_rng_uniform_int(r, (unsigned long)blocks);
  uint64_t n = (uint64_t)blocks;
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  for (;;) {
    uint64_t hi = gsl_rng_get(r) - gsl_rng_min(r);
    uint64_t lo = gsl_rng_get(r) - gsl_rng_min(r);
    uint64_t v = hi << 32 | (lo & 0xffffffffu);
    if (v < limit)
      return (int64_t)(v % n);
  }
}

/* Draw the next application I/O of the job. */
static proc_io *make_io(proc *p) {
  const proc_job *j = &p->job;
  proc_io *io = g_new0(proc_io, 1);
  bool write = j->rw == PROC_RW_WRITE;
  if (j->rw == PROC_RW_MIXED)
    write = (int)gsl_rng_uniform_int(rng(p), 100) >= j->rwmixread;
  int64_t blocks = j->size / j->bs_sectors;
  g_assert(blocks > 0);
  int64_t block;
  if (j->random) {
    block = uniform_block(rng(p), blocks);
  } else {
    block = p->seq_pos % blocks;
    p->seq_pos++;
  }
  io->p = p;
  io->sector = j->offset + block * j->bs_sectors;
  io->nr_sectors = j->bs_sectors;
  io->rw = write ? (REQ_WRITE | (j->sync_writes ? REQ_SYNC : 0)) : 0;
  io->submitted = sim_now(p->engine);
  g_ptr_array_add(p->ios, io);
  return io;
}

/* The next bio of the current I/O: no larger than the queue takes. */
static struct bio *make_bio(proc *p) {
  proc_io *io = p->io;
  struct bio *bio = g_new0(struct bio, 1);
  uint32_t n = MIN(io->nr_sectors - io->sent, blk_queue_max_sectors(p->q));
  bio->sector = io->sector + io->sent;
  bio->nr_sectors = n;
  bio->rw = io->rw;
  bio->task = p->task;
  bio->submitted = sim_now(p->engine);
  bio->bi_end_io = bio_end;
  bio->private = io;
  io->sent += n;
  io->bios++;
  if (io->sent == io->nr_sectors)
    p->io = NULL;
  return bio;
}

static void after_reservation(proc *p, blk_submit_result r) {
  if (r == BLK_SUBMIT_RESERVED) {
    p->first_lookup = true;
    go(p, STEP_LOOKUP);
  } else {
    p->next = STEP_RETRY; /* asleep on rl->wait; freed_request wakes us */
  }
}

static void step_submit(proc *p) {
  if (!p->io) {
    p->io = make_io(p);
    p->issued++;
    p->issued_sectors += p->io->nr_sectors;
    p->in_flight++;
    g_array_append_val(p->in_flight_since, p->io->submitted);
  }
  p->bio = make_bio(p);
  blk_submit_result r = blk_step_submit(p->q, p->bio);
  if (r == BLK_SUBMIT_MERGED || r == BLK_SUBMIT_ENDED) {
    p->bio = NULL;
    after_issue(p);
    return;
  }
  after_reservation(p, r);
}

/* The queue as the cic path sees it. */
static struct cic_dev cic_dev_of(proc *p) {
  struct request_queue *q = p->q;
  return (struct cic_dev){.engine = p->engine, .cic_index = q->cic_index,
                          .cfqd = q->elevator_data, .variant = q->kernel->cic_link,
                          .stats = &q->stats.cic};
}

static void step_lookup(proc *p) {
  if (p->first_lookup) {
    p->rq = blk_alloc_request(p->q, p->bio);
    p->first_lookup = false;
  }
  if (!blk_uses_cic(p->q)) {
    go(p, STEP_QUEUE);
    return;
  }
  struct cic_dev d = cic_dev_of(p);
  p->cic = cic_step_lookup(&d, p->task->name, p->task->ioc);
  go(p, p->cic ? STEP_QUEUE : STEP_ALLOC_CIC);
}

static void step_alloc_cic(proc *p) {
  struct cic_dev d = cic_dev_of(p);
  p->cic = cic_step_alloc(&d, p->task->name, blk_jiffies(p->q));
  go(p, STEP_LINK);
}

static void step_link(proc *p) {
  struct cic_dev d = cic_dev_of(p);
  switch (cic_step_link(&d, p->task->name, p->task->ioc, &p->cic)) {
  case CIC_LINKED: go(p, STEP_QUEUE); break;
  case CIC_LOOKUP_AGAIN: go(p, STEP_LOOKUP); break;
  case CIC_LINK_FAILED: go(p, STEP_FAIL); break;
  }
}

static void step_queue(proc *p) {
  struct request *rq = p->rq;
  p->rq = NULL;
  p->bio = NULL;
  struct cfq_io_context *cic = p->cic;
  p->cic = NULL;
  blk_step_queue(p->q, rq, cic);
  after_issue(p);
}

static void step_fail(proc *p) {
  struct request *rq = p->rq;
  p->rq = NULL;
  p->next = STEP_RETRY;
  blk_step_fail(p->q, rq); /* the task is now asleep in get_request_wait */
}

static void step_retry(proc *p) {
  after_reservation(p, blk_step_retry(p->q, p->bio));
}

static void step_io_wait(proc *p) {
  p->completions = 0;
  after_issue(p);
}

static void step_exit(proc *p) {
  ioc_task_exit(p->task->ioc);
  p->finished = true;
  p->next = STEP_NONE;
  sim_actor_done(p->task->actor);
}

static void proc_step_fn(void *self) {
  proc *p = self;
  switch (p->next) {
  case STEP_SUBMIT: step_submit(p); break;
  case STEP_LOOKUP: step_lookup(p); break;
  case STEP_ALLOC_CIC: step_alloc_cic(p); break;
  case STEP_LINK: step_link(p); break;
  case STEP_QUEUE: step_queue(p); break;
  case STEP_FAIL: step_fail(p); break;
  case STEP_RETRY: step_retry(p); break;
  case STEP_IO_WAIT: step_io_wait(p); break;
  case STEP_EXIT: step_exit(p); break;
  case STEP_UNPLUG: /* no plugging modelled: never reached */
  case STEP_NONE: g_assert_not_reached();
  }
}

static const sim_actor_ops proc_actor_ops = {
  .next_step = proc_next_step,
  .delayable = proc_delayable,
  .step = proc_step_fn,
};

proc *proc_new(sim_engine *e, struct task *tsk, const proc_job *job,
               struct request_queue *q, uint64_t seed, proc_io_done_fn done,
               void *done_ctx) {
  proc *p = g_new0(proc, 1);
  p->engine = e;
  p->task = tsk;
  p->job = *job;
  if (p->job.iodepth < 1)
    p->job.iodepth = 1;
  p->q = q;
  p->seed = seed;
  p->done = done;
  p->done_ctx = done_ctx;
  p->next = STEP_SUBMIT;
  p->in_flight_since = g_array_new(FALSE, FALSE, sizeof(sim_time));
  p->ios = g_ptr_array_new_with_free_func(g_free);
  sim_timer_init(&p->think_timer, e, "think", think_done, p);
  tsk->actor = sim_actor_add(e, tsk->name, &proc_actor_ops, p);
  if (job->start > 0) {
    sim_actor_block(tsk->actor, NULL);
    sim_timer_mod(&p->think_timer, job->start);
  } else if (!more_to_issue(p)) {
    p->next = STEP_EXIT;
  }
  return p;
}

void proc_free(proc *p) {
  if (!p)
    return;
  if (!p->rq)
    g_free(p->bio); /* otherwise the request owns it; the queue frees both */
  cic_abandon(p->cic);
  if (p->rng_)
    gsl_rng_free(p->rng_);
  g_array_free(p->in_flight_since, TRUE);
  g_ptr_array_free(p->ios, TRUE);
  g_free(p);
}

struct task *proc_task(proc *p) { return p->task; }
bool proc_finished(const proc *p) { return p->finished; }
int proc_in_flight(const proc *p) { return p->in_flight; }
sim_time proc_oldest_in_flight(const proc *p) {
  sim_time oldest = -1;
  for (guint i = 0; i < p->in_flight_since->len; i++) {
    sim_time t = g_array_index(p->in_flight_since, sim_time, i);
    if (oldest < 0 || t < oldest)
      oldest = t;
  }
  return oldest;
}
const char *proc_step_name(const proc *p) { return step_names[p->next]; }

void proc_fingerprint(const proc *p, fingerprint *fp) {
  int64_t v[] = {p->next, p->first_lookup, p->issued, p->issued_sectors,
                 p->seq_pos, p->in_flight, p->completions, p->finished,
                 p->think_timer.pending ? p->think_timer.expires : -1,
                 p->cic ? 1 : 0, p->rq ? 1 : 0, p->draws,
                 p->io ? (int64_t)p->io->sent : -1};
  fingerprint_bytes(fp, v, sizeof v);
}
