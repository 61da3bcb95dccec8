/* Interleaving policies (docs/model.md, "Interleaving policies"). */
#include "sim/core/interleave.h"

#include <string.h>

#include "sim/core/rng.h"

typedef enum { IL_FIFO, IL_SCRIPT, IL_RANDOM } il_kind;

struct interleave {
  il_kind kind;
  /* script */
  sched_entry *entries;
  guint n_entries;
  guint pos;
  char *file;
  /* random */
  gsl_rng *rng;
};

static int choose_fifo(void *ctx, sim_engine *e, const sim_choice *c,
                       GError **err) {
  (void)ctx, (void)e, (void)c, (void)err;
  return 0; /* c->ready is sorted by id */
}

static sim_actor *find_actor(sim_engine *e, const char *name) {
  for (guint i = 0; i < sim_n_actors(e); i++) {
    sim_actor *a = sim_actor_nth(e, i);
    if (strcmp(sim_actor_name(a), name) == 0)
      return a;
  }
  return NULL;
}

static int choose_script(void *ctx, sim_engine *e, const sim_choice *c,
                         GError **err) {
  interleave *il = ctx;
  if (il->pos >= il->n_entries)
    return choose_fifo(ctx, e, c, err);

  const sched_entry *en = &il->entries[il->pos];
  guint num = il->pos + 1;
  const char *file = il->file ? il->file : "<schedule>";
  char *what = en->step ? g_strdup_printf("%s@%s", en->process, en->step)
                        : g_strdup(en->process);
  int result = SIM_CHOICE_ERROR;

  if (strcmp(en->process, SCHED_DELIVER) == 0) {
    if (c->event_pending) {
      il->pos++;
      result = SIM_DELIVER;
    } else {
      g_set_error(err, SIM_ERROR_DOMAIN, SIM_ERROR_SCHEDULE,
                  "%s:%d:%d: schedule entry %u (~) delivers the next event "
                  "but none is pending",
                  file, en->line, en->col, num);
    }
    goto out;
  }
  sim_actor *a = find_actor(e, en->process);
  if (!a) {
    g_set_error(err, SIM_ERROR_DOMAIN, SIM_ERROR_SCHEDULE,
                "%s:%d:%d: schedule entry %u names unknown process %s", file,
                en->line, en->col, num, en->process);
    goto out;
  }
  sim_actor_state st = sim_actor_get_state(a);
  if (st == SIM_ACTOR_DONE) {
    g_set_error(err, SIM_ERROR_DOMAIN, SIM_ERROR_SCHEDULE,
                "%s:%d:%d: schedule entry %u: %s can never run: %s is done",
                file, en->line, en->col, num, what, en->process);
    goto out;
  }
  const char *real = sim_actor_next_step(a);
  if (en->step && g_strcmp0(real, en->step) != 0) {
    g_set_error(err, SIM_ERROR_DOMAIN, SIM_ERROR_SCHEDULE,
                "%s:%d:%d: schedule entry %u expects %s but %s is at `%s`",
                file, en->line, en->col, num, what, en->process,
                real ? real : "(nothing)");
    goto out;
  }
  if (st == SIM_ACTOR_READY) {
    for (guint i = 0; i < c->n_ready; i++) {
      if (c->ready[i] != a)
        continue;
      if (en->label)
        sim_trace(e, "schedule", "step %s: %s@%s", en->label, en->process,
                  real);
      il->pos++;
      result = (int)i;
      goto out;
    }
    g_assert_not_reached();
  }
  /* Blocked: let time run until the named step becomes enabled. */
  if (c->event_pending) {
    result = SIM_DELIVER;
    goto out;
  }
  const char *waitq = sim_actor_waitq(a);
  char *why =
      waitq ? g_strdup_printf("asleep on %s", waitq) : g_strdup("blocked");
  g_set_error(err, SIM_ERROR_DOMAIN, SIM_ERROR_SCHEDULE,
              "%s:%d:%d: schedule entry %u: %s can never run: %s is %s "
              "with nothing pending",
              file, en->line, en->col, num, what, en->process, why);
  g_free(why);
out:
  g_free(what);
  return result;
}

static int choose_random(void *ctx, sim_engine *e, const sim_choice *c,
                         GError **err) {
  (void)e, (void)err;
  interleave *il = ctx;
  unsigned long n = c->n_ready + (c->can_deliver ? 1 : 0);
  unsigned long k = gsl_rng_uniform_int(il->rng, n);
  return k == c->n_ready ? SIM_DELIVER : (int)k;
}

static const sim_policy_ops script_ops = {choose_script};
static const sim_policy_ops random_ops = {choose_random};

interleave *interleave_new_fifo(void) {
  interleave *il = g_new0(interleave, 1);
  il->kind = IL_FIFO;
  return il;
}

interleave *interleave_new_script(const sched_entry *entries, guint n,
                                  const char *file) {
  interleave *il = g_new0(interleave, 1);
  il->kind = IL_SCRIPT;
  il->entries = g_new0(sched_entry, n ? n : 1);
  il->n_entries = n;
  for (guint i = 0; i < n; i++) {
    il->entries[i] = entries[i];
    il->entries[i].process = g_strdup(entries[i].process);
    il->entries[i].step = g_strdup(entries[i].step);
    il->entries[i].label = g_strdup(entries[i].label);
  }
  il->file = g_strdup(file);
  return il;
}

interleave *interleave_new_random(uint64_t seed) {
  interleave *il = g_new0(interleave, 1);
  il->kind = IL_RANDOM;
  il->rng = sim_rng_new(seed, "interleave");
  return il;
}

void interleave_free(interleave *il) {
  if (!il)
    return;
  for (guint i = 0; i < il->n_entries; i++) {
    g_free(il->entries[i].process);
    g_free(il->entries[i].step);
    g_free(il->entries[i].label);
  }
  g_free(il->entries);
  g_free(il->file);
  if (il->rng)
    gsl_rng_free(il->rng);
  g_free(il);
}

void interleave_attach(interleave *il, sim_engine *e) {
  switch (il->kind) {
  case IL_FIFO:
    /* The engine's built-in order is fifo and skips building choices. */
    sim_engine_set_policy(e, NULL, NULL);
    break;
  case IL_SCRIPT: sim_engine_set_policy(e, &script_ops, il); break;
  case IL_RANDOM: sim_engine_set_policy(e, &random_ops, il); break;
  }
}

guint interleave_script_position(const interleave *il) { return il->pos; }
