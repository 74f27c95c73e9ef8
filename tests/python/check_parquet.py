"""Reads a datagen dataset with pyarrow (an independent Parquet/CSV reader) and checks every
table against its manifest: row counts, column names, Arrow types and nullability."""

import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

EXPECTED = {
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "text": pa.string(),
    "json": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="+00:00"),
    "money": pa.decimal128(12, 2),
}


def check(dataset: Path) -> int:
    manifest = json.loads((dataset / "manifest.json").read_text())
    failures = 0
    for table in manifest["tables"]:
        name = table["name"]
        rows = 0
        for shard in table["shards"]:
            t = pq.read_table(dataset / shard["path"])
            assert t.num_rows == shard["rows"], (shard["path"], t.num_rows, shard["rows"])
            rows += t.num_rows
            names = [c["name"] for c in table["columns"]]
            assert t.schema.names == names, (name, t.schema.names, names)
            for col in table["columns"]:
                field = t.schema.field(col["name"])
                want = EXPECTED[col["type"]]
                if field.type != want:
                    print(f"FAIL {name}.{col['name']}: {field.type} != {want}")
                    failures += 1
                if field.nullable != col["nullable"]:
                    print(f"FAIL {name}.{col['name']}: nullable {field.nullable}")
                    failures += 1
                if not col["nullable"] and t.column(col["name"]).null_count:
                    print(f"FAIL {name}.{col['name']}: nulls in a required column")
                    failures += 1
        if rows != table["rows"]:
            print(f"FAIL {name}: {rows} rows read, manifest says {table['rows']}")
            failures += 1
        print(f"ok   {name}: {rows} rows, {len(table['columns'])} columns")
    return failures


if __name__ == "__main__":
    failed = check(Path(sys.argv[1]))
    if failed:
        print(f"{failed} failures")
        sys.exit(1)
    print("pyarrow reads every table with the declared types and counts")
