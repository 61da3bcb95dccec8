/* The fingerprint buffer: how the explorer recognises a state it has seen.
 * Every module feeds what of its own state can change the future
 * (integers, raw bytes, strings) by what it is, never by address or
 * allocation order; the bytes pile up in one flat buffer that is hashed
 * once when the digest is taken.  Two states fingerprint alike when they
 * fed the same bytes in the same order. */
#ifndef CFQSIM_FINGERPRINT_H
#define CFQSIM_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

typedef struct fingerprint fingerprint;

fingerprint *fingerprint_new(void);
void fingerprint_free(fingerprint *fp);

/* The 8 bytes of v in host order. */
void fingerprint_i64(fingerprint *fp, int64_t v);
void fingerprint_bytes(fingerprint *fp, const void *data, size_t len);
/* The string with its terminating NUL (so "ab","c" differs from "a","bc");
 * NULL counts as "". */
void fingerprint_str(fingerprint *fp, const char *s);

/* MD5 of everything fed so far, in hex (free with g_free). */
char *fingerprint_digest(const fingerprint *fp);

#endif
