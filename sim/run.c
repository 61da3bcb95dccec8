/* Assembling and running one simulation from a workload. */
#include "sim/run.h"

#include <string.h>

#include "models/cfq.h"
#include "models/elevator.h"
#include "models/filemap.h"
#include "models/fs-writeback.h"
#include "models/page-writeback.h"
#include "models/pagecache.h"
#include "models/proc.h"
#include "sim/blktrace.h"
#include "sim/core/interleave.h"
#include "sim/core/rng.h"
#include "sim/core/units.h"
#include "sim/outdir.h"

struct sim_run {
  const workload *w;
  struct kernel_cfg kernel;
  uint64_t seed;
  bool seed_given; /* --seed: over the processes' own seeds */
  sim_engine *engine;
  GPtrArray *disks;        /* void * disk instances, per device */
  GPtrArray *queues;       /* struct request_queue *, per device */
  GPtrArray *blktraces;    /* blktrace *, per device; empty without a trace */
  GPtrArray *iocs;         /* struct io_context *, in first-use order */
  GHashTable *ioc_by_name; /* the processes' ones: name -> io_context */
  GPtrArray *tasks;        /* struct task *, per process */
  GPtrArray *procs;        /* proc *, per process */
  GHashTable *proc_index;  /* proc * -> index + 1 */
  struct proc_ref *proc_refs; /* per process: its io_done context */
  proc_job *jobs;             /* per process, made once (resets reuse it) */
  metrics *m;
  interleave *il;
  /* The result directory being written while the run goes (NULL: none),
   * and the files streamed into it. */
  outdir_stage *stage;
  report_series *series;
  FILE *slices;   /* slices.csv, CFQ devices only */
  GString *row;   /* one slice row */
  char *names;    /* the processes' names, each ending in a NUL */
  gsize *name_at; /* where each starts in `names`, and the end */
  GPtrArray *slice_ctxs;
  sim_time *slice_start; /* per device: when the active queue was set */
  /* What the kernel printk'd, dmesg style: all of it to kernel.log as it
   * comes, the first lines kept for the summary. */
  GString *kernel_log;
  guint kernel_log_kept;
  uint64_t kernel_log_more; /* lines beyond those kept */
  FILE *kernel_file;
  /* the page cache, when some process is buffered (else all NULL/empty) */
  struct pagecache *mm;
  GPtrArray *bdis;     /* struct backing_dev_info *, per device */
  GPtrArray *wbs;      /* struct bdi_writeback *, per device */
  GPtrArray *files;    /* struct file *, per process (NULL: direct) */
  GPtrArray *flushers; /* proc *, one per device with buffered writes */
  GPtrArray *flusher_tasks;
  GArray *flusher_device; /* guint per flusher */
  run_result result;
  bool ran;
  GArray *io_observers; /* io_observer */
};

typedef struct io_observer {
  run_io_fn fn;
  void *ctx;
} io_observer;

static void notify_io(sim_run *r, const run_io *io) {
  for (guint i = 0; r->io_observers && i < r->io_observers->len; i++) {
    const io_observer *o = &g_array_index(r->io_observers, io_observer, i);
    o->fn(o->ctx, io);
  }
}

void sim_run_add_io_observer(sim_run *r, run_io_fn fn, void *ctx) {
  if (!r->io_observers)
    r->io_observers = g_array_new(FALSE, FALSE, sizeof(io_observer));
  g_array_append_val(r->io_observers, ((io_observer){fn, ctx}));
}

/* fio's ramp_time: what a process started within its ramp is left out. */
static bool in_ramp(const wl_process *wp, proc *p, sim_time submitted) {
  return wp->ramp > 0 && submitted - proc_start_time(p) < wp->ramp;
}

/* A direct job's completions carry their process's index in their
 * context, and what they need of its job: a lookup per I/O, or a look
 * into the workload's kilobyte of a process, was a cache miss per I/O
 * with many processes. */
typedef struct proc_ref {
  sim_run *r;
  guint i;
  guint device;
  sim_time ramp;
} proc_ref;

static void io_done(void *ctx, proc *p, const struct bio *bio) {
  const proc_ref *ref = ctx;
  sim_run *r = ref->r;
  guint i = ref->i;
  if (ref->ramp > 0 && bio->submitted - proc_start_time(p) < ref->ramp)
    return; /* in_ramp */
  if (r->m)
    metrics_io_done(r->m, i, ref->device, bio->submitted, sim_now(r->engine),
                    (uint64_t)bio->nr_sectors * 512);
  run_io io = {i,
               bio->rw & REQ_WRITE ? RUN_IO_WRITE : RUN_IO_READ,
               bio->submitted,
               sim_now(r->engine),
               (uint64_t)bio->nr_sectors * 512,
               bio->sector * 512};
  notify_io(r, &io);
}

static guint proc_index(sim_run *r, proc *p) {
  return GPOINTER_TO_UINT(g_hash_table_lookup(r->proc_index, p)) - 1;
}

/* A buffered call ended: the application view. */
static void call_done(void *ctx, proc *p, proc_call op, sim_time start,
                      sim_time end, int64_t bytes, bool hit) {
  sim_run *r = ctx;
  if (in_ramp(g_ptr_array_index(r->w->processes, proc_index(r, p)), p, start))
    return;
  metrics_call op_m = op == PROC_CALL_READ    ? METRICS_CALL_READ
                      : op == PROC_CALL_WRITE ? METRICS_CALL_WRITE
                                              : METRICS_CALL_FSYNC;
  if (r->m)
    metrics_call_done(r->m, proc_index(r, p), op_m, start, end, (uint64_t)bytes,
                      hit);
  run_io io = {proc_index(r, p),
               op == PROC_CALL_READ    ? RUN_IO_READ
               : op == PROC_CALL_WRITE ? RUN_IO_WRITE
                                       : RUN_IO_SYNC,
               start,
               end,
               (uint64_t)MAX(bytes, 0),
               -1};
  notify_io(r, &io);
}

