/* On-demand readahead: the decision order of 3.2's ondemand_readahead. */
#include "models/readahead.h"

void file_ra_state_init(struct file_ra_state *ra, int64_t ra_pages) {
  *ra = (struct file_ra_state){.ra_pages = ra_pages, .prev_pos = -1};
}

static int64_t roundup_pow_of_two(int64_t n) {
  int64_t p = 1;
  while (p < n)
    p <<= 1;
  return p;
}

int64_t get_init_ra_size(int64_t size, int64_t max) {
  int64_t n = roundup_pow_of_two(size);
  if (n <= max / 32)
    return n * 4;
  if (n <= max / 4)
    return n * 2;
  return max;
}

int64_t get_next_ra_size(const struct file_ra_state *ra, int64_t max) {
  int64_t cur = ra->size;
  int64_t n = cur < max / 16 ? 4 * cur : 2 * cur;
  return MIN(n, max);
}

/* Readahead never takes more than half of what is free or inactive. */
static int64_t max_sane_readahead(const struct pagecache *pc, int64_t nr) {
  int64_t free = MAX(pc->totalram_pages - pc->nr_file_pages, 0);
  return MIN(nr, (pc->nr_inactive + free) / 2);
}

/* __do_page_cache_readahead: allocate the pages of [offset, offset + nr)
 * that are not cached (up to the end of the file), marking the one
 * `lookahead` from the end, and hand them out as runs to read. */
static void do_page_cache_readahead(struct address_space *m, int64_t offset,
                                    int64_t nr, int64_t lookahead,
                                    GArray *reads) {
  int64_t end = mapping_size_pages(m);
  ra_read run = {0, 0};
  for (int64_t i = 0; i < nr && offset + i < end; i++) {
    int64_t index = offset + i;
    if (find_get_page(m, index)) {
      if (run.nr)
        g_array_append_val(reads, run);
      run.nr = 0;
      continue;
    }
    unsigned flags = PG_locked;
    if (i == nr - lookahead)
      flags |= PG_readahead;
    add_to_page_cache_lru(m, index, flags);
    if (run.nr == 0)
      run.index = index;
    run.nr++;
  }
  if (run.nr)
    g_array_append_val(reads, run);
}

static void ra_submit(struct address_space *m, struct file_ra_state *ra,
                      GArray *reads) {
  do_page_cache_readahead(m, ra->start, ra->size, ra->async_size, reads);
}

/* Pages cached right before `offset` tell of a stream this file's state
 * does not know (another reader of the same fd, a seek back): size the
 * window from that history. */
static bool try_context_readahead(struct address_space *m,
                                  struct file_ra_state *ra, int64_t offset,
                                  int64_t req_size, int64_t max) {
  int64_t size = count_history_pages(m, offset, max);
  if (!size)
    return false;
  if (size >= offset) /* the stream reaches back to the file's start */
    size *= 2;
  ra->start = offset;
  ra->size = get_init_ra_size(size + req_size, max);
  ra->async_size = ra->size;
  return true;
}

static void ondemand_readahead(struct address_space *m,
                               struct file_ra_state *ra, bool hit_marker,
                               int64_t offset, int64_t req_size,
                               GArray *reads) {
  int64_t max = max_sane_readahead(m->pc, ra->ra_pages);
  bool initial = false;
  if (offset == 0) {
    initial = true;
  } else if (offset == ra->start + ra->size - ra->async_size ||
             offset == ra->start + ra->size) {
    /* the expected next access: ramp the window up */
    ra->start += ra->size;
    ra->size = get_next_ra_size(ra, max);
    ra->async_size = ra->size;
  } else if (hit_marker) {
    /* a marker this state did not set: another stream's; its window
     * size is how far the cached pages run on */
    int64_t start = page_cache_next_hole(m, offset + 1, max);
    if (start - offset > max)
      return;
    ra->start = start;
    ra->size = start - offset + req_size;
    ra->size = get_next_ra_size(ra, max);
    ra->async_size = ra->size;
  } else if (req_size > max) {
    initial = true;
  } else {
    /* the kernel compares as unsigned: a jump backwards is not close */
    int64_t prev_index = ra->prev_pos < 0 ? -1 : ra->prev_pos >> PAGE_SHIFT;
    if ((uint64_t)offset - (uint64_t)prev_index <= 1) {
      initial = true;
    } else if (!try_context_readahead(m, ra, offset, req_size, max)) {
      /* a random read: just the pages asked for, the state untouched */
      do_page_cache_readahead(m, offset, req_size, 0, reads);
      return;
    }
  }
  if (initial) {
    ra->start = offset;
    ra->size = get_init_ra_size(req_size, max);
    ra->async_size = ra->size > req_size ? ra->size - req_size : ra->size;
  }
  /* A window whose marker would be the very page being read is read
   * together with the next one. */
  if (offset == ra->start && ra->size == ra->async_size) {
    ra->async_size = get_next_ra_size(ra, max);
    ra->size += ra->async_size;
  }
  ra_submit(m, ra, reads);
}

void page_cache_sync_readahead(struct address_space *m,
                               struct file_ra_state *ra, int64_t offset,
                               int64_t req_size, GArray *reads) {
  if (!ra->ra_pages)
    return;
  ondemand_readahead(m, ra, false, offset, req_size, reads);
}

void page_cache_async_readahead(struct address_space *m,
                                struct file_ra_state *ra, struct page *page,
                                int64_t offset, int64_t req_size,
                                bool read_congested, GArray *reads) {
  if (!ra->ra_pages)
    return;
  /* PG_readahead shares its bit with PG_reclaim, which writeback sets */
  if (page->flags & PG_writeback)
    return;
  page->flags &= ~PG_readahead;
  if (read_congested)
    return;
  ondemand_readahead(m, ra, true, offset, req_size, reads);
}
