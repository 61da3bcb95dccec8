/* The source tree's shape: three layers, bottom-up, and no include loops.
 *
 *   sim/core/   the simulation core: engine, rng, params, units, interleave,
 *               fingerprint
 *   models/     what is simulated; may include the core
 *   sim/        the program; may include both
 *
 * A module is a .c/.h pair (foo.c and foo.h are one node).  An include may
 * never run from a lower layer to a higher one, and the graph of modules
 * must have no cycle.  The include graph only shows who calls whom if a
 * function is declared in its own module's header: a header declaring the
 * functions of other files (one private header for several .c files) hides
 * their calls, loops included, so a header may declare only its own
 * module's functions.  The tree is read from the source directory, so a
 * change that breaks a rule turns this suite red. */
#include <glib.h>
#include <string.h>

/* g_ptr_array_sort passes pointers to the elements. */
static gint by_name(gconstpointer a, gconstpointer b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *const layer_dirs[] = { "sim/core", "models", "sim" };
enum { N_LAYERS = G_N_ELEMENTS(layer_dirs) };

/* The layer of a repository-relative path, or -1 when it is in none. */
static int layer_of(const char *path) {
  for (int l = 0; l < N_LAYERS; l++) {
    size_t n = strlen(layer_dirs[l]);
    if (strncmp(path, layer_dirs[l], n) == 0 && path[n] == '/' &&
        strchr(path + n + 1, '/') == NULL)
      return l;
  }
  return -1;
}

/* Where a quoted include points, repository-relative: next to the including
 * file first (as the compiler looks), else from the top of the tree. */
static char *resolve_include(const char *dir, const char *inc) {
  char *local = g_build_filename(CFQSIM_SOURCE_DIR, dir, inc, NULL);
  char *canon = g_canonicalize_filename(local, NULL);
  char *top = g_canonicalize_filename(CFQSIM_SOURCE_DIR, NULL);
  char *rel;
  if (g_file_test(canon, G_FILE_TEST_EXISTS) && g_str_has_prefix(canon, top) &&
      canon[strlen(top)] == '/')
    rel = g_strdup(canon + strlen(top) + 1);
  else
    rel = g_strdup(inc);
  g_free(top);
  g_free(canon);
  g_free(local);
  return rel;
}

/* The quoted file of an `#include "..."` line, or NULL. */
static char *quoted_include(const char *line) {
  const char *p = line;
  while (*p == ' ' || *p == '\t') p++;
  if (*p++ != '#') return NULL;
  while (*p == ' ' || *p == '\t') p++;
  if (!g_str_has_prefix(p, "include")) return NULL;
  p += strlen("include");
  while (*p == ' ' || *p == '\t') p++;
  if (*p++ != '"') return NULL;
  const char *q = strchr(p, '"');
  return q ? g_strndup(p, q - p) : NULL;
}

static char *module_of(const char *path) {
  const char *dot = strrchr(path, '.');
  return g_strndup(path, dot ? (gsize)(dot - path) : strlen(path));
}

typedef struct {
  GHashTable *edges; /* module -> GPtrArray of included modules (sorted) */
  GPtrArray *modules;
  GHashTable *defined_in; /* non-static function -> module defining it */
  GPtrArray *declared_by; /* header of each prototype, in file order */
  GPtrArray *declared;    /* the prototype's function */
} graph;

static void graph_init(graph *g) {
  g->edges = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify)g_ptr_array_unref);
  g->modules = g_ptr_array_new_with_free_func(g_free);
  g->defined_in = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g->declared_by = g_ptr_array_new_with_free_func(g_free);
  g->declared = g_ptr_array_new_with_free_func(g_free);
}

static void graph_clear(graph *g) {
  g_hash_table_unref(g->edges);
  g_ptr_array_unref(g->modules);
  g_hash_table_unref(g->defined_in);
  g_ptr_array_unref(g->declared_by);
  g_ptr_array_unref(g->declared);
}

/* ---- the functions a file declares and defines ---- */

/* The text with comments, string and character literals and preprocessor
 * lines blanked out (newlines kept), so that only C code is left to count
 * braces and parentheses in. */
