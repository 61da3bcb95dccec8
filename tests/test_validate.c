/* The validation suite: every shipped experiment (workloads/validation/)
 * within its tolerance or a known gap with a reason, in quick mode; the
 * judgement (shape and absolute, known gaps, needs and stand-ins); the
 * reference block's errors; the fitted disk profile; the command. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "sim/report.h"
#include "sim/run.h"
#include "sim/sweep.h"
#include "sim/validate.h"
#include "sim/workload.h"

#include "tests/testutil.h"

#define EXPERIMENTS CFQSIM_SOURCE_DIR "/workloads/validation"

static char *write_file(const char *dir, const char *name, const char *text) {
  char *path = g_build_filename(dir, name, NULL);
  GError *err = NULL;
  g_file_set_contents(path, text, -1, &err);
  g_assert_no_error(err);
  return path;
}

/* ---- the shipped suite (what CTest guards) ---- */

static void test_shipped_quick(void) {
  char *args[] = {EXPERIMENTS, NULL};
  GError *err = NULL;
  GPtrArray *exps = validate_load_all(args, &err);
  g_assert_no_error(err);
  g_assert_cmpuint(exps->len, >=, 7);
  validate_options o = {.quick = true, .jobs = 2};
  g_assert_true(validate_run(exps, &o, &err));
  g_assert_no_error(err);
  if (g_test_verbose()) {
    char *md = validate_table_md(exps, true);
    g_printerr("%s\n", md);
    g_free(md);
  }
  for (guint i = 0; i < exps->len; i++) {
    const validate_exp *e = g_ptr_array_index(exps, i);
    validate_status s = validate_exp_status(e);
    if (s == VALIDATE_FAIL || s == VALIDATE_ERROR)
      g_error("%s: %s: %s (run `cfqsim validate --quick` for the table)",
              validate_exp_id(e), validate_status_name(s),
              validate_exp_reason(e));
    /* a gap always says why */
    if (s == VALIDATE_GAP)
      g_assert_cmpuint(strlen(validate_exp_reason(e)), >, 20);
  }
  /* the documented ideals run on any build and pass */
  for (guint i = 0; i < exps->len; i++) {
    const validate_exp *e = g_ptr_array_index(exps, i);
    if (g_str_has_suffix(validate_exp_id(e), "-ideal"))
      g_assert_cmpint(validate_exp_status(e), ==, VALIDATE_PASS);
  }
  g_ptr_array_unref(exps);
}

/* ---- the judgement, on a small experiment ---- */

/* Two always-busy readers at be/0 and be/7: CFQ gives them disk time
 * 180:40.  `reference` is the rest of the reference block. */
static const char *two_readers =
    "name: t\n"
    "duration: 5s\n"
    "devices: [{name: sda, model: hdd, scheduler: cfq}]\n"
    "processes:\n"
    "  - {name: high, rw: read, bs: 128k, direct: 1, size: 1g, ioprio: be/0}\n"
    "  - {name: low, rw: read, bs: 128k, direct: 1, offset: 20g, size: 1g, "
    "ioprio: be/7}\n"
    "reference:\n"
    "  source: {author: A, venue: B, date: 2012-01-01, url: http://x}\n"
    "  kernel: '3.2'\n"
    "  hardware: any\n";

static const char *shares =
    "  series:\n"
    "    - name: disk time\n"
    "      points:\n"
    "        - {label: high, metric: fairness.shares.high.disk_time_share, "
    "published: %s}\n"
    "        - {label: low, metric: fairness.shares.low.disk_time_share, "
    "published: %s}\n";

/* Load and run one experiment written from `reference` (the part of the
 * block after hardware) and the two published shares. */
