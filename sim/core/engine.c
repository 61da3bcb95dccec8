/* The discrete-event engine (docs/model.md, "The engine").
 *
 * The event queue is a binary heap of entries stored by value, ordered by
 * (time, insertion sequence).  A timer's heap entry carries the timer's
 * current token (the sequence number of the entry that armed it); the set
 * of live tokens says whether a popped timer entry still counts.  Checking
 * the set instead of the timer itself means a stale entry never touches a
 * timer whose owner may already have been freed after sim_timer_del(). */
#include "sim/core/engine.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

typedef struct sim_event {
  sim_time at;
  uint64_t seq;
  sim_event_fn fn;
  void *arg;
  const char *name;
  sim_timer *timer; /* NULL for one-shot events */
} sim_event;

struct sim_actor {
  sim_engine *engine;
  int id;
  char *name;
  const sim_actor_ops *ops;
  void *self;
  sim_actor_state state;
  const char *waitq;
  sim_time since;
};

struct sim_engine {
  sim_time now;
  uint64_t next_seq;
  uint64_t delivered;

  sim_event *heap;
  size_t heap_len, heap_cap;
  GHashTable *live_timers; /* token -> itself, for armed timers */
  size_t n_stale;          /* heap entries of cancelled/moved timers */

  GPtrArray *actors; /* sim_actor *, index == id */
  guint n_ready, n_done;
  sim_actor **ready_buf;
  guint ready_cap;

  const sim_policy_ops *policy;
  void *policy_ctx;
  sim_step_hook hook;
  void *hook_ctx;
  FILE *trace;
  sim_printk_fn printk;
  void *printk_ctx;
  bool stop;
};

/* clang-format off */
G_DEFINE_QUARK(cfqsim-engine-error-quark, sim_error)
/* clang-format on */

/* ---- heap ---- */

static inline bool ev_before(const sim_event *a, const sim_event *b) {
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void heap_sift_up(sim_event *h, size_t i) {
  sim_event x = h[i];
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!ev_before(&x, &h[p]))
      break;
    h[i] = h[p];
    i = p;
  }
  h[i] = x;
}

static void heap_sift_down(sim_event *h, size_t n, size_t i) {
  sim_event x = h[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n)
      break;
    if (c + 1 < n && ev_before(&h[c + 1], &h[c]))
      c++;
    if (!ev_before(&h[c], &x))
      break;
    h[i] = h[c];
    i = c;
  }
  h[i] = x;
}

static void heap_push(sim_engine *e, const sim_event *ev) {
  if (e->heap_len == e->heap_cap) {
    e->heap_cap = e->heap_cap ? e->heap_cap * 2 : 256;
    e->heap = g_renew(sim_event, e->heap, e->heap_cap);
  }
  e->heap[e->heap_len] = *ev;
  heap_sift_up(e->heap, e->heap_len++);
}

static void heap_pop(sim_engine *e) {
  g_assert(e->heap_len > 0);
  if (--e->heap_len > 0) {
    e->heap[0] = e->heap[e->heap_len];
    heap_sift_down(e->heap, e->heap_len, 0);
  }
}

static inline bool ev_live(const sim_engine *e, const sim_event *ev) {
  return ev->timer == NULL ||
         g_hash_table_contains(e->live_timers, GSIZE_TO_POINTER(ev->seq));
}

/* Re-arming a timer many times without letting it fire would otherwise grow
 * the heap without bound: rebuild it once most entries are dead. */
static void heap_compact(sim_engine *e) {
  size_t j = 0;
  for (size_t i = 0; i < e->heap_len; i++)
    if (ev_live(e, &e->heap[i]))
      e->heap[j++] = e->heap[i];
  e->heap_len = j;
  e->n_stale = 0;
  for (size_t i = j / 2; i-- > 0;)
    heap_sift_down(e->heap, j, i);
}

static void note_stale(sim_engine *e) {
  e->n_stale++;
  if (e->n_stale > 1024 && e->n_stale > e->heap_len / 2)
    heap_compact(e);
}

