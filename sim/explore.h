/* Exhaustive exploration of interleavings (docs/model.md, "Exploration").
 *
 * At every choice point with more than one alternative (each ready actor's
 * next step in id order, then "deliver the next pending event" where the
 * engine offers it) the explorer tries every alternative by re-running the
 * simulation from the start with the prefix of earlier choices (as CHESS
 * does).  States are fingerprinted at choice points; with pruning on, a
 * state is expanded once and its counts (paths below it, how many complete,
 * hang or hit the time limit, the shortest hanging suffix) are reused.
 *
 * The explorer is independent of how the simulation is assembled: a target
 * builds a fresh simulation with a given policy installed. */
#ifndef CFQSIM_EXPLORE_H
#define CFQSIM_EXPLORE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/core/engine.h"
#include "sim/core/fingerprint.h"

/* Ready sets are kept as bit masks. */
#define EXPLORE_MAX_ACTORS 64

/* Interchangeable processes (docs/model.md, "Symmetry reduction"): actors
 * of one class may be swapped, together with their pids and their
 * position regions, without changing the future.  The explorer then keys a
 * state by the least fingerprint over those swaps and weighs it by its
 * orbit, so every count stays the one of the unreduced search. */
typedef struct explore_symmetry {
  unsigned n;                  /* actors described (ids 0..n-1) */
  int cls[EXPLORE_MAX_ACTORS]; /* class of each actor, -1: none */
  int64_t pid[EXPLORE_MAX_ACTORS];
  /* Closed sector region of each actor; lo > hi: the actor owns none.  An
   * actor's sectors move to the region of the actor it is swapped with. */
  int64_t lo[EXPLORE_MAX_ACTORS], hi[EXPLORE_MAX_ACTORS];
  /* Some class has distinct regions: the swap holds only while the
   * elevator never weighs one request's position against another's or the
   * head's, which `position_decisions` must then report (a search that
   * sees one starts again without the reduction). */
  bool moves_positions;
} explore_symmetry;

typedef struct explore_target {
  /* A fresh simulation whose engine uses (policy, policy_ctx). */
  void *(*build)(void *ctx, const sim_policy_ops *policy, void *policy_ctx,
                 GError **err);
  sim_engine *(*engine)(void *inst);
  /* Everything that can change the future of the simulation. */
  void (*fingerprint)(void *inst, fingerprint *fp);
  void (*destroy)(void *inst);
  /* Optional: make `inst` (built by `build`, never run to its end by the
   * explorer) what `build` would return with (policy, policy_ctx), in its
   * own memory; FALSE without *err if it cannot (the explorer then
   * destroys it and builds), with *err on failure.  The explorer keeps one
   * spare instance to reset instead of destroying it and building anew. */
  gboolean (*reset)(void *inst, const sim_policy_ops *policy, void *policy_ctx,
                    GError **err);
  /* Optional observer, called before destroy for every run that reached
   * an end (completed, hang, time limit): oracles in tests. */
  void (*on_end)(void *ctx, void *inst, sim_outcome o);
  void *ctx;
  sim_time limit; /* engine time limit, < 0: none */
  /* Optional: interchangeable processes, and the count of position
   * decisions an instance has made so far. */
  const explore_symmetry *sym;
  uint64_t (*position_decisions)(void *ctx, void *inst);
} explore_target;

struct explore_result;

/* Where the exploration is, for people waiting. */
typedef struct explore_progress {
  const struct explore_result *so_far;
  guint depth;  /* choices replayed or made by the current re-run */
  sim_time now; /* its simulated time */
} explore_progress;

typedef struct explore_options {
  bool prune;           /* memoise per fingerprint (false: plain paths) */
  bool symmetry;        /* with prune: reduce by the target's symmetry */
  uint64_t max_states;  /* 0: unlimited */
  int preemption_bound; /* < 0: none */
  /* Optional progress: called once before the first run, after every
   * re-run, and every `progress_steps` steps and events within one (0:
   * 4096), so that a single long run shows movement too.  It may be called
   * very often: it throttles itself.  Results never depend on it.  While
   * it is set the explorer holds the engine's step hook. */
  void (*progress)(void *ctx, const explore_progress *p);
  void *progress_ctx;
  guint progress_steps;
  /* Workers searching at once over one memo (0, 1: one), each in a thread
   * of its own but the first, which reports the progress.  The results
   * are the same whatever their number, and so only a full search has
   * more than one: with prune, without max_states or a preemption bound.
   * The target's callbacks may then be called from several threads. */
  guint jobs;
} explore_options;

#define EXPLORE_OPTIONS_INIT \
  { .prune = true, .symmetry = true, .max_states = 0, .preemption_bound = -1 }

/* Path counts grow like N!^k: 64 bits overflow at four sharers. */
typedef unsigned __int128 explore_count;
#define EXPLORE_COUNT_MAX (~(explore_count)0)
/* Decimal text of a count; `buf` holds at least 40 bytes. */
const char *explore_count_str(explore_count v, char *buf);

typedef struct explore_result {
  explore_count schedules; /* complete paths (saturates at EXPLORE_COUNT_MAX) */
  uint64_t states;         /* distinct states (plain mode: nodes visited) */
  explore_count completed, hung, time_limited;
  uint64_t runs;         /* simulations re-run (with workers: varies) */
  guint workers;         /* that searched (explore_options.jobs) */
  uint64_t canonical;    /* states expanded (one per orbit under symmetry) */
  bool symmetry_dropped; /* a position decision voided the reduction */
  uint64_t memo_bytes;   /* memory of the stored states at the end */
  uint64_t cut_states;   /* states left unexpanded by max_states */
  uint64_t cut_preempt;  /* alternatives skipped by the preemption bound */
  bool saturated;        /* a count overflowed */
  /* The shortest hanging schedule, NULL if none: entries "A@step", and "~"
   * where an event must be delivered although the next named process is
   * ready (interleave.h). */
  GPtrArray *hang_schedule; /* char * */
} explore_result;

GQuark explore_error_quark(void);
#define EXPLORE_ERROR (explore_error_quark())
enum { EXPLORE_ERROR_TOO_MANY_ACTORS = 1 };

/* Returns FALSE with *err if a simulation could not be built or failed, or
 * has more than EXPLORE_MAX_ACTORS processes. */
gboolean explore_run(const explore_target *t, const explore_options *o,
                     explore_result *res, GError **err);
void explore_result_clear(explore_result *res);

/* Every alternative was explored: no state was left unexpanded by
 * max_states (or a cycle) and none was skipped by the preemption bound.
 * Only then does "no hanging schedule" prove anything. */
bool explore_complete(const explore_result *res);
/* What cut the search, e.g. "--max-states 20", NULL when complete. */
char *explore_cut_str(const explore_result *res, const explore_options *o);

/* "[A@submit, A@lookup, ...]" */
char *explore_format_schedule(const GPtrArray *sched);
/* The multi-line report of one exploration (deterministic: no timings). */
char *explore_format_report(const explore_result *res,
                            const explore_options *o);

#endif
