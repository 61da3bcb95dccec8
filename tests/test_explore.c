/* Exploration (docs/model.md, "Exploration") mostly on the fake-disk world: n
 * processes sharing one io_context, one 4 KiB sync read each, on a FIFO
 * elevator whose requests carry a cic.  The buggy kernel must have a hanging
 * schedule that replays; the fixed kernel must have none; pruning must not
 * change any count, there and on the program's own simulation of
 * workloads/race-explore-2.yaml (CFQ on the SSD model), which the `explore`
 * command is also run on. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/cmd_explore.h"
#include "sim/explore.h"
#include "sim/run.h"
#include "tests/fake_world.h"

typedef struct wspec {
  int n;
  cic_link_variant v;
  /* oracle state for the hang predicate (docs/model.md, "The link race"),
   * plain mode */
  const sim_policy_ops *inner;
  void *inner_ctx;
  GPtrArray *log; /* "A@step" of every step taken, "!" at each completion */
  uint64_t paths_checked, hangs_checked;
} wspec;

typedef struct winst {
  world w;
  wspec *spec;
} winst;

static const char *const names4[] = {"A", "B", "C", "D"};

/* Records every step chosen, then hands the choice to the explorer. */
static int choose_logged(void *ctx, sim_engine *e, const sim_choice *c,
                         GError **err) {
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

static void *w_build(void *ctx, const sim_policy_ops *policy, void *pctx,
                     GError **err) {
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
  int64_t v[] = {ioc->refcount,
                 ioc->nr_tasks,
                 ioc->nr_batch_requests,
                 ioc->last_waited,
                 ioc->radix->len,
                 ioc->radix->len ? g_ptr_array_index(ioc->radix, 0) != NULL
                                 : 0};
  fingerprint_bytes(fp, v, sizeof v);
  blk_fingerprint(w->q, fp);
  fifo_data *fd = w->q->elevator_data;
  for (GList *l = fd->fifo.head; l; l = l->next) {
    const struct request *rq = l->data;
    int64_t r[] = {rq->task->pid, rq->sector};
    fingerprint_bytes(fp, r, sizeof r);
  }
  fake_disk *d = w->disk;
  int64_t dv[] = {d->busy ? d->busy->sector : -1, d->pending.length,
                  d->busy_ns};
  fingerprint_bytes(fp, dv, sizeof dv);
}

static void w_destroy(void *inst) {
  winst *wi = inst;
  world_free(&wi->w);
  g_free(wi);
}

static explore_target target(wspec *ws) {
  return (explore_target){.build = w_build,
                          .engine = w_engine,
                          .fingerprint = w_fingerprint,
                          .destroy = w_destroy,
                          .ctx = ws,
                          .limit = -1};
}

/* on_end oracle: every path that completes has done every process's I/O. */
static void all_io_done(void *ctx, void *inst, sim_outcome o) {
  wspec *ws = ctx;
  if (o == SIM_COMPLETED)
    g_assert_cmpint(((winst *)inst)->w.completions, ==, ws->n);
  ws->paths_checked++;
}

static explore_result explore_world(int n, cic_link_variant v, bool prune) {
  wspec ws = {.n = n, .v = v};
  explore_target t = target(&ws);
  t.on_end = all_io_done;
  explore_options o = EXPLORE_OPTIONS_INIT;
  o.prune = prune;
  explore_result r;
  GError *err = NULL;
  g_assert_true(explore_run(&t, &o, &r, &err));
  g_assert_no_error(err);
  g_assert_cmpuint(r.cut_states, ==, 0);
  g_assert_false(r.saturated);
  g_assert_cmpuint(r.completed + r.hung + r.time_limited, ==, r.schedules);
  g_assert_cmpuint(ws.paths_checked, >, 0);
  if (!prune)
    g_assert_true(ws.paths_checked == r.schedules);
  if (g_test_verbose()) {
    char *rep = explore_format_report(&r, &o);
    g_test_message("N=%d %s %s:\n%s", n, cic_link_variant_name(v),
                   prune ? "pruned" : "plain", rep);
    g_free(rep);
  }
  return r;
}

/* Replays a printed schedule with the script policy; a schedule that does
 * not fit the run (a named step that never comes) is SIM_ERROR with *err. */
static sim_outcome replay_err(const GPtrArray *sched, int n, cic_link_variant v,
                              world *w, GError **err) {
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
  interleave *il = interleave_new_script((sched_entry *)entries->data,
                                         entries->len, "explored");
  interleave_attach(il, w->e);
  sim_outcome o = sim_engine_run(w->e, -1, err);
  if (o != SIM_ERROR)
    g_assert_cmpuint(interleave_script_position(il), ==, sched->len);
  interleave_free(il);
  for (guint i = 0; i < sched->len * 2; i++)
    g_free(parts[i]);
  g_free(parts);
  g_array_free(entries, TRUE);
  return o;
}

static sim_outcome replay(const GPtrArray *sched, int n, cic_link_variant v,
                          world *w) {
  GError *err = NULL;
  sim_outcome o = replay_err(sched, n, v, w, &err);
  g_assert_no_error(err);
  return o;
}

/* The buggy kernel has hanging interleavings of two sharers; the shortest
 * one, as printed, replays to the same hang under `script`. */
static void test_buggy_2_hangs_and_replays(void) {
  explore_result r = explore_world(2, CIC_LINK_BUGGY, true);
  g_assert_cmpuint(r.hung, >, 0);
  g_assert_cmpuint(r.completed, >, 0);
  g_assert_nonnull(r.hang_schedule);
  world w;
  g_assert_cmpint(replay(r.hang_schedule, 2, CIC_LINK_BUGGY, &w), ==, SIM_HANG);
  /* The same hang: one loser asleep on rl->wait[SYNC] after a failed link. */
  g_assert_cmpint(w.q->stats.cic.link_failed, ==, 1);
  g_assert_cmpint(w.completions, ==, 1);
  int asleep = 0;
  for (int i = 0; i < 2; i++)
    asleep +=
        g_strcmp0(sim_actor_waitq(w.tasks[i].actor), "rl->wait[SYNC]") == 0;
  g_assert_cmpint(asleep, ==, 1);
  world_free(&w);
  /* Under the fixed kernel the same schedule is not even a hang: the loser
   * looks up again instead of failing, so the script's `B@fail` (or
   * whichever loser) never comes. */
  GError *err = NULL;
  sim_outcome fixed = replay_err(r.hang_schedule, 2, CIC_LINK_FIXED, &w, &err);
  g_assert_cmpint(fixed, ==, SIM_ERROR);
  g_assert_error(err, SIM_ERROR_DOMAIN, SIM_ERROR_SCHEDULE);
  g_assert_nonnull(strstr(err->message, "@fail but "));
  g_assert_cmpint(w.q->stats.cic.link_failed, ==, 0);
  g_error_free(err);
  world_free(&w);
  explore_result_clear(&r);
}

/* In the fixed variant no interleaving hangs, for 2, 3, 4 sharers, and every
 * path ends with all I/O done. */
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
    g_assert_cmpint(replay(r.hang_schedule, n, CIC_LINK_BUGGY, &w), ==,
                    SIM_HANG);
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

/* The same through the program's own simulation: explore prunes with
 * sim_run_fingerprint, which must cover every part of the run that can
 * change its future (CFQ, the block layer, the disk, the processes and
 * io_contexts), not just the engine.  A state merged with one whose future
 * differs changes the counts, so the pruned exploration of the race
 * workload must count exactly the paths the plain one walks. */
typedef struct real_target {
  const workload *w;
  int variant;
} real_target;

static void *real_build(void *ctx, const sim_policy_ops *policy, void *pctx,
                        GError **err) {
  real_target *t = ctx;
  run_options o = RUN_OPTIONS_INIT;
  o.variant = t->variant;
  o.policy = policy;
  o.policy_ctx = pctx;
  return sim_run_new(t->w, &o, err);
}
static sim_engine *real_engine(void *inst) { return sim_run_engine(inst); }
static void real_fingerprint(void *inst, fingerprint *sum) {
  sim_run_fingerprint(inst, sum);
}
static void real_destroy(void *inst) { sim_run_free(inst); }

static explore_result explore_real(const workload *w, cic_link_variant v,
                                   bool prune) {
  real_target rt = {.w = w, .variant = v};
  explore_target t = {.build = real_build,
                      .engine = real_engine,
                      .fingerprint = real_fingerprint,
                      .destroy = real_destroy,
                      .ctx = &rt,
                      .limit = w->duration > 0 ? w->duration : -1};
  explore_options o = EXPLORE_OPTIONS_INIT;
  o.prune = prune;
  explore_result r;
  GError *err = NULL;
  g_assert_true(explore_run(&t, &o, &r, &err));
  g_assert_no_error(err);
  g_assert_cmpuint(r.cut_states, ==, 0);
  g_assert_false(r.saturated);
  return r;
}

static void test_real_run_pruning_matches_plain(void) {
  GError *err = NULL;
  workload *w = workload_load(
      CFQSIM_SOURCE_DIR "/workloads/race-explore-2.yaml", NULL, &err);
  g_assert_no_error(err);
  for (int v = CIC_LINK_BUGGY; v <= CIC_LINK_FIXED; v++) {
    explore_result p = explore_real(w, v, true);
    explore_result q = explore_real(w, v, false);
    char a[40], b[40];
    g_test_message("%s: pruned %s schedules in %" G_GUINT64_FORMAT
                   " states, plain %s in %" G_GUINT64_FORMAT " runs",
                   cic_link_variant_name(v), explore_count_str(p.schedules, a),
                   p.states, explore_count_str(q.schedules, b), q.runs);
    g_assert_true(p.schedules == q.schedules);
    g_assert_true(p.completed == q.completed);
    g_assert_true(p.hung == q.hung);
    g_assert_true(p.time_limited == q.time_limited);
    g_assert_true((p.hung > 0) == (v == CIC_LINK_BUGGY));
    g_assert_cmpuint(p.runs, <, q.runs);
    g_assert_true((p.hang_schedule == NULL) == (q.hang_schedule == NULL));
    if (p.hang_schedule) {
      char *x = explore_format_schedule(p.hang_schedule);
      char *y = explore_format_schedule(q.hang_schedule);
      g_assert_cmpstr(x, ==, y);
      g_free(x);
      g_free(y);
    }
    explore_result_clear(&p);
    explore_result_clear(&q);
  }
  workload_free(w);
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

/* The hang predicate (docs/model.md, "The link race"), two sharers, buggy: a
 * path hangs iff (i) both first lookups precede the first link and (ii) the
 * winner's request has completed before the loser's `fail`.  Checked on every
 * path. */
static int first_index(GPtrArray *log, const char *prefix_or_full,
                       bool suffix) {
  for (guint i = 0; i < log->len; i++) {
    const char *s = g_ptr_array_index(log, i);
    if (suffix ? g_str_has_suffix(s, prefix_or_full)
               : strcmp(s, prefix_or_full) == 0)
      return (int)i;
  }
  return -1;
}

static void predicate_on_end(void *ctx, void *inst, sim_outcome o) {
  (void)inst;
  wspec *ws = ctx;
  GPtrArray *log = ws->log;
  int la = first_index(log, "A@lookup", false),
      lb = first_index(log, "B@lookup", false);
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
  g_assert_cmpuint(r.hung, ==, 0);
  g_assert_null(r.hang_schedule);
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

/* The command on a real workload (CFQ on the SSD model): buggy hangs
 * (exit 1), `--variant both` is the default and prints the same bytes as a
 * second run without it, fixed alone exits 0, bad input 2. */
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

/* Ready sets are 64-bit masks: more processes are bad input (exit 2 and
 * a message), not an abort. */
static void test_too_many_processes(void) {
  char *out = NULL, *err = NULL;
  char *cmd = g_strdup_printf("%s explore %s/workloads/race-explore-2.yaml "
                              "--set processes.A.numjobs=64",
                              CFQSIM_BINARY, CFQSIM_SOURCE_DIR);
  int status = 0;
  g_assert_true(g_spawn_command_line_sync(cmd, &out, &err, &status, NULL));
  g_assert_true(WIFEXITED(status));
  g_assert_cmpint(WEXITSTATUS(status), ==, 2);
  g_assert_nonnull(strstr(err, "at most 64 processes, this workload has 65"));
  g_free(cmd);
  g_free(out);
  g_free(err);
}

/* ---- progress for people waiting (long searches were silent) ---- */

typedef struct seen {
  GArray *runs, *states, *depth, *now;
} seen;

static void record_progress(void *ctx, const explore_progress *p) {
  seen *s = ctx;
  uint64_t runs = p->so_far->runs, states = p->so_far->states;
  gint64 now = p->now;
  g_array_append_val(s->runs, runs);
  g_array_append_val(s->states, states);
  g_array_append_val(s->depth, p->depth);
  g_array_append_val(s->now, now);
}

/* Progress comes before the first state is found and inside single runs
 * (a long run shows its simulated time moving), and changes no count. */
static void test_progress(void) {
  wspec ws = {.n = 2, .v = CIC_LINK_BUGGY};
  explore_target t = target(&ws);
  explore_options o = EXPLORE_OPTIONS_INIT;
  seen s = {g_array_new(FALSE, FALSE, sizeof(uint64_t)),
            g_array_new(FALSE, FALSE, sizeof(uint64_t)),
            g_array_new(FALSE, FALSE, sizeof(guint)),
            g_array_new(FALSE, FALSE, sizeof(gint64))};
  o.progress = record_progress;
  o.progress_ctx = &s;
  o.progress_steps = 1;
  explore_result r;
  g_assert_true(explore_run(&t, &o, &r, NULL));
  explore_result plain = explore_world(2, CIC_LINK_BUGGY, true);
  g_assert_true(r.schedules == plain.schedules && r.hung == plain.hung);
  g_assert_cmpuint(r.states, ==, plain.states);

  g_assert_cmpuint(s.runs->len, >, r.runs);
  g_assert_cmpuint(g_array_index(s.runs, uint64_t, 0), ==, 0);
  g_assert_cmpuint(g_array_index(s.states, uint64_t, 0), ==, 0);
  /* Within one run (same run count) simulated time moves forward, and
   * some run is reported more than once before it ends. */
  guint within = 0;
  gboolean later_in_run = FALSE;
  for (guint i = 1; i < s.runs->len; i++) {
    if (g_array_index(s.runs, uint64_t, i) !=
        g_array_index(s.runs, uint64_t, i - 1))
      continue;
    within++;
    g_assert_cmpint(g_array_index(s.now, gint64, i), >=,
                    g_array_index(s.now, gint64, i - 1));
    later_in_run |=
        g_array_index(s.now, gint64, i) > g_array_index(s.now, gint64, i - 1);
  }
  g_assert_cmpuint(within, >, r.runs);
  g_assert_true(later_in_run);
  guint deepest = 0;
  for (guint i = 0; i < s.depth->len; i++)
    deepest = MAX(deepest, g_array_index(s.depth, guint, i));
  g_assert_cmpuint(deepest, >, 1);
  g_assert_cmpuint(g_array_index(s.states, uint64_t, s.states->len - 1), ==,
                   r.states);
  explore_result_clear(&r);
  explore_result_clear(&plain);
  g_array_free(s.runs, TRUE);
  g_array_free(s.states, TRUE);
  g_array_free(s.depth, TRUE);
  g_array_free(s.now, TRUE);
}

/* On a terminal the command shows a progress line from the start (even
 * for a search that ends after a few hundred runs), on stderr only. */
static void test_progress_on_terminal(void) {
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  g_assert_cmpint(master, >=, 0);
  g_assert_cmpint(grantpt(master), ==, 0);
  g_assert_cmpint(unlockpt(master), ==, 0);
  int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
  g_assert_cmpint(slave, >=, 0);
  char out_tmpl[] = "/tmp/cfqsim-explore-out-XXXXXX";
  int out_fd = g_mkstemp(out_tmpl);
  g_assert_cmpint(out_fd, >=, 0);
  char *argv[] = {CFQSIM_BINARY,
                  "explore",
                  CFQSIM_SOURCE_DIR "/workloads/race-explore-2.yaml",
                  "--variant",
                  "fixed",
                  NULL};
  GPid pid;
  GError *err = NULL;
  g_assert_true(g_spawn_async_with_fds(NULL, argv, NULL,
                                       G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                       &pid, -1, out_fd, slave, &err));
  g_assert_no_error(err);
  close(slave);
  close(out_fd);
  GString *tty = g_string_new(NULL);
  char buf[4096];
  ssize_t n;
  while ((n = read(master, buf, sizeof buf)) >
         0) /* EIO once the child is gone */
    g_string_append_len(tty, buf, n);
  close(master);
  int status;
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  g_spawn_close_pid(pid);
  g_assert_true(WIFEXITED(status));
  g_assert_cmpint(WEXITSTATUS(status), ==, 0);
  g_assert_nonnull(strstr(
      tty->str, "\r\033[K  fixed: 0 states, 0 runs, depth 0 at 0.000 s ..."));
  g_assert_true(
      g_str_has_suffix(tty->str, "\r\033[K")); /* cleared at the end */
  char *stdout_text = NULL;
  g_assert_true(g_file_get_contents(out_tmpl, &stdout_text, NULL, NULL));
  g_assert_null(strchr(stdout_text, '\033'));
  g_assert_nonnull(strstr(stdout_text, "result: fixed never hangs"));
  g_unlink(out_tmpl);
  g_free(stdout_text);
  g_string_free(tty, TRUE);
}

static const char *last_line(char *out) {
  g_strchomp(out);
  const char *nl = strrchr(out, '\n');
  return nl ? nl + 1 : out;
}

/* A search cut by --max-states or the preemption bound proves nothing.  With
 * no hang found: exit 3, the last line says inconclusive and names the cut,
 * `shortest hang` says none *found*.  A hang found before the cut is still a
 * hang: exit 1, and its length is only the shortest of those explored. */
static void test_command_cut(void) {
  char *out;
  g_assert_cmpint(cfqsim("--variant fixed --max-states 3", &out), ==, 3);
  g_assert_nonnull(
      strstr(out, "shortest hang:   none found (the search was cut)"));
  g_assert_cmpstr(
      last_line(out), ==,
      "result: fixed inconclusive (no hang found before --max-states 3 "
      "cut the search)");
  g_free(out);
  g_assert_cmpint(cfqsim("--variant fixed --preemption-bound 0", &out), ==, 3);
  g_assert_cmpstr(last_line(out), ==,
                  "result: fixed inconclusive (no hang found before "
                  "--preemption-bound 0 cut the search)");
  g_free(out);
  g_assert_cmpint(cfqsim("--max-states 3", &out), ==, 3);
  g_assert_nonnull(
      strstr(out, "shortest hang (fixed): none found (the search was cut)"));
  g_assert_nonnull(strstr(last_line(out), "result: buggy inconclusive"));
  g_free(out);

  /* The whole buggy graph, then all of it but one state. */
  g_assert_cmpint(cfqsim("--variant buggy", &out), ==, 1);
  const char *st = strstr(out, "distinct states:");
  g_assert_nonnull(st);
  guint64 states = g_ascii_strtoull(st + strlen("distinct states:"), NULL, 10);
  g_assert_cmpuint(states, >, 1);
  g_assert_cmpstr(last_line(out), ==, "result: buggy hangs");
  g_free(out);
  char *arg = g_strdup_printf("--variant buggy --max-states %" G_GUINT64_FORMAT,
                              states - 1);
  g_assert_cmpint(cfqsim(arg, &out), ==, 1);
  g_assert_nonnull(strstr(out, "cut:"));
  g_assert_nonnull(
      strstr(out, "steps (of those explored; the search was cut)"));
  g_assert_cmpstr(last_line(out), ==, "result: buggy hangs");
  g_free(out);
  g_free(arg);

  /* Complete: the verdict stands. */
  g_assert_cmpint(cfqsim("--variant fixed", &out), ==, 0);
  g_assert_null(strstr(out, "cut"));
  g_assert_cmpstr(last_line(out), ==, "result: fixed never hangs");
  g_free(out);
  g_assert_cmpint(cfqsim("--help", &out), ==, 0);
  g_assert_nonnull(strstr(out, "3 inconclusive"));
  g_free(out);
}

/* ---- symmetry reduction (docs/model.md, "Symmetry reduction") ---- */

static workload *race(int n, const char *model, bool same_offset) {
  char *path =
      g_strdup_printf(CFQSIM_SOURCE_DIR "/workloads/race-explore-%d.yaml", n);
  char *sets[8] = {NULL};
  int k = 0;
  sets[k++] = g_strdup_printf("devices.sda.model=%s", model);
  for (int i = 1; same_offset && i < n; i++)
    sets[k++] = g_strdup_printf("processes.%s.offset=1m", names4[i]);
  GError *err = NULL;
  workload *w = workload_load(path, sets, &err);
  g_assert_no_error(err);
  for (int i = 0; i < k; i++)
    g_free(sets[i]);
  g_free(path);
  return w;
}

static explore_result explore_jobs(const workload *w, int variant, bool sym,
                                   guint jobs, cmd_explore_ctx *ctx) {
  *ctx = (cmd_explore_ctx){.w = w, .variant = variant};
  explore_target t;
  GError *err = NULL;
  g_assert_true(cmd_explore_target(ctx, &t, &err));
  g_assert_no_error(err);
  explore_options o = EXPLORE_OPTIONS_INIT;
  o.symmetry = sym;
  o.jobs = jobs;
  explore_result r;
  g_assert_true(explore_run(&t, &o, &r, &err));
  g_assert_no_error(err);
  g_assert_true(explore_complete(&r));
  return r;
}

static explore_result explore_sym(const workload *w, int variant, bool sym,
                                  cmd_explore_ctx *ctx) {
  return explore_jobs(w, variant, sym, 1, ctx);
}

static guint n_classes(const explore_symmetry *sym) {
  guint n = 0;
  for (guint i = 0; i < sym->n; i++)
    n += sym->cls[i] == (int)i;
  return n;
}

/* The distinct states of two, three and four sharers on the SSD, both
 * kernels, as counted before symmetry reduction, the 128-bit memo and the
 * faster models existed (cfqsim explore of the shipped workloads, first
 * published with the unreduced search): none of those may change what the
 * search finds. */
static void test_counts_unchanged(void) {
  static const struct {
    int n;
    uint64_t buggy, fixed;
  } known[] = {{2, 107, 83}, {3, 4277, 2249}, {4, 125287, 48835}};
  for (guint i = 0; i < G_N_ELEMENTS(known); i++) {
    workload *w = race(known[i].n, "ssd", false);
    for (int v = CIC_LINK_BUGGY; v <= CIC_LINK_FIXED; v++) {
      cmd_explore_ctx ctx;
      explore_result r = explore_sym(w, v, true, &ctx);
      g_assert_cmpuint(r.states, ==,
                       v == CIC_LINK_BUGGY ? known[i].buggy : known[i].fixed);
      g_assert_true(v == CIC_LINK_FIXED || r.hang_schedule);
      explore_result_clear(&r);
    }
    workload_free(w);
  }
}

/* Every count of the reduced search is the unreduced one's, the number of
 * distinct states included (orbits weighed by their size), and the hang has
 * the same length: two and three sharers, both kernels, on the SSD (regions
 * moved with the processes) and on the hdd with one offset for all (a plain
 * renaming).  The reduction really merged states in each case.  On the hdd
 * with different offsets nothing is interchangeable. */
static void test_symmetry_exact(void) {
  const struct {
    const char *model;
    bool same;
  } cases[] = {{"ssd", false}, {"hdd", true}};
  for (int n = 2; n <= 3; n++)
    for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
      workload *w = race(n, cases[c].model, cases[c].same);
      for (int v = CIC_LINK_BUGGY; v <= CIC_LINK_FIXED; v++) {
        cmd_explore_ctx ca, cb;
        explore_result p = explore_sym(w, v, true, &ca);
        explore_result q = explore_sym(w, v, false, &cb);
        char a[40], b[40];
        g_test_message("N=%d %s%s %s: %s schedules, %" G_GUINT64_FORMAT
                       " states in %" G_GUINT64_FORMAT
                       " expanded (%s, %" G_GUINT64_FORMAT ")",
                       n, cases[c].model, cases[c].same ? " (one offset)" : "",
                       cic_link_variant_name(v),
                       explore_count_str(p.schedules, a), p.states, p.canonical,
                       explore_count_str(q.schedules, b), q.states);
        g_assert_cmpuint(n_classes(&ca.sym), ==, 1);
        g_assert_false(p.symmetry_dropped);
        g_assert_true(p.schedules == q.schedules);
        g_assert_true(p.completed == q.completed);
        g_assert_true(p.hung == q.hung);
        g_assert_true(p.time_limited == q.time_limited);
        g_assert_cmpuint(p.states, ==, q.states);
        g_assert_cmpuint(q.canonical, ==, q.states);
        g_assert_cmpuint(p.canonical, <, p.states);
        g_assert_true((p.hang_schedule == NULL) == (v == CIC_LINK_FIXED));
        g_assert_true((q.hang_schedule == NULL) == (v == CIC_LINK_FIXED));
        if (p.hang_schedule)
          g_assert_cmpuint(p.hang_schedule->len, ==, q.hang_schedule->len);
        explore_result_clear(&p);
        explore_result_clear(&q);
      }
      workload_free(w);
    }
  workload *w = race(2, "hdd", false);
  cmd_explore_ctx ctx = {.w = w, .variant = CIC_LINK_BUGGY};
  explore_target t;
  g_assert_true(cmd_explore_target(&ctx, &t, NULL));
  g_assert_cmpuint(n_classes(&ctx.sym), ==, 0);
  workload_free(w);
}

/* The reduced search's hang, renamed back from its orbit's representative,
 * is a real schedule: pasted into the workload it hangs `cfqsim run`. */
static void test_symmetry_hang_replays(void) {
  const struct {
    int n;
    const char *model;
    bool same;
  } cases[] = {{3, "ssd", false}, {3, "hdd", true}};
  for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
    workload *w = race(cases[c].n, cases[c].model, cases[c].same);
    cmd_explore_ctx ctx;
    explore_result r = explore_sym(w, CIC_LINK_BUGGY, true, &ctx);
    g_assert_cmpuint(r.canonical, <, r.states);
    g_assert_nonnull(r.hang_schedule);
    char *sched = explore_format_schedule(r.hang_schedule);
    char *src = NULL;
    char *path = g_strdup_printf(
        CFQSIM_SOURCE_DIR "/workloads/race-explore-%d.yaml", cases[c].n);
    g_assert_true(g_file_get_contents(path, &src, NULL, NULL));
    char *dir = g_dir_make_tmp("cfqsim-symmetry-XXXXXX", NULL);
    g_assert_nonnull(dir);
    char *yaml = g_build_filename(dir, "replay.yaml", NULL);
    char *text =
        g_strdup_printf("%s\ninterleaving:\n  schedule: %s\n", src, sched);
    g_assert_true(g_file_set_contents(yaml, text, -1, NULL));
    char *out = g_build_filename(dir, "out", NULL);
    GString *cmd = g_string_new(NULL);
    g_string_printf(cmd, "%s run %s -o %s --set devices.sda.model=%s",
                    CFQSIM_BINARY, yaml, out, cases[c].model);
    for (int i = 1; cases[c].same && i < cases[c].n; i++)
      g_string_append_printf(cmd, " --set processes.%s.offset=1m", names4[i]);
    char *stdout_text = NULL;
    int status = 0;
    g_assert_true(
        g_spawn_command_line_sync(cmd->str, &stdout_text, NULL, &status, NULL));
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(stdout_text, "hang after"));
    char *rm = g_strdup_printf("rm -rf %s", dir);
    g_assert_true(g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL));
    g_free(rm);
    g_free(stdout_text);
    g_string_free(cmd, TRUE);
    g_free(out);
    g_free(text);
    g_free(yaml);
    g_free(dir);
    g_free(path);
    g_free(src);
    g_free(sched);
    explore_result_clear(&r);
    workload_free(w);
  }
}

