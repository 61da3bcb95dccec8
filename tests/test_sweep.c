/* Sweeps: grid expansion and order, sweep-file errors with positions,
 * results independent of -j and of sharding, the --list | parallel path,
 * metric extraction, and every graph rendered by gnuplot. */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sys/wait.h>
#include <json-glib/json-glib.h>

#include "sim/sweep.h"

#include "tests/testutil.h"

#ifndef CFQSIM_BINARY
#define CFQSIM_BINARY "cfqsim"
#endif

/* Two short sequential readers on an hdd: a few ms of CPU per run. */
static const char tiny_workload[] =
    "name: tiny\n"
    "seed: 11\n"
    "duration: 60ms\n"
    "devices:\n"
    "  - name: sda\n"
    "    model: hdd\n"
    "    scheduler: {name: cfq}\n"
    "processes:\n"
    "  - {name: reader, direct: 1, numjobs: 2, rw: read, bs: 64k, size: 1g}\n"
    "  - {name: rand, direct: 1, rw: randread, bs: 4k, size: 1g, offset: 50g}\n";

static char *tmpdir;

static char *write_tmp(const char *name, const char *text) {
  char *path = g_build_filename(tmpdir, name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static char *read_tmp(const char *dir, const char *name) {
  char *path = g_build_filename(dir, name, NULL), *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_free(path);
  return text;
}

static sweep *load_text(const char *name, const char *text, GError **err) {
  char *path = write_tmp(name, text);
  sweep *s = sweep_load(path, err);
  g_free(path);
  return s;
}

/* ---- grid expansion ---- */

static void assert_point(const sweep *s, guint point, const char *const *want) {
  for (guint i = 0; i < sweep_n_params(s); i++)
    g_assert_cmpstr(sweep_value(s, point, i), ==, want[i]);
}

static void test_grid_order(void) {
  GError *err = NULL;
  sweep *s = load_text("grid.yaml",
                       "base: tiny.yaml\n"
                       "set: {duration: 20ms}\n"
                       "grid:\n"
                       "  processes.reader.bs: [4k, 64k]\n"
                       "  devices.sda.scheduler.slice_idle: [0, 2ms, 8ms]\n"
                       "zip:\n"
                       "  - {kernel.cic_link: [buggy, fixed], name: [b, f]}\n"
                       "replicates: 3\n",
                       &err);
  g_assert_no_error(err);
  g_assert_nonnull(s);
  /* 2 x 3 grid values x one zip group of 2. */
  g_assert_cmpuint(sweep_n_points(s), ==, 12);
  g_assert_cmpuint(sweep_n_params(s), ==, 4);
  g_assert_cmpstr(sweep_param(s, 0), ==, "processes.reader.bs");
  g_assert_cmpstr(sweep_param(s, 3), ==, "name");
  /* First key slowest, the zip group fastest and in lockstep. */
  assert_point(s, 0, (const char *[]){"4k", "0", "buggy", "b"});
  assert_point(s, 1, (const char *[]){"4k", "0", "fixed", "f"});
  assert_point(s, 2, (const char *[]){"4k", "2ms", "buggy", "b"});
  assert_point(s, 5, (const char *[]){"4k", "8ms", "fixed", "f"});
  assert_point(s, 6, (const char *[]){"64k", "0", "buggy", "b"});
  assert_point(s, 11, (const char *[]){"64k", "8ms", "fixed", "f"});
  /* Every combination exactly once. */
  GHashTable *seen =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint p = 0; p < 12; p++) {
    char **sets = sweep_point_sets(s, p);
    g_assert_cmpstr(sets[0], ==, "duration=20ms"); /* set: comes first */
    g_assert_cmpuint(g_strv_length(sets), ==, 5);
    g_hash_table_add(seen, g_strjoinv(" ", sets));
    g_strfreev(sets);
  }
  g_assert_cmpuint(g_hash_table_size(seen), ==, 12);
  g_hash_table_unref(seen);
  /* Replicates: the base workload's seed onwards. */
  g_assert_cmpuint(sweep_replicates(s), ==, 3);
  g_assert_cmpuint(sweep_seed(s, 0), ==, 11);
  g_assert_cmpuint(sweep_seed(s, 2), ==, 13);
  /* Metrics default to a useful set. */
  g_assert_cmpuint(sweep_n_metrics(s), >, 0);
  char *base = g_build_filename(tmpdir, "tiny.yaml", NULL);
  g_assert_cmpstr(sweep_base(s), ==, base);
  g_free(base);
  sweep_free(s);
}

/* ---- errors ---- */

static void expect_error(const char *text, const char *where,
                         const char *what) {
  GError *err = NULL;
  sweep *s = load_text("bad.yaml", text, &err);
  g_assert_null(s);
  g_assert_nonnull(err);
  char *path = g_build_filename(tmpdir, "bad.yaml", NULL);
  char *prefix = g_strdup_printf("%s:%s: ", path, where);
  if (!g_str_has_prefix(err->message, prefix) || !strstr(err->message, what))
    g_error("expected '%s...%s', got '%s'", prefix, what, err->message);
  g_free(prefix);
  g_free(path);
  g_error_free(err);
}

static void test_errors(void) {
  expect_error("base: tiny.yaml\n"
               "zip:\n"
               "  - {a: [1, 2], b: [1, 2, 3]}\n",
               "3:20", "equal lengths");
  expect_error("base: tiny.yaml\ngird: {a: [1]}\n", "2:1",
               "did you mean 'grid'");
  expect_error("base: tiny.yaml\ngrid:\n  a: 5\n", "3:6", "must be a list");
  expect_error("base: tiny.yaml\ngrid: {a: []}\n", "2:11", "has no values");
  expect_error("base: tiny.yaml\ngrid: {a: [1], a.b: [{x: 1}]}\n", "2:22",
               "plain values");
  expect_error("base: tiny.yaml\ngrid: {a: [1]}\nzip: [{a: [2]}]\n", "3:8",
               "swept twice");
  expect_error("base: tiny.yaml\nreplicates: 0\n", "2:13", "replicates");
  expect_error("base: nowhere.yaml\n", "1:7", "not found");
  expect_error("grid: {a: [1]}\n", "1:1", "missing key 'base'");
  expect_error("base: tiny.yaml\ngrid: {a: [1, 2\n", "3:1", "");
  expect_error("base: tiny.yaml\nmetrics: [jain, 'a b']\n", "2:17", "metric");
  expect_error("base: tiny.yaml\nmetrics: [jain, error]\n", "2:17",
               "the results.csv column of the points that failed");
  /* A "\0" escape would silently cut the value. */
  expect_error("base: tiny.yaml\ngrid: {duration: [10ms, \"1s\\0x\"]}\n",
               "2:25", "NUL byte");
}

/* Every point is loaded before any runs; the first bad one is reported at the
 * grid value that makes it bad, with how many are bad, and nothing is
 * written. */
static void test_bad_point_located(void) {
  GError *err = NULL;
  sweep *s = load_text("badpoint.yaml",
                       "base: tiny.yaml\n"
                       "set: {duration: 20ms}\n"
                       "grid:\n"
                       "  devices.sda.scheduler.slice_idle: [0, 8ms]\n"
                       "  processes.reader.bs: [4k, 1000, 64k]\n",
                       &err);
  g_assert_no_error(err);
  char *out = g_build_filename(tmpdir, "badpoint", NULL);
  sweep_options o = {.out_dir = out, .jobs = 2};
  g_assert_false(sweep_run(s, &o, &err));
  g_assert_error(err, SWEEP_ERROR, SWEEP_ERROR_INVALID);
  char *path = g_build_filename(tmpdir, "badpoint.yaml", NULL);
  /* Point 1 is (0, 1000): line 5, the second value of the list. */
  char *want =
      g_strdup_printf("%s:5:29: point 1 (processes.reader.bs=1000): ", path);
  g_assert_true(g_str_has_prefix(err->message, want));
  g_assert_nonnull(strstr(err->message, "1000 bytes is not a multiple of 512"));
  g_assert_true(g_str_has_suffix(
      err->message, " (2 of the 6 points are invalid; this is the first)"));
  g_clear_error(&err);
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  /* The same check serves --list; a value in `set:` is located there. */
  g_assert_false(sweep_check(s, 2, 3, &err)); /* points 1 and 4 */
  g_assert_nonnull(strstr(err->message, ":5:29: point 1 "));
  g_assert_nonnull(strstr(err->message, "(2 of the 2 points"));
  g_clear_error(&err);
  g_assert_true(sweep_check(s, 3, 3, &err)); /* points 2 and 5 */
  g_assert_no_error(err);
  sweep_free(s);
  s = load_text(
      "badset.yaml",
      "base: tiny.yaml\nseed: 1\nset: {duration: 20ms, processes.rand.bs: 1000}\n"
      "grid: {processes.reader.numjobs: [1, 2]}\n",
      &err);
  g_assert_no_error(err);
  g_assert_false(sweep_check(s, 0, 0, &err));
  g_assert_nonnull(strstr(
      err->message, "badset.yaml:3:42: point 0 (processes.rand.bs=1000): "));
  g_assert_nonnull(strstr(err->message, "(2 of the 2 points"));
  g_clear_error(&err);
  sweep_free(s);
  g_free(want);
  g_free(path);
  g_free(out);
}

/* ---- running ---- */

static const char sweep_text[] =
    "base: tiny.yaml\n"
    "grid:\n"
    "  devices.sda.scheduler.slice_idle: [0, 8ms]\n"
    "  processes.reader.numjobs: [1, 2, 3]\n"
    "replicates: 2\n"
    "metrics: [outcome, hung, throughput_bps, jain, p99_latency_ns,\n"
    "          processes.reader.1.throughput_bps,\n"
    "          fairness.shares.rand.ideal_share]\n";

static char *run_sweep(const sweep *s, const char *name, guint jobs, guint k,
                       guint n) {
  char *dir = g_build_filename(tmpdir, name, NULL);
  sweep_options o = {.out_dir = dir, .jobs = jobs, .shard_k = k, .shard_n = n};
  GError *err = NULL;
  g_assert_true(sweep_run(s, &o, &err));
  g_assert_no_error(err);
  return dir;
}

static void test_jobs_identical(void) {
  GError *err = NULL;
  sweep *s = load_text("s.yaml", sweep_text, &err);
  g_assert_no_error(err);
  char *d1 = run_sweep(s, "j1", 1, 0, 0);
  char *d2 = run_sweep(s, "j2", 2, 0, 0);
  char *d4 = run_sweep(s, "j4", 4, 0, 0);
  char *r1 = read_tmp(d1, "results.csv"), *r2 = read_tmp(d2, "results.csv"),
       *r4 = read_tmp(d4, "results.csv");
  g_assert_cmpstr(r1, ==, r2);
  g_assert_cmpstr(r1, ==, r4);

  /* One row per point and replicate, in point order, seeds 11 and 12. */
  char **lines = g_strsplit(r1, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 1 + 6 * 2 + 1);
  g_assert_cmpstr(lines[0], ==,
                  "point,devices.sda.scheduler.slice_idle,"
                  "processes.reader.numjobs,seed,outcome,hung,throughput_bps,"
                  "jain,p99_latency_ns,processes.reader.1.throughput_bps,"
                  "fairness.shares.rand.ideal_share");
  g_assert_true(g_str_has_prefix(lines[1], "0,0,1,11,"));
  g_assert_true(g_str_has_prefix(lines[2], "0,0,1,12,"));
  g_assert_true(g_str_has_prefix(lines[12], "5,8ms,3,12,"));
  /* Dotted process names resolve; with numjobs 1 there is no reader.1. */
  char **f = g_strsplit(lines[1], ",", -1);
  g_assert_cmpstr(f[9], ==, "");
  g_assert_cmpstr(f[4], ==, "time_limit");
  g_strfreev(f);
  f = g_strsplit(lines[3], ",", -1); /* numjobs 2 */
  g_assert_cmpstr(f[9], !=, "");
  g_assert_cmpstr(f[10], ==, "0.3333333333"); /* 3 equal BE/4 queues */
  g_strfreev(f);
  g_strfreev(lines);

  /* Each run's directory holds its full outputs, with the replicate's own
   * seed (not the workload's 11 for every replicate). */
  char *m = g_build_filename(d1, "points", "5-12", "metrics.json", NULL);
  g_assert_true(g_file_test(m, G_FILE_TEST_IS_REGULAR));
  g_free(m);
  const char *runs[] = {"0-11", "5-12"};
  const gint64 seeds[] = {11, 12};
  for (guint i = 0; i < G_N_ELEMENTS(runs); i++) {
    char *pd = g_build_filename(d1, "points", runs[i], NULL);
    char *text = read_tmp(pd, "metrics.json");
    JsonParser *jp = json_parser_new();
    g_assert_true(json_parser_load_from_data(jp, text, -1, NULL));
    JsonObject *o = json_node_get_object(json_parser_get_root(jp));
    g_assert_cmpint(json_object_get_int_member(o, "seed"), ==, seeds[i]);
    g_object_unref(jp);
    g_free(text);
    g_free(pd);
  }
  g_free(r1);
  g_free(r2);
  g_free(r4);
  g_free(d1);
  g_free(d2);
  g_free(d4);
  sweep_free(s);
}

static void test_shards_merge(void) {
  GError *err = NULL;
  sweep *s = load_text("s.yaml", sweep_text, &err);
  g_assert_no_error(err);
  char *full = run_sweep(s, "full", 2, 0, 0);
  char *parts[4] = {run_sweep(s, "shard1", 1, 1, 3),
                    run_sweep(s, "shard2", 2, 2, 3),
                    run_sweep(s, "shard3", 1, 3, 3), NULL};
  /* A shard holds only its points: 0 and 3 for shard 1 of 3. */
  char *r = read_tmp(parts[0], "results.csv");
  char **lines = g_strsplit(r, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 1 + 2 * 2 + 1);
  g_assert_true(g_str_has_prefix(lines[1], "0,"));
  g_assert_true(g_str_has_prefix(lines[3], "3,"));
  g_strfreev(lines);
  g_free(r);

  /* Shards in any order merge to the unsharded bytes. */
  char *rev[4] = {parts[2], parts[0], parts[1], NULL};
  char *out = g_build_filename(tmpdir, "merged", NULL);
  g_assert_true(sweep_merge(rev, out, &err));
  g_assert_no_error(err);
  char *a = read_tmp(full, "results.csv"), *b = read_tmp(out, "results.csv");
  g_assert_cmpstr(a, ==, b);
  g_free(a);
  g_free(b);

  /* A missing shard or a shard given twice is an error. */
  char *two[3] = {parts[0], parts[1], NULL};
  g_assert_false(sweep_merge(two, out, &err));
  g_assert_error(err, SWEEP_ERROR, SWEEP_ERROR_INVALID);
  g_assert_nonnull(strstr(err->message, "incomplete"));
  g_clear_error(&err);
  char *dup[4] = {parts[0], parts[0], parts[1], NULL};
  g_assert_false(sweep_merge(dup, out, &err));
  g_assert_nonnull(strstr(err->message, "twice"));
  g_clear_error(&err);

  for (guint i = 0; i < 3; i++)
    g_free(parts[i]);
  g_free(out);
  g_free(full);
  sweep_free(s);
}

/* A script policy whose first entry cannot happen: valid to load, fails
 * when run. */
static const char failing_text[] =
    "base: tiny.yaml\n"
    "set: {duration: 20ms, interleaving.policy: script}\n"
    "grid:\n"
    "  interleaving.schedule: ['[rand@submit]', '[rand@link]', '[reader.0@submit]']\n"
    "replicates: 2\n"
    "metrics: [outcome, jain]\n";

/* A run that fails keeps the others; results.csv gets an error column (only
 * then) and the failure is reported after it. */
static void test_failed_run_kept(void) {
  GError *err = NULL;
  sweep *s = load_text("failing.yaml", failing_text, &err);
  g_assert_no_error(err);
  g_assert_true(sweep_check(s, 0, 0, &err));
  char *out = g_build_filename(tmpdir, "failing", NULL);
  sweep_options o = {.out_dir = out, .jobs = 2};
  g_assert_false(sweep_run(s, &o, &err));
  g_assert_error(err, SWEEP_ERROR, SWEEP_ERROR_RUN);
  g_assert_true(g_str_has_prefix(err->message, "2 of 6 runs failed"));
  g_clear_error(&err);
  char *csv = read_tmp(out, "results.csv");
  char **lines = g_strsplit(csv, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 1 + 6 + 1);
  g_assert_cmpstr(lines[0], ==,
                  "point,interleaving.schedule,seed,outcome,jain,error");
  g_assert_true(g_str_has_prefix(lines[1], "0,[rand@submit],11,"));
  g_assert_true(g_str_has_suffix(lines[1], ",")); /* no error */
  g_assert_false(
      g_str_has_prefix(lines[1], "0,[rand@submit],11,,")); /* metrics */
  g_assert_true(g_str_has_prefix(lines[3], "1,[rand@link],11,,,point 1-11: "));
  g_assert_nonnull(strstr(lines[3], "expects rand@link"));
  g_assert_true(g_str_has_prefix(lines[4], "1,[rand@link],12,,,point 1-12: "));
  g_assert_true(g_str_has_prefix(lines[6], "2,[reader.0@submit],12,"));
  g_assert_true(g_str_has_suffix(lines[6], ","));
  g_strfreev(lines);
  char *ok_dir = g_build_filename(out, "points", "2-12", "metrics.json", NULL);
  char *bad_dir = g_build_filename(out, "points", "1-11", NULL);
  g_assert_true(g_file_test(ok_dir, G_FILE_TEST_IS_REGULAR));
  g_assert_false(g_file_test(bad_dir, G_FILE_TEST_EXISTS));
  g_free(ok_dir);
  g_free(bad_dir);

  /* Shards with and without failures merge to the same bytes. */
  char *shard[3] = {g_build_filename(tmpdir, "fail1", NULL),
                    g_build_filename(tmpdir, "fail2", NULL), NULL};
  for (guint k = 1; k <= 2; k++) {
    sweep_options so = {
        .out_dir = shard[k - 1], .jobs = 1, .shard_k = k, .shard_n = 2};
    gboolean ran = sweep_run(s, &so, &err);
    g_assert_true(ran == (k == 1)); /* point 1 is in shard 2 */
    g_clear_error(&err);
  }
  char *h1 = read_tmp(shard[0], "results.csv");
  g_assert_null(strstr(h1, SWEEP_ERROR_COLUMN));
  g_free(h1);
  char *merged = g_build_filename(tmpdir, "failmerged", NULL);
  g_assert_false(sweep_merge(shard, merged, &err));
  g_assert_error(err, SWEEP_ERROR, SWEEP_ERROR_RUN);
  g_clear_error(&err);
  char *m = read_tmp(merged, "results.csv");
  g_assert_cmpstr(m, ==, csv);
  g_free(m);
  g_free(merged);
  g_free(shard[0]);
  g_free(shard[1]);
  g_free(csv);
  g_free(out);
  sweep_free(s);
}

/* A sweep writes only into an empty directory or a sweep of its own; a merge
 * too. */
static void test_output_not_ours(void) {
  GError *err = NULL;
  sweep *s = load_text("own.yaml",
                       "base: tiny.yaml\nset: {duration: 10ms}\n"
                       "grid: {processes.reader.numjobs: [1]}\n",
                       &err);
  g_assert_no_error(err);
  char *dir = g_build_filename(tmpdir, "notours", NULL);
  g_assert_cmpint(g_mkdir(dir, 0777), ==, 0);
  char *results = g_build_filename(dir, "results.csv", NULL);
  g_assert_true(g_file_set_contents(results, "mine\n", -1, NULL));
  sweep_options o = {.out_dir = dir, .jobs = 1};
  g_assert_false(sweep_run(s, &o, &err));
  g_assert_nonnull(strstr(err->message, "'results.csv'"));
  g_clear_error(&err);
  char *shard[2] = {g_build_filename(tmpdir, "own1", NULL), NULL};
  sweep_options so = {.out_dir = shard[0], .jobs = 1};
  g_assert_true(sweep_run(s, &so, &err));
  g_assert_false(sweep_merge(shard, dir, &err));
  g_assert_nonnull(strstr(err->message, "'results.csv'"));
  g_clear_error(&err);
  char *c = read_tmp(dir, "results.csv");
  g_assert_cmpstr(c, ==, "mine\n");
  g_free(c);
  char *l = listing(dir);
  g_assert_cmpstr(l, ==, "results.csv");
  g_free(l);
  /* A sweep of ours is written into again, with its plots and points. */
  g_assert_true(sweep_run(s, &so, &err));
  g_assert_no_error(err);
  l = listing(shard[0]);
  g_assert_cmpstr(l, ==, ".cfqsim points results.csv shard.txt");
  g_free(l);
  g_free(shard[0]);
  g_free(results);
  g_free(dir);
  sweep_free(s);
}

/* -j is never more threads than runs (an exclusive pool starts them all). */
static void test_threads_capped(void) {
  sweep_options o = {.jobs = 64};
  g_assert_cmpuint(sweep_threads(&o, 3), ==, 3);
  g_assert_cmpuint(sweep_threads(&o, 100), ==, 64);
  g_assert_cmpuint(sweep_threads(&o, 0), ==, 1);
  o.jobs = 0;
  g_assert_cmpuint(sweep_threads(&o, 1), ==, 1);
  g_assert_cmpuint(sweep_threads(&o, 1000), ==,
                   MIN(g_get_num_processors(), 1000));
}

static void test_metric_values(void) {
  const char *json =
      "{\"outcome\": \"hang\", \"hung\": [\"B\", \"C\"],"
      " \"devices\": [{\"name\": \"sda\", \"throughput_bps\": 1.5,"
      "                \"iops\": 10},"
      "               {\"name\": \"sdb\", \"throughput_bps\": 2, \"iops\": 5}],"
      " \"processes\": [{\"name\": \"w.1\", \"bytes\": 4096,"
      "                  \"latency_ns\": {\"p99\": 7}}],"
      " \"latency_ns\": {\"p99\": 9},"
      " \"fairness\": {\"jain\": 0.5}}";
  const struct {
    const char *metric, *want;
  } cases[] = {{"outcome", "hang"},
               {"hung", "2"},
               {"throughput_bps", "3.5"},
               {"iops", "15"},
               {"jain", "0.5"},
               {"p99_latency_ns", "9"},
               {"processes.w.1.bytes", "4096"},
               {"processes.w.1.p99_latency_ns", "7"},
               {"devices.sdb.iops", "5"},
               {"processes.nobody.bytes", ""},
               {"no_such_metric", ""}};
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *v = sweep_metric_value(cases[i].metric, json);
    g_assert_cmpstr(v, ==, cases[i].want);
    g_free(v);
  }
}

