/* docs/workload.md against the parser: every key the parser accepts is
 * listed in the table of its section, every listed key is accepted there,
 * and a listed type, default and range are the parser's own.  The keys come
 * from workload_keys(), which reads the very arrays and parameter tables
 * the parser checks keys against. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "sim/core/params.h"
#include "sim/core/units.h"
#include "sim/workload.h"

/* ------------------------------------------------- the parser accepts */

/* Where a section's keys are written, as a --set path prefix, in the
 * workload below (its device model and scheduler vary with the section). */
static const char *set_prefix(const char *section) {
  static const char *const map[][2] = {
      {"top", ""},
      {"kernel", "kernel."},
      {"vm", "vm."},
      {"devices", "devices.sda."},
      {"scheduler", "devices.sda.scheduler."},
      {"cgroups", "cgroups.g."},
      {"processes", "processes.p."},
      {"think", "processes.p.think."},
      {"replay", "processes.q.replay."},
      {"interleaving", "interleaving."},
      {"timeseries", "timeseries."},
  };
  g_autofree char *head = g_strdup(section);
  char *dot = strchr(head, '.');
  if (dot)
    *dot = '\0';
  for (gsize i = 0; i < G_N_ELEMENTS(map); i++)
    if (strcmp(map[i][0], head) == 0)
      return map[i][1];
  return NULL;
}

/* A trace for the replay keys' process: one read, in a scratch file that
 * lives as long as the test. */
static char *replay_log;

static workload *parse_with(const char *section, const char *set,
                            GError **err) {
  const char *model = "hdd", *elevator = "cfq";
  if (g_str_has_prefix(section, "devices."))
    model = section + strlen("devices.");
  if (g_str_has_prefix(section, "scheduler."))
    elevator = section + strlen("scheduler.");
  g_autofree char *replay =
      strcmp(section, "replay") == 0
          ? g_strdup_printf("  - {name: q, replay: {file: \"%s\"}}\n",
                            replay_log)
          : g_strdup("");
  g_autofree char *yaml =
      g_strdup_printf("duration: 1s\n"
                      "kernel: {hz: 1000}\n"
                      "devices:\n"
                      "  - {name: sda, model: %s, scheduler: {name: %s}}\n"
                      "cgroups: [{name: g}]\n"
                      "io_contexts: [shared]\n"
                      "processes:\n"
                      "  - {name: p, count: 1, think: {mean: 1ms}}\n"
                      "%s"
                      "interleaving: {policy: fifo}\n"
                      "timeseries: {window: 100ms}\n",
                      model, elevator, replay);
  char *sets[] = {(char *)set, NULL};
  return workload_parse("keys.yaml", yaml, strlen(yaml), sets, err);
}

/* Each listed key, set where its section says, passes the unknown-key
 * check; a table parameter set to its default loads.  A made-up key in
 * the same place is refused: the place is the one the parser checks. */
static void test_keys_accepted(void) {
  g_autoptr(GArray) keys = workload_keys();
  g_assert_cmpuint(keys->len, >, 50);
  for (guint i = 0; i < keys->len; i++) {
    const workload_key *k = &g_array_index(keys, workload_key, i);
    const char *prefix = set_prefix(k->section);
    if (!prefix)
      g_error("section '%s' of key '%s': the test does not know where it "
              "is written",
              k->section, k->name);
    g_autofree char *set = g_strdup_printf("%s%s=%s", prefix, k->name,
                                           k->param ? k->param->def : "x");
    GError *err = NULL;
    workload *w = parse_with(k->section, set, &err);
    g_autofree char *unknown = g_strdup_printf("unknown key '%s'", k->name);
    if (err && strstr(err->message, unknown))
      g_error("--set %s: %s", set, err->message);
    if (k->param && !w)
      g_error("--set %s (the default): %s", set, err->message);
    g_clear_error(&err);
    workload_free(w);

    g_autofree char *bogus = g_strdup_printf("%szz_no_such_key=1", prefix);
    w = parse_with(k->section, bogus, &err);
    g_assert_null(w);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "unknown key 'zz_no_such_key'"));
    g_clear_error(&err);
  }
}

/* --------------------------------------------------- the docs list them */

static const char *kind_name(param_kind k) {
  switch (k) {
  case PARAM_INT: return "integer";
  case PARAM_SIZE: return "size";
  case PARAM_TIME: return "time";
  case PARAM_RATE: return "rate";
  case PARAM_DOUBLE: return "number";
  case PARAM_BOOL: return "boolean";
  case PARAM_ENUM: return "choice";
  }
  return "?";
}

