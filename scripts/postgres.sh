#!/usr/bin/env bash
# Starts a throwaway local PostgreSQL cluster for tests and benchmarks (installing the server
# from Debian's packages if it is missing) and prints its URL. Password authentication over TCP,
# so refused logins can be tested. TLS on (ssl=on) with a certificate for host name `localhost`
# signed by a throwaway CA made here with openssl; the CA's certificate is at $PGDIR.ca.crt for
# sslrootcert tests. Plain connections are still accepted. Idempotent: a running cluster is reused.
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

make_certs() {
  # CA and a server certificate for DNS:localhost only, so connecting by 127.0.0.1 with
  # verify-full is a host-name mismatch.
  command -v openssl >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl) >&2
  local t
  t=$(mktemp -d)
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=datagen test CA" \
    -keyout "$t/ca.key" -out "$t/ca.crt" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$t/server.key" -out "$t/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > "$t/ext"
  openssl x509 -req -in "$t/server.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial \
    -days 30 -extfile "$t/ext" -out "$t/server.crt" >/dev/null 2>&1
  cp "$t/server.crt" "$t/server.key" "$dir/"
  cp "$t/ca.crt" "$dir.ca.crt"
  chmod 644 "$dir.ca.crt"
  chmod 600 "$dir/server.key"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/server.crt" "$dir/server.key"
  rm -rf "$t"
}

if as_pg "$bin/pg_ctl -D $dir status" >/dev/null 2>&1 && [ ! -f "$dir/server.crt" ]; then
  as_pg "$bin/pg_ctl -D $dir stop -m fast" >&2 || true # an older cluster without TLS
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
  make_certs
  as_pg "$bin/pg_ctl -D $dir -l $dir/server.log -w start -o '-p $port -k /tmp -c listen_addresses=127.0.0.1 -c ssl=on -c max_wal_size=4GB -c shared_buffers=512MB -c maintenance_work_mem=512MB ${PGEXTRA:-}'" >/dev/null
fi
for db in saas_platform_dev saas_platform_test; do
  as_pg "psql -h /tmp -p $port -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname = '$db'\"" | grep -q 1 \
    || as_pg "createdb -h /tmp -p $port -U postgres $db"
done
echo "postgres://postgres:$password@127.0.0.1:$port/saas_platform_dev"