/* A page-cache bio ended: the device view of its submitter (a process,
 * or a flusher numbered after the processes). */
static void bio_done(void *ctx, proc *p, const struct bio *bio) {
  sim_run *r = ctx;
  guint n = r->w->processes->len;
  guint sub, dev;
  gpointer v = g_hash_table_lookup(r->proc_index, p);
  if (v) {
    sub = GPOINTER_TO_UINT(v) - 1;
    if (in_ramp(g_ptr_array_index(r->w->processes, sub), p, bio->submitted))
      return;
    dev = (guint)((const wl_process *)g_ptr_array_index(r->w->processes, sub))
              ->device;
  } else {
    guint k = 0;
    while (g_ptr_array_index(r->flushers, k) != p)
      k++;
    sub = n + k;
    dev = g_array_index(r->flusher_device, guint, k);
  }
  if (r->m)
    metrics_bio_done(r->m, sub, dev, bio->submitted, sim_now(r->engine),
                     (uint64_t)bio->nr_sectors * 512);
}

static const proc_observer page_cache_observer = {
    .call_done = call_done,
    .bio_done = bio_done,
};

/* The process or flusher whose task created a queue (pids are 100 +
 * index, the flushers' after the processes'), and its length.  The
 * processes' names are side by side in one block: reaching each in its
 * own allocation was a cache miss per slice with many processes. */
static const char *pid_name(sim_run *r, int pid, size_t *len) {
  guint i = (guint)(pid - 100);
  guint n = r->w->processes->len;
  const char *name = "?";
  if (i < n) {
    *len = r->name_at[i + 1] - r->name_at[i] - 1;
    return r->names + r->name_at[i];
  }
  if (r->flusher_tasks && i - n < r->flusher_tasks->len)
    name = ((struct task *)g_ptr_array_index(r->flusher_tasks, i - n))->name;
  *len = strlen(name);
  return name;
}

typedef struct slice_ctx {
  sim_run *r;
  guint device;
} slice_ctx;

/* The decimal text of v at q, then `sep`; returns where it ends. */
static char *put_int(char *q, int64_t v, char sep) {
  char buf[REPORT_INT_CHARS], *end = buf + sizeof buf;
  const char *p = report_format_int64(end, v);
  memcpy(q, p, (size_t)(end - p));
  q += end - p;
  *q++ = sep;
  return q;
}

/* One row per slice: who held the disk, from activation to expiry. */
static void on_slice(void *ctx, const cfq_slice_event *ev) {
  slice_ctx *sc = ctx;
  sim_run *r = sc->r;
  if (ev->kind == CFQ_SLICE_SET_ACTIVE) {
    r->slice_start[sc->device] = ev->time;
    return;
  }
  if (!r->slices)
    return;
  const wl_device *d = g_ptr_array_index(r->w->devices, sc->device);
  /* By hand, not printf nor appends: a row per slice is many rows with
   * many processes. */
  size_t len, dlen = strlen(d->name);
  const char *owner = pid_name(r, ev->pid, &len);
  g_string_set_size(r->row, dlen + len + 6 * (REPORT_INT_CHARS + 1) + 2);
  char *q = r->row->str;
  memcpy(q, d->name, dlen);
  q += dlen;
  *q++ = ',';
  q = put_int(q, ev->queue_id, ',');
  memcpy(q, owner, len);
  q += len;
  *q++ = ev->sync ? 'S' : 'A';
  *q++ = ',';
  q = put_int(q, r->slice_start[sc->device], ',');
  q = put_int(q, ev->time, ',');
  q = put_int(q, ev->timed_out, ',');
  q = put_int(q, ev->used, ',');
  q = put_int(q, ev->slice_dispatch, '\n');
  fwrite(r->row->str, 1, (size_t)(q - r->row->str), r->slices);
}

/* Kernel log lines the summary shows at most. */
#define KERNEL_LOG_KEPT 100

/* dmesg's "[seconds.microseconds] text", on the simulated clock. */
static void on_printk(void *ctx, sim_time now, const char *text) {
  sim_run *r = ctx;
  g_autofree char *line =
      g_strdup_printf("[%5" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT "] %s\n",
                      now / SIM_S, now % SIM_S / SIM_US, text);
  if (r->kernel_file)
    fputs(line, r->kernel_file);
  if (r->kernel_log_kept < KERNEL_LOG_KEPT) {
    g_string_append(r->kernel_log, line);
    r->kernel_log_kept++;
  } else {
    r->kernel_log_more++;
  }
}

/* By name: thousands of processes with an io_context each made a scan
 * of the ones so far quadratic. */
static struct io_context *find_ioc(sim_run *r, const wl_process *wp) {
  struct io_context *found = g_hash_table_lookup(r->ioc_by_name, wp->ioc);
  if (found)
    return found;
  unsigned short prio = 0;
  if (wp->ioprio_class != IOPRIO_CLASS_NONE)
    prio = IOPRIO_PRIO_VALUE(wp->ioprio_class, wp->ioprio_level);
  struct io_context *ioc = ioc_new(wp->ioc, prio);
  ioc->refcount = 0;
  g_ptr_array_add(r->iocs, ioc);
  g_hash_table_insert(r->ioc_by_name, ioc->name, ioc);
  return ioc;
}

/* The job of a process.  Its tables, when it has some, are allocated:
 * job_clear frees them (proc_new keeps a copy). */
