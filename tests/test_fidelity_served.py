"""docs/fidelity.md's list of served IAM operations is the provider's (regenerate it with
scripts/generate_served_operations.py)."""

import re
from pathlib import Path

import botocore.session

from iam_access_mock.services import provider_for

FIDELITY = (Path(__file__).resolve().parent.parent / "docs" / "fidelity.md").read_text(
    encoding="utf-8"
)


def _listed(label: str) -> list[str]:
    section = FIDELITY[
        FIDELITY.index("<!-- served-iam-operations -->") : FIDELITY.index(
            "<!-- /served-iam-operations -->"
        )
    ]
    match = re.search(rf"^{label} \([^)]*\)[^:]*: (.*)\.$", section, re.MULTILINE)
    assert match, f"no {label} line: run scripts/generate_served_operations.py"
    return [name.strip() for name in match.group(1).split(",")]


def test_the_served_list_is_the_providers() -> None:
    served = sorted(provider_for("iam").handlers)  # type: ignore[union-attr]
    assert _listed("Served") == served, "run scripts/generate_served_operations.py"


def test_no_operation_listed_as_not_served_is_served() -> None:
    # The not-served list is of the botocore that generated it: newer IAM operations may be
    # missing from it, but none it names may be served.
    served = set(provider_for("iam").handlers)  # type: ignore[union-attr]
    assert not set(_listed("Not served")) & served, "run scripts/generate_served_operations.py"


def test_every_served_operation_is_in_the_installed_model() -> None:
    modelled = set(botocore.session.get_session().get_service_model("iam").operation_names)
    assert set(_listed("Served")) <= modelled
