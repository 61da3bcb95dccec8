/* Parameter sweeps: sweep files, grid expansion, the thread pool, shards.
 *
 * Determinism: every run is a pure function of (base workload, overrides,
 * seed); the pool only decides when a run happens, never what it produces.
 * Rows are stored by job index and written in that order, so results.csv
 * is the same bytes for any -j and for any split into shards. */
#include "sim/sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <yaml.h>

#include "sim/core/params.h"
#include "sim/fio.h"
#include "sim/outdir.h"
#include "sim/report.h"
#include "sim/run.h"
#include "sim/workload.h"

/* clang-format off */
G_DEFINE_QUARK(cfqsim-sweep-error-quark, sweep_error)
/* clang-format on */

/* A grid key or a zip group: its parameters advance together. */
typedef struct sweep_axis {
  guint first_param, n_params;
  guint n_values;
} sweep_axis;

/* Where a value was written in the sweep file, for error messages. */
typedef struct sweep_mark {
  int line, col;
} sweep_mark;

typedef struct sweep_param_def {
  char *path;
  GPtrArray *values; /* char * */
  GArray *marks;     /* sweep_mark per value */
} sweep_param_def;

struct sweep {
  char *file;
  char *base;
  uint64_t seed;
  guint replicates;
  GPtrArray *params;   /* sweep_param_def * */
  GArray *axes;        /* sweep_axis */
  GPtrArray *metrics;  /* char * */
  GPtrArray *fixed;    /* char *: "path=value" applied to every point */
  GArray *fixed_marks; /* sweep_mark of each fixed value */
  sweep_mark base_mark;
  guint n_points;
};

#define MAX_POINTS 1000000u

static const char *const top_keys[] = {
    "base",       "seed",    "set",  "grid",        "zip",
    "replicates", "metrics", "name", "description", NULL};

static const char *const default_metrics[] = {"outcome", "throughput_bps",
                                              "jain", "p99_latency_ns", NULL};

static void param_def_free(gpointer p) {
  sweep_param_def *d = p;
  g_free(d->path);
  g_ptr_array_unref(d->values);
  g_array_unref(d->marks);
  g_free(d);
}

void sweep_free(sweep *s) {
  if (!s)
    return;
  g_free(s->file);
  g_free(s->base);
  g_ptr_array_unref(s->params);
  g_array_unref(s->axes);
  g_ptr_array_unref(s->metrics);
  g_ptr_array_unref(s->fixed);
  g_array_unref(s->fixed_marks);
  g_free(s);
}

/* ---- parsing ---- */

typedef struct parse_ctx {
  const char *file;
  yaml_document_t *doc;
  sweep *s;
} parse_ctx;

static gboolean G_GNUC_PRINTF(4, 5)
    fail_at(GError **err, const parse_ctx *c, const yaml_node_t *n,
            const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  char *msg = g_strdup_vprintf(format, ap);
  va_end(ap);
  g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_INVALID, "%s:%d:%d: %s", c->file,
              (int)n->start_mark.line + 1, (int)n->start_mark.column + 1, msg);
  g_free(msg);
  return FALSE;
}

static const char *scalar(const yaml_node_t *n) {
  return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
                                     : NULL;
}

static sweep_mark mark_of(const yaml_node_t *n) {
  return (sweep_mark){(int)n->start_mark.line + 1,
                      (int)n->start_mark.column + 1};
}

static yaml_node_t *node(const parse_ctx *c, int id) {
  return yaml_document_get_node(c->doc, id);
}

static gboolean has_param(const sweep *s, const char *path) {
  for (guint i = 0; i < s->params->len; i++)
    if (strcmp(((sweep_param_def *)g_ptr_array_index(s->params, i))->path,
               path) == 0)
      return TRUE;
  return FALSE;
}

/* One `path: [values]` entry; returns the number of values or 0 on error. */
static guint add_param(const parse_ctx *c, const yaml_node_t *key,
                       const yaml_node_t *val, GError **err) {
  const char *path = scalar(key);
  if (!path || !*path) {
    fail_at(err, c, key, "a swept parameter must be a dotted workload path");
    return 0;
  }
  if (strchr(path, '=') || g_str_has_prefix(path, ".") ||
      g_str_has_suffix(path, ".") || strstr(path, "..")) {
    fail_at(err, c, key, "'%s' is not a dotted workload path", path);
    return 0;
  }
  if (has_param(c->s, path)) {
    fail_at(err, c, key, "'%s' is swept twice", path);
    return 0;
  }
  if (val->type != YAML_SEQUENCE_NODE) {
    fail_at(err, c, val, "the values of '%s' must be a list", path);
    return 0;
  }
  sweep_param_def *d = g_new0(sweep_param_def, 1);
  d->path = g_strdup(path);
  d->values = g_ptr_array_new_with_free_func(g_free);
  d->marks = g_array_new(FALSE, FALSE, sizeof(sweep_mark));
  for (yaml_node_item_t *it = val->data.sequence.items.start;
       it < val->data.sequence.items.top; it++) {
    yaml_node_t *v = node(c, *it);
    if (!scalar(v)) {
      fail_at(err, c, v, "the values of '%s' must be plain values", path);
      param_def_free(d);
      return 0;
    }
    g_ptr_array_add(d->values, g_strdup(scalar(v)));
    sweep_mark m = mark_of(v);
    g_array_append_val(d->marks, m);
  }
  if (d->values->len == 0) {
    fail_at(err, c, val, "'%s' has no values", path);
    param_def_free(d);
    return 0;
  }
  guint n = d->values->len;
  g_ptr_array_add(c->s->params, d);
  return n;
}

