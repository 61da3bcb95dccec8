/* `cfqsim plot`: draw the graphs of a run or sweep directory. */
#ifndef CFQSIM_CMD_PLOT_H
#define CFQSIM_CMD_PLOT_H

/* argv[0] is the command name; returns the exit status (sim/commands.h). */
int cmd_plot(int argc, char **argv);

#endif
