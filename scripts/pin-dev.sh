#!/usr/bin/env bash
# Re-pins the dev dataset's shard checksums (tests/golden/dev.sha256) after a deliberate change
# of the data: generates the dev dataset at the default seed and anchor and writes the
# `path sha256` pair of every shard in manifest order.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
./target/release/datagen generate --quiet --out "$out/dev"
python3 - "$out/dev/manifest.json" > tests/golden/dev.sha256 <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for t in m["tables"]:
    for s in t["shards"]:
        print(s["path"], s["sha256"])
PY
echo "pinned $(wc -l < tests/golden/dev.sha256) dev shards"
