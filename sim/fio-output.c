/* fio's report and logs for a run (sim/fio-output.h; README, "For fio
 * users", says what is written and what differs from fio). */
#include "sim/fio-output.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/blk.h"
#include "models/disk.h"
#include "models/ioc.h"
#include "sim/core/units.h"
#include "sim/fio.h"
#include "sim/outdir.h"

/* clang-format off */
G_DEFINE_QUARK(cfqsim-fio-output-error-quark, fio_output_error)
/* clang-format on */

/* fio's default percentile_list. */
static const double percentiles[] = {
    1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99};

/* fio's bwavgtime and iopsavgtime: the period of the bandwidth and IOPS
 * samples behind bw_* and iops_* when no log asks for another. */
#define AVG_TIME_NS (500 * SIM_MS)

/* A log's buffer goes to its file at this size, and every buffer once
 * they hold this much together (thousands of jobs may log). */
#define LOG_FLUSH_BYTES (64 * 1024)
#define LOGS_FLUSH_BYTES (4 * 1024 * 1024)

/* --------------------------------------------------------- histogram */

guint fio_output_plat_index(guint64 ns) {
  if (ns < 2 * FIO_OUTPUT_PLAT_VAL)
    return (guint)ns; /* too few bits to lose any */
  guint msb = 63 - (guint)__builtin_clzll(ns);
  guint lost = msb - FIO_OUTPUT_PLAT_BITS;
  guint idx = ((lost + 1) << FIO_OUTPUT_PLAT_BITS) +
              (guint)((ns >> lost) & (FIO_OUTPUT_PLAT_VAL - 1));
  return MIN(idx, FIO_OUTPUT_PLAT_NR - 1);
}

guint64 fio_output_plat_value(guint index) {
  g_return_val_if_fail(index < FIO_OUTPUT_PLAT_NR, 0);
  if (index < 2 * FIO_OUTPUT_PLAT_VAL)
    return index;
  guint lost = (index >> FIO_OUTPUT_PLAT_BITS) - 1;
  guint64 base = G_GUINT64_CONSTANT(1) << (lost + FIO_OUTPUT_PLAT_BITS);
  guint k = index % FIO_OUTPUT_PLAT_VAL;
  /* fio reports the middle of the bucket, truncated. */
  return base + (guint64)((k + 0.5) * (double)(G_GUINT64_CONSTANT(1) << lost));
}

/* ------------------------------------------------------------- stats */

/* Running min, max, mean and sum of squared deviations (Welford), as
 * fio keeps each of its statistics. */
typedef struct stat1 {
  guint64 n, min, max;
  double mean, S;
} stat1;

static void stat_add(stat1 *s, guint64 v) {
  if (s->n == 0 || v < s->min)
    s->min = v;
  if (v > s->max)
    s->max = v;
  double delta = (double)v - s->mean;
  s->mean += delta / (double)(s->n + 1);
  s->S += delta * ((double)v - s->mean);
  s->n++;
}

static double stat_dev(const stat1 *s) {
  return s->n > 1 ? sqrt(s->S / (double)(s->n - 1)) : 0.0;
}

typedef struct lat_acc {
  stat1 st;
  guint64 *plat; /* FIO_OUTPUT_PLAT_NR, NULL until the first sample */
} lat_acc;

static void lat_add(lat_acc *l, guint64 ns) {
  stat_add(&l->st, ns);
  if (!l->plat)
    l->plat = g_new0(guint64, FIO_OUTPUT_PLAT_NR);
  l->plat[fio_output_plat_index(ns)]++;
}

/* fio's percentiles: the first bucket whose running count reaches p% of
 * the samples. */
static guint64 *lat_percentiles(const lat_acc *l) {
  guint64 *out = g_new0(guint64, G_N_ELEMENTS(percentiles));
  guint64 sum = 0;
  guint j = 0;
  for (guint i = 0;
       l->plat && i < FIO_OUTPUT_PLAT_NR && j < G_N_ELEMENTS(percentiles);
       i++) {
    sum += l->plat[i];
    while (j < G_N_ELEMENTS(percentiles) &&
           (long double)sum >=
               (long double)percentiles[j] / 100.0L * (long double)l->st.n)
      out[j++] = fio_output_plat_value(i);
  }
  return out;
}

enum { D_READ, D_WRITE, D_TRIM, D_COUNT };

typedef struct dir_acc {
  guint64 bytes, ios;
  lat_acc clat;
  stat1 bw, iops;                  /* per sample window, or per I/O */
  guint64 win_bytes, win_ios;      /* in the current sample window */
  guint64 log_sum, log_n, log_max; /* in the current latency log window */
} dir_acc;

/* ------------------------------------------------------------- logs */

enum { L_LAT, L_CLAT, L_SLAT, L_BW, L_IOPS, L_COUNT };
static const char *const log_kind[L_COUNT] = {"lat", "clat", "slat", "bw",
                                              "iops"};

typedef struct flog {
  char *name; /* in the staging directory */
  GString *buf;
} flog;

typedef struct job {
  char *name;
  int groupid;
  GPtrArray *options; /* fio_option *, borrowed: the job's own */
  int iodepth;
  sim_time start, end;
  dir_acc d[D_COUNT];
  lat_acc sync;
  guint64 lat_n[10], lat_u[10], lat_m[12];
  sim_time next_sample;
  gint64 sample_ns;
  flog *log[L_COUNT];
  gint64 log_avg_ns; /* 0: per I/O */
  sim_time next_log;
  bool log_offset, log_prio, log_max;
  unsigned ioprio;
  int64_t file_base; /* bytes: where the job's file starts on the device */
} job;

struct fio_output {
  const workload *w;
  fio_output_format format;
  char *staging;
  GPtrArray *logs;    /* flog *, every log of every job */
  fio_jobfile *jf;    /* NULL: a YAML workload */
  GPtrArray *globals; /* fio_option *, borrowed from jf */
  job *jobs;
  guint n_jobs;
  GError *io_error; /* the first write that failed */
  gsize buffered;   /* bytes in all the logs' buffers */
  /* disk_util, per device */
  struct disk_acc *disks;
  guint n_disks;
  sim_time end;
};

static void log_flush(fio_output *fo, flog *l) {
  if (!l->buf->len)
    return;
  if (fo->io_error) {
    fo->buffered -= l->buf->len;
    g_string_truncate(l->buf, 0);
    return;
  }
  g_autofree char *path = g_build_filename(fo->staging, l->name, NULL);
  FILE *f = fopen(path, "ab");
  int e = f ? 0 : errno;
  errno = 0;
  if (f && fwrite(l->buf->str, 1, l->buf->len, f) != l->buf->len)
    e = errno ? errno : EIO;
  if (f && fclose(f) != 0 && !e)
    e = errno;
  if (e) {
    g_set_error(&fo->io_error, FIO_OUTPUT_ERROR, FIO_OUTPUT_ERROR_IO,
                "cannot write %s: %s", path, g_strerror(e));
  }
  fo->buffered -= l->buf->len;
  /* give back what a burst grew, so that idle logs hold little */
  g_string_free(l->buf, TRUE);
  l->buf = g_string_new(NULL);
}

