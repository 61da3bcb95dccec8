/* The cfqsim program as a user runs it: exit statuses, outputs, the race
 * replay on both kernels, determinism, and bad input that leaves nothing
 * half-written. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/testutil.h"

typedef struct cli {
  int status;
  char *out, *err;
} cli;

static cli run_cfqsim_v(const char *cwd, const char *first, va_list ap) {
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)CFQSIM_BINARY);
  for (const char *a = first; a; a = va_arg(ap, const char *))
    g_ptr_array_add(argv, (char *)a);
  g_ptr_array_add(argv, NULL);
  cli c = {0};
  GError *err = NULL;
  int wait_status;
  g_assert_true(g_spawn_sync(cwd, (char **)argv->pdata, NULL, 0, NULL, NULL,
                             &c.out, &c.err, &wait_status, &err));
  g_assert_no_error(err);
  c.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
  g_ptr_array_free(argv, TRUE);
  return c;
}

/* Run cfqsim with the given arguments (NULL-terminated) in the source tree. */
static cli run_cfqsim(const char *first, ...) {
  va_list ap;
  va_start(ap, first);
  cli c = run_cfqsim_v(CFQSIM_SOURCE_DIR, first, ap);
  va_end(ap);
  return c;
}

/* The same in another working directory. */
static cli run_cfqsim_in(const char *cwd, const char *first, ...) {
  va_list ap;
  va_start(ap, first);
  cli c = run_cfqsim_v(cwd, first, ap);
  va_end(ap);
  return c;
}

static void cli_free(cli *c) {
  g_free(c->out);
  g_free(c->err);
}

static void test_help(void) {
  cli c = run_cfqsim("--help", NULL);
  g_assert_cmpint(c.status, ==, 0);
  g_assert_nonnull(strstr(c.out, "explore"));
  cli_free(&c);
  c = run_cfqsim("run", "--help", NULL);
  g_assert_cmpint(c.status, ==, 0);
  g_assert_nonnull(strstr(c.out, "--variant"));
  cli_free(&c);
}

static void test_default_workload_runs(void) {
  char *d = scratch_dir("cli");
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("workloads/default.yaml", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 0);
  g_assert_nonnull(strstr(c.out, "completed"));
  char *summary = slurp(out, "summary.txt");
  g_assert_cmpstr(summary, ==, c.out);
  char *json = slurp(out, "metrics.json");
  g_assert_nonnull(strstr(json, "\"outcome\" : \"completed\""));
  g_free(json);
  g_free(summary);
  cli_free(&c);
  g_free(out);
  rm_rf(d);
  g_free(d);
}

/* The seed replayed hangs B on the buggy kernel (exit 1, a hang report naming
 * the wait queue), completes on the fixed one. */
static void test_race_replay(void) {
  char *d = scratch_dir("cli");
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("workloads/race-replay.yaml", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 1);
  g_assert_nonnull(strstr(c.out, "cfq: cic link failed!"));
  g_assert_nonnull(strstr(c.out, "step 10"));
  g_assert_nonnull(
      strstr(c.out, "B asleep in get_request_wait on sda rl->wait[SYNC]"));
  g_assert_nonnull(strstr(c.out, "outcome: hang"));
  cli_free(&c);
  c = run_cfqsim("workloads/race-replay.yaml", "--variant", "fixed", "-o", out,
                 NULL);
  g_assert_cmpint(c.status, ==, 0);
  g_assert_null(strstr(c.out, "cic link failed"));
  char *json = slurp(out, "metrics.json");
  g_assert_nonnull(strstr(json, "\"outcome\" : \"completed\""));
  g_free(json);
  cli_free(&c);
  g_free(out);
  rm_rf(d);
  g_free(d);
}

/* Same workload + same seed = byte-identical metrics.json; another seed
 * changes a random workload's results. */
static void test_determinism(void) {
  char *d = scratch_dir("cli");
  char *o1 = g_build_filename(d, "a", NULL),
       *o2 = g_build_filename(d, "b", NULL),
       *o3 = g_build_filename(d, "c", NULL);
  cli c1 = run_cfqsim("workloads/random-readers.yaml", "-q", "-o", o1, NULL);
  cli c2 = run_cfqsim("workloads/random-readers.yaml", "-q", "-o", o2, NULL);
  cli c3 = run_cfqsim("workloads/random-readers.yaml", "-q", "--seed", "7",
                      "-o", o3, NULL);
  g_assert_cmpint(c1.status, ==, 0);
  g_assert_cmpint(c3.status, ==, 0);
  char *j1 = slurp(o1, "metrics.json"), *j2 = slurp(o2, "metrics.json"),
       *j3 = slurp(o3, "metrics.json");
  g_assert_cmpstr(j1, ==, j2);
  g_assert_cmpstr(j1, !=, j3);
  g_free(j1);
  g_free(j2);
  g_free(j3);
  cli_free(&c1);
  cli_free(&c2);
  cli_free(&c3);
  g_free(o1);
  g_free(o2);
  g_free(o3);
  rm_rf(d);
  g_free(d);
}

/* The report records the seed the run used (--seed), not the workload's own,
 * so that a result can be reproduced from itself. */
static void test_seed_recorded(void) {
  char *d = scratch_dir("cli");
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("workloads/random-readers.yaml", "-q", "--seed", "7", "-o",
                     out, NULL);
  g_assert_cmpint(c.status, ==, 0);
  char *json = slurp(out, "metrics.json");
  JsonParser *p = json_parser_new();
  GError *err = NULL;
  g_assert_true(json_parser_load_from_data(p, json, -1, &err));
  g_assert_no_error(err);
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  g_assert_cmpint(json_object_get_int_member(o, "seed"), ==, 7);
  g_object_unref(p);
  char *summary = slurp(out, "summary.txt");
  char *first = g_strndup(summary, strcspn(summary, "\n"));
  g_assert_nonnull(strstr(first, "(seed 7,"));
  g_free(first);
  g_free(summary);
  g_free(json);
  cli_free(&c);
  g_free(out);
  rm_rf(d);
  g_free(d);
}

