/* fio's outputs (sim/fio-output.c): the report and logs read by fio's own
 * tools (fio_jsonplus_clat2csv, fio2gnuplot), and the report's keys set
 * against what fio 3.33 writes for the same job file. */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "sim/fio-output.h"
#include "sim/fio.h"
#include "sim/run.h"
#include "testutil.h"

typedef struct cmd {
  int status; /* the exit status, -1 if it did not exit */
  char *out, *err;
} cmd;

static cmd run_in(const char *cwd, char **argv) {
  cmd c = {-1, NULL, NULL};
  int st;
  GError *e = NULL;
  g_assert_true(g_spawn_sync(cwd, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                             &c.out, &c.err, &st, &e));
  g_assert_no_error(e);
  c.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return c;
}

static void cmd_clear(cmd *c) {
  g_free(c->out);
  g_free(c->err);
}

/* Runs cfqsim (run, then `args`, then -o OUT JOB), which must succeed. */
static void cfqsim_run(const char *out, const char *job, const char *args) {
  g_auto(GStrv) extra = g_strsplit(args, " ", -1);
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, CFQSIM_BINARY);
  g_ptr_array_add(argv, "run");
  g_ptr_array_add(argv, "-q");
  for (char **a = extra; *a; a++)
    if (**a)
      g_ptr_array_add(argv, *a);
  g_ptr_array_add(argv, "-o");
  g_ptr_array_add(argv, (char *)out);
  g_ptr_array_add(argv, (char *)job);
  g_ptr_array_add(argv, NULL);
  cmd c = run_in(NULL, (char **)argv->pdata);
  if (c.status != 0)
    g_error("cfqsim run %s failed (%d): %s", args, c.status, c.err);
  g_ptr_array_unref(argv);
  cmd_clear(&c);
}

static gboolean have(const char *tool) {
  g_autofree char *p = g_find_program_in_path(tool);
  if (!p) {
    g_autofree char *msg = g_strdup_printf(
        "%s is not installed (scripts/install-deps.sh installs fio)", tool);
    g_test_skip(msg);
  }
  return p != NULL;
}

static JsonParser *load_json(const char *dir, const char *name) {
  g_autofree char *path = g_build_filename(dir, name, NULL);
  JsonParser *p = json_parser_new();
  GError *e = NULL;
  json_parser_load_from_file(p, path, &e);
  g_assert_no_error(e);
  return p;
}

static JsonObject *job_dir(JsonParser *p, guint job, const char *ddir) {
  JsonObject *root = json_node_get_object(json_parser_get_root(p));
  JsonArray *jobs = json_object_get_array_member(root, "jobs");
  return json_object_get_object_member(json_array_get_object_element(jobs, job),
                                       ddir);
}

