"""IAM state of one account: users, groups, roles, managed and inline policies, access keys.

Entities are kept by lower-cased name (IAM names are unique regardless of case) and refer
to each other by unique id, so a renamed user keeps its groups, policies and keys.
Policy documents are kept as the exact text the caller sent (IAM returns it verbatim,
URL-encoded on the wire).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...world import World


@dataclass
class PolicyVersion:
    version_id: str  # "v1", "v2", ...
    document: str
    created: datetime
    is_default: bool = False


@dataclass
class ManagedPolicy:
    """A customer managed policy, or this account's view of an AWS managed policy."""

    name: str
    path: str
    policy_id: str
    arn: str
    created: datetime
    updated: datetime
    description: str | None = None
    versions: dict[str, PolicyVersion] = field(default_factory=dict)
    default_version_id: str = "v1"
    next_version: int = 2
    tags: dict[str, str] = field(default_factory=dict)
    aws_managed: bool = False
    # Attachments in attach order, by unique id (users, groups, roles).
    users: dict[str, None] = field(default_factory=dict)
    groups: dict[str, None] = field(default_factory=dict)
    roles: dict[str, None] = field(default_factory=dict)

    @property
    def attachment_count(self) -> int:
        return len(self.users) + len(self.groups) + len(self.roles)

    @property
    def default_version(self) -> PolicyVersion:
        return self.versions[self.default_version_id]

    @property
    def document(self) -> str:
        return self.default_version.document


@dataclass
class LoginProfile:
    """A user's console password. Only a digest of each password is kept, to check
    ChangePassword's OldPassword and the policy's PasswordReusePrevention."""

    created: datetime
    changed: datetime  # when the password was last set
    password_reset_required: bool
    digests: list[str]  # newest first: the current password, then earlier ones
    max_signin_session_duration: int | None = None


@dataclass
class PasswordPolicy:
    minimum_length: int = 8
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    allow_users_to_change: bool = False
    max_age: int | None = None  # days
    reuse_prevention: int | None = None
    hard_expiry: bool = False


@dataclass
class MfaDevice:
    """A virtual MFA device of the account (``seed`` set), or a hardware one enabled by
    serial number; ``user_id`` is its user while enabled ("root" for the account root)."""

    serial: str
    created: datetime
    seed: bytes | None = None
    user_id: str | None = None
    enabled: datetime | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class InstanceProfile:
    name: str
    path: str
    unique_id: str
    arn: str
    created: datetime
    role_ids: dict[str, None] = field(default_factory=dict)  # at most one role, by unique id
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class Principal_:
    """What users, groups and roles share: identity, inline and attached policies."""

    name: str
    path: str
    unique_id: str
    arn: str
    created: datetime
    inline_policies: dict[str, str] = field(default_factory=dict)  # name -> document, in put order
    attached_policies: dict[str, None] = field(default_factory=dict)  # policy ARN, in attach order


@dataclass
class SigningCertificate:
    certificate_id: str
    body: str
    fingerprint: bytes  # the certificate's DER, which DuplicateCertificate compares
    uploaded: datetime
    status: str = "Active"


@dataclass
class SshPublicKey:
    key_id: str
    body: str  # as uploaded
    modulus: int
    exponent: int
    fingerprint: str
    uploaded: datetime
    status: str = "Active"


@dataclass
class ServiceCredential:
    credential_id: str
    service: str
    created: datetime
    secret: str  # the password (CodeCommit, Keyspaces) or the API key (Bedrock)
    expires: datetime | None = None
    status: str = "Active"


