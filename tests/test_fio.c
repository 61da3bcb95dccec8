/* fio job files: the syntax, fio's units, the translation into processes,
 * errors with their positions, and (when fio is installed) the same
 * reading as fio's own of sections, numjobs and option values. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "models/elevator.h"
#include "sim/fio.h"
#include "testutil.h"

static workload *parse_ok(const char *text) {
  GError *err = NULL;
  workload *w = fio_parse("job.fio", text, strlen(text), NULL, &err);
  g_assert_no_error(err);
  g_assert_nonnull(w);
  return w;
}

static wl_process *proc(workload *w, guint i) {
  g_assert_cmpuint(i, <, w->processes->len);
  return g_ptr_array_index(w->processes, i);
}

static const char *two_jobs = "; a [global] and two jobs\n"
                              "[global]\n"
                              "ioengine=libaio\n"
                              "direct=1\n"
                              "bs=4k\n"
                              "size=1g\n"
                              "runtime=2\n"
                              "time_based\n"
                              "\n"
                              "# random readers, three clones\n"
                              "[readers]\n"
                              "rw=randread\n"
                              "numjobs=3\n"
                              "iodepth=8\n"
                              "prio=2\n"
                              "\n"
                              "[writer]\n"
                              "readwrite=write\n"
                              "bs=128KiB\n"
                              "ioengine=psync\n"
                              "iodepth=16\n"
                              "startdelay=500ms\n"
                              "thinktime=250\n";

/* [global] applies to both jobs, a job's own option overrides it, numjobs
 * clones, and the engine decides the depth. */
static void test_global_and_jobs(void) {
  workload *w = parse_ok(two_jobs);
  g_assert_cmpstr(w->name, ==, "job");
  g_assert_cmpuint(w->processes->len, ==, 4);
  for (guint i = 0; i < 3; i++) {
    wl_process *p = proc(w, i);
    g_autofree char *want = g_strdup_printf("readers.%u", i);
    g_assert_cmpstr(p->name, ==, want);
    g_assert_cmpint(p->rw, ==, RW_RANDREAD);
    g_assert_cmpint(p->bs, ==, 4096);
    g_assert_cmpint(p->size, ==, G_GINT64_CONSTANT(1) << 30);
    g_assert_true(p->direct);
    g_assert_cmpint(p->iodepth, ==, 8); /* libaio: as given */
    g_assert_cmpint(p->runtime, ==, G_GINT64_CONSTANT(2000000000));
    g_assert_cmpint(p->io_size, ==, 0); /* time_based */
    g_assert_cmpint(p->ioprio_class, ==, 2 /* be */);
    g_assert_cmpint(p->ioprio_level, ==, 2);
  }
  /* No filename: fio's one file per clone, laid out one after another
   * (1 GiB each, MiB-aligned), the writer's after the readers'. */
  g_assert_cmpint(proc(w, 0)->offset, ==, 0);
  g_assert_cmpint(proc(w, 1)->offset, ==, G_GINT64_CONSTANT(1) << 30);
  g_assert_cmpint(proc(w, 2)->offset, ==, G_GINT64_CONSTANT(2) << 30);
  wl_process *wr = proc(w, 3);
  g_assert_cmpstr(wr->name, ==, "writer");
  g_assert_cmpint(wr->offset, ==, G_GINT64_CONSTANT(3) << 30);
  g_assert_cmpint(wr->rw, ==, RW_WRITE);
  g_assert_cmpint(wr->bs, ==, 128000); /* fio's KiB is 1000 with kb_base 1024 */
  g_assert_cmpint(wr->iodepth, ==, 1); /* psync: one at a time */
  g_assert_cmpint(wr->start, ==, 500000000);
  g_assert_cmpint(wr->think, ==, 250000); /* thinktime is in us */
  workload_free(w);
}

/* Not time_based: the job ends after size bytes (fio's io_size default);
 * a /dev name is a device, a shared filename a shared region. */
static void test_files_and_devices(void) {
  workload *w = parse_ok("[a]\nfilename=/dev/sdb\nrw=read\nsize=8m\n"
                         "[b]\nfilename=data\nsize=4m\nnumjobs=2\n"
                         "offset_increment=2m\n"
                         "[c]\nfilename=data\nsize=1m\noffset=1m\n"
                         "[d]\nfilename=/dev/sdb\nrw=write\nbs=1m\n");
  g_assert_cmpuint(w->devices->len, ==, 1 + 0);
  const wl_device *d0 = g_ptr_array_index(w->devices, 0);
  g_assert_cmpstr(d0->name, ==, "sdb");
  g_assert_cmpuint(w->processes->len, ==, 5);
  g_assert_cmpint(proc(w, 0)->io_size, ==, 8 << 20);
  /* b and c share "data", which starts at 0 on the first device. */
  g_assert_cmpint(proc(w, 1)->offset, ==, 0);
  g_assert_cmpint(proc(w, 2)->offset, ==, 2 << 20);
  g_assert_cmpint(proc(w, 3)->offset, ==, 1 << 20);
  /* d: the whole device once. */
  wl_process *d = proc(w, 4);
  g_assert_cmpint(d->size, ==, 0);
  g_assert_cmpint(d->io_size, >, 1 << 30);
  workload_free(w);
}

/* A [global] applies to the jobs after it only, as in fio. */
static void test_later_global(void) {
  workload *w = parse_ok("[global]\nsize=1m\n[a]\n[global]\nbs=8k\n[b]\n");
  g_assert_cmpint(proc(w, 0)->bs, ==, 4096);
  g_assert_cmpint(proc(w, 1)->bs, ==, 8192);
  g_assert_cmpint(proc(w, 1)->size, ==, 1 << 20);
  workload_free(w);
  /* A [global] name= names no job; a job's own does. */
  w = parse_ok("[global]\nname=all\nsize=1m\n[a]\n[b]\nname=bee\n");
  g_assert_cmpstr(proc(w, 0)->name, ==, "a");
  g_assert_cmpstr(proc(w, 1)->name, ==, "bee");
  workload_free(w);
  /* rwmixread and rwmixwrite each set both shares: the later one wins
   * (fio's own fio-rand-RW.fio example gives both). */
  w = parse_ok("[global]\nrwmixread=30\n[a]\nrw=rw\nsize=1m\n"
               "rwmixwrite=20\n[b]\nrw=rw\nsize=1m\n");
  g_assert_cmpint(proc(w, 0)->rwmixread, ==, 80);
  g_assert_cmpint(proc(w, 1)->rwmixread, ==, 30);
  workload_free(w);
}

