/* Disk-model registry: the names a workload may give as `model:`. */
#include "models/disk.h"

#include <string.h>

const char *const disk_model_names[] = {"hdd", "ssd", NULL};

static const disk_ops *const disk_models[] = {&disk_hdd_ops, &disk_ssd_ops,
                                              NULL};

const disk_ops *disk_ops_find(const char *name) {
  if (!name)
    return NULL;
  for (int i = 0; disk_models[i]; i++)
    if (strcmp(disk_models[i]->name, name) == 0)
      return disk_models[i];
  return NULL;
}
