/* The discrete-event engine (docs/model.md, "The engine").
 *
 * The event queue is a 4-ary heap of small entries stored by value, ordered
 * by (time, insertion sequence).  Every pending event holds a handle: what
 * the event runs (and its timer, if it is one) sits in the handle's record,
 * and the engine keeps each handle's heap slot up to date as entries move,
 * so re-arming moves the entry in place and deleting removes it at once: no
 * entry outlives its timer, and a timer freed after sim_timer_del() is
 * never touched again.  The slots live in one dense array rather than in
 * the timers, so moving an entry writes nothing into its timer's owner.
 * With thousands of processes the heap no longer fits the first-level
 * cache: four children to a node halve its depth, and 24-byte entries put
 * a node's children in two cache lines.
 *
 * Ready actors are a bitmap by actor id with a summary bit per word, so
 * the lowest ready id is found without walking the actors. */
#include "sim/core/engine.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "sim/core/prefetch.h"

/* A heap entry: when, and in which order among equals. */
typedef struct sim_event {
  sim_time at;
  uint64_t seq;
  uint32_t handle;
} sim_event;

/* What a pending event runs. */
typedef struct ev_what {
  sim_event_fn fn;
  void *arg;
  const char *name;
  sim_timer *timer; /* NULL: a one-shot event */
} ev_what;

/* A step reads state, id and engine, then ops and self: together at the
 * front, as few cache lines as may be (thousands of actors are cold). */
struct sim_actor {
  sim_actor_state state;
  int id;
  sim_engine *engine;
  const sim_actor_ops *ops;
  void *self;
  const char *waitq;
  sim_time since;
  char *name;
};

struct sim_engine {
  sim_engine_head head; /* now, trace: first, read by the inline helpers */
  uint64_t next_seq;
  uint64_t delivered;

  sim_event *heap;
  size_t heap_len, heap_cap;
  /* pending events by handle: what each runs, and its entry's heap slot */
  ev_what *what;
  uint32_t *slot;
  uint32_t *free_handles; /* handles released, reused last-in first-out */
  uint32_t n_handles, n_free, handles_cap;

  GPtrArray *actors; /* sim_actor *, index == id */
  /* actors a reset let go, the first one last: the run made again adds
   * the same actors in the same order, into their old memory */
  GPtrArray *spare_actors;
  guint n_ready, n_done;
  /* ready set: bit id%64 of ready_bits[id/64]; bit w%64 of
   * ready_sum[w/64] says ready_bits[w] is not zero */
  uint64_t *ready_bits, *ready_sum;
  guint ready_words, ready_sum_words;
  sim_actor **ready_buf;
  guint ready_cap;

  const sim_policy_ops *policy;
  void *policy_ctx;
  sim_step_hook hook;
  void *hook_ctx;
  sim_printk_fn printk;
  void *printk_ctx;
  bool stop;
  sim_rng_pool *rngs; /* created with the first stream */
};

/* clang-format off */
G_DEFINE_QUARK(cfqsim-engine-error-quark, sim_error)
/* clang-format on */

/* ---- heap ---- */

