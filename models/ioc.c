/* io_context and cic: the radix tree of an ioc is an array indexed by the
 * device's cic_index; a slot holds at most one cic (docs/model.md,
 * "io_context and cic"). */
#include "models/ioc.h"

#include <errno.h>
#include <string.h>

const char *const cic_link_variant_names[] = {"buggy", "fixed", NULL};

const char *cic_link_variant_name(cic_link_variant v) {
  g_assert(v == CIC_LINK_BUGGY || v == CIC_LINK_FIXED);
  return cic_link_variant_names[v];
}

bool cic_link_variant_parse(const char *text, cic_link_variant *v) {
  for (int i = 0; cic_link_variant_names[i]; i++)
    if (strcmp(text, cic_link_variant_names[i]) == 0) {
      *v = (cic_link_variant)i;
      return true;
    }
  return false;
}

struct io_context *ioc_new(const char *name, unsigned short ioprio) {
  struct io_context *ioc = g_new0(struct io_context, 1);
  ioc->name = g_strdup(name);
  ioc->ioprio = ioprio;
  ioc->radix = g_ptr_array_new();
  ioc->cic_list = g_ptr_array_new();
  return ioc;
}

void ioc_free(struct io_context *ioc) {
  if (!ioc)
    return;
  for (guint i = 0; i < ioc->cic_list->len; i++)
    cfq_cic_free(g_ptr_array_index(ioc->cic_list, i));
  g_ptr_array_free(ioc->cic_list, TRUE);
  g_ptr_array_free(ioc->radix, TRUE);
  g_free(ioc->name);
  g_free(ioc);
}

/* The io_contexts as the cic path sees them: which device slots hold a
 * linked cic, the task and reference counts, batching state. */
void ioc_reset(struct io_context *ioc) {
  for (guint i = 0; i < ioc->cic_list->len; i++)
    cfq_cic_free(g_ptr_array_index(ioc->cic_list, i));
  g_ptr_array_set_size(ioc->cic_list, 0);
  g_ptr_array_set_size(ioc->radix, 0);
  ioc->ioc_data = NULL;
  ioc->refcount = 0;
  ioc->nr_tasks = 0;
  ioc->nr_batch_requests = 0;
  ioc->last_waited = 0;
}

void ioc_fingerprint(const struct io_context *ioc, fingerprint *fp) {
  int64_t v[] = {ioc->refcount,          ioc->nr_tasks,    ioc->ioprio,
                 ioc->nr_batch_requests, ioc->last_waited, ioc->radix->len,
                 ioc->cic_list->len};
  fingerprint_bytes(fp, v, sizeof v);
  for (guint i = 0; i < ioc->radix->len; i++) {
    guchar linked = g_ptr_array_index(ioc->radix, i) != NULL;
    fingerprint_bytes(fp, &linked, 1);
  }
}

void ioc_task_link(struct io_context *ioc) {
  if (!ioc)
    return;
  ioc->nr_tasks++;
  ioc->refcount++;
}

void ioc_task_exit(struct io_context *ioc) {
  if (!ioc)
    return;
  ioc->nr_tasks--;
  ioc->refcount--;
}

void ioc_get(struct io_context *ioc) {
  if (ioc)
    ioc->refcount++;
}

void ioc_put(struct io_context *ioc) {
  if (ioc)
    ioc->refcount--;
}

struct cfq_io_context *cfq_cic_lookup(struct io_context *ioc, int cic_index) {
  if (!ioc || cic_index < 0)
    return NULL;
  struct cfq_io_context *cic = ioc->ioc_data;
  if (cic && cic->cic_index == cic_index)
    return cic;
  if ((guint)cic_index >= ioc->radix->len)
    return NULL;
  cic = g_ptr_array_index(ioc->radix, cic_index);
  if (cic)
    ioc->ioc_data = cic;
  return cic;
}

/* A private cic: nobody can find it before cfq_cic_link. */
static struct cfq_io_context *cfq_alloc_io_context(int64_t jiffies, int id) {
  struct cfq_io_context *cic = g_new0(struct cfq_io_context, 1);
  cic->ttime.last_end_request = jiffies;
  cic->id = id;
  return cic;
}

/* 0, or -EEXIST when the slot is taken: whoever linked first owns it. */
static int cfq_cic_link(struct io_context *ioc, int cic_index, void *cfqd,
                        struct cfq_io_context *cic) {
  g_assert(cic_index >= 0);
  if ((guint)cic_index >= ioc->radix->len)
    g_ptr_array_set_size(ioc->radix, cic_index + 1);
  if (g_ptr_array_index(ioc->radix, cic_index))
    return -EEXIST; /* the slot is taken: somebody linked first */
  cic->ioc = ioc;
  cic->key = cfqd;
  cic->cic_index = cic_index;
  g_ptr_array_index(ioc->radix, cic_index) = cic;
  g_ptr_array_add(ioc->cic_list, cic);
  return 0;
}

struct cfq_io_context *cic_step_lookup(const struct cic_dev *d,
                                       const char *task,
                                       struct io_context *ioc) {
  struct cfq_io_context *cic = cfq_cic_lookup(ioc, d->cic_index);
  sim_trace(d->engine, task, "cfq_cic_lookup: %s", cic ? "hit" : "miss");
  return cic;
}

struct cfq_io_context *cic_step_alloc(const struct cic_dev *d, const char *task,
                                      int64_t jiffies) {
  d->stats->allocated++;
  struct cfq_io_context *cic =
      cfq_alloc_io_context(jiffies, (int)d->stats->allocated);
  sim_trace(d->engine, task, "cfq_alloc_io_context: cic%d", cic->id);
  return cic;
}

cic_link_result cic_step_link(const struct cic_dev *d, const char *task,
                              struct io_context *ioc,
                              struct cfq_io_context **cic) {
  int ret = cfq_cic_link(ioc, d->cic_index, d->cfqd, *cic);
  if (ret == 0) {
    d->stats->linked++;
    sim_trace(d->engine, task, "cfq_cic_link: cic%d linked", (*cic)->id);
    return CIC_LINKED;
  }
  g_assert(ret == -EEXIST);
  sim_trace(d->engine, task, "cfq_cic_link: cic%d -EEXIST", (*cic)->id);
  cfq_cic_free(*cic);
  *cic = NULL;
  d->stats->freed++;
  /* The fix: the slot now holds the winner's cic, which a second lookup
   * finds; the request keeps its ioc reference meanwhile. */
  if (d->variant == CIC_LINK_FIXED)
    return CIC_LOOKUP_AGAIN;
  /* Before the fix -EEXIST was any failure: logged, and the error tail of
   * cfq_get_io_context gives back the reference it started with. */
  d->stats->link_failed++;
  sim_printk(d->engine, "cfq: cic link failed!");
  ioc_put(ioc);
  return CIC_LINK_FAILED;
}

void cic_abandon(struct cfq_io_context *cic) {
  if (cic && !cic->ioc)
    cfq_cic_free(cic);
}

void cfq_cic_free(struct cfq_io_context *cic) { g_free(cic); }
