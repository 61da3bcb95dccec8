/* The outputs of a run (README, "Using it").  Everything is rendered from
 * the workload (in its declared order) and the metrics, never from hash
 * tables, and numbers go through g_ascii_* so that neither locale nor
 * memory layout can change a byte of the output. */
#include "sim/report.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "models/ioc.h"
#include "sim/outdir.h"

#define MIB (1024.0 * 1024.0)

/* ---- small formatting helpers ---- */

static const char *outcome_str(sim_outcome o) {
  switch (o) {
  case SIM_COMPLETED: return "completed";
  case SIM_HANG: return "hang";
  case SIM_TIME_LIMIT: return "time_limit";
  case SIM_STOPPED: return "stopped";
  case SIM_ERROR: return "error";
  }
  return "unknown";
}

static proc_final_state proc_state(const run_result *r, guint i) {
  return r->proc_state ? r->proc_state[i] : PROC_RUNNING;
}

static const char *state_str(proc_final_state s) {
  switch (s) {
  case PROC_DONE: return "done";
  case PROC_HUNG: return "hung";
  case PROC_RUNNING: return "running";
  }
  return "unknown";
}

static const wl_process *proc_at(const run_result *r, guint i) {
  return g_ptr_array_index(r->w->processes, i);
}

static const char *device_name(const run_result *r, int dev) {
  if (dev < 0 || (guint)dev >= r->w->devices->len)
    return "?";
  return ((const wl_device *)g_ptr_array_index(r->w->devices, dev))->name;
}

static const char *cgroup_name(const run_result *r, int cg) {
  if (cg < 0 || !r->w->cgroups || (guint)cg >= r->w->cgroups->len)
    return "root";
  return ((const wl_cgroup *)g_ptr_array_index(r->w->cgroups, cg))->name;
}

/* A process without an explicit class runs as best-effort at a level taken
 * from its nice value; show both so "none" is not mistaken for a class. */
static char *ioprio_str(const wl_process *p) {
  switch (p->ioprio_class) {
  case IOPRIO_CLASS_RT: return g_strdup_printf("rt/%d", p->ioprio_level);
  case IOPRIO_CLASS_BE: return g_strdup_printf("be/%d", p->ioprio_level);
  case IOPRIO_CLASS_IDLE: return g_strdup("idle");
  default: break;
  }
  int lvl = CLAMP((p->nice + 20) / 5, 0, IOPRIO_BE_NR - 1);
  return g_strdup_printf("none(be/%d)", lvl);
}

static double seconds(sim_time t) { return (double)t / (double)SIM_S; }

static double per_second(double x, sim_time t) {
  return t > 0 ? x / seconds(t) : 0.0;
}

/* Locale-independent "%.Nf"-style text into a fresh string. */
static char *fmt(const char *format, double v) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup(g_ascii_formatd(buf, sizeof buf, format, v));
}

/* CSV numbers: integers when integral, else %.6g. */
static void csv_num(GString *s, double v) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (v == floor(v) && fabs(v) < 9007199254740992.0)
    g_string_append_printf(s, "%" G_GINT64_FORMAT, (gint64)v);
  else
    g_string_append(s, g_ascii_formatd(buf, sizeof buf, "%.6g", v));
}

char *report_format_uint64(char *end, uint64_t v) {
  do {
    *--end = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return end;
}

char *report_format_int64(char *end, int64_t v) {
  /* 0 - (uint64_t)v: INT64_MIN has no positive int64_t */
  char *p = report_format_uint64(end, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
  if (v < 0)
    *--p = '-';
  return p;
}

void report_csv_field(GString *s, const char *f) {
  if (!strpbrk(f, ",\"\r\n")) {
    g_string_append(s, f);
    return;
  }
  g_string_append_c(s, '"');
  for (const char *c = f; *c; c++) {
    if (*c == '"')
      g_string_append_c(s, '"');
    g_string_append_c(s, *c);
  }
  g_string_append_c(s, '"');
}

/* ---- summary.txt ---- */

/* Column-aligned text table; `align` has one 'l' or 'r' per column.  The
 * cells lie end to end in one buffer: with thousands of processes a string
 * of its own each was a cache miss each when the table was rendered. */
typedef struct text_table {
  guint ncols;
  const char *align;
  GString *text; /* the cells, row-major, each ending in a NUL */
  GArray *at;    /* guint: where each cell starts in text */
  guint *width;  /* per column: its widest cell, in characters */
} text_table;

static void table_init(text_table *t, guint ncols, const char *align) {
  t->ncols = ncols;
  t->align = align;
  t->text = g_string_new(NULL);
  t->at = g_array_new(FALSE, FALSE, sizeof(guint));
  t->width = g_new0(guint, ncols);
}

/* Takes ownership of `cell`. */
static void table_add(text_table *t, char *cell) {
  guint c = t->at->len % t->ncols;
  guint at = (guint)t->text->len;
  g_array_append_val(t->at, at);
  g_string_append_len(t->text, cell, (gssize)strlen(cell) + 1);
  t->width[c] = MAX(t->width[c], (guint)g_utf8_strlen(cell, -1));
  g_free(cell);
}

static void table_render(text_table *t, GString *out) {
  g_assert(t->at->len % t->ncols == 0);
  guint rows = t->at->len / t->ncols;
  GString *line = g_string_new(NULL);
  for (guint r = 0; r < rows; r++) {
    g_string_assign(line, "  ");
    for (guint c = 0; c < t->ncols; c++) {
      const char *cell =
          t->text->str + g_array_index(t->at, guint, r * t->ncols + c);
      guint pad = t->width[c] - (guint)g_utf8_strlen(cell, -1);
      if (c > 0)
        g_string_append(line, "  ");
      if (t->align[c] == 'r')
        for (guint k = 0; k < pad; k++)
          g_string_append_c(line, ' ');
      g_string_append(line, cell);
      if (t->align[c] != 'r' && c + 1 < t->ncols)
        for (guint k = 0; k < pad; k++)
          g_string_append_c(line, ' ');
    }
    while (line->len > 0 && line->str[line->len - 1] == ' ')
      g_string_truncate(line, line->len - 1);
    g_string_append_len(out, line->str, (gssize)line->len);
    g_string_append_c(out, '\n');
  }
  g_string_free(line, TRUE);
  g_free(t->width);
  g_array_unref(t->at);
  g_string_free(t->text, TRUE);
}

static char *hung_names(const run_result *r) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < r->w->processes->len; i++) {
    if (proc_state(r, i) != PROC_HUNG)
      continue;
    if (s->len)
      g_string_append(s, ", ");
    g_string_append(s, proc_at(r, i)->name);
  }
  return g_string_free(s, FALSE);
}

