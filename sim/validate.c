/* Validation experiments: the reference block, the runs, the judgement and
 * the tables (sim/validate.h).
 *
 * Determinism: every run is a pure function of (workload, overrides); the
 * pool only decides when a run happens.  Results are stored by run index
 * and every table is written in experiment, series and point order. */
#include "sim/validate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <yaml.h>

#include "sim/core/params.h"
#include "sim/gnuplot.h"
#include "sim/report.h"
#include "sim/run.h"
#include "sim/sweep.h"
#include "sim/workload.h"

/* clang-format off */
G_DEFINE_QUARK(cfqsim-validate-error-quark, validate_error)
/* clang-format on */

typedef enum { MODE_SHAPE, MODE_ABSOLUTE } vmode;

typedef struct vpoint {
  char *label;
  char *x;         /* the value written at reference.x, or NULL */
  GPtrArray *sets; /* the point's own "path=value" */
  char *metric;    /* the point's, else the series' */
  double published;
  guint run;  /* index into the experiment's runs */
  double sim; /* cfqsim's figure in the published unit; NAN: none */
} vpoint;

typedef struct vseries {
  char *name, *metric, *unit;
  char *known_gap; /* the series' own, or NULL */
  double divisor;  /* raw metric / divisor = the published unit */
  GPtrArray *sets, *stand_in;
  GArray *points; /* vpoint */
} vseries;

typedef struct vneed {
  char *feature, *why;
  GPtrArray *sets;
} vneed;

typedef struct vrun {
  char **sets; /* NULL-terminated, all overrides of the run */
  char *json;  /* metrics.json, NULL until run */
  char *error;
} vrun;

struct validate_exp {
  char *file, *id;
  char *author, *venue, *date, *url, *message_id, *note, *kernel, *hardware;
  char *method;
  vmode mode;
  double tolerance;
  char *known_gap;
  GPtrArray *needs; /* vneed * */
  char *x, *x_label;
  GPtrArray *quick;  /* "path=value" */
  GPtrArray *series; /* vseries * */
  /* filled by validate_run */
  char *missing;   /* the unmet needs, or NULL */
  GPtrArray *runs; /* vrun * */
  validate_status status;
  char *reason;
};

const char *validate_status_name(validate_status s) {
  switch (s) {
  case VALIDATE_PASS: return "pass";
  case VALIDATE_GAP: return "known gap";
  case VALIDATE_FAIL: return "FAIL";
  case VALIDATE_ERROR: return "ERROR";
  }
  return "?";
}

/* ---- freeing ---- */

static void point_clear(vpoint *p) {
  g_free(p->label);
  g_free(p->x);
  g_free(p->metric);
  if (p->sets)
    g_ptr_array_unref(p->sets);
}

static void series_free(gpointer data) {
  vseries *s = data;
  g_free(s->name);
  g_free(s->metric);
  g_free(s->unit);
  g_free(s->known_gap);
  g_ptr_array_unref(s->sets);
  g_ptr_array_unref(s->stand_in);
  g_array_unref(s->points);
  g_free(s);
}

static void need_free(gpointer data) {
  vneed *n = data;
  g_free(n->feature);
  g_free(n->why);
  g_ptr_array_unref(n->sets);
  g_free(n);
}

static void run_free(gpointer data) {
  vrun *r = data;
  g_strfreev(r->sets);
  g_free(r->json);
  g_free(r->error);
  g_free(r);
}

void validate_exp_free(validate_exp *e) {
  if (!e)
    return;
  g_free(e->file);
  g_free(e->id);
  g_free(e->author);
  g_free(e->venue);
  g_free(e->date);
  g_free(e->url);
  g_free(e->message_id);
  g_free(e->note);
  g_free(e->kernel);
  g_free(e->hardware);
  g_free(e->method);
  g_free(e->known_gap);
  g_free(e->x);
  g_free(e->x_label);
  g_free(e->missing);
  g_free(e->reason);
  g_ptr_array_unref(e->needs);
  g_ptr_array_unref(e->quick);
  g_ptr_array_unref(e->series);
  if (e->runs)
    g_ptr_array_unref(e->runs);
  g_free(e);
}

const char *validate_exp_id(const validate_exp *e) { return e->id; }
validate_status validate_exp_status(const validate_exp *e) { return e->status; }
const char *validate_exp_reason(const validate_exp *e) {
  return e->reason ? e->reason : "";
}

/* ---- the reference block ---- */

typedef struct pctx {
  const char *file;
  yaml_document_t *doc;
  GError **err;
} pctx;

static gboolean G_GNUC_PRINTF(3, 4)
    fail_at(const pctx *c, const yaml_node_t *n, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  g_autofree char *msg = g_strdup_vprintf(format, ap);
  va_end(ap);
  g_set_error(c->err, VALIDATE_ERROR_DOMAIN, VALIDATE_ERROR_INVALID,
              "%s:%d:%d: %s", c->file, (int)n->start_mark.line + 1,
              (int)n->start_mark.column + 1, msg);
  return FALSE;
}

static yaml_node_t *node(const pctx *c, int id) {
  return yaml_document_get_node(c->doc, id);
}

static const char *scalar(const yaml_node_t *n) {
  return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
                                          : NULL;
}

/* Every key of map `m` is one of `allowed`, each once. */
static gboolean check_keys(const pctx *c, const yaml_node_t *m,
                           const char *const *allowed, const char *where) {
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
       p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node(c, p->key);
    const char *key = scalar(k);
    if (!key)
      return fail_at(c, k, "a key must be a plain name");
    for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++)
      if (g_strcmp0(scalar(node(c, q->key)), key) == 0)
        return fail_at(c, k, "duplicate key '%s' %s", key, where);
    gboolean ok = FALSE;
    for (int i = 0; allowed[i] && !ok; i++)
      ok = strcmp(allowed[i], key) == 0;
    if (!ok) {
      const char *hint = params_suggest_name(allowed, key);
      return fail_at(c, k, "unknown key '%s' %s%s%s%s", key, where,
                     hint ? " (did you mean '" : "", hint ? hint : "",
                     hint ? "'?)" : "");
    }
  }
  return TRUE;
}

