/* Trace replay (fio's read_iolog): blktrace binaries and fio iologs v2/v3
 * read into streams with their positions in error messages; the round
 * trip `--trace` -> replay -> the same I/Os per process; fio's replay
 * timing (gaps, replay_time_scale, replay_no_stall, v2 waits, iodepth);
 * replay_redirect; job files with read_iolog; and, where fio is
 * installed, fio reading cfqsim's traces and fio-btrace2fio's job files
 * running here. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/blktrace.h"
#include "sim/fio.h"
#include "sim/iolog.h"
#include "sim/run.h"
#include "tests/blktrace_records.h"
#include "tests/testutil.h"

#define MS G_GINT64_CONSTANT(1000000)
#define US G_GINT64_CONSTANT(1000)

static const iolog_options plain = {.time_scale = 100};

static char *write_file(const char *dir, const char *name, const void *data,
                        gssize len) {
  char *path = g_build_filename(dir, name, NULL);
  GError *err = NULL;
  g_file_set_contents(path, data, len, &err);
  g_assert_no_error(err);
  return path;
}

static iolog *parse_text(const char *text, const iolog_options *o) {
  GError *err = NULL;
  iolog *l = iolog_parse("t.log", text, strlen(text), o, &err);
  g_assert_no_error(err);
  g_assert_nonnull(l);
  return l;
}

/* The error `text` gets, which must start with `want`. */
static void parse_fails(const char *text, gsize len, const char *want) {
  GError *err = NULL;
  iolog *l = iolog_parse("t.log", text, len, &plain, &err);
  g_assert_null(l);
  g_assert_nonnull(err);
  if (!g_str_has_prefix(err->message, want))
    g_error("expected '%s...', got '%s'", want, err->message);
  g_error_free(err);
}

static const proc_replay_io *io_at(const iolog *l, guint s, guint i) {
  const iolog_stream *st = g_ptr_array_index(l->streams, s);
  g_assert_cmpuint(i, <, st->ios->len);
  return &g_array_index(st->ios, proc_replay_io, i);
}

static guint n_ios(const iolog *l, guint s) {
  return ((const iolog_stream *)g_ptr_array_index(l->streams, s))->ios->len;
}

/* ------------------------------------------------------------ iolog v2 */

/* Files by name: /dev/X is device X, offsets absolute; regular files lie
 * on the job's device one after the other, MiB-aligned, in order of
 * `add`; sync is an empty flush; `wait N` holds the next I/O until N ms
 * after the start (fio 3.33's behaviour, measured). */
static void test_v2(void) {
  g_autoptr(iolog) l = parse_text("fio version 2 iolog\n"
                                  "/data/a add\n"
                                  "/data/b add\n"
                                  "/dev/sdb add\n"
                                  "/data/a open\n"
                                  "/data/a read 1048576 524288\n"
                                  "/data/b write 4096 8192\n"
                                  "/data/b wait 250 0\n"
                                  "/dev/sdb read 512 512\n"
                                  "\n"
                                  "/data/a sync 0 0\n"
                                  "/data/a close\n",
                                  &plain);
  g_assert_cmpint(l->format, ==, IOLOG_V2);
  g_assert_cmpuint(l->streams->len, ==, 2);
  const iolog_stream *files = g_ptr_array_index(l->streams, 0);
  const iolog_stream *sdb = g_ptr_array_index(l->streams, 1);
  g_assert_null(files->device);
  g_assert_cmpint(files->pid, ==, -1);
  g_assert_cmpstr(sdb->device, ==, "sdb");
  g_assert_cmpuint(n_ios(l, 0), ==, 3);
  /* a: 1.5 MiB at most, so b starts at 2 MiB (4096 sectors) */
  g_assert_cmpint(io_at(l, 0, 0)->sector, ==, 2048);
  g_assert_cmpuint(io_at(l, 0, 0)->nr_sectors, ==, 1024);
  g_assert_cmpuint(io_at(l, 0, 0)->rw, ==, 0);
  g_assert_cmpint(io_at(l, 0, 1)->sector, ==, 4096 + 8);
  g_assert_cmpuint(io_at(l, 0, 1)->nr_sectors, ==, 16);
  g_assert_cmpuint(io_at(l, 0, 1)->rw, ==, REQ_WRITE | REQ_SYNC);
  g_assert_cmpuint(io_at(l, 0, 2)->nr_sectors, ==, 0);
  g_assert_cmpuint(io_at(l, 0, 2)->rw, ==, REQ_WRITE | REQ_SYNC | REQ_FLUSH);
  g_assert_cmpint(io_at(l, 0, 2)->not_before, ==, 0);
  /* the wait applies to the next I/O, whichever file it is on */
  g_assert_cmpint(io_at(l, 1, 0)->sector, ==, 1);
  g_assert_cmpint(io_at(l, 1, 0)->not_before, ==, 250 * MS);
  for (guint s = 0; s < 2; s++)
    for (guint i = 0; i < n_ios(l, s); i++)
      g_assert_cmpint(io_at(l, s, i)->gap, ==, 0);
  /* positions: the log's lines */
  const iolog_src *src = &g_array_index(sdb->srcs, iolog_src, 0);
  g_autofree char *where = iolog_where(l, src);
  g_assert_cmpstr(where, ==, "t.log:9:1");

  iolog_options nostall = {.time_scale = 100, .no_stall = true};
  g_autoptr(iolog) n = parse_text("fio version 2 iolog\n"
                                  "/dev/sda add\n"
                                  "/dev/sda wait 250 0\n"
                                  "/dev/sda read 0 512\n",
                                  &nostall);
  g_assert_cmpint(io_at(n, 0, 0)->not_before, ==, 0);
}

/* replay_redirect: every file is the one device, at its own offsets. */
static void test_redirect_log(void) {
  iolog_options o = {.time_scale = 100, .redirect = "sdc"};
  g_autoptr(iolog) l = parse_text("fio version 2 iolog\n"
                                  "/data/a add\n"
                                  "/dev/sdb add\n"
                                  "/data/a read 8192 4096\n"
                                  "/dev/sdb read 4096 4096\n",
                                  &o);
  g_assert_cmpuint(l->streams->len, ==, 1);
  const iolog_stream *s = g_ptr_array_index(l->streams, 0);
  g_assert_cmpstr(s->device, ==, "sdc");
  g_assert_cmpint(io_at(l, 0, 0)->sector, ==, 16);
  g_assert_cmpint(io_at(l, 0, 1)->sector, ==, 8);
}

/* ------------------------------------------------------------ iolog v3 */

static const char v3_log[] = "fio version 3 iolog\n"
                             "100 /dev/sda add\n"
                             "100 /dev/sda open\n"
                             "1000 /dev/sda read 0 4096\n"
                             "3000 /dev/sda read 1048576 4096\n"
                             "3500 /dev/sda write 2097152 8192\n"
                             "10000 /dev/sda read 4096 4096\n"
                             "10000 /dev/sda close\n";

/* Gaps from line to line in microseconds (the open's 900 us carried to
 * the first read), scaled by 100 / time_scale and cut to whole
 * microseconds each, as fio computes them. */
static void test_v3_gaps(void) {
  static const struct {
    int64_t scale;
    bool no_stall;
    int64_t gap[4]; /* us */
  } cases[] = {
      {100, false, {900, 2000, 500, 6500}},
      {200, false, {450, 1000, 250, 3250}},
      {300, false, {300, 666, 166, 2166}},
      {50, false, {1800, 4000, 1000, 13000}},
      {100, true, {0, 0, 0, 0}},
  };
  for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
    iolog_options o = {.time_scale = cases[c].scale,
                       .no_stall = cases[c].no_stall};
    g_autoptr(iolog) l = parse_text(v3_log, &o);
    g_assert_cmpint(l->format, ==, IOLOG_V3);
    g_assert_cmpuint(l->streams->len, ==, 1);
    g_assert_cmpuint(n_ios(l, 0), ==, 4);
    for (guint i = 0; i < 4; i++)
      g_assert_cmpint(io_at(l, 0, i)->gap, ==, cases[c].gap[i] * US);
  }
  /* fio's gap counts from the previous line's time, none after a 0 */
  g_autoptr(iolog) z = parse_text("fio version 3 iolog\n"
                                  "0 /dev/sda add\n"
                                  "70 /dev/sda read 0 512\n"
                                  "100 /dev/sda read 512 512\n",
                                  &plain);
  g_assert_cmpint(io_at(z, 0, 0)->gap, ==, 0);
  g_assert_cmpint(io_at(z, 0, 1)->gap, ==, 30 * US);
}

