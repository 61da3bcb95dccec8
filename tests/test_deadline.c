/* The baseline elevators and the registry (docs/model.md, "deadline",
 * "noop"), driven through a real request_queue: a depth-1 test disk that
 * completes each command a fixed time after it starts, bios submitted
 * straight into the block layer at time 0, and the order of completions
 * observed.
 *
 * With a depth-1 SCSI-like driver the first request goes to the disk and the
 * second is pulled onto the dispatch list at once (peek before the capacity
 * check); both are "blockers" here.  Every later request waits in the
 * elevator, so the completion order after the blockers is the elevator's
 * choice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/blk.h"
#include "models/iosched.h"

/* ---- a one-at-a-time disk with a fixed service time ---- */

typedef struct test_disk {
  sim_engine *e;
  sim_time service;
  GQueue pending; /* of disk_cmd */
  disk_cmd *busy;
  sim_time busy_ns;
} test_disk;

static void test_disk_start(test_disk *d);

static void test_disk_done(void *arg) {
  test_disk *d = arg;
  disk_cmd *c = d->busy;
  d->busy = NULL;
  d->busy_ns += d->service;
  c->completed = sim_now(d->e);
  test_disk_start(d);
  c->done(c);
}

static void test_disk_start(test_disk *d) {
  if (d->busy || !d->pending.length)
    return;
  d->busy = g_queue_pop_head(&d->pending);
  d->busy->started = sim_now(d->e);
  sim_post(d->e, sim_now(d->e) + d->service, "complete", test_disk_done, d);
}

static void *test_disk_init(const void *cfg, sim_engine *e, GError **err) {
  (void)cfg;
  (void)err;
  test_disk *d = g_new0(test_disk, 1);
  d->e = e;
  d->service = SIM_MS;
  return d;
}
static void test_disk_free(void *d) {
  g_queue_clear(&((test_disk *)d)->pending);
  g_free(d);
}
static int test_disk_depth(const void *d) {
  (void)d;
  return 1;
}
static int64_t test_disk_capacity(const void *d) {
  (void)d;
  return 1 << 30;
}
static void test_disk_submit(void *dv, disk_cmd *c) {
  test_disk *d = dv;
  c->issued = sim_now(d->e);
  g_queue_push_tail(&d->pending, c);
  test_disk_start(d);
}
static sim_time test_disk_busy(const void *d) {
  return ((const test_disk *)d)->busy_ns;
}

static const param_desc no_params[] = {
    {NULL, 0, 0, NULL, PARAM_NO_RANGE, NULL, NULL}};
static const disk_ops test_disk_ops = {.name = "test",
                                       .params = no_params,
                                       .init = test_disk_init,
                                       .free = test_disk_free,
                                       .queue_depth = test_disk_depth,
                                       .capacity = test_disk_capacity,
                                       .submit = test_disk_submit,
                                       .busy_time = test_disk_busy};

/* ---- the deadline tunables, as the workload parser would fill them ---- */

static void *deadline_cfg(void) {
  return params_defaults(iosched_deadline.params, iosched_deadline.cfg_size);
}

static void cfg_set(void *cfg, const char *name, const char *value) {
  const param_desc *p = params_find(iosched_deadline.params, name);
  g_assert_nonnull(p);
  GError *err = NULL;
  g_assert_true(params_set(p, cfg, value, &err));
  g_assert_no_error(err);
}

/* ---- a device with one submitting task ---- */

typedef struct world {
  sim_engine *e;
  struct kernel_cfg kernel;
  test_disk *disk;
  struct request_queue *q;
  struct task task;
  GArray *done; /* int64_t start sectors, in completion order */
} world;

static void on_complete(void *ctx, struct request *rq) {
  world *w = ctx;
  int64_t s = rq->sector;
  g_array_append_val(w->done, s);
}

static void world_init(world *w, const struct elevator_type *et,
                       const void *cfg, sim_time service) {
  memset(w, 0, sizeof *w);
  w->e = sim_engine_new();
  w->kernel = (struct kernel_cfg){
      .hz = 1000, .nr_requests = 128, .cic_link = CIC_LINK_FIXED};
  w->disk = test_disk_ops.init(NULL, w->e, NULL);
  w->disk->service = service;
  w->q = blk_queue_new(w->e, "sda", &w->kernel, &test_disk_ops, w->disk, 1,
                       1024, 0, 0);
  w->q->on_complete = on_complete;
  w->q->on_complete_ctx = w;
  GError *err = NULL;
  g_assert_true(blk_queue_set_elevator(w->q, et, cfg, &err));
  g_assert_no_error(err);
  w->task.name = (char *)"t";
  w->task.pid = 100;
  w->done = g_array_new(FALSE, FALSE, sizeof(int64_t));
}