/* Two reads in flight per process, unmerged: CFQ sorts one request among
 * others, so
 * the regions, moved with the processes, could be told apart.  The search
 * notices, starts again without the reduction, and counts as the full
 * search does. */
static void test_symmetry_dropped(void) {
  char *sets[11] = {NULL};
  int k = 0;
  for (int i = 0; i < 2; i++) {
    sets[k++] = g_strdup_printf("processes.%s.count=2", names4[i]);
    sets[k++] = g_strdup_printf("processes.%s.size=8k", names4[i]);
    sets[k++] = g_strdup_printf("processes.%s.iodepth=2", names4[i]);
  }
  sets[k++] = g_strdup("devices.sda.nomerges=2"); /* two requests each */
  sets[k++] = g_strdup("devices.sda.depth=1");    /* queued in CFQ */
  GError *err = NULL;
  workload *w = workload_load(
      CFQSIM_SOURCE_DIR "/workloads/race-explore-2.yaml", sets, &err);
  g_assert_no_error(err);
  cmd_explore_ctx ca, cb;
  explore_result p = explore_sym(w, CIC_LINK_BUGGY, true, &ca);
  explore_result q = explore_sym(w, CIC_LINK_BUGGY, false, &cb);
  g_assert_cmpuint(n_classes(&ca.sym), ==, 1);
  g_assert_true(p.symmetry_dropped);
  g_assert_true(p.schedules == q.schedules && p.hung == q.hung);
  g_assert_cmpuint(p.states, ==, q.states);
  g_assert_cmpuint(p.canonical, ==, q.canonical);
  explore_result_clear(&p);
  explore_result_clear(&q);
  workload_free(w);
  for (int i = 0; i < k; i++)
    g_free(sets[i]);
}