static validate_exp *judge(const char *reference, const char *high,
                           const char *low, char **table) {
  char *dir = scratch_dir("validate");
  char *series = g_strdup_printf(shares, high, low);
  char *text = g_strconcat(two_readers, reference, series, NULL);
  char *path = write_file(dir, "t.yaml", text);
  GError *err = NULL;
  char *args[] = {path, NULL};
  GPtrArray *exps = validate_load_all(args, &err);
  g_assert_no_error(err);
  validate_options o = {.jobs = 1};
  g_assert_true(validate_run(exps, &o, &err));
  g_assert_no_error(err);
  if (table)
    *table = validate_table_csv(exps);
  validate_exp *e = g_ptr_array_steal_index(exps, 0);
  g_ptr_array_unref(exps);
  rm_rf(dir);
  g_free(path);
  g_free(text);
  g_free(series);
  g_free(dir);
  return e;
}

static void test_shape_and_absolute(void) {
  /* shape: 180:40 is the ratio, whatever the scale */
  validate_exp *e =
      judge("  mode: shape\n  tolerance: 5%\n", "180", "40", NULL);
  g_assert_cmpint(validate_exp_status(e), ==, VALIDATE_PASS);
  validate_exp_free(e);
  e = judge("  tolerance: 5%\n", "1.8", "0.4", NULL);
  g_assert_cmpint(validate_exp_status(e), ==, VALIDATE_PASS);
  validate_exp_free(e);
  /* 1:1 is not CFQ's ratio */
  e = judge("  tolerance: 20%\n", "1", "1", NULL);
  g_assert_cmpint(validate_exp_status(e), ==, VALIDATE_FAIL);
  g_assert_nonnull(strstr(validate_exp_reason(e), "1 of 2 points outside"));
  validate_exp_free(e);
  /* absolute: the shares themselves, 180/220 and 40/220 */
  e = judge("  mode: absolute\n  tolerance: 5%\n", "0.818", "0.182", NULL);
  g_assert_cmpint(validate_exp_status(e), ==, VALIDATE_PASS);
  validate_exp_free(e);
  /* the same figures as shares scaled by 100 are a shape, not absolutes */
  char *csv = NULL;
  e = judge("  mode: absolute\n  tolerance: 5%\n", "81.8", "18.2", &csv);
  g_assert_cmpint(validate_exp_status(e), ==, VALIDATE_FAIL);
  /* the table still shows the shape, normalised to the first point */
  g_assert_nonnull(strstr(csv, ",1,1,absolute,"));
  g_free(csv);
  validate_exp_free(e);
}

static void test_known_gaps(void) {
  /* outside tolerance, with a reason: a gap, not a failure */
  validate_exp *e =
      judge("  tolerance: 20%\n  known_gap: the reason\n", "1", "1", NULL);
  g_assert_cmpint(validate_exp_status(e), ==, VALIDATE_GAP);
  g_assert_nonnull(strstr(validate_exp_reason(e), "the reason"));
  validate_exp_free(e);
  /* within tolerance although marked: a pass that says the mark can go */
  e = judge("  tolerance: 5%\n  known_gap: the reason\n", "180", "40", NULL);
  g_assert_cmpint(validate_exp_status(e), ==, VALIDATE_PASS);
  g_assert_nonnull(strstr(validate_exp_reason(e), "although marked"));
  validate_exp_free(e);
}

/* A series' own known gap covers that series only. */
static void test_series_known_gap(void) {
  const char *text =
      "  tolerance: 5%%\n"
      "  series:\n"
      "    - name: right\n"
      "      points:\n"
      "        - {label: h, metric: fairness.shares.high.disk_time_share, "
      "published: 180}\n"
      "        - {label: l, metric: fairness.shares.low.disk_time_share, "
      "published: 40}\n"
      "    - name: wrong\n"
      "%s"
      "      points:\n"
      "        - {label: h, metric: fairness.shares.high.disk_time_share, "
      "published: 1}\n"
      "        - {label: l, metric: fairness.shares.low.disk_time_share, "
      "published: 1}\n";
  for (int gap = 0; gap < 2; gap++) {
    char *dir = scratch_dir("validate");
    char *ref = g_strdup_printf(text, gap ? "      known_gap: why\n" : "");
    char *all = g_strconcat(two_readers, ref, NULL);
    char *path = write_file(dir, "t.yaml", all);
    GError *err = NULL;
    char *args[] = {path, NULL};
    GPtrArray *exps = validate_load_all(args, &err);
    g_assert_no_error(err);
    validate_options o = {.jobs = 2};
    g_assert_true(validate_run(exps, &o, &err));
    const validate_exp *e = g_ptr_array_index(exps, 0);
    g_assert_cmpint(validate_exp_status(e), ==,
                    gap ? VALIDATE_GAP : VALIDATE_FAIL);
    if (gap)
      g_assert_nonnull(strstr(validate_exp_reason(e), "wrong: why"));
    g_ptr_array_unref(exps);
    rm_rf(dir);
    g_free(path);
    g_free(all);
    g_free(ref);
    g_free(dir);
  }
}

