"""One job mechanism for every asynchronous AWS job the library serves.

Service-last-accessed reports, Organizations access reports and policy generations are all
``Job`` objects: created with their result already computed (AWS fixes a report's content
when the job is created), then observed as IN_PROGRESS until the completion rule set with
``JobControls`` says they are done. Every read of a job is one poll.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .clock import EARLIEST, LATEST, TIME_RANGE, Clock
from .errors import MockConfigurationError
from .protocol.text import XML_TEXT, describe_forbidden

IN_PROGRESS, COMPLETED, FAILED = "IN_PROGRESS", "COMPLETED", "FAILED"

# A duration longer than the clock's whole range could never pass.
LONGEST_DURATION = timedelta(days=(LATEST - EARLIEST).days + 1)
# When a job whose duration reaches past the clock's range completes: never, as the clock
# cannot get there.
_NEVER = datetime.max.replace(tzinfo=timezone.utc)
# An AWS error code: letters, digits and the separators codes use (``ServiceFailure``,
# ``INVALID_ORGANIZATIONS_ENTITY_PATH``).
_ERROR_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,128}\Z")


@dataclass
class Job:
    """A job: its kind, owner, creation time, result, and how it completes."""

    job_id: str
    kind: str
    owner: Hashable
    scope: Hashable  # e.g. the account id, or (account id, region) for regional services
    created: datetime
    result: Any
    polls_until_done: int = 0
    done_at: datetime | None = None  # completes when the mock clock reaches this
    failure: tuple[str, str] | None = None
    completed: datetime | None = None
    final_status: str | None = None
    polls: int = 0

    def due(self, now: datetime) -> bool:
        """True when the next poll ends the job: its reads are spent and its time has come."""
        if self.final_status is not None:
            return True
        return self.polls >= self.polls_until_done and (self.done_at is None or now >= self.done_at)

    def poll(self, now: datetime) -> str:
        """Observe the job once (a Get call) and return its status."""
        if self.final_status is None:
            self.polls += 1
            if self.polls > self.polls_until_done and (self.done_at is None or now >= self.done_at):
                self.final_status = FAILED if self.failure else COMPLETED
                self.completed = self.done_at if self.done_at is not None else now
                self.completed = max(self.completed, self.created)
        return self.final_status or IN_PROGRESS


def _done_at(now: datetime, duration: timedelta | None) -> datetime | None:
    """When a job created at ``now`` completes by time, or None if it needs no time."""
    if not duration:
        return None
    # The clock can be anywhere in its range, so now + duration may pass datetime's end.
    return now + duration if duration <= LATEST - now else _NEVER


class JobControls:
    """How new jobs complete; the same controls serve every job kind (``aws.jobs``)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._polls = 0
        self._duration: timedelta | None = None
        self._failures: list[tuple[str, str]] = []
        self._jobs: dict[str, Job] = {}

    def complete_after(self, *, polls: int | None = None, duration: timedelta | None = None) -> None:
        """Keep new jobs IN_PROGRESS for ``polls`` reads, or until ``duration`` passes on the mock clock.

        ``complete_after(polls=0)`` (or no argument) restores immediate completion.
        ``polls``: an int, 0 or more; ``duration``: a timedelta from 0 to the clock's whole
        range (``LONGEST_DURATION``), else TypeError or ValueError.
        """
        if polls is not None and (isinstance(polls, bool) or not isinstance(polls, int)):
            raise TypeError(f"polls must be an int or None, got {type(polls).__name__}")
        if polls is not None and polls < 0:
            raise MockConfigurationError(f"polls must be 0 or more, got {polls}")
        if duration is not None and not isinstance(duration, timedelta):
            raise TypeError(
                f"duration must be a datetime.timedelta or None, got {type(duration).__name__}"
            )
        if duration is not None and not timedelta(0) <= duration <= LONGEST_DURATION:
            raise MockConfigurationError(
                f"duration must be from 0 to {LONGEST_DURATION.days} days (the span of the "
                f"range the mock represents, {TIME_RANGE}), got {duration}"
            )
        with self._lock:
            self._polls = polls or 0
            self._duration = duration

    def fail_next(self, code: str = "ServiceFailure", message: str = "The job failed.") -> None:
        """Make the next job created (of any kind) end FAILED with this error.

        ``code``: an AWS-style error code, 1 to 128 letters, digits or ``_ . : -``.
        """
        if not isinstance(code, str):
            raise TypeError(f"code must be a str, got {type(code).__name__}")
        if _ERROR_CODE.match(code) is None:
            raise MockConfigurationError(
                f"code must be 1 to 128 characters from A-Z a-z 0-9 _ . : - "
                f"(an error code such as 'ServiceFailure'), got {code!r}"
            )
        if not isinstance(message, str):
            raise TypeError("message must be a string")
        # The message is written into every protocol's responses, XML included.
        unwritable = describe_forbidden(XML_TEXT, message)
        if unwritable is not None:
            raise MockConfigurationError(f"message must be text XML 1.0 can carry: {unwritable}")
        with self._lock:
            self._failures.append((code, message))

    # ---- used by the services ----------------------------------------------------------
    def create(self, kind: str, owner: Hashable, scope: Hashable, result: Any, *, job_id: str | None = None) -> Job:
        now = self._clock.now()
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
            job = Job(
                job_id=job_id or str(uuid.uuid4()),
                kind=kind,
                owner=owner,
                scope=scope,
                created=now,
                result=result,
                polls_until_done=self._polls,
                done_at=_done_at(now, self._duration),
                failure=failure,
            )
            self._jobs[job.job_id] = job
        return job

    def of_kind(self, kind: str, scope: Hashable) -> list[Job]:
        """The jobs of a kind in a scope (e.g. an account), oldest first."""
        with self._lock:
            return [job for job in self._jobs.values() if job.kind == kind and job.scope == scope]

    def find(self, job_id: str, kind: str, owner: Hashable, scope: Hashable) -> Job | None:
        """The job if it exists with this kind and scope and belongs to ``owner``."""
        job = self._jobs.get(job_id)
        if job is None or job.kind != kind or job.owner != owner or job.scope != scope:
            return None
        return job
