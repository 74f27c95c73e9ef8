#!/usr/bin/env bash
# Runs every test: formatting and lints, the Rust unit and integration tests (optimised build:
# data generation in a debug build is far too slow), and the pyarrow read-back test from a
# virtualenv this script creates. Needs only cargo and python3 on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --release --all-targets -- -D warnings

step "cargo test --release"
cargo test --release

step "python virtualenv with pyarrow"
venv="$root/target/venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "pyarrow>=15"

step "pyarrow reads the dev dataset"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
./target/release/datagen generate --quiet --out "$tmp/dev"
./target/release/datagen validate "$tmp/dev" > "$tmp/validate.txt" || { cat "$tmp/validate.txt"; exit 1; }
"$venv/bin/python" tests/python/check_parquet.py "$tmp/dev"

step "all tests passed"