/* Submitter k of the device view: a process, then a flusher. */
static const char *submitter_name(const run_result *r, guint k) {
  guint n = r->w->processes->len;
  return k < n ? proc_at(r, k)->name : r->flusher_names[k - n];
}

static int submitter_device(const run_result *r, guint k) {
  guint n = r->w->processes->len;
  return k < n ? proc_at(r, k)->device : r->flusher_device[k - n];
}

/* What each task, the flushers too, had the block layer do. */
static void device_view_table(const run_result *r, GString *s) {
  g_string_append(s, "\ndevice view (block I/O each task submitted: direct "
                     "I/O, readahead, fsync and the flushers' writeback)\n");
  const char *h[] = {"name",  "device",  "ios",    "MiB",
                     "MiB/s", "mean ms", "p99 ms", "disk ms"};
  guint ncols = r->disk_time_ns ? G_N_ELEMENTS(h) : G_N_ELEMENTS(h) - 1;
  text_table t;
  table_init(&t, ncols, "llrrrrrr");
  for (guint c = 0; c < ncols; c++)
    table_add(&t, g_strdup(h[c]));
  guint total = r->w->processes->len + r->n_flushers;
  for (guint k = 0; k < total; k++) {
    uint64_t bytes = metrics_submitter_bytes(r->m, k);
    latency_summary l = metrics_submitter_latency(r->m, k);
    table_add(&t, g_strdup(submitter_name(r, k)));
    table_add(&t, g_strdup(device_name(r, submitter_device(r, k))));
    table_add(&t, g_strdup_printf("%" G_GUINT64_FORMAT,
                                  metrics_submitter_ios(r->m, k)));
    table_add(&t, fmt("%.3f", (double)bytes / MIB));
    table_add(&t, fmt("%.3f", per_second((double)bytes / MIB, r->sim_time)));
    table_add(&t, fmt("%.3f", l.mean / (double)SIM_MS));
    table_add(&t, fmt("%.3f", (double)l.p99 / (double)SIM_MS));
    if (r->disk_time_ns)
      table_add(&t, fmt("%.1f", (double)r->disk_time_ns[k] / (double)SIM_MS));
  }
  table_render(&t, s);
}

char *report_summary(const run_result *r) {
  g_return_val_if_fail(r != NULL && r->w != NULL && r->m != NULL, NULL);
  const workload *w = r->w;
  GString *s = g_string_new(NULL);

  char *ms = fmt("%.6f", (double)r->sim_time / (double)SIM_MS);
  g_string_append_printf(
      s, "workload  %s (seed %" G_GUINT64_FORMAT ", variant %s)\n", w->name,
      r->seed, r->variant ? r->variant : "?");
  g_string_append_printf(
      s,
      "outcome   %s after %s ms of simulated time, %" G_GUINT64_FORMAT
      " events\n",
      outcome_str(r->outcome), ms, r->events);
  g_free(ms);
  char *hung = hung_names(r);
  if (*hung)
    g_string_append_printf(s, "hung      %s\n", hung);
  g_free(hung);

  bool views = r->page_cache;
  g_string_append(s, views ? "\nprocesses (application view: the read() and "
                             "write() calls of buffered jobs, the I/Os of "
                             "direct ones)\n"
                           : "\nprocesses\n");
  const char *ph[] = {"name",   "ioc",    "cgroup", "ioprio",      "device",
                      "state",  "MiB",    "IOPS",   "MiB/s",       "mean ms",
                      "p50 ms", "p99 ms", "max ms", "read hits %", "fsyncs"};
  guint ncols = views ? G_N_ELEMENTS(ph) : G_N_ELEMENTS(ph) - 2;
  text_table t;
  table_init(&t, ncols, "llllllrrrrrrrrr");
  for (guint c = 0; c < ncols; c++)
    table_add(&t, g_strdup(ph[c]));
  for (guint i = 0; i < w->processes->len; i++) {
    const wl_process *p = proc_at(r, i);
    uint64_t bytes = metrics_proc_bytes(r->m, i);
    uint64_t ios = metrics_proc_ios(r->m, i);
    latency_summary l = metrics_proc_latency(r->m, i);
    table_add(&t, g_strdup(p->name));
    table_add(&t, g_strdup(p->ioc ? p->ioc : "-"));
    table_add(&t, g_strdup(cgroup_name(r, p->cgroup)));
    table_add(&t, ioprio_str(p));
    table_add(&t, g_strdup(device_name(r, p->device)));
    table_add(&t, g_strdup(state_str(proc_state(r, i))));
    table_add(&t, fmt("%.3f", (double)bytes / MIB));
    table_add(&t, fmt("%.1f", per_second((double)ios, r->sim_time)));
    table_add(&t, fmt("%.3f", per_second((double)bytes / MIB, r->sim_time)));
    table_add(&t, fmt("%.3f", l.mean / (double)SIM_MS));
    table_add(&t, fmt("%.3f", (double)l.p50 / (double)SIM_MS));
    table_add(&t, fmt("%.3f", (double)l.p99 / (double)SIM_MS));
    table_add(&t, fmt("%.3f", (double)l.max / (double)SIM_MS));
    if (views) {
      uint64_t reads = metrics_proc_reads(r->m, i);
      table_add(&t, reads == 0
                        ? g_strdup("-")
                        : fmt("%.1f",
                              100.0 * (double)metrics_proc_cache_hits(r->m, i) /
                                  (double)reads));
      table_add(&t, g_strdup_printf("%" G_GUINT64_FORMAT,
                                    metrics_proc_fsyncs(r->m, i)));
    }
  }
  table_render(&t, s);

  if (views)
    device_view_table(r, s);

  g_string_append(s, views ? "\ndevices (device view)\n" : "\ndevices\n");
  const char *dh[] = {"name", "MiB",    "ios",      "MiB/s",
                      "IOPS", "util %", "commands", "cmd/s"};
  table_init(&t, G_N_ELEMENTS(dh), "lrrrrrrr");
  for (guint c = 0; c < G_N_ELEMENTS(dh); c++)
    table_add(&t, g_strdup(dh[c]));
  for (guint d = 0; d < w->devices->len; d++) {
    uint64_t bytes = metrics_device_bytes(r->m, d);
    uint64_t ios = metrics_device_ios(r->m, d);
    sim_time busy = metrics_device_busy(r->m, d);
    table_add(&t, g_strdup(device_name(r, (int)d)));
    table_add(&t, fmt("%.3f", (double)bytes / MIB));
    table_add(&t, g_strdup_printf("%" G_GUINT64_FORMAT, ios));
    table_add(&t, fmt("%.3f", per_second((double)bytes / MIB, r->sim_time)));
    table_add(&t, fmt("%.1f", per_second((double)ios, r->sim_time)));
    table_add(&t, fmt("%.1f", r->sim_time > 0
                                  ? 100.0 * (double)busy / (double)r->sim_time
                                  : 0.0));
    uint64_t cmds = metrics_device_commands(r->m, d);
    table_add(&t, g_strdup_printf("%" G_GUINT64_FORMAT, cmds));
    table_add(&t, fmt("%.1f", per_second((double)cmds, r->sim_time)));
  }
  table_render(&t, s);
  g_string_append(s, "  (ios, IOPS: application I/Os; commands: what the "
                     "device executed)\n");

  char *jain = fmt("%.4f", metrics_jain(r->m));
  g_string_append_printf(s, "\nfairness  Jain's index %s over %u processes%s\n",
                         jain, w->processes->len,
                         views ? " (application view: bytes of their calls)"
                               : "");
  g_free(jain);

  /* Before the hang report: the message says why the sleeper sleeps. */
  if (r->kernel_log && *r->kernel_log) {
    g_string_append(s, "\nkernel log\n");
    char **lines = g_strsplit(r->kernel_log, "\n", -1);
    for (guint i = 0; lines[i]; i++)
      if (*lines[i])
        g_string_append_printf(s, "  %s\n", lines[i]);
    g_strfreev(lines);
    if (r->kernel_log_more)
      g_string_append_printf(
          s, "  (and %" G_GUINT64_FORMAT " more lines in kernel.log)\n",
          r->kernel_log_more);
  }

  if (r->hang_report && *r->hang_report) {
    g_string_append(s, "\nhang report\n");
    g_string_append(s, r->hang_report);
    if (s->str[s->len - 1] != '\n')
      g_string_append_c(s, '\n');
  }
  return g_string_free(s, FALSE);
}

