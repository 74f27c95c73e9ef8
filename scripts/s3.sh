#!/usr/bin/env bash
# Starts two S3-compatible servers on loopback for tests and benchmarks (moto_server from PyPI
# `moto[server]`, installed into the given Python virtualenv when missing) and prints shell
# exports for them:
#   - the open server (any credentials accepted) holding bucket $S3_BUCKET, as the standard
#     AWS_* settings (AWS_ENDPOINT_URL, AWS_ALLOW_HTTP, keys, region) plus DATAGEN_TEST_S3_BUCKET;
#   - a server enforcing credentials, where every key is unknown (refused-credentials tests), as
#     DATAGEN_TEST_S3_STRICT_ENDPOINT.
# The servers' process ids go to $S3DIR/pids; `scripts/s3.sh stop VENV` stops them.
#   eval "$(scripts/s3.sh start target/venv)"
set -euo pipefail
action=${1:-start}
venv=${2:-target/venv}
dir=${S3DIR:-/tmp/datagen-s3}
bucket=${S3_BUCKET:-datagen-test}

stop() {
  if [ -f "$dir/pids" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$dir/pids"
    rm -f "$dir/pids"
  fi
}
if [ "$action" = stop ]; then
  stop
  exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if [ ! -x "$venv/bin/moto_server" ]; then
  echo "installing moto[server] into $venv..." >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]~=5.1" >&2
fi
mkdir -p "$dir"
stop

free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
open_port=$(free_port)
strict_port=$(free_port)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$open_port" > "$dir/open.log" 2>&1 &
echo $! >> "$dir/pids"
# INITIAL_NO_AUTH_ACTION_COUNT=0: moto checks every request's credentials from the start.
INITIAL_NO_AUTH_ACTION_COUNT=0 "$venv/bin/moto_server" -H 127.0.0.1 -p "$strict_port" > "$dir/strict.log" 2>&1 &
echo $! >> "$dir/pids"

for port in "$open_port" "$strict_port"; do
  for _ in $(seq 1 100); do
    if "$venv/bin/python" -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then
      break
    fi
    sleep 0.2
  done
done
# Create the test bucket (an unsigned PUT, which the open server accepts).
"$venv/bin/python" - "$open_port" "$bucket" <<'PY'
import sys, urllib.request
port, bucket = sys.argv[1], sys.argv[2]
req = urllib.request.Request(f"http://127.0.0.1:{port}/{bucket}", method="PUT")
urllib.request.urlopen(req, timeout=10).read()
PY

cat <<EOF
export AWS_ENDPOINT_URL=http://127.0.0.1:$open_port
export AWS_ALLOW_HTTP=true
export AWS_ACCESS_KEY_ID=datagen-test-key
export AWS_SECRET_ACCESS_KEY=datagen-test-secret-5f3a9c
export AWS_REGION=us-east-1
export DATAGEN_TEST_S3_BUCKET=$bucket
export DATAGEN_TEST_S3_STRICT_ENDPOINT=http://127.0.0.1:$strict_port
EOF
