/* Running gnuplot on the scripts in scripts/, for `plot` and `validate`. */
#ifndef CFQSIM_GNUPLOT_H
#define CFQSIM_GNUPLOT_H

#include <glib.h>

/* A gnuplot string literal: single quotes, '' for a quote. */
char *gnuplot_str(const char *s);
/* gnuplot's word() splits on blanks: a name made one word ("-" if empty). */
char *gnuplot_word(const char *s);
/* The directory of the *.gp scripts: $CFQSIM_SCRIPTS, the source tree's
 * scripts/, or ./scripts. */
char *gnuplot_scripts_dir(void);
/* Runs `gnuplot -e expr scripts/<script>`; FALSE with an error naming the
 * script (and `what`, if not NULL) when the script is missing or gnuplot
 * fails. */
gboolean gnuplot_run(const char *gnuplot, const char *script, const char *expr,
                     const char *what, GError **err);

#endif
