/* blktrace output: the records cfqsim writes with --trace, checked field by
 * field against the block layer's own counts, and (when installed) read
 * back by blkparse the way a user would. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "sim/blktrace.h"
#include "sim/metrics.h"
#include "sim/run.h"
#include "sim/workload.h"

#include "tests/testutil.h"

typedef struct rec {
  uint32_t magic, sequence;
  uint64_t time, sector;
  uint32_t bytes, action, pid, device, cpu;
  uint16_t error, pdu_len;
  const char *pdu;
} rec;

/* Decode the stream independently of blktrace.c (offsets of the layout). */
static GArray *parse(const guint8 *d, gsize n) {
  GArray *a = g_array_new(FALSE, TRUE, sizeof(rec));
  gsize o = 0;
  while (o < n) {
    g_assert_cmpuint(n - o, >=, 48);
    rec r = {0};
    memcpy(&r.magic, d + o, 4);
    memcpy(&r.sequence, d + o + 4, 4);
    memcpy(&r.time, d + o + 8, 8);
    memcpy(&r.sector, d + o + 16, 8);
    memcpy(&r.bytes, d + o + 24, 4);
    memcpy(&r.action, d + o + 28, 4);
    memcpy(&r.pid, d + o + 32, 4);
    memcpy(&r.device, d + o + 36, 4);
    memcpy(&r.cpu, d + o + 40, 4);
    memcpy(&r.error, d + o + 44, 2);
    memcpy(&r.pdu_len, d + o + 46, 2);
    g_assert_cmpuint(n - o - 48, >=, r.pdu_len);
    r.pdu = (const char *)d + o + 48;
    g_array_append_val(a, r);
    o += 48 + r.pdu_len;
  }
  return a;
}

static guint count_code(GArray *a, uint32_t code) {
  guint n = 0;
  for (guint i = 0; i < a->len; i++) {
    const rec *r = &g_array_index(a, rec, i);
    if (!((r->action >> 16) & BLK_TC_NOTIFY) && (r->action & 0xffff) == code)
      n++;
  }
  return n;
}

static void test_action_words(void) {
  /* Category bits above the action code, as blkparse decodes them. */
  g_assert_cmphex(blktrace_action_word(BLK_ACT_QUEUE, 0), ==,
                  1u | ((1u << 4 | 1u << 0 | 1u << 8) << 16));
  g_assert_cmphex(blktrace_action_word(BLK_ACT_ISSUE, REQ_WRITE | REQ_SYNC), ==,
                  7u | ((1u << 6 | 1u << 1 | 1u << 3 | 1u << 8) << 16));
  g_assert_cmphex(blktrace_action_word(BLK_ACT_COMPLETE, REQ_WRITE), ==,
                  8u | ((1u << 7 | 1u << 1 | 1u << 8) << 16));
  g_assert_cmphex(blktrace_action_word(BLK_ACT_INSERT, 0) & 0xffff, ==, 12);
  g_assert_cmphex(blktrace_action_word(BLK_ACT_SLEEPRQ, 0) & 0xffff, ==, 5);
  g_assert_cmphex(blktrace_action_word(BLK_ACT_FRONTMERGE, 0) & 0xffff, ==, 3);
  /* a cache flush: FLUSH category (blkparse's "F" in RWBS); FUA likewise */
  g_assert_cmphex(
      blktrace_action_word(BLK_ACT_ISSUE, REQ_WRITE | REQ_SYNC | REQ_FLUSH), ==,
      7u | ((1u << 6 | 1u << 1 | 1u << 2 | 1u << 3 | 1u << 8) << 16));
  g_assert_cmphex(blktrace_action_word(BLK_ACT_QUEUE, REQ_WRITE | REQ_FUA) >>
                      16,
                  ==, 1u << 4 | 1u << 1 | 1u << 8 | 1u << 15);
}

/* An O_DIRECT read of 4 MiB reaches the device as eight 512 KiB requests
 * (max_sectors_kb), queued one after the other: eight Q, G, I, D and C in
 * the trace; the process saw one I/O. */
