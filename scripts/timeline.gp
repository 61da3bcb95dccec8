# CFQ timeline: which queue held the disk when (a Gantt chart of slices).
# Variables: datafile ("start_s,end_s,row,kind,zero"; kind 1 = slice ended
# by cfq_select_queue or the idle timer, 2 = timed out: preempted, or used
# up at a completion; zero 1 = the slice ended where it started, drawn as a
# mark since it has no width), outfile, term, wl, n (queues), tend (end of
# the run, s; 0 if unknown); `cfqsim plot` sets ytics.
set terminal @term
set output outfile
set datafile separator ','
set title sprintf("%s: CFQ slices per queue (S sync, A async)", wl) noenhanced
set xlabel "simulated time (s)"
set ylabel "cfq queue (owner)"
set yrange [n - 0.5:-0.5]
if (tend > 0) { set xrange [0:tend] }
set key below
set grid x
set style fill solid 1.0 border lc rgb "white"
plot datafile using (($1+$2)/2):(column(4) == 1 ? $3 : 1/0):1:2:($3-0.35):($3+0.35) \
       with boxxyerror lc rgb "#3366cc" title "slice", \
     datafile using (($1+$2)/2):(column(4) == 2 ? $3 : 1/0):1:2:($3-0.35):($3+0.35) \
       with boxxyerror lc rgb "#dc3912" title "slice timed out (preempted, or used up at a completion)", \
     datafile using 1:(column(5) == 1 ? $3 : 1/0) \
       with points pt 9 ps 1.2 lc rgb "black" title "zero-length slice"
