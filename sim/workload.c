/* Workload files: YAML -> a small position-carrying tree -> --set overrides
 * -> a validated `workload`.
 *
 * The tree is ours rather than libyaml's document so that --set can add and
 * replace nodes, and so that every node knows where it came from: a line and
 * column of the file (1-based) or the --set that wrote it. */
#include "sim/workload.h"

#include <stdarg.h>
#include <string.h>
#include <yaml.h>

#include "models/ioc.h"
#include "sim/core/interleave.h"
#include "sim/core/params.h"
#include "sim/core/units.h"

G_DEFINE_QUARK(cfqsim-workload-error-quark, workload_error)

/* ------------------------------------------------------------------ tree */

typedef enum { NODE_SCALAR, NODE_MAP, NODE_SEQ } node_type;

typedef struct node node;
struct node {
  node_type type;
  int line, col;   /* 1-based, when set == 0 */
  int set;         /* 0: from the file; N: written by the Nth --set */
  char *value;     /* scalar text */
  bool null;       /* plain empty, ~ or null: "nothing written here" */
  GPtrArray *keys; /* map: scalar key nodes, parallel to vals */
  GPtrArray *vals; /* map: values; seq: items */
};

static void node_free(node *n) {
  if (!n)
    return;
  g_free(n->value);
  if (n->keys)
    g_ptr_array_free(n->keys, TRUE);
  if (n->vals)
    g_ptr_array_free(n->vals, TRUE);
  g_free(n);
}

static node *node_new(node_type type, int line, int col, int set) {
  node *n = g_new0(node, 1);
  n->type = type;
  n->line = line;
  n->col = col;
  n->set = set;
  if (type != NODE_SCALAR)
    n->vals = g_ptr_array_new_with_free_func((GDestroyNotify)node_free);
  if (type == NODE_MAP)
    n->keys = g_ptr_array_new_with_free_func((GDestroyNotify)node_free);
  return n;
}

static node *scalar_new(const char *text, int line, int col, int set) {
  node *n = node_new(NODE_SCALAR, line, col, set);
  n->value = g_strdup(text);
  return n;
}

static const char *node_kind(const node *n) {
  if (n->type == NODE_MAP)
    return "a map";
  if (n->type == NODE_SEQ)
    return "a list";
  return "a value";
}

static node *map_get(const node *m, const char *key, int *index) {
  for (guint i = 0; i < m->keys->len; i++) {
    node *k = g_ptr_array_index(m->keys, i);
    if (strcmp(k->value, key) == 0) {
      if (index)
        *index = (int)i;
      return g_ptr_array_index(m->vals, i);
    }
  }
  return NULL;
}


/* ---------------------------------------------------------------- errors */

typedef struct {
  const char *file;
  GError **err;
} ctx;

static char *position(const ctx *c, const node *n) {
  if (n->set)
    return g_strdup_printf("--set:%d", n->set);
  return g_strdup_printf("%s:%d:%d", c->file, n->line, n->col);
}

static gboolean fail(const ctx *c, const node *n, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static gboolean fail(const ctx *c, const node *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *pos = position(c, n);
  g_set_error(c->err, WORKLOAD_ERROR, WORKLOAD_ERROR_INVALID, "%s: %s", pos,
              msg);
  return FALSE;
}

/* " (did you mean 'x'?)" or "" */
static char *hint(const char *const *names, const char *name) {
  const char *s = params_suggest_name(names, name);
  return s ? g_strdup_printf(" (did you mean '%s'?)", s) : g_strdup("");
}

static char *hint_array(GPtrArray *names, const char *name) {
  g_ptr_array_add(names, NULL);
  char *h = hint((const char *const *)names->pdata, name);
  g_ptr_array_remove_index(names, names->len - 1);
  return h;
}

/* ------------------------------------------------------------ YAML input */

#define MAX_DEPTH 64
#define MAX_NODES 200000

typedef struct {
  yaml_document_t *doc;
  int set;
  int count;
  const char *error; /* set on failure */
  yaml_mark_t error_mark;
} convert_state;

static node *convert(convert_state *st, yaml_node_t *y, int depth) {
  if (++st->count > MAX_NODES || depth > MAX_DEPTH) {
    st->error = depth > MAX_DEPTH ? "nesting is too deep" : "too many nodes";
    st->error_mark = y->start_mark;
    return NULL;
  }
  int line = (int)y->start_mark.line + 1, col = (int)y->start_mark.column + 1;
  switch (y->type) {
  case YAML_SCALAR_NODE: {
    /* libyaml keeps a "\0" escape inside the value, where C strings would
     * silently cut it. */
    if (strlen((const char *)y->data.scalar.value) != y->data.scalar.length) {
      st->error = "a NUL byte (\\0) is not allowed in a value";
      st->error_mark = y->start_mark;
      return NULL;
    }
    node *n = scalar_new((const char *)y->data.scalar.value, line, col, st->set);
    if (y->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
      n->null = strcmp(n->value, "") == 0 || strcmp(n->value, "~") == 0 ||
                strcmp(n->value, "null") == 0;
    return n;
  }
  case YAML_SEQUENCE_NODE: {
    node *n = node_new(NODE_SEQ, line, col, st->set);
    for (yaml_node_item_t *it = y->data.sequence.items.start;
         it < y->data.sequence.items.top; it++) {
      node *child = convert(st, yaml_document_get_node(st->doc, *it), depth + 1);
      if (!child) {
        node_free(n);
        return NULL;
      }
      g_ptr_array_add(n->vals, child);
    }
    return n;
  }
  case YAML_MAPPING_NODE: {
    node *n = node_new(NODE_MAP, line, col, st->set);
    for (yaml_node_pair_t *p = y->data.mapping.pairs.start;
         p < y->data.mapping.pairs.top; p++) {
      yaml_node_t *yk = yaml_document_get_node(st->doc, p->key);
      if (yk->type != YAML_SCALAR_NODE) {
        st->error = "a key must be a plain name, not a map or a list";
        st->error_mark = yk->start_mark;
        node_free(n);
        return NULL;
      }
      node *k = convert(st, yk, depth + 1);
      node *v = k ? convert(st, yaml_document_get_node(st->doc, p->value),
                            depth + 1)
                  : NULL;
      if (!v) {
        node_free(k);
        node_free(n);
        return NULL;
      }
      g_ptr_array_add(n->keys, k);
      g_ptr_array_add(n->vals, v);
    }
    return n;
  }
  default:
    break;
  }
  st->error = "empty node";
  st->error_mark = y->start_mark;
  return NULL;
}

/* Parse `text` into a tree.  *root is NULL for an empty document.  On a
 * syntax error, returns FALSE with libyaml's problem and its position. */
static gboolean parse_yaml(const char *text, size_t len, int set,
                           const char *where, node **root, GError **err) {
  yaml_parser_t parser;
  yaml_document_t doc;
  *root = NULL;
  if (!yaml_parser_initialize(&parser))
    g_error("libyaml: out of memory");
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  if (!yaml_parser_load(&parser, &doc)) {
    g_autofree char *pos =
        set ? g_strdup_printf("--set:%d", set)
            : g_strdup_printf("%s:%d:%d", where,
                              (int)parser.problem_mark.line + 1,
                              (int)parser.problem_mark.column + 1);
    g_autofree char *context =
        parser.context ? g_strdup_printf(" (%s at line %d)", parser.context,
                                         (int)parser.context_mark.line + 1)
                       : g_strdup("");
    g_set_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_PARSE, "%s: %s%s", pos,
                parser.problem ? parser.problem : "invalid YAML", context);
    yaml_parser_delete(&parser);
    return FALSE;
  }
  yaml_node_t *y = yaml_document_get_root_node(&doc);
  gboolean ok = TRUE;
  if (y) {
    convert_state st = { .doc = &doc, .set = set };
    *root = convert(&st, y, 0);
    if (!*root) {
      g_autofree char *pos =
          set ? g_strdup_printf("--set:%d", set)
              : g_strdup_printf("%s:%d:%d", where,
                                (int)st.error_mark.line + 1,
                                (int)st.error_mark.column + 1);
      g_set_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_PARSE, "%s: %s", pos,
                  st.error);
      ok = FALSE;
    }
  }
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  return ok;
}

