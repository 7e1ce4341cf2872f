"""Policy generation benchmark: CloudTrail logs to a generated policy, against trailscraper.

Run: ``.venv/bin/python benchmarks/bench_policy_generation.py [--records N] [--runs N]``

Writes N CloudTrail records (default 1,000,000: 200 principals, half users and half roles
through assumed-role sessions; 1,000 actions in 40 services; 4 regions; times over 30 days)
in two layouts: one large ``.json.gz`` file, and CloudTrail's S3 delivery layout (a folder
per region and day, 1,000 records a file: 1,080 files for 1,000,000 records). For each layout and run, in a fresh process:

* **mock**: ``aws.load_cloudtrail(path)`` then StartPolicyGeneration + GetGeneratedPolicy
  (with resource placeholders) through boto3 for one role;
* **trailscraper** (its own virtual environment, it pins an old boto3): ``trailscraper
  select --log-dir ... --filter-assumed-role-arn ...`` piped into ``trailscraper generate``,
  the same role, the same window. Skipped with a message where it cannot be installed.

Each figure is wall time end to end and peak memory, median and [min - max] over the runs,
the tools taking turns run by run; the ratios are per run, median and [min - max]. Peak
memory is the largest sum of resident memory of every process a run has (the mock's
process and its CloudTrail worker processes; trailscraper's select and generate), sampled
every 10 ms from this process: a lower bound of the true peak, measured alike for both.
For the mock also the load alone: its time and how far its own process's memory rose.

Also: GetGeneratedPolicy (Start + Get, placeholders, through boto3) for one principal with
1,000,000 recorded accesses (``record_accesses``), median and [min - max] of 20 rounds.
Targets (issue 10): at least 5x faster than trailscraper end to end and at most 1/5 of its
peak memory, for both layouts; Start + Get on 1,000,000 accesses <= 100 ms.
"""

from __future__ import annotations

import argparse
import compileall
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")
START = datetime(2026, 5, 1, tzinfo=timezone.utc)
DAYS = 30
NOW = START + timedelta(days=DAYS)
TARGET_ROLE = "role-0001"
TRAILSCRAPER_VENV = Path(os.environ.get("TRAILSCRAPER_VENV", "/tmp/venv-trailscraper"))
PER_FILE = 1_000

# ---- the logs ------------------------------------------------------------------------------------


# Services whose CloudTrail eventSource label is their IAM prefix and whose event names are
# their API operations: trailscraper maps an event to a policy through boto's models, and
# stops at an event name its (old, pinned) boto does not model.
SERVICES = (
    "acm",
    "athena",
    "cloudformation",
    "codebuild",
    "dynamodb",
    "ec2",
    "ecr",
    "ecs",
    "eks",
    "elasticache",
    "glue",
    "iam",
    "kinesis",
    "kms",
    "lambda",
    "logs",
    "rds",
    "redshift",
    "route53",
    "secretsmanager",
    "sns",
    "sqs",
    "ssm",
    "sts",
)


def _operations_trailscraper_knows() -> dict[str, set[str]] | None:
    python = TRAILSCRAPER_VENV / "bin" / "python"
    if not python.exists():
        return None
    code = (
        "import json, botocore.session as s; session = s.get_session(); "
        f"print(json.dumps({{n: session.get_service_model(n).operation_names for n in {list(SERVICES)!r}}}))"
    )
    out = subprocess.run([str(python), "-c", code], check=False, capture_output=True, text=True)
    return None if out.returncode else {k: set(v) for k, v in json.loads(out.stdout).items()}