/* ---- the command line: --list | parallel, plots ---- */

static char *sh(const char *cmd, int *status) {
  char *out = NULL, *errs = NULL;
  const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
  g_assert_true(g_spawn_sync(tmpdir, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL,
                             NULL, &out, &errs, status, NULL));
  if (*status != 0)
    g_test_message("%s\nstderr: %s", cmd, errs);
  g_free(errs);
  return out;
}

static void test_list_parallel(void) {
  char *parallel = g_find_program_in_path("parallel");
  if (!parallel) {
    g_test_skip("GNU parallel is not on PATH");
    return;
  }
  g_free(parallel);
  char *path = write_tmp("s.yaml", sweep_text);
  int status;
  char *cmd = g_strdup_printf("%s sweep s.yaml -o par --list", CFQSIM_BINARY);
  char *list = sh(cmd, &status);
  g_assert_cmpint(status, ==, 0);
  g_free(cmd);
  /* One self-contained command per point and replicate. */
  char **lines = g_strsplit(list, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 12 + 1);
  g_assert_nonnull(strstr(lines[0], " --seed 11 "));
  g_assert_nonnull(
      strstr(lines[0], "--set 'devices.sda.scheduler.slice_idle=0'"));
  g_strfreev(lines);
  g_free(list);

  cmd = g_strdup_printf("%s sweep s.yaml -o par --list | parallel -j3 && "
                        "%s sweep s.yaml -o par --collect && "
                        "%s sweep s.yaml -o direct -j 2",
                        CFQSIM_BINARY, CFQSIM_BINARY, CFQSIM_BINARY);
  g_free(sh(cmd, &status));
  g_assert_cmpint(status, ==, 0);
  g_free(cmd);
  char *pd = g_build_filename(tmpdir, "par", NULL);
  char *dd = g_build_filename(tmpdir, "direct", NULL);
  char *a = read_tmp(pd, "results.csv"), *b = read_tmp(dd, "results.csv");
  g_assert_cmpstr(a, ==, b);
  g_free(a);
  g_free(b);
  g_free(pd);
  g_free(dd);
  g_free(path);
}

