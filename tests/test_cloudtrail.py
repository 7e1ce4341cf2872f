"""Loading CloudTrail logs with ``aws.load_cloudtrail``: files, folders, record dicts."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from support import ACCOUNT, ALICE, ROOT, TRUST_EC2

from iam_access_mock.cloudtrail import CloudTrailFileError, CloudTrailLoad, iam_actions, iam_prefix
from iam_access_mock.handle import AccessMock

APP = f"arn:aws:iam::{ACCOUNT}:role/service/app"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# Identities as CloudTrail writes them (CloudTrail User Guide, "userIdentity element").
def user_identity(name: str = "alice", account: str = ACCOUNT) -> dict[str, Any]:
    return {
        "type": "IAMUser",
        "principalId": "AIDAJ45Q7YFFAREXAMPLE",
        "arn": f"arn:aws:iam::{account}:user/{name}",
        "accountId": account,
        "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "userName": name,
    }


def role_identity(
    role: str = "app", session: str = "deploy-42", path: str = "/service/"
) -> dict[str, Any]:
    return {
        "type": "AssumedRole",
        "principalId": f"AROAIDPPEZS35WEXAMPLE:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAIDPPEZS35WEXAMPLE",
                "arn": f"arn:aws:iam::{ACCOUNT}:role{path}{role}",
                "accountId": ACCOUNT,
                "userName": role,
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": "2026-09-11T14:00:00Z", "mfaAuthenticated": "false"},
        },
    }


ROOT_IDENTITY = {
    "type": "Root",
    "principalId": ACCOUNT,
    "arn": ROOT,
    "accountId": ACCOUNT,
    "accessKeyId": "",
}
SERVICE_IDENTITY = {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}


def record(
    identity: dict[str, Any],
    time: str,
    source: str,
    name: str,
    region: str = "us-east-1",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": time,
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": "192.0.2.10",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": None,
        "responseElements": None,
        "requestID": "3d0c9d5b-2d2b-4f54-9a54-EXAMPLE",
        "eventID": "d4c1f0c3-7c5e-4a57-8c2c-EXAMPLE",
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
        **extra,
    }


def write_log(path: Path, records: list[Any], *, gz: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({"Records": records}).encode()
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


def delivery_folder(root: Path, region: str = "us-east-1", day: str = "2026/09/11") -> Path:
    """Where CloudTrail delivers a day's logs in its S3 bucket."""
    return root / "AWSLogs" / ACCOUNT / "CloudTrail" / region / day


@pytest.fixture
def iam(access_mock: AccessMock) -> Any:
    client = boto3.client("iam")
    client.create_user(UserName="alice")
    client.create_role(RoleName="app", Path="/service/", AssumeRolePolicyDocument=TRUST_EC2)
    return client


# ---- what a record counts as ---------------------------------------------------------------------


def test_a_realistic_log_folder(access_mock: AccessMock, iam: Any, tmp_path: Path) -> None:
    folder = delivery_folder(tmp_path)
    write_log(
        folder / f"{ACCOUNT}_CloudTrail_us-east-1_20260911T1530Z_a1.json.gz",
        [
            record(user_identity(), "2026-09-11T15:26:19Z", "s3.amazonaws.com", "ListBuckets"),
            record(
                role_identity(),
                "2026-09-11T15:27:00Z",
                "ec2.amazonaws.com",
                "DescribeInstances",
                "eu-west-1",
            ),
            record(ROOT_IDENTITY, "2026-09-11T15:28:00Z", "iam.amazonaws.com", "ListUsers"),
            record(SERVICE_IDENTITY, "2026-09-11T15:29:00Z", "kms.amazonaws.com", "Decrypt"),
            # Denied calls are attempts, and attempts count.
            record(
                user_identity(),
                "2026-09-11T15:29:30Z",
                "iam.amazonaws.com",
                "DeleteRole",
                errorCode="AccessDenied",
                errorMessage="User: arn:aws:iam::123456789012:user/alice is not authorized",
            ),
            {
                "eventVersion": "1.09",
                "userIdentity": user_identity(),
                "eventSource": "s3.amazonaws.com",
            },
            record(
                user_identity("ghost"), "2026-09-11T15:30:00Z", "sqs.amazonaws.com", "ListQueues"
            ),
        ],
    )
    write_log(
        delivery_folder(tmp_path, "eu-west-1")
        / f"{ACCOUNT}_CloudTrail_eu-west-1_20260911T1530Z_b2.json",
        [
            record(
                user_identity(),
                "2026-09-11T15:31:00Z",
                "dynamodb.amazonaws.com",
                "Scan",
                "eu-west-1",
            )
        ],
        gz=False,
    )

    result = access_mock.load_cloudtrail(tmp_path)

    assert result == 5
    assert (result.taken, result.skipped, result.unknown, result.malformed, result.files) == (
        5,
        1,
        1,
        1,
        2,
    )
    assert isinstance(result, CloudTrailLoad) and isinstance(result, int)
    assert repr(result) == "CloudTrailLoad(taken=5, skipped=1, unknown=1, malformed=1, files=2)"
    assert access_mock.last_access(ALICE, "s3:ListAllMyBuckets") == (
        _utc("2026-09-11T15:26:19Z").timestamp(),
        "us-east-1",
    )
    assert access_mock.last_access(ALICE, "iam:DeleteRole") == (
        _utc("2026-09-11T15:29:30Z").timestamp(),
        "us-east-1",
    )
    assert access_mock.last_access(ALICE, "dynamodb:Scan") == (
        _utc("2026-09-11T15:31:00Z").timestamp(),
        "eu-west-1",
    )
    assert access_mock.last_access(ROOT, "iam:ListUsers") is not None
    assert access_mock.last_access(ROOT, "kms") is None  # the AWS service's call is nobody's
    role_last_used = iam.get_role(RoleName="app")["Role"]["RoleLastUsed"]
    assert role_last_used == {"LastUsedDate": _utc("2026-09-11T15:27:00Z"), "Region": "eu-west-1"}