static yaml_node_t *get(const pctx *c, const yaml_node_t *m, const char *key) {
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
       p < m->data.mapping.pairs.top; p++)
    if (g_strcmp0(scalar(node(c, p->key)), key) == 0)
      return node(c, p->value);
  return NULL;
}

/* A required (or, with `opt`, optional) non-empty text. */
static gboolean text(const pctx *c, const yaml_node_t *m, const char *key,
                     gboolean opt, char **out) {
  yaml_node_t *v = get(c, m, key);
  if (!v) {
    if (opt)
      return TRUE;
    return fail_at(c, m, "missing key '%s'", key);
  }
  const char *s = scalar(v);
  if (!s || !*s)
    return fail_at(c, v, "'%s' must be a non-empty value", key);
  *out = g_strdup(s);
  return TRUE;
}

static gboolean number(const pctx *c, const yaml_node_t *v, const char *what,
                       double *out) {
  const char *s = scalar(v);
  char *end = NULL;
  double d = s ? g_ascii_strtod(s, &end) : 0;
  if (!s || !*s || end == s || *end || !isfinite(d))
    return fail_at(c, v, "%s must be a number, not '%s'", what, s ? s : "");
  *out = d;
  return TRUE;
}

/* `12%` or a fraction `0.12`; in (0, 1]. */
static gboolean tolerance(const pctx *c, const yaml_node_t *v, double *out) {
  const char *s = scalar(v);
  char *end = NULL;
  double d = s ? g_ascii_strtod(s, &end) : NAN;
  if (s && end && *end == '%' && end[1] == '\0')
    d /= 100;
  else if (!s || !end || end == s || *end)
    d = NAN;
  if (!(d > 0 && d <= 1))
    return fail_at(c, v,
                   "tolerance must be a percentage (15%%) or a fraction "
                   "(0.15) above 0 and at most 1, not '%s'",
                   s ? s : "");
  *out = d;
  return TRUE;
}

/* `{path: value, ...}` -> "path=value" strings. */
static gboolean sets(const pctx *c, const yaml_node_t *m, const char *key,
                     GPtrArray *out) {
  yaml_node_t *v = get(c, m, key);
  if (!v)
    return TRUE;
  if (v->type != YAML_MAPPING_NODE)
    return fail_at(c, v, "'%s' must be a map of workload path: value", key);
  for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
       p < v->data.mapping.pairs.top; p++) {
    const char *k = scalar(node(c, p->key)), *val = scalar(node(c, p->value));
    if (!k || !*k || strchr(k, '='))
      return fail_at(c, node(c, p->key), "'%s' keys are dotted workload paths",
                     key);
    if (!val)
      return fail_at(c, node(c, p->value), "the value of '%s' must be plain",
                     k);
    g_ptr_array_add(out, g_strdup_printf("%s=%s", k, val));
  }
  return TRUE;
}

static GPtrArray *str_array(void) {
  return g_ptr_array_new_with_free_func(g_free);
}

/* What a published unit is in cfqsim's units (bytes/s, ns, counts). */
static gboolean unit_divisor(const char *unit, double *div) {
  static const struct {
    const char *name;
    double div;
  } units[] = {
      {"1", 1},      {"B/s", 1},           {"KB/s", 1e3}, {"KiB/s", 1024},
      {"MB/s", 1e6}, {"MiB/s", 1048576.0}, {"GB/s", 1e9}, {"ns", 1},
      {"us", 1e3},   {"ms", 1e6},          {"s", 1e9},    {"IOPS", 1},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(units); i++)
    if (strcmp(units[i].name, unit) == 0) {
      *div = units[i].div;
      return TRUE;
    }
  return FALSE;
}

static const char *const source_keys[] = {"author",     "venue", "date", "url",
                                          "message_id", "note",  NULL};

static gboolean parse_source(const pctx *c, const yaml_node_t *ref,
                             validate_exp *e) {
  yaml_node_t *s = get(c, ref, "source");
  if (!s)
    return fail_at(c, ref,
                   "missing key 'source' (author, venue, date, url "
                   "or message_id)");
  if (s->type != YAML_MAPPING_NODE)
    return fail_at(c, s,
                   "'source' must be a map (author, venue, date, url "
                   "or message_id)");
  if (!check_keys(c, s, source_keys, "in source") ||
      !text(c, s, "author", FALSE, &e->author) ||
      !text(c, s, "venue", FALSE, &e->venue) ||
      !text(c, s, "date", FALSE, &e->date) ||
      !text(c, s, "url", TRUE, &e->url) ||
      !text(c, s, "message_id", TRUE, &e->message_id) ||
      !text(c, s, "note", TRUE, &e->note))
    return FALSE;
  if (!e->url && !e->message_id && !e->note)
    return fail_at(c, s,
                   "source needs a 'url' or a 'message_id' where the "
                   "figures can be read (or a 'note' saying why there "
                   "is none)");
  return TRUE;
}

static const char *const need_keys[] = {"feature", "why", "set", NULL};

static gboolean parse_needs(const pctx *c, const yaml_node_t *ref,
                            validate_exp *e) {
  yaml_node_t *l = get(c, ref, "needs");
  if (!l)
    return TRUE;
  if (l->type != YAML_SEQUENCE_NODE)
    return fail_at(c, l, "'needs' must be a list of {feature, why, set}");
  for (yaml_node_item_t *it = l->data.sequence.items.start;
       it < l->data.sequence.items.top; it++) {
    yaml_node_t *m = node(c, *it);
    if (m->type != YAML_MAPPING_NODE)
      return fail_at(c, m, "a need is a map {feature, why, set}");
    vneed *n = g_new0(vneed, 1);
    n->sets = str_array();
    g_ptr_array_add(e->needs, n);
    if (!check_keys(c, m, need_keys, "in a need") ||
        !text(c, m, "feature", FALSE, &n->feature) ||
        !text(c, m, "why", FALSE, &n->why) || !sets(c, m, "set", n->sets))
      return FALSE;
    if (n->sets->len == 0)
      return fail_at(c, m,
                     "need '%s' has no 'set': the overrides that "
                     "exist only with the feature tell whether this "
                     "build has it",
                     n->feature);
  }
  return TRUE;
}

