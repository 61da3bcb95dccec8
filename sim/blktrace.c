/* Block-layer events as blktrace records (see blktrace.h for the layout). */
#include "sim/blktrace.h"

#include <string.h>

#define BLKTRACE_COMM_LEN 16 /* process notes carry a fixed-size name */
#define BLK_ACT_COUNT (BLK_ACT_COMPLETE + 1)

struct blktrace {
  uint32_t device;
  uint32_t sequence;
  GByteArray *data; /* the records, or the one being written to `out` */
  FILE *out;
  GHashTable *named; /* pids that have had a process note */
  uint64_t count[BLK_ACT_COUNT];
};

static const struct {
  uint32_t code, category;
} action_table[BLK_ACT_COUNT] = {
    [BLK_ACT_QUEUE] = {BLK_TA_CODE_QUEUE, BLK_TC_QUEUE},
    [BLK_ACT_BACKMERGE] = {BLK_TA_CODE_BACKMERGE, BLK_TC_QUEUE},
    [BLK_ACT_FRONTMERGE] = {BLK_TA_CODE_FRONTMERGE, BLK_TC_QUEUE},
    [BLK_ACT_GETRQ] = {BLK_TA_CODE_GETRQ, BLK_TC_QUEUE},
    [BLK_ACT_SLEEPRQ] = {BLK_TA_CODE_SLEEPRQ, BLK_TC_QUEUE},
    [BLK_ACT_INSERT] = {BLK_TA_CODE_INSERT, BLK_TC_QUEUE},
    [BLK_ACT_ISSUE] = {BLK_TA_CODE_ISSUE, BLK_TC_ISSUE},
    [BLK_ACT_COMPLETE] = {BLK_TA_CODE_COMPLETE, BLK_TC_COMPLETE},
};

uint32_t blktrace_action_word(blk_action a, unsigned rw) {
  g_assert((unsigned)a < BLK_ACT_COUNT);
  uint32_t cat = action_table[a].category | BLK_TC_FS;
  cat |= (rw & REQ_WRITE) ? BLK_TC_WRITE : BLK_TC_READ;
  if (rw & REQ_SYNC)
    cat |= BLK_TC_SYNC;
  if (rw & REQ_FLUSH)
    cat |= BLK_TC_FLUSH;
  if (rw & REQ_FUA)
    cat |= BLK_TC_FUA;
  return action_table[a].code | (cat << 16);
}

/* The fixed part of a record, packed field by field so the layout does
 * not depend on the compiler's struct padding. */
static void put(GByteArray *b, const void *v, guint n) {
  g_byte_array_append(b, v, n);
}

/* Only actions are numbered (blkparse checks them for gaps); notes carry
 * sequence 0, as the kernel's do. */
static void emit(blktrace *bt, sim_time now, int64_t sector, uint32_t bytes,
                 uint32_t action, int pid, const void *pdu, uint16_t pdu_len) {
  uint32_t magic = BLKTRACE_MAGIC | BLKTRACE_VERSION;
  uint32_t seq = (action >> 16) & BLK_TC_NOTIFY ? 0 : ++bt->sequence;
  uint64_t time = (uint64_t)now, sec = (uint64_t)sector;
  uint32_t upid = (uint32_t)pid, cpu = 0;
  uint16_t error = 0;
  guint start = bt->data->len;
  put(bt->data, &magic, 4);
  put(bt->data, &seq, 4);
  put(bt->data, &time, 8);
  put(bt->data, &sec, 8);
  put(bt->data, &bytes, 4);
  put(bt->data, &action, 4);
  put(bt->data, &upid, 4);
  put(bt->data, &bt->device, 4);
  put(bt->data, &cpu, 4);
  put(bt->data, &error, 2);
  put(bt->data, &pdu_len, 2);
  g_assert(bt->data->len - start == BLKTRACE_RECORD_SIZE);
  if (pdu_len)
    put(bt->data, pdu, pdu_len);
  if (bt->out) {
    fwrite(bt->data->data, 1, bt->data->len, bt->out);
    g_byte_array_set_size(bt->data, 0);
  }
}

/* blkparse names a pid after the process note it last saw for it; one
 * note, before the task's first event, is enough. */
static void note_process(blktrace *bt, sim_time now, const struct task *t) {
  if (!t || g_hash_table_contains(bt->named, GINT_TO_POINTER(t->pid)))
    return;
  g_hash_table_add(bt->named, GINT_TO_POINTER(t->pid));
  char comm[BLKTRACE_COMM_LEN] = {0};
  g_strlcpy(comm, t->name, sizeof comm);
  emit(bt, now, 0, 0, BLK_TN_PROCESS, t->pid, comm, sizeof comm);
}

static void on_action(void *ctx, const struct request_queue *q, blk_action a,
                      int64_t sector, uint32_t bytes, unsigned rw,
                      const struct task *t) {
  blktrace *bt = ctx;
  sim_time now = sim_now(q->engine);
  note_process(bt, now, t);
  bt->count[a]++;
  emit(bt, now, sector, bytes, blktrace_action_word(a, rw), t ? t->pid : 0,
       NULL, 0);
}

static void on_message(void *ctx, const struct request_queue *q,
                       const char *text) {
  blktrace *bt = ctx;
  size_t n = strlen(text);
  if (n > G_MAXUINT16)
    n = G_MAXUINT16;
  emit(bt, sim_now(q->engine), 0, 0, BLK_TN_MESSAGE, 0, text, (uint16_t)n);
}

static const struct blk_observer blktrace_observer = {
    .action = on_action,
    .message = on_message,
};

blktrace *blktrace_new(guint device) {
  blktrace *bt = g_new0(blktrace, 1);
  bt->device = BLKTRACE_MKDEV(8, 16 * device);
  bt->data = g_byte_array_new();
  bt->named = g_hash_table_new(g_direct_hash, g_direct_equal);
  return bt;
}

void blktrace_attach(blktrace *bt, struct request_queue *q) {
  blk_set_observer(q, &blktrace_observer, bt);
}

void blktrace_set_output(blktrace *bt, FILE *out) {
  if (out && bt->data->len)
    fwrite(bt->data->data, 1, bt->data->len, out);
  g_byte_array_set_size(bt->data, 0);
  bt->out = out;
}

GBytes *blktrace_bytes(const blktrace *bt) {
  return g_bytes_new(bt->data->data, bt->data->len);
}

uint64_t blktrace_count(const blktrace *bt, blk_action a) {
  g_assert((unsigned)a < BLK_ACT_COUNT);
  return bt->count[a];
}

void blktrace_free(blktrace *bt) {
  if (!bt)
    return;
  g_byte_array_unref(bt->data);
  g_hash_table_destroy(bt->named);
  g_free(bt);
}
