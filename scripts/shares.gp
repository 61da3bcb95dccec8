# Each process's share of its device's throughput against its ideal share
# (cgroup weights across groups, F1 sync slices within one).
# Variables: datafile (CSV rows "process,throughput_share,ideal_share", no
# header), outfile, term, wl.
set terminal @term
set output outfile
set datafile separator ','
set title sprintf("%s: throughput share vs ideal share", wl) noenhanced
set ylabel "share of the device's throughput (%)"
set xlabel "process"
set yrange [0:*]
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key top right
set grid y
set xtics noenhanced rotate by -30
plot datafile using (100*$2):xtic(1) title "measured", \
     '' using (100*$3) title "ideal"