static void assert_png(const char *dir, const char *name) {
  static const unsigned char sig[8] = {0x89, 'P',  'N',  'G',
                                       '\r', '\n', 0x1a, '\n'};
  char *path = g_build_filename(dir, "plots", name, NULL);
  char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &data, &len, NULL))
    g_error("%s was not drawn", path);
  g_assert_cmpuint(len, >, 1000);
  g_assert_cmpmem(data, 8, sig, 8);
  g_free(data);
  g_free(path);
}

static void test_plots(void) {
  char *gnuplot = g_find_program_in_path("gnuplot");
  if (!gnuplot) {
    g_test_skip("gnuplot is not on PATH (scripts/install-deps.sh)");
    return;
  }
  g_free(gnuplot);
  g_free(write_tmp("s.yaml", sweep_text));
  int status;
  char *cmd = g_strdup_printf(
      "%s run tiny.yaml -q -o run && %s plot run && "
      "%s sweep s.yaml -o sw && %s plot sw --x processes.reader.numjobs "
      "--y throughput_bps --series devices.sda.scheduler.slice_idle",
      CFQSIM_BINARY, CFQSIM_BINARY, CFQSIM_BINARY, CFQSIM_BINARY);
  g_free(sh(cmd, &status));
  g_assert_cmpint(status, ==, 0);
  g_free(cmd);
  char *run = g_build_filename(tmpdir, "run", NULL);
  const char *graphs[] = {"throughput.png", "jain.png", "shares.png",
                          "latency_cdf.png", "timeline.png"};
  for (guint i = 0; i < G_N_ELEMENTS(graphs); i++)
    assert_png(run, graphs[i]);
  char *sw = g_build_filename(tmpdir, "sw", NULL);
  assert_png(sw, "sweep.png");

  /* A metric that is not in the results is a usage error naming them. */
  cmd = g_strdup_printf("%s plot sw --y nope 2>&1", CFQSIM_BINARY);
  char *out = sh(cmd, &status);
  g_assert_cmpint(status, !=, 0);
  g_assert_nonnull(strstr(out, "throughput_bps"));
  g_free(out);
  g_free(cmd);
  g_free(run);
  g_free(sw);
}