static const char *const point_keys[] = {"x",      "label", "published",
                                         "metric", "set",   NULL};

static gboolean parse_point(const pctx *c, const yaml_node_t *m,
                            const validate_exp *e, vseries *s) {
  if (m->type != YAML_MAPPING_NODE)
    return fail_at(c, m, "a point is a map {x or label, published}");
  vpoint p = {.sets = str_array(), .sim = NAN};
  g_array_append_val(s->points, p);
  vpoint *q = &g_array_index(s->points, vpoint, s->points->len - 1);
  if (!check_keys(c, m, point_keys, "in a point") ||
      !text(c, m, "x", TRUE, &q->x) || !text(c, m, "label", TRUE, &q->label) ||
      !text(c, m, "metric", TRUE, &q->metric) || !sets(c, m, "set", q->sets))
    return FALSE;
  yaml_node_t *pub = get(c, m, "published");
  if (!pub)
    return fail_at(c, m, "a point needs 'published': the source's figure");
  if (!number(c, pub, "published", &q->published))
    return FALSE;
  if (q->published == 0)
    return fail_at(c, pub, "published is 0: ratios to it are undefined");
  if (q->x && !e->x)
    return fail_at(c, get(c, m, "x"),
                   "a point has 'x' but the reference has "
                   "no 'x' path to write it to");
  if (!q->x && !q->label)
    return fail_at(c, m, "a point needs 'x' or 'label'");
  if (!q->label)
    q->label = g_strdup(q->x);
  if (!q->metric && s->metric)
    q->metric = g_strdup(s->metric);
  if (!q->metric)
    return fail_at(c, m, "no metric: give the series or the point one");
  return TRUE;
}

static const char *const series_keys[] = {
    "name", "metric", "unit", "set", "stand_in", "known_gap", "points", NULL};

static gboolean parse_series(const pctx *c, const yaml_node_t *ref,
                             validate_exp *e) {
  yaml_node_t *l = get(c, ref, "series");
  if (!l)
    return fail_at(c, ref, "missing key 'series' (the published figures)");
  if (l->type != YAML_SEQUENCE_NODE ||
      l->data.sequence.items.start == l->data.sequence.items.top)
    return fail_at(c, l, "'series' must be a non-empty list");
  for (yaml_node_item_t *it = l->data.sequence.items.start;
       it < l->data.sequence.items.top; it++) {
    yaml_node_t *m = node(c, *it);
    if (m->type != YAML_MAPPING_NODE)
      return fail_at(c, m, "a series is a map {name, metric, unit, points}");
    vseries *s = g_new0(vseries, 1);
    s->sets = str_array();
    s->stand_in = str_array();
    s->points = g_array_new(FALSE, TRUE, sizeof(vpoint));
    g_array_set_clear_func(s->points, (GDestroyNotify)point_clear);
    g_ptr_array_add(e->series, s);
    if (!check_keys(c, m, series_keys, "in a series") ||
        !text(c, m, "name", FALSE, &s->name) ||
        !text(c, m, "metric", TRUE, &s->metric) ||
        !text(c, m, "unit", TRUE, &s->unit) ||
        !text(c, m, "known_gap", TRUE, &s->known_gap) ||
        !sets(c, m, "set", s->sets) || !sets(c, m, "stand_in", s->stand_in))
      return FALSE;
    if (!s->unit)
      s->unit = g_strdup("1");
    if (!unit_divisor(s->unit, &s->divisor))
      return fail_at(c, get(c, m, "unit"),
                     "unknown unit '%s' (1, B/s, KB/s, "
                     "KiB/s, MB/s, MiB/s, GB/s, ns, us, ms, s, IOPS)",
                     s->unit);
    yaml_node_t *pts = get(c, m, "points");
    if (!pts)
      return fail_at(c, m, "series '%s' has no 'points'", s->name);
    if (pts->type != YAML_SEQUENCE_NODE ||
        pts->data.sequence.items.start == pts->data.sequence.items.top)
      return fail_at(c, pts, "'points' must be a non-empty list");
    for (yaml_node_item_t *pi = pts->data.sequence.items.start;
         pi < pts->data.sequence.items.top; pi++)
      if (!parse_point(c, node(c, *pi), e, s))
        return FALSE;
  }
  return TRUE;
}

static const char *const reference_keys[] = {
    "source",    "kernel",    "hardware", "method", "mode",
    "tolerance", "known_gap", "needs",    "x",      "x_label",
    "quick",     "series",    NULL};

static gboolean parse_reference(const pctx *c, const yaml_node_t *root,
                                validate_exp *e) {
  if (!root || root->type != YAML_MAPPING_NODE) {
    g_set_error(c->err, VALIDATE_ERROR_DOMAIN, VALIDATE_ERROR_INVALID,
                "%s:1:1: an experiment is a workload (a map) with a "
                "'reference' block",
                c->file);
    return FALSE;
  }
  yaml_node_t *ref = get(c, root, "reference");
  if (!ref)
    return fail_at(c, root,
                   "no 'reference' block: not a validation "
                   "experiment");
  if (ref->type != YAML_MAPPING_NODE)
    return fail_at(c, ref, "'reference' must be a map");
  g_autofree char *mode = NULL;
  if (!check_keys(c, ref, reference_keys, "in reference") ||
      !parse_source(c, ref, e) || !text(c, ref, "kernel", FALSE, &e->kernel) ||
      !text(c, ref, "hardware", FALSE, &e->hardware) ||
      !text(c, ref, "method", TRUE, &e->method) ||
      !text(c, ref, "mode", TRUE, &mode) ||
      !text(c, ref, "known_gap", TRUE, &e->known_gap) ||
      !text(c, ref, "x", TRUE, &e->x) ||
      !text(c, ref, "x_label", TRUE, &e->x_label) ||
      !sets(c, ref, "quick", e->quick) || !parse_needs(c, ref, e))
    return FALSE;
  if (mode && strcmp(mode, "shape") != 0 && strcmp(mode, "absolute") != 0)
    return fail_at(c, get(c, ref, "mode"),
                   "mode must be shape (ratios to each series' first point) "
                   "or absolute, not '%s'",
                   mode);
  e->mode = mode && strcmp(mode, "absolute") == 0 ? MODE_ABSOLUTE : MODE_SHAPE;
  yaml_node_t *tol = get(c, ref, "tolerance");
  if (!tol)
    return fail_at(c, ref,
                   "missing key 'tolerance' (the source's own noise, "
                   "e.g. 15%%)");
  if (!tolerance(c, tol, &e->tolerance))
    return FALSE;
  return parse_series(c, ref, e);
}

