"""docs/strategies.md shows the example strategy file whole: the page and the file agree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tradewind.node.examples import quoter

DOCS = Path(__file__).resolve().parents[2] / "docs" / "strategies.md"


def test_the_page_shows_the_tested_example_file() -> None:
    page = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    assert blocks[0] == Path(quoter.__file__).read_text(encoding="utf-8")


def test_the_example_imports_no_venue_engine_or_event_loop() -> None:
    tree = ast.parse(Path(quoter.__file__).read_text(encoding="utf-8"))
    nodes = list(ast.walk(tree))
    imported = {a.name for n in nodes if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in nodes if isinstance(n, ast.ImportFrom)}
    forbidden = ("asyncio", "tradewind.venues", "tradewind.execution", "tradewind.store")
    assert not [name for name in imported if name.startswith(forbidden)], imported
