/* The cfqsim program as a user runs it: exit statuses, outputs, the race
 * replay on both kernels, determinism, and bad input that leaves nothing
 * half-written. */
#include <glib.h>
#include <glib/gstdio.h>
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

/* The first line of stderr, without its position ("file:line:col: " or
 * "cfqsim run: --"): the message itself. */
static char *message_of(const char *err) {
  g_autofree char *line = g_strndup(err, strcspn(err, "\n"));
  const char *m = g_str_has_prefix(line, "cfqsim run: --")
                      ? line + strlen("cfqsim run: --")
                      : strstr(line, ": ") ? strstr(line, ": ") + 2 : line;
  return g_strdup(m);
}

/* Issue 8: --seed -1, 2^64 - 1 and 10^23 all ran, as 2^64 - 1.  They are
 * refused exactly as the workload's seed: key refuses them, exit 2 and
 * nothing written. */
static void test_seed_range(void) {
  char *d = tmpdir();
  char *out = g_build_filename(d, "out", NULL);
  char *wl = g_build_filename(d, "s.yaml", NULL);
  const char *bad[] = {"-1", "18446744073709551615", "99999999999999999999999",
                       "9000000000000000001", "7x"};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    cli c = run_cfqsim("workloads/default.yaml", "-q", "--seed", bad[i], "-o", out, NULL);
    g_assert_cmpint(c.status, ==, 2);
    g_assert_true(g_str_has_prefix(c.err, "cfqsim run: --seed: "));
    g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
    char *yaml = g_strdup_printf("seed: %s\nprocesses: [{name: A, count: 1}]\n", bad[i]);
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
  cli c = run_cfqsim("workloads/default.yaml", "-q", "--seed", "9000000000000000000",
                     "--set", "duration=50ms", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 0);
  cli_free(&c);
  g_free(wl);
  g_free(out);
  rm_rf(d);
  g_free(d);
}

/* Issue 8: a region past the device aborted the run (exit 134, "make_bio:
 * assertion failed"); now exit 2, the key's position, the process and the
 * capacity. */
static void test_region_beyond_device(void) {
  char *d = tmpdir();
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("workloads/seq-readers.yaml", "-q", "--set",
                     "processes.reader.numjobs=26", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 2);
  g_assert_true(g_str_has_prefix(c.err, "--set:1:26: process 'reader.25' "));
  g_assert_nonnull(strstr(c.err, "device 'sda' (capacity 500 GiB)"));
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  cli_free(&c);

  char *wl = g_build_filename(d, "far.yaml", NULL);
  g_assert_true(g_file_set_contents(
      wl, "processes:\n  - {name: A, count: 1, offset: 500g}\n"
          "  - {name: B, count: 1, size: 2t}\n", -1, NULL));
  c = run_cfqsim(wl, "-q", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 2);
  char *want = g_strdup_printf(
      "%s:2:33: process 'A': offset 500 GiB leaves no room for one 4 KiB I/O "
      "on device 'sda' (capacity 500 GiB)\n", wl);
  g_assert_cmpstr(c.err, ==, want);
  g_free(want);
  cli_free(&c);
  c = run_cfqsim(wl, "-q", "--set", "processes.A.offset=0", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 2);
  want = g_strdup_printf("%s:3:31: process 'B': size 2 TiB is larger than "
                         "device 'sda' (capacity 500 GiB)\n", wl);
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
  char *d = tmpdir();
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
  char *d = tmpdir();
  char *out = g_build_filename(d, "out", NULL);
  cli c = run_cfqsim("workloads/seq-readers.yaml", "--set",
                     "processes.reader.numjobs=0", "-o", out, NULL);
  g_assert_cmpint(c.status, ==, 2);
  g_assert_true(g_str_has_suffix(c.err, ": no processes: every job has numjobs: 0\n"));
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
  char *want = g_strdup_printf("%s:1:75: nesting is too deep (more than 64 levels)\n", wl);
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

/* explore keeps ready sets as 64-bit masks: a 65th process aborted it
 * (g_assert); it is refused with exit 2. */
static void test_explore_too_many_processes(void) {
  char *d = tmpdir();
  char *wl = g_build_filename(d, "wide.yaml", NULL);
  g_assert_true(g_file_set_contents(
      wl, "processes: [{name: p, count: 1, numjobs: 65}]\n", -1, NULL));
  cli c = run_cfqsim("explore", wl, NULL);
  g_assert_cmpint(c.status, ==, 2);
  g_assert_cmpstr(c.err, ==, "cfqsim explore: explore follows at most 64 "
                             "processes, this workload has 65\n");
  cli_free(&c);
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
  g_test_add_func("/cli/bad-input", test_bad_input);
  g_test_add_func("/cli/compare", test_compare);
  g_test_add_func("/cli/hang-report-last-free", test_hang_report_last_free);
  g_test_add_func("/cli/seed-range", test_seed_range);
  g_test_add_func("/cli/region-beyond-device", test_region_beyond_device);
  g_test_add_func("/cli/set-mistakes", test_set_mistakes);
  g_test_add_func("/cli/no-processes-and-nesting", test_no_processes_and_nesting);
  g_test_add_func("/cli/explore-too-many-processes", test_explore_too_many_processes);
  return g_test_run();
}