static char *write_job(const char *dir, const char *name, const char *text) {
  char *path = g_build_filename(dir, name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

/* The latencies cfqsim's run of `job` completed, per direction (the same
 * run the command makes: same file, same seed), in completion order. */
typedef struct lats {
  GArray *ns[2]; /* guint64: read, write */
} lats;

static void collect(void *ctx, const run_io *io) {
  lats *l = ctx;
  if (io->dir == RUN_IO_SYNC)
    return;
  guint64 v = (guint64)(io->done - io->issued);
  g_array_append_val(l->ns[io->dir == RUN_IO_WRITE], v);
}

static lats own_latencies(const char *job) {
  lats l = {{g_array_new(FALSE, FALSE, sizeof(guint64)),
             g_array_new(FALSE, FALSE, sizeof(guint64))}};
  GError *e = NULL;
  workload *w = fio_load_any(job, NULL, &e);
  g_assert_no_error(e);
  sim_run *r = sim_run_new(w, NULL, &e);
  g_assert_no_error(e);
  sim_run_add_io_observer(r, collect, &l);
  g_assert_cmpint(sim_run_go(r, &e), ==, SIM_COMPLETED);
  sim_run_free(r);
  workload_free(w);
  return l;
}

/* fio's histogram bucket of a latency, worked out afresh: below 128 ns
 * every value its own; above, [2^m, 2^(m+1)) in 64 equal parts, a part
 * reported by its middle. */
static guint64 bucket_of(guint64 v) {
  if (v < 128)
    return v;
  int m = 63 - __builtin_clzll(v);
  guint64 width = G_GUINT64_CONSTANT(1) << (m - 6);
  guint64 lo = G_GUINT64_CONSTANT(1) << m;
  return lo + (v - lo) / width * width + width / 2;
}

static gint cmp_u64(gconstpointer a, gconstpointer b) {
  guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;
  return x < y ? -1 : x > y;
}

/* The bucket functions against buckets worked out by hand and fio's own
 * limits: 29 groups of 64. */
static void test_buckets(void) {
  g_assert_cmpuint(FIO_OUTPUT_PLAT_NR, ==, 1856);
  g_assert_cmpuint(fio_output_plat_index(0), ==, 0);
  g_assert_cmpuint(fio_output_plat_index(127), ==, 127);
  g_assert_cmpuint(fio_output_plat_index(128), ==, 128);
  g_assert_cmpuint(fio_output_plat_value(128), ==, 129); /* [128, 130) */
  g_assert_cmpuint(fio_output_plat_index(255), ==, 191);
  g_assert_cmpuint(fio_output_plat_value(191), ==, 255);
  g_assert_cmpuint(fio_output_plat_index(256), ==, 192);
  g_assert_cmpuint(fio_output_plat_value(192), ==, 258); /* [256, 260) */
  g_assert_cmpuint(fio_output_plat_index(G_MAXUINT64), ==, 1855);
  for (guint64 v = 1; v < (G_GUINT64_CONSTANT(1) << 34); v = v * 3 + 1)
    g_assert_cmpuint(fio_output_plat_value(fio_output_plat_index(v)), ==,
                     bucket_of(v));
}

/* Real fio's clat log of a null-engine job, bucketed by cfqsim's
 * functions, gives exactly fio's own json+ `bins` for that job. */
static void test_buckets_match_fio(void) {
  if (!have("fio"))
    return;
  g_autofree char *dir = scratch_dir("fio-out-bins");
  g_autofree char *job = write_job(
      dir, "n.fio",
      "[n]\nioengine=null\nrw=randrw\nsize=4m\nbs=4k\nwrite_lat_log=n\n");
  char *argv[] = {"fio", "--output-format=json+", "--output=fio.json", "n.fio",
                  NULL};
  cmd c = run_in(dir, argv);
  g_assert_cmpint(c.status, ==, 0);
  cmd_clear(&c);
  JsonParser *p = load_json(dir, "fio.json");
  g_autofree char *log = slurp(dir, "n_clat.1.log");
  GHashTable *count[2] = {
      g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL),
      g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL)};
  g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
  guint n = 0;
  for (char **l = lines; *l && **l; l++, n++) {
    guint64 t, v, d;
    g_assert_cmpint(sscanf(*l,
                           "%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                           ", %" G_GUINT64_FORMAT,
                           &t, &v, &d),
                    ==, 3);
    gint64 b = (gint64)fio_output_plat_value(fio_output_plat_index(v));
    gpointer old = g_hash_table_lookup(count[d], &b);
    gint64 *key = g_new(gint64, 1);
    *key = b;
    g_hash_table_replace(count[d], key,
                         GUINT_TO_POINTER(GPOINTER_TO_UINT(old) + 1));
  }
  g_assert_cmpuint(n, ==, 1024);
  static const char *const dn[] = {"read", "write"};
  for (int d = 0; d < 2; d++) {
    JsonObject *bins = json_object_get_object_member(
        json_object_get_object_member(job_dir(p, 0, dn[d]), "clat_ns"), "bins");
    g_assert_cmpuint(json_object_get_size(bins), ==,
                     g_hash_table_size(count[d]));
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, count[d]);
    while (g_hash_table_iter_next(&it, &k, &v)) {
      g_autofree char *name =
          g_strdup_printf("%" G_GINT64_FORMAT, *(gint64 *)k);
      g_assert_true(json_object_has_member(bins, name));
      g_assert_cmpint(json_object_get_int_member(bins, name), ==,
                      GPOINTER_TO_UINT(v));
    }
    g_hash_table_destroy(count[d]);
  }
  g_object_unref(p);
  rm_rf(dir);
}

/* fio_jsonplus_clat2csv reads cfqsim's json+ report; its histogram rows
 * are the run's own latencies, bucketed, and the report's N, min, max,
 * mean and percentiles are those of the same latencies. */
