/* Output directories: the .cfqsim marker and the replace-only-our-own rule
 * (see outdir.h).  Nothing here follows a symbolic link: a link is never
 * something cfqsim wrote. */
#include "sim/outdir.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

/* clang-format off */
G_DEFINE_QUARK(cfqsim-outdir-error-quark, outdir_error)
/* clang-format on */

/* Far above any marker cfqsim writes; a bigger file is not ours. */
#define MARKER_MAX (1 << 20)
#define PLOTS_DIR "plots"
#define POINTS_DIR "points"

static gint cmp_str(gconstpointer a, gconstpointer b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char *outdir_marker_text(const char *kind, const char *const *names, guint n) {
  GPtrArray *sorted = g_ptr_array_new();
  for (guint i = 0; i < n; i++)
    g_ptr_array_add(sorted, (gpointer)names[i]);
  g_ptr_array_sort(sorted, cmp_str);
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "cfqsim %s\n", kind);
  for (guint i = 0; i < sorted->len; i++)
    g_string_append_printf(s, "%s\n",
                           (const char *)g_ptr_array_index(sorted, i));
  g_ptr_array_unref(sorted);
  return g_string_free(s, FALSE);
}

/* The marker's kind and names, NULL if `dir` has no readable marker. */
static char *read_marker(const char *dir, char ***names) {
  char *path = g_build_filename(dir, OUTDIR_MARKER, NULL);
  char *text = NULL, *kind = NULL;
  gsize len = 0;
  GStatBuf st;
  *names = NULL;
  if (g_lstat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_size > MARKER_MAX ||
      !g_file_get_contents(path, &text, &len, NULL) ||
      memchr(text, '\0', len)) {
    g_free(text);
    g_free(path);
    return NULL;
  }
  char **lines = g_strsplit(text, "\n", -1);
  if (lines[0] && g_str_has_prefix(lines[0], "cfqsim ") && lines[0][7]) {
    kind = g_strdup(lines[0] + 7);
    GPtrArray *a = g_ptr_array_new();
    for (char **l = lines + 1; *l; l++)
      if (**l)
        g_ptr_array_add(a, g_strdup(*l));
    g_ptr_array_add(a, NULL);
    *names = (char **)g_ptr_array_free(a, FALSE);
  }
  g_strfreev(lines);
  g_free(text);
  g_free(path);
  return kind;
}

char **outdir_marker_names(const char *dir, const char *kind) {
  char **names = NULL;
  char *k = read_marker(dir, &names);
  if (!k || strcmp(k, kind) != 0)
    g_clear_pointer(&names, g_strfreev);
  g_free(k);
  return names;
}

static gboolean is_dir(const char *path) {
  GStatBuf st;
  return g_lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

typedef enum { TREE_OURS, TREE_FOREIGN, TREE_OTHER_KIND } tree_verdict;

static tree_verdict check_tree(const char *dir, const char *kind,
                               const char *prefix, GPtrArray *foreign,
                               char **other_kind);

/* One entry of a result directory: a subdirectory cfqsim may have written
 * itself (a run's or sweep's plots/, a sweep's points/). */
static void check_subdir(const char *child, const char *name,
                         const char *prefix, GPtrArray *foreign) {
  char *sub = g_strconcat(prefix, name, "/", NULL), *other = NULL;
  if (strcmp(name, PLOTS_DIR) == 0) {
    if (check_tree(child, OUTDIR_PLOTS, sub, foreign, &other) ==
        TREE_OTHER_KIND)
      g_ptr_array_add(foreign, g_strconcat(prefix, name, NULL));
  } else { /* a sweep's points/ */
    GDir *d = g_dir_open(child, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d))) {
      char *point = g_build_filename(child, n, NULL);
      char *psub = g_strconcat(sub, n, "/", NULL);
      GStatBuf st;
      if (g_lstat(point, &st) != 0 || !S_ISDIR(st.st_mode) ||
          check_tree(point, OUTDIR_RUN, psub, foreign, &other) ==
              TREE_OTHER_KIND)
        g_ptr_array_add(foreign, g_strconcat(sub, n, NULL));
      g_clear_pointer(&other, g_free);
      g_free(psub);
      g_free(point);
    }
    if (d)
      g_dir_close(d);
    else
      g_ptr_array_add(foreign, g_strconcat(prefix, name, NULL));
  }
  g_free(other);
  g_free(sub);
}