static void test_large_io_split_in_trace(void) {
  static const char yaml[] =
      "name: bt-split\n"
      "duration: 10s\n"
      "devices: [{name: sda, model: hdd, scheduler: cfq}]\n"
      "processes:\n"
      "  - {name: big, rw: read, bs: 4m, size: 1g, count: 3, direct: true}\n";
  GError *err = NULL;
  workload *w = workload_parse("split.yaml", yaml, strlen(yaml), NULL, &err);
  g_assert_no_error(err);
  run_options o = RUN_OPTIONS_INIT;
  o.trace = fopen("/dev/null", "w");
  sim_run *r = sim_run_new(w, &o, &err);
  g_assert_no_error(err);
  g_assert_cmpint(sim_run_go(r, &err), ==, SIM_COMPLETED);
  GBytes *b = sim_run_blktrace(r, 0);
  gsize n;
  const guint8 *data = g_bytes_get_data(b, &n);
  GArray *a = parse(data, n);
  g_assert_cmpuint(count_code(a, BLK_TA_CODE_QUEUE), ==, 24);
  g_assert_cmpuint(count_code(a, BLK_TA_CODE_GETRQ), ==, 24);
  g_assert_cmpuint(count_code(a, BLK_TA_CODE_ISSUE), ==, 24);
  g_assert_cmpuint(count_code(a, BLK_TA_CODE_COMPLETE), ==, 24);
  uint64_t next = 0;
  for (guint i = 0; i < a->len; i++) {
    const rec *x = &g_array_index(a, rec, i);
    if ((x->action >> 16) & BLK_TC_NOTIFY ||
        (x->action & 0xffff) != BLK_TA_CODE_ISSUE)
      continue;
    g_assert_cmpuint(x->bytes, ==, 512 * 1024);
    g_assert_cmpuint(x->sector, ==, next); /* in order, back to back */
    next += 1024;
  }
  const metrics *m = sim_run_result(r)->m;
  g_assert_cmpuint(metrics_proc_ios(m, 0), ==, 3);
  g_assert_cmpuint(metrics_device_ios(m, 0), ==, 3);
  g_assert_cmpuint(metrics_device_commands(m, 0), ==, 24);
  g_assert_cmpuint(metrics_device_bytes(m, 0), ==, 12 << 20);
  g_array_unref(a);
  g_bytes_unref(b);
  sim_run_free(r);
  fclose(o.trace);
  workload_free(w);
}

static const char merging_yaml[] =
    "name: bt-merge\n"
    "seed: 3\n"
    "duration: 60s\n"
    "kernel: {nr_requests: 4}\n"
    "devices:\n"
    "  - {name: sda, model: hdd, scheduler: cfq}\n"
    "  - {name: sdb, model: hdd, scheduler: cfq}\n"
    "processes:\n"
    "  - {name: seq, direct: 1, rw: read, bs: 4k, size: 64m, count: 200, iodepth: 8}\n"
    "  - {name: wr, direct: 1, rw: write, bs: 4k, size: 64m, count: 100, iodepth: 8}\n"
    "  - {name: rnd, direct: 1, rw: randread, bs: 4k, size: 1g, offset: 2g, count: 50, iodepth: 4}\n"
    "  - {name: other, direct: 1, device: sdb, rw: read, bs: 8k, size: 1m, count: 5}\n";

/* Every bio is queued once; the counts of the trace agree with the block
 * layer's statistics and with the I/Os the processes saw complete. */
