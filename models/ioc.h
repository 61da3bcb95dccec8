/* io_context (per task, shareable with CLONE_IO) and cfq_io_context (cic:
 * one per (ioc, device)), with the lookup / alloc / link path where the
 * Linux 3.0-3.2-rc cic-link race lives (spec 4.1).  The radix tree is an
 * array indexed by the device's cic_index. */
#ifndef CFQSIM_IOC_H
#define CFQSIM_IOC_H

#include <glib.h>
#include <stdint.h>

#include "sim/core/fingerprint.h"

struct cfq_queue;

/* Think-time record (spec 1.9, F9). */
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

struct io_context {
  char *name;
  int refcount;
  int nr_tasks;
  unsigned short ioprio;
  int nr_batch_requests;
  int64_t last_waited;  /* jiffies */
  GPtrArray *radix;     /* cic_index -> struct cfq_io_context * (or NULL) */
  GPtrArray *cic_list;  /* every cic linked to this ioc */
};

struct cfq_io_context {
  void *key;                 /* the owning cfqd (NULL until linked) */
  struct io_context *ioc;
  struct cfq_queue *cfqq[2]; /* [0] async, [1] sync */
  struct cfq_ttime ttime;
  int id;                    /* allocation order, for traces */
};

typedef enum { CIC_LINK_BUGGY, CIC_LINK_FIXED } cic_link_variant;

struct io_context *ioc_new(const char *name, unsigned short ioprio);
void ioc_free(struct io_context *ioc); /* frees its cics too */
/* Feed what of the ioc can change the future into `fp` (exploration). */
void ioc_fingerprint(const struct io_context *ioc, fingerprint *fp);

/* cfq_cic_lookup: the cic of `ioc` for the device with `cic_index`. */
struct cfq_io_context *cfq_cic_lookup(struct io_context *ioc, int cic_index);
/* cfq_alloc_io_context: a private, unlinked cic. */
struct cfq_io_context *cfq_alloc_io_context(int64_t jiffies, int id);
/* cfq_cic_link: insert into the radix slot; 0, or -EEXIST if the slot is
 * taken (the caller then frees `cic`: buggy fails, fixed looks up again). */
int cfq_cic_link(struct io_context *ioc, int cic_index, void *cfqd,
                 struct cfq_io_context *cic);
void cfq_cic_free(struct cfq_io_context *cic);

#endif
