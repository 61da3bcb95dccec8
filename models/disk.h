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
  int64_t sector; /* 512-byte sectors */
  uint32_t nr_sectors;
  bool write;
  bool flush;        /* FLUSH CACHE: no data; done once every write the
                          drive acknowledged from its cache is on the media */
  disk_done_fn done; /* called from an engine event at completion */
  void *owner;       /* the caller's (the request) */
  GList link;        /* the device's: its place in one of its queues */
  /* The submitting task's pid, -1: none.  Only for fingerprints: two
   * commands alike but for whose they are have different futures. */
  int64_t pid;
  /* filled by the disk, for statistics */
  sim_time issued;  /* accepted by the device */
  sim_time started; /* the mechanism began working on it */
  sim_time completed;
};

typedef struct disk disk;

typedef struct disk_ops {
  const char *name;         /* "hdd", "ssd" */
  const param_desc *params; /* NULL-terminated */
  size_t cfg_size;
  bool nonrot; /* QUEUE_FLAG_NONROT */
  /* Checks that span several parameters (each one's range is in the
   * table); NULL if none.  The workload loader calls it so that the error
   * carries the device's position; init calls it too. */
  gboolean (*check)(const void *cfg, GError **err);
  void *(*init)(const void *cfg, sim_engine *e, GError **err);
  void (*free)(void *d);
  /* Optional: back to what init returned, in d's own memory (exploration
   * restarts runs from the start), its timers deleted; the commands it
   * held are not its own.  NULL: free it and init another. */
  void (*reset)(void *d);
  /* Commands the device accepts at once (1 without NCQ). */
  int (*queue_depth)(const void *d);
  /* Capacity in sectors (workloads place I/O inside it). */
  int64_t (*capacity)(const void *d);
  /* Accept a command; the device calls cmd->done(cmd) when it is done.
   * Never called with more than queue_depth() commands outstanding. */
  void (*submit)(void *d, disk_cmd *cmd);
  /* Does the drive acknowledge writes from a volatile cache?  Then the
   * kernel must send flushes (sd's "write back"); NULL means no. */
  bool (*write_cache)(const void *d);
  /* Busy time so far (ns the device was working on >= 1 command). */
  sim_time (*busy_time)(const void *d);
  /* Everything of the mechanism that can change the future (head
   * position, queued commands, reserved resources), for exploration. */
  void (*fingerprint)(const void *d, fingerprint *fp);
  /* Moving every command by a multiple of this many sectors changes no
   * service time; 0 or NULL: positions matter (exploration's symmetry
   * reduction, docs/model.md). */
  int64_t (*position_period)(const void *d);
} disk_ops;

/* A command in a fingerprint, by what it asks. */
static inline void disk_fp_cmd(fingerprint *fp, const disk_cmd *c) {
  fingerprint_sector(fp, c ? c->sector : -1);
  fingerprint_i64(fp, c ? (int64_t)c->nr_sectors : -1);
  fingerprint_i64(fp, c ? (int64_t)c->write + 2 * (int64_t)c->flush : -1);
  fingerprint_pid(fp, c ? c->pid : -1);
}

/* Payload rate in bytes/s of a serial ATA link of `gbps` Gbit/s line rate:
 * 8b/10b coding puts 10 line bits on the wire per byte, and framing (FIS
 * headers, CRC, primitives, DMA set-up and status FISes) leaves
 * `efficiency` of that for data. */
static inline double disk_sata_payload_rate(double gbps, double efficiency) {
  return gbps * 1e9 / 10.0 * efficiency;
}

const disk_ops *disk_ops_find(const char *name); /* NULL if unknown */
extern const char *const disk_model_names[];     /* NULL-terminated */

extern const disk_ops disk_hdd_ops;
extern const disk_ops disk_ssd_ops;

#endif