/* Workers that search one memo at once find what one finds alone: every
 * count, the states stored and the shortest hang, printed the same; on the
 * SSD with the reduction, on the hdd without (regions it tells apart),
 * both kernels, two workers and three (two of them in the same order).  A
 * search cut by a cap on states keeps one worker. */
static void test_workers_same_results(void) {
  const struct {
    int n;
    const char *model;
    guint jobs;
  } cases[] = {{3, "ssd", 3}, {3, "hdd", 2}};
  for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
    workload *w = race(cases[c].n, cases[c].model, false);
    for (int v = CIC_LINK_BUGGY; v <= CIC_LINK_FIXED; v++) {
      cmd_explore_ctx c1;
      explore_result one = explore_jobs(w, v, true, 1, &c1);
      g_assert_cmpuint(one.workers, ==, 1);
      char *rep1 = explore_format_report(&one, &(explore_options){.prune = 1});
      for (guint jobs = 2; jobs <= cases[c].jobs; jobs++) {
        cmd_explore_ctx cn;
        explore_result many = explore_jobs(w, v, true, jobs, &cn);
        g_assert_cmpuint(many.workers, ==, jobs);
        char *rep =
            explore_format_report(&many, &(explore_options){.prune = 1});
        g_assert_cmpstr(rep, ==, rep1);
        g_assert_true(many.schedules == one.schedules);
        g_assert_cmpuint(many.states, ==, one.states);
        g_assert_cmpuint(many.canonical, ==, one.canonical);
        g_assert_cmpuint(many.memo_bytes, ==, one.memo_bytes);
        g_free(rep);
        explore_result_clear(&many);
      }
      g_free(rep1);
      explore_result_clear(&one);
    }
    workload_free(w);
  }
  workload *w = race(2, "ssd", false);
  cmd_explore_ctx ctx = {.w = w, .variant = CIC_LINK_BUGGY};
  explore_target t;
  g_assert_true(cmd_explore_target(&ctx, &t, NULL));
  explore_options o = EXPLORE_OPTIONS_INIT;
  o.jobs = 2;
  o.max_states = 10;
  explore_result r;
  g_assert_true(explore_run(&t, &o, &r, NULL));
  g_assert_cmpuint(r.workers, ==, 1);
  explore_result_clear(&r);
  workload_free(w);
}