/* A log line is "time, value, direction, bs[, offset], priority" as
 * fio 3.33 prints it; what follows the value is the same in every log an
 * I/O goes to, so it is formatted once. */
typedef struct tail {
  char s[96];
} tail;

static tail log_tail(const job *j, int dir, guint64 bs, guint64 offset) {
  tail t;
  char prio[16];
  if (j->log_prio)
    g_snprintf(prio, sizeof prio, "0x%04x", j->ioprio);
  else
    g_snprintf(prio, sizeof prio, "%d",
               IOPRIO_PRIO_CLASS(j->ioprio) == IOPRIO_CLASS_RT);
  if (j->log_offset)
    g_snprintf(t.s, sizeof t.s,
               ", %d, %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ", %s\n", dir,
               bs, offset, prio);
  else
    g_snprintf(t.s, sizeof t.s, ", %d, %" G_GUINT64_FORMAT ", %s\n", dir, bs,
               prio);
  return t;
}

static void log_line(fio_output *fo, const job *j, flog *l, sim_time t,
                     guint64 value, const tail *rest) {
  if (!l)
    return;
  /* a stack buffer: g_string_append_printf allocates for every line */
  char line[160];
  gint n = g_snprintf(line, sizeof line,
                      "%" G_GINT64_FORMAT ", %" G_GUINT64_FORMAT "%s",
                      (t - j->start) / SIM_MS, value, rest->s);
  gsize len = (gsize)CLAMP(n, 0, (gint)sizeof line - 1);
  g_string_append_len(l->buf, line, (gssize)len);
  fo->buffered += len;
  if (l->buf->len >= LOG_FLUSH_BYTES)
    log_flush(fo, l);
  if (fo->buffered >= LOGS_FLUSH_BYTES)
    for (guint i = 0; i < fo->logs->len; i++)
      log_flush(fo, g_ptr_array_index(fo->logs, i));
}

/* --------------------------------------------------- job-file options */

static const fio_option *find_opt(GPtrArray *opts, const char *name) {
  const fio_option *found = NULL;
  for (guint i = 0; opts && i < opts->len; i++) {
    const fio_option *o = g_ptr_array_index(opts, i);
    if (strcmp(o->name, name) == 0)
      found = o; /* the later one wins */
  }
  return found;
}

/* A job's option: its own, else the [global]s' before it. */
static const fio_option *job_opt(GPtrArray *own, GPtrArray *global,
                                 const char *name) {
  const fio_option *o = find_opt(own, name);
  return o ? o : find_opt(global, name);
}

static gboolean bad_opt(const fio_jobfile *jf, const fio_option *o,
                        const char *what, GError **err) {
  /* the job file's domain: reported as the job file's other errors */
  g_set_error(err, FIO_ERROR, FIO_ERROR_PARSE, "%s:%d:%d: %s: %s", jf->path,
              o->line, o->value ? o->value_col : o->col, o->name, what);
  return FALSE;
}

static gboolean opt_bool(const fio_jobfile *jf, const fio_option *o,
                         gboolean *out, GError **err) {
  if (!o)
    return TRUE;
  if (!o->value || strcmp(o->value, "1") == 0) {
    *out = TRUE;
    return TRUE;
  }
  if (strcmp(o->value, "0") == 0) {
    *out = FALSE;
    return TRUE;
  }
  return bad_opt(jf, o, "expected 0 or 1", err);
}

/* A log's base name: it lands in the results directory, so a plain
 * file name. */
static gboolean log_base_ok(const char *s) {
  return *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* ------------------------------------------------------------ setup */

gboolean fio_output_parse_format(const char *text, fio_output_format *out,
                                 GError **err) {
  static const struct {
    const char *name;
    fio_output_format f;
  } formats[] = {{"normal", FIO_OUTPUT_NORMAL},
                 {"json", FIO_OUTPUT_JSON},
                 {"json+", FIO_OUTPUT_JSON_PLUS}};
  for (guint i = 0; i < G_N_ELEMENTS(formats); i++)
    if (strcmp(text, formats[i].name) == 0) {
      *out = formats[i].f;
      return TRUE;
    }
  g_set_error(err, FIO_OUTPUT_ERROR, FIO_OUTPUT_ERROR_INVALID,
              "--output-format must be normal, json or json+, not '%s'", text);
  return FALSE;
}

static fio_jobfile *read_jobfile(const workload *w) {
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!w->file || !g_file_get_contents(w->file, &text, &len, NULL) ||
      !fio_is_jobfile(w->file, text, len))
    return NULL;
  return fio_jobfile_parse(w->file, text, len, NULL);
}

static const char *const log_opts[] = {"write_lat_log", "write_bw_log",
                                       "write_iops_log", NULL};

gboolean fio_output_wanted(const workload *w, const fio_output_request *req) {
  if (req->format != FIO_OUTPUT_NONE || req->lat_log || req->bw_log ||
      req->iops_log)
    return TRUE;
  fio_jobfile *jf = read_jobfile(w);
  gboolean any = FALSE;
  for (guint s = 0; jf && s < jf->sections->len; s++) {
    const fio_section *sec = g_ptr_array_index(jf->sections, s);
    for (guint i = 0; i < sec->options->len; i++)
      any |= g_strv_contains(
          log_opts, ((fio_option *)g_ptr_array_index(sec->options, i))->name);
  }
  fio_jobfile_free(jf);
  return any;
}

typedef struct job_logs {
  const char *base[3]; /* lat, bw, iops: NULL none, "" the job's name */
  const fio_option *at[3];
  gint64 avg_ms;
  gboolean offset, prio, per_job, max;
} job_logs;

static void flog_free(flog *l) {
  g_free(l->name);
  g_string_free(l->buf, TRUE);
  g_free(l);
}

static flog *add_log(fio_output *fo, const char *name) {
  flog *l = g_new0(flog, 1);
  l->name = g_strdup(name);
  l->buf = g_string_new(NULL);
  g_ptr_array_add(fo->logs, l);
  return l;
}

