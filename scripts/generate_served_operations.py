#!/usr/bin/env python3
"""Write the list of IAM operations served and not served into docs/fidelity.md.

The list is computed from the IAM provider's handlers and botocore's IAM model, and written
between the ``<!-- served-iam-operations -->`` and ``<!-- /served-iam-operations -->`` markers.
``tests/test_docs.py`` fails when the file is not what this script would write, so the list
cannot drift from the code. Run from the repository root::

    python scripts/generate_served_operations.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import botocore.session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from iam_access_mock.services import provider_for

FIDELITY = ROOT / "docs" / "fidelity.md"
START, END = "<!-- served-iam-operations -->", "<!-- /served-iam-operations -->"


def section() -> str:
    provider = provider_for("iam")
    assert provider is not None
    served = sorted(provider.handlers)
    modelled = botocore.session.get_session().get_service_model("iam").operation_names
    unserved = sorted(set(modelled) - set(served))
    return (
        f"{START}\n"
        f"Served ({len(served)}): {', '.join(served)}.\n\n"
        f"Not served ({len(unserved)} of the installed botocore's IAM model; they answer "
        f"`NotImplemented`): {', '.join(unserved) or 'none'}.\n"
        f"{END}"
    )


def rendered(text: str) -> str:
    start, end = text.index(START), text.index(END) + len(END)
    return text[:start] + section() + text[end:]


def main() -> None:
    text = FIDELITY.read_text(encoding="utf-8")
    FIDELITY.write_text(rendered(text), encoding="utf-8")


if __name__ == "__main__":
    main()
