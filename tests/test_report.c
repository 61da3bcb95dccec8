/* Report: metrics.json fields and order, the summary, the CSVs, and the
 * atomic directory write. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/ioc.h"
#include "sim/outdir.h"
#include "sim/report.h"

#include "tests/testutil.h"

/* ---- a hand-built workload and run ---- */

typedef struct fixture {
  workload w;
  metrics *m;
  proc_final_state states[3];
  run_result r;
} fixture;

static wl_process *mk_proc(const char *name, const char *ioc, int cgroup,
                           int cls, int lvl, int nice) {
  wl_process *p = g_new0(wl_process, 1);
  p->name = g_strdup(name);
  p->ioc = g_strdup(ioc);
  p->device = 0;
  p->cgroup = cgroup;
  p->ioprio_class = cls;
  p->ioprio_level = lvl;
  p->nice = nice;
  return p;
}

static void free_proc(gpointer p) {
  wl_process *wp = p;
  g_free(wp->name);
  g_free(wp->ioc);
  g_free(wp);
}

static void free_dev(gpointer p) {
  wl_device *d = p;
  g_free(d->name);
  g_free(d);
}

static void free_cg(gpointer p) {
  wl_cgroup *c = p;
  g_free(c->name);
  g_free(c);
}

/* A's two I/Os in the first 1 s window, B's in the second. */
static void feed(metrics *m) {
  metrics_io_done(m, 0, 0, 0, 2 * SIM_MS, 4096);
  metrics_io_done(m, 0, 0, 2 * SIM_MS, 6 * SIM_MS, 4096);
  metrics_io_done(m, 1, 0, 1100 * SIM_MS, 1108 * SIM_MS, 8192);
}

/* A hung B, a finished A, a C still running when time ran out; sim time
 * 2 s so that throughputs are half the byte counts. */
static fixture *fixture_new(const char *c_name) {
  fixture *f = g_new0(fixture, 1);
  workload *w = &f->w;
  w->name = g_strdup("mix");
  w->seed = 3; /* the run's seed (7) is what the report must show */
  w->window = SIM_S;
  w->devices = g_ptr_array_new_with_free_func(free_dev);
  wl_device *d = g_new0(wl_device, 1);
  d->name = g_strdup("sda");
  g_ptr_array_add(w->devices, d);
  w->cgroups = g_ptr_array_new_with_free_func(free_cg);
  wl_cgroup *cg = g_new0(wl_cgroup, 1);
  cg->name = g_strdup("grpA");
  cg->weight = 500;
  g_ptr_array_add(w->cgroups, cg);
  w->processes = g_ptr_array_new_with_free_func(free_proc);
  g_ptr_array_add(w->processes,
                  mk_proc("A", "shared", -1, IOPRIO_CLASS_NONE, 0, 0));
  g_ptr_array_add(w->processes,
                  mk_proc("B", "shared", 0, IOPRIO_CLASS_BE, 2, 0));
  g_ptr_array_add(w->processes,
                  mk_proc(c_name, "c", -1, IOPRIO_CLASS_NONE, 0, 10));

  f->m = metrics_new(3, 1, SIM_S);
  feed(f->m);
  metrics_set_device_busy(f->m, 0, 500 * SIM_MS);
  /* the 8 KiB I/O went to the device as two commands */
  metrics_set_device_commands(f->m, 0, 4);

  f->states[0] = PROC_DONE;
  f->states[1] = PROC_HUNG;
  f->states[2] = PROC_RUNNING;
  f->r = (run_result){.w = w,
                      .variant = "buggy",
                      .seed = 7,
                      .outcome = SIM_HANG,
                      .sim_time = 2 * SIM_S,
                      .events = 1234,
                      .m = f->m,
                      .proc_state = f->states,
                      .hang_report = "B asleep on rl->wait[SYNC] of sda "
                                     "since 1.108 ms\n"};
  return f;
}

static void fixture_free(fixture *f) {
  g_free(f->w.name);
  g_ptr_array_unref(f->w.devices);
  g_ptr_array_unref(f->w.cgroups);
  g_ptr_array_unref(f->w.processes);
  metrics_free(f->m);
  g_free(f);
}

/* ---- metrics.json ---- */

static void assert_members(JsonObject *o, const char *const *want) {
  GList *members = json_object_get_members(o);
  guint i = 0;
  for (GList *l = members; l; l = l->next, i++) {
    g_assert_nonnull(want[i]);
    g_assert_cmpstr(l->data, ==, want[i]);
  }
  g_assert_null(want[i]);
  g_list_free(members);
}

