"""The world that intercepted requests are answered from: ``None`` while no mock is active.

Every wrapper reads ``active.world`` on each call, so installing them once is enough.
"""

from __future__ import annotations

from typing import Any

world: Any = None

served_url: str | None = None
"""The endpoint URL ``mock_access(server=True)`` put in ``AWS_ENDPOINT_URL``: in-process
clients ignore it (``endpoint_url.py``), since the world answers them directly."""