def _actions() -> list[tuple[str, str]]:
    """API operations that are also IAM actions of the same name (1,000 at most), in services
    both tools know."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import botocore.session

    from iam_access_mock.policy import catalogue

    session = botocore.session.get_session()
    known = _operations_trailscraper_knows()
    picked = []
    for namespace in SERVICES:
        operations = session.get_service_model(namespace).operation_names
        usable = [
            name
            for name in operations
            if catalogue.canonical_action(namespace, name) == name
            and (known is None or name in known.get(namespace, set()))
        ]
        picked.extend((namespace, name) for name in usable[:42])
    return picked[:1000]


def _identity(index: int) -> dict[str, Any]:
    if index % 2:
        name = f"role-{index:04d}"
        return {
            "type": "AssumedRole",
            "principalId": f"AROAEXAMPLE{index:04d}:session",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/session",
            "accountId": ACCOUNT,
            "accessKeyId": "ASIAEXAMPLE",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": f"AROAEXAMPLE{index:04d}",
                    "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
                    "accountId": ACCOUNT,
                    "userName": name,
                },
                "attributes": {"creationDate": "2026-05-01T00:00:00Z", "mfaAuthenticated": "false"},
            },
        }
    name = f"user-{index:04d}"
    return {
        "type": "IAMUser",
        "principalId": f"AIDAEXAMPLE{index:04d}",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIAEXAMPLE",
        "userName": name,
    }


def records(count: int, principals: int = 200, seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    actions = _actions()
    identities = [_identity(i) for i in range(principals)]
    out = []
    for i in range(count):
        namespace, name = rng.choice(actions)
        when = START + timedelta(seconds=rng.randrange(DAYS * 86400))
        out.append(
            {
                "eventVersion": "1.09",
                "userIdentity": identities[rng.randrange(principals)],
                "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "eventSource": f"{namespace}.amazonaws.com",
                "eventName": name,
                "awsRegion": rng.choice(REGIONS),
                "sourceIPAddress": "192.0.2.1",
                "userAgent": "aws-cli/2.15.0",
                "requestParameters": None,
                "responseElements": None,
                "requestID": f"req-{i}",
                "eventID": f"evt-{i}",
                "readOnly": True,
                "eventType": "AwsApiCall",
                "managementEvent": True,
                "recipientAccountId": ACCOUNT,
                "eventCategory": "Management",
            }
        )
    out.sort(key=lambda record: record["eventTime"])
    return out


def write_single(folder: Path, all_records: list[dict[str, Any]]) -> Path:
    # A CloudTrail-style name: trailscraper picks log files by their name.
    path = folder / f"{ACCOUNT}_CloudTrail_us-east-1_20260501T0000Z_all.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"Records": all_records}).encode(), compresslevel=6))
    return path


def write_delivery(folder: Path, all_records: list[dict[str, Any]]) -> Path:
    by_place: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record in all_records:
        by_place.setdefault((record["awsRegion"], record["eventTime"][:10]), []).append(record)
    for (region, day), found in by_place.items():
        target = folder / "AWSLogs" / ACCOUNT / "CloudTrail" / region / day.replace("-", "/")
        target.mkdir(parents=True, exist_ok=True)
        for start in range(0, len(found), PER_FILE):
            stamp = day.replace("-", "")
            name = f"{ACCOUNT}_CloudTrail_{region}_{stamp}T0000Z_{start:08d}.json.gz"
            payload = json.dumps({"Records": found[start : start + PER_FILE]}).encode()
            (target / name).write_bytes(gzip.compress(payload, compresslevel=6))
    return folder


# ---- one run of the mock, in a fresh process -----------------------------------------------------

# The mock's process reports its own figures; its memory, with its workers', is sampled
# from outside (``tree_peak``), so that sampling takes no time from it.
MOCK_RUN = r"""
import json, sys, time
from datetime import datetime, timezone
def status(field):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) * 1024 for line in lines if line.startswith(field))
started = time.perf_counter()
import boto3
from iam_access_mock import mock_access
source, account, principals, now = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"Service": "access-analyzer.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
with mock_access() as aws:
    aws.clock.set(datetime.fromisoformat(now))
    from iam_access_mock.identity import new_id
    from iam_access_mock.services.iam.store import Role, User
    store = aws.world.iam(account)
    created = aws.clock.now()
    for i in range(principals):  # the principals, put in the store directly (as bench_activity)
        if i % 2:
            name = f"role-{i:04d}"
            store.add(Role(name, "/", new_id("AROA"), f"arn:aws:iam::{account}:role/{name}", created))
        else:
            name = f"user-{i:04d}"
            store.add(User(name, "/", new_id("AIDA"), f"arn:aws:iam::{account}:user/{name}", created))
    boto3.client("iam").create_role(RoleName="AccessAnalyzer", AssumeRolePolicyDocument=trust)
    before, load_started = status("VmRSS:"), time.perf_counter()
    loaded = aws.load_cloudtrail(source)
    load_seconds, load_peak = time.perf_counter() - load_started, status("VmHWM:")
    aa = boto3.client("accessanalyzer", region_name="us-east-1")
    job = aa.start_policy_generation(
        policyGenerationDetails={"principalArn": f"arn:aws:iam::{account}:role/role-0001"},
        cloudTrailDetails={"accessRole": f"arn:aws:iam::{account}:role/AccessAnalyzer",
            "startTime": "2026-05-01T00:00:00Z", "endTime": now,
            "trails": [{"cloudTrailArn": f"arn:aws:cloudtrail:us-east-1:{account}:trail/main", "allRegions": True}]})
    result = aa.get_generated_policy(jobId=job["jobId"], includeResourcePlaceholders=True)
    policies = result["generatedPolicyResult"]["generatedPolicies"]
    actions = {a for p in policies for s in json.loads(p["policy"])["Statement"]
               for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "own_peak": status("VmHWM:"), "taken": int(loaded),
                  "actions": len(actions), "load_seconds": load_seconds,
                  "load_increase": load_peak - before}))