static void test_json(void) {
  fixture *f = fixture_new("C");
  char *text = report_metrics_json(&f->r);
  JsonParser *p = json_parser_new();
  GError *err = NULL;
  g_assert_true(json_parser_load_from_data(p, text, -1, &err));
  g_assert_no_error(err);
  JsonObject *o = json_node_get_object(json_parser_get_root(p));

  const char *const top[] = {
      "workload",          "seed",     "variant", "sim_time_ns", "events",
      "outcome",           "hung",     "devices", "processes",   "latency_ns",
      "latency_histogram", "fairness", NULL};
  assert_members(o, top);
  g_assert_cmpstr(json_object_get_string_member(o, "workload"), ==, "mix");
  g_assert_cmpint(json_object_get_int_member(o, "seed"), ==, 7);
  g_assert_cmpstr(json_object_get_string_member(o, "variant"), ==, "buggy");
  g_assert_cmpint(json_object_get_int_member(o, "sim_time_ns"), ==, 2 * SIM_S);
  g_assert_cmpint(json_object_get_int_member(o, "events"), ==, 1234);
  g_assert_cmpstr(json_object_get_string_member(o, "outcome"), ==, "hang");

  JsonArray *hung = json_object_get_array_member(o, "hung");
  g_assert_cmpuint(json_array_get_length(hung), ==, 1);
  g_assert_cmpstr(json_array_get_string_element(hung, 0), ==, "B");

  JsonArray *devs = json_object_get_array_member(o, "devices");
  g_assert_cmpuint(json_array_get_length(devs), ==, 1);
  JsonObject *d = json_array_get_object_element(devs, 0);
  const char *const dk[] = {"name",           "bytes",          "ios",
                            "throughput_bps", "iops",           "utilisation",
                            "commands",       "commands_per_s", NULL};
  assert_members(d, dk);
  g_assert_cmpstr(json_object_get_string_member(d, "name"), ==, "sda");
  g_assert_cmpint(json_object_get_int_member(d, "bytes"), ==, 16384);
  g_assert_cmpint(json_object_get_int_member(d, "ios"), ==, 3);
  g_assert_cmpfloat_with_epsilon(
      json_object_get_double_member(d, "throughput_bps"), 8192.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(d, "iops"), 1.5,
                                 1e-12);
  g_assert_cmpfloat_with_epsilon(
      json_object_get_double_member(d, "utilisation"), 0.25, 1e-12);
  /* application I/Os and device commands are counted apart */
  g_assert_cmpint(json_object_get_int_member(d, "commands"), ==, 4);
  g_assert_cmpfloat_with_epsilon(
      json_object_get_double_member(d, "commands_per_s"), 2.0, 1e-12);

  JsonArray *procs = json_object_get_array_member(o, "processes");
  g_assert_cmpuint(json_array_get_length(procs), ==, 3);
  const char *const pk[] = {"name",           "ioc",        "cgroup", "ioprio",
                            "device",         "state",      "bytes",  "ios",
                            "throughput_bps", "latency_ns", NULL};
  const char *const lk[] = {"mean", "p50", "p95", "p99", "max", NULL};
  for (guint i = 0; i < 3; i++) {
    JsonObject *po = json_array_get_object_element(procs, i);
    assert_members(po, pk);
    assert_members(json_object_get_object_member(po, "latency_ns"), lk);
  }
  JsonObject *a = json_array_get_object_element(procs, 0);
  g_assert_cmpstr(json_object_get_string_member(a, "name"), ==, "A");
  g_assert_cmpstr(json_object_get_string_member(a, "ioc"), ==, "shared");
  g_assert_cmpstr(json_object_get_string_member(a, "cgroup"), ==, "root");
  g_assert_cmpstr(json_object_get_string_member(a, "ioprio"), ==, "none(be/4)");
  g_assert_cmpstr(json_object_get_string_member(a, "device"), ==, "sda");
  g_assert_cmpstr(json_object_get_string_member(a, "state"), ==, "done");
  g_assert_cmpint(json_object_get_int_member(a, "bytes"), ==, 8192);
  g_assert_cmpint(json_object_get_int_member(a, "ios"), ==, 2);
  g_assert_cmpfloat_with_epsilon(
      json_object_get_double_member(a, "throughput_bps"), 4096.0, 1e-9);
  JsonObject *al = json_object_get_object_member(a, "latency_ns");
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(al, "mean"),
                                 3.0 * SIM_MS, 1e-6);
  g_assert_cmpfloat(
      fabs((double)json_object_get_int_member(al, "p50") - 3 * SIM_MS), <=,
      METRICS_HIST_RELATIVE_ERROR * 3 * SIM_MS);
  g_assert_cmpint(json_object_get_int_member(al, "max"), ==, 4 * SIM_MS);
  /* The percentiles say how exact they are. */
  JsonObject *hist = json_object_get_object_member(o, "latency_histogram");
  g_assert_cmpfloat(json_object_get_double_member(hist, "relative_error"), ==,
                    METRICS_HIST_RELATIVE_ERROR);
  g_assert_cmpfloat(METRICS_HIST_RELATIVE_ERROR, <=, 0.01);

  JsonObject *b = json_array_get_object_element(procs, 1);
  g_assert_cmpstr(json_object_get_string_member(b, "cgroup"), ==, "grpA");
  g_assert_cmpstr(json_object_get_string_member(b, "ioprio"), ==, "be/2");
  g_assert_cmpstr(json_object_get_string_member(b, "state"), ==, "hung");

  /* nice 10 -> best-effort level (10 + 20) / 5 = 6. */
  JsonObject *c = json_array_get_object_element(procs, 2);
  g_assert_cmpstr(json_object_get_string_member(c, "ioprio"), ==, "none(be/6)");
  g_assert_cmpstr(json_object_get_string_member(c, "state"), ==, "running");
  g_assert_cmpint(json_object_get_int_member(c, "bytes"), ==, 0);

  /* Throughputs 4096, 4096, 0: (8192)^2 / (3 * 2 * 4096^2) = 2/3. */
  JsonObject *fair = json_object_get_object_member(o, "fairness");
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(fair, "jain"),
                                 2.0 / 3.0, 1e-12);

  /* Same input, same bytes. */
  char *again = report_metrics_json(&f->r);
  g_assert_cmpstr(text, ==, again);
  g_free(again);
  g_object_unref(p);
  g_free(text);
  fixture_free(f);
}

static void test_json_outcomes(void) {
  fixture *f = fixture_new("C");
  const struct {
    sim_outcome o;
    const char *s;
  } cases[] = {{SIM_COMPLETED, "completed"},
               {SIM_HANG, "hang"},
               {SIM_TIME_LIMIT, "time_limit"}};
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    f->r.outcome = cases[i].o;
    char *text = report_metrics_json(&f->r);
    JsonNode *n = json_from_string(text, NULL);
    g_assert_nonnull(n);
    g_assert_cmpstr(
        json_object_get_string_member(json_node_get_object(n), "outcome"), ==,
        cases[i].s);
    json_node_unref(n);
    g_free(text);
  }
  fixture_free(f);
}

/* ---- summary ---- */

static const char *find_line(char **lines, const char *prefix) {
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix(lines[i], prefix))
      return lines[i];
  return NULL;
}

/* Character column of a row's second cell (after "  NAME  "). */
static glong second_column(const char *row) {
  const char *c = row + 2;
  while (*c && *c != ' ')
    c++;
  while (*c == ' ')
    c++;
  return g_utf8_pointer_to_offset(row, c);
}

/* Columns line up by characters, not bytes: a name with multi-byte
 * characters is as wide as it looks, and as the widest name it is
 * followed by the two spaces between columns and no more. */