/* ---- fairness: shares against the ideal, Jain per window ----
 *
 * The ideal share of a process is what CFQ 3.2 would give it if every
 * process on its device stayed busy: cgroups split the device by weight
 * (root group 1000), and inside a group the processes of the highest class
 * present (RT, then BE, then IDLE) split it by their default sync slice,
 * 100 + 20 * (4 - level) ms (docs/model.md, "Slice length"); processes
 * sharing one io_context share one cfqq, so they split that queue's slice
 * equally.  Throughput shares are a process's bytes over all bytes on its
 * device.  Processes that finish early naturally fall below their ideal:
 * compare under load. */

#define ROOT_GROUP_WEIGHT 1000

static int effective_class(const wl_process *p) {
  return p->ioprio_class == IOPRIO_CLASS_NONE ? IOPRIO_CLASS_BE
                                              : p->ioprio_class;
}

static int effective_level(const wl_process *p) {
  if (p->ioprio_class == IOPRIO_CLASS_NONE)
    return CLAMP((p->nice + 20) / 5, 0, IOPRIO_BE_NR - 1);
  return p->ioprio_level;
}

static int group_weight(const run_result *r, int cg) {
  if (cg < 0 || !r->w->cgroups || (guint)cg >= r->w->cgroups->len)
    return ROOT_GROUP_WEIGHT;
  return ((const wl_cgroup *)g_ptr_array_index(r->w->cgroups, cg))->weight;
}

/* Class rank: lower is served first. */
static int class_rank(int cls) {
  return cls == IOPRIO_CLASS_RT ? 0 : cls == IOPRIO_CLASS_BE ? 1 : 2;
}

/* The partitions the ideal share needs: processes by device, by group on a
 * device, by CFQ queue (device, group, io_context). */
typedef int (*proc_cmp)(const wl_process *a, const wl_process *b);

static int cmp_int(int a, int b) { return (a > b) - (a < b); }

static int cmp_device(const wl_process *a, const wl_process *b) {
  return cmp_int(a->device, b->device);
}

static int cmp_group(const wl_process *a, const wl_process *b) {
  int c = cmp_device(a, b);
  return c ? c : cmp_int(a->cgroup, b->cgroup);
}

static int cmp_queue(const wl_process *a, const wl_process *b) {
  int c = cmp_group(a, b);
  return c ? c : g_strcmp0(a->ioc, b->ioc);
}

typedef struct {
  const run_result *r;
  proc_cmp cmp;
} order_ctx;

static gint order_by(gconstpointer a, gconstpointer b, gpointer data) {
  const order_ctx *c = data;
  return c->cmp(proc_at(c->r, *(const guint *)a),
                proc_at(c->r, *(const guint *)b));
}

/* id[i]: a dense number of process i's class under `cmp`, equal processes
 * sharing it; *n_ids classes.  One sort, then one pass: O(n log n), where
 * comparing every process with every other one made thousands of processes
 * take minutes. */
static guint *class_ids(const run_result *r, proc_cmp cmp, guint *n_ids) {
  guint n = r->w->processes->len;
  GArray *order = g_array_sized_new(FALSE, FALSE, sizeof(guint), n);
  for (guint i = 0; i < n; i++)
    g_array_append_val(order, i);
  order_ctx c = {r, cmp};
  g_array_sort_with_data(order, order_by, &c);
  guint *id = g_new0(guint, MAX(n, 1));
  guint next = 0;
  for (guint k = 0; k < n; k++) {
    guint i = g_array_index(order, guint, k);
    if (k > 0 &&
        cmp(proc_at(r, g_array_index(order, guint, k - 1)), proc_at(r, i)) != 0)
      next++;
    id[i] = next;
  }
  *n_ids = n ? next + 1 : 0;
  g_array_unref(order);
  return id;
}