"""


def _resident(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as lines:
            for line in lines:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # it ended
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, index = [pid], 0
    while index < len(found):
        try:
            for task in os.listdir(f"/proc/{found[index]}/task"):
                with open(f"/proc/{found[index]}/task/{task}/children") as children:
                    found.extend(int(child) for child in children.read().split())
        except OSError:
            pass
        index += 1
    return found


def tree_peak(processes: list[subprocess.Popen[Any]], interval: float = 0.01) -> int:
    """Wait for ``processes`` to end; the largest sum of the resident memory of them and
    their descendants seen, sampled every ``interval`` seconds."""
    peak = 0
    while any(process.poll() is None for process in processes):
        pids = [pid for process in processes for pid in _descendants(process.pid)]
        peak = max(peak, sum(_resident(pid) for pid in pids))
        time.sleep(interval)
    return peak


def run_mock(source: Path, principals: int) -> dict[str, float]:
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                MOCK_RUN,
                str(source),
                ACCOUNT,
                str(principals),
                NOW.isoformat(),
            ],
            stdout=output,
            stderr=errors,
            cwd=Path(__file__).resolve().parent.parent,
        )
        peak = tree_peak([process])
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"the mock run failed:\n{errors.read()[-3000:].decode()}")
        output.seek(0)
        result = json.loads(output.read().decode().strip().splitlines()[-1])
    result["peak"] = peak
    return result  # type: ignore[no-any-return]


# ---- one run of trailscraper ---------------------------------------------------------------------


def trailscraper_available() -> str | None:
    """None if trailscraper runs from its virtual environment, else why not (installs it)."""
    binary = TRAILSCRAPER_VENV / "bin" / "trailscraper"
    if not binary.exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(TRAILSCRAPER_VENV)], check=True)
            subprocess.run(
                [str(TRAILSCRAPER_VENV / "bin" / "pip"), "install", "-q", "trailscraper"],
                check=True,
                capture_output=True,
            )
        except (subprocess.CalledProcessError, OSError) as error:
            return f"trailscraper could not be installed in {TRAILSCRAPER_VENV}: {error}"
    probe = subprocess.run([str(binary), "--version"], check=False, capture_output=True, text=True)
    if probe.returncode != 0:
        return f"trailscraper does not run: {probe.stderr.strip()[-300:]}"
    return None


def run_trailscraper(log_dir: Path) -> dict[str, float]:
    """``trailscraper select ... | trailscraper generate``, timed and sampled from here."""
    binary = str(TRAILSCRAPER_VENV / "bin" / "trailscraper")
    role = f"arn:aws:iam::{ACCOUNT}:role/{TARGET_ROLE}"
    select = [
        binary,
        "select",
        "--log-dir",
        str(log_dir),
        "--filter-assumed-role-arn",
        role,
        "--from",
        START.strftime("%Y-%m-%d"),
        "--to",
        (NOW + timedelta(days=1)).strftime("%Y-%m-%d"),
    ]
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        first = subprocess.Popen(select, stdout=subprocess.PIPE)
        second = subprocess.Popen([binary, "generate"], stdin=first.stdout, stdout=output)
        first.stdout.close()  # type: ignore[union-attr]
        peak = tree_peak([first, second])
        elapsed = time.perf_counter() - started
        if first.returncode or second.returncode:
            raise RuntimeError(f"trailscraper failed: {first.returncode}, {second.returncode}")
        output.seek(0)
        policy = json.loads(output.read() or b"{}")
    actions = sum(len(statement.get("Action", [])) for statement in policy.get("Statement", []))
    return {"seconds": elapsed, "peak": peak, "actions": actions}


# ---- GetGeneratedPolicy on 1,000,000 accesses of one principal -----------------------------------


def bench_get(accesses: int, rounds: int) -> list[float]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import boto3

    from iam_access_mock import mock_access

    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "access-analyzer.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    actions = [f"{ns}:{name}" for ns, name in _actions()]
    rng = random.Random(5)
    app = f"arn:aws:iam::{ACCOUNT}:role/app"
    times = [START + timedelta(seconds=rng.randrange(DAYS * 86400)) for _ in range(50_000)]
    items = [
        (app, rng.choice(actions), rng.choice(times), rng.choice(REGIONS)) for _ in range(accesses)
    ]
    seconds = []
    with mock_access() as aws:
        aws.clock.set(NOW)
        iam = boto3.client("iam")
        iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust)
        iam.create_role(RoleName="AccessAnalyzer", AssumeRolePolicyDocument=trust)
        aws.record_accesses(items)
        aa = boto3.client("accessanalyzer", region_name="us-east-1")
        details = {
            "accessRole": f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzer",
            "startTime": NOW - timedelta(days=20),
            "trails": [
                {
                    "cloudTrailArn": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main",
                    "regions": ["eu-west-1"],
                }
            ],
        }
        for round_ in range(rounds + 1):
            aws.clock.advance(timedelta(hours=2))  # the daily quota: 50 in 24 hours
            started = time.perf_counter()
            job = aa.start_policy_generation(
                policyGenerationDetails={"principalArn": app}, cloudTrailDetails=details
            )
            aa.get_generated_policy(jobId=job["jobId"], includeResourcePlaceholders=True)
            if round_:  # the first round warms the clients and the catalogue
                seconds.append(time.perf_counter() - started)
    return seconds


# ---- main ----------------------------------------------------------------------------------------


def spread(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    scaled = [value * scale for value in values]
    return f"{statistics.median(scaled):.{digits}f} [{min(scaled):.{digits}f} - {max(scaled):.{digits}f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--principals", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--get-accesses", type=int, default=1_000_000)
    parser.add_argument("--get-rounds", type=int, default=20)
    parser.add_argument("--skip-trailscraper", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "x" * 40),
    ):
        os.environ.setdefault(name, value)

    why_not = (
        "skipped (--skip-trailscraper)" if args.skip_trailscraper else trailscraper_available()
    )
    if why_not:
        print(f"trailscraper column skipped: {why_not}")
    print(
        f"{args.records:,} CloudTrail records, {args.principals} principals, {args.runs} runs each\n"
    )
    # As pip installs a package (trailscraper's was): compiled, so that no run of the mock
    # compiles its modules again (a process whose environment says not to write bytecode
    # would, each run).
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "iam_access_mock", quiet=1)
    all_records = records(args.records, args.principals)
    with tempfile.TemporaryDirectory() as folder:
        single_dir = Path(folder, "single")
        single_dir.mkdir()
        single = write_single(single_dir, all_records)
        delivery = write_delivery(Path(folder, "delivery"), all_records)
        del all_records
        files = sum(1 for _ in delivery.rglob("*.json.gz"))
        print(
            f"layouts: one .json.gz of {single.stat().st_size / 1e6:.0f} MB; {files} files in the delivery layout\n"
        )
        header = f"{'layout':<10} {'tool':<13} {'seconds':>24} {'peak MB':>26}  actions"
        print(header)
        for layout, mock_source, log_dir in (
            ("one file", single, single_dir),
            ("folder", delivery, delivery),
        ):
            mock, scraper = [], []
            for _ in range(args.runs):  # the tools take turns, so both see the same machine
                mock.append(run_mock(mock_source, args.principals))
                if not why_not:
                    scraper.append(run_trailscraper(log_dir))
            print(
                f"{layout:<10} {'mock':<13} {spread([r['seconds'] for r in mock]):>24} "
                f"{spread([r['peak'] for r in mock], 1e-6, 0):>26}  {int(mock[0]['actions'])}"
            )
            print(
                f"{'':<10} {'  the load':<13} {spread([r['load_seconds'] for r in mock]):>24} "
                f"{spread([r['load_increase'] for r in mock], 1e-6, 0):>26}  (its process's rise)"
            )
            print(
                f"{'':<10} {'  its process':<13} {'':>24} "
                f"{spread([r['own_peak'] for r in mock], 1e-6, 0):>26}  (without its workers)"
            )
            if why_not:
                continue
            print(
                f"{layout:<10} {'trailscraper':<13} {spread([r['seconds'] for r in scraper]):>24} "
                f"{spread([r['peak'] for r in scraper], 1e-6, 0):>26}  {int(scraper[0]['actions'])}"
            )
            speed = [t["seconds"] / m["seconds"] for m, t in zip(mock, scraper)]
            memory = [m["peak"] / t["peak"] for m, t in zip(mock, scraper)]
            print(
                f"{'':<10} {'ratio':<13} {spread(speed, 1, 1):>17}x faster "
                f"{spread(memory, 1, 2):>16} of its peak"
            )
    seconds = bench_get(args.get_accesses, args.get_rounds)
    print(
        f"\nStart + GetGeneratedPolicy, one principal with {args.get_accesses:,} accesses: "
        f"{spread(seconds, 1e3, 1)} ms (target <= 100 ms)"
    )


if __name__ == "__main__":
    main()