/* A bound as an out-of-range error prints it (params.c). */
static char *bound(param_kind k, double v) {
  switch (k) {
  case PARAM_SIZE: return units_format_size((int64_t)v);
  case PARAM_TIME: return units_format_time((int64_t)v);
  case PARAM_RATE: return units_format_rate(v);
  case PARAM_INT: return g_strdup_printf("%" G_GINT64_FORMAT, (int64_t)v);
  default: return g_strdup_printf("%g", v);
  }
}

typedef struct doc_row {
  char *section, *key;
  char **cells; /* key, type, default, range, meaning */
  int line;
  bool matched;
} doc_row;

static void doc_row_free(doc_row *r) {
  g_free(r->section);
  g_free(r->key);
  g_strfreev(r->cells);
  g_free(r);
}

/* The rows of every table that follows a `<!-- keys SECTION -->` line. */
static GPtrArray *read_doc_rows(const char *text, GString *problems) {
  GPtrArray *rows =
      g_ptr_array_new_with_free_func((GDestroyNotify)doc_row_free);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autofree char *section = NULL;
  bool in_table = false;
  g_autoptr(GHashTable) seen =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (int n = 0; lines[n]; n++) {
    const char *l = lines[n];
    if (g_str_has_prefix(l, "<!-- keys ")) {
      const char *end = strstr(l, " -->");
      g_free(section);
      section = end ? g_strndup(l + 10, (gsize)(end - l - 10)) : NULL;
      in_table = false;
      if (!section) {
        g_string_append_printf(
            problems, "line %d: a keys marker without ' -->'\n", n + 1);
      } else if (!g_hash_table_add(seen, g_strdup(section))) {
        g_string_append_printf(problems, "line %d: a second table for '%s'\n",
                               n + 1, section);
      }
      continue;
    }
    if (!section)
      continue;
    if (l[0] != '|') {
      if (in_table || l[strspn(l, " \t\r")] != '\0') {
        /* a table ends at its first non-row line; prose between the marker
         * and the table is not allowed (the marker would float) */
        if (!in_table)
          g_string_append_printf(problems,
                                 "line %d: no table after the keys "
                                 "marker of '%s'\n",
                                 n + 1, section);
        g_clear_pointer(&section, g_free);
      }
      continue;
    }
    in_table = true;
    g_auto(GStrv) raw = g_strsplit(l, "|", -1);
    guint nraw = g_strv_length(raw);
    /* "| a | b |" splits into "", " a ", " b ", "" */
    GPtrArray *cells = g_ptr_array_new();
    for (guint i = 1; i + 1 < nraw; i++)
      g_ptr_array_add(cells, g_strstrip(g_strdup(raw[i])));
    g_ptr_array_add(cells, NULL);
    char **c = (char **)g_ptr_array_free(cells, FALSE);
    if (g_strv_length(c) != 5) {
      g_string_append_printf(problems,
                             "line %d: %u cells, expected 5 (key, "
                             "type, default, range, meaning)\n",
                             n + 1, g_strv_length(c));
      g_strfreev(c);
      continue;
    }
    if (strcmp(c[0], "key") == 0 || g_str_has_prefix(c[0], "---")) {
      g_strfreev(c);
      continue;
    }
    gsize len = strlen(c[0]);
    if (len < 3 || c[0][0] != '`' || c[0][len - 1] != '`') {
      g_string_append_printf(problems,
                             "line %d: the key '%s' is not written "
                             "as `key`\n",
                             n + 1, c[0]);
      g_strfreev(c);
      continue;
    }
    doc_row *r = g_new0(doc_row, 1);
    r->section = g_strdup(section);
    r->key = g_strndup(c[0] + 1, len - 2);
    r->cells = c;
    r->line = n + 1;
    g_ptr_array_add(rows, r);
  }
  return rows;
}

/* Type, default and range of a documented table parameter. */
static void check_param_row(const doc_row *r, const param_desc *p,
                            GString *problems) {
  const char *type = r->cells[1], *def = r->cells[2], *range = r->cells[3];
  if (strcmp(type, kind_name(p->kind)) != 0)
    g_string_append_printf(problems,
                           "line %d: %s.%s: type '%s', the parser's "
                           "is '%s'\n",
                           r->line, r->section, r->key, type,
                           kind_name(p->kind));
  g_autofree char *want_def = g_strdup_printf("`%s`", p->def ? p->def : "");
  if (strcmp(def, want_def) != 0)
    g_string_append_printf(problems,
                           "line %d: %s.%s: default %s, the "
                           "parser's is %s\n",
                           r->line, r->section, r->key, def, want_def);
  if (p->min <= p->max) {
    g_autofree char *lo = bound(p->kind, p->min);
    g_autofree char *hi = bound(p->kind, p->max);
    g_autofree char *want = g_strdup_printf("%s to %s", lo, hi);
    if (!g_str_has_prefix(range, want))
      g_string_append_printf(problems,
                             "line %d: %s.%s: range '%s', the "
                             "parser's is '%s'\n",
                             r->line, r->section, r->key, range, want);
  }
  for (int i = 0; p->kind == PARAM_ENUM && p->choices && p->choices[i]; i++) {
    g_autofree char *want = g_strdup_printf("`%s`", p->choices[i]);
    if (!strstr(range, want))
      g_string_append_printf(problems,
                             "line %d: %s.%s: the choice %s is "
                             "missing\n",
                             r->line, r->section, r->key, want);
  }
}

