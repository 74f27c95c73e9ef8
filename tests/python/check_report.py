"""Recomputes every figure of a report's summary.json from the dataset's shards with pyarrow
(independent of the generator's code) and fails on any difference.

    python check_report.py DATASET_DIR REPORT_DIR
"""

import json
import math
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

BINS = 20
SAMPLE = 100_000
EXACT_DISTINCT = 100_000
TOP_CAP = 1_000
DAY_US = 86_400_000_000

failures = []


def fail(what, ours, theirs):
    failures.append(f"{what}: summary says {ours!r}, recomputed {theirs!r}")


def same(what, ours, theirs, rel=0.0):
    if isinstance(theirs, float) or isinstance(ours, float):
        if ours is None or theirs is None:
            ok = ours is None and theirs is None
        else:
            ok = math.isclose(ours, theirs, rel_tol=max(rel, 1e-9), abs_tol=1e-9)
    else:
        ok = ours == theirs
    if not ok:
        fail(what, ours, theirs)


def read_table(dataset, entry):
    parts = []
    for shard in entry["shards"]:
        p = dataset / shard["path"]
        if p.suffix == ".parquet":
            parts.append(pq.read_table(p))
        else:
            parts.append(pcsv.read_csv(p))
    return pa.concat_tables(parts) if parts else None


def numbers(col, ty):
    """The column as Python numbers the way the summary states them."""
    if ty == "timestamp":
        return col.cast(pa.int64()).to_pylist()
    if ty == "date":
        return col.cast(pa.int32()).to_pylist()
    if ty == "money":
        return [None if v is None else float(v) for v in col.to_pylist()]
    return col.to_pylist()


