/* Large zeroed blocks on huge pages where the system gives them: tables
 * of many megabytes touched at random (the explorer's memo), and the
 * random streams of thousands of processes, each cost a TLB miss and a
 * page fault per 4 KiB page otherwise. */
#ifndef CFQSIM_BIGMEM_H
#define CFQSIM_BIGMEM_H

#include <stddef.h>

/* Sizes of BIGMEM_HUGE or more are rounded up to a multiple of it and
 * aligned to it (with the advice to back them with huge pages); smaller
 * ones are plain allocations. */
#define BIGMEM_HUGE ((size_t)2 << 20)

void *bigmem_alloc0(size_t size);
/* `size` as given to bigmem_alloc0. */
void bigmem_free(void *p, size_t size);

#endif