static proc_job job_from(const wl_process *wp, int64_t capacity_sectors) {
  proc_job j = {0};
  switch (wp->rw) {
  case RW_READ: j.rw = PROC_RW_READ; break;
  case RW_RANDREAD:
    j.rw = PROC_RW_READ;
    j.random = true;
    break;
  case RW_WRITE: j.rw = PROC_RW_WRITE; break;
  case RW_RANDWRITE:
    j.rw = PROC_RW_WRITE;
    j.random = true;
    break;
  case RW_RW: j.rw = PROC_RW_MIXED; break;
  case RW_RANDRW:
    j.rw = PROC_RW_MIXED;
    j.random = true;
    break;
  }
  j.rwmixread = wp->rwmixread;
  j.bs_sectors = (uint32_t)(wp->bs / 512);
  j.offset = wp->offset / 512;
  j.size = wp->size ? wp->size / 512 : capacity_sectors - j.offset;
  if (j.offset + j.size > capacity_sectors)
    j.size = capacity_sectors - j.offset;
  j.iodepth = wp->iodepth;
  j.count = wp->count;
  j.io_size = wp->io_size / 512;
  j.runtime = wp->runtime;
  j.think = wp->think;
  j.think_exp = wp->think_exp;
  j.start = wp->start;
  j.sync_writes = wp->sync;
  j.invalidate = wp->invalidate;
  j.fsync_every = wp->fsync_every;
  j.fdatasync = wp->fdatasync;
  j.end_fsync = wp->end_fsync;
  if (wp->replay) {
    j.replay = (const proc_replay_io *)(void *)wp->replay->data;
    j.replay_len = wp->replay->len;
  }
  j.bs_max_sectors = (uint32_t)(wp->bs_max / 512);
  j.bs_split_n = wp->bs_split_n;
  if (wp->bs_split_n > 0) {
    proc_bs_share *t = g_new(proc_bs_share, wp->bs_split_n);
    for (int i = 0; i < wp->bs_split_n; i++)
      t[i] = (proc_bs_share){wp->bs_split[i].sectors, wp->bs_split[i].percent};
    j.bs_split = t;
  }
  j.skip = wp->skip / 512;
  j.align_sectors = (uint32_t)(wp->blockalign / 512);
  j.random_every = wp->random_every;
  j.seq_percent = 100 - wp->percentage_random;
  j.dist = (proc_dist)wp->dist;
  j.dist_arg = wp->dist_arg;
  j.dist_center = wp->dist_center;
  j.zones_n = wp->zones_n;
  if (wp->zones_n > 0) {
    proc_zone *t = g_new(proc_zone, wp->zones_n);
    for (int i = 0; i < wp->zones_n; i++)
      t[i] = (proc_zone){wp->zones[i].sectors, wp->zones[i].percent};
    j.zones = t;
  }
  j.rate_bps = wp->rate;
  j.rate_iops = (double)wp->rate_iops;
  j.rate_poisson = wp->rate_poisson;
  j.think_blocks = wp->think_blocks;
  j.wait_for = wp->wait_for ? (int)wp->wait_for->len : 0;
  j.nr_files = wp->nrfiles;
  j.file_stride = workload_file_stride(wp->size) / 512;
  return j;
}

static void job_clear(proc_job *j) {
  g_clear_pointer((gpointer *)&j->bs_split, g_free);
  g_clear_pointer((gpointer *)&j->zones, g_free);
}

static bool may_write(const wl_process *wp) {
  return wp->rw != RW_READ && wp->rw != RW_RANDREAD;
}

/* bio_get_nr_vecs: a bio holds at most max_sectors and 128 segments. */
static int64_t max_bio_pages(const struct request_queue *q) {
  return MIN(MAX(q->max_sectors / PAGE_SECTORS, 1), 128);
}

/* The page cache, when some process goes through it: one bdi and one
 * writeback state per device, one file (inode) per distinct region of a
 * device (processes on the same region share its pages, as fio jobs on
 * one filename do), opened by each of its processes, and a flusher for
 * each device that buffered writes may dirty. */
static void build_page_cache(sim_run *r) {
  const workload *w = r->w;
  bool any = false;
  for (guint i = 0; i < w->processes->len; i++)
    any |= !((const wl_process *)g_ptr_array_index(w->processes, i))->direct;
  if (!any)
    return;
  r->mm = pagecache_new(r->engine, w->memory, w->memory_bandwidth);
  for (guint d = 0; d < w->devices->len; d++) {
    const wl_device *dev = g_ptr_array_index(w->devices, d);
    struct request_queue *q = g_ptr_array_index(r->queues, d);
    g_autofree char *name = g_strdup_printf("8:%u", 16 * d);
    struct backing_dev_info *bdi =
        bdi_new(name, r->mm, &w->vm, q, dev->read_ahead_kb * 1024 / PAGE_SIZE);
    g_ptr_array_add(r->bdis, bdi);
    g_ptr_array_add(r->wbs, bdi_writeback_new(bdi, max_bio_pages(q)));
  }
  g_autoptr(GHashTable) inodes =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < w->processes->len; i++) {
    const wl_process *wp = g_ptr_array_index(w->processes, i);
    if (wp->direct) {
      g_ptr_array_add(r->files, NULL);
      continue;
    }
    struct request_queue *q = g_ptr_array_index(r->queues, wp->device);
    proc_job j = job_from(wp, q->disk_ops->capacity(q->disk));
    job_clear(&j); /* only its region is needed */
    char *key = g_strdup_printf("%d:%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                                wp->device, j.offset, j.size);
    struct address_space *m = g_hash_table_lookup(inodes, key);
    if (!m) {
      m = address_space_new(r->mm, g_ptr_array_index(r->bdis, wp->device),
                            j.offset, j.size);
      g_hash_table_insert(inodes, key, m);
    } else {
      g_free(key);
    }
    g_ptr_array_add(r->files,
                    filemap_open(m, g_ptr_array_index(r->bdis, wp->device),
                                 g_ptr_array_index(r->wbs, wp->device),
                                 max_bio_pages(q), wp->name));
  }
}