/* A need this build lacks (the parser does not know its key) makes a gap
 * run with the stand-in; a need it has is applied, and the stand-in not. */
static void test_needs_and_stand_ins(void) {
  /* the stand-in makes the readers equal: 1:1 */
  const char *text =
      "  tolerance: 5%%\n"
      "  needs:\n"
      "    - {feature: gadget, why: the gadget matters, set: {%s}}\n"
      "  series:\n"
      "    - name: disk time\n"
      "      stand_in: {processes.low.ioprio: be/0}\n"
      "      points:\n"
      "        - {label: h, metric: fairness.shares.high.disk_time_share, "
      "published: 1}\n"
      "        - {label: l, metric: fairness.shares.low.disk_time_share, "
      "published: %s}\n";
  struct {
    const char *need, *low;
    validate_status want;
    const char *reason;
  } cases[] = {
      /* missing: the stand-in runs (1:1), and it is a gap however close */
      {"processes.high.no_such_key: 1", "1", VALIDATE_GAP,
       "needs gadget: the gadget matters"},
      /* present: the need's override runs, the stand-in does not (the
       * need puts the low reader at be/4: 180:100) */
      {"processes.low.ioprio: be/4", "0.5556", VALIDATE_PASS, NULL},
      {"processes.low.ioprio: be/4", "1", VALIDATE_FAIL, NULL},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *dir = scratch_dir("validate");
    char *ref = g_strdup_printf(text, cases[i].need, cases[i].low);
    char *all = g_strconcat(two_readers, ref, NULL);
    char *path = write_file(dir, "t.yaml", all);
    GError *err = NULL;
    char *args[] = {path, NULL};
    GPtrArray *exps = validate_load_all(args, &err);
    g_assert_no_error(err);
    validate_options o = {.jobs = 1};
    g_assert_true(validate_run(exps, &o, &err));
    g_assert_no_error(err);
    const validate_exp *e = g_ptr_array_index(exps, 0);
    g_assert_cmpint(validate_exp_status(e), ==, cases[i].want);
    if (cases[i].reason)
      g_assert_nonnull(strstr(validate_exp_reason(e), cases[i].reason));
    g_ptr_array_unref(exps);
    rm_rf(dir);
    g_free(path);
    g_free(all);
    g_free(ref);
    g_free(dir);
  }
}

/* A need whose overrides fail for another reason than an unknown key is
 * the experiment's error, not a missing feature. */
static void test_need_other_error(void) {
  char *dir = scratch_dir("validate");
  char *all = g_strconcat(
      two_readers,
      "  tolerance: 5%\n"
      "  needs: [{feature: f, why: w, set: {processes.low.bs: 1000}}]\n"
      "  series: [{name: s, metric: jain, points: [{label: a, published: 1}]}]\n",
      NULL);
  char *path = write_file(dir, "t.yaml", all);
  GError *err = NULL;
  char *args[] = {path, NULL};
  GPtrArray *exps = validate_load_all(args, &err);
  g_assert_no_error(err);
  validate_options o = {.jobs = 1};
  g_assert_false(validate_run(exps, &o, &err));
  g_assert_nonnull(err);
  g_assert_nonnull(strstr(err->message, "need 'f'"));
  g_assert_nonnull(strstr(err->message, "not a multiple of 512"));
  g_clear_error(&err);
  g_ptr_array_unref(exps);
  rm_rf(dir);
  g_free(path);
  g_free(all);
  g_free(dir);
}

