/* The page cache's own rules: lookup and insertion, promotion to the
 * active list on the second access, the active list kept no longer than
 * the inactive one, reclaim of clean pages only from the inactive tail,
 * invalidation of clean idle pages, waits on pages, and the tags. */
#include <glib.h>

#include "models/pagecache.h"

static struct pagecache *pc_new(sim_engine *e, int64_t pages) {
  return pagecache_new(e, pages * PAGE_SIZE, 4e9);
}

static void test_lookup_and_layout(void) {
  sim_engine *e = sim_engine_new();
  struct pagecache *pc = pc_new(e, 64);
  /* 10 sectors past a 100-sector start: two pages, the second partial */
  struct address_space *m = address_space_new(pc, NULL, 100, 10);
  g_assert_cmpint(mapping_size_pages(m), ==, 2);
  g_assert_cmpint(page_sector(m, 1), ==, 108);
  g_assert_cmpuint(page_nr_sectors(m, 0), ==, 8);
  g_assert_cmpuint(page_nr_sectors(m, 1), ==, 2);
  g_assert_null(find_get_page(m, 0));
  struct page *p = add_to_page_cache_lru(m, 0, PG_uptodate);
  g_assert_true(find_get_page(m, 0) == p);
  g_assert_cmpint(pc->nr_file_pages, ==, 1);
  g_assert_cmpint(pc->nr_inactive, ==, 1);
  pagecache_free(pc);
  sim_engine_free(e);
}

static void test_promotion(void) {
  sim_engine *e = sim_engine_new();
  struct pagecache *pc = pc_new(e, 64);
  struct address_space *m = address_space_new(pc, NULL, 0, 1 << 20);
  struct page *p = add_to_page_cache_lru(m, 3, PG_uptodate);
  mark_page_accessed(p); /* first access: referenced, still inactive */
  g_assert_true(p->flags & PG_referenced);
  g_assert_false(p->flags & PG_active);
  mark_page_accessed(p); /* second: active */
  g_assert_true(p->flags & PG_active);
  g_assert_false(p->flags & PG_referenced);
  g_assert_cmpint(pc->nr_active, ==, 1);
  g_assert_cmpint(pc->nr_inactive, ==, 0);
  pagecache_free(pc);
  sim_engine_free(e);
}

/* With memory full, a new page takes the place of the oldest clean
 * inactive page; dirty, locked and writeback pages are passed over. */
static void test_reclaim(void) {
  sim_engine *e = sim_engine_new();
  struct pagecache *pc = pc_new(e, 4);
  struct address_space *m = address_space_new(pc, NULL, 0, 1 << 20);
  add_to_page_cache_lru(m, 0, PG_uptodate | PG_dirty);
  add_to_page_cache_lru(m, 1, PG_locked);
  add_to_page_cache_lru(m, 2, PG_uptodate);
  add_to_page_cache_lru(m, 3, PG_uptodate);
  add_to_page_cache_lru(m, 4, PG_uptodate);
  g_assert_cmpint(pc->nr_file_pages, ==, 4);
  g_assert_null(find_get_page(m, 2)); /* the oldest clean one */
  g_assert_nonnull(find_get_page(m, 0));
  g_assert_nonnull(find_get_page(m, 1));
  add_to_page_cache_lru(m, 5, PG_uptodate);
  g_assert_null(find_get_page(m, 3));
  g_assert_cmpuint(pc->evicted, ==, 2);
  /* nothing clean left: the cache goes over rather than lose data */
  struct pagecache *full = pc_new(e, 1);
  struct address_space *f = address_space_new(full, NULL, 0, 1 << 20);
  add_to_page_cache_lru(f, 0, PG_uptodate | PG_dirty);
  add_to_page_cache_lru(f, 1, PG_uptodate | PG_dirty);
  g_assert_cmpint(full->nr_file_pages, ==, 2);
  g_assert_cmpuint(full->evicted, ==, 0);
  pagecache_free(full);
  pagecache_free(pc);
  sim_engine_free(e);
}

/* A file read twice fills the active list; reclaim first moves its tail
 * back to the inactive list until the two are even, and evicts from
 * there: a page used twice outlives one used once. */
