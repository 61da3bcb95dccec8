# Per-process throughput over time (one line per process).
# Variables (set by `cfqsim plot` with -e): datafile, outfile, term, wl, n.
# datafile: CSV "time_s,<process>,..." of MiB/s per timeseries window.
set terminal @term
set output outfile
set datafile separator ','
set title sprintf("%s: throughput per process", wl) noenhanced
set xlabel "simulated time (s)"
set ylabel "throughput (MiB/s)"
set yrange [0:*]
set key outside right top noenhanced
set grid
plot for [i=2:n+1] datafile using 1:i with steps lw 2 title columnheader(i)
