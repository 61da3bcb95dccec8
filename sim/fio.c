/* fio job files -> workload YAML -> workload (sim/fio.h).
 *
 * Translating to YAML rather than filling the workload directly keeps one
 * loader: --set, defaults and every cross-check stay the YAML loader's.
 * Each emitted key sits on its own YAML line, and a table from YAML lines
 * back to job-file positions turns the loader's errors into errors in the
 * job file. */
#include "sim/fio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "sim/core/params.h"
#include "sim/iolog.h"

/* clang-format off */
G_DEFINE_QUARK(cfqsim-fio-error-quark, fio_error)
/* clang-format on */

/* Every option fio 3.33 knows (`fio --cmdhelp`, the aliases it lists and
 * every engine's options, `fio --enghelp=ENGINE`, whatever the job's
 * engine): an option outside this list is misspelt, one inside it but not
 * simulated is refused by name. */
static const char *const fio_known[] = {
    "allow_file_create",
    "allow_mounted_write",
    "allrandrepeat",
    "arguments",
    "atomic",
    "ba",
    "bindname",
    "block_error_percentiles",
    "blockalign",
    "blocksize",
    "blocksize_range",
    "blocksize_unaligned",
    "brick",
    "bs",
    "bs_unaligned",
    "bsrange",
    "bssplit",
    "buffer_compress_chunk",
    "buffer_compress_percentage",
    "buffer_pattern",
    "buffered",
    "busy_poll",
    "bwavgtime",
    "cgroup",
    "cgroup_nodelete",
    "cgroup_weight",
    "clat_percentiles",
    "clientname",
    "clocksource",
    "clustername",
    "cmd_type",
    "cmdprio",
    "cmdprio_bssplit",
    "cmdprio_class",
    "cmdprio_percentage",
    "conf",
    "continue_on_error",
    "cpuchunks",
    "cpuload",
    "cpumask",
    "cpumode",
    "cpus_allowed",
    "cpus_allowed_policy",
    "create_fsync",
    "create_on_open",
    "create_only",
    "create_serialize",
    "dedupe_global",
    "dedupe_mode",
    "dedupe_percentage",
    "dedupe_working_set_percentage",
    "description",
    "direct",
    "directory",
    "disable_bw",
    "disable_bw_measurement",
    "disable_clat",
    "disable_lat",
    "disable_slat",
    "disk_util",
    "do_verify",
    "donorname",
    "end_fsync",
    "error_dump",
    "exec_postrun",
    "exec_prerun",
    "exit_on_io_done",
    "exit_what",
    "exitall",
    "exitall_on_error",
    "experimental_verify",
    "fadvise_hint",
    "fallocate",
    "fdatasync",
    "file_append",
    "file_service_type",
    "filename",
    "filename_format",
    "fileoffset",
    "filesize",
    "fill_device",
    "fill_fs",
    "fixedbufs",
    "flow",
    "flow_id",
    "flow_sleep",
    "force_async",
    "fsync",
    "fsync_on_close",
    "gid",
    "grace_time",
    "group_reporting",
    "gtod_cpu",
    "gtod_reduce",
    "hipri",
    "hipri_percentage",
    "hostname",
    "ignore_error",
    "ignore_zone_limits",
    "inplace",
    "interface",
    "invalidate",
    "io_limit",
    "io_size",
    "io_submit_mode",
    "iodepth",
    "iodepth_batch",
    "iodepth_batch_complete",
    "iodepth_batch_complete_max",
    "iodepth_batch_complete_min",
    "iodepth_batch_submit",
    "iodepth_low",
    "ioengine",
    "iomem",
    "iopsavgtime",
    "ioscheduler",
    "job_max_open_zones",
    "kb_base",
    "lat_percentiles",
    "latency_percentile",
    "latency_run",
    "latency_target",
    "latency_window",
    "listen",
    "lockfile",
    "lockmem",
    "log_alternate_epoch",
    "log_alternate_epoch_clock_id",
    "log_avg_msec",
    "log_compression",
    "log_compression_cpus",
    "log_entries",
    "log_hist_coarseness",
    "log_hist_msec",
    "log_max_value",
    "log_offset",
    "log_prio",
    "log_store_compressed",
    "log_unix_epoch",
    "loops",
    "max_latency",
    "max_open_zones",
    "mem",
    "merge_blktrace_file",
    "merge_blktrace_iters",
    "merge_blktrace_scalars",
    "mss",
    "name",
    "new_group",
    "nice",
    "nodelay",
    "nonvectored",
    "norandommap",
    "nowait",
    "nr_files",
    "nrfiles",
    "numa_cpu_nodes",
    "numa_mem_policy",
    "number_ios",
    "numjobs",
    "offset",
    "offset_align",
    "offset_increment",
    "opendir",
    "openfiles",
    "overwrite",
    "per_job_logs",
    "percentage_random",
    "percentile_list",
    "pingpong",
    "pool",
    "port",
    "pre_read",
    "prio",
    "prioclass",
    "profile",
    "program",
    "protocol",
    "ramp_time",
    "random_distribution",
    "random_generator",
    "randrepeat",
    "randseed",
    "rate",
    "rate_cycle",
    "rate_ignore_thinktime",
    "rate_iops",
    "rate_iops_min",
    "rate_min",
    "rate_process",
    "ratecycle",
    "ratemin",
    "rbdname",
    "read_beyond_wp",
    "read_iolog",
    "read_iolog_chunked",
    "readfua",
    "readwrite",
    "refill_buffers",
    "registerfiles",
    "replay_align",
    "replay_no_stall",
    "replay_redirect",
    "replay_scale",
    "replay_skip",
    "replay_time_scale",
    "runtime",
    "rw",
    "rw_sequencer",
    "rwmixread",
    "rwmixwrite",
    "scramble_buffers",
    "serialize_overlap",
    "sg_write_mode",
    "significant_figures",
    "size",
    "skip_bad",
    "slat_percentiles",
    "sqthread_poll",
    "sqthread_poll_cpu",
    "ss",
    "ss_dur",
    "ss_ramp",
    "startdelay",
    "stat_type",
    "stats",
    "std_redirect",
    "steadystate",
    "steadystate_duration",
    "steadystate_ramp_time",
    "stonewall",
    "stream_id",
    "sync",
    "sync_file_range",
    "thinktime",
    "thinktime_blocks",
    "thinktime_blocks_type",
    "thinktime_iotime",
    "thinktime_spin",
    "thp",
    "thread",
    "threads", /* accepted by fio 3.33, not in --cmdhelp */

    "time_based",
    "timeout",
    "touch_objects",
    "trim_backlog",
    "trim_backlog_batch",
    "trim_percentage",
    "trim_verify_zero",
    "ttl",
    "uid",
    "uncached",
    "unified_rw_reporting",
    "unique_filename",
    "unit_base",
    "unlink",
    "unlink_each_loop",
    "uri",
    "userspace_reap",
    "verb",
    "verify",
    "verify_async",
    "verify_backlog",
    "verify_backlog_batch",
    "verify_dump",
    "verify_fatal",
    "verify_interval",
    "verify_offset",
    "verify_only",
    "verify_pattern",
    "verify_state_load",
    "verify_state_save",
    "volume",
    "wait_for",
    "wait_for_previous",
    "window_size",
    "write_barrier",
    "write_bw_log",
    "write_hint",
    "write_hist_log",
    "write_iolog",
    "write_iops_log",
    "write_lat_log",
    "writefua",
    "zero_buffers",
    "zone_reset_frequency",
    "zone_reset_threshold",
    "zonecapacity",
    "zonemode",
    "zonerange",
    "zonesize",
    "zoneskip",
    NULL};

static const struct {
  const char *alias, *name;
} fio_aliases[] = {
    {"blockalign", "ba"},
    {"blocksize", "bs"},
    {"blocksize_unaligned", "bs_unaligned"},
    {"blocksize_range", "bsrange"},
    {"disable_bw", "disable_bw_measurement"},
    {"fill_fs", "fill_device"},
    {"io_limit", "io_size"},
    {"iodepth_batch_submit", "iodepth_batch"},
    {"iodepth_batch_complete", "iodepth_batch_complete_min"},
    {"iomem", "mem"},
    {"nr_files", "nrfiles"},
    {"fileoffset", "offset"},
    {"ratecycle", "rate_cycle"},
    {"ratemin", "rate_min"},
    {"timeout", "runtime"},
    {"readwrite", "rw"},
    {"ss", "steadystate"},
    {"ss_dur", "steadystate_duration"},
    {"ss_ramp", "steadystate_ramp_time"},
    {"wait_for_previous", "stonewall"},
};

/* The options simulated (or, for the last group, without any effect on
 * what is simulated), by fio's canonical name. */
typedef enum {
  O_NAME,
  O_RW,
  O_BS,
  O_SIZE,
  O_OFFSET,
  O_OFFSET_INCREMENT,
  O_IO_SIZE,
  O_NUMJOBS,
  O_IODEPTH,
  O_IOENGINE,
  O_DIRECT,
  O_BUFFERED,
  O_INVALIDATE,
  O_RUNTIME,
  O_TIME_BASED,
  O_STARTDELAY,
  O_NUMBER_IOS,
  O_RWMIXREAD,
  O_RWMIXWRITE,
  O_THINKTIME,
  O_THINKTIME_BLOCKS,
  O_PRIO,
  O_PRIOCLASS,
  O_NICE,
  O_FSYNC,
  O_FDATASYNC,
  O_END_FSYNC,
  O_FILENAME,
  O_CGROUP,
  O_DIRECTORY,
  O_IOSCHEDULER,
  O_CGROUP_WEIGHT,
  /* trace replay */
  O_READ_IOLOG,
  O_REPLAY_NO_STALL,
  O_REPLAY_TIME_SCALE,
  O_REPLAY_REDIRECT,
  O_BSRANGE,
  O_BSSPLIT,
  O_RATE,
  O_RATE_IOPS,
  O_RATE_PROCESS,
  O_RAMP_TIME,
  O_LOOPS,
  O_RANDOM_DISTRIBUTION,
  O_PERCENTAGE_RANDOM,
  O_RANDSEED,
  O_STONEWALL,
  O_WAIT_FOR,
  O_NRFILES,
  O_FILESIZE,
  O_BLOCKALIGN,
  O_IGNORED, /* description, group_reporting, ... */
  O_COUNT
} opt_id;

