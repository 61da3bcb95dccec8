/* What the subcommands share.  Each command lives in its own sim/cmd_*.c,
 * declared in its own sim/cmd_*.h; sim/main.c holds the table of them.
 * The commands include this file, never the other way round. */
#ifndef CFQSIM_COMMANDS_H
#define CFQSIM_COMMANDS_H

#include <glib.h>

/* Print an error on stderr: workload errors as they are ("file:line:col:
 * message"), others prefixed with "cfqsim COMMAND: ". */
void report_error(const char *command, const GError *err);

/* Exit statuses. */
#define EXIT_OK 0
#define EXIT_HANG 1
#define EXIT_USAGE 2
/* explore: no hanging schedule found, but the search was cut (bounds). */
#define EXIT_INCONCLUSIVE 3

#endif
