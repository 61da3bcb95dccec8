/* Parameter tables: how a pluggable part (disk model, elevator) declares its
 * settable parameters, so that the workload parser, `--set`, the docs and
 * error hints all work from one description.
 *
 * A part describes its configuration struct with a NULL-terminated array of
 * param_desc; values are written at `offset` into that struct. */
#ifndef CFQSIM_PARAMS_H
#define CFQSIM_PARAMS_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  PARAM_INT,    /* int64_t, plain integer */
  PARAM_SIZE,   /* int64_t bytes: 4k, 1m, 512 (k/m/g = powers of 1024) */
  PARAM_TIME,   /* int64_t nanoseconds: 8ms, 100us, 1s, 250ns */
  PARAM_RATE,   /* double bytes per second: 125MB/s, 500KB/s */
  PARAM_DOUBLE, /* double */
  PARAM_BOOL,   /* bool: true/false, 1/0, yes/no, on/off */
  PARAM_ENUM,   /* int: index into `choices` */
} param_kind;

typedef struct param_desc {
  const char *name; /* YAML key, kernel sysfs name where one exists */
  param_kind kind;
  size_t offset;   /* into the part's config struct */
  const char *def; /* default, in the same notation a user writes */
  double min, max; /* inclusive range (in base units); min > max: none */
  const char *const *choices; /* PARAM_ENUM: NULL-terminated */
  const char
      *help; /* one line, with the unit and where the number comes from */
} param_desc;

#define PARAM_NO_RANGE 1, 0

/* Allocate a config struct of `size` bytes and fill every default. */
void *params_defaults(const param_desc *table, size_t size);
const param_desc *params_find(const param_desc *table, const char *name);
/* Parse `text` as the value of `p` into cfg.  On error returns FALSE with
 * a message that does not carry a position (the caller adds it). */
gboolean params_set(const param_desc *p, void *cfg, const char *text,
                    GError **err);
/* The closest known name to `name` (edit distance), or NULL if none is
 * close enough to be a useful hint. */
const char *params_suggest(const param_desc *table, const char *name);
/* The same for any NULL-terminated list of names (keys, model names). */
const char *params_suggest_name(const char *const *names, const char *name);

GQuark params_error_quark(void);
#define PARAMS_ERROR (params_error_quark())
enum { PARAMS_ERROR_VALUE = 1 };

#endif
