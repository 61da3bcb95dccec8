/* What a process issues, seen in the blktrace of a run: fio's shapes
 * (block size ranges and splits, holes and backward steps, random runs,
 * skewed distributions, rates, thinks every N I/Os, start conditions,
 * ramps, loops, seeds), each checked against what fio's option means. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "blktrace_records.h"
#include "sim/metrics.h"
#include "sim/run.h"

typedef struct {
  workload *w;
  sim_run *r;
  FILE *devnull;
} traced;

static traced run_traced(const char *yaml) {
  traced t = {0};
  GError *err = NULL;
  t.w = workload_parse("proc.yaml", yaml, strlen(yaml), NULL, &err);
  g_assert_no_error(err);
  t.devnull = fopen("/dev/null", "w");
  run_options o = RUN_OPTIONS_INIT;
  o.trace = t.devnull; /* the blktrace is only kept with a trace */
  t.r = sim_run_new(t.w, &o, &err);
  g_assert_no_error(err);
  sim_outcome out = sim_run_go(t.r, &err);
  g_assert_no_error(err);
  g_assert_cmpint(out, ==, SIM_COMPLETED);
  return t;
}

static void traced_free(traced *t) {
  sim_run_free(t->r);
  workload_free(t->w);
  fclose(t->devnull);
}

/* The bios process `i` queued (pid 100 + i), in order. */
static GArray *queued(traced *t, guint i) {
  GArray *all = blktrace_records(t->r, 0, BLK_TA_CODE_QUEUE);
  GArray *mine = g_array_new(FALSE, FALSE, sizeof(rec));
  for (guint k = 0; k < all->len; k++) {
    rec *x = &g_array_index(all, rec, k);
    if (x->pid == 100 + i)
      g_array_append_val(mine, *x);
  }
  g_array_unref(all);
  return mine;
}

#define Q(a, k) (&g_array_index((a), rec, (k)))

/* rw=read:-8k and write:4k: each I/O starts `skip` after the end of the
 * previous one; backwards past the start it wraps to size + skip, forwards
 * past the end to the start, as fio's get_next_seq_offset does. */
static void test_skip(void) {
  traced t = run_traced(
      "processes:\n"
      "  - {name: back, rw: read, bs: 4k, skip: -8k, size: 64k, count: 6,"
      " direct: 1}\n"
      "  - {name: holes, rw: write, bs: 4k, skip: 4k, size: 32k, count: 5,"
      " direct: 1, offset: 1m}\n");
  g_autoptr(GArray) b = queued(&t, 0);
  /* 64 KiB = 128 sectors: 0, then 128 - 16, and 16 sectors back each */
  static const uint64_t back[] = {0, 112, 104, 96, 88, 80};
  g_assert_cmpuint(b->len, ==, G_N_ELEMENTS(back));
  for (guint k = 0; k < b->len; k++)
    g_assert_cmpuint(Q(b, k)->sector, ==, back[k]);
  g_autoptr(GArray) h = queued(&t, 1);
  static const uint64_t holes[] = {0, 16, 32, 48, 0};
  g_assert_cmpuint(h->len, ==, G_N_ELEMENTS(holes));
  for (guint k = 0; k < h->len; k++)
    g_assert_cmpuint(Q(h, k)->sector, ==, 2048 + holes[k]);
  traced_free(&t);
}

/* rw=randread:4: a random offset, then three I/Os in sequence after it;
 * percentage_random 0: every I/O after the first in sequence. */
