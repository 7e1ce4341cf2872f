"""AWS Organizations: the organization, its OUs, accounts and policies (json protocol).

The state is the world's ``OrganizationBook`` (``organization.py``): an organization spans
accounts, so no per-account store holds it.
"""

from __future__ import annotations

from ...service import Provider
from .errors import organizations_validation_error

provider = Provider("organizations", validation_error=organizations_validation_error)

# Handler modules register themselves on ``provider`` when imported.
from . import accounts, policies, roots, units  # noqa: F401
