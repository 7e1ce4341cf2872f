"""Who is calling: access keys and STS sessions mapped to accounts and principals.

This is the one place that attributes a request. Activity recording, job ownership and
``GetCallerIdentity`` all read the ``Principal`` it returns.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from .errors import ExpiredToken, InvalidClientTokenId

_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

_CREDENTIAL_SCOPE = re.compile(rb"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


# Ids need to be unique, not secret: a private generator seeded from the OS is ~20x faster
# than secrets.choice per character, and does not disturb a test that seeds ``random``.
_ids = random.Random(secrets.randbits(128))


def new_id(prefix: str, length: int = 21) -> str:
    """An IAM-style unique id or access key id, e.g. AIDA + 17 characters."""
    return prefix + "".join(_ids.choices(_ID_ALPHABET, k=length - len(prefix)))


def new_secret(length: int = 40) -> str:
    return secrets.token_urlsafe(length)[:length]


def credential_scope(authorization: bytes | None) -> tuple[str, str, str] | None:
    """(access key id, signing region, signing service) from a SigV4 Authorization header."""
    if not authorization:
        return None
    match = _CREDENTIAL_SCOPE.search(authorization)
    if match is None:
        return None
    key, region, service = match.groups()
    return key.decode("ascii", "replace"), region.decode("ascii", "replace"), service.decode("ascii", "replace")


@dataclass(frozen=True)
class Principal:
    """The caller of one request.

    ``arn`` is what GetCallerIdentity answers (an ``sts`` assumed-role ARN for sessions);
    ``entity_arn`` and ``entity_id`` name the IAM user or role the activity counts for
    (the root ARN and ``None`` for the account root). ``owner`` identifies who may read a
    job: the same user through any of its keys, or one exact role session.
    """

    account_id: str
    kind: str  # "user" | "role" | "root" | "anonymous"
    arn: str
    user_id: str
    entity_arn: str
    entity_id: str | None
    owner: tuple[str, ...]
    access_key_id: str | None = None

    @property
    def attributed(self) -> bool:
        return self.kind != "anonymous"


def root_principal(account_id: str, access_key_id: str | None = None) -> Principal:
    arn = f"arn:aws:iam::{account_id}:root"
    return Principal(account_id, "root", arn, account_id, arn, None, ("root", account_id), access_key_id)


ANONYMOUS = Principal("", "anonymous", "", "", "", None, ("anonymous",))


@dataclass
class Credential:
    """One access key known to the mock: a user's long-term key or an STS session's."""

    access_key_id: str
    secret_access_key: str
    account_id: str
    kind: str  # "user" | "role"
    entity_id: str  # the user's AIDA... id or the role's AROA... id
    created: datetime
    status: str = "Active"
    session_token: str | None = None
    session_name: str | None = None
    role_arn: str | None = None  # for sessions: the IAM role ARN (with its path)
    expiration: datetime | None = None
    revoked: bool = False
    last_used: tuple[datetime, str, str] | None = field(default=None)  # (when, service, region)


class CredentialBook:
    """All access keys of a world, across accounts, so a key alone identifies its account."""

    def __init__(self, default_account_id: str, now: Callable[[], datetime]) -> None:
        self.default_account_id = default_account_id
        self._now = now
        self._by_key: dict[str, Credential] = {}

    def add(self, credential: Credential) -> None:
        self._by_key[credential.access_key_id] = credential

    def get(self, access_key_id: str) -> Credential | None:
        return self._by_key.get(access_key_id)

    def revoke(self, access_key_id: str) -> None:
        credential = self._by_key.get(access_key_id)
        if credential is not None:
            credential.revoked = True

    def resolve(self, access_key_id: str | None, user_lookup: Callable[[str, str], tuple[str, str] | None]) -> Principal:
        """The principal behind a key; unknown keys act as the default account's root.

        ``user_lookup(account_id, user_id)`` returns the user's current (arn, name), so a
        renamed user keeps its keys and its activity.
        """
        if access_key_id is None:
            return ANONYMOUS
        credential = self._by_key.get(access_key_id)
        if credential is None:
            return root_principal(self.default_account_id, access_key_id)
        if credential.revoked or credential.status != "Active":
            raise InvalidClientTokenId()
        if credential.kind == "role":
            if credential.expiration is not None and credential.expiration <= self._now():
                raise ExpiredToken()
            role_arn = credential.role_arn or ""
            role_name = role_arn.rsplit("/", 1)[-1]
            session_arn = f"arn:aws:sts::{credential.account_id}:assumed-role/{role_name}/{credential.session_name}"
            return Principal(
                credential.account_id,
                "role",
                session_arn,
                f"{credential.entity_id}:{credential.session_name}",
                role_arn,
                credential.entity_id,
                ("session", credential.access_key_id),
                access_key_id,
            )
        found = user_lookup(credential.account_id, credential.entity_id)
        if found is None:
            raise InvalidClientTokenId()
        user_arn, _name = found
        return Principal(
            credential.account_id,
            "user",
            user_arn,
            credential.entity_id,
            user_arn,
            credential.entity_id,
            ("user", credential.entity_id),
            access_key_id,
        )