/* ---- the reference block's errors ---- */

static void expect_error(const char *reference, const char *want) {
  char *dir = scratch_dir("validate");
  char *all = g_strconcat(two_readers, reference, NULL);
  char *path = write_file(dir, "t.yaml", all);
  GError *err = NULL;
  validate_exp *e = validate_load(path, &err);
  if (e || !err || !strstr(err->message, want))
    g_error("expected an error with '%s', got %s", want,
            err ? err->message : "none");
  /* positioned: file:line:col */
  char *prefix = g_strdup_printf("%s:", path);
  g_assert_true(g_str_has_prefix(err->message, prefix));
  g_free(prefix);
  g_clear_error(&err);
  rm_rf(dir);
  g_free(path);
  g_free(all);
  g_free(dir);
}

static void test_reference_errors(void) {
  const char *pts = "  series: [{name: s, metric: jain, points: "
                    "[{label: a, published: 1}]}]\n";
  char *t;
  expect_error(t = g_strconcat("  tolerence: 5%\n", pts, NULL),
               "unknown key 'tolerence' in reference (did you mean "
               "'tolerance'?)");
  g_free(t);
  expect_error(pts, "missing key 'tolerance'");
  expect_error(t = g_strconcat("  tolerance: 150%\n", pts, NULL),
               "tolerance must be a percentage");
  g_free(t);
  expect_error(
      t = g_strconcat("  tolerance: 5%\n  mode: relative\n", pts, NULL),
      "mode must be shape");
  g_free(t);
  expect_error("  tolerance: 5%\n  series: [{name: s, metric: jain, unit: "
               "furlongs, points: [{label: a, published: 1}]}]\n",
               "unknown unit 'furlongs'");
  expect_error("  tolerance: 5%\n  series: [{name: s, metric: jain, points: "
               "[{x: 1, published: 1}]}]\n",
               "no 'x' path");
  expect_error("  tolerance: 5%\n  series: [{name: s, points: "
               "[{label: a, published: 1}]}]\n",
               "no metric");
  expect_error("  tolerance: 5%\n  series: [{name: s, metric: jain, points: "
               "[{label: a, published: 0}]}]\n",
               "published is 0");
  expect_error("  tolerance: 5%\n  series: [{name: s, metric: jain, points: "
               "[{label: a, published: lots}]}]\n",
               "published must be a number");
  expect_error(t = g_strconcat("  tolerance: 5%\n  needs: [{feature: f, why: "
                               "w}]\n",
                               pts, NULL),
               "need 'f' has no 'set'");
  g_free(t);
  /* a source without anywhere to read it */
  char *dir = scratch_dir("validate");
  char *path = write_file(
      dir, "s.yaml",
      "processes: [{name: p, count: 1}]\n"
      "reference:\n"
      "  source: {author: A, venue: B, date: 2012}\n"
      "  kernel: '3.2'\n  hardware: any\n  tolerance: 5%\n"
      "  series: [{name: s, metric: jain, points: [{label: a, published: 1}]}]\n");
  GError *err = NULL;
  g_assert_null(validate_load(path, &err));
  g_assert_nonnull(strstr(err->message, "s.yaml:3:11: source needs a 'url'"));
  g_clear_error(&err);
  rm_rf(dir);
  g_free(path);
  g_free(dir);
}

/* ---- the workload parser: reference is metadata ---- */

static char *metrics_of(const char *text, GError **err) {
  workload *w = workload_parse("w.yaml", text, strlen(text), NULL, err);
  if (!w)
    return NULL;
  run_options o = RUN_OPTIONS_INIT;
  sim_run *r = sim_run_new(w, &o, err);
  g_assert_nonnull(r);
  g_assert_cmpint(sim_run_go(r, err), !=, SIM_ERROR);
  char *json = report_metrics_json(sim_run_result(r));
  sim_run_free(r);
  workload_free(w);
  return json;
}

