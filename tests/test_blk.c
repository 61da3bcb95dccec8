/* Block layer: request allocation limits, sleeping in get_request_wait and
 * the wake-ups of freed_request (spec 3.1), merging (3.3), and the cic path
 * of both kernels (spec 4) under a scripted interleaving.  A fake disk with
 * a fixed service time and a minimal FIFO elevator keep the block layer
 * itself under test. */
#include <errno.h>

#include "models/elevator.h"
#include "models/proc.h"
#include "sim/interleave.h"
#include "sim/rng.h"

/* ---- a disk that takes exactly 1 ms per command, one at a time ---- */

typedef struct fake_disk {
  sim_engine *e;
  GQueue pending;
  disk_cmd *busy;
  sim_time busy_ns;
} fake_disk;

static void fake_start(fake_disk *d);

static void fake_done(void *arg) {
  fake_disk *d = arg;
  disk_cmd *c = d->busy;
  d->busy = NULL;
  d->busy_ns += SIM_MS;
  c->completed = sim_now(d->e);
  fake_start(d);
  c->done(c);
}

static void fake_start(fake_disk *d) {
  if (d->busy || !d->pending.length)
    return;
  d->busy = g_queue_pop_head(&d->pending);
  sim_post(d->e, sim_now(d->e) + SIM_MS, "complete", fake_done, d);
}

static void *fake_init(const void *cfg, sim_engine *e, GError **err) {
  (void)cfg;
  (void)err;
  fake_disk *d = g_new0(fake_disk, 1);
  d->e = e;
  return d;
}
static void fake_free(void *d) {
  g_queue_clear(&((fake_disk *)d)->pending);
  g_free(d);
}
static int fake_depth(const void *d) { (void)d; return 1; }
static int64_t fake_capacity(const void *d) { (void)d; return 1 << 30; }
static void fake_submit(void *dv, disk_cmd *c) {
  fake_disk *d = dv;
  g_queue_push_tail(&d->pending, c);
  fake_start(d);
}
static sim_time fake_busy(const void *d) { return ((const fake_disk *)d)->busy_ns; }

static const param_desc no_params[] = {{NULL, 0, 0, NULL, PARAM_NO_RANGE, NULL, NULL}};
static const disk_ops fake_disk_ops = {
    .name = "fake", .params = no_params, .init = fake_init, .free = fake_free,
    .queue_depth = fake_depth, .capacity = fake_capacity, .submit = fake_submit,
    .busy_time = fake_busy};

/* ---- a FIFO elevator; with_cic makes requests carry a cic like CFQ ---- */

typedef struct fifo_data {
  GQueue fifo;
  GPtrArray *cics_seen;
} fifo_data;

static void *fifo_init(struct request_queue *q, const void *cfg, GError **err) {
  (void)q; (void)cfg; (void)err;
  fifo_data *fd = g_new0(fifo_data, 1);
  fd->cics_seen = g_ptr_array_new();
  return fd;
}
static void fifo_exit(void *ed) {
  fifo_data *fd = ed;
  g_queue_clear(&fd->fifo);
  g_ptr_array_free(fd->cics_seen, TRUE);
  g_free(fd);
}
static void fifo_add(struct request_queue *q, struct request *rq) {
  g_queue_push_tail(&((fifo_data *)q->elevator_data)->fifo, rq);
}
static int fifo_dispatch(struct request_queue *q, int force) {
  (void)force;
  struct request *rq = g_queue_pop_head(&((fifo_data *)q->elevator_data)->fifo);
  if (!rq)
    return 0;
  elv_dispatch_add_tail(q, rq);
  return 1;
}
static struct request *fifo_latter(struct request_queue *q, struct request *rq) {
  GList *l = g_queue_find(&((fifo_data *)q->elevator_data)->fifo, rq);
  return l && l->next ? l->next->data : NULL;
}
static struct request *fifo_former(struct request_queue *q, struct request *rq) {
  GList *l = g_queue_find(&((fifo_data *)q->elevator_data)->fifo, rq);
  return l && l->prev ? l->prev->data : NULL;
}
static void fifo_merge_req(struct request_queue *q, struct request *rq,
                           struct request *next) {
  (void)rq;
  g_queue_remove(&((fifo_data *)q->elevator_data)->fifo, next);
}
static int fifo_set_req(struct request_queue *q, struct request *rq,
                        struct task *tsk, struct cfq_io_context *cic) {
  (void)tsk;
  g_assert_nonnull(cic);
  rq->elv_priv[0] = cic;
  g_ptr_array_add(((fifo_data *)q->elevator_data)->cics_seen, cic);
  return 0;
}

