"""The activity index: per principal, service and tracked action, the last access.

Updated incrementally as accesses arrive (calls under the mock, ``record_access``,
CloudTrail), so a report costs O(services x entities), never O(events).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class LastAccess(tuple):
    """(timestamp in epoch seconds, region) of the most recent access."""

    __slots__ = ()

    @property
    def when(self) -> datetime:
        return datetime.fromtimestamp(self[0], tz=timezone.utc)

    @property
    def region(self) -> str:
        return self[1]


class ActivityIndex:
    """Last access per (account, entity) per service namespace and per action."""

    def __init__(self) -> None:
        # entity key -> {namespace -> (epoch seconds, region)}; the same shape for actions,
        # keyed "namespace:actionname" in lower case.
        self._services: dict[tuple[str, str], dict[str, tuple[float, str]]] = {}
        self._actions: dict[tuple[str, str], dict[str, tuple[float, str]]] = {}
        self._regions: dict[str, str] = {}

    def record(
        self,
        account_id: str,
        entity: str,
        namespace: str,
        action: Optional[str],
        when: datetime,
        region: str,
    ) -> None:
        """Record one access attempt by ``entity`` (an IAM unique id, or "root")."""
        stamp = when.timestamp()
        region = self._regions.setdefault(region, region)  # share one string per region
        key = (account_id, entity)
        services = self._services.get(key)
        if services is None:
            services = self._services[key] = {}
        previous = services.get(namespace)
        if previous is None or previous[0] <= stamp:
            services[namespace] = (stamp, region)
        if action is not None:
            actions = self._actions.get(key)
            if actions is None:
                actions = self._actions[key] = {}
            name = f"{namespace}:{action}".lower()
            previous = actions.get(name)
            if previous is None or previous[0] <= stamp:
                actions[name] = (stamp, region)

    def service_access(self, account_id: str, entity: str, namespace: str) -> Optional[LastAccess]:
        found = self._services.get((account_id, entity), {}).get(namespace)
        return None if found is None else LastAccess(found)

    def action_access(self, account_id: str, entity: str, action: str) -> Optional[LastAccess]:
        found = self._actions.get((account_id, entity), {}).get(action.lower())
        return None if found is None else LastAccess(found)

    def services_of(self, account_id: str, entity: str) -> dict[str, tuple[float, str]]:
        """Every namespace the entity accessed, with its last access."""
        return self._services.get((account_id, entity), {})

    def last_any(self, account_id: str, entity: str) -> Optional[LastAccess]:
        """The entity's most recent access to any service (RoleLastUsed)."""
        services = self._services.get((account_id, entity))
        if not services:
            return None
        return LastAccess(max(services.values()))