static const struct {
  const char *name;
  opt_id id;
} simulated[] = {
    {"name", O_NAME},
    {"rw", O_RW},
    {"bs", O_BS},
    {"size", O_SIZE},
    {"offset", O_OFFSET},
    {"offset_increment", O_OFFSET_INCREMENT},
    {"io_size", O_IO_SIZE},
    {"numjobs", O_NUMJOBS},
    {"iodepth", O_IODEPTH},
    {"ioengine", O_IOENGINE},
    {"direct", O_DIRECT},
    {"buffered", O_BUFFERED},
    {"invalidate", O_INVALIDATE},
    {"runtime", O_RUNTIME},
    {"time_based", O_TIME_BASED},
    {"startdelay", O_STARTDELAY},
    {"number_ios", O_NUMBER_IOS},
    {"rwmixread", O_RWMIXREAD},
    {"rwmixwrite", O_RWMIXWRITE},
    {"thinktime", O_THINKTIME},
    {"thinktime_blocks", O_THINKTIME_BLOCKS},
    {"prio", O_PRIO},
    {"prioclass", O_PRIOCLASS},
    {"nice", O_NICE},
    {"fsync", O_FSYNC},
    {"fdatasync", O_FDATASYNC},
    {"end_fsync", O_END_FSYNC},
    {"filename", O_FILENAME},
    {"cgroup", O_CGROUP},
    {"directory", O_DIRECTORY},
    {"ioscheduler", O_IOSCHEDULER},
    {"cgroup_weight", O_CGROUP_WEIGHT},
    {"read_iolog", O_READ_IOLOG},
    {"replay_no_stall", O_REPLAY_NO_STALL},
    {"replay_time_scale", O_REPLAY_TIME_SCALE},
    {"replay_redirect", O_REPLAY_REDIRECT},
    {"bsrange", O_BSRANGE},
    {"bssplit", O_BSSPLIT},
    {"rate", O_RATE},
    {"rate_iops", O_RATE_IOPS},
    {"rate_process", O_RATE_PROCESS},
    {"ramp_time", O_RAMP_TIME},
    {"loops", O_LOOPS},
    {"random_distribution", O_RANDOM_DISTRIBUTION},
    {"percentage_random", O_PERCENTAGE_RANDOM},
    {"randseed", O_RANDSEED},
    {"stonewall", O_STONEWALL},
    {"wait_for", O_WAIT_FOR},
    {"nrfiles", O_NRFILES},
    {"filesize", O_FILESIZE},
    {"ba", O_BLOCKALIGN},
    /* Reporting, or what the simulation does anyway (docs/fio.md): random
     * draws are repeatable (the seed) and with replacement (no random
     * map); fio's threads share no io_context (pthreads are created
     * without CLONE_IO); new_group starts a reporting group only;
     * `threads` is the tiobench profile's, which changes nothing in a
     * job file that does not load that profile. */
    {"description", O_IGNORED},
    {"group_reporting", O_IGNORED},
    {"new_group", O_IGNORED},
    {"randrepeat", O_IGNORED},
    {"norandommap", O_IGNORED},
    {"thread", O_IGNORED},
    /* fio's outputs, which sim/fio-output.c reads from the job file */
    {"write_lat_log", O_IGNORED},
    {"write_bw_log", O_IGNORED},
    {"write_iops_log", O_IGNORED},
    {"log_avg_msec", O_IGNORED},
    {"log_offset", O_IGNORED},
    {"log_prio", O_IGNORED},
    {"log_max_value", O_IGNORED},
    {"per_job_logs", O_IGNORED},
    {"threads", O_IGNORED},
};

static const char *canonical(const char *name) {
  for (guint i = 0; i < G_N_ELEMENTS(fio_aliases); i++)
    if (strcmp(fio_aliases[i].alias, name) == 0)
      return fio_aliases[i].name;
  return name;
}

static gboolean known(const char *name) {
  for (int i = 0; fio_known[i]; i++)
    if (strcmp(fio_known[i], name) == 0)
      return TRUE;
  return FALSE;
}

static int simulated_id(const char *name) {
  for (guint i = 0; i < G_N_ELEMENTS(simulated); i++)
    if (strcmp(simulated[i].name, name) == 0)
      return (int)simulated[i].id;
  return -1;
}

/* ---------------------------------------------------------------- units */

gboolean fio_parse_size(const char *text, guint64 *bytes) {
  if (!text || !g_ascii_isdigit(text[0]))
    return FALSE;
  char *end = NULL;
  errno = 0;
  guint64 n = g_ascii_strtoull(text, &end, 0);
  if (errno || end == text)
    return FALSE;
  g_autofree char *unit = g_ascii_strdown(end, -1);
  g_strstrip(unit);
  static const struct {
    const char *suffix;
    int pow;
    guint64 base;
  } units[] = {
      {"", 0, 1},       {"b", 0, 1},      {"k", 1, 1024},   {"kb", 1, 1024},
      {"kib", 1, 1000}, {"m", 2, 1024},   {"mb", 2, 1024},  {"mib", 2, 1000},
      {"g", 3, 1024},   {"gb", 3, 1024},  {"gib", 3, 1000}, {"t", 4, 1024},
      {"tb", 4, 1024},  {"tib", 4, 1000}, {"p", 5, 1024},   {"pb", 5, 1024},
      {"pib", 5, 1000},
  };
  for (guint i = 0; i < G_N_ELEMENTS(units); i++) {
    if (strcmp(unit, units[i].suffix) != 0)
      continue;
    guint64 mult = 1;
    for (int p = 0; p < units[i].pow; p++)
      mult *= units[i].base;
    if (n > G_MAXUINT64 / mult)
      return FALSE;
    *bytes = n * mult;
    return TRUE;
  }
  return FALSE;
}

gboolean fio_parse_time(const char *text, gint64 unit_ns, gint64 *ns) {
  if (!text || !g_ascii_isdigit(text[0]))
    return FALSE;
  char *end = NULL;
  errno = 0;
  guint64 n = g_ascii_strtoull(text, &end, 10);
  if (errno || end == text)
    return FALSE;
  g_autofree char *unit = g_ascii_strdown(end, -1);
  g_strstrip(unit);
  static const struct {
    const char *suffix;
    gint64 ns;
  } units[] = {
      {"ns", 1},
      {"nsec", 1},
      {"us", 1000},
      {"usec", 1000},
      {"ms", 1000000},
      {"msec", 1000000},
      {"s", G_GINT64_CONSTANT(1000000000)},
      {"m", G_GINT64_CONSTANT(60000000000)},
      {"h", G_GINT64_CONSTANT(3600000000000)},
      {"d", G_GINT64_CONSTANT(86400000000000)},
  };
  gint64 mult = 0;
  if (!*unit)
    mult = unit_ns;
  for (guint i = 0; !mult && i < G_N_ELEMENTS(units); i++)
    if (strcmp(unit, units[i].suffix) == 0)
      mult = units[i].ns;
  if (!mult || n > (guint64)(G_MAXINT64 / mult))
    return FALSE;
  *ns = (gint64)n * mult;
  return TRUE;
}

/* --------------------------------------------------------------- syntax */

static void option_free(gpointer p) {
  fio_option *o = p;
  g_free(o->name);
  g_free(o->value);
  g_free(o);
}

static void section_free(gpointer p) {
  fio_section *s = p;
  g_free(s->name);
  g_ptr_array_unref(s->options);
  g_free(s);
}

void fio_jobfile_free(fio_jobfile *jf) {
  if (!jf)
    return;
  g_free(jf->path);
  g_ptr_array_unref(jf->sections);
  g_ptr_array_unref(jf->files);
  g_free(jf);
}

static gboolean is_comment(const char *s) { return *s == ';' || *s == '#'; }

gboolean fio_is_jobfile(const char *path, const char *text, gsize len) {
  if (path && g_str_has_suffix(path, ".fio"))
    return TRUE;
  gsize i = 0;
  while (text && i < len) {
    while (i < len && g_ascii_isspace(text[i]))
      i++;
    if (i < len && is_comment(text + i)) {
      while (i < len && text[i] != '\n')
        i++;
      continue;
    }
    return i < len && text[i] == '[';
  }
  return FALSE;
}

/* fio's ${VAR}: the environment's value; an unset variable is an error
 * rather than silently empty. */
static char *expand_env(const char *path, const char *v, int line, int col,
                        GError **err) {
  GString *out = g_string_new(NULL);
  for (const char *p = v; *p;) {
    const char *close = NULL;
    if (p[0] == '$' && p[1] == '{' && (close = strchr(p + 2, '}'))) {
      g_autofree char *var = g_strndup(p + 2, close - (p + 2));
      const char *val = g_getenv(var);
      if (!val) {
        g_set_error(err, FIO_ERROR, FIO_ERROR_PARSE,
                    "%s:%d:%d: environment variable '%s' is not set", path,
                    line, col + (int)(p - v), var);
        g_string_free(out, TRUE);
        return NULL;
      }
      g_string_append(out, val);
      p = close + 1;
    } else {
      g_string_append_c(out, *p++);
    }
  }
  return g_string_free(out, FALSE);
}

char *fio_jobfile_where(const fio_jobfile *jf, int line) {
  guint f = (guint)(line / FIO_FILE_LINES);
  const char *path = f < jf->files->len ? jf->files->pdata[f] : jf->path;
  return g_strdup_printf("%s:%d", path, line % FIO_FILE_LINES);
}

#define MAX_INCLUDE_DEPTH 16

static gboolean parse_text(fio_jobfile *jf, guint file, const char *text,
                           gsize len, fio_section **cur, int depth,
                           GError **err);

/* `include FILE` at `where` (position prefix) of file `from`. */
static gboolean parse_include(fio_jobfile *jf, guint from, const char *where,
                              const char *name, fio_section **cur, int depth,
                              GError **err) {
  if (!*cur) {
    g_set_error(err, FIO_ERROR, FIO_ERROR_PARSE,
                "%s: include outside of a section (fio reads it as an "
                "option of the section it is in)",
                where);
    return FALSE;
  }
  if (!*name) {
    g_set_error(err, FIO_ERROR, FIO_ERROR_PARSE, "%s: include: needs a file",
                where);
    return FALSE;
  }
  if (depth >= MAX_INCLUDE_DEPTH || jf->files->len >= FIO_MAX_FILES) {
    g_set_error(err, FIO_ERROR, FIO_ERROR_PARSE,
                "%s: include: more than %d files or %d levels deep (an "
                "include loop?)",
                where, FIO_MAX_FILES, MAX_INCLUDE_DEPTH);
    return FALSE;
  }
  g_autofree char *dir = g_path_get_dirname(jf->files->pdata[from]);
  char *path = g_path_is_absolute(name) || strcmp(dir, ".") == 0
                   ? g_strdup(name)
                   : g_build_filename(dir, name, NULL);
  g_ptr_array_add(jf->files, path);
  g_autofree char *text = NULL;
  gsize len = 0;
  GError *local = NULL;
  /* a device or a FIFO would never end */
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(err, FIO_ERROR, FIO_ERROR_IO,
                "%s: include: '%s' is not a regular file", where, path);
    return FALSE;
  }
  if (!g_file_get_contents(path, &text, &len, &local)) {
    g_set_error(err, FIO_ERROR, FIO_ERROR_IO, "%s: include: %s", where,
                local->message);
    g_error_free(local);
    return FALSE;
  }
  return parse_text(jf, jf->files->len - 1, text, len, cur, depth + 1, err);
}

