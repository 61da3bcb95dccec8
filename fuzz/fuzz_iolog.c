/* Fuzz target: traces to replay (blktrace binaries, fio iologs v2 and v3).
 * Whatever the input, streams of I/Os or an error that says where
 * ("fuzz.log: record N: ..." or "fuzz.log:line:col: ..."), never a crash
 * or a leak; every I/O whole sectors, every gap not negative. */
#include <glib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "sim/iolog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const iolog_options opts[] = {
      {.time_scale = 100},
      {.time_scale = 7, .redirect = "sdb"},
      {.time_scale = 1000000, .no_stall = true},
  };
  for (guint k = 0; k < G_N_ELEMENTS(opts); k++) {
    GError *err = NULL;
    iolog *l = iolog_parse("fuzz.log", data, size, &opts[k], &err);
    if (!l) {
      g_assert_nonnull(err);
      g_assert_true(g_str_has_prefix(err->message, "fuzz.log"));
      g_error_free(err);
      continue;
    }
    g_assert_null(err);
    g_assert_cmpuint(l->streams->len, >, 0);
    for (guint s = 0; s < l->streams->len; s++) {
      const iolog_stream *st = g_ptr_array_index(l->streams, s);
      g_assert_cmpint(st->start, >=, 0);
      g_assert_cmpuint(st->ios->len, ==, st->srcs->len);
      for (guint i = 0; i < st->ios->len; i++) {
        const proc_replay_io *io = &g_array_index(st->ios, proc_replay_io, i);
        g_assert_cmpint(io->gap, >=, 0);
        g_assert_cmpint(io->not_before, >=, 0);
        g_assert_cmpint(io->sector, >=, 0);
        g_assert_true(io->nr_sectors > 0 || (io->rw & REQ_FLUSH));
        g_autofree char *where =
            iolog_where(l, &g_array_index(st->srcs, iolog_src, i));
        g_assert_true(g_str_has_prefix(where, "fuzz.log"));
      }
    }
    iolog_free(l);
  }
  return 0;
}
