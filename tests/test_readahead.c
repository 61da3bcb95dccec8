/* On-demand readahead against 3.2's rules: the window sizes, the worked
 * example of a 4 KiB sequential reader, random reads, a read of 1 MiB,
 * context readahead and two streams interleaved on one open file. */
#include <glib.h>

#include "models/readahead.h"

typedef struct fixture {
  sim_engine *e;
  struct pagecache *pc;
  struct address_space *m;
  struct file_ra_state ra;
  GArray *reads;
} fixture;

static void setup(fixture *f, gconstpointer data) {
  (void)data;
  f->e = sim_engine_new();
  f->pc = pagecache_new(f->e, (int64_t)1 << 30, 4e9);
  /* a 64 MiB file */
  f->m = address_space_new(f->pc, NULL, 0, (64 << 20) / 512);
  file_ra_state_init(&f->ra, 32); /* read_ahead_kb 128 */
  f->reads = g_array_new(FALSE, FALSE, sizeof(ra_read));
}

static void teardown(fixture *f, gconstpointer data) {
  (void)data;
  g_array_free(f->reads, TRUE);
  pagecache_free(f->pc);
  sim_engine_free(f->e);
}

/* The reads finish: every page readahead put in becomes uptodate. */
static void complete_reads(fixture *f) {
  for (guint i = 0; i < f->reads->len; i++) {
    ra_read r = g_array_index(f->reads, ra_read, i);
    for (int64_t k = r.index; k < r.index + r.nr; k++) {
      struct page *p = find_get_page(f->m, k);
      p->flags = (p->flags & ~PG_locked) | PG_uptodate;
    }
  }
}

/* A read() of one page at `index` as do_generic_file_read would treat it:
 * sync readahead on a miss, async on the marker. */
static void read_page(fixture *f, int64_t index) {
  struct page *p = find_get_page(f->m, index);
  if (!p) {
    page_cache_sync_readahead(f->m, &f->ra, index, 1, f->reads);
    p = find_get_page(f->m, index);
  }
  g_assert_nonnull(p);
  if (p->flags & PG_readahead)
    page_cache_async_readahead(f->m, &f->ra, p, index, 1, false, f->reads);
  f->ra.prev_pos = index << PAGE_SHIFT; /* a whole page read: offset 0 */
}

static void test_window_sizes(void) {
  /* max = 32 pages (128 KiB): the code's values, not its comment's */
  static const int64_t init[][2] = {{1, 4},  {2, 4},   {3, 8},
                                    {4, 8},  {5, 16},  {8, 16},
                                    {9, 32}, {32, 32}, {256, 32}};
  for (gsize i = 0; i < G_N_ELEMENTS(init); i++)
    g_assert_cmpint(get_init_ra_size(init[i][0], 32), ==, init[i][1]);
  static const int64_t next[][2] = {
      {1, 4}, {4, 8}, {8, 16}, {16, 32}, {32, 32}};
  for (gsize i = 0; i < G_N_ELEMENTS(next); i++) {
    struct file_ra_state ra = {.size = next[i][0]};
    g_assert_cmpint(get_next_ra_size(&ra, 32), ==, next[i][1]);
  }
}

/* The worked example: windows (0,4,3), (4,8,8), (12,16,16), (28,32,32),
 * (60,32,32)...: 16, 32, 64, then 128 KiB, each marked at its first page
 * after the first (marked at page 1), the next one read when the reader
 * reaches the marker of the current one. */
static void test_sequential_ramp(fixture *f, gconstpointer data) {
  (void)data;
  static const int64_t want[][4] = {
      /* read of page, window start, size, async_size */
      {0, 0, 4, 3},     {1, 4, 8, 8},     {4, 12, 16, 16},
      {12, 28, 32, 32}, {28, 60, 32, 32}, {60, 92, 32, 32}};
  guint w = 0;
  for (int64_t page = 0; page < 92; page++) {
    guint before = f->reads->len;
    read_page(f, page);
    if (f->reads->len == before)
      continue;
    g_assert_cmpuint(w, <, G_N_ELEMENTS(want));
    g_assert_cmpint(page, ==, want[w][0]);
    g_assert_cmpint(f->ra.start, ==, want[w][1]);
    g_assert_cmpint(f->ra.size, ==, want[w][2]);
    g_assert_cmpint(f->ra.async_size, ==, want[w][3]);
    /* one run of new pages: the whole window, one bio */
    g_assert_cmpuint(f->reads->len, ==, before + 1);
    ra_read r = g_array_index(f->reads, ra_read, before);
    g_assert_cmpint(r.index, ==, want[w][1]);
    g_assert_cmpint(r.nr, ==, want[w][2]);
    /* the marker sits async_size pages before the window's end */
    int64_t marker = f->ra.start + f->ra.size - f->ra.async_size;
    for (int64_t k = r.index; k < r.index + r.nr; k++)
      g_assert_cmpint(!!(find_get_page(f->m, k)->flags & PG_readahead), ==,
                      k == marker);
    w++;
  }
  g_assert_cmpuint(w, ==, G_N_ELEMENTS(want));
}

