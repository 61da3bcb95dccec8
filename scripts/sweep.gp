# A sweep metric against a swept parameter, one line per series.
# Variables: datafile (one block per series: "x y label", blocks separated
# by two blank lines; x is the value, or its position when categorical),
# names (series titles, space separated), categorical (0/1), xname, yname,
# outfile, term, wl.
set terminal @term
set output outfile
set title sprintf("%s: %s against %s", wl, yname, xname) noenhanced
set xlabel xname noenhanced
set ylabel yname noenhanced
set key inside top right noenhanced box opaque
set grid
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
if (categorical) {
  plot for [i=1:words(names)] datafile index (i-1) using 1:2:xtic(3) with linespoints lw 2 pt 7 title word(names, i)
} else {
  plot for [i=1:words(names)] datafile index (i-1) using 1:2 with linespoints lw 2 pt 7 title word(names, i)
}
