/* CFQ: tests of the behaviour docs/model.md describes (tunables, slice
 * arithmetic, the worked numbers at default settings).  Each test builds
 * one device with the real block layer and processes (models/blk,
 * models/proc), a small fake disk (a rotating one with a fixed seek cost,
 * or a non-rotational one with NCQ), runs for some simulated seconds and
 * measures disk time per queue through the read-only view of
 * models/cfq.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/cfq-dispatch.h"
#include "models/cfq-group.h"
#include "models/cfq-priv.h"
#include "models/cfq-queue.h"
#include "models/cfq.h"
#include "models/iosched.h"
#include "models/proc.h"
#include "sim/core/rng.h"

/* ---------------------------------------------------------------------
 * Fake disks
 * --------------------------------------------------------------------- */

/* Rotating, no NCQ: one command at a time; 8 ms for any non-sequential
 * access, then 100 MB/s. */
typedef struct fake_disk {
  sim_engine *e;
  bool nonrot;
  GQueue pending;
  disk_cmd *busy;
  int64_t head;
  int in_flight;
  sim_time busy_ns;
  int64_t slow_sector; /* a command at this sector takes slow_ns more */
  sim_time slow_ns;
} fake_disk;

#define SEEK_NS (8 * SIM_MS)
#define SECTOR_NS 5120

static void hdd_start(fake_disk *d);

static void hdd_done(void *arg) {
  fake_disk *d = arg;
  disk_cmd *c = d->busy;
  d->busy = NULL;
  c->completed = sim_now(d->e);
  d->busy_ns += c->completed - c->started;
  hdd_start(d);
  c->done(c);
}

static void hdd_start(fake_disk *d) {
  if (d->busy || !d->pending.length)
    return;
  disk_cmd *c = g_queue_pop_head(&d->pending);
  d->busy = c;
  c->started = sim_now(d->e);
  sim_time t = (c->sector == d->head ? 0 : SEEK_NS) +
               (sim_time)c->nr_sectors * SECTOR_NS;
  if (d->slow_ns && c->sector == d->slow_sector)
    t += d->slow_ns;
  d->head = c->sector + c->nr_sectors;
  sim_post(d->e, sim_now(d->e) + t, "complete", hdd_done, d);
}

/* Non-rotational with NCQ: 31 commands in parallel, 100 us each. */
typedef struct ssd_cmd {
  fake_disk *d;
  disk_cmd *c;
} ssd_cmd;

static void ssd_cmd_done(void *arg) {
  ssd_cmd *sc = arg;
  fake_disk *d = sc->d;
  disk_cmd *c = sc->c;
  g_queue_remove(&d->pending, sc);
  g_free(sc);
  d->in_flight--;
  c->completed = sim_now(d->e);
  d->busy_ns += 100 * SIM_US;
  c->done(c);
}

static void *fake_init(const void *cfg, sim_engine *e, GError **err) {
  (void)cfg;
  (void)err;
  fake_disk *d = g_new0(fake_disk, 1);
  d->e = e;
  return d;
}
static void fake_free(void *dv) {
  fake_disk *d = dv;
  if (d->nonrot)
    g_queue_clear_full(&d->pending, g_free);
  else
    g_queue_clear(&d->pending);
  g_free(d);
}
static int hdd_depth(const void *d) {
  (void)d;
  return 1;
}
static int ssd_depth(const void *d) {
  (void)d;
  return 31;
}
static int64_t fake_capacity(const void *d) {
  (void)d;
  return (int64_t)1 << 31;
}
static void hdd_submit(void *dv, disk_cmd *c) {
  fake_disk *d = dv;
  c->issued = sim_now(d->e);
  g_queue_push_tail(&d->pending, c);
  hdd_start(d);
}
static void ssd_submit(void *dv, disk_cmd *c) {
  fake_disk *d = dv;
  c->issued = c->started = sim_now(d->e);
  d->in_flight++;
  ssd_cmd *sc = g_new(ssd_cmd, 1);
  sc->d = d;
  sc->c = c;
  g_queue_push_tail(&d->pending, sc); /* outstanding, freed with the disk */
  sim_time t = 100 * SIM_US;
  if (d->slow_ns && c->sector == d->slow_sector)
    t += d->slow_ns;
  sim_post(d->e, sim_now(d->e) + t, "complete", ssd_cmd_done, sc);
}
static sim_time fake_busy(const void *d) {
  return ((const fake_disk *)d)->busy_ns;
}

static const param_desc no_params[] = {
    {NULL, 0, 0, NULL, PARAM_NO_RANGE, NULL, NULL}};
static const disk_ops fake_hdd_ops = {.name = "fake-hdd",
                                      .params = no_params,
                                      .nonrot = false,
                                      .init = fake_init,
                                      .free = fake_free,
                                      .queue_depth = hdd_depth,
                                      .capacity = fake_capacity,
                                      .submit = hdd_submit,
                                      .busy_time = fake_busy};
static const disk_ops fake_ssd_ops = {.name = "fake-ssd",
                                      .params = no_params,
                                      .nonrot = true,
                                      .init = fake_init,
                                      .free = fake_free,
                                      .queue_depth = ssd_depth,
                                      .capacity = fake_capacity,
                                      .submit = ssd_submit,
                                      .busy_time = fake_busy};

/* ---------------------------------------------------------------------
 * A world: one device under CFQ, up to 16 processes
 * --------------------------------------------------------------------- */

#define MAXP 16

typedef struct world {
  sim_engine *e;
  struct kernel_cfg kernel;
  const disk_ops *dops;
  void *disk;
  struct request_queue *q;
  struct task tasks[MAXP];
  proc *procs[MAXP];
  struct io_context *iocs[MAXP];
  int n;
  uint64_t ios[MAXP];
  sim_time max_lat[MAXP];
  GArray *events; /* cfq_slice_event */
  char *trace;
  size_t trace_len;
  FILE *trace_f;
} world;

static void on_slice(void *ctx, const cfq_slice_event *ev) {
  world *w = ctx;
  g_array_append_val(w->events, *ev);
}

static void on_io(void *ctx, proc *p, const struct bio *bio) {
  world *w = ctx;
  for (int i = 0; i < w->n; i++)
    if (w->procs[i] == p) {
      w->ios[i]++;
      sim_time lat = sim_now(w->e) - bio->submitted;
      if (lat > w->max_lat[i])
        w->max_lat[i] = lat;
    }
}

static void world_init(world *w, bool ssd, const struct cfq_config *cfg, int hz,
                       bool group_iosched, bool trace) {
  memset(w, 0, sizeof *w);
  w->e = sim_engine_new();
  if (!trace && g_getenv("CFQ_TEST_TRACE"))
    sim_engine_set_trace(w->e, stderr);
  if (trace) {
    w->trace_f = open_memstream(&w->trace, &w->trace_len);
    sim_engine_set_trace(w->e, w->trace_f);
  }
  w->kernel = (struct kernel_cfg){.hz = hz,
                                  .nr_requests = 128,
                                  .cic_link = CIC_LINK_FIXED,
                                  .group_iosched = group_iosched};
  w->dops = ssd ? &fake_ssd_ops : &fake_hdd_ops;
  w->disk = w->dops->init(NULL, w->e, NULL);
  ((fake_disk *)w->disk)->nonrot = ssd;
  w->q = blk_queue_new(w->e, "sda", &w->kernel, w->dops, w->disk,
                       w->dops->queue_depth(w->disk), 1024, 0, 0);
  GError *err = NULL;
  g_assert_true(blk_queue_set_elevator(w->q, &iosched_cfq, cfg, &err));
  g_assert_no_error(err);
  w->events = g_array_new(FALSE, FALSE, sizeof(cfq_slice_event));
  cfq_set_slice_observer(w->q, on_slice, w);
}

typedef struct pspec {
  unsigned short ioprio;
  const char *cgroup;
  int weight;
  int nice;
  bool sched_idle;
} pspec;

/* share >= 0: the new task uses process `share`'s io_context (CLONE_IO). */
static int world_add_ioc(world *w, const char *name, pspec ps,
                         const proc_job *job, int share) {
  int i = w->n++;
  g_assert_cmpint(i, <, MAXP);
  struct task *t = &w->tasks[i];
  t->name = (char *)name;
  t->pid = 100 + i;
  t->cgroup = ps.cgroup;
  t->cgroup_weight = ps.weight;
  t->nice = ps.nice;
  t->sched_idle = ps.sched_idle;
  if (share >= 0) {
    t->ioc = w->tasks[share].ioc;
  } else {
    w->iocs[i] = ioc_new(name, ps.ioprio);
    t->ioc = w->iocs[i];
  }
  t->ioc->nr_tasks++;
  w->procs[i] = proc_new(w->e, t, job, w->q, 1, on_io, w);
  return i;
}

static int world_add(world *w, const char *name, pspec ps,
                     const proc_job *job) {
  return world_add_ioc(w, name, ps, job, -1);
}

static void world_run(world *w, sim_time limit) {
  GError *err = NULL;
  sim_outcome o = sim_engine_run(w->e, limit, &err);
  g_assert_no_error(err);
  g_assert_true(o == SIM_TIME_LIMIT || o == SIM_COMPLETED);
  if (w->trace_f)
    fflush(w->trace_f);
}

static void world_free(world *w) {
  for (int i = 0; i < w->n; i++)
    proc_free(w->procs[i]);
  blk_queue_free(w->q);
  w->dops->free(w->disk);
  for (int i = 0; i < w->n; i++)
    if (w->iocs[i])
      ioc_free(w->iocs[i]);
  sim_engine_free(w->e);
  g_array_free(w->events, TRUE);
  if (w->trace_f)
    fclose(w->trace_f);
  free(w->trace);
}

/* Totals of process i's queues (sync or async). */
static cfq_queue_info proc_queues(world *w, int i, bool sync) {
  cfq_queue_info sum = {0}, in;
  for (guint k = 0; cfq_queue_get_info(w->q, k, &in); k++)
    if (in.pid == w->tasks[i].pid && in.sync == sync) {
      sum.disk_time += in.disk_time;
      sum.slices += in.slices;
      sum.dispatched += in.dispatched;
      sum.preempted += in.preempted;
    }
  return sum;
}

/* Disk time (jiffies) of process i's slices that ended in [from, to). */
static int64_t disk_time_between(world *w, int i, bool sync, sim_time from,
                                 sim_time to) {
  int64_t t = 0;
  for (guint k = 0; k < w->events->len; k++) {
    cfq_slice_event *ev = &g_array_index(w->events, cfq_slice_event, k);
    if (ev->kind == CFQ_SLICE_EXPIRE && ev->pid == w->tasks[i].pid &&
        ev->sync == sync && ev->time >= from && ev->time < to)
      t += ev->used;
  }
  return t;
}

static proc_job seq_read(int64_t offset) {
  return (proc_job){.rw = PROC_RW_READ,
                    .bs_sectors = 128,
                    .offset = offset,
                    .size = (int64_t)1 << 26,
                    .iodepth = 1};
}

