/* Buffered read(), write() and fsync() in the page cache. */
#include "models/filemap.h"

#include <stdarg.h>

#include "models/blk.h"

struct file *filemap_open(struct address_space *m, struct backing_dev_info *bdi,
                          struct bdi_writeback *wb, int64_t max_bio_pages,
                          const char *owner) {
  struct file *f = g_new0(struct file, 1);
  f->f_mapping = m;
  f->bdi = bdi;
  f->wb = wb;
  f->max_bio_pages = MAX(max_bio_pages, 1);
  f->owner = owner;
  /* ra_pages is copied at open: read_ahead_kb changes later do not apply */
  file_ra_state_init(&f->f_ra, bdi->ra_pages);
  return f;
}

void filemap_close(struct file *f) { g_free(f); }

static void trace(struct file *f, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void trace(struct file *f, const char *fmt, ...) {
  sim_engine *e = f->f_mapping->pc->engine;
  if (!sim_tracing(e))
    return;
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  sim_trace(e, f->owner, "%s", text);
}

void filemap_read_begin(struct file *f, struct fm_call *c, int64_t pos,
                        int64_t len) {
  const struct file_ra_state *ra = &f->f_ra;
  *c = (struct fm_call){
      .op = FM_OP_READ, .pos = pos, .len = len, .sync_ra_at = -1};
  c->index = pos >> PAGE_SHIFT;
  c->offset = pos & (PAGE_SIZE - 1);
  /* where the previous read() of this open file stopped */
  c->prev_index = ra->prev_pos < 0 ? -1 : ra->prev_pos >> PAGE_SHIFT;
  c->prev_offset =
      ra->prev_pos < 0 ? PAGE_SIZE - 1 : ra->prev_pos & (PAGE_SIZE - 1);
}

void filemap_write_begin(struct file *f, struct fm_call *c, int64_t pos,
                         int64_t len) {
  (void)f;
  *c = (struct fm_call){.op = FM_OP_WRITE, .pos = pos, .len = len};
}

void filemap_fsync_begin(struct file *f, struct fm_call *c, int64_t first,
                         int64_t last) {
  (void)f;
  *c = (struct fm_call){
      .op = FM_OP_FSYNC, .start = first, .end = last < 0 ? G_MAXINT64 : last};
}

/* Readahead's runs become bios of at most max_bio_pages. */
static void add_reads(struct file *f, GArray *runs, GArray *ios,
                      const char *why) {
  for (guint i = 0; i < runs->len; i++) {
    const ra_read *r = &g_array_index(runs, ra_read, i);
    trace(f,
          "%s: pages %" G_GINT64_FORMAT "+%" G_GINT64_FORMAT
          " (window %" G_GINT64_FORMAT "+%" G_GINT64_FORMAT
          ", async %" G_GINT64_FORMAT ")",
          why, r->index, r->nr, f->f_ra.start, f->f_ra.size,
          f->f_ra.async_size);
    for (int64_t done = 0; done < r->nr; done += f->max_bio_pages) {
      fm_io io = {r->index + done, MIN(f->max_bio_pages, r->nr - done), 0};
      g_array_append_val(ios, io);
    }
  }
  g_array_set_size(runs, 0);
}

/* ---- read(): do_generic_file_read ---- */

static fm_status read_step(struct file *f, struct fm_call *c, GArray *ios,
                           struct page_waiter *w) {
  struct address_space *m = f->f_mapping;
  struct file_ra_state *ra = &f->f_ra;
  int64_t last_index = (c->pos + c->len + PAGE_SIZE - 1) >> PAGE_SHIFT;
  int64_t isize = m->nr_sectors * 512;
  g_autoptr(GArray) runs = g_array_new(FALSE, FALSE, sizeof(ra_read));
  while (c->len > 0) {
    int64_t index = c->index;
    struct page *page = find_get_page(m, index);
    if (!page) {
      if (c->sync_ra_at != index) {
        c->sync_ra_at = index;
        page_cache_sync_readahead(m, ra, index, last_index - index, runs);
        add_reads(f, runs, ios, "sync readahead");
        page = find_get_page(m, index);
      }
      if (!page) { /* no readahead: ->readpage of just this page */
        add_to_page_cache_lru(m, index, PG_locked);
        fm_io io = {index, 1, 0};
        g_array_append_val(ios, io);
        return FM_SUBMIT;
      }
    }
    if (page->flags & PG_readahead) {
      page_cache_async_readahead(m, ra, page, index, last_index - index,
                                 bdi_read_congested(f->bdi), runs);
      add_reads(f, runs, ios, "async readahead");
    }
    if (ios->len)
      return FM_SUBMIT; /* the plug is flushed before the task sleeps */
    if (page->flags & PG_locked) {
      c->waited = true;
      w->index = index;
      wait_on_page(m, w);
      return FM_WAIT;
    }
    int64_t end_index = (isize - 1) >> PAGE_SHIFT;
    if (index > end_index)
      break;
    int64_t nr =
        index == end_index ? ((isize - 1) & (PAGE_SIZE - 1)) + 1 : PAGE_SIZE;
    if (nr <= c->offset)
      break;
    nr = MIN(nr - c->offset, c->len);
    /* a page read again at the very same place counts once */
    if (c->prev_index != index || c->offset != c->prev_offset)
      mark_page_accessed(page);
    c->prev_index = index;
    c->offset += nr;
    c->len -= nr;
    c->bytes += nr;
    c->uncharged += nr;
    c->index += c->offset >> PAGE_SHIFT;
    c->offset &= PAGE_SIZE - 1;
    c->prev_offset = c->offset;
  }
  ra->prev_pos = c->prev_index << PAGE_SHIFT | c->prev_offset;
  return FM_DONE;
}

/* ---- write(): generic_perform_write ---- */

static fm_status write_step(struct file *f, struct fm_call *c,
                            struct page_waiter *w, struct dirty_throttle *t) {
  struct address_space *m = f->f_mapping;
  if (c->throttled) {
    int64_t pause = balance_dirty_pages_resume(f->bdi, t);
    if (pause > 0) {
      c->sleep_jiffies = pause;
      return FM_SLEEP;
    }
    c->throttled = false;
  }
  while (c->len > 0) {
    int64_t index = c->pos >> PAGE_SHIFT;
    int64_t offset = c->pos & (PAGE_SIZE - 1);
    int64_t bytes = MIN(PAGE_SIZE - offset, c->len);
    struct page *page = find_get_page(m, index);
    if (!page) {
      /* A part of a page that is not cached is not read first: the
       * filesystem's block is taken as new, as when a file grows. */
      page = add_to_page_cache_lru(m, index, PG_uptodate);
    } else if (page->flags & PG_locked) {
      w->index = index;
      wait_on_page(m, w);
      return FM_WAIT;
    }
    page->flags |= PG_uptodate;
    if (set_page_dirty(page))
      mark_inode_dirty(f->wb, m);
    mark_page_accessed(page);
    c->pos += bytes;
    c->len -= bytes;
    c->bytes += bytes;
    c->uncharged += bytes;
    int64_t pause = balance_dirty_pages_ratelimited(f->bdi, t, 1);
    if (pause > 0) {
      trace(f,
            "balance_dirty_pages: pause %" G_GINT64_FORMAT
            " jiffies (dirty %" G_GINT64_FORMAT ", writeback %" G_GINT64_FORMAT
            ", task_ratelimit %" G_GINT64_FORMAT " pages/s)",
            pause, m->pc->nr_dirty, m->pc->nr_writeback, t->task_ratelimit);
      c->throttled = true;
      c->sleep_jiffies = pause;
      return FM_SLEEP;
    }
  }
  return FM_DONE;
}

/* ---- fsync(): filemap_write_and_wait_range, data-integrity mode ---- */

enum { FSYNC_TAG, FSYNC_WRITE, FSYNC_WAIT, FSYNC_FLUSH, FSYNC_FLUSH_WAIT };

/* An fsync, its data on the device, empties the disk's write cache as the
 * filesystem's blkdev_issue_flush (ext3/ext4 with barriers, their default
 * in 3.2) does: an empty WRITE_FLUSH.  A device without a volatile cache
 * ends it at once (the block layer drops the flag). */
static void fsync_issue_flush(struct file *f, struct fm_call *c, GArray *ios) {
  fm_io io = {c->start, 0, REQ_WRITE | REQ_SYNC | REQ_NOIDLE | REQ_FLUSH};
  g_array_append_val(ios, io);
  f->f_mapping->flushes_in_flight++;
}

static gboolean tag_towrite(gpointer key, gpointer value, gpointer data) {
  const struct fm_call *c = data;
  struct page *p = value;
  if (*(int64_t *)key > c->end)
    return TRUE;
  if (*(int64_t *)key >= c->start)
    p->flags |= PG_towrite;
  return FALSE;
}

static fm_status fsync_step(struct file *f, struct fm_call *c, GArray *ios,
                            struct page_waiter *w) {
  struct address_space *m = f->f_mapping;
  switch (c->stage) {
  case FSYNC_TAG:
    /* only what is dirty now: pages dirtied meanwhile cannot keep it
     * going for ever */
    g_tree_foreach(m->tags[PAGECACHE_TAG_DIRTY], tag_towrite, c);
    c->stage = FSYNC_WRITE;
    c->index = c->start;
    /* fall through */
  case FSYNC_WRITE:
    for (;;) {
      struct page *page =
          find_tagged_page_from(m, PAGECACHE_TAG_DIRTY, c->index);
      if (!page || page->index > c->end)
        break;
      if (!(page->flags & PG_towrite)) {
        c->index = page->index + 1;
        continue;
      }
      if (page->flags & PG_writeback) { /* redirtied while being written */
        c->waited = true;
        w->index = page->index;
        wait_on_page(m, w);
        return FM_WAIT;
      }
      int64_t first = page->index, n = 0;
      while (page && page->index == first + n && page->index <= c->end &&
             (page->flags & (PG_dirty | PG_towrite)) ==
                 (PG_dirty | PG_towrite) &&
             !(page->flags & PG_writeback) && n < f->max_bio_pages) {
        page_start_writeback(page);
        n++;
        page = find_get_page(m, first + n);
      }
      c->index = first + n;
      /* WRITE_SYNC, as ext3 and ext4 send data for fsync */
      fm_io io = {first, n, REQ_WRITE | REQ_SYNC | REQ_NOIDLE};
      g_array_append_val(ios, io);
      return FM_SUBMIT;
    }
    c->stage = FSYNC_WAIT;
    c->index = c->start;
    /* fall through */
  case FSYNC_WAIT: {
    /* filemap_fdatawait_range: every page of the range under writeback,
     * the flusher's included */
    struct page *page =
        find_tagged_page_from(m, PAGECACHE_TAG_WRITEBACK, c->index);
    if (page && page->index <= c->end) {
      c->waited = true;
      c->index = page->index;
      w->index = page->index;
      wait_on_page(m, w);
      return FM_WAIT;
    }
    c->stage = FSYNC_FLUSH;
  }
    /* fall through */
  case FSYNC_FLUSH:
    fsync_issue_flush(f, c, ios);
    c->stage = FSYNC_FLUSH_WAIT;
    return FM_SUBMIT;
  case FSYNC_FLUSH_WAIT:
    if (m->flushes_in_flight > 0) {
      c->waited = true;
      mapping_wait_flush(m, w);
      return FM_WAIT;
    }
    return FM_DONE;
  }
  g_assert_not_reached();
}

fm_status filemap_step(struct file *f, struct fm_call *c, GArray *ios,
                       struct page_waiter *w, struct dirty_throttle *t) {
  switch (c->op) {
  case FM_OP_READ: return read_step(f, c, ios, w);
  case FM_OP_WRITE: return write_step(f, c, w, t);
  case FM_OP_FSYNC: return fsync_step(f, c, ios, w);
  }
  g_assert_not_reached();
}

void filemap_end_io(struct address_space *m, int64_t index, int64_t nr,
                    bool write) {
  if (nr == 0) { /* an fsync's flush */
    mapping_flush_done(m);
    return;
  }
  for (int64_t i = index; i < index + nr; i++) {
    struct page *page = find_get_page(m, i);
    g_assert(page);
    if (write) {
      end_page_writeback(page);
    } else {
      page->flags = (page->flags & ~PG_locked) | PG_uptodate;
      wake_up_page(page);
    }
  }
}
