#!/usr/bin/env bash
# Runs bench_run of two builds alternately and prints, per workload, the
# best (lowest) ns per application I/O of each, the best events/s and
# simulated seconds per wall second, the peak RSS, and the speed-up
# (before ns / after ns).  Alternating and
# keeping the best of each side is what makes figures taken on a loaded
# machine comparable; trust callgrind's instruction counts first.
#
#   scripts/bench-compare.sh BEFORE_BUILD AFTER_BUILD [ROUNDS [SECONDS]]
#
# A build of another revision, side by side with this one:
#   git worktree add /tmp/before main
#   cmake -S /tmp/before -B /tmp/before/build
#   cmake --build /tmp/before/build -j2 --target bench_run
#   scripts/bench-compare.sh /tmp/before/build build 3
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 BEFORE_BUILD AFTER_BUILD [ROUNDS [SECONDS]]" >&2
  exit 2
fi
before=$1/bench_run after=$2/bench_run
rounds=${3:-3} seconds=${4:-300}
for b in "$before" "$after"; do
  [ -x "$b" ] || { echo "$0: $b: no bench_run there" >&2; exit 2; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for ((i = 1; i <= rounds; i++)); do
  "$before" "$seconds" >>"$out/before"
  "$after" "$seconds" >>"$out/after"
done
# rows of bench_run: workload sim_s ios events ns/io events/s sim_s/s rss ...
awk '
  FNR == 1 { side = FILENAME ~ /before$/ ? "b" : "a" }
  NF == 11 && $2 ~ /^[0-9.]+$/ {
    w = $1; if (!(w in seen)) { seen[w] = 1; order[++n] = w }
    k = side SUBSEP w
    if (!(k in ns) || $5 < ns[k]) ns[k] = $5
    if ($6 > ev[k]) ev[k] = $6
    if ($7 > ss[k]) ss[k] = $7
    rss[k] = $8
  }
  END {
    printf "%-10s %8s %8s %10s %10s %8s %8s %8s %8s %8s\n", "workload",
           "ns/IO", "after", "events/s", "after", "sim s/s", "after",
           "RSS MiB", "after", "speed-up"
    for (i = 1; i <= n; i++) {
      w = order[i]; b = "b" SUBSEP w; a = "a" SUBSEP w
      printf "%-10s %8d %8d %10d %10d %8.1f %8.1f %8.1f %8.1f %7.2fx\n", w,
             ns[b], ns[a], ev[b], ev[a], ss[b], ss[a], rss[b], rss[a],
             ns[a] ? ns[b] / ns[a] : 0
    }
  }' "$out/before" "$out/after"
