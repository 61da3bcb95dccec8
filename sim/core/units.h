/* Units a user writes: sizes (4k, 1m, 1g: powers of 1024; a bare number is
 * bytes), times (250ns, 100us, 8ms, 2s; a bare number is an error unless 0),
 * rates (125MB/s, 500KB/s, 1GB/s: powers of 1000, as disk vendors quote). */
#ifndef CFQSIM_UNITS_H
#define CFQSIM_UNITS_H

#include <glib.h>
#include <stdint.h>

gboolean units_parse_size(const char *text, int64_t *bytes, GError **err);
gboolean units_parse_time(const char *text, int64_t *ns, GError **err);
gboolean units_parse_rate(const char *text, double *bytes_per_s, GError **err);
gboolean units_parse_int(const char *text, int64_t *v, GError **err);

/* Human-readable forms for summaries: "4 KiB", "8 ms", "125.0 MB/s". */
char *units_format_size(int64_t bytes);
char *units_format_time(int64_t ns);
char *units_format_rate(double bytes_per_s);

GQuark units_error_quark(void);
#define UNITS_ERROR (units_error_quark())
enum { UNITS_ERROR_SYNTAX = 1, UNITS_ERROR_RANGE };

#endif