static void world_free(world *w) {
  blk_queue_free(w->q);
  test_disk_ops.free(w->disk);
  sim_engine_free(w->e);
  g_array_free(w->done, TRUE);
}

static void bio_end(struct bio *bio) { g_free(bio); }

/* Submit one bio now; returns what the block layer did with it. */
static blk_submit_result submit(world *w, bool write, int64_t sector,
                                uint32_t nr) {
  struct bio *bio = g_new0(struct bio, 1);
  bio->sector = sector;
  bio->nr_sectors = nr;
  bio->rw = write ? REQ_WRITE : 0;
  bio->task = &w->task;
  bio->submitted = sim_now(w->e);
  bio->bi_end_io = bio_end;
  blk_submit_result r = blk_step_submit(w->q, bio);
  if (r == BLK_SUBMIT_RESERVED) {
    struct request *rq = blk_alloc_request(w->q, bio);
    blk_step_queue(w->q, rq, NULL);
  }
  g_assert_cmpint(r, !=, BLK_SUBMIT_SLEEP);
  return r;
}

static void queue_read(world *w, int64_t sector) {
  g_assert_cmpint(submit(w, false, sector, 8), ==, BLK_SUBMIT_RESERVED);
}
static void queue_write(world *w, int64_t sector) {
  g_assert_cmpint(submit(w, true, sector, 8), ==, BLK_SUBMIT_RESERVED);
}

/* Two reads far from everything else: one on the disk, one pulled onto the
 * dispatch list. */
#define BLOCKER0 10000000
#define BLOCKER1 10000100
static void queue_blockers(world *w) {
  queue_read(w, BLOCKER0);
  queue_read(w, BLOCKER1);
  g_assert_cmpint(w->q->dev_in_flight, ==, 1);
  g_assert_cmpuint(w->q->queue_head.length, ==, 1);
}

static void run(world *w) {
  GError *err = NULL;
  g_assert_cmpint(sim_engine_run(w->e, -1, &err), ==, SIM_COMPLETED);
  g_assert_no_error(err);
  g_assert_cmpint(w->q->nr_sorted, ==, 0);
  g_assert_cmpuint(w->q->queue_head.length, ==, 0);
}

static void assert_order(world *w, const int64_t *want, guint n) {
  g_assert_cmpuint(w->done->len, ==, n + 2);
  g_assert_cmpint(g_array_index(w->done, int64_t, 0), ==, BLOCKER0);
  g_assert_cmpint(g_array_index(w->done, int64_t, 1), ==, BLOCKER1);
  for (guint i = 0; i < n; i++) {
    if (g_array_index(w->done, int64_t, i + 2) != want[i]) {
      g_test_message("completion %u: sector %" G_GINT64_FORMAT
                     ", expected %" G_GINT64_FORMAT,
                     i + 2, g_array_index(w->done, int64_t, i + 2), want[i]);
      g_test_fail();
      return;
    }
  }
}

/* ---- the registry ---- */

static void test_registry(void) {
  g_assert_true(elevator_find("cfq") == &iosched_cfq);
  g_assert_true(elevator_find("deadline") == &iosched_deadline);
  g_assert_true(elevator_find("noop") == &iosched_noop);
  g_assert_null(elevator_find("anticipatory"));
  g_assert_null(elevator_find(NULL));
  guint n = 0;
  for (const char *const *name = elevator_names; *name; name++, n++) {
    const struct elevator_type *e = elevator_find(*name);
    g_assert_nonnull(e);
    g_assert_cmpstr(e->elevator_name, ==, *name);
  }
  g_assert_cmpuint(n, ==, 3);
  /* Neither baseline attaches per-ioc data: no cic, no race. */
  g_assert_null(iosched_deadline.ops.elevator_set_req_fn);
  g_assert_null(iosched_deadline.ops.elevator_may_queue_fn);
  g_assert_null(iosched_noop.ops.elevator_set_req_fn);
  g_assert_null(iosched_noop.ops.elevator_may_queue_fn);
  g_assert_null(iosched_noop.ops.elevator_merge_fn);
}

