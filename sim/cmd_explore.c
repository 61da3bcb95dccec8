/* `cfqsim explore WORKLOAD.yaml`: every interleaving of the workload's
 * process steps, per kernel variant (docs/model.md, "Exploration"). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sim/cmd_explore.h"
#include "sim/commands.h"
#include "sim/explore.h"
#include "sim/run.h"

typedef cmd_explore_ctx run_target;

static void *rt_build(void *ctx, const sim_policy_ops *policy, void *pctx,
                      GError **err) {
  run_target *t = ctx;
  run_options o = RUN_OPTIONS_INIT;
  o.variant = t->variant;
  o.policy = policy; /* the workload's own interleaving is ignored */
  o.policy_ctx = pctx;
  o.no_metrics = true;    /* the explorer looks at states, not at metrics */
  o.no_kernel_log = true; /* ... nor at what the kernel prints */
  return sim_run_new(t->w, &o, err);
}
static sim_engine *rt_engine(void *inst) { return sim_run_engine(inst); }
static void rt_fingerprint(void *inst, fingerprint *fp) {
  sim_run_fingerprint(inst, fp);
}
static void rt_destroy(void *inst) { sim_run_free(inst); }
static gboolean rt_reset(void *inst, const sim_policy_ops *policy, void *pctx,
                         GError **err) {
  return sim_run_reset(inst, policy, pctx, err);
}
static uint64_t rt_position_decisions(void *ctx, void *inst) {
  const run_target *t = ctx;
  uint64_t n = 0;
  for (guint d = 0; d < t->w->devices->len; d++)
    n += sim_run_queue(inst, d)->stats.position_decisions;
  return n;
}

/* ---- interchangeable processes (docs/model.md, "Symmetry reduction") ---- */

/* Everything but the name and the offset is alike, and nothing drawn from
 * the task's own random stream (seeded by its name) can tell them apart. */
static bool same_job(const wl_process *a, const wl_process *b) {
  return a->direct && b->direct && (a->rw == RW_READ || a->rw == RW_WRITE) &&
         !a->think_exp && g_strcmp0(a->ioc, b->ioc) == 0 &&
         a->device == b->device && a->cgroup == b->cgroup && a->rw == b->rw &&
         a->rwmixread == b->rwmixread && a->bs == b->bs && a->size == b->size &&
         a->iodepth == b->iodepth && a->count == b->count &&
         a->io_size == b->io_size && a->runtime == b->runtime &&
         a->think == b->think && a->think_exp == b->think_exp &&
         a->start == b->start && a->sync == b->sync &&
         a->invalidate == b->invalidate && a->fsync_every == b->fsync_every &&
         a->fdatasync == b->fdatasync && a->end_fsync == b->end_fsync &&
         a->ioprio_class == b->ioprio_class &&
         a->ioprio_level == b->ioprio_level && a->nice == b->nice;
}

static int64_t region_lo(const wl_process *p) { return p->offset / 512; }
static int64_t region_hi(const wl_process *p) {
  return (p->offset + p->size) / 512;
}

/* Closed regions apart from every other process's on the device. */
static bool region_alone(const workload *w, guint i) {
  const wl_process *p = g_ptr_array_index(w->processes, i);
  for (guint j = 0; j < w->processes->len; j++) {
    const wl_process *q = g_ptr_array_index(w->processes, j);
    if (j != i && q->device == p->device && region_lo(q) <= region_hi(p) &&
        region_lo(p) <= region_hi(q))
      return false;
  }
  return region_lo(p) > 0; /* sector 0 also means "none" to CFQ */
}

/* Processes with the same job are interchangeable when they also have the
 * same offset (a pure renaming), or when their regions are apart and the
 * device's service does not depend on where in it a command lands, up to
 * a period their offsets agree on (then the regions move with the
 * processes, and the explorer checks that the elevator never compared
 * their positions). */