/* Whether `dir` (an existing directory) holds only what cfqsim wrote as a
 * `kind` result.  What is not ours goes to `foreign`, as a path relative to
 * the top directory; a marker of another kind is returned in *other_kind. */
static tree_verdict check_tree(const char *dir, const char *kind,
                               const char *prefix, GPtrArray *foreign,
                               char **other_kind) {
  char **names = NULL;
  char *found = read_marker(dir, &names);
  if (found && strcmp(found, kind) != 0) {
    *other_kind = found;
    g_strfreev(names);
    return TREE_OTHER_KIND;
  }
  guint before = foreign->len;
  GDir *d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    char *child = g_build_filename(dir, name, NULL);
    GStatBuf st;
    gboolean listed =
        found && (strcmp(name, OUTDIR_MARKER) == 0 ||
                  g_strv_contains((const char *const *)names, name));
    if (g_lstat(child, &st) == 0 && S_ISREG(st.st_mode) && listed) {
      /* ours */
    } else if (g_lstat(child, &st) == 0 && S_ISDIR(st.st_mode) &&
               ((found && strcmp(name, PLOTS_DIR) == 0 &&
                 strcmp(kind, OUTDIR_PLOTS) != 0) ||
                (strcmp(name, POINTS_DIR) == 0 &&
                 strcmp(kind, OUTDIR_SWEEP) == 0))) {
      check_subdir(child, name, prefix, foreign);
    } else {
      g_ptr_array_add(foreign, g_strconcat(prefix, name, NULL));
    }
    g_free(child);
  }
  if (d)
    g_dir_close(d);
  else
    g_ptr_array_add(foreign, g_strdup(*prefix ? prefix : "."));
  g_free(found);
  g_strfreev(names);
  return foreign->len == before ? TREE_OURS : TREE_FOREIGN;
}

static char *quoted_list(GPtrArray *names) {
  g_ptr_array_sort(names, cmp_str);
  GString *s = g_string_new(NULL);
  guint shown = MIN(names->len, 3);
  for (guint i = 0; i < shown; i++)
    g_string_append_printf(s, "%s'%s'", i ? ", " : "",
                           (const char *)g_ptr_array_index(names, i));
  if (names->len > shown)
    g_string_append_printf(s, " and %u more", names->len - shown);
  return g_string_free(s, FALSE);
}

gboolean outdir_may_replace(const char *dir, const char *kind, GError **err) {
  GStatBuf st;
  if (g_lstat(dir, &st) != 0)
    return TRUE; /* nothing there (or unreachable: creating it will say) */
  gboolean plots = strcmp(kind, OUTDIR_PLOTS) == 0;
  gboolean into = plots || strcmp(kind, OUTDIR_SWEEP) == 0;
  const char *verb = into ? "write into" : "replace";
  const char *how = plots ? "move it away (cfqsim plot writes its graphs there)"
                          : "choose another output directory with -o DIR, or "
                            "move it away yourself";
  if (!S_ISDIR(st.st_mode)) {
    g_set_error(err, OUTDIR_ERROR, OUTDIR_ERROR_NOT_OURS,
                "will not %s %s: it is %s, not a directory cfqsim wrote; %s",
                verb, dir, S_ISLNK(st.st_mode) ? "a symbolic link" : "a file",
                how);
    return FALSE;
  }
  GPtrArray *foreign = g_ptr_array_new_with_free_func(g_free);
  char *other = NULL;
  tree_verdict v = check_tree(dir, kind, "", foreign, &other);
  if (v == TREE_OTHER_KIND) {
    g_set_error(
        err, OUTDIR_ERROR, OUTDIR_ERROR_NOT_OURS,
        "will not %s %s: it holds a cfqsim %s result, not a %s result; %s",
        verb, dir, other, kind, how);
  } else if (v == TREE_FOREIGN) {
    char *list = quoted_list(foreign);
    char *rule =
        plots
            ? g_strdup("cfqsim plot writes only into a plots directory it "
                       "made (marked by its " OUTDIR_MARKER " file)")
            : g_strdup_printf("cfqsim %s only an empty directory or a "
                              "previous %s result (marked by its " OUTDIR_MARKER
                              " file)",
                              into ? "writes into" : "replaces", kind);
    g_set_error(err, OUTDIR_ERROR, OUTDIR_ERROR_NOT_OURS,
                "will not %s %s: it holds %s that cfqsim did not write (%s); "
                "%s; %s",
                verb, dir, foreign->len == 1 ? "an entry" : "entries", list,
                rule, how);
    g_free(list);
    g_free(rule);
  }
  g_free(other);
  g_ptr_array_unref(foreign);
  return v == TREE_OURS;
}

