/* A simulated process: a fio-like job that issues I/O down the kernel path
 * as atomic steps (submit, lookup, alloc_cic, link, queue,
 * fail, retry, unplug, io_wait, exit). */
#ifndef CFQSIM_PROC_H
#define CFQSIM_PROC_H

#include <gsl/gsl_rng.h>

#include "models/blk.h"
#include "sim/core/engine.h"
#include "sim/core/fingerprint.h"

typedef enum {
  PROC_RW_READ, PROC_RW_WRITE, PROC_RW_MIXED
} proc_rw;

/* The job, in the simulator's units (the workload layer converts). */
typedef struct proc_job {
  proc_rw rw;
  bool random;
  int rwmixread;       /* percent, for PROC_RW_MIXED */
  uint32_t bs_sectors;
  int64_t offset;      /* sectors */
  int64_t size;        /* sectors of the region */
  int iodepth;
  int64_t count;       /* I/Os; 0 unlimited */
  int64_t io_size;     /* sectors; 0 unlimited */
  sim_time runtime;    /* 0 unlimited */
  sim_time think;
  bool think_exp;
  sim_time start;
  bool sync_writes;
} proc_job;

typedef struct proc proc;

/* Called at each bio completion (observers: metrics). */
typedef void (*proc_io_done_fn)(void *ctx, proc *p, const struct bio *bio);

/* The process's random stream is sim_rng_new(seed, task name), created on
 * its first draw (jobs that draw nothing never pay for seeding). */
proc *proc_new(sim_engine *e, struct task *tsk, const proc_job *job,
               struct request_queue *q, uint64_t seed, proc_io_done_fn done,
               void *done_ctx);
void proc_free(proc *p);

struct task *proc_task(proc *p);
bool proc_finished(const proc *p);   /* took its `exit` step */
int proc_in_flight(const proc *p);   /* bios submitted and not ended */
/* When the oldest of those was submitted, -1 if none (reports: an I/O that
 * never ends has waited at least since then). */
sim_time proc_oldest_in_flight(const proc *p);
const char *proc_step_name(const proc *p);
/* Everything of the process that can change the future (exploration). */
void proc_fingerprint(const proc *p, fingerprint *fp);

#endif
