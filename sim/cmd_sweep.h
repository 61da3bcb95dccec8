/* `cfqsim sweep`: run a parameter grid. */
#ifndef CFQSIM_CMD_SWEEP_H
#define CFQSIM_CMD_SWEEP_H

/* argv[0] is the command name; returns the exit status (sim/commands.h). */
int cmd_sweep(int argc, char **argv);

#endif
