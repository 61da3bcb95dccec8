/* `cfqsim plot DIR`: graphs of a run or sweep directory with gnuplot.
 *
 * The scripts (scripts/NAME.gp, one per graph) stay plain gnuplot: this file
 * reshapes the run's CSVs into the small data files they read (a column
 * per process, a block per process or series) in a temporary directory,
 * and passes names and labels with -e.  Images are drawn there too, then
 * copied to DIR/plots/, which must be missing, empty or ours (outdir.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "sim/cmd_plot.h"
#include "sim/commands.h"
#include "sim/gnuplot.h"
#include "sim/outdir.h"

#define MIB (1024.0 * 1024.0)

/* ---- small CSV reader: our own files, quoted only where needed ---- */

static GPtrArray *csv_split(const char *line) {
  GPtrArray *f = g_ptr_array_new_with_free_func(g_free);
  GString *cur = g_string_new(NULL);
  gboolean quoted = FALSE;
  for (const char *c = line;; c++) {
    if (quoted) {
      if (*c == '"' && c[1] == '"') {
        g_string_append_c(cur, '"');
        c++;
      } else if (*c == '"') {
        quoted = FALSE;
      } else if (*c) {
        g_string_append_c(cur, *c);
      } else {
        break;
      }
    } else if (*c == '"') {
      quoted = TRUE;
    } else if (*c == ',' || !*c) {
      g_ptr_array_add(f, g_strdup(cur->str));
      g_string_truncate(cur, 0);
      if (!*c)
        break;
    } else {
      g_string_append_c(cur, *c);
    }
  }
  g_string_free(cur, TRUE);
  return f;
}

/* Rows (GPtrArray of fields) of a CSV file, header first. */
static GPtrArray *csv_read(const char *dir, const char *name, GError **err) {
  char *path = g_build_filename(dir, name, NULL), *text = NULL;
  GPtrArray *rows = NULL;
  if (g_file_get_contents(path, &text, NULL, err)) {
    rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
    char **lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++)
      if (**l)
        g_ptr_array_add(rows, csv_split(*l));
    g_strfreev(lines);
    if (rows->len == 0) {
      g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is empty", path);
      g_clear_pointer(&rows, g_ptr_array_unref);
    }
  }
  g_free(text);
  g_free(path);
  return rows;
}

static const char *cell(GPtrArray *rows, guint r, guint c) {
  GPtrArray *row = g_ptr_array_index(rows, r);
  return c < row->len ? g_ptr_array_index(row, c) : "";
}

static int column(GPtrArray *rows, const char *name) {
  GPtrArray *h = g_ptr_array_index(rows, 0);
  for (guint i = 0; i < h->len; i++)
    if (strcmp(g_ptr_array_index(h, i), name) == 0)
      return (int)i;
  return -1;
}

static gboolean is_number(const char *s, double *v) {
  char *end;
  if (!*s)
    return FALSE;
  double x = g_ascii_strtod(s, &end);
  if (*end)
    return FALSE;
  if (v)
    *v = x;
  return TRUE;
}

static char *num(double v) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup(g_ascii_formatd(buf, sizeof buf, "%.9g", v));
}

/* ---- running gnuplot ---- */

typedef struct plot_ctx {
  char *gnuplot;
  const char *format;
  char *tmp;
  char *plots;     /* where images are drawn: `tmp` */
  char *title;     /* workload or sweep name */
  GPtrArray *made; /* image paths */
  double end_s;    /* a run's simulated end (s); 0 if unknown */
} plot_ctx;

/* `vars` is "name=value; ..." gnuplot statements after the common ones. */
static gboolean render(plot_ctx *c, const char *graph, const char *datafile,
                       const char *vars, GError **err) {
  g_autofree char *script = g_strconcat(graph, ".gp", NULL);
  g_autofree char *image_name = g_strconcat(graph, ".", c->format, NULL);
  char *image = g_build_filename(c->plots, image_name, NULL);
  const char *term = strcmp(c->format, "svg") == 0
                         ? "svg size 960,600 dynamic background rgb 'white'"
                         : "png size 960,600";
  g_autofree char *qd = gnuplot_str(datafile), *qo = gnuplot_str(image),
                  *qt = gnuplot_str(term), *qw = gnuplot_str(c->title);
  g_autofree char *e =
      g_strdup_printf("datafile=%s; outfile=%s; term=%s; wl=%s; %s", qd, qo, qt,
                      qw, vars ? vars : "");
  if (!gnuplot_run(c->gnuplot, script, e, NULL, err)) {
    g_free(image);
    return FALSE;
  }
  g_ptr_array_add(c->made, image);
  return TRUE;
}

static char *tmp_file(plot_ctx *c, const char *name, GString *contents,
                      GError **err) {
  char *path = g_build_filename(c->tmp, name, NULL);
  if (!g_file_set_contents(path, contents->str, (gssize)contents->len, err))
    g_clear_pointer(&path, g_free);
  g_string_free(contents, TRUE);
  return path;
}

