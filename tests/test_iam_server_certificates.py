"""Server certificates through boto3: upload checks, the metadata read back, listing and its
pages, rename and move, delete, tags and the account quota. Expected values are worked out by
hand from key_material.py (its docstring gives every certificate's validity)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from key_material import (
    CERTIFICATE,
    EC_CERTIFICATE,
    EC_KEY,
    KEY,
    LONG_CERTIFICATE,
    LONG_KEY_ENCRYPTED,
    LONG_KEY_PKCS1,
    OTHER_CERTIFICATE,
    OTHER_KEY,
)
from support import ACCOUNT, error_and_status, raw_client

from iam_access_mock.handle import AccessMock

NOW = datetime(2027, 6, 1, 9, 30, tzinfo=timezone.utc)
ID_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


@pytest.fixture
def iam(access_mock: AccessMock) -> Any:
    access_mock.clock.set(NOW)
    return boto3.client("iam")


def _upload(iam: Any, name: str = "web", **extra: Any) -> dict[str, Any]:
    request = {"ServerCertificateName": name, "CertificateBody": CERTIFICATE, "PrivateKey": KEY}
    return iam.upload_server_certificate(**{**request, **extra})  # type: ignore[no-any-return]


def _names(iam: Any, **params: Any) -> list[str]:
    listed = iam.list_server_certificates(**params)["ServerCertificateMetadataList"]
    return [metadata["ServerCertificateName"] for metadata in listed]


# ---- UploadServerCertificate ------------------------------------------------------------------


def test_upload_answers_the_metadata_and_no_tags_element_without_tags(iam: Any) -> None:
    answer = _upload(iam, "web")
    metadata = answer["ServerCertificateMetadata"]
    certificate_id = metadata.pop("ServerCertificateId")
    assert metadata == {
        "Path": "/",
        "ServerCertificateName": "web",
        "Arn": f"arn:aws:iam::{ACCOUNT}:server-certificate/web",
        "UploadDate": NOW,
        "Expiration": datetime(2040, 1, 1, 12, 30, tzinfo=timezone.utc),  # UTCTime 400101123000Z
    }
    assert certificate_id.startswith("ASCA") and len(certificate_id) == 21
    assert set(certificate_id) <= ID_ALPHABET
    assert "Tags" not in answer


def test_a_generalized_time_not_after_and_a_pkcs1_key(iam: Any) -> None:
    metadata = iam.upload_server_certificate(
        ServerCertificateName="long", CertificateBody=LONG_CERTIFICATE, PrivateKey=LONG_KEY_PKCS1
    )["ServerCertificateMetadata"]
    assert metadata["Expiration"] == datetime(2055, 3, 15, 8, 0, tzinfo=timezone.utc)


def test_an_ec_certificate_with_its_ec_key(iam: Any) -> None:
    metadata = iam.upload_server_certificate(
        ServerCertificateName="ec", CertificateBody=EC_CERTIFICATE, PrivateKey=EC_KEY
    )["ServerCertificateMetadata"]
    assert metadata["Expiration"] == datetime(2039, 6, 30, tzinfo=timezone.utc)


def test_path_and_tags_are_kept_and_read_back(iam: Any) -> None:
    tags = [{"Key": "team", "Value": "edge"}, {"Key": "env", "Value": ""}]
    answer = _upload(iam, "cdn-cert", Path="/cloudfront/prod/", Tags=tags)
    assert answer["Tags"] == tags
    metadata = answer["ServerCertificateMetadata"]
    assert metadata["Path"] == "/cloudfront/prod/"
    assert metadata["Arn"] == f"arn:aws:iam::{ACCOUNT}:server-certificate/cloudfront/prod/cdn-cert"
    found = iam.get_server_certificate(ServerCertificateName="cdn-cert")["ServerCertificate"]
    assert found["ServerCertificateMetadata"] == metadata
    assert found["Tags"] == tags


@pytest.mark.parametrize(
    ("body", "key", "chain", "message"),
    [
        (
            "hello",
            KEY,
            None,
            "Unable to parse certificate. Please ensure the certificate is in PEM format.",
        ),
        (
            KEY,
            KEY,
            None,
            "Unable to parse certificate. Please ensure the certificate is in PEM format.",
        ),
        (
            KEY.replace("PRIVATE KEY", "CERTIFICATE"),  # a key's DER under a certificate's label
            KEY,
            None,
            "Unable to parse certificate. Please ensure the certificate is in PEM format.",
        ),
        (CERTIFICATE, CERTIFICATE, None, "Unable to parse private key."),
        (CERTIFICATE, LONG_KEY_ENCRYPTED, None, "Unable to parse private key."),
        (
            CERTIFICATE,
            "-----BEGIN RSA PRIVATE KEY-----\n@@@@\n-----END RSA PRIVATE KEY-----",
            None,
            "Unable to parse private key.",
        ),
        (CERTIFICATE, KEY, "not a chain", "Unable to parse certificate chain."),
        (
            CERTIFICATE,
            KEY,
            OTHER_CERTIFICATE + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "Unable to parse certificate chain.",
        ),
    ],
    ids=[
        "text",
        "a-key",
        "key-der",
        "key-is-a-certificate",
        "encrypted-key",
        "key-not-base64",
        "chain-text",
        "chain-bad-second",
    ],
)
def test_malformed_bodies_keys_and_chains(
    iam: Any, body: str, key: str, chain: str | None, message: str
) -> None:
    extra = {} if chain is None else {"CertificateChain": chain}
    with pytest.raises(ClientError) as raised:
        iam.upload_server_certificate(
            ServerCertificateName="bad", CertificateBody=body, PrivateKey=key, **extra
        )
    assert error_and_status(raised) == ("MalformedCertificate", message, 400)
    assert _names(iam) == []


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (CERTIFICATE, OTHER_KEY),  # two RSA keys, PKCS#8
        (CERTIFICATE, LONG_KEY_PKCS1),  # two RSA keys, the key in PKCS#1
        (CERTIFICATE, EC_KEY),  # an RSA certificate, an EC key
        (EC_CERTIFICATE, KEY),  # an EC certificate, an RSA key
    ],
    ids=["rsa-pkcs8", "rsa-pkcs1", "rsa-certificate-ec-key", "ec-certificate-rsa-key"],
)
def test_a_key_that_is_not_the_certificates_is_key_pair_mismatch(
    iam: Any, body: str, key: str
) -> None:
    with pytest.raises(ClientError) as raised:
        iam.upload_server_certificate(
            ServerCertificateName="bad", CertificateBody=body, PrivateKey=key
        )
    assert error_and_status(raised) == (
        "KeyPairMismatch",
        "The public key certificate and the private key do not match.",
        400,
    )
    assert _names(iam) == []


def test_a_chain_of_several_certificates_is_kept_verbatim(iam: Any) -> None:
    chain = OTHER_CERTIFICATE + LONG_CERTIFICATE
    _upload(iam, "chained", CertificateChain=chain)
    found = iam.get_server_certificate(ServerCertificateName="chained")["ServerCertificate"]
    assert found["CertificateChain"] == chain
    assert found["CertificateBody"] == CERTIFICATE
    assert "Tags" not in found


def test_names_are_unique_regardless_of_case(iam: Any) -> None:
    _upload(iam, "Web")
    with pytest.raises(ClientError) as raised:
        _upload(iam, "wEB", CertificateBody=OTHER_CERTIFICATE, PrivateKey=OTHER_KEY)
    assert error_and_status(raised) == (
        "EntityAlreadyExists",
        "The Server Certificate with name wEB already exists.",
        409,
    )
    assert _names(iam) == ["Web"]


def test_the_quota_is_twenty_and_get_account_summary_counts_them(iam: Any) -> None:
    summary = iam.get_account_summary()["SummaryMap"]
    assert (summary["ServerCertificates"], summary["ServerCertificatesQuota"]) == (0, 20)
    for index in range(20):
        _upload(iam, f"cert-{index:02}")
    with pytest.raises(ClientError) as raised:
        _upload(iam, "one-too-many")
    assert error_and_status(raised) == (
        "LimitExceeded",
        "Cannot exceed quota for ServerCertificatesPerAccount: 20",
        409,
    )
    assert iam.get_account_summary()["SummaryMap"]["ServerCertificates"] == 20
    iam.delete_server_certificate(ServerCertificateName="cert-00")
    assert iam.get_account_summary()["SummaryMap"]["ServerCertificates"] == 19
    _upload(iam, "one-too-many")


def test_bad_tags_refuse_the_upload(iam: Any) -> None:
    with pytest.raises(ClientError) as raised:
        _upload(iam, Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])
    assert error_and_status(raised) == (
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        400,
    )
    with pytest.raises(ClientError) as raised:
        _upload(iam, Tags=[{"Key": "aws:owner", "Value": "x"}])
    assert error_and_status(raised)[0] == "InvalidInput"
    assert _names(iam) == []


# ---- GetServerCertificate / ListServerCertificates ----------------------------------------------


def test_get_finds_a_name_in_any_case_and_names_a_missing_one(iam: Any) -> None:
    _upload(iam, "MixedCase")
    found = iam.get_server_certificate(ServerCertificateName="mixedcase")["ServerCertificate"]
    assert found["ServerCertificateMetadata"]["ServerCertificateName"] == "MixedCase"
    with pytest.raises(ClientError) as raised:
        iam.get_server_certificate(ServerCertificateName="absent")
    assert error_and_status(raised) == (
        "NoSuchEntity",
        "The Server Certificate with name absent cannot be found.",
        404,
    )


def test_list_is_sorted_by_name_and_filtered_by_path_prefix(iam: Any) -> None:
    assert iam.list_server_certificates()["ServerCertificateMetadataList"] == []
    for name, path in (
        ("delta", "/"),
        ("Bravo", "/elb/"),
        ("alpha", "/elb/prod/"),
        ("charlie", "/cloudfront/"),
    ):
        _upload(iam, name, Path=path)
    assert _names(iam) == ["alpha", "Bravo", "charlie", "delta"]
    assert _names(iam, PathPrefix="/elb/") == ["alpha", "Bravo"]
    assert _names(iam, PathPrefix="/elb/prod") == ["alpha"]
    assert _names(iam, PathPrefix="/nothing/") == []
    listed = iam.list_server_certificates(PathPrefix="/cloudfront/")[
        "ServerCertificateMetadataList"
    ]
    assert listed[0]["Arn"] == f"arn:aws:iam::{ACCOUNT}:server-certificate/cloudfront/charlie"
    assert set(listed[0]) == {
        "Path",
        "ServerCertificateName",
        "ServerCertificateId",
        "Arn",
        "UploadDate",
        "Expiration",
    }


def test_pages_through_botocores_paginator_and_by_hand(iam: Any) -> None:
    for index in range(5):
        _upload(iam, f"c{index}", Path="/p/" if index % 2 else "/")
    paginator = iam.get_paginator("list_server_certificates")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 2}))
    assert [
        [m["ServerCertificateName"] for m in page["ServerCertificateMetadataList"]]
        for page in pages
    ] == [
        ["c0", "c1"],
        ["c2", "c3"],
        ["c4"],
    ]
    assert [page["IsTruncated"] for page in pages] == [True, True, False]
    under = paginator.paginate(
        PathPrefix="/p/", PaginationConfig={"PageSize": 1}
    ).build_full_result()
    assert [m["ServerCertificateName"] for m in under["ServerCertificateMetadataList"]] == [
        "c1",
        "c3",
    ]
    first = iam.list_server_certificates(MaxItems=3)
    assert first["IsTruncated"] is True
    rest = iam.list_server_certificates(MaxItems=3, Marker=first["Marker"])
    assert [m["ServerCertificateName"] for m in rest["ServerCertificateMetadataList"]] == [
        "c3",
        "c4",
    ]
    assert rest["IsTruncated"] is False and "Marker" not in rest


def test_a_marker_survives_a_deletion_and_is_refused_for_another_prefix(iam: Any) -> None:
    for name in ("a", "b", "c", "d"):
        _upload(iam, name)
    first = iam.list_server_certificates(MaxItems=2)
    iam.delete_server_certificate(ServerCertificateName="b")
    rest = iam.list_server_certificates(Marker=first["Marker"])
    assert [m["ServerCertificateName"] for m in rest["ServerCertificateMetadataList"]] == ["c", "d"]
    with pytest.raises(ClientError) as raised:
        iam.list_server_certificates(Marker=first["Marker"], PathPrefix="/other/")
    assert error_and_status(raised)[0] == "ValidationError"
    with pytest.raises(ClientError) as raised:
        iam.list_server_certificates(Marker="not-a-marker")
    assert error_and_status(raised) == ("ValidationError", "Invalid Marker.", 400)


def test_max_items_out_of_range_is_a_validation_error(access_mock: AccessMock) -> None:
    with pytest.raises(ClientError) as raised:
        raw_client("iam").list_server_certificates(MaxItems=0)
    assert error_and_status(raised)[0] == "ValidationError"


# ---- UpdateServerCertificate / DeleteServerCertificate ----------------------------------------


def test_rename_keeps_the_id_and_path_and_frees_the_old_name(iam: Any) -> None:
    uploaded = _upload(iam, "old", Path="/elb/")["ServerCertificateMetadata"]
    iam.update_server_certificate(ServerCertificateName="OLD", NewServerCertificateName="new")
    metadata = iam.get_server_certificate(ServerCertificateName="new")["ServerCertificate"][
        "ServerCertificateMetadata"
    ]
    assert metadata["ServerCertificateId"] == uploaded["ServerCertificateId"]
    assert metadata["Path"] == "/elb/"
    assert metadata["Arn"] == f"arn:aws:iam::{ACCOUNT}:server-certificate/elb/new"
    assert metadata["UploadDate"] == uploaded["UploadDate"]
    with pytest.raises(ClientError) as raised:
        iam.get_server_certificate(ServerCertificateName="old")
    assert error_and_status(raised)[0] == "NoSuchEntity"
    _upload(iam, "old", CertificateBody=OTHER_CERTIFICATE, PrivateKey=OTHER_KEY)
    assert _names(iam) == ["new", "old"]


def test_a_move_keeps_the_name_and_a_case_change_is_allowed(iam: Any) -> None:
    _upload(iam, "web")
    iam.update_server_certificate(ServerCertificateName="web", NewPath="/cloudfront/")
    assert _names(iam, PathPrefix="/cloudfront/") == ["web"]
    iam.update_server_certificate(ServerCertificateName="web", NewServerCertificateName="WEB")
    metadata = iam.get_server_certificate(ServerCertificateName="web")["ServerCertificate"][
        "ServerCertificateMetadata"
    ]
    assert metadata["ServerCertificateName"] == "WEB"
    assert metadata["Arn"] == f"arn:aws:iam::{ACCOUNT}:server-certificate/cloudfront/WEB"


def test_update_errors(iam: Any) -> None:
    _upload(iam, "one")
    _upload(iam, "two")
    with pytest.raises(ClientError) as raised:
        iam.update_server_certificate(ServerCertificateName="one", NewServerCertificateName="Two")
    assert error_and_status(raised) == (
        "EntityAlreadyExists",
        "The Server Certificate with name Two already exists.",
        409,
    )
    with pytest.raises(ClientError) as raised:
        iam.update_server_certificate(ServerCertificateName="three", NewPath="/x/")
    assert error_and_status(raised) == (
        "NoSuchEntity",
        "The Server Certificate with name three cannot be found.",
        404,
    )
    assert _names(iam) == ["one", "two"]


def test_delete_and_delete_again(iam: Any) -> None:
    _upload(iam, "gone")
    iam.delete_server_certificate(ServerCertificateName="GONE")
    assert _names(iam) == []
    with pytest.raises(ClientError) as raised:
        iam.delete_server_certificate(ServerCertificateName="gone")
    assert error_and_status(raised) == (
        "NoSuchEntity",
        "The Server Certificate with name gone cannot be found.",
        404,
    )


# ---- tags ---------------------------------------------------------------------------------------


def test_tag_untag_and_list_tags(iam: Any) -> None:
    _upload(iam, "web", Tags=[{"Key": "Team", "Value": "edge"}])
    iam.tag_server_certificate(
        ServerCertificateName="web",
        Tags=[{"Key": "team", "Value": "core"}, {"Key": "env", "Value": "prod"}],
    )
    # A key differing only in case replaces the value and keeps the stored key.
    assert iam.list_server_certificate_tags(ServerCertificateName="WEB")["Tags"] == [
        {"Key": "Team", "Value": "core"},
        {"Key": "env", "Value": "prod"},
    ]
    iam.untag_server_certificate(ServerCertificateName="web", TagKeys=["TEAM", "absent"])
    assert iam.list_server_certificate_tags(ServerCertificateName="web")["Tags"] == [
        {"Key": "env", "Value": "prod"}
    ]
    found = iam.get_server_certificate(ServerCertificateName="web")["ServerCertificate"]
    assert found["Tags"] == [{"Key": "env", "Value": "prod"}]


def test_tags_page_through_botocores_paginator(iam: Any) -> None:
    tags = [{"Key": f"k{index}", "Value": str(index)} for index in range(7)]
    _upload(iam, "web", Tags=tags)
    paginator = iam.get_paginator("list_server_certificate_tags")
    pages = list(paginator.paginate(ServerCertificateName="web", PaginationConfig={"PageSize": 3}))
    assert [len(page["Tags"]) for page in pages] == [3, 3, 1]
    assert [tag for page in pages for tag in page["Tags"]] == tags


def test_fifty_tags_at_most(iam: Any) -> None:
    _upload(iam, "web", Tags=[{"Key": f"k{index}", "Value": ""} for index in range(50)])
    iam.tag_server_certificate(
        ServerCertificateName="web", Tags=[{"Key": "K0", "Value": "replaced"}]
    )
    with pytest.raises(ClientError) as raised:
        iam.tag_server_certificate(ServerCertificateName="web", Tags=[{"Key": "k50", "Value": ""}])
    assert error_and_status(raised) == (
        "LimitExceeded",
        "Cannot exceed quota for TagsPerServerCertificate: 50",
        409,
    )
    assert (
        len(iam.list_server_certificate_tags(ServerCertificateName="web", MaxItems=100)["Tags"])
        == 50
    )


def test_tag_operations_on_a_missing_certificate_and_bad_tag_requests(iam: Any) -> None:
    missing = "The Server Certificate with name absent cannot be found."
    with pytest.raises(ClientError) as raised:
        iam.tag_server_certificate(
            ServerCertificateName="absent", Tags=[{"Key": "k", "Value": "v"}]
        )
    assert error_and_status(raised) == ("NoSuchEntity", missing, 404)
    with pytest.raises(ClientError) as raised:
        iam.untag_server_certificate(ServerCertificateName="absent", TagKeys=["k"])
    assert error_and_status(raised) == ("NoSuchEntity", missing, 404)
    with pytest.raises(ClientError) as raised:
        iam.list_server_certificate_tags(ServerCertificateName="absent")
    assert error_and_status(raised) == ("NoSuchEntity", missing, 404)
    _upload(iam, "web")
    with pytest.raises(ClientError) as raised:
        iam.tag_server_certificate(
            ServerCertificateName="web",
            Tags=[{"Key": "k", "Value": "1"}, {"Key": "K", "Value": "2"}],
        )
    assert error_and_status(raised)[0] == "InvalidInput"
    with pytest.raises(ClientError) as raised:
        raw_client("iam").tag_server_certificate(ServerCertificateName="web", Tags=[])
    assert error_and_status(raised)[0] == "InvalidInput"
    with pytest.raises(ClientError) as raised:
        raw_client("iam").untag_server_certificate(ServerCertificateName="web", TagKeys=[])
    assert error_and_status(raised)[0] == "InvalidInput"
    assert iam.list_server_certificate_tags(ServerCertificateName="web")["Tags"] == []


def test_what_is_stored_still_reads_after_refused_requests(iam: Any) -> None:
    _upload(iam, "web", Tags=[{"Key": "k", "Value": "v"}])
    for body in (
        "",
        "x" * 100,
        "-----BEGIN CERTIFICATE-----\n" + "A" * 4000 + "\n-----END CERTIFICATE-----",
    ):
        with pytest.raises(ClientError):
            raw_client("iam").upload_server_certificate(
                ServerCertificateName="bad", CertificateBody=body, PrivateKey=KEY
            )
    assert _names(iam) == ["web"]
    assert (
        iam.get_server_certificate(ServerCertificateName="web")["ServerCertificate"][
            "CertificateBody"
        ]
        == CERTIFICATE
    )
    assert iam.get_account_authorization_details()["UserDetailList"] == []
