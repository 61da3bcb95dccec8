/* blktrace binaries and fio iologs -> streams of I/Os to replay
 * (sim/iolog.h).
 *
 * The timing is fio 3.33's replay: an I/O is submitted the recorded gap
 * after the previous one (queue events of a blktrace, lines of a version 3
 * log), the gap scaled by 100 / replay_time_scale and cut to whole
 * microseconds as fio keeps it, none with replay_no_stall; a version 2
 * log's `wait N` holds the next I/O until N ms after the job's start. */
#include "sim/iolog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/blktrace.h"

/* clang-format off */
G_DEFINE_QUARK(cfqsim-iolog-error-quark, iolog_error)
/* clang-format on */

/* Categories of the kernel's blktrace that cfqsim never writes. */
#define BLK_TC_PC (1u << 9)
#define BLK_TC_DISCARD (1u << 13)

#define SECTOR 512
#define FILE_ALIGN_SECTORS 2048 /* regular files of a log: MiB-aligned */

static void stream_free(gpointer p) {
  iolog_stream *s = p;
  g_free(s->device);
  g_array_unref(s->ios);
  g_array_unref(s->srcs);
  g_free(s);
}

void iolog_free(iolog *l) {
  if (!l)
    return;
  g_ptr_array_unref(l->files);
  g_ptr_array_unref(l->streams);
  g_free(l);
}

static iolog *iolog_new(iolog_format f) {
  iolog *l = g_new0(iolog, 1);
  l->format = f;
  l->files = g_ptr_array_new_with_free_func(g_free);
  l->streams = g_ptr_array_new_with_free_func(stream_free);
  return l;
}

char *iolog_where(const iolog *l, const iolog_src *src) {
  const char *f = g_ptr_array_index(l->files, src->file);
  if (l->format == IOLOG_BLKTRACE)
    return g_strdup_printf("%s: record %" G_GUINT64_FORMAT, f, src->pos);
  return g_strdup_printf("%s:%" G_GUINT64_FORMAT ":1", f, src->pos);
}

char *iolog_device_name(uint32_t dev) {
  uint32_t major = dev >> 20, minor = dev & 0xfffff;
  if (major != 8 || minor % 16 != 0 || minor / 16 >= 16)
    return NULL;
  return g_strdup_printf("sd%c", 'a' + (int)(minor / 16));
}

/* A gap of `d` (ns in a blktrace, us in a log) as fio waits it: scaled
 * by 100 / time_scale (in doubles, as fio computes it, unless the scale
 * is 100), then cut to whole microseconds. */
#define MAX_GAP_US G_GINT64_CONSTANT(9000000000000000) /* 285 years */

static int64_t fio_gap(const iolog_options *o, uint64_t d, bool in_ns) {
  if (o->no_stall)
    return 0;
  uint64_t v = d;
  if (o->time_scale != 100) {
    double x = (double)d * (100.0 / (double)o->time_scale);
    v = x >= 1.8e19 ? G_MAXUINT64 : (uint64_t)x;
  }
  uint64_t us = in_ns ? v / 1000 : v;
  return (int64_t)MIN(us, (uint64_t)MAX_GAP_US) * 1000;
}

/* The stream of (pid, device), created in order of first use: its
 * index. */
static guint stream_of(iolog *l, GHashTable *ix, int64_t pid,
                       const char *device) {
  g_autofree char *key =
      g_strdup_printf("%" G_GINT64_FORMAT "/%s", pid, device ? device : "");
  gpointer v;
  if (g_hash_table_lookup_extended(ix, key, NULL, &v))
    return GPOINTER_TO_UINT(v);
  iolog_stream *s = g_new0(iolog_stream, 1);
  s->pid = pid;
  s->device = g_strdup(device);
  s->start = -1;
  s->ios = g_array_new(FALSE, TRUE, sizeof(proc_replay_io));
  s->srcs = g_array_new(FALSE, TRUE, sizeof(iolog_src));
  g_hash_table_insert(ix, g_steal_pointer(&key),
                      GUINT_TO_POINTER(l->streams->len));
  g_ptr_array_add(l->streams, s);
  return l->streams->len - 1;
}

