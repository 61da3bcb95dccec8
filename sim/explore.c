/* Exhaustive exploration by re-running with choice prefixes
 * (docs/model.md, "Exploration"). */
#include "sim/explore.h"

#include <inttypes.h>
#include <string.h>

/* clang-format off */
G_DEFINE_QUARK(cfqsim-explore-error-quark, explore_error)
/* clang-format on */

/* One thing the policy was asked to decide (forced or not). */
typedef struct move {
  int actor;           /* actor id, or SIM_DELIVER */
  const char *step;    /* interned next-step name of the actor */
  uint64_t ready_mask; /* ready actors when the move was made */
} move;

/* The policy context of one re-run. */
typedef struct rerun {
  const explore_target *t;
  void *inst;
  int bound;
  const GArray *prefix; /* int: alternatives chosen at branching points */
  guint pos;
  GArray *moves;   /* move */
  guint seg_start; /* first move of the last prefix edge */
  int last;        /* actor that took the previous step, -1: none */
  int preemptions;
  /* the first branching point past the prefix */
  bool reached;
  char *key;
  GArray *alts;        /* int: index into ready or SIM_DELIVER */
  GArray *alt_preempt; /* gboolean: taking it is a preemption */
  /* The engine still takes alternative 0 as it stops at a new branching
   * point, so the stopped instance goes on as the first child's run
   * instead of being re-run from the start. */
  move first;
} rerun;

typedef struct stats {
  explore_count paths, completed, hung, tl;
  GArray *hang; /* move: shortest hanging suffix, NULL: none */
} stats;

typedef struct node {
  stats s;
  bool done;
} node;

typedef struct explorer {
  const explore_target *t;
  const explore_options *o;
  explore_result *res;
  GHashTable *memo; /* key -> node */
  GPtrArray *names; /* interned actor names by id */
  GArray *prefix;
  GError *err;
  uint64_t steps; /* since the last progress call within a run */
} explorer;

const char *explore_count_str(explore_count v, char *buf) {
  char tmp[40];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v);
  for (int i = 0; i < n; i++)
    buf[i] = tmp[n - 1 - i];
  buf[n] = '\0';
  return buf;
}

static explore_count sat_add(explorer *x, explore_count a, explore_count b) {
  if (a > EXPLORE_COUNT_MAX - b) {
    x->res->saturated = true;
    return EXPLORE_COUNT_MAX;
  }
  return a + b;
}

static uint64_t ready_mask(const sim_choice *c) {
  uint64_t m = 0;
  for (guint i = 0; i < c->n_ready; i++)
    m |= UINT64_C(1) << sim_actor_id(c->ready[i]);
  return m;
}

static void record(rerun *r, const sim_choice *c, int k) {
  move m = {.ready_mask = ready_mask(c)};
  if (k == SIM_DELIVER) {
    m.actor = SIM_DELIVER;
  } else {
    m.actor = sim_actor_id(c->ready[k]);
    m.step = g_intern_string(sim_actor_next_step(c->ready[k]));
  }
  g_array_append_val(r->moves, m);
}

static bool is_preemption(const rerun *r, const sim_choice *c, int k) {
  if (k == SIM_DELIVER || r->last < 0 || sim_actor_id(c->ready[k]) == r->last)
    return false;
  return (ready_mask(c) >> r->last) & 1;
}

static void took(rerun *r, const sim_choice *c, int k) {
  if (k != SIM_DELIVER)
    r->last = sim_actor_id(c->ready[k]);
}