static void rt_symmetry(const workload *w, sim_run *inst,
                        explore_symmetry *sym) {
  guint n = w->processes->len;
  *sym = (explore_symmetry){.n = MIN(n, EXPLORE_MAX_ACTORS)};
  for (guint i = 0; i < sym->n; i++) {
    sym->cls[i] = -1;
    sym->pid[i] = 100 + (int64_t)i; /* as sim_run numbers them */
    sym->lo[i] = 1;
    sym->hi[i] = 0;
  }
  for (guint i = 0; i < sym->n; i++) {
    if (sym->cls[i] >= 0)
      continue;
    const wl_process *p = g_ptr_array_index(w->processes, i);
    struct request_queue *q = sim_run_queue(inst, (guint)p->device);
    int64_t period = q->disk_ops->position_period
                         ? q->disk_ops->position_period(q->disk)
                         : 0;
    /* the same job, apart regions, offsets alike up to the period */
    bool moves = period > 0 && region_alone(w, i);
    guint members = 1;
    for (guint j = i + 1; j < sym->n && moves; j++) {
      const wl_process *o = g_ptr_array_index(w->processes, j);
      if (sym->cls[j] < 0 && same_job(p, o) && o->offset != p->offset)
        moves = region_alone(w, j) &&
                (region_lo(o) - region_lo(p)) % period == 0 &&
                o->offset % 512 == p->offset % 512;
    }
    for (guint j = i + 1; j < sym->n; j++) {
      const wl_process *o = g_ptr_array_index(w->processes, j);
      if (sym->cls[j] < 0 && same_job(p, o) &&
          (moves || o->offset == p->offset)) {
        sym->cls[j] = (int)i;
        members++;
      }
    }
    if (members < 2)
      continue;
    sym->cls[i] = (int)i;
    for (guint j = i; j < sym->n; j++)
      if (sym->cls[j] == (int)i && moves) {
        const wl_process *o = g_ptr_array_index(w->processes, j);
        sym->lo[j] = region_lo(o);
        sym->hi[j] = region_hi(o);
        sym->moves_positions = true;
      }
  }
}

static gboolean parse_u64(const char *opt, const char *text, uint64_t *out,
                          GError **err) {
  char *end;
  if (text && *text && text[0] != '-') {
    *out = g_ascii_strtoull(text, &end, 10);
    if (!*end)
      return TRUE;
  }
  return cmd_usage_error(err, "%s must be a non-negative integer, not '%s'",
                         opt, text);
}

/* On a terminal only: results never depend on it.  One line for the
 * searches under way, which may run at once on threads of their own. */
typedef struct search_progress {
  const char *variant;
  uint64_t states, runs;
  guint depth;
  sim_time now;
} search_progress;

typedef struct progress_line {
  GMutex lock;
  gint64 shown;  /* monotonic us of the last line, 0: none yet */
  bool together; /* two searches at once: both on the line */
  search_progress v[2];
} progress_line;

typedef struct progress_slot {
  progress_line *pl;
  int i;
} progress_slot;

static void show_progress(void *ctx, const explore_progress *p) {
  progress_slot *ps = ctx;
  progress_line *pl = ps->pl;
  g_mutex_lock(&pl->lock);
  pl->v[ps->i].states = p->so_far->states;
  pl->v[ps->i].runs = p->so_far->runs;
  pl->v[ps->i].depth = p->depth;
  pl->v[ps->i].now = p->now;
  gint64 now = g_get_monotonic_time();
  /* At once, then at most ten refreshes a second. */
  if (!pl->shown || now - pl->shown >= G_USEC_PER_SEC / 10) {
    pl->shown = now;
    /* Short enough for 80 columns: a wrapped line would not be redrawn. */
    if (!pl->together) {
      const search_progress *v = &pl->v[ps->i];
      fprintf(stderr,
              "\r\033[K  %s: %" PRIu64 " states, %" PRIu64
              " runs, depth %u at %" G_GINT64_FORMAT ".%03" G_GINT64_FORMAT
              " s ...",
              v->variant, v->states, v->runs, v->depth, v->now / SIM_S,
              v->now % SIM_S / SIM_MS);
    } else {
      fprintf(stderr,
              "\r\033[K  %s: %" PRIu64 " states, %" PRIu64 " runs; %s: %" PRIu64
              " states, %" PRIu64 " runs ...",
              pl->v[0].variant, pl->v[0].states, pl->v[0].runs,
              pl->v[1].variant, pl->v[1].states, pl->v[1].runs);
    }
    fflush(stderr);
  }
  g_mutex_unlock(&pl->lock);
}