static void remove_listed(const char *dir, char **names) {
  for (char **n = names; n && *n; n++) {
    if (strchr(*n, '/') || strcmp(*n, "..") == 0 || strcmp(*n, ".") == 0)
      continue;
    char *path = g_build_filename(dir, *n, NULL);
    GStatBuf st;
    if (g_lstat(path, &st) == 0 && S_ISREG(st.st_mode))
      g_unlink(path);
    g_free(path);
  }
}

gboolean outdir_remove(const char *dir) {
  char **names = NULL;
  char *kind = read_marker(dir, &names);
  if (kind) {
    remove_listed(dir, names);
    char *plots = g_build_filename(dir, PLOTS_DIR, NULL);
    char **pn = NULL;
    char *pk = is_dir(plots) ? read_marker(plots, &pn) : NULL;
    if (pk && strcmp(kind, OUTDIR_PLOTS) != 0 && strcmp(pk, OUTDIR_PLOTS) == 0)
      outdir_remove(plots);
    g_free(pk);
    g_strfreev(pn);
    g_free(plots);
    char *marker = g_build_filename(dir, OUTDIR_MARKER, NULL);
    g_unlink(marker);
    g_free(marker);
  }
  g_free(kind);
  g_strfreev(names);
  return g_rmdir(dir) == 0;
}

char *outdir_make_tmp(const char *target, const char *infix, GError **err) {
  char *tmp = g_strdup_printf("%s%sXXXXXX", target, infix);
  /* g_mkdtemp_full creates with `mode` less the umask. */
  if (!g_mkdtemp_full(tmp, 0777)) {
    int e = errno;
    g_set_error(err, OUTDIR_ERROR, OUTDIR_ERROR_IO, "cannot create %s: %s",
                target, g_strerror(e));
    g_clear_pointer(&tmp, g_free);
  }
  return tmp;
}

gboolean outdir_add_files(const char *dir, const char *kind, GPtrArray *paths,
                          GError **err) {
  if (!outdir_may_replace(dir, kind, err))
    return FALSE;
  if (g_mkdir_with_parents(dir, 0777) != 0) {
    int e = errno;
    g_set_error(err, OUTDIR_ERROR, OUTDIR_ERROR_IO, "cannot create %s: %s", dir,
                g_strerror(e));
    return FALSE;
  }
  char **old = outdir_marker_names(dir, kind);
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  for (char **n = old; n && *n; n++)
    g_ptr_array_add(names, g_strdup(*n));
  for (guint i = 0; i < paths->len; i++) {
    char *base = g_path_get_basename(g_ptr_array_index(paths, i));
    if (old && g_strv_contains((const char *const *)old, base))
      g_free(base);
    else
      g_ptr_array_add(names, base);
  }
  g_strfreev(old);
  /* The marker first: a file is never there without being named in it. */
  char *marker =
      outdir_marker_text(kind, (const char *const *)names->pdata, names->len);
  char *mpath = g_build_filename(dir, OUTDIR_MARKER, NULL);
  gboolean ok = g_file_set_contents(mpath, marker, -1, err);
  g_free(mpath);
  g_free(marker);
  for (guint i = 0; ok && i < paths->len; i++) {
    const char *src = g_ptr_array_index(paths, i);
    char *base = g_path_get_basename(src);
    char *dst = g_build_filename(dir, base, NULL);
    char *data = NULL;
    gsize len = 0;
    ok = g_file_get_contents(src, &data, &len, err) &&
         g_file_set_contents(dst, data, (gssize)len, err);
    g_free(data);
    g_free(dst);
    g_free(base);
  }
  g_ptr_array_unref(names);
  return ok;
}

/* ---- staged results ---- */

struct outdir_stage {
  char *target; /* the directory the result becomes, without a final '/' */
  char *kind;
  char *tmp;          /* NULL once committed */
  GPtrArray *names;   /* char *, every file so far, in creation order */
  GPtrArray *streams; /* FILE *, open ones, parallel to stream_names */
  GPtrArray *stream_names;
};

static gboolean set_errno_error(GError **err, int saved, const char *what,
                                const char *path) {
  g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(saved), "%s %s: %s",
              what, path, g_strerror(saved));
  return FALSE;
}

