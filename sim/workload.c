/* Workload files: YAML -> a small position-carrying tree -> --set overrides
 * -> a validated `workload`.
 *
 * The tree is ours rather than libyaml's document so that --set can add and
 * replace nodes, and so that every node knows where it came from: a line and
 * column of the file (1-based) or the --set that wrote it. */
#include "sim/workload.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <yaml.h>

#include "models/ioc.h"
#include "sim/core/interleave.h"
#include "sim/core/params.h"
#include "sim/core/units.h"
#include "sim/iolog.h"

/* clang-format off */
G_DEFINE_QUARK(cfqsim-workload-error-quark, workload_error)
/* clang-format on */

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
  /* name -> index into the workload's list, so that checking names stays
   * linear however long the lists are */
  GHashTable *devices, *cgroups, *io_contexts, *processes;
  /* job name -> index + 1 into job_ranges ({first process, count}) */
  GHashTable *jobs;
  GArray *job_ranges;
} ctx;

static int ix_find(GHashTable *ix, const char *name) {
  gpointer v;
  return g_hash_table_lookup_extended(ix, name, NULL, &v) ? GPOINTER_TO_INT(v)
                                                          : -1;
}

/* `name` must live as long as the table (it is the workload's string). */
static void ix_add(GHashTable *ix, const char *name, guint i) {
  g_hash_table_insert(ix, (gpointer)name, GINT_TO_POINTER((int)i));
}

static char *position(const ctx *c, const node *n) {
  if (n->set)
    return g_strdup_printf("--set:%d:%d", n->set, n->col);
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

/* Limits that keep a hostile file from costing more than a small one:
 * they are checked as the events arrive, so that a file nested 100,000
 * deep is refused at level 65 rather than after libyaml has built all of
 * it (which takes it time quadratic in the depth). */
#define MAX_DEPTH WORKLOAD_MAX_DEPTH
#define MAX_NODES 200000

typedef struct {
  int set;             /* 0: the file; N: the Nth --set */
  int col_base;        /* added to first-line columns (a --set's value) */
  int count;           /* nodes made so far, aliases' copies included */
  GHashTable *anchors; /* anchor name -> its finished node (in the tree) */
  const char *error;   /* set on failure, with error_mark */
  char *error_owned;
  yaml_mark_t error_mark;
} compose_state;

static gboolean compose_fail(compose_state *st, const yaml_mark_t *mark,
                             const char *msg) {
  st->error = msg;
  st->error_mark = *mark;
  return FALSE;
}

static gboolean count_node(compose_state *st, const yaml_mark_t *mark) {
  if (++st->count <= MAX_NODES)
    return TRUE;
  return compose_fail(st, mark, "too many nodes (more than 200000)");
}

static node *node_at(compose_state *st, node_type type, const yaml_mark_t *m) {
  int line = (int)m->line + 1, col = (int)m->column + 1;
  if (line == 1)
    col += st->col_base;
  return node_new(type, line, col, st->set);
}

/* An alias stands for a copy of its anchor's node. */
static node *node_copy(compose_state *st, const node *n,
                       const yaml_mark_t *mark) {
  if (!count_node(st, mark))
    return NULL;
  node *c = node_new(n->type, n->line, n->col, n->set);
  c->value = g_strdup(n->value);
  c->null = n->null;
  for (guint i = 0; n->vals && i < n->vals->len; i++) {
    node *k =
        n->keys ? node_copy(st, g_ptr_array_index(n->keys, i), mark) : NULL;
    node *v = (k || !n->keys)
                  ? node_copy(st, g_ptr_array_index(n->vals, i), mark)
                  : NULL;
    if (!v) {
      node_free(k);
      node_free(c);
      return NULL;
    }
    if (k)
      g_ptr_array_add(c->keys, k);
    g_ptr_array_add(c->vals, v);
  }
  return c;
}

/* Add a finished node to the collection being built (a map alternates
 * keys and values), or make it the root. */
static gboolean attach(compose_state *st, GPtrArray *stack, node **root,
                       node *n, const yaml_mark_t *mark) {
  if (stack->len == 0) {
    *root = n;
    return TRUE;
  }
  node *parent = g_ptr_array_index(stack, stack->len - 1);
  if (parent->type == NODE_MAP && parent->keys->len == parent->vals->len) {
    if (n->type != NODE_SCALAR) {
      node_free(n);
      return compose_fail(st, mark,
                          "a key must be a plain name, not a map or a list");
    }
    g_ptr_array_add(parent->keys, n);
  } else {
    g_ptr_array_add(parent->vals, n);
  }
  return TRUE;
}

static void anchor(compose_state *st, const yaml_char_t *name, node *n) {
  if (name)
    g_hash_table_insert(st->anchors, g_strdup((const char *)name), n);
}

/* One event into the tree; *done once the first document is complete. */
static gboolean compose(compose_state *st, const yaml_event_t *ev,
                        GPtrArray *stack, node **root, gboolean *done) {
  const yaml_mark_t *mark = &ev->start_mark;
  switch (ev->type) {
  case YAML_SCALAR_EVENT: {
    if (!count_node(st, mark))
      return FALSE;
    /* libyaml keeps a "\0" escape inside the value, where C strings would
     * silently cut it. */
    if (strlen((const char *)ev->data.scalar.value) != ev->data.scalar.length)
      return compose_fail(st, mark,
                          "a NUL byte (\\0) is not allowed in a value");
    node *n = node_at(st, NODE_SCALAR, mark);
    n->value =
        g_strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
      n->null = strcmp(n->value, "") == 0 || strcmp(n->value, "~") == 0 ||
                strcmp(n->value, "null") == 0;
    anchor(st, ev->data.scalar.anchor, n);
    return attach(st, stack, root, n, mark);
  }
  case YAML_SEQUENCE_START_EVENT:
  case YAML_MAPPING_START_EVENT: {
    if (stack->len > 0) {
      node *parent = g_ptr_array_index(stack, stack->len - 1);
      if (parent->type == NODE_MAP && parent->keys->len == parent->vals->len)
        return compose_fail(st, mark,
                            "a key must be a plain name, not a map or a list");
    }
    if (stack->len >= MAX_DEPTH)
      return compose_fail(st, mark,
                          "nesting is too deep (more than " G_STRINGIFY(
                              WORKLOAD_MAX_DEPTH) " levels)");
    if (!count_node(st, mark))
      return FALSE;
    bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
    node *n = node_at(st, seq ? NODE_SEQ : NODE_MAP, mark);
    /* The anchor goes on when the node is complete: an alias inside its
     * own anchor's node is undefined, as it is to libyaml's loader. */
    n->value = g_strdup(seq ? (const char *)ev->data.sequence_start.anchor
                            : (const char *)ev->data.mapping_start.anchor);
    g_ptr_array_add(stack, n);
    return TRUE;
  }
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT: {
    node *n = g_ptr_array_steal_index(stack, stack->len - 1);
    g_autofree char *name = g_steal_pointer(&n->value);
    anchor(st, (const yaml_char_t *)name, n);
    return attach(st, stack, root, n, mark);
  }
  case YAML_ALIAS_EVENT: {
    const char *name = (const char *)ev->data.alias.anchor;
    node *target = g_hash_table_lookup(st->anchors, name);
    if (!target) {
      st->error_owned = g_strdup_printf("found undefined alias '%s'", name);
      return compose_fail(st, mark, st->error_owned);
    }
    node *n = node_copy(st, target, mark);
    return n && attach(st, stack, root, n, mark);
  }
  case YAML_DOCUMENT_END_EVENT:
  case YAML_STREAM_END_EVENT: *done = TRUE; return TRUE;
  default: return TRUE;
  }
}

gboolean workload_yaml_depth_ok(const char *text, gsize len, int *line,
                                int *col) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    g_error("libyaml: out of memory");
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  int depth = 0;
  gboolean ok = TRUE, done = FALSE;
  while (ok && !done) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev))
      break; /* the caller's parser reports it */
    if (ev.type == YAML_SEQUENCE_START_EVENT ||
        ev.type == YAML_MAPPING_START_EVENT) {
      if (++depth > MAX_DEPTH) {
        *line = (int)ev.start_mark.line + 1;
        *col = (int)ev.start_mark.column + 1;
        ok = FALSE;
      }
    } else if (ev.type == YAML_SEQUENCE_END_EVENT ||
               ev.type == YAML_MAPPING_END_EVENT) {
      depth--;
    }
    done = ev.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);
  return ok;
}

/* Parse `text` into a tree.  *root is NULL for an empty document.  On a
 * syntax error, returns FALSE with libyaml's problem and its position;
 * `set` and `col_base` place the nodes of a --set's value. */
