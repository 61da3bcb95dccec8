/* Solid-state disk model: the resource timeline its dies, channels, link
 * and controller are reserved on, exposed so tests can hold it against a
 * plain reference.  The simulator drives the model only through
 * disk_ssd_ops (models/disk.h). */
#ifndef CFQSIM_DISK_SSD_H
#define CFQSIM_DISK_SSD_H

#include <glib.h>

#include "models/disk.h"

typedef struct disk_ssd_span {
  sim_time start, end;
} disk_ssd_span;

/* Reserved intervals of one resource, sorted, disjoint, touching ones
 * merged, those that ended by the last reservation's `now` dropped:
 * v[head .. head + len).  Zero-initialised is empty. */
typedef struct disk_ssd_timeline {
  disk_ssd_span *v;
  guint head, len, cap;
} disk_ssd_timeline;

/* Reserves `dur` ns at the earliest time >= ready when the resource is
 * free for that long and returns that start; `now` <= ready. */
sim_time disk_ssd_timeline_reserve(disk_ssd_timeline *tl, sim_time now,
                                   sim_time ready, sim_time dur);

#endif
