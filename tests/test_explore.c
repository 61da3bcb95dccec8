/* Exploration (DESIGN 4, spec 4.3-4.6) on the fake-disk world: n processes
 * sharing one io_context, one 4 KiB sync read each, on a FIFO elevator
 * whose requests carry a cic.  The buggy kernel must have a hanging
 * schedule that replays; the fixed kernel must have none; pruning must not
 * change any count. */
#include <sys/wait.h>

#include "sim/explore.h"
#include "sim/run.h"
#include "tests/fake_world.h"

typedef struct wspec {
  int n;
  cic_link_variant v;
  /* oracle state for the hang predicate (spec 4.6), plain mode */
  const sim_policy_ops *inner;
  void *inner_ctx;
  GPtrArray *log;   /* "A@step" of every step taken, "!" at each completion */
  uint64_t paths_checked, hangs_checked;
} wspec;

typedef struct winst {
  world w;
  wspec *spec;
} winst;

static const char *const names4[] = {"A", "B", "C", "D"};

/* Records every step chosen, then hands the choice to the explorer. */
static int choose_logged(void *ctx, sim_engine *e, const sim_choice *c, GError **err) {
  winst *wi = ctx;
  int k = wi->spec->inner->choose(wi->spec->inner_ctx, e, c, err);
  if (k >= 0 && wi->spec->log)
    g_ptr_array_add(wi->spec->log,
                    g_strdup_printf("%s@%s", sim_actor_name(c->ready[k]),
                                    sim_actor_next_step(c->ready[k])));
  return k;
}
static const sim_policy_ops logged_ops = {choose_logged};

static void io_logged(void *ctx) {
  g_ptr_array_add(((wspec *)ctx)->log, g_strdup("!"));
}

static void *w_build(void *ctx, const sim_policy_ops *policy, void *pctx, GError **err) {
  (void)err;
  wspec *ws = ctx;
  winst *wi = g_new0(winst, 1);
  wi->spec = ws;
  world *w = &wi->w;
  world_init(w, &fifo_cic, 128, ws->v, 1024);
  for (int i = 0; i < ws->n; i++) {
    proc_job j = one_read(1000 + (int64_t)i * 900000);
    world_add(w, names4[i], i == 0 ? -1 : 0, &j);
  }
  if (ws->log) {
    w->io_hook = io_logged;
    w->io_hook_ctx = ws;
    ws->inner = policy;
    ws->inner_ctx = pctx;
    sim_engine_set_policy(w->e, &logged_ops, wi);
  } else {
    sim_engine_set_policy(w->e, policy, pctx);
  }
  return wi;
}

static sim_engine *w_engine(void *inst) { return ((winst *)inst)->w.e; }

static void w_fingerprint(void *inst, fingerprint *fp) {
  world *w = &((winst *)inst)->w;
  sim_engine_fingerprint(w->e, fp);
  for (int i = 0; i < w->n; i++)
    proc_fingerprint(w->procs[i], fp);
  const struct io_context *ioc = w->iocs[0];
  int64_t v[] = {ioc->refcount, ioc->nr_tasks, ioc->nr_batch_requests,
                 ioc->last_waited, ioc->radix->len,
                 ioc->radix->len ? g_ptr_array_index(ioc->radix, 0) != NULL : 0};
  fingerprint_bytes(fp, v, sizeof v);
  blk_fingerprint(w->q, fp);
  fifo_data *fd = w->q->elevator_data;
  for (GList *l = fd->fifo.head; l; l = l->next) {
    const struct request *rq = l->data;
    int64_t r[] = {rq->task->pid, rq->sector};
    fingerprint_bytes(fp, r, sizeof r);
  }
  fake_disk *d = w->disk;
  int64_t dv[] = {d->busy ? d->busy->sector : -1, d->pending.length, d->busy_ns};
  fingerprint_bytes(fp, dv, sizeof dv);
}

static void w_destroy(void *inst) {
  winst *wi = inst;
  world_free(&wi->w);
  g_free(wi);
}

static explore_target target(wspec *ws) {
  return (explore_target){.build = w_build, .engine = w_engine,
                          .fingerprint = w_fingerprint, .destroy = w_destroy,
                          .ctx = ws, .limit = -1};
}

