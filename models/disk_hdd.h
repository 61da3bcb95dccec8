/* Rotating-disk model: configuration and the geometry queries that tests
 * and documentation use.  The simulator drives the model only through
 * disk_hdd_ops (models/disk.h). */
#ifndef CFQSIM_DISK_HDD_H
#define CFQSIM_DISK_HDD_H

#include <stdbool.h>
#include <stdint.h>

#include "models/disk.h"

typedef struct disk_hdd_cfg {
  int64_t rpm;
  int64_t capacity; /* bytes */
  int64_t cylinders;
  int64_t track_to_track;   /* ns, seek over one cylinder */
  int64_t avg_seek;         /* ns, seek over one third of the stroke */
  int64_t full_stroke;      /* ns, seek over cylinders - 1 */
  double outer_rate;        /* bytes/s at cylinder 0 */
  double inner_rate;        /* bytes/s at the last cylinder */
  int64_t command_overhead; /* ns per command */
  bool ncq;
  int64_t ncq_depth;
  int64_t ncq_max_age; /* ns a queued command may be passed over; 0: no limit */
  int64_t ncq_window;  /* the oldest commands reordering looks at; 0: all */
  int64_t
      destage_window; /* the oldest dirty extents destaging looks at; 0: all */
  int64_t cache_size; /* bytes of drive buffer */
  int64_t cache_segments; /* read segments the buffer is cut into */
  bool read_ahead;        /* keep reading after a read while idle */
  bool write_cache;       /* WCE: acknowledge writes from the buffer */
  double link_gbps;       /* SATA line rate, Gbit/s */
  double link_efficiency; /* share of the 8b/10b payload rate left for data */
} disk_hdd_cfg;

/* Seek time in ns over `distance` cylinders (0 for distance 0). */
double disk_hdd_seek_ns(const void *d, int64_t distance);
/* One revolution in ns. */
double disk_hdd_rotation_ns(const void *d);
int64_t disk_hdd_cylinders(const void *d);
/* The cylinder holding `sector`, and the first sector of `cyl`. */
int64_t disk_hdd_cylinder_of(const void *d, int64_t sector);
int64_t disk_hdd_cylinder_start(const void *d, int64_t cyl);

#endif