static gboolean parse_grid(const parse_ctx *c, const yaml_node_t *grid,
                           GError **err) {
  if (grid->type != YAML_MAPPING_NODE)
    return fail_at(err, c, grid, "grid must be a map of path: [values]");
  for (yaml_node_pair_t *p = grid->data.mapping.pairs.start;
       p < grid->data.mapping.pairs.top; p++) {
    sweep_axis a = {c->s->params->len, 1, 0};
    a.n_values = add_param(c, node(c, p->key), node(c, p->value), err);
    if (!a.n_values)
      return FALSE;
    g_array_append_val(c->s->axes, a);
  }
  return TRUE;
}

static gboolean parse_zip(const parse_ctx *c, const yaml_node_t *zip,
                          GError **err) {
  if (zip->type != YAML_SEQUENCE_NODE)
    return fail_at(err, c, zip,
                   "zip must be a list of groups {path: [values], ...}");
  for (yaml_node_item_t *it = zip->data.sequence.items.start;
       it < zip->data.sequence.items.top; it++) {
    yaml_node_t *g = node(c, *it);
    if (g->type != YAML_MAPPING_NODE ||
        g->data.mapping.pairs.start == g->data.mapping.pairs.top)
      return fail_at(err, c, g, "a zip group must be a map of path: [values]");
    sweep_axis a = {c->s->params->len, 0, 0};
    for (yaml_node_pair_t *p = g->data.mapping.pairs.start;
         p < g->data.mapping.pairs.top; p++) {
      guint n = add_param(c, node(c, p->key), node(c, p->value), err);
      if (!n)
        return FALSE;
      if (a.n_params > 0 && n != a.n_values)
        return fail_at(err, c, node(c, p->value),
                       "zipped lists must have equal lengths: '%s' has %u "
                       "values, the group's first list %u",
                       scalar(node(c, p->key)), n, a.n_values);
      a.n_values = n;
      a.n_params++;
    }
    g_array_append_val(c->s->axes, a);
  }
  return TRUE;
}

static gboolean parse_uint(const parse_ctx *c, const yaml_node_t *n,
                           const char *what, guint64 min, guint64 max,
                           guint64 *out, GError **err) {
  const char *t = scalar(n);
  char *end = NULL;
  errno = 0;
  guint64 v =
      t && *t && g_ascii_isdigit(*t) ? g_ascii_strtoull(t, &end, 10) : 0;
  if (!t || !end || *end || errno || v < min || v > max)
    return fail_at(err, c, n,
                   "%s must be an integer in %" G_GUINT64_FORMAT
                   "..%" G_GUINT64_FORMAT,
                   what, min, max);
  *out = v;
  return TRUE;
}

static gboolean valid_metric(const char *m) {
  if (!*m || *m == '.' || g_str_has_suffix(m, ".") || strstr(m, ".."))
    return FALSE;
  for (const char *p = m; *p; p++)
    if (g_ascii_isspace(*p) || *p == ',' || *p == '"')
      return FALSE;
  return TRUE;
}

static gboolean parse_metrics(const parse_ctx *c, const yaml_node_t *m,
                              GError **err) {
  if (m->type != YAML_SEQUENCE_NODE)
    return fail_at(err, c, m, "metrics must be a list of names");
  for (yaml_node_item_t *it = m->data.sequence.items.start;
       it < m->data.sequence.items.top; it++) {
    yaml_node_t *v = node(c, *it);
    if (!scalar(v) || !valid_metric(scalar(v)))
      return fail_at(err, c, v,
                     "a metric is a name or a dotted path into metrics.json "
                     "(e.g. jain, processes.A.throughput_bps)");
    if (strcmp(scalar(v), SWEEP_ERROR_COLUMN) == 0)
      return fail_at(err, c, v,
                     "'%s' is the results.csv column of the points "
                     "that failed, not a metric",
                     SWEEP_ERROR_COLUMN);
    g_ptr_array_add(c->s->metrics, g_strdup(scalar(v)));
  }
  if (c->s->metrics->len == 0)
    return fail_at(err, c, m, "metrics is empty");
  return TRUE;
}

/* `set: {path: value}`: overrides shared by every point (no column). */
static gboolean parse_fixed(const parse_ctx *c, const yaml_node_t *m,
                            GError **err) {
  if (m->type != YAML_MAPPING_NODE)
    return fail_at(err, c, m, "set must be a map of path: value");
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
       p < m->data.mapping.pairs.top; p++) {
    const char *k = scalar(node(c, p->key)), *v = scalar(node(c, p->value));
    if (!k || !*k || strchr(k, '='))
      return fail_at(err, c, node(c, p->key),
                     "set keys are dotted workload paths");
    if (!v)
      return fail_at(err, c, node(c, p->value),
                     "the value of '%s' must be plain", k);
    g_ptr_array_add(c->s->fixed, g_strdup_printf("%s=%s", k, v));
    sweep_mark mk = mark_of(node(c, p->value));
    g_array_append_val(c->s->fixed_marks, mk);
  }
  return TRUE;
}

/* libyaml keeps a "\0" escape inside a scalar; as C strings the value
 * would be silently cut there. */