def test_a_single_file_a_document_and_an_iterable(
    access_mock: AccessMock, iam: Any, tmp_path: Path
) -> None:
    one = record(user_identity(), "2026-09-11T10:00:00Z", "s3.amazonaws.com", "CreateBucket")
    two = record(user_identity(), "2026-09-11T11:00:00Z", "sns.amazonaws.com", "Publish")
    three = record(user_identity(), "2026-09-11T12:00:00Z", "sqs.amazonaws.com", "SendMessage")

    from_file = access_mock.load_cloudtrail(str(write_log(tmp_path / "one.json.gz", [one])))
    from_document = access_mock.load_cloudtrail({"Records": [two]})
    from_generator = access_mock.load_cloudtrail(r for r in [three, "not a record"])

    assert (from_file, from_file.files) == (1, 1)
    assert (from_document, from_document.files) == (1, 0)
    assert (from_generator, from_generator.malformed) == (1, 1)
    for action in ("s3:CreateBucket", "sns:Publish", "sqs:SendMessage"):
        assert access_mock.last_access(ALICE, action) is not None


def test_later_logs_do_not_hide_newer_activity(access_mock: AccessMock, iam: Any) -> None:
    access_mock.load_cloudtrail(
        [record(user_identity(), "2026-09-11T15:00:00Z", "s3.amazonaws.com", "GetBucketAcl")]
    )
    access_mock.load_cloudtrail(
        [
            record(
                user_identity(),
                "2026-09-01T15:00:00Z",
                "s3.amazonaws.com",
                "GetBucketAcl",
                "eu-west-1",
            )
        ]
    )
    assert access_mock.last_access(ALICE, "s3:GetBucketAcl") == (
        _utc("2026-09-11T15:00:00Z").timestamp(),
        "us-east-1",
    )


def test_identity_fallbacks(access_mock: AccessMock, iam: Any) -> None:
    """No sessionIssuer: the assumed-role ARN names the role; no user arn: userName + accountId;
    Root without arn: accountId."""
    session_only = role_identity()
    del session_only["sessionContext"]
    user_by_name = user_identity()
    del user_by_name["arn"]
    root_by_account = {"type": "Root", "accountId": "111122223333"}
    result = access_mock.load_cloudtrail(
        [
            record(
                session_only,
                "2026-09-11T10:00:00Z",
                "lambda.amazonaws.com",
                "ListFunctions20150331",
            ),
            record(user_by_name, "2026-09-11T10:00:00Z", "s3.amazonaws.com", "GetBucketPolicy"),
            record(root_by_account, "2026-09-11T10:00:00Z", "s3.amazonaws.com", "GetBucketPolicy"),
        ]
    )
    assert result == 3
    assert access_mock.last_access(APP, "lambda:ListFunctions") is not None
    assert access_mock.last_access(ALICE, "s3:GetBucketPolicy") is not None
    assert (
        access_mock.last_access("arn:aws:iam::111122223333:root", "s3:GetBucketPolicy") is not None
    )


