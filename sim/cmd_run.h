/* `cfqsim run`: simulate a workload. */
#ifndef CFQSIM_CMD_RUN_H
#define CFQSIM_CMD_RUN_H

/* argv[0] is the command name; returns the exit status (sim/commands.h). */
int cmd_run(int argc, char **argv);

#endif