/* gnuplot's 8 default line colours repeat from the 9th line on, so every
 * graph with a line per process or series loads its own: hues spread over
 * the circle, alternately light and dark so that neighbours differ, and
 * nudged where two would round to the same RGB, so no two are equal
 * however many there are. */
static guint32 hsv_rgb(double h, double s, double v) {
  double r = v, g = v, b = v;
  if (s > 0) {
    double f = h * 6 - floor(h * 6), p = v * (1 - s), q = v * (1 - s * f),
           t = v * (1 - s * (1 - f));
    switch ((int)floor(h * 6) % 6) {
    case 0:
      r = v;
      g = t;
      b = p;
      break;
    case 1:
      r = q;
      g = v;
      b = p;
      break;
    case 2:
      r = p;
      g = v;
      b = t;
      break;
    case 3:
      r = p;
      g = q;
      b = v;
      break;
    case 4:
      r = t;
      g = p;
      b = v;
      break;
    default:
      r = v;
      g = p;
      b = q;
      break;
    }
  }
  return (guint32)lround(r * 255) << 16 | (guint32)lround(g * 255) << 8 |
         (guint32)lround(b * 255);
}

/* A `load` statement for the -e variables that gives linetypes 1..n
 * distinct colours, or NULL on error. */
static char *linetypes(plot_ctx *c, guint n, GError **err) {
  GString *d = g_string_new(NULL);
  GHashTable *used = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (guint i = 0; i < n; i++) {
    guint32 rgb = hsv_rgb((double)i / n, 0.9, i % 2 ? 0.55 : 0.85);
    while (g_hash_table_contains(used, GUINT_TO_POINTER(rgb + 1)))
      rgb = (rgb + 1) & 0xffffff;
    g_hash_table_add(used, GUINT_TO_POINTER(rgb + 1)); /* never NULL */
    g_string_append_printf(d, "set linetype %u lc rgb '#%06x'\n", i + 1, rgb);
  }
  g_hash_table_unref(used);
  char *path = tmp_file(c, "linetypes.gp", d, err);
  if (!path)
    return NULL;
  char *q = gnuplot_str(path);
  char *load = g_strdup_printf("load %s", q);
  g_free(q);
  g_free(path);
  return load;
}

/* `tend=<s>`: the graphs over simulated time stop where the run did. */
static char *tend_var(const plot_ctx *c) {
  char *t = num(c->end_s);
  char *v = g_strdup_printf("tend=%s", t);
  g_free(t);
  return v;
}

/* Draws GRAPH from `d` (written to the temporary file NAME, and freed) with
 * the -e statements `vars` and `n` distinct line colours. */
static gboolean render_lines(plot_ctx *c, const char *graph, const char *name,
                             GString *d, guint n, const char *vars,
                             GError **err) {
  char *data = tmp_file(c, name, d, err);
  char *load = data ? linetypes(c, n, err) : NULL;
  gboolean ok = FALSE;
  if (load) {
    char *all = g_strdup_printf("%s; %s", vars, load);
    ok = render(c, graph, data, all, err);
    g_free(all);
  }
  g_free(load);
  g_free(data);
  return ok;
}

/* ---- run directories ---- */

/* timeseries.csv has a row per window and process, window by window and
 * the processes in declared order: the processes are those of the first
 * window. */
static void windows(GPtrArray *rows, int cw, int cp, GPtrArray *procs,
                    GArray *starts) {
  for (guint r = 1; r < rows->len; r++) {
    double w = 0;
    is_number(cell(rows, r, cw), &w);
    if (starts->len == 0 || g_array_index(starts, double, starts->len - 1) != w)
      g_array_append_val(starts, w);
    if (starts->len == 1)
      g_ptr_array_add(procs, (gpointer)cell(rows, r, cp));
  }
}

/* "time_s,<process>..." and a row of MiB/s per window. */
static GString *throughput_table(GPtrArray *rows, int cw, int cb,
                                 GPtrArray *procs, double win) {
  GString *d = g_string_new("time_s");
  for (guint i = 0; i < procs->len; i++) {
    char *w = gnuplot_word(g_ptr_array_index(procs, i));
    g_string_append_printf(d, ",%s", w);
    g_free(w);
  }
  for (guint r = 1; r < rows->len; r++) {
    guint i = (r - 1) % procs->len;
    double bytes = 0;
    is_number(cell(rows, r, cb), &bytes);
    char *v = num(bytes / MIB / (win / 1e9));
    if (i == 0) {
      double w = 0;
      is_number(cell(rows, r, cw), &w);
      char *t = num(w / 1e9);
      g_string_append_printf(d, "\n%s", t);
      g_free(t);
    }
    g_string_append_printf(d, ",%s", v);
    g_free(v);
  }
  return d;
}

/* Steps draw a window from its start: the last one is repeated at the end
 * of the run (`end_s`) so that it is drawn to there. */
static void extend_to_end(GString *d, double last_start_s, double end_s) {
  if (end_s > last_start_s) {
    const char *prev = strrchr(d->str, '\n');
    char *row = g_strdup(strchr(prev, ','));
    char *t = num(end_s);
    g_string_append_printf(d, "\n%s%s", t, row);
    g_free(t);
    g_free(row);
  }
  g_string_append_c(d, '\n');
}

