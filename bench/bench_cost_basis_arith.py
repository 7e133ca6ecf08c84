"""Decimal versus scaled integers for the arithmetic of one purchase and one partial sale.

    .venv/bin/python bench/bench_cost_basis_arith.py

The cost-basis pass gets Decimal amounts from the ledger and must hand Decimal figures back. A
pass in integers at 10^18 would convert each amount in (int(amount * 10^18), exact only after a
check) and each computed figure out (Decimal(n) / 10^18). This measures one purchase (cost =
cash paid + fee) and one partial sale (the proportional cost of the part, half-even at 18
decimals, and the remainder) both ways, conversions included, and prints microseconds per pair.
"""

from __future__ import annotations

import timeit
from decimal import Decimal, localcontext

_SETUP = {
    "qty": Decimal("0.123"),
    "usd": Decimal("-4567.891"),
    "fee": Decimal("1.25"),
    "have": Decimal("0.777"),
    "cost": Decimal("23456.789"),
    "SCALE": Decimal("1e18"),
    "EXP": Decimal("1e-18"),
    "Decimal": Decimal,
}

DECIMAL_PAIR = """
basis = fee - usd
part = (cost * qty / have).quantize(EXP)
rest = cost - part
left = have - qty
"""

SCALED_PAIR = """
scaled = qty * SCALE
q = int(scaled)
if q != scaled:
    raise ValueError
u = int(usd * SCALE)
f = int(fee * SCALE)
basis = f - u
h = 777000000000000000
c = 23456789000000000000000
p, r = divmod(c * q, h)
r += r
if r > h or (r == h and p & 1):
    p += 1
rest = c - p
left = h - q
out = Decimal(p) / SCALE
"""


def main() -> None:
    with localcontext() as context:
        context.prec = 60
        for label, stmt in (("decimal", DECIMAL_PAIR), ("scaled int", SCALED_PAIR)):
            runs = timeit.repeat(stmt, globals=_SETUP, number=200_000, repeat=5)
            print(f"{label:10s} {min(runs) / 200_000 * 1e6:6.2f} us per purchase + sale")


if __name__ == "__main__":
    main()