static proc_job rand_read(int64_t offset) {
  return (proc_job){.rw = PROC_RW_READ,
                    .random = true,
                    .bs_sectors = 8,
                    .offset = offset,
                    .size = (int64_t)1 << 28,
                    .iodepth = 1};
}

#define BE(l) IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, l)
#define RT(l) IOPRIO_PRIO_VALUE(IOPRIO_CLASS_RT, l)
#define IDLE IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 7)
#define GB ((int64_t)1 << 21) /* sectors */

static double share(int64_t a, int64_t b) {
  return (double)a / (double)(a + b);
}

/* ---------------------------------------------------------------------
 * Tunables and slice arithmetic
 * --------------------------------------------------------------------- */

static struct cfq_data *world_cfqd(world *w) { return w->q->elevator_data; }

static void test_tunables_hz(void) {
  world w;
  /* HZ=1000: the millisecond values map 1:1 */
  world_init(&w, false, NULL, 1000, true, false);
  struct cfq_data *cfqd = world_cfqd(&w);
  g_assert_cmpint(cfqd->cfq_slice[1], ==, 100);
  g_assert_cmpint(cfqd->cfq_slice[0], ==, 40);
  g_assert_cmpint(cfqd->cfq_slice_idle, ==, 8);
  g_assert_cmpint(cfqd->cfq_group_idle, ==, 8);
  g_assert_cmpint(cfqd->cfq_fifo_expire[1], ==, 125);
  g_assert_cmpint(cfqd->cfq_fifo_expire[0], ==, 250);
  g_assert_cmpint(cfqd->cfq_target_latency, ==, 300);
  g_assert_cmpint(cfqd->hw_tag, ==, -1);
  world_free(&w);

  /* HZ=250: the kernel's HZ/8 is 31 jiffies (124 ms), not 125 ms rounded up */
  world_init(&w, false, NULL, 250, true, false);
  cfqd = world_cfqd(&w);
  g_assert_cmpint(cfqd->cfq_slice[1], ==, 25);
  g_assert_cmpint(cfqd->cfq_slice[0], ==, 10);
  g_assert_cmpint(cfqd->cfq_slice_idle, ==, 2);
  g_assert_cmpint(cfqd->cfq_fifo_expire[1], ==, 31);
  g_assert_cmpint(cfqd->cfq_fifo_expire[0], ==, 62);
  g_assert_cmpint(cfqd->cfq_target_latency, ==, 75);
  g_assert_cmpint(cfqd->cfq_idle_delay, ==, 50);
  /* async slices 18,16,...,4 (HZ=250) */
  for (int p = 0; p < 8; p++)
    g_assert_cmpint(cfq_prio_slice(cfqd, false, p), ==, 18 - 2 * p);
  world_free(&w);

  /* HZ=100: slice_async 4 jiffies, 4/5 = 0 so every async level gets 40 ms;
   * slice_idle HZ/125 = 0 is forced to 1 jiffy */
  world_init(&w, false, NULL, 100, true, false);
  cfqd = world_cfqd(&w);
  g_assert_cmpint(cfqd->cfq_slice[0], ==, 4);
  for (int p = 0; p < 8; p++)
    g_assert_cmpint(cfq_prio_slice(cfqd, false, p), ==, 4);
  g_assert_cmpint(cfqd->cfq_slice_idle, ==, 1);
  g_assert_cmpint(cfqd->cfq_group_idle, ==, 1);
  world_free(&w);

  /* a user's 0 means 0; a user's 3 ms at HZ=250 rounds up to 1 jiffy;
   * without group scheduling group_idle is 0 */
  struct cfq_config cfg = cfq_default_config;
  cfg.slice_idle = 0;
  cfg.slice_sync = 3 * SIM_MS;
  world_init(&w, false, &cfg, 250, false, false);
  cfqd = world_cfqd(&w);
  g_assert_cmpint(cfqd->cfq_slice_idle, ==, 0);
  g_assert_cmpint(cfqd->cfq_slice[1], ==, 1);
  g_assert_cmpint(cfqd->cfq_group_idle, ==, 0);
  world_free(&w);

  /* the parameter table's names are the kernel's sysfs names */
  const char *names[] = {
      "quantum",       "fifo_expire_sync",  "fifo_expire_async",
      "back_seek_max", "back_seek_penalty", "slice_sync",
      "slice_async",   "slice_async_rq",    "slice_idle",
      "group_idle",    "low_latency",       NULL};
  int n = 0;
  for (const param_desc *p = cfq_params; p->name; p++, n++)
    g_assert_cmpstr(p->name, ==, names[n]);
  g_assert_cmpint(n, ==, 11);
}

/* A tunable out of range is refused in the params domain, as deadline and
 * the disk models refuse theirs: one domain for every bad setting. */
static void test_tunables_out_of_range(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  struct cfq_config bad = cfq_default_config;
  bad.quantum = 0;
  GError *err = NULL;
  g_assert_null(iosched_cfq.ops.elevator_init_fn(w.q, &bad, &err));
  g_assert_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE);
  g_clear_error(&err);
  world_free(&w);
}

static void test_prio_slice_table(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  struct cfq_data *cfqd = world_cfqd(&w);
  /* defaults: sync 180..40, async 72..16, maxrq 32..4 */
  for (int p = 0; p < 8; p++) {
    g_assert_cmpint(cfq_prio_slice(cfqd, true, p), ==, 180 - 20 * p);
    g_assert_cmpint(cfq_prio_slice(cfqd, false, p), ==, 72 - 8 * p);
    struct cfq_queue q = {.ioprio = p};
    g_assert_cmpint(cfq_prio_to_maxrq(cfqd, &q), ==, 32 - 4 * p);
  }
  world_free(&w);
}

/* ---------------------------------------------------------------------
 * Priority slices
 * --------------------------------------------------------------------- */

static void prio_pair(int pa, int pb, double expect, int hz) {
  world w;
  world_init(&w, false, NULL, hz, true, false);
  proc_job ja = seq_read(0), jb = seq_read(8 * GB);
  int a = world_add(&w, "a", (pspec){.ioprio = BE(pa)}, &ja);
  int b = world_add(&w, "b", (pspec){.ioprio = BE(pb)}, &jb);
  world_run(&w, 10 * SIM_S);
  double s = share(proc_queues(&w, a, true).disk_time,
                   proc_queues(&w, b, true).disk_time);
  if (g_test_verbose())
    g_printerr("HZ=%d BE/%d vs BE/%d: %.3f (expect %.3f)\n", hz, pa, pb, s,
               expect);
  g_assert_cmpfloat(fabs(s - expect), <, 0.015);
  /* strictly alternating slices: every slice of one follows one of the other */
  int last = -1, repeats = 0;
  for (guint k = 0; k < w.events->len; k++) {
    cfq_slice_event *ev = &g_array_index(w.events, cfq_slice_event, k);
    if (ev->kind != CFQ_SLICE_SET_ACTIVE)
      continue;
    if (ev->pid == last)
      repeats++;
    last = ev->pid;
  }
  g_assert_cmpint(repeats, ==, 0);
  world_free(&w);
}

static void test_prio_shares(void) {
  prio_pair(0, 7, 180.0 / 220.0, 1000); /* 81.8 % */
  prio_pair(0, 4, 180.0 / 280.0, 1000); /* 64.3 % */
  prio_pair(4, 7, 100.0 / 140.0, 1000); /* 71.4 % */
  prio_pair(4, 4, 0.5, 1000);
  /* HZ=250: 45 and 10 jiffies, the same milliseconds */
  prio_pair(0, 7, 180.0 / 220.0, 250);
}

/* ---------------------------------------------------------------------
 * RT over BE, IDLE last
 * --------------------------------------------------------------------- */

static void test_rt_preempts_be(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  proc_job jb = seq_read(0), jr = seq_read(8 * GB);
  jr.start = 500 * SIM_MS;
  int be = world_add(&w, "be", (pspec){.ioprio = BE(0)}, &jb);
  int rt = world_add(&w, "rt", (pspec){.ioprio = RT(4)}, &jr);
  world_run(&w, 3 * SIM_S);
  /* RT is made active at its first request, inside the BE slice */
  sim_time first_rt = -1;
  for (guint k = 0; k < w.events->len && first_rt < 0; k++) {
    cfq_slice_event *ev = &g_array_index(w.events, cfq_slice_event, k);
    if (ev->kind == CFQ_SLICE_SET_ACTIVE && ev->pid == w.tasks[rt].pid)
      first_rt = ev->time;
  }
  g_assert_cmpint(first_rt, >=, 500 * SIM_MS);
  g_assert_cmpint(first_rt, <, 501 * SIM_MS);
  g_assert_cmpuint(proc_queues(&w, be, true).preempted, >=, 1);
  /* afterwards BE gets almost nothing */
  int64_t be_after = disk_time_between(&w, be, true, 600 * SIM_MS, 3 * SIM_S);
  int64_t rt_after = disk_time_between(&w, rt, true, 600 * SIM_MS, 3 * SIM_S);
  if (g_test_verbose())
    g_printerr("after RT start: BE %ld ms, RT %ld ms\n", (long)be_after,
               (long)rt_after);
  g_assert_cmpfloat(share(be_after, rt_after), <, 0.02);
  world_free(&w);
}

static void test_idle_class_waits(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  proc_job jb = seq_read(0), ji = seq_read(8 * GB);
  jb.runtime = 2 * SIM_S;
  int be = world_add(&w, "be", (pspec){.ioprio = BE(4)}, &jb);
  int idle = world_add(&w, "idle", (pspec){.ioprio = IDLE}, &ji);
  world_run(&w, 4 * SIM_S);
  int64_t idle_busy = disk_time_between(&w, idle, true, 0, 2 * SIM_S);
  int64_t be_busy = disk_time_between(&w, be, true, 0, 2 * SIM_S);
  int64_t idle_later =
      disk_time_between(&w, idle, true, 2100 * SIM_MS, 4 * SIM_S);
  if (g_test_verbose())
    g_printerr("idle class: %ld ms while BE busy (BE %ld ms), %ld ms after\n",
               (long)idle_busy, (long)be_busy, (long)idle_later);
  g_assert_cmpfloat(share(idle_busy, be_busy), <, 0.05);
  /* not starved once BE is gone */
  g_assert_cmpint(idle_later, >, 1500);
  /* one request at a time */
  cfq_queue_info iq = proc_queues(&w, idle, true);
  g_assert_cmpuint(iq.dispatched, >, 0);
  world_free(&w);
}

/* ---------------------------------------------------------------------
 * Idle window; SSD
 * --------------------------------------------------------------------- */

static cfq_queue_info two_readers(bool ssd, sim_time think, bool random,
                                  bool *armed_idle) {
  world w;
  world_init(&w, ssd, NULL, 1000, true, armed_idle != NULL);
  proc_job ja = random ? rand_read(0) : seq_read(0);
  proc_job jb = random ? rand_read(8 * GB) : seq_read(8 * GB);
  ja.think = jb.think = think;
  int a = world_add(&w, "a", (pspec){.ioprio = BE(4)}, &ja);
  world_add(&w, "b", (pspec){.ioprio = BE(4)}, &jb);
  world_run(&w, 3 * SIM_S);
  cfq_queue_info qa = proc_queues(&w, a, true);
  if (armed_idle)
    *armed_idle = w.trace && strstr(w.trace, "arm_idle") != NULL;
  world_free(&w);
  return qa;
}