static gboolean no_nul_bytes(const parse_ctx *c, GError **err) {
  for (yaml_node_t *n = c->doc->nodes.start; n < c->doc->nodes.top; n++)
    if (n->type == YAML_SCALAR_NODE &&
        strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
      return fail_at(err, c, n, "a NUL byte (\\0) is not allowed in a value");
  return TRUE;
}

static gboolean parse_root(parse_ctx *c, const yaml_node_t *root,
                           gboolean *has_seed, GError **err) {
  sweep *s = c->s;
  if (!root || root->type != YAML_MAPPING_NODE) {
    g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_INVALID,
                "%s:1:1: a sweep file is a map with base, grid, ...", c->file);
    return FALSE;
  }
  const yaml_node_t *base = NULL;
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
       p < root->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
    const char *key = scalar(k);
    guint64 u;
    if (!key)
      return fail_at(err, c, k, "keys must be plain words");
    if (strcmp(key, "base") == 0) {
      if (!scalar(v) || !*scalar(v))
        return fail_at(err, c, v, "base must be the path of a workload file");
      base = v;
    } else if (strcmp(key, "seed") == 0) {
      if (!parse_uint(c, v, "seed", 0, G_MAXUINT64, &u, err))
        return FALSE;
      s->seed = u;
      *has_seed = TRUE;
    } else if (strcmp(key, "set") == 0) {
      if (!parse_fixed(c, v, err))
        return FALSE;
    } else if (strcmp(key, "grid") == 0) {
      if (!parse_grid(c, v, err))
        return FALSE;
    } else if (strcmp(key, "zip") == 0) {
      if (!parse_zip(c, v, err))
        return FALSE;
    } else if (strcmp(key, "replicates") == 0) {
      if (!parse_uint(c, v, "replicates", 1, 10000, &u, err))
        return FALSE;
      s->replicates = (guint)u;
    } else if (strcmp(key, "metrics") == 0) {
      if (!parse_metrics(c, v, err))
        return FALSE;
    } else if (strcmp(key, "name") == 0 || strcmp(key, "description") == 0) {
      /* for people */
    } else {
      const char *hint = params_suggest_name(top_keys, key);
      return fail_at(err, c, k, "unknown key '%s'%s%s%s", key,
                     hint ? " (did you mean '" : "", hint ? hint : "",
                     hint ? "'?)" : "");
    }
  }
  if (!base) {
    g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_INVALID,
                "%s:%d:%d: missing key 'base' (the workload to sweep)", c->file,
                (int)root->start_mark.line + 1,
                (int)root->start_mark.column + 1);
    return FALSE;
  }
  const char *b = scalar(base);
  s->base_mark = mark_of(base);
  if (g_path_is_absolute(b)) {
    s->base = g_strdup(b);
  } else {
    char *dir = g_path_get_dirname(c->file);
    s->base = g_build_filename(dir, b, NULL);
    g_free(dir);
  }
  if (!g_file_test(s->base, G_FILE_TEST_IS_REGULAR))
    return fail_at(err, c, base, "base workload '%s' not found", s->base);
  return TRUE;
}

static gboolean read_base(const sweep *s, char **text, gsize *len,
                          GError **err);
static workload *load_point(const sweep *s, const char *text, gsize len,
                            guint point, gboolean locate, GError **err);

sweep *sweep_load(const char *path, GError **err) {
  g_return_val_if_fail(path != NULL, NULL);
  char *text = NULL;
  gsize len = 0;
  GError *ioerr = NULL;
  if (!g_file_get_contents(path, &text, &len, &ioerr)) {
    g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_IO, "%s", ioerr->message);
    g_error_free(ioerr);
    return NULL;
  }
  sweep *s = g_new0(sweep, 1);
  s->file = g_strdup(path);
  s->replicates = 1;
  s->params = g_ptr_array_new_with_free_func(param_def_free);
  s->axes = g_array_new(FALSE, FALSE, sizeof(sweep_axis));
  s->metrics = g_ptr_array_new_with_free_func(g_free);
  s->fixed = g_ptr_array_new_with_free_func(g_free);
  s->fixed_marks = g_array_new(FALSE, FALSE, sizeof(sweep_mark));

  yaml_parser_t parser;
  yaml_document_t doc;
  gboolean ok = FALSE, has_doc = FALSE, has_seed = FALSE;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  int deep_line, deep_col;
  if (!workload_yaml_depth_ok(text, len, &deep_line, &deep_col)) {
    g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_PARSE,
                "%s:%d:%d: nesting is too deep (more than %d levels)", path,
                deep_line, deep_col, WORKLOAD_MAX_DEPTH);
    goto out;
  }
  if (!yaml_parser_load(&parser, &doc)) {
    g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_PARSE, "%s:%d:%d: %s", path,
                (int)parser.problem_mark.line + 1,
                (int)parser.problem_mark.column + 1,
                parser.problem ? parser.problem : "YAML syntax error");
    goto out;
  }
  has_doc = TRUE;
  parse_ctx c = {path, &doc, s};
  if (!no_nul_bytes(&c, err) ||
      !parse_root(&c, yaml_document_get_root_node(&doc), &has_seed, err))
    goto out;

  if (s->metrics->len == 0)
    for (const char *const *m = default_metrics; *m; m++)
      g_ptr_array_add(s->metrics, g_strdup(*m));
  s->n_points = 1;
  for (guint i = 0; i < s->axes->len; i++) {
    guint n = g_array_index(s->axes, sweep_axis, i).n_values;
    if (s->n_points > MAX_POINTS / n) {
      g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_INVALID,
                  "%s: more than %u points", path, MAX_POINTS);
      goto out;
    }
    s->n_points *= n;
  }
  if (!has_seed) {
    /* The base's own seed starts the replicates, as `cfqsim run` would. */
    char *base_text = NULL;
    gsize base_len = 0;
    workload *w = read_base(s, &base_text, &base_len, err)
                      ? load_point(s, base_text, base_len, 0, TRUE, err)
                      : NULL;
    g_free(base_text);
    if (!w)
      goto out;
    s->seed = w->seed;
    workload_free(w);
  }
  ok = TRUE;

out:
  if (has_doc)
    yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  g_free(text);
  if (!ok) {
    sweep_free(s);
    return NULL;
  }
  return s;
}

/* ---- accessors and grid expansion ---- */