static void test_jsonplus_clat2csv(void) {
  if (!have("fio_jsonplus_clat2csv"))
    return;
  g_autofree char *dir = scratch_dir("fio-out-csv");
  g_autofree char *out = g_build_filename(dir, "out", NULL);
  g_autofree char *job =
      write_job(dir, "j.fio",
                "[global]\nioengine=libaio\ndirect=1\nbs=4k\nsize=16m\n"
                "[rnd]\nrw=randread\niodepth=4\nnumber_ios=1500\n"
                "[seq]\nrw=write\nnumber_ios=1000\n");
  cfqsim_run(out, job, "--output-format=json+");
  lats own = own_latencies(job);
  g_assert_cmpuint(own.ns[0]->len, ==, 1500);
  char *argv[] = {"fio_jsonplus_clat2csv", "out/fio.json", "csv", NULL};
  cmd c = run_in(dir, argv);
  g_assert_cmpint(c.status, ==, 0);
  cmd_clear(&c);
  /* and its own check, that the CSV holds the report's bins */
  char *check[] = {"fio_jsonplus_clat2csv", "--validate", "out/fio.json", "csv",
                   NULL};
  c = run_in(dir, check);
  g_assert_cmpint(c.status, ==, 0);
  g_assert_nonnull(strstr(c.out, "csv_job1 validated"));
  cmd_clear(&c);
  JsonParser *p = load_json(out, "fio.json");
  static const double pcts[] = {1,  5,  10, 20, 30,   40,   50,    60,   70,
                                80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99};
  /* job 0 reads, job 1 writes: column 5 (read_clat_ns_count) or 14 */
  for (int job_i = 0; job_i < 2; job_i++) {
    GArray *mine = own.ns[job_i == 0 ? 0 : 1];
    if (job_i == 1) { /* the writes are job 1's; job 0 wrote nothing */
      g_assert_cmpuint(mine->len, ==, 1000);
    }
    g_array_sort(mine, cmp_u64);
    g_autofree char *name = g_strdup_printf("csv_job%d", job_i);
    g_autofree char *csv = slurp(dir, name);
    g_auto(GStrv) rows = g_strsplit(csv, "\n", -1);
    int col = job_i == 0 ? 4 : 13;
    guint i = 0, rows_seen = 0;
    guint64 cum = 0;
    for (char **r = rows + 1; *r && **r; r++) {
      g_auto(GStrv) f = g_strsplit(*r, ",", -1);
      g_strstrip(f[col]);
      if (!*f[col])
        continue; /* a row of the other direction */
      guint64 nsec = g_ascii_strtoull(f[0], NULL, 10);
      guint64 count = g_ascii_strtoull(f[col], NULL, 10);
      guint64 n = 0;
      while (i < mine->len &&
             bucket_of(g_array_index(mine, guint64, i)) == nsec)
        n++, i++;
      g_assert_cmpuint(count, ==, n);
      cum += n;
      g_assert_cmpuint(g_ascii_strtoull(f[col + 1], NULL, 10), ==, cum);
      g_assert_cmpfloat_with_epsilon(g_ascii_strtod(f[col + 2], NULL),
                                     (double)cum / mine->len, 1e-9);
      rows_seen++;
    }
    g_assert_cmpuint(i, ==, mine->len);
    g_assert_cmpuint(rows_seen, >, job_i ? 1 : 10);

    JsonObject *clat = json_object_get_object_member(
        job_dir(p, (guint)job_i, job_i ? "write" : "read"), "clat_ns");
    double sum = 0;
    for (guint k = 0; k < mine->len; k++)
      sum += (double)g_array_index(mine, guint64, k);
    g_assert_cmpint(json_object_get_int_member(clat, "N"), ==, mine->len);
    g_assert_cmpint(json_object_get_int_member(clat, "min"), ==,
                    g_array_index(mine, guint64, 0));
    g_assert_cmpint(json_object_get_int_member(clat, "max"), ==,
                    g_array_index(mine, guint64, mine->len - 1));
    g_assert_cmpfloat_with_epsilon(json_object_get_double_member(clat, "mean"),
                                   sum / mine->len, 1e-3);
    /* fio's percentile: the bucket of the first latency at or past p% */
    JsonObject *pc = json_object_get_object_member(clat, "percentile");
    for (guint k = 0; k < G_N_ELEMENTS(pcts); k++) {
      /* the smallest rank at or past p% of N, compared as fio does, in
       * long double: 99.9% of 1000 is then a hair above 999 */
      guint rank = 1;
      while ((long double)rank <
             (long double)pcts[k] / 100.0L * (long double)mine->len)
        rank++;
      guint64 want = bucket_of(g_array_index(mine, guint64, rank - 1));
      char key[32];
      g_ascii_formatd(key, sizeof key, "%f", pcts[k]);
      g_assert_cmpint(json_object_get_int_member(pc, key), ==, want);
    }
  }
  g_array_unref(own.ns[0]);
  g_array_unref(own.ns[1]);
  g_object_unref(p);
  rm_rf(dir);
}

/* A figure of fio2gnuplot's .global file ("avg=756.00"). */
static double global_figure(const char *text, const char *name) {
  g_autofree char *key = g_strdup_printf("%s=", name);
  const char *p = strstr(text, key);
  g_assert_nonnull(p);
  return g_ascii_strtod(p + strlen(key), NULL);
}

/* fio2gnuplot reads cfqsim's logs: over the averaged bandwidth log its
 * min, max and mean are the report's bw_min, bw_max and bw_mean, and over
 * the per-I/O latency log its mean and count are clat_ns's. */
static void test_fio2gnuplot(void) {
  if (!have("fio2gnuplot"))
    return;
  g_autofree char *dir = scratch_dir("fio-out-gnuplot");
  g_autofree char *job = write_job(dir, "g.fio",
                                   "[g]\nioengine=libaio\ndirect=1\nrw="
                                   "randread\niodepth=2\nsize=64m\nruntime=3\n"
                                   "time_based\n");
  g_autofree char *avg = g_build_filename(dir, "avg", NULL);
  g_autofree char *per = g_build_filename(dir, "per", NULL);
  cfqsim_run(avg, job,
             "--output-format=json --write-bw-log=g --write-iops-log "
             "--log-avg-msec=500");
  cfqsim_run(per, job, "--output-format=json --write_lat_log");
  g_autofree char *gp = g_build_filename(dir, "gp/", NULL);
  g_assert_cmpint(g_mkdir(gp, 0700), ==, 0);

  char *argv[] = {"fio2gnuplot", "-p", "g_bw.1.log", "-d", gp, NULL};
  cmd c = run_in(avg, argv);
  g_assert_cmpint(c.status, ==, 0);
  cmd_clear(&c);
  g_autofree char *global = slurp(gp, "g_bw.1.global");
  JsonParser *p = load_json(avg, "fio.json");
  JsonObject *rd = job_dir(p, 0, "read");
  g_assert_cmpint(json_object_get_int_member(rd, "bw_samples"), ==, 6);
  g_assert_cmpfloat(global_figure(global, "values_count"), ==, 6);
  g_assert_cmpfloat(global_figure(global, "min"), ==,
                    json_object_get_int_member(rd, "bw_min"));
  g_assert_cmpfloat(global_figure(global, "max"), ==,
                    json_object_get_int_member(rd, "bw_max"));
  g_assert_cmpfloat_with_epsilon(global_figure(global, "avg"),
                                 json_object_get_double_member(rd, "bw_mean"),
                                 0.005);
  g_object_unref(p);

  argv[2] = "g_clat.1.log";
  c = run_in(per, argv);
  g_assert_cmpint(c.status, ==, 0);
  cmd_clear(&c);
  g_autofree char *lat = slurp(gp, "g_clat.1.global");
  p = load_json(per, "fio.json");
  JsonObject *clat =
      json_object_get_object_member(job_dir(p, 0, "read"), "clat_ns");
  g_assert_cmpfloat(global_figure(lat, "values_count"), ==,
                    json_object_get_int_member(clat, "N"));
  g_assert_cmpfloat_with_epsilon(global_figure(lat, "avg"),
                                 json_object_get_double_member(clat, "mean"),
                                 0.005);
  g_object_unref(p);
  rm_rf(dir);
}

