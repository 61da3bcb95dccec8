/* Workload files (YAML; README, "Workloads") -> a typed, validated config.
 *
 * Every error is "file:line:col: message" (with a did-you-mean hint for
 * unknown keys); `--set dotted.path=value` overrides are applied to the YAML
 * tree before validation, list items addressed by their `name`
 * (devices.sda.scheduler.slice_idle=0, processes.A.bs=8k). */
#ifndef CFQSIM_WORKLOAD_H
#define CFQSIM_WORKLOAD_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "models/blk.h"
#include "models/disk.h"
#include "models/iosched.h"
#include "models/page-writeback.h"
#include "sim/core/interleave.h"

typedef enum {
  RW_READ,
  RW_WRITE,
  RW_RANDREAD,
  RW_RANDWRITE,
  RW_RW,
  RW_RANDRW
} wl_rw;

typedef struct wl_device {
  char *name;
  const disk_ops *disk; /* model: hdd | ssd */
  void *disk_cfg;       /* the model's config struct (its param table) */
  const struct elevator_type *elevator;
  void *elevator_cfg;     /* the elevator's config struct */
  int depth;              /* driver queue depth; 0: the disk's queue_depth */
  int64_t max_sectors_kb; /* 512 */
  int nomerges;           /* 0 */
  int64_t read_ahead_kb;  /* 128 */
} wl_device;

typedef struct wl_cgroup {
  char *name;
  int weight; /* 10..1000, default 500 */
} wl_cgroup;

#define WL_BSSPLIT_MAX 64
typedef struct wl_bs_share {
  uint32_t sectors, percent;
} wl_bs_share;

typedef struct wl_process {
  char *name;
  char *ioc;  /* io_context name: shared when equal */
  int device; /* index into devices */
  int cgroup; /* index into cgroups, -1: root */
  wl_rw rw;
  int rwmixread;       /* percent reads for rw/randrw (50) */
  int64_t bs;          /* bytes (4k) */
  int64_t offset;      /* bytes from the start of the device (0) */
  int64_t size;        /* bytes of the region the job works in */
  int iodepth;         /* I/Os in flight before waiting (1) */
  int64_t count;       /* number of I/Os; 0: unlimited */
  int64_t io_size;     /* bytes to transfer; 0: unlimited */
  int64_t runtime;     /* ns; 0: unlimited (the workload duration) */
  int64_t think;       /* ns between an I/O's completion and the next */
  bool think_exp;      /* think time exponential with mean `think` */
  int64_t start;       /* ns */
  bool sync;           /* writes carry REQ_SYNC: direct writes
                                (O_DIRECT, unless `sync: 0`), or buffered
                                writes written through (O_SYNC) */
  bool direct;         /* O_DIRECT: past the page cache, at bs */
  bool invalidate;     /* buffered: drop the file's pages at start */
  int64_t fsync_every; /* buffered: fsync (or fdatasync) after this
                                many writes; 0: never */
  bool fdatasync;      /* ... fdatasync */
  bool end_fsync;      /* buffered: fsync after the last write */
  int ioprio_class;    /* IOPRIO_CLASS_NONE (default), RT, BE, IDLE */
  int ioprio_level;    /* 0..7 */
  int nice;            /* 0 */
  GArray *replay;      /* proc_replay_io: the I/Os of a replaying job
                          (`replay`), which is direct; NULL: none */
  /* fio's shapes (docs/workload.md); zero: a fixed bs drawn uniformly */
  int64_t bs_max; /* bsrange: sizes bs..bs_max; 0: bs only */
  int bs_split_n; /* bssplit: entries of bs_split */
  wl_bs_share bs_split[WL_BSSPLIT_MAX];
  int64_t skip;          /* bytes between sequential I/Os, < 0: back */
  int64_t blockalign;    /* random offsets' grain; 0: the smallest bs */
  int64_t random_every;  /* a new random offset every this many I/Os */
  int percentage_random; /* 100 */
  int dist; /* random, zipf, pareto, normal, zoned (proc_dist's order) */
  int zones_n;
  wl_bs_share zones[WL_BSSPLIT_MAX]; /* zoned: access % (sectors), range % */
  double dist_arg, dist_center;      /* center < 0: fio's default */
  double rate;                       /* bytes/s; 0 unlimited */
  int64_t rate_iops;                 /* 0 unlimited */
  bool rate_poisson;
  int64_t think_blocks; /* 1 */
  int64_t ramp;         /* ns after start left out of the metrics */
  bool has_seed;
  uint64_t seed;    /* its own stream's seed (fio's randseed) */
  GArray *wait_for; /* guint: processes that exit before it starts;
                               NULL: none */
  int nrfiles;      /* > 1: files of `size` each, used in turn */
} wl_process;

