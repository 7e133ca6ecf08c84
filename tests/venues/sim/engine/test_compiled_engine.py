"""The Cython-compiled matching engine (setup.py) behaves exactly like its Python source.

A seeded scenario (every order type, time in force and self-trade-prevention mode, cancels by
id, client id and all, refused requests, events on and off, every query and the exported state)
runs in two processes: one importing the compiled modules, one with TRADEWIND_PURE_PYTHON=1.
Everything the engine returned or emitted is hashed; the two hashes must be equal.

Run as a script, this file prints that scenario's hash and which engine ran it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import random
import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


def compiled_modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    modules: list[str] = config["tool"]["tradewind"]["compiled-modules"]
    return modules


def _origin(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, module
    return Path(spec.origin)


def scenario(seed: int = 11, ops: int = 4000) -> dict[str, object]:
    """Run the mix; returns the hash of everything observed, counts, and the engine's file."""
    from tradewind.venues.sim.engine import (
        EngineEvent,
        MatchingEngine,
        NewOrder,
        OrderStatus,
        OrderType,
        Side,
        SimError,
        StpMode,
        SymbolSpec,
        TimeInForce,
    )
    from tradewind.venues.sim.engine import engine as engine_module

    specs = [
        SymbolSpec(
            symbol="BTCUSDT",
            base_asset="BTC",
            quote_asset="USDT",
            tick_size=Decimal("0.01"),
            step_size=Decimal("0.00001"),
            min_price=Decimal("0.01"),
            max_price=Decimal("1000000"),
            min_qty=Decimal("0.00001"),
            max_qty=Decimal("9000"),
            market_max_qty=Decimal("100"),
            min_notional=Decimal("5"),
            max_num_orders=200,
        ),
        SymbolSpec(
            symbol="ETHBTC",
            base_asset="ETH",
            quote_asset="BTC",
            tick_size=Decimal("0.00001"),
            step_size=Decimal("0.0001"),
            min_price=Decimal("0.00001"),
            max_price=Decimal("100"),
            min_qty=Decimal("0.0001"),
            max_qty=Decimal("100000"),
            market_max_qty=Decimal("1000"),
            min_notional=Decimal("0.0001"),
        ),
    ]
    mids = {"BTCUSDT": (Decimal("30000.00"), Decimal("0.01")), "ETHBTC": (Decimal("0.05"), None)}
    rng = random.Random(seed)
    digest = hashlib.sha256()
    counts: dict[str, int] = {}

    def note(kind: str, value: object) -> None:
        counts[kind] = counts.get(kind, 0) + 1
        digest.update(f"{kind}:{value!r}\n".encode())

    for emit in (True, False):
        now = [1_700_000_000_000]
        engine = MatchingEngine(
            specs, lambda clock=now: clock[0], emit_events=emit, history_limit=50
        )
        events: list[EngineEvent] = []
        engine.add_listener(events.append)
        accounts = [f"acct{i}" for i in range(4)]
        for i, account in enumerate(accounts):
            engine.create_account(
                account,
                maker_commission=Decimal("0.001") * i,
                taker_commission=Decimal("0.00075") * (i + 1),
            )
            engine.credit(account, "USDT", Decimal(200_000 * (i + 1)))
            engine.credit(account, "BTC", Decimal(5 + i))
            engine.credit(account, "ETH", Decimal(80))
        placed: list[tuple[str, str, int, str | None]] = []
        for n in range(ops):
            now[0] += rng.randrange(0, 400)
            account = rng.choice(accounts)
            symbol = rng.choice(("BTCUSDT", "BTCUSDT", "ETHBTC"))
            mid, _ = mids[symbol]
            tick = Decimal("0.01") if symbol == "BTCUSDT" else Decimal("0.00001")
            step = Decimal("0.00001") if symbol == "BTCUSDT" else Decimal("0.0001")
            side = rng.choice((Side.BUY, Side.SELL))
            roll = rng.random()
            cid = f"c{n}" if rng.random() < 0.3 else None
            stp = rng.choice(tuple(StpMode))
            try:
                if roll < 0.45:
                    offset = rng.randint(-30, 200) * tick
                    price = mid - offset if side is Side.BUY else mid + offset
                    kind = rng.choice(("GTC", "GTC", "GTC", "IOC", "FOK", "MAKER"))
                    order = NewOrder(
                        symbol,
                        side,
                        OrderType.LIMIT_MAKER if kind == "MAKER" else OrderType.LIMIT,
                        quantity=rng.randint(1, 3000) * step,
                        price=price,
                        time_in_force=None if kind == "MAKER" else TimeInForce(kind),
                        client_order_id=cid,
                        stp_mode=stp,
                    )
                    result = engine.place(account, order)
                    note("place", result)
                    if result.order.status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED):
                        placed.append((account, symbol, result.order.order_id, cid))
                elif roll < 0.75 and placed:
                    owner, on, order_id, its_cid = placed.pop(rng.randrange(len(placed)))
                    how = rng.random()
                    if how < 0.1:
                        note("cancel_all", engine.cancel_all(owner, on))
                    elif how < 0.3 and its_cid is not None:
                        note("cancel", engine.cancel(owner, on, client_order_id=its_cid))
                    else:
                        note(
                            "cancel",
                            engine.cancel(
                                owner, on, order_id=order_id, new_client_order_id=cid or ""
                            ),
                        )
                elif roll < 0.9:
                    by_quote = rng.random() < 0.3
                    order = NewOrder(
                        symbol,
                        side,
                        OrderType.MARKET,
                        quantity=None if by_quote else rng.randint(1, 4000) * step,
                        quote_order_qty=(
                            Decimal(rng.randint(10, 5000))
                            if by_quote and symbol == "BTCUSDT"
                            else Decimal("0.05")
                            if by_quote
                            else None
                        ),
                        client_order_id=cid,
                        stp_mode=stp,
                    )
                    note("market", engine.place(account, order))
                else:
                    # refused requests: off-grid price or size, unknown symbol, no size
                    bad = rng.choice(
                        (
                            NewOrder(
                                symbol, side, OrderType.LIMIT, quantity=step / 3,
                                price=mid, time_in_force=TimeInForce.GTC,
                            ),
                            NewOrder(
                                symbol, side, OrderType.LIMIT, quantity=step,
                                price=mid + tick / 7, time_in_force=TimeInForce.GTC,
                            ),
                            NewOrder("NOPEUSDT", side, OrderType.MARKET, quantity=step),
                            NewOrder(symbol, side, OrderType.MARKET),
                            NewOrder(
                                symbol, side, OrderType.LIMIT, quantity=Decimal(9999),
                                price=mid, time_in_force=TimeInForce.GTC,
                            ),
                        )
                    )  # fmt: skip
                    note("bad", engine.place(account, bad))
            except SimError as exc:
                note("refused", (exc.code, str(exc)))
            if n % 500 == 0:
                for on in ("BTCUSDT", "ETHBTC"):
                    note("changes", engine.take_depth_changes(on))
        for on in ("BTCUSDT", "ETHBTC"):
            note("depth", engine.depth(on, 50))
            note("best", engine.best_bid_ask(on))
            note("last", (engine.last_price(on), engine.avg_price(on)))
        for account in accounts:
            note("balances", sorted(engine.balances(account).items()))
            note("open", engine.open_orders(account))
            for on in ("BTCUSDT", "ETHBTC"):
                note("all_orders", engine.all_orders(account, on, limit=1000))
                note("trades", engine.my_trades(account, on, limit=1000))
        note("totals", sorted(engine.total_by_asset().items()))
        note("state", engine.export_state())
        for event in events:
            note("event", event)
    return {
        "digest": digest.hexdigest(),
        "counts": counts,
        "engine": Path(engine_module.__file__ or "").name,
    }


