/* Output directories: what cfqsim recognises as its own and may therefore
 * replace, and that it never removes anything else. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/outdir.h"

#include "tests/testutil.h"

static char *base;

static char *path_of(const char *rel) {
  return g_build_filename(base, rel, NULL);
}

static void put(const char *rel, const char *text) {
  char *p = path_of(rel);
  char *dir = g_path_get_dirname(p);
  g_assert_cmpint(g_mkdir_with_parents(dir, 0777), ==, 0);
  g_assert_true(g_file_set_contents(p, text, -1, NULL));
  g_free(dir);
  g_free(p);
}

static void mkdirs(const char *rel) {
  char *p = path_of(rel);
  g_assert_cmpint(g_mkdir_with_parents(p, 0777), ==, 0);
  g_free(p);
}

static gboolean exists(const char *rel) {
  char *p = path_of(rel);
  GStatBuf st;
  gboolean e = g_lstat(p, &st) == 0;
  g_free(p);
  return e;
}

/* A fresh directory `rel` holding a run result of the files named. */
static void make_run(const char *rel, const char *kind) {
  static const char *const files[] = {"metrics.json", "summary.txt"};
  char *marker = outdir_marker_text(kind, files, G_N_ELEMENTS(files));
  char *m = g_strconcat(rel, "/" OUTDIR_MARKER, NULL);
  put(m, marker);
  for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
    char *f = g_strconcat(rel, "/", files[i], NULL);
    put(f, "{}");
    g_free(f);
  }
  g_free(m);
  g_free(marker);
}

/* outdir_may_replace on `rel`: NULL if allowed, else the message. */
static char *verdict(const char *rel, const char *kind) {
  char *p = path_of(rel);
  GError *err = NULL;
  char *msg = NULL;
  if (!outdir_may_replace(p, kind, &err)) {
    g_assert_error(err, OUTDIR_ERROR, OUTDIR_ERROR_NOT_OURS);
    msg = g_strdup(err->message);
    g_error_free(err);
  }
  g_free(p);
  return msg;
}

static void assert_ours(const char *rel, const char *kind) {
  char *m = verdict(rel, kind);
  if (m)
    g_error("%s should be ours: %s", rel, m);
}

static void assert_refused(const char *rel, const char *kind,
                           const char *what) {
  char *m = verdict(rel, kind);
  if (!m)
    g_error("%s should be refused", rel);
  if (!strstr(m, what))
    g_error("expected '%s' in '%s'", what, m);
  g_free(m);
}

static void test_marker_text(void) {
  static const char *const names[] = {"b.csv", "a.json"};
  char *t = outdir_marker_text(OUTDIR_RUN, names, 2);
  g_assert_cmpstr(t, ==, "cfqsim run\na.json\nb.csv\n");
  g_free(t);
}

static void test_may_replace(void) {
  assert_ours("missing", OUTDIR_RUN);
  mkdirs("empty");
  assert_ours("empty", OUTDIR_RUN);
  assert_ours("empty", OUTDIR_SWEEP);

  make_run("run", OUTDIR_RUN);
  assert_ours("run", OUTDIR_RUN);
  assert_refused("run", OUTDIR_COMPARE,
                 "a cfqsim run result, not a compare result");
  /* Its own plots too, but nothing the user added. */
  mkdirs("run/plots");
  assert_ours("run", OUTDIR_RUN);
  static const char *const png[] = {"jain.png"};
  char *pm = outdir_marker_text(OUTDIR_PLOTS, png, 1);
  put("run/plots/" OUTDIR_MARKER, pm);
  g_free(pm);
  put("run/plots/jain.png", "png");
  assert_ours("run", OUTDIR_RUN);
  put("run/plots/mine.png", "mine");
  assert_refused("run", OUTDIR_RUN, "('plots/mine.png')");
  assert_refused("run/plots", OUTDIR_PLOTS, "('mine.png')");
  put("run/notes.txt", "mine");
  assert_refused("run", OUTDIR_RUN,
                 "entries that cfqsim did not write "
                 "('notes.txt', 'plots/mine.png')");

  /* No marker, or a listed name that is not a plain file: not ours. */
  put("bare/metrics.json", "{}");
  assert_refused("bare", OUTDIR_RUN, "('metrics.json')");
  make_run("swapped", OUTDIR_RUN);
  char *f = path_of("swapped/summary.txt");
  g_assert_cmpint(g_unlink(f), ==, 0);
  g_assert_cmpint(symlink("/etc/passwd", f), ==, 0);
  g_free(f);
  assert_refused("swapped", OUTDIR_RUN, "('summary.txt')");
  /* A marker is a small text file. */
  mkdirs("nul");
  char *np = path_of("nul/" OUTDIR_MARKER);
  g_assert_true(g_file_set_contents(np, "cfqsim run\0\n", 12, NULL));
  g_free(np);
  assert_refused("nul", OUTDIR_RUN, OUTDIR_MARKER);
  /* Not a directory at all. */
  put("file", "x");
  assert_refused("file", OUTDIR_RUN, "it is a file");
  char *l = path_of("link");
  g_assert_cmpint(symlink(base, l), ==, 0);
  g_free(l);
  assert_refused("link", OUTDIR_RUN, "symbolic link");

  /* A sweep: run results under points/, even before its own marker. */
  make_run("sweep/points/0-1", OUTDIR_RUN);
  make_run("sweep/points/1-1", OUTDIR_RUN);
  assert_ours("sweep", OUTDIR_SWEEP);
  static const char *const res[] = {"results.csv", "shard.txt"};
  char *sm = outdir_marker_text(OUTDIR_SWEEP, res, 2);
  put("sweep/" OUTDIR_MARKER, sm);
  g_free(sm);
  put("sweep/results.csv", "point\n");
  assert_ours("sweep", OUTDIR_SWEEP);
  assert_refused("sweep", OUTDIR_RUN,
                 "a cfqsim sweep result, not a run result");
  make_run("sweep/points/2-1", OUTDIR_COMPARE);
  assert_refused("sweep", OUTDIR_SWEEP, "('points/2-1')");
  char *p21 = path_of("sweep/points/2-1");
  rm_rf(p21);
  g_free(p21);
  put("sweep/points/0-1/x.txt", "mine");
  put("sweep/points/junk", "mine");
  assert_refused("sweep", OUTDIR_SWEEP, "('points/0-1/x.txt', 'points/junk')");
  /* Without the marker, results.csv is not ours. */
  put("nosweep/results.csv", "mine");
  assert_refused("nosweep", OUTDIR_SWEEP, "('results.csv')");
}