static void stream_add(iolog_stream *s, const proc_replay_io *io,
                       iolog_src src) {
  g_array_append_val(s->ios, *io);
  g_array_append_val(s->srcs, src);
}

/* ------------------------------------------------------------- blktrace */

typedef struct {
  uint64_t time, sector;
  uint32_t bytes, action, pid, device;
  iolog_src src;
} bt_rec;

static uint32_t get32(const guint8 *p, gboolean swap) {
  uint32_t v;
  memcpy(&v, p, 4);
  return swap ? GUINT32_SWAP_LE_BE(v) : v;
}

static uint64_t get64(const guint8 *p, gboolean swap) {
  uint64_t v;
  memcpy(&v, p, 8);
  return swap ? GUINT64_SWAP_LE_BE(v) : v;
}

static gboolean is_magic(uint32_t m) {
  return (m & 0xffffff00u) == BLKTRACE_MAGIC;
}

static gboolean looks_blktrace(const guint8 *d, gsize n) {
  return n >= 4 && (is_magic(get32(d, FALSE)) || is_magic(get32(d, TRUE)));
}

/* Every queue event of one file (fio replays those alone: the rest is
 * what the block layer made of them).  Records written in the other
 * byte order are read as blkparse and fio read them. */
static gboolean read_blktrace(const char *name, guint file, const guint8 *d,
                              gsize n, GArray *out, GError **err) {
  gboolean swap = FALSE;
  guint64 rec = 0;
  for (gsize o = 0; o < n;) {
    rec++;
    if (n - o < BLKTRACE_RECORD_SIZE) {
      g_set_error(err, IOLOG_ERROR, IOLOG_ERROR_PARSE,
                  "%s: record %" G_GUINT64_FORMAT
                  ": truncated (%" G_GSIZE_FORMAT " bytes of a %d-byte "
                  "record)",
                  name, rec, n - o, BLKTRACE_RECORD_SIZE);
      return FALSE;
    }
    const guint8 *r = d + o;
    if (rec == 1)
      swap = !is_magic(get32(r, FALSE)) && is_magic(get32(r, TRUE));
    uint32_t magic = get32(r, swap);
    if (!is_magic(magic)) {
      g_set_error(err, IOLOG_ERROR, IOLOG_ERROR_PARSE,
                  "%s: record %" G_GUINT64_FORMAT
                  ": bad magic 0x%08x (not a blktrace record)",
                  name, rec, magic);
      return FALSE;
    }
    if ((magic & 0xff) != BLKTRACE_VERSION) {
      g_set_error(err, IOLOG_ERROR, IOLOG_ERROR_UNSUPPORTED,
                  "%s: record %" G_GUINT64_FORMAT
                  ": blktrace version %u (only version %u is read, as by "
                  "fio)",
                  name, rec, magic & 0xff, BLKTRACE_VERSION);
      return FALSE;
    }
    uint16_t pdu_len;
    memcpy(&pdu_len, r + 46, 2);
    if (swap)
      pdu_len = GUINT16_SWAP_LE_BE(pdu_len);
    if (n - o - BLKTRACE_RECORD_SIZE < pdu_len) {
      g_set_error(err, IOLOG_ERROR, IOLOG_ERROR_PARSE,
                  "%s: record %" G_GUINT64_FORMAT
                  ": truncated (its payload of %u bytes ends past the file)",
                  name, rec, pdu_len);
      return FALSE;
    }
    bt_rec x = {.time = get64(r + 8, swap),
                .sector = get64(r + 16, swap),
                .bytes = get32(r + 24, swap),
                .action = get32(r + 28, swap),
                .pid = get32(r + 32, swap),
                .device = get32(r + 36, swap),
                .src = {file, rec}};
    uint32_t cat = x.action >> 16;
    if ((x.action & 0xffff) == BLK_TA_CODE_QUEUE && !(cat & BLK_TC_NOTIFY) &&
        !(cat & BLK_TC_PC))
      g_array_append_val(out, x);
    o += BLKTRACE_RECORD_SIZE + pdu_len;
  }
  return TRUE;
}