static void test_counts_match_block_layer(void) {
  GError *err = NULL;
  char *dir = g_dir_make_tmp("cfqsim-bt-XXXXXX", &err);
  g_assert_no_error(err);
  char *path = g_build_filename(dir, "w.yaml", NULL);
  g_assert_true(g_file_set_contents(path, merging_yaml, -1, &err));
  workload *w = workload_load(path, NULL, &err);
  g_assert_no_error(err);
  char *buf = NULL;
  size_t len = 0;
  FILE *tf = open_memstream(&buf, &len);
  run_options o = RUN_OPTIONS_INIT;
  o.trace = tf;
  sim_run *r = sim_run_new(w, &o, &err);
  g_assert_no_error(err);
  g_assert_cmpint(sim_run_go(r, &err), ==, SIM_COMPLETED);
  fclose(tf);
  const metrics *m = sim_run_result(r)->m;

  for (guint dev = 0; dev < 2; dev++) {
    GBytes *b = sim_run_blktrace(r, dev);
    g_assert_nonnull(b);
    gsize n;
    const guint8 *d = g_bytes_get_data(b, &n);
    GArray *a = parse(d, n);
    g_assert_cmpuint(a->len, >, 0);
    uint64_t last_time = 0;
    uint32_t last_seq = 0;
    guint notes = 0;
    for (guint i = 0; i < a->len; i++) {
      const rec *x = &g_array_index(a, rec, i);
      g_assert_cmphex(x->magic, ==, 0x65617407);
      g_assert_cmphex(x->device, ==, (8u << 20) | (16u * dev));
      g_assert_cmpuint(x->cpu, ==, 0);
      g_assert_cmpuint(x->time, >=, last_time);
      last_time = x->time;
      if ((x->action >> 16) & BLK_TC_NOTIFY) {
        if ((x->action & 0xffff) == 0) { /* process note: its name */
          notes++;
          g_assert_cmpuint(x->pdu_len, ==, 16);
          g_assert_cmpuint(x->pid, >=, 100);
        } else {
          g_assert_cmpuint(x->action & 0xffff, ==, 2); /* message */
          g_assert_cmpuint(x->pdu_len, ==, strnlen(x->pdu, x->pdu_len));
        }
        continue;
      }
      g_assert_cmpuint(x->sequence, ==, last_seq + 1); /* no gaps */
      last_seq = x->sequence;
      g_assert_cmpuint(x->pdu_len, ==, 0);
      g_assert_cmpuint(x->bytes % 512, ==, 0);
      g_assert_true((x->action >> 16) & BLK_TC_FS);
      bool wr = (x->action >> 16) & BLK_TC_WRITE,
           rd = (x->action >> 16) & BLK_TC_READ;
      g_assert_true(wr != rd);
    }
    struct request_queue *q = sim_run_queue(r, dev);
    guint procs_here = dev == 0 ? 3 : 1;
    g_assert_cmpuint(notes, ==, procs_here);
    g_assert_cmpuint(count_code(a, BLK_TA_CODE_QUEUE), ==,
                     metrics_device_ios(m, dev));
    g_assert_cmpuint(count_code(a, BLK_TA_CODE_COMPLETE), ==,
                     q->stats.completed);
    g_assert_cmpuint(count_code(a, BLK_TA_CODE_ISSUE), ==, q->stats.completed);
    g_assert_cmpuint(count_code(a, BLK_TA_CODE_GETRQ), ==,
                     q->stats.requests_allocated);
    g_assert_cmpuint(count_code(a, BLK_TA_CODE_INSERT), ==,
                     q->stats.requests_allocated);
    g_assert_cmpuint(count_code(a, BLK_TA_CODE_BACKMERGE) +
                         count_code(a, BLK_TA_CODE_FRONTMERGE),
                     ==, q->stats.bio_merges);
    g_assert_cmpuint(count_code(a, BLK_TA_CODE_SLEEPRQ), ==, q->stats.sleeps);
    if (dev == 0) {
      /* The workload is built to exercise merging and sleeping. */
      g_assert_cmpuint(q->stats.bio_merges, >, 0);
      g_assert_cmpuint(q->stats.sleeps, >, 0);
    }
    g_array_unref(a);
    g_bytes_unref(b);
  }
  sim_run_free(r);
  free(buf);

  /* Without a trace nothing is collected. */
  sim_run *quiet = sim_run_new(w, NULL, &err);
  g_assert_no_error(err);
  g_assert_cmpint(sim_run_go(quiet, &err), ==, SIM_COMPLETED);
  g_assert_null(sim_run_blktrace(quiet, 0));
  sim_run_free(quiet);
  workload_free(w);
  g_unlink(path);
  g_rmdir(dir);
  g_free(path);
  g_free(dir);
}

