"""Users' SSH public keys (CodeCommit) and service-specific credentials (CodeCommit, Amazon
Keyspaces, Amazon Bedrock).

An SSH public key is RSA, of at least 2,048 bits, in OpenSSH's ``ssh-rsa`` form or PEM;
its fingerprint is the MD5 of its OpenSSH encoding, as ``ssh-keygen -l -E md5`` prints it.
GetSSHPublicKey gives it in either encoding, whichever it was uploaded in.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from typing import Any

from ...errors import LimitExceeded, NoSuchEntity, ServiceError, ValidationError
from ...identity import new_id
from ...pagination import paginate
from ...service import RequestContext
from . import provider
from .pem import DerError, pem_blocks, pem_public_key, pem_rsa_key, ssh_blob, ssh_rsa_key
from .store import IamStore, ServiceCredential, SshPublicKey, User
from .users import named_or_caller, new_status, require_user

SSH_PUBLIC_KEYS_PER_USER = 5
MINIMUM_SSH_KEY_BITS = 2048
CREDENTIALS_PER_USER_PER_SERVICE = 2
# The services IAM issues service-specific credentials for; Bedrock's are API keys (an alias
# and a secret), the others a user name and a password.
PASSWORD_SERVICES = ("codecommit.amazonaws.com", "cassandra.amazonaws.com")
API_KEY_SERVICES = ("bedrock.amazonaws.com",)


def _error(code: str, message: str, status: int = 400) -> ServiceError:
    return ServiceError(message, code=code, status=status)


# ---- SSH public keys -----------------------------------------------------------------------


def _public_key(body: str) -> tuple[int, int]:
    """(modulus, exponent) of an SSH public key body, or IAM's error for it."""
    text = body.strip()
    try:
        if text.startswith("ssh-rsa "):
            modulus, exponent = ssh_rsa_key(text)
        elif text.startswith("-----BEGIN PUBLIC KEY-----"):
            modulus, exponent = pem_rsa_key(pem_blocks(text, ("PUBLIC KEY",))[0])
        else:
            raise _error(
                "UnrecognizedPublicKeyEncoding",
                "The request was rejected because the public key encoding format is "
                "unsupported or unrecognized.",
            )
    except DerError:
        raise _error("InvalidPublicKey", "The request was rejected because the public key is malformed.") from None
    if modulus.bit_length() < MINIMUM_SSH_KEY_BITS or exponent < 3:
        raise _error(
            "InvalidPublicKey",
            f"The request was rejected because the public key is shorter than "
            f"{MINIMUM_SSH_KEY_BITS} bits.",
        )
    return modulus, exponent


def _fingerprint(modulus: int, exponent: int) -> str:
    digest = hashlib.md5(ssh_blob(modulus, exponent), usedforsecurity=False).hexdigest()
    return ":".join(digest[at : at + 2] for at in range(0, len(digest), 2))


def _owned_key(user: User, key_id: str) -> SshPublicKey:
    found = user.ssh_public_keys.get(key_id)
    if found is None:
        raise NoSuchEntity(f"The Public Key with id {key_id} cannot be found.")
    return found


def _key_dict(user: User, key: SshPublicKey, body: str) -> dict[str, Any]:
    return {
        "UserName": user.name,
        "SSHPublicKeyId": key.key_id,
        "Fingerprint": key.fingerprint,
        "SSHPublicKeyBody": body,
        "Status": key.status,
        "UploadDate": key.uploaded,
    }