static gboolean plot_throughput(plot_ctx *c, const char *dir, GError **err) {
  GPtrArray *rows = csv_read(dir, "timeseries.csv", err);
  if (!rows)
    return FALSE;
  int cw = column(rows, "window_start_ns"), cp = column(rows, "process"),
      cb = column(rows, "bytes");
  if (cw < 0 || cp < 0 || cb < 0) {
    g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "%s/timeseries.csv lacks its columns", dir);
    g_ptr_array_unref(rows);
    return FALSE;
  }
  GPtrArray *procs = g_ptr_array_new();
  GArray *starts = g_array_new(FALSE, FALSE, sizeof(double));
  windows(rows, cw, cp, procs, starts);
  gboolean ok = FALSE;
  if (procs->len == 0 || starts->len == 0) {
    g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "%s/timeseries.csv has no windows", dir);
  } else {
    double first = g_array_index(starts, double, 0),
           last = g_array_index(starts, double, starts->len - 1);
    double win =
        starts->len > 1 ? g_array_index(starts, double, 1) - first : 1e8;
    GString *d = throughput_table(rows, cw, cb, procs, win);
    extend_to_end(d, last / 1e9, c->end_s);
    char *tend = tend_var(c);
    char *vars = g_strdup_printf("n=%u; %s", procs->len, tend);
    ok = render_lines(c, "throughput", "throughput.dat", d, procs->len, vars,
                      err);
    g_free(vars);
    g_free(tend);
  }
  g_array_unref(starts);
  g_ptr_array_unref(procs);
  g_ptr_array_unref(rows);
  return ok;
}

static gboolean plot_jain(plot_ctx *c, const char *dir, GError **err) {
  char *data = g_build_filename(dir, "fairness.csv", NULL);
  gboolean ok = g_file_test(data, G_FILE_TEST_IS_REGULAR);
  if (!ok)
    g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s is missing", data);
  else {
    char *tend = tend_var(c);
    ok = render(c, "jain", data, tend, err);
    g_free(tend);
  }
  g_free(data);
  return ok;
}

static gboolean plot_shares(plot_ctx *c, const char *dir, GError **err) {
  char *path = g_build_filename(dir, "metrics.json", NULL);
  JsonParser *p = json_parser_new();
  gboolean ok = FALSE;
  if (!json_parser_load_from_file(p, path, err))
    goto out;
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  JsonObject *fair = o && json_object_has_member(o, "fairness")
                         ? json_object_get_object_member(o, "fairness")
                         : NULL;
  if (!fair || !json_object_has_member(fair, "shares")) {
    g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "%s has no fairness.shares", path);
    goto out;
  }
  JsonArray *shares = json_object_get_array_member(fair, "shares");
  GString *d = g_string_new(NULL); /* no header: it would be a bar */
  gboolean disk = FALSE;
  for (guint i = 0; i < json_array_get_length(shares); i++) {
    JsonObject *s = json_array_get_object_element(shares, i);
    char *w =
        gnuplot_word(json_object_get_string_member_with_default(s, "name", ""));
    char *a = num(
        json_object_get_double_member_with_default(s, "throughput_share", 0));
    char *b =
        num(json_object_get_double_member_with_default(s, "ideal_share", 0));
    char *t = json_object_has_member(s, "disk_time_share")
                  ? num(json_object_get_double_member(s, "disk_time_share"))
                  : g_strdup("");
    disk |= *t != '\0';
    g_string_append_printf(d, "%s,%s,%s,%s\n", w, a, b, t);
    g_free(w);
    g_free(a);
    g_free(b);
    g_free(t);
  }
  char *data = tmp_file(c, "shares.dat", d, err);
  if (data)
    ok = render(c, "shares", data, disk ? "disk=1" : "disk=0", err);
  g_free(data);
out:
  g_object_unref(p);
  g_free(path);
  return ok;
}

static guint name_index(GPtrArray *names, const char *name) {
  guint i = 0;
  while (i < names->len && strcmp(g_ptr_array_index(names, i), name) != 0)
    i++;
  if (i == names->len)
    g_ptr_array_add(names, (gpointer)name);
  return i;
}

/* A row per slice: start and end (s), the owner's row on the chart (in
 * order of first activation, appended to `owners`), 2 if the slice timed
 * out else 1, and 1 if it has no width and needs a mark. */
static GString *timeline_table(GPtrArray *rows, int co, int cs, int ce, int ct,
                               GPtrArray *owners) {
  GString *d = g_string_new(NULL);
  for (guint r = 1; r < rows->len; r++) {
    guint row = name_index(owners, cell(rows, r, co));
    double s = 0, e = 0, t = 0;
    is_number(cell(rows, r, cs), &s);
    is_number(cell(rows, r, ce), &e);
    is_number(cell(rows, r, ct), &t);
    char *ss = num(s / 1e9), *es = num(e / 1e9);
    g_string_append_printf(d, "%s,%s,%u,%d,%d\n", ss, es, row, t != 0 ? 2 : 1,
                           e <= s);
    g_free(ss);
    g_free(es);
  }
  return d;
}

