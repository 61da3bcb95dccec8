/* Engine: event order, timers, outcomes, choice points, tracing. */
#include <stdio.h>
#include <stdlib.h>

#include "sim/core/engine.h"
#include "tests/toy_actor.h"

typedef struct rec_ev {
  sim_engine *e;
  GString *log;
  const char *tag;
  sim_time at; /* when it was delivered */
} rec_ev;

static void rec_fire(void *arg) {
  rec_ev *r = arg;
  r->at = sim_now(r->e);
  if (r->log->len)
    g_string_append_c(r->log, ' ');
  g_string_append(r->log, r->tag);
}

static void test_event_order(void) {
  sim_engine *e = sim_engine_new();
  GString *log = g_string_new(NULL);
  rec_ev ev[] = {{e, log, "c30", 0},
                 {e, log, "a10", 0},
                 {e, log, "b20", 0},
                 {e, log, "a10bis", 0},
                 {e, log, "zero", 0}};
  sim_post(e, 30 * SIM_MS, "ev", rec_fire, &ev[0]);
  sim_post(e, 10 * SIM_MS, "ev", rec_fire, &ev[1]);
  sim_post(e, 20 * SIM_MS, "ev", rec_fire, &ev[2]);
  sim_post(e, 10 * SIM_MS, "ev", rec_fire, &ev[3]);
  sim_post(e, 0, "ev", rec_fire, &ev[4]);
  g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpstr(log->str, ==, "zero a10 a10bis b20 c30");
  g_assert_cmpint(ev[2].at, ==, 20 * SIM_MS);
  g_assert_cmpint(sim_now(e), ==, 30 * SIM_MS);
  g_assert_cmpuint(sim_events(e), ==, 5);
  g_string_free(log, TRUE);
  sim_engine_free(e);
}

/* An event posted for "now" while other events are due at the same instant
 * runs after them: insertion order breaks every tie. */
typedef struct tie_ctx {
  sim_engine *e;
  GArray *order;
  int id;
  struct tie_ctx *spawn; /* posted at the same instant when this fires */
} tie_ctx;

static void tie_fire(void *arg) {
  tie_ctx *t = arg;
  g_array_append_val(t->order, t->id);
  if (t->spawn)
    sim_post(t->e, sim_now(t->e), "tie", tie_fire, t->spawn);
}

static void test_ties(void) {
  sim_engine *e = sim_engine_new();
  GArray *order = g_array_new(FALSE, FALSE, sizeof(int));
  enum { N = 200 };
  tie_ctx t[N + 1];
  /* Interleave two instants so the heap has to reorder. */
  for (int i = 0; i < N; i++) {
    t[i] = (tie_ctx){e, order, i, NULL};
    sim_post(e, (i % 2) ? 7 : 5, "tie", tie_fire, &t[i]);
  }
  t[N] = (tie_ctx){e, order, N, NULL};
  t[0].spawn = &t[N];
  g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpuint(order->len, ==, N + 1);
  int k = 0;
  for (int i = 0; i < N; i += 2) /* time 5: even ids in order */
    g_assert_cmpint(g_array_index(order, int, k++), ==, i);
  g_assert_cmpint(g_array_index(order, int, k++), ==, N); /* spawned at 5 */
  for (int i = 1; i < N; i += 2)
    g_assert_cmpint(g_array_index(order, int, k++), ==, i);
  g_array_free(order, TRUE);
  sim_engine_free(e);
}

typedef struct tcount {
  sim_engine *e;
  int fired;
  sim_time last;
} tcount;

static void tcount_fire(void *arg) {
  tcount *c = arg;
  c->fired++;
  c->last = sim_now(c->e);
}

/* A timer that logs its prefetch and its firing. */
typedef struct plog {
  GString *log;
  const char *name;
} plog;

static void plog_prefetch(void *arg) {
  plog *l = arg;
  g_string_append_printf(l->log, "prefetch %s; ", l->name);
}

