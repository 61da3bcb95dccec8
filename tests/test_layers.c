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
 * their calls, loops included, so a header may
 * declare only its own module's functions.  Names say where they live: an
 * exported function carries its module's prefix (or the kernel's name of
 * what it models), an error domain is cfqsim-<module>-error-quark with
 * named codes.  Comments point to docs/model.md by heading, never to
 * sections of notes the repository does not ship.  The tree is read from
 * the source directory, so a change that breaks a rule turns this suite
 * red. */
#include <glib.h>
#include <string.h>

#include "tests/testutil.h"

static const char *const layer_dirs[] = {"sim/core", "models", "sim"};
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
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p++ != '#')
    return NULL;
  while (*p == ' ' || *p == '\t')
    p++;
  if (!g_str_has_prefix(p, "include"))
    return NULL;
  p += strlen("include");
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p++ != '"')
    return NULL;
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
  g->defined_in =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
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
        if (*p != '\n')
          *p = ' ';
      }
    } else if (p[0] == '/' && p[1] == '*') {
      char *end = strstr(p + 2, "*/");
      end = end ? end + 2 : p + strlen(p);
      for (; p < end; p++)
        if (*p != '\n')
          *p = ' ';
    } else if (p[0] == '/' && p[1] == '/') {
      for (; *p && *p != '\n'; p++)
        *p = ' ';
    } else if (*p == '"' || *p == '\'') {
      char quote = *p;
      *p++ = ' ';
      for (; *p && *p != quote; p++) {
        if (*p == '\\' && p[1])
          *p++ = ' ';
        if (*p != '\n')
          *p = ' ';
      }
      if (*p)
        *p++ = ' ';
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
    while (end > stmt && g_ascii_isspace(end[-1]))
      end--;
    char *begin = end;
    while (begin > stmt && (g_ascii_isalnum(begin[-1]) || begin[-1] == '_'))
      begin--;
    char *head = g_strndup(stmt, begin - stmt);
    gboolean local = FALSE;
    char **words = g_regex_split_simple("[^A-Za-z0-9_]+", head, 0, 0);
    for (char **w = words; *w; w++)
      if (strcmp(*w, "static") == 0 || strcmp(*w, "typedef") == 0)
        local = TRUE;
    g_strfreev(words);
    g_free(head);
    if (end > begin && !local)
      name = g_strndup(begin, end - begin);
  }
  g_free(stmt);
  return name;
}

/* Whether the statement at `s` opens with a macro call such as
 * G_DEFINE_QUARK(...), which stands for whole definitions and ends without
 * a ';'. */
static gboolean macro_call(const char *s) {
  while (g_ascii_isspace(*s))
    s++;
  const char *id = s;
  gboolean letter = FALSE;
  for (; g_ascii_isupper(*s) || g_ascii_isdigit(*s) || *s == '_'; s++)
    letter |= g_ascii_isupper(*s);
  return letter && s > id && *s == '(';
}

/* Appends to `decls` the functions `text` declares and to `defs` those it
 * defines, leaving out static ones. */
static void scan_functions(const char *text, GPtrArray *decls,
                           GPtrArray *defs) {
  char *code = code_only(text);
  int depth = 0, parens = 0;
  const char *start = code;
  for (const char *p = code; *p; p++) {
    if (depth == 0 && *p == '(') {
      parens++;
    } else if (depth == 0 && *p == ')') {
      if (--parens == 0 && macro_call(start))
        start = p + 1;
    } else if (*p == '{') {
      if (depth++ == 0) {
        char *n = function_name(start, p - start, TRUE);
        if (n)
          g_ptr_array_add(defs, n);
      }
    } else if (*p == '}') {
      if (--depth == 0)
        start = p + 1;
    } else if (*p == ';' && depth == 0) {
      char *n = function_name(start, p - start, FALSE);
      if (n)
        g_ptr_array_add(decls, n);
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
    if (strcmp(out->pdata[i], to) == 0)
      return;
  g_ptr_array_add(out, g_strdup(to));
}

/* Reads every .c/.h of every layer; records includes of project files,
 * prototypes and definitions, and appends a message to `upward` for each
 * include that runs up. */
/* The .c/.h files of a directory, repository-relative, sorted. */
static GPtrArray *sources_in(const char *dir) {
  char *full = g_build_filename(CFQSIM_SOURCE_DIR, dir, NULL);
  GDir *d = g_dir_open(full, 0, NULL);
  g_assert_nonnull(d);
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(d)))
    if (g_str_has_suffix(name, ".c") || g_str_has_suffix(name, ".h"))
      g_ptr_array_add(names, g_strdup_printf("%s/%s", dir, name));
  g_dir_close(d);
  g_free(full);
  g_ptr_array_sort(names, by_name);
  return names;
}