/* The owners' names on the y axis, their count and tend. */
static char *timeline_vars(const plot_ctx *c, GPtrArray *owners) {
  GString *tics = g_string_new("set ytics (");
  for (guint i = 0; i < owners->len; i++) {
    char *w = gnuplot_word(g_ptr_array_index(owners, i));
    char *q = gnuplot_str(w);
    g_string_append_printf(tics, "%s%s %u", i ? ", " : "", q, i);
    g_free(q);
    g_free(w);
  }
  char *tend = tend_var(c);
  g_string_append_printf(tics, "); n=%u; %s", owners->len, tend);
  g_free(tend);
  return g_string_free(tics, FALSE);
}

/* The CFQ Gantt chart from slices.csv (runs on a cfq device only).  A
 * CFQ device that no queue ever held has no slices: nothing to draw,
 * which is said on stderr and is no failure. */
static gboolean plot_timeline(plot_ctx *c, const char *dir, GError **err) {
  GPtrArray *rows = csv_read(dir, "slices.csv", err);
  if (!rows)
    return FALSE;
  int co = column(rows, "owner"), cs = column(rows, "start_ns"),
      ce = column(rows, "end_ns"), ct = column(rows, "timed_out");
  gboolean ok = FALSE;
  if (co < 0 || cs < 0 || ce < 0 || ct < 0) {
    g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "%s/slices.csv lacks its columns", dir);
  } else if (rows->len < 2) {
    fprintf(stderr,
            "cfqsim plot: skipped the timeline: %s/slices.csv has no "
            "slices (no CFQ queue held a device)\n",
            dir);
    ok = TRUE;
  } else {
    GPtrArray *owners = g_ptr_array_new();
    GString *d = timeline_table(rows, co, cs, ce, ct, owners);
    char *vars = timeline_vars(c, owners);
    char *data = tmp_file(c, "timeline.dat", d, err);
    if (data)
      ok = render(c, "timeline", data, vars, err);
    g_free(data);
    g_free(vars);
    g_ptr_array_unref(owners);
  }
  g_ptr_array_unref(rows);
  return ok;
}

static gint cmp_i64(gconstpointer a, gconstpointer b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Every process's name, in the workload's order (processes.csv, when the
 * run directory has it), then any other in first-appearance order in
 * latencies.csv `rows`; the names point into `procs` and `rows`. */
static GPtrArray *latency_names(GPtrArray *procs, GPtrArray *rows) {
  GPtrArray *names = g_ptr_array_new();
  int cn = procs ? column(procs, "name") : -1;
  for (guint r = 1; cn >= 0 && r < procs->len; r++)
    name_index(names, cell(procs, r, (guint)cn));
  for (guint r = 1; r < rows->len; r++)
    name_index(names, cell(rows, r, 0));
  return names;
}

/* Each name's latencies (int64 ns), sorted. */
static GPtrArray *latency_samples(GPtrArray *rows, GPtrArray *names) {
  GPtrArray *samples =
      g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add(samples, g_array_new(FALSE, FALSE, sizeof(int64_t)));
  for (guint r = 1; r < rows->len; r++) {
    guint i = name_index(names, cell(rows, r, 0));
    int64_t v = g_ascii_strtoll(cell(rows, r, 1), NULL, 10);
    g_array_append_val(g_ptr_array_index(samples, i), v);
  }
  for (guint i = 0; i < names->len; i++)
    g_array_sort(g_ptr_array_index(samples, i), cmp_i64);
  return samples;
}

/* One block of "ms fraction" points for the sorted latencies `a`. */
static void cdf_block(GString *d, GArray *a) {
  char *x0 = num(MAX((double)g_array_index(a, int64_t, 0), 1.0) / 1e6);
  g_string_append_printf(d, "%s 0\n", x0);
  g_free(x0);
  for (guint k = 0; k < a->len; k++) {
    /* One point per distinct latency: the fraction at or below it. */
    if (k + 1 < a->len &&
        g_array_index(a, int64_t, k + 1) == g_array_index(a, int64_t, k))
      continue;
    char *x = num(MAX((double)g_array_index(a, int64_t, k), 1.0) / 1e6);
    char *y = num((double)(k + 1) / a->len);
    g_string_append_printf(d, "%s %s\n", x, y);
    g_free(x);
    g_free(y);
  }
}

/* The blocks of the processes with a completed I/O, and the -e statements
 * naming them (`names`), their linetypes (`lts`) and the others (`nocomp`). */
static GString *cdf_table(GPtrArray *names, GPtrArray *samples, char **vars) {
  GString *d = g_string_new(NULL), *list = g_string_new(NULL),
          *lts = g_string_new(NULL), *none = g_string_new(NULL);
  for (guint i = 0; i < names->len; i++) {
    GArray *a = g_ptr_array_index(samples, i);
    char *w = gnuplot_word(g_ptr_array_index(names, i));
    if (a->len == 0) {
      g_string_append_printf(none, "%s%s", none->len ? " " : "", w);
    } else {
      if (list->len)
        g_string_append(d, "\n\n");
      g_string_append_printf(list, "%s%s", list->len ? " " : "", w);
      g_string_append_printf(lts, "%s%u", lts->len ? " " : "", i + 1);
      cdf_block(d, a);
    }
    g_free(w);
  }
  char *q = gnuplot_str(list->str), *ql = gnuplot_str(lts->str),
       *qn = gnuplot_str(none->str);
  *vars = g_strdup_printf("names=%s; lts=%s; nocomp=%s", q, ql, qn);
  g_free(q);
  g_free(ql);
  g_free(qn);
  g_string_free(list, TRUE);
  g_string_free(lts, TRUE);
  g_string_free(none, TRUE);
  return d;
}

/* An empirical CDF per process with a completed I/O: from 0 at its
 * shortest latency, a step up at each distinct latency, to 1 (so a process
 * with a single I/O is a visible step).  Processes with none are named on
 * the graph.  A process keeps its colour (linetype) of the throughput
 * graph: its position in processes.csv. */
static gboolean plot_latency_cdf(plot_ctx *c, const char *dir, GError **err) {
  GPtrArray *rows = csv_read(dir, "latencies.csv", err);
  if (!rows)
    return FALSE;
  if (rows->len < 2) {
    g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "%s/latencies.csv: no I/O completed, no latency CDF", dir);
    g_ptr_array_unref(rows);
    return FALSE;
  }
  /* An older run directory has no processes.csv. */
  GPtrArray *procs = csv_read(dir, "processes.csv", NULL);
  GPtrArray *names = latency_names(procs, rows);
  GPtrArray *samples = latency_samples(rows, names);
  char *vars;
  GString *d = cdf_table(names, samples, &vars);
  gboolean ok = render_lines(c, "latency_cdf", "latency_cdf.dat", d, names->len,
                             vars, err);
  g_free(vars);
  g_ptr_array_unref(samples);
  g_ptr_array_unref(names);
  if (procs)
    g_ptr_array_unref(procs);
  g_ptr_array_unref(rows);
  return ok;
}