static void plog_fire(void *arg) {
  plog *l = arg;
  g_string_append_printf(l->log, "fire %s; ", l->name);
}

/* A timer's prefetch runs while the event before it is delivered, before
 * that event's function; a cancelled timer's never runs. */
static void test_timer_prefetch_ahead(void) {
  sim_engine *e = sim_engine_new();
  GString *log = g_string_new(NULL);
  plog l[] = {{log, "a"}, {log, "b"}, {log, "gone"}, {log, "c"}};
  sim_timer t[G_N_ELEMENTS(l)];
  for (guint i = 0; i < G_N_ELEMENTS(l); i++) {
    sim_timer_init(&t[i], e, l[i].name, plog_fire, &l[i]);
    sim_timer_set_prefetch(&t[i], plog_prefetch);
    sim_timer_mod(&t[i], (sim_time)(i + 1) * SIM_MS);
  }
  sim_timer_del(&t[2]);
  g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpstr(log->str, ==,
                  "prefetch b; fire a; prefetch c; fire b; fire c; ");
  g_string_free(log, TRUE);
  sim_engine_free(e);
}

static void test_timer_cancel_rearm(void) {
  sim_engine *e = sim_engine_new();
  tcount moved = {e, 0, 0}, cancelled = {e, 0, 0}, again = {e, 0, 0};
  sim_timer tm, tc, ta;
  sim_timer_init(&tm, e, "moved", tcount_fire, &moved);
  sim_timer_init(&tc, e, "cancelled", tcount_fire, &cancelled);
  sim_timer_init(&ta, e, "again", tcount_fire, &again);

  sim_timer_mod(&tm, 10 * SIM_MS);
  sim_timer_mod(&tm, 50 * SIM_MS); /* moves it: fires once, at 50 */
  sim_timer_mod(&tc, 20 * SIM_MS);
  g_assert_true(sim_timer_pending(&tc));
  sim_timer_del(&tc);
  g_assert_false(sim_timer_pending(&tc));
  sim_timer_del(&tc); /* deleting an idle timer is harmless */

  /* A timer whose owner is freed after deleting it. */
  sim_timer *heap_timer = g_new(sim_timer, 1);
  sim_timer_init(heap_timer, e, "freed", tcount_fire, &cancelled);
  sim_timer_mod(heap_timer, 5 * SIM_MS);
  sim_timer_del(heap_timer);
  g_free(heap_timer);

  g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpint(moved.fired, ==, 1);
  g_assert_cmpint(moved.last, ==, 50 * SIM_MS);
  g_assert_false(sim_timer_pending(&tm));
  g_assert_cmpint(cancelled.fired, ==, 0);
  g_assert_cmpuint(sim_events(e), ==, 1);

  /* Re-arm after firing; many re-arms leave one firing. */
  for (int i = 1; i <= 5000; i++)
    sim_timer_mod(&ta, sim_now(e) + i * SIM_US);
  sim_timer_mod(&tm, sim_now(e) + 3 * SIM_MS);
  g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpint(again.fired, ==, 1);
  g_assert_cmpint(again.last, ==, 50 * SIM_MS + 5000 * SIM_US);
  g_assert_cmpint(moved.fired, ==, 2);
  g_assert_cmpint(moved.last, ==, 53 * SIM_MS);
  g_assert_cmpuint(sim_events(e), ==, 3);
  sim_engine_free(e);
}

static void test_time_limit(void) {
  sim_engine *e = sim_engine_new();
  GString *log = g_string_new(NULL);
  rec_ev a = {e, log, "a", 0}, b = {e, log, "b", 0}, c = {e, log, "c", 0};
  sim_post(e, 10 * SIM_MS, "a", rec_fire, &a);
  sim_post(e, 20 * SIM_MS, "b", rec_fire, &b); /* exactly at the limit */
  sim_post(e, 30 * SIM_MS, "c", rec_fire, &c);
  g_assert_cmpint(sim_engine_run(e, 20 * SIM_MS, NULL), ==, SIM_TIME_LIMIT);
  g_assert_cmpstr(log->str, ==, "a b");
  g_assert_cmpint(sim_now(e), ==, 20 * SIM_MS);

  /* Time ends at the limit even when the last event was earlier. */
  g_assert_cmpint(sim_engine_run(e, 25 * SIM_MS, NULL), ==, SIM_TIME_LIMIT);
  g_assert_cmpint(sim_now(e), ==, 25 * SIM_MS);

  g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpstr(log->str, ==, "a b c");
  g_string_free(log, TRUE);
  sim_engine_free(e);
}

