/* The workload parser: typed values and defaults, numjobs, --set, and the exact
 * message and position of each kind of mistake a user makes. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "models/ioc.h"
#include "sim/core/params.h"
#include "sim/workload.h"

static char *tmpdir;

/* Write `yaml` to tmpdir/<file> and return the path. */
static char *write_yaml(const char *file, const char *yaml) {
  char *path = g_build_filename(tmpdir, file, NULL);
  g_assert_true(g_file_set_contents(path, yaml, -1, NULL));
  return path;
}

static workload *load_ok(const char *file, const char *yaml, char **sets) {
  g_autofree char *path = write_yaml(file, yaml);
  GError *err = NULL;
  workload *w = workload_load(path, sets, &err);
  g_assert_no_error(err);
  g_assert_nonnull(w);
  return w;
}

static wl_process *proc(workload *w, guint i) {
  g_assert_cmpuint(i, <, w->processes->len);
  return g_ptr_array_index(w->processes, i);
}

static wl_device *dev(workload *w, guint i) {
  g_assert_cmpuint(i, <, w->devices->len);
  return g_ptr_array_index(w->devices, i);
}

/* An int64 tunable of the device's elevator, found through its table. */
static int64_t elv_param(wl_device *d, const char *name) {
  const param_desc *p = params_find(d->elevator->params, name);
  g_assert_nonnull(p);
  g_assert_true(p->kind == PARAM_TIME || p->kind == PARAM_INT);
  int64_t v;
  memcpy(&v, (char *)d->elevator_cfg + p->offset, sizeof v);
  return v;
}

static void test_defaults(void) {
  workload *w =
      load_ok("mini.yaml", "processes: [{name: A, count: 1}]\n", NULL);
  g_assert_cmpstr(w->name, ==, "mini");
  g_assert_cmpuint(w->seed, ==, 1);
  g_assert_cmpint(w->duration, ==, 0);
  g_assert_cmpint(w->kernel.hz, ==, 1000);
  g_assert_cmpint(w->kernel.nr_requests, ==, 128);
  g_assert_cmpint(w->kernel.cic_link, ==, CIC_LINK_FIXED);
  g_assert_true(w->kernel.group_iosched);
  g_assert_cmpuint(w->devices->len, ==, 1);
  g_assert_cmpstr(dev(w, 0)->name, ==, "sda");
  g_assert_true(dev(w, 0)->disk == disk_ops_find("hdd"));
  g_assert_true(dev(w, 0)->elevator == elevator_find("cfq"));
  g_assert_nonnull(dev(w, 0)->disk_cfg);
  g_assert_nonnull(dev(w, 0)->elevator_cfg);
  g_assert_cmpint(dev(w, 0)->max_sectors_kb, ==, 512);
  g_assert_cmpint(dev(w, 0)->depth, ==, 0);
  g_assert_cmpint(dev(w, 0)->nomerges, ==, 0);
  wl_process *a = proc(w, 0);
  g_assert_cmpstr(a->name, ==, "A");
  g_assert_cmpstr(a->ioc, ==, "A");
  g_assert_cmpint(a->rw, ==, RW_READ);
  g_assert_cmpint(a->bs, ==, 4096);
  g_assert_cmpint(a->iodepth, ==, 1);
  g_assert_cmpint(a->rwmixread, ==, 50);
  g_assert_cmpint(a->device, ==, 0);
  g_assert_cmpint(a->cgroup, ==, -1);
  g_assert_cmpint(a->ioprio_class, ==, IOPRIO_CLASS_NONE);
  g_assert_cmpint(a->ioprio_level, ==, 4); /* nice 0 */
  g_assert_false(a->sync);
  g_assert_cmpint(w->policy, ==, INTERLEAVE_FIFO);
  g_assert_cmpuint(w->schedule->len, ==, 0);
  g_assert_cmpint(w->window, ==, 100000000);
  workload_free(w);
}

static const char full_yaml[] =
    "name: demo\n"
    "seed: 42\n"
    "duration: 2s\n"
    "kernel: {cic_link: buggy, hz: 250, nr_requests: 64}\n"
    "devices:\n"
    "  - name: sda\n"
    "    model: hdd\n"
    "    scheduler: {name: cfq, slice_idle: 0}\n"
    "  - name: sdb\n"
    "    model: ssd\n"
    "    scheduler: deadline\n"
    "    depth: 4\n"
    "    nomerges: 2\n"
    "cgroups: [{name: grpA, weight: 200}, {name: grpB}]\n"
    "io_contexts: [shared]\n"
    "processes:\n"
    "  - {name: A, ioc: shared, rw: read, bs: 4k, count: 1}\n"
    "  - {name: B, ioc: shared, device: sdb, rw: randwrite, bs: 8k,\n"
    "     ioprio: be/2, cgroup: grpA, iodepth: 4, direct: true, think: 5ms}\n"
    "  - {name: W, numjobs: 3, rw: write, share_ioc: true, ioprio: idle,\n"
    "     think: {mean: 1ms, dist: exp}, start: 10ms}\n"
    "  - {name: R, numjobs: 2, rw: randrw, rwmixread: 70, nice: 10,\n"
    "     offset: 1m, size: 1g, io_size: 10m, runtime: 1s}\n"
    "interleaving:\n"
    "  schedule: [A@submit, B, A@link]\n"
    "  labels: [1, 2a, 3]\n"
    "timeseries: {window: 50ms}\n";

