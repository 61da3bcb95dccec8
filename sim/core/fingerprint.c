/* One flat buffer, one hash at the end: a state's fingerprint is fed in
 * hundreds of small pieces, and copying them is cheaper than updating a
 * running checksum for each. */
#include "sim/core/fingerprint.h"

#include <glib.h>
#include <string.h>

struct fingerprint {
  GByteArray *bytes;
};

fingerprint *fingerprint_new(void) {
  fingerprint *fp = g_new(fingerprint, 1);
  fp->bytes = g_byte_array_sized_new(4096);
  return fp;
}

void fingerprint_free(fingerprint *fp) {
  if (!fp)
    return;
  g_byte_array_unref(fp->bytes);
  g_free(fp);
}

void fingerprint_i64(fingerprint *fp, int64_t v) {
  g_byte_array_append(fp->bytes, (const guint8 *)&v, sizeof v);
}

void fingerprint_bytes(fingerprint *fp, const void *data, size_t len) {
  g_byte_array_append(fp->bytes, data, (guint)len);
}

void fingerprint_str(fingerprint *fp, const char *s) {
  s = s ? s : "";
  g_byte_array_append(fp->bytes, (const guint8 *)s, (guint)strlen(s) + 1);
}

char *fingerprint_digest(const fingerprint *fp) {
  return g_compute_checksum_for_data(G_CHECKSUM_MD5, fp->bytes->data,
                                     fp->bytes->len);
}