static void test_idle_window(void) {
  /* think 2 ms < slice_idle: CFQ waits, the reader keeps its slice */
  cfq_queue_info near = two_readers(false, 2 * SIM_MS, false, NULL);
  /* think 20 ms > slice_idle: idling is dropped, queues switch per request */
  cfq_queue_info far = two_readers(false, 20 * SIM_MS, false, NULL);
  if (g_test_verbose())
    g_printerr(
        "think 2ms: %lu slices/%lu rqs; think 20ms: %lu slices/%lu rqs\n",
        (unsigned long)near.slices, (unsigned long)near.dispatched,
        (unsigned long)far.slices, (unsigned long)far.dispatched);
  g_assert_cmpuint(near.slices, <=, 20); /* ~100 ms slices over 3 s */
  g_assert_cmpuint(near.dispatched, >, 10 * near.slices);
  g_assert_cmpuint(far.slices * 10, >, far.dispatched * 8);
}

/* CFQ idles for a sync reader only while waiting can pay off: the reader
 * must come back within slice_idle (its decaying mean think time, kept in
 * idle_window; for the last queue of a tree, the tree's think time) and
 * before its slice ends.  Reader a thinks `think` between reads, reader b
 * never thinks and always has a read waiting, so every moment the disk
 * idles for a is taken from b.  Returns the disk's idle time in [1 s, 3 s),
 * long after a's think-time estimate has settled, and how often a's queue
 * armed the idle timer there.  The idle time is exact to within one
 * request's service (at most a seek and 128 sectors, under 9 ms): the disk
 * counts a request's busy time when it completes. */
static sim_time idle_behind_thinker(sim_time think, sim_time slice_sync,
                                    int *arms) {
  struct cfq_config cfg = cfq_default_config;
  if (slice_sync)
    cfg.slice_sync = slice_sync;
  world w;
  world_init(&w, false, &cfg, 1000, true, true);
  proc_job ja = seq_read(0), jb = seq_read(8 * GB);
  ja.think = think;
  world_add(&w, "a", (pspec){.ioprio = BE(4)}, &ja);
  world_add(&w, "b", (pspec){.ioprio = BE(4)}, &jb);
  world_run(&w, 1 * SIM_S);
  size_t from = w.trace_len;
  sim_time busy0 = ((fake_disk *)w.disk)->busy_ns;
  world_run(&w, 3 * SIM_S);
  sim_time busy = ((fake_disk *)w.disk)->busy_ns - busy0;
  char tag[32];
  g_snprintf(tag, sizeof tag, "cfq%dS / arm_idle", w.tasks[0].pid);
  *arms = 0;
  for (const char *p = w.trace + from; (p = strstr(p, tag)); p++)
    (*arms)++;
  world_free(&w);
  if (g_test_verbose())
    g_printerr("think %.0f ms, slice_sync %.0f ms: disk idle %.3f ms, "
               "a armed the idle timer %d times\n",
               think / 1e6,
               (slice_sync ? slice_sync : cfq_default_config.slice_sync) / 1e6,
               (2 * SIM_S - busy) / 1e6, *arms);
  return 2 * SIM_S - busy;
}

#define ONE_REQUEST (SEEK_NS + 128 * SECTOR_NS)

static void test_idle_needs_short_think(void) {
  int arms;
  /* a thinks 20 ms > slice_idle (8 ms): waiting for it never pays off, so
   * its queue loses the idle window, and, alone on the sync-noidle tree,
   * that tree's think time is too long for tree idling as well: b gets
   * the disk as soon as a's read is done. */
  sim_time idle = idle_behind_thinker(20 * SIM_MS, 0, &arms);
  g_assert_cmpint(arms, ==, 0);
  g_assert_cmpint(idle, <, ONE_REQUEST);
  /* a thinks 6 ms < slice_idle and keeps its idle window, but its slices
   * are 5 ms: after its first read it would come back only after its
   * slice has ended, so CFQ must not wait for it. */
  idle = idle_behind_thinker(6 * SIM_MS, 5 * SIM_MS, &arms);
  g_assert_cmpint(arms, ==, 0);
  g_assert_cmpint(idle, <, ONE_REQUEST);
  /* The contrast, which shows idling is there to be refused: with 100 ms
   * slices CFQ waits the 6 ms for a after its reads. */
  idle = idle_behind_thinker(6 * SIM_MS, 0, &arms);
  g_assert_cmpint(arms, >, 10);
  g_assert_cmpint(idle, >, arms * 5 * SIM_MS);
}

static void test_seeky_not_idled_hdd(void) {
  cfq_queue_info rnd = two_readers(false, 0, true, NULL);
  cfq_queue_info seq = two_readers(false, 0, false, NULL);
  if (g_test_verbose())
    g_printerr("hdd random: %lu slices/%lu rqs; sequential: %lu/%lu\n",
               (unsigned long)rnd.slices, (unsigned long)rnd.dispatched,
               (unsigned long)seq.slices, (unsigned long)seq.dispatched);
  /* after five seeky requests a random reader loses its idle window and
   * shares the SYNC_NOIDLE tree: one request per turn */
  g_assert_cmpuint(rnd.slices * 10, >, rnd.dispatched * 8);
  g_assert_cmpuint(seq.dispatched, >, 50 * seq.slices);
}

static void test_ssd_never_idles(void) {
  bool armed = true;
  cfq_queue_info ssd = two_readers(true, 1 * SIM_MS, false, &armed);
  g_assert_false(armed);
  g_assert_cmpuint(ssd.slices * 10, >, ssd.dispatched * 8);
  /* the same readers on the rotating disk are idled for */
  bool armed_hdd = false;
  cfq_queue_info hdd = two_readers(false, 1 * SIM_MS, false, &armed_hdd);
  g_assert_true(armed_hdd);
  g_assert_cmpuint(hdd.dispatched, >, 20 * hdd.slices);
}

/* ---------------------------------------------------------------------
 * The per-queue FIFO: a request that waited fifo_expire is served next
 * --------------------------------------------------------------------- */

/* Two threads share one io_context, hence one sync queue: s streams
 * sequential reads from sector 0, f reads once, 8 GiB further, 1 ms later.
 * Sorted by position, s's next read (right where the head is) always beats
 * f's, so only the FIFO serves f: its read has expired 125 ms
 * (fifo_expire_sync) after it was queued, CFQ looks at the FIFO once per
 * slice, and the queue's next slice begins at most one 100 ms slice later.
 * Returns f's latency, or -1 if its read never completed within `limit`. */
static sim_time starved_read_latency(sim_time fifo_expire_sync,
                                     sim_time limit) {
  struct cfq_config cfg = cfq_default_config;
  cfg.fifo_expire_sync = fifo_expire_sync;
  world w;
  world_init(&w, false, &cfg, 1000, true, false);
  proc_job js = seq_read(0);
  js.iodepth = 4; /* some of s's reads always wait in CFQ, beside f's */
  proc_job jf = {.rw = PROC_RW_READ,
                 .bs_sectors = 8,
                 .offset = 8 * GB,
                 .size = 8,
                 .iodepth = 1,
                 .count = 1,
                 .start = SIM_MS};
  int s = world_add(&w, "s", (pspec){.ioprio = BE(4)}, &js);
  int f = world_add_ioc(&w, "f", (pspec){.ioprio = BE(4)}, &jf, s);
  world_run(&w, limit);
  g_assert_cmpuint(w.ios[s], >, 100);
  sim_time lat = w.ios[f] ? w.max_lat[f] : -1;
  if (g_test_verbose())
    g_printerr("fifo_expire_sync %.0f ms: the far read waited %.3f ms, the "
               "stream did %lu reads\n",
               fifo_expire_sync / 1e6, lat / 1e6, (unsigned long)w.ios[s]);
  world_free(&w);
  return lat;
}

static void test_fifo_expiry(void) {
  sim_time lat = starved_read_latency(125 * SIM_MS, 2 * SIM_S);
  g_assert_cmpint(lat, !=, -1); /* the FIFO served it at all */
  g_assert_cmpint(lat, >=, 125 * SIM_MS);
  g_assert_cmpint(
      lat, <=, 125 * SIM_MS + 100 * SIM_MS + 2 * (SEEK_NS + 128 * SECTOR_NS));
  /* The bound follows the tunable: expired after 300 ms, served by 400. */
  lat = starved_read_latency(300 * SIM_MS, 2 * SIM_S);
  g_assert_cmpint(lat, >=, 300 * SIM_MS);
  g_assert_cmpint(
      lat, <=, 300 * SIM_MS + 100 * SIM_MS + 2 * (SEEK_NS + 128 * SECTOR_NS));
}

/* ---------------------------------------------------------------------
 * Group weights
 * --------------------------------------------------------------------- */

static void test_cgroup_weights(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  proc_job ja = seq_read(0), jb = seq_read(8 * GB);
  int a = world_add(
      &w, "a", (pspec){.ioprio = 0, .cgroup = "grpA", .weight = 1000}, &ja);
  int b = world_add(&w, "b",
                    (pspec){.ioprio = 0, .cgroup = "grpB", .weight = 500}, &jb);
  world_run(&w, 10 * SIM_S);
  double s = share(proc_queues(&w, a, true).disk_time,
                   proc_queues(&w, b, true).disk_time);
  if (g_test_verbose())
    g_printerr("cgroups 1000:500: %.3f\n", s);
  g_assert_cmpfloat(fabs(s - 2.0 / 3.0), <, 0.03);
  world_free(&w);

  /* without group scheduling both tasks are in the root group: equal */
  world_init(&w, false, NULL, 1000, false, false);
  a = world_add(&w, "a", (pspec){.ioprio = 0, .cgroup = "grpA", .weight = 1000},
                &ja);
  b = world_add(&w, "b", (pspec){.ioprio = 0, .cgroup = "grpB", .weight = 500},
                &jb);
  world_run(&w, 10 * SIM_S);
  s = share(proc_queues(&w, a, true).disk_time,
            proc_queues(&w, b, true).disk_time);
  g_assert_cmpfloat(fabs(s - 0.5), <, 0.02);
  world_free(&w);

  /* without idling the single-queue groups fall off the group tree after
   * each request, re-enter at the end, and the split drifts towards equal */
  struct cfq_config cfg = cfq_default_config;
  cfg.slice_idle = 0;
  cfg.group_idle = 0;
  world_init(&w, false, &cfg, 1000, true, false);
  a = world_add(&w, "a", (pspec){.ioprio = 0, .cgroup = "grpA", .weight = 1000},
                &ja);
  b = world_add(&w, "b", (pspec){.ioprio = 0, .cgroup = "grpB", .weight = 500},
                &jb);
  world_run(&w, 5 * SIM_S);
  double s0 = share(proc_queues(&w, a, true).disk_time,
                    proc_queues(&w, b, true).disk_time);
  if (g_test_verbose())
    g_printerr("cgroups 1000:500, no idling: %.3f\n", s0);
  g_assert_cmpfloat(fabs(s0 - 0.5), <, 0.05);
  world_free(&w);
}