/* In time order, as blkparse merges per-CPU files; ties in file order,
 * then record order, so the result never depends on the sort. */
static gint by_time(gconstpointer a, gconstpointer b) {
  const bt_rec *x = a, *y = b;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  if (x->src.file != y->src.file)
    return x->src.file < y->src.file ? -1 : 1;
  return x->src.pos < y->src.pos ? -1 : x->src.pos > y->src.pos;
}

static gboolean rec_fail(const iolog *l, const bt_rec *x, int code,
                         GError **err, const char *fmt, ...)
    G_GNUC_PRINTF(5, 6);
static gboolean rec_fail(const iolog *l, const bt_rec *x, int code,
                         GError **err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *where = iolog_where(l, &x->src);
  g_set_error(err, IOLOG_ERROR, code, "%s: %s", where, msg);
  return FALSE;
}

/* The queue events as streams, one per pid and device. */
static gboolean blktrace_streams(iolog *l, GArray *recs, const iolog_options *o,
                                 GError **err) {
  g_array_sort(recs, by_time);
  g_autoptr(GHashTable) ix =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) last = g_array_new(FALSE, TRUE, sizeof(uint64_t));
  uint64_t t0 = recs->len ? g_array_index(recs, bt_rec, 0).time : 0;
  for (guint i = 0; i < recs->len; i++) {
    const bt_rec *x = &g_array_index(recs, bt_rec, i);
    uint32_t cat = x->action >> 16;
    if (cat & BLK_TC_DISCARD)
      return rec_fail(l, x, IOLOG_ERROR_UNSUPPORTED, err,
                      "a discard: trim is not simulated");
    if (x->bytes % SECTOR != 0)
      return rec_fail(l, x, IOLOG_ERROR_PARSE, err,
                      "%u bytes is not a whole number of 512-byte sectors",
                      x->bytes);
    if (x->bytes == 0 && !(cat & BLK_TC_FLUSH))
      return rec_fail(l, x, IOLOG_ERROR_PARSE, err,
                      "a queue event of 0 bytes that is not a flush");
    if (x->sector > (uint64_t)G_MAXINT64 / SECTOR)
      return rec_fail(l, x, IOLOG_ERROR_PARSE, err,
                      "sector %" G_GUINT64_FORMAT " is beyond any device",
                      x->sector);
    g_autofree char *dev =
        o->redirect ? g_strdup(o->redirect) : iolog_device_name(x->device);
    if (!dev)
      return rec_fail(l, x, IOLOG_ERROR_UNSUPPORTED, err,
                      "device %u:%u is not a whole sd disk (sda is 8:0, sdb "
                      "8:16, ...): replay it onto one with replay_redirect",
                      x->device >> 20, x->device & 0xfffff);
    guint k = stream_of(l, ix, x->pid, dev);
    iolog_stream *s = g_ptr_array_index(l->streams, k);
    g_array_set_size(last, l->streams->len);
    uint64_t *prev = &g_array_index(last, uint64_t, k);
    /* 3.2 sends flush and FUA with writes only: an empty flush is one
     * (WRITE_FLUSH), a read keeps neither. */
    unsigned rw = (cat & BLK_TC_SYNC) ? REQ_SYNC : 0;
    if ((cat & BLK_TC_WRITE) || x->bytes == 0)
      rw |= REQ_WRITE | ((cat & BLK_TC_FLUSH) ? REQ_FLUSH : 0) |
            ((cat & BLK_TC_FUA) ? REQ_FUA : 0);
    proc_replay_io io = {.sector = (int64_t)x->sector,
                         .nr_sectors = x->bytes / SECTOR,
                         .rw = rw};
    if (s->start < 0)
      s->start = fio_gap(o, x->time - t0, true);
    else
      io.gap = x->time > *prev ? fio_gap(o, x->time - *prev, true) : 0;
    *prev = x->time;
    stream_add(s, &io, x->src);
  }
  return TRUE;
}

/* ------------------------------------------------------------ text logs */

typedef struct {
  const char *path;
  guint64 line;
  GError **err;
} text_ctx;