static gboolean parse_yaml(const char *text, size_t len, int set, int col_base,
                           const char *where, node **root, GError **err) {
  yaml_parser_t parser;
  *root = NULL;
  if (!yaml_parser_initialize(&parser))
    g_error("libyaml: out of memory");
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  compose_state st = {
      .set = set,
      .col_base = col_base,
      .anchors = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
  };
  g_autoptr(GPtrArray) stack =
      g_ptr_array_new_with_free_func((GDestroyNotify)node_free);
  gboolean done = FALSE, ok = TRUE;
  while (!done && ok) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      g_autofree char *pos =
          set ? g_strdup_printf("--set:%d:%d", set,
                                (int)parser.problem_mark.column + 1 + col_base)
              : g_strdup_printf("%s:%d:%d", where,
                                (int)parser.problem_mark.line + 1,
                                (int)parser.problem_mark.column + 1);
      g_autofree char *context =
          parser.context ? g_strdup_printf(" (%s at line %d)", parser.context,
                                           (int)parser.context_mark.line + 1)
                         : g_strdup("");
      g_set_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_PARSE, "%s: %s%s", pos,
                  parser.problem ? parser.problem : "invalid YAML", context);
      ok = FALSE;
      break;
    }
    ok = compose(&st, &ev, stack, root, &done);
    yaml_event_delete(&ev);
    if (!ok) {
      int line = (int)st.error_mark.line + 1;
      int col = (int)st.error_mark.column + 1 + (line == 1 ? col_base : 0);
      g_autofree char *pos =
          set ? g_strdup_printf("--set:%d:%d", set, col)
              : g_strdup_printf("%s:%d:%d", where, line, col);
      g_set_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_PARSE, "%s: %s", pos,
                  st.error);
    }
  }
  if (!ok && *root) {
    node_free(*root);
    *root = NULL;
  }
  g_free(st.error_owned);
  g_hash_table_destroy(st.anchors);
  yaml_parser_delete(&parser);
  return ok;
}

/* ------------------------------------------------------------------ --set */

/* What one item of a named list is called in messages. */
static const char *item_noun(const char *list_key) {
  static const char *const nouns[][2] = {
      {"devices", "device"},
      {"processes", "process"},
      {"cgroups", "cgroup"},
      {"io_contexts", "io_context"},
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
                      : strcmp(key, "replay") == 0  ? "file"
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

/* A --set is placed like a one-line file: "--set:N:COL", N counting the
 * --set options, COL the column in its KEY=VALUE text. */
static gboolean set_fail(GError **err, int set, int col, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static gboolean set_fail(GError **err, int set, int col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_INVALID, "--set:%d:%d: %s",
              set, col, msg);
  return FALSE;
}

typedef struct {
  char *name; /* blanks around it removed */
  int col;    /* 1-based, of its first character in the --set text */
} path_seg;

static void path_seg_clear(path_seg *s) { g_free(s->name); }

/* "a.b.c" -> segments with their columns. */
static GArray *split_path(const char *text, gsize len) {
  GArray *segs = g_array_new(FALSE, FALSE, sizeof(path_seg));
  g_array_set_clear_func(segs, (GDestroyNotify)path_seg_clear);
  gsize start = 0;
  for (gsize i = 0; i <= len; i++) {
    if (i < len && text[i] != '.')
      continue;
    gsize a = start, b = i;
    while (a < b && g_ascii_isspace(text[a]))
      a++;
    while (b > a && g_ascii_isspace(text[b - 1]))
      b--;
    path_seg seg = {g_strndup(text + a, b - a), (int)(a < b ? a : start) + 1};
    g_array_append_val(segs, seg);
    start = i + 1;
  }
  return segs;
}

/* The path as written up to segment `upto`, e.g. "processes.A". */
static char *path_prefix(GArray *segs, guint upto) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; i <= upto; i++)
    g_string_append_printf(s, "%s%s", i ? "." : "",
                           g_array_index(segs, path_seg, i).name);
  return g_string_free(s, FALSE);
}

