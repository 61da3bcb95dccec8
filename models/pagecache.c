/* The page cache: pages by (file, index), the inactive/active file LRU,
 * reclaim of clean pages from the inactive tail, and waits on pages. */
#include "models/pagecache.h"

#include <math.h>

/* Page structs come in blocks and are recycled through a free list, so a
 * run that streams gigabytes through a small memory reuses the same few. */
#define SLAB_PAGES 1024
/* Pages moved from the active to the inactive list at a time (the
 * kernel's SWAP_CLUSTER_MAX). */
#define SWAP_CLUSTER_MAX 32

typedef struct idle_hook {
  void (*fn)(void *ctx);
  void *ctx;
} idle_hook;

struct pagecache *pagecache_new(sim_engine *e, int64_t memory_bytes,
                                double copy_rate) {
  struct pagecache *pc = g_new0(struct pagecache, 1);
  pc->engine = e;
  pc->totalram_pages = MAX(memory_bytes / PAGE_SIZE, 1);
  pc->copy_rate = copy_rate;
  pc->slabs = g_ptr_array_new_with_free_func(g_free);
  pc->mappings = g_ptr_array_new();
  pc->idle_hooks = g_array_new(FALSE, FALSE, sizeof(idle_hook));
  return pc;
}

static void address_space_free(struct address_space *m) {
  g_hash_table_destroy(m->page_tree);
  g_tree_destroy(m->tags[PAGECACHE_TAG_DIRTY]);
  g_tree_destroy(m->tags[PAGECACHE_TAG_WRITEBACK]);
  g_queue_clear(&m->waiters);
  g_free(m);
}

void pagecache_free(struct pagecache *pc) {
  if (!pc)
    return;
  for (guint i = 0; i < pc->mappings->len; i++)
    address_space_free(g_ptr_array_index(pc->mappings, i));
  g_ptr_array_free(pc->mappings, TRUE);
  g_ptr_array_free(pc->slabs, TRUE);
  g_array_free(pc->idle_hooks, TRUE);
  g_free(pc);
}

sim_time pagecache_copy_time(const struct pagecache *pc, int64_t bytes) {
  if (bytes <= 0 || pc->copy_rate <= 0)
    return 0;
  double ns = ceil((double)bytes * 1e9 / pc->copy_rate);
  return ns < (double)G_MAXINT64 ? (sim_time)ns : G_MAXINT64;
}

void pagecache_task_start(struct pagecache *pc) { pc->nr_user_tasks++; }

void pagecache_task_exit(struct pagecache *pc) {
  g_assert(pc->nr_user_tasks > 0);
  if (--pc->nr_user_tasks > 0)
    return;
  for (guint i = 0; i < pc->idle_hooks->len; i++) {
    idle_hook *h = &g_array_index(pc->idle_hooks, idle_hook, i);
    h->fn(h->ctx);
  }
}

void pagecache_on_idle(struct pagecache *pc, void (*fn)(void *ctx), void *ctx) {
  idle_hook h = {fn, ctx};
  g_array_append_val(pc->idle_hooks, h);
}

/* ---- files ---- */

