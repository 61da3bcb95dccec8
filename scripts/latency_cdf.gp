# Latency CDF per process (bio submit -> end).
# Variables: datafile (one block per process: "latency_ms fraction", blocks
# separated by two blank lines), names (the processes, space separated, in
# block order), outfile, term, wl.
set terminal @term
set output outfile
set title sprintf("%s: latency CDF per process", wl) noenhanced
set xlabel "latency (ms, log scale)"
set ylabel "fraction of I/Os completed within"
set logscale x
set yrange [0:1.02]
set key bottom right noenhanced
set grid
plot for [i=1:words(names)] datafile index (i-1) using 1:2 with steps lw 2 title word(names, i)