@provider.handles("UploadSSHPublicKey")
def upload_ssh_public_key(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    user = require_user(ctx.store, params["UserName"])
    if len(user.ssh_public_keys) >= SSH_PUBLIC_KEYS_PER_USER:
        raise LimitExceeded(f"Cannot exceed quota for KeysPerUser: {SSH_PUBLIC_KEYS_PER_USER}")
    modulus, exponent = _public_key(params["SSHPublicKeyBody"])
    if any(key.modulus == modulus for key in user.ssh_public_keys.values()):
        raise _error(
            "DuplicateSSHPublicKey",
            "The request was rejected because the SSH public key is already associated with "
            "the specified IAM user.",
        )
    key = SshPublicKey(
        new_id("APKA", 20),
        params["SSHPublicKeyBody"],
        modulus,
        exponent,
        _fingerprint(modulus, exponent),
        ctx.world.clock.now(),
    )
    user.ssh_public_keys[key.key_id] = key
    return {"SSHPublicKey": _key_dict(user, key, key.body)}


@provider.handles("GetSSHPublicKey")
def get_ssh_public_key(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    user = require_user(ctx.store, params["UserName"])
    key = _owned_key(user, params["SSHPublicKeyId"])
    encoding = params["Encoding"]
    if encoding == "PEM":
        body = pem_public_key(key.modulus, key.exponent)
    elif encoding == "SSH":
        blob = base64.b64encode(ssh_blob(key.modulus, key.exponent)).decode()
        body = key.body if key.body.strip().startswith("ssh-rsa ") else f"ssh-rsa {blob}"
    else:
        raise _error(
            "UnrecognizedPublicKeyEncoding",
            "The request was rejected because the public key encoding format is unsupported "
            "or unrecognized.",
        )
    return {"SSHPublicKey": _key_dict(user, key, body)}


@provider.handles("ListSSHPublicKeys")
def list_ssh_public_keys(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """In upload order. Without UserName, the calling user's (the account root has none)."""
    user = named_or_caller(ctx, params)
    keys = [] if user is None else list(user.ssh_public_keys.values())
    page, marker = paginate(
        keys,
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListSSHPublicKeys", user.unique_id if user else None),
    )
    return {
        "SSHPublicKeys": [
            {
                "UserName": user.name,  # type: ignore[union-attr]
                "SSHPublicKeyId": key.key_id,
                "Status": key.status,
                "UploadDate": key.uploaded,
            }
            for key in page
        ],
        "IsTruncated": marker is not None,
        "Marker": marker,
    }


@provider.handles("UpdateSSHPublicKey")
def update_ssh_public_key(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    key = _owned_key(require_user(ctx.store, params["UserName"]), params["SSHPublicKeyId"])
    key.status = new_status(params, "an SSH public key")
    return {}


@provider.handles("DeleteSSHPublicKey")
def delete_ssh_public_key(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    user = require_user(ctx.store, params["UserName"])
    del user.ssh_public_keys[_owned_key(user, params["SSHPublicKeyId"]).key_id]
    return {}


# ---- service-specific credentials -------------------------------------------------------------


def _owned_credential(user: User | None, credential_id: str) -> ServiceCredential:
    found = None if user is None else user.service_credentials.get(credential_id)
    if found is None:
        raise NoSuchEntity(f"No such credential {credential_id} exists")
    return found


def _service_user_name(ctx: RequestContext, user: User) -> str:
    return f"{user.name}-at-{ctx.account_id}"


def _new_secret(service: str) -> str:
    if service in API_KEY_SERVICES:
        return "ABSK" + base64.b64encode(secrets.token_bytes(96)).decode()
    return base64.b64encode(secrets.token_bytes(33)).decode()  # 44 characters


def _credential_dict(
    ctx: RequestContext, user: User, credential: ServiceCredential, with_secret: bool
) -> dict[str, Any]:
    expired = credential.expires is not None and credential.expires <= ctx.world.clock.now()
    answer: dict[str, Any] = {
        "CreateDate": credential.created,
        "ServiceName": credential.service,
        "ServiceSpecificCredentialId": credential.credential_id,
        "UserName": user.name,
        "Status": "Expired" if expired else credential.status,
    }
    if credential.expires is not None:
        answer["ExpirationDate"] = credential.expires
    if credential.service in API_KEY_SERVICES:
        answer["ServiceCredentialAlias"] = _service_user_name(ctx, user)
        if with_secret:
            answer["ServiceCredentialSecret"] = credential.secret
    else:
        answer["ServiceUserName"] = _service_user_name(ctx, user)
        if with_secret:
            answer["ServicePassword"] = credential.secret
    return answer


@provider.handles("CreateServiceSpecificCredential")
def create_service_specific_credential(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The password (or API key) is in this answer and Reset's only. CredentialAgeDays is
    honoured for every service (rule chosen: AWS documents it for API keys only, and its
    answer for a password credential is not recorded)."""
    user = require_user(ctx.store, params["UserName"])
    service = params["ServiceName"]
    if service not in PASSWORD_SERVICES + API_KEY_SERVICES:
        raise _error("NotSupportedService", f"The service {service} is not supported.", 404)
    same_service = [c for c in user.service_credentials.values() if c.service == service]
    if len(same_service) >= CREDENTIALS_PER_USER_PER_SERVICE:
        raise LimitExceeded(
            "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: "
            f"{CREDENTIALS_PER_USER_PER_SERVICE}"
        )
    now = ctx.world.clock.now()
    days = params.get("CredentialAgeDays")
    credential = ServiceCredential(
        new_id("ACCA"),
        service,
        now,
        _new_secret(service),
        None if days is None else now + timedelta(days=days),
    )
    user.service_credentials[credential.credential_id] = credential
    return {"ServiceSpecificCredential": _credential_dict(ctx, user, credential, True)}


@provider.handles("ListServiceSpecificCredentials")
def list_service_specific_credentials(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """In creation order, optionally of one service; with AllUsers, every user's (users by
    name). A credential past its ExpirationDate is listed as Expired."""
    store: IamStore = ctx.store
    service = params.get("ServiceName")
    if service is not None and service not in PASSWORD_SERVICES + API_KEY_SERVICES:
        raise _error("NotSupportedService", f"The service {service} is not supported.", 404)
    if params.get("AllUsers"):
        if params.get("UserName") is not None:  # documented: not both
            raise ValidationError("AllUsers cannot be specified together with UserName.")
        users = sorted(store.users.values(), key=lambda user: user.name.lower())
    else:
        owner = named_or_caller(ctx, params)
        users = [] if owner is None else [owner]
    rows = [
        _credential_dict(ctx, user, credential, False)
        for user in users
        for credential in user.service_credentials.values()
        if service is None or credential.service == service
    ]
    page, marker = paginate(
        rows,
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListServiceSpecificCredentials", tuple(user.unique_id for user in users), service),
    )
    return {"ServiceSpecificCredentials": page, "IsTruncated": marker is not None, "Marker": marker}


@provider.handles("ResetServiceSpecificCredential")
def reset_service_specific_credential(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    user = named_or_caller(ctx, params)
    credential = _owned_credential(user, params["ServiceSpecificCredentialId"])
    credential.secret = _new_secret(credential.service)
    return {"ServiceSpecificCredential": _credential_dict(ctx, user, credential, True)}  # type: ignore[arg-type]


@provider.handles("UpdateServiceSpecificCredential")
def update_service_specific_credential(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    credential = _owned_credential(named_or_caller(ctx, params), params["ServiceSpecificCredentialId"])
    credential.status = new_status(params, "a service-specific credential")
    return {}


@provider.handles("DeleteServiceSpecificCredential")
def delete_service_specific_credential(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    user = named_or_caller(ctx, params)
    credential = _owned_credential(user, params["ServiceSpecificCredentialId"])
    del user.service_credentials[credential.credential_id]  # type: ignore[union-attr]
    return {}
