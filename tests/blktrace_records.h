/* The records of a run's blktrace, as the test suites read them back. */
#ifndef CFQSIM_TESTS_BLKTRACE_RECORDS_H
#define CFQSIM_TESTS_BLKTRACE_RECORDS_H

#include <glib.h>
#include <string.h>

#include "sim/blktrace.h"
#include "sim/run.h"

typedef struct rec {
  uint64_t time, sector;
  uint32_t bytes, action, pid;
} rec;

/* The block layer's events of one device in order, CFQ's notes left out;
 * with `only_code` non-zero, only the events of that action code. */
static G_GNUC_UNUSED GArray *blktrace_records(sim_run *r, guint dev,
                                              uint32_t only_code) {
  GBytes *b = sim_run_blktrace(r, dev);
  g_assert_nonnull(b);
  gsize n;
  const guint8 *d = g_bytes_get_data(b, &n);
  GArray *a = g_array_new(FALSE, TRUE, sizeof(rec));
  for (gsize o = 0; o < n;) {
    rec x;
    uint16_t pdu_len;
    memcpy(&x.time, d + o + 8, 8);
    memcpy(&x.sector, d + o + 16, 8);
    memcpy(&x.bytes, d + o + 24, 4);
    memcpy(&x.action, d + o + 28, 4);
    memcpy(&x.pid, d + o + 32, 4);
    memcpy(&pdu_len, d + o + 46, 2);
    if (!((x.action >> 16) & BLK_TC_NOTIFY) &&
        (!only_code || (x.action & 0xffff) == only_code))
      g_array_append_val(a, x);
    o += BLKTRACE_RECORD_SIZE + pdu_len;
  }
  g_bytes_unref(b);
  return a;
}

#endif
