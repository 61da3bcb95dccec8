/* Traces to replay (fio's read_iolog; docs/workload.md, "replay"): a
 * blktrace binary, as `blktrace` writes it per CPU (<dev>.blktrace.<cpu>,
 * the files of one run merged by time as blkparse does), as `blkparse -d`
 * merges it, or as `cfqsim run --trace` writes it; or fio's text iolog,
 * version 2 or 3.
 *
 * A trace becomes streams of I/Os, each for one process: per traced pid
 * and device for a blktrace (its queue events, Q), per device for an
 * iolog, with the gaps fio's replay keeps between them.  Errors are
 * "file: record N: ..." in a binary trace, "file:line:col: ..." in a text
 * log. */
#ifndef CFQSIM_IOLOG_H
#define CFQSIM_IOLOG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "models/proc.h"

typedef enum { IOLOG_BLKTRACE, IOLOG_V2, IOLOG_V3 } iolog_format;

typedef struct iolog_options {
  bool no_stall;        /* replay_no_stall: no gaps, no waits */
  int64_t time_scale;   /* replay_time_scale, percent (100) */
  const char *redirect; /* replay_redirect: every I/O to this device */
} iolog_options;

/* Where an I/O came from, for messages. */
typedef struct iolog_src {
  guint file;  /* index into iolog.files */
  guint64 pos; /* record number (binary, from 1) or line (text) */
} iolog_src;

typedef struct iolog_stream {
  int64_t pid;   /* the traced task; -1 in an iolog, which has none */
  char *device;  /* its device's name; NULL: the job's own (the files
                      of an iolog that are not /dev/ names) */
  int64_t start; /* ns after the job's start of its first I/O */
  GArray *ios;   /* proc_replay_io, in trace order */
  GArray *srcs;  /* iolog_src, one per I/O */
} iolog_stream;

typedef struct iolog {
  iolog_format format;
  GPtrArray *files;   /* char *: the files read (per-CPU ones in order) */
  GPtrArray *streams; /* iolog_stream *, in order of their first I/O */
} iolog;

/* Read `path`.  A name ending in ".blktrace.N" reads every per-CPU file
 * of that run (.blktrace.0, .1, ... up to the first missing one). */
iolog *iolog_load(const char *path, const iolog_options *o, GError **err);
/* The same from memory; `path` names it in messages. */
iolog *iolog_parse(const char *path, const void *data, gsize len,
                   const iolog_options *o, GError **err);
void iolog_free(iolog *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(iolog, iolog_free)

/* "file: record N" or "file:LINE:1", the place of an I/O. */
char *iolog_where(const iolog *l, const iolog_src *src);

/* The device name a blktrace dev_t stands for: sd disks by their minor
 * (8:0 sda, 8:16 sdb, ..., as cfqsim's traces number them); NULL for
 * anything else (a partition, another driver). */
char *iolog_device_name(uint32_t dev);

GQuark iolog_error_quark(void);
#define IOLOG_ERROR (iolog_error_quark())
enum { IOLOG_ERROR_PARSE = 1, IOLOG_ERROR_UNSUPPORTED, IOLOG_ERROR_IO };

#endif
