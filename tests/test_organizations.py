"""The Organizations backend through boto3: the organization, OUs, accounts, SCPs, the
errors AWS documents, pagination, and member accounts reachable with STS."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, NOW

from iam_access_mock import AccessMock

DENY_S3 = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
)
SCP = "SERVICE_CONTROL_POLICY"


@pytest.fixture
def org(access_mock: AccessMock) -> Any:
    access_mock.clock.set(NOW)
    return boto3.client("organizations", region_name="us-east-1")


def error_of(call: Any, **params: Any) -> tuple[str, str, Any]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    response = caught.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response.get("Reason")


def member_session(account_id: str, role: str = "OrganizationAccountAccessRole") -> boto3.Session:
    sts = boto3.client("sts", region_name="us-east-1")
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{role}", RoleSessionName="admin"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )


def new_account(org: Any, name: str) -> str:
    status = org.create_account(Email=f"{name}@example.com", AccountName=name)[
        "CreateAccountStatus"
    ]
    assert status["State"] == "SUCCEEDED"
    return status["AccountId"]


# ---- the organization and its root -------------------------------------------------------


def test_create_organization_makes_the_caller_the_management_account(org: Any) -> None:
    created = org.create_organization()["Organization"]
    assert re.fullmatch(r"o-[a-z0-9]{10}", created["Id"])
    assert created["FeatureSet"] == "ALL"
    assert created["MasterAccountId"] == ACCOUNT
    assert created["Arn"] == f"arn:aws:organizations::{ACCOUNT}:organization/{created['Id']}"
    assert (
        created["MasterAccountArn"]
        == f"arn:aws:organizations::{ACCOUNT}:account/{created['Id']}/{ACCOUNT}"
    )
    assert org.describe_organization()["Organization"] == created
    (root,) = org.list_roots()["Roots"]
    assert re.fullmatch(r"r-[a-z0-9]{4}", root["Id"])
    assert root["Name"] == "Root"
    assert root["Arn"] == f"arn:aws:organizations::{ACCOUNT}:root/{created['Id']}/{root['Id']}"
    # "service control policies are enabled in the root" with FeatureSet ALL
    assert root["PolicyTypes"] == [{"Type": SCP, "Status": "ENABLED"}]
    (management,) = org.list_accounts()["Accounts"]
    assert management["Id"] == ACCOUNT
    assert management["JoinedMethod"] == "INVITED"
    assert management["Status"] == "ACTIVE"


def test_full_aws_access_is_attached_to_the_root_and_every_account_and_ou(org: Any) -> None:
    org.create_organization()
    root_id = org.list_roots()["Roots"][0]["Id"]
    ou_id = org.create_organizational_unit(ParentId=root_id, Name="Prod")["OrganizationalUnit"][
        "Id"
    ]
    account_id = new_account(org, "dev")
    for target in (root_id, ou_id, account_id, ACCOUNT):
        policies = org.list_policies_for_target(TargetId=target, Filter=SCP)["Policies"]
        assert [p["Id"] for p in policies] == ["p-FullAWSAccess"]
    policy = org.describe_policy(PolicyId="p-FullAWSAccess")["Policy"]
    assert policy["PolicySummary"]["AwsManaged"] is True
    assert (
        policy["PolicySummary"]["Arn"]
        == "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
    )
    assert json.loads(policy["Content"])["Statement"] == [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}
    ]
    targets = {
        t["TargetId"]: t["Type"]
        for t in org.list_targets_for_policy(PolicyId="p-FullAWSAccess")["Targets"]
    }
    assert targets == {
        root_id: "ROOT",
        ou_id: "ORGANIZATIONAL_UNIT",
        account_id: "ACCOUNT",
        ACCOUNT: "ACCOUNT",
    }


def test_consolidated_billing_has_no_policy_types_until_none_can_be_enabled(org: Any) -> None:
    org.create_organization(FeatureSet="CONSOLIDATED_BILLING")
    (root,) = org.list_roots()["Roots"]
    assert root["PolicyTypes"] == []
    assert org.describe_organization()["Organization"]["AvailablePolicyTypes"] == []
    code, _, _ = error_of(org.enable_policy_type, RootId=root["Id"], PolicyType=SCP)
    assert code == "PolicyTypeNotAvailableForOrganizationException"


def test_disable_then_enable_scps(org: Any) -> None:
    org.create_organization()
    root_id = org.list_roots()["Roots"][0]["Id"]
    policy_id = org.create_policy(Content=DENY_S3, Description="", Name="DenyS3", Type=SCP)[
        "Policy"
    ]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=policy_id, TargetId=root_id)
    assert org.disable_policy_type(RootId=root_id, PolicyType=SCP)["Root"]["PolicyTypes"] == []
    # disabling detaches every SCP
    assert org.list_policies_for_target(TargetId=root_id, Filter=SCP)["Policies"] == []
    assert (
        error_of(org.attach_policy, PolicyId=policy_id, TargetId=root_id)[0]
        == "PolicyTypeNotEnabledException"
    )
    assert (
        error_of(org.disable_policy_type, RootId=root_id, PolicyType=SCP)[0]
        == "PolicyTypeNotEnabledException"
    )
    org.enable_policy_type(RootId=root_id, PolicyType=SCP)
    assert [
        p["Id"] for p in org.list_policies_for_target(TargetId=root_id, Filter=SCP)["Policies"]
    ] == ["p-FullAWSAccess"]
    assert (
        error_of(org.enable_policy_type, RootId=root_id, PolicyType=SCP)[0]
        == "PolicyTypeAlreadyEnabledException"
    )
    assert (
        error_of(org.enable_policy_type, RootId="r-zzzz", PolicyType=SCP)[0]
        == "RootNotFoundException"
    )


def test_without_an_organization_every_call_but_create_is_not_in_use(org: Any) -> None:
    code, message, _ = error_of(org.describe_organization)
    assert (code, message) == (
        "AWSOrganizationsNotInUseException",
        "Your account is not a member of an organization.",
    )
    assert error_of(org.list_accounts)[0] == "AWSOrganizationsNotInUseException"
    org.create_organization()
    assert error_of(org.create_organization)[0] == "AlreadyInOrganizationException"


def test_delete_organization_needs_it_empty_of_member_accounts(org: Any) -> None:
    org.create_organization()
    new_account(org, "dev")
    assert error_of(org.delete_organization)[0] == "OrganizationNotEmptyException"


def test_delete_an_empty_organization(org: Any) -> None:
    org.create_organization()
    org.delete_organization()
    assert error_of(org.describe_organization)[0] == "AWSOrganizationsNotInUseException"
    assert org.create_organization()["Organization"]["MasterAccountId"] == ACCOUNT


# ---- organizational units -----------------------------------------------------------------


def test_ou_tree_children_and_parents(org: Any) -> None:
    org.create_organization()
    root_id = org.list_roots()["Roots"][0]["Id"]
    prod = org.create_organizational_unit(ParentId=root_id, Name="Prod")["OrganizationalUnit"]
    web = org.create_organizational_unit(ParentId=prod["Id"], Name="Web")["OrganizationalUnit"]
    assert re.fullmatch(rf"ou-{root_id[2:]}-[a-z0-9]{{8}}", prod["Id"])
    org_id = org.describe_organization()["Organization"]["Id"]
    assert prod["Arn"] == f"arn:aws:organizations::{ACCOUNT}:ou/{org_id}/{prod['Id']}"
    account_id = new_account(org, "web")
    org.move_account(AccountId=account_id, SourceParentId=root_id, DestinationParentId=web["Id"])
    children = org.list_children(ParentId=root_id, ChildType="ORGANIZATIONAL_UNIT")["Children"]
    assert children == [{"Id": prod["Id"], "Type": "ORGANIZATIONAL_UNIT"}]
    assert org.list_children(ParentId=root_id, ChildType="ACCOUNT")["Children"] == [
        {"Id": ACCOUNT, "Type": "ACCOUNT"}
    ]
    assert org.list_children(ParentId=web["Id"], ChildType="ACCOUNT")["Children"] == [
        {"Id": account_id, "Type": "ACCOUNT"}
    ]
    assert org.list_parents(ChildId=account_id)["Parents"] == [
        {"Id": web["Id"], "Type": "ORGANIZATIONAL_UNIT"}
    ]
    assert org.list_parents(ChildId=prod["Id"])["Parents"] == [{"Id": root_id, "Type": "ROOT"}]
    assert [a["Id"] for a in org.list_accounts_for_parent(ParentId=web["Id"])["Accounts"]] == [
        account_id
    ]
    units = org.list_organizational_units_for_parent(ParentId=prod["Id"])["OrganizationalUnits"]
    assert [u["Name"] for u in units] == ["Web"]
    assert error_of(org.list_parents, ChildId="111111111111")[0] == "ChildNotFoundException"


def test_ou_names_rename_and_delete(org: Any) -> None:
    org.create_organization()
    root_id = org.list_roots()["Roots"][0]["Id"]
    prod = org.create_organizational_unit(ParentId=root_id, Name="Prod")["OrganizationalUnit"]
    assert (
        error_of(org.create_organizational_unit, ParentId=root_id, Name="Prod")[0]
        == "DuplicateOrganizationalUnitException"
    )
    renamed = org.update_organizational_unit(OrganizationalUnitId=prod["Id"], Name="Production")[
        "OrganizationalUnit"
    ]
    assert renamed["Name"] == "Production"
    assert (
        org.describe_organizational_unit(OrganizationalUnitId=prod["Id"])["OrganizationalUnit"][
            "Name"
        ]
        == "Production"
    )
    child = org.create_organizational_unit(ParentId=prod["Id"], Name="Child")["OrganizationalUnit"]
    assert (
        error_of(org.delete_organizational_unit, OrganizationalUnitId=prod["Id"])[0]
        == "OrganizationalUnitNotEmptyException"
    )
    org.delete_organizational_unit(OrganizationalUnitId=child["Id"])
    org.delete_organizational_unit(OrganizationalUnitId=prod["Id"])
    code = error_of(org.describe_organizational_unit, OrganizationalUnitId=prod["Id"])[0]
    assert code == "OrganizationalUnitNotFoundException"
    assert (
        error_of(org.create_organizational_unit, ParentId="ou-abcd-12345678", Name="x")[0]
        == "ParentNotFoundException"
    )


def test_ous_nest_five_levels_deep_and_no_more(org: Any) -> None:
    org.create_organization()
    parent = org.list_roots()["Roots"][0]["Id"]
    for level in range(5):
        parent = org.create_organizational_unit(ParentId=parent, Name=f"L{level}")[
            "OrganizationalUnit"
        ]["Id"]
    code, _, reason = error_of(org.create_organizational_unit, ParentId=parent, Name="L5")
    assert (code, reason) == ("ConstraintViolationException", "OU_DEPTH_LIMIT_EXCEEDED")


# ---- accounts ------------------------------------------------------------------------------


def test_create_account_gives_a_member_account_with_its_access_role(org: Any) -> None:
    org.create_organization()
    status = org.create_account(Email="dev@example.com", AccountName="dev")["CreateAccountStatus"]
    assert re.fullmatch(r"car-[a-z0-9]{32}", status["Id"])
    assert status["State"] == "SUCCEEDED"
    account_id = status["AccountId"]
    assert re.fullmatch(r"\d{12}", account_id) and account_id != ACCOUNT
    assert (
        org.describe_create_account_status(CreateAccountRequestId=status["Id"])[
            "CreateAccountStatus"
        ]
        == status
    )
    account = org.describe_account(AccountId=account_id)["Account"]
    assert (account["Name"], account["Email"], account["JoinedMethod"]) == (
        "dev",
        "dev@example.com",
        "CREATED",
    )
    # The management account reaches it through OrganizationAccountAccessRole.
    iam = member_session(account_id).client("iam")
    role = iam.get_role(RoleName="OrganizationAccountAccessRole")["Role"]
    assert role["Arn"] == f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
        }
    ]
    assert iam.list_role_policies(RoleName="OrganizationAccountAccessRole")["PolicyNames"] == [
        "AdministratorAccess"
    ]
    # What that session builds belongs to the member account, not to the management one.
    iam.create_user(UserName="bob")
    assert iam.get_user(UserName="bob")["User"]["Arn"] == f"arn:aws:iam::{account_id}:user/bob"
    assert "bob" not in [u["UserName"] for u in boto3.client("iam").list_users()["Users"]]
    identity = member_session(account_id).client("sts").get_caller_identity()
    assert identity["Account"] == account_id
    # A member account may describe its organization but not manage it.
    member_org = member_session(account_id).client("organizations")
    assert member_org.describe_organization()["Organization"]["MasterAccountId"] == ACCOUNT
    assert error_of(member_org.list_accounts)[0] == "AccessDeniedException"


def test_create_account_with_another_role_name(org: Any) -> None:
    org.create_organization()
    status = org.create_account(Email="a@example.com", AccountName="a", RoleName="Admin")[
        "CreateAccountStatus"
    ]
    iam = member_session(status["AccountId"], role="Admin").client("iam")
    assert iam.get_role(RoleName="Admin")["Role"]["RoleName"] == "Admin"


def test_create_account_is_a_job_under_the_job_controls(org: Any, access_mock: AccessMock) -> None:
    org.create_organization()
    access_mock.jobs.complete_after(polls=2)
    status = org.create_account(Email="slow@example.com", AccountName="slow")["CreateAccountStatus"]
    assert status["State"] == "IN_PROGRESS" and "AccountId" not in status
    request = {"CreateAccountRequestId": status["Id"]}
    assert (
        org.describe_create_account_status(**request)["CreateAccountStatus"]["State"]
        == "IN_PROGRESS"
    )
    assert [a["Id"] for a in org.list_accounts()["Accounts"]] == [ACCOUNT]
    assert (
        org.describe_create_account_status(**request)["CreateAccountStatus"]["State"]
        == "IN_PROGRESS"
    )
    done = org.describe_create_account_status(**request)["CreateAccountStatus"]
    assert done["State"] == "SUCCEEDED"
    assert [a["Id"] for a in org.list_accounts()["Accounts"]] == [ACCOUNT, done["AccountId"]]


def test_create_account_by_duration_on_the_mock_clock(org: Any, access_mock: AccessMock) -> None:
    org.create_organization()
    access_mock.jobs.complete_after(duration=timedelta(minutes=5))
    status = org.create_account(Email="later@example.com", AccountName="later")[
        "CreateAccountStatus"
    ]
    assert status["State"] == "IN_PROGRESS"
    access_mock.clock.advance(timedelta(minutes=5))
    # Any later call sees the account: the time has come, no read is needed.
    assert len(org.list_accounts()["Accounts"]) == 2
    done = org.describe_create_account_status(CreateAccountRequestId=status["Id"])[
        "CreateAccountStatus"
    ]
    assert done["CompletedTimestamp"] == NOW + timedelta(minutes=5)


def test_an_email_in_use_fails_the_creation(org: Any) -> None:
    org.create_organization()
    new_account(org, "dev")
    status = org.create_account(Email="DEV@example.com", AccountName="again")["CreateAccountStatus"]
    assert (status["State"], status["FailureReason"]) == ("FAILED", "EMAIL_ALREADY_EXISTS")
    assert "AccountId" not in status
    assert len(org.list_accounts()["Accounts"]) == 2
    failed = org.list_create_account_status(States=["FAILED"])["CreateAccountStatuses"]
    assert [s["Id"] for s in failed] == [status["Id"]]


def test_fail_next_fails_a_creation_with_its_reason(org: Any, access_mock: AccessMock) -> None:
    org.create_organization()
    access_mock.jobs.fail_next("INVALID_EMAIL")
    status = org.create_account(Email="x@example.com", AccountName="x")["CreateAccountStatus"]
    assert (status["State"], status["FailureReason"]) == ("FAILED", "INVALID_EMAIL")
    # The email was not used: it may be tried again.
    assert (
        org.create_account(Email="x@example.com", AccountName="x")["CreateAccountStatus"]["State"]
        == "SUCCEEDED"
    )


def test_unknown_create_account_request(org: Any) -> None:
    org.create_organization()
    code = error_of(
        org.describe_create_account_status, CreateAccountRequestId="car-0123456789abcdef"
    )[0]
    assert code == "CreateAccountStatusNotFoundException"


def test_move_account_errors(org: Any) -> None:
    org.create_organization()
    root_id = org.list_roots()["Roots"][0]["Id"]
    ou_id = org.create_organizational_unit(ParentId=root_id, Name="Prod")["OrganizationalUnit"][
        "Id"
    ]
    account_id = new_account(org, "dev")
    move = org.move_account
    assert (
        error_of(move, AccountId="111111111111", SourceParentId=root_id, DestinationParentId=ou_id)[
            0
        ]
        == "AccountNotFoundException"
    )
    assert (
        error_of(
            move, AccountId=account_id, SourceParentId="ou-abcd-zzzzzzzz", DestinationParentId=ou_id
        )[0]
        == "SourceParentNotFoundException"
    )
    assert (
        error_of(
            move,
            AccountId=account_id,
            SourceParentId=root_id,
            DestinationParentId="ou-abcd-zzzzzzzz",
        )[0]
        == "DestinationParentNotFoundException"
    )
    assert (
        error_of(move, AccountId=account_id, SourceParentId=ou_id, DestinationParentId=root_id)[0]
        == "AccountNotFoundException"
    )
    assert (
        error_of(move, AccountId=account_id, SourceParentId=root_id, DestinationParentId=root_id)[0]
        == "DuplicateAccountException"
    )
    assert error_of(org.describe_account, AccountId="111111111111")[0] == "AccountNotFoundException"


# ---- policies ------------------------------------------------------------------------------


def test_policy_lifecycle_and_attachments(org: Any) -> None:
    org.create_organization()
    root_id = org.list_roots()["Roots"][0]["Id"]
    ou_id = org.create_organizational_unit(ParentId=root_id, Name="Prod")["OrganizationalUnit"][
        "Id"
    ]
    created = org.create_policy(Content=DENY_S3, Description="no s3", Name="DenyS3", Type=SCP)[
        "Policy"
    ]
    summary = created["PolicySummary"]
    org_id = org.describe_organization()["Organization"]["Id"]
    assert re.fullmatch(r"p-[a-z0-9]{8}", summary["Id"])
    assert (
        summary["Arn"]
        == f"arn:aws:organizations::{ACCOUNT}:policy/{org_id}/service_control_policy/{summary['Id']}"
    )
    assert (summary["Name"], summary["Description"], summary["AwsManaged"]) == (
        "DenyS3",
        "no s3",
        False,
    )
    assert created["Content"] == DENY_S3
    listed = org.list_policies(Filter=SCP)["Policies"]
    assert [p["Name"] for p in listed] == ["FullAWSAccess", "DenyS3"]
    assert (
        error_of(org.create_policy, Content=DENY_S3, Description="", Name="DenyS3", Type=SCP)[0]
        == "DuplicatePolicyException"
    )
    org.attach_policy(PolicyId=summary["Id"], TargetId=ou_id)
    assert (
        error_of(org.attach_policy, PolicyId=summary["Id"], TargetId=ou_id)[0]
        == "DuplicatePolicyAttachmentException"
    )
    assert [
        t["TargetId"] for t in org.list_targets_for_policy(PolicyId=summary["Id"])["Targets"]
    ] == [ou_id]
    assert error_of(org.delete_policy, PolicyId=summary["Id"])[0] == "PolicyInUseException"
    updated = org.update_policy(PolicyId=summary["Id"], Name="NoS3")["Policy"]
    assert updated["PolicySummary"]["Name"] == "NoS3" and updated["Content"] == DENY_S3
    org.detach_policy(PolicyId=summary["Id"], TargetId=ou_id)
    assert (
        error_of(org.detach_policy, PolicyId=summary["Id"], TargetId=ou_id)[0]
        == "PolicyNotAttachedException"
    )
    org.delete_policy(PolicyId=summary["Id"])
    assert error_of(org.describe_policy, PolicyId=summary["Id"])[0] == "PolicyNotFoundException"


def test_the_last_scp_of_a_target_cannot_be_detached(org: Any) -> None:
    org.create_organization()
    root_id = org.list_roots()["Roots"][0]["Id"]
    code, _, reason = error_of(org.detach_policy, PolicyId="p-FullAWSAccess", TargetId=root_id)
    assert (code, reason) == (
        "ConstraintViolationException",
        "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
    )


def test_at_most_five_scps_on_a_target(org: Any) -> None:
    org.create_organization()
    root_id = org.list_roots()["Roots"][0]["Id"]
    for index in range(4):  # with FullAWSAccess, five
        policy_id = org.create_policy(Content=DENY_S3, Description="", Name=f"P{index}", Type=SCP)[
            "Policy"
        ]["PolicySummary"]["Id"]
        org.attach_policy(PolicyId=policy_id, TargetId=root_id)
    sixth = org.create_policy(Content=DENY_S3, Description="", Name="P5", Type=SCP)["Policy"][
        "PolicySummary"
    ]["Id"]
    code, _, reason = error_of(org.attach_policy, PolicyId=sixth, TargetId=root_id)
    assert (code, reason) == (
        "ConstraintViolationException",
        "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
    )


def test_full_aws_access_is_immutable(org: Any) -> None:
    org.create_organization()
    code, _, reason = error_of(org.update_policy, PolicyId="p-FullAWSAccess", Name="x")
    assert (code, reason) == ("InvalidInputException", "IMMUTABLE_POLICY")
    assert error_of(org.delete_policy, PolicyId="p-FullAWSAccess")[2] == "IMMUTABLE_POLICY"


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
                ],
            }
        ),
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}],
            }
        ),
    ],
)
def test_a_malformed_scp_is_refused(org: Any, content: str) -> None:
    org.create_organization()
    code = error_of(org.create_policy, Content=content, Description="", Name="bad", Type=SCP)[0]
    assert code == "MalformedPolicyDocumentException"
    assert [p["Name"] for p in org.list_policies(Filter=SCP)["Policies"]] == ["FullAWSAccess"]


def test_an_scp_over_5120_characters_is_refused(org: Any) -> None:
    org.create_organization()
    actions = [f"s3:Get{'x' * 20}{index}" for index in range(250)]
    content = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": actions, "Resource": "*"}],
        }
    )
    assert len(content) > 5120
    code, _, reason = error_of(
        org.create_policy, Content=content, Description="", Name="big", Type=SCP
    )
    assert (code, reason) == ("ConstraintViolationException", "POLICY_CONTENT_LIMIT_EXCEEDED")


# ---- input checks and pagination ------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "params", "reason"),
    [
        ("describe_organizational_unit", {"OrganizationalUnitId": "ou-BAD"}, "INVALID_PATTERN"),
        ("describe_account", {"AccountId": "12345"}, "INVALID_PATTERN"),
        ("list_accounts", {"MaxResults": 21}, "MAX_VALUE_EXCEEDED"),
        (
            "attach_policy",
            {"PolicyId": "p-FullAWSAccess", "TargetId": "nope"},
            "INVALID_PATTERN_TARGET_ID",
        ),
        ("list_policies", {"Filter": "NO_SUCH_POLICY"}, "INVALID_ENUM_POLICY_TYPE"),
    ],
)
def test_model_constraints_are_invalid_input_with_their_reason(
    org: Any, operation: str, params: dict[str, Any], reason: str
) -> None:
    org.create_organization()
    code, message, found_reason = error_of(getattr(org, operation), **params)
    assert (code, found_reason) == ("InvalidInputException", reason)
    assert "validation error detected" in message


def test_list_accounts_pages_through_the_paginator(org: Any) -> None:
    org.create_organization()
    created = [new_account(org, f"a{index}") for index in range(5)]
    pages = list(org.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(page["Accounts"]) for page in pages] == [2, 2, 2]
    assert [a["Id"] for page in pages for a in page["Accounts"]] == [ACCOUNT, *created]


def test_a_next_token_that_is_not_one(org: Any) -> None:
    org.create_organization()
    new_account(org, "a")
    code, _, reason = error_of(org.list_accounts, NextToken="garbage")
    assert (code, reason) == ("InvalidInputException", "INVALID_NEXT_TOKEN")
    token = org.list_accounts(MaxResults=1)["NextToken"]
    root_id = org.list_roots()["Roots"][0]["Id"]
    # a token of another listing
    assert (
        error_of(org.list_accounts_for_parent, ParentId=root_id, NextToken=token)[2]
        == "INVALID_NEXT_TOKEN"
    )


def test_an_organization_with_an_account_being_created_is_not_empty(org: Any, access_mock: AccessMock) -> None:
    org.create_organization()
    access_mock.jobs.complete_after(polls=1)
    org.create_account(Email="late@example.com", AccountName="late")
    assert error_of(org.delete_organization)[0] == "OrganizationNotEmptyException"


def test_a_failed_creation_frees_its_email_whatever_the_reason(org: Any, access_mock: AccessMock) -> None:
    org.create_organization()
    access_mock.jobs.fail_next("EMAIL_ALREADY_EXISTS")
    first = org.create_account(Email="fresh@example.com", AccountName="x")["CreateAccountStatus"]
    assert (first["State"], first["FailureReason"]) == ("FAILED", "EMAIL_ALREADY_EXISTS")
    assert org.create_account(Email="fresh@example.com", AccountName="x")["CreateAccountStatus"]["State"] == "SUCCEEDED"


def test_attachment_pages_skip_nothing_when_one_is_detached(org: Any) -> None:
    org.create_organization()
    root_id = org.list_roots()["Roots"][0]["Id"]
    ids = [
        org.create_policy(Content=DENY_S3, Description="", Name=f"P{index}", Type=SCP)["Policy"]["PolicySummary"]["Id"]
        for index in range(3)
    ]
    for policy_id in ids:
        org.attach_policy(PolicyId=policy_id, TargetId=root_id)
    first = org.list_policies_for_target(TargetId=root_id, Filter=SCP, MaxResults=2)
    assert [p["Id"] for p in first["Policies"]] == ["p-FullAWSAccess", ids[0]]
    org.detach_policy(PolicyId="p-FullAWSAccess", TargetId=root_id)
    second = org.list_policies_for_target(TargetId=root_id, Filter=SCP, MaxResults=2, NextToken=first["NextToken"])
    assert [p["Id"] for p in second["Policies"]] == ids[1:]


def test_accounts_leave_and_the_organization_can_then_be_deleted(org: Any) -> None:
    org.create_organization()
    stays, leaves = new_account(org, "stays"), new_account(org, "leaves")
    org.remove_account_from_organization(AccountId=stays)
    assert [a["Id"] for a in org.list_accounts()["Accounts"]] == [ACCOUNT, leaves]
    member = member_session(leaves).client("organizations")
    member.leave_organization()
    assert error_of(member.describe_organization)[0] == "AWSOrganizationsNotInUseException"
    # the account's IAM stays: the management account still reaches it
    assert member_session(stays).client("sts").get_caller_identity()["Account"] == stays
    code, _, reason = error_of(org.remove_account_from_organization, AccountId=ACCOUNT)
    assert (code, reason) == ("ConstraintViolationException", "ACCOUNT_CANNOT_LEAVE_ORGANIZATION")
    assert error_of(org.leave_organization)[2] == "ACCOUNT_CANNOT_LEAVE_ORGANIZATION"
    org.delete_organization()