validate_exp *validate_load(const char *path, GError **err) {
  g_autofree char *contents = NULL;
  gsize len = 0;
  GError *io = NULL;
  if (!g_file_get_contents(path, &contents, &len, &io)) {
    g_set_error(err, VALIDATE_ERROR_DOMAIN, VALIDATE_ERROR_IO,
                "cannot read experiment: %s", io->message);
    g_error_free(io);
    return NULL;
  }
  int line, col;
  if (!workload_yaml_depth_ok(contents, len, &line, &col)) {
    g_set_error(err, VALIDATE_ERROR_DOMAIN, VALIDATE_ERROR_PARSE,
                "%s:%d:%d: nesting is too deep (more than %d levels)", path,
                line, col, WORKLOAD_MAX_DEPTH);
    return NULL;
  }
  yaml_parser_t parser;
  yaml_document_t doc;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_string(&parser, (const unsigned char *)contents, len);
  if (!yaml_parser_load(&parser, &doc)) {
    g_set_error(err, VALIDATE_ERROR_DOMAIN, VALIDATE_ERROR_PARSE,
                "%s:%d:%d: %s", path, (int)parser.problem_mark.line + 1,
                (int)parser.problem_mark.column + 1,
                parser.problem ? parser.problem : "YAML syntax error");
    yaml_parser_delete(&parser);
    return NULL;
  }
  validate_exp *e = g_new0(validate_exp, 1);
  e->file = g_strdup(path);
  g_autofree char *base = g_path_get_basename(path);
  char *dot = strrchr(base, '.');
  e->id = dot && dot != base ? g_strndup(base, (gsize)(dot - base))
                             : g_strdup(base);
  e->needs = g_ptr_array_new_with_free_func(need_free);
  e->quick = str_array();
  e->series = g_ptr_array_new_with_free_func(series_free);
  pctx c = {path, &doc, err};
  gboolean ok = parse_reference(&c, yaml_document_get_root_node(&doc), e);
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  if (!ok) {
    validate_exp_free(e);
    return NULL;
  }
  return e;
}