/* A stored state costs at most 44 bytes (a 32-byte node and its slot in
 * the table at most 4/5 full, the few wide ones near the root included),
 * with and without the reduction: four sharers on the hdd store 2.2
 * million states, which must fit in 100 MB. */
static void test_stored_state_size(void) {
  workload *w = race(3, "ssd", false);
  for (int sym = 0; sym <= 1; sym++) {
    cmd_explore_ctx ctx;
    explore_result r = explore_sym(w, CIC_LINK_BUGGY, sym, &ctx);
    g_test_message("%" G_GUINT64_FORMAT " bytes for %" G_GUINT64_FORMAT
                   " stored states",
                   r.memo_bytes, r.canonical);
    g_assert_cmpuint(r.canonical, >, 500);
    g_assert_cmpuint(r.memo_bytes, <=, 44 * r.canonical);
    explore_result_clear(&r);
  }
  workload_free(w);
}

/* The state key is MurmurHash3's x64 128-bit function (seed 0): its
 * published values, h1 then h2. */
static void test_hash_vectors(void) {
  const struct {
    const char *text;
    uint64_t h1, h2;
  } v[] = {
      {"", 0, 0},
      {"hello", UINT64_C(0xcbd8a7b341bd9b02), UINT64_C(0x5b1e906a48ae1d19)},
      {"The quick brown fox jumps over the lazy dog",
       UINT64_C(0xe34bbc7bbc071b6c), UINT64_C(0x7a433ca9c49a9347)}};
  for (guint i = 0; i < G_N_ELEMENTS(v); i++) {
    fingerprint *fp = fingerprint_new();
    fingerprint_bytes(fp, v[i].text, strlen(v[i].text));
    fingerprint_hash h = fingerprint_hash128(fp);
    g_assert_cmphex(h.lo, ==, v[i].h1);
    g_assert_cmphex(h.hi, ==, v[i].h2);
    fingerprint_free(fp);
  }
}

