/* What the subcommands share.  Each command lives in its own sim/cmd_*.c,
 * declared in its own sim/cmd_*.h; sim/main.c holds the table of them.
 * The commands include this file, never the other way round.
 *
 * A command reads as: its own option variables and a cmd_common for the
 * shared ones; its GOptionEntry array in the order --help lists them, the
 * shared entries taken from the cmd_opt_* functions, ending with
 * cmd_opt_args() and CMD_OPT_END; cmd_parse(); its own checks; then
 * cmd_load_workload() (or cmd_one_arg()), its job, and
 * `return cmd_finish(...)`, which reports a failure and frees the rest. */
#ifndef CFQSIM_COMMANDS_H
#define CFQSIM_COMMANDS_H

#include <glib.h>

#include "sim/workload.h"

/* Exit statuses. */
#define EXIT_OK 0
#define EXIT_HANG 1
#define EXIT_USAGE 2
/* explore: no hanging schedule found, but the search was cut (bounds). */
#define EXIT_INCONCLUSIVE 3
/* Not an exit status: the command failed and its GError says why;
 * cmd_finish() reports it and exits EXIT_USAGE. */
#define CMD_FAILED (-1)

typedef struct cmd_common {
  const char *name; /* the command word, for messages: "run" */
  /* The shared options as given (NULL / FALSE when not). */
  char *out_dir;      /* -o, --output DIR */
  char *seed_text;    /* --seed N */
  char *variant_text; /* --variant V */
  char **sets;        /* --set KEY=VALUE, repeatable */
  gboolean quiet;     /* -q, --quiet */
  char **args;        /* the positional arguments */
  /* Read by cmd_parse(): the kernel variant, -1 when not given (or, where
   * `both` is accepted, both). */
  gboolean variant_or_both;
  int variant;
} cmd_common;

#define CMD_COMMON_INIT(command) \
  { .name = (command), .variant = -1 }

/* The shared entries; `help` is the command's line in --help. */
GOptionEntry cmd_opt_output(cmd_common *c, const char *help);
GOptionEntry cmd_opt_seed(cmd_common *c);
/* With `or_both`, --variant also takes `both`. */
GOptionEntry cmd_opt_variant(cmd_common *c, gboolean or_both, const char *help);
GOptionEntry cmd_opt_set(cmd_common *c, const char *help);
GOptionEntry cmd_opt_quiet(cmd_common *c, const char *help);
GOptionEntry cmd_opt_args(cmd_common *c);
#define CMD_OPT_END \
  { NULL, 0, 0, 0, NULL, NULL, NULL }

/* Parses the command line against `entries` (`params` and `summary` head
 * --help, which exits 0) and reads --variant. */
gboolean cmd_parse(cmd_common *c, const GOptionEntry *entries,
                   const char *params, const char *summary, int argc,
                   char **argv, GError **err);

/* FALSE with "expected exactly one WHAT (see --help)" unless there is
 * exactly one positional argument. */
gboolean cmd_one_arg(const cmd_common *c, const char *what, GError **err);

/* The one workload file argument, loaded with the --set overrides and
 * --seed as its seed (read first, as the `seed:` key is read). */
workload *cmd_load_workload(const cmd_common *c, GError **err);

/* -o DIR, else results/NAME (newly allocated). */
char *cmd_output_dir(const cmd_common *c, const char *name);

/* An integer option's value, in decimal, within [min, max]; else the usage
 * error "OPT must be a whole number, RANGE, not 'TEXT'".  (GOption's own
 * G_OPTION_ARG_INT reads 010 as 8 and 0x10 as 16.) */
/* -j N: how many simulations run at once (NULL: leave *jobs). */
gboolean cmd_parse_jobs(const char *text, guint64 *jobs, GError **err);
gboolean cmd_parse_int(const char *opt, const char *text, gint64 min,
                       gint64 max, const char *range, gint64 *out,
                       GError **err);

/* Sets a usage error (the message as it is) and returns FALSE. */
gboolean cmd_usage_error(GError **err, const char *format, ...)
    G_GNUC_PRINTF(2, 3);

/* Ends the command: on CMD_FAILED prints `err` on stderr (workload errors
 * as they are, "file:line:col: message", others after "cfqsim COMMAND: ")
 * and returns EXIT_USAGE, else `status`.  Frees `err` and the options. */
int cmd_finish(cmd_common *c, int status, GError *err);

#endif