@pytest.mark.parametrize(
    "identity",
    [
        SERVICE_IDENTITY,
        {"type": "AWSAccount", "principalId": "AIDAEXAMPLE", "accountId": "444455556666"},
        {
            "type": "FederatedUser",
            "arn": f"arn:aws:sts::{ACCOUNT}:federated-user/bob",
            "accountId": ACCOUNT,
        },
        {"type": "IdentityCenterUser", "accountId": ACCOUNT, "onBehalfOf": {"userId": "x"}},
        {
            "type": "AssumedRole",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/app/x",
            "sessionContext": {"sessionIssuer": {"type": "Root", "arn": ROOT}},
        },
    ],
)
def test_identities_that_are_not_users_roles_or_root_are_skipped(
    access_mock: AccessMock, iam: Any, identity: dict[str, Any]
) -> None:
    result = access_mock.load_cloudtrail(
        [record(identity, "2026-09-11T10:00:00Z", "s3.amazonaws.com", "ListBuckets")]
    )
    assert (result, result.skipped, result.malformed) == (0, 1, 0)
    assert access_mock.last_access(APP) is None
    assert access_mock.last_access(ROOT, "s3") is None  # root made the fixture's IAM calls only


@pytest.mark.parametrize(
    "event_type",
    ["AwsConsoleSignIn", "AwsServiceEvent", "AwsCloudTrailInsight", "AwsConsoleAction"],
)
def test_events_that_are_not_api_calls_are_skipped(
    access_mock: AccessMock, iam: Any, event_type: str
) -> None:
    entry = record(
        user_identity(),
        "2026-09-11T10:00:00Z",
        "signin.amazonaws.com",
        "ConsoleLogin",
        eventType=event_type,
    )
    result = access_mock.load_cloudtrail([entry])
    assert (result, result.skipped) == (0, 1)
    assert access_mock.last_access(ALICE) is None


def test_principals_unknown_to_the_mock_are_counted_not_recorded(
    access_mock: AccessMock, iam: Any
) -> None:
    result = access_mock.load_cloudtrail(
        [
            record(
                user_identity("ghost"), "2026-09-11T10:00:00Z", "s3.amazonaws.com", "ListBuckets"
            ),
            record(
                role_identity("worker"), "2026-09-11T10:00:00Z", "s3.amazonaws.com", "ListBuckets"
            ),
            record(
                user_identity("alice", "111122223333"),
                "2026-09-11T10:00:00Z",
                "s3.amazonaws.com",
                "ListBuckets",
            ),
        ]
    )
    assert (result, result.unknown) == (0, 3)
    assert access_mock.last_access(ALICE) is None


def _broken(**changes: Any) -> dict[str, Any]:
    entry = record(user_identity(), "2026-09-11T10:00:00Z", "s3.amazonaws.com", "ListBuckets")
    for key, value in changes.items():
        if value is ...:
            del entry[key]
        else:
            entry[key] = value
    return entry


@pytest.mark.parametrize(
    "entry",
    [
        "a string",
        None,
        ["a", "list"],
        _broken(userIdentity=...),
        _broken(userIdentity="alice"),
        _broken(userIdentity={"arn": ALICE}),  # no type
        _broken(userIdentity={"type": "IAMUser"}),  # no arn, no userName
        _broken(userIdentity={"type": "IAMUser", "arn": "alice"}),
        _broken(eventTime=...),
        _broken(eventTime="yesterday"),
        _broken(eventTime=1789140379),
        _broken(eventSource=...),
        _broken(eventSource="s3"),
        _broken(eventSource="S3.amazonaws.com"),
        _broken(eventName=...),
        _broken(eventName="List Buckets"),
        _broken(awsRegion=...),
        _broken(awsRegion="moon-1"),
        _broken(eventType=7),
    ],
)
def test_malformed_records_are_skipped_and_counted(
    access_mock: AccessMock, iam: Any, entry: Any
) -> None:
    good = record(user_identity(), "2026-09-11T10:00:00Z", "sqs.amazonaws.com", "ListQueues")
    result = access_mock.load_cloudtrail({"Records": [entry, good]})
    assert (result, result.malformed, result.skipped, result.unknown) == (1, 1, 0, 0)
    assert access_mock.last_access(ALICE, "s3") is None
    assert access_mock.last_access(ALICE, "sqs:ListQueues") is not None


