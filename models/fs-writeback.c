/* The flusher's work for one device: which inodes, which pages, when to
 * stop.  3.2's wb_do_writeback / wb_writeback / writeback_sb_inodes /
 * writeback_single_inode / write_cache_pages run here as one resumable
 * loop that hands out a bio at a time. */
#include "models/fs-writeback.h"

/* 4 MiB in pages: the smallest chunk, and the unit chunks come in */
#define MIN_WRITEBACK_PAGES ((4096 * 1024) / PAGE_SIZE)
/* a chunk is at most this fraction of the dirty limit */
#define DIRTY_SCOPE 8

typedef enum {
  ST_IDLE,       /* asleep between rounds */
  ST_KUPDATE,    /* wb_check_old_data_flush */
  ST_BACKGROUND, /* wb_check_background_flush */
  ST_DONE,       /* the round is over */
  ST_LOOP,       /* the top of wb_writeback's loop */
  ST_PASS,       /* the next inode of b_io */
  ST_INODE,      /* writing the current inode's chunk */
} wb_stage;

struct wb_work {
  bool for_kupdate, for_background;
  int64_t nr_pages;
  int64_t older_than_this;
  int64_t wb_start;
};

struct bdi_writeback {
  struct backing_dev_info *bdi;
  int64_t max_bio_pages;
  GQueue b_dirty, b_io, b_more_io; /* of address_space.wb_link */
  int64_t last_old_flush;
  wb_stage stage, after_work;
  struct wb_work work;
  int64_t pass_start, pass_wrote;
  /* the inode being written and write_cache_pages' position in it */
  struct address_space *inode;
  int64_t write_chunk, nr_to_write;
  int64_t index, end, done_index, start_index;
  bool cycled, inode_done;
  const struct wb_task_ops *ops;
  void *ctx;
};

static int64_t now(const struct bdi_writeback *wb) {
  return bdi_jiffies(wb->bdi);
}

static int64_t centisecs_to_jiffies(const struct bdi_writeback *wb,
                                    int64_t cs) {
  return blk_ns_to_jiffies(wb->bdi->q, cs * 10 * SIM_MS);
}

static void wb_kick(void *ctx) { bdi_start_background_writeback(ctx); }

static void wb_drained(void *ctx) {
  struct bdi_writeback *wb = ctx;
  if (wb->ops && wb->ops->drained)
    wb->ops->drained(wb->ctx);
}

struct bdi_writeback *bdi_writeback_new(struct backing_dev_info *bdi,
                                        int64_t max_bio_pages) {
  struct bdi_writeback *wb = g_new0(struct bdi_writeback, 1);
  wb->bdi = bdi;
  wb->max_bio_pages = MAX(max_bio_pages, 1);
  g_queue_init(&wb->b_dirty);
  g_queue_init(&wb->b_io);
  g_queue_init(&wb->b_more_io);
  wb->last_old_flush = now(wb);
  bdi->start_background_writeback = wb_kick;
  bdi->writeback_done = wb_drained;
  bdi->wb_ctx = wb;
  return wb;
}

void bdi_writeback_free(struct bdi_writeback *wb) { g_free(wb); }

struct backing_dev_info *wb_bdi(const struct bdi_writeback *wb) {
  return wb->bdi;
}

void bdi_writeback_set_task(struct bdi_writeback *wb,
                            const struct wb_task_ops *ops, void *ctx) {
  wb->ops = ops;
  wb->ctx = ctx;
}

static void fp_queue(fingerprint *fp, const GQueue *q) {
  fingerprint_i64(fp, (int64_t)q->length);
  for (GList *l = q->head; l; l = l->next)
    fingerprint_i64(fp, ((struct address_space *)l->data)->id);
}