static void test_full(void) {
  workload *w = load_ok("full.yaml", full_yaml, NULL);
  g_assert_cmpstr(w->name, ==, "demo");
  g_assert_cmpuint(w->seed, ==, 42);
  g_assert_cmpint(w->duration, ==, 2000000000);
  g_assert_cmpint(w->kernel.cic_link, ==, CIC_LINK_BUGGY);
  g_assert_cmpint(w->kernel.hz, ==, 250);
  g_assert_cmpint(w->kernel.nr_requests, ==, 64);

  g_assert_cmpuint(w->devices->len, ==, 2);
  g_assert_cmpint(elv_param(dev(w, 0), "slice_idle"), ==, 0);
  g_assert_true(dev(w, 1)->disk == disk_ops_find("ssd"));
  g_assert_true(dev(w, 1)->elevator == elevator_find("deadline"));
  g_assert_cmpint(dev(w, 1)->depth, ==, 4);
  g_assert_cmpint(dev(w, 1)->nomerges, ==, 2);

  g_assert_cmpuint(w->cgroups->len, ==, 2);
  g_assert_cmpint(((wl_cgroup *)g_ptr_array_index(w->cgroups, 0))->weight, ==,
                  200);
  g_assert_cmpint(((wl_cgroup *)g_ptr_array_index(w->cgroups, 1))->weight, ==,
                  500);
  g_assert_cmpuint(w->io_contexts->len, ==, 1);

  /* numjobs expanded: A, B, W.0..2, R.0..1 */
  static const char *const names[] = {"A",   "B",   "W.0", "W.1",
                                      "W.2", "R.0", "R.1"};
  static const char *const iocs[] = {"shared", "shared", "W",  "W",
                                     "W",      "R.0",    "R.1"};
  g_assert_cmpuint(w->processes->len, ==, G_N_ELEMENTS(names));
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    g_assert_cmpstr(proc(w, i)->name, ==, names[i]);
    g_assert_cmpstr(proc(w, i)->ioc, ==, iocs[i]);
  }
  wl_process *b = proc(w, 1);
  g_assert_cmpint(b->device, ==, 1);
  g_assert_cmpint(b->cgroup, ==, 0);
  g_assert_cmpint(b->rw, ==, RW_RANDWRITE);
  g_assert_cmpint(b->bs, ==, 8192);
  g_assert_cmpint(b->iodepth, ==, 4);
  g_assert_true(b->sync); /* direct: true */
  g_assert_cmpint(b->think, ==, 5000000);
  g_assert_false(b->think_exp);
  g_assert_cmpint(b->ioprio_class, ==, IOPRIO_CLASS_BE);
  g_assert_cmpint(b->ioprio_level, ==, 2);
  for (guint i = 2; i < 5; i++) {
    wl_process *p = proc(w, i);
    g_assert_cmpint(p->ioprio_class, ==, IOPRIO_CLASS_IDLE);
    g_assert_true(p->think_exp);
    g_assert_cmpint(p->think, ==, 1000000);
    g_assert_cmpint(p->start, ==, 10000000);
    g_assert_cmpint(p->rw, ==, RW_WRITE);
    g_assert_false(p->sync);
  }
  wl_process *r = proc(w, 6);
  g_assert_cmpint(r->rw, ==, RW_RANDRW);
  g_assert_cmpint(r->rwmixread, ==, 70);
  g_assert_cmpint(r->nice, ==, 10);
  g_assert_cmpint(r->ioprio_class, ==, IOPRIO_CLASS_NONE);
  g_assert_cmpint(r->ioprio_level, ==, 6); /* (nice + 20) / 5 */
  g_assert_cmpint(r->offset, ==, 1 << 20);
  g_assert_cmpint(r->size, ==, 1 << 30);
  g_assert_cmpint(r->io_size, ==, 10 << 20);
  g_assert_cmpint(r->runtime, ==, 1000000000);

  g_assert_cmpint(w->policy, ==, INTERLEAVE_SCRIPT);
  g_assert_cmpuint(w->schedule->len, ==, 3);
  sched_entry *e = &g_array_index(w->schedule, sched_entry, 0);
  g_assert_cmpstr(e->process, ==, "A");
  g_assert_cmpstr(e->step, ==, "submit");
  g_assert_cmpstr(e->label, ==, "1");
  g_assert_cmpint(e->line, ==, 25);
  g_assert_cmpint(e->col, ==, 14);
  e = &g_array_index(w->schedule, sched_entry, 1);
  g_assert_cmpstr(e->process, ==, "B");
  g_assert_null(e->step);
  g_assert_cmpstr(e->label, ==, "2a");
  e = &g_array_index(w->schedule, sched_entry, 2);
  g_assert_cmpstr(e->step, ==, "link");
  g_assert_cmpint(w->window, ==, 50000000);
  workload_free(w);
}

