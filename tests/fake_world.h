/* A small test world shared by the block-layer and explorer suites: a
 * fake disk taking exactly 1 ms per command (one at a time), a FIFO
 * elevator (with_cic: its requests carry a cic like CFQ's, so processes go
 * through lookup/alloc_cic/link), and n processes on one device. */
#ifndef CFQSIM_TESTS_FAKE_WORLD_H
#define CFQSIM_TESTS_FAKE_WORLD_H

#include <errno.h>
#include <string.h>

#include "models/elevator.h"
#include "models/proc.h"
#include "sim/core/interleave.h"
#include "sim/core/rng.h"

/* ---- a disk that takes exactly 1 ms per command, one at a time ---- */

typedef struct fake_disk {
  sim_engine *e;
  GQueue pending;
  disk_cmd *busy;
  sim_time busy_ns;
} fake_disk;

static inline void fake_start(fake_disk *d);

static inline void fake_done(void *arg) {
  fake_disk *d = arg;
  disk_cmd *c = d->busy;
  d->busy = NULL;
  d->busy_ns += SIM_MS;
  c->completed = sim_now(d->e);
  fake_start(d);
  c->done(c);
}

static inline void fake_start(fake_disk *d) {
  if (d->busy || !d->pending.length)
    return;
  d->busy = g_queue_pop_head(&d->pending);
  sim_post(d->e, sim_now(d->e) + SIM_MS, "complete", fake_done, d);
}

static inline void *fake_init(const void *cfg, sim_engine *e, GError **err) {
  (void)cfg;
  (void)err;
  fake_disk *d = g_new0(fake_disk, 1);
  d->e = e;
  return d;
}
static inline void fake_free(void *d) {
  g_queue_clear(&((fake_disk *)d)->pending);
  g_free(d);
}
static inline int fake_depth(const void *d) {
  (void)d;
  return 1;
}
static inline int64_t fake_capacity(const void *d) {
  (void)d;
  return 1 << 30;
}
static inline void fake_submit(void *dv, disk_cmd *c) {
  fake_disk *d = dv;
  g_queue_push_tail(&d->pending, c);
  fake_start(d);
}
static inline sim_time fake_busy(const void *d) {
  return ((const fake_disk *)d)->busy_ns;
}

static const param_desc no_params[] = {
    {NULL, 0, 0, NULL, PARAM_NO_RANGE, NULL, NULL}};
static const disk_ops fake_disk_ops = {.name = "fake",
                                       .params = no_params,
                                       .init = fake_init,
                                       .free = fake_free,
                                       .queue_depth = fake_depth,
                                       .capacity = fake_capacity,
                                       .submit = fake_submit,
                                       .busy_time = fake_busy};

/* ---- a FIFO elevator; with_cic makes requests carry a cic like CFQ ---- */

typedef struct fifo_data {
  GQueue fifo;
  GPtrArray *cics_seen;
} fifo_data;

static inline void *fifo_init(struct request_queue *q, const void *cfg,
                              GError **err) {
  (void)q;
  (void)cfg;
  (void)err;
  fifo_data *fd = g_new0(fifo_data, 1);
  fd->cics_seen = g_ptr_array_new();
  return fd;
}
static inline void fifo_exit(void *ed) {
  fifo_data *fd = ed;
  g_queue_clear(&fd->fifo);
  g_ptr_array_free(fd->cics_seen, TRUE);
  g_free(fd);
}
static inline void fifo_add(struct request_queue *q, struct request *rq) {
  g_queue_push_tail(&((fifo_data *)q->elevator_data)->fifo, rq);
}
static inline int fifo_dispatch(struct request_queue *q, int force) {
  (void)force;
  struct request *rq = g_queue_pop_head(&((fifo_data *)q->elevator_data)->fifo);
  if (!rq)
    return 0;
  elv_dispatch_add_tail(q, rq);
  return 1;
}
static inline struct request *fifo_latter(struct request_queue *q,
                                          struct request *rq) {
  GList *l = g_queue_find(&((fifo_data *)q->elevator_data)->fifo, rq);
  return l && l->next ? l->next->data : NULL;
}
static inline struct request *fifo_former(struct request_queue *q,
                                          struct request *rq) {
  GList *l = g_queue_find(&((fifo_data *)q->elevator_data)->fifo, rq);
  return l && l->prev ? l->prev->data : NULL;
}
static inline void fifo_merge_req(struct request_queue *q, struct request *rq,
                                  struct request *next) {
  (void)rq;
  g_queue_remove(&((fifo_data *)q->elevator_data)->fifo, next);
}
static inline int fifo_set_req(struct request_queue *q, struct request *rq,
                               struct task *tsk, struct cfq_io_context *cic) {
  (void)tsk;
  g_assert_nonnull(cic);
  rq->elv_priv[0] = cic;
  g_ptr_array_add(((fifo_data *)q->elevator_data)->cics_seen, cic);
  return 0;
}