/* Every kind of bad line, at its line and column. */
static void test_log_errors(void) {
  static const struct {
    const char *text, *want;
  } cases[] = {
      {"fio version 2 iolog\n/dev/sda add\n/dev/sda read 1 4096\n",
       "t.log:3:15: offset: 1 is not a whole"},
      {"fio version 2 iolog\n/dev/sda add\n/dev/sda read 0 100\n",
       "t.log:3:17: length: 100 is not a whole"},
      {"fio version 2 iolog\n/dev/sda add\n/dev/sda read 0 0\n",
       "t.log:3:17: length: 0 is not a whole, non-zero"},
      {"fio version 2 iolog\n/dev/sda add\n/dev/sda reed 0 4096\n",
       "t.log:3:10: unknown action 'reed'"},
      {"fio version 2 iolog\n/dev/sda add\n/dev/sda opn\n",
       "t.log:3:10: unknown file action 'opn'"},
      {"fio version 2 iolog\n/dev/sda add\n/dev/sdb read 0 4096\n",
       "t.log:3:1: file '/dev/sdb' was not added"},
      {"fio version 2 iolog\n/dev/sda add\n  /dev/sda read 0\n",
       "t.log:3:1: expected 'FILE ACTION' or 'FILE ACTION OFFSET LENGTH', "
       "found 3 words"},
      {"fio version 2 iolog\n/dev/sda add\n/dev/sda read x 4096\n",
       "t.log:3:15: offset: 'x' is not a whole number"},
      {"fio version 2 iolog\n/dev/sda add\n/dev/sda trim 0 4096\n",
       "t.log:3:10: trim is not simulated"},
      {"fio version 3 iolog\n5 /dev/sda add\nabc /dev/sda read 0 4096\n",
       "t.log:3:1: timestamp: 'abc' is not a whole number"},
      {"fio version 3 iolog\n5 /dev/sda add\n9 /dev/sda wait 10 0\n",
       "t.log:3:12: 'wait' is not allowed in a version 3 log"},
      {"fio version 3 iolog\n5 /dev/sda add\n/dev/sda read 0 4096\n",
       "t.log:3:1: expected 'TIMESTAMP FILE ACTION' or 'TIMESTAMP FILE "
       "ACTION OFFSET LENGTH', found 4 words"},
      {"fio version 2 iolog\n/dev/sda add\n",
       "t.log: nothing to replay (no read, write or sync)"},
      {"fio version 1 iolog\n", "t.log:1:1: neither a blktrace binary nor"},
      {"", "t.log:1:1: neither a blktrace binary nor"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    parse_fails(cases[i].text, strlen(cases[i].text), cases[i].want);
  parse_fails("fio version 2 iolog\n/dev/sda add\0\n", 33, "t.log: a NUL byte");
}

/* --------------------------------------------------------- blktrace */

/* One record as the kernel lays it out, in either byte order. */
static void put_rec(GByteArray *b, gboolean swap, uint64_t time,
                    uint64_t sector, uint32_t bytes, uint32_t action,
                    uint32_t pid, uint32_t dev, const char *pdu) {
  uint16_t pdu_len = pdu ? (uint16_t)strlen(pdu) : 0;
  uint32_t w32[] = {BLKTRACE_MAGIC | BLKTRACE_VERSION, 1};
  guint8 r[BLKTRACE_RECORD_SIZE] = {0};
  uint32_t f[] = {bytes, action, pid, dev, 0};
  for (int i = 0; i < 2; i++) {
    uint32_t v = swap ? GUINT32_SWAP_LE_BE(w32[i]) : w32[i];
    memcpy(r + 4 * i, &v, 4);
  }
  uint64_t t = swap ? GUINT64_SWAP_LE_BE(time) : time;
  uint64_t s = swap ? GUINT64_SWAP_LE_BE(sector) : sector;
  memcpy(r + 8, &t, 8);
  memcpy(r + 16, &s, 8);
  for (int i = 0; i < 5; i++) {
    uint32_t v = swap ? GUINT32_SWAP_LE_BE(f[i]) : f[i];
    memcpy(r + 24 + 4 * i, &v, 4);
  }
  uint16_t pl = swap ? GUINT16_SWAP_LE_BE(pdu_len) : pdu_len;
  memcpy(r + 46, &pl, 2);
  g_byte_array_append(b, r, sizeof r);
  if (pdu_len)
    g_byte_array_append(b, (const guint8 *)pdu, pdu_len);
}

#define Q_READ (BLK_TA_CODE_QUEUE | ((BLK_TC_QUEUE | BLK_TC_READ) << 16))
#define Q_WRITE \
  (BLK_TA_CODE_QUEUE | ((BLK_TC_QUEUE | BLK_TC_WRITE | BLK_TC_SYNC) << 16))
#define C_READ (BLK_TA_CODE_COMPLETE | ((BLK_TC_COMPLETE | BLK_TC_READ) << 16))
#define TC_DISCARD (1u << 13) /* the kernel's, never written by cfqsim */
#define SDA BLKTRACE_MKDEV(8, 0)
#define SDB BLKTRACE_MKDEV(8, 16)

/* Two CPUs' files of one run: pid 9's events on CPU 1, the first of all
 * the trace's, pid 7's on CPU 0.  Only Q events count; each pid's first
 * starts its stream at its time after the trace's first, then gaps
 * between its own, cut to whole microseconds (500.7 us: 500). */
static void two_cpus(GByteArray *cpu0, GByteArray *cpu1, gboolean swap) {
  put_rec(cpu0, swap, 0, 0, 0, BLK_TN_PROCESS, 7, SDA, "reader");
  put_rec(cpu0, swap, 1000000, 64, 4096, Q_READ, 7, SDA, NULL);
  put_rec(cpu0, swap, 1200000, 64, 4096, C_READ, 7, SDA, NULL);
  put_rec(cpu0, swap, 1500700, 128, 8192, Q_READ, 7, SDA, NULL);
  put_rec(cpu1, swap, 900000, 1024, 65536, Q_WRITE, 9, SDA, NULL);
  put_rec(cpu1, swap, 900100, 0, 0, BLK_TN_MESSAGE, 0, SDA, "cfq note");
  put_rec(cpu1, swap, 3000000, 2048, 8192, Q_WRITE, 9, SDA, NULL);
}

/* What two_cpus() must give, times in us at time_scale `scale`. */
static void check_two_cpus(const iolog *l, int64_t start7, int64_t gap7,
                           int64_t gap9) {
  g_assert_cmpint(l->format, ==, IOLOG_BLKTRACE);
  g_assert_cmpuint(l->streams->len, ==, 2);
  const iolog_stream *a = g_ptr_array_index(l->streams, 0);
  const iolog_stream *b = g_ptr_array_index(l->streams, 1);
  g_assert_cmpint(a->pid, ==, 9);
  g_assert_cmpint(b->pid, ==, 7);
  g_assert_cmpstr(a->device, ==, "sda");
  g_assert_cmpint(a->start, ==, 0);
  g_assert_cmpint(b->start, ==, start7 * US);
  g_assert_cmpuint(a->ios->len, ==, 2);
  g_assert_cmpuint(b->ios->len, ==, 2);
  g_assert_cmpint(io_at(l, 0, 0)->gap, ==, 0);
  g_assert_cmpint(io_at(l, 0, 1)->gap, ==, gap9 * US);
  g_assert_cmpint(io_at(l, 1, 1)->gap, ==, gap7 * US);
  g_assert_cmpint(io_at(l, 1, 1)->sector, ==, 128);
  g_assert_cmpuint(io_at(l, 1, 1)->nr_sectors, ==, 16);
  g_assert_cmpuint(io_at(l, 1, 1)->rw, ==, 0);
  g_assert_cmpuint(io_at(l, 0, 0)->rw, ==, REQ_WRITE | REQ_SYNC);
  g_assert_cmpuint(io_at(l, 0, 0)->nr_sectors, ==, 128);
}

static void test_blktrace_per_cpu(void) {
  g_autofree char *dir = scratch_dir("iolog-cpu");
  for (int swap = 0; swap < 2; swap++) {
    g_autoptr(GByteArray) c0 = g_byte_array_new();
    g_autoptr(GByteArray) c1 = g_byte_array_new();
    two_cpus(c0, c1, swap);
    g_autofree char *p0 = write_file(dir, "sda.blktrace.0", c0->data, c0->len);
    g_autofree char *p1 = write_file(dir, "sda.blktrace.1", c1->data, c1->len);
    /* naming either CPU's file reads both */
    const char *names[] = {p0, p1};
    for (int k = 0; k < 2; k++) {
      GError *err = NULL;
      g_autoptr(iolog) l = iolog_load(names[k], &plain, &err);
      g_assert_no_error(err);
      g_assert_cmpuint(l->files->len, ==, 2);
      check_two_cpus(l, 100, 500, 2100);
    }
    iolog_options fast = {.time_scale = 400};
    GError *err = NULL;
    g_autoptr(iolog) f = iolog_load(p0, &fast, &err);
    g_assert_no_error(err);
    check_two_cpus(f, 25, 125, 525);
    /* one file of the same records: what blkparse -d writes */
    g_byte_array_append(c0, c1->data, c1->len);
    g_autofree char *merged = write_file(dir, "merged.bin", c0->data, c0->len);
    g_autoptr(iolog) m = iolog_load(merged, &plain, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(m->files->len, ==, 1);
    check_two_cpus(m, 100, 500, 2100);
  }
  rm_rf(dir);
}

/* Flush and FUA travel with writes: an empty flush is a write whatever
 * its category says, a read keeps neither flag. */
static void test_blktrace_flags(void) {
  g_autoptr(GByteArray) b = g_byte_array_new();
  uint32_t flush = BLK_TC_FLUSH << 16, fua = BLK_TC_FUA << 16;
  put_rec(b, FALSE, 0, 0, 0, Q_READ | flush, 1, SDA, NULL);
  put_rec(b, FALSE, 1, 8, 4096, Q_READ | flush | fua, 1, SDA, NULL);
  put_rec(b, FALSE, 2, 16, 4096, Q_WRITE | flush | fua, 1, SDA, NULL);
  GError *err = NULL;
  g_autoptr(iolog) l = iolog_parse("t.bin", b->data, b->len, &plain, &err);
  g_assert_no_error(err);
  g_assert_cmpuint(io_at(l, 0, 0)->rw, ==, REQ_WRITE | REQ_FLUSH);
  g_assert_cmpuint(io_at(l, 0, 1)->rw, ==, 0);
  g_assert_cmpuint(io_at(l, 0, 2)->rw, ==,
                   REQ_WRITE | REQ_SYNC | REQ_FLUSH | REQ_FUA);
}

static void test_blktrace_errors(void) {
  static const struct {
    uint32_t action, dev, bytes;
    const char *want;
  } bad[] = {
      {Q_READ | (TC_DISCARD << 16), SDA, 4096,
       "t.log: record 2: a discard: trim is not simulated"},
      {Q_READ, BLKTRACE_MKDEV(8, 1), 4096,
       "t.log: record 2: device 8:1 is not a whole sd disk"},
      {Q_READ, BLKTRACE_MKDEV(253, 0), 4096,
       "t.log: record 2: device 253:0 is not a whole sd disk"},
      {Q_READ, SDA, 0, "t.log: record 2: a queue event of 0 bytes"},
      {Q_READ, SDA, 1000, "t.log: record 2: 1000 bytes is not a whole"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GByteArray) b = g_byte_array_new();
    put_rec(b, FALSE, 0, 0, 4096, Q_READ, 1, SDA, NULL);
    put_rec(b, FALSE, 10, 8, bad[i].bytes, bad[i].action, 1, bad[i].dev, NULL);
    parse_fails((const char *)b->data, b->len, bad[i].want);
  }
  g_autoptr(GByteArray) b = g_byte_array_new();
  put_rec(b, FALSE, 0, 0, 4096, Q_READ, 1, SDA, NULL);
  put_rec(b, FALSE, 10, 8, 4096, Q_READ, 1, SDA, NULL);
  /* truncated: a partial record, then a payload past the end */
  parse_fails((const char *)b->data, b->len - 1,
              "t.log: record 2: truncated (47 bytes of a 48-byte record)");
  guint8 *d = g_memdup2(b->data, b->len);
  uint16_t pl = 300;
  memcpy(d + BLKTRACE_RECORD_SIZE + 46, &pl, 2);
  parse_fails((const char *)d, b->len,
              "t.log: record 2: truncated (its payload of 300 bytes");
  /* a bad magic, another version */
  memcpy(d, b->data, b->len);
  d[BLKTRACE_RECORD_SIZE + 1] ^= 0xff;
  parse_fails((const char *)d, b->len, "t.log: record 2: bad magic");
  memcpy(d, b->data, b->len);
  d[BLKTRACE_RECORD_SIZE] = 6;
  parse_fails((const char *)d, b->len, "t.log: record 2: blktrace version 6");
  g_free(d);
  /* notes alone: nothing to replay */
  g_autoptr(GByteArray) n = g_byte_array_new();
  put_rec(n, FALSE, 0, 0, 0, BLK_TN_PROCESS, 7, SDA, "x");
  parse_fails((const char *)n->data, n->len,
              "t.log: nothing to replay (no queue events)");
}

/* ---------------------------------------------------- runs and replays */

typedef struct traced {
  workload *w;
  sim_run *r;
  FILE *devnull;
} traced;

static traced run_traced(const char *path, const char *yaml) {
  traced t = {0};
  GError *err = NULL;
  t.w = workload_parse(path, yaml, strlen(yaml), NULL, &err);
  g_assert_no_error(err);
  run_options o = RUN_OPTIONS_INIT;
  t.devnull = fopen("/dev/null", "w");
  o.trace = t.devnull;
  t.r = sim_run_new(t.w, &o, &err);
  g_assert_no_error(err);
  g_assert_cmpint(sim_run_go(t.r, &err), ==, SIM_COMPLETED);
  g_assert_no_error(err);
  return t;
}

static void traced_free(traced *t) {
  sim_run_free(t->r);
  workload_free(t->w);
  fclose(t->devnull);
}

static char *save_trace(sim_run *r, guint dev, const char *dir,
                        const char *name) {
  GBytes *b = sim_run_blktrace(r, dev);
  gsize n;
  const void *d = g_bytes_get_data(b, &n);
  char *path = write_file(dir, name, d, (gssize)n);
  g_bytes_unref(b);
  return path;
}

/* A Q event as the replay must repeat it. */
typedef struct q_ev {
  uint64_t sector;
  uint32_t bytes, flags;
} q_ev;

/* Each pid's Q events on `dev`, in order: pid -> GArray of q_ev. */
static GHashTable *queue_events(sim_run *r, guint dev) {
  GHashTable *h = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                        (GDestroyNotify)g_array_unref);
  g_autoptr(GArray) recs = blktrace_records(r, dev, BLK_TA_CODE_QUEUE);
  for (guint i = 0; i < recs->len; i++) {
    const rec *x = &g_array_index(recs, rec, i);
    GArray *a = g_hash_table_lookup(h, GUINT_TO_POINTER(x->pid));
    if (!a) {
      a = g_array_new(FALSE, FALSE, sizeof(q_ev));
      g_hash_table_insert(h, GUINT_TO_POINTER(x->pid), a);
    }
    q_ev e = {x->sector, x->bytes,
              (x->action >> 16) & (BLK_TC_READ | BLK_TC_WRITE | BLK_TC_SYNC |
                                   BLK_TC_FLUSH | BLK_TC_FUA)};
    g_array_append_val(a, e);
  }
  return h;
}

static int process_index(const workload *w, const char *name) {
  for (guint i = 0; i < w->processes->len; i++)
    if (strcmp(((wl_process *)g_ptr_array_index(w->processes, i))->name,
               name) == 0)
      return (int)i;
  return -1;
}

/* Every pid of the original's trace of `dev` is a process `job.PID` of
 * the replay whose Q events are the same, in the same order. */
static void same_queue_events(const traced *orig, guint dev, const traced *rep,
                              const char *job) {
  g_autoptr(GHashTable) a = queue_events(orig->r, dev);
  g_autoptr(GHashTable) b = queue_events(rep->r, dev);
  g_assert_cmpuint(g_hash_table_size(a), >, 0);
  GHashTableIter it;
  gpointer pid, ev;
  guint matched = 0;
  g_hash_table_iter_init(&it, a);
  while (g_hash_table_iter_next(&it, &pid, &ev)) {
    g_autofree char *name =
        g_strdup_printf("%s.%u", job, GPOINTER_TO_UINT(pid));
    int k = process_index(rep->w, name);
    if (k < 0)
      g_error("no process %s in the replay", name);
    GArray *x = ev, *y = g_hash_table_lookup(b, GUINT_TO_POINTER(100 + k));
    g_assert_nonnull(y);
    g_assert_cmpuint(x->len, ==, y->len);
    for (guint i = 0; i < x->len; i++) {
      const q_ev *p = &g_array_index(x, q_ev, i),
                 *q = &g_array_index(y, q_ev, i);
      g_assert_cmpuint(p->sector, ==, q->sector);
      g_assert_cmpuint(p->bytes, ==, q->bytes);
      g_assert_cmpuint(p->flags, ==, q->flags);
    }
    matched++;
  }
  g_assert_cmpuint(matched, ==, g_hash_table_size(b));
}

/* The round trip: a run's blktrace replayed gives each traced pid a
 * process that queues the same bios (sector, size, read/write, sync,
 * flush, FUA) in the same order: direct readers and writers, a buffered
 * writer's readahead-free writes and fsync flushes, its flusher's
 * writeback, on two devices. */
static void test_round_trip(void) {
  g_autofree char *dir = scratch_dir("iolog-rt");
  static const char orig_yaml[] =
      "name: rt\n"
      "devices:\n"
      "  - {name: sda, model: hdd}\n"
      "  - {name: sdb, model: ssd}\n"
      "processes:\n"
      "  - {name: rand, rw: randread, bs: 4k, direct: 1, count: 40, "
      "size: 1g}\n"
      "  - {name: seqw, rw: write, bs: 64k, direct: 1, count: 30, iodepth: 4, "
      "offset: 2g}\n"
      "  - {name: buf, rw: write, bs: 16k, count: 64, fsync: 16, size: 8m, "
      "offset: 3g}\n"
      "  - {name: other, rw: read, bs: 128k, direct: 1, count: 20, "
      "device: sdb}\n";
  g_autofree char *orig_path = g_build_filename(dir, "rt.yaml", NULL);
  traced orig = run_traced(orig_path, orig_yaml);
  g_autofree char *sda = save_trace(orig.r, 0, dir, "sda.blktrace.0");
  g_autofree char *sdb = save_trace(orig.r, 1, dir, "sdb.blktrace.0");
  /* the flushes are in it: the buffered writer's fsyncs */
  g_autoptr(GArray) qs = blktrace_records(orig.r, 0, BLK_TA_CODE_QUEUE);
  guint flushes = 0;
  for (guint i = 0; i < qs->len; i++)
    flushes += ((g_array_index(qs, rec, i).action >> 16) & BLK_TC_FLUSH) != 0;
  g_assert_cmpuint(flushes, >, 0);

  static const char rep_yaml[] =
      "name: replay\n"
      "devices:\n"
      "  - {name: sda, model: hdd}\n"
      "  - {name: sdb, model: ssd}\n"
      "processes:\n"
      "  - {name: a, replay: sda.blktrace.0, iodepth: 4}\n"
      "  - {name: b, replay: {file: sdb.blktrace.0}}\n";
  g_autofree char *rep_path = g_build_filename(dir, "replay.yaml", NULL);
  traced rep = run_traced(rep_path, rep_yaml);
  same_queue_events(&orig, 0, &rep, "a");
  same_queue_events(&orig, 1, &rep, "b");
  /* each process its own io_context */
  for (guint i = 0; i < rep.w->processes->len; i++) {
    const wl_process *p = g_ptr_array_index(rep.w->processes, i);
    g_assert_cmpstr(p->ioc, ==, p->name);
    g_assert_true(p->direct);
  }
  traced_free(&rep);
  traced_free(&orig);
  rm_rf(dir);
}

/* When each I/O of a v3 log reaches the block layer (its Q event): with
 * room in iodepth, exactly at the sum of the scaled gaps; with iodepth 1,
 * never before the previous I/O completed (gaps are waited after a
 * submission, not made up). */
static void replay_times(const char *dir, const char *replay_keys,
                         const char *proc_keys, GArray *q_times,
                         GArray *c_times) {
  g_autofree char *log = write_file(dir, "t.log", v3_log, -1);
  g_autofree char *yaml =
      g_strdup_printf("devices: [{name: sda, model: hdd}]\n"
                      "processes:\n"
                      "  - {name: r, replay: {file: t.log%s}%s}\n",
                      replay_keys, proc_keys);
  g_autofree char *path = g_build_filename(dir, "w.yaml", NULL);
  traced t = run_traced(path, yaml);
  g_autoptr(GArray) q = blktrace_records(t.r, 0, BLK_TA_CODE_QUEUE);
  g_autoptr(GArray) c = blktrace_records(t.r, 0, BLK_TA_CODE_COMPLETE);
  g_assert_cmpuint(q->len, ==, 4);
  g_assert_cmpuint(c->len, ==, 4);
  for (guint i = 0; i < q->len; i++) {
    int64_t qt = (int64_t)g_array_index(q, rec, i).time;
    g_array_append_val(q_times, qt);
    /* the completion of the same I/O (sectors differ) */
    for (guint k = 0; k < c->len; k++)
      if (g_array_index(c, rec, k).sector == g_array_index(q, rec, i).sector) {
        int64_t ct = (int64_t)g_array_index(c, rec, k).time;
        g_array_append_val(c_times, ct);
      }
  }
  traced_free(&t);
}

static void test_replay_timing(void) {
  g_autofree char *dir = scratch_dir("iolog-time");
  static const struct {
    const char *keys;
    int64_t at[4]; /* us */
  } cases[] = {
      {"", {900, 2900, 3400, 9900}},
      {", time_scale: 200", {450, 1450, 1700, 4950}},
      {", time_scale: 300", {300, 966, 1132, 3298}},
      {", no_stall: true", {0, 0, 0, 0}},
  };
  for (guint k = 0; k < G_N_ELEMENTS(cases); k++) {
    g_autoptr(GArray) q = g_array_new(FALSE, FALSE, sizeof(int64_t));
    g_autoptr(GArray) c = g_array_new(FALSE, FALSE, sizeof(int64_t));
    replay_times(dir, cases[k].keys, ", iodepth: 8", q, c);
    for (guint i = 0; i < 4; i++)
      g_assert_cmpint(g_array_index(q, int64_t, i), ==, cases[k].at[i] * US);
  }
  /* iodepth 1: each I/O at its gap after the previous submission, or at
   * the previous completion if that is later */
  g_autoptr(GArray) q = g_array_new(FALSE, FALSE, sizeof(int64_t));
  g_autoptr(GArray) c = g_array_new(FALSE, FALSE, sizeof(int64_t));
  replay_times(dir, "", "", q, c);
  static const int64_t gap[] = {900, 2000, 500, 6500};
  int64_t prev_q = 0, prev_c = 0;
  guint stalled = 0;
  for (guint i = 0; i < 4; i++) {
    int64_t want = MAX(prev_q + gap[i] * US, prev_c);
    stalled += prev_c > prev_q + gap[i] * US;
    g_assert_cmpint(g_array_index(q, int64_t, i), ==, want);
    prev_q = g_array_index(q, int64_t, i);
    prev_c = g_array_index(c, int64_t, i);
  }
  g_assert_cmpuint(stalled, >, 0); /* the hdd is slower than some gaps */
  rm_rf(dir);
}

/* A version 2 log's `wait N` holds the next I/O until N ms after the
 * job's start (which `start` delays), never earlier than its turn. */
static void test_v2_wait_timing(void) {
  g_autofree char *dir = scratch_dir("iolog-wait");
  g_autofree char *log = write_file(dir, "w.log",
                                    "fio version 2 iolog\n"
                                    "/dev/sda add\n"
                                    "/dev/sda read 0 4096\n"
                                    "/dev/sda wait 5 0\n"
                                    "/dev/sda read 8192 4096\n"
                                    "/dev/sda wait 3 0\n"
                                    "/dev/sda read 16384 4096\n",
                                    -1);
  static const char yaml[] = "devices: [{name: sda, model: hdd}]\n"
                             "processes:\n"
                             "  - {name: t, replay: w.log, iodepth: 8, "
                             "start: 1ms}\n";
  g_autofree char *path = g_build_filename(dir, "w.yaml", NULL);
  traced t = run_traced(path, yaml);
  g_autoptr(GArray) q = blktrace_records(t.r, 0, BLK_TA_CODE_QUEUE);
  g_assert_cmpuint(q->len, ==, 3);
  g_assert_cmpuint(g_array_index(q, rec, 0).time, ==, 1 * MS);
  g_assert_cmpuint(g_array_index(q, rec, 1).time, ==, 6 * MS);
  g_assert_cmpuint(g_array_index(q, rec, 2).time, ==, 6 * MS);
  traced_free(&t);
  rm_rf(dir);
}

/* A blktrace's pids keep their places: pid 7's first I/O 0.1 ms after
 * pid 9's, its second 0.5 ms after its first; pid 9's second 2.1 ms after
 * its first. */
static void test_blktrace_timing(void) {
  g_autofree char *dir = scratch_dir("iolog-bt-time");
  g_autoptr(GByteArray) c0 = g_byte_array_new();
  g_autoptr(GByteArray) c1 = g_byte_array_new();
  two_cpus(c0, c1, FALSE);
  g_autofree char *p0 = write_file(dir, "sda.blktrace.0", c0->data, c0->len);
  g_autofree char *p1 = write_file(dir, "sda.blktrace.1", c1->data, c1->len);
  static const char yaml[] = "devices: [{name: sda, model: hdd}]\n"
                             "processes:\n"
                             "  - {name: t, replay: sda.blktrace.1, iodepth: "
                             "4, start: 1ms}\n";
  g_autofree char *path = g_build_filename(dir, "w.yaml", NULL);
  traced t = run_traced(path, yaml);
  g_assert_cmpuint(t.w->processes->len, ==, 2);
  g_autoptr(GArray) q = blktrace_records(t.r, 0, BLK_TA_CODE_QUEUE);
  g_assert_cmpuint(q->len, ==, 4);
  static const struct {
    int64_t at_us;
    uint32_t pid;
  } want[] = {{1000, 100}, {1100, 101}, {1600, 101}, {3100, 100}};
  for (guint i = 0; i < 4; i++) {
    g_assert_cmpint(g_array_index(q, rec, i).time, ==, want[i].at_us * US);
    g_assert_cmpuint(g_array_index(q, rec, i).pid, ==, want[i].pid);
  }
  traced_free(&t);
  rm_rf(dir);
}

/* replay_redirect: a trace of sdb replayed onto sda; without it, sdb
 * must be declared. */
static void test_redirect_blktrace(void) {
  g_autofree char *dir = scratch_dir("iolog-redirect");
  g_autoptr(GByteArray) b = g_byte_array_new();
  put_rec(b, FALSE, 0, 8, 4096, Q_READ, 5, SDB, NULL);
  put_rec(b, FALSE, 10, 16, 4096, Q_READ, 6, SDB, NULL);
  g_autofree char *p = write_file(dir, "sdb.bin", b->data, b->len);
  g_autofree char *path = g_build_filename(dir, "w.yaml", NULL);
  static const char redirected[] =
      "devices: [{name: sda, model: hdd}]\n"
      "processes:\n"
      "  - {name: t, replay: {file: sdb.bin, redirect: sda}}\n";
  GError *err = NULL;
  workload *w =
      workload_parse(path, redirected, strlen(redirected), NULL, &err);
  g_assert_no_error(err);
  g_assert_cmpuint(w->processes->len, ==, 2);
  for (guint i = 0; i < 2; i++) {
    const wl_process *pr = g_ptr_array_index(w->processes, i);
    g_assert_cmpint(pr->device, ==, 0);
  }
  workload_free(w);
  static const char undeclared[] = "devices: [{name: sda, model: hdd}]\n"
                                   "processes:\n"
                                   "  - {name: t, replay: sdb.bin}\n";
  w = workload_parse(path, undeclared, strlen(undeclared), NULL, &err);
  g_assert_null(w);
  g_autofree char *want = g_strdup_printf(
      "%s:3:23: replay: the trace's I/Os go to device 'sdb' (%s: record 1), "
      "which is not under 'devices'",
      path, p);
  g_assert_true(g_str_has_prefix(err->message, want));
  g_clear_error(&err);
  /* a pid on two devices: one process per device, one io_context */
  put_rec(b, FALSE, 20, 24, 4096, Q_READ, 5, SDA, NULL);
  g_autofree char *p2 = write_file(dir, "two.bin", b->data, b->len);
  static const char two[] = "devices: [{name: sda, model: hdd}, {name: sdb, "
                            "model: hdd}]\n"
                            "processes:\n"
                            "  - {name: t, replay: two.bin}\n";
  w = workload_parse(path, two, strlen(two), NULL, &err);
  g_assert_no_error(err);
  g_assert_cmpuint(w->processes->len, ==, 3);
  const char *names[] = {"t.5.sdb", "t.6", "t.5.sda"};
  const char *iocs[] = {"t.5", "t.6", "t.5"};
  for (guint i = 0; i < 3; i++) {
    const wl_process *pr = g_ptr_array_index(w->processes, i);
    g_assert_cmpstr(pr->name, ==, names[i]);
    g_assert_cmpstr(pr->ioc, ==, iocs[i]);
  }
  workload_free(w);
  /* an empty flush has no place on the device: whatever its sector */
  g_autoptr(GByteArray) f = g_byte_array_new();
  put_rec(f, FALSE, 0, G_GUINT64_CONSTANT(1) << 40, 0,
          Q_WRITE | (BLK_TC_FLUSH << 16), 5, SDA, NULL);
  g_autofree char *p3 = write_file(dir, "flush.bin", f->data, f->len);
  static const char flush[] = "devices: [{name: sda, model: hdd}]\n"
                              "processes:\n"
                              "  - {name: t, replay: flush.bin}\n";
  w = workload_parse(path, flush, strlen(flush), NULL, &err);
  g_assert_no_error(err);
  g_assert_cmpuint(w->processes->len, ==, 1);
  workload_free(w);
  rm_rf(dir);
}

/* --set reaches into `replay: FILE` as into the map it abbreviates; a
 * file from --set is as given (the current directory's). */
static void test_set(void) {
  g_autofree char *dir = scratch_dir("iolog-set");
  g_autofree char *log = write_file(dir, "t.log", v3_log, -1);
  g_autofree char *path = g_build_filename(dir, "w.yaml", NULL);
  static const char yaml[] = "devices: [{name: sda, model: hdd}]\n"
                             "processes:\n"
                             "  - {name: t, replay: t.log}\n";
  char *sets[] = {"processes.t.replay.time_scale=200", NULL};
  GError *err = NULL;
  workload *w = workload_parse(path, yaml, strlen(yaml), sets, &err);
  g_assert_no_error(err);
  const wl_process *p = g_ptr_array_index(w->processes, 0);
  g_assert_cmpint(g_array_index(p->replay, proc_replay_io, 1).gap, ==,
                  1000 * US);
  workload_free(w);
  g_autofree char *set = g_strdup_printf("processes.t.replay.file=%s", log);
  char *abs_sets[] = {set, NULL};
  w = workload_parse("elsewhere/w.yaml", yaml, strlen(yaml), abs_sets, &err);
  g_assert_no_error(err);
  workload_free(w);
  char *rel_sets[] = {"processes.t.replay.file=t.log", NULL};
  w = workload_parse(path, yaml, strlen(yaml), rel_sets, &err);
  g_assert_null(w);
  g_assert_true(g_str_has_prefix(err->message, "--set:1:"));
  g_clear_error(&err);
  rm_rf(dir);
}

/* What a replaying job cannot say, and a trace beyond its device. */
static void test_workload_errors(void) {
  g_autofree char *dir = scratch_dir("iolog-wl");
  g_autofree char *log = write_file(dir, "t.log",
                                    "fio version 2 iolog\n/dev/sda add\n"
                                    "/dev/sda read 0 4096\n"
                                    "/dev/sda read 21474836480 4096\n",
                                    -1);
  g_autofree char *bad = write_file(dir, "bad.log",
                                    "fio version 2 iolog\n/dev/sda add\n"
                                    "/dev/sda read 0 4095\n",
                                    -1);
  g_autofree char *path = g_build_filename(dir, "w.yaml", NULL);
  static const struct {
    const char *proc, *want;
  } cases[] = {
      {"{name: t, replay: t.log, bs: 8k}",
       "w.yaml:3:34: process 't': 'bs' does not apply to a job that replays"},
      {"{name: t, replay: t.log, direct: false}",
       "w.yaml:3:38: process 't': a replaying job is direct"},
      {"{name: t, replay: t.log, think: 1ms}", "w.yaml:3:37: process 't': "
                                               "'think' does not apply"},
      {"{name: t, replay: [t.log]}",
       "w.yaml:3:23: expected a file or a map for 'replay'"},
      {"{name: t, replay: {no_stall: true}}",
       "w.yaml:3:23: replay has no 'file'"},
      {"{name: t, replay: {file: t.log, speed: 2}}",
       "w.yaml:3:37: unknown key 'speed' in replay"},
      {"{name: t, replay: {file: t.log, time_scale: 0}}", "w.yaml:3:49: "},
      {"{name: t, replay: {file: t.log, redirect: sdx}}",
       "w.yaml:3:47: unknown device 'sdx'"},
      {"{name: t, replay: missing.log}",
       "w.yaml:3:23: replay: cannot read trace"},
      {"{name: t, replay: /dev/null}",
       "w.yaml:3:23: replay: cannot read trace: /dev/null is not a regular "
       "file"},
      {"{name: t, replay: bad.log}",
       "w.yaml:3:23: replay: BAD:3:17: length: 4095 is not a whole"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *yaml = g_strdup_printf(
        "devices: [{name: sda, model: hdd, capacity: 10g}]\nprocesses:\n  - "
        "%s\n",
        cases[i].proc);
    GError *err = NULL;
    workload *w = workload_parse(path, yaml, strlen(yaml), NULL, &err);
    g_assert_null(w);
    g_assert_nonnull(err);
    g_autofree char *want0 = g_strdup_printf("%s/%s", dir, cases[i].want);
    GString *want = g_string_new(want0);
    g_string_replace(want, "BAD", bad, 0);
    if (!g_str_has_prefix(err->message, want->str))
      g_error("case %u: expected '%s...', got '%s'", i, want->str,
              err->message);
    g_string_free(want, TRUE);
    g_error_free(err);
  }
  /* the I/O at 20 GiB of a 10 GiB device, at its line */
  static const char yaml[] =
      "devices: [{name: sda, model: hdd, capacity: 10g}]\n"
      "processes:\n  - {name: t, replay: t.log}\n";
  GError *err = NULL;
  workload *w = workload_parse(path, yaml, strlen(yaml), NULL, &err);
  g_assert_null(w);
  g_autofree char *want = g_strdup_printf(
      "%s:3:23: replay: %s:4:1: the I/O at sector 41943040 (8 sectors) ends "
      "beyond device 'sda'",
      path, log);
  if (!g_str_has_prefix(err->message, want))
    g_error("expected '%s...', got '%s'", want, err->message);
  g_error_free(err);
  rm_rf(dir);
}

/* ------------------------------------------------------------ job files */

static workload *fio_job(const char *dir, const char *text, GError **err) {
  g_autofree char *path = write_file(dir, "job.fio", text, -1);
  return fio_load(path, NULL, err);
}

/* read_iolog with fio's replay options becomes a replaying job; the
 * trace's devices become the workload's. */
static void test_jobfile(void) {
  g_autofree char *dir = scratch_dir("iolog-fio");
  g_autofree char *log = write_file(dir, "t.log", v3_log, -1);
  g_autoptr(GByteArray) b = g_byte_array_new();
  put_rec(b, FALSE, 0, 8, 4096, Q_READ, 5, SDB, NULL);
  g_autofree char *bt = write_file(dir, "sdb.blktrace.0", b->data, b->len);
  GError *err = NULL;
  workload *w = fio_job(dir,
                        "[global]\n"
                        "ioengine=libaio\n"
                        "iodepth=16\n"
                        "rw=randwrite\n"
                        "bs=64k\n"
                        "[log]\n"
                        "read_iolog=t.log\n"
                        "replay_time_scale=200\n"
                        "prio=3\n"
                        "[trace]\n"
                        "read_iolog=sdb.blktrace.0\n"
                        "ioengine=psync\n"
                        "replay_no_stall=1\n"
                        "[moved]\n"
                        "read_iolog=sdb.blktrace.0\n"
                        "replay_redirect=/dev/sdc\n",
                        &err);
  g_assert_no_error(err);
  g_assert_cmpuint(w->devices->len, ==, 3);
  const char *devs[] = {"sda", "sdb", "sdc"};
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr(((wl_device *)g_ptr_array_index(w->devices, i))->name, ==,
                    devs[i]);
  g_assert_cmpuint(w->processes->len, ==, 3);
  const wl_process *p = g_ptr_array_index(w->processes, 0);
  g_assert_cmpstr(p->name, ==, "log");
  g_assert_cmpint(p->iodepth, ==, 16);
  g_assert_cmpint(p->ioprio_level, ==, 3);
  g_assert_cmpuint(p->replay->len, ==, 4);
  g_assert_cmpint(g_array_index(p->replay, proc_replay_io, 1).gap, ==,
                  1000 * US);
  p = g_ptr_array_index(w->processes, 1);
  g_assert_cmpstr(p->name, ==, "trace.5");
  g_assert_cmpint(p->device, ==, 1);
  g_assert_cmpint(p->iodepth, ==, 1);
  p = g_ptr_array_index(w->processes, 2);
  g_assert_cmpstr(p->name, ==, "moved.5");
  g_assert_cmpint(p->device, ==, 2);
  workload_free(w);

  static const struct {
    const char *job, *want;
  } bad[] = {
      {"[j]\nread_iolog=t.log\nthinktime=5\n",
       "job.fio:3:1: thinktime: not simulated with read_iolog"},
      {"[j]\nread_iolog=t.log\ndirect=0\n",
       "job.fio:3:1: direct: a replay is direct I/O here"},
      {"[j]\nread_iolog=t.log\nnumjobs=2\n",
       "job.fio:3:9: numjobs: clones of a replaying job"},
      {"[j]\nread_iolog=t.log\nfilename=data\n",
       "job.fio:3:10: filename: with read_iolog the log names the files"},
      {"[j]\nread_iolog=t.log\nreplay_redirect=data\n",
       "job.fio:3:17: replay_redirect: 'data' is not a /dev/ name"},
      {"[j]\nread_iolog=a.log:b.log\n",
       "job.fio:2:12: read_iolog: several logs"},
      {"[j]\nread_iolog=nothere.log\n",
       "job.fio:2:12: read_iolog: cannot read trace"},
      {"[j]\nread_iolog=t.log\nreplay_time_scale=0\n",
       "job.fio:3:19: replay_time_scale: 0 is out of range"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    w = fio_job(dir, bad[i].job, &err);
    g_assert_null(w);
    g_autofree char *want = g_strdup_printf("%s/%s", dir, bad[i].want);
    if (!g_str_has_prefix(err->message, want))
      g_error("case %u: expected '%s...', got '%s'", i, want, err->message);
    g_clear_error(&err);
  }
  rm_rf(dir);
}

/* Bad input through the command: exit status 2 and the positioned
 * message. */
static void test_exit_status(void) {
  g_autofree char *dir = scratch_dir("iolog-cli");
  g_autofree char *log = write_file(dir, "t.log",
                                    "fio version 2 iolog\n/dev/sda add\n"
                                    "/dev/sda fly 0 4096\n",
                                    -1);
  g_autofree char *job =
      write_file(dir, "job.fio", "[j]\nread_iolog=t.log\n", -1);
  g_autofree char *out = g_build_filename(dir, "out", NULL);
  const char *argv[] = {CFQSIM_BINARY, "run", "-q", "-o", out, job, NULL};
  g_autofree char *err_text = NULL;
  int status;
  GError *err = NULL;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, NULL,
                             &err_text, &status, &err));
  g_assert_no_error(err);
  g_assert_true(WIFEXITED(status));
  g_assert_cmpint(WEXITSTATUS(status), ==, 2);
  g_autofree char *want = g_strdup_printf(
      "%s:2:12: read_iolog: %s:3:10: unknown action 'fly'", job, log);
  if (!strstr(err_text, want))
    g_error("expected '%s' in '%s'", want, err_text);
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  rm_rf(dir);
}

/* The stream of `pid` in a trace. */
static const iolog_stream *stream_of_pid(const iolog *l, int64_t pid) {
  for (guint i = 0; i < l->streams->len; i++) {
    const iolog_stream *s = g_ptr_array_index(l->streams, i);
    if (s->pid == pid)
      return s;
  }
  return NULL;
}

/* name -> (ios, bytes) of a run's processes.csv, and the names in order
 * (the order of the workload: pid 100 + index). */
static GPtrArray *processes_csv(const char *dir, GHashTable *ios) {
  g_autofree char *csv = slurp(dir, "processes.csv");
  g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 1; lines[i] && *lines[i]; i++) {
    g_auto(GStrv) f = g_strsplit(lines[i], ",", -1);
    g_assert_cmpuint(g_strv_length(f), >, 7);
    g_ptr_array_add(names, g_strdup(f[0]));
    g_hash_table_insert(ios, g_strdup(f[0]),
                        g_strdup_printf("%s ios, %s bytes", f[7], f[6]));
  }
  return names;
}

static guint argc_last(const char *const *argv) {
  guint n = 0;
  while (argv[n + 1])
    n++;
  return n;
}

static void run_cli(const char *cwd, const char *const *argv) {
  int status;
  g_autofree char *err_text = NULL;
  GError *err = NULL;
  g_assert_true(g_spawn_sync(cwd, (char **)argv, NULL, 0, NULL, NULL, NULL,
                             &err_text, &status, &err));
  g_assert_no_error(err);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    g_error("%s %s: %s", argv[1], argv[argc_last(argv)], err_text);
}

/* The round trip through the command and a job file: `cfqsim run
 * --trace` on a workload, then a job file whose read_iolog= is its
 * sda.blktrace.0: every process of the first run is a process JOB.PID of
 * the second with the same I/O count and bytes, and the same bios
 * (sector, size, flags) queued in the same order. */
static void test_cli_round_trip(void) {
  g_autofree char *dir = scratch_dir("iolog-cli-rt");
  g_autofree char *w =
      write_file(dir, "rt.yaml",
                 "name: rt\n"
                 "devices: [{name: sda, model: hdd}]\n"
                 "processes:\n"
                 "  - {name: rand, rw: randread, bs: 4k, direct: 1, count: 40, "
                 "size: 1g}\n"
                 "  - {name: seqw, rw: write, bs: 256k, direct: 1, count: 12, "
                 "iodepth: 4, offset: 2g}\n"
                 "  - {name: mixed, rw: randrw, bs: 8k, direct: 1, count: 30, "
                 "offset: 3g, size: 64m}\n",
                 -1);
  const char *first[] = {CFQSIM_BINARY, "run",   "-q", "--trace",
                         "-o",          "first", w,    NULL};
  run_cli(dir, first);
  g_autofree char *job = write_file(dir, "replay.fio",
                                    "[replay]\n"
                                    "read_iolog=first/sda.blktrace.0\n"
                                    "ioengine=libaio\n"
                                    "iodepth=4\n"
                                    "replay_no_stall=0\n"
                                    "replay_time_scale=100\n",
                                    -1);
  const char *second[] = {CFQSIM_BINARY, "run",    "-q", "--trace",
                          "-o",          "second", job,  NULL};
  run_cli(dir, second);
  /* fio takes the same job file (read_iolog on cfqsim's trace) */
  g_autofree char *fio = g_find_program_in_path("fio");
  if (fio) {
    const char *parse[] = {fio, "--parse-only", job, NULL};
    run_cli(dir, parse);
  }
  g_autofree char *d1 = g_build_filename(dir, "first", NULL);
  g_autofree char *d2 = g_build_filename(dir, "second", NULL);
  g_autoptr(GHashTable) c1 =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) c2 =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) n1 = processes_csv(d1, c1);
  g_autoptr(GPtrArray) n2 = processes_csv(d2, c2);
  g_assert_cmpuint(n1->len, ==, 3);
  g_assert_cmpuint(n2->len, ==, 3);
  iolog_options o = {.time_scale = 100, .no_stall = true};
  GError *err = NULL;
  g_autofree char *t1 = g_build_filename(d1, "sda.blktrace.0", NULL);
  g_autofree char *t2 = g_build_filename(d2, "sda.blktrace.0", NULL);
  g_autoptr(iolog) l1 = iolog_load(t1, &o, &err);
  g_assert_no_error(err);
  g_autoptr(iolog) l2 = iolog_load(t2, &o, &err);
  g_assert_no_error(err);
  for (guint i = 0; i < n1->len; i++) {
    g_autofree char *as = g_strdup_printf("replay.%u", 100 + i);
    guint k;
    g_assert_true(g_ptr_array_find_with_equal_func(n2, as, g_str_equal, &k));
    g_assert_cmpstr(g_hash_table_lookup(c1, n1->pdata[i]), ==,
                    g_hash_table_lookup(c2, as));
    const iolog_stream *a = stream_of_pid(l1, 100 + i);
    const iolog_stream *b = stream_of_pid(l2, 100 + k);
    g_assert_nonnull(a);
    g_assert_nonnull(b);
    g_assert_cmpuint(a->ios->len, ==, b->ios->len);
    for (guint j = 0; j < a->ios->len; j++) {
      const proc_replay_io *x = &g_array_index(a->ios, proc_replay_io, j);
      const proc_replay_io *y = &g_array_index(b->ios, proc_replay_io, j);
      g_assert_cmpint(x->sector, ==, y->sector);
      g_assert_cmpuint(x->nr_sectors, ==, y->nr_sectors);
      g_assert_cmpuint(x->rw, ==, y->rw);
    }
  }
  rm_rf(dir);
}