/* `cfqsim workloads/race-replay.yaml --variant V --trace -q -o DIR/out`;
 * `exit_ok`: the run must complete (fixed) or report the hang (buggy). */
static char *run_cli_race_variant(const char *variant, bool exit_ok,
                                  char **out_dir) {
  GError *err = NULL;
  char *dir = g_dir_make_tmp("cfqsim-bt-XXXXXX", &err);
  g_assert_no_error(err);
  char *o = g_build_filename(dir, "out", NULL);
  const char *argv[] = {CFQSIM_BINARY, "workloads/race-replay.yaml",
                        "--variant",   variant,
                        "--trace",     "-q",
                        "-o",          o,
                        NULL};
  int status;
  g_assert_true(g_spawn_sync(CFQSIM_SOURCE_DIR, (char **)argv, NULL,
                             G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                             &status, &err));
  g_assert_no_error(err);
  if (exit_ok) {
    g_assert_true(g_spawn_check_wait_status(status, NULL));
  } else {
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1); /* the documented "hang" */
  }
  *out_dir = dir;
  return o;
}

static char *run_cli_race(char **out_dir) {
  return run_cli_race_variant("fixed", true, out_dir);
}

/* `blkparse -i DIR/DEV`'s standard output, or NULL (test skipped) when
 * blkparse is not installed. */
static char *blkparse_output(const char *o, const char *dev) {
  char *blkparse = g_find_program_in_path("blkparse");
  if (!blkparse) {
    g_test_skip("blkparse is not installed (Debian package blktrace)");
    return NULL;
  }
  char *in = g_build_filename(o, dev, NULL);
  const char *argv[] = {blkparse, "-i", in, NULL};
  char *out = NULL;
  int status;
  GError *err = NULL;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
                             G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                             &status, &err));
  g_assert_no_error(err);
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  g_free(in);
  g_free(blkparse);
  return out;
}

static GArray *read_records(const char *o, const char *file, gchar **data) {
  char *path = g_build_filename(o, file, NULL);
  gsize n;
  GError *err = NULL;
  g_assert_true(g_file_get_contents(path, data, &n, &err));
  g_free(path);
  return parse((const guint8 *)*data, n);
}

/* The user's view: `cfqsim ... --trace -o DIR` then `blkparse -i DIR/sda`. */
static void test_cli_file_and_blkparse(void) {
  char *top;
  char *o = run_cli_race(&top);
  char *file = g_build_filename(o, "sda.blktrace.0", NULL);
  gchar *d;
  gsize n;
  GError *err = NULL;
  g_assert_true(g_file_get_contents(file, &d, &n, &err));
  GArray *a = parse((const guint8 *)d, n);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmphex(g_array_index(a, rec, i).magic, ==, 0x65617407);
  g_assert_cmpuint(count_code(a, BLK_TA_CODE_QUEUE), ==,
                   2); /* A's and B's bio */
  g_assert_cmpuint(count_code(a, BLK_TA_CODE_COMPLETE), ==,
                   2); /* both complete */
  g_array_unref(a);
  g_free(d);

  char *out = blkparse_output(o, "sda");
  if (out) {
    /* A reads at 1 MiB (sector 2048), B at 200 MiB (sector 409600): each
     * goes through queue, get_request, insert, issue and completion. */
    const char *acts[] = {"Q", "G", "I", "D", "C"};
    const struct {
      const char *sector, *name;
    } who[] = {{"2048", "A"}, {"409600", "B"}};
    for (guint p = 0; p < G_N_ELEMENTS(who); p++)
      for (guint i = 0; i < G_N_ELEMENTS(acts); i++) {
        /* C lines end in the error ([0]), the others in the process name. */
        char *re = g_strdup_printf("\\s%s\\s+R %s \\+ 8 \\[%s\\]", acts[i],
                                   who[p].sector,
                                   acts[i][0] == 'C' ? "0" : who[p].name);
        if (!g_regex_match_simple(re, out, G_REGEX_MULTILINE, 0))
          g_error("no '%s' line for %s in blkparse output:\n%s", acts[i],
                  who[p].name, out);
        g_free(re);
      }
    g_assert_true(g_regex_match_simple("\\sm\\s+N cfq\\d+S / set_active", out,
                                       G_REGEX_MULTILINE, 0));
    g_assert_true(
        g_regex_match_simple("Reads Queued:\\s+2,\\s+8KiB", out, 0, 0));
    g_assert_true(
        g_regex_match_simple("Reads Completed:\\s+2,\\s+8KiB", out, 0, 0));
    g_assert_true(g_regex_match_simple("Skips: 0 forward", out, 0, 0));
    g_free(out);
  }
  g_free(file);
  g_free(o);
  rm_rf(top);
  g_free(top);
}