/* cgroup= names a blkio cgroup (one per name), cgroup_weight its weight. */
static void test_cgroups(void) {
  workload *w = parse_ok("[global]\nsize=1m\n"
                         "[a]\ncgroup=grpA\ncgroup_weight=200\n"
                         "[b]\ncgroup=grpB\n"
                         "[c]\ncgroup=grpA\ncgroup_weight=200\n[d]\n");
  g_assert_cmpuint(w->cgroups->len, ==, 2);
  const wl_cgroup *a = g_ptr_array_index(w->cgroups, 0);
  const wl_cgroup *b = g_ptr_array_index(w->cgroups, 1);
  g_assert_cmpstr(a->name, ==, "grpA");
  g_assert_cmpint(a->weight, ==, 200);
  g_assert_cmpstr(b->name, ==, "grpB");
  g_assert_cmpint(b->weight, ==, 500); /* blkio.weight's default */
  g_assert_cmpint(proc(w, 0)->cgroup, ==, 0);
  g_assert_cmpint(proc(w, 1)->cgroup, ==, 1);
  g_assert_cmpint(proc(w, 2)->cgroup, ==, 0);
  g_assert_cmpint(proc(w, 3)->cgroup, ==, -1);
  workload_free(w);
  static const struct {
    const char *text, *msg;
  } bad[] = {
      {"[a]\nsize=1m\ncgroup=g\ncgroup_weight=200\n"
       "[b]\nsize=1m\ncgroup=g\ncgroup_weight=300\n",
       "job.fio:8:1: cgroup 'g': its weight differs from line 4's"},
      {"[a]\nsize=1m\ncgroup_weight=200\n",
       "job.fio:3:1: cgroup_weight: needs cgroup (the group it weighs)"},
      {"[a]\nsize=1m\ncgroup=g\ncgroup_weight=50\n",
       "job.fio:4:15: cgroup_weight: 50 is out of range 100 to 1000"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    GError *err = NULL;
    g_assert_null(
        fio_parse("job.fio", bad[i].text, strlen(bad[i].text), NULL, &err));
    g_assert_error(err, FIO_ERROR, FIO_ERROR_PARSE);
    g_assert_cmpstr(err->message, ==, bad[i].msg);
    g_error_free(err);
  }
}

/* directory= joins a relative filename: the same path is the same file. */
static void test_directory(void) {
  workload *w = parse_ok("[a]\ndirectory=/d\nfilename=f\nsize=1m\n"
                         "[b]\nfilename=/d/f\nsize=1m\n"
                         "[c]\ndirectory=/e\nfilename=f\nsize=1m\n");
  g_assert_cmpint(proc(w, 0)->offset, ==, 0);
  g_assert_cmpint(proc(w, 1)->offset, ==, 0);
  g_assert_cmpint(proc(w, 2)->offset, ==, 1 << 20);
  workload_free(w);
}

/* ioscheduler= switches its device's scheduler, as fio does. */
static void test_ioscheduler(void) {
  workload *w = parse_ok("[a]\nfilename=/dev/sdb\nsize=1m\n"
                         "ioscheduler=deadline\n"
                         "[b]\nfilename=/dev/sdc\nsize=1m\n");
  const wl_device *b = g_ptr_array_index(w->devices, 0);
  const wl_device *c = g_ptr_array_index(w->devices, 1);
  g_assert_cmpstr(b->elevator->elevator_name, ==, "deadline");
  g_assert_cmpstr(c->elevator->elevator_name, ==, "cfq");
  workload_free(w);
  static const struct {
    const char *text, *msg;
  } bad[] = {
      {"[a]\nsize=1m\nioscheduler=deadline\n"
       "[b]\nsize=1m\nioscheduler=noop\n",
       "job.fio:6:13: ioscheduler: device 'sda' has 'deadline' from line 3"},
      {"[a]\nsize=1m\nioscheduler=bfq\n", NULL},
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    GError *err = NULL;
    g_assert_null(
        fio_parse("job.fio", bad[i].text, strlen(bad[i].text), NULL, &err));
    g_assert_nonnull(err);
    if (bad[i].msg)
      g_assert_cmpstr(err->message, ==, bad[i].msg);
    else /* the workload loader's message, at the value */
      g_assert_true(g_str_has_prefix(err->message, "job.fio:3:13: "));
    g_error_free(err);
  }
}

/* fio's units as fio 3.33 reads them (see test_fio_agrees for the check
 * against fio itself). */
static void test_units(void) {
  static const struct {
    const char *text;
    guint64 bytes;
  } sizes[] = {{"512", 512},       {"4k", 4096},       {"4K", 4096},
               {"4kb", 4096},      {"4KiB", 4000},     {"1m", 1 << 20},
               {"2g", 2ull << 30}, {"1t", 1ull << 40}, {"0x1000", 4096},
               {"10b", 10}};
  for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
    guint64 b = 0;
    g_assert_true(fio_parse_size(sizes[i].text, &b));
    g_assert_cmpuint(b, ==, sizes[i].bytes);
  }
  guint64 b;
  g_assert_false(fio_parse_size("4x", &b));
  g_assert_false(fio_parse_size("", &b));
  g_assert_false(fio_parse_size("-4k", &b));
  g_assert_false(fio_parse_size("99999999999999999999", &b));
  gint64 ns;
  const gint64 s = 1000000000;
  g_assert_true(fio_parse_time("10", s, &ns));
  g_assert_cmpint(ns, ==, 10 * s);
  g_assert_true(fio_parse_time("10", 1000, &ns));
  g_assert_cmpint(ns, ==, 10000);
  g_assert_true(fio_parse_time("2m", s, &ns)); /* minutes, not milli */
  g_assert_cmpint(ns, ==, 120 * s);
  g_assert_true(fio_parse_time("5ms", s, &ns));
  g_assert_cmpint(ns, ==, 5000000);
  g_assert_true(fio_parse_time("7usec", s, &ns));
  g_assert_cmpint(ns, ==, 7000);
  g_assert_true(fio_parse_time("1h", s, &ns));
  g_assert_cmpint(ns, ==, 3600 * s);
  g_assert_false(fio_parse_time("5 parsecs", s, &ns));
}