/* The slice still open when the run ends counts.  A lone sequential reader
 * cut by a duration shorter than one sync slice (100 ms) holds the disk the
 * whole run, in a slice CFQ never expires. */
static void test_open_slice_at_end(void) {
  char *d = scratch_dir("cli");
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("workloads/1r-seq.yaml", "-q", "--set", "duration=50ms",
                     "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 0);
  char *json = slurp(out, "metrics.json");
  JsonParser *p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  gint64 end = json_object_get_int_member(o, "sim_time_ns");
  g_assert_cmpint(end, ==, 50 * 1000 * 1000);
  JsonArray *shares = json_object_get_array_member(
      json_object_get_object_member(o, "fairness"), "shares");
  JsonObject *reader = json_array_get_object_element(shares, 0);
  g_assert_cmpstr(json_object_get_string_member(reader, "name"), ==, "reader");
  g_assert_cmpfloat(json_object_get_double_member(reader, "disk_time_share"),
                    ==, 1.0);
  g_object_unref(p);

  /* The timeline's last row is that slice, ending when the run ended. */
  char *csv = slurp(out, "slices.csv");
  char **lines = g_strsplit(g_strstrip(csv), "\n", -1);
  guint n = g_strv_length(lines);
  g_assert_cmpuint(n, >=, 2);
  char **f = g_strsplit(lines[n - 1], ",", -1);
  g_assert_cmpstr(f[2], ==, "readerS"); /* the reader's sync queue */
  g_assert_cmpint(g_ascii_strtoll(f[4], NULL, 10), ==, end);
  g_assert_cmpint(g_ascii_strtoll(f[6], NULL, 10), >, 0); /* used jiffies */
  g_strfreev(f);
  g_strfreev(lines);
  g_free(csv);
  g_free(json);
  cli_free(&c);
  g_free(out);
  rm_rf(d);
  g_free(d);
}

/* The kernel's log line is kept whatever the verbosity: kernel.log (always
 * written, possibly empty) and the summary carry it, stamped like dmesg with
 * the simulated time at which the narrated trace shows it. */
static void test_kernel_log(void) {
  char *d = scratch_dir("cli");
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("workloads/race-replay.yaml", "--quiet", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 1);
  g_assert_cmpstr(c.out, ==, "");
  char *klog = slurp(out, "kernel.log");
  GRegex *re = g_regex_new(
      "^\\[ *(\\d+)\\.(\\d{6})\\] cfq: cic link failed!\n$", 0, 0, NULL);
  GMatchInfo *mi = NULL;
  g_assert_true(g_regex_match(re, klog, 0, &mi));
  char *sec = g_match_info_fetch(mi, 1), *usec = g_match_info_fetch(mi, 2);
  gint64 at_us = g_ascii_strtoll(sec, NULL, 10) * 1000000 +
                 g_ascii_strtoll(usec, NULL, 10);
  g_match_info_free(mi);
  g_regex_unref(re);
  char *summary = slurp(out, "summary.txt");
  g_assert_nonnull(strstr(summary, "\nkernel log\n"));
  g_assert_nonnull(strstr(summary, klog));
  cli_free(&c);

  /* The narrated run shows the same message at the same simulated time
   * ("  ms.nnnnnn ms  kernel      cfq: cic link failed!"). */
  c = run_cfqsim("workloads/race-replay.yaml", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 1);
  const char *line = strstr(c.out, "kernel      cfq: cic link failed!");
  g_assert_nonnull(line);
  const char *bol = line;
  while (bol > c.out && bol[-1] != '\n')
    bol--;
  char *ms_end = NULL;
  gint64 ms = g_ascii_strtoll(bol, &ms_end, 10);
  g_assert_cmpint(*ms_end, ==, '.');
  gint64 frac_ns = g_ascii_strtoll(ms_end + 1, NULL, 10);
  g_assert_cmpint(at_us, ==, (ms * 1000000 + frac_ns) / 1000);
  cli_free(&c);

  c = run_cfqsim("workloads/race-replay.yaml", "--quiet", "--variant", "fixed",
                 "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 0);
  char *fixed_log = slurp(out, "kernel.log");
  g_assert_cmpstr(fixed_log, ==, "");
  char *fixed_summary = slurp(out, "summary.txt");
  g_assert_null(strstr(fixed_summary, "kernel log"));
  g_assert_null(strstr(fixed_summary, "cic link failed"));
  g_free(fixed_summary);
  g_free(fixed_log);
  cli_free(&c);
  g_free(sec);
  g_free(usec);
  g_free(summary);
  g_free(klog);
  g_free(out);
  rm_rf(d);
  g_free(d);
}

/* Bad input: file:line:col message, exit 2, no output directory. */
static void test_bad_input(void) {
  char *d = scratch_dir("cli");
  char *wl = g_build_filename(d, "bad.yaml", NULL);
  g_assert_true(g_file_set_contents(
      wl, "name: bad\nduration: 1s\ndevices:\n  - name: sda\n    modle: hdd\n",
      -1, NULL));
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim(wl, "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 2);
  char *want = g_strdup_printf("%s:5:5:", wl);
  g_assert_nonnull(strstr(c.err, want));
  g_assert_nonnull(strstr(c.err, "did you mean 'model'"));
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  g_free(want);
  cli_free(&c);
  c = run_cfqsim("workloads/default.yaml", "--variant", "maybe", "-o", out,
                 NULL);
  g_assert_cmpint(c.status, ==, 2);
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  cli_free(&c);
  c = run_cfqsim("no-such-file.yaml", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 2);
  cli_free(&c);
  c = run_cfqsim("exploer", "workloads/race-replay.yaml", NULL);
  g_assert_cmpint(c.status, ==, 2);
  g_assert_nonnull(strstr(c.err, "did you mean 'explore'?"));
  cli_free(&c);
  g_free(out);
  g_free(wl);
  rm_rf(d);
  g_free(d);
}

/* A compare of the race replay: buggy hangs, fixed does not. */
static void test_compare(void) {
  char *d = scratch_dir("cli");
  cli c = run_cfqsim("compare", "workloads/race-replay.yaml", "-o", d, NULL);
  g_assert_cmpint(c.status, ==, 1);
  char *csv = slurp(d, "compare.csv");
  g_assert_nonnull(strstr(csv, "\nbuggy,1,1,1,1,"));
  g_assert_nonnull(strstr(csv, "\nfixed,1,0,0,0,"));
  g_free(csv);
  cli_free(&c);
  rm_rf(d);
  g_free(d);
}

/* compare --help names every file compare writes (its .cfqsim marker
 * lists them after the first line). */
static void test_compare_help_names_its_files(void) {
  char *d = scratch_dir("cli");
  cli c =
      run_cfqsim("compare", "workloads/race-replay.yaml", "-q", "-o", d, NULL);
  g_assert_cmpint(c.status, ==, 1);
  cli h = run_cfqsim("compare", "--help", NULL);
  g_assert_cmpint(h.status, ==, 0);
  char *marker = slurp(d, ".cfqsim");
  char **lines = g_strsplit(marker, "\n", -1);
  g_assert_cmpstr(lines[0], ==, "cfqsim compare");
  guint files = 0;
  for (guint i = 1; lines[i]; i++) {
    if (!*lines[i])
      continue;
    if (!strstr(h.out, lines[i]))
      g_error("compare --help does not name %s, which compare writes",
              lines[i]);
    files++;
  }
  g_assert_cmpuint(files, ==, 3);
  g_strfreev(lines);
  g_free(marker);
  cli_free(&h);
  cli_free(&c);
  rm_rf(d);
  g_free(d);
}

/* Every command that loads a workload takes its overrides, --set and
 * --seed, and --seed N does what --set seed=N does. */
static void test_seed_everywhere(void) {
  const char *const cmds[] = {"run", "explore", "compare"};
  for (gsize i = 0; i < G_N_ELEMENTS(cmds); i++) {
    cli h = run_cfqsim(cmds[i], "--help", NULL);
    g_assert_cmpint(h.status, ==, 0);
    if (!strstr(h.out, "--set=") || !strstr(h.out, "--seed="))
      g_error("cfqsim %s --help lacks --set or --seed", cmds[i]);
    cli_free(&h);
  }
  char *d = scratch_dir("cli");
  char *a = g_build_filename(d, "a", NULL), *b = g_build_filename(d, "b", NULL);
  cli ca = run_cfqsim("compare", "workloads/shared-ioc-threads.yaml", "-n", "3",
                      "--seed", "7", "-o", a, NULL);
  cli cb = run_cfqsim("compare", "workloads/shared-ioc-threads.yaml", "-n", "3",
                      "--set", "seed=7", "-o", b, NULL);
  g_assert_cmpint(ca.status, ==, cb.status);
  g_assert_cmpstr(ca.out, ==, cb.out);
  g_assert_nonnull(strstr(ca.out, "3 seeds from 7 "));
  const char *files[] = {"compare.csv", "compare.json"};
  for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
    char *x = slurp(a, files[i]), *y = slurp(b, files[i]);
    g_assert_cmpstr(x, ==, y);
    g_free(x);
    g_free(y);
  }
  cli ea = run_cfqsim("explore", "workloads/race-explore-2.yaml", "--seed", "7",
                      NULL);
  cli eb = run_cfqsim("explore", "workloads/race-explore-2.yaml", "--set",
                      "seed=7", NULL);
  g_assert_cmpint(ea.status, ==, 1);
  g_assert_cmpint(eb.status, ==, 1);
  g_assert_cmpstr(ea.out, ==, eb.out);
  cli bad = run_cfqsim("explore", "workloads/race-explore-2.yaml", "--seed",
                       "-1", NULL);
  g_assert_cmpint(bad.status, ==, 2);
  g_assert_true(g_str_has_prefix(bad.err, "cfqsim explore: --seed: "));
  cli_free(&bad);
  cli_free(&eb);
  cli_free(&ea);
  cli_free(&cb);
  cli_free(&ca);
  g_free(b);
  g_free(a);
  rm_rf(d);
  g_free(d);
}

/* Counts on the command line are decimal: --seeds 010 is ten seeds, not
 * octal eight, and 0x3 is refused like any other non-number. */
static void test_counts_are_decimal(void) {
  char *d = scratch_dir("cli");
  cli c = run_cfqsim("compare", "workloads/race-replay.yaml", "--seeds", "010",
                     "-o", d, NULL);
  g_assert_cmpint(c.status, ==, 1);
  g_assert_true(
      g_str_has_prefix(c.out, "compare: race-replay, 10 seeds from "));
  cli_free(&c);
  const char *bad[][3] = {{"compare", "--seeds", "0x3"},
                          {"compare", "--seeds", "0"},
                          {"compare", "--seeds", "x"},
                          {"explore", "--preemption-bound", "0x1"},
                          {"explore", "--preemption-bound", "-2"},
                          {"explore", "--preemption-bound", "x"}};
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    c = run_cfqsim(bad[i][0], "workloads/race-replay.yaml", bad[i][1],
                   bad[i][2], NULL);
    g_assert_cmpint(c.status, ==, 2);
    char *want = g_strdup_printf(
        "cfqsim %s: %s must be a whole number, %s, not '%s'\n", bad[i][0],
        bad[i][1], i < 3 ? "at least 1" : "-1 or more", bad[i][2]);
    g_assert_cmpstr(c.err, ==, want);
    g_free(want);
    cli_free(&c);
  }
  rm_rf(d);
  g_free(d);
}

/* The line of `text` that starts with `prefix`, as a new string. */
static char *line_of(const char *text, const char *prefix) {
  char **lines = g_strsplit(text, "\n", -1);
  char *found = NULL;
  for (guint i = 0; lines[i] && !found; i++)
    if (g_str_has_prefix(lines[i], prefix))
      found = g_strdup(lines[i]);
  g_strfreev(lines);
  g_assert_nonnull(found);
  return found;
}

/* Compare speaks the unit `run` speaks (MiB/s), and its fixed column's
 * throughput of one seed is the fixed run's device throughput. */
static void test_compare_units(void) {
  char *d = scratch_dir("cli");
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("compare", "workloads/race-replay.yaml", "-o", d, NULL);
  g_assert_cmpint(c.status, ==, 1);
  g_assert_null(strstr(c.out, " MB/s"));
  char *tp = line_of(c.out, "throughput (mean)");
  char **f = g_strsplit_set(tp + strlen("throughput (mean)"), " ", -1);
  GPtrArray *words = g_ptr_array_new();
  for (guint i = 0; f[i]; i++)
    if (*f[i])
      g_ptr_array_add(words, f[i]);
  g_assert_cmpuint(words->len, ==, 4);
  g_assert_cmpstr(g_ptr_array_index(words, 1), ==, "MiB/s");
  g_assert_cmpstr(g_ptr_array_index(words, 3), ==, "MiB/s");
  double fixed = g_ascii_strtod(g_ptr_array_index(words, 2), NULL);
  g_ptr_array_free(words, TRUE);
  g_strfreev(f);
  g_free(tp);
  cli_free(&c);

  c = run_cfqsim("workloads/race-replay.yaml", "--variant", "fixed", "-o", out,
                 NULL);
  g_assert_cmpint(c.status, ==, 0);
  char *dev = line_of(c.out, "  sda ");
  char **cols = g_strsplit_set(dev, " ", -1);
  GPtrArray *v = g_ptr_array_new();
  for (guint i = 0; cols[i]; i++)
    if (*cols[i])
      g_ptr_array_add(v, cols[i]);
  /* name MiB ios MiB/s IOPS util% */
  double run_mibs = g_ascii_strtod(g_ptr_array_index(v, 3), NULL);
  g_assert_cmpfloat(run_mibs, >, 0.0);
  g_assert_cmpfloat(fabs(fixed - run_mibs), <=, 0.0015);
  g_ptr_array_free(v, TRUE);
  g_strfreev(cols);
  g_free(dev);
  cli_free(&c);
  g_free(out);
  rm_rf(d);
  g_free(d);
}

/* A hung I/O's latency is at least the time it waited: in the buggy race B's
 * read never completes, yet it waited from before B fell asleep to the end of
 * the run. */
static void test_compare_hung_latency(void) {
  char *d = scratch_dir("cli");
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("workloads/race-replay.yaml", "-q", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 1);
  char *json = slurp(out, "metrics.json");
  JsonParser *p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
  gint64 end = json_object_get_int_member(
      json_node_get_object(json_parser_get_root(p)), "sim_time_ns");
  g_object_unref(p);
  char *summary = slurp(out, "summary.txt");
  const char *since = strstr(
      summary, "B asleep in get_request_wait on sda rl->wait[SYNC] since ");
  g_assert_nonnull(since);
  double since_ms = g_ascii_strtod(strstr(since, "since ") + 6, NULL);
  double waited_ms = (double)end / 1e6 - since_ms; /* at least */
  g_assert_cmpfloat(waited_ms, >, 0.0);
  cli_free(&c);

  char *cmp = g_build_filename(d, "compare", NULL);
  c = run_cfqsim("compare", "workloads/race-replay.yaml", "-o", cmp, NULL);
  g_free(cmp);
  g_assert_cmpint(c.status, ==, 1);
  const char *by = strstr(c.out, "latency max by process\n");
  g_assert_nonnull(by);
  char *brow = line_of(by, "  B ");
  double b_buggy = g_ascii_strtod(brow + 3, NULL);
  g_assert_cmpfloat(b_buggy, >=, waited_ms);
  /* ... and so is the worst of all. */
  char *mx = line_of(c.out, "latency max ");
  double all_buggy = g_ascii_strtod(mx + strlen("latency max "), NULL);
  g_assert_cmpfloat(all_buggy, >=, b_buggy);
  g_free(mx);
  g_free(brow);
  cli_free(&c);
  g_free(summary);
  g_free(json);
  g_free(out);
  rm_rf(d);
  g_free(d);
}

/* Hang detection (docs/model.md, "Hang detection"): the report names the last
 * event that could have woken the sleeper.  When time passes between A's
 * completion and B's failing link (`~` delivers the idle timer), that is A's
 * request free, strictly before B slept; B's own reservation undo in `fail`
 * precedes its enqueue and can never wake B itself. */
static void test_hang_report_last_free(void) {
  char *d = scratch_dir("cli");
  char *src = NULL;
  g_assert_true(g_file_get_contents(
      CFQSIM_SOURCE_DIR "/workloads/race-replay.yaml", &src, NULL, NULL));
  GString *wl = g_string_new(src);
  g_assert_cmpint(g_string_replace(wl, "A@io_wait, B@link",
                                   "A@io_wait, '~', '~', B@link", 1),
                  ==, 1);
  g_assert_cmpint(g_string_replace(wl, "  labels:", "  #labels:", 1), ==, 1);
  char *path = g_build_filename(d, "late.yaml", NULL);
  g_assert_true(g_file_set_contents(path, wl->str, -1, NULL));
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim(path, "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 1);
  const char *at = strstr(
      c.out, "B asleep in get_request_wait on sda rl->wait[SYNC] since ");
  g_assert_nonnull(at);
  double since = g_ascii_strtod(strstr(at, "since ") + 6, NULL);
  const char *lf = strstr(at, "last freed_request of that class: ");
  g_assert_nonnull(lf);
  lf += strlen("last freed_request of that class: ");
  g_assert_false(g_str_has_prefix(lf, "never"));
  double last = g_ascii_strtod(lf, NULL);
  g_assert_cmpfloat(last, >, 0.0);
  g_assert_cmpfloat(last, <, since); /* A's free, not B's own undo */
  cli_free(&c);
  g_string_free(wl, TRUE);
  g_free(src);
  g_free(path);
  g_free(out);
  rm_rf(d);
  g_free(d);
}

/* A short run: one reader, four I/Os on the SSD. */
static const char small_workload[] =
    "name: small\n"
    "devices: [{name: sda, model: ssd}]\n"
    "processes: [{name: A, rw: read, size: 64k, count: 4}]\n";

static void put(const char *dir, const char *name, const char *text) {
  char *path = g_build_filename(dir, name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  g_free(path);
}

static void assert_kept(const char *dir, const char *name, const char *text) {
  char *got = slurp(dir, name);
  g_assert_cmpstr(got, ==, text);
  g_free(got);
}

/* No temporary or set-aside directory is left in `dir`. */
static void assert_no_leftovers(const char *dir) {
  GDir *d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  const char *n;
  while ((n = g_dir_read_name(d)))
    if (strstr(n, ".tmp-") || strstr(n, ".old-"))
      g_error("%s left in %s", n, dir);
  g_dir_close(d);
}

/* `-o DIR` replaces DIR only if it is empty or a result of the same command;
 * a folder holding the user's files is refused and left as it was. */
static void test_output_not_ours(void) {
  char *d = scratch_dir("cli");
  put(d, "w.yaml", small_workload);
  put(d, "mine.txt", "keep");
  const char *cmds[] = {"run", "compare"};
  for (guint i = 0; i < G_N_ELEMENTS(cmds); i++) {
    cli c = run_cfqsim_in(d, cmds[i], "w.yaml", "-q", "-o", d, NULL);
    g_assert_cmpint(c.status, ==, 2);
    g_assert_nonnull(strstr(c.err, d));
    g_assert_nonnull(strstr(c.err, "'mine.txt', 'w.yaml'"));
    g_assert_nonnull(strstr(c.err, "-o DIR"));
    cli_free(&c);
    assert_kept(d, "mine.txt", "keep");
    assert_kept(d, "w.yaml", small_workload);
  }
  /* The default results/<name>/ obeys the same rule. */
  char *res = g_build_filename(d, "results", "small", NULL);
  g_assert_cmpint(g_mkdir_with_parents(res, 0777), ==, 0);
  put(res, "notes.txt", "mine");
  cli c = run_cfqsim_in(d, "w.yaml", "-q", NULL);
  g_assert_cmpint(c.status, ==, 2);
  g_assert_nonnull(strstr(c.err, "'notes.txt'"));
  cli_free(&c);
  assert_kept(res, "notes.txt", "mine");
  /* An empty directory is fine, and so is a previous run, ... */
  char *note = g_build_filename(res, "notes.txt", NULL);
  g_assert_cmpint(g_unlink(note), ==, 0);
  for (int k = 0; k < 2; k++) {
    c = run_cfqsim_in(d, "w.yaml", "-q", NULL);
    g_assert_cmpint(c.status, ==, 0);
    cli_free(&c);
  }
  char *json = slurp(res, "metrics.json");
  g_free(json);
  /* ... but not one the user has put a file into, nor a compare. */
  put(res, "notes.txt", "mine");
  c = run_cfqsim_in(d, "w.yaml", "-q", NULL);
  g_assert_cmpint(c.status, ==, 2);
  cli_free(&c);
  assert_kept(res, "notes.txt", "mine");
  g_assert_cmpint(g_unlink(note), ==, 0);
  c = run_cfqsim_in(d, "compare", "w.yaml", "-q", "-o", "results/small", NULL);
  g_assert_cmpint(c.status, ==, 2);
  g_assert_nonnull(strstr(c.err, "a cfqsim run result, not a compare result"));
  cli_free(&c);
  json = slurp(res, "metrics.json");
  g_free(json);
  /* A file or a symbolic link is not replaced either. */
  char *link = g_build_filename(d, "link", NULL);
  g_assert_cmpint(symlink(res, link), ==, 0);
  c = run_cfqsim_in(d, "w.yaml", "-q", "-o", "link", NULL);
  g_assert_cmpint(c.status, ==, 2);
  cli_free(&c);
  c = run_cfqsim_in(d, "w.yaml", "-q", "-o", "mine.txt", NULL);
  g_assert_cmpint(c.status, ==, 2);
  cli_free(&c);
  assert_kept(d, "mine.txt", "keep");
  g_assert_true(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
  assert_no_leftovers(d);
  char *parent = g_build_filename(d, "results", NULL);
  assert_no_leftovers(parent);
  g_free(parent);
  g_free(link);
  g_free(note);
  g_free(res);
  rm_rf(d);
  g_free(d);
}

/* `name: ../mydata` once made a plain run replace ./mydata; a name is a
 * label, refused with its position. */
static void test_name_is_not_a_path(void) {
  char *d = scratch_dir("cli");
  char *mydata = g_build_filename(d, "mydata", NULL);
  g_assert_cmpint(g_mkdir(mydata, 0777), ==, 0);
  put(mydata, "thesis.tex", "years of work");
  put(d, "w.yaml",
      "name: ../mydata\n"
      "devices: [{name: sda, model: ssd}]\n"
      "processes: [{name: A, rw: read, size: 64k, count: 4}]\n");
  cli c = run_cfqsim_in(d, "w.yaml", "-q", NULL);
  g_assert_cmpint(c.status, ==, 2);
  g_assert_true(
      g_str_has_prefix(c.err, "w.yaml:1:7: workload name '../mydata'"));
  cli_free(&c);
  assert_kept(mydata, "thesis.tex", "years of work");
  char *results = g_build_filename(d, "results", NULL);
  g_assert_false(g_file_test(results, G_FILE_TEST_EXISTS));
  g_free(results);
  g_free(mydata);
  rm_rf(d);
  g_free(d);
}

/* Results are created as mkdir would (0777 less the umask), not 0700; and an
 * error names the directory asked for, not a temporary one. */
static void test_output_mode_and_errors(void) {
  char *d = scratch_dir("cli");
  put(d, "w.yaml", small_workload);
  mode_t old = umask(022);
  cli c = run_cfqsim_in(d, "w.yaml", "-q", "-o", "out", NULL);
  g_assert_cmpint(c.status, ==, 0);
  cli_free(&c);
  c = run_cfqsim_in(d, "compare", "w.yaml", "-q", "-o", "cmp", NULL);
  g_assert_cmpint(c.status, ==, 0);
  cli_free(&c);
  umask(old);
  const char *dirs[] = {"out", "cmp"};
  for (guint i = 0; i < G_N_ELEMENTS(dirs); i++) {
    char *p = g_build_filename(d, dirs[i], NULL);
    GStatBuf st;
    g_assert_cmpint(g_stat(p, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0755);
    g_free(p);
  }
  /* /proc takes no new directory, whoever we are. */
  c = run_cfqsim_in(d, "w.yaml", "-q", "-o", "/proc/cfqsim-out", NULL);
  g_assert_cmpint(c.status, ==, 2);
  g_assert_nonnull(strstr(c.err, "/proc/cfqsim-out:"));
  g_assert_null(strstr(c.err, ".tmp-"));
  cli_free(&c);
  rm_rf(d);
  g_free(d);
}

/* The first line of stderr, without its position ("file:line:col: " or
 * "cfqsim run: --"): the message itself. */
static char *message_of(const char *err) {
  g_autofree char *line = g_strndup(err, strcspn(err, "\n"));
  const char *m = g_str_has_prefix(line, "cfqsim run: --")
                      ? line + strlen("cfqsim run: --")
                  : strstr(line, ": ") ? strstr(line, ": ") + 2
                                       : line;
  return g_strdup(m);
}

/* --seed -1, 2^64 - 1 and 10^23 all ran, as 2^64 - 1.  They are refused
 * exactly as the workload's seed: key refuses them, exit 2 and nothing
 * written. */
static void test_seed_range(void) {
  char *d = scratch_dir("cli");
  char *out = g_build_filename(d, "out", NULL);
  char *wl = g_build_filename(d, "s.yaml", NULL);
  const char *bad[] = {"-1", "18446744073709551615", "99999999999999999999999",
                       "9000000000000000001", "7x"};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    cli c = run_cfqsim("workloads/default.yaml", "-q", "--seed", bad[i], "-o",
                       out, NULL);
    g_assert_cmpint(c.status, ==, 2);
    g_assert_true(g_str_has_prefix(c.err, "cfqsim run: --seed: "));
    g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
    char *yaml =
        g_strdup_printf("seed: %s\nprocesses: [{name: A, count: 1}]\n", bad[i]);
    g_assert_true(g_file_set_contents(wl, yaml, -1, NULL));
    cli k = run_cfqsim(wl, "-q", "-o", out, NULL);
    g_assert_cmpint(k.status, ==, 2);
    char *want_pos = g_strdup_printf("%s:1:7: seed: ", wl);
    g_assert_true(g_str_has_prefix(k.err, want_pos));
    char *m1 = message_of(c.err), *m2 = message_of(k.err);
    g_assert_cmpstr(m1, ==, m2);
    g_assert_true(strstr(m1, "out of range (0 to 9000000000000000000)") ||
                  strstr(m1, "is too large") || strstr(m1, "invalid integer"));
    g_free(m1);
    g_free(m2);
    g_free(want_pos);
    g_free(yaml);
    cli_free(&k);
    cli_free(&c);
  }
  /* The largest seed the key takes runs. */
  cli c = run_cfqsim("workloads/default.yaml", "-q", "--seed",
                     "9000000000000000000", "--set", "duration=50ms", "-o", out,
                     NULL);
  g_assert_cmpint(c.status, ==, 0);
  cli_free(&c);
  g_free(wl);
  g_free(out);
  rm_rf(d);
  g_free(d);
}

/* README "Using it" names every long option each command's --help lists,
 * on that command's lines of the usage block (`cfqsim CMD ...` and the
 * indented lines that continue it). */
static GHashTable *readme_usage(void) {
  char *readme = NULL;
  g_assert_true(
      g_file_get_contents(CFQSIM_SOURCE_DIR "/README.md", &readme, NULL, NULL));
  const char *sec = strstr(readme, "\n## Using it\n");
  g_assert_nonnull(sec);
  const char *block = strstr(sec, "\n```\n");
  g_assert_nonnull(block);
  block += 5;
  const char *end = strstr(block, "\n```");
  g_assert_nonnull(end);
  char *text = g_strndup(block, (gsize)(end - block));
  char **lines = g_strsplit(text, "\n", -1);
  GHashTable *usage =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  char *cmd = NULL;
  for (int i = 0; lines[i]; i++) {
    if (g_str_has_prefix(lines[i], "cfqsim ")) {
      g_free(cmd);
      const char *w = lines[i] + strlen("cfqsim ");
      cmd = g_strndup(w, strcspn(w, " "));
    } else if (lines[i][0] != ' ') {
      g_clear_pointer(&cmd, g_free);
    }
    if (!cmd)
      continue;
    char *old = g_hash_table_lookup(usage, cmd);
    g_hash_table_insert(usage, g_strdup(cmd),
                        g_strconcat(old ? old : "", lines[i], "\n", NULL));
  }
  g_free(cmd);
  g_strfreev(lines);
  g_free(text);
  g_free(readme);
  return usage;
}

/* `--name` as a whole word of `text`. */
static gboolean has_option(const char *text, const char *opt) {
  size_t n = strlen(opt);
  for (const char *p = strstr(text, opt); p; p = strstr(p + 1, opt)) {
    char after = p[n];
    if ((p == text || !g_ascii_isalnum(p[-1])) && !g_ascii_isalnum(after) &&
        after != '-' && after != '_')
      return TRUE;
  }
  return FALSE;
}

static void test_readme_lists_options(void) {
  GHashTable *usage = readme_usage();
  static const char *const commands[] = {"run", "explore", "compare", "sweep",
                                         "plot"};
  guint checked = 0;
  for (gsize c = 0; c < G_N_ELEMENTS(commands); c++) {
    const char *lines = g_hash_table_lookup(usage, commands[c]);
    if (!lines)
      g_error("README \"Using it\" has no `cfqsim %s` line", commands[c]);
    cli h = run_cfqsim(commands[c], "--help", NULL);
    g_assert_cmpint(h.status, ==, 0);
    char **help = g_strsplit(h.out, "\n", -1);
    for (int i = 0; help[i]; i++) {
      /* an option line: "  -o, --output=DIR   ..." or "  --seed=N   ..." */
      const char *l = help[i] + strspn(help[i], " ");
      if (l[0] != '-')
        continue;
      const char *opt = strstr(l, "--");
      if (!opt || opt > l + 4)
        continue;
      char *name = g_strndup(
          opt, 2 + strspn(opt + 2, "abcdefghijklmnopqrstuvwxyz0123456789-"));
      if (strcmp(name, "--help") != 0 && !g_str_has_prefix(name, "--help-")) {
        if (!has_option(lines, name))
          g_error("README \"Using it\": `cfqsim %s` does not list %s (from "
                  "`cfqsim %s --help`)",
                  commands[c], name, commands[c]);
        checked++;
      }
      g_free(name);
    }
    g_strfreev(help);
    cli_free(&h);
  }
  /* run's options alone are six: the scan found the option lines */
  g_assert_cmpuint(checked, >=, 20);
  g_hash_table_destroy(usage);
}

/* A region past the device aborted the run (exit 134, "make_bio: assertion
 * failed"); now exit 2, the key's position, the process and the capacity. */
static void test_region_beyond_device(void) {
  char *d = scratch_dir("cli");
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("workloads/seq-readers.yaml", "-q", "--set",
                     "processes.reader.numjobs=26", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 2);
  g_assert_true(g_str_has_prefix(c.err, "--set:1:26: process 'reader.25' "));
  g_assert_nonnull(strstr(c.err, "device 'sda' (capacity 500 GiB)"));
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  cli_free(&c);

  char *wl = g_build_filename(d, "far.yaml", NULL);
  g_assert_true(
      g_file_set_contents(wl,
                          "processes:\n  - {name: A, count: 1, offset: 500g}\n"
                          "  - {name: B, count: 1, size: 2t}\n",
                          -1, NULL));
  c = run_cfqsim(wl, "-q", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 2);
  char *want = g_strdup_printf(
      "%s:2:33: process 'A': offset 500 GiB leaves no room for one 4 KiB I/O "
      "on device 'sda' (capacity 500 GiB)\n",
      wl);
  g_assert_cmpstr(c.err, ==, want);
  g_free(want);
  cli_free(&c);
  c = run_cfqsim(wl, "-q", "--set", "processes.A.offset=0", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 2);
  want = g_strdup_printf("%s:3:31: process 'B': size 2 TiB is larger than "
                         "device 'sda' (capacity 500 GiB)\n",
                         wl);
  g_assert_cmpstr(c.err, ==, want);
  g_free(want);
  cli_free(&c);
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  g_free(wl);
  g_free(out);
  rm_rf(d);
  g_free(d);
}

/* --set mistakes: one format, --set:N:COL, the did-you-mean hint; the path
 * named is the one written. */
static void test_set_mistakes(void) {
  static const struct {
    const char *set[2];
    const char *err;
  } cases[] = {
      {{"processes.seq1=1"},
       "--set:1:11: a process cannot be replaced as a whole; set one of its "
       "keys, e.g. processes.seq1.runtime=...\n"},
      {{"processes.seq3.bs=4k"},
       "--set:1:11: no process named 'seq3' in 'processes' (did you mean "
       "'seq1'?)\n"},
      {{"duration=1s", "processes.seq1.bss=4k"},
       "--set:2:16: unknown key 'bss' in process 'seq1' (did you mean 'bs'?)\n"},
      {{"devices.sda.scheduler.slice_idel=0"},
       "--set:1:23: unknown key 'slice_idel' in scheduler (did you mean "
       "'slice_idle'?)\n"},
      {{"processes.seq1.bs=4q"},
       "--set:1:19: bs: invalid size '4q' (a number of bytes, or with k, m, g "
       "or t for powers of 1024, e.g. 4k)\n"},
      {{"slice_idle"},
       "--set:1:1: expected KEY=VALUE (e.g. devices.sda.scheduler.slice_idle=0), "
       "found 'slice_idle'\n"},
  };
  char *d = scratch_dir("cli");
  char *out = g_build_filename(d, "out", NULL);
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    cli c = cases[i].set[1]
                ? run_cfqsim("workloads/default.yaml", "--set", cases[i].set[0],
                             "--set", cases[i].set[1], "-o", out, NULL)
                : run_cfqsim("workloads/default.yaml", "--set", cases[i].set[0],
                             "-o", out, NULL);
    g_assert_cmpint(c.status, ==, 2);
    g_assert_cmpstr(c.err, ==, cases[i].err);
    g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
    cli_free(&c);
  }
  g_free(out);
  rm_rf(d);
  g_free(d);
}

/* Every job at numjobs: 0 ran and reported "Jain's index 1.0000 over 0
 * processes"; YAML nested 100,000 deep took most of a minute to refuse. */
static void test_no_processes_and_nesting(void) {
  char *d = scratch_dir("cli");
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("workloads/seq-readers.yaml", "--set",
                     "processes.reader.numjobs=0", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 2);
  g_assert_true(
      g_str_has_suffix(c.err, ": no processes: every job has numjobs: 0\n"));
  g_assert_true(g_str_has_prefix(c.err, "workloads/seq-readers.yaml:"));
  cli_free(&c);
  char *wl = g_build_filename(d, "deep.yaml", NULL);
  GString *s = g_string_new("processes: ");
  for (int i = 0; i < 100000; i++)
    g_string_append_c(s, '[');
  for (int i = 0; i < 100000; i++)
    g_string_append_c(s, ']');
  g_assert_true(g_file_set_contents(wl, s->str, (gssize)s->len, NULL));
  c = run_cfqsim(wl, "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 2);
  char *want = g_strdup_printf(
      "%s:1:75: nesting is too deep (more than 64 levels)\n", wl);
  g_assert_cmpstr(c.err, ==, want);
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  g_free(want);
  cli_free(&c);
  g_string_free(s, TRUE);
  g_free(wl);
  g_free(out);
  rm_rf(d);
  g_free(d);
}

/* The two kernel variants explored at once (-j 2) give the report they
 * give one after the other, on both disks, and so does one variant. */
static void test_explore_jobs(void) {
  const char *const cases[][3] = {
      {"workloads/race-explore-3.yaml", "--set", "devices.sda.model=ssd"},
      {"workloads/race-explore-2.yaml", "--set", "devices.sda.model=hdd"},
      {"workloads/race-explore-3.yaml", "--variant", "fixed"}};
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    cli one = run_cfqsim("explore", cases[i][0], cases[i][1], cases[i][2], "-j",
                         "1", NULL);
    cli two = run_cfqsim("explore", cases[i][0], cases[i][1], cases[i][2], "-j",
                         "2", NULL);
    g_assert_cmpint(one.status, ==, i == 2 ? 0 : 1);
    g_assert_cmpint(two.status, ==, one.status);
    g_assert_cmpstr(two.out, ==, one.out);
    g_assert_nonnull(strstr(one.out, "distinct states:"));
    cli_free(&one);
    cli_free(&two);
  }
  cli none =
      run_cfqsim("explore", "workloads/race-explore-2.yaml", "-j", "0", NULL);
  g_assert_cmpint(none.status, ==, 2);
  g_assert_cmpstr(none.err, ==,
                  "cfqsim explore: -j must be a whole number of runs at once, "
                  "at least 1, not '0'\n");
  cli_free(&none);
}

/* explore keeps ready sets as 64-bit masks: a 65th process aborted it
 * (g_assert); it is refused with exit 2. */
static void test_explore_too_many_processes(void) {
  char *d = scratch_dir("cli");
  char *wl = g_build_filename(d, "wide.yaml", NULL);
  g_assert_true(g_file_set_contents(
      wl, "processes: [{name: p, count: 1, numjobs: 65}]\n", -1, NULL));
  /* one by one, or both variants at once: one message */
  for (int j = 1; j <= 2; j++) {
    cli c = run_cfqsim("explore", wl, "-j", j == 1 ? "1" : "2", NULL);
    g_assert_cmpint(c.status, ==, 2);
    g_assert_cmpstr(c.err, ==,
                    "cfqsim explore: explore follows at most 64 "
                    "processes, this workload has 65: use fewer (numjobs)\n");
    cli_free(&c);
  }
  g_free(wl);
  rm_rf(d);
  g_free(d);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/cli/help", test_help);
  g_test_add_func("/cli/default-workload", test_default_workload_runs);
  g_test_add_func("/cli/race-replay", test_race_replay);
  g_test_add_func("/cli/determinism", test_determinism);
  g_test_add_func("/cli/seed-recorded", test_seed_recorded);
  g_test_add_func("/cli/open-slice-at-end", test_open_slice_at_end);
  g_test_add_func("/cli/kernel-log", test_kernel_log);
  g_test_add_func("/cli/bad-input", test_bad_input);
  g_test_add_func("/cli/compare", test_compare);
  g_test_add_func("/cli/compare-help-names-its-files",
                  test_compare_help_names_its_files);
  g_test_add_func("/cli/compare-units", test_compare_units);
  g_test_add_func("/cli/compare-hung-latency", test_compare_hung_latency);
  g_test_add_func("/cli/hang-report-last-free", test_hang_report_last_free);
  g_test_add_func("/cli/output-not-ours", test_output_not_ours);
  g_test_add_func("/cli/name-is-not-a-path", test_name_is_not_a_path);
  g_test_add_func("/cli/output-mode-and-errors", test_output_mode_and_errors);
  g_test_add_func("/cli/readme-lists-options", test_readme_lists_options);
  g_test_add_func("/cli/seed-range", test_seed_range);
  g_test_add_func("/cli/seed-everywhere", test_seed_everywhere);
  g_test_add_func("/cli/counts-are-decimal", test_counts_are_decimal);
  g_test_add_func("/cli/region-beyond-device", test_region_beyond_device);
  g_test_add_func("/cli/set-mistakes", test_set_mistakes);
  g_test_add_func("/cli/no-processes-and-nesting",
                  test_no_processes_and_nesting);
  g_test_add_func("/cli/explore-jobs", test_explore_jobs);
  g_test_add_func("/cli/explore-too-many-processes",
                  test_explore_too_many_processes);
  return g_test_run();
}
