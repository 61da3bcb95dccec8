/* The table of subcommands. */
#include "sim/commands.h"

#include <stddef.h>

const command commands[] = {
    {"run", cmd_run, "simulate a workload"},
    {"compare", cmd_compare, "buggy and fixed kernels side by side"},
    {NULL, NULL, NULL},
};