static gboolean open_logs(fio_output *fo, job *j, guint number,
                          const job_logs *jl, GError **err) {
  static const int kinds[3][3] = {
      {L_LAT, L_CLAT, L_SLAT}, {L_BW, -1, -1}, {L_IOPS, -1, -1}};
  for (int k = 0; k < 3; k++) {
    if (!jl->base[k])
      continue;
    const char *base = *jl->base[k] ? jl->base[k] : j->name;
    if (!log_base_ok(base)) {
      if (jl->at[k])
        return bad_opt(fo->jf, jl->at[k],
                       "a log's name is a file name (no '/'); cfqsim "
                       "writes logs into the results directory",
                       err);
      g_set_error(err, FIO_OUTPUT_ERROR, FIO_OUTPUT_ERROR_INVALID,
                  "log name '%s' is not a file name (no '/'); cfqsim writes "
                  "logs into the results directory",
                  base);
      return FALSE;
    }
    for (int m = 0; m < 3 && kinds[k][m] >= 0; m++) {
      int kind = kinds[k][m];
      g_autofree char *name =
          jl->per_job
              ? g_strdup_printf("%s_%s.%u.log", base, log_kind[kind], number)
              : g_strdup_printf("%s_%s.log", base, log_kind[kind]);
      for (guint i = 0; i < fo->logs->len; i++)
        if (strcmp(((flog *)g_ptr_array_index(fo->logs, i))->name, name) == 0) {
          g_set_error(err, FIO_OUTPUT_ERROR, FIO_OUTPUT_ERROR_INVALID,
                      "two jobs would write the log %s (per_job_logs=0 "
                      "with one name for several jobs is not supported)",
                      name);
          return FALSE;
        }
      j->log[kind] = add_log(fo, name);
    }
  }
  j->log_avg_ns = jl->avg_ms * SIM_MS;
  j->log_offset = jl->offset;
  j->log_prio = jl->prio;
  j->log_max = jl->max;
  return TRUE;
}

static gboolean job_log_options(fio_output *fo, GPtrArray *own,
                                GPtrArray *global, job_logs *jl, GError **err) {
  for (int k = 0; k < 3; k++) {
    const fio_option *o = job_opt(own, global, log_opts[k]);
    if (o) {
      jl->base[k] = o->value ? o->value : "";
      jl->at[k] = o;
    }
  }
  const fio_option *o = job_opt(own, global, "log_avg_msec");
  if (o) {
    guint64 v;
    if (!o->value || !fio_parse_size(o->value, &v) || v > G_MAXINT32)
      return bad_opt(fo->jf, o, "expected a whole number of milliseconds", err);
    jl->avg_ms = (gint64)v;
  }
  return opt_bool(fo->jf, job_opt(own, global, "log_offset"), &jl->offset,
                  err) &&
         opt_bool(fo->jf, job_opt(own, global, "log_prio"), &jl->prio, err) &&
         opt_bool(fo->jf, job_opt(own, global, "log_max_value"), &jl->max,
                  err) &&
         opt_bool(fo->jf, job_opt(own, global, "per_job_logs"), &jl->per_job,
                  err);
}

/* fio logs offsets within the job's file.  A /dev/ file is the device;
 * any other is a region of it, which clone k's offset (fio's offset plus
 * k times offset_increment) places the process in. */
static int64_t file_base(GPtrArray *own, GPtrArray *global,
                         const wl_process *wp, guint64 clone) {
  const fio_option *f = job_opt(own, global, "filename");
  if (f && f->value && g_str_has_prefix(f->value, "/dev/"))
    return 0;
  guint64 off = 0, inc = 0;
  const fio_option *o = job_opt(own, global, "offset");
  if (!o)
    o = job_opt(own, global, "fileoffset");
  if (o && o->value)
    fio_parse_size(o->value, &off);
  o = job_opt(own, global, "offset_increment");
  if (o && o->value)
    fio_parse_size(o->value, &inc);
  return MAX(wp->offset - (int64_t)(off + clone * inc), 0);
}

static void job_init(job *j, const wl_process *wp, const char *name) {
  j->name = g_strdup(name);
  j->iodepth = wp->iodepth;
  j->start = j->end = wp->start;
  if (wp->ioprio_class != IOPRIO_CLASS_NONE)
    j->ioprio = IOPRIO_PRIO_VALUE(wp->ioprio_class, wp->ioprio_level);
}

fio_output *fio_output_new(const workload *w, const fio_output_request *req,
                           const char *staging, GError **err) {
  fio_output *fo = g_new0(fio_output, 1);
  fo->w = w;
  fo->format = req->format;
  fo->staging = g_strdup(staging);
  fo->logs = g_ptr_array_new();
  fo->globals = g_ptr_array_new();
  fo->n_jobs = w->processes->len;
  fo->jobs = g_new0(job, fo->n_jobs);
  fo->jf = read_jobfile(w);
  job_logs cli = {.base = {req->lat_log, req->bw_log, req->iops_log},
                  .avg_ms = req->log_avg_msec,
                  .offset = req->log_offset,
                  .per_job = TRUE};

  /* Processes come in job order, numjobs clones each (fio_parse); if
   * the count does not add up, the report takes the names the workload
   * gave, and logs the job file asks for are an error rather than
   * written for the wrong process. */
  guint p = 0;
  gboolean ok = TRUE, matched = fo->jf != NULL, asked = FALSE;
  int groupid = 0, group_jobs = 0;
  for (guint s = 0; ok && matched && s < fo->jf->sections->len; s++) {
    const fio_section *sec = g_ptr_array_index(fo->jf->sections, s);
    if (strcmp(sec->name, "global") == 0) {
      g_ptr_array_extend(fo->globals, sec->options, NULL, NULL);
      continue;
    }
    GPtrArray *global = g_ptr_array_copy(fo->globals, NULL, NULL);
    const fio_option *nj = job_opt(sec->options, global, "numjobs");
    guint64 clones = 1;
    if (nj && nj->value && !fio_parse_size(nj->value, &clones))
      clones = 1;
    if ((job_opt(sec->options, global, "stonewall") ||
         job_opt(sec->options, global, "wait_for_previous") ||
         job_opt(sec->options, global, "new_group")) &&
        group_jobs) {
      groupid++;
      group_jobs = 0;
    }
    job_logs jl = cli;
    ok = job_log_options(fo, sec->options, global, &jl, err);
    asked |= jl.at[0] || jl.at[1] || jl.at[2];
    for (guint64 k = 0; ok && k < clones; k++, p++) {
      if (p >= fo->n_jobs) {
        matched = FALSE;
        break;
      }
      job *j = &fo->jobs[p];
      const wl_process *wp = g_ptr_array_index(w->processes, p);
      job_init(j, wp, sec->name);
      j->file_base = file_base(sec->options, global, wp, k);
      j->groupid = groupid;
      j->options = sec->options;
      group_jobs++;
      ok = open_logs(fo, j, p + 1, &jl, err);
    }
    g_ptr_array_unref(global);
  }
  if (ok && (!matched || p != fo->n_jobs) && asked) {
    g_set_error(err, FIO_OUTPUT_ERROR, FIO_OUTPUT_ERROR_INVALID,
                "%s: cannot tell which process each job's logs are for "
                "(%u processes, %u jobs read)",
                w->file, fo->n_jobs, p);
    ok = FALSE;
  } else if (ok && (!matched || p != fo->n_jobs)) {
    /* start again from the workload's own names */
    for (guint i = 0; i < fo->n_jobs; i++) {
      g_free(fo->jobs[i].name);
      memset(&fo->jobs[i], 0, sizeof(job));
    }
    for (guint i = 0; i < fo->logs->len; i++)
      flog_free(g_ptr_array_index(fo->logs, i));
    g_ptr_array_set_size(fo->logs, 0);
    matched = FALSE;
  }
  for (guint i = 0; ok && !matched && i < fo->n_jobs; i++) {
    const wl_process *wp = g_ptr_array_index(w->processes, i);
    job_init(&fo->jobs[i], wp, wp->name);
    ok = open_logs(fo, &fo->jobs[i], i + 1, &cli, err);
  }
  for (guint i = 0; ok && i < fo->n_jobs; i++) {
    job *j = &fo->jobs[i];
    bool windowed = j->log_avg_ns > 0 && (j->log[L_BW] || j->log[L_IOPS]);
    j->sample_ns = windowed ? j->log_avg_ns : AVG_TIME_NS;
    j->next_sample = j->start + j->sample_ns;
    j->next_log = j->start + j->log_avg_ns;
  }
  if (!ok) {
    fio_output_free(fo);
    return NULL;
  }
  return fo;
}

