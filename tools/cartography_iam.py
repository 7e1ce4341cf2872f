"""Cartography's AWS IAM sync, unchanged, against the mock, with a recording stand-in for Neo4j.

``cartography.intel.aws.iam.sync`` and ``iam_instance_profiles.sync_iam_instance_profiles``
run as ``cartography.intel.aws`` calls them, with a boto3 session (answered by the mock) and a
Neo4j session replaced by ``RecordingNeo4jSession``: it keeps every node the sync writes, by
label, and answers the sync's own reads (the users and principals it wrote) from them, as the
database would. No Neo4j server runs here (none is packaged for Debian or PyPI).

Cartography retries any ClientError for up to 600 s (``aws_handle_regions``, with
``cartography.helpers.backoff_handler`` called before each retry). The harness replaces that
handler with one that records the retry and stops the sync at once, so "completes without a
retry" is checked in a second instead of stalling for ten minutes.

Run in the Cartography virtual environment: ``python tools/cartography_iam.py [result.json]``.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import ACCOUNT, REGION, World, build_world, compare, tool_run

MERGE_LABEL = re.compile(r"MERGE\s*\(\s*\w+\s*:\s*(\w+)")


class RetryAttempted(BaseException):
    """Raised from the backoff handler: the sync would have retried (and waited)."""


class _Counters:
    def __getattr__(self, name: str) -> int:
        return 0


class _Summary:
    counters = _Counters()


class _Record(dict):
    def data(self) -> dict:
        return dict(self)

    def value(self, key: Any = 0) -> Any:
        return list(self.values())[key] if isinstance(key, int) else self[key]

    def values(self) -> list:  # type: ignore[override]
        return list(super().values())


class _Result:
    def __init__(self, records: list[dict]) -> None:
        self._records = [_Record(r) for r in records]

    def __iter__(self) -> Any:
        return iter(self._records)

    def single(self) -> _Record | None:
        return self._records[0] if self._records else None

    def data(self) -> list[dict]:
        return [r.data() for r in self._records]

    def values(self) -> list[list]:
        return [r.values() for r in self._records]

    def consume(self) -> _Summary:
        return _Summary()


class RecordingNeo4jSession:
    """Enough of ``neo4j.Session`` and ``neo4j.Transaction`` for a sync: writes are kept by
    the label the query MERGEs; reads of AWSUser/AWSRole/AWSGroup principals are answered
    from what was written; any other read answers no rows."""

    def __init__(self) -> None:
        self.nodes: dict[str, list[dict]] = {}
        self.queries = 0

    # neo4j.Session
    def execute_write(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    execute_read = write_transaction = read_transaction = execute_write

    def run(self, query: str, parameters: dict | None = None, **kwargs: Any) -> _Result:
        self.queries += 1
        params = {**(parameters or {}), **kwargs}
        items = params.get("DictList")
        match = MERGE_LABEL.search(query)
        if match and isinstance(items, list):
            self.nodes.setdefault(match.group(1), []).extend(items)
            return _Result([])
        if query.lstrip().upper().startswith(("MATCH", "OPTIONAL")) and "RETURN" in query:
            return _Result(self._principals(query))
        return _Result([])

    def _principals(self, query: str) -> list[dict]:
        head, tail = query.split("RETURN", 1)
        aliases = set(re.findall(r"\bas\s+(\w+)", tail, flags=re.IGNORECASE))
        if not aliases or not aliases <= {"arn", "name"}:
            return []  # a read of something else the stand-in does not model: no rows
        rows = []
        for label in ("AWSUser", "AWSRole", "AWSGroup"):
            if label in head:
                for item in self.nodes.get(label, []):
                    rows.append({"arn": item.get("arn") or item.get("Arn"),
                                 "name": item.get("name") or item.get("UserName")
                                 or item.get("RoleName") or item.get("GroupName")})
        return rows

    # neo4j.Transaction
    def commit(self) -> None:
        pass

    def close(self) -> None:
        pass


def names(nodes: list[dict], *keys: str) -> dict[str, str]:
    found = {}
    for node in nodes:
        for key in keys:
            if node.get(key):
                found[str(node[key])] = "SYNCED"
                break
    return found


def main() -> None:
    from iam_access_mock import mock_access

    with tool_run("cartography", "cartography") as result, mock_access() as aws:
        world: World = build_world(aws)
        result["world_built"](world)

        import boto3
        import cartography.helpers
        from cartography.intel.aws import iam
        from cartography.intel.aws.iam_instance_profiles import sync_iam_instance_profiles

        retries: list[str] = []

        def stop_at_retry(details: dict) -> None:
            error = details.get("exception")
            operation = getattr(error, "operation_name", None)
            code = getattr(error, "response", {}).get("Error", {}).get("Code")
            target = f"{operation} ({code})" if operation else repr(error)[:200]
            retries.append(f"{target}, try {details.get('tries')}")
            raise RetryAttempted(target)

        cartography.helpers.backoff_handler = stop_at_retry
        session = boto3.Session(region_name=REGION)
        neo4j = RecordingNeo4jSession()
        update_tag = 1
        params = {"UPDATE_TAG": update_tag, "AWS_ID": ACCOUNT}
        syncs = [
            ("cartography.intel.aws.iam.sync",
             lambda: iam.sync(neo4j, session, [REGION], ACCOUNT, update_tag, params)),
            ("cartography.intel.aws.iam_instance_profiles.sync_iam_instance_profiles",
             lambda: sync_iam_instance_profiles(
                 session, neo4j, ACCOUNT, update_tag, [REGION], params)),
        ]
        for name, run in syncs:
            retries_before = len(retries)
            try:
                run()
                outcome = "completed"
            except RetryAttempted as retry:
                outcome = f"stopped at a retry of {retry}"
            except Exception as error:  # noqa: BLE001 - the sync's own crash is a finding
                outcome = f"raised {type(error).__name__}: {error}"[:400]
            result["ran"].append(name)
            result["checks"].append({
                "check": f"{name.rsplit('.', 1)[-1]} completes without a retry",
                "ok": outcome == "completed",
                "resources": [{"resource": name, "expected": "completed", "actual": outcome}],
                **({"note": "; ".join(retries[retries_before:])}
                   if len(retries) > retries_before else {}),
            })
        result["retries"] = retries
        result["graph"] = {label: len(items) for label, items in sorted(neo4j.nodes.items())}

        nodes = neo4j.nodes
        users = {u: "SYNCED" for u in ("alice", "bob", "carol", "dave")}
        expected = [
            ("AWSUser", names(nodes.get("AWSUser", []), "name"), users, "four users"),
            ("AWSRole", names(nodes.get("AWSRole", []), "name", "RoleName"),
             {"app-role": "SYNCED"}, "one role"),
            ("AWSGroup", names(nodes.get("AWSGroup", []), "name", "GroupName"),
             {"devs": "SYNCED"}, "one group"),
            ("AWSAccountAccessKey",
             {"count": str(len(nodes.get("AWSAccountAccessKey", [])))}, {"count": "3"},
             "alice's key, carol's two"),
            ("AWSMfaDevice", {"count": str(len(nodes.get("AWSMfaDevice", [])))},
             {"count": "2"}, "alice's virtual, dave's hardware"),
            ("AWSSAMLProvider", {"count": str(len(nodes.get("AWSSAMLProvider", [])))},
             {"count": "1" if world.has("SAML provider") else "0"}, "one SAML provider"),
            ("AWSServerCertificate",
             {"count": str(len(nodes.get("AWSServerCertificate", [])))},
             {"count": "1" if world.has("server certificate") else "0"}, "one certificate"),
            ("AWSInstanceProfile",
             {"count": str(len(nodes.get("AWSInstanceProfile", [])))},
             {"count": "1" if world.has("instance profile") else "0"}, "one instance profile"),
        ]
        summaries = [n for n in nodes.get("AWSAccount", []) if "AccountMFAEnabled" in n]
        expected.append((
            "AWSAccount (GetAccountSummary)",
            {k: str(summaries[-1].get(k)) for k in ("AccountMFAEnabled", "Users", "MFADevicesInUse")}
            if summaries else {},
            {"AccountMFAEnabled": "0", "Users": "4", "MFADevicesInUse": "2"},
            "root without MFA; four users; alice's and dave's devices",
        ))
        for label, actual, want, why in expected:
            result["checks"].append(compare(f"graph: {label}", want, actual, why))


if __name__ == "__main__":
    main()