/* Only what the marker names goes; anything else stays, with its
 * directory. */
static void test_remove(void) {
  make_run("rm1", OUTDIR_RUN);
  static const char *const png[] = {"a.png"};
  char *pm = outdir_marker_text(OUTDIR_PLOTS, png, 1);
  put("rm1/plots/" OUTDIR_MARKER, pm);
  put("rm1/plots/a.png", "png");
  char *p = path_of("rm1");
  g_assert_true(outdir_remove(p));
  g_assert_false(exists("rm1"));
  g_free(p);

  make_run("rm2", OUTDIR_RUN);
  put("rm2/late.txt", "mine");
  put("rm2/plots/" OUTDIR_MARKER, pm);
  put("rm2/plots/b.png", "mine");
  p = path_of("rm2");
  g_assert_false(outdir_remove(p));
  g_free(p);
  g_assert_true(exists("rm2/late.txt"));
  g_assert_true(exists("rm2/plots/b.png"));
  g_assert_false(exists("rm2/metrics.json"));
  g_assert_false(exists("rm2/" OUTDIR_MARKER));
  g_free(pm);
}

/* Files gathered over several commands: the marker names them all. */
static void test_add_files(void) {
  put("src/a.png", "A");
  put("src/b.svg", "B");
  GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(paths, path_of("src/a.png"));
  char *dir = path_of("gather/plots");
  GError *err = NULL;
  g_assert_true(outdir_add_files(dir, OUTDIR_PLOTS, paths, &err));
  g_ptr_array_set_size(paths, 0);
  g_ptr_array_add(paths, path_of("src/b.svg"));
  g_assert_true(outdir_add_files(dir, OUTDIR_PLOTS, paths, &err));
  g_assert_no_error(err);
  char **names = outdir_marker_names(dir, OUTDIR_PLOTS);
  g_assert_nonnull(names);
  g_assert_cmpuint(g_strv_length(names), ==, 2);
  g_assert_cmpstr(names[0], ==, "a.png");
  g_assert_cmpstr(names[1], ==, "b.svg");
  g_strfreev(names);
  g_assert_null(outdir_marker_names(dir, OUTDIR_RUN));
  put("gather/plots/c.png", "mine");
  g_assert_false(outdir_add_files(dir, OUTDIR_PLOTS, paths, &err));
  g_assert_error(err, OUTDIR_ERROR, OUTDIR_ERROR_NOT_OURS);
  g_clear_error(&err);
  g_free(dir);
  g_ptr_array_unref(paths);
}

/* mkdtemp makes 0700; a result is created as mkdir would. */
static void test_tmp_mode(void) {
  char *target = path_of("moded");
  mode_t old = umask(027);
  GError *err = NULL;
  char *tmp = outdir_make_tmp(target, ".tmp-", &err);
  umask(old);
  g_assert_no_error(err);
  g_assert_true(g_str_has_prefix(tmp, target));
  GStatBuf st;
  g_assert_cmpint(g_stat(tmp, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 07777, ==, 0750);
  g_free(tmp);
  /* The error names the target. */
  char *bad = g_build_filename(base, "no", "such", "parent", NULL);
  g_assert_null(outdir_make_tmp(bad, ".tmp-", &err));
  g_assert_error(err, OUTDIR_ERROR, OUTDIR_ERROR_IO);
  char *want = g_strdup_printf("cannot create %s: ", bad);
  g_assert_true(g_str_has_prefix(err->message, want));
  g_clear_error(&err);
  g_free(want);
  g_free(bad);
  g_free(target);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  base = g_dir_make_tmp("cfqsim-outdir-XXXXXX", NULL);
  g_assert_nonnull(base);
  g_test_add_func("/outdir/marker-text", test_marker_text);
  g_test_add_func("/outdir/may-replace", test_may_replace);
  g_test_add_func("/outdir/remove", test_remove);
  g_test_add_func("/outdir/add-files", test_add_files);
  g_test_add_func("/outdir/tmp-mode", test_tmp_mode);
  int rc = g_test_run();
  rm_rf(base);
  g_free(base);
  return rc;
}
