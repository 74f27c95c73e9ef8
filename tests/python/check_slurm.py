"""Runs the repository's own deploy/slurm scripts, unedited, on a real one-node Slurm cluster
(scripts/slurm.sh) and checks what a user of them would rely on:

1. an array of 4 parts into the S3 prefix (moto_server) and another into a shared folder, each
   followed by its load job: both datasets byte-identical to a one-process run, valid, loaded
   with exact counts and every constraint validated;
2. a redo round into a folder: one task cancelled midway (SIGTERM, as `scancel` sends: it must
   leave no temporary file) and another killed outright (SIGKILL: its leftover temporary files
   must be removed by its rerun), each redone with deploy/slurm/redo.sh; same bytes, and the load
   still runs.

Needs SLURM_CONF (scripts/slurm.sh), DATABASE_URL, the AWS_* settings and DATAGEN_TEST_S3_BUCKET
(scripts/s3.sh), and the release binaries on PATH.
    python check_slurm.py REPO_ROOT WORK_DIR
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import boto3
import psycopg2

# Round 1 is small (its loads are most of its time); in round 2 each part runs for about a
# second, long enough to be stopped while it writes.
ACCOUNTS = os.environ.get("SLURM_TEST_ACCOUNTS", "1500")
ACCOUNTS_REDO = os.environ.get("SLURM_TEST_ACCOUNTS_REDO", "6000")
SEED = "7"
AS_OF = "2026-01-20"
PARTS = 4
TIMEOUT_S = 900


def log(msg: str) -> None:
    print(f"[slurm {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run(args, env=None, check=True) -> str:
    r = subprocess.run(args, env=env, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, args))} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return r.stdout.strip()


def job(job_id: str) -> dict:
    """The fields of one job (or array task) as `scontrol show job -o` gives them."""
    out = run(["scontrol", "show", "job", "-o", job_id], check=False)
    fields = {}
    for tok in out.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            fields.setdefault(k, v)
    return fields


def state(job_id: str) -> str:
    """RUNNING, COMPLETING (its processes still ending), COMPLETED, CANCELLED, FAILED, …"""
    out = run(["squeue", "-h", "-t", "all", "-j", job_id, "-o", "%T"], check=False).split()
    return out[0] if out else job(job_id).get("JobState", "UNKNOWN")


def wait_for(what: str, pred, logs: Path, timeout=TIMEOUT_S):
    t0 = time.time()
    while time.time() - t0 < timeout:
        got = pred()
        if got:
            return got
        time.sleep(0.1)
    dump(logs)
    raise SystemExit(f"timed out after {timeout} s waiting for {what}")


def dump(logs: Path) -> None:
    print(run(["squeue", "-a"], check=False))
    for f in sorted(logs.glob("*.out")):
        print(f"--- {f.name}\n{f.read_text()[-2000:]}")


def wait_done(load: str, gen: str, logs: Path) -> None:
    """Waits for the load job to complete; fails at once when it can never run."""

    def done():
        j = job(load)
        s, reason = j.get("JobState"), j.get("Reason", "")
        if s == "COMPLETED":
            return True
        if s in ("FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY") or reason == "DependencyNeverSatisfied":
            dump(logs)
            raise SystemExit(f"load job {load} ended {s} ({reason}); generate job {gen}")
        return False

    wait_for(f"load job {load}", done, logs)


def submit(root: Path, env: dict, logs: Path) -> tuple:
    out = run(
        [str(root / "deploy/slurm/submit.sh"), f"--output={logs}/%x-%j.out", f"--chdir={logs}"],
        env=env,
    )
    gen, load = out.split()
    return gen, load


def sha_tree(folder: Path) -> dict:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def sha_prefix(bucket: str, prefix: str) -> dict:
    s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/"):
        for o in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
            out[o["Key"][len(prefix) + 1 :]] = hashlib.sha256(body).hexdigest()
    return out


def same(want: dict, got: dict, where: str) -> None:
    if want != got:
        missing = sorted(set(want) - set(got))
        extra = sorted(set(got) - set(want))
        differ = sorted(k for k in set(want) & set(got) if want[k] != got[k])
        raise SystemExit(f"{where} differs from the one-process run: missing {missing[:5]}, extra {extra[:5]}, differ {differ[:5]}")
    log(f"{where}: {len(got)} files byte-identical to the one-process run")


SCHEMAS = ("slurm_s3", "slurm_dir", "slurm_redo")


def connect():
    u = urllib.parse.urlparse(os.environ["DATABASE_URL"])
    return psycopg2.connect(
        host=u.hostname or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
        password=urllib.parse.unquote(u.password or ""), dbname=u.path.lstrip("/"),
    )


def drop_schemas() -> None:
    conn = connect()
    with conn, conn.cursor() as cur:
        for s in SCHEMAS:
            cur.execute(f'DROP SCHEMA IF EXISTS "{s}" CASCADE')
    conn.close()


def check_loaded(schema: str, manifest: dict) -> None:
    conn = connect()
    with conn, conn.cursor() as cur:
        for t in manifest["tables"]:
            cur.execute(f'SELECT count(*) FROM "{schema}"."{t["name"]}"')
            n = cur.fetchone()[0]
            if n != t["rows"]:
                raise SystemExit(f"{schema}.{t['name']}: {n} rows loaded, manifest says {t['rows']}")
        cur.execute(
            "SELECT count(*) FROM pg_constraint WHERE connamespace = %s::regnamespace AND NOT convalidated",
            (schema,),
        )
        if cur.fetchone()[0]:
            raise SystemExit(f"{schema}: a constraint is left NOT VALID")
        cur.execute(
            "SELECT count(*) FROM pg_constraint WHERE connamespace = %s::regnamespace AND contype = 'f'",
            (schema,),
        )
        fks = cur.fetchone()[0]
    conn.close()
    log(f"{schema}: {len(manifest['tables'])} tables at the manifest's counts, {fks} foreign keys validated")


def temp_files(folder: Path) -> list:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*.tmp"))


def main() -> int:
    root, work = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    bucket = os.environ["DATAGEN_TEST_S3_BUCKET"]
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    drop_schemas()

    def reference(accounts: str):
        ref = work / f"one-process-{accounts}"
        run(["datagen", "generate", "--accounts", accounts, "--seed", SEED, "--as-of", AS_OF, "--out", str(ref), "--quiet"])
        manifest = json.loads((ref / "manifest.json").read_text())
        log(f"one-process reference: {manifest['tables'][0]['rows']} accounts at {AS_OF}, {len(sha_tree(ref))} files")
        return sha_tree(ref), manifest

    want, manifest = reference(ACCOUNTS)
    base = dict(os.environ, DATAGEN_ACCOUNTS=ACCOUNTS, DATAGEN_SEED=SEED, DATAGEN_AS_OF=AS_OF, DATAGEN_PARTS=str(PARTS))
    base.pop("DATAGEN_ENV", None)

    # Round 1: into the S3 prefix and into a shared folder, side by side in the queue.
    prefix = f"slurm-{os.getpid()}-{int(time.time())}"
    folder = work / "shared"
    t0 = time.time()
    s3_jobs = submit(root, dict(base, DATASET=f"s3://{bucket}/{prefix}", DATAGEN_SCHEMA="slurm_s3"), logs)
    dir_jobs = submit(root, dict(base, DATASET=str(folder), DATAGEN_SCHEMA="slurm_dir"), logs)
    log(f"submitted arrays {s3_jobs[0]} (S3) and {dir_jobs[0]} (folder), loads {s3_jobs[1]} and {dir_jobs[1]}")
    for gen, load in (s3_jobs, dir_jobs):
        wait_done(load, gen, logs)
    log(f"round 1: 2 × {PARTS} parts and 2 loads in {time.time() - t0:.1f} s")
    same(want, sha_prefix(bucket, prefix), f"s3://{bucket}/{prefix}")
    same(want, sha_tree(folder), str(folder))
    if temp_files(folder):
        raise SystemExit(f"temporary files left in {folder}: {temp_files(folder)}")
    for ds in (f"s3://{bucket}/{prefix}", str(folder)):
        out = run(["datagen", "validate", ds])
        log(f"validate {ds}: {out.splitlines()[-1]}")
    check_loaded("slurm_s3", manifest)
    check_loaded("slurm_dir", manifest)

    # Round 2: one part cancelled midway, another killed outright; each redone with redo.sh.
    want, manifest = reference(ACCOUNTS_REDO)
    redo = work / "redo"
    t0 = time.time()
    env = dict(base, DATAGEN_ACCOUNTS=ACCOUNTS_REDO, DATASET=str(redo), DATAGEN_SCHEMA="slurm_redo")
    gen, load = submit(root, env, logs)
    redo_sh = str(root / "deploy/slurm/redo.sh")

    def writing(task: str):
        # Each task takes every core of the node, so while it runs the temporary files are its.
        return state(task) == "RUNNING" and redo.exists() and temp_files(redo)

    task = f"{gen}_1"
    wait_for(f"{task} writing shards", lambda: writing(task), logs)
    t_cancel = time.time()
    run(["scancel", task])
    wait_for(f"{task} cancelled", lambda: state(task) == "CANCELLED", logs)
    left = temp_files(redo)
    if left:
        raise SystemExit(f"a cancelled part (SIGTERM) left temporary files: {left}")
    log(f"{task} cancelled midway: stopped cleanly in {time.time() - t_cancel:.1f} s, no temporary file left")
    run([redo_sh, gen, "1", load], env=env)

    # Killed outright (an out-of-memory kill, a lost node): SIGKILL straight to the process
    # whose temporary files are there (their names carry its process id).
    def next_writer():
        # Whichever other task runs next (the scheduler may already have finished one).
        live = [f"{gen}_{k}" for k in (0, 2, 3) if state(f"{gen}_{k}") in ("PENDING", "RUNNING", "CONFIGURING")]
        if not live:
            dump(logs)
            raise SystemExit("every other task finished before one could be killed while writing")
        return next((t for t in live if writing(t)), None)

    task = wait_for("another task writing shards", next_writer, logs)
    pid = int(temp_files(redo)[0].rsplit(".", 2)[-2])
    os.kill(pid, signal.SIGKILL)
    wait_for(f"{task} killed", lambda: state(task) in ("FAILED", "CANCELLED"), logs)
    left = temp_files(redo)
    if not left:
        raise SystemExit(f"{task} was killed while writing but left no temporary file: the test saw nothing to clean")
    log(f"{task} killed outright ({state(task)}): {len(left)} temporary file(s) left, e.g. {left[0]}")
    t_requeue = time.time()
    run([redo_sh, gen, task.split("_")[1], load], env=env)
    wait_for(f"{task} redone", lambda: job(task).get("JobState") == "COMPLETED" and int(job(task).get("Restarts", "0")) >= 1, logs)
    log(f"{task} requeued and finished again in {time.time() - t_requeue:.1f} s")
    wait_done(load, gen, logs)
    log(f"round 2: cancel, kill, two redos and the load in {time.time() - t0:.1f} s")
    left = temp_files(redo)
    if left:
        raise SystemExit(f"the rerun of a killed part did not remove its temporary files: {left}")
    same(want, sha_tree(redo), str(redo))
    check_loaded("slurm_redo", manifest)
    drop_schemas()
    log(f"all Slurm checks passed in {time.time() - t_start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
