#!/usr/bin/env bash
# Runs every test: formatting and lints, the Rust unit and integration tests of both packages
# (optimised build: data generation in a debug build is far too slow) against a real
# PostgreSQL, the pyarrow read-back test, and dbt build + source freshness over a loaded dev
# dataset. Starts a throwaway PostgreSQL (scripts/postgres.sh) unless DATABASE_URL is set, and
# creates its own Python virtualenv (pyarrow, dbt-postgres, moto[server], kubernetes-validate)
# and starts two S3-compatible servers on loopback (scripts/s3.sh) for the object-storage tests
# and a one-node Slurm cluster (scripts/slurm.sh) for the batch-engine test. Needs cargo and
# python3 (and root, for the Slurm cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --release --workspace --all-targets -- -D warnings

step "PostgreSQL"
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(scripts/postgres.sh)
  # scripts/postgres.sh runs the server with TLS from a CA it makes; the TLS tests trust it.
  DATAGEN_TEST_CA=${PGDIR:-/tmp/datagen-pg}.ca.crt
fi
export DATABASE_URL DATAGEN_TEST_CA
echo "using ${DATABASE_URL%%://*}://…@${DATABASE_URL##*@}"

step "python virtualenv with pyarrow, dbt-postgres and moto[server]"
venv="$root/target/venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "pyarrow>=15" "dbt-core~=1.10.0" "dbt-postgres~=1.9.0" websocket-client "moto[server]~=5.1" "kubernetes-validate==1.37.0"

tmp=$(mktemp -d)
export S3DIR="$tmp/s3"
export SLURM_DIR="$tmp/slurm"
trap 'scripts/slurm.sh stop >/dev/null 2>&1 || true; scripts/s3.sh stop "$venv" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

step "S3-compatible servers on loopback (moto_server)"
eval "$(scripts/s3.sh start "$venv")"
echo "object storage at $AWS_ENDPOINT_URL (bucket $DATAGEN_TEST_S3_BUCKET), credential-checking server at $DATAGEN_TEST_S3_STRICT_ENDPOINT"

step "cargo test --release --workspace"
cargo test --release --workspace

step "generate, validate and read back the dev dataset with pyarrow"
./target/release/datagen generate --quiet --out "$tmp/dev"
./target/release/datagen validate "$tmp/dev" > "$tmp/validate.txt" || { cat "$tmp/validate.txt"; exit 1; }
tail -n 1 "$tmp/validate.txt"
"$venv/bin/python" tests/python/check_parquet.py "$tmp/dev"

step "report on the dev dataset: every figure recomputed with pyarrow, the page in headless Chromium"
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) > /dev/null
fi
./target/release/datagen report "$tmp/dev" --out "$tmp/report" --quiet
"$venv/bin/python" tests/python/check_report.py "$tmp/dev" "$tmp/report"
"$venv/bin/python" tests/python/check_report_browser.py "$tmp/report" "$root/target/report-screenshot/index.png"

step "load the dev dataset and run dbt build + source freshness"
./target/release/datagen-load "$tmp/dev" --schema raw --replace
eval "$("$venv/bin/python" - <<'PY'
import os, shlex, urllib.parse
u = urllib.parse.urlparse(os.environ["DATABASE_URL"])
for k, v in {"PGHOST": u.hostname or "127.0.0.1", "PGPORT": u.port or 5432, "PGUSER": u.username or "postgres",
             "PGPASSWORD": urllib.parse.unquote(u.password or ""), "PGDATABASE": u.path.lstrip("/")}.items():
    print(f"export {k}={shlex.quote(str(v))}")
PY
)"
export DBT_TARGET_PATH="$tmp/dbt-target" DBT_LOG_PATH="$tmp/dbt-logs" DATAGEN_SCHEMA=raw
(cd dbt && "$venv/bin/dbt" build --profiles-dir . && "$venv/bin/dbt" source freshness --profiles-dir .)

step "batch-engine examples: Kubernetes manifests against their schemas, AWS Batch and Slurm files"
"$venv/bin/python" tests/python/check_deploy.py "$root"

step "Slurm: deploy/slurm's own scripts on a one-node cluster (array of 4, load, cancel and redo)"
eval "$(scripts/slurm.sh start)"
PATH="$root/target/release:$PATH" "$venv/bin/python" tests/python/check_slurm.py "$root" "$tmp/slurm-work"
scripts/slurm.sh stop

step "all tests passed"