static void test_syntax(void) {
  g_assert_true(fio_is_jobfile("x.fio", "", 0));
  const char *ini = "# c\n\n  ; c\n[job]\n";
  g_assert_true(fio_is_jobfile("x.job", ini, strlen(ini)));
  const char *yaml = "# c\nname: x\n";
  g_assert_false(fio_is_jobfile("x.yaml", yaml, strlen(yaml)));

  g_setenv("CFQSIM_TEST_BS", "64k", TRUE);
  const char *text = "[j]\r\n  bs = ${CFQSIM_TEST_BS}\r\ntime_based\n"
                     "runtime=1\nsize=1m\n";
  GError *err = NULL;
  fio_jobfile *jf = fio_jobfile_parse("job.fio", text, strlen(text), &err);
  g_assert_no_error(err);
  g_assert_cmpuint(jf->sections->len, ==, 1);
  fio_section *sec = g_ptr_array_index(jf->sections, 0);
  g_assert_cmpstr(sec->name, ==, "j");
  fio_option *bs = g_ptr_array_index(sec->options, 0);
  g_assert_cmpstr(bs->name, ==, "bs");
  g_assert_cmpstr(bs->value, ==, "64k");
  g_assert_cmpint(bs->line, ==, 2);
  g_assert_cmpint(bs->col, ==, 3);
  g_assert_cmpint(bs->value_col, ==, 8);
  fio_option *tb = g_ptr_array_index(sec->options, 1);
  g_assert_cmpstr(tb->name, ==, "time_based");
  g_assert_null(tb->value);
  fio_jobfile_free(jf);
  workload *w = parse_ok(text);
  g_assert_cmpint(proc(w, 0)->bs, ==, 65536);
  workload_free(w);
}

/* Each mistake: the message, at the position of the option or value. */
static void test_errors(void) {
  static const struct {
    const char *text, *msg;
    int code;
  } cases[] = {
      {"[j]\nsize=1m\nbss=4k\n",
       "job.fio:3:1: unknown option 'bss' (did you mean 'bs'?)",
       FIO_ERROR_PARSE},
      {"[j]\nsize=1m\n  verify=md5\n",
       "job.fio:3:3: option 'verify' is not simulated by cfqsim",
       FIO_ERROR_UNSUPPORTED},
      {"[j]\nsize=1m\nioengine=rbd\n",
       "job.fio:3:10: ioengine: 'rbd' is not simulated (sync, psync, vsync, "
       "pvsync, pvsync2, libaio, posixaio, io_uring are)",
       FIO_ERROR_UNSUPPORTED},
      {"[j]\nsize=1m\nrw=randred\n",
       "job.fio:3:4: rw: unknown value 'randred' (did you mean 'randread'?)",
       FIO_ERROR_PARSE},
      {"[j]\nsize=1m\nrw=randread:8k\n",
       "job.fio:3:13: rw: ':8k' is not a number of I/Os (e.g. randread:8)",
       FIO_ERROR_PARSE},
      {"[j]\nsize=1m\nrw=read:x\n",
       "job.fio:3:9: rw: ':x' is not a size (e.g. write:4k, read:-8k)",
       FIO_ERROR_PARSE},
      {"[j]\nsize=1m\nrw=randrw\npercentage_random=\n",
       "job.fio:4:19: percentage_random: needs a value", FIO_ERROR_PARSE},
      {"[j]\nsize=1m\nrw=randrw\npercentage_random=50,20\n",
       "job.fio:4:19: percentage_random: different values for reads and "
       "writes are not simulated",
       FIO_ERROR_UNSUPPORTED},
      {"[j]\nsize=1m\nrate=1m,2m\n",
       "job.fio:3:6: rate: per-direction values are not simulated",
       FIO_ERROR_UNSUPPORTED},
      {"[j]\nsize=1m\nrandom_distribution=zoned_abs:50/10G:50/100G\n",
       "job.fio:3:21: random_distribution: zoned_abs is not simulated "
       "(random, zipf, pareto, normal, zoned are)",
       FIO_ERROR_UNSUPPORTED},
      {"[j]\nsize=1m\nfilename=f\nnrfiles=2\n",
       "job.fio:4:9: nrfiles: several files with filename= are not "
       "simulated (fio's own files are)",
       FIO_ERROR_UNSUPPORTED},
      {"[j]\nsize=1m\nrw=trim\n", "job.fio:3:4: rw: trim is not simulated",
       FIO_ERROR_UNSUPPORTED},
      {"[j]\nsize=12q\n",
       "job.fio:2:6: size: '12q' is not a size (e.g. 4k, 1m, 10g)",
       FIO_ERROR_PARSE},
      {"[j]\nsize=1m\nbs=4k-8k\n",
       "job.fio:3:4: bs: ranges and per-direction values are not simulated",
       FIO_ERROR_UNSUPPORTED},
      {"[j]\nsize=1m\nwait_for=nobody\n",
       "job.fio:3:10: wait_for: no job 'nobody' before this one",
       FIO_ERROR_PARSE},
      {"[j]\nsize=1m\nratemin=1k\n",
       "job.fio:3:1: option 'ratemin' is not simulated by cfqsim",
       FIO_ERROR_UNSUPPORTED},
      {"[j]\nsize=1m\ntime_based\n", "job.fio:3:1: time_based: needs a runtime",
       FIO_ERROR_PARSE},
      {"[j]\nrw=read\n", "job.fio:1:1: job 'j': a file needs a size",
       FIO_ERROR_PARSE},
      {"bs=4k\n[j]\n",
       "job.fio:1:1: option before the first section (start with [global] "
       "or [jobname])",
       FIO_ERROR_PARSE},
      {"[j\n", "job.fio:1:1: a section header is '[name]' alone on its line",
       FIO_ERROR_PARSE},
      {"[global]\nbs=4k\n", "job.fio:1:1: no job section (only [global])",
       FIO_ERROR_PARSE},
      {"[j]\nsize=1m\nbs=${CFQSIM_TEST_UNSET}\n",
       "job.fio:3:4: environment variable 'CFQSIM_TEST_UNSET' is not set",
       FIO_ERROR_PARSE},
      {"include other.fio\n[j]\nsize=1m\n",
       "job.fio:1:1: include outside of a section (fio reads it as an "
       "option of the section it is in)",
       FIO_ERROR_PARSE},
      {"[j]\nsize=1m\nprio=9\n", "job.fio:3:6: prio: 9 is out of range 0 to 7",
       FIO_ERROR_PARSE},
      {"[j]\nsize=2p\n",
       "job.fio:1:1: job 'j': offset + offset_increment x (numjobs - 1) + "
       "size is beyond 1 PiB",
       FIO_ERROR_PARSE},
      {"[j]\nsize=1m\nnumjobs=1000000\noffset_increment=16383p\n",
       "job.fio:1:1: job 'j': offset + offset_increment x (numjobs - 1) + "
       "size is beyond 1 PiB",
       FIO_ERROR_PARSE},
  };
  g_unsetenv("CFQSIM_TEST_UNSET");
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    GError *err = NULL;
    workload *w =
        fio_parse("job.fio", cases[i].text, strlen(cases[i].text), NULL, &err);
    g_assert_null(w);
    g_assert_error(err, FIO_ERROR, cases[i].code);
    g_assert_cmpstr(err->message, ==, cases[i].msg);
    g_error_free(err);
  }
  /* The YAML loader's checks, at the job file's position of the value. */
  const char *text = "[j]\nsize=1m\n\nbs=3\n";
  GError *err = NULL;
  g_assert_null(fio_parse("job.fio", text, strlen(text), NULL, &err));
  g_assert_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_INVALID);
  g_assert_cmpstr(err->message, ==,
                  "job.fio:4:4: bs: 3 B is out of range (512 B to 64 MiB)");
  g_error_free(err);
}