/* flush-MAJ:MIN: a kernel thread at nice 0 (be/4 for CFQ), in the root
 * group, with an io_context of its own; after the processes' actors. */
static void add_flushers(sim_run *r) {
  const workload *w = r->w;
  for (guint d = 0; r->mm && d < w->devices->len; d++) {
    bool writes = false;
    for (guint i = 0; i < w->processes->len; i++) {
      const wl_process *wp = g_ptr_array_index(w->processes, i);
      writes |= wp->device == (int)d && !wp->direct && may_write(wp);
    }
    if (!writes)
      continue;
    struct backing_dev_info *bdi = g_ptr_array_index(r->bdis, d);
    struct task *t = g_new0(struct task, 1);
    t->name = g_strdup_printf("flush-%s", bdi->name);
    t->pid = 100 + (int)(w->processes->len + r->flusher_tasks->len);
    t->ioc = ioc_new(t->name, 0);
    ioc_task_link(t->ioc);
    g_ptr_array_add(r->iocs, t->ioc);
    g_ptr_array_add(r->flusher_tasks, t);
    proc *p = proc_flusher_new(r->engine, t, g_ptr_array_index(r->queues, d),
                               g_ptr_array_index(r->wbs, d), r->mm,
                               &page_cache_observer, r);
    g_ptr_array_add(r->flushers, p);
    g_array_append_val(r->flusher_device, d);
  }
  if (r->m)
    metrics_add_submitters(r->m, r->flushers->len);
}

/* Device i's elevator, and for CFQ the slice observer (its context made
 * once) and slices.csv. */
static gboolean attach_elevator(sim_run *r, guint i, GError **err) {
  const wl_device *d = g_ptr_array_index(r->w->devices, i);
  struct request_queue *q = g_ptr_array_index(r->queues, i);
  /* a reset queue keeps an elevator that could be reset */
  if (!q->elevator &&
      !blk_queue_set_elevator(q, d->elevator, d->elevator_cfg, err))
    return FALSE;
  if (d->elevator != &iosched_cfq)
    return TRUE;
  slice_ctx *sc = NULL;
  for (guint k = 0; k < r->slice_ctxs->len && !sc; k++) {
    slice_ctx *c = g_ptr_array_index(r->slice_ctxs, k);
    if (c->device == i)
      sc = c;
  }
  if (!sc) {
    sc = g_new(slice_ctx, 1);
    *sc = (slice_ctx){r, i};
    g_ptr_array_add(r->slice_ctxs, sc);
  }
  cfq_set_slice_observer(q, on_slice, sc);
  if (r->stage && !r->slices) {
    r->slices = outdir_stage_open(r->stage, "slices.csv", err);
    if (!r->slices)
      return FALSE;
    fputs("device,queue,owner,start_ns,end_ns,timed_out,used_jiffies,"
          "dispatched\n",
          r->slices);
  }
  return TRUE;
}

/* The workload's tasks and processes, made or (after sim_run_reset, in
 * their old memory) made again. */
static void add_processes(sim_run *r) {
  const workload *w = r->w;
  bool again = r->procs->len > 0;
  for (guint i = 0; i < w->processes->len; i++) {
    const wl_process *wp = g_ptr_array_index(w->processes, i);
    struct request_queue *q = g_ptr_array_index(r->queues, wp->device);
    struct task *t;
    if (again) {
      /* the same io_context as before (reset, not forgotten): no lookup */
      t = g_ptr_array_index(r->tasks, i);
      *t = (struct task){.name = t->name, .ioc = t->ioc};
    } else {
      t = g_new0(struct task, 1);
      t->name = g_strdup(wp->name);
      t->ioc = find_ioc(r, wp);
      g_ptr_array_add(r->tasks, t);
    }
    t->pid = 100 + (int)i;
    ioc_task_link(t->ioc);
    t->nice = wp->nice;
    if (wp->cgroup >= 0) {
      const wl_cgroup *cg = g_ptr_array_index(w->cgroups, wp->cgroup);
      t->cgroup = cg->name;
      t->cgroup_weight = cg->weight;
    }
    proc_job *job = &r->jobs[i];
    if (!again) {
      *job = job_from(wp, q->disk_ops->capacity(q->disk));
      if (r->mm)
        job->file = g_ptr_array_index(r->files, i);
    }
    /* a process's own seed (fio's randseed), unless --seed says */
    uint64_t seed = wp->has_seed && !r->seed_given ? wp->seed : r->seed;
    r->proc_refs[i] = (proc_ref){r, i, (guint)wp->device, wp->ramp};
    if (again) {
      proc_restart(g_ptr_array_index(r->procs, i), r->engine, t, job, q, seed,
                   io_done, &r->proc_refs[i]);
      continue;
    }
    proc *p = proc_new(r->engine, t, job, q, seed, io_done, &r->proc_refs[i]);
    g_ptr_array_add(r->procs, p);
    g_hash_table_insert(r->proc_index, p, GUINT_TO_POINTER(i + 1));
    if (r->mm)
      proc_set_page_cache(p, r->mm, &page_cache_observer, r);
  }
  for (guint i = 0; i < w->processes->len; i++) {
    const wl_process *wp = g_ptr_array_index(w->processes, i);
    for (guint k = 0; wp->wait_for && k < wp->wait_for->len; k++)
      proc_wait_for(
          g_ptr_array_index(r->procs, i),
          g_ptr_array_index(r->procs, g_array_index(wp->wait_for, guint, k)));
  }
}

