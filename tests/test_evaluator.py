"""The policy evaluator: which services a report lists, which policies ListPolicies names.

Each expected value is written out by hand; cases named after a capture case reproduce a real
AWS observation (observed-aws-facts.md and radkawar/stackd testdata/aws/iam/last_access.json).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from support import document

from iam_access_mock.policy import catalogue
from iam_access_mock.policy.evaluator import (
    allowed_actions,
    allowed_services,
    allowed_tracked_actions,
    compile_policy,
    policy_grants,
)

BUCKET_A = "arn:aws:s3:::bucket-a/*"
BUCKET_B = "arn:aws:s3:::bucket-b/*"
NOBODY = {"StringEquals": {"aws:username": "nobody"}}


def allow(action: Any = None, resource: Any = "*", **more: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", **more}
    if action is not None:
        statement["Action"] = action
    if resource is not None and "NotResource" not in more:
        statement["Resource"] = resource
    return statement


def deny(action: Any = None, resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {**allow(action, resource, **more), "Effect": "Deny"}


def services(*documents: str) -> list[str]:
    return allowed_services([compile_policy(d) for d in documents])


def grants(doc: str, namespace: str) -> bool:
    return policy_grants(compile_policy(doc), namespace)


# --- the report: which services -----------------------------------------------------------------


def test_allow_all_lists_the_456_services_in_namespace_order():
    listed = services(document(allow("*")))
    assert len(listed) == 456
    assert listed[:3] == ["a2c", "a4b", "access-analyzer"]
    assert listed == list(catalogue.service_names())


def test_a_service_wildcard_lists_a_service_the_catalogue_has_no_actions_for():
    assert services(document(allow("codestar:*"))) == ["codestar"]
    assert services(document(allow("s3:*"))) == ["s3"]


def test_not_action_lists_every_other_service():
    listed = services(document(allow(NotAction="s3:*")))
    assert len(listed) == 455
    assert "s3" not in listed
    assert "sqs" in listed and "iam" in listed


def test_get_user_first():
    # The target user: inline z-direct (with Deny sqs:*), the shared managed policy, two groups.
    listed = services(
        document(
            allow(["s3:GetObject", "iam:GetUser", "iam:PassRole", "ec2:DescribeInstances"]), deny("sqs:*")
        ),
        document(allow(["sqs:SendMessage", "s3:GetObject"])),
        document(allow("lambda:ListFunctions")),
        document(allow("iam:GetUser")),
    )
    assert listed == ["ec2", "iam", "lambda", "s3"]


@pytest.mark.parametrize(
    ("case", "statements", "expected"),
    [
        ("deny_edges_exact", [allow("s3:GetObject", BUCKET_A), deny("s3:*", BUCKET_A)], []),
        ("same_exact_action_deny", [allow("s3:GetObject", BUCKET_A), deny("s3:GetObject", BUCKET_A)], []),
        ("disjoint_resource_deny", [allow("s3:GetObject", BUCKET_A), deny("s3:*", BUCKET_B)], ["s3"]),
        ("conditional_service_deny", [allow("s3:GetObject"), deny("s3:*", Condition=NOBODY)], ["s3"]),
        ("condition_missing", [allow("s3:GetObject", Condition=NOBODY)], ["s3"]),
        ("bucket_only", [allow("s3:GetObject", "arn:aws:s3:::stackd-last-access-fixture-a")], []),
        ("deny_only", [deny("s3:*")], []),
        ("allow_and_deny", [allow("s3:GetObject"), deny("s3:*")], []),
        ("unknown_action", [allow("s3:StackdUnmodeledAction")], []),
        ("unknown_service", [allow("stackdunmodeled:Read")], []),
        ("passrole_only", [allow("iam:PassRole")], ["iam"]),
        ("action_wildcard", [allow("s3:Get*")], ["s3"]),
        ("uppercase_action", [allow("S3:GETOBJECT")], ["s3"]),
    ],
)
def test_report_reproduces_the_observed_cases(case, statements, expected):
    assert services(document(*statements)) == expected


def test_a_deny_in_another_policy_removes_the_service():
    assert services(document(allow(["sqs:SendMessage", "s3:GetObject"])), document(deny("sqs:*"))) == ["s3"]


def test_no_policies_list_nothing():
    assert allowed_services([]) == []


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("iam:Get?ser", ["iam"]),  # ? is one character: GetUser
        ("iam:Get?", []),  # no iam action is Get plus one character
        ("iam:getuser", ["iam"]),
        ("IAM:GetUser", ["iam"]),
        ("iam:*User*", ["iam"]),
        # IAM rejects a wildcard service; the evaluator still matches it.
        ("s*:GetObject", ["s3", "s3-object-lambda", "s3-outposts"]),
    ],
)
def test_action_wildcards_and_case(action, expected):
    assert services(document(allow(action))) == expected


@pytest.mark.parametrize(
    ("deny_statement", "expected"),
    [
        (deny("s3:*", "arn:aws:s3:::bucket-*"), []),  # contains bucket-a/*
        (deny("s3:*", "arn:aws:s3:::*"), []),
        (deny("s3:*", "arn:aws:s3:::bucket-a/private/*"), ["s3"]),  # only part of bucket-a/*
        (deny("s3:PutObject", BUCKET_A), ["s3"]),  # another action
        (deny("s3:GetObject", NotResource=BUCKET_B), []),  # denies everything but bucket-b
        (deny("s3:GetObject", NotResource=BUCKET_A), ["s3"]),
        (deny("s3:*", Condition={}), []),  # an empty Condition is no condition
        (deny(NotAction="s3:*"), ["s3"]),
        (deny(NotAction="iam:*"), []),
    ],
)
def test_which_denies_remove_a_resource_scoped_allow(deny_statement, expected):
    assert services(document(allow("s3:GetObject", BUCKET_A), deny_statement)) == expected


def test_a_grant_on_two_resources_needs_both_denied():
    two = allow("s3:GetObject", [BUCKET_A, BUCKET_B])
    assert services(document(two, deny("s3:*", BUCKET_A))) == ["s3"]
    assert services(document(two, deny("s3:*", BUCKET_A), deny("s3:*", BUCKET_B))) == []


def test_not_resource_allow():
    not_a = allow("s3:GetObject", NotResource=BUCKET_A)
    assert services(document(not_a)) == ["s3"]
    assert services(document(not_a, deny("s3:*", BUCKET_B))) == ["s3"]
    assert services(document(not_a, deny("s3:*"))) == []
    assert services(document(allow("s3:GetObject", NotResource="*"))) == []
    # GetObject acts on bucket objects and on access-point objects (with a Region and account).
    assert services(document(allow("s3:GetObject", NotResource="arn:*:s3:::*"))) == ["s3"]
    both = ["arn:*:s3:::*", "arn:*:s3:*:*:accesspoint/*"]
    assert services(document(allow("s3:GetObject", NotResource=both))) == []


@pytest.mark.parametrize(
    ("action", "resource", "expected"),
    [
        ("s3:GetObject", "arn:aws:sqs:*", []),  # the service segment is not s3
        ("s3:GetObject", "arn:aws:s3:::*/*", ["s3"]),
        ("s3:GetObject", "arn:aws:s3:::bucket/${aws:username}/*", ["s3"]),
        ("s3:CreateBucket", "arn:aws:s3:::new-bucket", ["s3"]),
        ("s3:ListAllMyBuckets", "arn:aws:s3:::*", ["s3"]),  # no resource type: an s3 ARN is accepted
        ("ec2:DescribeInstances", "arn:aws:s3:::*", []),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:queue", ["sqs"]),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:queue:extra", ["sqs"]),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:*:queue", ["sqs"]),
        ("sqs:SendMessage", "arn:aws:sns:us-east-1:123456789012:topic", []),
        ("sts:AssumeRole", "arn:aws:iam::123456789012:role/x", ["sts"]),  # sts acts on iam roles
        ("*", "arn:aws:iam::123456789012:user/*", ["iam"]),
    ],
)
def test_allow_resource_must_fit_the_action(action, resource, expected):
    assert services(document(allow(action, resource))) == expected


def test_a_policy_variable_in_a_deny_covers_only_itself():
    own = "arn:aws:s3:::bucket/${aws:username}/*"
    assert services(document(allow("s3:GetObject", own), deny("s3:GetObject", own))) == []
    assert services(document(allow("s3:GetObject", "arn:aws:s3:::bucket/*"), deny("s3:GetObject", own))) == ["s3"]


def test_retired_services_use_their_tracked_actions():
    assert services(document(allow("codestar:CreateProject"))) == ["codestar"]
    assert services(document(allow("codestar:NoSuchAction"))) == []
    assert services(document(allow("codestar:Create*"), deny("codestar:CreateProject"))) == ["codestar"]


def test_namespaces_iam_does_not_report_are_not_listed():
    # "startups" is in the catalogue but not in IAM's service table.
    assert catalogue.in_catalogue("startups")
    assert services(document(allow("startups:*"))) == []


def test_statement_and_element_shapes():
    single = json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}})
    assert services(single) == ["sqs"]
    assert services(document({"Effect": "Allow", "Action": "sqs:*"})) == []  # no Resource grants nothing
    assert services(document(allow(["sqs:SendMessage", "sns:Publish"], ["*"]))) == ["sns", "sqs"]


# --- the report: which actions -------------------------------------------------------------------


def test_allowed_actions_expand_wildcards_to_catalogue_names():
    policies = [compile_policy(document(allow("iam:GetUser*")))]
    assert allowed_actions(policies, "iam") == {"GetUser", "GetUserPolicy"}
    assert allowed_actions(policies, "s3") == set()


def test_allowed_actions_drop_denied_actions_only():
    policies = [compile_policy(document(allow("iam:GetUser*"), deny("iam:GetUserPolicy")))]
    assert allowed_actions(policies, "iam") == {"GetUser"}
    assert allowed_services(policies) == ["iam"]


def test_allowed_actions_of_allow_all_are_the_whole_catalogue_service():
    policies = [compile_policy(document(allow("*")))]
    assert allowed_actions(policies, "sqs") == set(catalogue.actions("sqs"))
    assert allowed_actions(policies, "codestar") == set(catalogue.tracked_actions("codestar"))
    assert allowed_actions(policies, "nosuchservice") == set()


def test_allowed_actions_follow_the_action_resources():
    policies = [compile_policy(document(allow("sqs:*", "arn:aws:sqs:us-east-1:123456789012:queue")))]
    actions = allowed_actions(policies, "sqs")
    assert "SendMessage" in actions
    # ListQueues takes no resource type, so it can act only on "*" or an ARN of sqs itself.
    assert "ListQueues" in actions
    bucket = [compile_policy(document(allow("s3:*", "arn:aws:s3:::bucket")))]
    assert "CreateBucket" in allowed_actions(bucket, "s3")
    assert "GetObject" not in allowed_actions(bucket, "s3")  # objects are arn:aws:s3:::bucket/key


def test_passrole_is_allowed_but_not_tracked():
    granted = allowed_actions([compile_policy(document(allow("iam:PassRole")))], "iam")
    assert granted == {"PassRole"}
    assert not granted & set(catalogue.tracked_actions("iam"))


def test_allowed_tracked_actions_get_user_action_first():
    # z-direct grants iam:GetUser and iam:PassRole (untracked), s3:GetObject (untracked).
    policies = [compile_policy(document(allow(["s3:GetObject", "iam:GetUser", "iam:PassRole"])))]
    assert allowed_tracked_actions(policies, "iam") == ("GetUser",)
    assert allowed_tracked_actions(policies, "s3") == ()
    assert allowed_tracked_actions(policies, "sqs") == ()


def test_allowed_tracked_actions_get_role_first_are_alphabetical():
    role_inline = document(
        allow(
            [
                "iam:ListPoliciesGrantingServiceAccess",
                "iam:GetServiceLastAccessedDetailsWithEntities",
                "iam:GetServiceLastAccessedDetails",
                "iam:GenerateServiceLastAccessedDetails",
            ]
        )
    )
    assert allowed_tracked_actions([compile_policy(role_inline)], "iam") == (
        "GenerateServiceLastAccessedDetails",
        "GetServiceLastAccessedDetails",
        "GetServiceLastAccessedDetailsWithEntities",
        "ListPoliciesGrantingServiceAccess",
    )


def test_allowed_tracked_actions_of_allow_all_are_all_tracked_actions():
    policies = [compile_policy(document(allow("*")))]
    assert allowed_tracked_actions(policies, "iam") == catalogue.tracked_actions("iam")
    assert allowed_tracked_actions(policies, "codestar")[:2] == ("associateteammember", "createproject")


# --- ListPoliciesGrantingServiceAccess ------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "statements", "expected"),
    [
        ("selection_allow", [allow("s3:GetObject")], {"s3": True, "sqs": False, "iam": False}),
        ("selection_deny_only", [deny("s3:*")], {"s3": False, "sqs": False, "iam": False}),
        ("selection_allow_and_deny", [allow("s3:GetObject"), deny("s3:*")], {"s3": False}),
        ("selection_condition_missing", [allow("s3:GetObject", Condition=NOBODY)], {"s3": True}),
        ("selection_impossible_resource", [allow("s3:GetObject", "arn:aws:iam::123456789012:user/nobody")], {"s3": False}),
        ("selection_unknown_action", [allow("s3:StackdUnmodeledAction")], {"s3": True, "sqs": False}),
        ("selection_unknown_service", [allow("stackdunmodeled:Read")], {"s3": False, "sqs": False, "iam": False}),
        ("selection_action_wildcard", [allow("s3:Get*")], {"s3": True, "sqs": False}),
        ("selection_uppercase_action", [allow("S3:GETOBJECT")], {"s3": True}),
        ("selection_not_action", [allow(NotAction="s3:*")], {"s3": False, "sqs": True, "iam": True}),
        ("selection_not_resource", [allow("s3:GetObject", NotResource="*")], {"s3": False}),
        ("selection_passrole_only", [allow("iam:PassRole")], {"s3": False, "iam": True}),
        ("resource_selection_conditional_deny", [allow("s3:GetObject"), deny("s3:*", Condition=NOBODY)], {"s3": True}),
        ("resource_selection_bucket_resource", [allow("s3:GetObject", "arn:aws:s3:::stackd-last-access-fixture-a")], {"s3": True}),
        ("resource_selection_deny_disjoint", [allow("s3:GetObject", BUCKET_A), deny("s3:*", BUCKET_B)], {"s3": True}),
        ("resource_selection_deny_same", [allow("s3:GetObject", BUCKET_A), deny("s3:*", BUCKET_A)], {"s3": True}),
        ("resource_selection_deny_partial", [allow("s3:*"), deny("s3:*", BUCKET_A)], {"s3": True}),
        (
            "resource_selection_allow_notresource_same",
            [allow("s3:GetObject", BUCKET_A), allow("s3:GetObject", NotResource=BUCKET_A)],
            {"s3": True},
        ),
        (
            "resource_selection_deny_notresource_same",
            [allow("s3:GetObject", BUCKET_A), deny("s3:GetObject", NotResource=BUCKET_A)],
            {"s3": True},
        ),
        (
            "resource_selection_deny_notresource_disjoint",
            [allow("s3:GetObject", BUCKET_A), deny("s3:GetObject", NotResource=BUCKET_B)],
            {"s3": True},
        ),
        ("deny_edges_resource_exact", [allow("s3:GetObject", BUCKET_A), deny("s3:*", BUCKET_A)], {"s3": True}),
        ("deny_edges_resource_namespace", [allow("s3:GetObject", BUCKET_A), deny("s3:*", "arn:aws:s3:::*")], {"s3": True}),
        ("deny_edges_resource_all", [allow("s3:GetObject", BUCKET_A), deny("s3:GetObject", "*")], {"s3": True}),
        (
            "deny_edges_conditional_deny_ifexists",
            [allow("s3:GetObject"), deny("s3:*", Condition={"StringEqualsIfExists": {"aws:username": "nobody"}})],
            {"s3": True},
        ),
        (
            "deny_edges_conditional_deny_null",
            [allow("s3:GetObject"), deny("s3:*", Condition={"Null": {"aws:username": "true"}})],
            {"s3": True},
        ),
        ("deny_edges_conditional_allow_and_deny", [allow("s3:GetObject", Condition=NOBODY), deny("s3:*")], {"s3": False}),
    ],
)
def test_list_policies_reproduces_the_observed_cases(case, statements, expected):
    doc = document(*statements)
    assert {namespace: grants(doc, namespace) for namespace in expected} == expected


def test_list_policies_judges_each_policy_on_its_own():
    # selection_cross_policy_deny: the Deny in "separate-deny" leaves "selection" listed.
    assert grants(document(allow("s3:GetObject")), "s3")
    assert not grants(document(deny("s3:*")), "s3")


@pytest.mark.parametrize(
    ("deny_statement", "namespace", "expected"),
    [
        (deny("*"), "s3", False),
        (deny(NotAction="iam:*"), "s3", False),  # covers all of s3
        (deny(NotAction="iam:*"), "iam", True),
        (deny("s3:*", NotResource="arn:aws:s3:::x"), "s3", True),
    ],
)
def test_list_policies_whole_service_denies(deny_statement, namespace, expected):
    assert grants(document(allow("*"), deny_statement), namespace) is expected


def test_list_policies_for_a_service_the_catalogue_lacks():
    assert grants(document(allow("codestar:CreateProject")), "codestar")
    assert grants(document(allow("codestar:*", "arn:aws:codestar:us-east-1:123456789012:project/p")), "codestar")
    assert not grants(document(allow("codestar:*", "arn:aws:s3:::bucket")), "codestar")


# --- compiling ------------------------------------------------------------------------------------


def test_compile_is_cached_per_document_text():
    text = document(allow("s3:GetObject"))
    assert compile_policy(text) is compile_policy(text)
    parsed = json.loads(text)
    assert compile_policy(parsed) is compile_policy(dict(reversed(list(parsed.items()))))


def test_report_results_do_not_depend_on_policy_order_or_repeats():
    a = compile_policy(document(allow("sqs:*")))
    b = compile_policy(document(deny("sqs:SendMessage"), allow("sns:Publish")))
    assert allowed_services([a, b]) == allowed_services([b, a, b]) == ["sns", "sqs"]
    assert allowed_actions([a, b], "sqs") == set(catalogue.actions("sqs")) - {"SendMessage"}


def test_version_2008_takes_policy_variables_literally():
    literal = json.dumps(
        {
            "Version": "2008-10-17",
            "Statement": [allow("sqs:SendMessage", "arn:aws:${aws:username}:us-east-1:123456789012:q")],
        }
    )
    assert services(literal) == []
    variable = json.loads(literal)
    variable["Version"] = "2012-10-17"
    assert services(json.dumps(variable)) == ["sqs"]