static void test_summary_columns_by_character(void) {
  fixture *f = fixture_new("caf\u00e9-\u00fc");
  char *s = report_summary(&f->r);
  char **lines = g_strsplit(s, "\n", -1);
  const char *head = find_line(lines, "  name ");
  const char *a = find_line(lines, "  A ");
  const char *c = find_line(lines, "  caf\u00e9-\u00fc ");
  g_assert_nonnull(head);
  g_assert_nonnull(a);
  g_assert_nonnull(c);
  g_assert_cmpint(second_column(a), ==, second_column(head));
  g_assert_cmpint(second_column(c), ==, second_column(head));
  g_assert_cmpint(second_column(c), ==, 2 + 6 + 2);
  g_strfreev(lines);
  g_free(s);
  fixture_free(f);
}

static void test_summary(void) {
  fixture *f = fixture_new("C");
  char *s = report_summary(&f->r);
  char **lines = g_strsplit(s, "\n", -1);

  const char *wl = find_line(lines, "workload");
  g_assert_nonnull(wl);
  g_assert_nonnull(strstr(wl, "mix"));
  g_assert_nonnull(strstr(wl, "seed 7"));
  g_assert_nonnull(strstr(wl, "buggy"));
  const char *oc = find_line(lines, "outcome");
  g_assert_nonnull(oc);
  g_assert_nonnull(strstr(oc, "hang"));
  g_assert_nonnull(strstr(oc, "2000.000000 ms"));
  g_assert_nonnull(strstr(oc, "1234 events"));

  /* The hung process is named up front; the others are not. */
  const char *hl = find_line(lines, "hung");
  g_assert_nonnull(hl);
  g_assert_nonnull(strstr(hl, "B"));
  g_assert_null(strstr(hl, "A"));
  g_assert_nonnull(strstr(s, "B asleep on rl->wait[SYNC] of sda"));

  /* B's row in the process table says it is hung; utilisation 25%. */
  const char *brow = find_line(lines, "  B ");
  g_assert_nonnull(brow);
  g_assert_nonnull(strstr(brow, "hung"));
  g_assert_nonnull(strstr(brow, "grpA"));
  g_assert_nonnull(strstr(brow, "be/2"));
  const char *sda = find_line(lines, "  sda ");
  g_assert_nonnull(sda);
  /* name MiB ios MiB/s IOPS util% commands cmd/s */
  g_auto(GStrv) cols = g_strsplit_set(sda, " ", -1);
  GPtrArray *v = g_ptr_array_new();
  for (guint i = 0; cols[i]; i++)
    if (*cols[i])
      g_ptr_array_add(v, cols[i]);
  g_assert_cmpuint(v->len, ==, 8);
  g_assert_cmpstr(g_ptr_array_index(v, 2), ==, "3");
  g_assert_cmpstr(g_ptr_array_index(v, 5), ==, "25.0");
  g_assert_cmpstr(g_ptr_array_index(v, 6), ==, "4");
  g_assert_cmpstr(g_ptr_array_index(v, 7), ==, "2.0");
  g_ptr_array_free(v, TRUE);
  g_assert_nonnull(strstr(s, "application I/Os"));
  g_assert_nonnull(find_line(lines, "fairness"));
  g_assert_null(strstr(s, "kernel log"));
  g_strfreev(lines);
  g_free(s);

  /* The kernel log, like dmesg, before the hang report it explains. */
  f->r.kernel_log = "[    0.008421] cfq: cic link failed!\n";
  s = report_summary(&f->r);
  const char *kl =
      strstr(s, "\nkernel log\n  [    0.008421] cfq: cic link failed!\n");
  g_assert_nonnull(kl);
  g_assert_true(kl < strstr(s, "hang report"));
  g_free(s);
  /* A long log is kept in kernel.log; the summary shows its start. */
  f->r.kernel_log_more = 5;
  s = report_summary(&f->r);
  g_assert_nonnull(strstr(s, "cic link failed!\n  (and 5 more lines in "
                             "kernel.log)\n"));
  g_free(s);
  f->r.kernel_log_more = 0;
  f->r.kernel_log = NULL;

  /* Nothing hung: no hung line and no hang report. */
  f->r.outcome = SIM_COMPLETED;
  f->states[1] = PROC_DONE;
  f->r.hang_report = NULL;
  s = report_summary(&f->r);
  lines = g_strsplit(s, "\n", -1);
  g_assert_null(find_line(lines, "hung"));
  g_assert_null(strstr(s, "hang report"));
  g_strfreev(lines);
  g_free(s);
  fixture_free(f);
}

/* ---- CSV ---- */

static void test_processes_csv(void) {
  fixture *f = fixture_new("C,\"x\"");
  char *csv = report_processes_csv(&f->r);
  char **lines = g_strsplit(csv, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 5); /* header, 3 rows, "" */
  g_assert_cmpstr(lines[4], ==, "");
  char **head = g_strsplit(lines[0], ",", -1);
  g_assert_cmpstr(head[0], ==, "name");
  g_assert_cmpstr(head[5], ==, "state");
  g_assert_cmpstr(head[6], ==, "bytes");
  g_assert_cmpstr(head[8], ==, "throughput_bps");
  guint ncols = g_strv_length(head);
  g_strfreev(head);

  char **b = g_strsplit(lines[2], ",", -1);
  g_assert_cmpuint(g_strv_length(b), ==, ncols);
  g_assert_cmpstr(b[0], ==, "B");
  g_assert_cmpstr(b[2], ==, "grpA");
  g_assert_cmpstr(b[3], ==, "be/2");
  g_assert_cmpstr(b[4], ==, "sda");
  g_assert_cmpstr(b[5], ==, "hung");
  g_assert_cmpstr(b[6], ==, "8192");
  g_assert_cmpstr(b[7], ==, "1");
  g_assert_cmpstr(b[8], ==, "4096");
  g_assert_cmpstr(b[ncols - 1], ==, "8000000"); /* max latency 8 ms */
  g_strfreev(b);
  /* A name with a comma and quotes is quoted, RFC 4180 style. */
  g_assert_true(g_str_has_prefix(lines[3], "\"C,\"\"x\"\"\",c,root,"));
  g_strfreev(lines);
  g_free(csv);
  fixture_free(f);
}

/* timeseries.csv, fairness.csv and latencies.csv as the fixture's I/Os
 * complete and its windows close, in a run that ends at `end`. */
