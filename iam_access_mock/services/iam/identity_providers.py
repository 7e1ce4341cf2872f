"""Identity providers: SAML providers and OpenID Connect providers, with their tags.

Providers are kept by ARN. A SAML metadata document must be XML whose root is an
EntityDescriptor (or EntitiesDescriptor); documents with a DOCTYPE are refused before parsing,
so no entity is ever expanded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from xml.etree import ElementTree

from ...errors import EntityAlreadyExists, InvalidInput, NoSuchEntity
from ...service import RequestContext
from . import provider
from .tags import check_new_tags, check_tag_keys, list_tags_page, merge_tags, remove_tags, tag_list

# Rule chosen: metadata without validUntil is valid for 100 years from its upload.
DEFAULT_VALIDITY = timedelta(days=36525)


@dataclass
class SamlProvider:
    arn: str
    document: str
    created: datetime
    valid_until: datetime
    provider_uuid: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class OidcProvider:
    arn: str
    url: str
    created: datetime
    client_ids: list[str] = field(default_factory=list)
    thumbprints: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)


def _metadata_valid_until(document: str, now: datetime) -> datetime:
    if "<!DOCTYPE" in document.upper() or "<!ENTITY" in document.upper():
        raise InvalidInput("Could not parse metadata")
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError:
        raise InvalidInput("Could not parse metadata") from None
    if not root.tag.endswith(("}EntityDescriptor", "}EntitiesDescriptor")) and root.tag not in (
        "EntityDescriptor",
        "EntitiesDescriptor",
    ):
        raise InvalidInput("Could not parse metadata")
    stamp = root.get("validUntil")
    if stamp:
        try:
            when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput("Could not parse metadata") from None
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return now + DEFAULT_VALIDITY


# ---- SAML --------------------------------------------------------------------------------------


def _saml(ctx: RequestContext, arn: str) -> SamlProvider:
    found = ctx.store.saml_providers.get(arn)
    if found is None:
        raise NoSuchEntity(f"Manifest not found for arn {arn}")
    return found


@provider.handles("CreateSAMLProvider")
def create_saml_provider(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    tags = params.get("Tags") or []
    check_new_tags(tags, allow_empty=True)
    providers = ctx.store.saml_providers
    arn = f"arn:aws:iam::{ctx.account_id}:saml-provider/{params['Name']}"
    if arn in providers:
        raise EntityAlreadyExists(f"SAMLProvider {params['Name']} already exists.")
    now = ctx.world.clock.now()
    document = params["SAMLMetadataDocument"]
    saml = SamlProvider(arn, document, now, _metadata_valid_until(document, now), str(uuid.uuid4()))
    merge_tags(saml.tags, tags, "TagsPerSAMLProvider")
    providers[arn] = saml
    return {"SAMLProviderArn": arn, "Tags": tag_list(saml.tags)}


@provider.handles("GetSAMLProvider")
def get_saml_provider(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    saml = _saml(ctx, params["SAMLProviderArn"])
    return {
        "SAMLProviderUUID": saml.provider_uuid,
        "SAMLMetadataDocument": saml.document,
        "CreateDate": saml.created,
        "ValidUntil": saml.valid_until,
        "Tags": tag_list(saml.tags),
    }


@provider.handles("ListSAMLProviders")
def list_saml_providers(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """By ARN (rule chosen); the operation is not paginated."""
    providers = ctx.store.saml_providers
    return {
        "SAMLProviderList": [
            {"Arn": saml.arn, "ValidUntil": saml.valid_until, "CreateDate": saml.created}
            for _arn, saml in sorted(providers.items())
        ]
    }


@provider.handles("UpdateSAMLProvider")
def update_saml_provider(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    saml = _saml(ctx, params["SAMLProviderArn"])
    document = params.get("SAMLMetadataDocument")
    if document is not None:
        saml.valid_until = _metadata_valid_until(document, ctx.world.clock.now())
        saml.document = document
    return {"SAMLProviderArn": saml.arn}


@provider.handles("DeleteSAMLProvider")
def delete_saml_provider(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    saml = _saml(ctx, params["SAMLProviderArn"])
    del ctx.store.saml_providers[saml.arn]
    return {}


@provider.handles("TagSAMLProvider")
def tag_saml_provider(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    tags = params["Tags"]
    check_new_tags(tags, allow_empty=False)
    merge_tags(_saml(ctx, params["SAMLProviderArn"]).tags, tags, "TagsPerSAMLProvider")
    return {}


@provider.handles("UntagSAMLProvider")
def untag_saml_provider(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    keys = params["TagKeys"]
    check_tag_keys(keys)
    remove_tags(_saml(ctx, params["SAMLProviderArn"]).tags, keys)
    return {}


@provider.handles("ListSAMLProviderTags")
def list_saml_provider_tags(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    saml = _saml(ctx, params["SAMLProviderArn"])
    return list_tags_page(saml.tags, params, ("ListSAMLProviderTags", saml.arn))


# ---- OpenID Connect ------------------------------------------------------------------------------


def _oidc(ctx: RequestContext, arn: str) -> OidcProvider:
    found = ctx.store.oidc_providers.get(arn)
    if found is None:
        raise NoSuchEntity(f"OpenIDConnect Provider not found for arn {arn}")
    return found


@provider.handles("CreateOpenIDConnectProvider")
def create_open_id_connect_provider(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The URL must be https; the ARN names it without the scheme. Rule chosen: without a
    ThumbprintList none is stored (AWS now fetches the certificate itself)."""
    tags = params.get("Tags") or []
    check_new_tags(tags, allow_empty=True)
    url = params["Url"]
    if not url.startswith("https://") or len(url) <= len("https://"):
        raise InvalidInput(f"Invalid URL: {url}. The URL must begin with https://")
    providers = ctx.store.oidc_providers
    arn = f"arn:aws:iam::{ctx.account_id}:oidc-provider/{url[len('https://') :]}"
    if arn in providers:
        raise EntityAlreadyExists(f"Provider with url {url} already exists.")
    oidc = OidcProvider(
        arn,
        url,
        ctx.world.clock.now(),
        list(dict.fromkeys(params.get("ClientIDList") or [])),
        list(dict.fromkeys(params.get("ThumbprintList") or [])),
    )
    merge_tags(oidc.tags, tags, "TagsPerOpenIDConnectProvider")
    providers[arn] = oidc
    return {"OpenIDConnectProviderArn": arn, "Tags": tag_list(oidc.tags)}


