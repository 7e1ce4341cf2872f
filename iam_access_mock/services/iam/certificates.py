"""Server certificates (with their tags) and users' signing certificates.

Certificate bodies are PEM, read as far as IAM checks them (``pem``): a body that is not an
X.509 certificate is MalformedCertificate, an expired one is refused, and a private key
whose RSA modulus differs from the certificate's, or that is RSA where the certificate's key
is not (or the reverse), is KeyPairMismatch; an EC key is not compared with an EC
certificate (rule chosen). Expiration is the certificate's own notAfter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...errors import (
    EntityAlreadyExists,
    LimitExceeded,
    NoSuchEntity,
    ServiceError,
    ValidationError,
)
from ...identity import new_id
from ...pagination import paginate
from ...service import RequestContext
from . import provider
from .naming import listing, name_key
from .pem import Certificate, DerError, pem_blocks, private_key_modulus, read_certificate
from .store import IamStore, ServerCertificate, SigningCertificate, User
from .tags import check_new_tags, check_tag_keys, list_tags_page, merge_tags, remove_tags, tag_list
from .users import NON_USER_CREDENTIALS, named_or_caller, new_status

SERVER_CERTIFICATES_PER_ACCOUNT = 20
SIGNING_CERTIFICATES_PER_USER = 2
_CERTIFICATE = ("CERTIFICATE",)
_PRIVATE_KEY = ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY")


def _error(code: str, message: str, status: int = 400) -> ServiceError:
    return ServiceError(message, code=code, status=status)


def _certificate(body: str, what: str = "certificate") -> tuple[bytes, Certificate]:
    """The DER and what IAM reads of the one certificate in ``body``."""
    try:
        blocks = pem_blocks(body, _CERTIFICATE)
        if len(blocks) != 1:
            raise DerError("not one certificate")
        return blocks[0], read_certificate(blocks[0])
    except DerError:
        raise _error(
            "MalformedCertificate", f"Unable to parse {what}. Please ensure the {what} is in PEM format."
        ) from None


def _check_current(found: Certificate, now: datetime, code: str) -> None:
    if found.not_after <= now:
        raise _error(
            code,
            "Certificate is no longer valid. The 'Not After' date restriction on the "
            "certificate has passed.",
        )
    if found.not_before > now:
        raise _error(
            code,
            "Certificate is not yet valid. The 'Not Before' date restriction on the "
            "certificate has not been reached.",
        )


# ---- server certificates -----------------------------------------------------------------


def _server_certificate(store: IamStore, name: str) -> ServerCertificate:
    found = store.server_certificates.get(name.lower())
    if found is None:
        raise NoSuchEntity(f"The Server Certificate with name {name} cannot be found.")
    return found


def _metadata(certificate: ServerCertificate) -> dict[str, Any]:
    return {
        "Path": certificate.path,
        "ServerCertificateName": certificate.name,
        "ServerCertificateId": certificate.certificate_id,
        "Arn": certificate.arn,
        "UploadDate": certificate.uploaded,
        "Expiration": certificate.expiration,
    }


def _server_arn(account_id: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:server-certificate{path}{name}"


@provider.handles("UploadServerCertificate")
def upload_server_certificate(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Checked in this order: tags, the name, the quota, the body, the private key, the
    chain, then that the key is the certificate's."""
    store: IamStore = ctx.store
    tags = params.get("Tags") or []
    check_new_tags(tags, allow_empty=True)
    name, path = params["ServerCertificateName"], params.get("Path") or "/"
    if name.lower() in store.server_certificates:
        raise EntityAlreadyExists(f"The Server Certificate with name {name} already exists.")
    if len(store.server_certificates) >= SERVER_CERTIFICATES_PER_ACCOUNT:
        raise LimitExceeded(
            f"Cannot exceed quota for ServerCertificatesPerAccount: {SERVER_CERTIFICATES_PER_ACCOUNT}"
        )
    now = ctx.world.clock.now()
    _, certificate = _certificate(params["CertificateBody"])
    _check_current(certificate, now, "MalformedCertificate")
    try:
        label = next(label for label in _PRIVATE_KEY if f"-----BEGIN {label}-----" in params["PrivateKey"])
        key = pem_blocks(params["PrivateKey"], (label,))
        modulus = private_key_modulus(key[0], label)
    except (StopIteration, DerError):
        raise _error("MalformedCertificate", "Unable to parse private key.") from None
    chain = params.get("CertificateChain")
    if chain is not None:
        try:
            for block in pem_blocks(chain, _CERTIFICATE):
                read_certificate(block)
        except DerError:
            raise _error("MalformedCertificate", "Unable to parse certificate chain.") from None
    # RSA against RSA compares the moduli; an RSA key with a certificate of another algorithm
    # (or the reverse) cannot match; two non-RSA keys (EC) are not compared (rule chosen).
    if modulus != certificate.rsa_modulus:
        raise _error("KeyPairMismatch", "The public key certificate and the private key do not match.")
    stored = ServerCertificate(
        name,
        path,
        new_id("ASCA"),
        _server_arn(ctx.account_id, path, name),
        params["CertificateBody"],
        chain,
        now,
        certificate.not_after,
    )
    merge_tags(stored.tags, tags, "TagsPerServerCertificate")
    store.server_certificates[name.lower()] = stored
    return {"ServerCertificateMetadata": _metadata(stored), "Tags": tag_list(stored.tags)}