static int choose_explore(void *ctx, sim_engine *e, const sim_choice *c,
                          GError **err) {
  (void)err;
  rerun *r = ctx;
  g_assert(sim_n_actors(e) <= EXPLORE_MAX_ACTORS); /* checked in rerun_drive */
  guint n_alt = c->n_ready + (c->can_deliver ? 1 : 0);
  if (n_alt == 1) {
    record(r, c, 0);
    took(r, c, 0);
    return 0;
  }
  if (r->pos < r->prefix->len) {
    int k = g_array_index(r->prefix, int, r->pos);
    if (++r->pos == r->prefix->len)
      r->seg_start = r->moves->len;
    if (is_preemption(r, c, k))
      r->preemptions++;
    record(r, c, k);
    took(r, c, k);
    return k;
  }
  /* A new branching point: note it and stop (the engine still takes
   * alternative 0; see `first`). */
  fingerprint *fp = fingerprint_new();
  r->t->fingerprint(r->inst, fp);
  if (r->bound >= 0) {
    /* Under a bound the future also depends on the budget left. */
    int extra[2] = {r->last, r->preemptions};
    fingerprint_bytes(fp, extra, sizeof extra);
  }
  r->key = fingerprint_digest(fp);
  fingerprint_free(fp);
  for (guint i = 0; i < n_alt; i++) {
    int k = i < c->n_ready ? (int)i : SIM_DELIVER;
    gboolean p = is_preemption(r, c, k);
    g_array_append_val(r->alts, k);
    g_array_append_val(r->alt_preempt, p);
  }
  r->first = (move){.actor = sim_actor_id(c->ready[0]),
                    .step = g_intern_string(sim_actor_next_step(c->ready[0])),
                    .ready_mask = ready_mask(c)};
  r->reached = true;
  sim_engine_stop(e);
  return 0;
}

static const sim_policy_ops explore_ops = {choose_explore};

static void rerun_free(explorer *x, rerun *r) {
  if (!r)
    return;
  if (r->inst)
    x->t->destroy(r->inst);
  g_array_free(r->moves, TRUE);
  g_array_free(r->alts, TRUE);
  g_array_free(r->alt_preempt, TRUE);
  g_free(r->key);
  g_free(r);
}

static void progress(explorer *x, sim_time now) {
  explore_progress p = {.so_far = x->res, .depth = x->prefix->len, .now = now};
  x->o->progress(x->o->progress_ctx, &p);
}

/* Deep replays and big workloads make single runs long. */
static void step_progress(void *ctx, sim_engine *e) {
  explorer *x = ctx;
  if (++x->steps >= (x->o->progress_steps ? x->o->progress_steps : 4096)) {
    x->steps = 0;
    progress(x, sim_now(e));
  }
}

/* Run r's instance to the next branching point (it stays alive, stopped)
 * or to its end (it is destroyed). */
static bool rerun_drive(explorer *x, rerun *r, sim_outcome *out) {
  x->res->runs++;
  sim_engine *e = x->t->engine(r->inst);
  if (sim_n_actors(e) > EXPLORE_MAX_ACTORS) {
    g_set_error(&x->err, EXPLORE_ERROR, EXPLORE_ERROR_TOO_MANY_ACTORS,
                "explore follows at most %d processes, this workload has %u: "
                "use fewer (numjobs)",
                EXPLORE_MAX_ACTORS, sim_n_actors(e));
    x->t->destroy(r->inst);
    r->inst = NULL;
    return false;
  }
  if (x->o->progress)
    sim_engine_set_step_hook(e, step_progress, x);
  *out = sim_engine_run(e, x->t->limit, &x->err);
  if (x->o->progress)
    progress(x, sim_now(e));
  if (!x->names) {
    x->names = g_ptr_array_new();
    for (guint i = 0; i < sim_n_actors(e); i++)
      g_ptr_array_add(x->names, (gpointer)g_intern_string(
                                    sim_actor_name(sim_actor_nth(e, i))));
  }
  if (*out != SIM_STOPPED) {
    if (x->t->on_end && *out != SIM_ERROR)
      x->t->on_end(x->t->ctx, r->inst, *out);
    x->t->destroy(r->inst);
    r->inst = NULL;
  }
  if (*out == SIM_ERROR)
    return false;
  g_assert(r->pos == r->prefix->len); /* the replay is deterministic */
  g_assert(r->reached == (*out == SIM_STOPPED));
  return true;
}