static void test_random_runs(void) {
  traced t = run_traced(
      "processes:\n"
      "  - {name: runs, rw: randread, bs: 4k, random_every: 4, size: 1g,"
      " count: 40, direct: 1}\n"
      "  - {name: seq, rw: randread, bs: 4k, percentage_random: 0,"
      " size: 1g, count: 20, direct: 1}\n"
      "  - {name: half, rw: randread, bs: 4k, percentage_random: 50,"
      " size: 1g, count: 400, direct: 1}\n");
  g_autoptr(GArray) r = queued(&t, 0);
  g_assert_cmpuint(r->len, ==, 40);
  guint jumps = 0;
  for (guint k = 1; k < r->len; k++) {
    bool follows = Q(r, k)->sector == Q(r, k - 1)->sector + 8;
    if (k % 4)
      g_assert_true(follows);
    else
      jumps += !follows;
  }
  g_assert_cmpuint(jumps, >=, 8); /* of 9 draws over 2^18 blocks */
  g_autoptr(GArray) s = queued(&t, 1);
  for (guint k = 1; k < s->len; k++)
    g_assert_cmpuint(Q(s, k)->sector, ==, Q(s, k - 1)->sector + 8);
  /* half of them follow: binomial(399, 1/2), sd 10 */
  g_autoptr(GArray) hf = queued(&t, 2);
  guint follow = 0;
  for (guint k = 1; k < hf->len; k++)
    follow += Q(hf, k)->sector == Q(hf, k - 1)->sector + 8;
  g_assert_cmpuint(follow, >, 150);
  g_assert_cmpuint(follow, <, 250);
  traced_free(&t);
}

/* bsrange 4k-16k: sizes 4, 8, 12 or 16 KiB; bssplit 4k/75:64k/: three
 * quarters 4 KiB, the rest 64 KiB; random offsets aligned to 4 KiB. */
static void test_block_sizes(void) {
  traced t = run_traced(
      "processes:\n"
      "  - {name: range, rw: randread, bsrange: 4k-16k, size: 1g,"
      " count: 200, direct: 1}\n"
      "  - {name: split, rw: randread, bssplit: \"4k/75:64k/\", size: 1g,"
      " count: 400, direct: 1}\n"
      "  - {name: aligned, rw: randread, bs: 4k, blockalign: 64k, size: 1g,"
      " count: 100, direct: 1}\n");
  g_autoptr(GArray) r = queued(&t, 0);
  guint seen[5] = {0};
  for (guint k = 0; k < r->len; k++) {
    uint32_t b = Q(r, k)->bytes;
    g_assert_cmpuint(b % 4096, ==, 0);
    g_assert_cmpuint(b, >=, 4096);
    g_assert_cmpuint(b, <=, 16384);
    seen[b / 4096]++;
    g_assert_cmpuint(Q(r, k)->sector % 8, ==, 0);
    g_assert_cmpuint(Q(r, k)->sector * 512 + b, <=, 1u << 30);
  }
  for (guint s = 1; s <= 4; s++)
    g_assert_cmpuint(seen[s], >, 20); /* 50 expected each */
  g_autoptr(GArray) al = queued(&t, 2);
  for (guint k = 0; k < al->len; k++) /* blockalign 64k */
    g_assert_cmpuint(Q(al, k)->sector % 128, ==, 0);
  g_autoptr(GArray) sp = queued(&t, 1);
  guint small = 0;
  for (guint k = 0; k < sp->len; k++) {
    uint32_t b = Q(sp, k)->bytes;
    g_assert_true(b == 4096 || b == 65536);
    small += b == 4096;
    g_assert_cmpuint(Q(sp, k)->sector % 8, ==, 0);
  }
  /* binomial(400, 3/4): 300, sd 8.7 */
  g_assert_cmpuint(small, >, 260);
  g_assert_cmpuint(small, <, 340);
  traced_free(&t);
}

/* Share of the I/Os that the most hit tenth of the blocks takes. */
static double top_tenth_share(GArray *a, guint blocks) {
  g_autofree guint *hits = g_new0(guint, blocks);
  for (guint k = 0; k < a->len; k++)
    hits[Q(a, k)->sector / 8]++;
  /* counting sort by hits, descending */
  guint taken = 0, total = 0;
  for (guint h = a->len; h > 0 && taken < blocks / 10; h--)
    for (guint b = 0; b < blocks && taken < blocks / 10; b++)
      if (hits[b] == h) {
        total += h;
        taken++;
      }
  return (double)total / a->len;
}