static void test_set(void) {
  char *sets[] = {
      "seed=7",
      "kernel.cic_link=buggy",              /* scalar in a map */
      "processes.B.bs=16k",                 /* list item by name */
      "processes.A.nice=5",                 /* adds a key */
      "devices.sda.scheduler.slice_idle=0", /* `scheduler: cfq` becomes a map */
      "timeseries.window=10ms",             /* adds a whole map */
      "interleaving.schedule=[B@submit, A]",
      NULL,
  };
  workload *w = load_ok("set.yaml",
                        "devices:\n"
                        "  - {name: sda, scheduler: cfq}\n"
                        "processes:\n"
                        "  - {name: A, count: 1}\n"
                        "  - {name: B, count: 1}\n",
                        sets);
  g_assert_cmpuint(w->seed, ==, 7);
  g_assert_cmpint(w->kernel.cic_link, ==, CIC_LINK_BUGGY);
  g_assert_cmpint(proc(w, 1)->bs, ==, 16384);
  g_assert_cmpint(proc(w, 0)->bs, ==, 4096);
  g_assert_cmpint(proc(w, 0)->nice, ==, 5);
  g_assert_true(dev(w, 0)->elevator == elevator_find("cfq"));
  g_assert_cmpint(elv_param(dev(w, 0), "slice_idle"), ==, 0);
  g_assert_cmpint(w->window, ==, 10000000);
  g_assert_cmpint(w->policy, ==, INTERLEAVE_SCRIPT);
  g_assert_cmpuint(w->schedule->len, ==, 2);
  g_assert_cmpstr(g_array_index(w->schedule, sched_entry, 0).step, ==,
                  "submit");
  workload_free(w);

  /* Without the --set, slice_idle keeps the elevator's default (non-zero
   * for cfq), so the override above is what changed it. */
  w = load_ok("set.yaml",
              "devices:\n"
              "  - {name: sda, scheduler: cfq}\n"
              "processes: [{name: A, count: 1}]\n",
              NULL);
  g_assert_cmpint(elv_param(dev(w, 0), "slice_idle"), >, 0);
  workload_free(w);
}

typedef struct {
  const char *what;
  const char *yaml;
  const char *set[3];
  int code;
  const char *msg; /* after "<path>:", or whole when it starts with "--set" */
} bad_case;

static const char procs_ab[] = "processes:\n"
                               "  - {name: A, count: 1}\n"
                               "  - {name: B, count: 1}\n";

