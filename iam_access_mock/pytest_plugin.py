"""The pytest plugin (registered through the ``pytest11`` entry point): the ``access_mock``
fixture yields an active mock's handle, with fake credentials and a region in the
environment so real credentials are never read; ``access_mock_server`` also serves it over
HTTP for child processes."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .activation import ENVIRONMENT_NAMES, Activation, mock_access
from .handle import AccessMock


@pytest.fixture
def access_mock(monkeypatch: pytest.MonkeyPatch) -> Iterator[AccessMock]:
    """An active ``mock_access()``; state is discarded after the test."""
    yield from _activated(monkeypatch, mock_access())


@pytest.fixture
def access_mock_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[AccessMock]:
    """An active ``mock_access(server=True)``: the world is also served on a loopback port
    (``handle.endpoint_url``, and ``AWS_ENDPOINT_URL`` for child processes)."""
    yield from _activated(monkeypatch, mock_access(server=True), "AWS_ENDPOINT_URL", "AWS_REGION")


def _activated(monkeypatch: pytest.MonkeyPatch, activator: Activation, *extra: str) -> Iterator[AccessMock]:
    # Record the variables the activation changes in the test's own monkeypatch: whatever
    # order the test's monkeypatch.setenv calls and this teardown run in, monkeypatch puts
    # the environment back exactly as it was before the test.
    for name in (*ENVIRONMENT_NAMES, *extra):
        value = os.environ.get(name)
        if value is None:
            # delenv records nothing for an absent variable; setenv first records "absent".
            monkeypatch.setenv(name, "")
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, value)
    handle = activator.start()
    try:
        yield handle
    finally:
        activator.stop()
