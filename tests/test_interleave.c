/* Interleaving policies: script, fifo, random. */
#include <stdio.h>
#include <stdlib.h>

#include "sim/core/interleave.h"
#include "tests/toy_actor.h"

/* "A@submit B 8a=A@link" -> entries; entry i sits at line i+2, column 5
 * as if written one per line in a YAML list. */
static GArray *sched(const char *text) {
  GArray *a = g_array_new(FALSE, TRUE, sizeof(sched_entry));
  char **items = g_strsplit(text, " ", -1);
  for (int i = 0; items[i]; i++) {
    sched_entry en = {0};
    const char *item = items[i];
    const char *eq = strchr(item, '=');
    if (eq) {
      en.label = g_strndup(item, (gsize)(eq - item));
      item = eq + 1;
    }
    const char *at = strchr(item, '@');
    en.process = at ? g_strndup(item, (gsize)(at - item)) : g_strdup(item);
    en.step = at ? g_strdup(at + 1) : NULL;
    en.line = i + 2;
    en.col = 5;
    g_array_append_val(a, en);
  }
  g_strfreev(items);
  return a;
}

static void sched_free(GArray *a) {
  for (guint i = 0; i < a->len; i++) {
    sched_entry *en = &g_array_index(a, sched_entry, i);
    g_free(en->process);
    g_free(en->step);
    g_free(en->label);
  }
  g_array_free(a, TRUE);
}

/* Run two toys under a script; returns the outcome, fills log/err. */
typedef struct fixture {
  sim_engine *e;
  GString *log;
  toy A, B;
  interleave *il;
  GArray *entries;
} fixture;

static void fixture_init(fixture *f, const toy_step *as, int na,
                         const toy_step *bs, int nb, const char *schedule) {
  f->e = sim_engine_new();
  f->log = g_string_new(NULL);
  toy_init(&f->A, f->e, "A", as, na, f->log);
  toy_init(&f->B, f->e, "B", bs, nb, f->log);
  f->entries = sched(schedule);
  f->il = interleave_new_script((sched_entry *)f->entries->data,
                                f->entries->len, "wl.yaml");
  sched_free(f->entries); /* the policy keeps its own copy */
  interleave_attach(f->il, f->e);
}

static void fixture_clear(fixture *f) {
  interleave_free(f->il);
  sim_engine_free(f->e);
  g_string_free(f->log, TRUE);
}

static const toy_step path[] = {{"submit", false, 0, NULL},
                                {"lookup", true, 0, NULL},
                                {"alloc_cic", true, 0, NULL},
                                {"link", true, 0, NULL},
                                {"queue", false, 0, NULL}};

static void test_script_follows_schedule(void) {
  fixture f;
  fixture_init(&f, path, 5, path, 5,
               "A@submit B@submit B@lookup A@lookup A B@alloc_cic");
  g_assert_cmpint(sim_engine_run(f.e, -1, NULL), ==, SIM_COMPLETED);
  /* After the six entries, fifo: A (lowest id) runs to the end, then B. */
  g_assert_cmpstr(f.log->str, ==,
                  "A.submit B.submit B.lookup A.lookup A.alloc_cic "
                  "B.alloc_cic A.link A.queue B.link B.queue");
  g_assert_cmpuint(interleave_script_position(f.il), ==, 6);
  fixture_clear(&f);
}

static void test_script_mismatch_names_real_step(void) {
  fixture f;
  fixture_init(&f, path, 5, path, 5, "A@submit B@submit A@link");
  GError *err = NULL;
  g_assert_cmpint(sim_engine_run(f.e, -1, &err), ==, SIM_ERROR);
  g_assert_error(err, SIM_ERROR_DOMAIN, SIM_ERROR_SCHEDULE);
  g_assert_cmpstr(err->message, ==,
                  "wl.yaml:4:5: schedule entry 3 expects A@link but A is at "
                  "`lookup`");
  g_assert_cmpstr(f.log->str, ==, "A.submit B.submit");
  g_assert_cmpuint(interleave_script_position(f.il), ==, 2);
  g_error_free(err);
  fixture_clear(&f);
}