/* Every key path of a JSON document, array indices and the names under
 * `bins` (latencies) and the options objects (the job file's) made `*`. */
static void key_paths(JsonNode *n, const char *path, GHashTable *out) {
  if (JSON_NODE_HOLDS_OBJECT(n)) {
    JsonObject *o = json_node_get_object(n);
    gboolean any =
        g_str_has_suffix(path, "/bins") || g_str_has_suffix(path, " options");
    GList *members = json_object_get_members(o);
    for (GList *m = members; m; m = m->next) {
      char *p =
          g_strdup_printf("%s/%s", path, any ? "*" : (const char *)m->data);
      key_paths(json_object_get_member(o, m->data), p, out);
      g_hash_table_add(out, p);
    }
    g_list_free(members);
  } else if (JSON_NODE_HOLDS_ARRAY(n)) {
    JsonArray *a = json_node_get_array(n);
    g_autofree char *p = g_strdup_printf("%s[]", path);
    for (guint i = 0; i < json_array_get_length(a); i++)
      key_paths(json_array_get_element(a, i), p, out);
  }
}

/* cfqsim's json+ (json) report has the keys `fio --ioengine=null
 * --output-format=json+` (json) writes for the same job file, and fio's
 * disk_util keys (fio writes those only for a real disk). */
static void test_keys_match_fio(gconstpointer data) {
  const char *format = data;
  if (!have("fio"))
    return;
  g_autofree char *format_opt = g_strdup_printf("--output-format=%s", format);
  g_autofree char *dir = scratch_dir("fio-out-keys");
  /* reads, writes and fsyncs, so that every stanza has its histogram */
  g_autofree char *job = write_job(
      dir, "k.fio", "[global]\nsize=256k\nbs=4k\n[k]\nrw=randrw\nfsync=4\n");
  char *argv[] = {
      "fio", "--ioengine=null", format_opt, "--output=fio.json", "k.fio", NULL};
  cmd c = run_in(dir, argv);
  g_assert_cmpint(c.status, ==, 0);
  cmd_clear(&c);
  g_autofree char *out = g_build_filename(dir, "out", NULL);
  cfqsim_run(out, job, format_opt);
  JsonParser *pf = load_json(dir, "fio.json");
  JsonParser *pc = load_json(out, "fio.json");
  GHashTable *kf = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  GHashTable *kc = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  key_paths(json_parser_get_root(pf), "", kf);
  key_paths(json_parser_get_root(pc), "", kc);
  g_assert_cmpuint(g_hash_table_size(kf), >, 150);
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init(&it, kf);
  while (g_hash_table_iter_next(&it, &k, NULL))
    if (!g_hash_table_contains(kc, k))
      g_error("cfqsim's report lacks fio's key %s", (const char *)k);
  static const char *const disk_util[] = {"/disk_util",
                                          "/disk_util[]/name",
                                          "/disk_util[]/read_ios",
                                          "/disk_util[]/write_ios",
                                          "/disk_util[]/read_merges",
                                          "/disk_util[]/write_merges",
                                          "/disk_util[]/read_ticks",
                                          "/disk_util[]/write_ticks",
                                          "/disk_util[]/in_queue",
                                          "/disk_util[]/util",
                                          NULL};
  g_hash_table_iter_init(&it, kc);
  while (g_hash_table_iter_next(&it, &k, NULL))
    if (!g_hash_table_contains(kf, k) &&
        !g_strv_contains(disk_util, (const char *)k))
      g_error("cfqsim's report has a key fio does not write: %s",
              (const char *)k);
  /* the options as the job file has them */
  JsonObject *jc = json_array_get_object_element(
      json_object_get_array_member(
          json_node_get_object(json_parser_get_root(pc)), "jobs"),
      0);
  JsonObject *opts = json_object_get_object_member(jc, "job options");
  g_assert_cmpstr(json_object_get_string_member(opts, "rw"), ==, "randrw");
  g_assert_cmpstr(json_object_get_string_member(opts, "fsync"), ==, "4");
  g_assert_cmpint(json_object_get_int_member(
                      json_object_get_object_member(jc, "sync"), "total_ios"),
                  >, 0);
  g_hash_table_destroy(kf);
  g_hash_table_destroy(kc);
  g_object_unref(pf);
  g_object_unref(pc);
  rm_rf(dir);
}

