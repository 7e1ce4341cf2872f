"""SAML and OpenID Connect providers through boto3."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from support import ACCOUNT, NOW

METADATA = (
    '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com" '
    'validUntil="2030-01-01T00:00:00Z"><IDPSSODescriptor '
    'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></EntityDescriptor>'
) + " " * 1000  # the model asks for at least 1,000 characters
THUMB = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"


def code_of(call: Any, **params: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"][
        "HTTPStatusCode"
    ]


def test_saml_provider(iam: Any) -> None:
    arn = iam.create_saml_provider(
        Name="okta", SAMLMetadataDocument=METADATA, Tags=[{"Key": "k", "Value": "v"}]
    )["SAMLProviderArn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:saml-provider/okta"
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == METADATA and got["CreateDate"] == NOW
    assert got["ValidUntil"].year == 2030
    assert [p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]] == [arn]
    assert (
        code_of(iam.create_saml_provider, Name="okta", SAMLMetadataDocument=METADATA)[0]
        == "EntityAlreadyExists"
    )
    iam.tag_saml_provider(SAMLProviderArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
    iam.untag_saml_provider(SAMLProviderArn=arn, TagKeys=["k"])
    assert iam.list_saml_provider_tags(SAMLProviderArn=arn)["Tags"] == [
        {"Key": "env", "Value": "prod"}
    ]
    assert iam.get_account_summary()["SummaryMap"]["Providers"] == 1
    iam.delete_saml_provider(SAMLProviderArn=arn)
    assert code_of(iam.get_saml_provider, SAMLProviderArn=arn) == ("NoSuchEntity", 404)


@pytest.mark.parametrize(
    "document",
    [
        "not xml at all" + " " * 1000,
        "<Something/>" + " " * 1000,
        '<!DOCTYPE x [<!ENTITY a "b">]><EntityDescriptor>&a;</EntityDescriptor>' + " " * 1000,
    ],
)
def test_bad_saml_metadata(iam: Any, document: str) -> None:
    assert code_of(iam.create_saml_provider, Name="bad", SAMLMetadataDocument=document) == (
        "InvalidInput",
        400,
    )
    assert iam.list_saml_providers()["SAMLProviderList"] == []


def test_oidc_provider(iam: Any) -> None:
    arn = iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=[THUMB],
    )["OpenIDConnectProviderArn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert (got["Url"], got["ClientIDList"], got["ThumbprintList"]) == (
        "token.actions.githubusercontent.com",
        ["sts.amazonaws.com"],
        [THUMB],
    )
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="other")
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="other")
    iam.remove_client_id_from_open_id_connect_provider(
        OpenIDConnectProviderArn=arn, ClientID="sts.amazonaws.com"
    )
    iam.update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=arn, ThumbprintList=["a" * 40]
    )
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert (got["ClientIDList"], got["ThumbprintList"]) == (["other"], ["a" * 40])
    assert [
        p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    ] == [arn]
    assert (
        code_of(
            iam.create_open_id_connect_provider, Url="https://token.actions.githubusercontent.com"
        )[0]
        == "EntityAlreadyExists"
    )
    assert (
        code_of(iam.create_open_id_connect_provider, Url="http://insecure.example.com")[0]
        == "InvalidInput"
    )
    iam.tag_open_id_connect_provider(
        OpenIDConnectProviderArn=arn, Tags=[{"Key": "k", "Value": "v"}]
    )
    assert iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"] == [
        {"Key": "k", "Value": "v"}
    ]
    iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["k"])
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert code_of(iam.get_open_id_connect_provider, OpenIDConnectProviderArn=arn) == (
        "NoSuchEntity",
        404,
    )