G_GNUC_UNUSED static const struct elevator_type fifo_plain = {
    .elevator_name = "fifo",
    .ops = {.elevator_dispatch_fn = fifo_dispatch,
            .elevator_add_req_fn = fifo_add,
            .elevator_former_req_fn = fifo_former,
            .elevator_latter_req_fn = fifo_latter,
            .elevator_merge_req_fn = fifo_merge_req,
            .elevator_init_fn = fifo_init,
            .elevator_exit_fn = fifo_exit},
    .params = no_params};

G_GNUC_UNUSED static const struct elevator_type fifo_cic = {
    .elevator_name = "fifo-cic",
    .ops = {.elevator_dispatch_fn = fifo_dispatch,
            .elevator_add_req_fn = fifo_add,
            .elevator_former_req_fn = fifo_former,
            .elevator_latter_req_fn = fifo_latter,
            .elevator_merge_req_fn = fifo_merge_req,
            .elevator_set_req_fn = fifo_set_req,
            .elevator_init_fn = fifo_init,
            .elevator_exit_fn = fifo_exit},
    .params = no_params};

/* ---- a little world: one device, n processes ---- */

typedef struct world {
  sim_engine *e;
  struct kernel_cfg kernel;
  void *disk;
  struct request_queue *q;
  struct task tasks[8];
  proc *procs[8];
  struct io_context *iocs[8];
  int n;
  int completions;
  sim_time last_completion[8];
  void (*io_hook)(void *ctx); /* optional: told of every completion */
  void *io_hook_ctx;
} world;

static inline void on_io(void *ctx, proc *p, const struct bio *bio) {
  (void)bio;
  world *w = ctx;
  w->completions++;
  for (int i = 0; i < w->n; i++)
    if (w->procs[i] == p)
      w->last_completion[i] = sim_now(w->e);
  if (w->io_hook)
    w->io_hook(w->io_hook_ctx);
}

static inline void world_init(world *w, const struct elevator_type *et,
                              int nr_requests, cic_link_variant v,
                              uint32_t max_sectors) {
  memset(w, 0, sizeof *w);
  w->e = sim_engine_new();
  w->kernel = (struct kernel_cfg){.hz = 1000,
                                  .nr_requests = nr_requests,
                                  .cic_link = v,
                                  .group_iosched = true};
  w->disk = fake_disk_ops.init(NULL, w->e, NULL);
  w->q = blk_queue_new(w->e, "sda", &w->kernel, &fake_disk_ops, w->disk, 1,
                       max_sectors, 0, 0);
  g_assert_true(blk_queue_set_elevator(w->q, et, NULL, NULL));
}

/* Add a process; `ioc` < 0 gives it its own io_context, else it shares
 * the ioc of process `ioc`. */
static inline void world_add(world *w, const char *name, int ioc,
                             const proc_job *job) {
  int i = w->n++;
  struct task *t = &w->tasks[i];
  t->name = (char *)name;
  t->pid = 100 + i;
  if (ioc < 0) {
    w->iocs[i] = ioc_new(name, 0);
    t->ioc = w->iocs[i];
  } else {
    t->ioc = w->tasks[ioc].ioc;
  }
  t->ioc->nr_tasks++;
  t->ioc->refcount++; /* the task's own reference */
  w->procs[i] = proc_new(w->e, t, job, w->q, 1, on_io, w);
}

static inline void world_free(world *w) {
  for (int i = 0; i < w->n; i++)
    proc_free(w->procs[i]);
  blk_queue_free(w->q);
  fake_disk_ops.free(w->disk);
  for (int i = 0; i < w->n; i++)
    ioc_free(w->iocs[i]);
  sim_engine_free(w->e);
}

static inline proc_job one_read(int64_t sector) {
  return (proc_job){.rw = PROC_RW_READ,
                    .bs_sectors = 8,
                    .offset = sector,
                    .size = 8,
                    .iodepth = 1,
                    .count = 1};
}

static inline sched_entry E(const char *who, const char *step) {
  return (sched_entry){.process = (char *)who, .step = (char *)step};
}

/* Run the world under a scripted interleaving (then fifo) to its end. */
static inline sim_outcome world_run_schedule(world *w, const sched_entry *s,
                                             guint n) {
  interleave *il = interleave_new_script(s, n, "test");
  interleave_attach(il, w->e);
  GError *err = NULL;
  sim_outcome o = sim_engine_run(w->e, -1, &err);
  g_assert_no_error(err);
  interleave_free(il);
  return o;
}

#endif
