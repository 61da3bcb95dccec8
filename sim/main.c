/* The cfqsim command line (README, "Using it").
 *   cfqsim WORKLOAD.yaml [options]      same as `cfqsim run`
 * Exit status: 0 success, 1 hang found, 2 bad input or usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "sim/cmd_compare.h"
#include "sim/cmd_explore.h"
#include "sim/cmd_plot.h"
#include "sim/cmd_run.h"
#include "sim/cmd_sweep.h"
#include "sim/cmd_validate.h"
#include "sim/commands.h"
#include "sim/core/params.h"

typedef struct command {
  const char *name;
  int (*main)(int argc, char **argv);
} command;

static const command commands[] = {
    {"run", cmd_run},     {"compare", cmd_compare}, {"explore", cmd_explore},
    {"sweep", cmd_sweep}, {"plot", cmd_plot},       {"validate", cmd_validate},
    {NULL, NULL},
};

static void usage(FILE *f) {
  fputs("Usage: cfqsim [COMMAND] WORKLOAD.yaml [OPTIONS]\n"
        "\n"
        "A deterministic simulator of the Linux 3.2 CFQ I/O scheduler.\n"
        "\n"
        "Commands:\n"
        "  run WORKLOAD      simulate a workload (the default command)\n"
        "  explore WORKLOAD  explore every interleaving of the cic-link race\n"
        "  compare WORKLOAD  run the buggy and fixed kernels side by side\n"
        "  sweep SWEEP       run a parameter grid\n"
        "  plot DIR          draw the graphs of a run or sweep directory\n"
        "  validate [DIR]    compare cfqsim with published measurements\n"
        "\n"
        "`cfqsim COMMAND --help` lists a command's options.\n"
        "Exit status: 0 success, 1 a hang was found, 2 bad input or usage.\n",
        f);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  for (const command *c = commands; c->name; c++)
    if (strcmp(argv[1], c->name) == 0) {
      char *prgname = g_strconcat("cfqsim ", c->name, NULL);
      g_set_prgname(prgname); /* --help then reads "cfqsim run ..." */
      g_free(prgname);
      return c->main(argc - 1, argv + 1);
    }
  /* A word that is neither a command nor a file is a mistyped command. */
  if (argv[1][0] != '-' && !g_file_test(argv[1], G_FILE_TEST_EXISTS) &&
      !g_str_has_suffix(argv[1], ".yaml") &&
      !g_str_has_suffix(argv[1], ".yml")) {
    GPtrArray *names = g_ptr_array_new();
    for (const command *c = commands; c->name; c++)
      g_ptr_array_add(names, (gpointer)c->name);
    g_ptr_array_add(names, NULL);
    const char *hint =
        params_suggest_name((const char *const *)names->pdata, argv[1]);
    fprintf(stderr, "cfqsim: '%s' is neither a command nor a workload file",
            argv[1]);
    if (hint)
      fprintf(stderr, " (did you mean '%s'?)", hint);
    fputs("\n", stderr);
    g_ptr_array_free(names, TRUE);
    return EXIT_USAGE;
  }
  /* No command word: `cfqsim WORKLOAD.yaml ...` means `cfqsim run ...`. */
  g_set_prgname("cfqsim");
  return cmd_run(argc, argv);
}
