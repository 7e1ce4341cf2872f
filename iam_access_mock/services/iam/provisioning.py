"""IAM entities AWS creates itself: the role Organizations puts in a new member account."""

from __future__ import annotations

import json
from datetime import datetime

from ...identity import new_id
from .naming import entity_arn
from .store import IamStore, Role

# CreateAccount: the role "grants administrator permissions" and "trusts the management
# account"; accounts it creates carry an inline policy named AdministratorAccess.
ADMINISTRATOR_ACCESS = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def member_trust_policy(management_account_id: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{management_account_id}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def create_member_access_role(
    store: IamStore, management_account_id: str, role_name: str, now: datetime
) -> Role:
    """The role CreateAccount makes in the new account (``RoleName``, default
    OrganizationAccountAccessRole); an existing role of that name is kept as it is."""
    existing = store.role(role_name)
    if existing is not None:
        return existing
    role = Role(
        role_name, "/", new_id("AROA"), entity_arn(store.account_id, "role", "/", role_name), now
    )
    role.assume_role_policy = member_trust_policy(management_account_id)
    role.inline_policies["AdministratorAccess"] = ADMINISTRATOR_ACCESS
    store.add(role)
    return role
