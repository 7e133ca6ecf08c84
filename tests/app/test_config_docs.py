"""docs/config.md is what the config models generate, and names every key."""

from __future__ import annotations

from pathlib import Path

from tradewind.common.config import TradewindConfig
from tradewind.common.config_docs import render_config_docs

DOC = Path(__file__).resolve().parents[2] / "docs" / "config.md"


def test_config_md_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render_config_docs(), (
        "docs/config.md is stale: run "
        "`.venv/bin/python -m tradewind.common.config_docs > docs/config.md`"
    )


def test_every_key_is_documented_with_its_meaning() -> None:
    text = render_config_docs()
    for section, field in TradewindConfig.model_fields.items():
        model = field.annotation
        assert isinstance(model, type)
        assert f"## [{section}]" in text
        for key, info in model.model_fields.items():  # type: ignore[attr-defined]
            assert info.description, f"[{section}] {key} has no description"
            assert f"| `{key}` |" in text