const char *sweep_base(const sweep *s) { return s->base; }
guint sweep_n_points(const sweep *s) { return s->n_points; }
guint sweep_replicates(const sweep *s) { return s->replicates; }
uint64_t sweep_seed(const sweep *s, guint r) { return s->seed + r; }
guint sweep_n_params(const sweep *s) { return s->params->len; }
guint sweep_n_metrics(const sweep *s) { return s->metrics->len; }
const char *sweep_metric(const sweep *s, guint i) {
  return g_ptr_array_index(s->metrics, i);
}

const char *sweep_param(const sweep *s, guint i) {
  return ((sweep_param_def *)g_ptr_array_index(s->params, i))->path;
}

/* Mixed radix over the axes, the last axis least significant: the index
 * of parameter `param`'s value at `point`. */
static guint value_index(const sweep *s, guint point, guint param) {
  guint rest = point;
  for (guint a = s->axes->len; a-- > 0;) {
    const sweep_axis *ax = &g_array_index(s->axes, sweep_axis, a);
    guint k = rest % ax->n_values;
    rest /= ax->n_values;
    if (param >= ax->first_param && param < ax->first_param + ax->n_params)
      return k;
  }
  g_assert_not_reached();
  return 0;
}

const char *sweep_value(const sweep *s, guint point, guint param) {
  g_return_val_if_fail(point < s->n_points && param < s->params->len, NULL);
  sweep_param_def *d = g_ptr_array_index(s->params, param);
  return g_ptr_array_index(d->values, value_index(s, point, param));
}

/* The fixed overrides first, so that a swept path wins over them. */
char **sweep_point_sets(const sweep *s, guint point) {
  guint nf = s->fixed->len;
  char **sets = g_new0(char *, nf + s->params->len + 1);
  for (guint i = 0; i < nf; i++)
    sets[i] = g_strdup(g_ptr_array_index(s->fixed, i));
  for (guint i = 0; i < s->params->len; i++)
    sets[nf + i] =
        g_strdup_printf("%s=%s", sweep_param(s, i), sweep_value(s, point, i));
  return sets;
}

/* ---- validating every point before any runs ---- */

static gboolean read_base(const sweep *s, char **text, gsize *len,
                          GError **err) {
  GError *e = NULL;
  if (g_file_get_contents(s->base, text, len, &e))
    return TRUE;
  g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_IO, "%s:%d:%d: %s", s->file,
              s->base_mark.line, s->base_mark.col, e->message);
  g_error_free(e);
  return FALSE;
}

/* The base as `cfqsim run` reads it: a fio job file, or workload YAML. */
static workload *parse_base(const sweep *s, const char *text, gsize len,
                            char **sets, GError **err) {
  if (fio_is_jobfile(s->base, text, len))
    return fio_parse(s->base, text, len, sets, err);
  return workload_parse(s->base, text, len, sets, err);
}

/* The workload of one point.  When it is invalid and `locate` is set, the
 * error points at the sweep file's value that, added to the ones before it
 * (the `set:` values, then the axes in order), makes the workload invalid,
 * and the workload's own message follows. */
static workload *load_point(const sweep *s, const char *text, gsize len,
                            guint point, gboolean locate, GError **err) {
  char **sets = sweep_point_sets(s, point);
  GError *e = NULL;
  workload *w = parse_base(s, text, len, sets, &e);
  if (!w && !locate) {
    g_propagate_error(err, e);
  } else if (!w) {
    guint n = g_strv_length(sets), k;
    for (k = 0; k < n; k++) { /* the shortest prefix that fails */
      char *saved = sets[k];
      sets[k] = NULL;
      workload *t = parse_base(s, text, len, sets, NULL);
      sets[k] = saved;
      if (!t)
        break;
      workload_free(t);
    }
    guint nf = s->fixed->len;
    sweep_mark m = s->base_mark;
    if (k > 0 && k - 1 < nf) {
      m = g_array_index(s->fixed_marks, sweep_mark, k - 1);
    } else if (k > 0) {
      const sweep_param_def *d = g_ptr_array_index(s->params, k - 1 - nf);
      m = g_array_index(d->marks, sweep_mark,
                        value_index(s, point, k - 1 - nf));
    }
    g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_INVALID,
                "%s:%d:%d: point %u%s%s%s: %s", s->file, m.line, m.col, point,
                k > 0 ? " (" : " (the base workload", k > 0 ? sets[k - 1] : "",
                ")", e->message);
    g_error_free(e);
  }
  g_strfreev(sets);
  return w;
}

static gboolean in_shard(guint point, guint k, guint n) {
  return n == 0 || point % n == k - 1;
}

gboolean sweep_check(const sweep *s, guint shard_k, guint shard_n,
                     GError **err) {
  char *text = NULL;
  gsize len = 0;
  if (!read_base(s, &text, &len, err))
    return FALSE;
  GError *first = NULL;
  guint bad = 0, checked = 0;
  for (guint p = 0; p < s->n_points; p++) {
    if (!in_shard(p, shard_k, shard_n))
      continue;
    checked++;
    /* Only the first bad point is located: the others are counted. */
    GError *e = NULL;
    workload *w = load_point(s, text, len, p, first == NULL, &e);
    if (w) {
      workload_free(w);
      continue;
    }
    bad++;
    if (!first)
      first = e;
    else
      g_error_free(e);
  }
  g_free(text);
  if (!first)
    return TRUE;
  if (bad > 1) {
    char *m = g_strdup_printf("%s (%u of the %u points are invalid; this is "
                              "the first)",
                              first->message, bad, checked);
    g_free(first->message);
    first->message = m;
  }
  g_propagate_error(err, first);
  return FALSE;
}

char *sweep_point_dir(guint point, uint64_t seed) {
  return g_strdup_printf("%u-%" G_GUINT64_FORMAT, point, seed);
}

/* ---- metrics out of metrics.json ---- */