/* ------------------------------------------------------------ events */

static int ddir_of(run_io_dir d) {
  return d == RUN_IO_WRITE ? D_WRITE : D_READ;
}

/* Sample windows that ended by `t`: bandwidth and IOPS samples (and
 * their logs when windowed), averaged latency log entries. */
/* A latency log window's entry: its mean, or with log_max_value its
 * largest latency. */
static guint64 window_value(const job *j, dir_acc *a) {
  guint64 v = j->log_max ? a->log_max : a->log_sum / a->log_n;
  a->log_sum = a->log_n = a->log_max = 0;
  return v;
}

static void close_windows(fio_output *fo, job *j, sim_time t) {
  while (j->next_sample <= t) {
    for (int d = 0; d < D_TRIM; d++) {
      dir_acc *a = &j->d[d];
      if (!a->win_bytes)
        continue; /* no sample for an idle window, as in fio */
      guint64 ms = (guint64)(j->sample_ns / SIM_MS);
      guint64 bw = ms ? a->win_bytes * 1000 / ms / 1024 : 0;
      guint64 iops = ms ? a->win_ios * 1000 / ms : 0;
      if (!(j->log[L_BW] && !j->log_avg_ns))
        stat_add(&a->bw, bw);
      if (!(j->log[L_IOPS] && !j->log_avg_ns))
        stat_add(&a->iops, iops);
      if (j->log_avg_ns) {
        tail rest = log_tail(j, d, 0, 0);
        log_line(fo, j, j->log[L_BW], j->next_sample, bw, &rest);
        log_line(fo, j, j->log[L_IOPS], j->next_sample, iops, &rest);
      }
      a->win_bytes = a->win_ios = 0;
    }
    j->next_sample += j->sample_ns;
  }
  while (j->log_avg_ns && j->next_log <= t) {
    for (int d = 0; d < D_TRIM; d++) {
      dir_acc *a = &j->d[d];
      if (!a->log_n)
        continue;
      guint64 v = window_value(j, a);
      tail rest = log_tail(j, d, 0, 0);
      log_line(fo, j, j->log[L_LAT], j->next_log, v, &rest);
      log_line(fo, j, j->log[L_CLAT], j->next_log, v, &rest);
    }
    j->next_log += j->log_avg_ns;
  }
}

/* fio's latency distribution buckets: upper bounds 2, 4, 10, 20, 50,
 * 100, 250, 500, 750, 1000 (then 2000 and more for milliseconds). */
static int lat_bucket(guint64 v, int n) {
  static const guint64 bounds[] = {2,   4,   10,  20,   50,  100,
                                   250, 500, 750, 1000, 2000};
  for (int i = 0; i < n - 1; i++)
    if (v < bounds[i])
      return i;
  return n - 1;
}

static void on_io(void *ctx, const run_io *io) {
  fio_output *fo = ctx;
  if (io->process >= fo->n_jobs)
    return;
  job *j = &fo->jobs[io->process];
  close_windows(fo, j, io->done);
  j->end = MAX(j->end, io->done);
  fo->end = MAX(fo->end, io->done);
  guint64 lat = (guint64)MAX(io->done - io->issued, 0);
  if (io->dir == RUN_IO_SYNC) {
    lat_add(&j->sync, lat);
    return;
  }
  int d = ddir_of(io->dir);
  dir_acc *a = &j->d[d];
  a->bytes += io->bytes;
  a->ios++;
  lat_add(&a->clat, lat);
  a->win_bytes += io->bytes;
  a->win_ios++;
  if (lat < 1000)
    j->lat_n[lat_bucket(lat, 10)]++;
  else if (lat < 1000 * 1000)
    j->lat_u[lat_bucket(lat / 1000, 10)]++;
  else
    j->lat_m[lat_bucket(lat / 1000000, 12)]++;
  guint64 off =
      io->offset >= j->file_base ? (guint64)(io->offset - j->file_base) : 0;
  if (j->log_avg_ns) {
    a->log_sum += lat;
    a->log_n++;
    a->log_max = MAX(a->log_max, lat);
    return;
  }
  if (!j->log[L_LAT] && !j->log[L_BW] && !j->log[L_IOPS])
    return;
  tail rest = log_tail(j, d, io->bytes, off);
  log_line(fo, j, j->log[L_LAT], io->done, lat, &rest);
  log_line(fo, j, j->log[L_CLAT], io->done, lat, &rest);
  if (j->log[L_BW]) {
    /* fio's per-I/O bandwidth: bytes over the completion latency */
    guint64 rate = lat ? io->bytes * 1000000 / lat : 0;
    stat_add(&a->bw, rate);
    log_line(fo, j, j->log[L_BW], io->done, rate, &rest);
  }
  if (j->log[L_IOPS]) {
    stat_add(&a->iops, 1);
    log_line(fo, j, j->log[L_IOPS], io->done, 1, &rest);
  }
}

/* ------------------------------------------------------- disk stats */

typedef struct issued_rq {
  int64_t sector;
  sim_time at;
} issued_rq;

typedef struct disk_acc {
  fio_output *fo;
  const struct blk_observer *next;
  void *next_ctx;
  struct request_queue *q;
  guint64 ios[2], sectors[2], merges[2], ticks_ns[2];
  GArray *issued; /* issued_rq: at the device now (a queue depth's worth) */
  guint in_flight;
  sim_time last_change;
  guint64 in_queue_ns;
} disk_acc;

