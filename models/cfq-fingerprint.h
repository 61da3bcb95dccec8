/* CFQ's elevator_fingerprint_fn (exploration). */
#ifndef CFQSIM_CFQ_FINGERPRINT_H
#define CFQSIM_CFQ_FINGERPRINT_H

#include "sim/core/fingerprint.h"

struct request_queue;

void cfq_fingerprint(struct request_queue *q, fingerprint *fp);

#endif
