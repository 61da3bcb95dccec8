# Per-process throughput over time (one line per process).
# Variables (set by `cfqsim plot` with -e): datafile, outfile, term, wl, n,
# tend (end of the run, s; 0 if unknown).  -e also loads one distinct
# colour per process (linetypes 1..n).
# datafile: CSV "time_s,<process>,..." of MiB/s per timeseries window, and
# the last window repeated at tend so that it is drawn to the end.
set terminal @term
set output outfile
set datafile separator ','
set title sprintf("%s: throughput per process (application view: its calls or direct I/Os)", wl) noenhanced
set xlabel "simulated time (s)"
set ylabel "throughput (MiB/s)"
set yrange [0:*]
if (tend > 0) { set xrange [0:tend] }
set key outside right top noenhanced
set grid
plot for [i=2:n+1] datafile using 1:i with steps lw 2 lt (i-1) title columnheader(i)