@provider.handles("GetOpenIDConnectProvider")
def get_open_id_connect_provider(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The Url without its scheme, as AWS answers it."""
    oidc = _oidc(ctx, params["OpenIDConnectProviderArn"])
    return {
        "Url": oidc.url[len("https://") :],
        "ClientIDList": oidc.client_ids,
        "ThumbprintList": oidc.thumbprints,
        "CreateDate": oidc.created,
        "Tags": tag_list(oidc.tags),
    }


@provider.handles("ListOpenIDConnectProviders")
def list_open_id_connect_providers(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    providers = ctx.store.oidc_providers
    return {"OpenIDConnectProviderList": [{"Arn": arn} for arn in sorted(providers)]}


@provider.handles("DeleteOpenIDConnectProvider")
def delete_open_id_connect_provider(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    oidc = _oidc(ctx, params["OpenIDConnectProviderArn"])
    del ctx.store.oidc_providers[oidc.arn]
    return {}


@provider.handles("AddClientIDToOpenIDConnectProvider")
def add_client_id_to_open_id_connect_provider(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """Adding a client id already there changes nothing."""
    oidc = _oidc(ctx, params["OpenIDConnectProviderArn"])
    if params["ClientID"] not in oidc.client_ids:
        oidc.client_ids.append(params["ClientID"])
    return {}


@provider.handles("RemoveClientIDFromOpenIDConnectProvider")
def remove_client_id_from_open_id_connect_provider(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """Removing a client id not there changes nothing (the API reference: "no error")."""
    oidc = _oidc(ctx, params["OpenIDConnectProviderArn"])
    if params["ClientID"] in oidc.client_ids:
        oidc.client_ids.remove(params["ClientID"])
    return {}


@provider.handles("UpdateOpenIDConnectProviderThumbprint")
def update_open_id_connect_provider_thumbprint(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    oidc = _oidc(ctx, params["OpenIDConnectProviderArn"])
    oidc.thumbprints = list(dict.fromkeys(params["ThumbprintList"]))
    return {}


@provider.handles("TagOpenIDConnectProvider")
def tag_open_id_connect_provider(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    tags = params["Tags"]
    check_new_tags(tags, allow_empty=False)
    merge_tags(
        _oidc(ctx, params["OpenIDConnectProviderArn"]).tags, tags, "TagsPerOpenIDConnectProvider"
    )
    return {}


@provider.handles("UntagOpenIDConnectProvider")
def untag_open_id_connect_provider(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    keys = params["TagKeys"]
    check_tag_keys(keys)
    remove_tags(_oidc(ctx, params["OpenIDConnectProviderArn"]).tags, keys)
    return {}


@provider.handles("ListOpenIDConnectProviderTags")
def list_open_id_connect_provider_tags(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    oidc = _oidc(ctx, params["OpenIDConnectProviderArn"])
    return list_tags_page(oidc.tags, params, ("ListOpenIDConnectProviderTags", oidc.arn))
