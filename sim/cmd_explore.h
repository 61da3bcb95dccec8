/* `cfqsim explore`: every interleaving of a workload, per kernel variant. */
#ifndef CFQSIM_CMD_EXPLORE_H
#define CFQSIM_CMD_EXPLORE_H

/* argv[0] is the command name; returns the exit status (sim/commands.h). */
int cmd_explore(int argc, char **argv);

#endif
