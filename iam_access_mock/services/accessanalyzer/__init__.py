"""IAM Access Analyzer: policy generation from recorded activity, and unused-access analyzers
with their findings, archive rules and recommendations (rest-json, regional).

State is per account and Region (``ctx.store``): the generations started there, and the
analyzers with their findings (``findings.py``, computed by ``analysis.py``). The policy
is computed from the world's activity index, the principal's IAM store and the declared
trails (``trails.py``), never from another service's handlers.
"""

from __future__ import annotations

from ...service import Provider
from .errors import analyzer_validation_error
from .store import AnalyzerStore

provider = Provider(
    "accessanalyzer",
    store_factory=AnalyzerStore,
    regional=True,
    validation_error=analyzer_validation_error,
)

# Handler modules register themselves on ``provider`` when imported.
from . import (  # noqa: F401
    analyzers,
    archive_rules,
    policy_generation,
    recommendations,
    unused_findings,
)
