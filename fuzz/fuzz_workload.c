/* Fuzz target: the workload parser (YAML -> tree -> --set -> validation).
 * Whatever the input, the parser must return a workload or an error that
 * says where ("fuzz.yaml:line:col: ..."), never crash or leak. */
#include <glib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "sim/workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  GError *err = NULL;
  workload *w =
      workload_parse("fuzz.yaml", (const char *)data, size, NULL, &err);
  if (w) {
    g_assert_null(err);
    workload_free(w);
  } else {
    g_assert_nonnull(err);
    g_assert_true(g_str_has_prefix(err->message, "fuzz.yaml:"));
    g_error_free(err);
  }
  return 0;
}