/* A fresh simulation replaying the current prefix. */
static rerun *rerun_start(explorer *x) {
  rerun *r = g_new0(rerun, 1);
  *r = (rerun){.t = x->t,
               .bound = x->o->preemption_bound,
               .prefix = x->prefix,
               .last = -1};
  r->moves = g_array_new(FALSE, FALSE, sizeof(move));
  r->alts = g_array_new(FALSE, FALSE, sizeof(int));
  r->alt_preempt = g_array_new(FALSE, FALSE, sizeof(gboolean));
  r->inst = x->t->build(x->t->ctx, &explore_ops, r, &x->err);
  return r;
}

/* Turn a run stopped at a branching point into its first child's run: it
 * has taken alternative 0, the last entry of the prefix.  The rerun object
 * stays the engine's policy context, so targets may wrap the policy. */
static void rerun_adopt_first(rerun *r) {
  if (g_array_index(r->alt_preempt, gboolean, 0))
    r->preemptions++;
  r->last = r->first.actor;
  g_array_set_size(r->moves, 0);
  g_array_append_val(r->moves, r->first);
  r->seg_start = 0;
  g_array_set_size(r->alts, 0);
  g_array_set_size(r->alt_preempt, 0);
  g_clear_pointer(&r->key, g_free);
  r->reached = false;
  r->pos = r->prefix->len;
}

static GArray *moves_concat(const move *a, guint na, const GArray *b) {
  GArray *s =
      g_array_sized_new(FALSE, FALSE, sizeof(move), na + (b ? b->len : 0));
  g_array_append_vals(s, a, na);
  if (b)
    g_array_append_vals(s, b->data, b->len);
  return s;
}

static void stats_add(explorer *x, stats *acc, const stats *c) {
  acc->paths = sat_add(x, acc->paths, c->paths);
  acc->completed = sat_add(x, acc->completed, c->completed);
  acc->hung = sat_add(x, acc->hung, c->hung);
  acc->tl = sat_add(x, acc->tl, c->tl);
}

static bool expand(explorer *x, node *n, rerun **rp);

/* Follow the edge given by x->prefix: continue `r` (a run stopped at the
 * parent's branching point, adopted here) or start a fresh run when r is
 * NULL.  The result's hang suffix starts at the edge's first move.  False
 * on error. */
static bool edge(explorer *x, rerun *r, stats *out) {
  sim_outcome o;
  *out = (stats){0};
  bool ok;
  if (r) {
    rerun_adopt_first(r);
    ok = rerun_drive(x, r, &o);
  } else {
    r = rerun_start(x);
    ok = r->inst && rerun_drive(x, r, &o);
  }
  if (!ok) {
    rerun_free(x, r);
    return false;
  }
  /* This edge's own moves; r itself may go on as the first child. */
  GArray *seg = moves_concat(&g_array_index(r->moves, move, r->seg_start),
                             r->moves->len - r->seg_start, NULL);
  if (o != SIM_STOPPED) {
    out->paths = 1;
    if (o == SIM_COMPLETED)
      out->completed = 1;
    else if (o == SIM_HANG)
      out->hung = 1;
    else
      out->tl = 1;
    if (o == SIM_HANG)
      out->hang = g_steal_pointer(&seg);
  } else {
    node *n = x->o->prune ? g_hash_table_lookup(x->memo, r->key) : NULL;
    node fresh = {0};
    if (n && !n->done) {
      /* A cycle: the state repeats on its own path.  Not expected (time or
       * progress always moves); count it as unexplored rather than loop. */
      x->res->cut_states++;
      out->paths = 1;
    } else if (!n && x->o->max_states && x->res->states >= x->o->max_states) {
      x->res->cut_states++;
      out->paths = 1;
    } else {
      if (!n) {
        x->res->states++;
        if (x->o->prune) {
          n = g_new0(node, 1);
          g_hash_table_insert(x->memo, g_strdup(r->key), n);
        } else {
          n = &fresh;
        }
        ok = expand(x, n, &r);
      }
      if (ok) {
        *out = n->s;
        out->hang = n->s.hang ? moves_concat((const move *)seg->data, seg->len,
                                             n->s.hang)
                              : NULL;
      }
      if (n == &fresh && fresh.s.hang)
        g_array_free(fresh.s.hang, TRUE);
    }
  }
  if (seg)
    g_array_free(seg, TRUE);
  rerun_free(x, r);
  return ok;
}

