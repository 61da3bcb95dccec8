/* Fetching ahead what an event will read.  With thousands of processes
 * each I/O wakes a process whose objects went cold since its last one,
 * and reached pointer after pointer they missed the cache one after the
 * other.  An event's owner may say what the event will read (a timer's
 * prefetch, engine.h); the engine calls it one event ahead, so that the
 * misses overlap each other and the current event's work (docs/model.md,
 * "Memory").  A prefetch never faults and changes no result, only time. */
#ifndef CFQSIM_PREFETCH_H
#define CFQSIM_PREFETCH_H

#include <stddef.h>
#include <stdint.h>

#define SIM_CACHE_LINE 64

/* Cachegrind ignores prefetches: built with CFQSIM_PREFETCH_AS_LOAD a
 * prefetch is a load, so that cachegrind shows which misses the hooks
 * take over (README, "Benchmarks").  Every hint must then point into
 * live memory, as every hint here does. */
static inline void prefetch_line(const void *p) {
#ifdef CFQSIM_PREFETCH_AS_LOAD
  (void)*(const volatile char *)p;
#else
  __builtin_prefetch(p);
#endif
}

/* Nothing for NULL. */
static inline void prefetch(const void *p) {
  if (p)
    prefetch_line(p);
}

/* Every cache line of [p, p + len); nothing for NULL. */
static inline void prefetch_range(const void *p, size_t len) {
  if (!p)
    return;
  uintptr_t a = (uintptr_t)p & ~(uintptr_t)(SIM_CACHE_LINE - 1);
  for (; a < (uintptr_t)p + len; a += SIM_CACHE_LINE)
    prefetch_line((const void *)a);
}

#endif