/* A job file's own log options (refused as not simulated before): names,
 * numbers, offsets, groups; and an error at the option for a bad one. */
static void test_job_file_logs(void) {
  g_autofree char *dir = scratch_dir("fio-out-jobfile");
  g_autofree char *job =
      write_job(dir, "l.fio",
                "[global]\nioengine=libaio\ndirect=1\nbs=8k\nsize=4m\n"
                "number_ios=200\n"
                "[a]\nrw=randread\nnumjobs=2\nwrite_bw_log\nlog_offset=1\n"
                "[b]\nrw=write\nwrite_iops_log=bee\n"
                "prioclass=1\n");
  g_autofree char *out = g_build_filename(dir, "out", NULL);
  cfqsim_run(out, job, "--output-format=json");
  g_autofree char *ls = listing(out);
  g_assert_nonnull(strstr(ls, "a_bw.1.log a_bw.2.log bee_iops.3.log"));
  g_assert_null(strstr(ls, "_lat"));
  g_autofree char *marker = slurp(out, ".cfqsim");
  g_assert_nonnull(strstr(marker, "\nbee_iops.3.log\n"));
  /* nothing left beside the results */
  g_autofree char *top = listing(dir);
  g_assert_cmpstr(top, ==, "l.fio out");

  g_autofree char *bw = slurp(out, "a_bw.2.log");
  g_auto(GStrv) lines = g_strsplit(bw, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 201);
  for (char **l = lines; *l && **l; l++) {
    guint64 t, v, d, bs, off, prio;
    g_assert_cmpint(sscanf(*l,
                           "%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                           ", %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                           ", %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT,
                           &t, &v, &d, &bs, &off, &prio),
                    ==, 6);
    g_assert_cmpuint(d, ==, 0);
    g_assert_cmpuint(bs, ==, 8192);
    g_assert_cmpuint(off % 8192, ==, 0);
    g_assert_cmpuint(off, <, 4 << 20); /* within the clone's own file */
    g_assert_cmpuint(prio, ==, 0);
  }
  g_autofree char *iops = slurp(out, "bee_iops.3.log");
  g_assert_true(g_str_has_suffix(strtok(iops, "\n"), ", 1, 1, 8192, 1"));

  JsonParser *p = load_json(out, "fio.json");
  JsonArray *jobs = json_object_get_array_member(
      json_node_get_object(json_parser_get_root(p)), "jobs");
  g_assert_cmpuint(json_array_get_length(jobs), ==, 3);
  static const char *const names[] = {"a", "a", "b"};
  static const gint64 groups[] = {0, 0, 0};
  for (guint i = 0; i < 3; i++) {
    JsonObject *j = json_array_get_object_element(jobs, i);
    g_assert_cmpstr(json_object_get_string_member(j, "jobname"), ==, names[i]);
    g_assert_cmpint(json_object_get_int_member(j, "groupid"), ==, groups[i]);
  }
  /* the device's requests: 400 random reads, the 200 writes (merged or
   * not: one at a time, they are not) */
  JsonObject *du = json_array_get_object_element(
      json_object_get_array_member(
          json_node_get_object(json_parser_get_root(p)), "disk_util"),
      0);
  g_assert_cmpstr(json_object_get_string_member(du, "name"), ==, "sda");
  g_assert_cmpint(json_object_get_int_member(du, "read_ios"), ==, 400);
  g_assert_cmpint(json_object_get_int_member(du, "write_ios"), ==, 200);
  g_assert_cmpfloat(json_object_get_double_member(du, "util"), >, 0);
  g_assert_cmpfloat(json_object_get_double_member(du, "util"), <=, 100);
  g_object_unref(p);

  /* a log goes into the results, nowhere else */
  g_autofree char *bad =
      write_job(dir, "bad.fio", "[x]\nsize=1m\nwrite_lat_log=../x\n");
  char *argv[] = {CFQSIM_BINARY, "run", "-q", "-o", out, bad, NULL};
  cmd c = run_in(NULL, argv);
  g_assert_cmpint(c.status, ==, 2);
  g_autofree char *want = g_strdup_printf(
      "%s:3:15: write_lat_log: a log's name is a file name (no '/'); "
      "cfqsim writes logs into the results directory\n",
      bad);
  g_assert_cmpstr(c.err, ==, want);
  cmd_clear(&c);
  g_autofree char *after = listing(dir);
  g_assert_cmpstr(after, ==, "bad.fio l.fio out");
  rm_rf(dir);
}

/* A YAML workload has fio's report too; the same run writes the same
 * report and logs; --output-format's text is what fio.json holds. */
