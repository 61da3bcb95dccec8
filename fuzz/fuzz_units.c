/* Fuzz target: sizes, times, rates and integers as a user writes them. */
#include <glib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "sim/core/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = g_strndup((const char *)data, size);
  int64_t i;
  double d;
  GError *err = NULL;
  gboolean (*parse64[])(const char *, int64_t *, GError **) = {
      units_parse_size, units_parse_time, units_parse_int};
  for (size_t k = 0; k < G_N_ELEMENTS(parse64); k++) {
    if (!parse64[k](text, &i, &err)) {
      g_assert_nonnull(err);
      g_clear_error(&err);
    }
  }
  if (!units_parse_rate(text, &d, &err)) {
    g_assert_nonnull(err);
    g_clear_error(&err);
  }
  g_free(text);
  return 0;
}
