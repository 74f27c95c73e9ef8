#!/usr/bin/env bash
# Throughput benchmark: generates the qa profile (or production with --production), prints per
# table rows, CPU seconds, rows/s and cells/s with wall time and peak memory, then writes the
# same number of 10-column tap-event rows with the DuckDB one-liner, and TPC-H scale 5 with
# tpchgen-cli 4.0 (installed into target/tools when missing), on the same disk in the same run, and prints our rate divided by theirs, and the
# output floor (benches/floor.rs): per large table, generation alone vs Parquet encoding alone vs
# the full generator.
# Then (unless --no-s3) the same profile to an S3-compatible server on loopback (moto_server, by
# scripts/s3.sh) against local disk, and (with loading) datagen-load from the prefix against from
# the folder.
# Then (unless --no-load) runs scripts/bench-load.sh: datagen-load end to end against two
# parallel server-side binary COPYs + key + ANALYZE of the same rows, and the whole dataset
# loaded with every key and foreign key.
#   scripts/bench.sh [--production] [--no-load] [--no-s3] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
profile=qa
load=1
s3=1
out="$root/output/bench"
while [ $# -gt 0 ]; do
  case "$1" in
    --production) profile=production ;;
    --no-load) load=0 ;;
    --no-s3) s3=0 ;;
    --out) out="$2"; shift ;;
    *) echo "unknown flag $1; use --production, --no-load, --no-s3 or --out DIR" >&2; exit 2 ;;
  esac
  shift
done

cargo build --release --quiet --workspace
bin=target/release/datagen
venv="$root/target/venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "pyarrow>=15" duckdb

measure() { # measure LOG cmd...: runs cmd under /usr/bin/time -v, prints wall seconds
  local log=$1; shift
  /usr/bin/time -v "$@" > "$log.out" 2> "$log"
  python3 - "$log" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1).split(":")
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(m)))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
print(f"{secs:.2f} {rss / 1024:.0f}")
PY
}

echo "== datagen generate --profile $profile (all tables)"
read -r wall rss < <(measure /tmp/datagen-bench.log $bin generate --profile $profile --out "$out/$profile" --overwrite --quiet)
"$venv/bin/python" - "$out/$profile" "$wall" "$rss" <<'PY'
import json, sys
m = json.load(open(f"{sys.argv[1]}/manifest.json"))
wall, rss = float(sys.argv[2]), float(sys.argv[3])
rows = sum(t["rows"] for t in m["tables"])
cells = sum(t["rows"] * len(t["columns"]) for t in m["tables"])
size = sum(s["bytes"] for t in m["tables"] for s in t["shards"])
print(f"{'table':<26}{'rows':>14}{'columns':>9}{'MB':>10}")
for t in m["tables"]:
    mb = sum(s["bytes"] for s in t["shards"]) / 1e6
    print(f"{t['name']:<26}{t['rows']:>14,}{len(t['columns']):>9}{mb:>10.1f}")
print(f"total {rows:,} rows, {cells:,} cells, {size/1e6:.0f} MB in {wall:.2f} s wall: "
      f"{rows/wall:,.0f} rows/s, {cells/wall:,.0f} cells/s, peak memory {rss:.0f} MiB")
PY

echo
echo "== output floor: one qa shard per large table, generation alone, Parquet encoding alone, full"
cargo bench --quiet --bench floor 2>/dev/null | tail -n +2

echo
echo "== iot_tap_events alone (both cores)"
read -r tap_wall tap_rss < <(measure /tmp/datagen-tap.log $bin generate --profile $profile --tables iot_tap_events --out "$out/tap" --overwrite --quiet)
rows=$(python3 -c "import json;print(json.load(open('$out/tap/manifest.json'))['tables'][0]['rows'])")
ours=$(python3 -c "print($rows/$tap_wall)")
printf 'datagen   %d rows in %.2f s: %.0f rows/s, %.0f cells/s, peak %s MiB\n' "$rows" "$tap_wall" "$ours" "$(python3 -c "print($ours*10)")" "$tap_rss"

echo
echo "== DuckDB one-liner, $rows rows x 10 columns, zstd Parquet"
cat > /tmp/duck.py <<PY
import duckdb
duckdb.sql("""COPY (SELECT i AS event_id, (random()*45000)::BIGINT AS device_id,
  (random()*15000)::BIGINT AS location_id,
  TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_microseconds((random()*3.15e13)::BIGINT) AS poured_at,
  ['lager','ipa','stout','wheat','sour','cider'][1 + (random()*5)::INT] AS product_type,
  random()*600 AS volume_ml, (random()*10000)::INT AS duration_ms, 50 + random()*20 AS flow_rate_ml_s,
  2 + random()*2 AS temperature_c, 12 + random()*2 AS pressure_psi
  FROM range($rows) t(i)) TO '$out/duck.parquet' (FORMAT parquet, COMPRESSION zstd)""")
