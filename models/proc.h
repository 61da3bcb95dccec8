/* A simulated process: a fio-like job that issues I/O down the kernel path
 * as atomic steps (submit, lookup, alloc_cic, link, queue, fail, retry,
 * unplug, io_wait, exit).  A direct job sends its I/O to the block layer
 * at bs; a buffered job's read(), write() and fsync() calls go through the
 * page cache (the steps read, write, fsync), which hands it the bios to
 * submit: readahead, fsync's writes.  The flusher is a process of its own
 * whose step writeback picks the next bio of dirty pages. */
#ifndef CFQSIM_PROC_H
#define CFQSIM_PROC_H

#include <gsl/gsl_rng.h>

#include "models/blk.h"
#include "models/filemap.h"
#include "models/fs-writeback.h"
#include "sim/core/engine.h"
#include "sim/core/fingerprint.h"

typedef enum { PROC_RW_READ, PROC_RW_WRITE, PROC_RW_MIXED } proc_rw;

/* One I/O of a replayed trace (fio's read_iolog): the job submits it
 * `gap` after it submitted the previous one (the first: after the job's
 * start), and not before `not_before` after the start (0: no bound),
 * later if its iodepth is full. */
typedef struct proc_replay_io {
  sim_time gap;
  sim_time not_before;
  int64_t sector;
  uint32_t nr_sectors; /* 0: an empty flush */
  unsigned rw;         /* REQ_WRITE, REQ_SYNC, REQ_FLUSH, REQ_FUA */
} proc_replay_io;
/* Where a random I/O lands (docs/workload.md, `distribution`). */
typedef enum {
  PROC_DIST_UNIFORM,
  PROC_DIST_ZIPF,
  PROC_DIST_PARETO,
  PROC_DIST_NORMAL,
  PROC_DIST_ZONED
} proc_dist;

/* A zone of a zoned distribution: its percent of the I/Os and of the
 * region (zones one after the other from the region's start). */
#define PROC_ZONES_MAX 64
typedef struct proc_zone {
  uint32_t access, range;
} proc_zone;

/* One block size of a split and its percentage of the I/Os. */
#define PROC_BSSPLIT_MAX 64
typedef struct proc_bs_share {
  uint32_t sectors;
  uint32_t percent;
} proc_bs_share;

/* The job, in the simulator's units (the workload layer converts). */
typedef struct proc_job {
  proc_rw rw;
  bool random;
  int rwmixread; /* percent, for PROC_RW_MIXED */
  uint32_t bs_sectors;
  int64_t offset;   /* sectors */
  int64_t size;     /* sectors of the region */
  int iodepth;      /* direct jobs; a buffered job makes one call at a time */
  int64_t count;    /* I/Os (calls); 0 unlimited */
  int64_t io_size;  /* sectors; 0 unlimited */
  sim_time runtime; /* 0 unlimited */
  sim_time think;
  bool think_exp;
  sim_time start;
  bool sync_writes;     /* direct: REQ_SYNC; buffered: O_SYNC */
  bool rate_poisson;    /* gaps drawn exponential around the rate */
  double rate_bps;      /* issue no faster than this; 0 unlimited */
  double rate_iops;     /* ... or this many I/Os per second */
  int64_t think_blocks; /* think after this many I/Os; 0 or 1: each */
  /* A direct job replaying these I/Os in order instead of drawing its
   * own (rw, bs and the region are not used); NULL: none. */
  const proc_replay_io *replay;
  int64_t replay_len;
  /* What each I/O of a direct job reads is above: its first cache lines,
   * which the think timer prefetches (proc.c). */
  /* Buffered: the open file of the region (NULL: direct I/O).  The job's
   * positions are offsets in it. */
  struct file *file;
  bool invalidate;     /* drop the file's clean pages at the start */
  int64_t fsync_every; /* fsync after this many writes; 0 never */
  bool fdatasync;      /* ... as fdatasync */
  bool end_fsync;      /* fsync once the last write is done */

  /* fio's shapes beyond one block size drawn uniformly; all zero: none. */
  uint32_t bs_max_sectors; /* sizes bs_sectors..this, multiples of bs */
  int bs_split_n;          /* > 0: sizes drawn from bs_split instead */
  int64_t skip;            /* sequential: sectors between I/Os (< 0: back) */
  uint32_t align_sectors;  /* random offsets' grain; 0: the smallest bs */
  int64_t random_every;    /* random: a new random offset every this many */
  int seq_percent;         /* random: percent of I/Os that go on in sequence */
  proc_dist dist;
  double dist_arg;    /* zipf theta, pareto h, normal deviation (%) */
  double dist_center; /* 0..1, or < 0: fio's default */
  int zones_n;
  int wait_for;        /* processes that must exit before this one starts
                           (proc_wait_for links them) */
  int nr_files;        /* > 1: the region is this many files of `size`,
                           file_stride apart, used in turn (direct jobs) */
  int64_t file_stride; /* sectors */
  /* The tables of bs_split_n block sizes and zones_n zones (at most
   * PROC_BSSPLIT_MAX, PROC_ZONES_MAX); proc_new keeps a copy of them, so
   * a job without (most of them) carries no room for them. */
  const proc_bs_share *bs_split;
  const proc_zone *zones;
} proc_job;

