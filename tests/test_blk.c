/* Block layer: request allocation limits, sleeping in get_request_wait and
 * the wake-ups of freed_request, merging, and the cic path of both kernels
 * under a scripted interleaving (docs/model.md, "The block layer", "The link
 * race").  A fake disk with a fixed service time and a minimal FIFO elevator
 * keep the block layer itself under test. */
#include "tests/fake_world.h"

/* With nr_requests = 4, more sync writers than that make the extra ones sleep
 * in get_request_wait; each is woken by a completion (freed_request) and
 * every write completes. */
static void test_nr_requests_sleep_and_wake(void) {
  world w;
  world_init(&w, &fifo_plain, 4, CIC_LINK_FIXED, 1024);
  static const char *names[] = {"w0", "w1", "w2", "w3", "w4", "w5"};
  for (int i = 0; i < 6; i++) {
    proc_job j = {.rw = PROC_RW_WRITE,
                  .sync_writes = true,
                  .bs_sectors = 8,
                  .offset = (int64_t)i * 1000000,
                  .size = 80000,
                  .iodepth = 1,
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

/* Wake-ups are exclusive and FIFO: the oldest sleeper first. */
static void test_wakeups_are_fifo(void) {
  world w;
  world_init(&w, &fifo_plain, 4, CIC_LINK_FIXED, 1024);
  static const char *names[] = {"w0", "w1", "w2", "w3", "w4", "w5", "w6"};
  for (int i = 0; i < 7; i++) {
    proc_job j = {.rw = PROC_RW_WRITE,
                  .sync_writes = true,
                  .bs_sectors = 8,
                  .offset = (int64_t)i * 1000000,
                  .size = 8,
                  .iodepth = 1,
                  .count = 1};
    world_add(&w, names[i], -1, &j);
  }
  g_assert_cmpint(sim_engine_run(w.e, -1, NULL), ==, SIM_COMPLETED);
  /* Sleepers slept in id order, so they complete in id order. */
  for (int i = 1; i < 7; i++)
    g_assert_cmpint(w.last_completion[i - 1], <, w.last_completion[i]);
  world_free(&w);
}

/* Contiguous bios back-merge into a queued request of the same direction, up
 * to max_sectors; merged bios end with their request. */
static void test_back_merge_up_to_max_sectors(void) {
  world w;
  world_init(&w, &fifo_plain, 128, CIC_LINK_FIXED, 32); /* 16 KiB requests */
  proc_job j = {.rw = PROC_RW_WRITE,
                .bs_sectors = 8,
                .offset = 0,
                .size = 1 << 20,
                .iodepth = 16,
                .count = 64};
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
  proc_job j = {.rw = PROC_RW_WRITE,
                .bs_sectors = 8,
                .size = 1 << 20,
                .iodepth = 16,
                .count = 32};
  world_add(&w, "writer", -1, &j);
  g_assert_cmpint(sim_engine_run(w.e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpuint(w.q->stats.bio_merges, ==, 0);
  g_assert_cmpuint(w.q->stats.completed, ==, 32);
  world_free(&w);
}

/* ---- the cic-link race on the fake cic elevator ---- */

/* C starts an I/O first, so the device is busy while A and B race and B
 * (the loser) falls asleep in `fail`: C's completion can rescue it. */
#define STEP(p, st) \
  { .process = p, .step = st }
static const sched_entry race_while_c_busy[] = {
    STEP("C", "submit"), STEP("C", "lookup"),    STEP("C", "alloc_cic"),
    STEP("C", "link"),   STEP("C", "queue"),     STEP("A", "submit"),
    STEP("A", "lookup"), STEP("A", "alloc_cic"), STEP("B", "submit"),
    STEP("B", "lookup"), STEP("B", "alloc_cic"), STEP("A", "link"),
    STEP("A", "queue"),  STEP("B", "link"),      STEP("B", "fail")};

static sim_outcome run_seed(world *w, cic_link_variant v) {
  world_init(w, &fifo_cic, 128, v, 1024);
  proc_job a = one_read(1000), b = one_read(900000);
  world_add(w, "A", -1, &a);
  world_add(w, "B", 0, &b); /* B shares A's io_context (CLONE_IO) */
  sched_entry seed[] = {E("A", "submit"), E("A", "lookup"), E("A", "alloc_cic"),
                        E("B", "submit"), E("B", "lookup"), E("B", "alloc_cic"),
                        E("A", "link"), E("A", "queue"), E("A", "io_wait"),
                        E("B", "link"),
                        /* step 10: `fail` on buggy, `lookup` on fixed */
                        E("B", v == CIC_LINK_BUGGY ? "fail" : "lookup")};
  return world_run_schedule(w, seed, G_N_ELEMENTS(seed));
}

static void test_seed_race_buggy_hangs(void) {
  world w;
  g_assert_cmpint(run_seed(&w, CIC_LINK_BUGGY), ==, SIM_HANG);
  sim_actor *b = w.tasks[1].actor;
  g_assert_cmpstr(sim_actor_waitq(b), ==, "rl->wait[SYNC]");
  g_assert_cmpint(w.q->stats.cic.link_failed, ==, 1);
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
  g_assert_cmpint(w.q->stats.cic.link_failed, ==, 0);
  /* Exactly one cic linked for the (ioc, device); the loser's was freed
   * and both requests carried the winner's. */
  g_assert_cmpuint(w.q->stats.cic.linked, ==, 1);
  g_assert_cmpuint(w.q->stats.cic.freed, ==, 1);
  fifo_data *fd = w.q->elevator_data;
  g_assert_cmpuint(fd->cics_seen->len, ==, 2);
  g_assert_true(g_ptr_array_index(fd->cics_seen, 0) ==
                g_ptr_array_index(fd->cics_seen, 1));
  world_free(&w);
}

/* Under load a lost race costs only latency: a sleeper is rescued by another
 * request's completion when one is in flight; here a third process C keeps
 * the device busy. */
static void test_sleeper_rescued_by_inflight_completion(void) {
  world w;
  world_init(&w, &fifo_cic, 128, CIC_LINK_BUGGY, 1024);
  proc_job a = one_read(1000), b = one_read(900000);
  proc_job c = {.rw = PROC_RW_READ,
                .bs_sectors = 8,
                .offset = 5000000,
                .size = 8000,
                .iodepth = 1,
                .count = 2};
  world_add(&w, "A", -1, &a);
  world_add(&w, "B", 0, &b);
  world_add(&w, "C", -1, &c);
  g_assert_cmpint(world_run_schedule(&w, race_while_c_busy,
                                     G_N_ELEMENTS(race_while_c_busy)),
                  ==, SIM_COMPLETED);
  g_assert_cmpint(w.q->stats.cic.link_failed, ==, 1);
  g_assert_cmpint(w.completions, ==, 4);
  g_assert_cmpuint(w.q->stats.wakeups, >=, 1);
  world_free(&w);
}

/* With three sharers there can be two losers; the second loser's failure path
 * (its freed_request) wakes the first, which retries, finds the winner's cic
 * and issues its I/O, whose free wakes the second. */
static void test_second_loser_wakes_first(void) {
  world w;
  world_init(&w, &fifo_cic, 128, CIC_LINK_BUGGY, 1024);
  proc_job a = one_read(1000), b = one_read(900000), c = one_read(1900000);
  world_add(&w, "A", -1, &a);
  world_add(&w, "B", 0, &b);
  world_add(&w, "C", 0, &c);
  sched_entry s[] = {E("A", "submit"), E("A", "lookup"), E("A", "alloc_cic"),
                     E("B", "submit"), E("B", "lookup"), E("B", "alloc_cic"),
                     E("C", "submit"), E("C", "lookup"), E("C", "alloc_cic"),
                     E("A", "link"),   E("A", "queue"),  E("A", "io_wait"),
                     E("B", "link"),   E("B", "fail"),   E("C", "link"),
                     E("C", "fail"),   E("B", "retry")};
  g_assert_cmpint(world_run_schedule(&w, s, G_N_ELEMENTS(s)), ==,
                  SIM_COMPLETED);
  g_assert_cmpint(w.q->stats.cic.link_failed, ==, 2);
  /* B was woken by C's undo (the schedule's B@retry would otherwise be a
   * mismatch); B's own request's free then woke C. */
  g_assert_cmpint(w.completions, ==, 3);
  g_assert_cmpuint(w.q->stats.wakeups, ==, 2);
  g_assert_cmpint(w.last_completion[1], <, w.last_completion[2]);
  world_free(&w);
}

/* Reference counts across `link`, `fail` and `exit` (docs/model.md,
 * "Reference counts"): each `lookup` takes one ioc reference
 * (get_io_context); a request keeps it until cfq_put_request.  On the buggy
 * -EEXIST the error tail of cfq_get_io_context drops it (`link`), and the
 * request memory freed in `fail` carries none.  In the fixed kernel the loser
 * keeps its reference across the retry and its request drops it when freed.
 * Each task holds one reference until `exit`.  So once every request is gone
 * only the tasks still alive hold references: the hung B on the buggy kernel,
 * nobody on the fixed one. */
static void test_ioc_refs_balance_after_race(void) {
  for (int v = 0; v < 2; v++) {
    world w;
    run_seed(&w, v == 0 ? CIC_LINK_BUGGY : CIC_LINK_FIXED);
    g_assert_cmpint(w.q->rl.count[BLK_RW_SYNC], ==, 0);
    g_assert_cmpint(w.iocs[0]->refcount, ==, v == 0 ? 1 : 0);
    g_assert_cmpint(w.iocs[0]->nr_tasks, ==, v == 0 ? 1 : 0);
    world_free(&w);
  }
}

/* ---- batching, the hard ceiling, starved, merges ---- */

typedef struct getrq_watch {
  int max_count[2];
  int getrq;
} getrq_watch;

static void watch_action(void *ctx, const struct request_queue *q, blk_action a,
                         int64_t sector, uint32_t bytes, unsigned rw,
                         const struct task *t) {
  (void)sector;
  (void)bytes;
  (void)rw;
  (void)t;
  getrq_watch *gw = ctx;
  if (a != BLK_ACT_GETRQ)
    return;
  gw->getrq++;
  for (int s = 0; s < 2; s++)
    gw->max_count[s] = MAX(gw->max_count[s], q->rl.count[s]);
}
static const struct blk_observer watch_ops = {.action = watch_action};

/* The task that fills the queue becomes a batcher and may go past
 * nr_requests, but never past 3*nr_requests/2; its credit is spent only on
 * reservations that consulted the ioc. */
static void test_batching_hard_ceiling(void) {
  world w;
  world_init(&w, &fifo_plain, 4, CIC_LINK_FIXED, 1024);
  proc_job j = {.rw = PROC_RW_WRITE,
                .random = true,
                .bs_sectors = 8,
                .offset = 0,
                .size = 1 << 24,
                .iodepth = 10,
                .count = 20};
  world_add(&w, "writer", -1, &j);
  /* A sharer of the writer's ioc reserves at 18.5 ms, inside the batch
   * window but with only two writes left (count + 1 < nr_requests): its
   * reservation leaves the ioc out and must not spend a credit. */
  proc_job late = {.rw = PROC_RW_WRITE,
                   .bs_sectors = 8,
                   .offset = 1 << 25,
                   .size = 8,
                   .iodepth = 1,
                   .count = 1,
                   .start = 18 * SIM_MS + SIM_MS / 2};
  world_add(&w, "late", 0, &late);
  getrq_watch gw = {{0, 0}, 0};
  blk_set_observer(w.q, &watch_ops, &gw);
  g_assert_cmpint(sim_engine_run(w.e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpint(w.completions, ==, 21);
  g_assert_cmpint(gw.max_count[BLK_RW_ASYNC], ==, 4 * 3 / 2);
  g_assert_cmpuint(w.q->stats.sleeps, >, 0);
  /* One batch (32 credits, 20 ms) covers the run.  The first three
   * reservations (count + 1 < nr_requests) leave the ioc out and spend
   * nothing; every later one happens with count >= 3 and spends one;
   * the late sharer's spends nothing. */
  g_assert_cmpint(w.iocs[0]->nr_batch_requests, ==, 32 - (20 - 3));
  world_free(&w);
}

/* The starved flag: a loser of the race sleeping on the ASYNC wait queue with
 * no async request left (starved) is woken by the free of a SYNC request. */
static void test_starved_other_class_wakes(void) {
  world w;
  world_init(&w, &fifo_cic, 128, CIC_LINK_BUGGY, 1024);
  proc_job a = one_read(1000);
  proc_job b = {.rw = PROC_RW_WRITE,
                .bs_sectors = 8,
                .offset = 900000,
                .size = 8,
                .iodepth = 1,
                .count = 1};
  proc_job c = one_read(5000000);
  world_add(&w, "A", -1, &a);
  world_add(&w, "B", 0, &b); /* async writer sharing A's ioc */
  world_add(&w, "C", -1, &c);
  g_assert_cmpint(world_run_schedule(&w, race_while_c_busy,
                                     G_N_ELEMENTS(race_while_c_busy)),
                  ==, SIM_COMPLETED);
  g_assert_cmpint(w.q->stats.cic.link_failed, ==, 1);
  g_assert_cmpint(w.completions, ==, 3);
  g_assert_cmpuint(w.q->stats.wakeups, ==, 1);
  g_assert_cmpint(w.q->rl.starved[BLK_RW_ASYNC], ==,
                  0); /* cleared by B's reservation */
  world_free(&w);
}

/* ---- direct calls into the block layer (no engine run) ---- */

/* A FIFO elevator that places requests with elv_dispatch_sort and counts
 * its dispatch and activation calls. */
static int sort_dispatch_calls, sort_activations;
static int fifo_sort_dispatch(struct request_queue *q, int force) {
  (void)force;
  sort_dispatch_calls++;
  struct request *rq = g_queue_pop_head(&((fifo_data *)q->elevator_data)->fifo);
  if (!rq)
    return 0;
  elv_dispatch_sort(q, rq);
  return 1;
}
static void fifo_sort_activate(struct request_queue *q, struct request *rq) {
  (void)q;
  (void)rq;
  sort_activations++;
}
static const struct elevator_type fifo_sort = {
    .elevator_name = "fifo-sort",
    .ops = {.elevator_dispatch_fn = fifo_sort_dispatch,
            .elevator_add_req_fn = fifo_add,
            .elevator_activate_req_fn = fifo_sort_activate,
            .elevator_former_req_fn = fifo_former,
            .elevator_latter_req_fn = fifo_latter,
            .elevator_merge_req_fn = fifo_merge_req,
            .elevator_init_fn = fifo_init,
            .elevator_exit_fn = fifo_exit},
    .params = no_params};

static void ignore_end(struct bio *bio) { (void)bio; }

static struct bio *new_bio(struct task *t, int64_t sector, uint32_t n,
                           unsigned rw) {
  struct bio *b = g_new0(struct bio, 1);
  b->sector = sector;
  b->nr_sectors = n;
  b->rw = rw;
  b->task = t;
  b->bi_end_io = ignore_end;
  return b;
}

/* submit -> lookup -> queue for a task of a cic-less elevator. */
static struct request *issue(struct request_queue *q, struct task *t,
                             int64_t sector, uint32_t n, unsigned rw) {
  struct bio *b = new_bio(t, sector, n, rw);
  g_assert_cmpint(blk_step_submit(q, b), ==, BLK_SUBMIT_RESERVED);
  struct request *rq = blk_alloc_request(q, b);
  blk_step_queue(q, rq, NULL);
  return rq;
}

static const proc_job idle_job = {
    .rw = PROC_RW_READ, .bs_sectors = 8, .size = 8, .iodepth = 1, .count = 1};

/* The driver peeks before it checks capacity: with the device full one more
 * request sits activated (STARTED) at the head of the dispatch list, so the
 * elevator has seen depth + 1 activations; no further request leaves the
 * elevator. */
static void test_driver_peeks_one_extra(void) {
  world w;
  world_init(&w, &fifo_sort, 128, CIC_LINK_FIXED, 1024);
  world_add(&w, "T", -1, &idle_job);
  sort_activations = 0;
  for (int i = 0; i < 4; i++)
    issue(w.q, &w.tasks[0], 1000 * (i + 1), 8, 0);
  g_assert_cmpint(w.q->dev_in_flight, ==, 1); /* depth 1 */
  g_assert_cmpint(sort_activations, ==, 2);
  g_assert_cmpuint(w.q->queue_head.length, ==, 1);
  struct request *head = w.q->queue_head.head->data;
  g_assert_true(head->cmd_flags & REQ_STARTED);
  g_assert_cmpint(w.q->nr_sorted, ==, 2);
  world_free(&w);
}

/* The dispatch list is a one-way elevator from end_sector: requests at or
 * after it ascend first, then those before it ascend; never in front of a
 * STARTED request, never across a change of direction. */
static void test_elv_dispatch_sort_placement(void) {
  world w;
  world_init(&w, &fifo_sort, 128, CIC_LINK_FIXED, 1024);
  struct request_queue *q = w.q;
  struct request rqs[7];
  int64_t sectors[7] = {50, 120, 110, 30, 20, 105, 10};
  memset(rqs, 0, sizeof rqs);
  for (int i = 0; i < 7; i++) {
    rqs[i].sector = sectors[i];
    rqs[i].nr_sectors = 8;
    rqs[i].cmd_flags = REQ_SORTED | (i == 6 ? REQ_WRITE : 0);
    rqs[i].queuelist.data = &rqs[i];
    q->nr_sorted++;
  }
  rqs[0].cmd_flags |= REQ_STARTED;
  g_queue_push_tail_link(&q->queue_head, &rqs[0].queuelist);
  q->nr_sorted--;
  q->end_sector = 100;
  for (int i = 1; i < 7; i++)
    elv_dispatch_sort(q, &rqs[i]);
  int64_t want[] = {50, 105, 110, 120, 20, 30, 10};
  g_assert_cmpuint(q->queue_head.length, ==, 7);
  int k = 0;
  for (GList *l = q->queue_head.head; l; l = l->next)
    g_assert_cmpint(((struct request *)l->data)->sector, ==, want[k++]);
  g_assert_cmpint(q->nr_sorted, ==, 0);
  /* an empty list: the request goes to the head */
  struct request lone = {.sector = 5, .nr_sectors = 8, .cmd_flags = REQ_SORTED};
  lone.queuelist.data = &lone;
  g_queue_init(&q->queue_head);
  q->nr_sorted = 1;
  elv_dispatch_sort(q, &lone);
  g_assert_true(q->queue_head.head->data == &lone);
  g_queue_init(&q->queue_head);
  world_free(&w);
}

/* A bio that fills the gap between two queued requests glues them
 * (attempt_merge): the survivor keeps the older start_time, and freeing the
 * absorbed request is a freed_request that wakes the allocator sleeping on
 * that class. */
static void test_request_merge_wakes_sleeper(void) {
  world w;
  world_init(&w, &fifo_sort, 4, CIC_LINK_FIXED, 1024);
  world_add(&w, "T", -1, &idle_job);
  world_add(&w, "S", -1, &idle_job);
  struct task *t = &w.tasks[0], *sl = &w.tasks[1];
  issue(w.q, t, 1000, 8, 0); /* at the device */
  issue(w.q, t, 5000, 8, 0); /* activated at the head of the dispatch list */
  struct request *r3 = issue(w.q, t, 2000, 8, 0);
  struct request *r4 = issue(w.q, t, 2016, 8, 0);
  g_assert_cmpint(w.q->rl.count[BLK_RW_SYNC], ==, 4);
  r4->start_time = r3->start_time - 5; /* r4 was allocated earlier */
  int64_t older = r4->start_time;
  struct bio *sb = new_bio(sl, 9000, 8, 0);
  g_assert_cmpint(blk_step_submit(w.q, sb), ==, BLK_SUBMIT_SLEEP);
  g_assert_cmpstr(sim_actor_waitq(sl->actor), ==, "rl->wait[SYNC]");
  g_assert_cmpint(blk_step_submit(w.q, new_bio(t, 2008, 8, 0)), ==,
                  BLK_SUBMIT_MERGED);
  g_assert_cmpuint(w.q->stats.requests_merged_away, ==, 1);
  g_assert_cmpint(blk_rq_pos(r3), ==, 2000);
  g_assert_cmpint(blk_rq_sectors(r3), ==, 24);
  g_assert_cmpint(r3->start_time, ==, older);
  g_assert_true(w.q->last_merge == r3);
  g_assert_cmpint(w.q->rl.count[BLK_RW_SYNC], ==, 3);
  g_assert_cmpuint(w.q->stats.wakeups, ==, 1);
  g_assert_cmpint(sim_actor_get_state(sl->actor), ==, SIM_ACTOR_READY);
  g_assert_cmpuint(w.q->rl.wait[BLK_RW_SYNC].length, ==, 0);
  g_free(sb);
  world_free(&w);
}

/* Queueing kblockd work while it is queued is a no-op; once it has run, it
 * can be queued again.  Each run is one queue run. */
static void test_kblockd_coalesces(void) {
  world w;
  world_init(&w, &fifo_sort, 128, CIC_LINK_FIXED, 1024);
  sort_dispatch_calls = 0;
  kblockd_schedule_work(w.q);
  kblockd_schedule_work(w.q);
  kblockd_schedule_work(w.q);
  sim_engine_run(w.e, -1, NULL);
  g_assert_cmpint(sort_dispatch_calls, ==, 1);
  kblockd_schedule_work(w.q);
  sim_engine_run(w.e, -1, NULL);
  g_assert_cmpint(sort_dispatch_calls, ==, 2);
  world_free(&w);
}

/* Every bio merge candidate, from the one-hit cache and from the hash alike,
 * passes the elevator's allow_merge (for CFQ: only into the submitter's own
 * queue); a refused candidate means a new request. */
static bool own_only(struct request_queue *q, struct task *tsk,
                     struct request *rq, struct bio *bio) {
  (void)q;
  (void)bio;
  return rq->task == tsk;
}
static void test_allow_merge_consulted(void) {
  struct elevator_type own = fifo_sort;
  own.ops.elevator_allow_merge_fn = own_only;
  world w;
  world_init(&w, &own, 128, CIC_LINK_FIXED, 1024);
  world_add(&w, "X", -1, &idle_job);
  world_add(&w, "Y", -1, &idle_job);
  struct task *x = &w.tasks[0], *y = &w.tasks[1];
  issue(w.q, x, 100000, 8, 0);                   /* at the device */
  issue(w.q, x, 200000, 8, 0);                   /* activated at the head */
  struct request *a = issue(w.q, x, 1000, 8, 0); /* last_merge */
  struct request *b = issue(w.q, x, 3000, 8, 0); /* only in the hash */
  g_assert_true(w.q->last_merge == a);
  /* Y's bios continue X's requests: refused on both paths */
  issue(w.q, y, 1008, 8, 0);
  issue(w.q, y, 3008, 8, 0);
  g_assert_cmpuint(w.q->stats.bio_merges, ==, 0);
  g_assert_cmpint(blk_rq_sectors(a), ==, 8);
  g_assert_cmpint(blk_rq_sectors(b), ==, 8);
  /* X's own bios merge: via the hash (b is not the cached one), then via
   * the cache, which now holds b */
  g_assert_cmpint(blk_step_submit(w.q, new_bio(x, 3008, 8, 0)), ==,
                  BLK_SUBMIT_MERGED);
  g_assert_true(w.q->last_merge == b);
  g_assert_cmpint(blk_step_submit(w.q, new_bio(x, 3016, 8, 0)), ==,
                  BLK_SUBMIT_MERGED);
  g_assert_cmpint(blk_rq_sectors(b), ==, 24);
  /* Y's bio right after b is refused by the cache and the hash */
  struct request *c = issue(w.q, y, 3024, 8, 0);
  g_assert_true(c != b);
  g_assert_cmpuint(w.q->stats.bio_merges, ==, 2);
  world_free(&w);
}

/* The merge hash finds each of many queued requests by its end sector,
 * under its new end after every back merge, and never one whose end only
 * shares a bucket. */
static void test_merge_hash_many(void) {
  enum { N = 100 };
  world w;
  world_init(&w, &fifo_sort, 128, CIC_LINK_FIXED, 1024);
  world_add(&w, "X", -1, &idle_job);
  struct task *x = &w.tasks[0];
  issue(w.q, x, 900000, 8, 0); /* at the device */
  issue(w.q, x, 950000, 8, 0); /* activated at the head */
  struct request *rq[N];
  for (int i = 0; i < N; i++)
    rq[i] = issue(w.q, x, 1000 + 64 * i, 8, 0);
  GRand *r = g_rand_new_with_seed(5);
  for (int round = 1; round <= 3; round++) {
    for (int k = 0; k < N; k++) {
      int i = g_rand_int_range(r, 0, N);
      if (blk_rq_sectors(rq[i]) >= 8 * (uint32_t)(round + 1))
        continue;
      g_assert_cmpint(
          blk_step_submit(w.q, new_bio(x, rq_end_sector(rq[i]), 8, 0)), ==,
          BLK_SUBMIT_MERGED);
      g_assert_cmpint(blk_rq_sectors(rq[i]), ==, 8 * (round + 1));
    }
    for (int i = 0; i < N; i++)
      while (blk_rq_sectors(rq[i]) < 8 * (uint32_t)(round + 1))
        g_assert_cmpint(
            blk_step_submit(w.q, new_bio(x, rq_end_sector(rq[i]), 8, 0)), ==,
            BLK_SUBMIT_MERGED);
  }
  /* ends that no request has: new requests */
  struct request *lone = issue(w.q, x, 1000 + 64 * N + 7, 8, 0);
  g_assert_cmpint(blk_rq_sectors(lone), ==, 8);
  g_assert_cmpuint(w.q->stats.bio_merges, ==, 3 * N);
  g_rand_free(r);
  world_free(&w);
}

/* A device completion ends the bios first, then the elevator's completion
 * hook, then cfq_put_request, then freed_request (which wakes the sleeping
 * allocator), then the driver runs the queue again. */
static GString *order_log;
static struct task *order_sleeper;
static char sleeper_mark(void) {
  return sim_actor_get_state(order_sleeper->actor) == SIM_ACTOR_READY ? '+'
                                                                      : '-';
}
static void order_bio_end(struct bio *bio) {
  g_string_append_printf(order_log, "bio%c ", sleeper_mark());
  g_free(bio);
}
static void order_completed(struct request_queue *q, struct request *rq) {
  (void)q;
  (void)rq;
  g_string_append_printf(order_log, "completed%c ", sleeper_mark());
}
static void order_put(struct request_queue *q, struct request *rq) {
  (void)q;
  (void)rq;
  g_string_append_printf(order_log, "put%c ", sleeper_mark());
}
static int order_set_req(struct request_queue *q, struct request *rq,
                         struct task *tsk, struct cfq_io_context *cic) {
  (void)q;
  (void)rq;
  (void)tsk;
  (void)cic;
  return 0;
}
static int order_dispatch(struct request_queue *q, int force) {
  if (order_log->len)
    g_string_append_printf(order_log, "run%c ", sleeper_mark());
  return fifo_sort_dispatch(q, force);
}
static const char *dummy_next(void *self) {
  (void)self;
  return "retry";
}
static bool dummy_delayable(void *self) {
  (void)self;
  return false;
}
static void dummy_step(void *self) {
  sim_actor_done(((struct task *)self)->actor);
}
static const sim_actor_ops dummy_ops = {dummy_next, dummy_delayable,
                                        dummy_step};

static void test_completion_order(void) {
  struct elevator_type et = fifo_sort;
  et.ops.elevator_set_req_fn = order_set_req;
  et.ops.elevator_completed_req_fn = order_completed;
  et.ops.elevator_put_req_fn = order_put;
  et.ops.elevator_dispatch_fn = order_dispatch;
  world w;
  world_init(&w, &et, 4, CIC_LINK_FIXED, 1024);
  struct task t = {.name = "T", .pid = 100, .ioc = ioc_new("T", 0)};
  struct task sl = {.name = "S", .pid = 101, .ioc = ioc_new("S", 0)};
  t.actor = sim_actor_add(w.e, "T", &dummy_ops, &t);
  sl.actor = sim_actor_add(w.e, "S", &dummy_ops, &sl);
  sim_actor_block(t.actor, NULL);
  order_sleeper = &sl;
  order_log = g_string_new("");
  struct request *first = NULL;
  for (int i = 0; i < 4; i++) {
    struct request *rq = issue(w.q, &t, 1000 * (i + 1), 8, 0);
    if (!first)
      first = rq;
  }
  first->bio->bi_end_io = order_bio_end;
  struct bio *sb = new_bio(&sl, 9000, 8, 0);
  g_assert_cmpint(blk_step_submit(w.q, sb), ==, BLK_SUBMIT_SLEEP);
  g_string_truncate(order_log, 0);
  /* deliver the first completion only */
  g_assert_cmpint(sim_engine_run(w.e, SIM_MS, NULL), ==, SIM_TIME_LIMIT);
  g_assert_cmpstr(order_log->str, ==, "bio- completed- put- run+ ");
  g_string_free(order_log, TRUE);
  g_free(sb);
  sim_actor_done(t.actor);
  world_free(&w);
  ioc_free(t.ioc);
  ioc_free(sl.ioc);
}

/* ---- I/Os larger than max_sectors; cache flushes ---- */

/* An application I/O larger than max_sectors goes down as bios of at most
 * max_sectors: the device sees one command per bio, the process one I/O
 * that ends with its last bio. */
static void test_large_io_split(void) {
  world w;
  world_init(&w, &fifo_plain, 128, CIC_LINK_FIXED, 1024); /* 512 KiB */
  proc_job j = {.rw = PROC_RW_READ,
                .bs_sectors = 8192,
                .size = 1 << 20,
                .iodepth = 1,
                .count = 2}; /* two reads of 4 MiB */
  world_add(&w, "reader", -1, &j);
  g_assert_cmpint(sim_engine_run(w.e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpint(w.completions, ==, 2);
  g_assert_cmpuint(w.q->stats.completed, ==, 16);
  g_assert_cmpuint(w.q->stats.bytes_completed, ==, 2 * 4 << 20);
  g_assert_cmpuint(w.q->stats.bio_merges, ==, 0);
  /* sixteen 1 ms commands, the second I/O submitted when the first ended */
  g_assert_cmpint(sim_now(w.e), ==, 16 * SIM_MS);
  world_free(&w);
}

typedef struct issued {
  int64_t sector;
  unsigned rw;
  int in_flight; /* commands at the device, this one included */
} issued;

static void record_action(void *ctx, const struct request_queue *q,
                          blk_action a, int64_t sector, uint32_t bytes,
                          unsigned rw, const struct task *t) {
  (void)bytes;
  (void)t;
  if (a != BLK_ACT_ISSUE)
    return;
  issued i = {sector, rw, q->dev_in_flight};
  g_array_append_val((GArray *)ctx, i);
}

static const struct blk_observer recorder = {.action = record_action};

typedef struct flush_rig {
  world w;
  struct task t;
  GArray *log;
} flush_rig;

static void flush_rig_init(flush_rig *r, bool write_cache) {
  world_init(&r->w, &fifo_plain, 128, CIC_LINK_FIXED, 1024);
  r->w.q->depth = 4; /* the fake disk takes 1 ms per command, in order */
  /* what blk_queue_new sets when the disk says it caches writes */
  r->w.q->flush_flags = write_cache ? REQ_FLUSH : 0;
  r->t = (struct task){.name = "T", .pid = 100, .ioc = ioc_new("T", 0)};
  r->log = g_array_new(FALSE, FALSE, sizeof(issued));
  blk_set_observer(r->w.q, &recorder, r->log);
}

static void flush_rig_free(flush_rig *r) {
  world_free(&r->w);
  ioc_free(r->t.ioc);
  g_array_free(r->log, TRUE);
}

static const issued *nth(const flush_rig *r, guint i) {
  g_assert_cmpuint(i, <, r->log->len);
  return &g_array_index(r->log, issued, i);
}

static sim_time ended_at;
static sim_engine *ended_engine;
static void mark_end(struct bio *bio) {
  ended_at = sim_now(ended_engine);
  g_free(bio);
}

static void free_end(struct bio *bio) { g_free(bio); }

/* issue(), the bio freed when it ends */
static struct request *issue_owned(struct request_queue *q, struct task *t,
                                   int64_t sector, uint32_t n, unsigned rw) {
  struct request *rq = issue(q, t, sector, n, rw);
  rq->bio->bi_end_io = free_end;
  return rq;
}

/* A flush+FUA write on a write-back device: the flush waits for the writes
 * at the device and goes alone, then the data, then a second flush (no
 * native FUA); the bio ends after that one; nothing else is issued while a
 * flush is at the device. */
static void test_flush_fua_sequence(void) {
  flush_rig r;
  flush_rig_init(&r, true);
  struct request_queue *q = r.w.q;
  issue_owned(q, &r.t, 1000, 8, REQ_WRITE);
  issue_owned(q, &r.t, 3000, 8, REQ_WRITE);
  struct request *rq =
      issue_owned(q, &r.t, 5000, 8, REQ_WRITE | REQ_SYNC | REQ_FLUSH | REQ_FUA);
  ended_engine = r.w.e;
  ended_at = -1;
  rq->bio->bi_end_io = mark_end;
  issue_owned(q, &r.t, 9000, 8, 0);
  g_assert_cmpint(sim_engine_run(r.w.e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpuint(r.log->len, ==, 6);
  const int64_t sectors[] = {1000, 3000, -1, 5000, 9000, -1};
  for (guint i = 0; i < 6; i++) {
    const issued *x = nth(&r, i);
    if (sectors[i] < 0) { /* the flush, with nothing else at the device */
      g_assert_true(x->rw & REQ_FLUSH);
      g_assert_cmpint(x->in_flight, ==, 1);
    } else {
      g_assert_false(x->rw & (REQ_FLUSH | REQ_FUA)); /* libata: no FUA */
      g_assert_cmpint(x->sector, ==, sectors[i]);
    }
  }
  g_assert_cmpuint(q->stats.flushes, ==, 2);
  g_assert_cmpuint(q->stats.completed, ==, 6);
  /* two writes, flush, data and read, flush: 1 ms each, one at a time */
  g_assert_cmpint(ended_at, ==, 6 * SIM_MS);
  g_assert_cmpint(q->rl.count[BLK_RW_SYNC] + q->rl.count[BLK_RW_ASYNC], ==, 0);
  flush_rig_free(&r);
}

/* The first flush asked for is issued at once (it waits in the driver for
 * the write); those asked for after it wait for it to finish and then
 * share one flush. */
static void test_flushes_coalesce(void) {
  flush_rig r;
  flush_rig_init(&r, true);
  struct request_queue *q = r.w.q;
  issue_owned(q, &r.t, 1000, 8, REQ_WRITE);
  for (int i = 0; i < 3; i++)
    issue_owned(q, &r.t, 0, 0, REQ_WRITE | REQ_SYNC | REQ_FLUSH);
  g_assert_cmpint(sim_engine_run(r.w.e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpuint(r.log->len, ==, 3);
  g_assert_true(nth(&r, 1)->rw & REQ_FLUSH);
  g_assert_true(nth(&r, 2)->rw & REQ_FLUSH);
  g_assert_cmpuint(q->stats.flushes, ==, 2);
  g_assert_cmpint(sim_now(r.w.e), ==, 3 * SIM_MS);
  g_assert_cmpint(q->rl.count[BLK_RW_SYNC], ==, 0);
  flush_rig_free(&r);
}

/* Without a write cache the kernel sends no flush: an empty flush ends at
 * once, a FUA write is a plain write. */
static void test_flush_without_write_cache(void) {
  flush_rig r;
  flush_rig_init(&r, false);
  struct request_queue *q = r.w.q;
  struct bio *b = new_bio(&r.t, 0, 0, REQ_WRITE | REQ_SYNC | REQ_FLUSH);
  ended_engine = r.w.e;
  ended_at = -1;
  b->bi_end_io = mark_end;
  g_assert_cmpint(blk_step_submit(q, b), ==, BLK_SUBMIT_ENDED);
  g_assert_cmpint(ended_at, ==, 0); /* and mark_end freed it */
  issue_owned(q, &r.t, 5000, 8, REQ_WRITE | REQ_SYNC | REQ_FUA);
  g_assert_cmpint(sim_engine_run(r.w.e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpuint(r.log->len, ==, 1);
  g_assert_false(nth(&r, 0)->rw & (REQ_FLUSH | REQ_FUA));
  g_assert_cmpuint(q->stats.flushes, ==, 0);
  flush_rig_free(&r);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/blk/nr_requests-sleep-and-wake",
                  test_nr_requests_sleep_and_wake);
  g_test_add_func("/blk/wakeups-are-fifo", test_wakeups_are_fifo);
  g_test_add_func("/blk/back-merge-max-sectors",
                  test_back_merge_up_to_max_sectors);
  g_test_add_func("/blk/nomerges", test_nomerges);
  g_test_add_func("/blk/race/seed-buggy-hangs", test_seed_race_buggy_hangs);
  g_test_add_func("/blk/race/seed-fixed-completes",
                  test_seed_race_fixed_completes);
  g_test_add_func("/blk/race/rescued-by-inflight",
                  test_sleeper_rescued_by_inflight_completion);
  g_test_add_func("/blk/race/second-loser-wakes-first",
                  test_second_loser_wakes_first);
  g_test_add_func("/blk/race/ioc-refs-balance",
                  test_ioc_refs_balance_after_race);
  g_test_add_func("/blk/batching-hard-ceiling", test_batching_hard_ceiling);
  g_test_add_func("/blk/starved-other-class-wakes",
                  test_starved_other_class_wakes);
  g_test_add_func("/blk/driver-peeks-one-extra", test_driver_peeks_one_extra);
  g_test_add_func("/blk/elv-dispatch-sort", test_elv_dispatch_sort_placement);
  g_test_add_func("/blk/request-merge-wakes-sleeper",
                  test_request_merge_wakes_sleeper);
  g_test_add_func("/blk/kblockd-coalesces", test_kblockd_coalesces);
  g_test_add_func("/blk/allow-merge-consulted", test_allow_merge_consulted);
  g_test_add_func("/blk/merge-hash-many", test_merge_hash_many);
  g_test_add_func("/blk/completion-order", test_completion_order);
  g_test_add_func("/blk/large-io-split", test_large_io_split);
  g_test_add_func("/blk/flush/fua-sequence", test_flush_fua_sequence);
  g_test_add_func("/blk/flush/coalesce", test_flushes_coalesce);
  g_test_add_func("/blk/flush/without-write-cache",
                  test_flush_without_write_cache);
  return g_test_run();
}
