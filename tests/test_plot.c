/* `cfqsim plot` through the real binary.  A stand-in `gnuplot` first on
 * PATH records what cfqsim hands gnuplot (the -e variables, the data file,
 * the line colours it loads), runs the real gnuplot and asks it for the x
 * range it drew, so the graphs are checked on their inputs and on
 * gnuplot's own axis, never on pixels. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/testutil.h"

static char *tmpdir, *bindir;

static char *write_tmp(const char *name, const char *text) {
  char *path = g_build_filename(tmpdir, name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

/* The stand-in: graph name from the script's name; files under
 * $CFQSIM_TEST_CAPTURE/<graph>/: e (the -e text), data, linetypes (the
 * file loaded by -e, if any), range ("xmin xmax" as gnuplot drew them). */
static void install_gnuplot(const char *real) {
  bindir = g_build_filename(tmpdir, "bin", NULL);
  g_assert_cmpint(g_mkdir_with_parents(bindir, 0755), ==, 0);
  char *script = g_strdup_printf(
      "#!/bin/sh\n"
      "g=$(basename \"$3\" .gp)\n"
      "d=\"$CFQSIM_TEST_CAPTURE/$g\"\n"
      "mkdir -p \"$d\"\n"
      "printf '%%s' \"$2\" > \"$d/e\"\n"
      "df=$(printf '%%s' \"$2\" | sed -n \"s/^datafile='\\([^']*\\)'.*/\\1/p\")\n"
      "cp \"$df\" \"$d/data\"\n"
      "lt=$(printf '%%s' \"$2\" | sed -n \"s/.*load '\\([^']*\\)'.*/\\1/p\")\n"
      "if [ -n \"$lt\" ]; then cp \"$lt\" \"$d/linetypes\"; fi\n"
      "exec '%s' \"$@\" -e \"set print '$d/range'; "
      "print sprintf('%%.9g %%.9g', GPVAL_X_MIN, GPVAL_X_MAX)\"\n",
      real);
  char *path = g_build_filename(bindir, "gnuplot", NULL);
  g_assert_true(g_file_set_contents(path, script, -1, NULL));
  g_assert_cmpint(g_chmod(path, 0755), ==, 0);
  g_free(path);
  g_free(script);
}

typedef struct result {
  int status;
  char *out, *err;
  char *capture; /* the stand-in's directory for this command */
} result;

static void result_clear(result *r) {
  g_free(r->out);
  g_free(r->err);
  g_free(r->capture);
}

/* cfqsim ARGS... in tmpdir, the stand-in gnuplot first on PATH. */
static result cfqsim(const char *capture, const char *const *args) {
  result r = {0};
  r.capture = g_build_filename(tmpdir, "capture", capture, NULL);
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, (gpointer)CFQSIM_BINARY);
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add(argv, (gpointer)*a);
  g_ptr_array_add(argv, NULL);
  char **env = g_get_environ();
  char *path = g_strconcat(bindir, ":", g_environ_getenv(env, "PATH"), NULL);
  env = g_environ_setenv(env, "PATH", path, TRUE);
  env = g_environ_setenv(env, "CFQSIM_TEST_CAPTURE", r.capture, TRUE);
  GError *err = NULL;
  g_assert_true(g_spawn_sync(tmpdir, (char **)argv->pdata, env, G_SPAWN_DEFAULT,
                             NULL, NULL, &r.out, &r.err, &r.status, &err));
  g_assert_no_error(err);
  if (r.status != 0)
    g_test_message("cfqsim %s: status %d\n%s", args[0], r.status, r.err);
  g_free(path);
  g_strfreev(env);
  g_ptr_array_unref(argv);
  return r;
}

static void run_ok(const char *capture, const char *const *args) {
  result r = cfqsim(capture, args);
  if (r.status != 0)
    g_error("cfqsim %s %s failed (%d):\n%s", args[0], args[1], r.status, r.err);
  result_clear(&r);
}