typedef struct proc proc;

/* Called at each bio completion of a direct job (observers: metrics). */
typedef void (*proc_io_done_fn)(void *ctx, proc *p, const struct bio *bio);

/* Observers of the page-cache views: a call of a buffered job ended, and
 * a bio a task submitted for the page cache (readahead, fsync, flusher)
 * ended. */
typedef enum { PROC_CALL_READ, PROC_CALL_WRITE, PROC_CALL_FSYNC } proc_call;
typedef struct proc_observer {
  void (*call_done)(void *ctx, proc *p, proc_call op, sim_time start,
                    sim_time end, int64_t bytes, bool cache_hit);
  void (*bio_done)(void *ctx, proc *p, const struct bio *bio);
} proc_observer;

/* The process's random stream is sim_engine_rng(seed, task name), created on
 * its first draw (jobs that draw nothing never pay for seeding). */
proc *proc_new(sim_engine *e, struct task *tsk, const proc_job *job,
               struct request_queue *q, uint64_t seed, proc_io_done_fn done,
               void *done_ctx);
/* The flusher of `wb`'s device (flush-MAJ:MIN), asleep until there is
 * writeback to do.  It exits once `mm` has no user task left and its
 * device has nothing dirty or under writeback. */
proc *proc_flusher_new(sim_engine *e, struct task *tsk, struct request_queue *q,
                       struct bdi_writeback *wb, struct pagecache *mm,
                       const proc_observer *obs, void *obs_ctx);
/* In a run with a page cache every user task is counted in `mm` (the
 * flushers stay while one lives), and reports its page-cache views. */
void proc_set_page_cache(proc *p, struct pagecache *mm,
                         const proc_observer *obs, void *obs_ctx);
void proc_free(proc *p);
/* Reuse p's memory for a new run (exploration restarts runs from the
 * start): proc_reset releases what p holds, deleting its timers (before
 * the engine is reset), and proc_restart (which must follow before p is
 * used: its job is left as it was) makes it what proc_new would
 * return (then proc_wait_for and proc_set_page_cache as after
 * proc_new). */
void proc_reset(proc *p);
void proc_restart(proc *p, sim_engine *e, struct task *tsk, const proc_job *job,
                  struct request_queue *q, uint64_t seed, proc_io_done_fn done,
                  void *done_ctx);

/* `p` (whose job has wait_for > 0) starts once `prereq` has exited, and
 * the wait_for - 1 others linked the same way. */
void proc_wait_for(proc *p, proc *prereq);
/* When the process started (or will): its start, or later when it
 * waited for others. */
sim_time proc_start_time(const proc *p);

struct task *proc_task(proc *p);
bool proc_finished(const proc *p); /* took its `exit` step */
int proc_in_flight(const proc *p); /* bios submitted and not ended */
/* When the oldest of those (or the buffered call in progress) began, -1 if
 * none (reports: an I/O that never ends has waited at least since then). */
sim_time proc_oldest_in_flight(const proc *p);
const char *proc_step_name(const proc *p);
/* Everything of the process that can change the future (exploration). */
void proc_fingerprint(const proc *p, fingerprint *fp);

#endif
