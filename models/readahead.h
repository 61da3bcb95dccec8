/* On-demand readahead as Linux 3.2 does it: the per-file window state
 * (file_ra_state), the initial and next window sizes, the PG_readahead
 * marker that starts the next window while the reader still consumes the
 * current one, context readahead for interleaved streams, and random
 * reads that get only the pages they asked for. */
#ifndef CFQSIM_READAHEAD_H
#define CFQSIM_READAHEAD_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "models/pagecache.h"

/* Per open file (filp->f_ra). */
struct file_ra_state {
  int64_t start;      /* first page of the latest window */
  int64_t size;       /* its length in pages */
  int64_t async_size; /* pages left unread when the next window starts */
  int64_t ra_pages;   /* largest window, from read_ahead_kb at open */
  int64_t prev_pos;   /* where the previous read() stopped; -1 */
};

/* A run of pages readahead put in the cache, locked, for one read. */
typedef struct ra_read {
  int64_t index, nr;
} ra_read;

/* file_ra_state_init: a newly opened file. */
void file_ra_state_init(struct file_ra_state *ra, int64_t ra_pages);
/* The first window for a read of `size` pages, at most `max`. */
int64_t get_init_ra_size(int64_t size, int64_t max);
/* The window after one of ra->size pages. */
int64_t get_next_ra_size(const struct file_ra_state *ra, int64_t max);

/* A read() missed page `offset`, `req_size` pages still wanted: read what
 * the window logic says.  New pages are appended to `reads` (ra_read),
 * one entry per run of pages not already cached, in index order. */
void page_cache_sync_readahead(struct address_space *m,
                               struct file_ra_state *ra, int64_t offset,
                               int64_t req_size, GArray *reads);
/* A read() found `page` (at `offset`) carrying PG_readahead.  Nothing is
 * read while the page is under writeback or the device's read side is
 * congested (`read_congested`); the marker is cleared either way. */
void page_cache_async_readahead(struct address_space *m,
                                struct file_ra_state *ra, struct page *page,
                                int64_t offset, int64_t req_size,
                                bool read_congested, GArray *reads);

#endif