/* A delivery needs a `~` entry when the process stepping next was ready
 * (otherwise the script policy delivers by itself, see to_schedule). */
static bool needs_tilde(const GArray *moves, guint i) {
  const move *m = &g_array_index(moves, move, i);
  int next = -1;
  for (guint j = i + 1; j < moves->len && next < 0; j++)
    next = g_array_index(moves, move, j).actor;
  return next < 0 || ((m->ready_mask >> next) & 1);
}

/* Shortest first: fewest process steps, then fewest `~` entries. */
static uint64_t hang_cost(const GArray *moves) {
  uint64_t steps = 0, tildes = 0;
  for (guint i = 0; i < moves->len; i++) {
    if (g_array_index(moves, move, i).actor != SIM_DELIVER)
      steps++;
    else
      tildes += needs_tilde(moves, i);
  }
  return steps << 32 | tildes;
}

static bool expand(explorer *x, node *n, rerun **rp) {
  rerun *r = *rp;
  /* The first child may take r over: keep what this node needs. */
  GArray *alts = g_array_copy(r->alts), *pre = g_array_copy(r->alt_preempt);
  int preemptions = r->preemptions;
  stats acc = {0};
  bool ok = true;
  for (guint i = 0; i < alts->len && ok; i++) {
    if (g_array_index(pre, gboolean, i) &&
        preemptions >= x->o->preemption_bound && x->o->preemption_bound >= 0) {
      x->res->cut_preempt++;
      continue;
    }
    g_array_append_val(x->prefix, g_array_index(alts, int, i));
    stats c;
    /* Alternative 0 goes on in the instance that found this state. */
    rerun *cont = i == 0 && r->inst ? g_steal_pointer(rp) : NULL;
    ok = edge(x, cont, &c);
    g_array_set_size(x->prefix, x->prefix->len - 1);
    if (!ok)
      break;
    stats_add(x, &acc, &c);
    if (c.hang && (!acc.hang || hang_cost(c.hang) < hang_cost(acc.hang))) {
      if (acc.hang)
        g_array_free(acc.hang, TRUE);
      acc.hang = c.hang;
    } else if (c.hang) {
      g_array_free(c.hang, TRUE);
    }
  }
  if (!ok && acc.hang) {
    g_array_free(acc.hang, TRUE);
    acc.hang = NULL;
  }
  g_array_free(alts, TRUE);
  g_array_free(pre, TRUE);
  n->s = acc;
  n->done = true;
  return ok;
}

static void node_free(gpointer p) {
  node *n = p;
  if (n->s.hang)
    g_array_free(n->s.hang, TRUE);
  g_free(n);
}

/* The schedule notation of interleave.h.  A delivery is written only when
 * the script policy would not make it by itself: when the process named
 * next was ready at that point (otherwise the script delivers events until
 * that process is enabled). */
static GPtrArray *to_schedule(explorer *x, const GArray *moves) {
  GPtrArray *s = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < moves->len; i++) {
    const move *m = &g_array_index(moves, move, i);
    if (m->actor != SIM_DELIVER) {
      g_ptr_array_add(
          s, g_strdup_printf(
                 "%s@%s", (const char *)g_ptr_array_index(x->names, m->actor),
                 m->step));
      continue;
    }
    if (needs_tilde(moves, i))
      g_ptr_array_add(s, g_strdup("~"));
  }
  return s;
}