/* Both variants: the counts in two columns, then each shortest hang. */
static void print_both(const explore_result *r, const explore_options *o) {
  printf("  %-18s %20s %20s\n", "", cic_link_variant_name(CIC_LINK_BUGGY),
         cic_link_variant_name(CIC_LINK_FIXED));
  const char *label[] = {
      "schedules:", "distinct states:", "completed:", "hung:", "time-limited:"};
  for (int k = 0; k < 5; k++) {
    char v[2][40];
    for (int i = 0; i < 2; i++) {
      const explore_count f[] = {r[i].schedules, r[i].states, r[i].completed,
                                 r[i].hung, r[i].time_limited};
      explore_count_str(f[k], v[i]);
    }
    printf("  %-18s %20s %20s\n", label[k], v[0], v[1]);
  }
  for (int i = 0; i < 2; i++) {
    const char *name =
        cic_link_variant_name(i == 0 ? CIC_LINK_BUGGY : CIC_LINK_FIXED);
    if (r[i].saturated)
      printf("  %s: a count saturated at 2^128-1\n", name);
    if (r[i].cut_states)
      printf("  %s: cut: %" PRIu64 " states not expanded (--max-states %" PRIu64
             "): the counts are a lower bound\n",
             name, r[i].cut_states, o->max_states);
    if (r[i].cut_preempt)
      printf("  %s: cut: %" PRIu64
             " alternatives beyond the preemption bound %d\n",
             name, r[i].cut_preempt, o->preemption_bound);
  }
  for (int i = 0; i < 2; i++) {
    const char *name =
        cic_link_variant_name(i == 0 ? CIC_LINK_BUGGY : CIC_LINK_FIXED);
    bool complete = explore_complete(&r[i]);
    if (!r[i].hang_schedule) {
      printf("  shortest hang (%s): none%s\n", name,
             complete ? "" : " found (the search was cut)");
      continue;
    }
    char *sched = explore_format_schedule(r[i].hang_schedule);
    printf("  shortest hang (%s): %u steps%s\n    %s\n", name,
           r[i].hang_schedule->len,
           complete ? "" : " (of those explored; the search was cut)", sched);
    g_free(sched);
  }
}

/* One variant's verdict for the last line. */
static char *verdict(const char *name, const explore_result *r,
                     const explore_options *o) {
  if (r->hang_schedule)
    return g_strdup_printf("%s hangs", name);
  char *cut = explore_cut_str(r, o);
  if (cut) {
    char *v =
        g_strdup_printf("%s inconclusive (no hang found before %s cut the "
                        "search)",
                        name, cut);
    g_free(cut);
    return v;
  }
  char tl[40];
  if (r->time_limited)
    return g_strdup_printf(
        "%s never hangs (within the workload's duration, which "
        "%s schedules reached)",
        name, explore_count_str(r->time_limited, tl));
  return g_strdup_printf("%s never hangs", name);
}

/* --max-states and --preemption-bound into `eo`. */
static gboolean parse_bounds(const char *max_states, const char *bound,
                             explore_options *eo, GError **err) {
  if (max_states &&
      !parse_u64("--max-states", max_states, &eo->max_states, err))
    return FALSE;
  gint64 k = -1;
  if (bound && !cmd_parse_int("--preemption-bound", bound, -1, G_MAXINT,
                              "-1 or more", &k, err))
    return FALSE;
  eo->preemption_bound = (int)k;
  return TRUE;
}