static gboolean apply_set(node *root, const char *text, int set, GError **err) {
  const char *eq = strchr(text, '=');
  if (!eq || eq == text)
    return set_fail(err, set, 1,
                    "expected KEY=VALUE (e.g. "
                    "devices.sda.scheduler.slice_idle=0), found '%s'",
                    text);
  g_autoptr(GArray) segs = split_path(text, (gsize)(eq - text));
  guint nseg = segs->len;
  for (guint i = 0; i < nseg; i++) {
    const path_seg *sg = &g_array_index(segs, path_seg, i);
    if (!*sg->name) {
      g_autofree char *path = g_strndup(text, (gsize)(eq - text));
      return set_fail(err, set, sg->col, "empty name in the path '%s'", path);
    }
  }

  node *value;
  GError *local = NULL;
  int value_col = (int)(eq - text) + 2;
  if (!parse_yaml(eq + 1, strlen(eq + 1), set, value_col - 1, NULL, &value,
                  &local)) {
    /* Not YAML on its own (say "@x"): take the text as written. */
    g_clear_error(&local);
    value = NULL;
  }
  if (!value) {
    value = scalar_new(eq + 1, 1, value_col, set);
    value->null = eq[1] == '\0';
  }

  node *cur = root;
  const char *parent_key = NULL;
  for (guint i = 0; i < nseg; i++) {
    const path_seg *sg = &g_array_index(segs, path_seg, i);
    const char *seg = sg->name;
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
      g_autofree char *list = path_prefix(segs, i - 1);
      if (!found) {
        g_autofree char *h = hint_array(names, seg);
        node_free(value);
        return set_fail(err, set, sg->col, "no %s named '%s' in '%s'%s",
                        item_noun(parent_key), seg, list, h);
      }
      g_autofree char *item = path_prefix(segs, i);
      if (found->type != NODE_MAP) {
        node_free(value);
        return set_fail(err, set, sg->col,
                        "'%s' is a value in the list '%s', not a map; set the "
                        "whole list instead, e.g. %s=[...]",
                        item, list, list);
      }
      if (last) {
        /* Suggest a key the item has, as the user would set it. */
        const char *key = "name";
        for (guint j = 0; j < found->keys->len; j++) {
          const char *k = ((node *)g_ptr_array_index(found->keys, j))->value;
          if (strcmp(k, "name") != 0) {
            key = k;
            break;
          }
        }
        node_free(value);
        return set_fail(err, set, sg->col,
                        "a %s cannot be replaced as a whole; set one of its "
                        "keys, e.g. %s.%s=...",
                        item_noun(parent_key), item, key);
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
          g_ptr_array_add(cur->keys, scalar_new(seg, 1, sg->col, set));
          g_ptr_array_add(cur->vals, value);
        }
        return TRUE;
      }
      if (!v) {
        v = node_new(NODE_MAP, 1, sg->col, set);
        g_ptr_array_add(cur->keys, scalar_new(seg, 1, sg->col, set));
        g_ptr_array_add(cur->vals, v);
      } else if (v->type == NODE_SCALAR) {
        v = scalar_to_map(cur, idx, seg);
        if (!v) {
          g_autofree char *item = path_prefix(segs, i);
          node_free(value);
          return set_fail(err, set, sg->col,
                          "'%s' is a single value, not a map", item);
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

static guint len_of(const node *v) {
  return v->type == NODE_SCALAR ? 0 : v->vals->len;
}

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

static char *hint_named(GPtrArray *a, const char *name) {
  g_autoptr(GPtrArray) names = g_ptr_array_new();
  for (guint i = 0; i < a->len; i++)
    g_ptr_array_add(names, *(char **)g_ptr_array_index(a, i));
  return hint_array(names, name);
}

/* ---- top level ---- */

typedef struct {
  int64_t seed, duration, memory;
  double memory_bandwidth;
} top_opts;

static const param_desc top_params[] = {
    {"seed", PARAM_INT, offsetof(top_opts, seed), "1", 0, 9e18, NULL,
     "seed of every random stream"},
    {"duration", PARAM_TIME, offsetof(top_opts, duration), "0", PARAM_NO_RANGE,
     NULL, "simulated-time limit; 0: until every process is done"},
    {"memory", PARAM_SIZE, offsetof(top_opts, memory), "4g", 1048576.0,
     1125899906842624.0, NULL, "RAM for the page cache"},
    {"memory_bandwidth", PARAM_RATE, offsetof(top_opts, memory_bandwidth),
     "4GB/s", 1e6, 1e12, NULL,
     "copy rate between the page cache and a process's buffer"},
    {.name = NULL},
};

static const char *const top_keys[] = {
    "name",       "kernel",      "vm",        "devices",
    "cgroups",    "io_contexts", "processes", "interleaving",
    "timeseries", "reference",   NULL,
};

/* ---- vm: the dirty-page sysctls ---- */

static const param_desc vm_params[] = {
    {"dirty_background_ratio", PARAM_INT,
     offsetof(struct vm_dirty_cfg, dirty_background_ratio), "10", 0, 100, NULL,
     "percent of dirtyable memory above which the flusher writes"},
    {"dirty_background_bytes", PARAM_SIZE,
     offsetof(struct vm_dirty_cfg, dirty_background_bytes), "0", PARAM_NO_RANGE,
     NULL, "the same in bytes; 0: the ratio applies"},
    {"dirty_ratio", PARAM_INT, offsetof(struct vm_dirty_cfg, dirty_ratio), "20",
     0, 100, NULL, "percent of dirtyable memory: the dirty limit"},
    {"dirty_bytes", PARAM_SIZE, offsetof(struct vm_dirty_cfg, dirty_bytes), "0",
     PARAM_NO_RANGE, NULL, "the same in bytes; 0: the ratio applies"},
    {"dirty_expire_centisecs", PARAM_INT,
     offsetof(struct vm_dirty_cfg, dirty_expire_centisecs), "3000", 0, 8640000,
     NULL, "age at which dirty data is written, 1/100 s"},
    {"dirty_writeback_centisecs", PARAM_INT,
     offsetof(struct vm_dirty_cfg, dirty_writeback_centisecs), "500", 0,
     8640000, NULL, "period of the flusher's look for old data, 1/100 s"},
    {.name = NULL},
};

static gboolean load_vm(const ctx *c, const node *m, workload *w) {
  g_autofree struct vm_dirty_cfg *def =
      params_defaults(vm_params, sizeof(struct vm_dirty_cfg));
  w->vm = *def;
  if (!m)
    return TRUE;
  if (!want(c, m, NODE_MAP, "vm"))
    return FALSE;
  return m->type != NODE_MAP || (check_keys2(c, m, NULL, vm_params, "in vm") &&
                                 apply_params(c, m, vm_params, &w->vm));
}

/* ---- kernel ---- */

typedef struct {
  int64_t hz, nr_requests;
  int cic_link;
  bool group_iosched;
} kernel_opts;

static const param_desc kernel_params[] = {
    {"hz", PARAM_INT, offsetof(kernel_opts, hz), "1000", PARAM_NO_RANGE, NULL,
     "CONFIG_HZ: 100, 250, 300 or 1000"},
    {"nr_requests", PARAM_INT, offsetof(kernel_opts, nr_requests), "128", 4,
     1 << 20, NULL, "requests per class, sync and async (queue/nr_requests)"},
    {"cic_link", PARAM_ENUM, offsetof(kernel_opts, cic_link), "fixed",
     PARAM_NO_RANGE, cic_link_variant_names,
     "cfq_cic_link: buggy (3.0-3.2-rc) or fixed"},
    {"group_iosched", PARAM_BOOL, offsetof(kernel_opts, group_iosched), "true",
     PARAM_NO_RANGE, NULL, "CONFIG_CFQ_GROUP_IOSCHED"},
    {.name = NULL},
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
        return fail(
            c, map_get(m, "hz", NULL),
            "hz: %" G_GINT64_FORMAT " is not one of 100, 250, 300, 1000", k.hz);
    }
  }
  w->kernel.hz = (int)k.hz;
  w->kernel.nr_requests = k.nr_requests;
  w->kernel.cic_link = (cic_link_variant)k.cic_link;
  w->kernel.group_iosched = k.group_iosched;
  return TRUE;
}

/* ---- devices ---- */

typedef struct {
  int64_t depth, max_sectors_kb, nomerges, read_ahead_kb;
} device_opts;

static const param_desc device_params[] = {
    {"depth", PARAM_INT, offsetof(device_opts, depth), "0", 0, 4096, NULL,
     "driver queue depth; 0: the disk model's"},
    {"max_sectors_kb", PARAM_INT, offsetof(device_opts, max_sectors_kb), "512",
     4, 1 << 20, NULL, "largest request, KiB (queue/max_sectors_kb)"},
    {"nomerges", PARAM_INT, offsetof(device_opts, nomerges), "0", 0, 2, NULL,
     "queue/nomerges: 0 all merges, 1 simple only, 2 none"},
    {"read_ahead_kb", PARAM_INT, offsetof(device_opts, read_ahead_kb), "128", 0,
     1 << 20, NULL, "largest readahead window, KiB (queue/read_ahead_kb)"},
    {.name = NULL},
};

static const char *const device_fixed_keys[] = {"name", "model", "scheduler",
                                                NULL};

static void device_free(wl_device *d) {
  if (!d)
    return;
  g_free(d->name);
  g_free(d->disk_cfg);
  g_free(d->elevator_cfg);
  g_free(d);
}

static const char *const scheduler_fixed_keys[] = {"name", NULL};

static gboolean load_scheduler(const ctx *c, const node *s, wl_device *d) {
  const char *name = "cfq";
  const node *name_node = s;
  if (s) {
    if (s->type == NODE_SEQ)
      return fail(c, s,
                  "expected a scheduler name or a map for 'scheduler', "
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
  if (ix_find(c->devices, name) >= 0)
    return fail(c, map_get(m, "name", NULL), "duplicate device name '%s'",
                name);
  wl_device *d = g_new0(wl_device, 1);
  d->name = g_strdup(name);
  g_ptr_array_add(w->devices, d);
  ix_add(c->devices, d->name, w->devices->len - 1);

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
  d->read_ahead_kb = o.read_ahead_kb;

  d->disk_cfg = params_defaults(d->disk->params, d->disk->cfg_size);
  if (!apply_params(c, m, d->disk->params, d->disk_cfg))
    return FALSE;
  GError *cerr = NULL;
  if (d->disk->check && !d->disk->check(d->disk_cfg, &cerr)) {
    /* the objection is to the device as a whole: point at its name */
    gboolean r = fail(c, map_get(m, "name", NULL), "device '%s': %s", name,
                      cerr->message);
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
    d->read_ahead_kb = 128;
    g_ptr_array_add(w->devices, d);
    ix_add(c->devices, d->name, 0);
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
    {"weight", PARAM_INT, offsetof(cgroup_opts, weight), "500", 10, 1000, NULL,
     "blkio.weight"},
    {.name = NULL},
};

static void cgroup_free(wl_cgroup *g) {
  if (g)
    g_free(g->name);
  g_free(g);
}

static const char *const cgroup_fixed_keys[] = {"name", NULL};

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
    if (ix_find(c->cgroups, name) >= 0)
      return fail(c, map_get(m, "name", NULL), "duplicate cgroup name '%s'",
                  name);
    g_autofree char *where = g_strdup_printf("in cgroup '%s'", name);
    const char *const *fixed = cgroup_fixed_keys;
    cgroup_opts o = {500};
    if (!check_keys2(c, m, fixed, cgroup_params, where) ||
        !apply_params(c, m, cgroup_params, &o))
      return FALSE;
    wl_cgroup *g = g_new0(wl_cgroup, 1);
    g->name = g_strdup(name);
    g->weight = (int)o.weight;
    g_ptr_array_add(w->cgroups, g);
    ix_add(c->cgroups, g->name, w->cgroups->len - 1);
  }
  return TRUE;
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
    if (ix_find(c->io_contexts, v->value) >= 0)
      return fail(c, v, "duplicate io_context name '%s'", v->value);
    g_ptr_array_add(w->io_contexts, g_strdup(v->value));
    guint k = w->io_contexts->len - 1;
    ix_add(c->io_contexts, g_ptr_array_index(w->io_contexts, k), k);
  }
  return TRUE;
}

/* ---- processes ---- */

typedef struct {
  int rw;
  int64_t rwmixread, bs, size, offset, iodepth, count, io_size, runtime, start,
      nice, numjobs, offset_increment, fsync, fdatasync;
  bool sync, direct, buffered, invalidate, end_fsync, share_ioc;
  int64_t random_every, percentage_random, rate_iops, think_blocks, ramp, loops,
      nrfiles, blockalign;
  double rate;
  int rate_process;
} proc_opts;

static const char *const rate_processes[] = {"linear", "poisson", NULL};

static const char *const rw_names[] = {"read",      "write", "randread",
                                       "randwrite", "rw",    "readwrite",
                                       "randrw",    NULL};
static const wl_rw rw_values[] = {RW_READ, RW_WRITE, RW_RANDREAD, RW_RANDWRITE,
                                  RW_RW,   RW_RW,    RW_RANDRW};

static const param_desc proc_params[] = {
    {"rw", PARAM_ENUM, offsetof(proc_opts, rw), "read", PARAM_NO_RANGE,
     rw_names, "fio rw: read, write, randread, randwrite, rw, randrw"},
    {"rwmixread", PARAM_INT, offsetof(proc_opts, rwmixread), "50", 0, 100, NULL,
     "percent reads of rw/randrw"},
    {"bs", PARAM_SIZE, offsetof(proc_opts, bs), "4k", 512, 64 << 20, NULL,
     "bytes per I/O, a multiple of 512"},
    {"size", PARAM_SIZE, offsetof(proc_opts, size), "0", PARAM_NO_RANGE, NULL,
     "region the job works in; 0: to the end of the device"},
    {"offset", PARAM_SIZE, offsetof(proc_opts, offset), "0", PARAM_NO_RANGE,
     NULL, "start of the region"},
    {"iodepth", PARAM_INT, offsetof(proc_opts, iodepth), "1", 1, 4096, NULL,
     "I/Os in flight"},
    {"count", PARAM_INT, offsetof(proc_opts, count), "0", 0, 9e18, NULL,
     "number of I/Os; 0: unlimited"},
    {"io_size", PARAM_SIZE, offsetof(proc_opts, io_size), "0", PARAM_NO_RANGE,
     NULL, "bytes to transfer; 0: unlimited"},
    {"runtime", PARAM_TIME, offsetof(proc_opts, runtime), "0", PARAM_NO_RANGE,
     NULL, "stop after this long; 0: unlimited"},
    {"start", PARAM_TIME, offsetof(proc_opts, start), "0", PARAM_NO_RANGE, NULL,
     "when the job starts"},
    {"nice", PARAM_INT, offsetof(proc_opts, nice), "0", -20, 19, NULL,
     "CPU nice; gives the I/O level of class none"},
    {"numjobs", PARAM_INT, offsetof(proc_opts, numjobs), "1", 0, 1024, NULL,
     "clones of this job; 0 switches the job off (handy with --set)"},
    {"offset_increment", PARAM_SIZE, offsetof(proc_opts, offset_increment), "0",
     PARAM_NO_RANGE, NULL,
     "clone j starts at offset + j * offset_increment (fio)"},
    {"sync", PARAM_BOOL, offsetof(proc_opts, sync), "false", PARAM_NO_RANGE,
     NULL,
     "O_SYNC; with direct it defaults to true (O_DIRECT writes are "
     "REQ_SYNC) and sync: 0 makes them async"},
    {"direct", PARAM_BOOL, offsetof(proc_opts, direct), "false", PARAM_NO_RANGE,
     NULL, "O_DIRECT: past the page cache, I/O at bs"},
    {"buffered", PARAM_BOOL, offsetof(proc_opts, buffered), "true",
     PARAM_NO_RANGE, NULL,
     "through the page cache (fio: the opposite of direct)"},
    {"invalidate", PARAM_BOOL, offsetof(proc_opts, invalidate), "true",
     PARAM_NO_RANGE, NULL, "drop the file's cached pages when the job starts"},
    {"fsync", PARAM_INT, offsetof(proc_opts, fsync), "0", 0, 9e18, NULL,
     "buffered: fsync after this many writes; 0: never"},
    {"fdatasync", PARAM_INT, offsetof(proc_opts, fdatasync), "0", 0, 9e18, NULL,
     "buffered: fdatasync after this many writes; 0: never"},
    {"end_fsync", PARAM_BOOL, offsetof(proc_opts, end_fsync), "false",
     PARAM_NO_RANGE, NULL, "buffered: fsync once the last write is done"},
    {"share_ioc", PARAM_BOOL, offsetof(proc_opts, share_ioc), "false",
     PARAM_NO_RANGE, NULL, "clones share one io_context (CLONE_IO)"},
    {"random_every", PARAM_INT, offsetof(proc_opts, random_every), "1", 1, 9e18,
     NULL, "random: a new random offset every this many I/Os"},
    {"percentage_random", PARAM_INT, offsetof(proc_opts, percentage_random),
     "100", 0, 100, NULL, "random: percent of I/Os at a random offset"},
    {"rate", PARAM_RATE, offsetof(proc_opts, rate), "0", 0, 1e15, NULL,
     "issue no faster than this; 0: no limit"},
    {"rate_iops", PARAM_INT, offsetof(proc_opts, rate_iops), "0", 0, 1e9, NULL,
     "issue no more I/Os per second than this; 0: no limit"},
    {"rate_process", PARAM_ENUM, offsetof(proc_opts, rate_process), "linear",
     PARAM_NO_RANGE, rate_processes, "linear or poisson"},
    {"think_blocks", PARAM_INT, offsetof(proc_opts, think_blocks), "1", 1, 9e18,
     NULL, "think after this many I/Os"},
    {"ramp", PARAM_TIME, offsetof(proc_opts, ramp), "0", PARAM_NO_RANGE, NULL,
     "left out of the metrics after start"},
    {"loops", PARAM_INT, offsetof(proc_opts, loops), "1", 1, 1e9, NULL,
     "count and io_size this many times"},
    {"blockalign", PARAM_SIZE, offsetof(proc_opts, blockalign), "0", 0,
     64 << 20, NULL, "random offsets' grain; 0: the smallest bs"},
    {"nrfiles", PARAM_INT, offsetof(proc_opts, nrfiles), "1", 1, 65536, NULL,
     "direct jobs: files of size each, used in turn"},
    {.name = NULL},
};

static const char *const proc_fixed_keys[] = {
    "name",         "think",  "ioprio",   "cgroup",  "device",
    "ioc",          "replay", "bsrange",  "bssplit", "skip",
    "distribution", "seed",   "wait_for", NULL,
};

static void process_free(wl_process *p) {
  if (!p)
    return;
  g_free(p->name);
  g_free(p->ioc);
  if (p->replay)
    g_array_unref(p->replay);
  if (p->wait_for)
    g_array_unref(p->wait_for);
  g_free(p);
}

/* A size as the `bs` key reads it: whole sectors, 512 B to 64 MiB. */
static gboolean block_size(const ctx *c, const node *v, const char *key,
                           const char *text, int64_t *bytes) {
  GError *local = NULL;
  if (!units_parse_size(text, bytes, &local)) {
    fail(c, v, "%s: %s", key, local->message);
    g_error_free(local);
    return FALSE;
  }
  if (*bytes < 512 || *bytes > (64 << 20) || *bytes % 512)
    return fail(c, v,
                "%s: '%s' is not a block size (a multiple of 512 from 512 B "
                "to 64 MiB)",
                key, text);
  return TRUE;
}

/* bsrange: MIN-MAX, each I/O a multiple of MIN up to MAX. */
static gboolean load_bsrange(const ctx *c, const node *v, wl_process *p) {
  if (!want_scalar(c, v, "bsrange"))
    return FALSE;
  g_auto(GStrv) parts = g_strsplit(v->value, "-", -1);
  if (g_strv_length(parts) != 2)
    return fail(c, v, "bsrange: '%s' is not MIN-MAX (e.g. 4k-64k)", v->value);
  if (!block_size(c, v, "bsrange", parts[0], &p->bs) ||
      !block_size(c, v, "bsrange", parts[1], &p->bs_max))
    return FALSE;
  if (p->bs_max < p->bs)
    return fail(c, v, "bsrange: '%s' ends below its start", v->value);
  return TRUE;
}

/* bssplit: SIZE/PERCENT:SIZE/PERCENT:...; entries without a percentage
 * share what the others leave of 100, as in fio. */
static gboolean load_bssplit(const ctx *c, const node *v, wl_process *p) {
  if (!want_scalar(c, v, "bssplit"))
    return FALSE;
  g_auto(GStrv) items = g_strsplit(v->value, ":", -1);
  guint n = g_strv_length(items);
  if (n == 0 || n > WL_BSSPLIT_MAX)
    return fail(c, v, "bssplit: 1 to %d entries SIZE/PERCENT, separated by ':'",
                WL_BSSPLIT_MAX);
  int sum = 0, missing = 0;
  for (guint i = 0; i < n; i++) {
    g_auto(GStrv) f = g_strsplit(items[i], "/", -1);
    if (g_strv_length(f) < 1 || g_strv_length(f) > 2)
      return fail(c, v, "bssplit: entry '%s' is not SIZE/PERCENT", items[i]);
    int64_t bytes;
    if (!block_size(c, v, "bssplit", f[0], &bytes))
      return FALSE;
    p->bs_split[i].sectors = (uint32_t)(bytes / 512);
    if (!f[1] || !*f[1]) {
      p->bs_split[i].percent = UINT32_MAX;
      missing++;
      continue;
    }
    guint64 pc;
    if (!g_ascii_string_to_unsigned(f[1], 10, 0, 100, &pc, NULL))
      return fail(c, v, "bssplit: '%s' in '%s' is not a percentage (0 to 100)",
                  f[1], items[i]);
    p->bs_split[i].percent = (uint32_t)pc;
    sum += (int)pc;
  }
  if (sum > 100)
    return fail(c, v, "bssplit: the percentages add up to %d, more than 100",
                sum);
  for (guint i = 0; i < n; i++)
    if (p->bs_split[i].percent == UINT32_MAX)
      p->bs_split[i].percent = (uint32_t)((100 - sum) / missing);
  p->bs_split_n = (int)n;
  p->bs = 64 << 20;
  for (guint i = 0; i < n; i++)
    p->bs = MIN(p->bs, (int64_t)p->bs_split[i].sectors * 512);
  return TRUE;
}

/* skip: a size, negative to go backwards. */
static gboolean load_skip(const ctx *c, const node *v, wl_process *p) {
  if (!want_scalar(c, v, "skip"))
    return FALSE;
  const char *t = v->value;
  bool back = *t == '-';
  GError *local = NULL;
  if (!units_parse_size(t + back, &p->skip, &local)) {
    fail(c, v, "skip: %s", local->message);
    g_error_free(local);
    return FALSE;
  }
  if (p->skip % 512)
    return fail(c, v, "skip: '%s' is not a multiple of 512", t);
  if (back)
    p->skip = -p->skip;
  return TRUE;
}

/* zoned:ACCESS/RANGE:...: percent of the I/Os and of the region per
 * zone; a missing percentage shares what the others leave, the I/Os must
 * add up to 100 and the ranges to no more (fio's rules). */
static gboolean load_zones(const ctx *c, const node *v, wl_process *p,
                           char **items) {
  guint n = g_strv_length(items);
  if (n == 0 || n > WL_BSSPLIT_MAX)
    return fail(c, v, "distribution: zoned takes 1 to %d zones ACCESS/RANGE",
                WL_BSSPLIT_MAX);
  uint32_t sum[2] = {0, 0}, missing[2] = {0, 0};
  for (guint i = 0; i < n; i++) {
    g_auto(GStrv) f = g_strsplit(items[i], "/", -1);
    if (g_strv_length(f) != 2)
      return fail(c, v, "distribution: zone '%s' is not ACCESS/RANGE",
                  items[i]);
    uint32_t *out[2] = {&p->zones[i].sectors, &p->zones[i].percent};
    for (int k = 0; k < 2; k++) {
      guint64 pc;
      if (!*f[k]) {
        *out[k] = UINT32_MAX;
        missing[k]++;
      } else if (!g_ascii_string_to_unsigned(f[k], 10, 0, 100, &pc, NULL)) {
        return fail(c, v,
                    "distribution: '%s' in zone '%s' is not a percentage "
                    "(0 to 100)",
                    f[k], items[i]);
      } else {
        *out[k] = (uint32_t)pc;
        sum[k] += (uint32_t)pc;
      }
    }
  }
  if (sum[0] > 100 || sum[1] > 100)
    return fail(c, v,
                "distribution: the zones' percentages add to more than 100");
  for (guint i = 0; i < n; i++) {
    if (p->zones[i].sectors == UINT32_MAX)
      p->zones[i].sectors = (100 - sum[0]) / missing[0];
    if (p->zones[i].percent == UINT32_MAX)
      p->zones[i].percent = (100 - sum[1]) / missing[1];
  }
  uint32_t access = 0;
  for (guint i = 0; i < n; i++)
    access += p->zones[i].sectors;
  if (access != 100)
    return fail(c, v,
                "distribution: the zones' shares of the I/Os add up to %u, "
                "not 100",
                access);
  p->zones_n = (int)n;
  return TRUE;
}

/* distribution: random, zipf:THETA, pareto:H, normal:DEV, each with an
 * optional :CENTER; the ranges are fio's. */
static gboolean load_distribution(const ctx *c, const node *v, wl_process *p) {
  static const char *const names[] = {"random", "zipf",  "pareto",
                                      "normal", "zoned", NULL};
  if (!want_scalar(c, v, "distribution"))
    return FALSE;
  g_auto(GStrv) f = g_strsplit(v->value, ":", -1);
  guint n = g_strv_length(f);
  int d = -1;
  for (int i = 0; n && names[i]; i++)
    if (strcmp(f[0], names[i]) == 0)
      d = i;
  if (d < 0) {
    g_autofree char *h = hint(names, n ? f[0] : "");
    return fail(c, v,
                "distribution: unknown '%s'%s (random, zipf:THETA, "
                "pareto:H, normal:DEV, zoned:ACCESS/RANGE:...)",
                v->value, h);
  }
  p->dist = d;
  p->dist_center = -1;
  if (d == 0)
    return n == 1 || fail(c, v, "distribution: random takes no parameter");
  if (d == 4)
    return load_zones(c, v, p, f + 1);
  if (n < 2 || n > 3)
    return fail(c, v, "distribution: '%s' needs %s:VALUE[:CENTER]", v->value,
                f[0]);
  char *end;
  double a = g_ascii_strtod(f[1], &end);
  bool bad = end == f[1] || *end || !isfinite(a);
  if (d == 1 /* zipf */ && (bad || a <= 0 || a == 1.0))
    return fail(c, v,
                "distribution: zipf theta '%s' must be above 0 and "
                "not 1",
                f[1]);
  if (d == 2 /* pareto */ && (bad || a <= 0 || a >= 1))
    return fail(c, v, "distribution: pareto h '%s' must be between 0 and 1",
                f[1]);
  if (d == 3 /* normal */ && (bad || a < 0 || a >= 100))
    return fail(c, v,
                "distribution: normal deviation '%s' must be from 0 to "
                "below 100 (percent)",
                f[1]);
  p->dist_arg = a;
  if (n == 3) {
    double ctr = g_ascii_strtod(f[2], &end);
    if (end == f[2] || *end || !(ctr >= 0 && ctr <= 1))
      return fail(c, v, "distribution: center '%s' must be from 0 to 1", f[2]);
    p->dist_center = ctr;
  }
  return TRUE;
}

/* wait_for: a job name or a list of them, each a job before this one. */
static gboolean load_wait_for(const ctx *c, const node *v, wl_process *p) {
  guint n = v->type == NODE_SCALAR ? 1 : len_of(v);
  if (v->type == NODE_MAP)
    return fail(c, v, "expected a job name or a list for 'wait_for'");
  p->wait_for = g_array_new(FALSE, FALSE, sizeof(guint));
  for (guint i = 0; i < n; i++) {
    const node *e = v->type == NODE_SCALAR ? v : g_ptr_array_index(v->vals, i);
    if (!want_scalar(c, e, "wait_for"))
      return FALSE;
    int k = GPOINTER_TO_INT(g_hash_table_lookup(c->jobs, e->value)) - 1;
    if (k < 0)
      return fail(c, e, "wait_for: no job '%s' before this one", e->value);
    const guint *r = &g_array_index(c->job_ranges, guint, 2 * k);
    for (guint j = 0; j < r[1]; j++) {
      guint idx = r[0] + j;
      g_array_append_val(p->wait_for, idx);
    }
  }
  return TRUE;
}

static const char *const think_keys[] = {"mean", "dist", NULL};

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
      static const char *const dists[] = {"fixed", "exp", NULL};
      if (!want_scalar(c, dist, "dist"))
        return FALSE;
      if (strcmp(dist->value, "exp") != 0 &&
          strcmp(dist->value, "fixed") != 0) {
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
  static const char *const classes[] = {"none", "rt", "be", "idle", NULL};
  static const int class_ids[] = {IOPRIO_CLASS_NONE, IOPRIO_CLASS_RT,
                                  IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE};
  if (!want_scalar(c, v, "ioprio"))
    return FALSE;
  g_auto(GStrv) parts = g_strsplit(v->value, "/", -1);
  guint n = g_strv_length(parts);
  if (n < 1 || n > 2)
    return fail(c, v,
                "ioprio: invalid '%s' (use class/level: rt/0..7, "
                "be/0..7, idle or none, e.g. be/4)",
                v->value);
  int cls = -1;
  for (int i = 0; classes[i]; i++)
    if (g_ascii_strcasecmp(parts[0], classes[i]) == 0)
      cls = i;
  if (cls < 0 && strpbrk(parts[0], "0123456789"))
    return fail(c, v,
                "ioprio: invalid '%s' (use class/level: rt/0..7, "
                "be/0..7, idle or none, e.g. be/4)",
                v->value);
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
      return fail(c, v,
                  "ioprio: invalid '%s' (use class/level: rt/0..7, "
                  "be/0..7, idle or none, e.g. be/4)",
                  v->value);
    if (lvl >= IOPRIO_BE_NR)
      return fail(c, v, "ioprio: level %u in '%s' is out of range (0 to 7)",
                  (unsigned)lvl, v->value);
    p->ioprio_level = (int)lvl;
  }
  return TRUE;
}