/* ---- a reset run is a fresh one ---- */

/* A seeded random interleaving that stops the run after `stop_after`
 * choices (0: never), and the state's key after every step and event. */
typedef struct trail {
  GRand *rand;
  guint choices, stop_after;
  sim_run *run;
  fingerprint *fp;
  GArray *keys; /* fingerprint_hash */
} trail;

static int choose_random(void *ctx, sim_engine *e, const sim_choice *c,
                         GError **err) {
  (void)err;
  trail *t = ctx;
  if (t->stop_after && ++t->choices >= t->stop_after)
    sim_engine_stop(e);
  guint n = c->n_ready + (c->event_pending ? 1 : 0);
  guint k = (guint)g_rand_int_range(t->rand, 0, (gint32)n);
  return k < c->n_ready ? (int)k : SIM_DELIVER;
}
static const sim_policy_ops random_ops = {choose_random};

static void key_step(void *ctx, sim_engine *e) {
  (void)e;
  trail *t = ctx;
  fingerprint_reset(t->fp);
  sim_run_fingerprint(t->run, t->fp);
  fingerprint_hash h = fingerprint_hash128(t->fp);
  g_array_append_val(t->keys, h);
}

/* Runs `r` (with policy context t) to its end or stop; the outcome. */
static sim_outcome trail_run(trail *t, sim_run *r, guint32 seed,
                             sim_time limit) {
  g_rand_set_seed(t->rand, seed);
  t->choices = 0;
  t->run = r;
  g_array_set_size(t->keys, 0);
  sim_engine_set_step_hook(sim_run_engine(r), key_step, t);
  GError *err = NULL;
  sim_outcome o = sim_engine_run(sim_run_engine(r), limit, &err);
  g_assert_no_error(err);
  return o;
}