PY
read -r duck_wall duck_rss < <(measure /tmp/duck.log "$venv/bin/python" /tmp/duck.py)
duck=$(python3 -c "print($rows/$duck_wall)")
printf 'duckdb    %d rows in %.2f s: %.0f rows/s, peak %s MiB\n' "$rows" "$duck_wall" "$duck" "$duck_rss"
printf 'ratio datagen / duckdb: %.2f\n' "$(python3 -c "print($ours/$duck)")"

# The TPC-H reference: tpchgen-cli 4.0 (installed from the Rust crate registry into target/tools when missing).
tpch="$root/target/tools/bin/tpchgen-cli"
if [ ! -x "$tpch" ]; then
  echo "(installing tpchgen-cli 4.0.0 from the Rust crate registry into target/tools)"
  cargo install --quiet --locked --version 4.0.0 --root "$root/target/tools" tpchgen-cli
fi
echo
echo "== tpchgen-cli 4.0: TPC-H scale 5, every table, Parquet ZSTD(1)"
rm -rf "$out/tpch"
read -r tw trss < <(measure /tmp/tpch.log "$tpch" parquet -s 5 --compression 'ZSTD(1)' --output-dir "$out/tpch")
read -r trows tcells < <("$venv/bin/python" - "$out/tpch" <<'PY'
import pathlib, sys
import pyarrow.parquet as pq
rows = cells = 0
for f in pathlib.Path(sys.argv[1]).rglob("*.parquet"):
    md = pq.ParquetFile(f).metadata
    rows += md.num_rows
    cells += md.num_rows * md.num_columns
print(rows, cells)
PY
)
all_cells=$("$venv/bin/python" -c "
import json; m = json.load(open('$out/$profile/manifest.json'))
print(sum(t['rows'] * len(t['columns']) for t in m['tables']))")
printf 'tpchgen   %d rows, %d cells in %.2f s: %.0f cells/s, peak %s MiB\n' \
  "$trows" "$tcells" "$tw" "$(python3 -c "print($tcells/$tw)")" "$trss"
printf 'ratio datagen (all tables, cells/s) / tpchgen (cells/s): %.2f\n' \
  "$(python3 -c "print(($all_cells/$wall)/($tcells/$tw))")"
rm -rf "$out/tap" "$out/duck.parquet" "$out/tpch"

if [ "$s3" = 1 ]; then
  echo
  echo "== object storage: $profile to s3:// on a loopback S3 server (moto_server) vs local disk"
  export S3DIR
  S3DIR=$(mktemp -d)
  eval "$(scripts/s3.sh start "$venv")"
  url="s3://$DATAGEN_TEST_S3_BUCKET/bench-$profile"
  read -r s3_wall s3_rss < <(measure /tmp/datagen-s3.log $bin generate --profile $profile --out "$url" --overwrite --quiet)
  all_rows=$(python3 -c "import json;print(sum(t['rows'] for t in json.load(open('$out/$profile/manifest.json'))['tables']))")
  printf 'local     %d rows in %.2f s: %.0f rows/s, peak %s MiB\n' "$all_rows" "$wall" "$(python3 -c "print($all_rows/$wall)")" "$rss"
  printf 's3        %d rows in %.2f s: %.0f rows/s, peak %s MiB\n' "$all_rows" "$s3_wall" "$(python3 -c "print($all_rows/$s3_wall)")" "$s3_rss"
  printf 'ratio s3 / local (rows/s): %.2f\n' "$(python3 -c "print($wall/$s3_wall)")"
  if [ "$load" = 1 ]; then
    DATABASE_URL=${DATABASE_URL:-$(scripts/postgres.sh)}
    export DATABASE_URL
    read -r ll_wall ll_rss < <(measure /tmp/load-local.log target/release/datagen-load "$out/$profile" --schema bench_from_disk --replace --quiet)
    read -r ls_wall ls_rss < <(measure /tmp/load-s3.log target/release/datagen-load "$url" --schema bench_from_s3 --replace --quiet)
    printf 'load from disk %.2f s (%.0f rows/s, peak %s MiB); from s3 %.2f s (%.0f rows/s, peak %s MiB); ratio s3 / disk %.2f\n' \
      "$ll_wall" "$(python3 -c "print($all_rows/$ll_wall)")" "$ll_rss" "$ls_wall" "$(python3 -c "print($all_rows/$ls_wall)")" "$ls_rss" \
      "$(python3 -c "print($ll_wall/$ls_wall)")"
    if command -v psql >/dev/null; then
      psql "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS bench_from_disk CASCADE; DROP SCHEMA IF EXISTS bench_from_s3 CASCADE" 2>/dev/null || true
    fi
  fi
  scripts/s3.sh stop "$venv"
  rm -rf "$S3DIR"
fi

[ "$load" = 1 ] || exit 0
echo
scripts/bench-load.sh --profile "$profile" --out "$out"