/* The kernel defaults, under their sysfs names. */
static void test_deadline_defaults(void) {
  const param_desc *t = iosched_deadline.params;
  g_assert_cmpstr(params_find(t, "read_expire")->def, ==, "500ms");
  g_assert_cmpstr(params_find(t, "write_expire")->def, ==, "5s");
  g_assert_cmpstr(params_find(t, "writes_starved")->def, ==, "2");
  g_assert_cmpstr(params_find(t, "fifo_batch")->def, ==, "16");
  g_assert_cmpstr(params_find(t, "front_merges")->def, ==, "true");
  g_assert_null(iosched_noop.params[0].name);
}

/* ---- expiry ---- */

/* Behind the blockers: C (near, queued first), A (far), B (near C).  C
 * starts a one-request batch and makes B the next in sector order; at the
 * next batch boundary A has waited `wait` ms.  A goes first only if the
 * clock is strictly after its deadline. */
static void expiry_case(const char *read_expire, sim_time service,
                        bool expect_far_first) {
  void *cfg = deadline_cfg();
  cfg_set(cfg, "read_expire", read_expire);
  cfg_set(cfg, "fifo_batch", "1");
  world w;
  world_init(&w, &iosched_deadline, cfg, service);
  queue_blockers(&w);
  queue_read(&w, 2000);   /* C */
  queue_read(&w, 500000); /* A: far */
  queue_read(&w, 3000);   /* B: right after C */
  run(&w);
  const int64_t far_first[] = {2000, 500000, 3000};
  const int64_t sorted[] = {2000, 3000, 500000};
  assert_order(&w, expect_far_first ? far_first : sorted, 3);
  world_free(&w);
  g_free(cfg);
}

/* The batch after C is chosen when the second blocker completes, at
 * 2 * service: 600 ms > 500 ms, so A has expired. */
static void test_deadline_expired_read_first(void) {
  expiry_case("500ms", 300 * SIM_MS, true);
}

/* Same scenario with a deadline that has not passed: sector order wins. */
static void test_deadline_unexpired_sorted(void) {
  expiry_case("1s", 300 * SIM_MS, false);
}

/* Exactly at the deadline (500 ms == fifo time) is not "after" it. */
static void test_deadline_expiry_strictly_after(void) {
  expiry_case("500ms", 250 * SIM_MS, false);
  expiry_case("500ms", 251 * SIM_MS, true);
}

/* ---- batching ---- */

static const int64_t interleaved[] = {500, 100, 900, 200, 800,
                                      300, 700, 400, 600};

/* Every read has expired (1 ms) by the time it could go, so the FIFO head
 * is due at every batch boundary; in between, fifo_batch requests go in
 * sector order. */
static void batching_case(FILE *trace) {
  void *cfg = deadline_cfg();
  cfg_set(cfg, "read_expire", "1ms");
  cfg_set(cfg, "fifo_batch", "4");
  world w;
  world_init(&w, &iosched_deadline, cfg, 10 * SIM_MS);
  sim_engine_set_trace(w.e, trace);
  queue_blockers(&w);
  for (guint i = 0; i < G_N_ELEMENTS(interleaved); i++)
    queue_read(&w, interleaved[i]);
  run(&w);
  /* Batch 1 starts at the FIFO head (500) and runs up the sectors; batch 2
   * starts at the oldest remaining (100); batch 3 at 900. */
  const int64_t want[] = {500, 600, 700, 800, 100, 200, 300, 400, 900};
  assert_order(&w, want, G_N_ELEMENTS(want));
  world_free(&w);
  g_free(cfg);
}

static void test_deadline_batching(void) { batching_case(NULL); }

/* Tracing only observes: the same choices with it on, and it says why. */
static void test_deadline_tracing(void) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  batching_case(f);
  fclose(f);
  g_assert_nonnull(strstr(text, "deadline: new read batch from the FIFO head"));
  g_assert_nonnull(strstr(text, "deadline: dispatch request"));
  free(text);
}

