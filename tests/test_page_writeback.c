/* Dirty accounting and the IO-less throttle against 3.2's formulas: the
 * thresholds from the vm.dirty_* sysctls, the position ratio's control
 * line, the write bandwidth estimate, and balance_dirty_pages' pauses. */
#include <glib.h>

#include "models/page-writeback.h"

typedef struct world {
  sim_engine *e;
  struct kernel_cfg kernel;
  struct request_queue q;
  struct vm_dirty_cfg vm;
  struct pagecache *pc;
  struct backing_dev_info *bdi;
} world;

static const struct vm_dirty_cfg defaults = {10, 0, 20, 0, 3000, 500};

/* A machine of `pages` pages with a device of HZ 1000. */
static void world_init(world *w, int64_t pages) {
  w->e = sim_engine_new();
  w->kernel = (struct kernel_cfg){.hz = 1000, .nr_requests = 128};
  w->q = (struct request_queue){
      .engine = w->e, .kernel = &w->kernel, .tick_ns = SIM_S / 1000};
  w->vm = defaults;
  w->pc = pagecache_new(w->e, pages * PAGE_SIZE, 4e9);
  w->bdi = bdi_new("8:0", w->pc, &w->vm, &w->q, 32);
}

static void world_clear(world *w) {
  bdi_free(w->bdi);
  pagecache_free(w->pc);
  sim_engine_free(w->e);
}

static void test_limits(void) {
  world w;
  world_init(&w, 262144); /* 1 GiB */
  int64_t bg, thresh;
  global_dirty_limits(w.bdi, &bg, &thresh);
  /* dirtyable memory is all of it, plus the kernel's one page */
  g_assert_cmpint(thresh, ==, 20 * 262145 / 100);
  g_assert_cmpint(bg, ==, 10 * 262145 / 100);
  g_assert_cmpint(dirty_freerun_ceiling(thresh, bg), ==, (thresh + bg) / 2);
  /* _bytes in place of a ratio, rounded up to pages; a background
   * threshold at or above the limit becomes half of it */
  w.vm.dirty_bytes = 100 << 20;
  global_dirty_limits(w.bdi, &bg, &thresh);
  g_assert_cmpint(thresh, ==, 25600);
  g_assert_cmpint(bg, ==, 12800);
  w.vm.dirty_background_bytes = 4097;
  global_dirty_limits(w.bdi, &bg, &thresh);
  g_assert_cmpint(bg, ==, 2);
  world_clear(&w);
}

/* The global line is a cubic: 2.0 at the freerun point, 1.0 at the
 * setpoint, 0 at the limit; read with the device's own line at 1.0 (its
 * dirty pages at its setpoint). */
static void test_position_ratio(void) {
  world w;
  world_init(&w, 262144);
  int64_t bg, thresh;
  global_dirty_limits(w.bdi, &bg, &thresh);
  int64_t freerun = dirty_freerun_ceiling(thresh, bg);
  int64_t setpoint = (freerun + thresh) / 2;
  int64_t at_setpoint =
      bdi_position_ratio(w.bdi, thresh, bg, setpoint, thresh, setpoint);
  g_assert_cmpint(at_setpoint, >=, 1000);
  g_assert_cmpint(at_setpoint, <=, 1030);
  int64_t at_freerun =
      bdi_position_ratio(w.bdi, thresh, bg, freerun, thresh, setpoint);
  g_assert_cmpint(at_freerun, >=, 1990);
  g_assert_cmpint(at_freerun, <=, 2060);
  g_assert_cmpint(
      bdi_position_ratio(w.bdi, thresh, bg, thresh, thresh, setpoint), ==, 0);
  /* the device's line alone: down to a quarter far above its setpoint */
  int64_t far = bdi_position_ratio(w.bdi, thresh, bg, setpoint, thresh,
                                   setpoint + 8 * w.bdi->avg_write_bandwidth);
  g_assert_cmpint(far, <=, at_setpoint / 4 + 1);
  world_clear(&w);
}

typedef struct feed {
  world *w;
  int64_t pages_per_tick; /* written per 200 ms */
} feed;

static void tick(void *arg) {
  feed *f = arg;
  f->w->bdi->written += f->pages_per_tick;
  bdi_update_bandwidth(f->w->bdi, 0, 0, 0, 0, 0, 0);
  sim_post(f->w->e, sim_now(f->w->e) + 200 * SIM_MS, "tick", tick, f);
}

/* A device that writes 12800 pages/s (50 MiB/s, half the starting
 * estimate) for 20 s: the estimate gets there, within 2 %. */