/* ------------------------------------------------------------ real fio */

static gboolean spawn(const char *dir, const char *const *argv, char **out,
                      int *status) {
  GError *err = NULL;
  gboolean ok = g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_SEARCH_PATH,
                             NULL, NULL, out, NULL, status, &err);
  g_assert_no_error(err);
  return ok;
}

/* The round trip's first half again, written where fio can see it. */
static char *traced_run_file(const char *dir) {
  static const char yaml[] =
      "name: rt\n"
      "devices: [{name: sda, model: hdd}]\n"
      "processes:\n"
      "  - {name: rand, rw: randread, bs: 4k, direct: 1, count: 50, "
      "size: 1g}\n"
      "  - {name: seqw, rw: write, bs: 64k, direct: 1, count: 40, iodepth: 4, "
      "offset: 2g}\n";
  g_autofree char *path = g_build_filename(dir, "rt.yaml", NULL);
  traced t = run_traced(path, yaml);
  char *bt = save_trace(t.r, 0, dir, "sda.blktrace.0");
  traced_free(&t);
  return bt;
}

/* fio reads cfqsim's blktrace as cfqsim does: replayed with the null
 * engine onto a scratch file, the same reads and writes; and it accepts
 * the job file cfqsim runs on it (--parse-only). */
static void test_fio_reads_our_trace(void) {
  g_autofree char *fio = g_find_program_in_path("fio");
  if (!fio) {
    g_test_skip("fio is not installed (scripts/install-deps.sh installs it)");
    return;
  }
  g_autofree char *dir = scratch_dir("iolog-fio-real");
  g_autofree char *bt = traced_run_file(dir);
  g_autofree char *disk = g_build_filename(dir, "disk.img", NULL);
  FILE *f = fopen(disk, "w");
  g_assert_nonnull(f);
  g_assert_cmpint(ftruncate(fileno(f), G_GINT64_CONSTANT(4) << 30), ==, 0);
  fclose(f);
  g_autofree char *job = g_strdup_printf("[replay]\n"
                                         "ioengine=null\n"
                                         "read_iolog=%s\n"
                                         "replay_redirect=%s\n"
                                         "replay_no_stall=1\n"
                                         "replay_time_scale=100\n",
                                         bt, disk);
  g_autofree char *jpath = write_file(dir, "replay.fio", job, -1);
  const char *parse[] = {"fio", "--parse-only", jpath, NULL};
  int status;
  g_autofree char *pout = NULL;
  spawn(dir, parse, &pout, &status);
  g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const char *run[] = {"fio", "--output-format=json", jpath, NULL};
  g_autofree char *out = NULL;
  spawn(dir, run, &out, &status);
  g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  /* fio prints notes before its JSON */
  const char *json = strchr(out, '{');
  g_assert_nonnull(json);
  g_autoptr(GRegex) re = g_regex_new(
      "\"(read|write)\" : \\{\\s*\"io_bytes\" : \\d+,\\s*\"io_kbytes\" : "
      "\\d+,\\s*\"bw_bytes\" : \\d+,\\s*\"bw\" : \\d+,\\s*\"iops\" : "
      "[0-9.]+,\\s*\"runtime\" : \\d+,\\s*\"total_ios\" : (\\d+)",
      0, 0, NULL);
  GMatchInfo *mi;
  guint64 ios[2] = {0, 0};
  g_regex_match(re, json, 0, &mi);
  int seen = 0;
  while (g_match_info_matches(mi)) {
    g_autofree char *dir_s = g_match_info_fetch(mi, 1);
    g_autofree char *n = g_match_info_fetch(mi, 2);
    ios[strcmp(dir_s, "write") == 0] += g_ascii_strtoull(n, NULL, 10);
    seen++;
    g_match_info_next(mi, NULL);
  }
  g_match_info_free(mi);
  g_assert_cmpint(seen, ==, 2);
  /* cfqsim's reading of the same file */
  GError *err = NULL;
  g_autoptr(iolog) l = iolog_load(bt, &plain, &err);
  g_assert_no_error(err);
  guint64 mine[2] = {0, 0};
  for (guint s = 0; s < l->streams->len; s++)
    for (guint i = 0; i < n_ios(l, s); i++)
      mine[(io_at(l, s, i)->rw & REQ_WRITE) != 0]++;
  g_assert_cmpuint(ios[0], ==, 50);
  g_assert_cmpuint(ios[0], ==, mine[0]);
  g_assert_cmpuint(ios[1], ==, mine[1]);
  rm_rf(dir);
}

