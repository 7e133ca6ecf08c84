"""EIP-712 signatures per second: tradewind.chain.eip712 (coincurve) against eth-account.

Each iteration hashes a fresh typed message (a 1inch-v4-shaped RFQ order whose salt changes)
and signs its digest. Three paths, same messages, best of N runs:

  ours        hash_typed_data + DigestSigner.sign (libsecp256k1 through coincurve)
  ours-sign   DigestSigner.sign alone on precomputed digests (the signing cost by itself)
  eth-account Account.sign_typed_data(full_message=...) (its own encoder and signer)

The first message's signature is checked equal across paths before timing.

    .venv/bin/python bench/bench_eip712.py [--n 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from eth_account import Account
from eth_hash.auto import keccak

from tradewind.chain.eip712 import DigestSigner, TypedData, hash_typed_data

ORDER_TYPES = {
    "Order": [
        ("salt", "uint256"),
        ("maker", "address"),
        ("receiver", "address"),
        ("makerAsset", "address"),
        ("takerAsset", "address"),
        ("makingAmount", "uint256"),
        ("takingAmount", "uint256"),
        ("makerTraits", "uint256"),
    ]
}
DOMAIN = {
    "name": "1inch Limit Order Protocol",
    "version": "4",
    "chainId": 42161,
    "verifyingContract": "0x111111125421cA6dc452d289314280a0f8842A65",
}
KEY = keccak(b"bench key, not a secret")


def _messages(n: int) -> list[dict[str, Any]]:
    maker = Account.from_key(KEY).address
    return [
        {
            "salt": i,
            "maker": maker,
            "receiver": "0x" + "00" * 20,
            "makerAsset": "0x" + "11" * 20,
            "takerAsset": "0x" + "22" * 20,
            "makingAmount": 10**18 + i,
            "takingAmount": 3_000 * 10**6,
            "makerTraits": 1 << 255,
        }
        for i in range(n)
    ]


def _full(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Order": [{"name": n, "type": t} for n, t in ORDER_TYPES["Order"]],
        },
        "primaryType": "Order",
        "domain": DOMAIN,
        "message": message,
    }


def _best(runs: int, n: int, body: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        body()
        best = min(best, time.perf_counter() - start)
    return n / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    messages = _messages(args.n)
    schema = TypedData.from_types(ORDER_TYPES)
    fulls = [_full(m) for m in messages]
    digests = [hash_typed_data(schema, "Order", DOMAIN, m) for m in messages]

    signer = DigestSigner(KEY)
    ours = signer.sign(digests[0])
    theirs = Account.sign_typed_data(KEY, full_message=fulls[0])
    assert (ours.r, ours.s, ours.v) == (theirs.r, theirs.s, theirs.v), "paths disagree"

    def ours_full() -> None:
        for message in messages:
            signer.sign(hash_typed_data(schema, "Order", DOMAIN, message))

    def ours_sign() -> None:
        for digest in digests:
            signer.sign(digest)

    def eth_account() -> None:
        for full in fulls:
            Account.sign_typed_data(KEY, full_message=full)

    results = {
        "ours (hash + sign, coincurve)": _best(args.runs, args.n, ours_full),
        "ours (sign only, coincurve)": _best(args.runs, args.n, ours_sign),
        "eth-account sign_typed_data": _best(args.runs, max(1, args.n), eth_account),
    }
    print(f"{args.n} signatures, best of {args.runs} runs")
    for name, rate in results.items():
        print(f"  {name:32s} {rate:12,.0f} sig/s   {1e6 / rate:8.1f} µs/sig")
    ratio = results["ours (hash + sign, coincurve)"] / results["eth-account sign_typed_data"]
    print(f"  speed-up (hash + sign vs eth-account): {ratio:.1f}x")


if __name__ == "__main__":
    main()