static void test_bandwidth_estimate(void) {
  world w;
  world_init(&w, 262144);
  feed f = {&w, 12800 / 5};
  sim_post(w.e, 200 * SIM_MS, "tick", tick, &f);
  GError *err = NULL;
  sim_engine_run(w.e, 20 * SIM_S, &err);
  g_assert_no_error(err);
  g_assert_cmpint(w.bdi->write_bandwidth, >=, 12800 * 98 / 100);
  g_assert_cmpint(w.bdi->write_bandwidth, <=, 12800 * 102 / 100);
  g_assert_cmpint(w.bdi->avg_write_bandwidth, >=, 12800 * 98 / 100);
  g_assert_cmpint(w.bdi->avg_write_bandwidth, <, 25600);
  world_clear(&w);
}

/* Below the freerun point a dirtier never sleeps and looks again after
 * about the square root of its headroom; above it, it sleeps at most
 * 200 ms; at the limit it sleeps the longest pause and looks again. */
static void test_balance_dirty_pages(void) {
  world w;
  world_init(&w, 262144);
  int64_t bg, thresh;
  global_dirty_limits(w.bdi, &bg, &thresh);
  struct dirty_throttle t;
  dirty_throttle_init(&t);
  g_assert_cmpint(t.nr_dirtied_pause, ==, 32);
  w.pc->nr_dirty = w.bdi->reclaimable = 1000;
  for (int i = 0; i < 31; i++)
    g_assert_cmpint(balance_dirty_pages_ratelimited(w.bdi, &t, 1), ==, 0);
  g_assert_cmpint(t.nr_dirtied, ==, 31);
  g_assert_cmpint(balance_dirty_pages_ratelimited(w.bdi, &t, 1), ==, 0);
  g_assert_cmpint(t.nr_dirtied, ==, 0);
  /* 2^(ilog2(thresh - dirty) / 2): 52429 - 1000 = 51429 -> 2^7 */
  g_assert_cmpint(t.nr_dirtied_pause, ==, 128);

  /* between freerun and the limit: a pause of 1 to 200 jiffies */
  w.pc->nr_dirty = w.bdi->reclaimable =
      (dirty_freerun_ceiling(thresh, bg) + thresh) / 2;
  t.nr_dirtied = 0;
  int64_t pause = balance_dirty_pages_ratelimited(w.bdi, &t, 128);
  g_assert_cmpint(pause, >, 0);
  g_assert_cmpint(pause, <=, 200);
  g_assert_true(t.in_loop);
  g_assert_cmpint(balance_dirty_pages_resume(w.bdi, &t), ==, 0);
  g_assert_false(t.in_loop);

  /* at the limit: the longest pause, and another after it */
  w.pc->nr_dirty = w.bdi->reclaimable = thresh;
  t.nr_dirtied = 0;
  pause = balance_dirty_pages_ratelimited(w.bdi, &t, t.nr_dirtied_pause);
  g_assert_cmpint(pause, ==, t.max_pause);
  g_assert_cmpint(balance_dirty_pages_resume(w.bdi, &t), ==, t.max_pause);
  w.pc->nr_dirty = w.bdi->reclaimable = 1000; /* the flusher caught up */
  g_assert_cmpint(balance_dirty_pages_resume(w.bdi, &t), ==, 0);
  world_clear(&w);
}

static void test_page_states(void) {
  world w;
  world_init(&w, 1024);
  struct address_space *m = address_space_new(w.pc, w.bdi, 0, 1 << 20);
  struct page *p = add_to_page_cache_lru(m, 7, PG_uptodate);
  g_assert_true(set_page_dirty(p));
  g_assert_false(set_page_dirty(p));
  g_assert_cmpint(w.pc->nr_dirty, ==, 1);
  g_assert_cmpint(w.bdi->reclaimable, ==, 1);
  g_assert_cmpint(w.bdi->dirtied, ==, 1);
  g_assert_cmpint(m->nr_dirty, ==, 1);
  page_start_writeback(p);
  g_assert_cmpint(w.pc->nr_dirty, ==, 0);
  g_assert_cmpint(w.pc->nr_writeback, ==, 1);
  g_assert_cmpint(w.bdi->writeback, ==, 1);
  g_assert_true(find_tagged_page_from(m, PAGECACHE_TAG_WRITEBACK, 0) == p);
  g_assert_null(find_tagged_page_from(m, PAGECACHE_TAG_DIRTY, 0));
  /* dirtied again while under writeback: both */
  g_assert_true(set_page_dirty(p));
  end_page_writeback(p);
  g_assert_cmpint(w.pc->nr_writeback, ==, 0);
  g_assert_cmpint(w.bdi->written, ==, 1);
  g_assert_true(p->flags & PG_dirty);
  world_clear(&w);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/page-writeback/limits", test_limits);
  g_test_add_func("/page-writeback/position-ratio", test_position_ratio);
  g_test_add_func("/page-writeback/bandwidth-estimate",
                  test_bandwidth_estimate);
  g_test_add_func("/page-writeback/balance-dirty-pages",
                  test_balance_dirty_pages);
  g_test_add_func("/page-writeback/page-states", test_page_states);
  return g_test_run();
}