@dataclass
class ServerCertificate:
    name: str
    path: str
    certificate_id: str
    arn: str
    body: str
    chain: str | None
    uploaded: datetime
    expiration: datetime
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class User(Principal_):
    tags: dict[str, str] = field(default_factory=dict)
    groups: dict[str, None] = field(default_factory=dict)  # group ids, in join order
    access_keys: dict[str, None] = field(default_factory=dict)  # access key ids, in creation order
    permissions_boundary: str | None = None
    password_last_used: datetime | None = None
    login_profile: LoginProfile | None = None
    mfa_devices: dict[str, None] = field(default_factory=dict)  # serial numbers, in enable order
    # by id, in upload (creation) order
    signing_certificates: dict[str, SigningCertificate] = field(default_factory=dict)
    ssh_public_keys: dict[str, SshPublicKey] = field(default_factory=dict)
    service_credentials: dict[str, ServiceCredential] = field(default_factory=dict)


@dataclass
class Group(Principal_):
    members: dict[str, None] = field(default_factory=dict)  # user ids, in join order


@dataclass
class Role(Principal_):
    assume_role_policy: str = ""
    description: str | None = None
    max_session_duration: int = 3600
    tags: dict[str, str] = field(default_factory=dict)
    permissions_boundary: str | None = None


Identity = User | Group | Role


class IamStore:
    """One account's IAM entities."""

    def __init__(self, account_id: str, region: str | None = None) -> None:
        self.account_id = account_id
        self.world: World | None = None
        self.users: dict[str, User] = {}  # lower-cased name -> user
        self.groups: dict[str, Group] = {}
        self.roles: dict[str, Role] = {}
        self.policies: dict[str, ManagedPolicy] = {}  # ARN -> policy (customer, and AWS ones in use)
        self._by_id: dict[str, Identity] = {}
        self.password_policy: PasswordPolicy | None = None
        self.instance_profiles: dict[str, InstanceProfile] = {}  # lower-cased name -> profile
        # ARN -> provider (identity_providers.py's SamlProvider / OidcProvider)
        self.saml_providers: dict[str, Any] = {}
        self.oidc_providers: dict[str, Any] = {}
        self.mfa_devices: dict[str, MfaDevice] = {}  # serial number -> device
        self.server_certificates: dict[str, ServerCertificate] = {}  # lower-cased name -> it
        self.account_aliases: list[str] = []
        self.root_password_last_used: datetime | None = None
        self.credential_report_job: str | None = None  # the id of the latest report's job

    def attach(self, world: World) -> None:
        self.world = world

    # ---- lookups ---------------------------------------------------------------------
    def user(self, name: str) -> User | None:
        return self.users.get(name.lower())

    def group(self, name: str) -> Group | None:
        return self.groups.get(name.lower())

    def role(self, name: str) -> Role | None:
        return self.roles.get(name.lower())

    def by_id(self, unique_id: str) -> Identity | None:
        return self._by_id.get(unique_id)

    def user_by_id(self, unique_id: str) -> User | None:
        found = self._by_id.get(unique_id)
        return found if isinstance(found, User) else None

    def role_by_id(self, unique_id: str) -> Role | None:
        found = self._by_id.get(unique_id)
        return found if isinstance(found, Role) else None

    # ---- bookkeeping shared by the handlers --------------------------------------------
    def add(self, entity: Identity) -> None:
        table = self._table(entity)
        table[entity.name.lower()] = entity
        self._by_id[entity.unique_id] = entity

    def remove(self, entity: Identity) -> None:
        self._table(entity).pop(entity.name.lower(), None)
        self._by_id.pop(entity.unique_id, None)

    def rename(self, entity: Identity, new_name: str, new_path: str, arn: str) -> None:
        table = self._table(entity)
        table.pop(entity.name.lower(), None)
        entity.name, entity.path, entity.arn = new_name, new_path, arn
        table[new_name.lower()] = entity

    def _table(self, entity: Identity) -> dict:
        if isinstance(entity, User):
            return self.users
        if isinstance(entity, Group):
            return self.groups
        return self.roles

    def groups_of(self, user: User) -> Iterator[Group]:
        for group_id in user.groups:
            group = self._by_id.get(group_id)
            if isinstance(group, Group):
                yield group