static inline bool ev_before(const sim_event *a, const sim_event *b) {
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

/* Puts x at slot i, recording where its handle's entry now is. */
static inline void heap_place(sim_engine *e, size_t i, const sim_event *x) {
  e->heap[i] = *x;
  e->slot[x->handle] = (uint32_t)i;
}

#define HEAP_D 4 /* children per node */

static void heap_sift_up(sim_engine *e, size_t i) {
  sim_event *h = e->heap, x = h[i];
  while (i > 0) {
    size_t p = (i - 1) / HEAP_D;
    if (!ev_before(&x, &h[p]))
      break;
    heap_place(e, i, &h[p]);
    i = p;
  }
  heap_place(e, i, &x);
}

static void heap_sift_down(sim_engine *e, size_t i) {
  sim_event *h = e->heap, x = h[i];
  size_t n = e->heap_len;
  for (;;) {
    size_t first = HEAP_D * i + 1;
    if (first >= n)
      break;
    size_t c = first, end = MIN(first + HEAP_D, n);
    for (size_t k = first + 1; k < end; k++)
      if (ev_before(&h[k], &h[c]))
        c = k;
    if (!ev_before(&h[c], &x))
      break;
    heap_place(e, i, &h[c]);
    i = c;
  }
  heap_place(e, i, &x);
}

static void heap_push(sim_engine *e, const sim_event *ev) {
  if (e->heap_len == e->heap_cap) {
    e->heap_cap = e->heap_cap ? e->heap_cap * 2 : 256;
    e->heap = g_renew(sim_event, e->heap, e->heap_cap);
  }
  heap_place(e, e->heap_len, ev);
  heap_sift_up(e, e->heap_len++);
}

/* Removes the entry at slot i: the last entry fills the hole and moves up
 * or down to where it belongs. */
static void heap_remove_at(sim_engine *e, size_t i) {
  g_assert(i < e->heap_len);
  if (--e->heap_len == i)
    return;
  heap_place(e, i, &e->heap[e->heap_len]);
  if (i > 0 && ev_before(&e->heap[i], &e->heap[(i - 1) / HEAP_D]))
    heap_sift_up(e, i);
  else
    heap_sift_down(e, i);
}

static uint32_t handle_get(sim_engine *e, const ev_what *w) {
  uint32_t h;
  if (e->n_free) {
    h = e->free_handles[--e->n_free];
  } else {
    if (e->n_handles == e->handles_cap) {
      e->handles_cap = e->handles_cap ? 2 * e->handles_cap : 64;
      e->what = g_renew(ev_what, e->what, e->handles_cap);
      e->slot = g_renew(uint32_t, e->slot, e->handles_cap);
      e->free_handles = g_renew(uint32_t, e->free_handles, e->handles_cap);
    }
    h = e->n_handles++;
  }
  e->what[h] = *w;
  return h;
}

static void handle_put(sim_engine *e, uint32_t h) {
  e->free_handles[e->n_free++] = h;
}

/* ---- engine ---- */

sim_engine *sim_engine_new(void) {
  sim_engine *e = g_new0(sim_engine, 1);
  e->actors = g_ptr_array_new();
  e->spare_actors = g_ptr_array_new();
  e->next_seq = 1;
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
  for (guint i = 0; i < e->spare_actors->len; i++)
    actor_free(g_ptr_array_index(e->spare_actors, i));
  g_ptr_array_free(e->spare_actors, TRUE);
  g_free(e->heap);
  g_free(e->what);
  g_free(e->slot);
  g_free(e->free_handles);
  g_free(e->ready_buf);
  g_free(e->ready_bits);
  g_free(e->ready_sum);
  sim_rng_pool_free(e->rngs);
  g_free(e);
}

void sim_engine_reset(sim_engine *e) {
  for (guint i = e->actors->len; i-- > 0;)
    g_ptr_array_add(e->spare_actors, g_ptr_array_index(e->actors, i));
  g_ptr_array_set_size(e->actors, 0);
  memset(e->ready_bits, 0, e->ready_words * sizeof(uint64_t));
  memset(e->ready_sum, 0, e->ready_sum_words * sizeof(uint64_t));
  e->n_ready = e->n_done = 0;
  e->heap_len = 0;
  e->n_handles = e->n_free = 0; /* every timer was deleted, no event kept */
  e->head.now = 0;
  e->next_seq = 1;
  e->delivered = 0;
  e->policy = NULL;
  e->policy_ctx = NULL;
  e->hook = NULL;
  e->hook_ctx = NULL;
  e->stop = false;
}

gsl_rng *sim_engine_rng(sim_engine *e, uint64_t seed, const char *entity) {
  if (!e->rngs)
    e->rngs = sim_rng_pool_new();
  return sim_rng_pool_take(e->rngs, seed, entity);
}

void sim_engine_rng_put(sim_engine *e, gsl_rng *r) {
  sim_rng_pool_give(e->rngs, r);
}

uint64_t sim_events(const sim_engine *e) { return e->delivered; }

void sim_post(sim_engine *e, sim_time at, const char *name, sim_event_fn fn,
              void *arg) {
  g_assert(at >= e->head.now);
  ev_what w = {fn, arg, name, NULL};
  sim_event ev = {at, e->next_seq++, handle_get(e, &w)};
  heap_push(e, &ev);
}

/* ---- timers ---- */

void sim_timer_init(sim_timer *t, sim_engine *e, const char *name,
                    sim_event_fn fn, void *arg) {
  *t = (sim_timer){.engine = e, .name = name, .fn = fn, .arg = arg};
}

void sim_timer_mod(sim_timer *t, sim_time expires) {
  sim_engine *e = t->engine;
  /* Like mod_timer with a past expiry: fire as soon as possible. */
  if (expires < e->head.now)
    expires = e->head.now;
  t->expires = expires;
  /* a re-armed timer orders as a new entry: a fresh sequence number */
  sim_event ev = {expires, e->next_seq++, t->handle};
  if (t->pending) {
    size_t i = e->slot[t->handle];
    bool earlier = ev_before(&ev, &e->heap[i]);
    heap_place(e, i, &ev);
    if (earlier)
      heap_sift_up(e, i);
    else
      heap_sift_down(e, i);
    return;
  }
  t->pending = true;
  ev_what w = {t->fn, t->arg, t->name, t};
  ev.handle = t->handle = handle_get(e, &w);
  heap_push(e, &ev);
}

void sim_timer_del(sim_timer *t) {
  if (!t->pending)
    return;
  sim_engine *e = t->engine;
  t->pending = false;
  heap_remove_at(e, e->slot[t->handle]);
  handle_put(e, t->handle);
}

/* ---- actors ---- */

static inline void ready_set(sim_engine *e, guint id) {
  guint w = id / 64;
  e->ready_bits[w] |= UINT64_C(1) << (id % 64);
  e->ready_sum[w / 64] |= UINT64_C(1) << (w % 64);
  e->n_ready++;
}

static inline void ready_clear(sim_engine *e, guint id) {
  guint w = id / 64;
  e->ready_bits[w] &= ~(UINT64_C(1) << (id % 64));
  if (!e->ready_bits[w])
    e->ready_sum[w / 64] &= ~(UINT64_C(1) << (w % 64));
  e->n_ready--;
}

/* The lowest ready id at or after `from`, -1 if none. */
static int ready_next(const sim_engine *e, guint from) {
  guint w = from / 64;
  if (w >= e->ready_words)
    return -1;
  uint64_t bits = e->ready_bits[w] & (~UINT64_C(0) << (from % 64));
  if (bits)
    return (int)(w * 64 + (guint)__builtin_ctzll(bits));
  /* the next non-empty word, by the summary */
  guint sw = (w + 1) / 64;
  if (sw >= e->ready_sum_words)
    return -1;
  uint64_t sum = e->ready_sum[sw] & (~UINT64_C(0) << ((w + 1) % 64));
  while (!sum) {
    if (++sw >= e->ready_sum_words)
      return -1;
    sum = e->ready_sum[sw];
  }
  guint nw = sw * 64 + (guint)__builtin_ctzll(sum);
  return (int)(nw * 64 + (guint)__builtin_ctzll(e->ready_bits[nw]));
}

sim_actor *sim_actor_add(sim_engine *e, const char *name,
                         const sim_actor_ops *ops, void *self) {
  sim_actor *a;
  if (e->spare_actors->len) {
    a = g_ptr_array_steal_index(e->spare_actors, e->spare_actors->len - 1);
    char *kept = a->name;
    *a = (sim_actor){.name = kept};
    if (strcmp(kept, name) != 0) {
      g_free(kept);
      a->name = g_strdup(name);
    }
  } else {
    a = g_new0(sim_actor, 1);
    a->name = g_strdup(name);
  }
  a->engine = e;
  a->id = (int)e->actors->len;
  a->ops = ops;
  a->self = self;
  a->state = SIM_ACTOR_READY;
  a->since = e->head.now;
  g_ptr_array_add(e->actors, a);
  if (e->ready_cap < e->actors->len) {
    e->ready_cap = e->actors->len * 2;
    e->ready_buf = g_renew(sim_actor *, e->ready_buf, e->ready_cap);
  }
  guint words = (e->actors->len + 63) / 64;
  if (words > e->ready_words) {
    guint cap = MAX(words, 2 * e->ready_words);
    e->ready_bits = g_renew(uint64_t, e->ready_bits, cap);
    memset(e->ready_bits + e->ready_words, 0,
           (cap - e->ready_words) * sizeof(uint64_t));
    e->ready_words = cap;
    guint sum = (cap + 63) / 64;
    if (sum > e->ready_sum_words) {
      e->ready_sum = g_renew(uint64_t, e->ready_sum, sum);
      memset(e->ready_sum + e->ready_sum_words, 0,
             (sum - e->ready_sum_words) * sizeof(uint64_t));
      e->ready_sum_words = sum;
    }
  }
  ready_set(e, (guint)a->id);
  return a;
}

static void actor_leave_state(sim_actor *a) {
  if (a->state == SIM_ACTOR_READY)
    ready_clear(a->engine, (guint)a->id);
  else if (a->state == SIM_ACTOR_DONE)
    a->engine->n_done--;
}

void sim_actor_ready(sim_actor *a) {
  g_assert(a->state != SIM_ACTOR_DONE);
  a->waitq = NULL;
  if (a->state == SIM_ACTOR_READY)
    return;
  a->state = SIM_ACTOR_READY;
  ready_set(a->engine, (guint)a->id);
}

void sim_actor_block(sim_actor *a, const char *waitq) {
  g_assert(a->state != SIM_ACTOR_DONE);
  actor_leave_state(a);
  a->state = SIM_ACTOR_BLOCKED;
  a->waitq = waitq;
  a->since = a->engine->head.now;
}

void sim_actor_done(sim_actor *a) {
  actor_leave_state(a);
  a->state = SIM_ACTOR_DONE;
  a->waitq = NULL;
  a->since = a->engine->head.now;
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

/* With thousands of processes the owners of the next events are cold.
 * While this event runs: the next one's timer fetches what it will read,
 * and the owner and timer of the one after it (the earliest child of the
 * heap's root) start coming, so that the timer's hook, read next time,
 * is at hand. */
static void prefetch_ahead(const sim_engine *e) {
  if (e->heap_len == 0)
    return;
  const ev_what *nx = &e->what[e->heap[0].handle];
  if (nx->timer && nx->timer->prefetch) {
    nx->timer->prefetch(nx->arg);
  } else {
    prefetch(nx->arg);
    prefetch(nx->timer);
  }
  size_t c = 1, end = MIN(e->heap_len, 1 + HEAP_D);
  for (size_t k = 2; k < end; k++)
    if (ev_before(&e->heap[k], &e->heap[c]))
      c = k;
  if (c < end) {
    const ev_what *after = &e->what[e->heap[c].handle];
    prefetch(after->arg);
    prefetch(after->timer);
  }
}

static void deliver(sim_engine *e) {
  sim_event ev = e->heap[0];
  heap_remove_at(e, 0);
  prefetch_ahead(e);
  ev_what w = e->what[ev.handle];
  e->head.now = ev.at;
  if (w.timer)
    w.timer->pending = false;
  handle_put(e, ev.handle);
  e->delivered++;
  w.fn(w.arg);
}

static void step_actor(sim_engine *e, sim_actor *a) {
  if (e->head.trace)
    sim_trace(e, a->name, "step %s", a->ops->next_step(a->self));
  a->ops->step(a->self);
}

static sim_actor *first_ready(const sim_engine *e) {
  int id = ready_next(e, 0);
  g_assert(id >= 0);
  return g_ptr_array_index(e->actors, id);
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

    bool pending = e->heap_len > 0;
    bool in_limit = pending && (limit < 0 || e->heap[0].at <= limit);

    if (e->n_ready > 0) {
      sim_actor *a;
      if (!e->policy) {
        a = first_ready(e);
      } else {
        guint n = 0;
        bool delayable = false;
        /* every ready actor in id order: the non-empty words by the
         * summary, the set bits of each */
        for (guint sw = 0; sw < e->ready_sum_words; sw++)
          for (uint64_t sum = e->ready_sum[sw]; sum; sum &= sum - 1) {
            guint w = sw * 64 + (guint)__builtin_ctzll(sum);
            for (uint64_t bits = e->ready_bits[w]; bits; bits &= bits - 1) {
              sim_actor *r = g_ptr_array_index(
                  e->actors, w * 64 + (guint)__builtin_ctzll(bits));
              e->ready_buf[n++] = r;
              if (in_limit && !delayable)
                delayable = r->ops->delayable(r->self);
            }
          }
        sim_choice c = {
            .ready = e->ready_buf,
            .n_ready = n,
            .event_pending = in_limit,
            .can_deliver = in_limit && delayable,
            .next_event_time = in_limit ? e->heap[0].at : -1,
            .next_event_name =
                in_limit ? e->what[e->heap[0].handle].name : NULL,
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
      e->head.now = limit;
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
  const sim_event *x = *(const sim_event *const *)a;
  const sim_event *y = *(const sim_event *const *)b;
  return ev_before(x, y) ? -1 : ev_before(y, x) ? 1 : 0;
}

void sim_engine_fingerprint(const sim_engine *e, fingerprint *fp) {
  fingerprint_i64(fp, e->head.now);
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
  GPtrArray *live = fingerprint_scratch(fp);
  for (size_t i = 0; i < e->heap_len; i++)
    g_ptr_array_add(live, &e->heap[i]);
  g_ptr_array_sort(live, ev_cmp);
  guint n = live->len;
  fingerprint_bytes(fp, &n, sizeof n);
  for (guint i = 0; i < live->len; i++) {
    const sim_event *ev = g_ptr_array_index(live, i);
    fingerprint_i64(fp, ev->at);
    fingerprint_str(fp, e->what[ev->handle].name);
  }
}

/* ---- tracing ---- */

void sim_engine_set_trace(sim_engine *e, FILE *f) { e->head.trace = f; }

void sim_trace(sim_engine *e, const char *who, const char *fmt, ...) {
  if (!e->head.trace)
    return;
  /* Integer formatting: the printed time is exact to the nanosecond. */
  int64_t ms = e->head.now / SIM_MS, ns = e->head.now % SIM_MS;
  fprintf(e->head.trace, "%5" PRId64 ".%06" PRId64 " ms  %-10s  ", ms, ns, who);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(e->head.trace, fmt, ap);
  va_end(ap);
  fputc('\n', e->head.trace);
}

/* ---- the kernel log ---- */

void sim_engine_set_printk_hook(sim_engine *e, sim_printk_fn fn, void *ctx) {
  e->printk = fn;
  e->printk_ctx = ctx;
}

void sim_printk(sim_engine *e, const char *fmt, ...) {
  if (!e->printk && !e->head.trace)
    return;
  va_list ap;
  va_start(ap, fmt);
  char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  sim_trace(e, "kernel", "%s", text);
  if (e->printk)
    e->printk(e->printk_ctx, e->head.now, text);
  g_free(text);
}