/* ---- sweep directories ---- */

typedef struct series {
  char *label;
  GPtrArray *xs; /* char *: x values in first-appearance order */
  GArray *sum, *count;
} series;

static void series_free(gpointer p) {
  series *s = p;
  g_free(s->label);
  g_ptr_array_unref(s->xs);
  g_array_unref(s->sum);
  g_array_unref(s->count);
  g_free(s);
}

/* "mean over P=a,b; seed=1,2": the columns in [1, cs] other than the
 * axes that take more than one value, which each point averages over;
 * empty if none does. */
static char *averaged_over(GPtrArray *rows, int cs, int cx, int cb) {
  GString *note = g_string_new(NULL);
  for (int k = 1; k <= cs; k++) {
    if (k == cx || k == cb)
      continue;
    GPtrArray *vals = g_ptr_array_new();
    for (guint r = 1; r < rows->len; r++)
      name_index(vals, cell(rows, r, (guint)k));
    if (vals->len > 1) {
      g_string_append_printf(note, "%s%s=", note->len ? "; " : "mean over ",
                             cell(rows, 0, (guint)k));
      /* A long list is cut to its ends and a count. */
      for (guint i = 0; i < vals->len; i++) {
        if (vals->len > 6 && i >= 2 && i + 1 < vals->len) {
          if (i == 2)
            g_string_append(note, ",...");
          continue;
        }
        g_string_append_printf(note, "%s%s", i ? "," : "",
                               (char *)g_ptr_array_index(vals, i));
      }
      if (vals->len > 6)
        g_string_append_printf(note, " (%u values)", vals->len);
    }
    g_ptr_array_unref(vals);
  }
  return g_string_free(note, FALSE);
}

/* The first numeric metric (a column after the seed's, `cs`), or NULL. */
static const char *first_numeric(GPtrArray *rows, int cs) {
  GPtrArray *head = g_ptr_array_index(rows, 0);
  for (guint k = (guint)cs + 1; k < head->len; k++) {
    gboolean numeric = rows->len > 1;
    for (guint r = 1; r < rows->len && numeric; r++)
      numeric = is_number(cell(rows, r, k), NULL);
    if (numeric)
      return g_ptr_array_index(head, k);
  }
  return NULL;
}

/* The usage error for an axis that is not a parameter (the columns before
 * the seed's) or a metric (after it). */
static gboolean axes_error(GPtrArray *rows, int cs, GError **err) {
  GPtrArray *head = g_ptr_array_index(rows, 0);
  GString *p = g_string_new(NULL), *m = g_string_new(NULL);
  for (guint k = 1; k < head->len; k++)
    if ((int)k != cs)
      g_string_append_printf((int)k < cs ? p : m, " %s",
                             (char *)g_ptr_array_index(head, k));
  cmd_usage_error(err,
                  "--x and --series take a swept parameter (%s ), --y a "
                  "metric (%s )",
                  p->len ? p->str : " none", m->len ? m->str : " none");
  g_string_free(p, TRUE);
  g_string_free(m, TRUE);
  return FALSE;
}

