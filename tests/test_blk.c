/* Block layer: request allocation limits, sleeping in get_request_wait and
 * the wake-ups of freed_request (spec 3.1), merging (3.3), and the cic path
 * of both kernels (spec 4) under a scripted interleaving.  A fake disk with
 * a fixed service time and a minimal FIFO elevator keep the block layer
 * itself under test. */
#include "tests/fake_world.h"

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

/* Spec 1.2 / 4.3 (`link`, `fail`): each `lookup` takes one ioc reference
 * (get_io_context); a request keeps it until cfq_put_request.  On the buggy
 * -EEXIST the error tail of cfq_get_io_context drops it (`link`), and the
 * request memory freed in `fail` carries none.  In the fixed kernel the loser
 * keeps its reference across the retry and its request drops it when freed.
 * Either way, once every request is gone the references of the shared ioc
 * are back where they started (world tasks hold none). */
static void test_ioc_refs_balance_after_race(void) {
  for (int v = 0; v < 2; v++) {
    world w;
    run_seed(&w, v == 0 ? CIC_LINK_BUGGY : CIC_LINK_FIXED);
    g_assert_cmpint(w.q->rl.count[BLK_RW_SYNC], ==, 0);
    g_assert_cmpint(w.iocs[0]->refcount, ==, 0);
    world_free(&w);
  }
}

/* ---- batching, the hard ceiling, starved, merges (spec 3.1.4-3.1.5, 3.3.3) ---- */

typedef struct getrq_watch {
  int max_count[2];
  int getrq;
} getrq_watch;

static void watch_action(void *ctx, const struct request_queue *q, blk_action a,
                         int64_t sector, uint32_t bytes, unsigned rw,
                         const struct task *t) {
  (void)sector; (void)bytes; (void)rw; (void)t;
  getrq_watch *gw = ctx;
  if (a != BLK_ACT_GETRQ)
    return;
  gw->getrq++;
  for (int s = 0; s < 2; s++)
    gw->max_count[s] = MAX(gw->max_count[s], q->rl.count[s]);
}
static const struct blk_observer watch_ops = {.action = watch_action};

/* Spec 3.1.2/3.1.4, App. B 21: the task that fills the queue becomes a
 * batcher and may go past nr_requests, but never past 3*nr_requests/2; its
 * credit is spent only on reservations that consulted the ioc. */
static void test_batching_hard_ceiling(void) {
  world w;
  world_init(&w, &fifo_plain, 4, CIC_LINK_FIXED, 1024);
  proc_job j = {.rw = PROC_RW_WRITE, .random = true, .bs_sectors = 8, .offset = 0,
                .size = 1 << 24, .iodepth = 10, .count = 20};
  world_add(&w, "writer", -1, &j);
  /* A sharer of the writer's ioc reserves at 18.5 ms, inside the batch
   * window but with only two writes left (count + 1 < nr_requests): its
   * reservation leaves the ioc out and must not spend a credit. */
  proc_job late = {.rw = PROC_RW_WRITE, .bs_sectors = 8, .offset = 1 << 25, .size = 8,
                   .iodepth = 1, .count = 1, .start = 18 * SIM_MS + SIM_MS / 2};
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

/* Spec 3.1.5, 4.6 source 2, App. B 23: a loser of the race sleeping on the
 * ASYNC wait queue with no async request left (starved) is woken by the
 * free of a SYNC request. */
static void test_starved_other_class_wakes(void) {
  world w;
  world_init(&w, &fifo_cic, 128, CIC_LINK_BUGGY, 1024);
  proc_job a = one_read(1000);
  proc_job b = {.rw = PROC_RW_WRITE, .bs_sectors = 8, .offset = 900000, .size = 8,
                .iodepth = 1, .count = 1};
  proc_job c = one_read(5000000);
  world_add(&w, "A", -1, &a);
  world_add(&w, "B", 0, &b); /* async writer sharing A's ioc */
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
  g_assert_cmpint(w.completions, ==, 3);
  g_assert_cmpuint(w.q->stats.wakeups, ==, 1);
  g_assert_cmpint(w.q->rl.starved[BLK_RW_ASYNC], ==, 0); /* cleared by B's reservation */
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
  g_test_add_func("/blk/race/ioc-refs-balance", test_ioc_refs_balance_after_race);
  g_test_add_func("/blk/batching-hard-ceiling", test_batching_hard_ceiling);
  g_test_add_func("/blk/starved-other-class-wakes", test_starved_other_class_wakes);
  return g_test_run();
}