/* Drops dead timer entries from the top; true if a live event remains. */
static bool heap_settle(sim_engine *e) {
  while (e->heap_len > 0 && !ev_live(e, &e->heap[0])) {
    heap_pop(e);
    e->n_stale--;
  }
  return e->heap_len > 0;
}

/* ---- engine ---- */

sim_engine *sim_engine_new(void) {
  sim_engine *e = g_new0(sim_engine, 1);
  e->live_timers = g_hash_table_new(g_direct_hash, g_direct_equal);
  e->actors = g_ptr_array_new();
  e->next_seq = 1; /* token 0 is never live */
  return e;
}

static void actor_free(sim_actor *a) {
  g_free(a->name);
  g_free(a);
}

void sim_engine_free(sim_engine *e) {
  if (!e)
    return;
  for (guint i = 0; i < e->actors->len; i++)
    actor_free(g_ptr_array_index(e->actors, i));
  g_ptr_array_free(e->actors, TRUE);
  g_hash_table_destroy(e->live_timers);
  g_free(e->heap);
  g_free(e->ready_buf);
  g_free(e);
}

sim_time sim_now(const sim_engine *e) { return e->now; }
uint64_t sim_events(const sim_engine *e) { return e->delivered; }

void sim_post(sim_engine *e, sim_time at, const char *name, sim_event_fn fn,
              void *arg) {
  g_assert(at >= e->now);
  sim_event ev = {at, e->next_seq++, fn, arg, name, NULL};
  heap_push(e, &ev);
}

/* ---- timers ---- */

void sim_timer_init(sim_timer *t, sim_engine *e, const char *name,
                    sim_event_fn fn, void *arg) {
  *t = (sim_timer){.engine = e, .name = name, .fn = fn, .arg = arg};
}

void sim_timer_mod(sim_timer *t, sim_time expires) {
  sim_engine *e = t->engine;
  if (t->pending) {
    g_hash_table_remove(e->live_timers, GSIZE_TO_POINTER(t->gen));
    note_stale(e);
  }
  /* Like mod_timer with a past expiry: fire as soon as possible. */
  if (expires < e->now)
    expires = e->now;
  sim_event ev = {expires, e->next_seq++, t->fn, t->arg, t->name, t};
  t->gen = ev.seq;
  t->expires = expires;
  t->pending = true;
  g_hash_table_add(e->live_timers, GSIZE_TO_POINTER(t->gen));
  heap_push(e, &ev);
}

void sim_timer_del(sim_timer *t) {
  if (!t->pending)
    return;
  g_hash_table_remove(t->engine->live_timers, GSIZE_TO_POINTER(t->gen));
  t->pending = false;
  note_stale(t->engine);
}

/* ---- actors ---- */

sim_actor *sim_actor_add(sim_engine *e, const char *name,
                         const sim_actor_ops *ops, void *self) {
  sim_actor *a = g_new0(sim_actor, 1);
  a->engine = e;
  a->id = (int)e->actors->len;
  a->name = g_strdup(name);
  a->ops = ops;
  a->self = self;
  a->state = SIM_ACTOR_READY;
  a->since = e->now;
  g_ptr_array_add(e->actors, a);
  e->n_ready++;
  if (e->ready_cap < e->actors->len) {
    e->ready_cap = e->actors->len * 2;
    e->ready_buf = g_renew(sim_actor *, e->ready_buf, e->ready_cap);
  }
  return a;
}

static void actor_leave_state(sim_actor *a) {
  if (a->state == SIM_ACTOR_READY)
    a->engine->n_ready--;
  else if (a->state == SIM_ACTOR_DONE)
    a->engine->n_done--;
}

void sim_actor_ready(sim_actor *a) {
  g_assert(a->state != SIM_ACTOR_DONE);
  actor_leave_state(a);
  a->state = SIM_ACTOR_READY;
  a->waitq = NULL;
  a->engine->n_ready++;
}

void sim_actor_block(sim_actor *a, const char *waitq) {
  g_assert(a->state != SIM_ACTOR_DONE);
  actor_leave_state(a);
  a->state = SIM_ACTOR_BLOCKED;
  a->waitq = waitq;
  a->since = a->engine->now;
}