gboolean explore_run(const explore_target *t, const explore_options *o,
                     explore_result *res, GError **err) {
  static const explore_options defaults = EXPLORE_OPTIONS_INIT;
  if (!o)
    o = &defaults;
  *res = (explore_result){0};
  explorer x = {.t = t, .o = o, .res = res};
  x.memo = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, node_free);
  x.prefix = g_array_new(FALSE, FALSE, sizeof(int));
  if (o->progress)
    progress(&x, 0);
  stats root;
  bool ok = edge(&x, NULL, &root);
  if (ok) {
    res->schedules = root.paths;
    res->completed = root.completed;
    res->hung = root.hung;
    res->time_limited = root.tl;
    if (root.hang) {
      res->hang_schedule = to_schedule(&x, root.hang);
      g_array_free(root.hang, TRUE);
    }
  } else {
    g_propagate_error(err, x.err);
    x.err = NULL;
  }
  g_hash_table_destroy(x.memo);
  g_array_free(x.prefix, TRUE);
  if (x.names)
    g_ptr_array_free(x.names, TRUE);
  return ok;
}

void explore_result_clear(explore_result *res) {
  if (res->hang_schedule)
    g_ptr_array_free(res->hang_schedule, TRUE);
  res->hang_schedule = NULL;
}

bool explore_complete(const explore_result *res) {
  return res->cut_states == 0 && res->cut_preempt == 0;
}

char *explore_cut_str(const explore_result *res, const explore_options *o) {
  if (explore_complete(res))
    return NULL;
  GString *s = g_string_new(NULL);
  if (res->cut_states && o->max_states)
    g_string_append_printf(s, "--max-states %" PRIu64, o->max_states);
  else if (res->cut_states) /* only a state repeating on its own path */
    g_string_append(s, "a state that repeated on its own path");
  if (res->cut_states && res->cut_preempt)
    g_string_append(s, " and ");
  if (res->cut_preempt)
    g_string_append_printf(s, "--preemption-bound %d", o->preemption_bound);
  return g_string_free(s, FALSE);
}

char *explore_format_schedule(const GPtrArray *sched) {
  GString *s = g_string_new("[");
  for (guint i = 0; sched && i < sched->len; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : "",
                           (const char *)g_ptr_array_index(sched, i));
  g_string_append_c(s, ']');
  return g_string_free(s, FALSE);
}

static void count_line(GString *s, const char *what, explore_count v,
                       bool sat) {
  char buf[40];
  g_string_append_printf(s, "  %-16s %s%s\n", what, explore_count_str(v, buf),
                         sat && v == EXPLORE_COUNT_MAX ? " (saturated)" : "");
}

char *explore_format_report(const explore_result *res,
                            const explore_options *o) {
  GString *s = g_string_new(NULL);
  bool sat = res->saturated;
  count_line(s, "schedules:", res->schedules, sat);
  count_line(s, o->prune ? "distinct states:" : "states visited:", res->states,
             sat);
  count_line(s, "completed:", res->completed, sat);
  count_line(s, "hung:", res->hung, sat);
  count_line(s, "time-limited:", res->time_limited, sat);
  if (res->cut_states)
    g_string_append_printf(s,
                           "  cut:             %" PRIu64
                           " states not expanded (--max-states %" PRIu64
                           "): the counts above are a lower bound\n",
                           res->cut_states, o->max_states);
  if (res->cut_preempt)
    g_string_append_printf(s,
                           "  cut:             %" PRIu64
                           " alternatives beyond the preemption bound %d\n",
                           res->cut_preempt, o->preemption_bound);
  /* Unexplored branches may hold a shorter hang, or the only one. */
  bool complete = explore_complete(res);
  if (res->hang_schedule) {
    char *sched = explore_format_schedule(res->hang_schedule);
    g_string_append_printf(
        s, "  shortest hang:   %u steps%s\n    %s\n", res->hang_schedule->len,
        complete ? "" : " (of those explored; the search was cut)", sched);
    g_free(sched);
  } else {
    g_string_append_printf(s, "  shortest hang:   none%s\n",
                           complete ? "" : " found (the search was cut)");
  }
  return g_string_free(s, FALSE);
}