static gint by_name(gconstpointer a, gconstpointer b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *validate_load_all(char **args, GError **err) {
  GPtrArray *exps =
      g_ptr_array_new_with_free_func((GDestroyNotify)validate_exp_free);
  g_autoptr(GPtrArray) files = str_array();
  for (char **a = args; a && *a; a++) {
    if (!g_file_test(*a, G_FILE_TEST_IS_DIR)) {
      g_ptr_array_add(files, g_strdup(*a));
      continue;
    }
    GDir *d = g_dir_open(*a, 0, err);
    if (!d) {
      g_ptr_array_unref(exps);
      return NULL;
    }
    g_autoptr(GPtrArray) names = str_array();
    const char *n;
    while ((n = g_dir_read_name(d)))
      if (g_str_has_suffix(n, ".yaml"))
        g_ptr_array_add(names, g_build_filename(*a, n, NULL));
    g_dir_close(d);
    /* readdir's order is the file system's: sort */
    g_ptr_array_sort(names, by_name);
    for (guint i = 0; i < names->len; i++)
      g_ptr_array_add(files, g_strdup(g_ptr_array_index(names, i)));
  }
  for (guint i = 0; i < files->len; i++) {
    validate_exp *e = validate_load(g_ptr_array_index(files, i), err);
    if (!e) {
      g_ptr_array_unref(exps);
      return NULL;
    }
    for (guint j = 0; j < exps->len; j++)
      if (strcmp(validate_exp_id(g_ptr_array_index(exps, j)), e->id) == 0) {
        g_set_error(err, VALIDATE_ERROR_DOMAIN, VALIDATE_ERROR_INVALID,
                    "%s: a second experiment named '%s'", e->file, e->id);
        validate_exp_free(e);
        g_ptr_array_unref(exps);
        return NULL;
      }
    g_ptr_array_add(exps, e);
  }
  if (exps->len == 0) {
    g_set_error(err, VALIDATE_ERROR_DOMAIN, VALIDATE_ERROR_INVALID,
                "no experiments (*.yaml) found");
    g_ptr_array_unref(exps);
    return NULL;
  }
  return exps;
}

/* ---- the runs ---- */

/* Whether this build has every need: a need is missing when the parser
 * does not know one of its keys.  Any other refusal is the experiment's
 * own error. */
static gboolean check_needs(validate_exp *e, GError **err) {
  g_autoptr(GString) missing = g_string_new(NULL);
  for (guint i = 0; i < e->needs->len; i++) {
    vneed *n = g_ptr_array_index(e->needs, i);
    g_ptr_array_add(n->sets, NULL);
    GError *local = NULL;
    workload *w = workload_load(e->file, (char **)n->sets->pdata, &local);
    g_ptr_array_remove_index(n->sets, n->sets->len - 1);
    workload_free(w);
    if (!local)
      continue;
    if (local->domain == WORKLOAD_ERROR &&
        strstr(local->message, "unknown key")) {
      g_string_append_printf(missing, "%sneeds %s: %s",
                             missing->len ? "; " : "", n->feature, n->why);
      g_error_free(local);
      continue;
    }
    g_propagate_prefixed_error(err, local, "%s: need '%s': ", e->file,
                               n->feature);
    return FALSE;
  }
  g_free(e->missing);
  e->missing = missing->len ? g_strdup(missing->str) : NULL;
  return TRUE;
}

static void add_all(GPtrArray *to, GPtrArray *from) {
  for (guint i = 0; from && i < from->len; i++)
    g_ptr_array_add(to, g_strdup(g_ptr_array_index(from, i)));
}

/* Every override of a point's run, in order: what the build lacks is
 * stood in for, then the series, x, the point, and --quick last. */
static char **point_sets(const validate_exp *e, const vseries *s,
                         const vpoint *p, bool quick) {
  GPtrArray *a = str_array();
  if (e->missing) {
    add_all(a, s->stand_in);
  } else {
    for (guint i = 0; i < e->needs->len; i++)
      add_all(a, ((vneed *)g_ptr_array_index(e->needs, i))->sets);
  }
  add_all(a, s->sets);
  if (p->x)
    g_ptr_array_add(a, g_strdup_printf("%s=%s", e->x, p->x));
  add_all(a, p->sets);
  if (quick)
    add_all(a, e->quick);
  g_ptr_array_set_free_func(a, NULL);
  g_ptr_array_add(a, NULL);
  return (char **)g_ptr_array_free(a, FALSE);
}

/* Points with the same overrides share a run (e.g. two processes' shares
 * in one run, or two metrics of one run). */
static gboolean plan_runs(validate_exp *e, bool quick, GError **err) {
  if (e->runs)
    g_ptr_array_unref(e->runs);
  e->runs = g_ptr_array_new_with_free_func(run_free);
  g_autoptr(GHashTable) seen =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint si = 0; si < e->series->len; si++) {
    vseries *s = g_ptr_array_index(e->series, si);
    for (guint pi = 0; pi < s->points->len; pi++) {
      vpoint *p = &g_array_index(s->points, vpoint, pi);
      char **sets = point_sets(e, s, p, quick);
      char *key = g_strjoinv("\n", sets);
      gpointer idx;
      if (g_hash_table_lookup_extended(seen, key, NULL, &idx)) {
        p->run = GPOINTER_TO_UINT(idx);
        g_free(key);
        g_strfreev(sets);
        continue;
      }
      GError *local = NULL;
      workload *w = workload_load(e->file, sets, &local);
      if (!w) {
        g_propagate_prefixed_error(
            err, local, "series '%s', point '%s': ", s->name, p->label);
        g_free(key);
        g_strfreev(sets);
        return FALSE;
      }
      workload_free(w);
      vrun *r = g_new0(vrun, 1);
      r->sets = sets;
      p->run = e->runs->len;
      g_ptr_array_add(e->runs, r);
      g_hash_table_insert(seen, key, GUINT_TO_POINTER(p->run));
    }
  }
  return TRUE;
}

typedef struct job {
  validate_exp *e;
  vrun *r;
} job;

typedef struct pool_ctx {
  GMutex lock;
  GCond cond;
  guint done;
} pool_ctx;

static void job_func(gpointer data, gpointer user) {
  job *j = data;
  pool_ctx *c = user;
  GError *err = NULL;
  workload *w = workload_load(j->e->file, j->r->sets, &err);
  sim_run *run = NULL;
  if (w) {
    run_options o = RUN_OPTIONS_INIT;
    run = sim_run_new(w, &o, &err);
    if (run && sim_run_go(run, &err) != SIM_ERROR)
      j->r->json = report_metrics_json(sim_run_result(run));
  }
  if (err) {
    j->r->error = g_strdup(err->message);
    g_error_free(err);
  }
  sim_run_free(run);
  workload_free(w);
  g_mutex_lock(&c->lock);
  c->done++;
  g_cond_signal(&c->cond);
  g_mutex_unlock(&c->lock);
}

static void run_pool(GArray *jobs, const validate_options *o) {
  pool_ctx c = {0};
  g_mutex_init(&c.lock);
  g_cond_init(&c.cond);
  guint threads = o->jobs ? o->jobs : g_get_num_processors();
  threads = MAX(MIN(threads, jobs->len), 1);
  GThreadPool *pool = g_thread_pool_new(
      job_func, &c, (gint)MIN(threads, (guint)G_MAXINT), TRUE, NULL);
  for (guint i = 0; i < jobs->len; i++)
    g_thread_pool_push(pool, &g_array_index(jobs, job, i), NULL);
  g_mutex_lock(&c.lock);
  while (c.done < jobs->len) {
    /* Wall-clock time reaches the terminal only, never a result. */
    if (o->progress) {
      fprintf(stderr, "\rvalidation runs %u/%u ", c.done, jobs->len);
      fflush(stderr);
    }
    g_cond_wait_until(&c.cond, &c.lock,
                      g_get_monotonic_time() + G_USEC_PER_SEC / 2);
  }
  g_mutex_unlock(&c.lock);
  g_thread_pool_free(pool, FALSE, TRUE);
  if (o->progress)
    fprintf(stderr, "\rvalidation runs %u/%u\n", jobs->len, jobs->len);
  g_mutex_clear(&c.lock);
  g_cond_clear(&c.cond);
}

/* ---- the judgement ---- */

/* The point's figure against the source's, as the mode compares them:
 * absolute, cfqsim / published; shape, each normalised to its series'
 * first point.  1 means exact. */
static double agreement(const validate_exp *e, const vseries *s,
                        const vpoint *p) {
  const vpoint *b = &g_array_index(s->points, vpoint, 0);
  if (e->mode == MODE_ABSOLUTE)
    return p->sim / p->published;
  return (p->sim / b->sim) / (p->published / b->published);
}