/* ---------------------------------------------------------------------
 * Async limits
 * --------------------------------------------------------------------- */

static void test_writer_vs_reader(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  proc_job jr = seq_read(0);
  proc_job jw = {.rw = PROC_RW_WRITE,
                 .bs_sectors = 128,
                 .offset = 8 * GB,
                 .size = (int64_t)1 << 26,
                 .iodepth = 32};
  int r = world_add(&w, "reader", (pspec){.ioprio = 0}, &jr);
  int wr = world_add(&w, "writer", (pspec){.ioprio = 0}, &jw);
  world_run(&w, 5 * SIM_S);
  int64_t rt = proc_queues(&w, r, true).disk_time;
  int64_t wt = proc_queues(&w, wr, false).disk_time;
  if (g_test_verbose())
    g_printerr(
        "reader %ld ms (%lu ios, max lat %.1f ms), writer %ld ms (%lu ios)\n",
        (long)rt, (unsigned long)w.ios[r], w.max_lat[r] / 1e6, (long)wt,
        (unsigned long)w.ios[wr]);
  /* sync reads are not starved by a deep buffered writer ... */
  g_assert_cmpfloat(share(rt, wt), >, 0.6);
  g_assert_cmpint(w.max_lat[r], <, 300 * SIM_MS);
  /* ... and the writer still progresses in every second.  (Its slices are
   * short: a sync arrival preempts an async queue, so its disk time is
   * small; count its requests instead.) */
  g_assert_cmpuint(w.ios[wr], >, 200);
  for (int s = 0; s < 5; s++)
    g_assert_cmpint(
        disk_time_between(&w, wr, false, s * SIM_S, (s + 1) * SIM_S), >, 0);
  world_free(&w);
}

/* ---------------------------------------------------------------------
 * Latency scaling
 * --------------------------------------------------------------------- */

static void many_readers(bool low_latency, double *mean_slice,
                         sim_time *max_lat) {
  struct cfq_config cfg = cfq_default_config;
  cfg.low_latency = low_latency;
  world w;
  world_init(&w, false, &cfg, 1000, true, false);
  static const char *names[10] = {"r0", "r1", "r2", "r3", "r4",
                                  "r5", "r6", "r7", "r8", "r9"};
  for (int i = 0; i < 10; i++) {
    proc_job j = seq_read(i * 8 * GB);
    world_add(&w, names[i], (pspec){.ioprio = 0}, &j);
  }
  world_run(&w, 6 * SIM_S);
  int64_t t = 0, sl = 0;
  *max_lat = 0;
  for (int i = 0; i < 10; i++) {
    cfq_queue_info qi = proc_queues(&w, i, true);
    t += qi.disk_time;
    sl += qi.slices;
    *max_lat = MAX(*max_lat, w.max_lat[i]);
  }
  *mean_slice = (double)t / (double)sl;
  world_free(&w);
}

static void test_low_latency(void) {
  double on_slice, off_slice;
  sim_time on_lat, off_lat;
  many_readers(true, &on_slice, &on_lat);
  many_readers(false, &off_slice, &off_lat);
  if (g_test_verbose())
    g_printerr("10 readers: low_latency=1 slice %.1f ms max lat %.0f ms; "
               "low_latency=0 slice %.1f ms max lat %.0f ms\n",
               on_slice, on_lat / 1e6, off_slice, off_lat / 1e6);
  /* 300 ms / 10 readers = 30 ms slices; a round stays near 300 ms */
  g_assert_cmpfloat(on_slice, >, 25);
  g_assert_cmpfloat(on_slice, <, 40);
  g_assert_cmpint(on_lat, <, 450 * SIM_MS);
  /* off: 100 ms slices, 9 others ahead: about 900 ms */
  g_assert_cmpfloat(off_slice, >, 90);
  g_assert_cmpint(off_lat, >, 850 * SIM_MS);
}

/* ---------------------------------------------------------------------
 * Determinism
 * --------------------------------------------------------------------- */

static char *mixed_run(cfq_queue_info out[3]) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  proc_job ja = seq_read(0), jb = rand_read(8 * GB);
  proc_job jw = {.rw = PROC_RW_WRITE,
                 .bs_sectors = 64,
                 .offset = 16 * GB,
                 .size = (int64_t)1 << 24,
                 .iodepth = 8};
  jb.think = 3 * SIM_MS;
  jb.think_exp = true;
  world_add(&w, "a", (pspec){.ioprio = BE(2)}, &ja);
  world_add(&w, "b", (pspec){.ioprio = 0, .cgroup = "g", .weight = 300}, &jb);
  world_add(&w, "w", (pspec){.ioprio = 0}, &jw);
  world_run(&w, 2 * SIM_S);
  out[0] = proc_queues(&w, 0, true);
  out[1] = proc_queues(&w, 1, true);
  out[2] = proc_queues(&w, 2, false);
  fingerprint *sum = fingerprint_new();
  iosched_cfq.ops.elevator_fingerprint_fn(w.q, sum);
  char *fp = fingerprint_digest(sum);
  fingerprint_free(sum);
  world_free(&w);
  return fp;
}

static void test_determinism(void) {
  cfq_queue_info a[3], b[3];
  char *fa = mixed_run(a), *fb = mixed_run(b);
  g_assert_cmpstr(fa, ==, fb);
  for (int i = 0; i < 3; i++) {
    g_assert_cmpint(a[i].disk_time, ==, b[i].disk_time);
    g_assert_cmpuint(a[i].dispatched, ==, b[i].dispatched);
    g_assert_cmpuint(a[i].slices, ==, b[i].slices);
    g_assert_cmpuint(a[i].dispatched, >, 0);
  }
  g_free(fa);
  g_free(fb);
}

/* ---------------------------------------------------------------------
 * Cooperators; NCQ detection; merges
 * --------------------------------------------------------------------- */

static void test_cooperators_merge(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, true);
  /* two readers of one region, B 512 KiB ahead of A: always within 4 MiB */
  proc_job ja = seq_read(0), jb = seq_read(1024);
  int a = world_add(&w, "a", (pspec){.ioprio = 0}, &ja);
  int b = world_add(&w, "b", (pspec){.ioprio = 0}, &jb);
  world_run(&w, 1 * SIM_S);
  struct cfq_io_context *ca = cfq_cic_lookup(w.tasks[a].ioc, w.q->cic_index);
  struct cfq_io_context *cb = cfq_cic_lookup(w.tasks[b].ioc, w.q->cic_index);
  g_assert_nonnull(ca);
  g_assert_nonnull(cb);
  /* both processes now use one shared, coop-marked sync queue */
  g_assert_true(ca->cfqq[1] == cb->cfqq[1]);
  g_assert_true(ca->cfqq[1]->coop);
  g_assert_nonnull(strstr(w.trace, "queue merge"));
  world_free(&w);

  /* far apart (8 GiB): never merged */
  world_init(&w, false, NULL, 1000, true, false);
  jb = seq_read(8 * GB);
  a = world_add(&w, "a", (pspec){.ioprio = 0}, &ja);
  b = world_add(&w, "b", (pspec){.ioprio = 0}, &jb);
  world_run(&w, 1 * SIM_S);
  ca = cfq_cic_lookup(w.tasks[a].ioc, w.q->cic_index);
  cb = cfq_cic_lookup(w.tasks[b].ioc, w.q->cic_index);
  g_assert_true(ca->cfqq[1] != cb->cfqq[1]);
  world_free(&w);
}

/* The cooperator search against a plain scan: in a prio tree keyed by
 * each queue's next request when it was (re)inserted, with a key never
 * held twice, the queue at the last position wins outright; otherwise
 * the nearer (by current next request) of the key-order neighbours, the
 * predecessor on a tie, if within CFQQ_CLOSE_THR, else the other one if
 * it is.  Keys are drawn from a narrow range so that duplicates, exact
 * hits and both neighbours within the threshold all happen. */
#define PRIO_NQ 40
static struct cfq_queue *close_by_scan(struct cfq_queue *qs, int64_t x) {
  struct cfq_queue *pred = NULL, *succ = NULL;
  for (int i = 0; i < PRIO_NQ; i++) {
    struct cfq_queue *q = &qs[i];
    if (!q->p_root)
      continue;
    if (q->p_key == x)
      return q;
    if (q->p_key < x && (!pred || q->p_key > pred->p_key))
      pred = q;
    if (q->p_key > x && (!succ || q->p_key < succ->p_key))
      succ = q;
  }
  int64_t dp = pred ? llabs(blk_rq_pos(pred->next_rq) - x) : INT64_MAX;
  int64_t ds = succ ? llabs(blk_rq_pos(succ->next_rq) - x) : INT64_MAX;
  struct cfq_queue *first = ds < dp ? succ : pred;
  struct cfq_queue *second = ds < dp ? pred : succ;
  if (first && llabs(blk_rq_pos(first->next_rq) - x) <= CFQQ_CLOSE_THR)
    return first;
  if (second && llabs(blk_rq_pos(second->next_rq) - x) <= CFQQ_CLOSE_THR)
    return second;
  return NULL;
}

static void test_close_cooperator_search(void) {
  struct cfq_data cfqd;
  memset(&cfqd, 0, sizeof(cfqd));
  struct cfq_queue qs[PRIO_NQ];
  struct request rqs[PRIO_NQ];
  memset(qs, 0, sizeof(qs));
  memset(rqs, 0, sizeof(rqs));
  GRand *rand = g_rand_new_with_seed(12);
  int64_t span = 40 * CFQQ_CLOSE_THR;
  int hits = 0, found = 0;
  for (int round = 0; round < 4000; round++) {
    struct cfq_queue *q = &qs[g_rand_int_range(rand, 0, PRIO_NQ)];
    struct request *rq = &rqs[q - qs];
    rq->sector = g_rand_int_range(rand, 0, (gint32)span);
    q->next_rq = rq;
    q->org_ioprio = 4;
    q->ioprio_class = IOPRIO_CLASS_BE;
    /* a queue's request moves on without a reinsert now and then: the
     * key stays, the distance follows the request */
    if (g_rand_int_range(rand, 0, 4))
      cfq_prio_tree_add(&cfqd, q);
    int64_t x = g_rand_int_range(rand, 0, (gint32)span);
    if (g_rand_boolean(rand) && q->p_root)
      x = q->p_key + g_rand_int_range(rand, -1, 2);
    cfqd.last_position = x;
    struct cfq_queue *want = close_by_scan(qs, x);
    g_assert_true(cfqq_close(&cfqd, q) == want);
    hits += want && want->p_key == x;
    found += want != NULL;
  }
  /* the tree holds each key once */
  const rbtree *root = &cfqd.prio_trees[4];
  g_assert_cmpint(rbtree_check(root), >=, 0);
  int64_t last = -1;
  for (rbtree_node *n = rbtree_first(root); n; n = rbtree_next(n)) {
    const struct cfq_queue *q = rbtree_entry(n, struct cfq_queue, p_node);
    g_assert_cmpint(q->p_key, >, last);
    last = q->p_key;
  }
  g_assert_cmpint(hits, >, 100);
  g_assert_cmpint(found, >, hits + 100);
  g_rand_free(rand);
}