static void series_of(fixture *f, sim_time end, char **ts, char **fair,
                      char **lat) {
  size_t ts_len = 0, fair_len = 0, lat_len = 0;
  FILE *tsf = open_memstream(ts, &ts_len);
  FILE *ff = open_memstream(fair, &fair_len);
  FILE *lf = open_memstream(lat, &lat_len);
  metrics *m = metrics_new(3, 1, SIM_S);
  report_series *s = report_series_new(&f->w, m, tsf, ff, lf);
  feed(m);
  metrics_finish(m, end);
  report_series_flush(s);
  report_series_free(s);
  metrics_free(m);
  fclose(tsf);
  fclose(ff);
  fclose(lf);
}

static void test_timeseries_csv(void) {
  fixture *f = fixture_new("C");
  char *csv = NULL, *fair = NULL, *lat = NULL;
  series_of(f, 2 * SIM_S, &csv, &fair, &lat);
  char **lines = g_strsplit(csv, "\n", -1);
  g_assert_cmpstr(lines[0], ==,
                  "window_start_ns,process,bytes,mean_latency_ns");
  /* 2 s of 1 s windows x 3 processes, window-major. */
  g_assert_cmpuint(g_strv_length(lines), ==, 1 + 6 + 1);
  g_assert_cmpstr(lines[1], ==, "0,A,8192,3000000");
  g_assert_cmpstr(lines[2], ==, "0,B,0,0");
  g_assert_cmpstr(lines[3], ==, "0,C,0,0");
  g_assert_cmpstr(lines[4], ==, "1000000000,A,0,0");
  g_assert_cmpstr(lines[5], ==, "1000000000,B,8192,8000000");
  g_assert_cmpstr(lines[6], ==, "1000000000,C,0,0");
  g_strfreev(lines);
  g_free(csv);
  /* One process moves bytes in each 1 s window: 1/3 over three. */
  g_assert_cmpstr(fair, ==,
                  "window_start_ns,jain\n0,0.333333\n1000000000,0.333333\n");
  g_free(fair);
  /* Every I/O's latency, as it completed. */
  g_assert_cmpstr(lat, ==,
                  "process,latency_ns\nA,2000000\nA,4000000\nB,8000000\n");
  g_free(lat);

  /* A hang long after the last completion still shows the empty windows. */
  series_of(f, 4 * SIM_S + 1, &csv, &fair, &lat);
  g_free(lat);
  lines = g_strsplit(csv, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 1 + 5 * 3 + 1);
  g_assert_cmpstr(lines[13], ==, "4000000000,A,0,0");
  g_strfreev(lines);
  g_free(csv);
  /* ... and its empty windows have no index. */
  g_assert_true(g_str_has_suffix(fair, "\n3000000000,\n4000000000,\n"));
  g_free(fair);
  fixture_free(f);
}

/* Thousands of processes, a few active in each window, some names quoted:
 * the rows (written in chunks) are every process's, in order, as printf
 * would put them. */
static void test_timeseries_many(void) {
  enum { N = 5000, WINDOWS = 3 };
  workload w = {.window = SIM_S};
  w.processes = g_ptr_array_new_with_free_func(free_proc);
  for (guint i = 0; i < N; i++) {
    g_autofree char *name = g_strdup_printf(i % 7 ? "p%u" : "q,%u", i);
    g_ptr_array_add(w.processes,
                    mk_proc(name, name, -1, IOPRIO_CLASS_NONE, 0, 0));
  }
  char *ts = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&ts, &len);
  metrics *m = metrics_new(N, 1, SIM_S);
  report_series *s = report_series_new(&w, m, f, NULL, NULL);
  for (guint k = 0; k < WINDOWS; k++)
    for (guint i = k; i < N; i += 13)
      metrics_io_done(m, i, 0, k * SIM_S, k * SIM_S + 1000 + i, 512 * i);
  metrics_finish(m, WINDOWS * SIM_S);
  report_series_free(s);
  metrics_free(m);
  fclose(f);

  GString *want = g_string_new("window_start_ns,process,bytes,"
                               "mean_latency_ns\n");
  for (guint k = 0; k < WINDOWS; k++)
    for (guint i = 0; i < N; i++) {
      bool active = i >= k && (i - k) % 13 == 0;
      g_string_append_printf(want,
                             i % 7 ? "%" G_GINT64_FORMAT ",p%u,%u,%u\n"
                                   : "%" G_GINT64_FORMAT ",\"q,%u\",%u,%u\n",
                             (gint64)k * SIM_S, i, active ? 512 * i : 0,
                             active ? 1000 + i : 0);
    }
  g_assert_cmpuint(want->len, >, 3 * 32 * 1024);
  g_assert_cmpstr(ts, ==, want->str);
  g_string_free(want, TRUE);
  free(ts);
  g_ptr_array_unref(w.processes);
}

/* ---- writing directories ---- */

static char *read_file(const char *dir, const char *name) {
  char *path = g_build_filename(dir, name, NULL);
  char *contents = NULL;
  if (!g_file_get_contents(path, &contents, NULL, NULL))
    contents = NULL;
  g_free(path);
  return contents;
}

static GHashTable *files_of(const char *k1, const char *v1, const char *k2,
                            const char *v2) {
  GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);
  g_hash_table_insert(h, (gpointer)k1, (gpointer)v1);
  if (k2)
    g_hash_table_insert(h, (gpointer)k2, (gpointer)v2);
  return h;
}

static void test_write_dir_replaces(void) {
  char *base = g_dir_make_tmp("cfqsim-report-XXXXXX", NULL);
  g_assert_nonnull(base);
  char *parent = g_build_filename(base, "a", "b", NULL);
  char *dir = g_build_filename(parent, "out", NULL);
  GError *err = NULL;

  /* Missing parents are created. */
  GHashTable *h = files_of("x.txt", "first", "z.txt", "zz");
  g_assert_true(report_write_dir(dir, OUTDIR_RUN, h, &err));
  g_assert_no_error(err);
  g_hash_table_unref(h);
  char *l = listing(dir);
  g_assert_cmpstr(l, ==, ".cfqsim x.txt z.txt");
  g_free(l);

  /* A second write replaces the whole directory: stale files vanish. */
  h = files_of("y.txt", "second", NULL, NULL);
  char *slash = g_strconcat(dir, "/", NULL); /* a trailing slash is fine */
  g_assert_true(report_write_dir(slash, OUTDIR_RUN, h, &err));
  g_assert_no_error(err);
  g_free(slash);
  g_hash_table_unref(h);
  l = listing(dir);
  g_assert_cmpstr(l, ==, ".cfqsim y.txt");
  g_free(l);
  char *c = read_file(dir, "y.txt");
  g_assert_cmpstr(c, ==, "second");
  g_free(c);

  /* No temporary or set-aside directories are left next to it. */
  l = listing(parent);
  g_assert_cmpstr(l, ==, "out");
  g_free(l);

  rm_rf(base);
  g_free(dir);
  g_free(parent);
  g_free(base);
}

