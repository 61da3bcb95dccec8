/* Replays fuzz inputs without libFuzzer: every file named on the command
 * line, every prefix of it (at a stride) and single-byte mutations of it
 * (at a stride), so the parsers meet truncated and damaged input in every
 * CTest run, under the sanitizers in CI.  Deterministic: no randomness. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "fuzz/fuzz.h"

static const uint8_t mutations[] = {0,   ':',  '-', '[', '{',
                                    '"', '\n', ' ', '9', 0xff};

int main(int argc, char **argv) {
  guint64 inputs = 0;
  for (int a = 1; a < argc; a++) {
    char *text = NULL;
    gsize len = 0;
    GError *err = NULL;
    if (!g_file_get_contents(argv[a], &text, &len, &err)) {
      fprintf(stderr, "%s\n", err->message);
      return 2;
    }
    uint8_t *buf = g_malloc(len + 1);
    LLVMFuzzerTestOneInput((const uint8_t *)text, len);
    inputs++;
    for (gsize n = 0; n < len; n += 5) {
      LLVMFuzzerTestOneInput((const uint8_t *)text, n);
      inputs++;
    }
    for (gsize at = 0; at < len; at += 11) {
      memcpy(buf, text, len);
      buf[at] = mutations[(at / 11) % sizeof mutations];
      LLVMFuzzerTestOneInput(buf, len);
      inputs++;
    }
    g_free(buf);
    g_free(text);
  }
  printf("%" G_GUINT64_FORMAT " inputs, no failure\n", inputs);
  return 0;
}
