/* Large blocks, huge pages requested by madvise (docs/model.md, "Memory"). */
#include "sim/core/bigmem.h"

#include <glib.h>
#include <string.h>
#include <sys/mman.h>

void *bigmem_alloc0(size_t size) {
  if (size < BIGMEM_HUGE)
    return g_malloc0(size);
  size = (size + BIGMEM_HUGE - 1) / BIGMEM_HUGE * BIGMEM_HUGE;
  void *p = g_aligned_alloc(1, size, BIGMEM_HUGE);
#ifdef MADV_HUGEPAGE
  /* before the pages are touched; only advice: failure changes nothing */
  madvise(p, size, MADV_HUGEPAGE);
#endif
  return memset(p, 0, size);
}

void bigmem_free(void *p, size_t size) {
  if (size < BIGMEM_HUGE)
    g_free(p);
  else
    g_aligned_free(p);
}