/* ------------------------------------------------------------------ --set */

/* What one item of a named list is called in messages. */
static const char *item_noun(const char *list_key) {
  static const char *const nouns[][2] = {
    { "devices", "device" }, { "processes", "process" },
    { "cgroups", "cgroup" }, { "io_contexts", "io_context" },
  };
  for (size_t i = 0; list_key && i < G_N_ELEMENTS(nouns); i++)
    if (strcmp(list_key, nouns[i][0]) == 0)
      return nouns[i][1];
  return "item";
}

static const char *item_name(const node *item) {
  if (item->type == NODE_MAP) {
    node *v = map_get(item, "name", NULL);
    return v && v->type == NODE_SCALAR ? v->value : NULL;
  }
  return item->type == NODE_SCALAR ? item->value : NULL;
}

/* A scalar that a --set wants to descend into becomes the map it
 * abbreviates: `scheduler: cfq` is {name: cfq}, `think: 5ms` is
 * {mean: 5ms}; nothing written becomes an empty map. */
static node *scalar_to_map(node *parent, int index, const char *key) {
  node *old = g_ptr_array_index(parent->vals, index);
  const char *inner = strcmp(key, "scheduler") == 0 ? "name"
                      : strcmp(key, "think") == 0   ? "mean"
                                                    : NULL;
  if (!old->null && !inner)
    return NULL;
  node *m = node_new(NODE_MAP, old->line, old->col, old->set);
  if (!old->null) {
    g_ptr_array_add(m->keys, scalar_new(inner, old->line, old->col, old->set));
    g_ptr_array_add(m->vals, old);
    parent->vals->pdata[index] = m;
  } else {
    g_ptr_array_index(parent->vals, index) = m;
    node_free(old);
  }
  return m;
}

static gboolean apply_set(node *root, const char *text, int set, GError **err) {
  const char *eq = strchr(text, '=');
  if (!eq || eq == text) {
    g_set_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_INVALID,
                "--set %s: expected KEY=VALUE, e.g. "
                "devices.sda.scheduler.slice_idle=0", text);
    return FALSE;
  }
  g_autofree char *path = g_strndup(text, (gsize)(eq - text));
  g_auto(GStrv) segs = g_strsplit(path, ".", -1);
  guint nseg = g_strv_length(segs);
  for (guint i = 0; i < nseg; i++) {
    g_strstrip(segs[i]);
    if (!*segs[i]) {
      g_set_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_INVALID,
                  "--set %s: empty name in the path '%s'", text, path);
      return FALSE;
    }
  }

  node *value;
  GError *local = NULL;
  if (!parse_yaml(eq + 1, strlen(eq + 1), set, NULL, &value, &local)) {
    /* Not YAML on its own (say "@x"): take the text as written. */
    g_clear_error(&local);
    value = NULL;
  }
  if (!value) {
    value = scalar_new(eq + 1, 0, 0, set);
    value->null = eq[1] == '\0';
  }

  node *cur = root;
  const char *parent_key = NULL;
  for (guint i = 0; i < nseg; i++) {
    const char *seg = segs[i];
    bool last = i + 1 == nseg;
    if (cur->type == NODE_SEQ) {
      node *found = NULL;
      g_autoptr(GPtrArray) names = g_ptr_array_new();
      for (guint j = 0; j < cur->vals->len; j++) {
        node *item = g_ptr_array_index(cur->vals, j);
        const char *nm = item_name(item);
        if (!nm)
          continue;
        g_ptr_array_add(names, (gpointer)nm);
        if (strcmp(nm, seg) == 0 && !found)
          found = item;
      }
      if (!found) {
        g_autofree char *h = hint_array(names, seg);
        g_set_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_INVALID,
                    "--set %s: no %s named '%s'%s", text, item_noun(parent_key),
                    seg, h);
        node_free(value);
        return FALSE;
      }
      if (last || found->type != NODE_MAP) {
        g_set_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_INVALID,
                    "--set %s: a %s cannot be replaced as a whole; set one of "
                    "its keys, e.g. %s.%s.name", text, item_noun(parent_key),
                    path, seg);
        node_free(value);
        return FALSE;
      }
      cur = found;
    } else if (cur->type == NODE_MAP) {
      int idx;
      node *v = map_get(cur, seg, &idx);
      if (last) {
        if (v) {
          node_free(v);
          g_ptr_array_index(cur->vals, idx) = value;
        } else {
          g_ptr_array_add(cur->keys, scalar_new(seg, 0, 0, set));
          g_ptr_array_add(cur->vals, value);
        }
        return TRUE;
      }
      if (!v) {
        v = node_new(NODE_MAP, 0, 0, set);
        g_ptr_array_add(cur->keys, scalar_new(seg, 0, 0, set));
        g_ptr_array_add(cur->vals, v);
      } else if (v->type == NODE_SCALAR) {
        v = scalar_to_map(cur, idx, seg);
        if (!v) {
          g_set_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_INVALID,
                      "--set %s: '%s' is a single value, not a map", text,
                      seg);
          node_free(value);
          return FALSE;
        }
      }
      cur = v;
    } else {
      g_assert_not_reached();
    }
    parent_key = seg;
  }
  g_assert_not_reached();
}

/* ------------------------------------------------------------ validation */

/* Check every key of map `m` against `allowed` (NULL-terminated), with a
 * did-you-mean hint; `where` completes "unknown key 'x' ...". */