static gboolean text_fail(const text_ctx *c, int col, int code, const char *fmt,
                          ...) G_GNUC_PRINTF(4, 5);
static gboolean text_fail(const text_ctx *c, int col, int code, const char *fmt,
                          ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(c->err, IOLOG_ERROR, code, "%s:%" G_GUINT64_FORMAT ":%d: %s",
              c->path, c->line, col, msg);
  return FALSE;
}

typedef struct {
  const char *text;
  int len, col;
} token;

/* Blank-separated words, as fio's sscanf("%s") splits them. */
static guint tokenize(const char *line, token *t, guint max) {
  guint n = 0;
  const char *p = line;
  while (*p) {
    while (*p == ' ' || *p == '\t')
      p++;
    if (!*p)
      break;
    const char *s = p;
    while (*p && *p != ' ' && *p != '\t')
      p++;
    if (n < max)
      t[n] = (token){s, (int)(p - s), (int)(s - line) + 1};
    n++;
  }
  return n;
}

static gboolean tok_is(const token *t, const char *s) {
  return (int)strlen(s) == t->len && strncmp(t->text, s, t->len) == 0;
}

static gboolean tok_u64(const text_ctx *c, const token *t, const char *what,
                        guint64 *v) {
  g_autofree char *s = g_strndup(t->text, t->len);
  if (g_ascii_string_to_unsigned(s, 10, 0, G_MAXINT64, v, NULL))
    return TRUE;
  return text_fail(c, t->col, IOLOG_ERROR_PARSE,
                   "%s: '%s' is not a whole number", what, s);
}

typedef struct {
  char *name;
  char *device;   /* /dev/NAME: NAME; NULL: a regular file */
  guint64 extent; /* sectors: the end of its furthest I/O */
  int64_t base;   /* sectors: where it lies on the job's device */
} log_file;

static void log_file_clear(gpointer p) {
  log_file *f = p;
  g_free(f->name);
  g_free(f->device);
}

/* /dev/NAME names the device NAME; anything else is a file. */
static char *dev_name(const char *file) {
  if (!g_str_has_prefix(file, "/dev/") || !file[5] || strchr(file + 5, '/'))
    return NULL;
  return g_strdup(file + 5);
}

typedef struct {
  proc_replay_io io;
  guint file;
  guint64 line;
} log_io;