static gboolean exited_with(int wait_status, int code) {
  return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == code;
}

/* Plot writes only into a plots/ of its own. */
static void test_plot_keeps_foreign(void) {
  char *gnuplot = g_find_program_in_path("gnuplot");
  if (!gnuplot) {
    g_test_skip("gnuplot is not on PATH (scripts/install-deps.sh)");
    return;
  }
  g_free(gnuplot);
  int status;
  char *cmd =
      g_strdup_printf("%s run tiny.yaml -q -o prun && mkdir prun/plots && "
                      "echo mine > prun/plots/jain.png",
                      CFQSIM_BINARY);
  g_free(sh(cmd, &status));
  g_assert_cmpint(status, ==, 0);
  g_free(cmd);
  cmd = g_strdup_printf("%s plot prun 2>&1", CFQSIM_BINARY);
  char *out = sh(cmd, &status);
  g_assert_true(exited_with(status, 2));
  g_assert_nonnull(strstr(out, "prun/plots"));
  g_assert_nonnull(strstr(out, "'jain.png'"));
  g_free(out);
  char *plots = g_build_filename(tmpdir, "prun", "plots", NULL);
  char *mine = read_tmp(plots, "jain.png");
  g_assert_cmpstr(mine, ==, "mine\n");
  g_free(mine);
  char *l = listing(plots);
  g_assert_cmpstr(l, ==, "jain.png");
  g_free(l);
  /* Its own graphs it redraws, and keeps those of another format. */
  char *jain = g_build_filename(plots, "jain.png", NULL);
  g_assert_cmpint(g_unlink(jain), ==, 0);
  g_free(jain);
  g_free(cmd);
  cmd = g_strdup_printf("%s plot prun >/dev/null && %s plot prun --format svg "
                        ">/dev/null && %s plot prun",
                        CFQSIM_BINARY, CFQSIM_BINARY, CFQSIM_BINARY);
  out = sh(cmd, &status);
  g_assert_cmpint(status, ==, 0);
  g_assert_nonnull(strstr(out, "prun/plots/jain.png\n"));
  g_free(out);
  l = listing(plots);
  g_assert_nonnull(strstr(l, "jain.png jain.svg"));
  g_assert_true(g_str_has_prefix(l, ".cfqsim "));
  g_free(l);
  g_free(cmd);
  g_free(plots);
}

