"""ListPoliciesGrantingServiceAccess through boto3: sources, entry shapes, Denies, validation, pages.

Facts come from /work/shared/data/observed-aws-facts.md ("ListPoliciesGrantingServiceAccess",
"ARN handling"); each test names the capture case it reproduces. AWS's order of policies
within a namespace varied between identical calls, so these tests compare them as sets.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from support import (
    ACCOUNT,
    ALICE,
    ROOT,
    TRUST_ROOT,
    allow,
    document,
    error_and_status,
    statement,
)

from iam_access_mock.policy import catalogue


def grants(iam: Any, arn: str, *namespaces: str) -> dict[str, list[str]]:
    """Namespace -> sorted policy names, in response order (a dict keeps it)."""
    response = iam.list_policies_granting_service_access(
        Arn=arn, ServiceNamespaces=list(namespaces)
    )
    return {
        row["ServiceNamespace"]: sorted(policy["PolicyName"] for policy in row["Policies"])
        for row in response["PoliciesGrantingServiceAccess"]
    }


def managed(iam: Any, name: str, text: str) -> str:
    return str(iam.create_policy(PolicyName=name, PolicyDocument=text)["Policy"]["Arn"])


# ---- rows and entries -------------------------------------------------------------------------


def test_rows_follow_request_order_with_duplicates_dropped(iam: Any) -> None:
    # Case: grants_user_graph (s3, s3, iam -> s3, iam; a namespace without grants has []).
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="s3", PolicyDocument=allow("s3:GetObject"))
    response = iam.list_policies_granting_service_access(
        Arn=ALICE, ServiceNamespaces=["sqs", "s3", "s3", "iam"]
    )
    assert response["PoliciesGrantingServiceAccess"] == [
        {"ServiceNamespace": "sqs", "Policies": []},
        {
            "ServiceNamespace": "s3",
            "Policies": [
                {
                    "PolicyName": "s3",
                    "PolicyType": "INLINE",
                    "EntityType": "USER",
                    "EntityName": "alice",
                }
            ],
        },
        {"ServiceNamespace": "iam", "Policies": []},
    ]
    assert response["IsTruncated"] is False
    assert "Marker" not in response


def test_user_sees_its_own_and_its_groups_policies_with_their_shapes(iam: Any) -> None:
    # Case: grants_user_graph (MANAGED {PolicyName, PolicyType, PolicyArn}; INLINE {PolicyName,
    # PolicyType, EntityType, EntityName}).
    iam.create_user(UserName="alice")
    iam.put_user_policy(
        UserName="alice", PolicyName="user-inline", PolicyDocument=allow("s3:GetObject")
    )
    user_managed = managed(iam, "user-managed", allow("s3:PutObject"))
    iam.attach_user_policy(UserName="alice", PolicyArn=user_managed)
    iam.create_group(GroupName="devs")
    iam.put_group_policy(
        GroupName="devs", PolicyName="group-inline", PolicyDocument=allow("s3:ListBucket")
    )
    group_managed = managed(iam, "group-managed", allow("s3:DeleteObject"))
    iam.attach_group_policy(GroupName="devs", PolicyArn=group_managed)
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    aws_managed = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    iam.attach_user_policy(UserName="alice", PolicyArn=aws_managed)
    response = iam.list_policies_granting_service_access(Arn=ALICE, ServiceNamespaces=["s3"])
    (row,) = response["PoliciesGrantingServiceAccess"]
    assert sorted(row["Policies"], key=lambda policy: policy["PolicyName"]) == [
        {"PolicyName": "AmazonS3ReadOnlyAccess", "PolicyType": "MANAGED", "PolicyArn": aws_managed},
        {
            "PolicyName": "group-inline",
            "PolicyType": "INLINE",
            "EntityType": "GROUP",
            "EntityName": "devs",
        },
        {"PolicyName": "group-managed", "PolicyType": "MANAGED", "PolicyArn": group_managed},
        {
            "PolicyName": "user-inline",
            "PolicyType": "INLINE",
            "EntityType": "USER",
            "EntityName": "alice",
        },
        {"PolicyName": "user-managed", "PolicyType": "MANAGED", "PolicyArn": user_managed},
    ]


def test_group_sees_only_its_own_policies(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.put_user_policy(
        UserName="alice", PolicyName="user-inline", PolicyDocument=allow("s3:GetObject")
    )
    iam.create_group(GroupName="devs")
    iam.put_group_policy(
        GroupName="devs", PolicyName="group-inline", PolicyDocument=allow("s3:ListBucket")
    )
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    assert grants(iam, f"arn:aws:iam::{ACCOUNT}:group/devs", "s3") == {"s3": ["group-inline"]}


def test_role_sees_only_its_own_policies(iam: Any) -> None:
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_ROOT)
    iam.put_role_policy(
        RoleName="app", PolicyName="role-inline", PolicyDocument=allow("sqs:SendMessage")
    )
    arn = managed(iam, "role-managed", allow("sqs:ReceiveMessage"))
    iam.attach_role_policy(RoleName="app", PolicyArn=arn)
    response = iam.list_policies_granting_service_access(
        Arn=f"arn:aws:iam::{ACCOUNT}:role/app", ServiceNamespaces=["sqs", "sts"]
    )
    rows = response["PoliciesGrantingServiceAccess"]
    assert sorted(rows[0]["Policies"], key=lambda policy: policy["PolicyName"]) == [
        {
            "PolicyName": "role-inline",
            "PolicyType": "INLINE",
            "EntityType": "ROLE",
            "EntityName": "app",
        },
        {"PolicyName": "role-managed", "PolicyType": "MANAGED", "PolicyArn": arn},
    ]
    assert rows[1] == {"ServiceNamespace": "sts", "Policies": []}  # the trust policy is not a grant


def test_a_managed_policy_reached_twice_is_listed_once(iam: Any) -> None:
    # Rule chosen: one policy, one entry.
    arn = managed(iam, "shared", allow("s3:GetObject"))
    iam.create_user(UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    iam.create_group(GroupName="devs")
    iam.attach_group_policy(GroupName="devs", PolicyArn=arn)
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    assert grants(iam, ALICE, "s3") == {"s3": ["shared"]}


def test_permissions_boundary_is_not_a_grant(iam: Any) -> None:
    # Case: grants_boundary_ignored.
    boundary = managed(iam, "boundary", allow("sqs:SendMessage"))
    iam.create_user(UserName="alice", PermissionsBoundary=boundary)
    iam.put_user_policy(UserName="alice", PolicyName="s3", PolicyDocument=allow("s3:GetObject"))
    assert grants(iam, ALICE, "s3", "sqs") == {"s3": ["s3"], "sqs": []}


def test_the_answer_is_the_current_state(iam: Any) -> None:
    # IAM User Guide: it "gives the current state of policies and does not depend on the generated report".
    iam.create_user(UserName="alice")
    assert grants(iam, ALICE, "s3") == {"s3": []}
    iam.put_user_policy(UserName="alice", PolicyName="s3", PolicyDocument=allow("s3:GetObject"))
    assert grants(iam, ALICE, "s3") == {"s3": ["s3"]}


def test_execute_api_is_a_valid_namespace(iam: Any) -> None:
    # Case: raw_grants_* ("execute-api" is valid).
    iam.create_user(UserName="alice")
    iam.put_user_policy(
        UserName="alice", PolicyName="api", PolicyDocument=allow("execute-api:Invoke")
    )
    assert grants(iam, ALICE, "execute-api") == {"execute-api": ["api"]}


def test_200_namespaces_in_one_call(iam: Any) -> None:
    # Case: grants_many_namespaces_0 (200 rows, IsTruncated false).
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="all", PolicyDocument=allow("*"))
    namespaces = list(catalogue.service_names())[:200]
    response = iam.list_policies_granting_service_access(Arn=ALICE, ServiceNamespaces=namespaces)
    assert [
        row["ServiceNamespace"] for row in response["PoliciesGrantingServiceAccess"]
    ] == namespaces
    assert all(len(row["Policies"]) == 1 for row in response["PoliciesGrantingServiceAccess"])
    assert response["IsTruncated"] is False


# ---- Denies and the grant rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "deny",
    [
        pytest.param(None, id="cross_policy_deny"),
        pytest.param(
            statement("Deny", "s3:*", "arn:aws:s3:::bucket-a/*"), id="deny_edges_resource_exact"
        ),
        pytest.param(
            statement("Deny", "s3:*", "arn:aws:s3:::*"), id="deny_edges_resource_namespace"
        ),
        pytest.param(statement("Deny", "s3:GetObject", "*"), id="deny_edges_resource_all"),
        pytest.param(
            statement(
                "Deny", "s3:*", Condition={"StringEqualsIfExists": {"aws:username": "alice"}}
            ),
            id="deny_edges_conditional_deny_ifexists",
        ),
        pytest.param(
            statement("Deny", "s3:*", Condition={"Null": {"aws:MultiFactorAuthAge": "true"}}),
            id="deny_edges_conditional_deny_null",
        ),
    ],
)
def test_most_denies_leave_the_granting_policy_listed(
    iam: Any, deny: dict[str, Any] | None
) -> None:
    # Cases named in the parameter ids. cross_policy_deny: Deny s3:* on * in a separate policy.
    iam.create_user(UserName="alice")
    grant = statement("Allow", "s3:GetObject", "arn:aws:s3:::bucket-a/*")
    if deny is None:
        iam.put_user_policy(UserName="alice", PolicyName="grant", PolicyDocument=document(grant))
        iam.put_user_policy(
            UserName="alice", PolicyName="deny", PolicyDocument=document(statement("Deny", "s3:*"))
        )
    else:
        iam.put_user_policy(
            UserName="alice", PolicyName="grant", PolicyDocument=document(grant, deny)
        )
    assert grants(iam, ALICE, "s3") == {"s3": ["grant"]}


def test_conditional_allow_with_unconditional_deny_all_in_the_same_policy_is_not_listed(
    iam: Any,
) -> None:
    # Case: deny_edges_conditional_allow_and_deny.
    iam.create_user(UserName="alice")
    condition = {"StringEquals": {"aws:username": "alice"}}
    text = document(
        statement("Allow", "s3:GetObject", Condition=condition), statement("Deny", "s3:*")
    )
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=text)
    assert grants(iam, ALICE, "s3") == {"s3": []}


def test_not_action_grants_every_other_service(iam: Any) -> None:
    # Case: selection-phase grants (NotAction s3:* lists sqs and iam, not s3).
    iam.create_user(UserName="alice")
    iam.put_user_policy(
        UserName="alice",
        PolicyName="p",
        PolicyDocument=document({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}),
    )
    assert grants(iam, ALICE, "sqs", "iam", "s3") == {"sqs": ["p"], "iam": ["p"], "s3": []}


def test_not_resource_star_grants_nothing(iam: Any) -> None:
    # Case: selection-phase grants (NotResource "*").
    iam.create_user(UserName="alice")
    iam.put_user_policy(
        UserName="alice",
        PolicyName="p",
        PolicyDocument=document({"Effect": "Allow", "Action": "s3:*", "NotResource": "*"}),
    )
    assert grants(iam, ALICE, "s3") == {"s3": []}


def test_resource_of_another_service_grants_nothing(iam: Any) -> None:
    # Case: selection-phase grants (an s3 Allow on an IAM user ARN).
    iam.create_user(UserName="alice")
    iam.put_user_policy(
        UserName="alice", PolicyName="p", PolicyDocument=allow("s3:GetObject", resource=ALICE)
    )
    assert grants(iam, ALICE, "s3") == {"s3": []}


# ---- validation ------------------------------------------------------------------------------------


def test_invalid_namespaces_are_all_listed(iam: Any) -> None:
    # Case: raw_grants_* (unknown, upper-case and underscore namespaces).
    iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        iam.list_policies_granting_service_access(
            Arn=ALICE, ServiceNamespaces=["s3", "stackdunmodeled", "S3", "IAM", "stackd_unknown"]
        )
    assert error_and_status(excinfo) == (
        "InvalidInput",
        "Invalid service namespace: [stackdunmodeled, S3, IAM, stackd_unknown]",
        400,
    )


@pytest.mark.parametrize("namespace", ["s3:GetObject", "", "x" * 65])
def test_malformed_namespace_is_a_validation_error(raw_iam: Any, namespace: str) -> None:
    # Case: raw_grants_* (all three give the same list-level message).
    raw_iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        raw_iam.list_policies_granting_service_access(Arn=ALICE, ServiceNamespaces=[namespace])
    assert error_and_status(excinfo) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'serviceNamespaces' failed to satisfy constraint: "
            "Member must satisfy constraint: [Member must have length less than or equal to 64, "
            "Member must have length greater than or equal to 1, Member must satisfy regular expression "
            "pattern: [\\w-]*, Member must not be null]"
        ),
        400,
    )


def test_more_than_200_namespaces_is_a_validation_error(iam: Any) -> None:
    # Case: raw_grants_* (201 namespaces).
    iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        iam.list_policies_granting_service_access(Arn=ALICE, ServiceNamespaces=["s3"] * 201)
    assert error_and_status(excinfo) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'serviceNamespaces' failed to satisfy constraint: "
            "Member must have length less than or equal to 200"
        ),
        400,
    )


def test_empty_namespace_list_is_a_validation_error(raw_iam: Any) -> None:
    # Case: raw_grants_* (ServiceNamespaces=[] in a signed query).
    raw_iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        raw_iam.list_policies_granting_service_access(Arn=ALICE, ServiceNamespaces=[])
    assert error_and_status(excinfo) == (
        "ValidationError",
        "1 validation error detected: Value at 'serviceNamespaces' failed to satisfy constraint: Member must not be null",
        400,
    )


def test_short_arn_is_a_validation_error(raw_iam: Any) -> None:
    # Case: raw_grants_* (Arn "bad").
    with pytest.raises(ClientError) as excinfo:
        raw_iam.list_policies_granting_service_access(Arn="bad", ServiceNamespaces=["s3"])
    assert error_and_status(excinfo) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'arn' failed to satisfy constraint: "
            "Member must have length greater than or equal to 20"
        ),
        400,
    )


# ---- ARN handling -----------------------------------------------------------------------------------


def test_user_arn_without_its_path_resolves_by_name(iam: Any) -> None:
    # Case: grants_arn_pathless.
    iam.create_user(UserName="alice", Path="/stackd/")
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=allow("s3:GetObject"))
    assert grants(iam, ALICE, "s3") == {"s3": ["p"]}
    assert grants(iam, f"arn:aws:iam::{ACCOUNT}:user/other/alice", "s3") == {"s3": ["p"]}


def test_policy_arn_is_invalid_input(iam: Any) -> None:
    # Case: ListPolicies with a managed-policy ARN.
    arn = iam.create_policy(
        PolicyName="shared", Path="/stackd/", PolicyDocument=allow("s3:GetObject")
    )["Policy"]["Arn"]
    with pytest.raises(ClientError) as excinfo:
        iam.list_policies_granting_service_access(Arn=arn, ServiceNamespaces=["s3"])
    assert error_and_status(excinfo) == (
        "InvalidInput",
        f"Invalid Entity Arn: {arn} is not supported.",
        400,
    )


def test_root_arn_cannot_be_extracted(iam: Any) -> None:
    # Case: ListPolicies with the root ARN (note the space before the colon).
    arn = f"arn:aws:iam::{ACCOUNT}:root"
    with pytest.raises(ClientError) as excinfo:
        iam.list_policies_granting_service_access(Arn=arn, ServiceNamespaces=["s3"])
    assert error_and_status(excinfo) == (
        "InvalidInput",
        f"Could not extract entity from ARN : {arn}",
        400,
    )


def test_missing_user_is_no_such_entity(iam: Any) -> None:
    # Case: the missing-target case ("ARN <arn> does not exist.").
    arn = f"arn:aws:iam::{ACCOUNT}:user/stackd/missing"
    with pytest.raises(ClientError) as excinfo:
        iam.list_policies_granting_service_access(Arn=arn, ServiceNamespaces=["s3"])
    assert error_and_status(excinfo) == ("NoSuchEntity", f"ARN {arn} does not exist.", 404)


def test_other_accounts_arn_is_access_denied(iam: Any) -> None:
    # Case: the cross-account ListPolicies.
    arn = "arn:aws:iam::999999999999:user/stackd/target"
    with pytest.raises(ClientError) as excinfo:
        iam.list_policies_granting_service_access(Arn=arn, ServiceNamespaces=["s3"])
    assert error_and_status(excinfo) == (
        "AccessDenied",
        f"User: {ROOT} is not authorized to perform the operation on {arn}",
        403,
    )


@pytest.mark.parametrize(
    ("arn", "message"),
    [
        ("arn:aws:s3:::stackd-bucket/alice", "Invalid service in ARN"),
        (f"arn:aws-cn:iam::{ACCOUNT}:user/alice", "Invalid ARN partition"),
    ],
)
def test_non_iam_or_other_partition_arn_is_a_validation_error(
    iam: Any, arn: str, message: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.list_policies_granting_service_access(Arn=arn, ServiceNamespaces=["s3"])
    assert error_and_status(excinfo) == ("ValidationError", message, 400)


# ---- pages ------------------------------------------------------------------------------------------


def role_with_30_allow_all_policies(iam: Any) -> str:
    iam.create_role(RoleName="wide", AssumeRolePolicyDocument=TRUST_ROOT)
    for index in range(20):
        iam.put_role_policy(
            RoleName="wide", PolicyName=f"inline{index:02d}", PolicyDocument=allow("*")
        )
    for index in range(10):
        iam.attach_role_policy(
            RoleName="wide", PolicyArn=managed(iam, f"managed{index:02d}", allow("*"))
        )
    return f"arn:aws:iam::{ACCOUNT}:role/wide"


def test_a_page_ends_after_the_namespace_reaching_1000_policies(iam: Any) -> None:
    # Rule chosen (AWS's threshold was never reached): 30 policies per namespace, so a page
    # holds 34 namespaces (33 x 30 = 990 < 1000 <= 1020).
    arn = role_with_30_allow_all_policies(iam)
    namespaces = list(catalogue.service_names())[:200]
    seen: list[str] = []
    sizes = []
    marker = None
    while True:
        response = iam.list_policies_granting_service_access(
            Arn=arn, ServiceNamespaces=namespaces, **({"Marker": marker} if marker else {})
        )
        rows = response["PoliciesGrantingServiceAccess"]
        assert all(len(row["Policies"]) == 30 for row in rows)
        seen += [row["ServiceNamespace"] for row in rows]
        sizes.append(len(rows))
        if not response["IsTruncated"]:
            assert "Marker" not in response
            break
        marker = response["Marker"]
    assert sizes == [34, 34, 34, 34, 34, 30]
    assert seen == namespaces


def test_garbage_marker_is_invalid_marker(iam: Any) -> None:
    # Case: Marker "invalid" on ListPoliciesGrantingServiceAccess.
    iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        iam.list_policies_granting_service_access(
            Arn=ALICE, ServiceNamespaces=["s3"], Marker="invalid"
        )
    assert error_and_status(excinfo) == ("ValidationError", "Invalid Marker.", 400)


def test_marker_for_another_namespace_list_is_invalid_marker(iam: Any) -> None:
    # Rule chosen: a marker is bound to the entity and the namespace list.
    arn = role_with_30_allow_all_policies(iam)
    namespaces = list(catalogue.service_names())[:40]
    marker = iam.list_policies_granting_service_access(Arn=arn, ServiceNamespaces=namespaces)[
        "Marker"
    ]
    with pytest.raises(ClientError) as excinfo:
        iam.list_policies_granting_service_access(
            Arn=arn, ServiceNamespaces=namespaces[:39], Marker=marker
        )
    assert error_and_status(excinfo) == ("ValidationError", "Invalid Marker.", 400)