/* fio-btrace2fio turns cfqsim's blktrace into a job per pid, which
 * cfqsim runs: one process per job, each doing what its pid did. */
static void test_btrace2fio(void) {
  g_autofree char *tool = g_find_program_in_path("fio-btrace2fio");
  if (!tool) {
    g_test_skip("fio-btrace2fio is not installed (Debian's fio package)");
    return;
  }
  g_autofree char *dir = scratch_dir("iolog-btrace2fio");
  g_autofree char *bt = traced_run_file(dir);
  /* -d: the device to replay on (fio would look 8:0 up in /dev); -t, -n:
   * keep every pid */
  const char *argv[] = {tool, "-f", "-d", "/dev/sda", "-t",
                        "1",  "-n", "1",  bt,         NULL};
  g_autofree char *job = NULL;
  int status;
  spawn(dir, argv, &job, &status);
  g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  g_assert_nonnull(strstr(job, "[pid100]"));
  g_assert_nonnull(strstr(job, "[pid101]"));
  /* The file as fio-btrace2fio writes it (bssplit=N/, percentage_random
   * per direction) */
  g_autofree char *path = write_file(dir, "btrace.fio", job, -1);
  GError *err = NULL;
  workload *w = fio_load(path, NULL, &err);
  g_assert_no_error(err);
  g_assert_cmpuint(w->processes->len, ==, 2);
  const wl_process *a = g_ptr_array_index(w->processes, 0);
  const wl_process *b = g_ptr_array_index(w->processes, 1);
  g_assert_cmpstr(a->name, ==, "pid100");
  g_assert_cmpint(a->rw, ==, RW_RANDREAD);
  g_assert_cmpint(a->bs_split_n, ==, 1);
  g_assert_cmpuint(a->bs_split[0].sectors * 512, ==, 4096);
  g_assert_true(a->direct);
  g_assert_cmpstr(b->name, ==, "pid101");
  g_assert_cmpint(b->rw, ==, RW_RANDWRITE);
  g_assert_cmpint(b->bs_split_n, ==, 1);
  g_assert_cmpuint(b->bs_split[0].sectors * 512, ==, 65536);
  g_assert_cmpint(b->iodepth, ==, 4);
  run_options o = RUN_OPTIONS_INIT;
  sim_run *r = sim_run_new(w, &o, &err);
  g_assert_no_error(err);
  g_assert_cmpint(sim_run_go(r, &err), ==, SIM_COMPLETED);
  sim_run_free(r);
  workload_free(w);
  rm_rf(dir);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/iolog/v2", test_v2);
  g_test_add_func("/iolog/redirect-log", test_redirect_log);
  g_test_add_func("/iolog/v3-gaps", test_v3_gaps);
  g_test_add_func("/iolog/log-errors", test_log_errors);
  g_test_add_func("/iolog/blktrace-per-cpu", test_blktrace_per_cpu);
  g_test_add_func("/iolog/blktrace-flags", test_blktrace_flags);
  g_test_add_func("/iolog/blktrace-errors", test_blktrace_errors);
  g_test_add_func("/iolog/round-trip", test_round_trip);
  g_test_add_func("/iolog/replay-timing", test_replay_timing);
  g_test_add_func("/iolog/v2-wait-timing", test_v2_wait_timing);
  g_test_add_func("/iolog/blktrace-timing", test_blktrace_timing);
  g_test_add_func("/iolog/redirect-blktrace", test_redirect_blktrace);
  g_test_add_func("/iolog/set", test_set);
  g_test_add_func("/iolog/workload-errors", test_workload_errors);
  g_test_add_func("/iolog/jobfile", test_jobfile);
  g_test_add_func("/iolog/exit-status", test_exit_status);
  g_test_add_func("/iolog/cli-round-trip", test_cli_round_trip);
  g_test_add_func("/iolog/fio-reads-our-trace", test_fio_reads_our_trace);
  g_test_add_func("/iolog/btrace2fio", test_btrace2fio);
  return g_test_run();
}