static gboolean check_keys(const ctx *c, const node *m,
                           const char *const *allowed, const char *where) {
  for (guint i = 0; i < m->keys->len; i++) {
    node *k = g_ptr_array_index(m->keys, i);
    for (guint j = 0; j < i; j++)
      if (strcmp(((node *)g_ptr_array_index(m->keys, j))->value, k->value) == 0)
        return fail(c, k, "duplicate key '%s' %s", k->value, where);
    bool ok = false;
    for (int a = 0; allowed[a] && !ok; a++)
      ok = strcmp(allowed[a], k->value) == 0;
    if (!ok) {
      g_autofree char *h = hint(allowed, k->value);
      return fail(c, k, "unknown key '%s' %s%s", k->value, where, h);
    }
  }
  return TRUE;
}

/* Allowed keys: `fixed` plus every parameter of `table`. */
static GPtrArray *key_list(const char *const *fixed, const param_desc *table) {
  GPtrArray *a = g_ptr_array_new();
  for (int i = 0; fixed && fixed[i]; i++)
    g_ptr_array_add(a, (gpointer)fixed[i]);
  for (const param_desc *p = table; p && p->name; p++)
    g_ptr_array_add(a, (gpointer)p->name);
  g_ptr_array_add(a, NULL);
  return a;
}

static gboolean check_keys2(const ctx *c, const node *m,
                            const char *const *fixed, const param_desc *table,
                            const char *where) {
  g_autoptr(GPtrArray) keys = key_list(fixed, table);
  return check_keys(c, m, (const char *const *)keys->pdata, where);
}

static gboolean want_scalar(const ctx *c, const node *v, const char *key) {
  if (v->type == NODE_SCALAR)
    return TRUE;
  return fail(c, v, "expected a value for '%s', found %s", key, node_kind(v));
}

/* A map or list value; nothing written counts as an empty one. */
static gboolean want(const ctx *c, const node *v, node_type type,
                     const char *key) {
  if (v->type == type || (v->type == NODE_SCALAR && v->null))
    return TRUE;
  return fail(c, v, "expected %s for '%s', found %s",
              type == NODE_MAP ? "a map" : "a list", key, node_kind(v));
}

static guint len_of(const node *v) { return v->type == NODE_SCALAR ? 0 : v->vals->len; }

/* Assign every key of `m` that `table` knows. */
static gboolean apply_params(const ctx *c, const node *m,
                             const param_desc *table, void *cfg) {
  for (guint i = 0; i < m->keys->len; i++) {
    node *k = g_ptr_array_index(m->keys, i);
    node *v = g_ptr_array_index(m->vals, i);
    const param_desc *p = params_find(table, k->value);
    if (!p)
      continue;
    if (!want_scalar(c, v, k->value))
      return FALSE;
    GError *local = NULL;
    if (!params_set(p, cfg, v->value, &local)) {
      fail(c, v, "%s", local->message);
      g_error_free(local);
      return FALSE;
    }
  }
  return TRUE;
}

/* A required, non-empty name. */
static gboolean get_name(const ctx *c, const node *m, const char *what,
                         const char **out) {
  node *v = map_get(m, "name", NULL);
  if (!v)
    return fail(c, m, "%s has no 'name'", what);
  if (!want_scalar(c, v, "name"))
    return FALSE;
  if (v->null || !*v->value)
    return fail(c, v, "empty %s name", what);
  *out = v->value;
  return TRUE;
}

/* Names that become file names: the workload's (results/<name>/) and the
 * devices' (<dev>.blktrace.0).  A label, never a path. */
#define FILE_NAME_MAX 64

