# Latency CDF per process (bio submit -> end), an empirical CDF in steps.
# Variables: datafile (one block per process with a completed I/O:
# "latency_ms fraction" from fraction 0 at its shortest latency up to 1;
# blocks separated by two blank lines), names (those processes, space
# separated, in block order), lts (their linetypes, the colours -e loads),
# nocomp (the processes that completed no I/O, space separated, or empty),
# outfile, term, wl.
set terminal @term
set output outfile
if (strlen(nocomp) > 0) {
  set title sprintf("%s: latency CDF per process (application view)\nno completed I/O: %s", wl, nocomp) noenhanced
} else {
  set title sprintf("%s: latency CDF per process (application view)", wl) noenhanced
}
set xlabel "latency (ms, log scale)"
set ylabel "fraction of I/Os completed within"
set logscale x
set yrange [0:1.02]
set key bottom right noenhanced
set grid
plot for [i=1:words(names)] datafile index (i-1) using 1:2 with steps lw 2 lt (word(lts, i) + 0) title word(names, i)
