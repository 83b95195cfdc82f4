"""The problem types docs/api.md documents under "Errors": every problem the API
answers with, and every one its OpenAPI document names, must be among them."""

from __future__ import annotations

import re
from pathlib import Path

DOCUMENTED = set(
    re.findall(
        r"`([a-z-]+)`",
        (Path(__file__).parents[2] / "docs/api.md")
        .read_text()
        .split("## Errors")[1]
        .split("##")[0],
    )
)
