/* What the subcommands share. */
#include "sim/commands.h"

#include <stdio.h>

#include "sim/workload.h"

void report_error(const char *command, const GError *err) {
  if (err && err->domain == WORKLOAD_ERROR)
    fprintf(stderr, "%s\n", err->message);
  else
    fprintf(stderr, "cfqsim %s: %s\n", command, err ? err->message : "failed");
}