/* Every process's ideal share (see above), in three linear passes over the
 * processes once the classes are known.  Sums run in process order, as the
 * definition reads, so that the figures do not depend on the sort. */
static double *ideal_shares(const run_result *r) {
  guint n = r->w->processes->len, n_dev, n_grp, n_queue;
  g_autofree guint *dev = class_ids(r, cmp_device, &n_dev);
  g_autofree guint *grp = class_ids(r, cmp_group, &n_grp);
  g_autofree guint *queue = class_ids(r, cmp_queue, &n_queue);
  g_autofree double *total_w = g_new0(double, MAX(n_dev, 1));
  g_autofree gboolean *weighed = g_new0(gboolean, MAX(n_grp, 1));
  g_autofree int *best_rank = g_new(int, MAX(n_grp, 1));
  g_autofree double *slice_sum = g_new0(double, MAX(n_grp, 1));
  g_autofree guint *sharers = g_new0(guint, MAX(n_queue, 1));
  g_autofree double *slice = g_new0(double, MAX(n, 1));
  double *share = g_new0(double, MAX(n, 1));
  for (guint g = 0; g < n_grp; g++)
    best_rank[g] = 3;

  /* The weights of the groups present on each device; the best class in
   * each group; the processes behind each cfqq. */
  for (guint i = 0; i < n; i++) {
    const wl_process *p = proc_at(r, i);
    if (!weighed[grp[i]]) {
      weighed[grp[i]] = TRUE;
      total_w[dev[i]] += group_weight(r, p->cgroup);
    }
    best_rank[grp[i]] = MIN(best_rank[grp[i]], class_rank(effective_class(p)));
    if (p->ioc)
      sharers[queue[i]]++;
  }
  /* Sharers of one io_context split their queue's slice. */
  for (guint i = 0; i < n; i++) {
    const wl_process *p = proc_at(r, i);
    guint m = p->ioc ? sharers[queue[i]] : 0;
    slice[i] = (100.0 + 20.0 * (4 - effective_level(p))) / MAX(m, 1);
    if (class_rank(effective_class(p)) == best_rank[grp[i]])
      slice_sum[grp[i]] += slice[i];
  }
  for (guint i = 0; i < n; i++) {
    const wl_process *p = proc_at(r, i);
    guint g = grp[i];
    if (class_rank(effective_class(p)) != best_rank[g] || total_w[dev[i]] <= 0)
      continue;
    share[i] = group_weight(r, p->cgroup) / total_w[dev[i]] *
               (slice_sum[g] > 0 ? slice[i] / slice_sum[g] : 0);
  }
  return share;
}

/* Bytes and CFQ disk time of all processes on each device, summed once. */
typedef struct device_totals {
  uint64_t *bytes;
  int64_t *disk_time;
} device_totals;

static device_totals device_totals_of(const run_result *r) {
  guint nd = MAX(r->w->devices->len, 1);
  device_totals t = {g_new0(uint64_t, nd), g_new0(int64_t, nd)};
  for (guint j = 0; j < r->w->processes->len; j++) {
    int d = proc_at(r, j)->device;
    t.bytes[d] += metrics_proc_bytes(r->m, j);
    if (r->disk_time_ns)
      t.disk_time[d] += r->disk_time_ns[j];
  }
  return t;
}

static double ratio(double part, double total) {
  return total ? part / total : 0.0;
}

/* ---- timeseries.csv and fairness.csv, window by window ---- */

typedef struct series_name {
  const char *at;
  guint32 len;      /* the field's length */
  guint32 idle_len; /* ... with ",0,0\n" */
} series_name;

struct report_series {
  const workload *w;
  FILE *timeseries, *fairness, *latencies;
  /* per process, its name as a CSV field, then ",0,0\n", side by side
   * in one block (`pool`), and where and how long, in one array: reaching
   * each in allocations of their own was cache misses per row with many
   * processes */
  series_name *names;
  char *pool;
  char *lat; /* latencies.csv rows not yet written */
  size_t lat_len;
  char *rows; /* timeseries.csv rows, a chunk of them */
  GString *buf;
};

/* One timeseries.csv row of process i, which had completions in window
 * k, at q (the window's start and comma already there); returns its end. */
static char *active_row(report_series *s, const metrics *m, guint i, guint k,
                        char *q) {
  char num[REPORT_INT_CHARS], *e = num + sizeof num;
  memcpy(q, s->names[i].at, s->names[i].len);
  q += s->names[i].len;
  *q++ = ',';
  char *p = report_format_uint64(e, metrics_window_bytes(m, i, k));
  memcpy(q, p, (size_t)(e - p));
  q += e - p;
  *q++ = ',';
  double v = round(metrics_window_mean_latency(m, i, k));
  if (v == floor(v) && fabs(v) < 9007199254740992.0) {
    p = report_format_int64(e, (int64_t)v);
    memcpy(q, p, (size_t)(e - p));
    q += e - p;
  } else {
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    const char *t = g_ascii_formatd(buf, sizeof buf, "%.6g", v);
    size_t n = strlen(t);
    memcpy(q, t, n);
    q += n;
  }
  *q++ = '\n';
  return q;
}

/* timeseries.csv rows go out in chunks of about this many bytes: a
 * window's rows of thousands of processes, put together whole, left the
 * caches. */
#define ROWS_CHUNK (32 * 1024)

/* Where the next timeseries.csv row goes: after q, or at the start of
 * the chunk once a full one is written. */
static char *rows_room(report_series *s, char *q) {
  if (q - s->rows < ROWS_CHUNK)
    return q;
  fwrite(s->rows, 1, (size_t)(q - s->rows), s->timeseries);
  return s->rows;
}