static void test_hw_tag_detection(void) {
  world w;
  /* deep random load on the NCQ device: queueing detected */
  world_init(&w, true, NULL, 1000, true, false);
  g_assert_cmpint(cfq_hw_tag(w.q), ==, -1);
  proc_job j = rand_read(0);
  j.iodepth = 16;
  world_add(&w, "a", (pspec){.ioprio = 0}, &j);
  world_run(&w, 200 * SIM_MS);
  g_assert_cmpint(cfq_hw_tag(w.q), ==, 1);
  world_free(&w);
  /* the same load on a depth-1 disk: no queueing */
  world_init(&w, false, NULL, 1000, true, false);
  world_add(&w, "a", (pspec){.ioprio = 0}, &j);
  world_run(&w, 2 * SIM_S);
  g_assert_cmpint(cfq_hw_tag(w.q), ==, 0);
  world_free(&w);
}

static void test_merges_keep_queues_consistent(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  /* small sequential buffered writes, deep: the block layer back-merges
   * them into CFQ's queued requests */
  proc_job jw = {.rw = PROC_RW_WRITE,
                 .bs_sectors = 8,
                 .offset = 0,
                 .size = (int64_t)1 << 20,
                 .iodepth = 32,
                 .count = 4000};
  proc_job jr = seq_read(8 * GB);
  jr.count = 500;
  int wr = world_add(&w, "w", (pspec){.ioprio = 0}, &jw);
  int r = world_add(&w, "r", (pspec){.ioprio = 0}, &jr);
  world_run(&w, 60 * SIM_S);
  g_assert_true(proc_finished(w.procs[wr]));
  g_assert_true(proc_finished(w.procs[r]));
  g_assert_cmpuint(w.q->stats.bio_merges, >, 0);
  struct cfq_data *cfqd = world_cfqd(&w);
  /* everything drained: nothing queued or in flight; only an empty active
   * queue may stay busy (it keeps its slice until something expires it) */
  g_assert_cmpint(cfqd->rq_queued, ==, 0);
  g_assert_cmpint(cfqd->busy_queues, <=, 1);
  if (cfqd->busy_queues) {
    g_assert_nonnull(cfqd->active_queue);
    g_assert_true(cfqd->active_queue->on_rr && cfqq_empty(cfqd->active_queue));
  }
  g_assert_cmpint(cfqd->rq_in_driver, ==, 0);
  g_assert_cmpint(cfqd->rq_in_flight[0] + cfqd->rq_in_flight[1], ==, 0);
  g_assert_cmpuint(w.ios[wr], ==, 4000);
  world_free(&w);
}

/* ---------------------------------------------------------------------
 * Shared io_context: threads made with CLONE_IO share one cic per
 * device and so one sync cfqq; together they are one process to CFQ
 * --------------------------------------------------------------------- */

/* share of disk time of processes [0, n) against process n (sync queues) */
static double threads_share(bool shared, int *sync_queues) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  static const char *names[4] = {"t0", "t1", "t2", "t3"};
  for (int i = 0; i < 4; i++) {
    proc_job j = seq_read(i * 8 * GB);
    world_add_ioc(&w, names[i], (pspec){.ioprio = 0}, &j, shared && i ? 0 : -1);
  }
  proc_job jo = seq_read(32 * GB);
  int other = world_add(&w, "other", (pspec){.ioprio = 0}, &jo);
  world_run(&w, 4 * SIM_S);
  int64_t t = 0;
  *sync_queues = 0;
  for (int i = 0; i < 4; i++) {
    cfq_queue_info qi = proc_queues(&w, i, true);
    t += qi.disk_time;
    *sync_queues += qi.slices > 0;
  }
  double sh = share(t, proc_queues(&w, other, true).disk_time);
  world_free(&w);
  return sh;
}

static void test_shared_ioc(void) {
  int nq_shared, nq_sep;
  double shared = threads_share(true, &nq_shared);
  double separate = threads_share(false, &nq_sep);
  if (g_test_verbose())
    g_printerr("4 threads vs 1 reader: shared ioc %.2f (%d sync queues), "
               "own iocs %.2f (%d sync queues)\n",
               shared, nq_shared, separate, nq_sep);
  /* one cic, one sync cfqq for the four threads ... */
  g_assert_cmpint(nq_shared, ==, 1);
  g_assert_cmpint(nq_sep, ==, 4);
  /* ... so together they get about one process's share, not four */
  g_assert_cmpfloat(shared, >, 0.35);
  g_assert_cmpfloat(shared, <, 0.65);
  g_assert_cmpfloat(separate, >, 0.7);
}

/* ---------------------------------------------------------------------
 * Cooperating queues are merged, and split again once the merged queue
 * turns seeky (at the next request allocation)
 * --------------------------------------------------------------------- */

static void test_cooperators_split(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, true);
  /* a1 and b read one region interleaved (b 512 KiB ahead): merged.  At
   * 1 s a1 stops and a2, a thread sharing a1's io_context (so its cic and
   * the merged queue), starts reading at random: the queue turns seeky. */
  proc_job ja1 = seq_read(0), jb = seq_read(1024), ja2 = rand_read(4 * GB);
  ja1.runtime = 1 * SIM_S;
  ja2.start = 1 * SIM_S;
  int a = world_add(&w, "a1", (pspec){.ioprio = 0}, &ja1);
  int b = world_add(&w, "b", (pspec){.ioprio = 0}, &jb);
  world_add_ioc(&w, "a2", (pspec){.ioprio = 0}, &ja2, a);
  world_run(&w, 1 * SIM_S);
  struct cfq_io_context *ca = cfq_cic_lookup(w.tasks[a].ioc, w.q->cic_index);
  struct cfq_io_context *cb = cfq_cic_lookup(w.tasks[b].ioc, w.q->cic_index);
  g_assert_true(ca->cfqq[1] == cb->cfqq[1]);
  g_assert_true(ca->cfqq[1]->coop);
  if (g_test_verbose()) {
    int nm = 0, ns = 0;
    for (const char *x = w.trace; (x = strstr(x, "queue merge")); x++)
      nm++;
    for (const char *x = w.trace; (x = strstr(x, "queue split")); x++)
      ns++;
    g_printerr("first second: %d merges %d splits\n", nm, ns);
  }
  world_run(&w, 3 * SIM_S);
  /* split: each io_context has its own sync queue again */
  g_assert_nonnull(strstr(w.trace, "queue split"));
  g_assert_true(ca->cfqq[1] != cb->cfqq[1]);
  g_assert_nonnull(ca->cfqq[1]);
  g_assert_nonnull(cb->cfqq[1]);
  /* and b, sequential again on a queue of its own, keeps being served */
  uint64_t before = w.ios[b];
  world_run(&w, 4 * SIM_S);
  g_assert_cmpuint(w.ios[b], >, before + 100);
  world_free(&w);
}

/* ---------------------------------------------------------------------
 * Async is not starved forever by backlogged sync readers
 * --------------------------------------------------------------------- */

static void test_async_not_starved(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  static const char *names[4] = {"r0", "r1", "r2", "r3"};
  for (int i = 0; i < 4; i++) {
    proc_job j = seq_read(i * 8 * GB);
    /* iodepth 1: each read is resubmitted at the completion of the last.
     * (With iodepth >= 2 a sync request is always in flight, which blocks
     * async dispatch, and every new read preempts the async queue: the
     * writer then starves, as it would on 3.2.) */
    world_add(&w, names[i], (pspec){.ioprio = 0}, &j);
  }
  proc_job jw = {.rw = PROC_RW_WRITE,
                 .bs_sectors = 128,
                 .offset = 40 * GB,
                 .size = (int64_t)1 << 26,
                 .iodepth = 16};
  int wr = world_add(&w, "writer", (pspec){.ioprio = 0}, &jw);
  uint64_t last = 0;
  for (int s = 1; s <= 4; s++) {
    world_run(&w, s * SIM_S);
    /* progress in every second (the async workload gets its slice when
     * its key comes first, docs/model.md, "Workload slice"; its FIFO
     * expires after 250 ms) */
    g_assert_cmpuint(w.ios[wr], >, last);
    last = w.ios[wr];
  }
  if (g_test_verbose())
    g_printerr("writer: %lu writes in 4 s, max latency %.0f ms\n",
               (unsigned long)w.ios[wr], w.max_lat[wr] / 1e6);
  g_assert_cmpuint(w.ios[wr], >=, 20);
  g_assert_cmpint(w.max_lat[wr], <, 2 * SIM_S);
  world_free(&w);
}

/* ---------------------------------------------------------------------
 * Async depth ramp: after a sync request completes late (it took longer
 * than fifo_expire_sync), low_latency lets async queues dispatch one
 * request at first and one more per slice_sync that passes
 * --------------------------------------------------------------------- */

typedef struct depth_probe {
  world *w;
  sim_time step, stop;
  int max[64]; /* max async requests in the driver per 10 ms bucket */
} depth_probe;

static void probe_depth(void *arg) {
  depth_probe *p = arg;
  sim_time now = sim_now(p->w->e);
  int k = (int)(now / (10 * SIM_MS));
  int d = world_cfqd(p->w)->rq_in_flight[0];
  if (k < 64 && d > p->max[k])
    p->max[k] = d;
  if (now + p->step <= p->stop)
    sim_post(p->w->e, now + p->step, "probe", probe_depth, p);
}

/* the largest async depth seen in [from, to) ms */
static int depth_between(const depth_probe *p, int from, int to) {
  int m = 0;
  for (int k = from / 10; k < to / 10; k++)
    m = MAX(m, p->max[k]);
  return m;
}

static void async_ramp(bool low_latency, depth_probe *p) {
  struct cfq_config cfg = cfq_default_config;
  cfg.low_latency = low_latency;
  world w;
  world_init(&w, true, &cfg, 1000, true, false);
  /* the reader's one read takes 200 ms (> fifo_expire_sync = 125 ms) and
   * completes at about 200 ms */
  fake_disk *d = w.disk;
  d->slow_sector = 16 * GB;
  d->slow_ns = 200 * SIM_MS;
  proc_job jr = {.rw = PROC_RW_READ,
                 .bs_sectors = 8,
                 .offset = 16 * GB,
                 .size = 8,
                 .iodepth = 1,
                 .count = 1};
  proc_job jw = {.rw = PROC_RW_WRITE,
                 .random = true,
                 .bs_sectors = 8,
                 .offset = 0,
                 .size = GB,
                 .iodepth = 32};
  world_add(&w, "reader", (pspec){.ioprio = 0}, &jr);
  world_add(&w, "writer", (pspec){.ioprio = 0}, &jw);
  memset(p, 0, sizeof *p);
  p->w = &w;
  p->step = 500 * SIM_US;
  p->stop = 600 * SIM_MS;
  sim_post(w.e, 0, "probe", probe_depth, p);
  world_run(&w, 600 * SIM_MS);
  p->w = NULL;
  world_free(&w);
}