static char *code_only(const char *text) {
  char *s = g_strdup(text);
  gboolean line_start = TRUE;
  for (char *p = s; *p;) {
    if (line_start && *p == '#') { /* to the end of the line; \ goes on */
      for (char prev = 0; *p && !(*p == '\n' && prev != '\\'); p++) {
        prev = *p;
        if (*p != '\n') *p = ' ';
      }
    } else if (p[0] == '/' && p[1] == '*') {
      char *end = strstr(p + 2, "*/");
      end = end ? end + 2 : p + strlen(p);
      for (; p < end; p++)
        if (*p != '\n') *p = ' ';
    } else if (p[0] == '/' && p[1] == '/') {
      for (; *p && *p != '\n'; p++) *p = ' ';
    } else if (*p == '"' || *p == '\'') {
      char quote = *p;
      *p++ = ' ';
      for (; *p && *p != quote; p++) {
        if (*p == '\\' && p[1]) *p++ = ' ';
        if (*p != '\n') *p = ' ';
      }
      if (*p) *p++ = ' ';
    } else {
      line_start = *p == '\n' || (line_start && (*p == ' ' || *p == '\t'));
      p++;
      continue;
    }
    line_start = FALSE;
  }
  return s;
}

/* For a file-scope declaration or definition head `s` (up to its ';' or
 * '{'): the function's name if it is one and not static, else NULL. */
static char *function_name(const char *s, gsize len, gboolean definition) {
  char *stmt = g_strstrip(g_strndup(s, len));
  char *paren = strchr(stmt, '(');
  char *name = NULL;
  if (paren && !memchr(stmt, '=', paren - stmt) &&
      (!definition || g_str_has_suffix(stmt, ")"))) {
    char *end = paren;
    while (end > stmt && g_ascii_isspace(end[-1])) end--;
    char *begin = end;
    while (begin > stmt && (g_ascii_isalnum(begin[-1]) || begin[-1] == '_')) begin--;
    char *head = g_strndup(stmt, begin - stmt);
    gboolean local = FALSE;
    char **words = g_regex_split_simple("[^A-Za-z0-9_]+", head, 0, 0);
    for (char **w = words; *w; w++)
      if (strcmp(*w, "static") == 0 || strcmp(*w, "typedef") == 0) local = TRUE;
    g_strfreev(words);
    g_free(head);
    if (end > begin && !local) name = g_strndup(begin, end - begin);
  }
  g_free(stmt);
  return name;
}

/* Appends to `decls` the functions `text` declares and to `defs` those it
 * defines, leaving out static ones. */
static void scan_functions(const char *text, GPtrArray *decls, GPtrArray *defs) {
  char *code = code_only(text);
  int depth = 0;
  const char *start = code;
  for (const char *p = code; *p; p++) {
    if (*p == '{') {
      if (depth++ == 0) {
        char *n = function_name(start, p - start, TRUE);
        if (n) g_ptr_array_add(defs, n);
      }
    } else if (*p == '}') {
      if (--depth == 0) start = p + 1;
    } else if (*p == ';' && depth == 0) {
      char *n = function_name(start, p - start, FALSE);
      if (n) g_ptr_array_add(decls, n);
      start = p + 1;
    }
  }
  g_free(code);
}

static void add_edge(graph *g, const char *from, const char *to) {
  GPtrArray *out = g_hash_table_lookup(g->edges, from);
  if (!out) {
    out = g_ptr_array_new_with_free_func(g_free);
    g_hash_table_insert(g->edges, g_strdup(from), out);
    g_ptr_array_add(g->modules, g_strdup(from));
  }
  for (guint i = 0; i < out->len; i++)
    if (strcmp(out->pdata[i], to) == 0) return;
  g_ptr_array_add(out, g_strdup(to));
}

/* Reads every .c/.h of every layer; records includes of project files,
 * prototypes and definitions, and appends a message to `upward` for each
 * include that runs up. */
