/* What a task's read(), write() and fsync() on a buffered file do in the
 * page cache (3.2's do_generic_file_read, generic_perform_write and
 * filemap_write_and_wait_range), as resumable calls: each step of a call
 * either finishes it, or hands the task bios to submit, a page to wait
 * for, or a time to sleep (balance_dirty_pages), after which the task
 * steps the call again.  The task (models/proc) owns the call state and
 * does the submitting, waiting and sleeping. */
#ifndef CFQSIM_FILEMAP_H
#define CFQSIM_FILEMAP_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "models/fs-writeback.h"
#include "models/page-writeback.h"
#include "models/pagecache.h"
#include "models/readahead.h"

/* An open file: the cache of its inode, and this open's readahead. */
struct file {
  struct address_space *f_mapping;
  struct file_ra_state f_ra;
  struct backing_dev_info *bdi;
  struct bdi_writeback *wb;
  int64_t max_bio_pages; /* bio_get_nr_vecs of the device */
  const char *owner;     /* the task's name, for trace lines */
};

typedef enum {
  FM_DONE,   /* the call is over */
  FM_SUBMIT, /* submit the bios in `ios`, then step again */
  FM_WAIT,   /* sleep until the waiter is woken, then step again */
  FM_SLEEP,  /* sleep `sleep_jiffies` (dirty throttle), then step again */
} fm_status;

/* A bio a call wants: pages [index, index + nr) of the file, with
 * REQ_* flags `rw`.  Read pages are locked, written pages under writeback
 * until filemap_end_io. */
typedef struct fm_io {
  int64_t index, nr;
  unsigned rw;
} fm_io;

typedef enum { FM_OP_READ, FM_OP_WRITE, FM_OP_FSYNC } fm_op;

/* One call in progress. */
struct fm_call {
  fm_op op;
  int64_t pos, len;  /* bytes still to go, from pos */
  int64_t bytes;     /* copied so far */
  int64_t uncharged; /* copied bytes whose copy time is not slept yet */
  bool waited;       /* it waited for the device: not a cache hit */
  /* do_generic_file_read's position */
  int64_t index, offset, prev_index, prev_offset;
  int64_t sync_ra_at; /* page whose miss already ran sync readahead */
  /* fsync: the page range and the stage of the data-integrity pass */
  int64_t start, end;
  int stage;
  bool throttled; /* asleep in balance_dirty_pages */
  int64_t sleep_jiffies;
};

struct file *filemap_open(struct address_space *m, struct backing_dev_info *bdi,
                          struct bdi_writeback *wb, int64_t max_bio_pages,
                          const char *owner);
void filemap_close(struct file *f);

/* A call of `len` bytes at byte `pos` of the file. */
void filemap_read_begin(struct file *f, struct fm_call *c, int64_t pos,
                        int64_t len);
void filemap_write_begin(struct file *f, struct fm_call *c, int64_t pos,
                         int64_t len);
/* fsync / fdatasync / O_SYNC: pages [first, last] (last < 0: to the end). */
void filemap_fsync_begin(struct file *f, struct fm_call *c, int64_t first,
                         int64_t last);
/* Take the call as far as it goes now.  `ios` gets fm_io entries on
 * FM_SUBMIT; `w` is queued on a page on FM_WAIT (w->wake and w->ctx are
 * the caller's); `t` is the task's dirty throttle. */
fm_status filemap_step(struct file *f, struct fm_call *c, GArray *ios,
                       struct page_waiter *w, struct dirty_throttle *t);
/* A bio of the file ended: its pages become uptodate (a read) or leave
 * writeback (a write), and their waiters wake. */
void filemap_end_io(struct address_space *m, int64_t index, int64_t nr,
                    bool write);

#endif
