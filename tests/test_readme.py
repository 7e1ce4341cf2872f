"""The README's table of served operations is the truth."""

import re
from pathlib import Path

from iam_access_mock.services import provider_for, served_services

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_lists_exactly_the_served_operations() -> None:
    table = README[README.index("## What it serves") : README.index("## Data shipped")]
    listed: set[str] = set()
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] not in ("Service", "---"):
            listed |= {re.sub(r"\s*\(.*\)$", "", item.strip()) for item in cells[1].split(",")}
    served = {op for service in served_services() for op in provider_for(service).handlers}
    assert listed == served