static void disk_action(void *ctx, const struct request_queue *q, blk_action a,
                        int64_t sector, uint32_t bytes, unsigned rw,
                        const struct task *t) {
  disk_acc *da = ctx;
  int d = rw & REQ_WRITE ? 1 : 0;
  sim_time now = sim_now(q->engine);
  switch (a) {
  case BLK_ACT_BACKMERGE:
  case BLK_ACT_FRONTMERGE: da->merges[d]++; break;
  case BLK_ACT_ISSUE:
    if (!bytes)
      break; /* a cache flush, not an I/O /proc/diskstats counts */
    da->in_queue_ns += (guint64)(now - da->last_change) * da->in_flight;
    da->last_change = now;
    da->in_flight++;
    g_array_append_val(da->issued, ((issued_rq){sector, now}));
    break;
  case BLK_ACT_COMPLETE: {
    if (!bytes)
      break;
    for (guint i = 0; i < da->issued->len; i++) {
      const issued_rq *r = &g_array_index(da->issued, issued_rq, i);
      if (r->sector == sector) {
        da->ticks_ns[d] += (guint64)(now - r->at);
        g_array_remove_index(da->issued, i);
        break;
      }
    }
    da->in_queue_ns += (guint64)(now - da->last_change) * da->in_flight;
    da->last_change = now;
    if (da->in_flight)
      da->in_flight--;
    da->ios[d]++;
    da->sectors[d] += bytes / 512;
    break;
  }
  default: break;
  }
  if (da->next && da->next->action)
    da->next->action(da->next_ctx, q, a, sector, bytes, rw, t);
}

static void disk_message(void *ctx, const struct request_queue *q,
                         const char *text) {
  disk_acc *da = ctx;
  if (da->next && da->next->message)
    da->next->message(da->next_ctx, q, text);
}

static const struct blk_observer disk_observer = {
    .action = disk_action,
    .message = disk_message,
};

void fio_output_attach(fio_output *fo, sim_run *r) {
  sim_run_add_io_observer(r, on_io, fo);
  fo->n_disks = fo->w->devices->len;
  fo->disks = g_new0(disk_acc, fo->n_disks);
  for (guint i = 0; i < fo->n_disks; i++) {
    disk_acc *da = &fo->disks[i];
    struct request_queue *q = sim_run_queue(r, i);
    da->fo = fo;
    da->q = q;
    da->next = q->observer;
    da->next_ctx = q->observer_ctx;
    da->issued = g_array_new(FALSE, FALSE, sizeof(issued_rq));
    blk_set_observer(q, &disk_observer, da);
  }
}

/* --------------------------------------------------------------- JSON */

/* fio's report through json-glib: the few calls the report needs, with
 * fio's habit of naming every member. */
typedef struct jw {
  JsonBuilder *b;
} jw;

static void jw_key(jw *w, const char *key) {
  if (key)
    json_builder_set_member_name(w->b, key);
}

static void jw_open(jw *w, const char *key, char c) {
  jw_key(w, key);
  if (c == '{')
    json_builder_begin_object(w->b);
  else
    json_builder_begin_array(w->b);
}

static void jw_close(jw *w, char c) {
  if (c == '}')
    json_builder_end_object(w->b);
  else
    json_builder_end_array(w->b);
}

static void jw_u64(jw *w, const char *key, guint64 v) {
  jw_key(w, key);
  json_builder_add_int_value(w->b, (gint64)MIN(v, (guint64)G_MAXINT64));
}

static void jw_f(jw *w, const char *key, double v) {
  jw_key(w, key);
  json_builder_add_double_value(w->b, isfinite(v) ? v : 0.0);
}

static void jw_str(jw *w, const char *key, const char *v) {
  jw_key(w, key);
  json_builder_add_string_value(w->b, v);
}

static void json_lat(jw *w, const char *key, const lat_acc *l, gboolean pcts,
                     gboolean bins) {
  jw_open(w, key, '{');
  jw_u64(w, "min", l->st.n ? l->st.min : 0);
  jw_u64(w, "max", l->st.max);
  jw_f(w, "mean", l->st.mean);
  jw_f(w, "stddev", stat_dev(&l->st));
  jw_u64(w, "N", l->st.n);
  if (pcts && l->st.n) {
    g_autofree guint64 *v = lat_percentiles(l);
    jw_open(w, "percentile", '{');
    for (guint i = 0; i < G_N_ELEMENTS(percentiles); i++) {
      char key[32];
      g_ascii_formatd(key, sizeof key, "%f", percentiles[i]);
      jw_u64(w, key, v[i]);
    }
    jw_close(w, '}');
    if (bins) {
      jw_open(w, "bins", '{');
      for (guint i = 0; i < FIO_OUTPUT_PLAT_NR; i++)
        if (l->plat[i]) {
          char key[32];
          g_snprintf(key, sizeof key, "%" G_GUINT64_FORMAT,
                     fio_output_plat_value(i));
          jw_u64(w, key, l->plat[i]);
        }
      jw_close(w, '}');
    }
  }
  jw_close(w, '}');
}

/* bw_agg: the mean sample's share of its group's aggregate bandwidth
 * (`agg`, bytes/s), at most 100%, as fio reports it. */
static void json_stat(jw *w, const char *prefix, const stat1 *s,
                      const char *dev_name, const guint64 *agg) {
  char k[32];
  g_snprintf(k, sizeof k, "%s_min", prefix);
  jw_u64(w, k, s->n ? s->min : 0);
  g_snprintf(k, sizeof k, "%s_max", prefix);
  jw_u64(w, k, s->max);
  if (agg) {
    double share = 100.0;
    if (*agg > 1024)
      share = MIN(s->mean * 100.0 / ((double)*agg / 1024.0), 100.0);
    jw_f(w, "bw_agg", s->n ? share : 0.0);
  }
  g_snprintf(k, sizeof k, "%s_mean", prefix);
  jw_f(w, k, s->mean);
  jw_f(w, dev_name, stat_dev(s));
  g_snprintf(k, sizeof k, "%s_samples", prefix);
  jw_u64(w, k, s->n);
}

/* Milliseconds, rounded up, of what the job ran for. */
static guint64 job_runtime_ms(const job *j) {
  return (guint64)((j->end - j->start + SIM_MS - 1) / SIM_MS);
}

/* A group's bandwidth in a direction, bytes/s: all its jobs' bytes over
 * the longest runtime among them. */
static guint64 group_agg(const fio_output *fo, int groupid, int d) {
  guint64 bytes = 0, longest = 0;
  for (guint i = 0; i < fo->n_jobs; i++) {
    const job *j = &fo->jobs[i];
    if (j->groupid != groupid || !j->d[d].ios)
      continue;
    bytes += j->d[d].bytes;
    longest = MAX(longest, MAX(job_runtime_ms(j), 1));
  }
  return longest ? bytes * 1000 / longest : 0;
}