/* The rest of fio's job options: each into its workload key, with fio's
 * meaning (docs/fio.md). */
static void test_shapes(void) {
  workload *w = parse_ok("[global]\n"
                         "size=64m\n"
                         "direct=1\n"
                         "[a]\n"
                         "rw=randread:8\n"
                         "bsrange=4k-16k\n"
                         "rate=1m\n"
                         "rate_process=poisson\n"
                         "ramp_time=2\n"
                         "runtime=3\n"
                         "random_distribution=pareto:0.3:0.5\n"
                         "percentage_random=40\n"
                         "randseed=42\n"
                         "thinktime=10\n"
                         "thinktime_blocks=4\n"
                         "[b]\n"
                         "stonewall\n"
                         "rw=read:-8k ; backwards\n"
                         "bs=64k\n"
                         "bssplit=4k/50:8k/\n"
                         "rate_iops=50\n"
                         "loops=3\n"
                         "filesize=8m\n"
                         "blockalign=16k\n"
                         "new_group\n"
                         "[c]\n"
                         "wait_for=a\n"
                         "filesize=4m\n"
                         "nrfiles=1\n"
                         "threads=1\n"
                         "thread\n"
                         "bs=8k\n"
                         "bsrange=4k-4k\n");
  wl_process *a = proc(w, 0), *b = proc(w, 1), *c = proc(w, 2);
  g_assert_cmpint(a->rw, ==, RW_RANDREAD);
  g_assert_cmpint(a->random_every, ==, 8);
  g_assert_cmpint(a->bs, ==, 4096);
  g_assert_cmpint(a->bs_max, ==, 16384);
  g_assert_cmpfloat(a->rate, ==, 1048576); /* fio's units: bytes/s */
  g_assert_true(a->rate_poisson);
  g_assert_cmpint(a->ramp, ==, G_GINT64_CONSTANT(2000000000));
  /* fio's runtime comes after the ramp */
  g_assert_cmpint(a->runtime, ==, G_GINT64_CONSTANT(5000000000));
  g_assert_cmpint(a->dist, ==, 2 /* pareto */);
  g_assert_cmpfloat(a->dist_arg, ==, 0.3);
  g_assert_cmpfloat(a->dist_center, ==, 0.5);
  g_assert_cmpint(a->percentage_random, ==, 40);
  /* fio's per-direction list: a reader takes the first, a writer the
   * second (the last given repeats), as fio-btrace2fio writes them */
  workload *d = parse_ok("[r]\nsize=1m\nrw=randread\npercentage_random=86,0,0\n"
                         "[w]\nsize=1m\nrw=randwrite\npercentage_random=5,30\n"
                         "[m]\nsize=1m\nrw=randrw\npercentage_random=7,7,1\n");
  g_assert_cmpint(proc(d, 0)->percentage_random, ==, 86);
  g_assert_cmpint(proc(d, 1)->percentage_random, ==, 30);
  g_assert_cmpint(proc(d, 2)->percentage_random, ==, 7);
  workload_free(d);
  g_assert_true(a->has_seed);
  g_assert_cmpuint(a->seed, ==, 42);
  g_assert_cmpint(a->think, ==, 10000);
  g_assert_cmpint(a->think_blocks, ==, 4);
  g_assert_null(a->wait_for);
  /* stonewall: every job before it */
  g_assert_nonnull(b->wait_for);
  g_assert_cmpuint(b->wait_for->len, ==, 1);
  g_assert_cmpuint(g_array_index(b->wait_for, guint, 0), ==, 0);
  g_assert_cmpint(b->rw, ==, RW_READ);
  g_assert_cmpint(b->skip, ==, -8192);
  /* bssplit wins over bs, as in fio; 8k/ takes the rest */
  g_assert_cmpint(b->bs_split_n, ==, 2);
  g_assert_cmpuint(b->bs_split[0].sectors, ==, 8);
  g_assert_cmpuint(b->bs_split[0].percent, ==, 50);
  g_assert_cmpuint(b->bs_split[1].sectors, ==, 16);
  g_assert_cmpuint(b->bs_split[1].percent, ==, 50);
  g_assert_cmpint(b->rate_iops, ==, 50);
  g_assert_cmpint(b->blockalign, ==, 16384);
  /* filesize is the file; size what the job moves, loops times */
  g_assert_cmpint(b->size, ==, 8 << 20);
  g_assert_cmpint(b->io_size, ==, G_GINT64_CONSTANT(3) * (64 << 20));
  g_assert_cmpuint(c->wait_for->len, ==, 1);
  g_assert_cmpuint(g_array_index(c->wait_for, guint, 0), ==, 0);
  g_assert_cmpint(c->size, ==, 4 << 20);
  g_assert_cmpint(c->io_size, ==, 64 << 20);
  /* the later of bs and bsrange */
  g_assert_cmpint(c->bs, ==, 4096);
  g_assert_cmpint(c->bs_max, ==, 4096);
  /* fio's threads share no io_context: each its own */
  g_assert_cmpstr(c->ioc, ==, "c");
  workload_free(w);
  /* A stonewall holds back its job and the ones after it (fio starts
   * jobs in order and stops at a stonewall while any job runs). */
  w = parse_ok("[global]\nsize=1m\n[a]\n[b]\nstonewall\n[c]\n"
               "[d]\nwait_for=c\n[e]\nstonewall\n");
  static const char *const waits[] = {"", "0", "0", "0 2", "0 1 2 3"};
  for (guint i = 0; i < 5; i++) {
    GString *got = g_string_new(NULL);
    for (guint k = 0; proc(w, i)->wait_for && k < proc(w, i)->wait_for->len;
         k++)
      g_string_append_printf(got, "%s%u", k ? " " : "",
                             g_array_index(proc(w, i)->wait_for, guint, k));
    g_assert_cmpstr(got->str, ==, waits[i]);
    g_string_free(got, TRUE);
  }
  workload_free(w);
  /* nrfiles: fio's own files, size split between them, one after the
   * other MiB apart; a buffered job's several files are refused */
  w = parse_ok("[a]\nsize=3m\nnrfiles=4\ndirect=1\n[b]\nsize=1m\n");
  g_assert_cmpint(proc(w, 0)->nrfiles, ==, 4);
  g_assert_cmpint(proc(w, 0)->size, ==, 3 << 18);
  g_assert_cmpint(proc(w, 0)->io_size, ==, 3 << 20);
  g_assert_cmpint(proc(w, 1)->offset, ==, 4 << 20);
  workload_free(w);
  GError *err = NULL;
  const char *buffered = "[a]\nsize=1m\nnrfiles=2\n";
  g_assert_null(fio_parse("job.fio", buffered, strlen(buffered), NULL, &err));
  g_assert_cmpstr(err->message, ==,
                  "job.fio:3:9: process 'a': several files (nrfiles) of a "
                  "buffered job are not simulated; give direct: 1");
  g_clear_error(&err);
  /* filesize without size: the job moves its file once */
  w = parse_ok("[j]\nfilesize=2m\n");
  g_assert_cmpint(proc(w, 0)->size, ==, 2 << 20);
  g_assert_cmpint(proc(w, 0)->io_size, ==, 2 << 20);
  workload_free(w);
}

