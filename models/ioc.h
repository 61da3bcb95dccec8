/* io_context (per task, shareable with CLONE_IO) and cfq_io_context (cic:
 * one per (ioc, device)), with the lookup / alloc / link path where the
 * Linux 3.0-3.2-rc cic-link race lives (docs/model.md, "The link race").
 * The radix tree is an array indexed by the device's cic_index. */
#ifndef CFQSIM_IOC_H
#define CFQSIM_IOC_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/core/engine.h"
#include "sim/core/fingerprint.h"

struct cfq_queue;

/* Think-time record (docs/model.md, "Think time"). */
struct cfq_ttime {
  int64_t last_end_request; /* jiffies */
  uint64_t ttime_total;
  uint64_t ttime_samples;
  uint64_t ttime_mean;
};

#define IOPRIO_CLASS_NONE 0
#define IOPRIO_CLASS_RT 1
#define IOPRIO_CLASS_BE 2
#define IOPRIO_CLASS_IDLE 3
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_PRIO_VALUE(cls, lvl) (((cls) << IOPRIO_CLASS_SHIFT) | (lvl))
#define IOPRIO_PRIO_CLASS(p) ((p) >> IOPRIO_CLASS_SHIFT)
#define IOPRIO_PRIO_DATA(p) ((p) & ((1 << IOPRIO_CLASS_SHIFT) - 1))
#define IOPRIO_BE_NR 8
#define IOPRIO_NORM 4

/* The fields every request reads come first in both structs: with
 * thousands of tasks each is cold at every I/O, and what the first cache
 * line holds costs one miss rather than one per line. */
struct io_context {
  /* The cic the last lookup found, tried before the radix: with thousands
   * of tasks, the radix and its slots are two cold cache lines per I/O. */
  struct cfq_io_context *ioc_data;
  int refcount;
  int nr_batch_requests;
  int64_t last_waited; /* jiffies */
  int nr_tasks;
  unsigned short ioprio;
  GPtrArray *radix;    /* cic_index -> struct cfq_io_context * (or NULL) */
  GPtrArray *cic_list; /* every cic linked to this ioc */
  char *name;
};

struct cfq_io_context {
  void *key;                 /* the owning cfqd (NULL until linked) */
  int cic_index;             /* its device's slot, once linked */
  int id;                    /* allocation order, for traces */
  struct cfq_queue *cfqq[2]; /* [0] async, [1] sync */
  struct cfq_ttime ttime;
  struct io_context *ioc;
  bool noted; /* in its cfqd's list of cics (CFQ's bookkeeping) */
};

/* What a kernel does when its cfq_cic_link finds the slot taken
 * (docs/model.md "The link race"). */
typedef enum { CIC_LINK_BUGGY, CIC_LINK_FIXED } cic_link_variant;

/* "buggy", "fixed": indexed by cic_link_variant and NULL-terminated, so
 * that a table of choices (the workload's kernel.cic_link) is this one. */
extern const char *const cic_link_variant_names[];
const char *cic_link_variant_name(cic_link_variant v);
/* False, and `*v` untouched, unless `text` is exactly one of the names. */
bool cic_link_variant_parse(const char *text, cic_link_variant *v);

struct io_context *ioc_new(const char *name, unsigned short ioprio);
void ioc_free(struct io_context *ioc); /* frees its cics too */
/* Back to what ioc_new returned (a run restarted from the start), with
 * no task and no cic; its name and priority stay. */
void ioc_reset(struct io_context *ioc);
/* Feed what of the ioc can change the future into `fp` (exploration). */
void ioc_fingerprint(const struct io_context *ioc, fingerprint *fp);

/* The references of an ioc (docs/model.md "Reference counts").  Nothing is
 * freed at zero: io_contexts and cics live until the end of the run.  Each
 * takes NULL (a task without an ioc) and then does nothing. */
void ioc_task_link(struct io_context *ioc); /* a task attaches to it */
void ioc_task_exit(struct io_context *ioc); /* exit_io_context */
void ioc_get(struct io_context *ioc);       /* get_io_context: a new request */
void ioc_put(struct io_context *ioc);       /* put_io_context */

/* cfq_cic_lookup: the cic of `ioc` for the device with `cic_index`. */
struct cfq_io_context *cfq_cic_lookup(struct io_context *ioc, int cic_index);

/* ---- cfq_get_io_context, one function per process step ----
 * The kernel may hold a task between lookup, allocation and link, so the
 * path runs as the steps `lookup`, `alloc_cic` and `link` (docs/model.md
 * "The cic path"), other processes' steps in between.  The ioc reference
 * cfq_get_io_context starts with is taken with the request's memory at the
 * first `lookup` (ioc_get); a fixed kernel's second `lookup` keeps it. */

/* What the cic path did on one device. */
struct cic_stats {
  uint64_t allocated, linked, freed, link_failed;
};

/* A device as the cic path sees it. */
struct cic_dev {
  sim_engine *engine;       /* trace lines and the printk */
  int cic_index;            /* the device's slot in every ioc's radix */
  void *cfqd;               /* the key its linked cics carry */
  cic_link_variant variant; /* what its kernel does with -EEXIST */
  struct cic_stats *stats;
};

typedef enum {
  CIC_LINKED,       /* the cic is in the slot: the request can be queued */
  CIC_LOOKUP_AGAIN, /* fixed kernel, -EEXIST: the winner's cic is there */
  CIC_LINK_FAILED   /* buggy kernel, -EEXIST: no cic, the request fails */
} cic_link_result;

/* `lookup`: the cic of `ioc` on the device, NULL on a miss.  `task` names
 * the trace lines of all three steps. */
struct cfq_io_context *cic_step_lookup(const struct cic_dev *d,
                                       const char *task,
                                       struct io_context *ioc);
/* `alloc_cic`: a new cic nobody else can see yet; its think time starts at
 * `jiffies`. */
struct cfq_io_context *cic_step_alloc(const struct cic_dev *d, const char *task,
                                      int64_t jiffies);
/* `link`: cfq_cic_link of `*cic` into `ioc`, and when the slot is taken the
 * rest of cfq_get_io_context for the device's kernel.  Unless CIC_LINKED,
 * the cic is freed and `*cic` cleared; on CIC_LINK_FAILED the kernel logs
 * "cfq: cic link failed!" and the request's ioc reference is dropped. */
cic_link_result cic_step_link(const struct cic_dev *d, const char *task,
                              struct io_context *ioc,
                              struct cfq_io_context **cic);
/* A process torn down in the middle of the path lets go of its cic: freed
 * unless linked, since a linked cic is its ioc's. */
void cic_abandon(struct cfq_io_context *cic);

void cfq_cic_free(struct cfq_io_context *cic);

#endif