static void test_workload_ignores_reference(void) {
  const char *plain = "name: w\nduration: 200ms\n"
                      "processes: [{name: p, rw: read, bs: 64k}]\n";
  char *with =
      g_strconcat(plain, "reference: {anything: [1, 2], at: all}\n", NULL);
  GError *err = NULL;
  char *a = metrics_of(plain, &err);
  g_assert_no_error(err);
  char *b = metrics_of(with, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(a, ==, b);
  g_free(a);
  g_free(b);
  g_free(with);
  /* but it is a map */
  const char *bad = "processes: [{name: p, count: 1}]\nreference: 5\n";
  g_assert_null(workload_parse("w.yaml", bad, strlen(bad), NULL, &err));
  g_assert_nonnull(
      strstr(err->message, "w.yaml:2:12: expected a map for 'reference'"));
  g_clear_error(&err);
}

/* ---- the fitted profile (docs/disks.md, "Fitted profiles") ---- */

/* gorman-2014-desktop: one 128 KiB sequential reader at the outer edge
 * reads the 1-thread SeqRead figure, 134.59 MiB/s, within 0.5 %. */
static void test_fitted_profile(void) {
  char *sets[] = {"processes.tio.bs=128k", "duration=5s", NULL};
  GError *err = NULL;
  workload *w = workload_load(EXPERIMENTS "/gorman-tiobench.yaml", sets, &err);
  g_assert_no_error(err);
  run_options o = RUN_OPTIONS_INIT;
  sim_run *r = sim_run_new(w, &o, &err);
  g_assert_no_error(err);
  sim_run_go(r, &err);
  g_assert_no_error(err);
  char *json = report_metrics_json(sim_run_result(r));
  char *v = sweep_metric_value("throughput_bps", json);
  double mib = g_ascii_strtod(v, NULL) / 1048576.0;
  if (g_test_verbose())
    g_printerr("fitted profile: %.2f MiB/s\n", mib);
  g_assert_cmpfloat(fabs(mib / 134.59 - 1), <, 0.005);
  g_free(v);
  g_free(json);
  sim_run_free(r);
  workload_free(w);
}

/* ---- determinism ---- */

static char *table_with(guint jobs) {
  char *args[] = {EXPERIMENTS "/ioprio-slices-ideal.yaml",
                  EXPERIMENTS "/zoccolo-slice-scaling-seq.yaml", NULL};
  GError *err = NULL;
  GPtrArray *exps = validate_load_all(args, &err);
  g_assert_no_error(err);
  validate_options o = {.quick = true, .jobs = jobs};
  g_assert_true(validate_run(exps, &o, &err));
  char *t = validate_table_md(exps, true);
  char *csv = validate_table_csv(exps);
  char *all = g_strconcat(t, csv, NULL);
  g_free(csv);
  g_free(t);
  g_ptr_array_unref(exps);
  return all;
}

static void test_any_jobs_same_table(void) {
  char *a = table_with(1), *b = table_with(4);
  g_assert_cmpstr(a, ==, b);
  g_free(a);
  g_free(b);
}

/* ---- the command ---- */

typedef struct cli {
  int status;
  char *out, *err;
} cli;

static cli run_cfqsim(char **args) {
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)CFQSIM_BINARY);
  for (char **a = args; *a; a++)
    g_ptr_array_add(argv, *a);
  g_ptr_array_add(argv, NULL);
  cli c = {0};
  GError *err = NULL;
  int ws;
  g_assert_true(g_spawn_sync(CFQSIM_SOURCE_DIR, (char **)argv->pdata, NULL, 0,
                             NULL, NULL, &c.out, &c.err, &ws, &err));
  g_assert_no_error(err);
  c.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
  g_ptr_array_free(argv, TRUE);
  return c;
}

static void cli_free(cli *c) {
  g_free(c->out);
  g_free(c->err);
}

