/* A toy actor for engine and interleaving tests: a fixed list of named
 * steps.  After a step the actor either stays ready, sleeps for a while (an
 * engine event wakes it), sleeps forever on a named wait queue, or is done
 * after its last step.  Every step and wake-up is appended to a shared log
 * as "name.step" / "name:wake" so tests can check the order. */
#ifndef CFQSIM_TEST_TOY_ACTOR_H
#define CFQSIM_TEST_TOY_ACTOR_H

#include <string.h>

#include "sim/core/engine.h"

typedef struct toy_step {
  const char *name;
  bool delayable;
  sim_time sleep;    /* > 0: after the step, block and wake after this long */
  const char *waitq; /* non-NULL: after the step, sleep here forever */
} toy_step;

typedef struct toy {
  sim_engine *e;
  sim_actor *a;
  const char *name;
  const toy_step *steps;
  int n, pos;
  GString *log;
} toy;

static const char *toy_next_step(void *self) {
  toy *t = self;
  return t->pos < t->n ? t->steps[t->pos].name : "exit";
}

static bool toy_delayable(void *self) {
  toy *t = self;
  return t->pos < t->n && t->steps[t->pos].delayable;
}

static void toy_log(toy *t, const char *sep, const char *what) {
  if (t->log->len)
    g_string_append_c(t->log, ' ');
  g_string_append_printf(t->log, "%s%s%s", t->name, sep, what);
}

static void toy_wake(void *self) {
  toy *t = self;
  toy_log(t, ":", "wake");
  sim_actor_ready(t->a);
}

static void toy_do_step(void *self) {
  toy *t = self;
  const toy_step *s = &t->steps[t->pos++];
  toy_log(t, ".", s->name);
  if (t->pos == t->n)
    sim_actor_done(t->a);
  else if (s->waitq)
    sim_actor_block(t->a, s->waitq);
  else if (s->sleep > 0) {
    sim_actor_block(t->a, NULL);
    sim_post(t->e, sim_now(t->e) + s->sleep, "wake", toy_wake, t);
  }
}

static const sim_actor_ops toy_ops = {toy_next_step, toy_delayable,
                                      toy_do_step};

static void toy_init(toy *t, sim_engine *e, const char *name,
                     const toy_step *steps, int n, GString *log) {
  *t = (toy){.e = e, .name = name, .steps = steps, .n = n, .log = log};
  t->a = sim_actor_add(e, name, &toy_ops, t);
}

#endif
