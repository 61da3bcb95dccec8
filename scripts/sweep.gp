# A sweep metric against a swept parameter, one line per series.
# Variables: datafile (one block per series: "x y label", blocks separated
# by two blank lines; x is the value, or its position when categorical),
# names (series titles, space separated), categorical (0/1), xname, yname,
# note (the swept values each point is a mean over, or empty), outfile,
# term, wl.  -e also loads one distinct colour per series (linetypes).
set terminal @term
set output outfile
if (strlen(note) > 0) {
  set title sprintf("%s: %s against %s\n%s", wl, yname, xname, note) noenhanced
} else {
  set title sprintf("%s: %s against %s", wl, yname, xname) noenhanced
}
set xlabel xname noenhanced
set ylabel yname noenhanced
set key inside top right noenhanced box opaque
set grid
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
if (categorical) {
  plot for [i=1:words(names)] datafile index (i-1) using 1:2:xtic(3) with linespoints lw 2 lt i pt 7 title word(names, i)
} else {
  plot for [i=1:words(names)] datafile index (i-1) using 1:2 with linespoints lw 2 lt i pt 7 title word(names, i)
}