void sim_actor_done(sim_actor *a) {
  actor_leave_state(a);
  a->state = SIM_ACTOR_DONE;
  a->waitq = NULL;
  a->since = a->engine->now;
  a->engine->n_done++;
}

int sim_actor_id(const sim_actor *a) { return a->id; }
const char *sim_actor_name(const sim_actor *a) { return a->name; }
sim_actor_state sim_actor_get_state(const sim_actor *a) { return a->state; }
const char *sim_actor_waitq(const sim_actor *a) {
  return a->state == SIM_ACTOR_BLOCKED ? a->waitq : NULL;
}
sim_time sim_actor_since(const sim_actor *a) { return a->since; }
const char *sim_actor_next_step(const sim_actor *a) {
  return a->ops->next_step(a->self);
}
bool sim_actor_delayable(const sim_actor *a) {
  return a->ops->delayable(a->self);
}
guint sim_n_actors(const sim_engine *e) { return e->actors->len; }
sim_actor *sim_actor_nth(const sim_engine *e, guint i) {
  g_assert(i < e->actors->len);
  return g_ptr_array_index(e->actors, i);
}

/* ---- run loop ---- */

void sim_engine_set_policy(sim_engine *e, const sim_policy_ops *ops,
                           void *ctx) {
  e->policy = ops;
  e->policy_ctx = ctx;
}

void sim_engine_set_step_hook(sim_engine *e, sim_step_hook fn, void *ctx) {
  e->hook = fn;
  e->hook_ctx = ctx;
}

void sim_engine_stop(sim_engine *e) { e->stop = true; }

const char *sim_outcome_name(sim_outcome o) {
  switch (o) {
  case SIM_COMPLETED: return "completed";
  case SIM_HANG: return "hang";
  case SIM_TIME_LIMIT: return "time_limit";
  case SIM_STOPPED: return "stopped";
  case SIM_ERROR: return "error";
  }
  return "unknown";
}

static void deliver(sim_engine *e) {
  sim_event ev = e->heap[0];
  heap_pop(e);
  e->now = ev.at;
  if (ev.timer) {
    g_hash_table_remove(e->live_timers, GSIZE_TO_POINTER(ev.seq));
    ev.timer->pending = false;
  }
  e->delivered++;
  ev.fn(ev.arg);
}

static void step_actor(sim_engine *e, sim_actor *a) {
  if (e->trace)
    sim_trace(e, a->name, "step %s", a->ops->next_step(a->self));
  a->ops->step(a->self);
}

static sim_actor *first_ready(const sim_engine *e) {
  for (guint i = 0; i < e->actors->len; i++) {
    sim_actor *a = g_ptr_array_index(e->actors, i);
    if (a->state == SIM_ACTOR_READY)
      return a;
  }
  g_assert_not_reached();
  return NULL;
}

