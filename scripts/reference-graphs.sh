#!/usr/bin/env bash
# Draws README's graphs again into results/reference/: the default
# workload's run graphs and the slice-idle sweep's graph.  Run from the
# source tree after building (CFQSIM names the binary; default build/cfqsim).
set -euo pipefail
cd "$(dirname "$0")/.."
cfqsim=${CFQSIM:-build/cfqsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$cfqsim" run workloads/default.yaml -q -o "$tmp/run"
"$cfqsim" plot "$tmp/run" >/dev/null
"$cfqsim" sweep workloads/sweeps/slice-idle-vs-readers.yaml -o "$tmp/sweep" >/dev/null
"$cfqsim" plot "$tmp/sweep" --x processes.reader.numjobs --y throughput_bps \
  --series devices.sda.scheduler.slice_idle >/dev/null
for g in throughput timeline shares latency_cdf jain; do
  cp "$tmp/run/plots/$g.png" results/reference/
done
cp "$tmp/sweep/plots/"*.png results/reference/sweep-slice-idle.png