/* One line of the log: a file action or an I/O. */
static gboolean log_line(const text_ctx *c, int version, const char *line,
                         const iolog_options *o, GArray *files, GArray *ios,
                         guint64 *last_ttime, int64_t *pending_gap,
                         int64_t *wait_until) {
  token t[6];
  guint n = tokenize(line, t, G_N_ELEMENTS(t));
  if (n == 0)
    return TRUE;
  guint first = version == 3 ? 1 : 0;
  if (n < first + 2 || n > first + 4 || n == first + 3)
    return text_fail(c, 1, IOLOG_ERROR_PARSE,
                     "expected '%sFILE ACTION' or '%sFILE ACTION OFFSET "
                     "LENGTH', found %u words",
                     first ? "TIMESTAMP " : "", first ? "TIMESTAMP " : "", n);
  const token *ft = &t[first], *at = &t[first + 1];
  if (version == 3) {
    guint64 ts;
    if (!tok_u64(c, &t[0], "timestamp", &ts))
      return FALSE;
    /* fio's gap: from the previous line's time, none from a time 0 */
    if (*last_ttime && ts >= *last_ttime) {
      int64_t g = fio_gap(o, ts - *last_ttime, false);
      *pending_gap = *pending_gap > MAX_GAP_US * 1000 - g ? MAX_GAP_US * 1000
                                                          : *pending_gap + g;
    }
    *last_ttime = ts;
  }
  g_autofree char *fname =
      o->redirect ? g_strdup(o->redirect) : g_strndup(ft->text, ft->len);
  guint fi;
  for (fi = 0; fi < files->len; fi++)
    if (strcmp(g_array_index(files, log_file, fi).name, fname) == 0)
      break;
  if (n == first + 2) {
    if (tok_is(at, "add")) {
      if (fi == files->len) {
        log_file f = {.name = g_strdup(fname),
                      .device = o->redirect ? g_strdup(o->redirect)
                                            : dev_name(fname)};
        g_array_append_val(files, f);
      }
      return TRUE;
    }
    if (!tok_is(at, "open") && !tok_is(at, "close")) {
      g_autofree char *a = g_strndup(at->text, at->len);
      return text_fail(c, at->col, IOLOG_ERROR_PARSE,
                       "unknown file action '%s' (add, open, close; an I/O "
                       "has an offset and a length)",
                       a);
    }
    if (fi == files->len)
      return text_fail(c, ft->col, IOLOG_ERROR_PARSE,
                       "file '%s' was not added (an 'add' line comes first)",
                       fname);
    return TRUE; /* the simulated devices are always open */
  }
  static const char *const actions[] = {"read", "write", "sync", "datasync",
                                        "trim", "wait",  NULL};
  g_autofree char *a = g_strndup(at->text, at->len);
  if (!g_strv_contains(actions, a))
    return text_fail(c, at->col, IOLOG_ERROR_PARSE,
                     "unknown action '%s' (read, write, sync, datasync, "
                     "trim%s)",
                     a, version == 2 ? ", wait" : "");
  guint64 off, len;
  if (!tok_u64(c, &t[first + 2], "offset", &off) ||
      !tok_u64(c, &t[first + 3], "length", &len))
    return FALSE;
  if (strcmp(a, "wait") == 0) {
    if (version == 3)
      return text_fail(c, at->col, IOLOG_ERROR_PARSE,
                       "'wait' is not allowed in a version 3 log (its "
                       "timestamps time it)");
    /* fio 3.33 holds the next I/O until `off` ms after the job's start */
    if (!o->no_stall && off > 0)
      *wait_until =
          MAX(*wait_until,
              (int64_t)MIN(off, G_GUINT64_CONSTANT(9000000000000)) * 1000000);
    return TRUE;
  }
  if (strcmp(a, "trim") == 0)
    return text_fail(c, at->col, IOLOG_ERROR_UNSUPPORTED,
                     "trim is not simulated");
  if (fi == files->len)
    return text_fail(c, ft->col, IOLOG_ERROR_PARSE,
                     "file '%s' was not added (an 'add' line comes first)",
                     fname);
  log_io x = {.file = fi, .line = c->line};
  x.io.gap = *pending_gap;
  x.io.not_before = *wait_until;
  *pending_gap = 0;
  *wait_until = 0;
  if (strcmp(a, "sync") == 0 || strcmp(a, "datasync") == 0) {
    /* fsync on a block device: blkdev_issue_flush's empty flush */
    x.io.rw = REQ_WRITE | REQ_SYNC | REQ_FLUSH;
  } else {
    const token *bad = off % SECTOR ? &t[first + 2] : &t[first + 3];
    if (off % SECTOR || len % SECTOR || len == 0)
      return text_fail(c, bad->col, IOLOG_ERROR_PARSE,
                       "%s: %" G_GUINT64_FORMAT
                       " is not a whole, non-zero number of 512-byte "
                       "sectors",
                       bad == &t[first + 2] ? "offset" : "length",
                       bad == &t[first + 2] ? off : len);
    if (len / SECTOR > G_MAXUINT32 || off / SECTOR > G_MAXINT64 / 2)
      return text_fail(c, t[first + 3].col, IOLOG_ERROR_PARSE,
                       "an I/O beyond any device");
    x.io.sector = (int64_t)(off / SECTOR);
    x.io.nr_sectors = (uint32_t)(len / SECTOR);
    /* O_DIRECT writes are sync, as fio's replay (direct) sends them */
    x.io.rw = strcmp(a, "write") == 0 ? REQ_WRITE | REQ_SYNC : 0;
    log_file *f = &g_array_index(files, log_file, fi);
    f->extent = MAX(f->extent, (guint64)x.io.sector + x.io.nr_sectors);
  }
  g_array_append_val(ios, x);
  return TRUE;
}

