/* Golden outputs: every shipped workload, run with --trace, must give the
 * same bytes in every output file as when its manifest was recorded, and
 * the exploration of the race workloads the same report.  A refactor or a
 * speed-up that changes one byte of any result turns this suite red.
 *
 * A manifest (tests/golden/<name>.sha256) lists the exit status and, per
 * file, its SHA-256 and size.  When a change is meant to alter outputs,
 * record them again and review the diff of the manifests:
 *   CFQSIM_UPDATE_GOLDEN=1 ./build/test_golden */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tests/testutil.h"

static char *golden_path(const char *name) {
  char *file = g_strdup_printf("%s.sha256", name);
  char *path =
      g_build_filename(CFQSIM_SOURCE_DIR, "tests", "golden", file, NULL);
  g_free(file);
  return path;
}

static int spawn(char **argv, char **out) {
  GError *err = NULL;
  int wait_status;
  g_assert_true(g_spawn_sync(CFQSIM_SOURCE_DIR, argv, NULL, 0, NULL, NULL, out,
                             NULL, &wait_status, &err));
  g_assert_no_error(err);
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
}

static void add_file(GString *m, const char *label, const char *data,
                     gsize len) {
  char *sum =
      g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);
  g_string_append_printf(m, "%s %s %" G_GSIZE_FORMAT "\n", sum, label, len);
  g_free(sum);
}

/* Compares with the recorded manifest, or records it. */
static void check(const char *name, const char *manifest) {
  char *path = golden_path(name);
  if (g_getenv("CFQSIM_UPDATE_GOLDEN")) {
    GError *err = NULL;
    g_file_set_contents(path, manifest, -1, &err);
    g_assert_no_error(err);
    g_test_message("recorded %s", path);
  } else {
    char *want = NULL;
    if (!g_file_get_contents(path, &want, NULL, NULL))
      g_test_message("no manifest %s: record it with CFQSIM_UPDATE_GOLDEN=1",
                     path);
    if (g_strcmp0(manifest, want) != 0) {
      /* Name the files that differ rather than dumping both manifests. */
      char **now = g_strsplit(manifest, "\n", -1);
      for (char **l = now; *l; l++)
        if (**l && (!want || !strstr(want, *l)))
          g_test_message("%s: now %s", name, *l);
      g_strfreev(now);
      g_test_fail_printf("%s: outputs differ from %s", name, path);
    }
    g_free(want);
  }
  g_free(path);
}

static void test_run(gconstpointer data) {
  const char *name = data;
  GError *err = NULL;
  char *tmp = g_dir_make_tmp("cfqsim-golden-XXXXXX", &err);
  g_assert_no_error(err);
  char *out = g_build_filename(tmp, "out", NULL);
  char *wl = g_strdup_printf("workloads/%s.yaml", name);
  char *argv[] = {
      (char *)CFQSIM_BINARY, "run", wl, "-o", out, "--quiet", "--trace", NULL};
  int status = spawn(argv, NULL);
  GString *m = g_string_new(NULL);
  g_string_append_printf(m, "exit %d\n", status);

  GDir *d = g_dir_open(out, 0, &err);
  g_assert_no_error(err);
  GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
  const char *f;
  while ((f = g_dir_read_name(d)))
    g_ptr_array_add(files, g_strdup(f));
  g_dir_close(d);
  g_ptr_array_sort(files, by_name);
  for (guint i = 0; i < files->len; i++) {
    char *p = g_build_filename(out, files->pdata[i], NULL);
    char *text;
    gsize len;
    g_assert_true(g_file_get_contents(p, &text, &len, NULL));
    add_file(m, files->pdata[i], text, len);
    g_remove(p);
    g_free(text);
    g_free(p);
  }
  g_rmdir(out);
  g_rmdir(tmp);
  check(name, m->str);
  g_string_free(m, TRUE);
  g_ptr_array_unref(files);
  g_free(wl);
  g_free(out);
  g_free(tmp);
}

static void test_explore(gconstpointer data) {
  const char *name = data;
  char *wl = g_strdup_printf("workloads/%s.yaml", name);
  char *argv[] = {(char *)CFQSIM_BINARY, "explore", wl,
                  "--variant",           "both",    NULL};
  char *stdout_text = NULL;
  int status = spawn(argv, &stdout_text);
  GString *m = g_string_new(NULL);
  g_string_append_printf(m, "exit %d\n", status);
  add_file(m, "stdout", stdout_text, strlen(stdout_text));
  char *label = g_strdup_printf("explore-%s", name);
  check(label, m->str);
  g_free(label);
  g_string_free(m, TRUE);
  g_free(stdout_text);
  g_free(wl);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  char *dir = g_build_filename(CFQSIM_SOURCE_DIR, "workloads", NULL);
  GDir *d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  const char *f;
  while ((f = g_dir_read_name(d)))
    if (g_str_has_suffix(f, ".yaml"))
      g_ptr_array_add(names, g_strndup(f, strlen(f) - strlen(".yaml")));
  g_dir_close(d);
  g_ptr_array_sort(names, by_name);
  for (guint i = 0; i < names->len; i++) {
    char *path = g_strdup_printf("/golden/run/%s", (char *)names->pdata[i]);
    g_test_add_data_func(path, names->pdata[i], test_run);
    g_free(path);
  }
  /* The exploration of two and three sharers is quick; four takes longer
   * than a golden check is worth. */
  g_test_add_data_func("/golden/explore/race-explore-2", "race-explore-2",
                       test_explore);
  g_test_add_data_func("/golden/explore/race-explore-3", "race-explore-3",
                       test_explore);
  int rc = g_test_run();
  g_ptr_array_unref(names);
  g_free(dir);
  return rc;
}
