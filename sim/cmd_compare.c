/* `cfqsim compare WORKLOAD.yaml`: the same workload on the buggy and the
 * fixed kernel, side by side.  With --seeds N each kernel runs N seeds under
 * the `random` interleaving (a seeded random choice at every choice point,
 * including letting time run where a ready step is delayable), which
 * gives the fraction of runs that hang and the latency cost when a later
 * completion rescues a sleeper. */
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "sim/cmd_compare.h"
#include "sim/commands.h"
#include "sim/outdir.h"
#include "sim/run.h"

typedef struct variant_stats {
  cic_link_variant v;
  guint runs, hung_runs, hung_procs;
  double throughput_sum;     /* bytes/s, summed over runs */
  metrics_hist *latencies;   /* every completed I/O of every run */
  GPtrArray *proc_latencies; /* the same, per process (metrics_hist *) */
  /* An I/O that never completed waited at least until the end of its run:
   * the longest such wait per process and over all, ns (0: none). */
  int64_t *proc_unfinished;
  int64_t unfinished;
} variant_stats;

#define MIB (1024.0 * 1024.0)

/* The worst latency, counting unfinished I/Os with their wait so far. */
static int64_t worst(const latency_summary *l, int64_t unfinished) {
  return MAX(l->max, unfinished);
}

static gboolean run_variant(const workload *w, variant_stats *vs, guint seeds,
                            GError **err) {
  vs->latencies = metrics_hist_new();
  vs->proc_latencies =
      g_ptr_array_new_with_free_func((GDestroyNotify)metrics_hist_free);
  for (guint i = 0; i < w->processes->len; i++)
    g_ptr_array_add(vs->proc_latencies, metrics_hist_new());
  vs->proc_unfinished = g_new0(int64_t, w->processes->len);
  for (guint k = 0; k < seeds; k++) {
    run_options o = RUN_OPTIONS_INIT;
    o.variant = vs->v;
    o.has_seed = true;
    o.seed = w->seed + k;
    o.random_interleaving = seeds > 1;
    sim_run *r = sim_run_new(w, &o, err);
    if (!r)
      return FALSE;
    sim_outcome outcome = sim_run_go(r, err);
    if (outcome == SIM_ERROR) {
      sim_run_free(r);
      return FALSE;
    }
    const run_result *res = sim_run_result(r);
    uint64_t bytes = 0;
    for (guint i = 0; i < w->processes->len; i++) {
      bytes += metrics_proc_bytes(res->m, i);
      vs->hung_procs += res->proc_state[i] == PROC_HUNG;
      const metrics_hist *lat = metrics_proc_hist(res->m, i);
      metrics_hist_merge(vs->latencies, lat);
      metrics_hist_merge(g_ptr_array_index(vs->proc_latencies, i), lat);
      vs->proc_unfinished[i] =
          MAX(vs->proc_unfinished[i], res->unfinished_wait_ns[i]);
      vs->unfinished = MAX(vs->unfinished, res->unfinished_wait_ns[i]);
    }
    vs->runs++;
    vs->hung_runs += outcome == SIM_HANG;
    if (res->sim_time > 0)
      vs->throughput_sum += (double)bytes * SIM_S / (double)res->sim_time;
    sim_run_free(r);
  }
  return TRUE;
}

static char *fmt_double(double v) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup(g_ascii_formatd(buf, sizeof buf, "%.6g", v));
}