void bdi_writeback_fingerprint(const struct bdi_writeback *wb,
                               fingerprint *fp) {
  fp_queue(fp, &wb->b_dirty);
  fp_queue(fp, &wb->b_io);
  fp_queue(fp, &wb->b_more_io);
  int64_t v[] = {wb->last_old_flush,
                 wb->stage,
                 wb->after_work,
                 wb->work.for_kupdate,
                 wb->work.for_background,
                 wb->work.nr_pages,
                 wb->work.older_than_this,
                 wb->work.wb_start,
                 wb->pass_start,
                 wb->pass_wrote,
                 wb->inode ? wb->inode->id : -1,
                 wb->write_chunk,
                 wb->nr_to_write,
                 wb->index,
                 wb->end,
                 wb->done_index,
                 wb->start_index,
                 wb->cycled,
                 wb->inode_done};
  fingerprint_bytes(fp, v, sizeof v);
  bdi_fingerprint(wb->bdi, fp);
}

/* ---- the inode lists ---- */

static GQueue *wb_list(struct bdi_writeback *wb, int list) {
  switch (list) {
  case WB_LIST_DIRTY: return &wb->b_dirty;
  case WB_LIST_IO: return &wb->b_io;
  case WB_LIST_MORE_IO: return &wb->b_more_io;
  }
  g_assert_not_reached();
}

static void list_del_init(struct bdi_writeback *wb, struct address_space *m) {
  if (m->wb_list != WB_LIST_NONE)
    g_queue_unlink(wb_list(wb, m->wb_list), &m->wb_link);
  m->wb_list = WB_LIST_NONE;
}

static void list_move(struct bdi_writeback *wb, struct address_space *m,
                      int list) {
  list_del_init(wb, m);
  g_queue_push_head_link(wb_list(wb, list), &m->wb_link);
  m->wb_list = list;
}

bool wb_has_dirty_io(const struct bdi_writeback *wb) {
  return wb->b_dirty.length || wb->b_io.length || wb->b_more_io.length;
}

void mark_inode_dirty(struct bdi_writeback *wb, struct address_space *m) {
  if (m->i_state & I_DIRTY_PAGES)
    return;
  m->i_state |= I_DIRTY_PAGES;
  /* the flusher writing it puts it on the right list when it is done */
  if (m->i_state & I_SYNC)
    return;
  bool wakeup = !wb_has_dirty_io(wb);
  m->dirtied_when = now(wb);
  list_move(wb, m, WB_LIST_DIRTY);
  /* a device's first dirty inode: the flusher looks in one interval */
  if (wakeup && wb->ops && wb->ops->wake_at)
    wb->ops->wake_at(wb->ctx,
                     now(wb) + centisecs_to_jiffies(
                                   wb, wb->bdi->vm->dirty_writeback_centisecs));
}

/* Back to b_dirty; its dirtied_when must not be older than the newest
 * there, or the list would lose its order. */
static void redirty_tail(struct bdi_writeback *wb, struct address_space *m) {
  if (wb->b_dirty.head) {
    const struct address_space *newest = wb->b_dirty.head->data;
    if (m->dirtied_when < newest->dirtied_when)
      m->dirtied_when = now(wb);
  }
  list_move(wb, m, WB_LIST_DIRTY);
}

static void requeue_io(struct bdi_writeback *wb, struct address_space *m) {
  list_move(wb, m, WB_LIST_MORE_IO);
}

/* queue_io: b_more_io, then every inode dirtied at or before `older`, into
 * b_io (served from its tail: the requeued ones first, then oldest first). */
static void queue_io(struct bdi_writeback *wb, int64_t older) {
  while (wb->b_more_io.tail) {
    struct address_space *m = wb->b_more_io.tail->data;
    list_move(wb, m, WB_LIST_IO);
  }
  /* wb->b_io now holds b_more_io in its order; the expired inodes go in
   * at the head, the oldest ending nearest the requeued ones */
  GPtrArray *expired = g_ptr_array_new();
  for (GList *l = wb->b_dirty.tail; l; l = l->prev) {
    struct address_space *m = l->data;
    if (m->dirtied_when > older)
      break;
    g_ptr_array_add(expired, m);
  }
  for (guint i = 0; i < expired->len; i++)
    list_move(wb, g_ptr_array_index(expired, i), WB_LIST_IO);
  g_ptr_array_free(expired, TRUE);
}