sim_run *sim_run_new(const workload *w, const run_options *o, GError **err) {
  static const run_options defaults = RUN_OPTIONS_INIT;
  if (!o)
    o = &defaults;
  sim_run *r = g_new0(sim_run, 1);
  r->w = w;
  r->kernel = w->kernel;
  if (o->variant >= 0)
    r->kernel.cic_link = (cic_link_variant)o->variant;
  r->seed = o->has_seed ? o->seed : w->seed;
  r->seed_given = o->has_seed;
  r->engine = sim_engine_new();
  if (!o->no_metrics || o->out_dir)
    r->m = metrics_new(w->processes->len, w->devices->len, w->window);
  r->row = g_string_new(NULL);
  r->kernel_log = g_string_new(NULL);
  if (!o->no_kernel_log)
    sim_engine_set_printk_hook(r->engine, on_printk, r);
  r->disks = g_ptr_array_new();
  r->queues = g_ptr_array_new();
  r->blktraces = g_ptr_array_new_with_free_func((GDestroyNotify)blktrace_free);
  r->iocs = g_ptr_array_new();
  r->ioc_by_name = g_hash_table_new(g_str_hash, g_str_equal);
  r->tasks = g_ptr_array_new();
  r->procs = g_ptr_array_new();
  r->proc_index = g_hash_table_new(g_direct_hash, g_direct_equal);
  r->proc_refs = g_new0(proc_ref, w->processes->len);
  r->name_at = g_new(gsize, w->processes->len + 1);
  GString *names = g_string_new(NULL);
  for (guint i = 0; i < w->processes->len; i++) {
    r->name_at[i] = names->len;
    g_string_append(
        names, ((const wl_process *)g_ptr_array_index(w->processes, i))->name);
    g_string_append_c(names, '\0');
  }
  r->name_at[w->processes->len] = names->len;
  r->names = g_string_free(names, FALSE);
  r->jobs = g_new0(proc_job, w->processes->len);
  r->slice_start = g_new0(sim_time, w->devices->len);
  r->slice_ctxs = g_ptr_array_new_with_free_func(g_free);
  r->bdis = g_ptr_array_new();
  r->wbs = g_ptr_array_new();
  r->files = g_ptr_array_new();
  r->flushers = g_ptr_array_new();
  r->flusher_tasks = g_ptr_array_new();
  r->flusher_device = g_array_new(FALSE, FALSE, sizeof(guint));
  FILE *trace = o->trace;
  if (o->out_dir) {
    /* Refused here, before the run, if the directory is not ours. */
    r->stage = outdir_stage_new(o->out_dir, OUTDIR_RUN, err);
    FILE *ts =
        r->stage ? outdir_stage_open(r->stage, "timeseries.csv", err) : NULL;
    FILE *fair = ts ? outdir_stage_open(r->stage, "fairness.csv", err) : NULL;
    FILE *lat = fair ? outdir_stage_open(r->stage, "latencies.csv", err) : NULL;
    r->kernel_file =
        lat ? outdir_stage_open(r->stage, "kernel.log", err) : NULL;
    if (o->out_trace && !trace && r->kernel_file)
      trace = outdir_stage_open(r->stage, "trace.log", err);
    if (!r->kernel_file || (o->out_trace && !trace)) {
      sim_run_free(r);
      return NULL;
    }
    r->series = report_series_new(w, r->m, ts, fair, lat);
  }
  if (trace)
    sim_engine_set_trace(r->engine, trace);

  for (guint i = 0; i < w->devices->len; i++) {
    const wl_device *d = g_ptr_array_index(w->devices, i);
    void *disk = d->disk->init(d->disk_cfg, r->engine, err);
    if (!disk) {
      sim_run_free(r);
      return NULL;
    }
    g_ptr_array_add(r->disks, disk);
    int depth = d->depth ? d->depth : d->disk->queue_depth(disk);
    struct request_queue *q =
        blk_queue_new(r->engine, d->name, &r->kernel, d->disk, disk, depth,
                      (uint32_t)(d->max_sectors_kb * 2), d->nomerges, (int)i);
    g_ptr_array_add(r->queues, q);
    if (trace) {
      blktrace *bt = blktrace_new(i);
      g_ptr_array_add(r->blktraces, bt);
      blktrace_attach(bt, q);
      if (r->stage && o->out_trace) {
        /* blkparse -i DIR/sda reads sda.blktrace.0 (one stream, "CPU 0"). */
        g_autofree char *name = g_strdup_printf("%s.blktrace.0", d->name);
        FILE *f = outdir_stage_open(r->stage, name, err);
        if (!f) {
          sim_run_free(r);
          return NULL;
        }
        blktrace_set_output(bt, f);
      }
    }
    if (!attach_elevator(r, i, err)) {
      sim_run_free(r);
      return NULL;
    }
  }

  build_page_cache(r);
  add_processes(r);
  add_flushers(r);

  if (o->policy) {
    sim_engine_set_policy(r->engine, o->policy, o->policy_ctx);
  } else if (o->random_interleaving) {
    r->il = interleave_new_random(r->seed);
    interleave_attach(r->il, r->engine);
  } else {
    switch (w->policy) {
    case INTERLEAVE_FIFO: r->il = interleave_new_fifo(); break;
    case INTERLEAVE_SCRIPT:
      r->il = interleave_new_script((const sched_entry *)w->schedule->data,
                                    w->schedule->len, w->file);
      break;
    case INTERLEAVE_RANDOM: r->il = interleave_new_random(r->seed); break;
    }
    interleave_attach(r->il, r->engine);
  }
  return r;
}