static gint cmp_index(gconstpointer a, gconstpointer b, gpointer unused) {
  (void)unused;
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

struct address_space *address_space_new(struct pagecache *pc,
                                        struct backing_dev_info *bdi,
                                        int64_t start_sector,
                                        int64_t nr_sectors) {
  struct address_space *m = g_new0(struct address_space, 1);
  m->id = (int)pc->mappings->len;
  m->pc = pc;
  m->backing_dev_info = bdi;
  m->start_sector = start_sector;
  m->nr_sectors = nr_sectors;
  m->page_tree = g_hash_table_new(g_int64_hash, g_int64_equal);
  for (int t = 0; t < 2; t++)
    m->tags[t] = g_tree_new_full(cmp_index, NULL, NULL, NULL);
  m->wb_link.data = m;
  g_queue_init(&m->waiters);
  g_ptr_array_add(pc->mappings, m);
  return m;
}

int64_t mapping_size_pages(const struct address_space *m) {
  return (m->nr_sectors + PAGE_SECTORS - 1) / PAGE_SECTORS;
}

int64_t page_sector(const struct address_space *m, int64_t index) {
  return m->start_sector + index * PAGE_SECTORS;
}

uint32_t page_nr_sectors(const struct address_space *m, int64_t index) {
  int64_t left = m->nr_sectors - index * PAGE_SECTORS;
  return (uint32_t)CLAMP(left, 0, PAGE_SECTORS);
}

/* ---- the LRU ---- */

static void lru_unlink(struct pagecache *pc, struct page *p) {
  bool active = p->flags & PG_active;
  struct page **head = active ? &pc->active_head : &pc->inactive_head;
  struct page **tail = active ? &pc->active_tail : &pc->inactive_tail;
  if (p->lru_prev)
    p->lru_prev->lru_next = p->lru_next;
  else
    *head = p->lru_next;
  if (p->lru_next)
    p->lru_next->lru_prev = p->lru_prev;
  else
    *tail = p->lru_prev;
  p->lru_prev = p->lru_next = NULL;
  if (active)
    pc->nr_active--;
  else
    pc->nr_inactive--;
}

static void lru_add_head(struct pagecache *pc, struct page *p, bool active) {
  struct page **head = active ? &pc->active_head : &pc->inactive_head;
  struct page **tail = active ? &pc->active_tail : &pc->inactive_tail;
  p->flags = active ? p->flags | PG_active : p->flags & ~PG_active;
  p->lru_prev = NULL;
  p->lru_next = *head;
  if (*head)
    (*head)->lru_prev = p;
  else
    *tail = p;
  *head = p;
  if (active)
    pc->nr_active++;
  else
    pc->nr_inactive++;
}

void mark_page_accessed(struct page *page) {
  if (!(page->flags & PG_active) && (page->flags & PG_referenced)) {
    struct pagecache *pc = page->mapping->pc;
    lru_unlink(pc, page);
    lru_add_head(pc, page, true);
    page->flags &= ~PG_referenced;
  } else if (!(page->flags & PG_referenced)) {
    page->flags |= PG_referenced;
  }
}

static struct page *page_alloc(struct pagecache *pc) {
  if (!pc->free_pages) {
    struct page *slab = g_new0(struct page, SLAB_PAGES);
    g_ptr_array_add(pc->slabs, slab);
    for (int i = SLAB_PAGES - 1; i >= 0; i--) {
      slab[i].lru_next = pc->free_pages;
      pc->free_pages = &slab[i];
    }
  }
  struct page *p = pc->free_pages;
  pc->free_pages = p->lru_next;
  *p = (struct page){0};
  return p;
}

static void page_remove(struct page *p) {
  struct address_space *m = p->mapping;
  struct pagecache *pc = m->pc;
  g_assert(!(p->flags & (PG_dirty | PG_writeback | PG_locked)));
  lru_unlink(pc, p);
  g_hash_table_remove(m->page_tree, &p->index);
  m->nrpages--;
  pc->nr_file_pages--;
  p->lru_next = pc->free_pages;
  pc->free_pages = p;
}

static bool page_evictable(const struct page *p) {
  return !(p->flags & (PG_dirty | PG_writeback | PG_locked));
}

/* shrink_active_list: keep the active list no longer than the inactive
 * one, taking from its tail. */
static void shrink_active_list(struct pagecache *pc) {
  for (int n = 0; n < SWAP_CLUSTER_MAX && pc->nr_active > pc->nr_inactive;
       n++) {
    struct page *p = pc->active_tail;
    lru_unlink(pc, p);
    p->flags &= ~PG_referenced;
    lru_add_head(pc, p, false);
  }
}

/* Reclaim one clean page from the inactive tail.  Dirty, locked and
 * writeback pages are rotated to the head: in 3.2 reclaim does not write
 * file pages from direct reclaim, and the flusher cleans them soon.
 * FALSE when the whole list holds nothing to free. */
static bool shrink_one(struct pagecache *pc) {
  if (pc->nr_active > pc->nr_inactive)
    shrink_active_list(pc);
  for (int64_t scanned = 0; scanned < pc->nr_inactive && pc->inactive_tail;
       scanned++) {
    struct page *p = pc->inactive_tail;
    if (page_evictable(p)) {
      page_remove(p);
      pc->evicted++;
      return true;
    }
    lru_unlink(pc, p);
    lru_add_head(pc, p, false);
  }
  return false;
}

struct page *find_get_page(struct address_space *m, int64_t index) {
  return g_hash_table_lookup(m->page_tree, &index);
}

struct page *add_to_page_cache_lru(struct address_space *m, int64_t index,
                                   unsigned flags) {
  struct pagecache *pc = m->pc;
  g_assert(!find_get_page(m, index));
  /* Beyond memory only when nothing at all can be freed (every page dirty
   * or in flight): the kernel would stall the allocation instead. */
  if (pc->nr_file_pages >= pc->totalram_pages)
    shrink_one(pc);
  struct page *p = page_alloc(pc);
  p->index = index;
  p->mapping = m;
  p->flags = flags;
  g_hash_table_insert(m->page_tree, &p->index, p);
  m->nrpages++;
  pc->nr_file_pages++;
  lru_add_head(pc, p, false);
  return p;
}

static gint cmp_page_index(gconstpointer a, gconstpointer b) {
  const struct page *x = *(struct page *const *)a,
                    *y = *(struct page *const *)b;
  return (x->index > y->index) - (x->index < y->index);
}

int64_t invalidate_mapping_pages(struct address_space *m) {
  GPtrArray *drop = g_ptr_array_new();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, m->page_tree);
  while (g_hash_table_iter_next(&it, NULL, &v))
    if (page_evictable(v))
      g_ptr_array_add(drop, v);
  /* Which pages go does not depend on the table's order; removing them in
   * index order keeps even the free list's order independent of it. */
  g_ptr_array_sort(drop, cmp_page_index);
  for (guint i = 0; i < drop->len; i++)
    page_remove(g_ptr_array_index(drop, i));
  int64_t n = drop->len;
  g_ptr_array_free(drop, TRUE);
  return n;
}

