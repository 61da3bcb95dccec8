/* The cfqsim program as a user runs it: exit statuses, outputs, the race
 * replay on both kernels, determinism, and bad input that leaves nothing
 * half-written. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

typedef struct cli {
  int status;
  char *out, *err;
} cli;

/* Run cfqsim with the given arguments (NULL-terminated) in the source tree. */
static cli run_cfqsim(const char *first, ...) {
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)CFQSIM_BINARY);
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a; a = va_arg(ap, const char *))
    g_ptr_array_add(argv, (char *)a);
  va_end(ap);
  g_ptr_array_add(argv, NULL);
  cli c = {0};
  GError *err = NULL;
  int wait_status;
  g_assert_true(g_spawn_sync(CFQSIM_SOURCE_DIR, (char **)argv->pdata, NULL, 0, NULL,
                             NULL, &c.out, &c.err, &wait_status, &err));
  g_assert_no_error(err);
  c.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
  g_ptr_array_free(argv, TRUE);
  return c;
}

static void cli_free(cli *c) {
  g_free(c->out);
  g_free(c->err);
}

static char *tmpdir(void) {
  GError *err = NULL;
  char *d = g_dir_make_tmp("cfqsim-cli-XXXXXX", &err);
  g_assert_no_error(err);
  return d;
}

static char *slurp(const char *dir, const char *name) {
  char *path = g_build_filename(dir, name, NULL);
  char *text = NULL;
  GError *err = NULL;
  g_file_get_contents(path, &text, NULL, &err);
  g_assert_no_error(err);
  g_free(path);
  return text;
}

