/* Running gnuplot on the scripts in scripts/. */
#include "sim/gnuplot.h"

char *gnuplot_str(const char *s) {
  GString *q = g_string_new("'");
  for (const char *c = s; *c; c++) {
    if (*c == '\'')
      g_string_append_c(q, '\'');
    g_string_append_c(q, *c);
  }
  g_string_append_c(q, '\'');
  return g_string_free(q, FALSE);
}

char *gnuplot_word(const char *s) {
  char *w = g_strdup(*s ? s : "-");
  for (char *c = w; *c; c++)
    if (g_ascii_isspace(*c) || *c == '"' || *c == '\'')
      *c = '_';
  return w;
}

char *gnuplot_scripts_dir(void) {
  const char *env = g_getenv("CFQSIM_SCRIPTS");
  if (env)
    return g_strdup(env);
#ifdef CFQSIM_SOURCE_DIR
  char *d = g_build_filename(CFQSIM_SOURCE_DIR, "scripts", NULL);
  if (g_file_test(d, G_FILE_TEST_IS_DIR))
    return d;
  g_free(d);
#endif
  return g_strdup("scripts");
}

gboolean gnuplot_run(const char *gnuplot, const char *script, const char *expr,
                     const char *what, GError **err) {
  g_autofree char *dir = gnuplot_scripts_dir();
  g_autofree char *path = g_build_filename(dir, script, NULL);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                "gnuplot script %s not found (set CFQSIM_SCRIPTS to the "
                "scripts/ directory)",
                path);
    return FALSE;
  }
  const char *argv[] = {gnuplot, "-e", expr, path, NULL};
  g_autofree char *out = NULL, *errs = NULL;
  gint status = 0;
  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                    &out, &errs, &status, err))
    return FALSE;
  if (!g_spawn_check_wait_status(status, NULL)) {
    g_set_error(err, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                "gnuplot failed on %s%s%s:\n%s", path, what ? " for " : "",
                what ? what : "", errs ? errs : "");
    return FALSE;
  }
  return TRUE;
}