sim_outcome sim_engine_run(sim_engine *e, sim_time limit, GError **err) {
  for (;;) {
    if (e->stop) {
      e->stop = false;
      return SIM_STOPPED;
    }
    guint n_actors = e->actors->len;
    if (n_actors > 0 && e->n_done == n_actors)
      return SIM_COMPLETED;

    bool pending = heap_settle(e);
    bool in_limit = pending && (limit < 0 || e->heap[0].at <= limit);

    if (e->n_ready > 0) {
      sim_actor *a;
      if (!e->policy) {
        a = first_ready(e);
      } else {
        guint n = 0;
        bool delayable = false;
        for (guint i = 0; i < n_actors && n < e->n_ready; i++) {
          sim_actor *r = g_ptr_array_index(e->actors, i);
          if (r->state != SIM_ACTOR_READY)
            continue;
          e->ready_buf[n++] = r;
          if (in_limit && !delayable)
            delayable = r->ops->delayable(r->self);
        }
        sim_choice c = {
            .ready = e->ready_buf,
            .n_ready = n,
            .event_pending = in_limit,
            .can_deliver = in_limit && delayable,
            .next_event_time = in_limit ? e->heap[0].at : -1,
            .next_event_name = in_limit ? e->heap[0].name : NULL,
        };
        GError *perr = NULL;
        int k = e->policy->choose(e->policy_ctx, e, &c, &perr);
        if (k == SIM_CHOICE_ERROR) {
          g_assert(perr != NULL);
          g_propagate_error(err, perr);
          return SIM_ERROR;
        }
        if (k == SIM_DELIVER) {
          if (!in_limit) {
            g_set_error(err, SIM_ERROR_DOMAIN, SIM_ERROR_SCHEDULE,
                        "the policy chose to deliver an event but none is "
                        "pending");
            return SIM_ERROR;
          }
          deliver(e);
          if (e->hook)
            e->hook(e->hook_ctx, e);
          continue;
        }
        g_assert(k >= 0 && (guint)k < n);
        a = c.ready[k];
      }
      step_actor(e, a);
    } else if (!pending) {
      return n_actors == 0 ? SIM_COMPLETED : SIM_HANG;
    } else if (!in_limit) {
      e->now = limit;
      return SIM_TIME_LIMIT;
    } else {
      deliver(e);
    }
    if (e->hook)
      e->hook(e->hook_ctx, e);
  }
}

/* ---- fingerprints ---- */

static gint ev_cmp(gconstpointer a, gconstpointer b) {
  const sim_event *x = a, *y = b;
  return ev_before(x, y) ? -1 : ev_before(y, x) ? 1 : 0;
}

void sim_engine_fingerprint(const sim_engine *e, fingerprint *fp) {
  fingerprint_i64(fp, e->now);
  for (guint i = 0; i < e->actors->len; i++) {
    const sim_actor *a =
        g_ptr_array_index(e->actors, fingerprint_actor_at(fp, i));
    int st = a->state;
    fingerprint_bytes(fp, &st, sizeof st);
    fingerprint_str(
        fp, a->state == SIM_ACTOR_DONE ? "" : a->ops->next_step(a->self));
    fingerprint_str(fp, a->state == SIM_ACTOR_BLOCKED ? a->waitq : NULL);
  }
  /* Live events in the order they will be delivered. */
  GArray *live = g_array_new(FALSE, FALSE, sizeof(sim_event));
  for (size_t i = 0; i < e->heap_len; i++)
    if (ev_live(e, &e->heap[i]))
      g_array_append_val(live, e->heap[i]);
  g_array_sort(live, ev_cmp);
  guint n = live->len;
  fingerprint_bytes(fp, &n, sizeof n);
  for (guint i = 0; i < live->len; i++) {
    const sim_event *ev = &g_array_index(live, sim_event, i);
    fingerprint_i64(fp, ev->at);
    fingerprint_str(fp, ev->name);
  }
  g_array_free(live, TRUE);
}

/* ---- tracing ---- */

void sim_engine_set_trace(sim_engine *e, FILE *f) { e->trace = f; }
bool sim_tracing(const sim_engine *e) { return e->trace != NULL; }

void sim_trace(sim_engine *e, const char *who, const char *fmt, ...) {
  if (!e->trace)
    return;
  /* Integer formatting: the printed time is exact to the nanosecond. */
  int64_t ms = e->now / SIM_MS, ns = e->now % SIM_MS;
  fprintf(e->trace, "%5" PRId64 ".%06" PRId64 " ms  %-10s  ", ms, ns, who);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(e->trace, fmt, ap);
  va_end(ap);
  fputc('\n', e->trace);
}

/* ---- the kernel log ---- */

void sim_engine_set_printk_hook(sim_engine *e, sim_printk_fn fn, void *ctx) {
  e->printk = fn;
  e->printk_ctx = ctx;
}

void sim_printk(sim_engine *e, const char *fmt, ...) {
  if (!e->printk && !e->trace)
    return;
  va_list ap;
  va_start(ap, fmt);
  char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  sim_trace(e, "kernel", "%s", text);
  if (e->printk)
    e->printk(e->printk_ctx, e->now, text);
  g_free(text);
}