/* The action letters of one pid's records, in order ("QGIDC"). */
static char *actions_of(GArray *a, uint32_t pid) {
  static const char letter[] = {
      [BLK_TA_CODE_QUEUE] = 'Q',      [BLK_TA_CODE_BACKMERGE] = 'M',
      [BLK_TA_CODE_FRONTMERGE] = 'F', [BLK_TA_CODE_GETRQ] = 'G',
      [BLK_TA_CODE_SLEEPRQ] = 'S',    [BLK_TA_CODE_ISSUE] = 'D',
      [BLK_TA_CODE_COMPLETE] = 'C',   [BLK_TA_CODE_INSERT] = 'I'};
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < a->len; i++) {
    const rec *r = &g_array_index(a, rec, i);
    if ((r->action >> 16) & BLK_TC_NOTIFY || r->pid != pid)
      continue;
    uint32_t code = r->action & 0xffff;
    g_assert_cmpuint(code, <, sizeof letter);
    g_string_append_c(s, letter[code]);
  }
  return g_string_free(s, FALSE);
}

/* The pid a process note names `name`, or 0. */
static uint32_t pid_named(GArray *a, const char *name) {
  for (guint i = 0; i < a->len; i++) {
    const rec *r = &g_array_index(a, rec, i);
    if (r->action == BLK_TN_PROCESS && strncmp(r->pdu, name, r->pdu_len) == 0)
      return r->pid;
  }
  return 0;
}

/* Does some message record's text match the regex `re` (whole text)? */
static bool has_message(GArray *a, const char *re) {
  g_autofree char *anchored = g_strdup_printf("^%s$", re);
  for (guint i = 0; i < a->len; i++) {
    const rec *r = &g_array_index(a, rec, i);
    if (r->action != BLK_TN_MESSAGE)
      continue;
    g_autofree char *text = g_strndup(r->pdu, r->pdu_len);
    if (g_regex_match_simple(anchored, text, 0, 0))
      return true;
  }
  return false;
}

/* The kernel traces G (block_getrq) only once the request is allocated,
 * elevator data included.  On the buggy kernel B's cic link fails, the
 * allocation is given back and B sleeps: its trace is Q then S, no G, and
 * there are as many G as I. */