/* zipf, pareto and normal skew the draws: zipf's hottest block takes
 * 1/H(n, theta) of them; a tenth of the blocks takes far more than a
 * tenth of the I/Os (uniform: little more than 0.1). */
static void test_distributions(void) {
  traced t = run_traced(
      "processes:\n"
      "  - {name: z, rw: randread, size: 4m, count: 3000, direct: 1,"
      " distribution: \"zipf:1.2\"}\n"
      "  - {name: p, rw: randread, size: 4m, count: 3000, direct: 1,"
      " distribution: \"pareto:0.2\"}\n"
      "  - {name: n, rw: randread, size: 4m, count: 3000, direct: 1,"
      " distribution: \"normal:0\"}\n"
      "  - {name: u, rw: randread, size: 4m, count: 3000, direct: 1}\n");
  const guint n = 1024; /* blocks of 4 KiB in 4 MiB */
  g_autoptr(GArray) z = queued(&t, 0);
  g_autofree guint *hits = g_new0(guint, n);
  guint top = 0;
  for (guint k = 0; k < z->len; k++) {
    guint b = (guint)(Q(z, k)->sector / 8);
    hits[b]++;
    top = MAX(top, hits[b]);
  }
  double h = 0;
  for (guint k = 1; k <= n; k++)
    h += pow(k, -1.2);
  double p1 = 1 / h, sd = sqrt(3000 * p1 * (1 - p1));
  g_assert_cmpfloat(fabs(top - 3000 * p1), <, 5 * sd);
  g_assert_cmpfloat(top_tenth_share(z, n), >, 0.5);
  /* pareto h = 0.2: the 80/20 rule, and more so for a tenth */
  g_autoptr(GArray) p = queued(&t, 1);
  g_assert_cmpfloat(top_tenth_share(p, n), >, 0.5);
  /* fio's normal: a bell of sd n/12 over the ranks, the middle tenth
   * (+-0.6 sd) holding about 45 % of the draws */
  g_autoptr(GArray) nn = queued(&t, 2);
  g_assert_cmpfloat(top_tenth_share(nn, n), >, 0.35);
  g_autoptr(GArray) u = queued(&t, 3);
  g_assert_cmpfloat(top_tenth_share(u, n), <, 0.25);
  traced_free(&t);
}

/* zoned:50/5:30/15:20/: half the I/Os in the first 5 % of the region,
 * 30 % in the next 15 %, the rest (20 %) in the remaining 80 %, as fio's
 * rand-zones example says. */
static void test_zoned(void) {
  traced t =
      run_traced("processes:\n"
                 "  - {name: z, rw: randread, size: 4m, count: 2000,"
                 " direct: 1, distribution: \"zoned:50/5:30/15:20/\"}\n");
  g_autoptr(GArray) z = queued(&t, 0);
  guint in[3] = {0};
  for (guint k = 0; k < z->len; k++) {
    uint64_t b = Q(z, k)->sector / 8; /* of 1024 blocks */
    in[b < 51 ? 0 : b < 204 ? 1 : 2]++;
  }
  /* binomial(2000, p): sd at most 1.2 % */
  g_assert_cmpfloat(fabs(in[0] / 2000.0 - 0.5), <, 0.05);
  g_assert_cmpfloat(fabs(in[1] / 2000.0 - 0.3), <, 0.05);
  g_assert_cmpfloat(fabs(in[2] / 2000.0 - 0.2), <, 0.05);
  traced_free(&t);
}

/* rate_iops 100 (linear): I/O k is issued 10k ms after the start, the disk
 * being fast enough; rate 1MB/s of 4 KiB: every 4.096 ms, never before.  Poisson: gaps
 * with the rate's mean and an exponential's spread (sd = mean). */