/* Binary files keep every byte, NULs included, beside the text ones; a
 * name given in both tables is refused and nothing is written. */
static void test_write_dir_binary(void) {
  char *base = g_dir_make_tmp("cfqsim-report-XXXXXX", NULL);
  g_assert_nonnull(base);
  char *dir = g_build_filename(base, "out", NULL);
  GError *err = NULL;
  static const guint8 raw[] = {0x07, 0x74, 0x61, 0x65, 0, 0, 0, 1, 0, 0xff};
  GHashTable *text = files_of("a.txt", "text", NULL, NULL);
  GHashTable *bin = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify)g_bytes_unref);
  g_hash_table_insert(bin, "sda.blktrace.0",
                      g_bytes_new_static(raw, sizeof raw));
  g_hash_table_insert(bin, "empty.bin", g_bytes_new_static(raw, 0));
  g_assert_true(report_write_dir_bin(dir, OUTDIR_RUN, text, bin, &err));
  g_assert_no_error(err);
  char *l = listing(dir);
  g_assert_cmpstr(l, ==, ".cfqsim a.txt empty.bin sda.blktrace.0");
  g_free(l);
  char *path = g_build_filename(dir, "sda.blktrace.0", NULL);
  gchar *got;
  gsize n;
  g_assert_true(g_file_get_contents(path, &got, &n, &err));
  g_assert_cmpmem(got, n, raw, sizeof raw);
  g_free(got);
  g_free(path);

  g_hash_table_insert(bin, "a.txt", g_bytes_new_static(raw, 1));
  g_assert_false(report_write_dir_bin(dir, OUTDIR_RUN, text, bin, &err));
  g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_EXIST);
  g_clear_error(&err);
  l = listing(base);
  g_assert_cmpstr(l, ==, "out"); /* the previous results stay, no temp dir */
  g_free(l);

  g_hash_table_unref(bin);
  g_hash_table_unref(text);
  rm_rf(base);
  g_free(dir);
  g_free(base);
}

static void test_write_dir_failures(void) {
  char *base = g_dir_make_tmp("cfqsim-report-XXXXXX", NULL);
  GError *err = NULL;

  /* The parent path is a regular file: an error, and nothing written. */
  char *file = g_build_filename(base, "file", NULL);
  g_assert_true(g_file_set_contents(file, "keep", -1, NULL));
  char *bad = g_build_filename(file, "out", NULL);
  GHashTable *h = files_of("x.txt", "x", NULL, NULL);
  g_assert_false(report_write_dir(bad, OUTDIR_RUN, h, &err));
  g_assert_nonnull(err);
  g_assert_true(err->domain == G_FILE_ERROR);
  g_clear_error(&err);
  g_hash_table_unref(h);
  char *l = listing(base);
  g_assert_cmpstr(l, ==, "file");
  g_free(l);
  char *c = read_file(base, "file");
  g_assert_cmpstr(c, ==, "keep");
  g_free(c);

  /* A failure after some files were written leaves the previous results
   * untouched and no temporary directory behind. */
  char *dir = g_build_filename(base, "out", NULL);
  h = files_of("old.txt", "old", NULL, NULL);
  g_assert_true(report_write_dir(dir, OUTDIR_RUN, h, &err));
  g_hash_table_unref(h);
  h = files_of("a.txt", "new", "zz/bad", "x"); /* a.txt is written first */
  g_assert_false(report_write_dir(dir, OUTDIR_RUN, h, &err));
  g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_clear_error(&err);
  g_hash_table_unref(h);
  l = listing(dir);
  g_assert_cmpstr(l, ==, ".cfqsim old.txt");
  g_free(l);
  l = listing(base);
  g_assert_cmpstr(l, ==, "file out");
  g_free(l);

  /* The target is a regular file: it cannot be replaced by a directory. */
  h = files_of("x.txt", "x", NULL, NULL);
  g_assert_false(report_write_dir(file, OUTDIR_RUN, h, &err));
  g_assert_nonnull(err);
  g_clear_error(&err);
  g_hash_table_unref(h);
  c = read_file(base, "file");
  g_assert_cmpstr(c, ==, "keep");
  g_free(c);
  l = listing(base);
  g_assert_cmpstr(l, ==, "file out");
  g_free(l);

  rm_rf(base);
  g_free(dir);
  g_free(bad);
  g_free(file);
  g_free(base);
}

/* The rename into place never removes what cfqsim did not write.  A directory
 * with the user's files, or a result the user added a file to, is refused
 * before anything is written; one of another kind too. */
static void test_write_dir_not_ours(void) {
  char *base = g_dir_make_tmp("cfqsim-report-XXXXXX", NULL);
  char *dir = g_build_filename(base, "out", NULL);
  GError *err = NULL;
  g_assert_cmpint(g_mkdir(dir, 0777), ==, 0);
  char *mine = g_build_filename(dir, "mine.txt", NULL);
  g_assert_true(g_file_set_contents(mine, "keep", -1, NULL));
  GHashTable *h = files_of("x.txt", "x", NULL, NULL);
  g_assert_false(report_write_dir(dir, OUTDIR_RUN, h, &err));
  g_assert_error(err, OUTDIR_ERROR, OUTDIR_ERROR_NOT_OURS);
  g_assert_nonnull(strstr(err->message, dir));
  g_assert_nonnull(strstr(err->message, "'mine.txt'"));
  g_clear_error(&err);
  char *l = listing(dir);
  g_assert_cmpstr(l, ==, "mine.txt");
  g_free(l);
  l = listing(base);
  g_assert_cmpstr(l, ==, "out"); /* no temporary directory either */
  g_free(l);

  /* Our own result is replaced, until the user puts a file into it. */
  g_assert_cmpint(g_unlink(mine), ==, 0);
  g_assert_true(report_write_dir(dir, OUTDIR_RUN, h, &err));
  g_assert_true(report_write_dir(dir, OUTDIR_RUN, h, &err));
  g_assert_no_error(err);
  g_assert_true(g_file_set_contents(mine, "keep", -1, NULL));
  g_assert_false(report_write_dir(dir, OUTDIR_RUN, h, &err));
  g_clear_error(&err);
  l = listing(dir);
  g_assert_cmpstr(l, ==, ".cfqsim mine.txt x.txt");
  g_free(l);
  g_assert_cmpint(g_unlink(mine), ==, 0);
  g_assert_false(report_write_dir(dir, OUTDIR_COMPARE, h, &err));
  g_assert_error(err, OUTDIR_ERROR, OUTDIR_ERROR_NOT_OURS);
  g_clear_error(&err);
  /* The marker is ours: no result may name a file after it. */
  GHashTable *m = files_of(OUTDIR_MARKER, "cfqsim run\nmine.txt\n", NULL, NULL);
  g_assert_false(report_write_dir(dir, OUTDIR_RUN, m, &err));
  g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_clear_error(&err);
  g_hash_table_unref(m);

  g_hash_table_unref(h);
  rm_rf(base);
  g_free(mine);
  g_free(dir);
  g_free(base);
}

