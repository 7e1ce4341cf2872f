"""Hostile documents cost bounded work: deep JSON is refused before it is decoded, and
wildcards that backtracked exponentially are matched in time bounded by their length.

Each test failed before: a policy nested 3,000 deep and a CloudTrail file nested 100,000 deep
raised RecursionError out of the mock, and ``s3:*?*?*?...`` made a report run for minutes
(the ``timeout`` marks turn such a hang into a failure; no test asserts a duration).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, ALICE, TRUST_EC2, document, error_of, rows_of, services_of, statement

from iam_access_mock.cloudtrail import CloudTrailFileError
from iam_access_mock.handle import AccessMock

DEEP = 3_000
DEEP_STATEMENT = '{"Version": "2012-10-17", "Statement": ' + "[" * DEEP + "]" * DEEP + "}"
DEEP_CONDITION = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": "@"}
        ],
    }
).replace('"@"', '{"StringEquals": {"aws:username": ' + "[" * DEEP + "]" * DEEP + "}}")
# A pattern a backtracking matcher takes exponential time to refuse (about 2**n steps).
ALTERNATING = "*?" * 40


@pytest.fixture
def iam(access_mock: AccessMock) -> Any:
    client = boto3.client("iam")
    client.create_user(UserName="alice")
    return client


# ---- deep policy documents -----------------------------------------------------------------------


@pytest.mark.parametrize("text", [DEEP_STATEMENT, DEEP_CONDITION], ids=["statement", "condition"])
def test_a_deeply_nested_managed_policy_is_malformed_and_not_stored(iam: Any, text: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy(PolicyName="deep", PolicyDocument=text)
    assert error_of(excinfo) == ("MalformedPolicyDocument", "Syntax errors in policy.")
    assert iam.list_policies(Scope="Local")["Policies"] == []


def test_a_deeply_nested_policy_version_is_malformed_and_not_stored(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="p", PolicyDocument=document(statement("Allow", "s3:*")))[
        "Policy"
    ]["Arn"]
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=DEEP_STATEMENT, SetAsDefault=True)
    assert error_of(excinfo) == ("MalformedPolicyDocument", "Syntax errors in policy.")
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [("v1", True)]


def test_a_deeply_nested_inline_policy_is_malformed_and_not_stored(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.put_user_policy(UserName="alice", PolicyName="deep", PolicyDocument=DEEP_CONDITION)
    assert error_of(excinfo) == ("MalformedPolicyDocument", "Syntax errors in policy.")
    assert iam.list_user_policies(UserName="alice")["PolicyNames"] == []


def test_a_deeply_nested_trust_policy_is_invalid_json_and_no_role_is_made(iam: Any) -> None:
    # A trust policy's JSON that does not parse is answered so (observed on CreateRole).
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(RoleName="deep", AssumeRolePolicyDocument=DEEP_STATEMENT)
    assert error_of(excinfo) == ("MalformedPolicyDocument", "This policy contains invalid Json")
    assert iam.list_roles()["Roles"] == []
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_EC2)
    with pytest.raises(ClientError) as excinfo:
        iam.update_assume_role_policy(RoleName="app", PolicyDocument=DEEP_STATEMENT)
    assert error_of(excinfo) == ("MalformedPolicyDocument", "This policy contains invalid Json")
    document_now = iam.get_role(RoleName="app")["Role"]["AssumeRolePolicyDocument"]
    assert document_now == json.loads(TRUST_EC2)


def test_nesting_up_to_the_limit_is_judged_as_before(iam: Any) -> None:
    # 64 levels decode; the document is then refused by the grammar, as any misshapen one.
    text = '{"Version": "2012-10-17", "Statement": ' + "[" * 63 + "]" * 63 + "}"
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy(PolicyName="p", PolicyDocument=text)
    assert error_of(excinfo) == ("MalformedPolicyDocument", "Syntax errors in policy.")


# ---- deep CloudTrail files -----------------------------------------------------------------------


def _record(name: str) -> dict[str, Any]:
    return {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "arn": ALICE,
            "accountId": ACCOUNT,
            "userName": "alice",
        },
        "eventTime": "2026-02-27T10:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "eventType": "AwsApiCall",
    }


@pytest.mark.parametrize("gz", [True, False], ids=["json.gz", "json"])
def test_a_deeply_nested_cloudtrail_file_raises_naming_it_and_applies_nothing(
    access_mock: AccessMock, iam: Any, tmp_path: Path, gz: bool
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    text = '{"Records": [' + json.dumps(_record("ListBuckets")) + ", " + deep + "]}"
    path = tmp_path / ("deep.json.gz" if gz else "deep.json")
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    with pytest.raises(CloudTrailFileError, match="nested deeper than 256 levels") as error:
        access_mock.load_cloudtrail(path)
    assert isinstance(error.value, ValueError)
    assert str(error.value).startswith(f"{path}: ")
    assert access_mock.last_access(ALICE) is None


def test_a_cloudtrail_file_with_deep_request_parameters_loads(
    access_mock: AccessMock, iam: Any, tmp_path: Path
) -> None:
    # Brackets inside strings do not count, nor do escaped quotes; 200 levels are taken.
    nested: Any = '[[[[ \\" {{{{'
    for _ in range(200):
        nested = {"items": nested}
    path = tmp_path / "ok.json"
    path.write_text(
        json.dumps({"Records": [_record("ListBuckets") | {"requestParameters": nested}]})
    )
    assert access_mock.load_cloudtrail(path) == 1
    assert access_mock.last_access(ALICE, "s3") is not None


# ---- wildcards that backtracked ------------------------------------------------------------------


def _attach(iam: Any, *statements: dict[str, Any]) -> None:
    """Alice's one managed policy (up to 6,144 characters) becomes these statements."""
    for attached in iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"]:
        iam.detach_user_policy(UserName="alice", PolicyArn=attached["PolicyArn"])
    name = f"p{len(iam.list_policies(Scope='Local')['Policies'])}"
    arn = iam.create_policy(PolicyName=name, PolicyDocument=document(*statements))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)


