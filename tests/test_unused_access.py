"""Access Analyzer unused-access findings through boto3: each finding type with hand-computed
expectations, the tracking period and eligibility, exclusions, the status life cycle, the
24-hour analysis, archive rules, statistics, recommendations and pagination.

Facts from /work/shared/reference/unused-access.md; rules the mock chose are in
docs/fidelity.md ("Access Analyzer unused access").
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from support import ACCOUNT, allow, client_for, document

from iam_access_mock import AccessMock

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=timezone.utc)
CREATED = NOW - timedelta(days=200)  # every principal is old enough for every period used
TRUST = document(
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
)


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


@pytest.fixture
def iam(access_mock: AccessMock) -> Any:
    """IAM, with the clock at CREATED: entities made now are 200 days old at NOW."""
    access_mock.clock.set(CREATED)
    return boto3.client("iam")


def aa_client(region: str = "us-east-1") -> Any:
    return boto3.client("accessanalyzer", region_name=region)


def analyzer(
    aws: AccessMock, age: int | None = None, region: str = "us-east-1", **extra: Any
) -> tuple[Any, str]:
    """Move the clock to NOW and create an account unused-access analyzer; (client, ARN)."""
    aws.clock.set(NOW)
    client = aa_client(region)
    configuration: dict[str, Any] = {}
    if age is not None:
        configuration["unusedAccessAge"] = age
    for key in ("analysisRule",):
        if key in extra:
            configuration[key] = extra.pop(key)
    kwargs: dict[str, Any] = {"analyzerName": f"unused-{region}", "type": "ACCOUNT_UNUSED_ACCESS"}
    if configuration:
        kwargs["configuration"] = {"unusedAccess": configuration}
    kwargs.update(extra)
    return client, client.create_analyzer(**kwargs)["arn"]


def findings(client: Any, arn: str, **filters: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    criteria = {key: {"eq": [value]} for key, value in filters.items()}
    for page in client.get_paginator("list_findings_v2").paginate(analyzerArn=arn, filter=criteria):
        found.extend(page["findings"])
    return found


def by_resource(client: Any, arn: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(f["resource"], f["findingType"]): f for f in findings(client, arn)}


def details(client: Any, arn: str, finding_id: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in client.get_paginator("get_finding_v2").paginate(analyzerArn=arn, id=finding_id):
        out.extend(page["findingDetails"])
    return out


def one(client: Any, arn: str, resource: str, finding_type: str) -> dict[str, Any]:
    (found,) = findings(client, arn, resource=resource, findingType=finding_type)
    return found


# ---- UnusedIAMRole ----------------------------------------------------------------------------


def test_roles_never_used_and_used_ten_days_ago_under_7_and_30_days(
    access_mock: AccessMock, iam: Any
) -> None:
    iam.create_role(RoleName="never", AssumeRolePolicyDocument=TRUST)
    iam.create_role(RoleName="recent", AssumeRolePolicyDocument=TRUST)
    access_mock.clock.set(NOW)
    ten_days_ago = NOW - timedelta(days=10)
    access_mock.record_access(role_arn("recent"), "sts:GetCallerIdentity", at=ten_days_ago)

    week, week_arn = analyzer(access_mock, age=7, region="us-east-1")
    month, month_arn = analyzer(access_mock, age=30, region="eu-west-1")

    weekly = by_resource(week, week_arn)
    assert set(weekly) == {
        (role_arn("never"), "UnusedIAMRole"),
        (role_arn("recent"), "UnusedIAMRole"),
    }
    never = weekly[(role_arn("never"), "UnusedIAMRole")]
    assert never["status"] == "ACTIVE"
    assert never["resourceType"] == "AWS::IAM::Role"
    assert never["resourceOwnerAccount"] == ACCOUNT
    assert never["createdAt"] == never["updatedAt"] == never["analyzedAt"] == NOW
    assert details(week, week_arn, never["id"]) == [{"unusedIamRoleDetails": {}}]
    recent = weekly[(role_arn("recent"), "UnusedIAMRole")]
    assert details(week, week_arn, recent["id"]) == [
        {"unusedIamRoleDetails": {"lastAccessed": ten_days_ago}}
    ]

    assert set(by_resource(month, month_arn)) == {(role_arn("never"), "UnusedIAMRole")}


def test_exactly_the_period_ago_is_unused_and_younger_principals_are_not_evaluated(
    access_mock: AccessMock, iam: Any
) -> None:
    iam.create_role(RoleName="boundary", AssumeRolePolicyDocument=TRUST)
    access_mock.clock.set(NOW - timedelta(days=5))
    iam.create_role(RoleName="young", AssumeRolePolicyDocument=TRUST)
    access_mock.clock.set(NOW)
    access_mock.record_access(role_arn("boundary"), "s3", at=NOW - timedelta(days=7))
    client, arn = analyzer(access_mock, age=7)
    # "N or more days": used exactly 7 days ago is unused; a 5-day-old role is not evaluated.
    assert set(by_resource(client, arn)) == {(role_arn("boundary"), "UnusedIAMRole")}


# ---- UnusedIAMUserAccessKey and UnusedIAMUserPassword ------------------------------------------


def test_a_user_with_two_keys_of_which_one_is_used(access_mock: AccessMock, iam: Any) -> None:
    iam.create_user(UserName="alice")
    used = iam.create_access_key(UserName="alice")["AccessKey"]
    idle = iam.create_access_key(UserName="alice")["AccessKey"]
    access_mock.clock.set(NOW - timedelta(days=3))
    client_for("sts", used).get_caller_identity()
    client, arn = analyzer(access_mock)
    finding = one(client, arn, user_arn("alice"), "UnusedIAMUserAccessKey")
    assert finding["resourceType"] == "AWS::IAM::User"
    assert details(client, arn, finding["id"]) == [
        {"unusedIamUserAccessKeyDetails": {"accessKeyId": idle["AccessKeyId"]}}
    ]
    # An inactive key is not reported: with it made inactive, the finding resolves.
    iam.update_access_key(UserName="alice", AccessKeyId=idle["AccessKeyId"], Status="Inactive")
    access_mock.run_unused_access_analysis()
    resolved = client.get_finding_v2(analyzerArn=arn, id=finding["id"])
    assert resolved["status"] == "RESOLVED"


def test_a_key_used_long_ago_shows_its_last_use(access_mock: AccessMock, iam: Any) -> None:
    iam.create_user(UserName="bob")
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    used_at = NOW - timedelta(days=120)
    access_mock.clock.set(used_at)
    client_for("sts", key).get_caller_identity()
    client, arn = analyzer(access_mock)
    finding = one(client, arn, user_arn("bob"), "UnusedIAMUserAccessKey")
    assert details(client, arn, finding["id"]) == [
        {
            "unusedIamUserAccessKeyDetails": {
                "accessKeyId": key["AccessKeyId"],
                "lastAccessed": used_at,
            }
        }
    ]


def test_a_password_used_100_days_ago(access_mock: AccessMock, iam: Any) -> None:
    iam.create_user(UserName="carol")
    iam.create_login_profile(UserName="carol", Password="Correct-Horse-9-Battery")
    access_mock.clock.set(NOW)
    signed_in = NOW - timedelta(days=100)
    access_mock.record_sign_in(user_arn("carol"), at=signed_in)
    assert iam.get_user(UserName="carol")["User"]["PasswordLastUsed"] == signed_in

    client, arn = analyzer(access_mock)  # default period: 90 days
    assert client.get_analyzer(analyzerName="unused-us-east-1")["analyzer"]["configuration"] == {
        "unusedAccess": {"unusedAccessAge": 90}
    }
    finding = one(client, arn, user_arn("carol"), "UnusedIAMUserPassword")
    assert details(client, arn, finding["id"]) == [
        {"unusedIamUserPasswordDetails": {"lastAccessed": signed_in}}
    ]
    longer, longer_arn = analyzer(access_mock, age=120, region="eu-west-1")
    assert findings(longer, longer_arn, findingType="UnusedIAMUserPassword") == []


def test_a_password_never_used_and_deleting_it_resolves(access_mock: AccessMock, iam: Any) -> None:
    iam.create_user(UserName="dave")
    iam.create_login_profile(UserName="dave", Password="Correct-Horse-9-Battery")
    client, arn = analyzer(access_mock)
    finding = one(client, arn, user_arn("dave"), "UnusedIAMUserPassword")
    assert details(client, arn, finding["id"]) == [{"unusedIamUserPasswordDetails": {}}]
    iam.delete_login_profile(UserName="dave")
    access_mock.run_unused_access_analysis()
    assert client.get_finding_v2(analyzerArn=arn, id=finding["id"])["status"] == "RESOLVED"


# ---- UnusedPermission -------------------------------------------------------------------------

APP_POLICY = allow(
    "s3:GetObject",
    "s3:GetBucketAcl",
    "s3:GetBucketPolicy",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "sns:Publish",
)


def test_a_role_allowed_s3_and_dynamodb_that_used_only_s3_get_object(
    access_mock: AccessMock, iam: Any
) -> None:
    """s3:GetBucketAcl, s3:GetBucketPolicy and dynamodb:DescribeTable are tracked at action
    level, s3:GetObject and dynamodb:GetItem are not; SNS is tracked at service level only."""
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="app", PolicyName="app", PolicyDocument=APP_POLICY)
    access_mock.clock.set(NOW)
    used = NOW - timedelta(days=2)
    access_mock.record_access(role_arn("app"), "s3:GetObject", at=used)
    client, arn = analyzer(access_mock)
    assert set(by_resource(client, arn)) == {(role_arn("app"), "UnusedPermission")}
    finding = one(client, arn, role_arn("app"), "UnusedPermission")
    assert details(client, arn, finding["id"]) == [
        {
            "unusedPermissionDetails": {
                "serviceNamespace": "dynamodb",
                "actions": [{"action": "DescribeTable"}],
            }
        },
        {
            "unusedPermissionDetails": {
                "serviceNamespace": "s3",
                "actions": [{"action": "GetBucketAcl"}, {"action": "GetBucketPolicy"}],
                "lastAccessed": used,
            }
        },
        {"unusedPermissionDetails": {"serviceNamespace": "sns"}},
    ]


def test_unused_actions_keep_their_last_access_and_used_ones_leave(
    access_mock: AccessMock, iam: Any
) -> None:
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="app", PolicyName="app", PolicyDocument=APP_POLICY)
    access_mock.clock.set(NOW)
    long_ago = NOW - timedelta(days=150)
    access_mock.record_access(role_arn("app"), "s3:GetBucketAcl", at=long_ago)
    access_mock.record_access(role_arn("app"), "s3:GetBucketPolicy", at=NOW - timedelta(days=1))
    access_mock.record_access(role_arn("app"), "sns:Publish", at=NOW - timedelta(days=1))
    client, arn = analyzer(access_mock)
    finding = one(client, arn, role_arn("app"), "UnusedPermission")
    assert details(client, arn, finding["id"]) == [
        {
            "unusedPermissionDetails": {
                "serviceNamespace": "dynamodb",
                "actions": [{"action": "DescribeTable"}],
            }
        },
        {
            "unusedPermissionDetails": {
                "serviceNamespace": "s3",
                "actions": [{"action": "GetBucketAcl", "lastAccessed": long_ago}],
                "lastAccessed": NOW - timedelta(days=1),
            }
        },
    ]
    # Using the rest resolves the finding at the next analysis.
    access_mock.record_access(role_arn("app"), "s3:GetBucketAcl")
    access_mock.record_access(role_arn("app"), "dynamodb:DescribeTable")
    access_mock.run_unused_access_analysis()
    assert client.get_finding_v2(analyzerArn=arn, id=finding["id"])["status"] == "RESOLVED"


def test_an_unused_role_gets_no_permission_finding_and_an_inactive_user_none(
    access_mock: AccessMock, iam: Any
) -> None:
    iam.create_role(RoleName="idle", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="idle", PolicyName="app", PolicyDocument=APP_POLICY)
    iam.create_user(UserName="quiet")
    iam.put_user_policy(UserName="quiet", PolicyName="app", PolicyDocument=APP_POLICY)
    iam.create_user(UserName="busy")
    iam.put_user_policy(UserName="busy", PolicyName="app", PolicyDocument=APP_POLICY)
    access_mock.clock.set(NOW)
    access_mock.record_access(user_arn("busy"), "sns:Publish")
    client, arn = analyzer(access_mock)
    assert set(by_resource(client, arn)) == {
        (role_arn("idle"), "UnusedIAMRole"),
        (user_arn("busy"), "UnusedPermission"),
    }


def test_group_policies_count_for_their_members(access_mock: AccessMock, iam: Any) -> None:
    iam.create_user(UserName="erin")
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="erin")
    iam.put_group_policy(GroupName="devs", PolicyName="sns", PolicyDocument=allow("sns:Publish"))
    iam.put_user_policy(UserName="erin", PolicyName="sqs", PolicyDocument=allow("sqs:SendMessage"))
    access_mock.clock.set(NOW)
    access_mock.record_access(user_arn("erin"), "sqs:SendMessage")
    client, arn = analyzer(access_mock)
    finding = one(client, arn, user_arn("erin"), "UnusedPermission")
    assert details(client, arn, finding["id"]) == [
        {"unusedPermissionDetails": {"serviceNamespace": "sns"}}
    ]


# ---- exclusions ---------------------------------------------------------------------------------


def test_exclusions_by_resource_tags(access_mock: AccessMock, iam: Any) -> None:
    iam.create_role(
        RoleName="platform", AssumeRolePolicyDocument=TRUST, Tags=[{"Key": "team", "Value": "p"}]
    )
    iam.create_role(
        RoleName="batch", AssumeRolePolicyDocument=TRUST, Tags=[{"Key": "tier", "Value": "low"}]
    )
    iam.create_role(
        RoleName="web", AssumeRolePolicyDocument=TRUST, Tags=[{"Key": "tier", "Value": "high"}]
    )
    iam.create_role(RoleName="plain", AssumeRolePolicyDocument=TRUST)
    rule = {"exclusions": [{"resourceTags": [{"team": ""}, {"tier": "low"}]}]}
    client, arn = analyzer(access_mock, analysisRule=rule)
    assert set(by_resource(client, arn)) == {
        (role_arn("web"), "UnusedIAMRole"),
        (role_arn("plain"), "UnusedIAMRole"),
    }
    configuration = client.get_analyzer(analyzerName="unused-us-east-1")["analyzer"][
        "configuration"
    ]
    assert configuration["unusedAccess"]["analysisRule"] == rule
    # Excluding a principal later resolves its finding at the next analysis.
    web = one(client, arn, role_arn("web"), "UnusedIAMRole")
    client.update_analyzer(
        analyzerName="unused-us-east-1",
        configuration={
            "unusedAccess": {
                "unusedAccessAge": 90,
                "analysisRule": {"exclusions": [{"resourceTags": [{"tier": ""}]}]},
            }
        },
    )
    assert client.get_finding_v2(analyzerArn=arn, id=web["id"])["status"] == "RESOLVED"


# ---- the life cycle -----------------------------------------------------------------------------


def test_a_finding_resolves_when_used_again_and_recurs_with_a_new_id(
    access_mock: AccessMock, iam: Any
) -> None:
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST)
    client, arn = analyzer(access_mock, age=7)
    first = one(client, arn, role_arn("worker"), "UnusedIAMRole")

    access_mock.record_access(role_arn("worker"), "s3")
    # Not analyzed again before 24 hours of mock time: still ACTIVE.
    access_mock.clock.advance(timedelta(hours=23))
    assert client.get_finding_v2(analyzerArn=arn, id=first["id"])["status"] == "ACTIVE"
    access_mock.clock.advance(timedelta(hours=1))
    resolved = client.get_finding_v2(analyzerArn=arn, id=first["id"])
    assert resolved["status"] == "RESOLVED"
    assert resolved["updatedAt"] == NOW + timedelta(hours=24)

    access_mock.clock.advance(timedelta(days=7))
    (again,) = findings(client, arn, resource=role_arn("worker"), status="ACTIVE")
    assert again["id"] != first["id"]
    assert client.get_finding_v2(analyzerArn=arn, id=first["id"])["status"] == "RESOLVED"


def test_ids_are_stable_and_updated_at_moves_only_when_the_unused_set_changes(
    access_mock: AccessMock, iam: Any
) -> None:
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="app", PolicyName="app", PolicyDocument=APP_POLICY)
    access_mock.clock.set(NOW)
    access_mock.record_access(role_arn("app"), "s3:GetObject")
    client, arn = analyzer(access_mock)
    first = one(client, arn, role_arn("app"), "UnusedPermission")
    access_mock.clock.advance(timedelta(days=1))
    access_mock.run_unused_access_analysis()
    same = one(client, arn, role_arn("app"), "UnusedPermission")
    assert same["id"] == first["id"]
    assert same["updatedAt"] == NOW and same["analyzedAt"] == NOW + timedelta(days=1)
    access_mock.record_access(role_arn("app"), "sns:Publish")
    access_mock.clock.advance(timedelta(days=1))
    changed = one(client, arn, role_arn("app"), "UnusedPermission")
    assert changed["id"] == first["id"]
    assert changed["updatedAt"] == changed["analyzedAt"] == NOW + timedelta(days=2)
    assert [
        d["unusedPermissionDetails"]["serviceNamespace"] for d in details(client, arn, first["id"])
    ] == [
        "dynamodb",
        "s3",
    ]


def test_deleting_the_key_or_the_role_resolves(access_mock: AccessMock, iam: Any) -> None:
    iam.create_user(UserName="frank")
    key = iam.create_access_key(UserName="frank")["AccessKey"]["AccessKeyId"]
    iam.create_role(RoleName="gone", AssumeRolePolicyDocument=TRUST)
    client, arn = analyzer(access_mock)
    key_finding = one(client, arn, user_arn("frank"), "UnusedIAMUserAccessKey")
    role_finding = one(client, arn, role_arn("gone"), "UnusedIAMRole")
    iam.delete_access_key(UserName="frank", AccessKeyId=key)
    iam.delete_role(RoleName="gone")
    assert access_mock.run_unused_access_analysis() == 1
    statuses = {f["id"]: f["status"] for f in findings(client, arn)}
    assert statuses == {key_finding["id"]: "RESOLVED", role_finding["id"]: "RESOLVED"}
    # Resolved findings are dropped 90 days after their last change.
    access_mock.clock.advance(timedelta(days=90))
    assert findings(client, arn) == []


def test_update_findings_archives_and_reopens(access_mock: AccessMock, iam: Any) -> None:
    iam.create_role(RoleName="a", AssumeRolePolicyDocument=TRUST)
    iam.create_role(RoleName="b", AssumeRolePolicyDocument=TRUST)
    client, arn = analyzer(access_mock)
    a = one(client, arn, role_arn("a"), "UnusedIAMRole")
    access_mock.clock.advance(timedelta(minutes=5))
    client.update_findings(analyzerArn=arn, status="ARCHIVED", ids=[a["id"]])
    archived = client.get_finding_v2(analyzerArn=arn, id=a["id"])
    assert archived["status"] == "ARCHIVED"
    assert archived["updatedAt"] == NOW + timedelta(minutes=5)
    client.update_findings(analyzerArn=arn, status="ARCHIVED", resourceArn=role_arn("b"))
    assert {f["status"] for f in findings(client, arn)} == {"ARCHIVED"}
    client.update_findings(analyzerArn=arn, status="ACTIVE", ids=[a["id"]])
    assert one(client, arn, role_arn("a"), "UnusedIAMRole")["status"] == "ACTIVE"
    # An archived finding whose condition clears is RESOLVED, and stays so.
    access_mock.record_access(role_arn("b"), "s3")
    access_mock.run_unused_access_analysis()
    b = one(client, arn, role_arn("b"), "UnusedIAMRole")
    assert b["status"] == "RESOLVED"
    client.update_findings(analyzerArn=arn, status="ACTIVE", ids=[b["id"]])
    assert one(client, arn, role_arn("b"), "UnusedIAMRole")["status"] == "RESOLVED"


# ---- archive rules ------------------------------------------------------------------------------


def test_archive_rules_archive_new_findings_and_apply_to_existing_ones(
    access_mock: AccessMock, iam: Any
) -> None:
    iam.create_role(RoleName="ci-runner", AssumeRolePolicyDocument=TRUST)
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=TRUST)
    iam.create_user(UserName="grace")
    iam.create_access_key(UserName="grace")
    inline = [{"ruleName": "ci", "filter": {"resource": {"contains": ["ci-"]}}}]
    client, arn = analyzer(access_mock, archiveRules=inline)
    statuses = {(f["resource"], f["findingType"]): f["status"] for f in findings(client, arn)}
    assert statuses == {
        (role_arn("ci-runner"), "UnusedIAMRole"): "ARCHIVED",
        (role_arn("web"), "UnusedIAMRole"): "ACTIVE",
        (user_arn("grace"), "UnusedIAMUserAccessKey"): "ACTIVE",
    }
    # A new rule leaves existing findings alone until applied.
    name = "unused-us-east-1"
    client.create_archive_rule(
        analyzerName=name,
        ruleName="keys",
        filter={"findingType": {"eq": ["UnusedIAMUserAccessKey"]}},
    )
    assert one(client, arn, user_arn("grace"), "UnusedIAMUserAccessKey")["status"] == "ACTIVE"
    client.apply_archive_rule(analyzerArn=arn, ruleName="keys")
    assert one(client, arn, user_arn("grace"), "UnusedIAMUserAccessKey")["status"] == "ARCHIVED"
    # A finding created after the rule exists is archived at once.
    iam.create_user(UserName="heidi")
    iam.create_access_key(UserName="heidi")
    access_mock.clock.advance(timedelta(days=100))
    assert one(client, arn, user_arn("heidi"), "UnusedIAMUserAccessKey")["status"] == "ARCHIVED"
    assert one(client, arn, role_arn("web"), "UnusedIAMRole")["status"] == "ACTIVE"

    rule = client.get_archive_rule(analyzerName=name, ruleName="ci")["archiveRule"]
    assert rule["filter"] == {"resource": {"contains": ["ci-"]}}
    assert rule["createdAt"] == rule["updatedAt"] == NOW
    client.update_archive_rule(
        analyzerName=name, ruleName="ci", filter={"resourceType": {"eq": ["AWS::IAM::Role"]}}
    )
    updated = client.get_archive_rule(analyzerName=name, ruleName="ci")["archiveRule"]
    assert updated["updatedAt"] == NOW + timedelta(days=100)
    listed = []
    for page in client.get_paginator("list_archive_rules").paginate(
        analyzerName=name, PaginationConfig={"PageSize": 1}
    ):
        assert len(page["archiveRules"]) == 1
        listed.extend(rule["ruleName"] for rule in page["archiveRules"])
    assert listed == ["ci", "keys"]
    client.delete_archive_rule(analyzerName=name, ruleName="ci")
    assert [
        r["ruleName"] for r in client.list_archive_rules(analyzerName=name)["archiveRules"]
    ] == ["keys"]


# ---- listing: filters, sort, pagination -------------------------------------------------------


def _three_findings(access_mock: AccessMock, iam: Any) -> tuple[Any, str]:
    iam.create_role(RoleName="alpha", AssumeRolePolicyDocument=TRUST)
    iam.create_role(RoleName="beta", AssumeRolePolicyDocument=TRUST)
    iam.create_user(UserName="ivan")
    iam.create_access_key(UserName="ivan")
    return analyzer(access_mock)


def test_filters(access_mock: AccessMock, iam: Any) -> None:
    client, arn = _three_findings(access_mock, iam)

    def resources(criteria: dict[str, Any]) -> list[str]:
        found = client.list_findings_v2(analyzerArn=arn, filter=criteria)["findings"]
        return sorted(f["resource"] for f in found)

    assert resources({"resourceType": {"eq": ["AWS::IAM::Role"]}}) == [
        role_arn("alpha"),
        role_arn("beta"),
    ]
    assert resources({"resource": {"neq": [role_arn("alpha")]}}) == [
        role_arn("beta"),
        user_arn("ivan"),
    ]
    assert resources({"resource": {"contains": ["alp", "iva"]}}) == [
        role_arn("alpha"),
        user_arn("ivan"),
    ]
    assert resources({"findingType": {"exists": True}, "status": {"eq": ["ACTIVE"]}}) == [
        role_arn("alpha"),
        role_arn("beta"),
        user_arn("ivan"),
    ]
    assert resources({"resourceOwnerAccount": {"eq": ["111122223333"]}}) == []
    assert resources({"findingType": {"exists": False}}) == []


def test_sort_and_pagination_with_a_page_size_of_one(access_mock: AccessMock, iam: Any) -> None:
    client, arn = _three_findings(access_mock, iam)
    pages = list(
        client.get_paginator("list_findings_v2").paginate(
            analyzerArn=arn,
            sort={"attributeName": "resource", "orderBy": "DESC"},
            PaginationConfig={"PageSize": 1},
        )
    )
    assert [len(page["findings"]) for page in pages] == [1, 1, 1]
    assert [page["findings"][0]["resource"] for page in pages] == [
        user_arn("ivan"),
        role_arn("beta"),
        role_arn("alpha"),
    ]
    ascending = client.list_findings_v2(analyzerArn=arn, sort={"attributeName": "resource"})
    assert [f["resource"] for f in ascending["findings"]] == [
        role_arn("alpha"),
        role_arn("beta"),
        user_arn("ivan"),
    ]


def test_finding_details_page_by_page(access_mock: AccessMock, iam: Any) -> None:
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="app", PolicyName="app", PolicyDocument=APP_POLICY)
    access_mock.clock.set(NOW)
    access_mock.record_access(role_arn("app"), "s3:GetObject")
    client, arn = analyzer(access_mock)
    finding = one(client, arn, role_arn("app"), "UnusedPermission")
    pages = list(
        client.get_paginator("get_finding_v2").paginate(
            analyzerArn=arn, id=finding["id"], PaginationConfig={"PageSize": 1}
        )
    )
    assert [len(page["findingDetails"]) for page in pages] == [1, 1, 1]
    assert [
        p["findingDetails"][0]["unusedPermissionDetails"]["serviceNamespace"] for p in pages
    ] == [
        "dynamodb",
        "s3",
        "sns",
    ]
    assert all(page["id"] == finding["id"] for page in pages)
    merged = (
        client.get_paginator("get_finding_v2")
        .paginate(analyzerArn=arn, id=finding["id"], PaginationConfig={"PageSize": 1})
        .build_full_result()
    )
    assert len(merged["findingDetails"]) == 3 and merged["findingType"] == "UnusedPermission"


# ---- statistics -------------------------------------------------------------------------------


def test_statistics(access_mock: AccessMock, iam: Any) -> None:
    client, arn = _three_findings(access_mock, iam)
    first = client.get_findings_statistics(analyzerArn=arn)
    assert "lastUpdatedAt" not in first
    assert first["findingsStatistics"] == [
        {
            "unusedAccessFindingsStatistics": {
                "unusedAccessTypeStatistics": [
                    {"unusedAccessType": "UnusedIAMRole", "total": 2},
                    {"unusedAccessType": "UnusedIAMUserAccessKey", "total": 1},
                    {"unusedAccessType": "UnusedIAMUserPassword", "total": 0},
                    {"unusedAccessType": "UnusedPermission", "total": 0},
                ],
                "topAccounts": [
                    {
                        "account": ACCOUNT,
                        "numberOfActiveFindings": 3,
                        "details": {"UnusedIAMRole": 2, "UnusedIAMUserAccessKey": 1},
                    }
                ],
                "totalActiveFindings": 3,
                "totalArchivedFindings": 0,
                "totalResolvedFindings": 0,
            }
        }
    ]
    alpha = one(client, arn, role_arn("alpha"), "UnusedIAMRole")
    access_mock.clock.advance(timedelta(minutes=1))
    client.update_findings(analyzerArn=arn, status="ARCHIVED", ids=[alpha["id"]])
    access_mock.record_access(role_arn("beta"), "s3")
    access_mock.run_unused_access_analysis()
    second = client.get_findings_statistics(analyzerArn=arn)
    assert second["lastUpdatedAt"] == NOW + timedelta(minutes=1)
    stats = second["findingsStatistics"][0]["unusedAccessFindingsStatistics"]
    assert (
        stats["totalActiveFindings"],
        stats["totalArchivedFindings"],
        stats["totalResolvedFindings"],
    ) == (
        1,
        1,
        1,
    )
    assert stats["topAccounts"] == [
        {"account": ACCOUNT, "numberOfActiveFindings": 1, "details": {"UnusedIAMUserAccessKey": 1}}
    ]


# ---- recommendations --------------------------------------------------------------------------


def _steps(client: Any, arn: str, finding_id: str) -> list[dict[str, Any]]:
    steps = []
    for page in client.get_paginator("get_finding_recommendation").paginate(
        analyzerArn=arn, id=finding_id, PaginationConfig={"PageSize": 1}
    ):
        assert page["status"] == "SUCCEEDED"
        steps.extend(step["unusedPermissionsRecommendedStep"] for step in page["recommendedSteps"])
    return steps


def test_recommendations_for_attached_managed_and_inline_policies(
    access_mock: AccessMock, iam: Any
) -> None:
    managed = iam.create_policy(
        PolicyName="storage",
        PolicyDocument=allow("s3:GetObject", "s3:PutObject", "dynamodb:*"),
    )["Policy"]
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName="app", PolicyArn=managed["Arn"])
    iam.put_role_policy(RoleName="app", PolicyName="notify", PolicyDocument=allow("sns:Publish"))
    iam.put_role_policy(RoleName="app", PolicyName="queue", PolicyDocument=allow("sqs:SendMessage"))
    access_mock.clock.set(NOW)
    access_mock.record_access(role_arn("app"), "s3:GetObject", at=NOW - timedelta(days=3))
    access_mock.record_access(role_arn("app"), "dynamodb:DescribeTable", at=NOW - timedelta(days=3))
    access_mock.record_access(role_arn("app"), "sqs:SendMessage", at=NOW - timedelta(days=3))
    client, arn = analyzer(access_mock)
    finding = one(client, arn, role_arn("app"), "UnusedPermission")
    assert (
        client.generate_finding_recommendation(analyzerArn=arn, id=finding["id"])[
            "ResponseMetadata"
        ]["HTTPStatusCode"]
        == 200
    )
    answer = client.get_finding_recommendation(analyzerArn=arn, id=finding["id"])
    assert answer["status"] == "SUCCEEDED"
    assert answer["resourceArn"] == role_arn("app")
    assert answer["recommendationType"] == "UnusedPermissionRecommendation"
    assert answer["startedAt"] == answer["completedAt"] == NOW
    recommended = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "SupportedServiceSid0",
                    "Effect": "Allow",
                    "Action": ["dynamodb:DescribeTable", "s3:GetObject"],
                    "Resource": "*",
                }
            ],
        },
        separators=(",", ":"),
    )
    assert _steps(client, arn, finding["id"]) == [
        {
            "recommendedAction": "DETACH_POLICY",
            "existingPolicyId": managed["Arn"],
            "policyUpdatedAt": CREATED,
        },
        {
            "recommendedAction": "CREATE_POLICY",
            "existingPolicyId": managed["Arn"],
            "policyUpdatedAt": CREATED,
            "recommendedPolicy": recommended,
        },
        {"recommendedAction": "DETACH_POLICY", "existingPolicyId": "notify"},
    ]  # the queue policy is wholly used: no step


def test_recommendation_jobs_follow_the_job_controls(access_mock: AccessMock, iam: Any) -> None:
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="app", PolicyName="app", PolicyDocument=APP_POLICY)
    access_mock.clock.set(NOW)
    access_mock.record_access(role_arn("app"), "s3:GetObject")
    client, arn = analyzer(access_mock)
    finding = one(client, arn, role_arn("app"), "UnusedPermission")
    access_mock.jobs.complete_after(polls=1)
    client.generate_finding_recommendation(analyzerArn=arn, id=finding["id"])
    pending = client.get_finding_recommendation(analyzerArn=arn, id=finding["id"])
    assert pending["status"] == "IN_PROGRESS"
    assert "completedAt" not in pending and "recommendedSteps" not in pending
    assert (
        client.get_finding_recommendation(analyzerArn=arn, id=finding["id"])["status"]
        == "SUCCEEDED"
    )
    access_mock.jobs.complete_after(polls=0)
    access_mock.jobs.fail_next(code="SERVICE_ERROR", message="Service error. Please try again.")
    client.generate_finding_recommendation(analyzerArn=arn, id=finding["id"])
    failed = client.get_finding_recommendation(analyzerArn=arn, id=finding["id"])
    assert failed["status"] == "FAILED"
    assert failed["error"] == {
        "code": "SERVICE_ERROR",
        "message": "Service error. Please try again.",
    }


# ---- organization analyzers ---------------------------------------------------------------------


def test_an_organization_analyzer_covers_member_accounts_and_excludes_by_account(
    access_mock: AccessMock, iam: Any
) -> None:
    organizations = boto3.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    member = organizations.create_account(Email="m@example.com", AccountName="member")[
        "CreateAccountStatus"
    ]["AccountId"]
    other = organizations.create_account(Email="o@example.com", AccountName="other")[
        "CreateAccountStatus"
    ]["AccountId"]
    access_mock.clock.set(NOW)
    client = aa_client()
    arn = client.create_analyzer(
        analyzerName="org",
        type="ORGANIZATION_UNUSED_ACCESS",
        configuration={"unusedAccess": {"analysisRule": {"exclusions": [{"accountIds": [other]}]}}},
    )["arn"]
    owners = {(f["resourceOwnerAccount"], f["resource"]) for f in findings(client, arn)}
    assert owners == {
        (member, f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole"),
    }
    stats = client.get_findings_statistics(analyzerArn=arn)["findingsStatistics"][0]
    assert stats["unusedAccessFindingsStatistics"]["topAccounts"][0]["account"] == member
