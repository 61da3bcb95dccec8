/* fio job files (README, "For fio users") -> the same workload a YAML
 * file describes.
 *
 * The job file is read as fio reads it ([global] and job sections, `;` and
 * `#` comments, options without a value, ${ENV} expansion, fio's size and
 * time units), then translated into workload YAML with fio's option names
 * mapped to cfqsim's keys and handed to workload_parse, so `--set` and
 * every check of the YAML loader apply.  Errors are "file:line:col: ..."
 * in the job file. */
#ifndef CFQSIM_FIO_H
#define CFQSIM_FIO_H

#include <glib.h>

#include "sim/workload.h"

/* A position's line carries its file: FIO_FILE_LINES x the index of the
 * file in fio_jobfile.files (0: the job file, then what it includes)
 * plus the 1-based line in it. */
#define FIO_FILE_LINES (1 << 24)
#define FIO_MAX_FILES 64

typedef struct fio_option {
  char *name;  /* as written, lower case */
  char *value; /* ${ENV} expanded; NULL: written without '=' */
  int line, col;
  int value_col;
  int order; /* 1, 2, ... in the order fio reads them, includes included */
} fio_option;

typedef struct fio_section {
  char *name;
  int line, col;
  GPtrArray *options; /* fio_option *, in file order */
} fio_section;

typedef struct fio_jobfile {
  char *path;
  GPtrArray *sections; /* fio_section *, [global] ones included */
  GPtrArray *files;    /* char *: path, then each included file */
  guint options;       /* options read */
} fio_jobfile;

/* "file:line" of a position's line (FIO_FILE_LINES). */
char *fio_jobfile_where(const fio_jobfile *jf, int line);

/* Whether `path` names a job file: it ends in ".fio", or its first line
 * that is neither blank nor a comment is a section header `[...]`. */
gboolean fio_is_jobfile(const char *path, const char *text, gsize len);

/* The syntax only: sections, options, ${ENV}, `include FILE` (read
 * relative to the including file's directory, its lines part of the
 * section it is in, as in fio). */
fio_jobfile *fio_jobfile_parse(const char *path, const char *text, gsize len,
                               GError **err);
void fio_jobfile_free(fio_jobfile *jf);

/* The job file as workload YAML text (what workload_parse reads). */
char *fio_to_yaml(const fio_jobfile *jf, GError **err);

/* Load a job file, apply `sets` as workload_load does, validate. */
workload *fio_load(const char *path, char **sets, GError **err);
workload *fio_parse(const char *path, const char *text, gsize len, char **sets,
                    GError **err);

/* A job file (fio_is_jobfile) with fio_parse; a companion, YAML
 * `{fio: JOBFILE, set: {PATH: VALUE}}`, as that job file with those
 * settings before `sets` (docs/fio.md); anything else with
 * workload_parse: what the commands load. */
workload *fio_load_any(const char *path, char **sets, GError **err);

/* fio's units (kb_base=1024): "4k" and "4kb" are 4096 bytes, "4KiB" 4000
 * (fio's inversion for old scripts); a bare number is bytes. */
gboolean fio_parse_size(const char *text, guint64 *bytes);
/* fio's times: d, h, m, s, ms/msec, us/usec, ns/nsec; a bare number is in
 * `unit_ns` (seconds for runtime, microseconds for thinktime). */
gboolean fio_parse_time(const char *text, gint64 unit_ns, gint64 *ns);

GQuark fio_error_quark(void);
#define FIO_ERROR (fio_error_quark())
enum { FIO_ERROR_PARSE = 1, FIO_ERROR_UNSUPPORTED, FIO_ERROR_IO };

#endif
