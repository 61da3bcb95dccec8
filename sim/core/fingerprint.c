/* One flat buffer, one hash at the end: a state's fingerprint is fed in
 * hundreds of small pieces, and copying them is cheaper than updating a
 * running checksum for each. */
#include "sim/core/fingerprint.h"

#include <glib.h>
#include <string.h>

struct fingerprint {
  guint8 *data;
  size_t len, cap;
};

fingerprint *fingerprint_new(void) {
  fingerprint *fp = g_new(fingerprint, 1);
  fp->cap = 4096;
  fp->len = 0;
  fp->data = g_malloc(fp->cap);
  return fp;
}

void fingerprint_free(fingerprint *fp) {
  if (!fp)
    return;
  g_free(fp->data);
  g_free(fp);
}

/* Most pieces are 8 bytes: the append is a bounds check and a copy
 * (g_byte_array_append would divide by the element size on every call). */
void fingerprint_bytes(fingerprint *fp, const void *data, size_t len) {
  if (fp->cap - fp->len < len) {
    fp->cap = MAX(2 * fp->cap, fp->len + len);
    fp->data = g_realloc(fp->data, fp->cap);
  }
  memcpy(fp->data + fp->len, data, len);
  fp->len += len;
}

void fingerprint_i64(fingerprint *fp, int64_t v) {
  fingerprint_bytes(fp, &v, sizeof v);
}

void fingerprint_str(fingerprint *fp, const char *s) {
  s = s ? s : "";
  fingerprint_bytes(fp, s, strlen(s) + 1);
}

char *fingerprint_digest(const fingerprint *fp) {
  return g_compute_checksum_for_data(G_CHECKSUM_MD5, fp->data, fp->len);
}