static void test_failed_allocation_has_no_getrq(void) {
  char *top;
  char *o = run_cli_race_variant("buggy", false, &top);
  gchar *d;
  GArray *a = read_records(o, "sda.blktrace.0", &d);
  uint32_t pa = pid_named(a, "A"), pb = pid_named(a, "B");
  g_assert_cmpuint(pa, !=, 0);
  g_assert_cmpuint(pb, !=, 0);
  g_autofree char *acts_a = actions_of(a, pa), *acts_b = actions_of(a, pb);
  g_assert_cmpstr(acts_a, ==, "QGIDC");
  g_assert_cmpstr(acts_b, ==, "QS");
  g_assert_cmpuint(count_code(a, BLK_TA_CODE_GETRQ), ==,
                   count_code(a, BLK_TA_CODE_INSERT));
  g_array_unref(a);
  g_free(d);

  char *out = blkparse_output(o, "sda");
  if (out) {
    /* blkparse's view of B (sector 409600): its action column, in order. */
    GRegex *re = g_regex_new("^.*\\s([A-Z]+)\\s+R 409600 \\+ 8 .*$",
                             G_REGEX_MULTILINE, 0, NULL);
    GMatchInfo *mi;
    GString *seen = g_string_new(NULL);
    g_regex_match(re, out, 0, &mi);
    while (g_match_info_matches(mi)) {
      g_autofree char *act = g_match_info_fetch(mi, 1);
      g_string_append(seen, act);
      g_match_info_next(mi, NULL);
    }
    g_match_info_free(mi);
    g_regex_unref(re);
    if (strcmp(seen->str, "QS") != 0)
      g_error("B's blkparse actions are '%s', not 'QS':\n%s", seen->str, out);
    g_string_free(seen, TRUE);
    g_free(out);
  }
  g_free(o);
  rm_rf(top);
  g_free(top);
}

static const char cgroup_yaml[] =
    "name: bt-cgroup\n"
    "seed: 1\n"
    "duration: 300ms\n"
    "devices:\n"
    "  - {name: sda, model: hdd, scheduler: cfq}\n"
    "cgroups:\n"
    "  - {name: gold, weight: 800}\n"
    "processes:\n"
    "  - {name: g, direct: 1, cgroup: gold, rw: read, bs: 64k, size: 64m}\n"
    "  - {name: r, direct: 1, rw: read, bs: 64k, size: 64m, offset: 1g}\n";

/* With group scheduling built in (the default), CFQ's queue messages carry
 * the sync flag and the group's cgroup path ("/" for the root group), and
 * group messages (served) carry the path alone, as in Linux 3.2. */
static void test_cfq_messages_name_the_group(void) {
  GError *err = NULL;
  char *dir = g_dir_make_tmp("cfqsim-bt-XXXXXX", &err);
  g_assert_no_error(err);
  char *yaml = g_build_filename(dir, "w.yaml", NULL);
  g_assert_true(g_file_set_contents(yaml, cgroup_yaml, -1, &err));
  char *o = g_build_filename(dir, "out", NULL);
  const char *argv[] = {CFQSIM_BINARY, yaml, "--trace", "-q", "-o", o, NULL};
  int status;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
                             G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                             &status, &err));
  g_assert_no_error(err);
  g_assert_true(g_spawn_check_wait_status(status, NULL));

  gchar *d;
  GArray *a = read_records(o, "sda.blktrace.0", &d);
  uint32_t pg = pid_named(a, "g"), pr = pid_named(a, "r");
  g_assert_cmpuint(pg, !=, 0);
  g_assert_cmpuint(pr, !=, 0);
  g_autofree char *gold =
      g_strdup_printf("cfq%uS /gold set_active wl_prio:0 wl_type:\\d", pg);
  g_autofree char *root =
      g_strdup_printf("cfq%uS / set_active wl_prio:0 wl_type:\\d", pr);
  g_assert_true(has_message(a, gold));
  g_assert_true(has_message(a, root));
  g_assert_true(has_message(a, "/gold served: vt=\\d+ min_vt=\\d+"));
  g_assert_true(has_message(a, "/ served: vt=\\d+ min_vt=\\d+"));
  g_assert_false(has_message(a, "cfq served.*"));
  g_assert_false(
      has_message(a, "cfq\\d+[SA] [^/].*")); /* every queue line has a path */
  g_array_unref(a);
  g_free(d);

  char *out = blkparse_output(o, "sda");
  if (out) {
    g_autofree char *re =
        g_strdup_printf("\\sm\\s+N cfq%uS /gold set_active", pg);
    if (!g_regex_match_simple(re, out, G_REGEX_MULTILINE, 0) ||
        !g_regex_match_simple("\\sm\\s+N /gold served: vt=\\d+ min_vt=\\d+$",
                              out, G_REGEX_MULTILINE, 0))
      g_error("no group path in blkparse's CFQ messages:\n%s", out);
    g_free(out);
  }
  g_free(o);
  g_free(yaml);
  rm_rf(dir);
  g_free(dir);
}