static gboolean file_name_ok(const char *n) {
  size_t len = strlen(n);
  if (len == 0 || len > FILE_NAME_MAX || n[0] == '.')
    return FALSE;
  for (const char *p = n; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

/* `as` is the file it becomes, e.g. "results/<name>/". */
static gboolean check_file_name(const ctx *c, const node *v, const char *what,
                                const char *as) {
  if (file_name_ok(v->value))
    return TRUE;
  g_autofree char *shown = g_strescape(v->value, NULL);
  return fail(c, v,
              "%s name '%s' cannot be a file name (it names %s): use only "
              "letters, digits, '-', '_' and '.', not starting with '.', at "
              "most %d characters",
              what, shown, as, FILE_NAME_MAX);
}

/* Index of `name` in array of structs whose first member is `char *name`. */
static int find_named(GPtrArray *a, const char *name) {
  for (guint i = 0; i < a->len; i++)
    if (strcmp(*(char **)g_ptr_array_index(a, i), name) == 0)
      return (int)i;
  return -1;
}

static char *hint_named(GPtrArray *a, const char *name) {
  g_autoptr(GPtrArray) names = g_ptr_array_new();
  for (guint i = 0; i < a->len; i++)
    g_ptr_array_add(names, *(char **)g_ptr_array_index(a, i));
  return hint_array(names, name);
}

/* ---- top level ---- */

typedef struct {
  int64_t seed, duration;
} top_opts;

static const param_desc top_params[] = {
  { "seed", PARAM_INT, offsetof(top_opts, seed), "1", 0, 9e18, NULL,
    "seed of every random stream" },
  { "duration", PARAM_TIME, offsetof(top_opts, duration), "0", PARAM_NO_RANGE,
    NULL, "simulated-time limit; 0: until every process is done" },
  { .name = NULL },
};

static const char *const top_keys[] = {
  "name", "kernel", "devices", "cgroups", "io_contexts", "processes",
  "interleaving", "timeseries", NULL,
};

/* ---- kernel ---- */

typedef struct {
  int64_t hz, nr_requests;
  int cic_link;
  bool group_iosched;
} kernel_opts;

static const char *const cic_link_names[] = { "buggy", "fixed", NULL };

static const param_desc kernel_params[] = {
  { "hz", PARAM_INT, offsetof(kernel_opts, hz), "1000", PARAM_NO_RANGE, NULL,
    "CONFIG_HZ: 100, 250, 300 or 1000" },
  { "nr_requests", PARAM_INT, offsetof(kernel_opts, nr_requests), "128", 4,
    1 << 20, NULL, "requests per class, sync and async (queue/nr_requests)" },
  { "cic_link", PARAM_ENUM, offsetof(kernel_opts, cic_link), "fixed",
    PARAM_NO_RANGE, cic_link_names,
    "cfq_cic_link: buggy (3.0-3.2-rc) or fixed" },
  { "group_iosched", PARAM_BOOL, offsetof(kernel_opts, group_iosched), "true",
    PARAM_NO_RANGE, NULL, "CONFIG_CFQ_GROUP_IOSCHED" },
  { .name = NULL },
};

static gboolean load_kernel(const ctx *c, const node *m, workload *w) {
  kernel_opts k;
  g_autofree kernel_opts *def = params_defaults(kernel_params, sizeof k);
  k = *def;
  if (m) {
    if (!want(c, m, NODE_MAP, "kernel"))
      return FALSE;
    if (m->type == NODE_MAP) {
      if (!check_keys2(c, m, NULL, kernel_params, "in kernel") ||
          !apply_params(c, m, kernel_params, &k))
        return FALSE;
      if (k.hz != 100 && k.hz != 250 && k.hz != 300 && k.hz != 1000)
        return fail(c, map_get(m, "hz", NULL),
                    "hz: %" G_GINT64_FORMAT " is not one of 100, 250, 300, 1000",
                    k.hz);
    }
  }
  w->kernel.hz = (int)k.hz;
  w->kernel.nr_requests = k.nr_requests;
  w->kernel.cic_link = k.cic_link == 0 ? CIC_LINK_BUGGY : CIC_LINK_FIXED;
  w->kernel.group_iosched = k.group_iosched;
  return TRUE;
}

/* ---- devices ---- */

typedef struct {
  int64_t depth, max_sectors_kb, nomerges;
} device_opts;

static const param_desc device_params[] = {
  { "depth", PARAM_INT, offsetof(device_opts, depth), "0", 0, 4096, NULL,
    "driver queue depth; 0: the disk model's" },
  { "max_sectors_kb", PARAM_INT, offsetof(device_opts, max_sectors_kb), "512",
    4, 1 << 20, NULL, "largest request, KiB (queue/max_sectors_kb)" },
  { "nomerges", PARAM_INT, offsetof(device_opts, nomerges), "0", 0, 2, NULL,
    "queue/nomerges: 0 all merges, 1 simple only, 2 none" },
  { .name = NULL },
};

static const char *const device_fixed_keys[] = { "name", "model", "scheduler",
                                                 NULL };

static void device_free(wl_device *d) {
  if (!d)
    return;
  g_free(d->name);
  g_free(d->disk_cfg);
  g_free(d->elevator_cfg);
  g_free(d);
}

static const char *const scheduler_fixed_keys[] = { "name", NULL };

static gboolean load_scheduler(const ctx *c, const node *s, wl_device *d) {
  const char *name = "cfq";
  const node *name_node = s;
  if (s) {
    if (s->type == NODE_SEQ)
      return fail(c, s, "expected a scheduler name or a map for 'scheduler', "
                        "found a list");
    if (s->type == NODE_SCALAR && !s->null) {
      name = s->value;
    } else if (s->type == NODE_MAP) {
      node *n = map_get(s, "name", NULL);
      if (n) {
        if (!want_scalar(c, n, "name"))
          return FALSE;
        name = n->value;
        name_node = n;
      }
    }
  }
  d->elevator = elevator_find(name);
  if (!d->elevator) {
    g_autofree char *h = hint(elevator_names, name);
    return fail(c, name_node, "unknown scheduler '%s'%s", name, h);
  }
  d->elevator_cfg = params_defaults(d->elevator->params, d->elevator->cfg_size);
  if (s && s->type == NODE_MAP) {
    const char *const *fixed = scheduler_fixed_keys;
    if (!check_keys2(c, s, fixed, d->elevator->params, "in scheduler") ||
        !apply_params(c, s, d->elevator->params, d->elevator_cfg))
      return FALSE;
  }
  return TRUE;
}

static gboolean load_device(const ctx *c, const node *m, workload *w) {
  if (m->type != NODE_MAP)
    return fail(c, m, "expected a map for a device, found %s", node_kind(m));
  const char *name;
  if (!get_name(c, m, "device", &name) ||
      !check_file_name(c, map_get(m, "name", NULL), "device",
                       "<dev>.blktrace.0"))
    return FALSE;
  if (find_named(w->devices, name) >= 0)
    return fail(c, map_get(m, "name", NULL), "duplicate device name '%s'",
                name);
  wl_device *d = g_new0(wl_device, 1);
  d->name = g_strdup(name);
  g_ptr_array_add(w->devices, d);

  const char *model = "hdd";
  node *mv = map_get(m, "model", NULL);
  if (mv) {
    if (!want_scalar(c, mv, "model"))
      return FALSE;
    model = mv->value;
  }
  d->disk = disk_ops_find(model);
  if (!d->disk) {
    g_autofree char *h = hint(disk_model_names, model);
    return fail(c, mv, "unknown model '%s'%s", model, h);
  }
  g_autofree char *where = g_strdup_printf("in device '%s'", name);
  g_autoptr(GPtrArray) fixed = key_list(device_fixed_keys, device_params);
  g_ptr_array_remove_index(fixed, fixed->len - 1);
  if (!check_keys2(c, m, (const char *const *)fixed->pdata, d->disk->params,
                   where))
    return FALSE;

  device_opts o;
  g_autofree device_opts *def = params_defaults(device_params, sizeof o);
  o = *def;
  if (!apply_params(c, m, device_params, &o))
    return FALSE;
  d->depth = (int)o.depth;
  d->max_sectors_kb = o.max_sectors_kb;
  d->nomerges = (int)o.nomerges;

  d->disk_cfg = params_defaults(d->disk->params, d->disk->cfg_size);
  if (!apply_params(c, m, d->disk->params, d->disk_cfg))
    return FALSE;
  GError *cerr = NULL;
  if (d->disk->check && !d->disk->check(d->disk_cfg, &cerr)) {
    gboolean r = fail(c, m, "device '%s': %s", name, cerr->message);
    g_error_free(cerr);
    return r;
  }
  return load_scheduler(c, map_get(m, "scheduler", NULL), d);
}

static gboolean load_devices(const ctx *c, const node *list, workload *w) {
  if (!list) {
    /* Nothing said: one rotating disk under CFQ, the 3.2 default. */
    wl_device *d = g_new0(wl_device, 1);
    d->name = g_strdup("sda");
    d->disk = disk_ops_find("hdd");
    g_assert(d->disk);
    d->disk_cfg = params_defaults(d->disk->params, d->disk->cfg_size);
    d->elevator = elevator_find("cfq");
    g_assert(d->elevator);
    d->elevator_cfg =
        params_defaults(d->elevator->params, d->elevator->cfg_size);
    d->max_sectors_kb = 512;
    g_ptr_array_add(w->devices, d);
    return TRUE;
  }
  if (!want(c, list, NODE_SEQ, "devices"))
    return FALSE;
  if (len_of(list) == 0)
    return fail(c, list, "'devices' is empty: give at least one device");
  for (guint i = 0; i < list->vals->len; i++)
    if (!load_device(c, g_ptr_array_index(list->vals, i), w))
      return FALSE;
  return TRUE;
}

/* ---- cgroups and io_contexts ---- */

typedef struct {
  int64_t weight;
} cgroup_opts;

static const param_desc cgroup_params[] = {
  { "weight", PARAM_INT, offsetof(cgroup_opts, weight), "500", 10, 1000, NULL,
    "blkio.weight" },
  { .name = NULL },
};

static void cgroup_free(wl_cgroup *g) {
  if (g)
    g_free(g->name);
  g_free(g);
}

static const char *const cgroup_fixed_keys[] = { "name", NULL };

static gboolean load_cgroups(const ctx *c, const node *list, workload *w) {
  if (!list)
    return TRUE;
  if (!want(c, list, NODE_SEQ, "cgroups"))
    return FALSE;
  for (guint i = 0; i < len_of(list); i++) {
    node *m = g_ptr_array_index(list->vals, i);
    if (m->type != NODE_MAP)
      return fail(c, m, "expected a map for a cgroup, found %s", node_kind(m));
    const char *name;
    if (!get_name(c, m, "cgroup", &name))
      return FALSE;
    if (find_named(w->cgroups, name) >= 0)
      return fail(c, map_get(m, "name", NULL), "duplicate cgroup name '%s'",
                  name);
    g_autofree char *where = g_strdup_printf("in cgroup '%s'", name);
    const char *const *fixed = cgroup_fixed_keys;
    cgroup_opts o = { 500 };
    if (!check_keys2(c, m, fixed, cgroup_params, where) ||
        !apply_params(c, m, cgroup_params, &o))
      return FALSE;
    wl_cgroup *g = g_new0(wl_cgroup, 1);
    g->name = g_strdup(name);
    g->weight = (int)o.weight;
    g_ptr_array_add(w->cgroups, g);
  }
  return TRUE;
}

static int find_str(GPtrArray *a, const char *s) {
  for (guint i = 0; i < a->len; i++)
    if (strcmp(g_ptr_array_index(a, i), s) == 0)
      return (int)i;
  return -1;
}

static gboolean load_io_contexts(const ctx *c, const node *list, workload *w) {
  if (!list)
    return TRUE;
  if (!want(c, list, NODE_SEQ, "io_contexts"))
    return FALSE;
  for (guint i = 0; i < len_of(list); i++) {
    node *v = g_ptr_array_index(list->vals, i);
    if (v->type != NODE_SCALAR || v->null)
      return fail(c, v, "expected an io_context name, found %s",
                  v->type == NODE_SCALAR ? "nothing" : node_kind(v));
    if (find_str(w->io_contexts, v->value) >= 0)
      return fail(c, v, "duplicate io_context name '%s'", v->value);
    g_ptr_array_add(w->io_contexts, g_strdup(v->value));
  }
  return TRUE;
}

/* ---- processes ---- */

typedef struct {
  int rw;
  int64_t rwmixread, bs, size, offset, iodepth, count, io_size, runtime, start,
      nice, numjobs, offset_increment;
  bool sync, direct, share_ioc;
} proc_opts;

static const char *const rw_names[] = { "read",      "write", "randread",
                                        "randwrite", "rw",    "readwrite",
                                        "randrw",    NULL };
static const wl_rw rw_values[] = { RW_READ, RW_WRITE, RW_RANDREAD, RW_RANDWRITE,
                                   RW_RW,   RW_RW,    RW_RANDRW };

static const param_desc proc_params[] = {
  { "rw", PARAM_ENUM, offsetof(proc_opts, rw), "read", PARAM_NO_RANGE,
    rw_names, "fio rw: read, write, randread, randwrite, rw, randrw" },
  { "rwmixread", PARAM_INT, offsetof(proc_opts, rwmixread), "50", 0, 100, NULL,
    "percent reads of rw/randrw" },
  { "bs", PARAM_SIZE, offsetof(proc_opts, bs), "4k", 512, 64 << 20, NULL,
    "bytes per I/O, a multiple of 512" },
  { "size", PARAM_SIZE, offsetof(proc_opts, size), "0", PARAM_NO_RANGE, NULL,
    "region the job works in; 0: to the end of the device" },
  { "offset", PARAM_SIZE, offsetof(proc_opts, offset), "0", PARAM_NO_RANGE,
    NULL, "start of the region" },
  { "iodepth", PARAM_INT, offsetof(proc_opts, iodepth), "1", 1, 4096, NULL,
    "I/Os in flight" },
  { "count", PARAM_INT, offsetof(proc_opts, count), "0", 0, 9e18, NULL,
    "number of I/Os; 0: unlimited" },
  { "io_size", PARAM_SIZE, offsetof(proc_opts, io_size), "0", PARAM_NO_RANGE,
    NULL, "bytes to transfer; 0: unlimited" },
  { "runtime", PARAM_TIME, offsetof(proc_opts, runtime), "0", PARAM_NO_RANGE,
    NULL, "stop after this long; 0: unlimited" },
  { "start", PARAM_TIME, offsetof(proc_opts, start), "0", PARAM_NO_RANGE, NULL,
    "when the job starts" },
  { "nice", PARAM_INT, offsetof(proc_opts, nice), "0", -20, 19, NULL,
    "CPU nice; gives the I/O level of class none" },
  { "numjobs", PARAM_INT, offsetof(proc_opts, numjobs), "1", 0, 1024, NULL,
    "clones of this job; 0 switches the job off (handy with --set)" },
  { "offset_increment", PARAM_SIZE, offsetof(proc_opts, offset_increment),
    "0", PARAM_NO_RANGE, NULL,
    "clone j starts at offset + j * offset_increment (fio)" },
  { "sync", PARAM_BOOL, offsetof(proc_opts, sync), "false", PARAM_NO_RANGE,
    NULL, "writes carry REQ_SYNC (O_SYNC)" },
  { "direct", PARAM_BOOL, offsetof(proc_opts, direct), "false",
    PARAM_NO_RANGE, NULL, "O_DIRECT: writes are sync here" },
  { "share_ioc", PARAM_BOOL, offsetof(proc_opts, share_ioc), "false",
    PARAM_NO_RANGE, NULL, "clones share one io_context (CLONE_IO)" },
  { .name = NULL },
};

static const char *const proc_fixed_keys[] = {
  "name", "think", "ioprio", "cgroup", "device", "ioc", NULL,
};

static void process_free(wl_process *p) {
  if (!p)
    return;
  g_free(p->name);
  g_free(p->ioc);
  g_free(p);
}

static const char *const think_keys[] = { "mean", "dist", NULL };

static gboolean load_think(const ctx *c, const node *v, wl_process *p) {
  const node *mean = v;
  if (v->type == NODE_SEQ)
    return fail(c, v, "expected a time or a map for 'think', found a list");
  if (v->type == NODE_MAP) {
    const char *const *keys = think_keys;
    if (!check_keys(c, v, keys, "in think"))
      return FALSE;
    mean = map_get(v, "mean", NULL);
    if (!mean)
      return fail(c, v, "think has no 'mean'");
    node *dist = map_get(v, "dist", NULL);
    if (dist) {
      static const char *const dists[] = { "fixed", "exp", NULL };
      if (!want_scalar(c, dist, "dist"))
        return FALSE;
      if (strcmp(dist->value, "exp") != 0 && strcmp(dist->value, "fixed") != 0) {
        g_autofree char *h = hint(dists, dist->value);
        return fail(c, dist, "dist: '%s' is not one of fixed, exp%s",
                    dist->value, h);
      }
      p->think_exp = strcmp(dist->value, "exp") == 0;
    }
  }
  if (!want_scalar(c, mean, "think"))
    return FALSE;
  GError *local = NULL;
  if (!units_parse_time(mean->value, &p->think, &local)) {
    fail(c, mean, "think: %s", local->message);
    g_error_free(local);
    return FALSE;
  }
  return TRUE;
}

static gboolean load_ioprio(const ctx *c, const node *v, wl_process *p) {
  static const char *const classes[] = { "none", "rt", "be", "idle", NULL };
  static const int class_ids[] = { IOPRIO_CLASS_NONE, IOPRIO_CLASS_RT,
                                   IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE };
  if (!want_scalar(c, v, "ioprio"))
    return FALSE;
  g_auto(GStrv) parts = g_strsplit(v->value, "/", -1);
  guint n = g_strv_length(parts);
  if (n < 1 || n > 2)
    return fail(c, v, "ioprio: invalid '%s' (use class/level: rt/0..7, "
                      "be/0..7, idle or none, e.g. be/4)", v->value);
  int cls = -1;
  for (int i = 0; classes[i]; i++)
    if (g_ascii_strcasecmp(parts[0], classes[i]) == 0)
      cls = i;
  if (cls < 0 && strpbrk(parts[0], "0123456789"))
    return fail(c, v, "ioprio: invalid '%s' (use class/level: rt/0..7, "
                      "be/0..7, idle or none, e.g. be/4)", v->value);
  if (cls < 0) {
    g_autofree char *h = hint(classes, parts[0]);
    return fail(c, v, "ioprio: unknown class '%s'%s", parts[0],
                *h ? h : " (use rt, be, idle or none)");
  }
  p->ioprio_class = class_ids[cls];
  /* Without a level: the kernel's default for the class (be/4 and rt/4 as
   * IOPRIO_NORM, none and idle take theirs from nice / ignore it). */
  p->ioprio_level = IOPRIO_NORM;
  if (n == 2) {
    guint64 lvl;
    if (!g_ascii_string_to_unsigned(parts[1], 10, 0, 1000, &lvl, NULL))
      return fail(c, v, "ioprio: invalid '%s' (use class/level: rt/0..7, "
                        "be/0..7, idle or none, e.g. be/4)", v->value);
    if (lvl >= IOPRIO_BE_NR)
      return fail(c, v, "ioprio: level %u in '%s' is out of range (0 to 7)",
                  (unsigned)lvl, v->value);
    p->ioprio_level = (int)lvl;
  }
  return TRUE;
}

/* Look `v` up in a list of names; error with a hint. */
static gboolean resolve(const ctx *c, const node *v, const char *what,
                        GPtrArray *named, int *out) {
  if (!want_scalar(c, v, what))
    return FALSE;
  *out = find_named(named, v->value);
  if (*out >= 0)
    return TRUE;
  g_autofree char *h = hint_named(named, v->value);
  return fail(c, v, "unknown %s '%s'%s", what, v->value, h);
}

/* One job -> numjobs processes; `nodes` gets the job's map per process. */
static gboolean load_process(const ctx *c, const node *m, workload *w,
                             int64_t duration, GPtrArray *nodes) {
  if (m->type != NODE_MAP)
    return fail(c, m, "expected a map for a process, found %s", node_kind(m));
  const char *name;
  if (!get_name(c, m, "process", &name))
    return FALSE;
  node *name_node = map_get(m, "name", NULL);
  if (strchr(name, '@'))
    return fail(c, name_node, "process name '%s' must not contain '@'", name);
  g_autofree char *where = g_strdup_printf("in process '%s'", name);
  if (!check_keys2(c, m, proc_fixed_keys, proc_params, where))
    return FALSE;

  proc_opts o;
  g_autofree proc_opts *def = params_defaults(proc_params, sizeof o);
  o = *def;
  if (!apply_params(c, m, proc_params, &o))
    return FALSE;
  if (o.bs % 512 != 0)
    return fail(c, map_get(m, "bs", NULL),
                "bs: %" G_GINT64_FORMAT " bytes is not a multiple of 512",
                o.bs);
  if (o.offset % 512 != 0)
    return fail(c, map_get(m, "offset", NULL),
                "offset: %" G_GINT64_FORMAT " bytes is not a multiple of 512",
                o.offset);
  if (o.offset_increment % 512 != 0)
    return fail(c, map_get(m, "offset_increment", NULL),
                "offset_increment: %" G_GINT64_FORMAT
                " bytes is not a multiple of 512", o.offset_increment);
  if (o.count == 0 && o.io_size == 0 && o.runtime == 0 && duration == 0)
    return fail(c, name_node,
                "process '%s' never ends: give it count, io_size or runtime, "
                "or give the workload a duration", name);

  wl_process t = {
    .rw = rw_values[o.rw],
    .rwmixread = (int)o.rwmixread,
    .bs = o.bs,
    .offset = o.offset,
    .size = o.size,
    .iodepth = (int)o.iodepth,
    .count = o.count,
    .io_size = o.io_size,
    .runtime = o.runtime,
    .start = o.start,
    .sync = o.sync || o.direct,
    .nice = (int)o.nice,
    .cgroup = -1,
    .ioprio_class = IOPRIO_CLASS_NONE,
  };
  node *v;
  if ((v = map_get(m, "think", NULL)) && !load_think(c, v, &t))
    return FALSE;
  if ((v = map_get(m, "ioprio", NULL)) && !load_ioprio(c, v, &t))
    return FALSE;
  if (t.ioprio_class == IOPRIO_CLASS_NONE)
    t.ioprio_level = (t.nice + 20) / 5; /* task_nice_ioprio */
  if ((v = map_get(m, "device", NULL)) &&
      !resolve(c, v, "device", w->devices, &t.device))
    return FALSE;
  if ((v = map_get(m, "cgroup", NULL)) &&
      !resolve(c, v, "cgroup", w->cgroups, &t.cgroup))
    return FALSE;
  const char *ioc = NULL;
  if ((v = map_get(m, "ioc", NULL))) {
    if (!want_scalar(c, v, "ioc"))
      return FALSE;
    if (find_str(w->io_contexts, v->value) < 0) {
      g_autofree char *h = hint_array(w->io_contexts, v->value);
      return fail(c, v, "unknown io_context '%s'%s", v->value,
                  *h ? h : " (declare it under 'io_contexts')");
    }
    ioc = v->value;
  }

  for (int64_t j = 0; j < o.numjobs; j++) {
    wl_process *p = g_new(wl_process, 1);
    *p = t;
    p->name = o.numjobs > 1 ? g_strdup_printf("%s.%" G_GINT64_FORMAT, name, j)
                            : g_strdup(name);
    p->offset += j * o.offset_increment;
    if (ioc)
      p->ioc = g_strdup(ioc);
    else
      p->ioc = g_strdup(o.share_ioc ? name : p->name);
    g_ptr_array_add(w->processes, p);
    g_ptr_array_add(nodes, name_node);
    if (!ioc && find_str(w->io_contexts, p->ioc) >= 0)
      return fail(c, name_node,
                  "process '%s' would get a private io_context named '%s', "
                  "but that name is declared in 'io_contexts'; rename one",
                  p->name, p->ioc);
  }
  return TRUE;
}

static gboolean load_processes(const ctx *c, const node *root,
                               const node *list, workload *w,
                               int64_t duration) {
  if (!list || len_of(list) == 0) {
    if (list && !want(c, list, NODE_SEQ, "processes"))
      return FALSE;
    return fail(c, list ? list : root,
                "no processes: add a 'processes' list");
  }
  if (!want(c, list, NODE_SEQ, "processes"))
    return FALSE;
  g_autoptr(GPtrArray) nodes = g_ptr_array_new();
  g_autoptr(GPtrArray) jobs = g_ptr_array_new();
  for (guint i = 0; i < list->vals->len; i++) {
    node *m = g_ptr_array_index(list->vals, i);
    guint before = w->processes->len;
    if (!load_process(c, m, w, duration, nodes))
      return FALSE;
    /* Job names are unique, and so are the names after expansion. */
    node *nm = map_get(m, "name", NULL);
    if (find_str(jobs, nm->value) >= 0)
      return fail(c, nm, "duplicate process name '%s'", nm->value);
    g_ptr_array_add(jobs, nm->value);
    for (guint j = before; j < w->processes->len; j++) {
      const char *pn = ((wl_process *)g_ptr_array_index(w->processes, j))->name;
      for (guint k = 0; k < j; k++)
        if (strcmp(pn, ((wl_process *)g_ptr_array_index(w->processes, k))->name) == 0)
          return fail(c, nm, "duplicate process name '%s'", pn);
    }
  }
  return TRUE;
}

/* ---- interleaving and timeseries ---- */

static const char *const step_names[] = {
  "submit", "lookup", "alloc_cic", "link", "queue",
  "fail",   "retry",  "unplug",    "io_wait", "exit", NULL,
};

typedef struct {
  int policy;
} interleave_opts;

static const char *const policy_names[] = { "fifo", "script", "random", NULL };

static const param_desc interleave_params[] = {
  { "policy", PARAM_ENUM, offsetof(interleave_opts, policy), "fifo",
    PARAM_NO_RANGE, policy_names, "fifo, script or random" },
  { .name = NULL },
};

static void sched_entry_clear(sched_entry *e) {
  g_free(e->process);
  g_free(e->step);
  g_free(e->label);
}

static gboolean load_schedule(const ctx *c, const node *s, const node *labels,
                              workload *w) {
  if (!want(c, s, NODE_SEQ, "schedule"))
    return FALSE;
  g_autoptr(GPtrArray) names = g_ptr_array_new();
  for (guint i = 0; i < w->processes->len; i++)
    g_ptr_array_add(names, ((wl_process *)g_ptr_array_index(w->processes, i))->name);
  for (guint i = 0; i < len_of(s); i++) {
    node *v = g_ptr_array_index(s->vals, i);
    /* `~` (YAML's null when unquoted) delivers the next pending event:
     * the explorer prints it where a hang needs time to pass early. */
    if (v->type == NODE_SCALAR &&
        (v->null || strcmp(v->value, SCHED_DELIVER) == 0)) {
      sched_entry e = {.process = g_strdup(SCHED_DELIVER),
                          .line = v->set ? 0 : v->line,
                          .col = v->set ? 0 : v->col};
      g_array_append_val(w->schedule, e);
      continue;
    }
    if (v->type != NODE_SCALAR)
      return fail(c, v, "expected a schedule entry like A, A@link or ~, found %s",
                  node_kind(v));
    const char *at = strrchr(v->value, '@');
    g_autofree char *proc =
        at ? g_strndup(v->value, (gsize)(at - v->value)) : g_strdup(v->value);
    if (find_str(names, proc) < 0) {
      g_autofree char *h = hint_array(names, proc);
      return fail(c, v, "unknown process '%s' in schedule%s", proc, h);
    }
    if (at) {
      bool ok = false;
      for (int k = 0; step_names[k] && !ok; k++)
        ok = strcmp(step_names[k], at + 1) == 0;
      if (!ok) {
        g_autofree char *h = hint(step_names, at + 1);
        return fail(c, v, "unknown step '%s' in '%s'%s", at + 1, v->value, h);
      }
    }
    sched_entry e = {
      .process = g_steal_pointer(&proc),
      .step = at ? g_strdup(at + 1) : NULL,
      .line = v->set ? 0 : v->line,
      .col = v->set ? 0 : v->col,
    };
    g_array_append_val(w->schedule, e);
  }
  if (labels) {
    if (!want(c, labels, NODE_SEQ, "labels"))
      return FALSE;
    if (len_of(labels) != len_of(s))
      return fail(c, labels, "'labels' has %u entries but 'schedule' has %u",
                  len_of(labels), len_of(s));
    for (guint i = 0; i < len_of(labels); i++) {
      node *v = g_ptr_array_index(labels->vals, i);
      if (!want_scalar(c, v, "labels"))
        return FALSE;
      g_array_index(w->schedule, sched_entry, i).label =
          v->null ? NULL : g_strdup(v->value);
    }
  }
  return TRUE;
}

static const char *const interleave_fixed_keys[] = { "schedule", "labels",
                                                    NULL };

static gboolean load_interleaving(const ctx *c, const node *m, workload *w) {
  interleave_opts o = { 0 };
  if (!m)
    return TRUE;
  if (!want(c, m, NODE_MAP, "interleaving"))
    return FALSE;
  if (m->type != NODE_MAP)
    return TRUE;
  const char *const *fixed = interleave_fixed_keys;
  if (!check_keys2(c, m, fixed, interleave_params, "in interleaving") ||
      !apply_params(c, m, interleave_params, &o))
    return FALSE;
  node *s = map_get(m, "schedule", NULL);
  node *labels = map_get(m, "labels", NULL);
  if (labels && !s)
    return fail(c, labels, "'labels' without a 'schedule'");
  if (s && !load_schedule(c, s, labels, w))
    return FALSE;
  node *pol = map_get(m, "policy", NULL);
  if (pol)
    w->policy = o.policy == 0   ? INTERLEAVE_FIFO
                : o.policy == 1 ? INTERLEAVE_SCRIPT
                                : INTERLEAVE_RANDOM;
  else
    w->policy = w->schedule->len > 0 ? INTERLEAVE_SCRIPT : INTERLEAVE_FIFO;
  if (w->policy == INTERLEAVE_SCRIPT && w->schedule->len == 0)
    return fail(c, pol, "policy 'script' needs a 'schedule'");
  return TRUE;
}

typedef struct {
  int64_t window;
} timeseries_opts;

static const param_desc timeseries_params[] = {
  { "window", PARAM_TIME, offsetof(timeseries_opts, window), "100ms", 1000,
    9e18, NULL, "width of one timeseries.csv row" },
  { .name = NULL },
};

static gboolean load_timeseries(const ctx *c, const node *m, workload *w) {
  timeseries_opts o = { 100 * 1000000 };
  if (m) {
    if (!want(c, m, NODE_MAP, "timeseries"))
      return FALSE;
    if (m->type == NODE_MAP &&
        (!check_keys2(c, m, NULL, timeseries_params, "in timeseries") ||
         !apply_params(c, m, timeseries_params, &o)))
      return FALSE;
  }
  w->window = o.window;
  return TRUE;
}

static gboolean load_root(const ctx *c, const node *root, workload *w) {
  if (root->type != NODE_MAP)
    return fail(c, root, "expected a map at the top level, found %s",
                node_kind(root));
  if (!check_keys2(c, root, top_keys, top_params, "at the top level"))
    return FALSE;
  top_opts t;
  g_autofree top_opts *def = params_defaults(top_params, sizeof t);
  t = *def;
  if (!apply_params(c, root, top_params, &t))
    return FALSE;
  w->seed = (uint64_t)t.seed;
  w->duration = t.duration;

  node *v = map_get(root, "name", NULL);
  if (v) {
    if (!want_scalar(c, v, "name"))
      return FALSE;
    if (v->null || !*v->value)
      return fail(c, v, "empty workload name");
    if (!check_file_name(c, v, "workload", "results/<name>/"))
      return FALSE;
    w->name = g_strdup(v->value);
  } else {
    /* Named after its file, made a safe label the same way. */
    g_autofree char *base = g_path_get_basename(w->file);
    if (g_str_has_suffix(base, ".yaml"))
      base[strlen(base) - 5] = '\0';
    else if (g_str_has_suffix(base, ".yml"))
      base[strlen(base) - 4] = '\0';
    for (char *p = base; *p; p++)
      if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.')
        *p = '_';
    if (base[0] == '.' || !base[0] || strlen(base) > FILE_NAME_MAX) {
      g_autofree char *t = g_strndup(base, FILE_NAME_MAX - 1);
      g_free(base);
      base = g_strconcat("_", t, NULL);
    }
    w->name = g_strdup(base);
  }
  return load_kernel(c, map_get(root, "kernel", NULL), w) &&
         load_devices(c, map_get(root, "devices", NULL), w) &&
         load_cgroups(c, map_get(root, "cgroups", NULL), w) &&
         load_io_contexts(c, map_get(root, "io_contexts", NULL), w) &&
         load_processes(c, root, map_get(root, "processes", NULL), w,
                        w->duration) &&
         load_interleaving(c, map_get(root, "interleaving", NULL), w) &&
         load_timeseries(c, map_get(root, "timeseries", NULL), w);
}

/* ----------------------------------------------------------------- entry */

workload *workload_load(const char *path, char **sets, GError **err) {
  g_autofree char *text = NULL;
  gsize len = 0;
  GError *local = NULL;
  if (!g_file_get_contents(path, &text, &len, &local)) {
    g_set_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_IO,
                "cannot read workload: %s", local->message);
    g_error_free(local);
    return NULL;
  }
  return workload_parse(path, text, len, sets, err);
}

workload *workload_parse(const char *path, const char *text, gsize len,
                         char **sets, GError **err) {
  node *root = NULL;
  if (!parse_yaml(text, len, 0, path, &root, err))
    return NULL;
  if (!root)
    root = node_new(NODE_MAP, 1, 1, 0);
  for (int i = 0; sets && sets[i]; i++) {
    if (root->type != NODE_MAP) {
      g_set_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_INVALID,
                  "--set %s: the workload is not a map", sets[i]);
      node_free(root);
      return NULL;
    }
    if (!apply_set(root, sets[i], i + 1, err)) {
      node_free(root);
      return NULL;
    }
  }

  workload *w = g_new0(workload, 1);
  w->file = g_strdup(path);
  w->devices = g_ptr_array_new_with_free_func((GDestroyNotify)device_free);
  w->cgroups = g_ptr_array_new_with_free_func((GDestroyNotify)cgroup_free);
  w->io_contexts = g_ptr_array_new_with_free_func(g_free);
  w->processes = g_ptr_array_new_with_free_func((GDestroyNotify)process_free);
  w->schedule = g_array_new(FALSE, TRUE, sizeof(sched_entry));
  g_array_set_clear_func(w->schedule, (GDestroyNotify)sched_entry_clear);
  w->window = 100 * 1000000;

  ctx c = { .file = path, .err = err };
  gboolean ok = load_root(&c, root, w);
  node_free(root);
  if (!ok) {
    workload_free(w);
    return NULL;
  }
  return w;
}