typedef enum {
  INTERLEAVE_FIFO,
  INTERLEAVE_SCRIPT,
  INTERLEAVE_RANDOM
} wl_policy;

typedef struct workload {
  char *file; /* path as given */
  char *name;
  uint64_t seed;
  int64_t duration;        /* ns of simulated time; 0: until done */
  int64_t memory;          /* bytes of RAM the page cache may use */
  double memory_bandwidth; /* bytes/s of copies to and from the cache */
  struct vm_dirty_cfg vm;  /* vm.dirty_* sysctls */
  struct kernel_cfg kernel;
  GPtrArray *devices;     /* wl_device * */
  GPtrArray *cgroups;     /* wl_cgroup * */
  GPtrArray *io_contexts; /* char *: declared shared io_context names */
  GPtrArray *processes;   /* wl_process *, numjobs already expanded */
  wl_policy policy;
  GArray *schedule; /* sched_entry */
  int64_t window;   /* timeseries window, ns (100ms) */
} workload;

/* Processes after numjobs, at most. */
#define WORKLOAD_MAX_PROCESSES 65536
/* Timeseries rows (windows x processes) a run may write, at most (only the
 * open window is held in memory; the bound keeps timeseries.csv within a
 * few hundred MB): the duration over timeseries.window is checked when the
 * workload loads, and a run without a duration stops with an error at that
 * many windows. */
#define WORKLOAD_MAX_TIMESERIES_CELLS (1 << 24)

/* The distance between the starts of a process's files (nrfiles): the
 * file's size rounded up to a MiB. */
int64_t workload_file_stride(int64_t size);

/* Load, apply `sets` (NULL-terminated "path=value" strings), validate. */
workload *workload_load(const char *path, char **sets, GError **err);
/* The same from text in memory; `path` names it in error messages. */
workload *workload_parse(const char *path, const char *text, gsize len,
                         char **sets, GError **err);
void workload_free(workload *w);

/* Every key the parser accepts, for the reference (docs/workload.md) and
 * the test that keeps the two together.  `section` names the map a key
 * belongs in: "top", "kernel", "vm", "devices", "devices.<model>"
 * (parameters of a disk model, written in the device's map), "scheduler",
 * "scheduler.<elevator>", "cgroups", "processes", "think", "interleaving",
 * "timeseries".  `param` is the key's table row (type, default, range,
 * help) for a plain value; NULL for a key the parser reads itself (names,
 * references to other items, lists, maps, the ioprio syntax). */
typedef struct workload_key {
  const char *section;
  const char *name;
  const struct param_desc *param;
} workload_key;

/* All of them, sections in the order above (workload_key). */
GArray *workload_keys(void);

/* YAML nested deeper than this is refused as it is read (libyaml's
 * loader takes time quadratic in the depth). */
#define WORKLOAD_MAX_DEPTH 64
/* For other YAML files (sweeps): FALSE with the 1-based position of the
 * first collection nested deeper than WORKLOAD_MAX_DEPTH, found reading
 * events up to it; TRUE otherwise, syntax errors included. */
gboolean workload_yaml_depth_ok(const char *text, gsize len, int *line,
                                int *col);

/* A seed as the `seed:` key reads it (same range and messages, which
 * start with "seed: "), for --seed. */
gboolean workload_parse_seed(const char *text, uint64_t *seed, GError **err);

GQuark workload_error_quark(void);
#define WORKLOAD_ERROR (workload_error_quark())
enum { WORKLOAD_ERROR_PARSE = 1, WORKLOAD_ERROR_INVALID, WORKLOAD_ERROR_IO };

#endif
