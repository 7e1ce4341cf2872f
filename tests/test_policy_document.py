"""Policy document validation through boto3: CreatePolicy, PutUserPolicy and CreateRole.

The invalid/valid documents and their MalformedPolicyDocument texts are AWS's answers as
recorded against real IAM in 2026 (LocalStack's AWS-validated snapshot
``tests/aws/services/iam/test_iam_policies.snapshot.json``) and the observed facts of
``shared/data/observed-aws-facts.md``.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from iam_access_mock import AccessMock

V = "2012-10-17"
BUCKET = "arn:aws:s3:::example_bucket"
SYNTAX = "Syntax errors in policy."
VERSION = "Policy document must be version 2012-10-17 or greater."
LEGACY = "The policy failed legacy parsing"
NO_ACTIONS = "Policy statement must contain actions."
NO_RESOURCES = "Policy statement must contain resources."
PREFACED = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
ONE_COLON = "Actions/Condition can contain only one colon."


def stmt(**elements: Any) -> dict[str, Any]:
    return {"Version": V, "Statement": elements}


def allow(**elements: Any) -> dict[str, Any]:
    return stmt(Effect="Allow", **elements)


def list_bucket(**elements: Any) -> dict[str, Any]:
    return allow(Action="s3:ListBucket", Resource=BUCKET, **elements)


INVALID: list[tuple[Any, str]] = [
    ("This is not a json document", SYNTAX),
    ({"Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET}}, VERSION),
    (
        {
            "Version": "2008-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET},
        },
        VERSION,
    ),
    (
        {
            "Version": "2013-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET},
        },
        SYNTAX,
    ),
    ({"Version": V}, SYNTAX),
    ({"Version": V, "Statement": ["afd"]}, SYNTAX),
    ({**list_bucket(), "Extra field": "value"}, SYNTAX),
    (list_bucket(**{"Extra field": "value"}), SYNTAX),
    (
        {**list_bucket(), "Id": ["cd3a324d2343d942772346-34234234423404-4c2242343242349d1642ee"]},
        SYNTAX,
    ),
    ({**list_bucket(), "Id": {}}, SYNTAX),
    (stmt(Effect="invalid", Action="s3:ListBucket", Resource=BUCKET), SYNTAX),
    (allow(Action="invalid", Resource=BUCKET), PREFACED),
    (allow(NotAction="", Resource=BUCKET), PREFACED),
    (allow(Action="a a:ListBucket", Resource=BUCKET), "Vendor a a is not valid"),
    (allow(Action="s3:List:Bucket", Resource=BUCKET), ONE_COLON),
    (
        {
            "Version": V,
            "Statement": [
                {"Effect": "Allow", "Action": "s3s:ListBucket", "Resource": BUCKET},
                {"Effect": "Allow", "Action": "s:3s:ListBucket", "Resource": BUCKET},
            ],
        },
        ONE_COLON,
    ),
    (
        allow(Action="s3:ListBucket", Resource="invalid resource"),
        'Resource invalid resource must be in ARN format or "*".',
    ),
    (
        {
            "Version": V,
            "Statement": [
                {
                    "Sid": "EnableDisableHongKong",
                    "Effect": "Allow",
                    "Action": ["account:EnableRegion", "account:DisableRegion"],
                    "Resource": "",
                    "Condition": {"StringEquals": {"account:TargetRegion": "ap-east-1"}},
                },
                {
                    "Sid": "ViewConsole",
                    "Effect": "Allow",
                    "Action": ["aws-portal:ViewAccount"],
                    "Resource": "",
                },
            ],
        },
        'Resource  must be in ARN format or "*".',
    ),
    (
        allow(Action="s:3:ListBucket", Resource="sdfsadf"),
        'Resource sdfsadf must be in ARN format or "*".',
    ),
    (allow(Action="s3:ListBucket", Resource=["adf"]), 'Resource adf must be in ARN format or "*".'),
    (allow(Action="s3:ListBucket", Resource=""), 'Resource  must be in ARN format or "*".'),
    (
        allow(NotAction="s3s:ListBucket", Resource="a:bsdfdsafsad"),
        'Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".',
    ),
    (
        allow(NotAction="s3s:ListBucket", Resource="a:b:cadfsdf"),
        'Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".',
    ),
    (
        allow(NotAction="s3s:ListBucket", Resource="a:b:c:d:e:f:g:h"),
        'Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".',
    ),
    (
        allow(Action="s3:ListBucket", Resource="aws:s3:::example_bucket"),
        'Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".',
    ),
    (
        allow(
            Action="s3:ListBucket",
            Resource=["arn:error:s3:::example_bucket", "arn:error:s3::example_bucket"],
        ),
        'Partition "error" is not valid for resource "arn:error:s3:::example_bucket".',
    ),
    ({"Version": V, "Statement": []}, SYNTAX),
    (allow(Action="s3:ListBucket"), NO_RESOURCES),
    (allow(Action="s3:ListBucket", Resource=[]), NO_RESOURCES),
    (allow(Action="invalid"), NO_RESOURCES),
    (allow(Resource=BUCKET), NO_ACTIONS),
    (stmt(Action="s3:ListBucket", Resource=BUCKET), SYNTAX),
    (allow(), NO_ACTIONS),
    (allow(Action=[], Resource=BUCKET), NO_ACTIONS),
    (
        {
            "Version": V,
            "Statement": [
                {"Effect": "Deny"},
                {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET},
            ],
        },
        NO_ACTIONS,
    ),
    (
        allow(Action="s3:ListBucket", Resource="arn:aws:iam:::example_bucket"),
        (
            'IAM resource path must either be "*", root, or start with user/, federated-user/, role/, group/, '
            "instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, "
            "report/, access-report/."
        ),
    ),
    (allow(Action="s3:ListBucket", Resource="arn:aws:s3::example_bucket"), LEGACY),
    (allow(Resource="arn:aws:s3::example_bucket"), LEGACY),
    (
        allow(Action="s3:ListBucket", Resource="arn:aws"),
        "Resource vendor must be fully qualified and cannot contain regexes.",
    ),
    (allow(Action="s3:ListBucket", Resource={"a": BUCKET}), SYNTAX),
    (stmt(Effect="Deny", Action="s3:ListBucket", Resource=["adfdf", {}]), SYNTAX),
    (allow(NotAction="s3:ListBucket", Resource=BUCKET, NotResource=[]), SYNTAX),
    (stmt(Effect="Deny", Action=[[]], Resource=BUCKET), SYNTAX),
    (allow(NotAction="s3s:ListBucket", Action=[], Resource=BUCKET), SYNTAX),
    (allow(Action={}, Resource=BUCKET), SYNTAX),
    (list_bucket(Condition=[]), SYNTAX),
    (list_bucket(Condition="a"), SYNTAX),
    (list_bucket(Condition={"a": "b"}), SYNTAX),
    (list_bucket(Condition={"DateGreaterThan": "b"}), SYNTAX),
    (list_bucket(Condition={"DateGreaterThan": []}), SYNTAX),
    (list_bucket(Condition={"DateGreaterThan": {"a": {}}}), SYNTAX),
    (allow(Resource=BUCKET, Condition={"DateGreaterThan": {"a": {}}}), SYNTAX),
    (list_bucket(Condition={"x": {"a": "1"}}), SYNTAX),
    (list_bucket(Condition={"ForAnyValue::StringEqualsIfExists": {"a": "asf"}}), SYNTAX),
    (list_bucket(Condition=[{"ForAllValues:StringEquals": {"aws:TagKeys": "Department"}}]), SYNTAX),
    (
        allow(Action="s3:ListBucket", Resource="arn:aws:iam:us-east-1::example_bucket"),
        "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information.",
    ),
    (
        allow(Action="s3:ListBucket", Resource="arn:aws:s3:us-east-1::example_bucket"),
        "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.",
    ),
    (list_bucket(Sid={}), SYNTAX),
    (list_bucket(Sid=[]), SYNTAX),
    (
        {
            "Version": V,
            "Statement": [
                {"Sid": "sdf", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET},
                {"Sid": "sdf", "Effect": "Allow"},
            ],
        },
        "Statement IDs (SID) in a single policy must be unique.",
    ),
    (
        {
            "Statement": [
                {"Sid": "sdf", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET},
                {"Sid": "sdf", "Effect": "Allow"},
            ]
        },
        VERSION,
    ),
    (allow(NotAction="s3:ListBucket", Action="iam:dsf", Resource=BUCKET), SYNTAX),
    (list_bucket(NotResource="*"), SYNTAX),
    (stmt(Effect="denY", Action="s3:ListBucket", Resource=BUCKET), LEGACY),
    (list_bucket(Condition={"DateGreaterThan": {"a": "sdfdsf"}}), LEGACY),
    (
        {
            "Statement": {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": BUCKET,
                "Condition": {"DateGreaterThan": {"a": "sdfdsf"}},
            }
        },
        VERSION,
    ),
    ({"Statement": {"Effect": "denY", "Action": "s3:ListBucket", "Resource": BUCKET}}, VERSION),
    (allow(Condition={"DateGreaterThan": {"a": "sdfdsf"}}), LEGACY),
    (allow(NotAction="s3:ListBucket", Resource="arn:aws::::example_bucket"), LEGACY),
    (stmt(Effect="allow", Resource="arn:aws:s3:us-east-1::example_bucket"), LEGACY),
    (
        {
            "Version": V,
            "Statement": [
                {"Sid": "sdf", "Effect": "aLLow", "Action": "s3:ListBucket", "Resource": BUCKET},
                {"Sid": "sdf", "Effect": "Allow"},
            ],
        },
        LEGACY,
    ),
    (allow(Action="s3:ListBucket", NotResource="arn:aws:s3::example_bucket"), LEGACY),
    (list_bucket(Condition={"DateLessThanEquals": {"a": "234-13"}}), LEGACY),
    (list_bucket(Condition={"DateLessThanEquals": {"a": "2016-12-13t2:00:00.593194+1"}}), LEGACY),
    (
        list_bucket(Condition={"DateLessThanEquals": {"a": "2016-12-13t2:00:00.1999999999+10:59"}}),
        LEGACY,
    ),
    (list_bucket(Condition={"DateLessThan": {"a": "9223372036854775808"}}), LEGACY),
    (
        allow(
            Action="s3:ListBucket",
            Resource="arn:error:s3:::example_bucket",
            Condition={"DateGreaterThan": {"a": "sdfdsf"}},
        ),
        LEGACY,
    ),
    (allow(Action="s3:ListBucket", Resource="arn:aws::fdsasf"), LEGACY),
    # Observed on PutUserPolicy (shared/data/observed-aws-facts.md); same text on CreatePolicy.
    (
        allow(Action="s*:Get*", Resource="*"),
        "Action vendors (e.g., aws, ec2, etc.) must not contain wildcards.",
    ),
    # Identity policies name no principal (real AWS answers, e.g. terraform issue #13449).
    (
        allow(Principal="*", Action="s3:GetObject", Resource="*"),
        "Policy document should not specify a principal.",
    ),
    # NaN is not JSON.
    (
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:x", "Resource": NaN}}',
        SYNTAX,
    ),
]

VALID: list[dict[str, Any]] = [
    allow(Action="s3:ListBucket", Resource=[BUCKET]),
    allow(Action="iam: asdf safdsf af ", Resource=BUCKET),
    allow(Action="s3:ListBucket", Resource=[BUCKET, "*"]),
    allow(Action="*", Resource=BUCKET),
    {
        "Version": V,
        "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET}],
    },
    allow(
        Action="service-prefix:action-name",
        Resource="*",
        Condition={
            "DateGreaterThan": {"aws:CurrentTime": "2017-07-01T00:00:00Z"},
            "DateLessThan": {"aws:CurrentTime": "2017-12-31T23:59:59Z"},
        },
    ),
    allow(Action="fsx:ListBucket", Resource=BUCKET),
    allow(Action="s3:ListBucket", Resource="arn:aws:iam:::user/example_bucket"),
    allow(Action="s3:ListBucket", Resource="arn:aws:s33:::example_bucket"),
    allow(Action="s3:ListBucket", Resource="arn:aws:fdsasf"),
    list_bucket(Condition={}),
    list_bucket(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": "Department"}}),
    allow(Action="s3:ListBucket", Resource="arn:aws:cloudwatch:us-east-1::example_bucket"),
    allow(Action="s3:ListBucket", Resource="arn:aws:invalid-service:us-east-1::example_bucket"),
    list_bucket(Condition={"DateGreaterThan": {}}),
    list_bucket(Condition={"DateGreaterThan": {"a": []}}),
    list_bucket(Condition={"a": {}}),
    list_bucket(Condition={"x": {}, "y": {}}),
    allow(NotAction="s3:ListBucket", Resource=BUCKET),
    stmt(
        Effect="Deny",
        Action="s3:*",
        NotResource=["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
    ),
    {**allow(NotAction="s3:ListBucket", Resource=BUCKET), "Id": "sdfsdfsdf"},
    allow(Action="aaaaaadsfdsafsadfsadfaaaaa:ListBucket", Resource=BUCKET),
    allow(Action="s3-s:ListBucket", Resource=BUCKET),
    allow(Action="s3.s:ListBucket", Resource=BUCKET),
    allow(NotAction="s3:ListBucket", NotResource="*"),
    list_bucket(Condition={"DateGreaterThan": {"a": "01T"}}),
    list_bucket(Condition={"StringEqualsIfExists": {"a": "asf"}}),
    list_bucket(Condition={"ForAnyValue:StringEqualsIfExists": {"a": "asf"}}),
    list_bucket(Condition={"DateLessThanEquals": {"a": "2019-07-01T13:20:15Z"}}),
    list_bucket(Condition={"DateLessThanEquals": {"a": "2016-12-13T21:20:37.593194+00:00"}}),
    list_bucket(Condition={"DateLessThanEquals": {"a": "2016-12-13t2:00:00.593194+23"}}),
    list_bucket(Condition={"DateLessThan": {"a": "-292275054"}}),
    allow(
        Action=["iam:ChangePassword", "iam:GetUser"], Resource="arn:aws:iam::*:user/${aws:username}"
    ),
    {
        "Version": V,
        "Statement": [
            {
                "Sid": "",
                "Effect": "Allow",
                "Action": "rds:*",
                "Resource": ["arn:aws:rds:region:*:*"],
            },
            {"Sid": "", "Effect": "Allow", "Action": ["rds:Describe*"], "Resource": ["*"]},
        ],
    },
    allow(
        Action=["s3:*"],
        Resource=[
            "arn:aws:s3:us-west-2:123456789012:accesspoint/my-access-point",
            "arn:aws:s3:us-west-2:123456789012:accesspoint/my-access-point/object/*",
        ],
    ),
    # Accepted by PutUserPolicy (observed): upper case, unknown actions and services.
    allow(
        Action=["S3:GETOBJECT", "s3:StackdUnmodeledAction", "stackdunmodeled:Read"], Resource="*"
    ),
    allow(Action="iam:GetUser", Resource="arn:aws:iam::123456789012:root"),
    list_bucket(
        Condition={
            "NumericLessThanEquals": {"s3:max-keys": 10},
            "Bool": {"aws:SecureTransport": True},
        }
    ),
]


def as_text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


@pytest.fixture
def iam(access_mock: AccessMock) -> Any:
    return boto3.client("iam")


@pytest.mark.parametrize(("document", "message"), INVALID)
def test_create_policy_rejects_the_documents_aws_rejects(
    iam: Any, document: Any, message: str
) -> None:
    with pytest.raises(ClientError) as error:
        iam.create_policy(PolicyName="p", PolicyDocument=as_text(document))
    assert error.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    assert error.value.response["Error"]["Message"] == message
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert iam.list_policies(Scope="Local")["Policies"] == []  # nothing half-written


@pytest.mark.parametrize("document", VALID)
def test_create_policy_accepts_the_documents_aws_accepts(
    iam: Any, document: dict[str, Any]
) -> None:
    arn = iam.create_policy(PolicyName="p", PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    stored = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"]
    assert stored == document


def test_create_policy_version_validates_like_create_policy(iam: Any) -> None:
    arn = iam.create_policy(
        PolicyName="p", PolicyDocument=json.dumps(allow(Action="s3:x", Resource="*"))
    )["Policy"]["Arn"]
    with pytest.raises(ClientError) as error:
        iam.create_policy_version(
            PolicyArn=arn, PolicyDocument=json.dumps({"Statement": {"Effect": "Allow"}})
        )
    assert error.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    assert error.value.response["Error"]["Message"] == VERSION
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]] == ["v1"]


class TestInlinePolicyDocuments:
    @pytest.fixture(autouse=True)
    def _user(self, iam: Any) -> None:
        iam.create_user(UserName="alice")

    @pytest.mark.parametrize("version", [None, "2008-10-17"])
    def test_inline_policies_accept_a_missing_or_2008_version(
        self, iam: Any, version: str | None
    ) -> None:
        document: dict[str, Any] = {
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]
        }
        if version:
            document = {"Version": version, **document}
        iam.put_user_policy(UserName="alice", PolicyName="old", PolicyDocument=json.dumps(document))
        assert iam.get_user_policy(UserName="alice", PolicyName="old")["PolicyDocument"] == document

    def test_inline_legacy_error_is_not_hidden_by_the_version_check(self, iam: Any) -> None:
        # A PutRolePolicy without Version and with a 5-field IAM ARN got the legacy error.
        document = {
            "Statement": [
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam:12:user/x"}
            ]
        }
        with pytest.raises(ClientError) as error:
            iam.put_user_policy(
                UserName="alice", PolicyName="p", PolicyDocument=json.dumps(document)
            )
        assert error.value.response["Error"]["Message"] == LEGACY

    @pytest.mark.parametrize(
        ("document", "message"), [case for case in INVALID if case[1] != VERSION]
    )
    def test_inline_policies_reject_what_managed_ones_reject(
        self, iam: Any, document: Any, message: str
    ) -> None:
        with pytest.raises(ClientError) as error:
            iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=as_text(document))
        assert error.value.response["Error"]["Code"] == "MalformedPolicyDocument"
        assert error.value.response["Error"]["Message"] == message
        assert iam.list_user_policies(UserName="alice")["PolicyNames"] == []


class TestTrustPolicyDocuments:
    """Trust policies (CreateRole): principals required, resources forbidden."""

    def create_role(self, iam: Any, document: Any) -> Any:
        return iam.create_role(RoleName="r", AssumeRolePolicyDocument=as_text(document))

    def test_a_2008_trust_policy_without_resources_is_accepted(self, iam: Any) -> None:
        document = {
            "Version": "2008-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        self.create_role(iam, document)
        assert iam.get_role(RoleName="r")["Role"]["AssumeRolePolicyDocument"] == document

    @pytest.mark.parametrize(
        ("document", "message"),
        [
            ("{not json", "This policy contains invalid Json"),
            # A permissions policy sent as a trust policy (kubernetes-sigs/external-dns#3085).
            (
                allow(Action="route53:ListHostedZones", Resource="*"),
                "Has prohibited field Resource",
            ),
            (
                allow(Action="sts:AssumeRole"),
                (
                    "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
                    "The passed in policy has a statement with no principals!"
                ),
            ),
            (stmt(Effect="Allow", Principal={"Service": "ec2.amazonaws.com"}), NO_ACTIONS),
            (
                stmt(Effect="Allow", Principal="arn:aws:iam::1:root", Action="sts:AssumeRole"),
                SYNTAX,
            ),
        ],
    )
    def test_malformed_trust_policies(self, iam: Any, document: Any, message: str) -> None:
        with pytest.raises(ClientError) as error:
            self.create_role(iam, document)
        assert error.value.response["Error"]["Code"] == "MalformedPolicyDocument"
        assert error.value.response["Error"]["Message"] == message
        assert iam.list_roles()["Roles"] == []