static void test_write(void) {
  fixture *f = fixture_new("C");
  char *base = g_dir_make_tmp("cfqsim-report-XXXXXX", NULL);
  char *dir = g_build_filename(base, "results", "mix", NULL);
  GError *err = NULL;
  GHashTable *extra = files_of("trace.log", "step\n", NULL, NULL);

  char *printed = NULL;
  size_t printed_len = 0;
  FILE *out = open_memstream(&printed, &printed_len);
  g_assert_true(report_write(&f->r, dir, extra, out, &err));
  g_assert_no_error(err);
  fclose(out);

  char *l = listing(dir);
  g_assert_cmpstr(l, ==,
                  ".cfqsim kernel.log metrics.json processes.csv summary.txt "
                  "trace.log");
  g_free(l);
  char *summary = read_file(dir, "summary.txt");
  g_assert_cmpstr(printed, ==, summary);
  char *want = report_summary(&f->r);
  g_assert_cmpstr(summary, ==, want);
  g_free(want);
  g_free(summary);
  free(printed);
  char *json = read_file(dir, "metrics.json");
  JsonNode *n = json_from_string(json, &err);
  g_assert_no_error(err);
  json_node_unref(n);
  g_free(json);
  g_hash_table_unref(extra);

  /* An extra file may not shadow a standard one; nothing is replaced. */
  extra = files_of("metrics.json", "{}", NULL, NULL);
  f->r.events = 99;
  g_assert_false(report_write(&f->r, dir, extra, NULL, &err));
  g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_EXIST);
  g_clear_error(&err);
  g_hash_table_unref(extra);
  json = read_file(dir, "metrics.json");
  g_assert_nonnull(strstr(json, "1234"));
  g_free(json);

  rm_rf(base);
  g_free(dir);
  g_free(base);
  fixture_free(f);
}

/* json-glib's text of the whole tree of `text` (parsed back): what the
 * streamed metrics.json must be, byte for byte. */
static char *regenerated(const char *text) {
  JsonParser *p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, text, -1, NULL));
  JsonGenerator *g = json_generator_new();
  json_generator_set_pretty(g, TRUE);
  json_generator_set_indent(g, 2);
  json_generator_set_root(g, json_parser_get_root(p));
  char *t = json_generator_to_data(g, NULL);
  char *out = g_strconcat(t, "\n", NULL);
  g_free(t);
  g_object_unref(g);
  g_object_unref(p);
  return out;
}

/* metrics.json goes out an element at a time (report_metrics_json_to):
 * the text is still the one json-glib gives for the whole document, with
 * names that need escaping, nested views and flushers, a hung process
 * (the hung array), and it is the same in a string and in a file. */
static void test_json_stream(void) {
  for (int views = 0; views < 2; views++) {
    fixture *f = fixture_new("C \"quoted\" \\ caf\xc3\xa9 \n two lines");
    char *names[] = {"flush-8:0", NULL};
    int fdev[] = {0};
    proc_final_state fstate[] = {PROC_RUNNING};
    int64_t disk[] = {5 * SIM_MS, 7 * SIM_MS, 0, 3 * SIM_MS};
    if (views) {
      metrics_add_submitters(f->m, 1);
      metrics_call_done(f->m, 2, METRICS_CALL_WRITE, 1200 * SIM_MS,
                        1201 * SIM_MS, 65536, true);
      metrics_bio_done(f->m, 3, 0, 1300 * SIM_MS, 1309 * SIM_MS, 65536);
      f->r.page_cache = true;
      f->r.n_flushers = 1;
      f->r.flusher_names = names;
      f->r.flusher_device = fdev;
      f->r.flusher_state = fstate;
      f->r.disk_time_ns = disk;
    }
    char *text = report_metrics_json(&f->r);
    char *whole = regenerated(text);
    g_assert_cmpstr(text, ==, whole);
    g_assert_nonnull(strstr(text, "\"hung\" : [\n    \"B\"\n  ]"));

    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    g_assert_true(report_metrics_json_to(&f->r, out));
    fclose(out);
    g_assert_cmpstr(buf, ==, text);
    free(buf);
    g_free(whole);
    g_free(text);
    f->r.disk_time_ns = NULL;
    fixture_free(f);
  }
}

/* Ideal shares: root (weight 1000) and grpA (500) split the disk 2:1; in
 * the root group A (be/4, 100 ms slice) and C (nice 10 -> be/6, 60 ms)
 * split it 100:60; B is alone in grpA. */
