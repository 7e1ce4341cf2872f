"""Reports after a change: each change that alters which policies apply is seen by the next
report and by ListPoliciesGrantingServiceAccess, whatever the evaluator kept from the first
(issue 11: compiled policies and their allowed services and actions are reused between calls).

And the report's arithmetic, against the rule written out in the test: latest access per
service and per tracked action over a group's members, the 400-day period, ties to the member
listed first.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from support import ACCOUNT, ALICE, NOW, TRUST_ROOT, allow, document, statement

from iam_access_mock import AccessMock
from iam_access_mock.policy import catalogue

GROUP = f"arn:aws:iam::{ACCOUNT}:group/team"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/worker"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def report(iam: Any, arn: str, granularity: str = "ACTION_LEVEL") -> dict[str, list[str]]:
    """Namespace -> its tracked actions (empty at service level), over every page."""
    job_id = iam.generate_service_last_accessed_details(Arn=arn, Granularity=granularity)["JobId"]
    rows: dict[str, list[str]] = {}
    marker = None
    while True:
        page = iam.get_service_last_accessed_details(
            JobId=job_id, **({"Marker": marker} if marker else {})
        )
        for row in page["ServicesLastAccessed"]:
            rows[row["ServiceNamespace"]] = [
                entry["ActionName"] for entry in row.get("TrackedActionsLastAccessed", [])
            ]
        if not page["IsTruncated"]:
            return rows
        marker = page["Marker"]


def granting(iam: Any, arn: str, *namespaces: str) -> dict[str, list[str]]:
    response = iam.list_policies_granting_service_access(
        Arn=arn, ServiceNamespaces=list(namespaces)
    )
    return {
        row["ServiceNamespace"]: sorted(policy["PolicyName"] for policy in row["Policies"])
        for row in response["PoliciesGrantingServiceAccess"]
    }


def managed(iam: Any, name: str, text: str) -> str:
    return str(iam.create_policy(PolicyName=name, PolicyDocument=text)["Policy"]["Arn"])


def both_reports(iam: Any, arn: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    return report(iam, arn, "SERVICE_LEVEL"), report(iam, arn)


# ---- each change, between two reports ------------------------------------------------------


def test_new_default_version_changes_the_next_report(iam: Any) -> None:
    iam.create_user(UserName="alice")
    arn = managed(iam, "work", allow("iam:GetUser"))
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    assert report(iam, ALICE) == {"iam": ["GetUser"]}
    assert report(iam, arn) == {"iam": ["GetUser"]}  # the policy's own report

    iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=allow("iam:ListUsers", "sqs:*"), SetAsDefault=True
    )
    second = report(iam, ALICE)
    assert list(second) == ["iam", "sqs"]
    assert second["iam"] == ["ListUsers"]
    assert second["sqs"] == list(catalogue.tracked_actions("sqs"))
    assert report(iam, arn) == second
    assert granting(iam, ALICE, "iam", "sqs") == {"iam": ["work"], "sqs": ["work"]}

    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert report(iam, ALICE) == {"iam": ["GetUser"]}
    assert report(iam, arn) == {"iam": ["GetUser"]}
    assert granting(iam, ALICE, "iam", "sqs") == {"iam": ["work"], "sqs": []}


def test_a_version_not_made_default_changes_nothing(iam: Any) -> None:
    iam.create_user(UserName="alice")
    arn = managed(iam, "work", allow("iam:GetUser"))
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    assert report(iam, ALICE) == {"iam": ["GetUser"]}
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=allow("sqs:*"), SetAsDefault=False)
    assert report(iam, ALICE) == {"iam": ["GetUser"]}
    assert granting(iam, ALICE, "sqs") == {"sqs": []}
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    assert report(iam, ALICE) == {"iam": ["GetUser"]}


def test_inline_policy_replaced_then_deleted(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="own", PolicyDocument=allow("iam:GetUser"))
    assert both_reports(iam, ALICE) == ({"iam": []}, {"iam": ["GetUser"]})
    assert granting(iam, ALICE, "iam", "s3") == {"iam": ["own"], "s3": []}

    iam.put_user_policy(UserName="alice", PolicyName="own", PolicyDocument=allow("iam:ListUsers"))
    assert report(iam, ALICE) == {"iam": ["ListUsers"]}

    iam.put_user_policy(UserName="alice", PolicyName="more", PolicyDocument=allow("s3:*"))
    assert list(report(iam, ALICE)) == ["iam", "s3"]
    assert granting(iam, ALICE, "iam", "s3") == {"iam": ["own"], "s3": ["more"]}

    iam.delete_user_policy(UserName="alice", PolicyName="own")
    assert list(report(iam, ALICE)) == ["s3"]
    assert granting(iam, ALICE, "iam", "s3") == {"iam": [], "s3": ["more"]}
    iam.delete_user_policy(UserName="alice", PolicyName="more")
    assert both_reports(iam, ALICE) == ({}, {})
    assert granting(iam, ALICE, "iam", "s3") == {"iam": [], "s3": []}


def test_group_inline_policy_replaced(iam: Any) -> None:
    iam.create_group(GroupName="team")
    iam.put_group_policy(GroupName="team", PolicyName="p", PolicyDocument=allow("iam:GetUser"))
    assert report(iam, GROUP) == {"iam": ["GetUser"]}
    iam.put_group_policy(GroupName="team", PolicyName="p", PolicyDocument=allow("iam:ListUsers"))
    assert report(iam, GROUP) == {"iam": ["ListUsers"]}


def test_attach_and_detach_on_user_group_and_role(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="team")
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ROOT)
    arn = managed(iam, "work", allow("iam:GetUser"))
    for attach, detach, who, target in (
        (iam.attach_user_policy, iam.detach_user_policy, {"UserName": "alice"}, ALICE),
        (iam.attach_group_policy, iam.detach_group_policy, {"GroupName": "team"}, GROUP),
        (iam.attach_role_policy, iam.detach_role_policy, {"RoleName": "worker"}, ROLE),
    ):
        assert report(iam, target) == {}
        attach(PolicyArn=arn, **who)
        assert report(iam, target) == {"iam": ["GetUser"]}
        assert granting(iam, target, "iam") == {"iam": ["work"]}
        detach(PolicyArn=arn, **who)
        assert report(iam, target) == {}
        assert granting(iam, target, "iam") == {"iam": []}


def test_role_allowed_everything_then_not(iam: Any) -> None:
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ROOT)
    iam.attach_role_policy(RoleName="worker", PolicyArn=ADMIN)
    everything = report(iam, ROLE)
    assert list(everything) == list(catalogue.service_names())
    assert everything["s3"] == list(catalogue.tracked_actions("s3"))
    iam.put_role_policy(
        RoleName="worker",
        PolicyName="no-s3",
        PolicyDocument=document(statement("Deny", "s3:*")),
    )
    second = report(iam, ROLE)
    assert "s3" not in second
    assert len(second) == len(everything) - 1
    iam.detach_role_policy(RoleName="worker", PolicyArn=ADMIN)
    assert report(iam, ROLE) == {}


def test_joining_and_leaving_a_group(iam: Any, access_mock: AccessMock) -> None:
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="team")
    iam.put_group_policy(GroupName="team", PolicyName="p", PolicyDocument=allow("iam:GetUser"))
    access_mock.record_access(ALICE, "iam:GetUser")
    group_job = iam.generate_service_last_accessed_details(Arn=GROUP)["JobId"]
    row = iam.get_service_last_accessed_details(JobId=group_job)["ServicesLastAccessed"][0]
    assert row["TotalAuthenticatedEntities"] == 0
    assert report(iam, ALICE) == {}

    iam.add_user_to_group(GroupName="team", UserName="alice")
    assert report(iam, ALICE) == {"iam": ["GetUser"]}
    assert granting(iam, ALICE, "iam") == {"iam": ["p"]}
    group_job = iam.generate_service_last_accessed_details(Arn=GROUP)["JobId"]
    row = iam.get_service_last_accessed_details(JobId=group_job)["ServicesLastAccessed"][0]
    assert row["TotalAuthenticatedEntities"] == 1
    assert row["LastAuthenticatedEntity"] == ALICE

    iam.remove_user_from_group(GroupName="team", UserName="alice")
    assert report(iam, ALICE) == {}
    assert granting(iam, ALICE, "iam") == {"iam": []}
    group_job = iam.generate_service_last_accessed_details(Arn=GROUP)["JobId"]
    row = iam.get_service_last_accessed_details(JobId=group_job)["ServicesLastAccessed"][0]
    assert row["TotalAuthenticatedEntities"] == 0


def test_permissions_boundary_is_not_an_input_before_or_after(iam: Any) -> None:
    # The reports weigh identity policies only (evaluator module doc): a boundary set,
    # changed or removed between two reports leaves them as they were.
    iam.create_user(UserName="alice")
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_ROOT)
    iam.put_user_policy(UserName="alice", PolicyName="own", PolicyDocument=allow("iam:GetUser"))
    iam.put_role_policy(RoleName="worker", PolicyName="own", PolicyDocument=allow("iam:GetUser"))
    boundary = managed(iam, "boundary", allow("s3:*"))
    expected = {"iam": ["GetUser"]}
    assert report(iam, ALICE) == report(iam, ROLE) == expected
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=boundary)
    iam.put_role_permissions_boundary(RoleName="worker", PermissionsBoundary=boundary)
    assert report(iam, ALICE) == report(iam, ROLE) == expected
    iam.create_policy_version(PolicyArn=boundary, PolicyDocument=allow("sqs:*"), SetAsDefault=True)
    assert report(iam, ALICE) == report(iam, ROLE) == expected
    assert granting(iam, ALICE, "iam", "s3", "sqs") == {"iam": ["own"], "s3": [], "sqs": []}
    iam.delete_user_permissions_boundary(UserName="alice")
    iam.delete_role_permissions_boundary(RoleName="worker")
    assert report(iam, ALICE) == report(iam, ROLE) == expected


def test_deleted_policy_and_a_new_one_of_the_same_name(iam: Any) -> None:
    iam.create_user(UserName="alice")
    arn = managed(iam, "work", allow("iam:GetUser"))
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    assert report(iam, ALICE) == {"iam": ["GetUser"]}
    iam.detach_user_policy(UserName="alice", PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)
    assert report(iam, ALICE) == {}
    again = managed(iam, "work", allow("iam:ListUsers"))
    assert again == arn
    iam.attach_user_policy(UserName="alice", PolicyArn=again)
    assert report(iam, ALICE) == {"iam": ["ListUsers"]}
    assert report(iam, again) == {"iam": ["ListUsers"]}


def test_two_policies_with_the_same_text_are_two_sources(iam: Any) -> None:
    # Compiled policies are shared per document text; the sources stay distinct.
    iam.create_user(UserName="alice")
    text = allow("iam:GetUser")
    first, second = managed(iam, "first", text), managed(iam, "second", text)
    iam.attach_user_policy(UserName="alice", PolicyArn=first)
    iam.put_user_policy(UserName="alice", PolicyName="inline", PolicyDocument=text)
    assert granting(iam, ALICE, "iam") == {"iam": ["first", "inline"]}
    iam.attach_user_policy(UserName="alice", PolicyArn=second)
    assert granting(iam, ALICE, "iam") == {"iam": ["first", "inline", "second"]}
    assert report(iam, ALICE) == {"iam": ["GetUser"]}
    iam.create_policy_version(PolicyArn=first, PolicyDocument=allow("s3:*"), SetAsDefault=True)
    assert granting(iam, ALICE, "iam", "s3") == {"iam": ["inline", "second"], "s3": ["first"]}
    assert list(report(iam, ALICE)) == ["iam", "s3"]


def test_a_deny_added_elsewhere_narrows_the_tracked_actions(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="all", PolicyDocument=allow("iam:*"))
    assert report(iam, ALICE)["iam"] == list(catalogue.tracked_actions("iam"))
    iam.create_group(GroupName="team")
    iam.put_group_policy(
        GroupName="team",
        PolicyName="deny",
        PolicyDocument=document(statement("Deny", "iam:GetUser")),
    )
    iam.add_user_to_group(GroupName="team", UserName="alice")
    narrowed = report(iam, ALICE)["iam"]
    assert "GetUser" not in narrowed
    assert len(narrowed) == len(catalogue.tracked_actions("iam")) - 1
    iam.remove_user_from_group(GroupName="team", UserName="alice")
    assert report(iam, ALICE)["iam"] == list(catalogue.tracked_actions("iam"))


def test_new_activity_shows_in_the_next_report(iam: Any, access_mock: AccessMock) -> None:
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=allow("iam:GetUser"))
    first = iam.generate_service_last_accessed_details(Arn=ALICE, Granularity="ACTION_LEVEL")
    access_mock.record_access(ALICE, "iam:GetUser", at=NOW - timedelta(hours=1))
    second = iam.generate_service_last_accessed_details(Arn=ALICE, Granularity="ACTION_LEVEL")
    rows = [
        iam.get_service_last_accessed_details(JobId=job["JobId"])["ServicesLastAccessed"][0]
        for job in (first, second)
    ]
    assert rows[0]["TrackedActionsLastAccessed"] == [{"ActionName": "GetUser"}]
    assert rows[1]["TrackedActionsLastAccessed"] == [
        {
            "ActionName": "GetUser",
            "LastAccessedEntity": ALICE,
            "LastAccessedTime": NOW - timedelta(hours=1),
            "LastAccessedRegion": "us-east-1",
        }
    ]


# ---- the arithmetic, against the rule written out -------------------------------------------


SERVICES = ("iam", "s3", "sqs")
OUTSIDE = "ec2"  # accessed, never listed
POLICY = allow(*(f"{namespace}:*" for namespace in SERVICES))
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
# Few distinct times, so members often tie; some on either side of the 400-day period.
AGES = [timedelta(days=days) for days in (0, 1, 2, 399, 400)] + [
    timedelta(days=400, minutes=1),
    timedelta(days=500),
]


def expected_rows(
    members: list[str], accesses: list[tuple[str, str, datetime, str]], action_level: bool
) -> list[dict[str, Any]]:
    """What the report's rule gives: per service and tracked action, the latest access of
    any member within 400 days; on equal times the member first by name."""
    oldest = NOW - timedelta(days=400)
    order = {arn: position for position, arn in enumerate(sorted(members, key=str.lower))}
    latest_service: dict[tuple[str, str], tuple[datetime, str]] = {}
    latest_action: dict[tuple[str, str], tuple[datetime, str]] = {}
    for arn, action, at, region in accesses:  # each member's times are distinct
        namespace = action.split(":")[0]
        for table, key in ((latest_service, (arn, namespace)), (latest_action, (arn, action))):
            if key not in table or at > table[key][0]:
                table[key] = (at, region)

    def best(
        table: dict[tuple[str, str], tuple[datetime, str]], wanted: str
    ) -> tuple[datetime, str, str] | None:
        found = [
            (at, -order[arn], arn, region)
            for (arn, key), (at, region) in table.items()
            if key == wanted and at >= oldest
        ]
        if not found:
            return None
        at, _, arn, region = max(found)
        return at.replace(second=0, microsecond=0), arn, region

    rows = []
    for namespace in SERVICES:
        row: dict[str, Any] = {
            "ServiceName": catalogue.service_names()[namespace],
            "ServiceNamespace": namespace,
        }
        service_best = best(latest_service, namespace)
        if service_best is not None:
            row["LastAuthenticated"], row["LastAuthenticatedEntity"] = service_best[:2]
            row["LastAuthenticatedRegion"] = service_best[2]
        row["TotalAuthenticatedEntities"] = len(
            {
                arn
                for (arn, key), (at, _) in latest_service.items()
                if key == namespace and at >= oldest
            }
        )
        if action_level:
            entries = []
            for action in catalogue.tracked_actions(namespace):
                action_best = best(latest_action, f"{namespace}:{action}")
                entry: dict[str, Any] = {"ActionName": action}
                if action_best is not None:
                    entry["LastAccessedEntity"] = action_best[1]
                    entry["LastAccessedTime"] = action_best[0]
                    entry["LastAccessedRegion"] = action_best[2]
                entries.append(entry)
            row["TrackedActionsLastAccessed"] = entries
        rows.append(row)
    return rows


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("granularity", ["SERVICE_LEVEL", "ACTION_LEVEL"])
def test_group_report_follows_the_rule(
    iam: Any, access_mock: AccessMock, seed: int, granularity: str
) -> None:
    rng = random.Random(seed)
    iam.create_group(GroupName="team")
    iam.put_group_policy(GroupName="team", PolicyName="p", PolicyDocument=POLICY)
    members = []
    for index in rng.sample(range(20), 8):
        name = f"{'Mixed' if index % 3 == 0 else 'member'}-{index:02d}"
        members.append(iam.create_user(UserName=name)["User"]["Arn"])
        iam.add_user_to_group(GroupName="team", UserName=name)
    actions = [
        f"{namespace}:{action}"
        for namespace in SERVICES
        for action in catalogue.tracked_actions(namespace)[:4]
    ] + [f"{OUTSIDE}:{catalogue.actions(OUTSIDE)[0]}"]
    accesses = []
    for arn in members:
        ages = rng.sample(AGES, rng.randrange(len(AGES) + 1))  # distinct times per member
        accesses += [(arn, rng.choice(actions), NOW - age, rng.choice(REGIONS)) for age in ages]
    rng.shuffle(accesses)
    access_mock.record_accesses(accesses)

    job_id = iam.generate_service_last_accessed_details(Arn=GROUP, Granularity=granularity)["JobId"]
    rows = iam.get_service_last_accessed_details(JobId=job_id)["ServicesLastAccessed"]
    assert rows == expected_rows(members, accesses, granularity == "ACTION_LEVEL")


def test_equal_times_in_two_regions_name_the_member_listed_first(
    iam: Any, access_mock: AccessMock
) -> None:
    iam.create_group(GroupName="team")
    iam.put_group_policy(GroupName="team", PolicyName="p", PolicyDocument=allow("iam:*"))
    for name in ("bob", "alice"):
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName="team", UserName=name)
    at = NOW - timedelta(days=1)
    # bob's access goes to the region recorded second (its number is higher).
    access_mock.record_access(ALICE, "iam:GetUser", at=at, region="us-east-1")
    access_mock.record_access(
        f"arn:aws:iam::{ACCOUNT}:user/bob", "iam:GetUser", at=at, region="eu-west-1"
    )
    job_id = iam.generate_service_last_accessed_details(Arn=GROUP, Granularity="ACTION_LEVEL")
    row = iam.get_service_last_accessed_details(JobId=job_id["JobId"])["ServicesLastAccessed"][0]
    assert (row["LastAuthenticatedEntity"], row["LastAuthenticatedRegion"]) == (ALICE, "us-east-1")
    entry = next(e for e in row["TrackedActionsLastAccessed"] if e["ActionName"] == "GetUser")
    assert (entry["LastAccessedEntity"], entry["LastAccessedRegion"]) == (ALICE, "us-east-1")


def test_a_clock_early_in_1970_counts_every_access(iam: Any, access_mock: AccessMock) -> None:
    # The 400-day period then begins before 1970, the earliest time the mock records.
    access_mock.clock.set(datetime(1970, 3, 1, tzinfo=timezone.utc))
    iam.create_user(UserName="alice")
    iam.put_user_policy(
        UserName="alice", PolicyName="p", PolicyDocument=allow("iam:GetUser", "iam:ListUsers")
    )
    at = datetime(1970, 1, 1, tzinfo=timezone.utc)
    access_mock.record_access(ALICE, "iam:GetUser", at=at)
    job_id = iam.generate_service_last_accessed_details(Arn=ALICE, Granularity="ACTION_LEVEL")
    row = iam.get_service_last_accessed_details(JobId=job_id["JobId"])["ServicesLastAccessed"][0]
    assert row["LastAuthenticated"] == at
    assert row["TrackedActionsLastAccessed"] == [
        {
            "ActionName": "GetUser",
            "LastAccessedEntity": ALICE,
            "LastAccessedTime": at,
            "LastAccessedRegion": "us-east-1",
        },
        {"ActionName": "ListUsers"},
    ]