static char *compare_text(const workload *w, variant_stats *vs, guint seeds) {
  GString *s = g_string_new(NULL);
  g_string_append_printf(
      s, "compare: %s, %u seed%s from %" G_GUINT64_FORMAT "%s\n\n", w->name,
      seeds, seeds == 1 ? "" : "s", w->seed,
      seeds > 1 ? " (random interleaving)" : "");
  g_string_append_printf(s, "%-22s %16s %16s\n", "",
                         cic_link_variant_name(CIC_LINK_BUGGY),
                         cic_link_variant_name(CIC_LINK_FIXED));
  latency_summary l[2];
  for (int i = 0; i < 2; i++)
    l[i] = metrics_hist_summary(vs[i].latencies);
  g_string_append_printf(s, "%-22s %16u %16u\n", "runs", vs[0].runs,
                         vs[1].runs);
  g_string_append_printf(s, "%-22s %9u (%4.1f%%) %9u (%4.1f%%)\n",
                         "runs that hang", vs[0].hung_runs,
                         100.0 * vs[0].hung_runs / vs[0].runs, vs[1].hung_runs,
                         100.0 * vs[1].hung_runs / vs[1].runs);
  g_string_append_printf(s, "%-22s %16u %16u\n", "hung processes",
                         vs[0].hung_procs, vs[1].hung_procs);
  g_string_append_printf(s, "%-22s %10.3f MiB/s %10.3f MiB/s\n",
                         "throughput (mean)",
                         vs[0].throughput_sum / vs[0].runs / MIB,
                         vs[1].throughput_sum / vs[1].runs / MIB);
  g_string_append_printf(
      s, "%-22s %16" G_GUINT64_FORMAT " %16" G_GUINT64_FORMAT "\n",
      "I/Os completed", metrics_hist_count(vs[0].latencies),
      metrics_hist_count(vs[1].latencies));
  const char *names[] = {"latency p50", "latency p99", "latency max"};
  for (int k = 0; k < 3; k++) {
    int64_t a = k == 0   ? l[0].p50
                : k == 1 ? l[0].p99
                         : worst(&l[0], vs[0].unfinished);
    int64_t b = k == 0   ? l[1].p50
                : k == 1 ? l[1].p99
                         : worst(&l[1], vs[1].unfinished);
    g_string_append_printf(s, "%-22s %13.3f ms %13.3f ms\n", names[k],
                           (double)a / SIM_MS, (double)b / SIM_MS);
  }
  /* A sleeper rescued by a later completion shows up in its own process's
   * worst latency; one never rescued, with the time it waited. */
  g_string_append(s, "\nlatency max by process\n");
  for (guint i = 0; i < w->processes->len; i++) {
    const wl_process *p = g_ptr_array_index(w->processes, i);
    int64_t mx[2];
    for (int v = 0; v < 2; v++) {
      latency_summary pl =
          metrics_hist_summary(g_ptr_array_index(vs[v].proc_latencies, i));
      mx[v] = worst(&pl, vs[v].proc_unfinished[i]);
    }
    g_string_append_printf(s, "  %-20s %13.3f ms %13.3f ms\n", p->name,
                           (double)mx[0] / SIM_MS, (double)mx[1] / SIM_MS);
  }
  if (vs[0].unfinished || vs[1].unfinished)
    g_string_append(
        s, "  (an I/O that never completed counts in max with the time\n"
           "   it waited until the end of its run)\n");
  return g_string_free(s, FALSE);
}

/* One variant's object in compare.json. */
static void json_variant(JsonBuilder *b, const variant_stats *vs) {
  latency_summary l = metrics_hist_summary(vs->latencies);
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "variant");
  json_builder_add_string_value(b, cic_link_variant_name(vs->v));
  json_builder_set_member_name(b, "runs");
  json_builder_add_int_value(b, vs->runs);
  json_builder_set_member_name(b, "hung_runs");
  json_builder_add_int_value(b, vs->hung_runs);
  json_builder_set_member_name(b, "hang_fraction");
  json_builder_add_double_value(b, (double)vs->hung_runs / vs->runs);
  json_builder_set_member_name(b, "hung_processes");
  json_builder_add_int_value(b, vs->hung_procs);
  json_builder_set_member_name(b, "throughput_bps");
  json_builder_add_double_value(b, vs->throughput_sum / vs->runs);
  json_builder_set_member_name(b, "ios");
  json_builder_add_int_value(b, (gint64)metrics_hist_count(vs->latencies));
  json_builder_set_member_name(b, "latency_ns");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "mean");
  json_builder_add_double_value(b, l.mean);
  json_builder_set_member_name(b, "p50");
  json_builder_add_int_value(b, l.p50);
  json_builder_set_member_name(b, "p99");
  json_builder_add_int_value(b, l.p99);
  json_builder_set_member_name(b, "max");
  json_builder_add_int_value(b, worst(&l, vs->unfinished));
  json_builder_end_object(b);
  json_builder_end_object(b);
}

static char *compare_json(const workload *w, variant_stats *vs, guint seeds) {
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "workload");
  json_builder_add_string_value(b, w->name);
  json_builder_set_member_name(b, "seed");
  json_builder_add_int_value(b, (gint64)w->seed);
  json_builder_set_member_name(b, "seeds");
  json_builder_add_int_value(b, seeds);
  json_builder_set_member_name(b, "variants");
  json_builder_begin_array(b);
  for (int i = 0; i < 2; i++)
    json_variant(b, &vs[i]);
  json_builder_end_array(b);
  json_builder_end_object(b);
  JsonGenerator *g = json_generator_new();
  JsonNode *root = json_builder_get_root(b);
  json_generator_set_root(g, root);
  json_generator_set_pretty(g, TRUE);
  char *text = json_generator_to_data(g, NULL);
  json_node_unref(root);
  g_object_unref(g);
  g_object_unref(b);
  char *with_nl = g_strconcat(text, "\n", NULL);
  g_free(text);
  return with_nl;
}

