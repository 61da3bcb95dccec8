/* The discrete-event engine: virtual time, one event queue, cancellable
 * timers, process steps ("actors") chosen at choice points, hang detection.
 *
 * Time is int64 nanoseconds.  Events run in (time, insertion sequence)
 * order.  Ready actor steps run before any engine event is delivered unless
 * the interleaving policy chooses to deliver an event (it may do so whenever
 * an event is pending; the explorer offers it only where a ready step is
 * delayable: docs/model.md, "Delayable steps").  The engine knows nothing
 * of disks or CFQ. */
#ifndef CFQSIM_ENGINE_H
#define CFQSIM_ENGINE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/core/fingerprint.h"
#include "sim/core/rng.h"

typedef int64_t sim_time; /* nanoseconds */

#define SIM_US ((sim_time)1000)
#define SIM_MS ((sim_time)1000000)
#define SIM_S ((sim_time)1000000000)

typedef struct sim_engine sim_engine;
typedef struct sim_actor sim_actor;
typedef void (*sim_event_fn)(void *arg);

sim_engine *sim_engine_new(void);
void sim_engine_free(sim_engine *e);

/* Back to the state sim_engine_new() returns, keeping its memory: no
 * actors, no events, time 0, no policy and no step hook (the trace and
 * printk hook stay).  Every timer must have been deleted first, and every
 * random stream given back. */
void sim_engine_reset(sim_engine *e);

/* The random stream of `entity` under `seed` (sim_rng_new's), kept with
 * the simulation's others in one pool (rng.h): thousands of processes
 * share its big blocks.  Give it back before the engine is freed. */
gsl_rng *sim_engine_rng(sim_engine *e, uint64_t seed, const char *entity);
void sim_engine_rng_put(sim_engine *e, gsl_rng *r);

/* The engine begins with its clock and trace stream, read inline on every
 * step of every model. */
typedef struct sim_engine_head {
  sim_time now;
  FILE *trace;
} sim_engine_head;

static inline sim_time sim_now(const sim_engine *e) {
  return ((const sim_engine_head *)e)->now;
}
/* Events delivered so far (cancelled timers are not counted). */
uint64_t sim_events(const sim_engine *e);

/* One-shot event at absolute time `at` (>= now).  `name` is a static string
 * used in traces and in choice descriptions (e.g. "complete", "kblockd"). */
void sim_post(sim_engine *e, sim_time at, const char *name, sim_event_fn fn,
              void *arg);

/* A cancellable timer, embedded in its owner (which must not move while
 * it is armed, and must delete it before it is freed).  Re-arming a
 * pending timer moves its queue entry, deleting removes it: both
 * O(log n), through the handle the engine gives it while it is armed. */
typedef struct sim_timer {
  /* Optional: starts fetching what `fn` will read (prefetch.h), called
   * with `arg` while the event before this one runs.  First, on the line
   * the engine fetches the event after next. */
  sim_event_fn prefetch;
  sim_engine *engine;
  const char *name;
  sim_event_fn fn;
  void *arg;
  uint32_t handle; /* the engine's name for it, while pending */
  sim_time expires;
  bool pending;
} sim_timer;

void sim_timer_init(sim_timer *t, sim_engine *e, const char *name,
                    sim_event_fn fn, void *arg);
static inline void sim_timer_set_prefetch(sim_timer *t, sim_event_fn fn) {
  t->prefetch = fn;
}
void sim_timer_mod(sim_timer *t, sim_time expires);
void sim_timer_del(sim_timer *t);
static inline bool sim_timer_pending(const sim_timer *t) { return t->pending; }

/* ---- actors: simulated tasks taking atomic kernel-path steps ---- */

typedef struct sim_actor_ops {
  /* Name of the step the actor would take next: one of the step names of
   * docs/model.md, "Kernel-path steps". */
  const char *(*next_step)(void *self);
  /* May the kernel hold the task before that step for an arbitrary time? */
  bool (*delayable)(void *self);
  /* Take the step.  The step itself calls sim_actor_ready/block/done. */
  void (*step)(void *self);
} sim_actor_ops;

typedef enum {
  SIM_ACTOR_READY,   /* next step enabled */
  SIM_ACTOR_BLOCKED, /* waiting: think timer, I/O completion, wait queue */
  SIM_ACTOR_DONE
} sim_actor_state;