static void json_ddir(jw *w, const fio_output *fo, const job *j, int d,
                      gboolean plus) {
  static const char *const names[] = {"read", "write", "trim"};
  const dir_acc *a = &j->d[d];
  guint64 runtime = a->ios ? MAX(job_runtime_ms(j), 1) : 0;
  guint64 bw_bytes = runtime ? a->bytes * 1000 / runtime : 0;
  jw_open(w, names[d], '{');
  jw_u64(w, "io_bytes", a->bytes);
  jw_u64(w, "io_kbytes", a->bytes >> 10);
  jw_u64(w, "bw_bytes", bw_bytes);
  jw_u64(w, "bw", bw_bytes / 1024);
  jw_f(w, "iops", runtime ? 1000.0 * (double)a->ios / (double)runtime : 0.0);
  jw_u64(w, "runtime", runtime);
  jw_u64(w, "total_ios", a->ios);
  jw_u64(w, "short_ios", 0);
  jw_u64(w, "drop_ios", 0);
  lat_acc none = {0};
  json_lat(w, "slat_ns", &none, FALSE, FALSE);
  json_lat(w, "clat_ns", &a->clat, TRUE, plus);
  json_lat(w, "lat_ns", &a->clat, FALSE, FALSE);
  guint64 agg = group_agg(fo, j->groupid, d);
  json_stat(w, "bw", &a->bw, "bw_dev", &agg);
  json_stat(w, "iops", &a->iops, "iops_stddev", NULL);
  jw_close(w, '}');
}

/* fio's percentages of I/Os: never shown as 0 when some fell there. */
static double pct(guint64 n, guint64 total) {
  if (!total)
    return 0.0;
  double v = 100.0 * (double)n / (double)total;
  return n && v < 0.01 ? 0.01 : v;
}

static void json_depths(jw *w, const job *j) {
  /* Each I/O is counted at the job's iodepth (cfqsim's jobs keep that
   * many in flight); the sync engines have none in their submit and
   * complete batches, as fio reports for them. */
  static const char *const levels[] = {"1", "2", "4", "8", "16", "32", ">=64"};
  static const char *const batches[] = {"0",  "4",  "8",   "16",
                                        "32", "64", ">=64"};
  guint64 ios = j->d[D_READ].ios + j->d[D_WRITE].ios;
  int level = 0;
  while (level < 6 && (1 << (level + 1)) <= j->iodepth)
    level++;
  jw_open(w, "iodepth_level", '{');
  for (int i = 0; i < 7; i++)
    jw_f(w, levels[i], i == level && ios ? 100.0 : 0.0);
  jw_close(w, '}');
  for (int k = 0; k < 2; k++) {
    jw_open(w, k ? "iodepth_complete" : "iodepth_submit", '{');
    for (int i = 0; i < 7; i++)
      jw_f(w, batches[i], i == 1 && ios && j->iodepth > 1 ? 100.0 : 0.0);
    jw_close(w, '}');
  }
  static const char *const r10[] = {"2",   "4",   "10",  "20",  "50",
                                    "100", "250", "500", "750", "1000"};
  static const char *const r12[] = {"2",   "4",    "10",   "20",
                                    "50",  "100",  "250",  "500",
                                    "750", "1000", "2000", ">=2000"};
  jw_open(w, "latency_ns", '{');
  for (int i = 0; i < 10; i++)
    jw_f(w, r10[i], pct(j->lat_n[i], ios));
  jw_close(w, '}');
  jw_open(w, "latency_us", '{');
  for (int i = 0; i < 10; i++)
    jw_f(w, r10[i], pct(j->lat_u[i], ios));
  jw_close(w, '}');
  jw_open(w, "latency_ms", '{');
  for (int i = 0; i < 12; i++)
    jw_f(w, r12[i], pct(j->lat_m[i], ios));
  jw_close(w, '}');
}

static void json_options(jw *w, const char *key, GPtrArray *opts) {
  jw_open(w, key, '{');
  for (guint i = 0; opts && i < opts->len; i++) {
    const fio_option *o = g_ptr_array_index(opts, i);
    /* fio lists an option once, with its last value; flags without one
     * it leaves out */
    if (o->value && find_opt(opts, o->name) == o)
      jw_str(w, o->name, o->value);
  }
  jw_close(w, '}');
}

static guint64 elapsed_s(const fio_output *fo) {
  return (guint64)MAX((fo->end + SIM_S - 1) / SIM_S, 1);
}

static double disk_util(const fio_output *fo, const disk_acc *da) {
  if (!fo->end)
    return 0.0;
  double u =
      100.0 * (double)da->q->disk_ops->busy_time(da->q->disk) / (double)fo->end;
  return MIN(u, 100.0);
}

static char *report_json(fio_output *fo) {
  gboolean plus = fo->format == FIO_OUTPUT_JSON_PLUS;
  jw w = {json_builder_new()};
  json_builder_begin_object(w.b);
  jw_str(&w, "fio version", "fio-3.33");
  /* the simulated clock, which starts at the epoch: no wall-clock time
   * reaches the results */
  jw_u64(&w, "timestamp", 0);
  jw_u64(&w, "timestamp_ms", 0);
  jw_str(&w, "time", "Thu Jan  1 00:00:00 1970");
  if (fo->globals->len)
    json_options(&w, "global options", fo->globals);
  jw_open(&w, "jobs", '[');
  for (guint i = 0; i < fo->n_jobs; i++) {
    const job *j = &fo->jobs[i];
    jw_open(&w, NULL, '{');
    jw_str(&w, "jobname", j->name);
    jw_u64(&w, "groupid", (guint64)j->groupid);
    jw_u64(&w, "error", 0);
    jw_u64(&w, "eta", 0);
    jw_u64(&w, "elapsed", elapsed_s(fo));
    json_options(&w, "job options", j->options);
    for (int d = 0; d < D_COUNT; d++)
      json_ddir(&w, fo, j, d, plus);
    jw_open(&w, "sync", '{');
    jw_u64(&w, "total_ios", j->sync.st.n);
    json_lat(&w, "lat_ns", &j->sync, TRUE, plus);
    jw_close(&w, '}');
    jw_u64(&w, "job_runtime", job_runtime_ms(j));
    jw_f(&w, "usr_cpu", 0);
    jw_f(&w, "sys_cpu", 0);
    jw_u64(&w, "ctx", 0);
    jw_u64(&w, "majf", 0);
    jw_u64(&w, "minf", 0);
    json_depths(&w, j);
    jw_u64(&w, "latency_depth", (guint64)j->iodepth);
    jw_u64(&w, "latency_target", 0);
    jw_f(&w, "latency_percentile", 100.0);
    jw_u64(&w, "latency_window", 0);
    jw_close(&w, '}');
  }
  jw_close(&w, ']');
  jw_open(&w, "disk_util", '[');
  for (guint i = 0; i < fo->n_disks; i++) {
    const disk_acc *da = &fo->disks[i];
    jw_open(&w, NULL, '{');
    jw_str(&w, "name", da->q->name);
    jw_u64(&w, "read_ios", da->ios[0]);
    jw_u64(&w, "write_ios", da->ios[1]);
    jw_u64(&w, "read_merges", da->merges[0]);
    jw_u64(&w, "write_merges", da->merges[1]);
    jw_u64(&w, "read_ticks", da->ticks_ns[0] / SIM_MS);
    jw_u64(&w, "write_ticks", da->ticks_ns[1] / SIM_MS);
    jw_u64(&w, "in_queue", da->in_queue_ns / SIM_MS);
    jw_f(&w, "util", disk_util(fo, da));
    jw_close(&w, '}');
  }
  jw_close(&w, ']');
  json_builder_end_object(w.b);
  JsonGenerator *g = json_generator_new();
  JsonNode *root = json_builder_get_root(w.b);
  json_generator_set_root(g, root);
  json_generator_set_pretty(g, TRUE);
  char *text = json_generator_to_data(g, NULL);
  json_node_unref(root);
  g_object_unref(g);
  g_object_unref(w.b);
  char *out = g_strconcat(text, "\n", NULL);
  g_free(text);
  return out;
}

