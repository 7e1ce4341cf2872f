"""The examples in docs/ and the README run as written."""

import re
from pathlib import Path

import pytest
from server_support import Contacts, allow_loopback_only  # imported before any test patches sockets

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _examples():
    for page in [*DOCS, ROOT / "README.md"]:
        for number, code in enumerate(BLOCK.findall(page.read_text(encoding="utf-8")), 1):
            yield pytest.param(code, id=f"{page.name}-{number}")


# Examples for the optional extras run where those are installed (CI's runs 2 and 3).
OPTIONAL_MODULES = {"aiobotocore", "aioboto3"}


@pytest.mark.parametrize("code", list(_examples()))
def test_example_runs(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if "AccessMockServer" in code or "server=True" in code:
        # Server mode's examples talk to a server on loopback, and to nothing else.
        allow_loopback_only(monkeypatch, Contacts())
    try:
        exec(compile(code, "<docs example>", "exec"), {"__name__": "__docs__"})  # noqa: S102 - our own docs
    except ModuleNotFoundError as error:
        if error.name not in OPTIONAL_MODULES:
            raise
        pytest.skip(f"the example needs {error.name}, an optional extra")


def test_docs_have_examples() -> None:
    assert len(list(_examples())) >= 5


def test_demo_runs_and_finds_the_unused_service(capsys: pytest.CaptureFixture[str]) -> None:
    import runpy

    runpy.run_path(str(ROOT / "examples" / "demo.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "Job COMPLETED, 3 services allowed:" in out
    assert "last used 2026-10-29 12:00 in eu-west-1" in out
    assert out.rstrip().endswith("Candidates for removal: dynamodb")
