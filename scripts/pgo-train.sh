#!/usr/bin/env bash
# Profile-guided builds (CMakeLists.txt, CFQSIM_PGO): run the instrumented
# program of the training build on shipped workloads, then put each module's
# profile where the optimised build compiles that module.
#   pgo-train.sh TRAIN_BUILD_DIR OPTIMISED_CORE_OBJECT_DIR
set -euo pipefail
train=$1 core=$2
cd "$(dirname "$0")/.."
objs=$train/CMakeFiles/cfqsim_core.dir
# GCC adds every run to the profiles already there: start afresh
find "$objs" -name '*.gcda' -delete
out=$train/pgo-out
rm -rf "$out"
cfqsim=$train/cfqsim
# What users run, but none of what bench/ measures (so that its figures
# show what any workload gains): the shipped disks and schedulers, direct
# and through the page cache, and the explorer on both disks.
for w in 10r-rand 5r5w-rand seq-vs-random readers-vs-writers random-readers \
         buffered-readers dd-writers cgroup-weights; do
  "$cfqsim" run "workloads/$w.yaml" -o "$out/$w" --quiet >/dev/null
done
# explore exits 1 when it finds a hang (the buggy kernel): expected here
for disk in ssd hdd; do
  "$cfqsim" explore workloads/race-explore-3.yaml -j 2 \
    --set devices.sda.model=$disk >/dev/null || [ $? -eq 1 ]
done
rm -rf "$out"
(cd "$objs" && find . -name '*.gcda') | while read -r f; do
  mkdir -p "$core/$(dirname "$f")"
  cp "$objs/$f" "$core/$f"
done
