"""Checks the batch-engine examples in deploy/ offline, so a typo cannot ship:

- Kubernetes manifests against the Kubernetes schemas (PyPI's kubernetes-validate, strict: an
  unknown field is an error), and the Indexed Job's completions equal to the N of --shard auto/N;
- AWS Batch job definitions parse and carry what submit.sh relies on (the names it submits, a
  full command whose first word is a binary of the image, --shard auto, retries, resources);
- the Slurm scripts parse (bash -n) and keep the directives submit.sh and redo.sh rely on;
- on every engine the parts write where the load reads.

Every rule is also run on a broken copy, which it must reject.
    python check_deploy.py REPO_ROOT
"""

import copy
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

BINARIES = {"datagen", "datagen-load"}


def flag(args: list, name: str):
    """The value of --name in an argument list (`--name value` or `--name=value`)."""
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def kubernetes_schema(files: list) -> list:
    r = subprocess.run(
        [str(Path(sys.executable).parent / "kubernetes-validate"), "--strict", "--quiet", *map(str, files)],
        capture_output=True, text=True,
    )
    return [] if r.returncode == 0 else [f"kubernetes-validate: {(r.stdout + r.stderr).strip()}"]


def kubernetes_rules(gen: dict, load: dict) -> list:
    problems = []
    spec = gen["spec"]
    c = spec["template"]["spec"]["containers"][0]
    args = c.get("args", [])
    if spec.get("completionMode") != "Indexed":
        problems.append("generate Job is not completionMode: Indexed (no JOB_COMPLETION_INDEX)")
    shard = flag(args, "--shard") or ""
    m = re.fullmatch(r"auto/(\d+)", shard)
    if not m:
        problems.append(f"generate Job passes --shard {shard!r}, not auto/N")
    elif int(m.group(1)) != spec.get("completions"):
        problems.append(f"--shard {shard} but completions is {spec.get('completions')}")
    if c.get("command", [None])[0] not in BINARIES:
        problems.append(f"generate container command {c.get('command')} is not one of {sorted(BINARIES)}")
    lc = load["spec"]["template"]["spec"]["containers"][0]
    if lc.get("command", [None])[0] != "datagen-load":
        problems.append(f"load container command {lc.get('command')} is not datagen-load")
    if flag(args, "--out") != lc.get("args", [None])[0]:
        problems.append(f"parts write to {flag(args, '--out')} but the load reads {lc.get('args', [None])[0]}")
    return problems


def batch_rules(gen: dict, load: dict, submit: str) -> list:
    problems = []
    for d, want in ((gen, "datagen-generate"), (load, "datagen-load")):
        name = d.get("jobDefinitionName")
        if name != want:
            problems.append(f"job definition named {name!r}, submit.sh submits {want!r}")
        if f"--job-definition {want}" not in submit:
            problems.append(f"submit.sh does not submit {want}")
        if d.get("type") != "container":
            problems.append(f"{name}: type {d.get('type')!r}, not container")
        props = d.get("containerProperties", {})
        cmd = props.get("command", [])
        if not cmd or cmd[0] not in BINARIES:
            problems.append(f"{name}: command {cmd[:2]} does not start with one of {sorted(BINARIES)}")
        res = {r.get("type") for r in props.get("resourceRequirements", [])}
        if not {"VCPU", "MEMORY"} <= res:
            problems.append(f"{name}: resourceRequirements lack VCPU or MEMORY")
        if d.get("retryStrategy", {}).get("attempts", 0) < 1:
            problems.append(f"{name}: no retryStrategy attempts")
    gcmd = gen.get("containerProperties", {}).get("command", [])
    lcmd = load.get("containerProperties", {}).get("command", [])
    if gcmd[:2] != ["datagen", "generate"] or flag(gcmd, "--shard") != "auto":
        problems.append(f"generate command {gcmd[:2]} … --shard {flag(gcmd, '--shard')}: need datagen generate … --shard auto")
    if len(lcmd) < 2 or flag(gcmd, "--out") != lcmd[1]:
        problems.append(f"parts write to {flag(gcmd, '--out')} but the load reads {lcmd[1:2]}")
    if not any(s.get("name") == "DATABASE_URL" for s in load.get("containerProperties", {}).get("secrets", [])):
        problems.append("load job definition has no DATABASE_URL secret")
    return problems


