/* Output directories and the rule that protects what cfqsim did not write.
 *
 * Every directory cfqsim writes results into holds a small marker file,
 * `.cfqsim`: its first line names the kind of result ("cfqsim run",
 * "cfqsim compare", "cfqsim sweep", "cfqsim plots"), every other line names
 * one file cfqsim wrote there.  A command replaces (or, for a sweep, writes
 * into) a directory only when it does not exist, is empty, or is a result
 * of the same kind that holds nothing but the files its marker names, a
 * `plots/` directory of its own and, in a sweep, a `points/` directory of
 * run results.  Anything else is refused and left as it is. */
#ifndef CFQSIM_OUTDIR_H
#define CFQSIM_OUTDIR_H

#include <glib.h>
#include <stdio.h>

#define OUTDIR_MARKER ".cfqsim"

#define OUTDIR_RUN "run"
#define OUTDIR_COMPARE "compare"
#define OUTDIR_SWEEP "sweep"
#define OUTDIR_PLOTS "plots"

GQuark outdir_error_quark(void);
#define OUTDIR_ERROR (outdir_error_quark())
enum {
  OUTDIR_ERROR_NOT_OURS = 1, /* the directory holds what cfqsim did not write */
  OUTDIR_ERROR_IO
};

/* TRUE if a result of `kind` may replace `dir` (see above); otherwise
 * FALSE with an OUTDIR_ERROR_NOT_OURS error that names `dir`, what in it
 * cfqsim did not write, and how to proceed.  A sweep directory may lack
 * the marker when it holds nothing but `points/` (the --list route). */
gboolean outdir_may_replace(const char *dir, const char *kind, GError **err);

/* The marker's contents for `kind` and the file names (any order, no
 * directories); names are listed sorted. */
char *outdir_marker_text(const char *kind, const char *const *names, guint n);

/* The file names a directory's marker lists (NULL-terminated, sorted),
 * NULL if it has no marker of `kind`. */
char **outdir_marker_names(const char *dir, const char *kind);

/* Remove a run or compare result cfqsim wrote: the files its marker
 * names, its own `plots/`, the marker, then the directory.  Anything else
 * stays, and with it the directory; FALSE then. */
gboolean outdir_remove(const char *dir);

/* Copy the files `paths` into `dir`, a directory of `kind` that gathers
 * files over several commands (a run's plots/): each replaces its
 * namesake atomically, and the marker then names the earlier files and
 * these.  `dir` is created if missing, and must pass outdir_may_replace. */
gboolean outdir_add_files(const char *dir, const char *kind, GPtrArray *paths,
                          GError **err);

/* A new directory `<target><infix>XXXXXX` beside `target`, with the mode
 * a plain mkdir would give (0777 less the umask), not mkdtemp's 0700:
 * it is renamed into place and becomes the result. */
char *outdir_make_tmp(const char *target, const char *infix, GError **err);

/* A result being written: files go into a temporary directory beside
 * `dir` (DIR.tmp-XXXXXX), which replaces `dir` only at commit, so that a
 * failed or interrupted command never leaves half-written output in `dir`.
 * Files may be written whole or opened as buffered streams and written
 * while a run goes, so that nothing has to be held in memory.  The marker
 * in the temporary directory names every file as soon as it is created:
 * left behind by a crash, the directory is recognisably cfqsim's. */
typedef struct outdir_stage outdir_stage;

/* Refuses `dir` as outdir_may_replace does, before anything is written. */
outdir_stage *outdir_stage_new(const char *dir, const char *kind, GError **err);
/* A new file `name` of the result, open for writing through a buffer; the
 * stage owns it (do not fclose it) and closes it at commit, where write
 * errors are reported.  NULL on an invalid or repeated name. */
FILE *outdir_stage_open(outdir_stage *s, const char *name, GError **err);
/* Whether the result has a file of that name yet. */
gboolean outdir_stage_has(const outdir_stage *s, const char *name);
/* A whole file (len < 0: a string). */
gboolean outdir_stage_write(outdir_stage *s, const char *name, const void *data,
                            gssize len, GError **err);
/* Closes the streams, writes the marker and moves the result into place
 * (what `dir` held before is removed if it was a result of that kind). */
gboolean outdir_stage_commit(outdir_stage *s, GError **err);
/* Removes the temporary directory unless committed. */
void outdir_stage_free(outdir_stage *s);

#endif