static void rm_rf(const char *dir) {
  char *cmd = g_strdup_printf("rm -rf '%s'", dir);
  g_assert_cmpint(system(cmd), ==, 0);
  g_free(cmd);
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
  char *d = tmpdir();
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

/* Issue 4 point 3: the seed replayed hangs B on the buggy kernel (exit 1,
 * a hang report naming the wait queue), completes on the fixed one. */
static void test_race_replay(void) {
  char *d = tmpdir();
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("workloads/race-replay.yaml", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 1);
  g_assert_nonnull(strstr(c.out, "cfq: cic link failed!"));
  g_assert_nonnull(strstr(c.out, "step 10"));
  g_assert_nonnull(strstr(c.out, "B asleep in get_request_wait on sda rl->wait[SYNC]"));
  g_assert_nonnull(strstr(c.out, "outcome: hang"));
  cli_free(&c);
  c = run_cfqsim("workloads/race-replay.yaml", "--variant", "fixed", "-o", out, NULL);
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
  char *d = tmpdir();
  char *o1 = g_build_filename(d, "a", NULL), *o2 = g_build_filename(d, "b", NULL),
       *o3 = g_build_filename(d, "c", NULL);
  cli c1 = run_cfqsim("workloads/random-readers.yaml", "-q", "-o", o1, NULL);
  cli c2 = run_cfqsim("workloads/random-readers.yaml", "-q", "-o", o2, NULL);
  cli c3 = run_cfqsim("workloads/random-readers.yaml", "-q", "--seed", "7", "-o", o3, NULL);
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

/* Issue 8 point 5: the report records the seed the run used (--seed), not
 * the workload's own, so that a result can be reproduced from itself. */
static void test_seed_recorded(void) {
  char *d = tmpdir();
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("workloads/random-readers.yaml", "-q", "--seed", "7", "-o", out,
                     NULL);
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

/* Issue 8 point 8: the slice still open when the run ends counts.  A lone
 * sequential reader cut by a duration shorter than one sync slice (100 ms)
 * holds the disk the whole run, in a slice CFQ never expires. */
static void test_open_slice_at_end(void) {
  char *d = tmpdir();
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("workloads/1r-seq.yaml", "-q", "--set", "duration=50ms", "-o",
                     out, NULL);
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
  g_assert_cmpfloat(json_object_get_double_member(reader, "disk_time_share"), ==, 1.0);
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

/* Issue 8 point 10: the kernel's log line is kept whatever the verbosity:
 * kernel.log (always written, possibly empty) and the summary carry it,
 * stamped like dmesg with the simulated time at which the narrated trace
 * shows it. */
static void test_kernel_log(void) {
  char *d = tmpdir();
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("workloads/race-replay.yaml", "--quiet", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 1);
  g_assert_cmpstr(c.out, ==, "");
  char *klog = slurp(out, "kernel.log");
  GRegex *re = g_regex_new("^\\[ *(\\d+)\\.(\\d{6})\\] cfq: cic link failed!\n$", 0, 0,
                           NULL);
  GMatchInfo *mi = NULL;
  g_assert_true(g_regex_match(re, klog, 0, &mi));
  char *sec = g_match_info_fetch(mi, 1), *usec = g_match_info_fetch(mi, 2);
  gint64 at_us = g_ascii_strtoll(sec, NULL, 10) * 1000000 + g_ascii_strtoll(usec, NULL, 10);
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

  c = run_cfqsim("workloads/race-replay.yaml", "--quiet", "--variant", "fixed", "-o",
                 out, NULL);
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
  char *d = tmpdir();
  char *wl = g_build_filename(d, "bad.yaml", NULL);
  g_assert_true(g_file_set_contents(
      wl, "name: bad\nduration: 1s\ndevices:\n  - name: sda\n    modle: hdd\n", -1, NULL));
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim(wl, "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 2);
  char *want = g_strdup_printf("%s:5:5:", wl);
  g_assert_nonnull(strstr(c.err, want));
  g_assert_nonnull(strstr(c.err, "did you mean 'model'"));
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  g_free(want);
  cli_free(&c);
  c = run_cfqsim("workloads/default.yaml", "--variant", "maybe", "-o", out, NULL);
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
  char *d = tmpdir();
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

/* Issue 8: compare speaks the unit `run` speaks (MiB/s), and its fixed
 * column's throughput of one seed is the fixed run's device throughput. */
static void test_compare_units(void) {
  char *d = tmpdir();
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

  c = run_cfqsim("workloads/race-replay.yaml", "--variant", "fixed", "-o", out, NULL);
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

/* Issue 8: a hung I/O's latency is at least the time it waited: in the
 * buggy race B's read never completes, yet it waited from before B fell
 * asleep to the end of the run. */
static void test_compare_hung_latency(void) {
  char *d = tmpdir();
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("workloads/race-replay.yaml", "-q", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 1);
  char *json = slurp(out, "metrics.json");
  JsonParser *p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
  gint64 end = json_object_get_int_member(json_node_get_object(json_parser_get_root(p)),
                                          "sim_time_ns");
  g_object_unref(p);
  char *summary = slurp(out, "summary.txt");
  const char *since = strstr(summary, "B asleep in get_request_wait on sda rl->wait[SYNC] since ");
  g_assert_nonnull(since);
  double since_ms = g_ascii_strtod(strstr(since, "since ") + 6, NULL);
  double waited_ms = (double)end / 1e6 - since_ms; /* at least */
  g_assert_cmpfloat(waited_ms, >, 0.0);
  cli_free(&c);

  c = run_cfqsim("compare", "workloads/race-replay.yaml", "-o", d, NULL);
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

/* Spec 4.5 / DESIGN "hang detection": the report names the last event
 * that could have woken the sleeper.  When time passes between A's
 * completion and B's failing link (`~` delivers the idle timer), that is A's
 * request free, strictly before B slept; B's own reservation undo in `fail`
 * precedes its enqueue and can never wake B itself. */
static void test_hang_report_last_free(void) {
  char *d = tmpdir();
  char *src = NULL;
  g_assert_true(g_file_get_contents(CFQSIM_SOURCE_DIR "/workloads/race-replay.yaml",
                                    &src, NULL, NULL));
  GString *wl = g_string_new(src);
  g_assert_cmpint(g_string_replace(wl, "A@io_wait, B@link", "A@io_wait, '~', '~', B@link", 1),
                  ==, 1);
  g_assert_cmpint(g_string_replace(wl, "  labels:", "  #labels:", 1), ==, 1);
  char *path = g_build_filename(d, "late.yaml", NULL);
  g_assert_true(g_file_set_contents(path, wl->str, -1, NULL));
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim(path, "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 1);
  const char *at = strstr(c.out, "B asleep in get_request_wait on sda rl->wait[SYNC] since ");
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
  g_test_add_func("/cli/compare-units", test_compare_units);
  g_test_add_func("/cli/compare-hung-latency", test_compare_hung_latency);
  g_test_add_func("/cli/hang-report-last-free", test_hang_report_last_free);
  return g_test_run();
}