static char *compare_csv(variant_stats *vs) {
  GString *s = g_string_new(
      "variant,runs,hung_runs,hang_fraction,hung_processes,throughput_bps,ios,"
      "latency_mean_ns,latency_p50_ns,latency_p99_ns,latency_max_ns\n");
  for (int i = 0; i < 2; i++) {
    latency_summary l = metrics_hist_summary(vs[i].latencies);
    char *frac = fmt_double((double)vs[i].hung_runs / vs[i].runs);
    char *tput = fmt_double(vs[i].throughput_sum / vs[i].runs);
    char *mean = fmt_double(l.mean);
    g_string_append_printf(
        s,
        "%s,%u,%u,%s,%u,%s,%" G_GUINT64_FORMAT ",%s,%" G_GINT64_FORMAT
        ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT "\n",
        cic_link_variant_name(vs[i].v), vs[i].runs, vs[i].hung_runs, frac,
        vs[i].hung_procs, tput, metrics_hist_count(vs[i].latencies), mean,
        l.p50, l.p99, worst(&l, vs[i].unfinished));
    g_free(frac);
    g_free(tput);
    g_free(mean);
  }
  return g_string_free(s, FALSE);
}

static void variant_stats_clear(variant_stats *vs) {
  metrics_hist_free(vs->latencies);
  if (vs->proc_latencies)
    g_ptr_array_free(vs->proc_latencies, TRUE);
  g_free(vs->proc_unfinished);
}

/* compare.txt, .json and .csv into DIR, and the table on stdout. */
static gboolean write_results(const cmd_common *c, const workload *w,
                              variant_stats *vs, guint seeds, GError **err) {
  char *text = compare_text(w, vs, seeds);
  GHashTable *files =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  g_hash_table_insert(files, "compare.txt", g_strdup(text));
  g_hash_table_insert(files, "compare.json", compare_json(w, vs, seeds));
  g_hash_table_insert(files, "compare.csv", compare_csv(vs));
  char *name = g_strconcat(w->name, "-compare", NULL);
  char *dir = cmd_output_dir(c, name);
  gboolean ok = report_write_dir(dir, OUTDIR_COMPARE, files, err);
  g_hash_table_destroy(files);
  g_free(name);
  g_free(dir);
  if (!c->quiet)
    fputs(text, stdout);
  g_free(text);
  return ok;
}

static int compare_workload(const cmd_common *c, const workload *w, guint seeds,
                            GError **err) {
  variant_stats vs[2] = {{.v = CIC_LINK_BUGGY}, {.v = CIC_LINK_FIXED}};
  int status = CMD_FAILED;
  if (run_variant(w, &vs[0], seeds, err) &&
      run_variant(w, &vs[1], seeds, err) && write_results(c, w, vs, seeds, err))
    status = (vs[0].hung_runs || vs[1].hung_runs) ? EXIT_HANG : EXIT_OK;
  for (int i = 0; i < 2; i++)
    variant_stats_clear(&vs[i]);
  return status;
}

int cmd_compare(int argc, char **argv) {
  cmd_common c = CMD_COMMON_INIT("compare");
  char *seeds_text = NULL;
  gint64 seeds = 1;
  GOptionEntry entries[] = {
      cmd_opt_output(&c,
                     "Write compare.txt, compare.json and compare.csv to DIR "
                     "(default: results/<name>-compare)"),
      {"seeds", 'n', 0, G_OPTION_ARG_STRING, &seeds_text,
       "Run N seeds per kernel under the random interleaving (default 1: the "
       "workload's own interleaving)",
       "N"},
      cmd_opt_seed(&c),
      cmd_opt_set(&c, "Override a workload key"),
      cmd_opt_quiet(&c, "Do not print the table"),
      cmd_opt_args(&c),
      CMD_OPT_END};
  GError *err = NULL;
  workload *w = NULL;
  int status = CMD_FAILED;
  if (cmd_parse(&c, entries, "WORKLOAD.yaml",
                "Run a workload on the buggy and the fixed kernel and compare "
                "throughput, latency and hangs.",
                argc, argv, &err) &&
      (!seeds_text || cmd_parse_int("--seeds", seeds_text, 1, G_MAXUINT,
                                    "at least 1", &seeds, &err)) &&
      (w = cmd_load_workload(&c, &err)))
    status = compare_workload(&c, w, (guint)seeds, &err);
  workload_free(w);
  g_free(seeds_text);
  return cmd_finish(&c, status, err);
}