static gboolean within(const validate_exp *e, double a) {
  /* a hair of slack so that a deviation of exactly the tolerance, after
   * rounding, still passes */
  return isfinite(a) && fabs(a - 1) <= e->tolerance + 1e-9;
}

/* The known gap a point falls under: its series', else the experiment's. */
static const char *gap_of(const validate_exp *e, const vseries *s) {
  return s->known_gap ? s->known_gap : e->known_gap;
}

static void judge(validate_exp *e) {
  g_autoptr(GString) errors = g_string_new(NULL);
  for (guint i = 0; i < e->runs->len; i++) {
    vrun *r = g_ptr_array_index(e->runs, i);
    if (r->error && !errors->len)
      g_string_append_printf(errors, "run %u: %s", i, r->error);
  }
  guint out = 0, out_gap = 0, total = 0;
  g_autoptr(GString) gaps = g_string_new(NULL), unneeded = g_string_new(NULL);
  for (guint si = 0; si < e->series->len; si++) {
    vseries *s = g_ptr_array_index(e->series, si);
    for (guint pi = 0; pi < s->points->len; pi++) {
      vpoint *p = &g_array_index(s->points, vpoint, pi);
      vrun *r = g_ptr_array_index(e->runs, p->run);
      p->sim = NAN;
      if (!r->json)
        continue;
      g_autofree char *v = sweep_metric_value(p->metric, r->json);
      char *end = NULL;
      double d = v && *v ? g_ascii_strtod(v, &end) : NAN;
      if (!v || !*v || (end && *end)) {
        if (!errors->len)
          g_string_append_printf(errors,
                                 "series '%s': the run has no "
                                 "number for metric '%s'",
                                 s->name, p->metric);
        continue;
      }
      p->sim = d / s->divisor;
    }
    guint s_out = 0;
    for (guint pi = 0; pi < s->points->len; pi++) {
      total++;
      s_out +=
          !within(e, agreement(e, s, &g_array_index(s->points, vpoint, pi)));
    }
    const char *gap = gap_of(e, s);
    GString *to = !gap ? NULL : s_out ? gaps : unneeded;
    if (to)
      g_string_append_printf(to, "%s%s: %s", to->len ? "; " : "", s->name, gap);
    if (gap)
      out_gap += s_out;
    else
      out += s_out;
  }
  g_free(e->reason);
  e->reason = NULL;
  if (errors->len) {
    e->status = VALIDATE_ERROR;
    e->reason = g_strdup(errors->str);
  } else if (e->missing) {
    e->status = VALIDATE_GAP;
    e->reason = g_strdup_printf("not run as published: %s (figures are the "
                                "stand-in's)",
                                e->missing);
  } else if (out) {
    e->status = VALIDATE_FAIL;
    e->reason = g_strdup_printf("%u of %u points outside tolerance",
                                out + out_gap, total);
  } else if (out_gap) {
    e->status = VALIDATE_GAP;
    e->reason = g_strdup_printf("%u of %u points outside tolerance, known: %s",
                                out_gap, total, gaps->str);
  } else {
    e->status = VALIDATE_PASS;
  }
  if (!errors->len && !e->missing && unneeded->len) {
    /* Say so, so that the mark can go. */
    char *r = g_strdup_printf("%s%swithin tolerance although marked as a "
                              "known gap (%s)",
                              e->reason ? e->reason : "", e->reason ? "; " : "",
                              unneeded->str);
    g_free(e->reason);
    e->reason = r;
  }
}

gboolean validate_run(GPtrArray *exps, const validate_options *o,
                      GError **err) {
  for (guint i = 0; i < exps->len; i++) {
    validate_exp *e = g_ptr_array_index(exps, i);
    if (!check_needs(e, err) || !plan_runs(e, o->quick, err))
      return FALSE;
  }
  GArray *jobs = g_array_new(FALSE, FALSE, sizeof(job));
  for (guint i = 0; i < exps->len; i++) {
    validate_exp *e = g_ptr_array_index(exps, i);
    for (guint k = 0; k < e->runs->len; k++) {
      job j = {e, g_ptr_array_index(e->runs, k)};
      g_array_append_val(jobs, j);
    }
  }
  run_pool(jobs, o);
  g_array_unref(jobs);
  for (guint i = 0; i < exps->len; i++)
    judge(g_ptr_array_index(exps, i));
  return TRUE;
}

guint validate_count(GPtrArray *exps, validate_status st) {
  guint n = 0;
  for (guint i = 0; i < exps->len; i++)
    n += validate_exp_status(g_ptr_array_index(exps, i)) == st;
  return n;
}

/* ---- tables ---- */

/* Locale-independent, four significant digits, whole numbers from 10^4 on
 * (28093, not 2.809e+04); "" for none. */
static char *num(double v) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (!isfinite(v))
    return g_strdup("");
  return g_strdup(
      g_ascii_formatd(buf, sizeof buf, fabs(v) >= 1e4 ? "%.0f" : "%.4g", v));
}

static char *pct(double agreement) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (!isfinite(agreement))
    return g_strdup("");
  double d = (agreement - 1) * 100;
  if (fabs(d) < 0.05)
    d = 0; /* no "-0.0 %" */
  return g_strdup_printf("%s%s %%", d > 0 ? "+" : "",
                         g_ascii_formatd(buf, sizeof buf, "%.1f", d));
}

static const char *mode_name(vmode m) {
  return m == MODE_ABSOLUTE ? "absolute" : "shape";
}

static char *source_text(const validate_exp *e) {
  return g_strdup_printf("%s, %s, %s", e->author, e->venue, e->date);
}

static char *source_link(const validate_exp *e) {
  g_autofree char *s = source_text(e);
  if (e->url)
    return g_strdup_printf("[%s](%s)", s, e->url);
  if (e->message_id)
    return g_strdup_printf("%s, <%s>", s, e->message_id);
  return g_strdup_printf("%s (%s)", s, e->note);
}

