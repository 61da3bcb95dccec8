/* `cfqsim validate`: run the validation experiments (sim/validate.h). */
#ifndef CFQSIM_CMD_VALIDATE_H
#define CFQSIM_CMD_VALIDATE_H

int cmd_validate(int argc, char **argv);

#endif
