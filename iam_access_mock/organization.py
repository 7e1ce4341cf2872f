"""AWS Organizations state: organizations, their root, OUs, accounts and policies.

An organization spans accounts, so it is kept by the world rather than in one account's
store: the Organizations service edits it, IAM's Organizations access reports read it, and
an account's membership decides what both answer. Nothing here knows a wire format.

Identifiers follow the formats of the Organizations API reference: ``o-`` and 10
characters, ``r-`` and 4, ``ou-<root suffix>-`` and 8, ``p-`` and 8, 12-digit accounts.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

SCP = "SERVICE_CONTROL_POLICY"
FULL_AWS_ACCESS_ID = "p-FullAWSAccess"
FULL_AWS_ACCESS_ARN = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
FULL_AWS_ACCESS_CONTENT = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    indent=4,
)
ROOT_NAME = "Root"
MEMBER_ROLE = "OrganizationAccountAccessRole"

_LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
# Ids need to be unique, not secret; a private generator leaves a test's ``random`` alone.
_ids = random.Random(secrets.randbits(128))


def token(length: int) -> str:
    return "".join(_ids.choices(_LOWER_ALNUM, k=length))


@dataclass
class Account:
    account_id: str
    arn: str
    email: str
    name: str
    joined_method: str  # "CREATED" | "INVITED"
    joined: datetime
    parent_id: str
    order: int  # creation order: the listing order of ListAccounts


@dataclass
class OrganizationalUnit:
    ou_id: str
    arn: str
    name: str
    parent_id: str
    order: int


@dataclass
class Policy:
    """A customer policy of one organization, or the AWS managed FullAWSAccess SCP."""

    policy_id: str
    arn: str
    name: str
    description: str
    policy_type: str
    content: str
    aws_managed: bool = False
    order: int = 0


def full_aws_access() -> Policy:
    return Policy(
        FULL_AWS_ACCESS_ID,
        FULL_AWS_ACCESS_ARN,
        "FullAWSAccess",
        "Allows access to every operation",
        SCP,
        FULL_AWS_ACCESS_CONTENT,
        aws_managed=True,
    )


@dataclass
class AccountCreation:
    """One CreateAccount request; its ``job_id`` is the ``car-`` id of the request."""

    request_id: str
    account_name: str
    email: str
    role_name: str
    requested: datetime
    account_id: str
    reserved_email: bool = False  # this request holds its email until it ends
    state: str = "IN_PROGRESS"
    completed: datetime | None = None
    failure_reason: str | None = None


@dataclass
class Organization:
    org_id: str
    feature_set: str
    management_account_id: str
    management_email: str
    root_id: str
    created: datetime
    policy_types: dict[str, str] = field(default_factory=dict)  # type -> "ENABLED", on the root
    accounts: dict[str, Account] = field(default_factory=dict)
    ous: dict[str, OrganizationalUnit] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)  # customer policies, by id
    # Attachments both ways, each with its attach sequence number (the listing order):
    # target id -> {policy id: n}, policy id -> {target id: n}.
    attached: dict[str, dict[str, int]] = field(default_factory=dict)
    targets: dict[str, dict[str, int]] = field(default_factory=dict)
    creations: dict[str, AccountCreation] = field(default_factory=dict)  # car- id -> request
    pending: dict[str, None] = field(default_factory=dict)  # the creations IN_PROGRESS
    # IAM's centralized root access features enabled for the organization.
    iam_features: set[str] = field(default_factory=set)
    counter: int = 0

    # ---- names and ARNs ---------------------------------------------------------------
    @property
    def arn(self) -> str:
        return f"arn:aws:organizations::{self.management_account_id}:organization/{self.org_id}"

    @property
    def root_arn(self) -> str:
        return (
            f"arn:aws:organizations::{self.management_account_id}:root/{self.org_id}/{self.root_id}"
        )

    def account_arn(self, account_id: str) -> str:
        return f"arn:aws:organizations::{self.management_account_id}:account/{self.org_id}/{account_id}"

    def ou_arn(self, ou_id: str) -> str:
        return f"arn:aws:organizations::{self.management_account_id}:ou/{self.org_id}/{ou_id}"

    def policy_arn(self, policy_type: str, policy_id: str) -> str:
        return (
            f"arn:aws:organizations::{self.management_account_id}:policy/{self.org_id}/"
            f"{policy_type.lower()}/{policy_id}"
        )

    def next_order(self) -> int:
        self.counter += 1
        return self.counter

    def new_ou_id(self) -> str:
        suffix = self.root_id[2:]
        while True:
            ou_id = f"ou-{suffix}-{token(8)}"
            if ou_id not in self.ous:
                return ou_id

    def new_policy_id(self) -> str:
        while True:
            policy_id = f"p-{token(8)}"
            if policy_id not in self.policies:
                return policy_id

    # ---- the hierarchy ------------------------------------------------------------------
    def is_parent(self, parent_id: str) -> bool:
        return parent_id == self.root_id or parent_id in self.ous

    def parent_of(self, child_id: str) -> str | None:
        if child_id in self.accounts:
            return self.accounts[child_id].parent_id
        if child_id in self.ous:
            return self.ous[child_id].parent_id
        return None

    def ancestors(self, child_id: str) -> list[str]:
        """The parents of a child from the root down, not including the child."""
        chain: list[str] = []
        parent = self.parent_of(child_id)
        while parent is not None:
            chain.append(parent)
            parent = self.parent_of(parent)
        return chain[::-1]

    def path_of(self, child_id: str) -> str:
        """The entity path IAM's access reports use: o-.../r-.../ou-.../[account]."""
        return "/".join([self.org_id, *self.ancestors(child_id), child_id])

    def ous_under(self, parent_id: str) -> list[OrganizationalUnit]:
        return sorted(
            (ou for ou in self.ous.values() if ou.parent_id == parent_id), key=lambda ou: ou.order
        )

    def accounts_under(self, parent_id: str) -> list[Account]:
        return sorted(
            (account for account in self.accounts.values() if account.parent_id == parent_id),
            key=lambda account: account.order,
        )

    def accounts_in_subtree(self, parent_id: str) -> Iterator[Account]:
        """Every account under a root or OU, at any depth."""
        pending = [parent_id]
        while pending:
            current = pending.pop()
            yield from self.accounts_under(current)
            pending.extend(ou.ou_id for ou in self.ous_under(current))

    def depth(self, parent_id: str) -> int:
        """How many OUs deep a parent is: 0 for the root, 1 for an OU in the root."""
        return len(self.ancestors(parent_id))

    # ---- policies -------------------------------------------------------------------------
    def policy(self, policy_id: str) -> Policy | None:
        if policy_id == FULL_AWS_ACCESS_ID:
            return full_aws_access()
        return self.policies.get(policy_id)

    def attach(self, policy_id: str, target_id: str) -> None:
        sequence = self.next_order()
        self.attached.setdefault(target_id, {})[policy_id] = sequence
        self.targets.setdefault(policy_id, {})[target_id] = sequence

    def detach(self, policy_id: str, target_id: str) -> None:
        self.attached.get(target_id, {}).pop(policy_id, None)
        self.targets.get(policy_id, {}).pop(target_id, None)

    def policies_of(self, target_id: str, policy_type: str) -> list[Policy]:
        found = (self.policy(policy_id) for policy_id in self.attached.get(target_id, {}))
        return [
            policy for policy in found if policy is not None and policy.policy_type == policy_type
        ]

    def forget_target(self, target_id: str) -> None:
        for policy_id in self.attached.pop(target_id, {}):
            self.targets.get(policy_id, {}).pop(target_id, None)

    def enable(self, policy_type: str) -> None:
        """Enable a policy type on the root; for SCPs, FullAWSAccess goes on every target."""
        self.policy_types[policy_type] = "ENABLED"
        if policy_type == SCP:
            for target_id in [self.root_id, *self.ous, *self.accounts]:
                self.attach(FULL_AWS_ACCESS_ID, target_id)

    def disable(self, policy_type: str) -> None:
        """Disable a policy type: every policy of that type is detached everywhere."""
        self.policy_types.pop(policy_type, None)
        for target_id in list(self.attached):
            for policy in self.policies_of(target_id, policy_type):
                self.detach(policy.policy_id, target_id)

    def scps_enabled(self) -> bool:
        return self.policy_types.get(SCP) == "ENABLED"

    def adopt(self, target_id: str) -> None:
        """A new OU or account gets FullAWSAccess while SCPs are enabled, as AWS attaches it."""
        if self.scps_enabled():
            self.attach(FULL_AWS_ACCESS_ID, target_id)