static int64_t nr_dirty_inodes(const struct bdi_writeback *wb) {
  return wb->b_dirty.length + wb->b_io.length + wb->b_more_io.length;
}

int64_t writeback_chunk_size(const struct backing_dev_info *bdi,
                             int64_t nr_pages) {
  int64_t bg, thresh;
  global_dirty_limits(bdi, &bg, &thresh);
  int64_t pages = MIN(bdi->avg_write_bandwidth / 2, thresh / DIRTY_SCOPE);
  pages = MIN(pages, nr_pages);
  return (pages + MIN_WRITEBACK_PAGES) / MIN_WRITEBACK_PAGES *
         MIN_WRITEBACK_PAGES;
}

/* ---- one inode: write_cache_pages over its dirty pages, cyclically ---- */

static void inode_start(struct bdi_writeback *wb, struct address_space *m) {
  wb->inode = m;
  m->i_state |= I_SYNC;
  m->i_state &= ~I_DIRTY_PAGES;
  wb->write_chunk = writeback_chunk_size(wb->bdi, wb->work.nr_pages);
  wb->nr_to_write = wb->write_chunk;
  wb->start_index = m->writeback_index;
  wb->index = m->writeback_index;
  wb->cycled = wb->index == 0;
  wb->end = G_MAXINT64;
  wb->done_index = wb->index;
  wb->inode_done = false;
}

/* The next run of dirty pages not under writeback, up to a bio's worth
 * and the chunk that is left. */
static bool inode_next_bio(struct bdi_writeback *wb, struct wb_bio *out) {
  struct address_space *m = wb->inode;
  while (!wb->inode_done) {
    struct page *page =
        find_tagged_page_from(m, PAGECACHE_TAG_DIRTY, wb->index);
    if (!page || page->index > wb->end) {
      if (!wb->cycled) {
        wb->cycled = true;
        wb->index = 0;
        wb->end = wb->start_index - 1;
        continue;
      }
      wb->inode_done = true;
      break;
    }
    wb->done_index = page->index;
    if (page->flags & PG_writeback) { /* not waited for outside fsync */
      wb->index = page->index + 1;
      continue;
    }
    int64_t first = page->index, n = 0;
    while (page && page->index == first + n && (page->flags & PG_dirty) &&
           !(page->flags & PG_writeback) && n < wb->max_bio_pages &&
           wb->nr_to_write > 0 && page->index <= wb->end) {
      page_start_writeback(page);
      wb->done_index = page->index;
      wb->nr_to_write--;
      n++;
      page = find_get_page(m, first + n);
    }
    wb->index = first + n;
    if (wb->nr_to_write <= 0) {
      wb->done_index = first + n;
      wb->inode_done = true;
    }
    *out = (struct wb_bio){m, first, n};
    return true;
  }
  m->writeback_index = wb->done_index;
  return false;
}

/* writeback_single_inode's end: where the inode goes next. */
static void inode_finish(struct bdi_writeback *wb) {
  struct address_space *m = wb->inode;
  m->writeback_index = wb->done_index;
  m->i_state &= ~I_SYNC;
  if (m->nr_dirty > 0) {
    m->i_state |= I_DIRTY_PAGES;
    if (wb->nr_to_write <= 0)
      requeue_io(wb, m); /* used its chunk: the others go first */
    else
      redirty_tail(wb, m);
  } else if (m->i_state & I_DIRTY_PAGES) {
    redirty_tail(wb, m);
  } else {
    list_del_init(wb, m);
  }
  int64_t written = wb->write_chunk - wb->nr_to_write;
  wb->work.nr_pages -= written;
  wb->pass_wrote += written;
  if (!(m->i_state & I_DIRTY_PAGES))
    wb->pass_wrote++;
  wb->inode = NULL;
}