/* Look `v` up in a list of names; error with a hint. */
static gboolean resolve(const ctx *c, const node *v, const char *what,
                        GPtrArray *named, GHashTable *ix, int *out) {
  if (!want_scalar(c, v, what))
    return FALSE;
  *out = ix_find(ix, v->value);
  if (*out >= 0)
    return TRUE;
  g_autofree char *h = hint_named(named, v->value);
  return fail(c, v, "unknown %s '%s'%s", what, v->value, h);
}

/* Bytes a device's model addresses: its capacity in whole sectors. */
static int64_t device_capacity(const wl_device *d) {
  const param_desc *p = params_find(d->disk->params, "capacity");
  g_return_val_if_fail(p != NULL && p->kind == PARAM_SIZE, 0);
  int64_t bytes;
  memcpy(&bytes, (const char *)d->disk_cfg + p->offset, sizeof bytes);
  return bytes / 512 * 512;
}

/* A size key that the model reads in sectors must be whole sectors:
 * io_size: 100 would otherwise have become 0, "unlimited". */
static gboolean check_sectors(const ctx *c, const node *m, const char *key,
                              int64_t v) {
  if (v % 512 == 0)
    return TRUE;
  return fail(c, map_get(m, key, NULL),
              "%s: %" G_GINT64_FORMAT " bytes is not a multiple of 512", key,
              v);
}