def check_column(t, c, col):
    ty = c["type"]
    where = f"{t}.{c['name']}"
    values = col.to_pylist()
    valid = [v for v in values if v is not None]
    same(f"{where} count", c["count"], len(values))
    same(f"{where} nulls", c["nulls"], len(values) - len(valid))
    distinct = len(set(valid))
    if c["distinct_exact"]:
        same(f"{where} distinct", c["distinct"], distinct)
        if distinct > EXACT_DISTINCT:
            fail(f"{where} distinct_exact", True, f"{distinct} > {EXACT_DISTINCT}")
    else:
        same(f"{where} distinct (estimate)", float(c["distinct"]), float(distinct), rel=0.03)
    if ty in ("text", "json", "bool"):
        if ty == "bool":
            valid = ["true" if v else "false" for v in valid]
        counts = Counter(valid)
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10] if len(counts) <= TOP_CAP else []
        same(f"{where} top", [tuple(x) for x in c["top"]], top)
        if ty != "bool" and valid:
            same(f"{where} min_length", c["min_length"], min(len(v) for v in valid))
            same(f"{where} max_length", c["max_length"], max(len(v) for v in valid))
        return
    nums = numbers(col, ty)
    vals = [v for v in nums if v is not None]
    if not vals:
        same(f"{where} min", c["min"], None)
        return
    same(f"{where} min", c["min"], float(min(vals)))
    same(f"{where} max", c["max"], float(max(vals)))
    if ty == "money":
        mean = sum(round(v * 100) for v in vals) / 100 / len(vals)
    else:
        mean = math.fsum(vals) / len(vals)
    same(f"{where} mean", c["mean"], float(mean), rel=1e-9)
    stride = max(1, -(-len(nums) // SAMPLE))
    sample = [float(v) for i, v in enumerate(nums) if i % stride == 0 and v is not None]
    h = c["histogram"]
    lo, hi = min(sample), max(sample)
    counts = [0] * BINS
    for v in sample:
        counts[0 if hi <= lo else min(BINS - 1, math.floor((v - lo) / (hi - lo) * BINS))] += 1
    same(f"{where} histogram stride", h["stride"], stride)
    same(f"{where} histogram lo", h["lo"], lo)
    same(f"{where} histogram hi", h["hi"], hi)
    same(f"{where} histogram", h["counts"], counts)


def cardinality(child_col, parent_rows):
    counts = Counter(v for v in child_col.to_pylist() if v is not None)
    per_parent = sorted(list(counts.values()) + [0] * max(0, parent_rows - len(counts)))
    n = len(per_parent)
    return {
        "parents": n,
        "children": sum(counts.values()),
        "parents_without_children": max(0, parent_rows - len(counts)),
        "min": per_parent[0] if n else 0,
        "median": per_parent[(n - 1) // 2] if n else 0,
        "p95": per_parent[math.ceil(n * 95 / 100) - 1] if n else 0,
        "max": per_parent[-1] if n else 0,
    }


def fmt_ts(us):
    return datetime.fromtimestamp(us / 1e6, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def main(dataset: Path, report: Path):
    manifest = json.loads((dataset / "manifest.json").read_text())
    s = json.loads((report / "summary.json").read_text())
    d, md = s["dataset"], manifest["dataset"]
    for k in ("id", "profile", "accounts", "seed", "as_of", "tap_window_days", "format", "compression"):
        same(f"dataset.{k}", d[k], md[k])
    same("dataset.total_rows", d["total_rows"], sum(t["rows"] for t in manifest["tables"]))
    same("dataset.total_bytes", d["total_bytes"], sum(sh["bytes"] for t in manifest["tables"] for sh in t["shards"]))
    same("dataset.tables", d["tables"], len(manifest["tables"]))
    rows_this = {r["table"]: r["this"] for r in s["rows_by_profile"]}
    as_of_end = (datetime.strptime(md["as_of"], "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp() + 86400) * 1e6

    data = {}
    by_name = {t["name"]: t for t in s["tables"]}
    for entry in manifest["tables"]:
        name = entry["name"]
        tbl = read_table(dataset, entry)
        data[name] = tbl
        st = by_name.get(name)
        if st is None:
            fail(f"table {name}", None, "present in the manifest")
            continue
        same(f"{name} rows", st["rows"], tbl.num_rows)
        same(f"{name} rows_by_profile.this", rows_this.get(name), tbl.num_rows)
        dev_rows = next(r["dev"] for r in s["rows_by_profile"] if r["table"] == name)
        if md["profile"] == "dev" and dev_rows is not None:
            same(f"{name} rows_by_profile.dev", dev_rows, tbl.num_rows)
        same(f"{name} bytes", st["bytes"], sum(sh["bytes"] for sh in entry["shards"]))
        same(f"{name} shards", st["shards"], len(entry["shards"]))
        cols = {c["name"]: c for c in st["columns"]}
        lo = hi = None
        for c in entry["columns"]:
            sc = cols.get(c["name"])
            if sc is None:
                fail(f"{name}.{c['name']}", None, "present in the manifest")
                continue
            check_column(name, sc, tbl.column(c["name"]))
            if c["type"] in ("timestamp", "date"):
                vals = [v for v in numbers(tbl.column(c["name"]), c["type"]) if v is not None]
                if vals:
                    scale = 1 if c["type"] == "timestamp" else DAY_US
                    lo = min(lo, min(vals) * scale) if lo is not None else min(vals) * scale
                    hi = max(hi, max(vals) * scale) if hi is not None else max(vals) * scale
        same(f"{name} earliest", st["earliest"], fmt_ts(lo) if lo is not None else None)
        same(f"{name} latest", st["latest"], fmt_ts(hi) if hi is not None else None)
        same(f"{name} days_before_as_of", st["days_before_as_of"],
             (int(as_of_end) - 1 - hi) // DAY_US if hi is not None else None)

    # Relationships.
    rel = {(r["child"], r["column"]): r for r in s["relationships"]}
    for entry in manifest["tables"]:
        for fk in entry["foreign_keys"]:
            parent = next((t for t in manifest["tables"] if t["name"] == fk["references_table"]), None)
            if parent is None:
                continue
            r = rel.get((entry["name"], fk["column"]))
            if r is None:
                fail(f"relationship {entry['name']}.{fk['column']}", None, "declared in the manifest")
                continue
            want = cardinality(data[entry["name"]].column(fk["column"]), parent["rows"])
            for k, v in want.items():
                same(f"relationship {entry['name']}.{fk['column']} {k}", r[k], v)
            hist = {}
            for lo_, hi_, k in r["histogram"]:
                hist[(lo_, hi_)] = k
            same(f"relationship {entry['name']}.{fk['column']} histogram total", sum(hist.values()), want["parents"])

    # Metrics and series from app_accounts.
    acc = data.get("app_accounts")
    metrics = {m["name"]: m["value"] for m in s["metrics"]}
    if acc is not None:
        created = acc.column("created_at").cast(pa.int64()).to_pylist()
        churned = acc.column("churned_at").cast(pa.int64()).to_pylist()
        mrr = [round(float(v) * 100) for v in acc.column("mrr").to_pylist()]
        tiers = acc.column("plan_tier").to_pylist()
        industries = acc.column("industry").to_pylist()
        active = [i for i in range(len(created)) if churned[i] is None]
        same("metric active accounts", metrics["active accounts at the as-of date"], float(len(active)))
        same("metric MRR", metrics["MRR at the as-of date"], sum(mrr[i] for i in active) / 100)
        same("metric ARR", metrics["ARR at the as-of date"], sum(mrr[i] for i in active) * 12 / 100)
        for tier in ("basic", "pro", "enterprise"):
            of = [mrr[i] for i in active if tiers[i].lower() == tier]
            if of:
                same(f"metric ARPA {tier}", metrics[f"ARPA {tier}"], sum(of) / len(of) / 100)
        start = as_of_end - 365 * DAY_US
        at_start = [i for i in range(len(created)) if created[i] < start and (churned[i] is None or churned[i] >= start)]
        lost = [i for i in range(len(created)) if churned[i] is not None and start <= churned[i] < as_of_end and created[i] < start]
        if at_start:
            same("metric logo churn", metrics["logo churn, last 12 months"], len(lost) / len(at_start))
        # Accounts and MRR by month.
        for month, n, m in s["series"]["accounts_by_month"]:
            y, mo = map(int, month.split("-"))
            end = datetime(y + (mo == 12), mo % 12 + 1, 1, tzinfo=timezone.utc).timestamp() * 1e6
            end = min(end, as_of_end)
            act = [i for i in range(len(created)) if created[i] < end and (churned[i] is None or churned[i] >= end)]
            same(f"accounts_by_month {month}", n, len(act))
            same(f"mrr_by_month {month}", m, sum(mrr[i] for i in act) / 100)
        new_by_year = Counter(datetime.fromtimestamp(c / 1e6, tz=timezone.utc).year for c in created)
        # The dataset's own profile baseline is the world model it was built from.
        base = next(b for b in s["baselines"] if b["profile"] == md["profile"])
        same("baseline accounts", base["accounts"], len(created))
        same("baseline active", base["active_accounts"], len(active))
        same("baseline MRR", base["mrr"], float(sum(mrr[i] for i in active) / 100))
        same("baseline new accounts by year", [tuple(x) for x in base["new_accounts_by_year"]], sorted(new_by_year.items()))
        for name, share in base["tier_mix"]:
            same(f"baseline tier {name}", share, sum(1 for t in tiers if t.lower() == name.lower()) / len(tiers))
        for name, share in base["industry_mix"]:
            same(f"baseline industry {name}", share, sum(1 for t in industries if t.lower() == name.lower()) / len(industries))
        perf = data.get("marketing_campaign_performance")
        if perf is not None:
            spend = defaultdict(int)
            for day, v in zip(perf.column("date").cast(pa.int32()).to_pylist(), perf.column("spend").to_pylist()):
                spend[datetime.fromtimestamp(day * 86400, tz=timezone.utc).year] += round(float(v) * 100)
            want = [(y, new_by_year.get(y, 0), spend[y] / 100) for y in sorted(spend)]
            same("spend_vs_new_accounts", [tuple(x) for x in s["series"]["spend_vs_new_accounts"]], want)

    # Subscription, billing, CRM, web, product and device metrics.
    sub = data.get("app_subscriptions")
    if sub is not None:
        col = lambda n: sub.column(n).to_pylist()
        ts = lambda n: sub.column(n).cast(pa.int64()).to_pylist()
        acct, tier, mrr_s = col("account_id"), col("plan_tier"), [round(float(v) * 100) for v in col("mrr")]
        ts0, te, st, en, reason = ts("trial_start"), ts("trial_end"), ts("started_at"), ts("ended_at"), col("end_reason")
        over = [i for i in range(len(acct)) if ts0[i] is not None and te[i] is not None and te[i] < as_of_end]
        if over:
            conv = sum(1 for i in over if reason[i] != "trial_expired")
            same("metric trial conversion", metrics["trial conversion"], conv / len(over))
        t0, t1 = as_of_end - 365 * DAY_US, as_of_end - 1
        paying = lambda i, t: st[i] <= t and (en[i] is None or en[i] > t) and (te[i] is None or te[i] <= t)
        then, now = {}, defaultdict(int)
        for i in range(len(acct)):
            if paying(i, t0):
                m, first = then.get(acct[i], (0, i))
                then[acct[i]] = (m + mrr_s[i], first)
            if paying(i, t1):
                now[acct[i]] += mrr_s[i]
        for t in ("basic", "pro", "enterprise"):
            a = sum(m for acc_, (m, i) in then.items() if tier[i].lower() == t)
            b = sum(now.get(acc_, 0) for acc_, (m, i) in then.items() if tier[i].lower() == t)
            if a > 0:
                same(f"metric NRR {t}", metrics[f"net revenue retention {t}"], b / a)
    inv = data.get("stripe_invoices")
    if inv is not None:
        stt = inv.column("status").to_pylist()
        same("metric invoices paid", metrics["invoices paid"], stt.count("paid") / len(stt))
    deals = data.get("hubspot_deals")
    if deals is not None:
        stage = deals.column("property_dealstage").to_pylist()
        won, lost = stage.count("closedwon"), stage.count("closedlost")
        if won + lost:
            same("metric win rate", metrics["deal win rate"], won / (won + lost))
            cr = deals.column("property_createdate").cast(pa.int64()).to_pylist()
            cl = deals.column("property_closedate").cast(pa.int64()).to_pylist()
            days = [(cl[i] - cr[i]) / DAY_US for i in range(len(stage))
                    if stage[i] in ("closedwon", "closedlost") and cl[i] is not None and cr[i] is not None]
            if days:
                same("metric sales cycle", metrics["sales cycle, closed deals"], math.fsum(days) / len(days), rel=1e-9)
    ga = data.get("ga_sessions")
    if ga is not None:
        b, e, dur = ga.column("bounced").to_pylist(), ga.column("engaged").to_pylist(), ga.column("duration_s").to_pylist()
        same("metric bounce", metrics["GA bounce rate"], sum(1 for x in b if x) / len(b))
        eng = [dur[i] for i in range(len(e)) if e[i]]
        if eng:
            same("metric engaged duration", metrics["GA engaged session duration"], sum(eng) / len(eng))
    us = data.get("app_user_sessions")
    if us is not None:
        u = us.column("user_id").to_pylist()
        same("metric sessions per user", metrics["sessions per active user"], len(u) / len(set(u)))
    fu = data.get("app_feature_usage")
    if fu is not None and acc is not None:
        using = defaultdict(set)
        for a, t in zip(fu.column("account_id").to_pylist(), fu.column("plan_tier").to_pylist()):
            using[t].add(a)
        for t in ("basic", "pro", "enterprise"):
            of = sum(1 for x in tiers if x.lower() == t)
            if of:
                same(f"metric feature adoption {t}", metrics[f"feature adoption {t}"], len(using[t]) / of)
    dh = data.get("iot_device_health")
    if dh is not None:
        pcount, up = dh.column("pour_count").to_pylist(), dh.column("uptime_pct").to_pylist()
        same("metric pours per device-day", metrics["pours per device-day"], sum(pcount) / len(pcount))
        same("metric uptime", metrics["device uptime"], math.fsum(up) / len(up), rel=1e-9)

    # Pours in local time, through the IANA zones with Python's own daylight-time rules.
    taps, locs = data.get("iot_tap_events"), data.get("app_locations")
    if taps is not None and locs is not None:
        zone = dict(zip(locs.column("location_id").to_pylist(), locs.column("timezone").to_pylist()))
        hours, weekdays, months = [0] * 24, [0] * 7, Counter()
        loc_ids = taps.column("location_id")
        for tz in sorted(set(zone.values())):
            ids = pa.array([k for k, v in zone.items() if v == tz], pa.int64())
            at = taps.filter(pc.is_in(loc_ids, value_set=ids)).column("poured_at").cast(pa.timestamp("us", tz=tz))
            for h, n in Counter(pc.hour(at).to_pylist()).items():
                hours[h] += n
            for w, n in Counter(pc.day_of_week(at).to_pylist()).items():
                weekdays[w] += n
            for (y, m), n in Counter(zip(pc.year(at).to_pylist(), pc.month(at).to_pylist())).items():
                months[f"{y:04d}-{m:02d}"] += n
        same("pours_by_hour", s["series"]["pours_by_hour"], hours)
        same("pours_by_weekday", s["series"]["pours_by_weekday"], weekdays)
        same("pours_by_month", [tuple(x) for x in s["series"]["pours_by_month"]], sorted(months.items()))

    # Distributions: the measured share is the column's share of the value.
    for dist in s["distributions"]:
        t, c = dist["measured_in"].split(".")
        if t not in data:
            continue
        vals = [v for v in data[t].column(c).to_pylist() if v is not None]
        for value, _, share in dist["shares"]:
            same(f"distribution {dist['name']} {value}", share,
                 100.0 * sum(1 for v in vals if v.lower() == value.lower()) / len(vals))

    by_metric = {m["name"]: m["display"] for m in s["metrics"]}
    for prm, metric_name in (("annual churn", "logo churn, last 12 months"), ("trial conversion", "trial conversion"),
                             ("yearly growth of new accounts", "new accounts, year-over-year")):
        got = next((x["measured"] for x in s["parameters"] if x["name"] == prm), "missing")
        same(f"parameter {prm}", got, by_metric.get(metric_name))

    v = s.get("validation")
    if v is not None:
        st = Counter(c["status"] for c in v["checks"])
        same("validation passed", v["passed"], st["pass"])
        same("validation failed", v["failed"], st["fail"])
        same("validation n/a", v["not_applicable"], st["n/a"])

    if failures:
        print(f"{len(failures)} figures differ:")
        for f in failures[:50]:
            print("  " + f)
        return 1
    print(f"every figure of {report / 'summary.json'} recomputed independently and equal")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