static void test_hang(void) {
  sim_engine *e = sim_engine_new();
  GString *log = g_string_new(NULL);
  /* A sleeps 4 ms (its "I/O"), then goes to sleep on a wait queue nobody
   * will ever wake; B finishes. */
  static const toy_step as[] = {{"submit", false, 4 * SIM_MS, NULL},
                                {"io_wait", false, 0, NULL},
                                {"fail", false, 0, "rl->wait[SYNC]"},
                                {"retry", false, 0, NULL}};
  static const toy_step bs[] = {{"submit", false, 0, NULL},
                                {"exit", false, 0, NULL}};
  toy A, B;
  toy_init(&A, e, "A", as, 4, log);
  toy_init(&B, e, "B", bs, 2, log);
  g_assert_cmpint(sim_engine_run(e, 10 * SIM_S, NULL), ==, SIM_HANG);
  g_assert_cmpstr(log->str, ==,
                  "A.submit B.submit B.exit A:wake A.io_wait A.fail");
  g_assert_cmpint(sim_actor_get_state(A.a), ==, SIM_ACTOR_BLOCKED);
  g_assert_cmpstr(sim_actor_waitq(A.a), ==, "rl->wait[SYNC]");
  g_assert_cmpint(sim_actor_since(A.a), ==, 4 * SIM_MS);
  g_assert_cmpstr(sim_actor_next_step(A.a), ==, "retry");
  g_assert_cmpint(sim_actor_get_state(B.a), ==, SIM_ACTOR_DONE);
  g_assert_null(sim_actor_waitq(B.a));
  g_assert_cmpint(sim_now(e), ==, 4 * SIM_MS);
  g_string_free(log, TRUE);
  sim_engine_free(e);
}

static void test_completion(void) {
  sim_engine *e = sim_engine_new();
  GString *log = g_string_new(NULL);
  static const toy_step as[] = {{"submit", false, 2 * SIM_MS, NULL},
                                {"io_wait", false, 0, NULL},
                                {"exit", false, 0, NULL}};
  toy A;
  toy_init(&A, e, "A", as, 3, log);
  /* A far-away event (say a periodic timer) does not keep the run going. */
  rec_ev far = {e, log, "far", 0};
  sim_post(e, 5 * SIM_S, "far", rec_fire, &far);
  g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpstr(log->str, ==, "A.submit A:wake A.io_wait A.exit");
  g_assert_cmpint(sim_now(e), ==, 2 * SIM_MS);
  g_assert_cmpuint(sim_events(e), ==, 1);
  g_assert_cmpstr(sim_outcome_name(SIM_COMPLETED), ==, "completed");
  g_assert_cmpstr(sim_outcome_name(SIM_HANG), ==, "hang");
  g_assert_cmpstr(sim_outcome_name(SIM_TIME_LIMIT), ==, "time_limit");
  g_string_free(log, TRUE);
  sim_engine_free(e);
}