/* Every clone's region [offset + j * offset_increment, + size) must lie on
 * the device and hold one I/O of bs: the process picks its blocks there. */
static const node *or_node(const node *a, const node *b) { return a ? a : b; }

static gboolean check_region(const ctx *c, const node *m, const char *name,
                             const proc_opts *o, const wl_device *d) {
  int64_t cap = device_capacity(d);
  g_autofree char *caps = units_format_size(cap);
  g_autofree char *bs = units_format_size(o->bs);
  g_autofree char *size = units_format_size(o->size);
  g_autofree char *off = units_format_size(o->offset);
  /* Each key named below is in the map when its value is not the
   * default; the name stands in otherwise. */
  const node *name_node = map_get(m, "name", NULL);
  const node *size_node = or_node(map_get(m, "size", NULL), name_node);
  const node *bs_node = or_node(map_get(m, "bs", NULL), name_node);
  const node *off_node = or_node(map_get(m, "offset", NULL), name_node);
  if (o->size > 0 && o->size < o->bs)
    return fail(c, size_node,
                "process '%s': size %s is smaller than bs %s: the region "
                "must hold one I/O",
                name, size, bs);
  /* The region, or at least one I/O where it runs to the end. */
  int64_t need = o->size > 0 ? o->size : o->bs;
  if (need > cap)
    return fail(c, o->size > 0 ? size_node : bs_node,
                "process '%s': %s %s is larger than device '%s' (capacity "
                "%s)",
                name, o->size > 0 ? "size" : "bs", o->size > 0 ? size : bs,
                d->name, caps);
  if (o->offset > cap - need) {
    if (o->size > 0)
      return fail(c, o->offset > 0 ? off_node : size_node,
                  "process '%s': offset %s + size %s ends beyond device "
                  "'%s' (capacity %s)",
                  name, off, size, d->name, caps);
    return fail(c, off_node,
                "process '%s': offset %s leaves no room for one %s I/O on "
                "device '%s' (capacity %s)",
                name, off, bs, d->name, caps);
  }
  /* The last clone starts furthest in; room / increment clones past the
   * first still fit (no product that could overflow). */
  int64_t last = o->numjobs - 1;
  if (last < 1 || o->offset_increment == 0)
    return TRUE;
  int64_t more = (cap - need - o->offset) / o->offset_increment;
  if (last <= more)
    return TRUE;
  const node *at = or_node(map_get(m, "numjobs", NULL), name_node);
  g_autofree char *inc = units_format_size(o->offset_increment);
  g_autofree char *where = g_strdup_printf("process '%s.%" G_GINT64_FORMAT
                                           "' (offset %s + %" G_GINT64_FORMAT
                                           " x offset_increment %s)",
                                           name, last, off, last, inc);
  g_autofree char *fit = g_strdup_printf(
      "%" G_GINT64_FORMAT " of the %" G_GINT64_FORMAT " clones fit", more + 1,
      o->numjobs);
  if (o->size > 0)
    return fail(c, at,
                "%s would end beyond device '%s' (capacity %s) with "
                "its %s region: %s",
                where, d->name, caps, size, fit);
  return fail(c, at,
              "%s leaves no room for one %s I/O on device '%s' "
              "(capacity %s): %s",
              where, bs, d->name, caps, fit);
}

