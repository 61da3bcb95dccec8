/* io_context and cic: the variant names, the references of an ioc, and the
 * cic path (cfq_get_io_context's steps lookup, alloc_cic and link) of both
 * kernels, driven step by step the way two tasks sharing an ioc race. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "models/ioc.h"
#include "sim/core/engine.h"

static void test_variant_names(void) {
  g_assert_cmpstr(cic_link_variant_name(CIC_LINK_BUGGY), ==, "buggy");
  g_assert_cmpstr(cic_link_variant_name(CIC_LINK_FIXED), ==, "fixed");
  /* The table a workload enum uses: one name per variant, by value. */
  g_assert_cmpstr(cic_link_variant_names[CIC_LINK_BUGGY], ==, "buggy");
  g_assert_cmpstr(cic_link_variant_names[CIC_LINK_FIXED], ==, "fixed");
  g_assert_null(cic_link_variant_names[2]);
  for (int i = 0; i < 2; i++) {
    cic_link_variant v = (cic_link_variant)!i;
    g_assert_true(cic_link_variant_parse(cic_link_variant_names[i], &v));
    g_assert_cmpint(v, ==, i);
  }
  /* Only the exact names: "both" is explore's, not a kernel. */
  static const char *const bad[] = {"both", "Buggy",  "fixed ",
                                    "",     "buggyx", "fix"};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    cic_link_variant v = CIC_LINK_FIXED;
    g_assert_false(cic_link_variant_parse(bad[i], &v));
    g_assert_cmpint(v, ==, CIC_LINK_FIXED); /* untouched */
    v = CIC_LINK_BUGGY;
    g_assert_false(cic_link_variant_parse(bad[i], &v));
    g_assert_cmpint(v, ==, CIC_LINK_BUGGY);
  }
}

static void test_refs(void) {
  struct io_context *ioc = ioc_new("shared", 0);
  g_assert_cmpint(ioc->refcount, ==, 0);
  ioc_task_link(ioc);
  ioc_task_link(ioc); /* a CLONE_IO child */
  g_assert_cmpint(ioc->nr_tasks, ==, 2);
  g_assert_cmpint(ioc->refcount, ==, 2);
  ioc_get(ioc); /* a request */
  g_assert_cmpint(ioc->refcount, ==, 3);
  g_assert_cmpint(ioc->nr_tasks, ==, 2);
  ioc_task_exit(ioc);
  g_assert_cmpint(ioc->nr_tasks, ==, 1);
  g_assert_cmpint(ioc->refcount, ==, 2);
  ioc_put(ioc); /* the request is put after its task exited */
  ioc_task_exit(ioc);
  g_assert_cmpint(ioc->nr_tasks, ==, 0);
  g_assert_cmpint(ioc->refcount, ==, 0);
  /* A task without an ioc. */
  ioc_task_link(NULL);
  ioc_get(NULL);
  ioc_put(NULL);
  ioc_task_exit(NULL);
  ioc_free(ioc);
}

/* One device (cfqd `&dev_key`, slot `cic_index`) with its engine, a trace
 * of every line and the kernel log. */
typedef struct {
  sim_engine *e;
  FILE *trace;
  char *trace_buf;
  size_t trace_len;
  GPtrArray *printk; /* char *: each message */
  struct cic_stats stats;
  struct cic_dev dev;
} bench;

static int dev_key;

static void on_printk(void *ctx, sim_time now, const char *text) {
  (void)now;
  g_ptr_array_add(((bench *)ctx)->printk, g_strdup(text));
}

static void bench_init(bench *b, cic_link_variant v, int cic_index) {
  memset(b, 0, sizeof *b);
  b->e = sim_engine_new();
  b->trace = open_memstream(&b->trace_buf, &b->trace_len);
  sim_engine_set_trace(b->e, b->trace);
  b->printk = g_ptr_array_new_with_free_func(g_free);
  sim_engine_set_printk_hook(b->e, on_printk, b);
  b->dev = (struct cic_dev){.engine = b->e,
                            .cic_index = cic_index,
                            .cfqd = &dev_key,
                            .variant = v,
                            .stats = &b->stats};
}

/* The trace so far, one line per element ("<time> ms  <who>  <text>"). */
static gchar **bench_trace(bench *b) {
  fflush(b->trace);
  gchar **lines = g_strsplit(b->trace_buf, "\n", -1);
  guint n = g_strv_length(lines);
  if (n && !*lines[n - 1]) { /* after the last newline */
    g_free(lines[n - 1]);
    lines[n - 1] = NULL;
  }
  return lines;
}

/* Each line is by `who` and ends in `text`, in order, and nothing else. */
static void assert_trace(bench *b, const char *const (*want)[2], guint n) {
  g_auto(GStrv) lines = bench_trace(b);
  g_assert_cmpuint(g_strv_length(lines), ==, n);
  for (guint i = 0; i < n; i++) {
    g_autofree char *who = g_strdup_printf(" ms  %-10s  ", want[i][0]);
    g_assert_nonnull(strstr(lines[i], who));
    g_assert_true(g_str_has_suffix(lines[i], want[i][1]));
  }
}