static void test_async_depth_ramp(void) {
  depth_probe on, off;
  async_ramp(true, &on);
  async_ramp(false, &off);
  if (g_test_verbose())
    for (int t = 0; t < 600; t += 50)
      g_printerr("%3d ms: async depth low_latency=1 %2d, =0 %2d\n", t,
                 depth_between(&on, t, t + 50), depth_between(&off, t, t + 50));
  /* no async dispatch while a sync request is in flight */
  g_assert_cmpint(depth_between(&on, 0, 190), ==, 0);
  g_assert_cmpint(depth_between(&off, 0, 190), ==, 0);
  /* after the late sync completion at ~200 ms: depth = elapsed / 100 ms,
   * with 1 allowed while nothing is dispatched: 1, 1, 2, 3 */
  g_assert_cmpint(depth_between(&on, 220, 290), ==, 1);
  g_assert_cmpint(depth_between(&on, 320, 390), ==, 1);
  g_assert_cmpint(depth_between(&on, 420, 490), ==, 2);
  g_assert_cmpint(depth_between(&on, 520, 590), ==, 3);
  /* without low_latency the late read changes nothing */
  g_assert_cmpint(depth_between(&off, 220, 290), >=, 8);
}

/* ---------------------------------------------------------------------
 * IOPS mode (slice_idle = 0 on a queueing device) charges groups by
 * requests dispatched instead of by time
 * --------------------------------------------------------------------- */

static void iops_groups(int64_t slice_idle, uint64_t ios[2], int *bad_charges) {
  struct cfq_config cfg = cfq_default_config;
  cfg.slice_idle = slice_idle;
  world w;
  world_init(&w, true, &cfg, 1000, true, false);
  /* equal weights; one deep reader, one with a single read in flight */
  proc_job jd = rand_read(0), js = rand_read(8 * GB);
  jd.iodepth = 16;
  int a = world_add(&w, "deep",
                    (pspec){.ioprio = 0, .cgroup = "a", .weight = 500}, &jd);
  int b = world_add(&w, "shallow",
                    (pspec){.ioprio = 0, .cgroup = "b", .weight = 500}, &js);
  world_run(&w, 1 * SIM_S);
  ios[0] = w.ios[a];
  ios[1] = w.ios[b];
  *bad_charges = 0;
  for (guint k = 0; k < w.events->len; k++) {
    cfq_slice_event *ev = &g_array_index(w.events, cfq_slice_event, k);
    if (ev->kind != CFQ_SLICE_EXPIRE)
      continue;
    int64_t want = slice_idle == 0 ? ev->slice_dispatch : ev->used;
    *bad_charges += ev->charge != want;
  }
  world_free(&w);
}

static void test_iops_mode(void) {
  uint64_t iops[2], time[2];
  int bad_iops, bad_time;
  iops_groups(0, iops, &bad_iops);
  iops_groups(8 * SIM_MS, time, &bad_time);
  if (g_test_verbose())
    g_printerr("deep/shallow ios: iops mode %lu/%lu, time mode %lu/%lu\n",
               (unsigned long)iops[0], (unsigned long)iops[1],
               (unsigned long)time[0], (unsigned long)time[1]);
  /* every expiry charged the requests dispatched in IOPS mode, the time
   * used otherwise */
  g_assert_cmpint(bad_iops, ==, 0);
  g_assert_cmpint(bad_time, ==, 0);
  g_assert_cmpuint(iops[0], >, 0);
  g_assert_cmpuint(iops[1], >, 0);
}

/* ---------------------------------------------------------------------
 * Audit: bookkeeping invariants of cfqd, cfqq, cfqg and the service trees,
 * checked every 250 us of a mixed workload (sync/async, RT/BE/IDLE, nice,
 * cgroups).
 * --------------------------------------------------------------------- */

typedef struct inv_ctx {
  world *w;
  sim_time period, until;
  uint64_t checks, idle_armed, must_dispatch_seen;
} inv_ctx;

static void check_tree_members(struct cfq_rb_root *st, int *on_tree) {
  guint n = 0;
  g_assert_cmpint(rbtree_check(&st->rb), >=, 0);
  for (rbtree_node *x = rbtree_first(&st->rb); x; x = rbtree_next(x)) {
    struct cfq_queue *q = rbtree_entry(x, struct cfq_queue, rb_node);
    g_assert_true(q->service_tree == st);
    g_assert_true(q->on_rr);
    n++;
  }
  g_assert_cmpuint(n, ==, st->count);
  *on_tree += (int)n;
}

static void cfq_check_invariants(struct cfq_data *cfqd) {
  int busy = 0, busy_sync = 0, queued = 0, in_flight[2] = {0, 0};
  GHashTable *nr = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (GList *l = cfqd->queues.head; l; l = l->next) {
    struct cfq_queue *q = l->data;
    if (q->on_rr) {
      busy++;
      busy_sync += q->sync;
      g_hash_table_insert(
          nr, q->cfqg,
          GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(nr, q->cfqg)) +
                          1));
      g_assert_nonnull(q->service_tree);
      /* every busy queue but the active one has requests */
      if (q != cfqd->active_queue)
        g_assert_false(cfqq_empty(q));
    } else {
      g_assert_null(q->service_tree);
      g_assert_true(cfqq_empty(q));
    }
    /* prio tree membership only for non-empty busy queues */
    if (q->p_root)
      g_assert_true(q->on_rr && !cfqq_empty(q));
    int n = 0;
    for (rbtree_node *x = rbtree_first(&q->sort_list); x; x = rbtree_next(x))
      n++;
    g_assert_cmpint(n, ==, q->queued[0] + q->queued[1]);
    g_assert_cmpint((int)g_queue_get_length(&q->fifo), ==, n);
    queued += n;
    in_flight[q->sync] += q->dispatched;
    if (q != cfqd->active_queue) {
      g_assert_false(q->wait_request);
      g_assert_false(q->wait_busy);
    }
    /* async queues always live in the root group */
    if (!q->sync)
      g_assert_true(q->cfqg == cfqd->root_group);
    g_assert_true((q->next_rq != NULL) == !cfqq_empty(q));
  }
  g_assert_cmpint(busy, ==, cfqd->busy_queues);
  g_assert_cmpint(busy_sync, ==, cfqd->busy_sync_queues);
  g_assert_cmpint(queued, ==, cfqd->rq_queued);
  g_assert_cmpint(in_flight[0], ==, cfqd->rq_in_flight[0]);
  g_assert_cmpint(in_flight[1], ==, cfqd->rq_in_flight[1]);
  if (cfqd->active_queue)
    g_assert_true(cfqd->active_queue->on_rr);
  /* the idle timer is only pending while the active queue waits */
  if (sim_timer_pending(&cfqd->idle_slice_timer)) {
    g_assert_nonnull(cfqd->active_queue);
    g_assert_true(cfqd->active_queue->wait_request);
  }
  unsigned tw = 0;
  guint on_grp = 0;
  for (guint i = 0; i < cfqd->groups->len; i++) {
    struct cfq_group *g = g_ptr_array_index(cfqd->groups, i);
    int on_tree = 0;
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 3; b++)
        check_tree_members(&g->service_trees[a][b], &on_tree);
    check_tree_members(&g->service_tree_idle, &on_tree);
    int want = GPOINTER_TO_INT(g_hash_table_lookup(nr, g));
    g_assert_cmpint(g->nr_cfqq, ==, want);
    g_assert_cmpint(on_tree, ==, want);
    /* on the group tree exactly while nr_cfqq > 0 */
    g_assert_true(g->on_st == (g->nr_cfqq > 0));
    if (g->on_st) {
      tw += g->weight;
      on_grp++;
    } else {
      g_assert_cmpint(g->saved_workload_slice, ==, 0);
    }
  }
  g_assert_cmpuint(tw, ==, cfqd->grp_service_tree.total_weight);
  guint in_grp_tree = 0;
  for (rbtree_node *x = rbtree_first(&cfqd->grp_service_tree.rb); x;
       x = rbtree_next(x))
    in_grp_tree++;
  g_assert_cmpuint(on_grp, ==, in_grp_tree);
  g_hash_table_destroy(nr);
}

static void inv_tick(void *arg) {
  inv_ctx *c = arg;
  struct cfq_data *cfqd = world_cfqd(c->w);
  cfq_check_invariants(cfqd);
  c->checks++;
  if (sim_timer_pending(&cfqd->idle_slice_timer))
    c->idle_armed++;
  if (cfqd->active_queue && cfqd->active_queue->must_dispatch)
    c->must_dispatch_seen++;
  sim_time next = sim_now(c->w->e) + c->period;
  if (next < c->until)
    sim_post(c->w->e, next, "audit-invariants", inv_tick, c);
}

static void audit_mixed(bool ssd, int hz, bool groups) {
  world w;
  world_init(&w, ssd, NULL, hz, groups, false);
  proc_job j0 = seq_read(0), j1 = rand_read(4 * GB), j2 = seq_read(16 * GB);
  proc_job jw = {.rw = PROC_RW_WRITE,
                 .bs_sectors = 64,
                 .offset = 24 * GB,
                 .size = (int64_t)1 << 24,
                 .iodepth = 16};
  proc_job jt = seq_read(32 * GB);
  jt.think = 3 * SIM_MS;
  jt.think_exp = true;
  proc_job jm = {.rw = PROC_RW_MIXED,
                 .rwmixread = 50,
                 .random = true,
                 .bs_sectors = 8,
                 .offset = 40 * GB,
                 .size = (int64_t)1 << 22,
                 .iodepth = 4};
  proc_job jc = seq_read(48 * GB), jd = seq_read(48 * GB + 1024);
  world_add(&w, "seq", (pspec){.ioprio = BE(4)}, &j0);
  world_add(&w, "rand", (pspec){.ioprio = 0, .nice = 10}, &j1);
  world_add(&w, "rt", (pspec){.ioprio = RT(2)}, &j2);
  world_add(&w, "writer", (pspec){.ioprio = 0}, &jw);
  world_add(&w, "thinker",
            (pspec){.ioprio = BE(6), .cgroup = "g1", .weight = 300}, &jt);
  world_add(&w, "mixed", (pspec){.ioprio = 0, .cgroup = "g2", .weight = 700},
            &jm);
  world_add(&w, "idle", (pspec){.ioprio = IDLE}, &jc);
  world_add(&w, "coop", (pspec){.ioprio = 0}, &jd);
  inv_ctx c = {.w = &w, .period = 250 * SIM_US, .until = 3 * SIM_S};
  sim_post(w.e, 0, "audit-invariants", inv_tick, &c);
  world_run(&w, 3 * SIM_S);
  g_assert_cmpuint(c.checks, >, 1000);
  if (g_test_verbose())
    g_printerr(
        "ssd=%d hz=%d groups=%d: %lu checks, idle armed in %lu, must_dispatch %lu\n",
        ssd, hz, groups, (unsigned long)c.checks, (unsigned long)c.idle_armed,
        (unsigned long)c.must_dispatch_seen);
  world_free(&w);
}

static void test_audit_invariants(void) {
  audit_mixed(false, 1000, true);
  audit_mixed(false, 250, true);
  audit_mixed(false, 1000, false);
  audit_mixed(true, 1000, true);
}

