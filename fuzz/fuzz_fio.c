/* Fuzz target: fio job files (syntax -> workload YAML -> the workload
 * parser).  Whatever the input, a workload or an error that says where
 * ("fuzz.fio:line:col: ..."), never a crash or a leak. */
#include <glib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "sim/fio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  GError *err = NULL;
  workload *w = fio_parse("fuzz.fio", (const char *)data, size, NULL, &err);
  if (w) {
    g_assert_null(err);
    workload_free(w);
  } else {
    g_assert_nonnull(err);
    g_assert_true(g_str_has_prefix(err->message, "fuzz.fio:"));
    g_error_free(err);
  }
  return 0;
}