@pytest.mark.timeout(10)
def test_a_backtracking_action_pattern_that_matches_nothing_lists_nothing(iam: Any) -> None:
    # No s3, ec2 or iam action has 40 characters or more and ends in "x".
    _attach(iam, statement("Allow", [f"{ns}:{ALTERNATING}x" for ns in ("s3", "ec2", "iam")]))
    assert services_of(iam) == []


@pytest.mark.timeout(10)
def test_a_backtracking_action_pattern_that_matches_is_allowed(iam: Any) -> None:
    # Ten characters or more, ending in "s" or "S" (action names match in any case).
    _attach(iam, statement("Allow", [f"s3:{'*?' * 9}S"]))
    rows = rows_of(iam, granularity="ACTION_LEVEL")
    assert [row["ServiceNamespace"] for row in rows] == ["s3"]
    tracked = [entry["ActionName"] for entry in rows[0]["TrackedActionsLastAccessed"]]
    assert "ListAllMyBuckets" in tracked and "GetBucketCORS" in tracked
    assert all(len(name) >= 10 and name.lower().endswith("s") for name in tracked)
    assert "GetObject" not in tracked and "ListBucket" not in tracked


@pytest.mark.timeout(10)
def test_long_wildcard_resources_in_an_allow_and_a_deny_are_judged(iam: Any) -> None:
    # Two 6,000-character globs: their product is bounded (bit-parallel, one step per token
    # of one side), and the Deny's verdict on the grant is reached once, not once per action.
    allowed = "arn:aws:s3:::" + "*a" * 3_000 + "b"
    denied = "arn:aws:s3:::" + "*a" * 3_000 + "c"
    for name, effect, actions, resource in (
        ("allow", "Allow", "s3:GetObject", allowed),
        ("deny", "Deny", "s3:*", denied),
    ):
        arn = iam.create_policy(
            PolicyName=name, PolicyDocument=document(statement(effect, actions, resource))
        )["Policy"]["Arn"]
        iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    assert services_of(iam) == ["s3"]
    iam.put_user_policy(
        UserName="alice",
        PolicyName="deny-all-buckets",
        PolicyDocument=document(statement("Deny", "s3:*", "arn:aws:s3:::*")),
    )
    assert services_of(iam) == []