/* ------------------------------------------------------------- normal */

/* fio's num2str, roughly: at most four digits before a unit prefix. */
static char *num2str(guint64 n, gboolean pow2, const char *unit) {
  static const char *const p10[] = {"", "k", "M", "G", "T", "P"};
  static const char *const p2[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi"};
  double v = (double)n, base = pow2 ? 1024.0 : 1000.0;
  int i = 0;
  while (v >= 10000.0 && i < 5) {
    v /= base;
    i++;
  }
  if (i == 0)
    return g_strdup_printf("%" G_GUINT64_FORMAT "%s", n, unit);
  return g_strdup_printf("%.*f%s%s",
                         v < 10    ? 2
                         : v < 100 ? 1
                                   : 0,
                         v, pow2 ? p2[i] : p10[i], unit);
}

/* A latency line, in the unit fio would choose for its range. */
static void normal_lat(GString *s, const char *name, const stat1 *st) {
  double div = 1;
  const char *unit = "nsec";
  if (st->min > 1000000 && st->max > 1000000) {
    div = 1e6;
    unit = "msec";
  } else if (st->min > 1000 && st->max > 1000) {
    div = 1e3;
    unit = "usec";
  }
  g_string_append_printf(
      s, "    %s (%s): min=%.0f, max=%.0f, avg=%5.02f, stdev=%5.02f\n", name,
      unit, (double)st->min / div, (double)st->max / div, st->mean / div,
      stat_dev(st) / div);
}

static void normal_pcts(GString *s, const char *name, const lat_acc *l) {
  g_autofree guint64 *v = lat_percentiles(l);
  guint64 maxv = v[G_N_ELEMENTS(percentiles) - 1];
  double div = 1;
  const char *unit = "nsec";
  if (v[0] > 2000000 && maxv > 99999999) {
    div = 1e6;
    unit = "msec";
  } else if (v[0] > 2000 && maxv > 99999) {
    div = 1e3;
    unit = "usec";
  }
  g_string_append_printf(s, "    %s percentiles (%s):\n", name, unit);
  for (guint i = 0; i < G_N_ELEMENTS(percentiles); i++) {
    if (i % 4 == 0)
      g_string_append(s, i ? "\n     |" : "     |");
    g_string_append_printf(s, " %5.2fth=[%5.0f]%c", percentiles[i],
                           ceil((double)v[i] / div),
                           i + 1 == G_N_ELEMENTS(percentiles) ? '\n' : ',');
  }
}

static char *report_normal(fio_output *fo) {
  GString *s = g_string_new(NULL);
  static const char *const dn[] = {"read", "write"};
  for (guint i = 0; i < fo->n_jobs; i++) {
    const job *j = &fo->jobs[i];
    g_string_append_printf(s, "%s: (groupid=%d, jobs=1): err= 0: pid=%u\n",
                           j->name, j->groupid, 100 + i);
    for (int d = 0; d < D_TRIM; d++) {
      const dir_acc *a = &j->d[d];
      if (!a->ios)
        continue;
      guint64 rt = MAX(job_runtime_ms(j), 1);
      g_autofree char *iops = num2str(a->ios * 1000 / rt, FALSE, "");
      g_autofree char *bw = num2str(a->bytes * 1000 / rt, TRUE, "B/s");
      g_autofree char *bw10 = num2str(a->bytes * 1000 / rt, FALSE, "B/s");
      g_autofree char *io = num2str(a->bytes, TRUE, "B");
      g_string_append_printf(
          s, "  %s: IOPS=%s, BW=%s (%s)(%s/%" G_GUINT64_FORMAT "msec)\n", dn[d],
          iops, bw, bw10, io, rt);
      normal_lat(s, "clat", &a->clat.st);
      normal_lat(s, " lat", &a->clat.st);
      normal_pcts(s, "clat", &a->clat);
      if (a->bw.n)
        g_string_append_printf(
            s,
            "   bw (  KiB/s): min=%5" G_GUINT64_FORMAT
            ", max=%5" G_GUINT64_FORMAT ", per=100.00%%, avg=%5.02f, "
            "stdev=%5.02f, samples=%" G_GUINT64_FORMAT "\n",
            a->bw.min, a->bw.max, a->bw.mean, stat_dev(&a->bw), a->bw.n);
      if (a->iops.n)
        g_string_append_printf(s,
                               "   iops        : min=%5" G_GUINT64_FORMAT
                               ", max=%5" G_GUINT64_FORMAT
                               ", avg=%5.02f, stdev=%5.02f, "
                               "samples=%" G_GUINT64_FORMAT "\n",
                               a->iops.min, a->iops.max, a->iops.mean,
                               stat_dev(&a->iops), a->iops.n);
    }
    guint64 ios = j->d[D_READ].ios + j->d[D_WRITE].ios;
    static const char *const r[] = {"2",   "4",    "10",   "20",
                                    "50",  "100",  "250",  "500",
                                    "750", "1000", "2000", ">=2000"};
    const guint64 *bk[3] = {j->lat_n, j->lat_u, j->lat_m};
    static const char *const units[] = {"nsec", "usec", "msec"};
    for (int k = 0; k < 3; k++) {
      int n = k == 2 ? 12 : 10, shown = 0;
      for (int b = 0; b < n; b++) {
        if (!bk[k][b])
          continue;
        if (shown % 5 == 0)
          g_string_append_printf(s, "%s  lat (%s)   : ", shown ? "\n" : "",
                                 units[k]);
        else
          g_string_append(s, ", ");
        g_string_append_printf(s, "%s=%3.2f%%", r[b], pct(bk[k][b], ios));
        shown++;
      }
      if (shown)
        g_string_append_c(s, '\n');
    }
    if (j->sync.st.n) {
      g_string_append(s, "  fsync/fdatasync/sync_file_range:\n");
      normal_lat(s, "sync", &j->sync.st);
      normal_pcts(s, "sync", &j->sync);
    }
    g_string_append(s, "  cpu          : usr=0.00%, sys=0.00%, ctx=0, majf=0, "
                       "minf=0\n");
    g_string_append_printf(s,
                           "     issued rwts: total=%" G_GUINT64_FORMAT
                           ",%" G_GUINT64_FORMAT
                           ",0,0 short=0,0,0,0 dropped=0,0,0,0\n",
                           j->d[D_READ].ios, j->d[D_WRITE].ios);
    g_string_append_printf(s,
                           "     latency   : target=0, window=0, "
                           "percentile=100.00%%, depth=%d\n\n",
                           j->iodepth);
  }
  int groups = 0;
  for (guint i = 0; i < fo->n_jobs; i++)
    groups = MAX(groups, fo->jobs[i].groupid + 1);
  for (int g = 0; g < groups; g++) {
    g_string_append_printf(s, "Run status group %d (all jobs):\n", g);
    for (int d = 0; d < D_TRIM; d++) {
      guint64 bytes = 0, rmin = G_MAXUINT64, rmax = 0;
      for (guint i = 0; i < fo->n_jobs; i++) {
        const job *j = &fo->jobs[i];
        if (j->groupid != g || !j->d[d].ios)
          continue;
        guint64 rt = MAX(job_runtime_ms(j), 1);
        bytes += j->d[d].bytes;
        rmin = MIN(rmin, rt);
        rmax = MAX(rmax, rt);
      }
      if (!rmax)
        continue;
      g_autofree char *agg = num2str(bytes * 1000 / rmax, TRUE, "B/s");
      g_autofree char *io = num2str(bytes, TRUE, "B");
      g_string_append_printf(s,
                             "  %s: bw=%s, io=%s, run=%" G_GUINT64_FORMAT
                             "-%" G_GUINT64_FORMAT "msec\n",
                             d ? "WRITE" : " READ", agg, io, rmin, rmax);
    }
  }
  g_string_append(s, "\nDisk stats (read/write):\n");
  for (guint i = 0; i < fo->n_disks; i++) {
    const disk_acc *da = &fo->disks[i];
    g_string_append_printf(s,
                           "  %s: ios=%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                           ", merge=%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                           ", ticks=%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                           ", in_queue=%" G_GUINT64_FORMAT ", util=%3.2f%%\n",
                           da->q->name, da->ios[0], da->ios[1], da->merges[0],
                           da->merges[1], da->ticks_ns[0] / SIM_MS,
                           da->ticks_ns[1] / SIM_MS, da->in_queue_ns / SIM_MS,
                           disk_util(fo, da));
  }
  return g_string_free(s, FALSE);
}

/* ------------------------------------------------------------- finish */

gboolean fio_output_finish(fio_output *fo, sim_run *r, char **text,
                           GError **err) {
  (void)r;
  *text = NULL;
  for (guint i = 0; i < fo->n_jobs; i++) {
    job *j = &fo->jobs[i];
    /* the latency log's last, partial window ends with the job */
    if (j->log_avg_ns) {
      close_windows(fo, j, j->end);
      for (int d = 0; d < D_TRIM; d++) {
        dir_acc *a = &j->d[d];
        if (!a->log_n)
          continue;
        guint64 v = window_value(j, a);
        tail rest = log_tail(j, d, 0, 0);
        log_line(fo, j, j->log[L_LAT], j->end, v, &rest);
        log_line(fo, j, j->log[L_CLAT], j->end, v, &rest);
      }
    }
  }
  for (guint i = 0; i < fo->logs->len; i++) {
    flog *l = g_ptr_array_index(fo->logs, i);
    log_flush(fo, l);
    /* an empty log is still written, as fio's slat log of a sync job */
    g_autofree char *path = g_build_filename(fo->staging, l->name, NULL);
    if (!fo->io_error && !g_file_test(path, G_FILE_TEST_EXISTS) &&
        !g_file_set_contents(path, "", 0, &fo->io_error))
      break;
  }
  if (fo->io_error) {
    g_propagate_error(err, fo->io_error);
    fo->io_error = NULL;
    return FALSE;
  }
  if (fo->format == FIO_OUTPUT_NORMAL)
    *text = report_normal(fo);
  else if (fo->format != FIO_OUTPUT_NONE)
    *text = report_json(fo);
  return TRUE;
}

const char *fio_output_report_name(const fio_output *fo) {
  return fo->format == FIO_OUTPUT_NORMAL ? "fio.txt" : "fio.json";
}

gboolean fio_output_commit(fio_output *fo, const char *dir, GError **err) {
  if (!fo->logs->len)
    return TRUE;
  g_auto(GStrv) old = outdir_marker_names(dir, OUTDIR_RUN);
  GPtrArray *names = g_ptr_array_new();
  for (char **n = old; n && *n; n++)
    g_ptr_array_add(names, *n);
  for (guint i = 0; i < fo->logs->len; i++) {
    const flog *l = g_ptr_array_index(fo->logs, i);
    if (old && g_strv_contains((const char *const *)old, l->name)) {
      g_ptr_array_unref(names);
      g_set_error(err, FIO_OUTPUT_ERROR, FIO_OUTPUT_ERROR_INVALID,
                  "the log %s clashes with a file of the run's results",
                  l->name);
      return FALSE;
    }
    g_ptr_array_add(names, l->name);
  }
  /* The marker first: a file is never there without being named in it. */
  g_autofree char *marker = outdir_marker_text(
      OUTDIR_RUN, (const char *const *)names->pdata, names->len);
  g_ptr_array_unref(names);
  g_autofree char *mpath = g_build_filename(dir, OUTDIR_MARKER, NULL);
  if (!g_file_set_contents(mpath, marker, -1, err))
    return FALSE;
  for (guint i = 0; i < fo->logs->len; i++) {
    const flog *l = g_ptr_array_index(fo->logs, i);
    g_autofree char *src = g_build_filename(fo->staging, l->name, NULL);
    g_autofree char *dst = g_build_filename(dir, l->name, NULL);
    if (g_rename(src, dst) != 0) {
      int e = errno;
      g_set_error(err, FIO_OUTPUT_ERROR, FIO_OUTPUT_ERROR_IO,
                  "cannot move %s to %s: %s", src, dst, g_strerror(e));
      return FALSE;
    }
  }
  return TRUE;
}

void fio_output_free(fio_output *fo) {
  if (!fo)
    return;
  for (guint i = 0; i < fo->logs->len; i++) {
    flog *l = g_ptr_array_index(fo->logs, i);
    /* only what this run staged, and only if still there */
    g_autofree char *path = g_build_filename(fo->staging, l->name, NULL);
    g_unlink(path);
    flog_free(l);
  }
  g_ptr_array_unref(fo->logs);
  g_ptr_array_unref(fo->globals);
  for (guint i = 0; i < fo->n_jobs; i++) {
    job *j = &fo->jobs[i];
    g_free(j->name);
    for (int d = 0; d < D_COUNT; d++)
      g_free(j->d[d].clat.plat);
    g_free(j->sync.plat);
  }
  g_free(fo->jobs);
  for (guint i = 0; i < fo->n_disks; i++) {
    disk_acc *da = &fo->disks[i];
    g_array_unref(da->issued);
  }
  g_free(fo->disks);
  fio_jobfile_free(fo->jf);
  g_clear_error(&fo->io_error);
  g_free(fo->staging);
  g_free(fo);
}