/* Without group scheduling, 3.2's queue messages are "cfq<pid> ..." (no
 * sync flag, no path) and group messages are not emitted. */
static void test_cfq_messages_without_group_sched(void) {
  GError *err = NULL;
  char *dir = g_dir_make_tmp("cfqsim-bt-XXXXXX", &err);
  g_assert_no_error(err);
  char *path = g_build_filename(dir, "w.yaml", NULL);
  g_autofree char *text =
      g_strconcat(cgroup_yaml, "kernel: {group_iosched: false}\n", NULL);
  g_assert_true(g_file_set_contents(path, text, -1, &err));
  workload *w = workload_load(path, NULL, &err);
  g_assert_no_error(err);
  char *buf = NULL;
  size_t len = 0;
  FILE *tf = open_memstream(&buf, &len);
  run_options opt = RUN_OPTIONS_INIT;
  opt.trace = tf;
  sim_run *r = sim_run_new(w, &opt, &err);
  g_assert_no_error(err);
  g_assert_cmpint(sim_run_go(r, &err), ==, SIM_TIME_LIMIT); /* readers run on */
  g_assert_no_error(err);
  fclose(tf);
  GBytes *b = sim_run_blktrace(r, 0);
  gsize n;
  GArray *a = parse(g_bytes_get_data(b, &n), g_bytes_get_size(b));
  uint32_t pg = pid_named(a, "g");
  g_assert_cmpuint(pg, !=, 0);
  g_autofree char *plain =
      g_strdup_printf("cfq%u set_active wl_prio:0 wl_type:\\d", pg);
  g_assert_true(has_message(a, plain));
  g_assert_false(has_message(a, "cfq\\d+[SA] .*"));
  g_assert_false(has_message(a, ".*served: vt=.*"));
  g_array_unref(a);
  g_bytes_unref(b);
  sim_run_free(r);
  free(buf);
  workload_free(w);
  rm_rf(dir);
  g_free(path);
  g_free(dir);
}

/* Without --trace there is no blktrace file. */
static void test_cli_no_trace_no_file(void) {
  GError *err = NULL;
  char *dir = g_dir_make_tmp("cfqsim-bt-XXXXXX", &err);
  g_assert_no_error(err);
  char *o = g_build_filename(dir, "out", NULL);
  const char *argv[] = {CFQSIM_BINARY,
                        "workloads/race-replay.yaml",
                        "--variant",
                        "fixed",
                        "-q",
                        "-o",
                        o,
                        NULL};
  int status;
  g_assert_true(g_spawn_sync(CFQSIM_SOURCE_DIR, (char **)argv, NULL,
                             G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                             &status, &err));
  g_assert_no_error(err);
  char *file = g_build_filename(o, "sda.blktrace.0", NULL);
  char *summary = g_build_filename(o, "summary.txt", NULL);
  g_assert_true(g_file_test(summary, G_FILE_TEST_EXISTS));
  g_assert_false(g_file_test(file, G_FILE_TEST_EXISTS));
  g_free(file);
  g_free(summary);
  g_free(o);
  rm_rf(dir);
  g_free(dir);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/blktrace/action-words", test_action_words);
  g_test_add_func("/blktrace/counts-match-block-layer",
                  test_counts_match_block_layer);
  g_test_add_func("/blktrace/large-io-split", test_large_io_split_in_trace);
  g_test_add_func("/blktrace/cli-file-and-blkparse",
                  test_cli_file_and_blkparse);
  g_test_add_func("/blktrace/cli-no-trace-no-file", test_cli_no_trace_no_file);
  g_test_add_func("/blktrace/failed-allocation-has-no-getrq",
                  test_failed_allocation_has_no_getrq);
  g_test_add_func("/blktrace/cfq-messages-name-the-group",
                  test_cfq_messages_name_the_group);
  g_test_add_func("/blktrace/cfq-messages-without-group-sched",
                  test_cfq_messages_without_group_sched);
  return g_test_run();
}
