#!/usr/bin/env bash
# Run a cfqsim sweep as a Slurm job array, one shard per array task, then
# merge the shards into one results.csv (identical to an unsharded run).
#
#   scripts/slurm-sweep.sh SWEEP.yaml OUT [SHARDS]       (default 8 shards)
#
# Submits the array (each task runs `cfqsim sweep --shard K/N` into
# OUT/shards/K) and a merge job that starts when every task succeeded and
# writes OUT/merged/results.csv.  Slurm's logs go to OUT/logs/.  OUT must be
# on a file system every node sees.
#
# Environment (read when submitting; exported to the jobs):
#   CFQSIM  the cfqsim program (default: cfqsim, found on PATH on the nodes)
#   CPUS    CPUs to ask for per array task (--cpus-per-task).  Unset: the
#           script asks for none, so Slurm gives its default (one CPU on
#           most clusters), and a task runs as many points at once as it
#           was given CPUs.
#   SBATCH_*  sbatch's own input variables (SBATCH_PARTITION,
#           SBATCH_ACCOUNT, SBATCH_TIMELIMIT, ...) apply as usual.
# Inside the jobs, Slurm sets what they read: SLURM_ARRAY_TASK_ID and
# SLURM_ARRAY_TASK_COUNT (which shard), SLURM_CPUS_PER_TASK (set only when
# CPUS was; otherwise `nproc`, the CPUs the task may use, gives -j).
set -euo pipefail

if [ "${1:-}" = "--task" ]; then
  # Inside one array task: Slurm numbers tasks 0..N-1, shards are 1..N.
  sweep=$2 out=$3
  k=$((SLURM_ARRAY_TASK_ID + 1))
  n=$SLURM_ARRAY_TASK_COUNT
  exec "${CFQSIM:-cfqsim}" sweep "$sweep" --shard "$k/$n" \
       -j "${SLURM_CPUS_PER_TASK:-$(nproc)}" -o "$out/shards/$k"
fi
if [ "${1:-}" = "--merge" ]; then
  out=$2 n=$3
  dirs=()
  for k in $(seq 1 "$n"); do dirs+=("$out/shards/$k"); done
  exec "${CFQSIM:-cfqsim}" sweep --merge "${dirs[@]}" -o "$out/merged"
fi

if [ $# -lt 2 ]; then
  echo "usage: $0 SWEEP.yaml OUT [SHARDS]" >&2
  exit 2
fi
sweep=$(realpath "$1") out=$(realpath -m "$2") shards=${3:-8}
self=$(realpath "$0")
cpus=()
if [ -n "${CPUS:-}" ]; then cpus=(--cpus-per-task="$CPUS"); fi
mkdir -p "$out/logs"
array=$(sbatch --parsable --job-name=cfqsim-sweep --array=0-$((shards - 1)) \
        ${cpus[@]+"${cpus[@]}"} --output="$out/logs/slurm-%A_%a.log" \
        --export=ALL "$self" --task "$sweep" "$out")
sbatch --parsable --job-name=cfqsim-merge --dependency=afterok:"$array" \
       --output="$out/logs/slurm-merge-%j.log" --export=ALL \
       "$self" --merge "$out" "$shards"
echo "submitted array $array; results will be in $out/merged/results.csv"
