#!/usr/bin/env bash
# Registers the job definitions, runs N parts as an array job, then one load that waits for all
# of them (an array dependency). The part that completes the set writes manifest.json.
#   deploy/aws-batch/submit.sh            N parts (N=4) and the load, on queue QUEUE (datagen)
#   deploy/aws-batch/submit.sh redo K     part K again as a single job (after its retries ran
#                                         out), and a new load waiting for it
# The redone part runs the job definition's command with `--shard K/N` in place of
# `--shard auto` (a single job has no array index); it rewrites only its own shards.
set -euo pipefail
N=${N:-4}
QUEUE=${QUEUE:-datagen}
here=$(cd "$(dirname "$0")" && pwd)
submit_load() {
  aws batch submit-job --job-name datagen-load --job-queue "$QUEUE" \
    --job-definition datagen-load --depends-on jobId="$1" --query jobId --output text
}
if [ "${1:-}" = redo ]; then
  k=${2:?usage: submit.sh redo K}
  case $k in '' | *[!0-9]*) echo "K must be a part number in 0..$((N - 1)), not '$k'" >&2; exit 2 ;; esac
  [ "$k" -lt "$N" ] || { echo "K must be a part number in 0..$((N - 1)), not '$k'" >&2; exit 2; }
  command=$(python3 - "$here/job-definition.json" "$k/$N" <<'PY'
import json, sys
cmd = json.load(open(sys.argv[1]))["containerProperties"]["command"]
i = cmd.index("--shard")
cmd[i + 1] = sys.argv[2]
print(json.dumps({"command": cmd}))
PY
)
  part=$(aws batch submit-job --job-name "datagen-generate-part-$k" --job-queue "$QUEUE" \
    --job-definition datagen-generate --container-overrides "$command" --query jobId --output text)
  submit_load "$part"
  exit 0
fi
aws batch register-job-definition --cli-input-json "file://$here/job-definition.json" >/dev/null
aws batch register-job-definition --cli-input-json "file://$here/load-job-definition.json" >/dev/null
gen=$(aws batch submit-job --job-name datagen-generate --job-queue "$QUEUE" \
  --job-definition datagen-generate --array-properties size="$N" --query jobId --output text)
submit_load "$gen"