gboolean cmd_explore_target(cmd_explore_ctx *ctx, explore_target *t,
                            GError **err) {
  *t = (explore_target){.build = rt_build,
                        .engine = rt_engine,
                        .fingerprint = rt_fingerprint,
                        .destroy = rt_destroy,
                        .reset = rt_reset,
                        .ctx = ctx,
                        .limit = sim_run_limit(ctx->w),
                        .sym = &ctx->sym,
                        .position_decisions = rt_position_decisions};
  sim_run *probe = rt_build(ctx, NULL, NULL, err);
  if (!probe)
    return FALSE;
  rt_symmetry(ctx->w, probe, &ctx->sym);
  sim_run_free(probe);
  return TRUE;
}

/* One variant's search (on a thread of its own when two run at once). */
typedef struct variant_search {
  const workload *w;
  int variant;
  explore_options o;
  progress_slot slot;
  explore_result *res;
  gboolean ok;
  GError *err;
} variant_search;

static gpointer search_variant(gpointer data) {
  variant_search *vs = data;
  cmd_explore_ctx rt = {.w = vs->w, .variant = vs->variant};
  explore_target t;
  vs->ok = cmd_explore_target(&rt, &t, &vs->err) &&
           explore_run(&t, &vs->o, vs->res, &vs->err);
  return NULL;
}

gboolean cmd_explore_variants(const workload *w, const int *variants, int nv,
                              const explore_options *eo, guint jobs,
                              bool progress, explore_result *res,
                              GError **err) {
  progress_line pl = {.together = nv == 2 && jobs >= 2};
  g_mutex_init(&pl.lock);
  variant_search vs[2];
  for (int i = 0; i < nv; i++) {
    vs[i] = (variant_search){.w = w,
                             .variant = variants[i],
                             .o = *eo,
                             .slot = {&pl, i},
                             .res = &res[i]};
    vs[i].o.jobs = jobs;
    pl.v[i].variant = cic_link_variant_name(variants[i]);
    if (progress) {
      vs[i].o.progress = show_progress;
      vs[i].o.progress_ctx = &vs[i].slot;
    }
  }
  /* The searches share nothing but the workload, which they only read. */
  GThread *second = pl.together
                        ? g_thread_new("cfqsim-explore", search_variant, &vs[1])
                        : NULL;
  search_variant(&vs[0]);
  if (second)
    g_thread_join(second);
  else if (nv == 2 && vs[0].ok)
    search_variant(&vs[1]);
  if (progress)
    fputs("\r\033[K", stderr);
  g_mutex_clear(&pl.lock);
  /* the first failure in variant order, whichever finished first (run one
   * by one, the second runs only if the first succeeded) */
  gboolean ok = TRUE;
  for (int i = 0; i < nv; i++) {
    if (ok && !vs[i].ok) {
      g_propagate_error(err, g_steal_pointer(&vs[i].err));
      ok = FALSE;
    }
    g_clear_error(&vs[i].err);
  }
  return ok;
}

/* The report of `nv` variants and the exit status it calls for. */
static int report(const workload *w, const char *file, const int *variants,
                  int nv, const explore_result *res,
                  const explore_options *eo) {
  printf("explore %s (%s)\n", w->name, file);
  if (nv == 2) {
    print_both(res, eo);
  } else {
    char *rep = explore_format_report(&res[0], eo);
    printf("%s\n%s", cic_link_variant_name(variants[0]), rep);
    g_free(rep);
  }
  bool hang = false, cut = false;
  GString *last = g_string_new("result: ");
  for (int i = 0; i < nv; i++) {
    char *v = verdict(cic_link_variant_name(variants[i]), &res[i], eo);
    g_string_append_printf(last, "%s%s", i ? "; " : "", v);
    g_free(v);
    hang = hang || res[i].hang_schedule != NULL;
    cut = cut || !explore_complete(&res[i]);
  }
  printf("%s\n", last->str);
  g_string_free(last, TRUE);
  return hang ? EXIT_HANG : cut ? EXIT_INCONCLUSIVE : EXIT_OK;
}

