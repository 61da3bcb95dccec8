/* A process issuing I/O as explicit kernel-path steps
 * (docs/model.md, "Kernel-path steps").
 * Each step is atomic; between two steps the engine may run other
 * processes' steps or deliver events. */
#include "models/proc.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "sim/core/prefetch.h"
#include "sim/core/rng.h"

typedef enum {
  STEP_SUBMIT,
  STEP_LOOKUP,
  STEP_ALLOC_CIC,
  STEP_LINK,
  STEP_QUEUE,
  STEP_FAIL,
  STEP_RETRY,
  STEP_UNPLUG,
  STEP_IO_WAIT,
  STEP_EXIT,
  STEP_READ,
  STEP_WRITE,
  STEP_FSYNC,
  STEP_WRITEBACK,
  STEP_NONE
} proc_step;

static const char *const step_names[] = {
    "submit", "lookup", "alloc_cic", "link",      "queue",
    "fail",   "retry",  "unplug",    "io_wait",   "exit",
    "read",   "write",  "fsync",     "writeback", "none"};

typedef enum { KIND_DIRECT, KIND_BUFFERED, KIND_FLUSHER } proc_kind;

/* A bio for the page cache: which pages it carries. */
typedef struct page_bio {
  struct bio bio; /* first: the block layer frees it as a bio */
  struct address_space *mapping;
  int64_t index, nr;
} page_bio;

/* One application I/O.  A bio holds at most the queue's max_sectors, so a
 * larger I/O goes down as several bios, one after the other (as direct
 * I/O builds them), and ends when its last bio ends. */
typedef struct proc_io {
  proc *p;
  struct proc_io *prev, *next; /* the process's unended I/Os */
  int64_t sector;
  uint32_t nr_sectors;
  unsigned rw;
  sim_time submitted;
  uint32_t sent; /* sectors already in bios */
  int bios;      /* bios submitted and not ended */
} proc_io;

/* What each I/O of a direct job reads and writes comes first, then the
 * job (its scalars before its tables), then what only buffered jobs, the
 * flusher and fio's rarer shapes use: with thousands of processes each
 * I/O touches a process of its own, and a few cache lines of it cost
 * less than a dozen spread over two kilobytes. */
struct proc {
  proc_step next;
  proc_kind kind;
  bool first_lookup; /* the lookup also allocates the request */
  bool finished;
  bool ext;              /* the shapes of proc_job beyond one block size
                            drawn uniformly */
  proc_step after_think; /* where the think timer leads */
  int in_flight;
  int completions; /* ended I/Os not yet seen by io_wait */
  sim_engine *engine;
  struct task *task;
  struct request_queue *q;
  struct bio *bio; /* the I/O on its way down */
  struct request *rq;
  struct cfq_io_context *cic;
  proc_io *io;  /* the I/O whose bios are being submitted */
  proc_io *ios; /* every proc_io not yet ended (reports, teardown) */
  /* ended I/Os, kept for reuse (chained through io->p; their bios go back
   * to the queue) */
  proc_io *free_ios;
  proc_io_done_fn done;
  void *done_ctx;
  gsl_rng *rng_; /* see rng() */
  int64_t draws; /* rng() calls: with the seed, its whole state */

  int64_t issued; /* I/Os (buffered: calls) started */
  int64_t issued_sectors;
  int64_t seq_pos;     /* next sequential offset within the region */
  sim_time last_issue; /* replay: when the previous I/O was submitted */
  int64_t since_think; /* I/Os (calls) since the last think */
  sim_time hold_until; /* a rate's due time the task sleeps towards */
  sim_time rate_due;   /* poisson: when the next I/O is due; -1 undrawn */
  sim_timer think_timer;
  proc_job job;
  /* Above: what an I/O of a direct job reads, its first cache lines (with
   * thousands of processes each is cold at every I/O).  Below, the rest. */
  uint64_t seed;      /* of the random stream, made on the first draw */
  sim_time rate_prev; /* poisson: when the last due I/O was */

  /* ---- the page cache (buffered jobs and the flusher) ---- */
  struct pagecache *mm; /* counts this task; NULL: no page cache */
  const proc_observer *obs;
  void *obs_ctx;
  GQueue pending;    /* page_bio * the call wants submitted */
  proc_step resume;  /* where the task goes once they are in */
  int64_t page_bios; /* page bios submitted and not ended */
  /* the call in progress */
  bool in_call, started, osync;
  proc_call call_op;
  proc_step call_step;
  int64_t call_pos, call_len;
  sim_time call_start;
  struct fm_call call;
  struct page_waiter waiter;
  struct dirty_throttle dirty;
  int64_t writes; /* write calls since the last fsync */
  bool wrote, end_fsync_done;
  sim_timer copy_timer, pause_timer;
  /* the shapes of proc_job beyond one block size drawn uniformly */
  int64_t last_end;  /* sector after the last I/O, within the region */
  int64_t *file_end; /* nr_files > 1: each file's last_end */
  int64_t run_left;  /* I/Os left in the current run of a random_every */
  bool dist_ready;
  uint64_t dist_off; /* where the distribution's rank 0 lands */
  double zipf_hx1, zipf_hn, zipf_s;
  /* start conditions: processes waiting for this one, and how many this
   * one still waits for */
  GPtrArray *waiters;
  int gate;
  /* the flusher */
  struct bdi_writeback *wb;
  bool idle; /* asleep between rounds of writeback */
  sim_timer wb_timer;
};

static gsl_rng *rng(proc *p) {
  p->draws++;
  if (!p->rng_)
    p->rng_ = sim_engine_rng(p->engine, p->seed, p->task->name);
  return p->rng_;
}

/* The think timer's prefetch: what the next I/O of a direct job reads of
 * the process (the lines before its job's `file`), a recycled proc_io,
 * its stream and its task's objects, all cold by the time it wakes when
 * thousands of processes take turns. */
