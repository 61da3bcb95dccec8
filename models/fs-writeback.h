/* The flusher's work, as 3.2's fs/fs-writeback.c does it for one device:
 * the dirty inodes in b_dirty / b_io / b_more_io, the periodic (kupdate)
 * writeback of inodes dirtied longer ago than the expire time, background
 * writeback above the background threshold, inode by inode in chunks of
 * writeback_chunk_size pages, each inode's dirty pages in file order from
 * where its last pass stopped.  The flusher task (models/proc) asks for
 * its next bio with wb_writeback_next and submits it. */
#ifndef CFQSIM_FS_WRITEBACK_H
#define CFQSIM_FS_WRITEBACK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "models/page-writeback.h"
#include "models/pagecache.h"
#include "sim/core/fingerprint.h"

/* inode->i_state */
#define I_DIRTY_PAGES (1u << 0)
#define I_SYNC (1u << 1) /* the flusher is writing it */

/* Which list an inode is on (address_space.wb_list). */
enum { WB_LIST_NONE, WB_LIST_DIRTY, WB_LIST_IO, WB_LIST_MORE_IO };

struct bdi_writeback;

/* A bio the flusher is to submit: pages [index, index + nr) of `mapping`,
 * already under writeback. */
struct wb_bio {
  struct address_space *mapping;
  int64_t index, nr;
};

/* How the flusher task is reached: `wake` ends its sleep now (if it is
 * asleep waiting for work), `wake_at` makes it wake by `jiffies` at the
 * latest (the delayed wake-up of a bdi that gets its first dirty inode),
 * `drained`: the device's last page under writeback completed. */
struct wb_task_ops {
  void (*wake)(void *ctx);
  void (*wake_at)(void *ctx, int64_t jiffies);
  void (*drained)(void *ctx);
};

/* `max_bio_pages`: the most pages one bio may carry on the device. */
struct bdi_writeback *bdi_writeback_new(struct backing_dev_info *bdi,
                                        int64_t max_bio_pages);
void bdi_writeback_free(struct bdi_writeback *wb);
void bdi_writeback_set_task(struct bdi_writeback *wb,
                            const struct wb_task_ops *ops, void *ctx);
void bdi_writeback_fingerprint(const struct bdi_writeback *wb, fingerprint *fp);
struct backing_dev_info *wb_bdi(const struct bdi_writeback *wb);

/* __mark_inode_dirty(I_DIRTY_PAGES): the file got a dirty page. */
void mark_inode_dirty(struct bdi_writeback *wb, struct address_space *m);
bool wb_has_dirty_io(const struct bdi_writeback *wb);
/* writeback_chunk_size for background and kupdate work with `nr_pages`
 * left to write: about half a second of the device's bandwidth, at most
 * an eighth of the dirty limit, in multiples of 4 MiB. */
int64_t writeback_chunk_size(const struct backing_dev_info *bdi,
                             int64_t nr_pages);

/* The flusher's loop (wb_do_writeback), one bio at a time: TRUE with the
 * next bio in `out`; FALSE when this round of work is over, the flusher
 * then sleeping for wb_idle_jiffies (< 0: until woken). */
bool wb_writeback_next(struct bdi_writeback *wb, struct wb_bio *out);
int64_t wb_idle_jiffies(const struct bdi_writeback *wb);
/* bdi_start_background_writeback: wake the flusher unless it is at work. */
void bdi_start_background_writeback(struct bdi_writeback *wb);

#endif
