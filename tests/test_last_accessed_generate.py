"""GenerateServiceLastAccessedDetails through boto3: targets, ARN handling and its errors.

Facts come from /work/shared/data/observed-aws-facts.md ("Job lifecycle and field presence",
"ARN handling"); each test names the capture case it reproduces.
"""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, ROOT, TRUST_EC2, allow, error_and_status, services_of

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# ---- the response -------------------------------------------------------------------------


def test_generate_returns_only_a_uuid_job_id(iam: Any) -> None:
    # Case: every Generate in the capture ("Generate returns only {JobId}", a 36-char UUID).
    iam.create_user(UserName="alice")
    response = iam.generate_service_last_accessed_details(Arn=f"arn:aws:iam::{ACCOUNT}:user/alice")
    del response["ResponseMetadata"]
    assert list(response) == ["JobId"]
    assert len(response["JobId"]) == 36
    assert UUID.fullmatch(response["JobId"])


def test_each_generate_gives_a_new_job_id(iam: Any) -> None:
    iam.create_user(UserName="alice")
    arn = f"arn:aws:iam::{ACCOUNT}:user/alice"
    first = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    second = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    assert first != second


def test_granularity_defaults_to_service_level(iam: Any) -> None:
    iam.create_user(UserName="alice")
    job_id = iam.generate_service_last_accessed_details(Arn=f"arn:aws:iam::{ACCOUNT}:user/alice")[
        "JobId"
    ]
    assert iam.get_service_last_accessed_details(JobId=job_id)["JobType"] == "SERVICE_LEVEL"


def test_action_level_granularity_gives_an_action_level_job(iam: Any) -> None:
    iam.create_user(UserName="alice")
    job_id = iam.generate_service_last_accessed_details(
        Arn=f"arn:aws:iam::{ACCOUNT}:user/alice", Granularity="ACTION_LEVEL"
    )["JobId"]
    assert iam.get_service_last_accessed_details(JobId=job_id)["JobType"] == "ACTION_LEVEL"


@pytest.mark.parametrize("granularity", ["", "service_level", "INVALID"])
def test_granularity_outside_the_enum_is_a_validation_error(raw_iam: Any, granularity: str) -> None:
    # Case: raw Generate with Granularity "" / lower case / unknown (signed query).
    raw_iam.create_user(UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        raw_iam.generate_service_last_accessed_details(
            Arn=f"arn:aws:iam::{ACCOUNT}:user/alice", Granularity=granularity
        )
    assert error_and_status(excinfo) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'granularity' failed to satisfy constraint: "
            "Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]"
        ),
        400,
    )


def test_arn_shorter_than_20_is_a_validation_error(raw_iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        raw_iam.generate_service_last_accessed_details(Arn="bad")
    assert error_and_status(excinfo) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'arn' failed to satisfy constraint: "
            "Member must have length greater than or equal to 20"
        ),
        400,
    )


# ---- the four kinds of target -----------------------------------------------------------------


def test_generate_on_a_user(iam: Any) -> None:
    iam.create_user(UserName="alice")
    iam.put_user_policy(
        UserName="alice", PolicyName="p", PolicyDocument=allow("s3:GetObject", "ec2:RunInstances")
    )
    assert services_of(iam, f"arn:aws:iam::{ACCOUNT}:user/alice") == ["ec2", "s3"]


def test_generate_on_a_group(iam: Any) -> None:
    iam.create_group(GroupName="devs")
    iam.put_group_policy(GroupName="devs", PolicyName="p", PolicyDocument=allow("sqs:SendMessage"))
    assert services_of(iam, f"arn:aws:iam::{ACCOUNT}:group/devs") == ["sqs"]


def test_generate_on_a_role(iam: Any) -> None:
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_EC2)
    iam.put_role_policy(
        RoleName="app", PolicyName="p", PolicyDocument=allow("lambda:InvokeFunction")
    )
    assert services_of(iam, f"arn:aws:iam::{ACCOUNT}:role/app") == ["lambda"]


