/* One flat buffer, one hash at the end: a state's fingerprint is fed in
 * hundreds of small pieces, and copying them is cheaper than updating a
 * running checksum for each. */
#include "sim/core/fingerprint.h"

#include <glib.h>
#include <string.h>

struct fingerprint {
  fingerprint_head head; /* data, len, cap: first, read inline */
  const fingerprint_map *map;
  GPtrArray *scratch;
};

fingerprint *fingerprint_new(void) {
  fingerprint *fp = g_new0(fingerprint, 1);
  fp->head.cap = 4096;
  fp->head.data = g_malloc(fp->head.cap);
  fp->scratch = g_ptr_array_new();
  return fp;
}

void fingerprint_free(fingerprint *fp) {
  if (!fp)
    return;
  g_free(fp->head.data);
  g_ptr_array_free(fp->scratch, TRUE);
  g_free(fp);
}

void fingerprint_reset(fingerprint *fp) {
  fp->head.len = 0;
  fp->map = NULL;
}

void fingerprint_set_map(fingerprint *fp, const fingerprint_map *m) {
  fp->map = m;
}

/* Most pieces are 8 bytes: the append is a bounds check and a copy
 * (g_byte_array_append would divide by the element size on every call). */
void fingerprint_bytes(fingerprint *fp, const void *data, size_t len) {
  if (fp->head.cap - fp->head.len < len) {
    fp->head.cap = MAX(2 * fp->head.cap, fp->head.len + len);
    fp->head.data = g_realloc(fp->head.data, fp->head.cap);
  }
  memcpy(fp->head.data + fp->head.len, data, len);
  fp->head.len += len;
}

void fingerprint_str(fingerprint *fp, const char *s) {
  s = s ? s : "";
  fingerprint_bytes(fp, s, strlen(s) + 1);
}

int64_t fingerprint_map_pid(const fingerprint *fp, int64_t pid) {
  const fingerprint_map *m = fp->map;
  if (!m)
    return pid;
  for (unsigned a = 0; a < m->n; a++)
    if (m->pid[a] == pid)
      return m->pid[m->slot_of[a]];
  return pid;
}

int64_t fingerprint_map_sector(const fingerprint *fp, int64_t sector) {
  const fingerprint_map *m = fp->map;
  if (!m)
    return sector;
  for (unsigned a = 0; a < m->n; a++)
    if (sector >= m->lo[a] && sector <= m->hi[a])
      return sector - m->lo[a] + m->lo[m->slot_of[a]];
  return sector;
}

void fingerprint_pid(fingerprint *fp, int64_t pid) {
  fingerprint_i64(fp, fingerprint_map_pid(fp, pid));
}

void fingerprint_sector(fingerprint *fp, int64_t sector) {
  fingerprint_i64(fp, fingerprint_map_sector(fp, sector));
}

unsigned fingerprint_actor_at(const fingerprint *fp, unsigned slot) {
  const fingerprint_map *m = fp->map;
  return m && slot < m->n ? m->actor_at[slot] : slot;
}

GPtrArray *fingerprint_scratch(fingerprint *fp) {
  g_ptr_array_set_size(fp->scratch, 0);
  return fp->scratch;
}

const void *fingerprint_data(const fingerprint *fp, size_t *len) {
  *len = fp->head.len;
  return fp->head.data;
}

char *fingerprint_digest(const fingerprint *fp) {
  return g_compute_checksum_for_data(G_CHECKSUM_MD5, fp->head.data,
                                     fp->head.len);
}

/* ---- MurmurHash3, x64 128-bit variant (public domain algorithm by
 * Austin Appleby), written here from its description ---- */

static inline uint64_t rotl64(uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

static inline uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= UINT64_C(0xff51afd7ed558ccd);
  k ^= k >> 33;
  k *= UINT64_C(0xc4ceb9fe1a85ec53);
  k ^= k >> 33;
  return k;
}

static inline uint64_t load64(const guint8 *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return GUINT64_FROM_LE(v);
}

fingerprint_hash fingerprint_hash_bytes(const void *data, size_t len) {
  const guint8 *p = data;
  const uint64_t c1 = UINT64_C(0x87c37b91114253d5);
  const uint64_t c2 = UINT64_C(0x4cf5ad432745937f);
  uint64_t h1 = 0, h2 = 0;
  size_t nblocks = len / 16;
  for (size_t i = 0; i < nblocks; i++) {
    uint64_t k1 = load64(p + 16 * i), k2 = load64(p + 16 * i + 8);
    k1 *= c1;
    k1 = rotl64(k1, 31);
    k1 *= c2;
    h1 ^= k1;
    h1 = rotl64(h1, 27);
    h1 += h2;
    h1 = h1 * 5 + 0x52dce729;
    k2 *= c2;
    k2 = rotl64(k2, 33);
    k2 *= c1;
    h2 ^= k2;
    h2 = rotl64(h2, 31);
    h2 += h1;
    h2 = h2 * 5 + 0x38495ab5;
  }
  const guint8 *tail = p + 16 * nblocks;
  uint64_t k1 = 0, k2 = 0;
  switch (len & 15) {
  case 15: k2 ^= (uint64_t)tail[14] << 48; /* fall through */
  case 14: k2 ^= (uint64_t)tail[13] << 40; /* fall through */
  case 13: k2 ^= (uint64_t)tail[12] << 32; /* fall through */
  case 12: k2 ^= (uint64_t)tail[11] << 24; /* fall through */
  case 11: k2 ^= (uint64_t)tail[10] << 16; /* fall through */
  case 10: k2 ^= (uint64_t)tail[9] << 8;   /* fall through */
  case 9:
    k2 ^= (uint64_t)tail[8];
    k2 *= c2;
    k2 = rotl64(k2, 33);
    k2 *= c1;
    h2 ^= k2;
    /* fall through */
  case 8: k1 ^= (uint64_t)tail[7] << 56; /* fall through */
  case 7: k1 ^= (uint64_t)tail[6] << 48; /* fall through */
  case 6: k1 ^= (uint64_t)tail[5] << 40; /* fall through */
  case 5: k1 ^= (uint64_t)tail[4] << 32; /* fall through */
  case 4: k1 ^= (uint64_t)tail[3] << 24; /* fall through */
  case 3: k1 ^= (uint64_t)tail[2] << 16; /* fall through */
  case 2: k1 ^= (uint64_t)tail[1] << 8;  /* fall through */
  case 1:
    k1 ^= (uint64_t)tail[0];
    k1 *= c1;
    k1 = rotl64(k1, 31);
    k1 *= c2;
    h1 ^= k1;
    /* fall through */
  default: break;
  }
  h1 ^= (uint64_t)len;
  h2 ^= (uint64_t)len;
  h1 += h2;
  h2 += h1;
  h1 = fmix64(h1);
  h2 = fmix64(h2);
  h1 += h2;
  h2 += h1;
  return (fingerprint_hash){h1, h2};
}

fingerprint_hash fingerprint_hash128(const fingerprint *fp) {
  return fingerprint_hash_bytes(fp->head.data, fp->head.len);
}
