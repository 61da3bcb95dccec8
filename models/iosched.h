/* The I/O schedulers a workload may name: the elevator registry. */
#ifndef CFQSIM_IOSCHED_H
#define CFQSIM_IOSCHED_H

#include "models/elevator.h"

extern const struct elevator_type iosched_noop;
extern const struct elevator_type iosched_deadline;
extern const struct elevator_type iosched_cfq;

const struct elevator_type *
elevator_find(const char *name);           /* NULL if unknown */
extern const char *const elevator_names[]; /* NULL-terminated */

#endif