@provider.handles("GetServerCertificate")
def get_server_certificate(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    found = _server_certificate(ctx.store, params["ServerCertificateName"])
    return {
        "ServerCertificate": {
            "ServerCertificateMetadata": _metadata(found),
            "CertificateBody": found.body,
            "CertificateChain": found.chain,
            "Tags": tag_list(found.tags),
        }
    }


@provider.handles("ListServerCertificates")
def list_server_certificates(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """By name, case-insensitively, as users and roles."""
    prefix = params.get("PathPrefix")
    page, marker = paginate(
        listing(ctx.store.server_certificates.values(), prefix),
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListServerCertificates", prefix),
        key=name_key,
    )
    return {
        "ServerCertificateMetadataList": [_metadata(found) for found in page],
        "IsTruncated": marker is not None,
        "Marker": marker,
    }


@provider.handles("UpdateServerCertificate")
def update_server_certificate(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    found = _server_certificate(store, params["ServerCertificateName"])
    new_name = params.get("NewServerCertificateName") or found.name
    new_path = params.get("NewPath") or found.path
    if new_name.lower() != found.name.lower() and new_name.lower() in store.server_certificates:
        raise EntityAlreadyExists(f"The Server Certificate with name {new_name} already exists.")
    del store.server_certificates[found.name.lower()]
    found.name, found.path = new_name, new_path
    found.arn = _server_arn(ctx.account_id, new_path, new_name)
    store.server_certificates[new_name.lower()] = found
    return {}


@provider.handles("DeleteServerCertificate")
def delete_server_certificate(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Never in use: no load balancer or distribution is modelled (so no DeleteConflict)."""
    found = _server_certificate(ctx.store, params["ServerCertificateName"])
    del ctx.store.server_certificates[found.name.lower()]
    return {}


@provider.handles("TagServerCertificate")
def tag_server_certificate(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    tags = params["Tags"]
    check_new_tags(tags, allow_empty=False)
    found = _server_certificate(ctx.store, params["ServerCertificateName"])
    merge_tags(found.tags, tags, "TagsPerServerCertificate")
    return {}


@provider.handles("UntagServerCertificate")
def untag_server_certificate(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    keys = params["TagKeys"]
    check_tag_keys(keys)
    remove_tags(_server_certificate(ctx.store, params["ServerCertificateName"]).tags, keys)
    return {}


@provider.handles("ListServerCertificateTags")
def list_server_certificate_tags(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    found = _server_certificate(ctx.store, params["ServerCertificateName"])
    return list_tags_page(found.tags, params, ("ListServerCertificateTags", found.certificate_id))


# ---- signing certificates (X.509 certificates of users) -----------------------------------


def _signing_dict(user: User, certificate: SigningCertificate) -> dict[str, Any]:
    return {
        "UserName": user.name,
        "CertificateId": certificate.certificate_id,
        "CertificateBody": certificate.body,
        "Status": certificate.status,
        "UploadDate": certificate.uploaded,
    }


def _owned_certificate(user: User | None, certificate_id: str) -> SigningCertificate:
    found = None if user is None else user.signing_certificates.get(certificate_id)
    if found is None:
        raise NoSuchEntity(f"The Certificate with id {certificate_id} cannot be found.")
    return found


@provider.handles("UploadSigningCertificate")
def upload_signing_certificate(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Deviation, as for access keys: the account root gets ValidationError (the mock does
    not model the root's signing certificates). A certificate is unique in the account."""
    user = named_or_caller(ctx, params)
    if user is None:
        raise ValidationError(NON_USER_CREDENTIALS)
    if len(user.signing_certificates) >= SIGNING_CERTIFICATES_PER_USER:
        raise LimitExceeded(
            f"Cannot exceed quota for CertificatesPerUser: {SIGNING_CERTIFICATES_PER_USER}"
        )
    der, certificate = _certificate(params["CertificateBody"])
    now = ctx.world.clock.now()
    _check_current(certificate, now, "InvalidCertificate")
    for other in ctx.store.users.values():
        if any(found.fingerprint == der for found in other.signing_certificates.values()):
            raise _error(
                "DuplicateCertificate",
                "The request was rejected because the same certificate is associated with an "
                "IAM user in the account.",
                409,
            )
    stored = SigningCertificate(new_id("", 24), params["CertificateBody"], der, now)
    user.signing_certificates[stored.certificate_id] = stored
    return {"Certificate": _signing_dict(user, stored)}


@provider.handles("ListSigningCertificates")
def list_signing_certificates(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """In upload order; the account root has none in the mock."""
    user = named_or_caller(ctx, params)
    certificates = [] if user is None else list(user.signing_certificates.values())
    page, marker = paginate(
        certificates,
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListSigningCertificates", user.unique_id if user else None),
    )
    return {
        "Certificates": [_signing_dict(user, found) for found in page] if user else [],
        "IsTruncated": marker is not None,
        "Marker": marker,
    }


@provider.handles("UpdateSigningCertificate")
def update_signing_certificate(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    found = _owned_certificate(named_or_caller(ctx, params), params["CertificateId"])
    found.status = new_status(params, "a signing certificate")
    return {}


@provider.handles("DeleteSigningCertificate")
def delete_signing_certificate(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    user = named_or_caller(ctx, params)
    found = _owned_certificate(user, params["CertificateId"])
    del user.signing_certificates[found.certificate_id]  # type: ignore[union-attr]
    return {}

