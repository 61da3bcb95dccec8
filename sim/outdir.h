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

#endif
