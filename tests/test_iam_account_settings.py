"""GetAccountSummary counted from the world, account aliases, and the Organizations features
of centralized root access, through boto3."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, TRUST_ROOT

from iam_access_mock import AccessMock


def code_of(call: Any, **params: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"][
        "HTTPStatusCode"
    ]


POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)


def test_summary_counts_what_the_account_holds(iam: Any, access_mock: AccessMock) -> None:
    empty = iam.get_account_summary()["SummaryMap"]
    assert {
        k: empty[k]
        for k in (
            "Users",
            "Groups",
            "Roles",
            "Policies",
            "MFADevices",
            "MFADevicesInUse",
            "AccountMFAEnabled",
        )
    } == dict.fromkeys(
        (
            "Users",
            "Groups",
            "Roles",
            "Policies",
            "MFADevices",
            "MFADevicesInUse",
            "AccountMFAEnabled",
        ),
        0,
    )
    for name in ("a", "b"):
        iam.create_user(UserName=name)
    iam.create_group(GroupName="g")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST_ROOT)
    arn = iam.create_policy(PolicyName="p", PolicyDocument=POLICY)["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=POLICY)
    iam.create_policy(PolicyName="unused", PolicyDocument=POLICY)
    iam.attach_user_policy(UserName="a", PolicyArn=arn)
    iam.create_virtual_mfa_device(VirtualMFADeviceName="spare")
    iam.enable_mfa_device(
        UserName="a",
        SerialNumber="GAHT00000001",
        AuthenticationCode1="123456",
        AuthenticationCode2="123456",
    )
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["Users"] == 2 and summary["Groups"] == 1 and summary["Roles"] == 1
    assert summary["Policies"] == 2
    assert summary["PolicyVersionsInUse"] == 2  # both versions of the attached policy
    assert (summary["MFADevices"], summary["MFADevicesInUse"]) == (1, 1)  # one virtual, one in use
    assert summary["AccountMFAEnabled"] == 0 and summary["AccountAccessKeysPresent"] == 0
    # the quotas the mock enforces elsewhere
    assert (
        summary["AccessKeysPerUserQuota"],
        summary["GroupsPerUserQuota"],
        summary["AssumeRolePolicySizeQuota"],
    ) == (2, 10, 2048)
    assert summary["PolicySizeQuota"] == 6144 and summary["VersionsPerPolicyQuota"] == 5


def test_account_alias(iam: Any) -> None:
    assert iam.list_account_aliases()["AccountAliases"] == []
    iam.create_account_alias(AccountAlias="acme-prod")
    assert iam.list_account_aliases()["AccountAliases"] == ["acme-prod"]
    iam.create_account_alias(AccountAlias="acme-prod")  # the same again changes nothing
    assert code_of(iam.create_account_alias, AccountAlias="acme-dev") == ("LimitExceeded", 409)
    assert code_of(iam.delete_account_alias, AccountAlias="acme-dev") == ("NoSuchEntity", 404)
    iam.delete_account_alias(AccountAlias="acme-prod")
    assert iam.list_account_aliases()["AccountAliases"] == []


@pytest.mark.parametrize("alias", ["Upper", "double--dash", "-leading", "trailing-"])
def test_alias_pattern(iam: Any, alias: str) -> None:
    assert code_of(iam.create_account_alias, AccountAlias=alias)[0] == "ValidationError"


def test_an_alias_is_unique_across_accounts(iam: Any) -> None:
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization()
    member = org.create_account(Email="m@example.com", AccountName="m")["CreateAccountStatus"][
        "AccountId"
    ]
    credentials = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="admin"
    )["Credentials"]
    member_iam = boto3.client(
        "iam",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    iam.create_account_alias(AccountAlias="taken")
    assert code_of(member_iam.create_account_alias, AccountAlias="taken") == (
        "EntityAlreadyExists",
        409,
    )
    member_iam.create_account_alias(AccountAlias="member")
    assert member_iam.list_account_aliases()["AccountAliases"] == ["member"]
    # centralized root access: managed from the management account only
    assert (
        code_of(member_iam.list_organizations_features)[0]
        == "AccountNotManagementOrDelegatedAdministratorException"
    )
    assert (
        code_of(member_iam.enable_organizations_root_sessions)[0]
        == "CallerIsNotManagementAccountException"
    )


def test_organizations_features(iam: Any) -> None:
    assert code_of(iam.list_organizations_features)[0] == "OrganizationNotFoundException"
    org_id = boto3.client("organizations", region_name="us-east-1").create_organization()[
        "Organization"
    ]["Id"]
    assert iam.list_organizations_features()["EnabledFeatures"] == []
    answer = iam.enable_organizations_root_credentials_management()
    assert (answer["OrganizationId"], answer["EnabledFeatures"]) == (
        org_id,
        ["RootCredentialsManagement"],
    )
    iam.enable_organizations_root_sessions()
    assert iam.list_organizations_features()["EnabledFeatures"] == [
        "RootCredentialsManagement",
        "RootSessions",
    ]
    assert iam.disable_organizations_root_credentials_management()["EnabledFeatures"] == [
        "RootSessions"
    ]
    iam.disable_organizations_root_sessions()
    assert iam.list_organizations_features()["EnabledFeatures"] == []


def test_organizations_features_need_all_features(iam: Any) -> None:
    boto3.client("organizations", region_name="us-east-1").create_organization(
        FeatureSet="CONSOLIDATED_BILLING"
    )
    assert (
        code_of(iam.list_organizations_features)[0] == "OrganizationNotInAllFeaturesModeException"
    )


def test_summary_after_organization_of_the_root_mfa(iam: Any, access_mock: AccessMock) -> None:
    access_mock.enable_root_mfa(account_id=ACCOUNT)
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1