static gboolean has_number(GPtrArray *rows, guint k) {
  for (guint r = 1; r < rows->len; r++)
    if (is_number(cell(rows, r, k), NULL))
      return TRUE;
  return FALSE;
}

/* A metric without a single number would leave gnuplot nothing to draw:
 * the usage error names those that have one. */
static gboolean no_numbers_error(GPtrArray *rows, int cs, const char *y,
                                 GError **err) {
  GPtrArray *head = g_ptr_array_index(rows, 0);
  GString *m = g_string_new(NULL);
  for (guint k = (guint)cs + 1; k < head->len; k++)
    if (has_number(rows, k))
      g_string_append_printf(m, " %s", (char *)g_ptr_array_index(head, k));
  cmd_usage_error(err, "--y takes a metric with numbers (%s ), not '%s'",
                  m->len ? m->str : " none", y);
  g_string_free(m, TRUE);
  return FALSE;
}

/* The columns a sweep is drawn from. */
typedef struct sweep_axes {
  const char *x, *y, *by; /* names: swept parameters x and by, metric y */
  int cs, cx, cy, cb;     /* columns: the seed, x, y, by (-1: none) */
} sweep_axes;

/* --x, --y and --series, or the defaults: the first parameter, the first
 * numeric metric, no series. */
static gboolean find_axes(GPtrArray *rows, const char *dir, sweep_axes *ax,
                          GError **err) {
  ax->cs = column(rows, "seed");
  if (ax->cs < 1) {
    g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "%s/results.csv is not a sweep's results", dir);
    return FALSE;
  }
  if (!ax->x && ax->cs > 1)
    ax->x = cell(rows, 0, 1);
  if (!ax->y)
    ax->y = first_numeric(rows, ax->cs);
  ax->cx = ax->x ? column(rows, ax->x) : -1;
  ax->cy = ax->y ? column(rows, ax->y) : -1;
  ax->cb = ax->by ? column(rows, ax->by) : -1;
  if (ax->cx < 1 || ax->cx >= ax->cs || ax->cy <= ax->cs ||
      (ax->by && (ax->cb < 1 || ax->cb >= ax->cs)))
    return axes_error(rows, ax->cs, err);
  if (!has_number(rows, (guint)ax->cy))
    return no_numbers_error(rows, ax->cs, ax->y, err);
  return TRUE;
}

/* The series `label` of `all`, added if new. */
static series *series_of(GPtrArray *all, const char *label) {
  for (guint i = 0; i < all->len; i++)
    if (strcmp(((series *)g_ptr_array_index(all, i))->label, label) == 0)
      return g_ptr_array_index(all, i);
  series *s = g_new0(series, 1);
  s->label = g_strdup(label);
  s->xs = g_ptr_array_new_with_free_func(g_free);
  s->sum = g_array_new(FALSE, TRUE, sizeof(double));
  s->count = g_array_new(FALSE, TRUE, sizeof(guint));
  g_ptr_array_add(all, s);
  return s;
}

/* The series (one per value of --series, else one) with the sum and count
 * of y at each x value, for the mean over replicates; empty cells (no such
 * value) are skipped.  `categorical`: some x value is not a number. */
static GPtrArray *collect_series(GPtrArray *rows, const sweep_axes *ax,
                                 gboolean *categorical) {
  GPtrArray *all = g_ptr_array_new_with_free_func(series_free);
  *categorical = FALSE;
  for (guint r = 1; r < rows->len; r++) {
    series *s =
        series_of(all, ax->cb >= 0 ? cell(rows, r, (guint)ax->cb) : ax->y);
    const char *xv = cell(rows, r, (guint)ax->cx);
    *categorical |= !is_number(xv, NULL);
    guint i = 0;
    while (i < s->xs->len && strcmp(g_ptr_array_index(s->xs, i), xv) != 0)
      i++;
    if (i == s->xs->len) {
      g_ptr_array_add(s->xs, g_strdup(xv));
      g_array_set_size(s->sum, i + 1);
      g_array_set_size(s->count, i + 1);
    }
    double v;
    if (is_number(cell(rows, r, (guint)ax->cy), &v)) {
      g_array_index(s->sum, double, i) += v;
      g_array_index(s->count, guint, i)++;
    }
  }
  return all;
}

/* A block of "x mean label" per series; the series' names into `names`. */
static GString *sweep_table(GPtrArray *all, const sweep_axes *ax,
                            gboolean categorical, GString *names) {
  GString *d = g_string_new(NULL);
  for (guint i = 0; i < all->len; i++) {
    series *s = g_ptr_array_index(all, i);
    if (i > 0)
      g_string_append(d, "\n\n");
    char *w = ax->cb >= 0 ? g_strdup_printf("%s=%s", ax->by, s->label)
                          : g_strdup(s->label);
    char *ww = gnuplot_word(w);
    g_string_append_printf(names, "%s%s", i ? " " : "", ww);
    g_free(ww);
    g_free(w);
    for (guint k = 0; k < s->xs->len; k++) {
      guint n = g_array_index(s->count, guint, k);
      char *xv = categorical ? g_strdup_printf("%u", k)
                             : g_strdup(g_ptr_array_index(s->xs, k));
      char *yv =
          n ? num(g_array_index(s->sum, double, k) / n) : g_strdup("NaN");
      char *lab = gnuplot_word(g_ptr_array_index(s->xs, k));
      g_string_append_printf(d, "%s %s %s\n", xv, yv, lab);
      g_free(xv);
      g_free(yv);
      g_free(lab);
    }
  }
  return d;
}