def _run_scenario(pure: bool) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "TRADEWIND_PURE_PYTHON"}
    if pure:
        env["TRADEWIND_PURE_PYTHON"] = "1"
    done = subprocess.run(
        [sys.executable, __file__],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    out: dict[str, object] = json.loads(done.stdout)
    return out


def _compiled() -> bool:
    return all(_origin(m).suffix == ".so" for m in compiled_modules())


def test_compiled_modules_are_the_ones_in_use_under_ci() -> None:
    plain = [m for m in compiled_modules() if _origin(m).suffix != ".so"]
    if plain and os.environ.get("CI") != "true":
        pytest.skip(f"not compiled here: {', '.join(plain)} (run `make install`)")
    assert not plain, f"not compiled: {plain}; build/compile.log says why (run `make install`)"


def test_compiled_modules_are_not_older_than_their_source() -> None:
    if not _compiled():
        pytest.skip("the engine is not compiled here (run `make install`)")
    stale = []
    for module in compiled_modules():
        built = _origin(module)
        source = built.parent / (module.rpartition(".")[2] + ".py")
        for part in (source, source.with_suffix(".pxd")):
            if part.exists() and part.stat().st_mtime > built.stat().st_mtime:
                stale.append(part.name)
    assert not stale, f"edited since the last compile: {stale} (run `make install`)"


def test_compiled_engine_gives_the_same_results_as_its_python_source() -> None:
    if not _compiled():
        pytest.skip("the engine is not compiled here (run `make install`)")
    compiled = _run_scenario(pure=False)
    plain = _run_scenario(pure=True)
    assert compiled["engine"] != plain["engine"]  # one .so, one .py: both really ran
    assert str(plain["engine"]).endswith(".py")
    counts = compiled["counts"]
    assert isinstance(counts, dict)
    # the mix reaches what it is meant to: fills, refusals, events, cancels of every kind
    for kind in ("place", "market", "refused", "cancel", "cancel_all", "event", "trades"):
        assert counts.get(kind, 0) > 0, kind
    assert compiled["counts"] == plain["counts"]
    assert compiled["digest"] == plain["digest"]


if __name__ == "__main__":
    print(json.dumps(scenario()))
