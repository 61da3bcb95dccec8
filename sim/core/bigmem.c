/* Large blocks, huge pages requested by madvise (docs/model.md, "Memory"). */
#include "sim/core/bigmem.h"

#include <glib.h>
#include <stdint.h>
#include <sys/mman.h>

/* A huge block's mapped size: whole huge pages. */
static size_t huge_span(size_t size) {
  return (size + BIGMEM_HUGE - 1) / BIGMEM_HUGE * BIGMEM_HUGE;
}

/* Huge blocks are mapped straight from the kernel rather than through
 * malloc: fresh anonymous memory is already zero, so nothing writes the
 * block before its user does (a memset of it would stream every byte
 * through the cache once more), and freeing gives it back at once. */
void *bigmem_alloc0(size_t size) {
  if (size < BIGMEM_HUGE)
    return g_malloc0(size);
  size = huge_span(size);
  /* one huge page more than needed, to cut an aligned block out of it */
  size_t span = size + BIGMEM_HUGE;
  char *m = mmap(NULL, span, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED)
    g_error("bigmem: cannot map %zu bytes", span);
  char *p = (char *)(((uintptr_t)m + BIGMEM_HUGE - 1) & ~(BIGMEM_HUGE - 1));
  if (p > m)
    munmap(m, (size_t)(p - m));
  if (p + size < m + span)
    munmap(p + size, (size_t)(m + span - (p + size)));
#ifdef MADV_HUGEPAGE
  /* before the pages are touched; only advice: failure changes nothing */
  madvise(p, size, MADV_HUGEPAGE);
#endif
  return p;
}

void bigmem_free(void *p, size_t size) {
  if (size < BIGMEM_HUGE)
    g_free(p);
  else
    munmap(p, huge_span(size));
}
