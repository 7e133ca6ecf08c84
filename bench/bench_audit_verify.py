"""Audit log: append N ledger entries to the stored log, sign a head, verify; prints entries/s.

    .venv/bin/python bench/bench_audit_verify.py [--n 100000] [--db sqlite:///path] [--tree 1000000]

Stages timed separately: appending (one batch, as an import writes), publishing a signed tree
head, a full `verify` (read leaves and heads, recompute every entry's leaf hash, compare, check
the head by a consistency proof), and - in memory - building a tree over `--tree` leaf hashes
and taking its root (aim: seconds for 1,000,000 leaves).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tradewind.portfolio.audit.log import AuditLog
from tradewind.portfolio.audit.merkle import MerkleTree, leaf_hash
from tradewind.portfolio.audit.tree_head import TreeHeadSigner
from tradewind.portfolio.audit.verify import verify
from tradewind.portfolio.store import open_engine


def _entries(n: int) -> list[bytes]:
    # Canonical-form-sized entries (~150 bytes), as the ledger's on_write hook sends them.
    return [
        (
            f"trade\n{1_700_000_000 + i}\nM:binance:main|BTC|0.00{i % 997 + 1};"
            f"binance:main|USDT|-{50 + i % 1000}.25\nF:binance:main|BNB|-0.0000{i % 89 + 1}"
        ).encode()
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--n", type=int, default=100_000, help="ledger entries to append and verify"
    )
    parser.add_argument("--db", default=None, help="store URL (default: a temporary SQLite file)")
    parser.add_argument("--tree", type=int, default=1_000_000, help="leaves for the in-memory root")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        engine = open_engine(url)
        log = AuditLog(engine, TreeHeadSigner.generate())
        tenant = f"bench{time.time_ns() % 10**9}"
        entries = _entries(args.n)

        start = time.perf_counter()
        log.append_many(tenant, entries)
        append_s = time.perf_counter() - start

        start = time.perf_counter()
        log.publish_tree_head(tenant)
        head_s = time.perf_counter() - start

        start = time.perf_counter()
        report = verify(entries, AuditLog(engine, create_tables=False), tenant)
        verify_s = time.perf_counter() - start
        engine.dispose()
        if not report.ok:
            raise SystemExit(f"verification failed: {report.problems[:3]}")

    hashes = [leaf_hash(i.to_bytes(8, "big")) for i in range(args.tree)]
    start = time.perf_counter()
    root = MerkleTree(hashes).root()
    tree_s = time.perf_counter() - start

    print(
        f"append   {args.n:>9,} entries  {append_s:7.2f} s  {args.n / append_s:>10,.0f} entries/s"
    )
    print(f"head     sign + save           {head_s:7.2f} s")
    print(
        f"verify   {args.n:>9,} entries  {verify_s:7.2f} s  {args.n / verify_s:>10,.0f} entries/s"
    )
    print(f"tree     {args.tree:>9,} leaves   {tree_s:7.2f} s  root {root.hex()[:16]}…")


if __name__ == "__main__":
    main()