static void test_fairness(void) {
  fixture *f = fixture_new("C");
  char *text = report_metrics_json(&f->r);
  JsonParser *p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, text, -1, NULL));
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  JsonObject *fair = json_object_get_object_member(o, "fairness");
  JsonArray *shares = json_object_get_array_member(fair, "shares");
  g_assert_cmpuint(json_array_get_length(shares), ==, 3);
  const double ideal[] = {1000.0 / 1500 * 100 / 160, 500.0 / 1500,
                          1000.0 / 1500 * 60 / 160};
  const double got[] = {0.5, 0.5, 0.0}; /* 8192, 8192, 0 bytes */
  double sum = 0;
  for (guint i = 0; i < 3; i++) {
    JsonObject *s = json_array_get_object_element(shares, i);
    g_assert_cmpfloat_with_epsilon(
        json_object_get_double_member(s, "ideal_share"), ideal[i], 1e-12);
    g_assert_cmpfloat_with_epsilon(
        json_object_get_double_member(s, "throughput_share"), got[i], 1e-12);
    sum += json_object_get_double_member(s, "ideal_share");
  }
  g_assert_cmpfloat_with_epsilon(sum, 1.0, 1e-12);
  /* Pooled latencies 2, 4, 8 ms. */
  JsonObject *lat = json_object_get_object_member(o, "latency_ns");
  g_assert_cmpint(json_object_get_int_member(lat, "max"), ==, 8 * SIM_MS);
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(lat, "mean"),
                                 14.0 / 3 * SIM_MS, 1e-3);
  g_object_unref(p);
  g_free(text);
  fixture_free(f);
}

/* Thousands of processes.  Ideal shares were found by comparing every process
 * with every other one for each process, so 2,000 took minutes; the report
 * must come out, with the shares the definition gives: root (1000) and grpA
 * (500) split the disk 2:1; in root, 1,000 be/4 processes in pairs sharing an
 * io_context (500 queues of 100 ms, each process half of one); in grpA, 500
 * be/0 (180 ms) and 500 be/4 (100 ms) processes with their own io_contexts. */
static void test_fairness_many(void) {
  enum { N = 2000 };
  workload w = {.name = "many", .window = SIM_S};
  w.devices = g_ptr_array_new_with_free_func(free_dev);
  wl_device *d = g_new0(wl_device, 1);
  d->name = g_strdup("sda");
  g_ptr_array_add(w.devices, d);
  w.cgroups = g_ptr_array_new_with_free_func(free_cg);
  wl_cgroup *cg = g_new0(wl_cgroup, 1);
  cg->name = g_strdup("grpA");
  cg->weight = 500;
  g_ptr_array_add(w.cgroups, cg);
  w.processes = g_ptr_array_new_with_free_func(free_proc);
  /* Interleaved, so that no group or queue is a run of neighbours. */
  for (guint i = 0; i < N; i++) {
    g_autofree char *name = g_strdup_printf("p%u", i);
    g_autofree char *ioc =
        i % 2 == 0 ? g_strdup_printf("pair%u", (i / 2) % 500) : g_strdup(name);
    g_ptr_array_add(w.processes,
                    i % 2 == 0 ? mk_proc(name, ioc, -1, IOPRIO_CLASS_NONE, 0, 0)
                               : mk_proc(name, ioc, 0, IOPRIO_CLASS_BE,
                                         i % 4 == 1 ? 0 : 4, 0));
  }
  metrics *m = metrics_new(N, 1, SIM_S);
  run_result r = {.w = &w,
                  .variant = "fixed",
                  .outcome = SIM_COMPLETED,
                  .sim_time = SIM_S,
                  .m = m};
  char *text = report_metrics_json(&r);
  JsonParser *p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, text, -1, NULL));
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  JsonArray *shares = json_array_ref(json_object_get_array_member(
      json_object_get_object_member(o, "fairness"), "shares"));
  g_assert_cmpuint(json_array_get_length(shares), ==, N);
  double sum = 0;
  for (guint i = 0; i < N; i++) {
    JsonObject *s = json_array_get_object_element(shares, i);
    double want = i % 2 == 0   ? 1000.0 / 1500 * 50 / (500 * 100)
                  : i % 4 == 1 ? 500.0 / 1500 * 180 / (500 * 180 + 500 * 100)
                               : 500.0 / 1500 * 100 / (500 * 180 + 500 * 100);
    double got = json_object_get_double_member(s, "ideal_share");
    g_assert_cmpfloat_with_epsilon(got, want, 1e-15);
    sum += got;
  }
  g_assert_cmpfloat_with_epsilon(sum, 1.0, 1e-9);
  json_array_unref(shares);
  g_object_unref(p);
  g_free(text);
  metrics_free(m);
  g_ptr_array_unref(w.devices);
  g_ptr_array_unref(w.cgroups);
  g_ptr_array_unref(w.processes);
}

/* With a page cache the two views are kept apart and named: what the
 * processes' calls moved (application view) and what each task, a
 * flusher too, had the device do (device view). */