static void test_fifo_lowest_id(void) {
  sim_engine *e = sim_engine_new();
  GString *log = g_string_new(NULL);
  static const toy_step two[] = {{"submit", false, 0, NULL},
                                 {"queue", false, 1 * SIM_MS, NULL},
                                 {"exit", false, 0, NULL}};
  toy t[3];
  const char *names[] = {"C", "A", "B"}; /* ids follow insertion, not names */
  for (int i = 0; i < 3; i++)
    toy_init(&t[i], e, names[i], two, 3, log);
  g_assert_cmpint(sim_actor_id(t[2].a), ==, 2);
  g_assert_cmpuint(sim_n_actors(e), ==, 3);
  g_assert_true(sim_actor_nth(e, 1) == t[1].a);
  g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
  /* Ready steps run before time advances; lowest id first; wake-ups at
   * the same instant in posting order. */
  g_assert_cmpstr(log->str, ==,
                  "C.submit C.queue A.submit A.queue B.submit B.queue "
                  "C:wake C.exit A:wake A.exit B:wake B.exit");
  g_string_free(log, TRUE);
  sim_engine_free(e);
}

/* A policy that records what each choice offered, then acts as fifo. */
typedef struct rec_policy {
  GString *offers;
  int deliver_at; /* choice number at which to deliver, or -1 */
  int n;
} rec_policy;

static int rec_choose(void *ctx, sim_engine *e, const sim_choice *c,
                      GError **err) {
  (void)e, (void)err;
  rec_policy *p = ctx;
  if (p->offers->len)
    g_string_append_c(p->offers, ' ');
  g_string_append_printf(p->offers, "%u%s%s", c->n_ready,
                         c->event_pending ? "P" : "",
                         c->can_deliver ? "D" : "");
  for (guint i = 1; i < c->n_ready; i++)
    g_assert_cmpint(sim_actor_id(c->ready[i - 1]), <,
                    sim_actor_id(c->ready[i]));
  if (p->n++ == p->deliver_at) {
    g_assert_true(c->event_pending);
    g_assert_cmpint(c->next_event_time, ==, 5 * SIM_MS);
    g_assert_cmpstr(c->next_event_name, ==, "complete");
    return SIM_DELIVER;
  }
  return 0;
}

static const sim_policy_ops rec_ops = {rec_choose};

static void test_choice_delivery_only_when_delayable(void) {
  sim_engine *e = sim_engine_new();
  GString *log = g_string_new(NULL);
  static const toy_step as[] = {{"submit", false, 0, NULL},
                                {"lookup", true, 0, NULL},
                                {"queue", false, 0, NULL},
                                {"exit", false, 0, NULL}};
  toy A;
  toy_init(&A, e, "A", as, 4, log);
  rec_ev done = {e, log, "complete", 0};
  sim_post(e, 5 * SIM_MS, "complete", rec_fire, &done);
  rec_policy p = {g_string_new(NULL), 1, 0};
  sim_engine_set_policy(e, &rec_ops, &p);
  g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
  /* submit: event pending but not delayable; lookup: delivery offered and
   * taken (time jumps before the step); then nothing pending. */
  g_assert_cmpstr(p.offers->str, ==, "1P 1PD 1 1 1");
  g_assert_cmpstr(log->str, ==, "A.submit complete A.lookup A.queue A.exit");
  g_assert_cmpint(sim_now(e), ==, 5 * SIM_MS);
  g_string_free(p.offers, TRUE);
  g_string_free(log, TRUE);
  sim_engine_free(e);
}

/* A delayable step alone does not offer delivery: an event must be pending. */
static void test_no_delivery_without_event(void) {
  sim_engine *e = sim_engine_new();
  GString *log = g_string_new(NULL);
  static const toy_step as[] = {{"lookup", true, 0, NULL},
                                {"exit", false, 0, NULL}};
  toy A;
  toy_init(&A, e, "A", as, 2, log);
  rec_policy p = {g_string_new(NULL), -1, 0};
  sim_engine_set_policy(e, &rec_ops, &p);
  g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpstr(p.offers->str, ==, "1 1");
  g_string_free(p.offers, TRUE);
  g_string_free(log, TRUE);
  sim_engine_free(e);
}

static int fail_choose(void *ctx, sim_engine *e, const sim_choice *c,
                       GError **err) {
  (void)ctx, (void)e, (void)c;
  g_set_error(err, SIM_ERROR_DOMAIN, SIM_ERROR_SCHEDULE, "no way");
  return SIM_CHOICE_ERROR;
}