/* ---- replay: a job that replays a trace (sim/iolog.h) ---- */

typedef struct {
  bool no_stall;
  int64_t time_scale;
} replay_opts;

static const param_desc replay_params[] = {
    {"no_stall", PARAM_BOOL, offsetof(replay_opts, no_stall), "false",
     PARAM_NO_RANGE, NULL,
     "fio's replay_no_stall: no gaps, each I/O as soon as iodepth allows"},
    {"time_scale", PARAM_INT, offsetof(replay_opts, time_scale), "100", 1,
     1000000, NULL,
     "fio's replay_time_scale: percent of the recorded rate (gaps scaled by "
     "100 / time_scale)"},
    {.name = NULL},
};

static const char *const replay_fixed_keys[] = {"file", "redirect", NULL};

/* What the trace decides, a replaying job cannot say. */
static gboolean check_replay_keys(const ctx *c, const node *m, const char *name,
                                  const proc_opts *o) {
  static const char *const not_with_replay[] = {
      "rw",         "rwmixread", "bs",        "size",
      "offset",     "think",     "numjobs",   "offset_increment",
      "sync",       "fsync",     "fdatasync", "end_fsync",
      "invalidate", NULL};
  for (int i = 0; not_with_replay[i]; i++) {
    node *v = map_get(m, not_with_replay[i], NULL);
    if (v)
      return fail(c, v,
                  "process '%s': '%s' does not apply to a job that replays "
                  "a trace (the trace gives each I/O)",
                  name, not_with_replay[i]);
  }
  node *d = map_get(m, "direct", NULL), *b = map_get(m, "buffered", NULL);
  node *off = d && !o->direct ? d : b && o->buffered ? b : NULL;
  if (off)
    return fail(c, off,
                "process '%s': a replaying job is direct (its I/Os go to the "
                "block layer as recorded, as fio's replay of a blktrace); "
                "buffered replay is not simulated",
                name);
  return TRUE;
}

/* The trace's path: as given when absolute or from --set, else next to
 * the file that names it. */
static char *replay_path(const ctx *c, const node *v) {
  if (g_path_is_absolute(v->value) || v->set)
    return g_strdup(v->value);
  g_autofree char *dir = g_path_get_dirname(c->file);
  return g_build_filename(dir, v->value, NULL);
}

/* A replaying job: one process per stream of its trace, each a copy of
 * `t` with the stream's I/Os.  A traced pid's processes (one per device)
 * share an io_context, as the task's cics did. */
static gboolean load_replay(const ctx *c, const node *v, const node *name_node,
                            workload *w, const wl_process *t, const char *ioc,
                            GPtrArray *nodes) {
  const char *name = name_node->value;
  const node *file = v, *redirect = NULL;
  g_autofree replay_opts *ro = params_defaults(replay_params, sizeof *ro);
  if (v->type == NODE_SEQ)
    return fail(c, v, "expected a file or a map for 'replay', found a list");
  if (v->type == NODE_MAP) {
    if (!check_keys2(c, v, replay_fixed_keys, replay_params, "in replay") ||
        !apply_params(c, v, replay_params, ro))
      return FALSE;
    file = map_get(v, "file", NULL);
    if (!file)
      return fail(c, v, "replay has no 'file' (the trace to replay)");
    redirect = map_get(v, "redirect", NULL);
  }
  if (!want_scalar(c, file, "file"))
    return FALSE;
  if (file->null || !*file->value)
    return fail(c, file, "replay: an empty file name");
  int redirect_dev = -1;
  if (redirect &&
      !resolve(c, redirect, "device", w->devices, c->devices, &redirect_dev))
    return FALSE;
  g_autofree char *path = replay_path(c, file);
  iolog_options io = {.no_stall = ro->no_stall,
                      .time_scale = ro->time_scale,
                      .redirect = redirect ? redirect->value : NULL};
  GError *local = NULL;
  g_autoptr(iolog) l = iolog_load(path, &io, &local);
  if (!l) {
    fail(c, file, "replay: %s", local->message);
    g_error_free(local);
    return FALSE;
  }
  if ((int64_t)w->processes->len + l->streams->len > WORKLOAD_MAX_PROCESSES)
    return fail(c, file,
                "process '%s': its trace makes more than %d processes in "
                "all",
                name, WORKLOAD_MAX_PROCESSES);
  /* A pid with streams on several devices names its processes by both. */
  g_autoptr(GHashTable) streams_of_pid =
      g_hash_table_new(g_int64_hash, g_int64_equal);
  for (guint i = 0; i < l->streams->len; i++) {
    iolog_stream *s = g_ptr_array_index(l->streams, i);
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(streams_of_pid, &s->pid));
    g_hash_table_insert(streams_of_pid, &s->pid, GUINT_TO_POINTER(n + 1));
  }
  for (guint i = 0; i < l->streams->len; i++) {
    const iolog_stream *s = g_ptr_array_index(l->streams, i);
    int dev = t->device;
    if (s->device && (dev = ix_find(c->devices, s->device)) < 0) {
      g_autofree char *where =
          iolog_where(l, &g_array_index(s->srcs, iolog_src, 0));
      return fail(c, file,
                  "replay: the trace's I/Os go to device '%s' (%s), which is "
                  "not under 'devices': declare it, or set replay.redirect",
                  s->device, where);
    }
    const wl_device *d = g_ptr_array_index(w->devices, dev);
    int64_t cap = device_capacity(d) / 512;
    for (guint k = 0; k < s->ios->len; k++) {
      const proc_replay_io *r = &g_array_index(s->ios, proc_replay_io, k);
      if (r->nr_sectors == 0 || r->sector <= cap - r->nr_sectors)
        continue; /* an empty flush has no place */
      g_autofree char *where =
          iolog_where(l, &g_array_index(s->srcs, iolog_src, k));
      g_autofree char *caps = units_format_size(cap * 512);
      return fail(c, file,
                  "replay: %s: the I/O at sector %" G_GINT64_FORMAT
                  " (%u sectors) ends beyond device '%s' (capacity %s)",
                  where, r->sector, r->nr_sectors, d->name, caps);
    }
    guint of_pid =
        GPOINTER_TO_UINT(g_hash_table_lookup(streams_of_pid, &s->pid));
    g_autofree char *task =
        s->pid >= 0 ? g_strdup_printf("%s.%" G_GINT64_FORMAT, name, s->pid)
                    : g_strdup(name);
    wl_process *p = g_new(wl_process, 1);
    *p = *t;
    p->device = dev;
    p->direct = true;
    p->sync = true;
    p->name =
        of_pid > 1 ? g_strdup_printf("%s.%s", task, d->name) : g_strdup(task);
    p->ioc = g_strdup(ioc ? ioc : task);
    p->start =
        t->start > G_MAXINT64 - s->start ? G_MAXINT64 : t->start + s->start;
    p->replay = g_array_ref(s->ios);
    g_ptr_array_add(w->processes, p);
    g_ptr_array_add(nodes, (gpointer)name_node);
    if (!ioc && ix_find(c->io_contexts, p->ioc) >= 0)
      return fail(c, name_node,
                  "process '%s' would get a private io_context named '%s', "
                  "but that name is declared in 'io_contexts'; rename one",
                  p->name, p->ioc);
  }
  return TRUE;
}

