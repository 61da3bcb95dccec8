/* Parameter tables: defaults, lookup, typed assignment and name hints. */
#include "sim/core/params.h"

#include <stdbool.h>
#include <string.h>

#include "sim/core/units.h"

/* clang-format off */
G_DEFINE_QUARK(cfqsim-params-error-quark, params_error)
/* clang-format on */

static bool has_range(const param_desc *p) { return p->min <= p->max; }

void *params_defaults(const param_desc *table, size_t size) {
  void *cfg = g_malloc0(size ? size : 1);
  for (const param_desc *p = table; p && p->name; p++) {
    GError *err = NULL;
    if (p->def && !params_set(p, cfg, p->def, &err))
      g_error("default of parameter '%s' is invalid: %s", p->name,
              err->message);
  }
  return cfg;
}

const param_desc *params_find(const param_desc *table, const char *name) {
  for (const param_desc *p = table; p && p->name; p++)
    if (strcmp(p->name, name) == 0)
      return p;
  return NULL;
}

/* A bound written the way the user writes values of this kind. */
static char *format_value(param_kind kind, double v) {
  switch (kind) {
  case PARAM_SIZE: return units_format_size((int64_t)v);
  case PARAM_TIME: return units_format_time((int64_t)v);
  case PARAM_RATE: return units_format_rate(v);
  case PARAM_INT: return g_strdup_printf("%" G_GINT64_FORMAT, (int64_t)v);
  default: return g_strdup_printf("%g", v);
  }
}

static gboolean range_error(const param_desc *p, const char *got,
                            GError **err) {
  g_autofree char *lo = format_value(p->kind, p->min);
  g_autofree char *hi = format_value(p->kind, p->max);
  g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
              "%s: %s is out of range (%s to %s)", p->name, got, lo, hi);
  return FALSE;
}

static gboolean check_range(const param_desc *p, double v, GError **err) {
  if (!has_range(p) || (v >= p->min && v <= p->max))
    return TRUE;
  g_autofree char *got = format_value(p->kind, v);
  return range_error(p, got, err);
}

/* A bound as an int64_t, saturating (the tables write them as doubles). */
static int64_t int_bound(double b) {
  if (b >= 9223372036854775807.0)
    return G_MAXINT64;
  if (b <= -9223372036854775808.0)
    return G_MININT64;
  return (int64_t)b;
}

/* Integers compare as integers: as doubles, 9000000000000000001 was within
 * 0..9e18, and 2^63 - 1 printed as its negative. */
static gboolean check_int_range(const param_desc *p, int64_t v, GError **err) {
  if (!has_range(p) || (v >= int_bound(p->min) && v <= int_bound(p->max)))
    return TRUE;
  g_autofree char *got = p->kind == PARAM_SIZE ? units_format_size(v)
                         : p->kind == PARAM_TIME
                             ? units_format_time(v)
                             : g_strdup_printf("%" G_GINT64_FORMAT, v);
  return range_error(p, got, err);
}

static gboolean parse_bool(const char *text, bool *out) {
  static const char *const yes[] = {"true", "yes", "on", "1", NULL};
  static const char *const no[] = {"false", "no", "off", "0", NULL};
  g_autofree char *t = g_strstrip(g_strdup(text));
  for (int i = 0; yes[i]; i++)
    if (g_ascii_strcasecmp(t, yes[i]) == 0) {
      *out = true;
      return TRUE;
    }
  for (int i = 0; no[i]; i++)
    if (g_ascii_strcasecmp(t, no[i]) == 0) {
      *out = false;
      return TRUE;
    }
  return FALSE;
}

/* Re-word a units error so that it names the parameter. */
static gboolean wrap(const param_desc *p, GError *local, GError **err) {
  g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE, "%s: %s", p->name,
              local->message);
  g_error_free(local);
  return FALSE;
}

gboolean params_set(const param_desc *p, void *cfg, const char *text,
                    GError **err) {
  char *at = (char *)cfg + p->offset;
  GError *local = NULL;
  switch (p->kind) {
  case PARAM_INT:
  case PARAM_SIZE:
  case PARAM_TIME: {
    int64_t v;
    gboolean ok = p->kind == PARAM_INT    ? units_parse_int(text, &v, &local)
                  : p->kind == PARAM_SIZE ? units_parse_size(text, &v, &local)
                                          : units_parse_time(text, &v, &local);
    if (!ok)
      return wrap(p, local, err);
    if (!check_int_range(p, v, err))
      return FALSE;
    memcpy(at, &v, sizeof v);
    return TRUE;
  }
  case PARAM_RATE: {
    double v;
    if (!units_parse_rate(text, &v, &local))
      return wrap(p, local, err);
    if (!check_range(p, v, err))
      return FALSE;
    memcpy(at, &v, sizeof v);
    return TRUE;
  }
  case PARAM_DOUBLE: {
    g_autofree char *t = g_strstrip(g_strdup(text));
    char *end = NULL;
    double v = g_ascii_strtod(t, &end);
    if (*t == '\0' || *end != '\0') {
      g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
                  "%s: invalid number '%s'", p->name, text);
      return FALSE;
    }
    if (!check_range(p, v, err))
      return FALSE;
    memcpy(at, &v, sizeof v);
    return TRUE;
  }
  case PARAM_BOOL: {
    bool v;
    if (!parse_bool(text, &v)) {
      g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
                  "%s: invalid boolean '%s' (use true or false)", p->name,
                  text);
      return FALSE;
    }
    memcpy(at, &v, sizeof v);
    return TRUE;
  }
  case PARAM_ENUM: {
    g_autofree char *t = g_strstrip(g_strdup(text));
    for (int i = 0; p->choices && p->choices[i]; i++)
      if (strcmp(p->choices[i], t) == 0) {
        memcpy(at, &i, sizeof i);
        return TRUE;
      }
    g_autofree char *list =
        p->choices ? g_strjoinv(", ", (char **)p->choices) : g_strdup("");
    const char *hint = p->choices ? params_suggest_name(p->choices, t) : NULL;
    g_autofree char *dym =
        hint ? g_strdup_printf(" (did you mean '%s'?)", hint) : g_strdup("");
    g_set_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE,
                "%s: '%s' is not one of %s%s", p->name, t, list, dym);
    return FALSE;
  }
  }
  g_assert_not_reached();
}

/* Levenshtein distance with two rows. */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  g_autofree size_t *prev = g_new(size_t, lb + 1);
  g_autofree size_t *cur = g_new(size_t, lb + 1);
  for (size_t j = 0; j <= lb; j++)
    prev[j] = j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
      size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
      cur[j] = MIN(sub, MIN(del, ins));
    }
    size_t *t = prev;
    prev = cur;
    cur = t;
  }
  return prev[lb];
}

const char *params_suggest_name(const char *const *names, const char *name) {
  size_t limit = MAX((size_t)2, strlen(name) / 3);
  const char *best = NULL;
  size_t best_d = limit + 1;
  /* The first of equally close names wins: hints stay deterministic. */
  for (int i = 0; names && names[i]; i++) {
    size_t d = edit_distance(names[i], name);
    if (d < best_d) {
      best = names[i];
      best_d = d;
    }
  }
  return best;
}

const char *params_suggest(const param_desc *table, const char *name) {
  g_autoptr(GPtrArray) names = g_ptr_array_new();
  for (const param_desc *p = table; p && p->name; p++)
    g_ptr_array_add(names, (gpointer)p->name);
  g_ptr_array_add(names, NULL);
  return params_suggest_name((const char *const *)names->pdata, name);
}