def test_event_times_keep_their_precision_and_zone(access_mock: AccessMock, iam: Any) -> None:
    access_mock.load_cloudtrail(
        [
            record(user_identity(), "2026-09-11T15:26:19.250Z", "s3.amazonaws.com", "GetBucketAcl"),
            record(
                user_identity(), "2026-09-11T17:26:20+02:00", "ec2.amazonaws.com", "RunInstances"
            ),
        ]
    )
    acl = access_mock.last_access(ALICE, "s3:GetBucketAcl")
    run = access_mock.last_access(ALICE, "ec2:RunInstances")
    assert acl is not None and acl.when == datetime(
        2026, 9, 11, 15, 26, 19, 250000, tzinfo=timezone.utc
    )
    assert run is not None and run.when == datetime(2026, 9, 11, 15, 26, 20, tzinfo=timezone.utc)


def test_names_cloudtrail_spells_differently(access_mock: AccessMock, iam: Any) -> None:
    at = "2026-09-11T10:00:00Z"
    access_mock.load_cloudtrail(
        [
            record(user_identity(), at, "lambda.amazonaws.com", "UpdateFunctionCode20150331v2"),
            record(user_identity(), at, "monitoring.amazonaws.com", "PutMetricAlarm"),
            record(user_identity(), at, "tagging.amazonaws.com", "GetResources"),
            record(
                user_identity(),
                at,
                "s3.amazonaws.com",
                "CopyObject",
                managementEvent=False,
                eventCategory="Data",
            ),
            record(user_identity(), at, "s3.amazonaws.com", "DeleteBucketCors"),
        ]
    )
    for action in (
        "lambda:UpdateFunctionCode",
        "cloudwatch:PutMetricAlarm",
        "tag:GetResources",
        "s3:PutObject",
        "s3:GetObject",
        "s3:PutBucketCORS",
    ):
        assert access_mock.last_access(ALICE, action) is not None, action
    assert access_mock.last_access(ALICE, "monitoring") is None
    assert access_mock.last_access(ALICE, "lambda:UpdateFunctionCode20150331v2") is None


def test_name_tables() -> None:
    assert iam_prefix("s3.amazonaws.com") == "s3"
    assert iam_prefix("monitoring.amazonaws.com") == "cloudwatch"
    assert iam_prefix("email.amazonaws.com") == "ses"
    assert iam_prefix("example.com") is None
    assert iam_actions("lambda", "GetFunction20150331v2") == ("GetFunction",)
    assert iam_actions("lambda", "PublishLayerVersion20181031") == ("PublishLayerVersion",)
    assert iam_actions("lambda", "Invoke") == ("InvokeFunction",)
    assert iam_actions("cloudfront", "GetDistribution2019_03_26") == ("GetDistribution",)
    assert iam_actions("s3", "ListBuckets") == ("ListAllMyBuckets",)
    assert iam_actions("s3", "ListObjectsV2") == ("ListBucket",)
    assert iam_actions("s3", "HeadObject") == ("GetObject",)
    assert iam_actions("s3", "GetBucketLifecycleConfiguration") == ("GetLifecycleConfiguration",)
    assert iam_actions("s3", "GetObject") == ("GetObject",)
    assert iam_actions("ec2", "DescribeInstances20150331") == ("DescribeInstances20150331",)


# ---- files and folders ----------------------------------------------------------------------------


def test_folders_are_searched_recursively_and_digests_and_other_files_ignored(
    access_mock: AccessMock, iam: Any, tmp_path: Path
) -> None:
    logs = tmp_path / "AWSLogs" / ACCOUNT
    write_log(
        logs / "CloudTrail" / "us-east-1" / "2026" / "09" / "10" / "a.json.gz",
        [record(user_identity(), "2026-09-10T10:00:00Z", "s3.amazonaws.com", "ListBuckets")],
    )
    write_log(
        logs / "CloudTrail" / "us-west-2" / "2026" / "09" / "11" / "b.JSON",
        [
            record(
                user_identity(),
                "2026-09-11T10:00:00Z",
                "ec2.amazonaws.com",
                "DescribeVpcs",
                "us-west-2",
            )
        ],
        gz=False,
    )
    digest = logs / "CloudTrail-Digest" / "us-east-1" / "2026" / "09" / "11"
    digest.mkdir(parents=True)
    (
        digest / f"{ACCOUNT}_CloudTrail-Digest_us-east-1_trail_us-east-1_20260911T100000Z.json.gz"
    ).write_bytes(gzip.compress(b'{"digestStartTime": "2026-09-11T09:00:00Z"}'))
    (tmp_path / "README.txt").write_text("not a log")

    result = access_mock.load_cloudtrail(tmp_path)

    assert (result, result.files) == (2, 2)
    assert access_mock.last_access(ALICE, "ec2:DescribeVpcs") is not None