static const sim_policy_ops fail_ops = {fail_choose};

static void test_policy_error(void) {
  sim_engine *e = sim_engine_new();
  GString *log = g_string_new(NULL);
  static const toy_step as[] = {{"submit", false, 0, NULL}};
  toy A;
  toy_init(&A, e, "A", as, 1, log);
  sim_engine_set_policy(e, &fail_ops, NULL);
  GError *err = NULL;
  g_assert_cmpint(sim_engine_run(e, -1, &err), ==, SIM_ERROR);
  g_assert_error(err, SIM_ERROR_DOMAIN, SIM_ERROR_SCHEDULE);
  g_assert_cmpstr(err->message, ==, "no way");
  g_assert_cmpstr(log->str, ==, "");
  g_error_free(err);
  g_string_free(log, TRUE);
  sim_engine_free(e);
}

typedef struct hook_ctx {
  int calls;
  int stop_after;
} hook_ctx;

static void count_hook(void *ctx, sim_engine *e) {
  hook_ctx *h = ctx;
  if (++h->calls == h->stop_after)
    sim_engine_stop(e);
}

static void test_hook_and_stop(void) {
  sim_engine *e = sim_engine_new();
  GString *log = g_string_new(NULL);
  static const toy_step as[] = {{"submit", false, 1 * SIM_MS, NULL},
                                {"io_wait", false, 0, NULL},
                                {"exit", false, 0, NULL}};
  toy A;
  toy_init(&A, e, "A", as, 3, log);
  hook_ctx h = {0, 2};
  sim_engine_set_step_hook(e, count_hook, &h);
  g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_STOPPED);
  g_assert_cmpstr(log->str, ==, "A.submit A:wake");
  /* Resuming goes on where it stopped. */
  g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpint(h.calls, ==, 4); /* 3 steps + 1 event */
  g_string_free(log, TRUE);
  sim_engine_free(e);
}

static void test_trace_format(void) {
  sim_engine *e = sim_engine_new();
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  GString *log = g_string_new(NULL);
  static const toy_step as[] = {{"submit", false, 1234567, NULL},
                                {"io_wait", false, 0, NULL}};
  toy A;
  toy_init(&A, e, "A", as, 2, log);
  sim_trace(e, "nobody", "not traced"); /* tracing is off */
  sim_engine_set_trace(e, f);
  g_assert_true(sim_tracing(e));
  g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
  sim_trace(e, "cfq", "idle %d", 8);
  fclose(f);
  /* Integer ms with exact ns digits; actor steps traced by the engine. */
  g_assert_cmpstr(buf, ==,
                  "    0.000000 ms  A           step submit\n"
                  "    1.234567 ms  A           step io_wait\n"
                  "    1.234567 ms  cfq         idle 8\n");
  free(buf);
  g_string_free(log, TRUE);
  sim_engine_free(e);
}

typedef struct printk_log {
  GString *lines;
} printk_log;

static void record_printk(void *ctx, sim_time now, const char *text) {
  printk_log *l = ctx;
  g_string_append_printf(l->lines, "%" G_GINT64_FORMAT " %s\n", now, text);
}

/* The kernel log reaches its observer whether or not tracing is on; with
 * tracing on it is also a trace line of "kernel". */
static void test_printk(void) {
  sim_engine *e = sim_engine_new();
  printk_log l = {g_string_new(NULL)};
  sim_printk(e, "nobody listens %d", 0);
  sim_engine_set_printk_hook(e, record_printk, &l);
  sim_printk(e, "cfq: %s", "untraced");
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  sim_engine_set_trace(e, f);
  sim_printk(e, "cfq: %s", "traced");
  fclose(f);
  g_assert_cmpstr(l.lines->str, ==, "0 cfq: untraced\n0 cfq: traced\n");
  g_assert_cmpstr(buf, ==, "    0.000000 ms  kernel      cfq: traced\n");
  free(buf);
  g_string_free(l.lines, TRUE);
  sim_engine_free(e);
}