static void read_tree(graph *g, GString *upward) {
  for (int l = 0; l < N_LAYERS; l++) {
    char *dir = g_build_filename(CFQSIM_SOURCE_DIR, layer_dirs[l], NULL);
    GDir *d = g_dir_open(dir, 0, NULL);
    g_assert_nonnull(d);
    const char *name;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    while ((name = g_dir_read_name(d)))
      if (g_str_has_suffix(name, ".c") || g_str_has_suffix(name, ".h"))
        g_ptr_array_add(names, g_strdup(name));
    g_dir_close(d);
    g_ptr_array_sort(names, by_name);
    for (guint i = 0; i < names->len; i++) {
      char *rel = g_strdup_printf("%s/%s", layer_dirs[l],
                                  (char *)names->pdata[i]);
      char *full = g_build_filename(CFQSIM_SOURCE_DIR, rel, NULL);
      char *text = NULL;
      g_assert_true(g_file_get_contents(full, &text, NULL, NULL));
      char *from = module_of(rel);
      add_edge(g, from, from);
      char **lines = g_strsplit(text, "\n", -1);
      for (char **ln = lines; *ln; ln++) {
        char *quoted = quoted_include(*ln);
        if (!quoted) continue;
        char *inc = resolve_include(layer_dirs[l], quoted);
        g_free(quoted);
        int il = layer_of(inc);
        if (il > l)
          g_string_append_printf(upward, "%s includes %s (%s above %s)\n",
                                 rel, inc, layer_dirs[il], layer_dirs[l]);
        if (il >= 0) {
          char *to = module_of(inc);
          if (strcmp(to, from) != 0) add_edge(g, from, to);
          g_free(to);
        }
        g_free(inc);
      }
      g_strfreev(lines);
      GPtrArray *decls = g_ptr_array_new_with_free_func(g_free);
      GPtrArray *defs = g_ptr_array_new_with_free_func(g_free);
      scan_functions(text, decls, defs);
      for (guint k = 0; k < defs->len; k++)
        g_hash_table_insert(g->defined_in, g_strdup(defs->pdata[k]),
                            g_strdup(from));
      for (guint k = 0; k < decls->len && g_str_has_suffix(rel, ".h"); k++) {
        g_ptr_array_add(g->declared_by, g_strdup(rel));
        g_ptr_array_add(g->declared, g_strdup(decls->pdata[k]));
      }
      g_ptr_array_unref(decls);
      g_ptr_array_unref(defs);
      g_free(from);
      g_free(text);
      g_free(full);
      g_free(rel);
    }
    g_ptr_array_unref(names);
    g_free(dir);
  }
}

static void test_no_upward_include(void) {
  graph g;
  graph_init(&g);
  GString *upward = g_string_new(NULL);
  read_tree(&g, upward);
  if (upward->len) g_test_message("%s", upward->str);
  g_assert_cmpstr(upward->str, ==, "");
  g_string_free(upward, TRUE);
  graph_clear(&g);
}

/* Depth-first search; `state`: 0 unseen, 1 on the stack, 2 done.  The first
 * cycle found is written to `cycle` as "a -> b -> a". */
static gboolean dfs(graph *g, GHashTable *state, GPtrArray *stack,
                    const char *m, GString *cycle) {
  g_hash_table_insert(state, (gpointer)m, GINT_TO_POINTER(1));
  g_ptr_array_add(stack, (gpointer)m);
  GPtrArray *out = g_hash_table_lookup(g->edges, m);
  for (guint i = 0; out && i < out->len; i++) {
    const char *to = out->pdata[i];
    if (strcmp(to, m) == 0) continue;
    int s = GPOINTER_TO_INT(g_hash_table_lookup(state, to));
    if (s == 1) {
      guint k = stack->len;
      while (k > 0 && strcmp(stack->pdata[k - 1], to) != 0) k--;
      for (guint j = k - 1; j < stack->len; j++)
        g_string_append_printf(cycle, "%s -> ", (char *)stack->pdata[j]);
      g_string_append(cycle, to);
      return TRUE;
    }
    if (s == 0 && g_hash_table_contains(g->edges, to) &&
        dfs(g, state, stack, to, cycle))
      return TRUE;
  }
  g_ptr_array_set_size(stack, stack->len - 1);
  g_hash_table_insert(state, (gpointer)m, GINT_TO_POINTER(2));
  return FALSE;
}

static void test_no_include_cycle(void) {
  graph g;
  graph_init(&g);
  GString *ignored = g_string_new(NULL);
  read_tree(&g, ignored);
  g_string_free(ignored, TRUE);
  g_assert_cmpuint(g.modules->len, >, 10);
  GHashTable *state = g_hash_table_new(g_str_hash, g_str_equal);
  GPtrArray *stack = g_ptr_array_new();
  GString *cycle = g_string_new(NULL);
  for (guint i = 0; i < g.modules->len && !cycle->len; i++)
    if (!g_hash_table_contains(state, g.modules->pdata[i]))
      dfs(&g, state, stack, g.modules->pdata[i], cycle);
  g_assert_cmpstr(cycle->str, ==, "");
  g_string_free(cycle, TRUE);
  g_ptr_array_unref(stack);
  g_hash_table_unref(state);
  graph_clear(&g);
}

/* A header declares only the functions its own .c defines: then an include
 * is the only way to reach a function, and the include graph above shows
 * every call between modules. */