/* Best effort: our own temporary directory of plain files. */
static void remove_tmp(const char *path) {
  GDir *d = g_dir_open(path, 0, NULL);
  if (d) {
    const char *name;
    while ((name = g_dir_read_name(d))) {
      char *child = g_build_filename(path, name, NULL);
      g_unlink(child);
      g_free(child);
    }
    g_dir_close(d);
  }
  g_rmdir(path);
}

/* One name in a directory; no newline either, since the marker lists
 * names one per line. */
static gboolean valid_file_name(const char *n) {
  return *n && !strchr(n, '/') && !strchr(n, '\n') && strcmp(n, ".") != 0 &&
         strcmp(n, "..") != 0 && strcmp(n, OUTDIR_MARKER) != 0;
}

/* Errors name the target, never our temporary directory. */
static void retarget_error(const outdir_stage *s, GError *local, GError **err) {
  GString *msg = g_string_new(local->message);
  g_string_replace(msg, s->tmp, s->target, 0);
  g_set_error_literal(err, local->domain, local->code, msg->str);
  g_string_free(msg, TRUE);
  g_error_free(local);
}

/* `flags` as g_file_set_contents_full takes them (g_file_set_contents is
 * CONSISTENT | ONLY_EXISTING). */
static gboolean write_raw(outdir_stage *s, const char *name, const void *data,
                          gssize len, GFileSetContentsFlags flags,
                          GError **err) {
  char *path = g_build_filename(s->tmp, name, NULL);
  GError *local = NULL;
  gboolean written =
      g_file_set_contents_full(path, data, len, flags, 0666, &local);
  if (!written)
    retarget_error(s, local, err);
  g_free(path);
  return written;
}

/* Rewritten in place at every new name, without the fsync and rename that
 * g_file_set_contents makes when a file is replaced (a millisecond or two
 * per output file): the staging directory is only ever used whole,
 * through its final rename, so a marker cut short by a crash can mislead
 * nobody. */
static gboolean write_marker(outdir_stage *s, GError **err) {
  char *marker = outdir_marker_text(
      s->kind, (const char *const *)s->names->pdata, s->names->len);
  gboolean ok =
      write_raw(s, OUTDIR_MARKER, marker, -1, G_FILE_SET_CONTENTS_NONE, err);
  g_free(marker);
  return ok;
}

/* A new name: checked, then in the marker before the file exists. */
static gboolean add_name(outdir_stage *s, const char *name, GError **err) {
  g_return_val_if_fail(s->tmp != NULL, FALSE);
  if (!valid_file_name(name)) {
    g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "invalid output file name '%s'", name);
    return FALSE;
  }
  for (guint i = 0; i < s->names->len; i++)
    if (strcmp(g_ptr_array_index(s->names, i), name) == 0) {
      g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                  "output file '%s' given twice", name);
      return FALSE;
    }
  g_ptr_array_add(s->names, g_strdup(name));
  return write_marker(s, err);
}

outdir_stage *outdir_stage_new(const char *dir, const char *kind,
                               GError **err) {
  g_return_val_if_fail(dir != NULL && kind != NULL, NULL);
  g_return_val_if_fail(err == NULL || *err == NULL, NULL);
  char *target = g_strdup(dir);
  gsize len = strlen(target);
  while (len > 1 && target[len - 1] == '/')
    target[--len] = '\0';
  if (len == 0 || strcmp(target, "/") == 0) {
    g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "invalid output directory '%s'", dir);
    g_free(target);
    return NULL;
  }
  char *parent = g_path_get_dirname(target);
  char *tmp = NULL;
  /* Before anything is written: a directory that is not ours is refused. */
  if (!outdir_may_replace(target, kind, err))
    goto fail;
  if (g_mkdir_with_parents(parent, 0777) != 0) {
    set_errno_error(err, errno, "cannot create directory", parent);
    goto fail;
  }
  tmp = outdir_make_tmp(target, ".tmp-", err);
  if (!tmp)
    goto fail;
  g_free(parent);
  outdir_stage *s = g_new0(outdir_stage, 1);
  s->target = target;
  s->kind = g_strdup(kind);
  s->tmp = tmp;
  s->names = g_ptr_array_new_with_free_func(g_free);
  s->streams = g_ptr_array_new();
  s->stream_names = g_ptr_array_new();
  return s;
fail:
  g_free(parent);
  g_free(target);
  return NULL;
}

/* Large enough that a row costs a memcpy, not a system call. */
#define STREAM_BUFFER (256 * 1024)