static char *format_double(double v) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup(g_ascii_formatd(buf, sizeof buf, "%.10g", v));
}

static JsonNode *lookup(JsonNode *n, char **parts, guint i, guint np) {
  if (!n || i == np)
    return n;
  if (JSON_NODE_HOLDS_OBJECT(n)) {
    JsonObject *o = json_node_get_object(n);
    if (json_object_has_member(o, parts[i]))
      return lookup(json_object_get_member(o, parts[i]), parts, i + 1, np);
    /* p99_latency_ns -> latency_ns.p99 */
    if (g_str_has_suffix(parts[i], "_latency_ns") &&
        json_object_has_member(o, "latency_ns")) {
      JsonNode *l = json_object_get_member(o, "latency_ns");
      char *stat =
          g_strndup(parts[i], strlen(parts[i]) - strlen("_latency_ns"));
      JsonNode *r = NULL;
      if (JSON_NODE_HOLDS_OBJECT(l) &&
          json_object_has_member(json_node_get_object(l), stat))
        r = lookup(json_object_get_member(json_node_get_object(l), stat), parts,
                   i + 1, np);
      g_free(stat);
      return r;
    }
    return NULL;
  }
  if (JSON_NODE_HOLDS_ARRAY(n)) {
    JsonArray *a = json_node_get_array(n);
    /* Names may contain dots (reader.0): try the longest name first. */
    for (guint k = np; k > i; k--) {
      GString *joined = g_string_new(parts[i]);
      for (guint j = i + 1; j < k; j++)
        g_string_append_printf(joined, ".%s", parts[j]);
      for (guint e = 0; e < json_array_get_length(a); e++) {
        JsonNode *el = json_array_get_element(a, e);
        if (!JSON_NODE_HOLDS_OBJECT(el))
          continue;
        const char *nm = json_object_get_string_member_with_default(
            json_node_get_object(el), "name", NULL);
        if (nm && strcmp(nm, joined->str) == 0) {
          g_string_free(joined, TRUE);
          return lookup(el, parts, k, np);
        }
      }
      g_string_free(joined, TRUE);
    }
  }
  return NULL;
}

static char *node_text(JsonNode *n) {
  if (!n)
    return g_strdup("");
  if (JSON_NODE_HOLDS_ARRAY(n))
    return g_strdup_printf("%u", json_array_get_length(json_node_get_array(n)));
  if (!JSON_NODE_HOLDS_VALUE(n))
    return g_strdup("");
  switch (json_node_get_value_type(n) == G_TYPE_INT64     ? 0
          : json_node_get_value_type(n) == G_TYPE_DOUBLE  ? 1
          : json_node_get_value_type(n) == G_TYPE_BOOLEAN ? 2
                                                          : 3) {
  case 0: return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
  case 1: return format_double(json_node_get_double(n));
  case 2: return g_strdup(json_node_get_boolean(n) ? "true" : "false");
  default:
    return g_strdup(json_node_get_string(n) ? json_node_get_string(n) : "");
  }
}

/* Devices do not compete with each other, so totals are sums. */
static char *device_sum(JsonNode *root, const char *member) {
  JsonObject *o = json_node_get_object(root);
  if (!json_object_has_member(o, "devices"))
    return g_strdup("");
  JsonArray *a = json_object_get_array_member(o, "devices");
  double sum = 0;
  for (guint i = 0; i < json_array_get_length(a); i++)
    sum += json_object_get_double_member_with_default(
        json_array_get_object_element(a, i), member, 0.0);
  return format_double(sum);
}

static char *metric_text(JsonNode *root, const char *metric) {
  if (!root || !JSON_NODE_HOLDS_OBJECT(root))
    return g_strdup("");
  if (strcmp(metric, "throughput_bps") == 0 || strcmp(metric, "iops") == 0)
    return device_sum(root, metric);
  const char *path = strcmp(metric, "jain") == 0 ? "fairness.jain" : metric;
  char **parts = g_strsplit(path, ".", -1);
  char *t = node_text(lookup(root, parts, 0, g_strv_length(parts)));
  g_strfreev(parts);
  return t;
}

char *sweep_metric_value(const char *metric, const char *metrics_json) {
  JsonParser *p = json_parser_new();
  char *t = json_parser_load_from_data(p, metrics_json, -1, NULL)
                ? metric_text(json_parser_get_root(p), metric)
                : g_strdup("");
  g_object_unref(p);
  return t;
}

/* ---- results rows ---- */

static char *results_header(const sweep *s) {
  GString *h = g_string_new("point");
  for (guint i = 0; i < s->params->len; i++) {
    g_string_append_c(h, ',');
    report_csv_field(h, sweep_param(s, i));
  }
  g_string_append(h, ",seed");
  for (guint i = 0; i < s->metrics->len; i++) {
    g_string_append_c(h, ',');
    report_csv_field(h, sweep_metric(s, i));
  }
  return g_string_free(h, FALSE);
}

/* A failed run's row: its point and seed, no metrics. */
static char *failed_row(const sweep *s, guint point, uint64_t seed) {
  GString *row = g_string_new(NULL);
  g_string_append_printf(row, "%u", point);
  for (guint i = 0; i < s->params->len; i++) {
    g_string_append_c(row, ',');
    report_csv_field(row, sweep_value(s, point, i));
  }
  g_string_append_printf(row, ",%" G_GUINT64_FORMAT, seed);
  for (guint i = 0; i < s->metrics->len; i++)
    g_string_append_c(row, ',');
  return g_string_free(row, FALSE);
}

