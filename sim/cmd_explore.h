/* `cfqsim explore`: every interleaving of a workload, per kernel variant. */
#ifndef CFQSIM_CMD_EXPLORE_H
#define CFQSIM_CMD_EXPLORE_H

#include <glib.h>
#include <stdbool.h>

#include "sim/explore.h"
#include "sim/workload.h"

/* argv[0] is the command name; returns the exit status (sim/commands.h). */
int cmd_explore(int argc, char **argv);

/* The exploration target of a workload's simulation under one kernel
 * variant, with its interchangeable processes (docs/model.md, "Symmetry
 * reduction").  `ctx` must outlive the target; FALSE if the workload
 * cannot be built. */
typedef struct cmd_explore_ctx {
  const workload *w;
  int variant;
  explore_symmetry sym;
} cmd_explore_ctx;
gboolean cmd_explore_target(cmd_explore_ctx *ctx, explore_target *t,
                            GError **err);

/* Explores w under each of `nv` (1 or 2) kernel variants into res[i],
 * each search by `jobs` workers (explore_options.jobs), both at once when
 * jobs >= 2 (the results are the same either way); with a progress line on
 * stderr if `progress`.
 * On failure, the error of the first variant (in order) that failed. */
gboolean cmd_explore_variants(const workload *w, const int *variants, int nv,
                              const explore_options *eo, guint jobs,
                              bool progress, explore_result *res, GError **err);

#endif
