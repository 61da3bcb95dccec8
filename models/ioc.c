/* io_context and cic: the radix tree of an ioc is an array indexed by the
 * device's cic_index; a slot holds at most one cic (spec 1.2, 1.3, 4.1). */
#include "models/ioc.h"

#include <errno.h>

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
void ioc_fingerprint(const struct io_context *ioc, fingerprint *fp) {
  int64_t v[] = {ioc->refcount, ioc->nr_tasks, ioc->ioprio,
                 ioc->nr_batch_requests, ioc->last_waited, ioc->radix->len,
                 ioc->cic_list->len};
  fingerprint_bytes(fp, v, sizeof v);
  for (guint i = 0; i < ioc->radix->len; i++) {
    guchar linked = g_ptr_array_index(ioc->radix, i) != NULL;
    fingerprint_bytes(fp, &linked, 1);
  }
}

struct cfq_io_context *cfq_cic_lookup(struct io_context *ioc, int cic_index) {
  if (!ioc || cic_index < 0 || (guint)cic_index >= ioc->radix->len)
    return NULL;
  return g_ptr_array_index(ioc->radix, cic_index);
}

struct cfq_io_context *cfq_alloc_io_context(int64_t jiffies, int id) {
  struct cfq_io_context *cic = g_new0(struct cfq_io_context, 1);
  cic->ttime.last_end_request = jiffies;
  cic->id = id;
  return cic;
}

int cfq_cic_link(struct io_context *ioc, int cic_index, void *cfqd,
                 struct cfq_io_context *cic) {
  g_assert(cic_index >= 0);
  if ((guint)cic_index >= ioc->radix->len)
    g_ptr_array_set_size(ioc->radix, cic_index + 1);
  if (g_ptr_array_index(ioc->radix, cic_index))
    return -EEXIST; /* the slot is taken: somebody linked first */
  cic->ioc = ioc;
  cic->key = cfqd;
  g_ptr_array_index(ioc->radix, cic_index) = cic;
  g_ptr_array_add(ioc->cic_list, cic);
  return 0;
}

void cfq_cic_free(struct cfq_io_context *cic) { g_free(cic); }