static char *results_row(const sweep *s, guint point, uint64_t seed,
                         const char *metrics_json, GError **err) {
  JsonParser *p = json_parser_new();
  if (!json_parser_load_from_data(p, metrics_json, -1, err)) {
    g_object_unref(p);
    return NULL;
  }
  JsonNode *root = json_parser_get_root(p);
  GString *row = g_string_new(NULL);
  g_string_append_printf(row, "%u", point);
  for (guint i = 0; i < s->params->len; i++) {
    g_string_append_c(row, ',');
    report_csv_field(row, sweep_value(s, point, i));
  }
  g_string_append_printf(row, ",%" G_GUINT64_FORMAT, seed);
  for (guint i = 0; i < s->metrics->len; i++) {
    char *t = metric_text(root, sweep_metric(s, i));
    g_string_append_c(row, ',');
    report_csv_field(row, t);
    g_free(t);
  }
  g_object_unref(p);
  return g_string_free(row, FALSE);
}

/* ---- running ---- */

typedef struct sweep_job {
  guint point, replicate;
  char *row;
  GError *error;
} sweep_job;

typedef struct sweep_ctx {
  const sweep *s;
  const sweep_options *o;
  GMutex lock;
  GCond cond;
  guint done;
} sweep_ctx;

static char *job_dir(const sweep_ctx *c, const sweep_job *j) {
  char *name = sweep_point_dir(j->point, sweep_seed(c->s, j->replicate));
  char *dir = g_build_filename(c->o->out_dir, "points", name, NULL);
  g_free(name);
  return dir;
}

static char *run_point(const sweep_ctx *c, const sweep_job *j, GError **err) {
  uint64_t seed = sweep_seed(c->s, j->replicate);
  char **sets = sweep_point_sets(c->s, j->point);
  char *dir = job_dir(c, j), *json = NULL;
  sim_run *r = NULL;
  workload *w = fio_load_any(c->s->base, sets, err);
  if (!w)
    goto out;
  run_options o = RUN_OPTIONS_INIT;
  o.has_seed = true;
  o.seed = seed;
  o.out_dir = dir; /* the point's results stream there as it runs */
  r = sim_run_new(w, &o, err);
  if (!r || sim_run_go(r, err) == SIM_ERROR)
    goto out;
  if (!sim_run_write(r, NULL, NULL, err))
    goto out;
  json = report_metrics_json(sim_run_result(r));
out:
  sim_run_free(r);
  workload_free(w);
  g_strfreev(sets);
  g_free(dir);
  return json;
}

static char *collect_point(const sweep_ctx *c, const sweep_job *j,
                           GError **err) {
  char *dir = job_dir(c, j);
  char *file = g_build_filename(dir, "metrics.json", NULL), *json = NULL;
  if (!g_file_get_contents(file, &json, NULL, NULL))
    g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_IO,
                "%s is missing: run the point's command (see --list) first",
                file);
  g_free(file);
  g_free(dir);
  return json;
}

static void job_func(gpointer data, gpointer user) {
  sweep_job *j = data;
  sweep_ctx *c = user;
  GError *err = NULL;
  char *json =
      c->o->collect ? collect_point(c, j, &err) : run_point(c, j, &err);
  if (json)
    j->row =
        results_row(c->s, j->point, sweep_seed(c->s, j->replicate), json, &err);
  if (err) {
    char *where = sweep_point_dir(j->point, sweep_seed(c->s, j->replicate));
    /* Keep the domain: a workload error stays bad input. */
    g_propagate_prefixed_error(&j->error, err, "point %s: ", where);
    g_free(where);
  }
  g_free(json);
  g_mutex_lock(&c->lock);
  c->done++;
  g_cond_signal(&c->cond);
  g_mutex_unlock(&c->lock);
}

static char *hms(gint64 us) {
  gint64 s = us / G_USEC_PER_SEC;
  return g_strdup_printf("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600,
                         (int)(s / 60 % 60), (int)(s % 60));
}

/* Wall-clock time reaches the terminal only, never a result. */
static void progress(guint done, guint total, gint64 start) {
  gint64 el = g_get_monotonic_time() - start;
  char *e = hms(el);
  char *eta = done ? hms(el / done * (total - done)) : g_strdup("?");
  fprintf(stderr, "\rpoints %u/%u, elapsed %s, ETA %s ", done, total, e, eta);
  fflush(stderr);
  g_free(e);
  g_free(eta);
}

static gboolean write_file(const char *dir, const char *name,
                           const char *contents, GError **err) {
  if (g_mkdir_with_parents(dir, 0777) != 0) {
    int e = errno;
    g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_IO, "cannot create %s: %s", dir,
                g_strerror(e));
    return FALSE;
  }
  char *path = g_build_filename(dir, name, NULL);
  /* g_file_set_contents writes a temporary file and renames it. */
  gboolean ok = g_file_set_contents(path, contents, -1, err);
  g_free(path);
  return ok;
}

/* Before anything is written: DIR is missing, empty or a sweep of ours,
 * and then says so itself, so that a sweep cut short stays recognisable. */
static gboolean claim_dir(const char *dir, GError **err) {
  if (!outdir_may_replace(dir, OUTDIR_SWEEP, err))
    return FALSE;
  static const char *const names[] = {"results.csv", "shard.txt"};
  char *marker = outdir_marker_text(OUTDIR_SWEEP, names, G_N_ELEMENTS(names));
  gboolean ok = write_file(dir, OUTDIR_MARKER, marker, err);
  g_free(marker);
  return ok;
}

static char *shard_text(const sweep *s, guint k, guint n) {
  return g_strdup_printf("shard %u/%u\npoints %u\nreplicates %u\n", n ? k : 1,
                         n ? n : 1, s->n_points, s->replicates);
}

guint sweep_threads(const sweep_options *o, guint runs) {
  guint threads = o->jobs ? o->jobs : g_get_num_processors();
  return MAX(MIN(threads, runs), 1);
}

