/* blktrace output (docs/model.md, "Observers and outputs"): with --trace,
 * every device's block layer events in the binary record format that
 * `blkparse` reads, one stream per device as if traced on a single CPU
 * (<dev>.blktrace.0).
 *
 * Each record is 48 bytes in native byte order, followed by pdu_len bytes
 * of payload: u32 magic|version, u32 sequence, u64 time (ns since the start
 * of the run), u64 sector, u32 bytes, u32 action, u32 pid, u32 device,
 * u32 cpu, u16 error, u16 pdu_len. */
#ifndef CFQSIM_BLKTRACE_H
#define CFQSIM_BLKTRACE_H

#include <glib.h>
#include <stdint.h>
#include <stdio.h>

#include "models/blk.h"

#define BLKTRACE_MAGIC 0x65617400u
#define BLKTRACE_VERSION 0x07u
#define BLKTRACE_RECORD_SIZE 48

/* Category bits (the action's upper 16 bits). */
#define BLK_TC_READ (1u << 0)
#define BLK_TC_WRITE (1u << 1)
#define BLK_TC_FLUSH (1u << 2)
#define BLK_TC_SYNC (1u << 3)
#define BLK_TC_QUEUE (1u << 4)
#define BLK_TC_ISSUE (1u << 6)
#define BLK_TC_COMPLETE (1u << 7)
#define BLK_TC_FS (1u << 8)
#define BLK_TC_NOTIFY (1u << 10)
#define BLK_TC_FUA (1u << 15)

/* Action codes (the lower 16 bits). */
#define BLK_TA_CODE_QUEUE 1u
#define BLK_TA_CODE_BACKMERGE 2u
#define BLK_TA_CODE_FRONTMERGE 3u
#define BLK_TA_CODE_GETRQ 4u
#define BLK_TA_CODE_SLEEPRQ 5u
#define BLK_TA_CODE_ISSUE 7u
#define BLK_TA_CODE_COMPLETE 8u
#define BLK_TA_CODE_INSERT 12u
#define BLK_TN_CODE_PROCESS 0u
#define BLK_TN_CODE_MESSAGE 2u /* after PROCESS 0, TIMESTAMP 1 */

#define BLK_TN_PROCESS (BLK_TN_CODE_PROCESS | (BLK_TC_NOTIFY << 16))
#define BLK_TN_MESSAGE (BLK_TN_CODE_MESSAGE | (BLK_TC_NOTIFY << 16))

/* The kernel's dev_t for blktrace: 12-bit major above a 20-bit minor. */
#define BLKTRACE_MKDEV(major, minor) \
  (((uint32_t)(major) << 20) | (uint32_t)(minor))

typedef struct blktrace blktrace;

/* A collector for the device with index `device` (reported as 8:16*index,
 * sda, sdb, ...).  Attach registers it as the queue's observer, so it
 * must live as long as the queue runs. */
blktrace *blktrace_new(guint device);
void blktrace_attach(blktrace *bt, struct request_queue *q);
/* Write every record to `out` as it is made instead of keeping it (the
 * records so far go first); the caller keeps `out` open while the queue
 * runs.  NULL: keep them again. */
void blktrace_set_output(blktrace *bt, FILE *out);
/* The records so far (a copy); empty while they go to an output. */
GBytes *blktrace_bytes(const blktrace *bt);
/* How many records of this action were written (tests and summaries). */
uint64_t blktrace_count(const blktrace *bt, blk_action a);
void blktrace_free(blktrace *bt);

/* The action word of a block-layer event with request flags `rw`. */
uint32_t blktrace_action_word(blk_action a, unsigned rw);

#endif