static GPtrArray *fio_processes(const char *fio, const char *path);
static guint fio_parse_agrees(const char *fio, const char *path);

/* include FILE: read relative to the including file, its lines part of
 * the section it is in (as fio 3.33 reads them); errors in it at its own
 * positions. */
static void test_include(void) {
  g_autofree char *dir = scratch_dir("fio-include");
  g_autofree char *sub = g_build_filename(dir, "sub", NULL);
  g_assert_cmpint(g_mkdir(sub, 0755), ==, 0);
  g_autofree char *main_fio = g_build_filename(dir, "main.fio", NULL);
  g_autofree char *common = g_build_filename(sub, "common.fio", NULL);
  g_autofree char *more = g_build_filename(sub, "more.fio", NULL);
  g_autofree char *bad = g_build_filename(sub, "bad.fio", NULL);
  g_assert_true(
      g_file_set_contents(main_fio,
                          "[global]\ninclude sub/common.fio\nbs=16k\n[a]\n[b]\n"
                          "include sub/more.fio\n[c]\nsize=2m\n",
                          -1, NULL));
  /* bs=8k comes before main's bs=16k: the later one wins */
  g_assert_true(g_file_set_contents(common, "size=1m\nbs=8k\n", -1, NULL));
  g_assert_true(g_file_set_contents(more, "rw=write\n", -1, NULL));
  g_assert_true(g_file_set_contents(bad, "\n  bss=4k\n", -1, NULL));
  GError *err = NULL;
  workload *w = fio_load(main_fio, NULL, &err);
  g_assert_no_error(err);
  g_assert_cmpuint(w->processes->len, ==, 3);
  g_assert_cmpint(proc(w, 0)->bs, ==, 16384);
  g_assert_cmpint(proc(w, 0)->size, ==, 1 << 20);
  g_assert_cmpint(proc(w, 1)->rw, ==, RW_WRITE);
  g_assert_cmpint(proc(w, 2)->rw, ==, RW_READ);
  g_assert_cmpint(proc(w, 2)->size, ==, 2 << 20);
  workload_free(w);
  g_autofree char *fio = g_find_program_in_path("fio");
  if (fio) { /* fio reads the same values */
    GPtrArray *want = fio_processes(fio, main_fio);
    g_assert_cmpuint(want->len, ==, 3);
    g_ptr_array_unref(want);
    fio_parse_agrees(fio, main_fio);
  }
  g_assert_true(g_file_set_contents(
      main_fio, "[a]\nsize=1m\ninclude sub/bad.fio\n", -1, NULL));
  g_assert_null(fio_load(main_fio, NULL, &err));
  g_autofree char *want =
      g_strdup_printf("%s:2:3: unknown option 'bss' (did you mean 'bs'?)", bad);
  g_assert_cmpstr(err->message, ==, want);
  g_clear_error(&err);
  g_assert_true(g_file_set_contents(bad, "[x]\n", -1, NULL));
  g_assert_null(fio_load(main_fio, NULL, &err));
  g_free(want);
  want = g_strdup_printf("%s:1:1: no new sections in an included file "
                         "(fio's rule)",
                         bad);
  g_assert_cmpstr(err->message, ==, want);
  g_clear_error(&err);
  /* a device would be read forever */
  g_assert_true(g_file_set_contents(bad, "include /dev/zero\n", -1, NULL));
  g_assert_null(fio_load(main_fio, NULL, &err));
  g_assert_nonnull(strstr(err->message, "'/dev/zero' is not a regular file"));
  g_clear_error(&err);
  /* it includes itself (relative to its own directory) */
  g_assert_true(g_file_set_contents(bad, "include bad.fio\n", -1, NULL));
  g_assert_null(fio_load(main_fio, NULL, &err));
  g_assert_nonnull(strstr(err->message, "an include loop?"));
  g_clear_error(&err);
  rm_rf(dir);
}

/* --set still chooses the disk and the scheduler. */
static void test_set(void) {
  const char *text = "[j]\nfilename=/dev/sdc\nsize=1m\n";
  char *sets[] = {"devices.sdc.scheduler.name=deadline",
                  "devices.sdc.model=ssd", NULL};
  GError *err = NULL;
  workload *w = fio_parse("job.fio", text, strlen(text), sets, &err);
  g_assert_no_error(err);
  const wl_device *d = g_ptr_array_index(w->devices, 0);
  g_assert_cmpstr(d->name, ==, "sdc");
  g_assert_cmpstr(d->disk->name, ==, "ssd");
  workload_free(w);
}

/* A companion (YAML: fio + set) chooses the disk and the scheduler of a
 * job file's devices; the command line's --set comes after it. */