static void proc_prefetch(void *arg) {
  const proc *p = arg;
  prefetch_range(p, offsetof(proc, job) + offsetof(proc_job, file));
  prefetch(p->free_ios);
  if (p->rng_)
    sim_rng_prefetch(p->rng_);
  if (p->q)
    blk_task_prefetch(p->q, p->task);
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
  if (j->replay && p->issued >= j->replay_len)
    return false;
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

static void next_call(proc *p, bool think);

static void think_done(void *arg) {
  proc *p = arg;
  if (p->hold_until > sim_now(p->engine)) { /* the rate, after a think */
    sim_timer_mod(&p->think_timer, p->hold_until);
    return;
  }
  if (p->after_think == STEP_NONE) /* a buffered job's start */
    next_call(p, false);
  else
    go(p, p->after_think);
}

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

/* Sleep for the think time, then take step `s`. */
static void think_then(proc *p, proc_step s) {
  p->next = s;
  p->after_think = s;
  sim_actor_block(p->task->actor, NULL);
  sim_timer_mod(&p->think_timer, time_after(sim_now(p->engine), think_time(p)));
}

/* fio's rate: when the next I/O may be issued (0: now).  Linear: the
 * bytes (or I/Os) issued so far at the rate, from the start; poisson: the
 * last one's due time plus an exponential gap of the rate's mean. */
static sim_time rate_next(proc *p) {
  const proc_job *j = &p->job;
  if (j->rate_bps <= 0 && j->rate_iops <= 0)
    return 0;
  double per_io;
  if (j->rate_iops > 0)
    per_io = 1e9 / j->rate_iops;
  else /* fio's iops for a byte rate: at the smallest block size */
    per_io = 1e9 * j->bs_sectors * 512 / j->rate_bps;
  if (j->rate_poisson) {
    if (p->rate_due < 0) {
      double gap = gsl_ran_exponential(rng(p), per_io);
      p->rate_due =
          time_after(p->rate_prev, gap < 9e18 ? (sim_time)gap : G_MAXINT64);
    }
    return p->rate_due;
  }
  double t = j->rate_iops > 0
                 ? (double)p->issued * per_io
                 : (double)p->issued_sectors * 512 * 1e9 / j->rate_bps;
  return time_after(j->start, t < 9e18 ? (sim_time)t : G_MAXINT64);
}

/* An I/O (or call) is being issued: its due time is used up. */
static void issued_one(proc *p) {
  p->since_think++;
  if (p->rate_due >= 0) {
    p->rate_prev = p->rate_due;
    p->rate_due = -1;
  }
}

static bool think_due(const proc *p) {
  return p->job.think > 0 && p->since_think >= MAX(p->job.think_blocks, 1);
}

/* Sleep until `t`, then take step `s`. */
static void sleep_until(proc *p, sim_time t, proc_step s) {
  p->next = s;
  p->after_think = s;
  p->hold_until = t;
  sim_actor_block(p->task->actor, NULL);
  sim_timer_mod(&p->think_timer, t);
}

/* What a process does once an I/O is on its way (or after io_wait).  A
 * think (every think_blocks I/Os) or a rate that is not due yet waits for
 * every I/O in flight first, as fio does before it sleeps. */
static void after_issue(proc *p) {
  if (p->io) { /* the rest of this I/O goes down at once */
    go(p, STEP_SUBMIT);
    return;
  }
  bool more = more_to_issue(p);
  sim_time due = more ? rate_next(p) : 0;
  bool pause = think_due(p) || due > sim_now(p->engine);
  if (more && p->in_flight < p->job.iodepth && !pause) {
    go(p, STEP_SUBMIT);
  } else if (p->in_flight > 0) {
    if (p->completions > 0)
      go(p, STEP_IO_WAIT);
    else
      wait_for(p, STEP_IO_WAIT);
  } else if (more) {
    p->hold_until = due;
    if (think_due(p)) {
      p->since_think = 0;
      think_then(p, STEP_SUBMIT);
    } else {
      sleep_until(p, due, STEP_SUBMIT);
    }
  } else {
    go(p, STEP_EXIT);
  }
}

/* The process's unended I/Os, linked through themselves: arrays beside
 * the process were more memory to reach on every I/O. */
static void link_io(proc *p, proc_io *io) {
  io->prev = NULL;
  io->next = p->ios;
  if (p->ios)
    p->ios->prev = io;
  p->ios = io;
}

/* I/Os end out of order; at most iodepth are in flight. */
static void unlink_io(proc *p, proc_io *io) {
  if (io->prev)
    io->prev->next = io->next;
  else
    p->ios = io->next;
  if (io->next)
    io->next->prev = io->prev;
}

/* Reuse of I/O memory (not under AddressSanitizer: a use after free must
 * stay visible); bios go back to their queue (blk_bio_put). */
#ifdef __SANITIZE_ADDRESS__
#define PROC_REUSE 0
#else
#define PROC_REUSE 1
#endif

static void bio_end(struct bio *bio) {
  proc_io *io = bio->private;
  proc *p = io->p;
  blk_bio_put(p->q, bio);
  if (--io->bios > 0 || io->sent < io->nr_sectors)
    return;
  p->in_flight--;
  p->completions++;
  if (p->done) {
    /* observers see the application I/O as one bio spanning it */
    struct bio whole = {.sector = io->sector,
                        .nr_sectors = io->nr_sectors,
                        .rw = io->rw,
                        .task = p->task,
                        .submitted = io->submitted};
    p->done(p->done_ctx, p, &whole);
  }
  unlink_io(p, io);
  if (PROC_REUSE) {
    io->p = (proc *)p->free_ios;
    p->free_ios = io;
  } else {
    g_free(io);
  }
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

/* The next I/O of the job: read or write, and which block of the region
 * (draws in this order: the mix, then the block). */
static int64_t next_block(proc *p, bool *write) {
  const proc_job *j = &p->job;
  *write = j->rw == PROC_RW_WRITE;
  if (j->rw == PROC_RW_MIXED)
    *write = (int)gsl_rng_uniform_int(rng(p), 100) >= j->rwmixread;
  int64_t blocks = j->size / j->bs_sectors;
  g_assert(blocks > 0);
  if (j->random)
    return uniform_block(rng(p), blocks);
  return p->seq_pos++ % blocks;
}

/* A cleared application I/O: an ended one if any (their `p` links the
 * free list), else a new one. */
static proc_io *alloc_io(proc *p) {
  proc_io *io = p->free_ios;
  if (!io)
    return g_new0(proc_io, 1);
  p->free_ios = (proc_io *)io->p;
  memset(io, 0, sizeof(*io));
  return io;
}

/* The next I/O of a replaying job: the trace's, as recorded. */
static proc_io *make_replay_io(proc *p) {
  const proc_replay_io *r = &p->job.replay[p->issued];
  proc_io *io = alloc_io(p);
  io->p = p;
  io->sector = r->sector;
  io->nr_sectors = r->nr_sectors;
  io->rw = r->rw;
  io->submitted = sim_now(p->engine);
  p->last_issue = io->submitted;
  link_io(p, io);
  return io;
}

/* When a replaying job may submit its next I/O: fio's read_iolog waits
 * for the recorded gap since its previous submission (the first, since
 * the start), and a v2 log's `wait` until a time after the start. */
static sim_time replay_due(const proc *p) {
  const proc_replay_io *r = &p->job.replay[p->issued];
  sim_time due = time_after(p->issued ? p->last_issue : p->job.start, r->gap);
  if (r->not_before)
    due = MAX(due, time_after(p->job.start, r->not_before));
  return due;
}

/* ---- fio's shapes: block sizes, holes, runs, skewed draws ---- */

/* The grain random offsets are aligned to: fio's blockalign, by default
 * the smallest block size. */
static uint32_t min_sectors(const proc_job *j) {
  if (j->align_sectors)
    return j->align_sectors;
  if (j->bs_split_n == 0)
    return j->bs_sectors;
  uint32_t m = j->bs_split[0].sectors;
  for (int i = 1; i < j->bs_split_n; i++)
    m = MIN(m, j->bs_split[i].sectors);
  return m;
}

static uint32_t draw_sectors(proc *p) {
  const proc_job *j = &p->job;
  if (j->bs_split_n > 0) {
    int r = (int)gsl_rng_uniform_int(rng(p), 100);
    uint32_t acc = 0;
    for (int i = 0; i < j->bs_split_n; i++) {
      acc += j->bs_split[i].percent;
      if ((uint32_t)r < acc)
        return j->bs_split[i].sectors;
    }
    return j->bs_split[j->bs_split_n - 1].sectors;
  }
  if (j->bs_max_sectors > j->bs_sectors) {
    uint32_t steps = (j->bs_max_sectors - j->bs_sectors) / j->bs_sectors;
    return j->bs_sectors *
           (1 + (uint32_t)gsl_rng_uniform_int(rng(p), steps + 1));
  }
  return j->bs_sectors;
}

/* Zipf by rejection-inversion (Hoermann and Derflinger): exact for any
 * theta > 0, constant time, no table over the ranks. */
static double zipf_h_integral(double x, double s) {
  double lx = log(x), t = (1.0 - s) * lx;
  return (fabs(t) > 1e-8 ? expm1(t) / t : 1.0 + t / 2) * lx;
}

static double zipf_h_integral_inv(double y, double s) {
  double t = y * (1.0 - s);
  if (t < -1.0)
    t = -1.0;
  return exp((fabs(t) > 1e-8 ? log1p(t) / t : 1.0 - t / 2) * y);
}

static void zipf_init(proc *p, int64_t n) {
  double s = p->job.dist_arg;
  p->zipf_hx1 = zipf_h_integral(1.5, s) - 1.0;
  p->zipf_hn = zipf_h_integral((double)n + 0.5, s);
  p->zipf_s =
      2.0 - zipf_h_integral_inv(zipf_h_integral(2.5, s) - pow(2.0, -s), s);
}

static int64_t zipf_rank(proc *p, int64_t n) {
  double s = p->job.dist_arg;
  for (;;) {
    double u =
        p->zipf_hn + gsl_rng_uniform(rng(p)) * (p->zipf_hx1 - p->zipf_hn);
    double x = zipf_h_integral_inv(u, s);
    int64_t k = (int64_t)(x + 0.5);
    k = CLAMP(k, 1, n);
    if ((double)k - x <= p->zipf_s ||
        u >= zipf_h_integral((double)k + 0.5, s) - pow((double)k, -s))
      return k - 1;
  }
}

/* A rank in [0, n) of the job's distribution.  As fio does, the ranks
 * are then scattered over the region by a multiplicative hash (the hot
 * blocks are not side by side) and shifted by an offset: a random one
 * for zipf and pareto, none for normal, or the center given. */
static int64_t dist_block(proc *p, int64_t n) {
  const proc_job *j = &p->job;
  if (!p->dist_ready) {
    p->dist_ready = true;
    if (j->dist_center >= 0) {
      int64_t off = (int64_t)((double)n * (j->dist == PROC_DIST_NORMAL
                                               ? j->dist_center - 0.5
                                               : j->dist_center));
      p->dist_off = (uint64_t)((off % n + n) % n);
    } else if (j->dist == PROC_DIST_ZIPF || j->dist == PROC_DIST_PARETO) {
      p->dist_off = (uint64_t)uniform_block(rng(p), n);
    }
    if (j->dist == PROC_DIST_ZIPF)
      zipf_init(p, n);
  }
  int64_t rank = 0;
  switch (j->dist) {
  case PROC_DIST_UNIFORM: return uniform_block(rng(p), n);
  case PROC_DIST_ZONED: {
    /* fio's zoned: a zone by its share of the I/Os, then a block in its
     * range, uniformly; zones are not scattered */
    uint32_t r = (uint32_t)gsl_rng_uniform_int(rng(p), 100), acc = 0, start = 0;
    int z = 0;
    while (z < j->zones_n - 1 && r >= acc + j->zones[z].access) {
      acc += j->zones[z].access;
      start += j->zones[z].range;
      z++;
    }
    int64_t first = n * start / 100;
    int64_t len = MAX(n * j->zones[z].range / 100, 1);
    return MIN(first + uniform_block(rng(p), len), n - 1);
  }
  case PROC_DIST_ZIPF: rank = zipf_rank(p, n); break;
  case PROC_DIST_PARETO: {
    double e = log(j->dist_arg) / log(1.0 - j->dist_arg);
    rank = (int64_t)((double)(n - 1) * pow(gsl_rng_uniform(rng(p)), e));
    break;
  }
  case PROC_DIST_NORMAL: {
    /* fio's: the mean of 12 uniform draws over [0, n], widened by a
     * uniform spread of dist_arg percent of n */
    int64_t sum = 0;
    for (int i = 0; i < 12; i++)
      sum += uniform_block(rng(p), n + 1);
    rank = (sum + 11) / 12;
    int64_t spread = (int64_t)ceil((double)n * j->dist_arg / 100.0);
    spread = MIN(spread, n / 2);
    if (spread > 0) {
      int64_t dev = uniform_block(rng(p), spread) - spread / 2;
      while (dev + rank >= n)
        dev /= 2;
      rank = MAX(rank + dev, 0);
    }
    break;
  }
  }
  uint64_t h = (uint64_t)rank * G_GUINT64_CONSTANT(0x61C8864680B583EB);
  return (int64_t)((h + p->dist_off) % (uint64_t)n);
}

/* The next I/O of a job using any of the shapes: read or write, its
 * sectors, and where in the region (draws in this order: the mix, the
 * size, whether it goes on in sequence, the offset). */
static int64_t next_pos_ext(proc *p, bool *write, uint32_t *sectors) {
  const proc_job *j = &p->job;
  *write = j->rw == PROC_RW_WRITE;
  if (j->rw == PROC_RW_MIXED)
    *write = (int)gsl_rng_uniform_int(rng(p), 100) >= j->rwmixread;
  uint32_t len = draw_sectors(p);
  *sectors = len;
  /* fio's round robin over the files, one I/O each */
  int64_t f = j->nr_files > 1 ? p->issued % j->nr_files : 0;
  if (p->file_end)
    p->last_end = p->file_end[f];
  int64_t pos;
  bool in_sequence = !j->random || p->run_left > 0;
  if (j->random && !in_sequence && j->seq_percent > 0 && p->issued > 0)
    in_sequence = (int)gsl_rng_uniform_int(rng(p), 100) < j->seq_percent;
  if (in_sequence) {
    if (p->run_left > 0)
      p->run_left--;
    pos = p->last_end;
    if (!j->random && pos > 0)
      pos += j->skip;
    if (pos < 0 || pos + len > j->size)
      pos = j->skip < 0 ? MAX(j->size + j->skip, 0) : 0;
    if (pos + len > j->size)
      pos = 0;
  } else {
    /* One set of positions whatever this I/O's size (a distribution's
     * ranks stay put); a larger I/O that would not fit moves back. */
    uint32_t align = min_sectors(j);
    int64_t blocks = (j->size - align) / align + 1;
    g_assert(blocks > 0);
    pos = MIN((int64_t)dist_block(p, blocks) * align,
              (j->size - len) / align * align);
    if (j->random_every > 1)
      p->run_left = j->random_every - 1;
  }
  p->last_end = pos + len;
  if (p->file_end)
    p->file_end[f] = p->last_end;
  return pos + f * j->file_stride;
}

/* The next I/O's position in the region (sectors) and length. */
static int64_t next_pos(proc *p, bool *write, uint32_t *sectors) {
  if (p->ext)
    return next_pos_ext(p, write, sectors);
  *sectors = p->job.bs_sectors;
  return next_block(p, write) * p->job.bs_sectors;
}

/* Draw the next application I/O of a direct job. */
static proc_io *make_io(proc *p) {
  const proc_job *j = &p->job;
  if (j->replay)
    return make_replay_io(p);
  proc_io *io = alloc_io(p);
  bool write;
  uint32_t sectors;
  int64_t pos = next_pos(p, &write, &sectors);
  io->p = p;
  io->sector = j->offset + pos;
  io->nr_sectors = sectors;
  io->rw = write ? (REQ_WRITE | (j->sync_writes ? REQ_SYNC : 0)) : 0;
  io->submitted = sim_now(p->engine);
  link_io(p, io);
  return io;
}

/* The next bio of the current I/O: no larger than the queue takes. */
static struct bio *make_bio(proc *p) {
  proc_io *io = p->io;
  struct bio *bio = blk_bio_get(p->q);
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

/* ---- bios of the page cache ---- */

static void wake_if_waiting(proc *p) {
  if (p->next == STEP_IO_WAIT &&
      sim_actor_get_state(p->task->actor) == SIM_ACTOR_BLOCKED)
    sim_actor_ready(p->task->actor);
}

static void page_bio_end(struct bio *bio) {
  page_bio *pb = (page_bio *)bio;
  proc *p = bio->private;
  p->page_bios--;
  filemap_end_io(pb->mapping, pb->index, pb->nr, bio->rw & REQ_WRITE);
  if (p->obs && p->obs->bio_done)
    p->obs->bio_done(p->obs_ctx, p, bio);
  g_free(pb);
}

static void queue_page_bio(proc *p, struct address_space *m, int64_t index,
                           int64_t nr, unsigned rw) {
  page_bio *pb = g_new0(page_bio, 1);
  pb->mapping = m;
  pb->index = index;
  pb->nr = nr;
  struct bio *bio = &pb->bio;
  bio->sector = page_sector(m, index);
  /* nr 0: an empty flush */
  bio->nr_sectors = nr ? (uint32_t)((nr - 1) * PAGE_SECTORS) +
                             page_nr_sectors(m, index + nr - 1)
                       : 0;
  bio->rw = rw;
  bio->task = p->task;
  bio->bi_end_io = page_bio_end;
  bio->private = p;
  g_queue_push_tail(&p->pending, pb);
}

/* Submit what is pending, then take step `then`. */
static void submit_then(proc *p, proc_step then) {
  p->resume = then;
  go(p, STEP_SUBMIT);
}

/* A bio is in the block layer (queued or merged): the next one, or back
 * to what the task was doing. */
static void after_bio_in(proc *p) {
  if (p->kind == KIND_DIRECT)
    after_issue(p);
  else if (p->pending.length)
    go(p, STEP_SUBMIT);
  else
    go(p, p->resume);
}

/* ---- buffered calls ---- */

/* The next call of a buffered job, or its end. */
static void next_call(proc *p, bool think) {
  const proc_job *j = &p->job;
  proc_step s;
  sim_time due = 0;
  if (j->fsync_every && p->writes >= j->fsync_every) {
    p->writes = 0;
    p->call_op = PROC_CALL_FSYNC;
    s = STEP_FSYNC;
  } else if (more_to_issue(p)) {
    due = rate_next(p);
    bool write;
    uint32_t sectors;
    p->call_pos = next_pos(p, &write, &sectors) * 512;
    p->call_len = (int64_t)sectors * 512;
    p->call_op = write ? PROC_CALL_WRITE : PROC_CALL_READ;
    s = write ? STEP_WRITE : STEP_READ;
    p->issued++;
    p->issued_sectors += sectors;
    think = think && p->since_think >= MAX(j->think_blocks, 1);
    if (think)
      p->since_think = 0;
    issued_one(p);
  } else if (j->end_fsync && p->wrote && !p->end_fsync_done) {
    p->end_fsync_done = true;
    p->call_op = PROC_CALL_FSYNC;
    s = STEP_FSYNC;
  } else {
    go(p, STEP_EXIT);
    return;
  }
  p->hold_until = due;
  if (think && j->think > 0)
    think_then(p, s);
  else if (due > sim_now(p->engine))
    sleep_until(p, due, s);
  else
    go(p, s);
}

static void call_complete(proc *p) {
  p->in_call = false;
  if (p->obs && p->obs->call_done)
    p->obs->call_done(
        p->obs_ctx, p, p->call_op, p->call_start, sim_now(p->engine),
        p->call_op == PROC_CALL_FSYNC ? 0 : p->call.bytes, !p->call.waited);
  if (p->call_op == PROC_CALL_WRITE) {
    p->writes++;
    p->wrote = true;
  }
  next_call(p, p->call_op != PROC_CALL_FSYNC);
}

/* The copy to or from the user's buffer takes its time at the end. */
static void call_end(proc *p) {
  sim_time copy =
      pagecache_copy_time(p->job.file->f_mapping->pc, p->call.uncharged);
  p->call.uncharged = 0;
  if (copy <= 0) {
    call_complete(p);
    return;
  }
  p->next = STEP_NONE;
  sim_actor_block(p->task->actor, NULL);
  sim_timer_mod(&p->copy_timer, time_after(sim_now(p->engine), copy));
}

static void copy_done(void *arg) { call_complete(arg); }

static void pause_done(void *arg) {
  proc *p = arg;
  go(p, p->resume);
}

static void page_wake(void *ctx) { wake_if_waiting(ctx); }

static void trace_call(proc *p) {
  if (!sim_tracing(p->engine))
    return;
  if (p->call_op == PROC_CALL_FSYNC)
    sim_trace(p->engine, p->task->name, "%s()",
              p->job.fdatasync ? "fdatasync" : "fsync");
  else
    sim_trace(p->engine, p->task->name,
              "%s(pos %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT " bytes)",
              p->call_op == PROC_CALL_READ ? "read" : "write", p->call_pos,
              p->call_len);
}

/* The steps read, write and fsync: begin the call the first time, then
 * take it as far as it goes. */
static void step_call(proc *p, proc_step self) {
  struct file *f = p->job.file;
  if (!p->started) {
    p->started = true;
    if (p->job.invalidate)
      invalidate_mapping_pages(f->f_mapping);
  }
  if (!p->in_call) {
    p->in_call = true;
    p->osync = false;
    p->call_step = self;
    p->call_start = sim_now(p->engine);
    trace_call(p);
    switch (p->call_op) {
    case PROC_CALL_READ:
      filemap_read_begin(f, &p->call, p->call_pos, p->call_len);
      break;
    case PROC_CALL_WRITE:
      filemap_write_begin(f, &p->call, p->call_pos, p->call_len);
      break;
    case PROC_CALL_FSYNC: filemap_fsync_begin(f, &p->call, 0, -1); break;
    }
  }
  g_autoptr(GArray) ios = g_array_new(FALSE, FALSE, sizeof(fm_io));
  switch (filemap_step(f, &p->call, ios, &p->waiter, &p->dirty)) {
  case FM_SUBMIT:
    for (guint i = 0; i < ios->len; i++) {
      const fm_io *io = &g_array_index(ios, fm_io, i);
      queue_page_bio(p, f->f_mapping, io->index, io->nr, io->rw);
    }
    submit_then(p, self);
    return;
  case FM_WAIT:
    p->resume = self;
    wait_for(p, STEP_IO_WAIT);
    return;
  case FM_SLEEP: {
    /* the copy so far, then the pause in whole jiffies */
    sim_time t =
        time_after(sim_now(p->engine),
                   pagecache_copy_time(f->f_mapping->pc, p->call.uncharged));
    p->call.uncharged = 0;
    int64_t j = JIFFIES_BASE + t / p->q->tick_ns + p->call.sleep_jiffies;
    p->resume = self;
    p->next = self;
    sim_actor_block(p->task->actor, NULL);
    sim_timer_mod(&p->pause_timer, blk_jiffies_to_time(p->q, j));
    return;
  }
  case FM_DONE: break;
  }
  if (p->call_op == PROC_CALL_WRITE && p->job.sync_writes && !p->osync) {
    /* O_SYNC: the call writes its own pages back before it returns */
    p->osync = true;
    int64_t bytes = p->call.bytes, waited = p->call.waited;
    int64_t uncharged = p->call.uncharged;
    filemap_fsync_begin(f, &p->call, p->call_pos >> PAGE_SHIFT,
                        (p->call_pos + p->call_len - 1) >> PAGE_SHIFT);
    p->call.bytes = bytes;
    p->call.waited = waited;
    p->call.uncharged = uncharged;
    go(p, STEP_FSYNC);
    return;
  }
  call_end(p);
}

/* ---- the flusher ---- */

/* Nobody left to dirty pages, and none left to write or being written. */
static bool flusher_may_exit(const proc *p) {
  const struct backing_dev_info *bdi = wb_bdi(p->wb);
  return p->mm->nr_user_tasks == 0 && bdi->reclaimable == 0 &&
         bdi->writeback == 0;
}

static void flusher_wake(void *ctx) {
  proc *p = ctx;
  if (!p->idle)
    return; /* at work: the wake-up is lost, as for a running kthread */
  p->idle = false;
  sim_timer_del(&p->wb_timer);
  go(p, STEP_WRITEBACK);
}

static void flusher_timer(void *ctx) { flusher_wake(ctx); }

static void flusher_wake_at(void *ctx, int64_t jiffies) {
  proc *p = ctx;
  if (!p->idle)
    return;
  sim_time t = blk_jiffies_to_time(p->q, jiffies);
  if (!sim_timer_pending(&p->wb_timer) || t < p->wb_timer.expires)
    sim_timer_mod(&p->wb_timer, MAX(t, sim_now(p->engine)));
}

/* Writeback drained or the last user task left: an idle flusher looks
 * whether it may exit. */
static void flusher_check_exit(void *ctx) {
  proc *p = ctx;
  if (p->idle && flusher_may_exit(p))
    flusher_wake(p);
}

static const struct wb_task_ops flusher_ops = {
    .wake = flusher_wake,
    .wake_at = flusher_wake_at,
    .drained = flusher_check_exit,
};

static void step_writeback(proc *p) {
  struct wb_bio b;
  if (wb_writeback_next(p->wb, &b)) {
    queue_page_bio(p, b.mapping, b.index, b.nr, REQ_WRITE);
    submit_then(p, STEP_WRITEBACK);
    return;
  }
  if (flusher_may_exit(p)) {
    go(p, STEP_EXIT);
    return;
  }
  p->idle = true;
  p->next = STEP_WRITEBACK;
  sim_actor_block(p->task->actor, NULL);
  int64_t j = wb_idle_jiffies(p->wb);
  if (j >= 0)
    sim_timer_mod(&p->wb_timer,
                  blk_jiffies_to_time(p->q, blk_jiffies(p->q) + j));
}

/* ---- the submission path ---- */

static void after_reservation(proc *p, blk_submit_result r) {
  if (r == BLK_SUBMIT_RESERVED) {
    p->first_lookup = true;
    go(p, STEP_LOOKUP);
  } else {
    p->next = STEP_RETRY; /* asleep on rl->wait; freed_request wakes us */
  }
}

static void step_submit(proc *p) {
  if (p->kind == KIND_DIRECT) {
    if (!p->io && p->job.replay && replay_due(p) > sim_now(p->engine)) {
      /* not yet: asleep until the trace's time comes */
      p->next = STEP_SUBMIT;
      p->after_think = STEP_SUBMIT;
      sim_actor_block(p->task->actor, NULL);
      sim_timer_mod(&p->think_timer, replay_due(p));
      return;
    }
    if (!p->io) {
      p->io = make_io(p);
      p->issued++;
      p->issued_sectors += p->io->nr_sectors;
      issued_one(p);
      p->in_flight++;
    }
    p->bio = make_bio(p);
  } else {
    page_bio *pb = g_queue_pop_head(&p->pending);
    p->bio = &pb->bio;
    p->bio->submitted = sim_now(p->engine);
    p->page_bios++;
  }
  blk_submit_result r = blk_step_submit(p->q, p->bio);
  if (r == BLK_SUBMIT_MERGED || r == BLK_SUBMIT_ENDED) {
    p->bio = NULL;
    after_bio_in(p);
    return;
  }
  after_reservation(p, r);
}

/* The queue as the cic path sees it. */
static struct cic_dev cic_dev_of(proc *p) {
  struct request_queue *q = p->q;
  return (struct cic_dev){.engine = p->engine,
                          .cic_index = q->cic_index,
                          .cfqd = q->elevator_data,
                          .variant = q->kernel->cic_link,
                          .stats = &q->stats.cic};
}

static void step_lookup(proc *p) {
  if (p->first_lookup) {
    p->rq = blk_alloc_request(p->q, p->bio);
    p->first_lookup = false;
  }
  /* flush requests carry no elevator data, so no cic either */
  if (!blk_uses_cic(p->q) || !blk_bio_uses_elevator(p->bio)) {
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
  after_bio_in(p);
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
  if (p->kind != KIND_DIRECT) {
    go(p, p->resume);
    return;
  }
  p->completions = 0;
  after_issue(p);
}

static void begin(proc *p);

static void step_exit(proc *p) {
  ioc_task_exit(p->task->ioc);
  p->finished = true;
  p->next = STEP_NONE;
  sim_actor_done(p->task->actor);
  if (p->mm && p->kind != KIND_FLUSHER)
    pagecache_task_exit(p->mm);
  for (guint i = 0; p->waiters && i < p->waiters->len; i++) {
    proc *w = g_ptr_array_index(p->waiters, i);
    if (--w->gate == 0)
      begin(w);
  }
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
  case STEP_READ:
  case STEP_WRITE:
  case STEP_FSYNC: step_call(p, p->next); break;
  case STEP_WRITEBACK: step_writeback(p); break;
  case STEP_UNPLUG: /* no plugging modelled: never reached */
  case STEP_NONE: g_assert_not_reached();
  }
}

static const sim_actor_ops proc_actor_ops = {
    .next_step = proc_next_step,
    .delayable = proc_delayable,
    .step = proc_step_fn,
};

/* p's fields as a new process's, in p's memory (zeroed, but for the
 * arrays and reuse lists a reset keeps). */
static proc *proc_init(proc *p, sim_engine *e, struct task *tsk,
                       struct request_queue *q, uint64_t seed) {
  p->engine = e;
  p->task = tsk;
  p->q = q;
  p->seed = seed;
  p->rate_due = -1;
  g_queue_init(&p->pending);
  p->waiter = (struct page_waiter){.wake = page_wake, .ctx = p};
  dirty_throttle_init(&p->dirty);
  sim_timer_init(&p->think_timer, e, "think", think_done, p);
  sim_timer_set_prefetch(&p->think_timer, proc_prefetch);
  sim_timer_init(&p->copy_timer, e, "copy", copy_done, p);
  sim_timer_init(&p->pause_timer, e, "balance_dirty_pages", pause_done, p);
  sim_timer_init(&p->wb_timer, e, "wb_wakeup", flusher_timer, p);
  tsk->actor = sim_actor_add(e, tsk->name, &proc_actor_ops, p);
  return p;
}

static proc *proc_alloc(sim_engine *e, struct task *tsk,
                        struct request_queue *q, uint64_t seed) {
  return proc_init(g_new0(proc, 1), e, tsk, q, seed);
}

proc *proc_new(sim_engine *e, struct task *tsk, const proc_job *job,
               struct request_queue *q, uint64_t seed, proc_io_done_fn done,
               void *done_ctx) {
  proc *p = g_new0(proc, 1);
  proc_restart(p, e, tsk, job, q, seed, done, done_ctx);
  return p;
}

void proc_restart(proc *p, sim_engine *e, struct task *tsk, const proc_job *job,
                  struct request_queue *q, uint64_t seed, proc_io_done_fn done,
                  void *done_ctx) {
  proc_init(p, e, tsk, q, seed);
  p->job = *job;
  p->job.bs_split = job->bs_split_n > 0
                        ? g_memdup2(job->bs_split, (gsize)job->bs_split_n *
                                                       sizeof *job->bs_split)
                        : NULL;
  p->job.zones =
      job->zones_n > 0
          ? g_memdup2(job->zones, (gsize)job->zones_n * sizeof *job->zones)
          : NULL;
  p->kind = job->file ? KIND_BUFFERED : KIND_DIRECT;
  if (p->job.iodepth < 1)
    p->job.iodepth = 1;
  p->done = done;
  p->done_ctx = done_ctx;
  p->ext = job->bs_max_sectors > job->bs_sectors || job->bs_split_n > 0 ||
           (job->align_sectors && job->align_sectors != job->bs_sectors) ||
           job->skip != 0 || job->random_every > 1 || job->seq_percent > 0 ||
           job->dist != PROC_DIST_UNIFORM || job->nr_files > 1;
  if (job->nr_files > 1)
    p->file_end = g_new0(int64_t, job->nr_files);
  p->rate_prev = job->start;
  if (job->wait_for > 0) { /* asleep until begin() */
    p->gate = job->wait_for;
    p->next = p->kind == KIND_DIRECT ? STEP_SUBMIT : STEP_NONE;
    p->after_think = p->next;
    sim_actor_block(tsk->actor, NULL);
    return;
  }
  if (p->kind == KIND_DIRECT) {
    p->next = STEP_SUBMIT;
    p->after_think = STEP_SUBMIT;
    if (job->start > 0) {
      sim_actor_block(tsk->actor, NULL);
      sim_timer_mod(&p->think_timer, job->start);
    } else if (!more_to_issue(p)) {
      p->next = STEP_EXIT;
    }
    return;
  }
  /* A buffered job decides its first call when it starts. */
  if (job->start > 0) {
    p->next = STEP_NONE;
    p->after_think = STEP_NONE;
    sim_actor_block(tsk->actor, NULL);
    sim_timer_mod(&p->think_timer, job->start);
  } else {
    next_call(p, false);
  }
}

/* The processes it waited for have exited: it starts now, or at its own
 * start if that is later (fio's startdelay counts from the beginning). */
static void begin(proc *p) {
  sim_time now = sim_now(p->engine);
  if (p->job.start > now) {
    sim_timer_mod(&p->think_timer, p->job.start);
    return;
  }
  p->job.start = now;
  p->rate_prev = now;
  think_done(p);
}

void proc_wait_for(proc *p, proc *prereq) {
  g_assert(p->job.wait_for > 0);
  if (!prereq->waiters)
    prereq->waiters = g_ptr_array_new();
  g_ptr_array_add(prereq->waiters, p);
}

sim_time proc_start_time(const proc *p) { return p->job.start; }

void proc_set_page_cache(proc *p, struct pagecache *mm,
                         const proc_observer *obs, void *obs_ctx) {
  g_assert(!p->mm);
  p->mm = mm;
  p->obs = obs;
  p->obs_ctx = obs_ctx;
  pagecache_task_start(mm);
}

proc *proc_flusher_new(sim_engine *e, struct task *tsk, struct request_queue *q,
                       struct bdi_writeback *wb, struct pagecache *mm,
                       const proc_observer *obs, void *obs_ctx) {
  proc *p = proc_alloc(e, tsk, q, 0);
  p->kind = KIND_FLUSHER;
  p->mm = mm;
  p->obs = obs;
  p->obs_ctx = obs_ctx;
  p->wb = wb;
  p->idle = true;
  p->next = STEP_WRITEBACK;
  sim_actor_block(tsk->actor, NULL);
  bdi_writeback_set_task(wb, &flusher_ops, p);
  pagecache_on_idle(mm, flusher_check_exit, p);
  return p;
}

/* Everything p holds but its own memory, its two arrays (left empty) and
 * its reuse lists: timers deleted (the engine's queue knows armed timers:
 * none may outlive p), its bio, page bios, an unlinked cic, its random
 * stream and unended I/Os. */
static void proc_release(proc *p) {
  sim_timer_del(&p->think_timer);
  sim_timer_del(&p->copy_timer);
  sim_timer_del(&p->pause_timer);
  sim_timer_del(&p->wb_timer);
  if (!p->rq)
    g_free(p->bio); /* otherwise the request owns it; the queue frees both */
  page_bio *pb;
  while ((pb = g_queue_pop_head(&p->pending)))
    g_free(pb);
  cic_abandon(p->cic);
  if (p->rng_)
    sim_engine_rng_put(p->engine, p->rng_);
  for (proc_io *io = p->ios, *next; io; io = next) {
    next = io->next;
    g_free(io);
  }
  if (p->waiters)
    g_ptr_array_free(p->waiters, TRUE);
  g_free(p->file_end);
  g_free((gpointer)p->job.bs_split);
  g_free((gpointer)p->job.zones);
}

void proc_reset(proc *p) {
  proc_release(p);
  proc_io *free_ios = p->free_ios;
  /* all but the job, which proc_restart copies whole */
  size_t job_at = offsetof(proc, job), job_end = job_at + sizeof p->job;
  memset(p, 0, job_at);
  memset((char *)p + job_end, 0, sizeof *p - job_end);
  p->free_ios = free_ios;
}

void proc_free(proc *p) {
  if (!p)
    return;
  proc_release(p);
  for (proc_io *io = p->free_ios, *next; io; io = next) {
    next = (proc_io *)io->p;
    g_free(io);
  }
  g_free(p);
}

struct task *proc_task(proc *p) {
  return p->task;
}
bool proc_finished(const proc *p) { return p->finished; }
int proc_in_flight(const proc *p) { return p->in_flight; }
sim_time proc_oldest_in_flight(const proc *p) {
  sim_time oldest = p->in_call ? p->call_start : -1;
  for (const proc_io *io = p->ios; io; io = io->next)
    if (oldest < 0 || io->submitted < oldest)
      oldest = io->submitted;
  return oldest;
}
const char *proc_step_name(const proc *p) { return step_names[p->next]; }

void proc_fingerprint(const proc *p, fingerprint *fp) {
  int64_t v[] = {p->next,
                 p->first_lookup,
                 p->issued,
                 p->issued_sectors,
                 p->seq_pos,
                 p->in_flight,
                 p->completions,
                 p->finished,
                 p->think_timer.pending ? p->think_timer.expires : -1,
                 p->cic ? 1 : 0,
                 p->rq ? 1 : 0,
                 p->draws,
                 p->io ? (int64_t)p->io->sent : -1};
  fingerprint_bytes(fp, v, sizeof v);
  if (p->job.replay)
    fingerprint_bytes(fp, &p->last_issue, sizeof p->last_issue);
  /* Only a job using them carries them: the others' fingerprints stay. */
  if (p->ext || p->job.rate_bps > 0 || p->job.rate_iops > 0 ||
      p->job.think_blocks > 1 || p->job.wait_for > 0) {
    int64_t x[] = {p->last_end,    p->run_left,   p->rate_due, p->rate_prev,
                   p->since_think, p->hold_until, p->gate,     p->job.start};
    fingerprint_bytes(fp, x, sizeof x);
    if (p->file_end)
      fingerprint_bytes(fp, p->file_end,
                        sizeof *p->file_end * (size_t)p->job.nr_files);
  }
  if (p->kind == KIND_DIRECT)
    return;
  const struct fm_call *c = &p->call;
  int64_t b[] = {(int64_t)p->pending.length,
                 p->resume,
                 p->page_bios,
                 p->in_call,
                 p->started,
                 p->osync,
                 p->call_op,
                 p->call_pos,
                 p->call_len,
                 p->call_start,
                 c->pos,
                 c->len,
                 c->bytes,
                 c->uncharged,
                 c->waited,
                 c->index,
                 c->offset,
                 c->prev_index,
                 c->prev_offset,
                 c->sync_ra_at,
                 c->stage,
                 c->throttled,
                 p->dirty.nr_dirtied,
                 p->dirty.nr_dirtied_pause,
                 p->dirty.in_loop,
                 p->writes,
                 p->wrote,
                 p->end_fsync_done,
                 p->idle,
                 p->waiter.queued,
                 p->waiter.index,
                 p->copy_timer.pending ? p->copy_timer.expires : -1,
                 p->pause_timer.pending ? p->pause_timer.expires : -1,
                 p->wb_timer.pending ? p->wb_timer.expires : -1};
  fingerprint_bytes(fp, b, sizeof b);
  if (p->job.file) {
    const struct file_ra_state *ra = &p->job.file->f_ra;
    int64_t r[] = {ra->start, ra->size, ra->async_size, ra->prev_pos};
    fingerprint_bytes(fp, r, sizeof r);
  }
}