static explore_result explore_world(int n, cic_link_variant v, bool prune) {
  wspec ws = {.n = n, .v = v};
  explore_target t = target(&ws);
  explore_options o = EXPLORE_OPTIONS_INIT;
  o.prune = prune;
  explore_result r;
  GError *err = NULL;
  g_assert_true(explore_run(&t, &o, &r, &err));
  g_assert_no_error(err);
  g_assert_cmpuint(r.cut_states, ==, 0);
  g_assert_false(r.saturated);
  g_assert_cmpuint(r.completed + r.hung + r.time_limited, ==, r.schedules);
  if (g_test_verbose()) {
    char *rep = explore_format_report(&r, &o);
    g_test_message("N=%d %s %s:\n%s", n, variant_name(v), prune ? "pruned" : "plain", rep);
    g_free(rep);
  }
  return r;
}

/* Replays a printed schedule with the script policy. */
static sim_outcome replay(const GPtrArray *sched, int n, cic_link_variant v, world *w) {
  world_init(w, &fifo_cic, 128, v, 1024);
  for (int i = 0; i < n; i++) {
    proc_job j = one_read(1000 + (int64_t)i * 900000);
    world_add(w, names4[i], i == 0 ? -1 : 0, &j);
  }
  GArray *entries = g_array_new(FALSE, TRUE, sizeof(sched_entry));
  char **parts = g_new0(char *, sched->len * 2 + 1);
  for (guint i = 0; i < sched->len; i++) {
    char **pq = g_strsplit(g_ptr_array_index(sched, i), "@", 2);
    parts[2 * i] = pq[0];
    parts[2 * i + 1] = pq[1];
    g_free(pq);
    sched_entry e = E(parts[2 * i], parts[2 * i + 1]);
    g_array_append_val(entries, e);
  }
  interleave *il = interleave_new_script((sched_entry *)entries->data, entries->len, "explored");
  interleave_attach(il, w->e);
  GError *err = NULL;
  sim_outcome o = sim_engine_run(w->e, -1, &err);
  g_assert_no_error(err);
  g_assert_cmpuint(interleave_script_position(il), ==, sched->len);
  interleave_free(il);
  for (guint i = 0; i < sched->len * 2; i++)
    g_free(parts[i]);
  g_free(parts);
  g_array_free(entries, TRUE);
  return o;
}

/* Spec 4.5: the buggy kernel has hanging interleavings of two sharers; the
 * shortest one, as printed, replays to the same hang under `script`. */
static void test_buggy_2_hangs_and_replays(void) {
  explore_result r = explore_world(2, CIC_LINK_BUGGY, true);
  g_assert_cmpuint(r.hung, >, 0);
  g_assert_cmpuint(r.completed, >, 0);
  g_assert_nonnull(r.hang_schedule);
  world w;
  g_assert_cmpint(replay(r.hang_schedule, 2, CIC_LINK_BUGGY, &w), ==, SIM_HANG);
  /* The same hang: one loser asleep on rl->wait[SYNC] after a failed link. */
  g_assert_cmpint(w.q->stats.cic_link_failed, ==, 1);
  g_assert_cmpint(w.completions, ==, 1);
  int asleep = 0;
  for (int i = 0; i < 2; i++)
    asleep += g_strcmp0(sim_actor_waitq(w.tasks[i].actor), "rl->wait[SYNC]") == 0;
  g_assert_cmpint(asleep, ==, 1);
  world_free(&w);
  /* Under the fixed kernel the same schedule is not even a hang: the loser
   * looks up again instead of failing (a mismatch, or completion). */
  explore_result_clear(&r);
}

/* Spec 4.6: in the fixed variant no interleaving hangs, for 2, 3, 4
 * sharers, and every path ends with all I/O done. */
static void test_fixed_never_hangs(void) {
  for (int n = 2; n <= 4; n++) {
    explore_result r = explore_world(n, CIC_LINK_FIXED, true);
    g_assert_cmpuint(r.hung, ==, 0);
    g_assert_null(r.hang_schedule);
    g_assert_cmpuint(r.completed, ==, r.schedules);
    g_assert_cmpuint(r.schedules, >, 1);
    explore_result_clear(&r);
  }
}