FILE *outdir_stage_open(outdir_stage *s, const char *name, GError **err) {
  g_return_val_if_fail(s != NULL && name != NULL, NULL);
  if (!add_name(s, name, err))
    return NULL;
  char *path = g_build_filename(s->tmp, name, NULL);
  FILE *f = fopen(path, "wb");
  if (!f) {
    char *shown = g_build_filename(s->target, name, NULL);
    set_errno_error(err, errno, "cannot create", shown);
    g_free(shown);
  } else {
    setvbuf(f, NULL, _IOFBF, STREAM_BUFFER);
    g_ptr_array_add(s->streams, f);
    g_ptr_array_add(s->stream_names,
                    g_ptr_array_index(s->names, s->names->len - 1));
  }
  g_free(path);
  return f;
}

gboolean outdir_stage_has(const outdir_stage *s, const char *name) {
  g_return_val_if_fail(s != NULL && name != NULL, FALSE);
  for (guint i = 0; i < s->names->len; i++)
    if (strcmp(g_ptr_array_index(s->names, i), name) == 0)
      return TRUE;
  return FALSE;
}

gboolean outdir_stage_write(outdir_stage *s, const char *name, const void *data,
                            gssize len, GError **err) {
  g_return_val_if_fail(s != NULL && name != NULL, FALSE);
  return add_name(s, name, err) &&
         write_raw(s, name, data ? data : "", data ? len : 0,
                   G_FILE_SET_CONTENTS_CONSISTENT |
                       G_FILE_SET_CONTENTS_ONLY_EXISTING,
                   err);
}

/* Every stream closed; the first failure is reported. */
static gboolean close_streams(outdir_stage *s, GError **err) {
  gboolean ok = TRUE;
  for (guint i = 0; i < s->streams->len; i++) {
    FILE *f = g_ptr_array_index(s->streams, i);
    int bad = ferror(f);
    int saved = errno;
    if (fclose(f) != 0 && !bad) {
      bad = 1;
      saved = errno;
    }
    if (bad && ok) {
      char *shown = g_build_filename(
          s->target, (const char *)g_ptr_array_index(s->stream_names, i), NULL);
      set_errno_error(err, saved ? saved : EIO, "cannot write", shown);
      g_free(shown);
      ok = FALSE;
    }
  }
  g_ptr_array_set_size(s->streams, 0);
  g_ptr_array_set_size(s->stream_names, 0);
  return ok;
}

gboolean outdir_stage_commit(outdir_stage *s, GError **err) {
  g_return_val_if_fail(s != NULL && s->tmp != NULL, FALSE);
  g_return_val_if_fail(err == NULL || *err == NULL, FALSE);
  if (!close_streams(s, err) || !write_marker(s, err))
    return FALSE;
  const char *target = s->target;
  GStatBuf st;
  if (g_lstat(target, &st) == 0) {
    /* Checked again: the run took a while, and someone may have put
     * something there since. */
    if (!outdir_may_replace(target, s->kind, err))
      return FALSE;
    /* rename(2) may replace an empty directory, which gives us a unique,
     * race-free name to move the previous results aside to. */
    char *old = outdir_make_tmp(target, ".old-", err);
    if (!old)
      return FALSE;
    if (g_rename(target, old) != 0) {
      set_errno_error(err, errno, "cannot move aside", target);
      g_rmdir(old);
      g_free(old);
      return FALSE;
    }
    if (g_rename(s->tmp, target) != 0) {
      int saved = errno;
      g_rename(old, target); /* put the previous results back */
      set_errno_error(err, saved, "cannot create", target);
      g_free(old);
      return FALSE;
    }
    if (!outdir_remove(old))
      g_printerr("cfqsim: kept %s (the previous %s): it holds files cfqsim "
                 "did not write\n",
                 old, target);
    g_free(old);
  } else if (g_rename(s->tmp, target) != 0) {
    return set_errno_error(err, errno, "cannot create", target);
  }
  g_clear_pointer(&s->tmp, g_free);
  return TRUE;
}

void outdir_stage_free(outdir_stage *s) {
  if (!s)
    return;
  if (s->tmp) {
    close_streams(s, NULL);
    remove_tmp(s->tmp);
    g_free(s->tmp);
  }
  g_ptr_array_unref(s->streams);
  g_ptr_array_unref(s->stream_names);
  g_ptr_array_unref(s->names);
  g_free(s->kind);
  g_free(s->target);
  g_free(s);
}