/* The variant given, or both. */
static int explore_workload(const cmd_common *c, const workload *w,
                            const explore_options *eo, guint jobs,
                            GError **err) {
  int variants[2] = {CIC_LINK_BUGGY, CIC_LINK_FIXED}, nv = 2;
  if (c->variant >= 0) {
    variants[0] = c->variant;
    nv = 1;
  }
  explore_result res[2] = {{0}, {0}};
  gboolean ok =
      cmd_explore_variants(w, variants, nv, eo, jobs, isatty(2), res, err);
  int status = ok ? report(w, c->args[0], variants, nv, res, eo) : CMD_FAILED;
  for (int i = 0; i < 2; i++)
    explore_result_clear(&res[i]);
  return status;
}

static const char summary[] =
    "Explore every interleaving of the processes' kernel-path steps (and of\n"
    "event deliveries where a step is delayable), re-running the simulation\n"
    "from the start for each prefix and never expanding a state twice.\n"
    "Prints per kernel variant the number of schedules, distinct states,\n"
    "completed / hung / time-limited schedules and the shortest hanging\n"
    "schedule, ready to paste into `interleaving.schedule` (an entry `~`\n"
    "delivers the next event although processes are ready).\n"
    "Use small workloads: a few processes with a `count` of I/Os.\n"
    "The last line gives the verdict per variant.  Exit status: 1 a hanging\n"
    "schedule exists (found, even if the search was then cut); 0 none exists\n"
    "(the search was complete); 3 inconclusive: none found, but --max-states\n"
    "or --preemption-bound cut the search; 2 bad input.";

int cmd_explore(int argc, char **argv) {
  cmd_common c = CMD_COMMON_INIT("explore");
  char *max_states = NULL, *bound = NULL, *jobs_text = NULL;
  GOptionEntry entries[] = {
      {"jobs", 'j', 0, G_OPTION_ARG_STRING, &jobs_text,
       "Search each variant with N workers, and both variants at once when "
       "N is 2 or more (default: one per processor; the results never "
       "depend on it)",
       "N"},
      cmd_opt_variant(&c, TRUE,
                      "Kernel variant: buggy, fixed or both (default: both)"),
      {"max-states", 0, 0, G_OPTION_ARG_STRING, &max_states,
       "Expand at most N distinct states (0: no limit; the report says when "
       "it cut)",
       "N"},
      {"preemption-bound", 0, 0, G_OPTION_ARG_STRING, &bound,
       "Switch away from a still-ready process at most K times (-1: no bound)",
       "K"},
      cmd_opt_seed(&c),
      cmd_opt_set(&c, "Override a workload key, e.g. processes.A.offset=2m"),
      cmd_opt_args(&c),
      CMD_OPT_END};
  GError *err = NULL;
  workload *w = NULL;
  explore_options eo = EXPLORE_OPTIONS_INIT;
  guint64 jobs = g_get_num_processors();
  int status = CMD_FAILED;
  if (cmd_parse(&c, entries, "WORKLOAD.yaml", summary, argc, argv, &err) &&
      parse_bounds(max_states, bound, &eo, &err) &&
      cmd_parse_jobs(jobs_text, &jobs, &err) &&
      (w = cmd_load_workload(&c, &err)))
    status = explore_workload(&c, w, &eo, (guint)jobs, &err);
  workload_free(w);
  g_free(max_states);
  g_free(bound);
  g_free(jobs_text);
  return cmd_finish(&c, status, err);
}
