#!/usr/bin/env bash
# Load benchmark, every number from one run on this machine:
#  1. end to end on ~5M tap events (--accounts 1000 --tables iot_tap_events): datagen-load
#     (create + COPY + primary key + ANALYZE + count) against the fastest thing a DBA could do
#     with the same rows already on the server: two parallel server-side binary COPY FROM files
#     into one table, then the same primary key and ANALYZE;
#  2. a full dataset (qa unless --profile) into an empty schema, every key and foreign key, with
#     wall time and peak memory.
#   scripts/bench-load.sh [--profile qa|dev|production] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
profile=qa
out="$root/output/bench"
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "unknown flag $1; use --profile NAME or --out DIR" >&2; exit 2 ;;
  esac
  shift
done
cargo build --release --quiet --workspace
if [ -z "${DATABASE_URL:-}" ]; then DATABASE_URL=$(scripts/postgres.sh); fi
export DATABASE_URL
gen=target/release/datagen
load=target/release/datagen-load
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }

echo "== end to end: iot_tap_events of --accounts 1000"
$gen generate --accounts 1000 --tables iot_tap_events --out "$out/e2e" --overwrite --quiet
rows=$(python3 -c "import json;print(json.load(open('$out/e2e/manifest.json'))['tables'][0]['rows'])")
psql -qX "$DATABASE_URL" -c "DROP SCHEMA IF EXISTS bench_e2e CASCADE" 2>/dev/null
t0=$(now)
/usr/bin/time -v $load "$out/e2e" --schema bench_e2e --jobs 2 --quiet 2> /tmp/datagen-load-e2e.time
t1=$(now)
ours=$(secs "$t0" "$t1")
rss=$(grep "Maximum resident" /tmp/datagen-load-e2e.time | awk '{print int($6/1024)}')

ref=/tmp/datagen-ref
rm -rf $ref && mkdir -p $ref && chmod 777 $ref
psql -qX "$DATABASE_URL" <<SQL
COPY (SELECT event_id, device_id, location_id, poured_at, product_type, volume_ml, duration_ms, flow_rate_ml_s, temperature_c, pressure_psi
      FROM bench_e2e.iot_tap_events WHERE event_id % 2 = 0) TO '$ref/a.bin' (FORMAT binary);
COPY (SELECT event_id, device_id, location_id, poured_at, product_type, volume_ml, duration_ms, flow_rate_ml_s, temperature_c, pressure_psi
      FROM bench_e2e.iot_tap_events WHERE event_id % 2 = 1) TO '$ref/b.bin' (FORMAT binary);
CREATE SCHEMA IF NOT EXISTS bench_ref;
DROP TABLE IF EXISTS bench_ref.taps;
SQL
ddl=$(psql -qXtA "$DATABASE_URL" -c "SELECT string_agg(format('%I %s%s', attname, format_type(atttypid, atttypmod), CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'bench_e2e.iot_tap_events'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> '_loaded_at'")
t0=$(now)
psql -qX "$DATABASE_URL" -c "CREATE TABLE bench_ref.taps ($ddl)"
psql -qX "$DATABASE_URL" -c "COPY bench_ref.taps FROM '$ref/a.bin' (FORMAT binary)" &
psql -qX "$DATABASE_URL" -c "COPY bench_ref.taps FROM '$ref/b.bin' (FORMAT binary)" &
wait
psql -qX "$DATABASE_URL" -c "SET maintenance_work_mem = '256MB'; ALTER TABLE bench_ref.taps ADD PRIMARY KEY (event_id); ANALYZE bench_ref.taps"
t1=$(now)
theirs=$(secs "$t0" "$t1")
psql -qX "$DATABASE_URL" -c "SET client_min_messages = warning; DROP SCHEMA bench_ref CASCADE; DROP SCHEMA bench_e2e CASCADE"
rm -rf $ref "$out/e2e"
python3 - "$rows" "$ours" "$theirs" "$rss" <<'PY'
import sys
rows, ours, theirs, rss = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
print(f"datagen-load (Parquet files, --jobs 2)           : {rows:,} rows in {ours:6.2f} s = {rows/ours:>12,.0f} rows/s, peak {rss} MiB")
print(f"2 x server-side binary COPY FROM + key + ANALYZE : {rows:,} rows in {theirs:6.2f} s = {rows/theirs:>12,.0f} rows/s")
print(f"ratio datagen-load / reference: {theirs/ours:.2f} (target >= 1.0)")
PY

echo
echo "== $profile, every table, key and foreign key, into an empty schema (--jobs 2)"
[ -f "$out/$profile/manifest.json" ] || $gen generate --profile "$profile" --out "$out/$profile" --overwrite --quiet
psql -qX "$DATABASE_URL" -c "DROP SCHEMA IF EXISTS bench_full CASCADE" 2>/dev/null
/usr/bin/time -v $load "$out/$profile" --schema bench_full --jobs 2 2> /tmp/datagen-load-full.time | tail -n 1
grep -E "Elapsed|Maximum resident" /tmp/datagen-load-full.time
psql -qX "$DATABASE_URL" -c "SET client_min_messages = warning; DROP SCHEMA bench_full CASCADE"
