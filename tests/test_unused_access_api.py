"""Unused-access analyzers through boto3 and the AWS CLI: create, get, list, update, delete,
tags, client tokens, quotas, and every error path of the analyzer, finding, archive rule and
recommendation operations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, document

from iam_access_mock import AccessMock

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=timezone.utc)
TRUST = document(
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
)
ARN = f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/unused"


@pytest.fixture
def aa(access_mock: AccessMock) -> Any:
    access_mock.clock.set(NOW)
    return boto3.client("accessanalyzer", region_name="us-east-1")


def error_of(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response: dict[str, Any] = caught.value.response
    return response


def code_of(call: Any, **kwargs: Any) -> tuple[str, int]:
    response = error_of(call, **kwargs)
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def create(aa: Any, name: str = "unused", **kwargs: Any) -> str:
    return str(aa.create_analyzer(analyzerName=name, type="ACCOUNT_UNUSED_ACCESS", **kwargs)["arn"])


def test_create_get_list_update_delete(aa: Any) -> None:
    arn = create(aa, tags={"team": "security"}, clientToken="t-1")
    assert arn == ARN
    analyzer = aa.get_analyzer(analyzerName="unused")["analyzer"]
    assert analyzer == {
        "arn": ARN,
        "name": "unused",
        "type": "ACCOUNT_UNUSED_ACCESS",
        "createdAt": NOW,
        "status": "ACTIVE",
        "tags": {"team": "security"},
        "configuration": {"unusedAccess": {"unusedAccessAge": 90}},
    }
    # The same client token and request answer the first ARN; ListAnalyzers omits configuration.
    assert create(aa, tags={"team": "security"}, clientToken="t-1") == ARN
    (listed,) = aa.list_analyzers(type="ACCOUNT_UNUSED_ACCESS")["analyzers"]
    assert "configuration" not in listed and listed["arn"] == ARN
    assert aa.list_analyzers(type="ORGANIZATION_UNUSED_ACCESS")["analyzers"] == []
    updated = aa.update_analyzer(
        analyzerName="unused", configuration={"unusedAccess": {"unusedAccessAge": 30}}
    )
    assert updated["configuration"] == {"unusedAccess": {"unusedAccessAge": 30}}
    aa.delete_analyzer(analyzerName="unused", clientToken="d-1")
    aa.delete_analyzer(analyzerName="unused", clientToken="d-1")  # a retry succeeds
    assert code_of(aa.get_analyzer, analyzerName="unused") == ("ResourceNotFoundException", 404)
    assert code_of(aa.delete_analyzer, analyzerName="unused") == ("ResourceNotFoundException", 404)


def test_list_analyzers_page_by_page(access_mock: AccessMock, aa: Any) -> None:
    organizations = boto3.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    create(aa, "first")
    for name in ("second", "third"):
        aa.create_analyzer(analyzerName=name, type="ORGANIZATION_UNUSED_ACCESS")
    pages = list(aa.get_paginator("list_analyzers").paginate(PaginationConfig={"PageSize": 1}))
    assert [[a["name"] for a in page["analyzers"]] for page in pages] == [
        ["first"],
        ["second"],
        ["third"],
    ]
    assert code_of(aa.list_analyzers, nextToken="garbage") == ("ValidationException", 400)


def test_tags(aa: Any) -> None:
    create(aa)
    aa.tag_resource(resourceArn=ARN, tags={"a": "1", "b": "2"})
    aa.untag_resource(resourceArn=ARN, tagKeys=["a", "missing"])
    assert aa.list_tags_for_resource(resourceArn=ARN)["tags"] == {"b": "2"}
    other = ARN.replace("unused", "other")
    for call, kwargs in (
        (aa.tag_resource, {"tags": {"a": "1"}}),
        (aa.untag_resource, {"tagKeys": ["a"]}),
        (aa.list_tags_for_resource, {}),
    ):
        assert code_of(call, resourceArn=other, **kwargs) == ("ResourceNotFoundException", 404)
    response = error_of(aa.tag_resource, resourceArn=ARN, tags={"aws:x": "1"})
    assert response["Error"]["Code"] == "ValidationException"
    assert response["reason"] == "fieldValidationFailed"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"type": "ACCOUNT"}, "type"),
        ({"type": "ORGANIZATION_INTERNAL_ACCESS"}, "type"),
        (
            {"configuration": {"unusedAccess": {"unusedAccessAge": 0}}},
            "configuration.unusedAccess.unusedAccessAge",
        ),
        (
            {"configuration": {"unusedAccess": {"unusedAccessAge": 366}}},
            "configuration.unusedAccess.unusedAccessAge",
        ),
        ({"configuration": {"internalAccess": {}}}, "configuration"),
        (
            {
                "configuration": {
                    "unusedAccess": {
                        "analysisRule": {"exclusions": [{"accountIds": ["111122223333"]}]}
                    }
                }
            },
            "configuration.unusedAccess.analysisRule.exclusions.1.member.accountIds",
        ),
        (
            {"configuration": {"unusedAccess": {"analysisRule": {"exclusions": [{}]}}}},
            "configuration.unusedAccess.analysisRule.exclusions.1.member",
        ),
        (
            {"archiveRules": [{"ruleName": "r", "filter": {"status": {"eq": ["ACTIVE"]}}}]},
            "archiveRules.1.member.filter.status",
        ),
        ({"tags": {"aws:reserved": "x"}}, "tags.aws:reserved"),
    ],
)
def test_create_analyzer_validation(aa: Any, kwargs: dict[str, Any], field: str) -> None:
    request = {"analyzerName": "unused", "type": "ACCOUNT_UNUSED_ACCESS", **kwargs}
    response = error_of(aa.create_analyzer, **request)
    assert response["Error"]["Code"] == "ValidationException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert [entry["name"] for entry in response["fieldList"]] == [field]
    expected = "notSupported" if field == "type" else "fieldValidationFailed"
    assert response["reason"] == expected


def test_create_analyzer_conflicts_and_quotas(aa: Any) -> None:
    create(aa, clientToken="t-1")
    response = error_of(aa.create_analyzer, analyzerName="unused", type="ACCOUNT_UNUSED_ACCESS")
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "ConflictException",
        409,
    )
    assert response["resourceId"] == "unused"
    assert code_of(
        aa.create_analyzer,
        analyzerName="unused",
        type="ACCOUNT_UNUSED_ACCESS",
        clientToken="t-1",
        tags={"changed": "yes"},
    ) == ("ConflictException", 409)
    response = error_of(aa.create_analyzer, analyzerName="second", type="ACCOUNT_UNUSED_ACCESS")
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "ServiceQuotaExceededException",
        402,
    )
    # The quota is per Region.
    create(boto3.client("accessanalyzer", region_name="eu-west-1"), "second")
    # Organization analyzers need the management account of an organization.
    assert code_of(aa.create_analyzer, analyzerName="org", type="ORGANIZATION_UNUSED_ACCESS") == (
        "ValidationException",
        400,
    )


def test_organization_analyzers_quota_and_disabled_status(aa: Any) -> None:
    organizations = boto3.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    for number in range(5):
        aa.create_analyzer(analyzerName=f"org{number}", type="ORGANIZATION_UNUSED_ACCESS")
    assert code_of(aa.create_analyzer, analyzerName="org5", type="ORGANIZATION_UNUSED_ACCESS") == (
        "ServiceQuotaExceededException",
        402,
    )
    organizations.delete_organization()
    analyzer = aa.get_analyzer(analyzerName="org0")["analyzer"]
    assert analyzer["status"] == "DISABLED"
    assert analyzer["statusReason"] == {"code": "ORGANIZATION_DELETED"}


def test_unknown_analyzers(aa: Any) -> None:
    create(aa)
    other_region = ARN.replace("us-east-1", "eu-west-1")
    for arn in (
        ARN.replace("unused", "missing"),
        other_region,
        f"arn:aws:s3:us-east-1:{ACCOUNT}:analyzer/unused",
    ):
        for call, kwargs in (
            (aa.list_findings_v2, {}),
            (aa.get_finding_v2, {"id": "x"}),
            (aa.get_findings_statistics, {}),
            (aa.update_findings, {"status": "ARCHIVED", "ids": ["x"]}),
            (aa.apply_archive_rule, {"ruleName": "r"}),
            (aa.get_finding_recommendation, {"id": "x"}),
        ):
            assert code_of(call, analyzerArn=arn, **kwargs) == ("ResourceNotFoundException", 404)
        # GenerateFindingRecommendation models no ResourceNotFoundException.
        assert code_of(aa.generate_finding_recommendation, analyzerArn=arn, id="x") == (
            "ValidationException",
            400,
        )
    assert code_of(aa.update_analyzer, analyzerName="missing") == ("ResourceNotFoundException", 404)
    assert code_of(aa.list_archive_rules, analyzerName="missing") == ("ValidationException", 400)
    assert code_of(
        aa.create_archive_rule,
        analyzerName="missing",
        ruleName="r",
        filter={"resource": {"exists": True}},
    ) == ("ResourceNotFoundException", 404)


def test_finding_errors(access_mock: AccessMock, aa: Any) -> None:
    access_mock.clock.set(NOW - timedelta(days=100))
    iam = boto3.client("iam")
    iam.create_role(RoleName="idle", AssumeRolePolicyDocument=TRUST)
    access_mock.clock.set(NOW)
    create(aa)
    (finding,) = aa.list_findings_v2(analyzerArn=ARN)["findings"]
    response = error_of(aa.get_finding_v2, analyzerArn=ARN, id="nope")
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["resourceId"] == "nope"
    assert code_of(aa.list_findings_v2, analyzerArn=ARN, filter={"principal": {"eq": ["x"]}}) == (
        "ValidationException",
        400,
    )
    assert code_of(aa.list_findings_v2, analyzerArn=ARN, filter={"status": {}}) == (
        "ValidationException",
        400,
    )
    assert code_of(aa.list_findings_v2, analyzerArn=ARN, sort={"attributeName": "colour"}) == (
        "ValidationException",
        400,
    )
    assert code_of(aa.list_findings_v2, analyzerArn=ARN, maxResults=0) == (
        "ValidationException",
        400,
    )
    other_token = aa.list_findings_v2(analyzerArn=ARN, maxResults=1)
    assert "nextToken" not in other_token
    assert code_of(aa.list_findings_v2, analyzerArn=ARN, nextToken="not-a-token") == (
        "ValidationException",
        400,
    )
    assert code_of(aa.update_findings, analyzerArn=ARN, status="ARCHIVED") == (
        "ValidationException",
        400,
    )
    assert code_of(
        aa.update_findings,
        analyzerArn=ARN,
        status="ARCHIVED",
        ids=[finding["id"]],
        resourceArn=finding["resource"],
    ) == ("ValidationException", 400)
    assert code_of(
        aa.update_findings, analyzerArn=ARN, status="ARCHIVED", ids=[finding["id"], "nope"]
    ) == (
        "ResourceNotFoundException",
        404,
    )
    assert aa.get_finding_v2(analyzerArn=ARN, id=finding["id"])["status"] == "ACTIVE"  # unchanged
    assert code_of(
        aa.update_findings,
        analyzerArn=ARN,
        status="ARCHIVED",
        resourceArn=f"arn:aws:iam::{ACCOUNT}:role/other",
    ) == ("ResourceNotFoundException", 404)
    # Recommendations exist for UnusedPermission findings only, and after Generate.
    assert code_of(aa.generate_finding_recommendation, analyzerArn=ARN, id=finding["id"]) == (
        "ValidationException",
        400,
    )
    assert code_of(aa.generate_finding_recommendation, analyzerArn=ARN, id="nope") == (
        "ValidationException",
        400,
    )
    assert code_of(aa.get_finding_recommendation, analyzerArn=ARN, id=finding["id"]) == (
        "ResourceNotFoundException",
        404,
    )


def test_archive_rule_errors(aa: Any) -> None:
    create(aa)
    rule = {"analyzerName": "unused", "ruleName": "r", "filter": {"resource": {"exists": True}}}
    aa.create_archive_rule(**rule, clientToken="c-1")
    aa.create_archive_rule(**rule, clientToken="c-1")  # the same request again succeeds
    assert code_of(aa.create_archive_rule, **rule) == ("ConflictException", 409)
    assert code_of(
        aa.create_archive_rule,
        analyzerName="unused",
        ruleName="s",
        filter={"status": {"eq": ["ACTIVE"]}},
    ) == ("ValidationException", 400)
    assert code_of(
        aa.create_archive_rule,
        analyzerName="unused",
        ruleName="s",
        filter={"isPublic": {"eq": ["true"]}},
    ) == ("ValidationException", 400)
    for call, kwargs in (
        (aa.get_archive_rule, {}),
        (aa.update_archive_rule, {"filter": {"resource": {"exists": True}}}),
        (aa.delete_archive_rule, {}),
    ):
        assert code_of(call, analyzerName="unused", ruleName="missing", **kwargs) == (
            "ResourceNotFoundException",
            404,
        )
    assert code_of(aa.apply_archive_rule, analyzerArn=ARN, ruleName="missing") == (
        "ResourceNotFoundException",
        404,
    )
    for number in range(99):
        aa.create_archive_rule(
            analyzerName="unused", ruleName=f"n{number}", filter={"resource": {"exists": True}}
        )
    assert code_of(
        aa.create_archive_rule,
        analyzerName="unused",
        ruleName="last",
        filter={"resource": {"exists": True}},
    ) == ("ServiceQuotaExceededException", 402)


def test_the_aws_cli_creates_an_analyzer_and_lists_findings(
    access_mock: AccessMock, aws_cli: Any
) -> None:
    access_mock.clock.set(NOW - timedelta(days=100))
    boto3.client("iam").create_role(RoleName="idle", AssumeRolePolicyDocument=TRUST)
    access_mock.clock.set(NOW)
    created = aws_cli(
        "accessanalyzer",
        "create-analyzer",
        "--analyzer-name",
        "unused",
        "--type",
        "ACCOUNT_UNUSED_ACCESS",
        "--configuration",
        '{"unusedAccess": {"unusedAccessAge": 30}}',
        "--region",
        "us-east-1",
    )
    assert created == {"arn": ARN}
    listed = aws_cli(
        "accessanalyzer", "list-findings-v2", "--analyzer-arn", ARN, "--region", "us-east-1"
    )
    (finding,) = listed["findings"]
    assert finding["resource"] == f"arn:aws:iam::{ACCOUNT}:role/idle"
    assert finding["findingType"] == "UnusedIAMRole"
    assert finding["status"] == "ACTIVE"
    assert finding["resourceType"] == "AWS::IAM::Role"
    assert finding["analyzedAt"].startswith("2026-06-10T12:00:00")
    shown = aws_cli(
        "accessanalyzer",
        "get-finding-v2",
        "--analyzer-arn",
        ARN,
        "--id",
        finding["id"],
        "--region",
        "us-east-1",
    )
    assert shown["findingDetails"] == [{"unusedIamRoleDetails": {}}]
