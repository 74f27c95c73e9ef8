#!/usr/bin/env bash
# Submits a dataset as a job array of N parts (generate.sbatch) and one load (load.sbatch) that
# starts when every part has succeeded, and prints the two job ids: `GENERATE_JOB LOAD_JOB`.
# The load depends on each task (afterok:JOB_0:JOB_1:…), so a part redone with redo.sh can be
# named to it again. Settings as in generate.sbatch and load.sbatch, plus
#   DATAGEN_PARTS     number of parts                   [4]
# Extra arguments go to both sbatch calls (e.g. --partition=… or --chdir=…).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${DATAGEN_PARTS:-4}
case $n in '' | *[!0-9]* | 0) echo "DATAGEN_PARTS must be a whole number ≥ 1, not '$n'" >&2; exit 2 ;; esac
: "${DATABASE_URL:?set DATABASE_URL to the database the load job writes to}"
gen=$(sbatch --parsable --array="0-$((n - 1))" "$@" "$here/generate.sbatch")
gen=${gen%%;*}
deps=""
for ((k = 0; k < n; k++)); do deps+=":${gen}_$k"; done
load=$(sbatch --parsable --dependency="afterok$deps" "$@" "$here/load.sbatch")
echo "$gen ${load%%;*}"