/* Not inlined, as slurp (testutil.h). */
static G_GNUC_NO_INLINE char *captured(const result *r, const char *graph,
                                       const char *file) {
  char *path = g_build_filename(r->capture, graph, file, NULL);
  char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    g_error("gnuplot was not given %s for %s (%s)", file, graph, path);
  g_free(path);
  return text;
}

/* The value of `name=` in the -e text (gnuplot quoting undone). */
static char *e_var(const char *e, const char *name) {
  g_autofree char *key = g_strconcat(name, "=", NULL);
  const char *at = e;
  while ((at = strstr(at, key)) && at != e && at[-1] != ' ')
    at++;
  if (!at)
    return NULL;
  at += strlen(key);
  GString *v = g_string_new(NULL);
  if (*at == '\'') {
    for (at++; *at && !(at[0] == '\'' && at[1] != '\''); at++) {
      if (at[0] == '\'')
        at++;
      g_string_append_c(v, *at);
    }
  } else {
    while (*at && *at != ';')
      g_string_append_c(v, *at++);
  }
  return g_string_free(v, FALSE);
}

/* sim_time_ns of a run directory's metrics.json, in seconds. */
static double run_end_s(const char *run) {
  g_autofree char *path = g_build_filename(tmpdir, run, "metrics.json", NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  const char *at = strstr(text, "\"sim_time_ns\" : ");
  g_assert_nonnull(at);
  return g_ascii_strtod(at + strlen("\"sim_time_ns\" : "), NULL) / 1e9;
}

/* gnuplot's x axis runs from 0 to the end of the run, not to a round
 * number past it. */
static void assert_x_is_run(const result *r, const char *graph, double end) {
  g_autofree char *range = captured(r, graph, "range");
  char *rest;
  double lo = g_ascii_strtod(range, &rest), hi = g_ascii_strtod(rest, NULL);
  if (lo != 0 || fabs(hi - end) > 1e-9)
    g_error("%s: x axis [%s], the run is [0, %.9g]", graph, g_strchomp(range),
            end);
}

/* ---- the latency CDF, the time axes ---- */

/* An rt reader starves two best-effort readers: `one` completes a single
 * I/O (issued before the rt reader starts), `none` completes nothing. */
static const char starve_yaml[] =
    "name: rt-starves\n"
    "seed: 1\n"
    "duration: 350ms\n"
    "devices:\n"
    "  - {name: sda, model: hdd, scheduler: cfq}\n"
    "processes:\n"
    "  - {name: rt, direct: 1, ioprio: rt/0, rw: read, bs: 64k, size: 1g, iodepth: 4, start: 1ms}\n"
    "  - {name: one, direct: 1, rw: read, bs: 4k, size: 1m, offset: 200g}\n"
    "  - {name: none, direct: 1, rw: read, bs: 4k, size: 1m, offset: 300g, start: 2ms}\n";

static void test_cdf_shows_the_starved(void) {
  g_free(write_tmp("starve.yaml", starve_yaml));
  run_ok("starve-run",
         (const char *[]){"starve.yaml", "-q", "-o", "starve", NULL});
  result r = cfqsim("starve", (const char *[]){"plot", "starve", NULL});
  g_assert_cmpint(r.status, ==, 0);

  /* One block per process with a completed I/O, an empirical CDF: it
   * rises from 0 at the first latency to 1, in steps. */
  g_autofree char *e = captured(&r, "latency_cdf", "e");
  g_autofree char *names = e_var(e, "names"), *nocomp = e_var(e, "nocomp");
  g_assert_cmpstr(names, ==, "rt one");
  g_assert_cmpstr(nocomp, ==, "none"); /* named on the graph, not dropped */
  g_autofree char *data = captured(&r, "latency_cdf", "data");
  char **blocks = g_strsplit(data, "\n\n\n", -1);
  g_assert_cmpuint(g_strv_length(blocks), ==, 2);
  for (guint b = 0; b < 2; b++) {
    char **lines = g_strsplit(g_strstrip(blocks[b]), "\n", -1);
    guint n = g_strv_length(lines);
    g_assert_cmpuint(n, >=, 2);
    double px = 0, py = -1;
    for (guint i = 0; i < n; i++) {
      char *rest;
      double x = g_ascii_strtod(lines[i], &rest),
             y = g_ascii_strtod(rest, NULL);
      if (i == 0)
        g_assert_cmpfloat(y, ==, 0);
      else
        g_assert_cmpfloat(x, >=, px);
      g_assert_cmpfloat(y, >=, py);
      px = x;
      py = y;
    }
    g_assert_cmpfloat(py, ==, 1);
    if (b == 1) { /* `one`: a vertical step at its only latency */
      g_assert_cmpuint(n, ==, 2);
      g_autofree char *lat_path =
          g_build_filename(tmpdir, "starve", "latencies.csv", NULL);
      g_autofree char *lat = NULL;
      g_assert_true(g_file_get_contents(lat_path, &lat, NULL, NULL));
      const char *row = strstr(lat, "\none,");
      g_assert_nonnull(row);
      double ms = g_ascii_strtod(row + 5, NULL) / 1e6;
      g_assert_cmpfloat(fabs(px - ms), <, 1e-6 * ms);
    }
    g_strfreev(lines);
  }
  g_strfreev(blocks);

  /* Time axes end where the run ended (350 ms, not a round 0.4 s). */
  double end = run_end_s("starve");
  g_assert_cmpfloat(fabs(end - 0.35), <, 1e-12);
  assert_x_is_run(&r, "throughput", end);
  assert_x_is_run(&r, "jain", end);
  assert_x_is_run(&r, "timeline", end);
  /* The last throughput window is drawn up to the end of the run. */
  g_autofree char *tp = captured(&r, "throughput", "data");
  g_strchomp(tp);
  const char *last = strrchr(tp, '\n') + 1;
  g_assert_cmpfloat(fabs(g_ascii_strtod(last, NULL) - end), <, 1e-12);
  result_clear(&r);
}

/* ---- colours and zero-length slices ---- */

static const char twelve_yaml[] =
    "name: twelve\n"
    "seed: 1\n"
    "duration: 600ms\n"
    "devices:\n"
    "  - {name: sda, model: hdd, scheduler: cfq}\n"
    "processes:\n"
    "  - {name: r, direct: 1, numjobs: 12, rw: randread, bs: 4k, size: 100g}\n";

/* `set linetype K lc rgb '#rrggbb'` lines: K = 1..n, n distinct colours. */
static void assert_distinct_colours(const char *linetypes, guint n) {
  GHashTable *seen =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  char **lines = g_strsplit(linetypes, "\n", -1);
  guint k = 0;
  for (char **l = lines; *l; l++) {
    if (!**l)
      continue;
    guint lt;
    char rgb[8];
    if (sscanf(*l, "set linetype %u lc rgb '#%6[0-9a-f]'", &lt, rgb) != 2)
      g_error("not a linetype colour: %s", *l);
    g_assert_cmpuint(lt, ==, ++k);
    g_assert_cmpuint(strlen(rgb), ==, 6);
    if (!g_hash_table_add(seen, g_strdup(rgb)))
      g_error("linetype %u repeats colour #%s", lt, rgb);
  }
  g_assert_cmpuint(k, >=, n);
  g_strfreev(lines);
  g_hash_table_unref(seen);
}

static void test_colours_and_zero_length_slices(void) {
  g_free(write_tmp("twelve.yaml", twelve_yaml));
  run_ok("twelve-run",
         (const char *[]){"twelve.yaml", "-q", "-o", "twelve", NULL});
  result r = cfqsim("twelve", (const char *[]){"plot", "twelve", NULL});
  g_assert_cmpint(r.status, ==, 0);
  g_autofree char *e = captured(&r, "throughput", "e");
  g_autofree char *n = e_var(e, "n");
  g_assert_cmpstr(n, ==, "12");
  g_autofree char *lt = captured(&r, "throughput", "linetypes");
  assert_distinct_colours(lt, 12);
  g_autofree char *lt2 = captured(&r, "latency_cdf", "linetypes");
  assert_distinct_colours(lt2, 12);

  /* Random readers get slices that end where they start; the timeline
   * marks each of them (fifth column) so they do not vanish. */
  g_autofree char *sl_path =
      g_build_filename(tmpdir, "twelve", "slices.csv", NULL);
  g_autofree char *sl = NULL;
  g_assert_true(g_file_get_contents(sl_path, &sl, NULL, NULL));
  guint zero_csv = 0;
  char **rows = g_strsplit(sl, "\n", -1);
  for (char **row = rows + 1; *row && **row; row++) {
    char **f = g_strsplit(*row, ",", -1);
    zero_csv += strcmp(f[3], f[4]) == 0;
    g_strfreev(f);
  }
  g_strfreev(rows);
  g_assert_cmpuint(zero_csv, >, 0);
  g_autofree char *tl = captured(&r, "timeline", "data");
  guint zero_dat = 0;
  rows = g_strsplit(tl, "\n", -1);
  for (char **row = rows; *row && **row; row++) {
    char **f = g_strsplit(*row, ",", -1);
    g_assert_cmpuint(g_strv_length(f), ==, 5);
    if (strcmp(f[4], "1") == 0) {
      g_assert_cmpstr(f[0], ==, f[1]);
      zero_dat++;
    } else {
      g_assert_cmpstr(f[4], ==, "0");
    }
    g_strfreev(f);
  }
  g_strfreev(rows);
  g_assert_cmpuint(zero_dat, ==, zero_csv);
  result_clear(&r);
}

/* ---- a run without slices ---- */

static const char noslice_yaml[] =
    "name: noslice\n"
    "seed: 1\n"
    "duration: 50ms\n"
    "devices:\n"
    "  - {name: sda, model: hdd, scheduler: deadline}\n"
    "  - {name: sdb, model: hdd, scheduler: cfq}\n"
    "processes:\n"
    "  - {name: r, direct: 1, device: sda, rw: read, bs: 64k, size: 64m}\n";

/* The CFQ device saw no I/O: its slices.csv has a header only.  The other
 * graphs are drawn, the timeline is skipped with a note, exit 0. */
static void test_run_without_slices(void) {
  g_free(write_tmp("noslice.yaml", noslice_yaml));
  run_ok("noslice-run",
         (const char *[]){"noslice.yaml", "-q", "-o", "noslice", NULL});
  result r = cfqsim("noslice", (const char *[]){"plot", "noslice", NULL});
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.err, "timeline"));
  g_assert_nonnull(strstr(r.err, "no slices"));
  const char *made[] = {"throughput.png", "jain.png", "shares.png",
                        "latency_cdf.png"};
  for (guint i = 0; i < G_N_ELEMENTS(made); i++) {
    g_autofree char *p =
        g_build_filename(tmpdir, "noslice", "plots", made[i], NULL);
    g_assert_true(g_file_test(p, G_FILE_TEST_IS_REGULAR));
    g_assert_nonnull(strstr(r.out, made[i]));
  }
  g_autofree char *tl =
      g_build_filename(tmpdir, "noslice", "plots", "timeline.png", NULL);
  g_assert_false(g_file_test(tl, G_FILE_TEST_EXISTS));
  result_clear(&r);
}

