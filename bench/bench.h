/* What every bench needs: its child's peak memory, a scratch directory
 * removed again, and a child process waited for.  Each bench runs each
 * case in a child of its own so that the peak resident set is the case's. */
#ifndef CFQSIM_BENCH_H
#define CFQSIM_BENCH_H

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* Peak resident set of this process, KiB (VmHWM), 0 if unknown. */
static inline long bench_peak_rss_kib(void) {
  g_autofree char *status = NULL;
  if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
    return 0;
  const char *p = strstr(status, "VmHWM:");
  return p ? strtol(p + 6, NULL, 10) : 0;
}

/* User + system time of this process (all its threads) so far, s. */
static inline double bench_cpu_seconds(void) {
  struct rusage u;
  if (getrusage(RUSAGE_SELF, &u) != 0)
    return 0;
  return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/* Removes a scratch directory the bench made: only what it wrote there. */
static inline void bench_rm_scratch(const char *dir) {
  GDir *d = g_dir_open(dir, 0, NULL);
  if (d) {
    const char *name;
    while ((name = g_dir_read_name(d))) {
      g_autofree char *p = g_build_filename(dir, name, NULL);
      if (g_file_test(p, G_FILE_TEST_IS_DIR))
        bench_rm_scratch(p);
      else
        g_unlink(p);
    }
    g_dir_close(d);
  }
  g_rmdir(dir);
}

/* Waits for a case's child; true if it exited with status 0. */
static inline bool bench_wait(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

#endif
