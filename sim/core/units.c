/* Units a user writes in workload files and on the command line. */
#include "sim/core/units.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

/* clang-format off */
G_DEFINE_QUARK(cfqsim-units-error-quark, units_error)
/* clang-format on */

/* A number as written: digits, an optional fraction, then a suffix.  The
 * integer and fractional parts are kept apart so that "1.5ms" gives exactly
 * 1500000 ns without going through binary floating point for the whole. */
typedef struct {
  bool negative;
  uint64_t whole;
  double frac; /* 0 <= frac < 1 */
  bool has_digits;
  bool has_frac;
  bool overflow;
  const char *suffix; /* points into the text, leading blanks skipped */
} number;

static void parse_number(const char *text, number *n) {
  const char *s = text;
  memset(n, 0, sizeof *n);
  while (g_ascii_isspace(*s))
    s++;
  if (*s == '-' || *s == '+') {
    n->negative = (*s == '-');
    s++;
  }
  while (g_ascii_isdigit(*s)) {
    unsigned d = (unsigned)(*s - '0');
    if (n->whole > (UINT64_MAX - d) / 10)
      n->overflow = true;
    else
      n->whole = n->whole * 10 + d;
    n->has_digits = true;
    s++;
  }
  if (*s == '.' && g_ascii_isdigit(s[1])) {
    double scale = 0.1;
    s++;
    n->has_frac = true;
    while (g_ascii_isdigit(*s)) {
      n->frac += (*s - '0') * scale;
      scale /= 10;
      n->has_digits = true;
      s++;
    }
  }
  while (g_ascii_isspace(*s))
    s++;
  n->suffix = s;
}

/* Trailing blanks are allowed after the suffix; compare without them. */
static bool suffix_is(const char *suffix, const char *want) {
  size_t len = strlen(suffix);
  while (len > 0 && g_ascii_isspace(suffix[len - 1]))
    len--;
  return len == strlen(want) && g_ascii_strncasecmp(suffix, want, len) == 0;
}

/* whole * mult + frac * mult, or FALSE on overflow of int64. */
static bool scale_number(const number *n, uint64_t mult, int64_t *out) {
  if (n->overflow || (mult != 0 && n->whole > (uint64_t)INT64_MAX / mult))
    return false;
  uint64_t v = n->whole * mult;
  double extra = llround(n->frac * (double)mult);
  if ((double)(uint64_t)INT64_MAX - (double)v < extra)
    return false;
  v += (uint64_t)extra;
  if (v > (uint64_t)INT64_MAX)
    return false;
  *out = (int64_t)v;
  return true;
}

gboolean units_parse_size(const char *text, int64_t *bytes, GError **err) {
  static const struct {
    const char *sfx[5];
    uint64_t mult;
  } units[] = {
      {{"", "b", NULL}, 1},
      {{"k", "kb", "kib", NULL}, 1ull << 10},
      {{"m", "mb", "mib", NULL}, 1ull << 20},
      {{"g", "gb", "gib", NULL}, 1ull << 30},
      {{"t", "tb", "tib", NULL}, 1ull << 40},
  };
  number n;
  parse_number(text, &n);
  if (n.has_digits) {
    for (size_t u = 0; u < G_N_ELEMENTS(units); u++) {
      for (int i = 0; units[u].sfx[i]; i++) {
        if (!suffix_is(n.suffix, units[u].sfx[i]))
          continue;
        if (n.negative && (n.whole != 0 || n.frac != 0)) {
          g_set_error(err, UNITS_ERROR, UNITS_ERROR_RANGE,
                      "size '%s' is negative", text);
          return FALSE;
        }
        int64_t v;
        if (!scale_number(&n, units[u].mult, &v)) {
          g_set_error(err, UNITS_ERROR, UNITS_ERROR_RANGE,
                      "size '%s' is too large", text);
          return FALSE;
        }
        if (n.has_frac && n.frac * (double)units[u].mult !=
                              floor(n.frac * (double)units[u].mult)) {
          g_set_error(err, UNITS_ERROR, UNITS_ERROR_SYNTAX,
                      "size '%s' is not a whole number of bytes", text);
          return FALSE;
        }
        *bytes = v;
        return TRUE;
      }
    }
  }
  g_set_error(err, UNITS_ERROR, UNITS_ERROR_SYNTAX,
              "invalid size '%s' (a number of bytes, or with k, m, g or t "
              "for powers of 1024, e.g. 4k)",
              text);
  return FALSE;
}