static void series_window(void *ctx, const metrics *m, guint k) {
  report_series *s = ctx;
  sim_time win = metrics_window(m);
  GString *b = s->buf;
  g_string_truncate(b, 0);
  if (s->timeseries) {
    /* Every process has a row in every window, most of them "0,0" with
     * many processes: those are copied whole (name and zeros prepared
     * once), the others put together by hand (printf was most of the
     * report's time). */
    char start[REPORT_INT_CHARS + 1];
    char *end = start + sizeof start;
    end[-1] = ',';
    const char *st = report_format_int64(end - 1, (int64_t)k * win);
    size_t st_len = (size_t)(end - st);
    char *q = s->rows;
    guint n = s->w->processes->len;
    for (guint i = 0; i < n;) {
      guint next = metrics_window_next_active(m, i);
      for (; i < next; i++) {
        q = rows_room(s, q);
        memcpy(q, st, st_len);
        q += st_len;
        memcpy(q, s->names[i].at, s->names[i].idle_len);
        q += s->names[i].idle_len;
      }
      if (i < n) {
        q = rows_room(s, q);
        memcpy(q, st, st_len);
        q = active_row(s, m, i, k, q + st_len);
        i++;
      }
    }
    fwrite(s->rows, 1, (size_t)(q - s->rows), s->timeseries);
  }
  if (s->fairness) {
    double j = metrics_window_jain(m, k);
    g_string_append_printf(b, "%" G_GINT64_FORMAT ",", (gint64)k * win);
    if (j >= 0) /* empty: no I/O completed in the window */
      csv_num(b, j);
    g_string_append_c(b, '\n');
    fwrite(b->str, 1, b->len, s->fairness);
  }
}

/* latencies.csv rows, one per I/O, are put together by hand (through
 * printf they cost an eighth of a whole run) in a chunk of about
 * ROWS_CHUNK bytes that is written when full: a stdio call per row was
 * a twentieth. */
static void latencies_write(report_series *s) {
  fwrite(s->lat, 1, s->lat_len, s->latencies);
  s->lat_len = 0;
}

static void series_latency(void *ctx, guint proc, int64_t ns) {
  report_series *s = ctx;
  if (s->lat_len > ROWS_CHUNK)
    latencies_write(s);
  char num[REPORT_INT_CHARS + 2], *p = num + sizeof num;
  *--p = '\n';
  p = report_format_int64(p, ns);
  *--p = ',';
  const series_name *name = &s->names[proc];
  char *q = s->lat + s->lat_len;
  memcpy(q, name->at, name->len);
  q += name->len;
  size_t len = (size_t)(num + sizeof num - p);
  memcpy(q, p, len);
  s->lat_len += name->len + len;
}

void report_series_flush(report_series *s) {
  if (s && s->lat_len)
    latencies_write(s);
}

report_series *report_series_new(const workload *w, metrics *m,
                                 FILE *timeseries, FILE *fairness,
                                 FILE *latencies) {
  g_return_val_if_fail(w != NULL && m != NULL, NULL);
  report_series *s = g_new0(report_series, 1);
  s->w = w;
  s->timeseries = timeseries;
  s->fairness = fairness;
  s->latencies = latencies;
  s->names = g_new0(series_name, w->processes->len + 1);
  gsize *at = g_new(gsize, w->processes->len + 1);
  GString *pool = g_string_new(NULL);
  size_t longest = 0, row_max = 0;
  GString *f = g_string_new(NULL);
  for (guint i = 0; i < w->processes->len; i++) {
    g_string_truncate(f, 0);
    report_csv_field(
        f, ((const wl_process *)g_ptr_array_index(w->processes, i))->name);
    size_t len = f->len;
    s->names[i].len = (guint32)len; /* names come from a file, < 4 GiB */
    g_string_append(f, ",0,0\n");
    s->names[i].idle_len = (guint32)f->len;
    at[i] = pool->len;
    g_string_append_len(pool, f->str, (gssize)f->len);
    longest = MAX(longest, len);
    /* start, name, bytes, the mean latency (maybe as %.6g) */
    row_max = MAX(row_max, REPORT_INT_CHARS + 1 + len + 1 + REPORT_INT_CHARS +
                               1 + G_ASCII_DTOSTR_BUF_SIZE + 1);
  }
  s->pool = g_string_free(pool, FALSE);
  for (guint i = 0; i < w->processes->len; i++)
    s->names[i].at = s->pool + at[i];
  g_free(at);
  s->lat =
      latencies ? g_malloc(ROWS_CHUNK + longest + REPORT_INT_CHARS + 2) : NULL;
  s->rows = timeseries ? g_malloc(ROWS_CHUNK + row_max) : NULL;
  g_string_free(f, TRUE);
  s->buf = g_string_new(NULL);
  if (timeseries)
    fputs("window_start_ns,process,bytes,mean_latency_ns\n", timeseries);
  if (fairness)
    fputs("window_start_ns,jain\n", fairness);
  metrics_set_window_sink(m, series_window, s);
  if (latencies) {
    fputs("process,latency_ns\n", latencies);
    metrics_set_latency_sink(m, series_latency, s);
  }
  return s;
}

void report_series_free(report_series *s) {
  if (!s)
    return;
  g_free(s->names);
  g_free(s->pool);
  g_free(s->lat);
  g_free(s->rows);
  g_string_free(s->buf, TRUE);
  g_free(s);
}

static latency_summary pooled_latency(const run_result *r) {
  metrics_hist *all = metrics_hist_new();
  for (guint i = 0; i < r->w->processes->len; i++)
    metrics_hist_merge(all, metrics_proc_hist(r->m, i));
  latency_summary l = metrics_hist_summary(all);
  metrics_hist_free(all);
  return l;
}

/* ---- metrics.json ----
 *
 * Written as a stream: the document without its two per-process arrays
 * (processes, fairness.shares) is generated first, then each array's
 * elements are generated one at a time, indented to their depth, and
 * written in their place.  The whole tree of thousands of processes was
 * most of a report's memory, and freeing it alone cost more than the rest
 * of the report.  The text is the one json-glib gives for the whole tree
 * (pretty, indent 2): its strings hold no newline, so indenting line by
 * line cannot touch them. */

#define JSON_INDENT 2

static void json_int(JsonObject *o, const char *key, gint64 v) {
  json_object_set_int_member(o, key, v);
}

static void json_double(JsonObject *o, const char *key, double v) {
  json_object_set_double_member(o, key, v);
}

static void json_str(JsonObject *o, const char *key, const char *v) {
  json_object_set_string_member(o, key, v);
}

/* "latency_ns": {mean, p50, p95, p99, max} */
static void json_latency(JsonObject *o, const latency_summary *l) {
  JsonObject *lat = json_object_new();
  json_double(lat, "mean", l->mean);
  json_int(lat, "p50", l->p50);
  json_int(lat, "p95", l->p95);
  json_int(lat, "p99", l->p99);
  json_int(lat, "max", l->max);
  json_object_set_object_member(o, "latency_ns", lat);
}

