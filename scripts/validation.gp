# One validation experiment: the published points (with the tolerance as
# an error bar) against cfqsim's curve, one colour per series.
# Variables: datafile (a block per series, "x published low high cfqsim
# label", blocks separated by two blank lines; x is the position when
# categorical), names (series titles, space separated), categorical (0/1),
# xname, ylabel, title, subtitle (the source), outfile.
set terminal png size 1000,600
set output outfile
set title sprintf("%s\n%s", title, subtitle) noenhanced
set xlabel xname noenhanced
set ylabel ylabel noenhanced
set key outside bottom center horizontal noenhanced
set grid
set offsets graph 0.05, graph 0.05, graph 0.1, graph 0.1
set yrange [0:*]
if (categorical) {
  plot for [i=1:words(names)] datafile index (i-1) using 1:2:3:4:xtic(6) with yerrorbars lt i pt 7 ps 1.5 title sprintf("%s published", word(names, i)), \
       for [i=1:words(names)] datafile index (i-1) using 1:5 with linespoints lt i lw 2 dt 2 pt 6 ps 1.5 title sprintf("%s cfqsim", word(names, i))
} else {
  plot for [i=1:words(names)] datafile index (i-1) using 1:2:3:4 with yerrorbars lt i pt 7 ps 1.5 title sprintf("%s published", word(names, i)), \
       for [i=1:words(names)] datafile index (i-1) using 1:5 with linespoints lt i lw 2 dt 2 pt 6 ps 1.5 title sprintf("%s cfqsim", word(names, i))
}