static gboolean parse_text(fio_jobfile *jf, guint file, const char *text,
                           gsize len, fio_section **cur, int depth,
                           GError **err) {
  const char *path = jf->files->pdata[file];
  if (memchr(text, '\0', len)) {
    g_set_error(err, FIO_ERROR, FIO_ERROR_PARSE, "%s: a NUL byte in the file",
                path);
    return FALSE;
  }
  g_autofree char *copy = g_strndup(text, len);
  char **lines = g_strsplit(copy, "\n", -1);
  gboolean ok = TRUE;
  int base = (int)file * FIO_FILE_LINES;
  for (int ln = 0; ok && lines[ln]; ln++) {
    if (ln + 1 >= FIO_FILE_LINES) {
      g_set_error(err, FIO_ERROR, FIO_ERROR_PARSE, "%s: more than %d lines",
                  path, FIO_FILE_LINES - 1);
      ok = FALSE;
      break;
    }
    char *l = lines[ln];
    g_strchomp(l); /* also the '\r' of CRLF files */
    int col = 1;
    while (*l == ' ' || *l == '\t')
      l++, col++;
    if (!*l || is_comment(l))
      continue;
    if (*l == '[' && depth > 0) {
      g_set_error(err, FIO_ERROR, FIO_ERROR_PARSE,
                  "%s:%d:%d: no new sections in an included file (fio's "
                  "rule)",
                  path, ln + 1, col);
      ok = FALSE;
      break;
    }
    if (*l == '[') {
      char *close = strchr(l, ']');
      if (!close || close[1] || close == l + 1) {
        g_set_error(err, FIO_ERROR, FIO_ERROR_PARSE,
                    "%s:%d:%d: a section header is '[name]' alone on its line",
                    path, ln + 1, col);
        ok = FALSE;
        break;
      }
      fio_section *sec = g_new0(fio_section, 1);
      sec->name = g_strndup(l + 1, close - (l + 1));
      sec->line = base + ln + 1;
      sec->col = col;
      sec->options = g_ptr_array_new_with_free_func(option_free);
      g_ptr_array_add(jf->sections, sec);
      *cur = sec;
      continue;
    }
    /* fio ends an option line at a ';' or '#' wherever it is */
    l[strcspn(l, ";#")] = '\0';
    g_strchomp(l);
    if (g_str_has_prefix(l, "include") && (l[7] == ' ' || l[7] == '\t')) {
      g_autofree char *where = g_strdup_printf("%s:%d:%d", path, ln + 1, col);
      ok = parse_include(jf, file, where, g_strstrip(l + 8), cur, depth, err);
      continue;
    }
    if (!*cur) {
      g_set_error(err, FIO_ERROR, FIO_ERROR_PARSE,
                  "%s:%d:%d: option before the first section (start with "
                  "[global] or [jobname])",
                  path, ln + 1, col);
      ok = FALSE;
      break;
    }
    char *eq = strchr(l, '=');
    fio_option *o = g_new0(fio_option, 1);
    o->order = (int)++jf->options;
    o->line = base + ln + 1;
    o->col = col;
    o->name = g_ascii_strdown(l, eq ? eq - l : -1);
    g_strstrip(o->name);
    if (eq) {
      char *v = eq + 1;
      while (*v == ' ' || *v == '\t')
        v++;
      o->value_col = col + (int)(v - l);
      o->value = expand_env(path, v, ln + 1, o->value_col, err);
      if (!o->value)
        ok = FALSE;
      else
        g_strstrip(o->value);
    }
    if (ok && !*o->name) {
      g_set_error(err, FIO_ERROR, FIO_ERROR_PARSE,
                  "%s:%d:%d: an option without a name", path, ln + 1, col);
      ok = FALSE;
    }
    g_ptr_array_add((*cur)->options, o);
  }
  g_strfreev(lines);
  return ok;
}

fio_jobfile *fio_jobfile_parse(const char *path, const char *text, gsize len,
                               GError **err) {
  fio_jobfile *jf = g_new0(fio_jobfile, 1);
  jf->path = g_strdup(path);
  jf->sections = g_ptr_array_new_with_free_func(section_free);
  jf->files = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(jf->files, g_strdup(path));
  fio_section *cur = NULL;
  if (!parse_text(jf, 0, text, len, &cur, 0, err)) {
    fio_jobfile_free(jf);
    return NULL;
  }
  return jf;
}

/* ---------------------------------------------------------- translation */

typedef struct {
  int line, col;
} fpos;

typedef struct {
  const char *path;
  const fio_jobfile *jf;
  GString *yaml;
  GArray *pos; /* fpos per YAML line, [0] for line 1 */
  GError **err;
} emitter;

static void emit_line(emitter *e, fpos p, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static void emit_line(emitter *e, fpos p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_string_append_vprintf(e->yaml, fmt, ap);
  va_end(ap);
  g_string_append_c(e->yaml, '\n');
  g_array_append_val(e->pos, p);
}

/* A YAML double-quoted scalar. */
static char *quoted(const char *s) {
  GString *q = g_string_new("\"");
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      g_string_append_c(q, '\\');
    if ((unsigned char)*s < 0x20)
      g_string_append_printf(q, "\\x%02x", (unsigned char)*s);
    else
      g_string_append_c(q, *s);
  }
  g_string_append_c(q, '"');
  return g_string_free(q, FALSE);
}

static gboolean fail(emitter *e, int code, int line, int col, const char *fmt,
                     ...) G_GNUC_PRINTF(5, 6);
static gboolean fail(emitter *e, int code, int line, int col, const char *fmt,
                     ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *where = fio_jobfile_where(e->jf, line);
  g_set_error(e->err, FIO_ERROR, code, "%s:%d: %s", where, col, msg);
  return FALSE;
}

/* One job: the options in force for it (the [global]s before it, then its
 * own; a later one wins), by id. */
typedef struct {
  const fio_section *sec;
  const fio_option *opt[O_COUNT];
  guint64 size, offset, offset_increment, numjobs;
  guint64 amount; /* bytes a job not time_based moves: size, or filesize */
  guint64 nrfiles, span; /* its files, and the bytes they span */
  int device;            /* index into devices; files are on device 0 */
  char *file; /* the file's path, directory included; NULL: fio's own */
} job;

static void job_clear(gpointer p) { g_free(((job *)p)->file); }

static gboolean check_option(emitter *e, const fio_option *o) {
  const char *name = canonical(o->name);
  if (simulated_id(name) >= 0)
    return TRUE;
  if (known(name))
    return fail(e, FIO_ERROR_UNSUPPORTED, o->line, o->col,
                "option '%s' is not simulated by cfqsim", o->name);
  const char *s = params_suggest_name(fio_known, o->name);
  g_autofree char *h =
      s ? g_strdup_printf(" (did you mean '%s'?)", s) : g_strdup("");
  return fail(e, FIO_ERROR_PARSE, o->line, o->col, "unknown option '%s'%s",
              o->name, h);
}

/* "line N" of the job file, "FILE:N" of an included one. */
static char *line_ref(const emitter *e, int line) {
  if (line < FIO_FILE_LINES)
    return g_strdup_printf("line %d", line);
  return fio_jobfile_where(e->jf, line);
}

static fpos pos_of(const fio_option *o) {
  return (fpos){o->line, o->value ? o->value_col : o->col};
}

static gboolean need_value(emitter *e, const fio_option *o) {
  if (o->value)
    return TRUE;
  return fail(e, FIO_ERROR_PARSE, o->line, o->col, "%s: needs a value",
              o->name);
}

static gboolean get_size(emitter *e, const fio_option *o, guint64 *out) {
  if (!need_value(e, o))
    return FALSE;
  if (strchr(o->value, '%'))
    return fail(e, FIO_ERROR_UNSUPPORTED, o->line, o->value_col,
                "%s: percentages are not simulated", o->name);
  if (strchr(o->value, '-') || strchr(o->value, ':') || strchr(o->value, ','))
    return fail(e, FIO_ERROR_UNSUPPORTED, o->line, o->value_col,
                "%s: ranges and per-direction values are not simulated",
                o->name);
  if (fio_parse_size(o->value, out))
    return TRUE;
  return fail(e, FIO_ERROR_PARSE, o->line, o->value_col,
              "%s: '%s' is not a size (e.g. 4k, 1m, 10g)", o->name, o->value);
}

static gboolean get_int(emitter *e, const fio_option *o, guint64 max,
                        guint64 *out) {
  if (!o->value) { /* fio's flags: present means 1 */
    *out = 1;
    return max >= 1 || fail(e, FIO_ERROR_PARSE, o->line, o->col,
                            "%s: needs a value", o->name);
  }
  if (!fio_parse_size(o->value, out))
    return fail(e, FIO_ERROR_PARSE, o->line, o->value_col,
                "%s: '%s' is not a whole number", o->name, o->value);
  if (*out > max)
    return fail(e, FIO_ERROR_PARSE, o->line, o->value_col,
                "%s: %s is out of range 0 to %" G_GUINT64_FORMAT, o->name,
                o->value, max);
  return TRUE;
}

static gboolean get_time(emitter *e, const fio_option *o, gint64 unit,
                         gint64 *ns) {
  if (!need_value(e, o))
    return FALSE;
  if (strchr(o->value, '-') || strchr(o->value, ':'))
    return fail(e, FIO_ERROR_UNSUPPORTED, o->line, o->value_col,
                "%s: ranges are not simulated", o->name);
  if (fio_parse_time(o->value, unit, ns))
    return TRUE;
  return fail(e, FIO_ERROR_PARSE, o->line, o->value_col,
              "%s: '%s' is not a time (e.g. 10, 10s, 500ms)", o->name,
              o->value);
}

/* A device name from a filename: /dev/NAME with a name a results file
 * can carry; NULL for a regular file. */
