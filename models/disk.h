/* The disk-model ops table.  A disk accepts commands from the driver (up to
 * its queue depth), services them in virtual time and calls back on
 * completion.  It knows nothing of requests, elevators or CFQ. */
#ifndef CFQSIM_DISK_H
#define CFQSIM_DISK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/core/engine.h"
#include "sim/core/fingerprint.h"
#include "sim/core/params.h"

typedef struct disk_cmd disk_cmd;
typedef void (*disk_done_fn)(disk_cmd *cmd);

struct disk_cmd {
  int64_t sector;      /* 512-byte sectors */
  uint32_t nr_sectors;
  bool write;
  disk_done_fn done;   /* called from an engine event at completion */
  void *owner;         /* the caller's (the request) */
  /* filled by the disk, for statistics */
  sim_time issued;     /* accepted by the device */
  sim_time started;    /* the mechanism began working on it */
  sim_time completed;
};

typedef struct disk disk;

typedef struct disk_ops {
  const char *name;              /* "hdd", "ssd" */
  const param_desc *params;      /* NULL-terminated */
  size_t cfg_size;
  bool nonrot;                   /* QUEUE_FLAG_NONROT */
  void *(*init)(const void *cfg, sim_engine *e, GError **err);
  void (*free)(void *d);
  /* Commands the device accepts at once (1 without NCQ). */
  int (*queue_depth)(const void *d);
  /* Capacity in sectors (workloads place I/O inside it). */
  int64_t (*capacity)(const void *d);
  /* Accept a command; the device calls cmd->done(cmd) when it is done.
   * Never called with more than queue_depth() commands outstanding. */
  void (*submit)(void *d, disk_cmd *cmd);
  /* Busy time so far (ns the device was working on >= 1 command). */
  sim_time (*busy_time)(const void *d);
  /* Everything of the mechanism that can change the future (head
   * position, queued commands, reserved resources), for exploration. */
  void (*fingerprint)(const void *d, fingerprint *fp);
} disk_ops;

/* A command in a fingerprint, by what it asks. */
static inline void disk_fp_cmd(fingerprint *fp, const disk_cmd *c) {
  fingerprint_i64(fp, c ? c->sector : -1);
  fingerprint_i64(fp, c ? (int64_t)c->nr_sectors : -1);
  fingerprint_i64(fp, c ? (int64_t)c->write : -1);
}

const disk_ops *disk_ops_find(const char *name); /* NULL if unknown */
extern const char *const disk_model_names[];     /* NULL-terminated */

extern const disk_ops disk_hdd_ops;
extern const disk_ops disk_ssd_ops;

#endif
