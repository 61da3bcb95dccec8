/* Fuzz target: the sweep-file parser.  It resolves `base` relative to the
 * sweep file, so the input is written to a private temporary file. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "sim/sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *path;
  if (!path) {
    char *dir = g_dir_make_tmp("cfqsim-fuzz-XXXXXX", NULL);
    g_assert_nonnull(dir);
    path = g_build_filename(dir, "fuzz.yaml", NULL);
    g_free(dir);
  }
  g_assert_true(
      g_file_set_contents(path, (const char *)data, (gssize)size, NULL));
  GError *err = NULL;
  sweep *s = sweep_load(path, &err);
  if (s) {
    g_assert_null(err);
    sweep_free(s);
  } else {
    g_assert_nonnull(err);
    g_error_free(err);
  }
  return 0;
}