/* -j 0 and negative -j are refused; a huge -j is not a thread per unit. */
static void test_cli_jobs(void) {
  g_free(write_tmp("jobs.yaml", "base: tiny.yaml\nset: {duration: 10ms}\n"
                                "grid: {processes.reader.numjobs: [1, 2]}\n"));
  const char *bad[] = {"0", "-1", "x"};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    int status;
    char *cmd = g_strdup_printf("%s sweep jobs.yaml -o jobs-bad -j %s 2>&1",
                                CFQSIM_BINARY, bad[i]);
    char *out = sh(cmd, &status);
    g_assert_true(exited_with(status, 2));
    g_assert_nonnull(strstr(out, "-j must be"));
    g_free(out);
    g_free(cmd);
  }
  char *none = g_build_filename(tmpdir, "jobs-bad", NULL);
  g_assert_false(g_file_test(none, G_FILE_TEST_EXISTS));
  g_free(none);
  int status;
  char *cmd = g_strdup_printf("%s sweep jobs.yaml -o jobs-many -j 100000000",
                              CFQSIM_BINARY);
  g_free(sh(cmd, &status));
  g_assert_cmpint(status, ==, 0);
  g_free(cmd);
}

/* scripts/slurm-sweep.sh against a stand-in sbatch that records its
 * arguments: no CPU request unless CPUS asks for one, logs apart from the
 * merged results, and the array tasks and merge give the plain sweep's
 * results.csv. */
