"""One job mechanism for every asynchronous AWS job the library serves.

Service-last-accessed reports, Organizations access reports and policy generations are all
``Job`` objects: created with their result already computed (AWS fixes a report's content
when the job is created), then observed as IN_PROGRESS until the completion rule set with
``JobControls`` says they are done. Every read of a job is one poll.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .clock import Clock
from .errors import MockConfigurationError

IN_PROGRESS, COMPLETED, FAILED = "IN_PROGRESS", "COMPLETED", "FAILED"


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

    def poll(self, now: datetime) -> str:
        """Observe the job once (a Get call) and return its status."""
        if self.final_status is None:
            self.polls += 1
            if self.polls > self.polls_until_done and (self.done_at is None or now >= self.done_at):
                self.final_status = FAILED if self.failure else COMPLETED
                self.completed = self.done_at if self.done_at is not None else now
                self.completed = max(self.completed, self.created)
        return self.final_status or IN_PROGRESS


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
        """
        if polls is not None and (isinstance(polls, bool) or not isinstance(polls, int)):
            raise TypeError("polls must be an int")
        if polls is not None and polls < 0:
            raise MockConfigurationError("polls must be 0 or more")
        if duration is not None and not isinstance(duration, timedelta):
            raise TypeError("duration must be a datetime.timedelta")
        if duration is not None and duration < timedelta(0):
            raise MockConfigurationError("duration must not be negative")
        with self._lock:
            self._polls = polls or 0
            self._duration = duration

    def fail_next(self, code: str = "ServiceFailure", message: str = "The job failed.") -> None:
        """Make the next job created (of any kind) end FAILED with this error."""
        if not isinstance(code, str) or not code:
            raise MockConfigurationError("code must be a non-empty string")
        if not isinstance(message, str):
            raise TypeError("message must be a string")
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
                done_at=now + self._duration if self._duration else None,
                failure=failure,
            )
            self._jobs[job.job_id] = job
        return job

    def find(self, job_id: str, kind: str, owner: Hashable, scope: Hashable) -> Job | None:
        """The job if it exists with this kind and scope and belongs to ``owner``."""
        job = self._jobs.get(job_id)
        if job is None or job.kind != kind or job.owner != owner or job.scope != scope:
            return None
        return job