/* "device_view": what submitter k had the block layer do. */
static void json_device_view(JsonObject *o, const run_result *r, guint k) {
  uint64_t bytes = metrics_submitter_bytes(r->m, k);
  latency_summary l = metrics_submitter_latency(r->m, k);
  JsonObject *v = json_object_new();
  json_int(v, "ios", (gint64)metrics_submitter_ios(r->m, k));
  json_int(v, "bytes", (gint64)bytes);
  json_double(v, "throughput_bps", per_second((double)bytes, r->sim_time));
  json_latency(v, &l);
  if (r->disk_time_ns)
    json_int(v, "disk_time_ns", r->disk_time_ns[k]);
  json_object_set_object_member(o, "device_view", v);
}

/* An element of "processes". */
static JsonObject *json_process(const run_result *r, guint i) {
  const wl_process *p = proc_at(r, i);
  uint64_t bytes = metrics_proc_bytes(r->m, i);
  latency_summary l = metrics_proc_latency(r->m, i);
  g_autofree char *prio = ioprio_str(p);
  JsonObject *o = json_object_new();
  json_str(o, "name", p->name);
  json_str(o, "ioc", p->ioc ? p->ioc : "");
  json_str(o, "cgroup", cgroup_name(r, p->cgroup));
  json_str(o, "ioprio", prio);
  json_str(o, "device", device_name(r, p->device));
  json_str(o, "state", state_str(proc_state(r, i)));
  json_int(o, "bytes", (gint64)bytes);
  json_int(o, "ios", (gint64)metrics_proc_ios(r->m, i));
  json_double(o, "throughput_bps", per_second((double)bytes, r->sim_time));
  json_latency(o, &l);
  if (r->page_cache) {
    json_str(o, "view", "application");
    json_int(o, "reads", (gint64)metrics_proc_reads(r->m, i));
    json_int(o, "cache_hits", (gint64)metrics_proc_cache_hits(r->m, i));
    json_int(o, "fsyncs", (gint64)metrics_proc_fsyncs(r->m, i));
    latency_summary fl = metrics_proc_fsync_latency(r->m, i);
    JsonObject *fsync = json_object_new();
    json_latency(fsync, &fl);
    json_object_set_object_member(o, "fsync", fsync);
    json_device_view(o, r, i);
  }
  return o;
}

/* An element of fairness.shares. */
static JsonObject *json_share(const run_result *r, guint i, const double *ideal,
                              const device_totals *tot) {
  int d = proc_at(r, i)->device;
  JsonObject *o = json_object_new();
  json_str(o, "name", proc_at(r, i)->name);
  json_str(o, "device", device_name(r, d));
  /* a process's bytes over all bytes on its device */
  json_double(
      o, "throughput_share",
      ratio((double)metrics_proc_bytes(r->m, i), (double)tot->bytes[d]));
  /* its CFQ disk time over all disk time on its device */
  if (r->disk_time_ns)
    json_double(o, "disk_time_share",
                ratio((double)r->disk_time_ns[i], (double)tot->disk_time[d]));
  json_double(o, "ideal_share", ideal[i]);
  return o;
}

/* The document with "processes" and "shares" left empty. */
static JsonObject *json_skeleton(const run_result *r) {
  const workload *w = r->w;
  JsonObject *root = json_object_new();
  json_str(root, "workload", w->name);
  json_int(root, "seed", (gint64)r->seed);
  json_str(root, "variant", r->variant ? r->variant : "");
  json_int(root, "sim_time_ns", r->sim_time);
  json_int(root, "events", (gint64)r->events);
  json_str(root, "outcome", outcome_str(r->outcome));

  JsonArray *hung = json_array_new();
  for (guint i = 0; i < w->processes->len; i++)
    if (proc_state(r, i) == PROC_HUNG)
      json_array_add_string_element(hung, proc_at(r, i)->name);
  json_object_set_array_member(root, "hung", hung);

  JsonArray *devs = json_array_new();
  for (guint d = 0; d < w->devices->len; d++) {
    uint64_t bytes = metrics_device_bytes(r->m, d);
    uint64_t ios = metrics_device_ios(r->m, d);
    sim_time busy = metrics_device_busy(r->m, d);
    JsonObject *o = json_object_new();
    json_str(o, "name", device_name(r, (int)d));
    json_int(o, "bytes", (gint64)bytes);
    json_int(o, "ios", (gint64)ios);
    json_double(o, "throughput_bps", per_second((double)bytes, r->sim_time));
    json_double(o, "iops", per_second((double)ios, r->sim_time));
    json_double(o, "utilisation",
                r->sim_time > 0 ? (double)busy / (double)r->sim_time : 0.0);
    uint64_t cmds = metrics_device_commands(r->m, d);
    json_int(o, "commands", (gint64)cmds);
    json_double(o, "commands_per_s", per_second((double)cmds, r->sim_time));
    if (r->page_cache)
      json_str(o, "view", "device");
    json_array_add_object_element(devs, o);
  }
  json_object_set_array_member(root, "devices", devs);

  json_object_set_array_member(root, "processes", json_array_new());

  if (r->page_cache) {
    JsonArray *fl = json_array_new();
    for (guint k = 0; k < r->n_flushers; k++) {
      JsonObject *o = json_object_new();
      json_str(o, "name", r->flusher_names[k]);
      json_str(o, "device", device_name(r, r->flusher_device[k]));
      json_str(o, "state", state_str(r->flusher_state[k]));
      json_device_view(o, r, w->processes->len + k);
      json_array_add_object_element(fl, o);
    }
    json_object_set_array_member(root, "flushers", fl);
  }

  /* Pooled over every process's I/Os (what a sweep tabulates). */
  latency_summary pl = pooled_latency(r);
  json_latency(root, &pl);
  /* How far the percentiles above may be from the exact ones. */
  JsonObject *hist = json_object_new();
  json_double(hist, "relative_error", METRICS_HIST_RELATIVE_ERROR);
  json_object_set_object_member(root, "latency_histogram", hist);

  JsonObject *fair = json_object_new();
  if (r->page_cache)
    json_str(fair, "view", "application");
  json_double(fair, "jain", metrics_jain(r->m));
  json_double(fair, "window_jain_mean", metrics_window_jain_mean(r->m));
  json_double(fair, "window_jain_min", metrics_window_jain_min(r->m));
  json_object_set_array_member(fair, "shares", json_array_new());
  json_object_set_object_member(root, "fairness", fair);
  return root;
}