/* With fifo_batch 1 and everything expired, deadline degenerates to FIFO. */
static void test_deadline_batch_of_one_is_fifo(void) {
  void *cfg = deadline_cfg();
  cfg_set(cfg, "read_expire", "1ms");
  cfg_set(cfg, "fifo_batch", "1");
  world w;
  world_init(&w, &iosched_deadline, cfg, 10 * SIM_MS);
  queue_blockers(&w);
  for (guint i = 0; i < G_N_ELEMENTS(interleaved); i++)
    queue_read(&w, interleaved[i]);
  run(&w);
  assert_order(&w, interleaved, G_N_ELEMENTS(interleaved));
  world_free(&w);
  g_free(cfg);
}

/* ---- writes_starved ---- */

/* Reads at 100..(100*nreads), two writes far away, one-request batches and
 * no expiry: between writes, exactly writes_starved read batches go. */
static void starved_case(const char *writes_starved, int ws) {
  void *cfg = deadline_cfg();
  cfg_set(cfg, "writes_starved", writes_starved);
  cfg_set(cfg, "fifo_batch", "1");
  world w;
  world_init(&w, &iosched_deadline, cfg, SIM_MS);
  queue_blockers(&w);
  queue_write(&w, 5000);
  const int nreads = 2 * ws + 1;
  for (int i = 1; i <= nreads; i++)
    queue_read(&w, 100 * i);
  queue_write(&w, 6000);
  run(&w);
  GArray *want = g_array_new(FALSE, FALSE, sizeof(int64_t));
  int64_t r = 100, wr[] = {5000, 6000};
  for (int k = 0; k < 2; k++) {
    for (int i = 0; i < ws; i++, r += 100)
      g_array_append_val(want, r);
    g_array_append_val(want, wr[k]);
  }
  for (; r <= 100 * nreads; r += 100)
    g_array_append_val(want, r);
  assert_order(&w, (const int64_t *)(void *)want->data, want->len);
  g_array_free(want, TRUE);
  world_free(&w);
  g_free(cfg);
}

static void test_deadline_writes_starved(void) {
  starved_case("2", 2);
  starved_case("1", 1);
  starved_case("4", 4);
}

/* writes_starved 0: a waiting write wins every batch boundary. */
static void test_deadline_writes_starved_zero(void) {
  void *cfg = deadline_cfg();
  cfg_set(cfg, "writes_starved", "0");
  cfg_set(cfg, "fifo_batch", "1");
  world w;
  world_init(&w, &iosched_deadline, cfg, SIM_MS);
  queue_blockers(&w);
  queue_read(&w, 100);
  queue_write(&w, 5000);
  queue_read(&w, 200);
  queue_write(&w, 6000);
  run(&w);
  const int64_t want[] = {5000, 6000, 100, 200};
  assert_order(&w, want, G_N_ELEMENTS(want));
  world_free(&w);
  g_free(cfg);
}

/* ---- noop ---- */

static void test_noop_arrival_order(void) {
  world w;
  world_init(&w, &iosched_noop, NULL, SIM_MS);
  queue_blockers(&w);
  for (guint i = 0; i < G_N_ELEMENTS(interleaved); i++)
    queue_read(&w, interleaved[i]);
  run(&w);
  assert_order(&w, interleaved, G_N_ELEMENTS(interleaved));
  world_free(&w);
}

/* noop has no front-merge lookup of its own, but the block layer's
 * back merges (hash) and request merges (list neighbours) still work. */
static void test_noop_merges(void) {
  world w;
  world_init(&w, &iosched_noop, NULL, SIM_MS);
  queue_blockers(&w);
  queue_read(&w, 7000);
  queue_read(&w, 1000);
  queue_read(&w, 1016);
  /* A bio right before 1000: last_merge is 7000, no hash hit, no lookup. */
  g_assert_cmpint(submit(&w, false, 992, 8), ==, BLK_SUBMIT_RESERVED);
  /* 1008 back-merges into 1000 and then glues 1016 (its list successor). */
  g_assert_cmpint(submit(&w, false, 1008, 8), ==, BLK_SUBMIT_MERGED);
  g_assert_cmpuint(w.q->stats.requests_merged_away, ==, 1);
  run(&w);
  const int64_t want[] = {7000, 1000, 992};
  assert_order(&w, want, G_N_ELEMENTS(want));
  world_free(&w);
}

/* ---- deadline merging ---- */

