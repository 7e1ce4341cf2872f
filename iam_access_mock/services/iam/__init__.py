"""AWS Identity and Access Management: entities, policies, keys and last-accessed reports."""

from __future__ import annotations

from ...service import Provider, iam_validation_error
from .store import IamStore

provider = Provider("iam", store_factory=IamStore, validation_error=iam_validation_error)

# Handler modules register themselves on ``provider`` when imported.
from . import (  # noqa: F401
    access_keys,
    account,
    account_settings,
    certificates,
    credential_report,
    groups,
    identity_providers,
    inline,
    instance_profiles,
    last_accessed,
    mfa,
    organizations_access,
    passwords,
    policies,
    policy_tags,
    roles,
    simulation,
    user_credentials,
    users,
)
