/* Interleaving policies: who goes next at a choice point (docs/model.md,
 * "Interleaving policies").
 *   fifo    the ready process with the lowest id steps; events wait.
 *   script  follow a schedule of "A" / "A@step" entries, then fifo.  An
 *           entry whose process is not ready (but whose next step is the
 *           named one) lets events be delivered until it is.  A mismatch is
 *           an error naming the step the process was really at.  The
 *           entry `~` delivers the next pending event although processes
 *           are ready (the explorer prints it where a hanging schedule
 *           needs time to pass before a ready process's step).
 *   random  seeded: pick uniformly among the ready steps and, where a ready
 *           step is delayable, "deliver the next event". */
#ifndef CFQSIM_INTERLEAVE_H
#define CFQSIM_INTERLEAVE_H

#include <glib.h>
#include <stdint.h>

#include "sim/core/engine.h"

typedef struct interleave interleave;

/* One entry of a scripted schedule: a process takes its next step,
 * optionally asserting which step that is. */
typedef struct sched_entry {
  char *process; /* a process name */
  char *step;    /* NULL, or the step it must be at */
  char *label;   /* optional narration label ("8a"), or NULL */
  int line, col; /* where it was written, for error messages */
} sched_entry;

/* The process name of a `~` schedule entry. */
#define SCHED_DELIVER "~"

interleave *interleave_new_fifo(void);
/* `entries` is copied.  `file` names the workload for error positions. */
interleave *interleave_new_script(const sched_entry *entries, guint n,
                                  const char *file);
interleave *interleave_new_random(uint64_t seed);
void interleave_free(interleave *il);

/* Install on an engine. */
void interleave_attach(interleave *il, sim_engine *e);
/* Script: entries consumed so far. */
guint interleave_script_position(const interleave *il);

#endif