def test_gzip_is_recognized_by_content(access_mock: AccessMock, iam: Any, tmp_path: Path) -> None:
    path = write_log(
        tmp_path / "log.json",
        [record(user_identity(), "2026-09-11T10:00:00Z", "s3.amazonaws.com", "ListBuckets")],
    )
    assert access_mock.load_cloudtrail(path) == 1


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("bad.json", b'{"Records": [{"eventTime": ', "not valid JSON"),
        ("bad.json", b"\xff\xfe\x00garbage", "not valid JSON"),
        ("bad.json.gz", b"plain text, not gzip", r"not a valid gzip file \(no gzip header\)"),
        ("bad.json.gz", gzip.compress(b'{"Records": []}')[:-12], "not a valid gzip file"),
        ("bad.json.gz", gzip.compress(b"[1, 2]"), 'expected an object with a "Records" list'),
        ("bad.json", b'{"records": []}', 'expected an object with a "Records" list'),
        (
            "bad.json",
            b'{"Records": {"eventName": "x"}}',
            'expected an object with a "Records" list',
        ),
    ],
)
def test_a_broken_file_raises_naming_it_and_applies_nothing(
    access_mock: AccessMock, iam: Any, tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CloudTrailFileError, match=problem) as error:
        access_mock.load_cloudtrail(path)
    assert str(error.value).startswith(f"{path}: ")
    assert error.value.path == str(path)
    assert isinstance(error.value, ValueError)


def test_a_file_with_good_records_then_broken_json_applies_none_of_them(
    access_mock: AccessMock, iam: Any, tmp_path: Path
) -> None:
    good = json.dumps(
        record(user_identity(), "2026-09-11T10:00:00Z", "s3.amazonaws.com", "ListBuckets")
    )
    path = tmp_path / "truncated.json.gz"
    path.write_bytes(gzip.compress(f'{{"Records": [{good}, {good}, {{"eventTime": '.encode()))
    with pytest.raises(CloudTrailFileError, match="truncated.json.gz: not valid JSON"):
        access_mock.load_cloudtrail(path)
    assert access_mock.last_access(ALICE) is None


def test_in_a_folder_files_before_the_broken_one_stay_loaded(
    access_mock: AccessMock, iam: Any, tmp_path: Path
) -> None:
    write_log(
        tmp_path / "1.json.gz",
        [record(user_identity(), "2026-09-11T10:00:00Z", "s3.amazonaws.com", "ListBuckets")],
    )
    (tmp_path / "2.json.gz").write_bytes(b"broken")
    write_log(
        tmp_path / "3.json.gz",
        [record(user_identity(), "2026-09-11T10:00:00Z", "ec2.amazonaws.com", "RunInstances")],
    )
    with pytest.raises(CloudTrailFileError, match=r"2\.json\.gz: not a valid gzip file"):
        access_mock.load_cloudtrail(tmp_path)
    assert access_mock.last_access(ALICE, "s3") is not None
    assert access_mock.last_access(ALICE, "ec2") is None


def test_a_given_dict_must_be_a_log_document(access_mock: AccessMock) -> None:
    with pytest.raises(
        CloudTrailFileError,
        match='the given log document: not a CloudTrail log: expected an object with a "Records" list',
    ):
        access_mock.load_cloudtrail({"eventName": "ListBuckets"})


