/* The page cache of the simulated machine: RAM in 4 KiB pages, one
 * address_space per file with its pages by index, the file LRU as an
 * inactive/active pair, page flags, waits on pages, and the global page
 * counts the dirty throttle reads (NR_FILE_PAGES, NR_FILE_DIRTY,
 * NR_WRITEBACK).  docs/model.md, "The page cache", says what is kept and
 * what is left out.
 *
 * Dirty accounting lives in page-writeback, the writeback lists of inodes
 * in fs-writeback; this module only keeps the per-page state and the tags
 * they set, so that every higher module reads one truth. */
#ifndef CFQSIM_PAGECACHE_H
#define CFQSIM_PAGECACHE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/core/engine.h"
#include "sim/core/fingerprint.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE ((int64_t)1 << PAGE_SHIFT)
#define PAGE_SECTORS (PAGE_SIZE / 512)

/* page->flags */
#define PG_locked (1u << 0)     /* a read of it is in flight */
#define PG_uptodate (1u << 1)   /* holds the file's data */
#define PG_dirty (1u << 2)      /* written, not yet under writeback */
#define PG_writeback (1u << 3)  /* a write of it is in flight */
#define PG_readahead (1u << 4)  /* reading it starts the next window */
#define PG_referenced (1u << 5) /* accessed once while inactive */
#define PG_active (1u << 6)     /* on the active list */
#define PG_towrite (1u << 7)    /* tagged by a data-integrity (fsync) pass */

struct address_space;
struct backing_dev_info;

struct page {
  int64_t index; /* page offset in the file */
  struct address_space *mapping;
  unsigned flags;
  struct page *lru_prev, *lru_next; /* on its LRU list; head = newest */
};

/* Someone asleep on a page (wait_on_page_locked, wait_on_page_writeback).
 * The waiter owns the struct; `wake` runs from the completion that ended
 * the wait, once, after which the waiter is off the queue. */
struct page_waiter {
  int64_t index;
  void (*wake)(void *ctx);
  void *ctx;
  bool queued;
};

/* An inode and its page cache (struct inode and struct address_space in
 * one: cfqsim's files have nothing else).  A file is a region of a device,
 * laid out contiguously from `start_sector`. */
struct address_space {
  int id; /* creation order: traces, fingerprints */
  struct pagecache *pc;
  struct backing_dev_info *backing_dev_info;
  int64_t start_sector;
  int64_t nr_sectors;    /* i_size / 512 */
  GHashTable *page_tree; /* &page->index -> struct page */
  GTree *tags[2];        /* PAGECACHE_TAG_DIRTY, _WRITEBACK:
                                      &index -> page, in index order */
  int64_t nrpages, nr_dirty, nr_writeback;
  int64_t writeback_index; /* where cyclic writeback resumes */
  /* the inode's writeback state (fs-writeback keeps the lists) */
  unsigned i_state;
  int64_t dirtied_when;      /* jiffies of the first dirtying */
  int wb_list;               /* which list of its bdi it is on */
  GList wb_link;             /* link on that list (data: mapping) */
  GQueue waiters;            /* struct page_waiter * */
  int64_t flushes_in_flight; /* an fsync's cache flushes not ended */
};

/* The machine's memory, in pages. */
struct pagecache {
  sim_engine *engine;
  int64_t totalram_pages;
  double copy_rate;               /* bytes per second of copy_to_user */
  int64_t nr_file_pages;          /* NR_FILE_PAGES */
  int64_t nr_dirty;               /* NR_FILE_DIRTY */
  int64_t nr_writeback;           /* NR_WRITEBACK */
  int64_t nr_active, nr_inactive; /* NR_ACTIVE_FILE, NR_INACTIVE_FILE */
  struct page *active_head, *active_tail;
  struct page *inactive_head, *inactive_tail;
  struct page *free_pages; /* recycled page structs */
  GPtrArray *slabs;        /* blocks the page structs come from */
  GPtrArray *mappings;     /* struct address_space *, by id */
  uint64_t evicted;        /* pages reclaimed */
  /* tasks that may still read or dirty pages: flushers stay until these
   * are gone and the writeback they left is done */
  int nr_user_tasks;
  GArray *idle_hooks; /* called when nr_user_tasks drops to 0 */
};

struct pagecache *pagecache_new(sim_engine *e, int64_t memory_bytes,
                                double copy_rate);
void pagecache_free(struct pagecache *pc);
/* ns that copying `bytes` between the page cache and a user buffer takes. */
sim_time pagecache_copy_time(const struct pagecache *pc, int64_t bytes);
/* A task that does file I/O comes and goes (flushers watch the count). */
void pagecache_task_start(struct pagecache *pc);
void pagecache_task_exit(struct pagecache *pc);
void pagecache_on_idle(struct pagecache *pc, void (*fn)(void *ctx), void *ctx);
/* Everything of the cache that can change the future, in LRU order. */
void pagecache_fingerprint(const struct pagecache *pc, fingerprint *fp);

/* A file of `nr_sectors` on its device from `start_sector`. */
struct address_space *address_space_new(struct pagecache *pc,
                                        struct backing_dev_info *bdi,
                                        int64_t start_sector,
                                        int64_t nr_sectors);
/* Pages the file spans (the last may be partial). */
int64_t mapping_size_pages(const struct address_space *m);
/* Where page `index` starts on the device, and how many of its sectors lie
 * inside the file. */
int64_t page_sector(const struct address_space *m, int64_t index);
uint32_t page_nr_sectors(const struct address_space *m, int64_t index);

struct page *find_get_page(struct address_space *m, int64_t index);
/* page_cache_alloc + add_to_page_cache_lru: a new page at `index` (absent
 * until now) with `flags`, at the head of the inactive list; reclaims the
 * inactive tail first when memory is full. */
struct page *add_to_page_cache_lru(struct address_space *m, int64_t index,
                                   unsigned flags);
/* Promotion on the second access while inactive. */
void mark_page_accessed(struct page *page);
/* invalidate_mapping_pages: drop every clean, idle page of the file. */
int64_t invalidate_mapping_pages(struct address_space *m);
/* Contiguous cached pages just before `index`, looking back at most `max`
 * (count_history_pages), and the first absent page after `index` within
 * `max` (radix_tree_next_hole; index + max + 1 when there is none). */
int64_t count_history_pages(struct address_space *m, int64_t index,
                            int64_t max);
int64_t page_cache_next_hole(struct address_space *m, int64_t index,
                             int64_t max);

/* The radix tree's tags, set and cleared with PG_dirty and PG_writeback
 * by page-writeback; the first tagged page at or after `index`, NULL if
 * none. */
enum { PAGECACHE_TAG_DIRTY, PAGECACHE_TAG_WRITEBACK };
void page_tag(struct page *page, int tag, bool set);
struct page *find_tagged_page_from(struct address_space *m, int tag,
                                   int64_t index);

/* wait_on_page_locked / wait_on_page_writeback: until page `w->index` is
 * neither locked nor under writeback.  wake_up_page: the page's I/O
 * ended; the wake of every waiter whose page is now idle runs. */
void wait_on_page(struct address_space *m, struct page_waiter *w);
void page_waiter_cancel(struct address_space *m, struct page_waiter *w);
void wake_up_page(struct page *page);
/* An fsync waiting for the flush of the disk's write cache it sent, and
 * the flush's end, which wakes it (`flushes_in_flight` counts them). */
void mapping_wait_flush(struct address_space *m, struct page_waiter *w);
void mapping_flush_done(struct address_space *m);

#endif
