"""Signatures per second of a secp256k1 key inside SoftHSM2 (PKCS#11), against coincurve.

A throwaway SoftHSM2 token in a temporary directory; one key generated inside it; N distinct
digests signed through ``custody.hsm.HsmSigner`` (CKM_ECDSA, s normalised low, v recovered by
comparing the recovered public key) and through ``chain.eip712.DigestSigner``. Best of N runs.

    .venv/bin/python bench/bench_hsm_sign.py [--n 500] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from eth_hash.auto import keccak

from tradewind.chain.eip712 import DigestSigner, recover_signer
from tradewind.custody.hsm import SOFTHSM2_MODULE, HsmSigner
from tradewind.custody.keys import Secret

PIN = "bench-pin-1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    digests = [keccak(i.to_bytes(8, "big")) for i in range(args.n)]
    with tempfile.TemporaryDirectory() as root:
        (Path(root) / "tokens").mkdir()
        conf = Path(root) / "softhsm2.conf"
        conf.write_text(f"directories.tokendir = {root}/tokens\nobjectstore.backend = file\n")
        os.environ["SOFTHSM2_CONF"] = str(conf)
        subprocess.run(
            [
                "softhsm2-util",
                "--init-token",
                "--free",
                "--label",
                "bench",
                "--so-pin",
                "so-1",
                "--pin",
                PIN,
            ],
            check=True,
            capture_output=True,
        )
        hsm = HsmSigner.generate(SOFTHSM2_MODULE, "bench", Secret(PIN), "bench-key")
        assert recover_signer(digests[0], hsm.sign(digests[0])) == hsm.address
        local = DigestSigner(keccak(b"bench key, not a secret"))
        results = {}
        for name, signer in (("SoftHSM2 via PKCS#11", hsm), ("coincurve (in process)", local)):
            best = float("inf")
            for _ in range(args.runs):
                start = time.perf_counter()
                for digest in digests:
                    signer.sign(digest)
                best = min(best, time.perf_counter() - start)
            results[name] = args.n / best
        hsm.close()
    print(f"{args.n} signatures, best of {args.runs} runs")
    for name, rate in results.items():
        print(f"  {name:24s} {rate:10,.0f} sig/s   {1e6 / rate:9.1f} µs/sig")


if __name__ == "__main__":
    main()