gboolean units_parse_time(const char *text, int64_t *ns, GError **err) {
  static const struct {
    const char *sfx;
    uint64_t mult;
  } units[] = {
      {"ns", 1},
      {"us", 1000},
      {"ms", 1000000},
      {"s", 1000000000},
  };
  number n;
  parse_number(text, &n);
  if (n.has_digits) {
    bool zero = n.whole == 0 && n.frac == 0 && !n.overflow;
    if (suffix_is(n.suffix, "")) {
      if (zero) {
        *ns = 0;
        return TRUE;
      }
      g_set_error(err, UNITS_ERROR, UNITS_ERROR_SYNTAX,
                  "time '%s' has no unit (add a unit, e.g. 8ms)", text);
      return FALSE;
    }
    for (size_t u = 0; u < G_N_ELEMENTS(units); u++) {
      if (!suffix_is(n.suffix, units[u].sfx))
        continue;
      if (n.negative && !zero) {
        g_set_error(err, UNITS_ERROR, UNITS_ERROR_RANGE,
                    "time '%s' is negative", text);
        return FALSE;
      }
      int64_t v;
      if (!scale_number(&n, units[u].mult, &v)) {
        g_set_error(err, UNITS_ERROR, UNITS_ERROR_RANGE,
                    "time '%s' is too large", text);
        return FALSE;
      }
      *ns = v;
      return TRUE;
    }
  }
  g_set_error(err, UNITS_ERROR, UNITS_ERROR_SYNTAX,
              "invalid time '%s' (a number with ns, us, ms or s, e.g. 8ms)",
              text);
  return FALSE;
}

gboolean units_parse_rate(const char *text, double *bytes_per_s, GError **err) {
  /* Vendors quote rates in powers of 1000; the "iB" forms are there for
   * people copying numbers from tools that use powers of 1024. */
  static const struct {
    const char *sfx;
    double mult;
  } units[] = {
      {"b/s", 1},           {"kb/s", 1e3},           {"mb/s", 1e6},
      {"gb/s", 1e9},        {"tb/s", 1e12},          {"kib/s", 1024.0},
      {"mib/s", 1048576.0}, {"gib/s", 1073741824.0},
  };
  number n;
  parse_number(text, &n);
  if (n.has_digits && !n.overflow) {
    double v = ((double)n.whole + n.frac);
    if (suffix_is(n.suffix, "") && v == 0) {
      *bytes_per_s = 0;
      return TRUE;
    }
    for (size_t u = 0; u < G_N_ELEMENTS(units); u++) {
      if (!suffix_is(n.suffix, units[u].sfx))
        continue;
      if (n.negative && v != 0) {
        g_set_error(err, UNITS_ERROR, UNITS_ERROR_RANGE,
                    "rate '%s' is negative", text);
        return FALSE;
      }
      *bytes_per_s = v * units[u].mult;
      return TRUE;
    }
    if (suffix_is(n.suffix, "")) {
      g_set_error(err, UNITS_ERROR, UNITS_ERROR_SYNTAX,
                  "rate '%s' has no unit (add a unit, e.g. 100MB/s)", text);
      return FALSE;
    }
  }
  g_set_error(err, UNITS_ERROR, UNITS_ERROR_SYNTAX,
              "invalid rate '%s' (a number with B/s, KB/s, MB/s or GB/s, "
              "e.g. 125MB/s)",
              text);
  return FALSE;
}

gboolean units_parse_int(const char *text, int64_t *v, GError **err) {
  GError *local = NULL;
  g_autofree char *trimmed = g_strstrip(g_strdup(text));
  if (*trimmed == '+')
    memmove(trimmed, trimmed + 1, strlen(trimmed));
  if (!g_ascii_string_to_signed(trimmed, 10, INT64_MIN, INT64_MAX, v, &local)) {
    bool range = g_error_matches(local, G_NUMBER_PARSER_ERROR,
                                 G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS);
    g_error_free(local);
    g_set_error(
        err, UNITS_ERROR, range ? UNITS_ERROR_RANGE : UNITS_ERROR_SYNTAX,
        range ? "integer '%s' is too large" : "invalid integer '%s'", text);
    return FALSE;
  }
  return TRUE;
}

/* Exact values print as integers ("4 KiB"); others with one decimal. */
static char *format_scaled(double v, const char *unit, bool exact) {
  if (exact)
    return g_strdup_printf("%.0f %s", v, unit);
  return g_strdup_printf("%.1f %s", v, unit);
}

char *units_format_size(int64_t bytes) {
  static const char *const names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  uint64_t mag = bytes < 0 ? (uint64_t)0 - (uint64_t)bytes : (uint64_t)bytes;
  int u = 0;
  while (u < 4 && mag >= (1ull << (10 * (u + 1))))
    u++;
  uint64_t div = 1ull << (10 * u);
  return format_scaled((double)bytes / (double)div, names[u], mag % div == 0);
}

char *units_format_time(int64_t ns) {
  static const char *const names[] = {"ns", "us", "ms", "s"};
  static const uint64_t divs[] = {1, 1000, 1000000, 1000000000};
  uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
  int u = 0;
  while (u < 3 && mag >= divs[u + 1])
    u++;
  return format_scaled((double)ns / (double)divs[u], names[u],
                       mag % divs[u] == 0);
}

char *units_format_rate(double bytes_per_s) {
  static const char *const names[] = {"B/s", "KB/s", "MB/s", "GB/s", "TB/s"};
  double mag = fabs(bytes_per_s);
  double div = 1;
  int u = 0;
  while (u < 4 && mag >= div * 1000) {
    div *= 1000;
    u++;
  }
  return g_strdup_printf("%.1f %s", bytes_per_s / div, names[u]);
}