/* Where the text goes: a file or a string. */
typedef struct json_out {
  FILE *f;
  GString *s;
  JsonGenerator *g;
  GString *text; /* one generated element */
} json_out;

static void json_put(json_out *o, const char *t, gsize n) {
  if (o->f)
    fwrite(t, 1, n, o->f);
  else
    g_string_append_len(o->s, t, (gssize)n);
}

/* Indentation of `depth` levels. */
static void json_indent(json_out *o, guint depth) {
  static const char spaces[] = "                                ";
  for (guint n = depth * JSON_INDENT; n > 0;) {
    guint k = MIN(n, (guint)sizeof spaces - 1);
    json_put(o, spaces, k);
    n -= k;
  }
}

/* Generates `node` (taking it) into o->text. */
static void json_generate(json_out *o, JsonNode *node) {
  json_generator_set_root(o->g, node);
  g_string_truncate(o->text, 0);
  json_generator_to_gstring(o->g, o->text);
  json_generator_set_root(o->g, NULL);
  json_node_unref(node);
}

/* One element of an array whose elements are `depth` levels deep (the
 * root's members are 1), as json-glib places it: after "[" or ",", on a
 * line of its own. */
static void json_element(json_out *o, JsonObject *obj, guint depth,
                         bool first) {
  json_generate(o, json_node_init_object(json_node_alloc(), obj));
  json_object_unref(obj);
  json_put(o, first ? "\n" : ",\n", first ? 1 : 2);
  const char *t = o->text->str, *end = t + o->text->len;
  while (t < end) {
    const char *nl = memchr(t, '\n', (size_t)(end - t));
    const char *stop = nl ? nl + 1 : end;
    json_indent(o, depth);
    json_put(o, t, (size_t)(stop - t));
    t = stop;
  }
}

/* The skeleton's text up to the empty array after `marker` (a member
 * name at the start of a line, so found in no string), from *at. */
static gboolean json_upto(json_out *o, const GString *skel, gsize *at,
                          const char *marker) {
  const char *hit = strstr(skel->str + *at, marker);
  if (!hit)
    return FALSE;
  gsize stop = (gsize)(hit - skel->str) + strlen(marker) - 1; /* before ] */
  json_put(o, skel->str + *at, stop - *at);
  *at = stop;
  return TRUE;
}

static void metrics_json_write(const run_result *r, json_out *o) {
  guint n = r->w->processes->len;
  o->g = json_generator_new();
  json_generator_set_pretty(o->g, TRUE);
  json_generator_set_indent(o->g, JSON_INDENT);
  o->text = g_string_new(NULL);
  json_generate(o, json_node_init_object(json_node_alloc(), json_skeleton(r)));
  GString *skel = o->text;
  o->text = g_string_new(NULL);
  gsize at = 0;
  bool ok = json_upto(o, skel, &at, "\n  \"processes\" : []");
  g_assert(ok);
  for (guint i = 0; i < n; i++)
    json_element(o, json_process(r, i), 2, i == 0);
  if (n) {
    json_put(o, "\n", 1);
    json_indent(o, 1);
  }
  ok = json_upto(o, skel, &at, "\n    \"shares\" : []");
  g_assert(ok);
  g_autofree double *ideal = n ? ideal_shares(r) : NULL;
  device_totals tot = device_totals_of(r);
  for (guint i = 0; i < n; i++)
    json_element(o, json_share(r, i, ideal, &tot), 3, i == 0);
  if (n) {
    json_put(o, "\n", 1);
    json_indent(o, 2);
  }
  g_free(tot.bytes);
  g_free(tot.disk_time);
  json_put(o, skel->str + at, skel->len - at);
  json_put(o, "\n", 1);
  g_string_free(skel, TRUE);
  g_string_free(o->text, TRUE);
  g_object_unref(o->g);
}

char *report_metrics_json(const run_result *r) {
  g_return_val_if_fail(r != NULL && r->w != NULL && r->m != NULL, NULL);
  json_out o = {.s = g_string_new(NULL)};
  metrics_json_write(r, &o);
  return g_string_free(o.s, FALSE);
}

gboolean report_metrics_json_to(const run_result *r, FILE *f) {
  g_return_val_if_fail(r != NULL && r->w != NULL && r->m != NULL, FALSE);
  json_out o = {.f = f};
  metrics_json_write(r, &o);
  return !ferror(f);
}

/* ---- CSV ---- */

char *report_processes_csv(const run_result *r) {
  g_return_val_if_fail(r != NULL && r->w != NULL && r->m != NULL, NULL);
  GString *s = g_string_new(
      "name,ioc,cgroup,ioprio,device,state,bytes,ios,throughput_bps,"
      "latency_mean_ns,latency_p50_ns,latency_p95_ns,latency_p99_ns,"
      "latency_max_ns");
  /* With a page cache the columns above are the application view, those
   * after them the device view. */
  if (r->page_cache)
    g_string_append(s,
                    ",reads,cache_hits,fsyncs,fsync_latency_p99_ns,device_ios,"
                    "device_bytes,device_throughput_bps,"
                    "device_latency_mean_ns,device_latency_p99_ns,"
                    "disk_time_ns");
  g_string_append_c(s, '\n');
  for (guint i = 0; i < r->w->processes->len; i++) {
    const wl_process *p = proc_at(r, i);
    uint64_t bytes = metrics_proc_bytes(r->m, i);
    latency_summary l = metrics_proc_latency(r->m, i);
    char *prio = ioprio_str(p);
    const char *text[] = {
        p->name, p->ioc ? p->ioc : "",      cgroup_name(r, p->cgroup),
        prio,    device_name(r, p->device), state_str(proc_state(r, i))};
    for (guint c = 0; c < G_N_ELEMENTS(text); c++) {
      report_csv_field(s, text[c]);
      g_string_append_c(s, ',');
    }
    g_free(prio);
    g_string_append_printf(s, "%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",",
                           bytes, metrics_proc_ios(r->m, i));
    /* Fractions of a byte per second or of a nanosecond carry no
     * information; rounding keeps the columns integral. */
    csv_num(s, round(per_second((double)bytes, r->sim_time)));
    g_string_append_c(s, ',');
    csv_num(s, round(l.mean));
    g_string_append_printf(s,
                           ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
                           ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT,
                           l.p50, l.p95, l.p99, l.max);
    if (r->page_cache) {
      uint64_t db = metrics_submitter_bytes(r->m, i);
      latency_summary dl = metrics_submitter_latency(r->m, i);
      g_string_append_printf(
          s,
          ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
          ",%" G_GINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",",
          metrics_proc_reads(r->m, i), metrics_proc_cache_hits(r->m, i),
          metrics_proc_fsyncs(r->m, i), metrics_proc_fsync_latency(r->m, i).p99,
          metrics_submitter_ios(r->m, i), db);
      csv_num(s, round(per_second((double)db, r->sim_time)));
      g_string_append_c(s, ',');
      csv_num(s, round(dl.mean));
      g_string_append_printf(s, ",%" G_GINT64_FORMAT ",", dl.p99);
      if (r->disk_time_ns)
        g_string_append_printf(s, "%" G_GINT64_FORMAT, r->disk_time_ns[i]);
    }
    g_string_append_c(s, '\n');
  }
  return g_string_free(s, FALSE);
}