/* A Markdown cell: no pipes or newlines. */
static char *md_cell(const char *s) {
  GString *o = g_string_new(NULL);
  for (const char *c = s ? s : ""; *c; c++) {
    if (*c == '|')
      g_string_append(o, "\\|");
    else if (*c == '\n')
      g_string_append_c(o, ' ');
    else
      g_string_append_c(o, *c);
  }
  return g_string_free(o, FALSE);
}

static char *point_verdict(const validate_exp *e, const vseries *s,
                           const vpoint *p) {
  double a = agreement(e, s, p);
  if (!isfinite(a))
    return g_strdup("no figure");
  return g_strdup(within(e, a) ? "within" : "outside");
}

char *validate_table_md(GPtrArray *exps, bool quick) {
  GString *o = g_string_new(NULL);
  g_string_append_printf(
      o, "%u experiments: %u pass, %u known gaps, %u fail, %u errors%s.\n\n",
      exps->len, validate_count(exps, VALIDATE_PASS),
      validate_count(exps, VALIDATE_GAP), validate_count(exps, VALIDATE_FAIL),
      validate_count(exps, VALIDATE_ERROR),
      quick ? " (quick mode: short runs, figures are rougher)" : "");
  g_string_append(o, "| experiment | source | kernel | mode | tolerance | "
                     "result | why |\n|---|---|---|---|---|---|---|\n");
  for (guint i = 0; i < exps->len; i++) {
    const validate_exp *e = g_ptr_array_index(exps, i);
    g_autofree char *src = source_link(e);
    g_autofree char *why = md_cell(validate_exp_reason(e));
    g_autofree char *tol = num(e->tolerance * 100);
    g_autofree char *kernel = md_cell(e->kernel);
    g_string_append_printf(o, "| %s | %s | %s | %s | %s %% | %s | %s |\n",
                           e->id, src, kernel, mode_name(e->mode), tol,
                           validate_status_name(e->status), why);
  }
  g_string_append(
      o,
      "\nEvery point.  *ratio* is cfqsim / published; *shape* is each "
      "figure over its series' first point (published → cfqsim); "
      "*deviation* is what the mode compares (absolute: the ratio, shape: "
      "the shapes) less one.\n\n"
      "| experiment | series | point | metric | published | cfqsim | ratio "
      "| shape | deviation | |\n|---|---|---|---|---|---|---|---|---|---|\n");
  for (guint i = 0; i < exps->len; i++) {
    const validate_exp *e = g_ptr_array_index(exps, i);
    for (guint si = 0; si < e->series->len; si++) {
      const vseries *s = g_ptr_array_index(e->series, si);
      const vpoint *b = &g_array_index(s->points, vpoint, 0);
      for (guint pi = 0; pi < s->points->len; pi++) {
        const vpoint *p = &g_array_index(s->points, vpoint, pi);
        g_autofree char *pub = num(p->published), *sim = num(p->sim),
                        *ratio = num(p->sim / p->published),
                        *sp = num(p->published / b->published),
                        *ss = num(p->sim / b->sim),
                        *dev = pct(agreement(e, s, p)),
                        *verdict = point_verdict(e, s, p),
                        *label = md_cell(p->label), *name = md_cell(s->name);
        const char *unit = strcmp(s->unit, "1") == 0 ? "" : s->unit;
        g_string_append_printf(o,
                               "| %s | %s | %s | %s | %s%s%s | %s | %s | "
                               "%s → %s | %s | %s |\n",
                               e->id, name, label, p->metric, pub,
                               *unit ? " " : "", unit, sim, ratio, sp, ss, dev,
                               verdict);
      }
    }
  }
  g_string_append(o, "\nSources, kernels and hardware:\n\n");
  for (guint i = 0; i < exps->len; i++) {
    const validate_exp *e = g_ptr_array_index(exps, i);
    g_autofree char *src = source_link(e);
    g_autofree char *hw = md_cell(e->hardware);
    g_autofree char *note =
        md_cell(e->note && (e->url || e->message_id) ? e->note : "");
    g_autofree char *method = md_cell(e->method ? e->method : "");
    g_string_append_printf(
        o, "- **%s**: %s; Linux %s; %s%s%s%s%s%s%s%s\n", e->id, src, e->kernel,
        hw, e->message_id && e->url ? "; <" : "",
        e->message_id && e->url ? e->message_id : "",
        e->message_id && e->url ? ">" : "", *note ? "; " : "", note,
        *method ? ". " : "", method);
  }
  return g_string_free(o, FALSE);
}

static void csv_field(GString *o, const char *s) {
  report_csv_field(o, s ? s : "");
}

char *validate_table_csv(GPtrArray *exps) {
  GString *o = g_string_new(
      "experiment,source,series,point,metric,unit,published,cfqsim,ratio,"
      "published_shape,cfqsim_shape,mode,deviation,tolerance,within,status,"
      "reason\n");
  for (guint i = 0; i < exps->len; i++) {
    const validate_exp *e = g_ptr_array_index(exps, i);
    g_autofree char *src = source_text(e);
    for (guint si = 0; si < e->series->len; si++) {
      const vseries *s = g_ptr_array_index(e->series, si);
      const vpoint *b = &g_array_index(s->points, vpoint, 0);
      for (guint pi = 0; pi < s->points->len; pi++) {
        const vpoint *p = &g_array_index(s->points, vpoint, pi);
        double a = agreement(e, s, p);
        g_autofree char *pub = num(p->published), *sim = num(p->sim),
                        *ratio = num(p->sim / p->published),
                        *sp = num(p->published / b->published),
                        *ss = num(p->sim / b->sim), *dev = num(a - 1),
                        *tol = num(e->tolerance);
        const char *fields[] = {e->id,
                                src,
                                s->name,
                                p->label,
                                p->metric,
                                s->unit,
                                pub,
                                sim,
                                ratio,
                                sp,
                                ss,
                                mode_name(e->mode),
                                dev,
                                tol,
                                isfinite(a) ? (within(e, a) ? "yes" : "no")
                                            : "",
                                validate_status_name(e->status),
                                validate_exp_reason(e)};
        for (gsize f = 0; f < G_N_ELEMENTS(fields); f++) {
          if (f)
            g_string_append_c(o, ',');
          csv_field(o, fields[f]);
        }
        g_string_append_c(o, '\n');
      }
    }
  }
  return g_string_free(o, FALSE);
}