static void test_headers_declare_own_functions(void) {
  graph g;
  graph_init(&g);
  GString *ignored = g_string_new(NULL);
  read_tree(&g, ignored);
  g_string_free(ignored, TRUE);
  g_assert_cmpuint(g.declared->len, >, 100);
  GString *foreign = g_string_new(NULL);
  for (guint i = 0; i < g.declared->len; i++) {
    const char *header = g.declared_by->pdata[i], *fn = g.declared->pdata[i];
    const char *def = g_hash_table_lookup(g.defined_in, fn);
    char *own = module_of(header);
    if (def && strcmp(def, own) != 0)
      g_string_append_printf(foreign,
                             "%s declares %s(), which %s.c defines: declare "
                             "it in %s.h\n", header, fn, def, def);
    g_free(own);
  }
  if (foreign->len) g_test_message("%s", foreign->str);
  g_assert_cmpstr(foreign->str, ==, "");
  g_string_free(foreign, TRUE);
  graph_clear(&g);
}

/* The scanners: prototypes and definitions are told apart from comments,
 * strings, macros, typedefs, struct members and static functions; quoted
 * includes are found however they are spaced and resolved as the compiler
 * does. */
static void test_scanners(void) {
  static const char text[] =
      "/* int commented(void); */\n"
      "#define MACRO(x) \\\n  int in_macro(x);\n"
      "static int local(void) { return 0; }\n"
      "typedef void (*fnptr)(int);\n"
      "const char *s = \"int in_string(void);\";\n"
      "struct st { int (*member)(void); };\n"
      "int declared(int a,\n             int b);\n"
      "void printf_like(const char *fmt, ...) G_GNUC_PRINTF(1, 2);\n"
      "struct request *defined(struct bio *b) {\n"
      "  if (b) { return NULL; }\n  return NULL;\n}\n"
      "G_GNUC_UNUSED static inline int helper(void) { return '}'; }\n";
  GPtrArray *decls = g_ptr_array_new_with_free_func(g_free);
  GPtrArray *defs = g_ptr_array_new_with_free_func(g_free);
  scan_functions(text, decls, defs);
  GString *got = g_string_new(NULL);
  for (guint i = 0; i < decls->len; i++)
    g_string_append_printf(got, "%s; ", (char *)decls->pdata[i]);
  for (guint i = 0; i < defs->len; i++)
    g_string_append_printf(got, "%s {} ", (char *)defs->pdata[i]);
  g_assert_cmpstr(got->str, ==, "declared; printf_like; defined {} ");
  g_string_free(got, TRUE);
  g_ptr_array_unref(decls);
  g_ptr_array_unref(defs);

  char *q = quoted_include("  #  include \"blk.h\"  /* why */");
  g_assert_cmpstr(q, ==, "blk.h");
  g_free(q);
  g_assert_null(quoted_include("#include <glib.h>"));
  g_assert_null(quoted_include("/* #include \"sim/run.h\" */"));
  char *r = resolve_include("models", "blk.h");
  g_assert_cmpstr(r, ==, "models/blk.h");
  g_free(r);
  r = resolve_include("sim/core", "../run.h");
  g_assert_cmpstr(r, ==, "sim/run.h");
  g_free(r);
  r = resolve_include("sim", "models/blk.h");
  g_assert_cmpstr(r, ==, "models/blk.h");
  g_free(r);
}

/* The checker itself: a module graph with a planted loop is caught. */
static void test_cycle_is_found(void) {
  graph g;
  graph_init(&g);
  add_edge(&g, "a", "b");
  add_edge(&g, "b", "c");
  add_edge(&g, "c", "a");
  GHashTable *state = g_hash_table_new(g_str_hash, g_str_equal);
  GPtrArray *stack = g_ptr_array_new();
  GString *cycle = g_string_new(NULL);
  g_assert_true(dfs(&g, state, stack, "a", cycle));
  g_assert_cmpstr(cycle->str, ==, "a -> b -> c -> a");
  g_assert_cmpint(layer_of("sim/core/engine.h"), ==, 0);
  g_assert_cmpint(layer_of("models/blk.h"), ==, 1);
  g_assert_cmpint(layer_of("sim/run.h"), ==, 2);
  g_assert_cmpint(layer_of("tests/fake_world.h"), ==, -1);
  g_string_free(cycle, TRUE);
  g_ptr_array_unref(stack);
  g_hash_table_unref(state);
  graph_clear(&g);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/layers/no-upward-include", test_no_upward_include);
  g_test_add_func("/layers/no-include-cycle", test_no_include_cycle);
  g_test_add_func("/layers/headers-declare-own-functions",
                  test_headers_declare_own_functions);
  g_test_add_func("/layers/cycle-is-found", test_cycle_is_found);
  g_test_add_func("/layers/scanners", test_scanners);
  return g_test_run();
}