/* The -e statements of the sweep graph. */
static char *sweep_vars(GPtrArray *rows, const sweep_axes *ax,
                        gboolean categorical, const char *names) {
  char *note = averaged_over(rows, ax->cs, ax->cx, ax->cb);
  char *qn = gnuplot_str(names), *qx = gnuplot_str(ax->x),
       *qy = gnuplot_str(ax->y), *qo = gnuplot_str(note);
  char *vars = g_strdup_printf("names=%s; categorical=%d; xname=%s; yname=%s; "
                               "note=%s",
                               qn, categorical, qx, qy, qo);
  g_free(qn);
  g_free(qx);
  g_free(qy);
  g_free(qo);
  g_free(note);
  return vars;
}

static gboolean plot_sweep(plot_ctx *c, const char *dir, const char *x,
                           const char *y, const char *by, GError **err) {
  GPtrArray *rows = csv_read(dir, "results.csv", err);
  if (!rows)
    return FALSE;
  sweep_axes ax = {.x = x, .y = y, .by = by};
  gboolean ok = FALSE;
  if (find_axes(rows, dir, &ax, err)) {
    gboolean categorical;
    GPtrArray *all = collect_series(rows, &ax, &categorical);
    GString *names = g_string_new(NULL);
    GString *d = sweep_table(all, &ax, categorical, names);
    char *vars = sweep_vars(rows, &ax, categorical, names->str);
    ok = render_lines(c, "sweep", "sweep.dat", d, all->len, vars, err);
    g_free(vars);
    g_string_free(names, TRUE);
    g_ptr_array_unref(all);
  }
  g_ptr_array_unref(rows);
  return ok;
}

/* Best effort: our own temporary directory of plain files. */
static void remove_tmp(const char *dir) {
  GDir *d = g_dir_open(dir, 0, NULL);
  if (d) {
    const char *n;
    while ((n = g_dir_read_name(d))) {
      char *p = g_build_filename(dir, n, NULL);
      g_unlink(p);
      g_free(p);
    }
    g_dir_close(d);
  }
  g_rmdir(dir);
}

/* The simulated time the run ended at (metrics.json sim_time_ns), in
 * seconds; 0 if unknown. */
static double run_end(const char *dir) {
  char *path = g_build_filename(dir, "metrics.json", NULL);
  JsonParser *p = json_parser_new();
  double end = 0;
  if (json_parser_load_from_file(p, path, NULL)) {
    JsonNode *root = json_parser_get_root(p);
    if (JSON_NODE_HOLDS_OBJECT(root))
      end = json_object_get_int_member_with_default(json_node_get_object(root),
                                                    "sim_time_ns", 0) /
            1e9;
  }
  g_object_unref(p);
  g_free(path);
  return end > 0 ? end : 0;
}

static char *run_title(const char *dir) {
  char *path = g_build_filename(dir, "metrics.json", NULL);
  JsonParser *p = json_parser_new();
  char *t = NULL;
  if (json_parser_load_from_file(p, path, NULL)) {
    JsonNode *root = json_parser_get_root(p);
    if (JSON_NODE_HOLDS_OBJECT(root))
      t = g_strdup(json_object_get_string_member_with_default(
          json_node_get_object(root), "workload", NULL));
  }
  g_object_unref(p);
  g_free(path);
  return t ? t : g_path_get_basename(dir);
}

/* gnuplot, its scripts and a temporary directory to draw in. */
static gboolean plot_ctx_init(plot_ctx *c, const char *dir, gboolean is_sweep,
                              const char *format, GError **err) {
  char *gnuplot = g_find_program_in_path("gnuplot");
  if (!gnuplot) {
    g_set_error(err, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT,
                "gnuplot is not on PATH; install it with "
                "scripts/install-deps.sh (Debian package gnuplot-nox)");
    return FALSE;
  }
  char *tmp = g_dir_make_tmp("cfqsim-plot-XXXXXX", err);
  if (!tmp) {
    g_free(gnuplot);
    return FALSE;
  }
  *c = (plot_ctx){gnuplot,
                  format ? format : "png",
                  tmp,
                  g_strdup(tmp),
                  is_sweep ? g_path_get_basename(dir) : run_title(dir),
                  g_ptr_array_new_with_free_func(g_free),
                  is_sweep ? 0 : run_end(dir)};
  if (g_mkdir_with_parents(c->plots, 0777) != 0) {
    int e = errno;
    g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e),
                "cannot create %s: %s", c->plots, g_strerror(e));
    return FALSE;
  }
  return TRUE;
}