/* ---------------------------------------------------------------------
 * Audit, white-box: quirks of service-tree keys, workload choice and the
 * idle timer exercised on queues made by hand (no requests), so each rule
 * is seen in isolation.
 * --------------------------------------------------------------------- */

static struct cfq_queue *audit_mkq(struct cfq_data *cfqd, struct cfq_group *g,
                                   bool sync, int cls, int prio) {
  struct cfq_queue *q = g_new0(struct cfq_queue, 1);
  q->id = cfqd->next_queue_id++;
  q->cfqd = cfqd;
  q->cfqg = g;
  q->sync = sync;
  q->idle_window = sync;
  q->ioprio_class = q->org_ioprio_class = cls;
  q->ioprio = q->org_ioprio = prio;
  rbtree_init(&q->sort_list);
  g_queue_init(&q->fifo);
  q->link.data = q;
  g_queue_push_tail_link(&cfqd->queues, &q->link);
  q->stats = g_new0(struct cfq_queue_stats, 1);
  g_ptr_array_add(cfqd->stats, q->stats);
  return q;
}

typedef struct audit_at {
  world *w;
  void (*fn)(world *w);
} audit_at;

static void audit_at_fire(void *arg) {
  audit_at *a = arg;
  a->fn(a->w);
}

/* Service-tree key: the offset uses nr_cfqq before the new queue counts
 * itself, so the first queue of a group gets factor -1. */
static void test_audit_slice_offset(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  struct cfq_data *cfqd = world_cfqd(&w);
  struct cfq_group *g = cfqd->root_group;
  int64_t j = cfq_jiffies(cfqd);
  struct cfq_queue *q1 = audit_mkq(cfqd, g, true, IOPRIO_CLASS_BE, 4);
  struct cfq_queue *q2 = audit_mkq(cfqd, g, true, IOPRIO_CLASS_BE, 4);
  struct cfq_queue *q3 = audit_mkq(cfqd, g, true, IOPRIO_CLASS_BE, 6);
  struct cfq_queue *q4 = audit_mkq(cfqd, g, false, IOPRIO_CLASS_BE, 4);
  cfq_add_cfqq_rr(cfqd, q1);
  g_assert_cmpint(q1->rb_key, ==, j - 80); /* -1 * (180 - 100) */
  cfq_add_cfqq_rr(cfqd, q2);
  g_assert_cmpint(q2->rb_key, ==, j); /*  0 * (180 - 100) */
  cfq_add_cfqq_rr(cfqd, q3);
  g_assert_cmpint(q3->rb_key, ==, j + 120); /*  1 * (180 - 60) */
  q4->slice_resid = 20; /* a saved leftover is subtracted once */
  cfq_add_cfqq_rr(cfqd, q4);
  g_assert_cmpint(q4->rb_key, ==,
                  j + 2 * 140 - 20); /* 2 * (180 - 40) - resid */
  g_assert_cmpint(q4->slice_resid, ==, 0);
  g_assert_cmpint(g->nr_cfqq, ==, 4);
  world_free(&w);
}

/* A newly backlogged group goes to the end of the group tree, CFQ_IDLE_DELAY
 * (unscaled) after the last group's vdisktime. */
static void test_audit_group_to_end(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  struct cfq_data *cfqd = world_cfqd(&w);
  struct cfq_group *ga = cfq_group_new(cfqd, "ga", 500);
  struct cfq_group *gb = cfq_group_new(cfqd, "gb", 100);
  struct cfq_group *gc = cfq_group_new(cfqd, "gc", 1000);
  struct cfq_queue *qa = audit_mkq(cfqd, ga, true, IOPRIO_CLASS_BE, 4);
  struct cfq_queue *qb = audit_mkq(cfqd, gb, true, IOPRIO_CLASS_BE, 4);
  struct cfq_queue *qc = audit_mkq(cfqd, gc, true, IOPRIO_CLASS_BE, 4);
  cfq_add_cfqq_rr(cfqd, qa);
  g_assert_cmpuint(ga->vdisktime, ==, cfqd->grp_service_tree.min_vdisktime);
  cfq_add_cfqq_rr(cfqd, qb);
  g_assert_cmpuint(gb->vdisktime, ==, ga->vdisktime + 200);
  cfq_add_cfqq_rr(cfqd, qc);
  g_assert_cmpuint(gc->vdisktime, ==, gb->vdisktime + 200);
  const rbtree *s = &cfqd->grp_service_tree.rb;
  g_assert_true(rbtree_entry(rbtree_first(s), struct cfq_group, rb_node) == ga);
  g_assert_true(rbtree_entry(rbtree_last(s), struct cfq_group, rb_node) == gc);
  g_assert_cmpuint(cfqd->grp_service_tree.total_weight, ==, 1600);
  world_free(&w);
}

/* cfq_choose_wl breaks equal keys in the order ASYNC, SYNC_NOIDLE, SYNC.  And
 * the IDLE class leaves serving_type alone and gives a 1-jiffy workload. */
static void test_audit_choose_wl(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  struct cfq_data *cfqd = world_cfqd(&w);
  struct cfq_group *g = cfqd->root_group;
  int64_t j = cfq_jiffies(cfqd);
  struct cfq_queue *qs = audit_mkq(cfqd, g, true, IOPRIO_CLASS_BE, 4);
  struct cfq_queue *qn = audit_mkq(cfqd, g, true, IOPRIO_CLASS_BE, 4);
  struct cfq_queue *qa = audit_mkq(cfqd, g, false, IOPRIO_CLASS_BE, 4);
  qn->idle_window = false;
  /* all three keys j - 200: resid cancels each priority offset */
  qs->slice_resid = 120; /* factor -1 * 80 */
  qn->slice_resid = 200; /* factor  0 */
  qa->slice_resid = 340; /* factor  1 * 140 */
  cfq_add_cfqq_rr(cfqd, qs);
  cfq_add_cfqq_rr(cfqd, qn);
  cfq_add_cfqq_rr(cfqd, qa);
  g_assert_cmpint(qs->rb_key, ==, j - 200);
  g_assert_cmpint(qn->rb_key, ==, j - 200);
  g_assert_cmpint(qa->rb_key, ==, j - 200);
  cfqd->serving_type = SYNC_WORKLOAD;
  cfq_choose_cfqg(cfqd);
  g_assert_cmpint(cfqd->serving_prio, ==, BE_WORKLOAD);
  g_assert_cmpint(cfqd->serving_type, ==, ASYNC_WORKLOAD);
  /* without the async queue: SYNC_NOIDLE before SYNC */
  cfq_del_cfqq_rr(cfqd, qa);
  cfqd->workload_expires = j - 1;
  cfqd->serving_type = SYNC_WORKLOAD;
  g->saved_workload_slice = 0;
  cfq_choose_cfqg(cfqd);
  g_assert_cmpint(cfqd->serving_type, ==, SYNC_NOIDLE_WORKLOAD);
  cfq_del_cfqq_rr(cfqd, qs);
  cfq_del_cfqq_rr(cfqd, qn);

  /* only an IDLE-class queue busy: serving_type untouched, 1 jiffy */
  struct cfq_queue *qi = audit_mkq(cfqd, g, true, IOPRIO_CLASS_IDLE, 7);
  qi->idle_window = false;
  cfq_add_cfqq_rr(cfqd, qi);
  cfqd->serving_type = SYNC_WORKLOAD;
  cfq_choose_cfqg(cfqd);
  g_assert_cmpint(cfqd->serving_prio, ==, IDLE_WORKLOAD);
  g_assert_cmpint(cfqd->serving_type, ==, SYNC_WORKLOAD);
  g_assert_cmpint(cfqd->workload_expires, ==, j + 1);
  world_free(&w);
}

/* The idle timer is armed in jiffies and fires when the jiffies counter
 * reaches jiffies + slice_idle (here, HZ=250, armed 1 ms into a 4 ms tick:
 * 7 ms later); its must_dispatch KICK path leaves wait_request set. */
static struct cfq_io_context audit_cic;
static struct cfq_queue *audit_active;

static void audit_arm(world *w) {
  struct cfq_data *cfqd = world_cfqd(w);
  struct cfq_queue *q =
      audit_mkq(cfqd, cfqd->root_group, true, IOPRIO_CLASS_BE, 4);
  cfq_add_cfqq_rr(cfqd, q);
  cfqd->active_queue = q;
  cfqd->active_cic = &audit_cic;
  int64_t j = cfq_jiffies(cfqd);
  q->slice_start = j;
  q->slice_end = j + 100;
  cfq_arm_slice_timer(cfqd);
  g_assert_true(q->wait_request);
  g_assert_true(sim_timer_pending(&cfqd->idle_slice_timer));
  g_assert_cmpint(cfqd->idle_slice_timer.expires, ==,
                  blk_jiffies_to_time(w->q, j + cfqd->cfq_slice_idle));
  audit_active = q;
}

static void audit_check_kick(world *w) {
  struct cfq_data *cfqd = world_cfqd(w);
  /* fired via the must_dispatch KICK path: still active, still waiting */
  g_assert_false(sim_timer_pending(&cfqd->idle_slice_timer));
  g_assert_true(cfqd->active_queue == audit_active);
  g_assert_true(audit_active->wait_request);
  audit_active->must_dispatch = false;
  cfqd->active_queue = NULL;
  cfqd->active_cic = NULL;
  audit_active->wait_request = false;
  cfq_del_cfqq_rr(cfqd, audit_active);
}

static void test_audit_idle_timer(void) {
  world w;
  world_init(&w, false, NULL, 250, true, false);
  struct io_context *ioc = ioc_new("audit", 0);
  ioc->nr_tasks = 1;
  audit_cic = (struct cfq_io_context){.ioc = ioc};
  audit_at arm = {&w, audit_arm};
  sim_post(w.e, 5 * SIM_MS, "audit-arm", audit_at_fire, &arm);
  world_run(&w, 6 * SIM_MS);
  g_assert_true(sim_timer_pending(&world_cfqd(&w)->idle_slice_timer));
  g_assert_cmpint(world_cfqd(&w)->idle_slice_timer.expires, ==, 12 * SIM_MS);
  audit_active->must_dispatch = true;
  world_run(&w, 12 * SIM_MS - 1);
  g_assert_true(sim_timer_pending(&world_cfqd(&w)->idle_slice_timer));
  audit_at chk = {&w, audit_check_kick};
  sim_post(w.e, 12 * SIM_MS, "audit-check", audit_at_fire, &chk);
  world_run(&w, 13 * SIM_MS);
  world_free(&w);
  ioc_free(ioc);
}

static void audit_sort_add(struct cfq_queue *q, struct request *rq,
                           uint64_t seq) {
  rq->elv_pos = rq->sector;
  rq->elv_seq = seq;
  rbtree_node **link = &q->sort_list.root, *parent = NULL;
  bool leftmost = true;
  while (*link) {
    parent = *link;
    const struct request *p = rbtree_entry(parent, struct request, rb_node);
    if (rq->elv_pos < p->elv_pos ||
        (rq->elv_pos == p->elv_pos && seq < p->elv_seq)) {
      link = &parent->left;
    } else {
      link = &parent->right;
      leftmost = false;
    }
  }
  rbtree_link(&q->sort_list, &rq->rb_node, parent, link, leftmost);
  rq->elv_node = &rq->rb_node;
}

