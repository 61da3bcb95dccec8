/* CFQ groups and what orders the queues: slice arithmetic, the service
 * trees of queues and of groups, prio trees, group and workload choice.
 * The bottom of CFQ: it calls no other cfq-*.c. */
#ifndef CFQSIM_CFQ_GROUP_H
#define CFQSIM_CFQ_GROUP_H

#include "models/cfq-priv.h"

int64_t cfq_prio_slice(const struct cfq_data *cfqd, bool sync, int prio);
int64_t cfq_prio_to_slice(const struct cfq_data *cfqd,
                          const struct cfq_queue *cfqq);
int64_t cfq_prio_to_maxrq(const struct cfq_data *cfqd,
                          const struct cfq_queue *cfqq);
int64_t cfq_scaled_cfqq_slice(struct cfq_data *cfqd, struct cfq_queue *cfqq);
void cfq_rb_root_init(struct cfq_rb_root *st);
void cfq_rb_root_destroy(struct cfq_rb_root *st);
struct cfq_rb_root *service_tree_for(struct cfq_group *cfqg, int prio,
                                     int type);
struct cfq_queue *cfq_rb_first(struct cfq_rb_root *st);
unsigned cfq_group_busy_queues_wl(int wl, const struct cfq_group *cfqg);
unsigned cfqg_busy_async_queues(const struct cfq_group *cfqg);
struct cfq_group *cfq_group_new(struct cfq_data *cfqd, const char *name,
                                unsigned weight);
void cfq_group_free(struct cfq_group *cfqg);
struct cfq_group *cfq_get_cfqg(struct cfq_data *cfqd, const struct task *tsk);
void cfq_service_tree_add(struct cfq_data *cfqd, struct cfq_queue *cfqq,
                          bool add_front);
void cfq_resort_rr_list(struct cfq_data *cfqd, struct cfq_queue *cfqq);
void cfq_add_cfqq_rr(struct cfq_data *cfqd, struct cfq_queue *cfqq);
void cfq_del_cfqq_rr(struct cfq_data *cfqd, struct cfq_queue *cfqq);
void cfq_prio_tree_add(struct cfq_data *cfqd, struct cfq_queue *cfqq);
void cfq_prio_tree_del(struct cfq_queue *cfqq);
struct cfq_queue *cfqq_close(struct cfq_data *cfqd, struct cfq_queue *cur);
/* The disk time a slice has used so far (jiffies); reads only. */
int64_t cfq_cfqq_slice_usage(const struct cfq_data *cfqd,
                             const struct cfq_queue *cfqq);
void cfq_group_served(struct cfq_data *cfqd, struct cfq_group *cfqg,
                      struct cfq_queue *cfqq, int64_t *used, int64_t *charge);
void cfq_choose_cfqg(struct cfq_data *cfqd);
bool cfq_io_thinktime_big(const struct cfq_data *cfqd,
                          const struct cfq_ttime *tt, bool group_idle);

#endif
