# Jain's fairness index over the processes, per timeseries window.
# Variables: datafile (fairness.csv: window_start_ns,jain), outfile, term, wl,
# tend (end of the run, s; 0 if unknown).
set terminal @term
set output outfile
set datafile separator ','
set datafile missing ''
set title sprintf("%s: Jain's fairness index per window (application view)", wl) noenhanced
set xlabel "simulated time (s)"
set ylabel "Jain's index (1 = equal throughput)"
set yrange [0:1.05]
if (tend > 0) { set xrange [0:tend] }
set key bottom right
set grid
plot datafile using ($1/1e9):2 every ::1 with linespoints lw 2 pt 7 ps 0.5 title "Jain's index"
