/* The elevator registry: the schedulers a workload may name. */
#include "models/iosched.h"

#include <string.h>

const char *const elevator_names[] = {"cfq", "deadline", "noop", NULL};

static const struct elevator_type *const elevators[] = {
    &iosched_cfq, &iosched_deadline, &iosched_noop, NULL};

const struct elevator_type *elevator_find(const char *name) {
  if (!name)
    return NULL;
  for (const struct elevator_type *const *e = elevators; *e; e++)
    if (strcmp((*e)->elevator_name, name) == 0)
      return *e;
  return NULL;
}