static gboolean read_text(iolog *l, const char *path, const char *text,
                          gsize len, const iolog_options *o, GError **err) {
  if (memchr(text, '\0', len)) {
    g_set_error(err, IOLOG_ERROR, IOLOG_ERROR_PARSE,
                "%s: a NUL byte in a text log", path);
    return FALSE;
  }
  g_autofree char *copy = g_strndup(text, len);
  g_auto(GStrv) lines = g_strsplit(copy, "\n", -1);
  int version = l->format == IOLOG_V3 ? 3 : 2;
  g_autoptr(GArray) files = g_array_new(FALSE, TRUE, sizeof(log_file));
  g_array_set_clear_func(files, log_file_clear);
  g_autoptr(GArray) ios = g_array_new(FALSE, TRUE, sizeof(log_io));
  guint64 last_ttime = 0;
  int64_t gap = 0, wait_until = 0;
  text_ctx c = {.path = path, .err = err};
  for (guint i = 1; lines[i]; i++) {
    c.line = i + 1;
    g_strchomp(lines[i]);
    if (!log_line(&c, version, lines[i], o, files, ios, &last_ttime, &gap,
                  &wait_until))
      return FALSE;
  }
  /* Regular files lie on the job's device one after the other, in the
   * order they were added. */
  int64_t next = 0;
  for (guint f = 0; f < files->len; f++) {
    log_file *lf = &g_array_index(files, log_file, f);
    if (lf->device)
      continue;
    lf->base = next;
    guint64 span = (lf->extent + FILE_ALIGN_SECTORS - 1) / FILE_ALIGN_SECTORS *
                   FILE_ALIGN_SECTORS;
    if (span > (guint64)(G_MAXINT64 / 2 - next)) {
      g_set_error(err, IOLOG_ERROR, IOLOG_ERROR_PARSE,
                  "%s: its files would end beyond any device", path);
      return FALSE;
    }
    next += (int64_t)span;
  }
  g_autoptr(GHashTable) ix =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < ios->len; i++) {
    log_io *x = &g_array_index(ios, log_io, i);
    const log_file *lf = &g_array_index(files, log_file, x->file);
    guint k = stream_of(l, ix, -1, lf->device); /* may grow the array */
    iolog_stream *s = g_ptr_array_index(l->streams, k);
    if (s->start < 0)
      s->start = 0;
    if (x->io.nr_sectors)
      x->io.sector += lf->base;
    stream_add(s, &x->io, (iolog_src){0, x->line});
  }
  return TRUE;
}

/* ----------------------------------------------------------------- load */

static const char v2_header[] = "fio version 2 iolog";
static const char v3_header[] = "fio version 3 iolog";

static gboolean header_is(const char *d, gsize n, const char *h) {
  gsize hl = strlen(h);
  if (n < hl || memcmp(d, h, hl) != 0)
    return FALSE;
  for (gsize i = hl; i < n && d[i] != '\n'; i++)
    if (d[i] != ' ' && d[i] != '\t' && d[i] != '\r')
      return FALSE;
  return TRUE;
}

static gboolean no_io(const iolog *l, const char *path, GError **err) {
  if (l->streams->len)
    return FALSE;
  g_set_error(err, IOLOG_ERROR, IOLOG_ERROR_PARSE, "%s: nothing to replay (%s)",
              path,
              l->format == IOLOG_BLKTRACE ? "no queue events"
                                          : "no read, write or sync");
  return TRUE;
}

static gboolean check_options(const char *path, const iolog_options *o,
                              GError **err) {
  if (o->time_scale >= 1)
    return TRUE;
  g_set_error(err, IOLOG_ERROR, IOLOG_ERROR_PARSE,
              "%s: replay_time_scale %" G_GINT64_FORMAT
              " is not a percentage of at least 1",
              path, o->time_scale);
  return FALSE;
}