/* cfq_find_next_rq measures from pos(last), not end(last).
 * last = [1000, 1200); prev at 950 is 50 behind pos (x2 penalty = 100),
 * next at 1180 is 180 ahead of pos: prev wins.  (From end(last), next
 * would be 20 behind, 40 with penalty, and win.) */
static void test_audit_find_next_rq_pos(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  struct cfq_data *cfqd = world_cfqd(&w);
  struct cfq_queue *q =
      audit_mkq(cfqd, cfqd->root_group, true, IOPRIO_CLASS_BE, 4);
  struct request prev = {.sector = 950, .nr_sectors = 8};
  struct request last = {.sector = 1000, .nr_sectors = 200};
  struct request next = {.sector = 1180, .nr_sectors = 8};
  audit_sort_add(q, &prev, 1);
  audit_sort_add(q, &last, 2);
  audit_sort_add(q, &next, 3);
  g_assert_true(cfq_find_next_rq(cfqd, q, &last) == &prev);
  /* the chooser itself, from end(last), would pick next */
  g_assert_true(cfq_choose_req(cfqd, &next, &prev, rq_end_sector(&last)) ==
                &next);
  rbtree_init(&q->sort_list);
  world_free(&w);
}

/* slice_resid is recorded only by timed-out expiries, and the next
 * service-tree key uses it once. */
static void test_audit_resid_timed_out_only(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  struct cfq_data *cfqd = world_cfqd(&w);
  struct cfq_group *g = cfqd->root_group;
  struct cfq_queue *keep = audit_mkq(cfqd, g, true, IOPRIO_CLASS_BE, 4);
  struct cfq_queue *q = audit_mkq(cfqd, g, true, IOPRIO_CLASS_BE, 4);
  struct request rq = {.sector = 5000, .nr_sectors = 8};
  cfq_add_cfqq_rr(cfqd, keep);
  audit_sort_add(q, &rq, 1); /* not empty: stays on its tree at expiry */
  q->queued[1] = 1;
  cfq_add_cfqq_rr(cfqd, q);
  int64_t j = cfq_jiffies(cfqd);
  for (int timed_out = 0; timed_out < 2; timed_out++) {
    cfqd->active_queue = q;
    q->slice_new = false;
    q->slice_start = j;
    q->slice_end = j + 30;
    q->allocated_slice = 30;
    q->dispatch_start = j;
    __cfq_slice_expired(cfqd, q, timed_out);
    g_assert_null(cfqd->active_queue);
    g_assert_cmpint(q->slice_resid, ==, 0); /* consumed by the re-key */
    /* nr_cfqq = 2: factor 1 * (180 - 100) = 80, minus a resid of 30 */
    g_assert_cmpint(q->rb_key, ==, j + 80 - (timed_out ? 30 : 0));
  }
  rbtree_init(&q->sort_list);
  q->queued[1] = 0;
  world_free(&w);
}

/* With slice_idle = 0 and hw_tag still unknown (-1) the group is charged in
 * IOPS mode: the requests dispatched, not the time. */
static void test_audit_iops_charge_unknown_hw_tag(void) {
  struct cfq_config cfg = cfq_default_config;
  cfg.slice_idle = 0;
  world w;
  world_init(&w, false, &cfg, 1000, true, false);
  struct cfq_data *cfqd = world_cfqd(&w);
  g_assert_cmpint(cfqd->hw_tag, ==, -1);
  struct cfq_group *g = cfqd->root_group;
  struct cfq_queue *q = audit_mkq(cfqd, g, true, IOPRIO_CLASS_BE, 4);
  cfq_add_cfqq_rr(cfqd, q);
  int64_t j = cfq_jiffies(cfqd);
  q->slice_start = j - 50;
  q->dispatch_start = j - 50;
  q->allocated_slice = 100;
  q->slice_dispatch = 7;
  uint64_t vt = g->vdisktime;
  int64_t used, charge;
  cfq_group_served(cfqd, g, q, &used, &charge);
  g_assert_cmpint(used, ==, 50);
  g_assert_cmpint(charge, ==, 7);
  g_assert_cmpuint(g->vdisktime - vt, ==, ((uint64_t)7 << 12) * 500 / 1000);
  world_free(&w);
}

/* A task with no ioprio set uses the BE/4 async slot, the queue's level comes
 * from its nice value, and async queues live in the root group even for a
 * task in a cgroup.  Think time: samples 32, 60, 84 (valid from the third)
 * with elapsed capped at 2 * slice_idle. */
static void test_audit_async_slot_and_ttime(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  proc_job jw = {.rw = PROC_RW_WRITE,
                 .bs_sectors = 8,
                 .offset = 0,
                 .size = (int64_t)1 << 20,
                 .iodepth = 1,
                 .count = 3};
  proc_job jr = seq_read(8 * GB);
  jr.count = 3;
  jr.think = 50 * SIM_MS;
  int a =
      world_add(&w, "w", (pspec){.ioprio = 0, .nice = 19, .cgroup = "gx"}, &jw);
  int r = world_add(&w, "r", (pspec){.ioprio = 0, .cgroup = "gy"}, &jr);
  world_run(&w, 2 * SIM_S);
  struct cfq_data *cfqd = world_cfqd(&w);
  struct cfq_queue *aq = cfqd->async_cfqq[1][4];
  g_assert_nonnull(aq);
  for (int l = 0; l < IOPRIO_BE_NR; l++)
    if (l != 4)
      g_assert_null(cfqd->async_cfqq[1][l]);
  g_assert_cmpint(aq->ioprio, ==, 7);
  g_assert_cmpint(aq->ioprio_class, ==, IOPRIO_CLASS_BE);
  g_assert_true(aq->cfqg == cfqd->root_group);
  g_assert_true(cfq_cic_lookup(w.tasks[a].ioc, w.q->cic_index)->cfqq[0] == aq);
  /* reader: first elapsed 0, then two of 50 ms capped at 16 */
  struct cfq_io_context *cic = cfq_cic_lookup(w.tasks[r].ioc, w.q->cic_index);
  g_assert_cmpuint(cic->ttime.ttime_samples, ==, 84);
  g_assert_cmpuint(cic->ttime.ttime_total, ==, 960);
  g_assert_cmpuint(cic->ttime.ttime_mean, ==, (960 + 128) / 84);
  struct cfq_group *gy = cic->cfqq[1]->cfqg;
  g_assert_cmpstr(gy->name, ==, "gy");
  g_assert_cmpuint(gy->ttime.ttime_samples, ==, 84);
  g_assert_cmpuint(gy->ttime.ttime_total, ==, 960); /* cap 2 * group_idle */
  world_free(&w);
}

/* ELV_MQUEUE_MUST is granted once per slice to a queue in wait_request; the
 * pass is given back only when the queue is next made active. */
static void test_audit_mqueue_must_once(void) {
  world w;
  world_init(&w, false, NULL, 1000, true, false);
  proc_job jr = seq_read(0);
  jr.count = 1;
  int r = world_add(&w, "r", (pspec){.ioprio = 0}, &jr);
  world_run(&w, 1 * SIM_S);
  struct cfq_io_context *cic = cfq_cic_lookup(w.tasks[r].ioc, w.q->cic_index);
  struct cfq_queue *q = cic->cfqq[1];
  g_assert_nonnull(q);
  const struct elevator_type *e = &iosched_cfq;
  q->wait_request = true;
  q->must_alloc_slice = false;
  g_assert_cmpint(e->ops.elevator_may_queue_fn(w.q, &w.tasks[r], 0), ==,
                  ELV_MQUEUE_MUST);
  g_assert_cmpint(e->ops.elevator_may_queue_fn(w.q, &w.tasks[r], 0), ==,
                  ELV_MQUEUE_MAY);
  q->wait_request = false;
  g_assert_cmpint(e->ops.elevator_may_queue_fn(w.q, &w.tasks[r], 0), ==,
                  ELV_MQUEUE_MAY);
  world_free(&w);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/cfq/tunables-hz", test_tunables_hz);
  g_test_add_func("/cfq/tunables-out-of-range", test_tunables_out_of_range);
  g_test_add_func("/cfq/prio-slice-table", test_prio_slice_table);
  g_test_add_func("/cfq/prio-shares", test_prio_shares);
  g_test_add_func("/cfq/rt-preempts-be", test_rt_preempts_be);
  g_test_add_func("/cfq/idle-class-waits", test_idle_class_waits);
  g_test_add_func("/cfq/idle-window", test_idle_window);
  g_test_add_func("/cfq/idle-needs-short-think", test_idle_needs_short_think);
  g_test_add_func("/cfq/fifo-expiry", test_fifo_expiry);
  g_test_add_func("/cfq/seeky-not-idled-hdd", test_seeky_not_idled_hdd);
  g_test_add_func("/cfq/ssd-never-idles", test_ssd_never_idles);
  g_test_add_func("/cfq/cgroup-weights", test_cgroup_weights);
  g_test_add_func("/cfq/writer-vs-reader", test_writer_vs_reader);
  g_test_add_func("/cfq/low-latency", test_low_latency);
  g_test_add_func("/cfq/determinism", test_determinism);
  g_test_add_func("/cfq/cooperators-merge", test_cooperators_merge);
  g_test_add_func("/cfq/close-cooperator-search", test_close_cooperator_search);
  g_test_add_func("/cfq/hw-tag-detection", test_hw_tag_detection);
  g_test_add_func("/cfq/merges-consistent", test_merges_keep_queues_consistent);
  g_test_add_func("/cfq/shared-ioc", test_shared_ioc);
  g_test_add_func("/cfq/cooperators-split", test_cooperators_split);
  g_test_add_func("/cfq/async-not-starved", test_async_not_starved);
  g_test_add_func("/cfq/async-depth-ramp", test_async_depth_ramp);
  g_test_add_func("/cfq/iops-mode", test_iops_mode);
  g_test_add_func("/cfq/audit/invariants", test_audit_invariants);
  g_test_add_func("/cfq/audit/slice-offset", test_audit_slice_offset);
  g_test_add_func("/cfq/audit/group-to-end", test_audit_group_to_end);
  g_test_add_func("/cfq/audit/choose-wl", test_audit_choose_wl);
  g_test_add_func("/cfq/audit/idle-timer", test_audit_idle_timer);
  g_test_add_func("/cfq/audit/find-next-rq-pos", test_audit_find_next_rq_pos);
  g_test_add_func("/cfq/audit/resid-timed-out-only",
                  test_audit_resid_timed_out_only);
  g_test_add_func("/cfq/audit/iops-charge-hw-tag-unknown",
                  test_audit_iops_charge_unknown_hw_tag);
  g_test_add_func("/cfq/audit/async-slot-and-ttime",
                  test_audit_async_slot_and_ttime);
  g_test_add_func("/cfq/audit/mqueue-must-once", test_audit_mqueue_must_once);
  return g_test_run();
}