class OrganizationBook:
    """Every organization of a world, and which organization each account belongs to."""

    def __init__(self) -> None:
        self._by_account: dict[str, Organization] = {}
        self._by_id: dict[str, Organization] = {}
        self._emails: set[str] = set()  # lower-cased, of every account ever created
        self._promised: set[str] = set()  # ids given to account creations

    def of_account(self, account_id: str) -> Organization | None:
        return self._by_account.get(account_id)

    def by_id(self, org_id: str) -> Organization | None:
        return self._by_id.get(org_id)

    def known_account(self, account_id: str) -> bool:
        return account_id in self._by_account

    def create(self, management_account_id: str, feature_set: str, now: datetime) -> Organization:
        while True:
            org_id = f"o-{token(10)}"
            if org_id not in self._by_id:
                break
        email = management_email(management_account_id)
        org = Organization(
            org_id=org_id,
            feature_set=feature_set,
            management_account_id=management_account_id,
            management_email=email,
            root_id=f"r-{token(4)}",
            created=now,
        )
        self._by_id[org_id] = org
        self.add_account(
            org,
            management_account_id,
            email=email,
            name="Management account",
            joined_method="INVITED",
            joined=now,
            parent_id=org.root_id,
        )
        if feature_set == "ALL":
            # "Service control policies are enabled in the root by default" (CreateOrganization).
            org.enable(SCP)
        return org

    def delete(self, org: Organization) -> None:
        for account_id in org.accounts:
            self._by_account.pop(account_id, None)
        self._by_id.pop(org.org_id, None)

    def remove_account(self, org: Organization, account_id: str) -> None:
        """The account leaves the organization (its IAM and activity stay, as on AWS)."""
        org.accounts.pop(account_id, None)
        org.forget_target(account_id)
        self._by_account.pop(account_id, None)

    def email_taken(self, email: str) -> bool:
        return email.lower() in self._emails

    def reserve_email(self, email: str) -> None:
        self._emails.add(email.lower())

    def release_email(self, email: str) -> None:
        self._emails.discard(email.lower())

    def new_account_id(self, taken: str) -> str:
        """A 12-digit id that no account of the book has or was promised, nor ``taken``."""
        while True:
            account_id = "".join(_ids.choices("0123456789", k=12))
            if account_id[0] == "0" or account_id == taken or account_id in self._by_account:
                continue
            if account_id not in self._promised:
                self._promised.add(account_id)
                return account_id

    def add_account(
        self,
        org: Organization,
        account_id: str,
        *,
        email: str,
        name: str,
        joined_method: str,
        joined: datetime,
        parent_id: str,
    ) -> Account:
        account = Account(
            account_id,
            org.account_arn(account_id),
            email,
            name,
            joined_method,
            joined,
            parent_id,
            org.next_order(),
        )
        org.accounts[account_id] = account
        org.adopt(account_id)
        self._by_account[account_id] = org
        self.reserve_email(email)
        return account


def management_email(account_id: str) -> str:
    """The management account's email (rule chosen: the mock never saw the account's sign-up)."""
    return f"management+{account_id}@example.com"
