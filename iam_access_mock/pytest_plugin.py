"""The pytest plugin (registered through the ``pytest11`` entry point): the ``access_mock``
fixture yields an active mock's handle, with fake credentials and a region in the
environment so real credentials are never read."""

from __future__ import annotations

from typing import Iterator

import pytest

from .activation import mock_access
from .handle import AccessMock


@pytest.fixture
def access_mock(monkeypatch: pytest.MonkeyPatch) -> Iterator[AccessMock]:
    """An active ``mock_access()``; state is discarded after the test."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    activator = mock_access()
    handle = activator.start()
    try:
        yield handle
    finally:
        activator.stop()
