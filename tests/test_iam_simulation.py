"""The IAM policy simulator through boto3: SimulatePrincipalPolicy, SimulateCustomPolicy and
GetContextKeysFor{Principal,Custom}Policy, with hand-checked expectations."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st
from support import ACCOUNT, ALICE, TRUST_ROOT, allow

from iam_access_mock.policy.evaluator import allowed_actions, allowed_services, compile_policy

# AWS's own example (AWS CLI reference, simulate-custom-policy): its statement object runs
# from character 37 to 166, and IAM answers columns 38 and 167.
DATED = (
    '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
    '"Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
)
GROUP_ARN = f"arn:aws:iam::{ACCOUNT}:group/devs"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/r1"
OBJECT = "arn:aws:s3:::orders/report.csv"
OTHER_OBJECT = "arn:aws:s3:::other/x"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def stmt(effect: str, action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource, **extra}


def custom(
    iam: Any, policies: list[str], actions: list[str], **kwargs: Any
) -> list[dict[str, Any]]:
    return iam.simulate_custom_policy(PolicyInputList=policies, ActionNames=actions, **kwargs)[
        "EvaluationResults"
    ]


def decisions(results: list[dict[str, Any]]) -> list[str]:
    return [r["EvalDecision"] for r in results]


def code_of(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


# ---- decisions ------------------------------------------------------------------------------


def test_aws_example_allowed_with_its_positions(iam: Any) -> None:
    context = [
        {
            "ContextKeyName": "aws:CurrentTime",
            "ContextKeyValues": ["2019-04-25T11:00:00Z"],
            "ContextKeyType": "date",
        }
    ]
    [result] = custom(iam, [DATED], ["dynamodb:CreateBackup"], ContextEntries=context)
    assert result == {
        "EvalActionName": "dynamodb:CreateBackup",
        "EvalResourceName": "*",
        "EvalDecision": "allowed",
        "MatchedStatements": [
            {
                "SourcePolicyId": "PolicyInputList.1",
                "SourcePolicyType": "none",
                "StartPosition": {"Line": 1, "Column": 38},
                "EndPosition": {"Line": 1, "Column": 167},
            }
        ],
        "MissingContextValues": [],
    }


def test_aws_example_too_early_is_an_implicit_deny(iam: Any) -> None:
    context = [
        {
            "ContextKeyName": "aws:currenttime",  # keys compare case-insensitively
            "ContextKeyValues": ["2014-04-25T11:00:00Z"],
            "ContextKeyType": "date",
        }
    ]
    [result] = custom(iam, [DATED], ["dynamodb:CreateBackup"], ContextEntries=context)
    assert (result["EvalDecision"], result["MatchedStatements"]) == ("implicitDeny", [])


def test_a_missing_context_key_is_reported(iam: Any) -> None:
    [result] = custom(iam, [DATED], ["dynamodb:CreateBackup"])
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MissingContextValues"] == ["aws:CurrentTime"]


def test_allow_explicit_deny_and_implicit_deny(iam: Any) -> None:
    policy = doc(stmt("Allow", "s3:*"), stmt("Deny", "s3:DeleteObject"))
    results = custom(iam, [policy], ["s3:GetObject", "s3:DeleteObject", "ec2:RunInstances"])
    assert decisions(results) == ["allowed", "explicitDeny", "implicitDeny"]
    assert [r["EvalActionName"] for r in results] == [
        "s3:GetObject",
        "s3:DeleteObject",
        "ec2:RunInstances",
    ]
    assert all("EvalDecisionDetails" not in r for r in results)  # absent for "*"
    # The Deny alone is listed when it decides; nothing for an implicit deny.
    text = policy
    deny_start = text.index('{"Effect": "Deny"')
    [deny] = results[1]["MatchedStatements"]
    assert deny["StartPosition"] == {"Line": 1, "Column": deny_start + 2}
    assert deny["EndPosition"] == {"Line": 1, "Column": len(text) - 1}
    assert results[2]["MatchedStatements"] == []


def test_positions_count_lines_of_a_pretty_document(iam: Any) -> None:
    policy = json.dumps(
        {"Version": "2012-10-17", "Statement": [stmt("Allow", "s3:GetObject")]}, indent=4
    )
    [result] = custom(iam, [policy], ["s3:GetObject"])
    [matched] = result["MatchedStatements"]
    # Line 4 is "        {" (column 10 just after the brace), line 8 "        }".
    assert policy.splitlines()[3] == "        {"
    assert (matched["StartPosition"], matched["EndPosition"]) == (
        {"Line": 4, "Column": 10},
        {"Line": 8, "Column": 10},
    )


def test_not_action_and_wildcards(iam: Any) -> None:
    policy = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert decisions(custom(iam, [policy], ["s3:GetObject", "iam:GetUser"])) == [
        "allowed",
        "implicitDeny",
    ]
    wild = doc(stmt("Allow", "S3:get*"))  # action names are matched in any case
    assert decisions(custom(iam, [wild], ["s3:GetObject", "s3:PutObject"])) == [
        "allowed",
        "implicitDeny",
    ]


def test_specific_resources_get_resource_specific_results(iam: Any) -> None:
    policy = doc(stmt("Allow", "s3:GetObject", "arn:aws:s3:::orders/*"))
    [result] = custom(iam, [policy], ["s3:GetObject"], ResourceArns=[OBJECT, OTHER_OBJECT])
    assert result["EvalDecision"] == "implicitDeny"  # the most restrictive of the two
    assert result["EvalResourceName"] == "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    assert result["EvalDecisionDetails"] == {}
    assert result["MatchedStatements"] == []  # only the deciding resources' statements
    assert [
        (r["EvalResourceName"], r["EvalResourceDecision"], len(r["MatchedStatements"]))
        for r in result["ResourceSpecificResults"]
    ] == [(OBJECT, "allowed", 1), (OTHER_OBJECT, "implicitDeny", 0)]
    # The default resource "*" is matched by Resource "*" only.
    assert decisions(custom(iam, [policy], ["s3:GetObject"])) == ["implicitDeny"]


def test_policy_variables_resolve_from_the_context(iam: Any) -> None:
    policy = doc(stmt("Allow", "s3:GetObject", "arn:aws:s3:::home/${aws:username}/*"))
    own = "arn:aws:s3:::home/alice/notes"
    [result] = custom(iam, [policy], ["s3:GetObject"], ResourceArns=[own])
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MissingContextValues"] == ["aws:username"]
    context = [{"ContextKeyName": "aws:username", "ContextKeyValues": ["alice"]}]
    [result] = custom(iam, [policy], ["s3:GetObject"], ResourceArns=[own], ContextEntries=context)
    assert (result["EvalDecision"], result["MissingContextValues"]) == ("allowed", [])


@pytest.mark.parametrize(
    ("operator", "policy_value", "context_type", "context_values", "expected"),
    [
        ("StringEquals", "prod", "string", ["prod"], "allowed"),
        ("StringNotEquals", "prod", "string", ["prod"], "implicitDeny"),
        ("StringEqualsIgnoreCase", "PROD", "string", ["prod"], "allowed"),
        ("StringLike", "pr*", "string", ["prod"], "allowed"),
        ("StringNotLike", "pr*", "string", ["dev"], "allowed"),
        ("NumericLessThan", "10", "numeric", ["9.5"], "allowed"),
        ("NumericGreaterThanEquals", "10", "numeric", ["9"], "implicitDeny"),
        ("DateLessThan", "2020-01-01T00:00:00Z", "date", ["1577836799"], "allowed"),
        ("Bool", "true", "boolean", ["TRUE"], "allowed"),
        ("IpAddress", "203.0.113.0/24", "ip", ["203.0.113.7"], "allowed"),
        ("NotIpAddress", "203.0.113.0/24", "ip", ["198.51.100.1"], "allowed"),
        ("ArnLike", "arn:aws:iam::*:role/admin-*", "string", [ROLE_ARN], "implicitDeny"),
        ("ArnEquals", "arn:aws:iam::*:role/r?", "string", [ROLE_ARN], "allowed"),
        ("ForAnyValue:StringEquals", "a", "stringList", ["b", "a"], "allowed"),
        ("ForAllValues:StringEquals", "a", "stringList", ["b", "a"], "implicitDeny"),
        ("StringEqualsIfExists", "prod", "string", ["dev"], "implicitDeny"),
        ("NumericLessThan", "ten", "numeric", ["1"], "implicitDeny"),  # unreadable: no match
    ],
)
def test_condition_operators(
    iam: Any,
    operator: str,
    policy_value: str,
    context_type: str,
    context_values: list[str],
    expected: str,
) -> None:
    policy = doc(stmt("Allow", "s3:GetObject", Condition={operator: {"test:Key": policy_value}}))
    context = [
        {
            "ContextKeyName": "test:Key",
            "ContextKeyValues": context_values,
            "ContextKeyType": context_type,
        }
    ]
    [result] = custom(iam, [policy], ["s3:GetObject"], ContextEntries=context)
    assert result["EvalDecision"] == expected


def test_absent_keys_for_if_exists_null_and_for_all_values(iam: Any) -> None:
    holds = [
        {"StringEqualsIfExists": {"test:Key": "x"}},
        {"Null": {"test:Key": "true"}},
        {"ForAllValues:StringEquals": {"test:Key": "x"}},
    ]
    for condition in holds:
        [result] = custom(
            iam, [doc(stmt("Allow", "s3:GetObject", Condition=condition))], ["s3:GetObject"]
        )
        assert (result["EvalDecision"], result["MissingContextValues"]) == ("allowed", [])
    fails = doc(stmt("Allow", "s3:GetObject", Condition={"Null": {"test:Key": "false"}}))
    assert decisions(custom(iam, [fails], ["s3:GetObject"])) == ["implicitDeny"]


# ---- a principal's policies -----------------------------------------------------------------


def _alice_in_devs(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.put_group_policy(
        GroupName="devs", PolicyName="group-s3", PolicyDocument=allow("s3:GetObject")
    )
    arn = iam.create_policy(PolicyName="sqs-read", PolicyDocument=allow("sqs:ReceiveMessage"))
    iam.attach_user_policy(UserName="alice", PolicyArn=arn["Policy"]["Arn"])


def test_a_user_has_its_groups_policies(iam: Any) -> None:
    _alice_in_devs(iam)
    answer = iam.simulate_principal_policy(
        PolicySourceArn=ALICE,
        ActionNames=["s3:GetObject", "sqs:ReceiveMessage", "ec2:RunInstances"],
    )
    results = answer["EvaluationResults"]
    assert decisions(results) == ["allowed", "allowed", "implicitDeny"]
    assert answer["IsTruncated"] is False
    assert [
        (m["SourcePolicyId"], m["SourcePolicyType"]) for m in results[0]["MatchedStatements"]
    ] == [("group-s3", "group")]
    assert [
        (m["SourcePolicyId"], m["SourcePolicyType"]) for m in results[1]["MatchedStatements"]
    ] == [("sqs-read", "user-managed")]
    group = iam.simulate_principal_policy(
        PolicySourceArn=GROUP_ARN, ActionNames=["sqs:ReceiveMessage"]
    )
    assert decisions(group["EvaluationResults"]) == ["implicitDeny"]


def test_a_policy_input_adds_to_the_principals(iam: Any) -> None:
    _alice_in_devs(iam)
    deny = doc(stmt("Deny", "s3:*"))
    results = iam.simulate_principal_policy(
        PolicySourceArn=ALICE, ActionNames=["s3:GetObject"], PolicyInputList=[deny]
    )["EvaluationResults"]
    assert decisions(results) == ["explicitDeny"]
    assert results[0]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"


def test_the_entitys_boundary_limits_and_an_input_boundary_replaces_it(iam: Any) -> None:
    iam.create_role(RoleName="r1", AssumeRolePolicyDocument=TRUST_ROOT)
    iam.put_role_policy(RoleName="r1", PolicyName="all", PolicyDocument=doc(stmt("Allow", "*")))
    boundary = iam.create_policy(PolicyName="only-s3", PolicyDocument=allow("s3:*"))["Policy"][
        "Arn"
    ]
    iam.put_role_permissions_boundary(RoleName="r1", PermissionsBoundary=boundary)
    results = iam.simulate_principal_policy(
        PolicySourceArn=ROLE_ARN, ActionNames=["s3:GetObject", "sqs:SendMessage"]
    )["EvaluationResults"]
    assert decisions(results) == ["allowed", "implicitDeny"]
    assert [r["PermissionsBoundaryDecisionDetail"] for r in results] == [
        {"AllowedByPermissionsBoundary": True},
        {"AllowedByPermissionsBoundary": False},
    ]
    assert [m["SourcePolicyType"] for m in results[0]["MatchedStatements"]] == ["role"]
    replaced = iam.simulate_principal_policy(
        PolicySourceArn=ROLE_ARN,
        ActionNames=["s3:GetObject", "sqs:SendMessage"],
        PermissionsBoundaryPolicyInputList=[allow("sqs:*")],
    )["EvaluationResults"]
    assert decisions(replaced) == ["implicitDeny", "allowed"]


def test_a_boundary_deny_is_an_explicit_deny(iam: Any) -> None:
    boundary = doc(stmt("Allow", "*"), stmt("Deny", "s3:DeleteObject"))
    results = custom(
        iam,
        [doc(stmt("Allow", "s3:*"))],
        ["s3:DeleteObject"],
        PermissionsBoundaryPolicyInputList=[boundary],
    )
    assert decisions(results) == ["explicitDeny"]
    assert results[0]["MatchedStatements"][0]["SourcePolicyId"] == (
        "PermissionsBoundaryPolicyInputList.1"
    )


def test_a_resource_policy_allows_the_user_it_names(iam: Any) -> None:
    iam.create_user(UserName="alice")
    bucket_policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [stmt("Allow", "s3:GetObject", OBJECT, Principal={"AWS": ALICE})],
        }
    )
    results = iam.simulate_principal_policy(
        PolicySourceArn=ALICE,
        ActionNames=["s3:GetObject"],
        ResourceArns=[OBJECT],
        ResourcePolicy=bucket_policy,
    )["EvaluationResults"]
    assert decisions(results) == ["allowed"]
    assert [m["SourcePolicyType"] for m in results[0]["MatchedStatements"]] == ["resource"]
    # Of another account, the resource needs the identity policies' allow too.
    other = iam.simulate_principal_policy(
        PolicySourceArn=ALICE,
        ActionNames=["s3:GetObject"],
        ResourceArns=[OBJECT],
        ResourcePolicy=bucket_policy,
        ResourceOwner="arn:aws:iam::210987654321:root",
    )["EvaluationResults"]
    assert decisions(other) == ["implicitDeny"]


def test_an_account_principal_only_delegates(iam: Any) -> None:
    resource_policy = json.dumps(
        {"Statement": [stmt("Allow", "s3:GetObject", OBJECT, Principal={"AWS": ACCOUNT})]}
    )
    results = custom(
        iam,
        [doc(stmt("Allow", "sqs:*"))],
        ["s3:GetObject"],
        ResourceArns=[OBJECT],
        ResourcePolicy=resource_policy,
        CallerArn=ALICE,
    )
    assert decisions(results) == ["implicitDeny"]


def test_scps_of_the_organization_limit_a_member_account(iam: Any, access_mock: Any) -> None:
    import boto3

    organizations = boto3.client("organizations", region_name="us-east-1")
    organizations.create_organization(FeatureSet="ALL")
    # The management account is never limited by SCPs.
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=allow("s3:GetObject"))
    [result] = iam.simulate_principal_policy(PolicySourceArn=ALICE, ActionNames=["s3:GetObject"])[
        "EvaluationResults"
    ]
    assert result["EvalDecision"] == "allowed"
    assert result["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}


def test_ordered_organization_policies_for_custom_simulations(iam: Any) -> None:
    levels = [
        {"ServiceControlPolicyInputList": [doc(stmt("Allow", "*"))]},
        {"ServiceControlPolicyInputList": [doc(stmt("Allow", "sqs:*"))]},
    ]
    results = (
        custom(
            iam,
            [doc(stmt("Allow", "*"))],
            ["s3:GetObject", "sqs:SendMessage"],
            OrderedOrganizationPolicyInputList=levels,
        )
        if _models("SimulateCustomPolicy", "OrderedOrganizationPolicyInputList")
        else None
    )
    if results is None:
        pytest.skip("the installed botocore has no OrderedOrganizationPolicyInputList")
    assert decisions(results) == ["implicitDeny", "allowed"]
    assert results[0]["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": False}
    assert results[0]["MatchedStatements"] == []  # SCP statements are never listed


def _models(operation: str, member: str) -> bool:
    import botocore.session

    model = botocore.session.get_session().get_service_model("iam").operation_model(operation)
    return member in model.input_shape.members


# ---- pagination -----------------------------------------------------------------------------


def test_botocores_paginators_walk_every_result(iam: Any) -> None:
    _alice_in_devs(iam)
    actions = ["s3:GetObject", "sqs:ReceiveMessage", "ec2:RunInstances"]
    pages = list(
        iam.get_paginator("simulate_principal_policy").paginate(
            PolicySourceArn=ALICE, ActionNames=actions, PaginationConfig={"PageSize": 1}
        )
    )
    assert [[r["EvalActionName"] for r in p["EvaluationResults"]] for p in pages] == [
        [a] for a in actions
    ]
    assert [p["IsTruncated"] for p in pages] == [True, True, False]
    custom_pages = list(
        iam.get_paginator("simulate_custom_policy").paginate(
            PolicyInputList=[allow("s3:GetObject")],
            ActionNames=actions,
            PaginationConfig={"PageSize": 2},
        )
    )
    assert [len(p["EvaluationResults"]) for p in custom_pages] == [2, 1]


def test_a_marker_of_another_request_is_refused(iam: Any) -> None:
    first = iam.simulate_custom_policy(
        PolicyInputList=[allow("s3:GetObject")], ActionNames=["s3:A", "s3:B"], MaxItems=1
    )
    with pytest.raises(ClientError) as error:
        iam.simulate_custom_policy(
            PolicyInputList=[allow("s3:GetObject")],
            ActionNames=["s3:C", "s3:D"],
            Marker=first["Marker"],
        )
    assert code_of(error) == "ValidationError"


# ---- context keys ---------------------------------------------------------------------------


def test_context_keys_of_the_aws_example(iam: Any) -> None:
    policy = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
        '"Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}",'
        '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}}}'
    )
    answer = iam.get_context_keys_for_custom_policy(PolicyInputList=[policy, DATED])
    assert answer["ContextKeyNames"] == ["aws:username", "aws:CurrentTime"]


def test_context_keys_of_a_principal_include_groups_and_inputs(iam: Any) -> None:
    _alice_in_devs(iam)
    conditional = doc(stmt("Allow", "s3:*", Condition={"StringEquals": {"s3:prefix": "x"}}))
    iam.put_group_policy(GroupName="devs", PolicyName="cond", PolicyDocument=conditional)
    keyed = doc(stmt("Allow", "*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    answer = iam.get_context_keys_for_principal_policy(
        PolicySourceArn=ALICE, PolicyInputList=[keyed]
    )
    assert answer["ContextKeyNames"] == ["s3:prefix", "aws:MultiFactorAuthPresent"]


# ---- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "code"),
    [
        (f"arn:aws:iam::{ACCOUNT}:user/nobody", "NoSuchEntity"),
        (f"arn:aws:iam::{ACCOUNT}:role/nobody", "NoSuchEntity"),
        (f"arn:aws:iam::{ACCOUNT}:group/nobody", "NoSuchEntity"),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/r1/session", "InvalidInput"),
        (f"arn:aws:iam::{ACCOUNT}:root", "InvalidInput"),
        ("arn:aws:iam::210987654321:user/alice", "AccessDenied"),
    ],
)
def test_policy_source_errors(iam: Any, arn: str, code: str) -> None:
    for call in (
        lambda: iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["s3:GetObject"]),
        lambda: iam.get_context_keys_for_principal_policy(PolicySourceArn=arn),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert code_of(error) == code


@pytest.mark.parametrize(
    "kwargs",
    [
        {"PolicyInputList": ["{not json"]},
        {"PolicyInputList": [doc(stmt("Allow", "s3:GetObject", Principal="*"))]},
        {"ActionNames": ["s3:*"]},
        {"ActionNames": ["GetObject"]},
        {"ResourceArns": ["bucket"]},
        {"ResourceOwner": ACCOUNT},
        {"PermissionsBoundaryPolicyInputList": [allow("s3:*"), allow("sqs:*")]},
        {
            "ContextEntries": [
                {
                    "ContextKeyName": "aws:CurrentTime",
                    "ContextKeyValues": ["soon"],
                    "ContextKeyType": "date",
                }
            ]
        },
        {"ContextEntries": [{"ContextKeyValues": ["x"]}]},
        {"ResourcePolicy": doc(stmt("Allow", "s3:GetObject", Principal="*"))},  # no CallerArn
        {"CallerArn": "arn:aws:sts::123456789012:assumed-role/r/s"},
        {"ResourceHandlingOption": "EC2-Classic"},
    ],
)
def test_custom_policy_input_errors(iam: Any, kwargs: dict[str, Any]) -> None:
    params: dict[str, Any] = {
        "PolicyInputList": [allow("s3:GetObject")],
        "ActionNames": ["s3:GetObject"],
    }
    params.update(kwargs)
    with pytest.raises(ClientError) as error:
        iam.simulate_custom_policy(**params)
    assert code_of(error) == "InvalidInput"


def test_a_resource_policy_is_not_simulated_for_a_role(iam: Any) -> None:
    iam.create_role(RoleName="r1", AssumeRolePolicyDocument=TRUST_ROOT)
    with pytest.raises(ClientError) as error:
        iam.simulate_principal_policy(
            PolicySourceArn=ROLE_ARN,
            ActionNames=["s3:GetObject"],
            ResourcePolicy=doc(stmt("Allow", "s3:GetObject", Principal="*")),
        )
    assert code_of(error) == "InvalidInput"


def test_malformed_custom_context_key_policy_is_invalid_input(iam: Any) -> None:
    with pytest.raises(ClientError) as error:
        iam.get_context_keys_for_custom_policy(PolicyInputList=['{"Statement": []}'])
    assert code_of(error) == "InvalidInput"


def test_too_large_a_simulation_is_refused_quickly(iam: Any) -> None:
    """2,000 statements that match the action, times 1,100 resources: past the bound."""
    import time

    def half(offset: int) -> str:
        statements = [stmt("Allow", "s3:*", f"arn:aws:s3:::b{offset + i}/*") for i in range(1000)]
        return json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"))

    resources = [f"arn:aws:s3:::b/{i}" for i in range(1100)]
    started = time.perf_counter()
    with pytest.raises(ClientError) as error:
        custom(iam, [half(0), half(1000)], ["s3:GetObject"], ResourceArns=resources)
    assert code_of(error) == "InvalidInput"
    assert time.perf_counter() - started < 20


# ---- the simulator agrees with the report evaluator -----------------------------------------

PROBES = ["s3:GetObject", "s3:PutObject", "sqs:SendMessage", "iam:ListUsers", "ec2:RunInstances"]
PATTERNS = st.sampled_from(
    ["*", "s3:*", "s3:Get*", "sqs:SendMessage", "iam:List*", "ec2:*", "s3:?utObject"]
)


@settings(max_examples=25, deadline=None, database=None, derandomize=True)
@given(
    allows=st.lists(PATTERNS, min_size=1, max_size=3),
    denies=st.lists(PATTERNS, max_size=2),
    not_action=st.booleans(),
)
def test_the_simulator_agrees_with_the_report_evaluator(
    allows: list[str], denies: list[str], not_action: bool
) -> None:
    """Unconditional statements on Resource "*": an action is allowed by the simulator exactly
    when the report evaluator counts it among its service's allowed actions."""
    import boto3

    from iam_access_mock import mock_access

    first = {"Effect": "Allow", "NotAction" if not_action else "Action": allows[0], "Resource": "*"}
    statements = [first] + [stmt("Allow", a) for a in allows[1:]]
    statements += [stmt("Deny", d) for d in denies]
    policy = doc(*statements)
    compiled = [compile_policy(policy)]
    with mock_access():
        iam = boto3.client("iam", region_name="us-east-1")
        results = custom(iam, [policy], PROBES)
    for probe, result in zip(PROBES, results):
        namespace, name = probe.split(":")
        expected = name in allowed_actions(compiled, namespace)
        assert (result["EvalDecision"] == "allowed") == expected, (probe, statements)
        if expected:
            assert namespace in allowed_services(compiled)