static void plot_ctx_clear(plot_ctx *c) {
  if (c->tmp)
    remove_tmp(c->tmp);
  g_free(c->tmp);
  if (c->made)
    g_ptr_array_unref(c->made);
  g_free(c->plots);
  g_free(c->title);
  g_free(c->gnuplot);
}

/* Whether DIR holds a sweep's results.csv or a run's metrics.json. */
static gboolean dir_kind(const char *dir, gboolean *is_sweep, GError **err) {
  char *results = g_build_filename(dir, "results.csv", NULL);
  char *metrics = g_build_filename(dir, "metrics.json", NULL);
  *is_sweep = g_file_test(results, G_FILE_TEST_IS_REGULAR);
  gboolean is_run = g_file_test(metrics, G_FILE_TEST_IS_REGULAR);
  g_free(results);
  g_free(metrics);
  if (*is_sweep || is_run)
    return TRUE;
  g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NOENT,
              "%s is neither a run directory (metrics.json) nor a sweep "
              "directory (results.csv)",
              dir);
  return FALSE;
}

static gboolean plot_run(plot_ctx *c, const char *dir, GError **err) {
  if (!plot_throughput(c, dir, err) || !plot_jain(c, dir, err) ||
      !plot_shares(c, dir, err))
    return FALSE;
  /* A run in which nothing completed has no latencies to draw. */
  GError *skip = NULL;
  if (!plot_latency_cdf(c, dir, &skip)) {
    fprintf(stderr, "cfqsim plot: skipped: %s\n", skip->message);
    g_error_free(skip);
  }
  /* Only runs on a CFQ device have a slice timeline. */
  char *slices = g_build_filename(dir, "slices.csv", NULL);
  gboolean ok = !g_file_test(slices, G_FILE_TEST_IS_REGULAR) ||
                plot_timeline(c, dir, err);
  g_free(slices);
  return ok;
}

/* What was drawn goes to DIR/plots and is listed on stdout, even if a later
 * graph failed (`drawn` FALSE). */
static gboolean keep_plots(const plot_ctx *c, const char *plots, gboolean drawn,
                           GError **err) {
  gboolean kept =
      !c->made->len ||
      outdir_add_files(plots, OUTDIR_PLOTS, c->made, drawn ? err : NULL);
  for (guint i = 0; kept && i < c->made->len; i++) {
    char *name = g_path_get_basename(g_ptr_array_index(c->made, i));
    char *path = g_build_filename(plots, name, NULL);
    printf("%s\n", path);
    g_free(path);
    g_free(name);
  }
  return drawn && kept;
}

typedef struct plot_args {
  char *format, *x, *y, *by;
} plot_args;

static int plot_dir(const plot_args *a, const char *dir, GError **err) {
  gboolean is_sweep;
  if (!dir_kind(dir, &is_sweep, err))
    return CMD_FAILED;
  char *plots = g_build_filename(dir, "plots", NULL);
  plot_ctx c = {0};
  int status = CMD_FAILED;
  if (outdir_may_replace(plots, OUTDIR_PLOTS, err) &&
      plot_ctx_init(&c, dir, is_sweep, a->format, err)) {
    gboolean drawn = is_sweep ? plot_sweep(&c, dir, a->x, a->y, a->by, err)
                              : plot_run(&c, dir, err);
    if (keep_plots(&c, plots, drawn, err))
      status = EXIT_OK;
  }
  plot_ctx_clear(&c);
  g_free(plots);
  return status;
}

static gboolean check_format(const char *format, GError **err) {
  if (!format || strcmp(format, "png") == 0 || strcmp(format, "svg") == 0)
    return TRUE;
  return cmd_usage_error(err, "--format must be png or svg, not '%s'", format);
}

int cmd_plot(int argc, char **argv) {
  cmd_common c = CMD_COMMON_INIT("plot");
  plot_args a = {0};
  GOptionEntry entries[] = {
      {"format", 0, 0, G_OPTION_ARG_STRING, &a.format, "png (default) or svg",
       "F"},
      {"x", 0, 0, G_OPTION_ARG_STRING, &a.x,
       "Sweep: the swept parameter on the x axis (default: the first)", "PATH"},
      {"y", 0, 0, G_OPTION_ARG_STRING, &a.y,
       "Sweep: the metric on the y axis (default: the first numeric one)",
       "METRIC"},
      {"series", 0, 0, G_OPTION_ARG_STRING, &a.by,
       "Sweep: one line per value of this swept parameter", "PATH"},
      cmd_opt_args(&c),
      CMD_OPT_END};
  GError *err = NULL;
  int status = CMD_FAILED;
  if (cmd_parse(
          &c, entries, "DIR",
          "Draw the graphs of a run directory (throughput, Jain's index, "
          "shares, latency CDF)\nor of a sweep directory (a metric against "
          "a parameter) into DIR/plots/ with gnuplot.",
          argc, argv, &err) &&
      cmd_one_arg(&c, "run or sweep directory", &err) &&
      check_format(a.format, &err))
    status = plot_dir(&a, c.args[0], &err);
  g_free(a.format);
  g_free(a.x);
  g_free(a.y);
  g_free(a.by);
  return cmd_finish(&c, status, err);
}