/* Every problem between the rows of `text` and the parser's keys. */
static void check_doc(const char *text, GString *problems) {
  g_autoptr(GPtrArray) rows = read_doc_rows(text, problems);
  g_autoptr(GArray) keys = workload_keys();
  for (guint i = 0; i < keys->len; i++) {
    const workload_key *k = &g_array_index(keys, workload_key, i);
    doc_row *found = NULL;
    for (guint j = 0; j < rows->len; j++) {
      doc_row *r = g_ptr_array_index(rows, j);
      if (strcmp(r->section, k->section) == 0 && strcmp(r->key, k->name) == 0) {
        if (found)
          g_string_append_printf(problems, "line %d: %s.%s listed twice\n",
                                 r->line, r->section, r->key);
        found = r;
      }
    }
    if (!found) {
      g_string_append_printf(
          problems,
          "%s.%s is accepted but not listed "
          "(add a row to the table after <!-- keys %s -->)\n",
          k->section, k->name, k->section);
      continue;
    }
    found->matched = true;
    if (k->param)
      check_param_row(found, k->param, problems);
  }
  for (guint j = 0; j < rows->len; j++) {
    doc_row *r = g_ptr_array_index(rows, j);
    if (!r->matched)
      g_string_append_printf(problems,
                             "line %d: %s.%s is listed but the "
                             "parser does not accept it there\n",
                             r->line, r->section, r->key);
  }
}

static void test_docs_list_every_key(void) {
  g_autofree char *text = NULL;
  GError *err = NULL;
  g_file_get_contents(CFQSIM_SOURCE_DIR "/docs/workload.md", &text, NULL, &err);
  g_assert_no_error(err);
  g_autoptr(GString) problems = g_string_new("");
  check_doc(text, problems);
  if (problems->len)
    g_error("docs/workload.md and the parser disagree:\n%s", problems->str);
}

/* The checker itself: a missing, a stale and a wrong row are all seen. */
static void test_checker_bites(void) {
  g_autoptr(GString) problems = g_string_new("");
  check_doc("<!-- keys timeseries -->\n"
            "| key | type | default | range | meaning |\n"
            "|---|---|---|---|---|\n"
            "| `window` | time | `1s` | 1 us to 9000000000 s | x |\n"
            "| `stale` | time | | | x |\n"
            "\n"
            "<!-- keys kernel -->\n"
            "| `hz` | size | `1000` | | x |\n",
            problems);
  g_assert_nonnull(strstr(problems->str, "line 4: timeseries.window: default "
                                         "`1s`, the parser's is `100ms`"));
  g_assert_nonnull(strstr(problems->str, "line 5: timeseries.stale is listed "
                                         "but the parser does not accept it"));
  g_assert_nonnull(strstr(problems->str, "line 8: kernel.hz: type 'size', "
                                         "the parser's is 'integer'"));
  g_assert_nonnull(strstr(problems->str, "kernel.cic_link is accepted but "
                                         "not listed"));
  g_assert_nonnull(strstr(problems->str, "processes.ioprio is accepted but "
                                         "not listed"));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/workload-docs/keys-accepted", test_keys_accepted);
  g_test_add_func("/workload-docs/every-key-listed", test_docs_list_every_key);
  g_test_add_func("/workload-docs/checker-bites", test_checker_bites);
  GError *err = NULL;
  int fd = g_file_open_tmp("cfqsim-docs-XXXXXX.log", &replay_log, &err);
  g_assert_no_error(err);
  close(fd);
  const char *log = "fio version 2 iolog\n/dev/sda add\n/dev/sda read 0 4096\n";
  g_file_set_contents(replay_log, log, -1, &err);
  g_assert_no_error(err);
  int rc = g_test_run();
  g_unlink(replay_log);
  g_free(replay_log);
  return rc;
}