gboolean sim_run_reset(sim_run *r, const sim_policy_ops *policy,
                       void *policy_ctx, GError **err) {
  if (r->ran || r->stage || r->mm || r->blktraces->len || r->il ||
      r->io_observers || sim_tracing(r->engine))
    return FALSE;
  /* Everything that holds timers first, the engine last (it forgets the
   * pending events). */
  for (guint i = 0; i < r->procs->len; i++)
    proc_reset(g_ptr_array_index(r->procs, i));
  for (guint i = 0; i < r->queues->len; i++) {
    const wl_device *d = g_ptr_array_index(r->w->devices, i);
    void *disk = g_ptr_array_index(r->disks, i);
    if (d->disk->reset) {
      blk_queue_reset(g_ptr_array_index(r->queues, i), disk);
      d->disk->reset(disk);
      continue;
    }
    disk = d->disk->init(d->disk_cfg, r->engine, err);
    if (!disk)
      return FALSE;
    blk_queue_reset(g_ptr_array_index(r->queues, i), disk);
    d->disk->free(g_ptr_array_index(r->disks, i));
    g_ptr_array_index(r->disks, i) = disk;
  }
  /* the processes keep theirs (add_processes) */
  for (guint i = 0; i < r->iocs->len; i++)
    ioc_reset(g_ptr_array_index(r->iocs, i));
  if (r->m) {
    metrics_free(r->m);
    r->m = metrics_new(r->w->processes->len, r->w->devices->len, r->w->window);
  }
  sim_engine_reset(r->engine);
  memset(r->slice_start, 0, r->w->devices->len * sizeof(sim_time));
  g_string_truncate(r->kernel_log, 0);
  r->kernel_log_kept = 0;
  r->kernel_log_more = 0;
  for (guint i = 0; i < r->queues->len; i++)
    if (!attach_elevator(r, i, err))
      return FALSE;
  add_processes(r);
  sim_engine_set_policy(r->engine, policy, policy_ctx);
  return TRUE;
}

static char *format_ms(sim_time t) {
  return g_strdup_printf("%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT " ms",
                         t / SIM_MS, t % SIM_MS);
}

/* Who sleeps where, since when, and why nothing will wake them. */
static char *hang_report(sim_run *r) {
  GString *s = g_string_new("hang: nothing left that could wake:\n");
  guint n = r->procs->len;
  for (guint i = 0; i < n + r->flushers->len; i++) {
    proc *p = i < n ? g_ptr_array_index(r->procs, i)
                    : g_ptr_array_index(r->flushers, i - n);
    sim_actor *a = proc_task(p)->actor;
    if (sim_actor_get_state(a) == SIM_ACTOR_DONE)
      continue;
    int dev = i < n
                  ? ((const wl_process *)g_ptr_array_index(r->w->processes, i))
                        ->device
                  : (int)g_array_index(r->flusher_device, guint, i - n);
    struct request_queue *q = g_ptr_array_index(r->queues, dev);
    char *since = format_ms(sim_actor_since(a));
    if (sim_actor_waitq(a)) {
      bool sync = g_str_has_suffix(sim_actor_waitq(a), "[SYNC]");
      char *last = format_ms(q->last_freed[sync]);
      g_string_append_printf(
          s,
          "  %s asleep in get_request_wait on %s %s since %s\n"
          "    requests in flight on %s: %d, queued in the elevator: %d,"
          " rl->count = {%d, %d}\n"
          "    last freed_request of that class: %s%s\n",
          sim_actor_name(a), q->name, sim_actor_waitq(a), since, q->name,
          q->dev_in_flight, q->nr_sorted, q->rl.count[0], q->rl.count[1],
          q->last_freed[sync] >= 0 ? last : "never",
          q->last_freed[sync] >= 0 && q->last_freed[sync] <= sim_actor_since(a)
              ? " (before it slept)"
              : "");
      g_free(last);
    } else {
      g_string_append_printf(s, "  %s blocked before `%s` since %s\n",
                             sim_actor_name(a), sim_actor_next_step(a), since);
    }
    g_free(since);
  }
  g_string_append(s, "  pending events: none\noutcome: hang\n");
  return g_string_free(s, FALSE);
}

/* Each CFQ queue's disk time goes to the processes that used it: the ones
 * sharing its creator's io_context on that device, in equal parts; a
 * flusher's queues are its own.  The slice still open at the end counts as
 * far as it went.  Processes first, then the flushers. */
