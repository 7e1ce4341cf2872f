"""Access Analyzer state of one account in one Region: its policy generations and its
unused-access analyzers (``findings.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...jobs import Job
    from .findings import Analyzer
    from .generation import PolicyFacts


@dataclass(frozen=True)
class RequestedTrail:
    """One ``trails`` entry of a StartPolicyGeneration request, as given."""

    arn: str
    regions: tuple[str, ...]
    all_regions: bool


@dataclass
class PolicyGeneration:
    """One StartPolicyGeneration: what was asked, the job, and the facts found."""

    job: Job
    sequence: int  # creation order in this store: ties of startedOn list newest first
    principal_arn: str  # as given in the request
    principal_key: tuple[str, str, str]  # (account id, "user" | "role", lower-case name)
    partition: str
    trails: tuple[RequestedTrail, ...] | None  # None: no cloudTrailDetails
    start: datetime | None
    end: datetime | None
    facts: PolicyFacts
    canceled: datetime | None = None


@dataclass
class AnalyzerStore:
    """The generations of one account and Region, oldest first, and the client tokens seen."""

    account_id: str
    region: str | None = None
    generations: list[PolicyGeneration] = field(default_factory=list)
    by_job: dict[str, PolicyGeneration] = field(default_factory=dict)
    # clientToken -> (the request's fingerprint, the job it started)
    tokens: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Unused-access analyzers by name, in creation order; the client tokens of the analyzer
    # and archive rule operations: (operation, token) -> (the request's fingerprint, answer).
    analyzers: dict[str, Analyzer] = field(default_factory=dict)
    analyzer_tokens: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def add(self, generation: PolicyGeneration) -> None:
        self.generations.append(generation)
        self.by_job[generation.job.job_id] = generation