static void test_yaml_and_determinism(void) {
  g_autofree char *dir = scratch_dir("fio-out-yaml");
  g_autofree char *wl = g_build_filename(CFQSIM_SOURCE_DIR, "workloads",
                                         "buffered-readers.yaml", NULL);
  g_autofree char *o1 = g_build_filename(dir, "one", NULL);
  g_autofree char *o2 = g_build_filename(dir, "two", NULL);
  cfqsim_run(o1, wl, "--output-format=json --write-lat-log=w");
  cfqsim_run(o2, wl, "--output-format=json --write-lat-log=w");
  g_autofree char *l1 = listing(o1), *l2 = listing(o2);
  g_assert_cmpstr(l1, ==, l2);
  g_auto(GStrv) names = g_strsplit(l1, " ", -1);
  for (char **n = names; *n; n++) {
    g_autofree char *a = slurp(o1, *n), *b = slurp(o2, *n);
    g_assert_cmpstr(a, ==, b);
  }
  g_assert_nonnull(strstr(l1, "w_clat.1.log"));
  /* watching changes nothing cfqsim writes of its own, traces included */
  g_autofree char *t1 = g_build_filename(dir, "t1", NULL);
  g_autofree char *t2 = g_build_filename(dir, "t2", NULL);
  cfqsim_run(t1, wl, "--trace");
  cfqsim_run(t2, wl, "--trace --output-format=json+ --write-bw-log");
  g_autofree char *lt = listing(t1);
  g_auto(GStrv) own = g_strsplit(lt, " ", -1);
  g_assert_cmpuint(g_strv_length(own), >=, 9);
  for (char **n = own; *n; n++) {
    if (strcmp(*n, ".cfqsim") == 0)
      continue; /* it names the fio files too */
    g_autofree char *pa = g_build_filename(t1, *n, NULL);
    g_autofree char *pb = g_build_filename(t2, *n, NULL);
    g_autofree char *a = NULL, *b = NULL;
    gsize la = 0, lb = 0;
    g_assert_true(g_file_get_contents(pa, &a, &la, NULL));
    g_assert_true(g_file_get_contents(pb, &b, &lb, NULL));
    g_assert_cmpmem(a, la, b, lb);
  }
  char *argv[] = {CFQSIM_BINARY, "run", "--output-format=json", "-o", o1, wl,
                  NULL};
  cmd c = run_in(NULL, argv);
  g_assert_cmpint(c.status, ==, 0);
  g_autofree char *json = slurp(o1, "fio.json");
  g_assert_cmpstr(c.out, ==, json);
  cmd_clear(&c);
  rm_rf(dir);
}

/* normal: fio's layout, one block per job and the groups' lines. */
static void test_normal(void) {
  g_autofree char *dir = scratch_dir("fio-out-normal");
  g_autofree char *job =
      write_job(dir, "n.fio", "[r]\nrw=read\nsize=1m\nbs=64k\ndirect=1\n");
  g_autofree char *out = g_build_filename(dir, "out", NULL);
  cfqsim_run(out, job, "--output-format=normal");
  g_autofree char *txt = slurp(out, "fio.txt");
  g_assert_true(g_str_has_prefix(txt, "r: (groupid=0, jobs=1): err= 0:"));
  g_assert_nonnull(strstr(txt, "\n  read: IOPS="));
  g_assert_nonnull(strstr(txt, "(1024KiB/"));
  g_assert_nonnull(strstr(txt, "issued rwts: total=16,0,0,0"));
  g_assert_nonnull(strstr(txt, "\nRun status group 0 (all jobs):\n"));
  g_assert_nonnull(strstr(txt, "\nDisk stats (read/write):\n  sda: ios=16/0"));
  rm_rf(dir);
}

/* Logs reach their files while the run goes (not at its end), in the
 * staging directory; finishing writes the rest, committing moves them. */
static void test_streamed(void) {
  g_autofree char *dir = scratch_dir("fio-out-stream");
  g_autofree char *job = write_job(
      dir, "s.fio",
      "[s]\nioengine=libaio\ndirect=1\nrw=randread\niodepth=8\nbs=4k\n"
      "size=64m\nnumber_ios=10000\nwrite_lat_log\n");
  g_autofree char *staging = g_build_filename(dir, "staging", NULL);
  g_assert_cmpint(g_mkdir(staging, 0700), ==, 0);
  GError *e = NULL;
  workload *w = fio_load_any(job, NULL, &e);
  g_assert_no_error(e);
  fio_output_request req = {.format = FIO_OUTPUT_JSON};
  fio_output *fo = fio_output_new(w, &req, staging, &e);
  g_assert_no_error(e);
  sim_run *r = sim_run_new(w, NULL, &e);
  g_assert_no_error(e);
  fio_output_attach(fo, r);
  g_assert_cmpint(sim_run_go(r, &e), ==, SIM_COMPLETED);
  g_autofree char *clat = g_build_filename(staging, "s_clat.1.log", NULL);
  GStatBuf st;
  g_assert_cmpint(g_stat(clat, &st), ==, 0);
  /* 10000 lines of some 25 bytes: most of it already written */
  g_assert_cmpint(st.st_size, >, 128 * 1024);
  char *text = NULL;
  g_assert_true(fio_output_finish(fo, r, &text, &e));
  g_assert_no_error(e);
  g_autofree char *log = slurp(staging, "s_clat.1.log");
  g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 10001);
  g_free(text);
  sim_run_free(r);
  fio_output_free(fo);
  /* freeing removes the staged logs it did not commit */
  g_autofree char *left = listing(staging);
  g_assert_cmpstr(left, ==, "");
  workload_free(w);
  rm_rf(dir);
}

