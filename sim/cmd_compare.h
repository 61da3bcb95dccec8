/* `cfqsim compare`: a workload on the buggy and the fixed kernel. */
#ifndef CFQSIM_CMD_COMPARE_H
#define CFQSIM_CMD_COMPARE_H

/* argv[0] is the command name; returns the exit status (sim/commands.h). */
int cmd_compare(int argc, char **argv);

#endif
