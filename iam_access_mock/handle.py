"""``AccessMock``: the handle a test gets from an activation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .activity import AccessRecorder, parse_action, resolve_principal

if TYPE_CHECKING:
    from .activity import LastAccess
    from .clock import Clock
    from .cloudtrail import CloudTrailLoad
    from .jobs import JobControls
    from .world import World


class AccessMock:
    """The handle of an active mock: its clock, job controls and activity, and ``reset``."""

    def __init__(self, world: World) -> None:
        self.world = world

    @property
    def account_id(self) -> str:
        """The default account: unknown access keys act as its root."""
        return self.world.default_account_id

    @property
    def clock(self) -> Clock:
        return self.world.clock

    @property
    def jobs(self) -> JobControls:
        return self.world.jobs

    def reset(self) -> None:
        """Wipe all state: entities, keys, activity, jobs; the clock follows real time again."""
        self.world.reset()

    def __repr__(self) -> str:
        return f"<AccessMock account_id={self.account_id}>"

    # ---- activity: recording accesses and reading them back (activity.py, cloudtrail.py) ----
    def record_access(
        self,
        principal_arn: str,
        action: str,
        *,
        at: datetime | None = None,
        region: str = "us-east-1",
    ) -> None:
        """Record one access attempt: ``principal_arn`` called ``action`` at ``at`` in ``region``.

        ``principal_arn``: a user, role, assumed-role session (counts for its role) or
        account root ARN; the user or role must exist in the mock's IAM (path ignored).
        ``action``: "service:Action" or a bare namespace ("s3"), any case, as IAM matches
        them; the action must be in the catalogue (a ValueError names the closest ones) and
        is stored in the catalogue's casing ("S3:getobject" is s3:GetObject). ``at``: default
        ``clock.now()``, never after it nor before 1970 (``clock.TIME_RANGE``); naive
        datetimes are UTC. Raises ValueError (MockConfigurationError) or TypeError.
        """
        with self.world.lock:
            AccessRecorder(self.world).record(principal_arn, action, at, region)

    def record_accesses(self, accesses: Iterable[Any]) -> int:
        """Record many accesses: (principal_arn, action[, at[, region]]) tuples, or dicts with
        those keys.

        Each item is checked as ``record_access`` checks its arguments; each distinct
        principal and action is resolved once. ``at`` None is the clock's now, region None
        is us-east-1. Returns the number recorded. Items are applied in order: a bad item
        raises ValueError/TypeError naming its position, the ones before it stay.
        """
        with self.world.lock:
            return AccessRecorder(self.world).record_many(accesses)

    def load_cloudtrail(self, source: Any) -> CloudTrailLoad:
        """Load CloudTrail logs: a .json/.json.gz log file, a folder of them (recursive, as
        delivered to S3), a {"Records": [...]} dict or an iterable of record dicts.

        Returns the number of records taken, an int that also carries ``skipped``,
        ``unknown`` (user or role not in the mock), ``malformed`` and ``files``. A file
        that is not a CloudTrail log raises ``CloudTrailFileError`` (a ValueError naming
        the file) and none of its records is applied; files before it stay loaded. A
        record dated after the clock's now is malformed; an eventName that is no action of
        the catalogue still counts for its service (see cloudtrail.py).
        """
        from .cloudtrail import load_cloudtrail

        return load_cloudtrail(self.world, source)

    def last_access(self, principal_arn: str, action: str | None = None) -> LastAccess | None:
        """The last recorded access of a principal: to ``action`` ("s3:GetObject"), to a
        service ("s3"), or to anything (None); ``None`` if there was none.

        The result has ``when`` (full precision, UTC) and ``region``.
        """
        with self.world.lock:
            account_id, entity = resolve_principal(self.world, principal_arn)
            activity = self.world.activity
            if action is None:
                return activity.last_any(account_id, entity)
            if not isinstance(action, str):
                raise TypeError(f"action must be a str or None, got {type(action).__name__}")
            namespace, name = parse_action(action)
            if name is None:
                return activity.service_access(account_id, entity, namespace)
            return activity.action_access(account_id, entity, action)
