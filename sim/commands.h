/* The subcommands of the cfqsim program.  Each takes (argc, argv) with
 * argv[0] the command name and returns the exit status. */
#ifndef CFQSIM_COMMANDS_H
#define CFQSIM_COMMANDS_H

typedef struct command {
  const char *name;
  int (*main)(int argc, char **argv);
  const char *summary;
} command;

extern const command commands[]; /* NULL-terminated */

int cmd_run(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_explore(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_plot(int argc, char **argv);

/* Print an error on stderr: workload errors as they are ("file:line:col:
 * message"), others prefixed with "cfqsim COMMAND: ". */
#include <glib.h>
void cmd_report_error(const char *command, const GError *err);

/* Exit statuses. */
#define EXIT_OK 0
#define EXIT_HANG 1
#define EXIT_USAGE 2
/* explore: no hanging schedule found, but the search was cut (bounds). */
#define EXIT_INCONCLUSIVE 3

#endif
