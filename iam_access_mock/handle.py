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

    # Set while the world is served over HTTP (``mock_access(server=True)``).
    _endpoint_url: str | None = None

    @property
    def endpoint_url(self) -> str | None:
        """The loopback URL serving this world over HTTP (``mock_access(server=True)``), else None."""
        return self._endpoint_url

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

    def add_trail(self, arn: str, regions: Iterable[str] | None = None) -> None:
        """Declare a CloudTrail trail for Access Analyzer policy generation (the CloudTrail
        API is not served): ``arn`` ("arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME") logs
        ``regions`` (region codes; None: all regions). Declaring it again replaces it.

        The trail belongs to the account in its ARN. While the caller's account has no
        declared trail, any well-formed trail ARN of that account is an all-regions trail;
        once it has one, only its declared trails exist; another account's trail (an
        organization trail) must be declared. Every recorded access counts as logged by the trails
        covering its region. Raises ValueError (MockConfigurationError) or TypeError naming
        the argument.
        """
        from .trails import add_trail

        add_trail(self.world, arn, regions)

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

    # ---- console-only state: password sign-ins and the root's MFA (services/iam/console.py) ----
    def record_sign_in(self, principal_arn: str, *, at: datetime | None = None) -> None:
        """Record a console sign-in with a password: the user's ``PasswordLastUsed`` (GetUser,
        ListUsers, the credential report) becomes ``at`` (default ``clock.now()``; checked as
        ``record_access`` checks it). ``principal_arn``: an IAM user with a login profile, or
        an account root ARN. Nothing else sets PasswordLastUsed."""
        from .services.iam.console import record_sign_in

        with self.world.lock:
            record_sign_in(self.world, principal_arn, at)

    def enable_root_mfa(self, *, virtual: bool = True, account_id: str | None = None) -> str:
        """Give the account root (of ``account_id``, default the default account) an MFA
        device, as only the console can; returns its serial number. ``virtual=False`` makes
        it a hardware device (not listed by ListVirtualMFADevices)."""
        from .services.iam.console import enable_root_mfa

        account = self.account_id if account_id is None else account_id
        if not isinstance(account, str) or not (account.isdigit() and len(account) == 12):
            raise ValueError(f"account_id must be a 12-digit account id, got {account!r}")
        with self.world.lock:
            return enable_root_mfa(self.world, account, virtual=bool(virtual))

    def mfa_codes(self, serial_number: str) -> tuple[str, str]:
        """The two consecutive codes a virtual MFA device shows now on the mock clock: what
        EnableMFADevice and ResyncMFADevice take as AuthenticationCode1 and 2."""
        from .services.iam.console import mfa_codes

        with self.world.lock:
            return mfa_codes(self.world, serial_number)

    # ---- Access Analyzer: unused-access analysis (services/accessanalyzer/analysis.py) ----
    def run_unused_access_analysis(self) -> int:
        """Run every unused-access analyzer's analysis now, on the state and activity as
        they are, as AWS does every 24 hours (the mock also runs it when findings are read
        24 hours of mock time after the last run, and at CreateAnalyzer). Returns how many
        analyzers were analyzed; DISABLED ones (their organization deleted) are not."""
        from .services.accessanalyzer.analysis import run_all

        with self.world.lock:
            return run_all(self.world)