static void test_rates(void) {
  traced t = run_traced("processes:\n"
                        "  - {name: iops, rw: read, size: 1m, count: 20,"
                        " direct: 1, rate_iops: 100, start: 5ms}\n");
  g_autoptr(GArray) a = queued(&t, 0);
  g_assert_cmpuint(a->len, ==, 20);
  for (guint k = 0; k < a->len; k++)
    g_assert_cmpuint(Q(a, k)->time, ==, 5000000 + k * 10000000ull);
  traced_free(&t);
  t = run_traced("processes:\n"
                 "  - {name: bps, rw: read, size: 1m, count: 20, direct: 1,"
                 " rate: 1MB/s}\n");
  g_autoptr(GArray) b = queued(&t, 0);
  g_assert_cmpuint(b->len, ==, 20);
  /* never early; the first read's seek makes the next ones late, then
   * they catch up with the rate (fio's linear rate has no memory of lag
   * beyond the bytes it counts) */
  for (guint k = 0; k < b->len; k++) {
    g_assert_cmpuint(Q(b, k)->time, >=, k * 4096000ull);
    if (k >= 10)
      g_assert_cmpuint(Q(b, k)->time, ==, k * 4096000ull);
  }
  traced_free(&t);
  t = run_traced("processes:\n"
                 "  - {name: poisson, rw: read, size: 1m, count: 2000,"
                 " direct: 1, rate_iops: 200, rate_process: poisson,"
                 " bs: 512}\n");
  g_autoptr(GArray) c = queued(&t, 0);
  g_assert_cmpuint(c->len, ==, 2000);
  double sum = 0, sq = 0;
  for (guint k = 1; k < c->len; k++) {
    double gap = (double)(Q(c, k)->time - Q(c, k - 1)->time);
    sum += gap;
    sq += gap * gap;
  }
  double mean = sum / 1999, sd = sqrt(sq / 1999 - mean * mean);
  g_assert_cmpfloat(fabs(mean - 5e6), <, 0.1 * 5e6);
  g_assert_cmpfloat(sd / mean, >, 0.8);
  g_assert_cmpfloat(sd / mean, <, 1.2);
  traced_free(&t);
}

/* think every 4 I/Os, 4 in flight: four go down at once, then a think
 * after all four are done, then the next four. */
static void test_think_blocks(void) {
  traced t = run_traced("processes:\n"
                        "  - {name: a, rw: randread, size: 1g, count: 12,"
                        " direct: 1, iodepth: 4, think: 50ms,"
                        " think_blocks: 4}\n");
  g_autoptr(GArray) a = queued(&t, 0);
  g_assert_cmpuint(a->len, ==, 12);
  GArray *done = blktrace_records(t.r, 0, BLK_TA_CODE_COMPLETE);
  for (guint g = 0; g < 3; g++) {
    for (guint k = 1; k < 4; k++)
      g_assert_cmpuint(Q(a, 4 * g + k)->time, ==, Q(a, 4 * g)->time);
    if (g == 0)
      continue;
    /* the group starts 50 ms after the previous group's last completion */
    uint64_t last = 0;
    for (guint k = 0; k < done->len; k++)
      if (Q(done, k)->time < Q(a, 4 * g)->time)
        last = Q(done, k)->time;
    g_assert_cmpuint(Q(a, 4 * g)->time, ==, last + 50000000);
  }
  g_array_unref(done);
  traced_free(&t);
}

/* wait_for: b starts when every clone of a has exited; c waits for a too
 * but its own start is later still. */
static void test_wait_for(void) {
  traced t = run_traced(
      "processes:\n"
      "  - {name: a, rw: randread, size: 1g, count: 10, direct: 1,"
      " numjobs: 2}\n"
      "  - {name: b, rw: read, size: 1m, count: 5, direct: 1, wait_for: a}\n"
      "  - {name: c, rw: read, size: 1m, count: 5, direct: 1, wait_for: [a],"
      " start: 2s}\n");
  GArray *done = blktrace_records(t.r, 0, BLK_TA_CODE_COMPLETE);
  uint64_t a_end = 0;
  for (guint k = 0; k < done->len; k++)
    if (Q(done, k)->pid == 100 || Q(done, k)->pid == 101)
      a_end = MAX(a_end, Q(done, k)->time);
  g_array_unref(done);
  g_autoptr(GArray) b = queued(&t, 2);
  g_autoptr(GArray) c = queued(&t, 3);
  g_assert_cmpuint(b->len, ==, 5);
  g_assert_cmpuint(Q(b, 0)->time, ==, a_end);
  g_assert_cmpuint(a_end, <, 2000000000u);
  g_assert_cmpuint(Q(c, 0)->time, ==, 2000000000u);
  traced_free(&t);
}