/* Three and four sharers on the buggy kernel hang too. */
static void test_buggy_more_sharers_hang(void) {
  for (int n = 3; n <= 4; n++) {
    explore_result r = explore_world(n, CIC_LINK_BUGGY, true);
    g_assert_cmpuint(r.hung, >, 0);
    world w;
    g_assert_cmpint(replay(r.hang_schedule, n, CIC_LINK_BUGGY, &w), ==, SIM_HANG);
    world_free(&w);
    explore_result_clear(&r);
  }
}

/* Memoising per fingerprint must not change any count or verdict. */
static void test_pruning_matches_plain(void) {
  for (int v = CIC_LINK_BUGGY; v <= CIC_LINK_FIXED; v++) {
    explore_result p = explore_world(2, v, true);
    explore_result q = explore_world(2, v, false);
    g_assert_cmpuint(p.schedules, ==, q.schedules);
    g_assert_cmpuint(p.completed, ==, q.completed);
    g_assert_cmpuint(p.hung, ==, q.hung);
    g_assert_cmpuint(p.time_limited, ==, q.time_limited);
    /* Pruning really merged states (else the test shows nothing). */
    g_assert_cmpuint(p.states, <, q.states);
    g_assert_cmpuint(p.runs, <, q.runs);
    g_assert_true((p.hang_schedule == NULL) == (q.hang_schedule == NULL));
    if (p.hang_schedule) {
      g_assert_cmpuint(p.hang_schedule->len, ==, q.hang_schedule->len);
      char *a = explore_format_schedule(p.hang_schedule);
      char *b = explore_format_schedule(q.hang_schedule);
      g_assert_cmpstr(a, ==, b);
      g_free(a);
      g_free(b);
    }
    explore_result_clear(&p);
    explore_result_clear(&q);
  }
}

static void test_report_deterministic(void) {
  explore_options o = EXPLORE_OPTIONS_INIT;
  char *rep[2];
  for (int i = 0; i < 2; i++) {
    explore_result r = explore_world(3, CIC_LINK_BUGGY, true);
    rep[i] = explore_format_report(&r, &o);
    explore_result_clear(&r);
  }
  g_assert_cmpstr(rep[0], ==, rep[1]);
  g_assert_nonnull(strstr(rep[0], "shortest hang:"));
  g_free(rep[0]);
  g_free(rep[1]);
}

/* Spec 4.6 hang predicate, two sharers, buggy: a path hangs iff (i) both
 * first lookups precede the first link and (ii) the winner's request has
 * completed before the loser's `fail`.  Checked on every path. */
static int first_index(GPtrArray *log, const char *prefix_or_full, bool suffix) {
  for (guint i = 0; i < log->len; i++) {
    const char *s = g_ptr_array_index(log, i);
    if (suffix ? g_str_has_suffix(s, prefix_or_full) : strcmp(s, prefix_or_full) == 0)
      return (int)i;
  }
  return -1;
}

static void predicate_on_end(void *ctx, void *inst, sim_outcome o) {
  (void)inst;
  wspec *ws = ctx;
  GPtrArray *log = ws->log;
  int la = first_index(log, "A@lookup", false), lb = first_index(log, "B@lookup", false);
  int link = first_index(log, "@link", true);
  bool both_miss = la >= 0 && lb >= 0 && link >= 0 && la < link && lb < link;
  bool winner_done = false;
  int fail = first_index(log, "@fail", true);
  if (fail >= 0) {
    int done = first_index(log, "!", false);
    winner_done = done >= 0 && done < fail;
  }
  g_assert_true(o == SIM_COMPLETED || o == SIM_HANG);
  g_assert_cmpint(both_miss && winner_done, ==, o == SIM_HANG);
  ws->paths_checked++;
  ws->hangs_checked += o == SIM_HANG;
  g_ptr_array_set_size(log, 0);
}

