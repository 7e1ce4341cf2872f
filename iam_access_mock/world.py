"""All state of one activation: stores per account (and region), activity, clock, jobs, keys."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from .activity import ActivityIndex
from .clock import Clock
from .identity import CredentialBook, Principal
from .jobs import JobControls
from .organization import OrganizationBook
from .policy.action_names import iam_actions

if TYPE_CHECKING:
    from .service import Provider

DEFAULT_ACCOUNT_ID = "123456789012"


class World:
    """One activation's state; ``reset`` starts it over without replacing the object."""

    def __init__(self, default_account_id: str = DEFAULT_ACCOUNT_ID) -> None:
        self.default_account_id = default_account_id
        # One lock serializes handlers and the Python API: a handler sees a consistent
        # world, and recording from many threads loses nothing.
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.clock = Clock()
            self.jobs = JobControls(self.clock)
            self.credentials = CredentialBook(self.default_account_id, self.clock.now)
            self.activity = ActivityIndex()
            self.organizations = OrganizationBook()
            self._stores: dict[tuple[str, str, str | None], Any] = {}

    def store(self, provider: Provider, account_id: str, region: str | None = None) -> Any:
        key = (provider.service_name, account_id, region)
        found = self._stores.get(key)
        if found is None:
            with self.lock:
                found = self._stores.get(key)
                if found is None:
                    found = provider.store_factory(account_id, region)
                    if hasattr(found, "attach"):
                        found.attach(self)
                    self._stores[key] = found
        return found

    def stores_of(self, provider: Provider) -> list[Any]:
        """Every store of a service made so far, across accounts (and regions)."""
        with self.lock:
            return [store for (service, _, _), store in self._stores.items() if service == provider.service_name]

    def iam(self, account_id: str) -> Any:
        """The IAM store of an account (IAM is global: one per account)."""
        from .services.iam import provider as iam_provider

        return self.store(iam_provider, account_id)

    def provision_member_account(self, account_id: str, management_account_id: str, role_name: str) -> None:
        """Give an account created in an organization the role its management account uses."""
        from .services.iam.provisioning import create_member_access_role

        create_member_access_role(self.iam(account_id), management_account_id, role_name, self.clock.now())

    def record_call(self, principal: Principal, namespace: str, operation: str, region: str) -> None:
        """Record a call made under the mock as an access attempt (served or not)."""
        now = self.clock.now()
        entity = principal.entity_id or "root"
        for action in iam_actions(namespace, operation):
            self.activity.record(principal.account_id, entity, namespace, action, now, region)
        if principal.access_key_id is not None:
            credential = self.credentials.get(principal.access_key_id)
            if credential is not None:
                credential.last_used = (now, namespace, region)

    def identify(self, access_key_id: str | None) -> Principal:
        """The principal behind an access key (raises InvalidClientTokenId for revoked keys)."""
        return self.credentials.resolve(access_key_id, self._user_arn)

    def _user_arn(self, account_id: str, user_id: str) -> tuple[str, str] | None:
        user = self.iam(account_id).user_by_id(user_id)
        return None if user is None else (user.arn, user.name)
