/* CFQ dispatch: choosing the active queue, moving its requests to the
 * dispatch list, slices and their expiry, idling and its timer. */
#ifndef CFQSIM_CFQ_DISPATCH_H
#define CFQSIM_CFQ_DISPATCH_H

#include "models/cfq-priv.h"

void cfq_schedule_dispatch(struct cfq_data *cfqd);
int cfq_dispatch_requests(struct request_queue *q, int force);
bool cfq_slice_used(const struct cfq_data *cfqd, const struct cfq_queue *cfqq);
bool cfq_should_idle(struct cfq_data *cfqd, struct cfq_queue *cfqq);
void cfq_arm_slice_timer(struct cfq_data *cfqd);
void cfq_idle_slice_timer(void *arg);
void cfq_del_timer(struct cfq_data *cfqd, struct cfq_queue *cfqq);
void __cfq_slice_expired(struct cfq_data *cfqd, struct cfq_queue *cfqq,
                         bool timed_out);
void cfq_slice_expired(struct cfq_data *cfqd, bool timed_out);
void cfq_set_prio_slice(struct cfq_data *cfqd, struct cfq_queue *cfqq);
bool cfq_should_wait_busy(struct cfq_data *cfqd, struct cfq_queue *cfqq);

#endif
