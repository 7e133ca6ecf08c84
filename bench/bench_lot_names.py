"""What specific identification's string names cost, alone, over the cost-basis bench's ledger.

    .venv/bin/python bench/bench_lot_names.py [--n 1000000] [--repeat 3]

The pass (costbasis/ledger_pass.py) names every purchase's lot `key[:16] + "/0"` and files it
in a dict of one-lot lists; every sale slices its ref and looks it up in the selections. This
times those two steps alone over every content key of bench_cost_basis's ledger, and the
alternative of resolving every ref to a ledger position up front (a dict built in C), so the
cost of the string names can be weighed against keying selections by position. Prints the best
CPU seconds of each over `--repeat` runs.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from decimal import Decimal
from operator import itemgetter

from bench_cost_basis import synthetic

Selections = dict[str, dict[str, Decimal]]


def _file_lot_ids(keys: list[str], _selections: Selections) -> None:
    lots: dict[str, list[str]] = {}
    for key in keys:
        lots[key[:16] + "/0"] = [key]


def _look_up_refs(keys: list[str], selections: Selections) -> None:
    get = selections.get
    for key in keys:
        get(key[:16])


def _index_refs(keys: list[str], _selections: Selections) -> None:
    dict(zip(map(itemgetter(slice(0, 16)), keys), range(len(keys)), strict=True))


STEPS: dict[str, Callable[[list[str], Selections], None]] = {
    "lot ids built and filed": _file_lot_ids,
    "refs sliced and looked up": _look_up_refs,
    "every ref to its position": _index_refs,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    _txs, keys, selections = synthetic(args.n)
    print(f"{len(keys):,} content keys, {len(selections):,} selections")
    gc.collect()
    gc.freeze()
    gc.disable()  # as compute_cost_basis runs its pass
    for label, step in STEPS.items():
        best = float("inf")
        for _ in range(args.repeat):
            started = time.process_time()
            step(keys, selections)
            best = min(best, time.process_time() - started)
        print(f"{label:28s} {best:5.2f} CPU s")


if __name__ == "__main__":
    main()