/* sim_run_reset gives back the run sim_run_new makes: run again under the
 * same random interleaving, a reset run and a fresh one go through the
 * same states (everything the explorer fingerprints, after every step and
 * event) to the same end, however far the reset run had gone (to its end,
 * or stopped anywhere on the way, with I/Os in flight).  Four sharers on
 * the hdd and the SSD, CFQ groups, priorities, random reads and queued
 * async writes, deadline and noop, start delays, wait_for and think
 * time. */
static void test_reset_is_fresh(void) {
  const struct {
    const char *file;
    const char *set[6]; /* overrides, NULL-terminated */
  } cases[] = {
      {"race-explore-4", {"devices.sda.model=hdd"}},
      {"race-explore-4", {"devices.sda.model=ssd"}},
      {"cgroup-weights", {"duration=10ms"}},
      {"ioprio", {"duration=10ms"}},
      {"5r5w-rand", {"duration=10ms"}},
      {"5r5w-rand", {"duration=10ms", "devices.sda.model=ssd"}},
      {"5r5w-rand", {"duration=10ms", "devices.sda.scheduler.name=deadline"}},
      {"race-explore-4",
       {"devices.sda.model=hdd", "devices.sda.scheduler.name=noop"}},
      /* a start delay (a timer armed as the run is made), a process
       * started by another's exit, think time */
      {"race-explore-3",
       {"processes.B.start=2ms", "processes.C.wait_for=[A]",
        "processes.A.count=3", "processes.A.size=1m", "processes.A.think=1ms",
        "devices.sda.model=hdd"}}};
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *path =
        g_strdup_printf(CFQSIM_SOURCE_DIR "/workloads/%s.yaml", cases[i].file);
    char *sets[G_N_ELEMENTS(cases[i].set) + 1] = {NULL};
    for (guint k = 0; k < G_N_ELEMENTS(cases[i].set); k++)
      sets[k] = (char *)cases[i].set[k];
    GError *err = NULL;
    workload *w = workload_load(path, sets, &err);
    g_assert_no_error(err);
    sim_time limit = sim_run_limit(w);
    trail a = {.rand = g_rand_new(),
               .fp = fingerprint_new(),
               .keys = g_array_new(FALSE, FALSE, sizeof(fingerprint_hash))};
    trail b = {.rand = g_rand_new(),
               .fp = fingerprint_new(),
               .keys = g_array_new(FALSE, FALSE, sizeof(fingerprint_hash))};
    run_options o = RUN_OPTIONS_INIT;
    o.policy = &random_ops;
    o.policy_ctx = &a;
    o.no_metrics = i % 2; /* as the explorer's, and measured */
    sim_run *reused = sim_run_new(w, &o, &err);
    g_assert_no_error(err);
    /* the first run goes to its end, then each stops somewhere */
    trail_run(&a, reused, 1, limit);
    guint steps = a.keys->len;
    g_assert_cmpuint(steps, >, 10);
    for (guint32 seed = 2; seed < 14; seed++) {
      a.stop_after = seed % 4 == 0 ? 0 : 1 + (seed * 7919) % steps;
      g_assert_true(sim_run_reset(reused, &random_ops, &a, &err));
      g_assert_no_error(err);
      sim_outcome ra = trail_run(&a, reused, seed, limit);
      b.stop_after = a.stop_after;
      o.policy_ctx = &b;
      sim_run *fresh = sim_run_new(w, &o, &err);
      g_assert_no_error(err);
      sim_outcome rb = trail_run(&b, fresh, seed, limit);
      g_assert_cmpint(ra, ==, rb);
      g_assert_cmpuint(a.keys->len, ==, b.keys->len);
      g_assert_true(memcmp(a.keys->data, b.keys->data,
                           a.keys->len * sizeof(fingerprint_hash)) == 0);
      g_assert_cmpint(sim_now(sim_run_engine(reused)), ==,
                      sim_now(sim_run_engine(fresh)));
      g_assert_cmpuint(sim_events(sim_run_engine(reused)), ==,
                       sim_events(sim_run_engine(fresh)));
      sim_run_free(fresh);
    }
    sim_run_free(reused);
    for (trail *t = &a; t; t = t == &a ? &b : NULL) {
      g_rand_free(t->rand);
      fingerprint_free(t->fp);
      g_array_free(t->keys, TRUE);
    }
    workload_free(w);
  }
}