def test_generate_on_a_customer_managed_policy(iam: Any) -> None:
    created = iam.create_policy(
        PolicyName="shared", Path="/team/", PolicyDocument=allow("sns:Publish", "iam:GetUser")
    )
    assert services_of(iam, created["Policy"]["Arn"]) == ["iam", "sns"]


def test_unattached_managed_policy_report_lists_its_services(iam: Any) -> None:
    # Case: get_unused_policy_first (the policy is attached to nothing).
    arn = iam.create_policy(PolicyName="unused", PolicyDocument=allow("kms:Decrypt"))["Policy"][
        "Arn"
    ]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0
    assert services_of(iam, arn) == ["kms"]


def test_generate_on_an_aws_managed_policy(iam: Any) -> None:
    # AmazonS3ReadOnlyAccess allows s3:Get*/List*/Describe* and s3-object-lambda:Get*/List*.
    assert services_of(iam, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess") == [
        "s3",
        "s3-object-lambda",
    ]


def test_generate_on_an_aws_managed_policy_with_a_path(iam: Any) -> None:
    # AWSLambdaBasicExecutionRole allows three logs actions only.
    assert services_of(iam, "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole") == [
        "logs"
    ]


# ---- ARN handling ---------------------------------------------------------------------------------


def test_user_arn_with_a_wrong_path_resolves_by_name(iam: Any) -> None:
    # Case: grants_arn_pathless and its Generate counterpart (user at /team/, ARN at /other/).
    iam.create_user(UserName="alice", Path="/team/")
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=allow("s3:GetObject"))
    assert services_of(iam, f"arn:aws:iam::{ACCOUNT}:user/other/alice") == ["s3"]


def test_user_arn_without_its_path_resolves_by_name(iam: Any) -> None:
    # Case: grants_arn_pathless, Generate counterpart.
    iam.create_user(UserName="alice", Path="/team/")
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=allow("s3:GetObject"))
    assert services_of(iam, f"arn:aws:iam::{ACCOUNT}:user/alice") == ["s3"]


def test_role_arn_without_its_path_resolves_by_name(iam: Any) -> None:
    iam.create_role(RoleName="app", Path="/service/", AssumeRolePolicyDocument=TRUST_EC2)
    iam.put_role_policy(RoleName="app", PolicyName="p", PolicyDocument=allow("sqs:SendMessage"))
    assert services_of(iam, f"arn:aws:iam::{ACCOUNT}:role/app") == ["sqs"]


def test_customer_policy_arn_without_its_path_resolves_by_name(iam: Any) -> None:
    # Rule chosen: policy names are unique in an account, so the path is ignored as for users.
    iam.create_policy(PolicyName="shared", Path="/team/", PolicyDocument=allow("sns:Publish"))
    assert services_of(iam, f"arn:aws:iam::{ACCOUNT}:policy/shared") == ["sns"]


def test_entity_name_in_arn_is_case_insensitive(iam: Any) -> None:
    # Rule chosen: IAM names are case-insensitive on lookup (observed for GetUser/GetRole).
    iam.create_user(UserName="Alice")
    iam.put_user_policy(UserName="Alice", PolicyName="p", PolicyDocument=allow("s3:GetObject"))
    assert services_of(iam, f"arn:aws:iam::{ACCOUNT}:user/ALICE") == ["s3"]


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:iam::{ACCOUNT}:user/team/ghost",
        f"arn:aws:iam::{ACCOUNT}:group/ghosts",
        f"arn:aws:iam::{ACCOUNT}:role/ghost",
        f"arn:aws:iam::{ACCOUNT}:policy/ghost",
        "arn:aws:iam::aws:policy/NoSuchAwsManagedPolicy",
    ],
)
def test_missing_entity_is_no_such_entity(iam: Any, arn: str) -> None:
    # Case: generate_deleted_source / the missing-target case ("ARN <arn> does not exist.").
    with pytest.raises(ClientError) as excinfo:
        iam.generate_service_last_accessed_details(Arn=arn)
    assert error_and_status(excinfo) == ("NoSuchEntity", f"ARN {arn} does not exist.", 404)