/* The priority column as fio writes it for the same job file: 1 for a
 * real-time job, or with log_prio=1 the ioprio value in hex. */
static void test_prio_column_matches_fio(void) {
  if (!have("fio"))
    return;
  g_autofree char *dir = scratch_dir("fio-out-prio");
  g_autofree char *job =
      write_job(dir, "p.fio",
                "[global]\nsize=16k\nbs=4k\n"
                "[p]\nprioclass=1\nprio=3\nwrite_lat_log=p\n"
                "[q]\nprioclass=2\nprio=5\nwrite_lat_log=q\nlog_prio=1\n"
                "[r]\nprioclass=1\nprio=2\nwrite_lat_log=r\nlog_prio=1\n"
                "[s]\nwrite_lat_log=s\nlog_prio=1\n");
  char *argv[] = {"fio", "--ioengine=null", "--output=fio.txt", "p.fio", NULL};
  cmd c = run_in(dir, argv);
  if (c.status != 0) { /* a real-time class needs privileges */
    g_test_skip("fio cannot set the real-time class here");
    cmd_clear(&c);
    rm_rf(dir);
    return;
  }
  cmd_clear(&c);
  g_autofree char *out = g_build_filename(dir, "out", NULL);
  cfqsim_run(out, job, "");
  static const char *const logs[] = {"p_lat.1.log", "q_lat.2.log",
                                     "r_lat.3.log", "s_lat.4.log"};
  static const char *const want[] = {", 1", ", 0x4005", ", 0x2002", ", 0x0000"};
  for (guint i = 0; i < G_N_ELEMENTS(logs); i++) {
    g_autofree char *f = slurp(dir, logs[i]), *m = slurp(out, logs[i]);
    g_auto(GStrv) fl = g_strsplit(f, "\n", 2), ml = g_strsplit(m, "\n", 2);
    g_assert_true(g_str_has_suffix(fl[0], want[i]));
    g_assert_true(g_str_has_suffix(ml[0], want[i]));
  }
  rm_rf(dir);
}

/* jobname and groupid per job, as fio numbers groups (a new one at
 * stonewall, new_group, wait_for_previous after some job), against fio's
 * own report of the same job file.  Skipped while cfqsim refuses those
 * options. */
static char *job_groups(JsonParser *p) {
  GString *s = g_string_new(NULL);
  JsonArray *jobs = json_object_get_array_member(
      json_node_get_object(json_parser_get_root(p)), "jobs");
  for (guint i = 0; i < json_array_get_length(jobs); i++) {
    JsonObject *j = json_array_get_object_element(jobs, i);
    g_string_append_printf(s, "%s:%" G_GINT64_FORMAT " ",
                           json_object_get_string_member(j, "jobname"),
                           json_object_get_int_member(j, "groupid"));
  }
  return g_string_free(s, FALSE);
}

static void test_groups_match_fio(void) {
  if (!have("fio"))
    return;
  g_autofree char *dir = scratch_dir("fio-out-groups");
  g_autofree char *job = write_job(
      dir, "g.fio",
      "[global]\nsize=64k\nbs=4k\n[a]\nrw=read\nnumjobs=2\n"
      "[b]\nrw=read\nstonewall\n[c]\nrw=write\n[d]\nrw=read\nnew_group\n"
      "[e]\nrw=read\nwait_for_previous\n");
  g_autofree char *out = g_build_filename(dir, "out", NULL);
  char *argv[] = {CFQSIM_BINARY, "run", "-q", "--output-format=json",
                  "-o",          out,   job,  NULL};
  cmd c = run_in(NULL, argv);
  if (c.status == 2 && strstr(c.err, "is not simulated by cfqsim")) {
    g_test_skip("job groups are not simulated yet");
    cmd_clear(&c);
    rm_rf(dir);
    return;
  }
  g_assert_cmpint(c.status, ==, 0);
  cmd_clear(&c);
  char *fio_argv[] = {"fio",
                      "--ioengine=null",
                      "--output-format=json",
                      "--output=fio.json",
                      "g.fio",
                      NULL};
  c = run_in(dir, fio_argv);
  g_assert_cmpint(c.status, ==, 0);
  cmd_clear(&c);
  JsonParser *pf = load_json(dir, "fio.json"), *pc = load_json(out, "fio.json");
  g_autofree char *gf = job_groups(pf), *gc = job_groups(pc);
  g_assert_cmpstr(gf, ==, "a:0 a:0 b:1 c:1 d:2 e:3 ");
  g_assert_cmpstr(gc, ==, gf);
  g_object_unref(pf);
  g_object_unref(pc);
  rm_rf(dir);
}

/* A log that cannot be written fails the run's outputs with the file's
 * name, rather than leaving a log cut short. */
