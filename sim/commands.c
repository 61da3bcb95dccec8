/* The table of subcommands. */
#include "sim/commands.h"

#include <stddef.h>

const command commands[] = {
    {"run", cmd_run, "simulate a workload"},
    {NULL, NULL, NULL},
};