/* Actors get ids 0, 1, 2, ... in the order they are added. */
sim_actor *sim_actor_add(sim_engine *e, const char *name,
                         const sim_actor_ops *ops, void *self);
void sim_actor_ready(sim_actor *a);
/* `waitq` names the wait queue for a sleeping task ("rl->wait[SYNC]" on
 * "sda"), or NULL for an ordinary wait (think time, own I/O). */
void sim_actor_block(sim_actor *a, const char *waitq);
void sim_actor_done(sim_actor *a);

int sim_actor_id(const sim_actor *a);
const char *sim_actor_name(const sim_actor *a);
sim_actor_state sim_actor_get_state(const sim_actor *a);
const char *sim_actor_waitq(const sim_actor *a); /* NULL unless asleep on one */
sim_time sim_actor_since(const sim_actor *a);    /* when it blocked */
const char *sim_actor_next_step(const sim_actor *a);
bool sim_actor_delayable(const sim_actor *a);
guint sim_n_actors(const sim_engine *e);
sim_actor *sim_actor_nth(const sim_engine *e, guint i);

/* ---- choice points ---- */

/* At a choice point the policy picks one of `ready` (sorted by actor id) or
 * returns SIM_DELIVER to deliver the next pending event (only valid when
 * `event_pending`).  `can_deliver` says whether the explorer's rules offer
 * delivery as an alternative (some ready step is delayable). */
#define SIM_DELIVER (-1)
#define SIM_CHOICE_ERROR (-2)
typedef struct sim_choice {
  sim_actor **ready;
  guint n_ready;
  bool event_pending;
  bool can_deliver;
  sim_time next_event_time;
  const char *next_event_name;
} sim_choice;

typedef struct sim_policy_ops {
  /* Return an index into c->ready, SIM_DELIVER, or SIM_CHOICE_ERROR after
   * setting *err. */
  int (*choose)(void *ctx, sim_engine *e, const sim_choice *c, GError **err);
} sim_policy_ops;

/* Without a policy the engine behaves as `fifo`: the ready actor with the
 * lowest id steps first. */
void sim_engine_set_policy(sim_engine *e, const sim_policy_ops *ops, void *ctx);

/* Called after every actor step and delivered event; observers only. */
typedef void (*sim_step_hook)(void *ctx, sim_engine *e);
void sim_engine_set_step_hook(sim_engine *e, sim_step_hook fn, void *ctx);

typedef enum {
  SIM_COMPLETED,  /* every actor is done */
  SIM_HANG,       /* nothing left to happen, some actor is not done */
  SIM_TIME_LIMIT, /* the next event lies beyond the limit */
  SIM_STOPPED,    /* sim_engine_stop() was called */
  SIM_ERROR       /* the policy failed (script mismatch); see err */
} sim_outcome;

/* Runs until completion, hang, error, or until no event at or before
 * `limit` remains (limit < 0: no limit).  Time ends at min(limit, last). */
sim_outcome sim_engine_run(sim_engine *e, sim_time limit, GError **err);
void sim_engine_stop(sim_engine *e);
const char *sim_outcome_name(sim_outcome o);

/* Feed the engine's part of the state into `fp` (exploration): the
 * current time, each actor's state, next step and wait queue, and the live
 * pending events as (time, name) in delivery order.  No pointers, no
 * insertion sequence numbers: equal futures give equal fingerprints. */
void sim_engine_fingerprint(const sim_engine *e, fingerprint *fp);

/* ---- tracing: one line per step / event, with kernel names ---- */
void sim_engine_set_trace(sim_engine *e, FILE *f); /* NULL: off */
static inline bool sim_tracing(const sim_engine *e) {
  return ((const sim_engine_head *)e)->trace != NULL;
}
/* "  12.345678 ms  <who>  <text>" */
void sim_trace(sim_engine *e, const char *who, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* ---- the kernel log: what the kernel would printk ----
 * Models emit; the program records (one observer).  Unlike the trace, the
 * log is delivered whether or not tracing is on; with tracing on, the
 * message is also a trace line of who "kernel". */
typedef void (*sim_printk_fn)(void *ctx, sim_time now, const char *text);
void sim_engine_set_printk_hook(sim_engine *e, sim_printk_fn fn, void *ctx);
void sim_printk(sim_engine *e, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

GQuark sim_error_quark(void);
#define SIM_ERROR_DOMAIN (sim_error_quark())
enum { SIM_ERROR_SCHEDULE = 1 };

#endif