static void test_active_balance(void) {
  sim_engine *e = sim_engine_new();
  struct pagecache *pc = pc_new(e, 8);
  struct address_space *m = address_space_new(pc, NULL, 0, 1 << 20);
  for (int64_t i = 0; i < 8; i++) {
    struct page *p = add_to_page_cache_lru(m, i, PG_uptodate);
    mark_page_accessed(p);
    mark_page_accessed(p);
  }
  g_assert_cmpint(pc->nr_active, ==, 8);
  add_to_page_cache_lru(m, 100, PG_uptodate);
  g_assert_cmpint(pc->nr_active, <=, pc->nr_inactive + 1);
  g_assert_cmpint(pc->nr_file_pages, ==, 8);
  /* the first deactivated (the oldest active) went first */
  g_assert_null(find_get_page(m, 0));
  g_assert_nonnull(find_get_page(m, 7));
  pagecache_free(pc);
  sim_engine_free(e);
}

static void test_invalidate(void) {
  sim_engine *e = sim_engine_new();
  struct pagecache *pc = pc_new(e, 64);
  struct address_space *m = address_space_new(pc, NULL, 0, 1 << 20);
  add_to_page_cache_lru(m, 0, PG_uptodate);
  add_to_page_cache_lru(m, 1, PG_uptodate | PG_dirty);
  add_to_page_cache_lru(m, 2, PG_locked);
  add_to_page_cache_lru(m, 3, PG_uptodate | PG_writeback);
  add_to_page_cache_lru(m, 4, PG_uptodate | PG_active);
  g_assert_cmpint(invalidate_mapping_pages(m), ==, 2);
  g_assert_null(find_get_page(m, 0));
  g_assert_null(find_get_page(m, 4));
  g_assert_cmpint(m->nrpages, ==, 3);
  pagecache_free(pc);
  sim_engine_free(e);
}

static void woken(void *ctx) { (*(int *)ctx)++; }

static void test_waits_and_tags(void) {
  sim_engine *e = sim_engine_new();
  struct pagecache *pc = pc_new(e, 64);
  struct address_space *m = address_space_new(pc, NULL, 0, 1 << 20);
  struct page *p = add_to_page_cache_lru(m, 5, PG_locked);
  struct page *q = add_to_page_cache_lru(m, 9, PG_locked);
  int n = 0;
  struct page_waiter w = {.index = 5, .wake = woken, .ctx = &n};
  wait_on_page(m, &w);
  q->flags &= ~PG_locked;
  wake_up_page(q); /* not its page */
  g_assert_cmpint(n, ==, 0);
  p->flags = PG_uptodate | PG_writeback;
  wake_up_page(p); /* still busy */
  g_assert_cmpint(n, ==, 0);
  p->flags = PG_uptodate;
  wake_up_page(p);
  g_assert_cmpint(n, ==, 1);
  g_assert_false(w.queued);
  page_tag(q, PAGECACHE_TAG_DIRTY, true);
  page_tag(p, PAGECACHE_TAG_DIRTY, true);
  g_assert_true(find_tagged_page_from(m, PAGECACHE_TAG_DIRTY, 0) == p);
  g_assert_true(find_tagged_page_from(m, PAGECACHE_TAG_DIRTY, 6) == q);
  g_assert_null(find_tagged_page_from(m, PAGECACHE_TAG_DIRTY, 10));
  g_assert_null(find_tagged_page_from(m, PAGECACHE_TAG_WRITEBACK, 0));
  page_tag(p, PAGECACHE_TAG_DIRTY, false);
  g_assert_true(find_tagged_page_from(m, PAGECACHE_TAG_DIRTY, 0) == q);
  g_assert_cmpint(count_history_pages(m, 9, 32), ==, 0);
  g_assert_cmpint(page_cache_next_hole(m, 5, 32), ==, 6);
  pagecache_free(pc);
  sim_engine_free(e);
}

static void test_copy_time(void) {
  sim_engine *e = sim_engine_new();
  struct pagecache *pc = pc_new(e, 64);
  g_assert_cmpint(pagecache_copy_time(pc, 4096), ==, 1024); /* 4 GB/s */
  g_assert_cmpint(pagecache_copy_time(pc, 0), ==, 0);
  pagecache_free(pc);
  sim_engine_free(e);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/pagecache/lookup-and-layout", test_lookup_and_layout);
  g_test_add_func("/pagecache/promotion", test_promotion);
  g_test_add_func("/pagecache/reclaim", test_reclaim);
  g_test_add_func("/pagecache/active-balance", test_active_balance);
  g_test_add_func("/pagecache/invalidate", test_invalidate);
  g_test_add_func("/pagecache/waits-and-tags", test_waits_and_tags);
  g_test_add_func("/pagecache/copy-time", test_copy_time);
  return g_test_run();
}