static const bad_case bad[] = {
    {"unknown top-level key",
     "durration: 5s\nprocesses:\n  - {name: A, count: 1}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "1:1: unknown key 'durration' at the top level (did you mean 'duration'?)"},
    {"unknown scheduler tunable",
     "devices:\n"
     "  - name: sda\n"
     "    scheduler: {name: cfq, slice_idel: 0}\n"
     "processes:\n"
     "  - {name: A, count: 1}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "3:28: unknown key 'slice_idel' in scheduler (did you mean 'slice_idle'?)"},
    {"time without a unit",
     "duration: 5\nprocesses:\n  - {name: A}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "1:11: duration: time '5' has no unit (add a unit, e.g. 8ms)"},
    {"value out of range",
     "cgroups:\n"
     "  - name: g\n"
     "    weight: 5\n"
     "processes:\n"
     "  - {name: A, count: 1}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "3:13: weight: 5 is out of range (10 to 1000)"},
    {"unknown process in schedule",
     NULL,
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "5:17: unknown process 'Bx' in schedule (did you mean 'B'?)"},
    {"bad step name",
     NULL,
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "5:24: unknown step 'lnk' in 'A@lnk' (did you mean 'link'?)"},
    {"duplicate process name",
     "processes:\n"
     "  - {name: A, count: 1}\n"
     "  - {name: A, count: 2}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "3:12: duplicate process name 'A'"},
    {"unknown device reference",
     "devices:\n"
     "  - {name: sda}\n"
     "processes:\n"
     "  - {name: A, count: 1, device: sdb}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "4:33: unknown device 'sdb' (did you mean 'sda'?)"},
    {"bad ioprio syntax",
     "processes:\n"
     "  - name: A\n"
     "    count: 1\n"
     "    ioprio: be4\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "4:13: ioprio: invalid 'be4' (use class/level: rt/0..7, be/0..7, idle or "
     "none, e.g. be/4)"},
    {"ioprio level out of range",
     "processes:\n"
     "  - name: A\n"
     "    count: 1\n"
     "    ioprio: be/9\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "4:13: ioprio: level 9 in 'be/9' is out of range (0 to 7)"},
    {"bs not a multiple of 512",
     "processes:\n"
     "  - {name: A, count: 1, bs: 1000}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "2:29: bs: 1000 bytes is not a multiple of 512"},
    {"YAML syntax error",
     "processes:\n"
     "  - {name: A, count: 1\n"
     "  - {name: B}\n",
     {NULL},
     WORKLOAD_ERROR_PARSE,
     "3:5: did not find expected ',' or '}' (while parsing a flow mapping at "
     "line 2)"},
    {"list where a map is expected",
     "kernel:\n"
     "  - hz: 1000\n"
     "processes:\n"
     "  - {name: A, count: 1}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "2:3: expected a map for 'kernel', found a list"},
    {"unknown disk model",
     "devices:\n"
     "  - name: sda\n"
     "    model: hdx\n"
     "processes:\n"
     "  - {name: A, count: 1}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "3:12: unknown model 'hdx' (did you mean 'hdd'?)"},
    {"unbounded process without duration",
     "processes:\n"
     "  - name: A\n"
     "    rw: read\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "2:11: process 'A' never ends: give it count, io_size or runtime, or give "
     "the workload a duration"},
    {"hz not a kernel choice",
     "kernel: {hz: 500}\nprocesses: [{name: A, count: 1}]\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "1:14: hz: 500 is not one of 100, 250, 300, 1000"},
    {"unknown cgroup, none declared",
     "processes:\n"
     "  - {name: A, count: 1, cgroup: web}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "2:33: unknown cgroup 'web'"},
    {"unknown io_context",
     "io_contexts: [shared]\n"
     "processes:\n"
     "  - {name: A, count: 1, ioc: shraed}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "3:30: unknown io_context 'shraed' (did you mean 'shared'?)"},
    {"duplicate key",
     "processes:\n"
     "  - name: A\n"
     "    count: 1\n"
     "    count: 2\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "4:5: duplicate key 'count' in process 'A'"},
    {"labels of the wrong length",
     NULL,
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "6:11: 'labels' has 1 entries but 'schedule' has 2"},
    {"scheduler tunable time without unit",
     "devices:\n"
     "  - name: sda\n"
     "    scheduler: {name: cfq, slice_idle: 8}\n"
     "processes:\n"
     "  - {name: A, count: 1}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "3:40: slice_idle: time '8' has no unit (add a unit, e.g. 8ms)"},
    {"unknown scheduler",
     "devices:\n"
     "  - {name: sda, scheduler: cfg}\n"
     "processes:\n"
     "  - {name: A, count: 1}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "2:28: unknown scheduler 'cfg' (did you mean 'cfq'?)"},
    {"no processes",
     "seed: 3\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "1:1: no processes: add a 'processes' list"},
    /* Names that become file names are labels, never paths. */
    {"workload name climbing out of results/",
     "name: ../mydata\nprocesses: [{name: A, count: 1}]\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "1:7: workload name '../mydata' cannot be a file name (it names "
     "results/<name>/): use only letters, digits, '-', '_' and '.', not "
     "starting with '.', at most 64 characters"},
    {"absolute workload name",
     "name: /tmp/x\nprocesses: [{name: A, count: 1}]\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "1:7: workload name '/tmp/x' cannot be a file name (it names "
     "results/<name>/): use only letters, digits, '-', '_' and '.', not "
     "starting with '.', at most 64 characters"},
    {"hidden workload name",
     "name: .x\nprocesses: [{name: A, count: 1}]\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "1:7: workload name '.x' cannot be a file name (it names "
     "results/<name>/): use only letters, digits, '-', '_' and '.', not "
     "starting with '.', at most 64 characters"},
    {"workload name of 65 characters",
     "name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
     "processes: [{name: A, count: 1}]\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "1:7: workload name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' "
     "cannot be a file name (it names results/<name>/): use only letters, "
     "digits, '-', '_' and '.', not starting with '.', at most 64 characters"},
    {"NUL byte in the workload name",
     "name: \"ab\\0c\"\nprocesses: [{name: A, count: 1}]\n",
     {NULL},
     WORKLOAD_ERROR_PARSE,
     "1:7: a NUL byte (\\0) is not allowed in a value"},
    {"device name with a slash",
     "devices: [{name: ../sda}]\nprocesses: [{name: A, count: 1}]\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "1:18: device name '../sda' cannot be a file name (it names "
     "<dev>.blktrace.0): use only letters, digits, '-', '_' and '.', not "
     "starting with '.', at most 64 characters"},
    {"--set workload name to a path",
     NULL,
     {"name=a/b"},
     WORKLOAD_ERROR_INVALID,
     "--set:1:6: workload name 'a/b' cannot be a file name (it names "
     "results/<name>/): use only letters, digits, '-', '_' and '.', not "
     "starting with '.', at most 64 characters"},
    /* Checks across a disk's parameters point at the device. */
    {"hdd rates the wrong way round",
     "devices:\n"
     "  - {name: sda, model: hdd, inner_rate: 200MB/s}\n"
     "processes:\n"
     "  - {name: A, count: 1}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "2:12: device 'sda': hdd: inner_rate must not exceed outer_rate"},
    {"hdd write cache without a buffer",
     "devices:\n"
     "  - name: sda\n"
     "    cache_size: 0\n"
     "processes:\n"
     "  - {name: A, count: 1}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "2:11: device 'sda': hdd: write_cache needs a cache_size of at least "
     "8 KiB (or write_cache: false)"},
    {"hdd age limit out of range",
     "devices: [{name: sda, ncq_max_age: 20s}]\n"
     "processes: [{name: A, count: 1}]\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "1:36: ncq_max_age: 20 s is out of range (0 ns to 10 s)"},
    {"ssd link efficiency above 1",
     NULL,
     {"devices.sda.model=ssd", "devices.sda.link_efficiency=1.2"},
     WORKLOAD_ERROR_INVALID,
     "--set:2:29: link_efficiency: 1.2 is out of range (0.5 to 1)"},
    /* --set */
    /* A region the device does not hold aborted the run (make_bio); size: 2t
   * was accepted and silently cut to the device. */
    {"offset at the end of the device",
     "devices: [{name: sda, capacity: 1g}]\n"
     "processes:\n"
     "  - {name: A, count: 1, offset: 1g}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "3:33: process 'A': offset 1 GiB leaves no room for one 4 KiB I/O on "
     "device 'sda' (capacity 1 GiB)"},
    {"size larger than the device",
     "processes:\n"
     "  - {name: A, count: 1, size: 2t}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "2:31: process 'A': size 2 TiB is larger than device 'sda' (capacity "
     "500 GiB)"},
    {"offset + size past the end of the second device",
     "devices: [{name: sda}, {name: sdb, model: ssd, capacity: 64g}]\n"
     "processes:\n"
     "  - {name: A, count: 1, device: sdb, offset: 60g, size: 8g}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "3:46: process 'A': offset 60 GiB + size 8 GiB ends beyond device 'sdb' "
     "(capacity 64 GiB)"},
    {"the last numjobs clone past the end",
     "devices: [{name: sda}, {name: sdb, model: ssd, capacity: 64g}]\n"
     "processes:\n"
     "  - name: A\n"
     "    device: sdb\n"
     "    count: 1\n"
     "    size: 8g\n"
     "    offset_increment: 8g\n"
     "    numjobs: 9\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "8:14: process 'A.8' (offset 0 B + 8 x offset_increment 8 GiB) would end "
     "beyond device 'sdb' (capacity 64 GiB) with its 8 GiB region: 8 of the "
     "9 clones fit"},
    {"numjobs from --set past the end",
     "processes:\n"
     "  - {name: r, count: 1, size: 10g, offset_increment: 20g, numjobs: 4}\n",
     {"processes.r.numjobs=26"},
     WORKLOAD_ERROR_INVALID,
     "--set:1:21: process 'r.25' (offset 0 B + 25 x offset_increment 20 GiB) "
     "would end beyond device 'sda' (capacity 500 GiB) with its 10 GiB "
     "region: 25 of the 26 clones fit"},
    {"bs larger than the device",
     "devices: [{name: sda, model: ssd, capacity: 1m}]\n"
     "processes:\n"
     "  - {name: A, count: 1, bs: 2m}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "3:29: process 'A': bs 2 MiB is larger than device 'sda' (capacity 1 MiB)"},
    {"size smaller than bs",
     "processes:\n"
     "  - {name: A, count: 1, size: 2k, bs: 4k}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "2:31: process 'A': size 2 KiB is smaller than bs 4 KiB: the region must "
     "hold one I/O"},
    {"size not whole sectors",
     "processes:\n"
     "  - {name: A, count: 1, size: 10000}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "2:31: size: 10000 bytes is not a multiple of 512"},
    {"io_size not whole sectors (was: unlimited)",
     "processes:\n"
     "  - {name: A, io_size: 1000}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "2:24: io_size: 1000 bytes is not a multiple of 512"},
    {"every job switched off",
     "processes:\n"
     "  - {name: A, count: 1, numjobs: 0}\n"
     "  - {name: B, count: 1, numjobs: 0}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "2:3: no processes: every job has numjobs: 0"},
    {"a duration more timeseries windows than a run holds",
     "duration: 2000000s\n"
     "processes:\n"
     "  - {name: A, count: 1}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "1:11: duration 2000000 s makes 20000000 timeseries windows of 100 ms; "
     "with 1 process at most 16777216 fit: set timeseries.window to 120 ms or "
     "more"},
    {"a window too narrow for the duration",
     "duration: 100s\n"
     "timeseries: {window: 1us}\n"
     "processes:\n"
     "  - {name: A, count: 1, numjobs: 16}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "2:22: duration 100 s makes 100000000 timeseries windows of 1 us; with "
     "16 processes at most 1048576 fit: set timeseries.window to 96 us or "
     "more"},
    {"disk model objects to a combination of keys",
     "devices:\n"
     "  - {name: sda, avg_seek: 20ms}\n"
     "processes: [{name: A, count: 1}]\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "2:12: device 'sda': hdd: need track_to_track <= avg_seek <= "
     "full_stroke"},
    /* --set: placed like a one-line file, --set:N:COL with N counting the
   * --set options and COL the column of what is wrong in KEY=VALUE. */
    {"--set naming no list item",
     NULL,
     {"devices.sdx.model=hdd"},
     WORKLOAD_ERROR_INVALID,
     "--set:1:9: no device named 'sdx' in 'devices' (did you mean 'sda'?)"},
    {"--set value checked with the --set's index",
     NULL,
     {"seed=2", "processes.A.bs=1000"},
     WORKLOAD_ERROR_INVALID,
     "--set:2:16: bs: 1000 bytes is not a multiple of 512"},
    {"--set adding an unknown tunable",
     NULL,
     {"devices.sda.scheduler.slice_idel=0"},
     WORKLOAD_ERROR_INVALID,
     "--set:1:23: unknown key 'slice_idel' in scheduler (did you mean "
     "'slice_idle'?)"},
    {"--set without =",
     NULL,
     {"nonsense"},
     WORKLOAD_ERROR_INVALID,
     "--set:1:1: expected KEY=VALUE (e.g. devices.sda.scheduler.slice_idle=0), "
     "found 'nonsense'"},
    {"--set through a scalar",
     NULL,
     {"seed.x=1"},
     WORKLOAD_ERROR_INVALID,
     "--set:1:1: 'seed' is a single value, not a map"},
    /* The message names the path as written (it said processes.A.A.name). */
    {"--set replacing a list item",
     NULL,
     {"processes.A=1"},
     WORKLOAD_ERROR_INVALID,
     "--set:1:11: a process cannot be replaced as a whole; set one of its "
     "keys, e.g. processes.A.count=..."},
    {"--set unknown key of a list item, blanks around names",
     NULL,
     {" processes . B . cuont=3"},
     WORKLOAD_ERROR_INVALID,
     "--set:1:18: unknown key 'cuont' in process 'B' (did you mean 'count'?)"},
    {"--set empty path segment",
     NULL,
     {"processes..bs=4k"},
     WORKLOAD_ERROR_INVALID,
     "--set:1:11: empty name in the path 'processes..bs'"},
    {"--set value inside a YAML map value",
     NULL,
     {"processes.A.think={mean: 1ms, dist: exq}"},
     WORKLOAD_ERROR_INVALID,
     "--set:1:37: dist: 'exq' is not one of fixed, exp (did you mean 'exp'?)"},
    {"--set into a list of names",
     "io_contexts: [s]\nprocesses: [{name: A, "
     "count: 1}]\n",
     {"io_contexts.s.x=1"},
     WORKLOAD_ERROR_INVALID,
     "--set:1:13: 'io_contexts.s' is a value in the list 'io_contexts', not a "
     "map; set the whole list instead, e.g. io_contexts=[...]"},
    {"direct and buffered saying the same",
     "processes:\n"
     "  - {name: A, count: 1, direct: 1, buffered: 1}\n",
     {NULL},
     WORKLOAD_ERROR_INVALID,
     "2:46: process 'A': direct: 1 and buffered: 1 contradict each other "
     "(buffered is the opposite of direct); give one"},
};

static void test_bad(gconstpointer data) {
  const bad_case *bc = data;
  const char *yaml = bc->yaml;
  g_autofree char *sched = NULL;
  if (!yaml && g_str_has_prefix(bc->what, "unknown process"))
    yaml = sched = g_strconcat(
        procs_ab, "interleaving:\n  schedule: [A, Bx@submit]\n", NULL);
  else if (!yaml && g_str_has_prefix(bc->what, "bad step"))
    yaml = sched = g_strconcat(
        procs_ab, "interleaving:\n  schedule: [A@submit, A@lnk]\n", NULL);
  else if (!yaml && g_str_has_prefix(bc->what, "labels"))
    yaml = sched = g_strconcat(
        procs_ab, "interleaving:\n  schedule: [A, B]\n  labels: [x]\n", NULL);
  else if (!yaml)
    yaml = sched =
        g_strconcat("seed: 3\ndevices: [{name: sda}]\n", procs_ab, NULL);
  g_autofree char *path = write_yaml("w.yaml", yaml);
  GError *err = NULL;
  workload *w = workload_load(path, (char **)bc->set, &err);
  g_assert_null(w);
  g_assert_error(err, WORKLOAD_ERROR, bc->code);
  g_autofree char *want = g_str_has_prefix(bc->msg, "--set")
                              ? g_strdup(bc->msg)
                              : g_strdup_printf("%s:%s", path, bc->msg);
  g_assert_cmpstr(err->message, ==, want);
  g_error_free(err);
}

/* fio's direct and buffered, and what sync means with each: O_DIRECT
 * writes are sync unless `sync: 0` is written out; buffered is the
 * default, with its pages invalidated at the start. */
static void test_direct_buffered(void) {
  workload *w =
      load_ok("db.yaml",
              "processes:\n"
              "  - {name: plain, count: 1, rw: write}\n"
              "  - {name: odirect, count: 1, rw: write, direct: 1}\n"
              "  - {name: unbuffered, count: 1, rw: write, buffered: 0}\n"
              "  - {name: async, count: 1, rw: write, direct: 1, sync: 0}\n"
              "  - {name: osync, count: 1, rw: write, sync: 1, invalidate: 0}\n"
              "  - {name: agree, count: 1, direct: 1, buffered: 0}\n",
              NULL);
  static const bool direct[] = {false, true, true, true, false, true};
  static const bool sync[] = {false, true, true, false, true, true};
  static const bool invalidate[] = {true, true, true, true, false, true};
  for (guint i = 0; i < G_N_ELEMENTS(direct); i++) {
    g_assert_cmpint(proc(w, i)->direct, ==, direct[i]);
    g_assert_cmpint(proc(w, i)->sync, ==, sync[i]);
    g_assert_cmpint(proc(w, i)->invalidate, ==, invalidate[i]);
  }
  workload_free(w);
}

/* A workload without `name:` is named after its file, made a label. */
static void test_name_from_file(void) {
  static const char *const files[][2] = {{"my run.yaml", "my_run"},
                                         {".hidden.yml", "_.hidden"},
                                         {"a-b.c_d.yaml", "a-b.c_d"}};
  for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
    workload *w =
        load_ok(files[i][0], "processes: [{name: A, count: 1}]\n", NULL);
    g_assert_cmpstr(w->name, ==, files[i][1]);
    workload_free(w);
  }
}

static void test_unreadable(void) {
  g_autofree char *path = g_build_filename(tmpdir, "missing.yaml", NULL);
  GError *err = NULL;
  g_assert_null(workload_load(path, NULL, &err));
  g_assert_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_IO);
  g_assert_nonnull(strstr(err->message, "missing.yaml"));
  g_error_free(err);
}

/* Every example a user may start from must load as shipped. */
static void test_examples(void) {
  g_autofree char *dir = g_build_filename(CFQSIM_SOURCE_DIR, "workloads", NULL);
  GError *err = NULL;
  GDir *d = g_dir_open(dir, 0, &err);
  g_assert_no_error(err);
  int n = 0;
  const char *f;
  while ((f = g_dir_read_name(d))) {
    if (!g_str_has_suffix(f, ".yaml"))
      continue;
    g_autofree char *path = g_build_filename(dir, f, NULL);
    workload *w = workload_load(path, NULL, &err);
    if (err)
      g_test_message("%s", err->message);
    g_assert_no_error(err);
    g_assert_cmpuint(w->processes->len, >, 0);
    workload_free(w);
    n++;
  }
  g_dir_close(d);
  g_assert_cmpint(n, >=, 4);
}

static void assert_parse_error(const char *text, int code, const char *want) {
  GError *err = NULL;
  workload *w = workload_parse("deep.yaml", text, strlen(text), NULL, &err);
  g_assert_null(w);
  g_assert_error(err, WORKLOAD_ERROR, code);
  g_assert_cmpstr(err->message, ==, want);
  g_error_free(err);
}

/* 100,000 nested lists took libyaml's loader most of a minute to build before
 * the depth was checked; the depth is refused as the events arrive, at the
 * first level too many, block or flow style. */
static void test_nesting(void) {
  enum { DEEP = 100000 };
  GString *s = g_string_new("processes: ");
  for (int i = 0; i < DEEP; i++)
    g_string_append_c(s, '[');
  for (int i = 0; i < DEEP; i++)
    g_string_append_c(s, ']');
  /* The top-level map is level 1: the 64th '[' (column 12 + 63) is the
   * 65th level. */
  assert_parse_error(
      s->str, WORKLOAD_ERROR_PARSE,
      "deep.yaml:1:75: nesting is too deep (more than 64 levels)");
  g_string_truncate(s, 0);
  for (int i = 0; i < 70; i++)
    g_string_append_printf(s, "%*sk:\n", i, "");
  assert_parse_error(
      s->str, WORKLOAD_ERROR_PARSE,
      "deep.yaml:65:65: nesting is too deep (more than 64 levels)");
  /* 64 levels are still read: the error is about the content. */
  g_string_assign(s, "processes: [{name: A, count: 1}]\nxyzzy: ");
  for (int i = 0; i < 63; i++)
    g_string_append_c(s, '[');
  for (int i = 0; i < 63; i++)
    g_string_append_c(s, ']');
  assert_parse_error(s->str, WORKLOAD_ERROR_INVALID,
                     "deep.yaml:2:1: unknown key 'xyzzy' at the top level");
  g_string_free(s, TRUE);
}

/* Anchors and aliases still work; an undefined one and an alias bomb are
 * positioned errors. */
static void test_aliases(void) {
  workload *w = load_ok("alias.yaml",
                        "processes:\n"
                        "  - {name: A, count: &n 3, bs: 8k}\n"
                        "  - &b {name: B, count: *n}\n",
                        NULL);
  g_assert_cmpint(proc(w, 1)->count, ==, 3);
  workload_free(w);
  assert_parse_error("processes:\n  - {name: A, count: *nope}\n",
                     WORKLOAD_ERROR_PARSE,
                     "deep.yaml:2:22: found undefined alias 'nope'");
  GString *s = g_string_new("a: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
  for (int i = 1; i < 10; i++) {
    g_string_append_printf(s, "a%d: &a%d [", i, i);
    for (int k = 0; k < 10; k++)
      g_string_append_printf(s, "%s*a%d", k ? ", " : "", i - 1);
    g_string_append(s, "]\n");
  }
  GError *err = NULL;
  g_assert_null(workload_parse("bomb.yaml", s->str, s->len, NULL, &err));
  g_assert_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_PARSE);
  g_assert_true(g_str_has_prefix(err->message, "bomb.yaml:"));
  g_assert_nonnull(strstr(err->message, "too many nodes"));
  g_error_free(err);
  g_string_free(s, TRUE);
}

/* numjobs multiplies: the processes in all are bounded, the job that goes
 * past the bound is named. */
static void test_too_many_processes(void) {
  GString *s = g_string_new("processes:\n");
  for (int i = 0; i < 65; i++)
    g_string_append_printf(s, "  - {name: j%d, count: 1, numjobs: 1024}\n", i);
  GError *err = NULL;
  g_assert_null(workload_parse("many.yaml", s->str, s->len, NULL, &err));
  g_assert_error(err, WORKLOAD_ERROR, WORKLOAD_ERROR_INVALID);
  g_assert_cmpstr(err->message, ==,
                  "many.yaml:66:36: process 'j64' makes more than 65536 "
                  "processes in all (after numjobs)");
  g_error_free(err);
  g_string_free(s, TRUE);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp("cfqsim-wl-XXXXXX", NULL);
  g_assert_nonnull(tmpdir);
  g_test_add_func("/workload-parse/defaults", test_defaults);
  g_test_add_func("/workload-parse/full", test_full);
  g_test_add_func("/workload-parse/set", test_set);
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *name = g_strdup_printf("/workload-parse/bad/%02zu", i);
    g_test_add_data_func(name, &bad[i], test_bad);
  }
  g_test_add_func("/workload-parse/unreadable", test_unreadable);
  g_test_add_func("/workload-parse/name-from-file", test_name_from_file);
  g_test_add_func("/workload-parse/nesting", test_nesting);
  g_test_add_func("/workload-parse/too-many-processes",
                  test_too_many_processes);
  g_test_add_func("/workload-parse/aliases", test_aliases);
  g_test_add_func("/workload-parse/examples", test_examples);
  g_test_add_func("/workload-parse/direct-buffered", test_direct_buffered);
  int rc = g_test_run();
  g_autofree char *p1 = g_build_filename(tmpdir, NULL, NULL);
  const char *files[] = {"mini.yaml", "full.yaml", "set.yaml", "w.yaml",
                         "alias.yaml"};
  for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *f = g_build_filename(tmpdir, files[i], NULL);
    g_remove(f);
  }
  g_rmdir(tmpdir);
  g_free(tmpdir);
  return rc;
}