static void test_companion(void) {
  g_autofree char *dir = scratch_dir("fio-companion");
  g_autofree char *job = g_build_filename(dir, "job.fio", NULL);
  g_autofree char *comp = g_build_filename(dir, "ssd.yaml", NULL);
  g_assert_true(g_file_set_contents(
      job, "[a]\nfilename=/dev/sdb\nsize=1m\ndirect=1\n", -1, NULL));
  g_assert_true(g_file_set_contents(comp,
                                    "# the job file on an ssd under deadline\n"
                                    "fio: job.fio\n"
                                    "set:\n"
                                    "  devices.sdb.model: ssd\n"
                                    "  devices.sdb.scheduler.name: deadline\n"
                                    "  duration: 1s\n",
                                    -1, NULL));
  GError *err = NULL;
  workload *w = fio_load_any(comp, NULL, &err);
  g_assert_no_error(err);
  const wl_device *d = g_ptr_array_index(w->devices, 0);
  g_assert_cmpstr(d->name, ==, "sdb");
  g_assert_cmpstr(d->disk->name, ==, "ssd");
  g_assert_cmpstr(d->elevator->elevator_name, ==, "deadline");
  g_assert_cmpint(w->duration, ==, 1000000000);
  g_assert_cmpstr(w->name, ==, "job");
  workload_free(w);
  char *sets[] = {"devices.sdb.scheduler.name=noop", NULL};
  w = fio_load_any(comp, sets, &err);
  g_assert_no_error(err);
  d = g_ptr_array_index(w->devices, 0);
  g_assert_cmpstr(d->elevator->elevator_name, ==, "noop");
  workload_free(w);
  g_assert_true(
      g_file_set_contents(comp, "fio: job.fio\nsett: {}\n", -1, NULL));
  g_assert_null(fio_load_any(comp, NULL, &err));
  g_autofree char *want = g_strdup_printf(
      "%s:2:1: unknown key 'sett' (a companion of a job file has fio and set)",
      comp);
  g_assert_cmpstr(err->message, ==, want);
  g_clear_error(&err);
  rm_rf(dir);
}

/* The command line: a job file runs; a bad one exits 2 with the message. */
static void test_cli(void) {
  g_autofree char *dir = scratch_dir("fio-cli");
  g_autofree char *good = g_build_filename(dir, "ok.fio", NULL);
  g_autofree char *bad = g_build_filename(dir, "bad.job", NULL);
  g_autofree char *out = g_build_filename(dir, "out", NULL);
  g_assert_true(
      g_file_set_contents(good, "[r]\nsize=1m\nbs=64k\ndirect=1\n", -1, NULL));
  g_assert_true(
      g_file_set_contents(bad, "# not .fio, but INI\n[r]\nbsz=4k\n", -1, NULL));
  char *argv[] = {CFQSIM_BINARY, "run", "-q", "-o", out, good, NULL};
  int status;
  g_autofree char *err_text = NULL;
  g_assert_true(g_spawn_sync(NULL, argv, NULL, 0, NULL, NULL, NULL, &err_text,
                             &status, NULL));
  g_assert_cmpstr(err_text, ==, "");
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  g_autofree char *csv = slurp(out, "processes.csv");
  g_assert_nonnull(strstr(csv, "\nr,r,root,"));
  argv[5] = bad;
  g_free(err_text);
  err_text = NULL;
  g_assert_true(g_spawn_sync(NULL, argv, NULL, 0, NULL, NULL, NULL, &err_text,
                             &status, NULL));
  g_assert_true(WIFEXITED(status));
  g_assert_cmpint(WEXITSTATUS(status), ==, 2);
  g_autofree char *want = g_strdup_printf(
      "%s:3:1: unknown option 'bsz' (did you mean 'bs'?)\n", bad);
  g_assert_cmpstr(err_text, ==, want);
  rm_rf(dir);
}

/* The value fio's `--debug=parse` prints as `out=` for an option (sizes
 * in bytes, runtime and startdelay in us, thinktime as written in us,
 * flags 1), from cfqsim's reading of the same text. */
static gboolean cfqsim_out(const char *name, const char *ptr, guint64 *out) {
  static const char *const sizes[] = {"bs",
                                      "size",
                                      "offset",
                                      "offset_increment",
                                      "io_size",
                                      "numjobs",
                                      "iodepth",
                                      "rwmixread",
                                      "rwmixwrite",
                                      "prio",
                                      "prioclass",
                                      "number_ios",
                                      "fsync",
                                      "fdatasync",
                                      "direct",
                                      "buffered",
                                      "end_fsync",
                                      "invalidate",
                                      "rate",
                                      "rate_iops",
                                      "loops",
                                      "randseed",
                                      "filesize",
                                      "nrfiles",
                                      "percentage_random",
                                      "thinktime_blocks",
                                      "randrepeat",
                                      "ba",
                                      "threads",
                                      NULL};
  gint64 ns;
  if (strcmp(ptr, "(null)") == 0) { /* a flag */
    *out = 1;
    return TRUE;
  }
  if (g_strv_contains(sizes, name))
    return fio_parse_size(ptr, out);
  if (strcmp(name, "runtime") == 0 || strcmp(name, "startdelay") == 0 ||
      strcmp(name, "ramp_time") == 0 || strcmp(name, "timeout") == 0) {
    if (!fio_parse_time(ptr, 1000000000, &ns))
      return FALSE;
    *out = (guint64)ns / 1000;
    return TRUE;
  }
  if (strcmp(name, "thinktime") == 0) {
    if (!fio_parse_time(ptr, 1000, &ns))
      return FALSE;
    *out = (guint64)ns / 1000;
    return TRUE;
  }
  return FALSE;
}

/* The processes fio runs for a job file, as `fio --showcmd` lists its jobs
 * and their numjobs: NAME, or NAME.0 .. NAME.n-1 as cfqsim names clones.
 * NULL if fio refuses the file. */
static GPtrArray *fio_processes(const char *fio, const char *path) {
  char *show_argv[] = {(char *)fio, "--showcmd", (char *)path, NULL};
  g_autofree char *cmd = NULL;
  int status;
  g_assert_true(g_spawn_sync(NULL, show_argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                             NULL, NULL, &cmd, NULL, &status, NULL));
  if (!g_spawn_check_wait_status(status, NULL))
    return NULL;
  char **tokens = g_strsplit_set(g_strstrip(cmd), " ", -1);
  GPtrArray *want = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *job = NULL;
  guint64 numjobs = 1, global_numjobs = 1;
  for (char **t = tokens;; t++) {
    gboolean end = !*t || g_str_has_prefix(*t, "--name=");
    if (end && job) {
      for (guint64 k = 0; k < numjobs; k++)
        g_ptr_array_add(want,
                        numjobs == 1
                            ? g_strdup(job)
                            : g_strdup_printf("%s.%" G_GUINT64_FORMAT, job, k));
      g_clear_pointer(&job, g_free);
    }
    if (!*t)
      break;
    if (g_str_has_prefix(*t, "--name=")) {
      job = g_strdup(*t + strlen("--name="));
      numjobs = global_numjobs;
    } else if (g_str_has_prefix(*t, "--numjobs=")) {
      g_assert_true(fio_parse_size(*t + strlen("--numjobs="), &numjobs));
      if (!job)
        global_numjobs = numjobs;
    }
  }
  g_strfreev(tokens);
  return want;
}