static void test_write_error(void) {
  g_autofree char *dir = scratch_dir("fio-out-werr");
  g_autofree char *job =
      write_job(dir, "w.fio", "[w]\nrw=read\nsize=1m\nbs=4k\nwrite_iops_log\n");
  g_autofree char *gone = g_build_filename(dir, "gone", NULL);
  GError *e = NULL;
  workload *w = fio_load_any(job, NULL, &e);
  g_assert_no_error(e);
  fio_output_request req = {.format = FIO_OUTPUT_NONE};
  fio_output *fo = fio_output_new(w, &req, gone, &e);
  g_assert_no_error(e);
  sim_run *r = sim_run_new(w, NULL, &e);
  g_assert_no_error(e);
  fio_output_attach(fo, r);
  g_assert_cmpint(sim_run_go(r, &e), ==, SIM_COMPLETED);
  char *text = NULL;
  g_assert_false(fio_output_finish(fo, r, &text, &e));
  g_assert_error(e, FIO_OUTPUT_ERROR, FIO_OUTPUT_ERROR_IO);
  g_assert_nonnull(strstr(e->message, "w_iops.1.log"));
  g_assert_null(text);
  g_clear_error(&e);
  sim_run_free(r);
  fio_output_free(fo);
  workload_free(w);
  rm_rf(dir);
}

/* Averaged latency logs: per window of log_avg_msec one entry per
 * direction, at the window's end (the last, cut short, at the job's),
 * the mean latency or with log_max_value the largest, block size 0;
 * worked out from the same run's per-I/O log. */
static void test_windowed_latency_log(void) {
  g_autofree char *dir = scratch_dir("fio-out-window");
  static const char *const common =
      "[w]\nioengine=libaio\ndirect=1\nrw=randread\niodepth=2\nbs=4k\n"
      "size=64m\nnumber_ios=300\nwrite_lat_log=w\n";
  g_autofree char *per_text = g_strdup(common);
  g_autofree char *avg_text = g_strconcat(common, "log_avg_msec=100\n", NULL);
  g_autofree char *max_text =
      g_strconcat(common, "log_avg_msec=100\nlog_max_value=1\n", NULL);
  const char *texts[] = {per_text, avg_text, max_text};
  char *logs[3];
  for (int i = 0; i < 3; i++) {
    g_autofree char *name = g_strdup_printf("w%d.fio", i);
    g_autofree char *job = write_job(dir, name, texts[i]);
    g_autofree char *out = g_strdup_printf("%s/out%d", dir, i);
    cfqsim_run(out, job, "");
    logs[i] = slurp(out, "w_clat.1.log");
  }
  /* the windows from the per-I/O log */
  GString *want_avg = g_string_new(NULL), *want_max = g_string_new(NULL);
  g_auto(GStrv) lines = g_strsplit(logs[0], "\n", -1);
  guint64 sum = 0, n = 0, max = 0, window = 0, last_t = 0;
  for (char **l = lines;; l++) {
    guint64 t = 0, v = 0;
    gboolean end = !*l || !**l;
    if (!end)
      g_assert_cmpint(
          sscanf(*l, "%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT, &t, &v), ==,
          2);
    if (n && (end || t / 100 != window)) {
      guint64 at = end ? last_t : (window + 1) * 100;
      g_string_append_printf(
          want_avg, "%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ", 0, 0, 0\n",
          at, sum / n);
      g_string_append_printf(
          want_max, "%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ", 0, 0, 0\n",
          at, max);
      sum = n = max = 0;
    }
    if (end)
      break;
    window = t / 100;
    sum += v;
    n++;
    max = MAX(max, v);
    last_t = t;
  }
  g_assert_cmpuint(g_strv_length(lines), ==, 301);
  g_assert_cmpstr(logs[1], ==, want_avg->str);
  g_assert_cmpstr(logs[2], ==, want_max->str);
  g_string_free(want_avg, TRUE);
  g_string_free(want_max, TRUE);
  for (int i = 0; i < 3; i++)
    g_free(logs[i]);
  rm_rf(dir);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/fio-output/buckets", test_buckets);
  g_test_add_func("/fio-output/buckets-match-fio", test_buckets_match_fio);
  g_test_add_func("/fio-output/jsonplus-clat2csv", test_jsonplus_clat2csv);
  g_test_add_func("/fio-output/fio2gnuplot", test_fio2gnuplot);
  g_test_add_data_func("/fio-output/keys-match-fio/json+", "json+",
                       test_keys_match_fio);
  g_test_add_data_func("/fio-output/keys-match-fio/json", "json",
                       test_keys_match_fio);
  g_test_add_func("/fio-output/job-file-logs", test_job_file_logs);
  g_test_add_func("/fio-output/yaml-and-determinism",
                  test_yaml_and_determinism);
  g_test_add_func("/fio-output/normal", test_normal);
  g_test_add_func("/fio-output/streamed", test_streamed);
  g_test_add_func("/fio-output/windowed-latency-log",
                  test_windowed_latency_log);
  g_test_add_func("/fio-output/write-error", test_write_error);
  g_test_add_func("/fio-output/groups-match-fio", test_groups_match_fio);
  g_test_add_func("/fio-output/prio-column-matches-fio",
                  test_prio_column_matches_fio);
  return g_test_run();
}