def test_missing_paths_and_empty_folders_raise(access_mock: AccessMock, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such CloudTrail log file or folder"):
        access_mock.load_cloudtrail(tmp_path / "nowhere")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(
        FileNotFoundError, match=r"no CloudTrail log files \(\*\.json, \*\.json\.gz\) under"
    ):
        access_mock.load_cloudtrail(tmp_path)


@pytest.mark.parametrize("source", [42, None, b'{"Records": []}', 3.5])
def test_other_sources_raise_type_error(access_mock: AccessMock, source: Any) -> None:
    with pytest.raises(TypeError, match="source must be a path to a CloudTrail log file or folder"):
        access_mock.load_cloudtrail(source)


def test_loading_follows_the_iam_store_at_load_time(access_mock: AccessMock, iam: Any) -> None:
    """A user created after a load does not get that load's records; loading again does."""
    entry = record(user_identity("bob"), "2026-09-11T10:00:00Z", "s3.amazonaws.com", "ListBuckets")
    assert access_mock.load_cloudtrail([entry]).unknown == 1
    iam.create_user(UserName="bob")
    assert access_mock.load_cloudtrail([entry]) == 1
    found = access_mock.last_access(f"arn:aws:iam::{ACCOUNT}:user/bob", "s3")
    assert found is not None and found.when == datetime(2026, 9, 11, 10, tzinfo=timezone.utc)
    assert found.when + timedelta(0) == _utc("2026-09-11T10:00:00Z")


# ---- the catalogue and the clock -------------------------------------------------------------------


def test_records_dated_after_the_clock_are_malformed(access_mock: AccessMock, iam: Any) -> None:
    """CloudTrail delivers past events only: a record after the mock clock's now is counted as
    malformed and not taken, never raised (a test whose clock is set before its logs)."""
    access_mock.clock.set(_utc("2026-09-11T12:00:00Z"))
    result = access_mock.load_cloudtrail(
        [
            record(user_identity(), "2026-09-11T11:00:00Z", "s3.amazonaws.com", "ListBuckets"),
            record(user_identity(), "2026-09-11T12:00:00Z", "sqs.amazonaws.com", "ListQueues"),
            record(user_identity(), "2026-09-11T12:00:00.001Z", "ec2.amazonaws.com", "RunInstances"),
            record(user_identity(), "2026-09-11T13:00:00+02:00", "sns.amazonaws.com", "Publish"),
        ]
    )
    assert (result.taken, result.malformed, result.skipped, result.unknown) == (3, 1, 0, 0)
    assert access_mock.last_access(ALICE, "s3:ListAllMyBuckets") is not None
    assert access_mock.last_access(ALICE, "sqs:ListQueues") is not None  # now itself is the past
    assert access_mock.last_access(ALICE, "sns:Publish") is not None  # 11:00 UTC
    assert access_mock.last_access(ALICE, "ec2") is None

    access_mock.clock.advance(timedelta(hours=1))
    assert access_mock.load_cloudtrail(
        [record(user_identity(), "2026-09-11T12:00:00.001Z", "ec2.amazonaws.com", "RunInstances")]
    ) == 1


def test_a_running_clock_takes_records_of_the_real_now(access_mock: AccessMock, iam: Any) -> None:
    stamp = datetime.now(timezone.utc).isoformat()
    result = access_mock.load_cloudtrail(
        [record(user_identity(), stamp, "s3.amazonaws.com", "ListBuckets")]
    )
    assert (result.taken, result.malformed) == (1, 0)


def test_actions_are_kept_in_the_catalogue_casing(access_mock: AccessMock, iam: Any) -> None:
    """CloudTrail writes API operation names (GetBucketCors); the catalogue spells the action
    s3:GetBucketCORS. One index entry, under the catalogue's name, whichever came first."""
    access_mock.record_access(ALICE, "s3:getbucketcors", at=_utc("2026-09-11T09:00:00Z"))
    access_mock.load_cloudtrail(
        [
            record(user_identity(), "2026-09-11T10:00:00Z", "s3.amazonaws.com", "GetBucketCors"),
            record(user_identity(), "2026-09-11T10:00:00Z", "ec2.amazonaws.com", "describeVpcs"),
        ]
    )
    user_id = iam.get_user(UserName="alice")["User"]["UserId"]
    actions = access_mock.world.activity.actions_of(ACCOUNT, user_id)
    assert sorted(actions) == ["ec2:DescribeVpcs", "s3:GetBucketCORS"]
    assert actions["s3:GetBucketCORS"].when == _utc("2026-09-11T10:00:00Z")


def test_events_that_name_no_catalogue_action_still_count_for_their_service(
    access_mock: AccessMock, iam: Any
) -> None:
    """apigateway's IAM actions are HTTP verbs (apigateway:GET), its events API names; a record
    is a call that happened, so it is taken for its service and never raises."""
    at = "2026-09-11T10:00:00Z"
    result = access_mock.load_cloudtrail(
        [
            record(user_identity(), at, "apigateway.amazonaws.com", "GetRestApis"),
            record(user_identity(), at, "s3.amazonaws.com", "SomeEventNewerThanTheCatalogue"),
        ]
    )
    assert (result.taken, result.malformed, result.skipped) == (2, 0, 0)
    for namespace in ("apigateway", "s3"):
        found = access_mock.last_access(ALICE, namespace)
        assert found is not None and found.when == _utc(at), namespace
