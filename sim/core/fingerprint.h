/* The fingerprint buffer: how the explorer recognises a state it has seen.
 * Every module feeds what of its own state can change the future
 * (integers, raw bytes, strings) by what it is, never by address or
 * allocation order; the bytes pile up in one flat buffer that is hashed
 * once when the digest is taken.  Two states fingerprint alike when they
 * fed the same bytes in the same order.
 *
 * A relabelling (fingerprint_map) makes the buffer describe the state as
 * it would be with interchangeable processes swapped (docs/model.md,
 * "Symmetry reduction"): modules feed process-owned values through
 * fingerprint_pid / fingerprint_sector and walk per-process parts in
 * fingerprint_actor_at order, so the buffer is the one the relabelled state
 * would feed without a map. */
#ifndef CFQSIM_FINGERPRINT_H
#define CFQSIM_FINGERPRINT_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct fingerprint fingerprint;

/* Actor a's part of the state is written as actor slot_of[a]'s: its pid
 * becomes pid[slot_of[a]], and a sector in its closed region [lo[a], hi[a]]
 * moves by lo[slot_of[a]] - lo[a].  Actors at or past n stay as they are. */
typedef struct fingerprint_map {
  unsigned n;
  const unsigned *slot_of;
  const unsigned *actor_at; /* the inverse of slot_of */
  const int64_t *pid;
  const int64_t *lo, *hi;
} fingerprint_map;

fingerprint *fingerprint_new(void);
void fingerprint_free(fingerprint *fp);
/* Empty the buffer (its memory is kept) and drop the map. */
void fingerprint_reset(fingerprint *fp);
/* Feed from now on through `m` (not copied; NULL: as the state is). */
void fingerprint_set_map(fingerprint *fp, const fingerprint_map *m);

void fingerprint_bytes(fingerprint *fp, const void *data, size_t len);

/* The buffer begins with this, so that the most frequent feed (a state
 * is mostly integers, fed one by one) is a store, not a call. */
typedef struct fingerprint_head {
  uint8_t *data;
  size_t len, cap;
} fingerprint_head;

/* The 8 bytes of v in host order. */
static inline void fingerprint_i64(fingerprint *fp, int64_t v) {
  fingerprint_head *h = (fingerprint_head *)(void *)fp;
  if (__builtin_expect(h->cap - h->len >= sizeof v, 1)) {
    memcpy(h->data + h->len, &v, sizeof v);
    h->len += sizeof v;
    return;
  }
  fingerprint_bytes(fp, &v, sizeof v);
}
/* The string with its terminating NUL (so "ab","c" differs from "a","bc");
 * NULL counts as "". */
void fingerprint_str(fingerprint *fp, const char *s);
/* A task's pid, or a sector, as the map relabels them. */
void fingerprint_pid(fingerprint *fp, int64_t pid);
void fingerprint_sector(fingerprint *fp, int64_t sector);
int64_t fingerprint_map_pid(const fingerprint *fp, int64_t pid);
int64_t fingerprint_map_sector(const fingerprint *fp, int64_t sector);
/* The actor whose part is fed in position `slot` (slot itself without a
 * map). */
unsigned fingerprint_actor_at(const fingerprint *fp, unsigned slot);

/* An empty array for a module to order its parts in before feeding them,
 * kept by fp so that no fingerprint allocates: valid until the next call
 * (use one at a time). */
GPtrArray *fingerprint_scratch(fingerprint *fp);

/* The bytes fed so far (valid until the next feed or reset). */
const void *fingerprint_data(const fingerprint *fp, size_t *len);

/* MD5 of everything fed so far, in hex (free with g_free). */
char *fingerprint_digest(const fingerprint *fp);

/* A 128-bit hash of everything fed so far (MurmurHash3's x64 128-bit
 * function, seed 0): the explorer's state key. */
typedef struct fingerprint_hash {
  uint64_t lo, hi;
} fingerprint_hash;
fingerprint_hash fingerprint_hash128(const fingerprint *fp);
fingerprint_hash fingerprint_hash_bytes(const void *data, size_t len);

#endif