static void test_command(void) {
  char *dir = scratch_dir("validate");
  char *out = g_build_filename(dir, "out", NULL);
  /* a passing experiment: exit 0, both tables, the marker */
  char *ok[] = {"validate",
                "--quick",
                "--no-plots",
                "-q",
                "-o",
                out,
                EXPERIMENTS "/ioprio-slices-ideal.yaml",
                NULL};
  cli c = run_cfqsim(ok);
  g_assert_cmpint(c.status, ==, 0);
  g_assert_nonnull(strstr(c.out, "1 experiments: 1 pass"));
  char *md = g_build_filename(out, "validation.md", NULL);
  char *csv = g_build_filename(out, "validation.csv", NULL);
  char *marker = g_build_filename(out, ".cfqsim", NULL);
  g_assert_true(g_file_test(md, G_FILE_TEST_IS_REGULAR));
  g_assert_true(g_file_test(csv, G_FILE_TEST_IS_REGULAR));
  g_assert_true(g_file_test(marker, G_FILE_TEST_IS_REGULAR));
  cli_free(&c);
  /* a failing one: exit 1, the tables still written */
  char *bad = write_file(
      dir, "bad.yaml",
      "duration: 1s\n"
      "processes:\n"
      "  - {name: high, rw: read, bs: 128k, size: 1g, ioprio: be/0}\n"
      "  - {name: low, rw: read, bs: 128k, offset: 20g, size: 1g, "
      "ioprio: be/7}\n"
      "reference:\n"
      "  source: {author: A, venue: B, date: 2012, url: http://x}\n"
      "  kernel: '3.2'\n  hardware: any\n  tolerance: 5%\n"
      "  series: [{name: s, points: [\n"
      "    {label: h, metric: fairness.shares.high.disk_time_share, "
      "published: 1},\n"
      "    {label: l, metric: fairness.shares.low.disk_time_share, "
      "published: 1}]}]\n");
  char *fail[] = {"validate", "--no-plots", "-o", out, bad, NULL};
  c = run_cfqsim(fail);
  g_assert_cmpint(c.status, ==, 1);
  g_assert_nonnull(strstr(c.out, "bad"));
  g_assert_nonnull(strstr(c.out, "FAIL"));
  g_assert_true(g_file_test(md, G_FILE_TEST_IS_REGULAR));
  cli_free(&c);
  /* usage errors and a directory that is not ours: exit 2 */
  char *j0[] = {"validate", "-j", "0", "-o", out, NULL};
  c = run_cfqsim(j0);
  g_assert_cmpint(c.status, ==, 2);
  g_assert_nonnull(strstr(c.err, "-j must be a whole number"));
  cli_free(&c);
  char *foreign = write_file(dir, "notes.txt", "mine");
  char *into_dir[] = {"validate", "--no-plots", "-o", dir, bad, NULL};
  c = run_cfqsim(into_dir);
  g_assert_cmpint(c.status, ==, 2);
  g_assert_nonnull(strstr(c.err, "will not replace"));
  g_assert_true(g_file_test(foreign, G_FILE_TEST_IS_REGULAR));
  cli_free(&c);
  char *help[] = {"validate", "--help", NULL};
  c = run_cfqsim(help);
  g_assert_cmpint(c.status, ==, 0);
  g_assert_nonnull(strstr(c.out, "--quick"));
  cli_free(&c);
  rm_rf(dir);
  g_free(foreign);
  g_free(bad);
  g_free(md);
  g_free(csv);
  g_free(marker);
  g_free(out);
  g_free(dir);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/validate/shipped-quick", test_shipped_quick);
  g_test_add_func("/validate/shape-and-absolute", test_shape_and_absolute);
  g_test_add_func("/validate/known-gaps", test_known_gaps);
  g_test_add_func("/validate/series-known-gap", test_series_known_gap);
  g_test_add_func("/validate/needs-and-stand-ins", test_needs_and_stand_ins);
  g_test_add_func("/validate/need-other-error", test_need_other_error);
  g_test_add_func("/validate/reference-errors", test_reference_errors);
  g_test_add_func("/validate/workload-ignores-reference",
                  test_workload_ignores_reference);
  g_test_add_func("/validate/fitted-profile", test_fitted_profile);
  g_test_add_func("/validate/any-jobs-same-table", test_any_jobs_same_table);
  g_test_add_func("/validate/command", test_command);
  return g_test_run();
}