int64_t count_history_pages(struct address_space *m, int64_t index,
                            int64_t max) {
  int64_t n = 0;
  for (int64_t i = index - 1; n < max && i >= 0 && find_get_page(m, i); i--)
    n++;
  return n;
}

int64_t page_cache_next_hole(struct address_space *m, int64_t index,
                             int64_t max) {
  for (int64_t i = 0; i < max; i++, index++)
    if (!find_get_page(m, index))
      return index;
  return index;
}

/* ---- tags ---- */

void page_tag(struct page *page, int tag, bool set) {
  struct address_space *m = page->mapping;
  if (set)
    g_tree_insert(m->tags[tag], &page->index, page);
  else
    g_tree_remove(m->tags[tag], &page->index);
}

struct page *find_tagged_page_from(struct address_space *m, int tag,
                                   int64_t index) {
  GTreeNode *n = g_tree_lower_bound(m->tags[tag], &index);
  return n ? g_tree_node_value(n) : NULL;
}

/* ---- waits ---- */

void wait_on_page(struct address_space *m, struct page_waiter *w) {
  g_assert(!w->queued && w->index >= 0);
  w->queued = true;
  g_queue_push_tail(&m->waiters, w);
}

void page_waiter_cancel(struct address_space *m, struct page_waiter *w) {
  if (w->queued)
    g_queue_remove(&m->waiters, w);
  w->queued = false;
}

void wake_up_page(struct page *page) {
  struct address_space *m = page->mapping;
  bool idle = !(page->flags & (PG_locked | PG_writeback));
  GPtrArray *woken = NULL;
  for (GList *l = m->waiters.head, *next; l; l = next) {
    next = l->next;
    struct page_waiter *w = l->data;
    if (!idle || w->index != page->index)
      continue;
    g_queue_delete_link(&m->waiters, l);
    w->queued = false;
    if (!woken)
      woken = g_ptr_array_new();
    g_ptr_array_add(woken, w);
  }
  /* Wakes run after the queue is settled: a woken task may wait again. */
  for (guint i = 0; woken && i < woken->len; i++) {
    struct page_waiter *w = g_ptr_array_index(woken, i);
    w->wake(w->ctx);
  }
  if (woken)
    g_ptr_array_free(woken, TRUE);
}

/* A flush waiter stands on no page: index -1. */
void mapping_wait_flush(struct address_space *m, struct page_waiter *w) {
  g_assert(!w->queued);
  w->index = -1;
  w->queued = true;
  g_queue_push_tail(&m->waiters, w);
}

void mapping_flush_done(struct address_space *m) {
  g_assert(m->flushes_in_flight > 0);
  if (--m->flushes_in_flight > 0)
    return;
  GPtrArray *woken = g_ptr_array_new();
  for (GList *l = m->waiters.head, *next; l; l = next) {
    next = l->next;
    struct page_waiter *w = l->data;
    if (w->index != -1)
      continue;
    g_queue_delete_link(&m->waiters, l);
    w->queued = false;
    g_ptr_array_add(woken, w);
  }
  for (guint i = 0; i < woken->len; i++) {
    struct page_waiter *w = g_ptr_array_index(woken, i);
    w->wake(w->ctx);
  }
  g_ptr_array_free(woken, TRUE);
}

/* ---- exploration ---- */

static void fp_list(fingerprint *fp, const struct page *p) {
  for (; p; p = p->lru_next) {
    int64_t v[] = {p->mapping->id, p->index, p->flags};
    fingerprint_bytes(fp, v, sizeof v);
  }
}

void pagecache_fingerprint(const struct pagecache *pc, fingerprint *fp) {
  int64_t v[] = {pc->nr_file_pages, pc->nr_dirty,    pc->nr_writeback,
                 pc->nr_active,     pc->nr_inactive, pc->nr_user_tasks};
  fingerprint_bytes(fp, v, sizeof v);
  fp_list(fp, pc->inactive_head);
  fingerprint_i64(fp, -1);
  fp_list(fp, pc->active_head);
  for (guint i = 0; i < pc->mappings->len; i++) {
    const struct address_space *m = g_ptr_array_index(pc->mappings, i);
    int64_t s[] = {m->writeback_index,
                   m->i_state,
                   m->dirtied_when,
                   m->wb_list,
                   (int64_t)m->waiters.length,
                   m->flushes_in_flight};
    fingerprint_bytes(fp, s, sizeof s);
  }
}
