#!/usr/bin/env bash
# Redoes part K of a submitted dataset: requeues array task GENERATE_JOB_K (running, failed or
# cancelled) and, when a load job is given, makes it wait again for every task of the array
# (DATAGEN_PARTS of them, as given to submit.sh [4]). A task that failed or was cancelled leaves
# its load "DependencyNeverSatisfied" for good; naming the tasks again clears it.
# The rerun rewrites only that part's shards (removing its leftover temporary files); the other
# parts are untouched. Do not resubmit one index as a new array (`sbatch --array=K`): that is a
# one-part array, which --shard auto reads as part 0 of 1 and refuses as another run.
#   deploy/slurm/redo.sh GENERATE_JOB K [LOAD_JOB]
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: deploy/slurm/redo.sh GENERATE_JOB K [LOAD_JOB]" >&2
  exit 2
fi
for v in "$@" "${DATAGEN_PARTS:-4}"; do
  case $v in '' | *[!0-9]*) echo "job ids and K are whole numbers, not '$v'" >&2; exit 2 ;; esac
done
scontrol requeue "$1_$2"
if [ $# -eq 3 ]; then
  n=${DATAGEN_PARTS:-4}
  deps=""
  for ((k = 0; k < n; k++)); do deps+=":$1_$k"; done
  scontrol update JobId="$3" Dependency="afterok$deps"
fi
