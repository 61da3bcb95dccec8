/* Inside one cfq_queue: the order of its requests (sort list, next_rq)
 * and the search for a cooperating queue to merge with. */
#ifndef CFQSIM_CFQ_QUEUE_H
#define CFQSIM_CFQ_QUEUE_H

#include "models/cfq-priv.h"

int cfqq_process_refs(const struct cfq_queue *cfqq);
struct request *cfq_choose_req(struct cfq_data *cfqd, struct request *rq1,
                               struct request *rq2, int64_t last);
struct request *cfq_find_next_rq(struct cfq_data *cfqd, struct cfq_queue *cfqq,
                                 struct request *last);
void cfq_remove_request(struct request *rq);
struct cfq_queue *cfq_close_cooperator(struct cfq_data *cfqd,
                                       struct cfq_queue *cur);
void cfq_setup_merge(struct cfq_queue *cfqq, struct cfq_queue *new_cfqq);

#endif