static char *device_name(const char *filename) {
  if (!g_str_has_prefix(filename, "/dev/") || !filename[5])
    return NULL;
  for (const char *p = filename + 5; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-')
      return NULL;
  return g_strdup(filename + 5);
}

static gboolean collect(emitter *e, const fio_jobfile *jf, GArray *jobs) {
  const fio_option *global[O_COUNT] = {0};
  for (guint s = 0; s < jf->sections->len; s++) {
    const fio_section *sec = g_ptr_array_index(jf->sections, s);
    gboolean is_global = strcmp(sec->name, "global") == 0;
    job j = {.sec = sec};
    memcpy(j.opt, global, sizeof global);
    for (guint i = 0; i < sec->options->len; i++) {
      const fio_option *o = g_ptr_array_index(sec->options, i);
      if (!check_option(e, o))
        return FALSE;
      int id = simulated_id(canonical(o->name));
      /* fio names a job after its section whatever a [global] name=
       * says (its JSON's jobname). */
      if (is_global && id != O_NAME)
        global[id] = o;
      j.opt[id] = o;
    }
    if (!is_global)
      g_array_append_val(jobs, j);
  }
  if (jobs->len == 0)
    return fail(e, FIO_ERROR_PARSE, 1, 1, "no job section (only [global])");
  return TRUE;
}

/* ---------------------------------------------------------------- replay */

/* The trace a job replays, next to the job file unless absolute (fio
 * opens it from the current directory: the same when run from there). */
static char *replay_path(const emitter *e, const char *value) {
  if (g_path_is_absolute(value))
    return g_strdup(value);
  g_autofree char *dir = g_path_get_dirname(e->path);
  return g_build_filename(dir, value, NULL);
}

static void add_device(GPtrArray *devices, const char *name) {
  for (guint k = 0; k < devices->len; k++)
    if (strcmp(g_ptr_array_index(devices, k), name) == 0)
      return;
  g_ptr_array_add(devices, g_strdup(name));
}

/* A replaying job's devices: replay_redirect's, else every one its
 * trace's I/Os went to.  `dev` gets the job's own device: filename=/dev/X
 * (where a log's regular files lie), the redirect, or the trace's first. */
static gboolean replay_devices(emitter *e, job *j, GPtrArray *devices,
                               char **dev) {
  const fio_option *const *o = j->opt;
  const fio_option *log = o[O_READ_IOLOG];
  if (!need_value(e, log))
    return FALSE;
  if (strchr(log->value, ':'))
    return fail(e, FIO_ERROR_UNSUPPORTED, log->line, log->value_col,
                "read_iolog: several logs (one per clone) are not simulated");
  if (j->numjobs != 1)
    return fail(e, FIO_ERROR_UNSUPPORTED, o[O_NUMJOBS]->line,
                o[O_NUMJOBS]->value_col,
                "numjobs: clones of a replaying job are not simulated (its "
                "trace's pids become the processes)");
  const fio_option *f = o[O_FILENAME], *r = o[O_REPLAY_REDIRECT];
  if (f && (!need_value(e, f) || !(*dev = device_name(f->value))))
    return fail(e, FIO_ERROR_UNSUPPORTED, f->line, f->value_col,
                "filename: with read_iolog the log names the files; only a "
                "/dev/ name (the device of its regular files) is simulated");
  if (*dev)
    add_device(devices, *dev);
  if (r) {
    g_autofree char *name = NULL;
    if (!need_value(e, r) || !(name = device_name(r->value)))
      return fail(e, FIO_ERROR_UNSUPPORTED, r->line, r->value_col,
                  "replay_redirect: '%s' is not a /dev/ name (a simulated "
                  "device)",
                  r->value ? r->value : "");
    add_device(devices, name);
    if (!*dev)
      *dev = g_steal_pointer(&name);
    return TRUE;
  }
  g_autofree char *path = replay_path(e, log->value);
  iolog_options io = {.time_scale = 100};
  GError *local = NULL;
  g_autoptr(iolog) l = iolog_load(path, &io, &local);
  if (!l) {
    int code = local->code == IOLOG_ERROR_UNSUPPORTED ? FIO_ERROR_UNSUPPORTED
                                                      : FIO_ERROR_PARSE;
    fail(e, code, log->line, log->value_col, "read_iolog: %s", local->message);
    g_error_free(local);
    return FALSE;
  }
  for (guint k = 0; k < l->streams->len; k++) {
    const iolog_stream *s = g_ptr_array_index(l->streams, k);
    if (!s->device)
      continue;
    add_device(devices, s->device);
    if (!*dev)
      *dev = g_strdup(s->device);
  }
  return TRUE;
}

/* prio and prioclass: the job's ioprio (fio's default class is be). */
static gboolean emit_ioprio(emitter *e, const fio_option *const *o) {
  if (!o[O_PRIO] && !o[O_PRIOCLASS])
    return TRUE;
  guint64 level = 4, cls = 2;
  if (o[O_PRIO] && !get_int(e, o[O_PRIO], 7, &level))
    return FALSE;
  if (o[O_PRIOCLASS] && !get_int(e, o[O_PRIOCLASS], 3, &cls))
    return FALSE;
  static const char *const classes[] = {"none", "rt", "be", "idle"};
  const fio_option *at = o[O_PRIOCLASS] ? o[O_PRIOCLASS] : o[O_PRIO];
  if (cls == 0)
    emit_line(e, pos_of(at), "    ioprio: none");
  else
    emit_line(e, pos_of(at), "    ioprio: %s/%" G_GUINT64_FORMAT, classes[cls],
              level);
  return TRUE;
}

/* A replaying job: the trace decides what is read and written, where
 * and when, so rw, bs, size and offset are not used, as in fio; what
 * would change the replay otherwise is refused. */
static gboolean emit_replay(emitter *e, job *j) {
  const fio_option *const *o = j->opt;
  static const opt_id refused[] = {O_THINKTIME, O_THINKTIME_BLOCKS,
                                   O_FSYNC,     O_FDATASYNC,
                                   O_END_FSYNC, O_TIME_BASED};
  for (guint i = 0; i < G_N_ELEMENTS(refused); i++)
    if (o[refused[i]])
      return fail(e, FIO_ERROR_UNSUPPORTED, o[refused[i]]->line,
                  o[refused[i]]->col, "%s: not simulated with read_iolog",
                  o[refused[i]]->name);
  guint64 v;
  for (int k = 0; k < 2; k++) {
    const fio_option *d = o[k ? O_BUFFERED : O_DIRECT];
    if (!d)
      continue;
    if (!get_int(e, d, 1, &v))
      return FALSE;
    if ((k == 0) != (v == 1))
      return fail(e, FIO_ERROR_UNSUPPORTED, d->line, d->col,
                  "%s: a replay is direct I/O here (buffered replay is not "
                  "simulated)",
                  d->name);
  }
  g_autofree char *file = quoted(o[O_READ_IOLOG]->value);
  emit_line(e, pos_of(o[O_READ_IOLOG]), "    replay:");
  emit_line(e, pos_of(o[O_READ_IOLOG]), "      file: %s", file);
  if (o[O_REPLAY_NO_STALL]) {
    if (!get_int(e, o[O_REPLAY_NO_STALL], 1, &v))
      return FALSE;
    emit_line(e, pos_of(o[O_REPLAY_NO_STALL]), "      no_stall: %d", (int)v);
  }
  if (o[O_REPLAY_TIME_SCALE]) {
    const fio_option *t = o[O_REPLAY_TIME_SCALE];
    if (!get_int(e, t, 1000000, &v))
      return FALSE;
    if (v == 0)
      return fail(e, FIO_ERROR_PARSE, t->line, t->value_col,
                  "%s: 0 is out of range 1 to 1000000 (a percentage of the "
                  "recorded rate)",
                  t->name);
    emit_line(e, pos_of(o[O_REPLAY_TIME_SCALE]),
              "      time_scale: %" G_GUINT64_FORMAT, v);
  }
  if (o[O_REPLAY_REDIRECT]) {
    g_autofree char *dev = device_name(o[O_REPLAY_REDIRECT]->value);
    emit_line(e, pos_of(o[O_REPLAY_REDIRECT]), "      redirect: %s", dev);
  }
  /* fio's synchronous engines: one I/O in flight */
  static const char *const async_engines[] = {"libaio", "io_uring", "posixaio",
                                              NULL};
  const char *engine = o[O_IOENGINE] ? o[O_IOENGINE]->value : "psync";
  if (!engine)
    return need_value(e, o[O_IOENGINE]);
  if (o[O_IODEPTH]) {
    if (!get_int(e, o[O_IODEPTH], G_MAXINT, &v))
      return FALSE;
    emit_line(e, pos_of(o[O_IODEPTH]), "    iodepth: %" G_GUINT64_FORMAT,
              g_strv_contains(async_engines, engine) ? v : 1);
  }
  gint64 ns;
  static const struct {
    opt_id id;
    const char *key;
  } times[] = {{O_STARTDELAY, "start"}, {O_RUNTIME, "runtime"}};
  for (guint i = 0; i < G_N_ELEMENTS(times); i++) {
    const fio_option *t = o[times[i].id];
    if (!t)
      continue;
    if (!get_time(e, t, G_GINT64_CONSTANT(1000000000), &ns))
      return FALSE;
    emit_line(e, pos_of(t), "    %s: %" G_GINT64_FORMAT "ns", times[i].key, ns);
  }
  if (o[O_IO_SIZE]) {
    if (!get_size(e, o[O_IO_SIZE], &v))
      return FALSE;
    emit_line(e, pos_of(o[O_IO_SIZE]), "    io_size: %" G_GUINT64_FORMAT, v);
  }
  if (o[O_NUMBER_IOS]) {
    if (!get_int(e, o[O_NUMBER_IOS], G_MAXINT64, &v))
      return FALSE;
    emit_line(e, pos_of(o[O_NUMBER_IOS]), "    count: %" G_GUINT64_FORMAT, v);
  }
  if (!emit_ioprio(e, o))
    return FALSE;
  if (o[O_NICE]) {
    gint64 n;
    if (!need_value(e, o[O_NICE]))
      return FALSE;
    if (!g_ascii_string_to_signed(o[O_NICE]->value, 10, -20, 19, &n, NULL))
      return fail(e, FIO_ERROR_PARSE, o[O_NICE]->line, o[O_NICE]->value_col,
                  "nice: '%s' is not a whole number from -20 to 19",
                  o[O_NICE]->value);
    emit_line(e, pos_of(o[O_NICE]), "    nice: %" G_GINT64_FORMAT, n);
  }
  return TRUE;
}

static const char *const rw_names[] = {"read",      "write", "randread",
                                       "randwrite", "rw",    "readwrite",
                                       "randrw",    NULL};

/* A hole or step back of a sequential job: less than a device. */
#define MAX_SKIP (G_GUINT64_CONSTANT(1) << 50)

static const char *job_name(const job *j) {
  const fio_option *n = j->opt[O_NAME];
  return n && n->value ? n->value : j->sec->name;
}

/* A value fio reads per direction (read,write,trim) as one for all. */
static gboolean no_directions(emitter *e, const fio_option *o) {
  if (!need_value(e, o))
    return FALSE;
  if (strchr(o->value, ','))
    return fail(e, FIO_ERROR_UNSUPPORTED, o->line, o->value_col,
                "%s: per-direction values are not simulated", o->name);
  return TRUE;
}

/* The value of a per-direction option (read,write,trim; a missing one
 * repeats the last given) for the directions the job does: one value if
 * they agree, else refused.  An empty field keeps fio's default. */
static gboolean direction_value(emitter *e, const job *j, const fio_option *o,
                                char **value) {
  if (!need_value(e, o))
    return FALSE;
  g_auto(GStrv) f = g_strsplit(o->value, ",", 3);
  const char *rw =
      j->opt[O_RW] && j->opt[O_RW]->value ? j->opt[O_RW]->value : "read";
  gboolean both = g_str_has_prefix(rw, "rw") ||
                  g_str_has_prefix(rw, "readwrite") ||
                  g_str_has_prefix(rw, "randrw");
  gboolean writes = both || strstr(rw, "write");
  guint n = g_strv_length(f);
  if (n == 0) /* `opt=`: nothing to read, as for any other number */
    return fail(e, FIO_ERROR_PARSE, o->line, o->value_col, "%s: needs a value",
                o->name);
  const char *rd = f[0], *wr = f[MIN(n, 2u) - 1];
  const char *v = writes ? wr : rd;
  if (both && strcmp(rd, wr) != 0)
    return fail(e, FIO_ERROR_UNSUPPORTED, o->line, o->value_col,
                "%s: different values for reads and writes are not "
                "simulated",
                o->name);
  *value = g_strdup(v);
  return TRUE;
}

/* The later of two options setting the same thing wins, as in fio. */
static const fio_option *later(const fio_option *a, const fio_option *b) {
  if (!a || !b)
    return a ? a : b;
  return a->order > b->order ? a : b;
}

/* bs, bsrange and bssplit: the one in force. */
static gboolean emit_block_sizes(emitter *e, const job *j) {
  const fio_option *const *o = j->opt;
  guint64 v;
  if (o[O_BSSPLIT]) { /* fio uses the split whatever bs says */
    const fio_option *b = o[O_BSSPLIT];
    if (!no_directions(e, b))
      return FALSE;
    GString *out = g_string_new(NULL);
    g_auto(GStrv) items = g_strsplit(b->value, ":", -1);
    for (guint i = 0; items[i]; i++) {
      g_auto(GStrv) f = g_strsplit(items[i], "/", 2);
      if (!f[0] || !fio_parse_size(f[0], &v)) {
        g_string_free(out, TRUE);
        return fail(e, FIO_ERROR_PARSE, b->line, b->value_col,
                    "bssplit: '%s' is not SIZE/PERCENT", items[i]);
      }
      g_string_append_printf(out, "%s%" G_GUINT64_FORMAT "/%s", i ? ":" : "", v,
                             f[1] ? f[1] : "");
    }
    g_autofree char *q = quoted(out->str);
    g_string_free(out, TRUE);
    emit_line(e, pos_of(b), "    bssplit: %s", q);
    return TRUE;
  }
  const fio_option *b = later(o[O_BS], o[O_BSRANGE]);
  if (!b)
    return TRUE;
  if (b == o[O_BS]) {
    if (!get_size(e, b, &v))
      return FALSE;
    emit_line(e, pos_of(b), "    bs: %" G_GUINT64_FORMAT, v);
    return TRUE;
  }
  if (!no_directions(e, b))
    return FALSE;
  g_auto(GStrv) f = g_strsplit(b->value, "-", -1);
  guint64 lo, hi;
  if (g_strv_length(f) != 2 || !fio_parse_size(f[0], &lo) ||
      !fio_parse_size(f[1], &hi))
    return fail(e, FIO_ERROR_PARSE, b->line, b->value_col,
                "%s: '%s' is not MIN-MAX (e.g. 4k-64k)", b->name, b->value);
  emit_line(e, pos_of(b),
            "    bsrange: %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, lo, hi);
  return TRUE;
}

static gboolean emit_rw(emitter *e, const fio_option *r) {
  if (!need_value(e, r))
    return FALSE;
  g_autofree char *mode = g_strdup(r->value);
  char *suffix = strchr(mode, ':');
  if (suffix)
    *suffix++ = '\0';
  if (g_str_has_suffix(mode, "trim") || strstr(mode, "trimwrite"))
    return fail(e, FIO_ERROR_UNSUPPORTED, r->line, r->value_col,
                "%s: trim is not simulated", r->name);
  if (!g_strv_contains(rw_names, mode)) {
    const char *s = params_suggest_name(rw_names, mode);
    g_autofree char *h =
        s ? g_strdup_printf(" (did you mean '%s'?)", s) : g_strdup("");
    return fail(e, FIO_ERROR_PARSE, r->line, r->value_col,
                "%s: unknown value '%s'%s", r->name, mode, h);
  }
  emit_line(e, pos_of(r), "    rw: %s", mode);
  if (!suffix)
    return TRUE;
  /* fio's offset modifier: I/Os per random offset for a random mode,
   * bytes added after each I/O (a hole, or backwards) for a sequential
   * one. */
  int col = r->value_col + (int)(suffix - mode);
  if (g_str_has_prefix(mode, "rand")) {
    guint64 n;
    if (!g_ascii_string_to_unsigned(suffix, 10, 1, G_MAXINT64, &n, NULL))
      return fail(e, FIO_ERROR_PARSE, r->line, col,
                  "%s: ':%s' is not a number of I/Os (e.g. randread:8)",
                  r->name, suffix);
    emit_line(e, (fpos){r->line, col}, "    random_every: %" G_GUINT64_FORMAT,
              n);
    return TRUE;
  }
  gboolean back = *suffix == '-';
  guint64 bytes;
  if (!fio_parse_size(suffix + back, &bytes) || bytes > MAX_SKIP)
    return fail(e, FIO_ERROR_PARSE, r->line, col,
                "%s: ':%s' is not a size (e.g. write:4k, read:-8k)", r->name,
                suffix);
  emit_line(e, (fpos){r->line, col}, "    skip: %s%" G_GUINT64_FORMAT,
            back ? "-" : "", bytes);
  return TRUE;
}

/* stonewall and wait_for: the jobs this one waits for, by name.  fio
 * starts jobs in file order and stops at a stonewall while any job runs,
 * so a stonewall holds back its own job and every later one: a job waits
 * for all jobs before the last stonewall at or before it.  wait_for=NAME
 * holds back that job only. */
static gboolean emit_wait(emitter *e, GArray *jobs, guint self) {
  guint wall = 0; /* jobs [0, wall) are waited for */
  for (guint i = 0; i <= self; i++) {
    const fio_option *sw = g_array_index(jobs, job, i).opt[O_STONEWALL];
    guint64 v = 0;
    if (sw && !get_int(e, sw, 1, &v))
      return FALSE;
    if (v)
      wall = i;
  }
  const job *j = &g_array_index(jobs, job, self);
  const fio_option *wf = j->opt[O_WAIT_FOR];
  int waitee = -1;
  if (wf) {
    if (!need_value(e, wf))
      return FALSE;
    for (guint i = 0; i < self; i++)
      if (strcmp(job_name(&g_array_index(jobs, job, i)), wf->value) == 0)
        waitee = (int)i;
    if (waitee < 0)
      return fail(e, FIO_ERROR_PARSE, wf->line, wf->value_col,
                  "wait_for: no job '%s' before this one", wf->value);
  }
  if (wall == 0 && waitee < 0)
    return TRUE;
  const fio_option *at = wf ? wf : j->opt[O_STONEWALL];
  fpos where = at ? pos_of(at) : (fpos){j->sec->line, j->sec->col};
  emit_line(e, where, "    wait_for:");
  for (guint i = 0; i < wall; i++) {
    g_autofree char *q = quoted(job_name(&g_array_index(jobs, job, i)));
    emit_line(e, where, "      - %s", q);
  }
  if (waitee >= (int)wall) {
    g_autofree char *q = quoted(wf->value);
    emit_line(e, where, "      - %s", q);
  }
  return TRUE;
}

static gboolean emit_shapes(emitter *e, const job *j) {
  const fio_option *const *o = j->opt;
  guint64 v;
  if (o[O_RATE]) {
    if (!no_directions(e, o[O_RATE]) || !get_size(e, o[O_RATE], &v))
      return FALSE;
    emit_line(e, pos_of(o[O_RATE]), "    rate: %" G_GUINT64_FORMAT "B/s", v);
  }
  if (o[O_RATE_IOPS]) {
    if (!no_directions(e, o[O_RATE_IOPS]) ||
        !get_int(e, o[O_RATE_IOPS], 1000000000, &v))
      return FALSE;
    emit_line(e, pos_of(o[O_RATE_IOPS]), "    rate_iops: %" G_GUINT64_FORMAT,
              v);
  }
  if (o[O_RATE_PROCESS]) {
    if (!need_value(e, o[O_RATE_PROCESS]))
      return FALSE;
    g_autofree char *q = quoted(o[O_RATE_PROCESS]->value);
    emit_line(e, pos_of(o[O_RATE_PROCESS]), "    rate_process: %s", q);
  }
  if (o[O_BLOCKALIGN]) {
    if (!no_directions(e, o[O_BLOCKALIGN]) || !get_size(e, o[O_BLOCKALIGN], &v))
      return FALSE;
    emit_line(e, pos_of(o[O_BLOCKALIGN]), "    blockalign: %" G_GUINT64_FORMAT,
              v);
  }
  if (o[O_LOOPS]) {
    if (!get_int(e, o[O_LOOPS], 1000000000, &v))
      return FALSE;
    emit_line(e, pos_of(o[O_LOOPS]), "    loops: %" G_GUINT64_FORMAT, v);
  }
  if (o[O_RANDOM_DISTRIBUTION]) {
    const fio_option *d = o[O_RANDOM_DISTRIBUTION];
    if (!no_directions(e, d))
      return FALSE;
    if (g_str_has_prefix(d->value, "zoned_abs"))
      return fail(e, FIO_ERROR_UNSUPPORTED, d->line, d->value_col,
                  "random_distribution: zoned_abs is not simulated "
                  "(random, zipf, pareto, normal, zoned are)");
    g_autofree char *q = quoted(d->value);
    emit_line(e, pos_of(d), "    distribution: %s", q);
  }
  if (o[O_PERCENTAGE_RANDOM]) {
    const fio_option *pr = o[O_PERCENTAGE_RANDOM];
    g_autofree char *one = NULL;
    if (!direction_value(e, j, pr, &one))
      return FALSE;
    if (*one) {
      fio_option dir = *pr;
      dir.value = one;
      if (!get_int(e, &dir, 100, &v))
        return FALSE;
      emit_line(e, pos_of(pr), "    percentage_random: %" G_GUINT64_FORMAT, v);
    }
  }
  if (o[O_RANDSEED]) {
    if (!get_int(e, o[O_RANDSEED], G_MAXINT64, &v))
      return FALSE;
    emit_line(e, pos_of(o[O_RANDSEED]), "    seed: %" G_GUINT64_FORMAT, v);
  }
  return TRUE;
}

static gboolean emit_job(emitter *e, GArray *jobs, guint self,
                         GPtrArray *devices) {
  job *j = &g_array_index(jobs, job, self);
  const fio_option *const *o = j->opt;
  fpos sec = {j->sec->line, j->sec->col + 1};
  g_autofree char *qname = quoted(job_name(j));
  emit_line(e, o[O_NAME] ? pos_of(o[O_NAME]) : sec, "  - name: %s", qname);
  if (o[O_CGROUP]) {
    g_autofree char *q = quoted(o[O_CGROUP]->value);
    emit_line(e, pos_of(o[O_CGROUP]), "    cgroup: %s", q);
  }
  emit_line(e, sec, "    device: %s",
            (const char *)g_ptr_array_index(devices, j->device));
  if (o[O_READ_IOLOG])
    return emit_replay(e, j);
  if (o[O_RW] && !emit_rw(e, o[O_RW]))
    return FALSE;
  guint64 v;
  /* Each sets both shares, as in fio: the later one wins. */
  gboolean read_share =
      o[O_RWMIXREAD] &&
      (!o[O_RWMIXWRITE] || o[O_RWMIXREAD]->order > o[O_RWMIXWRITE]->order);
  if (read_share) {
    if (!get_int(e, o[O_RWMIXREAD], 100, &v))
      return FALSE;
    emit_line(e, pos_of(o[O_RWMIXREAD]), "    rwmixread: %" G_GUINT64_FORMAT,
              v);
  } else if (o[O_RWMIXWRITE]) {
    if (!get_int(e, o[O_RWMIXWRITE], 100, &v))
      return FALSE;
    emit_line(e, pos_of(o[O_RWMIXWRITE]), "    rwmixread: %" G_GUINT64_FORMAT,
              100 - v);
  }
  if (!emit_block_sizes(e, j) || !emit_wait(e, jobs, self) ||
      !emit_shapes(e, j))
    return FALSE;
  fpos size_pos = o[O_SIZE] ? pos_of(o[O_SIZE]) : sec;
  emit_line(e, size_pos, "    size: %" G_GUINT64_FORMAT, j->size);
  if (j->nrfiles > 1)
    emit_line(e, pos_of(o[O_NRFILES]), "    nrfiles: %" G_GUINT64_FORMAT,
              j->nrfiles);
  emit_line(e, o[O_OFFSET] ? pos_of(o[O_OFFSET]) : sec,
            "    offset: %" G_GUINT64_FORMAT, j->offset);
  emit_line(e, o[O_OFFSET_INCREMENT] ? pos_of(o[O_OFFSET_INCREMENT]) : sec,
            "    offset_increment: %" G_GUINT64_FORMAT, j->offset_increment);
  emit_line(e, o[O_NUMJOBS] ? pos_of(o[O_NUMJOBS]) : sec,
            "    numjobs: %" G_GUINT64_FORMAT, j->numjobs);

  /* fio's default engine, psync, and the other synchronous ones have one
   * I/O in flight whatever iodepth says. */
  const char *engine = o[O_IOENGINE] ? o[O_IOENGINE]->value : "psync";
  static const char *const sync_engines[] = {"sync",   "psync",   "vsync",
                                             "pvsync", "pvsync2", NULL};
  static const char *const async_engines[] = {"libaio", "io_uring", "posixaio",
                                              NULL};
  if (!engine)
    return need_value(e, o[O_IOENGINE]);
  gboolean is_sync = g_strv_contains(sync_engines, engine);
  if (!is_sync && !g_strv_contains(async_engines, engine))
    return fail(e, FIO_ERROR_UNSUPPORTED, o[O_IOENGINE]->line,
                o[O_IOENGINE]->value_col,
                "ioengine: '%s' is not simulated (sync, psync, vsync, pvsync, "
                "pvsync2, libaio, posixaio, io_uring are)",
                engine);
  if (o[O_IODEPTH]) {
    if (!get_int(e, o[O_IODEPTH], G_MAXINT, &v))
      return FALSE;
    emit_line(e, pos_of(o[O_IODEPTH]), "    iodepth: %" G_GUINT64_FORMAT,
              is_sync ? 1 : v);
  }

  gboolean direct = FALSE;
  if (o[O_DIRECT]) {
    if (!get_int(e, o[O_DIRECT], 1, &v))
      return FALSE;
    direct = v;
  }
  if (o[O_BUFFERED]) {
    if (!get_int(e, o[O_BUFFERED], 1, &v))
      return FALSE;
    if (o[O_DIRECT] && (gboolean)v == direct)
      return fail(e, FIO_ERROR_PARSE, o[O_BUFFERED]->line, o[O_BUFFERED]->col,
                  "buffered: contradicts direct");
    direct = !v;
  }
  emit_line(e, o[O_DIRECT] ? pos_of(o[O_DIRECT]) : sec, "    direct: %d",
            direct);
  if (o[O_INVALIDATE]) {
    if (!get_int(e, o[O_INVALIDATE], 1, &v))
      return FALSE;
    emit_line(e, pos_of(o[O_INVALIDATE]), "    invalidate: %d", (int)v);
  }

  /* fio stops a job after `size` bytes (io_size when given) unless
   * time_based; cfqsim's size is only a region. */
  gboolean time_based = FALSE;
  if (o[O_TIME_BASED]) {
    if (!get_int(e, o[O_TIME_BASED], 1, &v))
      return FALSE;
    time_based = v;
  }
  gint64 ns, ramp = 0;
  if (o[O_RAMP_TIME]) {
    if (!get_time(e, o[O_RAMP_TIME], G_GINT64_CONSTANT(1000000000), &ramp))
      return FALSE;
    emit_line(e, pos_of(o[O_RAMP_TIME]), "    ramp: %" G_GINT64_FORMAT "ns",
              ramp);
  }
  if (o[O_RUNTIME]) {
    if (!get_time(e, o[O_RUNTIME], G_GINT64_CONSTANT(1000000000), &ns))
      return FALSE;
    /* fio's runtime follows the ramp; cfqsim's counts from the start */
    if (ns > 0 && ramp > G_MAXINT64 - ns)
      return fail(e, FIO_ERROR_PARSE, o[O_RAMP_TIME]->line,
                  o[O_RAMP_TIME]->value_col, "ramp_time: too long");
    emit_line(e, pos_of(o[O_RUNTIME]), "    runtime: %" G_GINT64_FORMAT "ns",
              ns > 0 ? ns + ramp : 0);
  }
  if (time_based && (!o[O_RUNTIME] || ns == 0))
    return fail(e, FIO_ERROR_PARSE, o[O_TIME_BASED]->line, o[O_TIME_BASED]->col,
                "time_based: needs a runtime");
  if (o[O_IO_SIZE]) {
    if (!get_size(e, o[O_IO_SIZE], &v))
      return FALSE;
    emit_line(e, pos_of(o[O_IO_SIZE]), "    io_size: %" G_GUINT64_FORMAT, v);
  } else if (!time_based && j->amount) {
    const fio_option *at = o[O_SIZE] ? o[O_SIZE] : o[O_FILESIZE];
    emit_line(e, at ? pos_of(at) : sec, "    io_size: %" G_GUINT64_FORMAT,
              j->amount);
  }
  if (o[O_STARTDELAY]) {
    if (!get_time(e, o[O_STARTDELAY], G_GINT64_CONSTANT(1000000000), &ns))
      return FALSE;
    emit_line(e, pos_of(o[O_STARTDELAY]), "    start: %" G_GINT64_FORMAT "ns",
              ns);
  }
  if (o[O_NUMBER_IOS]) {
    if (!get_int(e, o[O_NUMBER_IOS], G_MAXINT64, &v))
      return FALSE;
    emit_line(e, pos_of(o[O_NUMBER_IOS]), "    count: %" G_GUINT64_FORMAT, v);
  }
  if (o[O_THINKTIME_BLOCKS]) {
    if (!get_int(e, o[O_THINKTIME_BLOCKS], G_MAXINT, &v))
      return FALSE;
    emit_line(e, pos_of(o[O_THINKTIME_BLOCKS]),
              "    think_blocks: %" G_GUINT64_FORMAT, MAX(v, 1));
  }
  if (o[O_THINKTIME]) {
    if (!get_time(e, o[O_THINKTIME], 1000, &ns))
      return FALSE;
    emit_line(e, pos_of(o[O_THINKTIME]), "    think: %" G_GINT64_FORMAT "ns",
              ns);
  }
  if (!emit_ioprio(e, o))
    return FALSE;
  if (o[O_NICE]) {
    if (!need_value(e, o[O_NICE]))
      return FALSE;
    gint64 n;
    if (!g_ascii_string_to_signed(o[O_NICE]->value, 10, -20, 19, &n, NULL))
      return fail(e, FIO_ERROR_PARSE, o[O_NICE]->line, o[O_NICE]->value_col,
                  "nice: '%s' is not a whole number from -20 to 19",
                  o[O_NICE]->value);
    emit_line(e, pos_of(o[O_NICE]), "    nice: %" G_GINT64_FORMAT, n);
  }
  static const struct {
    opt_id id;
    const char *key;
    guint64 max;
  } counts[] = {{O_FSYNC, "fsync", G_MAXINT64},
                {O_FDATASYNC, "fdatasync", G_MAXINT64},
                {O_END_FSYNC, "end_fsync", 1}};
  for (guint i = 0; i < G_N_ELEMENTS(counts); i++) {
    const fio_option *c = o[counts[i].id];
    if (!c)
      continue;
    if (!get_int(e, c, counts[i].max, &v))
      return FALSE;
    emit_line(e, pos_of(c), "    %s: %" G_GUINT64_FORMAT, counts[i].key, v);
  }
  return TRUE;
}

/* Region bookkeeping: /dev/NAME is the device NAME, its offsets absolute;
 * any other file is a region of the first device, laid out one after the
 * other in order of first use, each MiB-aligned.  A job without filename
 * has fio's one file per clone. */
#define FILE_ALIGN (G_GUINT64_CONSTANT(1) << 20)

/* Far beyond any simulated device, and small enough that a sum of a
 * few thousand of them cannot wrap around. */
#define MAX_EXTENT (G_GUINT64_CONSTANT(1) << 50)

static guint64 align_up(guint64 v) {
  return (v + FILE_ALIGN - 1) / FILE_ALIGN * FILE_ALIGN;
}

static gboolean place(emitter *e, GArray *jobs, GPtrArray *devices) {
  for (guint i = 0; i < jobs->len; i++) {
    job *j = &g_array_index(jobs, job, i);
    const fio_option *const *o = j->opt;
    j->numjobs = 1;
    if (o[O_NUMJOBS] && !get_int(e, o[O_NUMJOBS], G_MAXINT, &j->numjobs))
      return FALSE;
    if (o[O_SIZE] && !get_size(e, o[O_SIZE], &j->size))
      return FALSE;
    j->amount = j->size;
    j->nrfiles = 1;
    if (o[O_NRFILES] && !get_int(e, o[O_NRFILES], 65536, &j->nrfiles))
      return FALSE;
    j->nrfiles = MAX(j->nrfiles, 1);
    if (j->nrfiles > 1 && o[O_FILENAME])
      return fail(e, FIO_ERROR_UNSUPPORTED, o[O_NRFILES]->line,
                  o[O_NRFILES]->value_col,
                  "nrfiles: several files with filename= are not simulated "
                  "(fio's own files are)");
    /* filesize is each file (the region); size, when given, what the job
     * moves in them, else split between them as fio does */
    if (o[O_FILESIZE]) {
      guint64 fs;
      if (!get_size(e, o[O_FILESIZE], &fs))
        return FALSE;
      if (!o[O_SIZE] && !g_uint64_checked_mul(&j->amount, fs, j->nrfiles))
        j->amount = MAX_EXTENT + 1; /* refused below */
      j->size = fs;
    } else {
      j->size /= j->nrfiles;
    }
    if (j->nrfiles > 1) { /* the files one after the other, MiB apart */
      guint64 stride = align_up(MIN(j->size, MAX_EXTENT));
      j->span = stride > MAX_EXTENT / j->nrfiles
                    ? MAX_EXTENT + 1 /* refused below */
                    : stride * (j->nrfiles - 1) + j->size;
    } else {
      j->span = j->size;
    }
    if (o[O_OFFSET] && !get_size(e, o[O_OFFSET], &j->offset))
      return FALSE;
    if (o[O_OFFSET_INCREMENT] &&
        !get_size(e, o[O_OFFSET_INCREMENT], &j->offset_increment))
      return FALSE;
    /* Whatever the numbers, the layout below must not wrap around. */
    guint64 extent;
    if (!g_uint64_checked_mul(&extent, j->numjobs ? j->numjobs - 1 : 0,
                              j->offset_increment) ||
        !g_uint64_checked_add(&extent, extent, j->offset) ||
        !g_uint64_checked_add(&extent, extent, j->span) ||
        extent > MAX_EXTENT || j->amount > MAX_EXTENT)
      return fail(e, FIO_ERROR_PARSE, j->sec->line, j->sec->col,
                  "job '%s': offset + offset_increment x (numjobs - 1) + "
                  "size is beyond 1 PiB",
                  j->sec->name);
    g_autofree char *dev = NULL;
    if (o[O_READ_IOLOG]) {
      if (!replay_devices(e, j, devices, &dev))
        return FALSE;
    } else if (o[O_FILENAME]) {
      if (!need_value(e, o[O_FILENAME]))
        return FALSE;
      if (strchr(o[O_FILENAME]->value, ':'))
        return fail(e, FIO_ERROR_UNSUPPORTED, o[O_FILENAME]->line,
                    o[O_FILENAME]->value_col,
                    "filename: several files per job are not simulated");
      dev = device_name(o[O_FILENAME]->value);
      const fio_option *d = o[O_DIRECTORY];
      if (d && d->value && strchr(d->value, ':'))
        return fail(e, FIO_ERROR_UNSUPPORTED, d->line, d->value_col,
                    "directory: several directories are not simulated");
      /* The key that tells files apart: the same file under two names
       * (dir=/a + file=b and file=/a/b) is not recognised as one. */
      j->file = d && d->value && !g_path_is_absolute(o[O_FILENAME]->value)
                    ? g_build_filename(d->value, o[O_FILENAME]->value, NULL)
                    : g_strdup(o[O_FILENAME]->value);
    }
    if (!dev && !j->size && !o[O_READ_IOLOG])
      return fail(e, FIO_ERROR_PARSE,
                  o[O_FILENAME] ? o[O_FILENAME]->line : j->sec->line,
                  o[O_FILENAME] ? o[O_FILENAME]->col : j->sec->col,
                  "job '%s': a file needs a size", j->sec->name);
    if (dev) {
      guint k;
      for (k = 0; k < devices->len; k++)
        if (strcmp(g_ptr_array_index(devices, k), dev) == 0)
          break;
      if (k == devices->len)
        g_ptr_array_add(devices, g_strdup(dev));
      j->device = (int)k;
    } else {
      j->device = -1;
    }
  }
  if (devices->len == 0)
    g_ptr_array_add(devices, g_strdup("sda"));
  /* Files: each named one a region as large as its largest use. */
  typedef struct {
    const char *file;
    guint64 span, base;
  } region;
  GArray *regions = g_array_new(FALSE, TRUE, sizeof(region));
  for (guint i = 0; i < jobs->len; i++) {
    job *j = &g_array_index(jobs, job, i);
    if (j->device >= 0 || !j->file)
      continue;
    guint64 clones = j->numjobs ? j->numjobs : 1;
    guint64 need = j->offset + (clones - 1) * j->offset_increment + j->span;
    guint k;
    for (k = 0; k < regions->len; k++)
      if (strcmp(g_array_index(regions, region, k).file, j->file) == 0)
        break;
    if (k == regions->len)
      g_array_append_val(regions, ((region){.file = j->file}));
    region *r = &g_array_index(regions, region, k);
    r->span = MAX(r->span, need);
  }
  guint64 next = 0;
  for (guint k = 0; k < regions->len; k++) {
    region *r = &g_array_index(regions, region, k);
    r->base = next;
    next += align_up(r->span);
    if (next > MAX_EXTENT) {
      g_array_unref(regions);
      return fail(e, FIO_ERROR_PARSE, 1, 1, "the files would end beyond 1 PiB");
    }
  }
  for (guint i = 0; i < jobs->len; i++) {
    job *j = &g_array_index(jobs, job, i);
    if (j->device >= 0)
      continue;
    j->device = 0;
    if (j->file) {
      for (guint k = 0; k < regions->len; k++) {
        const region *r = &g_array_index(regions, region, k);
        if (strcmp(r->file, j->file) == 0)
          j->offset += r->base;
      }
      continue;
    }
    /* fio's default file per clone ($jobname.$jobnum.0): clone k's file
     * follows clone k-1's, offset_increment applying within each. */
    guint64 clones = j->numjobs ? j->numjobs : 1;
    guint64 each =
        align_up(j->offset + (clones - 1) * j->offset_increment + j->span);
    if (next > MAX_EXTENT || each > MAX_EXTENT / clones) {
      g_array_unref(regions);
      return fail(e, FIO_ERROR_PARSE, j->sec->line, j->sec->col,
                  "job '%s': its files would end beyond 1 PiB", j->sec->name);
    }
    j->offset += next;
    j->offset_increment += each;
    next += each * clones;
  }
  g_array_unref(regions);
  return TRUE;
}

/* A job on a whole device that is neither time_based nor bounded
 * otherwise reads or writes the device once, as fio does: its io_size is
 * known only once the device's model is, so the YAML carries this
 * placeholder (a valid io_size) and fio_parse replaces it. */
#define WHOLE_DEVICE_PLACEHOLDER 512

static gboolean whole_device(const job *j) {
  return !j->opt[O_READ_IOLOG] && !j->size && !j->opt[O_IO_SIZE] &&
         !j->opt[O_NUMBER_IOS] && !j->opt[O_RUNTIME] && !j->opt[O_TIME_BASED];
}

/* The devices, each a hdd under cfq unless a job on it says otherwise
 * with fio's ioscheduler= (which switches the device's scheduler, so the
 * jobs on one device must agree). */
static gboolean emit_devices(emitter *e, GArray *jobs, GPtrArray *devices) {
  g_autofree const fio_option **sched =
      g_new0(const fio_option *, devices->len);
  for (guint i = 0; i < jobs->len; i++) {
    const job *j = &g_array_index(jobs, job, i);
    const fio_option *o = j->opt[O_IOSCHEDULER];
    if (!o)
      continue;
    if (!need_value(e, o))
      return FALSE;
    const fio_option *had = sched[j->device];
    if (had && strcmp(had->value, o->value) != 0) {
      g_autofree char *ref = line_ref(e, had->line);
      return fail(e, FIO_ERROR_PARSE, o->line, o->value_col,
                  "ioscheduler: device '%s' has '%s' from %s",
                  (const char *)g_ptr_array_index(devices, j->device),
                  had->value, ref);
    }
    sched[j->device] = o;
  }
  emit_line(e, (fpos){1, 1}, "devices:");
  for (guint k = 0; k < devices->len; k++) {
    emit_line(e, (fpos){1, 1}, "  - name: %s",
              (const char *)g_ptr_array_index(devices, k));
    emit_line(e, (fpos){1, 1}, "    model: hdd");
    g_autofree char *q = quoted(sched[k] ? sched[k]->value : "cfq");
    emit_line(e, sched[k] ? pos_of(sched[k]) : (fpos){1, 1},
              "    scheduler: %s", q);
  }
  return TRUE;
}

/* fio's cgroup= and cgroup_weight=: one blkio cgroup per name, in order
 * of first use; every job naming it must agree on its weight. */
static gboolean emit_cgroups(emitter *e, GArray *jobs) {
  GPtrArray *names = g_ptr_array_new();
  GArray *weights = g_array_new(FALSE, FALSE, sizeof(const fio_option *));
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < jobs->len; i++) {
    const job *j = &g_array_index(jobs, job, i);
    const fio_option *cg = j->opt[O_CGROUP], *w = j->opt[O_CGROUP_WEIGHT];
    guint64 v;
    if (w && !get_int(e, w, 1000, &v)) {
      ok = FALSE;
    } else if (w && v < 100) {
      ok = fail(e, FIO_ERROR_PARSE, w->line, w->value_col,
                "cgroup_weight: %s is out of range 100 to 1000", w->value);
    } else if (w && !cg) {
      ok = fail(e, FIO_ERROR_PARSE, w->line, w->col,
                "cgroup_weight: needs cgroup (the group it weighs)");
    } else if (cg && !need_value(e, cg)) {
      ok = FALSE;
    } else if (cg) {
      guint k;
      for (k = 0; k < names->len; k++)
        if (strcmp(names->pdata[k], cg->value) == 0)
          break;
      if (k == names->len) {
        g_ptr_array_add(names, cg->value);
        g_array_append_val(weights, w);
        continue;
      }
      const fio_option *had = g_array_index(weights, const fio_option *, k);
      if ((had == NULL) != (w == NULL) ||
          (had && strcmp(had->value, w->value) != 0)) {
        g_autofree char *ref = line_ref(e, had ? had->line : cg->line);
        ok = fail(e, FIO_ERROR_PARSE, w ? w->line : cg->line,
                  w ? w->col : cg->col,
                  "cgroup '%s': its weight differs from %s's", cg->value, ref);
      }
    }
  }
  if (ok && names->len) {
    emit_line(e, (fpos){1, 1}, "cgroups:");
    for (guint k = 0; k < names->len; k++) {
      g_autofree char *q = quoted(names->pdata[k]);
      const fio_option *w = g_array_index(weights, const fio_option *, k);
      emit_line(e, (fpos){1, 1}, "  - name: %s", q);
      guint64 v;
      if (w && fio_parse_size(w->value, &v))
        emit_line(e, pos_of(w), "    weight: %" G_GUINT64_FORMAT, v);
    }
  }
  g_ptr_array_unref(names);
  g_array_unref(weights);
  return ok;
}

static char *translate(const fio_jobfile *jf, GArray *pos, GArray *jobs,
                       GError **err) {
  emitter e = {.path = jf->path,
               .jf = jf,
               .yaml = g_string_new(NULL),
               .pos = pos,
               .err = err};
  GPtrArray *devices = g_ptr_array_new_with_free_func(g_free);
  gboolean ok = collect(&e, jf, jobs) && place(&e, jobs, devices);
  fpos top = {1, 1};
  if (ok) {
    g_autofree char *base = g_path_get_basename(jf->path);
    if (g_str_has_suffix(base, ".fio"))
      base[strlen(base) - 4] = '\0';
    /* Results go to results/<name>/: keep the name a file name. */
    for (char *p = base; *p; p++)
      if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
        *p = '_';
    if (base[0] == '.' || !base[0])
      base[0] = 'j';
    emit_line(&e, top, "name: %s", base);
    ok = emit_devices(&e, jobs, devices);
    ok = ok && emit_cgroups(&e, jobs);
    emit_line(&e, top, "processes:");
  }
  for (guint i = 0; ok && i < jobs->len; i++) {
    job *j = &g_array_index(jobs, job, i);
    ok = emit_job(&e, jobs, i, devices);
    if (ok && whole_device(j))
      emit_line(&e, (fpos){j->sec->line, j->sec->col}, "    io_size: %d",
                WHOLE_DEVICE_PLACEHOLDER);
  }
  g_ptr_array_unref(devices);
  if (!ok) {
    g_string_free(e.yaml, TRUE);
    return NULL;
  }
  return g_string_free(e.yaml, FALSE);
}

char *fio_to_yaml(const fio_jobfile *jf, GError **err) {
  GArray *pos = g_array_new(FALSE, FALSE, sizeof(fpos));
  GArray *jobs = g_array_new(FALSE, TRUE, sizeof(job));
  g_array_set_clear_func(jobs, job_clear);
  char *y = translate(jf, pos, jobs, err);
  g_array_unref(pos);
  g_array_unref(jobs);
  return y;
}

/* "path:L:C: msg" of the YAML loader -> the job file's position of the
 * value that YAML line carries. */
static void remap_error(GError *e, const fio_jobfile *jf, GArray *pos) {
  const char *path = jf->path;
  g_autofree char *prefix = g_strdup_printf("%s:", path);
  if (!g_str_has_prefix(e->message, prefix))
    return;
  const char *p = e->message + strlen(prefix);
  char *end;
  guint64 line = g_ascii_strtoull(p, &end, 10);
  if (end == p || *end != ':' || line == 0 || line > pos->len)
    return;
  const char *rest = strchr(end + 1, ':');
  if (!rest)
    return;
  fpos f = g_array_index(pos, fpos, line - 1);
  g_autofree char *where = fio_jobfile_where(jf, f.line);
  char *msg = g_strdup_printf("%s:%d:%s", where, f.col, rest + 1);
  g_free(e->message);
  e->message = msg;
}

static int64_t capacity(const wl_device *d) {
  const param_desc *p = params_find(d->disk->params, "capacity");
  if (!p || p->kind != PARAM_SIZE)
    return 0;
  int64_t bytes;
  memcpy(&bytes, (const char *)d->disk_cfg + p->offset, sizeof bytes);
  return bytes / 512 * 512;
}

workload *fio_parse(const char *path, const char *text, gsize len, char **sets,
                    GError **err) {
  fio_jobfile *jf = fio_jobfile_parse(path, text, len, err);
  if (!jf)
    return NULL;
  GArray *pos = g_array_new(FALSE, FALSE, sizeof(fpos));
  GArray *jobs = g_array_new(FALSE, TRUE, sizeof(job));
  g_array_set_clear_func(jobs, job_clear);
  char *yaml = translate(jf, pos, jobs, err);
  workload *w = NULL;
  if (yaml) {
    GError *local = NULL;
    w = workload_parse(path, yaml, strlen(yaml), sets, &local);
    if (local) {
      remap_error(local, jf, pos);
      g_propagate_error(err, local);
    }
  }
  /* Processes come in job order, numjobs clones each. */
  guint p = 0;
  for (guint i = 0; w && i < jobs->len; i++) {
    const job *j = &g_array_index(jobs, job, i);
    for (guint64 k = 0; k < j->numjobs && p < w->processes->len; k++, p++) {
      wl_process *proc = g_ptr_array_index(w->processes, p);
      if (whole_device(j) && proc->io_size == WHOLE_DEVICE_PLACEHOLDER) {
        const wl_device *d = g_ptr_array_index(w->devices, proc->device);
        proc->io_size = MAX(capacity(d) - proc->offset, 512);
      }
    }
  }
  g_free(yaml);
  g_array_unref(pos);
  g_array_unref(jobs);
  fio_jobfile_free(jf);
  return w;
}

workload *fio_load(const char *path, char **sets, GError **err) {
  g_autofree char *text = NULL;
  gsize len = 0;
  GError *local = NULL;
  if (!g_file_get_contents(path, &text, &len, &local)) {
    g_set_error(err, FIO_ERROR, FIO_ERROR_IO, "cannot read job file: %s",
                local->message);
    g_error_free(local);
    return NULL;
  }
  return fio_parse(path, text, len, sets, err);
}

static const char *yscalar(yaml_document_t *d, yaml_node_t *n) {
  (void)d;
  return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
                                          : NULL;
}

/* A companion: YAML `{fio: JOBFILE, set: {PATH: VALUE, ...}}`.  FALSE
 * with *is_companion FALSE when the text is not one (a workload). */
static gboolean companion(const char *path, const char *text, gsize len,
                          char **job, GPtrArray *sets, gboolean *is_companion,
                          GError **err) {
  *is_companion = FALSE;
  int dl, dc;
  if (!workload_yaml_depth_ok(text, len, &dl, &dc))
    return FALSE; /* the workload loader says why */
  yaml_parser_t parser;
  yaml_document_t doc;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  if (!yaml_parser_load(&parser, &doc)) {
    yaml_parser_delete(&parser);
    return FALSE;
  }
  gboolean ok = FALSE;
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  yaml_node_t *fio = NULL, *set = NULL;
  for (yaml_node_pair_t *pr = root && root->type == YAML_MAPPING_NODE
                                  ? root->data.mapping.pairs.start
                                  : NULL;
       pr && pr < root->data.mapping.pairs.top; pr++) {
    const char *k = yscalar(&doc, yaml_document_get_node(&doc, pr->key));
    yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
    if (k && strcmp(k, "fio") == 0)
      fio = v;
    else if (k && strcmp(k, "set") == 0)
      set = v;
  }
  if (!fio)
    goto out;
  *is_companion = TRUE;
  const char *name = yscalar(&doc, fio);
  if (!name || !*name) {
    g_set_error(err, FIO_ERROR, FIO_ERROR_PARSE,
                "%s:%zu:%zu: fio: the path of a job file", path,
                fio->start_mark.line + 1, fio->start_mark.column + 1);
    goto out;
  }
  for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
       pr < root->data.mapping.pairs.top; pr++) {
    yaml_node_t *kn = yaml_document_get_node(&doc, pr->key);
    const char *k = yscalar(&doc, kn);
    if (!k || (strcmp(k, "fio") != 0 && strcmp(k, "set") != 0)) {
      g_set_error(err, FIO_ERROR, FIO_ERROR_PARSE,
                  "%s:%zu:%zu: unknown key '%s' (a companion of a job file "
                  "has fio and set)",
                  path, kn->start_mark.line + 1, kn->start_mark.column + 1,
                  k ? k : "?");
      goto out;
    }
  }
  if (set && set->type != YAML_MAPPING_NODE &&
      !(set->type == YAML_SCALAR_NODE && !*yscalar(&doc, set))) {
    g_set_error(err, FIO_ERROR, FIO_ERROR_PARSE,
                "%s:%zu:%zu: set: a map of workload keys (devices.sda.model: "
                "ssd)",
                path, set->start_mark.line + 1, set->start_mark.column + 1);
    goto out;
  }
  for (yaml_node_pair_t *pr = set && set->type == YAML_MAPPING_NODE
                                  ? set->data.mapping.pairs.start
                                  : NULL;
       pr && pr < set->data.mapping.pairs.top; pr++) {
    yaml_node_t *kn = yaml_document_get_node(&doc, pr->key);
    yaml_node_t *vn = yaml_document_get_node(&doc, pr->value);
    const char *k = yscalar(&doc, kn), *v = yscalar(&doc, vn);
    if (!k || !v) {
      g_set_error(err, FIO_ERROR, FIO_ERROR_PARSE,
                  "%s:%zu:%zu: set: each entry is KEY.PATH: VALUE", path,
                  kn->start_mark.line + 1, kn->start_mark.column + 1);
      goto out;
    }
    g_ptr_array_add(sets, g_strdup_printf("%s=%s", k, v));
  }
  char *dir = g_path_get_dirname(path);
  *job = g_path_is_absolute(name) ? g_strdup(name)
                                  : g_build_filename(dir, name, NULL);
  g_free(dir);
  ok = TRUE;
out:
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  return ok;
}

workload *fio_load_any(const char *path, char **sets, GError **err) {
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, NULL))
    return workload_load(path, sets, err); /* its message for the failure */
  if (fio_is_jobfile(path, text, len))
    return fio_parse(path, text, len, sets, err);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *job = NULL;
  gboolean is;
  if (companion(path, text, len, &job, all, &is, err)) {
    /* the companion's settings, then the command line's */
    for (char **s = sets; s && *s; s++)
      g_ptr_array_add(all, g_strdup(*s));
    g_ptr_array_add(all, NULL);
    return fio_load(job, (char **)all->pdata, err);
  }
  if (is)
    return NULL;
  return workload_parse(path, text, len, sets, err);
}