/* ---- plots ---- */

static gboolean all_numeric(const validate_exp *e) {
  for (guint si = 0; si < e->series->len; si++) {
    const vseries *s = g_ptr_array_index(e->series, si);
    for (guint pi = 0; pi < s->points->len; pi++) {
      const vpoint *p = &g_array_index(s->points, vpoint, pi);
      char *end = NULL;
      if (!p->x || (g_ascii_strtod(p->x, &end), !end || *end))
        return FALSE;
    }
  }
  return TRUE;
}

char *validate_plot_data(const validate_exp *e, char **vars) {
  gboolean numeric = all_numeric(e);
  gboolean shape = e->mode == MODE_SHAPE;
  GString *d = g_string_new(NULL);
  GString *names = g_string_new(NULL);
  for (guint si = 0; si < e->series->len; si++) {
    const vseries *s = g_ptr_array_index(e->series, si);
    const vpoint *b = &g_array_index(s->points, vpoint, 0);
    g_autofree char *w = gnuplot_word(s->name);
    g_string_append_printf(names, "%s%s", si ? " " : "", w);
    if (si)
      g_string_append(d, "\n\n");
    for (guint pi = 0; pi < s->points->len; pi++) {
      const vpoint *p = &g_array_index(s->points, vpoint, pi);
      double pub = shape ? p->published / b->published : p->published;
      double sim = shape ? p->sim / b->sim : p->sim;
      g_autofree char *x =
          numeric ? g_strdup(p->x) : g_strdup_printf("%u", pi + 1);
      g_autofree char *a = num(pub), *lo = num(pub * (1 - e->tolerance)),
                      *hi = num(pub * (1 + e->tolerance)), *c = num(sim),
                      *label = gnuplot_word(p->label);
      g_string_append_printf(d, "%s %s %s %s %s %s\n", x, a, lo, hi,
                             *c ? c : "NaN", label);
    }
  }
  const vseries *s0 = g_ptr_array_index(e->series, 0);
  g_autofree char *ylabel =
      shape ? g_strdup("relative to the first point (published = 1)")
            : g_strdup_printf("%s (%s)", s0->metric, s0->unit);
  g_autofree char *src = source_text(e);
  g_autofree char *tol = num(e->tolerance * 100);
  g_autofree char *title =
      g_strdup_printf("%s (%s, tolerance %s %%, %s)", e->id, mode_name(e->mode),
                      tol, validate_status_name(e->status));
  g_autofree char *qn = gnuplot_str(names->str), *qy = gnuplot_str(ylabel),
                  *qt = gnuplot_str(title), *qs = gnuplot_str(src),
                  *qx = gnuplot_str(e->x_label ? e->x_label
                                    : e->x     ? e->x
                                               : "point");
  *vars = g_strdup_printf("names=%s; categorical=%d; ylabel=%s; title=%s; "
                          "subtitle=%s; xname=%s",
                          qn, !numeric, qy, qt, qs, qx);
  g_string_free(names, TRUE);
  return g_string_free(d, FALSE);
}

/* One experiment's graph as PNG bytes. */
static GBytes *plot(const validate_exp *e, const char *gnuplot, const char *tmp,
                    GError **err) {
  g_autofree char *vars = NULL;
  g_autofree char *data = validate_plot_data(e, &vars);
  g_autofree char *name = g_strconcat(e->id, ".dat", NULL);
  g_autofree char *datafile = g_build_filename(tmp, name, NULL);
  g_autofree char *image = g_build_filename(tmp, "plot.png", NULL);
  if (!g_file_set_contents(datafile, data, -1, err))
    return NULL;
  g_autofree char *qd = gnuplot_str(datafile), *qo = gnuplot_str(image);
  g_autofree char *ex =
      g_strdup_printf("datafile=%s; outfile=%s; %s", qd, qo, vars);
  if (!gnuplot_run(gnuplot, "validation.gp", ex, e->id, err))
    return NULL;
  gchar *png = NULL;
  gsize len = 0;
  if (!g_file_get_contents(image, &png, &len, err))
    return NULL;
  g_unlink(image);
  g_unlink(datafile);
  return g_bytes_new_take(png, len);
}

static gboolean add_plots(GPtrArray *exps, GHashTable *bin, GError **err) {
  g_autofree char *gnuplot = g_find_program_in_path("gnuplot");
  if (!gnuplot) {
    g_set_error(err, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT,
                "gnuplot is not on PATH; install it with "
                "scripts/install-deps.sh, or give --no-plots");
    return FALSE;
  }
  g_autofree char *tmp = g_dir_make_tmp("cfqsim-validate-XXXXXX", err);
  if (!tmp)
    return FALSE;
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < exps->len; i++) {
    const validate_exp *e = g_ptr_array_index(exps, i);
    GBytes *b = plot(e, gnuplot, tmp, err);
    if (b)
      g_hash_table_insert(bin, g_strconcat(e->id, ".png", NULL), b);
    ok = b != NULL;
  }
  g_rmdir(tmp);
  return ok;
}

gboolean validate_write(GPtrArray *exps, const char *dir, bool quick,
                        bool plots, GError **err) {
  g_autoptr(GHashTable) files =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) bin = g_hash_table_new_full(
      g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
  g_hash_table_insert(files, g_strdup("validation.md"),
                      validate_table_md(exps, quick));
  g_hash_table_insert(files, g_strdup("validation.csv"),
                      validate_table_csv(exps));
  if (plots && !add_plots(exps, bin, err))
    return FALSE;
  return report_write_dir_bin(dir, OUTDIR_VALIDATE, files, bin, err);
}