int64_t workload_file_stride(int64_t size) {
  const int64_t mib = 1 << 20;
  return size > INT64_MAX - mib ? size : (size + mib - 1) / mib * mib;
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
                " bytes is not a multiple of 512",
                o.offset_increment);
  if (!check_sectors(c, m, "size", o.size) ||
      !check_sectors(c, m, "io_size", o.io_size))
    return FALSE;
  /* fio's buffered is the opposite of direct: either may say it, and
   * saying both ways is a contradiction, not a precedence question. */
  node *direct_node = map_get(m, "direct", NULL);
  node *buffered_node = map_get(m, "buffered", NULL);
  if (direct_node && buffered_node && o.direct == o.buffered)
    return fail(c, buffered_node,
                "process '%s': direct: %d and buffered: %d contradict each "
                "other (buffered is the opposite of direct); give one",
                name, o.direct, o.buffered);
  bool direct = direct_node ? o.direct : buffered_node ? !o.buffered : false;
  /* O_DIRECT writes are WRITE_ODIRECT, sync; `sync: 0` written out keeps
   * them async (a task submitting its own async writes). */
  bool sync = direct && !map_get(m, "sync", NULL) ? true : o.sync;
  if (o.fsync && o.fdatasync)
    return fail(c, map_get(m, "fdatasync", NULL),
                "process '%s': fsync and fdatasync both set; give one", name);
  node *replay = map_get(m, "replay", NULL);
  if (replay && !check_replay_keys(c, m, name, &o))
    return FALSE;
  if (!replay && o.count == 0 && o.io_size == 0 && o.runtime == 0 &&
      duration == 0)
    return fail(c, name_node,
                "process '%s' never ends: give it count, io_size or runtime, "
                "or give the workload a duration",
                name);

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
      .sync = sync,
      .direct = direct,
      .invalidate = o.invalidate,
      .fsync_every = o.fsync ? o.fsync : o.fdatasync,
      .fdatasync = o.fdatasync > 0,
      .end_fsync = o.end_fsync,
      .nice = (int)o.nice,
      .cgroup = -1,
      .ioprio_class = IOPRIO_CLASS_NONE,
  };
  node *v;
  if ((v = map_get(m, "think", NULL)) && !load_think(c, v, &t))
    return FALSE;
  if ((v = map_get(m, "ioprio", NULL)) && !load_ioprio(c, v, &t))
    return FALSE;
  t.random_every = o.random_every;
  t.percentage_random = (int)o.percentage_random;
  t.rate = o.rate;
  t.rate_iops = o.rate_iops;
  t.rate_poisson = o.rate_process == 1;
  t.think_blocks = o.think_blocks;
  t.ramp = o.ramp;
  t.dist_center = -1;
  t.nrfiles = (int)o.nrfiles;
  t.blockalign = o.blockalign;
  if (o.blockalign % 512)
    return fail(c, map_get(m, "blockalign", NULL),
                "blockalign: %" G_GINT64_FORMAT
                " bytes is not a multiple of 512",
                o.blockalign);
  if (o.nrfiles > 1) {
    const node *at = map_get(m, "nrfiles", NULL);
    if (!direct)
      return fail(c, at,
                  "process '%s': several files (nrfiles) of a buffered job "
                  "are not simulated; give direct: 1",
                  name);
    if (o.size == 0)
      return fail(c, at, "process '%s': nrfiles needs the files' size", name);
    /* the files end where the last one does: checked as one region */
    int64_t stride = workload_file_stride(o.size);
    if (stride > (INT64_MAX - o.size) / o.nrfiles)
      return fail(c, at, "process '%s': nrfiles x size is too large", name);
    o.size += stride * (o.nrfiles - 1);
  }
  if (o.rate > 0 && o.rate_iops > 0)
    return fail(c, map_get(m, "rate_iops", NULL),
                "process '%s': rate and rate_iops both set; give one", name);
  if ((v = map_get(m, "bsrange", NULL))) {
    if (map_get(m, "bs", NULL))
      return fail(c, v, "process '%s': bs and bsrange both set; give one",
                  name);
    if (!load_bsrange(c, v, &t))
      return FALSE;
    o.bs = t.bs_max; /* the largest I/O must fit the region */
  }
  if ((v = map_get(m, "bssplit", NULL))) {
    if (map_get(m, "bs", NULL) || map_get(m, "bsrange", NULL))
      return fail(c, v, "process '%s': bssplit with bs or bsrange; give one",
                  name);
    if (!load_bssplit(c, v, &t))
      return FALSE;
    for (int i = 0; i < t.bs_split_n; i++)
      t.bs_max = MAX(t.bs_max, (int64_t)t.bs_split[i].sectors * 512);
    o.bs = t.bs_max;
  }
  if ((v = map_get(m, "skip", NULL)) && !load_skip(c, v, &t))
    return FALSE;
  if ((v = map_get(m, "distribution", NULL)) && !load_distribution(c, v, &t))
    return FALSE;
  if ((v = map_get(m, "seed", NULL))) {
    GError *local = NULL;
    if (!want_scalar(c, v, "seed"))
      return FALSE;
    if (!workload_parse_seed(v->value, &t.seed, &local)) {
      fail(c, v, "%s", local->message);
      g_error_free(local);
      return FALSE;
    }
    t.has_seed = true;
  }
  /* loops: the bounded amounts again and again (fio's loops) */
  if (o.loops > 1) {
    const node *at = map_get(m, "loops", NULL);
    if ((o.count && o.count > INT64_MAX / o.loops) ||
        (o.io_size && o.io_size > INT64_MAX / o.loops))
      return fail(c, at, "process '%s': loops x count or io_size is too large",
                  name);
    t.count *= o.loops;
    t.io_size *= o.loops;
  }

  if (t.ioprio_class == IOPRIO_CLASS_NONE)
    t.ioprio_level = (t.nice + 20) / 5; /* task_nice_ioprio */
  if ((v = map_get(m, "device", NULL)) &&
      !resolve(c, v, "device", w->devices, c->devices, &t.device))
    return FALSE;
  if (!replay && o.numjobs > 0 &&
      !check_region(c, m, name, &o, g_ptr_array_index(w->devices, t.device)))
    return FALSE;
  if ((v = map_get(m, "cgroup", NULL)) &&
      !resolve(c, v, "cgroup", w->cgroups, c->cgroups, &t.cgroup))
    return FALSE;
  const char *ioc = NULL;
  if ((v = map_get(m, "ioc", NULL))) {
    if (!want_scalar(c, v, "ioc"))
      return FALSE;
    if (ix_find(c->io_contexts, v->value) < 0) {
      g_autofree char *h = hint_array(w->io_contexts, v->value);
      return fail(c, v, "unknown io_context '%s'%s", v->value,
                  *h ? h : " (declare it under 'io_contexts')");
    }
    ioc = v->value;
  }
  if (replay)
    return load_replay(c, replay, name_node, w, &t, ioc, nodes);

  if ((int64_t)w->processes->len + o.numjobs > WORKLOAD_MAX_PROCESSES)
    return fail(c, or_node(map_get(m, "numjobs", NULL), name_node),
                "process '%s' makes more than %d processes in all (after "
                "numjobs)",
                name, WORKLOAD_MAX_PROCESSES);
  if ((v = map_get(m, "wait_for", NULL)) && !load_wait_for(c, v, &t)) {
    g_clear_pointer(&t.wait_for, g_array_unref);
    return FALSE;
  }
  g_autoptr(GArray) waits = t.wait_for;
  for (int64_t j = 0; j < o.numjobs; j++) {
    wl_process *p = g_new(wl_process, 1);
    *p = t;
    if (t.wait_for)
      p->wait_for = g_array_copy(t.wait_for);
    p->name = o.numjobs > 1 ? g_strdup_printf("%s.%" G_GINT64_FORMAT, name, j)
                            : g_strdup(name);
    p->offset += j * o.offset_increment;
    if (ioc)
      p->ioc = g_strdup(ioc);
    else
      p->ioc = g_strdup(o.share_ioc ? name : p->name);
    g_ptr_array_add(w->processes, p);
    g_ptr_array_add(nodes, name_node);
    if (!ioc && ix_find(c->io_contexts, p->ioc) >= 0)
      return fail(c, name_node,
                  "process '%s' would get a private io_context named '%s', "
                  "but that name is declared in 'io_contexts'; rename one",
                  p->name, p->ioc);
  }
  return TRUE;
}