static int64_t *cfq_disk_times(sim_run *r) {
  guint n = r->w->processes->len;
  int64_t *t = g_new0(int64_t, n + r->flushers->len);
  /* The processes behind each (device, io_context), in process order,
   * found once: looking them up for every queue was quadratic in the
   * processes.  The tables are only looked up, never walked. */
  GHashTable **sharing = g_new0(GHashTable *, r->queues->len);
  for (guint dev = 0; dev < r->queues->len; dev++)
    sharing[dev] = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                         (GDestroyNotify)g_array_unref);
  for (guint i = 0; i < n; i++) {
    const wl_process *wp = g_ptr_array_index(r->w->processes, i);
    struct io_context *ioc =
        ((struct task *)g_ptr_array_index(r->tasks, i))->ioc;
    GArray *a = g_hash_table_lookup(sharing[wp->device], ioc);
    if (!a) {
      a = g_array_new(FALSE, FALSE, sizeof(guint));
      g_hash_table_insert(sharing[wp->device], ioc, a);
    }
    g_array_append_val(a, i);
  }
  for (guint dev = 0; dev < r->queues->len; dev++) {
    struct request_queue *q = g_ptr_array_index(r->queues, dev);
    if (q->elevator != &iosched_cfq)
      continue;
    cfq_slice_event open;
    bool is_open = cfq_open_slice(q, &open);
    for (guint k = 0; k < cfq_queue_count(q); k++) {
      cfq_queue_info info;
      cfq_queue_get_info(q, k, &info);
      if (is_open && info.queue_id == open.queue_id)
        info.disk_time += open.used;
      guint owner = (guint)(info.pid - 100);
      if (owner >= n) {
        if (owner - n < r->flushers->len)
          t[owner] += info.disk_time * q->tick_ns;
        continue;
      }
      struct io_context *ioc =
          ((struct task *)g_ptr_array_index(r->tasks, owner))->ioc;
      GArray *a = g_hash_table_lookup(sharing[dev], ioc);
      for (guint j = 0; a && j < a->len; j++)
        t[g_array_index(a, guint, j)] += info.disk_time * q->tick_ns / a->len;
    }
  }
  for (guint dev = 0; dev < r->queues->len; dev++)
    g_hash_table_destroy(sharing[dev]);
  g_free(sharing);
  return t;
}

sim_time sim_run_limit(const workload *w) {
  if (w->duration > 0)
    return w->duration;
  int64_t windows = WORKLOAD_MAX_TIMESERIES_CELLS / MAX(w->processes->len, 1);
  return w->window > G_MAXINT64 / windows ? -1 : w->window * windows;
}

sim_outcome sim_run_go(sim_run *r, GError **err) {
  g_assert(!r->ran);
  r->ran = true;
  sim_outcome o = sim_engine_run(r->engine, sim_run_limit(r->w), err);
  if (o == SIM_TIME_LIMIT && r->w->duration == 0) {
    g_autofree char *t = units_format_time(sim_now(r->engine));
    g_autofree char *win = units_format_time(r->w->window);
    g_set_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_INVALID,
                "%s: still running after %s of simulated time, as many "
                "timeseries windows of %s as %u processes may fill: give the "
                "workload a duration, or a wider timeseries.window",
                r->w->file, t, win, r->w->processes->len);
    o = SIM_ERROR;
  }
  run_result *res = &r->result;
  res->w = r->w;
  res->variant = cic_link_variant_name(r->kernel.cic_link);
  res->seed = r->seed;
  res->kernel_log = g_strdup(r->kernel_log->str);
  res->kernel_log_more = r->kernel_log_more;
  res->outcome = o;
  res->sim_time = sim_now(r->engine);
  res->events = sim_events(r->engine);
  res->m = r->m;
  res->proc_state = g_new0(proc_final_state, r->procs->len);
  res->unfinished_wait_ns = g_new0(int64_t, r->procs->len);
  for (guint i = 0; i < r->procs->len; i++) {
    proc *p = g_ptr_array_index(r->procs, i);
    sim_actor *a = proc_task(p)->actor;
    sim_time oldest = proc_oldest_in_flight(p);
    if (oldest >= 0)
      res->unfinished_wait_ns[i] = res->sim_time - oldest;
    res->proc_state[i] = proc_finished(p)                        ? PROC_DONE
                         : (o == SIM_HANG && sim_actor_waitq(a)) ? PROC_HUNG
                                                                 : PROC_RUNNING;
  }
  for (guint i = 0; i < r->queues->len; i++) {
    struct request_queue *q = g_ptr_array_index(r->queues, i);
    if (!r->m)
      continue;
    metrics_set_device_busy(r->m, i, q->disk_ops->busy_time(q->disk));
    metrics_set_device_commands(r->m, i, q->stats.completed);
  }
  res->page_cache = r->mm != NULL;
  res->n_flushers = r->flushers->len;
  res->flusher_names = g_new0(char *, r->flushers->len + 1);
  res->flusher_device = g_new0(int, MAX(r->flushers->len, 1));
  res->flusher_state = g_new0(proc_final_state, MAX(r->flushers->len, 1));
  for (guint k = 0; k < r->flushers->len; k++) {
    proc *p = g_ptr_array_index(r->flushers, k);
    res->flusher_names[k] = g_strdup(proc_task(p)->name);
    res->flusher_device[k] = (int)g_array_index(r->flusher_device, guint, k);
    res->flusher_state[k] = proc_finished(p) ? PROC_DONE : PROC_RUNNING;
  }
  if (o == SIM_HANG)
    res->hang_report = hang_report(r);
  /* No expiry ends the last slice of a device: the end of the run does,
   * or the process holding the disk then would be missing from the
   * timeline and its disk time. */
  for (guint i = 0; i < r->slice_ctxs->len; i++) {
    slice_ctx *sc = g_ptr_array_index(r->slice_ctxs, i);
    cfq_slice_event open;
    if (cfq_open_slice(g_ptr_array_index(r->queues, sc->device), &open))
      on_slice(sc, &open);
  }
  if (r->slice_ctxs->len)
    res->disk_time_ns = cfq_disk_times(r);
  if (r->m)
    metrics_finish(r->m, res->sim_time);
  return o;
}

const run_result *sim_run_result(sim_run *r) {
  return r->ran ? &r->result : NULL;
}
sim_engine *sim_run_engine(sim_run *r) { return r->engine; }
struct request_queue *sim_run_queue(sim_run *r, guint device) {
  return g_ptr_array_index(r->queues, device);
}

/* Nothing reaches the streams once the run is over: freeing the queues
 * still makes CFQ log its queues' release. */