static void test_script_unknown_process(void) {
  fixture f;
  fixture_init(&f, path, 5, path, 5, "A C@submit");
  GError *err = NULL;
  g_assert_cmpint(sim_engine_run(f.e, -1, &err), ==, SIM_ERROR);
  g_assert_cmpstr(err->message, ==,
                  "wl.yaml:3:5: schedule entry 2 names unknown process C");
  g_error_free(err);
  fixture_clear(&f);
}

/* A's I/O takes 3 ms; "A@io_wait" while it is in flight lets time run
 * until the completion enables it, even though B has a ready step. */
static void test_script_blocked_entry_delivers_events(void) {
  static const toy_step as[] = {{"submit", false, 3 * SIM_MS, NULL},
                                {"io_wait", false, 0, NULL},
                                {"exit", false, 0, NULL}};
  static const toy_step bs[] = {{"submit", false, 0, NULL},
                                {"lookup", true, 0, NULL},
                                {"exit", false, 0, NULL}};
  fixture f;
  fixture_init(&f, as, 3, bs, 3, "A@submit B@submit A@io_wait B@lookup");
  g_assert_cmpint(sim_engine_run(f.e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpstr(f.log->str, ==,
                  "A.submit B.submit A:wake A.io_wait B.lookup A.exit B.exit");
  fixture_clear(&f);

  /* Under plain fifo B would have looked up before the completion. */
  fixture_init(&f, as, 3, bs, 3, "A@submit B@submit");
  g_assert_cmpint(sim_engine_run(f.e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpstr(f.log->str, ==,
                  "A.submit B.submit B.lookup B.exit A:wake A.io_wait A.exit");
  fixture_clear(&f);
}

static void test_script_can_never_run(void) {
  static const toy_step as[] = {{"submit", false, 0, NULL},
                                {"fail", false, 0, "rl->wait[SYNC]"},
                                {"retry", false, 0, NULL},
                                {"exit", false, 0, NULL}};
  static const toy_step bs[] = {{"submit", false, 0, NULL},
                                {"exit", false, 0, NULL}};
  fixture f;
  fixture_init(&f, as, 4, bs, 2, "A@submit A@fail A@retry");
  GError *err = NULL;
  g_assert_cmpint(sim_engine_run(f.e, -1, &err), ==, SIM_ERROR);
  g_assert_cmpstr(err->message, ==,
                  "wl.yaml:4:5: schedule entry 3: A@retry can never run: A is "
                  "asleep on rl->wait[SYNC] with nothing pending");
  g_clear_error(&err);
  fixture_clear(&f);

  fixture_init(&f, as, 4, bs, 2, "B B B@exit");
  g_assert_cmpint(sim_engine_run(f.e, -1, &err), ==, SIM_ERROR);
  g_assert_cmpstr(err->message, ==,
                  "wl.yaml:4:5: schedule entry 3: B@exit can never run: B is "
                  "done");
  g_clear_error(&err);
  fixture_clear(&f);
}

static void test_script_labels_traced(void) {
  fixture f;
  fixture_init(&f, path, 5, path, 5, "1=A@submit 2=B A@lookup");
  char *buf = NULL;
  size_t len = 0;
  FILE *tf = open_memstream(&buf, &len);
  sim_engine_set_trace(f.e, tf);
  g_assert_cmpint(sim_engine_run(f.e, -1, NULL), ==, SIM_COMPLETED);
  fclose(tf);
  /* Each labelled entry is announced right before the step it names. */
  g_assert_nonnull(strstr(buf, "schedule    step 1: A@submit\n"
                               "    0.000000 ms  A           step submit\n"));
  g_assert_nonnull(strstr(buf, "schedule    step 2: B@submit\n"
                               "    0.000000 ms  B           step submit\n"));
  g_assert_null(strstr(buf, "step 3"));
  free(buf);
  fixture_clear(&f);
}

static void test_fifo_policy(void) {
  sim_engine *e = sim_engine_new();
  GString *log = g_string_new(NULL);
  toy A, B;
  toy_init(&A, e, "A", path, 2, log);
  toy_init(&B, e, "B", path, 2, log);
  interleave *il = interleave_new_fifo();
  interleave_attach(il, e);
  g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
  g_assert_cmpstr(log->str, ==, "A.submit A.lookup B.submit B.lookup");
  interleave_free(il);
  g_string_free(log, TRUE);
  sim_engine_free(e);
}

/* Two actors whose I/Os complete after a while, with delayable steps so the
 * random policy can also choose to deliver completions early. */
static char *random_run(uint64_t seed) {
  static const toy_step io[] = {
      {"submit", false, 0, NULL},        {"lookup", true, 0, NULL},
      {"queue", true, 2 * SIM_MS, NULL}, {"io_wait", false, 0, NULL},
      {"submit", false, 0, NULL},        {"lookup", true, 0, NULL},
      {"queue", true, 1 * SIM_MS, NULL}, {"io_wait", false, 0, NULL},
      {"exit", false, 0, NULL}};
  sim_engine *e = sim_engine_new();
  GString *log = g_string_new(NULL);
  toy t[3];
  toy_init(&t[0], e, "A", io, 9, log);
  toy_init(&t[1], e, "B", io, 9, log);
  toy_init(&t[2], e, "C", io, 9, log);
  interleave *il = interleave_new_random(seed);
  interleave_attach(il, e);
  g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
  interleave_free(il);
  sim_engine_free(e);
  return g_string_free(log, FALSE);
}

static void test_random_reproducible(void) {
  GHashTable *seen =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (uint64_t seed = 1; seed <= 8; seed++) {
    char *a = random_run(seed), *b = random_run(seed);
    g_assert_cmpstr(a, ==, b);
    g_free(b);
    g_hash_table_add(seen, a);
  }
  /* Different seeds explore different interleavings. */
  g_assert_cmpuint(g_hash_table_size(seen), >=, 4);
  g_hash_table_destroy(seen);
}

/* Random may deliver an event while a delayable step is ready, which fifo
 * never does: some seed lets A's completion overtake B's delayable steps. */
static void test_random_delivers_early(void) {
  static const toy_step as[] = {{"submit", false, 1 * SIM_MS, NULL},
                                {"io_wait", false, 0, NULL},
                                {"exit", false, 0, NULL}};
  static const toy_step bs[] = {{"lookup", true, 0, NULL},
                                {"alloc_cic", true, 0, NULL},
                                {"link", true, 0, NULL},
                                {"queue", true, 0, NULL},
                                {"exit", false, 0, NULL}};
  int early = 0;
  for (uint64_t seed = 1; seed <= 8; seed++) {
    sim_engine *e = sim_engine_new();
    GString *log = g_string_new(NULL);
    toy A, B;
    toy_init(&A, e, "A", as, 3, log);
    toy_init(&B, e, "B", bs, 5, log);
    interleave *il = interleave_new_random(seed);
    interleave_attach(il, e);
    g_assert_cmpint(sim_engine_run(e, -1, NULL), ==, SIM_COMPLETED);
    const char *wake = strstr(log->str, "A:wake");
    const char *bexit = strstr(log->str, "B.exit");
    g_assert_nonnull(wake);
    g_assert_nonnull(bexit);
    early += wake < bexit;
    interleave_free(il);
    g_string_free(log, TRUE);
    sim_engine_free(e);
  }
  g_assert_cmpint(early, >, 0);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/interleave/script/follows-schedule",
                  test_script_follows_schedule);
  g_test_add_func("/interleave/script/mismatch-names-real-step",
                  test_script_mismatch_names_real_step);
  g_test_add_func("/interleave/script/unknown-process",
                  test_script_unknown_process);
  g_test_add_func("/interleave/script/blocked-entry-delivers-events",
                  test_script_blocked_entry_delivers_events);
  g_test_add_func("/interleave/script/can-never-run",
                  test_script_can_never_run);
  g_test_add_func("/interleave/script/labels-traced",
                  test_script_labels_traced);
  g_test_add_func("/interleave/fifo", test_fifo_policy);
  g_test_add_func("/interleave/random/reproducible", test_random_reproducible);
  g_test_add_func("/interleave/random/delivers-early",
                  test_random_delivers_early);
  return g_test_run();
}
