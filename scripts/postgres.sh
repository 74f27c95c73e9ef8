#!/usr/bin/env bash
# Starts a throwaway local PostgreSQL cluster for tests and benchmarks (installing the server
# from Debian's packages if it is missing) and prints its URL. Password authentication over TCP,
# so refused logins can be tested. Idempotent: a running cluster is reused.
#   scripts/postgres.sh [start|stop]    (PGPORT, PGDIR override port and data folder)
set -euo pipefail
port=${PGPORT:-55432}
dir=${PGDIR:-/tmp/datagen-pg}
password=datagen
action=${1:-start}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "installing PostgreSQL server from Debian packages..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

if [ "$action" = stop ]; then
  as_pg "$bin/pg_ctl -D $dir stop -m fast" >&2 || true
  exit 0
fi

if ! as_pg "$bin/pg_ctl -D $dir status" >/dev/null 2>&1; then
  rm -rf "$dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  pwfile=$(mktemp)
  echo "$password" > "$pwfile"
  chmod 644 "$pwfile"
  as_pg "$bin/initdb -D $dir -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile=$pwfile" >/dev/null
  rm -f "$pwfile"
  as_pg "$bin/pg_ctl -D $dir -l $dir/server.log -w start -o '-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_wal_size=4GB -c shared_buffers=512MB -c maintenance_work_mem=512MB ${PGEXTRA:-}'" >/dev/null
fi
for db in saas_platform_dev saas_platform_test; do
  as_pg "psql -h /tmp -p $port -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname = '$db'\"" | grep -q 1 \
    || as_pg "createdb -h /tmp -p $port -U postgres $db"
done
echo "postgres://postgres:$password@127.0.0.1:$port/saas_platform_dev"