static void test_slurm_script(void) {
  g_free(write_tmp("slurm.yaml",
                   "base: tiny.yaml\nset: {duration: 10ms}\n"
                   "grid: {processes.reader.numjobs: [1, 2, 3]}\n"));
  char *bin = g_build_filename(tmpdir, "fakebin", NULL);
  g_assert_cmpint(g_mkdir_with_parents(bin, 0777), ==, 0);
  char *sbatch = g_build_filename(bin, "sbatch", NULL);
  g_assert_true(g_file_set_contents(
      sbatch, "#!/bin/sh\necho \"$*\" >> \"$SBATCH_LOG\"\necho 42\n", -1,
      NULL));
  g_assert_cmpint(g_chmod(sbatch, 0755), ==, 0);
  int status;
  char *cmd = g_strdup_printf(
      "export PATH=\"%s:$PATH\" SBATCH_LOG=sbatch.log CFQSIM=%s; "
      "%s/scripts/slurm-sweep.sh slurm.yaml slurm 2 && "
      "CPUS=3 %s/scripts/slurm-sweep.sh slurm.yaml slurm2 2 && "
      "for id in 0 1; do SLURM_ARRAY_TASK_ID=$id SLURM_ARRAY_TASK_COUNT=2 "
      "%s/scripts/slurm-sweep.sh --task \"$PWD/slurm.yaml\" \"$PWD/slurm\" || exit 1; "
      "done && echo log > slurm/logs/slurm-42_0.log && "
      "%s/scripts/slurm-sweep.sh --merge \"$PWD/slurm\" 2 && "
      "%s sweep slurm.yaml -o slurm-direct -j 1",
      bin, CFQSIM_BINARY, CFQSIM_SOURCE_DIR, CFQSIM_SOURCE_DIR,
      CFQSIM_SOURCE_DIR, CFQSIM_SOURCE_DIR, CFQSIM_BINARY);
  g_free(sh(cmd, &status));
  g_assert_cmpint(status, ==, 0);
  g_free(cmd);
  char *log = read_tmp(tmpdir, "sbatch.log");
  char **lines = g_strsplit(log, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 4 + 1);
  g_assert_nonnull(strstr(lines[0], "--array=0-1"));
  g_assert_null(strstr(lines[0], "--cpus-per-task"));
  g_assert_nonnull(strstr(lines[0], "/slurm/logs/"));
  g_assert_nonnull(strstr(lines[2], "--cpus-per-task=3"));
  g_strfreev(lines);
  g_free(log);
  char *merged = g_build_filename(tmpdir, "slurm", "merged", NULL);
  char *direct = g_build_filename(tmpdir, "slurm-direct", NULL);
  char *a = read_tmp(merged, "results.csv"),
       *b = read_tmp(direct, "results.csv");
  g_assert_cmpstr(a, ==, b);
  g_free(a);
  g_free(b);
  g_free(merged);
  g_free(direct);
  g_free(sbatch);
  g_free(bin);
}