/* ---- writing ---- */

static gint cmp_str(gconstpointer a, gconstpointer b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

gboolean report_write_dir(const char *dir, const char *kind, GHashTable *files,
                          GError **err) {
  return report_write_dir_bin(dir, kind, files, NULL, err);
}

/* The files in name order (a name in both tables is refused). */
static gboolean stage_files(outdir_stage *st, GHashTable *files,
                            GHashTable *binary_files, GError **err) {
  GPtrArray *names = g_ptr_array_new();
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init(&it, files);
  while (g_hash_table_iter_next(&it, &k, NULL))
    g_ptr_array_add(names, k);
  if (binary_files) {
    g_hash_table_iter_init(&it, binary_files);
    while (g_hash_table_iter_next(&it, &k, NULL))
      g_ptr_array_add(names, k);
  }
  g_ptr_array_sort(names, cmp_str);
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < names->len; i++) {
    const char *name = g_ptr_array_index(names, i);
    if (binary_files && g_hash_table_contains(binary_files, name) &&
        !g_hash_table_contains(files, name)) {
      GBytes *b = g_hash_table_lookup(binary_files, name);
      gsize n = 0;
      const void *data = b ? g_bytes_get_data(b, &n) : NULL;
      ok = outdir_stage_write(st, name, data ? data : "", (gssize)n, err);
    } else {
      const char *contents = g_hash_table_lookup(files, name);
      ok = outdir_stage_write(st, name, contents ? contents : "", -1, err);
    }
  }
  g_ptr_array_unref(names);
  return ok;
}

gboolean report_write_dir_bin(const char *dir, const char *kind,
                              GHashTable *files, GHashTable *binary_files,
                              GError **err) {
  g_return_val_if_fail(dir != NULL && kind != NULL && files != NULL, FALSE);
  g_return_val_if_fail(err == NULL || *err == NULL, FALSE);
  outdir_stage *st = outdir_stage_new(dir, kind, err);
  gboolean ok = st && stage_files(st, files, binary_files, err) &&
                outdir_stage_commit(st, err);
  outdir_stage_free(st);
  return ok;
}

/* The files written at the end of a run; the others were streamed while
 * it went (report_series, sim/run.c). */
static const char *const final_files[] = {"summary.txt", "metrics.json",
                                          "processes.csv", "kernel.log"};

/* Names a run result may hold besides the final files. */
static const char *const streamed_files[] = {"timeseries.csv", "fairness.csv",
                                             "latencies.csv", "slices.csv",
                                             "trace.log"};

static gboolean is_standard(const char *name) {
  for (guint i = 0; i < G_N_ELEMENTS(final_files); i++)
    if (strcmp(name, final_files[i]) == 0)
      return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS(streamed_files); i++)
    if (strcmp(name, streamed_files[i]) == 0)
      return TRUE;
  return FALSE;
}

gboolean report_finish(const run_result *r, outdir_stage *st,
                       GHashTable *extra_files, FILE *out, GError **err) {
  g_return_val_if_fail(r != NULL && st != NULL, FALSE);
  if (extra_files) {
    GHashTableIter it;
    gpointer k;
    g_hash_table_iter_init(&it, extra_files);
    while (g_hash_table_iter_next(&it, &k, NULL))
      if (is_standard(k) && strcmp(k, "trace.log") != 0) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                    "extra output file '%s' clashes with a standard one",
                    (const char *)k);
        return FALSE;
      }
  }
  /* metrics.json, with thousands of processes the largest of them, goes
   * out as it is generated. */
  if (!outdir_stage_has(st, "metrics.json")) {
    FILE *f = outdir_stage_open(st, "metrics.json", err);
    if (!f)
      return FALSE;
    report_metrics_json_to(r, f); /* write errors: at the commit */
  }
  char *contents[G_N_ELEMENTS(final_files)] = {
      report_summary(r), NULL, report_processes_csv(r),
      g_strdup(r->kernel_log ? r->kernel_log : "")};
  GHashTable *files = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < G_N_ELEMENTS(final_files); i++)
    if (contents[i] && !outdir_stage_has(st, final_files[i])) /* not streamed */
      g_hash_table_insert(files, (gpointer)final_files[i], contents[i]);
  if (extra_files) {
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, extra_files);
    while (g_hash_table_iter_next(&it, &k, &v))
      g_hash_table_insert(files, k, v);
  }
  if (out) {
    fputs(contents[0], out);
    fflush(out);
  }
  gboolean ok =
      stage_files(st, files, NULL, err) && outdir_stage_commit(st, err);
  g_hash_table_unref(files);
  for (guint i = 0; i < G_N_ELEMENTS(final_files); i++)
    g_free(contents[i]);
  return ok;
}

gboolean report_write(const run_result *r, const char *dir,
                      GHashTable *extra_files, FILE *out, GError **err) {
  g_return_val_if_fail(r != NULL && dir != NULL, FALSE);
  outdir_stage *st = outdir_stage_new(dir, OUTDIR_RUN, err);
  gboolean ok = st && report_finish(r, st, extra_files, out, err);
  outdir_stage_free(st);
  return ok;
}