/* A random read reads what it asked for and leaves the state alone. */
static void test_random_read(fixture *f, gconstpointer data) {
  (void)data;
  f->ra = (struct file_ra_state){.start = 7,
                                 .size = 9,
                                 .async_size = 5,
                                 .ra_pages = 32,
                                 .prev_pos = 100 << PAGE_SHIFT};
  page_cache_sync_readahead(f->m, &f->ra, 5000, 2, f->reads);
  g_assert_cmpuint(f->reads->len, ==, 1);
  ra_read r = g_array_index(f->reads, ra_read, 0);
  g_assert_cmpint(r.index, ==, 5000);
  g_assert_cmpint(r.nr, ==, 2);
  g_assert_cmpint(f->ra.start, ==, 7);
  g_assert_cmpint(f->ra.size, ==, 9);
  g_assert_cmpint(f->ra.async_size, ==, 5);
  g_assert_false(find_get_page(f->m, 5000)->flags & PG_readahead);
  /* the next page after it is sequential: an initial window */
  f->ra.prev_pos = 5001 << PAGE_SHIFT;
  page_cache_sync_readahead(f->m, &f->ra, 5002, 1, f->reads);
  g_assert_cmpint(f->ra.start, ==, 5002);
  g_assert_cmpint(f->ra.size, ==, 4);
  g_assert_cmpint(f->ra.async_size, ==, 3);
}

/* read(fd, buf, 1 MiB) at 0: an initial window of 32 read with the next
 * one: 64 pages, the marker at 32. */
static void test_large_read(fixture *f, gconstpointer data) {
  (void)data;
  page_cache_sync_readahead(f->m, &f->ra, 0, 256, f->reads);
  g_assert_cmpint(f->ra.start, ==, 0);
  g_assert_cmpint(f->ra.size, ==, 64);
  g_assert_cmpint(f->ra.async_size, ==, 32);
  g_assert_cmpuint(f->reads->len, ==, 1);
  g_assert_cmpint(g_array_index(f->reads, ra_read, 0).nr, ==, 64);
  g_assert_true(find_get_page(f->m, 32)->flags & PG_readahead);
}

/* Pages cached before a miss the state does not explain: the window is
 * sized from them (doubled when they reach back to the file's start). */
static void test_context_readahead(fixture *f, gconstpointer data) {
  (void)data;
  for (int64_t k = 1000; k < 1006; k++)
    add_to_page_cache_lru(f->m, k, PG_uptodate);
  page_cache_sync_readahead(f->m, &f->ra, 1006, 1, f->reads);
  /* history 6 + 1 requested: init(7) = 16, async 16; the read page
   * would carry its own marker, so the next window comes along: 16 + 32 */
  g_assert_cmpint(f->ra.start, ==, 1006);
  g_assert_cmpint(f->ra.size, ==, 48);
  g_assert_cmpint(f->ra.async_size, ==, 32);
}

/* Two streams on one open file, interleaved: each marker the state does
 * not match finds its own window's size from the cache, and both streams
 * keep ramping. */
static void test_interleaved_streams(fixture *f, gconstpointer data) {
  (void)data;
  int64_t a = 0, b = 8192;
  for (int i = 0; i < 300; i++) {
    read_page(f, a++);
    complete_reads(f);
    read_page(f, b++);
    complete_reads(f);
  }
  /* after the ramp-up both read full 128 KiB windows */
  guint full_a = 0, full_b = 0;
  for (guint i = 0; i < f->reads->len; i++) {
    ra_read r = g_array_index(f->reads, ra_read, i);
    if (r.nr == 32 && r.index < 8192)
      full_a++;
    else if (r.nr == 32)
      full_b++;
  }
  g_assert_cmpuint(full_a, >=, 6);
  g_assert_cmpuint(full_b, >=, 6);
  /* and nothing is read twice or skipped: every page up to the readers
   * is cached */
  for (int64_t k = 0; k < a; k++)
    g_assert_nonnull(find_get_page(f->m, k));
  for (int64_t k = 8192; k < b; k++)
    g_assert_nonnull(find_get_page(f->m, k));
}

/* ra_pages 0 (read_ahead_kb 0): nothing but what the reader reads. */
static void test_no_readahead(fixture *f, gconstpointer data) {
  (void)data;
  file_ra_state_init(&f->ra, 0);
  page_cache_sync_readahead(f->m, &f->ra, 0, 1, f->reads);
  g_assert_cmpuint(f->reads->len, ==, 0);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/readahead/window-sizes", test_window_sizes);
  g_test_add("/readahead/sequential-ramp", fixture, NULL, setup,
             test_sequential_ramp, teardown);
  g_test_add("/readahead/random-read", fixture, NULL, setup, test_random_read,
             teardown);
  g_test_add("/readahead/large-read", fixture, NULL, setup, test_large_read,
             teardown);
  g_test_add("/readahead/context", fixture, NULL, setup, test_context_readahead,
             teardown);
  g_test_add("/readahead/interleaved-streams", fixture, NULL, setup,
             test_interleaved_streams, teardown);
  g_test_add("/readahead/none", fixture, NULL, setup, test_no_readahead,
             teardown);
  return g_test_run();
}
