#!/usr/bin/env bash
# Registers the job definitions, runs N parts as an array job, then one load that waits for all
# of them (an array dependency). The part that completes the set writes manifest.json.
set -euo pipefail
N=${N:-4}
QUEUE=${QUEUE:-datagen}
here=$(cd "$(dirname "$0")" && pwd)
aws batch register-job-definition --cli-input-json "file://$here/job-definition.json" >/dev/null
aws batch register-job-definition --cli-input-json "file://$here/load-job-definition.json" >/dev/null
gen=$(aws batch submit-job --job-name datagen-generate --job-queue "$QUEUE" \
  --job-definition datagen-generate --array-properties size="$N" --query jobId --output text)
aws batch submit-job --job-name datagen-load --job-queue "$QUEUE" \
  --job-definition datagen-load --depends-on jobId="$gen" --query jobId --output text
