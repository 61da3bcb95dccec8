/* Small helpers the test suites share: scratch directories and listings. */
#ifndef CFQSIM_TESTUTIL_H
#define CFQSIM_TESTUTIL_H

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

/* g_ptr_array_sort passes pointers to the elements. */
static G_GNUC_UNUSED gint by_name(gconstpointer a, gconstpointer b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A new scratch directory, cfqsim-WHAT-XXXXXX under the system's tmp. */
static G_GNUC_UNUSED char *scratch_dir(const char *what) {
  GError *err = NULL;
  char *tmpl = g_strdup_printf("cfqsim-%s-XXXXXX", what);
  char *d = g_dir_make_tmp(tmpl, &err);
  g_assert_no_error(err);
  g_free(tmpl);
  return d;
}

/* Removes a file or a directory tree; never follows a symbolic link. */
static G_GNUC_UNUSED void rm_rf(const char *path) {
  GStatBuf st;
  if (g_lstat(path, &st) != 0)
    return;
  if (S_ISDIR(st.st_mode)) {
    GDir *d = g_dir_open(path, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d))) {
      char *c = g_build_filename(path, n, NULL);
      rm_rf(c);
      g_free(c);
    }
    if (d)
      g_dir_close(d);
    g_rmdir(path);
  } else {
    g_unlink(path);
  }
}

/* DIR/NAME's contents; the test fails if it cannot be read.  Not inlined:
 * GCC 12 at -O3 (a Release build) then takes the returned text for a
 * pointer to the local that received it (-Wdangling-pointer). */
static G_GNUC_UNUSED G_GNUC_NO_INLINE char *slurp(const char *dir,
                                                  const char *name) {
  char *path = g_build_filename(dir, name, NULL);
  char *text = NULL;
  GError *err = NULL;
  g_file_get_contents(path, &text, NULL, &err);
  g_assert_no_error(err);
  g_free(path);
  return text;
}

/* Sorted names in a directory, joined by spaces. */
static G_GNUC_UNUSED char *listing(const char *dir) {
  GDir *d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  const char *n;
  while ((n = g_dir_read_name(d)))
    g_ptr_array_add(names, g_strdup(n));
  g_dir_close(d);
  g_ptr_array_sort(names, by_name);
  g_ptr_array_add(names, NULL);
  char *s = g_strjoinv(" ", (char **)names->pdata);
  g_ptr_array_unref(names);
  return s;
}

#endif