/* ---- sweeps: what the mean is taken over ---- */

static const char base_yaml[] =
    "name: base\n"
    "seed: 5\n"
    "duration: 30ms\n"
    "devices:\n"
    "  - {name: sda, model: hdd, scheduler: cfq}\n"
    "processes:\n"
    "  - {name: reader, direct: 1, numjobs: 2, rw: read, bs: 64k, size: 1g}\n";

static const char sweep_yaml[] =
    "base: base.yaml\n"
    "grid:\n"
    "  devices.sda.scheduler.slice_idle: [0, 8ms]\n"
    "  processes.reader.numjobs: [1, 2]\n"
    "replicates: 2\n"
    "metrics: [throughput_bps]\n";

static void test_sweep_says_what_it_averages(void) {
  g_free(write_tmp("base.yaml", base_yaml));
  g_free(write_tmp("sw.yaml", sweep_yaml));
  run_ok("sw-run",
         (const char *[]){"sweep", "sw.yaml", "-j", "1", "-o", "sw", NULL});

  /* numjobs on x: each point is a mean over slice_idle and the seeds. */
  result r = cfqsim("sw-x", (const char *[]){"plot", "sw", "--x",
                                             "processes.reader.numjobs", "--y",
                                             "throughput_bps", NULL});
  g_assert_cmpint(r.status, ==, 0);
  g_autofree char *e = captured(&r, "sweep", "e");
  g_autofree char *note = e_var(e, "note");
  g_assert_nonnull(note);
  if (!strstr(note, "devices.sda.scheduler.slice_idle=0,8ms") ||
      !strstr(note, "seed=5,6") || !g_str_has_prefix(note, "mean over "))
    g_error("sweep note: '%s'", note);
  result_clear(&r);

  /* Both on axes: only the replicates are averaged. */
  r = cfqsim("sw-xs",
             (const char *[]){"plot", "sw", "--x", "processes.reader.numjobs",
                              "--series", "devices.sda.scheduler.slice_idle",
                              NULL});
  g_assert_cmpint(r.status, ==, 0);
  g_autofree char *e2 = captured(&r, "sweep", "e");
  g_autofree char *note2 = e_var(e2, "note");
  g_assert_cmpstr(note2, ==, "mean over seed=5,6");
  result_clear(&r);
}

