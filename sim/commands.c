/* What the subcommands share: the common options, parsing, the workload
 * argument, and reporting a failure. */
#include "sim/commands.h"

#include <stdio.h>
#include <string.h>

#include "models/ioc.h"
#include "sim/fio.h"

GOptionEntry cmd_opt_output(cmd_common *c, const char *help) {
  return (GOptionEntry){"output",    'o',  0,    G_OPTION_ARG_FILENAME,
                        &c->out_dir, help, "DIR"};
}

GOptionEntry cmd_opt_seed(cmd_common *c) {
  return (GOptionEntry){"seed",
                        0,
                        0,
                        G_OPTION_ARG_STRING,
                        &c->seed_text,
                        "Override the workload's seed",
                        "N"};
}

GOptionEntry cmd_opt_variant(cmd_common *c, gboolean or_both,
                             const char *help) {
  c->variant_or_both = or_both;
  return (GOptionEntry){"variant",        0,    0,  G_OPTION_ARG_STRING,
                        &c->variant_text, help, "V"};
}

GOptionEntry cmd_opt_set(cmd_common *c, const char *help) {
  return (GOptionEntry){"set",    0,    0,          G_OPTION_ARG_STRING_ARRAY,
                        &c->sets, help, "KEY=VALUE"};
}

GOptionEntry cmd_opt_quiet(cmd_common *c, const char *help) {
  return (GOptionEntry){"quiet",   'q',  0,   G_OPTION_ARG_NONE,
                        &c->quiet, help, NULL};
}

GOptionEntry cmd_opt_args(cmd_common *c) {
  return (GOptionEntry){
      G_OPTION_REMAINING, 0,    0,   G_OPTION_ARG_FILENAME_ARRAY,
      &c->args,           NULL, NULL};
}

gboolean cmd_usage_error(GError **err, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  char *msg = g_strdup_vprintf(format, ap);
  va_end(ap);
  g_set_error_literal(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, msg);
  g_free(msg);
  return FALSE;
}

gboolean cmd_parse_jobs(const char *text, guint64 *jobs, GError **err) {
  if (!text || g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT, jobs, NULL))
    return TRUE;
  return cmd_usage_error(
      err, "-j must be a whole number of runs at once, at least 1, not '%s'",
      text);
}

gboolean cmd_parse_int(const char *opt, const char *text, gint64 min,
                       gint64 max, const char *range, gint64 *out,
                       GError **err) {
  if (g_ascii_string_to_signed(text, 10, min, max, out, NULL))
    return TRUE;
  return cmd_usage_error(err, "%s must be a whole number, %s, not '%s'", opt,
                         range, text);
}

/* The one place the command line reads a variant's name. */
static gboolean parse_variant(cmd_common *c, GError **err) {
  const char *text = c->variant_text;
  if (!text || (c->variant_or_both && strcmp(text, "both") == 0))
    return TRUE;
  cic_link_variant v;
  if (cic_link_variant_parse(text, &v)) {
    c->variant = (int)v;
    return TRUE;
  }
  if (c->variant_or_both)
    return cmd_usage_error(
        err, "--variant must be buggy, fixed or both, not '%s'", text);
  return cmd_usage_error(err, "--variant must be buggy or fixed, not '%s'",
                         text);
}

gboolean cmd_parse(cmd_common *c, const GOptionEntry *entries,
                   const char *params, const char *summary, int argc,
                   char **argv, GError **err) {
  GOptionContext *ctx = g_option_context_new(params);
  g_option_context_set_summary(ctx, summary);
  g_option_context_add_main_entries(ctx, entries, NULL);
  gboolean ok = g_option_context_parse(ctx, &argc, &argv, err);
  g_option_context_free(ctx);
  return ok && parse_variant(c, err);
}

gboolean cmd_one_arg(const cmd_common *c, const char *what, GError **err) {
  if (c->args && c->args[0] && !c->args[1])
    return TRUE;
  return cmd_usage_error(err, "expected exactly one %s (see --help)", what);
}

workload *cmd_load_workload(const cmd_common *c, GError **err) {
  if (!cmd_one_arg(c, "workload file", err))
    return NULL;
  uint64_t seed = 0;
  if (c->seed_text) {
    GError *local = NULL;
    if (!workload_parse_seed(c->seed_text, &seed, &local)) {
      cmd_usage_error(err, "--%s", local->message);
      g_error_free(local);
      return NULL;
    }
  }
  workload *w = fio_load_any(c->args[0], c->sets, err);
  if (w && c->seed_text)
    w->seed = seed;
  return w;
}

char *cmd_output_dir(const cmd_common *c, const char *name) {
  return c->out_dir ? g_strdup(c->out_dir)
                    : g_build_filename("results", name, NULL);
}

int cmd_finish(cmd_common *c, int status, GError *err) {
  if (status == CMD_FAILED) {
    if (err && (err->domain == WORKLOAD_ERROR || err->domain == FIO_ERROR))
      fprintf(stderr, "%s\n", err->message);
    else
      fprintf(stderr, "cfqsim %s: %s\n", c->name,
              err ? err->message : "failed");
    status = EXIT_USAGE;
  }
  if (err)
    g_error_free(err);
  g_free(c->out_dir);
  g_free(c->seed_text);
  g_free(c->variant_text);
  g_strfreev(c->sets);
  g_strfreev(c->args);
  return status;
}