def slurm_rules(scripts: dict) -> list:
    problems = []
    for name, text in scripts.items():
        with tempfile.NamedTemporaryFile("w", suffix=".sh") as f:
            f.write(text)
            f.flush()
            r = subprocess.run(["bash", "-n", f.name], capture_output=True, text=True)
        if r.returncode:
            problems.append(f"{name}: bash -n: {r.stderr.strip()}")
    gen = scripts["generate.sbatch"]
    for d in ("#SBATCH --array=", "#SBATCH --requeue"):
        if d not in gen:
            problems.append(f"generate.sbatch lacks {d}")
    if "--shard auto" not in gen:
        problems.append("generate.sbatch does not pass --shard auto")
    if "#SBATCH --requeue" not in scripts["load.sbatch"]:
        problems.append("load.sbatch lacks #SBATCH --requeue")
    for var in ("DATAGEN_PROFILE", "DATAGEN_ACCOUNTS", "DATAGEN_SEED", "DATAGEN_AS_OF", "DATASET"):
        if var not in gen:
            problems.append(f"generate.sbatch does not read {var}")
    if "DATASET" not in scripts["load.sbatch"]:
        problems.append("load.sbatch does not read DATASET")
    return problems


def expect(label: str, problems: list, broken: bool) -> int:
    if broken and not problems:
        print(f"FAIL {label}: a broken copy passed")
        return 1
    if not broken and problems:
        print(f"FAIL {label}:\n  " + "\n  ".join(problems))
        return 1
    print(f"ok   {label}" + (f" (rejected: {problems[0][:100]})" if broken else ""))
    return 0


def main() -> int:
    root = Path(sys.argv[1])
    k8s = root / "deploy/kubernetes"
    batch = root / "deploy/aws-batch"
    slurm = root / "deploy/slurm"
    failures = 0

    kgen = yaml.safe_load((k8s / "generate-indexed-job.yaml").read_text())
    kload = yaml.safe_load((k8s / "load-job.yaml").read_text())
    failures += expect("kubernetes: manifests match the Kubernetes schemas", kubernetes_schema(sorted(k8s.glob("*.yaml"))), False)
    failures += expect("kubernetes: parts, index and prefix agree", kubernetes_rules(kgen, kload), False)
    with tempfile.TemporaryDirectory() as t:
        typo = Path(t) / "typo.yaml"
        typo.write_text((k8s / "generate-indexed-job.yaml").read_text().replace("completionMode:", "completionMod:"))
        failures += expect("kubernetes: a misspelt field", kubernetes_schema([typo]), True)
    bad = copy.deepcopy(kgen)
    bad["spec"]["completions"] = 3
    failures += expect("kubernetes: completions ≠ N of --shard auto/N", kubernetes_rules(bad, kload), True)

    bgen = json.loads((batch / "job-definition.json").read_text())
    bload = json.loads((batch / "load-job-definition.json").read_text())
    submit = (batch / "submit.sh").read_text()
    failures += expect("aws batch: job definitions carry what submit.sh relies on", batch_rules(bgen, bload, submit), False)
    bad = copy.deepcopy(bgen)
    bad["containerProperties"]["command"] = bad["containerProperties"]["command"][1:]
    failures += expect("aws batch: a command without its binary", batch_rules(bad, bload, submit), True)
    bad = copy.deepcopy(bload)
    bad["jobDefinitionName"] = "datagen-loader"
    failures += expect("aws batch: a renamed job definition", batch_rules(bgen, bad, submit), True)

    scripts = {p.name: p.read_text() for p in sorted(slurm.iterdir())}
    failures += expect("slurm: scripts parse and keep their directives", slurm_rules(scripts), False)
    bad = dict(scripts)
    bad["generate.sbatch"] = bad["generate.sbatch"].replace("#SBATCH --requeue", "")
    failures += expect("slurm: generate.sbatch without --requeue", slurm_rules(bad), True)
    bad = dict(scripts)
    bad["redo.sh"] = bad["redo.sh"] + "\nif [ x = x ]; then\n"
    failures += expect("slurm: a script that does not parse", slurm_rules(bad), True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