static const struct elevator_type fifo_plain = {
    .elevator_name = "fifo",
    .ops = {.elevator_dispatch_fn = fifo_dispatch, .elevator_add_req_fn = fifo_add,
            .elevator_former_req_fn = fifo_former, .elevator_latter_req_fn = fifo_latter,
            .elevator_merge_req_fn = fifo_merge_req,
            .elevator_init_fn = fifo_init, .elevator_exit_fn = fifo_exit},
    .params = no_params};

static const struct elevator_type fifo_cic = {
    .elevator_name = "fifo-cic",
    .ops = {.elevator_dispatch_fn = fifo_dispatch, .elevator_add_req_fn = fifo_add,
            .elevator_former_req_fn = fifo_former, .elevator_latter_req_fn = fifo_latter,
            .elevator_merge_req_fn = fifo_merge_req, .elevator_set_req_fn = fifo_set_req,
            .elevator_init_fn = fifo_init, .elevator_exit_fn = fifo_exit},
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
} world;

static void on_io(void *ctx, proc *p, const struct bio *bio) {
  (void)bio;
  world *w = ctx;
  w->completions++;
  for (int i = 0; i < w->n; i++)
    if (w->procs[i] == p)
      w->last_completion[i] = sim_now(w->e);
}

static void world_init(world *w, const struct elevator_type *et, int nr_requests,
                       cic_link_variant v, uint32_t max_sectors) {
  memset(w, 0, sizeof *w);
  w->e = sim_engine_new();
  w->kernel = (struct kernel_cfg){.hz = 1000, .nr_requests = nr_requests,
                                  .cic_link = v, .group_iosched = true};
  w->disk = fake_disk_ops.init(NULL, w->e, NULL);
  w->q = blk_queue_new(w->e, "sda", &w->kernel, &fake_disk_ops, w->disk, 1,
                       max_sectors, 0, 0);
  g_assert_true(blk_queue_set_elevator(w->q, et, NULL, NULL));
}

/* Add a process; `ioc` < 0 gives it its own io_context, else it shares
 * the ioc of process `ioc`. */
static void world_add(world *w, const char *name, int ioc, const proc_job *job) {
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
  w->procs[i] = proc_new(w->e, t, job, w->q, sim_rng_new(1, name), on_io, w);
}

static void world_free(world *w) {
  for (int i = 0; i < w->n; i++)
    proc_free(w->procs[i]);
  blk_queue_free(w->q);
  fake_disk_ops.free(w->disk);
  for (int i = 0; i < w->n; i++)
    ioc_free(w->iocs[i]);
  sim_engine_free(w->e);
}

static proc_job one_read(int64_t sector) {
  return (proc_job){.rw = PROC_RW_READ, .bs_sectors = 8, .offset = sector,
                    .size = 8, .iodepth = 1, .count = 1};
}

/* Spec 3.1.2/3.1.5: with nr_requests = 4, more sync writers than that make
 * the extra ones sleep in get_request_wait; each is woken by a completion
 * (freed_request) and every write completes. */