/* A metric no run has a number for (`outcome` is a word) is refused with
 * the metrics that can be drawn, not handed to gnuplot to fail on. */
static void test_sweep_words_are_not_drawn(void) {
  g_free(write_tmp("base.yaml", base_yaml));
  g_free(write_tmp("swo.yaml", "base: base.yaml\n"
                               "grid: {processes.reader.numjobs: [1, 2]}\n"
                               "metrics: [outcome, throughput_bps]\n"));
  run_ok("swo-run",
         (const char *[]){"sweep", "swo.yaml", "-j", "1", "-o", "swo", NULL});
  result r =
      cfqsim("swo-y", (const char *[]){"plot", "swo", "--y", "outcome", NULL});
  g_assert_true(WIFEXITED(r.status));
  g_assert_cmpint(WEXITSTATUS(r.status), ==, 2);
  g_assert_cmpstr(r.err, ==,
                  "cfqsim plot: --y takes a metric with numbers ( "
                  "throughput_bps ), not 'outcome'\n");
  g_autofree char *plots = g_build_filename(tmpdir, "swo", "plots", NULL);
  g_assert_false(g_file_test(plots, G_FILE_TEST_EXISTS));
  result_clear(&r);
  /* The default is the first metric with numbers. */
  r = cfqsim("swo-default", (const char *[]){"plot", "swo", NULL});
  g_assert_cmpint(r.status, ==, 0);
  g_autofree char *e = captured(&r, "sweep", "e");
  g_autofree char *yname = e_var(e, "yname");
  g_assert_cmpstr(yname, ==, "throughput_bps");
  result_clear(&r);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  char *real = g_find_program_in_path("gnuplot");
  tmpdir = g_dir_make_tmp("test-plot-XXXXXX", NULL);
  g_assert_nonnull(tmpdir);
  if (real) {
    install_gnuplot(real);
    g_test_add_func("/plot/cdf-shows-the-starved", test_cdf_shows_the_starved);
    g_test_add_func("/plot/colours-and-zero-length-slices",
                    test_colours_and_zero_length_slices);
    g_test_add_func("/plot/run-without-slices", test_run_without_slices);
    g_test_add_func("/plot/sweep-says-what-it-averages",
                    test_sweep_says_what_it_averages);
    g_test_add_func("/plot/sweep-words-are-not-drawn",
                    test_sweep_words_are_not_drawn);
  } else {
    g_test_message(
        "gnuplot is not on PATH (scripts/install-deps.sh): plot tests skipped");
  }
  int rc = g_test_run();
  rm_rf(tmpdir);
  g_free(tmpdir);
  g_free(bindir);
  g_free(real);
  return rc;
}