/* Every option value fio reads in `path` (`--parse-only --debug=parse`)
 * is the value cfqsim reads; the number of values compared. */
static guint fio_parse_agrees(const char *fio, const char *path) {
  char *parse_argv[] = {(char *)fio, "--parse-only", "--debug=parse",
                        (char *)path, NULL};
  g_autofree char *log = NULL;
  g_autofree char *log_err = NULL;
  int status;
  g_assert_true(g_spawn_sync(NULL, parse_argv, NULL, 0, NULL, NULL, &log,
                             &log_err, &status, NULL));
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  g_autofree char *all = g_strconcat(log, log_err, NULL);
  char **lines = g_strsplit(all, "\n", -1);
  g_autofree char *name = NULL;
  g_autofree char *ptr = NULL;
  guint compared = 0;
  for (char **l = lines; *l; l++) {
    const char *h = strstr(*l, " handle_option=");
    const char *o = strstr(*l, "ret=0, out=");
    if (h) {
      h += strlen(" handle_option=");
      const char *comma = strstr(h, ", ptr=");
      g_assert_nonnull(comma);
      g_free(name);
      g_free(ptr);
      name = g_strndup(h, comma - h);
      ptr = g_strdup(comma + strlen(", ptr="));
    } else if (o && name) {
      guint64 want = g_ascii_strtoull(o + strlen("ret=0, out="), NULL, 10);
      guint64 got = 0;
      if (!cfqsim_out(name, ptr, &got))
        g_error("no comparison for %s=%s", name, ptr);
      if (got != want)
        g_error("%s=%s: fio reads %" G_GUINT64_FORMAT
                ", cfqsim %" G_GUINT64_FORMAT,
                name, ptr, want, got);
      compared++;
      g_clear_pointer(&name, g_free);
    }
  }
  g_strfreev(lines);
  return compared;
}

/* fio 3.33 itself on a job file that uses only simulated options: each
 * option value it parses (`--parse-only --debug=parse`) is the value
 * cfqsim reads, and the jobs and clones `--showcmd` lists are cfqsim's
 * processes. */
static void test_fio_agrees(void) {
  g_autofree char *fio = g_find_program_in_path("fio");
  if (!fio) {
    g_test_skip("fio is not installed (scripts/install-deps.sh installs it)");
    return;
  }
  g_autofree char *dir = scratch_dir("fio-agrees");
  g_autofree char *data = g_build_filename(dir, "data", NULL);
  g_autofree char *path = g_build_filename(dir, "agree.fio", NULL);
  g_setenv("CFQSIM_TEST_BS", "64k", TRUE);
  g_autofree char *text = g_strdup_printf("; simulated options only\n"
                                          "[global]\n"
                                          "bs=4k\n"
                                          "size=3m\n"
                                          "runtime=2m\n"
                                          "startdelay=250ms\n"
                                          "thinktime=5\n"
                                          "filename=%s\n"
                                          "ioengine=libaio\n"
                                          "direct=1\n"
                                          "\n"
                                          "[a]\n"
                                          "rw=randrw\n"
                                          "rwmixread=70\n"
                                          "numjobs=3\n"
                                          "iodepth=4\n"
                                          "offset_increment=1024KiB\n"
                                          "number_ios=100\n"
                                          "thinktime_blocks=2\n"
                                          "percentage_random=60\n"
                                          "randseed=7\n"
                                          "loops=2\n"
                                          "randrepeat=0\n"
                                          "# flags and the environment\n"
                                          "[b]\n"
                                          "bs=${CFQSIM_TEST_BS}\n"
                                          "time_based\n"
                                          "prio=3\n"
                                          "prioclass=2\n"
                                          "io_size=1g\n"
                                          "ramp_time=500ms\n"
                                          "rate=2m\n"
                                          "rate_process=poisson\n"
                                          "random_distribution=zipf:0.8\n"
                                          "rw=randread:4\n"
                                          "threads=2\n"
                                          "[c]\n"
                                          "numjobs=2\n"
                                          "readwrite=write\n"
                                          "offset=0x100000\n"
                                          "size=8MiB\n"
                                          "filesize=16m\n"
                                          "fsync=4\n"
                                          "stonewall\n"
                                          "bsrange=4k-64k\n"
                                          "[d]\n"
                                          "wait_for=b\n"
                                          "rate_iops=20\n"
                                          "timeout=1m\n"
                                          "rw=write:64k\n",
                                          data);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));

  guint compared = fio_parse_agrees(fio, path);
  g_assert_false(g_file_test(data, G_FILE_TEST_EXISTS));
  g_assert_cmpuint(compared, >=, 20);

  /* The jobs and their clones. */
  GPtrArray *want = fio_processes(fio, path);
  g_assert_nonnull(want);
  /* a.0-a.2, b, c.0-c.1, d */
  g_assert_cmpuint(want->len, ==, 7);

  GError *err = NULL;
  workload *w = fio_load(path, NULL, &err);
  g_assert_no_error(err);
  g_assert_cmpuint(w->processes->len, ==, want->len);
  for (guint i = 0; i < want->len; i++)
    g_assert_cmpstr(proc(w, i)->name, ==, g_ptr_array_index(want, i));
  g_ptr_array_unref(want);
  workload_free(w);
  rm_rf(dir);
}

/* Debian's fio-examples: each job file cfqsim runs has the jobs and clones
 * fio's --showcmd lists; each it refuses is refused at a line of the file
 * that sets the option (or value) the message names. */
