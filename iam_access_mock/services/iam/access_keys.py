"""IAM users' access keys: Create/List/Update/DeleteAccessKey and GetAccessKeyLastUsed.

A key's status, creation date and last use live on its ``identity.Credential`` in the
world's credential book (the engine reads them there to attribute and refuse calls); the
user keeps only the ids of its keys.
"""

from __future__ import annotations

from typing import Any

from ...errors import AccessDenied, LimitExceeded, NoSuchEntity, ValidationError
from ...identity import Credential, new_id, new_secret
from ...pagination import paginate
from ...service import RequestContext
from . import provider
from .store import IamStore, User
from .users import NON_USER_CREDENTIALS, named_or_caller, new_status

ACCESS_KEYS_PER_USER = 2


def _owned_key(ctx: RequestContext, owner: User | None, access_key_id: str) -> Credential:
    credential = ctx.world.credentials.get(access_key_id)
    if owner is None or access_key_id not in owner.access_keys or credential is None:
        raise NoSuchEntity(f"The Access Key with id {access_key_id} cannot be found.")
    return credential


def _metadata(user: User, credential: Credential) -> dict[str, Any]:
    return {
        "UserName": user.name,
        "AccessKeyId": credential.access_key_id,
        "Status": credential.status,
        "CreateDate": credential.created,
    }


@provider.handles("CreateAccessKey")
def create_access_key(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A new Active key, usable at once: calls signed with it act as the user.

    Deviation: the account root (no UserName, root credentials) gets ValidationError
    instead of a root access key; the mock does not model root keys.
    """
    user = named_or_caller(ctx, params)
    if user is None:
        raise ValidationError(NON_USER_CREDENTIALS)
    if len(user.access_keys) >= ACCESS_KEYS_PER_USER:
        raise LimitExceeded(f"Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}")
    credential = Credential(
        access_key_id=new_id("AKIA", 20),
        secret_access_key=new_secret(),
        account_id=ctx.account_id,
        kind="user",
        entity_id=user.unique_id,
        created=ctx.world.clock.now(),
    )
    ctx.world.credentials.add(credential)
    user.access_keys[credential.access_key_id] = None
    return {
        "AccessKey": {
            **_metadata(user, credential),
            "SecretAccessKey": credential.secret_access_key,
        }
    }


@provider.handles("ListAccessKeys")
def list_access_keys(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Keys by creation date, then key id (rule chosen: AWS documents no order). The
    account root has no keys in the mock, so its list is empty."""
    user = named_or_caller(ctx, params)
    keys: list[Credential] = []
    if user is not None:
        found = (ctx.world.credentials.get(key_id) for key_id in user.access_keys)
        keys = sorted(
            (c for c in found if c is not None),
            key=lambda c: (c.created.timestamp(), c.access_key_id),
        )
    page, marker = paginate(
        keys,
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListAccessKeys", user.unique_id if user else None),
        key=lambda c: (c.created.timestamp(), c.access_key_id),
    )
    return {
        "AccessKeyMetadata": [_metadata(user, c) for c in page] if user else [],
        "IsTruncated": marker is not None,
        "Marker": marker,
    }


@provider.handles("UpdateAccessKey")
def update_access_key(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Active or Inactive; an Inactive key's calls get InvalidClientTokenId (json and
    rest-json services: UnrecognizedClientException, see ``errors.credential_error_for``).
    ``Expired`` (in the model's enum) is refused with InvalidInput, as observed; AWS's text was not
    recorded, so the message is the mock's own."""
    user = named_or_caller(ctx, params)
    credential = _owned_key(ctx, user, params["AccessKeyId"])
    credential.status = new_status(params, "an access key")
    return {}


@provider.handles("DeleteAccessKey")
def delete_access_key(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The key is revoked at once: later calls signed with it get InvalidClientTokenId
    (json and rest-json services: UnrecognizedClientException)."""
    user = named_or_caller(ctx, params)
    access_key_id = params["AccessKeyId"]
    _owned_key(ctx, user, access_key_id)
    assert user is not None  # _owned_key refuses a missing owner
    del user.access_keys[access_key_id]
    ctx.world.credentials.revoke(access_key_id)
    return {}


@provider.handles("GetAccessKeyLastUsed")
def get_access_key_last_used(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The key's owner and its last use (any attributed call, served or not).

    A key that is unknown, deleted, another account's or an STS session's gets AccessDenied,
    as AWS answered for an unknown key (recorded 2026); a never-used key reports ``N/A``.
    """
    store: IamStore = ctx.store
    access_key_id = params["AccessKeyId"]
    credential = ctx.world.credentials.get(access_key_id)
    owner = None
    if (
        credential is not None
        and credential.kind == "user"
        and not credential.revoked
        and credential.account_id == ctx.account_id
    ):
        owner = store.user_by_id(credential.entity_id)
    if owner is None:
        raise AccessDenied(
            f"User: {ctx.principal.arn} is not authorized to perform iam:GetAccessKeyLastUsed "
            f"on resource: access key {access_key_id}"
        )
    if credential is None or credential.last_used is None:
        last_used: dict[str, Any] = {"ServiceName": "N/A", "Region": "N/A"}
    else:
        when, service, region = credential.last_used
        last_used = {"LastUsedDate": when, "ServiceName": service, "Region": region}
    return {"UserName": owner.name, "AccessKeyLastUsed": last_used}