/* Timers armed, re-armed and deleted at random among one-shot events:
 * everything fires in (time, arming order), each armed timer once, none
 * deleted; checked against a list of what should be pending. */
typedef struct rt_timer {
  sim_timer t;
  GArray *log; /* of int: who fired */
  int id;
} rt_timer;

typedef struct rt_want {
  sim_time at;
  uint64_t seq;
  int id;
} rt_want;

static void rt_fire(void *arg) {
  rt_timer *r = arg;
  g_array_append_val(r->log, r->id);
}

static gint rt_want_cmp(gconstpointer a, gconstpointer b) {
  const rt_want *x = a, *y = b;
  if (x->at != y->at)
    return x->at < y->at ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void test_timers_random(void) {
  enum { NT = 200, NPOST = 40 };
  sim_engine *e = sim_engine_new();
  GArray *log = g_array_new(FALSE, FALSE, sizeof(int));
  rt_timer *tm = g_new0(rt_timer, NT + NPOST);
  GRand *r = g_rand_new_with_seed(7);
  for (int round = 0; round < 30; round++) {
    rt_want want[NT + NPOST];
    bool armed[NT] = {false};
    uint64_t seq = 0;
    for (int op = 0; op < 600; op++) {
      int i = g_rand_int_range(r, 0, NT);
      tm[i].id = i;
      tm[i].log = log;
      if (!armed[i] || g_rand_int_range(r, 0, 3)) {
        if (!armed[i])
          sim_timer_init(&tm[i].t, e, "t", rt_fire, &tm[i]);
        sim_time at = sim_now(e) + g_rand_int_range(r, 0, 50) * SIM_US;
        sim_timer_mod(&tm[i].t, at);
        want[i] = (rt_want){at, seq++, i};
        armed[i] = true;
      } else {
        sim_timer_del(&tm[i].t);
        armed[i] = false;
      }
    }
    GArray *exp = g_array_new(FALSE, FALSE, sizeof(rt_want));
    for (int i = 0; i < NT; i++)
      if (armed[i])
        g_array_append_val(exp, want[i]);
    for (int k = 0; k < NPOST; k++) {
      rt_timer *p = &tm[NT + k];
      p->id = NT + k;
      p->log = log;
      /* one-shots draw sequence numbers after every arming above */
      rt_want w = {sim_now(e) + g_rand_int_range(r, 0, 50) * SIM_US, seq++,
                   NT + k};
      sim_post(e, w.at, "post", rt_fire, p);
      g_array_append_val(exp, w);
    }
    g_array_sort(exp, rt_want_cmp);
    g_array_set_size(log, 0);
    g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
    g_assert_cmpuint(log->len, ==, exp->len);
    for (guint k = 0; k < exp->len; k++)
      g_assert_cmpint(g_array_index(log, int, k), ==,
                      g_array_index(exp, rt_want, k).id);
    for (int i = 0; i < NT; i++)
      g_assert_false(armed[i] && sim_timer_pending(&tm[i].t));
    g_array_free(exp, TRUE);
  }
  g_rand_free(r);
  g_free(tm);
  g_array_free(log, TRUE);
  sim_engine_free(e);
}

/* Thousands of actors (more than one summary word of the ready set):
 * batches wake random subsets at once; without a policy the lowest ready
 * id always steps first, and a policy is offered exactly the ready actors
 * in id order. */
typedef struct many {
  sim_engine *e;
  sim_actor **a;
  int n, steps_left;
  GArray *log; /* of int: who stepped */
  GRand *r;
} many;

static many *many_of; /* the actors' shared context */

static const char *many_next(void *self) {
  (void)self;
  return "step";
}
static bool many_delayable(void *self) {
  (void)self;
  return true;
}
static void many_step(void *self) {
  int id = GPOINTER_TO_INT(self);
  g_array_append_val(many_of->log, id);
  if (--many_of->steps_left <= 0)
    sim_actor_done(many_of->a[id]);
  else
    sim_actor_block(many_of->a[id], NULL);
}
static const sim_actor_ops many_ops = {many_next, many_delayable, many_step};

static void many_wake(void *arg) {
  many *m = arg;
  int k = g_rand_int_range(m->r, 1, 200);
  for (int j = 0; j < k; j++) {
    sim_actor *a = m->a[g_rand_int_range(m->r, 0, m->n)];
    if (sim_actor_get_state(a) == SIM_ACTOR_BLOCKED)
      sim_actor_ready(a);
  }
  int between = -1; /* steps after this wake-up */
  g_array_append_val(m->log, between);
  if (m->steps_left > 0)
    sim_post(m->e, sim_now(m->e) + SIM_US, "wake", many_wake, m);
}

static int many_choose(void *ctx, sim_engine *e, const sim_choice *c,
                       GError **err) {
  (void)err;
  many *m = ctx;
  guint k = 0;
  for (guint i = 0; i < sim_n_actors(e); i++)
    if (sim_actor_get_state(sim_actor_nth(e, i)) == SIM_ACTOR_READY) {
      g_assert_cmpuint(k, <, c->n_ready);
      g_assert_true(c->ready[k++] == sim_actor_nth(e, i));
    }
  g_assert_cmpuint(k, ==, c->n_ready);
  return g_rand_int_range(m->r, 0, (gint32)c->n_ready);
}
static const sim_policy_ops many_policy = {many_choose};

static void test_ready_set_many_actors(void) {
  for (int with_policy = 0; with_policy < 2; with_policy++) {
    many m = {.n = 4200, .steps_left = with_policy ? 1500 : 20000};
    m.e = sim_engine_new();
    m.a = g_new(sim_actor *, m.n);
    m.log = g_array_new(FALSE, FALSE, sizeof(int));
    m.r = g_rand_new_with_seed(3);
    many_of = &m;
    for (int i = 0; i < m.n; i++)
      m.a[i] = sim_actor_add(m.e, "a", &many_ops, GINT_TO_POINTER(i));
    if (with_policy)
      sim_engine_set_policy(m.e, &many_policy, &m);
    sim_post(m.e, SIM_US, "wake", many_wake, &m);
    sim_engine_run(m.e, 200 * SIM_MS, NULL);
    g_assert_cmpint(m.steps_left, <=, 0);
    if (!with_policy) {
      /* between two wake-ups, steps go up in id */
      for (guint k = 1; k < m.log->len; k++) {
        int prev = g_array_index(m.log, int, k - 1);
        int cur = g_array_index(m.log, int, k);
        if (prev >= 0 && cur >= 0)
          g_assert_cmpint(prev, <, cur);
      }
    }
    g_rand_free(m.r);
    g_array_free(m.log, TRUE);
    g_free(m.a);
    sim_engine_free(m.e);
  }
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/engine/event-order", test_event_order);
  g_test_add_func("/engine/ties", test_ties);
  g_test_add_func("/engine/timer-cancel-rearm", test_timer_cancel_rearm);
  g_test_add_func("/engine/timer-prefetch-ahead", test_timer_prefetch_ahead);
  g_test_add_func("/engine/timers-random", test_timers_random);
  g_test_add_func("/engine/ready-set-many-actors", test_ready_set_many_actors);
  g_test_add_func("/engine/time-limit", test_time_limit);
  g_test_add_func("/engine/hang", test_hang);
  g_test_add_func("/engine/completion", test_completion);
  g_test_add_func("/engine/fifo-lowest-id", test_fifo_lowest_id);
  g_test_add_func("/engine/choice-delivery-when-delayable",
                  test_choice_delivery_only_when_delayable);
  g_test_add_func("/engine/no-delivery-without-event",
                  test_no_delivery_without_event);
  g_test_add_func("/engine/policy-error", test_policy_error);
  g_test_add_func("/engine/hook-and-stop", test_hook_and_stop);
  g_test_add_func("/engine/trace-format", test_trace_format);
  g_test_add_func("/engine/printk", test_printk);
  return g_test_run();
}