static gboolean load_processes(const ctx *c, const node *root, const node *list,
                               workload *w, int64_t duration) {
  if (!list || len_of(list) == 0) {
    if (list && !want(c, list, NODE_SEQ, "processes"))
      return FALSE;
    return fail(c, list ? list : root, "no processes: add a 'processes' list");
  }
  if (!want(c, list, NODE_SEQ, "processes"))
    return FALSE;
  g_autoptr(GPtrArray) nodes = g_ptr_array_new();
  g_autoptr(GHashTable) jobs = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < list->vals->len; i++) {
    node *m = g_ptr_array_index(list->vals, i);
    guint before = w->processes->len;
    if (!load_process(c, m, w, duration, nodes))
      return FALSE;
    /* Job names are unique, and so are the names after expansion. */
    node *nm = map_get(m, "name", NULL);
    if (!g_hash_table_add(jobs, nm->value))
      return fail(c, nm, "duplicate process name '%s'", nm->value);
    guint range[2] = {before, w->processes->len - before};
    g_array_append_vals(c->job_ranges, range, 2);
    g_hash_table_insert(c->jobs, nm->value,
                        GUINT_TO_POINTER(c->job_ranges->len / 2));
    for (guint j = before; j < w->processes->len; j++) {
      const char *pn = ((wl_process *)g_ptr_array_index(w->processes, j))->name;
      if (ix_find(c->processes, pn) >= 0)
        return fail(c, nm, "duplicate process name '%s'", pn);
      ix_add(c->processes, pn, j);
    }
  }
  if (w->processes->len == 0)
    return fail(c, list, "no processes: every job has numjobs: 0");
  return TRUE;
}

/* ---- interleaving and timeseries ---- */

static const char *const step_names[] = {
    "submit", "lookup", "alloc_cic", "link",      "queue",
    "fail",   "retry",  "unplug",    "io_wait",   "exit",
    "read",   "write",  "fsync",     "writeback", NULL,
};

typedef struct {
  int policy;
} interleave_opts;

static const char *const policy_names[] = {"fifo", "script", "random", NULL};

static const param_desc interleave_params[] = {
    {"policy", PARAM_ENUM, offsetof(interleave_opts, policy), "fifo",
     PARAM_NO_RANGE, policy_names, "fifo, script or random"},
    {.name = NULL},
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
    g_ptr_array_add(names,
                    ((wl_process *)g_ptr_array_index(w->processes, i))->name);
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
      return fail(c, v,
                  "expected a schedule entry like A, A@link or ~, found %s",
                  node_kind(v));
    const char *at = strrchr(v->value, '@');
    g_autofree char *proc =
        at ? g_strndup(v->value, (gsize)(at - v->value)) : g_strdup(v->value);
    if (ix_find(c->processes, proc) < 0) {
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

static const char *const interleave_fixed_keys[] = {"schedule", "labels", NULL};

static gboolean load_interleaving(const ctx *c, const node *m, workload *w) {
  interleave_opts o = {0};
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
    {"window", PARAM_TIME, offsetof(timeseries_opts, window), "100ms", 1000,
     9e18, NULL, "width of one timeseries.csv row"},
    {.name = NULL},
};

/* `v` rounded up to two significant digits: a value to suggest that its
 * printed form does not round below what is needed. */
static int64_t round_up_2(int64_t v) {
  int64_t scale = 1;
  while (v / scale >= 100)
    scale *= 10;
  return (v + scale - 1) / scale * scale;
}

/* A run fills one timeseries cell per process and window (and writes a
 * row for each): the duration must not make more than the run can hold. */
static gboolean load_timeseries(const ctx *c, const node *m,
                                const node *duration, workload *w) {
  timeseries_opts o = {100 * 1000000};
  if (m) {
    if (!want(c, m, NODE_MAP, "timeseries"))
      return FALSE;
    if (m->type == NODE_MAP &&
        (!check_keys2(c, m, NULL, timeseries_params, "in timeseries") ||
         !apply_params(c, m, timeseries_params, &o)))
      return FALSE;
  }
  w->window = o.window;
  int64_t max_windows = WORKLOAD_MAX_TIMESERIES_CELLS / w->processes->len;
  if (w->duration > 0 && (w->duration - 1) / w->window >= max_windows) {
    const node *at =
        m && m->type == NODE_MAP ? map_get(m, "window", NULL) : NULL;
    g_autofree char *d = units_format_time(w->duration);
    g_autofree char *win = units_format_time(w->window);
    g_autofree char *wider =
        units_format_time(round_up_2(w->duration / max_windows + 1));
    guint n = w->processes->len;
    return fail(c, at ? at : duration,
                "duration %s makes %" G_GINT64_FORMAT " timeseries windows "
                "of %s; with %u process%s at most %" G_GINT64_FORMAT
                " fit: set timeseries.window to %s or more",
                d, (w->duration - 1) / w->window + 1, win, n,
                n == 1 ? "" : "es", max_windows, wider);
  }
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
  /* What a measurement the workload reproduces was: read by `cfqsim
   * validate` (sim/validate.c), never by the simulation. */
  node *ref = map_get(root, "reference", NULL);
  if (ref && !want(c, ref, NODE_MAP, "reference"))
    return FALSE;
  w->memory = t.memory;
  w->memory_bandwidth = t.memory_bandwidth;

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
         load_vm(c, map_get(root, "vm", NULL), w) &&
         load_devices(c, map_get(root, "devices", NULL), w) &&
         load_cgroups(c, map_get(root, "cgroups", NULL), w) &&
         load_io_contexts(c, map_get(root, "io_contexts", NULL), w) &&
         load_processes(c, root, map_get(root, "processes", NULL), w,
                        w->duration) &&
         load_interleaving(c, map_get(root, "interleaving", NULL), w) &&
         load_timeseries(c, map_get(root, "timeseries", NULL),
                         map_get(root, "duration", NULL), w);
}

/* ----------------------------------------------------------------- entry */

gboolean workload_parse_seed(const char *text, uint64_t *seed, GError **err) {
  top_opts t;
  if (!params_set(params_find(top_params, "seed"), &t, text, err))
    return FALSE;
  *seed = (uint64_t)t.seed;
  return TRUE;
}

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
  if (!parse_yaml(text, len, 0, 0, path, &root, err))
    return NULL;
  if (!root)
    root = node_new(NODE_MAP, 1, 1, 0);
  for (int i = 0; sets && sets[i]; i++) {
    if (root->type != NODE_MAP) {
      /* What loading would say anyway: nothing to apply a --set to. */
      ctx c = {.file = path, .err = err};
      fail(&c, root, "expected a map at the top level, found %s",
           node_kind(root));
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

  ctx c = {
      .file = path,
      .err = err,
      .devices = g_hash_table_new(g_str_hash, g_str_equal),
      .cgroups = g_hash_table_new(g_str_hash, g_str_equal),
      .io_contexts = g_hash_table_new(g_str_hash, g_str_equal),
      .processes = g_hash_table_new(g_str_hash, g_str_equal),
      .jobs = g_hash_table_new(g_str_hash, g_str_equal),
      .job_ranges = g_array_new(FALSE, FALSE, sizeof(guint)),
  };
  gboolean ok = load_root(&c, root, w);
  g_hash_table_destroy(c.devices);
  g_hash_table_destroy(c.cgroups);
  g_hash_table_destroy(c.io_contexts);
  g_hash_table_destroy(c.processes);
  g_hash_table_destroy(c.jobs);
  g_array_unref(c.job_ranges);
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
    workload_key k = {section, fixed[i], NULL};
    g_array_append_val(a, k);
  }
  for (const param_desc *p = table; p && p->name; p++) {
    workload_key k = {section, p->name, p};
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
  keys_add(a, "vm", NULL, vm_params);
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
  keys_add(a, "replay", replay_fixed_keys, replay_params);
  keys_add(a, "interleaving", interleave_fixed_keys, interleave_params);
  keys_add(a, "timeseries", NULL, timeseries_params);
  return a;
}