static void test_views(void) {
  fixture *f = fixture_new("C");
  metrics_add_submitters(f->m, 1); /* a flusher, after the processes */
  /* C: two buffered writes into the cache, written by the flusher; a read
   * served from the cache */
  sim_time t = 1200 * SIM_MS; /* completions come in time order: after B's */
  metrics_call_done(f->m, 2, METRICS_CALL_WRITE, t, t + 300 * SIM_US, 65536,
                    true);
  metrics_call_done(f->m, 2, METRICS_CALL_WRITE, t + SIM_MS,
                    t + SIM_MS + 300 * SIM_US, 65536, true);
  metrics_call_done(f->m, 2, METRICS_CALL_READ, t + 2 * SIM_MS,
                    t + 2 * SIM_MS + 20 * SIM_US, 4096, true);
  metrics_call_done(f->m, 2, METRICS_CALL_FSYNC, t + 3 * SIM_MS, t + 9 * SIM_MS,
                    0, false);
  metrics_bio_done(f->m, 3, 0, t + 5 * SIM_MS, t + 9 * SIM_MS, 131072);
  char *names[] = {"flush-8:0", NULL};
  int fdev[] = {0};
  proc_final_state fstate[] = {PROC_DONE};
  f->r.page_cache = true;
  f->r.n_flushers = 1;
  f->r.flusher_names = names;
  f->r.flusher_device = fdev;
  f->r.flusher_state = fstate;

  char *sum = report_summary(&f->r);
  g_assert_nonnull(strstr(sum, "processes (application view"));
  g_assert_nonnull(strstr(sum, "\ndevice view ("));
  g_assert_nonnull(strstr(sum, "  flush-8:0  sda       1  0.125  0.062"));
  g_assert_nonnull(strstr(sum, "devices (device view)"));
  g_assert_nonnull(strstr(sum, "over 3 processes (application view"));
  g_free(sum);

  char *json = report_metrics_json(&f->r);
  JsonParser *p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
  JsonObject *root = json_node_get_object(json_parser_get_root(p));
  JsonObject *c = json_array_get_object_element(
      json_object_get_array_member(root, "processes"), 2);
  g_assert_cmpstr(json_object_get_string_member(c, "view"), ==, "application");
  g_assert_cmpint(json_object_get_int_member(c, "bytes"), ==, 2 * 65536 + 4096);
  g_assert_cmpint(json_object_get_int_member(c, "ios"), ==, 3);
  g_assert_cmpint(json_object_get_int_member(c, "reads"), ==, 1);
  g_assert_cmpint(json_object_get_int_member(c, "cache_hits"), ==, 1);
  g_assert_cmpint(json_object_get_int_member(c, "fsyncs"), ==, 1);
  JsonObject *dv = json_object_get_object_member(c, "device_view");
  g_assert_cmpint(json_object_get_int_member(dv, "bytes"), ==, 0);
  JsonObject *fl = json_array_get_object_element(
      json_object_get_array_member(root, "flushers"), 0);
  g_assert_cmpstr(json_object_get_string_member(fl, "name"), ==, "flush-8:0");
  dv = json_object_get_object_member(fl, "device_view");
  g_assert_cmpint(json_object_get_int_member(dv, "bytes"), ==, 131072);
  g_assert_cmpint(json_object_get_int_member(dv, "ios"), ==, 1);
  JsonObject *fair = json_object_get_object_member(root, "fairness");
  g_assert_cmpstr(json_object_get_string_member(fair, "view"), ==,
                  "application");
  /* the device's totals are the device view's: A's and B's direct I/O and
   * the flusher's write, not C's calls */
  JsonObject *dev = json_array_get_object_element(
      json_object_get_array_member(root, "devices"), 0);
  g_assert_cmpint(json_object_get_int_member(dev, "bytes"), ==,
                  4096 + 4096 + 8192 + 131072);
  g_object_unref(p);
  g_free(json);

  char *csv = report_processes_csv(&f->r);
  g_assert_nonnull(strstr(csv,
                          ",latency_max_ns,reads,cache_hits,fsyncs,"
                          "fsync_latency_p99_ns,device_ios,device_bytes,"));
  g_free(csv);
  fixture_free(f);
}

/* The hand formatters of the CSV rows print what printf would, at the
 * edges of their ranges, around the powers of ten where the digit count
 * changes, and on a spread of values in between. */
static void check_int(int64_t v) {
  char buf[REPORT_INT_CHARS + 4], want[32];
  memset(buf, '#', sizeof buf);
  char *end = buf + sizeof buf - 2;
  const char *p = report_format_int64(end, v);
  g_snprintf(want, sizeof want, "%" G_GINT64_FORMAT, (gint64)v);
  g_assert_cmpmem(p, end - p, want, strlen(want));
  g_assert_true(p >= buf + 2); /* within REPORT_INT_CHARS */
  g_assert_cmpint(buf[0], ==, '#');
  g_assert_cmpint(end[0], ==, '#'); /* nothing written past `end` */
}

static void check_uint(uint64_t v) {
  char buf[REPORT_INT_CHARS + 4], want[32];
  memset(buf, '#', sizeof buf);
  char *end = buf + sizeof buf - 2;
  const char *p = report_format_uint64(end, v);
  g_snprintf(want, sizeof want, "%" G_GUINT64_FORMAT, (guint64)v);
  g_assert_cmpmem(p, end - p, want, strlen(want));
  g_assert_true(p >= buf + 2);
  g_assert_cmpint(end[0], ==, '#');
}

static void test_format_int(void) {
  const int64_t edges[] = {0,
                           1,
                           -1,
                           9,
                           -9,
                           10,
                           -10,
                           INT64_MAX,
                           INT64_MIN,
                           INT64_MAX - 1,
                           INT64_MIN + 1,
                           INT32_MAX,
                           INT32_MIN};
  for (size_t i = 0; i < G_N_ELEMENTS(edges); i++)
    check_int(edges[i]);
  for (uint64_t t = 10; t <= UINT64_C(1000000000000000000); t *= 10) {
    for (int d = -1; d <= 1; d++) {
      check_int((int64_t)t + d);
      check_int(-(int64_t)t + d);
    }
  }
  const uint64_t uedges[] = {
      0,         1, 9, 10, UINT64_MAX, UINT64_MAX - 1, (uint64_t)INT64_MAX + 1,
      UINT32_MAX};
  for (size_t i = 0; i < G_N_ELEMENTS(uedges); i++)
    check_uint(uedges[i]);
  for (uint64_t t = 10; t <= UINT64_C(10000000000000000000); t *= 10) {
    check_uint(t - 1);
    check_uint(t);
    check_uint(t + 1);
    if (t > UINT64_MAX / 10)
      break;
  }
  GRand *rnd = g_rand_new_with_seed(12);
  for (int i = 0; i < 10000; i++) {
    uint64_t v = (uint64_t)g_rand_int(rnd) << 32 | g_rand_int(rnd);
    v >>= g_rand_int_range(rnd, 0, 64); /* every digit count */
    check_uint(v);
    check_int((int64_t)v);
    check_int(-(int64_t)(v >> 1));
  }
  g_rand_free(rnd);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/report/json", test_json);
  g_test_add_func("/report/json-outcomes", test_json_outcomes);
  g_test_add_func("/report/json-stream", test_json_stream);
  g_test_add_func("/report/fairness", test_fairness);
  g_test_add_func("/report/fairness-many", test_fairness_many);
  g_test_add_func("/report/summary", test_summary);
  g_test_add_func("/report/summary-columns-by-character",
                  test_summary_columns_by_character);
  g_test_add_func("/report/views", test_views);
  g_test_add_func("/report/processes-csv", test_processes_csv);
  g_test_add_func("/report/timeseries-csv", test_timeseries_csv);
  g_test_add_func("/report/timeseries-many", test_timeseries_many);
  g_test_add_func("/report/write-dir-replaces", test_write_dir_replaces);
  g_test_add_func("/report/write-dir-failures", test_write_dir_failures);
  g_test_add_func("/report/write-dir-binary", test_write_dir_binary);
  g_test_add_func("/report/write", test_write);
  g_test_add_func("/report/write-dir-not-ours", test_write_dir_not_ours);
  g_test_add_func("/report/format-int", test_format_int);
  return g_test_run();
}