/* ---- the round ---- */

static void start_work(struct bdi_writeback *wb, bool kupdate, int64_t nr_pages,
                       wb_stage after) {
  wb->work = (struct wb_work){.for_kupdate = kupdate,
                              .for_background = !kupdate,
                              .nr_pages = nr_pages,
                              .older_than_this = now(wb),
                              .wb_start = now(wb)};
  wb->after_work = after;
  wb->stage = ST_LOOP;
}

static void pass_end(struct bdi_writeback *wb) {
  bdi_update_bandwidth(wb->bdi, 0, 0, 0, 0, 0, wb->work.wb_start);
  /* No progress: a 3.2 flusher would wait for a busy inode of b_more_io;
   * nothing but the flusher makes inodes busy here, so the work is over. */
  wb->stage = wb->pass_wrote ? ST_LOOP : wb->after_work;
}

bool wb_writeback_next(struct bdi_writeback *wb, struct wb_bio *out) {
  struct backing_dev_info *bdi = wb->bdi;
  const struct vm_dirty_cfg *vm = bdi->vm;
  for (;;) {
    switch (wb->stage) {
    case ST_IDLE:
      bdi->writeback_running = true;
      wb->stage = ST_KUPDATE;
      break;
    case ST_KUPDATE: {
      wb->stage = ST_BACKGROUND;
      int64_t interval =
          centisecs_to_jiffies(wb, vm->dirty_writeback_centisecs);
      if (interval == 0 || now(wb) < wb->last_old_flush + interval)
        break;
      wb->last_old_flush = now(wb);
      int64_t nr = bdi->pc->nr_dirty + nr_dirty_inodes(wb);
      if (nr)
        start_work(wb, true, nr, ST_BACKGROUND);
      break;
    }
    case ST_BACKGROUND:
      wb->stage = ST_DONE;
      if (over_bground_thresh(bdi))
        start_work(wb, false, G_MAXINT64, ST_DONE);
      break;
    case ST_DONE:
      bdi->writeback_running = false;
      wb->stage = ST_IDLE;
      return false;
    case ST_LOOP:
      if (wb->work.nr_pages <= 0 ||
          (wb->work.for_background && !over_bground_thresh(bdi))) {
        wb->stage = wb->after_work;
        break;
      }
      if (wb->work.for_kupdate)
        wb->work.older_than_this =
            now(wb) - centisecs_to_jiffies(wb, vm->dirty_expire_centisecs);
      if (!wb->b_io.length)
        queue_io(wb, wb->work.older_than_this);
      wb->pass_start = now(wb);
      wb->pass_wrote = 0;
      wb->stage = ST_PASS;
      break;
    case ST_PASS:
      if (!wb->b_io.tail) {
        pass_end(wb);
        break;
      }
      inode_start(wb, wb->b_io.tail->data);
      wb->stage = ST_INODE;
      break;
    case ST_INODE:
      if (inode_next_bio(wb, out))
        return true;
      inode_finish(wb);
      wb->stage = ST_PASS;
      /* give the loop's checks a turn every 100 ms of writing */
      if (wb->pass_wrote &&
          (now(wb) > wb->pass_start + MAX(bdi->q->kernel->hz / 10, 1) ||
           wb->work.nr_pages <= 0))
        pass_end(wb);
      break;
    }
  }
}

int64_t wb_idle_jiffies(const struct bdi_writeback *wb) {
  int64_t interval =
      centisecs_to_jiffies(wb, wb->bdi->vm->dirty_writeback_centisecs);
  return wb_has_dirty_io(wb) && interval ? interval : -1;
}

void bdi_start_background_writeback(struct bdi_writeback *wb) {
  if (wb->ops && wb->ops->wake)
    wb->ops->wake(wb->ctx);
}