iolog *iolog_parse(const char *path, const void *data, gsize len,
                   const iolog_options *o, GError **err) {
  if (!check_options(path, o, err))
    return NULL;
  const guint8 *d = data;
  iolog *l = NULL;
  if (looks_blktrace(d, len)) {
    l = iolog_new(IOLOG_BLKTRACE);
    g_ptr_array_add(l->files, g_strdup(path));
    g_autoptr(GArray) recs = g_array_new(FALSE, TRUE, sizeof(bt_rec));
    if (!read_blktrace(path, 0, d, len, recs, err) ||
        !blktrace_streams(l, recs, o, err)) {
      iolog_free(l);
      return NULL;
    }
  } else if (header_is(data, len, v2_header) ||
             header_is(data, len, v3_header)) {
    l = iolog_new(header_is(data, len, v2_header) ? IOLOG_V2 : IOLOG_V3);
    g_ptr_array_add(l->files, g_strdup(path));
    if (!read_text(l, path, data, len, o, err)) {
      iolog_free(l);
      return NULL;
    }
  } else {
    g_set_error(err, IOLOG_ERROR, IOLOG_ERROR_PARSE,
                "%s:1:1: neither a blktrace binary nor a fio iolog (whose "
                "first line is '%s' or '%s'; fio's version 1 logs are not "
                "read, as by fio since 1.20)",
                path, v2_header, v3_header);
    return NULL;
  }
  if (no_io(l, path, err)) {
    iolog_free(l);
    return NULL;
  }
  return l;
}

/* "<dir>/<dev>.blktrace.<N>" -> "<dir>/<dev>.blktrace." (the per-CPU
 * files' common prefix); NULL for any other name. */
static char *per_cpu_prefix(const char *path) {
  const char *dot = strrchr(path, '.');
  if (!dot || !dot[1] || dot - path < 9 ||
      strncmp(dot - 9, ".blktrace", 9) != 0)
    return NULL;
  for (const char *p = dot + 1; *p; p++)
    if (!g_ascii_isdigit(*p))
      return NULL;
  return g_strndup(path, dot + 1 - path);
}

static gboolean slurp(const char *path, char **text, gsize *len, GError **err) {
  /* a device node or a pipe would be read without end */
  if (g_file_test(path, G_FILE_TEST_EXISTS) &&
      !g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(err, IOLOG_ERROR, IOLOG_ERROR_IO,
                "cannot read trace: %s is not a regular file", path);
    return FALSE;
  }
  GError *local = NULL;
  if (g_file_get_contents(path, text, len, &local))
    return TRUE;
  g_set_error(err, IOLOG_ERROR, IOLOG_ERROR_IO, "cannot read trace: %s",
              local->message);
  g_error_free(local);
  return FALSE;
}

iolog *iolog_load(const char *path, const iolog_options *o, GError **err) {
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!slurp(path, &text, &len, err))
    return NULL;
  g_autofree char *prefix = per_cpu_prefix(path);
  if (!prefix || !looks_blktrace((const guint8 *)text, len))
    return iolog_parse(path, text, len, o, err);
  if (!check_options(path, o, err))
    return NULL;
  /* One CPU's file of a run: read the run's, CPU 0 up to the first
   * missing one (the named one among them). */
  iolog *l = iolog_new(IOLOG_BLKTRACE);
  g_autoptr(GArray) recs = g_array_new(FALSE, TRUE, sizeof(bt_rec));
  gboolean named = FALSE, ok = TRUE;
  for (guint cpu = 0; ok; cpu++) {
    char *f = g_strdup_printf("%s%u", prefix, cpu);
    if (!g_file_test(f, G_FILE_TEST_EXISTS)) {
      g_free(f);
      break;
    }
    g_autofree char *t = NULL;
    gsize n = 0;
    named |= strcmp(f, path) == 0;
    g_ptr_array_add(l->files, f);
    ok = slurp(f, &t, &n, err) &&
         read_blktrace(f, cpu, (const guint8 *)t, n, recs, err);
  }
  if (ok && !named) {
    /* .blktrace.3 without a .blktrace.0: read it alone */
    g_ptr_array_set_size(l->files, 0);
    g_array_set_size(recs, 0);
    g_ptr_array_add(l->files, g_strdup(path));
    ok = read_blktrace(path, 0, (const guint8 *)text, len, recs, err);
  }
  if (!ok || !blktrace_streams(l, recs, o, err) || no_io(l, path, err)) {
    iolog_free(l);
    return NULL;
  }
  return l;
}