void workload_free(workload *w) {
  if (!w)
    return;
  g_free(w->file);
  g_free(w->name);
  g_ptr_array_free(w->devices, TRUE);
  g_ptr_array_free(w->cgroups, TRUE);
  g_ptr_array_free(w->io_contexts, TRUE);
  g_ptr_array_free(w->processes, TRUE);
  g_array_free(w->schedule, TRUE);
  g_free(w);
}

/* ------------------------------------------------------------ reference */

/* The same arrays and tables the loaders above check keys against: a key
 * added to one of them is accepted and listed at once. */
static void keys_add(GArray *a, const char *section, const char *const *fixed,
                     const param_desc *table) {
  for (int i = 0; fixed && fixed[i]; i++) {
    workload_key k = { section, fixed[i], NULL };
    g_array_append_val(a, k);
  }
  for (const param_desc *p = table; p && p->name; p++) {
    workload_key k = { section, p->name, p };
    g_array_append_val(a, k);
  }
}

/* Section names of the models and elevators, kept for the process. */
static const char *interned_section(const char *prefix, const char *name) {
  g_autofree char *s = g_strdup_printf("%s.%s", prefix, name);
  return g_intern_string(s);
}

GArray *workload_keys(void) {
  GArray *a = g_array_new(FALSE, FALSE, sizeof(workload_key));
  keys_add(a, "top", top_keys, top_params);
  keys_add(a, "kernel", NULL, kernel_params);
  keys_add(a, "devices", device_fixed_keys, device_params);
  for (int i = 0; disk_model_names[i]; i++)
    keys_add(a, interned_section("devices", disk_model_names[i]), NULL,
             disk_ops_find(disk_model_names[i])->params);
  keys_add(a, "scheduler", scheduler_fixed_keys, NULL);
  for (int i = 0; elevator_names[i]; i++)
    keys_add(a, interned_section("scheduler", elevator_names[i]), NULL,
             elevator_find(elevator_names[i])->params);
  keys_add(a, "cgroups", cgroup_fixed_keys, cgroup_params);
  keys_add(a, "processes", proc_fixed_keys, proc_params);
  keys_add(a, "think", think_keys, NULL);
  keys_add(a, "interleaving", interleave_fixed_keys, interleave_params);
  keys_add(a, "timeseries", NULL, timeseries_params);
  return a;
}