/* A run that wrote (or may write) somewhere, or went through sim_run_go,
 * is not reset. */
static void test_reset_refused(void) {
  workload *w = race(2, "ssd", false);
  GError *err = NULL;
  run_options o = RUN_OPTIONS_INIT;
  sim_run *r = sim_run_new(w, &o, &err); /* the workload's interleaving */
  g_assert_no_error(err);
  g_assert_false(sim_run_reset(r, &random_ops, NULL, &err));
  g_assert_no_error(err);
  sim_run_free(r);
  trail t = {.rand = g_rand_new()};
  o.policy = &random_ops;
  o.policy_ctx = &t;
  r = sim_run_new(w, &o, &err);
  g_assert_no_error(err);
  sim_run_go(r, &err);
  g_assert_no_error(err);
  g_assert_false(sim_run_reset(r, &random_ops, &t, &err));
  g_assert_no_error(err);
  sim_run_free(r);
  g_rand_free(t.rand);
  workload_free(w);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/explore/buggy-2-hangs-and-replays",
                  test_buggy_2_hangs_and_replays);
  g_test_add_func("/explore/buggy-3-4-hang", test_buggy_more_sharers_hang);
  g_test_add_func("/explore/fixed-never-hangs", test_fixed_never_hangs);
  g_test_add_func("/explore/pruning-matches-plain", test_pruning_matches_plain);
  g_test_add_func("/explore/real-run-pruning-matches-plain",
                  test_real_run_pruning_matches_plain);
  g_test_add_func("/explore/report-deterministic", test_report_deterministic);
  g_test_add_func("/explore/hang-predicate-n2", test_hang_predicate_n2);
  g_test_add_func("/explore/preemption-bound", test_preemption_bound);
  g_test_add_func("/explore/max-states", test_max_states_is_reported);
  g_test_add_func("/explore/command", test_command);
  g_test_add_func("/explore/command-cut", test_command_cut);
  g_test_add_func("/explore/progress", test_progress);
  g_test_add_func("/explore/too-many-processes", test_too_many_processes);
  g_test_add_func("/explore/progress-on-terminal", test_progress_on_terminal);
  g_test_add_func("/explore/counts-unchanged", test_counts_unchanged);
  g_test_add_func("/explore/symmetry-exact", test_symmetry_exact);
  g_test_add_func("/explore/symmetry-hang-replays", test_symmetry_hang_replays);
  g_test_add_func("/explore/stored-state-size", test_stored_state_size);
  g_test_add_func("/explore/workers-same-results", test_workers_same_results);
  g_test_add_func("/explore/symmetry-dropped", test_symmetry_dropped);
  g_test_add_func("/explore/hash-vectors", test_hash_vectors);
  g_test_add_func("/explore/reset-is-fresh", test_reset_is_fresh);
  g_test_add_func("/explore/reset-refused", test_reset_refused);
  return g_test_run();
}