static void test_hang_predicate_n2(void) {
  wspec ws = {.n = 2, .v = CIC_LINK_BUGGY};
  ws.log = g_ptr_array_new_with_free_func(g_free);
  explore_target t = target(&ws);
  t.on_end = predicate_on_end;
  explore_options o = EXPLORE_OPTIONS_INIT;
  o.prune = false; /* every path is run to its end */
  explore_result r;
  g_assert_true(explore_run(&t, &o, &r, NULL));
  g_assert_cmpuint(ws.paths_checked, ==, r.schedules);
  g_assert_cmpuint(ws.hangs_checked, ==, r.hung);
  g_assert_cmpuint(r.hung, >, 0);
  explore_result_clear(&r);
  g_ptr_array_free(ws.log, TRUE);
}

/* A preemption bound of 0 forbids switching away from a ready process:
 * the race needs a switch, so no hang is found, and the cut is reported. */
static void test_preemption_bound(void) {
  wspec ws = {.n = 2, .v = CIC_LINK_BUGGY};
  explore_target t = target(&ws);
  explore_options o = EXPLORE_OPTIONS_INIT;
  o.preemption_bound = 0;
  explore_result r;
  g_assert_true(explore_run(&t, &o, &r, NULL));
  g_assert_cmpuint(r.cut_preempt, >, 0);
  explore_result full = explore_world(2, CIC_LINK_BUGGY, true);
  g_assert_cmpuint(r.schedules, <, full.schedules);
  char *rep = explore_format_report(&r, &o);
  g_assert_nonnull(strstr(rep, "preemption bound 0"));
  g_free(rep);
  explore_result_clear(&r);
  explore_result_clear(&full);
}

/* --max-states stops expansion and says so. */
static void test_max_states_is_reported(void) {
  wspec ws = {.n = 3, .v = CIC_LINK_FIXED};
  explore_target t = target(&ws);
  explore_options o = EXPLORE_OPTIONS_INIT;
  o.max_states = 5;
  explore_result r;
  g_assert_true(explore_run(&t, &o, &r, NULL));
  g_assert_cmpuint(r.states, ==, 5);
  g_assert_cmpuint(r.cut_states, >, 0);
  char *rep = explore_format_report(&r, &o);
  g_assert_nonnull(strstr(rep, "lower bound"));
  g_free(rep);
  explore_result_clear(&r);
}

/* The command on a real workload (hdd + CFQ): buggy hangs (exit 1), the
 * output is identical from run to run, fixed alone exits 0, bad input 2. */
static int cfqsim(const char *args, char **out) {
  char *cmd = g_strdup_printf("%s explore %s/workloads/race-explore-2.yaml %s",
                              CFQSIM_BINARY, CFQSIM_SOURCE_DIR, args);
  int status = 0;
  GError *err = NULL;
  g_assert_true(g_spawn_command_line_sync(cmd, out, NULL, &status, &err));
  g_assert_no_error(err);
  g_free(cmd);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_command(void) {
  char *a, *b, *c, *d;
  g_assert_cmpint(cfqsim("--variant both", &a), ==, 1);
  g_assert_cmpint(cfqsim("", &b), ==, 1);
  g_assert_cmpstr(a, ==, b);
  g_assert_nonnull(strstr(a, "shortest hang (buggy):"));
  g_assert_nonnull(strstr(a, "shortest hang (fixed): none"));
  g_assert_cmpint(cfqsim("--variant fixed", &c), ==, 0);
  g_assert_nonnull(strstr(c, "shortest hang:   none"));
  g_assert_cmpint(cfqsim("--variant sideways", &d), ==, 2);
  g_free(a);
  g_free(b);
  g_free(c);
  g_free(d);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/explore/buggy-2-hangs-and-replays", test_buggy_2_hangs_and_replays);
  g_test_add_func("/explore/buggy-3-4-hang", test_buggy_more_sharers_hang);
  g_test_add_func("/explore/fixed-never-hangs", test_fixed_never_hangs);
  g_test_add_func("/explore/pruning-matches-plain", test_pruning_matches_plain);
  g_test_add_func("/explore/report-deterministic", test_report_deterministic);
  g_test_add_func("/explore/hang-predicate-n2", test_hang_predicate_n2);
  g_test_add_func("/explore/preemption-bound", test_preemption_bound);
  g_test_add_func("/explore/max-states", test_max_states_is_reported);
  g_test_add_func("/explore/command", test_command);
  return g_test_run();
}