static void front_merge_case(bool front_merges) {
  void *cfg = deadline_cfg();
  cfg_set(cfg, "front_merges", front_merges ? "true" : "false");
  world w;
  world_init(&w, &iosched_deadline, cfg, SIM_MS);
  queue_blockers(&w);
  queue_read(&w, 100);        /* FIFO head; the one-hit cache (last_merge) */
  queue_read(&w, 1008);       /* A */
  submit(&w, false, 1004, 2); /* B: between A's new and old start */
  g_assert_cmpint(w.q->nr_sorted, ==, 3);
  /* A bio ending at A's start, not adjacent to last_merge, not in the hash:
   * only deadline's own lookup can find A. */
  blk_submit_result r = submit(&w, false, 996, 12);
  run(&w);
  if (front_merges) {
    g_assert_cmpint(r, ==, BLK_SUBMIT_MERGED);
    g_assert_cmpuint(w.q->stats.bio_merges, ==, 1);
    /* A now starts at 996, before B: re-sorted, it follows 100 in the
     * sector-ordered batch. */
    const int64_t want[] = {100, 996, 1004};
    assert_order(&w, want, G_N_ELEMENTS(want));
  } else {
    g_assert_cmpint(r, ==, BLK_SUBMIT_RESERVED);
    g_assert_cmpuint(w.q->stats.bio_merges, ==, 0);
    const int64_t want[] = {100, 996, 1004, 1008};
    assert_order(&w, want, G_N_ELEMENTS(want));
  }
  world_free(&w);
  g_free(cfg);
}

static void test_deadline_front_merge_on(void) { front_merge_case(true); }
static void test_deadline_front_merge_off(void) { front_merge_case(false); }

/* Request merge: the survivor inherits the absorbed request's earlier FIFO
 * place and deadline, so merging never postpones an old request. */
static void test_deadline_merge_keeps_earlier_deadline(void) {
  void *cfg = deadline_cfg();
  cfg_set(cfg, "read_expire", "100ms");
  cfg_set(cfg, "fifo_batch", "1");
  world w;
  world_init(&w, &iosched_deadline, cfg, 150 * SIM_MS);
  queue_blockers(&w);
  queue_read(&w, 1016); /* B: old */
  /* Let B age so that A gets a later deadline. */
  g_assert_cmpint(sim_engine_run(w.e, 50 * SIM_MS, NULL), ==, SIM_TIME_LIMIT);
  queue_read(&w, 300);  /* an unrelated near request, older than A */
  queue_read(&w, 1000); /* A */
  queue_read(&w, 200);
  /* Fill the gap: back-merge into A, which then absorbs B. */
  g_assert_cmpint(submit(&w, false, 1008, 8), ==, BLK_SUBMIT_MERGED);
  g_assert_cmpuint(w.q->stats.requests_merged_away, ==, 1);
  run(&w);
  /* At 150 ms (first blocker done) the next request is chosen: the FIFO
   * head is the merged request in B's place with B's deadline, which has
   * passed, so it goes before 300 (whose own deadline is not yet past). */
  const int64_t want[] = {1000, 300, 200};
  assert_order(&w, want, G_N_ELEMENTS(want));
  world_free(&w);
  g_free(cfg);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/elevator/registry", test_registry);
  g_test_add_func("/deadline/defaults", test_deadline_defaults);
  g_test_add_func("/deadline/expired-read-first",
                  test_deadline_expired_read_first);
  g_test_add_func("/deadline/unexpired-sorted", test_deadline_unexpired_sorted);
  g_test_add_func("/deadline/expiry-strictly-after",
                  test_deadline_expiry_strictly_after);
  g_test_add_func("/deadline/batching", test_deadline_batching);
  g_test_add_func("/deadline/tracing", test_deadline_tracing);
  g_test_add_func("/deadline/batch-of-one-is-fifo",
                  test_deadline_batch_of_one_is_fifo);
  g_test_add_func("/deadline/writes-starved", test_deadline_writes_starved);
  g_test_add_func("/deadline/writes-starved-zero",
                  test_deadline_writes_starved_zero);
  g_test_add_func("/deadline/front-merge-on", test_deadline_front_merge_on);
  g_test_add_func("/deadline/front-merge-off", test_deadline_front_merge_off);
  g_test_add_func("/deadline/merge-keeps-earlier-deadline",
                  test_deadline_merge_keeps_earlier_deadline);
  g_test_add_func("/noop/arrival-order", test_noop_arrival_order);
  g_test_add_func("/noop/merges", test_noop_merges);
  return g_test_run();
}
