"""docs/strategies.md shows the example strategy file whole: the page and the file agree."""

from __future__ import annotations

import re
from pathlib import Path

from tradewind.node.examples import quoter

DOCS = Path(__file__).resolve().parents[2] / "docs" / "strategies.md"


def test_the_page_shows_the_tested_example_file() -> None:
    page = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    assert blocks[0] == Path(quoter.__file__).read_text(encoding="utf-8")