static void bench_free(bench *b) {
  fclose(b->trace);
  free(b->trace_buf);
  g_ptr_array_unref(b->printk);
  sim_engine_free(b->e);
}

/* A and B share one ioc: each task holds a reference, and each has a
 * request (get_io_context at its first lookup).  Both miss, both allocate,
 * A links first.  Returns what B's link led to; `*a`, `*bc` are A's and B's
 * cic after it. */
static cic_link_result race(bench *b, struct io_context *ioc,
                            struct cfq_io_context **a,
                            struct cfq_io_context **bc) {
  ioc_task_link(ioc);
  ioc_task_link(ioc);
  ioc_get(ioc);
  g_assert_null(cic_step_lookup(&b->dev, "A", ioc));
  ioc_get(ioc);
  g_assert_null(cic_step_lookup(&b->dev, "B", ioc));
  *a = cic_step_alloc(&b->dev, "A", 1000);
  *bc = cic_step_alloc(&b->dev, "B", 1002);
  g_assert_true(*a != *bc);
  g_assert_cmpint((*a)->id, ==, 1);
  g_assert_cmpint((*bc)->id, ==, 2);
  g_assert_cmpint((*a)->ttime.last_end_request, ==, 1000);
  g_assert_cmpint((*bc)->ttime.last_end_request, ==, 1002);
  g_assert_cmpuint(b->stats.allocated, ==, 2);
  /* Allocated, not linked: nobody can find either yet. */
  g_assert_null((*a)->ioc);
  g_assert_null(cfq_cic_lookup(ioc, b->dev.cic_index));

  struct cfq_io_context *won = *a;
  g_assert_cmpint(cic_step_link(&b->dev, "A", ioc, a), ==, CIC_LINKED);
  g_assert_true(*a == won);
  g_assert_true(won->ioc == ioc);
  g_assert_true(won->key == &dev_key);
  g_assert_true(cfq_cic_lookup(ioc, b->dev.cic_index) == won);
  g_assert_cmpuint(b->stats.linked, ==, 1);
  g_assert_cmpuint(b->stats.freed, ==, 0);
  g_assert_cmpint(ioc->refcount, ==, 4); /* two tasks, two requests */
  return cic_step_link(&b->dev, "B", ioc, bc);
}

/* What stays the same whichever kernel: the winner's cic is the only one
 * linked, the loser's is freed and gone from the caller. */
static void assert_after_race(bench *b, struct io_context *ioc,
                              struct cfq_io_context *a,
                              struct cfq_io_context *bc) {
  g_assert_null(bc);
  g_assert_true(cfq_cic_lookup(ioc, b->dev.cic_index) == a);
  g_assert_cmpuint(ioc->cic_list->len, ==, 1);
  g_assert_true(g_ptr_array_index(ioc->cic_list, 0) == a);
  g_assert_cmpuint(b->stats.allocated, ==, 2);
  g_assert_cmpuint(b->stats.linked, ==, 1);
  g_assert_cmpuint(b->stats.freed, ==, 1);
}

static void test_race_buggy(void) {
  bench b;
  bench_init(&b, CIC_LINK_BUGGY, 0);
  struct io_context *ioc = ioc_new("shared", 0);
  struct cfq_io_context *a, *bc;
  g_assert_cmpint(race(&b, ioc, &a, &bc), ==, CIC_LINK_FAILED);
  assert_after_race(&b, ioc, a, bc);
  g_assert_cmpuint(b.stats.link_failed, ==, 1);
  g_assert_cmpuint(b.printk->len, ==, 1);
  g_assert_cmpstr(g_ptr_array_index(b.printk, 0), ==, "cfq: cic link failed!");
  /* B's request gave its reference back with the failure. */
  g_assert_cmpint(ioc->refcount, ==, 3);
  static const char *const want[][2] = {
      {"A", "cfq_cic_lookup: miss"},       {"B", "cfq_cic_lookup: miss"},
      {"A", "cfq_alloc_io_context: cic1"}, {"B", "cfq_alloc_io_context: cic2"},
      {"A", "cfq_cic_link: cic1 linked"},  {"B", "cfq_cic_link: cic2 -EEXIST"},
      {"kernel", "cfq: cic link failed!"}};
  assert_trace(&b, want, G_N_ELEMENTS(want));
  /* A's request is put, both tasks exit: nothing holds the ioc. */
  ioc_put(ioc);
  ioc_task_exit(ioc);
  ioc_task_exit(ioc);
  g_assert_cmpint(ioc->refcount, ==, 0);
  g_assert_cmpint(ioc->nr_tasks, ==, 0);
  ioc_free(ioc);
  bench_free(&b);
}