/* One CSV field on one line: merging splits results.csv into lines. */
static void append_error_field(GString *csv, const char *message) {
  char *flat = g_strdup(message);
  for (char *c = flat; *c; c++)
    if (*c == '\n' || *c == '\r')
      *c = ' ';
  g_string_append_c(csv, ',');
  report_csv_field(csv, flat);
  g_free(flat);
}

gboolean sweep_run(const sweep *s, const sweep_options *o, GError **err) {
  g_return_val_if_fail(s != NULL && o != NULL && o->out_dir != NULL, FALSE);
  if (o->shard_n && (o->shard_k < 1 || o->shard_k > o->shard_n)) {
    g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_INVALID,
                "--shard K/N needs 1 <= K <= N");
    return FALSE;
  }
  if (!outdir_may_replace(o->out_dir, OUTDIR_SWEEP, err) ||
      (!o->collect && !sweep_check(s, o->shard_k, o->shard_n, err)) ||
      !claim_dir(o->out_dir, err))
    return FALSE;
  GArray *jobs = g_array_new(FALSE, TRUE, sizeof(sweep_job));
  for (guint p = 0; p < s->n_points; p++)
    if (in_shard(p, o->shard_k, o->shard_n))
      for (guint r = 0; r < s->replicates; r++) {
        sweep_job j = {p, r, NULL, NULL};
        g_array_append_val(jobs, j);
      }

  sweep_ctx c = {.s = s, .o = o};
  g_mutex_init(&c.lock);
  g_cond_init(&c.cond);
  /* An exclusive pool starts all its threads at once. */
  GThreadPool *pool = g_thread_pool_new(
      job_func, &c, (gint)MIN(sweep_threads(o, jobs->len), (guint)G_MAXINT),
      TRUE, NULL);
  /* Pushed as pointers into the array, which no longer grows. */
  for (guint i = 0; i < jobs->len; i++)
    g_thread_pool_push(pool, &g_array_index(jobs, sweep_job, i), NULL);

  gint64 start = g_get_monotonic_time(), shown = 0;
  g_mutex_lock(&c.lock);
  while (c.done < jobs->len) {
    /* At most ten refreshes a second, however fast the points are. */
    if (o->progress && g_get_monotonic_time() - shown >= G_USEC_PER_SEC / 10) {
      progress(c.done, jobs->len, start);
      shown = g_get_monotonic_time();
    }
    g_cond_wait_until(&c.cond, &c.lock,
                      g_get_monotonic_time() + G_USEC_PER_SEC / 2);
  }
  g_mutex_unlock(&c.lock);
  g_thread_pool_free(pool, FALSE, TRUE);
  if (o->progress) {
    progress(jobs->len, jobs->len, start);
    fputc('\n', stderr);
  }

  /* Every run's row in job order, failed ones too. */
  guint failed = 0;
  GError *first = NULL;
  for (guint i = 0; i < jobs->len; i++) {
    sweep_job *j = &g_array_index(jobs, sweep_job, i);
    if (j->error && !first)
      first = g_error_copy(j->error);
    failed += j->error != NULL;
  }
  char *header = results_header(s);
  GString *csv = g_string_new(header);
  if (failed)
    g_string_append(csv, "," SWEEP_ERROR_COLUMN);
  g_string_append_c(csv, '\n');
  for (guint i = 0; i < jobs->len; i++) {
    sweep_job *j = &g_array_index(jobs, sweep_job, i);
    if (j->error) {
      char *row = failed_row(s, j->point, sweep_seed(s, j->replicate));
      g_string_append(csv, row);
      append_error_field(csv, j->error->message);
      g_free(row);
    } else {
      g_string_append(csv, j->row);
      if (failed)
        g_string_append_c(csv, ',');
    }
    g_string_append_c(csv, '\n');
    g_clear_error(&j->error);
    g_free(j->row);
  }
  char *shard = shard_text(s, o->shard_k, o->shard_n);
  gboolean ok = write_file(o->out_dir, "results.csv", csv->str, err) &&
                write_file(o->out_dir, "shard.txt", shard, err);
  g_free(shard);
  if (ok && failed) {
    char *res = g_build_filename(o->out_dir, "results.csv", NULL);
    g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_RUN,
                "%u of %u runs failed (see the %s column of %s); the first: %s",
                failed, jobs->len, SWEEP_ERROR_COLUMN, res, first->message);
    g_free(res);
    ok = FALSE;
  }
  if (first)
    g_error_free(first);
  g_string_free(csv, TRUE);
  g_free(header);
  g_array_unref(jobs);
  g_mutex_clear(&c.lock);
  g_cond_clear(&c.cond);
  return ok;
}

char *sweep_list(const sweep *s, const char *program, const char *out_dir,
                 guint shard_k, guint shard_n) {
  GString *out = g_string_new(NULL);
  char *prog = g_shell_quote(program), *base = g_shell_quote(s->base);
  for (guint p = 0; p < s->n_points; p++) {
    if (!in_shard(p, shard_k, shard_n))
      continue;
    for (guint r = 0; r < s->replicates; r++) {
      uint64_t seed = sweep_seed(s, r);
      g_string_append_printf(out, "%s run %s --quiet --seed %" G_GUINT64_FORMAT,
                             prog, base, seed);
      char **sets = sweep_point_sets(s, p);
      for (char **kv = sets; *kv; kv++) {
        char *q = g_shell_quote(*kv);
        g_string_append_printf(out, " --set %s", q);
        g_free(q);
      }
      g_strfreev(sets);
      char *name = sweep_point_dir(p, seed);
      char *dir = g_build_filename(out_dir, "points", name, NULL);
      char *q = g_shell_quote(dir);
      g_string_append_printf(out, " -o %s\n", q);
      g_free(q);
      g_free(dir);
      g_free(name);
    }
  }
  g_free(prog);
  g_free(base);
  return g_string_free(out, FALSE);
}

