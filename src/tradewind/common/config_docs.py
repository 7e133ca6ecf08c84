"""docs/config.md, generated from the config models: every key, its type, default, environment
variable and meaning, so the documentation cannot drift from the code (a test compares them).

    python -m tradewind.common.config_docs > docs/config.md
"""

from __future__ import annotations

import inspect
import json
from decimal import Decimal
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from tradewind.common.config import ENV_PREFIX, SimConfig, TradewindConfig

__all__ = ["render_config_docs"]

_HEADER = """# Configuration

Generated from `src/tradewind/common/config.py` by
`.venv/bin/python -m tradewind.common.config_docs > docs/config.md`; a test fails when it drifts.

Configuration comes from a TOML file (`--config FILE`, or `$TRADEWIND_CONFIG`), each key in its
`[section]`, overridden by environment variables `TRADEWIND_<SECTION>__<KEY>` (values are TOML
scalars: `8090`, `true`, `"text"`). Unknown keys are refused at start, naming the key. Secrets
(`[venue] api_secret`, keys) are best given as environment variables, never in a committed file.

Outside these models: `TRADEWIND_GATEWAY_KEY` (the gateway's signing key, see
[gateway.md](gateway.md#the-gateway-key)), `TRADEWIND_DB_URL` (the kernel store of the `order`,
`fills` and `positions` commands), `TRADEWIND_CLIENT_KEY` (the signing key of
`tradewind index`), `TRADEWIND_KEYSTORE` / `TRADEWIND_DESK_KEY` (the desk's hot key on chain),
`TRADEWIND_PURE_PYTHON=1` (import the Python source of the modules the install compiled, the
matching engine's: for a debugger or a profiler; see the README).
"""


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is not None and str(origin) == "typing.Literal":
        return " \\| ".join(json.dumps(a) for a in get_args(annotation))
    args = [a for a in get_args(annotation) if a is not type(None)]
    if origin is not None and args and len(args) < len(get_args(annotation)):
        return f"{_type_name(args[0])} (optional)"
    if origin is dict:
        return "table"
    names = {str: "string", int: "integer", float: "number", bool: "boolean", Decimal: "decimal"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _default(field: FieldInfo) -> str:
    if field.default is PydanticUndefined:
        return "required" if field.default_factory is None else "empty"
    value = field.default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value}`"


def _bounds(field: FieldInfo) -> str:
    shown = []
    for item in field.metadata:
        for name, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            bound = getattr(item, name, None)
            if bound is not None:
                shown.append(f"{sign} {bound}")
        for name in ("min_length", "max_length"):
            bound = getattr(item, name, None)
            if bound is not None:
                shown.append(f"{name.replace('_', ' ')} {bound}")
    return f" ({', '.join(shown)})" if shown else ""


def _table(model: type[BaseModel], env_section: str | None) -> list[str]:
    rows = ["| key | type | default | environment | meaning |", "| --- | --- | --- | --- | --- |"]
    for key, field in model.model_fields.items():
        env = f"`{ENV_PREFIX}{env_section.upper()}__{key.upper()}`" if env_section else "-"
        meaning = (field.description or "").replace("|", "\\|")
        rows.append(
            f"| `{key}` | {_type_name(field.annotation)}{_bounds(field)} | {_default(field)} "
            f"| {env} | {meaning} |"
        )
    return rows


def render_config_docs() -> str:
    """The text of docs/config.md."""
    lines = [_HEADER]
    for section, field in TradewindConfig.model_fields.items():
        model = field.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        lines.append(f"## [{section}]\n")
        doc = inspect.cleandoc(model.__doc__ or "")
        if doc:
            lines.append(doc + "\n")
        lines.extend(_table(model, section))
        lines.append("")
        if section == "sim":
            # the model of one [sim.chains.NETWORK] table, read off the field (common may not
            # import the simulator)
            chain_model = get_args(SimConfig.model_fields["chains"].annotation)[1]
            lines.append("### [sim.chains.NETWORK]\n")
            lines.append(inspect.cleandoc(chain_model.__doc__ or "") + "\n")
            lines.extend(_table(chain_model, None))
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_config_docs(), end="")
