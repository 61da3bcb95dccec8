/* CFQ's slice events: the types an observer of models/cfq.h receives,
 * apart so that the CFQ files that emit them need not include cfq.h. */
#ifndef CFQSIM_CFQ_EVENT_H
#define CFQSIM_CFQ_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/core/engine.h"

/* Observers only: they never steer the simulation. */
typedef enum {
  CFQ_SLICE_SET_ACTIVE, /* __cfq_set_active_queue */
  CFQ_SLICE_EXPIRE      /* __cfq_slice_expired */
} cfq_slice_event_kind;

typedef struct cfq_slice_event {
  cfq_slice_event_kind kind;
  sim_time time;
  int64_t jiffies;
  int queue_id; /* creation order of the cfqq on this device */
  int pid;      /* the creating task's pid */
  bool sync;
  int ioprio_class;   /* IOPRIO_CLASS_RT/BE/IDLE */
  int ioprio;         /* level 0..7 */
  const char *cgroup; /* NULL: root group */
  /* CFQ_SLICE_EXPIRE only: */
  bool timed_out;
  int64_t used;           /* jiffies of disk time the slice used */
  int64_t charge;         /* what the group was charged, before weighting */
  int64_t slice_dispatch; /* requests dispatched in the slice */
} cfq_slice_event;

typedef void (*cfq_slice_observer)(void *ctx, const cfq_slice_event *ev);

#endif