/* The .c/.h files of layer `l`. */
static GPtrArray *layer_sources(int l) { return sources_in(layer_dirs[l]); }

static char *read_source(const char *rel) {
  char *full = g_build_filename(CFQSIM_SOURCE_DIR, rel, NULL);
  char *text = NULL;
  g_assert_true(g_file_get_contents(full, &text, NULL, NULL));
  g_free(full);
  return text;
}

static void read_tree(graph *g, GString *upward) {
  for (int l = 0; l < N_LAYERS; l++) {
    GPtrArray *names = layer_sources(l);
    for (guint i = 0; i < names->len; i++) {
      const char *rel = names->pdata[i];
      char *text = read_source(rel);
      char *from = module_of(rel);
      add_edge(g, from, from);
      char **lines = g_strsplit(text, "\n", -1);
      for (char **ln = lines; *ln; ln++) {
        char *quoted = quoted_include(*ln);
        if (!quoted)
          continue;
        char *inc = resolve_include(layer_dirs[l], quoted);
        g_free(quoted);
        int il = layer_of(inc);
        if (il > l)
          g_string_append_printf(upward, "%s includes %s (%s above %s)\n", rel,
                                 inc, layer_dirs[il], layer_dirs[l]);
        if (il >= 0) {
          char *to = module_of(inc);
          if (strcmp(to, from) != 0)
            add_edge(g, from, to);
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
    }
    g_ptr_array_unref(names);
  }
}

static void test_no_upward_include(void) {
  graph g;
  graph_init(&g);
  GString *upward = g_string_new(NULL);
  read_tree(&g, upward);
  if (upward->len)
    g_test_message("%s", upward->str);
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
    if (strcmp(to, m) == 0)
      continue;
    int s = GPOINTER_TO_INT(g_hash_table_lookup(state, to));
    if (s == 1) {
      guint k = stack->len;
      while (k > 0 && strcmp(stack->pdata[k - 1], to) != 0)
        k--;
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
                             "it in %s.h\n",
                             header, fn, def, def);
    g_free(own);
  }
  if (foreign->len)
    g_test_message("%s", foreign->str);
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
      "G_GNUC_UNUSED static inline int helper(void) { return '}'; }\n"
      "G_DEFINE_QUARK(a-error-quark, a_error)\n"
      "int after_macro(void) { return 0; }\n";
  GPtrArray *decls = g_ptr_array_new_with_free_func(g_free);
  GPtrArray *defs = g_ptr_array_new_with_free_func(g_free);
  scan_functions(text, decls, defs);
  GString *got = g_string_new(NULL);
  for (guint i = 0; i < decls->len; i++)
    g_string_append_printf(got, "%s; ", (char *)decls->pdata[i]);
  for (guint i = 0; i < defs->len; i++)
    g_string_append_printf(got, "%s {} ", (char *)defs->pdata[i]);
  g_assert_cmpstr(got->str, ==,
                  "declared; printf_like; defined {} after_macro {} ");
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

/* ---- names ---- */

/* The prefixes a module's exported functions may carry besides its own
 * name.  A model of a kernel function keeps the kernel's name (cfq_*,
 * cfqq_*, elv_*, ...), so grepping the kernel finds it; the core's engine
 * and the program's run speak for the simulation as a whole (sim_*); the
 * commands share cmd_. */
static const struct {
  const char *module; /* a module, or a family of them: "models/cfq" */
  const char *prefixes;
} export_prefixes[] = {
    {"sim/core/engine", "sim_"},
    {"sim/core/rng", "sim_rng_"},
    {"sim/run", "sim_run_"},
    {"sim/commands", "cmd_"},
    {"models/blk", "blk_ __blk_ elv_ kblockd_"},
    {"models/ioc", "ioc_ cic_ cfq_"},
    {"models/iosched", "elevator_"},
    {"models/cfq", "cfq_ __cfq_ cfqq_ cfqg_"},
    /* the memory management's kernel names: mm/filemap.c, mm/readahead.c,
     * mm/page-writeback.c, fs/fs-writeback.c */
    {"models/pagecache", "page_ find_ add_to_page_cache_ address_space_ "
                         "mapping_ mark_page_ wait_on_page wake_up_page "
                         "invalidate_mapping_ count_history_pages"},
    {"models/readahead", "page_cache_ file_ra_ get_init_ra_ get_next_ra_"},
    {"models/page-writeback", "bdi_ balance_dirty_pages dirty_ set_page_dirty "
                              "end_page_writeback page_start_writeback "
                              "global_dirty_limits over_bground_thresh"},
    {"models/fs-writeback", "bdi_ wb_ writeback_ mark_inode_dirty"},
};
/* Kernel functions whose own names carry no prefix. */
static const char *const kernel_unprefixed[] = {"service_tree_for"};

/* Whether `fn`, exported by `module` ("models/cfq-group"), carries the
 * module's name ("cfq_group_", or the whole name) or one of its prefixes. */
static gboolean export_is_prefixed(const char *module, const char *fn) {
  const char *base = strrchr(module, '/');
  char *own = g_strdup(base ? base + 1 : module);
  g_strdelimit(own, "-", '_');
  gsize n = strlen(own);
  gboolean ok = strncmp(fn, own, n) == 0 && (fn[n] == '\0' || fn[n] == '_');
  g_free(own);
  for (guint i = 0; !ok && i < G_N_ELEMENTS(export_prefixes); i++) {
    if (!g_str_has_prefix(module, export_prefixes[i].module))
      continue;
    char **p = g_strsplit(export_prefixes[i].prefixes, " ", -1);
    for (char **q = p; *q && !ok; q++)
      ok = g_str_has_prefix(fn, *q);
    g_strfreev(p);
  }
  for (guint i = 0; !ok && i < G_N_ELEMENTS(kernel_unprefixed); i++)
    ok = strcmp(fn, kernel_unprefixed[i]) == 0;
  return ok;
}

/* Every function a module exports says where it lives. */
static void test_exports_prefixed(void) {
  graph g;
  graph_init(&g);
  GString *ignored = g_string_new(NULL);
  read_tree(&g, ignored);
  g_string_free(ignored, TRUE);
  GList *fns =
      g_list_sort(g_hash_table_get_keys(g.defined_in), (GCompareFunc)strcmp);
  g_assert_cmpuint(g_list_length(fns), >, 100);
  GString *bad = g_string_new(NULL);
  for (GList *l = fns; l; l = l->next) {
    const char *module = g_hash_table_lookup(g.defined_in, l->data);
    if (!export_is_prefixed(module, l->data))
      g_string_append_printf(bad, "%s.c exports %s()\n", module,
                             (char *)l->data);
  }
  if (bad->len)
    g_test_message("%s", bad->str);
  g_assert_cmpstr(bad->str, ==, "");
  g_string_free(bad, TRUE);
  g_list_free(fns);
  graph_clear(&g);
}

/* The arguments of the call whose '(' is at `open` in a code_only text,
 * split at its top-level commas and stripped. */
static GPtrArray *call_args(const char *open) {
  GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
  int depth = 0;
  const char *start = open + 1;
  for (const char *p = open; *p; p++) {
    if (*p == '(' || *p == '[' || *p == '{') {
      depth++;
    } else if (*p == ')' || *p == ']' || *p == '}') {
      if (--depth == 0) {
        g_ptr_array_add(args, g_strstrip(g_strndup(start, p - start)));
        break;
      }
    } else if (*p == ',' && depth == 1) {
      g_ptr_array_add(args, g_strstrip(g_strndup(start, p - start)));
      start = p + 1;
    }
  }
  return args;
}

/* What is wrong with the error domains and codes of one source file, as
 * lines of `out`: a domain is defined with G_DEFINE_QUARK and named
 * cfqsim-<module>-error-quark, so that an error printed with its domain
 * says where it came from; a code is a name from the domain's enum, never
 * a bare number a reader has to look up. */
static void check_error_domains(const char *rel, const char *text,
                                GString *out) {
  char *code = code_only(text);
  char *base = g_path_get_basename(rel);
  char *dot = strrchr(base, '.');
  if (dot)
    *dot = '\0';
  char *want = g_strdup_printf("cfqsim-%s-error-quark", base);
  GRegex *re = g_regex_new(
      "\\b(G_DEFINE_QUARK|g_quark_from_static_string|g_quark_from_string|"
      "g_set_error|g_set_error_literal|g_error_new|g_error_new_literal|"
      "g_error_new_valist)\\s*\\(",
      0, 0, NULL);
  GMatchInfo *mi;
  g_regex_match(re, code, 0, &mi);
  for (; g_match_info_matches(mi); g_match_info_next(mi, NULL)) {
    char *fn = g_match_info_fetch(mi, 1);
    int end;
    g_match_info_fetch_pos(mi, 0, NULL, &end);
    GPtrArray *args = call_args(code + end - 1);
    guint code_arg = g_str_has_prefix(fn, "g_set_error") ? 2 : 1;
    if (strcmp(fn, "G_DEFINE_QUARK") == 0) {
      const char *qn = args->len ? args->pdata[0] : "";
      if (strcmp(qn, want) != 0)
        g_string_append_printf(out, "%s: domain %s: name it %s\n", rel, qn,
                               want);
    } else if (g_str_has_prefix(fn, "g_quark_from")) {
      g_string_append_printf(out,
                             "%s: %s: define the domain with "
                             "G_DEFINE_QUARK\n",
                             rel, fn);
    } else if (code_arg < args->len) {
      const char *c = args->pdata[code_arg];
      if (g_regex_match_simple("^[-+]?[0-9]", c, 0, 0))
        g_string_append_printf(out,
                               "%s: %s(..., %s, ...): a bare code; name "
                               "it in the domain's enum\n",
                               rel, fn, c);
    }
    g_ptr_array_unref(args);
    g_free(fn);
  }
  g_match_info_free(mi);
  g_regex_unref(re);
  g_free(want);
  g_free(base);
  g_free(code);
}

static void test_error_domains(void) {
  GString *out = g_string_new(NULL);
  guint domains = 0;
  for (int l = 0; l < N_LAYERS; l++) {
    GPtrArray *names = layer_sources(l);
    for (guint i = 0; i < names->len; i++) {
      char *text = read_source(names->pdata[i]);
      check_error_domains(names->pdata[i], text, out);
      if (strstr(text, "G_DEFINE_QUARK("))
        domains++;
      g_free(text);
    }
    g_ptr_array_unref(names);
  }
  g_assert_cmpuint(domains, >=, 5);
  if (out->len)
    g_test_message("%s", out->str);
  g_assert_cmpstr(out->str, ==, "");
  g_string_free(out, TRUE);
}

/* The name checkers: what they let through and what they catch. */
static void test_name_checkers(void) {
  g_assert_true(export_is_prefixed("sim/metrics", "metrics_new"));
  g_assert_true(export_is_prefixed("sim/cmd_run", "cmd_run"));
  g_assert_true(export_is_prefixed("models/disk_hdd", "disk_hdd_seek_ns"));
  g_assert_true(export_is_prefixed("models/cfq-group", "cfqq_close"));
  g_assert_true(export_is_prefixed("models/cfq-group", "service_tree_for"));
  g_assert_false(export_is_prefixed("sim/metrics", "latency_summarize"));
  g_assert_false(export_is_prefixed("sim/metrics", "metricsfoo"));
  g_assert_false(export_is_prefixed("models/deadline", "cfq_helper"));

  static const char text[] =
      "G_DEFINE_QUARK(cfqsim-foo-error-quark, foo_error)\n"
      "G_DEFINE_QUARK(foo-error-quark, foo2_error)\n"
      "static GQuark q(void) { return g_quark_from_static_string(\"x\"); }\n"
      "void f(GError **err) {\n"
      "  g_set_error(err, FOO_ERROR, FOO_ERROR_BAD, \"a, b (%d)\", g(1, 2));\n"
      "  g_set_error (err, q(), 1, \"x\");\n"
      "  /* g_set_error(err, FOO_ERROR, 2, \"in a comment\"); */\n"
      "  GError *e = g_error_new_literal(FOO_ERROR, 3, \"y\");\n"
      "}\n";
  GString *out = g_string_new(NULL);
  check_error_domains("sim/foo.c", text, out);
  g_assert_cmpstr(out->str, ==,
                  "sim/foo.c: domain foo-error-quark: name it "
                  "cfqsim-foo-error-quark\n"
                  "sim/foo.c: g_quark_from_static_string: define the domain "
                  "with G_DEFINE_QUARK\n"
                  "sim/foo.c: g_set_error(..., 1, ...): a bare code; name it "
                  "in the domain's enum\n"
                  "sim/foo.c: g_error_new_literal(..., 3, ...): a bare code; "
                  "name it in the domain's enum\n");
  g_string_free(out, TRUE);
}

/* ---- comments cite what the repository ships ----
 *
 * What the models follow is described in docs/model.md, which every reader
 * of the repository has; the notes it was written from are not shipped,
 * and neither is the tracker whose issues asked for a change.  So a comment
 * says why in words, or points to a heading of docs/model.md or of the
 * README by name, never to a section, formula or appendix number of those
 * notes, to the design notes, or to an issue. */

/* The comments of a C text, everything else blanked (newlines kept, so an
 * offset still gives its line). */
static char *comments_only(const char *text) {
  char *s = g_strdup(text);
  for (char *p = s; *p;) {
    if (p[0] == '/' && p[1] == '*') {
      char *end = strstr(p + 2, "*/");
      p = end ? end + 2 : p + strlen(p);
    } else if (p[0] == '/' && p[1] == '/') {
      while (*p && *p != '\n')
        p++;
    } else if (*p == '"' || *p == '\'') {
      char quote = *p;
      *p++ = ' ';
      for (; *p && *p != quote && *p != '\n'; p++) {
        if (*p == '\\' && p[1] && p[1] != '\n')
          *p++ = ' ';
        *p = ' ';
      }
      if (*p == quote)
        *p++ = ' ';
    } else {
      if (*p != '\n')
        *p = ' ';
      p++;
    }
  }
  return s;
}

/* What a bare citation looks like.  Tight enough to leave alone "Linux
 * 3.2", "3.0-3.2-rc", version numbers, units, hex and prose that says
 * "issue 4 KiB reads". */
static const struct {
  const char *re, *what;
} citation_patterns[] = {
    {"\\bF[0-9]{1,2}\\b", "a formula number"},
    {"\\b[Ss]pec(\\s+sections?)?\\s+([0-9]|[Aa]ppendix\\b)", "a spec section"},
    {"\\bspec/|\\b[Tt]he spec\\b", "the unshipped spec"},
    {"\\(\\s*[0-9]{1,2}\\.[0-9]{1,2}(\\.[0-9]{1,2})?\\s*[,/)]",
     "a section number"},
    {"(?m)(^[ \\t]*(/\\*|\\*|//)?[ \\t]*|[(/,][ \\t]*|\\b(of|and|see) )"
     "[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,2}\\b(?![-.0-9])",
     "a section number"},
    {"(?m)^[ \\t]*(/\\*|\\*|//)?[ \\t]*"
     "[0-9]{1,2}\\.[0-9]{1,2}[ \\t]*(:|/[ \\t])",
     "a section number"},
    {"\\bApp(endix|\\.)\\s*[A-Z]\\b|\\bB\\.[0-9]{1,2}\\b", "an appendix"},
    {"\\bDESIGN\\b", "DESIGN"},
    {"\\b[Ii]ssue\\s+#?[0-9]+(\\s+point\\s+[0-9]+)?\\s*[:),]", "an issue"},
};

/* The patterns above, compiled once (they stay reachable until exit).
 * Byte mode: GRegex would otherwise check the whole text for UTF-8 again
 * at every match. */
static GRegex *citation_regex(guint k) {
  static GRegex *compiled[G_N_ELEMENTS(citation_patterns)];
  if (!compiled[k])
    compiled[k] = g_regex_new(citation_patterns[k].re, G_REGEX_RAW, 0, NULL);
  g_assert_nonnull(compiled[k]);
  return compiled[k];
}

/* Appends "rel:line: what: the line" to `out` for every bare citation in
 * the comments of `text`. */
static void check_citations(const char *rel, const char *text, GString *out) {
  char *comments = comments_only(text);
  char **lines = g_strsplit(text, "\n", -1);
  for (guint k = 0; k < G_N_ELEMENTS(citation_patterns); k++) {
    GMatchInfo *mi;
    g_regex_match(citation_regex(k), comments, 0, &mi);
    int last_line = -1;
    for (; g_match_info_matches(mi); g_match_info_next(mi, NULL)) {
      int start;
      g_match_info_fetch_pos(mi, 0, &start, NULL);
      int line = 0;
      for (int i = 0; i < start; i++)
        line += comments[i] == '\n';
      if (line == last_line)
        continue;
      last_line = line;
      char *l = g_strstrip(g_strdup(lines[line]));
      g_string_append_printf(out, "%s:%d: %s: %s\n", rel, line + 1,
                             citation_patterns[k].what, l);
      g_free(l);
    }
    g_match_info_free(mi);
  }
  g_strfreev(lines);
  g_free(comments);
}

static const char *const cited_dirs[] = {"sim/core", "models", "sim",
                                         "tests",    "bench",  "fuzz"};

static void test_no_bare_citations(void) {
  GString *out = g_string_new(NULL);
  guint files = 0;
  for (guint d = 0; d < G_N_ELEMENTS(cited_dirs); d++) {
    GPtrArray *names = sources_in(cited_dirs[d]);
    for (guint i = 0; i < names->len; i++, files++) {
      const char *rel = names->pdata[i];
      char *text = read_source(rel);
      check_citations(rel, text, out);
      g_free(text);
    }
    g_ptr_array_unref(names);
  }
  g_assert_cmpuint(files, >, 50);
  if (out->len)
    g_test_message("%s", out->str);
  g_assert_cmpstr(out->str, ==, "");
  g_string_free(out, TRUE);
}

/* The headings of a Markdown file, "#" marks and spaces stripped. */
static GHashTable *headings_of(const char *rel) {
  GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  char *text = read_source(rel);
  char **lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++)
    if (**l == '#') {
      const char *t = *l;
      while (*t == '#')
        t++;
      g_hash_table_add(h, g_strstrip(g_strdup(t)));
    }
  g_strfreev(lines);
  g_free(text);
  return h;
}

/* Appends to `out` every heading that `text` points to by `doc, "Heading"`
 * (one or more quoted names after a match of the regex `doc_re`, a comment
 * wrapped over lines counting as one line) but that `headings` does not
 * hold. */
static void check_pointers(const char *rel, const char *text,
                           const char *doc_re, const char *doc,
                           GHashTable *headings, guint *count, GString *out) {
  GRegex *join =
      g_regex_new("\\n[ \\t]*(\\*(?!/)|#|//)?[ \\t]*", G_REGEX_RAW, 0, NULL);
  char *flat = g_regex_replace_literal(join, text, -1, 0, " ", 0, NULL);
  g_regex_unref(join);
  char *pat = g_strdup_printf(
      "%s,?\\s*(from\\s+)?(\"[^\"]+\"(\\s*(,|and|to)\\s*\"[^\"]+\")*)", doc_re);
  GRegex *re = g_regex_new(pat, G_REGEX_RAW, 0, NULL);
  GRegex *quoted = g_regex_new("\"([^\"]+)\"", G_REGEX_RAW, 0, NULL);
  GMatchInfo *mi;
  g_regex_match(re, flat, 0, &mi);
  for (; g_match_info_matches(mi); g_match_info_next(mi, NULL)) {
    char *list = g_match_info_fetch(mi, 2);
    GMatchInfo *qi;
    g_regex_match(quoted, list, 0, &qi);
    for (; g_match_info_matches(qi); g_match_info_next(qi, NULL)) {
      char *h = g_match_info_fetch(qi, 1);
      (*count)++;
      if (!g_hash_table_contains(headings, h))
        g_string_append_printf(out, "%s: %s has no heading \"%s\"\n", rel, doc,
                               h);
      g_free(h);
    }
    g_match_info_free(qi);
    g_free(list);
  }
  g_match_info_free(mi);
  g_regex_unref(quoted);
  g_regex_unref(re);
  g_free(pat);
  g_free(flat);
}

/* Every pointer to a heading of docs/model.md or of the README, in the
 * sources, the workloads, the scripts and the documents, names one that
 * exists. */
static void test_pointers_resolve(void) {
  GHashTable *model = headings_of("docs/model.md");
  GHashTable *readme = headings_of("README.md");
  g_assert_true(g_hash_table_contains(model, "Slice length"));
  GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
  for (guint d = 0; d < G_N_ELEMENTS(cited_dirs); d++)
    g_ptr_array_extend_and_steal(files, sources_in(cited_dirs[d]));
  static const char *const other_dirs[] = {"workloads", "workloads/sweeps",
                                           "scripts", "docs"};
  for (guint d = 0; d < G_N_ELEMENTS(other_dirs); d++) {
    char *full = g_build_filename(CFQSIM_SOURCE_DIR, other_dirs[d], NULL);
    GDir *dir = g_dir_open(full, 0, NULL);
    g_assert_nonnull(dir);
    const char *name;
    while ((name = g_dir_read_name(dir))) {
      char *rel = g_strdup_printf("%s/%s", other_dirs[d], name);
      char *path = g_build_filename(CFQSIM_SOURCE_DIR, rel, NULL);
      if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add(files, rel);
      else
        g_free(rel);
      g_free(path);
    }
    g_dir_close(dir);
    g_free(full);
  }
  g_ptr_array_add(files, g_strdup("README.md"));
  GString *out = g_string_new(NULL);
  guint count = 0;
  for (guint i = 0; i < files->len; i++) {
    const char *rel = files->pdata[i];
    char *text = read_source(rel);
    if (g_str_has_suffix(rel, ".c") || g_str_has_suffix(rel, ".h")) {
      char *c = comments_only(text); /* pointers live in comments */
      g_free(text);
      text = c;
    }
    check_pointers(rel, text, "docs/model\\.md", "docs/model.md", model, &count,
                   out);
    check_pointers(rel, text, "README(\\.md)?", "README", readme, &count, out);
    g_free(text);
  }
  g_assert_cmpuint(count, >, 50);
  if (out->len)
    g_test_message("%s", out->str);
  g_assert_cmpstr(out->str, ==, "");
  g_string_free(out, TRUE);
  g_ptr_array_unref(files);
  g_hash_table_unref(readme);
  g_hash_table_unref(model);
}

/* The checkers: what they catch and what they let through. */
static void test_citation_checkers(void) {
  static const char text[] =
      "/* F2 */\n"
      "/* 3.8.4: remember where the workload was */\n"
      "/* Merging (3.3)\n"
      "/* Spec 4.6: a sleeper */\n"
      "/* (spec sections 1.4, 1.5) */\n"
      "  /* cfq_choose_wl (3.8.3 / B.31)\n"
      " * rule 5 of 3.5.5 */\n"
      "/* 3.10 / 5.3.8: cooperating queues */\n"
      "/* spec Appendix A */ /* Appendix B */ /* App. B 21 */\n"
      "/* DESIGN 3-4 */\n"
      "/* Issue 8 point 1: only empty */ // issue 8: silence\n"
      "/* Written from spec/cfq-3.2.md */\n"
      "/* Linux 3.2, the 3.0-3.2-rc race, 3.2 final (Linux 3.2) */\n"
      "/* HZ=250: 4 ms; 0xF1; 1.5 times; tasks issue 4 KiB reads; F_OK */\n"
      "/* glib 2.72.4, Linux 3.2.1 and v1.2.3; 10.0.0.1 */\n"
      "const char *s = \"F2 (3.3) spec 4.3 Issue 8:\"; char c = '\"';\n";
  GString *out = g_string_new(NULL);
  check_citations("x.c", text, out);
  char **got = g_strsplit(out->str, "\n", -1);
  GString *lines = g_string_new(NULL);
  for (char **g = got; *g && **g; g++) {
    const char *num = *g + strlen("x.c:");
    g_string_append_len(lines, num, strchr(num, ':') - num);
    g_string_append_c(lines, ' ');
  }
  g_strfreev(got);
  /* one report per pattern and line; the order is by pattern */
  g_assert_cmpstr(lines->str, ==, "1 4 5 9 12 3 6 2 6 7 8 8 6 9 10 11 ");
  g_string_free(lines, TRUE);
  g_string_free(out, TRUE);

  GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);
  g_hash_table_add(h, "Slice length");
  g_hash_table_add(h, "CFQ completion");
  GString *bad = g_string_new(NULL);
  guint count = 0;
  check_pointers("y.c",
                 "/* (docs/model.md, \"Slice length\"), docs/model.md, \"CFQ\n"
                 " * completion\", \"Nope\"; docs/model.md, from \"Slice "
                 "length\" to \"Gone\" */\n# docs/model.md describes it\n",
                 "docs/model\\.md", "docs/model.md", h, &count, bad);
  g_assert_cmpuint(count, ==, 5);
  g_assert_cmpstr(bad->str, ==,
                  "y.c: docs/model.md has no heading \"Nope\"\n"
                  "y.c: docs/model.md has no heading \"Gone\"\n");
  g_string_free(bad, TRUE);
  g_hash_table_unref(h);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/layers/no-upward-include", test_no_upward_include);
  g_test_add_func("/layers/no-include-cycle", test_no_include_cycle);
  g_test_add_func("/layers/headers-declare-own-functions",
                  test_headers_declare_own_functions);
  g_test_add_func("/layers/cycle-is-found", test_cycle_is_found);
  g_test_add_func("/layers/scanners", test_scanners);
  g_test_add_func("/layers/exports-prefixed", test_exports_prefixed);
  g_test_add_func("/layers/error-domains", test_error_domains);
  g_test_add_func("/layers/name-checkers", test_name_checkers);
  g_test_add_func("/layers/no-bare-citations", test_no_bare_citations);
  g_test_add_func("/layers/pointers-resolve", test_pointers_resolve);
  g_test_add_func("/layers/citation-checkers", test_citation_checkers);
  return g_test_run();
}