/* A sweep file nested 100,000 deep took libyaml's loader most of a minute to
 * build; the depth is refused as it is read. */
static void test_nesting(void) {
  GString *s = g_string_new("base: tiny.yaml\ngrid: ");
  for (int i = 0; i < 100000; i++)
    g_string_append_c(s, '[');
  for (int i = 0; i < 100000; i++)
    g_string_append_c(s, ']');
  g_string_append_c(s, '\n');
  /* The top-level map is level 1; the 64th '[' (column 7 + 63) the 65th. */
  expect_error(s->str, "2:70", "nesting is too deep (more than 64 levels)");
  g_string_free(s, TRUE);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp("test-sweep-XXXXXX", NULL);
  g_assert_nonnull(tmpdir);
  g_free(write_tmp("tiny.yaml", tiny_workload));
  g_test_add_func("/sweep/grid-order", test_grid_order);
  g_test_add_func("/sweep/errors", test_errors);
  g_test_add_func("/sweep/nesting", test_nesting);
  g_test_add_func("/sweep/metric-values", test_metric_values);
  g_test_add_func("/sweep/jobs-identical", test_jobs_identical);
  g_test_add_func("/sweep/shards-merge", test_shards_merge);
  g_test_add_func("/sweep/list-parallel", test_list_parallel);
  g_test_add_func("/sweep/plots", test_plots);
  g_test_add_func("/sweep/bad-point-located", test_bad_point_located);
  g_test_add_func("/sweep/failed-run-kept", test_failed_run_kept);
  g_test_add_func("/sweep/output-not-ours", test_output_not_ours);
  g_test_add_func("/sweep/threads-capped", test_threads_capped);
  g_test_add_func("/sweep/plot-keeps-foreign", test_plot_keeps_foreign);
  g_test_add_func("/sweep/cli-jobs", test_cli_jobs);
  g_test_add_func("/sweep/slurm-script", test_slurm_script);
  int rc = g_test_run();
  rm_rf(tmpdir);
  g_free(tmpdir);
  return rc;
}
