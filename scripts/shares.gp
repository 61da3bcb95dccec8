# Each process's share of its device's throughput and (on CFQ devices) of
# its disk time, against its ideal share (cgroup weights across groups,
# default sync slices by level within one).
# Variables: datafile (CSV rows "process,throughput_share,ideal_share,
# disk_time_share", no header; the last column is empty without CFQ),
# disk (1 if disk-time shares are present), outfile, term, wl.
set terminal @term
set output outfile
set datafile separator ','
set title sprintf("%s: shares of the device against the ideal share\n(throughput: application view; disk time: device view)", wl) noenhanced
set ylabel "share of the device (%)"
set xlabel "process"
set yrange [0:*]
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key top right
set grid y
set xtics noenhanced rotate by -30
if (disk) {
  plot datafile using (100*$2):xtic(1) title "throughput share", \
       '' using (100*$4) title "disk-time share", \
       '' using (100*$3) title "ideal share"
} else {
  plot datafile using (100*$2):xtic(1) title "throughput share", \
       '' using (100*$3) title "ideal share"
}
