"""``mypy --strict`` on a user's test file: the decorator keeps the decorated callable's type
and the handle's types are exported (typed/test_typed_usage.py), and wrong uses are caught.

mypy runs in a subprocess as a user's CI would, with the package treated as an installed
dependency (its own modules are analysed but not reported on: ``follow_imports = silent``,
what mypy does for a package in site-packages) and boto3 without stubs.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
USER_FILE = ROOT / "tests" / "typed" / "test_typed_usage.py"

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None, reason="mypy is not installed (the test extra has it)"
)

CONFIG = """\
[mypy]
strict = True

[mypy-iam_access_mock.*]
follow_imports = silent

[mypy-boto3.*,botocore.*]
ignore_missing_imports = True
"""

# Each line marked ``# E: code`` must get exactly that error, and no other line any.
WRONG_USES = """\
from iam_access_mock import AccessMock, mock_access


@mock_access
def f(x: int) -> str:
    return str(x)


@mock_access(account_id="210987654321")
def g(x: int) -> str:
    return str(x)


@mock_access
async def h() -> int:
    return 1


def uses(aws: AccessMock) -> None:
    f("not an int")  # E: arg-type
    n: int = g(1)  # E: assignment
    h() + 1  # E: operator
    mock_access(account_id=210987654321)  # E: call-overload
    aws.record_access(ALICE, "s3", at="yesterday")  # E: arg-type
    aws.clokc.now()  # E: attr-defined
    with mock_access() as inner:
        inner.last_access(ALICE).when  # E: union-attr


ALICE = "arn:aws:iam::123456789012:user/alice"
from iam_access_mock import Clocks  # E: attr-defined
"""

_ERROR = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: .*\[(?P<code>[a-z-]+)\]$")


@pytest.fixture(scope="module")
def mypy_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A config file and a cache shared by this module's runs (the second reuses the first's
    analysis of the package)."""
    folder = tmp_path_factory.mktemp("mypy")
    config = folder / "mypy.ini"
    config.write_text(CONFIG)
    return config, folder / "cache"


def run_mypy(target: Path, config: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mypy", "--strict", "--config-file", str(config)]
    command += ["--cache-dir", str(cache), "--no-pretty", "--show-error-codes", str(target)]
    # The package is found in the repository (an editable install's import hook is invisible
    # to mypy), as a user's checkout of it would be.
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_mypy_strict_passes_on_a_typical_user_test_file(mypy_dirs: tuple[Path, Path]) -> None:
    result = run_mypy(USER_FILE, *mypy_dirs)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found in 1 source file" in result.stdout


def test_mypy_catches_wrong_uses_of_the_decorated_and_the_handle(
    mypy_dirs: tuple[Path, Path], tmp_path: Path
) -> None:
    target = tmp_path / "wrong_uses.py"
    target.write_text(WRONG_USES)
    expected = {
        (number, line.rsplit("# E: ", 1)[1].strip())
        for number, line in enumerate(WRONG_USES.splitlines(), 1)
        if "# E: " in line
    }

    result = run_mypy(target, *mypy_dirs)

    found = {
        (int(match["line"]), match["code"])
        for match in map(_ERROR.match, result.stdout.splitlines())
        if match is not None
    }
    assert result.returncode == 1, result.stdout + result.stderr
    assert found == expected, result.stdout