/* ---- merging shards ---- */

typedef struct merged_row {
  guint point, order;
  const char *text;   /* the line without its newline */
  gboolean has_error; /* its shard has the error column */
} merged_row;

static gint cmp_row(gconstpointer a, gconstpointer b) {
  const merged_row *x = a, *y = b;
  if (x->point != y->point)
    return x->point < y->point ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static gboolean read_shard(const char *dir, char **results, guint *k, guint *n,
                           guint *points, guint *reps, GError **err) {
  char *rpath = g_build_filename(dir, "results.csv", NULL);
  char *spath = g_build_filename(dir, "shard.txt", NULL);
  char *shard = NULL;
  gboolean ok = FALSE;
  if (!g_file_get_contents(rpath, results, NULL, NULL) ||
      !g_file_get_contents(spath, &shard, NULL, NULL)) {
    g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_IO,
                "%s is not a sweep or shard directory (needs results.csv and "
                "shard.txt)",
                dir);
    goto out;
  }
  if (sscanf(shard, "shard %u/%u\npoints %u\nreplicates %u", k, n, points,
             reps) != 4 ||
      *k < 1 || *k > *n) {
    g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_INVALID, "%s: malformed", spath);
    goto out;
  }
  ok = TRUE;
out:
  g_free(rpath);
  g_free(spath);
  g_free(shard);
  return ok;
}

gboolean sweep_merge(char **dirs, const char *out_dir, GError **err) {
  g_return_val_if_fail(dirs != NULL && out_dir != NULL, FALSE);
  GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);
  GArray *rows = g_array_new(FALSE, FALSE, sizeof(merged_row));
  char *header = NULL;
  guint n_shards = 0, points = 0, reps = 0, order = 0;
  GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
  gboolean ok = FALSE, any_error = FALSE;

  if (!outdir_may_replace(out_dir, OUTDIR_SWEEP, err))
    goto out;
  for (char **d = dirs; *d; d++) {
    char *text = NULL;
    guint k, n, p, r;
    if (!read_shard(*d, &text, &k, &n, &p, &r, err))
      goto out;
    g_ptr_array_add(texts, text);
    char *nl = strchr(text, '\n');
    if (!nl) {
      g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_INVALID,
                  "%s/results.csv has no header", *d);
      goto out;
    }
    *nl = '\0';
    /* Shards without failures have no error column. */
    gboolean has_error = g_str_has_suffix(text, "," SWEEP_ERROR_COLUMN);
    if (has_error)
      text[strlen(text) - strlen("," SWEEP_ERROR_COLUMN)] = '\0';
    any_error |= has_error;
    if (!header) {
      header = g_strdup(text);
      n_shards = n;
      points = p;
      reps = r;
    } else if (strcmp(header, text) != 0 || n != n_shards || p != points ||
               r != reps) {
      g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_INVALID,
                  "%s belongs to a different sweep or split than %s", *d,
                  dirs[0]);
      goto out;
    }
    if (g_hash_table_contains(seen, GUINT_TO_POINTER(k))) {
      g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_INVALID,
                  "shard %u/%u is given twice (%s)", k, n, *d);
      goto out;
    }
    g_hash_table_add(seen, GUINT_TO_POINTER(k));
    for (char *line = nl + 1; *line;) {
      char *end = strchr(line, '\n');
      char *next = end ? end + 1 : line + strlen(line);
      char *stop;
      guint64 point = g_ascii_strtoull(line, &stop, 10);
      if (stop == line || *stop != ',' || point >= points ||
          point % n_shards != k - 1) {
        g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_INVALID,
                    "%s/results.csv: bad row '%.*s'", *d,
                    (int)(end ? end - line : (long)strlen(line)), line);
        goto out;
      }
      merged_row m = {(guint)point, order++, line, has_error};
      g_array_append_val(rows, m);
      if (end)
        *end = '\0';
      line = next;
    }
  }
  if (!header) {
    g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_INVALID, "no shard directories");
    goto out;
  }
  if (g_hash_table_size(seen) != n_shards ||
      rows->len != (guint64)points * reps) {
    g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_INVALID,
                "incomplete: %u of %u shards, %u of %u rows",
                g_hash_table_size(seen), n_shards, rows->len, points * reps);
    goto out;
  }
  g_array_sort(rows, cmp_row);
  GString *csv = g_string_new(header);
  guint failed = 0;
  if (any_error)
    g_string_append(csv, "," SWEEP_ERROR_COLUMN);
  g_string_append_c(csv, '\n');
  for (guint i = 0; i < rows->len; i++) {
    const merged_row *m = &g_array_index(rows, merged_row, i);
    /* A row's error is its last field: empty when the run succeeded. */
    failed += m->has_error && !g_str_has_suffix(m->text, ",");
    g_string_append_printf(csv, "%s%s\n", m->text,
                           any_error && !m->has_error ? "," : "");
  }
  char *shard =
      g_strdup_printf("shard 1/1\npoints %u\nreplicates %u\n", points, reps);
  ok = claim_dir(out_dir, err) &&
       write_file(out_dir, "results.csv", csv->str, err) &&
       write_file(out_dir, "shard.txt", shard, err);
  g_free(shard);
  g_string_free(csv, TRUE);
  if (ok && failed) {
    g_set_error(err, SWEEP_ERROR, SWEEP_ERROR_RUN,
                "%u of %u runs failed (see the %s column of %s/results.csv)",
                failed, rows->len, SWEEP_ERROR_COLUMN, out_dir);
    ok = FALSE;
  }

out:
  g_hash_table_unref(seen);
  g_free(header);
  g_array_unref(rows);
  g_ptr_array_unref(texts);
  return ok;
}