def test_deleted_user_is_no_such_entity(iam: Any) -> None:
    # Case: generate_deleted_source.
    iam.create_user(UserName="followup", Path="/team/")
    iam.delete_user(UserName="followup")
    arn = f"arn:aws:iam::{ACCOUNT}:user/team/followup"
    with pytest.raises(ClientError) as excinfo:
        iam.generate_service_last_accessed_details(Arn=arn)
    assert error_and_status(excinfo) == ("NoSuchEntity", f"ARN {arn} does not exist.", 404)


def test_other_accounts_arn_is_access_denied(iam: Any) -> None:
    # Case: the cross-account Generate ("User: <caller> is not authorized to perform the operation on <arn>").
    arn = "arn:aws:iam::999999999999:user/team/target"
    with pytest.raises(ClientError) as excinfo:
        iam.generate_service_last_accessed_details(Arn=arn)
    assert error_and_status(excinfo) == (
        "AccessDenied",
        f"User: {ROOT} is not authorized to perform the operation on {arn}",
        403,
    )


def test_other_accounts_arn_names_the_calling_user(iam: Any) -> None:
    iam.create_user(UserName="reporter", Path="/ops/")
    key = iam.create_access_key(UserName="reporter")["AccessKey"]
    reporter = boto3.client(
        "iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    arn = "arn:aws:iam::999999999999:role/target"
    with pytest.raises(ClientError) as excinfo:
        reporter.generate_service_last_accessed_details(Arn=arn)
    assert error_and_status(excinfo) == (
        "AccessDenied",
        f"User: arn:aws:iam::{ACCOUNT}:user/ops/reporter is not authorized to perform the operation on {arn}",
        403,
    )


def test_root_arn_is_invalid_input(iam: Any) -> None:
    # Case: Generate with the account root ARN.
    arn = f"arn:aws:iam::{ACCOUNT}:root"
    with pytest.raises(ClientError) as excinfo:
        iam.generate_service_last_accessed_details(Arn=arn)
    assert error_and_status(excinfo) == (
        "InvalidInput",
        f"Invalid Entity Arn: {arn} is not supported.",
        400,
    )


def test_non_iam_arn_is_invalid_service(iam: Any) -> None:
    # Case: arn:aws:s3... ("Invalid service in ARN").
    with pytest.raises(ClientError) as excinfo:
        iam.generate_service_last_accessed_details(Arn="arn:aws:s3:::stackd-bucket/alice")
    assert error_and_status(excinfo) == ("ValidationError", "Invalid service in ARN", 400)


def test_other_partition_is_invalid_partition(iam: Any) -> None:
    # Case: an aws-cn ARN ("Invalid ARN partition").
    with pytest.raises(ClientError) as excinfo:
        iam.generate_service_last_accessed_details(Arn=f"arn:aws-cn:iam::{ACCOUNT}:user/alice")
    assert error_and_status(excinfo) == ("ValidationError", "Invalid ARN partition", 400)


@pytest.mark.parametrize(
    "arn",
    [
        "not-an-arn-but-long-enough",
        f"arn:aws:iam::{ACCOUNT}:user",
        f"arn:aws:iam::{ACCOUNT}:user/",
        f"arn:aws:iam::{ACCOUNT}:instance-profile/web",
        f"arn:aws:iam::{ACCOUNT}:mfa/alice",
    ],
)
def test_malformed_or_unsupported_arn_is_invalid_input(iam: Any, arn: str) -> None:
    # Rule chosen (AWS not observed): the wording AWS uses for the root ARN.
    with pytest.raises(ClientError) as excinfo:
        iam.generate_service_last_accessed_details(Arn=arn)
    assert error_and_status(excinfo) == (
        "InvalidInput",
        f"Invalid Entity Arn: {arn} is not supported.",
        400,
    )
