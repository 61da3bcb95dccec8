# CFQ timeline: which queue held the disk when (a Gantt chart of slices).
# Variables: datafile ("start_s,end_s,row,kind"; kind 1 = slice ended by
# cfq_select_queue or the idle timer, 2 = timed out: preempted, or used up
# at a completion), outfile, term, wl, n (queues); `cfqsim plot` sets ytics.
set terminal @term
set output outfile
set datafile separator ','
set title sprintf("%s: CFQ slices per queue (S sync, A async)", wl) noenhanced
set xlabel "simulated time (s)"
set ylabel "cfq queue (owner)"
set yrange [n - 0.5:-0.5]
set key below
set grid x
set style fill solid 1.0 border lc rgb "white"
plot datafile using (($1+$2)/2):(column(4) == 1 ? $3 : 1/0):1:2:($3-0.35):($3+0.35) \
       with boxxyerror lc rgb "#3366cc" title "slice", \
     datafile using (($1+$2)/2):(column(4) == 2 ? $3 : 1/0):1:2:($3-0.35):($3+0.35) \
       with boxxyerror lc rgb "#dc3912" title "slice timed out (preempted, or used up at a completion)"