static void stop_streams(sim_run *r) {
  report_series_flush(r->series);
  for (guint i = 0; i < r->queues->len; i++)
    if (i < r->blktraces->len)
      blk_set_observer(g_ptr_array_index(r->queues, i), NULL, NULL);
  sim_engine_set_trace(r->engine, NULL);
  r->slices = NULL;
  r->kernel_file = NULL;
}

gboolean sim_run_write(sim_run *r, GHashTable *extra_files, FILE *out,
                       GError **err) {
  g_return_val_if_fail(r->ran && r->stage != NULL, FALSE);
  stop_streams(r);
  return report_finish(&r->result, r->stage, extra_files, out, err);
}

GBytes *sim_run_blktrace(sim_run *r, guint device) {
  if (device >= r->blktraces->len)
    return NULL;
  return blktrace_bytes(g_ptr_array_index(r->blktraces, device));
}

void sim_run_fingerprint(sim_run *r, fingerprint *fp) {
  sim_engine_fingerprint(r->engine, fp);
  /* Process i is actor i (the flushers come after them). */
  for (guint i = 0; i < r->procs->len; i++)
    proc_fingerprint(g_ptr_array_index(r->procs, fingerprint_actor_at(fp, i)),
                     fp);
  for (guint i = 0; i < r->flushers->len; i++)
    proc_fingerprint(g_ptr_array_index(r->flushers, i), fp);
  if (r->mm)
    pagecache_fingerprint(r->mm, fp);
  for (guint i = 0; i < r->wbs->len; i++)
    bdi_writeback_fingerprint(g_ptr_array_index(r->wbs, i), fp);
  for (guint i = 0; i < r->iocs->len; i++)
    ioc_fingerprint(g_ptr_array_index(r->iocs, i), fp);
  for (guint i = 0; i < r->queues->len; i++) {
    struct request_queue *q = g_ptr_array_index(r->queues, i);
    blk_fingerprint(q, fp);
    if (q->elevator->ops.elevator_fingerprint_fn)
      q->elevator->ops.elevator_fingerprint_fn(q, fp);
    if (q->disk_ops->fingerprint)
      q->disk_ops->fingerprint(q->disk, fp);
  }
}

void sim_run_free(sim_run *r) {
  if (!r)
    return;
  if (r->stage) {
    stop_streams(r);
    outdir_stage_free(r->stage); /* unless written: nothing left behind */
  }
  report_series_free(r->series);
  g_string_free(r->row, TRUE);
  for (guint i = 0; i < r->procs->len; i++)
    proc_free(g_ptr_array_index(r->procs, i));
  for (guint i = 0; i < r->flushers->len; i++)
    proc_free(g_ptr_array_index(r->flushers, i));
  for (guint i = 0; i < r->queues->len; i++)
    blk_queue_free(g_ptr_array_index(r->queues, i));
  for (guint i = 0; i < r->files->len; i++)
    filemap_close(g_ptr_array_index(r->files, i));
  for (guint i = 0; i < r->wbs->len; i++)
    bdi_writeback_free(g_ptr_array_index(r->wbs, i));
  for (guint i = 0; i < r->bdis->len; i++)
    bdi_free(g_ptr_array_index(r->bdis, i));
  pagecache_free(r->mm);
  for (guint i = 0; i < r->flusher_tasks->len; i++) {
    struct task *t = g_ptr_array_index(r->flusher_tasks, i);
    g_free(t->name);
    g_free(t);
  }
  g_ptr_array_free(r->files, TRUE);
  g_ptr_array_free(r->wbs, TRUE);
  g_ptr_array_free(r->bdis, TRUE);
  g_ptr_array_free(r->flushers, TRUE);
  g_ptr_array_free(r->flusher_tasks, TRUE);
  g_array_free(r->flusher_device, TRUE);
  for (guint i = 0; i < r->disks->len; i++) {
    const wl_device *d = g_ptr_array_index(r->w->devices, i);
    d->disk->free(g_ptr_array_index(r->disks, i));
  }
  for (guint i = 0; i < r->tasks->len; i++) {
    struct task *t = g_ptr_array_index(r->tasks, i);
    g_free(t->name);
    g_free(t);
  }
  for (guint i = 0; i < r->iocs->len; i++)
    ioc_free(g_ptr_array_index(r->iocs, i));
  g_ptr_array_free(r->iocs, TRUE);
  g_hash_table_destroy(r->ioc_by_name);
  g_ptr_array_free(r->tasks, TRUE);
  g_ptr_array_free(r->procs, TRUE);
  g_ptr_array_free(r->queues, TRUE);
  g_ptr_array_free(r->blktraces, TRUE); /* after the queues: they report */
  g_ptr_array_free(r->disks, TRUE);
  g_hash_table_destroy(r->proc_index);
  g_free(r->proc_refs);
  g_free(r->names);
  g_free(r->name_at);
  for (guint i = 0; r->jobs && i < r->w->processes->len; i++)
    job_clear(&r->jobs[i]);
  g_free(r->jobs);
  metrics_free(r->m);
  if (r->il)
    interleave_free(r->il);
  sim_engine_free(r->engine);
  g_free(r->result.proc_state);
  g_free(r->result.unfinished_wait_ns);
  g_free(r->result.hang_report);
  g_free(r->result.disk_time_ns);
  g_strfreev(r->result.flusher_names);
  g_free(r->result.flusher_device);
  g_free(r->result.flusher_state);
  g_free(r->result.kernel_log);
  g_string_free(r->kernel_log, TRUE);
  g_free(r->slice_start);
  g_ptr_array_free(r->slice_ctxs, TRUE);
  if (r->io_observers)
    g_array_free(r->io_observers, TRUE);
  g_free(r);
}