/* ramp: what was issued in the first 500 ms is left out of the metrics
 * (100 I/Os at 100 a second: the first 50); loops: count three times. */
static void test_ramp_and_loops(void) {
  traced t = run_traced("processes:\n"
                        "  - {name: a, rw: read, size: 1m, count: 100,"
                        " direct: 1, rate_iops: 100, ramp: 500ms}\n"
                        "  - {name: b, rw: read, size: 1m, count: 10,"
                        " direct: 1, loops: 3, offset: 1g}\n");
  const metrics *m = sim_run_result(t.r)->m;
  g_assert_cmpuint(metrics_proc_ios(m, 0), ==, 50);
  g_autoptr(GArray) a = queued(&t, 0);
  g_assert_cmpuint(a->len, ==, 100);
  g_assert_cmpuint(metrics_proc_ios(m, 1), ==, 30);
  traced_free(&t);
}

/* A process's own seed changes its draws only; the same seed, the same
 * draws. */
static void test_seed(void) {
  const char *fmt = "processes:\n"
                    "  - {name: a, rw: randread, size: 1g, count: 5,"
                    " direct: 1%s}\n"
                    "  - {name: b, rw: randread, size: 1g, count: 5,"
                    " direct: 1}\n";
  uint64_t first[3][2];
  const char *seeds[] = {"", ", seed: 99", ", seed: 99"};
  for (guint i = 0; i < 3; i++) {
    g_autofree char *y = g_strdup_printf(fmt, seeds[i]);
    traced t = run_traced(y);
    for (guint p = 0; p < 2; p++) {
      g_autoptr(GArray) q = queued(&t, p);
      first[i][p] = Q(q, 0)->sector;
    }
    traced_free(&t);
  }
  g_assert_cmpuint(first[0][0], !=, first[1][0]);
  g_assert_cmpuint(first[1][0], ==, first[2][0]);
  g_assert_cmpuint(first[0][1], ==, first[1][1]);
}

/* nrfiles 3: the I/Os go to the files in turn, each file (a MiB after
 * the previous one's start) with its own sequential position. */
static void test_nrfiles(void) {
  traced t = run_traced("processes:\n"
                        "  - {name: a, rw: read, size: 64k, nrfiles: 3,"
                        " count: 7, direct: 1}\n");
  g_autoptr(GArray) a = queued(&t, 0);
  static const uint64_t want[] = {0, 2048, 4096, 8, 2056, 4104, 16};
  g_assert_cmpuint(a->len, ==, G_N_ELEMENTS(want));
  for (guint k = 0; k < a->len; k++)
    g_assert_cmpuint(Q(a, k)->sector, ==, want[k]);
  traced_free(&t);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/proc/skip", test_skip);
  g_test_add_func("/proc/random-runs", test_random_runs);
  g_test_add_func("/proc/block-sizes", test_block_sizes);
  g_test_add_func("/proc/distributions", test_distributions);
  g_test_add_func("/proc/zoned", test_zoned);
  g_test_add_func("/proc/rates", test_rates);
  g_test_add_func("/proc/think-blocks", test_think_blocks);
  g_test_add_func("/proc/wait-for", test_wait_for);
  g_test_add_func("/proc/ramp-and-loops", test_ramp_and_loops);
  g_test_add_func("/proc/seed", test_seed);
  g_test_add_func("/proc/nrfiles", test_nrfiles);
  return g_test_run();
}