static void test_race_fixed(void) {
  bench b;
  bench_init(&b, CIC_LINK_FIXED, 0);
  struct io_context *ioc = ioc_new("shared", 0);
  struct cfq_io_context *a, *bc;
  g_assert_cmpint(race(&b, ioc, &a, &bc), ==, CIC_LOOKUP_AGAIN);
  assert_after_race(&b, ioc, a, bc);
  g_assert_cmpuint(b.stats.link_failed, ==, 0);
  g_assert_cmpuint(b.printk->len, ==, 0);
  /* B keeps its request's reference across the second lookup. */
  g_assert_cmpint(ioc->refcount, ==, 4);
  g_assert_true(cic_step_lookup(&b.dev, "B", ioc) == a);
  g_assert_cmpint(ioc->refcount, ==, 4);
  static const char *const want[][2] = {
      {"A", "cfq_cic_lookup: miss"},       {"B", "cfq_cic_lookup: miss"},
      {"A", "cfq_alloc_io_context: cic1"}, {"B", "cfq_alloc_io_context: cic2"},
      {"A", "cfq_cic_link: cic1 linked"},  {"B", "cfq_cic_link: cic2 -EEXIST"},
      {"B", "cfq_cic_lookup: hit"}};
  assert_trace(&b, want, G_N_ELEMENTS(want));
  /* Both requests are put, both tasks exit. */
  ioc_put(ioc);
  ioc_put(ioc);
  ioc_task_exit(ioc);
  ioc_task_exit(ioc);
  g_assert_cmpint(ioc->refcount, ==, 0);
  g_assert_cmpint(ioc->nr_tasks, ==, 0);
  ioc_free(ioc);
  bench_free(&b);
}

/* Each device has its own slot: a cic linked on one is not found on
 * another, whose own link then succeeds. */
static void test_devices_apart(void) {
  bench d0, d2;
  bench_init(&d0, CIC_LINK_BUGGY, 0);
  bench_init(&d2, CIC_LINK_BUGGY, 2);
  struct io_context *ioc = ioc_new("T", 0);
  struct cfq_io_context *c2 = cic_step_alloc(&d2.dev, "T", 5);
  g_assert_cmpint(cic_step_link(&d2.dev, "T", ioc, &c2), ==, CIC_LINKED);
  g_assert_null(cic_step_lookup(&d0.dev, "T", ioc));
  g_assert_null(cfq_cic_lookup(ioc, 1));
  g_assert_null(cfq_cic_lookup(ioc, 3));
  g_assert_null(cfq_cic_lookup(NULL, 0));
  struct cfq_io_context *c0 = cic_step_alloc(&d0.dev, "T", 5);
  g_assert_cmpint(cic_step_link(&d0.dev, "T", ioc, &c0), ==, CIC_LINKED);
  g_assert_true(cic_step_lookup(&d0.dev, "T", ioc) == c0);
  g_assert_true(cic_step_lookup(&d2.dev, "T", ioc) == c2);
  /* The last cic found answers first, but only for its own device. */
  g_assert_null(cfq_cic_lookup(ioc, 1));
  g_assert_true(cfq_cic_lookup(ioc, 0) == c0);
  g_assert_true(cfq_cic_lookup(ioc, 2) == c2);
  g_assert_true(cfq_cic_lookup(ioc, 2) == c2);
  g_assert_true(cfq_cic_lookup(ioc, 0) == c0);
  g_assert_cmpuint(d0.printk->len + d2.printk->len, ==, 0);
  g_assert_cmpuint(d0.stats.link_failed + d2.stats.link_failed, ==, 0);
  g_assert_cmpuint(ioc->cic_list->len, ==, 2);
  /* A run restarted: no cic is found, none is remembered. */
  ioc_reset(ioc);
  g_assert_null(cfq_cic_lookup(ioc, 0));
  g_assert_null(cfq_cic_lookup(ioc, 2));
  ioc_free(ioc);
  bench_free(&d0);
  bench_free(&d2);
}

/* A process torn down mid-path: its unlinked cic is freed (a leak under
 * the sanitizer build otherwise), a linked one stays its ioc's (a double
 * free at ioc_free otherwise). */
static void test_abandon(void) {
  bench b;
  bench_init(&b, CIC_LINK_FIXED, 0);
  struct io_context *ioc = ioc_new("T", 0);
  cic_abandon(NULL);
  cic_abandon(cic_step_alloc(&b.dev, "T", 0));
  struct cfq_io_context *c = cic_step_alloc(&b.dev, "T", 0);
  g_assert_cmpint(cic_step_link(&b.dev, "T", ioc, &c), ==, CIC_LINKED);
  cic_abandon(c);
  g_assert_true(cfq_cic_lookup(ioc, 0) == c);
  ioc_free(ioc);
  bench_free(&b);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ioc/variant-names", test_variant_names);
  g_test_add_func("/ioc/refs", test_refs);
  g_test_add_func("/ioc/race/buggy", test_race_buggy);
  g_test_add_func("/ioc/race/fixed", test_race_fixed);
  g_test_add_func("/ioc/devices-apart", test_devices_apart);
  g_test_add_func("/ioc/abandon", test_abandon);
  return g_test_run();
}