static void test_nr_requests_sleep_and_wake(void) {
  world w;
  world_init(&w, &fifo_plain, 4, CIC_LINK_FIXED, 1024);
  static const char *names[] = {"w0", "w1", "w2", "w3", "w4", "w5"};
  for (int i = 0; i < 6; i++) {
    proc_job j = {.rw = PROC_RW_WRITE, .sync_writes = true, .bs_sectors = 8,
                  .offset = (int64_t)i * 1000000, .size = 80000, .iodepth = 1,
                  .count = 3};
    world_add(&w, names[i], -1, &j);
  }
  g_assert_cmpint(sim_engine_run(w.e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpint(w.completions, ==, 18);
  /* The 4th reservation marks the queue full and makes its ioc a batcher;
   * the 5th and 6th writers find it full and sleep. */
  g_assert_cmpuint(w.q->stats.sleeps, >=, 2);
  g_assert_cmpuint(w.q->stats.wakeups, ==, w.q->stats.sleeps);
  g_assert_cmpint(w.q->rl.count[BLK_RW_SYNC], ==, 0);
  /* Eighteen 1 ms writes on a one-at-a-time disk: no idle gap. */
  g_assert_cmpint(sim_now(w.e), ==, 18 * SIM_MS);
  world_free(&w);
}

/* Spec 3.1.5: wake-ups are exclusive and FIFO: the oldest sleeper first. */
static void test_wakeups_are_fifo(void) {
  world w;
  world_init(&w, &fifo_plain, 4, CIC_LINK_FIXED, 1024);
  static const char *names[] = {"w0", "w1", "w2", "w3", "w4", "w5", "w6"};
  for (int i = 0; i < 7; i++) {
    proc_job j = {.rw = PROC_RW_WRITE, .sync_writes = true, .bs_sectors = 8,
                  .offset = (int64_t)i * 1000000, .size = 8, .iodepth = 1,
                  .count = 1};
    world_add(&w, names[i], -1, &j);
  }
  g_assert_cmpint(sim_engine_run(w.e, -1, NULL), ==, SIM_COMPLETED);
  /* Sleepers slept in id order, so they complete in id order. */
  for (int i = 1; i < 7; i++)
    g_assert_cmpint(w.last_completion[i - 1], <, w.last_completion[i]);
  world_free(&w);
}

/* Spec 3.3: contiguous bios back-merge into a queued request of the same
 * direction, up to max_sectors; merged bios end with their request. */
static void test_back_merge_up_to_max_sectors(void) {
  world w;
  world_init(&w, &fifo_plain, 128, CIC_LINK_FIXED, 32); /* 16 KiB requests */
  proc_job j = {.rw = PROC_RW_WRITE, .bs_sectors = 8, .offset = 0, .size = 1 << 20,
                .iodepth = 16, .count = 64};
  world_add(&w, "writer", -1, &j);
  g_assert_cmpint(sim_engine_run(w.e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpint(w.completions, ==, 64);
  g_assert_cmpuint(w.q->stats.bio_merges, >, 0);
  g_assert_cmpuint(w.q->stats.completed + w.q->stats.bio_merges, ==, 64);
  /* No request grew past max_sectors: 4 bios at most per request. */
  g_assert_cmpuint(w.q->stats.completed, >=, 64 / 4);
  g_assert_cmpuint(w.q->stats.bytes_completed, ==, 64 * 4096);
  world_free(&w);
}

/* nomerges = 2 turns every merge off. */
static void test_nomerges(void) {
  world w;
  world_init(&w, &fifo_plain, 128, CIC_LINK_FIXED, 1024);
  w.q->nomerges = 2;
  proc_job j = {.rw = PROC_RW_WRITE, .bs_sectors = 8, .size = 1 << 20,
                .iodepth = 16, .count = 32};
  world_add(&w, "writer", -1, &j);
  g_assert_cmpint(sim_engine_run(w.e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpuint(w.q->stats.bio_merges, ==, 0);
  g_assert_cmpuint(w.q->stats.completed, ==, 32);
  world_free(&w);
}

/* ---- the cic-link race (spec 4.5) on the fake cic elevator ---- */

static wl_sched_entry E(const char *who, const char *step) {
  return (wl_sched_entry){.process = (char *)who, .step = (char *)step};
}

static sim_outcome run_seed(world *w, cic_link_variant v) {
  world_init(w, &fifo_cic, 128, v, 1024);
  proc_job a = one_read(1000), b = one_read(900000);
  world_add(w, "A", -1, &a);
  world_add(w, "B", 0, &b); /* B shares A's io_context (CLONE_IO) */
  wl_sched_entry seed[] = {E("A", "submit"), E("A", "lookup"), E("A", "alloc_cic"),
                           E("B", "submit"), E("B", "lookup"), E("B", "alloc_cic"),
                           E("A", "link"), E("A", "queue"), E("A", "io_wait"),
                           E("B", "link"),
                           /* step 10: `fail` on buggy, `lookup` on fixed */
                           E("B", v == CIC_LINK_BUGGY ? "fail" : "lookup")};
  interleave *il = interleave_new_script(seed, G_N_ELEMENTS(seed), "test");
  interleave_attach(il, w->e);
  GError *err = NULL;
  sim_outcome o = sim_engine_run(w->e, -1, &err);
  g_assert_no_error(err);
  interleave_free(il);
  return o;
}

static void test_seed_race_buggy_hangs(void) {
  world w;
  g_assert_cmpint(run_seed(&w, CIC_LINK_BUGGY), ==, SIM_HANG);
  sim_actor *b = w.tasks[1].actor;
  g_assert_cmpstr(sim_actor_waitq(b), ==, "rl->wait[SYNC]");
  g_assert_cmpint(w.q->stats.cic_link_failed, ==, 1);
  g_assert_cmpint(w.q->rl.count[BLK_RW_SYNC], ==, 0);
  g_assert_cmpint(w.q->rl.starved[BLK_RW_SYNC], ==, 1);
  g_assert_cmpint(w.q->dev_in_flight, ==, 0);
  /* A's request was freed before B slept: that wake-up found nobody. */
  g_assert_cmpint(w.q->last_freed[BLK_RW_SYNC], <=, sim_actor_since(b));
  g_assert_cmpint(w.completions, ==, 1);
  world_free(&w);
}

static void test_seed_race_fixed_completes(void) {
  world w;
  g_assert_cmpint(run_seed(&w, CIC_LINK_FIXED), ==, SIM_COMPLETED);
  g_assert_cmpint(w.completions, ==, 2);
  g_assert_cmpint(w.q->stats.cic_link_failed, ==, 0);
  /* Exactly one cic linked for the (ioc, device); the loser's was freed
   * and both requests carried the winner's. */
  g_assert_cmpuint(w.q->stats.cics_linked, ==, 1);
  g_assert_cmpuint(w.q->stats.cics_freed, ==, 1);
  fifo_data *fd = w.q->elevator_data;
  g_assert_cmpuint(fd->cics_seen->len, ==, 2);
  g_assert_true(g_ptr_array_index(fd->cics_seen, 0) == g_ptr_array_index(fd->cics_seen, 1));
  world_free(&w);
}

/* Spec 4.6: a sleeper is rescued by another request's completion when one
 * is in flight: here a third process C keeps the device busy. */
static void test_sleeper_rescued_by_inflight_completion(void) {
  world w;
  world_init(&w, &fifo_cic, 128, CIC_LINK_BUGGY, 1024);
  proc_job a = one_read(1000), b = one_read(900000);
  proc_job c = {.rw = PROC_RW_READ, .bs_sectors = 8, .offset = 5000000, .size = 8000,
                .iodepth = 1, .count = 2};
  world_add(&w, "A", -1, &a);
  world_add(&w, "B", 0, &b);
  world_add(&w, "C", -1, &c);
  wl_sched_entry s[] = {E("C", "submit"), E("C", "lookup"), E("C", "alloc_cic"),
                        E("C", "link"), E("C", "queue"),
                        E("A", "submit"), E("A", "lookup"), E("A", "alloc_cic"),
                        E("B", "submit"), E("B", "lookup"), E("B", "alloc_cic"),
                        E("A", "link"), E("A", "queue"), E("B", "link"), E("B", "fail")};
  interleave *il = interleave_new_script(s, G_N_ELEMENTS(s), "test");
  interleave_attach(il, w.e);
  g_assert_cmpint(sim_engine_run(w.e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpint(w.q->stats.cic_link_failed, ==, 1);
  g_assert_cmpint(w.completions, ==, 4);
  g_assert_cmpuint(w.q->stats.wakeups, >=, 1);
  interleave_free(il);
  world_free(&w);
}

/* Spec 4.6: with three sharers there can be two losers; the second loser's
 * failure path (its freed_request) wakes the first, which retries, finds
 * the winner's cic and issues its I/O, whose free wakes the second. */
static void test_second_loser_wakes_first(void) {
  world w;
  world_init(&w, &fifo_cic, 128, CIC_LINK_BUGGY, 1024);
  proc_job a = one_read(1000), b = one_read(900000), c = one_read(1900000);
  world_add(&w, "A", -1, &a);
  world_add(&w, "B", 0, &b);
  world_add(&w, "C", 0, &c);
  wl_sched_entry s[] = {E("A", "submit"), E("A", "lookup"), E("A", "alloc_cic"),
                        E("B", "submit"), E("B", "lookup"), E("B", "alloc_cic"),
                        E("C", "submit"), E("C", "lookup"), E("C", "alloc_cic"),
                        E("A", "link"), E("A", "queue"), E("A", "io_wait"),
                        E("B", "link"), E("B", "fail"),
                        E("C", "link"), E("C", "fail"),
                        E("B", "retry")};
  interleave *il = interleave_new_script(s, G_N_ELEMENTS(s), "test");
  interleave_attach(il, w.e);
  g_assert_cmpint(sim_engine_run(w.e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpint(w.q->stats.cic_link_failed, ==, 2);
  /* B was woken by C's undo (the schedule's B@retry would otherwise be a
   * mismatch); B's own request's free then woke C. */
  g_assert_cmpint(w.completions, ==, 3);
  g_assert_cmpuint(w.q->stats.wakeups, ==, 2);
  g_assert_cmpint(w.last_completion[1], <, w.last_completion[2]);
  interleave_free(il);
  world_free(&w);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/blk/nr_requests-sleep-and-wake", test_nr_requests_sleep_and_wake);
  g_test_add_func("/blk/wakeups-are-fifo", test_wakeups_are_fifo);
  g_test_add_func("/blk/back-merge-max-sectors", test_back_merge_up_to_max_sectors);
  g_test_add_func("/blk/nomerges", test_nomerges);
  g_test_add_func("/blk/race/seed-buggy-hangs", test_seed_race_buggy_hangs);
  g_test_add_func("/blk/race/seed-fixed-completes", test_seed_race_fixed_completes);
  g_test_add_func("/blk/race/rescued-by-inflight", test_sleeper_rescued_by_inflight_completion);
  g_test_add_func("/blk/race/second-loser-wakes-first", test_second_loser_wakes_first);
  return g_test_run();
}