static void test_fio_examples(void) {
  const char *dir = "/usr/share/doc/fio/examples";
  g_autofree char *fio = g_find_program_in_path("fio");
  if (!fio || !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
    g_test_skip("fio or fio-examples is not installed "
                "(scripts/install-deps.sh installs them)");
    return;
  }
  GDir *d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
  const char *n;
  while ((n = g_dir_read_name(d)))
    if (g_str_has_suffix(n, ".fio"))
      g_ptr_array_add(files, g_build_filename(dir, n, NULL));
  g_dir_close(d);
  g_ptr_array_sort(files, by_name);
  guint ran = 0, refused = 0;
  g_autoptr(GPtrArray) running = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *tmp = scratch_dir("fio-examples");
  GRegex *named = g_regex_new("^option '([^']+)'|^([a-z_]+): ", 0, 0, NULL);
  for (guint i = 0; i < files->len; i++) {
    const char *path = files->pdata[i];
    g_autofree char *text = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(path, &text, &len, NULL));
    GError *err = NULL;
    workload *w = fio_parse(path, text, len, NULL, &err);
    if (w) {
      /* --showcmd prints a [global]'s name= as --name=, like a job's
       * start; fio names jobs after their sections (the jobname of its
       * JSON), so fio reads a copy without it. */
      g_autofree char *copy = g_build_filename(tmp, "example.fio", NULL);
      GRegex *global_name =
          g_regex_new("(\\[global\\][^[]*?)\\nname=[^\\n]*", 0, 0, NULL);
      g_autofree char *stripped =
          g_regex_replace(global_name, text, len, 0, "\\1", 0, NULL);
      g_regex_unref(global_name);
      g_assert_true(g_file_set_contents(copy, stripped, -1, NULL));
      GPtrArray *want = fio_processes(fio, copy);
      g_assert_nonnull(want);
      g_assert_cmpuint(w->processes->len, ==, want->len);
      for (guint p = 0; p < want->len; p++)
        g_assert_cmpstr(proc(w, p)->name, ==, want->pdata[p]);
      g_ptr_array_unref(want);
      /* and every value fio reads in it is cfqsim's */
      fio_parse_agrees(fio, copy);
      workload_free(w);
      g_autofree char *base = g_path_get_basename(path);
      g_ptr_array_add(running, g_strndup(base, strlen(base) - 4));
      ran++;
      continue;
    }
    refused++;
    /* "PATH:LINE:COL: message" */
    g_assert_true(g_str_has_prefix(err->message, path));
    const char *pos = err->message + strlen(path) + 1;
    char *end;
    guint64 line = g_ascii_strtoull(pos, &end, 10);
    g_assert_cmpint(*end, ==, ':');
    const char *msg = strstr(end + 1, ": ");
    g_assert_nonnull(msg);
    msg += 2;
    char **lines = g_strsplit(text, "\n", -1);
    g_assert_cmpuint(line, >=, 1);
    g_assert_cmpuint(line, <=, g_strv_length(lines));
    g_autofree char *at = g_ascii_strdown(g_strstrip(lines[line - 1]), -1);
    GMatchInfo *mi = NULL;
    if (g_regex_match(named, msg, 0, &mi)) {
      g_autofree char *opt = g_match_info_fetch(mi, 1);
      if (!*opt) {
        g_free(opt);
        opt = g_match_info_fetch(mi, 2);
      }
      if (!g_str_has_prefix(at, opt) && strcmp(opt, "job") != 0)
        g_error("%s: the message names '%s', line %" G_GUINT64_FORMAT
                " is '%s'",
                err->message, opt, line, at);
    }
    g_match_info_free(mi);
    g_strfreev(lines);
    g_error_free(err);
  }
  g_regex_unref(named);
  g_test_message("%u example job files run, %u refused", ran, refused);
  /* Those whose options are all simulated (fio-examples of fio 3.33);
   * every other one names an option it cannot simulate. */
  static const char *const expected[] = {"aio-read",
                                         "backwards-read",
                                         "fio-rand-RW",
                                         "fio-rand-read",
                                         "fio-rand-write",
                                         "fio-seq-RW",
                                         "fio-seq-read",
                                         "fio-seq-write",
                                         "fsx",
                                         "iometer-file-access-server",
                                         "jesd219",
                                         "rand-zones",
                                         "ssd-steadystate",
                                         "ssd-test",
                                         "tiobench-example",
                                         "waitfor",
                                         NULL};
  g_ptr_array_add(running, NULL);
  g_autofree char *got = g_strjoinv(" ", (char **)running->pdata);
  g_autofree char *want = g_strjoinv(" ", (char **)expected);
  g_assert_cmpstr(got, ==, want);
  g_assert_cmpuint(ran + refused, ==, files->len);
  g_ptr_array_unref(files);
  rm_rf(tmp);
}

/* A sweep's base may be a job file: its points vary the translated keys. */
static void test_sweep_base(void) {
  g_autofree char *dir = scratch_dir("fio-sweep");
  g_autofree char *job = g_build_filename(dir, "job.fio", NULL);
  g_autofree char *sweep = g_build_filename(dir, "s.yaml", NULL);
  g_autofree char *out = g_build_filename(dir, "out", NULL);
  g_assert_true(g_file_set_contents(job,
                                    "[r]\nsize=64m\nbs=64k\ndirect=1\n"
                                    "runtime=100ms\ntime_based\nnumjobs=2\n",
                                    -1, NULL));
  g_assert_true(
      g_file_set_contents(sweep,
                          "base: job.fio\ngrid:\n  processes.r.bs: [4k, 64k]\n"
                          "metrics: [jain]\n",
                          -1, NULL));
  char *argv[] = {CFQSIM_BINARY, "sweep", "--jobs=1", "-o", out, sweep, NULL};
  int status;
  g_autofree char *err_text = NULL;
  g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                             NULL, NULL, &err_text, &status, NULL));
  g_assert_cmpstr(err_text, ==, "");
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  g_autofree char *csv = slurp(out, "results.csv");
  g_assert_true(g_str_has_prefix(csv, "point,processes.r.bs,seed,jain\n"
                                      "0,4k,1,"));
  g_assert_nonnull(strstr(csv, "\n1,64k,1,"));
  rm_rf(dir);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/fio/global-and-jobs", test_global_and_jobs);
  g_test_add_func("/fio/files-and-devices", test_files_and_devices);
  g_test_add_func("/fio/later-global", test_later_global);
  g_test_add_func("/fio/cgroups", test_cgroups);
  g_test_add_func("/fio/directory", test_directory);
  g_test_add_func("/fio/ioscheduler", test_ioscheduler);
  g_test_add_func("/fio/units", test_units);
  g_test_add_func("/fio/syntax", test_syntax);
  g_test_add_func("/fio/errors", test_errors);
  g_test_add_func("/fio/shapes", test_shapes);
  g_test_add_func("/fio/include", test_include);
  g_test_add_func("/fio/companion", test_companion);
  g_test_add_func("/fio/set", test_set);
  g_test_add_func("/fio/cli", test_cli);
  g_test_add_func("/fio/sweep-base", test_sweep_base);
  g_test_add_func("/fio/fio-agrees", test_fio_agrees);
  g_test_add_func("/fio/fio-examples", test_fio_examples);
  return g_test_run();
}
